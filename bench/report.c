// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdpct-bench: medians, ratios and targets, as a table or as JSON.
 * Every figure is the median of the repetitions, with min and max beside it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

static const char *const vnames[V_MAX] = {
	[V_CEILING] = "ceiling",
	[V_XDPCT] = "xdpct",
	[V_XDPCT_PASS] = "xdpct-pass",
	[V_KERNEL] = "kernel",
	[V_KERNEL_COOKIES] = "kernel-syncookies",
	[V_KERNEL_SYNPROXY] = "kernel-synproxy",
	[V_XDPCT_COOKIES] = "xdpct-syncookie",
	[V_LOOKUP] = "lookup",
	[V_FORWARD] = "forward",
	[V_REFLECTOR] = "reflector",
	[V_SELFTEST] = "selftest-synproxy",
};

static const char *const vhelp[V_MAX] = {
	[V_CEILING] = "XDP: parse the same headers, drop",
	[V_XDPCT] = "XDP: xdpct tracks, then drops",
	[V_XDPCT_PASS] = "XDP: xdpct tracks, passes; the kernel forwards (no conntrack)",
	[V_KERNEL] = "no tracking XDP; nf_conntrack + nft stateful rule, forwarding",
	[V_KERNEL_COOKIES] = "no tracking XDP; tcp_syncookies=2 and a listener",
	[V_KERNEL_SYNPROXY] = "no tracking XDP; nft synproxy and a listener",
	[V_XDPCT_COOKIES] = "XDP: xdpct answers every SYN to port 80 with a SYN cookie",
	[V_LOOKUP] = "XDP: parse, xdpct's 44-byte key, one lookup in a hash of the same\n"
		     "                     capacity and value size holding the same flows, write\n"
		     "                     the value, drop: the floor of any tracker",
	[V_FORWARD] = "no tracking XDP, no conntrack: the kernel forwards (the host\n"
		      "                     without a tracker, for xdpct-pass and kernel)",
	[V_REFLECTOR] = "XDP: SYN -> SYN-ACK in place, no cookie, no checks (the flood's limit)",
	[V_SELFTEST] = "XDP: the kernel selftest's xdp_synproxy approach, written anew "
		       "(bench/bpf/reflector.bpf.c)",
};

const char *variant_name(enum bench_variant v)
{
	return v < V_MAX ? vnames[v] : "?";
}

