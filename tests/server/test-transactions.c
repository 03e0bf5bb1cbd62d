/* test-transactions.c: history pages, filters, cursors and exports
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-server.h"

static TestServer *server;
static char *admin;

/* The history of one user, made once: 7 grants, then two runs that
 * succeeded, one cancelled and one still held. */
static char *pager;
static char pager_account[37];
#define PAGER_ITEMS 11

/* A user with 501 grants: more than the largest page. */
static char *hoarder;
#define HOARDER_ITEMS 501

typedef struct
{
  guint  status;
  char  *content_type;
  char  *disposition;
  gboolean chunked;
  char  *body;
} Download;

static void
download_free (Download *download)
{
  g_free (download->content_type);
  g_free (download->disposition);
  g_free (download->body);
  g_free (download);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Download, download_free)

static Download *
download (const char *token,
          const char *path)
{
  g_autofree char *url = g_strconcat (server->base_url, path, NULL);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  Download *result = g_new0 (Download, 1);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  bytes = soup_session_send_and_read (server->session, msg, NULL, &error);
  g_assert_no_error (error);

  headers = soup_message_get_response_headers (msg);
  result->status = soup_message_get_status (msg);
  result->content_type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));
  result->disposition = g_strdup (soup_message_headers_get_one (headers, "Content-Disposition"));
  result->chunked = soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED;
  result->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return result;
}

static void
grant_with_reason (const char *account_id,
                   gint64      amount,
                   const char *reason)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;
  g_autoptr(TestResponse) response = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "account_id");
  json_builder_add_string_value (builder, account_id);
  json_builder_set_member_name (builder, "amount");
  json_builder_add_int_value (builder, amount);
  json_builder_set_member_name (builder, "reason");
  json_builder_add_string_value (builder, reason);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);

  response = test_request (server, "POST", "/v1/admin/grants", admin, body);
  g_assert_cmpuint (response->status, ==, 201);
}

static void
run (const char *token,
     const char *tool,
     const char *inputs,
     const char *completion)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"%s\", \"inputs\": %s}",
                                           id, tool, inputs);
  g_autofree char *path = g_strdup_printf ("/v1/runs/%s/complete", id);
  g_autoptr(TestResponse) authorized = test_request (server, "POST", "/v1/runs", token, body);

  g_assert_cmpuint (authorized->status, ==, 201);
  if (completion != NULL)
    {
      g_autoptr(TestResponse) completed = test_request (server, "POST", path, token, completion);

      g_assert_cmpuint (completed->status, ==, 200);
    }
}

static void
make_pager_history (void)
{
  static const char * const reasons[] = {
    "Welcome", "=SUM(A1:A9)", "Say \"hi\", then", "+1 for the bug report", "-", "@team",
    "Plain",
  };

  pager = test_user_new (server, "pager@example.com", pager_account);
  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    grant_with_reason (pager_account, i + 1, reasons[i]);

  /* 1 + ceil (8 / 4) = 3 and 1 + ceil (1 / 4) = 2 charged; then nothing. */
  run (pager, "image-convert", "{\"images\": 12}", "{\"units\": 8, \"outcome\": \"succeeded\"}");
  run (pager, "image-convert", "{\"images\": 12}", "{\"units\": 1, \"outcome\": \"succeeded\"}");
  run (pager, "image-convert", "{\"images\": 12}", "{\"outcome\": \"cancelled\"}");
  run (pager, "qr-code", "{\"text\": \"hold\"}", NULL);
}

typedef struct
{
  const char *account_id;
  guint       from;
  guint       to;
} GrantBatch;

static gpointer
grant_batch (gpointer data)
{
  GrantBatch *batch = data;
  g_autoptr(SoupSession) session = test_session_new ();

  for (guint i = batch->from; i < batch->to; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"account_id\": \"%s\", \"amount\": 1, "
                                               "\"reason\": \"Grant %u\"}", batch->account_id, i);
      g_autoptr(TestResponse) response = test_request_on (server, session, "POST",
                                                          "/v1/admin/grants", admin, body);

      g_assert_cmpuint (response->status, ==, 201);
    }

  return NULL;
}

