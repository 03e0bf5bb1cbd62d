/* tally-api-privacy.c: GET /v1/me/export, everything about the caller,
 * and GET, PUT /v1/me/consent
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-alerts.h"
#include "tally-api.h"
#include "tally-api-decoders.h"
#include "tally-api-json.h"
#include "tally-log.h"
#include "tally-server.h"
#include "tally-store-gifts.h"
#include "tally-store-keys.h"
#include "tally-store-payments.h"
#include "tally-store-recharge.h"
#include "tally-store-teams.h"
#include "tally-store-users.h"
#include "tally-users.h"

/* Fits TallyConsent.text_version. */
#define TEXT_VERSION_MAX_CHARS 32

/* Each section of the document reads what it needs for one user, through
 * a worker thread's read-only connection. */
typedef struct
{
  TallyApiStore   *store;
  TallyAudit      *audit;
  const TallyUser *user;
} ExportContext;

typedef JsonNode *(*ExportSection) (const ExportContext  *context,
                                    GError              **error);

static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

static JsonNode *
array_node (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

static JsonNode *
export_user (const ExportContext  *context,
             GError              **error)
{
  JsonObject *user = tally_api_user_json (context->user);

  json_object_set_boolean_member (user, "disabled", context->user->disabled);
  return object_node (user);
}

static JsonNode *
export_accounts (const ExportContext  *context,
                 GError              **error)
{
  g_autoptr(JsonArray) accounts = json_array_new ();
  TallyAccount account;

  if (!tally_rules_store_lookup_account (TALLY_RULES_STORE (context->store),
                                    context->user->account_id, &account, error))
    return NULL;

  json_array_add_object_element (accounts, tally_api_account_json (&account));
  return array_node (g_steal_pointer (&accounts));
}

#define EXPORT_PAGE 500

/* Every item of the history, leases too (they are the user's), newest
 * first as GET /v1/transactions gives them. */
static JsonNode *
export_transactions (const ExportContext  *context,
                     GError              **error)
{
  g_autoptr(JsonArray) items = json_array_new ();
  TallyStatementQuery query = { 0 };
  gint64 next;

  g_strlcpy (query.account_id, context->user->account_id, sizeof query.account_id);
  query.limit = EXPORT_PAGE;
  do
    {
      g_autoptr(GArray) page = tally_api_store_query_statement (context->store, &query, &next,
                                                             error);

      if (page == NULL)
        return NULL;
      for (guint i = 0; i < page->len; i++)
        json_array_add_object_element (items, tally_api_statement_item_json (
                                                &g_array_index (page, TallyStatementItem, i)));
      query.before_seq = next;
    }
  while (next > 0);

  return array_node (g_steal_pointer (&items));
}

static JsonNode *
export_payments (const ExportContext  *context,
                 GError              **error)
{
  g_autoptr(GArray) payments = tally_api_store_list_payments (context->store, context->user->id,
                                                              error);
  JsonArray *items;

  if (payments == NULL)
    return NULL;

  items = json_array_sized_new (payments->len);
  for (guint i = 0; i < payments->len; i++)
    json_array_add_object_element (items, tally_api_payment_json (&g_array_index (payments,
                                                                                  TallyPayment,
                                                                                  i)));
  return array_node (items);
}

/* Gifts received and bought, and the user's referral code with what it
 * earned: who gave a gift, who received one and who was referred are
 * other people, and left out. */
static JsonObject *
export_gift_json (const TallyGift *gift,
                  gboolean         sent)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", gift->payment_id);
  json_object_set_int_member (object, "credits", gift->credits);
  if (sent)
    {
      json_object_set_string_member (object, "status",
                                     tally_gift_status_to_string (gift->status));
      tally_api_set_time (object, "created_at", gift->created_at);
    }
  else
    json_object_set_string_member (object, "transfer_id", gift->transfer_id);
  tally_api_set_time (object, "claimed_at", gift->claimed_at);
  return object;
}

static JsonArray *
export_gift_list (GArray   *gifts,
                  gboolean  sent)
{
  JsonArray *array = json_array_sized_new (gifts->len);

  for (guint i = 0; i < gifts->len; i++)
    json_array_add_object_element (array,
                                   export_gift_json (&g_array_index (gifts, TallyGift, i), sent));
  return array;
}

