/* tally-admin-audit-pane.c: the Admin view's audit log
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The log, newest first and read a page at a time as it scrolls, with a
 * search and filters; a record's detail in a window of its own; the
 * chain checked, or the whole log exported, on request.
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "tally-admin-audit-pane.h"
#include "tally-admin-dialogs.h"
#include "tally-audit-model.h"
#include "tally-audit-record.h"
#include "tally-session-admin.h"
#include "tally-toast.h"
#include "tally-widget-builders.h"

struct _TallyAdminAuditPane
{
  TallyAdminPane   parent_instance;

  TallyAuditModel *audit;
  GtkSearchEntry  *search;
  AdwEntryRow     *actor_row;
  AdwEntryRow     *action_row;
  AdwEntryRow     *since_row;
  AdwEntryRow     *until_row;
  AdwComboRow     *outcome_row;
  GtkLabel        *verify_label;
  GtkLabel        *status;
  gboolean         verifying;
};

G_DEFINE_FINAL_TYPE (TallyAdminAuditPane, tally_admin_audit_pane, TALLY_TYPE_ADMIN_PANE)

enum {
  PROP_0,
  PROP_VERIFYING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
outcome_text (const char *outcome)
{
  if (g_strcmp0 (outcome, "ok") == 0)
    return C_("audit outcome", "Done");
  if (g_strcmp0 (outcome, "refused") == 0)
    return C_("audit outcome", "Refused");
  return C_("audit outcome", "Failed");
}

/* @iso in local time, to the second, as the list shows it; the detail
 * keeps the server's exact text. */
static char *
local_time (const char *iso)
{
  /* TRANSLATORS: the time of an audit record, see strftime(3). */
  return tally_admin_local_time (iso, _("%Y-%m-%d %H:%M:%S"));
}

static void
setup_record (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);

  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), subtitle);
  gtk_list_item_set_child (item, box);
}

static void
bind_record (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  TallyAuditRecord *record = gtk_list_item_get_item (item);
  GtkWidget *title = gtk_widget_get_first_child (gtk_list_item_get_child (item));
  GtkWidget *subtitle = gtk_widget_get_next_sibling (title);
  const char *email = tally_audit_record_get_actor_email (record);
  const char *target = tally_audit_record_get_target (record);
  g_autofree char *heading = NULL;
  g_autofree char *line = NULL;
  g_autofree char *time = local_time (tally_audit_record_get_time (record));

  /* TRANSLATORS: an audit record: its action, then how it ended. */
  heading = g_strdup_printf (_("%s — %s"), tally_audit_record_get_action (record),
                             outcome_text (tally_audit_record_get_outcome (record)));
  line = g_strjoin (" · ", time,
                    email != NULL ? email : tally_audit_record_get_actor (record),
                    target != NULL ? target : "", NULL);
  gtk_label_set_text (GTK_LABEL (title), heading);
  gtk_label_set_text (GTK_LABEL (subtitle), line);
  /* What did not go through stands out; rows are reused, so both ways. */
  if (g_strcmp0 (tally_audit_record_get_outcome (record), "ok") == 0)
    gtk_widget_remove_css_class (title, "error");
  else
    gtk_widget_add_css_class (title, "error");
}

static void
update_audit_status (TallyAdminAuditPane *self)
{
  TallyPager *pager = tally_audit_model_get_pager (self->audit);
  const char *error = tally_pager_get_error (pager);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->audit));

  if (error != NULL)
    gtk_label_set_text (self->status, error);
  else if (tally_pager_get_loading (pager))
    gtk_label_set_text (self->status, _("Loading…"));
  else if (n == 0)
    gtk_label_set_text (self->status, _("No records match"));
  else if (tally_pager_get_complete (pager))
    {
      g_autofree char *text = g_strdup_printf (ngettext ("The whole log: %u record",
                                                         "The whole log: %u records", n), n);

      gtk_label_set_text (self->status, text);
    }
  else
    gtk_label_set_text (self->status, _("Scroll down for older records"));
}

/* A date (local midnight) or a date and time, as the API wants it;
 * "" for none, NULL when @text is neither. */
