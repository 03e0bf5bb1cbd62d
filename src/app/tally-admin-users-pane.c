/* tally-admin-users-pane.c: the Admin view's users, and changing them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The list is read a page at a time as it scrolls (TallyPager). Every
 * change to a user asks first (tally_admin_confirm()), then goes to the
 * server, which audits it; "changed" says it went through. The list is
 * not read again: an admin far down it keeps their place, so only the
 * user's row changes, in place, from what the server answers (or, for a
 * grant or ceilings, from that one user read again).
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-admin-dialogs.h"
#include "tally-admin-users-pane.h"
#include "tally-format.h"
#include "tally-pager.h"
#include "tally-session-admin.h"
#include "tally-toast.h"
#include "tally-widget-builders.h"

#define USERS_PAGE_SIZE 50
#define MAX_CREDITS G_GINT64_CONSTANT (1000000000000)

struct _TallyAdminUsersPane
{
  TallyAdminPane  parent_instance;

  TallyPager     *pager;
  GtkSearchEntry *search;
  GtkListBox     *list;
  GtkLabel       *status;
  /* id → the user object the list shows. */
  GHashTable     *users;
  /* id → the user's row, owned by the list. */
  GHashTable     *rows;
};

G_DEFINE_FINAL_TYPE (TallyAdminUsersPane, tally_admin_users_pane, TALLY_TYPE_ADMIN_PANE)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- the list ----------------------------------------------------------- */

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

static gboolean
is_admin (JsonObject *user)
{
  return g_strcmp0 (json_object_get_string_member_with_default (user, "role", ""),
                    "admin") == 0;
}

static gboolean
is_disabled (JsonObject *user)
{
  return json_object_get_boolean_member_with_default (user, "disabled", FALSE);
}

static char *
describe_user (JsonObject *user)
{
  JsonObject *account = user_account (user);
  const char *name = json_object_get_string_member_with_default (user, "name", "");
  GString *text = g_string_new (NULL);

  /* The email is the row's title when the user gave no name. */
  if (*name != '\0')
    g_string_append_printf (text, "%s · ",
                            json_object_get_string_member_with_default (user, "email", ""));
  g_string_append (text, is_admin (user) ? _("Admin") : _("Member"));
  if (is_disabled (user))
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

/* The rows of a user's changes whose words follow the user's state. */
#define ROLE_ROW "tally-role-row"
#define DISABLED_ROW "tally-disabled-row"

/* Shows @user in @row, which user_row() made for the same user: in place,
 * so the row keeps its place, whether it is expanded, and the focus. */
static void
show_user (GtkWidget  *row,
           JsonObject *user)
{
  g_autofree char *subtitle = describe_user (user);
  const char *name = json_object_get_string_member_with_default (user, "name", "");

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 *name != '\0' ? name : user_email (user));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
  adw_preferences_row_set_title (g_object_get_data (G_OBJECT (row), ROLE_ROW),
                                 is_admin (user) ? _("Make _Member…") : _("Make _Admin…"));
  adw_preferences_row_set_title (g_object_get_data (G_OBJECT (row), DISABLED_ROW),
                                 is_disabled (user) ? _("_Enable Sign-In…")
                                                    : _("_Disable Sign-In…"));
}

/* Adds the row of the change @action to @row, kept as @key when given. */
static void
add_action_row (GtkWidget  *row,
                const char *key,
                const char *action,
                const char *user_id)
{
  GtkWidget *action_row = user_action_row ("", action, user_id);

  if (key != NULL)
    g_object_set_data (G_OBJECT (row), key, action_row);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row), action_row);
}

static GtkWidget *
user_row (JsonObject *user)
{
  GtkWidget *row = adw_expander_row_new ();
  const char *id = json_object_get_string_member_with_default (user, "id", "");

  /* The keyboard lands on its header, which expands it. */
  gtk_widget_set_focusable (row, FALSE);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (user_account (user) != NULL)
    {
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                                user_action_row (_("_Grant Credits…"), "admin.grant", id));
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                                user_action_row (_("Set _Ceilings…"), "admin.set-ceilings", id));
    }
  add_action_row (row, ROLE_ROW, "admin.toggle-role", id);
  add_action_row (row, DISABLED_ROW, "admin.toggle-disabled", id);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                            user_action_row (_("_Erase…"), "admin.erase", id));
  show_user (row, user);
  return row;
}

