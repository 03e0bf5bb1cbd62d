/* tally-tool-registry.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-tool-registry.h"

struct _TallyToolRegistry
{
  GObject     parent_instance;

  /* TallyTool, sorted by category, then name, then id. */
  GPtrArray  *tools;
  /* id -> TallyTool, borrowed from @tools. */
  GHashTable *by_id;
  char       *version;
};

static void tally_tool_registry_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TallyToolRegistry, tally_tool_registry, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      tally_tool_registry_list_model_init))

enum {
  PROP_0,
  PROP_VERSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* GListModel */

static GType
tally_tool_registry_get_item_type (GListModel *model)
{
  return TALLY_TYPE_TOOL;
}

static guint
tally_tool_registry_get_n_items (GListModel *model)
{
  TallyToolRegistry *self = TALLY_TOOL_REGISTRY (model);

  return self->tools->len;
}

static gpointer
tally_tool_registry_get_item (GListModel *model,
                              guint       position)
{
  TallyToolRegistry *self = TALLY_TOOL_REGISTRY (model);

  if (position >= self->tools->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->tools, position));
}

static void
tally_tool_registry_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = tally_tool_registry_get_item_type;
  iface->get_n_items = tally_tool_registry_get_n_items;
  iface->get_item = tally_tool_registry_get_item;
}

/* Order and version */

static int
compare_tools (TallyTool *a,
               TallyTool *b)
{
  int result;

  result = g_utf8_collate (tally_tool_get_category (a), tally_tool_get_category (b));
  if (result == 0)
    result = g_utf8_collate (tally_tool_get_name (a), tally_tool_get_name (b));
  /* Ids are unique, so the order never depends on the order of adding. */
  if (result == 0)
    result = strcmp (tally_tool_get_id (a), tally_tool_get_id (b));

  return result;
}

static int
compare_tool_ids (gconstpointer a,
                  gconstpointer b)
{
  return strcmp (tally_tool_get_id (*(TallyTool **) a), tally_tool_get_id (*(TallyTool **) b));
}

/* A hash of what clients see, in an order that does not depend on names
 * or the locale: any change of a tool, a price or the set of tools
 * changes it, and nothing else does. */
static char *
compute_version (TallyToolRegistry *self)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  /* Borrowed pointers: not g_ptr_array_copy(), which would also copy the
   * free function and unref the tools. */
  g_autoptr(GPtrArray) by_id = g_ptr_array_sized_new (self->tools->len);

  g_ptr_array_extend (by_id, self->tools, NULL, NULL);
  g_ptr_array_sort (by_id, compare_tool_ids);

  for (guint i = 0; i < by_id->len; i++)
    {
      g_autoptr(JsonNode) node = tally_tool_to_json (g_ptr_array_index (by_id, i));
      g_autofree char *json = json_to_string (node, FALSE);

      /* The newline separates tools: no JSON text contains a raw one. */
      g_checksum_update (checksum, (const guchar *) json, -1);
      g_checksum_update (checksum, (const guchar *) "\n", 1);
    }

  return g_strdup (g_checksum_get_string (checksum));
}

static void
update_version (TallyToolRegistry *self)
{
  g_free (self->version);
  self->version = compute_version (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERSION]);
}

static gboolean
check_new_tool (TallyToolRegistry  *self,
                TallyTool          *tool,
                GError            **error)
{
  if (g_hash_table_contains (self->by_id, tally_tool_get_id (tool)))
    {
      g_set_error (error, TALLY_TOOL_ERROR, TALLY_TOOL_ERROR_INVALID,
                   "id: another tool is already named \"%s\"", tally_tool_get_id (tool));
      return FALSE;
    }

  return TRUE;
}

/* Inserts in order without telling anyone; returns the position. */
static guint
insert_tool (TallyToolRegistry *self,
             TallyTool         *tool)
{
  guint low = 0;
  guint high = self->tools->len;

  while (low < high)
    {
      guint middle = low + (high - low) / 2;

      if (compare_tools (g_ptr_array_index (self->tools, middle), tool) < 0)
        low = middle + 1;
      else
        high = middle;
    }

  g_ptr_array_insert (self->tools, low, g_object_ref (tool));
  g_hash_table_insert (self->by_id, (gpointer) tally_tool_get_id (tool), tool);

  return low;
}

/* Loading */

static gboolean
is_tool_file (const char *name)
{
  return g_str_has_suffix (name, ".json") && name[0] != '.';
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

static GPtrArray *
list_tool_files (const char  *directory,
                 GError     **error)
{
  g_autoptr(GDir) dir = g_dir_open (directory, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (dir == NULL)
    return NULL;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      if (is_tool_file (name))
        g_ptr_array_add (names, g_strdup (name));
    }

  /* Byte order, not the locale's: the same errors in the same order on
   * every machine. */
  g_ptr_array_sort (names, compare_names);

  return g_steal_pointer (&names);
}

static TallyTool *
load_tool_file (const char  *path,
                const char  *basename,
                GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(TallyTool) tool = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *expected_id = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, error) ||
      !json_parser_load_from_data (parser, contents, length, error))
    return NULL;

  tool = tally_tool_new_from_json (json_parser_get_root (parser), error);
  if (tool == NULL)
    return NULL;

  /* One file per tool, named after it, so a tool is easy to find. */
  expected_id = g_strndup (basename, strlen (basename) - strlen (".json"));
  if (!g_str_equal (tally_tool_get_id (tool), expected_id))
    {
      g_set_error (error, TALLY_TOOL_ERROR, TALLY_TOOL_ERROR_INVALID,
                   "id: \"%s\" does not match the file name", tally_tool_get_id (tool));
      return NULL;
    }

  return g_steal_pointer (&tool);
}

