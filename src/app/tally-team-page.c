/* tally-team-page.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Always in the window: without a team it offers to create one or to join
 * one with an invitation's code. With teams, one is shown at a time (the
 * Team row chooses): its pool, its members (expanded, an owner or admin
 * changes a member's role and caps, allocates credits to them or removes
 * them), invitations and usage by member. Everything is read again when
 * the page is shown and after each change, and the pool's balance follows
 * the session's live events, as what this device may spend from it
 * offline follows the sync; the server's refusals are shown in its words.
 */

#include "config.h"

#include <inttypes.h>

#include <glib/gi18n.h>

#include "tally-format.h"
#include "tally-session-teams.h"
#include "tally-team-page.h"
#include "tally-secret-dialog.h"
#include "tally-toast.h"

/* The roles in the order of a member's role row. */
static const char * const roles[] = { "owner", "admin", "member" };

struct _TallyTeamPage
{
  TallyPage            parent_instance;

  AdwPreferencesGroup *team_group;
  AdwComboRow         *team_row;
  GtkStringList       *team_names;
  AdwActionRow        *pool_row;
  AdwActionRow        *offline_row;
  AdwPreferencesGroup *members_group;
  AdwPreferencesGroup *invite_group;
  AdwEntryRow         *invite_email_row;
  AdwComboRow         *invite_role_row;
  AdwPreferencesGroup *usage_group;
  GtkLabel            *error_label;
  AdwEntryRow         *new_team_row;
  AdwEntryRow         *code_row;

  GCancellable        *cancellable;
  GPtrArray           *teams;
  /* The id of the team shown, kept across reloads. */
  char                *team_id;
  GPtrArray           *members;
  GPtrArray           *member_rows;
  GPtrArray           *usage_rows;
};

G_DEFINE_FINAL_TYPE (TallyTeamPage, tally_team_page, TALLY_TYPE_PAGE)

static void load       (TallyTeamPage *self);
static void usage_read (GObject       *source,
                        GAsyncResult  *result,
                        gpointer       user_data);

/* --- helpers --- */

static TallySession *
session (TallyTeamPage *self)
{
  return tally_page_get_session (TALLY_PAGE (self));
}

static void
show_error (TallyTeamPage *self,
            const char    *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
  /* At the top of the page: brought into view, and read out. */
  if (message != NULL && gtk_widget_grab_focus (GTK_WIDGET (self->error_label)))
    gtk_label_select_region (self->error_label, 0, 0);
}

/* "@what: why"; FALSE when cancelled, as the page went. */
static void
show_failure (TallyTeamPage *self,
              const char    *what,
              const GError  *error)
{
  g_autofree char *message = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* Translators: "You did not leave the team: the server's reason" */
  message = g_strdup_printf (_("%s: %s"), what, error->message);
  show_error (self, message);
}

static TallyTeam *
current_team (TallyTeamPage *self)
{
  guint selected = adw_combo_row_get_selected (self->team_row);

  if (self->teams == NULL || selected == GTK_INVALID_LIST_POSITION ||
      selected >= self->teams->len)
    return NULL;
  return g_ptr_array_index (self->teams, selected);
}

static TallyTeamMember *
find_member (TallyTeamPage *self,
             const char    *user_id,
             const char    *email)
{
  for (guint i = 0; self->members != NULL && i < self->members->len; i++)
    {
      TallyTeamMember *member = g_ptr_array_index (self->members, i);

      if ((user_id != NULL && g_strcmp0 (member->user_id, user_id) == 0) ||
          (email != NULL && member->email != NULL && g_ascii_strcasecmp (member->email,
                                                                         email) == 0))
        return member;
    }
  return NULL;
}

static const char *
member_name (const TallyTeamMember *member)
{
  return member->name != NULL && member->name[0] != '\0' ? member->name : member->email;
}

/* "Gale · gale@example.com", or the address alone without a name. */
static char *
member_title (const TallyTeamMember *member)
{
  if (member->name == NULL || member->name[0] == '\0' || member->email == NULL)
    return g_strdup (member_name (member));
  /* Translators: a member's name and address */
  return g_strdup_printf (_("%s · %s"), member->name, member->email);
}

