/* tally-admin-pane.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The panes of the Admin view (audit log, users, analytics, errors) read
 * lazily and forget what the last admin saw in one way: here, so a pane
 * only says how it reads and what it forgets.
 */

#include "config.h"

#include "tally-admin-pane.h"
#include "tally-session-admin.h"
#include "tally-widget-builders.h"

typedef struct
{
  GCancellable *cancellable;
  gboolean      loaded;
} TallyAdminPanePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (TallyAdminPane, tally_admin_pane, TALLY_TYPE_PAGE)

/* Read when first shown, and again for another admin. */
static void
on_map (TallyAdminPane *self)
{
  TallyAdminPanePrivate *priv = tally_admin_pane_get_instance_private (self);

  if (!priv->loaded && tally_session_is_admin (tally_page_get_session (TALLY_PAGE (self))))
    tally_admin_pane_reload (self);
}

/* Another user, or no longer an admin: what the last admin saw goes. */
static void
on_session_changed (TallyAdminPane *self)
{
  tally_admin_pane_clear (self);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    on_map (self);
}

static void
tally_admin_pane_constructed (GObject *object)
{
  TallyAdminPane *self = TALLY_ADMIN_PANE (object);
  TallySession *session;

  G_OBJECT_CLASS (tally_admin_pane_parent_class)->constructed (object);

  session = tally_page_get_session (TALLY_PAGE (self));
  g_return_if_fail (session != NULL);
  g_signal_connect (self, "map", G_CALLBACK (on_map), NULL);
  g_signal_connect_object (session, "notify::role", G_CALLBACK (on_session_changed), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::user-id", G_CALLBACK (on_session_changed), self,
                           G_CONNECT_SWAPPED);
}

static void
tally_admin_pane_dispose (GObject *object)
{
  TallyAdminPanePrivate *priv = tally_admin_pane_get_instance_private (TALLY_ADMIN_PANE (object));

  g_cancellable_cancel (priv->cancellable);
  g_clear_object (&priv->cancellable);

  G_OBJECT_CLASS (tally_admin_pane_parent_class)->dispose (object);
}

static void
tally_admin_pane_class_init (TallyAdminPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = tally_admin_pane_constructed;
  object_class->dispose = tally_admin_pane_dispose;
}

static void
tally_admin_pane_init (TallyAdminPane *self)
{
  TallyAdminPanePrivate *priv = tally_admin_pane_get_instance_private (self);

  priv->cancellable = g_cancellable_new ();
}

GtkBox *
tally_admin_pane_set_body (TallyAdminPane *self,
                           int             maximum_width)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *box = tally_padded_box_new (12);

  g_return_val_if_fail (TALLY_IS_ADMIN_PANE (self), NULL);

  if (maximum_width > 0)
    adw_clamp_set_maximum_size (ADW_CLAMP (clamp), maximum_width);
  adw_clamp_set_child (ADW_CLAMP (clamp), box);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_widget_set_vexpand (scrolled, TRUE);
  adw_bin_set_child (ADW_BIN (self), scrolled);
  return GTK_BOX (box);
}

void
tally_admin_pane_reload (TallyAdminPane *self)
{
  TallyAdminPanePrivate *priv;

  g_return_if_fail (TALLY_IS_ADMIN_PANE (self));
  g_return_if_fail (TALLY_ADMIN_PANE_GET_CLASS (self)->reload != NULL);

  priv = tally_admin_pane_get_instance_private (self);
  priv->loaded = TRUE;
  TALLY_ADMIN_PANE_GET_CLASS (self)->reload (self);
}

void
tally_admin_pane_clear (TallyAdminPane *self)
{
  TallyAdminPanePrivate *priv;

  g_return_if_fail (TALLY_IS_ADMIN_PANE (self));

  priv = tally_admin_pane_get_instance_private (self);
  priv->loaded = FALSE;
  tally_admin_pane_renew_cancellable (self);
  if (TALLY_ADMIN_PANE_GET_CLASS (self)->clear != NULL)
    TALLY_ADMIN_PANE_GET_CLASS (self)->clear (self);
}

gboolean
tally_admin_pane_get_loaded (TallyAdminPane *self)
{
  TallyAdminPanePrivate *priv;

  g_return_val_if_fail (TALLY_IS_ADMIN_PANE (self), FALSE);

  priv = tally_admin_pane_get_instance_private (self);
  return priv->loaded;
}

GCancellable *
tally_admin_pane_get_cancellable (TallyAdminPane *self)
{
  TallyAdminPanePrivate *priv;

  g_return_val_if_fail (TALLY_IS_ADMIN_PANE (self), NULL);

  priv = tally_admin_pane_get_instance_private (self);
  return priv->cancellable;
}

GCancellable *
tally_admin_pane_renew_cancellable (TallyAdminPane *self)
{
  TallyAdminPanePrivate *priv;

  g_return_val_if_fail (TALLY_IS_ADMIN_PANE (self), NULL);

  priv = tally_admin_pane_get_instance_private (self);
  g_cancellable_cancel (priv->cancellable);
  g_clear_object (&priv->cancellable);
  priv->cancellable = g_cancellable_new ();
  return priv->cancellable;
}
