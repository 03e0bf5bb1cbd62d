/* test-types.c: names, UUIDs and transfer helpers
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally.h"

static void
test_kinds_round_trip (void)
{
  for (guint i = 0; i < TALLY_N_TRANSFER_KINDS; i++)
    {
      TallyTransferKind kind;

      g_assert_true (tally_transfer_kind_from_string (tally_transfer_kind_to_string (i), &kind));
      g_assert_cmpint (kind, ==, i);
    }
  for (guint i = 0; i < TALLY_N_ACCOUNT_KINDS; i++)
    {
      TallyAccountKind kind;

      g_assert_true (tally_account_kind_from_string (tally_account_kind_to_string (i), &kind));
      g_assert_cmpint (kind, ==, i);
    }

  {
    TallyTransferKind kind = TALLY_TRANSFER_KIND_GRANT;

    g_assert_false (tally_transfer_kind_from_string ("Purchase", &kind));
    g_assert_false (tally_transfer_kind_from_string ("", &kind));
    g_assert_false (tally_transfer_kind_from_string (NULL, &kind));
    g_assert_cmpint (kind, ==, TALLY_TRANSFER_KIND_GRANT);
  }
}

static void
test_uuid_bytes (void)
{
  const char *text = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
  guint8 bytes[16];
  char back[TALLY_UUID_LEN];

  g_assert_true (tally_uuid_to_bytes (text, bytes));
  g_assert_cmpint (bytes[0], ==, 0x0f);
  g_assert_cmpint (bytes[15], ==, 0xf0);
  tally_uuid_from_bytes (bytes, back);
  g_assert_cmpstr (back, ==, text);

  g_assert_true (tally_uuid_to_bytes ("0F1E2D3C-4B5A-4968-8776-A5B4C3D2E1F0", bytes));
  tally_uuid_from_bytes (bytes, back);
  g_assert_cmpstr (back, ==, text);

  g_assert_false (tally_uuid_to_bytes ("0f1e2d3c4b5a49688776a5b4c3d2e1f0", bytes));
  g_assert_false (tally_uuid_to_bytes ("0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f", bytes));
  g_assert_false (tally_uuid_to_bytes ("' OR 1=1 --", bytes));
  g_assert_false (tally_uuid_to_bytes (NULL, bytes));
}

static void
test_uuid_derive (void)
{
  char a[TALLY_UUID_LEN], b[TALLY_UUID_LEN], c[TALLY_UUID_LEN];

  tally_uuid_derive ("stripe-session", "cs_test_123", a);
  tally_uuid_derive ("stripe-session", "cs_test_123", b);
  tally_uuid_derive ("stripe-session", "cs_test_124", c);

  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
  g_assert_true (g_uuid_string_is_valid (a));
  /* Version 8, RFC variant. */
  g_assert_cmpint (a[14], ==, '8');
  g_assert_nonnull (strchr ("89ab", a[19]));

  /* The namespace matters: "a" + "bc" is not "ab" + "c". */
  tally_uuid_derive ("a", "bc", b);
  tally_uuid_derive ("ab", "c", c);
  g_assert_cmpstr (b, !=, c);
}

static void
test_transfer_text_fields (void)
{
  TallyTransfer t;
  g_autoptr(GString) long_text = g_string_new (NULL);

  /* A long UTF-8 description is cut on a character boundary. */
  while (long_text->len < 2 * TALLY_DESCRIPTION_MAX)
    g_string_append (long_text, "é");

  tally_transfer_init (&t, NULL, NULL, NULL, 1, TALLY_TRANSFER_KIND_GRANT);
  tally_transfer_set_description (&t, long_text->str);
  g_assert_cmpuint (strlen (t.description), <, TALLY_DESCRIPTION_MAX);
  g_assert_true (g_utf8_validate (t.description, -1, NULL));
  g_assert_cmpuint (strlen (t.description), ==, TALLY_DESCRIPTION_MAX - 2);

  tally_transfer_set_ref (&t, NULL);
  g_assert_cmpstr (t.ref, ==, "");
}

