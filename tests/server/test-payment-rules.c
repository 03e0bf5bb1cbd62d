/* test-payment-rules.c: the rules of payment events (tally-payment-events.c)
 * and of admin grants (tally-grants.c) called directly, with no HTTP, on a
 * real ledger in a temporary folder: every event applied twice changes the
 * ledger once, an event about no known payment is a named outcome that
 * changes nothing, and the ledger checks clean after each
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-gifts.h"
#include "tally-grants.h"
#include "tally-payment-events.h"
#include "tally-test-rig.h"

#define PACK_CREDITS 100
#define PACK_AMOUNT  500

/* The rig's server object never listens. */
typedef struct
{
  TestRig   base;
  TallyUser buyer;
  TallyUser admin;
} Rig;

static void
rig_setup (Rig           *rig,
           gconstpointer  data)
{
  test_rig_setup_server (&rig->base, data);
  test_rig_user_new (&rig->base, "buyer@example.com", TALLY_ROLE_MEMBER, &rig->buyer);
  test_rig_user_new (&rig->base, "admin@example.com", TALLY_ROLE_ADMIN, &rig->admin);
}

static void
rig_teardown (Rig           *rig,
              gconstpointer  data)
{
  test_rig_teardown (&rig->base, data);
}

static void
payment_new (Rig          *rig,
             const char   *session_id,
             TallyPayment *payment)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_uuid_string_random ();

  memset (payment, 0, sizeof *payment);
  g_strlcpy (payment->id, id, sizeof payment->id);
  g_strlcpy (payment->user_id, rig->buyer.id, sizeof payment->user_id);
  g_strlcpy (payment->account_id, rig->buyer.account_id, sizeof payment->account_id);
  g_strlcpy (payment->pack_id, "starter", sizeof payment->pack_id);
  payment->credits = PACK_CREDITS;
  payment->amount = PACK_AMOUNT;
  g_strlcpy (payment->currency, "eur", sizeof payment->currency);
  g_strlcpy (payment->provider, "stripe", sizeof payment->provider);
  g_strlcpy (payment->session_id, session_id, sizeof payment->session_id);
  payment->status = TALLY_PAYMENT_OPEN;
  payment->created_at = g_get_real_time ();

  test_rig_begin (&rig->base);
  tally_store_insert_payment (rig->base.store, payment, &error);
  g_assert_no_error (error);
  test_rig_commit (&rig->base);
}

static TallyPaymentStatus
payment_status (Rig          *rig,
                TallyPayment *payment)
{
  g_autoptr(GError) error = NULL;
  TallyPayment found;

  g_assert_true (tally_store_find_payment (rig->base.store, payment->id, &found, &error));
  g_assert_no_error (error);
  return found.status;
}

/* A decoded event, as tally-api-webhooks.c makes it. */
static void
event_init (TallyPaymentEvent     *event,
            TallyPaymentEventKind  kind,
            const char            *object_id,
            const char            *payment_id)
{
  memset (event, 0, sizeof *event);
  event->kind = kind;
  event->object_id = g_strdup (object_id);
  event->payment_id = g_strdup (payment_id);
  event->amount = -1;
}

static void
refund_init (TallyPaymentEvent *event,
             const char        *charge_id,
             const char        *payment_id,
             gint64             refunded)
{
  event_init (event, TALLY_PAYMENT_EVENT_CHARGE_REFUNDED, charge_id, payment_id);
  event->amount = PACK_AMOUNT;
  event->taken_back = refunded;
}

/* Applies @event in a transaction of its own, as the writer would. */
static TallyPaymentOutcome
apply (Rig                     *rig,
       const TallyPaymentEvent *event,
       TallyPaymentEventResult *result)
{
  g_autoptr(GError) error = NULL;

  test_rig_begin (&rig->base);
  tally_payment_events_apply (rig->base.server, event, result, &error);
  g_assert_no_error (error);
  test_rig_commit (&rig->base);
  test_rig_assert_clean (&rig->base);
  return result->outcome;
}

