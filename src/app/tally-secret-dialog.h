/* tally-secret-dialog.h: a secret the server shows once
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* A dialog over @parent with @heading, @body, then @secret selectable in
 * monospace (read out as @accessible_name), a Copy pill labelled
 * @copy_label and a Done response: what webhook secrets, API keys and
 * invitation codes share, since the server never shows them again. */
void tally_secret_dialog_present (GtkWindow  *parent,
                                  const char *heading,
                                  const char *body,
                                  const char *secret,
                                  const char *copy_label,
                                  const char *accessible_name);

G_END_DECLS
