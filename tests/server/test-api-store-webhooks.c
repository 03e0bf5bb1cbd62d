/* test-api-store-webhooks.c: outgoing webhooks and their outbox of
 * deliveries, as every TallyApiStore keeps them
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the webhook pages and the delivery worker (tally-webhooks.c) rely
 * on through the interface: webhooks found as saved and only by their
 * owner, listed oldest first, deleted with their deliveries; one delivery
 * per webhook of the user per event, however often it is enqueued; due
 * deliveries oldest first with their target, until an attempt delivers
 * or fails them; a webhook's deliveries paged newest first. On SQLite and
 * on PostgreSQL (issue 19), where two servers also race an enqueue and
 * a delete.
 */

#include "config.h"

#include <string.h>

#include "tally-test-stores.h"

#define HOSTILE_ID "' OR ''='"

static TallyApiStore *
api_of (StoreFixture *fixture)
{
  return TALLY_API_STORE (fixture->store);
}

/* A webhook of @user_id, saved; its id in @webhook. */
static void
add_webhook (StoreFixture *fixture,
             const char   *user_id,
             const char   *url,
             gint64        created_at,
             TallyWebhook *webhook)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(GError) error = NULL;

  memset (webhook, 0, sizeof *webhook);
  g_strlcpy (webhook->id, id, sizeof webhook->id);
  g_strlcpy (webhook->user_id, user_id, sizeof webhook->user_id);
  webhook->url = g_strdup (url);
  webhook->secret = g_strdup_printf ("whsec_%s", id);
  webhook->created_at = created_at;

  stores_begin (fixture);
  g_assert_true (tally_api_store_insert_webhook (api_of (fixture), webhook, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

static void
assert_webhook (const TallyWebhook *found,
                const TallyWebhook *expected)
{
  g_assert_cmpstr (found->id, ==, expected->id);
  g_assert_cmpstr (found->user_id, ==, expected->user_id);
  g_assert_cmpstr (found->url, ==, expected->url);
  g_assert_cmpstr (found->secret, ==, expected->secret);
  g_assert_cmpint (found->created_at, ==, expected->created_at);
}

static void
assert_no_webhook (StoreFixture *fixture,
                   const char   *user_id,
                   const char   *id)
{
  g_auto(TallyWebhook) found = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_false (tally_api_store_find_webhook (api_of (fixture), user_id, id, &found, &error));
  g_assert_error (error, TALLY_STORE_ERROR, TALLY_STORE_ERROR_NOT_FOUND);
}

/* The ids of @user_id's webhooks, joined by spaces. */
static char *
list_ids (StoreFixture *fixture,
          const char   *user_id)
{
  g_autoptr(GArray) webhooks = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) ids = g_string_new (NULL);

  webhooks = tally_api_store_list_webhooks (api_of (fixture), user_id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (webhooks);
  for (guint i = 0; i < webhooks->len; i++)
    g_string_append_printf (ids, "%s%s", i > 0 ? " " : "",
                            g_array_index (webhooks, TallyWebhook, i).id);
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static gboolean
delete_webhook (StoreFixture *fixture,
                const char   *user_id,
                const char   *id)
{
  g_autoptr(GError) error = NULL;
  gboolean found = TRUE;

  stores_begin (fixture);
  g_assert_true (tally_api_store_delete_webhook (api_of (fixture), user_id, id, &found, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
  return found;
}

static void
enqueue (StoreFixture *fixture,
         const char   *user_id,
         const char   *event_id,
         gint64        now)
{
  g_autofree char *body = g_strdup_printf ("{\"id\":\"%s\"}", event_id);
  g_autoptr(GError) error = NULL;

  stores_begin (fixture);
  g_assert_true (tally_api_store_enqueue_deliveries (api_of (fixture), user_id, event_id,
                                                     "alert.fired", body, now, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

static GArray *
due (StoreFixture *fixture,
     gint64        now,
     guint         limit)
{
  g_autoptr(GError) error = NULL;
  GArray *deliveries;

  deliveries = tally_api_store_due_deliveries (api_of (fixture), now, limit, &error);
  g_assert_no_error (error);
  g_assert_nonnull (deliveries);
  return deliveries;
}

static GArray *
list_deliveries (StoreFixture *fixture,
                 const char   *webhook_id,
                 gint64        before_seq,
                 guint         limit,
                 gint64       *next_before_seq)
{
  g_autoptr(GError) error = NULL;
  GArray *deliveries;

  *next_before_seq = -1;
  deliveries = tally_api_store_list_deliveries (api_of (fixture), webhook_id, before_seq, limit,
                                                next_before_seq, &error);
  g_assert_no_error (error);
  g_assert_nonnull (deliveries);
  return deliveries;
}

/* A webhook's one delivery, or the first of a page. */
static void
first_delivery (StoreFixture  *fixture,
                const char    *webhook_id,
                TallyDelivery *delivery)
{
  g_autoptr(GArray) deliveries = NULL;
  gint64 next = 0;

  deliveries = list_deliveries (fixture, webhook_id, 0, 1, &next);
  g_assert_cmpuint (deliveries->len, ==, 1);
  *delivery = g_array_index (deliveries, TallyDelivery, 0);
  delivery->type = g_strdup (delivery->type);
  delivery->body = g_strdup (delivery->body);
}

static void
record (StoreFixture        *fixture,
        gint64               seq,
        TallyDeliveryStatus  status,
        guint                response_status,
        gint64               attempted_at,
        gint64               next_attempt_at)
{
  g_autoptr(GError) error = NULL;

  stores_begin (fixture);
  g_assert_true (tally_api_store_record_attempt (api_of (fixture), seq, status, response_status,
                                                 attempted_at, next_attempt_at, &error));
  g_assert_no_error (error);
  stores_commit (fixture);
}

/* Found as saved and by its owner alone; listed oldest first, ties by
 * id; a second insert of an id refused; deleted by its owner alone,
 * once, with its deliveries and nothing else. */
static void
test_webhooks (StoreFixture  *fixture,
               gconstpointer  data)
{
  const char *user = fixture->user.id;
  g_auto(TallyWebhook) late = { 0 };
  g_auto(TallyWebhook) early = { 0 };
  g_auto(TallyWebhook) tie = { 0 };
  g_auto(TallyWebhook) theirs = { 0 };
  g_auto(TallyWebhook) found = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) left = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *mine = NULL;
  g_autofree char *their_ids = NULL;
  g_autofree char *none = NULL;
  g_autofree char *after = NULL;
  TallyUser other;
  gint64 next = 0;

  stores_user_new (fixture, "other@example.com", TALLY_ROLE_MEMBER, &other);
  add_webhook (fixture, user, "https://example.com/late", 300, &late);
  add_webhook (fixture, user, "https://example.com/early", 100, &early);
  add_webhook (fixture, user, "https://example.com/tie", 100, &tie);
  add_webhook (fixture, other.id, "https://example.org/theirs", 50, &theirs);

  g_assert_true (tally_api_store_find_webhook (api_of (fixture), user, late.id, &found, &error));
  g_assert_no_error (error);
  assert_webhook (&found, &late);
  tally_webhook_clear (&found);
  g_assert_true (tally_api_store_find_webhook (api_of (fixture), other.id, theirs.id, &found,
                                               &error));
  g_assert_no_error (error);
  assert_webhook (&found, &theirs);
  assert_no_webhook (fixture, user, theirs.id);
  assert_no_webhook (fixture, other.id, late.id);
  assert_no_webhook (fixture, user, HOSTILE_ID);
  assert_no_webhook (fixture, HOSTILE_ID, late.id);

  mine = list_ids (fixture, user);
  if (strcmp (early.id, tie.id) < 0)
    expected = g_strjoin (" ", early.id, tie.id, late.id, NULL);
  else
    expected = g_strjoin (" ", tie.id, early.id, late.id, NULL);
  g_assert_cmpstr (mine, ==, expected);
  their_ids = list_ids (fixture, other.id);
  g_assert_cmpstr (their_ids, ==, theirs.id);
  none = list_ids (fixture, HOSTILE_ID);
  g_assert_cmpstr (none, ==, "");

  /* Alone: on PostgreSQL the failure would end a transaction. */
  g_assert_false (tally_api_store_insert_webhook (api_of (fixture), &late, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  enqueue (fixture, user, "event-1", 1000);
  enqueue (fixture, other.id, "event-2", 1000);
  g_assert_false (delete_webhook (fixture, other.id, late.id));
  g_assert_false (delete_webhook (fixture, HOSTILE_ID, HOSTILE_ID));
  g_assert_true (delete_webhook (fixture, user, late.id));
  g_assert_false (delete_webhook (fixture, user, late.id));
  assert_no_webhook (fixture, user, late.id);
  after = list_ids (fixture, user);
  g_assert_true (g_str_has_prefix (expected, after));
  g_assert_cmpuint (strlen (after), ==, strlen (expected) - strlen (late.id) - 1);

  left = list_deliveries (fixture, late.id, 0, 10, &next);
  g_assert_cmpuint (left->len, ==, 0);
  g_clear_pointer (&left, g_array_unref);
  left = list_deliveries (fixture, early.id, 0, 10, &next);
  g_assert_cmpuint (left->len, ==, 1);
  g_clear_pointer (&left, g_array_unref);
  left = list_deliveries (fixture, theirs.id, 0, 10, &next);
  g_assert_cmpuint (left->len, ==, 1);
}

static void
assert_due (const TallyDelivery *delivery,
            const TallyWebhook  *webhook,
            const char          *event_id,
            gint64               created_at)
{
  g_autofree char *body = g_strdup_printf ("{\"id\":\"%s\"}", event_id);

  g_assert_cmpint (delivery->seq, >, 0);
  g_assert_cmpstr (delivery->webhook_id, ==, webhook->id);
  g_assert_cmpstr (delivery->event_id, ==, event_id);
  g_assert_cmpstr (delivery->type, ==, "alert.fired");
  g_assert_cmpstr (delivery->body, ==, body);
  g_assert_cmpint (delivery->status, ==, TALLY_DELIVERY_PENDING);
  g_assert_cmpint (delivery->attempts, ==, 0);
  g_assert_cmpint (delivery->created_at, ==, created_at);
  g_assert_cmpint (delivery->next_attempt_at, ==, created_at);
  g_assert_cmpint (delivery->last_attempt_at, ==, 0);
  g_assert_cmpuint (delivery->response_status, ==, 0);
  g_assert_cmpstr (delivery->url, ==, webhook->url);
  g_assert_cmpstr (delivery->secret, ==, webhook->secret);
}

#define DUE(array, i) (&g_array_index ((array), TallyDelivery, (i)))

/* One delivery per webhook of the user, once per event; due from their
 * time, oldest first, with their target; an attempt counts, moves the
 * next one and keeps the answer's status; delivered and failed ones are
 * due no more. */
static void
test_deliveries (StoreFixture  *fixture,
                 gconstpointer  data)
{
  const char *user = fixture->user.id;
  g_auto(TallyWebhook) first = { 0 };
  g_auto(TallyWebhook) second = { 0 };
  g_auto(TallyWebhook) theirs = { 0 };
  g_auto(TallyDelivery) found = { 0 };
  g_autoptr(GArray) none = NULL;
  g_autoptr(GArray) all = NULL;
  g_autoptr(GArray) one = NULL;
  g_autoptr(GArray) later = NULL;
  g_autoptr(GArray) finished = NULL;
  TallyUser other;

  stores_user_new (fixture, "other@example.com", TALLY_ROLE_MEMBER, &other);
  add_webhook (fixture, user, "https://example.com/first", 100, &first);
  add_webhook (fixture, user, "https://example.com/second", 200, &second);
  add_webhook (fixture, other.id, "https://example.org/theirs", 50, &theirs);

  enqueue (fixture, user, "event-1", 1000);
  enqueue (fixture, user, "event-1", 1500);
  enqueue (fixture, other.id, "event-2", 2000);
  enqueue (fixture, HOSTILE_ID, "event-3", 500);

  none = due (fixture, 999, 10);
  g_assert_cmpuint (none->len, ==, 0);
  all = due (fixture, 2000, 10);
  g_assert_cmpuint (all->len, ==, 3);
  assert_due (DUE (all, 0), &first, "event-1", 1000);
  assert_due (DUE (all, 1), &second, "event-1", 1000);
  g_assert_cmpint (DUE (all, 0)->seq, <, DUE (all, 1)->seq);
  assert_due (DUE (all, 2), &theirs, "event-2", 2000);
  one = due (fixture, 2000, 1);
  g_assert_cmpuint (one->len, ==, 1);
  g_assert_cmpint (DUE (one, 0)->seq, ==, DUE (all, 0)->seq);

  /* The first answered 500: due again at 5000, after the others. */
  record (fixture, DUE (all, 0)->seq, TALLY_DELIVERY_PENDING, 500, 1200, 5000);
  first_delivery (fixture, first.id, &found);
  g_assert_cmpint (found.seq, ==, DUE (all, 0)->seq);
  g_assert_cmpint (found.status, ==, TALLY_DELIVERY_PENDING);
  g_assert_cmpint (found.attempts, ==, 1);
  g_assert_cmpint (found.last_attempt_at, ==, 1200);
  g_assert_cmpuint (found.response_status, ==, 500);
  g_assert_cmpint (found.next_attempt_at, ==, 5000);
  g_assert_cmpint (found.created_at, ==, 1000);
  g_assert_cmpstr (found.event_id, ==, "event-1");
  g_assert_null (found.url);
  tally_delivery_clear (&found);
  later = due (fixture, 5000, 10);
  g_assert_cmpuint (later->len, ==, 3);
  g_assert_cmpint (DUE (later, 0)->seq, ==, DUE (all, 1)->seq);
  g_assert_cmpint (DUE (later, 2)->seq, ==, DUE (all, 0)->seq);
  g_assert_cmpint (DUE (later, 2)->attempts, ==, 1);

  /* No answer, then delivered; the second failed for good. */
  record (fixture, DUE (all, 0)->seq, TALLY_DELIVERY_PENDING, 0, 5000, 6000);
  first_delivery (fixture, first.id, &found);
  g_assert_cmpuint (found.response_status, ==, 0);
  g_assert_cmpint (found.attempts, ==, 2);
  tally_delivery_clear (&found);
  record (fixture, DUE (all, 0)->seq, TALLY_DELIVERY_DELIVERED, 204, 6000, 6000);
  record (fixture, DUE (all, 1)->seq, TALLY_DELIVERY_FAILED, 410, 6000, 6000);
  first_delivery (fixture, first.id, &found);
  g_assert_cmpint (found.status, ==, TALLY_DELIVERY_DELIVERED);
  g_assert_cmpint (found.attempts, ==, 3);
  g_assert_cmpuint (found.response_status, ==, 204);
  tally_delivery_clear (&found);
  first_delivery (fixture, second.id, &found);
  g_assert_cmpint (found.status, ==, TALLY_DELIVERY_FAILED);
  g_assert_cmpint (found.attempts, ==, 1);
  g_assert_cmpuint (found.response_status, ==, 410);

  finished = due (fixture, G_MAXINT64, 10);
  g_assert_cmpuint (finished->len, ==, 1);
  g_assert_cmpstr (DUE (finished, 0)->webhook_id, ==, theirs.id);
}

/* The seqs of a page, joined by spaces. */
static char *
page_seqs (GArray *deliveries)
{
  g_autoptr(GString) seqs = g_string_new (NULL);

  for (guint i = 0; i < deliveries->len; i++)
    g_string_append_printf (seqs, "%s%" G_GINT64_FORMAT, i > 0 ? " " : "", DUE (deliveries, i)->seq);
  return g_string_free (g_steal_pointer (&seqs), FALSE);
}

/* Newest first, a page at a time until next_before_seq is 0; another
 * webhook's deliveries never in the pages. */
static void
test_delivery_pages (StoreFixture  *fixture,
                     gconstpointer  data)
{
  const char *user = fixture->user.id;
  g_auto(TallyWebhook) hook = { 0 };
  g_auto(TallyWebhook) theirs = { 0 };
  g_autoptr(GArray) whole = NULL;
  g_autoptr(GArray) page = NULL;
  g_autoptr(GString) paged = g_string_new (NULL);
  g_autofree char *expected = NULL;
  TallyUser other;
  gint64 before = 0;
  gint64 next = 0;
  guint pages = 0;

  stores_user_new (fixture, "other@example.com", TALLY_ROLE_MEMBER, &other);
  add_webhook (fixture, user, "https://example.com/hook", 100, &hook);
  add_webhook (fixture, other.id, "https://example.org/theirs", 100, &theirs);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *event = g_strdup_printf ("event-%u", i);

      enqueue (fixture, user, event, 1000 + i);
      enqueue (fixture, other.id, event, 1000 + i);
    }

  whole = list_deliveries (fixture, hook.id, 0, 5, &next);
  g_assert_cmpuint (whole->len, ==, 5);
  g_assert_cmpint (next, ==, 0);
  g_assert_cmpstr (DUE (whole, 0)->event_id, ==, "event-4");
  g_assert_cmpstr (DUE (whole, 4)->event_id, ==, "event-0");
  for (guint i = 1; i < whole->len; i++)
    g_assert_cmpint (DUE (whole, i)->seq, <, DUE (whole, i - 1)->seq);
  expected = page_seqs (whole);

  do
    {
      g_autofree char *seqs = NULL;

      page = list_deliveries (fixture, hook.id, before, 2, &next);
      g_assert_cmpuint (page->len, ==, pages < 2 ? 2 : 1);
      for (guint i = 0; i < page->len; i++)
        g_assert_cmpstr (DUE (page, i)->webhook_id, ==, hook.id);
      seqs = page_seqs (page);
      g_string_append_printf (paged, "%s%s", paged->len > 0 ? " " : "", seqs);
      if (next != 0)
        g_assert_cmpint (next, ==, DUE (page, page->len - 1)->seq);
      before = next;
      pages++;
      g_clear_pointer (&page, g_array_unref);
    }
  while (before != 0);
  g_assert_cmpuint (pages, ==, 3);
  g_assert_cmpstr (paged->str, ==, expected);

  page = list_deliveries (fixture, hook.id, DUE (whole, 4)->seq, 10, &next);
  g_assert_cmpuint (page->len, ==, 0);
  g_assert_cmpint (next, ==, 0);
  g_clear_pointer (&page, g_array_unref);
  page = list_deliveries (fixture, HOSTILE_ID, 0, 10, &next);
  g_assert_cmpuint (page->len, ==, 0);
}

typedef struct
{
  const char *user_id;
  const char *event_id;
} Enqueue;

static gboolean
enqueue_elsewhere (TallyRulesStore  *store,
                   gpointer          data,
                   GError          **error)
{
  Enqueue *enqueue = data;

  return tally_api_store_enqueue_deliveries (TALLY_API_STORE (store), enqueue->user_id,
                                             enqueue->event_id, "alert.fired", "{}", 2000, error);
}

/* Two servers enqueueing one event: the second waits on the first's
 * rows, then adds nothing, so the webhook gets the event once. */
static void
test_enqueue_race (StoreFixture  *fixture,
                   gconstpointer  data)
{
  g_auto(TallyWebhook) hook = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) deliveries = NULL;
  Enqueue again = { fixture->user.id, "event-1" };
  gint64 next = 0;

  if (stores_skip_on_sqlite (fixture))
    return;

  add_webhook (fixture, fixture->user.id, "https://example.com/hook", 100, &hook);
  stores_begin (fixture);
  g_assert_true (tally_api_store_enqueue_deliveries (api_of (fixture), fixture->user.id,
                                                     "event-1", "alert.fired", "{\"id\":1}",
                                                     1000, &error));
  g_assert_no_error (error);
  stores_race (fixture, enqueue_elsewhere, &again);

  deliveries = list_deliveries (fixture, hook.id, 0, 10, &next);
  g_assert_cmpuint (deliveries->len, ==, 1);
  g_assert_cmpstr (DUE (deliveries, 0)->body, ==, "{\"id\":1}");
  g_assert_cmpint (DUE (deliveries, 0)->created_at, ==, 1000);
}

typedef struct
{
  const char *user_id;
  const char *id;
  gboolean    found;
} Delete;

static gboolean
delete_elsewhere (TallyRulesStore  *store,
                  gpointer          data,
                  GError          **error)
{
  Delete *delete = data;

  return tally_api_store_delete_webhook (TALLY_API_STORE (store), delete->user_id, delete->id,
                                         &delete->found, error);
}

/* Two servers deleting one webhook: the second waits on the first's
 * row lock, then finds nothing, so one of them answers it deleted. */
static void
test_delete_race (StoreFixture  *fixture,
                  gconstpointer  data)
{
  g_auto(TallyWebhook) hook = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean found = FALSE;
  Delete again = { fixture->user.id, NULL, TRUE };

  if (stores_skip_on_sqlite (fixture))
    return;

  add_webhook (fixture, fixture->user.id, "https://example.com/hook", 100, &hook);
  again.id = hook.id;
  stores_begin (fixture);
  g_assert_true (tally_api_store_delete_webhook (api_of (fixture), fixture->user.id, hook.id,
                                                 &found, &error));
  g_assert_no_error (error);
  g_assert_true (found);
  stores_race (fixture, delete_elsewhere, &again);
  g_assert_false (again.found);
  assert_no_webhook (fixture, fixture->user.id, hook.id);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  stores_add ("api-webhooks", test_webhooks);
  stores_add ("api-webhook-deliveries", test_deliveries);
  stores_add ("api-webhook-delivery-pages", test_delivery_pages);
  stores_add ("api-webhook-enqueue-race", test_enqueue_race);
  stores_add ("api-webhook-delete-race", test_delete_race);

  return stores_run ();
}
