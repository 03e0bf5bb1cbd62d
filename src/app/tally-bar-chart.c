/* tally-bar-chart.c: a bar chart drawn with GtkSnapshot
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One focusable widget rather than a widget per bar: Tab stops once, the
 * arrow keys move between bars, and the accessible name always says which
 * bar the keyboard is on and its exact figure, as the line drawn above the
 * bars does for whoever looks (and hovers).
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tally-bar-chart.h"
#include "tally-format.h"

#define NO_BAR      G_MAXUINT
#define PADDING     6.0
#define BAR_FILL    0.7
#define FOCUS_WIDTH 2.0

struct _TallyBarChart
{
  GtkWidget          parent_instance;

  char              *title;
  GPtrArray         *labels;
  GPtrArray         *descriptions;
  GArray            *values;
  TallyBarChartUnit  unit;
  guint              selected;
  guint              hovered;
};

G_DEFINE_FINAL_TYPE (TallyBarChart, tally_bar_chart, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SELECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The geometry of one allocation: where the plot is and how wide a bar's
 * slot is. */
typedef struct
{
  double x, y, width, height;
  double slot;
  double label_height;
  gint64 top;
} Plot;

/* A round figure at or above @max for the top of the axis: 1, 2 or 5
 * times a power of ten. */
static gint64
nice_top (gint64 max)
{
  gint64 power = 1;

  if (max <= 0)
    return 1;
  while (power <= G_MAXINT64 / 10 && power * 10 < max)
    power *= 10;
  if (power >= max)
    return power;
  if (power * 2 >= max)
    return power * 2;
  if (power * 5 >= max)
    return power * 5;
  return power <= G_MAXINT64 / 10 ? power * 10 : max;
}

static gint64
value_at (TallyBarChart *self,
          guint          bar)
{
  return g_array_index (self->values, gint64, bar);
}

static gint64
max_value (TallyBarChart *self)
{
  gint64 max = 0;

  for (guint i = 0; i < self->values->len; i++)
    max = MAX (max, value_at (self, i));

  return max;
}

static void
layout_size (GtkWidget  *widget,
             const char *text,
             int        *width,
             int        *height)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);

  pango_layout_get_pixel_size (layout, width, height);
}

static void
compute_plot (TallyBarChart *self,
              Plot          *plot)
{
  GtkWidget *widget = GTK_WIDGET (self);
  g_autofree char *top_text = NULL;
  int axis_width, text_height;

  plot->top = nice_top (max_value (self));
  top_text = g_strdup_printf ("%" G_GINT64_FORMAT, plot->top);
  layout_size (widget, top_text, &axis_width, &text_height);

  plot->label_height = text_height;
  plot->x = axis_width + PADDING;
  /* A line for the figure of the bar in focus or under the pointer. */
  plot->y = text_height + 2 * PADDING;
  plot->width = MAX (1.0, gtk_widget_get_width (widget) - plot->x - PADDING);
  plot->height = MAX (1.0, gtk_widget_get_height (widget) - plot->y - text_height - 2 * PADDING);
  plot->slot = self->values->len > 0 ? plot->width / self->values->len : plot->width;
}

static guint
bar_at (TallyBarChart *self,
        double         x)
{
  Plot plot;
  double index;

  if (self->values->len == 0)
    return NO_BAR;

  compute_plot (self, &plot);
  index = (x - plot.x) / plot.slot;
  if (index < 0 || index >= self->values->len)
    return NO_BAR;

  return (guint) index;
}

/* Colours */

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

/* The theme's colours: GTK 4.8 has no gtk_widget_get_color(). The accent
 * follows light and dark style as libadwaita defines it. */
static void
theme_colors (GtkWidget *widget,
              GdkRGBA   *foreground,
              GdkRGBA   *accent)
{
  GtkStyleContext *context = gtk_widget_get_style_context (widget);

  gtk_style_context_get_color (context, foreground);
  if (!gtk_style_context_lookup_color (context, "accent_bg_color", accent))
    gdk_rgba_parse (accent, "#3584e4");
}

G_GNUC_END_IGNORE_DEPRECATIONS

static GdkRGBA
with_alpha (const GdkRGBA *color,
            float          alpha)
{
  GdkRGBA faded = *color;

  faded.alpha *= alpha;
  return faded;
}

/* Drawing */

