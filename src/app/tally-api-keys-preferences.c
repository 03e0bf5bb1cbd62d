/* tally-api-keys-preferences.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The user's API keys: listed by name and prefix (the server never sends a
 * key twice), created with a name, a scope and a rate limit and shown
 * once, revoked after a confirmation. What the server refuses is said in
 * words under its group.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-api-keys-preferences.h"
#include "tally-session-keys.h"
#include "tally-secret-dialog.h"
#include "tally-toast.h"
#include "tally-widget-builders.h"

struct _TallyApiKeysPreferences
{
  AdwPreferencesPage   parent_instance;

  AdwPreferencesGroup *keys_group;
  GtkLabel            *keys_error;
  AdwEntryRow         *name_row;
  GtkSwitch           *run_switch;
  GtkSpinButton       *rate_spin;
  GtkLabel            *create_error;

  TallySession        *session;
  GCancellable        *cancellable;
  /* The rows of the keys shown, or of "No keys yet". */
  GPtrArray           *rows;
  AdwToast            *toast;
};

G_DEFINE_FINAL_TYPE (TallyApiKeysPreferences, tally_api_keys_preferences,
                     ADW_TYPE_PREFERENCES_PAGE)

/* --- the list --- */

static GtkWidget *
key_row_new (const TallyApiKey *key)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *what = tally_api_key_describe (key);
  g_autofree char *use = tally_api_key_describe_use (key);
  g_autofree char *subtitle = g_strdup_printf ("%s\n%s", what, use);
  g_autofree char *revoke = g_strdup_printf (_("Revoke the key %s"), key->name);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), key->name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  g_object_set_data_full (G_OBJECT (row), "id", g_strdup (key->id), g_free);
  g_object_set_data_full (G_OBJECT (row), "name", g_strdup (key->name), g_free);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, revoke);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, revoke,
                                  -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "keys.revoke");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", key->id);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  return row;
}

static void
show_keys (TallyApiKeysPreferences *self,
           GPtrArray               *keys)
{
  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (self->keys_group, g_ptr_array_index (self->rows, i));
  g_ptr_array_set_size (self->rows, 0);

  for (guint i = 0; i < keys->len; i++)
    g_ptr_array_add (self->rows, key_row_new (g_ptr_array_index (keys, i)));
  if (keys->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No keys yet"));
      g_ptr_array_add (self->rows, row);
    }
  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_add (self->keys_group, g_ptr_array_index (self->rows, i));
}

static void
keys_listed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(TallyApiKeysPreferences) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = NULL;

  keys = tally_session_list_api_keys_finish (TALLY_SESSION (source), result, &error);
  if (keys == NULL)
    {
      tally_message_label_set_failure (self->keys_error, _("Your keys cannot be shown"), error);
      return;
    }

  tally_message_label_set (self->keys_error, NULL);
  show_keys (self, keys);
}

static void
list_keys (TallyApiKeysPreferences *self)
{
  tally_session_list_api_keys_async (self->session, self->cancellable, keys_listed,
                                     g_object_ref (self));
}

/* --- creating --- */

/* The key, once: the server keeps only its hash. */
static void
show_key (TallyApiKeysPreferences *self,
          const TallyApiKey       *key)
{
  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
  g_autofree char *body = g_strdup_printf (_("Programs send this key as “Authorization: Bearer "
                                             "KEY” to act as you. Copy it now: Tally cannot "
                                             "show “%s” again."), key->name);

  tally_secret_dialog_present (parent, _("API Key Created"), body, key->key, _("_Copy Key"),
                               _("The API key"));
}

static void
key_created (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(TallyApiKeysPreferences) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyApiKey) key = NULL;

  key = tally_session_create_api_key_finish (TALLY_SESSION (source), result, &error);
  if (key == NULL)
    {
      tally_message_label_set_failure (self->create_error, _("The key was not created"), error);
      return;
    }

  tally_message_label_set (self->create_error, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->name_row), "");
  list_keys (self);
  show_key (self, key);
}

