/* tally-sign-in-page.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-sign-in-page.h"

struct _TallySignInPage
{
  TallyPage          parent_instance;

  AdwEntryRow  *server_row;
  AdwEntryRow  *email_row;
  AdwEntryRow  *password_row;
  AdwEntryRow  *name_row;
  AdwEntryRow  *referral_row;
  GtkLabel     *error_label;
  GtkButton    *sign_in_button;
  GtkButton    *register_button;
  GtkSpinner   *spinner;

  TallySession *session;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (TallySignInPage, tally_sign_in_page, TALLY_TYPE_PAGE)

static void
set_busy (TallySignInPage *self,
          gboolean         busy)
{
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sign-in.sign-in", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sign-in.register", !busy);
}

static void
show_error (TallySignInPage *self,
            const char      *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
  set_busy (self, FALSE);
}

static void
signed_in (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TallySignInPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (tally_session_sign_in_finish (TALLY_SESSION (source), result, &error))
    set_busy (self, FALSE);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error (self, error->message);
}

/* Signs in, or registers first when @name is given (with the referral
 * code, if one was typed). */
static void
start (TallySignInPage *self,
       const char      *name)
{
  g_autofree char *code = g_strstrip (g_strdup (gtk_editable_get_text (
                                        GTK_EDITABLE (self->referral_row))));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  show_error (self, NULL);
  set_busy (self, TRUE);
  tally_session_sign_in_async (self->session,
                               gtk_editable_get_text (GTK_EDITABLE (self->server_row)),
                               gtk_editable_get_text (GTK_EDITABLE (self->email_row)),
                               gtk_editable_get_text (GTK_EDITABLE (self->password_row)),
                               name, name != NULL && code[0] != '\0' ? code : NULL,
                               self->cancellable, signed_in, g_object_ref (self));
}

static void
sign_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  start (TALLY_SIGN_IN_PAGE (widget), NULL);
}

static void
register_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TallySignInPage *self = TALLY_SIGN_IN_PAGE (widget);

  start (self, gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
}

/* Enter in the password row signs in, as the default button would. */
static void
sign_in_activated (TallySignInPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "sign-in.sign-in", NULL);
}

static void
tally_sign_in_page_constructed (GObject *object)
{
  TallySignInPage *self = TALLY_SIGN_IN_PAGE (object);

  G_OBJECT_CLASS (tally_sign_in_page_parent_class)->constructed (object);

  /* The base class holds the reference. */
  self->session = tally_page_get_session (TALLY_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->server_row),
                         tally_session_get_server_url (self->session));
}

static void
tally_sign_in_page_dispose (GObject *object)
{
  TallySignInPage *self = (TallySignInPage *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (tally_sign_in_page_parent_class)->dispose (object);
}

static void
tally_sign_in_page_class_init (TallySignInPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tally_sign_in_page_constructed;
  object_class->dispose = tally_sign_in_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/tally-sign-in-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, email_row);
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, name_row);
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, referral_row);
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, register_button);
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, spinner);
  gtk_widget_class_bind_template_callback (widget_class, sign_in_activated);

  gtk_widget_class_install_action (widget_class, "sign-in.sign-in", NULL, sign_in_action);
  gtk_widget_class_install_action (widget_class, "sign-in.register", NULL, register_action);
}

static void
tally_sign_in_page_init (TallySignInPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

TallySignInPage *
tally_sign_in_page_new (TallySession *session)
{
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  return g_object_new (TALLY_TYPE_SIGN_IN_PAGE, "session", session, NULL);
}

void
tally_sign_in_page_reset (TallySignInPage *self)
{
  g_return_if_fail (TALLY_IS_SIGN_IN_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  show_error (self, NULL);
}
