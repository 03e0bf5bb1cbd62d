/* tally-config.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tally-config.h"

G_DEFINE_QUARK (tally-config-error-quark, tally_config_error)

typedef enum
{
  SETTING_LISTEN,
  SETTING_PATH,
  SETTING_INT,
  SETTING_BOOL,
  SETTING_STRING,
} SettingType;

/* One row per setting: its group and key in the file are also its
 * command-line option, --KEY, unless @option names another (keys that
 * would be ambiguous on their own, e.g. [stripe] api-base). */
typedef struct
{
  const char  *group;
  const char  *key;
  SettingType  type;
  gsize        offset;
  gint64       min;
  gint64       max;
  const char  *description;
  const char  *arg_description;
  const char  *option;
} Setting;

#define FIELD(name) G_STRUCT_OFFSET (TallyConfig, name)

static const Setting settings[] = {
  { "server", "listen", SETTING_LISTEN, 0, 0, 0,
    "Address and port to listen on (default 127.0.0.1:8470)", "HOST:PORT" },
  { "server", "data-dir", SETTING_PATH, FIELD (data_dir), 0, 0,
    "Where the ledger file lives (default: the XDG data dir)", "DIR" },
  { "server", "tools-dir", SETTING_PATH, FIELD (tools_dir), 0, 0,
    "The tool registry's folder of JSON files", "DIR" },
  { "server", "body-limit", SETTING_INT, FIELD (body_limit), 1024, G_GINT64_CONSTANT (1) << 30,
    "Largest request body accepted, in bytes (default 1048576)", "BYTES" },
  { "server", "idle-timeout", SETTING_INT, FIELD (idle_timeout), 1, 3600,
    "Seconds a client connection may go without a request being answered (a request's "
    "headers that never end, or an idle kept-alive connection) before it is closed "
    "(default 60)", "SECONDS" },
  { "server", "sync-normal", SETTING_BOOL, FIELD (sync_normal), 0, 1,
    "Commit with synchronous=NORMAL: faster, not durable across power loss", "BOOL" },
  { "store", "url", SETTING_STRING, FIELD (store_url), 0, 0,
    "Keep the ledger and the server's tables in this PostgreSQL database "
    "(postgresql://…) instead of the SQLite file in the data folder; several servers can "
    "share it (default: SQLite)", "URL", "store-url" },
  { "auth", "session-days", SETTING_INT, FIELD (session_days), 1, 3650,
    "Days a sign-in lasts (default 30)", "DAYS" },
  { "auth", "session-retention-days", SETTING_INT, FIELD (session_retention_days), 0, 3650,
    "Days a session that ended (signed out or expired) is kept before it is deleted, with "
    "its device name (default 7)", "DAYS" },
  { "auth", "login-attempts", SETTING_INT, FIELD (login_attempts), 1, 1000,
    "Failed sign-ins per account (five times that per address) before each further one "
    "makes the next attempt wait: 1 s, then twice as long each time (default 10)", "N" },
  { "auth", "login-window", SETTING_INT, FIELD (login_window), 1, 86400,
    "The longest wait after failed sign-ins of an account, in seconds (default 900)",
    "SECONDS" },
  { "auth", "signups-per-hour", SETTING_INT, FIELD (signups_per_hour), 1, 1000000,
    "Sign-ups allowed per client address in an hour (default 10)", "N" },
  { "referrals", "bonus", SETTING_INT, FIELD (referral_bonus), 0, 1000000,
    "Credits the referrer and the new user each get when the new user's first purchase "
    "is paid; 0 turns referral bonuses off (default 100)", "CREDITS", "referrals-bonus" },
  { "referrals", "max-per-address", SETTING_INT, FIELD (referral_max_per_address), 0, 1000000,
    "Referral bonuses paid for accounts that signed up from one client address (default 3)",
    "N", "referrals-max-per-address" },
  { "runs", "hold-timeout", SETTING_INT, FIELD (hold_timeout), 1, 7 * 86400,
    "Seconds a run's hold lasts if nobody completes it (default 3600)", "SECONDS" },
  { "sync", "lease-amount", SETTING_INT, FIELD (lease_amount), 0, G_MAXINT32,
    "Credits a device may spend offline (default 200)", "CREDITS" },
  { "sync", "lease-timeout", SETTING_INT, FIELD (lease_timeout), 60, 90 * 86400,
    "Seconds an offline lease lasts (default 604800)", "SECONDS" },
  { "teams", "invitation-ttl", SETTING_INT, FIELD (invitation_ttl), 1, 90 * 86400,
    "Seconds a team invitation can be accepted (default 604800)", "SECONDS" },
  { "payments", "provider", SETTING_STRING, FIELD (payments_provider), 0, 0,
    "How credits are bought: demo (default) or stripe", "PROVIDER", "payments-provider" },
  { "payments", "packs-file", SETTING_PATH, FIELD (packs_file), 0, 0,
    "The credit packs on sale, a JSON file (default: the installed one)", "FILE" },
  { "payments", "plans-file", SETTING_PATH, FIELD (plans_file), 0, 0,
    "The subscription plans on sale, a JSON file (default: the installed one)", "FILE" },
  { "payments", "seller-name", SETTING_STRING, FIELD (seller_name), 0, 0,
    "The seller named on receipts (default Tally)", "NAME" },
  { "payments", "seller-address", SETTING_STRING, FIELD (seller_address), 0, 0,
    "The seller's address on receipts; \\n between lines in a key file (default none)",
    "ADDRESS" },
  { "payments", "recharge-retry-after", SETTING_INT, FIELD (recharge_retry_after), 0, 86400,
    "Seconds auto-recharge waits after a declined charge before it tries again (default 900)",
    "SECONDS" },
  { "payments", "recharge-settle-after", SETTING_INT, FIELD (recharge_settle_after), 1, 86400,
    "Seconds after which a recharge with no answer is looked up at Stripe (default 3600)",
    "SECONDS" },
  { "payments", "demo-period", SETTING_INT, FIELD (demo_period), 0, 366 * 86400,
    "Seconds a demo subscription's period lasts before the demo provider renews it; 0 is a "
    "calendar month (default 0)", "SECONDS", "demo-period" },
  { "stripe", "api-base", SETTING_STRING, FIELD (stripe_api_base), 0, 0,
    "Stripe's API address (default https://api.stripe.com)", "URL", "stripe-api-base" },
  { "stripe", "secret-key", SETTING_STRING, FIELD (stripe_secret_key), 0, 0,
    "Stripe secret API key", "KEY", "stripe-secret-key" },
  { "stripe", "webhook-secret", SETTING_STRING, FIELD (stripe_webhook_secret), 0, 0,
    "Secret that signs Stripe's webhook events (whsec_...)", "SECRET", "stripe-webhook-secret" },
  { "stripe", "success-url", SETTING_STRING, FIELD (stripe_success_url), 0, 0,
    "Where Stripe Checkout sends the buyer after paying", "URL", "stripe-success-url" },
  { "stripe", "cancel-url", SETTING_STRING, FIELD (stripe_cancel_url), 0, 0,
    "Where Stripe Checkout sends the buyer who gives up", "URL", "stripe-cancel-url" },
  { "audit", "audit-retention-days", SETTING_INT, FIELD (audit_retention_days), 0, 36500,
    "Days audit records are kept; 0 keeps them forever (default 0)", "DAYS" },
  { "audit", "audit-prune-batch", SETTING_INT, FIELD (audit_prune_batch), 1, 10000000,
    "Audit records retention deletes in one transaction, on a worker thread of its own; "
    "requests' writes go between two (default 1000)", "N" },
  { "smtp", "url", SETTING_STRING, FIELD (smtp_url), 0, 0,
    "SMTP server for emails, smtp://HOST:PORT or smtps://HOST:PORT (default: none, no email)",
    "URL", "smtp-url" },
  { "smtp", "from", SETTING_STRING, FIELD (smtp_from), 0, 0,
    "The address emails come from", "ADDRESS", "smtp-from" },
  { "smtp", "username", SETTING_STRING, FIELD (smtp_username), 0, 0,
    "User name to sign in to the SMTP server (default: none)", "NAME", "smtp-username" },
  { "smtp", "password", SETTING_STRING, FIELD (smtp_password), 0, 0,
    "Password for the SMTP server; better in the key file than on the command line",
    "PASSWORD", "smtp-password" },
  { "smtp", "starttls", SETTING_BOOL, FIELD (smtp_starttls), 0, 1,
    "Require STARTTLS on smtp:// (default false)", "BOOL", "smtp-starttls" },
  { "webhooks", "allow-private", SETTING_BOOL, FIELD (webhooks_allow_private), 0, 1,
    "Allow webhook URLs on loopback, link-local and private addresses (default false)", "BOOL",
    "webhooks-allow-private" },
  { "webhooks", "retry-base", SETTING_INT, FIELD (webhooks_retry_base), 1, 86400,
    "Seconds before a failed webhook delivery's first retry; doubled at each (default 30)",
    "SECONDS", "webhooks-retry-base" },
  { "webhooks", "retry-for", SETTING_INT, FIELD (webhooks_retry_for), 60, 30 * 86400,
    "Seconds a webhook delivery is retried before it is given up (default 259200)", "SECONDS",
    "webhooks-retry-for" },
  { "server", "public-url", SETTING_STRING, FIELD (public_url), 0, 0,
    "Where users reach the server, for links in emails (default http://LISTEN)", "URL" },
  { "alerts", "link-secret", SETTING_STRING, FIELD (alerts_link_secret), 0, 0,
    "Secret that signs the unsubscribe links of alert emails (default: random at each start)",
    "SECRET", "alerts-link-secret" },
};

