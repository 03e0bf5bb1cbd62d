/* tally-mailer.h: plain-text emails over SMTP, sent off the request path
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "tally-config.h"
#include "tally-metrics.h"

G_BEGIN_DECLS

#define TALLY_MAILER_ERROR (tally_mailer_error_quark ())

typedef enum
{
  /* A header value that would break the message: CR, LF, or an address
   * that is not one. */
  TALLY_MAILER_ERROR_UNSAFE_HEADER,
  /* [smtp] settings the mailer cannot work with. */
  TALLY_MAILER_ERROR_CONFIG,
} TallyMailerError;

#define TALLY_TYPE_MAILER (tally_mailer_get_type ())

/* Messages are queued and sent by a worker thread with libcurl, each tried
 * a few times with a growing pause in between; the outcome is logged and
 * counted in tally_emails_total. */
G_DECLARE_FINAL_TYPE (TallyMailer, tally_mailer, TALLY, MAILER, GObject)

GQuark       tally_mailer_error_quark  (void);
/* Reads [smtp]; an empty url gives a mailer that sends nothing. A url
 * without a from address, or of another scheme than smtp or smtps, is an
 * error. */
TallyMailer *tally_mailer_new          (const TallyConfig  *config,
                                        TallyMetrics       *metrics,
                                        GError            **error);
/* An email: @html is an optional alternative to @text, and
 * @unsubscribe_url, when set, goes in List-Unsubscribe. */
typedef struct
{
  const char *subject;
  const char *text;
  const char *html;
  const char *unsubscribe_url;
} TallyMail;

gboolean     tally_mailer_is_enabled   (TallyMailer        *self);
/* Queues one email; returns at once. @to_name may be NULL or empty. FALSE
 * when a header is unsafe (nothing is queued) or email is off. */
gboolean     tally_mailer_send         (TallyMailer        *self,
                                        const char         *to_address,
                                        const char         *to_name,
                                        const char         *subject,
                                        const char         *body,
                                        GError            **error);

/* The whole message, CRLF line ends, quoted-printable UTF-8 body. */
gboolean     tally_mailer_send_full    (TallyMailer        *self,
                                        const char         *to_address,
                                        const char         *to_name,
                                        const TallyMail    *mail,
                                        GError            **error);
char        *tally_mail_format_full    (const char         *from,
                                        const char         *to_address,
                                        const char         *to_name,
                                        const TallyMail    *mail,
                                        GDateTime          *date,
                                        const char         *message_id,
                                        GError            **error);
char        *tally_mail_format         (const char         *from,
                                        const char         *to_address,
                                        const char         *to_name,
                                        const char         *subject,
                                        const char         *body,
                                        GDateTime          *date,
                                        const char         *message_id,
                                        GError            **error);
/* Whether @address is a bare addr-spec safe in a header and in SMTP. */
gboolean     tally_mail_address_is_valid (const char       *address);

G_END_DECLS