/* "good.json: pricing.per: ...", and for JSON syntax errors, which
 * json-glib reports as "<data>:LINE:COLUMN: ...", "bad.json:LINE:COLUMN: ..."
 * as a compiler would. */
static void
name_file_in_error (GError     *error,
                    const char *basename)
{
  const char *data_prefix = "<data>:";
  char *message;

  if (g_str_has_prefix (error->message, data_prefix))
    message = g_strconcat (basename, ":", error->message + strlen (data_prefix), NULL);
  else
    message = g_strconcat (basename, ": ", error->message, NULL);

  g_free (error->message);
  error->message = message;
}

gboolean
tally_tool_registry_load_directory (TallyToolRegistry  *self,
                                    const char         *directory,
                                    GPtrArray          *file_errors,
                                    GError            **error)
{
  g_autoptr(GPtrArray) names = NULL;
  guint old_n_items;

  g_return_val_if_fail (TALLY_IS_TOOL_REGISTRY (self), FALSE);
  g_return_val_if_fail (directory != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  names = list_tool_files (directory, error);
  if (names == NULL)
    return FALSE;

  old_n_items = self->tools->len;

  for (guint i = 0; i < names->len; i++)
    {
      const char *basename = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (directory, basename, NULL);
      g_autoptr(GError) file_error = NULL;
      g_autoptr(TallyTool) tool = load_tool_file (path, basename, &file_error);

      if (tool != NULL && check_new_tool (self, tool, &file_error))
        {
          insert_tool (self, tool);
          continue;
        }

      name_file_in_error (file_error, basename);
      if (file_errors != NULL)
        g_ptr_array_add (file_errors, g_steal_pointer (&file_error));
    }

  /* One signal for the whole load rather than one per file: a list view
   * rebuilds once. */
  if (self->tools->len != old_n_items)
    {
      update_version (self);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n_items, self->tools->len);
    }

  return TRUE;
}

/* Public API */

TallyToolRegistry *
tally_tool_registry_new (void)
{
  return g_object_new (TALLY_TYPE_TOOL_REGISTRY, NULL);
}

gboolean
tally_tool_registry_add (TallyToolRegistry  *self,
                         TallyTool          *tool,
                         GError            **error)
{
  guint position;

  g_return_val_if_fail (TALLY_IS_TOOL_REGISTRY (self), FALSE);
  g_return_val_if_fail (TALLY_IS_TOOL (tool), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_new_tool (self, tool, error))
    return FALSE;

  position = insert_tool (self, tool);
  update_version (self);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);

  return TRUE;
}

TallyTool *
tally_tool_registry_lookup (TallyToolRegistry *self,
                            const char        *tool_id)
{
  g_return_val_if_fail (TALLY_IS_TOOL_REGISTRY (self), NULL);
  g_return_val_if_fail (tool_id != NULL, NULL);

  return g_hash_table_lookup (self->by_id, tool_id);
}

const char *
tally_tool_registry_get_version (TallyToolRegistry *self)
{
  g_return_val_if_fail (TALLY_IS_TOOL_REGISTRY (self), NULL);

  return self->version;
}

JsonNode *
tally_tool_registry_to_json (TallyToolRegistry *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (TALLY_IS_TOOL_REGISTRY (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, self->version);
  json_builder_set_member_name (builder, "tools");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->tools->len; i++)
    json_builder_add_value (builder, tally_tool_to_json (g_ptr_array_index (self->tools, i)));
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* GObject */

static void
tally_tool_registry_finalize (GObject *object)
{
  TallyToolRegistry *self = (TallyToolRegistry *) object;

  g_hash_table_unref (self->by_id);
  g_ptr_array_unref (self->tools);
  g_free (self->version);

  G_OBJECT_CLASS (tally_tool_registry_parent_class)->finalize (object);
}

static void
tally_tool_registry_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  TallyToolRegistry *self = TALLY_TOOL_REGISTRY (object);

  switch (prop_id)
    {
    case PROP_VERSION:
      g_value_set_string (value, self->version);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_tool_registry_class_init (TallyToolRegistryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tally_tool_registry_finalize;
  object_class->get_property = tally_tool_registry_get_property;

  properties[PROP_VERSION] =
    g_param_spec_string ("version", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tally_tool_registry_init (TallyToolRegistry *self)
{
  self->tools = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  /* The empty catalogue has a version too, so clients can compare. */
  self->version = compute_version (self);
}
