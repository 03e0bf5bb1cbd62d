/* test-rules-store-runs.c: the runs and teams domains of TallyRulesStore,
 * on every store
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs, spend policies and what was spent in a window, devices and their
 * leases, synced operations, teams, invitations and pools: what the rules
 * read back and branch on (NOT_FOUND, a change of nothing, a window's
 * edges), once on SQLite and once on PostgreSQL (issue 19).
 */

#include "config.h"

#include <string.h>

#include "tally-test-stores.h"

#define BAD_ID "' OR ''='"

/* --- helpers --- */

static void
assert_not_found (GError **error)
{
  g_assert_error (*error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND);
  g_clear_error (error);
}

/* A second user, on whichever store. */
static void
add_user (StoreFixture *fixture,
          const char   *email,
          TallyUser    *user)
{
  g_autoptr(GError) error = NULL;

  if (fixture->pg_store == NULL)
    {
      test_rig_user_new (&fixture->base, email, TALLY_ROLE_MEMBER, user);
      return;
    }
  g_assert_true (tally_pg_store_create_user (fixture->pg_store, email, "Test", "not-a-hash",
                                             TALLY_ROLE_MEMBER, user, &error));
  g_assert_no_error (error);
}

/* A policies row, through each store's own call: the interface only
 * reads them. */
static void
save_caps (StoreFixture *fixture,
           const char   *account_id,
           gint64        daily,
           gint64        monthly)
{
  g_autoptr(GError) error = NULL;
  TallyPolicy policy;

  tally_policy_init (&policy, NULL);
  policy.ceiling.daily = daily;
  policy.ceiling.monthly = monthly;
  if (fixture->pg_store != NULL)
    g_assert_true (tally_pg_store_save_policy (fixture->pg_store, account_id, &policy, &error));
  else
    g_assert_true (tally_store_save_policy (fixture->base.store, account_id, &policy, &error));
  g_assert_no_error (error);
}

/* What the user may spend: the balance less what is held. */
static gint64
available (StoreFixture *fixture)
{
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  g_assert_true (tally_rules_store_lookup_account (fixture->store, fixture->user.account_id,
                                                   &account, &error));
  g_assert_no_error (error);
  return tally_account_available (&account);
}

static void
create_transfer (StoreFixture  *fixture,
                 TallyTransfer *transfer)
{
  g_autoptr(GError) error = NULL;
  TallyTransferResult result;

  g_assert_true (tally_rules_store_create_transfers (fixture->store, transfer, 1, &result,
                                                     &error));
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, TALLY_TRANSFER_OK);
}

/* A run's hold, pending; its id. */
static char *
hold (StoreFixture *fixture,
      gint64        amount)
{
  char *id = g_uuid_string_random ();
  TallyTransfer transfer;

  tally_transfer_init (&transfer, id, fixture->user.account_id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION), amount,
                       TALLY_TRANSFER_KIND_CONSUMPTION);
  transfer.flags = TALLY_TRANSFER_FLAG_PENDING;
  transfer.timeout = 3600;
  create_transfer (fixture, &transfer);
  return id;
}

/* Posts @amount of the hold @id, or voids it when @amount is 0. */
static void
settle (StoreFixture *fixture,
        const char   *id,
        gint64        amount)
{
  g_autofree char *settle_id = g_uuid_string_random ();
  TallyTransfer transfer;

  tally_transfer_init (&transfer, settle_id, "", "", amount, TALLY_TRANSFER_KIND_CONSUMPTION);
  transfer.flags = amount > 0 ? TALLY_TRANSFER_FLAG_POST_PENDING
                              : TALLY_TRANSFER_FLAG_VOID_PENDING;
  tally_transfer_set_pending_id (&transfer, id);
  create_transfer (fixture, &transfer);
}

static void
init_run (TallyRun        *run,
          const char      *id,
          const TallyUser *user,
          const char      *account_id)
{
  memset (run, 0, sizeof *run);
  g_strlcpy (run->id, id, sizeof run->id);
  g_strlcpy (run->user_id, user->id, sizeof run->user_id);
  g_strlcpy (run->account_id, account_id, sizeof run->account_id);
  g_strlcpy (run->tool_id, "image-resize", sizeof run->tool_id);
  g_strlcpy (run->request_digest, "digest", sizeof run->request_digest);
  run->status = TALLY_RUN_STATUS_AUTHORIZED;
  run->units = -1;
  run->authorize_status = 201;
  run->authorize_body = (char *) "{}";
}

