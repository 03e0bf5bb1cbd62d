/* tally-log.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "tally-log.h"

static gboolean requests_enabled = TRUE;

void
tally_log_set_requests_enabled (gboolean enabled)
{
  requests_enabled = enabled;
}

static JsonBuilder *
begin_line (const char *event)
{
  JsonBuilder *builder = json_builder_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = g_date_time_format_iso8601 (now);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "time");
  json_builder_add_string_value (builder, time);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, event);
  return builder;
}

/* One write(2) per line, so lines from a crash never interleave. */
static void
end_line (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;
  gsize len;

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  line = g_strconcat (text, "\n", NULL);
  len = strlen (line);

  if (write (STDERR_FILENO, line, len) < 0)
    return;
}

static void
add_string (JsonBuilder *builder,
            const char  *key,
            const char  *value)
{
  json_builder_set_member_name (builder, key);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

void
tally_log_request (const char *request_id,
                   const char *method,
                   const char *route,
                   guint       status,
                   gint64      duration_us,
                   const char *user_id)
{
  g_autoptr(JsonBuilder) builder = NULL;

  if (!requests_enabled)
    return;

  builder = begin_line ("request");
  add_string (builder, "request_id", request_id);
  add_string (builder, "method", method);
  add_string (builder, "route", route);
  json_builder_set_member_name (builder, "status");
  json_builder_add_int_value (builder, status);
  json_builder_set_member_name (builder, "duration_ms");
  json_builder_add_double_value (builder, duration_us / 1000.0);
  add_string (builder, "user_id", user_id);
  end_line (builder);
}

void
tally_log_event (const char *event,
                 ...)
{
  g_autoptr(JsonBuilder) builder = begin_line (event);
  const char *key;
  va_list args;

  va_start (args, event);
  while ((key = va_arg (args, const char *)) != NULL)
    add_string (builder, key, va_arg (args, const char *));
  va_end (args);

  end_line (builder);
}

void
tally_log_warning (const char *event,
                   const char *message)
{
  g_autoptr(JsonBuilder) builder = begin_line (event);

  add_string (builder, "level", "warning");
  add_string (builder, "message", message);
  end_line (builder);
}
