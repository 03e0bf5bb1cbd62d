/* tally-gifts-box.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The part of Buy Credits about other people: "Buy as a Gift" (the pack's
 * credits wait for an address and arrive at its sign-up or next sign-in)
 * and the user's referral link, with Copy and what it earned.
 */

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

#include "tally-format.h"
#include "tally-gifts-box.h"
#include "tally-session-gifts.h"
#include "tally-toast.h"
#include "tally-widget-builders.h"

struct _TallyGiftsBox
{
  GtkBox          parent_instance;

  TallySession   *session;
  GCancellable   *cancellable;

  GtkSwitch      *gift_switch;
  AdwEntryRow    *email_row;
  AdwActionRow   *link_row;
  GtkLabel       *referral_note;
  GtkLabel       *referral_error;
  char           *link;
};

G_DEFINE_FINAL_TYPE (TallyGiftsBox, tally_gifts_box, GTK_TYPE_BOX)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* --- the referral link --- */

static char *
referral_text (const TallyReferralInfo *info)
{
  g_autofree char *bonus = tally_format_credits (info->bonus);
  g_autofree char *earned = tally_format_credits (info->earned);
  g_autofree char *joined = NULL;

  /* Translators: "3 friends signed up with your link" */
  joined = g_strdup_printf (ngettext ("%" PRId64 " friend signed up with your link",
                                      "%" PRId64 " friends signed up with your link",
                                      (gulong) info->referred), info->referred);
  /* Translators: "When a friend's first purchase is paid, you both get 100 credits.
   * 3 friends signed up with your link; you earned 200 credits." */
  return g_strdup_printf (_("When a friend’s first purchase is paid, you both get %s. %s; "
                            "you earned %s."), bonus, joined, earned);
}

static void
referral_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(TallyGiftsBox) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyReferralInfo) info = tally_session_load_referral_finish (TALLY_SESSION (source),
                                                                          result, &error);
  g_autofree char *text = NULL;
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (info == NULL)
    {
      message = g_strdup_printf (_("The referral link cannot be shown: %s"), error->message);
      tally_message_label_set (self->referral_error, message);
      return;
    }

  g_free (self->link);
  self->link = g_strdup (info->url);
  adw_action_row_set_subtitle (self->link_row, info->url);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "gifts.copy-link", TRUE);
  text = referral_text (info);
  tally_message_label_set (self->referral_note, text);
  tally_message_label_set (self->referral_error, NULL);
}

void
tally_gifts_box_reload (TallyGiftsBox *self)
{
  g_return_if_fail (TALLY_IS_GIFTS_BOX (self));

  tally_session_load_referral_async (self->session, self->cancellable, referral_loaded,
                                     g_object_ref (self));
}

static void
copy_link_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  TallyGiftsBox *self = TALLY_GIFTS_BOX (widget);

  if (self->link == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->link);
  tally_toast_show (GTK_WIDGET (self), _("Referral link copied"));
}

/* --- the gift --- */

static void
switch_changed (TallyGiftsBox *self)
{
  gboolean on = gtk_switch_get_active (self->gift_switch);

  gtk_widget_set_visible (GTK_WIDGET (self->email_row), on);
  if (on)
    gtk_widget_grab_focus (GTK_WIDGET (self->email_row));
}

char *
tally_gifts_box_get_gift_email (TallyGiftsBox  *self,
                                GError        **error)
{
  g_autofree char *email = NULL;

  g_return_val_if_fail (TALLY_IS_GIFTS_BOX (self), NULL);

  if (!gtk_switch_get_active (self->gift_switch))
    return NULL;

  email = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->email_row))));
  if (strchr (email, '@') == NULL || email[0] == '@' || g_str_has_suffix (email, "@"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Enter the email address the gift goes to"));
      return NULL;
    }

  return g_steal_pointer (&email);
}

void
tally_gifts_box_gift_sent (TallyGiftsBox *self)
{
  g_return_if_fail (TALLY_IS_GIFTS_BOX (self));

  gtk_switch_set_active (self->gift_switch, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->email_row), "");
}

const char *
tally_gifts_box_get_link (TallyGiftsBox *self)
{
  g_return_val_if_fail (TALLY_IS_GIFTS_BOX (self), NULL);

  return self->link;
}

