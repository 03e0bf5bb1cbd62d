/* fuzz-alert-settings.c: the body of PUT /v1/me/alerts
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fuzz-common.h"
#include "tally-alerts.h"

static void
check_time (const char *hhmm)
{
  fuzz_require (strlen (hhmm) == 5 && hhmm[2] == ':');
  fuzz_require (hhmm[0] >= '0' && hhmm[0] <= '2' && hhmm[3] >= '0' && hhmm[3] <= '5');
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_auto(TallyProblem) problem = TALLY_PROBLEM_INIT;
  g_autoptr(JsonObject) body = fuzz_parse_body (data, size, &problem);
  TallyAlertSettingsRequest request;
  TallyAlertSettings settings;

  if (body == NULL)
    return 0;

  if (!fuzz_check_outcome (tally_api_decode_alert_settings (body, &request, &problem), &problem))
    return 0;

  fuzz_require (request.n_thresholds <= TALLY_ALERT_THRESHOLDS_MAX);
  for (guint i = 0; i < request.n_thresholds; i++)
    fuzz_require (request.thresholds[i] >= 1 && request.thresholds[i] <= 100);
  fuzz_require (request.low_balance >= -1 && request.low_balance <= TALLY_API_AMOUNT_MAX);
  if (request.quiet_start[0] != '\0')
    {
      check_time (request.quiet_start);
      check_time (request.quiet_end);
    }

  /* What is merged stays sorted, each threshold once. */
  tally_alert_settings_init_defaults (&settings);
  tally_alerts_merge_settings (&settings, &request);
  for (guint i = 1; i < settings.n_thresholds; i++)
    fuzz_require (settings.thresholds[i - 1] < settings.thresholds[i]);
  return 0;
}
