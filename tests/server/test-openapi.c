/* test-openapi.c: docs/openapi.json describes the routes the server has
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-test-server.h"

/* Served outside the router's table by libsoup's WebSocket handler: the
 * document describes it whether or not the router lists it. */
#define EVENTS_PATH "/v1/events"

static const char * const http_methods[] = {
  "get", "put", "post", "delete", "options", "head", "patch", "trace",
};

static JsonNode *document;

static JsonObject *
document_object (void)
{
  return json_node_get_object (document);
}

static JsonObject *
paths (void)
{
  return json_object_get_object_member (document_object (), "paths");
}

/* "METHOD PATTERN" per route, from the binary itself. */
static GPtrArray *
list_routes (void)
{
  const char *args[] = { "--list-routes", NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *routes = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpint (test_server_command (args, NULL, &out, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] != '\0')
        g_ptr_array_add (routes, g_strdup (lines[i]));
    }

  g_assert_cmpuint (routes->len, >, 0);
  return routes;
}

static gboolean
is_http_method (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (http_methods); i++)
    {
      if (g_str_equal (name, http_methods[i]))
        return TRUE;
    }

  return FALSE;
}

/* The operation for @method (upper case, as the router says it) at @path. */
static JsonObject *
find_operation (const char *method,
                const char *path)
{
  g_autofree char *lower = g_ascii_strdown (method, -1);
  JsonObject *item;

  if (!json_object_has_member (paths (), path))
    return NULL;

  item = json_object_get_object_member (paths (), path);
  if (!json_object_has_member (item, lower))
    return NULL;

  return json_object_get_object_member (item, lower);
}

static void
split_route (const char  *route,
             char       **method,
             char       **pattern)
{
  const char *space = strchr (route, ' ');

  g_assert_nonnull (space);
  *method = g_strndup (route, space - route);
  *pattern = g_strdup (space + 1);
}

static void
test_valid_document (void)
{
  JsonObject *root = document_object ();
  JsonObject *schemes, *bearer, *error;
  const char *version = json_object_get_string_member_with_default (root, "openapi", "");

  g_assert_true (g_str_has_prefix (version, "3.1."));
  g_assert_nonnull (json_object_get_string_member_with_default (
                      json_object_get_object_member (root, "info"), "title", NULL));
  g_assert_nonnull (json_object_get_string_member_with_default (
                      json_object_get_object_member (root, "info"), "version", NULL));

  schemes = json_object_get_object_member (json_object_get_object_member (root, "components"),
                                           "securitySchemes");
  bearer = json_object_get_object_member (schemes, "bearerAuth");
  g_assert_cmpstr (json_object_get_string_member (bearer, "type"), ==, "http");
  g_assert_cmpstr (json_object_get_string_member (bearer, "scheme"), ==, "bearer");

  /* Authenticated unless an operation says otherwise. */
  g_assert_true (json_object_has_member (root, "security"));

  error = json_object_get_object_member (json_object_get_object_member (
                                           json_object_get_object_member (root, "components"),
                                           "schemas"), "Error");
  g_assert_nonnull (error);
}

/* Every route the server has is documented, with its method. */
static void
test_routes_documented (void)
{
  g_autoptr(GPtrArray) routes = list_routes ();

  for (guint i = 0; i < routes->len; i++)
    {
      g_autofree char *method = NULL, *pattern = NULL;

      split_route (g_ptr_array_index (routes, i), &method, &pattern);
      if (find_operation (method, pattern) == NULL)
        g_error ("docs/openapi.json does not describe %s %s", method, pattern);
    }
}

static gboolean
routes_contain (GPtrArray  *routes,
                const char *method,
                const char *path)
{
  g_autofree char *upper = g_ascii_strup (method, -1);
  g_autofree char *route = g_strdup_printf ("%s %s", upper, path);

  for (guint i = 0; i < routes->len; i++)
    {
      if (g_str_equal (g_ptr_array_index (routes, i), route))
        return TRUE;
    }

  return FALSE;
}

