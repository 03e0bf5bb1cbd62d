/* tally-tool-page-run.c: a run from the Run button to what it cost
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-format.h"
#include "tally-command.h"
#include "tally-tool-page-private.h"

/* The result of a run, or why it did not run */

static void
show_status (TallyToolPage *self,
             const char    *status,
             const char    *cost,
             gboolean       is_error)
{
  if (self->disposed)
    return;

  gtk_label_set_text (self->status_label, status);
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
  gtk_label_set_text (self->cost_label, cost != NULL ? cost : "");
  gtk_widget_set_visible (GTK_WIDGET (self->cost_label), cost != NULL);
  gtk_widget_set_visible (self->open_button, FALSE);
  gtk_widget_set_visible (self->result_box, TRUE);
}

static void
set_running (TallyToolPage *self,
             gboolean       running)
{
  self->running = running;
  if (self->disposed)
    return;

  gtk_stack_set_visible_child_name (self->run_stack, running ? "running" : "ready");
  if (running)
    {
      gtk_widget_set_visible (self->result_box, FALSE);
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
      gtk_progress_bar_set_text (self->progress_bar, _("Asking the server…"));
    }
  tally_tool_page_update_actions (self);
}

/* "today at 24:00", "tomorrow at 00:00", "on 01/12/26" */
static char *
reset_text (GDateTime *when)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autofree char *time = NULL;
  int year, month, day;

  if (when == NULL)
    return g_strdup (_("at the start of the next period"));

  time = g_date_time_format (when, "%H:%M");
  g_date_time_get_ymd (when, &year, &month, &day);
  if (g_date_time_get_year (now) == year && g_date_time_get_day_of_year (now) ==
      g_date_time_get_day_of_year (when))
    return g_strdup_printf (_("today at %s"), time);
  if (g_date_time_get_year (tomorrow) == year && g_date_time_get_day_of_year (tomorrow) ==
      g_date_time_get_day_of_year (when))
    return g_strdup_printf (_("tomorrow at %s"), time);

  {
    g_autofree char *date = g_date_time_format (when, "%x");

    return g_strdup_printf (_("on %s at %s"), date, time);
  }
}

static char *
refusal_text (const TallyRunRefusal *refusal,
              const GError          *error)
{
  g_autofree char *requested = NULL;
  g_autofree char *cap = NULL;
  g_autofree char *spent = NULL;
  g_autofree char *resets = NULL;

  if (refusal == NULL || refusal->kind == TALLY_RUN_REFUSAL_OTHER)
    return g_strdup (error->message);

  requested = tally_format_credits (refusal->requested);
  cap = tally_format_credits (refusal->cap);
  spent = tally_format_credits (refusal->spent);
  resets = reset_text (refusal->resets_at);

  switch (refusal->kind)
    {
    case TALLY_RUN_REFUSAL_INSUFFICIENT_CREDITS:
      {
        g_autofree char *available = g_strdup_printf ("%'" G_GINT64_FORMAT, refusal->available);

        return g_strdup_printf (_("Not enough credits: this run may cost up to %s and you have "
                                  "%s available. Buy credits or pick a smaller input."),
                                requested, available);
      }
    case TALLY_RUN_REFUSAL_PER_RUN_CAP:
      return g_strdup_printf (_("Over your limit of %s per run: this run may cost up to %s. "
                                "Pick a smaller input."), cap, requested);
    case TALLY_RUN_REFUSAL_DAILY_CAP:
      return g_strdup_printf (_("Over your daily limit of %s: %s already spent today, and this "
                                "run may cost up to %s. The limit resets %s."),
                              cap, spent, requested, resets);
    case TALLY_RUN_REFUSAL_MONTHLY_CAP:
      return g_strdup_printf (_("Over your monthly limit of %s: %s already spent this month, "
                                "and this run may cost up to %s. The limit resets %s."),
                              cap, spent, requested, resets);
    case TALLY_RUN_REFUSAL_OTHER:
    default:
      return g_strdup (error->message);
    }
}

