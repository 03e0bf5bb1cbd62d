/* tally-audit.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include <sodium.h>

#include "tally-audit.h"
#include "tally-json-decode.h"
#include "tally-log.h"

#define RETENTION_INTERVAL_SECONDS (24 * 60 * 60)

struct _TallyAudit
{
  GObject          parent_instance;

  TallyRulesStore *store;
  TallyWriter     *writer;
  gint64           retention_days;
  /* Records deleted per transaction of the retention sweep. */
  gint64           prune_batch;
  /* A sweep runs on a worker thread; a tick meanwhile starts none. */
  gboolean         pruning;
  GCancellable    *retention_cancellable;
  guint            retention_source;
  /* Holds that ended at or before this were looked at by an earlier sweep. */
  gint64           expiry_checked_until;
};

G_DEFINE_FINAL_TYPE (TallyAudit, tally_audit, G_TYPE_OBJECT)

static void
tally_audit_dispose (GObject *object)
{
  TallyAudit *self = (TallyAudit *) object;

  tally_audit_stop_retention (self);
  g_clear_object (&self->writer);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (tally_audit_parent_class)->dispose (object);
}

static void
tally_audit_class_init (TallyAuditClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = tally_audit_dispose;
}

static void
tally_audit_init (TallyAudit *self)
{
}

TallyAudit *
tally_audit_new (TallyRulesStore *store,
                 TallyWriter     *writer)
{
  TallyAudit *self;

  g_return_val_if_fail (TALLY_IS_RULES_STORE (store), NULL);
  g_return_val_if_fail (TALLY_IS_WRITER (writer), NULL);

  self = g_object_new (TALLY_TYPE_AUDIT, NULL);
  self->store = g_object_ref (store);
  self->writer = g_object_ref (writer);
  return self;
}

/* For a worker thread: reads through @store, a store of its own,
 * never appends. */
TallyAudit *
tally_audit_new_reader (TallyRulesStore *store)
{
  TallyAudit *self;

  g_return_val_if_fail (TALLY_IS_RULES_STORE (store), NULL);

  self = g_object_new (TALLY_TYPE_AUDIT, NULL);
  self->store = g_object_ref (store);
  return self;
}

/* --- the chain --- */

/* Each field as "length:bytes", so no choice of text can make two records
 * hash alike; NULL reads as empty. */
static void
hash_field (GChecksum  *checksum,
            const char *text)
{
  g_autofree char *length = g_strdup_printf ("%zu:", text != NULL ? strlen (text) : 0);

  g_checksum_update (checksum, (const guchar *) length, -1);
  if (text != NULL)
    g_checksum_update (checksum, (const guchar *) text, -1);
}

static void
hash_number (GChecksum *checksum,
             gint64     number)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, number);

  hash_field (checksum, text);
}

static void
hash_digest (GChecksum    *checksum,
             const guint8  digest[TALLY_AUDIT_HASH_LEN])
{
  hash_number (checksum, TALLY_AUDIT_HASH_LEN);
  g_checksum_update (checksum, digest, TALLY_AUDIT_HASH_LEN);
}

void
tally_audit_field_digest (const guint8  key[TALLY_AUDIT_HASH_LEN],
                          const char   *text,
                          guint8        digest[TALLY_AUDIT_HASH_LEN])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize length = TALLY_AUDIT_HASH_LEN;

  g_checksum_update (checksum, key, TALLY_AUDIT_HASH_LEN);
  hash_field (checksum, text);
  g_checksum_get_digest (checksum, digest, &length);
}

const char *
tally_audit_sealed_text (const TallyAuditRecord *record,
                         TallyAuditSealedField   field)
{
  switch (field)
    {
    case TALLY_AUDIT_FIELD_ACTOR_EMAIL:
      return record->actor_email;
    case TALLY_AUDIT_FIELD_TARGET:
      return record->target;
    case TALLY_AUDIT_FIELD_DETAILS:
    case TALLY_AUDIT_N_SEALED_FIELDS:
    default:
      return record->details;
    }
}

/* Format 2: the same order as format 1, a digest for each sealed field. */
static void
record_hash_v2 (const TallyAuditRecord *record,
                GChecksum              *checksum)
{
  hash_field (checksum, "tally-audit-v2");
  hash_number (checksum, record->seq);
  hash_field (checksum, record->id);
  hash_number (checksum, record->time);
  hash_field (checksum, record->actor);
  hash_digest (checksum, record->field_digests[TALLY_AUDIT_FIELD_ACTOR_EMAIL]);
  hash_field (checksum, record->action);
  hash_digest (checksum, record->field_digests[TALLY_AUDIT_FIELD_TARGET]);
  hash_field (checksum, record->outcome);
  hash_digest (checksum, record->field_digests[TALLY_AUDIT_FIELD_DETAILS]);
}

