/* test-runs-rules.c: the rules of runs (tally-runs.c) called directly, with
 * no HTTP, through the store interface on each store: every named outcome,
 * idempotent replays, the hold never above the balance, caps and pools
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-runs.h"
#include "tally-store-sync.h"
#include "tally-teams.h"
#include "tally-test-stores.h"
#include "tally-writer.h"

/* image-resize: 1 credit plus 1 per 2 images, at least 2. */
#define FOUR_IMAGES "{\"images\": 4}"
#define FOUR_IMAGES_COST 3
#define HOLD_TIMEOUT 600

typedef struct
{
  StoreFixture       base;
  TallyWriter       *writer;
  TallyAudit        *audit;
  TallyToolRegistry *registry;
  TallyRuns          runs;
  /* The ledger's clock, moved by the tests. */
  gint64             now;
} Rig;

/* The answers the rules record: plain text here, so a replay can be told
 * from a fresh answer by its bytes. */
static guint answers_made;

static char *
authorize_answer (const TallyAuthorizeResult *result,
                  guint                      *status)
{
  answers_made++;
  *status = result->outcome == TALLY_AUTHORIZE_AUTHORIZED ? 201
          : result->outcome == TALLY_AUTHORIZE_INSUFFICIENT_CREDITS ? 402
                                                                    : 403;
  return g_strdup_printf ("authorize %d held %" G_GINT64_FORMAT " #%u", result->outcome,
                          result->held, answers_made);
}

static char *
complete_answer (const TallyCompleteResult *result,
                 guint                     *status)
{
  answers_made++;
  *status = 200;
  return g_strdup_printf ("%s charged %" G_GINT64_FORMAT " #%u",
                          tally_run_status_to_string (result->run.status), result->run.charged,
                          answers_made);
}

static const TallyRunsAnswers answers = { authorize_answer, complete_answer };

static gint64
rig_clock (gpointer data)
{
  return ((Rig *) data)->now;
}

static void
rig_setup (Rig           *rig,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  stores_setup (&rig->base, data);
  rig->now = g_get_real_time ();
  stores_set_clock (&rig->base, rig_clock, rig);
  rig->writer = tally_writer_new (rig->base.store);
  rig->audit = tally_audit_new (rig->base.store, rig->writer);
  rig->registry = tally_tool_registry_new ();
  tally_tool_registry_load_directory (rig->registry, g_getenv ("TALLY_TOOLS_DIR"), NULL, &error);
  g_assert_no_error (error);

  rig->runs.store = rig->base.store;
  rig->runs.audit = rig->audit;
  rig->runs.registry = rig->registry;
  rig->runs.hold_timeout = HOLD_TIMEOUT;
  rig->runs.answers = &answers;
}

static void
rig_teardown (Rig           *rig,
              gconstpointer  data)
{
  g_clear_object (&rig->registry);
  g_clear_object (&rig->audit);
  g_clear_object (&rig->writer);
  stores_teardown (&rig->base, data);
}

static void
grant_with_id (Rig        *rig,
               const char *id,
               const char *account_id,
               gint64      amount)
{
  g_autoptr(GError) error = NULL;
  TallyTransferResult result;
  TallyTransfer transfer;

  tally_transfer_init (&transfer, id, tally_system_account_id (TALLY_SYSTEM_ACCOUNT_GRANTS),
                       account_id, amount, TALLY_TRANSFER_KIND_GRANT);
  tally_rules_store_create_transfers (rig->base.store, &transfer, 1, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, TALLY_TRANSFER_OK);
}

static void
grant (Rig        *rig,
       const char *account_id,
       gint64      amount)
{
  g_autofree char *id = g_uuid_string_random ();

  grant_with_id (rig, id, account_id, amount);
}

/* Authorizes in a transaction of its own, as the writer would. */
static void
authorize_from (Rig                  *rig,
                const TallyUser      *user,
                const char           *id,
                const char           *tool,
                const char           *inputs,
                const char           *account_id,
                const char           *device,
                TallyAuthorizeResult *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = json_from_string (inputs, &error);
  TallyAuthorizeRequest request = { 0 };

  g_assert_no_error (error);
  g_strlcpy (request.id, id, sizeof request.id);
  request.tool = tool;
  request.inputs = json_node_get_object (node);
  if (account_id != NULL)
    g_strlcpy (request.account_id, account_id, sizeof request.account_id);
  request.device = device;

  stores_begin (&rig->base);
  tally_runs_authorize (&rig->runs, user, NULL, &request, result, &error);
  g_assert_no_error (error);
  stores_commit (&rig->base);
}

