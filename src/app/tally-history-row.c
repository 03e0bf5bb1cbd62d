/* tally-history-row.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tally-format.h"
#include "tally-history-row.h"

struct _TallyHistoryRow
{
  GtkWidget  parent_instance;

  GtkLabel  *title;
  GtkLabel  *subtitle;
  GtkLabel  *status;
  GtkLabel  *amount;
  /* Shown for credits that expired, which the user did not spend. */
  GtkImage  *icon;
};

G_DEFINE_FINAL_TYPE (TallyHistoryRow, tally_history_row, GTK_TYPE_WIDGET)

/* "Tool run", "Purchase", ...: what a kind is called in the list. */
static const char *
tally_history_kind_label (TallyTransferKind kind)
{
  switch (kind)
    {
    case TALLY_TRANSFER_KIND_PURCHASE:
      return _("Purchase");
    case TALLY_TRANSFER_KIND_GRANT:
      return _("Grant");
    case TALLY_TRANSFER_KIND_CONSUMPTION:
      return _("Tool run");
    case TALLY_TRANSFER_KIND_REFUND:
      return _("Refund");
    case TALLY_TRANSFER_KIND_ALLOCATION:
      return _("Allocation");
    case TALLY_TRANSFER_KIND_EXPIRY:
      /* Translators: an expiry transfer: credits not spent in time */
      return _("Credits expired");
    case TALLY_TRANSFER_KIND_ADJUSTMENT:
      return _("Adjustment");
    case TALLY_TRANSFER_KIND_LEASE:
      return _("Offline lease");
    case TALLY_N_TRANSFER_KINDS:
    default:
      return "";
    }
}

/* "+1,000 credits", "−12 credits" (a real minus sign), "0 credits". */
static char *
tally_history_format_amount (gint64 amount)
{
  g_autofree char *credits = tally_format_credits (amount < 0 ? -amount : amount);

  if (amount > 0)
    return g_strconcat ("+", credits, NULL);
  if (amount < 0)
    return g_strconcat ("\u2212", credits, NULL);
  return g_steal_pointer (&credits);
}

static GtkLabel *
add_label (GtkWidget  *box,
           const char *css_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_add_css_class (label, css_class);
  gtk_box_append (GTK_BOX (box), label);
  return GTK_LABEL (label);
}

static void
tally_history_row_init (TallyHistoryRow *self)
{
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  self->icon = GTK_IMAGE (gtk_image_new_from_icon_name ("alarm-symbolic"));
  gtk_widget_add_css_class (GTK_WIDGET (self->icon), "dim-label");
  gtk_widget_set_valign (GTK_WIDGET (self->icon), GTK_ALIGN_CENTER);
  gtk_widget_set_visible (GTK_WIDGET (self->icon), FALSE);
  gtk_widget_set_parent (GTK_WIDGET (self->icon), GTK_WIDGET (self));
  gtk_widget_set_hexpand (text, TRUE);
  gtk_widget_set_valign (text, GTK_ALIGN_CENTER);
  gtk_widget_set_parent (text, GTK_WIDGET (self));
  self->title = add_label (text, "history-title");
  self->subtitle = add_label (text, "caption");
  gtk_widget_add_css_class (GTK_WIDGET (self->subtitle), "dim-label");
  for (GtkWidget *l = gtk_widget_get_first_child (text); l; l = gtk_widget_get_next_sibling (l))
    {
      gtk_label_set_xalign (GTK_LABEL (l), 0);
      gtk_label_set_ellipsize (GTK_LABEL (l), PANGO_ELLIPSIZE_END);
    }

  self->status = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->status), "history-status");
  gtk_widget_set_valign (GTK_WIDGET (self->status), GTK_ALIGN_CENTER);
  gtk_widget_set_parent (GTK_WIDGET (self->status), GTK_WIDGET (self));

  self->amount = GTK_LABEL (gtk_label_new (NULL));
  gtk_widget_add_css_class (GTK_WIDGET (self->amount), "numeric");
  gtk_widget_set_valign (GTK_WIDGET (self->amount), GTK_ALIGN_CENTER);
  gtk_label_set_xalign (self->amount, 1);
  gtk_widget_set_parent (GTK_WIDGET (self->amount), GTK_WIDGET (self));
}

