/* tally-api-billing.c: a user's payments, invoice details and receipts
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tally-api.h"
#include "tally-api-decoders.h"
#include "tally-api-json.h"
#include "tally-export.h"
#include "tally-payments.h"
#include "tally-receipt.h"
#include "tally-server.h"
#include "tally-store-payments.h"

static void
respond_storage_error (TallyRequest *request)
{
  tally_request_respond_error (request, 500, "internal_error",
                               "The server could not do this; try again");
}

/* --- GET /v1/payments --- */

JsonObject *
tally_api_payment_json (const TallyPayment *payment)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "id", payment->id);
  json_object_set_string_member (object, "pack", payment->pack_id);
  json_object_set_int_member (object, "credits", payment->credits);
  json_object_set_int_member (object, "amount", payment->amount);
  json_object_set_string_member (object, "currency", payment->currency);
  json_object_set_string_member (object, "status",
                                 tally_payment_status_to_string (payment->status));
  json_object_set_string_member (object, "provider", payment->provider);
  json_object_set_boolean_member (object, "gift", payment->gift);
  tally_api_set_time (object, "created_at", payment->created_at);
  tally_api_set_time (object, "paid_at", payment->paid_at);

  return object;
}

static void
handle_payments (TallyRequest *request)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  const TallyUser *user = tally_request_get_user (request);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) payments = tally_api_store_list_payments (store, user->id, &error);
  g_autoptr(JsonObject) body = NULL;
  JsonArray *items;

  if (payments == NULL)
    {
      respond_storage_error (request);
      return;
    }

  items = json_array_sized_new (payments->len);
  for (guint i = 0; i < payments->len; i++)
    json_array_add_object_element (items,
                                   tally_api_payment_json (&g_array_index (payments, TallyPayment,
                                                                           i)));

  body = json_object_new ();
  json_object_set_array_member (body, "items", items);
  tally_request_respond_object (request, 200, body);
}

/* --- invoice details --- */