/* Several clients at once, so the grants share group commits. */
static void
make_hoarder_history (void)
{
  char account[37];
  GrantBatch batches[8];
  GThread *threads[G_N_ELEMENTS (batches)];
  guint per = HOARDER_ITEMS / G_N_ELEMENTS (batches) + 1;

  hoarder = test_user_new (server, "hoarder@example.com", account);
  for (guint i = 0; i < G_N_ELEMENTS (batches); i++)
    {
      batches[i] = (GrantBatch) { account, i * per, MIN ((i + 1) * per, HOARDER_ITEMS) };
      threads[i] = g_thread_new ("grants", grant_batch, &batches[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (batches); i++)
    g_thread_join (threads[i]);
}

/* Every page of @query, in order; the items are appended to @items. */
static guint
walk_pages (const char *token,
            const char *query,
            JsonArray  *items)
{
  g_autofree char *cursor = NULL;
  guint pages = 0;

  do
    {
      g_autofree char *path = cursor == NULL
                              ? g_strdup_printf ("/v1/transactions?%s", query)
                              : g_strdup_printf ("/v1/transactions?%s&cursor=%s", query, cursor);
      g_autoptr(TestResponse) page = test_request (server, "GET", path, token, NULL);
      JsonArray *array;

      g_assert_cmpuint (page->status, ==, 200);
      array = json_node_get_array (test_response_member (page, "items"));
      for (guint i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (items, json_node_copy (json_array_get_element (array, i)));

      g_clear_pointer (&cursor, g_free);
      cursor = g_strdup (test_response_string (page, "next_cursor"));
      if (cursor == NULL)
        g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (page, "next_cursor")));
      pages++;
    }
  while (cursor != NULL);

  return pages;
}

static gint64
balance (const char *token)
{
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);

  return test_response_int (me, "accounts.0.balance");
}

static void
test_paging (void)
{
  g_autoptr(JsonArray) items = json_array_new ();
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  const char *previous = NULL;
  gint64 posted = 0;

  g_assert_cmpuint (walk_pages (pager, "limit=3", items), ==, 4);
  g_assert_cmpuint (json_array_get_length (items), ==, PAGER_ITEMS);

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      const char *created_at = json_object_get_string_member (item, "created_at");

      /* Newest first, each item once. */
      g_assert_true (g_hash_table_add (ids, (gpointer) json_object_get_string_member (item, "id")));
      if (previous != NULL)
        g_assert_cmpstr (created_at, <=, previous);
      previous = created_at;

      if (g_str_equal (json_object_get_string_member (item, "status"), "posted"))
        posted += json_object_get_int_member (item, "amount");
    }

  /* 1 + ... + 7 granted, 3 and 2 charged. */
  g_assert_cmpint (posted, ==, 28 - 5);
  g_assert_cmpint (posted, ==, balance (pager));
}

static void
test_items_shape (void)
{
  g_autoptr(TestResponse) page = test_request (server, "GET", "/v1/transactions?limit=4", pager,
                                               NULL);
  static const char * const members[] = {
    "id", "kind", "status", "amount", "tool", "run_id", "created_at", "description",
  };
  JsonObject *held, *cancelled, *grant;

  g_assert_cmpuint (page->status, ==, 200);

  /* Newest first: the held run, the cancelled one, two charged ones. */
  held = json_array_get_object_element (json_node_get_array (test_response_member (page, "items")),
                                        0);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    g_assert_true (json_object_has_member (held, members[i]));
  g_assert_cmpuint (json_object_get_size (held), ==, G_N_ELEMENTS (members));
  g_assert_cmpstr (json_object_get_string_member (held, "kind"), ==, "consumption");
  g_assert_cmpstr (json_object_get_string_member (held, "status"), ==, "pending");
  g_assert_cmpint (json_object_get_int_member (held, "amount"), ==, -1);
  g_assert_cmpstr (json_object_get_string_member (held, "tool"), ==, "qr-code");
  g_assert_cmpstr (json_object_get_string_member (held, "run_id"), ==,
                   json_object_get_string_member (held, "id"));

  cancelled = json_array_get_object_element (json_node_get_array (test_response_member (page,
                                                                                        "items")),
                                             1);
  g_assert_cmpstr (json_object_get_string_member (cancelled, "status"), ==, "voided");
  g_assert_cmpint (json_object_get_int_member (cancelled, "amount"), ==, 0);
  g_assert_cmpint (test_response_int (page, "items.2.amount"), ==, -2);
  g_assert_cmpint (test_response_int (page, "items.3.amount"), ==, -3);

  g_clear_pointer (&page, test_response_free);
  page = test_request (server, "GET", "/v1/transactions?type=grant&limit=1", pager, NULL);
  grant = json_array_get_object_element (json_node_get_array (test_response_member (page,
                                                                                    "items")), 0);
  g_assert_cmpstr (json_object_get_string_member (grant, "description"), ==, "Plain");
  g_assert_true (json_object_get_null_member (grant, "tool"));
  g_assert_true (json_object_get_null_member (grant, "run_id"));
  g_assert_cmpint (json_object_get_int_member (grant, "amount"), ==, 7);
}

