/* tally-text-summary.c: the sentences that carry most of a text
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "tally-builtin-private.h"
#include "tally-tool.h"

#define SENTENCES_PER_CHECK 1024

/* Words that say little about what a text is about, in the languages
 * Tally has dictionaries for; compared case-folded. */
static const char * const stopwords[] = {
  /* English */
  "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
  "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
  "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "even",
  "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers",
  "herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is", "it", "its",
  "itself", "just", "may", "me", "might", "more", "most", "much", "must", "my", "myself", "no",
  "nor", "not", "now", "of", "off", "on", "once", "one", "only", "or", "other", "our", "ours",
  "ourselves", "out", "over", "own", "same", "shall", "she", "should", "so", "some", "such",
  "than", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these",
  "they", "this", "those", "through", "to", "too", "under", "until", "up", "upon", "us", "very",
  "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will",
  "with", "would", "yet", "you", "your", "yours", "yourself", "yourselves",
  "it's", "don't", "doesn't", "isn't", "aren't", "wasn't", "weren't", "can't", "won't",
  "i'm", "i've", "you're", "we're", "they're", "that's", "there's",
  /* German */
  "aber", "als", "am", "an", "auch", "auf", "aus", "bei", "bin", "bis", "bist", "da", "damit",
  "dann", "das", "dass", "dem", "den", "der", "des", "die", "dies", "diese", "dieser", "doch",
  "du", "ein", "eine", "einem", "einen", "einer", "eines", "er", "es", "für", "hat", "hatte",
  "ich", "ihr", "im", "in", "ist", "ja", "kann", "man", "mit", "nach", "nicht", "noch", "nur",
  "oder", "sehr", "sich", "sie", "sind", "so", "um", "und", "uns", "von", "vor", "war", "was",
  "wie", "wir", "wird", "zu", "zum", "zur",
  /* French */
  "au", "aux", "avec", "ce", "ces", "dans", "de", "des", "du", "elle", "en", "est", "et", "il",
  "ils", "je", "la", "le", "les", "leur", "lui", "mais", "me", "même", "ne", "nous", "on", "ou",
  "par", "pas", "pour", "qu", "que", "qui", "sa", "se", "ses", "son", "sont", "sur", "ta", "te",
  "tu", "un", "une", "vous", "été", "être",
  /* Spanish */
  "al", "como", "con", "del", "el", "ella", "ellos", "entre", "es", "esta", "este", "fue", "ha",
  "hay", "las", "lo", "los", "más", "mi", "muy", "no", "para", "pero", "por", "porque", "se",
  "ser", "si", "sin", "sobre", "su", "sus", "también", "tiene", "todo", "uno", "y", "ya",
};

/* Words before a full stop that does not end a sentence. */
static const char * const abbreviations[] = {
  "approx", "cf", "co", "dept", "dr", "e.g", "etc", "fig", "i.e", "inc", "jr", "ltd", "mr",
  "mrs", "ms", "no", "p", "pp", "prof", "sr", "st", "vol", "vs",
};

typedef struct
{
  const char *start;
  gsize       length;
  guint       paragraph;
  double      score;
} Sentence;

static GHashTable *
word_set (const char * const *words,
          gsize               n_words)
{
  GHashTable *set = g_hash_table_new (g_str_hash, g_str_equal);

  for (gsize i = 0; i < n_words; i++)
    g_hash_table_add (set, (gpointer) words[i]);

  return set;
}

static gboolean
is_stopword (const char *word)
{
  static GHashTable *set = NULL;

  if (g_once_init_enter (&set))
    g_once_init_leave (&set, word_set (stopwords, G_N_ELEMENTS (stopwords)));

  return g_hash_table_contains (set, word);
}

static gboolean
is_abbreviation (const char *word)
{
  static GHashTable *set = NULL;

  if (g_once_init_enter (&set))
    g_once_init_leave (&set, word_set (abbreviations, G_N_ELEMENTS (abbreviations)));

  return g_hash_table_contains (set, word);
}

static gboolean
ends_sentence (gunichar c)
{
  return c == '.' || c == '!' || c == '?' || c == 0x2026 /* … */;
}

static gboolean
closes_quote (gunichar c)
{
  return c == '"' || c == '\'' || c == ')' || c == ']' || c == 0x201d || c == 0x2019 ||
         c == 0xbb;
}

/* The word just before the full stop at @stop, lower case: "Mr" for
 * "Mr." and "e.g" for "e.g.". */
static char *
word_before (const char *start,
             const char *stop)
{
  const char *p = stop;
  g_autofree char *word = NULL;

  while (p > start)
    {
      const char *previous = g_utf8_prev_char (p);
      gunichar c = g_utf8_get_char (previous);

      if (!g_unichar_isalpha (c) && c != '.')
        break;
      p = previous;
    }

  word = g_strndup (p, (gsize) (stop - p));
  return g_utf8_strdown (word, -1);
}

