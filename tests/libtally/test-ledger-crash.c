/* test-ledger-crash.c: SIGKILL in the middle of commits loses nothing
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Round after round, a forked child opens the ledger file as a real process
 * would (durable mode, synchronous=FULL) and commits batches of transfers as
 * fast as it can, writing each batch number to a pipe once
 * tally_ledger_create_transfers() has returned TRUE for it. The parent kills
 * it with SIGKILL at a random moment, reopens the file and checks that
 * tally_ledger_check() is clean, that every acknowledged batch is there whole
 * and exactly once, that the batch in flight is there whole or not at all,
 * and that the balances and seq are what the batches present add up to.
 *
 * Batches are a pure function of their number, so expectations need no
 * state: batch b funds a user, holds, posts or voids the hold of batch b-3,
 * runs a linked chain that holds and, sometimes, one that fails or is left
 * open. Re-submitting a committed batch must answer exists for each of its
 * transfers that was ok and change nothing.
 *
 * TALLY_CRASH_ROUNDS=<n> sets the number of rounds (50); TALLY_CRASH_SEED
 * replays the parent's random choices.
 */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tally.h"

#define DEFAULT_ROUNDS  50
#define CRASH_NS        "crash-test"
#define N_USERS         4
#define N_ACCOUNTS      (TALLY_N_SYSTEM_ACCOUNTS + N_USERS)
#define MAX_CRASH_BATCH 40
#define SETTLE_LAG      3

/* What a child's exit code means. */
enum
{
  CHILD_OPEN_FAILED = 10,
  CHILD_ACCOUNT_FAILED,
  CHILD_CREATE_FAILED,
  CHILD_WRONG_RESULTS,
  CHILD_PIPE_FAILED,
};

typedef struct
{
  TallyTransfer       transfers[MAX_CRASH_BATCH];
  TallyTransferResult expected[MAX_CRASH_BATCH];
  guint               n;
} CrashBatch;

typedef struct
{
  gint64 debits_pending;
  gint64 debits_posted;
  gint64 credits_pending;
  gint64 credits_posted;
} Columns;

/* System accounts first, at the index of their TallySystemAccount. */
static char account_ids[N_ACCOUNTS][TALLY_UUID_LEN];

static const char *
user_id (gint64 b)
{
  return account_ids[TALLY_N_SYSTEM_ACCOUNTS + b % N_USERS];
}

static const char *
system_id (TallySystemAccount which)
{
  return account_ids[which];
}

static void
init_account_ids (void)
{
  guint i;

  for (i = 0; i < TALLY_N_SYSTEM_ACCOUNTS; i++)
    g_strlcpy (account_ids[i], tally_system_account_id ((TallySystemAccount) i), TALLY_UUID_LEN);
  for (i = 0; i < N_USERS; i++)
    {
      char name[32];

      g_snprintf (name, sizeof name, "user-%u", i);
      tally_uuid_derive (CRASH_NS, name, account_ids[TALLY_N_SYSTEM_ACCOUNTS + i]);
    }
}

static int
account_index (const char *id)
{
  guint i;

  for (i = 0; i < N_ACCOUNTS; i++)
    if (g_ascii_strcasecmp (account_ids[i], id) == 0)
      return (int) i;
  return -1;
}

/* ------------------------------------------------------------------ */
/* The batches                                                         */
/* ------------------------------------------------------------------ */

static gint64
fund_amount (gint64 b)
{
  return 1000 + b % 97;
}

static gint64
hold_amount (gint64 b)
{
  return 100 + b % 50;
}

static void
transfer_id (gint64  b,
             guint   i,
             char    out[TALLY_UUID_LEN])
{
  char name[64];

  g_snprintf (name, sizeof name, "batch-%" G_GINT64_FORMAT "-%u", b, i);
  tally_uuid_derive (CRASH_NS, name, out);
}