/* And nothing is documented that the server does not have. */
static void
test_no_phantom_paths (void)
{
  g_autoptr(GPtrArray) routes = list_routes ();
  g_autoptr(GList) names = json_object_get_members (paths ());

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *item = json_object_get_object_member (paths (), l->data);
      g_autoptr(GList) members = json_object_get_members (item);

      for (GList *m = members; m != NULL; m = m->next)
        {
          if (!is_http_method (m->data) || g_str_equal (l->data, EVENTS_PATH))
            continue;
          if (!routes_contain (routes, m->data, l->data))
            g_error ("docs/openapi.json describes %s %s, which the server does not have",
                     (const char *) m->data, (const char *) l->data);
        }
    }

  g_assert_nonnull (find_operation ("GET", EVENTS_PATH));
}

/* --- references --- */

/* The node at a local reference "#/a/b/c", or NULL. */
static JsonNode *
resolve (const char *ref)
{
  g_auto(GStrv) parts = NULL;
  JsonNode *node = document;

  if (!g_str_has_prefix (ref, "#/"))
    return NULL;

  parts = g_strsplit (ref + 2, "/", -1);
  for (guint i = 0; node != NULL && parts[i] != NULL; i++)
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return NULL;
      node = json_object_get_member (json_node_get_object (node), parts[i]);
    }

  return node;
}

/* Follows $ref until a node without one. */
static JsonObject *
dereference (JsonObject *object)
{
  for (guint depth = 0; depth < 16 && json_object_has_member (object, "$ref"); depth++)
    {
      JsonNode *target = resolve (json_object_get_string_member (object, "$ref"));

      g_assert_nonnull (target);
      object = json_node_get_object (target);
    }

  return object;
}

static void
check_refs (JsonNode *node,
            guint    *n_refs)
{
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        check_refs (json_array_get_element (array, i), n_refs);
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *member = json_object_get_member (object, l->data);

          if (g_str_equal (l->data, "$ref") && JSON_NODE_HOLDS_VALUE (member))
            {
              const char *ref = json_node_get_string (member);

              if (ref == NULL || resolve (ref) == NULL)
                g_error ("docs/openapi.json: “%s” leads nowhere", ref ? ref : "(not a string)");
              (*n_refs)++;
            }
          else
            check_refs (member, n_refs);
        }
    }
}

static void
test_references_resolve (void)
{
  guint n_refs = 0;

  check_refs (document, &n_refs);
  g_assert_cmpuint (n_refs, >, 0);
}

/* --- operations --- */

/* The path parameters an operation declares, on itself or its path item. */
static gboolean
declares_path_parameter (JsonObject *holder,
                         const char *name)
{
  JsonArray *parameters;

  if (!json_object_has_member (holder, "parameters"))
    return FALSE;

  parameters = json_object_get_array_member (holder, "parameters");
  for (guint i = 0; i < json_array_get_length (parameters); i++)
    {
      JsonObject *parameter = dereference (json_array_get_object_element (parameters, i));

      if (g_str_equal (json_object_get_string_member (parameter, "in"), "path") &&
          g_str_equal (json_object_get_string_member (parameter, "name"), name) &&
          json_object_get_boolean_member_with_default (parameter, "required", FALSE))
        return TRUE;
    }

  return FALSE;
}

static void
check_path_parameters (const char *path,
                       JsonObject *item,
                       JsonObject *operation)
{
  g_auto(GStrv) segments = g_strsplit (path, "/", -1);

  for (guint i = 0; segments[i] != NULL; i++)
    {
      gsize len = strlen (segments[i]);
      g_autofree char *name = NULL;

      if (len < 3 || segments[i][0] != '{' || segments[i][len - 1] != '}')
        continue;

      name = g_strndup (segments[i] + 1, len - 2);
      if (!declares_path_parameter (operation, name) && !declares_path_parameter (item, name))
        g_error ("docs/openapi.json: %s does not declare its path parameter “%s”", path, name);
    }
}

/* A 4xx or 5xx answer is the error object. */
static void
check_error_response (const char *where,
                      const char *status,
                      JsonObject *response)
{
  JsonObject *content, *media, *schema;

  response = dereference (response);
  if (!json_object_has_member (response, "content"))
    g_error ("docs/openapi.json: %s answers %s without a body", where, status);

  content = json_object_get_object_member (response, "content");
  media = json_object_get_object_member (content, "application/json");
  if (media == NULL)
    g_error ("docs/openapi.json: %s answers %s without JSON", where, status);

  schema = json_object_get_object_member (media, "schema");
  g_assert_nonnull (schema);
  g_assert_cmpstr (json_object_get_string_member_with_default (schema, "$ref", ""), ==,
                   "#/components/schemas/Error");
}

