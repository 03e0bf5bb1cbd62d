/* tally-alert.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "tally-alert.h"
#include "tally-client.h"
#include "tally-format.h"

struct _TallyAlert
{
  GObject         parent_instance;

  char           *id;
  TallyAlertKind  kind;
  char           *window;
  gint64          threshold;
  gint64          amount;
  gint64          limit;
  GDateTime      *created;
  gint64          created_us;
  char           *message;
};

G_DEFINE_FINAL_TYPE (TallyAlert, tally_alert, G_TYPE_OBJECT)

static void
tally_alert_finalize (GObject *object)
{
  TallyAlert *self = TALLY_ALERT (object);

  g_free (self->id);
  g_free (self->window);
  g_free (self->message);
  g_clear_pointer (&self->created, g_date_time_unref);

  G_OBJECT_CLASS (tally_alert_parent_class)->finalize (object);
}

static void
tally_alert_class_init (TallyAlertClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_alert_finalize;
}

static void
tally_alert_init (TallyAlert *self)
{
}

/* The member's value when it is one of @type, else NULL: json-glib would
 * read true as 1 and 1.5 as 1, and an alert must say what happened. */
static JsonNode *
read_value (JsonObject *object,
            const char *member,
            GType       type)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

static const char *
read_string (JsonObject *object,
             const char *member)
{
  JsonNode *node = read_value (object, member, G_TYPE_STRING);

  return node != NULL ? json_node_get_string (node) : NULL;
}