static TallyTransfer *
batch_add (CrashBatch          *batch,
           gint64               b,
           const char          *debit,
           const char          *credit,
           gint64               amount,
           TallyTransferKind    kind,
           TallyTransferFlags   flags,
           TallyTransferResult  expected)
{
  TallyTransfer *t;

  g_assert (batch->n < MAX_CRASH_BATCH);
  t = &batch->transfers[batch->n];
  memset (t, 0, sizeof *t);
  transfer_id (b, batch->n, t->id);
  if (debit != NULL)
    g_strlcpy (t->debit_account_id, debit, TALLY_UUID_LEN);
  if (credit != NULL)
    g_strlcpy (t->credit_account_id, credit, TALLY_UUID_LEN);
  t->amount = amount;
  t->kind = kind;
  t->flags = flags;
  g_snprintf (t->ref, sizeof t->ref, "batch-%" G_GINT64_FORMAT, b);
  g_snprintf (t->description, sizeof t->description, "transfer %u of batch %" G_GINT64_FORMAT,
              batch->n, b);
  batch->expected[batch->n] = expected;
  batch->n++;
  return t;
}

/* Transfer 0 of every batch always succeeds: its presence says whether the
 * batch was committed. Transfer 1 is the hold that batch b + SETTLE_LAG
 * settles. */
static void
build_batch (gint64      b,
             CrashBatch *batch)
{
  const char *u = user_id (b);
  const char *v = user_id (b + 1);
  TallyTransfer *t;
  guint i;

  batch->n = 0;
  batch_add (batch, b, system_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS), u, fund_amount (b),
             TALLY_TRANSFER_KIND_PURCHASE, 0, TALLY_TRANSFER_OK);

  t = batch_add (batch, b, u, system_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION), hold_amount (b),
                 TALLY_TRANSFER_KIND_CONSUMPTION, TALLY_TRANSFER_FLAG_PENDING, TALLY_TRANSFER_OK);
  /* A timeout far beyond the test, so that the clock plays no part. */
  t->timeout = b % 2 == 1 ? G_MAXUINT32 : 0;
  t->units = b % 10;
  g_strlcpy (t->tool_id, "ocr", sizeof t->tool_id);

  if (b >= SETTLE_LAG)
    {
      gint64 p = b - SETTLE_LAG;

      if (b % 5 == 0)
        t = batch_add (batch, b, NULL, NULL, b % 2 == 0 ? 0 : hold_amount (p),
                       TALLY_TRANSFER_KIND_CONSUMPTION, TALLY_TRANSFER_FLAG_VOID_PENDING,
                       TALLY_TRANSFER_OK);
      else
        t = batch_add (batch, b, b % 2 == 0 ? user_id (p) : NULL, NULL, hold_amount (p) - b % 7,
                       TALLY_TRANSFER_KIND_CONSUMPTION, TALLY_TRANSFER_FLAG_POST_PENDING,
                       TALLY_TRANSFER_OK);
      transfer_id (p, 1, t->pending_id);
      t->units = b % 13;
    }
  else
    {
      batch_add (batch, b, system_id (TALLY_SYSTEM_ACCOUNT_GRANTS), u, 5,
                 TALLY_TRANSFER_KIND_GRANT, 0, TALLY_TRANSFER_OK);
    }

  /* A chain that holds: the second needs the first's credit. */
  batch_add (batch, b, u, v, 10, TALLY_TRANSFER_KIND_ALLOCATION, TALLY_TRANSFER_FLAG_LINKED,
             TALLY_TRANSFER_OK);
  batch_add (batch, b, v, system_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION), 3,
             TALLY_TRANSFER_KIND_CONSUMPTION, 0, TALLY_TRANSFER_OK);

  if (b % 3 == 0)
    {
      /* A chain that fails, whatever the state: nothing of it is applied. */
      batch_add (batch, b, system_id (TALLY_SYSTEM_ACCOUNT_GRANTS), u, 7,
                 TALLY_TRANSFER_KIND_GRANT, TALLY_TRANSFER_FLAG_LINKED,
                 TALLY_TRANSFER_LINKED_EVENT_FAILED);
      batch_add (batch, b, u, system_id (TALLY_SYSTEM_ACCOUNT_CONSUMPTION), 0,
                 TALLY_TRANSFER_KIND_CONSUMPTION, 0, TALLY_TRANSFER_AMOUNT_ZERO);
    }
  else
    {
      batch_add (batch, b, u, system_id (TALLY_SYSTEM_ACCOUNT_PROMOTIONS), 1,
                 TALLY_TRANSFER_KIND_REFUND, 0, TALLY_TRANSFER_OK);
    }

  /* Some larger batches, so that kills land inside longer commits. */
  if (b % 10 == 0)
    for (i = 0; i < 20; i++)
      batch_add (batch, b, system_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS), v, 1,
                 TALLY_TRANSFER_KIND_PURCHASE, 0, TALLY_TRANSFER_OK);

  if (b % 4 == 1)
    {
      /* A chain left open at the end of the batch. */
      batch_add (batch, b, system_id (TALLY_SYSTEM_ACCOUNT_GRANTS), v, 2,
                 TALLY_TRANSFER_KIND_GRANT, TALLY_TRANSFER_FLAG_LINKED,
                 TALLY_TRANSFER_LINKED_EVENT_FAILED);
      batch_add (batch, b, system_id (TALLY_SYSTEM_ACCOUNT_GRANTS), v, 2,
                 TALLY_TRANSFER_KIND_GRANT, TALLY_TRANSFER_FLAG_LINKED,
                 TALLY_TRANSFER_LINKED_EVENT_CHAIN_OPEN);
    }
}