static void
authorize_on (Rig                  *rig,
              const TallyUser      *user,
              const char           *id,
              const char           *tool,
              const char           *inputs,
              const char           *account_id,
              TallyAuthorizeResult *result)
{
  authorize_from (rig, user, id, tool, inputs, account_id, NULL, result);
}

static void
authorize (Rig                  *rig,
           const TallyUser      *user,
           const char           *id,
           TallyAuthorizeResult *result)
{
  authorize_on (rig, user, id, "image-resize", FOUR_IMAGES, NULL, result);
}

static void
complete (Rig                 *rig,
          const TallyUser     *user,
          const char          *id,
          TallyRunOutcome      outcome,
          gint64               units,
          TallyCompleteResult *result)
{
  g_autoptr(GError) error = NULL;
  TallyCompleteRequest request = { units, outcome };

  stores_begin (&rig->base);
  tally_runs_complete (&rig->runs, user, id, &request, result, &error);
  g_assert_no_error (error);
  stores_commit (&rig->base);
}

static void
assert_no_run (Rig        *rig,
               const char *id)
{
  g_autoptr(GError) error = NULL;
  g_auto(TallyRun) run = { 0 };

  g_assert_false (tally_rules_store_find_run (rig->base.store, id, &run, &error));
  g_assert_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND);
}

/* Authorized, replayed, conflicting, completed, and the completion
 * replayed: every answer after the first is the recorded one. */
static void
test_rules_authorize_complete (Rig           *rig,
                               gconstpointer  data)
{
  g_autofree char *id = g_uuid_string_random ();
  g_auto(TallyAuthorizeResult) first = { 0 };
  g_auto(TallyAuthorizeResult) again = { 0 };
  g_auto(TallyAuthorizeResult) other = { 0 };
  g_auto(TallyAuthorizeResult) stolen = { 0 };
  g_auto(TallyCompleteResult) done = { 0 };
  g_auto(TallyCompleteResult) done_again = { 0 };
  g_auto(TallyCompleteResult) done_other = { 0 };
  g_auto(TallyCompleteResult) done_stolen = { 0 };
  TallyUser alice, bob;
  gint64 seq;

  stores_user_new (&rig->base, "alice@example.com", TALLY_ROLE_MEMBER, &alice);
  stores_user_new (&rig->base, "bob@example.com", TALLY_ROLE_MEMBER, &bob);
  grant (rig, alice.account_id, 10);
  seq = tally_audit_get_last_seq (rig->audit);

  authorize (rig, &alice, id, &first);
  g_assert_cmpint (first.outcome, ==, TALLY_AUTHORIZE_AUTHORIZED);
  g_assert_cmpint (first.status, ==, 201);
  g_assert_cmpint (first.run.status, ==, TALLY_RUN_STATUS_AUTHORIZED);
  g_assert_cmpint (first.run.held, ==, FOUR_IMAGES_COST);
  g_assert_cmpint (first.run.hold_expires_at, ==, rig->now + (gint64) HOLD_TIMEOUT * G_USEC_PER_SEC);
  g_assert_cmpint (stores_available (&rig->base, alice.account_id), ==, 10 - FOUR_IMAGES_COST);
  g_assert_cmpint (tally_audit_get_last_seq (rig->audit), ==, seq + 1);

  /* The same request: the same bytes, and no second hold or record. */
  authorize (rig, &alice, id, &again);
  g_assert_cmpint (tally_audit_get_last_seq (rig->audit), ==, seq + 1);
  g_assert_cmpint (again.outcome, ==, TALLY_AUTHORIZE_ANSWERED_BEFORE);
  g_assert_cmpint (again.status, ==, 201);
  g_assert_cmpstr (again.body, ==, first.body);
  g_assert_cmpint (stores_available (&rig->base, alice.account_id), ==, 10 - FOUR_IMAGES_COST);

  authorize_on (rig, &alice, id, "image-resize", "{\"images\": 6}", NULL, &other);
  g_assert_cmpint (other.outcome, ==, TALLY_AUTHORIZE_IDEMPOTENCY_CONFLICT);
  authorize (rig, &bob, id, &stolen);
  g_assert_cmpint (stolen.outcome, ==, TALLY_AUTHORIZE_NOT_FOUND);
  g_assert_cmpint (stores_available (&rig->base, alice.account_id), ==, 10 - FOUR_IMAGES_COST);

  /* Bob cannot complete it either; 2 images cost the minimum, 2. */
  complete (rig, &bob, id, TALLY_RUN_OUTCOME_SUCCEEDED, 2, &done_stolen);
  g_assert_cmpint (done_stolen.outcome, ==, TALLY_COMPLETE_NOT_FOUND);
  complete (rig, &alice, id, TALLY_RUN_OUTCOME_SUCCEEDED, 2, &done);
  g_assert_cmpint (done.outcome, ==, TALLY_COMPLETE_COMPLETED);
  g_assert_cmpint (done.run.status, ==, TALLY_RUN_STATUS_SUCCEEDED);
  g_assert_cmpint (done.run.charged, ==, 2);
  g_assert_cmpint (stores_available (&rig->base, alice.account_id), ==, 8);
  g_assert_cmpint (tally_audit_get_last_seq (rig->audit), ==, seq + 2);

  complete (rig, &alice, id, TALLY_RUN_OUTCOME_SUCCEEDED, 2, &done_again);
  g_assert_cmpint (done_again.outcome, ==, TALLY_COMPLETE_ANSWERED_BEFORE);
  g_assert_cmpstr (done_again.body, ==, done.body);
  complete (rig, &alice, id, TALLY_RUN_OUTCOME_SUCCEEDED, 4, &done_other);
  g_assert_cmpint (done_other.outcome, ==, TALLY_COMPLETE_IDEMPOTENCY_CONFLICT);
  g_assert_cmpint (stores_available (&rig->base, alice.account_id), ==, 8);
  g_assert_cmpint (tally_audit_get_last_seq (rig->audit), ==, seq + 2);
}