static JsonNode *
export_gifts (const ExportContext  *context,
              GError              **error)
{
  g_autoptr(GArray) received = tally_api_store_received_gifts (context->store,
                                                               context->user->account_id, error);
  g_autoptr(GArray) sent = received != NULL ? tally_api_store_sent_gifts (context->store,
                                                                          context->user->id, error)
                                            : NULL;
  g_autoptr(JsonObject) gifts = NULL;
  JsonObject *referral;
  char code[TALLY_REFERRAL_CODE_MAX + 1];
  gint64 referred, rewarded, earned;

  if (sent == NULL ||
      !tally_rules_store_find_referral_code (TALLY_RULES_STORE (context->store), context->user->id,
                                             code, error) ||
      !tally_api_store_referral_totals (context->store, context->user->id, &referred, &rewarded,
                                        &earned, error))
    return NULL;

  gifts = json_object_new ();
  json_object_set_array_member (gifts, "received", export_gift_list (received, FALSE));
  json_object_set_array_member (gifts, "sent", export_gift_list (sent, TRUE));
  referral = json_object_new ();
  if (code[0] != '\0')
    json_object_set_string_member (referral, "code", code);
  else
    json_object_set_null_member (referral, "code");
  json_object_set_int_member (referral, "referred", referred);
  json_object_set_int_member (referral, "rewarded", rewarded);
  json_object_set_int_member (referral, "earned", earned);
  json_object_set_object_member (gifts, "referral", referral);
  return object_node (g_steal_pointer (&gifts));
}

/* Every alert fired for the user, newest first as GET /v1/alerts gives them. */
static JsonNode *
export_alerts (const ExportContext  *context,
               GError              **error)
{
  g_autoptr(JsonArray) items = json_array_new ();
  gint64 before = 0, next;

  do
    {
      g_autoptr(GArray) page = tally_api_store_list_alerts (context->store, context->user->id, 0, 0,
                                                            before, EXPORT_PAGE, &next, error);

      if (page == NULL)
        return NULL;
      for (guint i = 0; i < page->len; i++)
        json_array_add_object_element (items, tally_alert_to_json (&g_array_index (page,
                                                                                   TallyAlert,
                                                                                   i)));
      before = next;
    }
  while (next > 0);

  return array_node (g_steal_pointer (&items));
}

/* Every key the user made, revoked ones too, as GET /v1/me/api-keys lists
 * them with when each was revoked: never the key or its hash. */
static JsonNode *
export_api_keys (const ExportContext  *context,
                 GError              **error)
{
  g_autoptr(GArray) keys = tally_api_store_list_all_api_keys (context->store, context->user->id,
                                                              error);
  JsonArray *items;

  if (keys == NULL)
    return NULL;

  items = json_array_sized_new (keys->len);
  for (guint i = 0; i < keys->len; i++)
    {
      const TallyApiKey *key = &g_array_index (keys, TallyApiKey, i);
      JsonObject *item = tally_api_key_json (key);

      tally_api_set_time (item, "revoked_at", key->revoked_at);
      json_array_add_object_element (items, item);
    }
  return array_node (items);
}

/* {id, name, role, daily_cap, monthly_cap, joined_at} of the user in each
 * of their teams: nothing about the other members. */
static JsonObject *
team_item (const TallyTeam       *team,
           const TallyTeamMember *member)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", team->id);
  json_object_set_string_member (object, "name", team->name);
  json_object_set_string_member (object, "role", tally_team_role_to_string (member->role));
  tally_api_set_cap (object, "daily_cap", member->daily_cap);
  tally_api_set_cap (object, "monthly_cap", member->monthly_cap);
  tally_api_set_time (object, "joined_at", member->joined_at);
  return object;
}

static JsonNode *
export_teams (const ExportContext  *context,
              GError              **error)
{
  g_autoptr(GArray) teams = tally_api_store_list_teams (context->store, context->user->id, error);
  g_autoptr(JsonArray) items = NULL;

  if (teams == NULL)
    return NULL;

  items = json_array_sized_new (teams->len);
  for (guint i = 0; i < teams->len; i++)
    {
      const TallyTeam *team = &g_array_index (teams, TallyTeam, i);
      TallyTeamMember member;

      if (!tally_rules_store_find_team_member (TALLY_RULES_STORE (context->store), team->id,
                                               context->user->id, &member,
                                               error))
        return NULL;
      json_array_add_object_element (items, team_item (team, &member));
    }
  return array_node (g_steal_pointer (&items));
}