static const char *stage_name(__u32 s)
{
	static const char *const names[BENCH_STAGE_MAX] = {
		[BENCH_STAGE_PARSE] = "parse, count, options",
		[BENCH_STAGE_LOOKUP] = "+ key, flow lookup",
		[BENCH_STAGE_CLOCK] = "+ clock",
		[BENCH_STAGE_LOCK] = "+ entry lock/unlock",
		[BENCH_STAGE_FSM] = "+ state machine, counters",
		[BENCH_STAGE_SNAP] = "+ event snapshot",
		[BENCH_STAGE_ALL] = "+ report (whole datapath)",
	};

	return s < BENCH_STAGE_MAX ? names[s] : "?";
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
	double s[BENCH_MAX_SAMPLES];

	if (n <= 0)
		return 0;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return n & 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void minmax(const double *v, int n, double *lo, double *hi)
{
	int i;

	*lo = *hi = n ? v[0] : 0;
	for (i = 1; i < n; i++) {
		if (v[i] < *lo)
			*lo = v[i];
		if (v[i] > *hi)
			*hi = v[i];
	}
}

static const struct bench_row *find_row(const struct bench_report *r, const char *scen,
					__u32 flows, enum bench_variant v)
{
	int i;

	for (i = 0; i < r->nrows; i++)
		if (!strcmp(r->rows[i].scenario, scen) && r->rows[i].flows == flows &&
		    r->rows[i].variant == v && r->rows[i].n)
			return &r->rows[i];
	return NULL;
}

void bench_summarise(struct bench_report *r)
{
	int i, k;

	for (i = 0; i < r->nrows; i++) {
		struct bench_row *w = &r->rows[i];
		double pps[BENCH_MAX_SAMPLES] = {}, ns[BENCH_MAX_SAMPLES] = {};
		double cpu[BENCH_MAX_SAMPLES] = {};
		double sa[BENCH_MAX_SAMPLES] = {}, lg[BENCH_MAX_SAMPLES] = {};
		double tx[BENCH_MAX_SAMPLES] = {}, nsa[BENCH_MAX_SAMPLES] = {};
		double of[BENCH_MAX_SAMPLES] = {}, p5[BENCH_MAX_SAMPLES] = {};
		double p9[BENCH_MAX_SAMPLES] = {};

		w->legit = false;
		w->legit_fail = 0;
		for (k = 0; k < w->n; k++) {
			pps[k] = w->s[k].pps;
			ns[k] = w->s[k].ns_per_pkt;
			cpu[k] = w->s[k].cpu_pct;
			sa[k] = w->s[k].synack_pps;
			lg[k] = w->s[k].legit_cps;
			tx[k] = w->s[k].tx_pps;
			nsa[k] = w->s[k].ns_per_answer;
			of[k] = w->s[k].offered_pps;
			p5[k] = w->s[k].lat_p50_ms;
			p9[k] = w->s[k].lat_p99_ms;
			if (w->s[k].legit) {
				w->legit = true;
				w->legit_fail += w->s[k].legit_fail;
			}
		}
		w->med_legit = w->legit ? bench_median(lg, w->n) : 0;
		w->med_pps = bench_median(pps, w->n);
		minmax(pps, w->n, &w->min_pps, &w->max_pps);
		w->med_ns = bench_median(ns, w->n);
		w->med_cpu = bench_median(cpu, w->n);
		w->med_synack = bench_median(sa, w->n);
		w->med_tx = bench_median(tx, w->n);
		w->med_nsa = bench_median(nsa, w->n);
		w->med_offered = bench_median(of, w->n);
		w->med_p50 = bench_median(p5, w->n);
		w->med_p99 = bench_median(p9, w->n);
	}
	for (i = 0; i < r->nrows; i++) {
		struct bench_row *w = &r->rows[i];
		const struct bench_row *c = find_row(r, w->scenario, w->flows, V_CEILING);
		const struct bench_row *kr = find_row(r, w->scenario, w->flows, V_KERNEL);
		const struct bench_row *rf = find_row(r, w->scenario, w->flows, V_REFLECTOR);
		const struct bench_row *sf = find_row(r, w->scenario, w->flows, V_SELFTEST);
		const struct bench_row *kc = find_row(r, w->scenario, w->flows,
						      V_KERNEL_COOKIES);

		/* the flood's limit is a reflector, not a program that drops */
		if (rf)
			c = rf;
		/* answers per CPU-second: the inverse ratio of CPU ns per answer */
		w->r_refl = rf && rf->med_nsa > 0 && w->med_nsa > 0 ? rf->med_nsa / w->med_nsa : 0;
		w->r_self = sf && sf->med_nsa > 0 && w->med_nsa > 0 ? sf->med_nsa / w->med_nsa : 0;
		w->r_kcook = kc && kc->med_nsa > 0 && w->med_nsa > 0 ? kc->med_nsa / w->med_nsa : 0;

		if (!kr)
			kr = find_row(r, w->scenario, w->flows, V_KERNEL_COOKIES);
		w->r_ceiling = c && c->med_pps > 0 ? w->med_pps / c->med_pps : 0;
		w->r_kernel = kr && kr->med_pps > 0 ? w->med_pps / kr->med_pps : 0;
		w->extra_ns = c ? w->med_ns - c->med_ns : 0;
	}
	/* xdpct's ns over the ceiling against the floor's, where both were measured */
	for (i = 0; i < r->nrows; i++) {
		struct bench_row *w = &r->rows[i];
		const struct bench_row *l = find_row(r, w->scenario, w->flows, V_LOOKUP);

		w->r_lookup = 0;
		if (w->variant == V_XDPCT && l && l->extra_ns > 0 && find_row(r, w->scenario,
									w->flows, V_CEILING))
			w->r_lookup = w->extra_ns / l->extra_ns;
	}
}

static void fmt_ratio(char *buf, size_t len, double v)
{
	if (v > 0)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "-");
}

static const struct micro_result *find_micro(const struct bench_report *r,
					     enum micro_kind k, __u32 flows)
{
	int i;

	for (i = 0; i < r->nmicro; i++)
		if (r->micro[i].kind == k && (!flows || r->micro[i].flows == flows) &&
		    r->micro[i].n)
			return &r->micro[i];
	return NULL;
}

