/* tally-json-decode.c
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <inttypes.h>

#include <string.h>

#include "tally-json-decode.h"

/* json-glib's parser (GScanner) is lenient: it reads 0x10 as 16, skips
 * comments, takes single quotes and stops a string at a \u0000 escape. So
 * a body is first checked against RFC 8259 by this small recursive-descent
 * reader, which also bounds the nesting (json-glib recurses too), refuses
 * \u0000 (text with a NUL would be cut short) and lone UTF-16 surrogates
 * (json-glib turns them into bytes that are not UTF-8). The input was
 * checked as UTF-8 already. */
typedef struct
{
  const char *p;
  const char *end;
  /* Where the reading is, as a field is named in errors ("ops[0].cost"),
   * and the first member whose whole number does not fit in 64 bits:
   * json-glib would read it as another number without a word. */
  GString    *path;
  char       *too_large;
  /* The last segment of too_large: the member's own name. */
  char       *too_large_name;
} Reader;

static gboolean check_value (Reader *r,
                             guint   depth);

static void
skip_space (Reader *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

static gboolean
take (Reader *r,
      char    c)
{
  if (r->p >= r->end || *r->p != c)
    return FALSE;
  r->p++;
  return TRUE;
}

static gboolean
take_word (Reader     *r,
           const char *word)
{
  gsize length = strlen (word);

  if ((gsize) (r->end - r->p) < length || memcmp (r->p, word, length) != 0)
    return FALSE;
  r->p += length;
  return TRUE;
}

static gboolean
take_digits (Reader *r)
{
  const char *start = r->p;

  while (r->p < r->end && g_ascii_isdigit (*r->p))
    r->p++;
  return r->p > start;
}

/* Whether the whole number from @start to @end fits in 64 bits. */
static gboolean
fits_int64 (const char *start,
            const char *end)
{
  char text[24];
  gint64 value;

  if ((gsize) (end - start) >= sizeof text)
    return FALSE;
  memcpy (text, start, end - start);
  text[end - start] = '\0';
  return g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &value, NULL);
}

static void
note_too_large (Reader *r)
{
  const char *dot = strrchr (r->path->str, '.');

  if (r->too_large != NULL)
    return;
  r->too_large = g_strdup (r->path->str);
  r->too_large_name = g_strdup (dot != NULL ? dot + 1 : r->path->str);
}

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static gboolean
check_number (Reader *r)
{
  const char *start = r->p;

  take (r, '-');
  if (!take (r, '0') && (r->p >= r->end || *r->p < '1' || *r->p > '9' || !take_digits (r)))
    return FALSE;
  if ((r->p >= r->end || (*r->p != '.' && *r->p != 'e' && *r->p != 'E')) &&
      !fits_int64 (start, r->p))
    note_too_large (r);
  if (take (r, '.') && !take_digits (r))
    return FALSE;
  if (take (r, 'e') || take (r, 'E'))
    {
      if (!take (r, '+'))
        take (r, '-');
      if (!take_digits (r))
        return FALSE;
    }
  return TRUE;
}

static gboolean
take_hex4 (Reader  *r,
           guint   *out)
{
  guint value = 0;

  if (r->end - r->p < 4)
    return FALSE;
  for (guint i = 0; i < 4; i++, r->p++)
    {
      if (!g_ascii_isxdigit (*r->p))
        return FALSE;
      value = value * 16 + g_ascii_xdigit_value (*r->p);
    }
  *out = value;
  return TRUE;
}

/* After "\u": a code point that is not NUL, or a whole surrogate pair. */
static gboolean
check_unicode_escape (Reader *r)
{
  guint unit, low;

  if (!take_hex4 (r, &unit) || unit == 0 || (unit >= 0xDC00 && unit <= 0xDFFF))
    return FALSE;
  if (unit < 0xD800 || unit > 0xDBFF)
    return TRUE;

  return take (r, '\\') && take (r, 'u') && take_hex4 (r, &low) && low >= 0xDC00 && low <= 0xDFFF;
}

static gboolean
check_string (Reader *r)
{
  if (!take (r, '"'))
    return FALSE;

  while (r->p < r->end)
    {
      guchar c = (guchar) *r->p++;

      if (c == '"')
        return TRUE;
      if (c < 0x20)
        return FALSE;
      if (c != '\\')
        continue;

      if (r->p >= r->end)
        return FALSE;
      c = (guchar) *r->p++;
      if (c == 'u')
        {
          if (!check_unicode_escape (r))
            return FALSE;
        }
      else if (strchr ("\"\\/bfnrt", c) == NULL || c == '\0')
        return FALSE;
    }

  return FALSE;
}

