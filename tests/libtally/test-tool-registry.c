/* test-tool-registry.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-tool-registry.h"
#include "tally-test-common.h"

/* A valid tool with one input of each type, metered by the words of "text":
 * cost = max (2, 1 + 2 * ceil (words / 10)), 1 to 100 words. */
static const char sample_tool_json[] =
  "{"
  "  \"id\": \"sample\","
  "  \"name\": \"Sample\","
  "  \"category\": \"text\","
  "  \"description\": \"A tool for tests.\","
  "  \"unit\": \"words\","
  "  \"unit_singular\": \"word\","
  "  \"inputs\": ["
  "    {\"id\": \"text\", \"label\": \"Text\", \"type\": \"text\", \"required\": true,"
  "     \"min\": 1, \"max\": 1000},"
  "    {\"id\": \"count\", \"label\": \"Count\", \"type\": \"number\", \"min\": 1, \"max\": 10,"
  "     \"default\": 3},"
  "    {\"id\": \"mode\", \"label\": \"Mode\", \"type\": \"choice\","
  "     \"choices\": [\"fast\", \"slow\"], \"default\": \"fast\"},"
  "    {\"id\": \"file\", \"label\": \"File\", \"type\": \"file\", \"accept\": [\"text/plain\"]}"
  "  ],"
  "  \"meter\": {\"measure\": \"words\", \"input\": \"text\"},"
  "  \"pricing\": {\"base\": 1, \"rate\": 2, \"per\": 10, \"minimum\": 2, \"min_units\": 1,"
  "              \"max_units\": 100, \"typical_units\": 20},"
  "  \"run\": {\"builtin\": \"sample\"}"
  "}";

/* Helpers */

static JsonNode *
parse_json (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);

  return node;
}

static JsonObject *
step_into (JsonObject *object,
           const char *segment)
{
  const char *bracket = strchr (segment, '[');
  g_autofree char *name = NULL;
  JsonArray *array;

  if (bracket == NULL)
    return json_object_get_object_member (object, segment);

  name = g_strndup (segment, bracket - segment);
  array = json_object_get_array_member (object, name);
  return json_array_get_object_element (array, (guint) g_ascii_strtoull (bracket + 1, NULL, 10));
}

/* The sample tool with the member at @path ("pricing.per", "inputs[1].max")
 * set to @value_json, or removed when that is NULL. */
static JsonNode *
sample_with (const char *path,
             const char *value_json)
{
  JsonNode *root = parse_json (sample_tool_json);
  g_auto(GStrv) segments = g_strsplit (path, ".", -1);
  JsonObject *object = json_node_get_object (root);
  guint n = g_strv_length (segments);

  for (guint i = 0; i + 1 < n; i++)
    object = step_into (object, segments[i]);

  if (value_json == NULL)
    json_object_remove_member (object, segments[n - 1]);
  else
    json_object_set_member (object, segments[n - 1], parse_json (value_json));

  return root;
}

static JsonNode *
sample_node (const char *id,
             const char *category,
             const char *name)
{
  JsonNode *root = parse_json (sample_tool_json);
  JsonObject *object = json_node_get_object (root);

  json_object_set_string_member (object, "id", id);
  json_object_set_string_member (object, "category", category);
  json_object_set_string_member (object, "name", name);

  return root;
}

static TallyTool *
new_tool (JsonNode *node)
{
  g_autoptr(GError) error = NULL;
  TallyTool *tool = tally_tool_new_from_json (node, &error);

  g_assert_no_error (error);
  g_assert_true (TALLY_IS_TOOL (tool));

  return tool;
}

static TallyTool *
sample_tool (void)
{
  g_autoptr(JsonNode) node = parse_json (sample_tool_json);

  return new_tool (node);
}

