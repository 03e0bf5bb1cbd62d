/* bench-window.h: what the app's benchmarks share: GTK without
 * animations, a mapped widget of a type, the process's memory
 *
 * Copyright 2026 The Tally developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* GTK and libadwaita, animations off so that frames come when drawn. */
void       bench_init_gtk     (void);
/* The first mapped widget of @type at or below @root, or NULL. */
GtkWidget *bench_find_mapped  (GtkWidget  *root,
                               GType       type);
/* A field of /proc/self/status in MB: "VmRSS:" or "VmHWM:"; 0 when unread. */
double     bench_memory_mb    (const char *field);

G_END_DECLS