static void
update_status (TallyAdminUsersPane *self)
{
  const char *error = tally_pager_get_error (self->pager);
  guint n = g_hash_table_size (self->users);

  gtk_widget_set_visible (GTK_WIDGET (self->list), n > 0);
  if (error != NULL)
    gtk_label_set_text (self->status, error);
  else if (tally_pager_get_loading (self->pager))
    gtk_label_set_text (self->status, n > 0 ? _("Loading…") : "");
  else if (n == 0)
    gtk_label_set_text (self->status, _("No users match"));
  else if (!tally_pager_get_complete (self->pager))
    gtk_label_set_text (self->status, _("Scroll down for more users"));
  else
    {
      g_autofree char *text = g_strdup_printf (ngettext ("%u user", "%u users", n), n);

      gtk_label_set_text (self->status, text);
    }
}

/* A page of users, appended below those shown. */
static void
take_users (JsonArray *items,
            gpointer   user_data)
{
  TallyAdminUsersPane *self = user_data;

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *user = object_element (items, i);
      GtkWidget *row;
      const char *id;

      if (user == NULL ||
          (id = json_object_get_string_member_with_default (user, "id", NULL)) == NULL ||
          g_hash_table_contains (self->users, id))
        continue;
      row = user_row (user);
      g_hash_table_insert (self->users, g_strdup (id), json_object_ref (user));
      g_hash_table_insert (self->rows, g_strdup (id), row);
      gtk_list_box_append (self->list, row);
    }
  update_status (self);
}

static void
remove_rows (TallyAdminUsersPane *self)
{
  tally_list_box_remove_all (self->list);
  g_hash_table_remove_all (self->rows);
  g_hash_table_remove_all (self->users);
}

/* Shows @user, as the server now has them, in their row, if it is shown. */
static void
update_user (TallyAdminUsersPane *self,
             JsonObject          *user)
{
  const char *id = json_object_get_string_member_with_default (user, "id", NULL);
  GtkWidget *row = id != NULL ? g_hash_table_lookup (self->rows, id) : NULL;

  if (row == NULL)
    return;
  g_hash_table_replace (self->users, g_strdup (id), json_object_ref (user));
  show_user (row, user);
}

/* Before @row goes: the focus, if it is in the row, moves to the next
 * row, else the one before, else the search, never to the window's top. */
static void
move_focus_from (TallyAdminUsersPane *self,
                 GtkWidget           *row)
{
  GtkRoot *root = gtk_widget_get_root (row);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;
  GtkWidget *neighbour;

  if (focus == NULL || (focus != row && !gtk_widget_is_ancestor (focus, row)))
    return;
  neighbour = gtk_widget_get_next_sibling (row);
  if (neighbour == NULL)
    neighbour = gtk_widget_get_prev_sibling (row);
  if (neighbour == NULL || !gtk_widget_child_focus (neighbour, GTK_DIR_TAB_FORWARD))
    gtk_widget_grab_focus (GTK_WIDGET (self->search));
}

/* The user @id is gone (erased): so is their row. */
static void
remove_user (TallyAdminUsersPane *self,
             const char          *id)
{
  GtkWidget *row = g_hash_table_lookup (self->rows, id);

  if (row == NULL)
    return;
  move_focus_from (self, row);
  gtk_list_box_remove (self->list, row);
  g_hash_table_remove (self->rows, id);
  g_hash_table_remove (self->users, id);
  update_status (self);
}

static void
tally_admin_users_pane_clear (TallyAdminPane *pane)
{
  TallyAdminUsersPane *self = TALLY_ADMIN_USERS_PANE (pane);

  tally_pager_clear (self->pager);
  remove_rows (self);
  update_status (self);
}