static char *
cost_text (gint64 charged,
           gint64 released)
{
  g_autofree char *charged_text = tally_format_credits (charged);
  g_autofree char *released_text = g_strdup_printf ("%'" G_GINT64_FORMAT, released);

  if (charged == 0)
    return g_strdup (_("Nothing was charged"));
  if (released == 0)
    /* Translators: "Charged 5 credits" */
    return g_strdup_printf (_("Charged %s"), charged_text);
  /* Translators: "Charged 5 credits; 7 released" (the rest of what was held) */
  return g_strdup_printf (_("Charged %s; %s released"), charged_text, released_text);
}

/* How a run ended (its status: succeeded, failed, cancelled...), and
 * @cost, what it cost in words. */
static void
show_outcome (TallyToolPage *self,
              const char    *status,
              const char    *cost)
{
  g_autofree char *text = NULL;

  if (g_str_equal (status, "succeeded"))
    {
      text = g_strdup_printf (_("Done. The result is saved in %s"), self->output_path);
      show_status (self, text, cost, FALSE);
      if (!self->disposed)
        gtk_widget_set_visible (self->open_button, TRUE);
      return;
    }

  if (g_str_equal (status, "cancelled"))
    show_status (self, _("Cancelled."), cost, FALSE);
  else if (self->failure != NULL)
    {
      text = g_strdup_printf (_("The tool failed: %s"), self->failure);
      show_status (self, text, cost, TRUE);
    }
  else
    show_status (self, _("The run did not finish."), cost, TRUE);
}

/* The session's sync, once its cache is open. */
static TallySync *
find_sync (TallyToolPage *self)
{
  return tally_session_get_sync (self->session);
}

/* Offline: the run spends from the lease and goes into the outbox */

/* Online, the op is synced at once: the run reads as any other. */
static char *
offline_cost_text (gint64   cost,
                   gboolean online)
{
  g_autofree char *credits = NULL;

  if (online || cost == 0)
    return cost_text (cost, 0);
  credits = tally_format_credits (cost);
  /* Translators: "Charged 5 credits (offline, will sync)" */
  return g_strdup_printf (_("Charged %s (offline, will sync)"), credits);
}

/* What a succeeded run costs for the units it measured, by the same price
 * rule the server applies to it, and never more than was checked against
 * the allowance. */
static gint64
offline_cost (TallyToolPage *self,
              const char    *outcome,
              gint64         units)
{
  gint64 price = 0;

  if (!g_str_equal (outcome, "succeeded") ||
      !tally_price_rule_cost (tally_tool_get_price_rule (self->tool), units, &price, NULL))
    return 0;

  return MIN (price, self->offline_held);
}

/* An offline run whose op the cache's writer thread is recording. */
typedef struct
{
  TallyToolPage *page;
  TallySync     *sync;
  char          *outcome;
  gint64         cost;
} OfflineRun;

static void
offline_run_free (OfflineRun *run)
{
  g_object_unref (run->page);
  g_object_unref (run->sync);
  g_free (run->outcome);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OfflineRun, offline_run_free)

static void
offline_recorded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(OfflineRun) run = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *cost_words = NULL;

  set_running (run->page, FALSE);
  if (!tally_cache_outbox_add_finish (TALLY_CACHE (source), result, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The run could not be recorded: %s"),
                                               error->message);

      show_status (run->page, text, NULL, TRUE);
      return;
    }

  tally_sync_now (run->sync);
  /* The page may have closed meanwhile: the op is recorded all the same. */
  if (run->page->disposed)
    return;
  cost_words = offline_cost_text (run->cost, tally_sync_get_online (run->sync));
  show_outcome (run->page, run->outcome, cost_words);
}

/* The op is in the outbox, durably, before the user hears the run is
 * done: the page shows the run as running until the write committed. */
