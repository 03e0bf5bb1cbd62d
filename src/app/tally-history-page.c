/* tally-history-page.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tally-history-item.h"
#include "tally-history-page.h"
#include "tally-history-row.h"
#include "tally-toast.h"

struct _TallyHistoryPage
{
  TallyPage          parent_instance;

  AdwToastOverlay   *toast_overlay;
  GtkSearchEntry    *search_entry;
  GtkFlowBox        *filter_box;
  GtkDropDown       *kind_dropdown;
  GtkDropDown       *tool_dropdown;
  GtkMenuButton     *since_button;
  GtkMenuButton     *until_button;
  GtkCalendar       *since_calendar;
  GtkCalendar       *until_calendar;
  GtkStack          *stack;
  GtkListView       *list_view;
  AdwStatusPage     *empty_page;

  /* Where the ledger and the tools come from; NULL when they are set. */
  TallySession      *session;
  TallyHistoryModel *model;
  /* The tool filter's choices after "All tools": ids, and names by id. */
  GPtrArray         *tool_ids;
  GHashTable        *tool_names;
  gboolean           updating_tools;
  /* Local midnights in microseconds, UTC; 0 when not set. */
  gint64             since;
  gint64             until;
};

G_DEFINE_FINAL_TYPE (TallyHistoryPage, tally_history_page, TALLY_TYPE_PAGE)

static const char history_css[] =
  "listview.history-list { background: none; }\n"
  "historyrow { padding: 8px 6px; }\n"
  "historyrow .history-title { font-weight: bold; }\n"
  "historyrow .history-status { border-radius: 999px; padding: 2px 8px; font-size: 0.8em;"
  "  font-weight: bold; background-color: alpha(currentColor, 0.1); }\n"
  "historyrow.pending .history-status { color: @warning_color;"
  "  background-color: alpha(@warning_color, 0.15); }\n"
  "historyrow.pending .history-title, historyrow.pending .numeric,"
  "historyrow.voided .numeric { opacity: 0.6; }\n";

static void
load_css_once (void)
{
  static gboolean loaded;
  g_autoptr(GtkCssProvider) provider = NULL;

  if (loaded || gdk_display_get_default () == NULL)
    return;

  provider = gtk_css_provider_new ();
#if GTK_CHECK_VERSION (4, 12, 0)
  gtk_css_provider_load_from_string (provider, history_css);
#else
  gtk_css_provider_load_from_data (provider, history_css, -1);
#endif
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  loaded = TRUE;
}

/* The filters */

static gboolean
filters_active (TallyHistoryPage *self)
{
  return gtk_drop_down_get_selected (self->kind_dropdown) > 0 ||
         gtk_drop_down_get_selected (self->tool_dropdown) > 0 ||
         self->since > 0 || self->until > 0 ||
         gtk_editable_get_text (GTK_EDITABLE (self->search_entry))[0] != '\0';
}

static const char *
selected_tool_id (TallyHistoryPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->tool_dropdown);

  if (selected == 0 || selected == GTK_INVALID_LIST_POSITION || selected > self->tool_ids->len)
    return NULL;

  return g_ptr_array_index (self->tool_ids, selected - 1);
}

static void
apply_filters (TallyHistoryPage *self)
{
  TallyStatementQuery filter = { 0 };
  guint kind = gtk_drop_down_get_selected (self->kind_dropdown);

  /* Choice 0 is every kind; choice n is kind n - 1. */
  filter.filter_kind = kind > 0 && kind != GTK_INVALID_LIST_POSITION;
  filter.kind = filter.filter_kind ? kind - 1 : 0;
  filter.tool_id = selected_tool_id (self);
  filter.search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  filter.since = self->since;
  filter.until = self->until;
  tally_history_model_set_filter (self->model, &filter);
}

static void
filter_changed (TallyHistoryPage *self)
{
  if (!self->updating_tools)
    apply_filters (self);
}

static void
search_changed (TallyHistoryPage *self)
{
  apply_filters (self);
}

