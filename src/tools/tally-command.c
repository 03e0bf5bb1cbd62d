/* tally-command.c: tools that run as an external program
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "tally-builtin-private.h"
#include "tally-command.h"

#define OUTPUT_PLACEHOLDER "{output}"
/* How much of what a failed program said goes into the error. */
#define STDERR_LINES 3
#define STDERR_MAX_CHARS 400

G_DEFINE_QUARK (tally-command-error-quark, tally_command_error)

char *
tally_command_make_output_path (TallyTool  *tool,
                                const char *dir,
                                const char *input_name)
{
  const char *suffix;
  const char *dot;
  g_autofree char *stem = NULL;

  g_return_val_if_fail (TALLY_IS_TOOL (tool), NULL);
  g_return_val_if_fail (dir != NULL, NULL);

  suffix = tally_tool_get_output_suffix (tool);
  /* "talk.txt" -> "talk.wav" */
  dot = input_name != NULL ? strrchr (input_name, '.') : NULL;
  if (input_name == NULL)
    stem = g_strdup (tally_tool_get_id (tool));
  else
    stem = dot != NULL && dot != input_name ? g_strndup (input_name, dot - input_name)
                                            : g_strdup (input_name);

  return tally_builtin_unused_path (dir, stem, suffix != NULL ? suffix : "");
}

/* The argv */

/* "{voice}" -> "voice"; NULL when @arg is no placeholder. */
static char *
placeholder_name (const char *arg)
{
  gsize len = strlen (arg);

  if (len < 2 || arg[0] != '{' || arg[len - 1] != '}')
    return NULL;

  return g_strndup (arg + 1, len - 2);
}

static gboolean template_error (GError     **error,
                                const char  *format,
                                ...) G_GNUC_PRINTF (2, 3);

static gboolean
template_error (GError     **error,
                const char  *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error_literal (error, TALLY_COMMAND_ERROR, TALLY_COMMAND_ERROR_TEMPLATE, message);
  return FALSE;
}

/* Appends the value of input @name: a string or number as one element,
 * a list of files as one element each. */
static gboolean
add_value (GPtrArray   *argv,
           TallyTool   *tool,
           JsonObject  *values,
           const char  *name,
           GError     **error)
{
  const TallyToolInput *input = tally_tool_find_input (tool, name);
  JsonNode *node = json_object_get_member (values, name);

  if (input == NULL)
    return template_error (error, _("The command names “%s”, which is no input of the tool"),
                           name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (input->default_value == NULL)
        return template_error (error, _("The input “%s” is missing"), name);
      g_ptr_array_add (argv, g_strdup (input->default_value));
      return TRUE;
    }

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (json_node_get_value_type (element) != G_TYPE_STRING)
            return template_error (error, _("The input “%s” is not a list of files"), name);
          g_ptr_array_add (argv, g_strdup (json_node_get_string (element)));
        }
      return TRUE;
    }

  if (json_node_get_value_type (node) == G_TYPE_STRING)
    g_ptr_array_add (argv, g_strdup (json_node_get_string (node)));
  else if (json_node_get_value_type (node) == G_TYPE_INT64)
    g_ptr_array_add (argv, g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node)));
  else
    return template_error (error, _("The input “%s” is not a text, a number or files"), name);

  return TRUE;
}

GStrv
tally_command_build_argv (TallyTool   *tool,
                          JsonObject  *values,
                          const char  *output_path,
                          GError     **error)
{
  const char * const *template;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (TALLY_IS_TOOL (tool), NULL);
  g_return_val_if_fail (values != NULL, NULL);
  g_return_val_if_fail (output_path != NULL, NULL);

  template = tally_tool_get_command (tool);
  if (template == NULL)
    {
      template_error (error, _("The tool “%s” is not a command"), tally_tool_get_id (tool));
      return NULL;
    }

  for (guint i = 0; template[i] != NULL; i++)
    {
      g_autofree char *name = placeholder_name (template[i]);

      /* Each placeholder is a whole element: values never reach a shell
       * nor another argument. */
      if (g_str_equal (template[i], OUTPUT_PLACEHOLDER))
        g_ptr_array_add (argv, g_strdup (output_path));
      else if (name == NULL && (strchr (template[i], '{') || strchr (template[i], '}')))
        {
          template_error (error, _("The command element “%s” is not a whole placeholder"),
                          template[i]);
          return NULL;
        }
      else if (name == NULL)
        g_ptr_array_add (argv, g_strdup (template[i]));
      else if (!add_value (argv, tool, values, name, error))
        return NULL;
    }

  g_ptr_array_add (argv, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&argv), FALSE);
}

