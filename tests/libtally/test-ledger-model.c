/* test-ledger-model.c: the ledger against an independent model of its rules
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A model-based test. The model below is written from docs/ledger.md alone:
 * accounts with their four columns and flags, transfers by id, pending
 * states, the seq counter, linked chains, idempotency and expiry. A seeded
 * generator throws batches of transfers at the model and at a real ledger
 * (valid ones, duplicates, same id with other fields, invalid input,
 * overdrafts, amounts near G_MAXINT64, linked chains that fail or are left
 * open, posts and voids of every kind of pending, clock jumps and expiry) and
 * every result, seq, balance and stored transfer must agree.
 *
 * TALLY_MODEL_SEED=<seed> replays a run (the seed is printed in every
 * failure); TALLY_MODEL_OPS=<n> changes the number of transfers (100000).
 */

#include "config.h"

#include <string.h>

#include "tally.h"
#include "tally-test-common.h"

#define DEFAULT_N_OPS 100000
#define MAX_BATCH     64
#define CHECK_EVERY   1000
#define RECENT_SIZE   512
#define USEC          G_GINT64_CONSTANT (1000000)
#define START_TIME    G_GINT64_CONSTANT (1767225600000000) /* 2026-01-01 */
/* What all committed transfers may move in total, so that no sum over the
 * whole ledger (which tally_ledger_check() computes) exceeds an int64 in
 * the random run; test_large_totals() covers the other case. */
#define VOLUME_BUDGET (G_GINT64_CONSTANT (1) << 62)
#define NIL_UUID      "00000000-0000-0000-0000-000000000000"
#define FLAGS_SETTLE  (TALLY_TRANSFER_FLAG_POST_PENDING | TALLY_TRANSFER_FLAG_VOID_PENDING)
#define FLAGS_PHASE   (TALLY_TRANSFER_FLAG_PENDING | FLAGS_SETTLE)
#define DMNEC         TALLY_ACCOUNT_FLAG_DEBITS_MUST_NOT_EXCEED_CREDITS
#define CMNED         TALLY_ACCOUNT_FLAG_CREDITS_MUST_NOT_EXCEED_DEBITS

#define SET_FIELD(field, value) set_field ((field), sizeof (field), (value))

/* The accounts: the six system accounts first, at the index of their
 * TallySystemAccount, then these. */
enum
{
  ACC_USER_0 = TALLY_N_SYSTEM_ACCOUNTS,
  ACC_USER_1,
  ACC_USER_2,
  ACC_TEAM_0,
  ACC_LEASE_0,
  ACC_PLAIN_0,
  ACC_LATE_0,
  N_ACCOUNTS
};

typedef struct
{
  guint             index;
  const char       *name;
  TallyAccountKind  kind;
  TallyAccountFlags flags;
  gboolean          late;
} ExtraAccount;

static const ExtraAccount extra_accounts[] = {
  { ACC_USER_0, "user-0", TALLY_ACCOUNT_KIND_USER, DMNEC, FALSE },
  { ACC_USER_1, "user-1", TALLY_ACCOUNT_KIND_USER, DMNEC, FALSE },
  { ACC_USER_2, "user-2", TALLY_ACCOUNT_KIND_USER, DMNEC, FALSE },
  { ACC_TEAM_0, "team-0", TALLY_ACCOUNT_KIND_TEAM, DMNEC, FALSE },
  { ACC_LEASE_0, "lease-0", TALLY_ACCOUNT_KIND_LEASE, CMNED, FALSE },
  { ACC_PLAIN_0, "plain-0", TALLY_ACCOUNT_KIND_LEASE, TALLY_ACCOUNT_FLAG_NONE, FALSE },
  /* Created a third of the way in: unknown until then. */
  { ACC_LATE_0, "late-0", TALLY_ACCOUNT_KIND_USER, DMNEC, TRUE },
};

static const guint user_accounts[] = {
  ACC_USER_0, ACC_USER_1, ACC_USER_2, ACC_TEAM_0, ACC_LATE_0,
};
static const guint source_accounts[] = {
  TALLY_SYSTEM_ACCOUNT_PAYMENTS, TALLY_SYSTEM_ACCOUNT_GRANTS,
  TALLY_SYSTEM_ACCOUNT_PROMOTIONS, TALLY_SYSTEM_ACCOUNT_ADJUSTMENTS,
};
static const guint sink_accounts[] = {
  TALLY_SYSTEM_ACCOUNT_CONSUMPTION, TALLY_SYSTEM_ACCOUNT_EXPIRED,
  TALLY_SYSTEM_ACCOUNT_ADJUSTMENTS, ACC_PLAIN_0,
};

/* ------------------------------------------------------------------ */
/* The model                                                           */
/* ------------------------------------------------------------------ */

typedef struct
{
  char              id[TALLY_UUID_LEN];
  TallyAccountFlags flags;
  gboolean          exists;
  gint64            debits_pending;
  gint64            debits_posted;
  gint64            credits_pending;
  gint64            credits_posted;
} ModelAccount;

/* A transfer as the ledger must have stored it: ids in canonical (lower
 * case) form, a post or void with its pending transfer's accounts. */
typedef struct
{
  TallyTransfer     t;
  TallyPendingState state;
} ModelTransfer;

typedef enum
{
  UNDO_ACCOUNT,
  UNDO_INSERT,
  UNDO_STATE,
} UndoKind;

typedef struct
{
  UndoKind          kind;
  guint             account;
  ModelAccount      saved;
  ModelTransfer    *transfer;
  TallyPendingState state;
} UndoEntry;

typedef struct
{
  ModelAccount accounts[N_ACCOUNTS];
  GHashTable  *by_id;  /* canonical id -> ModelTransfer */
  GPtrArray   *all;    /* owns the ModelTransfers, in commit order */
  GPtrArray   *open;   /* pending transfers, compacted between batches */
  GArray      *undo;   /* UndoEntry, since the last commit */
  gint64       seq;
  gint64       last_created_at;
  gint64       volume;
} Model;

typedef struct
{
  guint  undo_len;
  gint64 seq;
  gint64 last_created_at;
  gint64 volume;
} ModelMark;

static gboolean
field_terminated (const char *field,
                  gsize       size)
{
  return memchr (field, '\0', size) != NULL;
}

/* The canonical form of a UUID field, or FALSE when it is not one. */
static gboolean
uuid_canonical (const char *field,
                char        out[TALLY_UUID_LEN])
{
  guint i;

  if (!field_terminated (field, TALLY_UUID_LEN) || !g_uuid_string_is_valid (field))
    return FALSE;
  for (i = 0; i < TALLY_UUID_LEN - 1; i++)
    out[i] = g_ascii_tolower (field[i]);
  out[TALLY_UUID_LEN - 1] = '\0';
  return TRUE;
}

static void
set_field (char       *field,
           gsize       size,
           const char *value)
{
  memset (field, 0, size);
  g_strlcpy (field, value, size);
}

static gint64
sat_add (gint64 a,
         gint64 b)
{
  if (b > 0 && a > G_MAXINT64 - b)
    return G_MAXINT64;
  if (b < 0 && a < G_MININT64 - b)
    return G_MININT64;
  return a + b;
}

static gboolean
pending_deadline_passed (const TallyTransfer *p,
                         gint64               now)
{
  return p->timeout != 0 && p->created_at + (gint64) p->timeout * USEC <= now;
}

static void
model_init (Model *m)
{
  memset (m, 0, sizeof *m);
  m->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  m->all = g_ptr_array_new_with_free_func (g_free);
  m->open = g_ptr_array_new ();
  m->undo = g_array_new (FALSE, TRUE, sizeof (UndoEntry));
}

static void
model_clear (Model *m)
{
  g_clear_pointer (&m->by_id, g_hash_table_unref);
  g_clear_pointer (&m->open, g_ptr_array_unref);
  g_clear_pointer (&m->all, g_ptr_array_unref);
  g_clear_pointer (&m->undo, g_array_unref);
}

static ModelMark
model_mark (const Model *m)
{
  ModelMark mark;

  mark.undo_len = m->undo->len;
  mark.seq = m->seq;
  mark.last_created_at = m->last_created_at;
  mark.volume = m->volume;
  return mark;
}

static void
model_commit (Model *m)
{
  g_array_set_size (m->undo, 0);
}

static void
model_rollback (Model           *m,
                const ModelMark *mark)
{
  while (m->undo->len > mark->undo_len)
    {
      UndoEntry *e = &g_array_index (m->undo, UndoEntry, m->undo->len - 1);

      switch (e->kind)
        {
        case UNDO_ACCOUNT:
          m->accounts[e->account] = e->saved;
          break;
        case UNDO_INSERT:
          g_hash_table_remove (m->by_id, e->transfer->t.id);
          if ((e->transfer->t.flags & TALLY_TRANSFER_FLAG_PENDING) != 0)
            {
              g_assert_cmpuint (m->open->len, >, 0);
              g_assert_true (g_ptr_array_index (m->open, m->open->len - 1) == e->transfer);
              g_ptr_array_remove_index (m->open, m->open->len - 1);
            }
          g_assert_true (g_ptr_array_index (m->all, m->all->len - 1) == e->transfer);
          g_ptr_array_remove_index (m->all, m->all->len - 1);
          break;
        case UNDO_STATE:
          e->transfer->state = e->state;
          break;
        default:
          g_assert_not_reached ();
        }
      g_array_set_size (m->undo, m->undo->len - 1);
    }
  m->seq = mark->seq;
  m->last_created_at = mark->last_created_at;
  m->volume = mark->volume;
}

static void
model_save_account (Model *m,
                    guint  index)
{
  UndoEntry e;

  memset (&e, 0, sizeof e);
  e.kind = UNDO_ACCOUNT;
  e.account = index;
  e.saved = m->accounts[index];
  g_array_append_val (m->undo, e);
}

static void
model_set_state (Model             *m,
                 ModelTransfer     *p,
                 TallyPendingState  state)
{
  UndoEntry e;

  memset (&e, 0, sizeof e);
  e.kind = UNDO_STATE;
  e.transfer = p;
  e.state = p->state;
  g_array_append_val (m->undo, e);
  p->state = state;
}

static void
model_insert (Model         *m,
              ModelTransfer *mt)
{
  UndoEntry e;

  g_ptr_array_add (m->all, mt);
  g_hash_table_insert (m->by_id, mt->t.id, mt);
  if ((mt->t.flags & TALLY_TRANSFER_FLAG_PENDING) != 0)
    g_ptr_array_add (m->open, mt);
  memset (&e, 0, sizeof e);
  e.kind = UNDO_INSERT;
  e.transfer = mt;
  g_array_append_val (m->undo, e);
}

static void
model_compact_open (Model *m)
{
  guint i;
  guint j = 0;

  for (i = 0; i < m->open->len; i++)
    {
      ModelTransfer *p = g_ptr_array_index (m->open, i);

      if (p->state == TALLY_PENDING_STATE_PENDING)
        m->open->pdata[j++] = p;
    }
  g_ptr_array_set_size (m->open, j);
}

static int
model_account_index (const Model *m,
                     const char  *canonical)
{
  guint i;

  for (i = 0; i < N_ACCOUNTS; i++)
    if (m->accounts[i].exists && strcmp (m->accounts[i].id, canonical) == 0)
      return (int) i;
  return -1;
}

static ModelTransfer *
model_lookup (const Model *m,
              const char  *canonical)
{
  return g_hash_table_lookup (m->by_id, canonical);
}