static void
tally_admin_users_pane_reload (TallyAdminPane *pane)
{
  TallyAdminUsersPane *self = TALLY_ADMIN_USERS_PANE (pane);
  g_autofree char *query = NULL;
  g_autofree char *path = NULL;

  query = g_uri_escape_string (gtk_editable_get_text (GTK_EDITABLE (self->search)), NULL, FALSE);
  path = g_strdup_printf ("/v1/admin/users?limit=%d&q=%s", USERS_PAGE_SIZE, query);
  tally_pager_clear (self->pager);
  remove_rows (self);
  tally_pager_reload (self->pager, path);
}

/* ---- changing a user, after asking ------------------------------------- */

/* What a change's answer says of the user, so how their row follows it. */
typedef enum
{
  ANSWER_IS_USER,   /* the user as they are now: shown as it is */
  ANSWER_IS_OTHER,  /* a transfer, limits: the user is read again */
  ANSWER_IS_ERASED, /* nothing: the row goes */
} ChangeAnswer;

typedef struct
{
  TallyAdminUsersPane *self;
  JsonObject          *user;
  char                *done;
  ChangeAnswer         answer;
} Change;

static void
change_free (gpointer data)
{
  Change *change = data;

  g_object_unref (change->self);
  g_clear_pointer (&change->user, json_object_unref);
  g_free (change->done);
  g_free (change);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Change, change_free)

static Change *
change_new (TallyAdminUsersPane *self,
            JsonObject          *user)
{
  Change *change = g_new0 (Change, 1);

  change->self = g_object_ref (self);
  change->user = json_object_ref (user);
  return change;
}

static const char *
change_user_id (Change *change)
{
  return json_object_get_string_member_with_default (change->user, "id", "");
}

/* The item of @items whose id is @id, or NULL. */
static JsonObject *
find_item (JsonArray  *items,
           const char *id)
{
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonObject *item = object_element (items, i);

      if (item != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (item, "id", NULL), id) == 0)
        return item;
    }
  return NULL;
}

static void read_user (Change     *change,
                       const char *cursor);

static void
user_read (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Change) change = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) reply = NULL;
  JsonObject *user;
  const char *next;

  reply = tally_session_admin_call_finish (TALLY_SESSION (source), result, &error);
  if (reply == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        tally_toast_show (GTK_WIDGET (change->self), error->message);
      return;
    }
  user = find_item (array_member (reply, "items"), change_user_id (change));
  next = json_object_get_string_member_with_default (reply, "next_cursor", NULL);
  if (user != NULL)
    update_user (change->self, user);
  else if (next != NULL)
    read_user (g_steal_pointer (&change), next);
  else
    /* Erased meanwhile: the list shows erased users no more. */
    remove_user (change->self, change_user_id (change));
}

/* Reads the one user @change is about, as the list would show them: the
 * users their email matches (few: an email is unique), from @cursor on. */
static void
read_user (Change     *change,
           const char *cursor)
{
  TallyAdminPane *pane = TALLY_ADMIN_PANE (change->self);
  g_autofree char *email = g_uri_escape_string (user_email (change->user), NULL, FALSE);
  g_autofree char *after = cursor != NULL ? g_uri_escape_string (cursor, NULL, FALSE) : NULL;
  g_autofree char *path = NULL;

  path = g_strdup_printf ("/v1/admin/users?limit=%d&q=%s%s%s", USERS_PAGE_SIZE, email,
                          after != NULL ? "&cursor=" : "", after != NULL ? after : "");
  tally_session_admin_call_async (tally_page_get_session (TALLY_PAGE (pane)), "GET", path, NULL,
                                  tally_admin_pane_get_cancellable (pane), user_read, change);
}

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
      /* The row stays as it was: the change did not happen. */
      tally_toast_show (GTK_WIDGET (change->self), error->message);
      return;
    }
  tally_toast_show (GTK_WIDGET (change->self), change->done);
  g_signal_emit (change->self, signals[CHANGED], 0);
  switch (change->answer)
    {
    case ANSWER_IS_USER:
      update_user (change->self, reply);
      break;
    case ANSWER_IS_OTHER:
      read_user (g_steal_pointer (&change), NULL);
      break;
    case ANSWER_IS_ERASED:
    default:
      remove_user (change->self, change_user_id (change));
      break;
    }
}