static void
complete_offline (TallyToolPage *self,
                  const char    *outcome,
                  gint64         units)
{
  OfflineRun *run = g_new0 (OfflineRun, 1);

  run->page = g_object_ref (self);
  run->sync = g_steal_pointer (&self->offline_sync);
  run->outcome = g_strdup (outcome);
  run->cost = offline_cost (self, outcome, units);
  tally_cache_outbox_add_run_async (tally_sync_get_cache (run->sync), self->offline_account,
                                    self->offline_team_name, self->run_id,
                                    tally_tool_get_id (self->tool), outcome, units, run->cost,
                                    NULL, offline_recorded, run);
  g_clear_pointer (&self->offline_account, g_free);
  g_clear_pointer (&self->offline_team_name, g_free);
}

/* A run on a team's pool: its caps are the member's caps on the pool,
 * and its balance the pool's. */
static char *
pool_refusal_text (const TallyRunRefusal *refusal,
                   const GError          *error)
{
  g_autofree char *requested = NULL;
  g_autofree char *cap = NULL;
  g_autofree char *spent = NULL;

  if (refusal == NULL || (refusal->kind != TALLY_RUN_REFUSAL_DAILY_CAP &&
                          refusal->kind != TALLY_RUN_REFUSAL_MONTHLY_CAP &&
                          refusal->kind != TALLY_RUN_REFUSAL_INSUFFICIENT_CREDITS))
    return refusal_text (refusal, error);

  requested = tally_format_credits (refusal->requested);
  if (refusal->kind == TALLY_RUN_REFUSAL_INSUFFICIENT_CREDITS)
    return g_strdup_printf (_("Not enough credits in the team’s pool: this run may cost up to "
                              "%s. Ask an owner to add credits, or pay from your account."),
                            requested);

  cap = tally_format_credits (refusal->cap);
  spent = tally_format_credits (refusal->spent);
  if (refusal->kind == TALLY_RUN_REFUSAL_DAILY_CAP)
    return g_strdup_printf (_("Over your daily cap of %s on the team’s pool: %s already spent "
                              "today, and this run may cost up to %s. Pay from your account, "
                              "or ask an owner or admin to raise it."), cap, spent, requested);
  return g_strdup_printf (_("Over your monthly cap of %s on the team’s pool: %s already spent "
                            "this month, and this run may cost up to %s. Pay from your account, "
                            "or ask an owner or admin to raise it."), cap, spent, requested);
}

static char *
allowance_refusal_text (gint64   max,
                        gint64   allowance,
                        gboolean pool)
{
  g_autofree char *max_text = tally_format_credits (max);
  g_autofree char *allowance_text = g_strdup_printf ("%'" G_GINT64_FORMAT, allowance);

  if (pool)
    return g_strdup_printf (_("This run could cost up to %s, more than the %s left of your "
                              "offline allowance on the team’s pool. Connect to run it."),
                            max_text, allowance_text);
  return g_strdup_printf (_("This run could cost up to %s, more than the %s left of your offline "
                            "allowance. Connect to run it."), max_text, allowance_text);
}

static void start_tool (TallyToolPage *self);

/* The server is gone: the run may still go on against the lease. (When
 * the lease holds the credits an online run needs, the server gives them
 * back: see authorize().) */
static gboolean
lease_may_pay (const GError *error)
{
  return g_error_matches (error, TALLY_CLIENT_ERROR, TALLY_CLIENT_ERROR_UNREACHABLE);
}

/* Runs without asking the server, if the most the run may cost fits in
 * what the lease of the account that pays has left (a pool's lease is
 * within the member's caps on it); FALSE when there is no cache to record
 * it in. */
static gboolean
start_offline (TallyToolPage *self)
{
  TallySync *sync = find_sync (self);
  const char *payer = tally_tool_page_get_payer (self);
  gint64 allowance;

  if (sync == NULL)
    return FALSE;

  allowance = payer != NULL ? tally_sync_get_pool_allowance (sync, payer)
                            : tally_sync_get_allowance (sync);
  if (self->estimate.max > allowance)
    {
      g_autofree char *text = allowance_refusal_text (self->estimate.max, allowance,
                                                      payer != NULL);

      set_running (self, FALSE);
      show_status (self, text, NULL, TRUE);
      return TRUE;
    }

  g_set_object (&self->offline_sync, sync);
  g_free (self->offline_account);
  self->offline_account = g_strdup (payer);
  g_free (self->offline_team_name);
  self->offline_team_name = g_strdup (tally_tool_page_get_payer_name (self));
  self->offline_held = self->estimate.max;
  start_tool (self);
  return TRUE;
}

