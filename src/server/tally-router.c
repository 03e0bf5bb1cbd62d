/* tally-router.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-router.h"

struct _TallyRouter
{
  GObject    parent_instance;

  /* const TallyRoute *, not owned: routes are static tables. */
  GPtrArray *routes;
};

G_DEFINE_FINAL_TYPE (TallyRouter, tally_router, G_TYPE_OBJECT)

static void
tally_router_finalize (GObject *object)
{
  TallyRouter *self = (TallyRouter *) object;

  g_clear_pointer (&self->routes, g_ptr_array_unref);

  G_OBJECT_CLASS (tally_router_parent_class)->finalize (object);
}

static void
tally_router_class_init (TallyRouterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_router_finalize;
}

static void
tally_router_init (TallyRouter *self)
{
  self->routes = g_ptr_array_new ();
}

TallyRouter *
tally_router_new (void)
{
  return g_object_new (TALLY_TYPE_ROUTER, NULL);
}

void
tally_router_add (TallyRouter      *self,
                  const TallyRoute *route)
{
  g_return_if_fail (TALLY_IS_ROUTER (self));
  g_return_if_fail (route != NULL && route->pattern[0] == '/');

  g_ptr_array_add (self->routes, (gpointer) route);
}

void
tally_router_add_routes (TallyRouter      *self,
                         const TallyRoute *routes,
                         guint             n_routes)
{
  for (guint i = 0; i < n_routes; i++)
    tally_router_add (self, &routes[i]);
}

/* Walks pattern and path segment by segment. */
static gboolean
path_matches (const char  *pattern,
              const char  *path,
              GHashTable  *params)
{
  g_auto(GStrv) want = g_strsplit (pattern + 1, "/", -1);
  g_auto(GStrv) have = g_strsplit (path + 1, "/", -1);

  if (g_strv_length (want) != g_strv_length (have))
    return FALSE;

  for (guint i = 0; want[i] != NULL; i++)
    {
      gsize len = strlen (want[i]);

      if (len > 2 && want[i][0] == '{' && want[i][len - 1] == '}')
        {
          if (have[i][0] == '\0')
            return FALSE;
          g_hash_table_insert (params, g_strndup (want[i] + 1, len - 2), g_strdup (have[i]));
        }
      else if (!g_str_equal (want[i], have[i]))
        return FALSE;
    }

  return TRUE;
}

const TallyRoute *
tally_router_match (TallyRouter  *self,
                    const char   *method,
                    const char   *path,
                    GHashTable  **params,
                    gboolean     *path_matched)
{
  g_return_val_if_fail (TALLY_IS_ROUTER (self), NULL);

  *path_matched = FALSE;
  *params = NULL;
  if (path == NULL || path[0] != '/')
    return NULL;

  for (guint i = 0; i < self->routes->len; i++)
    {
      const TallyRoute *route = g_ptr_array_index (self->routes, i);
      g_autoptr(GHashTable) found = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                           g_free, g_free);

      if (!path_matches (route->pattern, path, found))
        continue;

      *path_matched = TRUE;
      if (g_str_equal (route->method, method))
        {
          *params = g_steal_pointer (&found);
          return route;
        }
    }

  return NULL;
}

GPtrArray *
tally_router_get_routes (TallyRouter *self)
{
  g_return_val_if_fail (TALLY_IS_ROUTER (self), NULL);

  return self->routes;
}
