/* tally-tool-page-private.h: what the files of TallyToolPage share
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "tally-builtin.h"
#include "tally-sync.h"
#include "tally-tool-page.h"

G_BEGIN_DECLS

struct _TallyToolPage
{
  AdwBin              parent_instance;

  GtkLabel           *title_label;
  GtkLabel           *description_label;
  GtkBox             *inputs_box;
  AdwActionRow       *folder_row;
  GtkLabel           *estimate_label;
  /* The user's latest costs of this tool, from the cache, for a typical
   * estimate of their own; NULL until read, and again when the cache
   * changes. */
  GArray             *past_costs;
  GtkLabel           *measure_label;
  GtkLabel           *usual_label;
  GtkStack           *run_stack;
  GtkButton          *run_button;
  GtkProgressBar     *progress_bar;
  GtkWidget          *result_box;
  GtkLabel           *status_label;
  GtkLabel           *cost_label;
  GtkWidget          *open_button;

  TallyTool          *tool;
  /* What runs: the installed tool of the same id (never the server's
   * entry), and its built-in; NULL, with @unavailable saying why, when the
   * app has no such tool. */
  TallyTool          *runner;
  char               *unavailable;
  const TallyBuiltin *builtin;
  TallySession       *session;
  /* The session's, for short. */
  TallyClient        *client;
  GSettings          *settings;
  gboolean            watching_ledger;
  /* InputField, one per input of the tool */
  GPtrArray          *fields;
  /* Where the user chose to save results; NULL: next to the input. */
  GFile              *output_folder;
  /* Run was pressed in a sandbox before a folder was chosen: run once one is. */
  gboolean            run_when_folder_chosen;
  TallyEstimate       estimate;
  gboolean            inputs_ready;
  gboolean            estimate_ok;
  gboolean            disposed;

  /* The run in progress, or the last one. */
  char               *run_id;
  GCancellable       *run_cancellable;
  char               *output_path;
  char               *failure;
  gboolean            running;
  /* Set while a run goes on offline: it spends from the lease, and ends
   * in the outbox of this sync's cache. */
  TallySync          *offline_sync;
  /* The most the offline run may cost, checked against the allowance. */
  gint64              offline_held;
  /* The team's pool the offline run pays from; NULL: the user's own.
   * And that team's name, kept with the op. */
  char               *offline_account;
  char               *offline_team_name;

  /* Who pays (tally-tool-page-payer.c): the user's own account, or a
   * team's pool; shown only when the user is in a team. */
  AdwComboRow        *payer_row;
  /* The account ids of the row's items; NULL (the user's own) first;
   * and their teams' names, NULL first. */
  GPtrArray          *payer_accounts;
  GPtrArray          *payer_names;
  GCancellable       *payer_cancellable;
};

/* tally-tool-page.c: inputs and the estimate */
JsonObject *tally_tool_page_build_summary         (TallyToolPage  *self);
JsonObject *tally_tool_page_build_values          (TallyToolPage  *self);
void        tally_tool_page_update_estimate       (TallyToolPage  *self);
void        tally_tool_page_update_actions        (TallyToolPage  *self);
GFile      *tally_tool_page_get_first_file        (TallyToolPage  *self);
char       *tally_tool_page_get_output_dir        (TallyToolPage  *self);

/* tally-tool-page-run.c: authorize, run, complete */
void        tally_tool_page_class_add_run_actions (GtkWidgetClass *widget_class);
void        tally_tool_page_clear_run             (TallyToolPage  *self);

/* tally-tool-page-payer.c: which account pays */
/* Reads the user's teams again and offers their pools. */
void        tally_tool_page_load_payers           (TallyToolPage  *self);
/* The pool chosen, or NULL for the user's own account. */
const char *tally_tool_page_get_payer             (TallyToolPage  *self);
/* The name of the chosen pool's team, or NULL for the user's own account. */
const char *tally_tool_page_get_payer_name        (TallyToolPage  *self);
void        tally_tool_page_clear_payers          (TallyToolPage  *self);
/* A built-in or a command this app can run. */
gboolean    tally_tool_page_can_run               (TallyToolPage  *self);

G_END_DECLS
