/* tally-text-compare.c: a line diff of two texts, in unified format
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tally-builtin-private.h"
#include "tally-tool.h"

/* Lines of unchanged text around each change, as diff -u shows. */
#define CONTEXT 3
/* The search for a middle snake costs about (lines of the part compared)
 * × (edits searched). Past this budget (within these bounds on the edits)
 * it settles for the furthest point it reached, as GNU diff does when a
 * comparison is too expensive: the diff stays correct (applying it gives
 * the revised text) but may not be the shortest. */
#define SEARCH_BUDGET 100000000
#define MIN_SEARCH_EDITS 256
#define MAX_SEARCH_EDITS 16384

typedef struct
{
  /* Where each line starts, and its length with its newline (the last
   * line may have none). */
  GArray *starts;
  GArray *lengths;
  /* A number per distinct line: equal lines, equal numbers. */
  GArray *ids;
  /* Whether the diff removes (original) or adds (revised) the line. */
  guint8 *changed;
} Lines;

typedef struct
{
  /* The sequences compared: line numbers of @ids, mapped back through
   * @map to the lines' indices. */
  const guint           *a;
  const guint           *b;
  const gssize          *a_map;
  const gssize          *b_map;
  Lines                 *original;
  Lines                 *revised;
  /* Furthest reaching paths, forward (x) and backward (y), by diagonal. */
  gssize                *forward;
  gssize                *backward;
  gssize                 offset;
  /* For progress: lines of both texts, and those whose fate is known. */
  guint64                total;
  guint64                settled;
  const TallyBuiltinRun *run;
} Diff;