/* Checks 1 to 7 of docs/ledger.md: everything that needs no state. */
static TallyTransferResult
model_validate (const TallyTransfer *t)
{
  char id[TALLY_UUID_LEN];
  char debit[TALLY_UUID_LEN];
  char credit[TALLY_UUID_LEN];
  char pending[TALLY_UUID_LEN];
  guint flags = (guint) t->flags;
  guint phase = flags & FLAGS_PHASE;

  if ((flags & ~(guint) TALLY_TRANSFER_FLAGS_ALL) != 0)
    return TALLY_TRANSFER_FLAGS_INVALID;
  if (!uuid_canonical (t->id, id) || strcmp (id, NIL_UUID) == 0)
    return TALLY_TRANSFER_ID_INVALID;
  if (!field_terminated (t->ref, sizeof t->ref) ||
      !field_terminated (t->tool_id, sizeof t->tool_id) ||
      !field_terminated (t->description, sizeof t->description) ||
      !field_terminated (t->debit_account_id, sizeof t->debit_account_id) ||
      !field_terminated (t->credit_account_id, sizeof t->credit_account_id) ||
      !field_terminated (t->pending_id, sizeof t->pending_id))
    return TALLY_TRANSFER_FIELD_NOT_TERMINATED;
  if ((guint) t->kind >= (guint) TALLY_N_TRANSFER_KINDS)
    return TALLY_TRANSFER_KIND_INVALID;
  if ((phase & (phase - 1)) != 0)
    return TALLY_TRANSFER_FLAGS_ARE_MUTUALLY_EXCLUSIVE;
  if (t->amount < 0)
    return TALLY_TRANSFER_AMOUNT_NEGATIVE;
  if (t->units < 0)
    return TALLY_TRANSFER_UNITS_NEGATIVE;

  if ((flags & FLAGS_SETTLE) != 0)
    {
      if (!uuid_canonical (t->pending_id, pending))
        return TALLY_TRANSFER_PENDING_ID_REQUIRED;
      if (strcmp (pending, id) == 0)
        return TALLY_TRANSFER_PENDING_ID_SAME_AS_ID;
      if (t->timeout != 0)
        return TALLY_TRANSFER_TIMEOUT_RESERVED_FOR_PENDING;
      if (t->debit_account_id[0] != '\0' && !uuid_canonical (t->debit_account_id, debit))
        return TALLY_TRANSFER_ACCOUNT_ID_INVALID;
      if (t->credit_account_id[0] != '\0' && !uuid_canonical (t->credit_account_id, credit))
        return TALLY_TRANSFER_ACCOUNT_ID_INVALID;
      if (t->debit_account_id[0] != '\0' && t->credit_account_id[0] != '\0' &&
          strcmp (debit, credit) == 0)
        return TALLY_TRANSFER_SAME_ACCOUNT;
    }
  else
    {
      if (t->pending_id[0] != '\0')
        return TALLY_TRANSFER_PENDING_ID_MUST_BE_EMPTY;
      if (!uuid_canonical (t->debit_account_id, debit) ||
          !uuid_canonical (t->credit_account_id, credit))
        return TALLY_TRANSFER_ACCOUNT_ID_INVALID;
      if (strcmp (debit, credit) == 0)
        return TALLY_TRANSFER_SAME_ACCOUNT;
      if (t->timeout != 0 && (flags & TALLY_TRANSFER_FLAG_PENDING) == 0)
        return TALLY_TRANSFER_TIMEOUT_RESERVED_FOR_PENDING;
      if (t->amount == 0)
        return TALLY_TRANSFER_AMOUNT_ZERO;
    }
  return TALLY_TRANSFER_OK;
}

/* Check 8: is @t the same as the stored transfer of its id? */
static gboolean
model_same_fields (const TallyTransfer *t,
                   const char          *debit,
                   const char          *credit,
                   const TallyTransfer *stored)
{
  char pending[TALLY_UUID_LEN] = "";
  gboolean settle = (t->flags & FLAGS_SETTLE) != 0;

  if (!(settle && debit[0] == '\0') && strcmp (debit, stored->debit_account_id) != 0)
    return FALSE;
  if (!(settle && credit[0] == '\0') && strcmp (credit, stored->credit_account_id) != 0)
    return FALSE;
  if (t->pending_id[0] != '\0' && !uuid_canonical (t->pending_id, pending))
    return FALSE;
  return t->amount == stored->amount &&
         strcmp (pending, stored->pending_id) == 0 &&
         t->units == stored->units &&
         t->timeout == stored->timeout &&
         t->flags == stored->flags &&
         t->kind == stored->kind &&
         strcmp (t->ref, stored->ref) == 0 &&
         strcmp (t->tool_id, stored->tool_id) == 0 &&
         strcmp (t->description, stored->description) == 0;
}

/* Check 10, for a post or void. */
static TallyTransferResult
model_check_settle (const Model          *m,
                    const TallyTransfer  *t,
                    const char           *debit,
                    const char           *credit,
                    gint64                clock,
                    ModelTransfer       **p_out)
{
  char pending[TALLY_UUID_LEN];
  ModelTransfer *p;

  uuid_canonical (t->pending_id, pending);
  p = model_lookup (m, pending);
  if (p == NULL)
    return TALLY_TRANSFER_PENDING_NOT_FOUND;
  if ((p->t.flags & TALLY_TRANSFER_FLAG_PENDING) == 0)
    return TALLY_TRANSFER_PENDING_NOT_PENDING;
  if (debit[0] != '\0' && strcmp (debit, p->t.debit_account_id) != 0)
    return TALLY_TRANSFER_PENDING_DIFFERENT_DEBIT_ACCOUNT;
  if (credit[0] != '\0' && strcmp (credit, p->t.credit_account_id) != 0)
    return TALLY_TRANSFER_PENDING_DIFFERENT_CREDIT_ACCOUNT;
  if (p->state == TALLY_PENDING_STATE_POSTED)
    return TALLY_TRANSFER_PENDING_ALREADY_POSTED;
  if (p->state == TALLY_PENDING_STATE_VOIDED)
    return TALLY_TRANSFER_PENDING_ALREADY_VOIDED;
  if (p->state == TALLY_PENDING_STATE_EXPIRED || pending_deadline_passed (&p->t, clock))
    return TALLY_TRANSFER_PENDING_EXPIRED;
  if ((t->flags & TALLY_TRANSFER_FLAG_POST_PENDING) != 0)
    {
      if (t->amount > p->t.amount)
        return TALLY_TRANSFER_AMOUNT_EXCEEDS_PENDING;
      if (t->amount == 0)
        return TALLY_TRANSFER_AMOUNT_ZERO;
    }
  else if (t->amount != 0 && t->amount != p->t.amount)
    {
      return t->amount > p->t.amount ? TALLY_TRANSFER_AMOUNT_EXCEEDS_PENDING
                                     : TALLY_TRANSFER_PENDING_DIFFERENT_AMOUNT;
    }
  *p_out = p;
  return TALLY_TRANSFER_OK;
}

/* a + b + c > G_MAXINT64, for a, b, c >= 0 */
static gboolean
sum_overflows (gint64 a,
               gint64 b,
               gint64 c)
{
  return a > G_MAXINT64 - b || c > G_MAXINT64 - (a + b);
}

/* Checks 11 and 12, for a single-phase or pending transfer. */
static TallyTransferResult
model_check_amounts (const Model         *m,
                     const TallyTransfer *t,
                     int                  di,
                     int                  ci,
                     gint64               created_at)
{
  const ModelAccount *d = &m->accounts[di];
  const ModelAccount *c = &m->accounts[ci];

  if (sum_overflows (d->debits_pending, d->debits_posted, t->amount))
    return TALLY_TRANSFER_OVERFLOWS_DEBITS;
  if (sum_overflows (c->credits_pending, c->credits_posted, t->amount))
    return TALLY_TRANSFER_OVERFLOWS_CREDITS;
  if (t->timeout != 0 && created_at > G_MAXINT64 - (gint64) t->timeout * USEC)
    return TALLY_TRANSFER_OVERFLOWS_TIMEOUT;
  if ((d->flags & DMNEC) != 0 &&
      d->debits_pending + d->debits_posted + t->amount > d->credits_posted)
    return TALLY_TRANSFER_EXCEEDS_CREDITS;
  if ((c->flags & CMNED) != 0 &&
      c->credits_pending + c->credits_posted + t->amount > c->debits_posted)
    return TALLY_TRANSFER_EXCEEDS_DEBITS;
  return TALLY_TRANSFER_OK;
}

/* One transfer, outside of chain handling: its result, and on ok its
 * effects (journaled, so that a chain can be rolled back). */
static TallyTransferResult
model_execute (Model               *m,
               const TallyTransfer *t,
               gint64               clock,
               gint64               created_at,
               gint64              *seq,
               gint64              *created)
{
  char id[TALLY_UUID_LEN];
  char debit[TALLY_UUID_LEN] = "";
  char credit[TALLY_UUID_LEN] = "";
  TallyTransferResult r;
  ModelTransfer *stored;
  ModelTransfer *p = NULL;
  ModelTransfer *mt;
  ModelAccount *d;
  ModelAccount *c;
  int di;
  int ci;

  *seq = 0;
  *created = 0;
  r = model_validate (t);
  if (r != TALLY_TRANSFER_OK)
    return r;

  uuid_canonical (t->id, id);
  if (t->debit_account_id[0] != '\0')
    uuid_canonical (t->debit_account_id, debit);
  if (t->credit_account_id[0] != '\0')
    uuid_canonical (t->credit_account_id, credit);

  stored = model_lookup (m, id);
  if (stored != NULL)
    {
      if (!model_same_fields (t, debit, credit, &stored->t))
        return TALLY_TRANSFER_EXISTS_WITH_DIFFERENT_FIELDS;
      *seq = stored->t.seq;
      *created = stored->t.created_at;
      return TALLY_TRANSFER_EXISTS;
    }

  if ((t->flags & FLAGS_SETTLE) == 0)
    {
      di = model_account_index (m, debit);
      ci = model_account_index (m, credit);
      if (di < 0 || ci < 0)
        return TALLY_TRANSFER_ACCOUNT_NOT_FOUND;
      r = model_check_amounts (m, t, di, ci, created_at);
    }
  else
    {
      r = model_check_settle (m, t, debit, credit, clock, &p);
      if (r != TALLY_TRANSFER_OK)
        return r;
      di = model_account_index (m, p->t.debit_account_id);
      ci = model_account_index (m, p->t.credit_account_id);
      g_assert_cmpint (di, >=, 0);
      g_assert_cmpint (ci, >=, 0);
    }
  if (r != TALLY_TRANSFER_OK)
    return r;

  model_save_account (m, (guint) di);
  model_save_account (m, (guint) ci);
  d = &m->accounts[di];
  c = &m->accounts[ci];

  mt = g_new0 (ModelTransfer, 1);
  memcpy (mt->t.id, id, TALLY_UUID_LEN);
  memcpy (mt->t.debit_account_id, m->accounts[di].id, TALLY_UUID_LEN);
  memcpy (mt->t.credit_account_id, m->accounts[ci].id, TALLY_UUID_LEN);
  if (p != NULL)
    memcpy (mt->t.pending_id, p->t.id, TALLY_UUID_LEN);
  mt->t.amount = t->amount;
  mt->t.units = t->units;
  mt->t.timeout = t->timeout;
  mt->t.flags = t->flags;
  mt->t.kind = t->kind;
  SET_FIELD (mt->t.ref, t->ref);
  SET_FIELD (mt->t.tool_id, t->tool_id);
  SET_FIELD (mt->t.description, t->description);
  mt->t.seq = ++m->seq;
  mt->t.created_at = created_at;
  m->last_created_at = created_at;

  if ((t->flags & TALLY_TRANSFER_FLAG_PENDING) != 0)
    {
      d->debits_pending += t->amount;
      c->credits_pending += t->amount;
      mt->state = TALLY_PENDING_STATE_PENDING;
      m->volume = sat_add (m->volume, t->amount);
    }
  else if ((t->flags & TALLY_TRANSFER_FLAG_POST_PENDING) != 0)
    {
      d->debits_pending -= p->t.amount;
      d->debits_posted += t->amount;
      c->credits_pending -= p->t.amount;
      c->credits_posted += t->amount;
      model_set_state (m, p, TALLY_PENDING_STATE_POSTED);
      m->volume = sat_add (m->volume, t->amount);
    }
  else if ((t->flags & TALLY_TRANSFER_FLAG_VOID_PENDING) != 0)
    {
      d->debits_pending -= p->t.amount;
      c->credits_pending -= p->t.amount;
      model_set_state (m, p, TALLY_PENDING_STATE_VOIDED);
    }
  else
    {
      d->debits_posted += t->amount;
      c->credits_posted += t->amount;
      m->volume = sat_add (m->volume, t->amount);
    }
  model_insert (m, mt);
  *seq = mt->t.seq;
  *created = created_at;
  return TALLY_TRANSFER_OK;
}

