/* tally-tool-page.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "tally-format.h"
#include "tally-installed-tools.h"
#include "tally-tool-page-private.h"

/* One input of the tool and the widget that edits it. */
typedef struct
{
  TallyToolPage        *page;
  const TallyToolInput *input;
  GtkWidget            *widget;
  /* file inputs */
  AdwActionRow         *row;
  GListModel           *files;
  gint64                measure;
  GCancellable         *measuring;
} InputField;

G_DEFINE_FINAL_TYPE (TallyToolPage, tally_tool_page, ADW_TYPE_BIN)

static void update_folder_row (TallyToolPage *self);

static void
input_field_free (InputField *field)
{
  g_cancellable_cancel (field->measuring);
  g_clear_object (&field->measuring);
  g_clear_object (&field->files);
  g_free (field);
}

/* Measuring files: in the tool's unit, as the tool itself measures them */

static void
measure_in_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  const char * const *paths = task_data;
  const char *unit = g_object_get_data (G_OBJECT (task), "unit");
  GError *error = NULL;
  gint64 measure = tally_builtin_measure_files (unit, paths, cancellable, &error);

  if (measure < 0)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, measure);
}

static void
measured (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  InputField *field = user_data;
  g_autoptr(GError) error = NULL;
  gssize measure = g_task_propagate_int (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  field->measure = measure;
  if (error != NULL)
    adw_action_row_set_subtitle (field->row, error->message);
  tally_tool_page_update_estimate (field->page);
}

static char **
paths_of (GListModel *files)
{
  guint n = g_list_model_get_n_items (files);
  char **paths = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GFile) file = g_list_model_get_item (files, i);

      paths[i] = g_file_get_path (file);
    }

  return paths;
}

/* Off the main thread: a file chooser may hand over many files. */
static void
measure_files (InputField *field)
{
  g_autoptr(GTask) task = NULL;
  const char *unit = tally_tool_get_unit (field->page->tool);

  g_cancellable_cancel (field->measuring);
  g_clear_object (&field->measuring);
  field->measure = -1;
  if (field->files == NULL || g_list_model_get_n_items (field->files) == 0)
    return;

  field->measuring = g_cancellable_new ();
  task = g_task_new (NULL, field->measuring, measured, field);
  g_task_set_task_data (task, paths_of (field->files), (GDestroyNotify) g_strfreev);
  g_object_set_data_full (G_OBJECT (task), "unit", g_strdup (unit), g_free);
  g_task_run_in_thread (task, measure_in_thread);
}

/* Inputs as values */

static gboolean
is_metered (TallyToolPage        *self,
            const TallyToolInput *input)
{
  return tally_tool_get_meter (self->tool) == TALLY_METER_VALUE &&
         g_strcmp0 (tally_tool_get_meter_input (self->tool), input->id) == 0;
}

static char *
text_of (InputField *field)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (field->widget));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static const char *
choice_of (InputField *field)
{
  guint selected = adw_combo_row_get_selected (ADW_COMBO_ROW (field->widget));

  return field->input->choices[selected];
}

static gboolean
has_files (InputField *field)
{
  return field->files != NULL && g_list_model_get_n_items (field->files) > 0;
}

/* What the server and the estimate see: the measure of a metered file
 * input, how many files for others; text, numbers and choices as they are. */
static void
add_summary_value (JsonObject *summary,
                   InputField *field)
{
  const TallyToolInput *input = field->input;
  g_autofree char *text = NULL;

  switch (input->type)
    {
    case TALLY_INPUT_TYPE_FILE:
      if (is_metered (field->page, input) && field->measure >= 0)
        json_object_set_int_member (summary, input->id, field->measure);
      else if (!is_metered (field->page, input) && has_files (field))
        json_object_set_int_member (summary, input->id, g_list_model_get_n_items (field->files));
      break;

    case TALLY_INPUT_TYPE_TEXT:
      text = text_of (field);
      if (text[0] != '\0')
        json_object_set_string_member (summary, input->id, text);
      break;

    case TALLY_INPUT_TYPE_NUMBER:
      json_object_set_int_member (summary, input->id,
                                  gtk_spin_button_get_value_as_int (
                                    GTK_SPIN_BUTTON (field->widget)));
      break;

    case TALLY_INPUT_TYPE_CHOICE:
      json_object_set_string_member (summary, input->id, choice_of (field));
      break;

    default:
      g_assert_not_reached ();
    }
}

