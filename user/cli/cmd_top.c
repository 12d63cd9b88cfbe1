// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct top: a live view of the instance with ncurses.  Rates come from the
 * counters and from the datapath's end-of-connection histograms (how many
 * ended, and how), percentiles from the same histograms, the busiest flows
 * from one walk of the table per refresh.  Reads no events: it can run
 * alongside watch, run or export.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curses.h>
#include <bpf/bpf.h>
#include "cmdline.h"
#include "commands.h"
#include "lib/clock.h"
#include "lib/format.h"
#include "lib/instance.h"
#include "lib/log.h"
#include "xdpct/hist.h"

static const char top_help[] =
"Usage: xdpct top [--delay S]\n"
"\n"
"A live terminal view of this network namespace's instance, refreshed every\n"
"S seconds (default 1):\n"
"  - endpoint transitions per second, packets per second;\n"
"  - connections opened, closed, reset, refused and expired per second (the\n"
"    ends as the datapath's histograms count them);\n"
"  - flow-table fill;\n"
"  - SYN->SYN-ACK and SYN-ACK->ACK percentiles (50, 90, 99) of the connections\n"
"    that ended since top started, from the log2 histograms: each figure is\n"
"    the upper edge of its bucket, a power of two nanoseconds;\n"
"  - the busiest flows by packets per second, with both endpoints' states.\n"
"Keys: q quits.  SIGINT and SIGTERM quit too, restoring the terminal.\n"
"\n"
"Options:\n"
"  -d, --delay S   seconds between refreshes (default 1, at least 0.1)\n"
"\n"
"Exit status: 0 on q or a signal; 1 nothing attached or no terminal; 2 bad usage.\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int top_opt(int opt, const char *arg, void *ctx)
{
	double *d = ctx;
	char *end;

	if (opt != 'd')
		return 0;
	errno = 0;
	*d = strtod(arg, &end);
	if (errno || *end || end == arg || !(*d >= 0.1) || *d > 3600) {
		xdpct_err("--delay '%s': want seconds from 0.1 to 3600", arg);
		return -1;
	}
	return 1;
}

/* ---- figures --------------------------------------------------------------- */

struct snapshot {
	struct xdpct_stats st;
	struct xdpct_hist h[XDPCT_END_MAX][XDPCT_H_KINDS];
	__u64 t_ns;
};

static void take(struct inst *in, struct snapshot *s)
{
	int e, k;

	inst_read_stats(in, &s->st);
	for (e = XDPCT_END_CLOSED; e < XDPCT_END_MAX; e++)
		for (k = 0; k < XDPCT_H_KINDS; k++)
			inst_read_hist(in, k, e, &s->h[e][k]);
	s->t_ns = xdpct_now_ns();
}

/* The p-th percentile of kind k over every end reason, between a and b:
 * the upper edge (ns) of the bucket that holds it; 0 when nothing. */
static __u64 percentile(const struct snapshot *a, const struct snapshot *b, int k, double p)
{
	__u64 n = 0, cum = 0, want;
	int e, i;

	for (e = XDPCT_END_CLOSED; e < XDPCT_END_MAX; e++)
		n += b->h[e][k].count - a->h[e][k].count;
	if (!n)
		return 0;
	want = (__u64)(p * n + 0.999999);
	if (!want)
		want = 1;
	for (i = 0; i < XDPCT_HIST_BUCKETS; i++) {
		for (e = XDPCT_END_CLOSED; e < XDPCT_END_MAX; e++)
			cum += b->h[e][k].bucket[i] - a->h[e][k].bucket[i];
		if (cum >= want)
			return 1ULL << i;
	}
	return 1ULL << (XDPCT_HIST_BUCKETS - 1);
}

