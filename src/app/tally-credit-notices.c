/* tally-credit-notices.c: words for the credits that come and go without
 * the user doing anything
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-format.h"
#include "tally-credit-notices.h"

/* More than this many new items at once (a first sync of an old account,
 * a long time offline) are history, not news. */
#define MAX_NOTICES 5
/* The description of a gift's transfer (the server's tally-gifts.c). */
#define GIFT_DESCRIPTION "Gift"

struct _TallyCreditNotices
{
  GObject     parent_instance;

  TallyCache *cache;
  char       *account_id;
  /* The newest seq already told about (or too old to tell). */
  gint64      seen_seq;
};

G_DEFINE_FINAL_TYPE (TallyCreditNotices, tally_credit_notices, G_TYPE_OBJECT)

enum
{
  NOTICE,
  GIFT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* NULL for the kinds the user caused and already heard about. */
static char *
notice_text (const TallyStatementItem *item)
{
  g_autofree char *credits = tally_format_credits (ABS (item->amount));

  switch (item->kind)
    {
    case TALLY_TRANSFER_KIND_GRANT:
    case TALLY_TRANSFER_KIND_ALLOCATION:
      /* Translators: "You received 100 credits: Welcome to the team" */
      return g_strdup_printf (_("You received %s: %s"), credits, item->description);
    case TALLY_TRANSFER_KIND_REFUND:
      return g_strdup_printf (_("%s were refunded: %s"), credits, item->description);
    case TALLY_TRANSFER_KIND_ADJUSTMENT:
      return item->amount > 0
               ? g_strdup_printf (_("%s were added: %s"), credits, item->description)
               : g_strdup_printf (_("%s were taken back: %s"), credits, item->description);
    case TALLY_TRANSFER_KIND_EXPIRY:
      return g_strdup_printf (_("%s expired"), credits);
    case TALLY_TRANSFER_KIND_PURCHASE:
      /* A gift: ::gift, which names who gave it. */
    case TALLY_TRANSFER_KIND_CONSUMPTION:
    case TALLY_TRANSFER_KIND_LEASE:
    case TALLY_N_TRANSFER_KINDS:
    default:
      return NULL;
    }
}

static void
tell_new_items (TallyCreditNotices *self)
{
  TallyStatementQuery query = { 0 };
  g_autoptr(GArray) items = NULL;
  g_autoptr(GError) error = NULL;
  gint64 cursor = tally_cache_get_cursor (self->cache);

  if (cursor <= self->seen_seq)
    return;

  g_strlcpy (query.account_id, self->account_id, sizeof query.account_id);
  query.exclude_kinds = TALLY_TRANSFER_KIND_MASK (TALLY_TRANSFER_KIND_LEASE);
  query.limit = MAX_NOTICES;
  items = tally_ledger_query_statement (tally_cache_get_ledger (self->cache), &query, NULL,
                                        &error);
  if (items == NULL)
    {
      g_warning ("Could not read the new transfers: %s", error->message);
      return;
    }

  /* Oldest first, as they happened. */
  for (guint i = items->len; i > 0; i--)
    {
      const TallyStatementItem *item = &g_array_index (items, TallyStatementItem, i - 1);
      g_autofree char *text = NULL;

      if (item->seq <= self->seen_seq || item->status != TALLY_ITEM_STATUS_POSTED)
        continue;
      if (item->kind == TALLY_TRANSFER_KIND_PURCHASE &&
          g_str_equal (item->description, GIFT_DESCRIPTION))
        {
          g_signal_emit (self, signals[GIFT], 0, item->id, item->amount);
          continue;
        }
      text = notice_text (item);
      if (text != NULL)
        g_signal_emit (self, signals[NOTICE], 0, text);
    }

  self->seen_seq = cursor;
}

static void
tally_credit_notices_finalize (GObject *object)
{
  TallyCreditNotices *self = TALLY_CREDIT_NOTICES (object);

  g_signal_handlers_disconnect_by_data (self->cache, self);
  g_clear_object (&self->cache);
  g_free (self->account_id);

  G_OBJECT_CLASS (tally_credit_notices_parent_class)->finalize (object);
}

static void
tally_credit_notices_class_init (TallyCreditNoticesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tally_credit_notices_finalize;

  /**
   * TallyCreditNotices::notice:
   * @text: one translated sentence
   */
  signals[NOTICE] = g_signal_new ("notice", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * TallyCreditNotices::gift:
   * @transfer_id: the gift's transfer
   * @credits: what it brought
   *
   * A gift someone bought for the user arrived; the transfer does not say
   * who gave it (GET /v1/me/gifts does).
   */
  signals[GIFT] = g_signal_new ("gift", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT64);
}

static void
tally_credit_notices_init (TallyCreditNotices *self)
{
}

TallyCreditNotices *
tally_credit_notices_new (TallyCache *cache,
                          const char *account_id)
{
  TallyCreditNotices *self;

  g_return_val_if_fail (TALLY_IS_CACHE (cache), NULL);
  g_return_val_if_fail (account_id != NULL, NULL);

  self = g_object_new (TALLY_TYPE_CREDIT_NOTICES, NULL);
  self->cache = g_object_ref (cache);
  self->account_id = g_strdup (account_id);
  /* What is in the cache already was seen in an earlier session. */
  self->seen_seq = tally_cache_get_cursor (cache);
  g_signal_connect_swapped (cache, "changed", G_CALLBACK (tell_new_items), self);
  return self;
}
