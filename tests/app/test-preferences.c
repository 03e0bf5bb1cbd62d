/* test-preferences.c: Preferences and receipts against a real server, under Xvfb
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every setting is changed through its widget and read back through the
 * server's API (or GSettings), so what the window shows and what it saves
 * are both checked.
 */

#include "config.h"

#include <adwaita.h>
#include <string.h>

#include "tally-client.h"
#include "tally-preferences-window.h"
#include "tally-purchase-page.h"
#include "tally-window.h"

#include "tally-app-test.h"

static TestServer *server;

static gboolean
preferences_gone (gpointer data)
{
  GtkWidget *found = NULL;

  return !preferences_shown (&found);
}

static void
show_page (GtkWidget  *prefs,
           const char *name)
{
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), name);
  settle (prefs);
}

/* The spin button of the row titled @title. */
static GtkSpinButton *
row_spin (GtkWidget  *prefs,
          const char *title)
{
  GtkWidget *row = wait_for_widget (prefs, is_action_row_titled, title);
  GtkWidget *spin = find_widget (row, is_spin_button, NULL);

  g_assert_nonnull (spin);
  return GTK_SPIN_BUTTON (spin);
}

static gboolean
is_combo_row (GtkWidget  *widget,
              const char *unused)
{
  return ADW_IS_COMBO_ROW (widget);
}

static gboolean
pack_choices_loaded (gpointer data)
{
  GListModel *model = adw_combo_row_get_model (ADW_COMBO_ROW (data));

  return model != NULL && g_list_model_get_n_items (model) >= 3;
}

/* The confirmation sizes go to GSettings as they change. */
static void
check_confirmations (GtkWidget *prefs,
                     GSettings *settings)
{
  show_page (prefs, "runs");
  save_screenshot (prefs, "preferences-runs.png");

  gtk_spin_button_set_value (row_spin (prefs, "Ask before runs above"), 75);
  g_assert_cmpint (g_settings_get_int64 (settings, "confirm-above"), ==, 75);
  gtk_spin_button_set_value (row_spin (prefs, "Ask before purchases above"), 20);
  g_assert_cmpint (g_settings_get_int64 (settings, "confirm-purchase-above"), ==, 2000);
  /* And back: a change elsewhere shows here. */
  g_settings_set_int64 (settings, "confirm-above", 120);
  g_assert_cmpfloat (gtk_spin_button_get_value (row_spin (prefs, "Ask before runs above")), ==,
                     120);
}

static void
check_caps (GtkWidget  *prefs,
            const char *token)
{
  g_autoptr(TestResponse) me = NULL;

  show_page (prefs, "limits");
  wait_for_widget (prefs, is_label_with, "No ceiling");
  wait_for_widget (prefs, is_label_with, "Ceiling: 1000 credits");

  /* Looser than the administrator's ceiling: refused, in words. */
  gtk_spin_button_set_value (row_spin (prefs, "Daily"), 5000);
  click (prefs, "Save _Caps");
  wait_for_widget (prefs, is_label_starting, "Your caps were not saved: ");

  gtk_spin_button_set_value (row_spin (prefs, "Per run"), 40);
  gtk_spin_button_set_value (row_spin (prefs, "Daily"), 300);
  gtk_spin_button_set_value (row_spin (prefs, "Monthly"), 2000);
  click (prefs, "Save _Caps");
  wait_for_widget (prefs, is_label_with, "Caps saved");
  save_screenshot (prefs, "preferences-limits.png");

  me = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpint (test_response_int (me, "limits.per_run.user"), ==, 40);
  g_assert_cmpint (test_response_int (me, "limits.daily.user"), ==, 300);
  g_assert_cmpint (test_response_int (me, "limits.monthly.user"), ==, 2000);
  g_assert_cmpint (test_response_int (me, "limits.daily.cap"), ==, 300);
  g_assert_cmpint (test_response_int (me, "limits.daily.ceiling"), ==, 1000);
}

