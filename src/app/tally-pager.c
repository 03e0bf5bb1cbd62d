/* tally-pager.c: a keyset-paged list of the API, read a page at a time
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The audit log and the users of the Administration view are both long
 * lists the server pages with a keyset cursor: this reads them, and the
 * list that shows a page keeps what it needs of its items.
 */

#include "config.h"

#include <string.h>

#include "tally-pager.h"
#include "tally-session-admin.h"

struct _TallyPager
{
  GObject         parent_instance;

  TallySession   *session;
  TallyPagerFunc  take;
  gpointer        user_data;
  char           *path;
  char           *cursor;
  char           *error;
  GCancellable   *cancellable;
  guint           generation;
  guint           n_pages;
  gboolean        loading;
  gboolean        complete;
  /* The end of the list was reached while a page was being read: read
   * the next one as soon as that one is in. */
  gboolean        more_wanted;
};

G_DEFINE_FINAL_TYPE (TallyPager, tally_pager, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LOADING,
  PROP_COMPLETE,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_state (TallyPager *self,
           gboolean    loading,
           const char *error)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->loading != loading)
    {
      self->loading = loading;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
    }
  if (g_strcmp0 (self->error, error) != 0)
    {
      g_free (self->error);
      self->error = g_strdup (error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
set_complete (TallyPager *self,
              gboolean    complete)
{
  if (self->complete == complete)
    return;
  self->complete = complete;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETE]);
}

static char *
page_path (TallyPager *self)
{
  g_autofree char *cursor = NULL;

  if (self->cursor == NULL)
    return g_strdup (self->path);
  cursor = g_uri_escape_string (self->cursor, NULL, FALSE);
  return g_strdup_printf ("%s%ccursor=%s", self->path, strchr (self->path, '?') ? '&' : '?',
                          cursor);
}

typedef struct
{
  TallyPager *self;
  guint       generation;
} PageRequest;

static void
take_page (TallyPager *self,
           JsonObject *reply)
{
  JsonNode *items = json_object_get_member (reply, "items");
  JsonNode *next = json_object_get_member (reply, "next_cursor");
  g_autoptr(JsonArray) none = json_array_new ();

  g_clear_pointer (&self->cursor, g_free);
  if (next != NULL && JSON_NODE_HOLDS_VALUE (next) &&
      json_node_get_value_type (next) == G_TYPE_STRING)
    self->cursor = g_strdup (json_node_get_string (next));
  self->n_pages++;
  set_complete (self, self->cursor == NULL);
  /* A reply without items reads as an empty page. */
  self->take (items != NULL && JSON_NODE_HOLDS_ARRAY (items) ? json_node_get_array (items) : none,
              self->user_data);
}

static void read_page (TallyPager *self);

static void
page_read (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autofree PageRequest *request = user_data;
  g_autoptr(TallyPager) self = request->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = NULL;

  reply = tally_session_admin_call_finish (TALLY_SESSION (source), result, &error);
  if (request->generation != self->generation)
    return;
  if (reply == NULL)
    {
      set_state (self, FALSE, error->message);
      return;
    }
  take_page (self, reply);
  set_state (self, FALSE, NULL);
  if (self->more_wanted && !self->complete)
    {
      self->more_wanted = FALSE;
      read_page (self);
    }
}

static void
read_page (TallyPager *self)
{
  g_autofree char *path = page_path (self);
  PageRequest *request = g_new0 (PageRequest, 1);

  request->self = g_object_ref (self);
  request->generation = self->generation;
  set_state (self, TRUE, NULL);
  tally_session_admin_call_async (self->session, "GET", path, NULL, self->cancellable, page_read,
                                  request);
}

void
tally_pager_clear (TallyPager *self)
{
  g_return_if_fail (TALLY_IS_PAGER (self));

  self->generation++;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_pointer (&self->cursor, g_free);
  self->n_pages = 0;
  self->more_wanted = FALSE;
  set_complete (self, FALSE);
  set_state (self, FALSE, NULL);
}

void
tally_pager_reload (TallyPager *self,
                    const char *path)
{
  g_return_if_fail (TALLY_IS_PAGER (self));
  g_return_if_fail (path != NULL);

  tally_pager_clear (self);
  g_free (self->path);
  self->path = g_strdup (path);
  read_page (self);
}

void
tally_pager_load_more (TallyPager *self)
{
  g_return_if_fail (TALLY_IS_PAGER (self));

  if (self->loading)
    self->more_wanted = TRUE;
  if (self->loading || self->complete || self->n_pages == 0)
    return;
  read_page (self);
}

static void
on_edge_reached (GtkScrolledWindow *scrolled,
                 GtkPositionType    position,
                 TallyPager        *self)
{
  if (position == GTK_POS_BOTTOM)
    tally_pager_load_more (self);
}

void
tally_pager_follow (TallyPager        *self,
                    GtkScrolledWindow *scrolled)
{
  g_return_if_fail (TALLY_IS_PAGER (self));
  g_return_if_fail (GTK_IS_SCROLLED_WINDOW (scrolled));

  g_signal_connect_object (scrolled, "edge-reached", G_CALLBACK (on_edge_reached), self, 0);
}

gboolean
tally_pager_get_loading (TallyPager *self)
{
  g_return_val_if_fail (TALLY_IS_PAGER (self), FALSE);

  return self->loading;
}

gboolean
tally_pager_get_complete (TallyPager *self)
{
  g_return_val_if_fail (TALLY_IS_PAGER (self), FALSE);

  return self->complete;
}

const char *
tally_pager_get_error (TallyPager *self)
{
  g_return_val_if_fail (TALLY_IS_PAGER (self), NULL);

  return self->error;
}

guint
tally_pager_get_n_pages (TallyPager *self)
{
  g_return_val_if_fail (TALLY_IS_PAGER (self), 0);

  return self->n_pages;
}

static void
tally_pager_dispose (GObject *object)
{
  TallyPager *self = TALLY_PAGER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (tally_pager_parent_class)->dispose (object);
}

static void
tally_pager_finalize (GObject *object)
{
  TallyPager *self = TALLY_PAGER (object);

  g_free (self->path);
  g_free (self->cursor);
  g_free (self->error);

  G_OBJECT_CLASS (tally_pager_parent_class)->finalize (object);
}

static void
tally_pager_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  TallyPager *self = TALLY_PAGER (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_COMPLETE:
      g_value_set_boolean (value, self->complete);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_pager_class_init (TallyPagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tally_pager_dispose;
  object_class->finalize = tally_pager_finalize;
  object_class->get_property = tally_pager_get_property;

  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMPLETE] = g_param_spec_boolean ("complete", NULL, NULL, FALSE,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tally_pager_init (TallyPager *self)
{
  self->cancellable = g_cancellable_new ();
}

TallyPager *
tally_pager_new (TallySession   *session,
                 TallyPagerFunc  take,
                 gpointer        user_data)
{
  TallyPager *self;

  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);
  g_return_val_if_fail (take != NULL, NULL);

  self = g_object_new (TALLY_TYPE_PAGER, NULL);
  self->session = g_object_ref (session);
  self->take = take;
  self->user_data = user_data;
  return self;
}
