/* tally-languages.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libintl.h>
#include <locale.h>
#include <string.h>
#include <libsoup/soup.h>

#include "tally-languages.h"

/* The server answers each request in the language it asks for
 * (Accept-Language), while other requests are being answered in others: a
 * message is translated under a thread locale (uselocale), never by
 * changing the process's locale or environment, which other threads read. */

typedef struct
{
  char     *tag;
  locale_t  locale;
} Language;

static GArray *
languages_load (void)
{
  g_auto(GStrv) linguas = g_strsplit (TALLY_LINGUAS, " ", -1);
  GArray *languages = g_array_new (FALSE, TRUE, sizeof (Language));
  Language source = { g_strdup ("en"), (locale_t) 0 };

  g_array_append_val (languages, source);
  for (guint i = 0; linguas[i] != NULL; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *upper = g_ascii_strup (linguas[i], -1);
      Language language;

      if (linguas[i][0] == '\0')
        continue;

      /* gettext picks the catalogue from the locale's name, and only an
       * installed locale has one: "de" needs de_DE.UTF-8, "pt_BR" pt_BR.UTF-8. */
      if (strchr (linguas[i], '_') != NULL)
        name = g_strconcat (linguas[i], ".UTF-8", NULL);
      else
        name = g_strdup_printf ("%s_%s.UTF-8", linguas[i], upper);

      language.locale = newlocale (LC_MESSAGES_MASK | LC_CTYPE_MASK, name, (locale_t) 0);
      if (language.locale == (locale_t) 0)
        {
          g_message ("Answers stay in English for “%s”: the %s locale is not installed",
                     linguas[i], name);
          continue;
        }
      language.tag = g_strdelimit (g_ascii_strdown (linguas[i], -1), "_", '-');
      g_array_append_val (languages, language);
    }

  return languages;
}

static GArray *
languages_get (void)
{
  static GArray *languages;

  if (g_once_init_enter (&languages))
    g_once_init_leave (&languages, languages_load ());

  return languages;
}

guint
tally_languages_count (void)
{
  return languages_get ()->len;
}

const char *
tally_languages_tag (guint language)
{
  GArray *languages = languages_get ();

  g_return_val_if_fail (language < languages->len, NULL);

  return g_array_index (languages, Language, language).tag;
}

/* "de-AT" matches "de-at" exactly, then "de"; "de" matches "de-at". */
static gboolean
tag_matches (const char *wanted,
             const char *tag)
{
  gsize wanted_length = strcspn (wanted, "-");
  gsize tag_length = strcspn (tag, "-");

  if (g_ascii_strcasecmp (wanted, tag) == 0)
    return TRUE;

  return wanted_length == tag_length && g_ascii_strncasecmp (wanted, tag, tag_length) == 0;
}

static guint
language_for_tag (const char *wanted)
{
  GArray *languages = languages_get ();

  for (guint i = 0; i < languages->len; i++)
    {
      if (tag_matches (wanted, g_array_index (languages, Language, i).tag))
        return i;
    }

  return G_MAXUINT;
}

guint
tally_languages_negotiate (const char *accept_language)
{
  GSList *wanted;
  guint chosen = TALLY_LANGUAGE_SOURCE;

  if (accept_language == NULL)
    return TALLY_LANGUAGE_SOURCE;

  /* Sorted by quality, without the ones with q=0. */
  wanted = soup_header_parse_quality_list (accept_language, NULL);
  for (GSList *l = wanted; l != NULL; l = l->next)
    {
      guint language = language_for_tag (l->data);

      if (language != G_MAXUINT)
        {
          chosen = language;
          break;
        }
    }
  soup_header_free_list (wanted);

  return chosen;
}

char *
tally_languages_vprintf (guint       language,
                         const char *format,
                         va_list     args)
{
  GArray *languages = languages_get ();
  locale_t previous;
  char *text;

  g_return_val_if_fail (language < languages->len, NULL);

  if (language == TALLY_LANGUAGE_SOURCE)
    return g_strdup_vprintf (format, args);

  previous = uselocale (g_array_index (languages, Language, language).locale);
  text = g_strdup_vprintf (dgettext (GETTEXT_PACKAGE, format), args);
  uselocale (previous);

  return text;
}

char *
tally_languages_vnprintf (guint       language,
                          const char *singular,
                          const char *plural,
                          gulong      n,
                          va_list     args)
{
  GArray *languages = languages_get ();
  locale_t previous;
  char *text;

  g_return_val_if_fail (language < languages->len, NULL);

  if (language == TALLY_LANGUAGE_SOURCE)
    return g_strdup_vprintf (n == 1 ? singular : plural, args);

  previous = uselocale (g_array_index (languages, Language, language).locale);
  text = g_strdup_vprintf (dngettext (GETTEXT_PACKAGE, singular, plural, n), args);
  uselocale (previous);

  return text;
}
