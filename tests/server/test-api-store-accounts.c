/* test-api-store-accounts.c: users, sessions, consent, erasure and API
 * keys, as every TallyApiStore keeps them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the pages, the commands and the session sweep rely on, on SQLite
 * and on PostgreSQL (issue 19): sessions found while live and only then,
 * users listed and searched alike (LIKE's own characters taken
 * literally, pages that neither skip nor repeat), changes to one user
 * only, erasure of the same rows of the same tables, and API keys found,
 * listed, touched, revoked and summed per key alike.
 */

#include "config.h"

#include <string.h>
#include <tally-ledger-sqlite.h>

#include "tally-test-stores.h"

static TallyApiStore *
api (StoreFixture *fixture)
{
  return TALLY_API_STORE (fixture->store);
}

/* Rows the interface has no call to write, or to read, in SQL both
 * stores take. */
static gint64
query_int (StoreFixture *fixture,
           const char   *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  if (fixture->pg_store == NULL)
    {
      g_assert_cmpint (sqlite3_prepare_v2 (tally_ledger_get_sqlite (fixture->base.ledger), sql,
                                           -1, &stmt, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      value = sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
      return value;
    }
  res = tally_pg_exec (tally_pg_store_get_pg (fixture->pg_store), sql, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (PQntuples (res), ==, 1);
  return tally_pg_get_int64 (res, 0, 0);
}

static void
hash_of (const char *token,
         guint8      hash[32])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = 32;

  g_checksum_update (checksum, (const guchar *) token, -1);
  g_checksum_get_digest (checksum, hash, &len);
}

static void
create_session (StoreFixture *fixture,
                const char   *token,
                const char   *user_id,
                const char   *device,
                gint64        expires_at)
{
  g_autoptr(GError) error = NULL;
  guint8 hash[32];

  hash_of (token, hash);
  g_assert_true (tally_api_store_create_session (api (fixture), hash, user_id, device, expires_at,
                                                 &error));
  g_assert_no_error (error);
}

/* The session's user's email, or NULL when not found. */
static char *
find_session (StoreFixture *fixture,
              const char   *token,
              gint64        now)
{
  g_autoptr(GError) error = NULL;
  TallyUser user;
  guint8 hash[32];

  hash_of (token, hash);
  if (!tally_api_store_find_session (api (fixture), hash, now, &user, &error))
    {
      g_assert_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND);
      return NULL;
    }
  g_assert_no_error (error);
  return g_strdup (user.email);
}

static void
revoke_session (StoreFixture *fixture,
                const char   *token,
                gint64        now)
{
  g_autoptr(GError) error = NULL;
  guint8 hash[32];

  hash_of (token, hash);
  g_assert_true (tally_api_store_revoke_session (api (fixture), hash, now, &error));
  g_assert_no_error (error);
}

static gint64
delete_old_sessions (StoreFixture *fixture,
                     gint64        before,
                     gint64        limit)
{
  g_autoptr(GError) error = NULL;
  gint64 n_deleted = -1;

  g_assert_true (tally_api_store_delete_old_sessions (api (fixture), before, limit, &n_deleted,
                                                      &error));
  g_assert_no_error (error);
  return n_deleted;
}

static void
set_disabled (StoreFixture *fixture,
              const char   *email,
              gboolean      disabled)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_api_store_set_disabled (api (fixture), email, disabled, &error));
  g_assert_no_error (error);
}

static void
test_sessions (StoreFixture  *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *found = NULL;
  g_autofree char *other_found = NULL;
  TallyUser other, user;
  guint8 hash[32];

  stores_user_new (fixture, "other@example.com", TALLY_ROLE_ADMIN, &other);
  create_session (fixture, "token-a", fixture->user.id, "Ann's laptop", 1000);
  create_session (fixture, "token-b", other.id, NULL, 2000);

  /* Found with its user whole, until it expires. */
  hash_of ("token-a", hash);
  g_assert_true (tally_api_store_find_session (api (fixture), hash, 999, &user, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (user.id, ==, fixture->user.id);
  g_assert_cmpstr (user.email, ==, "contract@example.com");
  g_assert_cmpstr (user.account_id, ==, fixture->user.account_id);
  g_assert_cmpint (user.role, ==, TALLY_ROLE_MEMBER);
  g_assert_false (user.disabled);
  g_assert_cmpstr (user.timezone, ==, "UTC");
  g_assert_cmpint (user.created_at, ==, fixture->user.created_at);
  g_assert_null (find_session (fixture, "token-a", 1000));
  g_assert_null (find_session (fixture, "no-such-token", 0));
  other_found = find_session (fixture, "token-b", 1500);
  g_assert_cmpstr (other_found, ==, "other@example.com");

  /* A disabled user's sessions stop working, and work again. */
  set_disabled (fixture, "contract@example.com", TRUE);
  g_assert_null (find_session (fixture, "token-a", 0));
  set_disabled (fixture, "contract@example.com", FALSE);
  found = find_session (fixture, "token-a", 0);
  g_assert_cmpstr (found, ==, "contract@example.com");

  /* Revoked once: later revocations and unknown tokens change nothing. */
  revoke_session (fixture, "token-a", 500);
  revoke_session (fixture, "token-a", 600);
  revoke_session (fixture, "no-such-token", 600);
  g_assert_null (find_session (fixture, "token-a", 0));
  g_assert_cmpint (query_int (fixture, "SELECT revoked_at FROM sessions WHERE user_id = "
                              "(SELECT id FROM users WHERE email = 'contract@example.com')"),
                   ==, 500);
  g_clear_pointer (&other_found, g_free);
  other_found = find_session (fixture, "token-b", 0);
  g_assert_cmpstr (other_found, ==, "other@example.com");

  /* Stored as the hash only; the device as given, or NULL. */
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM sessions WHERE device IS NULL"), ==, 1);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM sessions "
                              "WHERE device = 'Ann''s laptop' AND created_at > 0"), ==, 1);

  /* Two sessions with one hash: the key refuses the second. */
  hash_of ("token-b", hash);
  g_assert_false (tally_api_store_create_session (api (fixture), hash, fixture->user.id, NULL, 5,
                                                  &error));
  g_assert_nonnull (error);
}