/* An administrator's daily ceiling of 1000 for the user. */
static void
set_ceiling (const char *token)
{
  g_autofree char *admin = test_admin_new (server, "prefs-admin@example.com");
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);
  g_autofree char *path = g_strdup_printf ("/v1/admin/accounts/%s/limits",
                                           test_response_string (me, "user.account_id"));
  g_autoptr(TestResponse) set = test_request (server, "PUT", path, admin, "{\"daily\": 1000}");

  g_assert_cmpuint (set->status, ==, 200);
}

static void
check_invoice_details (GtkWidget  *prefs,
                       const char *token)
{
  g_autoptr(TestResponse) details = NULL;
  GtkWidget *address;

  show_page (prefs, "billing");
  type_into (prefs, "Company", "Acme Rechenzentrum GmbH");
  type_into (prefs, "VAT ID", "DE123456789");
  address = wait_for_widget (prefs, is_text_view, NULL);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (address)),
                            "Hauptstraße 1\n10115 Berlin\nGermany", -1);
  click (prefs, "Save _Invoice Details");
  wait_for_widget (prefs, is_label_with, "Invoice details saved");

  details = test_request (server, "GET", "/v1/me/invoice-details", token, NULL);
  g_assert_cmpuint (details->status, ==, 200);
  g_assert_cmpstr (test_response_string (details, "company"), ==, "Acme Rechenzentrum GmbH");
  g_assert_cmpstr (test_response_string (details, "vat_id"), ==, "DE123456789");
  g_assert_cmpstr (test_response_string (details, "address"), ==,
                   "Hauptstraße 1\n10115 Berlin\nGermany");
}

/* Saved off, then refused on: the demo provider has no saved cards, and
 * the window says so in words. */
static void
check_auto_recharge (GtkWidget  *prefs,
                     const char *token)
{
  g_autoptr(TestResponse) recharge = NULL;
  GtkWidget *pack_row = wait_for_widget (prefs, is_combo_row, NULL);
  GtkWidget *toggle = find_widget (wait_for_widget (prefs, is_action_row_titled,
                                                    "Top up automatically"), is_switch, NULL);

  wait_for (pack_choices_loaded, pack_row, "the packs to choose from");
  wait_for_widget (prefs, is_label_with, "Off");
  gtk_spin_button_set_value (row_spin (prefs, "When the balance falls below"), 300);
  gtk_spin_button_set_value (row_spin (prefs, "At most, each month"), 2);
  adw_combo_row_set_selected (ADW_COMBO_ROW (pack_row), 0);
  click (prefs, "Save _Automatic Top-Up");
  wait_for_widget (prefs, is_label_with, "Automatic top-up saved");

  recharge = test_request (server, "GET", "/v1/me/auto-recharge", token, NULL);
  g_assert_cmpint (test_response_int (recharge, "threshold"), ==, 300);
  g_assert_cmpint (test_response_int (recharge, "monthly_cap"), ==, 2);
  g_assert_cmpstr (test_response_string (recharge, "pack"), ==, "starter");
  g_assert_false (json_node_get_boolean (test_response_member (recharge, "enabled")));

  gtk_switch_set_active (GTK_SWITCH (toggle), TRUE);
  click (prefs, "Save _Automatic Top-Up");
  wait_for_widget (prefs, is_label_starting, "Automatic top-up was not saved: ");
  save_screenshot (prefs, "preferences-billing.png");

  click (prefs, "_Manage Payment Methods");
  wait_for_widget (prefs, is_label_starting, "Your payment methods cannot be managed now: ");
}

static void
demo_purchase (const char *token)
{
  g_autoptr(TestResponse) checkout = test_request (server, "POST", "/v1/checkout", token,
                                                   "{\"pack\": \"starter\"}");
  g_autofree char *pay = NULL;
  g_autoptr(TestResponse) paid = NULL;

  g_assert_cmpuint (checkout->status, ==, 200);
  pay = g_strconcat (test_response_string (checkout, "url") + strlen (server->base_url), "/pay",
                     NULL);
  paid = test_request (server, "POST", pay, NULL, NULL);
  g_assert_cmpuint (paid->status, ==, 200);
}

typedef struct
{
  const char *path;
} PdfWait;

