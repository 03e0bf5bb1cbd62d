/* tally-payments.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>
#include <string.h>

#include <sodium.h>

#include "tally-currency.h"
#include "tally-json-decode.h"
#include "tally-payments.h"
#include "tally-store-payments.h"

#define PACK_NAME_MAX 100

struct _TallyPayments
{
  GObject            parent_instance;

  TallyConfig       *config;
  gboolean           demo;
  /* TallyPack, in the file's order. */
  GArray            *packs;
  /* TallyPlan, in the file's order. */
  GArray            *plans;
  char              *demo_secret;
  TallyStripeClient *stripe;
};

G_DEFINE_FINAL_TYPE (TallyPayments, tally_payments, G_TYPE_OBJECT)

static void
pack_clear (gpointer data)
{
  TallyPack *pack = data;

  g_free (pack->id);
  g_free (pack->name);
  g_free (pack->currency);
}

static void
plan_clear (gpointer data)
{
  TallyPlan *plan = data;

  g_free (plan->id);
  g_free (plan->name);
  g_free (plan->currency);
}

static void
tally_payments_finalize (GObject *object)
{
  TallyPayments *self = (TallyPayments *) object;

  g_clear_pointer (&self->packs, g_array_unref);
  g_clear_pointer (&self->plans, g_array_unref);
  g_clear_object (&self->stripe);
  g_free (self->demo_secret);

  G_OBJECT_CLASS (tally_payments_parent_class)->finalize (object);
}

static void
tally_payments_class_init (TallyPaymentsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tally_payments_finalize;
}

static void
tally_payments_init (TallyPayments *self)
{
  self->packs = g_array_new (FALSE, TRUE, sizeof (TallyPack));
  g_array_set_clear_func (self->packs, pack_clear);
  self->plans = g_array_new (FALSE, TRUE, sizeof (TallyPlan));
  g_array_set_clear_func (self->plans, plan_clear);
}

static gboolean
is_pack_id (const char *id)
{
  gsize length = strlen (id);

  if (length == 0 || length >= TALLY_PACK_ID_MAX)
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    {
      if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-' && *p != '_')
        return FALSE;
    }

  return TRUE;
}

static gboolean
is_currency (const char *currency)
{
  return strlen (currency) == 3 && g_ascii_islower (currency[0]) &&
         g_ascii_islower (currency[1]) && g_ascii_islower (currency[2]);
}

/* Stripe must be able to take the price exactly: an MGA amount in whole
 * ariary, for example, since Stripe counts MGA without decimals. */
static gboolean
check_stripe_amount (gint64         amount,
                     const char    *currency,
                     TallyProblem  *problem)
{
  gint64 stripe_amount;

  if (tally_currency_to_stripe (amount, currency, &stripe_amount))
    return TRUE;

  /* PRId64, not G_GINT64_FORMAT: xgettext knows the one, not the other. */
  tally_problem_invalid (problem, "amount", "%" PRId64 " %s (ISO 4217 minor units) is not a "
                         "whole amount in Stripe's units for that currency, or too large: "
                         "Stripe cannot charge it exactly", amount, currency);
  return FALSE;
}

static gboolean
decode_pack (JsonObject    *object,
             TallyPack     *pack,
             TallyProblem  *problem)
{
  const char *id = NULL, *name = NULL, *currency = NULL;
  JsonObject *price = NULL;

  if (!tally_json_get_string (object, "id", TALLY_FIELD_REQUIRED, TALLY_PACK_ID_MAX, &id,
                              problem) ||
      !tally_json_get_string (object, "name", TALLY_FIELD_REQUIRED, PACK_NAME_MAX, &name,
                              problem) ||
      !tally_json_get_int (object, "credits", TALLY_FIELD_REQUIRED, 1, TALLY_PACK_CREDITS_MAX,
                           &pack->credits, problem) ||
      !tally_json_get_object (object, "price", TALLY_FIELD_REQUIRED, &price, problem) ||
      !tally_json_get_int (price, "amount", TALLY_FIELD_REQUIRED, 1, TALLY_PACK_AMOUNT_MAX,
                           &pack->amount, problem) ||
      !tally_json_get_string (price, "currency", TALLY_FIELD_REQUIRED, 3, &currency, problem))
    return FALSE;

  if (!is_pack_id (id) || !is_currency (currency) || name[0] == '\0')
    {
      tally_problem_invalid (problem, "id", "a pack needs an id of a-z, 0-9, - and _, a name "
                             "and a three-letter lower-case currency");
      return FALSE;
    }
  if (!check_stripe_amount (pack->amount, currency, problem))
    return FALSE;

  pack->id = g_strdup (id);
  pack->name = g_strdup (name);
  pack->currency = g_strdup (currency);
  return TRUE;
}

