/* tally-text-redact.c: personal details in a text replaced by a mask
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

/* In the order they are looked for: an e-mail address may hold digits,
 * and the phone pattern would take a card number for one. */
typedef enum
{
  DETAIL_EMAIL,
  DETAIL_IBAN,
  DETAIL_CARD,
  DETAIL_IP_ADDRESS,
  DETAIL_IPV6_ADDRESS,
  DETAIL_PHONE,
  N_DETAILS,
} Detail;

typedef gboolean (*DetailCheck) (const char *candidate);

typedef struct
{
  const char  *pattern;
  DetailCheck  check;
} DetailKind;

static gboolean check_iban  (const char *candidate);
static gboolean check_card  (const char *candidate);
static gboolean check_ip    (const char *candidate);
static gboolean check_phone (const char *candidate);

/* Patterns find candidates; the checks (IBAN and card check digits, a
 * parseable address, a phone number's length) keep the real ones. */
static const DetailKind details[N_DETAILS] = {
  [DETAIL_EMAIL] = {
    "[\\w.!#$%&'*+/=?^`{|}~-]+@[\\w-]+(?:\\.[\\w-]+)*\\.\\p{L}{2,}", NULL },
  [DETAIL_IBAN] = {
    "\\b[A-Z]{2}\\d{2}(?: ?[A-Z0-9]){11,30}\\b", check_iban },
  [DETAIL_CARD] = {
    "(?<![\\w-])(?<!\\d )\\d(?:[ -]?\\d){12,18}(?![\\w-]|[ ]\\d)", check_card },
  [DETAIL_IP_ADDRESS] = {
    "(?<![\\w.])(?:\\d{1,3}\\.){3}\\d{1,3}(?!\\w|\\.\\d)", check_ip },
  [DETAIL_IPV6_ADDRESS] = {
    "(?<![\\w:])(?=[:0-9A-Fa-f]*[0-9A-Fa-f])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
    "(?:\\.\\d{1,3}){0,3}(?![\\w:])",
    check_ip },
  [DETAIL_PHONE] = {
    "(?<![\\w+.,])(?<!\\d[ .\\-/])(?:\\+\\d{1,3}[ .-]?)?(?:\\(\\d{1,5}\\)[ .-]?)?"
    "\\d(?:[ .\\-/]?\\d){5,14}(?!\\w|[ .\\-/]\\d)",
    check_phone },
};

/* Written as numbers but not phone numbers: dates and decimals. */
static const char not_phone_pattern[] =
  "^(?:\\d{4}-\\d{1,2}-\\d{1,2}|\\d{1,2}[./-]\\d{1,2}[./-]\\d{2,4}|\\d+[.,]\\d+)$";

typedef struct
{
  GRegex *patterns[N_DETAILS];
  GRegex *not_phone;
} Patterns;

/* Compiled once for the life of the program. */
static const Patterns *
get_patterns (void)
{
  static Patterns patterns;
  static gsize compiled = 0;

  if (g_once_init_enter (&compiled))
    {
      for (guint i = 0; i < N_DETAILS; i++)
        patterns.patterns[i] = g_regex_new (details[i].pattern, G_REGEX_OPTIMIZE, 0, NULL);
      patterns.not_phone = g_regex_new (not_phone_pattern, G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (&compiled, 1);
    }

  return &patterns;
}

static char *
digits_of (const char *candidate)
{
  GString *digits = g_string_new (NULL);

  for (const char *p = candidate; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (digits, *p);
    }

  return g_string_free (digits, FALSE);
}

/* ISO 13616: the country and check digits moved to the end, letters as
 * 10 to 35, the whole number modulo 97 is 1. */
static gboolean
check_iban (const char *candidate)
{
  g_autoptr(GString) iban = g_string_new (NULL);
  guint remainder = 0;

  for (const char *p = candidate; *p != '\0'; p++)
    {
      if (*p != ' ')
        g_string_append_c (iban, *p);
    }
  if (iban->len < 15 || iban->len > 34)
    return FALSE;

  for (gsize i = 0; i < iban->len; i++)
    {
      char c = iban->str[(i + 4) % iban->len];

      if (g_ascii_isdigit (c))
        remainder = (remainder * 10 + (guint) (c - '0')) % 97;
      else
        remainder = (remainder * 100 + (guint) (c - 'A' + 10)) % 97;
    }

  return remainder == 1;
}

/* Luhn: every second digit from the right doubled, the sum ends in 0. */
static gboolean
check_card (const char *candidate)
{
  g_autofree char *digits = digits_of (candidate);
  gsize length = strlen (digits);
  guint sum = 0;

  if (length < 13 || length > 19)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    {
      guint digit = (guint) (digits[length - 1 - i] - '0');

      if (i % 2 == 1)
        digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
      sum += digit;
    }

  return sum % 10 == 0;
}

static gboolean
check_ip (const char *candidate)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (candidate);

  return address != NULL;
}

/* ITU E.164: at most 15 digits; fewer than 7 is no phone number. */
static gboolean
check_phone (const char *candidate)
{
  g_autofree char *digits = digits_of (candidate);
  gsize length = strlen (digits);

  return length >= 7 && length <= 15 &&
         !g_regex_match (get_patterns ()->not_phone, candidate, 0, NULL);
}

