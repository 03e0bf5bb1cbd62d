/* sync-sim.c: a deterministic simulation of offline sync
 *
 * N devices of one user, each with the state the app's cache keeps on
 * disk (outbox, cursor, mirrored transfers, lease) and what it keeps only
 * in memory (the request in flight), against the server's own sync rules
 * (tally-sync-apply.c, with the real decoder and answer of POST /v1/sync)
 * on a real SQLite ledger, over a network that drops, duplicates, delays
 * and reorders requests and answers. Devices' clocks are skewed, devices
 * go offline, spend from their lease, sync, time out, retry and are
 * killed. Every bit of chance comes from one GRand seeded with --seed, so
 * `sync-sim --seed S --steps N` replays a run exactly. See docs/sync.md.
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <tally.h>

#include "sim.h"
#include "tally-store-teams.h"

void
sim_fail (Sim        *sim,
          const char *format,
          ...)
{
  va_list args;

  if (sim->failure != NULL)
    return;

  va_start (args, format);
  sim->failure = g_strdup_vprintf (format, args);
  va_end (args);
}

gboolean
sim_chance (Sim    *sim,
            double  p)
{
  return g_rand_double (sim->rand) < p;
}

void
sim_random_uuid (Sim  *sim,
                 char  out[37])
{
  guint8 bytes[16];

  for (guint i = 0; i < 16; i++)
    bytes[i] = (guint8) g_rand_int_range (sim->rand, 0, 256);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  tally_uuid_from_bytes (bytes, out);
}

gint64
sim_clock (gpointer data)
{
  return ((Sim *) data)->now;
}

/* --- the network --- */

static void
sim_message_free (gpointer data)
{
  SimMessage *message = data;

  g_clear_pointer (&message->body, json_object_unref);
  g_free (message);
}

/* Lost, sent twice, or queued; which is delivered when is drawn later.
 * FALSE when lost. */
gboolean
sim_send (Sim        *sim,
          gboolean    answer,
          guint       device,
          guint       request,
          JsonObject *body)
{
  guint copies = 1;

  if (!sim->devices[device].link_up || sim_chance (sim, 0.1))
    {
      sim->n_drops++;
      return FALSE;
    }
  if (sim_chance (sim, 0.05))
    {
      sim->n_dups++;
      copies = 2;
    }

  for (guint i = 0; i < copies; i++)
    {
      SimMessage *message = g_new0 (SimMessage, 1);

      message->answer = answer;
      message->device = device;
      message->request = request;
      message->body = json_object_ref (body);
      g_ptr_array_add (sim->network, message);
    }
  return TRUE;
}

/* --- steps --- */

static void
deliver (Sim   *sim,
         guint  i)
{
  SimMessage *message = g_ptr_array_steal_index (sim->network, i);
  SimDevice *device = &sim->devices[message->device];

  if (!message->answer)
    {
      g_autoptr(JsonObject) answer = sim_server_sync (sim, message->body);

      /* The key case: the server committed, and its answer is lost. */
      if (answer != NULL && !sim_send (sim, TRUE, message->device, message->request, answer))
        sim->n_lost_answers++;
    }
  /* Only the request the device still waits for is answered: an answer
   * to one it gave up on has no connection to arrive on. */
  else if (device->inflight == message->request)
    sim_device_answer (sim, message->device, message->body);
  else
    sim->n_stale++;

  sim_message_free (message);
}

static void
device_step (Sim   *sim,
             guint  index)
{
  SimDevice *device = &sim->devices[index];
  guint action = g_rand_int_range (sim->rand, 0, 100);

  if (device->inflight != 0 && sim->now - device->inflight_since > SIM_TIMEOUT_USEC)
    {
      /* round_failed(): given up, tried again later. */
      sim->n_timeouts++;
      device->inflight = 0;
    }

  /* Runs, syncs (a kept `more` asks for another at once), kills, the link
   * going down or up, and runs online. */
  if (action < 40)
    sim_device_run (sim, index);
  else if (action < 75 || device->more)
    {
      if (device->inflight == 0)
        sim_device_sync (sim, index);
    }
  else if (action < 77)
    sim_device_kill (sim, index);
  else if (action < 82)
    device->link_up = !device->link_up;
  else if (action < 87)
    sim_device_online_run (sim, index);
}