/* A whole batch, with linked chains. The model's state after it is what the
 * ledger's must be; model_commit() or model_rollback() follows.
 *
 * A chain still open at the end of the batch (its last transfer is LINKED)
 * is not evaluated at all: its last transfer is chain_open, the others
 * linked_event_failed (docs/ledger.md). @alternatives is kept for any
 * reading the spec leaves open; today it always equals @results. */
static void
model_run_batch (Model               *m,
                 const TallyTransfer *batch,
                 guint                n,
                 gint64               clock,
                 TallyTransferResult *results,
                 TallyTransferResult *alternatives,
                 gint64              *seqs,
                 gint64              *created)
{
  gint64 created_at = MAX (clock, m->last_created_at);
  guint i = 0;

  while (i < n)
    {
      ModelMark mark;
      gboolean open;
      gboolean failed = FALSE;
      guint failed_at = 0;
      guint j = i;
      guint k;

      while (j < n - 1 && (batch[j].flags & TALLY_TRANSFER_FLAG_LINKED) != 0)
        j++;
      if (j == i && (batch[i].flags & TALLY_TRANSFER_FLAG_LINKED) == 0)
        {
          results[i] = model_execute (m, &batch[i], clock, created_at, &seqs[i], &created[i]);
          alternatives[i] = results[i];
          i++;
          continue;
        }

      /* A chain from i to j; open when its last one is linked too. */
      open = (batch[j].flags & TALLY_TRANSFER_FLAG_LINKED) != 0;
      if (open)
        {
          for (k = i; k <= j; k++)
            {
              results[k] = alternatives[k] = TALLY_TRANSFER_LINKED_EVENT_FAILED;
              seqs[k] = 0;
              created[k] = 0;
            }
          results[j] = alternatives[j] = TALLY_TRANSFER_LINKED_EVENT_CHAIN_OPEN;
          i = j + 1;
          continue;
        }

      mark = model_mark (m);
      for (k = i; k <= j; k++)
        {
          results[k] = model_execute (m, &batch[k], clock, created_at, &seqs[k], &created[k]);
          if (results[k] != TALLY_TRANSFER_OK && results[k] != TALLY_TRANSFER_EXISTS)
            {
              failed = TRUE;
              failed_at = k;
              break;
            }
        }
      if (failed)
        {
          model_rollback (m, &mark);
          for (k = i; k <= j; k++)
            {
              if (k != failed_at)
                {
                  results[k] = TALLY_TRANSFER_LINKED_EVENT_FAILED;
                  seqs[k] = 0;
                  created[k] = 0;
                }
              alternatives[k] = results[k];
            }
        }
      else
        {
          for (k = i; k <= j; k++)
            alternatives[k] = results[k];
        }
      i = j + 1;
    }
}

/* ------------------------------------------------------------------ */
/* The test context and its generator                                  */
/* ------------------------------------------------------------------ */

typedef struct
{
  guint32        seed;
  GRand         *rand;
  Model          model;
  char          *dir;
  char          *path;
  TallyLedger   *ledger;
  gint64         clock;
  guint64        n_ops;
  guint64        op;               /* transfers submitted so far */
  GArray        *recent;           /* TallyTransfer, a ring of what was sent */
  guint          recent_next;
  TallyTransfer  batch_pendings[MAX_BATCH];
  guint          n_batch_pendings;
  char           unknown[2][TALLY_UUID_LEN];
  gboolean       no_big;
  gboolean       in_chain;
  gboolean       budget_spent;     /* big successes no longer fit */
  const TallyTransfer *cur_batch;  /* the batch being generated */
  guint          cur_n;
  gboolean       only_new;         /* the clock went back: no post or void */
  gboolean       far_future;
  gboolean       late_created;
  gboolean       reopened;
  gboolean       stop;
  guint64        counts[TALLY_N_TRANSFER_RESULTS];
  guint          n_batches;
  guint          n_regenerated;
  guint          n_clock_back;
  guint          n_expire_calls;
  guint          n_expired;
  guint          n_checks;
  guint          n_lookups;
} Ctx;

static gint64
fake_clock (gpointer user_data)
{
  return *(const gint64 *) user_data;
}

static guint
rnd (Ctx   *ctx,
     guint  n)
{
  g_assert (n > 0 && n < G_MAXINT32);
  return (guint) g_rand_int_range (ctx->rand, 0, (gint32) n);
}

static gboolean
chance (Ctx   *ctx,
        guint  percent)
{
  return rnd (ctx, 100) < percent;
}

/* Uniform enough in [lo, hi]. */
static gint64
rnd64 (Ctx    *ctx,
       gint64  lo,
       gint64  hi)
{
  guint64 span = (guint64) hi - (guint64) lo + 1;
  guint64 x = ((guint64) g_rand_int (ctx->rand) << 32) | g_rand_int (ctx->rand);

  if (hi <= lo)
    return lo;
  if (span == 0)
    return (gint64) x;
  return (gint64) ((guint64) lo + x % span);
}

static void
gen_uuid (Ctx  *ctx,
          char  out[TALLY_UUID_LEN])
{
  guint32 a = g_rand_int (ctx->rand);
  guint32 b = g_rand_int (ctx->rand);
  guint32 c = g_rand_int (ctx->rand);
  guint32 d = g_rand_int (ctx->rand);

  g_snprintf (out, TALLY_UUID_LEN, "%08x-%04x-%04x-%04x-%04x%08x",
              a, b >> 16, (b & 0x0fff) | 0x4000, ((c >> 16) & 0x3fff) | 0x8000,
              c & 0xffff, d);
}

static void
upcase_field (char  *field,
              gsize  size)
{
  gsize i;

  for (i = 0; i < size && field[i] != '\0'; i++)
    field[i] = g_ascii_toupper (field[i]);
}

/* Bytes after the terminator are not part of the field. */
static void
scribble_after_nul (Ctx   *ctx,
                    char  *field,
                    gsize  size)
{
  const char *nul = memchr (field, '\0', size);
  gsize i;

  if (nul == NULL)
    return;
  for (i = (gsize) (nul - field) + 1; i < size; i++)
    field[i] = (char) (1 + rnd (ctx, 255));
}

static void
scribble_transfer (Ctx           *ctx,
                   TallyTransfer *t)
{
  scribble_after_nul (ctx, t->debit_account_id, sizeof t->debit_account_id);
  scribble_after_nul (ctx, t->credit_account_id, sizeof t->credit_account_id);
  scribble_after_nul (ctx, t->pending_id, sizeof t->pending_id);
  scribble_after_nul (ctx, t->ref, sizeof t->ref);
  scribble_after_nul (ctx, t->tool_id, sizeof t->tool_id);
  scribble_after_nul (ctx, t->description, sizeof t->description);
}

static void
gen_text (Ctx        *ctx,
          char       *field,
          gsize       size,
          const char *prefix)
{
  static const char *const specials[] = {
    "'; DROP TABLE transfers; --",
    "%s%s%n%x",
    "cr\303\251dits \342\202\254",
    "tab\tnew\nline \"quoted\" \\",
    "\377\376 not utf-8",
    "NULL",
    " ",
  };
  guint r = rnd (ctx, 100);
  gsize len;
  gsize i;

  memset (field, 0, size);
  if (r < 40)
    {
      g_snprintf (field, size, "%s-%u", prefix, rnd (ctx, 50));
    }
  else if (r < 60)
    {
      /* empty */
    }
  else if (r < 72)
    {
      g_strlcpy (field, specials[rnd (ctx, G_N_ELEMENTS (specials))], size);
    }
  else
    {
      len = r < 82 ? size - 1 : 1 + rnd (ctx, (guint) size - 1);
      for (i = 0; i < len; i++)
        field[i] = (char) (' ' + rnd (ctx, 95));
    }
}

static gint64
gen_amount (Ctx *ctx)
{
  guint r = rnd (ctx, 100);

  if (r < 55)
    return 1 + rnd (ctx, 100);
  if (r < 85)
    return 1 + rnd (ctx, 10000);
  if (r < 97)
    return 1 + rnd (ctx, 1000000);
  return rnd64 (ctx, 1, G_GINT64_CONSTANT (1) << 32);
}

static guint32
gen_timeout (Ctx *ctx)
{
  guint r = rnd (ctx, 100);

  if (ctx->far_future && r < 60)
    {
      /* Around the largest timeout that does not overflow. */
      gint64 created = MAX (ctx->clock, ctx->model.last_created_at);
      gint64 limit = (G_MAXINT64 - created) / USEC;
      gint64 timeout = limit - 1 + rnd (ctx, 4);

      return (guint32) CLAMP (timeout, 1, (gint64) G_MAXUINT32);
    }
  if (r < 30)
    return 0;
  if (r < 70)
    return 1 + rnd (ctx, 60);
  if (r < 90)
    return 60 + rnd (ctx, 600);
  if (r < 96)
    return 1 + rnd (ctx, 5);
  return G_MAXUINT32;
}

static void
pick_pair (Ctx   *ctx,
           guint *debit,
           guint *credit)
{
  guint r = rnd (ctx, 100);

  if (r < 35)
    {
      *debit = source_accounts[rnd (ctx, G_N_ELEMENTS (source_accounts))];
      *credit = user_accounts[rnd (ctx, G_N_ELEMENTS (user_accounts))];
    }
  else if (r < 65)
    {
      *debit = user_accounts[rnd (ctx, G_N_ELEMENTS (user_accounts))];
      *credit = sink_accounts[rnd (ctx, G_N_ELEMENTS (sink_accounts))];
    }
  else if (r < 75)
    {
      *debit = user_accounts[rnd (ctx, G_N_ELEMENTS (user_accounts))];
      do
        *credit = user_accounts[rnd (ctx, G_N_ELEMENTS (user_accounts))];
      while (*credit == *debit);
    }
  else if (r < 87)
    {
      switch (rnd (ctx, 4))
        {
        case 0:
          *debit = ACC_LEASE_0;
          *credit = user_accounts[rnd (ctx, G_N_ELEMENTS (user_accounts))];
          break;
        case 1:
          *debit = user_accounts[rnd (ctx, G_N_ELEMENTS (user_accounts))];
          *credit = ACC_LEASE_0;
          break;
        case 2:
          *debit = ACC_PLAIN_0;
          *credit = ACC_LEASE_0;
          break;
        case 3:
          *debit = ACC_LEASE_0;
          *credit = source_accounts[rnd (ctx, G_N_ELEMENTS (source_accounts))];
          break;
        default:
          g_assert_not_reached ();
        }
    }
  else
    {
      *debit = rnd (ctx, N_ACCOUNTS);
      do
        *credit = rnd (ctx, N_ACCOUNTS);
      while (*credit == *debit);
    }
}

