/* fuzz-common.h: what every fuzz target shares
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tally-api-decoders.h"

/* libFuzzer's entry point; declared so -Wmissing-prototypes stays quiet. */
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* A broken invariant must stop the fuzzer with a stack trace and leave the
 * input behind, so it aborts instead of returning. */
#define fuzz_require(condition) \
  G_STMT_START { \
    if (G_UNLIKELY (!(condition))) \
      { \
        g_printerr ("fuzz: %s:%d: requirement failed: %s\n", __FILE__, __LINE__, #condition); \
        abort (); \
      } \
  } G_STMT_END

/* A decoder either succeeds and leaves the problem empty, or fails and
 * describes why with a client error the server can answer. */
static inline gboolean
fuzz_check_outcome (gboolean            ok,
                    const TallyProblem *problem)
{
  if (ok)
    {
      fuzz_require (!tally_problem_is_set (problem));
      return TRUE;
    }

  fuzz_require (tally_problem_is_set (problem));
  fuzz_require (problem->status >= 400 && problem->status < 500);
  fuzz_require (problem->message != NULL && g_utf8_validate (problem->message, -1, NULL));
  return FALSE;
}

/* Reads every byte of a decoded string, so AddressSanitizer sees a pointer
 * that outlived its JsonObject or ran past its end. */
static inline void
fuzz_touch_string (const char *value)
{
  if (value != NULL)
    fuzz_require (g_utf8_validate (value, -1, NULL));
}

/* A UUID as the decoders write it: 36 lower-case characters, or empty
 * when an optional one was not given. */
static inline void
fuzz_check_uuid (const char *uuid,
                 gboolean    may_be_empty)
{
  if (may_be_empty && uuid[0] == '\0')
    return;

  fuzz_require (g_uuid_string_is_valid (uuid));
  for (const char *c = uuid; *c != '\0'; c++)
    fuzz_require (!g_ascii_isupper (*c));
}

/* An object the server keeps as it was sent (a run's inputs) is stored
 * and answered as JSON text, which must be UTF-8 all through. */
static inline void
fuzz_check_stored_object (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, NULL);
  fuzz_require (g_utf8_validate (text, -1, NULL));
}

/* The body as the server parses it; NULL (with the refusal checked) when
 * the parser refuses it: not JSON, or JSON with a whole number too large
 * for 64 bits, refused as an invalid field that is named. */
static inline JsonObject *
fuzz_parse_body (const uint8_t *data,
                 size_t         size,
                 TallyProblem  *problem)
{
  JsonObject *body = tally_json_parse_object ((const char *) data, size, problem);

  fuzz_check_outcome (body != NULL, problem);
  if (body == NULL && g_strcmp0 (problem->code, "invalid_field") == 0)
    fuzz_require (problem->field != NULL && problem->field[0] != '\0');
  else if (body == NULL)
    fuzz_require (g_strcmp0 (problem->code, "invalid_json") == 0);

  return body;
}
