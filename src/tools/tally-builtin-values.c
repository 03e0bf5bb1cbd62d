/* tally-builtin-values.c: choices and numbers, checked against their range
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n-lib.h>

#include "tally-builtin-private.h"

const char *
tally_builtin_get_choice (const TallyBuiltinRun  *run,
                          const char             *input_id,
                          const char * const     *choices,
                          GError                **error)
{
  const char *value = tally_builtin_get_string (run, input_id, choices[0]);

  if (value == NULL || !g_strv_contains (choices, value))
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                   _("“%s” is not one of the choices of the input “%s”"),
                   value != NULL ? value : "", input_id);
      return NULL;
    }

  return value;
}

gboolean
tally_builtin_get_int_in_range (const TallyBuiltinRun  *run,
                                const char             *input_id,
                                gint64                  fallback,
                                gint64                  min,
                                gint64                  max,
                                gint64                 *value,
                                GError                **error)
{
  *value = tally_builtin_get_int (run, input_id, fallback);
  if (*value < min || *value > max)
    {
      g_set_error (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                   _("The input “%s” must be from %" PRId64 " to %" PRId64),
                   input_id, min, max);
      return FALSE;
    }

  return TRUE;
}
