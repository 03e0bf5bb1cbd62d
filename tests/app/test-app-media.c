/* test-app-media.c: a command tool and an audio tool run from the app
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Under build-aux/desktop-session, against a real tally-server: what the
 * app measures before a run is what the server holds, and what the tool
 * measures is what it charges.
 */

#include "config.h"

#include <adwaita.h>
#include <math.h>
#include <sndfile.h>
#include <string.h>

#include "tally-tool-page.h"

#include "tally-app-test.h"

#define RATE 22050

static TestServer *server;

/* The frames of a sound file; 0 when it is none. */
static sf_count_t
frames_of (const char *path)
{
  SF_INFO info = { 0 };
  SNDFILE *file = sf_open (path, SFM_READ, &info);

  if (file == NULL)
    return 0;
  sf_close (file);
  return info.frames;
}

static char *
write_tone (const char *dir,
            sf_count_t  frames)
{
  char *path = g_build_filename (dir, "tone.wav", NULL);
  SF_INFO info = { .samplerate = RATE, .channels = 1,
                   .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16 };
  SNDFILE *file = sf_open (path, SFM_WRITE, &info);
  g_autofree short *samples = g_new (short, (gsize) frames);

  g_assert_nonnull (file);
  for (sf_count_t i = 0; i < frames; i++)
    samples[i] = (short) (8000 * sin (2 * G_PI * 440 * (double) i / RATE));
  g_assert_cmpint (sf_writef_short (file, samples, frames), ==, frames);
  sf_close (file);
  return path;
}

/* Read text aloud runs espeak-ng: 36 characters, 1 + 2 × 1 credits. */
static void
run_text_to_speech (GtkWidget  *window,
                    const char *dir)
{
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autofree char *output = g_build_filename (dir, "text-to-speech.wav", NULL);
  TallyToolPage *page = open_tool_page (window, "Read text aloud");

  tally_tool_page_set_output_folder (page, folder);
  set_tool_text (window, "Hello there, this is Tally speaking.");
  wait_for_widget (window, is_label_with, "For 36 characters of input");
  click (window, "_Run");
  wait_for_widget (window, is_label_with, "Charged 3 credits");
  g_assert_cmpint (frames_of (output), >, RATE / 2);
}

/* Trim audio: the app measures 2.5 s as 3 seconds, as the tool does. */
static void
run_audio_trim (GtkWidget  *window,
                const char *dir)
{
  g_autofree char *input = write_tone (dir, RATE * 5 / 2);
  g_autofree char *output = g_build_filename (dir, "tone.trimmed.wav", NULL);
  g_autoptr(GListStore) files = g_list_store_new (G_TYPE_FILE);
  g_autoptr(GFile) file = g_file_new_for_path (input);
  TallyToolPage *page = open_tool_page (window, "Trim audio");

  g_list_store_append (files, file);
  tally_tool_page_set_files (page, "file", G_LIST_MODEL (files));
  wait_for_widget (window, is_label_with, "For 3 seconds of input");
  click (window, "_Run");
  wait_for_widget (window, is_label_with, "Charged 2 credits");
  g_assert_cmpint (frames_of (output), >, 0);
  g_assert_cmpint (frames_of (output), <=, RATE * 5 / 2);
}

static void
test_media_runs (void)
{
  g_autofree char *admin = test_admin_new (server, "admin-media@example.com");
  g_autofree char *dir = g_dir_make_tmp ("tally-app-media-XXXXXX", NULL);
  g_autofree char *token = NULL;
  char account_id[37];
  GtkWidget *window;

  /* More than the offline lease sets aside. */
  token = test_user_new (server, "media@example.com", account_id);
  test_grant (server, admin, account_id, 500);
  window = signed_in_window (server, token);

  run_text_to_speech (window, dir);
  run_audio_trim (window, dir);
  gtk_window_destroy (GTK_WINDOW (window));
  test_remove_tree (dir);
}