/* Sends the change; @done is what the toast says when it worked, and
 * @answer what the server answers then. */
static void
send_change (TallyAdminUsersPane *self,
             JsonObject          *user,
             const char          *method,
             const char          *path,
             JsonObject          *body,
             ChangeAnswer         answer,
             char                *done)
{
  Change *change = change_new (self, user);

  change->done = done;
  change->answer = answer;
  tally_session_admin_call_async (tally_page_get_session (TALLY_PAGE (self)), method, path, body,
                                  tally_admin_pane_get_cancellable (TALLY_ADMIN_PANE (self)),
                                  changed, change);
}

/* Asks, about the user @change holds, with tally_admin_confirm(). */
static void
ask (Change                *change,
     const char            *heading,
     const char            *body,
     const char            *confirm,
     AdwResponseAppearance  appearance,
     GtkWidget             *form,
     TallyAdminConfirmFunc  func)
{
  tally_admin_confirm (GTK_WIDGET (change->self), heading, body, confirm, appearance, form, func,
                       change, change_free);
}

static JsonObject *
find_user (TallyAdminUsersPane *self,
           const char          *user_id)
{
  return g_hash_table_lookup (self->users, user_id);
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

/* A spin button for credits in @form, found again by @key. */
static GtkWidget *
credits_spin (GtkWidget  *form,
              const char *key,
              double      value,
              double      lowest)
{
  GtkWidget *spin = gtk_spin_button_new_with_range (lowest, (double) MAX_CREDITS, 1);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), 0);
  g_object_set_data (G_OBJECT (form), key, spin);
  return spin;
}

static gint64
spin_credits (AdwMessageDialog *dialog,
              const char       *key)
{
  GtkWidget *form = adw_message_dialog_get_extra_child (dialog);
  GtkSpinButton *spin = g_object_get_data (G_OBJECT (form), key);

  gtk_spin_button_update (spin);
  return (gint64) gtk_spin_button_get_value (spin);
}

static void
grant_confirmed (AdwMessageDialog *dialog,
                 gpointer          data)
{
  Change *change = data;
  JsonObject *user = change->user;
  g_autoptr(JsonObject) body = json_object_new ();
  GtkWidget *form = adw_message_dialog_get_extra_child (dialog);
  GtkEditable *reason = g_object_get_data (G_OBJECT (form), "reason");
  g_autofree char *id = g_uuid_string_random ();
  gint64 amount = spin_credits (dialog, "amount");
  g_autofree char *credits = tally_format_credits (amount);

  json_object_set_string_member (body, "account_id",
                                 json_object_get_string_member (user_account (user), "id"));
  json_object_set_int_member (body, "amount", amount);
  json_object_set_string_member (body, "reason", gtk_editable_get_text (reason));
  /* One grant however often the request is sent again. */
  json_object_set_string_member (body, "id", id);
  send_change (change->self, user, "POST", "/v1/admin/grants", body, ANSWER_IS_OTHER,
               g_strdup_printf (_("Granted %s to %s"), credits, user_name (user)));
}

void
tally_admin_users_pane_grant (TallyAdminUsersPane *self,
                              const char          *user_id)
{
  JsonObject *user = find_user (self, user_id);
  g_autofree char *body = NULL;
  GtkWidget *form;
  GtkWidget *reason;

  if (user == NULL || user_account (user) == NULL)
    return;
  form = GTK_WIDGET (tally_boxed_list_new (NULL));
  add_form_row (form, _("Credits"), credits_spin (form, "amount", 100, 1));
  reason = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (reason), _("Reason"));
  gtk_editable_set_text (GTK_EDITABLE (reason), _("Granted by an admin"));
  gtk_list_box_append (GTK_LIST_BOX (form), reason);
  g_object_set_data (G_OBJECT (form), "reason", reason);
  body = g_strdup_printf (_("The credits go to %s’s account at once."), user_name (user));
  ask (change_new (self, user), _("Grant Credits?"), body, _("_Grant"), ADW_RESPONSE_SUGGESTED,
       form, grant_confirmed);
}