void
tally_audit_record_hash (const TallyAuditRecord *record,
                         guint8                  hash[TALLY_AUDIT_HASH_LEN])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize length = TALLY_AUDIT_HASH_LEN;

  g_checksum_update (checksum, record->prev_hash, TALLY_AUDIT_HASH_LEN);
  if (record->format >= 2)
    {
      record_hash_v2 (record, checksum);
      g_checksum_get_digest (checksum, hash, &length);
      return;
    }

  hash_field (checksum, "tally-audit-v1");
  hash_number (checksum, record->seq);
  hash_field (checksum, record->id);
  hash_number (checksum, record->time);
  hash_field (checksum, record->actor);
  hash_field (checksum, record->actor_email);
  hash_field (checksum, record->action);
  hash_field (checksum, record->target);
  hash_field (checksum, record->outcome);
  hash_field (checksum, record->details);
  g_checksum_get_digest (checksum, hash, &length);
}

/* Where the chain ends: the newest record, or the anchor when retention
 * deleted every one. */
static gboolean
read_last_link (TallyAudit  *self,
                gint64      *seq,
                guint8       hash[TALLY_AUDIT_HASH_LEN],
                GError     **error)
{
  gboolean found;

  if (!tally_rules_store_audit_read_head (self->store, &found, seq, hash, error))
    return FALSE;
  if (found)
    return TRUE;

  return tally_rules_store_audit_read_anchor (self->store, seq, hash, error);
}

static char *
details_text (JsonObject *details)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  if (details == NULL)
    return g_strdup ("{}");

  json_node_set_object (node, details);
  return tally_json_to_string (node);
}

/* Who did it: a timer of the server's own, someone not signed in (a
 * sign-in with an unknown address), or a user. */
static const char *
actor_name (const TallyUser *actor)
{
  if (actor == NULL)
    return "system";
  if (actor->id[0] == '\0')
    return "anonymous";
  return actor->id;
}

static void scrub_late_record (const TallyUser  *actor,
                               char            **target,
                               char            **details);

/* Whether @actor was erased since their request was authenticated: its
 * write may land after the erasure's. */
static gboolean
actor_erased (TallyAudit       *self,
              const TallyUser  *actor,
              gboolean         *erased,
              GError          **error)
{
  *erased = FALSE;
  if (actor == NULL || actor->id[0] == '\0')
    return TRUE;

  return tally_rules_store_user_is_erased (self->store, actor->id, erased, error);
}

gboolean
tally_audit_record (TallyAudit       *self,
                    const TallyUser  *actor,
                    const char       *action,
                    const char       *target,
                    const char       *outcome,
                    JsonObject       *details,
                    GError          **error)
{
  g_autoptr(JsonObject) owned = details;
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *text = details_text (owned);
  g_autofree char *target_copy = g_strdup (target);
  TallyAuditRecord record = { 0 };
  gboolean erased;

  g_return_val_if_fail (TALLY_IS_AUDIT (self), FALSE);
  g_return_val_if_fail (action != NULL && outcome != NULL, FALSE);

  if (!read_last_link (self, &record.seq, record.prev_hash, error) ||
      !actor_erased (self, actor, &erased, error))
    return FALSE;
  if (erased)
    scrub_late_record (actor, &target_copy, &text);

  record.seq++;
  g_strlcpy (record.id, uuid, sizeof record.id);
  record.time = g_get_real_time ();
  record.actor = (char *) actor_name (actor);
  record.actor_email = (char *) (actor != NULL && actor->email[0] != '\0' && !erased ?
                                  actor->email : NULL);
  record.action = (char *) action;
  record.target = target_copy;
  record.outcome = (char *) outcome;
  record.details = text;
  record.format = TALLY_AUDIT_FORMAT;
  randombytes_buf (record.field_keys, sizeof record.field_keys);
  for (guint i = 0; i < TALLY_AUDIT_N_SEALED_FIELDS; i++)
    tally_audit_field_digest (record.field_keys[i], tally_audit_sealed_text (&record, i),
                              record.field_digests[i]);
  tally_audit_record_hash (&record, record.hash);

  return tally_rules_store_audit_insert (self->store, &record, error);
}

/* --- events that write nothing else --- */

typedef struct
{
  TallyAudit *audit;
  TallyUser   actor;
  gboolean    has_actor;
  char       *action;
  char       *target;
  char       *outcome;
  JsonObject *details;
} SubmitJob;