static void
clear_rows (AdwPreferencesGroup *group,
            GPtrArray           *rows)
{
  for (guint i = 0; i < rows->len; i++)
    adw_preferences_group_remove (group, g_ptr_array_index (rows, i));
  g_ptr_array_set_size (rows, 0);
}

static void
add_row (AdwPreferencesGroup *group,
         GPtrArray           *rows,
         GtkWidget           *row)
{
  adw_preferences_group_add (group, row);
  g_ptr_array_add (rows, row);
}

static GtkWidget *
plain_row (const char *title,
           const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

static GtkWidget *
labelled_button (const char *label,
                 const char *accessible,
                 const char *action,
                 const char *user_id)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", user_id);
  return button;
}

/* --- members --- */

static char *
caps_text (const TallyTeamMember *member)
{
  g_autofree char *daily = member->daily_cap > 0 ? tally_format_credits (member->daily_cap)
                                                 : g_strdup (_("none"));
  g_autofree char *monthly = member->monthly_cap > 0 ? tally_format_credits (member->monthly_cap)
                                                     : g_strdup (_("none"));

  /* Translators: "caps: 10 credits a day, none a month" */
  return g_strdup_printf (_("caps: %s a day, %s a month"), daily, monthly);
}

static GtkWidget *
spin_row (const char *title,
          const char *subtitle,
          gint64      value,
          double      lower,
          GtkWidget **spin_out)
{
  GtkWidget *row = plain_row (title, subtitle);
  GtkWidget *spin = gtk_spin_button_new_with_range (lower, 1e9, 1);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), (double) value);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
  *spin_out = spin;
  return row;
}

/* What an owner or admin changes of @member, under its row. */
static void
add_member_controls (TallyTeamPage         *self,
                     AdwExpanderRow        *row,
                     const TallyTeamMember *member,
                     gboolean               is_me)
{
  const char *name = member_name (member);
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  GtkWidget *role = adw_combo_row_new ();
  GtkWidget *daily, *monthly, *amount, *actions;
  g_autofree char *save = g_strdup_printf (_("Save the changes to %s"), name);
  g_autofree char *allocate = g_strdup_printf (_("Allocate credits to %s"), name);
  g_autofree char *remove = g_strdup_printf (_("Remove %s from the team"), name);

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    gtk_string_list_append (labels, tally_team_role_label (roles[i]));
  adw_combo_row_set_model (ADW_COMBO_ROW (role), G_LIST_MODEL (labels));
  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    if (g_strcmp0 (member->role, roles[i]) == 0)
      adw_combo_row_set_selected (ADW_COMBO_ROW (role), i);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (role), _("Role"));
  adw_expander_row_add_row (row, role);
  adw_expander_row_add_row (row, spin_row (_("Daily cap"),
                                           _("Credits a day from the pool; 0 for none"),
                                           member->daily_cap, 0, &daily));
  adw_expander_row_add_row (row, spin_row (_("Monthly cap"),
                                           _("Credits a month from the pool; 0 for none"),
                                           member->monthly_cap, 0, &monthly));

  actions = spin_row (_("Credits to allocate"), _("Moved from the pool to their own account"),
                      100, 1, &amount);
  adw_action_row_add_suffix (ADW_ACTION_ROW (actions),
                             labelled_button (_("_Allocate"), allocate, "team.allocate",
                                              member->user_id));
  adw_expander_row_add_row (row, actions);

  actions = plain_row ("", NULL);
  adw_action_row_add_suffix (ADW_ACTION_ROW (actions),
                             labelled_button (_("_Save Changes"), save, "team.save-member",
                                              member->user_id));
  if (!is_me)
    {
      GtkWidget *button = labelled_button (_("_Remove"), remove, "team.remove", member->user_id);

      gtk_widget_add_css_class (button, "destructive-action");
      adw_action_row_add_suffix (ADW_ACTION_ROW (actions), button);
    }
  adw_expander_row_add_row (row, actions);

  g_object_set_data (G_OBJECT (row), "role", role);
  g_object_set_data (G_OBJECT (row), "daily", daily);
  g_object_set_data (G_OBJECT (row), "monthly", monthly);
  g_object_set_data (G_OBJECT (row), "amount", amount);
}