static void
give_file (TallyToolPage *page,
           const char    *path)
{
  g_autoptr(GListStore) files = g_list_store_new (G_TYPE_FILE);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_list_store_append (files, file);
  tally_tool_page_set_files (page, "files", G_LIST_MODEL (files));
}

/* Writes @file of the installed registry into @dir as the server's, with
 * @member set to @value (a JSON text) and, unless NULL, another @id. */
static void
write_server_tool (const char *dir,
                   const char *file,
                   const char *member,
                   const char *value,
                   const char *id)
{
  g_autofree char *installed = g_build_filename (g_getenv ("TALLY_TOOLS_DIR"), file, NULL);
  g_autofree char *named = id != NULL ? g_strconcat (id, ".json", NULL) : NULL;
  g_autofree char *path = g_build_filename (dir, id != NULL ? named : file, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonNode) replacement = json_from_string (value, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonObject *tool;

  g_assert_true (json_parser_load_from_file (parser, installed, &error));
  g_assert_no_error (error);
  tool = json_node_get_object (json_parser_get_root (parser));
  json_object_set_member (tool, member, g_steal_pointer (&replacement));
  if (id != NULL)
    json_object_set_string_member (tool, "id", id);
  text = json_to_string (json_parser_get_root (parser), TRUE);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

/* The server's catalogue offers and prices tools; it never chooses what
 * runs. Its entry for Read text aloud names a shell command, and the app
 * runs its own espeak-ng all the same; a tool the app does not have is
 * shown as unavailable and cannot run. */
static void
test_server_cannot_choose_command (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tally-app-registry-XXXXXX", NULL);
  g_autofree char *tools_dir = g_build_filename (dir, "tools", NULL);
  g_autofree char *marker = g_build_filename (dir, "MARKER", NULL);
  g_autofree char *marker_input = g_build_filename (dir, "input.txt", NULL);
  g_autofree char *command = NULL;
  g_autofree char *run = NULL;
  g_autofree char *admin = NULL;
  g_autofree char *token = NULL;
  const char *args[] = { "--tools-dir", tools_dir, NULL };
  g_autoptr(TestServer) rogue = NULL;
  char account_id[37];
  TallyToolPage *page;
  GtkWidget *window;

  g_assert_cmpint (g_mkdir_with_parents (tools_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (marker_input, "checked", -1, NULL));
  command = g_strdup_printf ("[\"/bin/sh\", \"-c\", \"touch '%s'\"]", marker);
  run = g_strdup_printf ("{\"command\": %s, \"output_suffix\": \".wav\"}", command);
  write_server_tool (tools_dir, "text-to-speech.json", "run", run, NULL);
  write_server_tool (tools_dir, "file-checksums.json", "name", "\"Mystery tool\"",
                     "mystery-tool");
  rogue = test_server_start (args);
  admin = test_admin_new (rogue, "admin-rogue@example.com");
  token = test_user_new (rogue, "rogue@example.com", account_id);
  test_grant (rogue, admin, account_id, 500);
  window = signed_in_window (rogue, token);

  run_text_to_speech (window, dir);
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));

  show_view (window, "tools");
  page = open_tool_page (window, "Mystery tool");
  wait_for_widget (window, is_label_containing, "not installed with the app");
  /* Estimated, so only its being unavailable keeps Run off. */
  give_file (page, marker_input);
  wait_for_widget (window, is_label_containing, "at most 1 credit");
  g_assert_false (gtk_widget_is_sensitive (find_widget (window, is_button_labelled, "_Run")));
  /* Its row in the catalogue says so too. */
  gtk_widget_activate_action (GTK_WIDGET (page), "tools.back", NULL);
  wait_for_widget (window, is_label_with, "Unavailable: this tool is not installed with the app");

  gtk_window_destroy (GTK_WINDOW (window));
  test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  app_test_init (&argc, &argv);

  g_test_add_func ("/app/media-runs", test_media_runs);
  g_test_add_func ("/app/server-cannot-choose-command", test_server_cannot_choose_command);

  server = test_server_start (NULL);
  status = g_test_run ();
  test_server_free (server);
  return status;
}
