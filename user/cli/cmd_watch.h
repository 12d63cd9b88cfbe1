/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What watch shares with run: the event loop. */
#ifndef XDPCT_CMD_WATCH_H
#define XDPCT_CMD_WATCH_H

#include "lib/instance.h"

/* SIGINT/SIGTERM end watch_loop() instead of the process */
void watch_signals_init(void);
/* Print events until a signal, max_events (0: no limit) or duration_s
 * (0: none).  Returns the exit code: 0, or 1 on a ring-buffer error. */
int watch_loop(struct inst *in, __u64 max_events, double duration_s);

#endif /* XDPCT_CMD_WATCH_H */
