/* tally-offline-banner.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-offline-banner.h"

/* libadwaita 1.2 has no AdwBanner: the same tinted band, drawn here. */
static const char banner_css[] =
  "offlinebanner box.banner {"
  "  padding: 6px 12px;"
  "  background-color: mix(@accent_bg_color, @window_bg_color, 0.7);"
  "  color: @window_fg_color;"
  "}";

struct _TallyOfflineBanner
{
  GtkWidget    parent_instance;

  GtkRevealer *revealer;
  GtkLabel    *label;
  GtkWidget   *icon;
  GtkWidget   *retry_button;

  TallySync   *sync;
};

G_DEFINE_FINAL_TYPE (TallyOfflineBanner, tally_offline_banner, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SYNC,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tally_offline_banner_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  TallyOfflineBanner *self = TALLY_OFFLINE_BANNER (object);

  switch (prop_id)
    {
    case PROP_SYNC:
      g_value_set_object (value, self->sync);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_offline_banner_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  TallyOfflineBanner *self = TALLY_OFFLINE_BANNER (object);

  switch (prop_id)
    {
    case PROP_SYNC:
      tally_offline_banner_set_sync (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* "3 December": when the lease, and so the allowance, ends. */
static char *
expiry_text (gint64 expires_at)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (expires_at / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;

  if (local == NULL)
    return g_strdup ("");

  /* Translators: a day and month, as in "3 December"; see g_date_time_format() */
  return g_date_time_format (local, C_("offline allowance end", "%-d %B"));
}

static char *
offline_text (TallySync *sync)
{
  gint64 allowance = tally_sync_get_allowance (sync);
  g_autofree char *amount = NULL;
  g_autofree char *until = NULL;

  if (allowance <= 0)
    return g_strdup (_("You are offline, and no offline allowance is left: runs wait until the "
                       "server can be reached."));

  amount = g_strdup_printf ("%'" G_GINT64_FORMAT, allowance);
  until = expiry_text (tally_sync_get_lease_expiry (sync));
  /* Translators: "You are offline. 180 credits of your offline allowance
   * left, until 3 December." */
  return g_strdup_printf (ngettext ("You are offline. %s credit of your offline allowance left, "
                                    "until %s.",
                                    "You are offline. %s credits of your offline allowance "
                                    "left, until %s.",
                                    (gulong) MIN (allowance, G_MAXLONG)),
                          amount, until);
}

static void
update (TallyOfflineBanner *self)
{
  g_autofree char *text = NULL;
  gboolean offline = self->sync != NULL && !tally_sync_get_online (self->sync);
  gboolean draining = self->sync != NULL && tally_sync_get_syncing (self->sync) &&
                      tally_cache_outbox_count (tally_sync_get_cache (self->sync)) > 0;

  if (offline)
    text = offline_text (self->sync);
  else if (draining)
    text = g_strdup (_("Syncing what was done offline…"));

  if (text != NULL)
    {
      gtk_label_set_text (self->label, text);
      /* The label is one line and may be cut short in a narrow window. */
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->label), text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, text,
                                      -1);
    }
  gtk_image_set_from_icon_name (GTK_IMAGE (self->icon),
                                offline ? "network-offline-symbolic"
                                        : "emblem-synchronizing-symbolic");
  gtk_widget_set_visible (self->retry_button, offline);
  gtk_revealer_set_reveal_child (self->revealer, text != NULL);
}

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  TallyOfflineBanner *self = TALLY_OFFLINE_BANNER (widget);

  if (self->sync != NULL)
    tally_sync_now (self->sync);
}

static void
disconnect_sync (TallyOfflineBanner *self)
{
  if (self->sync == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->sync, self);
  g_signal_handlers_disconnect_by_data (tally_sync_get_cache (self->sync), self);
  g_clear_object (&self->sync);
}

static void
tally_offline_banner_dispose (GObject *object)
{
  TallyOfflineBanner *self = (TallyOfflineBanner *) object;

  disconnect_sync (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_TYPE_OFFLINE_BANNER);

  G_OBJECT_CLASS (tally_offline_banner_parent_class)->dispose (object);
}

static void
tally_offline_banner_class_init (TallyOfflineBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tally_offline_banner_dispose;
  object_class->get_property = tally_offline_banner_get_property;
  object_class->set_property = tally_offline_banner_set_property;

  /* The window binds it to its session's. */
  properties[PROP_SYNC] = g_param_spec_object ("sync", NULL, NULL, TALLY_TYPE_SYNC,
                                               G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/tally-offline-banner.ui");
  gtk_widget_class_bind_template_child (widget_class, TallyOfflineBanner, revealer);
  gtk_widget_class_bind_template_child (widget_class, TallyOfflineBanner, label);
  gtk_widget_class_bind_template_child (widget_class, TallyOfflineBanner, icon);
  gtk_widget_class_bind_template_child (widget_class, TallyOfflineBanner, retry_button);
  gtk_widget_class_install_action (widget_class, "banner.retry", NULL, retry_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "offlinebanner");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_STATUS);
}

static void
load_css (GdkDisplay *display)
{
  static GQuark loaded_quark;
  g_autoptr(GtkCssProvider) provider = NULL;

  if (loaded_quark == 0)
    loaded_quark = g_quark_from_static_string ("tally-offline-banner-css");
  if (display == NULL || g_object_get_qdata (G_OBJECT (display), loaded_quark) != NULL)
    return;

  provider = gtk_css_provider_new ();
#if GTK_CHECK_VERSION (4, 12, 0)
  gtk_css_provider_load_from_string (provider, banner_css);
#else
  gtk_css_provider_load_from_data (provider, banner_css, -1);
#endif
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set_qdata (G_OBJECT (display), loaded_quark, GINT_TO_POINTER (TRUE));
}

static void
tally_offline_banner_init (TallyOfflineBanner *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  load_css (gtk_widget_get_display (GTK_WIDGET (self)));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Connection"), -1);
}

void
tally_offline_banner_set_sync (TallyOfflineBanner *self,
                               TallySync          *sync)
{
  g_return_if_fail (TALLY_IS_OFFLINE_BANNER (self));
  g_return_if_fail (sync == NULL || TALLY_IS_SYNC (sync));

  disconnect_sync (self);
  if (sync != NULL)
    {
      self->sync = g_object_ref (sync);
      g_signal_connect_swapped (sync, "notify::online", G_CALLBACK (update), self);
      g_signal_connect_swapped (sync, "notify::syncing", G_CALLBACK (update), self);
      g_signal_connect_swapped (tally_sync_get_cache (sync), "changed", G_CALLBACK (update), self);
    }
  update (self);
}

gboolean
tally_offline_banner_get_revealed (TallyOfflineBanner *self)
{
  g_return_val_if_fail (TALLY_IS_OFFLINE_BANNER (self), FALSE);

  return gtk_revealer_get_reveal_child (self->revealer);
}

const char *
tally_offline_banner_get_text (TallyOfflineBanner *self)
{
  g_return_val_if_fail (TALLY_IS_OFFLINE_BANNER (self), NULL);

  return gtk_label_get_text (self->label);
}
