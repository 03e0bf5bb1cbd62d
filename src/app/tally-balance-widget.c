/* tally-balance-widget.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-balance-widget.h"

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

  /* As the server last said, before what was spent offline. */
  gint64         balance;
  gint64         available;
  gint64         held;
  /* Spent offline and not synced yet. */
  gint64         offline_spent;
};

G_DEFINE_FINAL_TYPE (TallyBalanceWidget, tally_balance_widget, GTK_TYPE_WIDGET)

/* "1,234 credits", grouped the way the user's locale groups digits. */
char *
tally_format_credits (gint64 credits)
{
  g_autofree char *number = g_strdup_printf ("%'" G_GINT64_FORMAT, credits);

  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s credit", "%s credits",
                                       credits == 1 || credits == -1 ? 1 : 2),
                          number);
}

static void
tally_balance_widget_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TALLY_TYPE_BALANCE_WIDGET);

  G_OBJECT_CLASS (tally_balance_widget_parent_class)->dispose (object);
}

/* The popover goes away as the page it opened comes up. */
static void
buy_clicked (GtkPopover *popover)
{
  gtk_popover_popdown (popover);
}

static void
tally_balance_widget_class_init (TallyBalanceWidgetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_balance_widget_dispose;

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
  gtk_widget_init_template (GTK_WIDGET (self));
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
  gint64 balance = self->balance - self->offline_spent;
  g_autofree char *text = tally_format_credits (balance);
  g_autofree char *accessible = NULL;

  gtk_label_set_text (self->balance_label, text);
  set_value (self->balance_value, balance);
  set_value (self->held_value, MAX (0, self->held - self->offline_spent));
  set_value (self->available_value, self->available);
  set_value (self->offline_value, self->offline_spent);
  gtk_widget_set_visible (self->offline_label, self->offline_spent > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->offline_value), self->offline_spent > 0);

  accessible = g_strdup_printf (_("Balance: %s. Show details"), text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
}

void
tally_balance_widget_set_figures (TallyBalanceWidget *self,
                                  gint64              balance,
                                  gint64              available,
                                  gint64              held)
{
  g_return_if_fail (TALLY_IS_BALANCE_WIDGET (self));

  self->balance = balance;
  self->available = available;
  self->held = held;
  show_figures (self);
  tally_balance_widget_set_loading (self, FALSE);
}

void
tally_balance_widget_set_offline_spent (TallyBalanceWidget *self,
                                        gint64              spent)
{
  g_return_if_fail (TALLY_IS_BALANCE_WIDGET (self));

  self->offline_spent = spent;
  show_figures (self);
}

gint64
tally_balance_widget_get_offline_spent (TallyBalanceWidget *self)
{
  g_return_val_if_fail (TALLY_IS_BALANCE_WIDGET (self), 0);

  return self->offline_spent;
}

void
tally_balance_widget_set_loading (TallyBalanceWidget *self,
                                  gboolean            loading)
{
  g_return_if_fail (TALLY_IS_BALANCE_WIDGET (self));

  gtk_stack_set_visible_child_name (self->stack, loading ? "loading" : "figures");
}

gint64
tally_balance_widget_get_balance (TallyBalanceWidget *self)
{
  g_return_val_if_fail (TALLY_IS_BALANCE_WIDGET (self), 0);

  return self->balance - self->offline_spent;
}