static void
check_operation (const char *path,
                 const char *method,
                 JsonObject *item,
                 JsonObject *operation,
                 GHashTable *operation_ids)
{
  g_autofree char *where = g_strdup_printf ("%s %s", method, path);
  JsonObject *responses = json_object_get_object_member (operation, "responses");
  g_autoptr(GList) statuses = NULL;
  const char *operation_id;
  gboolean answers = FALSE;

  operation_id = json_object_get_string_member_with_default (operation, "operationId", NULL);
  if (operation_id == NULL || !g_hash_table_add (operation_ids, g_strdup (operation_id)))
    g_error ("docs/openapi.json: %s needs an operationId of its own", where);
  if (json_object_get_string_member_with_default (operation, "summary", NULL) == NULL)
    g_error ("docs/openapi.json: %s has no summary", where);
  if (responses == NULL)
    g_error ("docs/openapi.json: %s has no responses", where);

  statuses = json_object_get_members (responses);
  for (GList *l = statuses; l != NULL; l = l->next)
    {
      const char *status = l->data;

      if (status[0] == '1' || status[0] == '2' || status[0] == '3')
        answers = TRUE;
      else
        check_error_response (where, status, json_object_get_object_member (responses, status));
    }

  if (!answers)
    g_error ("docs/openapi.json: %s has no successful answer", where);

  check_path_parameters (path, item, operation);
}

static void
test_operations_complete (void)
{
  g_autoptr(GHashTable) operation_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                               NULL);
  g_autoptr(GList) names = json_object_get_members (paths ());

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *item = json_object_get_object_member (paths (), l->data);
      g_autoptr(GList) members = json_object_get_members (item);

      for (GList *m = members; m != NULL; m = m->next)
        {
          g_autofree char *method = g_ascii_strup (m->data, -1);

          if (is_http_method (m->data))
            check_operation (l->data, method, item, json_object_get_object_member (item, m->data),
                             operation_ids);
        }
    }
}

/* --- what the document says against what the server does --- */

static gboolean
is_public (JsonObject *operation)
{
  return json_object_has_member (operation, "security") &&
         json_array_get_length (json_object_get_array_member (operation, "security")) == 0;
}

/* A path with a fresh UUID in every braces, so the router matches it. */
static char *
concrete_path (const char *pattern)
{
  g_autoptr(GRegex) braces = g_regex_new ("\\{[^/}]+\\}", 0, 0, NULL);
  g_autofree char *uuid = g_uuid_string_random ();

  return g_regex_replace_literal (braces, pattern, -1, 0, uuid, 0, NULL);
}

/* An operation that says it needs no token is answered without one, and
 * one that needs one documents the 401 it gets. */
static void
test_security_matches_server (void)
{
  g_autoptr(TestServer) server = test_server_start (NULL);
  g_autoptr(GPtrArray) routes = list_routes ();

  for (guint i = 0; i < routes->len; i++)
    {
      g_autofree char *method = NULL, *pattern = NULL, *path = NULL;
      g_autoptr(TestResponse) response = NULL;
      JsonObject *operation, *responses;

      split_route (g_ptr_array_index (routes, i), &method, &pattern);
      operation = find_operation (method, pattern);
      g_assert_nonnull (operation);
      responses = json_object_get_object_member (operation, "responses");

      path = concrete_path (pattern);
      response = test_request (server, method, path, NULL, NULL);
      g_test_message ("%s %s anonymously: %u", method, path, response->status);

      if (is_public (operation) && response->status == 401)
        g_error ("%s %s answers 401 without a token, but docs/openapi.json says it needs none",
                 method, pattern);
      else if (is_public (operation))
        continue;
      else if (response->status != 401)
        g_error ("%s %s answers %u without a token, but docs/openapi.json says it needs one",
                 method, pattern, response->status);
      else if (!json_object_has_member (responses, "401"))
        g_error ("docs/openapi.json: %s %s does not document its 401", method, pattern);
    }
}

/* --- the answers the server gives match the schemas --- */

