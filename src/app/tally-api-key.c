/* tally-api-key.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <string.h>

#include "tally-api-key.h"
#include "tally-client.h"
#include "tally-json.h"

G_DEFINE_BOXED_TYPE (TallyApiKey, tally_api_key, tally_api_key_copy, tally_api_key_free)

static gboolean
has_scope (JsonObject *object,
           const char *scope)
{
  JsonNode *node = json_object_get_member (object, "scopes");
  JsonArray *scopes = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node)
                                                                   : NULL;

  for (guint i = 0; scopes != NULL && i < json_array_get_length (scopes); i++)
    {
      JsonNode *item = json_array_get_element (scopes, i);

      if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING &&
          g_str_equal (json_node_get_string (item), scope))
        return TRUE;
    }
  return FALSE;
}

TallyApiKey *
tally_api_key_new_from_json (JsonObject  *object,
                             GError     **error)
{
  TallyApiKey *self;

  g_return_val_if_fail (object != NULL, NULL);

  if (tally_json_peek_string (object, "id") == NULL ||
      tally_json_peek_string (object, "name") == NULL ||
      tally_json_peek_string (object, "prefix") == NULL)
    return tally_client_invalid_reply (error, _("An API key from the server cannot be read"));

  self = g_new0 (TallyApiKey, 1);
  self->id = g_strdup (tally_json_peek_string (object, "id"));
  self->name = g_strdup (tally_json_peek_string (object, "name"));
  self->prefix = g_strdup (tally_json_peek_string (object, "prefix"));
  self->key = g_strdup (tally_json_peek_string (object, "key"));
  self->can_run = has_scope (object, "run");
  self->rate_limit = tally_json_peek_figure (object, "rate_limit");
  self->created = tally_json_peek_local_time (object, "created_at");
  self->last_used = tally_json_peek_local_time (object, "last_used_at");
  return self;
}

JsonObject *
tally_api_key_request (const char *name,
                       gboolean    can_run,
                       gint64      rate_limit)
{
  JsonObject *body = json_object_new ();
  JsonArray *scopes = json_array_new ();

  g_return_val_if_fail (name != NULL, NULL);

  json_array_add_string_element (scopes, "read");
  if (can_run)
    json_array_add_string_element (scopes, "run");
  json_object_set_string_member (body, "name", name);
  json_object_set_array_member (body, "scopes", scopes);
  json_object_set_int_member (body, "rate_limit", rate_limit);
  return body;
}

char *
tally_api_key_describe (const TallyApiKey *self)
{
  g_autofree char *rate = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  rate = g_strdup_printf (ngettext ("%" PRId64 " request a minute",
                                    "%" PRId64 " requests a minute",
                                    (gulong) self->rate_limit), self->rate_limit);
  /* Translators: "tly_ab12… · Read and run · 60 requests a minute" */
  return g_strdup_printf (_("%s… · %s · %s"), self->prefix,
                          self->can_run ? _("Read and run") : _("Read only"), rate);
}

char *
tally_api_key_describe_use (const TallyApiKey *self)
{
  g_autofree char *created = NULL;
  g_autofree char *used = NULL;
  g_autofree char *created_text = NULL;
  g_autofree char *used_text = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  created = self->created != NULL ? g_date_time_format (self->created, "%x") : g_strdup ("—");
  created_text = g_strdup_printf (_("Created %s"), created);
  if (self->last_used != NULL)
    {
      used = g_date_time_format (self->last_used, "%x %H:%M");
      used_text = g_strdup_printf (_("Last used %s"), used);
    }
  /* Translators: "Created 06/12/2026 · Last used 06/12/2026 21:02" */
  return g_strdup_printf (_("%s · %s"), created_text,
                          used_text != NULL ? used_text : _("Never used"));
}

TallyApiKey *
tally_api_key_copy (const TallyApiKey *self)
{
  TallyApiKey *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (TallyApiKey, 1);
  copy->id = g_strdup (self->id);
  copy->name = g_strdup (self->name);
  copy->prefix = g_strdup (self->prefix);
  copy->key = g_strdup (self->key);
  copy->can_run = self->can_run;
  copy->rate_limit = self->rate_limit;
  copy->created = self->created != NULL ? g_date_time_ref (self->created) : NULL;
  copy->last_used = self->last_used != NULL ? g_date_time_ref (self->last_used) : NULL;
  return copy;
}

void
tally_api_key_free (TallyApiKey *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->name);
  g_free (self->prefix);
  if (self->key != NULL)
    memset (self->key, 0, strlen (self->key));
  g_free (self->key);
  g_clear_pointer (&self->created, g_date_time_unref);
  g_clear_pointer (&self->last_used, g_date_time_unref);
  g_free (self);
}