static void
test_old_sessions (StoreFixture  *fixture,
                   gconstpointer  data)
{
  g_autofree char *found = NULL;

  /* Expired before 100: e1 to e3; revoked before 100: r1; live: live. */
  create_session (fixture, "e1", fixture->user.id, NULL, 10);
  create_session (fixture, "e2", fixture->user.id, NULL, 20);
  create_session (fixture, "e3", fixture->user.id, NULL, 99);
  create_session (fixture, "edge", fixture->user.id, NULL, 100);
  create_session (fixture, "r1", fixture->user.id, NULL, 5000);
  revoke_session (fixture, "r1", 50);
  create_session (fixture, "r2", fixture->user.id, NULL, 5000);
  revoke_session (fixture, "r2", 100);
  create_session (fixture, "live", fixture->user.id, NULL, 5000);

  g_assert_cmpint (delete_old_sessions (fixture, 100, 3), ==, 3);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM sessions"), ==, 4);
  g_assert_cmpint (delete_old_sessions (fixture, 100, 3), ==, 1);
  g_assert_cmpint (delete_old_sessions (fixture, 100, 3), ==, 0);
  /* What expired or was revoked at the limit itself stays. */
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM sessions WHERE expires_at = 100 "
                              "OR revoked_at = 100 OR expires_at = 5000"), ==, 3);
  found = find_session (fixture, "live", 200);
  g_assert_cmpstr (found, ==, "contract@example.com");
}

/* The users' emails joined by spaces. */
static char *
emails_of (GArray *users)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < users->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? " " : "",
                            g_array_index (users, TallyUser, i).email);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
list_users (StoreFixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) users = tally_api_store_list_users (api (fixture), &error);

  g_assert_no_error (error);
  return emails_of (users);
}

/* One page. */
static char *
search (StoreFixture *fixture,
        const char   *text,
        gint64        after,
        guint         limit,
        gint64       *next_after)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) users = NULL;

  *next_after = -1;
  users = tally_api_store_search_users (api (fixture), text, after, limit, next_after, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, <=, limit);
  return emails_of (users);
}

/* Every page of @limit, followed to the end. */
static char *
search_all (StoreFixture *fixture,
            const char   *text,
            guint         limit)
{
  g_autoptr(GString) all = g_string_new (NULL);
  gint64 after = 0;

  do
    {
      g_autofree char *page = search (fixture, text, after, limit, &after);

      g_string_append_printf (all, "%s|", page);
    }
  while (after != 0);
  return g_string_free (g_steal_pointer (&all), FALSE);
}

static void
erase (StoreFixture    *fixture,
       const TallyUser *user)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_api_store_erase_user (api (fixture), user, &error));
  g_assert_no_error (error);
}