/* The JSON type of @node, as JSON Schema names it. */
static const char *
type_of (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "array";

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return "integer";
    case G_TYPE_DOUBLE:
      return "number";
    case G_TYPE_BOOLEAN:
      return "boolean";
    case G_TYPE_STRING:
      return "string";
    default:
      return "unknown";
    }
}

static gboolean
type_is (const char *wanted,
         const char *type)
{
  return g_str_equal (wanted, type) ||
         (g_str_equal (wanted, "number") && g_str_equal (type, "integer"));
}

static gboolean
has_type (JsonObject *schema,
          JsonNode   *value)
{
  const char *type = type_of (value);
  JsonNode *wanted = json_object_get_member (schema, "type");
  JsonArray *types;

  if (wanted == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (wanted))
    return type_is (json_node_get_string (wanted), type);

  types = json_node_get_array (wanted);
  for (guint i = 0; i < json_array_get_length (types); i++)
    {
      if (type_is (json_array_get_string_element (types, i), type))
        return TRUE;
    }

  return FALSE;
}

static gboolean
is_one_of (JsonArray *values,
           JsonNode  *value)
{
  for (guint i = 0; i < json_array_get_length (values); i++)
    {
      if (json_node_equal (json_array_get_element (values, i), value))
        return TRUE;
    }

  return FALSE;
}

static gboolean accepts (JsonObject *schema, JsonNode *value, const char *where, GString *why);

static gboolean
object_accepts (JsonObject *schema,
                JsonObject *object,
                const char *where,
                GString    *why)
{
  JsonObject *properties = json_object_has_member (schema, "properties")
                           ? json_object_get_object_member (schema, "properties") : NULL;
  JsonArray *required = json_object_has_member (schema, "required")
                        ? json_object_get_array_member (schema, "required") : NULL;
  g_autoptr(GList) members = NULL;

  for (guint i = 0; required != NULL && i < json_array_get_length (required); i++)
    {
      const char *name = json_array_get_string_element (required, i);

      if (!json_object_has_member (object, name))
        {
          g_string_append_printf (why, "%s.%s is missing", where, name);
          return FALSE;
        }
    }

  members = json_object_get_members (object);
  for (GList *l = members; properties != NULL && l != NULL; l = l->next)
    {
      g_autofree char *inner = g_strdup_printf ("%s.%s", where, (const char *) l->data);

      if (json_object_has_member (properties, l->data) &&
          !accepts (json_object_get_object_member (properties, l->data),
                    json_object_get_member (object, l->data), inner, why))
        return FALSE;
    }

  return TRUE;
}

static gboolean
array_accepts (JsonObject *schema,
               JsonArray  *array,
               const char *where,
               GString    *why)
{
  if (!json_object_has_member (schema, "items"))
    return TRUE;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *inner = g_strdup_printf ("%s[%u]", where, i);

      if (!accepts (json_object_get_object_member (schema, "items"),
                    json_array_get_element (array, i), inner, why))
        return FALSE;
    }

  return TRUE;
}

static gboolean
one_of_accepts (JsonArray  *choices,
                JsonNode   *value,
                const char *where,
                GString    *why)
{
  for (guint i = 0; i < json_array_get_length (choices); i++)
    {
      g_autoptr(GString) ignored = g_string_new (NULL);

      if (accepts (json_array_get_object_element (choices, i), value, where, ignored))
        return TRUE;
    }

  g_string_append_printf (why, "%s matches none of oneOf", where);
  return FALSE;
}

/* The part of JSON Schema the document uses: $ref, type (with null),
 * const, enum, required, properties, items and oneOf. Formats and bounds
 * are left to the endpoints' own tests. */
