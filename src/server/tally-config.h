/* tally-config.h: tally-server's settings, from a key file and the command line
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TALLY_CONFIG_ERROR (tally_config_error_quark ())

typedef enum
{
  TALLY_CONFIG_ERROR_INVALID,
} TallyConfigError;

typedef struct _TallyConfig
{
  /* [server] */
  char    *listen_host;
  guint16  listen_port;
  char    *data_dir;
  char    *tools_dir;
  gint64   body_limit;
  /* Seconds a connection may wait without a request being answered:
   * headers that never end, or a kept-alive connection left idle. */
  gint64   idle_timeout;
  gint64   session_days;
  gint64   session_retention_days;
  gboolean sync_normal;
  /* [store] url: a PostgreSQL database instead of the SQLite file in
   * data_dir, or NULL. */
  char    *store_url;
  /* [runs] */
  gint64   hold_timeout;
  /* [sync] */
  gint64   lease_amount;
  gint64   lease_timeout;
  gint64   invitation_ttl;
  /* [auth] */
  gint64   login_attempts;
  gint64   login_window;
  gint64   signups_per_hour;
  /* Referrals: the bonus each side gets, and how many bonuses accounts
   * signed up from one address may bring. */
  gint64   referral_bonus;
  gint64   referral_max_per_address;
  /* [payments] */
  char    *payments_provider;
  /* Set by a provider given on the command line or in the key file, not
   * by the default: only a demo chosen on purpose listens beyond this
   * computer. */
  gboolean payments_provider_given;
  char    *packs_file;
  char    *plans_file;
  /* Who the receipts name as the seller. */
  char    *seller_name;
  char    *seller_address;
  /* Auto-recharge: seconds without a new attempt after a declined charge,
   * and the age at which a recharge still in flight is looked up at
   * Stripe. */
  gint64   recharge_retry_after;
  gint64   recharge_settle_after;
  /* A demo subscription's period in seconds; 0: a calendar month. */
  gint64   demo_period;
  /* [stripe]: the keys are never logged. */
  char    *stripe_api_base;
  char    *stripe_secret_key;
  char    *stripe_webhook_secret;
  char    *stripe_success_url;
  char    *stripe_cancel_url;
  /* [audit] */
  gint64   audit_retention_days;
  gint64   audit_prune_batch;
  /* [smtp]: an empty url turns email off; the password is never logged. */
  char    *smtp_url;
  char    *smtp_from;
  char    *smtp_username;
  char    *smtp_password;
  gboolean smtp_starttls;
  /* [webhooks]: outgoing webhooks. Whether URLs on loopback, link-local
   * and private addresses are allowed; the first retry's pause and how
   * long a delivery is retried, in seconds. */
  gboolean webhooks_allow_private;
  gint64   webhooks_retry_base;
  gint64   webhooks_retry_for;
  /* [alerts]: the secret that signs unsubscribe links; random at each
   * start when empty, so links from before a restart stop working. */
  char    *alerts_link_secret;
  /* Where the server is reached from outside, for links in emails. */
  char    *public_url;
} TallyConfig;

GQuark       tally_config_error_quark   (void);
TallyConfig *tally_config_new           (void);
void         tally_config_free          (TallyConfig  *config);
/* A key file's settings; unknown groups and keys and bad values are
 * errors that name the key. Options given with --config FILE are read
 * first and every other option is applied over them. */
gboolean     tally_config_load_file     (TallyConfig  *config,
                                         const char   *path,
                                         GError      **error);
gboolean     tally_config_set           (TallyConfig  *config,
                                         const char   *group,
                                         const char   *key,
                                         const char   *value,
                                         GError      **error);
char        *tally_config_ledger_path   (TallyConfig  *config);
/* The options of the main command, for --help and for sub-commands. */
GOptionGroup *tally_config_option_group (TallyConfig  *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TallyConfig, tally_config_free)

G_END_DECLS