static void
test_list_and_search (StoreFixture  *fixture,
                      gconstpointer  data)
{
  g_autofree char *listed = NULL;
  g_autofree char *found = NULL;
  g_autofree char *page = NULL;
  TallyUser zed, dot, under, gone;
  gint64 next;

  /* In sign-up order: contract, zed, a_b, a.b, gone. */
  stores_user_new (fixture, "zed@example.com", TALLY_ROLE_MEMBER, &zed);
  stores_user_new (fixture, "a_b@example.com", TALLY_ROLE_MEMBER, &under);
  stores_user_new (fixture, "a.b@example.com", TALLY_ROLE_MEMBER, &dot);
  stores_user_new (fixture, "gone@example.com", TALLY_ROLE_MEMBER, &gone);
  stores_exec (fixture, "UPDATE users SET name = 'Zoë 50% Off' WHERE email = 'zed@example.com'");
  stores_exec (fixture, "UPDATE users SET name = 'Dot' WHERE email = 'a.b@example.com'");
  erase (fixture, &gone);

  /* By address, as NOCASE orders them: '.' before '_'; never the erased. */
  listed = list_users (fixture);
  g_assert_cmpstr (listed, ==,
                   "a.b@example.com a_b@example.com contract@example.com zed@example.com");

  /* Pages of every size give every user once, in sign-up order. */
  for (guint limit = 1; limit <= 5; limit++)
    {
      g_autofree char *all = search_all (fixture, NULL, limit);
      g_auto(GStrv) pages = g_strsplit (all, "|", -1);

      g_assert_cmpuint (g_strv_length (pages) - 1, ==, (4 + limit - 1) / limit);
      g_strdelimit (all, "|", ' ');
      g_assert_cmpstr (g_strstrip (all), ==, "contract@example.com zed@example.com "
                       "a_b@example.com a.b@example.com");
    }
  page = search (fixture, NULL, 0, 4, &next);
  g_assert_cmpstr (page, ==,
                   "contract@example.com zed@example.com a_b@example.com a.b@example.com");
  g_assert_cmpint (next, ==, 0);
  g_clear_pointer (&page, g_free);
  page = search (fixture, NULL, 0, 3, &next);
  g_assert_cmpstr (page, ==, "contract@example.com zed@example.com a_b@example.com");
  g_assert_cmpint (next, >, 0);
  g_clear_pointer (&page, g_free);
  page = search (fixture, NULL, next, 3, &next);
  g_assert_cmpstr (page, ==, "a.b@example.com");
  g_assert_cmpint (next, ==, 0);

  /* Either field, ASCII in any case; LIKE's characters literally. */
  found = search_all (fixture, "EXAMPLE.COM", 10);
  g_assert_cmpstr (found, ==,
                   "contract@example.com zed@example.com a_b@example.com a.b@example.com|");
  g_clear_pointer (&found, g_free);
  found = search_all (fixture, "a_b", 10);
  g_assert_cmpstr (found, ==, "a_b@example.com|");
  g_clear_pointer (&found, g_free);
  found = search_all (fixture, "50%", 10);
  g_assert_cmpstr (found, ==, "zed@example.com|");
  g_clear_pointer (&found, g_free);
  found = search_all (fixture, "0%", 10);
  g_assert_cmpstr (found, ==, "zed@example.com|");
  g_clear_pointer (&found, g_free);
  found = search_all (fixture, "%", 10);
  g_assert_cmpstr (found, ==, "zed@example.com|");
  g_clear_pointer (&found, g_free);
  found = search_all (fixture, "dOT", 10);
  g_assert_cmpstr (found, ==, "a.b@example.com|");
  g_clear_pointer (&found, g_free);
  found = search_all (fixture, "zoë", 10);
  g_assert_cmpstr (found, ==, "zed@example.com|");
  g_clear_pointer (&found, g_free);
  /* Only ASCII letters fold, as SQLite's LIKE does. */
  found = search_all (fixture, "ZOË", 10);
  g_assert_cmpstr (found, ==, "|");
  g_clear_pointer (&found, g_free);
  found = search_all (fixture, "\\", 10);
  g_assert_cmpstr (found, ==, "|");
  g_clear_pointer (&found, g_free);
  /* The erased user's old address finds nothing, their new one neither. */
  found = search_all (fixture, "gone", 10);
  g_assert_cmpstr (found, ==, "|");
  g_clear_pointer (&found, g_free);
  found = search_all (fixture, "erased", 10);
  g_assert_cmpstr (found, ==, "|");

  /* A page goes on where the last ended though a user on it is gone. */
  g_clear_pointer (&page, g_free);
  page = search (fixture, NULL, 0, 2, &next);
  g_assert_cmpstr (page, ==, "contract@example.com zed@example.com");
  erase (fixture, &zed);
  g_clear_pointer (&page, g_free);
  page = search (fixture, NULL, next, 2, &next);
  g_assert_cmpstr (page, ==, "a_b@example.com a.b@example.com");
  g_assert_cmpint (next, ==, 0);
}

static gint64
count_active_admins (StoreFixture *fixture)
{
  g_autoptr(GError) error = NULL;
  gint64 count = -1;

  g_assert_true (tally_api_store_count_active_admins (api (fixture), &count, &error));
  g_assert_no_error (error);
  return count;
}

static void
find_user (StoreFixture *fixture,
           const char   *id,
           TallyUser    *user)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_rules_store_find_user_by_id (fixture->store, id, user, &error));
  g_assert_no_error (error);
}

static void
test_user_changes (StoreFixture  *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyUser admin, second, found;

  stores_user_new (fixture, "admin@example.com", TALLY_ROLE_ADMIN, &admin);
  stores_user_new (fixture, "second@example.com", TALLY_ROLE_MEMBER, &second);
  g_assert_cmpint (count_active_admins (fixture), ==, 1);

  /* By address in any case; only that user, only that field. */
  g_assert_true (tally_api_store_set_role (api (fixture), "SECOND@Example.com", TALLY_ROLE_ADMIN,
                                           &error));
  g_assert_no_error (error);
  find_user (fixture, second.id, &found);
  g_assert_cmpint (found.role, ==, TALLY_ROLE_ADMIN);
  g_assert_false (found.disabled);
  find_user (fixture, fixture->user.id, &found);
  g_assert_cmpint (found.role, ==, TALLY_ROLE_MEMBER);
  g_assert_cmpint (count_active_admins (fixture), ==, 2);

  set_disabled (fixture, "Second@example.com", TRUE);
  find_user (fixture, second.id, &found);
  g_assert_true (found.disabled);
  g_assert_cmpint (found.role, ==, TALLY_ROLE_ADMIN);
  find_user (fixture, admin.id, &found);
  g_assert_false (found.disabled);
  g_assert_cmpint (count_active_admins (fixture), ==, 1);

  g_assert_false (tally_api_store_set_role (api (fixture), "nobody@example.com", TALLY_ROLE_ADMIN,
                                            &error));
  g_assert_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (tally_api_store_set_disabled (api (fixture), "nobody@example.com", TRUE, &error));
  g_assert_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* By id, both fields at once. */
  g_assert_true (tally_api_store_update_user (api (fixture), second.id, TALLY_ROLE_TEAM_OWNER,
                                              FALSE, &error));
  g_assert_no_error (error);
  find_user (fixture, second.id, &found);
  g_assert_cmpint (found.role, ==, TALLY_ROLE_TEAM_OWNER);
  g_assert_false (found.disabled);
  g_assert_cmpstr (found.email, ==, "second@example.com");
  find_user (fixture, admin.id, &found);
  g_assert_cmpint (found.role, ==, TALLY_ROLE_ADMIN);
  g_assert_true (tally_api_store_update_user (api (fixture), admin.id, TALLY_ROLE_ADMIN, TRUE,
                                              &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_active_admins (fixture), ==, 0);
  g_assert_true (tally_api_store_update_user (api (fixture), admin.id, TALLY_ROLE_ADMIN, FALSE,
                                              &error));
  g_assert_cmpint (count_active_admins (fixture), ==, 1);

  /* No such user changes nothing and is no error; an erased user is
   * not brought back, and no longer counts. */
  g_assert_true (tally_api_store_update_user (api (fixture), "' OR ''='", TALLY_ROLE_ADMIN,
                                              FALSE, &error));
  g_assert_no_error (error);
  erase (fixture, &admin);
  g_assert_cmpint (count_active_admins (fixture), ==, 0);
  g_assert_true (tally_api_store_update_user (api (fixture), admin.id, TALLY_ROLE_ADMIN, FALSE,
                                              &error));
  g_assert_no_error (error);
  find_user (fixture, admin.id, &found);
  g_assert_cmpint (found.role, ==, TALLY_ROLE_MEMBER);
  g_assert_true (found.disabled);
  g_assert_cmpint (count_active_admins (fixture), ==, 0);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM users WHERE role = 'admin'"), ==, 0);
}

static void
load_consent (StoreFixture *fixture,
              const char   *user_id,
              TallyConsent *consent)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_api_store_load_consent (api (fixture), user_id, consent, &error));
  g_assert_no_error (error);
}