static char *
node_to_string (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

static void
write_file (const char *directory,
            const char *name,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (directory, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
write_tool_file (const char *directory,
                 const char *name,
                 JsonNode   *node)
{
  g_autofree char *json = json_to_string (node, TRUE);

  write_file (directory, name, json);
}

static char *
make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *path = g_dir_make_tmp ("tally-tools-XXXXXX", &error);

  g_assert_no_error (error);
  return path;
}

/* Measures @inputs_json with @tool; NULL inputs when that is NULL. */
static gboolean
measure (TallyTool   *tool,
         const char  *inputs_json,
         gint64      *units,
         GError     **error)
{
  g_autoptr(JsonNode) inputs = inputs_json != NULL ? parse_json (inputs_json) : NULL;

  return tally_tool_measure_units (tool,
                                   inputs != NULL ? json_node_get_object (inputs) : NULL,
                                   units, error);
}

static gint64
units_of (TallyTool  *tool,
          const char *inputs_json)
{
  g_autoptr(GError) error = NULL;
  gint64 units = -7;

  g_assert_true (measure (tool, inputs_json, &units, &error));
  g_assert_no_error (error);

  return units;
}

static void
assert_measure_fails (TallyTool  *tool,
                      const char *inputs_json,
                      const char *message)
{
  g_autoptr(GError) error = NULL;
  gint64 units = -7;

  g_assert_false (measure (tool, inputs_json, &units, &error));
  g_assert_error (error, TALLY_TOOL_ERROR, TALLY_TOOL_ERROR_INVALID);
  if (!g_str_has_prefix (error->message, message))
    g_error ("expected \"%s...\", got \"%s\"", message, error->message);
}

/* Parsing */

static void
test_tool_parse (void)
{
  g_autoptr(TallyTool) tool = sample_tool ();
  g_autoptr(TallyTool) again = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) node_again = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json_again = NULL;
  g_autofree char *category = NULL;
  const TallyToolInput *input;
  const TallyPriceRule *rule;

  g_assert_cmpstr (tally_tool_get_id (tool), ==, "sample");
  g_assert_cmpstr (tally_tool_get_name (tool), ==, "Sample");
  g_assert_cmpstr (tally_tool_get_category (tool), ==, "text");
  g_assert_cmpstr (tally_tool_get_description (tool), ==, "A tool for tests.");
  g_assert_cmpstr (tally_tool_get_unit (tool), ==, "words");
  g_assert_cmpstr (tally_tool_get_unit_singular (tool), ==, "word");
  g_assert_cmpint (tally_tool_get_meter (tool), ==, TALLY_METER_WORDS);
  g_assert_cmpstr (tally_tool_get_meter_input (tool), ==, "text");
  g_assert_cmpstr (tally_tool_get_builtin (tool), ==, "sample");
  g_assert_null (tally_tool_get_command (tool));

  g_object_get (tool, "category", &category, NULL);
  g_assert_cmpstr (category, ==, "text");

  rule = tally_tool_get_price_rule (tool);
  g_assert_cmpint (rule->base, ==, 1);
  g_assert_cmpint (rule->rate, ==, 2);
  g_assert_cmpint (rule->per, ==, 10);
  g_assert_cmpint (rule->minimum, ==, 2);
  g_assert_cmpint (rule->min_units, ==, 1);
  g_assert_cmpint (rule->max_units, ==, 100);
  g_assert_cmpint (rule->typical_units, ==, 20);

  g_assert_cmpuint (tally_tool_get_n_inputs (tool), ==, 4);
  input = tally_tool_get_input (tool, 0);
  g_assert_cmpstr (input->id, ==, "text");
  g_assert_cmpint (input->type, ==, TALLY_INPUT_TYPE_TEXT);
  g_assert_true (input->required);
  g_assert_cmpint (input->max, ==, 1000);

  input = tally_tool_find_input (tool, "count");
  g_assert_cmpint (input->type, ==, TALLY_INPUT_TYPE_NUMBER);
  g_assert_false (input->required);
  g_assert_cmpstr (input->default_value, ==, "3");

  input = tally_tool_find_input (tool, "mode");
  g_assert_cmpint (input->type, ==, TALLY_INPUT_TYPE_CHOICE);
  g_assert_cmpstrv (input->choices, ((const char * const []) { "fast", "slow", NULL }));

  input = tally_tool_find_input (tool, "file");
  g_assert_cmpint (input->type, ==, TALLY_INPUT_TYPE_FILE);
  g_assert_cmpstrv (input->choices, ((const char * const []) { "text/plain", NULL }));
  g_assert_false (input->multiple);

  g_assert_null (tally_tool_find_input (tool, "nope"));

  /* The API form reads back as the same tool. */
  node = tally_tool_to_json (tool);
  json = node_to_string (node);
  again = new_tool (node);
  node_again = tally_tool_to_json (again);
  json_again = node_to_string (node_again);
  g_assert_cmpstr (json, ==, json_again);
  g_assert_nonnull (strstr (json, "\"run\":{\"builtin\":\"sample\"}"));
}

static void
test_tool_parse_errors (void)
{
  static const struct {
    const char *path;
    const char *value;
    const char *message;
  } cases[] = {
    { "pricing.per", "-1", "pricing.per: must be a positive integer" },
    { "pricing.per", "0", "pricing.per: must be a positive integer" },
    { "pricing.per", "\"10\"", "pricing.per: must be an integer" },
    { "pricing.per", "1.5", "pricing.per: must be an integer" },
    { "pricing.base", NULL, "pricing.base: missing" },
    { "pricing.base", "-1", "pricing.base: must not be negative" },
    { "pricing.typical_units", "500", "pricing.typical_units:" },
    { "pricing.max_units", "0", "pricing.max_units:" },
    { "pricing.rate", "9223372036854775807", "pricing.max_units:" },
    { "pricing.extra", "1", "pricing.extra: unknown field" },
    { "pricing", "[]", "pricing: must be an object" },
    { "unit", NULL, "unit: missing" },
    { "name", "42", "name: must be a string" },
    { "name", "\"\"", "name: must not be empty" },
    { "description", "null", "description: missing" },
    { "id", "\"Bad Id\"", "id: must be lowercase" },
    { "id", "\"-sample\"", "id: must be lowercase" },
    { "category", "\"Text\"", "category: must be lowercase" },
    { "colour", "\"red\"", "colour: unknown field" },
    { "inputs", "{}", "inputs: must be an array" },
    { "inputs[0].type", "\"blob\"", "inputs[0].type: must be file, text, number or choice" },
    { "inputs[0].min", "-1", "inputs[0].min: must not be negative" },
    { "inputs[0].label", NULL, "inputs[0].label: missing" },
    { "inputs[1].max", "0", "inputs[1].max: must not be less than min" },
    { "inputs[1].max", NULL, "inputs[1].max: missing" },
    { "inputs[1].default", "\"11\"", "inputs[1].default: must be an integer" },
    { "inputs[1].default", "\"three\"", "inputs[1].default: must be an integer" },
    { "inputs[1].default", "11", "inputs[1].default: must be an integer" },
    { "inputs[1].default", "1.5", "inputs[1].default: must be an integer" },
    { "inputs[1].id", "\"text\"", "inputs[1].id: another input is already named \"text\"" },
    { "inputs[2].default", "\"medium\"", "inputs[2].default: must be one of the choices" },
    { "inputs[2].choices", "[]", "inputs[2].choices: must have 1 to" },
    { "inputs[2].choices", "[\"a\", \"a\"]", "inputs[2].choices[1]: \"a\" is listed twice" },
    { "inputs[2].choices", "[\"fast\", 2]", "inputs[2].choices[1]: must be a string" },
    { "inputs[2].min", "1", "inputs[2].min: unknown field" },
    { "inputs[3].accept", "[\"text\"]", "inputs[3].accept: \"text\" is not a MIME type" },
    { "inputs[3].multiple", "\"yes\"", "inputs[3].multiple: must be true or false" },
    { "inputs[3].default", "\"a.txt\"", "inputs[3].default: unknown field" },
    { "meter.input", "\"nope\"", "meter.input: no input is named \"nope\"" },
    { "meter.input", "\"count\"", "meter.input: measure \"words\" needs a text input" },
    { "meter.input", NULL, "meter.input: missing" },
    { "meter.measure", "\"pages\"", "meter.measure: must be value, words, characters or run" },
    { "meter.measure", "\"value\"", "meter.input: measure \"value\" needs a number or file" },
    { "meter.measure", "\"run\"", "meter.input: not allowed" },
    { "meter", NULL, "meter: missing" },
    { "run.builtin", NULL, "run: must have either" },
    { "run.command", "[\"echo\"]", "run: must have either" },
    { "run.builtin", "\"../sh\"", "run.builtin: must be lowercase" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = sample_with (cases[i].path, cases[i].value);
      g_autoptr(GError) error = NULL;
      g_autoptr(TallyTool) tool = tally_tool_new_from_json (node, &error);

      g_assert_null (tool);
      g_assert_error (error, TALLY_TOOL_ERROR, TALLY_TOOL_ERROR_INVALID);
      if (!g_str_has_prefix (error->message, cases[i].message))
        g_error ("%s = %s: expected \"%s...\", got \"%s\"", cases[i].path,
                 cases[i].value, cases[i].message, error->message);
    }
}

static void
test_tool_parse_not_object (void)
{
  g_autoptr(JsonNode) node = parse_json ("[1, 2]");
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyTool) tool = tally_tool_new_from_json (node, &error);

  g_assert_null (tool);
  g_assert_error (error, TALLY_TOOL_ERROR, TALLY_TOOL_ERROR_INVALID);
}

static void
test_tool_parse_command (void)
{
  static const struct {
    const char *command;
    const char *message;
  } bad[] = {
    { "[\"{text}\", \"x\"]", "run.command[0]: the program must not be a placeholder" },
    { "[\"tool\", \"--x={text}\"]", "run.command[1]: a placeholder must be a whole element" },
    { "[\"tool\", \"{nope}\"]", "run.command[1]: no input is named \"nope\"" },
    { "[\"tool\", \"{file}\"]",
      "run.command[1]: input \"file\" must be required or have a default" },
    { "[]", "run.command: must have 1 to" },
    { "[\"tool\", \"\"]", "run.command[1]: must not be empty" },
  };
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(TallyTool) tool = NULL;

  /* Repeated elements are fine in an argv. */
  node = sample_with ("run",
                      "{\"command\": [\"tool\", \"-v\", \"-v\", \"{count}\", \"{text}\","
                      " \"{mode}\", \"{output}\"]}");
  tool = new_tool (node);
  g_assert_null (tally_tool_get_builtin (tool));
  g_assert_cmpstrv (tally_tool_get_command (tool),
                    ((const char * const []) { "tool", "-v", "-v", "{count}", "{text}",
                                               "{mode}", "{output}", NULL }));
  g_assert_null (tally_tool_get_output_suffix (tool));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *run = g_strdup_printf ("{\"command\": %s}", bad[i].command);
      g_autoptr(JsonNode) bad_node = sample_with ("run", run);
      g_autoptr(GError) error = NULL;
      g_autoptr(TallyTool) bad_tool = tally_tool_new_from_json (bad_node, &error);

      g_assert_null (bad_tool);
      g_assert_error (error, TALLY_TOOL_ERROR, TALLY_TOOL_ERROR_INVALID);
      if (!g_str_has_prefix (error->message, bad[i].message))
        g_error ("%s: expected \"%s...\", got \"%s\"", bad[i].command, bad[i].message,
                 error->message);
    }
}