static void
submit_job_free (gpointer data)
{
  SubmitJob *job = data;

  g_clear_pointer (&job->details, json_object_unref);
  g_free (job->action);
  g_free (job->target);
  g_free (job->outcome);
  g_object_unref (job->audit);
  g_free (job);
}

static gboolean
submit_write (gpointer   data,
              GError   **error)
{
  SubmitJob *job = data;

  return tally_audit_record (job->audit, job->has_actor ? &job->actor : NULL, job->action,
                             job->target, job->outcome, g_steal_pointer (&job->details), error);
}

/* Nobody waits for the answer; a failure is only logged. */
static void
submit_done (gpointer      data,
             const GError *error)
{
  if (error != NULL)
    tally_log_warning ("audit_failed", error->message);
}

void
tally_audit_submit (TallyAudit      *self,
                    const TallyUser *actor,
                    const char      *action,
                    const char      *target,
                    const char      *outcome,
                    JsonObject      *details)
{
  SubmitJob *job;

  g_return_if_fail (TALLY_IS_AUDIT (self));

  job = g_new0 (SubmitJob, 1);
  job->audit = g_object_ref (self);
  job->has_actor = actor != NULL;
  if (actor != NULL)
    job->actor = *actor;
  job->action = g_strdup (action);
  job->target = g_strdup (target);
  job->outcome = g_strdup (outcome);
  job->details = details;
  tally_writer_submit (self->writer, submit_write, submit_done, job, submit_job_free);
}

/* --- details --- */

JsonObject *
tally_audit_details (const char *format,
                     ...)
{
  JsonObject *details = json_object_new ();
  va_list args;

  va_start (args, format);
  for (const char *f = format; *f != '\0'; f++)
    {
      const char *key = va_arg (args, const char *);
      const char *text;

      switch (*f)
        {
        case 's':
          text = va_arg (args, const char *);
          if (text != NULL)
            json_object_set_string_member (details, key, text);
          else
            json_object_set_null_member (details, key);
          break;
        case 'i':
          json_object_set_int_member (details, key, va_arg (args, gint64));
          break;
        case 'b':
          json_object_set_boolean_member (details, key, va_arg (args, gboolean));
          break;
        default:
          g_critical ("tally_audit_details: unknown format character “%c”", *f);
          va_end (args);
          return details;
        }
    }
  va_end (args);

  return details;
}