static void
fill_basic (Ctx           *ctx,
            TallyTransfer *t,
            guint          debit,
            guint          credit,
            gint64         amount)
{
  memset (t, 0, sizeof *t);
  gen_uuid (ctx, t->id);
  SET_FIELD (t->debit_account_id, ctx->model.accounts[debit].id);
  SET_FIELD (t->credit_account_id, ctx->model.accounts[credit].id);
  t->amount = amount;
  t->kind = (TallyTransferKind) rnd (ctx, TALLY_N_TRANSFER_KINDS);
  gen_text (ctx, t->ref, sizeof t->ref, "ref");
  gen_text (ctx, t->tool_id, sizeof t->tool_id, "tool");
  gen_text (ctx, t->description, sizeof t->description, "desc");
  t->units = chance (ctx, 70) ? 0 : rnd (ctx, 1000);
  /* UUIDs are case-insensitive: the ledger keeps their 16 bytes. */
  if (chance (ctx, 3))
    upcase_field (t->id, sizeof t->id);
  if (chance (ctx, 3))
    upcase_field (t->debit_account_id, sizeof t->debit_account_id);
  if (chance (ctx, 3))
    upcase_field (t->credit_account_id, sizeof t->credit_account_id);
  /* Output fields: whatever the caller leaves there is ignored. */
  if (chance (ctx, 10))
    {
      t->seq = rnd64 (ctx, G_MININT64, G_MAXINT64);
      t->created_at = rnd64 (ctx, G_MININT64, G_MAXINT64);
    }
}

static void
gen_single (Ctx           *ctx,
            TallyTransfer *t)
{
  guint debit;
  guint credit;

  pick_pair (ctx, &debit, &credit);
  fill_basic (ctx, t, debit, credit, gen_amount (ctx));
}

static void
gen_pending (Ctx           *ctx,
             TallyTransfer *t)
{
  gen_single (ctx, t);
  t->flags |= TALLY_TRANSFER_FLAG_PENDING;
  t->timeout = gen_timeout (ctx);
}

/* A pending transfer to settle: mostly open ones, sometimes one of this
 * batch, sometimes a settled one. */
static gboolean
pick_pending (Ctx           *ctx,
              TallyTransfer *out)
{
  Model *m = &ctx->model;
  guint tries;

  if (ctx->n_batch_pendings > 0 && chance (ctx, 25))
    {
      *out = ctx->batch_pendings[rnd (ctx, ctx->n_batch_pendings)];
      return TRUE;
    }
  for (tries = 0; tries < 6 && m->open->len > 0; tries++)
    {
      ModelTransfer *p = g_ptr_array_index (m->open, rnd (ctx, m->open->len));

      if (p->state == TALLY_PENDING_STATE_PENDING || tries >= 4)
        {
          *out = p->t;
          return TRUE;
        }
    }
  for (tries = 0; tries < 10 && m->all->len > 0; tries++)
    {
      ModelTransfer *p = g_ptr_array_index (m->all, rnd (ctx, m->all->len));

      if ((p->t.flags & TALLY_TRANSFER_FLAG_PENDING) != 0)
        {
          *out = p->t;
          return TRUE;
        }
    }
  return FALSE;
}

static void
gen_settle (Ctx           *ctx,
            TallyTransfer *t,
            gboolean       post)
{
  TallyTransfer p;
  gint64 held;
  guint r;

  if (!pick_pending (ctx, &p))
    {
      gen_pending (ctx, t);
      return;
    }
  held = MAX (p.amount, 1);
  gen_single (ctx, t);
  t->flags = post ? TALLY_TRANSFER_FLAG_POST_PENDING : TALLY_TRANSFER_FLAG_VOID_PENDING;
  memcpy (t->pending_id, p.id, TALLY_UUID_LEN);
  if (chance (ctx, 3))
    upcase_field (t->pending_id, sizeof t->pending_id);
  if (chance (ctx, 30))
    memcpy (t->tool_id, p.tool_id, sizeof t->tool_id);

  r = rnd (ctx, 100);
  if (r < 65)
    {
      memset (t->debit_account_id, 0, sizeof t->debit_account_id);
      memset (t->credit_account_id, 0, sizeof t->credit_account_id);
    }
  else if (r < 88)
    {
      memcpy (t->debit_account_id, p.debit_account_id, TALLY_UUID_LEN);
      memcpy (t->credit_account_id, p.credit_account_id, TALLY_UUID_LEN);
      if (chance (ctx, 50))
        memset (t->credit_account_id, 0, sizeof t->credit_account_id);
    }
  else if (r < 94)
    {
      memset (t->credit_account_id, 0, sizeof t->credit_account_id);
    }
  else
    {
      memset (t->debit_account_id, 0, sizeof t->debit_account_id);
    }

  if (chance (ctx, 5))
    {
      upcase_field (t->debit_account_id, sizeof t->debit_account_id);
      upcase_field (t->credit_account_id, sizeof t->credit_account_id);
    }

  r = rnd (ctx, 100);
  if (post)
    {
      if (r < 40)
        t->amount = p.amount;
      else if (r < 80)
        t->amount = rnd64 (ctx, 1, held);
      else if (r < 85)
        t->amount = 0;
      else if (r < 92)
        t->amount = sat_add (p.amount, 1);
      else
        t->amount = gen_amount (ctx);
    }
  else
    {
      if (r < 60)
        t->amount = 0;
      else if (r < 90)
        t->amount = p.amount;
      else if (r < 95)
        t->amount = sat_add (p.amount, 1);
      else
        t->amount = rnd64 (ctx, 1, MAX (held - 1, 1));
    }
}

