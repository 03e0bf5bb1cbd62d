/* tally-languages.h: the languages the server answers in
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Language 0 is the source language (English); the others are the
 * translations the build ships (po/LINGUAS) whose locale this machine has. */
#define TALLY_LANGUAGE_SOURCE 0

guint       tally_languages_count       (void);
const char *tally_languages_tag         (guint       language);
guint       tally_languages_negotiate   (const char *accept_language);
char       *tally_languages_vprintf     (guint       language,
                                         const char *format,
                                         va_list     args) G_GNUC_PRINTF (2, 0);
char       *tally_languages_vnprintf    (guint       language,
                                         const char *singular,
                                         const char *plural,
                                         gulong      n,
                                         va_list     args) G_GNUC_PRINTF (2, 0) G_GNUC_PRINTF (3, 0);

G_END_DECLS
