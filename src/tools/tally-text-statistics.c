/* tally-text-statistics.c: words, sentences, paragraphs and readability
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tally-builtin-private.h"

/* An adult's silent reading speed. */
#define WORDS_PER_MINUTE 238

typedef struct
{
  gint64 characters;
  gint64 words;
  gint64 sentences;
  gint64 paragraphs;
  gint64 syllables;
} TextCounts;

static gboolean
is_vowel (gunichar c)
{
  return g_utf8_strchr ("aeiouyàâäéèêëîïôöùûüÿæœ", -1, g_unichar_tolower (c)) != NULL;
}

static gboolean
ends_sentence (gunichar c)
{
  return c == '.' || c == '!' || c == '?' || c == 0x2026 /* … */;
}

/* One pass over the text; words are split by white space, as the meter
 * counts them, so the run measures what was estimated. */
static gboolean
count_text (const TallyBuiltinRun  *run,
            const char             *text,
            TextCounts             *counts,
            GError                **error)
{
  gboolean in_word = FALSE;
  gboolean in_vowels = FALSE;
  gboolean sentence_open = FALSE;
  gboolean paragraph_open = FALSE;
  guint newlines = 0;
  gsize length = strlen (text);

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if ((++counts->characters & 0xffff) == 0)
        {
          if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
            return FALSE;
          tally_builtin_report (run, (guint64) (p - text), length);
        }

      if (g_unichar_isspace (c))
        {
          in_word = in_vowels = FALSE;
          newlines += c == '\n';
          if (newlines >= 2)
            paragraph_open = FALSE;
          continue;
        }

      newlines = 0;
      if (!in_word)
        counts->words++;
      if (!paragraph_open)
        counts->paragraphs++;
      in_word = paragraph_open = TRUE;

      if (ends_sentence (c))
        {
          counts->sentences += sentence_open;
          sentence_open = FALSE;
        }
      else if (g_unichar_isalnum (c))
        sentence_open = TRUE;

      if (is_vowel (c) && !in_vowels)
        counts->syllables++;
      in_vowels = is_vowel (c);
    }

  /* A last sentence without its full stop still counts. */
  counts->sentences += sentence_open;
  return TRUE;
}

/* Flesch reading ease: 100 and above is very easy, below 30 is hard. */
static double
reading_ease (const TextCounts *counts)
{
  double words = MAX (1, counts->words);
  double sentences = MAX (1, counts->sentences);

  return 206.835 - 1.015 * (words / sentences) - 84.6 * ((double) counts->syllables / words);
}

static const char *
ease_words (double score)
{
  if (score >= 80)
    return _("easy to read");
  if (score >= 60)
    return _("plain language");
  if (score >= 30)
    return _("fairly difficult to read");
  return _("difficult to read");
}

static char *
report_text (const TextCounts *counts)
{
  gint64 minutes = (counts->words + WORDS_PER_MINUTE - 1) / WORDS_PER_MINUTE;
  double score = reading_ease (counts);
  GString *report = g_string_new (NULL);

  g_string_append_printf (report, _("Words: %" PRId64 "\n"), counts->words);
  g_string_append_printf (report, _("Sentences: %" PRId64 "\n"), counts->sentences);
  g_string_append_printf (report, _("Paragraphs: %" PRId64 "\n"), counts->paragraphs);
  g_string_append_printf (report, _("Characters: %" PRId64 "\n"), counts->characters);
  g_string_append_printf (report, g_dngettext (GETTEXT_PACKAGE,
                                               "Reading time: about %" PRId64 " minute\n",
                                               "Reading time: about %" PRId64 " minutes\n",
                                               (gulong) minutes),
                          minutes);
  g_string_append_printf (report, _("Reading ease: %.0f out of 100 (%s)\n"), score,
                          ease_words (score));
  return g_string_free (report, FALSE);
}

gboolean
tally_builtin_text_statistics (const TallyBuiltinRun  *run,
                               gint64                 *units,
                               GError                **error)
{
  const char *text = tally_builtin_get_string (run, "text", NULL);
  TextCounts counts = { 0 };
  g_autofree char *report = NULL;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                           _("There is no text to count"));
      return FALSE;
    }

  if (!count_text (run, text, &counts, error))
    return FALSE;

  report = report_text (&counts);
  if (!tally_builtin_save (run, report, strlen (report), error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  *units = counts.words;
  return TRUE;
}