/* A full stop after an abbreviation or an initial ("J. Smith"), or
 * followed by a lower case word, does not end the sentence. */
static gboolean
is_false_stop (const char *sentence_start,
               const char *stop,
               const char *next)
{
  g_autofree char *word = NULL;

  if (*next != '\0' && g_unichar_islower (g_utf8_get_char (next)))
    return TRUE;
  if (*stop != '.')
    return FALSE;

  word = word_before (sentence_start, stop);
  return is_abbreviation (word) ||
         (g_utf8_strlen (word, -1) == 1 &&
          g_unichar_isupper (g_utf8_get_char (g_utf8_prev_char (stop))));
}

static const char *
skip_space (const char *p,
            guint      *newlines)
{
  for (; *p != '\0' && g_unichar_isspace (g_utf8_get_char (p)); p = g_utf8_next_char (p))
    *newlines += *p == '\n';

  return p;
}

/* Where the sentence starting at @start ends: after its final
 * punctuation and closing quotes, or at a paragraph break or the end. */
static const char *
sentence_end (const char *start)
{
  for (const char *p = start; *p != '\0'; p = g_utf8_next_char (p))
    {
      const char *end = p;
      guint newlines = 0;

      if (*p == '\n')
        {
          skip_space (p, &newlines);
          if (newlines >= 2)
            return p;
          continue;
        }
      if (!ends_sentence (g_utf8_get_char (p)))
        continue;

      while (*end != '\0' && (ends_sentence (g_utf8_get_char (end)) ||
                              closes_quote (g_utf8_get_char (end))))
        end = g_utf8_next_char (end);
      if (*end != '\0' && !g_unichar_isspace (g_utf8_get_char (end)))
        continue;
      if (!is_false_stop (start, p, skip_space (end, &newlines)))
        return end;
    }

  return start + strlen (start);
}

static GArray *
split_sentences (const char *text)
{
  GArray *sentences = g_array_new (FALSE, FALSE, sizeof (Sentence));
  guint paragraph = 0;
  const char *p = text;

  for (;;)
    {
      guint newlines = 0;
      Sentence sentence = { NULL, 0, 0, 0 };

      p = skip_space (p, &newlines);
      if (*p == '\0')
        break;

      paragraph += newlines >= 2;
      sentence.start = p;
      p = sentence_end (p);
      sentence.length = (gsize) (p - sentence.start);
      sentence.paragraph = paragraph;
      g_array_append_val (sentences, sentence);
    }

  return sentences;
}

static gboolean
is_apostrophe (gunichar c)
{
  return c == '\'' || c == 0x2019;
}

/* Inside a word: letters, digits, and an apostrophe between two of them. */
static gboolean
in_word (const char *p,
         const char *end)
{
  const char *next;

  if (g_unichar_isalnum (g_utf8_get_char (p)))
    return TRUE;

  next = g_utf8_next_char (p);
  return is_apostrophe (g_utf8_get_char (p)) && next < end &&
         g_unichar_isalnum (g_utf8_get_char (next));
}

/* The word from @start to @end, case-folded, with a plain apostrophe. */
static char *
normal_word (const char *start,
             const char *end)
{
  g_autofree char *folded = g_utf8_casefold (start, end - start);
  GString *word = g_string_new (NULL);

  for (const char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_string_append_unichar (word, is_apostrophe (c) ? '\'' : c);
    }

  return g_string_free (word, FALSE);
}

/* The words of @sentence that say what it is about: not stopwords, not
 * numbers. */
static GPtrArray *
content_words (const Sentence *sentence)
{
  GPtrArray *words = g_ptr_array_new_with_free_func (g_free);
  const char *end = sentence->start + sentence->length;
  const char *p = sentence->start;

  while (p < end)
    {
      const char *start;
      gboolean has_letter = FALSE;

      while (p < end && !g_unichar_isalnum (g_utf8_get_char (p)))
        p = g_utf8_next_char (p);
      for (start = p; p < end && in_word (p, end); p = g_utf8_next_char (p))
        has_letter |= g_unichar_isalpha (g_utf8_get_char (p));

      if (has_letter)
        {
          char *word = normal_word (start, p);

          if (is_stopword (word))
            g_free (word);
          else
            g_ptr_array_add (words, word);
        }
    }

  return words;
}

static gboolean
check_in (const TallyBuiltinRun  *run,
          guint                   index,
          guint                   pass,
          guint                   n_sentences,
          GError                **error)
{
  if (index % SENTENCES_PER_CHECK != 0)
    return TRUE;
  if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
    return FALSE;
  /* Two passes: counting the words, then scoring the sentences. */
  tally_builtin_report (run, (guint64) pass * n_sentences + index, (guint64) n_sentences * 2);
  return TRUE;
}