/* Measuring */

/* The metered files, in the tool's unit, as the app measures them. */
static gint64
measure_files (TallyTool     *tool,
               JsonArray     *array,
               GCancellable  *cancellable,
               GError       **error)
{
  guint n = json_array_get_length (array);
  g_autofree const char **paths = g_new0 (const char *, n + 1);

  for (guint i = 0; i < n; i++)
    paths[i] = json_array_get_string_element (array, i);

  return tally_builtin_measure_files (tally_tool_get_unit (tool), paths, cancellable, error);
}

/* What libtally measures: file inputs as their measure (metered) or how
 * many there are; everything else as given. */
static JsonObject *
summary_of (TallyTool     *tool,
            JsonObject    *values,
            GCancellable  *cancellable,
            GError       **error)
{
  g_autoptr(JsonObject) summary = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, values);
  while (json_object_iter_next (&iter, &name, &node))
    {
      gboolean metered = tally_tool_get_meter (tool) == TALLY_METER_VALUE &&
                         g_strcmp0 (tally_tool_get_meter_input (tool), name) == 0;
      gint64 measure;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        json_object_set_member (summary, name, json_node_copy (node));
      else if (!metered)
        json_object_set_int_member (summary, name,
                                    json_array_get_length (json_node_get_array (node)));
      else if ((measure = measure_files (tool, json_node_get_array (node), cancellable,
                                         error)) >= 0)
        json_object_set_int_member (summary, name, measure);
      else
        return NULL;
    }

  return g_steal_pointer (&summary);
}

gboolean
tally_command_measure (TallyTool     *tool,
                       JsonObject    *values,
                       GCancellable  *cancellable,
                       gint64        *units,
                       GError       **error)
{
  g_autoptr(JsonObject) summary = NULL;

  g_return_val_if_fail (TALLY_IS_TOOL (tool), FALSE);
  g_return_val_if_fail (values != NULL, FALSE);
  g_return_val_if_fail (units != NULL, FALSE);

  *units = -1;
  summary = summary_of (tool, values, cancellable, error);
  if (summary == NULL || !tally_tool_measure_units (tool, summary, units, error))
    return FALSE;

  if (*units < 0)
    {
      g_set_error (error, TALLY_COMMAND_ERROR, TALLY_COMMAND_ERROR_TEMPLATE,
                   _("The inputs do not say how much “%s” costs"), tally_tool_get_id (tool));
      return FALSE;
    }

  return TRUE;
}

/* Running */

/* The last few lines a program wrote to stderr, as valid UTF-8. */
static char *
stderr_tail (GBytes *bytes)
{
  gsize size = 0;
  const char *data = bytes != NULL ? g_bytes_get_data (bytes, &size) : NULL;
  g_autofree char *text = data != NULL ? g_utf8_make_valid (data, (gssize) size)
                                       : g_strdup ("");
  g_auto(GStrv) lines = g_strsplit (g_strstrip (text), "\n", -1);
  guint n = g_strv_length (lines);
  g_autofree char *tail = g_strjoinv (" / ", lines + (n > STDERR_LINES ? n - STDERR_LINES : 0));

  if (g_utf8_strlen (tail, -1) <= STDERR_MAX_CHARS)
    return g_steal_pointer (&tail);

  return g_strconcat ("…", g_utf8_offset_to_pointer (tail, g_utf8_strlen (tail, -1) -
                                                            STDERR_MAX_CHARS), NULL);
}

