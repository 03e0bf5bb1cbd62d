/* tally-subscription.h: the user's subscription (GET /v1/me/subscription)
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define TALLY_TYPE_SUBSCRIPTION (tally_subscription_get_type ())

typedef struct
{
  char      *id;
  /* The plan's id. */
  char      *plan;
  /* "active" or "past_due". */
  char      *status;
  /* The end of the month paid for; NULL when the server does not know. */
  GDateTime *period_end;
  gboolean   cancel_at_period_end;
} TallySubscription;

GType              tally_subscription_get_type      (void) G_GNUC_CONST;
/* From the reply's "subscription" member: NULL when it is null (no
 * subscription), or with @error when it is not one of the API's. */
TallySubscription *tally_subscription_new_from_reply (JsonObject              *reply,
                                                      GError                 **error);
TallySubscription *tally_subscription_copy          (const TallySubscription *self);
void               tally_subscription_free          (TallySubscription       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallySubscription, tally_subscription_free)

G_END_DECLS
