/* tally-log.h: one JSON line per event on standard error
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Never pass a password, a token or a request body. */
void tally_log_request (const char *request_id,
                        const char *method,
                        const char *route,
                        guint       status,
                        gint64      duration_us,
                        const char *user_id);
/* @...: pairs of string keys and string values, then NULL. */
void tally_log_event   (const char *event,
                        ...) G_GNUC_NULL_TERMINATED;
void tally_log_warning (const char *event,
                        const char *message);
/* Quiet (for tests and benchmarks): only warnings are written. */
void tally_log_set_requests_enabled (gboolean enabled);

G_END_DECLS