static void
test_consent (StoreFixture  *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyConsent consent, saved = { TRUE, 1234, "v2" };
  TallyUser other;

  stores_user_new (fixture, "other@example.com", TALLY_ROLE_MEMBER, &other);
  load_consent (fixture, fixture->user.id, &consent);
  g_assert_false (consent.opt_in);
  g_assert_cmpint (consent.changed_at, ==, 0);
  g_assert_cmpstr (consent.text_version, ==, "");

  g_assert_true (tally_api_store_save_consent (api (fixture), fixture->user.id, &saved, &error));
  g_assert_no_error (error);
  load_consent (fixture, fixture->user.id, &consent);
  g_assert_true (consent.opt_in);
  g_assert_cmpint (consent.changed_at, ==, 1234);
  g_assert_cmpstr (consent.text_version, ==, "v2");
  load_consent (fixture, other.id, &consent);
  g_assert_false (consent.opt_in);
  g_assert_cmpint (consent.changed_at, ==, 0);

  saved = (TallyConsent) { FALSE, 2000, "v3" };
  g_assert_true (tally_api_store_save_consent (api (fixture), fixture->user.id, &saved, &error));
  g_assert_no_error (error);
  load_consent (fixture, fixture->user.id, &consent);
  g_assert_false (consent.opt_in);
  g_assert_cmpint (consent.changed_at, ==, 2000);
  g_assert_cmpstr (consent.text_version, ==, "v3");

  /* No such user: no consent, and saving changes nothing. */
  load_consent (fixture, "no-such-user", &consent);
  g_assert_false (consent.opt_in);
  g_assert_cmpint (consent.changed_at, ==, 0);
  g_assert_true (tally_api_store_save_consent (api (fixture), "no-such-user", &saved, &error));
  g_assert_no_error (error);
}

static void
insert_key (StoreFixture *fixture,
            const char   *user_id,
            const char   *secret,
            const char   *name,
            gboolean      can_run,
            gint64        created_at,
            TallyApiKey  *key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_uuid_string_random ();
  guint8 hash[32];

  memset (key, 0, sizeof *key);
  g_strlcpy (key->id, id, sizeof key->id);
  g_strlcpy (key->user_id, user_id, sizeof key->user_id);
  g_strlcpy (key->name, name, sizeof key->name);
  g_strlcpy (key->prefix, secret, sizeof key->prefix);
  key->can_run = can_run;
  key->rate_limit = 60;
  key->created_at = created_at;
  hash_of (secret, hash);
  g_assert_true (tally_api_store_insert_api_key (api (fixture), key, hash, &error));
  g_assert_no_error (error);
}

