/* tally-mail-notices.c: what the server tells a user by email
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "tally-log.h"
#include "tally-mail-notices.h"
#include "tally-mailer.h"
#include "tally-receipt.h"
#include "tally-store-recharge.h"

/* A name that cannot go in a header is left out: the email still goes to
 * the address. */
static const char *
safe_name (const TallyUser *user)
{
  for (const char *p = user->name; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || (guchar) *p == 0x7f)
      return NULL;

  return user->name;
}

static const char *
greeting_name (const TallyUser *user)
{
  const char *name = safe_name (user);

  return name != NULL && name[0] != '\0' ? name : user->email;
}

static void
send_to_user (TallyServer     *server,
              const TallyUser *user,
              const char      *subject,
              const char      *body)
{
  g_autoptr(GError) error = NULL;

  if (!tally_mailer_send (tally_server_get_mailer (server), user->email, safe_name (user),
                          subject, body, &error))
    tally_log_warning ("email_not_sent", error->message);
}

static char *
pack_name (TallyServer        *server,
           const TallyPayment *payment)
{
  const TallyPack *pack = tally_payments_find_pack (tally_server_get_payments (server),
                                                    payment->pack_id);

  return g_strdup (pack != NULL ? pack->name : payment->pack_id);
}

static gboolean
mail_is_on (TallyServer *server)
{
  TallyMailer *mailer = tally_server_get_mailer (server);

  return mailer != NULL && tally_mailer_is_enabled (mailer);
}

static char *
purchase_body (TallyServer        *server,
               const TallyPayment *payment,
               const TallyUser    *user)
{
  g_autofree char *name = pack_name (server, payment);
  g_autofree char *amount = tally_format_amount (payment->amount, payment->currency);
  g_autofree char *number = tally_receipt_number (payment);

  /* Translators: the purchase confirmation email, in plain text; keep the
   * table's columns aligned */
  return g_strdup_printf (_("Hello %s,\n\n"
                            "Thank you: your purchase went through and the credits are in your "
                            "account.\n\n"
                            "  Pack:         %s\n"
                            "  Credits:      %" PRId64 "\n"
                            "  Amount paid:  %s\n"
                            "  Receipt:      %s\n\n"
                            "The PDF receipt, with your invoice details, is in the Tally app: "
                            "Buy Credits, then Receipts, then Download Receipt.\n\n"
                            "— Tally\n"),
                          greeting_name (user), name, payment->credits, amount, number);
}

void
tally_notice_purchase_credited (TallyServer        *server,
                                const TallyPayment *payment)
{
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  TallyUser user;

  g_return_if_fail (TALLY_IS_SERVER (server));
  g_return_if_fail (payment != NULL);

  if (!mail_is_on (server) ||
      !tally_rules_store_find_user_by_id (tally_server_get_rules_store (server), payment->user_id,
                                          &user,
                                          NULL))
    return;

  subject = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "Your Tally purchase: %" PRId64 " credit",
                                          "Your Tally purchase: %" PRId64 " credits",
                                          payment->credits == 1 ? 1 : 2),
                             payment->credits);
  body = purchase_body (server, payment, &user);
  send_to_user (server, &user, subject, body);
}

void
tally_notice_gift_waiting (TallyServer     *server,
                           const TallyGift *gift)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;
  TallyUser sender;

  g_return_if_fail (TALLY_IS_SERVER (server));
  g_return_if_fail (gift != NULL);

  if (!mail_is_on (server) ||
      !tally_rules_store_find_user_by_id (tally_server_get_rules_store (server),
                                          gift->sender_user_id,
                                          &sender, NULL))
    return;

  /* Translators: an email's subject; %s is who bought the gift */
  subject = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s gave you %" PRId64 " Tally credit",
                                          "%s gave you %" PRId64 " Tally credits",
                                          gift->credits == 1 ? 1 : 2),
                             greeting_name (&sender), gift->credits);
  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Hello,\n\n"
                                       "%s (%s) bought you %" PRId64 " Tally credit.\n\n"
                                       "Sign in to Tally with this address, or sign up with it "
                                       "if you have no account yet, and it is yours.\n\n"
                                       "— Tally\n",
                                       "Hello,\n\n"
                                       "%s (%s) bought you %" PRId64 " Tally credits.\n\n"
                                       "Sign in to Tally with this address, or sign up with it "
                                       "if you have no account yet, and they are yours.\n\n"
                                       "— Tally\n",
                                       gift->credits == 1 ? 1 : 2),
                          greeting_name (&sender), sender.email, gift->credits);
  if (!tally_mailer_send (tally_server_get_mailer (server), gift->email, NULL, subject, body,
                          &error))
    tally_log_warning ("email_not_sent", error->message);
}

/* What happens next, as auto-recharge stands after the failure. */
static char *
next_steps (TallyServer        *server,
            const TallyPayment *payment)
{
  TallyRechargeSettings settings;
  gboolean found = tally_rules_store_find_recharge_settings (tally_server_get_rules_store (server),
                                                             payment->account_id, &settings, NULL);

  if (found && settings.paused)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Automatic top-up is now paused, after %" PRId64
                                         " failed attempt in a row. It stays off until you "
                                         "save its settings again in Tally's Preferences "
                                         "(Billing).",
                                         "Automatic top-up is now paused, after %" PRId64
                                         " failed attempts in a row. It stays off until you "
                                         "save its settings again in Tally's Preferences "
                                         "(Billing).",
                                         settings.failures == 1 ? 1 : 2),
                            settings.failures);

  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Automatic top-up stays on: Tally tries again the next "
                                       "time your balance is low. After %d failed attempt in "
                                       "a row it pauses itself.",
                                       "Automatic top-up stays on: Tally tries again the next "
                                       "time your balance is low. After %d failed attempts in "
                                       "a row it pauses itself.",
                                       TALLY_RECHARGE_MAX_FAILURES),
                          TALLY_RECHARGE_MAX_FAILURES);
}

