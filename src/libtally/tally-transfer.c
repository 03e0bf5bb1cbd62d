/* tally-transfer.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-transfer.h"

/* Copies @src into a fixed field, cutting on a character boundary so a
 * truncated description is still valid UTF-8. */
static void
copy_text_field (char       *dest,
                 gsize       dest_size,
                 const char *src)
{
  gsize len;

  if (src == NULL)
    {
      dest[0] = '\0';
      return;
    }

  len = strlen (src);
  if (len >= dest_size)
    {
      const char *end = g_utf8_find_prev_char (src, src + dest_size);

      len = end != NULL ? (gsize) (end - src) : 0;
    }

  memcpy (dest, src, len);
  dest[len] = '\0';
}

void
tally_transfer_init (TallyTransfer     *transfer,
                     const char        *id,
                     const char        *debit_account_id,
                     const char        *credit_account_id,
                     gint64             amount,
                     TallyTransferKind  kind)
{
  g_return_if_fail (transfer != NULL);

  memset (transfer, 0, sizeof *transfer);
  copy_text_field (transfer->id, sizeof transfer->id, id);
  copy_text_field (transfer->debit_account_id, sizeof transfer->debit_account_id,
                   debit_account_id);
  copy_text_field (transfer->credit_account_id, sizeof transfer->credit_account_id,
                   credit_account_id);
  transfer->amount = amount;
  transfer->kind = kind;
}

void
tally_transfer_set_ref (TallyTransfer *transfer,
                        const char    *ref)
{
  copy_text_field (transfer->ref, sizeof transfer->ref, ref);
}

void
tally_transfer_set_tool_id (TallyTransfer *transfer,
                            const char    *tool_id)
{
  copy_text_field (transfer->tool_id, sizeof transfer->tool_id, tool_id);
}

void
tally_transfer_set_description (TallyTransfer *transfer,
                                const char    *description)
{
  copy_text_field (transfer->description, sizeof transfer->description, description);
}

void
tally_transfer_set_pending_id (TallyTransfer *transfer,
                               const char    *pending_id)
{
  copy_text_field (transfer->pending_id, sizeof transfer->pending_id, pending_id);
}

gboolean
tally_transfer_is_two_phase_settlement (const TallyTransfer *transfer)
{
  return (transfer->flags & (TALLY_TRANSFER_FLAG_POST_PENDING |
                             TALLY_TRANSFER_FLAG_VOID_PENDING)) != 0;
}