static char *
parse_time (const char *text)
{
  g_autoptr(GDateTime) time = NULL;
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  int year, month, day;
  char end;

  if (*text == '\0')
    return g_strdup ("");
  time = g_date_time_new_from_iso8601 (text, local);
  if (time == NULL && sscanf (text, "%4d-%2d-%2d%c", &year, &month, &day, &end) == 3)
    time = g_date_time_new_local (year, month, day, 0, 0, 0);
  if (time == NULL)
    return NULL;
  return g_date_time_format_iso8601 (time);
}

static char *
row_time (AdwEntryRow *row)
{
  char *time = parse_time (gtk_editable_get_text (GTK_EDITABLE (row)));

  if (time == NULL)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  return time;
}

/* The outcome row's choices, as the API names them; NULL: any. */
static const char * const outcomes[] = { NULL, "ok", "refused", "failed" };

static void
apply_filters (TallyAdminAuditPane *self)
{
  TallyAuditQuery query = { NULL };
  const char *action = gtk_editable_get_text (GTK_EDITABLE (self->action_row));

  query.since = row_time (self->since_row);
  query.until = row_time (self->until_row);
  if (query.since == NULL || query.until == NULL)
    {
      tally_toast_show (GTK_WIDGET (self), _("Write times as 2026-12-31 or 2026-12-31T18:00"));
      tally_audit_query_clear (&query);
      return;
    }
  query.actor = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->actor_row))));
  /* A word alone is a family of actions: "run" is every run.* one. */
  if (*action != '\0' && strchr (action, '.') == NULL)
    query.action = g_strconcat (action, ".", NULL);
  else
    query.action = g_strdup (action);
  query.search = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search)));
  query.outcome = g_strdup (outcomes[adw_combo_row_get_selected (self->outcome_row)]);
  tally_audit_model_set_query (self->audit, &query);
  tally_audit_query_clear (&query);
}

/* A field of the detail: its name, and its value selectable, wrapped
 * anywhere (hashes are one long word). */
static void
add_detail_row (GtkListBox *list,
                const char *title,
                const char *value)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *name = gtk_label_new (title);
  GtkWidget *text = gtk_label_new (value != NULL ? value : _("None"));
  GtkWidget *row = gtk_list_box_row_new ();

  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_widget_add_css_class (name, "caption");
  gtk_widget_add_css_class (name, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (text), 0);
  gtk_label_set_wrap (GTK_LABEL (text), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (text), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (text), TRUE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (text), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  name, NULL, -1);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), text);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  g_object_set_data (G_OBJECT (list), "last-value", text);
  gtk_widget_set_focusable (row, FALSE);
  gtk_list_box_append (list, row);
}

/* The value just added, in monospace: JSON and hex read better so. */
static void
monospace (GtkWidget *list)
{
  gtk_widget_add_css_class (g_object_get_data (G_OBJECT (list), "last-value"), "monospace");
}

static GtkWidget *
record_fields (TallyAuditRecord *record)
{
  GtkWidget *list = GTK_WIDGET (tally_boxed_list_new (NULL));
  g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, tally_audit_record_get_seq (record));
  g_autofree char *details = tally_audit_record_dup_details (record);

  add_detail_row (GTK_LIST_BOX (list), _("Number in the Chain"), seq);
  add_detail_row (GTK_LIST_BOX (list), _("Time"), tally_audit_record_get_time (record));
  add_detail_row (GTK_LIST_BOX (list), _("Action"), tally_audit_record_get_action (record));
  add_detail_row (GTK_LIST_BOX (list), _("Outcome"),
                  outcome_text (tally_audit_record_get_outcome (record)));
  add_detail_row (GTK_LIST_BOX (list), _("Actor"), tally_audit_record_get_actor (record));
  add_detail_row (GTK_LIST_BOX (list), _("Actor’s Email"),
                  tally_audit_record_get_actor_email (record));
  add_detail_row (GTK_LIST_BOX (list), _("Target"), tally_audit_record_get_target (record));
  add_detail_row (GTK_LIST_BOX (list), _("Details"), details);
  monospace (list);
  add_detail_row (GTK_LIST_BOX (list), _("Record ID"), tally_audit_record_get_id (record));
  add_detail_row (GTK_LIST_BOX (list), _("Hash"), tally_audit_record_get_hash (record));
  monospace (list);
  add_detail_row (GTK_LIST_BOX (list), _("Previous Record’s Hash"),
                  tally_audit_record_get_prev_hash (record));
  monospace (list);
  return list;
}

