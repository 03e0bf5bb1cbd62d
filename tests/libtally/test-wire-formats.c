/* test-wire-formats.c: the JSON the server and the app share, read back
 * as it was written
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally.h"

#define ACCOUNT "c7f10625-ab03-4a18-81dc-b0f2b24bd138"

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

static char *
to_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

/* The fields the wire carries: all but the ledger's commit-time ones. */
static void
assert_same_transfer (const TallyTransfer *a,
                      const TallyTransfer *b)
{
  g_assert_cmpstr (a->id, ==, b->id);
  g_assert_cmpint (a->seq, ==, b->seq);
  g_assert_cmpint (a->kind, ==, b->kind);
  g_assert_cmpstr (a->debit_account_id, ==, b->debit_account_id);
  g_assert_cmpstr (a->credit_account_id, ==, b->credit_account_id);
  g_assert_cmpint (a->amount, ==, b->amount);
  g_assert_cmpstr (a->pending_id, ==, b->pending_id);
  g_assert_cmpint (a->flags, ==, b->flags);
  g_assert_cmpstr (a->tool_id, ==, b->tool_id);
  g_assert_cmpint (a->units, ==, b->units);
  g_assert_cmpstr (a->ref, ==, b->ref);
  g_assert_cmpstr (a->description, ==, b->description);
  g_assert_cmpint (a->created_at, ==, b->created_at);
}

static void
fill_text (char  *out,
           gsize  size,
           char   c)
{
  memset (out, c, size - 1);
  out[size - 1] = '\0';
}

static void
test_transfer_round_trip (void)
{
  TallyTransfer transfers[4];
  const char *grants = tally_system_account_id (TALLY_SYSTEM_ACCOUNT_GRANTS);

  tally_transfer_init (&transfers[0], "f327e8be-6bde-4646-a017-966c73246217", grants, ACCOUNT,
                       100, TALLY_TRANSFER_KIND_GRANT);
  tally_transfer_set_description (&transfers[0], "Welcome — “Grüße” 🎉");
  transfers[0].created_at = G_GINT64_CONSTANT (1795000000123456);

  tally_transfer_init (&transfers[1], "52fbb72e-249b-4305-9982-68aa04ec61c3", ACCOUNT, grants,
                       11, TALLY_TRANSFER_KIND_CONSUMPTION);
  transfers[1].flags = TALLY_TRANSFER_FLAG_PENDING;
  tally_transfer_set_tool_id (&transfers[1], "image-convert");
  tally_transfer_set_ref (&transfers[1], transfers[1].id);
  transfers[1].created_at = 0;

  tally_transfer_init (&transfers[2], "2f18621a-2532-455c-89af-108ce335f00c", ACCOUNT, grants,
                       G_MAXINT64, TALLY_TRANSFER_KIND_CONSUMPTION);
  tally_transfer_set_pending_id (&transfers[2], transfers[1].id);
  transfers[2].flags = TALLY_TRANSFER_FLAG_POST_PENDING;
  transfers[2].units = G_MAXINT64;
  /* The longest text each field takes. */
  fill_text (transfers[2].tool_id, sizeof transfers[2].tool_id, 't');
  fill_text (transfers[2].ref, sizeof transfers[2].ref, 'r');
  fill_text (transfers[2].description, sizeof transfers[2].description, 'd');
  transfers[2].created_at = G_GINT64_CONSTANT (4102444799999999);

  tally_transfer_init (&transfers[3], "11a0e7cd-e9f5-4b0f-9ec8-174f50c38a44", ACCOUNT, grants, 0,
                       TALLY_TRANSFER_KIND_LEASE);
  tally_transfer_set_pending_id (&transfers[3], transfers[1].id);
  transfers[3].flags = TALLY_TRANSFER_FLAG_VOID_PENDING;
  transfers[3].created_at = G_GINT64_CONSTANT (1795000000000001);

  for (guint i = 0; i < G_N_ELEMENTS (transfers); i++)
    {
      g_autoptr(JsonObject) object = NULL;
      g_autoptr(JsonNode) parsed = NULL;
      g_autoptr(JsonObject) again = NULL;
      g_autofree char *text = NULL, *text_again = NULL;
      TallyTransfer back;
      const char *fault = NULL;

      transfers[i].seq = i + 1;
      object = tally_transfer_to_json (&transfers[i]);
      text = to_text (object);
      g_test_message ("%s", text);

      /* Through text, as the app gets it. */
      parsed = parse (text);
      g_assert_true (tally_transfer_from_json (json_node_get_object (parsed), &back, &fault));
      g_assert_null (fault);
      assert_same_transfer (&transfers[i], &back);

      /* And written again, byte for byte the same. */
      again = tally_transfer_to_json (&back);
      text_again = to_text (again);
      g_assert_cmpstr (text_again, ==, text);
    }
}