/* What a batch must answer the second time: exists where it was ok. */
static TallyTransferResult
resubmit_result (TallyTransferResult first)
{
  return first == TALLY_TRANSFER_OK ? TALLY_TRANSFER_EXISTS : first;
}

static gboolean
results_match (const CrashBatch          *batch,
               const TallyTransferResult *results,
               gboolean                   resubmitted)
{
  guint i;

  for (i = 0; i < batch->n; i++)
    {
      TallyTransferResult want = resubmitted ? resubmit_result (batch->expected[i])
                                             : batch->expected[i];

      if (results[i] != want)
        return FALSE;
    }
  return TRUE;
}

static const char *
result_name (TallyTransferResult r)
{
  const char *name = NULL;

  if ((guint) r < (guint) TALLY_N_TRANSFER_RESULTS)
    name = tally_transfer_result_to_string (r);
  return name != NULL ? name : "(not a result)";
}

/* ------------------------------------------------------------------ */
/* The child                                                           */
/* ------------------------------------------------------------------ */

static void
child_print_results (gint64                     b,
                     const CrashBatch          *batch,
                     const TallyTransferResult *results)
{
  guint i;

  for (i = 0; i < batch->n; i++)
    g_printerr ("crash child: batch %" G_GINT64_FORMAT " transfer %u: expected %s, got %s\n", b, i,
                result_name (batch->expected[i]), result_name (results[i]));
}