JsonObject *
tally_tool_page_build_summary (TallyToolPage *self)
{
  JsonObject *summary = json_object_new ();

  for (guint i = 0; i < self->fields->len; i++)
    add_summary_value (summary, g_ptr_array_index (self->fields, i));

  return summary;
}

/* What the tool itself reads: file inputs as paths. */
JsonObject *
tally_tool_page_build_values (TallyToolPage *self)
{
  JsonObject *values = tally_tool_page_build_summary (self);

  for (guint i = 0; i < self->fields->len; i++)
    {
      InputField *field = g_ptr_array_index (self->fields, i);
      g_auto(GStrv) paths = NULL;
      JsonArray *array;

      if (field->input->type != TALLY_INPUT_TYPE_FILE || !has_files (field))
        continue;

      paths = paths_of (field->files);
      array = json_array_new ();
      for (guint j = 0; paths[j] != NULL; j++)
        json_array_add_string_element (array, paths[j]);
      json_object_set_array_member (values, field->input->id, array);
    }

  return values;
}

/* Every required input is in @summary: given, and files measured. */
static gboolean
inputs_complete (TallyToolPage *self,
                 JsonObject    *summary)
{
  for (guint i = 0; i < self->fields->len; i++)
    {
      InputField *field = g_ptr_array_index (self->fields, i);

      if (field->input->required && !json_object_has_member (summary, field->input->id))
        return FALSE;
    }

  return TRUE;
}

/* The estimate */

static char *
estimate_text (const TallyEstimate *estimate)
{
  g_autofree char *typical = tally_format_credits (estimate->typical);
  g_autofree char *max = tally_format_credits (estimate->max);

  /* Translators: "Usually about 7 credits; at most 12 credits" */
  return g_strdup_printf (_("Usually about %s; at most %s"), typical, max);
}

static char *
measure_text (TallyToolPage *self,
              gint64         units)
{
  const char *unit = units == 1 ? tally_tool_get_unit_singular (self->tool)
                                : tally_tool_get_unit (self->tool);

  if (units < 0)
    return g_strdup (_("The cost depends on the input you give."));

  /* Translators: "For 3 MB of input" */
  return g_strdup_printf (_("For %'" PRId64 " %s of input"), units, unit);
}

static int
compare_costs (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* The median of the user's latest settled runs: what a run of this tool
 * usually costs them, whatever the inputs, with how many runs say so. */
static void
update_usual_cost (TallyToolPage *self,
                   GArray        *past_costs)
{
  g_autoptr(GArray) sorted = NULL;
  g_autofree char *usual = NULL;
  g_autofree char *text = NULL;
  gint64 median;

  gtk_widget_set_visible (GTK_WIDGET (self->usual_label), past_costs != NULL && past_costs->len > 0);
  if (past_costs == NULL || past_costs->len == 0)
    return;

  sorted = g_array_copy (past_costs);
  g_array_sort (sorted, compare_costs);
  /* The lower middle, as tally_price_rule_estimate() takes it. */
  median = g_array_index (sorted, gint64, (sorted->len - 1) / 2);
  usual = tally_format_credits (median);
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       /* Translators: credits, then a number of runs */
                                       "Your usual cost: %s (from your last run)",
                                       "Your usual cost: %s (the middle of your last %u runs)",
                                       sorted->len),
                          usual, sorted->len);
  gtk_label_set_text (self->usual_label, text);
}

void
tally_tool_page_update_actions (TallyToolPage *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tool.run",
                                 tally_tool_page_can_run (self) && !self->running &&
                                 self->estimate_ok && self->inputs_ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tool.cancel", self->running);
}

static void
forget_past_costs (TallyToolPage *self)
{
  g_clear_pointer (&self->past_costs, g_array_unref);
  tally_tool_page_update_estimate (self);
}