static gboolean
load_packs (TallyPayments  *self,
            const char     *path,
            GError        **error)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autofree char *contents = NULL;
  g_autoptr(JsonObject) root = NULL;
  JsonArray *packs = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, error))
    return FALSE;

  root = tally_json_parse_object (contents, length, &problem);
  if (root == NULL || !tally_json_get_array (root, "packs", TALLY_FIELD_REQUIRED, &packs,
                                             &problem))
    goto invalid;

  for (guint i = 0; i < json_array_get_length (packs); i++)
    {
      JsonNode *node = json_array_get_element (packs, i);
      TallyPack pack = { 0, };

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          tally_problem_invalid (&problem, "packs", "every pack is an object");
          goto invalid;
        }
      if (!decode_pack (json_node_get_object (node), &pack, &problem))
        goto invalid;
      if (tally_payments_find_pack (self, pack.id) != NULL)
        {
          tally_problem_invalid (&problem, "id", "pack “%s” is there twice", pack.id);
          pack_clear (&pack);
          goto invalid;
        }
      g_array_append_val (self->packs, pack);
    }

  return TRUE;

invalid:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "The packs file “%s” is invalid: %s",
               path, problem.message != NULL ? problem.message : "not a JSON object");
  return FALSE;
}

/* A plan is sold like a pack, every month: the same bounds. */
static gboolean
decode_plan (JsonObject    *object,
             TallyPlan     *plan,
             TallyProblem  *problem)
{
  const char *id = NULL, *name = NULL, *currency = NULL, *interval = NULL;
  JsonObject *price = NULL;

  if (!tally_json_get_string (object, "id", TALLY_FIELD_REQUIRED, TALLY_PACK_ID_MAX, &id,
                              problem) ||
      !tally_json_get_string (object, "name", TALLY_FIELD_REQUIRED, PACK_NAME_MAX, &name,
                              problem) ||
      !tally_json_get_int (object, "credits_per_period", TALLY_FIELD_REQUIRED, 1,
                           TALLY_PACK_CREDITS_MAX, &plan->credits_per_period, problem) ||
      !tally_json_get_string (object, "interval", TALLY_FIELD_REQUIRED, 16, &interval,
                              problem) ||
      !tally_json_get_object (object, "price", TALLY_FIELD_REQUIRED, &price, problem) ||
      !tally_json_get_int (price, "amount", TALLY_FIELD_REQUIRED, 1, TALLY_PACK_AMOUNT_MAX,
                           &plan->amount, problem) ||
      !tally_json_get_string (price, "currency", TALLY_FIELD_REQUIRED, 3, &currency, problem))
    return FALSE;

  if (!is_pack_id (id) || !is_currency (currency) || name[0] == '\0' ||
      !g_str_equal (interval, "month"))
    {
      tally_problem_invalid (problem, "id", "a plan needs an id of a-z, 0-9, - and _, a name, "
                             "the interval \"month\" and a three-letter lower-case currency");
      return FALSE;
    }
  if (!check_stripe_amount (plan->amount, currency, problem))
    return FALSE;

  plan->id = g_strdup (id);
  plan->name = g_strdup (name);
  plan->currency = g_strdup (currency);
  return TRUE;
}

