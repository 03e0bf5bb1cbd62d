/* tally-admin-page.c: the Admin view: the audit log and the users
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Only admins see the view; the server checks the role on every call all
 * the same. Every change to a user asks first, then goes to the server,
 * which audits it: the log is read again afterwards, so the record of
 * what was just done shows at its top.
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "tally-admin-page.h"
#include "tally-audit-model.h"
#include "tally-audit-record.h"
#include "tally-format.h"
#include "tally-session-admin.h"
#include "tally-toast.h"

#define USERS_PAGE_SIZE 50
#define MAX_CREDITS G_GINT64_CONSTANT (1000000000000)

struct _TallyAdminPage
{
  TallyPage        parent_instance;

  TallySession    *session;
  TallyAuditModel *audit;
  GtkStack        *sections;
  GtkSearchEntry  *audit_search;
  AdwEntryRow     *actor_row;
  AdwEntryRow     *action_row;
  AdwEntryRow     *since_row;
  AdwEntryRow     *until_row;
  AdwComboRow     *outcome_row;
  GtkLabel        *verify_label;
  GtkLabel        *audit_status;
  GtkSearchEntry  *user_search;
  GtkListBox      *user_list;
  GtkLabel        *user_status;
  /* id → the AdminUser object the list shows. */
  GHashTable      *users;
  GCancellable    *cancellable;
  gboolean         loaded;
};

G_DEFINE_FINAL_TYPE (TallyAdminPage, tally_admin_page, TALLY_TYPE_PAGE)

static void
toast (TallyAdminPage *self,
       const char     *text)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), tally_toast_new_plain (text));
}

static const char *
outcome_text (const char *outcome)
{
  if (g_strcmp0 (outcome, "ok") == 0)
    return C_("audit outcome", "Done");
  if (g_strcmp0 (outcome, "refused") == 0)
    return C_("audit outcome", "Refused");
  return C_("audit outcome", "Failed");
}

/* ---- the audit log ------------------------------------------------------ */

/* @iso in local time, to the second, as the list shows it; the detail
 * keeps the server's exact text. */
static char *
local_time (const char *iso)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (iso, NULL);
  g_autoptr(GDateTime) local = NULL;

  if (time == NULL)
    return g_strdup (iso);
  local = g_date_time_to_local (time);
  /* TRANSLATORS: the time of an audit record, see strftime(3). */
  return g_date_time_format (local, _("%Y-%m-%d %H:%M:%S"));
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
update_audit_status (TallyAdminPage *self)
{
  const char *error = tally_audit_model_get_error (self->audit);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->audit));

  if (error != NULL)
    gtk_label_set_text (self->audit_status, error);
  else if (tally_audit_model_get_loading (self->audit))
    gtk_label_set_text (self->audit_status, _("Loading…"));
  else if (n == 0)
    gtk_label_set_text (self->audit_status, _("No records match"));
  else if (tally_audit_model_get_complete (self->audit))
    {
      g_autofree char *text = g_strdup_printf (ngettext ("The whole log: %u record",
                                                         "The whole log: %u records", n), n);

      gtk_label_set_text (self->audit_status, text);
    }
  else
    gtk_label_set_text (self->audit_status, _("Scroll down for older records"));
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
apply_filters (TallyAdminPage *self)
{
  TallyAuditQuery query = { NULL };
  const char *action = gtk_editable_get_text (GTK_EDITABLE (self->action_row));

  query.since = row_time (self->since_row);
  query.until = row_time (self->until_row);
  if (query.since == NULL || query.until == NULL)
    {
      toast (self, _("Write times as 2026-12-31 or 2026-12-31T18:00"));
      tally_audit_query_clear (&query);
      return;
    }
  query.actor = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->actor_row))));
  /* A word alone is a family of actions: "run" is every run.* one. */
  if (*action != '\0' && strchr (action, '.') == NULL)
    query.action = g_strconcat (action, ".", NULL);
  else
    query.action = g_strdup (action);
  query.search = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->audit_search)));
  query.outcome = g_strdup (outcomes[adw_combo_row_get_selected (self->outcome_row)]);
  tally_audit_model_set_query (self->audit, &query);
  tally_audit_query_clear (&query);
}