static void
draw_text (GtkSnapshot   *snapshot,
           GtkWidget     *widget,
           const char    *text,
           double         x,
           double         y,
           double         max_width,
           const GdkRGBA *color)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);

  if (max_width > 0)
    {
      pango_layout_set_width (layout, (int) (max_width * PANGO_SCALE));
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    }

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
draw_axis (TallyBarChart *self,
           GtkSnapshot   *snapshot,
           const Plot    *plot,
           const GdkRGBA *fg)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GdkRGBA line = with_alpha (fg, 0.15f);
  GdkRGBA text = with_alpha (fg, 0.7f);
  gint64 marks[] = { 0, plot->top / 2, plot->top };

  for (guint i = 0; i < G_N_ELEMENTS (marks); i++)
    {
      g_autofree char *label = g_strdup_printf ("%" G_GINT64_FORMAT, marks[i]);
      double y = plot->y + plot->height - (double) marks[i] / plot->top * plot->height;
      int width, height;

      if (i == 1 && (marks[1] == 0 || plot->height < 3 * plot->label_height))
        continue;
      gtk_snapshot_append_color (snapshot, &line,
                                 &GRAPHENE_RECT_INIT (plot->x, y, plot->width, 1));
      layout_size (widget, label, &width, &height);
      draw_text (snapshot, widget, label, plot->x - PADDING - width, y - height / 2.0, 0, &text);
    }
}

/* Every k-th label, counted back from the last bar so the latest one is
 * always named, k as small as lets them not overlap. */
static void
draw_labels (TallyBarChart *self,
             GtkSnapshot   *snapshot,
             const Plot    *plot,
             const GdkRGBA *fg)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GdkRGBA text = with_alpha (fg, 0.7f);
  int widest = 1;
  guint every;

  for (guint i = 0; i < self->labels->len; i++)
    {
      int width, height;

      layout_size (widget, self->labels->pdata[i], &width, &height);
      widest = MAX (widest, width);
    }
  every = MAX (1, (guint) ((widest + PADDING) / plot->slot) + 1);

  for (guint i = 0; i < self->labels->len; i++)
    {
      guint from_end = self->labels->len - 1 - i;
      int width, height;

      if (from_end % every != 0)
        continue;
      layout_size (widget, self->labels->pdata[i], &width, &height);
      draw_text (snapshot, widget, self->labels->pdata[i],
                 plot->x + (i + 0.5) * plot->slot - width / 2.0,
                 plot->y + plot->height + PADDING, 0, &text);
    }
}

static void
draw_bars (TallyBarChart *self,
           GtkSnapshot   *snapshot,
           const Plot    *plot,
           const GdkRGBA *fg,
           const GdkRGBA *accent)
{
  GdkRGBA faded = with_alpha (accent, 0.75f);
  double bar_width = MAX (1.0, plot->slot * BAR_FILL);
  gboolean focused = gtk_widget_has_focus (GTK_WIDGET (self));

  for (guint i = 0; i < self->values->len; i++)
    {
      double height = (double) value_at (self, i) / plot->top * plot->height;
      double x = plot->x + i * plot->slot + (plot->slot - bar_width) / 2;
      gboolean marked = i == self->hovered || (focused && i == self->selected);

      /* A bar of a few credits on an axis of thousands still shows. */
      if (value_at (self, i) > 0)
        height = MAX (height, 1.0);
      gtk_snapshot_append_color (snapshot, marked ? accent : &faded,
                                 &GRAPHENE_RECT_INIT (x, plot->y + plot->height - height,
                                                      bar_width, height));
    }

  if (focused && self->selected != NO_BAR)
    {
      GskRoundedRect outline;
      float widths[4] = { FOCUS_WIDTH, FOCUS_WIDTH, FOCUS_WIDTH, FOCUS_WIDTH };
      GdkRGBA colors[4] = { *fg, *fg, *fg, *fg };

      gsk_rounded_rect_init_from_rect (&outline,
                                       &GRAPHENE_RECT_INIT (plot->x + self->selected * plot->slot,
                                                            plot->y, plot->slot, plot->height),
                                       3);
      gtk_snapshot_append_border (snapshot, &outline, widths, colors);
    }
}

static void
tally_bar_chart_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  TallyBarChart *self = TALLY_BAR_CHART (widget);
  guint shown = self->hovered != NO_BAR ? self->hovered : self->selected;
  GdkRGBA fg, accent;
  Plot plot;

  theme_colors (widget, &fg, &accent);
  compute_plot (self, &plot);
  draw_axis (self, snapshot, &plot, &fg);
  draw_bars (self, snapshot, &plot, &fg, &accent);
  draw_labels (self, snapshot, &plot, &fg);

  if (shown != NO_BAR)
    {
      g_autofree char *figure = tally_bar_chart_describe_bar (self, shown);

      draw_text (snapshot, widget, figure, plot.x, PADDING / 2, plot.width, &fg);
    }
}

