/* tally-tool.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-tool.h"
#include "tally-types.h"

/* Limits shared with data/tool.schema.json: keep the two in step. */
#define ID_MAX_BYTES          (TALLY_TOOL_ID_MAX - 1)
#define NAME_MAX_CHARS        80
#define DESCRIPTION_MAX_CHARS 300
#define UNIT_MAX_CHARS        32
#define LABEL_MAX_CHARS       80
#define CHOICE_MAX_CHARS      128
#define ARG_MAX_CHARS         1024
#define MAX_INPUTS            32
#define MAX_CHOICES           64
#define MAX_ARGS              64
#define SUFFIX_MAX_BYTES      16

/* The argv placeholder for the file the tool writes. */
#define OUTPUT_PLACEHOLDER "output"

struct _TallyTool
{
  GObject         parent_instance;

  char           *id;
  char           *name;
  char           *category;
  char           *description;
  char           *unit;
  char           *unit_singular;
  GPtrArray      *inputs;
  TallyMeter      meter;
  char           *meter_input;
  TallyPriceRule  rule;
  char           *builtin;
  GStrv           command;
  char           *output_suffix;
};

G_DEFINE_FINAL_TYPE (TallyTool, tally_tool, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_CATEGORY,
  PROP_DESCRIPTION,
  PROP_UNIT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const input_types[] = {
  [TALLY_INPUT_TYPE_FILE] = "file",
  [TALLY_INPUT_TYPE_TEXT] = "text",
  [TALLY_INPUT_TYPE_NUMBER] = "number",
  [TALLY_INPUT_TYPE_CHOICE] = "choice",
};

static const char * const meters[] = {
  [TALLY_METER_VALUE] = "value",
  [TALLY_METER_WORDS] = "words",
  [TALLY_METER_CHARACTERS] = "characters",
  [TALLY_METER_RUN] = "run",
};

G_DEFINE_QUARK (tally-tool-error-quark, tally_tool_error)

static void
tally_tool_input_free (TallyToolInput *input)
{
  g_free (input->id);
  g_free (input->label);
  g_strfreev (input->choices);
  g_free (input->default_value);
  g_free (input);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyToolInput, tally_tool_input_free)

/* Error helpers: every message starts with the path of the field, such as
 * "pricing.per" or "inputs[2].min", so a catalogue author finds it. */

static gboolean invalid (GError     **error,
                         const char  *prefix,
                         const char  *name,
                         const char  *format,
                         ...) G_GNUC_PRINTF (4, 5);

static gboolean
invalid (GError     **error,
         const char  *prefix,
         const char  *name,
         const char  *format,
         ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, TALLY_TOOL_ERROR, TALLY_TOOL_ERROR_INVALID, "%s%s%s: %s",
               prefix != NULL ? prefix : "",
               prefix != NULL ? "." : "",
               name, message);
  return FALSE;
}

/* Syntax checks */

static gboolean
is_identifier (const char *str)
{
  gsize len = strlen (str);

  if (len == 0 || len > ID_MAX_BYTES || str[0] == '-')
    return FALSE;

  for (const char *p = str; *p != '\0'; p++)
    {
      if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
        return FALSE;
    }

  return TRUE;
}

static gboolean
is_mime_token (const char *start,
               const char *end)
{
  if (start == end || *start == '.' || *start == '+' || *start == '-')
    return FALSE;

  for (const char *p = start; p < end; p++)
    {
      if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && strchr (".+-", *p) == NULL)
        return FALSE;
    }

  return TRUE;
}

/* "image/png", "application/vnd.oasis.opendocument.text", "image/x-bmp". */
static gboolean
is_mime_type (const char *str)
{
  const char *slash = strchr (str, '/');
  const char *end = str + strlen (str);

  if (slash == NULL || slash == str)
    return FALSE;

  for (const char *p = str; p < slash; p++)
    {
      if (!g_ascii_islower (*p))
        return FALSE;
    }

  return g_str_equal (slash + 1, "*") || is_mime_token (slash + 1, end);
}

static gboolean
lookup_enum (const char * const *names,
             gsize               n_names,
             const char         *name,
             int                *value)
{
  for (gsize i = 0; i < n_names; i++)
    {
      if (g_strcmp0 (names[i], name) == 0)
        {
          *value = (int) i;
          return TRUE;
        }
    }

  return FALSE;
}

static gboolean
node_is_type (JsonNode *node,
              GType     type)
{
  return node != NULL &&
         JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == type;
}

/* A member that is there and not null. */
static JsonNode *
lookup_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && !JSON_NODE_HOLDS_NULL (node) ? node : NULL;
}

/* Readers of one member each */

static gboolean
check_members (JsonObject          *object,
               const char          *prefix,
               const char * const  *allowed,
               GError             **error)
{
  JsonObjectIter iter;
  const char *name;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, NULL))
    {
      if (!g_strv_contains (allowed, name))
        return invalid (error, prefix, name, "unknown field");
    }

  return TRUE;
}

