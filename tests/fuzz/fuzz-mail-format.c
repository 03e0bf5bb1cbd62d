/* fuzz-mail-format.c: tally_mail_format, the only way text reaches an email
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The input is split at NUL bytes into the recipient's address, name,
 * the subject and the body. Whatever they hold, a message that comes out
 * has exactly the server's headers, CRLF line ends only, short lines and
 * a 7-bit body; otherwise it does not come out, with an error.
 */

#include "config.h"

#include "fuzz-common.h"
#include "tally-mailer.h"

static const char * const header_names[] = {
  "Date:", "From:", "To:", "Subject:", "Message-ID:", "MIME-Version:", "Content-Type:",
  "Content-Transfer-Encoding:",
};

static void
check_line_ends (const char *message)
{
  for (const char *p = message; *p != '\0'; p++)
    {
      if (*p == '\r')
        fuzz_require (p[1] == '\n');
      if (*p == '\n')
        fuzz_require (p > message && p[-1] == '\r');
    }
}

/* Each header once, and nothing but continuation lines between them. */
static void
check_headers (const char *head)
{
  g_auto(GStrv) lines = g_strsplit (head, "\r\n", -1);
  guint seen[G_N_ELEMENTS (header_names)] = { 0 };

  for (guint i = 0; lines[i] != NULL; i++)
    {
      gboolean known = FALSE;

      /* RFC 5322's hard limit; folded encoded words keep to 76. */
      fuzz_require (strlen (lines[i]) <= 998);
      if (lines[i][0] == ' ')
        {
          fuzz_require (i > 0);
          fuzz_require (strlen (lines[i]) <= 76 || lines[i][1] == '<');
          continue;
        }
      for (guint h = 0; h < G_N_ELEMENTS (header_names); h++)
        if (g_str_has_prefix (lines[i], header_names[h]))
          {
            seen[h]++;
            known = TRUE;
          }
      fuzz_require (known);
    }

  for (guint h = 0; h < G_N_ELEMENTS (header_names); h++)
    fuzz_require (seen[h] == 1);
}

static void
check_body (const char *body)
{
  g_auto(GStrv) lines = g_strsplit (body, "\r\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      fuzz_require (strlen (lines[i]) <= 76);
      fuzz_require (lines[i][0] != '.');
      for (const char *p = lines[i]; *p != '\0'; p++)
        fuzz_require (*p == '\t' || ((guchar) *p >= 0x20 && (guchar) *p < 0x7f));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_malloc (size + 1);
  const char *fields[4] = { "a@example.test", "", "", "" };
  g_autoptr(GDateTime) date = g_date_time_new_utc (2026, 11, 26, 10, 0, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  const char *split;
  gsize offset = 0;

  /* NUL-terminated, so the NULs inside split the fields. */
  memcpy (text, data, size);
  text[size] = '\0';
  for (guint i = 0; i < G_N_ELEMENTS (fields) && offset < size; i++)
    {
      fields[i] = text + offset;
      offset += strlen (text + offset) + 1;
    }

  message = tally_mail_format ("tally@example.test", fields[0], fields[1], fields[2], fields[3],
                               date, "id@example.test", &error);
  if (message == NULL)
    {
      fuzz_require (error != NULL);
      return 0;
    }

  fuzz_require (error == NULL);
  check_line_ends (message);
  split = strstr (message, "\r\n\r\n");
  fuzz_require (split != NULL);
  {
    g_autofree char *head = g_strndup (message, split - message);

    check_headers (head);
  }
  check_body (split + 4);
  return 0;
}