/* A paid checkout delivered twice credits once. */
static void
test_rules_checkout_twice (Rig           *rig,
                           gconstpointer  data)
{
  g_auto(TallyPaymentEvent) event = { 0 };
  TallyPaymentEventResult result;
  TallyPayment payment;

  payment_new (rig, "cs_test_twice", &payment);
  event_init (&event, TALLY_PAYMENT_EVENT_CHECKOUT_COMPLETED, "cs_test_twice", NULL);
  event.intent = g_strdup ("pi_test_twice");

  /* Not paid yet (a bank debit): nothing is credited. */
  g_assert_cmpint (apply (rig, &event, &result), ==, TALLY_PAYMENT_OUTCOME_PENDING);
  g_assert_cmpint (test_rig_available (&rig->base, rig->buyer.account_id), ==, 0);

  event.paid = TRUE;
  g_assert_cmpint (apply (rig, &event, &result), ==, TALLY_PAYMENT_OUTCOME_CREDITED);
  g_assert_true (result.newly_credited);
  g_assert_cmpstr (result.credited.id, ==, payment.id);
  g_assert_cmpint (test_rig_available (&rig->base, rig->buyer.account_id), ==, PACK_CREDITS);
  g_assert_cmpint (payment_status (rig, &payment), ==, TALLY_PAYMENT_PAID);

  g_assert_cmpint (apply (rig, &event, &result), ==, TALLY_PAYMENT_OUTCOME_ALREADY_APPLIED);
  g_assert_false (result.newly_credited);
  g_assert_cmpint (test_rig_available (&rig->base, rig->buyer.account_id), ==, PACK_CREDITS);
}

/* Refunds take back their share once each; the whole refund, the rest. */
static void
test_rules_refunds (Rig           *rig,
                    gconstpointer  data)
{
  g_auto(TallyPaymentEvent) paid = { 0 };
  g_auto(TallyPaymentEvent) half = { 0 };
  g_auto(TallyPaymentEvent) whole = { 0 };
  TallyPaymentEventResult result;
  TallyPayment payment;

  payment_new (rig, "cs_test_refunds", &payment);
  event_init (&paid, TALLY_PAYMENT_EVENT_CHECKOUT_COMPLETED, "cs_test_refunds", NULL);
  paid.paid = TRUE;
  g_assert_cmpint (apply (rig, &paid, &result), ==, TALLY_PAYMENT_OUTCOME_CREDITED);

  refund_init (&half, "ch_test_refunds", payment.id, PACK_AMOUNT / 2);
  g_assert_cmpint (apply (rig, &half, &result), ==, TALLY_PAYMENT_OUTCOME_REFUNDED);
  g_assert_cmpint (test_rig_available (&rig->base, rig->buyer.account_id), ==, PACK_CREDITS / 2);
  g_assert_cmpint (payment_status (rig, &payment), ==, TALLY_PAYMENT_REFUNDED);
  g_assert_cmpint (apply (rig, &half, &result), ==, TALLY_PAYMENT_OUTCOME_ALREADY_APPLIED);
  g_assert_cmpint (test_rig_available (&rig->base, rig->buyer.account_id), ==, PACK_CREDITS / 2);

  refund_init (&whole, "ch_test_refunds", payment.id, PACK_AMOUNT);
  g_assert_cmpint (apply (rig, &whole, &result), ==, TALLY_PAYMENT_OUTCOME_REFUNDED);
  g_assert_cmpint (test_rig_available (&rig->base, rig->buyer.account_id), ==, 0);
  g_assert_cmpint (apply (rig, &whole, &result), ==, TALLY_PAYMENT_OUTCOME_ALREADY_APPLIED);
  g_assert_cmpint (test_rig_available (&rig->base, rig->buyer.account_id), ==, 0);
}

/* A refund that outruns its checkout credits first, so the checkout,
 * when it comes, finds its work done. */