/* Refusals that record the run (and so replay), and those that change
 * nothing. */
static void
test_rules_refusals (Rig           *rig,
                     gconstpointer  data)
{
  g_autofree char *short_id = g_uuid_string_random ();
  g_autofree char *grant_id = g_uuid_string_random ();
  g_autofree char *tool_id = g_uuid_string_random ();
  g_autofree char *inputs_id = g_uuid_string_random ();
  g_auto(TallyAuthorizeResult) poor = { 0 };
  g_auto(TallyAuthorizeResult) poor_again = { 0 };
  g_auto(TallyAuthorizeResult) taken = { 0 };
  g_auto(TallyAuthorizeResult) no_tool = { 0 };
  g_auto(TallyAuthorizeResult) bad_inputs = { 0 };
  g_auto(TallyCompleteResult) refused = { 0 };
  g_auto(TallyCompleteResult) missing = { 0 };
  g_autofree char *missing_id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  g_auto(TallyRun) run = { 0 };
  TallyUser carol;

  stores_user_new (&rig->base, "carol@example.com", TALLY_ROLE_MEMBER, &carol);
  grant_with_id (rig, grant_id, carol.account_id, 2);

  authorize (rig, &carol, short_id, &poor);
  g_assert_cmpint (poor.outcome, ==, TALLY_AUTHORIZE_INSUFFICIENT_CREDITS);
  g_assert_cmpint (poor.held, ==, FOUR_IMAGES_COST);
  g_assert_cmpint (poor.available, ==, 2);
  g_assert_cmpint (poor.status, ==, 402);
  g_assert_cmpint (stores_available (&rig->base, carol.account_id), ==, 2);
  g_assert_true (tally_rules_store_find_run (rig->base.store, short_id, &run, &error));
  g_assert_cmpint (run.status, ==, TALLY_RUN_STATUS_REFUSED);
  g_assert_cmpint (run.held, ==, 0);

  /* Refused for good: a retry gets the refusal, even once there is money. */
  grant (rig, carol.account_id, 10);
  authorize (rig, &carol, short_id, &poor_again);
  g_assert_cmpint (poor_again.outcome, ==, TALLY_AUTHORIZE_ANSWERED_BEFORE);
  g_assert_cmpint (poor_again.status, ==, 402);
  g_assert_cmpstr (poor_again.body, ==, poor.body);
  g_assert_cmpint (stores_available (&rig->base, carol.account_id), ==, 12);

  complete (rig, &carol, short_id, TALLY_RUN_OUTCOME_SUCCEEDED, 4, &refused);
  g_assert_cmpint (refused.outcome, ==, TALLY_COMPLETE_NOT_AUTHORIZED);
  complete (rig, &carol, missing_id, TALLY_RUN_OUTCOME_CANCELLED, 0, &missing);
  g_assert_cmpint (missing.outcome, ==, TALLY_COMPLETE_NOT_FOUND);

  /* The grant's id: no hold, no run. */
  authorize (rig, &carol, grant_id, &taken);
  g_assert_cmpint (taken.outcome, ==, TALLY_AUTHORIZE_ID_TAKEN);
  assert_no_run (rig, grant_id);

  authorize_on (rig, &carol, tool_id, "no-such-tool", FOUR_IMAGES, NULL, &no_tool);
  g_assert_cmpint (no_tool.outcome, ==, TALLY_AUTHORIZE_UNKNOWN_TOOL);
  assert_no_run (rig, tool_id);
  authorize_on (rig, &carol, inputs_id, "image-resize", "{\"images\": -1}", NULL, &bad_inputs);
  g_assert_cmpint (bad_inputs.outcome, ==, TALLY_AUTHORIZE_INVALID_INPUTS);
  g_assert_true (g_str_has_prefix (bad_inputs.message, "inputs"));
  assert_no_run (rig, inputs_id);
  g_assert_cmpint (stores_available (&rig->base, carol.account_id), ==, 12);
}