static void
tally_bar_chart_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  /* Narrow enough for a 360 px window with its margins. */
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 200 : 180;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 560 : 240;
}

/* Accessibility and interaction */

static void
update_accessible (TallyBarChart *self)
{
  g_autofree char *name = NULL;

  if (self->selected == NO_BAR)
    name = g_strdup_printf (_("%s: no data"), self->title ? self->title : "");
  else
    {
      g_autofree char *bar = tally_bar_chart_describe_bar (self, self->selected);

      /* Translators: the chart's title, which bar the keyboard is on and its figure */
      name = g_strdup_printf (_("%s. Bar %u of %u, %s"), self->title ? self->title : "",
                              self->selected + 1, self->values->len, bar);
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Use the left and right arrow keys to move between bars"),
                                  -1);
}

/* The arrow keys are bindings to these, so a test drives the same path. */
static void
move_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TallyBarChart *self = TALLY_BAR_CHART (widget);
  gint step = g_variant_get_int32 (parameter);
  guint n = self->values->len;
  gint64 target;

  if (n == 0)
    return;

  if (step == G_MININT32)
    target = 0;
  else if (step == G_MAXINT32)
    target = n - 1;
  else
    target = CLAMP ((gint64) (self->selected == NO_BAR ? n - 1 : self->selected) + step, 0,
                    (gint64) n - 1);

  tally_bar_chart_set_selected (self, (guint) target);
}

