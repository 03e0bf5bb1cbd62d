/* tally-alert-history.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The cache is the history: every alert goes into it first, and the list
 * is read back from it, so what shows online is what shows offline.
 */

#include "config.h"

#include "tally-alert-history.h"

/* A page of GET /v1/alerts, and the most pages one fetch reads: the rest
 * of a long history is the server's to page, not the app's to copy. */
#define PAGE_SIZE 100
#define MAX_PAGES 10

struct _TallyAlertHistory
{
  GObject       parent_instance;

  TallyClient  *client;
  TallyCache   *cache;
  GListStore   *store;
  GCancellable *cancellable;

  gboolean      fetching;
  gboolean      fetch_again;
  guint         pages;
};

G_DEFINE_FINAL_TYPE (TallyAlertHistory, tally_alert_history, G_TYPE_OBJECT)

static void
tally_alert_history_dispose (GObject *object)
{
  TallyAlertHistory *self = TALLY_ALERT_HISTORY (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_object (&self->cache);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (tally_alert_history_parent_class)->dispose (object);
}

static void
tally_alert_history_class_init (TallyAlertHistoryClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tally_alert_history_dispose;
}

static void
tally_alert_history_init (TallyAlertHistory *self)
{
  self->cancellable = g_cancellable_new ();
}

/* The store as the cache has it. */
static void
show_cached (TallyAlertHistory *self)
{
  g_autoptr(JsonArray) objects = tally_cache_list_alerts (self->cache, TALLY_ALERT_HISTORY_SHOWN);
  g_autoptr(GPtrArray) alerts = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < json_array_get_length (objects); i++)
    {
      g_autoptr(GError) error = NULL;
      TallyAlert *alert = tally_alert_new_from_json (json_array_get_object_element (objects, i),
                                                     &error);

      if (alert != NULL)
        g_ptr_array_add (alerts, alert);
      else
        g_warning ("%s", error->message);
    }

  g_list_store_splice (self->store, 0, g_list_model_get_n_items (G_LIST_MODEL (self->store)),
                       alerts->pdata, alerts->len);
}

/* Stores the alert; TRUE when it was new. */
static gboolean
keep (TallyAlertHistory *self,
      JsonObject        *object,
      TallyAlert        *alert)
{
  g_autoptr(GError) error = NULL;
  gboolean added = FALSE;

  if (!tally_cache_add_alert (self->cache, tally_alert_get_id (alert),
                              tally_alert_get_created_us (alert), object, &added, &error))
    g_warning ("An alert was not kept in the cache: %s", error->message);
  return added;
}

gboolean
tally_alert_history_add (TallyAlertHistory *self,
                         JsonObject        *object,
                         TallyAlert        *alert)
{
  g_return_val_if_fail (TALLY_IS_ALERT_HISTORY (self), FALSE);
  g_return_val_if_fail (object != NULL && TALLY_IS_ALERT (alert), FALSE);

  if (!keep (self, object, alert))
    return FALSE;

  g_list_store_insert (self->store, 0, alert);
  return TRUE;
}

/* Keeps a page's alerts; FALSE when one of them was known, so the pages
 * after it are too. */
static gboolean
keep_page (TallyAlertHistory *self,
           JsonArray         *items,
           gboolean          *changed)
{
  gboolean all_new = TRUE;

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *node = json_array_get_element (items, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(TallyAlert) alert = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node) ||
          (alert = tally_alert_new_from_json (json_node_get_object (node), &error)) == NULL)
        {
          g_warning ("%s", error != NULL ? error->message : "An alert is not an object");
          continue;
        }
      if (keep (self, json_node_get_object (node), alert))
        *changed = TRUE;
      else
        all_new = FALSE;
    }

  return all_new;
}

static void fetch_page (TallyAlertHistory *self,
                        const char        *cursor);

static void
fetch_done (TallyAlertHistory *self,
            gboolean           changed)
{
  if (changed)
    show_cached (self);
  self->fetching = FALSE;
  if (self->fetch_again)
    tally_alert_history_fetch (self);
}

static void
page_fetched (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TallyAlertHistory) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL,
                                                          &error);
  JsonNode *items_node = reply != NULL ? json_object_get_member (reply, "items") : NULL;
  JsonNode *cursor_node = reply != NULL ? json_object_get_member (reply, "next_cursor") : NULL;
  JsonArray *items = items_node != NULL && JSON_NODE_HOLDS_ARRAY (items_node)
                     ? json_node_get_array (items_node) : NULL;
  /* null or missing on the last page. */
  const char *cursor = cursor_node != NULL && JSON_NODE_HOLDS_VALUE (cursor_node) &&
                       json_node_get_value_type (cursor_node) == G_TYPE_STRING
                       ? json_node_get_string (cursor_node) : NULL;
  gboolean changed = FALSE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Offline, refused or an older server without alerts: the cache's
   * history stands, shown as it is. */
  if (items == NULL)
    {
      g_debug ("The alerts cannot be read: %s",
               error != NULL ? error->message : "the reply has no items");
      fetch_done (self, FALSE);
      return;
    }

  if (keep_page (self, items, &changed) && cursor != NULL && ++self->pages < MAX_PAGES)
    {
      /* Newer alerts first: show what there is while the rest comes. */
      if (changed)
        show_cached (self);
      fetch_page (self, cursor);
      return;
    }

  fetch_done (self, changed);
}

static void
fetch_page (TallyAlertHistory *self,
            const char        *cursor)
{
  g_autofree char *escaped = cursor != NULL ? g_uri_escape_string (cursor, NULL, FALSE) : NULL;
  g_autofree char *path = NULL;

  path = escaped != NULL ? g_strdup_printf ("/v1/alerts?limit=%d&cursor=%s", PAGE_SIZE, escaped)
                         : g_strdup_printf ("/v1/alerts?limit=%d", PAGE_SIZE);
  tally_client_call_async (self->client, "GET", path, NULL, self->cancellable, page_fetched,
                           g_object_ref (self));
}

void
tally_alert_history_fetch (TallyAlertHistory *self)
{
  g_return_if_fail (TALLY_IS_ALERT_HISTORY (self));

  if (self->fetching)
    {
      self->fetch_again = TRUE;
      return;
    }

  self->fetching = TRUE;
  self->fetch_again = FALSE;
  self->pages = 0;
  fetch_page (self, NULL);
}

TallyAlertHistory *
tally_alert_history_new (TallyClient *client,
                         TallyCache  *cache,
                         GListStore  *store)
{
  TallyAlertHistory *self;

  g_return_val_if_fail (TALLY_IS_CLIENT (client), NULL);
  g_return_val_if_fail (TALLY_IS_CACHE (cache), NULL);
  g_return_val_if_fail (G_IS_LIST_STORE (store), NULL);

  self = g_object_new (TALLY_TYPE_ALERT_HISTORY, NULL);
  self->client = g_object_ref (client);
  self->cache = g_object_ref (cache);
  self->store = g_object_ref (store);
  show_cached (self);
  return self;
}