static gboolean
read_text (JsonNode    *node,
           const char  *prefix,
           const char  *name,
           glong        max_chars,
           char       **out,
           GError     **error)
{
  const char *str;

  if (node == NULL)
    return invalid (error, prefix, name, "missing");
  if (!node_is_type (node, G_TYPE_STRING))
    return invalid (error, prefix, name, "must be a string");

  str = json_node_get_string (node);
  if (!g_utf8_validate (str, -1, NULL))
    return invalid (error, prefix, name, "must be valid UTF-8");
  if (*str == '\0')
    return invalid (error, prefix, name, "must not be empty");
  if (g_utf8_strlen (str, -1) > max_chars)
    return invalid (error, prefix, name, "must be at most %ld characters", max_chars);

  *out = g_strdup (str);
  return TRUE;
}

static gboolean
read_string (JsonObject  *object,
             const char  *prefix,
             const char  *name,
             glong        max_chars,
             char       **out,
             GError     **error)
{
  return read_text (lookup_member (object, name), prefix, name, max_chars, out, error);
}

static gboolean
read_identifier (JsonObject  *object,
                 const char  *prefix,
                 const char  *name,
                 char       **out,
                 GError     **error)
{
  g_autofree char *str = NULL;

  if (!read_string (object, prefix, name, ID_MAX_BYTES, &str, error))
    return FALSE;
  if (!is_identifier (str))
    return invalid (error, prefix, name,
                    "must be lowercase letters, digits and dashes, not starting with a dash");

  *out = g_steal_pointer (&str);
  return TRUE;
}