/* Every user's seeded rows: {id}, {email}, {account} are the user's. */
static const char * const personal_rows[] = {
  "INSERT INTO invoice_details (user_id, company, address, updated_at) "
  "VALUES ('{id}', 'Ann Ltd', '1 Road', 1)",
  "INSERT INTO alert_settings (user_id, thresholds, channel_app, channel_desktop, channel_email, "
  "channel_webhook, updated_at) VALUES ('{id}', '50', 1, 1, 1, 1, 1)",
  "INSERT INTO alerts (id, user_id, account_id, kind, span, span_key, threshold, amount, cap, "
  "message, created_at) VALUES ('alert-{id}', '{id}', '{account}', 'spend', 'day', 'd', 50, 60, 100, "
  "'m', 1)",
  "INSERT INTO alert_emails (alert_id, user_id, send_after) VALUES ('alert-{id}', '{id}', 1)",
  "INSERT INTO outgoing_webhooks (id, user_id, url, secret, created_at) "
  "VALUES ('hook-{id}', '{id}', 'https://ann.example/', 's', 1)",
  "INSERT INTO webhook_deliveries (webhook_id, event_id, type, body, status, created_at, "
  "next_attempt_at) VALUES ('hook-{id}', 'e1', 't', '{\"ann\":1}', 'pending', 1, 1)",
  "INSERT INTO team_invitations (id, team_id, email, role, token_hash, invited_by, created_at, "
  "expires_at) VALUES ('inv-{id}', 'team', upper ('{email}'), 'member', '\\x{hex}', 'x', 1, 9)",
  "INSERT INTO auto_recharge (account_id, user_id, enabled, threshold, pack_id, monthly_cap, "
  "updated_at) VALUES ('{account}', '{id}', 1, 10, 'pack', 5, 1)",
  "INSERT INTO runs (id, user_id, account_id, tool_id, request_digest, inputs, status, "
  "authorize_status, authorize_body, created_at) VALUES ('run-{id}', '{id}', '{account}', 'tool', "
  "'d', '{\"text\":\"Ann\"}', 'succeeded', 200, '{}', 1)",
  "INSERT INTO sync_ops (id, user_id, device, digest, result, created_at) "
  "VALUES ('op-{id}', '{id}', 'Ann''s phone', 'd', 'r', 1)",
  "INSERT INTO devices (user_id, device, lease_account_id, created_at) "
  "VALUES ('{id}', 'Ann''s phone', '{account}', 1)",
  "INSERT INTO devices (user_id, device, lease_account_id, created_at) "
  "VALUES ('{id}', 'Ann''s laptop', '{account}', 1)",
  "INSERT INTO gifts (payment_id, sender_user_id, email, credits, status, created_at) "
  "VALUES ('gift-to-{id}', 'someone', '{email}', 5, 'waiting', 1)",
  "INSERT INTO gifts (payment_id, sender_user_id, email, credits, status, recipient_account_id, "
  "created_at) VALUES ('gift-got-{id}', 'someone', 'old-{email}', 5, 'claimed', '{account}', 1)",
  "INSERT INTO gifts (payment_id, sender_user_id, email, credits, status, created_at) "
  "VALUES ('gift-from-{id}', '{id}', 'friend-of-{email}', 5, 'waiting', 1)",
  "INSERT INTO referrals (referred_user_id, referrer_user_id, signup_address, status, created_at) "
  "VALUES ('{id}', 'someone', '{email}', 'pending', 1)",
  "INSERT INTO referral_codes (user_id, code) VALUES ('{id}', 'code-{id}')",
};

/* What erasure leaves of a user's rows: each count for a user kept, and
 * for one erased. */
static const struct
{
  const char *sql;
  gint64      kept;
  gint64      erased;
} personal_checks[] = {
  { "SELECT count(*) FROM sessions WHERE user_id = '{id}'", 1, 0 },
  { "SELECT count(*) FROM invoice_details WHERE user_id = '{id}'", 1, 0 },
  { "SELECT count(*) FROM alert_settings WHERE user_id = '{id}'", 1, 0 },
  { "SELECT count(*) FROM alerts WHERE user_id = '{id}'", 1, 0 },
  { "SELECT count(*) FROM alert_emails WHERE user_id = '{id}'", 1, 0 },
  { "SELECT count(*) FROM webhook_deliveries WHERE webhook_id = 'hook-{id}'", 1, 0 },
  { "SELECT count(*) FROM outgoing_webhooks WHERE user_id = '{id}'", 1, 0 },
  { "SELECT count(*) FROM api_keys WHERE user_id = '{id}'", 1, 0 },
  { "SELECT count(*) FROM team_invitations WHERE id = 'inv-{id}'", 1, 0 },
  { "SELECT count(*) FROM auto_recharge WHERE user_id = '{id}' AND enabled = 1", 1, 0 },
  { "SELECT count(*) FROM auto_recharge WHERE user_id = '{id}'", 1, 1 },
  { "SELECT count(*) FROM runs WHERE user_id = '{id}' AND inputs = '{}'", 0, 1 },
  { "SELECT count(*) FROM sync_ops WHERE user_id = '{id}' AND device = 'erased'", 0, 1 },
  { "SELECT count(*) FROM devices WHERE user_id = '{id}' AND device LIKE 'erased-%'", 0, 2 },
  { "SELECT count(*) FROM devices WHERE user_id = '{id}' AND device LIKE '%Ann%'", 2, 0 },
  { "SELECT count(*) FROM gifts WHERE payment_id = 'gift-to-{id}' "
    "AND email = 'erased-gift-to-{id}'", 0, 1 },
  { "SELECT count(*) FROM gifts WHERE payment_id = 'gift-got-{id}' "
    "AND email = 'erased-gift-got-{id}'", 0, 1 },
  /* What the user sent to a friend is the friend's. */
  { "SELECT count(*) FROM gifts WHERE payment_id = 'gift-from-{id}' AND email = 'friend-of-{email}'",
    1, 1 },
  { "SELECT count(*) FROM referrals WHERE referred_user_id = '{id}' "
    "AND signup_address = 'erased'", 0, 1 },
  { "SELECT count(*) FROM referral_codes WHERE user_id = '{id}'", 1, 0 },
  { "SELECT count(*) FROM users WHERE id = '{id}' AND email = 'erased-{id}' AND name = '' "
    "AND password_hash = '' AND role = 'member' AND disabled = 1 AND timezone = 'UTC' "
    "AND erased_at > 0 AND marketing_opt_in = 0 AND marketing_changed_at IS NULL "
    "AND marketing_text_version IS NULL", 0, 1 },
};

/* @template with the user's fields in place of {id}, {email}, {account}
 * and {hex} (their id's first 8 characters). */