JsonObject *
tally_audit_details_json (const char *text)
{
  g_autoptr(JsonNode) node = NULL;

  if (text == NULL)
    return NULL;

  node = json_from_string (text, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;

  return json_object_ref (json_node_get_object (node));
}

const char *
tally_audit_run_action (TallyRunStatus status)
{
  switch (status)
    {
    case TALLY_RUN_STATUS_AUTHORIZED:
      return "run.authorized";
    case TALLY_RUN_STATUS_SUCCEEDED:
      return "run.succeeded";
    case TALLY_RUN_STATUS_FAILED:
      return "run.failed";
    case TALLY_RUN_STATUS_CANCELLED:
      return "run.cancelled";
    case TALLY_RUN_STATUS_EXPIRED:
      return "run.expired";
    case TALLY_RUN_STATUS_REFUSED:
      return "run.refused";
    default:
      return "run.unknown";
    }
}

/* A cancelled run ended as its user asked; a failed or expired one did not. */
const char *
tally_audit_run_outcome (TallyRunStatus status)
{
  switch (status)
    {
    case TALLY_RUN_STATUS_AUTHORIZED:
    case TALLY_RUN_STATUS_SUCCEEDED:
    case TALLY_RUN_STATUS_CANCELLED:
      return "ok";
    case TALLY_RUN_STATUS_REFUSED:
      return "refused";
    case TALLY_RUN_STATUS_FAILED:
    case TALLY_RUN_STATUS_EXPIRED:
    default:
      return "failed";
    }
}

/* --- expired holds --- */

static gboolean
record_expiring_run (TallyAudit      *self,
                     const TallyRun  *run,
                     GError         **error)
{
  TallyPendingState state;

  /* Only a hold the sweep is about to release: one swept before, or
   * settled meanwhile, was recorded already or is not expiring. */
  if (!tally_rules_store_lookup_pending_state (self->store, run->id, &state, NULL) ||
      state != TALLY_PENDING_STATE_PENDING)
    return TRUE;

  return tally_audit_record (self, NULL, "run.expired", run->id, "failed",
                             tally_audit_details ("ssi", "user_id", run->user_id,
                                                  "tool", run->tool_id, "held", run->held),
                             error);
}

gboolean
tally_audit_record_expiring (TallyAudit  *self,
                             gint64       now,
                             GError     **error)
{
  g_autoptr(GArray) runs = NULL;

  g_return_val_if_fail (TALLY_IS_AUDIT (self), FALSE);

  runs = tally_rules_store_list_expiring_runs (self->store, self->expiry_checked_until, now, error);
  if (runs == NULL)
    return FALSE;

  for (guint i = 0; i < runs->len; i++)
    {
      if (!record_expiring_run (self, &g_array_index (runs, TallyRun, i), error))
        return FALSE;
    }

  self->expiry_checked_until = now;
  return TRUE;
}

/* --- reading --- */

GArray *
tally_audit_query (TallyAudit             *self,
                   const TallyAuditQuery  *query,
                   gint64                 *next_before_seq,
                   GError                **error)
{
  g_autoptr(GArray) records = NULL;

  g_return_val_if_fail (TALLY_IS_AUDIT (self), NULL);

  /* One more than asked: whether there is a next page. */
  records = tally_rules_store_audit_query (self->store, query, query->limit + 1, error);
  if (records == NULL)
    return NULL;

  *next_before_seq = 0;
  if (records->len > query->limit)
    {
      g_array_set_size (records, query->limit);
      *next_before_seq = g_array_index (records, TallyAuditRecord, query->limit - 1).seq;
    }

  return g_steal_pointer (&records);
}

GArray *
tally_audit_read_after (TallyAudit  *self,
                        gint64       after_seq,
                        gint64       last_seq,
                        guint        limit,
                        GError     **error)
{
  g_return_val_if_fail (TALLY_IS_AUDIT (self), NULL);

  return tally_rules_store_audit_read_after (self->store, after_seq, last_seq, limit, error);
}

gint64
tally_audit_get_last_seq (TallyAudit *self)
{
  guint8 hash[TALLY_AUDIT_HASH_LEN];
  gint64 seq = 0;

  g_return_val_if_fail (TALLY_IS_AUDIT (self), 0);

  if (!read_last_link (self, &seq, hash, NULL))
    return 0;
  return seq;
}

/* --- erasure --- */

/* @text with every occurrence of @needle (ASCII case ignored) replaced by
 * @replacement; NULL when there is none. Lowering ASCII keeps every byte
 * where it was, so offsets in the lowered copy hold in @text. */
static char *
replace_caseless (const char *text,
                  const char *needle,
                  const char *replacement)
{
  g_autofree char *lower_text = NULL;
  g_autofree char *lower_needle = NULL;
  const char *from, *hit;
  GString *out;

  if (text == NULL || needle == NULL || needle[0] == '\0')
    return NULL;

  lower_text = g_ascii_strdown (text, -1);
  lower_needle = g_ascii_strdown (needle, -1);
  if (strstr (lower_text, lower_needle) == NULL)
    return NULL;

  out = g_string_new (NULL);
  for (from = lower_text; (hit = strstr (from, lower_needle)) != NULL;
       from = hit + strlen (lower_needle))
    {
      g_string_append_len (out, text + (from - lower_text), hit - from);
      g_string_append (out, replacement);
    }
  g_string_append (out, text + (from - lower_text));
  return g_string_free (out, FALSE);
}

/* Replaces each needle in turn; NULL when none was there. */
static char *
replace_all (const char         *text,
             const char * const *needles,
             const char         *replacement)
{
  g_autofree char *current = g_strdup (text);
  gboolean changed = FALSE;

  for (guint i = 0; needles[i] != NULL; i++)
    {
      char *replaced = replace_caseless (current, needles[i], replacement);

      if (replaced != NULL)
        {
          g_free (current);
          current = replaced;
          changed = TRUE;
        }
    }

  return changed ? g_steal_pointer (&current) : NULL;
}

/* The strings of the details, wherever they are nested, so text that JSON
 * escapes is found as the user typed it. */
static gboolean
scrub_node (JsonNode           *node,
            const char * const *needles,
            const char         *replacement)
{
  gboolean changed = FALSE;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autoptr(GList) members = json_object_get_values (json_node_get_object (node));

      for (GList *l = members; l != NULL; l = l->next)
        changed |= scrub_node (l->data, needles, replacement);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      g_autoptr(GList) elements = json_array_get_elements (json_node_get_array (node));

      for (GList *l = elements; l != NULL; l = l->next)
        changed |= scrub_node (l->data, needles, replacement);
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_autofree char *replaced = replace_all (json_node_get_string (node), needles,
                                               replacement);

      if (replaced != NULL)
        {
          json_node_set_string (node, replaced);
          changed = TRUE;
        }
    }

  return changed;
}