static void
lines_clear (Lines *lines)
{
  g_clear_pointer (&lines->starts, g_array_unref);
  g_clear_pointer (&lines->lengths, g_array_unref);
  g_clear_pointer (&lines->ids, g_array_unref);
  g_clear_pointer (&lines->changed, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Lines, lines_clear)

static const char *
line_start (const Lines *lines,
            gsize        index)
{
  return g_array_index (lines->starts, const char *, index);
}

static gsize
line_length (const Lines *lines,
             gsize        index)
{
  return g_array_index (lines->lengths, gsize, index);
}

/* Splits @text into lines and numbers them through @interned (line text
 * -> id + 1), shared by both texts. */
static void
split_lines (const char *text,
             GHashTable *interned,
             Lines      *lines)
{
  lines->starts = g_array_new (FALSE, FALSE, sizeof (const char *));
  lines->lengths = g_array_new (FALSE, FALSE, sizeof (gsize));
  lines->ids = g_array_new (FALSE, FALSE, sizeof (guint));

  for (const char *p = text; *p != '\0';)
    {
      const char *newline = strchr (p, '\n');
      gsize length = newline != NULL ? (gsize) (newline - p) + 1 : strlen (p);
      char *key = g_strndup (p, length);
      guint id = GPOINTER_TO_UINT (g_hash_table_lookup (interned, key));

      if (id == 0)
        {
          id = g_hash_table_size (interned) + 1;
          g_hash_table_insert (interned, key, GUINT_TO_POINTER (id));
        }
      else
        g_free (key);

      id--;
      g_array_append_val (lines->starts, p);
      g_array_append_val (lines->lengths, length);
      g_array_append_val (lines->ids, id);
      p += length;
    }

  lines->changed = g_new0 (guint8, lines->ids->len + 1);
}

static void
mark_changed (Diff   *diff,
              gssize  a_low,
              gssize  a_high,
              gssize  b_low,
              gssize  b_high)
{
  for (gssize x = a_low; x < a_high; x++)
    diff->original->changed[diff->a_map[x]] = TRUE;
  for (gssize y = b_low; y < b_high; y++)
    diff->revised->changed[diff->b_map[y]] = TRUE;
}

#define FORWARD(k) diff->forward[diff->offset + (k)]
#define BACKWARD(c) diff->backward[diff->offset + (c)]

/* One round of the forward search; TRUE when it meets the backward one,
 * with a point of a shortest edit path in (@x, @y). */
static gboolean
search_forward (Diff   *diff,
                gssize  a_low,
                gssize  a_high,
                gssize  b_low,
                gssize  b_high,
                gssize  d,
                gssize *split_x,
                gssize *split_y)
{
  gssize delta = (a_high - a_low) - (b_high - b_low);

  for (gssize k = -d; k <= d; k += 2)
    {
      gssize x = k == -d || (k != d && FORWARD (k - 1) < FORWARD (k + 1)) ? FORWARD (k + 1)
                                                                         : FORWARD (k - 1) + 1;
      gssize y = b_low + (x - a_low) - k;
      gssize c = k - delta;

      while (x < a_high && y < b_high && diff->a[x] == diff->b[y])
        x++, y++;
      FORWARD (k) = x;

      if ((delta & 1) != 0 && c >= -(d - 1) && c <= d - 1 && y >= BACKWARD (c))
        {
          *split_x = x;
          *split_y = y;
          return TRUE;
        }
    }

  return FALSE;
}

static gboolean
search_backward (Diff   *diff,
                 gssize  a_low,
                 gssize  a_high,
                 gssize  b_low,
                 gssize  b_high,
                 gssize  d,
                 gssize *split_x,
                 gssize *split_y)
{
  gssize delta = (a_high - a_low) - (b_high - b_low);

  for (gssize c = -d; c <= d; c += 2)
    {
      gssize y = c == -d || (c != d && BACKWARD (c - 1) > BACKWARD (c + 1)) ? BACKWARD (c + 1)
                                                                          : BACKWARD (c - 1) - 1;
      gssize k = c + delta;
      gssize x = a_low + (y - b_low) + k;

      while (x > a_low && y > b_low && diff->a[x - 1] == diff->b[y - 1])
        x--, y--;
      BACKWARD (c) = y;

      if ((delta & 1) == 0 && k >= -d && k <= d && x <= FORWARD (k))
        {
          *split_x = x;
          *split_y = y;
          return TRUE;
        }
    }

  return FALSE;
}

/* The point furthest from the start that the forward search reached,
 * inside the part and neither its start nor its end. */
static gboolean
furthest_point (Diff   *diff,
                gssize  a_low,
                gssize  a_high,
                gssize  b_low,
                gssize  b_high,
                gssize  d,
                gssize *split_x,
                gssize *split_y)
{
  gssize best = 0;

  for (gssize k = -d; k <= d; k += 2)
    {
      gssize x = FORWARD (k);
      gssize y = b_low + (x - a_low) - k;

      if (x < a_low || x > a_high || y < b_low || y > b_high ||
          (x == a_high && y == b_high) || x + y <= best)
        continue;

      best = x + y;
      *split_x = x;
      *split_y = y;
    }

  return best > a_low + b_low;
}

/* Myers' middle snake: a point that a shortest edit path goes through,
 * neither its start nor its end; or when that costs too much, a point
 * that a short one does. FALSE when cancelled or none was found. */
static gboolean
find_split (Diff   *diff,
            gssize  a_low,
            gssize  a_high,
            gssize  b_low,
            gssize  b_high,
            gssize *split_x,
            gssize *split_y)
{
  gssize size = a_high - a_low + b_high - b_low;
  gssize limit = CLAMP (SEARCH_BUDGET / size, MIN_SEARCH_EDITS, MAX_SEARCH_EDITS);

  FORWARD (1) = a_low;
  BACKWARD (1) = b_high;
  for (gssize d = 0; d <= (size + 1) / 2; d++)
    {
      if (g_cancellable_is_cancelled (diff->run->cancellable))
        return FALSE;
      if (search_forward (diff, a_low, a_high, b_low, b_high, d, split_x, split_y) ||
          search_backward (diff, a_low, a_high, b_low, b_high, d, split_x, split_y))
        return TRUE;
      if (d >= limit)
        return furthest_point (diff, a_low, a_high, b_low, b_high, d, split_x, split_y);
    }

  return FALSE;
}

typedef struct
{
  gssize a_low;
  gssize a_high;
  gssize b_low;
  gssize b_high;
} Part;

static guint64
part_size (const Part *part)
{
  return (guint64) (part->a_high - part->a_low + part->b_high - part->b_low);
}

/* Marks what changes between a[0, @a_length) and b[0, @b_length): each
 * part is split at a point of its edit path until it is one side only.
 * A list of parts rather than recursion, as a split may be uneven. */
static void
compare (Diff   *diff,
         gssize  a_length,
         gssize  b_length)
{
  g_autoptr(GArray) parts = g_array_new (FALSE, FALSE, sizeof (Part));
  Part whole = { 0, a_length, 0, b_length };

  g_array_append_val (parts, whole);
  while (parts->len > 0 && !g_cancellable_is_cancelled (diff->run->cancellable))
    {
      Part part = g_array_index (parts, Part, parts->len - 1);
      Part before;
      Part after;
      gssize x = 0;
      gssize y = 0;

      g_array_set_size (parts, parts->len - 1);
      diff->settled += part_size (&part);
      while (part.a_low < part.a_high && part.b_low < part.b_high &&
             diff->a[part.a_low] == diff->b[part.b_low])
        part.a_low++, part.b_low++;
      while (part.a_low < part.a_high && part.b_low < part.b_high &&
             diff->a[part.a_high - 1] == diff->b[part.b_high - 1])
        part.a_high--, part.b_high--;
      diff->settled -= part_size (&part);

      /* With a common start and end taken away, and both sides left, the
       * shortest path has two edits at least, so the split is strictly
       * inside and both halves are smaller. */
      if (part.a_low == part.a_high || part.b_low == part.b_high ||
          !find_split (diff, part.a_low, part.a_high, part.b_low, part.b_high, &x, &y))
        {
          mark_changed (diff, part.a_low, part.a_high, part.b_low, part.b_high);
          diff->settled += part_size (&part);
          tally_builtin_report (diff->run, diff->settled, diff->total);
          continue;
        }

      before = (Part) { part.a_low, x, part.b_low, y };
      after = (Part) { x, part.a_high, y, part.b_high };
      g_array_append_val (parts, after);
      g_array_append_val (parts, before);
    }
}

/* The lines of @lines whose text also appears in @other (by @counts of
 * the other side): a line found on one side only is certainly removed or
 * added, and leaving it out of the search makes very different texts
 * cheap to compare. */
static GArray *
matchable_lines (Lines        *lines,
                 const guint  *other_counts,
                 GArray      **map)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (guint));

  *map = g_array_new (FALSE, FALSE, sizeof (gssize));
  for (guint i = 0; i < lines->ids->len; i++)
    {
      guint id = g_array_index (lines->ids, guint, i);
      gssize index = i;

      if (other_counts[id] == 0)
        {
          lines->changed[i] = TRUE;
          continue;
        }
      g_array_append_val (ids, id);
      g_array_append_val (*map, index);
    }

  return ids;
}