/* The targets, from this run's figures; *verdict: 1 met, 0 not, -1 unknown */
struct target {
	const char *what;
	char value[96];
	int verdict;
};

static void not_measured(struct target *t)
{
	snprintf(t->value, sizeof(t->value), "not measured in this run");
	t->verdict = -1;
}

/* more than targets() ever fills */
#define TARGETS_MAX 24

static int targets(const struct bench_report *r, struct target *t)
{
	static const __u32 sizes[] = { 1000, 100000, 1000000 };
	const struct bench_row *x1m, *c1m, *x1k, *c1k, *sx, *sc, *sk, *l1k, *l1m;
	const struct micro_result *w1k, *w1m;
	const struct bench_memory *m = NULL;
	int n = 0, i;

	x1m = find_row(r, "established", 1000000, V_XDPCT);
	c1m = find_row(r, "established", 1000000, V_CEILING);
	t[n].what = "established at 1M flows >= 80% of ceiling's packet rate";
	if (x1m && c1m && x1m->med_ns > 0) {
		/* rates move with whatever else runs on the core; CPU time per packet does not */
		double own = c1m->med_ns / x1m->med_ns;

		snprintf(t[n].value, sizeof(t[n].value),
			 "%.0f%% by CPU time per packet (%.0f%% by measured rate)", 100 * own,
			 100 * x1m->r_ceiling);
		t[n].verdict = own >= 0.8;
	} else {
		not_measured(&t[n]);
	}
	n++;

	sx = find_row(r, "synflood", 0, V_XDPCT_COOKIES);
	sc = find_row(r, "synflood", 0, V_CEILING);
	sk = find_row(r, "synflood", 0, V_KERNEL_COOKIES);
	t[n].what = "synflood answered >= 5x the kernel's SYN cookies";
	if (sx && sk && sk->med_synack > 0 && sx->med_ns > 0) {
		/* SYN-ACKs per SYN times SYNs per CPU-second, against the kernel's */
		double own = (sx->med_synack / sx->med_pps) / sx->med_ns /
			     ((sk->med_synack / sk->med_pps) / sk->med_ns);

		snprintf(t[n].value, sizeof(t[n].value),
			 "%.2fx by CPU time per answer (measured %.2f M/s against %.2f M/s)",
			 own, sx->med_synack / 1e6, sk->med_synack / 1e6);
		t[n].verdict = own >= 5;
	} else if (sk) {
		snprintf(t[n].value, sizeof(t[n].value),
			 "no XDP SYN-cookie offloader in this build (kernel answers %.2f M/s)",
			 sk->med_synack / 1e6);
		t[n].verdict = -1;
	} else {
		not_measured(&t[n]);
	}
	n++;
	t[n].what = "established 100K: nf_conntrack's cost over forward >= 2x xdpct-pass's";
	{
		const struct bench_row *fw = find_row(r, "established", 100000, V_FORWARD);
		const struct bench_row *xp = find_row(r, "established", 100000, V_XDPCT_PASS);
		const struct bench_row *kn = find_row(r, "established", 100000, V_KERNEL);

		if (fw && xp && kn && xp->med_ns > fw->med_ns) {
			double ratio = (kn->med_ns - fw->med_ns) / (xp->med_ns - fw->med_ns);

			snprintf(t[n].value, sizeof(t[n].value), "%.2fx (nf_conntrack %+.0f ns, "
				 "xdpct %+.0f ns per packet over forwarding)", ratio,
				 kn->med_ns - fw->med_ns, xp->med_ns - fw->med_ns);
			t[n].verdict = ratio >= 2;
		} else {
			not_measured(&t[n]);
		}
	}
	n++;
	t[n].what = "synflood answered at >= 70% of ceiling's rate";
	if (sx && sc && sx->med_ns > 0) {
		double own = (sx->med_synack / sx->med_pps) * sc->med_ns / sx->med_ns;

		snprintf(t[n].value, sizeof(t[n].value),
			 "%.0f%% by CPU time per packet (%.0f%% by measured rate)", 100 * own,
			 100 * sx->med_synack / sc->med_pps);
		t[n].verdict = own >= 0.7;
	} else {
		sx = find_row(r, "synflood", 0, V_XDPCT);
		if (sx && sc)
			snprintf(t[n].value, sizeof(t[n].value),
				 "no offloader: tracking the SYNs runs at %.0f%%", 100 * sx->r_ceiling);
		else
			snprintf(t[n].value, sizeof(t[n].value), "not measured in this run");
		t[n].verdict = -1;
	}
	n++;

	for (i = 0; i < (int)(sizeof(sizes) / sizeof(sizes[0])); i++) {
		const struct bench_row *x = find_row(r, "established", sizes[i], V_XDPCT);
		static const char *const what[] = {
			"established 1K flows: xdpct / lookup (ns over ceiling) <= 1.3",
			"established 100K flows: xdpct / lookup (ns over ceiling) <= 1.3",
			"established 1M flows: xdpct / lookup (ns over ceiling) <= 1.3",
		};

		t[n].what = what[i];
		if (x && x->r_lookup > 0) {
			const struct bench_row *l = find_row(r, "established", sizes[i], V_LOOKUP);

			snprintf(t[n].value, sizeof(t[n].value), "%.2f (xdpct %+.0f ns, lookup %+.0f ns)",
				 x->r_lookup, x->extra_ns, l->extra_ns);
			t[n].verdict = x->r_lookup <= 1.3;
		} else {
			not_measured(&t[n]);
		}
		n++;
	}

	/* issue 13: answers per CPU-second against the XDP baselines, in one run */
	{
		const struct bench_row *sxc = find_row(r, "synflood", 0, V_XDPCT_COOKIES);
		static const struct { const char *what; double min; int which; } g[3] = {
			{ "synflood xdpct-syncookie >= 0.8x reflector (answers/CPU-s)", 0.8, 0 },
			{ "synflood xdpct-syncookie >= 1.5x selftest's approach", 1.5, 1 },
			{ "synflood xdpct-syncookie >= 6x kernel SYN cookies", 6, 2 },
		};

		for (int k = 0; k < 3; k++) {
			double v = !sxc ? 0 : k == 0 ? sxc->r_refl : k == 1 ? sxc->r_self : sxc->r_kcook;

			t[n].what = g[k].what;
			if (v > 0) {
				snprintf(t[n].value, sizeof(t[n].value), "%.2fx (%.0f ns per answer)",
					 v, sxc->med_nsa);
				t[n].verdict = v >= g[k].min;
			} else {
				not_measured(&t[n]);
			}
			n++;
		}
		t[n].what = "synflood xdpct-syncookie XDP_TX = SYN-ACKs at the sink (1%)";
		if (sxc && sxc->med_tx > 0) {
			double d = sxc->med_synack / sxc->med_tx;

			snprintf(t[n].value, sizeof(t[n].value), "%.3f M/s sent, %.3f M/s seen",
				 sxc->med_tx / 1e6, sxc->med_synack / 1e6);
			t[n].verdict = d > 0.99 && d < 1.01;
		} else {
			not_measured(&t[n]);
		}
		n++;
	}

	for (i = 0; i < r->nmem; i++)
		if (r->mem[i].flows >= 1000000)
			m = &r->mem[i];
	t[n].what = "1M flows in <= 200 MiB of kernel memory (<= 200 B/flow)";
	if (m) {
		double per = (double)m->all_maps_bytes / m->flows;

		snprintf(t[n].value, sizeof(t[n].value), "%.1f MiB for %u flows (%.0f B/flow)",
			 m->all_maps_bytes / 1048576.0 * 1000000 / m->flows, m->flows, per);
		t[n].verdict = per <= 200 && m->all_maps_bytes / (double)m->flows * 1000000 <=
						 200.0 * 1048576;
	} else {
		not_measured(&t[n]);
	}
	n++;

	x1k = find_row(r, "established", 1000, V_XDPCT);
	c1k = find_row(r, "established", 1000, V_CEILING);
	w1k = find_micro(r, MICRO_ACK_WALK, 1000);
	w1m = find_micro(r, MICRO_ACK_WALK, 1000000);
	l1k = find_row(r, "established", 1000, V_LOOKUP);
	l1m = find_row(r, "established", 1000000, V_LOOKUP);
	t[n].what = "per-packet cost at 1M flows <= 1.5x that at 1K, lookup's growth removed";
	if (x1k && c1k && x1m && c1m && x1k->extra_ns > 0) {
		/* what the floor itself grows by is the hash's, not xdpct's */
		double grow = l1k && l1m ? l1m->extra_ns - l1k->extra_ns : 0;
		double live = (x1m->extra_ns - grow) / x1k->extra_ns;
		double micro = w1k && w1m ? bench_median((double *)w1m->ns, w1m->n) /
					    bench_median((double *)w1k->ns, w1k->n) : 0;

		snprintf(t[n].value, sizeof(t[n].value), "%.2fx live (%.2fx before removing "
			 "lookup's %+.0f ns), %.2fx micro", live, x1m->extra_ns / x1k->extra_ns,
			 grow, micro);
		t[n].verdict = live <= 1.5;
	} else {
		not_measured(&t[n]);
	}
	n++;
	return n;
}