static void
create_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TallyApiKeysPreferences *self = TALLY_API_KEYS_PREFERENCES (widget);
  const char *typed = gtk_editable_get_text (GTK_EDITABLE (self->name_row));
  g_autofree char *name = g_strstrip (g_strdup (typed));

  if (name[0] == '\0')
    {
      tally_message_label_set (self->create_error,
                               _("The key was not created: give it a name first"));
      gtk_widget_grab_focus (GTK_WIDGET (self->name_row));
      return;
    }

  gtk_spin_button_update (self->rate_spin);
  tally_session_create_api_key_async (self->session, name,
                                      gtk_switch_get_active (self->run_switch),
                                      (gint64) gtk_spin_button_get_value (self->rate_spin),
                                      self->cancellable, key_created, g_object_ref (self));
}

/* --- revoking --- */

static void
key_revoked (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(TallyApiKeysPreferences) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tally_session_revoke_api_key_finish (TALLY_SESSION (source), result, &error))
    {
      tally_message_label_set_failure (self->keys_error, _("The key was not revoked"), error);
      return;
    }

  tally_message_label_set (self->keys_error, NULL);
  list_keys (self);
  tally_toast_replace (GTK_WIDGET (self), &self->toast, _("Key revoked"));
}

static void
revoke_confirmed (AdwMessageDialog        *dialog,
                  const char              *response,
                  TallyApiKeysPreferences *self)
{
  if (!g_str_equal (response, "revoke"))
    return;

  tally_session_revoke_api_key_async (self->session, g_object_get_data (G_OBJECT (dialog), "id"),
                                      self->cancellable, key_revoked, g_object_ref (self));
}

static const char *
key_name (TallyApiKeysPreferences *self,
          const char              *id)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      GObject *row = g_ptr_array_index (self->rows, i);
      const char *row_id = g_object_get_data (row, "id");

      if (row_id != NULL && g_str_equal (row_id, id))
        return g_object_get_data (row, "name");
    }
  return id;
}

static void
revoke_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TallyApiKeysPreferences *self = TALLY_API_KEYS_PREFERENCES (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (widget));
  GtkWidget *dialog = adw_message_dialog_new (parent, _("Revoke Key?"), NULL);

  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("Programs using “%s” are refused from their next request. "
                                    "This cannot be undone."), key_name (self, id));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "revoke", _("_Revoke"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "revoke",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "id", g_strdup (id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (revoke_confirmed), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- the object --- */

void
tally_api_keys_preferences_set_session (TallyApiKeysPreferences *self,
                                        TallySession            *session)
{
  g_return_if_fail (TALLY_IS_API_KEYS_PREFERENCES (self));
  g_return_if_fail (TALLY_IS_SESSION (session));
  g_return_if_fail (self->session == NULL);

  self->session = g_object_ref (session);
  list_keys (self);
}

static void
tally_api_keys_preferences_dispose (GObject *object)
{
  TallyApiKeysPreferences *self = TALLY_API_KEYS_PREFERENCES (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_object (&self->toast);
  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_TYPE_API_KEYS_PREFERENCES);

  G_OBJECT_CLASS (tally_api_keys_preferences_parent_class)->dispose (object);
}

static void
tally_api_keys_preferences_class_init (TallyApiKeysPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_api_keys_preferences_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/"
                                               "tally-api-keys-preferences.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, TallyApiKeysPreferences, \
                                                         name)
  BIND (keys_group);
  BIND (keys_error);
  BIND (name_row);
  BIND (run_switch);
  BIND (rate_spin);
  BIND (create_error);
#undef BIND

  gtk_widget_class_install_action (widget_class, "keys.create", NULL, create_action);
  gtk_widget_class_install_action (widget_class, "keys.revoke", "s", revoke_action);
}

static void
tally_api_keys_preferences_init (TallyApiKeysPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->rows = g_ptr_array_new ();
}
