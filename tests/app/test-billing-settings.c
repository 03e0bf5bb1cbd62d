/* test-billing-settings.c: the typed invoice details and automatic
 * top-up settings, from replies of every shape and back to request bodies
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No window and no server: the replies are written here, wrong on
 * purpose. G_DEBUG=fatal-warnings makes a json-glib critical (a string
 * read from an object, say) fail the test too.
 */

#include "config.h"

#include "tally-auto-recharge.h"
#include "tally-invoice-details.h"

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static char *
to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return json_to_string (node, FALSE);
}

/* --- invoice details --- */

static TallyInvoiceDetails *
invoice_from (const char *json)
{
  g_autoptr(JsonObject) object = json != NULL ? parse_object (json) : NULL;

  return tally_invoice_details_new_from_json (object);
}

static void
assert_invoice (const TallyInvoiceDetails *details,
                const char                *company,
                const char                *address,
                const char                *vat_id)
{
  g_assert_cmpstr (details->company, ==, company);
  g_assert_cmpstr (details->address, ==, address);
  g_assert_cmpstr (details->vat_id, ==, vat_id);
}

static void
test_invoice_details_complete (void)
{
  g_autoptr(TallyInvoiceDetails) details = invoice_from (
    "{\"company\": \"Acme GmbH\", \"address\": \"Hauptstraße 1\\n10115 Berlin\","
    " \"vat_id\": \"DE123456789\", \"extra\": 1}");
  g_autoptr(TallyInvoiceDetails) copy = tally_invoice_details_copy (details);

  assert_invoice (details, "Acme GmbH", "Hauptstraße 1\n10115 Berlin", "DE123456789");
  assert_invoice (copy, "Acme GmbH", "Hauptstraße 1\n10115 Berlin", "DE123456789");
  g_assert_true (copy->company != details->company);
}

/* Whatever the reply, every detail is a string the entries can show. */
static void
test_invoice_details_malformed (void)
{
  static const char *replies[] = {
    "{}",
    "{\"company\": null, \"address\": null, \"vat_id\": null}",
    "{\"company\": 5, \"address\": true, \"vat_id\": 1.5}",
    "{\"company\": {\"name\": \"Acme\"}, \"address\": [\"a\", \"b\"], \"vat_id\": []}",
    NULL,
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_autoptr(TallyInvoiceDetails) details = invoice_from (replies[i]);

      g_test_message ("reply %s", replies[i] != NULL ? replies[i] : "(none)");
      assert_invoice (details, "", "", "");
    }
}

/* One member good among bad ones is still read. */
static void
test_invoice_details_partial (void)
{
  g_autoptr(TallyInvoiceDetails) details = invoice_from (
    "{\"company\": 7, \"address\": \"Rue 2\", \"vat_id\": null}");

  assert_invoice (details, "", "Rue 2", "");
}

static void
test_invoice_details_to_json (void)
{
  g_autoptr(TallyInvoiceDetails) details = tally_invoice_details_new ("Acme", NULL,
                                                                       "FR00123");
  g_autoptr(JsonObject) body = tally_invoice_details_to_json (details);
  g_autoptr(TallyInvoiceDetails) back = tally_invoice_details_new_from_json (body);
  g_autofree char *text = to_string (body);

  /* NULL is "": the server takes strings only. */
  g_assert_cmpstr (text, ==, "{\"company\":\"Acme\",\"address\":\"\",\"vat_id\":\"FR00123\"}");
  assert_invoice (back, "Acme", "", "FR00123");
}

/* --- automatic top-up --- */

static TallyAutoRecharge *
recharge_from (const char *json)
{
  g_autoptr(JsonObject) object = json != NULL ? parse_object (json) : NULL;

  return tally_auto_recharge_new_from_json (object);
}

static void
assert_recharge_off (const TallyAutoRecharge *recharge)
{
  g_assert_false (recharge->enabled);
  g_assert_cmpint (recharge->threshold, ==, 0);
  g_assert_null (recharge->pack_id);
  g_assert_cmpint (recharge->monthly_cap, ==, 0);
  g_assert_false (recharge->paused);
  g_assert_false (recharge->in_flight);
  g_assert_cmpint (recharge->failures, ==, 0);
}