/* The shape docs/openapi.json gives a sync answer's Transfer, pinned. */
static void
test_transfer_text (void)
{
  TallyTransfer transfer;
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *text = NULL;

  tally_transfer_init (&transfer, "52fbb72e-249b-4305-9982-68aa04ec61c3", ACCOUNT,
                       "00000000-0000-4000-8000-000000000004", 11,
                       TALLY_TRANSFER_KIND_CONSUMPTION);
  transfer.seq = 2;
  transfer.flags = TALLY_TRANSFER_FLAG_PENDING | TALLY_TRANSFER_FLAG_LINKED;
  transfer.timeout = 60;
  tally_transfer_set_tool_id (&transfer, "image-convert");
  tally_transfer_set_ref (&transfer, "r");
  tally_transfer_set_description (&transfer, "Convert image format");
  transfer.created_at = G_GINT64_CONSTANT (1795000000629765);

  object = tally_transfer_to_json (&transfer);
  text = to_text (object);
  g_assert_cmpstr (text, ==,
                   "{\"id\":\"52fbb72e-249b-4305-9982-68aa04ec61c3\",\"seq\":2,"
                   "\"kind\":\"consumption\","
                   "\"debit_account_id\":\"" ACCOUNT "\","
                   "\"credit_account_id\":\"00000000-0000-4000-8000-000000000004\","
                   "\"amount\":11,\"pending_id\":null,"
                   "\"flags\":{\"pending\":true,\"post_pending\":false,\"void_pending\":false},"
                   "\"tool\":\"image-convert\",\"units\":0,\"ref\":\"r\","
                   "\"description\":\"Convert image format\","
                   "\"created_at\":\"2026-11-18T11:06:40.629765Z\"}");
}

static const char good_transfer[] =
  "{\"id\":\"52fbb72e-249b-4305-9982-68aa04ec61c3\",\"seq\":2,\"kind\":\"consumption\","
  "\"debit_account_id\":\"" ACCOUNT "\","
  "\"credit_account_id\":\"00000000-0000-4000-8000-000000000004\",\"amount\":11,"
  "\"pending_id\":null,\"flags\":{\"pending\":true},\"tool\":null,\"units\":0,\"ref\":\"\","
  "\"description\":\"\",\"created_at\":\"2026-11-26T10:48:19.629765+01:00\"}";