void bench_print_table(FILE *f, const struct bench_report *r)
{
	struct target t[TARGETS_MAX];
	int i, j, nt;

	fprintf(f, "generator: %s, %d thread%s pinned to CPU", r->generator, r->threads,
		r->threads > 1 ? "s" : "");
	for (i = 0; i < r->threads; i++)
		fprintf(f, "%s%d", i ? "," : " ", r->cpus[i]);
	fprintf(f, "; %d x %.1f s per figure, median [min-max]\n", r->reps, r->duration);
	fprintf(f, "ns/pkt: CPU time of the generator threads (and their CPUs' ksoftirqd) "
		"per received packet:\n  generating + veth + receiving program + kernel path;"
		" +ceil: ns/pkt above the ceiling's;\nCPU%%: busy share of the generator cores "
		"(/proc/stat, all processes); x ceil / x kern: packet\nrate against the "
		"ceiling / kernel in the same run;\nlegit conn/s: a real client's connections "
		"completed through the flood per second\n(the listener's first byte received), "
		"failed: reset or no answer in 1 s, all repetitions\n\n");
	fprintf(f, "x lkup: xdpct's +ceil over the lookup baseline's +ceil (the floor)\n\n");
	fprintf(f, "%-12s %8s %-18s %8s %-17s %7s %6s %5s %6s %6s %6s %s\n", "scenario",
		"flows", "variant", "Mpps", "[min-max]", "ns/pkt", "+ceil", "CPU%", "x ceil",
		"x kern", "x lkup", "answered/s");
	for (i = 0; i < r->nrows; i++) {
		const struct bench_row *w = &r->rows[i];
		char fl[16], rc[16], rk[16], rl[16], mm[32], ans[64] = "";
		int na = 0;

		if (!w->n)
			continue;
		if (w->flows)
			snprintf(fl, sizeof(fl), "%u", w->flows);
		else
			snprintf(fl, sizeof(fl), "-");
		fmt_ratio(rc, sizeof(rc), w->r_ceiling);
		fmt_ratio(rk, sizeof(rk), w->r_kernel);
		fmt_ratio(rl, sizeof(rl), w->r_lookup);
		snprintf(mm, sizeof(mm), "[%.2f-%.2f]", w->min_pps / 1e6, w->max_pps / 1e6);
		if (w->med_synack > 0)
			na = snprintf(ans, sizeof(ans), "%.2fM SYN-ACK", w->med_synack / 1e6);
		if (w->legit)
			snprintf(ans + na, sizeof(ans) - na, "%s%.0f legit conn/s (%llu failed)",
				 na ? ", " : "", w->med_legit,
				 (unsigned long long)w->legit_fail);
		fprintf(f, "%-12s %8s %-18s %8.3f %-17s %7.0f %+6.0f %5.0f %6s %6s %6s %s%s%s\n",
			w->scenario, fl, variant_name(w->variant), w->med_pps / 1e6, mm,
			w->med_ns, w->extra_ns, w->med_cpu, rc, rk, rl, ans,
			w->note[0] ? "  " : "", w->note);
	}
	for (i = j = 0; i < r->nrows; i++) {
		const struct bench_row *w = &r->rows[i];
		char a[4][16];

		if (!w->n || w->med_synack <= 0)
			continue;
		if (!j++)
			fprintf(f, "\nSYN-ACKs (synflood): ns/answer = CPU time of the bench's own "
				"work per SYN-ACK seen at the sink;\nM/CPU-s = answers per busy "
				"CPU-second; x refl / x self / x kcook: that against the reflector,\n"
				"the selftest's approach and the kernel's cookies (same run); XDP_TX "
				"is the program's own count\n%-18s %9s %8s %9s %9s %7s %7s %7s\n",
				"variant", "ns/answer", "M/CPU-s", "sink M/s", "XDP_TX M/s",
				"x refl", "x self", "x kcook");
		fmt_ratio(a[0], sizeof(a[0]), w->r_refl);
		fmt_ratio(a[1], sizeof(a[1]), w->r_self);
		fmt_ratio(a[2], sizeof(a[2]), w->r_kcook);
		if (w->med_tx > 0)
			snprintf(a[3], sizeof(a[3]), "%.3f", w->med_tx / 1e6);
		else
			snprintf(a[3], sizeof(a[3]), "-");
		fprintf(f, "%-18s %9.0f %8.2f %9.3f %9s %7s %7s %7s\n", variant_name(w->variant),
			w->med_nsa, w->med_nsa > 0 ? 1e3 / w->med_nsa : 0, w->med_synack / 1e6,
			a[3], a[0], a[1], a[2]);
	}
	for (i = j = 0; i < r->nrows; i++) {
		const struct bench_row *w = &r->rows[i];
		double tot;

		if (!w->n || strcmp(w->scenario, "overload"))
			continue;
		if (!j++)
			fprintf(f, "\noverload: the flood paced (--offer) from the generator's own "
				"CPU, the receiver (threaded NAPI)\non the other; dropped = offered - "
				"received (the veth's ring, as a NIC's); legit: 8 real clients\nin the "
				"generator's namespace, connect to the listener's first byte, failed = "
				"no answer in 1 s\n%-18s %8s %8s %7s %9s %8s %7s %8s %8s\n", "variant", "offer M/s",
				"rcvd M/s", "dropped", "SYN-ACK/s", "legit/s", "failed", "p50 ms",
				"p99 ms");
		tot = w->med_legit * r->duration * w->n + w->legit_fail;
		fprintf(f, "%-18s %8.3f %8.3f %6.1f%% %8.2fM %8.0f %6.2f%% %8.2f %8.2f\n",
			variant_name(w->variant), w->med_offered / 1e6, w->med_pps / 1e6,
			w->med_offered > 0 ? 100.0 * (1 - w->med_pps / w->med_offered) : 0,
			w->med_synack / 1e6, w->med_legit,
			tot > 0 ? 100.0 * w->legit_fail / tot : 0, w->med_p50, w->med_p99);
	}
	fprintf(f, "\nvariants:\n");
	for (i = 0; i < V_MAX; i++)
		fprintf(f, "  %-18s %s\n", vnames[i], vhelp[i]);

	if (r->nmicro) {
		fprintf(f, "\nper-path micro-cost (BPF_PROG_TEST_RUN, ns/packet, empty program's "
			"time removed), median [min-max]:\n");
		for (i = 0; i < r->nmicro; i++) {
			const struct micro_result *m = &r->micro[i];
			double lo, hi;

			if (!m->n)
				continue;
			minmax(m->ns, m->n, &lo, &hi);
			fprintf(f, "  %-34s", micro_name(m->kind));
			if (m->kind == MICRO_ACK_WALK)
				fprintf(f, " (%7u flows)", m->flows);
			else
				fprintf(f, " %15s", "");
			fprintf(f, " %7.1f [%.1f-%.1f]\n", bench_median((double *)m->ns, m->n),
				lo, hi);
		}
	}
	if (r->nstages) {
		double prev1 = 0, prevw = 0;

		fprintf(f, "\nestablished ACK, cumulative by stage (BPF_PROG_TEST_RUN ns/packet, "
			"median of %d; +: this stage's own):\n",
			r->stages[0].n);
		fprintf(f, "  %-34s %16s %22s\n", "stage", "same flow",
			"flows in turn");
		for (i = 0; i < r->nstages; i++) {
			const struct bench_stage_ns *st = &r->stages[i];
			double o = bench_median((double *)st->one, st->n);
			double w = bench_median((double *)st->walk, st->n);

			fprintf(f, "  %-34s %7.1f (%+6.1f) %7.1f (%+6.1f) [%u]\n",
				stage_name(st->stage), o, o - prev1, w, w - prevw,
				r->stage_walk_flows);
			prev1 = o;
			prevw = w;
		}
	}
	if (r->nmem) {
		fprintf(f, "\nkernel memory (map fdinfo memlock / max_entries; "
			"nf_conntrack slab object for comparison):\n");
		for (j = 0; j < r->nmem; j++) {
			const struct bench_memory *m = &r->mem[j];

			fprintf(f, "  %8u flows: flow table %.1f MiB (%.0f B/flow), all xdpct maps "
				"%.1f MiB (%.0f B/flow)", m->flows, m->flow_map_bytes / 1048576.0,
				(double)m->flow_map_bytes / m->flows, m->all_maps_bytes / 1048576.0,
				(double)m->all_maps_bytes / m->flows);
			if (m->lookup_map_bytes)
				fprintf(f, "; lookup baseline's hash %.0f B/flow",
					(double)m->lookup_map_bytes / m->flows);
			if (m->conntrack_objsize > 0)
				fprintf(f, "; nf_conntrack %ld B/entry", m->conntrack_objsize);
			fprintf(f, "\n");
			if (m->hash44_bytes)
				fprintf(f, "            any hash of this capacity before its values "
					"(8-byte value): %.0f B/flow with xdpct's 44-byte key, "
					"%.0f B/flow with a 16-byte key\n",
					(double)m->hash44_bytes / m->flows,
					(double)m->hash16_bytes / m->flows);
		}
	}
	nt = targets(r, t);
	fprintf(f, "\ntargets:\n");
	for (i = 0; i < nt; i++)
		fprintf(f, "  [%s] %s: %s\n", t[i].verdict > 0 ? " met " :
			t[i].verdict == 0 ? "MISSED" : "  ?  ", t[i].what, t[i].value);
}