static void
step (Sim *sim)
{
  guint what = g_rand_int_range (sim->rand, 0, 100);

  sim->now += g_rand_int_range (sim->rand, 0, 3000) * (gint64) 1000;
  sim_server_sweep (sim);
  if (what < 45)
    {
      if (sim->network->len > 0)
        deliver (sim, g_rand_int_range (sim->rand, 0, (gint32) sim->network->len));
    }
  else if (what < 46)
    sim_server_grant (sim);
  else
    device_step (sim, g_rand_int_range (sim->rand, 0, (gint32) sim->n_devices));
}

/* --- invariants --- */

static void
check_account (Sim        *sim,
               const char *account_id)
{
  TallyAccount account;

  if (!tally_ledger_lookup_account (sim->ledger, account_id, &account, NULL))
    {
      sim_fail (sim, "the account %s is gone", account_id);
      return;
    }
  if (tally_account_balance (&account) < 0 || tally_account_available (&account) < 0)
    sim_fail (sim, "the account %s is below zero: balance %" G_GINT64_FORMAT ", available %"
              G_GINT64_FORMAT, account_id, tally_account_balance (&account),
              tally_account_available (&account));
}

/* Offline spending from the pool counts towards the member's caps, and
 * the leases on it are bounded by them: never more than the daily cap in
 * a (UTC) day. */
static void
check_pool_cap (Sim *sim)
{
  gint64 day = G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC;
  gint64 since = sim->now - sim->now % day;
  g_autoptr(GArray) usage = NULL;
  g_autoptr(GError) error = NULL;

  usage = tally_store_pool_usage_by_member (sim->store, sim->pool_id, since, since + day, &error);
  if (usage == NULL)
    {
      sim_fail (sim, "the pool's usage could not be read: %s", error->message);
      return;
    }
  for (guint i = 0; i < usage->len; i++)
    {
      const TallyMemberUsage *member = &g_array_index (usage, TallyMemberUsage, i);

      if (member->spent > SIM_POOL_DAILY_CAP)
        sim_fail (sim, "%" G_GINT64_FORMAT " spent from the pool today, over the daily cap",
                  member->spent);
    }
}

/* No op lost, across kills too: what a device made and was not told
 * about is in its outbox. */
static void
check_outboxes (Sim *sim)
{
  for (guint i = 0; i < sim->n_devices; i++)
    {
      SimDevice *device = &sim->devices[i];

      if (device->created - device->acked != device->outbox->len)
        sim_fail (sim, "%s made %u ops, %u acknowledged, but %u are in its outbox", device->name,
              device->created, device->acked, device->outbox->len);
      sim_device_check_cache (sim, device);
    }
}

static void
check_ledger (Sim *sim)
{
  g_autoptr(GError) error = NULL;

  if (sim->n_writes == sim->checked_writes)
    return;
  sim->checked_writes = sim->n_writes;

  sim->n_checks++;
  if (!tally_ledger_check (sim->ledger, &error))
    sim_fail (sim, "tally_ledger_check: %s", error->message);
}

/* --- settling: the network heals and every device syncs to the end --- */

static void
sync_to_the_end (Sim   *sim,
                 guint  index)
{
  SimDevice *device = &sim->devices[index];

  device->link_up = TRUE;
  for (guint round = 0; round < 100 && sim->failure == NULL; round++)
    {
      g_autoptr(JsonObject) body = sim_device_request (sim, index);
      g_autoptr(JsonObject) answer = sim_server_sync (sim, body);

      if (answer != NULL)
        sim_device_answer (sim, index, answer);
      if (answer != NULL && device->outbox->len == 0 && !device->more)
        return;
    }
  sim_fail (sim, "%s could not sync to the end", device->name);
}