static GtkWidget *
member_row_new (TallyTeamPage         *self,
                const TallyTeamMember *member,
                gboolean               manages,
                gboolean               is_me)
{
  g_autofree char *spent = tally_format_credits (member->spent_this_month);
  g_autofree char *caps = caps_text (member);
  /* Translators: "Owner · 12 credits this month · caps: …" */
  g_autofree char *subtitle = g_strdup_printf (_("%s · %s this month · %s"),
                                               tally_team_role_label (member->role), spent, caps);
  g_autofree char *title = member_title (member);
  GtkWidget *row = manages ? adw_expander_row_new () : plain_row (title, subtitle);

  if (!manages)
    return row;

  /* The focus goes to its header, which expands it: the row itself
   * would be a stop Tab never reaches. */
  gtk_widget_set_focusable (row, FALSE);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
  g_object_set_data_full (G_OBJECT (row), "user-id", g_strdup (member->user_id), g_free);
  add_member_controls (self, ADW_EXPANDER_ROW (row), member, is_me);
  return row;
}

static GtkWidget *
member_row (TallyTeamPage *self,
            const char    *user_id)
{
  for (guint i = 0; i < self->member_rows->len; i++)
    {
      GObject *row = g_ptr_array_index (self->member_rows, i);

      if (g_strcmp0 (g_object_get_data (row, "user-id"), user_id) == 0)
        return GTK_WIDGET (row);
    }
  return NULL;
}

static void
members_listed (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TallyTeamPage) self = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *members = tally_session_team_call_finish (TALLY_SESSION (source), result, &error);
  TallyTeam *team = current_team (self);
  const char *email = tally_session_get_email (TALLY_SESSION (source));

  if (members == NULL)
    {
      show_failure (self, _("The members cannot be shown"), error);
      return;
    }
  g_clear_pointer (&self->members, g_ptr_array_unref);
  self->members = members;
  clear_rows (self->members_group, self->member_rows);
  for (guint i = 0; team != NULL && i < members->len; i++)
    {
      TallyTeamMember *member = g_ptr_array_index (members, i);
      gboolean is_me = email != NULL && member->email != NULL &&
                       g_ascii_strcasecmp (email, member->email) == 0;

      add_row (self->members_group, self->member_rows,
               member_row_new (self, member, tally_team_role_manages (team->role), is_me));
    }
  if (team != NULL)
    tally_session_team_usage_async (TALLY_SESSION (source), team->id, self->cancellable,
                                    usage_read, g_object_ref (self));
}

/* --- usage --- */

static void
usage_read (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(TallyTeamPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) usage = tally_session_team_call_finish (TALLY_SESSION (source), result,
                                                               &error);

  if (usage == NULL)
    {
      show_failure (self, _("The team’s usage cannot be shown"), error);
      return;
    }
  clear_rows (self->usage_group, self->usage_rows);
  if (usage->len == 0)
    add_row (self->usage_group, self->usage_rows, plain_row (_("Nothing spent yet"), NULL));
  for (guint i = 0; i < usage->len; i++)
    {
      TallyMemberUsage *item = g_ptr_array_index (usage, i);
      TallyTeamMember *member = find_member (self, item->user_id, NULL);
      g_autofree char *spent = tally_format_credits (item->spent);
      /* Translators: "12 credits in 3 runs" */
      g_autofree char *subtitle = g_strdup_printf (ngettext ("%s in %" PRId64 " run",
                                                             "%s in %" PRId64 " runs",
                                                             (gulong) item->runs),
                                                   spent, item->runs);

      add_row (self->usage_group, self->usage_rows,
               plain_row (member != NULL ? member_name (member) : _("A former member"),
                          subtitle));
    }
}

/* --- the team shown --- */

/* "3 December, 14:05": when the pool's lease, and so what may be spent
 * from it offline, ends. */
static char *
lease_end_text (gint64 expires_at)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (expires_at / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;

  if (local == NULL)
    return g_strdup ("");
  /* Translators: a day, month and time, as in "3 December, 14:05"; see g_date_time_format() */
  return g_date_time_format (local, C_("pool lease end", "%-d %B, %H:%M"));
}

/* What this device may spend from the pool without the server: the
 * lease the sync holds on it, less the runs waiting to sync. */
