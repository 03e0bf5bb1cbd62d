/* tally-stripe.h: Stripe's REST API and its webhook signatures
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* How old a signed event may be, either way, in seconds. */
#define TALLY_STRIPE_TOLERANCE 300

#define TALLY_STRIPE_ERROR (tally_stripe_error_quark ())

typedef enum
{
  /* Stripe answered with an error object, or with something unreadable. */
  TALLY_STRIPE_ERROR_FAILED,
  /* Every attempt failed on the network, or with 429 or 5xx. */
  TALLY_STRIPE_ERROR_UNAVAILABLE,
  /* HTTP 402: the card was declined, a definite answer. */
  TALLY_STRIPE_ERROR_DECLINED,
} TallyStripeError;

GQuark   tally_stripe_error_quark      (void);

/* "t=...,v1=..." as Stripe sends it: HMAC-SHA256 over "t.payload". */
char    *tally_stripe_sign             (const char   *secret,
                                        gint64        timestamp,
                                        const char   *payload,
                                        gsize         length);
/* Whether @header holds a v1 signature of @payload by @secret, made within
 * TALLY_STRIPE_TOLERANCE of @now (seconds). Constant-time. */
gboolean tally_stripe_verify_signature (const char   *header,
                                        const char   *secret,
                                        const char   *payload,
                                        gsize         length,
                                        gint64        now);

#define TALLY_TYPE_STRIPE_CLIENT (tally_stripe_client_get_type ())

G_DECLARE_FINAL_TYPE (TallyStripeClient, tally_stripe_client, TALLY, STRIPE_CLIENT, GObject)

TallyStripeClient *tally_stripe_client_new     (const char          *api_base,
                                                const char          *secret_key);
/* POSTs @form (name → value) form-encoded to @path, with @idempotency_key
 * on every attempt; network errors, 429 and 5xx are retried with
 * exponential backoff and jitter, a few times. */
void               tally_stripe_client_post    (TallyStripeClient   *self,
                                                const char          *path,
                                                GHashTable          *form,
                                                const char          *idempotency_key,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
/* GETs @path (an object by its id), retried as a POST is; finished with
 * tally_stripe_client_post_finish(). */
void               tally_stripe_client_get     (TallyStripeClient   *self,
                                                const char          *path,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
/* The object Stripe answered, to a POST or a GET. */
JsonObject        *tally_stripe_client_post_finish (TallyStripeClient *self,
                                                GAsyncResult        *result,
                                                GError             **error);

/* The same for a POST that created a Checkout Session: its id and url,
 * copied into @id (of @id_size bytes) and returned. An answer without
 * either, or with an id that does not fit, is a failure. */
char              *tally_stripe_client_checkout_finish (TallyStripeClient  *self,
                                                        GAsyncResult       *result,
                                                        char               *id,
                                                        gsize               id_size,
                                                        GError            **error);

/* Adds a field to a form for tally_stripe_client_post(): @name is a
 * literal, @value is taken. */
void tally_stripe_form_set (GHashTable *form,
                            const char *name,
                            char       *value);

/* @amount (ISO 4217 minor units of @currency) as Stripe's form value in
 * its own unit; the catalogue refused any price it cannot say exactly. */
char *tally_stripe_amount   (gint64      amount,
                            const char *currency);

G_END_DECLS
