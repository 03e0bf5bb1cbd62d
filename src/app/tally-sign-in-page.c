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
  AdwBin       parent_instance;

  AdwEntryRow *server_row;
  AdwEntryRow *email_row;
  AdwEntryRow *password_row;
  AdwEntryRow *name_row;
  GtkLabel    *error_label;
  GtkButton   *sign_in_button;
  GtkButton   *register_button;
  GtkSpinner  *spinner;

  TallyClient  *client;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (TallySignInPage, tally_sign_in_page, ADW_TYPE_BIN)

enum {
  SIGNED_IN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_busy (TallySignInPage *self,
          gboolean         busy)
{
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->sign_in_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->register_button), !busy);
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
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  reply = tally_client_call_finish (TALLY_CLIENT (source), result, &code, &error);
  if (reply == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      return;
    }

  set_busy (self, FALSE);
  g_signal_emit (self, signals[SIGNED_IN], 0,
                 json_object_get_string_member_with_default (reply, "token", ""));
}

static JsonObject *
credentials (TallySignInPage *self)
{
  JsonObject *body = json_object_new ();

  json_object_set_string_member (body, "email", gtk_editable_get_text (GTK_EDITABLE (self->email_row)));
  json_object_set_string_member (body, "password",
                                 gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
  return body;
}

static gboolean
prepare (TallySignInPage *self)
{
  g_autoptr(GError) error = NULL;
  const char *address = gtk_editable_get_text (GTK_EDITABLE (self->server_row));

  if (!tally_client_set_server_url (self->client, address, &error))
    {
      show_error (self, error->message);
      return FALSE;
    }

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  show_error (self, NULL);
  set_busy (self, TRUE);
  return TRUE;
}

static void
sign_in (TallySignInPage *self)
{
  g_autoptr(JsonObject) body = NULL;

  if (!prepare (self))
    return;

  body = credentials (self);
  json_object_set_string_member (body, "device", g_get_host_name ());
  tally_client_call_async (self->client, "POST", "/v1/auth/login", body, self->cancellable,
                           signed_in, g_object_ref (self));
}

static void
registered (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(TallySignInPage) self = user_data;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL, &error);
  if (reply == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error->message);
      return;
    }

  /* The account exists: sign in with the same credentials. */
  sign_in (self);
}

static void
on_sign_in_clicked (TallySignInPage *self)
{
  sign_in (self);
}

static void
on_register_clicked (TallySignInPage *self)
{
  g_autoptr(JsonObject) body = NULL;

  if (!prepare (self))
    return;

  body = credentials (self);
  json_object_set_string_member (body, "name", gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
  tally_client_call_async (self->client, "POST", "/v1/auth/register", body, self->cancellable,
                           registered, g_object_ref (self));
}

static void
tally_sign_in_page_dispose (GObject *object)
{
  TallySignInPage *self = (TallySignInPage *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (tally_sign_in_page_parent_class)->dispose (object);
}

static void
tally_sign_in_page_class_init (TallySignInPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_sign_in_page_dispose;

  /**
   * TallySignInPage::signed-in:
   * @token: the new session token
   */
  signals[SIGNED_IN] = g_signal_new ("signed-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/tally-sign-in-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, email_row);
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, name_row);
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, register_button);
  gtk_widget_class_bind_template_child (widget_class, TallySignInPage, spinner);
  gtk_widget_class_bind_template_callback (widget_class, on_sign_in_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_register_clicked);
}

static void
tally_sign_in_page_init (TallySignInPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

void
tally_sign_in_page_set_client (TallySignInPage *self,
                               TallyClient     *client)
{
  g_return_if_fail (TALLY_IS_SIGN_IN_PAGE (self));

  g_set_object (&self->client, client);
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), tally_client_get_server_url (client));
}

void
tally_sign_in_page_reset (TallySignInPage *self)
{
  g_return_if_fail (TALLY_IS_SIGN_IN_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  show_error (self, NULL);
}
