/* tally-tool-page-payer.c: which account pays for a run
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A member of teams chooses, on each tool page, their own account or one
 * of their teams' pools; the run's request then carries the pool's
 * account_id. Without teams the row stays hidden. Offline, the teams are
 * the ones last listed, and a run spends the device's lease on the
 * account chosen (tally-sync.c leases each pool too).
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-format.h"
#include "tally-session-teams.h"
#include "tally-tool-page-private.h"

/* The chosen account's id before the list changes, to choose it again. */
static char *
chosen_account (TallyToolPage *self)
{
  return g_strdup (tally_tool_page_get_payer (self));
}

static char *
pool_label (const TallyTeam *team)
{
  g_autofree char *available = NULL;

  if (team->available < 0)
    /* Translators: the pool of the team "Design" */
    return g_strdup_printf (_("The pool of “%s”"), team->name);
  available = tally_format_credits (team->available);
  /* Translators: "The pool of “Design” (1,000 credits)" */
  return g_strdup_printf (_("The pool of “%s” (%s)"), team->name, available);
}

static void
teams_listed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TallyToolPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) teams = tally_session_list_teams_finish (TALLY_SESSION (source), result,
                                                                &error);
  g_autoptr(GtkStringList) labels = NULL;
  g_autofree char *chosen = NULL;
  guint selected = 0;

  /* Unreadable, or offline before any list: the user's own account, as
   * without teams. */
  if (teams == NULL || self->disposed)
    return;

  chosen = chosen_account (self);
  labels = gtk_string_list_new (NULL);
  g_ptr_array_set_size (self->payer_accounts, 0);
  g_ptr_array_set_size (self->payer_names, 0);
  gtk_string_list_append (labels, _("Your account"));
  g_ptr_array_add (self->payer_accounts, NULL);
  g_ptr_array_add (self->payer_names, NULL);
  for (guint i = 0; i < teams->len; i++)
    {
      TallyTeam *team = g_ptr_array_index (teams, i);
      g_autofree char *label = pool_label (team);

      gtk_string_list_append (labels, label);
      g_ptr_array_add (self->payer_accounts, g_strdup (team->account_id));
      g_ptr_array_add (self->payer_names, g_strdup (team->name));
      if (g_strcmp0 (chosen, team->account_id) == 0)
        selected = i + 1;
    }
  adw_combo_row_set_model (self->payer_row, G_LIST_MODEL (labels));
  adw_combo_row_set_selected (self->payer_row, selected);
  gtk_widget_set_visible (GTK_WIDGET (self->payer_row), teams->len > 0);
}

void
tally_tool_page_load_payers (TallyToolPage *self)
{
  if (self->disposed || self->session == NULL ||
      tally_session_get_state (self->session) != TALLY_SESSION_STATE_SIGNED_IN)
    return;

  if (self->payer_accounts == NULL)
    {
      self->payer_accounts = g_ptr_array_new_with_free_func (g_free);
      self->payer_names = g_ptr_array_new_with_free_func (g_free);
    }
  g_cancellable_cancel (self->payer_cancellable);
  g_clear_object (&self->payer_cancellable);
  self->payer_cancellable = g_cancellable_new ();
  tally_session_list_teams_async (self->session, self->payer_cancellable, teams_listed,
                                  g_object_ref (self));
}

/* The item of @payers (the accounts or the names) chosen, or NULL. */
static const char *
chosen_item (TallyToolPage *self,
             GPtrArray     *payers)
{
  guint selected = adw_combo_row_get_selected (self->payer_row);

  if (payers == NULL || !gtk_widget_get_visible (GTK_WIDGET (self->payer_row)) ||
      selected >= payers->len)
    return NULL;
  return g_ptr_array_index (payers, selected);
}

const char *
tally_tool_page_get_payer (TallyToolPage *self)
{
  return chosen_item (self, self->payer_accounts);
}

const char *
tally_tool_page_get_payer_name (TallyToolPage *self)
{
  return chosen_item (self, self->payer_names);
}

void
tally_tool_page_clear_payers (TallyToolPage *self)
{
  g_cancellable_cancel (self->payer_cancellable);
  g_clear_object (&self->payer_cancellable);
  g_clear_pointer (&self->payer_accounts, g_ptr_array_unref);
  g_clear_pointer (&self->payer_names, g_ptr_array_unref);
}
