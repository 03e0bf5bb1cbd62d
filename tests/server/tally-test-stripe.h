/* tally-test-stripe.h: the fake Stripe (tests/fake-stripe), and servers
 * that sell through it, for tests
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-test-server.h"

G_BEGIN_DECLS

#define TEST_STRIPE_SECRET_KEY     "sk_test_fake"
#define TEST_STRIPE_WEBHOOK_SECRET "whsec_test_secret"

typedef struct
{
  /* Requests to the fake go through the harness, like to a server. */
  TestServer  *api;
  GSubprocess *process;
} TestFakeStripe;

/* Starts the fake (FAKE_STRIPE_BINARY) with the test keys on a free port. */
TestFakeStripe *test_fake_stripe_start   (void);
/* Stops the fake and frees it. */
void            test_fake_stripe_free    (TestFakeStripe     *fake);

/* POSTs @body to one of the fake's /_test/ controls; it must answer 200. */
void            test_stripe_control      (TestServer         *fake,
                                          const char         *path,
                                          const char         *body);
/* A counter of the fake's GET /_test/stats. */
gint64          test_stripe_stat         (TestServer         *fake,
                                          const char         *name);

/* test_server_start() with Stripe as the payments provider, reached at
 * @fake with the test keys, and @extra_args (NULL-terminated, may be NULL)
 * after those. */
TestServer     *test_stripe_server_start (TestServer         *fake,
                                          const char * const *extra_args);

/* Has the fake sign and deliver @event (a JSON event) to the webhook it
 * points at, which must answer 200; returns the answer's outcome. */
char           *test_stripe_deliver      (TestServer         *fake,
                                          const char         *event);
/* Points the fake's webhooks at @server's /v1/webhooks/stripe. */
void            test_stripe_send_webhooks_to (TestServer *fake,
                                              TestServer *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestFakeStripe, test_fake_stripe_free)

G_END_DECLS