TallyConfig *
tally_config_new (void)
{
  TallyConfig *config = g_new0 (TallyConfig, 1);

  config->listen_host = g_strdup ("127.0.0.1");
  config->listen_port = 8470;
  config->data_dir = g_build_filename (g_get_user_data_dir (), "tally-server", NULL);
  config->tools_dir = g_strdup (TALLY_DATADIR "/tools");
  config->body_limit = 1024 * 1024;
  config->idle_timeout = 60;
  config->session_days = 30;
  config->session_retention_days = 7;
  config->audit_prune_batch = 1000;
  config->login_attempts = 10;
  config->login_window = 900;
  config->signups_per_hour = 10;
  config->referral_bonus = 100;
  config->referral_max_per_address = 3;
  config->hold_timeout = 3600;
  config->lease_amount = 200;
  config->lease_timeout = 7 * 86400;
  config->invitation_ttl = 7 * 86400;
  config->payments_provider = g_strdup ("demo");
  config->packs_file = g_strdup (TALLY_DATADIR "/packs.json");
  config->plans_file = g_strdup (TALLY_DATADIR "/plans.json");
  config->seller_name = g_strdup ("Tally");
  config->seller_address = g_strdup ("");
  config->recharge_retry_after = 15 * 60;
  config->recharge_settle_after = 3600;
  config->stripe_api_base = g_strdup ("https://api.stripe.com");
  config->smtp_url = g_strdup ("");
  config->smtp_from = g_strdup ("");
  config->webhooks_retry_base = 30;
  config->webhooks_retry_for = 3 * 86400;
  config->alerts_link_secret = g_strdup ("");
  config->public_url = g_strdup ("");

  /* Run from a build tree, the registry is the source tree's. */
  if (!g_file_test (config->tools_dir, G_FILE_TEST_IS_DIR))
    {
      g_free (config->tools_dir);
      config->tools_dir = g_strdup (TALLY_SOURCE_DATADIR "/tools");
    }
  if (!g_file_test (config->packs_file, G_FILE_TEST_IS_REGULAR))
    {
      g_free (config->packs_file);
      config->packs_file = g_strdup (TALLY_SOURCE_DATADIR "/packs.json");
    }
  if (!g_file_test (config->plans_file, G_FILE_TEST_IS_REGULAR))
    {
      g_free (config->plans_file);
      config->plans_file = g_strdup (TALLY_SOURCE_DATADIR "/plans.json");
    }

  return config;
}

