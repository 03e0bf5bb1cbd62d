/* tally-app-test.h: what the app's tests share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tests run in a real X server with a D-Bus session and an unlocked
 * keyring (build-aux/desktop-session) against a real tally-server.
 */

#pragma once

#include <adwaita.h>

#include "tally-client.h"
#include "tally-format.h"
#include "tally-purchase-page.h"
#include "tally-test-server.h"
#include "tally-tool-page.h"

G_BEGIN_DECLS

typedef gboolean (*WidgetMatch) (GtkWidget  *widget,
                                 const char *text);

/* gtk_test_init, libadwaita, the app's icons, no animations, C.UTF-8. */
void       app_test_init        (int          *argc,
                                 char       ***argv);

/* Runs the main loop until @done says so; fails after 20 s, naming @what. */
void       wait_for             (gboolean    (*done) (gpointer),
                                 gpointer      data,
                                 const char   *what);
gboolean   flag_set             (gpointer      data);
/* TRUE once the char * at @data is set. */
gboolean   string_ready         (gpointer      data);

/* The first mapped widget under @root that @match accepts, depth first. */
GtkWidget *find_widget          (GtkWidget    *root,
                                 WidgetMatch   match,
                                 const char   *text);
/* The same, waiting up to 20 s; fails (logging the labels shown) after. */
GtkWidget *wait_for_widget      (GtkWidget    *root,
                                 WidgetMatch   match,
                                 const char   *text);

/* Matches for find_widget(); @text is ignored where the name says so. */
gboolean   is_button_labelled   (GtkWidget    *widget,
                                 const char   *label);
gboolean   is_row_titled        (GtkWidget    *widget,
                                 const char   *title);
gboolean   is_action_row_titled (GtkWidget    *widget,
                                 const char   *title);
gboolean   is_view_stack        (GtkWidget    *widget,
                                 const char   *unused);
gboolean   is_label_starting    (GtkWidget    *widget,
                                 const char   *text);
gboolean   is_label_with        (GtkWidget    *widget,
                                 const char   *text);
gboolean   is_label_containing  (GtkWidget    *widget,
                                 const char   *text);
gboolean   is_text_view         (GtkWidget    *widget,
                                 const char   *unused);
gboolean   is_spin_button       (GtkWidget    *widget,
                                 const char   *unused);
gboolean   is_switch            (GtkWidget    *widget,
                                 const char   *unused);
gboolean   is_balance_widget    (GtkWidget    *widget,
                                 const char   *unused);
gboolean   is_purchase_page     (GtkWidget    *widget,
                                 const char   *unused);

/* The control that @match accepts in the action row titled @title,
 * waiting for the row. */
GtkWidget *row_control          (GtkWidget    *root,
                                 const char   *title,
                                 WidgetMatch   match);

/* Sets the text of the entry row titled @title. */
void       type_into            (GtkWidget    *window,
                                 const char   *title,
                                 const char   *text);
/* Clicks the button labelled @label (with its mnemonic underscore). */
void       click                (GtkWidget    *window,
                                 const char   *label);
/* Opens the tool @name from the catalogue (back there first, as Alt+←
 * does) as the keyboard does: the row activates. */
TallyToolPage *open_tool_page   (GtkWidget    *window,
                                 const char   *name);
/* Sets the text of the first text view in @window, a text tool's input. */
void       set_tool_text        (GtkWidget    *window,
                                 const char   *text);
/* Lets pending layout and drawing happen. */
void       settle               (GtkWidget    *window);
/* Saves @window as drawn to $G_TEST_BUILDDIR/screenshots/@name. */
void       save_screenshot      (GtkWidget    *window,
                                 const char   *name);
/* A mapped AdwMessageDialog, stored at @data (GtkWidget **). */
gboolean   message_dialog_shown (gpointer      data);
/* A mapped preferences window, stored at @data (GtkWidget **). */
gboolean   preferences_shown    (gpointer      data);
/* Opens Preferences as its menu item does; returns the window once shown. */
GtkWidget *open_preferences     (GtkWidget    *window);

/* The text on @widget's clipboard ("" when it holds none). */
char      *clipboard_text       (GtkWidget    *widget);

/* The token the keyring holds for @server_url; "" when none. */
char      *keyring_token        (const char   *server_url);
/* A window for a user who signed in before: @token goes into the keyring. */
GtkWidget *signed_in_window     (TestServer   *server,
                                 const char   *token);
/* A window on the sign-in page, the keyring empty, its fields filled in
 * for a new user @email named @name: the test creates the account. */
GtkWidget *sign_up_form         (TestServer     *server,
                                 AdwApplication *application,
                                 TallyClient    *client,
                                 GSettings      *settings,
                                 const char     *email,
                                 const char     *name);
/* A window where a new user registers as @email through the sign-in page. */
GtkWidget *signed_up_window     (TestServer   *server,
                                 TallyClient  *client,
                                 GSettings    *settings,
                                 const char   *email);
/* The same, in @application (NULL: none). */
GtkWidget *signed_up_app_window (TestServer     *server,
                                 AdwApplication *application,
                                 TallyClient    *client,
                                 GSettings      *settings,
                                 const char     *email);
/* A server for the app's tests that gives no offline leases: a lease
 * would hold the credits the tests count (test-offline is about it). */
TestServer *app_test_server_start (void);

/* A TallyUriOpener that stands in for the browser: keeps the URI at
 * @user_data (char **) for the test. */
void       catch_uri            (GtkWindow    *parent,
                                 const char   *uri,
                                 gpointer      user_data);
/* Buy Credits, through the balance's popover. */
TallyPurchasePage *open_purchase_page (GtkWidget *window);
/* Clicks @label in the action row titled @title; the button must be
 * sensitive and focusable. */
void       click_in_row         (GtkWidget    *window,
                                 const char   *title,
                                 const char   *label);
/* What the browser would do on the demo provider's page at @url: press
 * @button, which POSTs to <url>/<button> and must answer 200. Unless
 * @page is NULL, the page's path must start with it. */
void       press_on_demo_page   (TestServer   *server,
                                 const char   *url,
                                 const char   *page,
                                 const char   *button);
/* save_screenshot() in the light and the dark style, as @name-light.png
 * and @name-dark.png. */
void       save_screenshots     (GtkWidget    *window,
                                 const char   *name);

/* Shows the page @name of the window's view stack. */
void       show_view            (GtkWidget    *window,
                                 const char   *name);
/* Waits until the window shows @credits as a formatted amount. */
void       wait_for_credits     (GtkWidget    *window,
                                 gint64        credits);

/* A desktop's notification service (org.freedesktop.Notifications) on the
 * test's session bus, keeping the body of every notification; the test
 * sets GNOTIFICATION_BACKEND=freedesktop before GIO picks one. */
typedef struct
{
  GPtrArray *bodies;
  guint      registration;
  guint      owner;
  gboolean   owned;
} NotificationService;

void       notification_service_start (NotificationService *service);
void       notification_service_stop  (NotificationService *service);
/* TRUE once @data (a NotificationService) got a notification. */
gboolean   notified             (gpointer      data);

G_END_DECLS