static void fmt_ns(char *buf, size_t len, __u64 ns)
{
	if (!ns)
		snprintf(buf, len, "-");
	else if (ns < 1000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
}

/* ---- the busiest flows ------------------------------------------------------ */

struct seen {
	struct xdpct_flow_key k;
	__u32 gen;
	__u64 pkts, bytes;
	bool used;
};

struct busy {
	struct xdpct_flow_key k;
	struct xdpct_flow v;
	double pps, bps;
};

#define SEEN_SLOTS (1 << 17)
static struct seen *prev_seen, *cur_seen;

static __u64 key_hash(const struct xdpct_flow_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	__u64 h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static struct seen *slot(struct seen *tab, const struct xdpct_flow_key *k, bool add)
{
	__u64 h = key_hash(k);
	unsigned int i, s;

	for (i = 0; i < 64; i++) {
		s = (h + i) & (SEEN_SLOTS - 1);
		if (!tab[s].used) {
			if (!add)
				return NULL;
			tab[s].used = true;
			tab[s].k = *k;
			return &tab[s];
		}
		if (!memcmp(&tab[s].k, k, sizeof(*k)))
			return &tab[s];
	}
	return NULL;
}

struct busiest_walk {
	double dt;
	struct busy *top;
	int max, n;
};

/* One entry: remembered for next time, ranked by its rate since last time. */
static int busiest_one(void *ctx, const struct xdpct_flow_key *key, const struct xdpct_flow *v)
{
	struct busiest_walk *w = ctx;
	struct busy *top = w->top;
	struct seen *now, *was;
	__u64 p, b;
	double pps;
	int i, j;

	p = xdpct_flow_packets(v, 0) + xdpct_flow_packets(v, 1);
	b = xdpct_flow_bytes(v, 0) + xdpct_flow_bytes(v, 1);
	now = slot(cur_seen, key, true);
	if (now) {
		now->gen = v->gen;
		now->pkts = p;
		now->bytes = b;
	}
	was = slot(prev_seen, key, false);
	if (!was || was->gen != v->gen || was->pkts > p || w->dt <= 0)
		return 0;	/* new here: its rate next time */
	pps = (p - was->pkts) / w->dt;
	if (pps <= 0)
		return 0;
	for (i = 0; i < w->n && top[i].pps >= pps; i++)
		;
	if (i >= w->max)
		return 0;
	for (j = (w->n < w->max ? w->n : w->max - 1); j > i; j--)
		top[j] = top[j - 1];
	top[i].k = *key;
	top[i].v = *v;
	top[i].pps = pps;
	top[i].bps = (b - was->bytes) / w->dt;
	if (w->n < w->max)
		w->n++;
	return 0;
}

static int busiest(struct inst *in, double dt, struct busy *top, int max)
{
	struct busiest_walk w = { .dt = dt, .top = top, .max = max };
	struct flow_tables ft = inst_flow_tables(in);
	struct seen *t;

	memset(cur_seen, 0, SEEN_SLOTS * sizeof(*cur_seen));
	flow_table_each(&ft, busiest_one, &w);
	t = prev_seen;
	prev_seen = cur_seen;
	cur_seen = t;
	return w.n;
}

/* ---- the screen ------------------------------------------------------------- */

static void draw(struct inst *in, const struct snapshot *start, const struct snapshot *a,
		 const struct snapshot *b, struct busy *top, int ntop)
{
	double dt = (b->t_ns - a->t_ns) / 1e9;
	__u64 d[XDPCT_END_MAX] = { 0 };
	struct flow_counts fc;
	__u32 count = 0, max = 0;
	char p[2][3][16];
	int e, row, i, k, cols = COLS, bar;
	const double pct[3] = { 0.5, 0.9, 0.99 };

	if (dt <= 0)
		dt = 1;
	for (e = XDPCT_END_CLOSED; e < XDPCT_END_MAX; e++)
		d[e] = b->h[e][XDPCT_H_LIFETIME].count - a->h[e][XDPCT_H_LIFETIME].count;
	inst_flow_count(in, &fc);
	count = fc.n[0];		/* the IPv4 table; IPv6's after the bar */
	max = fc.max[0];
	for (k = 0; k < 2; k++)
		for (i = 0; i < 3; i++)
			fmt_ns(p[k][i], sizeof(p[k][i]), percentile(start, b, k, pct[i]));
	erase();
	attron(A_BOLD);
	mvprintw(0, 0, "xdpct top - every %.1f s - q quits", dt);
	attroff(A_BOLD);
	mvprintw(2, 0, "transitions/s %10.1f   packets/s %10.1f   events lost %llu", 
		 (b->st.c[XDPCT_STAT_TRANSITIONS] - a->st.c[XDPCT_STAT_TRANSITIONS]) / dt,
		 (b->st.c[XDPCT_STAT_PACKETS] - a->st.c[XDPCT_STAT_PACKETS]) / dt,
		 (unsigned long long)b->st.c[XDPCT_STAT_EVENTS_LOST]);
	mvprintw(3, 0, "connections/s  opened %8.1f  closed %8.1f  reset %8.1f  refused %8.1f"
		 "  expired %8.1f",
		 (b->st.c[XDPCT_STAT_FLOWS_CREATED] + b->st.c[XDPCT_STAT_FLOWS_REOPENED] -
		  a->st.c[XDPCT_STAT_FLOWS_CREATED] - a->st.c[XDPCT_STAT_FLOWS_REOPENED]) / dt,
		 d[XDPCT_END_CLOSED] / dt, d[XDPCT_END_RESET] / dt, d[XDPCT_END_REFUSED] / dt,
		 d[XDPCT_END_EXPIRED] / dt);
	bar = cols - 40 > 50 ? 50 : cols - 40 > 10 ? cols - 40 : 10;
	mvprintw(4, 0, "flow table     %u / %u (%.1f%%) [", count, max, max ? 100.0 * count / max : 0);
	for (i = 0; i < bar; i++)
		addch(max && i < (int)((__u64)bar * count / max) ? '#' : ' ');
	addch(']');
	printw("  IPv6 %u / %u", fc.n[1], fc.max[1]);
	mvprintw(5, 0, "handshake      SYN->SYN-ACK  p50 <=%-9s p90 <=%-9s p99 <=%-9s", p[0][0],
		 p[0][1], p[0][2]);
	mvprintw(6, 0, "               SYN-ACK->ACK  p50 <=%-9s p90 <=%-9s p99 <=%-9s", p[1][0],
		 p[1][1], p[1][2]);
	mvprintw(7, 0, "               (connections ended since top started: %llu)",
		 (unsigned long long)(b->h[XDPCT_END_CLOSED][XDPCT_H_LIFETIME].count +
				      b->h[XDPCT_END_RESET][XDPCT_H_LIFETIME].count +
				      b->h[XDPCT_END_REFUSED][XDPCT_H_LIFETIME].count +
				      b->h[XDPCT_END_EXPIRED][XDPCT_H_LIFETIME].count -
				      start->h[XDPCT_END_CLOSED][XDPCT_H_LIFETIME].count -
				      start->h[XDPCT_END_RESET][XDPCT_H_LIFETIME].count -
				      start->h[XDPCT_END_REFUSED][XDPCT_H_LIFETIME].count -
				      start->h[XDPCT_END_EXPIRED][XDPCT_H_LIFETIME].count));
	attron(A_REVERSE);
	mvprintw(9, 0, "%-46s %-12s %-12s %10s %12s", "CLIENT -> SERVER", "CLIENT", "SERVER",
		 "PKTS/S", "BYTES/S");
	attroff(A_REVERSE);
	for (i = 0, row = 10; i < ntop && row < LINES; i++, row++) {
		const struct busy *t = &top[i];
		int c = t->v.client & 1;
		char ca[48], sa[48], ep[96];
		__u32 a[4];

		xdpct_key_addr(&t->k, c, a);
		xdpct_addr_str(t->k.family, a, ca, sizeof(ca));
		xdpct_key_addr(&t->k, !c, a);
		xdpct_addr_str(t->k.family, a, sa, sizeof(sa));
		snprintf(ep, sizeof(ep), t->k.family == 6 ? "[%s]:%u -> [%s]:%u" : "%s:%u -> %s:%u",
			 ca, t->k.port[c], sa, t->k.port[!c]);
		mvprintw(row, 0, "%-46.46s %-12s %-12s %10.1f %12.1f", ep,
			 xdpct_state_name(t->v.state[c]), xdpct_state_name(t->v.state[!c]),
			 t->pps, t->bps);
	}
	if (!ntop)
		mvprintw(10, 0, "(no flow sent packets in the last interval)");
	refresh();
}

static int top_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	static struct snapshot start, a, b;
	static struct busy top[256];
	double delay = 1.0;
	struct inst in;
	int r, ntop = 0;

	r = open_attached(argc, argv, "d:", longopts, top_opt, &delay, &in);
	if (r)
		return r;
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		xdpct_err("top needs a terminal (for scripts: xdpct stats -j, flows -j)");
		inst_close(&in);
		return 1;
	}
	prev_seen = calloc(SEEN_SLOTS, sizeof(*prev_seen));
	cur_seen = calloc(SEEN_SLOTS, sizeof(*cur_seen));
	if (!prev_seen || !cur_seen) {
		xdpct_err("out of memory");
		inst_close(&in);
		return 1;
	}
	/* ours before initscr(): ncurses then leaves SIGINT/SIGTERM alone */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	initscr();
	cbreak();
	noecho();
	curs_set(0);
	keypad(stdscr, TRUE);
	timeout(100);
	take(&in, &start);
	a = start;
	b = start;
	busiest(&in, 0, top, 256);
	draw(&in, &start, &a, &b, top, 0);
	while (!stop) {
		int ch = getch();

		if (ch == 'q' || ch == 'Q')
			break;
		if (ch == KEY_RESIZE)
			draw(&in, &start, &a, &b, top, ntop);
		if (xdpct_now_ns() - b.t_ns < (__u64)(delay * 1e9))
			continue;
		a = b;
		take(&in, &b);
		ntop = busiest(&in, (b.t_ns - a.t_ns) / 1e9, top, LINES > 11 ? LINES - 10 : 1);
		draw(&in, &start, &a, &b, top, ntop);
	}
	endwin();
	free(prev_seen);
	free(cur_seen);
	inst_close(&in);
	return 0;
}

const struct command top_command = {
	"top", top_main, "A live terminal view: rates, table fill, busiest flows", top_help,
};