/* Runs one after another never hold more than the balance; what a
 * cancelled run held comes back. */
static void
test_rules_hold_within_balance (Rig           *rig,
                                gconstpointer  data)
{
  g_auto(TallyCompleteResult) cancelled = { 0 };
  g_autofree char *first_id = NULL;
  guint authorized = 0;
  TallyUser dan;

  stores_user_new (&rig->base, "dan@example.com", TALLY_ROLE_MEMBER, &dan);
  grant (rig, dan.account_id, 10);

  for (guint i = 0; i < 6; i++)
    {
      g_auto(TallyAuthorizeResult) result = { 0 };
      g_autofree char *id = g_uuid_string_random ();

      authorize (rig, &dan, id, &result);
      g_assert_cmpint (stores_available (&rig->base, dan.account_id), >=, 0);
      if (result.outcome == TALLY_AUTHORIZE_AUTHORIZED)
        {
          authorized++;
          if (first_id == NULL)
            first_id = g_strdup (id);
        }
      else
        {
          g_assert_cmpint (result.outcome, ==, TALLY_AUTHORIZE_INSUFFICIENT_CREDITS);
          g_assert_cmpint (result.available, ==, 10 - 3 * FOUR_IMAGES_COST);
        }
    }
  g_assert_cmpuint (authorized, ==, 10 / FOUR_IMAGES_COST);
  g_assert_cmpint (stores_available (&rig->base, dan.account_id), ==, 10 - 3 * FOUR_IMAGES_COST);

  complete (rig, &dan, first_id, TALLY_RUN_OUTCOME_CANCELLED, 0, &cancelled);
  g_assert_cmpint (cancelled.outcome, ==, TALLY_COMPLETE_COMPLETED);
  g_assert_cmpint (cancelled.run.status, ==, TALLY_RUN_STATUS_CANCELLED);
  g_assert_cmpint (cancelled.run.charged, ==, 0);
  g_assert_cmpint (stores_available (&rig->base, dan.account_id), ==, 10 - 2 * FOUR_IMAGES_COST);
}