static gboolean
read_int (JsonObject  *object,
          const char  *prefix,
          const char  *name,
          gint64      *out,
          GError     **error)
{
  JsonNode *node = lookup_member (object, name);

  if (node == NULL)
    return invalid (error, prefix, name, "missing");
  if (!node_is_type (node, G_TYPE_INT64))
    return invalid (error, prefix, name, "must be an integer");

  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
read_optional_bool (JsonObject  *object,
                    const char  *prefix,
                    const char  *name,
                    gboolean    *out,
                    GError     **error)
{
  JsonNode *node = lookup_member (object, name);

  *out = FALSE;
  if (node == NULL)
    return TRUE;
  if (!node_is_type (node, G_TYPE_BOOLEAN))
    return invalid (error, prefix, name, "must be true or false");

  *out = json_node_get_boolean (node);
  return TRUE;
}

/* A non-empty array of non-empty strings. */
static gboolean
read_string_list (JsonObject  *object,
                  const char  *prefix,
                  const char  *name,
                  guint        max_items,
                  glong        max_chars,
                  GStrv       *out,
                  GError     **error)
{
  JsonNode *node = lookup_member (object, name);
  g_auto(GStrv) strv = NULL;
  JsonArray *array;
  guint length;

  if (node == NULL)
    return invalid (error, prefix, name, "missing");
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return invalid (error, prefix, name, "must be an array of strings");

  array = json_node_get_array (node);
  length = json_array_get_length (array);
  if (length == 0 || length > max_items)
    return invalid (error, prefix, name, "must have 1 to %u items", max_items);

  /* Zeroed, so that it stays NULL-terminated when an item fails. */
  strv = g_new0 (char *, length + 1);
  for (guint i = 0; i < length; i++)
    {
      g_autofree char *item_name = g_strdup_printf ("%s[%u]", name, i);

      if (!read_text (json_array_get_element (array, i), prefix, item_name,
                      max_chars, &strv[i], error))
        return FALSE;
    }

  *out = g_steal_pointer (&strv);
  return TRUE;
}

/* Choices and MIME types are sets: a repeated one is a typo. */
static gboolean
check_distinct (const char * const  *strv,
                const char          *prefix,
                const char          *name,
                GError             **error)
{
  for (guint i = 0; strv[i] != NULL; i++)
    {
      for (guint j = 0; j < i; j++)
        {
          if (g_str_equal (strv[i], strv[j]))
            {
              g_autofree char *item_name = g_strdup_printf ("%s[%u]", name, i);

              return invalid (error, prefix, item_name, "\"%s\" is listed twice", strv[i]);
            }
        }
    }

  return TRUE;
}

static gboolean
read_string_set (JsonObject  *object,
                 const char  *prefix,
                 const char  *name,
                 GStrv       *out,
                 GError     **error)
{
  return read_string_list (object, prefix, name, MAX_CHOICES, CHOICE_MAX_CHARS, out, error) &&
         check_distinct ((const char * const *) *out, prefix, name, error);
}

/* Inputs */

static gboolean
read_input_range (JsonObject      *object,
                  const char      *prefix,
                  TallyToolInput  *input,
                  GError         **error)
{
  if (!read_int (object, prefix, "min", &input->min, error) ||
      !read_int (object, prefix, "max", &input->max, error))
    return FALSE;

  if (input->type == TALLY_INPUT_TYPE_TEXT && input->min < 0)
    return invalid (error, prefix, "min", "must not be negative");
  if (input->max < input->min)
    return invalid (error, prefix, "max", "must not be less than min");

  return TRUE;
}

static gboolean
check_input_default (TallyToolInput  *input,
                     const char      *prefix,
                     GError         **error)
{
  const char *value = input->default_value;
  glong length = g_utf8_strlen (value, -1);
  gint64 number;

  switch (input->type)
    {
    case TALLY_INPUT_TYPE_NUMBER:
      if (!g_ascii_string_to_signed (value, 10, input->min, input->max, &number, NULL))
        return invalid (error, prefix, "default",
                        "must be an integer from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                        input->min, input->max);
      return TRUE;

    case TALLY_INPUT_TYPE_TEXT:
      if (length < input->min || length > input->max)
        return invalid (error, prefix, "default", "must have from %" G_GINT64_FORMAT
                        " to %" G_GINT64_FORMAT " characters", input->min, input->max);
      return TRUE;

    case TALLY_INPUT_TYPE_CHOICE:
      if (!g_strv_contains ((const char * const *) input->choices, value))
        return invalid (error, prefix, "default", "must be one of the choices");
      return TRUE;

    case TALLY_INPUT_TYPE_FILE:
    default:
      return invalid (error, prefix, "default", "not allowed for this type of input");
    }
}

/* Kept as a string whatever the type, as a form field holds it; checked
 * against the input so that a tool never runs with a default it would
 * refuse. A number input's default is a JSON integer, the value an estimate
 * takes; a string of digits is still read, as registries cached by an
 * earlier version have it. */
static gboolean
read_input_default (JsonObject      *object,
                    const char      *prefix,
                    TallyToolInput  *input,
                    GError         **error)
{
  JsonNode *node = lookup_member (object, "default");

  if (node == NULL)
    return TRUE;

  if (input->type == TALLY_INPUT_TYPE_NUMBER && node_is_type (node, G_TYPE_INT64))
    input->default_value = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  else if (input->type == TALLY_INPUT_TYPE_NUMBER && !node_is_type (node, G_TYPE_STRING))
    return invalid (error, prefix, "default", "must be an integer");
  else if (!read_text (node, prefix, "default", G_MAXLONG, &input->default_value, error))
    return FALSE;

  return check_input_default (input, prefix, error);
}

static gboolean
read_input_details (JsonObject      *object,
                    const char      *prefix,
                    TallyToolInput  *input,
                    GError         **error)
{
  static const char * const file_members[] = {
    "id", "label", "type", "required", "accept", "multiple", NULL
  };
  static const char * const ranged_members[] = {
    "id", "label", "type", "required", "min", "max", "default", NULL
  };
  static const char * const choice_members[] = {
    "id", "label", "type", "required", "choices", "default", NULL
  };

  switch (input->type)
    {
    case TALLY_INPUT_TYPE_FILE:
      if (!check_members (object, prefix, file_members, error) ||
          !read_optional_bool (object, prefix, "multiple", &input->multiple, error))
        return FALSE;
      if (lookup_member (object, "accept") == NULL)
        return TRUE;
      if (!read_string_set (object, prefix, "accept", &input->choices, error))
        return FALSE;
      for (guint i = 0; input->choices[i] != NULL; i++)
        {
          if (!is_mime_type (input->choices[i]))
            return invalid (error, prefix, "accept", "\"%s\" is not a MIME type",
                            input->choices[i]);
        }
      return TRUE;

    case TALLY_INPUT_TYPE_TEXT:
    case TALLY_INPUT_TYPE_NUMBER:
      return check_members (object, prefix, ranged_members, error) &&
             read_input_range (object, prefix, input, error);

    case TALLY_INPUT_TYPE_CHOICE:
      return check_members (object, prefix, choice_members, error) &&
             read_string_set (object, prefix, "choices", &input->choices, error);

    default:
      g_assert_not_reached ();
    }
}

static TallyToolInput *
read_input (JsonNode    *node,
            const char  *prefix,
            GError     **error)
{
  g_autoptr(TallyToolInput) input = g_new0 (TallyToolInput, 1);
  g_autofree char *type = NULL;
  JsonObject *object;
  int type_value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, TALLY_TOOL_ERROR, TALLY_TOOL_ERROR_INVALID,
                   "%s: must be an object", prefix);
      return NULL;
    }
  object = json_node_get_object (node);

  if (!read_identifier (object, prefix, "id", &input->id, error) ||
      !read_string (object, prefix, "label", LABEL_MAX_CHARS, &input->label, error) ||
      !read_string (object, prefix, "type", 16, &type, error) ||
      !read_optional_bool (object, prefix, "required", &input->required, error))
    return NULL;

  if (!lookup_enum (input_types, G_N_ELEMENTS (input_types), type, &type_value))
    {
      invalid (error, prefix, "type", "must be file, text, number or choice");
      return NULL;
    }
  input->type = (TallyInputType) type_value;

  if (!read_input_details (object, prefix, input, error) ||
      !read_input_default (object, prefix, input, error))
    return NULL;

  return g_steal_pointer (&input);
}