static void
role_confirmed (AdwMessageDialog *dialog,
                gpointer          data)
{
  Change *change = data;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *path = user_path (change->user);
  gboolean admin = is_admin (change->user);

  json_object_set_string_member (body, "role", admin ? "member" : "admin");
  send_change (change->self, change->user, "PUT", path, body, ANSWER_IS_USER,
               g_strdup_printf (admin ? _("%s is now a member") : _("%s is now an admin"),
                                user_name (change->user)));
}

void
tally_admin_users_pane_toggle_role (TallyAdminUsersPane *self,
                                    const char          *user_id)
{
  JsonObject *user = find_user (self, user_id);
  g_autofree char *heading = NULL;
  gboolean admin;

  if (user == NULL)
    return;
  admin = is_admin (user);
  heading = g_strdup_printf (admin ? _("Make %s a Member?") : _("Make %s an Admin?"),
                             user_name (user));
  ask (change_new (self, user), heading,
       admin ? _("They will no longer see the Administration view or change other users.")
             : _("They will see the audit log and can change every user, you included."),
       admin ? _("Make _Member") : _("Make _Admin"),
       admin ? ADW_RESPONSE_SUGGESTED : ADW_RESPONSE_DESTRUCTIVE, NULL, role_confirmed);
}

static void
disabled_confirmed (AdwMessageDialog *dialog,
                    gpointer          data)
{
  Change *change = data;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *path = user_path (change->user);
  gboolean disabled = is_disabled (change->user);

  json_object_set_boolean_member (body, "disabled", !disabled);
  send_change (change->self, change->user, "PUT", path, body, ANSWER_IS_USER,
               g_strdup_printf (disabled ? _("%s can sign in again")
                                         : _("%s can no longer sign in"),
                                user_name (change->user)));
}

void
tally_admin_users_pane_toggle_disabled (TallyAdminUsersPane *self,
                                        const char          *user_id)
{
  JsonObject *user = find_user (self, user_id);
  g_autofree char *heading = NULL;
  gboolean disabled;

  if (user == NULL)
    return;
  disabled = is_disabled (user);
  heading = g_strdup_printf (disabled ? _("Let %s Sign In Again?") : _("Disable %s?"),
                             user_name (user));
  ask (change_new (self, user), heading,
       disabled ? _("They can sign in again with their password.")
                : _("They cannot sign in, and every session of theirs ends now. Their "
                    "credits and history are kept."),
       disabled ? _("_Enable") : _("_Disable"),
       disabled ? ADW_RESPONSE_SUGGESTED : ADW_RESPONSE_DESTRUCTIVE, NULL, disabled_confirmed);
}

static const char * const ceiling_keys[] = { "per_run", "daily", "monthly" };

static void
ceilings_confirmed (AdwMessageDialog *dialog,
                    gpointer          data)
{
  Change *change = data;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *path = NULL;

  path = g_strdup_printf ("/v1/admin/accounts/%s/limits",
                          json_object_get_string_member (user_account (change->user), "id"));
  for (guint i = 0; i < G_N_ELEMENTS (ceiling_keys); i++)
    json_object_set_int_member (body, ceiling_keys[i], spin_credits (dialog, ceiling_keys[i]));
  send_change (change->self, change->user, "PUT", path, body, ANSWER_IS_OTHER,
               g_strdup_printf (_("The ceilings of %s are set"), user_name (change->user)));
}

void
tally_admin_users_pane_set_ceilings (TallyAdminUsersPane *self,
                                     const char          *user_id)
{
  JsonObject *user = find_user (self, user_id);
  const char *titles[] = { _("Per Run"), _("Per Day"), _("Per Month") };
  GtkWidget *form;

  G_STATIC_ASSERT (G_N_ELEMENTS (titles) == G_N_ELEMENTS (ceiling_keys));
  if (user == NULL || user_account (user) == NULL)
    return;
  form = GTK_WIDGET (tally_boxed_list_new (NULL));
  for (guint i = 0; i < G_N_ELEMENTS (ceiling_keys); i++)
    add_form_row (form, titles[i], credits_spin (form, ceiling_keys[i], 0, 0));
  ask (change_new (self, user), _("Set Ceilings?"),
       _("The most this user may spend, whatever caps they set themselves. 0 is no ceiling."),
       _("_Set"), ADW_RESPONSE_SUGGESTED, form, ceilings_confirmed);
}