/* The user's webhooks as GET /v1/me/webhooks lists them: the secret was
 * shown once and is not repeated. */
static JsonArray *
webhooks_json (const ExportContext  *context,
               GError              **error)
{
  g_autoptr(GArray) webhooks = tally_api_store_list_webhooks (context->store, context->user->id,
                                                              error);
  JsonArray *items;

  if (webhooks == NULL)
    return NULL;

  items = json_array_sized_new (webhooks->len);
  for (guint i = 0; i < webhooks->len; i++)
    json_array_add_object_element (items, tally_api_webhook_json (&g_array_index (webhooks,
                                                                                  TallyWebhook,
                                                                                  i), FALSE));
  return items;
}

/* Who acted, without naming anyone else: the user's own id, the server,
 * someone not signed in, or "staff" for an admin. */
static const char *
export_actor (const TallyAuditRecord *record,
              const TallyUser        *user)
{
  if (g_strcmp0 (record->actor, user->id) == 0 || g_strcmp0 (record->actor, "system") == 0 ||
      g_strcmp0 (record->actor, "anonymous") == 0)
    return record->actor;
  return "staff";
}

/* A record by the user whose target is another user (an admin's grant,
 * ceiling, role change or erasure) is about that user: its target and
 * details stay out of this user's export. */
static gboolean
about_others (const ExportContext    *context,
              const TallyAuditRecord *record)
{
  const TallyUser *user = context->user;
  TallyUser other;

  if (g_strcmp0 (record->actor, user->id) != 0 || record->target == NULL ||
      g_str_equal (record->target, user->id) || g_str_equal (record->target, user->account_id))
    return FALSE;

  if (!tally_rules_store_find_user_by_id (TALLY_RULES_STORE (context->store), record->target,
                                          &other, NULL) &&
      !tally_rules_store_find_user_by_account (TALLY_RULES_STORE (context->store), record->target,
                                               &other, NULL) &&
      !tally_rules_store_find_user_by_email (TALLY_RULES_STORE (context->store), record->target,
                                             &other, NULL, NULL))
    return FALSE;
  return !g_str_equal (other.id, user->id);
}

static JsonObject *
audit_item (const ExportContext    *context,
            const TallyAuditRecord *record)
{
  const TallyUser *user = context->user;
  JsonObject *object = json_object_new ();
  gboolean hidden = about_others (context, record);
  g_autoptr(JsonNode) details = NULL;

  json_object_set_string_member (object, "id", record->id);
  json_object_set_int_member (object, "seq", record->seq);
  tally_api_set_time (object, "time", record->time);
  json_object_set_string_member (object, "actor", export_actor (record, user));
  json_object_set_string_member (object, "action", record->action);
  if (record->target != NULL && !hidden)
    json_object_set_string_member (object, "target", record->target);
  else
    json_object_set_null_member (object, "target");
  json_object_set_string_member (object, "outcome", record->outcome);
  if (!hidden && record->details != NULL)
    details = json_from_string (record->details, NULL);
  if (details != NULL && JSON_NODE_HOLDS_OBJECT (details))
    json_object_set_member (object, "details", g_steal_pointer (&details));
  else
    json_object_set_object_member (object, "details", json_object_new ());
  return object;
}

static JsonNode *
export_audit (const ExportContext  *context,
              GError              **error)
{
  TallyAuditSubject subject = {
    context->user->id, context->user->account_id, context->user->email, context->user->name
  };
  g_autoptr(GArray) records = tally_audit_about (context->audit, &subject, error);
  JsonArray *items;

  if (records == NULL)
    return NULL;

  items = json_array_sized_new (records->len);
  for (guint i = 0; i < records->len; i++)
    json_array_add_object_element (items, audit_item (context, &g_array_index (records,
                                                                               TallyAuditRecord,
                                                                               i)));
  return array_node (items);
}