static void
on_edge_reached (GtkScrolledWindow *scrolled,
                 GtkPositionType    position,
                 TallyAdminPage    *self)
{
  if (position == GTK_POS_BOTTOM)
    tally_audit_model_load_more (self->audit);
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
  GtkWidget *list = gtk_list_box_new ();
  g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, tally_audit_record_get_seq (record));
  g_autofree char *details = tally_audit_record_dup_details (record);

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
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
tally_admin_page_show_record (TallyAdminPage *self,
                              gpointer        record)
{
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *root = GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (self)));
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();

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
on_record_activated (GtkListView    *view,
                     guint           position,
                     TallyAdminPage *self)
{
  g_autoptr(TallyAuditRecord) record = g_list_model_get_item (G_LIST_MODEL (self->audit),
                                                              position);

  if (record != NULL)
    tally_admin_page_show_record (self, record);
}

static void
verified (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TallyAdminPage) self = user_data;
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
  gtk_label_set_text (self->verify_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->verify_label), TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "admin.verify", TRUE);
}

static void
verify_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TallyAdminPage *self = TALLY_ADMIN_PAGE (widget);

  gtk_label_set_text (self->verify_label, _("Checking every link of the chain…"));
  gtk_widget_set_visible (GTK_WIDGET (self->verify_label), TRUE);
  gtk_widget_action_set_enabled (widget, "admin.verify", FALSE);
  tally_session_admin_call_async (self->session, "GET", "/v1/admin/audit/verify", NULL,
                                  self->cancellable, verified, g_object_ref (self));
}

static void
exported (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TallyAdminPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (tally_session_export_audit_finish (TALLY_SESSION (source), result, &error))
    toast (self, _("The audit log was exported"));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_strdup_printf (_("The audit log could not be exported: %s"),
                                               error->message);

      toast (self, text);
    }
}

void
tally_admin_page_export_to (TallyAdminPage *self,
                            GFile          *file)
{
  g_return_if_fail (TALLY_IS_ADMIN_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  tally_session_export_audit_async (self->session, file, self->cancellable, exported,
                                    g_object_ref (self));
}

static void
chooser_response (GtkNativeDialog *chooser,
                  int              response,
                  TallyAdminPage  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      tally_admin_page_export_to (self, file);
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
  g_object_unref (self);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_("Export the Audit Log"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "tally-audit.jsonl");
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response), g_object_ref (widget));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- the users ---------------------------------------------------------- */

/* @name of @object as an array; NULL when it is not one. */
static JsonArray *
array_member (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* The @i-th element of @array when it is an object; NULL otherwise. */
static JsonObject *
object_element (JsonArray *array,
                guint      i)
{
  JsonNode *node = json_array_get_element (array, i);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonObject *
user_account (JsonObject *user)
{
  JsonArray *accounts = array_member (user, "accounts");

  for (guint i = 0; accounts != NULL && i < json_array_get_length (accounts); i++)
    {
      JsonObject *account = object_element (accounts, i);

      if (account != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (account, "kind", ""),
                     "user") == 0)
        return account;
    }
  return NULL;
}

static GtkWidget *
user_action_row (const char *title,
                 const char *action,
                 const char *user_id)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), action);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s", user_id);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             gtk_image_new_from_icon_name ("go-next-symbolic"));
  return row;
}

static const char *
user_email (JsonObject *user)
{
  return json_object_get_string_member_with_default (user, "email", "");
}

/* The cap in force of one window in a user's limits; 0 for none. */
static gint64
cap_in_force (JsonObject *limits,
              const char *window)
{
  JsonNode *node = json_object_get_member (limits, window);
  JsonNode *cap;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return 0;
  cap = json_object_get_member (json_node_get_object (node), "cap");
  return cap != NULL && JSON_NODE_HOLDS_VALUE (cap) ? json_node_get_int (cap) : 0;
}

/* The caps that bind the user, the tighter of an admin's ceiling and
 * their own, in words. */
static char *
limits_words (JsonObject *user)
{
  JsonNode *node = json_object_get_member (user, "limits");
  JsonObject *limits;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return g_strdup (_("No spend limits"));
  limits = json_node_get_object (node);
  return tally_format_limits (cap_in_force (limits, "per_run"), cap_in_force (limits, "daily"),
                              cap_in_force (limits, "monthly"));
}