static char *
fill (const char      *template,
      const TallyUser *user)
{
  g_autoptr(GString) sql = g_string_new (template);
  g_autofree char *hex = g_strndup (user->id, 8);

  g_string_replace (sql, "{id}", user->id, 0);
  g_string_replace (sql, "{email}", user->email, 0);
  g_string_replace (sql, "{account}", user->account_id, 0);
  g_string_replace (sql, "{hex}", hex, 0);
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

static void
seed_personal_rows (StoreFixture    *fixture,
                    const TallyUser *user)
{
  g_autofree char *secret = g_strdup_printf ("key-%s", user->id);
  g_autofree char *profile = fill ("UPDATE users SET timezone = 'Europe/Berlin', role = 'admin' "
                                   "WHERE id = '{id}'", user);
  TallyConsent consent = { TRUE, 5, "v1" };
  g_autoptr(GError) error = NULL;
  TallyApiKey key;

  for (guint i = 0; i < G_N_ELEMENTS (personal_rows); i++)
    {
      g_autofree char *sql = fill (personal_rows[i], user);

      stores_exec (fixture, sql);
    }
  create_session (fixture, user->id, user->id, "Ann's phone", G_MAXINT64);
  insert_key (fixture, user->id, secret, "Ann's key", FALSE, 1, &key);
  g_assert_true (tally_api_store_save_consent (api (fixture), user->id, &consent, &error));
  g_assert_no_error (error);
  stores_exec (fixture, profile);
}

static void
assert_erased (StoreFixture    *fixture,
               const TallyUser *user,
               gboolean         erased)
{
  for (guint i = 0; i < G_N_ELEMENTS (personal_checks); i++)
    {
      g_autofree char *sql = fill (personal_checks[i].sql, user);

      g_test_message ("%s", sql);
      g_assert_cmpint (query_int (fixture, sql), ==,
                       erased ? personal_checks[i].erased : personal_checks[i].kept);
    }
}

static void
test_erase (StoreFixture  *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *listed = NULL;
  TallyUser other, second, found;
  TallyConsent consent;
  gboolean erased;
  gint64 erased_at;

  stores_user_new (fixture, "other@example.com", TALLY_ROLE_MEMBER, &other);
  stores_user_new (fixture, "second@example.com", TALLY_ROLE_MEMBER, &second);
  stores_exec (fixture, "INSERT INTO teams (id, name, account_id, created_by, created_at) "
            "VALUES ('team', 'T', 'team-account', 'x', 1)");
  seed_personal_rows (fixture, &fixture->user);
  seed_personal_rows (fixture, &other);
  seed_personal_rows (fixture, &second);
  assert_erased (fixture, &fixture->user, FALSE);

  /* In the caller's transaction. */
  stores_begin (fixture);
  erase (fixture, &fixture->user);
  stores_commit (fixture);
  assert_erased (fixture, &fixture->user, TRUE);
  assert_erased (fixture, &other, FALSE);
  assert_erased (fixture, &second, FALSE);

  find_user (fixture, fixture->user.id, &found);
  g_assert_cmpstr (found.account_id, ==, fixture->user.account_id);
  g_assert_true (tally_rules_store_user_is_erased (fixture->store, fixture->user.id, &erased,
                                                   &error));
  g_assert_true (erased);
  load_consent (fixture, fixture->user.id, &consent);
  g_assert_false (consent.opt_in);
  g_assert_cmpint (consent.changed_at, ==, 0);
  g_assert_cmpstr (consent.text_version, ==, "");

  /* Alone, in a transaction of its own; again, keeping the first time. */
  erase (fixture, &second);
  assert_erased (fixture, &second, TRUE);
  assert_erased (fixture, &other, FALSE);
  erased_at = query_int (fixture, "SELECT min (erased_at) FROM users");
  erase (fixture, &fixture->user);
  g_assert_cmpint (query_int (fixture, "SELECT min (erased_at) FROM users"), ==, erased_at);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM users WHERE erased_at IS NOT NULL"),
                   ==, 2);

  listed = list_users (fixture);
  g_assert_cmpstr (listed, ==, "other@example.com");
}

/* The keys' names joined by spaces. */
static char *
names_of (GArray *keys)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < keys->len; i++)
    g_string_append_printf (text, "%s%s", i > 0 ? " " : "",
                            g_array_index (keys, TallyApiKey, i).name);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
list_keys (StoreFixture *fixture,
           const char   *user_id,
           gboolean      all)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) keys = NULL;

  if (all)
    keys = tally_api_store_list_all_api_keys (api (fixture), user_id, &error);
  else
    keys = tally_api_store_list_api_keys (api (fixture), user_id, &error);
  g_assert_no_error (error);
  return names_of (keys);
}

/* The key's last use, or -1 when not found. */
static gint64
find_key (StoreFixture *fixture,
          const char   *secret,
          TallyApiKey  *key)
{
  g_autoptr(GError) error = NULL;
  TallyUser user;
  guint8 hash[32];

  hash_of (secret, hash);
  if (!tally_api_store_find_api_key (api (fixture), hash, key, &user, &error))
    {
      g_assert_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND);
      return -1;
    }
  g_assert_no_error (error);
  g_assert_cmpstr (user.id, ==, key->user_id);
  return key->last_used_at;
}

static void
touch (StoreFixture *fixture,
       const char   *id,
       gint64        when)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tally_api_store_touch_api_key (api (fixture), id, when, &error));
  g_assert_no_error (error);
}