static gboolean
accepts (JsonObject *schema,
         JsonNode   *value,
         const char *where,
         GString    *why)
{
  schema = dereference (schema);

  if (json_object_has_member (schema, "oneOf"))
    return one_of_accepts (json_object_get_array_member (schema, "oneOf"), value, where, why);

  if (!has_type (schema, value))
    {
      g_string_append_printf (why, "%s is %s, not what the schema says", where, type_of (value));
      return FALSE;
    }
  if (json_object_has_member (schema, "const") &&
      !json_node_equal (json_object_get_member (schema, "const"), value))
    {
      g_string_append_printf (why, "%s is not the schema's const", where);
      return FALSE;
    }
  if (json_object_has_member (schema, "enum") && !JSON_NODE_HOLDS_NULL (value) &&
      !is_one_of (json_object_get_array_member (schema, "enum"), value))
    {
      g_string_append_printf (why, "%s is not one of the schema's enum", where);
      return FALSE;
    }

  if (JSON_NODE_HOLDS_OBJECT (value))
    return object_accepts (schema, json_node_get_object (value), where, why);
  if (JSON_NODE_HOLDS_ARRAY (value))
    return array_accepts (schema, json_node_get_array (value), where, why);

  return TRUE;
}

/* The documented JSON schema of @status for @method @pattern. */
static JsonObject *
response_schema (const char *method,
                 const char *pattern,
                 guint       status)
{
  JsonObject *operation = find_operation (method, pattern);
  g_autofree char *code = g_strdup_printf ("%u", status);
  JsonObject *responses, *response, *content;

  g_assert_nonnull (operation);
  responses = json_object_get_object_member (operation, "responses");
  if (!json_object_has_member (responses, code))
    g_error ("%s %s answered %u, which docs/openapi.json does not document", method, pattern,
             status);

  response = dereference (json_object_get_object_member (responses, code));
  if (!json_object_has_member (response, "content"))
    return NULL;

  content = json_object_get_object_member (response, "content");
  if (!json_object_has_member (content, "application/json"))
    return NULL;

  return json_object_get_object_member (json_object_get_object_member (content,
                                                                       "application/json"),
                                        "schema");
}

typedef struct
{
  TestServer *server;
  char       *member;
  char       *admin;
  char        account_id[37];
  guint       n_checked;
} Contract;

/* Calls @method @path and checks the answer is @status, with a body the
 * document's schema for it accepts. */
static TestResponse *
check_answer (Contract   *contract,
              const char *method,
              const char *pattern,
              const char *path,
              const char *token,
              const char *body,
              guint       status)
{
  TestResponse *response = test_request (contract->server, method, path, token, body);
  g_autoptr(GString) why = g_string_new (NULL);
  g_autofree char *where = g_strdup_printf ("%s %s %u: $", method, pattern, status);
  JsonObject *schema;

  g_test_message ("%s %s → %u %s", method, path, response->status, response->body);
  g_assert_cmpuint (response->status, ==, status);

  schema = response_schema (method, pattern, status);
  if (schema != NULL)
    {
      g_assert_nonnull (response->json);
      if (!accepts (schema, response->json, where, why))
        g_error ("The answer does not match docs/openapi.json: %s", why->str);
    }

  contract->n_checked++;
  return response;
}

static char *
authorize_body (const char *id,
                guint       images)
{
  return g_strdup_printf ("{\"id\": \"%s\", \"tool\": \"image-resize\", "
                          "\"inputs\": {\"images\": %u}}", id, images);
}

static void
check_auth_answers (Contract *contract)
{
  const char *body = "{\"email\": \"doc@example.com\", \"password\": \"" TEST_PASSWORD "\"}";
  TestResponse *r;

  r = check_answer (contract, "POST", "/v1/auth/register", "/v1/auth/register", NULL, body, 201);
  test_response_free (r);
  r = check_answer (contract, "POST", "/v1/auth/register", "/v1/auth/register", NULL, body, 409);
  test_response_free (r);
  r = check_answer (contract, "POST", "/v1/auth/register", "/v1/auth/register", NULL, "{", 400);
  test_response_free (r);
  r = check_answer (contract, "POST", "/v1/auth/login", "/v1/auth/login", NULL, body, 200);
  test_response_free (r);
  r = check_answer (contract, "POST", "/v1/auth/login", "/v1/auth/login", NULL,
                    "{\"email\": \"doc@example.com\", \"password\": \"wrong password\"}", 401);
  test_response_free (r);
  r = check_answer (contract, "GET", "/v1/me", "/v1/me", NULL, NULL, 401);
  test_response_free (r);
  r = check_answer (contract, "GET", "/v1/me", "/v1/me", contract->member, NULL, 200);
  test_response_free (r);
  r = check_answer (contract, "GET", "/healthz", "/healthz", NULL, NULL, 200);
  test_response_free (r);
  r = check_answer (contract, "GET", "/v1/tools", "/v1/tools", NULL, NULL, 200);
  test_response_free (r);
  r = check_answer (contract, "POST", "/v1/estimate", "/v1/estimate", contract->member,
                    "{\"tool\": \"image-resize\", \"inputs\": {\"images\": 4}}", 200);
  test_response_free (r);
}