static const char *
mask_of (Detail detail)
{
  switch (detail)
    {
    case DETAIL_EMAIL:
      return _("[e-mail address removed]");
    case DETAIL_IBAN:
      return _("[IBAN removed]");
    case DETAIL_CARD:
      return _("[card number removed]");
    case DETAIL_IP_ADDRESS:
    case DETAIL_IPV6_ADDRESS:
      return _("[IP address removed]");
    case DETAIL_PHONE:
      return _("[phone number removed]");
    case N_DETAILS:
    default:
      g_assert_not_reached ();
    }
}

typedef struct
{
  Detail  detail;
  guint   count;
} Redaction;

static gboolean
redact_match (const GMatchInfo *match_info,
              GString          *result,
              gpointer          user_data)
{
  Redaction *redaction = user_data;
  g_autofree char *candidate = g_match_info_fetch (match_info, 0);
  DetailCheck check = details[redaction->detail].check;

  if (check != NULL && !check (candidate))
    {
      g_string_append (result, candidate);
      return FALSE;
    }

  g_string_append (result, mask_of (redaction->detail));
  redaction->count++;
  return FALSE;
}

static const char * const details_choices[] = {
  "all", "emails", "phone-numbers", "card-numbers", NULL,
};

/* Which details a choice of the "details" input covers. */
static void
choose_details (const char *choice,
                gboolean   *chosen)
{
  gboolean all = g_str_equal (choice, "all");

  chosen[DETAIL_EMAIL] = all || g_str_equal (choice, "emails");
  chosen[DETAIL_PHONE] = all || g_str_equal (choice, "phone-numbers");
  /* Bank account numbers are as private as card numbers. */
  chosen[DETAIL_CARD] = chosen[DETAIL_IBAN] = all || g_str_equal (choice, "card-numbers");
  chosen[DETAIL_IP_ADDRESS] = chosen[DETAIL_IPV6_ADDRESS] = all;
}

/* Takes @part. */
static void
append_part (GString *summary,
             char    *part)
{
  if (summary->len > 0)
    g_string_append (summary, ", ");
  g_string_append (summary, part);
  g_free (part);
}

static char *
summary_text (const guint *counts)
{
  GString *summary = g_string_new (NULL);
  guint addresses = counts[DETAIL_IP_ADDRESS] + counts[DETAIL_IPV6_ADDRESS];

  if (counts[DETAIL_EMAIL] > 0)
    append_part (summary, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u e-mail address",
                                                        "%u e-mail addresses",
                                                        counts[DETAIL_EMAIL]),
                                           counts[DETAIL_EMAIL]));
  if (counts[DETAIL_PHONE] > 0)
    append_part (summary, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u phone number",
                                                        "%u phone numbers",
                                                        counts[DETAIL_PHONE]),
                                           counts[DETAIL_PHONE]));
  if (counts[DETAIL_CARD] > 0)
    append_part (summary, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u card number",
                                                        "%u card numbers",
                                                        counts[DETAIL_CARD]),
                                           counts[DETAIL_CARD]));
  if (counts[DETAIL_IBAN] > 0)
    append_part (summary, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u IBAN", "%u IBANs",
                                                        counts[DETAIL_IBAN]),
                                           counts[DETAIL_IBAN]));
  if (addresses > 0)
    append_part (summary, g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u IP address",
                                                        "%u IP addresses", addresses),
                                           addresses));

  return g_string_free (summary, FALSE);
}

/* What was removed, under the text, so that it can be checked before the
 * text is shared. */
static void
append_summary (GString     *out,
                const guint *counts)
{
  g_autofree char *summary = summary_text (counts);

  if (out->len > 0 && out->str[out->len - 1] != '\n')
    g_string_append_c (out, '\n');
  g_string_append (out, "\n-- \n");
  if (summary[0] == '\0')
    g_string_append (out, _("Tally found nothing to redact.\n"));
  else
    g_string_append_printf (out, _("Redacted by Tally: %s.\n"), summary);
}

static char *
redact (const TallyBuiltinRun  *run,
        const char             *text,
        const gboolean         *chosen,
        guint                  *counts,
        GError                **error)
{
  const Patterns *patterns = get_patterns ();
  g_autofree char *redacted = g_strdup (text);

  for (guint i = 0; i < N_DETAILS; i++)
    {
      Redaction redaction = { i, 0 };
      char *next;

      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return NULL;
      tally_builtin_report (run, i, N_DETAILS);
      if (!chosen[i])
        continue;

      next = g_regex_replace_eval (patterns->patterns[i], redacted, -1, 0, 0, redact_match,
                                   &redaction, error);
      if (next == NULL)
        return NULL;
      g_free (redacted);
      redacted = next;
      counts[i] = redaction.count;
    }

  return g_steal_pointer (&redacted);
}

gboolean
tally_builtin_text_redact (const TallyBuiltinRun  *run,
                           gint64                 *units,
                           GError                **error)
{
  const char *text = tally_builtin_get_string (run, "text", NULL);
  const char *choice;
  gboolean chosen[N_DETAILS] = { FALSE };
  guint counts[N_DETAILS] = { 0 };
  g_autofree char *redacted = NULL;
  g_autoptr(GString) out = NULL;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                           _("There is no text to redact"));
      return FALSE;
    }

  choice = tally_builtin_get_choice (run, "details", details_choices, error);
  if (choice == NULL)
    return FALSE;

  choose_details (choice, chosen);

  redacted = redact (run, text, chosen, counts, error);
  if (redacted == NULL)
    return FALSE;

  out = g_string_new (redacted);
  append_summary (out, counts);
  if (!tally_builtin_save (run, out->str, out->len, error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  *units = tally_tool_count_words (text);
  return TRUE;
}