static void
test_keys (StoreFixture  *fixture,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *listed = NULL;
  TallyApiKey reader, runner, other_key, found;
  TallyUser other;
  guint8 hash[32];

  stores_user_new (fixture, "other@example.com", TALLY_ROLE_MEMBER, &other);
  insert_key (fixture, fixture->user.id, "secret-reader", "Reader", FALSE, 100, &reader);
  insert_key (fixture, fixture->user.id, "secret-runner", "Runner ✓", TRUE, 200, &runner);
  insert_key (fixture, other.id, "secret-other", "Other's", TRUE, 300, &other_key);

  /* Newest first, each user's own. */
  listed = list_keys (fixture, fixture->user.id, FALSE);
  g_assert_cmpstr (listed, ==, "Runner ✓ Reader");
  g_clear_pointer (&listed, g_free);
  listed = list_keys (fixture, other.id, TRUE);
  g_assert_cmpstr (listed, ==, "Other's");
  g_clear_pointer (&listed, g_free);
  listed = list_keys (fixture, "no-such-user", TRUE);
  g_assert_cmpstr (listed, ==, "");
  g_clear_pointer (&listed, g_free);

  /* Found by hash as inserted, never used yet. */
  g_assert_cmpint (find_key (fixture, "secret-runner", &found), ==, 0);
  g_assert_cmpstr (found.id, ==, runner.id);
  g_assert_cmpstr (found.user_id, ==, fixture->user.id);
  g_assert_cmpstr (found.name, ==, "Runner ✓");
  g_assert_cmpstr (found.prefix, ==, runner.prefix);
  g_assert_true (found.can_run);
  g_assert_cmpint (found.rate_limit, ==, 60);
  g_assert_cmpint (found.created_at, ==, 200);
  g_assert_cmpint (found.revoked_at, ==, 0);
  g_assert_cmpint (find_key (fixture, "secret-reader", &found), ==, 0);
  g_assert_false (found.can_run);
  g_assert_cmpint (find_key (fixture, "no-such-secret", &found), ==, -1);

  /* Used: the time moves forward only. */
  touch (fixture, reader.id, 500);
  touch (fixture, reader.id, 400);
  g_assert_cmpint (find_key (fixture, "secret-reader", &found), ==, 500);
  touch (fixture, reader.id, 600);
  g_assert_cmpint (find_key (fixture, "secret-reader", &found), ==, 600);
  g_assert_cmpint (find_key (fixture, "secret-runner", &found), ==, 0);
  touch (fixture, "no-such-key", 600);

  /* A disabled user's keys stop working. */
  set_disabled (fixture, "other@example.com", TRUE);
  g_assert_cmpint (find_key (fixture, "secret-other", &found), ==, -1);
  set_disabled (fixture, "other@example.com", FALSE);
  g_assert_cmpint (find_key (fixture, "secret-other", &found), ==, 0);

  /* Revoked by its owner only, once. */
  g_assert_false (tally_api_store_revoke_api_key (api (fixture), other.id, reader.id, 700,
                                                  &error));
  g_assert_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (tally_api_store_revoke_api_key (api (fixture), fixture->user.id, reader.id, 700,
                                                 &error));
  g_assert_no_error (error);
  g_assert_false (tally_api_store_revoke_api_key (api (fixture), fixture->user.id, reader.id, 800,
                                                  &error));
  g_assert_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (find_key (fixture, "secret-reader", &found), ==, -1);
  listed = list_keys (fixture, fixture->user.id, FALSE);
  g_assert_cmpstr (listed, ==, "Runner ✓");
  g_clear_pointer (&listed, g_free);
  listed = list_keys (fixture, fixture->user.id, TRUE);
  g_assert_cmpstr (listed, ==, "Runner ✓ Reader");
  g_assert_cmpint (query_int (fixture, "SELECT revoked_at FROM api_keys WHERE name = 'Reader'"),
                   ==, 700);
  g_assert_cmpint (find_key (fixture, "secret-other", &found), ==, 0);

  /* One hash, one key. */
  hash_of ("secret-runner", hash);
  other_key.id[0] = 'f';
  g_assert_false (tally_api_store_insert_api_key (api (fixture), &other_key, hash, &error));
  g_assert_nonnull (error);
}

/* A run of @account_id made with @key_id, when @key_id is not NULL. */
static void
seed_run (StoreFixture *fixture,
          const char   *account_id,
          const char   *key_id,
          const char   *status,
          gint64        charged,
          gint64        completed_at)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *sql = g_strdup_printf ("INSERT INTO runs (id, user_id, account_id, tool_id, "
                                          "request_digest, inputs, status, charged, "
                                          "authorize_status, authorize_body, created_at, "
                                          "completed_at) VALUES ('%s', 'u', '%s', 't', 'd', "
                                          "'{}', '%s', %" G_GINT64_FORMAT ", 200, '{}', 1, "
                                          "%" G_GINT64_FORMAT ")",
                                          id, account_id, status, charged, completed_at);

  stores_exec (fixture, sql);
  if (key_id != NULL)
    {
      g_autofree char *link = g_strdup_printf ("INSERT INTO run_keys (run_id, key_id) "
                                               "VALUES ('%s', '%s')", id, key_id);

      stores_exec (fixture, link);
    }
}

