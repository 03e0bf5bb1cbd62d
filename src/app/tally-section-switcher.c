/* tally-section-switcher.c: a stack's switcher that fits a narrow window
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GtkStackSwitcher is as wide as all its buttons: four sections do not
 * fit a 360 px window. There an AdwSqueezer shows a drop-down instead,
 * which always names the section shown. Both follow the stack's own
 * selection model, so either way of choosing moves the other.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-section-switcher.h"

struct _TallySectionSwitcher
{
  AdwBin            parent_instance;

  GtkSelectionModel *pages;
  GtkDropDown       *drop_down;
};

G_DEFINE_FINAL_TYPE (TallySectionSwitcher, tally_section_switcher, ADW_TYPE_BIN)

static guint
selected_page (TallySectionSwitcher *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->pages));

  for (guint i = 0; i < n; i++)
    if (gtk_selection_model_is_selected (self->pages, i))
      return i;
  return GTK_INVALID_LIST_POSITION;
}

static void
on_selection_changed (TallySectionSwitcher *self)
{
  guint page = selected_page (self);

  if (page != GTK_INVALID_LIST_POSITION && gtk_drop_down_get_selected (self->drop_down) != page)
    gtk_drop_down_set_selected (self->drop_down, page);
}

static void
on_drop_down_selected (TallySectionSwitcher *self)
{
  guint chosen = gtk_drop_down_get_selected (self->drop_down);

  if (chosen != GTK_INVALID_LIST_POSITION && chosen != selected_page (self))
    gtk_selection_model_select_item (self->pages, chosen, TRUE);
}

static void
tally_section_switcher_dispose (GObject *object)
{
  TallySectionSwitcher *self = TALLY_SECTION_SWITCHER (object);

  g_clear_object (&self->pages);

  G_OBJECT_CLASS (tally_section_switcher_parent_class)->dispose (object);
}

static void
tally_section_switcher_class_init (TallySectionSwitcherClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tally_section_switcher_dispose;
}

static void
tally_section_switcher_init (TallySectionSwitcher *self)
{
}

GtkWidget *
tally_section_switcher_new (GtkStack *stack)
{
  TallySectionSwitcher *self;
  GtkWidget *squeezer = adw_squeezer_new ();
  GtkWidget *buttons = gtk_stack_switcher_new ();
  GtkExpression *title;

  g_return_val_if_fail (GTK_IS_STACK (stack), NULL);

  self = g_object_new (TALLY_TYPE_SECTION_SWITCHER, NULL);
  self->pages = gtk_stack_get_pages (stack);
  gtk_stack_switcher_set_stack (GTK_STACK_SWITCHER (buttons), stack);

  title = gtk_property_expression_new (GTK_TYPE_STACK_PAGE, NULL, "title");
  self->drop_down = GTK_DROP_DOWN (gtk_drop_down_new (g_object_ref (G_LIST_MODEL (self->pages)),
                                                      title));
  gtk_widget_set_halign (GTK_WIDGET (self->drop_down), GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->drop_down),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Section"), -1);
  on_selection_changed (self);
  g_signal_connect_object (self->pages, "selection-changed", G_CALLBACK (on_selection_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->drop_down, "notify::selected",
                           G_CALLBACK (on_drop_down_selected), self, G_CONNECT_SWAPPED);

  adw_squeezer_set_transition_type (ADW_SQUEEZER (squeezer), ADW_SQUEEZER_TRANSITION_TYPE_NONE);
  adw_squeezer_add (ADW_SQUEEZER (squeezer), buttons);
  adw_squeezer_add (ADW_SQUEEZER (squeezer), GTK_WIDGET (self->drop_down));
  adw_bin_set_child (ADW_BIN (self), squeezer);
  return GTK_WIDGET (self);
}
