/* tally-cache-decode.c: a sync answer and outbox ops, checked against the
 * API's schemas before the cache takes them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tally-cache-private.h"
#include "tally-json.h"
#include "tally-transfer-json.h"

/* Each decoder returns FALSE with the name of the member at fault. */
typedef const char *Fault;

/* A Transfer of docs/openapi.json, with the server's seq and time: read
 * by libtally, which also writes it. */
static gboolean
decode_transfer (JsonObject *object,
                 gpointer    out,
                 Fault      *fault)
{
  return tally_transfer_from_json (object, out, fault);
}

/* An Account: what the server says of its kind and name. Its balances
 * are the mirrored transfers'. */
static gboolean
decode_account (JsonObject *object,
                gpointer    out,
                Fault      *fault)
{
  TallyAccount *account = out;
  JsonNode *kind = tally_json_member_value (object, "kind", G_TYPE_STRING);

  memset (account, 0, sizeof *account);
  if (!tally_json_read_uuid (object, "id", FALSE, account->id, fault) ||
      !tally_json_read_text (object, "name", FALSE, account->name, sizeof account->name, fault))
    return FALSE;

  if (kind == NULL || !tally_account_kind_from_string (json_node_get_string (kind),
                                                       &account->kind))
    {
      *fault = "kind";
      return FALSE;
    }

  /* As the server makes them: a user's or team's account is never
   * overdrawn. */
  if (account->kind == TALLY_ACCOUNT_KIND_USER || account->kind == TALLY_ACCOUNT_KIND_TEAM)
    account->flags = TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS;
  g_strlcpy (account->timezone, "UTC", sizeof account->timezone);
  return TRUE;
}

static gboolean
decode_result (JsonObject *object,
               gpointer    out,
               Fault      *fault)
{
  TallyCacheOpResult *result = out;
  char status[16], first_status[16];

  memset (result, 0, sizeof *result);
  if (!tally_json_read_uuid (object, "id", FALSE, result->id, fault) ||
      !tally_json_read_text (object, "status", FALSE, status, sizeof status, fault) ||
      !tally_json_read_text (object, "first_status", TRUE, first_status, sizeof first_status,
                             fault) ||
      !tally_json_read_text (object, "reason", TRUE, result->reason, sizeof result->reason, fault))
    return FALSE;

  if (!g_str_equal (status, "applied") && !g_str_equal (status, "duplicate") &&
      !g_str_equal (status, "rejected"))
    {
      *fault = "status";
      return FALSE;
    }

  result->rejected = g_str_equal (status, "rejected") ||
                     (g_str_equal (status, "duplicate") && g_str_equal (first_status, "rejected"));
  return TRUE;
}

static gboolean
decode_lease (JsonObject      *object,
              TallyCacheLease *lease,
              Fault           *fault)
{
  return tally_json_read_uuid (object, "id", FALSE, lease->id, fault) &&
         tally_json_read_int (object, "amount", 0, &lease->amount, fault) &&
         tally_json_read_int (object, "remaining", 0, &lease->remaining, fault) &&
         tally_json_read_time (object, "expires_at", &lease->expires_at, fault);
}

static gboolean
malformed (GError     **error,
           const char  *where)
{
  g_set_error (error, TALLY_CACHE_ERROR, TALLY_CACHE_ERROR_INVALID_ANSWER,
               _("The server’s sync answer is malformed at “%s”"), where);
  return FALSE;
}

typedef gboolean (*DecodeFunc) (JsonObject *object,
                                gpointer    out,
                                Fault      *fault);

/* Decodes every element of the array @name with @decode into @out. */
static gboolean
decode_array (JsonObject  *answer,
              const char  *name,
              DecodeFunc   decode,
              GArray      *out,
              GError     **error)
{
  JsonNode *node = json_object_get_member (answer, name);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return malformed (error, name);

  array = json_node_get_array (node);
  g_array_set_size (out, json_array_get_length (array));
  for (guint i = 0; i < out->len; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      Fault fault = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (element) ||
          !decode (json_node_get_object (element), out->data + i * g_array_get_element_size (out),
                   &fault))
        {
          g_autofree char *where = fault ? g_strdup_printf ("%s[%u].%s", name, i, fault)
                                         : g_strdup_printf ("%s[%u]", name, i);

          return malformed (error, where);
        }
    }

  return TRUE;
}

static gboolean
decode_answer_lease (JsonObject       *object,
                     TallyCacheLease  *lease,
                     GError          **error)
{
  JsonNode *node = json_object_get_member (object, "lease");
  g_autofree char *where = NULL;
  Fault fault = NULL;

  memset (lease, 0, sizeof *lease);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (JSON_NODE_HOLDS_OBJECT (node) && decode_lease (json_node_get_object (node), lease, &fault))
    return TRUE;

  memset (lease, 0, sizeof *lease);
  where = fault ? g_strconcat ("lease.", fault, NULL) : g_strdup ("lease");
  return malformed (error, where);
}

/* The transfers of one answer come in seq order, below its cursor. */
static gboolean
check_order (const TallyCacheAnswer  *answer,
             GError                 **error)
{
  gint64 last = 0;

  for (guint i = 0; i < answer->transfers->len; i++)
    {
      gint64 seq = g_array_index (answer->transfers, TallyTransfer, i).seq;

      if (seq <= last || seq > answer->cursor)
        {
          g_autofree char *where = g_strdup_printf ("transfers[%u].seq", i);

          return malformed (error, where);
        }
      last = seq;
    }

  return TRUE;
}

gboolean
tally_cache_decode_answer (JsonObject        *object,
                           TallyCacheAnswer  *answer,
                           GError           **error)
{
  Fault fault = NULL;

  memset (answer, 0, sizeof *answer);
  answer->accounts = g_array_new (FALSE, TRUE, sizeof (TallyAccount));
  answer->transfers = g_array_new (FALSE, TRUE, sizeof (TallyTransfer));
  answer->results = g_array_new (FALSE, TRUE, sizeof (TallyCacheOpResult));

  if (!tally_json_read_int (object, "cursor", 0, &answer->cursor, &fault))
    return malformed (error, fault);

  return decode_array (object, "results", decode_result, answer->results, error) &&
         decode_array (object, "accounts", decode_account, answer->accounts, error) &&
         decode_array (object, "transfers", decode_transfer, answer->transfers, error) &&
         check_order (answer, error) &&
         decode_answer_lease (object, &answer->lease, error);
}

void
tally_cache_answer_clear (TallyCacheAnswer *answer)
{
  g_clear_pointer (&answer->accounts, g_array_unref);
  g_clear_pointer (&answer->transfers, g_array_unref);
  g_clear_pointer (&answer->results, g_array_unref);
}

/* --- outbox ops --- */

GError *
tally_cache_invalid_op_error (const char *member)
{
  return g_error_new (TALLY_CACHE_ERROR, TALLY_CACHE_ERROR_INVALID_OP,
                      _("The operation cannot be sent to the server: its “%s” is missing or wrong"),
                      member);
}

gboolean
tally_cache_decode_op (JsonObject   *op,
                       TallySyncOp  *out,
                       GError      **error)
{
  TallySyncOpFault fault;

  if (tally_sync_op_from_json (op, out, &fault))
    return TRUE;

  g_propagate_error (error, tally_cache_invalid_op_error (fault.member));
  return FALSE;
}