static char *
describe_user (JsonObject *user)
{
  JsonObject *account = user_account (user);
  gboolean admin = g_strcmp0 (json_object_get_string_member_with_default (user, "role", ""),
                              "admin") == 0;
  const char *name = json_object_get_string_member_with_default (user, "name", "");
  GString *text = g_string_new (NULL);

  /* The email is the row's title when the user gave no name. */
  if (*name != '\0')
    g_string_append_printf (text, "%s · ",
                            json_object_get_string_member_with_default (user, "email", ""));
  g_string_append (text, admin ? _("Admin") : _("Member"));
  if (json_object_get_boolean_member_with_default (user, "disabled", FALSE))
    g_string_append_printf (text, " · %s", _("Disabled"));
  if (account != NULL)
    {
      g_autofree char *balance = tally_format_credits (
        json_object_get_int_member_with_default (account, "balance", 0));

      g_string_append_printf (text, " · %s", balance);
    }
  if (json_object_has_member (user, "limits"))
    {
      g_autofree char *limits = limits_words (user);

      g_string_append_printf (text, "\n%s", limits);
    }
  return g_string_free (text, FALSE);
}

static GtkWidget *
user_row (JsonObject *user)
{
  GtkWidget *row = adw_expander_row_new ();
  const char *id = json_object_get_string_member_with_default (user, "id", "");
  gboolean admin = g_strcmp0 (json_object_get_string_member_with_default (user, "role", ""),
                              "admin") == 0;
  gboolean disabled = json_object_get_boolean_member_with_default (user, "disabled", FALSE);
  g_autofree char *subtitle = describe_user (user);
  const char *name = json_object_get_string_member_with_default (user, "name", "");

  /* The keyboard lands on its header, which expands it. */
  gtk_widget_set_focusable (row, FALSE);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 *name != '\0' ? name : user_email (user));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
  if (user_account (user) != NULL)
    {
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                                user_action_row (_("_Grant Credits…"), "admin.grant", id));
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                                user_action_row (_("Set _Ceilings…"), "admin.set-ceilings", id));
    }
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                            user_action_row (admin ? _("Make _Member…") : _("Make _Admin…"),
                                             "admin.toggle-role", id));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                            user_action_row (disabled ? _("_Enable Sign-In…")
                                                      : _("_Disable Sign-In…"),
                                             "admin.toggle-disabled", id));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                            user_action_row (_("_Erase…"), "admin.erase", id));
  return row;
}

static void
show_users (TallyAdminPage *self,
            JsonObject     *reply)
{
  JsonArray *items = array_member (reply, "items");
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->user_list))) != NULL)
    gtk_list_box_remove (self->user_list, child);
  g_hash_table_remove_all (self->users);

  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonObject *user = object_element (items, i);
      const char *id;

      if (user == NULL || (id = json_object_get_string_member_with_default (user, "id", NULL)) == NULL)
        continue;
      g_hash_table_insert (self->users, g_strdup (id), json_object_ref (user));
      gtk_list_box_append (self->user_list, user_row (user));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->user_list), g_hash_table_size (self->users) > 0);
  gtk_label_set_text (self->user_status, g_hash_table_size (self->users) > 0 ? "" :
                      _("No users match"));
}

static void
users_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(TallyAdminPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = NULL;

  reply = tally_session_admin_call_finish (TALLY_SESSION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reply == NULL)
    {
      gtk_label_set_text (self->user_status, error->message);
      return;
    }
  show_users (self, reply);
}

static void
reload_users (TallyAdminPage *self)
{
  g_autofree char *query = g_uri_escape_string (gtk_editable_get_text (GTK_EDITABLE (self->user_search)),
                                                NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/v1/admin/users?limit=%d&q=%s", USERS_PAGE_SIZE,
                                           query);

  tally_session_admin_call_async (self->session, "GET", path, NULL, self->cancellable,
                                  users_read, g_object_ref (self));
}