/* Never returns. Touches nothing of the parent's but the inherited pipe. */
static void G_GNUC_NORETURN
run_child (const char *path,
           gint64      first,
           gboolean    first_may_exist,
           int         ack_fd)
{
  g_autoptr(GError) error = NULL;
  CrashBatch batch;
  TallyTransferResult results[MAX_CRASH_BATCH];
  TallyLedger *ledger;
  TallyAccount account;
  gint64 b;
  guint i;

  ledger = tally_ledger_open (path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  if (ledger == NULL)
    {
      g_printerr ("crash child: open: %s\n", error->message);
      _exit (CHILD_OPEN_FAILED);
    }
  /* Idempotent: the accounts are there already. */
  for (i = 0; i < N_USERS; i++)
    {
      tally_account_init (&account, account_ids[TALLY_N_SYSTEM_ACCOUNTS + i],
                          TALLY_ACCOUNT_KIND_USER,
                          TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS, "crash user", "UTC");
      if (!tally_ledger_create_account (ledger, &account, &error))
        {
          g_printerr ("crash child: create account: %s\n", error->message);
          _exit (CHILD_ACCOUNT_FAILED);
        }
    }

  for (b = first;; b++)
    {
      build_batch (b, &batch);
      if (!tally_ledger_create_transfers (ledger, batch.transfers, batch.n, results, &error))
        {
          g_printerr ("crash child: batch %" G_GINT64_FORMAT ": %s\n", b, error->message);
          _exit (CHILD_CREATE_FAILED);
        }
      if (!results_match (&batch, results, FALSE) &&
          !(b == first && first_may_exist && results_match (&batch, results, TRUE)))
        {
          child_print_results (b, &batch, results);
          _exit (CHILD_WRONG_RESULTS);
        }
      if (write (ack_fd, &b, sizeof b) != sizeof b)
        _exit (CHILD_PIPE_FAILED);
    }
}

/* ------------------------------------------------------------------ */
/* The parent                                                          */
/* ------------------------------------------------------------------ */

typedef struct
{
  guint32  seed;
  GRand   *rand;
  char    *dir;
  char    *path;
  gint64   applied;      /* highest batch known to be in the file, or -1 */
  gint64   highest_ack;  /* highest batch a child acknowledged, or -1 */
  gint64   seq;          /* what the batches up to applied add up to */
  gboolean applied_unacked; /* batch applied lost its acknowledgement */
  Columns  columns[N_ACCOUNTS];
  /* This round's pipe. */
  guint8   partial[sizeof (gint64)];
  gsize    n_partial;
  gint64   last_ack_in_round;
  guint    acks_in_round;
  gboolean failed;
  /* Statistics */
  guint    rounds;
  guint    kills;
  guint    acks;
  guint    kills_before_first_ack;
  guint    unacked_commits;
  guint    child_resubmits;
  guint    parent_resubmits;
} Crash;

static void crash_fail (Crash      *c,
                        const char *format,
                        ...) G_GNUC_PRINTF (2, 3);

static void
crash_fail (Crash      *c,
            const char *format,
            ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (c->failed)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_test_message ("FAILED in round %u (seed %u, replay with TALLY_CRASH_SEED=%u): %s",
                  c->rounds, c->seed, c->seed, message);
  g_test_fail_printf ("round %u (seed %u): %s", c->rounds, c->seed, message);
  c->failed = TRUE;
}

static guint
crash_rnd (Crash *c,
           guint  n)
{
  return (guint) g_rand_int_range (c->rand, 0, (gint32) n);
}

/* Reads what the pipe holds; FALSE once the child has closed it. */
static gboolean
read_acks (Crash *c,
           int    fd)
{
  guint8 buf[8 * 512];
  ssize_t n;
  gsize i;

  n = read (fd, buf, sizeof buf);
  if (n < 0)
    return errno == EINTR || errno == EAGAIN;
  if (n == 0)
    return FALSE;
  for (i = 0; i < (gsize) n; i++)
    {
      c->partial[c->n_partial++] = buf[i];
      if (c->n_partial == sizeof (gint64))
        {
          gint64 ack;

          memcpy (&ack, c->partial, sizeof ack);
          c->n_partial = 0;
          if (c->acks_in_round > 0 && ack != c->last_ack_in_round + 1)
            crash_fail (c, "acknowledgements out of order: %" G_GINT64_FORMAT " after %" G_GINT64_FORMAT,
                        ack, c->last_ack_in_round);
          c->last_ack_in_round = ack;
          c->acks_in_round++;
          c->acks++;
          c->highest_ack = MAX (c->highest_ack, ack);
        }
    }
  return TRUE;
}

/* Reads acknowledgements until @want of them came this round, @max_ms
 * passed, or the child closed the pipe. */
static void
wait_acks (Crash  *c,
           int     fd,
           guint   want,
           gint64  max_us)
{
  gint64 deadline = g_get_monotonic_time () + max_us;

  while (c->acks_in_round < want)
    {
      struct pollfd pfd = { fd, POLLIN, 0 };
      gint64 left = deadline - g_get_monotonic_time ();
      int r;

      if (left <= 0)
        break;
      if (left < 1000)
        {
          g_usleep ((gulong) left);
          r = poll (&pfd, 1, 0);
        }
      else
        {
          r = poll (&pfd, 1, (int) (left / 1000));
        }
      if (r < 0 && errno != EINTR)
        break;
      if (r > 0 && !read_acks (c, fd))
        break;
    }
}

static void
apply_transfer (Columns             *columns,
                const TallyTransfer *t,
                gint64               b)
{
  int di;
  int ci;

  if ((t->flags & (TALLY_TRANSFER_FLAG_POST_PENDING | TALLY_TRANSFER_FLAG_VOID_PENDING)) != 0)
    {
      CrashBatch pb;
      const TallyTransfer *p;

      build_batch (b - SETTLE_LAG, &pb);
      p = &pb.transfers[1];
      di = account_index (p->debit_account_id);
      ci = account_index (p->credit_account_id);
      g_assert (di >= 0 && ci >= 0);
      columns[di].debits_pending -= p->amount;
      columns[ci].credits_pending -= p->amount;
      if ((t->flags & TALLY_TRANSFER_FLAG_POST_PENDING) != 0)
        {
          columns[di].debits_posted += t->amount;
          columns[ci].credits_posted += t->amount;
        }
      return;
    }
  di = account_index (t->debit_account_id);
  ci = account_index (t->credit_account_id);
  g_assert (di >= 0 && ci >= 0);
  if ((t->flags & TALLY_TRANSFER_FLAG_PENDING) != 0)
    {
      columns[di].debits_pending += t->amount;
      columns[ci].credits_pending += t->amount;
    }
  else
    {
      columns[di].debits_posted += t->amount;
      columns[ci].credits_posted += t->amount;
    }
}

static gboolean
batch_marker_present (Crash       *c,
                      TallyLedger *ledger,
                      gint64       b)
{
  g_autoptr(GError) error = NULL;
  char id[TALLY_UUID_LEN];
  TallyTransfer got;

  transfer_id (b, 0, id);
  if (tally_ledger_lookup_transfer (ledger, id, &got, &error))
    return TRUE;
  if (!g_error_matches (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND))
    crash_fail (c, "looking up %s: %s", id, error ? error->message : "no error");
  return FALSE;
}

/* Every ok transfer of batch @b is there with its fields and the seq it
 * must have, the others are not; then the batch counts as applied. */
static void
verify_present (Crash       *c,
                TallyLedger *ledger,
                gint64       b,
                gint64      *seq,
                Columns     *columns)
{
  CrashBatch batch;
  guint i;

  build_batch (b, &batch);
  for (i = 0; i < batch.n && !c->failed; i++)
    {
      const TallyTransfer *t = &batch.transfers[i];
      g_autoptr(GError) error = NULL;
      gboolean ok = batch.expected[i] == TALLY_TRANSFER_OK;
      TallyTransfer got;

      memset (&got, 0, sizeof got);
      if (!tally_ledger_lookup_transfer (ledger, t->id, &got, &error))
        {
          if (ok)
            crash_fail (c, "batch %" G_GINT64_FORMAT " is committed (its transfer 0 is there) but its"
                        " transfer %u (%s) is missing: %s", b, i, t->id,
                        error ? error->message : "no error");
          else if (!g_error_matches (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND))
            crash_fail (c, "looking up %s: %s", t->id, error ? error->message : "no error");
          continue;
        }
      if (!ok)
        {
          crash_fail (c, "batch %" G_GINT64_FORMAT " transfer %u (%s) failed with %s, yet it is in"
                      " the ledger", b, i, t->id, result_name (batch.expected[i]));
          continue;
        }
      ++*seq;
      if (got.seq != *seq || got.amount != t->amount || got.flags != t->flags ||
          got.kind != t->kind || got.timeout != t->timeout || got.units != t->units ||
          strcmp (got.ref, t->ref) != 0 || strcmp (got.description, t->description) != 0 ||
          strcmp (got.tool_id, t->tool_id) != 0 ||
          g_ascii_strcasecmp (got.pending_id, t->pending_id) != 0 ||
          (t->debit_account_id[0] != '\0' &&
           g_ascii_strcasecmp (got.debit_account_id, t->debit_account_id) != 0) ||
          (t->credit_account_id[0] != '\0' &&
           g_ascii_strcasecmp (got.credit_account_id, t->credit_account_id) != 0))
        {
          crash_fail (c, "batch %" G_GINT64_FORMAT " transfer %u (%s) is stored as seq %" G_GINT64_FORMAT
                      " amount %" G_GINT64_FORMAT " flags 0x%x kind %u ref \"%s\"; expected seq %"
                      G_GINT64_FORMAT " amount %" G_GINT64_FORMAT " flags 0x%x kind %u ref \"%s\"",
                      b, i, t->id, got.seq, got.amount, (guint) got.flags, (guint) got.kind, got.ref,
                      *seq, t->amount, (guint) t->flags, (guint) t->kind, t->ref);
          continue;
        }
      apply_transfer (columns, t, b);
    }
}

/* Nothing of batch @b is there. */
static void
verify_absent (Crash       *c,
               TallyLedger *ledger,
               gint64       b)
{
  CrashBatch batch;
  guint i;
  guint n_present = 0;

  build_batch (b, &batch);
  for (i = 0; i < batch.n; i++)
    {
      g_autoptr(GError) error = NULL;
      TallyTransfer got;

      if (tally_ledger_lookup_transfer (ledger, batch.transfers[i].id, &got, &error))
        n_present++;
    }
  if (n_present > 0)
    crash_fail (c, "batch %" G_GINT64_FORMAT " is half applied: its transfer 0 is missing but %u of"
                " its %u transfers are in the ledger", b, n_present, batch.n);
}

static void
verify_columns (Crash         *c,
                TallyLedger   *ledger,
                gint64         seq,
                const Columns *columns,
                const char    *when)
{
  guint i;

  if (tally_ledger_get_last_seq (ledger) != seq)
    crash_fail (c, "%s: last seq %" G_GINT64_FORMAT ", the batches up to %" G_GINT64_FORMAT
                " add up to %" G_GINT64_FORMAT, when, tally_ledger_get_last_seq (ledger),
                c->applied, seq);
  for (i = 0; i < N_ACCOUNTS && !c->failed; i++)
    {
      g_autoptr(GError) error = NULL;
      TallyAccount a;

      if (!tally_ledger_lookup_account (ledger, account_ids[i], &a, &error))
        {
          crash_fail (c, "%s: account %s: %s", when, account_ids[i], error->message);
          return;
        }
      if (a.debits_pending != columns[i].debits_pending ||
          a.debits_posted != columns[i].debits_posted ||
          a.credits_pending != columns[i].credits_pending ||
          a.credits_posted != columns[i].credits_posted)
        crash_fail (c, "%s: account %s has %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "/%"
                    G_GINT64_FORMAT "/%" G_GINT64_FORMAT " (debits pending/posted, credits"
                    " pending/posted); the batches up to %" G_GINT64_FORMAT " add up to %"
                    G_GINT64_FORMAT "/%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
                    when, account_ids[i], a.debits_pending, a.debits_posted, a.credits_pending,
                    a.credits_posted, c->applied, columns[i].debits_pending,
                    columns[i].debits_posted, columns[i].credits_pending,
                    columns[i].credits_posted);
    }
}

static void
verify_check (Crash       *c,
              TallyLedger *ledger)
{
  g_autoptr(GError) error = NULL;

  if (!tally_ledger_check (ledger, &error))
    crash_fail (c, "tally_ledger_check() after the kill: %s", error ? error->message : "no error");
}

/* Re-submitting the last committed batch answers exists for each transfer
 * that was ok, with its seq, and changes nothing. */
static void
verify_resubmit (Crash       *c,
                 TallyLedger *ledger,
                 gint64       b)
{
  g_autoptr(GError) error = NULL;
  CrashBatch batch;
  TallyTransferResult results[MAX_CRASH_BATCH];
  guint i;

  build_batch (b, &batch);
  if (!tally_ledger_create_transfers (ledger, batch.transfers, batch.n, results, &error))
    {
      crash_fail (c, "re-submitting batch %" G_GINT64_FORMAT ": %s", b, error->message);
      return;
    }
  for (i = 0; i < batch.n; i++)
    {
      TallyTransferResult want = resubmit_result (batch.expected[i]);

      if (results[i] != want)
        {
          crash_fail (c, "re-submitting batch %" G_GINT64_FORMAT ": transfer %u answered %s, expected %s",
                      b, i, result_name (results[i]), result_name (want));
          return;
        }
      if (want == TALLY_TRANSFER_EXISTS)
        {
          TallyTransfer got;

          if (!tally_ledger_lookup_transfer (ledger, batch.transfers[i].id, &got, &error) ||
              got.seq != batch.transfers[i].seq || got.created_at != batch.transfers[i].created_at)
            {
              crash_fail (c, "re-submitting batch %" G_GINT64_FORMAT ": transfer %u answered exists"
                          " with seq %" G_GINT64_FORMAT ", not the stored one's", b, i,
                          batch.transfers[i].seq);
              return;
            }
        }
    }
  c->parent_resubmits++;
  verify_columns (c, ledger, c->seq, c->columns, "after re-submitting the last batch");
}

/* After a kill: what is in the file, and is it whole? */
static void
verify_after_kill (Crash  *c,
                   gint64  first)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyLedger) ledger = NULL;
  gint64 round_top = c->acks_in_round > 0 ? c->last_ack_in_round : first - 1;
  gint64 b;

  ledger = tally_ledger_open (c->path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  if (ledger == NULL)
    {
      crash_fail (c, "reopening after the kill: %s", error->message);
      return;
    }
  verify_check (c, ledger);

  for (b = c->applied + 1; !c->failed && batch_marker_present (c, ledger, b); b++)
    {
      verify_present (c, ledger, b, &c->seq, c->columns);
      c->applied = b;
    }
  if (c->failed)
    return;
  verify_absent (c, ledger, c->applied + 1);
  verify_absent (c, ledger, c->applied + 2);

  if (c->highest_ack > c->applied)
    crash_fail (c, "batch %" G_GINT64_FORMAT " was acknowledged but the file holds batches up to %"
                G_GINT64_FORMAT " only", c->highest_ack, c->applied);
  /* The child acknowledges each batch as soon as it is committed: only the
   * one in flight when it died may be there without its acknowledgement. */
  if (c->applied > round_top + 1)
    crash_fail (c, "the file holds batches up to %" G_GINT64_FORMAT " but this child, which started"
                " at %" G_GINT64_FORMAT ", acknowledged up to %" G_GINT64_FORMAT " only",
                c->applied, first, round_top);
  c->applied_unacked = c->applied == round_top + 1 && c->applied >= first;
  if (c->applied_unacked)
    c->unacked_commits++;

  verify_columns (c, ledger, c->seq, c->columns, "after the kill");
  if (!c->failed && c->applied >= 0)
    verify_resubmit (c, ledger, c->applied);
}