/* How often each content word appears in the whole text. */
static GHashTable *
count_words (const TallyBuiltinRun  *run,
             GArray                 *sentences,
             guint                  *most,
             GError                **error)
{
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  *most = 1;
  for (guint i = 0; i < sentences->len; i++)
    {
      g_autoptr(GPtrArray) words = NULL;

      if (!check_in (run, i, 0, sentences->len, error))
        return NULL;

      words = content_words (&g_array_index (sentences, Sentence, i));
      for (guint w = 0; w < words->len; w++)
        {
          const char *word = g_ptr_array_index (words, w);
          guint count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, word)) + 1;

          *most = MAX (*most, count);
          g_hash_table_insert (counts, g_strdup (word), GUINT_TO_POINTER (count));
        }
    }

  return g_steal_pointer (&counts);
}

/* A sentence's score: the frequencies of its words (relative to the most
 * frequent word), over the square root of how many there are, so that
 * long sentences are not chosen only for being long. */
static gboolean
score_sentences (const TallyBuiltinRun  *run,
                 GArray                 *sentences,
                 GError                **error)
{
  guint most;
  g_autoptr(GHashTable) counts = count_words (run, sentences, &most, error);

  if (counts == NULL)
    return FALSE;

  for (guint i = 0; i < sentences->len; i++)
    {
      Sentence *sentence = &g_array_index (sentences, Sentence, i);
      g_autoptr(GPtrArray) words = NULL;
      double sum = 0;

      if (!check_in (run, i, 1, sentences->len, error))
        return FALSE;

      words = content_words (sentence);
      for (guint w = 0; w < words->len; w++)
        sum += GPOINTER_TO_UINT (g_hash_table_lookup (counts, g_ptr_array_index (words, w)));
      sentence->score = words->len > 0 ? sum / most / sqrt (words->len) : 0;
    }

  return TRUE;
}

static int
compare_by_score (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  const Sentence *sentences = user_data;
  guint index_a = *(const guint *) a;
  guint index_b = *(const guint *) b;

  /* Best first; of equal ones, the earlier. */
  if (sentences[index_a].score != sentences[index_b].score)
    return sentences[index_a].score > sentences[index_b].score ? -1 : 1;
  return index_a < index_b ? -1 : index_a > index_b;
}

/* Which sentences are kept: the @n best. */
static gboolean *
choose_sentences (GArray *sentences,
                  guint   n)
{
  g_autoptr(GArray) order = g_array_sized_new (FALSE, FALSE, sizeof (guint), sentences->len);
  gboolean *chosen = g_new0 (gboolean, sentences->len + 1);

  for (guint i = 0; i < sentences->len; i++)
    g_array_append_val (order, i);
  g_array_sort_with_data (order, compare_by_score, sentences->data);

  for (guint i = 0; i < MIN (n, sentences->len); i++)
    chosen[g_array_index (order, guint, i)] = TRUE;

  return chosen;
}

/* The chosen sentences in their order, white space made single; those of
 * one paragraph together, paragraphs apart. */
static char *
summary_text (GArray         *sentences,
              const gboolean *chosen)
{
  GString *out = g_string_new (NULL);
  guint paragraph = 0;

  for (guint i = 0; i < sentences->len; i++)
    {
      const Sentence *sentence = &g_array_index (sentences, Sentence, i);
      const char *end = sentence->start + sentence->length;
      gboolean space = FALSE;

      if (!chosen[i])
        continue;

      if (out->len > 0)
        g_string_append (out, sentence->paragraph != paragraph ? "\n\n" : " ");
      paragraph = sentence->paragraph;

      for (const char *p = sentence->start; p < end; p = g_utf8_next_char (p))
        {
          if (g_unichar_isspace (g_utf8_get_char (p)))
            {
              space = TRUE;
              continue;
            }
          if (space)
            g_string_append_c (out, ' ');
          space = FALSE;
          g_string_append_len (out, p, g_utf8_next_char (p) - p);
        }
    }

  g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}

gboolean
tally_builtin_text_summary (const TallyBuiltinRun  *run,
                            gint64                 *units,
                            GError                **error)
{
  const char *text = tally_builtin_get_string (run, "text", NULL);
  g_autoptr(GArray) sentences = NULL;
  g_autofree gboolean *chosen = NULL;
  g_autofree char *summary = NULL;
  gint64 n;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                           _("There is no text to summarize"));
      return FALSE;
    }

  if (!tally_builtin_get_int_in_range (run, "sentences", 5, 1, 50, &n, error))
    return FALSE;

  sentences = split_sentences (text);
  if (sentences->len == 0)
    {
      g_set_error_literal (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                           _("There is no text to summarize"));
      return FALSE;
    }

  if (!score_sentences (run, sentences, error))
    return FALSE;

  chosen = choose_sentences (sentences, (guint) n);
  summary = summary_text (sentences, chosen);
  if (!tally_builtin_save (run, summary, strlen (summary), error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  *units = tally_tool_count_words (text);
  return TRUE;
}