static guint *
count_ids (const Lines *lines,
           guint        n_ids)
{
  guint *counts = g_new0 (guint, n_ids + 1);

  for (guint i = 0; i < lines->ids->len; i++)
    counts[g_array_index (lines->ids, guint, i)]++;

  return counts;
}

/* Marks the lines that change from @original to @revised. */
static gboolean
diff_lines (const TallyBuiltinRun  *run,
            Lines                  *original,
            Lines                  *revised,
            guint                   n_ids,
            GError                **error)
{
  g_autofree guint *original_counts = count_ids (original, n_ids);
  g_autofree guint *revised_counts = count_ids (revised, n_ids);
  g_autoptr(GArray) a_map = NULL;
  g_autoptr(GArray) b_map = NULL;
  g_autoptr(GArray) a = matchable_lines (original, revised_counts, &a_map);
  g_autoptr(GArray) b = matchable_lines (revised, original_counts, &b_map);
  /* Diagonals from -(d + 1) to d + 1 for d up to the search's bound. */
  gssize size = MIN ((gssize) (a->len + b->len), MAX_SEARCH_EDITS) + 2;
  g_autofree gssize *forward = g_new0 (gssize, 2 * size + 1);
  g_autofree gssize *backward = g_new0 (gssize, 2 * size + 1);
  Diff diff = {
    (const guint *) a->data, (const guint *) b->data,
    (const gssize *) a_map->data, (const gssize *) b_map->data,
    original, revised, forward, backward, size,
    original->ids->len + revised->ids->len,
    original->ids->len + revised->ids->len - a->len - b->len,
    run,
  };

  compare (&diff, a->len, b->len);
  return !g_cancellable_set_error_if_cancelled (run->cancellable, error);
}

typedef enum
{
  OP_EQUAL,
  OP_REMOVE,
  OP_ADD,
} OpKind;

typedef struct
{
  OpKind kind;
  /* The positions in both texts when the op happens. */
  gsize  a;
  gsize  b;
} Op;

/* The edit script: removals before additions within each change. */
static GArray *
edit_script (const Lines *original,
             const Lines *revised)
{
  GArray *ops = g_array_new (FALSE, FALSE, sizeof (Op));
  gsize a = 0;
  gsize b = 0;

  while (a < original->ids->len || b < revised->ids->len)
    {
      Op op = { OP_EQUAL, a, b };

      if (a < original->ids->len && original->changed[a])
        op.kind = OP_REMOVE, a++;
      else if (b < revised->ids->len && revised->changed[b])
        op.kind = OP_ADD, b++;
      else
        a++, b++;
      g_array_append_val (ops, op);
    }

  return ops;
}