static void
show_offline (TallyTeamPage *self,
              TallyTeam     *team)
{
  TallySync *sync = tally_session_get_sync (session (self));
  gint64 allowance = sync != NULL ? tally_sync_get_pool_allowance (sync, team->account_id) : 0;
  g_autofree char *amount = NULL;
  g_autofree char *until = NULL;
  g_autofree char *text = NULL;

  if (allowance <= 0)
    {
      adw_action_row_set_subtitle (self->offline_row,
                                   _("Nothing on this device: runs on the pool need the server"));
      return;
    }

  amount = tally_format_credits (allowance);
  until = lease_end_text (tally_sync_get_pool_lease_expiry (sync, team->account_id));
  /* Translators: "12 credits may be spent here without the server, until 3 December, 14:05" */
  text = g_strdup_printf (_("%s may be spent here without the server, until %s"), amount, until);
  adw_action_row_set_subtitle (self->offline_row, text);
}

static void
show_pool (TallyTeamPage *self,
           TallyTeam     *team)
{
  g_autofree char *available = NULL;
  g_autofree char *subtitle = NULL;

  available = team->available >= 0 ? tally_format_credits (team->available) : g_strdup ("—");
  /* Translators: "1,000 credits available · You are Owner" */
  subtitle = g_strdup_printf (_("%s available · You are %s"), available,
                              tally_team_role_label (team->role));
  adw_action_row_set_subtitle (self->pool_row, subtitle);
  show_offline (self, team);
}

static void
show_team (TallyTeamPage *self)
{
  TallyTeam *team = current_team (self);
  gboolean any = team != NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->team_group), any);
  gtk_widget_set_visible (GTK_WIDGET (self->members_group), any);
  gtk_widget_set_visible (GTK_WIDGET (self->usage_group), any);
  gtk_widget_set_visible (GTK_WIDGET (self->invite_group),
                          any && tally_team_role_manages (team->role));
  gtk_widget_set_visible (GTK_WIDGET (self->team_row), any && self->teams->len > 1);
  if (!any)
    return;

  g_free (self->team_id);
  self->team_id = g_strdup (team->id);
  adw_preferences_group_set_title (self->team_group, team->name);
  show_pool (self, team);

  /* The usage after the members: it names them. */
  tally_session_list_team_members_async (session (self), team->id, self->cancellable,
                                         members_listed, g_object_ref (self));
}

/* Pushed by the server after each change to a pool: the page follows it
 * live rather than reading the teams again. */
static void
on_pool_balance (TallySession  *session,
                 const char    *account_id,
                 gint64         balance,
                 gint64         available,
                 TallyTeamPage *self)
{
  for (guint i = 0; self->teams != NULL && i < self->teams->len; i++)
    {
      TallyTeam *team = g_ptr_array_index (self->teams, i);

      if (g_strcmp0 (team->account_id, account_id) != 0)
        continue;
      team->available = available;
      if (team == current_team (self))
        show_pool (self, team);
    }
}

/* A sync took or renewed a lease, or a run spent from one. */
static void
on_ledger_changed (TallySession  *session,
                   TallyTeamPage *self)
{
  TallyTeam *team = current_team (self);

  if (team != NULL)
    show_offline (self, team);
}

static void
on_team_selected (TallyTeamPage *self)
{
  if (self->teams != NULL)
    show_team (self);
}

static void
teams_listed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TallyTeamPage) self = user_data;
  g_autoptr(GError) error = NULL;
  GPtrArray *teams = tally_session_list_teams_finish (TALLY_SESSION (source), result, &error);
  g_autoptr(GPtrArray) old = NULL;
  g_auto(GStrv) names = NULL;
  guint selected = 0;

  if (teams == NULL)
    {
      show_failure (self, _("Your teams cannot be shown"), error);
      return;
    }

  old = g_steal_pointer (&self->teams);
  names = g_new0 (char *, teams->len + 1);
  for (guint i = 0; i < teams->len; i++)
    {
      TallyTeam *team = g_ptr_array_index (teams, i);

      names[i] = g_strdup (team->name);
      if (g_strcmp0 (team->id, self->team_id) == 0)
        selected = i;
    }
  /* Not shown while the list changes: show_team() once, after. */
  gtk_string_list_splice (self->team_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->team_names)),
                          (const char * const *) names);
  self->teams = teams;
  if (teams->len == 0)
    selected = GTK_INVALID_LIST_POSITION;
  /* A new selection shows the team through on_team_selected(). */
  if (adw_combo_row_get_selected (self->team_row) != selected)
    adw_combo_row_set_selected (self->team_row, selected);
  else
    show_team (self);
}

