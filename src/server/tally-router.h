/* tally-router.h: method and path pattern to handler
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _TallyRequest TallyRequest;

typedef void (*TallyRouteHandler) (TallyRequest *request);

typedef enum
{
  TALLY_ROUTE_PUBLIC = 0,
  /* A valid session token or API key is required: 401 otherwise. */
  TALLY_ROUTE_AUTH   = 1 << 0,
  /* And the admin role: 403 otherwise. */
  TALLY_ROUTE_ADMIN  = 1 << 1,
  /* An API key with the run scope may call it (POST /v1/runs...). */
  TALLY_ROUTE_KEY_RUN  = 1 << 2,
  /* A POST that only reads (an estimate): any API key may call it. Any
   * key may GET; nothing else is open to keys. */
  TALLY_ROUTE_KEY_READ = 1 << 3,
} TallyRouteFlags;

typedef struct _TallyRoute
{
  const char        *method;
  /* Segments in braces match one path segment: "/v1/runs/{id}/complete". */
  const char        *pattern;
  TallyRouteHandler  handler;
  TallyRouteFlags    flags;
  /* How metrics and logs name it: the pattern. */
} TallyRoute;

#define TALLY_TYPE_ROUTER (tally_router_get_type ())

G_DECLARE_FINAL_TYPE (TallyRouter, tally_router, TALLY, ROUTER, GObject)

TallyRouter      *tally_router_new        (void);
void              tally_router_add        (TallyRouter        *self,
                                           const TallyRoute   *route);
void              tally_router_add_routes (TallyRouter        *self,
                                           const TallyRoute   *routes,
                                           guint               n_routes);
/* The route for @method and @path, with the braces' values in @params
 * (a new table, NULL when nothing matched). When the path matches but not
 * the method, NULL with *@path_matched set, so the caller answers 405. */
const TallyRoute *tally_router_match      (TallyRouter        *self,
                                           const char         *method,
                                           const char         *path,
                                           GHashTable        **params,
                                           gboolean           *path_matched);
/* Every route, in the order added: for the OpenAPI check. */
GPtrArray        *tally_router_get_routes (TallyRouter        *self);

G_END_DECLS