static gboolean
read_inputs (TallyTool   *self,
             JsonObject  *object,
             GError     **error)
{
  JsonNode *node = lookup_member (object, "inputs");
  JsonArray *array;
  guint length;

  if (node == NULL)
    return invalid (error, NULL, "inputs", "missing");
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return invalid (error, NULL, "inputs", "must be an array");

  array = json_node_get_array (node);
  length = json_array_get_length (array);
  if (length > MAX_INPUTS)
    return invalid (error, NULL, "inputs", "must have at most %d items", MAX_INPUTS);

  for (guint i = 0; i < length; i++)
    {
      g_autofree char *prefix = g_strdup_printf ("inputs[%u]", i);
      TallyToolInput *input = read_input (json_array_get_element (array, i), prefix, error);

      if (input == NULL)
        return FALSE;

      if (tally_tool_find_input (self, input->id) != NULL)
        {
          invalid (error, prefix, "id", "another input is already named \"%s\"", input->id);
          tally_tool_input_free (input);
          return FALSE;
        }

      g_ptr_array_add (self->inputs, input);
    }

  return TRUE;
}

/* Meter */

static gboolean
check_meter_input (TallyTool              *self,
                   const TallyToolInput   *input,
                   GError                **error)
{
  if (input == NULL)
    return invalid (error, "meter", "input", "no input is named \"%s\"", self->meter_input);

  switch (self->meter)
    {
    case TALLY_METER_VALUE:
      if (input->type != TALLY_INPUT_TYPE_NUMBER && input->type != TALLY_INPUT_TYPE_FILE)
        return invalid (error, "meter", "input",
                        "measure \"value\" needs a number or file input");
      return TRUE;

    case TALLY_METER_WORDS:
    case TALLY_METER_CHARACTERS:
      if (input->type != TALLY_INPUT_TYPE_TEXT)
        return invalid (error, "meter", "input", "measure \"%s\" needs a text input",
                        meters[self->meter]);
      return TRUE;

    case TALLY_METER_RUN:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
read_meter (TallyTool   *self,
            JsonObject  *parent,
            GError     **error)
{
  static const char * const members[] = { "measure", "input", NULL };
  JsonNode *node = lookup_member (parent, "meter");
  g_autofree char *measure = NULL;
  JsonObject *object;
  int meter;

  if (node == NULL)
    return invalid (error, NULL, "meter", "missing");
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, NULL, "meter", "must be an object");

  object = json_node_get_object (node);
  if (!check_members (object, "meter", members, error) ||
      !read_string (object, "meter", "measure", 16, &measure, error))
    return FALSE;

  if (!lookup_enum (meters, G_N_ELEMENTS (meters), measure, &meter))
    return invalid (error, "meter", "measure", "must be value, words, characters or run");
  self->meter = (TallyMeter) meter;

  if (self->meter == TALLY_METER_RUN)
    {
      if (lookup_member (object, "input") != NULL)
        return invalid (error, "meter", "input", "not allowed when the measure is \"run\"");
      return TRUE;
    }

  if (!read_string (object, "meter", "input", ID_MAX_BYTES, &self->meter_input, error))
    return FALSE;

  return check_meter_input (self, tally_tool_find_input (self, self->meter_input), error);
}

/* Pricing */

static gboolean
read_pricing (TallyTool   *self,
              JsonObject  *parent,
              GError     **error)
{
  static const char * const members[] = {
    "base", "rate", "per", "minimum", "min_units", "max_units", "typical_units", NULL
  };
  JsonNode *node = lookup_member (parent, "pricing");
  g_autoptr(GError) local_error = NULL;
  JsonObject *object;

  if (node == NULL)
    return invalid (error, NULL, "pricing", "missing");
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, NULL, "pricing", "must be an object");

  object = json_node_get_object (node);
  if (!check_members (object, "pricing", members, error) ||
      !read_int (object, "pricing", "base", &self->rule.base, error) ||
      !read_int (object, "pricing", "rate", &self->rule.rate, error) ||
      !read_int (object, "pricing", "per", &self->rule.per, error) ||
      !read_int (object, "pricing", "minimum", &self->rule.minimum, error) ||
      !read_int (object, "pricing", "min_units", &self->rule.min_units, error) ||
      !read_int (object, "pricing", "max_units", &self->rule.max_units, error) ||
      !read_int (object, "pricing", "typical_units", &self->rule.typical_units, error))
    return FALSE;

  /* Its messages already start with the member's name. */
  if (!tally_price_rule_validate (&self->rule, &local_error))
    {
      g_set_error (error, TALLY_TOOL_ERROR, TALLY_TOOL_ERROR_INVALID,
                   "pricing.%s", local_error->message);
      return FALSE;
    }

  /* Every run of such a tool measures exactly one unit. */
  if (self->meter == TALLY_METER_RUN &&
      (self->rule.min_units > 1 || self->rule.max_units < 1))
    return invalid (error, "pricing", "min_units",
                    "a tool priced per run must allow 1 unit");

  return TRUE;
}