static guint
count_items (const char *token,
             const char *query)
{
  g_autoptr(JsonArray) items = json_array_new ();

  walk_pages (token, query, items);
  return json_array_get_length (items);
}

static void
test_filters (void)
{
  g_assert_cmpuint (count_items (pager, "type=grant"), ==, 7);
  g_assert_cmpuint (count_items (pager, "type=consumption&limit=2"), ==, 4);
  g_assert_cmpuint (count_items (pager, "type=purchase"), ==, 0);
  g_assert_cmpuint (count_items (pager, "tool=image-convert"), ==, 3);
  g_assert_cmpuint (count_items (pager, "tool=qr-code&type=consumption"), ==, 1);
  g_assert_cmpuint (count_items (pager, "tool=no-such-tool"), ==, 0);
  g_assert_cmpuint (count_items (pager, "type=&tool="), ==, PAGER_ITEMS);
  g_assert_cmpuint (count_items (pager, "since=2999-01-01T00:00:00Z"), ==, 0);
  g_assert_cmpuint (count_items (pager, "until=2000-01-01"), ==, 0);
  g_assert_cmpuint (count_items (pager, "since=2000-01-01&until=2999-01-01T00:00:00%2B02:00"),
                    ==, PAGER_ITEMS);
  g_assert_cmpuint (count_items (pager, "q=sum"), ==, 1);
}

static void
sync_device (const char *token,
             const char *ops)
{
  g_autofree char *body = g_strdup_printf ("{\"device\": \"laptop\", \"cursor\": 0, "
                                           "\"ops\": %s}", ops);
  g_autoptr(TestResponse) synced = test_request (server, "POST", "/v1/sync", token, body);

  g_test_message ("sync: %u %s", synced->status, synced->body);
  g_assert_cmpuint (synced->status, ==, 200);
}

static guint
count_lines_with (const char *text,
                  const char *needle)
{
  g_auto(GStrv) lines = g_strsplit (text, "\r\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    n += strstr (lines[i], needle) != NULL;
  return n;
}

/* A device's lease sets credits aside: bookkeeping, not spending. It is
 * listed only when asked for, and the posted amounts still sum to the
 * balance, because a lease is only ever voided, never posted. */
static void
test_leases_hidden (void)
{
  g_autofree char *op_id = g_uuid_string_random ();
  g_autofree char *ops = g_strdup_printf ("[{\"id\": \"%s\", \"type\": \"run\", "
                                          "\"tool\": \"image-convert\", \"units\": 8, "
                                          "\"outcome\": \"succeeded\", \"cost\": 3, "
                                          "\"created_at\": \"2026-03-01T10:00:00.000Z\"}]",
                                          op_id);
  g_autoptr(JsonArray) items = json_array_new ();
  g_autoptr(JsonArray) leases = json_array_new ();
  g_autoptr(Download) csv = NULL, lease_csv = NULL;
  char account[37];
  g_autofree char *leaser = test_user_new (server, "leaser@example.com", account);
  gint64 posted = 0;

  grant_with_reason (account, 500, "Welcome");
  /* The first sync takes a lease; an offline run voids it, charges the
   * run, and takes a new one with the rest. */
  sync_device (leaser, "[]");
  sync_device (leaser, ops);

  walk_pages (leaser, "limit=50", items);
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);

      g_assert_cmpstr (json_object_get_string_member (item, "kind"), !=, "lease");
      if (g_str_equal (json_object_get_string_member (item, "status"), "posted"))
        posted += json_object_get_int_member (item, "amount");
    }
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0),
                                                  "id"), ==, op_id);
  g_assert_cmpint (posted, ==, 500 - 3);
  g_assert_cmpint (posted, ==, balance (leaser));

  /* Asked for: the first lease, voided, and the one that holds now. */
  walk_pages (leaser, "type=lease", leases);
  g_assert_cmpuint (json_array_get_length (leases), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (leases, 0),
                                                  "status"), ==, "pending");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (leases, 0),
                                               "amount"), ==, -(200 - 3));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (leases, 1),
                                                  "status"), ==, "voided");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (leases, 1),
                                               "amount"), ==, 0);

  csv = download (leaser, "/v1/transactions/export?format=csv");
  g_assert_cmpuint (csv->status, ==, 200);
  g_assert_cmpuint (count_lines_with (csv->body, ",lease,"), ==, 0);
  g_assert_cmpuint (count_lines_with (csv->body, ",posted,"), ==, 2);
  lease_csv = download (leaser, "/v1/transactions/export?format=csv&type=lease");
  g_assert_cmpuint (count_lines_with (lease_csv->body, ",lease,"), ==, 2);
}