static void
insert_run (StoreFixture   *fixture,
            const TallyRun *run)
{
  g_autoptr(GError) error = NULL;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_run (fixture->store, run, "{\"w\":1}", &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

/* A run of @user on @account_id, authorized then completed with @status
 * when that is not AUTHORIZED. */
static void
add_run (StoreFixture    *fixture,
         const TallyUser *user,
         const char      *account_id,
         TallyRunStatus   status,
         gint64           held,
         gint64           charged,
         gint64           created_at,
         gint64           hold_expires_at)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyRun run;

  init_run (&run, id, user, account_id);
  run.held = held;
  run.created_at = created_at;
  run.hold_expires_at = hold_expires_at;
  insert_run (fixture, &run);
  if (status == TALLY_RUN_STATUS_AUTHORIZED)
    return;

  run.status = status;
  run.charged = charged;
  run.units = 1;
  run.completed_at = created_at + 1;
  stores_begin (fixture);
  g_assert_true (tally_rules_store_complete_run (fixture->store, &run, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

/* --- runs --- */

/* Every column as saved, the price rule with it; a completion without
 * units keeps them unknown; the status read alone; bad ids not found. */
static void
test_run_columns (StoreFixture  *fixture,
                  gconstpointer  data)
{
  g_autofree char *id = g_uuid_string_random ();
  g_auto(TallyRun) found = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean seen = TRUE;
  char status[16];
  TallyRun run;

  init_run (&run, id, &fixture->user, fixture->user.account_id);
  g_strlcpy (run.request_digest, "d1", sizeof run.request_digest);
  run.held = 40;
  run.rule = (TallyPriceRule) { .base = 2, .rate = 3, .per = 10, .minimum = 4,
                                .min_units = 5, .max_units = 600, .typical_units = 77 };
  run.created_at = 1000;
  run.hold_expires_at = 9000;
  insert_run (fixture, &run);

  g_assert_true (tally_rules_store_find_run (fixture->store, id, &found, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.account_id, ==, fixture->user.account_id);
  g_assert_cmpstr (found.tool_id, ==, "image-resize");
  g_assert_cmpstr (found.request_digest, ==, "d1");
  g_assert_cmpint (found.units, ==, -1);
  g_assert_cmpint (found.charged, ==, 0);
  g_assert_cmpint (found.authorize_status, ==, 201);
  g_assert_cmpint (found.rule.base, ==, 2);
  g_assert_cmpint (found.rule.rate, ==, 3);
  g_assert_cmpint (found.rule.per, ==, 10);
  g_assert_cmpint (found.rule.minimum, ==, 4);
  g_assert_cmpint (found.rule.min_units, ==, 5);
  g_assert_cmpint (found.rule.max_units, ==, 600);
  /* Not kept: read as the minimum. */
  g_assert_cmpint (found.rule.typical_units, ==, 5);
  g_assert_cmpstr (found.complete_digest, ==, "");
  g_assert_cmpint (found.complete_status, ==, 0);
  g_assert_cmpint (found.completed_at, ==, 0);
  g_assert_cmpint (found.created_at, ==, 1000);

  /* A refused run is completed without units. */
  run.status = TALLY_RUN_STATUS_CANCELLED;
  g_strlcpy (run.complete_digest, "d2", sizeof run.complete_digest);
  run.complete_status = 200;
  run.complete_body = (char *) "{\"status\":\"cancelled\"}";
  run.completed_at = 3000;
  stores_begin (fixture);
  g_assert_true (tally_rules_store_complete_run (fixture->store, &run, &error));
  g_assert_no_error (error);
  stores_commit (fixture);

  tally_run_clear (&found);
  g_assert_true (tally_rules_store_find_run (fixture->store, id, &found, &error));
  g_assert_cmpint (found.status, ==, TALLY_RUN_STATUS_CANCELLED);
  g_assert_cmpint (found.units, ==, -1);
  g_assert_cmpstr (found.complete_digest, ==, "d2");
  g_assert_cmpint (found.complete_status, ==, 200);
  g_assert_cmpint (found.completed_at, ==, 3000);
  g_assert_cmpstr (found.authorize_body, ==, "{}");

  g_assert_true (tally_rules_store_read_run_status (fixture->store, id, status, sizeof status,
                                                    &seen, &error));
  g_assert_no_error (error);
  g_assert_true (seen);
  g_assert_cmpstr (status, ==, "cancelled");
  g_assert_true (tally_rules_store_read_run_status (fixture->store, BAD_ID, status,
                                                    sizeof status, &seen, &error));
  g_assert_no_error (error);
  g_assert_false (seen);

  g_assert_false (tally_rules_store_find_run (fixture->store, BAD_ID, &found, &error));
  assert_not_found (&error);
}

/* A run's key is recorded once; a second for the same run is refused. */
static void
test_run_keys (StoreFixture  *fixture,
               gconstpointer  data)
{
  g_autofree char *run_id = g_uuid_string_random ();
  g_autofree char *key_id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;

  stores_begin (fixture);
  g_assert_true (tally_rules_store_record_run_key (fixture->store, run_id, key_id, &error));
  g_assert_no_error (error);
  stores_commit (fixture);

  stores_begin (fixture);
  g_assert_false (tally_rules_store_record_run_key (fixture->store, run_id, key_id, &error));
  g_assert_nonnull (error);
  tally_rules_store_rollback (fixture->store);
}

/* Only authorized runs holding something whose hold ends in (after,
 * until]. */
static void
test_expiring_runs (StoreFixture  *fixture,
                    gconstpointer  data)
{
  const char *account = fixture->user.account_id;
  g_autoptr(GArray) runs = NULL;
  g_autoptr(GError) error = NULL;
  TallyRun *run;

  add_run (fixture, &fixture->user, account, TALLY_RUN_STATUS_AUTHORIZED, 7, 0, 10, 100);
  add_run (fixture, &fixture->user, account, TALLY_RUN_STATUS_AUTHORIZED, 8, 0, 10, 200);
  add_run (fixture, &fixture->user, account, TALLY_RUN_STATUS_AUTHORIZED, 9, 0, 10, 201);
  add_run (fixture, &fixture->user, account, TALLY_RUN_STATUS_AUTHORIZED, 0, 0, 10, 150);
  add_run (fixture, &fixture->user, account, TALLY_RUN_STATUS_SUCCEEDED, 5, 5, 10, 150);

  runs = tally_rules_store_list_expiring_runs (fixture->store, 100, 200, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 1);
  run = &g_array_index (runs, TallyRun, 0);
  g_assert_cmpint (run->held, ==, 8);
  g_assert_cmpstr (run->user_id, ==, fixture->user.id);
  g_assert_cmpstr (run->tool_id, ==, "image-resize");
  g_assert_cmpint (strlen (run->id), ==, TALLY_UUID_LEN - 1);
  g_clear_pointer (&runs, g_array_unref);

  runs = tally_rules_store_list_expiring_runs (fixture->store, 99, 201, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs->len, ==, 3);
}

/* --- spend policies --- */

/* No row: no caps, in the zone asked for (UTC when unknown); a row: its
 * caps. */
static void
test_policies (StoreFixture  *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyPolicy policy;
  TallyCaps caps;

  g_assert_true (tally_rules_store_load_policy (fixture->store, fixture->user.account_id,
                                                "Europe/Berlin", &policy, &error));
  g_assert_no_error (error);
  tally_policy_effective_caps (&policy, &caps);
  g_assert_cmpint (caps.daily, ==, 0);
  g_assert_cmpint (caps.monthly, ==, 0);
  g_assert_cmpstr (policy.timezone, ==, "Europe/Berlin");

  g_assert_true (tally_rules_store_load_policy (fixture->store, fixture->user.account_id,
                                                "Nowhere/Atlantis", &policy, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (policy.timezone, ==, "");

  stores_begin (fixture);
  save_caps (fixture, fixture->user.account_id, 50, 900);
  stores_commit (fixture);
  g_assert_true (tally_rules_store_load_policy (fixture->store, fixture->user.account_id, NULL,
                                                &policy, &error));
  g_assert_no_error (error);
  g_assert_cmpint (policy.ceiling.daily, ==, 50);
  g_assert_cmpint (policy.ceiling.monthly, ==, 900);
  g_assert_cmpint (policy.ceiling.per_run, ==, 0);
  g_assert_cmpint (policy.user.daily, ==, 0);

  g_assert_true (tally_rules_store_load_policy (fixture->store, BAD_ID, NULL, &policy, &error));
  g_assert_no_error (error);
  g_assert_cmpint (policy.ceiling.daily, ==, 0);
}

/* A pending hold counts in full, a posted one what it charged, a voided
 * one nothing; only capped windows are summed; another day sees none. */
static void
test_spend_for_caps (StoreFixture  *fixture,
                     gconstpointer  data)
{
  g_autofree char *unknown = g_uuid_string_random ();
  g_autofree char *pending = NULL;
  g_autofree char *posted = NULL;
  g_autofree char *voided = NULL;
  g_autoptr(GError) error = NULL;
  TallyPolicy policy;
  TallySpend spend;
  gint64 now;

  stores_begin (fixture);
  stores_grant (fixture, 1000);
  pending = hold (fixture, 30);
  posted = hold (fixture, 100);
  voided = hold (fixture, 200);
  settle (fixture, posted, 60);
  settle (fixture, voided, 0);
  stores_commit (fixture);
  now = tally_rules_store_now (fixture->store);

  /* No caps: nothing summed, not even an account looked up. */
  tally_policy_init (&policy, NULL);
  g_assert_true (tally_rules_store_policy_spend_for_caps (fixture->store, unknown, &policy, now,
                                                          &spend, &error));
  g_assert_no_error (error);
  g_assert_cmpint (spend.daily_spent, ==, 0);
  g_assert_cmpint (spend.monthly_spent, ==, 0);
  g_assert_cmpint (spend.daily_resets_at, >, now);
  g_assert_cmpint (spend.monthly_resets_at, >=, spend.daily_resets_at);

  policy.ceiling.daily = 500;
  g_assert_true (tally_rules_store_policy_spend_for_caps (fixture->store,
                                                          fixture->user.account_id, &policy,
                                                          now, &spend, &error));
  g_assert_no_error (error);
  g_assert_cmpint (spend.daily_spent, ==, 90);
  g_assert_cmpint (spend.monthly_spent, ==, 0);

  policy.ceiling.daily = 0;
  policy.ceiling.monthly = 500;
  g_assert_true (tally_rules_store_policy_spend_for_caps (fixture->store,
                                                          fixture->user.account_id, &policy,
                                                          now, &spend, &error));
  g_assert_no_error (error);
  g_assert_cmpint (spend.daily_spent, ==, 0);
  g_assert_cmpint (spend.monthly_spent, ==, 90);

  /* Two days on, the day's window holds none of it. */
  policy.ceiling.daily = 500;
  g_assert_true (tally_rules_store_policy_spend_for_caps (fixture->store,
                                                          fixture->user.account_id, &policy,
                                                          now + 2 * G_TIME_SPAN_DAY, &spend,
                                                          &error));
  g_assert_no_error (error);
  g_assert_cmpint (spend.daily_spent, ==, 0);

  g_assert_false (tally_rules_store_policy_spend_for_caps (fixture->store, unknown, &policy, now,
                                                           &spend, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (tally_rules_store_policy_spend_for_caps (fixture->store, BAD_ID, &policy, now,
                                                           &spend, &error));
  g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND);
  stores_assert_clean (fixture);
}

/* --- devices and synced operations --- */

/* A save replaces the row; rows are per user; a live lease released
 * gives its credits back and clears the row's lease; an operation is
 * recorded once. */
static void
test_device_leases (StoreFixture  *fixture,
                    gconstpointer  data)
{
  g_autofree char *lease_account = g_uuid_string_random ();
  g_autofree char *lease_id = g_uuid_string_random ();
  g_autofree char *op_id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  g_auto(TallySyncOpRecord) record = { 0 };
  TallyDevice device = { 0 };
  TallyTransfer lease;
  TallyAccount account;
  gboolean released = FALSE;
  TallyUser other;
  TallyDevice found;

  add_user (fixture, "other@example.com", &other);
  tally_account_init (&account, lease_account, TALLY_ACCOUNT_KIND_LEASE,
                      TALLY_ACCOUNT_FLAG_NONE, "Offline lease", "UTC");
  stores_begin (fixture);
  stores_grant (fixture, 500);
  g_assert_true (tally_rules_store_create_account (fixture->store, &account, &error));
  g_assert_no_error (error);
  tally_transfer_init (&lease, lease_id, fixture->user.account_id, lease_account, 120,
                       TALLY_TRANSFER_KIND_LEASE);
  lease.flags = TALLY_TRANSFER_FLAG_PENDING;
  lease.timeout = 3600;
  create_transfer (fixture, &lease);

  g_strlcpy (device.lease_account_id, lease_account, sizeof device.lease_account_id);
  device.created_at = 10;
  g_assert_true (tally_rules_store_save_device (fixture->store, fixture->user.id, "phone",
                                                &device, &error));
  g_strlcpy (device.lease_id, lease_id, sizeof device.lease_id);
  device.lease_amount = 120;
  device.lease_spent = 20;
  device.lease_expires_at = 777;
  g_assert_true (tally_rules_store_save_device (fixture->store, fixture->user.id, "phone",
                                                &device, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  g_assert_cmpint (available (fixture), ==, 380);

  g_assert_true (tally_rules_store_find_device (fixture->store, fixture->user.id, "phone",
                                                &found, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.lease_id, ==, lease_id);
  g_assert_cmpint (found.lease_amount, ==, 120);
  g_assert_cmpint (found.lease_spent, ==, 20);
  g_assert_cmpint (found.lease_expires_at, ==, 777);
  g_assert_cmpint (found.created_at, ==, 10);
  g_assert_false (tally_rules_store_find_device (fixture->store, other.id, "phone", &found,
                                                 &error));
  assert_not_found (&error);
  g_assert_false (tally_rules_store_find_device (fixture->store, BAD_ID, BAD_ID, &found, &error));
  assert_not_found (&error);

  /* Another user's device of that name is not this one. */
  stores_begin (fixture);
  g_assert_true (tally_rules_store_release_lease (fixture->store, other.id, "phone", &released,
                                                  &error));
  g_assert_no_error (error);
  g_assert_false (released);
  g_assert_true (tally_rules_store_release_lease (fixture->store, fixture->user.id, "phone",
                                                  &released, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  g_assert_true (released);
  g_assert_cmpint (available (fixture), ==, 500);

  g_assert_true (tally_rules_store_find_device (fixture->store, fixture->user.id, "phone",
                                                &found, &error));
  g_assert_cmpstr (found.lease_id, ==, "");
  g_assert_cmpint (found.lease_amount, ==, 0);
  g_assert_cmpint (found.lease_spent, ==, 0);
  g_assert_cmpint (found.lease_expires_at, ==, 0);
  g_assert_cmpstr (found.lease_account_id, ==, lease_account);

  /* Released once only. */
  stores_begin (fixture);
  g_assert_true (tally_rules_store_release_lease (fixture->store, fixture->user.id, "phone",
                                                  &released, &error));
  stores_commit (fixture);
  g_assert_false (released);

  stores_begin (fixture);
  g_assert_true (tally_rules_store_add_sync_op (fixture->store, op_id, fixture->user.id, "phone",
                                                "digest-2", "{}", &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  stores_begin (fixture);
  g_assert_false (tally_rules_store_add_sync_op (fixture->store, op_id, other.id, "phone",
                                                 "digest-3", "{\"x\":1}", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  tally_rules_store_rollback (fixture->store);

  g_assert_true (tally_rules_store_find_sync_op (fixture->store, op_id, &record, &error));
  g_assert_cmpstr (record.user_id, ==, fixture->user.id);
  g_assert_cmpstr (record.digest, ==, "digest-2");
  g_assert_cmpstr (record.result, ==, "{}");
  g_assert_false (tally_rules_store_find_sync_op (fixture->store, BAD_ID, &record, &error));
  assert_not_found (&error);
  stores_assert_clean (fixture);
}

/* --- teams --- */

typedef struct
{
  TallyTeam team;
  TallyUser member;
} Team;

/* A team whose owner is the fixture's user, with one plain member. */
static void
make_team (StoreFixture *fixture,
           Team         *out)
{
  g_autofree char *team_id = g_uuid_string_random ();
  g_autofree char *account_id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyAccount account;

  memset (out, 0, sizeof *out);
  g_strlcpy (out->team.id, team_id, sizeof out->team.id);
  g_strlcpy (out->team.name, "Render farm", sizeof out->team.name);
  g_strlcpy (out->team.account_id, account_id, sizeof out->team.account_id);
  add_user (fixture, "member@example.com", &out->member);
  tally_account_init (&account, account_id, TALLY_ACCOUNT_KIND_TEAM,
                      TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS, "Render farm", "UTC");

  stores_begin (fixture);
  g_assert_true (tally_rules_store_create_account (fixture->store, &account, &error));
  g_assert_true (tally_rules_store_insert_team (fixture->store, &out->team, fixture->user.id, 5,
                                                &error));
  g_assert_true (tally_rules_store_add_team_member (fixture->store, team_id, fixture->user.id,
                                                    TALLY_TEAM_ROLE_OWNER, 5, &error));
  g_assert_true (tally_rules_store_add_team_member (fixture->store, team_id, out->member.id,
                                                    TALLY_TEAM_ROLE_MEMBER, 6, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

/* A team is found by whoever is in it, with their role; a member with
 * their user's columns; changes touch one member; owners counted. */
static void
test_teams (StoreFixture  *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TallyTeamMember member;
  TallyTeam found;
  Team t;

  make_team (fixture, &t);

  g_assert_true (tally_rules_store_find_team_for (fixture->store, t.team.id, fixture->user.id,
                                                  &found, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.name, ==, "Render farm");
  g_assert_cmpstr (found.account_id, ==, t.team.account_id);
  g_assert_cmpint (found.role, ==, TALLY_TEAM_ROLE_OWNER);
  g_assert_true (tally_rules_store_find_team_for (fixture->store, t.team.id, t.member.id, &found,
                                                  &error));
  g_assert_cmpint (found.role, ==, TALLY_TEAM_ROLE_MEMBER);
  g_assert_false (tally_rules_store_find_team_for (fixture->store, BAD_ID, t.member.id, &found,
                                                   &error));
  assert_not_found (&error);

  /* Joining again changes nothing. */
  stores_begin (fixture);
  g_assert_true (tally_rules_store_add_team_member (fixture->store, t.team.id, t.member.id,
                                                    TALLY_TEAM_ROLE_ADMIN, 99, &error));
  g_assert_no_error (error);
  stores_commit (fixture);

  g_assert_true (tally_rules_store_find_team_member (fixture->store, t.team.id, t.member.id,
                                                     &member, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (member.email, ==, "member@example.com");
  g_assert_cmpstr (member.name, ==, "Test");
  g_assert_cmpstr (member.account_id, ==, t.member.account_id);
  g_assert_cmpint (member.role, ==, TALLY_TEAM_ROLE_MEMBER);
  g_assert_cmpint (member.daily_cap, ==, 0);
  g_assert_cmpint (member.joined_at, ==, 6);
  g_assert_cmpint (tally_rules_store_count_team_owners (fixture->store, t.team.id, &error), ==, 1);

  member.role = TALLY_TEAM_ROLE_OWNER;
  member.daily_cap = 40;
  member.monthly_cap = 400;
  stores_begin (fixture);
  g_assert_true (tally_rules_store_update_team_member (fixture->store, t.team.id, &member,
                                                       &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  g_assert_true (tally_rules_store_find_team_member (fixture->store, t.team.id, t.member.id,
                                                     &member, &error));
  g_assert_cmpint (member.daily_cap, ==, 40);
  g_assert_cmpint (member.monthly_cap, ==, 400);
  g_assert_cmpint (member.joined_at, ==, 6);
  g_assert_cmpint (tally_rules_store_count_team_owners (fixture->store, t.team.id, &error), ==, 2);
  g_assert_true (tally_rules_store_find_team_member (fixture->store, t.team.id, fixture->user.id,
                                                     &member, &error));
  g_assert_cmpint (member.daily_cap, ==, 0);

  g_strlcpy (member.user_id, BAD_ID, sizeof member.user_id);
  stores_begin (fixture);
  g_assert_false (tally_rules_store_update_team_member (fixture->store, t.team.id, &member,
                                                        &error));
  assert_not_found (&error);
  g_assert_true (tally_rules_store_remove_team_member (fixture->store, t.team.id, t.member.id,
                                                       &error));
  g_assert_no_error (error);
  g_assert_false (tally_rules_store_remove_team_member (fixture->store, t.team.id, t.member.id,
                                                        &error));
  assert_not_found (&error);
  stores_commit (fixture);

  g_assert_false (tally_rules_store_find_team_member (fixture->store, t.team.id, t.member.id,
                                                      &member, &error));
  assert_not_found (&error);
  g_assert_cmpint (tally_rules_store_count_team_owners (fixture->store, t.team.id, &error), ==, 1);
  g_assert_cmpint (tally_rules_store_count_team_owners (fixture->store, BAD_ID, &error), ==, 0);
  g_assert_no_error (error);
}

/* An invitation is found by its token's hash alone, its address
 * lower-cased, and accepted once. */
static void
test_invitations (StoreFixture  *fixture,
                  gconstpointer  data)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyTeamInvitation invitation = { 0 };
  TallyTeamInvitation found;
  guint8 hash[32], other[32];
  Team t;

  make_team (fixture, &t);
  memset (hash, 0xa5, sizeof hash);
  hash[0] = 0;
  memset (other, 0xa5, sizeof other);
  g_strlcpy (invitation.id, id, sizeof invitation.id);
  g_strlcpy (invitation.team_id, t.team.id, sizeof invitation.team_id);
  g_strlcpy (invitation.email, "New.Person@Example.com", sizeof invitation.email);
  invitation.role = TALLY_TEAM_ROLE_ADMIN;
  invitation.created_at = 100;
  invitation.expires_at = 900;
  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_invitation (fixture->store, &invitation, hash,
                                                      fixture->user.id, &error));
  g_assert_no_error (error);
  stores_commit (fixture);

  g_assert_false (tally_rules_store_find_invitation (fixture->store, other, &found, &error));
  assert_not_found (&error);
  g_assert_true (tally_rules_store_find_invitation (fixture->store, hash, &found, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.id, ==, id);
  g_assert_cmpstr (found.team_id, ==, t.team.id);
  g_assert_cmpstr (found.email, ==, "new.person@example.com");
  g_assert_cmpint (found.role, ==, TALLY_TEAM_ROLE_ADMIN);
  g_assert_cmpint (found.created_at, ==, 100);
  g_assert_cmpint (found.expires_at, ==, 900);
  g_assert_cmpint (found.accepted_at, ==, 0);

  stores_begin (fixture);
  g_assert_true (tally_rules_store_accept_invitation (fixture->store, id, t.member.id, 500,
                                                      &error));
  g_assert_no_error (error);
  g_assert_false (tally_rules_store_accept_invitation (fixture->store, id, fixture->user.id, 600,
                                                       &error));
  assert_not_found (&error);
  g_assert_false (tally_rules_store_accept_invitation (fixture->store, BAD_ID, t.member.id, 600,
                                                       &error));
  assert_not_found (&error);
  stores_commit (fixture);

  g_assert_true (tally_rules_store_find_invitation (fixture->store, hash, &found, &error));
  g_assert_cmpint (found.accepted_at, ==, 500);
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
save_pool_device (StoreFixture *fixture,
                  const Team   *t,
                  const char   *name,
                  const char   *lease_id,
                  gint64        amount,
                  gint64        spent,
                  gint64        expires_at)
{
  g_autofree char *key = tally_pool_device_key (t->team.account_id, name);
  g_autoptr(GError) error = NULL;
  TallyDevice device = { 0 };

  g_strlcpy (device.lease_account_id, t->team.account_id, sizeof device.lease_account_id);
  g_strlcpy (device.lease_id, lease_id, sizeof device.lease_id);
  device.lease_amount = amount;
  device.lease_spent = spent;
  device.lease_expires_at = expires_at;
  g_assert_true (tally_rules_store_save_device (fixture->store, t->member.id, key, &device,
                                                &error));
  g_assert_no_error (error);
}

/* The pool's member: found by the pool's account; what they spent in a
 * window (live holds, charges, synced spend, unspent live leases); their
 * leases; the members' accounts. */
static void
test_pools (StoreFixture  *fixture,
            gconstpointer  data)
{
  g_autofree char *op_id = g_uuid_string_random ();
  g_autoptr(GPtrArray) accounts = NULL;
  g_autoptr(GPtrArray) leases = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  TallyTeamMember member;
  const char *pool;
  TallyTeam found;
  gint64 spent = -1;
  Team t;

  make_team (fixture, &t);
  pool = t.team.account_id;

  g_assert_true (tally_rules_store_find_pool_member (fixture->store, pool, t.member.id, &found,
                                                     &member, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (found.id, ==, t.team.id);
  g_assert_cmpint (found.role, ==, TALLY_TEAM_ROLE_MEMBER);
  g_assert_cmpstr (member.user_id, ==, t.member.id);
  g_assert_true (tally_rules_store_find_pool_member (fixture->store, pool, fixture->user.id,
                                                     &found, NULL, &error));
  g_assert_cmpint (found.role, ==, TALLY_TEAM_ROLE_OWNER);
  g_assert_false (tally_rules_store_find_pool_member (fixture->store, fixture->user.account_id,
                                                      t.member.id, &found, &member, &error));
  assert_not_found (&error);

  /* In the window [1000, 2000) at 1500: a live hold, a charge, a synced
   * spend and a live lease's rest count; the rest does not. */
  add_run (fixture, &t.member, pool, TALLY_RUN_STATUS_AUTHORIZED, 7, 0, 1000, 1600);
  add_run (fixture, &t.member, pool, TALLY_RUN_STATUS_AUTHORIZED, 100, 0, 1000, 1500);
  add_run (fixture, &t.member, pool, TALLY_RUN_STATUS_SUCCEEDED, 50, 30, 1999, 1600);
  add_run (fixture, &t.member, pool, TALLY_RUN_STATUS_FAILED, 50, 0, 1100, 1600);
  add_run (fixture, &t.member, pool, TALLY_RUN_STATUS_SUCCEEDED, 50, 40, 2000, 3000);
  add_run (fixture, &t.member, pool, TALLY_RUN_STATUS_SUCCEEDED, 50, 40, 999, 3000);
  add_run (fixture, &fixture->user, pool, TALLY_RUN_STATUS_SUCCEEDED, 50, 40, 1200, 3000);
  add_run (fixture, &t.member, t.member.account_id, TALLY_RUN_STATUS_SUCCEEDED, 50, 40, 1200,
           3000);

  stores_begin (fixture);
  g_assert_true (tally_rules_store_add_pool_spend (fixture->store, op_id, pool, t.member.id, 11,
                                                   1300, &error));
  g_assert_no_error (error);
  save_pool_device (fixture, &t, "laptop", op_id, 80, 30, 1501);
  save_pool_device (fixture, &t, "phone", op_id, 80, 30, 1500);
  save_pool_device (fixture, &t, "tablet", "", 80, 30, 9000);
  stores_commit (fixture);

  stores_begin (fixture);
  g_assert_false (tally_rules_store_add_pool_spend (fixture->store, op_id, pool, t.member.id, 11,
                                                    1300, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  tally_rules_store_rollback (fixture->store);

  g_assert_true (tally_rules_store_member_spend (fixture->store, pool, t.member.id, 1000, 2000,
                                                 1500, &spent, &error));
  g_assert_no_error (error);
  g_assert_cmpint (spent, ==, 7 + 30 + 11 + 50);
  g_assert_true (tally_rules_store_member_spend (fixture->store, pool, BAD_ID, 1000, 2000,
                                                 1500, &spent, &error));
  g_assert_no_error (error);
  g_assert_cmpint (spent, ==, 0);

  leases = tally_rules_store_list_pool_leases (fixture->store, pool, t.member.id, &error);
  g_assert_no_error (error);
  g_ptr_array_sort (leases, compare_strings);
  g_assert_cmpuint (leases->len, ==, 2);
  key = tally_pool_device_key (pool, "laptop");
  g_assert_cmpstr (leases->pdata[0], ==, key);
  g_clear_pointer (&leases, g_ptr_array_unref);
  leases = tally_rules_store_list_pool_leases (fixture->store, fixture->user.account_id,
                                               t.member.id, &error);
  g_assert_cmpuint (leases->len, ==, 0);

  accounts = tally_rules_store_list_pool_member_accounts (fixture->store, pool, &error);
  g_assert_no_error (error);
  g_ptr_array_sort (accounts, compare_strings);
  g_assert_cmpuint (accounts->len, ==, 2);
  g_assert_true (g_ptr_array_find_with_equal_func (accounts, fixture->user.account_id,
                                                   g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (accounts, t.member.account_id, g_str_equal,
                                                   NULL));
  g_clear_pointer (&accounts, g_ptr_array_unref);
  accounts = tally_rules_store_list_pool_member_accounts (fixture->store, BAD_ID, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 0);
}

/* --- two servers on one database --- */

/* A second tally-server's store: its own connection to the fixture's
 * database. */
static TallyPgStore *
second_server (StoreFixture *fixture)
{
  g_autoptr(GError) error = NULL;
  TallyPgStore *other;

  other = tally_pg_store_new (tally_pg_store_get_url (fixture->pg_store), &error);
  g_assert_no_error (error);
  return other;
}

typedef gboolean (*RaceFunc) (TallyRulesStore  *store,
                              gpointer          data,
                              GError          **error);

/* One write on the second server, in a thread: it must wait for the
 * first server's transaction. */
typedef struct
{
  TallyRulesStore *store;
  RaceFunc         func;
  gpointer         data;
  gboolean         ok;
  GError          *error;
  gint             done;
} Race;

static gpointer
race_thread (gpointer data)
{
  Race *race = data;

  g_assert_true (tally_rules_store_begin (race->store, NULL));
  race->ok = race->func (race->store, race->data, &race->error);
  if (race->ok)
    g_assert_true (tally_rules_store_commit (race->store, NULL));
  else
    tally_rules_store_rollback (race->store);
  g_atomic_int_set (&race->done, TRUE);
  return NULL;
}

/* Runs @func on a second server while the first's transaction, begun by
 * the caller, is open; commits the first once the second has waited on
 * it; then answers what the second got. */
static gboolean
race_against_commit (StoreFixture  *fixture,
                     RaceFunc       func,
                     gpointer       data,
                     GError       **error)
{
  g_autoptr(TallyPgStore) other = second_server (fixture);
  Race race = { TALLY_RULES_STORE (other), func, data, FALSE, NULL, FALSE };
  GThread *thread = g_thread_new ("second-server", race_thread, &race);

  g_usleep (300 * G_TIME_SPAN_MILLISECOND);
  g_assert_false (g_atomic_int_get (&race.done));
  stores_commit (fixture);
  g_thread_join (thread);
  if (race.error != NULL)
    g_propagate_error (error, race.error);
  return race.ok;
}

static gboolean
skip_on_sqlite (StoreFixture *fixture)
{
  if (fixture->pg_store != NULL)
    return FALSE;
  g_test_skip ("SQLite has one writer, in one process");
  return TRUE;
}

static gboolean
release_phone (TallyRulesStore  *store,
               gpointer          data,
               GError          **error)
{
  StoreFixture *fixture = data;
  gboolean released = TRUE;

  if (!tally_rules_store_release_lease (store, fixture->user.id, "phone", &released, error))
    return FALSE;
  g_assert_false (released);
  return TRUE;
}

/* Two servers giving one device's lease back at once: the second waits
 * on the device's row, then finds no lease; the credits come back once. */
static void
test_race_release_lease (StoreFixture  *fixture,
                         gconstpointer  data)
{
  g_autofree char *lease_account = g_uuid_string_random ();
  g_autofree char *lease_id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyDevice device = { 0 };
  gboolean released = FALSE;
  TallyTransfer lease;
  TallyAccount account;

  if (skip_on_sqlite (fixture))
    return;

  tally_account_init (&account, lease_account, TALLY_ACCOUNT_KIND_LEASE,
                      TALLY_ACCOUNT_FLAG_NONE, "Offline lease", "UTC");
  stores_begin (fixture);
  stores_grant (fixture, 500);
  g_assert_true (tally_rules_store_create_account (fixture->store, &account, &error));
  tally_transfer_init (&lease, lease_id, fixture->user.account_id, lease_account, 120,
                       TALLY_TRANSFER_KIND_LEASE);
  lease.flags = TALLY_TRANSFER_FLAG_PENDING;
  lease.timeout = 3600;
  create_transfer (fixture, &lease);
  g_strlcpy (device.lease_account_id, lease_account, sizeof device.lease_account_id);
  g_strlcpy (device.lease_id, lease_id, sizeof device.lease_id);
  device.lease_amount = 120;
  g_assert_true (tally_rules_store_save_device (fixture->store, fixture->user.id, "phone",
                                                &device, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  g_assert_cmpint (available (fixture), ==, 380);

  stores_begin (fixture);
  g_assert_true (tally_rules_store_release_lease (fixture->store, fixture->user.id, "phone",
                                                  &released, &error));
  g_assert_no_error (error);
  g_assert_true (released);
  g_assert_true (race_against_commit (fixture, release_phone, fixture, &error));
  g_assert_no_error (error);

  g_assert_cmpint (available (fixture), ==, 500);
  stores_assert_clean (fixture);
}

static gboolean
accept_invitation (TallyRulesStore  *store,
                   gpointer          data,
                   GError          **error)
{
  g_autofree char *user_id = g_uuid_string_random ();

  return tally_rules_store_accept_invitation (store, data, user_id, 700, error);
}

static gboolean
join_again (TallyRulesStore  *store,
            gpointer          data,
            GError          **error)
{
  const Team *t = data;

  return tally_rules_store_add_team_member (store, t->team.id, t->member.id,
                                            TALLY_TEAM_ROLE_ADMIN, 800, error);
}

/* Two servers accepting one invitation: the second is NOT_FOUND once the
 * first commits. Two adding one member: the second adds nothing. */
static void
test_race_team (StoreFixture  *fixture,
                gconstpointer  data)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyTeamInvitation invitation = { 0 };
  TallyTeamInvitation found;
  TallyTeamMember member;
  guint8 hash[32] = { 1 };
  Team t;

  if (skip_on_sqlite (fixture))
    return;

  make_team (fixture, &t);
  g_strlcpy (invitation.id, id, sizeof invitation.id);
  g_strlcpy (invitation.team_id, t.team.id, sizeof invitation.team_id);
  g_strlcpy (invitation.email, "late@example.com", sizeof invitation.email);
  invitation.role = TALLY_TEAM_ROLE_MEMBER;
  stores_begin (fixture);
  g_assert_true (tally_rules_store_insert_invitation (fixture->store, &invitation, hash,
                                                      fixture->user.id, &error));
  g_assert_no_error (error);
  stores_commit (fixture);

  stores_begin (fixture);
  g_assert_true (tally_rules_store_accept_invitation (fixture->store, id, t.member.id, 600,
                                                      &error));
  g_assert_no_error (error);
  g_assert_false (race_against_commit (fixture, accept_invitation, id, &error));
  assert_not_found (&error);
  g_assert_true (tally_rules_store_find_invitation (fixture->store, hash, &found, &error));
  g_assert_cmpint (found.accepted_at, ==, 600);

  stores_begin (fixture);
  g_assert_true (tally_rules_store_remove_team_member (fixture->store, t.team.id, t.member.id,
                                                       &error));
  g_assert_true (tally_rules_store_add_team_member (fixture->store, t.team.id, t.member.id,
                                                    TALLY_TEAM_ROLE_MEMBER, 700, &error));
  g_assert_no_error (error);
  g_assert_true (race_against_commit (fixture, join_again, &t, &error));
  g_assert_no_error (error);
  g_assert_true (tally_rules_store_find_team_member (fixture->store, t.team.id, t.member.id,
                                                     &member, &error));
  g_assert_cmpint (member.role, ==, TALLY_TEAM_ROLE_MEMBER);
  g_assert_cmpint (member.joined_at, ==, 700);
}

/* What one server's runs hold and charge counts at once in another's
 * caps: the sums are read from the tables, not kept in a process. */
static void
test_spend_across_servers (StoreFixture  *fixture,
                           gconstpointer  data)
{
  g_autoptr(TallyPgStore) other = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autoptr(GError) error = NULL;
  TallyPolicy policy;
  TallySpend spend;
  gint64 now;

  if (skip_on_sqlite (fixture))
    return;

  other = second_server (fixture);
  tally_policy_init (&policy, NULL);
  policy.ceiling.daily = 1000;
  stores_begin (fixture);
  stores_grant (fixture, 1000);
  first = hold (fixture, 70);
  stores_commit (fixture);
  now = tally_rules_store_now (fixture->store);

  g_assert_true (tally_rules_store_policy_spend_for_caps (TALLY_RULES_STORE (other),
                                                          fixture->user.account_id, &policy,
                                                          now, &spend, &error));
  g_assert_no_error (error);
  g_assert_cmpint (spend.daily_spent, ==, 70);

  stores_begin (fixture);
  settle (fixture, first, 25);
  second = hold (fixture, 5);
  stores_commit (fixture);
  g_assert_true (tally_rules_store_policy_spend_for_caps (TALLY_RULES_STORE (other),
                                                          fixture->user.account_id, &policy,
                                                          now, &spend, &error));
  g_assert_no_error (error);
  g_assert_cmpint (spend.daily_spent, ==, 30);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  stores_add ("run-columns", test_run_columns);
  stores_add ("run-keys", test_run_keys);
  stores_add ("expiring-runs", test_expiring_runs);
  stores_add ("policies", test_policies);
  stores_add ("spend-for-caps", test_spend_for_caps);
  stores_add ("device-leases", test_device_leases);
  stores_add ("teams", test_teams);
  stores_add ("invitations", test_invitations);
  stores_add ("pools", test_pools);
  stores_add ("race-release-lease", test_race_release_lease);
  stores_add ("race-team", test_race_team);
  stores_add ("spend-across-servers", test_spend_across_servers);

  return stores_run ();
}