static const char *
child_exit_meaning (int code)
{
  switch (code)
    {
    case CHILD_OPEN_FAILED:
      return "tally_ledger_open() failed";
    case CHILD_ACCOUNT_FAILED:
      return "tally_ledger_create_account() failed";
    case CHILD_CREATE_FAILED:
      return "tally_ledger_create_transfers() returned FALSE";
    case CHILD_WRONG_RESULTS:
      return "a batch got other results than expected (see stderr)";
    case CHILD_PIPE_FAILED:
      return "writing to the pipe failed";
    default:
      return "unexpected exit";
    }
}

static void
run_round (Crash *c)
{
  gint64 first = c->applied + 1;
  gboolean may_exist = FALSE;
  int fds[2];
  int status = 0;
  pid_t pid;
  guint mode = crash_rnd (c, 3);

  /* A commit that lost its acknowledgement: sometimes the next child
   * starts from the last acknowledged batch and re-submits it. */
  if (c->applied_unacked && crash_rnd (c, 2) == 0)
    {
      first = c->applied;
      may_exist = TRUE;
      c->child_resubmits++;
    }

  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (fds[0]);
      run_child (c->path, first, may_exist, fds[1]);
    }
  close (fds[1]);

  c->n_partial = 0;
  c->acks_in_round = 0;
  c->last_ack_in_round = first - 1;
  switch (mode)
    {
    case 0:
      /* At a random moment, acknowledged or not; now and then while the
       * child is still opening the file. */
      wait_acks (c, fds[0], G_MAXUINT, crash_rnd (c, 4) == 0 ? crash_rnd (c, 3000)
                                                              : crash_rnd (c, 30001));
      break;
    case 1:
      /* Right after an acknowledgement: the next commit is under way. */
      wait_acks (c, fds[0], 1 + crash_rnd (c, 15), 20 * G_USEC_PER_SEC);
      break;
    case 2:
      wait_acks (c, fds[0], 1 + crash_rnd (c, 15), 20 * G_USEC_PER_SEC);
      wait_acks (c, fds[0], G_MAXUINT, crash_rnd (c, 3000));
      break;
    default:
      g_assert_not_reached ();
    }
  kill (pid, SIGKILL);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  /* Whatever the child wrote before it died is in the pipe. */
  while (read_acks (c, fds[0]))
    ;
  close (fds[0]);

  if (WIFEXITED (status))
    crash_fail (c, "the child exited by itself with %d: %s", WEXITSTATUS (status),
                child_exit_meaning (WEXITSTATUS (status)));
  else if (!WIFSIGNALED (status) || WTERMSIG (status) != SIGKILL)
    crash_fail (c, "the child died of signal %d, not of our SIGKILL",
                WIFSIGNALED (status) ? WTERMSIG (status) : -1);
  if (c->acks_in_round == 0)
    c->kills_before_first_ack++;
  c->kills++;
  if (!c->failed)
    verify_after_kill (c, first);
}