static void
load (TallyTeamPage *self)
{
  if (tally_session_get_state (session (self)) != TALLY_SESSION_STATE_SIGNED_IN)
    return;
  tally_session_list_teams_async (session (self), self->cancellable, teams_listed,
                                  g_object_ref (self));
}

/* --- creating and joining --- */

static void
joined (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(TallyTeamPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyTeam) team = tally_session_team_call_finish (TALLY_SESSION (source), result,
                                                              &error);
  g_autofree char *message = NULL;

  if (team == NULL)
    {
      show_failure (self, _("You did not join a team"), error);
      return;
    }
  show_error (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->new_team_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->code_row), "");
  g_free (self->team_id);
  self->team_id = g_strdup (team->id);
  message = g_strdup_printf (_("You are in the team “%s”"), team->name);
  tally_toast_show (GTK_WIDGET (self), message);
  load (self);
}

/* The trimmed text of @row, or NULL with @refusal shown when empty. */
static char *
required_text (TallyTeamPage *self,
               AdwEntryRow   *row,
               const char    *refusal)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  if (text[0] != '\0')
    return g_steal_pointer (&text);
  show_error (self, refusal);
  gtk_widget_grab_focus (GTK_WIDGET (row));
  return NULL;
}

static void
create_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TallyTeamPage *self = TALLY_TEAM_PAGE (widget);
  g_autofree char *name = required_text (self, self->new_team_row,
                                         _("The team was not created: give it a name first"));

  if (name != NULL)
    tally_session_create_team_async (session (self), name, self->cancellable, joined,
                                     g_object_ref (self));
}

static void
accept_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TallyTeamPage *self = TALLY_TEAM_PAGE (widget);
  g_autofree char *code = required_text (self, self->code_row,
                                         _("You did not join a team: paste the invitation’s "
                                           "code first"));

  if (code != NULL)
    tally_session_accept_invitation_async (session (self), code, self->cancellable, joined,
                                           g_object_ref (self));
}

/* --- inviting --- */

static void
show_invitation (TallyTeamPage         *self,
                 const TallyInvitation *invitation)
{
  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
  g_autofree char *expires = invitation->expires != NULL
                             ? g_date_time_format (invitation->expires, "%x %H:%M")
                             : g_strdup ("—");
  g_autofree char *body = g_strdup_printf (invitation->email_sent
                                           ? _("%s was sent this code by email. They join by "
                                               "pasting it on their Team page, signed in as "
                                               "that address, before %s.")
                                           : _("Send %s this code: they join by pasting it on "
                                               "their Team page, signed in as that address, "
                                               "before %s."),
                                           invitation->email != NULL ? invitation->email : "",
                                           expires);

  tally_secret_dialog_present (parent, _("Invitation Made"), body, invitation->token,
                               _("_Copy Code"), _("The invitation’s code"));
}

static void
invited (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(TallyTeamPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TallyInvitation) invitation = tally_session_team_call_finish (TALLY_SESSION (source),
                                                                          result, &error);

  if (invitation == NULL)
    {
      show_failure (self, _("Nobody was invited"), error);
      return;
    }
  show_error (self, NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->invite_email_row), "");
  show_invitation (self, invitation);
}

static void
invite_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TallyTeamPage *self = TALLY_TEAM_PAGE (widget);
  TallyTeam *team = current_team (self);
  g_autofree char *email = required_text (self, self->invite_email_row,
                                          _("Nobody was invited: type their email address "
                                            "first"));
  gboolean admin = adw_combo_row_get_selected (self->invite_role_row) == 1;

  if (email != NULL && team != NULL)
    tally_session_invite_async (session (self), team->id, email, admin ? "admin" : "member",
                                self->cancellable, invited, g_object_ref (self));
}

/* --- changing members --- */

/* A change asked for, with what to say if it fails (@what) or goes
 * (@done). */
typedef struct
{
  TallyTeamPage *self;
  char          *what;
  char          *done;
} Change;