/* The start of @date's day where the user is, in microseconds, UTC;
 * @days_after moves to a later day (an "until" day is included). */
static gint64
local_day_start (GDateTime *date,
                 int        days_after)
{
  g_autoptr(GDateTime) midnight = g_date_time_new_local (g_date_time_get_year (date),
                                                         g_date_time_get_month (date),
                                                         g_date_time_get_day_of_month (date),
                                                         0, 0, 0);
  g_autoptr(GDateTime) day = g_date_time_add_days (midnight, days_after);

  return g_date_time_to_unix (day) * G_USEC_PER_SEC;
}

static char *
calendar_day (GtkCalendar *calendar)
{
  g_autoptr(GDateTime) date = gtk_calendar_get_date (calendar);

  return g_date_time_format (date, "%x");
}

static void
show_range (TallyHistoryPage *self)
{
  g_autofree char *since = calendar_day (self->since_calendar);
  g_autofree char *until = calendar_day (self->until_calendar);
  /* Translators: %s is a date: "From 11/26/2026" */
  g_autofree char *since_text = g_strdup_printf (_("From %s"), since);
  /* Translators: %s is a date, included: "To 11/26/2026" */
  g_autofree char *until_text = g_strdup_printf (_("To %s"), until);

  gtk_menu_button_set_label (self->since_button, self->since > 0 ? since_text : _("From Any Day"));
  gtk_menu_button_set_label (self->until_button, self->until > 0 ? until_text : _("To Any Day"));
}

static void
range_changed (TallyHistoryPage *self,
               GtkMenuButton    *button)
{
  gtk_menu_button_popdown (button);
  show_range (self);
  apply_filters (self);
}

static void
since_selected (TallyHistoryPage *self)
{
  g_autoptr(GDateTime) date = gtk_calendar_get_date (self->since_calendar);

  self->since = local_day_start (date, 0);
  range_changed (self, self->since_button);
}

static void
until_selected (TallyHistoryPage *self)
{
  g_autoptr(GDateTime) date = gtk_calendar_get_date (self->until_calendar);

  self->until = local_day_start (date, 1);
  range_changed (self, self->until_button);
}

/* history.clear-date ("since" or "until"): any date again. */
static void
clear_date_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  TallyHistoryPage *self = TALLY_HISTORY_PAGE (widget);

  if (g_str_equal (g_variant_get_string (parameter, NULL), "since"))
    {
      self->since = 0;
      range_changed (self, self->since_button);
    }
  else
    {
      self->until = 0;
      range_changed (self, self->until_button);
    }
}

/* Tab goes from one filter to the next, not to the boxes that wrap them;
 * typing anywhere on the page searches. */
static void
setup_keyboard (TallyHistoryPage *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->filter_box));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    gtk_widget_set_focusable (child, FALSE);

  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
}

static void
fill_kinds (TallyHistoryPage *self)
{
  const char *labels[] = {
    _("All Kinds"), _("Purchases"), _("Grants"), _("Tool Runs"), _("Refunds"),
    _("Allocations"), _("Expiries"), _("Adjustments"), _("Offline Leases"), NULL
  };
  g_autoptr(GtkStringList) kinds = gtk_string_list_new (labels);

  G_STATIC_ASSERT (G_N_ELEMENTS (labels) == TALLY_N_TRANSFER_KINDS + 2);
  gtk_drop_down_set_model (self->kind_dropdown, G_LIST_MODEL (kinds));
}

static guint
tool_position (TallyHistoryPage *self,
               const char       *tool_id)
{
  for (guint i = 0; tool_id != NULL && i < self->tool_ids->len; i++)
    if (g_str_equal (g_ptr_array_index (self->tool_ids, i), tool_id))
      return i + 1;

  return 0;
}