static JsonObject *
consent_json (const TallyConsent *consent)
{
  JsonObject *object = json_object_new ();

  json_object_set_boolean_member (object, "marketing_opt_in", consent->opt_in);
  tally_api_set_time (object, "changed_at", consent->changed_at);
  if (consent->text_version[0] != '\0')
    json_object_set_string_member (object, "text_version", consent->text_version);
  else
    json_object_set_null_member (object, "text_version");
  return object;
}

/* {limits, auto_recharge, invoice_details, consent, alerts, webhooks,
 * timezone}. */
static JsonNode *
export_settings (const ExportContext  *context,
                 GError              **error)
{
  TallyApiStore *store = context->store;
  const TallyUser *user = context->user;
  g_autoptr(JsonObject) settings = json_object_new ();
  g_autoptr(GError) local_error = NULL;
  TallyRechargeSettings recharge;
  TallyInvoiceDetails details;
  TallyAlertSettings alert_settings;
  TallyConsent consent;
  JsonObject *limits;
  JsonArray *webhooks;

  limits = tally_api_current_limits (store, user->account_id, user->timezone, error);
  if (limits == NULL)
    return NULL;
  tally_api_set_object (settings, "limits", limits);

  /* No settings saved is not an error: auto-recharge is off. */
  if (!tally_rules_store_find_recharge_settings (TALLY_RULES_STORE (store), user->account_id,
                                                 &recharge, &local_error) &&
      local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  tally_api_set_object (settings, "auto_recharge", tally_api_recharge_settings_json (&recharge));

  if (!tally_api_store_load_invoice_details (store, user->id, &details, error) ||
      !tally_api_store_load_consent (store, user->id, &consent, error))
    return NULL;
  tally_api_set_object (settings, "invoice_details", tally_api_invoice_details_json (&details));
  tally_api_set_object (settings, "consent", consent_json (&consent));

  if (!tally_rules_store_load_alert_settings (TALLY_RULES_STORE (store), user->id, &alert_settings,
                                              error) ||
      (webhooks = webhooks_json (context, error)) == NULL)
    return NULL;
  tally_api_set_object (settings, "alerts", tally_api_alert_settings_json (&alert_settings));
  json_object_set_array_member (settings, "webhooks", webhooks);
  json_object_set_string_member (settings, "timezone", user->timezone);

  return object_node (g_steal_pointer (&settings));
}

/* The document's sections, in its order: a new kind of data about a user
 * is one more function and one more row. */
static const struct
{
  const char    *name;
  ExportSection  build;
} sections[] = {
  { "user", export_user },
  { "accounts", export_accounts },
  { "transactions", export_transactions },
  { "payments", export_payments },
  { "gifts", export_gifts },
  { "alerts", export_alerts },
  { "audit", export_audit },
  { "settings", export_settings },
  { "api_keys", export_api_keys },
  { "teams", export_teams },
};

static JsonObject *
build_document (const ExportContext  *context,
                GError              **error)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *now = tally_time_to_iso8601 (g_get_real_time ());

  for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
    {
      JsonNode *node = sections[i].build (context, error);

      if (node == NULL)
        return NULL;
      json_object_set_member (body, sections[i].name, node);
    }
  json_object_set_string_member (body, "exported_at", now);
  return g_steal_pointer (&body);
}

/* A whole history is a long read: it runs on a worker thread with a
 * read-only connection of its own, and the main loop only sends it. */
typedef struct
{
  TallyRequest  *request;
  TallyApiStore *store;
  TallyUser      user;
  JsonObject    *document;
} ExportJob;

static void
export_job_free (gpointer data)
{
  ExportJob *job = data;

  tally_request_unref (job->request);
  g_object_unref (job->store);
  g_clear_pointer (&job->document, json_object_unref);
  g_free (job);
}

