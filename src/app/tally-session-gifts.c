/* tally-session-gifts.c: the user's referral code and what it earned
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-format.h"
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

/* --- who gave a gift --- */

typedef struct
{
  TallySession *session;
  char         *transfer_id;
  gint64        credits;
} GiftTold;

static void
gift_told_free (GiftTold *told)
{
  g_object_unref (told->session);
  g_free (told->transfer_id);
  g_free (told);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GiftTold, gift_told_free)

/* The "from" of the received gift that brought @transfer_id, or NULL. */
static const char *
giver_of (JsonObject *reply,
          const char *transfer_id)
{
  JsonNode *node = json_object_get_member (reply, "received");
  JsonArray *received;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;

  received = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (received); i++)
    {
      JsonNode *element = json_array_get_element (received, i);
      JsonObject *gift = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;

      if (gift != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (gift, "transfer_id", NULL),
                     transfer_id) == 0)
        return json_object_get_string_member_with_default (gift, "from", NULL);
    }

  return NULL;
}

/* Offline or refused, the gift is still told, without the name. */
static void
gifts_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GiftTold) told = user_data;
  g_autoptr(JsonObject) reply = tally_client_call_finish (TALLY_CLIENT (source), result, NULL,
                                                          NULL);
  const char *from = reply != NULL ? giver_of (reply, told->transfer_id) : NULL;
  g_autofree char *credits = tally_format_credits (told->credits);
  g_autofree char *text = NULL;

  if (from != NULL && from[0] != '\0')
    /* Translators: "Ana gave you 500 credits" */
    text = g_strdup_printf (_("%s gave you %s"), from, credits);
  else
    /* Translators: "You received a gift of 500 credits" (who gave it is unknown) */
    text = g_strdup_printf (_("You received a gift of %s"), credits);
  tally_session_notice (told->session, text);
}

void
tally_session_tell_gift (TallySession *self,
                         const char   *transfer_id,
                         gint64        credits)
{
  GiftTold *told = g_new0 (GiftTold, 1);

  told->session = g_object_ref (self);
  told->transfer_id = g_strdup (transfer_id);
  told->credits = credits;
  tally_client_call_async (tally_session_get_client (self), "GET", "/v1/me/gifts", NULL, NULL,
                           gifts_read, told);
}