static void
check_run_answers (Contract *contract)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *big = g_uuid_string_random ();
  g_autofree char *body = authorize_body (id, 4);
  g_autofree char *too_big = authorize_body (big, 1000);
  g_autofree char *run_path = g_strdup_printf ("/v1/runs/%s", id);
  g_autofree char *complete_path = g_strdup_printf ("/v1/runs/%s/complete", id);
  g_autofree char *nobody = g_uuid_string_random ();
  g_autofree char *missing = g_strdup_printf ("/v1/runs/%s", nobody);
  TestResponse *r;

  r = check_answer (contract, "POST", "/v1/runs", "/v1/runs", contract->member, body, 201);
  test_response_free (r);
  r = check_answer (contract, "POST", "/v1/runs", "/v1/runs", contract->member, too_big, 402);
  test_response_free (r);
  r = check_answer (contract, "GET", "/v1/runs/{id}", run_path, contract->member, NULL, 200);
  test_response_free (r);
  r = check_answer (contract, "GET", "/v1/runs/{id}", missing, contract->member, NULL, 404);
  test_response_free (r);
  r = check_answer (contract, "POST", "/v1/runs/{id}/complete", complete_path, contract->member,
                    "{\"outcome\": \"succeeded\", \"units\": 3}", 200);
  test_response_free (r);
  r = check_answer (contract, "GET", "/v1/runs/{id}", run_path, contract->member, NULL, 200);
  test_response_free (r);
}

static void
check_limit_answers (Contract *contract)
{
  g_autofree char *limits_path = g_strdup_printf ("/v1/admin/accounts/%s/limits",
                                                  contract->account_id);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *body = authorize_body (id, 10);
  TestResponse *r;

  r = check_answer (contract, "PUT", "/v1/admin/accounts/{id}/limits", limits_path,
                    contract->admin, "{\"monthly\": 100000}", 200);
  test_response_free (r);
  r = check_answer (contract, "PUT", "/v1/admin/accounts/{id}/limits", limits_path,
                    contract->member, "{\"monthly\": 100000}", 403);
  test_response_free (r);
  r = check_answer (contract, "PUT", "/v1/me/limits", "/v1/me/limits", contract->member,
                    "{\"per_run\": 3}", 200);
  test_response_free (r);
  r = check_answer (contract, "POST", "/v1/runs", "/v1/runs", contract->member, body, 403);
  g_assert_cmpstr (test_response_error (r), ==, "limit_exceeded");
  test_response_free (r);
  r = check_answer (contract, "PUT", "/v1/me/limits", "/v1/me/limits", contract->member,
                    "{\"per_run\": null}", 200);
  test_response_free (r);
}

static void
check_history_answers (Contract *contract)
{
  g_autofree char *grant = g_strdup_printf ("{\"account_id\": \"%s\", \"amount\": 5, "
                                            "\"reason\": \"contract\"}", contract->account_id);
  TestResponse *r;

  r = check_answer (contract, "POST", "/v1/admin/grants", "/v1/admin/grants", contract->admin,
                    grant, 201);
  test_response_free (r);
  r = check_answer (contract, "GET", "/v1/transactions", "/v1/transactions?limit=2",
                    contract->member, NULL, 200);
  test_response_free (r);
  r = check_answer (contract, "GET", "/v1/transactions/export",
                    "/v1/transactions/export?format=json", contract->member, NULL, 200);
  test_response_free (r);
  r = check_answer (contract, "POST", "/v1/sync", "/v1/sync", contract->member,
                    "{\"device\": \"contract\", \"cursor\": 0, \"ops\": []}", 200);
  test_response_free (r);
  r = check_answer (contract, "GET", "/v1/events", "/v1/events", contract->member, NULL, 426);
  test_response_free (r);
}

/* After the runs, so the tools and the hours have figures, and after the
 * refusals, so there are error groups. */