static void
test_rules_refund_first (Rig           *rig,
                         gconstpointer  data)
{
  g_auto(TallyPaymentEvent) refund = { 0 };
  g_auto(TallyPaymentEvent) paid = { 0 };
  TallyPaymentEventResult result;
  TallyPayment payment;

  payment_new (rig, "cs_test_first", &payment);
  refund_init (&refund, "ch_test_first", payment.id, PACK_AMOUNT);
  g_assert_cmpint (apply (rig, &refund, &result), ==, TALLY_PAYMENT_OUTCOME_REFUNDED);
  g_assert_cmpint (test_rig_available (&rig->base, rig->buyer.account_id), ==, 0);

  event_init (&paid, TALLY_PAYMENT_EVENT_CHECKOUT_COMPLETED, "cs_test_first", NULL);
  paid.paid = TRUE;
  g_assert_cmpint (apply (rig, &paid, &result), ==, TALLY_PAYMENT_OUTCOME_ALREADY_APPLIED);
  g_assert_false (result.newly_credited);
  g_assert_cmpint (test_rig_available (&rig->base, rig->buyer.account_id), ==, 0);
}

/* A refund the balance cannot cover takes what there is and flags the
 * payment short, never leaving a negative balance. */
static void
test_rules_refund_short (Rig           *rig,
                         gconstpointer  data)
{
  g_auto(TallyPaymentEvent) paid = { 0 };
  g_auto(TallyPaymentEvent) refund = { 0 };
  g_autoptr(GError) error = NULL;
  TallyPaymentEventResult result;
  TallyPayment payment, found;
  TallyTransfer spend;
  TallyTransferResult spent;
  g_autofree char *spend_id = g_uuid_string_random ();

  payment_new (rig, "cs_test_short", &payment);
  event_init (&paid, TALLY_PAYMENT_EVENT_CHECKOUT_COMPLETED, "cs_test_short", NULL);
  paid.paid = TRUE;
  g_assert_cmpint (apply (rig, &paid, &result), ==, TALLY_PAYMENT_OUTCOME_CREDITED);
  tally_transfer_init (&spend, spend_id, rig->buyer.account_id,
                       tally_system_account_id (TALLY_SYSTEM_ACCOUNT_ADJUSTMENTS), 70,
                       TALLY_TRANSFER_KIND_ADJUSTMENT);
  tally_ledger_create_transfers (rig->base.ledger, &spend, 1, &spent, &error);
  g_assert_no_error (error);
  g_assert_cmpint (spent, ==, TALLY_TRANSFER_OK);

  refund_init (&refund, "ch_test_short", payment.id, PACK_AMOUNT);
  g_assert_cmpint (apply (rig, &refund, &result), ==, TALLY_PAYMENT_OUTCOME_SHORT);
  g_assert_cmpint (test_rig_available (&rig->base, rig->buyer.account_id), ==, 0);
  g_assert_true (tally_store_find_payment (rig->base.store, payment.id, &found, &error));
  g_assert_cmpint (found.short_by, ==, 70);
  g_assert_cmpint (found.reversed, ==, PACK_CREDITS);
  g_assert_cmpint (apply (rig, &refund, &result), ==, TALLY_PAYMENT_OUTCOME_ALREADY_APPLIED);
}

/* Events about no payment this server knows, or one never checked out,
 * are named and change nothing. */