static gboolean
pdf_written (gpointer data)
{
  PdfWait *wait = data;
  g_autofree char *contents = NULL;
  gsize length = 0;

  return g_file_get_contents (wait->path, &contents, &length, NULL) && length > 4 &&
         memcmp (contents, "%PDF", 4) == 0;
}

/* The payment shows with its receipt, which downloads as a PDF. */
static void
check_receipt (GtkWidget  *window,
               const char *token)
{
  g_autofree char *dir = g_dir_make_tmp ("tally-receipt-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "tally-receipt.pdf", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(TestResponse) payments = NULL;
  PdfWait wait = { path };
  TallyPurchasePage *page;

  demo_purchase (token);
  wait_for_credits (window, 500);
  payments = test_request (server, "GET", "/v1/payments", token, NULL);
  g_assert_cmpstr (test_response_string (payments, "items.0.status"), ==, "paid");

  show_view (window, "purchase");
  page = TALLY_PURCHASE_PAGE (wait_for_widget (window, is_purchase_page, NULL));
  wait_for_widget (window, is_label_with, "Receipts");
  wait_for_widget (window, is_button_labelled, "Download Receipt");
  /* Bought before: offered first as a one-click top-up. */
  wait_for_widget (window, is_button_labelled, "Top Up");
  save_screenshot (window, "purchase-receipts.png");

  tally_purchase_page_download_receipt (page, test_response_string (payments, "items.0.id"),
                                        file);
  wait_for (pdf_written, &wait, "the receipt's PDF");
  wait_for_widget (window, is_label_with, "Receipt saved");

  test_remove_tree (dir);
}

/* One signed-up user, under an administrator's ceiling, and their window,
 * for every test: signing up costs more than most checks. Each test
 * opens Preferences itself and closes it. */
static struct
{
  TallyClient *client;
  GSettings   *settings;
  GtkWidget   *window;
} session;

static const char *
session_token (void)
{
  if (session.window == NULL)
    {
      session.client = tally_client_new (server->base_url);
      session.settings = g_settings_new (APPLICATION_ID);
      session.window = signed_up_window (server, session.client, session.settings,
                                         "prefs@example.com");
      set_ceiling (tally_client_get_token (session.client));
    }
  return tally_client_get_token (session.client);
}

static void
session_end (void)
{
  if (session.window == NULL)
    return;
  gtk_window_destroy (GTK_WINDOW (session.window));
  g_clear_object (&session.settings);
  g_clear_object (&session.client);
}

static GtkWidget *
open_session_preferences (void)
{
  session_token ();
  return open_preferences (session.window);
}

static void
close_preferences (GtkWidget *prefs)
{
  gtk_window_close (GTK_WINDOW (prefs));
  wait_for (preferences_gone, NULL, "the preferences window to close");
}

static void
test_confirmations (void)
{
  GtkWidget *prefs = open_session_preferences ();

  check_confirmations (prefs, session.settings);
  close_preferences (prefs);
  g_settings_reset (session.settings, "confirm-above");
  g_settings_reset (session.settings, "confirm-purchase-above");
}

/* A dinar has 1,000 fils: the purchase threshold's whole units follow
 * the packs' currency, not an assumed two decimals. */
static gboolean
spin_shows (gpointer data)
{
  gpointer *spin_and_value = data;

  return gtk_spin_button_get_value (spin_and_value[0]) == *(double *) spin_and_value[1];
}

static void
test_confirmations_in_dinars (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tally-dinars-XXXXXX", NULL);
  g_autofree char *packs = g_build_filename (dir, "packs.json", NULL);
  g_autofree char *packs_arg = g_strconcat ("--packs-file=", packs, NULL);
  const char *args[] = { packs_arg, NULL };
  g_autoptr(TestServer) dinars = NULL;
  g_autoptr(TallyClient) client = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(GError) error = NULL;
  GtkWidget *window, *prefs;
  GtkSpinButton *spin;
  double five = 5;
  gpointer wait[] = { NULL, &five };

  g_file_set_contents (packs, "{\"packs\": [{\"id\": \"dinar\", \"name\": \"Dinars\", "
                       "\"credits\": 100, \"price\": {\"amount\": 10000, "
                       "\"currency\": \"kwd\"}}]}", -1, &error);
  g_assert_no_error (error);
  dinars = test_server_start (args);
  client = tally_client_new (dinars->base_url);
  window = signed_up_window (dinars, client, settings, "dinar@example.com");
  prefs = open_preferences (window);
  show_page (prefs, "runs");
  spin = row_spin (prefs, "Ask before purchases above");

  /* The default, 5,000 fils, is 5 dinars once the packs are known. */
  wait[0] = spin;
  wait_for (spin_shows, wait, "the threshold in dinars");
  gtk_spin_button_set_value (spin, 20);
  g_assert_cmpint (g_settings_get_int64 (settings, "confirm-purchase-above"), ==, 20000);

  close_preferences (prefs);
  g_settings_reset (settings, "confirm-purchase-above");
  gtk_window_destroy (GTK_WINDOW (window));
  test_remove_tree (dir);
}

static void
test_caps (void)
{
  GtkWidget *prefs = open_session_preferences ();

  check_caps (prefs, session_token ());
  close_preferences (prefs);
}

static void
test_invoice_details (void)
{
  GtkWidget *prefs = open_session_preferences ();

  check_invoice_details (prefs, session_token ());
  close_preferences (prefs);
}

static void
test_auto_recharge (void)
{
  GtkWidget *prefs = open_session_preferences ();

  show_page (prefs, "billing");
  check_auto_recharge (prefs, session_token ());
  close_preferences (prefs);
}

static void
test_account (void)
{
  GtkWidget *prefs = open_session_preferences ();

  show_page (prefs, "account");

  wait_for_widget (prefs, is_label_with, server->base_url);
  wait_for_widget (prefs, is_label_with, "Gale <prefs@example.com>");
  save_screenshot (prefs, "preferences-account.png");
  close_preferences (prefs);
}

static void
test_receipt (void)
{
  const char *token = session_token ();

  check_receipt (session.window, token);
}

/* Sign Out in Preferences signs the window out. */
static void
test_sign_out (void)
{
  GtkWidget *prefs = open_session_preferences ();

  show_page (prefs, "account");

  click (prefs, "_Sign Out");
  wait_for (preferences_gone, NULL, "the preferences window to close");
  wait_for_widget (session.window, is_button_labelled, "_Create Account");
}

/* --- your data: export, then erasure --- */

static gboolean
is_password_entry (GtkWidget  *widget,
                   const char *unused)
{
  return ADW_IS_PASSWORD_ENTRY_ROW (widget);
}

static JsonNode *
json_from_file (const char *path,
                GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_file (parser, path, error) || json_parser_get_root (parser) == NULL)
    return NULL;
  return json_node_copy (json_parser_get_root (parser));
}