/* A post or void naming something that is not an open pending transfer. */
static void
gen_odd_settle (Ctx           *ctx,
                TallyTransfer *t)
{
  Model *m = &ctx->model;
  guint tries;

  gen_settle (ctx, t, chance (ctx, 50));
  switch (rnd (ctx, 3))
    {
    case 0:
      gen_uuid (ctx, t->pending_id);
      break;
    case 1:
      for (tries = 0; tries < 10 && m->all->len > 0; tries++)
        {
          ModelTransfer *x = g_ptr_array_index (m->all, rnd (ctx, m->all->len));

          if ((x->t.flags & TALLY_TRANSFER_FLAG_PENDING) == 0)
            {
              memcpy (t->pending_id, x->t.id, TALLY_UUID_LEN);
              break;
            }
        }
      break;
    case 2:
      if (ctx->recent->len > 0)
        memcpy (t->pending_id,
                g_array_index (ctx->recent, TallyTransfer, rnd (ctx, ctx->recent->len)).id,
                TALLY_UUID_LEN);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
gen_copy (Ctx           *ctx,
          TallyTransfer *t)
{
  Model *m = &ctx->model;

  if (ctx->cur_n > 0 && chance (ctx, 25))
    {
      /* Again within the same batch. */
      *t = ctx->cur_batch[rnd (ctx, ctx->cur_n)];
    }
  else if (m->all->len > 0 && (ctx->recent->len == 0 || chance (ctx, 25)))
    {
      ModelTransfer *x = g_ptr_array_index (m->all, rnd (ctx, m->all->len));

      *t = x->t;
      /* A post or void may leave its accounts empty. */
      if ((t->flags & FLAGS_SETTLE) != 0 && chance (ctx, 60))
        {
          memset (t->debit_account_id, 0, sizeof t->debit_account_id);
          memset (t->credit_account_id, 0, sizeof t->credit_account_id);
        }
    }
  else if (ctx->recent->len > 0)
    {
      *t = g_array_index (ctx->recent, TallyTransfer, rnd (ctx, ctx->recent->len));
    }
  else
    {
      gen_single (ctx, t);
    }
  if (chance (ctx, 30))
    scribble_transfer (ctx, t);
  if (chance (ctx, 5))
    upcase_field (t->id, sizeof t->id);
}

static void
gen_different (Ctx           *ctx,
               TallyTransfer *t)
{
  gen_copy (ctx, t);
  switch (rnd (ctx, 11))
    {
    case 0:
      t->amount = t->amount < G_MAXINT64 ? t->amount + 1 : t->amount - 1;
      break;
    case 1:
      t->units = t->units < G_MAXINT64 ? t->units + 1 : t->units - 1;
      break;
    case 2:
      t->timeout = t->timeout ^ 1;
      break;
    case 3:
      t->flags ^= TALLY_TRANSFER_FLAG_LINKED;
      break;
    case 4:
      t->kind = (TallyTransferKind) (((guint) t->kind + 1) % TALLY_N_TRANSFER_KINDS);
      break;
    case 5:
      t->ref[0] = t->ref[0] == 'x' ? 'y' : 'x';
      break;
    case 6:
      SET_FIELD (t->tool_id, t->tool_id[0] == '\0' ? "other-tool" : "");
      break;
    case 7:
      SET_FIELD (t->description, t->description[0] == '\0' ? "other" : "");
      break;
    case 8:
      SET_FIELD (t->debit_account_id, ctx->model.accounts[rnd (ctx, N_ACCOUNTS)].id);
      break;
    case 9:
      SET_FIELD (t->credit_account_id, ctx->model.accounts[rnd (ctx, N_ACCOUNTS)].id);
      break;
    case 10:
      {
        TallyTransfer p;

        if (pick_pending (ctx, &p))
          memcpy (t->pending_id, p.id, TALLY_UUID_LEN);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
apply_fault (Ctx           *ctx,
             TallyTransfer *t)
{
  switch (rnd (ctx, 41))
    {
    case 0:
      t->flags |= (TallyTransferFlags) (1u << (4 + rnd (ctx, 28)));
      break;
    case 1:
      memset (t->id, 0, sizeof t->id);
      break;
    case 2:
      SET_FIELD (t->id, NIL_UUID);
      break;
    case 3:
      SET_FIELD (t->id, "not-a-uuid");
      break;
    case 4:
      t->id[35] = 'g';
      break;
    case 5:
      memset (t->id, 'a', sizeof t->id);
      break;
    case 6:
      SET_FIELD (t->id, "0123456789abcdef0123456789abcdef");
      break;
    case 7:
      t->id[8] = '0';
      break;
    case 8:
      memset (t->ref, 'r', sizeof t->ref);
      break;
    case 9:
      memset (t->tool_id, 't', sizeof t->tool_id);
      break;
    case 10:
      memset (t->description, 'd', sizeof t->description);
      break;
    case 11:
      memset (t->debit_account_id, 'a', sizeof t->debit_account_id);
      break;
    case 12:
      memset (t->credit_account_id, 'b', sizeof t->credit_account_id);
      break;
    case 13:
      memset (t->pending_id, 'c', sizeof t->pending_id);
      break;
    case 14:
      t->kind = TALLY_N_TRANSFER_KINDS;
      break;
    case 15:
      t->kind = (TallyTransferKind) -1;
      break;
    case 16:
      t->kind = (TallyTransferKind) (TALLY_N_TRANSFER_KINDS + 1 + rnd (ctx, 1000));
      break;
    case 17:
      t->flags |= TALLY_TRANSFER_FLAG_PENDING | TALLY_TRANSFER_FLAG_POST_PENDING;
      break;
    case 18:
      t->flags |= TALLY_TRANSFER_FLAG_POST_PENDING | TALLY_TRANSFER_FLAG_VOID_PENDING;
      break;
    case 19:
      t->flags |= TALLY_TRANSFER_FLAG_PENDING | TALLY_TRANSFER_FLAG_VOID_PENDING;
      break;
    case 20:
      t->flags |= FLAGS_PHASE;
      break;
    case 21:
      t->amount = chance (ctx, 50) ? G_MININT64 : -1 - (gint64) rnd (ctx, 1000);
      break;
    case 22:
      t->units = chance (ctx, 50) ? G_MININT64 : -1;
      break;
    case 23:
      t->flags = (t->flags & ~FLAGS_PHASE) | TALLY_TRANSFER_FLAG_POST_PENDING;
      memset (t->pending_id, 0, sizeof t->pending_id);
      break;
    case 24:
      t->flags = (t->flags & ~FLAGS_PHASE) | TALLY_TRANSFER_FLAG_VOID_PENDING;
      SET_FIELD (t->pending_id, "xyz");
      break;
    case 25:
      t->flags = (t->flags & ~FLAGS_PHASE) | TALLY_TRANSFER_FLAG_POST_PENDING;
      memcpy (t->pending_id, t->id, TALLY_UUID_LEN);
      if (chance (ctx, 50))
        upcase_field (t->pending_id, sizeof t->pending_id);
      break;
    case 26:
      t->flags = (t->flags & ~FLAGS_PHASE) | TALLY_TRANSFER_FLAG_VOID_PENDING;
      t->timeout = 1 + rnd (ctx, 100);
      break;
    case 27:
      SET_FIELD (t->debit_account_id, "bad-account");
      break;
    case 28:
      SET_FIELD (t->debit_account_id, ctx->model.accounts[ACC_USER_0].id);
      SET_FIELD (t->credit_account_id, ctx->model.accounts[ACC_USER_0].id);
      break;
    case 29:
      gen_uuid (ctx, t->pending_id);
      break;
    case 30:
      memset (t->debit_account_id, 0, sizeof t->debit_account_id);
      break;
    case 31:
      SET_FIELD (t->credit_account_id, "{01234567-89ab-4def-8123-456789abcdef}");
      break;
    case 32:
      memcpy (t->credit_account_id, t->debit_account_id, TALLY_UUID_LEN);
      break;
    case 33:
      memcpy (t->credit_account_id, t->debit_account_id, TALLY_UUID_LEN);
      upcase_field (t->credit_account_id, sizeof t->credit_account_id);
      break;
    case 34:
      t->flags &= ~TALLY_TRANSFER_FLAG_PENDING;
      t->timeout = 1 + rnd (ctx, 100);
      break;
    case 35:
      t->amount = 0;
      break;
    case 36:
      SET_FIELD (t->debit_account_id, ctx->unknown[rnd (ctx, 2)]);
      break;
    case 37:
      gen_uuid (ctx, t->credit_account_id);
      break;
    case 38:
      SET_FIELD (t->debit_account_id, NIL_UUID);
      break;
    case 39:
      SET_FIELD (t->pending_id, NIL_UUID);
      break;
    case 40:
      SET_FIELD (t->credit_account_id, ctx->model.accounts[ACC_LATE_0].id);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
gen_invalid (Ctx           *ctx,
             TallyTransfer *t)
{
  guint n_faults = 1 + (chance (ctx, 30) ? 1 + rnd (ctx, 2) : 0);
  guint i;

  switch (rnd (ctx, 4))
    {
    case 0:
      gen_single (ctx, t);
      break;
    case 1:
      gen_pending (ctx, t);
      break;
    case 2:
      gen_settle (ctx, t, TRUE);
      break;
    case 3:
      gen_settle (ctx, t, FALSE);
      break;
    default:
      g_assert_not_reached ();
    }
  for (i = 0; i < n_faults; i++)
    apply_fault (ctx, t);
}

static gint64
debit_columns (const ModelAccount *a)
{
  return a->debits_pending + a->debits_posted;
}

static gint64
credit_columns (const ModelAccount *a)
{
  return a->credits_pending + a->credits_posted;
}

/* Amounts near G_MAXINT64, around the overflow boundaries of the accounts
 * as they are before this batch. */
static void
gen_big (Ctx           *ctx,
         TallyTransfer *t)
{
  Model *m = &ctx->model;
  guint debit;
  guint credit;
  guint i;

  pick_pair (ctx, &debit, &credit);
  switch (rnd (ctx, 6))
    {
    case 0:
      fill_basic (ctx, t, debit, credit, G_MAXINT64);
      break;
    case 1:
      fill_basic (ctx, t, debit, credit, G_MAXINT64 - rnd (ctx, 1000));
      break;
    case 2:
      fill_basic (ctx, t, debit, credit,
                  sat_add (G_MAXINT64 - debit_columns (&m->accounts[debit]), (gint64) rnd (ctx, 3) - 1));
      break;
    case 3:
      /* The debit side fits, the credit side is at its boundary. */
      for (i = 0; i < N_ACCOUNTS; i++)
        if (i != credit && debit_columns (&m->accounts[i]) < debit_columns (&m->accounts[debit]))
          debit = i;
      fill_basic (ctx, t, debit, credit,
                  sat_add (G_MAXINT64 - credit_columns (&m->accounts[credit]), rnd (ctx, 2)));
      break;
    case 4:
      fill_basic (ctx, t, debit, credit,
                  ctx->budget_spent ? G_MAXINT64 : (G_GINT64_CONSTANT (1) << 60) + rnd (ctx, 1000));
      break;
    case 5:
      fill_basic (ctx, t, debit, credit, gen_amount (ctx));
      t->units = G_MAXINT64;
      break;
    default:
      g_assert_not_reached ();
    }
  t->amount = MAX (t->amount, 1);
  if (chance (ctx, 35))
    {
      t->flags |= TALLY_TRANSFER_FLAG_PENDING;
      t->timeout = gen_timeout (ctx);
    }
}

/* At the limit of a flagged account: exactly what fits, one more, ... */
static void
gen_overdraw (Ctx           *ctx,
              TallyTransfer *t)
{
  Model *m = &ctx->model;
  guint debit;
  guint credit;
  gint64 room;
  gint64 amount;

  if (chance (ctx, 75))
    {
      const ModelAccount *d;

      debit = user_accounts[rnd (ctx, G_N_ELEMENTS (user_accounts))];
      credit = sink_accounts[rnd (ctx, G_N_ELEMENTS (sink_accounts))];
      d = &m->accounts[debit];
      room = d->credits_posted - d->debits_posted - d->debits_pending;
    }
  else
    {
      const ModelAccount *c;

      debit = chance (ctx, 50) ? ACC_PLAIN_0 : user_accounts[rnd (ctx, G_N_ELEMENTS (user_accounts))];
      credit = ACC_LEASE_0;
      c = &m->accounts[credit];
      room = c->debits_posted - c->credits_posted - c->credits_pending;
    }
  amount = room + (gint64) rnd (ctx, 3) - 1 + (chance (ctx, 20) ? rnd (ctx, 100) : 0);
  fill_basic (ctx, t, debit, credit, MAX (amount, 1));
  if (chance (ctx, 40))
    {
      t->flags |= TALLY_TRANSFER_FLAG_PENDING;
      t->timeout = gen_timeout (ctx);
    }
}

static void
gen_op (Ctx           *ctx,
        TallyTransfer *t)
{
  guint r = rnd (ctx, 100);

  /* Inside a chain, mostly plausible transfers, so that chains also hold. */
  if (ctx->in_chain && r < 70)
    r = rnd (ctx, 72);

  if (r < 28)
    gen_single (ctx, t);
  else if (r < 46)
    gen_pending (ctx, t);
  else if (r < 58)
    gen_settle (ctx, t, TRUE);
  else if (r < 66)
    gen_settle (ctx, t, FALSE);
  else if (r < 72)
    gen_copy (ctx, t);
  else if (r < 76)
    gen_different (ctx, t);
  else if (r < 86)
    gen_invalid (ctx, t);
  else if (r < 89 && !ctx->no_big)
    gen_big (ctx, t);
  else if (r < 96)
    gen_overdraw (ctx, t);
  else
    gen_odd_settle (ctx, t);

  /* While the clock is behind the last created_at, when a pending transfer
   * times out is open to interpretation: only first phases then. */
  if (ctx->only_new && ((guint) t->flags & (guint) FLAGS_SETTLE) != 0)
    gen_single (ctx, t);

  if ((t->flags & TALLY_TRANSFER_FLAG_PENDING) != 0 && ctx->n_batch_pendings < MAX_BATCH)
    ctx->batch_pendings[ctx->n_batch_pendings++] = *t;
}

static guint
gen_batch (Ctx           *ctx,
           TallyTransfer *batch)
{
  guint64 left = ctx->n_ops - ctx->op;
  guint n = chance (ctx, 10) ? 1 : 1 + rnd (ctx, MAX_BATCH);
  guint i = 0;
  guint k;

  if (left < n)
    n = (guint) left;
  ctx->n_batch_pendings = 0;
  ctx->cur_batch = batch;
  ctx->cur_n = 0;
  while (i < n)
    {
      if (n - i >= 2 && chance (ctx, 7))
        {
          guint len = 2 + rnd (ctx, 5);

          len = MIN (len, n - i);
          ctx->in_chain = TRUE;
          for (k = 0; k < len; k++)
            {
              gen_op (ctx, &batch[i + k]);
              if (k + 1 < len)
                batch[i + k].flags |= TALLY_TRANSFER_FLAG_LINKED;
              else
                batch[i + k].flags &= ~TALLY_TRANSFER_FLAG_LINKED;
              ctx->cur_n = i + k + 1;
            }
          ctx->in_chain = FALSE;
          i += len;
        }
      else
        {
          gen_op (ctx, &batch[i]);
          i++;
          ctx->cur_n = i;
        }
    }
  ctx->cur_n = 0;
  if (chance (ctx, 4))
    batch[n - 1].flags |= TALLY_TRANSFER_FLAG_LINKED;
  return n;
}

static void
remember (Ctx                 *ctx,
          const TallyTransfer *t)
{
  if (ctx->recent->len < RECENT_SIZE)
    {
      g_array_append_vals (ctx->recent, t, 1);
    }
  else
    {
      g_array_index (ctx->recent, TallyTransfer, ctx->recent_next) = *t;
      ctx->recent_next = (ctx->recent_next + 1) % RECENT_SIZE;
    }
}

/* ------------------------------------------------------------------ */
/* Reporting                                                           */
/* ------------------------------------------------------------------ */

static const char *
result_name (TallyTransferResult r)
{
  const char *name = NULL;

  if ((guint) r < (guint) TALLY_N_TRANSFER_RESULTS)
    name = tally_transfer_result_to_string (r);
  return name != NULL ? name : "(not a result)";
}

static char *
field_to_string (const char *field,
                 gsize       size,
                 gsize       max_shown)
{
  g_autofree char *copy = g_strndup (field, MIN (size, max_shown));
  g_autofree char *escaped = g_strescape (copy, NULL);

  return g_strdup_printf ("\"%s\"%s%s", escaped,
                          strlen (copy) >= max_shown && max_shown < size ? "..." : "",
                          field_terminated (field, size) ? "" : "<unterminated>");
}

static char *
transfer_to_string (const TallyTransfer *t)
{
  g_autofree char *id = field_to_string (t->id, sizeof t->id, sizeof t->id);
  g_autofree char *debit = field_to_string (t->debit_account_id, sizeof t->debit_account_id, TALLY_UUID_LEN);
  g_autofree char *credit = field_to_string (t->credit_account_id, sizeof t->credit_account_id, TALLY_UUID_LEN);
  g_autofree char *pending = field_to_string (t->pending_id, sizeof t->pending_id, TALLY_UUID_LEN);
  g_autofree char *ref = field_to_string (t->ref, sizeof t->ref, 24);
  g_autofree char *tool = field_to_string (t->tool_id, sizeof t->tool_id, 24);
  g_autofree char *desc = field_to_string (t->description, sizeof t->description, 24);

  return g_strdup_printf ("{id=%s debit=%s credit=%s pending_id=%s amount=%" G_GINT64_FORMAT
                          " units=%" G_GINT64_FORMAT " timeout=%u flags=0x%x kind=%u"
                          " ref=%s tool_id=%s description=%s}",
                          id, debit, credit, pending, t->amount, t->units, t->timeout,
                          (guint) t->flags, (guint) t->kind, ref, tool, desc);
}

static void ctx_fail (Ctx        *ctx,
                      const char *format,
                      ...) G_GNUC_PRINTF (2, 3);

static void
ctx_fail (Ctx        *ctx,
          const char *format,
          ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (ctx->stop)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_test_message ("MISMATCH (seed %u, after %" G_GUINT64_FORMAT " ops, clock %" G_GINT64_FORMAT
                  "): %s", ctx->seed, ctx->op, ctx->clock, message);
  g_test_message ("replay with TALLY_MODEL_SEED=%u TALLY_MODEL_OPS=%" G_GUINT64_FORMAT,
                  ctx->seed, ctx->n_ops);
  g_test_fail_printf ("ledger disagrees with the model (seed %u, replay with TALLY_MODEL_SEED=%u): %s",
                      ctx->seed, ctx->seed, message);
  ctx->stop = TRUE;
}

static void
dump_batch (Ctx                       *ctx,
            const TallyTransfer       *batch,
            guint                      n,
            const TallyTransferResult *expected,
            const TallyTransferResult *actual)
{
  guint i;

  for (i = 0; i < n; i++)
    {
      g_autofree char *s = transfer_to_string (&batch[i]);

      g_test_message ("  op %" G_GUINT64_FORMAT ": %s expected %s, ledger %s", ctx->op + i, s,
                      result_name (expected[i]), actual ? result_name (actual[i]) : "-");
    }
}

/* ------------------------------------------------------------------ */
/* Comparing the ledger with the model                                 */
/* ------------------------------------------------------------------ */

static gboolean
compare_accounts (Ctx        *ctx,
                  const char *when)
{
  guint i;

  for (i = 0; i < N_ACCOUNTS; i++)
    {
      const ModelAccount *ma = &ctx->model.accounts[i];
      g_autoptr(GError) error = NULL;
      TallyAccount a;

      if (!ma->exists)
        continue;
      memset (&a, 0, sizeof a);
      if (!tally_ledger_lookup_account (ctx->ledger, ma->id, &a, &error))
        {
          ctx_fail (ctx, "%s: account %s cannot be looked up: %s", when, ma->id,
                    error ? error->message : "no error");
          return FALSE;
        }
      if (a.debits_pending != ma->debits_pending || a.debits_posted != ma->debits_posted ||
          a.credits_pending != ma->credits_pending || a.credits_posted != ma->credits_posted)
        {
          ctx_fail (ctx, "%s: account %s has debits_pending %" G_GINT64_FORMAT
                    " debits_posted %" G_GINT64_FORMAT " credits_pending %" G_GINT64_FORMAT
                    " credits_posted %" G_GINT64_FORMAT "; the model expects %" G_GINT64_FORMAT
                    " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
                    when, ma->id, a.debits_pending, a.debits_posted, a.credits_pending,
                    a.credits_posted, ma->debits_pending, ma->debits_posted,
                    ma->credits_pending, ma->credits_posted);
          return FALSE;
        }
    }
  if (tally_ledger_get_last_seq (ctx->ledger) != ctx->model.seq)
    {
      ctx_fail (ctx, "%s: last seq is %" G_GINT64_FORMAT ", the model expects %" G_GINT64_FORMAT,
                when, tally_ledger_get_last_seq (ctx->ledger), ctx->model.seq);
      return FALSE;
    }
  return TRUE;
}

static gboolean
uuid_field_equal (const char *a,
                  const char *b)
{
  return field_terminated (a, TALLY_UUID_LEN) && field_terminated (b, TALLY_UUID_LEN) &&
         g_ascii_strcasecmp (a, b) == 0;
}

static gboolean
text_field_equal (const char *a,
                  const char *b,
                  gsize       size)
{
  return field_terminated (a, size) && field_terminated (b, size) && strcmp (a, b) == 0;
}

static gboolean
compare_stored (Ctx                 *ctx,
                const ModelTransfer *mt)
{
  const TallyTransfer *e = &mt->t;
  g_autoptr(GError) error = NULL;
  TallyTransfer got;

  ctx->n_lookups++;
  memset (&got, 0, sizeof got);
  if (!tally_ledger_lookup_transfer (ctx->ledger, e->id, &got, &error))
    {
      g_autofree char *s = transfer_to_string (e);

      ctx_fail (ctx, "transfer %s (seq %" G_GINT64_FORMAT ") cannot be looked up: %s", s,
                e->seq, error ? error->message : "no error");
      return FALSE;
    }
  if (!uuid_field_equal (got.id, e->id) ||
      !uuid_field_equal (got.debit_account_id, e->debit_account_id) ||
      !uuid_field_equal (got.credit_account_id, e->credit_account_id) ||
      !(e->pending_id[0] == '\0' ? got.pending_id[0] == '\0'
                                 : uuid_field_equal (got.pending_id, e->pending_id)) ||
      got.amount != e->amount || got.units != e->units || got.timeout != e->timeout ||
      got.flags != e->flags || got.kind != e->kind ||
      !text_field_equal (got.ref, e->ref, sizeof e->ref) ||
      !text_field_equal (got.tool_id, e->tool_id, sizeof e->tool_id) ||
      !text_field_equal (got.description, e->description, sizeof e->description) ||
      got.seq != e->seq || got.created_at != e->created_at)
    {
      g_autofree char *se = transfer_to_string (e);
      g_autofree char *sg = transfer_to_string (&got);

      ctx_fail (ctx, "stored transfer differs: model %s seq %" G_GINT64_FORMAT " created_at %"
                G_GINT64_FORMAT "; ledger %s seq %" G_GINT64_FORMAT " created_at %" G_GINT64_FORMAT,
                se, e->seq, e->created_at, sg, got.seq, got.created_at);
      return FALSE;
    }

  if ((e->flags & TALLY_TRANSFER_FLAG_PENDING) != 0)
    {
      TallyPendingState state = (TallyPendingState) -1;
      gboolean either;

      if (!tally_ledger_lookup_pending_state (ctx->ledger, e->id, &state, &error))
        {
          ctx_fail (ctx, "pending state of %s cannot be looked up: %s", e->id,
                    error ? error->message : "no error");
          return FALSE;
        }
      /* Timed out but not expired by tally_ledger_expire_pending() yet: the
       * spec does not say which of the two it reads as. */
      either = mt->state == TALLY_PENDING_STATE_PENDING && pending_deadline_passed (e, ctx->clock) &&
               state == TALLY_PENDING_STATE_EXPIRED;
      if (state != mt->state && !either)
        {
          ctx_fail (ctx, "pending state of %s is %u, the model expects %u (timeout %u, created_at %"
                    G_GINT64_FORMAT ")", e->id, (guint) state, (guint) mt->state, e->timeout,
                    e->created_at);
          return FALSE;
        }
    }
  return TRUE;
}

/* Something that failed must have left no trace. */
static gboolean
compare_absent (Ctx                 *ctx,
                const TallyTransfer *t)
{
  g_autoptr(GError) error = NULL;
  char id[TALLY_UUID_LEN];
  TallyTransfer got;

  if (!uuid_canonical (t->id, id) || strcmp (id, NIL_UUID) == 0 || model_lookup (&ctx->model, id))
    return TRUE;
  ctx->n_lookups++;
  if (tally_ledger_lookup_transfer (ctx->ledger, id, &got, &error))
    {
      g_autofree char *s = transfer_to_string (t);

      ctx_fail (ctx, "transfer %s was never applied, yet the ledger has it (seq %" G_GINT64_FORMAT ")",
                s, got.seq);
      return FALSE;
    }
  if (!g_error_matches (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_NOT_FOUND))
    {
      ctx_fail (ctx, "looking up unknown transfer %s: expected TALLY_LEDGER_ERROR_NOT_FOUND, got %s",
                id, error ? error->message : "no error");
      return FALSE;
    }
  return TRUE;
}

static void
full_check (Ctx   *ctx,
            guint  n_sample)
{
  g_autoptr(GError) error = NULL;
  Model *m = &ctx->model;
  guint i;

  ctx->n_checks++;
  if (!tally_ledger_check (ctx->ledger, &error))
    {
      ctx_fail (ctx, "tally_ledger_check() failed: %s", error ? error->message : "no error");
      return;
    }
  if (!compare_accounts (ctx, "full check"))
    return;
  for (i = 0; i < n_sample && m->all->len > 0; i++)
    if (!compare_stored (ctx, g_ptr_array_index (m->all, rnd (ctx, m->all->len))))
      return;
  for (i = 0; i < n_sample / 2 && ctx->recent->len > 0; i++)
    if (!compare_absent (ctx, &g_array_index (ctx->recent, TallyTransfer, rnd (ctx, ctx->recent->len))))
      return;
}

/* ------------------------------------------------------------------ */
/* Driving the run                                                     */
/* ------------------------------------------------------------------ */

static void
clock_advance (Ctx    *ctx,
               gint64  delta)
{
  ctx->clock = sat_add (ctx->clock, delta);
}

static void
clock_step (Ctx *ctx)
{
  Model *m = &ctx->model;
  guint r = rnd (ctx, 100);
  guint tries;

  if (ctx->far_future)
    {
      clock_advance (ctx, rnd64 (ctx, 0, 2 * USEC));
      return;
    }
  if (r < 55)
    {
      clock_advance (ctx, rnd64 (ctx, 0, 2 * USEC));
    }
  else if (r < 80)
    {
      clock_advance (ctx, rnd64 (ctx, 0, 30 * USEC));
    }
  else if (r < 88)
    {
      clock_advance (ctx, rnd64 (ctx, 60 * USEC, 600 * USEC));
    }
  else if (r < 97)
    {
      /* Right at, just before or just after a deadline. */
      for (tries = 0; tries < 8 && m->open->len > 0; tries++)
        {
          ModelTransfer *p = g_ptr_array_index (m->open, rnd (ctx, m->open->len));
          gint64 deadline;

          if (p->state != TALLY_PENDING_STATE_PENDING || p->t.timeout == 0)
            continue;
          deadline = p->t.created_at + (gint64) p->t.timeout * USEC;
          if (deadline < ctx->clock - 1 || deadline - ctx->clock > 86400 * USEC)
            continue;
          deadline += (gint64) rnd (ctx, 3) - 1;
          ctx->clock = MAX (ctx->clock, deadline);
          break;
        }
    }
}

static void
create_late_account (Ctx *ctx)
{
  g_autoptr(GError) error = NULL;
  const ExtraAccount *x = &extra_accounts[G_N_ELEMENTS (extra_accounts) - 1];
  TallyAccount account;

  g_assert_cmpuint (x->index, ==, ACC_LATE_0);
  tally_account_init (&account, ctx->model.accounts[ACC_LATE_0].id, x->kind, x->flags, x->name, "UTC");
  if (!tally_ledger_create_account (ctx->ledger, &account, &error))
    {
      ctx_fail (ctx, "creating account %s: %s", x->name, error->message);
      return;
    }
  ctx->model.accounts[ACC_LATE_0].exists = TRUE;
  ctx->late_created = TRUE;
}

static void
reopen (Ctx *ctx)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&ctx->ledger);
  ctx->ledger = tally_ledger_open (ctx->path, TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);
  if (ctx->ledger == NULL)
    {
      ctx_fail (ctx, "reopening %s: %s", ctx->path, error->message);
      return;
    }
  tally_ledger_set_clock (ctx->ledger, fake_clock, &ctx->clock);
  ctx->reopened = TRUE;
  if (compare_accounts (ctx, "after reopening"))
    full_check (ctx, 200);
}

static void
run_expire (Ctx *ctx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  g_autofree gboolean *seq_seen = NULL;
  Model *m = &ctx->model;
  gint64 now = ctx->clock;
  gint64 old_seq = m->seq;
  gint64 old_last = m->last_created_at;
  gint64 newest;
  guint n_expired = G_MAXUINT;
  guint r = rnd (ctx, 100);
  guint i;

  if (r < 15)
    now = ctx->clock - rnd64 (ctx, 0, 5 * USEC);
  else if (r < 30)
    now = sat_add (ctx->clock, rnd64 (ctx, 0, 5 * USEC));
  newest = MAX (MAX (now, ctx->clock), old_last);

  for (i = 0; i < m->open->len; i++)
    {
      ModelTransfer *p = g_ptr_array_index (m->open, i);

      if (p->state == TALLY_PENDING_STATE_PENDING && pending_deadline_passed (&p->t, now))
        g_ptr_array_add (expected, p);
    }

  ctx->n_expire_calls++;
  if (!tally_ledger_expire_pending (ctx->ledger, now, &n_expired, &error))
    {
      ctx_fail (ctx, "tally_ledger_expire_pending (%" G_GINT64_FORMAT ") failed: %s", now,
                error ? error->message : "no error");
      return;
    }
  if (n_expired != expected->len)
    {
      ctx_fail (ctx, "tally_ledger_expire_pending (%" G_GINT64_FORMAT ") expired %u, the model expects %u",
                now, n_expired, expected->len);
      return;
    }

  seq_seen = g_new0 (gboolean, expected->len + 1);
  for (i = 0; i < expected->len; i++)
    {
      ModelTransfer *p = g_ptr_array_index (expected, i);
      ModelTransfer *v = g_new0 (ModelTransfer, 1);
      g_autoptr(GError) lookup_error = NULL;
      TallyTransfer got;
      int di;
      int ci;

      tally_uuid_derive ("expiry", p->t.id, v->t.id);
      memset (&got, 0, sizeof got);
      if (!tally_ledger_lookup_transfer (ctx->ledger, v->t.id, &got, &lookup_error))
        {
          ctx_fail (ctx, "the expiry void %s of %s cannot be looked up: %s", v->t.id, p->t.id,
                    lookup_error ? lookup_error->message : "no error");
          g_free (v);
          return;
        }
      /* What docs/ledger.md fixes; ref and units it leaves open. */
      if (!uuid_field_equal (got.pending_id, p->t.id) ||
          !uuid_field_equal (got.debit_account_id, p->t.debit_account_id) ||
          !uuid_field_equal (got.credit_account_id, p->t.credit_account_id) ||
          got.amount != 0 || got.kind != p->t.kind || got.timeout != 0 ||
          got.flags != TALLY_TRANSFER_FLAG_VOID_PENDING ||
          !text_field_equal (got.tool_id, p->t.tool_id, sizeof got.tool_id) ||
          !text_field_equal (got.description, "Hold expired", sizeof got.description) ||
          !field_terminated (got.ref, sizeof got.ref) ||
          got.seq <= old_seq || got.seq > old_seq + (gint64) expected->len ||
          seq_seen[got.seq - old_seq] ||
          got.created_at < old_last || got.created_at > newest)
        {
          g_autofree char *sp = transfer_to_string (&p->t);
          g_autofree char *sg = transfer_to_string (&got);

          ctx_fail (ctx, "expiry void of %s at now=%" G_GINT64_FORMAT " is %s seq %" G_GINT64_FORMAT
                    " created_at %" G_GINT64_FORMAT "; expected a void of it with amount 0, its kind,"
                    " accounts and tool, description \"Hold expired\", a seq in %" G_GINT64_FORMAT
                    "..%" G_GINT64_FORMAT " and created_at in %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT,
                    sp, now, sg, got.seq, got.created_at, old_seq + 1,
                    old_seq + (gint64) expected->len, old_last, newest);
          g_free (v);
          return;
        }
      seq_seen[got.seq - old_seq] = TRUE;

      memcpy (v->t.debit_account_id, p->t.debit_account_id, TALLY_UUID_LEN);
      memcpy (v->t.credit_account_id, p->t.credit_account_id, TALLY_UUID_LEN);
      memcpy (v->t.pending_id, p->t.id, TALLY_UUID_LEN);
      v->t.flags = TALLY_TRANSFER_FLAG_VOID_PENDING;
      v->t.kind = p->t.kind;
      v->t.units = got.units;
      SET_FIELD (v->t.ref, got.ref);
      SET_FIELD (v->t.tool_id, p->t.tool_id);
      SET_FIELD (v->t.description, "Hold expired");
      v->t.seq = got.seq;
      v->t.created_at = got.created_at;

      di = model_account_index (m, p->t.debit_account_id);
      ci = model_account_index (m, p->t.credit_account_id);
      g_assert_cmpint (di, >=, 0);
      g_assert_cmpint (ci, >=, 0);
      m->accounts[di].debits_pending -= p->t.amount;
      m->accounts[ci].credits_pending -= p->t.amount;
      p->state = TALLY_PENDING_STATE_EXPIRED;
      model_insert (m, v);
      m->last_created_at = MAX (m->last_created_at, got.created_at);
      ctx->n_expired++;
    }
  m->seq += expected->len;
  model_commit (m);
  model_compact_open (m);
  /* Keep the clock at or past the last created_at: see gen_op(). */
  ctx->clock = MAX (ctx->clock, m->last_created_at);
  compare_accounts (ctx, "after tally_ledger_expire_pending()");
}

static void
run_batch (Ctx *ctx)
{
  g_autoptr(GError) error = NULL;
  TallyTransfer batch[MAX_BATCH];
  TallyTransfer submitted[MAX_BATCH];
  TallyTransferResult expected[MAX_BATCH];
  TallyTransferResult alternatives[MAX_BATCH];
  TallyTransferResult actual[MAX_BATCH];
  gint64 seqs[MAX_BATCH];
  gint64 created[MAX_BATCH];
  gint64 saved_clock = ctx->clock;
  Model *m = &ctx->model;
  ModelMark mark;
  guint attempt;
  guint n;
  guint i;

  /* Sometimes the clock goes back: created_at must not. */
  ctx->only_new = !ctx->far_future && m->seq > 0 && chance (ctx, 2);
  if (ctx->only_new)
    {
      ctx->clock = m->last_created_at - rnd64 (ctx, 1, 10 * USEC);
      ctx->n_clock_back++;
    }

  for (attempt = 0;; attempt++)
    {
      ctx->no_big = attempt > 0;
      n = gen_batch (ctx, batch);
      mark = model_mark (m);
      model_run_batch (m, batch, n, ctx->clock, expected, alternatives, seqs, created);
      if (m->volume <= VOLUME_BUDGET)
        break;
      model_rollback (m, &mark);
      ctx->n_regenerated++;
      ctx->budget_spent = TRUE;
    }
  model_commit (m);

  memcpy (submitted, batch, n * sizeof (TallyTransfer));
  for (i = 0; i < n; i++)
    actual[i] = (TallyTransferResult) -1;
  if (!tally_ledger_create_transfers (ctx->ledger, submitted, n, actual, &error))
    {
      ctx_fail (ctx, "tally_ledger_create_transfers() failed on a batch of %u: %s", n,
                error ? error->message : "no error");
      dump_batch (ctx, batch, n, expected, NULL);
      return;
    }

  for (i = 0; i < n; i++)
    {
      gboolean applied = expected[i] == TALLY_TRANSFER_OK || expected[i] == TALLY_TRANSFER_EXISTS;

      if ((actual[i] != expected[i] && actual[i] != alternatives[i]) ||
          (applied && (submitted[i].seq != seqs[i] || submitted[i].created_at != created[i])))
        {
          g_autofree char *s = transfer_to_string (&batch[i]);

          ctx_fail (ctx, "op %" G_GUINT64_FORMAT " (transfer %u of a batch of %u) %s: expected %s"
                    " seq %" G_GINT64_FORMAT " created_at %" G_GINT64_FORMAT ", ledger says %s"
                    " seq %" G_GINT64_FORMAT " created_at %" G_GINT64_FORMAT " (the whole batch follows)",
                    ctx->op + i, i, n, s, result_name (expected[i]), seqs[i], created[i],
                    result_name (actual[i]), submitted[i].seq, submitted[i].created_at);
          dump_batch (ctx, batch, n, expected, actual);
          return;
        }
      ctx->counts[expected[i]]++;
    }

  for (i = 0; i < n; i++)
    remember (ctx, &batch[i]);
  if (!compare_accounts (ctx, "after a batch"))
    {
      dump_batch (ctx, batch, n, expected, actual);
      return;
    }

  ctx->n_batches++;
  ctx->op += n;
  if (ctx->n_batches % 16 == 0)
    model_compact_open (m);
  if (ctx->only_new)
    {
      ctx->clock = MAX (saved_clock, m->last_created_at);
      ctx->only_new = FALSE;
    }
}

static void
ctx_setup (Ctx *ctx)
{
  g_autoptr(GError) error = NULL;
  const char *seed_env = g_getenv ("TALLY_MODEL_SEED");
  const char *ops_env = g_getenv ("TALLY_MODEL_OPS");
  TallyAccount account;
  guint i;

  memset (ctx, 0, sizeof *ctx);
  ctx->seed = seed_env ? (guint32) g_ascii_strtoull (seed_env, NULL, 10) : g_random_int ();
  ctx->n_ops = ops_env ? g_ascii_strtoull (ops_env, NULL, 10) : DEFAULT_N_OPS;
  ctx->rand = g_rand_new_with_seed (ctx->seed);
  ctx->recent = g_array_new (FALSE, TRUE, sizeof (TallyTransfer));
  ctx->clock = START_TIME;
  g_test_message ("seed %u (replay with TALLY_MODEL_SEED=%u), %" G_GUINT64_FORMAT " ops",
                  ctx->seed, ctx->seed, ctx->n_ops);

  ctx->dir = g_dir_make_tmp ("tally-model-XXXXXX", &error);
  g_assert_no_error (error);
  ctx->path = g_build_filename (ctx->dir, "ledger.db", NULL);
  ctx->ledger = tally_ledger_open (ctx->path, TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ctx->ledger);
  tally_ledger_set_clock (ctx->ledger, fake_clock, &ctx->clock);

  model_init (&ctx->model);
  for (i = 0; i < TALLY_N_SYSTEM_ACCOUNTS; i++)
    {
      ModelAccount *ma = &ctx->model.accounts[i];

      g_assert_true (uuid_canonical (tally_system_account_id ((TallySystemAccount) i), ma->id));
      ma->exists = TRUE;
      memset (&account, 0, sizeof account);
      g_assert_true (tally_ledger_lookup_account (ctx->ledger, ma->id, &account, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (account.flags, ==, 0);
    }
  for (i = 0; i < G_N_ELEMENTS (extra_accounts); i++)
    {
      const ExtraAccount *x = &extra_accounts[i];
      ModelAccount *ma = &ctx->model.accounts[x->index];

      tally_uuid_derive ("model-test", x->name, ma->id);
      ma->flags = x->flags;
      if (x->late)
        continue;
      ma->exists = TRUE;
      tally_account_init (&account, ma->id, x->kind, x->flags, x->name, "Europe/Paris");
      g_assert_true (tally_ledger_create_account (ctx->ledger, &account, &error));
      g_assert_no_error (error);
      /* Idempotent with the same fields, an error with others. */
      g_assert_true (tally_ledger_create_account (ctx->ledger, &account, &error));
      g_assert_no_error (error);
      tally_account_init (&account, ma->id, x->kind, x->flags, "another name", "Europe/Paris");
      g_assert_false (tally_ledger_create_account (ctx->ledger, &account, &error));
      g_assert_error (error, TALLY_LEDGER_ERROR, TALLY_LEDGER_ERROR_EXISTS_WITH_DIFFERENT_FIELDS);
      g_clear_error (&error);
    }
  tally_uuid_derive ("model-test", "unknown-0", ctx->unknown[0]);
  tally_uuid_derive ("model-test", "unknown-1", ctx->unknown[1]);
}

static void
ctx_teardown (Ctx *ctx)
{
  g_clear_object (&ctx->ledger);
  model_clear (&ctx->model);
  g_clear_pointer (&ctx->recent, g_array_unref);
  g_clear_pointer (&ctx->rand, g_rand_free);
  if (ctx->dir != NULL)
    test_remove_tree (ctx->dir);
  g_clear_pointer (&ctx->dir, g_free);
  g_clear_pointer (&ctx->path, g_free);
}

static void
print_stats (Ctx    *ctx,
             gint64  elapsed)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < TALLY_N_TRANSFER_RESULTS; i++)
    if (ctx->counts[i] > 0)
      g_string_append_printf (s, " %s=%" G_GUINT64_FORMAT, result_name ((TallyTransferResult) i),
                              ctx->counts[i]);
  g_test_message ("seed %u: %" G_GUINT64_FORMAT " ops in %u batches, %.1f s; seq %" G_GINT64_FORMAT
                  "; %u expire calls expired %u; %u checks, %u lookups; clock went back %u times;"
                  " %u batches regenerated to stay in the volume budget",
                  ctx->seed, ctx->op, ctx->n_batches, (double) elapsed / G_USEC_PER_SEC,
                  ctx->model.seq, ctx->n_expire_calls, ctx->n_expired, ctx->n_checks,
                  ctx->n_lookups, ctx->n_clock_back, ctx->n_regenerated);
  g_test_message ("results:%s", s->str);
  g_string_free (s, TRUE);
}

static void
test_model_random (void)
{
  Ctx ctx;
  gint64 start = g_get_monotonic_time ();
  guint64 next_check = CHECK_EVERY;
  guint i;

  ctx_setup (&ctx);
  while (ctx.op < ctx.n_ops && !ctx.stop)
    {
      if (!ctx.late_created && ctx.op >= ctx.n_ops / 3)
        create_late_account (&ctx);
      if (!ctx.reopened && ctx.op >= ctx.n_ops / 2)
        reopen (&ctx);
      if (!ctx.far_future && ctx.op >= ctx.n_ops - ctx.n_ops / 40)
        {
          /* The last stretch runs near the end of time: overflows_timeout. */
          gint64 end_of_time = G_MAXINT64 - rnd64 (&ctx, 0, 3600 * USEC);

          ctx.far_future = TRUE;
          ctx.clock = MAX (ctx.clock, end_of_time);
        }
      if (ctx.stop)
        break;

      clock_step (&ctx);
      if (chance (&ctx, 8))
        run_expire (&ctx);
      if (ctx.stop)
        break;
      run_batch (&ctx);
      if (!ctx.stop && ctx.op >= next_check)
        {
          full_check (&ctx, 40);
          next_check += CHECK_EVERY;
        }
    }

  if (!ctx.stop)
    {
      run_expire (&ctx);
      full_check (&ctx, 0);
    }
  /* At the end, every transfer the model has. */
  for (i = 0; !ctx.stop && i < ctx.model.all->len; i++)
    compare_stored (&ctx, g_ptr_array_index (ctx.model.all, i));

  print_stats (&ctx, g_get_monotonic_time () - start);
  ctx_teardown (&ctx);
}

/* ------------------------------------------------------------------ */
/* Fixed edge cases                                                    */
/* ------------------------------------------------------------------ */

typedef struct
{
  char         *dir;
  char         *path;
  TallyLedger  *ledger;
  gint64        clock;
  char          accounts[4][TALLY_UUID_LEN];
} Edge;

static void
edge_setup (Edge *e)
{
  g_autoptr(GError) error = NULL;
  TallyAccount account;
  guint i;

  memset (e, 0, sizeof *e);
  e->dir = g_dir_make_tmp ("tally-model-edge-XXXXXX", &error);
  g_assert_no_error (error);
  e->path = g_build_filename (e->dir, "ledger.db", NULL);
  e->ledger = tally_ledger_open (e->path, TALLY_LEDGER_OPEN_SYNC_NORMAL, &error);
  g_assert_no_error (error);
  e->clock = START_TIME;
  tally_ledger_set_clock (e->ledger, fake_clock, &e->clock);
  for (i = 0; i < G_N_ELEMENTS (e->accounts); i++)
    {
      g_autofree char *name = g_strdup_printf ("edge-%u", i);

      tally_uuid_derive ("model-test", name, e->accounts[i]);
      tally_account_init (&account, e->accounts[i], TALLY_ACCOUNT_KIND_LEASE,
                          TALLY_ACCOUNT_FLAG_NONE, name, "UTC");
      g_assert_true (tally_ledger_create_account (e->ledger, &account, &error));
      g_assert_no_error (error);
    }
}

static void
edge_teardown (Edge *e)
{
  g_clear_object (&e->ledger);
  test_remove_tree (e->dir);
  g_free (e->dir);
  g_free (e->path);
}

static TallyTransferResult
edge_transfer (Edge               *e,
               const char         *name,
               guint               debit,
               guint               credit,
               gint64              amount,
               TallyTransferFlags  flags,
               guint32             timeout)
{
  g_autoptr(GError) error = NULL;
  TallyTransferResult result = (TallyTransferResult) -1;
  TallyTransfer t;

  memset (&t, 0, sizeof t);
  tally_uuid_derive ("model-test-edge", name, t.id);
  memcpy (t.debit_account_id, e->accounts[debit], TALLY_UUID_LEN);
  memcpy (t.credit_account_id, e->accounts[credit], TALLY_UUID_LEN);
  t.amount = amount;
  t.flags = flags;
  t.timeout = timeout;
  t.kind = TALLY_TRANSFER_KIND_ADJUSTMENT;
  g_assert_true (tally_ledger_create_transfers (e->ledger, &t, 1, &result, &error));
  g_assert_no_error (error);
  return result;
}

static void
edge_assert_columns (Edge   *e,
                     guint   index,
                     gint64  debits_pending,
                     gint64  debits_posted,
                     gint64  credits_pending,
                     gint64  credits_posted)
{
  g_autoptr(GError) error = NULL;
  TallyAccount a;

  g_assert_true (tally_ledger_lookup_account (e->ledger, e->accounts[index], &a, &error));
  g_assert_no_error (error);
  g_assert_cmpint (a.debits_pending, ==, debits_pending);
  g_assert_cmpint (a.debits_posted, ==, debits_posted);
  g_assert_cmpint (a.credits_pending, ==, credits_pending);
  g_assert_cmpint (a.credits_posted, ==, credits_posted);
}

static void
edge_assert_check (Edge *e)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = tally_ledger_check (e->ledger, &error);

  if (!ok)
    g_test_fail_printf ("tally_ledger_check() failed: %s", error ? error->message : "no error");
}

/* Columns exactly at G_MAXINT64 are fine; one more credit overflows. */
static void
test_overflow_boundaries (void)
{
  Edge e;

  edge_setup (&e);
  g_assert_cmpint (edge_transfer (&e, "max", 0, 1, G_MAXINT64, 0, 0), ==, TALLY_TRANSFER_OK);
  edge_assert_columns (&e, 0, 0, G_MAXINT64, 0, 0);
  edge_assert_columns (&e, 1, 0, 0, 0, G_MAXINT64);
  g_assert_cmpint (edge_transfer (&e, "debit+1", 0, 2, 1, 0, 0), ==, TALLY_TRANSFER_OVERFLOWS_DEBITS);
  g_assert_cmpint (edge_transfer (&e, "credit+1", 2, 1, 1, 0, 0), ==, TALLY_TRANSFER_OVERFLOWS_CREDITS);
  g_assert_cmpint (edge_transfer (&e, "pending credit+1", 2, 1, 1, TALLY_TRANSFER_FLAG_PENDING, 0), ==,
                   TALLY_TRANSFER_OVERFLOWS_CREDITS);
  /* Debits are checked before credits. */
  g_assert_cmpint (edge_transfer (&e, "both+1", 0, 1, 1, 0, 0), ==, TALLY_TRANSFER_OVERFLOWS_DEBITS);
  g_assert_cmpint (tally_ledger_get_last_seq (e.ledger), ==, 1);
  edge_assert_check (&e);
  edge_teardown (&e);
}

/* Pending plus posted together may not pass G_MAXINT64 either. */
static void
test_overflow_pending_plus_posted (void)
{
  Edge e;

  edge_setup (&e);
  g_assert_cmpint (edge_transfer (&e, "half", 0, 1, G_MAXINT64 / 2, 0, 0), ==, TALLY_TRANSFER_OK);
  g_assert_cmpint (edge_transfer (&e, "hold", 0, 2, G_MAXINT64 / 2, TALLY_TRANSFER_FLAG_PENDING, 0),
                   ==, TALLY_TRANSFER_OK);
  /* debits: MAX/2 posted + MAX/2 pending = MAX - 1; 1 more fits, 2 do not. */
  g_assert_cmpint (edge_transfer (&e, "two", 0, 3, 2, TALLY_TRANSFER_FLAG_PENDING, 0), ==,
                   TALLY_TRANSFER_OVERFLOWS_DEBITS);
  g_assert_cmpint (edge_transfer (&e, "one", 0, 3, 1, 0, 0), ==, TALLY_TRANSFER_OK);
  edge_assert_columns (&e, 0, G_MAXINT64 / 2, G_MAXINT64 / 2 + 1, 0, 0);
  edge_assert_check (&e);
  edge_teardown (&e);
}

/* The sums over all accounts pass G_MAXINT64 although no column does:
 * the invariants still hold, and tally_ledger_check() must say so. */
static void
test_large_totals (void)
{
  Edge e;

  edge_setup (&e);
  g_assert_cmpint (edge_transfer (&e, "a", 0, 1, G_MAXINT64, 0, 0), ==, TALLY_TRANSFER_OK);
  g_assert_cmpint (edge_transfer (&e, "b", 2, 3, G_MAXINT64, 0, 0), ==, TALLY_TRANSFER_OK);
  g_assert_cmpint (edge_transfer (&e, "c", 1, 0, G_MAXINT64 / 2, TALLY_TRANSFER_FLAG_PENDING, 0), ==,
                   TALLY_TRANSFER_OK);
  g_assert_cmpint (edge_transfer (&e, "d", 3, 2, G_MAXINT64 / 2, TALLY_TRANSFER_FLAG_PENDING, 0), ==,
                   TALLY_TRANSFER_OK);
  edge_assert_check (&e);
  edge_teardown (&e);
}

/* created_at + timeout: exactly G_MAXINT64 fits, one second more does not. */
static void
test_timeout_overflow (void)
{
  g_autoptr(GError) error = NULL;
  guint n_expired = 0;
  Edge e;

  edge_setup (&e);
  g_assert_cmpint (edge_transfer (&e, "fund", 0, 1, 1000, 0, 0), ==, TALLY_TRANSFER_OK);
  e.clock = G_MAXINT64 - 10 * USEC;
  g_assert_cmpint (edge_transfer (&e, "fits", 1, 2, 10, TALLY_TRANSFER_FLAG_PENDING, 10), ==,
                   TALLY_TRANSFER_OK);
  g_assert_cmpint (edge_transfer (&e, "overflows", 1, 2, 10, TALLY_TRANSFER_FLAG_PENDING, 11), ==,
                   TALLY_TRANSFER_OVERFLOWS_TIMEOUT);
  g_assert_cmpint (edge_transfer (&e, "max", 1, 2, 10, TALLY_TRANSFER_FLAG_PENDING, G_MAXUINT32), ==,
                   TALLY_TRANSFER_OVERFLOWS_TIMEOUT);
  e.clock = G_MAXINT64 - 1;
  g_assert_true (tally_ledger_expire_pending (e.ledger, e.clock, &n_expired, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_expired, ==, 0);
  e.clock = G_MAXINT64;
  g_assert_true (tally_ledger_expire_pending (e.ledger, e.clock, &n_expired, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_expired, ==, 1);
  edge_assert_columns (&e, 1, 0, 0, 0, 1000);
  edge_assert_columns (&e, 2, 0, 0, 0, 0);
  g_assert_cmpint (tally_ledger_get_last_seq (e.ledger), ==, 3);
  edge_assert_check (&e);
  edge_teardown (&e);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ledger/model/random", test_model_random);
  g_test_add_func ("/ledger/model/overflow-boundaries", test_overflow_boundaries);
  g_test_add_func ("/ledger/model/overflow-pending-plus-posted", test_overflow_pending_plus_posted);
  g_test_add_func ("/ledger/model/large-totals", test_large_totals);
  g_test_add_func ("/ledger/model/timeout-overflow", test_timeout_overflow);

  return g_test_run ();
}