static void
reload (TallyAdminPage *self)
{
  self->loaded = TRUE;
  apply_filters (self);
  reload_users (self);
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  reload (TALLY_ADMIN_PAGE (widget));
}

/* ---- changing a user, after asking ------------------------------------- */

typedef struct
{
  TallyAdminPage *self;
  char           *done;
} Change;

static void
change_free (Change *change)
{
  g_object_unref (change->self);
  g_free (change->done);
  g_free (change);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Change, change_free)

static void
changed (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Change) change = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = NULL;

  reply = tally_session_admin_call_finish (TALLY_SESSION (source), result, &error);
  if (reply == NULL)
    {
      toast (change->self, error->message);
      return;
    }
  toast (change->self, change->done);
  reload (change->self);
}

/* Sends the change; @done is what the toast says when it worked. */
static void
send_change (TallyAdminPage *self,
             const char     *method,
             const char     *path,
             JsonObject     *body,
             const char     *done)
{
  Change *change = g_new0 (Change, 1);

  change->self = g_object_ref (self);
  change->done = g_strdup (done);
  tally_session_admin_call_async (self->session, method, path, body, self->cancellable, changed,
                                  change);
}

typedef void (*ConfirmFunc) (TallyAdminPage   *self,
                             AdwMessageDialog *dialog,
                             JsonObject       *user);

static void
on_confirm_response (AdwMessageDialog *dialog,
                     const char       *response,
                     TallyAdminPage   *self)
{
  ConfirmFunc func = g_object_get_data (G_OBJECT (dialog), "confirm-func");
  JsonObject *user = g_object_get_data (G_OBJECT (dialog), "user");

  if (g_str_equal (response, "confirm"))
    func (self, dialog, user);
}

/* Asks first, once the dialog is presented; @func makes the change with
 * what the dialog holds. */
static AdwMessageDialog *
ask (TallyAdminPage       *self,
     JsonObject           *user,
     const char           *heading,
     const char           *body,
     const char           *confirm,
     AdwResponseAppearance appearance,
     ConfirmFunc           func)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                              heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "confirm", confirm, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "confirm",
                                              appearance);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog),
                                           appearance == ADW_RESPONSE_DESTRUCTIVE ? "cancel"
                                                                                  : "confirm");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "confirm-func", func);
  g_object_set_data_full (G_OBJECT (dialog), "user", json_object_ref (user),
                          (GDestroyNotify) json_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_confirm_response), self, 0);
  return ADW_MESSAGE_DIALOG (dialog);
}

static JsonObject *
find_user (TallyAdminPage *self,
           GVariant       *parameter)
{
  return g_hash_table_lookup (self->users, g_variant_get_string (parameter, NULL));
}

static const char *
user_name (JsonObject *user)
{
  return json_object_get_string_member_with_default (user, "email", "");
}

static char *
user_path (JsonObject *user)
{
  return g_strdup_printf ("/v1/admin/users/%s",
                          json_object_get_string_member_with_default (user, "id", ""));
}

/* A row of a dialog's form holding @widget, which takes the row's title
 * as its accessible name. */
static void
add_form_row (GtkWidget  *list,
              const char *title,
              GtkWidget  *widget)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_set_valign (widget, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), widget);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), widget);
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  gtk_list_box_append (GTK_LIST_BOX (list), row);
}

static GtkWidget *
form_new (void)
{
  GtkWidget *list = gtk_list_box_new ();

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  return list;
}

static GtkWidget *
credits_spin (AdwMessageDialog *dialog,
              const char       *key,
              double            value,
              double            lowest)
{
  GtkWidget *spin = gtk_spin_button_new_with_range (lowest, (double) MAX_CREDITS, 1);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), 0);
  g_object_set_data (G_OBJECT (dialog), key, spin);
  return spin;
}

static gint64
spin_credits (AdwMessageDialog *dialog,
              const char       *key)
{
  GtkSpinButton *spin = g_object_get_data (G_OBJECT (dialog), key);

  gtk_spin_button_update (spin);
  return (gint64) gtk_spin_button_get_value (spin);
}