/* Run */

static gboolean
check_command (TallyTool   *self,
               GError     **error)
{
  for (guint i = 0; self->command[i] != NULL; i++)
    {
      const char *arg = self->command[i];
      const TallyToolInput *input;
      gsize len = strlen (arg);
      g_autofree char *name = NULL;
      g_autofree char *item = g_strdup_printf ("command[%u]", i);

      /* Placeholders replace whole elements only, so that no input value
       * is ever spliced into another argument or parsed by a shell. */
      if (len < 2 || arg[0] != '{' || arg[len - 1] != '}')
        {
          if (strchr (arg, '{') != NULL || strchr (arg, '}') != NULL)
            return invalid (error, "run", item, "a placeholder must be a whole element");
          continue;
        }

      if (i == 0)
        return invalid (error, "run", item, "the program must not be a placeholder");

      name = g_strndup (arg + 1, len - 2);
      if (g_str_equal (name, OUTPUT_PLACEHOLDER))
        continue;

      input = tally_tool_find_input (self, name);
      if (input == NULL)
        return invalid (error, "run", item, "no input is named \"%s\"", name);
      /* Otherwise a run could leave a hole in the argv. */
      if (!input->required && input->default_value == NULL)
        return invalid (error, "run", item,
                        "input \"%s\" must be required or have a default", name);
    }

  return TRUE;
}

/* ".wav", ".tar.gz": what a command's output file is named with, as the
 * command cannot say. */
static gboolean
read_output_suffix (TallyTool   *self,
                    JsonObject  *object,
                    GError     **error)
{
  g_autofree char *suffix = NULL;

  if (lookup_member (object, "output_suffix") == NULL)
    return TRUE;
  if (!read_string (object, "run", "output_suffix", SUFFIX_MAX_BYTES, &suffix, error))
    return FALSE;
  if (suffix[0] != '.' || suffix[1] == '\0' ||
      strspn (suffix, "abcdefghijklmnopqrstuvwxyz0123456789.") != strlen (suffix))
    return invalid (error, "run", "output_suffix",
                    "must be a dot and lowercase letters, digits and dots");

  self->output_suffix = g_steal_pointer (&suffix);
  return TRUE;
}

static gboolean
read_run (TallyTool   *self,
          JsonObject  *parent,
          GError     **error)
{
  static const char * const members[] = { "builtin", "command", "output_suffix", NULL };
  JsonNode *node = lookup_member (parent, "run");
  JsonObject *object;
  gboolean has_builtin;
  gboolean has_command;

  if (node == NULL)
    return invalid (error, NULL, "run", "missing");
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, NULL, "run", "must be an object");

  object = json_node_get_object (node);
  if (!check_members (object, "run", members, error))
    return FALSE;

  has_builtin = lookup_member (object, "builtin") != NULL;
  has_command = lookup_member (object, "command") != NULL;
  if (has_builtin == has_command)
    return invalid (error, NULL, "run", "must have either \"builtin\" or \"command\"");

  if (has_builtin && lookup_member (object, "output_suffix") != NULL)
    return invalid (error, "run", "output_suffix", "is for commands only");
  if (has_builtin)
    return read_identifier (object, "run", "builtin", &self->builtin, error);

  return read_output_suffix (self, object, error) &&
         read_string_list (object, "run", "command", MAX_ARGS, ARG_MAX_CHARS,
                           &self->command, error) &&
         check_command (self, error);
}

static gboolean
read_tool (TallyTool   *self,
           JsonObject  *object,
           GError     **error)
{
  static const char * const members[] = {
    "id", "name", "category", "description", "unit", "unit_singular",
    "inputs", "meter", "pricing", "run", NULL
  };

  return check_members (object, NULL, members, error) &&
         read_identifier (object, NULL, "id", &self->id, error) &&
         read_string (object, NULL, "name", NAME_MAX_CHARS, &self->name, error) &&
         read_identifier (object, NULL, "category", &self->category, error) &&
         read_string (object, NULL, "description", DESCRIPTION_MAX_CHARS,
                      &self->description, error) &&
         read_string (object, NULL, "unit", UNIT_MAX_CHARS, &self->unit, error) &&
         read_string (object, NULL, "unit_singular", UNIT_MAX_CHARS,
                      &self->unit_singular, error) &&
         read_inputs (self, object, error) &&
         read_meter (self, object, error) &&
         read_pricing (self, object, error) &&
         read_run (self, object, error);
}

/* GObject */

static void
tally_tool_finalize (GObject *object)
{
  TallyTool *self = (TallyTool *) object;

  g_free (self->id);
  g_free (self->name);
  g_free (self->category);
  g_free (self->description);
  g_free (self->unit);
  g_free (self->unit_singular);
  g_ptr_array_unref (self->inputs);
  g_free (self->meter_input);
  g_free (self->builtin);
  g_strfreev (self->command);
  g_free (self->output_suffix);

  G_OBJECT_CLASS (tally_tool_parent_class)->finalize (object);
}