static void
check_converged (Sim   *sim,
                 guint  index)
{
  SimDevice *device = &sim->devices[index];
  const char *account_ids[] = { device->account_id, NULL };
  g_autoptr(GArray) later = NULL;
  TallyAccount account;
  TallyDevice row;

  later = tally_ledger_transfers_after (sim->ledger, account_ids, device->cursor, 1, NULL);
  tally_ledger_lookup_account (sim->ledger, device->account_id, &account, NULL);
  if (later == NULL || later->len > 0)
    sim_fail (sim, "%s's cursor %" G_GINT64_FORMAT " is behind the server", device->name,
          device->cursor);
  if (device->balance != tally_account_balance (&account))
    sim_fail (sim, "%s sees a balance of %" G_GINT64_FORMAT ", the server %" G_GINT64_FORMAT,
          device->name, device->balance, tally_account_balance (&account));
  if (!tally_store_find_device (sim->store, sim->user.id, device->key, &row, NULL))
    return;
  if (row.lease_expires_at > sim->now &&
      (!g_str_equal (row.lease_id, device->lease_id) ||
       row.lease_amount - row.lease_spent != device->lease_remaining))
    sim_fail (sim, "%s's lease is not the server's", device->name);
}

static void
settle (Sim *sim)
{
  sim->n_settles++;
  /* What is still on the wire arrives, in a random order. */
  while (sim->network->len > 0 && sim->failure == NULL)
    deliver (sim, g_rand_int_range (sim->rand, 0, (gint32) sim->network->len));

  for (guint i = 0; i < sim->n_devices && sim->failure == NULL; i++)
    sync_to_the_end (sim, i);
  /* A second pass: each device sees what the others' syncs changed. */
  for (guint i = 0; i < sim->n_devices && sim->failure == NULL; i++)
    {
      sync_to_the_end (sim, i);
      check_converged (sim, i);
    }
  check_outboxes (sim);
  check_pool_cap (sim);
  check_ledger (sim);
}

/* --- the run --- */

static void
init_devices (Sim   *sim,
              guint  n_devices)
{
  sim->n_devices = n_devices;
  sim->devices = g_new0 (SimDevice, n_devices);
  for (guint i = 0; i < n_devices; i++)
    {
      SimDevice *device = &sim->devices[i];

      g_snprintf (device->name, sizeof device->name, "device-%u", i);
      device->skew = g_rand_int_range (sim->rand, -SIM_MAX_SKEW_USEC / 1000,
                                       SIM_MAX_SKEW_USEC / 1000 + 1) * (gint64) 1000;
      device->link_up = TRUE;
      device->outbox = g_array_new (FALSE, FALSE, sizeof (SimOp));
    }
}

/* The ledger, the caches and their journals: files only. */
static void
remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);

      g_unlink (file);
    }
  g_rmdir (path);
}

static void
sim_free (Sim *sim)
{
  for (guint i = 0; i < sim->n_devices; i++)
    {
      g_array_unref (sim->devices[i].outbox);
      g_free (sim->devices[i].key);
      g_clear_object (&sim->devices[i].cache);
    }
  g_free (sim->devices);
  g_ptr_array_unref (sim->network);
  g_array_unref (sim->runs);
  g_hash_table_unref (sim->op_runs);
  g_hash_table_unref (sim->applied);
  g_clear_object (&sim->audit);
  g_clear_object (&sim->writer);
  g_clear_object (&sim->store);
  g_clear_object (&sim->tool);
  g_clear_object (&sim->registry);
  g_clear_pointer (&sim->config, tally_config_free);
  g_clear_object (&sim->ledger);
  if (sim->dir != NULL)
    remove_dir (sim->dir);
  g_free (sim->dir);
  g_free (sim->failure);
  g_rand_free (sim->rand);
}

