/* tally-referrals.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <sodium.h>

#include "tally-audit.h"
#include "tally-log.h"
#include "tally-referrals.h"

#define CODE_LENGTH 8
/* No 0/O or 1/I: a code is read aloud and typed. */
#define CODE_ALPHABET "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#define CODE_ATTEMPTS 8

gboolean
tally_referral_code_normalize (const char *code,
                               char        normal[TALLY_REFERRAL_CODE_MAX + 1])
{
  gsize length = strlen (code);

  normal[0] = '\0';
  if (length < TALLY_REFERRAL_CODE_MIN || length > TALLY_REFERRAL_CODE_MAX)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isalnum (code[i]))
        return FALSE;
      normal[i] = g_ascii_toupper (code[i]);
    }
  normal[length] = '\0';
  return TRUE;
}

static void
random_code (char code[TALLY_REFERRAL_CODE_MAX + 1])
{
  for (guint i = 0; i < CODE_LENGTH; i++)
    code[i] = CODE_ALPHABET[randombytes_uniform (sizeof CODE_ALPHABET - 1)];
  code[CODE_LENGTH] = '\0';
}

gboolean
tally_referrals_ensure_code (TallyServer      *server,
                             const TallyUser  *user,
                             char              code[TALLY_REFERRAL_CODE_MAX + 1],
                             GError          **error)
{
  TallyRulesStore *store = tally_server_get_rules_store (server);
  gboolean taken = TRUE;

  if (!tally_rules_store_find_referral_code (store, user->id, code, error))
    return FALSE;
  if (code[0] != '\0')
    return TRUE;

  /* 32^8 codes: a clash is rare, several in a row rarer still. */
  for (guint i = 0; i < CODE_ATTEMPTS && taken; i++)
    {
      random_code (code);
      if (!tally_rules_store_insert_referral_code (store, user->id, code, &taken, error))
        return FALSE;
    }
  if (taken)
    g_set_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_FAILED,
                 "No free referral code was found");
  return !taken;
}

gboolean
tally_referrals_find_owner (TallyServer          *server,
                            const char           *code,
                            char                  owner[TALLY_UUID_LEN],
                            TallyReferralResult  *result,
                            GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  char normal[TALLY_REFERRAL_CODE_MAX + 1];

  *result = TALLY_REFERRAL_NOT_FOUND;
  owner[0] = '\0';
  if (!tally_referral_code_normalize (code, normal))
    return TRUE;
  if (tally_rules_store_find_code_owner (tally_server_get_rules_store (server), normal, owner,
                                         &local_error))
    *result = TALLY_REFERRAL_OK;
  else if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return TRUE;
}

/* What stands between @user and a referrer, if anything. */
static gboolean
check_open (TallyServer          *server,
            const TallyUser      *user,
            TallyReferralResult  *result,
            GError              **error)
{
  TallyRulesStore *store = tally_server_get_rules_store (server);
  g_autoptr(GError) local_error = NULL;
  TallyReferral existing;
  gboolean paid;

  if (tally_rules_store_find_referral (store, user->id, &existing, &local_error))
    *result = TALLY_REFERRAL_ALREADY_REFERRED;
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (*result != TALLY_REFERRAL_OK)
    return TRUE;

  if (!tally_rules_store_has_paid_purchase (store, user->id, &paid, error))
    return FALSE;
  if (paid)
    *result = TALLY_REFERRAL_TOO_LATE;
  return TRUE;
}

gboolean
tally_referrals_record (TallyServer          *server,
                        const TallyUser      *user,
                        const char           *code,
                        const char           *address,
                        TallyReferralResult  *result,
                        GError              **error)
{
  TallyReferral referral = { 0 };
  gboolean inserted;

  if (!tally_referrals_find_owner (server, code, referral.referrer_user_id, result, error))
    return FALSE;
  if (*result == TALLY_REFERRAL_OK && g_str_equal (referral.referrer_user_id, user->id))
    *result = TALLY_REFERRAL_SELF;
  if (*result != TALLY_REFERRAL_OK)
    return TRUE;
  if (!check_open (server, user, result, error))
    return FALSE;
  if (*result != TALLY_REFERRAL_OK)
    return TRUE;

  g_strlcpy (referral.referred_user_id, user->id, sizeof referral.referred_user_id);
  g_strlcpy (referral.signup_address, address != NULL ? address : "",
             sizeof referral.signup_address);
  referral.created_at = g_get_real_time ();
  if (!tally_rules_store_insert_referral (tally_server_get_rules_store (server), &referral,
                                          &inserted, error))
    return FALSE;
  if (!inserted)
    {
      *result = TALLY_REFERRAL_ALREADY_REFERRED;
      return TRUE;
    }

  return tally_audit_record (tally_server_get_audit (server), user, "referral.record",
                             user->id, "ok",
                             tally_audit_details ("s", "referrer", referral.referrer_user_id),
                             error);
}

