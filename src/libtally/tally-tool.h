/* tally-tool.h
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "tally-pricing.h"

G_BEGIN_DECLS

#define TALLY_TOOL_ERROR (tally_tool_error_quark ())

typedef enum
{
  /* A tool file (or the inputs given to a tool) is not as the schema says;
   * the message names the field. */
  TALLY_TOOL_ERROR_INVALID,
} TallyToolError;

typedef enum
{
  TALLY_INPUT_TYPE_FILE,
  TALLY_INPUT_TYPE_TEXT,
  TALLY_INPUT_TYPE_NUMBER,
  TALLY_INPUT_TYPE_CHOICE,
} TallyInputType;

/* How the metered units follow from the inputs. */
typedef enum
{
  /* The metered input's value is the number of units (number inputs, and
   * file inputs whose measure the caller took, e.g. pages of a PDF). */
  TALLY_METER_VALUE,
  /* Words of a text input, counted here. */
  TALLY_METER_WORDS,
  /* Characters of a text input, counted here. */
  TALLY_METER_CHARACTERS,
  /* Every run is one unit. */
  TALLY_METER_RUN,
} TallyMeter;

typedef struct _TallyToolInput
{
  char            *id;
  char            *label;
  TallyInputType   type;
  gboolean         required;
  /* number: the range; text: the length range in characters. */
  gint64           min;
  gint64           max;
  /* choice: the allowed values, NULL-terminated; file: MIME types. */
  char           **choices;
  char            *default_value;
  /* file: several files may be given; their measures add up. */
  gboolean         multiple;
} TallyToolInput;

#define TALLY_TYPE_TOOL (tally_tool_get_type ())

G_DECLARE_FINAL_TYPE (TallyTool, tally_tool, TALLY, TOOL, GObject)

GQuark                tally_tool_error_quark      (void);

TallyTool            *tally_tool_new_from_json    (JsonNode        *node,
                                                   GError         **error);
JsonNode             *tally_tool_to_json          (TallyTool       *self);

const char           *tally_tool_get_id           (TallyTool       *self);
const char           *tally_tool_get_name         (TallyTool       *self);
const char           *tally_tool_get_category     (TallyTool       *self);
const char           *tally_tool_get_description  (TallyTool       *self);
/* The unit it is priced by, plural and singular ("pages", "page"). */
const char           *tally_tool_get_unit         (TallyTool       *self);
const char           *tally_tool_get_unit_singular (TallyTool      *self);
TallyMeter            tally_tool_get_meter        (TallyTool       *self);
const char           *tally_tool_get_meter_input  (TallyTool       *self);
const TallyPriceRule *tally_tool_get_price_rule   (TallyTool       *self);
guint                 tally_tool_get_n_inputs     (TallyTool       *self);
const TallyToolInput *tally_tool_get_input        (TallyTool       *self,
                                                   guint            index);
const TallyToolInput *tally_tool_find_input       (TallyTool       *self,
                                                   const char      *input_id);
/* How it runs: a built-in's name, or an argv template (never a shell
 * string) whose "{input-id}" elements are replaced by input values. */
const char           *tally_tool_get_builtin      (TallyTool       *self);
const char * const   *tally_tool_get_command      (TallyTool       *self);
/* A command's output file name ends with this (".wav"); NULL if unsaid. */
const char           *tally_tool_get_output_suffix (TallyTool      *self);

/* Checks @inputs (input id -> value) against the tool's inputs and measures
 * the units they imply; -1 when they do not determine them. */
gboolean              tally_tool_measure_units    (TallyTool       *self,
                                                   JsonObject      *inputs,
                                                   gint64          *units,
                                                   GError         **error);
/* Words of @text as the "words" meter counts them: runs of characters
 * between white space. Tools that charge by the word use it too, so a
 * run measures what was estimated. */
gint64                tally_tool_count_words      (const char      *text);
/* How many of the user's latest runs of a tool make its typical cost. */
#define TALLY_ESTIMATE_PAST_RUNS 64

/* min, typical and max for @inputs (NULL: before the user gave any);
 * typical is the median of @past_costs (the user's latest settled costs of
 * this tool, see tally_ledger_recent_run_costs()) when there are enough. */
gboolean              tally_tool_estimate         (TallyTool       *self,
                                                   JsonObject      *inputs,
                                                   const gint64    *past_costs,
                                                   gsize            n_past_costs,
                                                   TallyEstimate   *estimate,
                                                   GError         **error);

G_END_DECLS