static void
test_rules_unknown_payment (Rig           *rig,
                            gconstpointer  data)
{
  g_auto(TallyPaymentEvent) refund = { 0 };
  g_auto(TallyPaymentEvent) dispute = { 0 };
  g_auto(TallyPaymentEvent) paid = { 0 };
  g_auto(TallyPaymentEvent) sessionless = { 0 };
  g_autofree char *stranger = g_uuid_string_random ();
  const char *payments = tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS);
  gint64 payments_before = test_rig_available (&rig->base, payments);
  TallyPaymentEventResult result;
  TallyPayment payment;

  refund_init (&refund, "ch_nobody", stranger, PACK_AMOUNT);
  refund.intent = g_strdup ("pi_nobody");
  g_assert_cmpint (apply (rig, &refund, &result), ==, TALLY_PAYMENT_OUTCOME_UNKNOWN_PAYMENT);
  event_init (&dispute, TALLY_PAYMENT_EVENT_DISPUTE_CREATED, "ch_nobody", NULL);
  dispute.taken_back = PACK_AMOUNT;
  g_assert_cmpint (apply (rig, &dispute, &result), ==, TALLY_PAYMENT_OUTCOME_UNKNOWN_PAYMENT);
  event_init (&paid, TALLY_PAYMENT_EVENT_CHECKOUT_COMPLETED, "cs_nobody", NULL);
  paid.paid = TRUE;
  g_assert_cmpint (apply (rig, &paid, &result), ==, TALLY_PAYMENT_OUTCOME_UNKNOWN_PAYMENT);

  /* A payment whose checkout never got a session was never credited. */
  payment_new (rig, "", &payment);
  refund_init (&sessionless, "ch_sessionless", payment.id, PACK_AMOUNT);
  g_assert_cmpint (apply (rig, &sessionless, &result), ==, TALLY_PAYMENT_OUTCOME_NO_SESSION);
  g_assert_cmpint (payment_status (rig, &payment), ==, TALLY_PAYMENT_OPEN);

  g_assert_cmpint (test_rig_available (&rig->base, rig->buyer.account_id), ==, 0);
  g_assert_cmpint (test_rig_available (&rig->base, payments), ==, payments_before);
}

/* A payment that failed says whose, once. */
static void
test_rules_failed (Rig           *rig,
                   gconstpointer  data)
{
  g_auto(TallyPaymentEvent) failed = { 0 };
  TallyPaymentEventResult result;
  TallyPayment payment;

  payment_new (rig, "cs_test_failed", &payment);
  event_init (&failed, TALLY_PAYMENT_EVENT_ASYNC_FAILED, "cs_test_failed", NULL);
  g_assert_cmpint (apply (rig, &failed, &result), ==, TALLY_PAYMENT_OUTCOME_FAILED);
  g_assert_cmpstr (result.failed_account_id, ==, rig->buyer.account_id);
  g_assert_cmpstr (result.failed_session_id, ==, "cs_test_failed");
  g_assert_cmpint (payment_status (rig, &payment), ==, TALLY_PAYMENT_FAILED);

  g_assert_cmpint (apply (rig, &failed, &result), ==, TALLY_PAYMENT_OUTCOME_ALREADY_APPLIED);
  g_assert_cmpstr (result.failed_account_id, ==, "");
  g_assert_cmpint (test_rig_available (&rig->base, rig->buyer.account_id), ==, 0);
}

/* A gift's payment credits nobody: it settles once, and a refund before
 * anyone claimed it cancels it, once. */
static void
test_rules_gift (Rig           *rig,
                 gconstpointer  data)
{
  g_auto(TallyPaymentEvent) paid = { 0 };
  g_auto(TallyPaymentEvent) refund = { 0 };
  g_autoptr(GError) error = NULL;
  const char *payments = tally_system_account_id (TALLY_SYSTEM_ACCOUNT_PAYMENTS);
  gint64 payments_before = test_rig_available (&rig->base, payments);
  TallyPaymentEventResult result;
  TallyPayment payment;

  payment_new (rig, "cs_test_gift", &payment);
  test_rig_begin (&rig->base);
  tally_gifts_record (rig->base.server, &payment, "friend@example.com", &error);
  g_assert_no_error (error);
  test_rig_commit (&rig->base);

  event_init (&paid, TALLY_PAYMENT_EVENT_CHECKOUT_COMPLETED, "cs_test_gift", NULL);
  paid.paid = TRUE;
  g_assert_cmpint (apply (rig, &paid, &result), ==, TALLY_PAYMENT_OUTCOME_GIFT_WAITING);
  g_assert_true (result.is_gift);
  g_assert_true (result.gift_settled);
  g_assert_cmpint (result.gift.status, ==, TALLY_GIFT_WAITING);
  g_assert_cmpint (apply (rig, &paid, &result), ==, TALLY_PAYMENT_OUTCOME_ALREADY_APPLIED);
  g_assert_false (result.gift_settled);

  refund_init (&refund, "ch_test_gift", payment.id, PACK_AMOUNT);
  g_assert_cmpint (apply (rig, &refund, &result), ==, TALLY_PAYMENT_OUTCOME_GIFT_CANCELLED);
  g_assert_cmpint (payment_status (rig, &payment), ==, TALLY_PAYMENT_REFUNDED);
  g_assert_cmpint (apply (rig, &refund, &result), ==, TALLY_PAYMENT_OUTCOME_ALREADY_APPLIED);

  g_assert_cmpint (test_rig_available (&rig->base, rig->buyer.account_id), ==, 0);
  g_assert_cmpint (test_rig_available (&rig->base, payments), ==, payments_before);
}