/* A hold nobody completed in time: read as expired, settled as nothing. */
static void
test_rules_expired_hold (Rig           *rig,
                         gconstpointer  data)
{
  g_autofree char *id = g_uuid_string_random ();
  g_auto(TallyAuthorizeResult) result = { 0 };
  g_auto(TallyCompleteResult) late = { 0 };
  g_auto(TallyRun) run = { 0 };
  g_autoptr(GError) error = NULL;
  guint n_expired = 0;
  gboolean found;
  TallyUser erin;

  stores_user_new (&rig->base, "erin@example.com", TALLY_ROLE_MEMBER, &erin);
  grant (rig, erin.account_id, 10);
  authorize (rig, &erin, id, &result);
  g_assert_cmpint (result.outcome, ==, TALLY_AUTHORIZE_AUTHORIZED);

  tally_runs_find_own (&rig->runs, &erin, id, &run, &found, &error);
  g_assert_no_error (error);
  g_assert_true (found);
  g_assert_cmpint (tally_runs_current_status (&rig->runs, &run), ==, TALLY_RUN_STATUS_AUTHORIZED);

  rig->now += (gint64) (HOLD_TIMEOUT + 1) * G_USEC_PER_SEC;
  g_assert_cmpint (tally_runs_current_status (&rig->runs, &run), ==, TALLY_RUN_STATUS_EXPIRED);
  complete (rig, &erin, id, TALLY_RUN_OUTCOME_SUCCEEDED, 4, &late);
  g_assert_cmpint (late.outcome, ==, TALLY_COMPLETE_COMPLETED);
  g_assert_cmpint (late.run.status, ==, TALLY_RUN_STATUS_EXPIRED);
  g_assert_cmpint (late.run.charged, ==, 0);

  /* Nothing was posted: the sweep releases the whole hold. */
  tally_rules_store_expire_pending (rig->base.store, rig->now, &n_expired, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_expired, ==, 1);
  g_assert_cmpint (stores_available (&rig->base, erin.account_id), ==, 10);
}

/* Only the owner finds a run, by its id in any case. */
static void
test_rules_find_own (Rig           *rig,
                     gconstpointer  data)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *upper = g_ascii_strup (id, -1);
  g_auto(TallyAuthorizeResult) result = { 0 };
  g_autoptr(GError) error = NULL;
  TallyUser frank, gina;
  gboolean found;
  TallyRun run = { 0 };

  stores_user_new (&rig->base, "frank@example.com", TALLY_ROLE_MEMBER, &frank);
  stores_user_new (&rig->base, "gina@example.com", TALLY_ROLE_MEMBER, &gina);
  grant (rig, frank.account_id, 10);
  authorize (rig, &frank, id, &result);

  g_assert_true (tally_runs_find_own (&rig->runs, &frank, upper, &run, &found, &error));
  g_assert_true (found);
  g_assert_cmpstr (run.id, ==, id);
  tally_run_clear (&run);
  g_assert_true (tally_runs_find_own (&rig->runs, &gina, id, &run, &found, &error));
  g_assert_false (found);
  g_assert_true (tally_runs_find_own (&rig->runs, &frank, "not-a-uuid", &run, &found, &error));
  g_assert_false (found);
  g_assert_true (tally_runs_find_own (&rig->runs, &frank, NULL, &run, &found, &error));
  g_assert_false (found);
  g_assert_no_error (error);
}

/* A device's offline lease, as a sync takes it: a pending transfer from
 * the user's account to the device's own. */
static void
take_lease (Rig             *rig,
            const TallyUser *user,
            const char      *device,
            gint64           amount)
{
  g_autofree char *account_id = g_uuid_string_random ();
  g_autofree char *lease_id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;
  TallyTransferResult result;
  TallyTransfer transfer;
  TallyAccount account;
  TallyDevice row = { 0 };

  stores_begin (&rig->base);
  tally_account_init (&account, account_id, TALLY_ACCOUNT_KIND_LEASE, TALLY_ACCOUNT_FLAG_NONE,
                      "Offline lease", "UTC");
  tally_rules_store_create_account (rig->base.store, &account, &error);
  g_assert_no_error (error);
  tally_transfer_init (&transfer, lease_id, user->account_id, account_id, amount,
                       TALLY_TRANSFER_KIND_LEASE);
  transfer.flags = TALLY_TRANSFER_FLAG_PENDING;
  transfer.timeout = 3600;
  tally_rules_store_create_transfers (rig->base.store, &transfer, 1, &result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, TALLY_TRANSFER_OK);

  g_strlcpy (row.lease_account_id, account_id, sizeof row.lease_account_id);
  g_strlcpy (row.lease_id, lease_id, sizeof row.lease_id);
  row.lease_amount = amount;
  row.lease_expires_at = rig->now + (gint64) 3600 * G_USEC_PER_SEC;
  row.created_at = rig->now;
  tally_rules_store_save_device (rig->base.store, user->id, device, &row, &error);
  g_assert_no_error (error);
  stores_commit (&rig->base);
}

/* Short because a device holds a lease: without the device the run is
 * refused; the device asking gives its lease back to pay. */