/* Read once per change of the cache, not per keystroke. */
static GArray *
get_past_costs (TallyToolPage *self)
{
  if (self->past_costs != NULL)
    return self->past_costs;

  if (!self->watching_ledger)
    {
      g_signal_connect_object (self->session, "ledger-changed", G_CALLBACK (forget_past_costs),
                               self, G_CONNECT_SWAPPED);
      self->watching_ledger = TRUE;
    }

  self->past_costs = tally_session_get_recent_costs (self->session,
                                                     tally_tool_get_id (self->tool));
  return self->past_costs;
}

void
tally_tool_page_update_estimate (TallyToolPage *self)
{
  GArray *past_costs;
  g_autoptr(JsonObject) summary = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *measure = NULL;

  if (self->disposed)
    return;

  /* Before the inputs are all there, the range the tool allows. */
  summary = tally_tool_page_build_summary (self);
  self->inputs_ready = inputs_complete (self, summary);
  past_costs = get_past_costs (self);
  update_usual_cost (self, past_costs);
  self->estimate_ok = tally_tool_estimate (self->tool, self->inputs_ready ? summary : NULL,
                                           past_costs != NULL ? (gint64 *) past_costs->data : NULL,
                                           past_costs != NULL ? past_costs->len : 0,
                                           &self->estimate, &error);
  if (self->estimate_ok)
    {
      text = estimate_text (&self->estimate);
      measure = measure_text (self, self->estimate.units);
      gtk_widget_remove_css_class (GTK_WIDGET (self->estimate_label), "error");
    }
  else
    {
      text = g_strdup_printf (_("These inputs cannot run: %s"), error->message);
      measure = g_strdup ("");
      gtk_widget_add_css_class (GTK_WIDGET (self->estimate_label), "error");
    }

  gtk_label_set_text (self->estimate_label, text);
  gtk_label_set_text (self->measure_label, measure);
  tally_tool_page_update_actions (self);
}

/* Building the inputs */

static void
show_files (InputField *field)
{
  guint n = field->files ? g_list_model_get_n_items (field->files) : 0;
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GFile) file = g_list_model_get_item (field->files, i);
      g_autofree char *name = g_file_get_basename (file);

      g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", name);
    }

  adw_action_row_set_subtitle (field->row, n > 0 ? names->str : _("No file chosen"));
}

static void
set_field_files (InputField *field,
                 GListModel *files)
{
  g_set_object (&field->files, files);
  show_files (field);
  measure_files (field);
  update_folder_row (field->page);
  tally_tool_page_update_estimate (field->page);
}

/* The page may have been closed while the dialog was open. */
static void
chooser_response (GtkNativeDialog *chooser,
                  int              response,
                  gpointer         user_data)
{
  g_autoptr(TallyToolPage) self = user_data;
  const char *input_id = g_object_get_data (G_OBJECT (chooser), "input-id");

  if (response == GTK_RESPONSE_ACCEPT && !self->disposed)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));

      tally_tool_page_set_files (self, input_id, files);
    }

  g_object_unref (chooser);
}

static InputField *
find_file_field (TallyToolPage *self,
                 const char    *input_id)
{
  for (guint i = 0; i < self->fields->len; i++)
    {
      InputField *field = g_ptr_array_index (self->fields, i);

      if (field->input->type == TALLY_INPUT_TYPE_FILE && g_str_equal (field->input->id, input_id))
        return field;
    }

  return NULL;
}

/* tool.choose-files (the input's id): the file chooser for that input. */
static void
choose_files_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  InputField *field = find_file_field (TALLY_TOOL_PAGE (widget),
                                       g_variant_get_string (parameter, NULL));
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *chooser;

  if (field == NULL)
    return;

  chooser = gtk_file_chooser_native_new (field->input->label, GTK_WINDOW (root),
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), field->input->multiple);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);

  if (field->input->choices != NULL)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, field->input->label);
      for (guint i = 0; field->input->choices[i] != NULL; i++)
        gtk_file_filter_add_mime_type (filter, field->input->choices[i]);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
    }

  g_object_set_data_full (G_OBJECT (chooser), "input-id", g_strdup (field->input->id), g_free);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response),
                    g_object_ref (field->page));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