/* A PaymentIntent that is no auto-recharge's is left to its checkout. */
static void
test_rules_foreign_intent (Rig           *rig,
                           gconstpointer  data)
{
  g_auto(TallyPaymentEvent) unnamed = { 0 };
  g_auto(TallyPaymentEvent) stranger = { 0 };
  g_autofree char *stranger_id = g_uuid_string_random ();
  TallyPaymentEventResult result;

  event_init (&unnamed, TALLY_PAYMENT_EVENT_INTENT_SUCCEEDED, "pi_unnamed", NULL);
  g_assert_cmpint (apply (rig, &unnamed, &result), ==, TALLY_PAYMENT_OUTCOME_IGNORED);
  event_init (&stranger, TALLY_PAYMENT_EVENT_INTENT_FAILED, "pi_stranger", stranger_id);
  g_assert_cmpint (apply (rig, &stranger, &result), ==, TALLY_PAYMENT_OUTCOME_IGNORED);
  g_assert_false (result.recharge_failed);
  g_assert_cmpstr (result.failed_account_id, ==, "");
}

/* --- grants --- */

static TallyGrantOutcome
grant (Rig        *rig,
       const char *id,
       const char *account_id,
       gint64      amount,
       gint64      expires_at,
       TallyGrant *out)
{
  g_autoptr(GError) error = NULL;
  TallyGrantRequest request = { .amount = amount, .reason = "Goodwill",
                                .expires_at = expires_at };
  TallyGrantOutcome outcome;

  g_strlcpy (request.account_id, account_id, sizeof request.account_id);
  g_strlcpy (request.id, id, sizeof request.id);
  tally_grant_init (out, &request);
  test_rig_begin (&rig->base);
  tally_grants_apply (TALLY_RULES_STORE (rig->base.store),
                      tally_server_get_audit (rig->base.server), &rig->admin, out, &outcome,
                      &error);
  g_assert_no_error (error);
  test_rig_commit (&rig->base);
  test_rig_assert_clean (&rig->base);
  return outcome;
}

static guint
grants_audited (Rig *rig)
{
  g_autoptr(GError) error = NULL;
  TallyAuditQuery query = { .action = "admin.grant", .limit = 100 };
  gint64 next;
  g_autoptr(GArray) records = tally_audit_query (tally_server_get_audit (rig->base.server), &query,
                                                 &next, &error);

  g_assert_no_error (error);
  return records->len;
}

/* The same grant twice is applied once; the same id for another grant
 * (amount or expiry) is a conflict that changes nothing. */
static void
test_rules_grant_twice (Rig           *rig,
                        gconstpointer  data)
{
  g_autofree char *id = g_uuid_string_random ();
  gint64 expires_at = (g_get_real_time () / G_USEC_PER_SEC + 86400) * G_USEC_PER_SEC;
  g_auto(TallyGrant) first = { 0 };
  g_auto(TallyGrant) again = { 0 };
  g_auto(TallyGrant) other_amount = { 0 };
  g_auto(TallyGrant) other_expiry = { 0 };

  g_assert_cmpint (grant (rig, id, rig->buyer.account_id, 40, expires_at, &first), ==,
                   TALLY_GRANT_GRANTED);
  g_assert_cmpint (test_rig_available (&rig->base, rig->buyer.account_id), ==, 40);
  g_assert_cmpint (grants_audited (rig), ==, 1);

  g_assert_cmpint (grant (rig, id, rig->buyer.account_id, 40, expires_at, &again), ==,
                   TALLY_GRANT_ALREADY_GRANTED);
  g_assert_cmpint (grant (rig, id, rig->buyer.account_id, 41, expires_at, &other_amount), ==,
                   TALLY_GRANT_IDEMPOTENCY_CONFLICT);
  g_assert_cmpint (grant (rig, id, rig->buyer.account_id, 40, 0, &other_expiry), ==,
                   TALLY_GRANT_IDEMPOTENCY_CONFLICT);
  g_assert_cmpint (test_rig_available (&rig->base, rig->buyer.account_id), ==, 40);
  g_assert_cmpint (grants_audited (rig), ==, 1);
}