static void json_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6g", v);
	else
		fprintf(f, "null");
}

static void json_stat(FILE *f, const char *name, const double *v, int n)
{
	double lo, hi;

	minmax(v, n, &lo, &hi);
	fprintf(f, "\"%s\":{\"median\":", name);
	json_num(f, bench_median((double *)v, n));
	fprintf(f, ",\"min\":");
	json_num(f, lo);
	fprintf(f, ",\"max\":");
	json_num(f, hi);
	fprintf(f, ",\"samples\":[");
	for (int i = 0; i < n; i++) {
		fprintf(f, i ? "," : "");
		json_num(f, v[i]);
	}
	fprintf(f, "]}");
}

void bench_print_json(FILE *f, const struct bench_report *r)
{
	struct target t[TARGETS_MAX];
	int i, k, nt;

	fprintf(f, "{\"generator\":\"%s\",\"threads\":%d,\"cpus\":[", r->generator, r->threads);
	for (i = 0; i < r->threads; i++)
		fprintf(f, "%s%d", i ? "," : "", r->cpus[i]);
	fprintf(f, "],\"duration_s\":%.3f,\"repetitions\":%d,\"results\":[", r->duration, r->reps);
	for (i = 0, k = 0; i < r->nrows; i++) {
		const struct bench_row *w = &r->rows[i];
		double v[6][BENCH_MAX_SAMPLES];
		int s;

		if (!w->n)
			continue;
		for (s = 0; s < w->n; s++) {
			v[0][s] = w->s[s].pps;
			v[1][s] = w->s[s].ns_per_pkt;
			v[2][s] = w->s[s].cpu_pct;
			v[3][s] = w->s[s].synack_pps;
			v[4][s] = w->s[s].core_ns_per_pkt;
			v[5][s] = w->s[s].legit_cps;
		}
		fprintf(f, "%s{\"scenario\":\"%s\",\"variant\":\"%s\",\"flows\":%u,", k++ ? "," : "",
			w->scenario, variant_name(w->variant), w->flows);
		json_stat(f, "pps", v[0], w->n);
		fprintf(f, ",");
		json_stat(f, "ns_per_packet", v[1], w->n);
		fprintf(f, ",");
		json_stat(f, "cpu_percent", v[2], w->n);
		fprintf(f, ",");
		json_stat(f, "core_ns_per_packet", v[4], w->n);
		if (w->med_synack > 0) {
			fprintf(f, ",");
			json_stat(f, "synack_pps", v[3], w->n);
			fprintf(f, ",\"ns_per_answer\":");
			json_num(f, w->med_nsa);
			fprintf(f, ",\"xdp_tx_pps\":");
			json_num(f, w->med_tx);
			fprintf(f, ",\"ratio_reflector\":");
			json_num(f, w->r_refl);
			fprintf(f, ",\"ratio_selftest\":");
			json_num(f, w->r_self);
			fprintf(f, ",\"ratio_kernel_cookies\":");
			json_num(f, w->r_kcook);
		}
		if (w->legit) {
			/* real connections completed during the flood, and the ones that failed */
			fprintf(f, ",");
			json_stat(f, "legit_conn_per_s", v[5], w->n);
			fprintf(f, ",\"legit_failed\":%llu", (unsigned long long)w->legit_fail);
		}
		fprintf(f, ",\"ns_over_ceiling\":");
		json_num(f, w->extra_ns);
		fprintf(f, ",\"ratio_ceiling_ns\":");
		if (w->med_ns > 0 && w->r_ceiling > 0)
			json_num(f, (w->med_ns - w->extra_ns) / w->med_ns);
		else
			fprintf(f, "null");
		fprintf(f, ",\"ratio_ceiling\":");
		if (w->r_ceiling > 0)
			json_num(f, w->r_ceiling);
		else
			fprintf(f, "null");
		fprintf(f, ",\"ratio_lookup_over_ceiling\":");
		if (w->r_lookup > 0)
			json_num(f, w->r_lookup);
		else
			fprintf(f, "null");
		fprintf(f, ",\"ratio_kernel\":");
		if (w->r_kernel > 0)
			json_num(f, w->r_kernel);
		else
			fprintf(f, "null");
		fprintf(f, ",\"note\":\"%s\"}", w->note);
	}
	fprintf(f, "],\"micro_ns_per_packet\":[");
	for (i = 0, k = 0; i < r->nmicro; i++) {
		const struct micro_result *m = &r->micro[i];

		if (!m->n)
			continue;
		fprintf(f, "%s{\"path\":\"%s\",\"flows\":%u,", k++ ? "," : "", micro_name(m->kind),
			m->flows);
		json_stat(f, "ns", m->ns, m->n);
		fprintf(f, "}");
	}
	fprintf(f, "],\"memory\":[");
	for (i = 0; i < r->nmem; i++) {
		const struct bench_memory *m = &r->mem[i];

		fprintf(f, "%s{\"flows\":%u,\"flow_map_bytes\":%llu,\"all_maps_bytes\":%llu,"
			"\"bytes_per_flow\":%.1f,\"lookup_map_bytes\":%llu,"
			"\"hash_key44_value8_bytes\":%llu,\"hash_key16_value8_bytes\":%llu,"
			"\"nf_conntrack_object_bytes\":%ld}",
			i ? "," : "", m->flows, (unsigned long long)m->flow_map_bytes,
			(unsigned long long)m->all_maps_bytes,
			(double)m->all_maps_bytes / m->flows,
			(unsigned long long)m->lookup_map_bytes,
			(unsigned long long)m->hash44_bytes, (unsigned long long)m->hash16_bytes,
			m->conntrack_objsize);
	}
	fprintf(f, "],\"micro_stages\":[");
	for (i = 0; i < r->nstages; i++) {
		const struct bench_stage_ns *st = &r->stages[i];

		fprintf(f, "%s{\"stage\":\"%s\",\"walk_flows\":%u,", i ? "," : "",
			stage_name(st->stage), r->stage_walk_flows);
		json_stat(f, "same_flow_ns", st->one, st->n);
		fprintf(f, ",");
		json_stat(f, "flows_in_turn_ns", st->walk, st->n);
		fprintf(f, "}");
	}
	fprintf(f, "],\"targets\":[");
	nt = targets(r, t);
	for (i = 0; i < nt; i++)
		fprintf(f, "%s{\"target\":\"%s\",\"value\":\"%s\",\"met\":%s}", i ? "," : "",
			t[i].what, t[i].value,
			t[i].verdict > 0 ? "true" : t[i].verdict == 0 ? "false" : "null");
	fprintf(f, "]}\n");
}