/* Either a member list or an element list, after its opening bracket. */
static gboolean
check_container (Reader   *r,
                 gboolean  is_object,
                 guint     depth)
{
  char close = is_object ? '}' : ']';
  guint index = 0;

  skip_space (r);
  if (take (r, close))
    return TRUE;

  do
    {
      gsize path_length = r->path->len;

      skip_space (r);
      if (is_object)
        {
          const char *key = r->p;

          if (!check_string (r))
            return FALSE;
          /* The name as written; one with escapes stays escaped. */
          g_string_append_printf (r->path, "%s%.*s", path_length > 0 ? "." : "",
                                  (int) (r->p - key - 2), key + 1);
          skip_space (r);
          if (!take (r, ':'))
            return FALSE;
        }
      else
        g_string_append_printf (r->path, "[%u]", index++);
      if (!check_value (r, depth))
        return FALSE;
      g_string_truncate (r->path, path_length);
      skip_space (r);
    }
  while (take (r, ','));

  return take (r, close);
}

static gboolean
check_value (Reader *r,
             guint   depth)
{
  skip_space (r);
  if (r->p >= r->end)
    return FALSE;

  switch (*r->p)
    {
    case '{':
    case '[':
      if (depth >= TALLY_JSON_MAX_DEPTH)
        return FALSE;
      return check_container (r, *r->p++ == '{', depth + 1);
    case '"':
      return check_string (r);
    case 't':
      return take_word (r, "true");
    case 'f':
      return take_word (r, "false");
    case 'n':
      return take_word (r, "null");
    default:
      return check_number (r);
    }
}

/* TRUE when @data is one RFC 8259 JSON value; else @offset says where the
 * reading stopped. A whole number too large for 64 bits is JSON too, and
 * its member's path and name are set in @too_large and @too_large_name. */
static gboolean
is_strict_json (const char  *data,
                gsize        length,
                gsize       *offset,
                char       **too_large,
                char       **too_large_name)
{
  g_autoptr(GString) path = g_string_new (NULL);
  Reader r = { data, data + length, path, NULL, NULL };
  gboolean ok;

  ok = check_value (&r, 0);
  skip_space (&r);
  ok = ok && r.p == r.end;
  *offset = r.p - data;
  *too_large = r.too_large;
  *too_large_name = r.too_large_name;
  return ok;
}

JsonObject *
tally_json_parse_object (const char   *data,
                         gsize         length,
                         TallyProblem *problem)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  gsize offset;
  g_autofree char *too_large = NULL;
  g_autofree char *too_large_name = NULL;

  if (data == NULL || length == 0)
    {
      tally_problem_set (problem, 400, "invalid_json", NULL, "The request body is empty");
      return NULL;
    }
  if (!g_utf8_validate_len (data, length, NULL))
    {
      tally_problem_set (problem, 400, "invalid_json", NULL, "The request body is not UTF-8");
      return NULL;
    }
  if (!is_strict_json (data, length, &offset, &too_large, &too_large_name))
    {
      tally_problem_set (problem, 400, "invalid_json", NULL,
                         "The request body is not JSON (RFC 8259, at most %d levels deep): "
                         "it goes wrong at byte %zu", TALLY_JSON_MAX_DEPTH, offset);
      return NULL;
    }
  /* A name too long to be one of ours is not echoed back. */
  if (too_large != NULL && too_large[0] != '\0' && strlen (too_large) <= 128)
    {
      tally_problem_invalid (problem, too_large, "“%s” is a whole number too large for 64 bits",
                             too_large_name);
      return NULL;
    }
  if (too_large != NULL)
    {
      tally_problem_set (problem, 400, "invalid_json", NULL,
                         "The request body has a whole number too large for 64 bits");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, (gssize) length, &error))
    {
      tally_problem_set (problem, 400, "invalid_json", NULL, "The request body is not JSON: %s",
                         error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      tally_problem_set (problem, 400, "invalid_json", NULL,
                         "The request body must be a JSON object");
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

/* The member, or NULL when absent (or null and optional). */
static JsonNode *
get_member (JsonObject         *object,
            const char         *name,
            TallyFieldPresence  presence,
            TallyProblem       *problem)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node != NULL && JSON_NODE_HOLDS_NULL (node) && presence == TALLY_FIELD_OPTIONAL)
    return NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (presence == TALLY_FIELD_REQUIRED)
        tally_problem_invalid (problem, name, "“%s” is required", name);
      return NULL;
    }

  return node;
}