/* --- building --- */

static void
build_gift (TallyGiftsBox *self)
{
  GtkListBox *list = tally_boxed_list_new (_("Buy as a gift"));
  GtkWidget *row = adw_action_row_new ();

  self->gift_switch = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->gift_switch), GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->gift_switch),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Buy as a Gift"), -1);
  g_signal_connect_object (self->gift_switch, "notify::active", G_CALLBACK (switch_changed),
                           self, G_CONNECT_SWAPPED);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Buy as a Gift"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               _("The credits wait for the address you give, and arrive when "
                                 "it signs up or signs in to Tally"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), GTK_WIDGET (self->gift_switch));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), GTK_WIDGET (self->gift_switch));
  gtk_list_box_append (list, row);

  self->email_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->email_row),
                                 _("Recipient’s email address"));
  gtk_widget_set_visible (GTK_WIDGET (self->email_row), FALSE);
  gtk_list_box_append (list, GTK_WIDGET (self->email_row));

  gtk_box_append (GTK_BOX (self), GTK_WIDGET (list));
}

static void
build_referral (TallyGiftsBox *self)
{
  GtkListBox *list = tally_boxed_list_new (_("Your referral link"));
  GtkWidget *copy = gtk_button_new_with_mnemonic (_("_Copy"));

  self->link_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self->link_row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->link_row), _("Your Referral Link"));
  adw_action_row_set_subtitle (self->link_row, "…");
  gtk_widget_set_valign (copy, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (copy), "gifts.copy-link");
  gtk_accessible_update_property (GTK_ACCESSIBLE (copy), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Copy your referral link"), -1);
  adw_action_row_add_suffix (self->link_row, copy);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self->link_row), FALSE);
  gtk_list_box_append (list, GTK_WIDGET (self->link_row));

  self->referral_note = tally_message_label_new ("dim-label");
  self->referral_error = tally_message_label_new ("error");
  gtk_box_append (GTK_BOX (self), tally_heading_new (_("Invite Friends")));
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (list));
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->referral_note));
  gtk_box_append (GTK_BOX (self), GTK_WIDGET (self->referral_error));
}

static void
tally_gifts_box_constructed (GObject *object)
{
  TallyGiftsBox *self = TALLY_GIFTS_BOX (object);

  G_OBJECT_CLASS (tally_gifts_box_parent_class)->constructed (object);

  g_signal_connect (self, "map", G_CALLBACK (tally_gifts_box_reload), NULL);
}

static void
tally_gifts_box_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TallyGiftsBox *self = TALLY_GIFTS_BOX (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_gifts_box_dispose (GObject *object)
{
  TallyGiftsBox *self = TALLY_GIFTS_BOX (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_pointer (&self->link, g_free);

  G_OBJECT_CLASS (tally_gifts_box_parent_class)->dispose (object);
}

static void
tally_gifts_box_class_init (TallyGiftsBoxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tally_gifts_box_constructed;
  object_class->set_property = tally_gifts_box_set_property;
  object_class->dispose = tally_gifts_box_dispose;

  properties[PROP_SESSION] = g_param_spec_object ("session", NULL, NULL, TALLY_TYPE_SESSION,
                                                  G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY |
                                                  G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "gifts.copy-link", NULL, copy_link_action);
}

static void
tally_gifts_box_init (TallyGiftsBox *self)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 12);
  self->cancellable = g_cancellable_new ();
  build_gift (self);
  build_referral (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "gifts.copy-link", FALSE);
}

TallyGiftsBox *
tally_gifts_box_new (TallySession *session)
{
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  return g_object_new (TALLY_TYPE_GIFTS_BOX, "session", session, NULL);
}

void
tally_gifts_box_reset (TallyGiftsBox *self)
{
  g_return_if_fail (TALLY_IS_GIFTS_BOX (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  tally_gifts_box_gift_sent (self);
  g_clear_pointer (&self->link, g_free);
  adw_action_row_set_subtitle (self->link_row, "…");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "gifts.copy-link", FALSE);
  tally_message_label_set (self->referral_note, NULL);
  tally_message_label_set (self->referral_error, NULL);
}