typedef struct
{
  const char *path;
  JsonNode   *document;
} ExportWait;

static gboolean
export_written (gpointer data)
{
  ExportWait *wait = data;

  if (wait->document == NULL)
    wait->document = json_from_file (wait->path, NULL);
  return wait->document != NULL;
}

static void
check_export (GtkWidget  *prefs,
              const char *token)
{
  g_autofree char *dir = g_dir_make_tmp ("tally-export-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "tally-data.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(TestResponse) me = test_request (server, "GET", "/v1/me", token, NULL);
  ExportWait wait = { path, NULL };
  JsonObject *document;

  wait_for_widget (prefs, is_button_labelled, "_Export My Data…");
  tally_preferences_window_export_data (TALLY_PREFERENCES_WINDOW (prefs), file);
  wait_for (export_written, &wait, "the exported data");
  wait_for_widget (prefs, is_label_with, "Your data was saved");

  /* The server's document, as it sent it. */
  document = json_node_get_object (wait.document);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (document, "user"),
                                                  "email"), ==, "leaving@example.com");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (document, "user"),
                                                  "id"), ==, test_response_string (me, "user.id"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (document, "accounts")),
                    ==, 1);
  g_assert_nonnull (json_object_get_array_member (document, "transactions"));
  g_assert_nonnull (json_object_get_array_member (document, "audit"));
  g_assert_nonnull (json_object_get_object_member (document, "settings"));
  json_node_unref (wait.document);
  test_remove_tree (dir);
}