static void
grant_confirmed (TallyAdminPage   *self,
                 AdwMessageDialog *dialog,
                 JsonObject       *user)
{
  g_autoptr(JsonObject) body = json_object_new ();
  GtkEditable *reason = g_object_get_data (G_OBJECT (dialog), "reason");
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *done = NULL;
  gint64 amount = spin_credits (dialog, "amount");
  g_autofree char *credits = tally_format_credits (amount);

  json_object_set_string_member (body, "account_id",
                                 json_object_get_string_member (user_account (user), "id"));
  json_object_set_int_member (body, "amount", amount);
  json_object_set_string_member (body, "reason", gtk_editable_get_text (reason));
  /* One grant however often the request is sent again. */
  json_object_set_string_member (body, "id", id);
  done = g_strdup_printf (_("Granted %s to %s"), credits, user_name (user));
  send_change (self, "POST", "/v1/admin/grants", body, done);
}

static void
grant_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  TallyAdminPage *self = TALLY_ADMIN_PAGE (widget);
  JsonObject *user = find_user (self, parameter);
  AdwMessageDialog *dialog;
  g_autofree char *body = NULL;
  GtkWidget *form = form_new ();
  GtkWidget *reason = adw_entry_row_new ();

  if (user == NULL || user_account (user) == NULL)
    return;
  body = g_strdup_printf (_("The credits go to %s’s account at once."), user_name (user));
  dialog = ask (self, user, _("Grant Credits?"), body, _("_Grant"), ADW_RESPONSE_SUGGESTED,
                grant_confirmed);
  add_form_row (form, _("Credits"), credits_spin (dialog, "amount", 100, 1));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (reason), _("Reason"));
  gtk_editable_set_text (GTK_EDITABLE (reason), _("Granted by an admin"));
  gtk_list_box_append (GTK_LIST_BOX (form), reason);
  g_object_set_data (G_OBJECT (dialog), "reason", reason);
  adw_message_dialog_set_extra_child (dialog, form);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
role_confirmed (TallyAdminPage   *self,
                AdwMessageDialog *dialog,
                JsonObject       *user)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *path = user_path (user);
  g_autofree char *done = NULL;
  gboolean admin = g_strcmp0 (json_object_get_string_member (user, "role"), "admin") == 0;

  json_object_set_string_member (body, "role", admin ? "member" : "admin");
  done = g_strdup_printf (admin ? _("%s is now a member") : _("%s is now an admin"),
                          user_name (user));
  send_change (self, "PUT", path, body, done);
}

static void
toggle_role_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TallyAdminPage *self = TALLY_ADMIN_PAGE (widget);
  JsonObject *user = find_user (self, parameter);
  AdwMessageDialog *dialog;
  g_autofree char *heading = NULL;
  gboolean admin;

  if (user == NULL)
    return;
  admin = g_strcmp0 (json_object_get_string_member (user, "role"), "admin") == 0;
  heading = g_strdup_printf (admin ? _("Make %s a Member?") : _("Make %s an Admin?"),
                             user_name (user));
  dialog = ask (self, user, heading,
                admin ? _("They will no longer see the Administration view or change other "
                          "users.")
                      : _("They will see the audit log and can change every user, you "
                          "included."),
                admin ? _("Make _Member") : _("Make _Admin"),
                admin ? ADW_RESPONSE_SUGGESTED : ADW_RESPONSE_DESTRUCTIVE, role_confirmed);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
disabled_confirmed (TallyAdminPage   *self,
                    AdwMessageDialog *dialog,
                    JsonObject       *user)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *path = user_path (user);
  g_autofree char *done = NULL;
  gboolean disabled = json_object_get_boolean_member_with_default (user, "disabled", FALSE);

  json_object_set_boolean_member (body, "disabled", !disabled);
  done = g_strdup_printf (disabled ? _("%s can sign in again") : _("%s can no longer sign in"),
                          user_name (user));
  send_change (self, "PUT", path, body, done);
}