static char *
scrub_details (const char         *details,
               const char * const *needles,
               const char         *replacement)
{
  g_autoptr(JsonNode) node = details != NULL ? json_from_string (details, NULL) : NULL;

  if (node == NULL)
    return replace_all (details, needles, replacement);
  if (!scrub_node (node, needles, replacement))
    return NULL;
  return tally_json_to_string (node);
}

/* A record by a user erased meanwhile is written as erasure would have
 * left it. */
static void
scrub_late_record (const TallyUser  *actor,
                   char            **target,
                   char            **details)
{
  const char *needles[] = { actor->email, strlen (actor->name) >= 3 ? actor->name : NULL, NULL };
  char *scrubbed;

  if ((scrubbed = replace_all (*target, needles, actor->id)) != NULL)
    {
      g_free (*target);
      *target = scrubbed;
    }
  if ((scrubbed = scrub_details (*details, needles, actor->id)) != NULL)
    {
      g_free (*details);
      *details = scrubbed;
    }
}

static gboolean
about_subject (const TallyAuditRecord  *record,
               const TallyAuditSubject *subject)
{
  return g_strcmp0 (record->actor, subject->user_id) == 0 ||
         g_strcmp0 (record->target, subject->user_id) == 0 ||
         g_strcmp0 (record->target, subject->account_id) == 0 ||
         (record->target != NULL && g_ascii_strcasecmp (record->target, subject->email) == 0);
}

/* The new text of each sealed field, NULL in @changed where it stays. A
 * name is only looked for in records by or about the user, and only when
 * it is long enough not to be part of any word. */
static gboolean
pseudonymise_fields (const TallyAuditRecord  *record,
                     const TallyAuditSubject *subject,
                     char                    *changed[TALLY_AUDIT_N_SEALED_FIELDS],
                     gboolean                *email_cleared)
{
  const char *needles[] = { subject->email, NULL, NULL };

  if (about_subject (record, subject) && strlen (subject->name) >= 3)
    needles[1] = subject->name;

  *email_cleared = record->actor_email != NULL &&
                   (g_strcmp0 (record->actor, subject->user_id) == 0 ||
                    g_ascii_strcasecmp (record->actor_email, subject->email) == 0);
  changed[TALLY_AUDIT_FIELD_ACTOR_EMAIL] = NULL;
  changed[TALLY_AUDIT_FIELD_TARGET] = replace_all (record->target, needles, subject->user_id);
  changed[TALLY_AUDIT_FIELD_DETAILS] = scrub_details (record->details, needles,
                                                      subject->user_id);

  return *email_cleared || changed[TALLY_AUDIT_FIELD_TARGET] != NULL ||
         changed[TALLY_AUDIT_FIELD_DETAILS] != NULL;
}

/* Replaces the fields and forgets the key of each one that changed. */
static gboolean
pseudonymise_record (TallyAudit               *self,
                     TallyAuditRecord         *record,
                     const TallyAuditSubject  *subject,
                     gboolean                 *changed_any,
                     GError                  **error)
{
  char *changed[TALLY_AUDIT_N_SEALED_FIELDS];
  gboolean email_cleared;

  *changed_any = pseudonymise_fields (record, subject, changed, &email_cleared);
  if (!*changed_any || record->format < 2)
    {
      for (guint i = 0; i < TALLY_AUDIT_N_SEALED_FIELDS; i++)
        g_free (changed[i]);
      return TRUE;
    }

  if (email_cleared)
    {
      g_clear_pointer (&record->actor_email, g_free);
      memset (record->field_keys[TALLY_AUDIT_FIELD_ACTOR_EMAIL], 0, TALLY_AUDIT_HASH_LEN);
    }
  if (changed[TALLY_AUDIT_FIELD_TARGET] != NULL)
    {
      g_free (record->target);
      record->target = changed[TALLY_AUDIT_FIELD_TARGET];
      memset (record->field_keys[TALLY_AUDIT_FIELD_TARGET], 0, TALLY_AUDIT_HASH_LEN);
    }
  if (changed[TALLY_AUDIT_FIELD_DETAILS] != NULL)
    {
      g_free (record->details);
      record->details = changed[TALLY_AUDIT_FIELD_DETAILS];
      memset (record->field_keys[TALLY_AUDIT_FIELD_DETAILS], 0, TALLY_AUDIT_HASH_LEN);
    }

  return tally_rules_store_audit_update_sealed (self->store, record, error);
}

