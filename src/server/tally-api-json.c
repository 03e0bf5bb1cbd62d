/* tally-api-json.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-api-json.h"

void
tally_api_set_object (JsonObject *object,
                      const char *name,
                      JsonObject *value)
{
  json_object_set_object_member (object, name, value);
}

void
tally_api_set_time (JsonObject *object,
                    const char *name,
                    gint64      microseconds)
{
  g_autofree char *text = NULL;

  if (microseconds <= 0)
    {
      json_object_set_null_member (object, name);
      return;
    }

  text = tally_time_to_iso8601 (microseconds);
  json_object_set_string_member (object, name, text);
}

JsonObject *
tally_api_user_json (const TallyUser *user)
{
  JsonObject *object = json_object_new ();
  g_autofree char *created_at = tally_time_to_iso8601 (user->created_at);

  json_object_set_string_member (object, "id", user->id);
  json_object_set_string_member (object, "email", user->email);
  json_object_set_string_member (object, "name", user->name);
  json_object_set_string_member (object, "role", tally_role_to_string (user->role));
  json_object_set_string_member (object, "account_id", user->account_id);
  json_object_set_string_member (object, "timezone", user->timezone);
  json_object_set_string_member (object, "created_at", created_at);
  return object;
}

JsonObject *
tally_api_account_json (const TallyAccount *account)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", account->id);
  json_object_set_string_member (object, "kind", tally_account_kind_to_string (account->kind));
  json_object_set_string_member (object, "name", account->name);
  json_object_set_int_member (object, "balance", tally_account_balance (account));
  json_object_set_int_member (object, "available", tally_account_available (account));
  json_object_set_int_member (object, "held", tally_account_held (account));
  return object;
}

JsonObject *
tally_api_transfer_json (const TallyTransfer *transfer,
                         gint64               expires_at)
{
  JsonObject *object = json_object_new ();
  g_autofree char *created_at = tally_time_to_iso8601 (transfer->created_at);

  json_object_set_string_member (object, "id", transfer->id);
  json_object_set_string_member (object, "kind", tally_transfer_kind_to_string (transfer->kind));
  json_object_set_int_member (object, "amount", transfer->amount);
  json_object_set_string_member (object, "account_id", transfer->credit_account_id);
  json_object_set_string_member (object, "created_at", created_at);
  json_object_set_string_member (object, "description", transfer->description);
  json_object_set_int_member (object, "seq", transfer->seq);
  tally_api_set_time (object, "expires_at", expires_at);
  return object;
}

void
tally_api_set_cap (JsonObject *object,
                   const char *name,
                   gint64      cap)
{
  if (cap > 0)
    json_object_set_int_member (object, name, cap);
  else
    json_object_set_null_member (object, name);
}