static Change *
change_new (TallyTeamPage *self,
            const char    *what,
            char          *done)
{
  Change *change = g_new0 (Change, 1);

  change->self = g_object_ref (self);
  change->what = g_strdup (what);
  change->done = done;
  return change;
}

static void
change_free (Change *change)
{
  g_object_unref (change->self);
  g_free (change->what);
  g_free (change->done);
  g_free (change);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Change, change_free)

/* Once the server took it: its toast, and everything read again (the
 * pool, the members, the usage). */
static void
change_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Change) change = user_data;
  g_autoptr(GError) error = NULL;

  if (tally_session_team_call_finish (TALLY_SESSION (source), result, &error) == NULL)
    {
      show_failure (change->self, change->what, error);
      return;
    }
  show_error (change->self, NULL);
  tally_toast_show (GTK_WIDGET (change->self), change->done);
  load (change->self);
}

static gint64
spin_value (GObject    *row,
            const char *name)
{
  GtkSpinButton *spin = g_object_get_data (row, name);

  gtk_spin_button_update (spin);
  return (gint64) gtk_spin_button_get_value (spin);
}

static void
save_member_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TallyTeamPage *self = TALLY_TEAM_PAGE (widget);
  const char *user_id = g_variant_get_string (parameter, NULL);
  GObject *row = G_OBJECT (member_row (self, user_id));
  TallyTeamMember *member = find_member (self, user_id, NULL);
  TallyTeam *team = current_team (self);
  guint role;
  const char *new_role;

  if (row == NULL || member == NULL || team == NULL)
    return;

  role = adw_combo_row_get_selected (g_object_get_data (row, "role"));
  new_role = role < G_N_ELEMENTS (roles) ? roles[role] : NULL;
  /* The role only when it changes: an admin may not send an owner's. */
  if (g_strcmp0 (new_role, member->role) == 0)
    new_role = NULL;
  tally_session_change_member_async (
    session (self), team->id, user_id, new_role, spin_value (row, "daily"),
    spin_value (row, "monthly"), self->cancellable, change_done,
    change_new (self, _("The changes were not saved"),
                g_strdup_printf (_("Changes to %s saved"), member_name (member))));
}

static void
allocate_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  TallyTeamPage *self = TALLY_TEAM_PAGE (widget);
  const char *user_id = g_variant_get_string (parameter, NULL);
  GObject *row = G_OBJECT (member_row (self, user_id));
  TallyTeamMember *member = find_member (self, user_id, NULL);
  TallyTeam *team = current_team (self);
  gint64 amount;
  g_autofree char *credits = NULL;

  if (row == NULL || member == NULL || team == NULL)
    return;

  amount = spin_value (row, "amount");
  credits = tally_format_credits (amount);
  tally_session_allocate_async (
    session (self), team->id, user_id, amount, self->cancellable, change_done,
    change_new (self, _("No credits were allocated"),
                /* Translators: "100 credits allocated to Gale" */
                g_strdup_printf (_("%s allocated to %s"), credits, member_name (member))));
}

static void
remove_confirmed (AdwMessageDialog *dialog,
                  const char       *response,
                  TallyTeamPage    *self)
{
  const char *user_id = g_object_get_data (G_OBJECT (dialog), "user-id");
  const char *what = g_object_get_data (G_OBJECT (dialog), "what");
  const char *done = g_object_get_data (G_OBJECT (dialog), "done");
  TallyTeam *team = current_team (self);

  if (!g_str_equal (response, "remove") || team == NULL)
    return;

  tally_session_remove_member_async (session (self), team->id, user_id, self->cancellable,
                                     change_done, change_new (self, what, g_strdup (done)));
}

static void
confirm_removal (TallyTeamPage *self,
                 const char    *user_id,
                 const char    *heading,
                 const char    *response,
                 const char    *body,
                 const char    *what,
                 const char    *done)
{
  GtkWindow *parent = GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self)));
  GtkWidget *dialog = adw_message_dialog_new (parent, heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "remove", response, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "user-id", g_strdup (user_id), g_free);
  g_object_set_data_full (G_OBJECT (dialog), "what", g_strdup (what), g_free);
  g_object_set_data_full (G_OBJECT (dialog), "done", g_strdup (done), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_confirmed), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