static void
export_in_thread (GTask        *task,
                  gpointer      source,
                  gpointer      data,
                  GCancellable *cancellable)
{
  ExportJob *job = data;
  g_autoptr(TallyApiStore) store = NULL;
  g_autoptr(TallyAudit) audit = NULL;
  GError *error = NULL;
  ExportContext context;

  store = tally_api_store_open_reader (job->store, &error);
  if (store == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  audit = tally_audit_new_reader (TALLY_RULES_STORE (store));
  context = (ExportContext) { store, audit, &job->user };
  job->document = build_document (&context, &error);
  if (job->document == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
exported (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      tally_log_warning ("export_failed", error->message);
      tally_request_respond_error (job->request, 500, "internal_error",
                                   "Your data cannot be read now; try again");
      return;
    }

  tally_request_respond_object (job->request, 200, job->document);
}

static void
handle_export (TallyRequest *request)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  g_autoptr(GTask) task = g_task_new (NULL, NULL, exported, NULL);
  ExportJob *job = g_new0 (ExportJob, 1);

  job->request = tally_request_ref (request);
  job->store = g_object_ref (store);
  job->user = *tally_request_get_user (request);
  g_task_set_task_data (task, job, export_job_free);
  tally_request_pause (request);
  g_task_run_in_thread (task, export_in_thread);
}

/* --- marketing consent --- */

gboolean
tally_api_decode_consent (JsonObject          *body,
                          TallyConsentRequest *out,
                          TallyProblem        *problem)
{
  memset (out, 0, sizeof *out);

  if (!tally_json_get_boolean (body, "marketing_opt_in", TALLY_FIELD_REQUIRED,
                               &out->marketing_opt_in, problem) ||
      !tally_json_get_string (body, "text_version", TALLY_FIELD_REQUIRED, TEXT_VERSION_MAX_CHARS,
                              &out->text_version, problem))
    return FALSE;

  /* A label such as "2026-12" or "v3": printable ASCII, no spaces. */
  for (const char *c = out->text_version; *c != '\0'; c++)
    {
      if (!g_ascii_isgraph (*c))
        {
          tally_problem_invalid (problem, "text_version",
                                 "“text_version” must be letters, digits or punctuation");
          return FALSE;
        }
    }
  if (out->text_version[0] == '\0')
    {
      tally_problem_invalid (problem, "text_version", "“text_version” must not be empty");
      return FALSE;
    }

  return TRUE;
}

static void
handle_get_consent (TallyRequest *request)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  g_autoptr(JsonObject) body = NULL;
  TallyConsent consent;

  if (!tally_api_store_load_consent (store, tally_request_get_user (request)->id, &consent, NULL))
    {
      tally_request_respond_error (request, 500, "internal_error",
                                   "The server could not read this; try again");
      return;
    }

  body = consent_json (&consent);
  tally_request_respond_object (request, 200, body);
}

typedef struct
{
  TallyRequest        *request;
  gboolean             opt_in;
  char                 text_version[TEXT_VERSION_MAX_CHARS + 1];
  TallyConsent         consent;
} ConsentJob;

static void
consent_job_free (gpointer data)
{
  ConsentJob *job = data;

  tally_request_unref (job->request);
  g_free (job);
}

static gboolean
consent_write (gpointer   data,
               GError   **error)
{
  ConsentJob *job = data;
  TallyServer *server = tally_request_get_server (job->request);

  return tally_users_set_consent (tally_server_get_store (server), tally_server_get_audit (server),
                                  tally_request_get_user (job->request), job->opt_in,
                                  job->text_version, &job->consent, error);
}

static void
consent_done (gpointer      data,
              const GError *error)
{
  ConsentJob *job = data;
  g_autoptr(JsonObject) body = NULL;

  if (error != NULL)
    {
      tally_request_respond_error (job->request, 500, "internal_error",
                                   "The server could not save this; try again");
      return;
    }

  body = consent_json (&job->consent);
  tally_request_respond_object (job->request, 200, body);
}

static void
handle_put_consent (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  TallyConsentRequest decoded;
  ConsentJob *job;

  if (body == NULL || !tally_api_decode_consent (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  job = g_new0 (ConsentJob, 1);
  job->request = tally_request_ref (request);
  job->opt_in = decoded.marketing_opt_in;
  g_strlcpy (job->text_version, decoded.text_version, sizeof job->text_version);
  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)),
                       consent_write, consent_done, job, consent_job_free);
}

static const TallyRoute routes[] = {
  { "GET", "/v1/me/export", handle_export, TALLY_ROUTE_AUTH },
  { "GET", "/v1/me/consent", handle_get_consent, TALLY_ROUTE_AUTH },
  { "PUT", "/v1/me/consent", handle_put_consent, TALLY_ROUTE_AUTH },
};

void
tally_api_privacy_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