static void
erase_confirmed (AdwMessageDialog *dialog,
                 gpointer          data)
{
  Change *change = data;
  g_autofree char *path = user_path (change->user);

  send_change (change->self, change->user, "DELETE", path, NULL, ANSWER_IS_ERASED,
               g_strdup_printf (_("%s was erased"), user_name (change->user)));
}

void
tally_admin_users_pane_erase (TallyAdminUsersPane *self,
                              const char          *user_id)
{
  JsonObject *user = find_user (self, user_id);
  g_autofree char *heading = NULL;

  if (user == NULL)
    return;
  heading = g_strdup_printf (_("Erase %s?"), user_name (user));
  ask (change_new (self, user), heading,
       _("Only on the user’s request. Their name, email and settings are deleted for good and "
         "their sessions end; their transactions and audit records stay, under a pseudonym, so "
         "the books still balance. This cannot be undone."),
       _("_Erase"), ADW_RESPONSE_DESTRUCTIVE, NULL, erase_confirmed);
}

/* ---- building ----------------------------------------------------------- */

static void
build (TallyAdminUsersPane *self)
{
  GtkBox *box = tally_admin_pane_set_body (TALLY_ADMIN_PANE (self), 0);
  GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (box), GTK_TYPE_SCROLLED_WINDOW);

  self->search = GTK_SEARCH_ENTRY (gtk_search_entry_new ());
  g_object_set (self->search, "placeholder-text", _("Search by email or name"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search users"), -1);
  g_signal_connect_object (self->search, "search-changed",
                           G_CALLBACK (tally_admin_pane_reload), self, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->search));
  self->list = tally_boxed_list_new (_("Users"));
  gtk_widget_set_visible (GTK_WIDGET (self->list), FALSE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->list));
  self->status = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->status, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->status), "dim-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->status));
  tally_pager_follow (self->pager, GTK_SCROLLED_WINDOW (scrolled));
}

static void
tally_admin_users_pane_dispose (GObject *object)
{
  TallyAdminUsersPane *self = TALLY_ADMIN_USERS_PANE (object);

  if (self->pager != NULL)
    tally_pager_clear (self->pager);
  g_clear_object (&self->pager);
  g_clear_pointer (&self->users, g_hash_table_unref);
  g_clear_pointer (&self->rows, g_hash_table_unref);

  G_OBJECT_CLASS (tally_admin_users_pane_parent_class)->dispose (object);
}

static void
tally_admin_users_pane_constructed (GObject *object)
{
  TallyAdminUsersPane *self = TALLY_ADMIN_USERS_PANE (object);

  G_OBJECT_CLASS (tally_admin_users_pane_parent_class)->constructed (object);

  self->pager = tally_pager_new (tally_page_get_session (TALLY_PAGE (self)), take_users, self);
  g_signal_connect_object (self->pager, "notify", G_CALLBACK (update_status), self,
                           G_CONNECT_SWAPPED);
  build (self);
}

static void
tally_admin_users_pane_class_init (TallyAdminUsersPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  TallyAdminPaneClass *pane_class = TALLY_ADMIN_PANE_CLASS (klass);

  object_class->constructed = tally_admin_users_pane_constructed;
  object_class->dispose = tally_admin_users_pane_dispose;
  pane_class->reload = tally_admin_users_pane_reload;
  pane_class->clear = tally_admin_users_pane_clear;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tally_admin_users_pane_init (TallyAdminUsersPane *self)
{
  self->users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) json_object_unref);
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

TallyAdminUsersPane *
tally_admin_users_pane_new (TallySession *session)
{
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  return g_object_new (TALLY_TYPE_ADMIN_USERS_PANE, "session", session, NULL);
}