/* Grants go to people and teams only. */
static void
test_rules_grant_no_account (Rig           *rig,
                             gconstpointer  data)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *nobody = g_uuid_string_random ();
  const char *adjustments = tally_system_account_id (TALLY_SYSTEM_ACCOUNT_ADJUSTMENTS);
  gint64 before = test_rig_available (&rig->base, adjustments);
  g_auto(TallyGrant) missing = { 0 };
  g_auto(TallyGrant) system = { 0 };

  g_assert_cmpint (grant (rig, id, nobody, 40, 0, &missing), ==, TALLY_GRANT_NO_ACCOUNT);
  g_assert_cmpint (grant (rig, id, adjustments, 40, 0, &system), ==, TALLY_GRANT_NO_ACCOUNT);
  g_assert_cmpint (test_rig_available (&rig->base, adjustments), ==, before);
  g_assert_cmpint (grants_audited (rig), ==, 0);
}

/* A reason longer than a description holds is cut at a character. */
static void
test_rules_grant_long_reason (Rig           *rig,
                              gconstpointer  data)
{
  g_autoptr(GString) reason = g_string_new (NULL);
  TallyGrantRequest request = { .amount = 5 };
  g_auto(TallyGrant) cut = { 0 };

  for (guint i = 0; i < 200; i++)
    g_string_append (reason, "é");
  request.reason = reason->str;
  g_strlcpy (request.account_id, rig->buyer.account_id, sizeof request.account_id);
  tally_grant_init (&cut, &request);

  g_assert_true (g_uuid_string_is_valid (cut.transfer.id));
  g_assert_true (g_utf8_validate (cut.reason, -1, NULL));
  g_assert_cmpuint (strlen (cut.reason), <, TALLY_DESCRIPTION_MAX);
  g_assert_cmpuint (strlen (cut.reason), >=, TALLY_DESCRIPTION_MAX - 2);
  g_assert_cmpstr (cut.transfer.description, ==, cut.reason);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/payment-rules/checkout-twice", Rig, NULL, rig_setup, test_rules_checkout_twice,
              rig_teardown);
  g_test_add ("/payment-rules/refunds", Rig, NULL, rig_setup, test_rules_refunds, rig_teardown);
  g_test_add ("/payment-rules/refund-first", Rig, NULL, rig_setup, test_rules_refund_first,
              rig_teardown);
  g_test_add ("/payment-rules/refund-short", Rig, NULL, rig_setup, test_rules_refund_short,
              rig_teardown);
  g_test_add ("/payment-rules/unknown-payment", Rig, NULL, rig_setup,
              test_rules_unknown_payment, rig_teardown);
  g_test_add ("/payment-rules/failed", Rig, NULL, rig_setup, test_rules_failed, rig_teardown);
  g_test_add ("/payment-rules/gift", Rig, NULL, rig_setup, test_rules_gift, rig_teardown);
  g_test_add ("/payment-rules/foreign-intent", Rig, NULL, rig_setup, test_rules_foreign_intent,
              rig_teardown);
  g_test_add ("/grant-rules/twice", Rig, NULL, rig_setup, test_rules_grant_twice,
              rig_teardown);
  g_test_add ("/grant-rules/no-account", Rig, NULL, rig_setup, test_rules_grant_no_account,
              rig_teardown);
  g_test_add ("/grant-rules/long-reason", Rig, NULL, rig_setup, test_rules_grant_long_reason,
              rig_teardown);

  return g_test_run ();
}
