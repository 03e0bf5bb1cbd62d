/* tally-pg-store-notify.c: hearing other servers' commits at once
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib-unix.h>

#include "tally-pg-store-private.h"

/* After the listening connection is lost (PostgreSQL restarting), how
 * long before each try to listen again. */
#define RELISTEN_SECONDS 1

/* A connection of its own that only LISTENs: the store's connection is
 * busy with statements and transactions, and a notice must be read as it
 * arrives, between them. */
typedef struct
{
  char            *url;
  /* The store's own server process: its commits need no notice (after a
   * reconnection they are heard too, which costs one look for nothing). */
  int              own_pid;
  TallyCommitHook  func;
  gpointer         data;
  gulong           cancelled_id;
  TallyPg         *pg;
  GSource         *source;
  guint            relisten_id;
} CommitWatch;

static gboolean listen_again (gpointer data);

static void
stop_listening (CommitWatch *watch)
{
  if (watch->source != NULL)
    {
      g_source_destroy (watch->source);
      g_clear_pointer (&watch->source, g_source_unref);
    }
  g_clear_object (&watch->pg);
}

static void
commit_watch_free (gpointer data)
{
  CommitWatch *watch = data;

  stop_listening (watch);
  g_clear_handle_id (&watch->relisten_id, g_source_remove);
  g_free (watch->url);
  g_free (watch);
}

static gboolean
on_readable (int           fd,
             GIOCondition  condition,
             gpointer      data)
{
  CommitWatch *watch = data;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  if (!tally_pg_take_notifications (watch->pg, watch->own_pid, &n, &error))
    {
      g_debug ("%s; listening again in %d s", error->message, RELISTEN_SECONDS);
      g_clear_pointer (&watch->source, g_source_unref);
      g_clear_object (&watch->pg);
      watch->relisten_id = g_timeout_add_seconds (RELISTEN_SECONDS, listen_again, watch);
      return G_SOURCE_REMOVE;
    }
  if (n > 0)
    watch->func (watch->data);
  return G_SOURCE_CONTINUE;
}

static gboolean
start_listening (CommitWatch  *watch,
                 GError      **error)
{
  watch->pg = tally_pg_connect (watch->url, error);
  if (watch->pg == NULL || !tally_pg_listen (watch->pg, TALLY_PG_STORE_COMMITS_CHANNEL, error))
    {
      g_clear_object (&watch->pg);
      return FALSE;
    }

  watch->source = g_unix_fd_source_new (tally_pg_get_socket (watch->pg),
                                        G_IO_IN | G_IO_ERR | G_IO_HUP);
  g_source_set_callback (watch->source, G_SOURCE_FUNC (on_readable), watch, NULL);
  g_source_set_static_name (watch->source, "tally-pg-commits");
  g_source_attach (watch->source, NULL);
  return TRUE;
}

/* Commits made while nobody listened were not heard: the caller looks
 * once, as for a notice. */
static gboolean
listen_again (gpointer data)
{
  CommitWatch *watch = data;
  g_autoptr(GError) error = NULL;

  if (!start_listening (watch, &error))
    return G_SOURCE_CONTINUE;

  watch->relisten_id = 0;
  watch->func (watch->data);
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer      data)
{
  CommitWatch *watch = data;

  /* Disconnecting from within the handler would wait for it. */
  watch->cancelled_id = 0;
  commit_watch_free (watch);
}

gboolean
tally_pg_store_watch_commits (TallyApiStore    *api,
                              TallyCommitHook   func,
                              gpointer          data,
                              GCancellable     *cancellable)
{
  TallyPgStore *store = TALLY_PG_STORE (api);
  CommitWatch *watch = g_new0 (CommitWatch, 1);
  g_autoptr(GError) error = NULL;

  watch->url = g_strdup (tally_pg_store_get_url (store));
  watch->own_pid = tally_pg_get_backend_pid (tally_pg_store_get_pg (store));
  watch->func = func;
  watch->data = data;

  /* A server that starts while PostgreSQL does not answer listens as
   * soon as it does. */
  if (!start_listening (watch, &error))
    {
      g_debug ("%s; listening again in %d s", error->message, RELISTEN_SECONDS);
      watch->relisten_id = g_timeout_add_seconds (RELISTEN_SECONDS, listen_again, watch);
    }

  /* Cancelled already: freed at once, nothing is heard. */
  watch->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled), watch,
                                               NULL);
  return TRUE;
}