static gboolean
load_plans (TallyPayments  *self,
            const char     *path,
            GError        **error)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autofree char *contents = NULL;
  g_autoptr(JsonObject) root = NULL;
  JsonArray *plans = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, error))
    return FALSE;

  root = tally_json_parse_object (contents, length, &problem);
  if (root == NULL || !tally_json_get_array (root, "plans", TALLY_FIELD_REQUIRED, &plans,
                                             &problem))
    goto invalid;

  for (guint i = 0; i < json_array_get_length (plans); i++)
    {
      JsonNode *node = json_array_get_element (plans, i);
      TallyPlan plan = { 0, };

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          tally_problem_invalid (&problem, "plans", "every plan is an object");
          goto invalid;
        }
      if (!decode_plan (json_node_get_object (node), &plan, &problem))
        goto invalid;
      if (tally_payments_find_plan (self, plan.id) != NULL)
        {
          tally_problem_invalid (&problem, "id", "plan “%s” is there twice", plan.id);
          plan_clear (&plan);
          goto invalid;
        }
      g_array_append_val (self->plans, plan);
    }

  return TRUE;

invalid:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "The plans file “%s” is invalid: %s",
               path, problem.message != NULL ? problem.message : "not a JSON object");
  return FALSE;
}

static gboolean
is_set (const char *value)
{
  return value != NULL && value[0] != '\0';
}

/* Stripe needs all four; without one the server would only fail at the
 * first purchase, so it refuses to start instead. */
static gboolean
check_stripe_settings (TallyConfig  *config,
                       GError      **error)
{
  g_autoptr(GString) missing = g_string_new (NULL);

  if (!is_set (config->stripe_secret_key))
    g_string_append (missing, " secret-key");
  if (!is_set (config->stripe_webhook_secret))
    g_string_append (missing, " webhook-secret");
  if (!is_set (config->stripe_success_url))
    g_string_append (missing, " success-url");
  if (!is_set (config->stripe_cancel_url))
    g_string_append (missing, " cancel-url");
  if (missing->len == 0)
    return TRUE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "The stripe payment provider needs these [stripe] settings:%s "
               "(or --stripe-secret-key, --stripe-webhook-secret, ...)", missing->str);
  return FALSE;
}

static char *
random_secret (void)
{
  guint8 bytes[32];
  char hex[sizeof bytes * 2 + 1];

  randombytes_buf (bytes, sizeof bytes);
  sodium_bin2hex (hex, sizeof hex, bytes, sizeof bytes);
  return g_strconcat ("whsec_demo_", hex, NULL);
}

TallyPayments *
tally_payments_new (TallyConfig  *config,
                    GError      **error)
{
  g_autoptr(TallyPayments) self = g_object_new (TALLY_TYPE_PAYMENTS, NULL);

  self->config = config;
  if (g_strcmp0 (config->payments_provider, "demo") == 0)
    self->demo = TRUE;
  else if (g_strcmp0 (config->payments_provider, "stripe") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Unknown payment provider “%s”: expected demo or stripe",
                   config->payments_provider);
      return NULL;
    }

  if (!load_packs (self, config->packs_file, error) ||
      !load_plans (self, config->plans_file, error))
    return NULL;

  if (self->demo)
    self->demo_secret = random_secret ();
  else if (!check_stripe_settings (config, error))
    return NULL;
  else
    self->stripe = tally_stripe_client_new (config->stripe_api_base, config->stripe_secret_key);

  return g_steal_pointer (&self);
}

gboolean
tally_payments_is_demo (TallyPayments *self)
{
  g_return_val_if_fail (TALLY_IS_PAYMENTS (self), FALSE);

  return self->demo;
}

const char *
tally_payments_get_provider (TallyPayments *self)
{
  return self->demo ? "demo" : "stripe";
}

const TallyPack *
tally_payments_find_pack (TallyPayments *self,
                          const char    *id)
{
  g_return_val_if_fail (TALLY_IS_PAYMENTS (self), NULL);

  for (guint i = 0; i < self->packs->len; i++)
    {
      const TallyPack *pack = &g_array_index (self->packs, TallyPack, i);

      if (g_strcmp0 (pack->id, id) == 0)
        return pack;
    }

  return NULL;
}