/* At the end, everything again from batch 0, and the pending states. */
static void
verify_all (Crash *c)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyLedger) ledger = NULL;
  Columns columns[N_ACCOUNTS];
  gint64 seq = 0;
  gint64 b;

  memset (columns, 0, sizeof columns);
  ledger = tally_ledger_open (c->path, TALLY_LEDGER_OPEN_READ_ONLY, &error);
  if (ledger == NULL)
    {
      crash_fail (c, "opening read-only at the end: %s", error->message);
      return;
    }
  verify_check (c, ledger);
  for (b = 0; b <= c->applied && !c->failed; b++)
    {
      char pending_id[TALLY_UUID_LEN];
      TallyPendingState state;
      TallyPendingState want;

      verify_present (c, ledger, b, &seq, columns);
      transfer_id (b, 1, pending_id);
      if (b + SETTLE_LAG > c->applied)
        want = TALLY_PENDING_STATE_PENDING;
      else if ((b + SETTLE_LAG) % 5 == 0)
        want = TALLY_PENDING_STATE_VOIDED;
      else
        want = TALLY_PENDING_STATE_POSTED;
      if (!tally_ledger_lookup_pending_state (ledger, pending_id, &state, &error) || state != want)
        crash_fail (c, "the hold of batch %" G_GINT64_FORMAT " is in state %d, expected %d%s%s", b,
                    error ? -1 : (int) state, (int) want, error ? ": " : "",
                    error ? error->message : "");
    }
  verify_absent (c, ledger, c->applied + 1);
  verify_columns (c, ledger, seq, columns, "at the end");
}