/* A command names its output file's ending; a built-in's is its own. */
static void
test_tool_parse_output_suffix (void)
{
  static const struct {
    const char *run;
    const char *message;
  } bad[] = {
    { "{\"command\": [\"tool\"], \"output_suffix\": \"wav\"}",
      "run.output_suffix: must be a dot" },
    { "{\"command\": [\"tool\"], \"output_suffix\": \".\"}",
      "run.output_suffix: must be a dot" },
    { "{\"command\": [\"tool\"], \"output_suffix\": \".w/v\"}",
      "run.output_suffix: must be a dot" },
    { "{\"builtin\": \"x\", \"output_suffix\": \".wav\"}",
      "run.output_suffix: is for commands only" },
  };
  g_autoptr(JsonNode) node = sample_with ("run", "{\"command\": [\"tool\", \"{output}\"],"
                                                 " \"output_suffix\": \".tar.gz\"}");
  g_autoptr(TallyTool) tool = new_tool (node);
  g_autoptr(JsonNode) json = tally_tool_to_json (tool);
  g_autoptr(TallyTool) again = new_tool (json);

  g_assert_cmpstr (tally_tool_get_output_suffix (tool), ==, ".tar.gz");
  g_assert_cmpstr (tally_tool_get_output_suffix (again), ==, ".tar.gz");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) bad_node = sample_with ("run", bad[i].run);
      g_autoptr(GError) error = NULL;
      g_autoptr(TallyTool) bad_tool = tally_tool_new_from_json (bad_node, &error);

      g_assert_null (bad_tool);
      g_assert_error (error, TALLY_TOOL_ERROR, TALLY_TOOL_ERROR_INVALID);
      if (!g_str_has_prefix (error->message, bad[i].message))
        g_error ("%s: expected \"%s...\", got \"%s\"", bad[i].run, bad[i].message,
                 error->message);
    }
}