static void
test_bad_queries (void)
{
  static const struct
  {
    const char *query;
    const char *field;
  } cases[] = {
    { "type=gift", "type" },
    { "type=GRANT", "type" },
    { "since=yesterday", "since" },
    { "until=2026-13-45", "until" },
    { "since=2026-01-01T25:00:00Z", "since" },
    { "limit=0", "limit" },
    { "limit=-1", "limit" },
    { "limit=ten", "limit" },
    { "limit=5x", "limit" },
    { "cursor=garbage", "cursor" },
    { "cursor=AAAAAAAAAAAAAAAA", "cursor" },
    { "cursor=AAAAAAAAAAAAAAA%3D", "cursor" },
  };
  g_autoptr(TestResponse) anonymous = NULL, other = NULL, malformed = NULL, own = NULL;
  g_autofree char *own_path = g_strdup_printf ("/v1/transactions?account_id=%s", pager_account);
  g_autofree char *other_path = g_strdup_printf ("/v1/transactions?account_id=%s", pager_account);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/v1/transactions?%s", cases[i].query);
      g_autoptr(TestResponse) response = test_request (server, "GET", path, pager, NULL);

      test_assert_error (response, 400, "invalid_field", cases[i].field);
    }

  own = test_request (server, "GET", own_path, pager, NULL);
  g_assert_cmpuint (own->status, ==, 200);
  other = test_request (server, "GET", other_path, hoarder, NULL);
  test_assert_error (other, 404, "not_found", NULL);
  malformed = test_request (server, "GET", "/v1/transactions?account_id=mine", pager, NULL);
  test_assert_error (malformed, 404, "not_found", NULL);
  anonymous = test_request (server, "GET", "/v1/transactions", NULL, NULL);
  test_assert_error (anonymous, 401, "unauthorized", NULL);
}

static void
test_tampered_cursor (void)
{
  g_autoptr(TestResponse) first = test_request (server, "GET", "/v1/transactions?limit=2", pager,
                                                NULL);
  g_autofree char *cursor = g_strdup (test_response_string (first, "next_cursor"));
  g_autofree char *good = g_strdup_printf ("/v1/transactions?limit=2&cursor=%s", cursor);
  g_autoptr(TestResponse) second = test_request (server, "GET", good, pager, NULL);
  g_autoptr(TestResponse) elsewhere = test_request (server, "GET", good, hoarder, NULL);

  g_assert_nonnull (cursor);
  g_assert_cmpuint (second->status, ==, 200);
  /* Another user's listing cannot be walked with it. */
  test_assert_error (elsewhere, 400, "invalid_field", "cursor");

  for (guint i = 0; cursor[i] != '\0'; i++)
    {
      g_autofree char *edited = g_strdup (cursor);
      g_autofree char *path = NULL;
      g_autoptr(TestResponse) response = NULL;

      edited[i] = edited[i] == 'A' ? 'B' : 'A';
      path = g_strdup_printf ("/v1/transactions?limit=2&cursor=%s", edited);
      response = test_request (server, "GET", path, pager, NULL);
      test_assert_error (response, 400, "invalid_field", "cursor");
    }
}