static void
test_auto_recharge_complete (void)
{
  g_autoptr(TallyAutoRecharge) recharge = recharge_from (
    "{\"enabled\": true, \"threshold\": 300, \"pack\": \"starter\", \"monthly_cap\": 2,"
    " \"failures\": 3, \"paused\": true, \"in_flight\": true}");
  g_autoptr(TallyAutoRecharge) copy = tally_auto_recharge_copy (recharge);

  for (guint i = 0; i < 2; i++)
    {
      const TallyAutoRecharge *r = i == 0 ? recharge : copy;

      g_assert_true (r->enabled);
      g_assert_cmpint (r->threshold, ==, 300);
      g_assert_cmpstr (r->pack_id, ==, "starter");
      g_assert_cmpint (r->monthly_cap, ==, 2);
      g_assert_cmpint (r->failures, ==, 3);
      g_assert_true (r->paused);
      g_assert_true (r->in_flight);
    }
  g_assert_true (copy->pack_id != recharge->pack_id);
}

/* Nothing the server did not clearly say turns into settings: no member,
 * null, and values of another type (json-glib would convert them) are
 * all off, 0 and no pack. */
static void
test_auto_recharge_malformed (void)
{
  static const char *replies[] = {
    "{}",
    "{\"enabled\": null, \"threshold\": null, \"pack\": null, \"monthly_cap\": null,"
    " \"failures\": null, \"paused\": null, \"in_flight\": null}",
    "{\"enabled\": 1, \"threshold\": \"300\", \"pack\": 5, \"monthly_cap\": true,"
    " \"failures\": 2.5, \"paused\": \"yes\", \"in_flight\": 1}",
    "{\"enabled\": {}, \"threshold\": [300], \"pack\": {\"id\": \"starter\"},"
    " \"monthly_cap\": [], \"failures\": {}, \"paused\": [], \"in_flight\": {}}",
    "{\"threshold\": -5, \"monthly_cap\": -1, \"failures\": -3}",
    NULL,
  };

  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_autoptr(TallyAutoRecharge) recharge = recharge_from (replies[i]);

      g_test_message ("reply %s", replies[i] != NULL ? replies[i] : "(none)");
      assert_recharge_off (recharge);
    }
}

static void
test_auto_recharge_partial (void)
{
  g_autoptr(TallyAutoRecharge) recharge = recharge_from (
    "{\"enabled\": \"true\", \"threshold\": 150, \"pack\": \"pro\", \"failures\": 1}");

  g_assert_false (recharge->enabled);
  g_assert_cmpint (recharge->threshold, ==, 150);
  g_assert_cmpstr (recharge->pack_id, ==, "pro");
  g_assert_cmpint (recharge->monthly_cap, ==, 0);
  g_assert_cmpint (recharge->failures, ==, 1);
  g_assert_false (recharge->paused);
}

/* The body carries what the user sets, never the server's own state. */
static void
test_auto_recharge_to_json (void)
{
  g_autoptr(TallyAutoRecharge) recharge = tally_auto_recharge_new (TRUE, 300, "starter", 2);
  g_autoptr(TallyAutoRecharge) no_pack = tally_auto_recharge_new (FALSE, 0, NULL, 1);
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(JsonObject) no_pack_body = tally_auto_recharge_to_json (no_pack);
  g_autoptr(TallyAutoRecharge) back = NULL;
  g_autofree char *text = NULL;
  g_autofree char *no_pack_text = to_string (no_pack_body);

  recharge->paused = TRUE;
  recharge->in_flight = TRUE;
  recharge->failures = 4;
  body = tally_auto_recharge_to_json (recharge);
  text = to_string (body);
  g_assert_cmpstr (text, ==,
                   "{\"enabled\":true,\"threshold\":300,\"pack\":\"starter\",\"monthly_cap\":2}");
  g_assert_cmpstr (no_pack_text, ==,
                   "{\"enabled\":false,\"threshold\":0,\"pack\":null,\"monthly_cap\":1}");

  back = tally_auto_recharge_new_from_json (body);
  g_assert_true (back->enabled);
  g_assert_cmpint (back->threshold, ==, 300);
  g_assert_cmpstr (back->pack_id, ==, "starter");
  g_assert_cmpint (back->monthly_cap, ==, 2);
  g_assert_false (back->paused);
  g_assert_cmpint (back->failures, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/invoice-details/complete", test_invoice_details_complete);
  g_test_add_func ("/invoice-details/malformed", test_invoice_details_malformed);
  g_test_add_func ("/invoice-details/partial", test_invoice_details_partial);
  g_test_add_func ("/invoice-details/to-json", test_invoice_details_to_json);
  g_test_add_func ("/auto-recharge/complete", test_auto_recharge_complete);
  g_test_add_func ("/auto-recharge/malformed", test_auto_recharge_malformed);
  g_test_add_func ("/auto-recharge/partial", test_auto_recharge_partial);
  g_test_add_func ("/auto-recharge/to-json", test_auto_recharge_to_json);

  return g_test_run ();
}