static void
tally_history_row_dispose (GObject *object)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (tally_history_row_parent_class)->dispose (object);
}

static void
tally_history_row_class_init (TallyHistoryRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_history_row_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "historyrow");
}

GtkWidget *
tally_history_row_new (void)
{
  GtkWidget *self = g_object_new (TALLY_TYPE_HISTORY_ROW, NULL);

  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (self)), 12);
  return self;
}

static char *
when_text (gint64 created_at)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (created_at / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;

  return local ? g_date_time_format (local, "%x %H:%M") : g_strdup ("");
}

static void
show_status (TallyHistoryRow *self,
             TallyItemStatus  status)
{
  const char *text = NULL;

  gtk_widget_remove_css_class (GTK_WIDGET (self), "pending");
  gtk_widget_remove_css_class (GTK_WIDGET (self), "voided");
  if (status == TALLY_ITEM_STATUS_PENDING)
    {
      /* Translators: a run whose cost is held, not charged yet */
      text = _("Pending");
      gtk_widget_add_css_class (GTK_WIDGET (self), "pending");
    }
  else if (status == TALLY_ITEM_STATUS_VOIDED)
    {
      /* Translators: a hold given back: the run cost nothing */
      text = _("Released");
      gtk_widget_add_css_class (GTK_WIDGET (self), "voided");
    }

  gtk_label_set_text (self->status, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status), text != NULL);
}

/* Pending: what is held. Voided: what was held, struck through, since it
 * came back. Settled: the amount, green when credits came in. */
static void
show_amount (TallyHistoryRow  *self,
             TallyHistoryItem *item)
{
  TallyItemStatus status = tally_history_item_get_status (item);
  gint64 amount = tally_history_item_get_amount (item);
  g_autoptr(PangoAttrList) attributes = pango_attr_list_new ();
  g_autofree char *text = NULL;

  if (status == TALLY_ITEM_STATUS_VOIDED)
    {
      text = tally_history_format_amount (-tally_history_item_get_held (item));
      pango_attr_list_insert (attributes, pango_attr_strikethrough_new (TRUE));
    }
  else
    text = tally_history_format_amount (amount);

  gtk_label_set_text (self->amount, text);
  gtk_label_set_attributes (self->amount, attributes);
  if (status == TALLY_ITEM_STATUS_POSTED && amount > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->amount), "success");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->amount), "success");
}

void
tally_history_row_set_item (TallyHistoryRow  *self,
                            TallyHistoryItem *item,
                            const char       *tool_name)
{
  const char *description;
  const char *kind;
  g_autofree char *when = NULL;
  g_autofree char *subtitle = NULL;

  g_return_if_fail (TALLY_IS_HISTORY_ROW (self));
  g_return_if_fail (TALLY_IS_HISTORY_ITEM (item));

  description = tally_history_item_get_description (item);
  kind = tally_history_kind_label (tally_history_item_get_kind (item));
  if (tool_name == NULL && tally_history_item_get_tool_id (item)[0] != '\0')
    tool_name = tally_history_item_get_tool_id (item);

  when = when_text (tally_history_item_get_created_at (item));
  /* A row titled by its kind does not say it twice. */
  if (tool_name == NULL && description[0] == '\0')
    subtitle = g_strdup (when);
  else
    subtitle = g_strdup_printf ("%s · %s", tool_name ? tool_name : kind, when);
  gtk_label_set_text (self->title, description[0] != '\0' ? description : kind);
  gtk_label_set_text (self->subtitle, subtitle);
  gtk_widget_set_visible (GTK_WIDGET (self->icon),
                          tally_history_item_get_kind (item) == TALLY_TRANSFER_KIND_EXPIRY);
  show_status (self, tally_history_item_get_status (item));
  show_amount (self, item);
}