void
tally_referral_bonus_ids (const char *referred_user_id,
                          char        referrer_id[TALLY_UUID_LEN],
                          char        referred_id[TALLY_UUID_LEN])
{
  g_autofree char *referrer_name = g_strconcat ("referrer:", referred_user_id, NULL);
  g_autofree char *referred_name = g_strconcat ("referred:", referred_user_id, NULL);

  tally_uuid_derive ("referral-bonus", referrer_name, referrer_id);
  tally_uuid_derive ("referral-bonus", referred_name, referred_id);
}

static gboolean
account_of (TallyServer  *server,
            const char   *user_id,
            char          account_id[TALLY_UUID_LEN],
            GError      **error)
{
  TallyUser user;
  g_autoptr(GError) local_error = NULL;

  if (tally_rules_store_find_user_by_id (tally_server_get_rules_store (server), user_id, &user,
                                         &local_error))
    {
      g_strlcpy (account_id, user.account_id, TALLY_UUID_LEN);
      return TRUE;
    }
  if (local_error == NULL)
    g_set_error (&local_error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_FAILED,
                 "The referral's user %s is gone", user_id);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static gboolean
post_bonuses (TallyServer          *server,
              const TallyReferral  *referral,
              gint64                bonus,
              GError              **error)
{
  TallyTransfer transfers[2];
  TallyTransferResult results[2];
  char referrer_account[TALLY_UUID_LEN], referred_account[TALLY_UUID_LEN];
  char referrer_id[TALLY_UUID_LEN], referred_id[TALLY_UUID_LEN];
  const char *promotions = tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PROMOTIONS);

  if (!account_of (server, referral->referrer_user_id, referrer_account, error) ||
      !account_of (server, referral->referred_user_id, referred_account, error))
    return FALSE;

  tally_referral_bonus_ids (referral->referred_user_id, referrer_id, referred_id);
  tally_transfer_init (&transfers[0], referrer_id, promotions, referrer_account, bonus,
                       TALLY_TRANSFER_KIND_GRANT);
  tally_transfer_init (&transfers[1], referred_id, promotions, referred_account, bonus,
                       TALLY_TRANSFER_KIND_GRANT);
  for (guint i = 0; i < G_N_ELEMENTS (transfers); i++)
    {
      tally_transfer_set_ref (&transfers[i], referral->referred_user_id);
      tally_transfer_set_description (&transfers[i], "Referral bonus");
    }

  if (!tally_rules_store_create_transfers (tally_server_get_rules_store (server), transfers,
                                           G_N_ELEMENTS (transfers), results, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (transfers); i++)
    if (results[i] != TALLY_TRANSFER_OK && results[i] != TALLY_TRANSFER_EXISTS)
      {
        g_set_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_INVALID,
                     "The referral bonus was refused: %s",
                     tally_transfer_result_to_string (results[i]));
        return FALSE;
      }

  return TRUE;
}

gboolean
tally_referrals_reward (TallyServer  *server,
                        const char   *user_id,
                        GError      **error)
{
  TallyRulesStore *store = tally_server_get_rules_store (server);
  TallyConfig *config = tally_server_get_config (server);
  g_autoptr(GError) local_error = NULL;
  TallyReferral referral;
  gint64 from_address;

  if (!tally_rules_store_find_referral (store, user_id, &referral, &local_error))
    {
      if (local_error == NULL)
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (referral.status != TALLY_REFERRAL_PENDING || config->referral_bonus <= 0)
    return TRUE;

  if (!tally_rules_store_count_rewarded_from (store, referral.signup_address, &from_address, error))
    return FALSE;
  if (from_address >= config->referral_max_per_address)
    {
      tally_log_event ("referral_refused", "reason", "address_limit", "user", user_id, NULL);
      return tally_rules_store_settle_referral (store, user_id, TALLY_REFERRAL_REFUSED, 0,
                                                g_get_real_time (), error);
    }

  return post_bonuses (server, &referral, config->referral_bonus, error) &&
         tally_rules_store_settle_referral (store, user_id, TALLY_REFERRAL_REWARDED,
                                            config->referral_bonus, g_get_real_time (), error) &&
         tally_audit_record (tally_server_get_audit (server), NULL, "referral.reward", user_id,
                             "ok", tally_audit_details ("si", "referrer",
                                                        referral.referrer_user_id, "bonus",
                                                        config->referral_bonus), error);
}
