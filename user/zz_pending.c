// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* TEMPORARY during development: replaced by replay.c / bench.c. */
#include "xdpct.h"
#include "commands.h"

__attribute__((weak)) const char replay_help[] = "xdpct replay: not built\n";
__attribute__((weak)) const char bench_help[] = "xdpct bench: not built\n";
__attribute__((weak)) int cmd_replay(int argc, char **argv) { xdpct_err("replay: not built"); return 1; }
__attribute__((weak)) int cmd_bench(int argc, char **argv) { xdpct_err("bench: not built"); return 1; }