GtkWidget *
tally_admin_audit_pane_show_record (TallyAdminAuditPane *self,
                                    gpointer             record)
{
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *root = GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (self)));
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();

  g_return_val_if_fail (TALLY_IS_ADMIN_AUDIT_PANE (self), NULL);
  g_return_val_if_fail (TALLY_IS_AUDIT_RECORD (record), NULL);

  gtk_window_set_title (GTK_WINDOW (window), _("Audit Record"));
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (root));
  gtk_window_set_default_size (GTK_WINDOW (window), 560, 640);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_margin_top (clamp, 12);
  gtk_widget_set_margin_bottom (clamp, 12);
  gtk_widget_set_margin_start (clamp, 12);
  gtk_widget_set_margin_end (clamp, 12);
  adw_clamp_set_child (ADW_CLAMP (clamp), record_fields (record));
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_box_append (GTK_BOX (box), scrolled);
  adw_window_set_content (ADW_WINDOW (window), box);

  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                          gtk_named_action_new ("window.close")));
  gtk_widget_add_controller (window, shortcuts);
  gtk_window_present (GTK_WINDOW (window));
  /* The first value takes the focus: not its text selected with it. */
  if (GTK_IS_LABEL (gtk_window_get_focus (GTK_WINDOW (window))))
    gtk_label_select_region (GTK_LABEL (gtk_window_get_focus (GTK_WINDOW (window))), 0, 0);
  return window;
}

static void
on_record_activated (GtkListView         *view,
                     guint                position,
                     TallyAdminAuditPane *self)
{
  g_autoptr(TallyAuditRecord) record = g_list_model_get_item (G_LIST_MODEL (self->audit),
                                                              position);

  if (record != NULL)
    tally_admin_audit_pane_show_record (self, record);
}

static void
set_verifying (TallyAdminAuditPane *self,
               gboolean             verifying)
{
  if (self->verifying == verifying)
    return;
  self->verifying = verifying;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERIFYING]);
}

static void
verified (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TallyAdminAuditPane) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autofree char *text = NULL;
  gint64 records;

  reply = tally_session_admin_call_finish (TALLY_SESSION (source), result, &error);
  if (reply == NULL)
    text = g_strdup_printf (_("The chain could not be checked: %s"), error->message);
  else if (json_object_get_boolean_member_with_default (reply, "ok", FALSE))
    {
      records = json_object_get_int_member_with_default (reply, "records", 0);
      text = g_strdup_printf (ngettext ("The chain holds: %" PRId64 " record checked, "
                                        "none altered.",
                                        "The chain holds: %" PRId64 " records checked, "
                                        "none altered.", (gulong) records),
                              records);
    }
  else
    text = g_strdup_printf (_("The chain is broken at record %" PRId64 ": %s"),
                            json_object_get_int_member_with_default (reply, "broken_at", 0),
                            json_object_get_string_member_with_default (reply, "message", ""));
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_label_set_text (self->verify_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->verify_label), TRUE);
  set_verifying (self, FALSE);
}

void
tally_admin_audit_pane_verify (TallyAdminAuditPane *self)
{
  g_return_if_fail (TALLY_IS_ADMIN_AUDIT_PANE (self));

  if (self->verifying)
    return;
  gtk_label_set_text (self->verify_label, _("Checking every link of the chain…"));
  gtk_widget_set_visible (GTK_WIDGET (self->verify_label), TRUE);
  set_verifying (self, TRUE);
  tally_session_admin_call_async (tally_page_get_session (TALLY_PAGE (self)), "GET",
                                  "/v1/admin/audit/verify", NULL,
                                  tally_admin_pane_get_cancellable (TALLY_ADMIN_PANE (self)),
                                  verified, g_object_ref (self));
}

static void
exported (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TallyAdminAuditPane) self = user_data;
  g_autoptr(GError) error = NULL;

  if (tally_session_export_audit_finish (TALLY_SESSION (source), result, &error))
    tally_toast_show (GTK_WIDGET (self), _("The audit log was exported"));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_strdup_printf (_("The audit log could not be exported: %s"),
                                               error->message);

      tally_toast_show (GTK_WIDGET (self), text);
    }
}