void
tally_config_free (TallyConfig *config)
{
  if (config == NULL)
    return;

  g_free (config->listen_host);
  g_free (config->data_dir);
  g_free (config->store_url);
  g_free (config->tools_dir);
  g_free (config->payments_provider);
  g_free (config->packs_file);
  g_free (config->plans_file);
  g_free (config->seller_name);
  g_free (config->seller_address);
  g_free (config->stripe_api_base);
  g_free (config->stripe_secret_key);
  g_free (config->stripe_webhook_secret);
  g_free (config->stripe_success_url);
  g_free (config->stripe_cancel_url);
  g_free (config->smtp_url);
  g_free (config->smtp_from);
  g_free (config->smtp_username);
  g_free (config->smtp_password);
  g_free (config->alerts_link_secret);
  g_free (config->public_url);
  g_free (config);
}

static const Setting *
find_setting (const char *group,
              const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      if (g_str_equal (settings[i].group, group) && g_str_equal (settings[i].key, key))
        return &settings[i];
    }

  return NULL;
}

static gboolean
invalid (GError    **error,
         const char *key,
         const char *value,
         const char *why)
{
  g_set_error (error, TALLY_CONFIG_ERROR, TALLY_CONFIG_ERROR_INVALID,
               "Invalid value “%s” for %s: %s", value, key, why);
  return FALSE;
}