gboolean
tally_audit_pseudonymise (TallyAudit               *self,
                          const TallyAuditSubject  *subject,
                          gint64                   *n_changed,
                          gint64                   *n_legacy,
                          GError                  **error)
{
  g_autoptr(GArray) records = NULL;

  g_return_val_if_fail (TALLY_IS_AUDIT (self), FALSE);

  *n_changed = 0;
  *n_legacy = 0;
  records = tally_rules_store_audit_read_subject (self->store, subject, TRUE, error);
  if (records == NULL)
    return FALSE;

  for (guint i = 0; i < records->len; i++)
    {
      TallyAuditRecord *record = &g_array_index (records, TallyAuditRecord, i);
      gboolean changed;

      if (!pseudonymise_record (self, record, subject, &changed, error))
        return FALSE;
      if (changed && record->format < 2)
        (*n_legacy)++;
      else if (changed)
        (*n_changed)++;
    }

  return TRUE;
}

GArray *
tally_audit_about (TallyAudit               *self,
                   const TallyAuditSubject  *subject,
                   GError                  **error)
{
  g_return_val_if_fail (TALLY_IS_AUDIT (self), NULL);

  return tally_rules_store_audit_read_subject (self->store, subject, FALSE, error);
}

/* --- verification --- */

#define VERIFY_PAGE 1000

static gboolean
key_forgotten (const guint8 key[TALLY_AUDIT_HASH_LEN])
{
  static const guint8 zeros[TALLY_AUDIT_HASH_LEN] = { 0 };

  return memcmp (key, zeros, TALLY_AUDIT_HASH_LEN) == 0;
}

/* Each sealed field still matches its digest, unless it was pseudonymised
 * (its key forgotten): then only the digest is left to link the chain. */
static gboolean
seals_hold (const TallyAuditRecord *record)
{
  if (record->format < 2)
    return TRUE;

  for (guint i = 0; i < TALLY_AUDIT_N_SEALED_FIELDS; i++)
    {
      guint8 digest[TALLY_AUDIT_HASH_LEN];

      if (key_forgotten (record->field_keys[i]))
        continue;
      tally_audit_field_digest (record->field_keys[i], tally_audit_sealed_text (record, i),
                                digest);
      if (memcmp (digest, record->field_digests[i], TALLY_AUDIT_HASH_LEN) != 0)
        return FALSE;
    }

  return TRUE;
}

/* The first broken link of @records, continuing from @seq and @hash. */
static gboolean
check_links (GArray   *records,
             gint64   *seq,
             guint8    hash[TALLY_AUDIT_HASH_LEN],
             gint64   *broken_at,
             char    **message)
{
  for (guint i = 0; i < records->len; i++)
    {
      const TallyAuditRecord *record = &g_array_index (records, TallyAuditRecord, i);
      guint8 computed[TALLY_AUDIT_HASH_LEN];

      *broken_at = record->seq;
      if (record->seq != *seq + 1 || memcmp (record->prev_hash, hash, TALLY_AUDIT_HASH_LEN) != 0)
        {
          *message = g_strdup_printf ("Record %" G_GINT64_FORMAT " does not follow record %"
                                      G_GINT64_FORMAT ": a record between them was removed, or "
                                      "the link was changed", record->seq, *seq);
          return FALSE;
        }

      tally_audit_record_hash (record, computed);
      if (memcmp (computed, record->hash, TALLY_AUDIT_HASH_LEN) != 0 || !seals_hold (record))
        {
          *message = g_strdup_printf ("Record %" G_GINT64_FORMAT " was changed after it was "
                                      "written: its hash does not match its contents",
                                      record->seq);
          return FALSE;
        }

      *seq = record->seq;
      memcpy (hash, record->hash, TALLY_AUDIT_HASH_LEN);
    }

  *broken_at = 0;
  return TRUE;
}

gboolean
tally_audit_verify (TallyAudit  *self,
                    gint64      *n_records,
                    gint64      *broken_at,
                    char       **message,
                    GError     **error)
{
  guint8 hash[TALLY_AUDIT_HASH_LEN];
  gint64 seq;

  g_return_val_if_fail (TALLY_IS_AUDIT (self), FALSE);

  *n_records = 0;
  *broken_at = 0;
  *message = NULL;
  if (!tally_rules_store_audit_read_anchor (self->store, &seq, hash, error))
    return FALSE;

  for (;;)
    {
      g_autoptr(GArray) records = tally_audit_read_after (self, seq, G_MAXINT64, VERIFY_PAGE,
                                                          error);

      if (records == NULL)
        return FALSE;
      if (records->len == 0)
        return TRUE;
      if (!check_links (records, &seq, hash, broken_at, message))
        return TRUE;
      *n_records += records->len;
    }
}

/* --- records of format 1 --- */