static void
tally_tool_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TallyTool *self = TALLY_TOOL (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;

    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_CATEGORY:
      g_value_set_string (value, self->category);
      break;

    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;

    case PROP_UNIT:
      g_value_set_string (value, self->unit);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_tool_class_init (TallyToolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tally_tool_finalize;
  object_class->get_property = tally_tool_get_property;

  /* Read-only: a tool is what its file says. The properties are there for
   * list views, sorters and filters that bind to them. */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CATEGORY] =
    g_param_spec_string ("category", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_UNIT] =
    g_param_spec_string ("unit", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tally_tool_init (TallyTool *self)
{
  self->inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) tally_tool_input_free);
}

TallyTool *
tally_tool_new_from_json (JsonNode  *node,
                          GError   **error)
{
  g_autoptr(TallyTool) self = NULL;

  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, TALLY_TOOL_ERROR, TALLY_TOOL_ERROR_INVALID,
                           "The tool must be a JSON object");
      return NULL;
    }

  self = g_object_new (TALLY_TYPE_TOOL, NULL);
  if (!read_tool (self, json_node_get_object (node), error))
    return NULL;

  return g_steal_pointer (&self);
}

/* Serialization */

static void
add_string_list (JsonBuilder        *builder,
                 const char         *name,
                 const char * const *strv)
{
  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; strv[i] != NULL; i++)
    json_builder_add_string_value (builder, strv[i]);
  json_builder_end_array (builder);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_input (JsonBuilder          *builder,
           const TallyToolInput *input)
{
  json_builder_begin_object (builder);
  add_string (builder, "id", input->id);
  add_string (builder, "label", input->label);
  add_string (builder, "type", input_types[input->type]);
  json_builder_set_member_name (builder, "required");
  json_builder_add_boolean_value (builder, input->required);

  switch (input->type)
    {
    case TALLY_INPUT_TYPE_FILE:
      if (input->choices != NULL)
        add_string_list (builder, "accept", (const char * const *) input->choices);
      json_builder_set_member_name (builder, "multiple");
      json_builder_add_boolean_value (builder, input->multiple);
      break;

    case TALLY_INPUT_TYPE_TEXT:
    case TALLY_INPUT_TYPE_NUMBER:
      add_int (builder, "min", input->min);
      add_int (builder, "max", input->max);
      break;

    case TALLY_INPUT_TYPE_CHOICE:
      add_string_list (builder, "choices", (const char * const *) input->choices);
      break;

    default:
      g_assert_not_reached ();
    }

  if (input->default_value != NULL && input->type == TALLY_INPUT_TYPE_NUMBER)
    add_int (builder, "default", g_ascii_strtoll (input->default_value, NULL, 10));
  else if (input->default_value != NULL)
    add_string (builder, "default", input->default_value);

  json_builder_end_object (builder);
}

static void
add_pricing (JsonBuilder          *builder,
             const TallyPriceRule *rule)
{
  json_builder_set_member_name (builder, "pricing");
  json_builder_begin_object (builder);
  add_int (builder, "base", rule->base);
  add_int (builder, "rate", rule->rate);
  add_int (builder, "per", rule->per);
  add_int (builder, "minimum", rule->minimum);
  add_int (builder, "min_units", rule->min_units);
  add_int (builder, "max_units", rule->max_units);
  add_int (builder, "typical_units", rule->typical_units);
  json_builder_end_object (builder);
}

static void
add_meter_and_run (JsonBuilder *builder,
                   TallyTool   *self)
{
  json_builder_set_member_name (builder, "meter");
  json_builder_begin_object (builder);
  add_string (builder, "measure", meters[self->meter]);
  if (self->meter_input != NULL)
    add_string (builder, "input", self->meter_input);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "run");
  json_builder_begin_object (builder);
  if (self->builtin != NULL)
    add_string (builder, "builtin", self->builtin);
  else
    add_string_list (builder, "command", (const char * const *) self->command);
  if (self->output_suffix != NULL)
    add_string (builder, "output_suffix", self->output_suffix);
  json_builder_end_object (builder);
}

JsonNode *
tally_tool_to_json (TallyTool *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (TALLY_IS_TOOL (self), NULL);

  /* The member order is fixed: the registry's version hashes this form. */
  json_builder_begin_object (builder);
  add_string (builder, "id", self->id);
  add_string (builder, "name", self->name);
  add_string (builder, "category", self->category);
  add_string (builder, "description", self->description);
  add_string (builder, "unit", self->unit);
  add_string (builder, "unit_singular", self->unit_singular);
  add_pricing (builder, &self->rule);

  json_builder_set_member_name (builder, "inputs");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->inputs->len; i++)
    add_input (builder, g_ptr_array_index (self->inputs, i));
  json_builder_end_array (builder);

  add_meter_and_run (builder, self);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* Accessors */

const char *
tally_tool_get_id (TallyTool *self)
{
  g_return_val_if_fail (TALLY_IS_TOOL (self), NULL);

  return self->id;
}