/* Each bad member is named; null where the wire allows it is no fault. */
static void
test_transfer_faults (void)
{
  const struct
  {
    const char *member;
    const char *value;   /* NULL: the member is left out */
    const char *fault;   /* NULL: still a good transfer */
  } cases[] = {
    { "id", NULL, "id" },
    { "id", "\"not-a-uuid\"", "id" },
    { "id", "null", "id" },
    { "seq", "0", "seq" },
    { "seq", "\"2\"", "seq" },
    { "seq", "2.5", "seq" },
    { "kind", "\"gift\"", "kind" },
    { "kind", "3", "kind" },
    { "debit_account_id", "\"\"", "debit_account_id" },
    { "credit_account_id", NULL, "credit_account_id" },
    { "amount", "-1", "amount" },
    { "amount", "true", "amount" },
    { "amount", "1e3", "amount" },
    { "pending_id", "\"52fbb72e\"", "pending_id" },
    { "pending_id", NULL, NULL },
    { "flags", NULL, "flags" },
    { "flags", "[]", "flags" },
    { "flags", "{\"pending\":1}", "flags" },
    { "flags", "{\"void_pending\":null}", "flags" },
    { "flags", "{\"something_new\":true}", NULL },
    { "tool", "7", "tool" },
    /* 64 bytes: one more than the field takes. */
    { "tool", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"", "tool" },
    { "units", "-5", "units" },
    { "ref", "null", "ref" },
    { "description", NULL, "description" },
    { "created_at", "\"2026-11-26T10:48:19\"", "created_at" },
    { "created_at", "\"yesterday\"", "created_at" },
    { "created_at", "1795000000", "created_at" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = parse (good_transfer);
      JsonObject *object = json_node_get_object (node);
      TallyTransfer transfer;
      const char *fault = NULL;

      json_object_remove_member (object, cases[i].member);
      if (cases[i].value != NULL)
        json_object_set_member (object, cases[i].member, parse (cases[i].value));

      g_test_message ("%s: %s", cases[i].member, cases[i].value ? cases[i].value : "(none)");
      g_assert_cmpint (tally_transfer_from_json (object, &transfer, &fault), ==,
                       cases[i].fault == NULL);
      g_assert_cmpstr (fault, ==, cases[i].fault);
    }
}

static void
test_transfer_flags (void)
{
  g_autoptr(JsonNode) node = parse (good_transfer);
  TallyTransfer transfer;
  const char *fault = NULL;

  g_assert_true (tally_transfer_from_json (json_node_get_object (node), &transfer, &fault));
  /* Absent flags are false; the zone is taken into account. */
  g_assert_cmpint (transfer.flags, ==, TALLY_TRANSFER_FLAG_PENDING);
  g_assert_cmpint (transfer.created_at, ==, G_GINT64_CONSTANT (1795686499629765));
  g_assert_cmpstr (transfer.pending_id, ==, "");
  g_assert_cmpstr (transfer.tool_id, ==, "");
}

/* Every transfer of the app's fuzzing seeds (real server answers and
 * mangled ones): each is read or refused with a fault, and what is read
 * is written back to the same transfer. */
static void
test_transfer_corpus (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fuzz", "corpus", "sync-answer",
                                                 NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n_read = 0, n_refused = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);
      g_autofree char *text = NULL;
      g_autoptr(JsonNode) root = NULL;
      JsonNode *transfers;

      g_assert_true (g_file_get_contents (file, &text, NULL, NULL));
      root = json_from_string (text, NULL);
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        continue;
      transfers = json_object_get_member (json_node_get_object (root), "transfers");
      if (transfers == NULL || !JSON_NODE_HOLDS_ARRAY (transfers))
        continue;

      for (guint i = 0; i < json_array_get_length (json_node_get_array (transfers)); i++)
        {
          JsonNode *element = json_array_get_element (json_node_get_array (transfers), i);
          g_autoptr(JsonObject) written = NULL;
          TallyTransfer transfer, back;
          const char *fault = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            continue;
          if (!tally_transfer_from_json (json_node_get_object (element), &transfer, &fault))
            {
              g_assert_nonnull (fault);
              n_refused++;
              continue;
            }

          written = tally_transfer_to_json (&transfer);
          fault = NULL;
          g_assert_true (tally_transfer_from_json (written, &back, &fault));
          assert_same_transfer (&transfer, &back);
          n_read++;
        }
    }

  g_test_message ("%u transfers read, %u refused", n_read, n_refused);
  g_assert_cmpuint (n_read, >, 0);
  g_assert_cmpuint (n_refused, >, 0);
}

static void
test_canonical (void)
{
  g_autoptr(JsonNode) a = parse ("{\"b\": [3, {\"z\": 1, \"a\": null}], \"a\": \"x\","
                                 " \"é\": 1.5, \"B\": true}");
  g_autoptr(JsonNode) b = parse ("{\"B\":true,\"é\":1.5,\"a\":\"x\","
                                 "\"b\":[3,{\"a\":null,\"z\":1}]}");
  g_autoptr(JsonNode) other_order = parse ("{\"b\":[{\"a\":null,\"z\":1},3]}");
  g_autoptr(JsonNode) copy = NULL;
  g_autofree char *text_a = tally_json_canonical (a);
  g_autofree char *text_b = tally_json_canonical (b);
  g_autofree char *text_other = tally_json_canonical (other_order);
  g_autofree char *scalar = NULL;

  /* Members in byte order (upper case first, UTF-8 last), arrays as they
   * were, no whitespace. */
  g_assert_cmpstr (text_a, ==, "{\"B\":true,\"a\":\"x\",\"b\":[3,{\"a\":null,\"z\":1}],"
                               "\"é\":1.5}");
  g_assert_cmpstr (text_b, ==, text_a);
  g_assert_cmpstr (text_other, ==, "{\"b\":[{\"a\":null,\"z\":1},3]}");

  /* A copy is deep: the original is untouched and equal. */
  copy = tally_json_canonical_copy (a);
  g_assert_true (json_node_equal (copy, a));
  g_assert_true (json_node_get_object (copy) != json_node_get_object (a));

  scalar = tally_json_canonical (json_object_get_member (json_node_get_object (a), "a"));
  g_assert_cmpstr (scalar, ==, "\"x\"");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wire/transfer-round-trip", test_transfer_round_trip);
  g_test_add_func ("/wire/transfer-text", test_transfer_text);
  g_test_add_func ("/wire/transfer-faults", test_transfer_faults);
  g_test_add_func ("/wire/transfer-flags", test_transfer_flags);
  g_test_add_func ("/wire/transfer-corpus", test_transfer_corpus);
  g_test_add_func ("/wire/canonical", test_canonical);

  return g_test_run ();
}