remove_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TallyTeamPage *self = TALLY_TEAM_PAGE (widget);
  const char *user_id = g_variant_get_string (parameter, NULL);
  TallyTeamMember *member = find_member (self, user_id, NULL);
  g_autofree char *body = NULL;
  g_autofree char *done = NULL;

  if (member == NULL)
    return;
  body = g_strdup_printf (_("%s can no longer run tools on the pool. Credits allocated to them "
                            "stay theirs."), member_name (member));
  done = g_strdup_printf (_("%s removed from the team"), member_name (member));
  confirm_removal (self, user_id, _("Remove Member?"), _("_Remove"), body,
                   _("The member was not removed"), done);
}

static void
leave_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  TallyTeamPage *self = TALLY_TEAM_PAGE (widget);
  TallyTeam *team = current_team (self);
  TallyTeamMember *me = find_member (self, NULL, tally_session_get_email (session (self)));
  g_autofree char *body = NULL;
  g_autofree char *done = NULL;

  if (team == NULL || me == NULL)
    return;
  body = g_strdup_printf (_("You can no longer run tools on the pool of “%s”; its credits stay "
                            "in it."), team->name);
  done = g_strdup_printf (_("You left “%s”"), team->name);
  confirm_removal (self, me->user_id, _("Leave Team?"), _("_Leave"), body,
                   _("You did not leave the team"), done);
}

/* --- the object --- */

static void
tally_team_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (tally_team_page_parent_class)->map (widget);
  load (TALLY_TEAM_PAGE (widget));
}

static void
tally_team_page_constructed (GObject *object)
{
  TallyTeamPage *self = TALLY_TEAM_PAGE (object);

  G_OBJECT_CLASS (tally_team_page_parent_class)->constructed (object);
  g_signal_connect_object (session (self), "pool-balance", G_CALLBACK (on_pool_balance), self,
                           0);
  g_signal_connect_object (session (self), "ledger-changed", G_CALLBACK (on_ledger_changed),
                           self, 0);
  show_team (self);
}

static void
tally_team_page_dispose (GObject *object)
{
  TallyTeamPage *self = TALLY_TEAM_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->teams, g_ptr_array_unref);
  g_clear_pointer (&self->members, g_ptr_array_unref);
  g_clear_pointer (&self->member_rows, g_ptr_array_unref);
  g_clear_pointer (&self->usage_rows, g_ptr_array_unref);
  g_clear_pointer (&self->team_id, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), TALLY_TYPE_TEAM_PAGE);

  G_OBJECT_CLASS (tally_team_page_parent_class)->dispose (object);
}

static void
tally_team_page_class_init (TallyTeamPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tally_team_page_constructed;
  object_class->dispose = tally_team_page_dispose;
  widget_class->map = tally_team_page_map;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tallycredits/Tally/"
                                               "tally-team-page.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, TallyTeamPage, name)
  BIND (team_group);
  BIND (team_row);
  BIND (team_names);
  BIND (pool_row);
  BIND (offline_row);
  BIND (members_group);
  BIND (invite_group);
  BIND (invite_email_row);
  BIND (invite_role_row);
  BIND (usage_group);
  BIND (error_label);
  BIND (new_team_row);
  BIND (code_row);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_team_selected);

  gtk_widget_class_install_action (widget_class, "team.create", NULL, create_action);
  gtk_widget_class_install_action (widget_class, "team.accept", NULL, accept_action);
  gtk_widget_class_install_action (widget_class, "team.invite", NULL, invite_action);
  gtk_widget_class_install_action (widget_class, "team.leave", NULL, leave_action);
  gtk_widget_class_install_action (widget_class, "team.save-member", "s", save_member_action);
  gtk_widget_class_install_action (widget_class, "team.allocate", "s", allocate_action);
  gtk_widget_class_install_action (widget_class, "team.remove", "s", remove_action);
}

static void
tally_team_page_init (TallyTeamPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->member_rows = g_ptr_array_new ();
  self->usage_rows = g_ptr_array_new ();
}

TallyTeamPage *
tally_team_page_new (TallySession *session)
{
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  return g_object_new (TALLY_TYPE_TEAM_PAGE, "session", session, NULL);
}
