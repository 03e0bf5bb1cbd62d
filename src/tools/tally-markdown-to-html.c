/* tally-markdown-to-html.c: a Markdown text as a standalone web page
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <cmark.h>
#include <glib/gi18n-lib.h>
#include <stdlib.h>
#include <string.h>

#include "tally-builtin-private.h"
#include "tally-tool.h"

/* Safe: raw HTML is left out and javascript:, vbscript:, file: and most
 * data: links are emptied, so a page made from someone else's text runs
 * nothing. Smart: typographic quotes and dashes. */
#define MARKDOWN_OPTIONS (CMARK_OPT_SAFE | CMARK_OPT_SMART)

static const char light_style[] =
  "body { max-width: 44em; margin: 2em auto; padding: 0 1em; font: 16px/1.6 system-ui, "
  "sans-serif; color: #1e1e1e; background: #ffffff; }\n"
  "a { color: #1a5fb4; }\n"
  "pre, code { font-family: ui-monospace, monospace; background: #f2f2f2; }\n"
  "pre { padding: 0.8em; overflow-x: auto; border-radius: 6px; }\n"
  "blockquote { margin-left: 0; padding-left: 1em; border-left: 4px solid #d0d0d0; "
  "color: #555555; }\n"
  "table { border-collapse: collapse; }\n"
  "th, td { border: 1px solid #d0d0d0; padding: 0.3em 0.6em; }\n"
  "img { max-width: 100%; }\n";

static const char dark_style[] =
  "body { max-width: 44em; margin: 2em auto; padding: 0 1em; font: 16px/1.6 system-ui, "
  "sans-serif; color: #deddda; background: #1e1e1e; }\n"
  "a { color: #78aeed; }\n"
  "pre, code { font-family: ui-monospace, monospace; background: #303030; }\n"
  "pre { padding: 0.8em; overflow-x: auto; border-radius: 6px; }\n"
  "blockquote { margin-left: 0; padding-left: 1em; border-left: 4px solid #5e5c64; "
  "color: #c0bfbc; }\n"
  "table { border-collapse: collapse; }\n"
  "th, td { border: 1px solid #5e5c64; padding: 0.3em 0.6em; }\n"
  "img { max-width: 100%; }\n";

static const char * const style_choices[] = { "light", "dark", "none", NULL };

/* The stylesheet of a choice of the "style" input; NULL for none. */
static const char *
style_of (const char *choice)
{
  if (g_str_equal (choice, "light"))
    return light_style;
  if (g_str_equal (choice, "dark"))
    return dark_style;
  return NULL;
}

/* The text of the first heading, the page's title; NULL without one. */
static char *
first_heading (cmark_node *document)
{
  cmark_iter *iter = cmark_iter_new (document);
  GString *title = NULL;
  cmark_event_type event;

  while ((event = cmark_iter_next (iter)) != CMARK_EVENT_DONE)
    {
      cmark_node *node = cmark_iter_get_node (iter);
      cmark_node_type type = cmark_node_get_type (node);

      if (title == NULL && event == CMARK_EVENT_ENTER && type == CMARK_NODE_HEADING)
        title = g_string_new (NULL);
      else if (title != NULL && event == CMARK_EVENT_EXIT && type == CMARK_NODE_HEADING)
        break;
      else if (title != NULL && (type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE))
        g_string_append (title, cmark_node_get_literal (node));
      else if (title != NULL && (type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK))
        g_string_append_c (title, ' ');
    }

  cmark_iter_free (iter);
  return title != NULL ? g_string_free (title, FALSE) : NULL;
}

static char *
render_body (const char  *text,
             char       **title)
{
  cmark_node *document = cmark_parse_document (text, strlen (text), MARKDOWN_OPTIONS);
  char *rendered = cmark_render_html (document, MARKDOWN_OPTIONS);
  char *body = g_strdup (rendered);

  /* cmark's memory is cmark's allocator's, the default one: malloc. */
  free (rendered);
  *title = first_heading (document);
  cmark_node_free (document);
  return body;
}

static char *
page_text (const char *title,
           const char *style,
           const char *body)
{
  g_autofree char *escaped_title = g_markup_escape_text (title, -1);
  GString *page = g_string_new ("<!DOCTYPE html>\n<html>\n<head>\n"
                                "<meta charset=\"utf-8\">\n"
                                "<meta name=\"viewport\" content=\"width=device-width, "
                                "initial-scale=1\">\n");

  g_string_append_printf (page, "<title>%s</title>\n", escaped_title);
  if (style != NULL)
    g_string_append_printf (page, "<style>\n%s</style>\n", style);
  g_string_append_printf (page, "</head>\n<body>\n%s</body>\n</html>\n", body);
  return g_string_free (page, FALSE);
}

gboolean
tally_builtin_markdown_to_html (const TallyBuiltinRun  *run,
                                gint64                 *units,
                                GError                **error)
{
  const char *text = tally_builtin_get_string (run, "text", NULL);
  const char *choice;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  g_autofree char *page = NULL;

  if (text == NULL || text[0] == '\0' || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error_literal (error, TALLY_BUILTIN_ERROR, TALLY_BUILTIN_ERROR_INVALID_VALUE,
                           _("There is no Markdown text to convert"));
      return FALSE;
    }

  choice = tally_builtin_get_choice (run, "style", style_choices, error);
  if (choice == NULL)
    return FALSE;

  tally_builtin_report (run, 0, 1);
  body = render_body (text, &title);
  if (title == NULL || g_strstrip (title)[0] == '\0')
    {
      g_free (title);
      title = g_strdup (_("Document"));
    }

  page = page_text (title, style_of (choice), body);
  if (!tally_builtin_save (run, page, strlen (page), error))
    return FALSE;

  tally_builtin_report (run, 1, 1);
  *units = tally_tool_count_words (text);
  return TRUE;
}