static void
toggle_disabled_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  TallyAdminPage *self = TALLY_ADMIN_PAGE (widget);
  JsonObject *user = find_user (self, parameter);
  AdwMessageDialog *dialog;
  g_autofree char *heading = NULL;
  gboolean disabled;

  if (user == NULL)
    return;
  disabled = json_object_get_boolean_member_with_default (user, "disabled", FALSE);
  heading = g_strdup_printf (disabled ? _("Let %s Sign In Again?") : _("Disable %s?"),
                             user_name (user));
  dialog = ask (self, user, heading,
                disabled ? _("They can sign in again with their password.")
                         : _("They cannot sign in, and every session of theirs ends now. Their "
                             "credits and history are kept."),
                disabled ? _("_Enable") : _("_Disable"),
                disabled ? ADW_RESPONSE_SUGGESTED : ADW_RESPONSE_DESTRUCTIVE, disabled_confirmed);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
ceilings_confirmed (TallyAdminPage   *self,
                    AdwMessageDialog *dialog,
                    JsonObject       *user)
{
  static const char * const keys[] = { "per_run", "daily", "monthly" };
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *path = NULL;
  g_autofree char *done = NULL;

  path = g_strdup_printf ("/v1/admin/accounts/%s/limits",
                          json_object_get_string_member (user_account (user), "id"));
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    json_object_set_int_member (body, keys[i], spin_credits (dialog, keys[i]));
  done = g_strdup_printf (_("The ceilings of %s are set"), user_name (user));
  send_change (self, "PUT", path, body, done);
}

static void
set_ceilings_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  TallyAdminPage *self = TALLY_ADMIN_PAGE (widget);
  JsonObject *user = find_user (self, parameter);
  AdwMessageDialog *dialog;
  GtkWidget *form = form_new ();

  if (user == NULL || user_account (user) == NULL)
    return;
  dialog = ask (self, user, _("Set Ceilings?"),
                _("The most this user may spend, whatever caps they set themselves. 0 is no "
                  "ceiling."),
                _("_Set"), ADW_RESPONSE_SUGGESTED, ceilings_confirmed);
  add_form_row (form, _("Per Run"), credits_spin (dialog, "per_run", 0, 0));
  add_form_row (form, _("Per Day"), credits_spin (dialog, "daily", 0, 0));
  add_form_row (form, _("Per Month"), credits_spin (dialog, "monthly", 0, 0));
  adw_message_dialog_set_extra_child (dialog, form);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
erase_confirmed (TallyAdminPage   *self,
                 AdwMessageDialog *dialog,
                 JsonObject       *user)
{
  g_autofree char *path = user_path (user);
  g_autofree char *done = g_strdup_printf (_("%s was erased"), user_name (user));

  send_change (self, "DELETE", path, NULL, done);
}

static void
erase_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  TallyAdminPage *self = TALLY_ADMIN_PAGE (widget);
  JsonObject *user = find_user (self, parameter);
  AdwMessageDialog *dialog;
  g_autofree char *heading = NULL;

  if (user == NULL)
    return;
  heading = g_strdup_printf (_("Erase %s?"), user_name (user));
  dialog = ask (self, user, heading,
                _("Only on the user’s request. Their name, email and settings are deleted for "
                  "good and their sessions end; their transactions and audit records stay, "
                  "under a pseudonym, so the books still balance. This cannot be undone."),
                _("_Erase"), ADW_RESPONSE_DESTRUCTIVE, erase_confirmed);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- building ----------------------------------------------------------- */

static GtkWidget *
entry_row (TallyAdminPage *self,
           const char     *title)
{
  GtkWidget *row = adw_entry_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (row), TRUE);
  g_signal_connect_object (row, "apply", G_CALLBACK (apply_filters), self, G_CONNECT_SWAPPED);
  return row;
}

static GtkWidget *
outcome_row (TallyAdminPage *self)
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
build_filters (TallyAdminPage *self)
{
  GtkWidget *list = form_new ();
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
padded_box (int spacing)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, spacing);

  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  return box;
}

static GtkWidget *
build_audit_list (TallyAdminPage *self)
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
  g_signal_connect_object (scrolled, "edge-reached", G_CALLBACK (on_edge_reached), self, 0);
  gtk_widget_add_css_class (scrolled, "card");
  return scrolled;
}