JsonObject *
tally_payments_packs_json (TallyPayments *self)
{
  JsonObject *root = json_object_new ();
  JsonArray *packs = json_array_new ();

  for (guint i = 0; i < self->packs->len; i++)
    {
      const TallyPack *pack = &g_array_index (self->packs, TallyPack, i);
      JsonObject *object = json_object_new ();
      JsonObject *price = json_object_new ();

      json_object_set_string_member (object, "id", pack->id);
      json_object_set_string_member (object, "name", pack->name);
      json_object_set_int_member (object, "credits", pack->credits);
      json_object_set_int_member (price, "amount", pack->amount);
      json_object_set_string_member (price, "currency", pack->currency);
      json_object_set_object_member (object, "price", price);
      json_array_add_object_element (packs, object);
    }

  json_object_set_array_member (root, "packs", packs);
  return root;
}

const TallyPlan *
tally_payments_find_plan (TallyPayments *self,
                          const char    *id)
{
  g_return_val_if_fail (TALLY_IS_PAYMENTS (self), NULL);

  for (guint i = 0; i < self->plans->len; i++)
    {
      const TallyPlan *plan = &g_array_index (self->plans, TallyPlan, i);

      if (g_strcmp0 (plan->id, id) == 0)
        return plan;
    }

  return NULL;
}

JsonObject *
tally_payments_plans_json (TallyPayments *self)
{
  JsonObject *root = json_object_new ();
  JsonArray *plans = json_array_new ();

  for (guint i = 0; i < self->plans->len; i++)
    {
      const TallyPlan *plan = &g_array_index (self->plans, TallyPlan, i);
      JsonObject *object = json_object_new ();
      JsonObject *price = json_object_new ();

      json_object_set_string_member (object, "id", plan->id);
      json_object_set_string_member (object, "name", plan->name);
      json_object_set_int_member (object, "credits_per_period", plan->credits_per_period);
      json_object_set_string_member (object, "interval", "month");
      json_object_set_int_member (price, "amount", plan->amount);
      json_object_set_string_member (price, "currency", plan->currency);
      json_object_set_object_member (object, "price", price);
      json_array_add_object_element (plans, object);
    }

  json_object_set_array_member (root, "plans", plans);
  return root;
}

const char *
tally_payments_get_webhook_secret (TallyPayments *self)
{
  return self->demo ? self->demo_secret : self->config->stripe_webhook_secret;
}

TallyStripeClient *
tally_payments_get_stripe (TallyPayments *self)
{
  return self->stripe;
}

const char *
tally_payments_get_success_url (TallyPayments *self)
{
  return self->config->stripe_success_url;
}

const char *
tally_payments_get_cancel_url (TallyPayments *self)
{
  return self->config->stripe_cancel_url;
}

char *
tally_payments_demo_checkout_key (TallyPayments *self,
                                  const char    *session_id,
                                  const char    *user_id)
{
  g_autoptr(GHmac) hmac = NULL;

  g_return_val_if_fail (TALLY_IS_PAYMENTS (self), NULL);
  g_return_val_if_fail (self->demo, NULL);

  hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) self->demo_secret,
                     strlen (self->demo_secret));
  /* Named, so the key can never double as a signature of something else. */
  g_hmac_update (hmac, (const guchar *) "tally-demo-checkout\n", -1);
  g_hmac_update (hmac, (const guchar *) session_id, -1);
  g_hmac_update (hmac, (const guchar *) "\n", -1);
  g_hmac_update (hmac, (const guchar *) user_id, -1);
  return g_strdup (g_hmac_get_string (hmac));
}

gboolean
tally_payments_demo_key_matches (TallyPayments *self,
                                 const char    *session_id,
                                 const char    *user_id,
                                 const char    *key)
{
  g_autofree char *expected = NULL;

  g_return_val_if_fail (TALLY_IS_PAYMENTS (self), FALSE);

  if (!self->demo || key == NULL)
    return FALSE;
  expected = tally_payments_demo_checkout_key (self, session_id, user_id);
  /* The length is no secret: every key has 64 digits. */
  return strlen (key) == strlen (expected) &&
         sodium_memcmp (key, expected, strlen (expected)) == 0;
}