static gboolean
set_listen (TallyConfig  *config,
            const char   *value,
            GError      **error)
{
  const char *colon = strrchr (value, ':');
  g_autofree char *host = NULL;
  guint64 port;

  if (colon == NULL || colon == value)
    return invalid (error, "listen", value, "expected HOST:PORT");
  if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
    return invalid (error, "listen", value, "the port must be a number from 1 to 65535");

  host = g_strndup (value, colon - value);
  /* [::1]:8470 */
  if (host[0] == '[' && g_str_has_suffix (host, "]"))
    {
      char *inner = g_strndup (host + 1, strlen (host) - 2);

      g_free (host);
      host = inner;
    }
  if (!g_hostname_is_ip_address (host))
    return invalid (error, "listen", value, "the host must be an IP address");

  g_free (config->listen_host);
  config->listen_host = g_steal_pointer (&host);
  config->listen_port = (guint16) port;
  return TRUE;
}

static gboolean
set_int (TallyConfig   *config,
         const Setting *setting,
         const char    *value,
         GError       **error)
{
  gint64 number;
  g_autofree char *range = g_strdup_printf ("expected a whole number from %" G_GINT64_FORMAT
                                            " to %" G_GINT64_FORMAT,
                                            setting->min, setting->max);

  if (!g_ascii_string_to_signed (value, 10, setting->min, setting->max, &number, NULL))
    return invalid (error, setting->key, value, range);

  G_STRUCT_MEMBER (gint64, config, setting->offset) = number;
  return TRUE;
}

static gboolean
set_bool (TallyConfig   *config,
          const Setting *setting,
          const char    *value,
          GError       **error)
{
  gboolean flag;

  if (g_str_equal (value, "true") || g_str_equal (value, "1"))
    flag = TRUE;
  else if (g_str_equal (value, "false") || g_str_equal (value, "0"))
    flag = FALSE;
  else
    return invalid (error, setting->key, value, "expected true or false");

  G_STRUCT_MEMBER (gboolean, config, setting->offset) = flag;
  return TRUE;
}

