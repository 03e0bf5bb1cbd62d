/* tally-admin-page.c: the Admin view: the audit log and the users
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Only admins see the view; the server checks the role on every call all
 * the same. It holds four panes (TallyAdminPane: each reads when first
 * shown and forgets the last admin's figures by itself) and answers the
 * actions of the audit log and the users. A change to a user is audited
 * by the server: the log is read again afterwards, so the record of what
 * was just done shows at its top; the users pane changes the user's row
 * in place, so an admin far down the list keeps their place.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "tally-admin-analytics.h"
#include "tally-admin-audit-pane.h"
#include "tally-admin-dialogs.h"
#include "tally-admin-errors.h"
#include "tally-admin-page.h"
#include "tally-admin-users-pane.h"
#include "tally-section-switcher.h"
#include "tally-session-admin.h"

struct _TallyAdminPage
{
  TallyPage            parent_instance;

  TallyAdminAuditPane *audit;
  TallyAdminUsersPane *users;
  GtkStack            *sections;
};

G_DEFINE_FINAL_TYPE (TallyAdminPage, tally_admin_page, TALLY_TYPE_PAGE)

static void
reload (TallyAdminPage *self)
{
  tally_admin_pane_reload (TALLY_ADMIN_PANE (self->audit));
  tally_admin_pane_reload (TALLY_ADMIN_PANE (self->users));
}

static void
reload_audit (TallyAdminPage *self)
{
  tally_admin_pane_reload (TALLY_ADMIN_PANE (self->audit));
}

/* ---- actions ------------------------------------------------------------ */

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  reload (TALLY_ADMIN_PAGE (widget));
}

static void
verify_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  tally_admin_audit_pane_verify (TALLY_ADMIN_PAGE (widget)->audit);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  tally_admin_audit_pane_choose_export (TALLY_ADMIN_PAGE (widget)->audit);
}

/* A change to the user whose id is @parameter, asked first by the pane. */
typedef void (*UserChangeFunc) (TallyAdminUsersPane *pane,
                                const char          *user_id);

static const struct
{
  const char     *name;
  UserChangeFunc  func;
} user_actions[] = {
  { "admin.grant", tally_admin_users_pane_grant },
  { "admin.set-ceilings", tally_admin_users_pane_set_ceilings },
  { "admin.toggle-role", tally_admin_users_pane_toggle_role },
  { "admin.toggle-disabled", tally_admin_users_pane_toggle_disabled },
  { "admin.erase", tally_admin_users_pane_erase },
};

static void
user_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  TallyAdminPage *self = TALLY_ADMIN_PAGE (widget);

  for (guint i = 0; i < G_N_ELEMENTS (user_actions); i++)
    {
      if (g_str_equal (action_name, user_actions[i].name))
        user_actions[i].func (self->users, g_variant_get_string (parameter, NULL));
    }
}

static void
on_verifying (TallyAdminPage *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "admin.verify",
                                 !tally_admin_audit_pane_get_verifying (self->audit));
}

/* ---- building ----------------------------------------------------------- */

static void
build (TallyAdminPage *self,
       TallySession   *session)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *switcher;
  GtkWidget *audit_clamp = adw_clamp_new ();

  self->audit = tally_admin_audit_pane_new (session);
  self->users = tally_admin_users_pane_new (session);
  g_signal_connect_object (self->audit, "notify::verifying", G_CALLBACK (on_verifying), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->users, "changed", G_CALLBACK (reload_audit), self,
                           G_CONNECT_SWAPPED);

  self->sections = GTK_STACK (gtk_stack_new ());
  /* Each section as narrow as it can be, whatever the other needs. */
  gtk_stack_set_hhomogeneous (self->sections, FALSE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->sections), TRUE);
  adw_clamp_set_maximum_size (ADW_CLAMP (audit_clamp), 900);
  adw_clamp_set_child (ADW_CLAMP (audit_clamp), GTK_WIDGET (self->audit));
  gtk_stack_add_titled (self->sections, audit_clamp, "audit", _("Audit Log"));
  gtk_stack_add_titled (self->sections, GTK_WIDGET (self->users), "users", _("Users"));
  gtk_stack_add_titled (self->sections, tally_admin_analytics_new (session), "analytics",
                        _("Analytics"));
  gtk_stack_add_titled (self->sections, tally_admin_errors_new (session), "errors",
                        _("Errors"));
  /* Four sections are wider than a 360 px window: there, a drop-down. */
  switcher = tally_section_switcher_new (self->sections);
  gtk_widget_set_halign (switcher, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_top (switcher, 12);
  gtk_box_append (GTK_BOX (box), switcher);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->sections));
  adw_bin_set_child (ADW_BIN (self), box);
}

