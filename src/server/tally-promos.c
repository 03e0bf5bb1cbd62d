/* tally-promos.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-audit.h"
#include "tally-promos.h"

gboolean
tally_promo_code_normalize (const char *code,
                            char        normal[TALLY_PROMO_CODE_MAX + 1])
{
  gsize length = strlen (code);

  normal[0] = '\0';
  if (length < TALLY_PROMO_CODE_MIN || length > TALLY_PROMO_CODE_MAX)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isalnum (code[i]) && code[i] != '-' && code[i] != '_')
        return FALSE;
      normal[i] = g_ascii_toupper (code[i]);
    }
  normal[length] = '\0';

  return TRUE;
}

gboolean
tally_promos_create (TallyServer                  *server,
                     const TallyUser              *admin,
                     const TallyPromoCodeRequest  *request,
                     TallyPromoCode               *promo,
                     TallyPromoResult             *result,
                     GError                      **error)
{
  g_autofree char *id = g_uuid_string_random ();

  memset (promo, 0, sizeof *promo);
  *result = TALLY_PROMO_OK;
  if (!tally_promo_code_normalize (request->code, promo->code))
    g_return_val_if_reached (FALSE);

  g_strlcpy (promo->id, id, sizeof promo->id);
  promo->credits = request->credits;
  promo->max_redemptions = request->max_redemptions;
  promo->expires_at = request->expires_at;
  promo->credits_expire_after_days = request->credits_expire_after_days;
  g_strlcpy (promo->created_by, admin->id, sizeof promo->created_by);
  promo->created_at = g_get_real_time ();

  if (!tally_rules_store_insert_promo_code (tally_server_get_rules_store (server), promo, error))
    {
      if (error != NULL && *error != NULL)
        return FALSE;
      *result = TALLY_PROMO_CODE_TAKEN;
      return TRUE;
    }

  return tally_audit_record (tally_server_get_audit (server), admin, "admin.promo_code.create",
                             promo->code, "ok",
                             tally_audit_details ("ssii", "promo_code_id", promo->id, "code",
                                                  promo->code, "credits", promo->credits,
                                                  "max_redemptions", promo->max_redemptions),
                             error);
}

static void
redemption_transfer (const TallyPromoCode *promo,
                     const TallyUser      *user,
                     TallyTransfer        *transfer)
{
  g_autofree char *name = g_strconcat (promo->id, ":", user->id, NULL);
  g_autofree char *description = g_strdup_printf ("Promo code %s", promo->code);
  char id[TALLY_UUID_LEN];

  tally_uuid_derive ("promo-redemption", name, id);
  tally_transfer_init (transfer, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PROMOTIONS),
                       user->account_id, promo->credits, TALLY_TRANSFER_KIND_GRANT);
  tally_transfer_set_ref (transfer, promo->id);
  tally_transfer_set_description (transfer, description);
}

/* What stands between @user and @promo's credits, if anything; a user
 * who redeemed it already hears that first, whatever became of it since. */
static gboolean
check_redeemable (TallyServer           *server,
                  const TallyUser       *user,
                  const TallyPromoCode  *promo,
                  TallyPromoResult      *result,
                  GError               **error)
{
  g_autoptr(GError) local_error = NULL;

  if (tally_rules_store_find_redemption (tally_server_get_rules_store (server), promo->id,
                                         user->id, &local_error))
    *result = TALLY_PROMO_ALREADY_REDEEMED;
  else if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  else if (promo->expires_at != 0 && promo->expires_at <= g_get_real_time ())
    *result = TALLY_PROMO_EXPIRED;
  else
    *result = TALLY_PROMO_OK;

  return TRUE;
}

static gboolean
post_grant (TallyServer    *server,
            TallyTransfer  *transfer,
            GError        **error)
{
  TallyTransferResult result;

  if (!tally_rules_store_create_transfers (tally_server_get_rules_store (server), transfer, 1,
                                           &result, error))
    return FALSE;
  if (result == TALLY_TRANSFER_OK)
    return TRUE;

  g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
               "The promo grant was refused: %s", tally_transfer_result_to_string (result));
  return FALSE;
}

/* The days count from the grant's own time, the ledger's. */
static gboolean
set_expiry (TallyServer           *server,
            const TallyPromoCode  *promo,
            const TallyTransfer   *transfer,
            gint64                *expires_at,
            GError               **error)
{
  *expires_at = 0;
  if (promo->credits_expire_after_days <= 0)
    return TRUE;

  *expires_at = transfer->created_at + promo->credits_expire_after_days * 86400 * G_USEC_PER_SEC;
  return tally_rules_store_set_expiry (tally_server_get_rules_store (server), transfer->id,
                                       *expires_at, error);
}

gboolean
tally_promos_redeem (TallyServer      *server,
                     const TallyUser  *user,
                     const char       *code,
                     TallyTransfer    *transfer,
                     gint64           *expires_at,
                     TallyPromoResult *result,
                     GError          **error)
{
  TallyRulesStore *store = tally_server_get_rules_store (server);
  g_autoptr(GError) local_error = NULL;
  char normal[TALLY_PROMO_CODE_MAX + 1];
  TallyPromoCode promo;
  gboolean counted;

  *result = TALLY_PROMO_NOT_FOUND;
  *expires_at = 0;
  if (!tally_promo_code_normalize (code, normal))
    return TRUE;
  if (!tally_rules_store_find_promo_code (store, normal, &promo, &local_error))
    {
      if (local_error == NULL)
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (!check_redeemable (server, user, &promo, result, error))
    return FALSE;
  if (*result != TALLY_PROMO_OK)
    return TRUE;

  redemption_transfer (&promo, user, transfer);
  if (!tally_rules_store_add_redemption (store, promo.id, user->id, transfer->id, &counted, error))
    return FALSE;
  if (!counted)
    {
      *result = TALLY_PROMO_EXHAUSTED;
      return TRUE;
    }

  return post_grant (server, transfer, error) &&
         set_expiry (server, &promo, transfer, expires_at, error) &&
         tally_audit_record (tally_server_get_audit (server), user, "promo_code.redeem",
                             promo.code, "ok",
                             tally_audit_details ("ssi", "transfer_id", transfer->id,
                                                  "promo_code_id", promo.id, "amount",
                                                  transfer->amount),
                             error);
}