set_accessible_label (GtkWidget  *widget,
                      const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

static GtkWidget *
file_row (InputField *field)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (field->input->multiple ? _("_Choose Files…")
                                                                           : _("_Choose File…"));
  g_autofree char *accessible = g_strdup_printf (_("Choose: %s"), field->input->label);

  /* Labels come from the catalogue, file names from the user: plain text. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), field->input->label);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  set_accessible_label (button, accessible);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "tool.choose-files");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", field->input->id);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);

  field->row = ADW_ACTION_ROW (row);
  field->widget = button;
  show_files (field);
  return row;
}

static GtkWidget *
number_row (InputField *field)
{
  const TallyToolInput *input = field->input;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range ((double) input->min, (double) input->max, 1);
  gint64 value = input->min;

  if (input->default_value != NULL)
    g_ascii_string_to_signed (input->default_value, 10, input->min, input->max, &value, NULL);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), input->label);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), (double) value);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  set_accessible_label (spin, input->label);
  g_signal_connect_swapped (spin, "value-changed", G_CALLBACK (tally_tool_page_update_estimate), field->page);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);

  field->widget = spin;
  return row;
}

static GtkWidget *
choice_row (InputField *field)
{
  const TallyToolInput *input = field->input;
  GtkWidget *row = adw_combo_row_new ();
  g_autoptr(GtkStringList) choices = gtk_string_list_new ((const char * const *) input->choices);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), input->label);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (choices));
  for (guint i = 0; input->default_value != NULL && input->choices[i] != NULL; i++)
    {
      if (g_str_equal (input->choices[i], input->default_value))
        adw_combo_row_set_selected (ADW_COMBO_ROW (row), i);
    }
  set_accessible_label (row, input->label);
  g_signal_connect_swapped (row, "notify::selected", G_CALLBACK (tally_tool_page_update_estimate), field->page);

  field->widget = row;
  return row;
}

/* A text input has a group of its own: a frame around the text view. */
static GtkWidget *
text_group (InputField *field)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *view = gtk_text_view_new ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), field->input->label);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_accepts_tab (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 12);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 12);
  gtk_widget_set_size_request (view, -1, 160);
  set_accessible_label (view, field->input->label);
  if (field->input->default_value != NULL)
    gtk_text_buffer_set_text (buffer, field->input->default_value, -1);
  g_signal_connect_swapped (buffer, "changed", G_CALLBACK (tally_tool_page_update_estimate), field->page);
  gtk_frame_set_child (GTK_FRAME (frame), view);
  gtk_widget_add_css_class (frame, "view");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), frame);

  field->widget = view;
  return group;
}

static GtkWidget *
input_row (InputField *field)
{
  switch (field->input->type)
    {
    case TALLY_INPUT_TYPE_FILE:
      return file_row (field);
    case TALLY_INPUT_TYPE_NUMBER:
      return number_row (field);
    case TALLY_INPUT_TYPE_CHOICE:
      return choice_row (field);
    case TALLY_INPUT_TYPE_TEXT:
    default:
      g_assert_not_reached ();
    }
}

/* Rows go in one boxed list until a text input needs room of its own. */
static void
build_inputs (TallyToolPage *self)
{
  AdwPreferencesGroup *rows = NULL;

  for (guint i = 0; i < tally_tool_get_n_inputs (self->tool); i++)
    {
      InputField *field = g_new0 (InputField, 1);

      field->page = self;
      field->input = tally_tool_get_input (self->tool, i);
      field->measure = -1;
      g_ptr_array_add (self->fields, field);

      if (field->input->type == TALLY_INPUT_TYPE_TEXT)
        {
          gtk_box_append (self->inputs_box, text_group (field));
          rows = NULL;
          continue;
        }

      if (rows == NULL)
        {
          rows = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
          gtk_box_append (self->inputs_box, GTK_WIDGET (rows));
        }
      adw_preferences_group_add (rows, input_row (field));
    }
}