/* No control characters, but for the line breaks of an address. */
static gboolean
check_printable (const char   *name,
                 const char   *value,
                 gboolean      multiline,
                 TallyProblem *problem)
{
  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (multiline && c == '\n')
        continue;
      if (g_unichar_iscntrl (c))
        {
          tally_problem_invalid (problem, name, "“%s” may not hold control characters", name);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
check_members (JsonObject   *body,
               TallyProblem *problem)
{
  static const char * const known[] = { "company", "address", "vat_id" };
  g_autoptr(GList) members = json_object_get_members (body);

  for (GList *l = members; l != NULL; l = l->next)
    {
      gboolean is_known = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (known); i++)
        is_known = is_known || g_str_equal (l->data, known[i]);
      if (!is_known)
        {
          tally_problem_invalid (problem, l->data, "There is no field “%s” in invoice details",
                                 (const char *) l->data);
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
tally_api_decode_invoice_details (JsonObject                 *body,
                                  TallyInvoiceDetailsRequest *out,
                                  TallyProblem               *problem)
{
  memset (out, 0, sizeof *out);
  out->company = "";
  out->address = "";
  out->vat_id = "";

  return check_members (body, problem) &&
         tally_json_get_string (body, "company", TALLY_FIELD_OPTIONAL, TALLY_COMPANY_MAX_CHARS,
                                &out->company, problem) &&
         tally_json_get_string (body, "address", TALLY_FIELD_OPTIONAL, TALLY_ADDRESS_MAX_CHARS,
                                &out->address, problem) &&
         tally_json_get_string (body, "vat_id", TALLY_FIELD_OPTIONAL, TALLY_VAT_ID_MAX_CHARS,
                                &out->vat_id, problem) &&
         check_printable ("company", out->company, FALSE, problem) &&
         check_printable ("address", out->address, TRUE, problem) &&
         check_printable ("vat_id", out->vat_id, FALSE, problem);
}

/* Unset details are null in the answer. */
static void
set_detail_member (JsonObject *object,
                   const char *name,
                   const char *value)
{
  if (value[0] != '\0')
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

JsonObject *
tally_api_invoice_details_json (const TallyInvoiceDetails *details)
{
  JsonObject *object = json_object_new ();

  set_detail_member (object, "company", details->company);
  set_detail_member (object, "address", details->address);
  set_detail_member (object, "vat_id", details->vat_id);

  return object;
}

static void
handle_get_invoice_details (TallyRequest *request)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  const TallyUser *user = tally_request_get_user (request);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) body = NULL;
  TallyInvoiceDetails details;

  if (!tally_api_store_load_invoice_details (store, user->id, &details, &error))
    {
      respond_storage_error (request);
      return;
    }

  body = tally_api_invoice_details_json (&details);
  tally_request_respond_object (request, 200, body);
}

typedef struct
{
  TallyRequest        *request;
  char                 user_id[TALLY_UUID_LEN];
  TallyInvoiceDetails  details;
} InvoiceDetailsJob;

static void
invoice_details_job_free (gpointer data)
{
  InvoiceDetailsJob *job = data;

  tally_request_unref (job->request);
  g_free (job);
}

static gboolean
invoice_details_write (gpointer   data,
                       GError   **error)
{
  InvoiceDetailsJob *job = data;
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (job->request));

  return tally_api_store_save_invoice_details (store, job->user_id, &job->details, error);
}

static void
invoice_details_done (gpointer      data,
                      const GError *error)
{
  InvoiceDetailsJob *job = data;
  g_autoptr(JsonObject) body = NULL;

  if (error != NULL)
    {
      respond_storage_error (job->request);
      return;
    }

  body = tally_api_invoice_details_json (&job->details);
  tally_request_respond_object (job->request, 200, body);
}

static void
handle_put_invoice_details (TallyRequest *request)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = tally_request_parse_body (request, &problem);
  TallyInvoiceDetailsRequest decoded;
  InvoiceDetailsJob *job;

  if (body == NULL || !tally_api_decode_invoice_details (body, &decoded, &problem))
    {
      tally_request_respond_problem (request, &problem);
      return;
    }

  job = g_new0 (InvoiceDetailsJob, 1);
  job->request = tally_request_ref (request);
  g_strlcpy (job->user_id, tally_request_get_user (request)->id, sizeof job->user_id);
  g_strlcpy (job->details.company, decoded.company, sizeof job->details.company);
  g_strlcpy (job->details.address, decoded.address, sizeof job->details.address);
  g_strlcpy (job->details.vat_id, decoded.vat_id, sizeof job->details.vat_id);

  tally_request_pause (request);
  tally_writer_submit (tally_server_get_writer (tally_request_get_server (request)),
                       invoice_details_write, invoice_details_done, job,
                       invoice_details_job_free);
}

/* --- GET /v1/payments/{id}/receipt --- */

/* Another user's payment, and one never paid, do not exist for the
 * caller: a refunded or disputed payment was paid, and keeps its receipt. */
static gboolean
find_receipt_payment (TallyRequest *request,
                      TallyPayment *payment)
{
  TallyApiStore *store = tally_server_get_store (tally_request_get_server (request));
  const char *id = tally_request_get_param (request, "id");
  g_autoptr(GError) error = NULL;

  if (!tally_rules_store_find_payment (TALLY_RULES_STORE (store), id, payment, &error))
    {
      if (error != NULL)
        respond_storage_error (request);
      else
        tally_request_respond_error (request, 404, "not_found", "There is no such payment");
      return FALSE;
    }

  if (!g_str_equal (payment->user_id, tally_request_get_user (request)->id) ||
      payment->paid_at == 0)
    {
      tally_request_respond_error (request, 404, "not_found",
                                   "There is no receipt for this payment");
      return FALSE;
    }

  return TRUE;
}

static void
set_attachment_name (TallyRequest       *request,
                     const TallyPayment *payment)
{
  SoupServerMessage *msg = tally_request_get_message (request);
  g_autofree char *number = tally_receipt_number (payment);
  g_autofree char *disposition = g_strdup_printf ("inline; filename=\"receipt-%s.pdf\"", number);

  if (msg != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "Content-Disposition", disposition);
}

static void
handle_receipt (TallyRequest *request)
{
  TallyServer *server = tally_request_get_server (request);
  TallyConfig *config = tally_server_get_config (server);
  const TallyPack *pack;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) pdf = NULL;
  TallyInvoiceDetails details;
  TallyPayment payment;
  TallyReceipt receipt;

  if (!find_receipt_payment (request, &payment))
    return;

  if (!tally_api_store_load_invoice_details (tally_server_get_store (server), payment.user_id,
                                             &details, &error))
    {
      respond_storage_error (request);
      return;
    }

  pack = tally_payments_find_pack (tally_server_get_payments (server), payment.pack_id);
  receipt = (TallyReceipt) {
    .seller_name = config->seller_name,
    .seller_address = config->seller_address,
    .buyer = tally_request_get_user (request),
    .details = &details,
    .payment = &payment,
    .pack_name = pack != NULL ? pack->name : payment.pack_id,
  };
  pdf = tally_receipt_render (&receipt, &error);
  if (pdf == NULL)
    {
      respond_storage_error (request);
      return;
    }

  set_attachment_name (request, &payment);
  tally_request_respond_bytes (request, 200, "application/pdf", pdf);
}

static const TallyRoute routes[] = {
  { "GET", "/v1/payments", handle_payments, TALLY_ROUTE_AUTH },
  { "GET", "/v1/payments/{id}/receipt", handle_receipt, TALLY_ROUTE_AUTH },
  { "GET", "/v1/me/invoice-details", handle_get_invoice_details, TALLY_ROUTE_AUTH },
  { "PUT", "/v1/me/invoice-details", handle_put_invoice_details, TALLY_ROUTE_AUTH },
};

void
tally_api_billing_register (TallyRouter *router)
{
  tally_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