void
tally_admin_audit_pane_export_to (TallyAdminAuditPane *self,
                                  GFile               *file)
{
  g_return_if_fail (TALLY_IS_ADMIN_AUDIT_PANE (self));
  g_return_if_fail (G_IS_FILE (file));

  tally_session_export_audit_async (tally_page_get_session (TALLY_PAGE (self)), file,
                                    tally_admin_pane_get_cancellable (TALLY_ADMIN_PANE (self)),
                                    exported,
                                    g_object_ref (self));
}

static void
chooser_response (GtkNativeDialog     *chooser,
                  int                  response,
                  TallyAdminAuditPane *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      tally_admin_audit_pane_export_to (self, file);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  g_object_unref (self);
}

void
tally_admin_audit_pane_choose_export (TallyAdminAuditPane *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;

  g_return_if_fail (TALLY_IS_ADMIN_AUDIT_PANE (self));

  chooser = gtk_file_chooser_native_new (_("Export the Audit Log"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "tally-audit.jsonl");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- building ----------------------------------------------------------- */

static GtkWidget *
entry_row (TallyAdminAuditPane *self,
           const char     *title)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
  g_signal_connect_object (row, "apply", G_CALLBACK (apply_filters), self, G_CONNECT_SWAPPED);
  return row;
}

static GtkWidget *
outcome_row (TallyAdminAuditPane *self)
{
  const char *names[] = { C_("audit outcome", "Any"), C_("audit outcome", "Done"),
                          C_("audit outcome", "Refused"), C_("audit outcome", "Failed"), NULL };
  g_autoptr(GtkStringList) choices = gtk_string_list_new (names);
  GtkWidget *row = adw_combo_row_new ();

  G_STATIC_ASSERT (G_N_ELEMENTS (names) == G_N_ELEMENTS (outcomes) + 1);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Outcome"));
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (choices));
  g_signal_connect_object (row, "notify::selected", G_CALLBACK (apply_filters), self,
                           G_CONNECT_SWAPPED);
  return row;
}

static GtkWidget *
build_filters (TallyAdminAuditPane *self)
{
  GtkWidget *list = GTK_WIDGET (tally_boxed_list_new (NULL));
  GtkWidget *expander = adw_expander_row_new ();

  gtk_widget_set_focusable (expander, FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), _("Filters"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander),
                                 _("Actor, action, time range, outcome"));
  self->actor_row = ADW_ENTRY_ROW (entry_row (self, _("Actor (user ID, system or anonymous)")));
  self->action_row = ADW_ENTRY_ROW (entry_row (self, _("Action or Its Start (run.)")));
  self->since_row = ADW_ENTRY_ROW (entry_row (self, _("From (2026-12-31)")));
  self->until_row = ADW_ENTRY_ROW (entry_row (self, _("Before (2026-12-31)")));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), GTK_WIDGET (self->actor_row));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), GTK_WIDGET (self->action_row));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), GTK_WIDGET (self->since_row));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), GTK_WIDGET (self->until_row));
  self->outcome_row = ADW_COMBO_ROW (outcome_row (self));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), GTK_WIDGET (self->outcome_row));
  gtk_list_box_append (GTK_LIST_BOX (list), expander);
  return list;
}

static GtkWidget *
action_button (const char *label,
               const char *action)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_widget_add_css_class (button, "pill");
  return button;
}

static GtkWidget *
build_audit_list (TallyAdminAuditPane *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkSelectionModel *selection;
  GtkWidget *view, *scrolled = gtk_scrolled_window_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (setup_record), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_record), NULL);
  selection = GTK_SELECTION_MODEL (gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->audit))));
  gtk_single_selection_set_autoselect (GTK_SINGLE_SELECTION (selection), FALSE);
  gtk_single_selection_set_can_unselect (GTK_SINGLE_SELECTION (selection), TRUE);
  view = gtk_list_view_new (selection, factory);
  gtk_widget_add_css_class (view, "rich-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Audit log"), -1);
  g_signal_connect_object (view, "activate", G_CALLBACK (on_record_activated), self, 0);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  tally_pager_follow (tally_audit_model_get_pager (self->audit),
                      GTK_SCROLLED_WINDOW (scrolled));
  gtk_widget_add_css_class (scrolled, "card");
  return scrolled;
}