/* Run: authorize, run, complete */

static void
completed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(TallyToolPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *status = NULL;
  g_autofree char *cost = NULL;
  gint64 charged, released;

  set_running (self, FALSE);
  if (!tally_session_complete_run_finish (TALLY_SESSION (source), result, &status, &charged,
                                          &released, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The server did not take the result of the run: "
                                                 "%s. What was held comes back when the hold "
                                                 "expires."), error->message);

      show_status (self, text, NULL, TRUE);
      return;
    }

  cost = cost_text (charged, released);
  show_outcome (self, status, cost);
}

static void
complete (TallyToolPage *self,
          const char    *outcome,
          gint64         units)
{
  if (self->offline_sync != NULL)
    {
      complete_offline (self, outcome, units);
      return;
    }

  if (!self->disposed)
    gtk_progress_bar_set_text (self->progress_bar, _("Settling the cost…"));
  tally_session_complete_run_async (self->session, self->run_id, outcome, units, completed,
                                    g_object_ref (self));
}

/* Built-ins and commands answer alike. */
static gboolean
run_finish (GAsyncResult  *result,
            gint64        *units,
            GError       **error)
{
  if (g_async_result_is_tagged (result, tally_command_run_async))
    return tally_command_run_finish (result, units, error);

  return tally_builtin_run_finish (result, units, error);
}

static void
tool_finished (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TallyToolPage) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 units;

  if (run_finish (result, &units, &error))
    complete (self, "succeeded", units);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    complete (self, "cancelled", -1);
  else
    {
      g_free (self->failure);
      self->failure = g_strdup (error->message);
      complete (self, "failed", -1);
    }
}

static void
tool_progress (double   fraction,
               gpointer user_data)
{
  TallyToolPage *self = user_data;

  if (!self->disposed)
    gtk_progress_bar_set_fraction (self->progress_bar, fraction);
}

static void
start_tool (TallyToolPage *self)
{
  g_autoptr(JsonObject) values = tally_tool_page_build_values (self);
  g_autoptr(GFile) first = tally_tool_page_get_first_file (self);
  g_autofree char *name = first != NULL ? g_file_get_basename (first) : NULL;
  g_autofree char *dir = tally_tool_page_get_output_dir (self);

  g_free (self->output_path);
  if (!self->disposed)
    gtk_progress_bar_set_text (self->progress_bar, _("Running…"));

  if (self->builtin == NULL)
    {
      /* An external program: it says nothing of its progress. */
      /* The installed command, never the server's: see set_runner(). */
      self->output_path = tally_command_make_output_path (self->runner, dir, name);
      tally_command_run_async (self->runner, values, self->output_path, self->run_cancellable,
                               tool_finished, g_object_ref (self));
      return;
    }

  self->output_path = tally_builtin_make_output_path (self->builtin, dir, name, values);
  tally_builtin_run_async (self->builtin, values, self->output_path, self->run_cancellable,
                           tool_progress, self, tool_finished, g_object_ref (self));
}

static void
authorized (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(TallyToolPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyRunRefusal) refusal = NULL;

  if (!tally_session_authorize_run_finish (TALLY_SESSION (source), result, &refusal, &error))
    {
      g_autofree char *text = NULL;

      /* Offline runs spend the lease of the account that pays. */
      if (lease_may_pay (error) && start_offline (self))
        return;

      text = tally_tool_page_get_payer (self) != NULL ? pool_refusal_text (refusal, error)
                                                      : refusal_text (refusal, error);
      set_running (self, FALSE);
      show_status (self, text, NULL, TRUE);
      return;
    }

  /* Cancelled (or closed) while the server was asked: the hold is
   * released at once. */
  if (g_cancellable_is_cancelled (self->run_cancellable) || self->disposed)
    {
      complete (self, "cancelled", -1);
      return;
    }

  start_tool (self);
}