void
tally_history_page_set_tools (TallyHistoryPage  *self,
                              TallyToolRegistry *tools)
{
  g_autofree char *selected = g_strdup (selected_tool_id (self));
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  g_return_if_fail (TALLY_IS_HISTORY_PAGE (self));

  g_ptr_array_set_size (self->tool_ids, 0);
  g_hash_table_remove_all (self->tool_names);
  gtk_string_list_append (names, _("All Tools"));
  for (guint i = 0; tools != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (tools)); i++)
    {
      g_autoptr(TallyTool) tool = g_list_model_get_item (G_LIST_MODEL (tools), i);
      const char *id = tally_tool_get_id (tool);
      const char *name = tally_tool_get_name (tool);

      if (g_hash_table_contains (self->tool_names, id))
        continue;
      g_ptr_array_add (self->tool_ids, g_strdup (id));
      g_hash_table_insert (self->tool_names, g_strdup (id), g_strdup (name));
      gtk_string_list_append (names, name);
    }

  self->updating_tools = TRUE;
  gtk_drop_down_set_model (self->tool_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->tool_dropdown, tool_position (self, selected));
  self->updating_tools = FALSE;

  /* A tool that left the catalogue no longer filters. */
  if (selected != NULL && tool_position (self, selected) == 0)
    apply_filters (self);
  else
    gtk_widget_queue_draw (GTK_WIDGET (self->list_view));
}

/* The list */

static void
setup_row (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           TallyHistoryPage         *self)
{
  gtk_list_item_set_child (list_item, tally_history_row_new ());
  gtk_list_item_set_activatable (list_item, FALSE);
}

static void
bind_row (GtkSignalListItemFactory *factory,
          GtkListItem              *list_item,
          TallyHistoryPage         *self)
{
  TallyHistoryItem *item = gtk_list_item_get_item (list_item);
  const char *tool_name;

  if (item == NULL)
    return;

  tool_name = g_hash_table_lookup (self->tool_names, tally_history_item_get_tool_id (item));
  tally_history_row_set_item (TALLY_HISTORY_ROW (gtk_list_item_get_child (list_item)), item,
                              tool_name);
}

static void
update_view (TallyHistoryPage *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  gboolean filtered = filters_active (self);

  if (n_items > 0)
    gtk_stack_set_visible_child_name (self->stack, "list");
  else if (tally_history_model_get_loading (self->model))
    gtk_stack_set_visible_child_name (self->stack, "loading");
  else
    {
      adw_status_page_set_icon_name (self->empty_page, filtered ? "edit-find-symbolic"
                                                                : "document-open-recent-symbolic");
      adw_status_page_set_title (self->empty_page, filtered ? _("No Matching Transactions")
                                                            : _("No Transactions Yet"));
      adw_status_page_set_description (self->empty_page,
                                       filtered ? _("Try other filters or another search.")
                                                : _("Credits you buy, receive or spend on tools show up here."));
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "history.export",
                                 tally_history_model_get_ledger (self->model) != NULL);
}

static void
setup_list (TallyHistoryPage *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkNoSelection) selection = NULL;

  self->model = tally_history_model_new ();
  g_signal_connect_object (self->model, "items-changed", G_CALLBACK (update_view), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->model, "notify::loading", G_CALLBACK (update_view), self,
                           G_CONNECT_SWAPPED);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->model)));
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  gtk_list_view_set_show_separators (self->list_view, TRUE);
}

/* Export */

typedef struct
{
  char                *path;
  TallyStatementQuery  query;
  char                *tool_id;
  char                *search;
  TallyExportFormat    format;
  GFile               *file;
} ExportJob;

static void
export_job_free (gpointer data)
{
  ExportJob *job = data;

  g_free (job->path);
  g_free (job->tool_id);
  g_free (job->search);
  g_clear_object (&job->file);
  g_free (job);
}

/* A failed export leaves whatever file was there before. */
static void
abandon_stream (GOutputStream *stream)
{
  g_autoptr(GCancellable) abandon = g_cancellable_new ();

  g_cancellable_cancel (abandon);
  g_output_stream_close (stream, abandon, NULL);
}

