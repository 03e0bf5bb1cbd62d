/* tally-audit-record.c: one record of the server's audit log
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "tally-audit-record.h"

struct _TallyAuditRecord
{
  GObject     parent_instance;

  JsonObject *object;
};

G_DEFINE_FINAL_TYPE (TallyAuditRecord, tally_audit_record, G_TYPE_OBJECT)

static void
tally_audit_record_finalize (GObject *object)
{
  TallyAuditRecord *self = TALLY_AUDIT_RECORD (object);

  g_clear_pointer (&self->object, json_object_unref);

  G_OBJECT_CLASS (tally_audit_record_parent_class)->finalize (object);
}

static void
tally_audit_record_class_init (TallyAuditRecordClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_audit_record_finalize;
}

static void
tally_audit_record_init (TallyAuditRecord *self)
{
}

static gboolean
has_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

TallyAuditRecord *
tally_audit_record_new (JsonObject *object)
{
  static const char * const required[] = { "id", "time", "actor", "action", "outcome" };
  TallyAuditRecord *self;

  g_return_val_if_fail (object != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    if (!has_string (object, required[i]))
      return NULL;
  if (!json_object_has_member (object, "seq"))
    return NULL;

  self = g_object_new (TALLY_TYPE_AUDIT_RECORD, NULL);
  self->object = json_object_ref (object);
  return self;
}

/* A string member, or NULL when it is null or missing. */
static const char *
member (TallyAuditRecord *self,
        const char       *name)
{
  g_return_val_if_fail (TALLY_IS_AUDIT_RECORD (self), NULL);

  return has_string (self->object, name) ?
         json_object_get_string_member (self->object, name) : NULL;
}

gint64
tally_audit_record_get_seq (TallyAuditRecord *self)
{
  g_return_val_if_fail (TALLY_IS_AUDIT_RECORD (self), 0);

  return json_object_get_int_member (self->object, "seq");
}

const char *
tally_audit_record_get_id (TallyAuditRecord *self)
{
  return member (self, "id");
}

const char *
tally_audit_record_get_time (TallyAuditRecord *self)
{
  return member (self, "time");
}

const char *
tally_audit_record_get_actor (TallyAuditRecord *self)
{
  return member (self, "actor");
}

const char *
tally_audit_record_get_actor_email (TallyAuditRecord *self)
{
  return member (self, "actor_email");
}

const char *
tally_audit_record_get_action (TallyAuditRecord *self)
{
  return member (self, "action");
}

const char *
tally_audit_record_get_target (TallyAuditRecord *self)
{
  return member (self, "target");
}

const char *
tally_audit_record_get_outcome (TallyAuditRecord *self)
{
  return member (self, "outcome");
}

const char *
tally_audit_record_get_hash (TallyAuditRecord *self)
{
  return member (self, "hash");
}

const char *
tally_audit_record_get_prev_hash (TallyAuditRecord *self)
{
  return member (self, "prev_hash");
}

char *
tally_audit_record_dup_details (TallyAuditRecord *self)
{
  JsonNode *node;

  g_return_val_if_fail (TALLY_IS_AUDIT_RECORD (self), NULL);

  node = json_object_get_member (self->object, "details");
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return g_strdup ("{}");
  return json_to_string (node, TRUE);
}