static void
authorize (TallyToolPage *self)
{
  g_autoptr(JsonObject) inputs = tally_tool_page_build_summary (self);

  g_free (self->run_id);
  self->run_id = g_uuid_string_random ();
  g_clear_pointer (&self->failure, g_free);
  g_clear_object (&self->run_cancellable);
  self->run_cancellable = g_cancellable_new ();
  set_running (self, TRUE);

  /* Asked even while offline: the server may be back before the sync
   * notices, and failing to connect is quick. */
  tally_session_authorize_run_on_async (self->session, self->run_id, self->tool, inputs,
                                        tally_tool_page_get_payer (self), authorized,
                                        g_object_ref (self));
}

static void
confirmation_response (AdwMessageDialog *dialog,
                       const char       *response,
                       TallyToolPage    *self)
{
  if (g_str_equal (response, "run") && !self->running)
    authorize (self);
}

static void
ask_confirmation (TallyToolPage *self)
{
  g_autofree char *max = tally_format_credits (self->estimate.max);
  g_autofree char *heading = g_strdup_printf (_("Run “%s”?"), tally_tool_get_name (self->tool));
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                              heading, NULL);

  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("This run may cost up to %s."), max);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "run", _("_Run"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "run",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "run");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirmation_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
run_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  TallyToolPage *self = TALLY_TOOL_PAGE (widget);
  g_autofree char *dir = NULL;

  tally_tool_page_update_estimate (self);
  if (self->running || !self->estimate_ok || !tally_tool_page_can_run (self))
    return;

  /* In a sandbox, where the result goes is the user's choice first. */
  dir = tally_tool_page_get_output_dir (self);
  if (dir == NULL)
    {
      self->run_when_folder_chosen = TRUE;
      gtk_widget_activate_action (widget, "tool.choose-folder", NULL);
      return;
    }

  if (self->estimate.max > g_settings_get_int64 (self->settings, "confirm-above"))
    ask_confirmation (self);
  else
    authorize (self);
}

static void
cancel_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TallyToolPage *self = TALLY_TOOL_PAGE (widget);

  g_cancellable_cancel (self->run_cancellable);
  gtk_progress_bar_set_text (self->progress_bar, _("Cancelling…"));
  gtk_widget_action_set_enabled (widget, "tool.cancel", FALSE);
}

static void
launched (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(TallyToolPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (source), result, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The result cannot be opened: %s"),
                                               error->message);

      show_status (self, text, NULL, TRUE);
    }
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TallyToolPage *self = TALLY_TOOL_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autofree char *uri = NULL;

  if (self->output_path == NULL || !GTK_IS_WINDOW (root))
    return;

  /* Through the OpenURI portal in a sandbox (the file is passed by
   * descriptor), with the window as parent. */
  uri = g_filename_to_uri (self->output_path, NULL, NULL);
  gtk_show_uri_full (GTK_WINDOW (root), uri, GDK_CURRENT_TIME, NULL, launched,
                     g_object_ref (self));
}

gboolean
tally_tool_page_can_run (TallyToolPage *self)
{
  return self->runner != NULL &&
         (self->builtin != NULL || tally_tool_get_command (self->runner) != NULL);
}

void
tally_tool_page_class_add_run_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "tool.run", NULL, run_action);
  gtk_widget_class_install_action (widget_class, "tool.cancel", NULL, cancel_action);
  gtk_widget_class_install_action (widget_class, "tool.open", NULL, open_action);
}

void
tally_tool_page_clear_run (TallyToolPage *self)
{
  g_clear_object (&self->run_cancellable);
  g_clear_pointer (&self->run_id, g_free);
  g_clear_pointer (&self->output_path, g_free);
  g_clear_pointer (&self->failure, g_free);
  g_clear_object (&self->offline_sync);
  g_clear_pointer (&self->offline_account, g_free);
  g_clear_pointer (&self->offline_team_name, g_free);
}