static void
test_account_figures (void)
{
  TallyAccount a;

  tally_account_init (&a, NULL, TALLY_ACCOUNT_KIND_USER, 0, "A", NULL);
  g_assert_cmpstr (a.timezone, ==, "UTC");
  a.credits_posted = 100;
  a.debits_posted = 30;
  a.debits_pending = 20;
  g_assert_cmpint (tally_account_balance (&a), ==, 70);
  g_assert_cmpint (tally_account_available (&a), ==, 50);
  g_assert_cmpint (tally_account_held (&a), ==, 20);
}

/* ISO 4217's minor units: the receipt and the app format with these. */
static void
test_currency_decimals (void)
{
  const struct
  {
    const char *code;
    guint       decimals;
  } cases[] = {
    { "eur", 2 }, { "USD", 2 }, { "chf", 2 }, { "jpy", 0 }, { "KRW", 0 }, { "clp", 0 },
    { "vnd", 0 }, { "isk", 0 }, { "ISK", 0 }, { "mga", 2 }, { "kwd", 3 }, { "BHD", 3 },
    { "jod", 3 }, { "omr", 3 }, { "tnd", 3 }, { "iqd", 3 }, { "lyd", 3 }, { "clf", 4 },
    { "uyw", 4 }, { "xyz", 2 }, { "", 2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].code);
      g_assert_cmpuint (tally_currency_decimals (cases[i].code), ==, cases[i].decimals);
    }
}

static void
test_currency_format_number (void)
{
  const struct
  {
    gint64      amount;
    guint       decimals;
    const char *expected;
  } cases[] = {
    { 10000, 3, "10.000" },
    { 10000, 2, "100.00" },
    { 10000, 0, "10000" },
    { 5, 2, "0.05" },
    { 5, 4, "0.0005" },
    { -250, 2, "-2.50" },
    { 0, 3, "0.000" },
    { G_MININT64, 2, "-92233720368547758.08" },
    { G_MAXINT64, 0, "9223372036854775807" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = tally_currency_format_number (cases[i].amount, cases[i].decimals,
                                                            ".", FALSE);
      g_autofree char *comma = tally_currency_format_number (cases[i].amount, cases[i].decimals,
                                                             ",", TRUE);
      g_autofree char *expected_comma = g_strdelimit (g_strdup (cases[i].expected), ".", ',');

      g_assert_cmpstr (text, ==, cases[i].expected);
      /* The C locale groups nothing. */
      g_assert_cmpstr (comma, ==, expected_comma);
    }
}

/* Stripe counts ISK in hundredths and MGA in whole ariary. */
static void
test_currency_to_stripe (void)
{
  const struct
  {
    gint64      amount;
    const char *currency;
    gboolean    exact;
    gint64      stripe;
  } cases[] = {
    { 1000, "eur", TRUE, 1000 },
    { 10000, "kwd", TRUE, 10000 },
    { 500, "jpy", TRUE, 500 },
    { 1500, "isk", TRUE, 150000 },
    { 1500, "ISK", TRUE, 150000 },
    { G_MAXINT64 / 100 + 1, "isk", FALSE, 0 },
    { G_MININT64 / 100 - 1, "isk", FALSE, 0 },
    { 250000, "mga", TRUE, 2500 },
    { 250050, "mga", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 stripe = -1;

      g_test_message ("%" G_GINT64_FORMAT " %s", cases[i].amount, cases[i].currency);
      g_assert_cmpint (tally_currency_to_stripe (cases[i].amount, cases[i].currency, &stripe),
                       ==, cases[i].exact);
      if (cases[i].exact)
        g_assert_cmpint (stripe, ==, cases[i].stripe);
      else
        g_assert_cmpint (stripe, ==, -1);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/types/kinds", test_kinds_round_trip);
  g_test_add_func ("/types/uuid-bytes", test_uuid_bytes);
  g_test_add_func ("/types/uuid-derive", test_uuid_derive);
  g_test_add_func ("/types/transfer-text", test_transfer_text_fields);
  g_test_add_func ("/types/account-figures", test_account_figures);
  g_test_add_func ("/types/currency-decimals", test_currency_decimals);
  g_test_add_func ("/types/currency-format-number", test_currency_format_number);
  g_test_add_func ("/types/currency-to-stripe", test_currency_to_stripe);

  return g_test_run ();
}