static void
test_crash (void)
{
  g_autoptr(GError) error = NULL;
  const char *rounds_env = g_getenv ("TALLY_CRASH_ROUNDS");
  const char *seed_env = g_getenv ("TALLY_CRASH_SEED");
  guint n_rounds = rounds_env ? (guint) g_ascii_strtoull (rounds_env, NULL, 10) : DEFAULT_ROUNDS;
  gint64 start = g_get_monotonic_time ();
  TallyLedger *ledger;
  TallyAccount account;
  Crash c;
  guint i;

  memset (&c, 0, sizeof c);
  c.seed = seed_env ? (guint32) g_ascii_strtoull (seed_env, NULL, 10) : g_random_int ();
  c.rand = g_rand_new_with_seed (c.seed);
  c.applied = -1;
  c.highest_ack = -1;
  g_test_message ("seed %u (replay with TALLY_CRASH_SEED=%u), %u rounds", c.seed, c.seed, n_rounds);

  init_account_ids ();
  c.dir = g_dir_make_tmp ("tally-crash-XXXXXX", &error);
  g_assert_no_error (error);
  c.path = g_build_filename (c.dir, "ledger.db", NULL);

  ledger = tally_ledger_open (c.path, TALLY_LEDGER_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  for (i = 0; i < N_USERS; i++)
    {
      tally_account_init (&account, account_ids[TALLY_N_SYSTEM_ACCOUNTS + i],
                          TALLY_ACCOUNT_KIND_USER,
                          TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS, "crash user", "UTC");
      g_assert_true (tally_ledger_create_account (ledger, &account, &error));
      g_assert_no_error (error);
    }
  g_clear_object (&ledger);

  for (c.rounds = 0; c.rounds < n_rounds && !c.failed; c.rounds++)
    run_round (&c);
  if (!c.failed)
    verify_all (&c);

  g_test_message ("%u rounds, %u kills (%u before the child's first acknowledgement), %u"
                  " acknowledgements, batches 0..%" G_GINT64_FORMAT " committed (seq %" G_GINT64_FORMAT
                  "), %u commits lost their acknowledgement, %u child re-submissions, %u parent"
                  " re-submissions, %.1f s",
                  c.rounds, c.kills, c.kills_before_first_ack, c.acks, c.applied, c.seq,
                  c.unacked_commits, c.child_resubmits, c.parent_resubmits,
                  (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);
  g_rand_free (c.rand);
  {
    const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

    for (i = 0; i < G_N_ELEMENTS (suffixes); i++)
      {
        g_autofree char *file = g_strconcat (c.path, suffixes[i], NULL);

        g_unlink (file);
      }
  }
  g_rmdir (c.dir);
  g_free (c.dir);
  g_free (c.path);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ledger/crash/sigkill", test_crash);

  return g_test_run ();
}
