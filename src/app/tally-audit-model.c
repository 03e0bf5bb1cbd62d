/* tally-audit-model.c: the server's audit log as a paged list
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The log can be long: it is read a page at a time as the list scrolls,
 * by a TallyPager, each page asking for the records before the last one
 * shown.
 */

#include "config.h"

#include <string.h>

#include "tally-audit-model.h"
#include "tally-audit-record.h"
#include "tally-pager.h"

struct _TallyAuditModel
{
  GObject          parent_instance;

  GPtrArray       *records;
  TallyAuditQuery  query;
  TallyPager      *pager;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TallyAuditModel, tally_audit_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

void
tally_audit_query_clear (TallyAuditQuery *query)
{
  g_clear_pointer (&query->actor, g_free);
  g_clear_pointer (&query->action, g_free);
  g_clear_pointer (&query->since, g_free);
  g_clear_pointer (&query->until, g_free);
  g_clear_pointer (&query->search, g_free);
  g_clear_pointer (&query->outcome, g_free);
}

static GType
get_item_type (GListModel *model)
{
  return TALLY_TYPE_AUDIT_RECORD;
}

static guint
get_n_items (GListModel *model)
{
  return TALLY_AUDIT_MODEL (model)->records->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  TallyAuditModel *self = TALLY_AUDIT_MODEL (model);

  if (position >= self->records->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->records, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
append_param (GString    *path,
              const char *name,
              const char *value)
{
  g_autofree char *escaped = NULL;

  if (value == NULL || *value == '\0')
    return;
  escaped = g_uri_escape_string (value, NULL, FALSE);
  g_string_append_printf (path, "%c%s=%s", strchr (path->str, '?') ? '&' : '?', name, escaped);
}

static char *
page_path (TallyAuditModel *self)
{
  GString *path = g_string_new ("/v1/admin/audit");
  g_autofree char *limit = g_strdup_printf ("%d", TALLY_AUDIT_MODEL_PAGE_SIZE);

  append_param (path, "actor", self->query.actor);
  append_param (path, "action", self->query.action);
  append_param (path, "since", self->query.since);
  append_param (path, "until", self->query.until);
  append_param (path, "q", self->query.search);
  append_param (path, "outcome", self->query.outcome);
  append_param (path, "limit", limit);
  return g_string_free (path, FALSE);
}

/* A page of records, appended below those shown. */
static void
take_records (JsonArray *items,
              gpointer   user_data)
{
  TallyAuditModel *self = user_data;
  guint position = self->records->len;

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *node = json_array_get_element (items, i);
      TallyAuditRecord *record = NULL;

      if (JSON_NODE_HOLDS_OBJECT (node))
        record = tally_audit_record_new (json_node_get_object (node));
      if (record != NULL)
        g_ptr_array_add (self->records, record);
    }
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, self->records->len - position);
}

void
tally_audit_model_clear (TallyAuditModel *self)
{
  guint removed;

  g_return_if_fail (TALLY_IS_AUDIT_MODEL (self));

  tally_pager_clear (self->pager);
  removed = self->records->len;
  g_ptr_array_set_size (self->records, 0);
  if (removed > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
}

void
tally_audit_model_reload (TallyAuditModel *self)
{
  g_autofree char *path = NULL;

  g_return_if_fail (TALLY_IS_AUDIT_MODEL (self));

  tally_audit_model_clear (self);
  path = page_path (self);
  tally_pager_reload (self->pager, path);
}

void
tally_audit_model_set_query (TallyAuditModel       *self,
                             const TallyAuditQuery *query)
{
  g_return_if_fail (TALLY_IS_AUDIT_MODEL (self));

  tally_audit_query_clear (&self->query);
  self->query.actor = g_strdup (query->actor);
  self->query.action = g_strdup (query->action);
  self->query.since = g_strdup (query->since);
  self->query.until = g_strdup (query->until);
  self->query.search = g_strdup (query->search);
  self->query.outcome = g_strdup (query->outcome);
  tally_audit_model_reload (self);
}

static void
tally_audit_model_dispose (GObject *object)
{
  TallyAuditModel *self = TALLY_AUDIT_MODEL (object);

  if (self->pager != NULL)
    tally_pager_clear (self->pager);
  g_clear_object (&self->pager);

  G_OBJECT_CLASS (tally_audit_model_parent_class)->dispose (object);
}

static void
tally_audit_model_finalize (GObject *object)
{
  TallyAuditModel *self = TALLY_AUDIT_MODEL (object);

  g_ptr_array_unref (self->records);
  tally_audit_query_clear (&self->query);

  G_OBJECT_CLASS (tally_audit_model_parent_class)->finalize (object);
}

static void
tally_audit_model_class_init (TallyAuditModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tally_audit_model_dispose;
  object_class->finalize = tally_audit_model_finalize;
}

static void
tally_audit_model_init (TallyAuditModel *self)
{
  self->records = g_ptr_array_new_with_free_func (g_object_unref);
}

TallyAuditModel *
tally_audit_model_new (TallySession *session)
{
  TallyAuditModel *self;

  g_return_val_if_fail (TALLY_IS_SESSION (session), NULL);

  self = g_object_new (TALLY_TYPE_AUDIT_MODEL, NULL);
  self->pager = tally_pager_new (session, take_records, self);
  return self;
}

TallyPager *
tally_audit_model_get_pager (TallyAuditModel *self)
{
  g_return_val_if_fail (TALLY_IS_AUDIT_MODEL (self), NULL);

  return self->pager;
}