static GtkWidget *
build_audit (TallyAdminAuditPane *self)
{
  GtkWidget *box = tally_padded_box_new (12);
  GtkWidget *buttons = gtk_flow_box_new ();

  self->search = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_object_set (self->search, "placeholder-text", _("Search the log"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search the log"), -1);
  g_signal_connect_object (self->search, "search-changed", G_CALLBACK (apply_filters),
                           self, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->search));
  gtk_box_append (GTK_BOX (box), build_filters (self));

  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (buttons), GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (buttons), TRUE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (buttons), 2);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (buttons), 12);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (buttons), 6);
  gtk_flow_box_append (GTK_FLOW_BOX (buttons),
                       action_button (_("_Verify the Chain"), "admin.verify"));
  gtk_flow_box_append (GTK_FLOW_BOX (buttons), action_button (_("E_xport…"), "admin.export"));
  gtk_box_append (GTK_BOX (box), buttons);

  self->verify_label = tally_message_label_new (NULL);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->verify_label));

  gtk_box_append (GTK_BOX (box), build_audit_list (self));
  self->status = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->status, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->status), "dim-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->status));
  g_signal_connect_object (tally_audit_model_get_pager (self->audit), "notify",
                           G_CALLBACK (update_audit_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->audit, "items-changed", G_CALLBACK (update_audit_status), self,
                           G_CONNECT_SWAPPED);
  return box;
}


static void
tally_admin_audit_pane_reload (TallyAdminPane *pane)
{
  apply_filters (TALLY_ADMIN_AUDIT_PANE (pane));
}

static void
tally_admin_audit_pane_clear (TallyAdminPane *pane)
{
  TallyAdminAuditPane *self = TALLY_ADMIN_AUDIT_PANE (pane);

  tally_audit_model_clear (self->audit);
  gtk_label_set_text (self->verify_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->verify_label), FALSE);
  set_verifying (self, FALSE);
}

GListModel *
tally_admin_audit_pane_get_audit (TallyAdminAuditPane *self)
{
  g_return_val_if_fail (TALLY_IS_ADMIN_AUDIT_PANE (self), NULL);

  return G_LIST_MODEL (self->audit);
}

gboolean
tally_admin_audit_pane_get_verifying (TallyAdminAuditPane *self)
{
  g_return_val_if_fail (TALLY_IS_ADMIN_AUDIT_PANE (self), FALSE);

  return self->verifying;
}

static void
tally_admin_audit_pane_dispose (GObject *object)
{
  TallyAdminAuditPane *self = TALLY_ADMIN_AUDIT_PANE (object);

  /* The list view still holds the model, whose pager says it stops. */
  if (self->audit != NULL)
    g_signal_handlers_disconnect_by_data (tally_audit_model_get_pager (self->audit), self);
  g_clear_object (&self->audit);

  G_OBJECT_CLASS (tally_admin_audit_pane_parent_class)->dispose (object);
}

static void
tally_admin_audit_pane_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  TallyAdminAuditPane *self = TALLY_ADMIN_AUDIT_PANE (object);

  switch (prop_id)
    {
    case PROP_VERIFYING:
      g_value_set_boolean (value, self->verifying);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_admin_audit_pane_constructed (GObject *object)
{
  TallyAdminAuditPane *self = TALLY_ADMIN_AUDIT_PANE (object);

  G_OBJECT_CLASS (tally_admin_audit_pane_parent_class)->constructed (object);

  self->audit = tally_audit_model_new (tally_page_get_session (TALLY_PAGE (self)));
  adw_bin_set_child (ADW_BIN (self), build_audit (self));
}

static void
tally_admin_audit_pane_class_init (TallyAdminAuditPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  TallyAdminPaneClass *pane_class = TALLY_ADMIN_PANE_CLASS (klass);

  object_class->constructed = tally_admin_audit_pane_constructed;
  object_class->dispose = tally_admin_audit_pane_dispose;
  object_class->get_property = tally_admin_audit_pane_get_property;
  pane_class->reload = tally_admin_audit_pane_reload;
  pane_class->clear = tally_admin_audit_pane_clear;

  properties[PROP_VERIFYING] = g_param_spec_boolean ("verifying", NULL, NULL, FALSE,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tally_admin_audit_pane_init (TallyAdminAuditPane *self)
{
}

TallyAdminAuditPane *
tally_admin_audit_pane_new (TallySession *session)
{
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  return g_object_new (TALLY_TYPE_ADMIN_AUDIT_PANE, "session", session, NULL);
}