void
tally_notice_recharge_failed (TallyServer        *server,
                              const TallyPayment *payment,
                              const char         *reason)
{
  g_autofree char *name = NULL;
  g_autofree char *amount = NULL;
  g_autofree char *next = NULL;
  g_autofree char *body = NULL;
  TallyUser user;

  g_return_if_fail (TALLY_IS_SERVER (server));
  g_return_if_fail (payment != NULL);

  if (!mail_is_on (server) ||
      !tally_rules_store_find_user_by_id (tally_server_get_rules_store (server), payment->user_id,
                                          &user,
                                          NULL))
    return;

  name = pack_name (server, payment);
  amount = tally_format_amount (payment->amount, payment->currency);
  next = next_steps (server, payment);
  /* Translators: the email about a failed automatic top-up, in plain text:
   * the name, the pack, its credits and price, why the charge failed, and
   * what happens next */
  body = g_strdup_printf (_("Hello %s,\n\n"
                            "Tally tried to top up your credits automatically with the pack "
                            "“%s” (%" PRId64 " credits for %s), but the charge did not "
                            "go through:\n\n"
                            "  %s\n\n"
                            "Nothing was charged and no credits were added.\n\n"
                            "%s\n\n"
                            "What to do: check the card saved for your account (Preferences, "
                            "Billing, Manage Payment Methods), or buy a pack in the app.\n\n"
                            "— Tally\n"),
                          greeting_name (&user), name, payment->credits, amount,
                          reason != NULL ? reason : _("The payment was refused."), next);
  send_to_user (server, &user, _("Your automatic top-up failed"), body);
}

static char *
alert_text (const TallyUser  *user,
            const TallyAlert *alert,
            const char       *unsubscribe_url)
{
  return g_strdup_printf (_("Hello %s,\n\n"
                            "%s.\n\n"
                            "Your alerts are listed in Tally (Overview, Alerts). You get this "
                            "email because alert emails are on in Tally's Preferences "
                            "(Alerts).\n\n"
                            "To stop alert emails, open this link:\n%s\n"),
                          greeting_name (user), alert->message, unsubscribe_url);
}

/* Every piece of it escaped: the name is what the user typed. */
static char *
alert_html (const TallyUser  *user,
            const TallyAlert *alert,
            const char       *unsubscribe_url)
{
  g_autofree char *hello = g_markup_printf_escaped (_("Hello %s,"), greeting_name (user));
  g_autofree char *message = g_markup_escape_text (alert->message, -1);
  g_autofree char *why = g_markup_escape_text (_("You get this email because alert emails are "
                                                 "on in Tally's Preferences (Alerts)."), -1);
  g_autofree char *link = g_markup_printf_escaped ("<a href=\"%s\">%s</a>", unsubscribe_url,
                                                   _("Stop alert emails"));

  return g_strdup_printf ("<!DOCTYPE html>\n<html><body>\n<p>%s</p>\n<p><strong>%s.</strong></p>\n"
                          "<p>%s</p>\n<p>%s</p>\n</body></html>\n",
                          hello, message, why, link);
}

gboolean
tally_notice_alert (TallyServer       *server,
                    const TallyUser   *user,
                    const TallyAlert  *alert,
                    const char        *unsubscribe_url,
                    GError           **error)
{
  g_autofree char *subject = NULL;
  g_autofree char *text = NULL;
  g_autofree char *html = NULL;
  TallyMail mail;

  g_return_val_if_fail (TALLY_IS_SERVER (server), FALSE);

  subject = g_strdup (alert->kind == TALLY_ALERT_LOW_BALANCE ? _("Tally: your balance is low")
                                                             : _("Tally: a spending cap is near"));
  text = alert_text (user, alert, unsubscribe_url);
  html = alert_html (user, alert, unsubscribe_url);
  mail = (TallyMail) { subject, text, html, unsubscribe_url };

  return tally_mailer_send_full (tally_server_get_mailer (server), user->email, safe_name (user),
                                 &mail, error);
}

gboolean
tally_notice_team_invitation (TallyServer               *server,
                              const TallyUser           *inviter,
                              const char                *team_name,
                              const TallyTeamInvitation *invitation,
                              const char                *token)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *expires = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (TALLY_IS_SERVER (server), FALSE);

  if (!mail_is_on (server))
    return FALSE;

  expires = tally_time_to_iso8601 (invitation->expires_at);
  /* Translators: the subject of a team invitation; %s is the team's name */
  subject = g_strdup_printf (_("Join the team “%s” on Tally"), team_name);
  /* Translators: the email inviting someone to a team, in plain text: who
   * invites, the team, the invited address, the code and until when (UTC) */
  body = g_strdup_printf (_("Hello,\n\n"
                            "%s invited you to the team “%s” on Tally, to run tools on the "
                            "team's credits.\n\n"
                            "To join, sign in to Tally as %s and accept the invitation with "
                            "this code:\n\n"
                            "  %s\n\n"
                            "The code works once, until %s (UTC). If you did not expect this "
                            "email, ignore it.\n\n"
                            "— Tally\n"),
                          greeting_name (inviter), team_name, invitation->email, token, expires);

  if (!tally_mailer_send (tally_server_get_mailer (server), invitation->email, NULL, subject,
                          body, &error))
    {
      tally_log_warning ("email_not_sent", error->message);
      return FALSE;
    }
  return TRUE;
}