static GtkWidget *
build_audit (TallyAdminPage *self)
{
  GtkWidget *box = padded_box (12);
  GtkWidget *buttons = gtk_flow_box_new ();

  self->audit_search = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_object_set (self->audit_search, "placeholder-text", _("Search the log"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->audit_search),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search the log"), -1);
  g_signal_connect_object (self->audit_search, "search-changed", G_CALLBACK (apply_filters),
                           self, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->audit_search));
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

  self->verify_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->verify_label, TRUE);
  gtk_label_set_xalign (self->verify_label, 0);
  gtk_label_set_selectable (self->verify_label, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->verify_label), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->verify_label));

  gtk_box_append (GTK_BOX (box), build_audit_list (self));
  self->audit_status = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->audit_status, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->audit_status), "dim-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->audit_status));
  g_signal_connect_object (self->audit, "notify", G_CALLBACK (update_audit_status), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->audit, "items-changed", G_CALLBACK (update_audit_status), self,
                           G_CONNECT_SWAPPED);
  return box;
}

static GtkWidget *
build_users (TallyAdminPage *self)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *box = padded_box (12);

  self->user_search = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_object_set (self->user_search, "placeholder-text", _("Search by email or name"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->user_search),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search users"), -1);
  g_signal_connect_object (self->user_search, "search-changed", G_CALLBACK (reload_users), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->user_search));
  self->user_list = GTK_LIST_BOX (form_new ());
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->user_list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Users"), -1);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->user_list));
  self->user_status = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->user_status, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->user_status), "dim-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->user_status));

  adw_clamp_set_child (ADW_CLAMP (clamp), box);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  return scrolled;
}

static void
build (TallyAdminPage *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *switcher = gtk_stack_switcher_new ();
  GtkWidget *audit_clamp = adw_clamp_new ();

  self->sections = GTK_STACK (gtk_stack_new ());
  /* Each section as narrow as it can be, whatever the other needs. */
  gtk_stack_set_hhomogeneous (self->sections, FALSE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->sections), TRUE);
  adw_clamp_set_maximum_size (ADW_CLAMP (audit_clamp), 900);
  adw_clamp_set_child (ADW_CLAMP (audit_clamp), build_audit (self));
  gtk_stack_add_titled (self->sections, audit_clamp, "audit", _("Audit Log"));
  gtk_stack_add_titled (self->sections, build_users (self), "users", _("Users"));
  gtk_stack_switcher_set_stack (GTK_STACK_SWITCHER (switcher), self->sections);
  gtk_widget_set_halign (switcher, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (switcher, 12);
  gtk_box_append (GTK_BOX (box), switcher);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->sections));
  adw_bin_set_child (ADW_BIN (self), box);
}

/* Read when first shown, and again for another admin. */
static void
on_map (TallyAdminPage *self)
{
  if (!self->loaded && tally_session_is_admin (self->session))
    reload (self);
}

/* Another user, or no longer an admin: what the last admin saw goes. */
static void
on_role_changed (TallyAdminPage *self)
{
  g_autoptr(JsonObject) none = json_object_new ();

  self->loaded = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  tally_audit_model_clear (self->audit);
  show_users (self, none);
  gtk_label_set_text (self->verify_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->verify_label), FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "admin.verify", TRUE);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    on_map (self);
}

static void
tally_admin_page_constructed (GObject *object)
{
  TallyAdminPage *self = TALLY_ADMIN_PAGE (object);

  G_OBJECT_CLASS (tally_admin_page_parent_class)->constructed (object);

  self->session = tally_page_get_session (TALLY_PAGE (self));
  g_return_if_fail (self->session != NULL);
  self->audit = tally_audit_model_new (self->session);
  build (self);
  g_signal_connect (self, "map", G_CALLBACK (on_map), NULL);
  g_signal_connect_object (self->session, "notify::role", G_CALLBACK (on_role_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->session, "notify::user-id", G_CALLBACK (on_role_changed), self,
                           G_CONNECT_SWAPPED);
}

static void
tally_admin_page_dispose (GObject *object)
{
  TallyAdminPage *self = TALLY_ADMIN_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->audit);
  g_clear_pointer (&self->users, g_hash_table_unref);

  G_OBJECT_CLASS (tally_admin_page_parent_class)->dispose (object);
}