static void
test_rules_lease_given_back (Rig           *rig,
                             gconstpointer  data)
{
  g_autofree char *refused_id = g_uuid_string_random ();
  g_autofree char *online_id = g_uuid_string_random ();
  g_auto(TallyAuthorizeResult) refused = { 0 };
  g_auto(TallyAuthorizeResult) online = { 0 };
  g_autoptr(GError) error = NULL;
  TallyDevice row;
  TallyUser kim;

  stores_user_new (&rig->base, "kim@example.com", TALLY_ROLE_MEMBER, &kim);
  grant (rig, kim.account_id, 10);
  take_lease (rig, &kim, "laptop", 8);
  g_assert_cmpint (stores_available (&rig->base, kim.account_id), ==, 2);

  authorize (rig, &kim, refused_id, &refused);
  g_assert_cmpint (refused.outcome, ==, TALLY_AUTHORIZE_INSUFFICIENT_CREDITS);
  g_assert_cmpint (refused.available, ==, 2);
  g_assert_false (refused.lease_released);

  authorize_from (rig, &kim, online_id, "image-resize", FOUR_IMAGES, NULL, "laptop", &online);
  g_assert_cmpint (online.outcome, ==, TALLY_AUTHORIZE_AUTHORIZED);
  g_assert_true (online.lease_released);
  g_assert_cmpint (stores_available (&rig->base, kim.account_id), ==, 10 - FOUR_IMAGES_COST);
  tally_rules_store_find_device (rig->base.store, kim.id, "laptop", &row, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (row.lease_id, ==, "");
}

static void
save_policy (Rig        *rig,
             const char *account_id,
             TallyLimit  limit,
             gint64      cap)
{
  g_autoptr(GError) error = NULL;
  TallyPolicy policy;

  tally_rules_store_load_policy (rig->base.store, account_id, "UTC", &policy, &error);
  g_assert_no_error (error);
  tally_policy_set_user_cap (&policy, limit, cap, &error);
  g_assert_no_error (error);
  stores_save_policy (&rig->base, account_id, &policy);
}

/* The account's own caps: per run, then daily with what is held counted. */
static void
test_rules_account_caps (Rig           *rig,
                         gconstpointer  data)
{
  g_autofree char *big_id = g_uuid_string_random ();
  g_autofree char *one_id = g_uuid_string_random ();
  g_autofree char *two_id = g_uuid_string_random ();
  g_auto(TallyAuthorizeResult) big = { 0 };
  g_auto(TallyAuthorizeResult) big_again = { 0 };
  g_auto(TallyAuthorizeResult) one = { 0 };
  g_auto(TallyAuthorizeResult) two = { 0 };
  TallyUser hal;

  stores_user_new (&rig->base, "hal@example.com", TALLY_ROLE_MEMBER, &hal);
  grant (rig, hal.account_id, 100);

  save_policy (rig, hal.account_id, TALLY_LIMIT_PER_RUN, 2);
  authorize (rig, &hal, big_id, &big);
  g_assert_cmpint (big.outcome, ==, TALLY_AUTHORIZE_OVER_LIMIT);
  g_assert_cmpint (big.status, ==, 403);
  g_assert_cmpint (big.verdict.limit, ==, TALLY_LIMIT_PER_RUN);
  g_assert_cmpint (big.verdict.cap, ==, 2);
  g_assert_cmpint (big.verdict.requested, ==, FOUR_IMAGES_COST);
  g_assert_false (big.member_cap);
  authorize (rig, &hal, big_id, &big_again);
  g_assert_cmpint (big_again.outcome, ==, TALLY_AUTHORIZE_ANSWERED_BEFORE);
  g_assert_cmpint (big_again.status, ==, 403);
  g_assert_cmpint (stores_available (&rig->base, hal.account_id), ==, 100);

  save_policy (rig, hal.account_id, TALLY_LIMIT_PER_RUN, 0);
  save_policy (rig, hal.account_id, TALLY_LIMIT_DAILY, 5);
  authorize (rig, &hal, one_id, &one);
  g_assert_cmpint (one.outcome, ==, TALLY_AUTHORIZE_AUTHORIZED);
  authorize (rig, &hal, two_id, &two);
  g_assert_cmpint (two.outcome, ==, TALLY_AUTHORIZE_OVER_LIMIT);
  g_assert_cmpint (two.verdict.limit, ==, TALLY_LIMIT_DAILY);
  g_assert_cmpint (two.verdict.spent, ==, FOUR_IMAGES_COST);
  g_assert_cmpint (two.verdict.cap, ==, 5);
  g_assert_cmpint (stores_available (&rig->base, hal.account_id), ==, 100 - FOUR_IMAGES_COST);
}

/* A team's pool: its member's own cap, and a stranger who finds no
 * account. */
static void
test_rules_pool_caps (Rig           *rig,
                      gconstpointer  data)
{
  g_autofree char *one_id = g_uuid_string_random ();
  g_autofree char *two_id = g_uuid_string_random ();
  g_autofree char *stranger_id = g_uuid_string_random ();
  g_auto(TallyAuthorizeResult) one = { 0 };
  g_auto(TallyAuthorizeResult) two = { 0 };
  g_auto(TallyAuthorizeResult) stranger = { 0 };
  g_autoptr(GError) error = NULL;
  TallyMemberChange change = { 0 };
  TallyTeamsContext ctx;
  TallyTeamsResult teams_result;
  TallyTeamMember member;
  TallyUser ida, jo;
  TallyTeam team;

  stores_user_new (&rig->base, "ida@example.com", TALLY_ROLE_MEMBER, &ida);
  stores_user_new (&rig->base, "jo@example.com", TALLY_ROLE_MEMBER, &jo);
  ctx = (TallyTeamsContext) { rig->base.store, rig->audit, &ida };
  stores_begin (&rig->base);
  tally_teams_create (&ctx, "Lab", &team, &error);
  g_assert_no_error (error);
  change.has_daily_cap = TRUE;
  change.daily_cap = 5;
  tally_teams_change_member (&ctx, team.id, ida.id, &change, &member, &teams_result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (teams_result, ==, TALLY_TEAMS_OK);
  stores_commit (&rig->base);
  grant (rig, team.account_id, 100);

  g_assert_true (tally_runs_may_pay (&rig->runs, &ida, ida.account_id));
  g_assert_true (tally_runs_may_pay (&rig->runs, &ida, team.account_id));
  g_assert_false (tally_runs_may_pay (&rig->runs, &jo, team.account_id));

  authorize_on (rig, &ida, one_id, "image-resize", FOUR_IMAGES, team.account_id, &one);
  g_assert_cmpint (one.outcome, ==, TALLY_AUTHORIZE_AUTHORIZED);
  g_assert_cmpstr (one.run.account_id, ==, team.account_id);
  authorize_on (rig, &ida, two_id, "image-resize", FOUR_IMAGES, team.account_id, &two);
  g_assert_cmpint (two.outcome, ==, TALLY_AUTHORIZE_OVER_LIMIT);
  g_assert_true (two.member_cap);
  g_assert_cmpint (two.verdict.limit, ==, TALLY_LIMIT_DAILY);
  g_assert_cmpint (two.verdict.spent, ==, FOUR_IMAGES_COST);

  authorize_on (rig, &jo, stranger_id, "image-resize", FOUR_IMAGES, team.account_id, &stranger);
  g_assert_cmpint (stranger.outcome, ==, TALLY_AUTHORIZE_NO_ACCOUNT);
  assert_no_run (rig, stranger_id);
  g_assert_cmpint (stores_available (&rig->base, team.account_id), ==, 100 - FOUR_IMAGES_COST);
}

/* Each test on SQLite and on PostgreSQL. */
static void
add (const char *name,
     void      (*func) (Rig *rig, gconstpointer data))
{
  for (guint i = 0; i < G_N_ELEMENTS (stores_makers); i++)
    {
      g_autofree char *path = g_strdup_printf ("/runs-rules/%s/%s",
                                               stores_name (stores_makers[i]), name);

      g_test_add (path, Rig, stores_makers[i], rig_setup, func, rig_teardown);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  add ("authorize-complete", test_rules_authorize_complete);
  add ("refusals", test_rules_refusals);
  add ("hold-within-balance", test_rules_hold_within_balance);
  add ("expired-hold", test_rules_expired_hold);
  add ("find-own", test_rules_find_own);
  add ("lease-given-back", test_rules_lease_given_back);
  add ("account-caps", test_rules_account_caps);
  add ("pool-caps", test_rules_pool_caps);

  return stores_run ();
}
