/* tally-spell-check.c: the misspelt words of a text, with suggestions
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>

#include <enchant.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "tally-builtin-private.h"
#include "tally-tool.h"

#define MAX_SUGGESTIONS 5
/* Words between two looks at the cancellable. */
#define WORDS_PER_CHECK 256

/* The default first, as tally_builtin_get_choice wants it. */
static const char * const languages[] = { "en_US", "en_GB", "de_DE", "fr_FR", "es_ES", NULL };

typedef struct
{
  char  *word;
  guint  count;
  guint  line;
  char  *suggestions;
} Misspelling;

static void
misspelling_free (Misspelling *misspelling)
{
  g_free (misspelling->word);
  g_free (misspelling->suggestions);
  g_free (misspelling);
}

typedef struct
{
  EnchantDict *dict;
  /* word -> Misspelling, or NULL for words spelt right */
  GHashTable  *seen;
  /* Misspelling, in the order of their first line */
  GPtrArray   *misspellings;
} Checker;

static gboolean
is_apostrophe (gunichar c)
{
  return c == '\'' || c == 0x2019 /* ’ */;
}

static gboolean
is_word_char (gunichar c)
{
  return g_unichar_isalnum (c) || g_unichar_ismark (c);
}

/* Where the word that starts at @p ends: letters, marks and digits, with
 * apostrophes inside ("don't", "l’eau") but not around ("'quoted'"). */
static const char *
word_end (const char *p)
{
  const char *end = p;

  while (*p != '\0')
    {
      gunichar c = g_utf8_get_char (p);
      const char *next = g_utf8_next_char (p);

      if (is_word_char (c))
        end = next;
      else if (!is_apostrophe (c) || !is_word_char (g_utf8_get_char (next)))
        break;
      p = next;
    }

  return end;
}

/* Dictionaries know the typewriter apostrophe. */
static char *
normalize_word (const char *start,
                const char *end)
{
  GString *word = g_string_sized_new ((gsize) (end - start));

  for (const char *p = start; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_apostrophe (c))
        g_string_append_c (word, '\'');
      else
        g_string_append_unichar (word, c);
    }

  return g_string_free (word, FALSE);
}

static gboolean
has_digit (const char *word)
{
  for (const char *p = word; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_isdigit (g_utf8_get_char (p)))
        return TRUE;
    }

  return FALSE;
}

static char *
suggestions_of (EnchantDict *dict,
                const char  *word)
{
  size_t n = 0;
  char **list = enchant_dict_suggest (dict, word, -1, &n);
  GString *text = g_string_new (NULL);

  for (size_t i = 0; i < n && i < MAX_SUGGESTIONS; i++)
    {
      if (i > 0)
        g_string_append (text, ", ");
      g_string_append (text, list[i]);
    }

  if (list != NULL)
    enchant_dict_free_string_list (dict, list);
  return g_string_free (text, FALSE);
}

static void
check_word (Checker    *checker,
            char       *word,
            guint       line)
{
  Misspelling *misspelling;

  if (g_hash_table_lookup_extended (checker->seen, word, NULL, (gpointer *) &misspelling))
    {
      if (misspelling != NULL)
        misspelling->count++;
      g_free (word);
      return;
    }

  if (enchant_dict_check (checker->dict, word, -1) <= 0)
    {
      g_hash_table_insert (checker->seen, word, NULL);
      return;
    }

  misspelling = g_new0 (Misspelling, 1);
  misspelling->word = g_strdup (word);
  misspelling->count = 1;
  misspelling->line = line;
  misspelling->suggestions = suggestions_of (checker->dict, word);
  g_ptr_array_add (checker->misspellings, misspelling);
  g_hash_table_insert (checker->seen, word, misspelling);
}

static gboolean
check_text (const TallyBuiltinRun  *run,
            Checker                *checker,
            const char             *text,
            GError                **error)
{
  gsize length = strlen (text);
  guint line = 1;
  guint words = 0;
  const char *p = text;

  while (*p != '\0')
    {
      gunichar c = g_utf8_get_char (p);
      const char *end;
      char *word;

      if (!is_word_char (c))
        {
          line += c == '\n';
          p = g_utf8_next_char (p);
          continue;
        }

      end = word_end (p);
      word = normalize_word (p, end);
      p = end;
      /* Codes and numbers ("A4", "2026", "mp3") are no words to spell. */
      if (has_digit (word))
        g_free (word);
      else
        check_word (checker, word, line);

      if (++words % WORDS_PER_CHECK == 0)
        {
          if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
            return FALSE;
          tally_builtin_report (run, (guint64) (p - text), length);
        }
    }

  return TRUE;
}

static char *
report_text (Checker    *checker,
             const char *language,
             gint64      words)
{
  GString *report = g_string_new (NULL);

  g_string_append_printf (report, _("Language: %s\n"), language);
  g_string_append_printf (report, _("Words: %" PRId64 "\n"), words);
  g_string_append_printf (report, _("Misspelt words: %u\n"), checker->misspellings->len);

  for (guint i = 0; i < checker->misspellings->len; i++)
    {
      Misspelling *misspelling = g_ptr_array_index (checker->misspellings, i);

      g_string_append_c (report, '\n');
      g_string_append_printf (report, g_dngettext (GETTEXT_PACKAGE,
                                                   "%s: line %u, %u time\n",
                                                   "%s: line %u, %u times\n",
                                                   misspelling->count),
                              misspelling->word, misspelling->line, misspelling->count);
      if (misspelling->suggestions[0] != '\0')
        g_string_append_printf (report, _("  Suggestions: %s\n"), misspelling->suggestions);
      else
        g_string_append (report, _("  No suggestions\n"));
    }

  return g_string_free (report, FALSE);
}

static EnchantDict *
request_dict (EnchantBroker  *broker,
              const char     *language,
              GError        **error)
{
  EnchantDict *dict = enchant_broker_request_dict (broker, language);

  if (dict == NULL)
    g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                 _("There is no spelling dictionary for “%s” on this computer"), language);
  return dict;
}

gboolean
tally_builtin_spell_check (const TallyBuiltinRun  *run,
                           gint64                 *units,
                           GError                **error)
{
  const char *text = tally_builtin_get_string (run, "text", NULL);
  const char *language = tally_builtin_get_choice (run, "language", languages, error);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) misspellings =
    g_ptr_array_new_with_free_func ((GDestroyNotify) misspelling_free);
  Checker checker = { NULL, seen, misspellings };
  EnchantBroker *broker;
  g_autofree char *report = NULL;
  gboolean ok;

  if (language == NULL)
    return FALSE;
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                           _("There is no text to check"));
      return FALSE;
    }

  broker = enchant_broker_init ();
  checker.dict = request_dict (broker, language, error);
  ok = checker.dict != NULL && check_text (run, &checker, text, error);
  if (ok)
    report = report_text (&checker, language, tally_tool_count_words (text));
  if (checker.dict != NULL)
    enchant_broker_free_dict (broker, checker.dict);
  enchant_broker_free (broker);

  if (!ok || !tally_builtin_save (run, report, strlen (report), error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  /* As the estimate counts them. */
  *units = tally_tool_count_words (text);
  return TRUE;
}