const char *
tally_tool_get_name (TallyTool *self)
{
  g_return_val_if_fail (TALLY_IS_TOOL (self), NULL);

  return self->name;
}

const char *
tally_tool_get_category (TallyTool *self)
{
  g_return_val_if_fail (TALLY_IS_TOOL (self), NULL);

  return self->category;
}

const char *
tally_tool_get_description (TallyTool *self)
{
  g_return_val_if_fail (TALLY_IS_TOOL (self), NULL);

  return self->description;
}

const char *
tally_tool_get_unit (TallyTool *self)
{
  g_return_val_if_fail (TALLY_IS_TOOL (self), NULL);

  return self->unit;
}

const char *
tally_tool_get_unit_singular (TallyTool *self)
{
  g_return_val_if_fail (TALLY_IS_TOOL (self), NULL);

  return self->unit_singular;
}

TallyMeter
tally_tool_get_meter (TallyTool *self)
{
  g_return_val_if_fail (TALLY_IS_TOOL (self), TALLY_METER_RUN);

  return self->meter;
}

const char *
tally_tool_get_meter_input (TallyTool *self)
{
  g_return_val_if_fail (TALLY_IS_TOOL (self), NULL);

  return self->meter_input;
}

const TallyPriceRule *
tally_tool_get_price_rule (TallyTool *self)
{
  g_return_val_if_fail (TALLY_IS_TOOL (self), NULL);

  return &self->rule;
}

guint
tally_tool_get_n_inputs (TallyTool *self)
{
  g_return_val_if_fail (TALLY_IS_TOOL (self), 0);

  return self->inputs->len;
}

const TallyToolInput *
tally_tool_get_input (TallyTool *self,
                      guint      index)
{
  g_return_val_if_fail (TALLY_IS_TOOL (self), NULL);
  g_return_val_if_fail (index < self->inputs->len, NULL);

  return g_ptr_array_index (self->inputs, index);
}

const TallyToolInput *
tally_tool_find_input (TallyTool  *self,
                       const char *input_id)
{
  g_return_val_if_fail (TALLY_IS_TOOL (self), NULL);
  g_return_val_if_fail (input_id != NULL, NULL);

  for (guint i = 0; i < self->inputs->len; i++)
    {
      const TallyToolInput *input = g_ptr_array_index (self->inputs, i);

      if (g_str_equal (input->id, input_id))
        return input;
    }

  return NULL;
}

const char *
tally_tool_get_builtin (TallyTool *self)
{
  g_return_val_if_fail (TALLY_IS_TOOL (self), NULL);

  return self->builtin;
}

const char * const *
tally_tool_get_command (TallyTool *self)
{
  g_return_val_if_fail (TALLY_IS_TOOL (self), NULL);

  return (const char * const *) self->command;
}

const char *
tally_tool_get_output_suffix (TallyTool *self)
{
  g_return_val_if_fail (TALLY_IS_TOOL (self), NULL);

  return self->output_suffix;
}

/* Checking and measuring inputs */

static gboolean
input_invalid (GError               **error,
               const TallyToolInput  *input,
               const char            *message)
{
  return invalid (error, "inputs", input->id, "%s", message);
}

static gboolean
check_file_value (TallyTool             *self,
                  const TallyToolInput  *input,
                  JsonNode              *node,
                  GError               **error)
{
  gboolean metered = self->meter == TALLY_METER_VALUE &&
                     g_str_equal (self->meter_input, input->id);

  /* A metered file is given as the measure the caller took of it (pages,
   * megapixels...); others may be given by name too. */
  if (node_is_type (node, G_TYPE_INT64))
    {
      if (json_node_get_int (node) < 0)
        return input_invalid (error, input, "must not be negative");
      return TRUE;
    }

  if (metered)
    return input_invalid (error, input, "must be the measured quantity, a whole number");
  if (input->multiple && JSON_NODE_HOLDS_ARRAY (node))
    return TRUE;
  if (!node_is_type (node, G_TYPE_STRING))
    return input_invalid (error, input, "must be a measured quantity or a file name");

  return TRUE;
}

static gboolean
check_text_value (const TallyToolInput  *input,
                  JsonNode              *node,
                  GError               **error)
{
  const char *str;
  glong length;

  if (!node_is_type (node, G_TYPE_STRING))
    return input_invalid (error, input, "must be a string");

  str = json_node_get_string (node);
  if (!g_utf8_validate (str, -1, NULL))
    return input_invalid (error, input, "must be valid UTF-8");

  length = g_utf8_strlen (str, -1);
  if (length < input->min || length > input->max)
    return invalid (error, "inputs", input->id,
                    "must have from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT " characters",
                    input->min, input->max);

  return TRUE;
}

static gboolean
check_number_value (const TallyToolInput  *input,
                    JsonNode              *node,
                    GError               **error)
{
  gint64 value;

  if (!node_is_type (node, G_TYPE_INT64))
    return input_invalid (error, input, "must be an integer");

  value = json_node_get_int (node);
  if (value < input->min || value > input->max)
    return invalid (error, "inputs", input->id,
                    "must be from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
                    input->min, input->max);

  return TRUE;
}