static gboolean
export_to_file (ExportJob     *job,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autoptr(TallyLedger) ledger = NULL;
  g_autoptr(GFileOutputStream) file_stream = NULL;
  g_autoptr(GOutputStream) stream = NULL;

  ledger = tally_ledger_open (job->path, TALLY_LEDGER_OPEN_READ_ONLY, error);
  if (ledger == NULL)
    return FALSE;

  file_stream = g_file_replace (job->file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                cancellable, error);
  if (file_stream == NULL)
    return FALSE;

  stream = g_buffered_output_stream_new_sized (G_OUTPUT_STREAM (file_stream), 64 * 1024);
  if (!tally_export_statement (ledger, &job->query, job->format, stream, cancellable, error))
    {
      abandon_stream (stream);
      return FALSE;
    }

  return g_output_stream_close (stream, cancellable, error);
}

static void
export_in_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GError *error = NULL;

  if (export_to_file (task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static ExportJob *
export_job_new (TallyHistoryPage  *self,
                GFile             *file,
                TallyExportFormat  format)
{
  TallyLedger *ledger = tally_history_model_get_ledger (self->model);
  ExportJob *job = g_new0 (ExportJob, 1);

  job->path = g_strdup (ledger ? tally_ledger_get_path (ledger) : NULL);
  tally_history_model_get_query (self->model, &job->query);
  job->tool_id = g_strdup (job->query.tool_id);
  job->search = g_strdup (job->query.search);
  job->query.tool_id = job->tool_id;
  job->query.search = job->search;
  job->format = format;
  job->file = g_object_ref (file);
  return job;
}

void
tally_history_page_export_async (TallyHistoryPage    *self,
                                 GFile               *file,
                                 TallyExportFormat    format,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TALLY_IS_HISTORY_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tally_history_page_export_async);
  if (tally_history_model_get_ledger (self->model) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                               _("There is no history to export yet"));
      return;
    }

  g_task_set_task_data (task, export_job_new (self, file, format), export_job_free);
  g_task_run_in_thread (task, export_in_thread);
}