gboolean
tally_json_get_string (JsonObject          *object,
                       const char          *name,
                       TallyFieldPresence   presence,
                       gsize                max_chars,
                       const char         **out,
                       TallyProblem        *problem)
{
  JsonNode *node = get_member (object, name, presence, problem);
  const char *value;

  if (node == NULL)
    return !tally_problem_is_set (problem);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      tally_problem_invalid (problem, name, "“%s” must be a string", name);
      return FALSE;
    }

  value = json_node_get_string (node);
  if (g_utf8_strlen (value, -1) > (glong) max_chars)
    {
      tally_problem_set_plural (problem, 400, "invalid_field", name, max_chars,
                                "“%s” must be at most %zu character",
                                "“%s” must be at most %zu characters", name, max_chars);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

gboolean
tally_json_get_int (JsonObject          *object,
                    const char          *name,
                    TallyFieldPresence   presence,
                    gint64               min,
                    gint64               max,
                    gint64              *out,
                    TallyProblem        *problem)
{
  JsonNode *node = get_member (object, name, presence, problem);
  gint64 value;

  if (node == NULL)
    return !tally_problem_is_set (problem);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      tally_problem_invalid (problem, name, "“%s” must be a whole number", name);
      return FALSE;
    }

  value = json_node_get_int (node);
  if (value < min || value > max)
    {
      tally_problem_invalid (problem, name, "“%s” must be from %" PRId64 " to %" PRId64,
                             name, min, max);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

gboolean
tally_json_get_uuid (JsonObject          *object,
                     const char          *name,
                     TallyFieldPresence   presence,
                     char                 out[37],
                     TallyProblem        *problem)
{
  const char *value = NULL;

  if (!tally_json_get_string (object, name, presence, 36, &value, problem))
    return FALSE;
  if (value == NULL)
    return TRUE;

  if (!g_uuid_string_is_valid (value))
    {
      tally_problem_invalid (problem, name, "“%s” must be a UUID", name);
      return FALSE;
    }

  for (guint i = 0; i < 36; i++)
    out[i] = g_ascii_tolower (value[i]);
  out[36] = '\0';
  return TRUE;
}

gboolean
tally_json_get_time_after (JsonObject          *object,
                           const char          *name,
                           TallyFieldPresence   presence,
                           gint64               after,
                           gint64              *out,
                           TallyProblem        *problem)
{
  JsonNode *node = json_object_get_member (object, name);
  g_autoptr(GDateTime) time = NULL;
  const char *text = NULL;
  gint64 value;

  if (node != NULL && JSON_NODE_HOLDS_NULL (node) && presence == TALLY_FIELD_OPTIONAL)
    return TRUE;
  if (!tally_json_get_string (object, name, presence, 64, &text, problem))
    return FALSE;
  if (text == NULL)
    return TRUE;

  /* A date alone, or a time without its offset, is no RFC 3339 time. */
  if (strchr (text, 'T') != NULL || strchr (text, 't') != NULL)
    time = g_date_time_new_from_iso8601 (text, NULL);
  if (time == NULL)
    {
      tally_problem_invalid (problem, name, "“%s” must be an RFC 3339 time with its offset, "
                             "like 2027-01-31T23:59:59Z", name);
      return FALSE;
    }

  value = g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
  if (value <= after)
    {
      tally_problem_invalid (problem, name, "“%s” must be in the future", name);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

gboolean
tally_json_get_boolean (JsonObject          *object,
                        const char          *name,
                        TallyFieldPresence   presence,
                        gboolean            *out,
                        TallyProblem        *problem)
{
  JsonNode *node = get_member (object, name, presence, problem);

  if (node == NULL)
    return !tally_problem_is_set (problem);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      tally_problem_invalid (problem, name, "“%s” must be true or false", name);
      return FALSE;
    }

  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
tally_json_get_object (JsonObject          *object,
                       const char          *name,
                       TallyFieldPresence   presence,
                       JsonObject         **out,
                       TallyProblem        *problem)
{
  JsonNode *node = get_member (object, name, presence, problem);

  if (node == NULL)
    return !tally_problem_is_set (problem);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      tally_problem_invalid (problem, name, "“%s” must be an object", name);
      return FALSE;
    }

  *out = json_node_get_object (node);
  return TRUE;
}

gboolean
tally_json_get_array (JsonObject          *object,
                      const char          *name,
                      TallyFieldPresence   presence,
                      JsonArray          **out,
                      TallyProblem        *problem)
{
  JsonNode *node = get_member (object, name, presence, problem);

  if (node == NULL)
    return !tally_problem_is_set (problem);

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      tally_problem_invalid (problem, name, "“%s” must be an array", name);
      return FALSE;
    }

  *out = json_node_get_array (node);
  return TRUE;
}

char *
tally_json_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}