/* Measuring */

static void
test_tool_measure_errors (void)
{
  g_autoptr(TallyTool) tool = sample_tool ();

  assert_measure_fails (tool, "{}", "inputs.text: required");
  assert_measure_fails (tool, "{\"text\": null}", "inputs.text: required");
  assert_measure_fails (tool, "{\"text\": 5}", "inputs.text: must be a string");
  assert_measure_fails (tool, "{\"text\": \"\"}", "inputs.text: must have from 1 to 1000");
  assert_measure_fails (tool, "{\"text\": \"a\", \"count\": \"5\"}",
                        "inputs.count: must be an integer");
  assert_measure_fails (tool, "{\"text\": \"a\", \"count\": 2.5}",
                        "inputs.count: must be an integer");
  assert_measure_fails (tool, "{\"text\": \"a\", \"count\": 11}",
                        "inputs.count: must be from 1 to 10");
  assert_measure_fails (tool, "{\"text\": \"a\", \"count\": 0}",
                        "inputs.count: must be from 1 to 10");
  assert_measure_fails (tool, "{\"text\": \"a\", \"mode\": \"medium\"}",
                        "inputs.mode: must be one of fast, slow");
  assert_measure_fails (tool, "{\"text\": \"a\", \"mode\": 1}",
                        "inputs.mode: must be one of fast, slow");
  assert_measure_fails (tool, "{\"text\": \"a\", \"file\": -1}",
                        "inputs.file: must not be negative");
  assert_measure_fails (tool, "{\"text\": \"a\", \"file\": true}",
                        "inputs.file: must be a measured quantity or a file name");
}

static void
test_tool_measure_valid (void)
{
  g_autoptr(TallyTool) tool = sample_tool ();

  g_assert_cmpint (units_of (tool, NULL), ==, -1);
  g_assert_cmpint (units_of (tool, "{\"text\": \"one two three\"}"), ==, 3);
  /* Unknown ids are ignored; null is the same as absent. */
  g_assert_cmpint (units_of (tool, "{\"text\": \"one two\", \"other\": [1], \"count\": null}"),
                   ==, 2);
  g_assert_cmpint (units_of (tool, "{\"text\": \"a\", \"count\": 10, \"mode\": \"slow\","
                                   " \"file\": \"notes.txt\"}"), ==, 1);
  g_assert_cmpint (units_of (tool, "{\"text\": \"a\", \"file\": 12}"), ==, 1);
}

static void
test_tool_measure_words (void)
{
  g_autoptr(TallyTool) tool = sample_tool ();

  g_assert_cmpint (units_of (tool, "{\"text\": \"   \"}"), ==, 0);
  g_assert_cmpint (units_of (tool, "{\"text\": \"héllo wörld\"}"), ==, 2);
  /* No-break and ideographic spaces separate words too. */
  g_assert_cmpint (units_of (tool,
                             "{\"text\": \"  Grüße\\u00a0aus\\u3000東京\\tund\\nZürich  \"}"),
                   ==, 5);
  g_assert_cmpint (units_of (tool, "{\"text\": \"日本語のテキスト\"}"), ==, 1);
  g_assert_cmpint (units_of (tool, "{\"text\": \"a\\u2028b\\u2029c\\r\\nd\"}"), ==, 4);
  g_assert_cmpint (units_of (tool, "{\"text\": \"déjà-vu — «ça»\"}"), ==, 3);
}