/* "start,count" as diff -u writes it: "5" for one line, "4,0" after line 4
 * for none. */
static void
append_range (GString *out,
              gsize    start,
              gsize    count)
{
  if (count == 1)
    g_string_append_printf (out, "%zu", start + 1);
  else if (count == 0)
    g_string_append_printf (out, "%zu,0", start);
  else
    g_string_append_printf (out, "%zu,%zu", start + 1, count);
}

static void
append_line (GString     *out,
             char         prefix,
             const Lines *lines,
             gsize        index)
{
  gsize length = line_length (lines, index);
  const char *start = line_start (lines, index);

  g_string_append_c (out, prefix);
  g_string_append_len (out, start, (gssize) length);
  if (length == 0 || start[length - 1] != '\n')
    g_string_append (out, "\n\\ No newline at end of file\n");
}

static void
append_hunk (GString     *out,
             const Op    *ops,
             gsize        n_ops,
             const Lines *original,
             const Lines *revised)
{
  gsize a_count = 0;
  gsize b_count = 0;

  for (gsize i = 0; i < n_ops; i++)
    {
      a_count += ops[i].kind != OP_ADD;
      b_count += ops[i].kind != OP_REMOVE;
    }

  g_string_append (out, "@@ -");
  append_range (out, ops[0].a, a_count);
  g_string_append (out, " +");
  append_range (out, ops[0].b, b_count);
  g_string_append (out, " @@\n");

  for (gsize i = 0; i < n_ops; i++)
    {
      if (ops[i].kind == OP_EQUAL)
        append_line (out, ' ', original, ops[i].a);
      else if (ops[i].kind == OP_REMOVE)
        append_line (out, '-', original, ops[i].a);
      else
        append_line (out, '+', revised, ops[i].b);
    }
}

/* The end of the hunk that starts with the change at @first: changes
 * closer than twice the context share it. */
static gsize
hunk_end (const Op *ops,
          gsize     n_ops,
          gsize     first)
{
  gsize last_change = first;

  for (gsize i = first; i < n_ops;)
    {
      gsize equal_start = i;

      if (ops[i].kind != OP_EQUAL)
        {
          last_change = i++;
          continue;
        }
      while (i < n_ops && ops[i].kind == OP_EQUAL)
        i++;
      if (i == n_ops || i - equal_start > 2 * CONTEXT)
        break;
    }

  return MIN (n_ops, last_change + 1 + CONTEXT);
}

static char *
unified_diff (const Lines *original,
              const Lines *revised)
{
  g_autoptr(GArray) script = edit_script (original, revised);
  const Op *ops = (const Op *) script->data;
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < script->len;)
    {
      gsize start;
      gsize end;

      if (ops[i].kind == OP_EQUAL)
        {
          i++;
          continue;
        }

      if (out->len == 0)
        g_string_append (out, "--- original\n+++ revised\n");
      start = i > CONTEXT ? i - CONTEXT : 0;
      end = hunk_end (ops, script->len, i);
      append_hunk (out, ops + start, end - start, original, revised);
      i = end;
    }

  return g_string_free (out, FALSE);
}

static const char *
get_text (const TallyBuiltinRun  *run,
          const char             *input_id,
          GError                **error)
{
  const char *text = tally_builtin_get_string (run, input_id, NULL);

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                   _("The input “%s” is missing or not of the right kind"), input_id);
      return NULL;
    }

  return text;
}

/* Identical texts give an empty diff, as diff -u does. */
gboolean
tally_builtin_text_compare (const TallyBuiltinRun  *run,
                            gint64                 *units,
                            GError                **error)
{
  const char *original_text = get_text (run, "original", error);
  const char *revised_text = original_text != NULL ? get_text (run, "revised", error) : NULL;
  g_autoptr(GHashTable) interned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(Lines) original = { 0 };
  g_auto(Lines) revised = { 0 };
  g_autofree char *output = NULL;

  if (revised_text == NULL)
    return FALSE;

  tally_builtin_report (run, 0, 1);
  split_lines (original_text, interned, &original);
  split_lines (revised_text, interned, &revised);
  if (!diff_lines (run, &original, &revised, g_hash_table_size (interned), error))
    return FALSE;

  output = unified_diff (&original, &revised);
  if (!tally_builtin_save (run, output, strlen (output), error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  *units = tally_tool_count_words (revised_text);
  return TRUE;
}