gboolean
tally_history_page_export_finish (TallyHistoryPage  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (TALLY_IS_HISTORY_PAGE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
exported (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  TallyHistoryPage *self = TALLY_HISTORY_PAGE (source);
  g_autoptr(GFile) file = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *title = NULL;

  if (tally_history_page_export_finish (self, result, &error))
    /* Translators: %s is a file name */
    title = g_strdup_printf (_("History exported to “%s”"), name);
  else
    /* Translators: %s says why */
    title = g_strdup_printf (_("Could not export the history: %s"), error->message);

  adw_toast_overlay_add_toast (self->toast_overlay, tally_toast_new_plain (title));
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

static void
chooser_response (GtkNativeDialog  *chooser,
                  int               response,
                  TallyHistoryPage *self)
{
  TallyExportFormat format = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "format"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      GFile *file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      tally_history_page_export_async (self, file, format, NULL, exported, file);
    }

  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  g_object_unref (self);
}

static void
export_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TallyHistoryPage *self = TALLY_HISTORY_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  TallyExportFormat format;
  GtkFileChooserNative *chooser;
  g_autofree char *name = NULL;

  if (!tally_export_format_from_string (g_variant_get_string (parameter, NULL), &format))
    return;

  chooser = gtk_file_chooser_native_new (_("Export History"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Export"), _("_Cancel"));
  name = g_strdup_printf ("tally-history.%s", format == TALLY_EXPORT_FORMAT_CSV ? "csv" : "json");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "format", GINT_TO_POINTER (format));
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

G_GNUC_END_IGNORE_DEPRECATIONS

/* The class */

void
tally_history_page_set_source (TallyHistoryPage *self,
                               TallyLedger      *ledger,
                               const char       *account_id)
{
  g_return_if_fail (TALLY_IS_HISTORY_PAGE (self));

  tally_history_model_set_source (self->model, ledger, account_id);
  update_view (self);
}

void
tally_history_page_reload (TallyHistoryPage *self)
{
  g_return_if_fail (TALLY_IS_HISTORY_PAGE (self));

  tally_history_model_reload (self->model);
}

TallyHistoryModel *
tally_history_page_get_model (TallyHistoryPage *self)
{
  g_return_val_if_fail (TALLY_IS_HISTORY_PAGE (self), NULL);

  return self->model;
}

/* Once per cache: setting the source again would read the first page
 * again and lose the place in the list; ::ledger-changed reloads. */
static void
follow_ledger (TallyHistoryPage *self)
{
  tally_history_page_set_source (self, tally_session_get_ledger (self->session),
                                 tally_session_get_account_id (self->session));
}

static void
follow_tools (TallyHistoryPage *self)
{
  tally_history_page_set_tools (self, tally_session_get_tools (self->session));
}

static void
tally_history_page_constructed (GObject *object)
{
  TallyHistoryPage *self = TALLY_HISTORY_PAGE (object);

  G_OBJECT_CLASS (tally_history_page_parent_class)->constructed (object);

  /* The base class holds the reference. */
  self->session = tally_page_get_session (TALLY_PAGE (self));

  if (self->session == NULL)
    return;

  g_signal_connect_object (self->session, "notify::ledger", G_CALLBACK (follow_ledger), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "ledger-changed",
                           G_CALLBACK (tally_history_page_reload), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::tools", G_CALLBACK (follow_tools), self,
                           G_CONNECT_SWAPPED);
  follow_tools (self);
  follow_ledger (self);
}

static void
tally_history_page_dispose (GObject *object)
{
  TallyHistoryPage *self = TALLY_HISTORY_PAGE (object);

  /* AdwBin unparents the template's tree itself. */
  g_clear_object (&self->model);

  G_OBJECT_CLASS (tally_history_page_parent_class)->dispose (object);
}

static void
tally_history_page_finalize (GObject *object)
{
  TallyHistoryPage *self = TALLY_HISTORY_PAGE (object);

  g_ptr_array_unref (self->tool_ids);
  g_hash_table_unref (self->tool_names);

  G_OBJECT_CLASS (tally_history_page_parent_class)->finalize (object);
}

static void
tally_history_page_class_init (TallyHistoryPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tally_history_page_constructed;
  object_class->dispose = tally_history_page_dispose;
  object_class->finalize = tally_history_page_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/tally-history-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyHistoryPage, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TallyHistoryPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TallyHistoryPage, filter_box);
  gtk_widget_class_bind_template_child (widget_class, TallyHistoryPage, kind_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TallyHistoryPage, tool_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TallyHistoryPage, since_button);
  gtk_widget_class_bind_template_child (widget_class, TallyHistoryPage, until_button);
  gtk_widget_class_bind_template_child (widget_class, TallyHistoryPage, since_calendar);
  gtk_widget_class_bind_template_child (widget_class, TallyHistoryPage, until_calendar);
  gtk_widget_class_bind_template_child (widget_class, TallyHistoryPage, stack);
  gtk_widget_class_bind_template_child (widget_class, TallyHistoryPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, TallyHistoryPage, empty_page);
  gtk_widget_class_bind_template_callback (widget_class, filter_changed);
  gtk_widget_class_bind_template_callback (widget_class, search_changed);
  gtk_widget_class_bind_template_callback (widget_class, since_selected);
  gtk_widget_class_bind_template_callback (widget_class, until_selected);

  gtk_widget_class_install_action (widget_class, "history.export", "s", export_activated);
  gtk_widget_class_install_action (widget_class, "history.clear-date", "s", clear_date_action);
}

static void
tally_history_page_init (TallyHistoryPage *self)
{
  self->tool_ids = g_ptr_array_new_with_free_func (g_free);
  self->tool_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  gtk_widget_init_template (GTK_WIDGET (self));
  load_css_once ();
  setup_keyboard (self);

  self->updating_tools = TRUE;
  fill_kinds (self);
  self->updating_tools = FALSE;
  tally_history_page_set_tools (self, NULL);
  setup_list (self);
  show_range (self);
  update_view (self);
}

TallyHistoryPage *
tally_history_page_new (TallySession *session)
{
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  return g_object_new (TALLY_TYPE_HISTORY_PAGE, "session", session, NULL);
}