static gboolean
message_dialog_gone (gpointer data)
{
  GtkWidget *found = NULL;

  return !message_dialog_shown (&found);
}

/* Delete Account… asks for the password, says what is lost, and signs
 * out once the server erased the account. */
static void
confirm_delete (GtkWidget  *prefs,
                const char *password,
                const char *screenshot)
{
  GtkWidget *dialog = NULL;
  GtkWidget *entry;

  click (prefs, "_Delete Account…");
  wait_for (message_dialog_shown, &dialog, "the confirmation");
  wait_for_widget (dialog, is_label_containing, "This cannot be undone.");
  wait_for_widget (dialog, is_label_containing, "Credits left on the account are lost");
  entry = wait_for_widget (dialog, is_password_entry, NULL);
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog),
                                                           "delete"));
  gtk_editable_set_text (GTK_EDITABLE (entry), password);
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog),
                                                          "delete"));
  if (screenshot != NULL)
    save_screenshot (dialog, screenshot);
  /* As a person does: the button, which also closes the dialog. */
  click (dialog, "_Delete Account");
  wait_for (message_dialog_gone, NULL, "the confirmation to close");
}

static void
test_export_and_delete (void)
{
  g_autoptr(TallyClient) client = tally_client_new (server->base_url);
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  GtkWidget *window = signed_up_window (server, client, settings, "leaving@example.com");
  g_autofree char *token = g_strdup (tally_client_get_token (client));
  g_autofree char *kept = NULL;
  g_autofree char *last_user = NULL;
  g_autoptr(TestResponse) me = NULL;
  g_autoptr(TestResponse) login = NULL;
  GtkWidget *prefs = open_preferences (window);

  show_page (prefs, "account");
  check_export (prefs, token);

  /* A wrong password erases nothing, and says so. */
  confirm_delete (prefs, "not my password", "preferences-delete-account.png");
  wait_for_widget (prefs, is_label_starting, "Your account was not deleted: ");
  me = test_request (server, "GET", "/v1/me", token, NULL);
  g_assert_cmpuint (me->status, ==, 200);
  g_clear_pointer (&me, test_response_free);
  save_screenshot (prefs, "preferences-your-data.png");

  confirm_delete (prefs, TEST_PASSWORD, NULL);
  wait_for (preferences_gone, NULL, "the preferences window to close");
  wait_for_widget (window, is_button_labelled, "_Create Account");

  /* Gone on the server, and from this computer. */
  me = test_request (server, "GET", "/v1/me", token, NULL);
  test_assert_error (me, 401, "unauthorized", NULL);
  login = test_request (server, "POST", "/v1/auth/login", NULL,
                        "{\"email\": \"leaving@example.com\", \"password\": \"" TEST_PASSWORD "\"}");
  g_assert_cmpuint (login->status, ==, 401);
  kept = keyring_token (server->base_url);
  g_assert_cmpstr (kept, ==, "");
  last_user = g_settings_get_string (settings, "last-user-id");
  g_assert_cmpstr (last_user, ==, "");

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  app_test_init (&argc, &argv);

  g_test_add_func ("/preferences/confirmations", test_confirmations);
  g_test_add_func ("/preferences/confirmations-in-dinars", test_confirmations_in_dinars);
  g_test_add_func ("/preferences/caps", test_caps);
  g_test_add_func ("/preferences/invoice-details", test_invoice_details);
  g_test_add_func ("/preferences/auto-recharge", test_auto_recharge);
  g_test_add_func ("/preferences/account", test_account);
  g_test_add_func ("/preferences/receipt", test_receipt);
  /* A window of its own, for a user of its own. */
  g_test_add_func ("/preferences/export-and-delete", test_export_and_delete);
  /* Last: the session ends here. */
  g_test_add_func ("/preferences/sign-out", test_sign_out);

  server = test_server_start (NULL);
  status = g_test_run ();
  session_end ();
  test_server_free (server);
  return status;
}