static void
test_tool_measure_characters (void)
{
  g_autoptr(JsonNode) node = sample_with ("meter.measure", "\"characters\"");
  g_autoptr(TallyTool) tool = new_tool (node);

  g_assert_cmpint (units_of (tool, "{\"text\": \"héllo\"}"), ==, 5);
  g_assert_cmpint (units_of (tool, "{\"text\": \"東京 \"}"), ==, 3);
  /* Code points, not bytes: thumbs up and a skin tone are two. */
  g_assert_cmpint (units_of (tool, "{\"text\": \"\\ud83d\\udc4d\\ud83c\\udffd\"}"), ==, 2);
}

static void
test_tool_measure_value (void)
{
  g_autoptr(JsonNode) number_node = sample_with ("meter",
                                                 "{\"measure\": \"value\", \"input\": \"count\"}");
  g_autoptr(JsonNode) file_node = sample_with ("meter",
                                               "{\"measure\": \"value\", \"input\": \"file\"}");
  g_autoptr(TallyTool) number_tool = new_tool (number_node);
  g_autoptr(TallyTool) file_tool = new_tool (file_node);
  g_autoptr(TallyTool) no_default_tool = NULL;
  JsonObject *count_input;

  g_assert_cmpint (tally_tool_get_meter (number_tool), ==, TALLY_METER_VALUE);
  g_assert_cmpint (units_of (number_tool, "{\"text\": \"a b c d\", \"count\": 7}"), ==, 7);
  /* A metered input left out runs with its default. */
  g_assert_cmpint (units_of (number_tool, "{\"text\": \"a\"}"), ==, 3);
  g_assert_cmpint (units_of (number_tool, NULL), ==, -1);

  count_input = json_array_get_object_element (
    json_object_get_array_member (json_node_get_object (number_node), "inputs"), 1);
  json_object_remove_member (count_input, "default");
  no_default_tool = new_tool (number_node);
  g_assert_cmpint (units_of (no_default_tool, "{\"text\": \"a\"}"), ==, -1);

  /* A metered file is given as the measure the caller took. */
  g_assert_cmpint (units_of (file_tool, "{\"text\": \"a\", \"file\": 12}"), ==, 12);
  g_assert_cmpint (units_of (file_tool, "{\"text\": \"a\"}"), ==, -1);
  assert_measure_fails (file_tool, "{\"text\": \"a\", \"file\": \"notes.txt\"}",
                        "inputs.file: must be the measured quantity");
}

static void
test_tool_estimate (void)
{
  g_autoptr(TallyTool) tool = sample_tool ();
  g_autoptr(JsonNode) inputs = NULL;
  g_autoptr(JsonNode) run_node = sample_with ("meter", "{\"measure\": \"run\"}");
  g_autoptr(TallyTool) run_tool = new_tool (run_node);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  const gint64 history[] = { 14, 9, 17, 13, 15 };
  TallyEstimate estimate;

  g_assert_true (tally_tool_estimate (tool, NULL, NULL, 0, &estimate, &error));
  g_assert_no_error (error);
  g_assert_cmpint (estimate.units, ==, -1);
  g_assert_cmpint (estimate.min, ==, 3);
  g_assert_cmpint (estimate.typical, ==, 5);
  g_assert_cmpint (estimate.max, ==, 21);

  /* Enough runs of their own: their median. */
  g_assert_true (tally_tool_estimate (tool, NULL, history, G_N_ELEMENTS (history),
                                      &estimate, &error));
  g_assert_cmpint (estimate.typical, ==, 14);

  inputs = parse_json ("{\"text\": \"one two three four five six seven eight nine ten eleven\"}");
  g_assert_true (tally_tool_estimate (tool, json_node_get_object (inputs), NULL, 0,
                                      &estimate, &error));
  g_assert_no_error (error);
  g_assert_cmpint (estimate.units, ==, 11);
  g_assert_cmpint (estimate.min, ==, 3);
  g_assert_cmpint (estimate.typical, ==, 5);
  g_assert_cmpint (estimate.max, ==, 5);

  /* More words than a run may have: said in the tool's unit. */
  for (guint i = 0; i < 101; i++)
    g_string_append (text, "word ");
  json_object_set_string_member (json_node_get_object (inputs), "text", text->str);
  g_assert_false (tally_tool_estimate (tool, json_node_get_object (inputs), NULL, 0,
                                       &estimate, &error));
  g_assert_error (error, TALLY_PRICING_ERROR, TALLY_PRICING_ERROR_OUT_OF_RANGE);
  g_assert_true (g_str_has_prefix (error->message, "inputs.text: 101 words"));
  g_clear_error (&error);

  json_object_set_string_member (json_node_get_object (inputs), "text", " ");
  g_assert_false (tally_tool_estimate (tool, json_node_get_object (inputs), NULL, 0,
                                       &estimate, &error));
  g_assert_error (error, TALLY_PRICING_ERROR, TALLY_PRICING_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);

  /* Invalid inputs are the tool's error. */
  json_object_set_int_member (json_node_get_object (inputs), "count", 99);
  g_assert_false (tally_tool_estimate (tool, json_node_get_object (inputs), NULL, 0,
                                       &estimate, &error));
  g_assert_error (error, TALLY_TOOL_ERROR, TALLY_TOOL_ERROR_INVALID);
  g_clear_error (&error);

  /* Per run: always one unit. */
  g_assert_cmpint (units_of (run_tool, "{\"text\": \"a b c\"}"), ==, 1);
}