static void
check_operations_answers (Contract *contract)
{
  TestResponse *r;

  r = check_answer (contract, "GET", "/v1/admin/analytics", "/v1/admin/analytics",
                    contract->admin, NULL, 200);
  test_response_free (r);
  r = check_answer (contract, "GET", "/v1/admin/analytics", "/v1/admin/analytics?since=x",
                    contract->admin, NULL, 400);
  test_response_free (r);
  r = check_answer (contract, "GET", "/v1/admin/analytics", "/v1/admin/analytics",
                    contract->member, NULL, 403);
  test_response_free (r);
  r = check_answer (contract, "GET", "/v1/admin/errors", "/v1/admin/errors", contract->admin,
                    NULL, 200);
  test_response_free (r);
}

/* Last: the member is erased at the end. */
static void
check_privacy_answers (Contract *contract)
{
  g_autoptr(TestResponse) me = test_request (contract->server, "GET", "/v1/me", contract->member,
                                             NULL);
  g_autofree char *user_path = g_strdup_printf ("/v1/admin/users/%s",
                                                test_response_string (me, "user.id"));
  g_autofree char *nobody = g_uuid_string_random ();
  g_autofree char *missing = g_strdup_printf ("/v1/admin/users/%s", nobody);
  TestResponse *r;

  r = check_answer (contract, "GET", "/v1/admin/users", "/v1/admin/users?limit=1",
                    contract->admin, NULL, 200);
  test_response_free (r);
  r = check_answer (contract, "PUT", "/v1/admin/users/{id}", user_path, contract->admin,
                    "{\"disabled\": false}", 200);
  test_response_free (r);
  r = check_answer (contract, "PUT", "/v1/admin/users/{id}", missing, contract->admin,
                    "{\"role\": \"admin\"}", 404);
  test_response_free (r);
  r = check_answer (contract, "GET", "/v1/me/export", "/v1/me/export", contract->member, NULL,
                    200);
  test_response_free (r);
  r = check_answer (contract, "DELETE", "/v1/me", "/v1/me", contract->member,
                    "{\"password\": \"wrong\"}", 403);
  test_response_free (r);
  r = check_answer (contract, "DELETE", "/v1/admin/users/{id}", user_path, contract->admin, NULL,
                    204);
  test_response_free (r);
  r = check_answer (contract, "DELETE", "/v1/admin/users/{id}", user_path, contract->admin, NULL,
                    404);
  test_response_free (r);
}

static void
test_answers_match_schemas (void)
{
  Contract contract = { 0 };

  contract.server = test_server_start (NULL);
  contract.member = test_user_new (contract.server, "member@example.com", contract.account_id);
  contract.admin = test_admin_new (contract.server, "admin@example.com");
  test_grant (contract.server, contract.admin, contract.account_id, 100);

  check_auth_answers (&contract);
  check_run_answers (&contract);
  check_limit_answers (&contract);
  check_history_answers (&contract);
  check_operations_answers (&contract);
  check_privacy_answers (&contract);
  g_test_message ("%u answers checked against their schemas", contract.n_checked);

  g_free (contract.member);
  g_free (contract.admin);
  test_server_free (contract.server);
}

int
main (int   argc,
      char *argv[])
{
  const char *path = g_getenv ("TALLY_OPENAPI");
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  g_assert_nonnull (path);
  {
    g_autofree char *text = NULL;

    g_file_get_contents (path, &text, NULL, &error);
    g_assert_no_error (error);
    document = json_from_string (text, &error);
    g_assert_no_error (error);
    g_assert_true (JSON_NODE_HOLDS_OBJECT (document));
  }

  g_test_add_func ("/openapi/valid", test_valid_document);
  g_test_add_func ("/openapi/routes-documented", test_routes_documented);
  g_test_add_func ("/openapi/no-phantom-paths", test_no_phantom_paths);
  g_test_add_func ("/openapi/references-resolve", test_references_resolve);
  g_test_add_func ("/openapi/operations-complete", test_operations_complete);
  g_test_add_func ("/openapi/security-matches-server", test_security_matches_server);
  g_test_add_func ("/openapi/answers-match-schemas", test_answers_match_schemas);

  status = g_test_run ();
  json_node_unref (document);
  return status;
}