static void
tally_admin_page_class_init (TallyAdminPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tally_admin_page_constructed;
  object_class->dispose = tally_admin_page_dispose;

  gtk_widget_class_install_action (widget_class, "admin.verify", NULL, verify_action);
  gtk_widget_class_install_action (widget_class, "admin.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "admin.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "admin.grant", "s", grant_action);
  gtk_widget_class_install_action (widget_class, "admin.toggle-role", "s", toggle_role_action);
  gtk_widget_class_install_action (widget_class, "admin.toggle-disabled", "s",
                                   toggle_disabled_action);
  gtk_widget_class_install_action (widget_class, "admin.set-ceilings", "s",
                                   set_ceilings_action);
  gtk_widget_class_install_action (widget_class, "admin.erase", "s", erase_action);
}

static void
tally_admin_page_init (TallyAdminPage *self)
{
  self->cancellable = g_cancellable_new ();
  self->users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) json_object_unref);
}

TallyAdminPage *
tally_admin_page_new (TallySession *session)
{
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  return g_object_new (TALLY_TYPE_ADMIN_PAGE, "session", session, NULL);
}

void
tally_admin_page_show_section (TallyAdminPage *self,
                               const char     *name)
{
  g_return_if_fail (TALLY_IS_ADMIN_PAGE (self));

  gtk_stack_set_visible_child_name (self->sections, name);
}

GListModel *
tally_admin_page_get_audit (TallyAdminPage *self)
{
  g_return_val_if_fail (TALLY_IS_ADMIN_PAGE (self), NULL);

  return G_LIST_MODEL (self->audit);
}

/* The menu's Administration: enabled, so shown, for admins only; a
 * member who had it open is sent back to the Overview. */
static void
follow_role (TallySession *session,
             GParamSpec   *pspec,
             AdwViewStack *stack)
{
  GActionGroup *group = g_object_get_data (G_OBJECT (stack), "admin-view-actions");
  GAction *show = g_action_map_lookup_action (G_ACTION_MAP (group), "show");
  gboolean admin = tally_session_is_admin (session);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (show), admin);
  if (!admin && g_strcmp0 (adw_view_stack_get_visible_child_name (stack), "admin") == 0)
    adw_view_stack_set_visible_child_name (stack, "overview");
}

/* Not even by name (win.show-view): a member is sent back. */
static void
on_visible_child (AdwViewStack *stack,
                  GParamSpec   *pspec,
                  TallySession *session)
{
  if (!tally_session_is_admin (session) &&
      g_strcmp0 (adw_view_stack_get_visible_child_name (stack), "admin") == 0)
    adw_view_stack_set_visible_child_name (stack, "overview");
}

static void
show_activated (GSimpleAction *action,
                GVariant      *parameter,
                AdwViewStack  *stack)
{
  adw_view_stack_set_visible_child_name (stack, "admin");
}

/* The view is reached from the main menu, not the view switchers: a
 * sixth button would not fit a 360 px window's switcher bar. */
TallyAdminPage *
tally_admin_page_add_to_stack (AdwViewStack *stack,
                               TallySession *session)
{
  TallyAdminPage *self = tally_admin_page_new (session);
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) show = g_simple_action_new ("show", NULL);
  AdwViewStackPage *page;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (stack));

  page = adw_view_stack_add_titled (stack, GTK_WIDGET (self), "admin", _("Administration"));
  adw_view_stack_page_set_icon_name (page, "security-high-symbolic");
  adw_view_stack_page_set_visible (page, FALSE);

  g_signal_connect_object (show, "activate", G_CALLBACK (show_activated), stack, 0);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (show));
  g_object_set_data_full (G_OBJECT (stack), "admin-view-actions", g_object_ref (group),
                          g_object_unref);
  gtk_widget_insert_action_group (root != NULL ? GTK_WIDGET (root) : GTK_WIDGET (stack),
                                  "admin-view", G_ACTION_GROUP (group));

  g_signal_connect_object (session, "notify::role", G_CALLBACK (follow_role), stack, 0);
  g_signal_connect_object (session, "notify::state", G_CALLBACK (follow_role), stack, 0);
  g_signal_connect_object (stack, "notify::visible-child-name", G_CALLBACK (on_visible_child),
                           session, 0);
  follow_role (session, NULL, stack);
  return self;
}