/* The registry */

static const char *
tools_dir (void)
{
  const char *dir = g_getenv ("TALLY_TOOLS_DIR");

  if (dir == NULL)
    g_test_skip ("TALLY_TOOLS_DIR is not set");

  return dir;
}

static GError *
error_at (GPtrArray *file_errors,
          guint      index)
{
  g_assert_cmpuint (index, <, file_errors->len);

  return g_ptr_array_index (file_errors, index);
}

static void
assert_no_file_errors (GPtrArray *file_errors)
{
  for (guint i = 0; i < file_errors->len; i++)
    g_test_message ("%s", error_at (file_errors, i)->message);
  g_assert_cmpuint (file_errors->len, ==, 0);
}

static void
test_registry_real_tools (void)
{
  const char *dir = tools_dir ();
  g_autoptr(TallyToolRegistry) registry = tally_tool_registry_new ();
  g_autoptr(GPtrArray) file_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) categories = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_items;

  if (dir == NULL)
    return;

  g_assert_true (tally_tool_registry_load_directory (registry, dir, file_errors, &error));
  g_assert_no_error (error);
  assert_no_file_errors (file_errors);

  n_items = g_list_model_get_n_items (G_LIST_MODEL (registry));
  g_assert_cmpuint (n_items, >=, 24);

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(TallyTool) tool = g_list_model_get_item (G_LIST_MODEL (registry), i);
      TallyEstimate estimate;

      g_assert_true (tally_tool_estimate (tool, NULL, NULL, 0, &estimate, &error));
      g_assert_no_error (error);
      g_assert_cmpint (estimate.units, ==, -1);
      g_assert_cmpint (estimate.min, >, 0);
      g_assert_cmpint (estimate.min, <=, estimate.typical);
      g_assert_cmpint (estimate.typical, <=, estimate.max);
      /* Credits are cheap: a typical run costs a few to a few dozen. */
      g_assert_cmpint (estimate.typical, <=, 50);

      g_assert_true (tally_tool_registry_lookup (registry, tally_tool_get_id (tool)) == tool);
      g_hash_table_add (categories, g_strdup (tally_tool_get_category (tool)));
    }

  g_assert_cmpuint (g_hash_table_size (categories), >=, 5);
  g_assert_null (tally_tool_registry_lookup (registry, "no-such-tool"));
}

static void
test_registry_missing_directory (void)
{
  g_autoptr(TallyToolRegistry) registry = tally_tool_registry_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (tally_tool_registry_load_directory (registry, "/nonexistent/tally/tools",
                                                      NULL, &error));
  g_assert_nonnull (error);
}