static void
report (Sim     *sim,
        guint64  seed,
        guint64  steps,
        double   seconds)
{
  g_print ("seed %" G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT " steps in %.2f s (%.0f steps/s)\n",
           seed, steps, seconds, steps / MAX (seconds, 1e-9));
  g_print ("  syncs %" G_GUINT64_FORMAT ", failed %" G_GUINT64_FORMAT ", runs %" G_GUINT64_FORMAT
           " (refused %" G_GUINT64_FORMAT "), ops sent %" G_GUINT64_FORMAT ": applied %"
           G_GUINT64_FORMAT ", duplicate %" G_GUINT64_FORMAT ", rejected %" G_GUINT64_FORMAT
           " (%" G_GUINT64_FORMAT " after their lease expired, %" G_GUINT64_FORMAT " other)\n",
           sim->n_syncs, sim->n_failed, sim->n_runs, sim->n_refused, sim->n_ops_sent,
           sim->n_applied, sim->n_duplicates, sim->n_rejected, sim->n_over_expired,
           sim->n_other_rejections);
  g_print ("  messages dropped %" G_GUINT64_FORMAT " (answers after a commit %" G_GUINT64_FORMAT
           "), duplicated %" G_GUINT64_FORMAT ", stale answers %"
           G_GUINT64_FORMAT ", timeouts %" G_GUINT64_FORMAT ", kills %" G_GUINT64_FORMAT
           ", grants %" G_GUINT64_FORMAT ", settles %" G_GUINT64_FORMAT ", ledger checks %"
           G_GUINT64_FORMAT "\n", sim->n_drops, sim->n_lost_answers, sim->n_dups, sim->n_stale,
           sim->n_timeouts, sim->n_kills, sim->n_grants, sim->n_settles, sim->n_checks);
  g_print ("  balance at the end %" G_GINT64_FORMAT "\n", sim->devices[0].balance);
  g_print ("  online runs %" G_GUINT64_FORMAT " (refused %" G_GUINT64_FORMAT
           ", leases given back for them %" G_GUINT64_FORMAT "), holds expired by the sweep %"
           G_GUINT64_FORMAT "\n", sim->n_online, sim->n_online_refused, sim->n_released,
           sim->n_swept);
}

/* What a run is asked to do, from the command line. */
typedef struct
{
  gint64    seed;
  gint64    steps;
  int       devices;
  int       seeds;
  gint64    check_every;
  gint64    settle_every;
  char     *bug_name;
  SimBug    bug;
  gboolean  real_cache;
  /* Succeed only if every seed fails, with this in its message. */
  char     *expect_failure;
} SimOptions;

static void
print_failure (Sim              *sim,
               const SimOptions *options,
               guint64           seed,
               guint64           steps)
{
  g_print ("FAILED at step %" G_GUINT64_FORMAT ": %s\n", steps, sim->failure);
  g_print ("  replay: sync-sim --seed %" G_GUINT64_FORMAT " --steps %" G_GUINT64_FORMAT
           " --devices %d --settle-every %" G_GINT64_FORMAT "%s%s%s\n", seed, steps,
           options->devices, options->settle_every, options->bug_name ? " --bug " : "",
           options->bug_name ? options->bug_name : "",
           options->real_cache ? " --real-cache" : "");
}

static gboolean
sim_start (Sim              *sim,
           const SimOptions *options,
           guint64           seed)
{
  g_autoptr(GError) error = NULL;

  /* GRand takes 32-bit seeds: both halves, so every seed is its own. */
  sim->rand = g_rand_new_with_seed_array ((const guint32[]) { (guint32) seed,
                                                              (guint32) (seed >> 32) }, 2);
  sim->bug = options->bug;
  sim->checked_writes = G_MAXUINT64;
  sim->real_cache = options->real_cache;
  sim->now = G_GINT64_CONSTANT (1800000000) * G_USEC_PER_SEC;
  sim->network = g_ptr_array_new_with_free_func (sim_message_free);
  sim->runs = g_array_new (FALSE, FALSE, sizeof (SimRun));
  sim->op_runs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sim->applied = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  init_devices (sim, (guint) options->devices);

  if (!sim_server_open (sim, &error))
    {
      g_printerr ("seed %" G_GUINT64_FORMAT ": the server could not start: %s\n", seed,
                  error->message);
      return FALSE;
    }
  for (guint i = 0; i < sim->n_devices; i++)
    {
      SimDevice *device = &sim->devices[i];
      gboolean pool = i % 2 == 1;

      g_strlcpy (device->account_id, pool ? sim->pool_id : sim->user.account_id,
                 sizeof device->account_id);
      device->key = pool ? tally_pool_device_key (sim->pool_id, device->name)
                         : g_strdup (device->name);
      sim_device_open_cache (sim, i);
    }
  return TRUE;
}