static void
seal_record (TallyAuditRecord *record)
{
  record->format = TALLY_AUDIT_FORMAT;
  randombytes_buf (record->field_keys, sizeof record->field_keys);
  for (guint i = 0; i < TALLY_AUDIT_N_SEALED_FIELDS; i++)
    tally_audit_field_digest (record->field_keys[i], tally_audit_sealed_text (record, i),
                              record->field_digests[i]);
}

/* Every record from the anchor on, sealed if it was not and linked
 * again; the anchor itself stays. */
static gboolean
rechain (TallyAudit  *self,
         gint64      *n_records,
         GError     **error)
{
  guint8 hash[TALLY_AUDIT_HASH_LEN];
  gint64 seq;

  *n_records = 0;
  if (!tally_rules_store_audit_read_anchor (self->store, &seq, hash, error))
    return FALSE;

  for (;;)
    {
      g_autoptr(GArray) records = tally_audit_read_after (self, seq, G_MAXINT64, VERIFY_PAGE,
                                                          error);

      if (records == NULL)
        return FALSE;
      if (records->len == 0)
        return TRUE;

      for (guint i = 0; i < records->len; i++)
        {
          TallyAuditRecord *record = &g_array_index (records, TallyAuditRecord, i);

          if (record->format < 2)
            seal_record (record);
          memcpy (record->prev_hash, hash, TALLY_AUDIT_HASH_LEN);
          tally_audit_record_hash (record, record->hash);
          if (!tally_rules_store_audit_update_link (self->store, record, error))
            return FALSE;
          memcpy (hash, record->hash, TALLY_AUDIT_HASH_LEN);
          seq = record->seq;
          (*n_records)++;
        }
    }
}

/* A chain that verifies as it stands is rewritten in format 2 and the
 * head it had is recorded, so its continuity can still be shown; a
 * broken one is left for an admin to look at. */
static gboolean
upgrade_write (gpointer   data,
               GError   **error)
{
  TallyAudit *self = data;
  g_autofree char *message = NULL;
  g_autofree char *old_head = NULL;
  guint8 head[TALLY_AUDIT_HASH_LEN];
  gint64 legacy, n, broken_at, head_seq;

  if (!tally_rules_store_audit_count_legacy (self->store, &legacy, error))
    return FALSE;
  if (legacy == 0)
    return TRUE;

  if (!tally_audit_verify (self, &n, &broken_at, &message, error))
    return FALSE;
  if (broken_at != 0)
    {
      tally_log_warning ("audit_upgrade_skipped", message);
      return TRUE;
    }

  if (!read_last_link (self, &head_seq, head, error) || !rechain (self, &n, error))
    return FALSE;

  old_head = g_malloc (TALLY_AUDIT_HASH_LEN * 2 + 1);
  sodium_bin2hex (old_head, TALLY_AUDIT_HASH_LEN * 2 + 1, head, TALLY_AUDIT_HASH_LEN);
  return tally_audit_record (self, NULL, "audit.upgraded", NULL, "ok",
                             tally_audit_details ("iiis", "format", TALLY_AUDIT_FORMAT,
                                                  "records", n, "previous_head_seq", head_seq,
                                                  "previous_head_hash", old_head),
                             error);
}

void
tally_audit_start_upgrade (TallyAudit *self)
{
  g_return_if_fail (TALLY_IS_AUDIT (self));

  tally_writer_submit (self->writer, upgrade_write, submit_done, g_object_ref (self),
                       g_object_unref);
}

/* --- retention --- */

/* The link of record @seq, or of the newest record older than @cutoff
 * when @seq is 0. */
static gboolean
find_prune_link (TallyRulesStore *store,
                 gint64       cutoff,
                 gint64      *seq,
                 guint8       hash[TALLY_AUDIT_HASH_LEN],
                 gboolean    *found,
                 GError     **error)
{
  if (*seq != 0)
    return tally_rules_store_audit_find_link (store, *seq, found, hash, error);

  return tally_rules_store_audit_find_link_before (store, cutoff, found, seq, hash, error);
}

/* What one transaction of a sweep deleted. */
typedef struct
{
  gint64 from_seq;
  gint64 through_seq;
} PrunedRange;

/* A retention sweep; only the worker thread touches it until it ends. */
typedef struct
{
  GWeakRef    audit;
  gint64      cutoff;
  gint64      batch;
  gint64      days;
  /* PrunedRange, oldest first; the first n_committed surely committed. */
  GArray     *pruned;
  guint       n_committed;
} PruneSweep;

static void
prune_sweep_free (PruneSweep *sweep)
{
  g_weak_ref_clear (&sweep->audit);
  g_array_unref (sweep->pruned);
  g_free (sweep);
}

/* Deletes from the oldest up to the last record older than the cutoff,
 * never out of order, so what is left is still one unbroken chain that
 * starts at the anchor; at most a batch of records a transaction, the
 * rest in the next ones. */
