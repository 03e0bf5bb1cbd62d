/* tally-gifts.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-audit.h"
#include "tally-gifts.h"

gboolean
tally_gifts_record (TallyServer         *server,
                    const TallyPayment  *payment,
                    const char          *email,
                    GError             **error)
{
  TallyGift gift = { 0 };

  g_strlcpy (gift.payment_id, payment->id, sizeof gift.payment_id);
  g_strlcpy (gift.sender_user_id, payment->user_id, sizeof gift.sender_user_id);
  g_strlcpy (gift.email, email, sizeof gift.email);
  gift.credits = payment->credits;
  gift.status = TALLY_GIFT_OPEN;
  gift.created_at = payment->created_at;

  return tally_rules_store_insert_gift (tally_server_get_rules_store (server), &gift, error);
}

gboolean
tally_gifts_settle (TallyServer  *server,
                    TallyGift    *gift,
                    gboolean     *changed,
                    GError      **error)
{
  if (!tally_rules_store_move_gift (tally_server_get_rules_store (server), gift->payment_id,
                                    TALLY_GIFT_OPEN, TALLY_GIFT_WAITING, NULL, NULL, 0, changed,
                                    error))
    return FALSE;

  if (*changed)
    gift->status = TALLY_GIFT_WAITING;
  return TRUE;
}

gboolean
tally_gifts_cancel (TallyServer  *server,
                    TallyGift    *gift,
                    gboolean     *changed,
                    GError      **error)
{
  if (!tally_rules_store_move_gift (tally_server_get_rules_store (server), gift->payment_id,
                                    TALLY_GIFT_WAITING, TALLY_GIFT_CANCELLED, NULL, NULL, 0,
                                    changed, error))
    return FALSE;
  if (!*changed)
    return TRUE;

  gift->status = TALLY_GIFT_CANCELLED;
  return tally_audit_record (tally_server_get_audit (server), NULL, "gift.cancel",
                             gift->payment_id, "ok",
                             tally_audit_details ("i", "credits", gift->credits), error);
}

void
tally_gift_claim_id (const char *payment_id,
                     char        id[TALLY_UUID_LEN])
{
  tally_uuid_derive ("gift-claim", payment_id, id);
}

static gboolean
post_claim (TallyServer      *server,
            const TallyGift  *gift,
            const TallyUser  *user,
            TallyTransfer    *transfer,
            GError          **error)
{
  TallyTransferResult result;
  char id[TALLY_UUID_LEN];

  tally_gift_claim_id (gift->payment_id, id);
  tally_transfer_init (transfer, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS),
                       user->account_id, gift->credits, TALLY_TRANSFER_KIND_PURCHASE);
  tally_transfer_set_ref (transfer, gift->payment_id);
  /* Fixed words, like every transfer's description, which the app says
   * in its user's language; no name: the ledger keeps its rows when the
   * buyer's account is erased, so who gave it is read from the gift. */
  tally_transfer_set_description (transfer, "Gift");

  if (!tally_rules_store_create_transfers (tally_server_get_rules_store (server), transfer, 1,
                                           &result, error))
    return FALSE;
  if (result == TALLY_TRANSFER_OK || result == TALLY_TRANSFER_EXISTS)
    return TRUE;

  g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
               "The gift's transfer was refused: %s", tally_transfer_result_to_string (result));
  return FALSE;
}

/* The status moves first: of racing sign-ins, only the one that moved it
 * posts (and the transfer's id would make a second post a no-op anyway). */
static gboolean
claim_one (TallyServer      *server,
           const TallyGift  *gift,
           const TallyUser  *user,
           gint64           *claimed,
           GError          **error)
{
  TallyTransfer transfer;
  gboolean changed;
  char id[TALLY_UUID_LEN];

  tally_gift_claim_id (gift->payment_id, id);
  if (!tally_rules_store_move_gift (tally_server_get_rules_store (server), gift->payment_id,
                                    TALLY_GIFT_WAITING, TALLY_GIFT_CLAIMED, user->account_id, id,
                                    g_get_real_time (), &changed, error))
    return FALSE;
  if (!changed)
    return TRUE;

  if (!post_claim (server, gift, user, &transfer, error))
    return FALSE;

  *claimed += gift->credits;
  return tally_audit_record (tally_server_get_audit (server), user, "gift.claim",
                             gift->payment_id, "ok",
                             tally_audit_details ("si", "transfer_id", transfer.id, "credits",
                                                  gift->credits), error);
}

gboolean
tally_gifts_claim (TallyServer      *server,
                   const TallyUser  *user,
                   gint64           *claimed,
                   GError          **error)
{
  g_autoptr(GArray) gifts = tally_rules_store_waiting_gifts (tally_server_get_rules_store (server),
                                                             user->email, error);

  *claimed = 0;
  if (gifts == NULL)
    return FALSE;

  for (guint i = 0; i < gifts->len; i++)
    if (!claim_one (server, &g_array_index (gifts, TallyGift, i), user, claimed, error))
      return FALSE;

  return TRUE;
}