static void
test_page_size_clamped (void)
{
  g_autoptr(TestResponse) page = test_request (server, "GET", "/v1/transactions?limit=100000",
                                               hoarder, NULL);
  g_autoptr(TestResponse) fifty = test_request (server, "GET", "/v1/transactions", hoarder, NULL);
  g_autoptr(TestResponse) rest = NULL;
  g_autofree char *path = NULL;

  g_assert_cmpuint (page->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (test_response_member (page,
                                                                                      "items"))),
                    ==, 500);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (test_response_member (fifty,
                                                                                      "items"))),
                    ==, 50);

  path = g_strdup_printf ("/v1/transactions?limit=600&cursor=%s",
                          test_response_string (page, "next_cursor"));
  rest = test_request (server, "GET", path, hoarder, NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (test_response_member (rest,
                                                                                      "items"))),
                    ==, HOARDER_ITEMS - 500);
  g_assert_true (JSON_NODE_HOLDS_NULL (test_response_member (rest, "next_cursor")));
  g_assert_cmpint (balance (hoarder), ==, HOARDER_ITEMS);
}

static void
assert_attachment (Download   *file,
                   const char *content_type,
                   const char *extension)
{
  g_autofree char *suffix = g_strdup_printf (".%s\"", extension);

  g_assert_cmpuint (file->status, ==, 200);
  g_assert_true (file->chunked);
  g_assert_true (g_str_has_prefix (file->content_type, content_type));
  g_assert_true (g_str_has_prefix (file->disposition, "attachment; filename=\""));
  g_assert_true (g_str_has_suffix (file->disposition, suffix));
}

static void
test_export_csv (void)
{
  g_autoptr(Download) file = download (pager, "/v1/transactions/export?format=csv");
  g_autoptr(Download) grants = download (pager, "/v1/transactions/export?format=csv&type=grant");
  g_autoptr(Download) plain = download (pager, "/v1/transactions/export");
  g_autoptr(JsonArray) items = json_array_new ();
  g_auto(GStrv) lines = NULL;

  assert_attachment (file, "text/csv", "csv");
  g_assert_true (g_str_has_suffix (file->body, "\r\n"));
  lines = g_strsplit (file->body, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, PAGER_ITEMS + 2);
  g_assert_cmpstr (lines[0], ==, "id,kind,status,amount,tool,run_id,created_at,description");

  /* The same items in the same order as the listing. */
  walk_pages (pager, "limit=500", items);
  for (guint i = 0; i < PAGER_ITEMS; i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      g_autofree char *start = g_strdup_printf ("%s,%s,%s,%" G_GINT64_FORMAT ",",
                                                json_object_get_string_member (item, "id"),
                                                json_object_get_string_member (item, "kind"),
                                                json_object_get_string_member (item, "status"),
                                                json_object_get_int_member (item, "amount"));

      g_assert_true (g_str_has_prefix (lines[i + 1], start));
    }
  g_assert_cmpstr (lines[PAGER_ITEMS + 1], ==, "");

  /* A spreadsheet must read these as text, not run them. */
  g_assert_nonnull (strstr (file->body, ",\"'=SUM(A1:A9)\"\r\n"));
  g_assert_nonnull (strstr (file->body, ",\"'+1 for the bug report\"\r\n"));
  g_assert_nonnull (strstr (file->body, ",\"'-\"\r\n"));
  g_assert_nonnull (strstr (file->body, ",\"'@team\"\r\n"));
  g_assert_nonnull (strstr (file->body, ",\"Say \"\"hi\"\", then\"\r\n"));

  g_strfreev (g_steal_pointer (&lines));
  lines = g_strsplit (grants->body, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 7 + 2);
  for (guint i = 1; i <= 7; i++)
    g_assert_nonnull (strstr (lines[i], ",grant,posted,"));

  /* CSV unless told otherwise. */
  g_assert_cmpstr (plain->body, ==, file->body);
}