static void
tally_admin_page_constructed (GObject *object)
{
  TallyAdminPage *self = TALLY_ADMIN_PAGE (object);
  TallySession *session;

  G_OBJECT_CLASS (tally_admin_page_parent_class)->constructed (object);

  session = tally_page_get_session (TALLY_PAGE (self));
  g_return_if_fail (session != NULL);
  build (self, session);
}

static void
tally_admin_page_class_init (TallyAdminPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = tally_admin_page_constructed;

  gtk_widget_class_install_action (widget_class, "admin.verify", NULL, verify_action);
  gtk_widget_class_install_action (widget_class, "admin.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "admin.reload", NULL, reload_action);
  for (guint i = 0; i < G_N_ELEMENTS (user_actions); i++)
    gtk_widget_class_install_action (widget_class, user_actions[i].name, "s", user_action);
}

static void
tally_admin_page_init (TallyAdminPage *self)
{
}

TallyAdminPage *
tally_admin_page_new (TallySession *session)
{
  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  return g_object_new (TALLY_TYPE_ADMIN_PAGE, "session", session, NULL);
}

void
tally_admin_page_show_section (TallyAdminPage *self,
                               const char     *name)
{
  g_return_if_fail (TALLY_IS_ADMIN_PAGE (self));

  gtk_stack_set_visible_child_name (self->sections, name);
}

GListModel *
tally_admin_page_get_audit (TallyAdminPage *self)
{
  g_return_val_if_fail (TALLY_IS_ADMIN_PAGE (self), NULL);

  return tally_admin_audit_pane_get_audit (self->audit);
}

void
tally_admin_page_export_to (TallyAdminPage *self,
                            GFile          *file)
{
  g_return_if_fail (TALLY_IS_ADMIN_PAGE (self));

  tally_admin_audit_pane_export_to (self->audit, file);
}

GtkWidget *
tally_admin_page_show_record (TallyAdminPage *self,
                              gpointer        record)
{
  g_return_val_if_fail (TALLY_IS_ADMIN_PAGE (self), NULL);

  return tally_admin_audit_pane_show_record (self->audit, record);
}

/* The menu's Administration: enabled, so shown, for admins only; a
 * member who had it open is sent back to the Overview. */
static void
follow_role (TallySession *session,
             GParamSpec   *pspec,
             AdwViewStack *stack)
{
  GActionGroup *group = g_object_get_data (G_OBJECT (stack), "admin-view-actions");
  GAction *show = g_action_map_lookup_action (G_ACTION_MAP (group), "show");
  gboolean admin = tally_session_is_admin (session);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (show), admin);
  if (!admin && g_strcmp0 (adw_view_stack_get_visible_child_name (stack), "admin") == 0)
    adw_view_stack_set_visible_child_name (stack, "overview");
}

/* Not even by name (win.show-view): a member is sent back. */
static void
on_visible_child (AdwViewStack *stack,
                  GParamSpec   *pspec,
                  TallySession *session)
{
  if (!tally_session_is_admin (session) &&
      g_strcmp0 (adw_view_stack_get_visible_child_name (stack), "admin") == 0)
    adw_view_stack_set_visible_child_name (stack, "overview");
}

static void
show_activated (GSimpleAction *action,
                GVariant      *parameter,
                AdwViewStack  *stack)
{
  adw_view_stack_set_visible_child_name (stack, "admin");
}

/* The view is reached from the main menu, not the view switchers: a
 * sixth button would not fit a 360 px window's switcher bar. */
TallyAdminPage *
tally_admin_page_add_to_stack (AdwViewStack *stack,
                               TallySession *session)
{
  TallyAdminPage *self = tally_admin_page_new (session);
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) show = g_simple_action_new ("show", NULL);
  AdwViewStackPage *page;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (stack));

  page = adw_view_stack_add_titled (stack, GTK_WIDGET (self), "admin", _("Administration"));
  adw_view_stack_page_set_icon_name (page, "security-high-symbolic");
  adw_view_stack_page_set_visible (page, FALSE);

  g_signal_connect_object (show, "activate", G_CALLBACK (show_activated), stack, 0);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (show));
  g_object_set_data_full (G_OBJECT (stack), "admin-view-actions", g_object_ref (group),
                          g_object_unref);
  gtk_widget_insert_action_group (root != NULL ? GTK_WIDGET (root) : GTK_WIDGET (stack),
                                  "admin-view", G_ACTION_GROUP (group));

  g_signal_connect_object (session, "notify::role", G_CALLBACK (follow_role), stack, 0);
  g_signal_connect_object (session, "notify::state", G_CALLBACK (follow_role), stack, 0);
  g_signal_connect_object (stack, "notify::visible-child-name", G_CALLBACK (on_visible_child),
                           session, 0);
  follow_role (session, NULL, stack);
  return self;
}