static gboolean
check_choice_value (const TallyToolInput  *input,
                    JsonNode              *node,
                    GError               **error)
{
  g_autofree char *list = NULL;

  if (node_is_type (node, G_TYPE_STRING) &&
      g_strv_contains ((const char * const *) input->choices, json_node_get_string (node)))
    return TRUE;

  list = g_strjoinv (", ", input->choices);
  return invalid (error, "inputs", input->id, "must be one of %s", list);
}

static gboolean
check_input_value (TallyTool             *self,
                   const TallyToolInput  *input,
                   JsonNode              *node,
                   GError               **error)
{
  switch (input->type)
    {
    case TALLY_INPUT_TYPE_FILE:
      return check_file_value (self, input, node, error);

    case TALLY_INPUT_TYPE_TEXT:
      return check_text_value (input, node, error);

    case TALLY_INPUT_TYPE_NUMBER:
      return check_number_value (input, node, error);

    case TALLY_INPUT_TYPE_CHOICE:
      return check_choice_value (input, node, error);

    default:
      g_assert_not_reached ();
    }
}

gint64
tally_tool_count_words (const char *text)
{
  gint64 words = 0;
  gboolean in_word = FALSE;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_isspace (g_utf8_get_char (p)))
        in_word = FALSE;
      else if (!in_word)
        {
          in_word = TRUE;
          words++;
        }
    }

  return words;
}

static gint64
units_of_text (TallyTool  *self,
               const char *text)
{
  switch (self->meter)
    {
    case TALLY_METER_WORDS:
      return tally_tool_count_words (text);

    case TALLY_METER_CHARACTERS:
      return g_utf8_strlen (text, -1);

    case TALLY_METER_VALUE:
    case TALLY_METER_RUN:
    default:
      g_assert_not_reached ();
    }
}

/* The units of the metered input, whose value (when given) was checked.
 * An input left out runs with its default, so it is measured too. */
static gint64
units_of_input (TallyTool            *self,
                const TallyToolInput *input,
                JsonNode             *node)
{
  gint64 number = -1;

  if (node == NULL && input->default_value == NULL)
    return -1;

  if (node == NULL && input->type == TALLY_INPUT_TYPE_TEXT)
    return units_of_text (self, input->default_value);

  if (node == NULL)
    {
      /* Checked when the tool was loaded. */
      g_ascii_string_to_signed (input->default_value, 10, input->min, input->max,
                                &number, NULL);
      return number;
    }

  if (self->meter == TALLY_METER_VALUE)
    return json_node_get_int (node);

  return units_of_text (self, json_node_get_string (node));
}

gboolean
tally_tool_measure_units (TallyTool   *self,
                          JsonObject  *inputs,
                          gint64      *units,
                          GError     **error)
{
  g_return_val_if_fail (TALLY_IS_TOOL (self), FALSE);
  g_return_val_if_fail (units != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *units = -1;
  if (inputs == NULL)
    return TRUE;

  /* Unknown ids are ignored, as the API ignores unknown fields. */
  for (guint i = 0; i < self->inputs->len; i++)
    {
      const TallyToolInput *input = g_ptr_array_index (self->inputs, i);
      JsonNode *node = lookup_member (inputs, input->id);

      if (node == NULL && input->required)
        return input_invalid (error, input, "required");
      if (node != NULL && !check_input_value (self, input, node, error))
        return FALSE;
    }

  if (self->meter == TALLY_METER_RUN)
    *units = 1;
  else
    *units = units_of_input (self, tally_tool_find_input (self, self->meter_input),
                             lookup_member (inputs, self->meter_input));

  return TRUE;
}

gboolean
tally_tool_estimate (TallyTool      *self,
                     JsonObject     *inputs,
                     const gint64   *past_costs,
                     gsize           n_past_costs,
                     TallyEstimate  *estimate,
                     GError        **error)
{
  gint64 units;

  g_return_val_if_fail (TALLY_IS_TOOL (self), FALSE);
  g_return_val_if_fail (past_costs != NULL || n_past_costs == 0, FALSE);
  g_return_val_if_fail (estimate != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!tally_tool_measure_units (self, inputs, &units, error))
    return FALSE;

  /* Said here in the tool's own unit, which the price rule does not know. */
  if (units >= 0 && (units < self->rule.min_units || units > self->rule.max_units))
    {
      g_set_error (error, TALLY_PRICING_ERROR, TALLY_PRICING_ERROR_OUT_OF_RANGE,
                   "inputs.%s: %" G_GINT64_FORMAT " %s is outside what one run may have "
                   "(%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT ")",
                   self->meter_input, units, units == 1 ? self->unit_singular : self->unit,
                   self->rule.min_units, self->rule.max_units);
      return FALSE;
    }

  return tally_price_rule_estimate (&self->rule, units, past_costs, n_past_costs,
                                    estimate, error);
}