static void
test_export_json (void)
{
  g_autoptr(Download) file = download (pager, "/v1/transactions/export?format=json");
  g_autoptr(JsonArray) items = json_array_new ();
  g_autoptr(JsonNode) parsed = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *exported;

  assert_attachment (file, "application/json", "json");
  parsed = json_from_string (file->body, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (parsed));
  exported = json_node_get_array (parsed);

  walk_pages (pager, "limit=7", items);
  g_assert_cmpuint (json_array_get_length (exported), ==, json_array_get_length (items));
  for (guint i = 0; i < json_array_get_length (items); i++)
    g_assert_true (json_node_equal (json_array_get_element (exported, i),
                                    json_array_get_element (items, i)));
}

static void
test_export_big (void)
{
  g_autoptr(Download) csv = download (hoarder, "/v1/transactions/export?format=csv");
  g_autoptr(Download) json = download (hoarder, "/v1/transactions/export?format=json");
  g_autoptr(JsonNode) parsed = NULL;
  g_auto(GStrv) lines = NULL;

  assert_attachment (csv, "text/csv", "csv");
  lines = g_strsplit (csv->body, "\r\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, HOARDER_ITEMS + 2);

  assert_attachment (json, "application/json", "json");
  parsed = json_from_string (json->body, NULL);
  g_assert_nonnull (parsed);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (parsed)), ==, HOARDER_ITEMS);
}

/* A client that leaves halfway must not leave the server waiting: the
 * final stop asserts a clean exit. */
static void
test_export_abandoned (void)
{
  g_autofree char *url = g_strconcat (server->base_url, "/v1/transactions/export?format=json",
                                      NULL);
  g_autofree char *bearer = g_strconcat ("Bearer ", hoarder, NULL);
  g_autoptr(SoupSession) session = test_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TestResponse) health = NULL;
  char buffer[64];

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  stream = soup_session_send (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_cmpint (g_input_stream_read (stream, buffer, sizeof buffer, NULL, NULL), >, 0);
  g_input_stream_close (stream, NULL, NULL);
  g_clear_object (&session);

  health = test_request (server, "GET", "/healthz", NULL, NULL);
  g_assert_cmpuint (health->status, ==, 200);
}

static void
test_export_errors (void)
{
  g_autoptr(TestResponse) format = NULL, type = NULL, anonymous = NULL, other = NULL;
  g_autofree char *other_path = g_strdup_printf ("/v1/transactions/export?account_id=%s",
                                                 pager_account);

  format = test_request (server, "GET", "/v1/transactions/export?format=xml", pager, NULL);
  test_assert_error (format, 400, "invalid_field", "format");
  type = test_request (server, "GET", "/v1/transactions/export?type=gifts", pager, NULL);
  test_assert_error (type, 400, "invalid_field", "type");
  other = test_request (server, "GET", other_path, hoarder, NULL);
  test_assert_error (other, 404, "not_found", NULL);
  anonymous = test_request (server, "GET", "/v1/transactions/export", NULL, NULL);
  test_assert_error (anonymous, 401, "unauthorized", NULL);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/transactions/paging", test_paging);
  g_test_add_func ("/transactions/items-shape", test_items_shape);
  g_test_add_func ("/transactions/filters", test_filters);
  g_test_add_func ("/transactions/leases-hidden", test_leases_hidden);
  g_test_add_func ("/transactions/bad-queries", test_bad_queries);
  g_test_add_func ("/transactions/tampered-cursor", test_tampered_cursor);
  g_test_add_func ("/transactions/page-size-clamped", test_page_size_clamped);
  g_test_add_func ("/transactions/export-csv", test_export_csv);
  g_test_add_func ("/transactions/export-json", test_export_json);
  g_test_add_func ("/transactions/export-big", test_export_big);
  g_test_add_func ("/transactions/export-abandoned", test_export_abandoned);
  g_test_add_func ("/transactions/export-errors", test_export_errors);

  server = test_server_start (NULL);
  admin = test_admin_new (server, "admin@example.com");
  make_pager_history ();
  make_hoarder_history ();
  status = g_test_run ();
  g_free (hoarder);
  g_free (pager);
  g_free (admin);
  test_server_free (server);
  return status;
}
