/* tally-balance-widget.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-balance-widget.h"
#include "tally-format.h"

struct _TallyBalanceWidget
{
  GtkWidget      parent_instance;

  GtkMenuButton *button;
  GtkStack      *stack;
  GtkLabel      *balance_label;
  GtkLabel      *balance_value;
  GtkLabel      *held_value;
  GtkLabel      *available_value;
  GtkWidget     *offline_label;
  GtkLabel      *offline_value;

  TallySession  *session;
  /* The session's figures, whichever session it is. */
  GSignalGroup  *session_signals;
};

G_DEFINE_FINAL_TYPE (TallyBalanceWidget, tally_balance_widget, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tally_balance_widget_dispose (GObject *object)
{
  TallyBalanceWidget *self = TALLY_BALANCE_WIDGET (object);

  gtk_widget_dispose_template (GTK_WIDGET (object), TALLY_TYPE_BALANCE_WIDGET);
  g_clear_object (&self->session_signals);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (tally_balance_widget_parent_class)->dispose (object);
}

/* The popover goes away as the page it opened comes up. */
static void
buy_clicked (GtkPopover *popover)
{
  gtk_popover_popdown (popover);
}

static void
set_value (GtkLabel *label,
           gint64    credits)
{
  g_autofree char *text = tally_format_credits (credits);

  gtk_label_set_text (label, text);
}

/* What was spent offline is already gone from the balance, though the
 * server has not heard of it yet. It came out of the offline lease, which
 * is held: the hold shrinks by as much, and what is available does not
 * change (the server settles it the same way). */
static void
show_figures (TallyBalanceWidget *self)
{
  gint64 offline_spent = tally_balance_widget_get_offline_spent (self);
  gint64 balance = tally_balance_widget_get_balance (self);
  g_autofree char *text = tally_format_credits (balance);
  g_autofree char *accessible = NULL;
  gboolean loading = self->session == NULL;

  if (self->session != NULL)
    {
      set_value (self->held_value, MAX (0, tally_session_get_held (self->session) - offline_spent));
      set_value (self->available_value, tally_session_get_available (self->session));
      g_object_get (self->session, "loading", &loading, NULL);
    }
  gtk_label_set_text (self->balance_label, text);
  set_value (self->balance_value, balance);
  set_value (self->offline_value, offline_spent);
  gtk_widget_set_visible (self->offline_label, offline_spent > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->offline_value), offline_spent > 0);
  gtk_stack_set_visible_child_name (self->stack, loading ? "loading" : "figures");

  accessible = g_strdup_printf (_("Balance: %s. Show details"), text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
}

static void
tally_balance_widget_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TallyBalanceWidget *self = TALLY_BALANCE_WIDGET (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_balance_widget_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  TallyBalanceWidget *self = TALLY_BALANCE_WIDGET (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      if (g_set_object (&self->session, g_value_get_object (value)))
        {
          g_signal_group_set_target (self->session_signals, self->session);
          show_figures (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_balance_widget_class_init (TallyBalanceWidgetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_balance_widget_dispose;
  object_class->get_property = tally_balance_widget_get_property;
  object_class->set_property = tally_balance_widget_set_property;

  properties[PROP_SESSION] = g_param_spec_object ("session", NULL, NULL, TALLY_TYPE_SESSION,
                                                  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                  G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/tally-balance-widget.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyBalanceWidget, button);
  gtk_widget_class_bind_template_child (widget_class, TallyBalanceWidget, stack);
  gtk_widget_class_bind_template_child (widget_class, TallyBalanceWidget, balance_label);
  gtk_widget_class_bind_template_child (widget_class, TallyBalanceWidget, balance_value);
  gtk_widget_class_bind_template_child (widget_class, TallyBalanceWidget, held_value);
  gtk_widget_class_bind_template_child (widget_class, TallyBalanceWidget, available_value);
  gtk_widget_class_bind_template_child (widget_class, TallyBalanceWidget, offline_label);
  gtk_widget_class_bind_template_child (widget_class, TallyBalanceWidget, offline_value);
  gtk_widget_class_bind_template_callback (widget_class, buy_clicked);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tally_balance_widget_init (TallyBalanceWidget *self)
{
  static const char * const figures[] = {
    "notify::balance", "notify::available", "notify::held", "notify::offline-spent",
    "notify::loading",
  };

  gtk_widget_init_template (GTK_WIDGET (self));
  self->session_signals = g_signal_group_new (TALLY_TYPE_SESSION);
  for (guint i = 0; i < G_N_ELEMENTS (figures); i++)
    g_signal_group_connect_swapped (self->session_signals, figures[i], G_CALLBACK (show_figures),
                                    self);
  show_figures (self);
}

gint64
tally_balance_widget_get_offline_spent (TallyBalanceWidget *self)
{
  g_return_val_if_fail (TALLY_IS_BALANCE_WIDGET (self), 0);

  return self->session != NULL ? tally_session_get_offline_spent (self->session) : 0;
}

gint64
tally_balance_widget_get_balance (TallyBalanceWidget *self)
{
  g_return_val_if_fail (TALLY_IS_BALANCE_WIDGET (self), 0);

  return self->session != NULL ? tally_session_get_balance (self->session) -
                                 tally_session_get_offline_spent (self->session)
                               : 0;
}