gboolean
tally_config_set (TallyConfig  *config,
                  const char   *group,
                  const char   *key,
                  const char   *value,
                  GError      **error)
{
  const Setting *setting = find_setting (group, key);

  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (setting == NULL)
    {
      g_set_error (error, TALLY_CONFIG_ERROR, TALLY_CONFIG_ERROR_INVALID,
                   "Unknown setting “%s”", key);
      return FALSE;
    }

  switch (setting->type)
    {
    case SETTING_LISTEN:
      return set_listen (config, value, error);
    case SETTING_PATH:
      if (value[0] == '\0')
        return invalid (error, key, value, "expected a path");
      g_free (G_STRUCT_MEMBER (char *, config, setting->offset));
      G_STRUCT_MEMBER (char *, config, setting->offset) = g_strdup (value);
      return TRUE;
    case SETTING_INT:
      return set_int (config, setting, value, error);
    case SETTING_BOOL:
      return set_bool (config, setting, value, error);
    case SETTING_STRING:
      /* A misspelt provider is a bad value, not a reason to fall back. */
      if (g_str_equal (key, "provider") && !g_str_equal (value, "demo") &&
          !g_str_equal (value, "stripe"))
        return invalid (error, key, value, "expected demo or stripe");
      if (g_str_equal (key, "provider"))
        config->payments_provider_given = TRUE;
      /* Not echoed: the URL may carry a password. */
      if (setting->offset == FIELD (store_url) && !g_str_has_prefix (value, "postgresql://") &&
          !g_str_has_prefix (value, "postgres://"))
        {
          g_set_error (error, TALLY_CONFIG_ERROR, TALLY_CONFIG_ERROR_INVALID,
                       "Invalid value for store url: expected a postgresql:// URL");
          return FALSE;
        }
      g_free (G_STRUCT_MEMBER (char *, config, setting->offset));
      G_STRUCT_MEMBER (char *, config, setting->offset) = g_strdup (value);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

static gboolean
load_group (TallyConfig  *config,
            GKeyFile     *file,
            const char   *group,
            GError      **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys (file, group, NULL, error);

  if (keys == NULL)
    return FALSE;

  for (guint i = 0; keys[i] != NULL; i++)
    {
      const Setting *setting = find_setting (group, keys[i]);
      g_autofree char *value = NULL;
      g_autoptr(GError) local_error = NULL;

      if (setting == NULL)
        {
          g_set_error (error, TALLY_CONFIG_ERROR, TALLY_CONFIG_ERROR_INVALID,
                       "Unknown key “%s” in group [%s]", keys[i], group);
          return FALSE;
        }

      value = g_key_file_get_string (file, group, keys[i], error);
      if (value == NULL)
        return FALSE;
      if (!tally_config_set (config, group, keys[i], g_strstrip (value), &local_error))
        {
          g_set_error (error, TALLY_CONFIG_ERROR, TALLY_CONFIG_ERROR_INVALID,
                       "[%s] %s", group, local_error->message);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
is_known_group (const char *group)
{
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      if (g_str_equal (settings[i].group, group))
        return TRUE;
    }

  return FALSE;
}

gboolean
tally_config_load_file (TallyConfig  *config,
                        const char   *path,
                        GError      **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, TALLY_CONFIG_ERROR, TALLY_CONFIG_ERROR_INVALID,
                   "Cannot read the configuration “%s”: %s", path, local_error->message);
      return FALSE;
    }

  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      if (!is_known_group (groups[i]))
        {
          g_set_error (error, TALLY_CONFIG_ERROR, TALLY_CONFIG_ERROR_INVALID,
                       "%s: unknown group [%s]", path, groups[i]);
          return FALSE;
        }
      if (!load_group (config, file, groups[i], &local_error))
        {
          g_set_error (error, TALLY_CONFIG_ERROR, TALLY_CONFIG_ERROR_INVALID,
                       "%s: %s", path, local_error->message);
          return FALSE;
        }
    }

  return TRUE;
}

/* Options are kept as text until the key file is read, then applied over
 * it, so the command line always wins. */
typedef struct
{
  TallyConfig *config;
  char        *values[G_N_ELEMENTS (settings)];
  char        *config_file;
  GOptionEntry entries[G_N_ELEMENTS (settings) + 2];
} OptionState;

static void
option_state_free (gpointer data)
{
  OptionState *state = data;

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    g_free (state->values[i]);
  g_free (state->config_file);
  g_free (state);
}

static gboolean
apply_options (GOptionContext  *context,
               GOptionGroup    *group,
               gpointer         data,
               GError         **error)
{
  OptionState *state = data;

  if (state->config_file != NULL &&
      !tally_config_load_file (state->config, state->config_file, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      if (state->values[i] != NULL &&
          !tally_config_set (state->config, settings[i].group, settings[i].key,
                                state->values[i], error))
        return FALSE;
    }

  return TRUE;
}

GOptionGroup *
tally_config_option_group (TallyConfig *config)
{
  OptionState *state = g_new0 (OptionState, 1);
  GOptionGroup *group;
  guint n = 0;

  state->config = config;
  state->entries[n++] = (GOptionEntry) { "config", 'c', 0, G_OPTION_ARG_FILENAME,
                                         &state->config_file,
                                         "Read settings from a key file", "FILE" };
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    state->entries[n++] = (GOptionEntry) { settings[i].option != NULL ? settings[i].option
                                                                      : settings[i].key,
                                           0, 0, G_OPTION_ARG_STRING,
                                           &state->values[i], settings[i].description,
                                           settings[i].arg_description };

  group = g_option_group_new ("server", "Server options", "Show the server options", state,
                              option_state_free);
  g_option_group_add_entries (group, state->entries);
  g_option_group_set_parse_hooks (group, NULL, apply_options);
  return group;
}

char *
tally_config_ledger_path (TallyConfig *config)
{
  return g_build_filename (config->data_dir, "tally.db", NULL);
}