/* The first file given, to name the result after. */
GFile *
tally_tool_page_get_first_file (TallyToolPage *self)
{
  for (guint i = 0; self->fields != NULL && i < self->fields->len; i++)
    {
      InputField *field = g_ptr_array_index (self->fields, i);

      if (field->input->type == TALLY_INPUT_TYPE_FILE && has_files (field))
        return g_list_model_get_item (field->files, 0);
    }

  return NULL;
}

/* In a Flatpak the app sees no folder but those the user chose through
 * the file chooser portal: not the input's folder (the document portal
 * exposes the file alone), not Documents. */
static gboolean
in_sandbox (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

/* Where the user chose, else next to the first input file, else in
 * Documents; NULL in a sandbox until the user chose. */
char *
tally_tool_page_get_output_dir (TallyToolPage *self)
{
  const char *documents = g_get_user_special_dir (G_USER_DIRECTORY_DOCUMENTS);
  g_autoptr(GFile) first = NULL;
  g_autoptr(GFile) parent = NULL;

  if (self->output_folder != NULL)
    return g_file_get_path (self->output_folder);
  if (in_sandbox ())
    return NULL;

  first = tally_tool_page_get_first_file (self);
  parent = first != NULL ? g_file_get_parent (first) : NULL;
  if (parent != NULL)
    return g_file_get_path (parent);

  return g_strdup (documents != NULL ? documents : g_get_home_dir ());
}

static void
update_folder_row (TallyToolPage *self)
{
  g_autofree char *dir = NULL;

  if (self->disposed)
    return;

  dir = tally_tool_page_get_output_dir (self);
  adw_action_row_set_subtitle (self->folder_row, dir != NULL ? dir : _("Not chosen yet"));
}

static void
folder_chosen (GtkNativeDialog *chooser,
               int              response,
               gpointer         user_data)
{
  g_autoptr(TallyToolPage) self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      if (folder != NULL && !self->disposed)
        tally_tool_page_set_output_folder (self, folder);
    }

  /* Run asked for the folder: run now, or not at all. */
  if (self->run_when_folder_chosen && !self->disposed)
    {
      self->run_when_folder_chosen = FALSE;
      if (self->output_folder != NULL)
        gtk_widget_activate_action (GTK_WIDGET (self), "tool.run", NULL);
    }

  g_object_unref (chooser);
}

static void
choose_folder_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TallyToolPage *self = TALLY_TOOL_PAGE (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Save the Result In"),
                                         GTK_WINDOW (gtk_widget_get_root (widget)),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Choose"),
                                         _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (folder_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* GObject */

static void
tally_tool_page_dispose (GObject *object)
{
  TallyToolPage *self = (TallyToolPage *) object;

  self->disposed = TRUE;
  tally_tool_page_clear_payers (self);
  g_clear_pointer (&self->fields, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_TYPE_TOOL_PAGE);

  G_OBJECT_CLASS (tally_tool_page_parent_class)->dispose (object);
}

static void
tally_tool_page_finalize (GObject *object)
{
  TallyToolPage *self = (TallyToolPage *) object;

  g_clear_pointer (&self->past_costs, g_array_unref);
  g_clear_object (&self->tool);
  g_clear_object (&self->runner);
  g_clear_pointer (&self->unavailable, g_free);
  g_clear_object (&self->session);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  g_clear_object (&self->output_folder);
  tally_tool_page_clear_run (self);

  G_OBJECT_CLASS (tally_tool_page_parent_class)->finalize (object);
}

/* Only in a window can the page find the cache, and so the user's own
 * typical cost. */
static void
tally_tool_page_root (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (tally_tool_page_parent_class)->root (widget);
  tally_tool_page_update_estimate (TALLY_TOOL_PAGE (widget));
  tally_tool_page_load_payers (TALLY_TOOL_PAGE (widget));
}

static void
tally_tool_page_class_init (TallyToolPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_tool_page_dispose;
  object_class->finalize = tally_tool_page_finalize;
  widget_class->root = tally_tool_page_root;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/tally-tool-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyToolPage, title_label);
  gtk_widget_class_bind_template_child (widget_class, TallyToolPage, description_label);
  gtk_widget_class_bind_template_child (widget_class, TallyToolPage, inputs_box);
  gtk_widget_class_bind_template_child (widget_class, TallyToolPage, folder_row);
  gtk_widget_class_bind_template_child (widget_class, TallyToolPage, payer_row);
  gtk_widget_class_bind_template_child (widget_class, TallyToolPage, estimate_label);
  gtk_widget_class_bind_template_child (widget_class, TallyToolPage, measure_label);
  gtk_widget_class_bind_template_child (widget_class, TallyToolPage, usual_label);
  gtk_widget_class_bind_template_child (widget_class, TallyToolPage, run_stack);
  gtk_widget_class_bind_template_child (widget_class, TallyToolPage, run_button);
  gtk_widget_class_bind_template_child (widget_class, TallyToolPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TallyToolPage, result_box);
  gtk_widget_class_bind_template_child (widget_class, TallyToolPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, TallyToolPage, cost_label);
  gtk_widget_class_bind_template_child (widget_class, TallyToolPage, open_button);

  tally_tool_page_class_add_run_actions (widget_class);
  gtk_widget_class_install_action (widget_class, "tool.choose-folder", NULL,
                                   choose_folder_action);
  gtk_widget_class_install_action (widget_class, "tool.choose-files", "s", choose_files_action);
}

static void
tally_tool_page_init (TallyToolPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) input_field_free);
}

