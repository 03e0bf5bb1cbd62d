/* tally-tools-test.h: what the built-in tool tests share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <poppler.h>

#include "tally-builtin.h"
#include "tally-test-common.h"

G_BEGIN_DECLS

/* A temporary folder per test, removed with what the test left in it. */
typedef struct
{
  char *dir;
} Fixture;

void        fixture_set_up     (Fixture       *fixture,
                                gconstpointer  data);
void        fixture_tear_down  (Fixture       *fixture,
                                gconstpointer  data);

char       *path_in            (Fixture       *fixture,
                                const char    *name);
char       *write_file         (Fixture       *fixture,
                                const char    *name,
                                const char    *contents,
                                gssize         length);
char       *read_file          (const char    *path,
                                gsize         *length);

JsonObject *files_value        (const char    *input_id,
                                ...) G_GNUC_NULL_TERMINATED;
/* Runs the built-in @name, which must exist, without progress. */
gboolean    run_tool           (const char    *name,
                                JsonObject    *values,
                                const char    *output,
                                GCancellable  *cancellable,
                                gint64        *units,
                                GError       **error);

/* A failed run: the error wanted (@message_part in its message unless
 * NULL), no units, nothing at @output. */
void        assert_run_fails   (const char    *name,
                                JsonObject    *values,
                                const char    *output,
                                GQuark         domain,
                                int            code,
                                const char    *message_part);

/* Runs @name cancelled at its first progress report: it must stop with
 * G_IO_ERROR_CANCELLED, no units and nothing at @output. */
void        assert_run_cancelled (const char    *name,
                                  JsonObject    *values,
                                  const char    *output);

/* A TallyBuiltinProgress that cancels the GCancellable in @user_data. */
void        cancel_on_progress (double         fraction,
                                gpointer       user_data);

PopplerDocument *open_pdf  (const char      *path);
char            *page_text (PopplerDocument *document,
                            int              index);

G_END_DECLS