static gboolean
read_figure (JsonObject *object,
             const char *member,
             gint64     *out)
{
  JsonNode *node = read_value (object, member, G_TYPE_INT64);

  if (node == NULL)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
read_kind (const char     *text,
           TallyAlertKind *out)
{
  if (g_strcmp0 (text, "spend") == 0)
    *out = TALLY_ALERT_KIND_SPEND;
  else if (g_strcmp0 (text, "low_balance") == 0)
    *out = TALLY_ALERT_KIND_LOW_BALANCE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
invalid (GError     **error,
         const char  *what)
{
  g_set_error (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
               /* Translators: %s names what is missing, e.g. "id" */
               _("An alert from the server cannot be read: its %s is missing or wrong"), what);
  return FALSE;
}

static gboolean
read_alert (TallyAlert  *self,
            JsonObject  *object,
            GError     **error)
{
  const char *created = read_string (object, "created_at");
  g_autoptr(GDateTime) utc = created != NULL ? g_date_time_new_from_iso8601 (created, NULL)
                                             : NULL;

  self->id = g_strdup (read_string (object, "id"));
  if (self->id == NULL || self->id[0] == '\0')
    return invalid (error, "id");
  if (!read_kind (read_string (object, "kind"), &self->kind))
    return invalid (error, "kind");
  if (utc == NULL)
    return invalid (error, "created_at");
  if (!read_figure (object, "threshold", &self->threshold) ||
      !read_figure (object, "amount", &self->amount) ||
      !read_figure (object, "limit", &self->limit))
    return invalid (error, "figures");

  self->window = g_strdup (read_string (object, "window"));
  self->message = g_strdup (read_string (object, "message"));
  self->created = g_date_time_to_local (utc);
  self->created_us = g_date_time_to_unix (utc) * G_USEC_PER_SEC +
                     g_date_time_get_microsecond (utc);
  return TRUE;
}

TallyAlert *
tally_alert_new_from_json (JsonObject  *object,
                           GError     **error)
{
  g_autoptr(TallyAlert) self = g_object_new (TALLY_TYPE_ALERT, NULL);

  g_return_val_if_fail (object != NULL, NULL);

  if (!read_alert (self, object, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
tally_alert_get_id (TallyAlert *self)
{
  g_return_val_if_fail (TALLY_IS_ALERT (self), NULL);

  return self->id;
}

TallyAlertKind
tally_alert_get_kind (TallyAlert *self)
{
  g_return_val_if_fail (TALLY_IS_ALERT (self), TALLY_ALERT_KIND_SPEND);

  return self->kind;
}

const char *
tally_alert_get_window (TallyAlert *self)
{
  g_return_val_if_fail (TALLY_IS_ALERT (self), NULL);

  return self->window;
}

gint64
tally_alert_get_threshold (TallyAlert *self)
{
  g_return_val_if_fail (TALLY_IS_ALERT (self), 0);

  return self->threshold;
}

gint64
tally_alert_get_amount (TallyAlert *self)
{
  g_return_val_if_fail (TALLY_IS_ALERT (self), 0);

  return self->amount;
}

gint64
tally_alert_get_limit (TallyAlert *self)
{
  g_return_val_if_fail (TALLY_IS_ALERT (self), 0);

  return self->limit;
}

GDateTime *
tally_alert_get_created (TallyAlert *self)
{
  g_return_val_if_fail (TALLY_IS_ALERT (self), NULL);

  return self->created;
}

gint64
tally_alert_get_created_us (TallyAlert *self)
{
  g_return_val_if_fail (TALLY_IS_ALERT (self), 0);

  return self->created_us;
}

const char *
tally_alert_get_message (TallyAlert *self)
{
  g_return_val_if_fail (TALLY_IS_ALERT (self), NULL);

  return self->message != NULL ? self->message : "";
}

/* Whole sentences per window, so that translators see each one. */
static char *
describe_spend (TallyAlert *self)
{
  g_autofree char *limit = tally_format_credits (self->limit);
  int percent = (int) self->threshold;

  if (g_strcmp0 (self->window, "day") == 0)
    /* Translators: "You have spent 80% of your daily cap: 400 of 500 credits." */
    return g_strdup_printf (_("You have spent %d%% of your daily cap: %'" PRId64 " of %s."),
                            percent, self->amount, limit);
  if (g_strcmp0 (self->window, "month") == 0)
    return g_strdup_printf (_("You have spent %d%% of your monthly cap: %'" PRId64 " of %s."),
                            percent, self->amount, limit);
  if (g_strcmp0 (self->window, "run") == 0)
    return g_strdup_printf (_("A run has spent %d%% of the per-run cap: %'" PRId64 " of %s."),
                            percent, self->amount, limit);
  return g_strdup_printf (_("You have spent %d%% of a cap: %'" PRId64 " of %s."),
                          percent, self->amount, limit);
}

char *
tally_alert_describe (TallyAlert *self)
{
  g_autofree char *available = NULL;
  g_autofree char *threshold = NULL;

  g_return_val_if_fail (TALLY_IS_ALERT (self), NULL);

  if (self->kind == TALLY_ALERT_KIND_SPEND)
    return describe_spend (self);

  available = tally_format_credits (self->amount);
  threshold = tally_format_credits (self->limit);
  /* Translators: "Your balance is low: 90 credits left; you asked to be told at 100 credits." */
  return g_strdup_printf (_("Your balance is low: %s left; you asked to be told at %s."),
                          available, threshold);
}

char *
tally_alert_describe_short (TallyAlert *self)
{
  g_autofree char *available = NULL;
  int percent;

  g_return_val_if_fail (TALLY_IS_ALERT (self), NULL);

  percent = (int) self->threshold;
  if (self->kind == TALLY_ALERT_KIND_LOW_BALANCE)
    {
      available = tally_format_credits (self->amount);
      /* Translators: a toast and a notification's heading, "Low balance: 90 credits left" */
      return g_strdup_printf (_("Low balance: %s left"), available);
    }
  if (g_strcmp0 (self->window, "day") == 0)
    /* Translators: a toast and a notification's heading, "80% of your daily cap spent" */
    return g_strdup_printf (_("%d%% of your daily cap spent"), percent);
  if (g_strcmp0 (self->window, "month") == 0)
    return g_strdup_printf (_("%d%% of your monthly cap spent"), percent);
  if (g_strcmp0 (self->window, "run") == 0)
    return g_strdup_printf (_("A run spent %d%% of the per-run cap"), percent);
  return g_strdup_printf (_("%d%% of a cap spent"), percent);
}