static void
set_hovered (TallyBarChart *self,
             guint          bar)
{
  if (self->hovered == bar)
    return;

  self->hovered = bar;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
pointer_moved (GtkEventControllerMotion *motion,
               double                    x,
               double                    y,
               TallyBarChart            *self)
{
  set_hovered (self, bar_at (self, x));
}

static void
pointer_left (GtkEventControllerMotion *motion,
              TallyBarChart            *self)
{
  set_hovered (self, NO_BAR);
}

static void
pressed (GtkGestureClick *gesture,
         int              n_press,
         double           x,
         double           y,
         TallyBarChart   *self)
{
  guint bar = bar_at (self, x);

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (bar != NO_BAR)
    tally_bar_chart_set_selected (self, bar);
}

static gboolean
query_tooltip (GtkWidget     *widget,
               int            x,
               int            y,
               gboolean       keyboard_mode,
               GtkTooltip    *tooltip,
               TallyBarChart *self)
{
  guint bar = keyboard_mode ? self->selected : bar_at (self, x);
  g_autofree char *text = NULL;

  if (bar == NO_BAR)
    return FALSE;

  text = tally_bar_chart_describe_bar (self, bar);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* The class */

static void
tally_bar_chart_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TallyBarChart *self = TALLY_BAR_CHART (object);

  switch (prop_id)
    {
    case PROP_SELECTED:
      g_value_set_uint (value, self->selected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_bar_chart_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TallyBarChart *self = TALLY_BAR_CHART (object);

  switch (prop_id)
    {
    case PROP_SELECTED:
      tally_bar_chart_set_selected (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_bar_chart_finalize (GObject *object)
{
  TallyBarChart *self = TALLY_BAR_CHART (object);

  g_free (self->title);
  g_ptr_array_unref (self->labels);
  g_ptr_array_unref (self->descriptions);
  g_array_unref (self->values);

  G_OBJECT_CLASS (tally_bar_chart_parent_class)->finalize (object);
}

static void
tally_bar_chart_class_init (TallyBarChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = tally_bar_chart_get_property;
  object_class->set_property = tally_bar_chart_set_property;
  object_class->finalize = tally_bar_chart_finalize;
  widget_class->snapshot = tally_bar_chart_snapshot;
  widget_class->measure = tally_bar_chart_measure;

  properties[PROP_SELECTED] = g_param_spec_uint ("selected", NULL, NULL, 0, G_MAXUINT, NO_BAR,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                 G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "chart.move", "i", move_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "chart.move", "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "chart.move", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "chart.move", "i",
                                       G_MININT32);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_End, 0, "chart.move", "i",
                                       G_MAXINT32);

  gtk_widget_class_set_css_name (widget_class, "barchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
tally_bar_chart_init (TallyBarChart *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *focus = gtk_event_controller_focus_new ();

  self->labels = g_ptr_array_new_with_free_func (g_free);
  self->descriptions = g_ptr_array_new_with_free_func (g_free);
  self->values = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->selected = NO_BAR;
  self->hovered = NO_BAR;

  gtk_widget_set_focusable (widget, TRUE);
  gtk_widget_set_has_tooltip (widget, TRUE);

  g_signal_connect (motion, "motion", G_CALLBACK (pointer_moved), self);
  g_signal_connect (motion, "leave", G_CALLBACK (pointer_left), self);
  gtk_widget_add_controller (widget, motion);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (click));
  /* The focus outline comes and goes with the focus. */
  g_signal_connect_swapped (focus, "enter", G_CALLBACK (gtk_widget_queue_draw), self);
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (gtk_widget_queue_draw), self);
  gtk_widget_add_controller (widget, focus);
  g_signal_connect (widget, "query-tooltip", G_CALLBACK (query_tooltip), self);

  update_accessible (self);
}

GtkWidget *
tally_bar_chart_new (void)
{
  return g_object_new (TALLY_TYPE_BAR_CHART, NULL);
}

void
tally_bar_chart_set_title (TallyBarChart *self,
                           const char    *title)
{
  g_return_if_fail (TALLY_IS_BAR_CHART (self));

  g_free (self->title);
  self->title = g_strdup (title);
  update_accessible (self);
}

void
tally_bar_chart_set_unit (TallyBarChart     *self,
                          TallyBarChartUnit  unit)
{
  g_return_if_fail (TALLY_IS_BAR_CHART (self));

  self->unit = unit;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
tally_bar_chart_set_bars (TallyBarChart      *self,
                          const char * const *labels,
                          const char * const *descriptions,
                          const gint64       *values,
                          guint               n_bars)
{
  g_return_if_fail (TALLY_IS_BAR_CHART (self));

  g_ptr_array_set_size (self->labels, 0);
  g_ptr_array_set_size (self->descriptions, 0);
  g_array_set_size (self->values, 0);
  for (guint i = 0; i < n_bars; i++)
    {
      g_ptr_array_add (self->labels, g_strdup (labels[i]));
      g_ptr_array_add (self->descriptions, g_strdup (descriptions[i]));
    }
  g_array_append_vals (self->values, values, n_bars);

  self->hovered = NO_BAR;
  self->selected = NO_BAR;
  tally_bar_chart_set_selected (self, n_bars > 0 ? n_bars - 1 : NO_BAR);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
tally_bar_chart_get_n_bars (TallyBarChart *self)
{
  g_return_val_if_fail (TALLY_IS_BAR_CHART (self), 0);

  return self->values->len;
}

guint
tally_bar_chart_get_selected (TallyBarChart *self)
{
  g_return_val_if_fail (TALLY_IS_BAR_CHART (self), NO_BAR);

  return self->selected;
}

void
tally_bar_chart_set_selected (TallyBarChart *self,
                              guint          bar)
{
  g_return_if_fail (TALLY_IS_BAR_CHART (self));

  if (bar != NO_BAR && bar >= self->values->len)
    bar = self->values->len > 0 ? self->values->len - 1 : NO_BAR;
  if (bar == self->selected)
    return;

  self->selected = bar;
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

char *
tally_bar_chart_describe_bar (TallyBarChart *self,
                              guint          bar)
{
  g_autofree char *figure = NULL;

  g_return_val_if_fail (TALLY_IS_BAR_CHART (self), NULL);
  g_return_val_if_fail (bar < self->values->len, NULL);

  if (self->unit == TALLY_BAR_CHART_COUNT)
    figure = g_strdup_printf ("%'" G_GINT64_FORMAT, value_at (self, bar));
  else
    figure = tally_format_credits (value_at (self, bar));
  /* Translators: a bar of a chart: "Saturday 20 June 2026: 120 credits" */
  return g_strdup_printf (_("%s: %s"), (char *) self->descriptions->pdata[bar], figure);
}

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

static void
background_color (GtkWidget *widget,
                  GdkRGBA   *color)
{
  if (!gtk_style_context_lookup_color (gtk_widget_get_style_context (widget), "window_bg_color",
                                       color))
    gdk_rgba_parse (color, "#fafafa");
}

G_GNUC_END_IGNORE_DEPRECATIONS

GBytes *
tally_bar_chart_render_png (TallyBarChart  *self,
                            GError        **error)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkNative *native = gtk_widget_get_native (widget);
  GdkRGBA background;

  g_return_val_if_fail (TALLY_IS_BAR_CHART (self), NULL);

  if (native == NULL || gtk_native_get_renderer (native) == NULL || width <= 0 || height <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("The chart is not shown"));
      return NULL;
    }

  /* The page's background under the bars, so the image reads the same
   * in any viewer, light or dark. */
  snapshot = gtk_snapshot_new ();
  background_color (widget, &background);
  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  tally_bar_chart_snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (native), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));

  return gdk_texture_save_to_png_bytes (texture);
}