/* One seed: the failure's message, or NULL when every invariant held. */
static char *
run_sim (const SimOptions *options,
         guint64           seed)
{
  Sim sim = { 0 };
  g_autoptr(GTimer) timer = g_timer_new ();
  guint64 steps = (guint64) options->steps;
  guint64 done = 0;
  char *failure;

  if (!sim_start (&sim, options, seed))
    {
      sim_free (&sim);
      return g_strdup ("the server could not start");
    }

  for (done = 1; done <= steps && sim.failure == NULL; done++)
    {
      step (&sim);
      check_account (&sim, sim.user.account_id);
      check_account (&sim, sim.pool_id);
      check_outboxes (&sim);
      if (done % (guint64) options->check_every == 0)
        check_ledger (&sim);
      if (done % (guint64) options->settle_every == 0 || done == steps)
        settle (&sim);
    }

  report (&sim, seed, done - 1, g_timer_elapsed (timer, NULL));
  if (sim.failure != NULL)
    print_failure (&sim, options, seed, done - 1);
  failure = g_steal_pointer (&sim.failure);
  sim_free (&sim);
  return failure;
}

static gboolean
parse_bug (const char *name,
           SimBug     *bug)
{
  if (name == NULL)
    *bug = BUG_NONE;
  else if (g_str_equal (name, "fresh-ids"))
    *bug = BUG_FRESH_IDS;
  else if (g_str_equal (name, "volatile-outbox"))
    *bug = BUG_VOLATILE_OUTBOX;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_options (int          *argc,
               char       ***argv,
               SimOptions   *options)
{
  const GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_INT64, &options->seed,
      "The first seed (default: from the time)", "S" },
    { "seeds", 0, 0, G_OPTION_ARG_INT, &options->seeds, "How many seeds, from the first on",
      "K" },
    { "steps", 0, 0, G_OPTION_ARG_INT64, &options->steps, "Steps per seed", "N" },
    { "devices", 0, 0, G_OPTION_ARG_INT, &options->devices, "Devices of the user", "D" },
    { "check-every", 0, 0, G_OPTION_ARG_INT64, &options->check_every,
      "Steps between two tally_ledger_check() of the whole ledger (skipped while nothing was "
      "written)", "C" },
    { "settle-every", 0, 0, G_OPTION_ARG_INT64, &options->settle_every,
      "Steps between two settlings (network healed, every device synced, convergence checked)",
      "T" },
    { "bug", 0, 0, G_OPTION_ARG_STRING, &options->bug_name,
      "Inject a bug: fresh-ids or volatile-outbox", "BUG" },
    { "real-cache", 0, 0, G_OPTION_ARG_NONE, &options->real_cache,
      "Check the device model against the app's own cache, fed the same ops and answers", NULL },
    { "expect-failure", 0, 0, G_OPTION_ARG_STRING, &options->expect_failure,
      "Succeed only if every seed breaks an invariant whose message has TEXT", "TEXT" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("— simulate offline sync");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return FALSE;
    }
  if (!parse_bug (options->bug_name, &options->bug) || options->steps < 1 ||
      options->devices < 1 || options->seeds < 1 || options->check_every < 1 ||
      options->settle_every < 1 || (options->real_cache && options->bug != BUG_NONE))
    {
      g_printerr ("Bad arguments: see --help\n");
      return FALSE;
    }
  if (options->seed < 0)
    options->seed = g_get_real_time () % 1000000;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  SimOptions options = { -1, 10000, 4, 1, 100, 2000, NULL, BUG_NONE, FALSE, NULL };
  guint failed = 0, expected = 0;

  if (!parse_options (&argc, &argv, &options))
    return 2;

  for (int i = 0; i < options.seeds; i++)
    {
      g_autofree char *failure = run_sim (&options, (guint64) options.seed + (guint64) i);

      if (failure != NULL)
        failed++;
      if (failure != NULL && options.expect_failure != NULL &&
          strstr (failure, options.expect_failure) != NULL)
        expected++;
    }

  g_free (options.bug_name);
  if (options.expect_failure != NULL)
    {
      g_free (options.expect_failure);
      return expected == (guint) options.seeds ? 0 : 1;
    }
  return failed == 0 ? 0 : 1;
}