static void
test_usage_by_key (StoreFixture  *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) rows = NULL;
  const char *account = fixture->user.account_id;
  TallyApiKey a, b, unused, other_key;
  TallyKeyUsage *row;
  TallyUser other;

  stores_user_new (fixture, "other@example.com", TALLY_ROLE_MEMBER, &other);
  insert_key (fixture, fixture->user.id, "secret-a", "A", TRUE, 1, &a);
  insert_key (fixture, fixture->user.id, "secret-b", "B", TRUE, 2, &b);
  insert_key (fixture, fixture->user.id, "secret-u", "Unused", TRUE, 3, &unused);
  insert_key (fixture, other.id, "secret-o", "O", TRUE, 4, &other_key);

  seed_run (fixture, account, a.id, "succeeded", 30, 1000);
  seed_run (fixture, account, a.id, "succeeded", 20, 1999);
  seed_run (fixture, account, b.id, "succeeded", 70, 1500);
  /* Not counted: failed, free, outside [1000, 2000), without a key,
   * another account's. */
  seed_run (fixture, account, a.id, "failed", 90, 1500);
  seed_run (fixture, account, b.id, "succeeded", 0, 1500);
  seed_run (fixture, account, b.id, "succeeded", 5, 999);
  seed_run (fixture, account, b.id, "succeeded", 5, 2000);
  seed_run (fixture, account, NULL, "succeeded", 100, 1500);
  seed_run (fixture, other.account_id, other_key.id, "succeeded", 100, 1500);

  rows = tally_api_store_usage_by_key (api (fixture), account, 1000, 2000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  row = &g_array_index (rows, TallyKeyUsage, 0);
  g_assert_cmpstr (row->key_id, ==, b.id);
  g_assert_cmpstr (row->name, ==, "B");
  g_assert_cmpstr (row->prefix, ==, b.prefix);
  g_assert_cmpint (row->spent, ==, 70);
  g_assert_cmpint (row->runs, ==, 1);
  row = &g_array_index (rows, TallyKeyUsage, 1);
  g_assert_cmpstr (row->key_id, ==, a.id);
  g_assert_cmpint (row->spent, ==, 50);
  g_assert_cmpint (row->runs, ==, 2);
  g_clear_pointer (&rows, g_array_unref);

  /* A revoked key's spend stays listed; nothing in an empty window. */
  g_assert_true (tally_api_store_revoke_api_key (api (fixture), fixture->user.id, b.id, 3000,
                                                 &error));
  rows = tally_api_store_usage_by_key (api (fixture), account, 1000, 2000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  g_clear_pointer (&rows, g_array_unref);
  rows = tally_api_store_usage_by_key (api (fixture), account, 3000, 4000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 0);
}

typedef struct
{
  const char *user_id;
  const char *key_id;
  gboolean    revoked;
} Revoke;

/* A second server revoking the key: it waits for the first's row lock,
 * then finds it revoked already. */
static gboolean
revoke_elsewhere (TallyRulesStore  *store,
                  gpointer          data,
                  GError          **error)
{
  Revoke *revoke = data;
  g_autoptr(GError) local_error = NULL;

  revoke->revoked = tally_api_store_revoke_api_key (TALLY_API_STORE (store), revoke->user_id,
                                                    revoke->key_id, 900, &local_error);
  g_assert_true (revoke->revoked ||
                 g_error_matches (local_error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND));
  return TRUE;
}

static void
test_races (StoreFixture  *fixture,
            gconstpointer  data)
{
  g_autoptr(TallyPgStore) second = NULL;
  g_autoptr(GError) error = NULL;
  TallyApiKey key;
  Revoke revoke = { fixture->user.id, NULL, TRUE };
  gint64 n_deleted = -1;

  if (stores_skip_on_sqlite (fixture))
    return;

  insert_key (fixture, fixture->user.id, "secret", "Key", TRUE, 1, &key);
  revoke.key_id = key.id;
  stores_begin (fixture);
  g_assert_true (tally_api_store_revoke_api_key (api (fixture), fixture->user.id, key.id, 800,
                                                 &error));
  g_assert_no_error (error);
  stores_race (fixture, revoke_elsewhere, &revoke);
  g_assert_false (revoke.revoked);
  g_assert_cmpint (query_int (fixture, "SELECT revoked_at FROM api_keys"), ==, 800);

  /* Two servers' session sweeps: the second skips the rows the first
   * holds instead of waiting for them (it would wait past the timeout). */
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *token = g_strdup_printf ("old-%u", i);

      create_session (fixture, token, fixture->user.id, NULL, 10);
    }
  second = tally_pg_store_new (tally_pg_store_get_url (fixture->pg_store), &error);
  g_assert_no_error (error);
  g_assert_true (tally_pg_exec_command (tally_pg_store_get_pg (second),
                                        "SET lock_timeout = '5s'", 0, NULL, &error));
  g_assert_no_error (error);
  stores_begin (fixture);
  g_assert_cmpint (delete_old_sessions (fixture, 100, 3), ==, 3);
  g_assert_true (tally_api_store_delete_old_sessions (TALLY_API_STORE (second), 100, 3,
                                                      &n_deleted, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n_deleted, ==, 1);
  stores_commit (fixture);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM sessions"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  stores_add ("api-sessions", test_sessions);
  stores_add ("api-old-sessions", test_old_sessions);
  stores_add ("api-users-list-search", test_list_and_search);
  stores_add ("api-user-changes", test_user_changes);
  stores_add ("api-consent", test_consent);
  stores_add ("api-erase-user", test_erase);
  stores_add ("api-keys", test_keys);
  stores_add ("api-usage-by-key", test_usage_by_key);
  stores_add ("api-account-races", test_races);

  return stores_run ();
}