static void
test_registry_bad_files (void)
{
  static const struct {
    const char *file;
    const char *path;
    const char *value;
    const char *field;
  } bad[] = {
    { "missing-field.json", "unit", NULL, "unit" },
    { "wrong-type.json", "name", "42", "name" },
    { "negative-per.json", "pricing.per", "-3", "pricing.per" },
    { "bad-meter.json", "meter.input", "\"nope\"", "meter.input" },
  };
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *other_dir = make_temp_dir ();
  g_autoptr(TallyToolRegistry) registry = tally_tool_registry_new ();
  g_autoptr(GPtrArray) file_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) good_one = sample_node ("good-one", "text", "Good one");
  g_autoptr(JsonNode) good_two = sample_node ("good-two", "data", "Good two");
  g_autoptr(JsonNode) misnamed = sample_node ("other-name", "data", "Misnamed");
  guint n_bad = 0;

  write_tool_file (dir, "good-one.json", good_one);
  write_tool_file (dir, "good-two.json", good_two);
  write_tool_file (dir, "misnamed.json", misnamed);
  write_file (dir, "bad-json.json", "{\"id\": \"bad-json\", ");
  write_file (dir, "README", "not a tool, not read");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonNode) node = sample_with (bad[i].path, bad[i].value);
      g_autofree char *id = g_strndup (bad[i].file, strlen (bad[i].file) - 5);

      json_object_set_string_member (json_node_get_object (node), "id", id);
      write_tool_file (dir, bad[i].file, node);
    }

  g_assert_true (tally_tool_registry_load_directory (registry, dir, file_errors, &error));
  g_assert_no_error (error);

  /* The good ones load regardless. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (registry)), ==, 2);
  g_assert_nonnull (tally_tool_registry_lookup (registry, "good-one"));
  g_assert_nonnull (tally_tool_registry_lookup (registry, "good-two"));

  /* One error per bad file, in file name order, naming file and field. */
  g_assert_cmpuint (file_errors->len, ==, G_N_ELEMENTS (bad) + 2);
  g_assert_true (g_str_has_prefix (error_at (file_errors, 0)->message, "bad-json.json:1:"));
  g_assert_true (error_at (file_errors, 0)->domain == JSON_PARSER_ERROR);

  for (guint i = 0; i < file_errors->len; i++)
    {
      GError *file_error = g_ptr_array_index (file_errors, i);

      for (guint j = 0; j < G_N_ELEMENTS (bad); j++)
        {
          g_autofree char *prefix = g_strdup_printf ("%s: %s:", bad[j].file, bad[j].field);

          if (g_str_has_prefix (file_error->message, prefix))
            {
              g_assert_error (file_error, TALLY_TOOL_ERROR, TALLY_TOOL_ERROR_INVALID);
              n_bad++;
            }
        }
    }
  g_assert_cmpuint (n_bad, ==, G_N_ELEMENTS (bad));
  g_assert_true (g_str_has_prefix (error_at (file_errors, 2)->message,
                                   "misnamed.json: id: \"other-name\" does not match"));

  /* The same id again, from another directory. */
  g_ptr_array_set_size (file_errors, 0);
  write_tool_file (other_dir, "good-one.json", good_one);
  g_assert_true (tally_tool_registry_load_directory (registry, other_dir, file_errors, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (file_errors->len, ==, 1);
  g_assert_error (error_at (file_errors, 0), TALLY_TOOL_ERROR, TALLY_TOOL_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error_at (file_errors, 0)->message,
                                   "good-one.json: id: another tool is already named"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (registry)), ==, 2);

  /* Errors may also be left unwanted. */
  g_assert_true (tally_tool_registry_load_directory (registry, other_dir, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (test_remove_tree (dir));
  g_assert_true (test_remove_tree (other_dir));
}

static char *
version_of_directory (const char *dir)
{
  g_autoptr(TallyToolRegistry) registry = tally_tool_registry_new ();
  g_autoptr(GPtrArray) file_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_tool_registry_load_directory (registry, dir, file_errors, &error));
  g_assert_no_error (error);
  assert_no_file_errors (file_errors);

  return g_strdup (tally_tool_registry_get_version (registry));
}

static void
test_registry_version (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autoptr(JsonNode) first = sample_node ("first", "text", "First");
  g_autoptr(JsonNode) second = sample_node ("second", "text", "Second");
  g_autoptr(JsonNode) cheaper = NULL;
  g_autoptr(TallyToolRegistry) empty = tally_tool_registry_new ();
  g_autofree char *v1 = NULL;
  g_autofree char *v1_again = NULL;
  g_autofree char *v2 = NULL;
  g_autofree char *v3 = NULL;
  g_autofree char *compact = json_to_string (first, FALSE);

  write_tool_file (dir, "first.json", first);
  write_tool_file (dir, "second.json", second);
  v1 = version_of_directory (dir);
  g_assert_cmpuint (strlen (v1), ==, 64);
  g_assert_true (strspn (v1, "0123456789abcdef") == 64);
  g_assert_cmpstr (v1, !=, tally_tool_registry_get_version (empty));

  /* Same catalogue, same version; whitespace of the files does not count. */
  write_file (dir, "first.json", compact);
  v1_again = version_of_directory (dir);
  g_assert_cmpstr (v1, ==, v1_again);

  /* A price changes. */
  cheaper = sample_with ("pricing.rate", "1");
  json_object_set_string_member (json_node_get_object (cheaper), "id", "second");
  json_object_set_string_member (json_node_get_object (cheaper), "name", "Second");
  write_tool_file (dir, "second.json", cheaper);
  v2 = version_of_directory (dir);
  g_assert_cmpstr (v1, !=, v2);

  /* A description changes. */
  json_object_set_string_member (json_node_get_object (cheaper), "description", "Changed.");
  write_tool_file (dir, "second.json", cheaper);
  v3 = version_of_directory (dir);
  g_assert_cmpstr (v2, !=, v3);

  g_assert_true (test_remove_tree (dir));
}

typedef struct
{
  guint n_calls;
  guint position;
  guint removed;
  guint added;
} ItemsChanged;

static void
on_items_changed (GListModel   *model,
                  guint         position,
                  guint         removed,
                  guint         added,
                  ItemsChanged *record)
{
  record->n_calls++;
  record->position = position;
  record->removed = removed;
  record->added = added;
}

static void
add_sample (TallyToolRegistry *registry,
            const char        *id,
            const char        *category,
            const char        *name)
{
  g_autoptr(JsonNode) node = sample_node (id, category, name);
  g_autoptr(TallyTool) tool = new_tool (node);
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_tool_registry_add (registry, tool, &error));
  g_assert_no_error (error);
}

static void
assert_order (TallyToolRegistry  *registry,
              const char        **ids)
{
  GListModel *model = G_LIST_MODEL (registry);

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, g_strv_length ((char **) ids));
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autoptr(TallyTool) tool = g_list_model_get_item (model, i);

      g_assert_cmpstr (tally_tool_get_id (tool), ==, ids[i]);
    }
  g_assert_null (g_list_model_get_item (model, g_list_model_get_n_items (model)));
}