/* How the tool runs comes from the app's own registry, never from the
 * server's catalogue, which only offers and prices it. */
static void
set_runner (TallyToolPage *self)
{
  TallyTool *runner = tally_installed_tools_match (self->tool, &self->unavailable);

  if (runner == NULL)
    return;
  self->runner = g_object_ref (runner);
  self->builtin = tally_builtin_lookup (tally_tool_get_builtin (runner));
}

/* An unavailable tool says why under its description. */
static void
show_description (TallyToolPage *self)
{
  g_autofree char *text = NULL;

  if (self->unavailable == NULL)
    {
      gtk_label_set_text (self->description_label, tally_tool_get_description (self->tool));
      return;
    }
  text = g_strdup_printf ("%s\n\n%s", tally_tool_get_description (self->tool),
                          self->unavailable);
  gtk_label_set_text (self->description_label, text);
}

TallyToolPage *
tally_tool_page_new (TallyTool    *tool,
                     TallySession *session)
{
  TallyToolPage *self;

  g_return_val_if_fail (TALLY_IS_TOOL (tool), NULL);
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  self = g_object_new (TALLY_TYPE_TOOL_PAGE, NULL);
  self->tool = g_object_ref (tool);
  self->session = g_object_ref (session);
  self->client = g_object_ref (tally_session_get_client (session));
  self->settings = g_object_ref (tally_session_get_settings (session));
  set_runner (self);

  gtk_label_set_text (self->title_label, tally_tool_get_name (tool));
  show_description (self);
  if (!tally_tool_page_can_run (self))
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->run_button),
                                 self->unavailable != NULL ? self->unavailable
                                 : _("This tool cannot run in the app yet"));

  build_inputs (self);
  update_folder_row (self);
  tally_tool_page_update_estimate (self);
  return self;
}

TallyTool *
tally_tool_page_get_tool (TallyToolPage *self)
{
  g_return_val_if_fail (TALLY_IS_TOOL_PAGE (self), NULL);

  return self->tool;
}

void
tally_tool_page_set_files (TallyToolPage *self,
                           const char    *input_id,
                           GListModel    *files)
{
  InputField *field;

  g_return_if_fail (TALLY_IS_TOOL_PAGE (self));
  g_return_if_fail (input_id != NULL);
  g_return_if_fail (G_IS_LIST_MODEL (files));
  g_return_if_fail (!self->disposed);

  field = find_file_field (self, input_id);
  if (field == NULL)
    {
      g_critical ("%s has no file input “%s”", tally_tool_get_id (self->tool), input_id);
      return;
    }

  set_field_files (field, files);
}

void
tally_tool_page_set_output_folder (TallyToolPage *self,
                                   GFile         *folder)
{
  g_return_if_fail (TALLY_IS_TOOL_PAGE (self));
  g_return_if_fail (G_IS_FILE (folder));

  g_set_object (&self->output_folder, folder);
  update_folder_row (self);
}
