/* tally-page.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-page.h"

typedef struct
{
  TallySession *session;
} TallyPagePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (TallyPage, tally_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
tally_page_dispose (GObject *object)
{
  TallyPagePrivate *priv = tally_page_get_instance_private (TALLY_PAGE (object));

  g_clear_object (&priv->session);

  G_OBJECT_CLASS (tally_page_parent_class)->dispose (object);
}

static void
tally_page_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TallyPagePrivate *priv = tally_page_get_instance_private (TALLY_PAGE (object));

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, priv->session);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_page_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  TallyPagePrivate *priv = tally_page_get_instance_private (TALLY_PAGE (object));

  switch (prop_id)
    {
    case PROP_SESSION:
      priv->session = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tally_page_class_init (TallyPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tally_page_dispose;
  object_class->get_property = tally_page_get_property;
  object_class->set_property = tally_page_set_property;

  properties[PROP_SESSION] = g_param_spec_object ("session", NULL, NULL, TALLY_TYPE_SESSION,
                                                  G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                                  G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tally_page_init (TallyPage *self)
{
}

TallySession *
tally_page_get_session (TallyPage *self)
{
  TallyPagePrivate *priv = tally_page_get_instance_private (self);

  g_return_val_if_fail (TALLY_IS_PAGE (self), NULL);

  return priv->session;
}