static void
test_registry_list_model (void)
{
  g_autoptr(TallyToolRegistry) registry = tally_tool_registry_new ();
  g_autoptr(TallyTool) duplicate = NULL;
  g_autoptr(JsonNode) duplicate_node = sample_node ("pdf-merge", "zzz", "Another");
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  ItemsChanged record = { 0 };

  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (registry)) == TALLY_TYPE_TOOL);
  g_signal_connect (registry, "items-changed", G_CALLBACK (on_items_changed), &record);

  add_sample (registry, "text-stats", "text", "Word count");
  g_assert_cmpuint (record.n_calls, ==, 1);
  g_assert_cmpuint (record.position, ==, 0);
  g_assert_cmpuint (record.removed, ==, 0);
  g_assert_cmpuint (record.added, ==, 1);

  add_sample (registry, "pdf-merge", "documents", "Merge PDFs");
  g_assert_cmpuint (record.position, ==, 0);

  add_sample (registry, "image-resize", "images", "Resize images");
  g_assert_cmpuint (record.position, ==, 1);

  /* Within a category by name, whatever the ids say. */
  add_sample (registry, "a-split", "documents", "Split a PDF");
  g_assert_cmpuint (record.position, ==, 1);
  add_sample (registry, "z-convert", "documents", "Convert PDF");
  g_assert_cmpuint (record.position, ==, 0);
  add_sample (registry, "text-summary", "text", "Summarize");
  g_assert_cmpuint (record.position, ==, 4);
  g_assert_cmpuint (record.n_calls, ==, 6);

  assert_order (registry, (const char *[]) {
    "z-convert", "pdf-merge", "a-split", "image-resize", "text-summary", "text-stats", NULL
  });

  /* A duplicate id changes nothing and says nothing. */
  version = g_strdup (tally_tool_registry_get_version (registry));
  duplicate = new_tool (duplicate_node);
  g_assert_false (tally_tool_registry_add (registry, duplicate, &error));
  g_assert_error (error, TALLY_TOOL_ERROR, TALLY_TOOL_ERROR_INVALID);
  g_assert_cmpuint (record.n_calls, ==, 6);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (registry)), ==, 6);
  g_assert_cmpstr (version, ==, tally_tool_registry_get_version (registry));

  add_sample (registry, "zz-last", "zzz", "Last");
  g_assert_cmpstr (version, !=, tally_tool_registry_get_version (registry));
}

static void
test_registry_load_signal (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autoptr(TallyToolRegistry) registry = tally_tool_registry_new ();
  g_autoptr(JsonNode) one = sample_node ("one", "b", "One");
  g_autoptr(JsonNode) two = sample_node ("two", "a", "Two");
  g_autoptr(GError) error = NULL;
  ItemsChanged record = { 0 };

  add_sample (registry, "three", "c", "Three");
  write_tool_file (dir, "one.json", one);
  write_tool_file (dir, "two.json", two);

  /* One signal for the whole directory. */
  g_signal_connect (registry, "items-changed", G_CALLBACK (on_items_changed), &record);
  g_assert_true (tally_tool_registry_load_directory (registry, dir, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (record.n_calls, ==, 1);
  g_assert_cmpuint (record.position, ==, 0);
  g_assert_cmpuint (record.removed, ==, 1);
  g_assert_cmpuint (record.added, ==, 3);
  assert_order (registry, (const char *[]) { "two", "one", "three", NULL });

  g_assert_true (test_remove_tree (dir));
}

static void
test_registry_to_json (void)
{
  g_autoptr(TallyToolRegistry) registry = tally_tool_registry_new ();
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;
  JsonArray *tools;

  add_sample (registry, "b-tool", "text", "B");
  add_sample (registry, "a-tool", "text", "A");

  node = tally_tool_registry_to_json (registry);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "version"), ==,
                   tally_tool_registry_get_version (registry));
  tools = json_object_get_array_member (object, "tools");
  g_assert_cmpuint (json_array_get_length (tools), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (tools, 0), "id"),
                   ==, "a-tool");
  g_assert_true (json_object_has_member (json_array_get_object_element (tools, 0), "pricing"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tool/parse/valid", test_tool_parse);
  g_test_add_func ("/tool/parse/errors", test_tool_parse_errors);
  g_test_add_func ("/tool/parse/not-object", test_tool_parse_not_object);
  g_test_add_func ("/tool/parse/command", test_tool_parse_command);
  g_test_add_func ("/tool/parse/output-suffix", test_tool_parse_output_suffix);
  g_test_add_func ("/tool/measure/errors", test_tool_measure_errors);
  g_test_add_func ("/tool/measure/valid", test_tool_measure_valid);
  g_test_add_func ("/tool/measure/words", test_tool_measure_words);
  g_test_add_func ("/tool/measure/characters", test_tool_measure_characters);
  g_test_add_func ("/tool/measure/value", test_tool_measure_value);
  g_test_add_func ("/tool/estimate", test_tool_estimate);
  g_test_add_func ("/registry/real-tools", test_registry_real_tools);
  g_test_add_func ("/registry/missing-directory", test_registry_missing_directory);
  g_test_add_func ("/registry/bad-files", test_registry_bad_files);
  g_test_add_func ("/registry/version", test_registry_version);
  g_test_add_func ("/registry/list-model", test_registry_list_model);
  g_test_add_func ("/registry/load-signal", test_registry_load_signal);
  g_test_add_func ("/registry/to-json", test_registry_to_json);

  return g_test_run ();
}