static gboolean
prune_batch (TallyRulesStore *store,
             gpointer     data,
             gboolean    *more,
             GError     **error)
{
  PruneSweep *sweep = data;
  guint8 anchor_hash[TALLY_AUDIT_HASH_LEN];
  guint8 hash[TALLY_AUDIT_HASH_LEN];
  gint64 anchor = 0, seq = 0, last;
  PrunedRange range;
  gboolean found;

  /* Called again: the batch before committed. */
  sweep->n_committed = sweep->pruned->len;
  /* Reads and deletes through the worker's connection, @store. */
  if (!tally_rules_store_audit_read_anchor (store, &anchor, anchor_hash, error) ||
      !find_prune_link (store, sweep->cutoff, &seq, hash, &found, error))
    return FALSE;
  if (!found)
    return TRUE;

  /* Records follow each other from the anchor: the batch ends at a seq
   * that exists, unless the chain was broken, and then all goes at once. */
  last = seq;
  if (seq - anchor > sweep->batch)
    {
      seq = anchor + sweep->batch;
      if (!find_prune_link (store, sweep->cutoff, &seq, hash, &found, error))
        return FALSE;
      if (!found)
        {
          seq = 0;
          if (!find_prune_link (store, sweep->cutoff, &seq, hash, &found, error))
            return FALSE;
        }
      *more = seq < last;
    }

  if (!tally_rules_store_audit_delete_through (store, seq, error) ||
      !tally_rules_store_audit_save_anchor (store, seq, hash, error))
    return FALSE;
  range = (PrunedRange) { anchor + 1, seq };
  g_array_append_val (sweep->pruned, range);
  return TRUE;
}

/* Each transaction that committed is on record, in order, written by the
 * writer as every record is. */
static void
pruned (GObject      *source,
        GAsyncResult *result,
        gpointer      data)
{
  PruneSweep *sweep = data;
  g_autoptr(TallyAudit) self = g_weak_ref_get (&sweep->audit);
  g_autoptr(GError) error = NULL;
  guint n = sweep->pruned->len;

  if (!tally_rules_store_sweep_finish (TALLY_RULES_STORE (source), result, &error))
    {
      n = sweep->n_committed;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        tally_log_warning ("audit_retention_failed", error->message);
    }

  for (guint i = 0; self != NULL && i < n; i++)
    {
      const PrunedRange *range = &g_array_index (sweep->pruned, PrunedRange, i);

      tally_audit_submit (self, NULL, "audit.pruned", NULL, "ok",
                          tally_audit_details ("iii", "from_seq", range->from_seq, "through_seq",
                                               range->through_seq, "retention_days",
                                               sweep->days));
    }
  if (self != NULL)
    self->pruning = FALSE;
  prune_sweep_free (sweep);
}

static gboolean
retention_tick (gpointer data)
{
  TallyAudit *self = data;
  PruneSweep *sweep;

  if (self->pruning)
    return G_SOURCE_CONTINUE;

  sweep = g_new0 (PruneSweep, 1);
  g_weak_ref_init (&sweep->audit, self);
  sweep->days = self->retention_days;
  sweep->cutoff = g_get_real_time () - self->retention_days * 86400 * G_USEC_PER_SEC;
  sweep->batch = self->prune_batch;
  sweep->pruned = g_array_new (FALSE, FALSE, sizeof (PrunedRange));
  self->pruning = TRUE;
  tally_rules_store_sweep_async (self->store, prune_batch, sweep, NULL,
                                 self->retention_cancellable, pruned, sweep);
  return G_SOURCE_CONTINUE;
}

void
tally_audit_stop_retention (TallyAudit *self)
{
  g_return_if_fail (TALLY_IS_AUDIT (self));

  g_clear_handle_id (&self->retention_source, g_source_remove);
  if (self->retention_cancellable != NULL)
    g_cancellable_cancel (self->retention_cancellable);
  g_clear_object (&self->retention_cancellable);
}

void
tally_audit_start_retention (TallyAudit *self,
                             gint64      days,
                             gint64      batch)
{
  g_return_if_fail (TALLY_IS_AUDIT (self));
  g_return_if_fail (batch > 0);

  tally_audit_stop_retention (self);
  self->retention_days = days;
  self->prune_batch = batch;
  if (days <= 0)
    return;

  self->retention_cancellable = g_cancellable_new ();

  /* Once at start too: a server restarted daily would otherwise never
   * reach its first tick. */
  retention_tick (self);
  self->retention_source = g_timeout_add_seconds (RETENTION_INTERVAL_SECONDS, retention_tick,
                                                  self);
}