static gboolean
check_exit (GSubprocess  *process,
            const char   *program,
            GBytes       *err,
            GError      **error)
{
  g_autofree char *said = NULL;
  g_autofree char *why = NULL;

  if (g_subprocess_get_successful (process))
    return TRUE;

  said = stderr_tail (err);
  if (g_subprocess_get_if_signaled (process))
    why = g_strdup_printf (_("killed by signal %d"), g_subprocess_get_term_sig (process));
  else
    why = g_strdup_printf (_("exit status %d"), g_subprocess_get_exit_status (process));

  if (said[0] == '\0')
    g_set_error (error, TALLY_COMMAND_ERROR, TALLY_COMMAND_ERROR_FAILED,
                 _("“%s” failed (%s)"), program, why);
  else
    g_set_error (error, TALLY_COMMAND_ERROR, TALLY_COMMAND_ERROR_FAILED,
                 _("“%s” failed (%s): %s"), program, why, said);
  return FALSE;
}

static gboolean
run_argv (const char * const  *argv,
          const char          *output_path,
          GCancellable        *cancellable,
          GError             **error)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) nothing = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) local_error = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &local_error);
  if (process == NULL)
    {
      g_set_error (error, TALLY_COMMAND_ERROR, TALLY_COMMAND_ERROR_FAILED,
                   _("“%s” could not be started: %s"), argv[0], local_error->message);
      return FALSE;
    }

  /* Nothing on stdin: a program that reads it sees its end at once. */
  if (!g_subprocess_communicate (process, nothing, cancellable, &out, &err, &local_error))
    {
      /* Cancelled: the program must not go on writing after the run
       * ended. */
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (!check_exit (process, argv[0], err, error))
    return FALSE;

  if (!g_file_test (output_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, TALLY_COMMAND_ERROR, TALLY_COMMAND_ERROR_FAILED,
                   _("“%s” finished without writing its result"), argv[0]);
      return FALSE;
    }

  return TRUE;
}

typedef struct
{
  TallyTool  *tool;
  JsonObject *values;
  char       *output_path;
  gint64      units;
} RunData;

static void
run_data_free (RunData *data)
{
  g_object_unref (data->tool);
  json_object_unref (data->values);
  g_free (data->output_path);
  g_free (data);
}

static gboolean
run (RunData       *data,
     GCancellable  *cancellable,
     GError       **error)
{
  g_auto(GStrv) argv = NULL;
  gboolean existed = g_file_test (data->output_path, G_FILE_TEST_EXISTS);

  if (tally_command_measure (data->tool, data->values, cancellable, &data->units, error) &&
      (argv = tally_command_build_argv (data->tool, data->values, data->output_path,
                                        error)) != NULL &&
      !g_cancellable_set_error_if_cancelled (cancellable, error) &&
      run_argv ((const char * const *) argv, data->output_path, cancellable, error))
    return TRUE;

  /* Nothing half written is left behind. */
  data->units = 0;
  if (!existed)
    g_unlink (data->output_path);
  return FALSE;
}

static void
run_in_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  RunData *data = task_data;
  GError *error = NULL;

  run (data, cancellable, &error);
  tally_builtin_run_task_return (task, data->units, error);
}

void
tally_command_run_async (TallyTool           *tool,
                         JsonObject          *values,
                         const char          *output_path,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  RunData *data;

  g_return_if_fail (TALLY_IS_TOOL (tool));
  g_return_if_fail (values != NULL);
  g_return_if_fail (output_path != NULL);

  task = tally_builtin_run_task_new (cancellable, callback, user_data);
  g_task_set_source_tag (task, tally_command_run_async);
  data = g_new0 (RunData, 1);
  data->tool = g_object_ref (tool);
  data->values = json_object_ref (values);
  data->output_path = g_strdup (output_path);
  g_task_set_task_data (task, data, (GDestroyNotify) run_data_free);
  g_task_run_in_thread (task, run_in_thread);
}

gboolean
tally_command_run_finish (GAsyncResult  *result,
                          gint64        *units,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (units != NULL, FALSE);

  return tally_builtin_run_task_finish (result, units, error);
}
