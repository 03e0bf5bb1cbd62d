/* tally-session-gifts.c: the user's referral code and what it earned
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-session-gifts.h"
#include "tally-session-private.h"

void
tally_referral_info_free (TallyReferralInfo *info)
{
  g_free (info->code);
  g_free (info->url);
  g_free (info);
}

static gpointer
decode_referral (JsonObject  *reply,
                 GError     **error)
{
  const char *code = json_object_get_string_member_with_default (reply, "code", NULL);
  const char *url = json_object_get_string_member_with_default (reply, "url", NULL);
  TallyReferralInfo *info;

  if (code == NULL || url == NULL)
    {
      g_set_error_literal (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_INVALID_REPLY,
                           _("The server sent no referral link"));
      return NULL;
    }

  info = g_new0 (TallyReferralInfo, 1);
  info->code = g_strdup (code);
  info->url = g_strdup (url);
  info->bonus = json_object_get_int_member_with_default (reply, "bonus", 0);
  info->referred = json_object_get_int_member_with_default (reply, "referred", 0);
  info->rewarded = json_object_get_int_member_with_default (reply, "rewarded", 0);
  info->earned = json_object_get_int_member_with_default (reply, "earned", 0);
  return info;
}

static const TallySessionDecoder referral_decoder = {
  decode_referral, (GDestroyNotify) tally_referral_info_free, NULL
};

void
tally_session_load_referral_async (TallySession        *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (TALLY_IS_SESSION (self));

  tally_session_call (self, "GET", "/v1/me/referral", NULL, &referral_decoder,
                      tally_session_load_referral_async, cancellable, callback, user_data);
}

TallyReferralInfo *
tally_session_load_referral_finish (TallySession  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return tally_session_call_finish (self, result, tally_session_load_referral_async, error);
}
