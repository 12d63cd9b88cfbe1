// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Every build of the datapath passes this kernel's verifier in every
 * configuration.  The configuration lives in .rodata and the verifier
 * prunes on it (dead branches are never walked), so each setting is a
 * different program to verify: all of them are loaded.
 *
 * Objects: the skeleton's (clang-16) and $(BUILD)/bpf/xdpct.clang14.bpf.o
 * (Debian's default compiler, BPF ISA v2).  $(BUILD)/bpf/xdpct.bpf.o, as make
 * keeps it, is checked to be the skeleton's bytes, not loaded again.  A
 * missing object fails its tests.
 *
 * Configurations: the handshake offload off (no completion, the default;
 * and with each completion set), always and auto, each with the reqsk and
 * the synproxy completion; each of those with the datapath switches in
 * the combinations of switches[] below.  Every program of the object is
 * loaded each time, the TC egress program xdpct_tc and the offloader's
 * xdpct_sc_tc and xdpct_sc_tick included (attach loads a subset of them).
 *
 * With --verbose each load logs what the verifier processed per program
 * (bpf_prog_info.verified_insns: the "processed N insns" of its log).
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include "harness.h"
#include "xdpct/cookie.h"
#include "xdpct.skel.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* the programs of the datapath object: each must be loaded */
static const char *const progs[] = {
	"xdpct_xdp", "xdpct_tc", "xdpct_sweep", "xdpct_arm", "xdpct_sc_tc", "xdpct_sc_tick",
};

/* The switches that change which code the verifier sees, other than the
 * offloader's: every combination of replay_clock and no_midstream with
 * drop_invalid+drop_window both off or both on, and drop_invalid alone. */
static const struct {
	__u8 replay_clock, drop_invalid, drop_window, no_midstream;
} switches[] = {
	{ 0, 0, 0, 0 }, { 1, 0, 0, 0 }, { 0, 1, 1, 0 }, { 1, 1, 1, 0 },
	{ 0, 0, 0, 1 }, { 1, 0, 0, 1 }, { 0, 1, 1, 1 }, { 1, 1, 1, 1 },
	{ 1, 1, 0, 0 },
};

static const char *const mode_names[] = {
	[XDPCT_SC_OFF] = "off", [XDPCT_SC_ALWAYS] = "always", [XDPCT_SC_AUTO] = "auto",
};
static const char *const completion_names[] = {
	[0] = "none", [XDPCT_SC_REQSK] = "reqsk", [XDPCT_SC_SYNPROXY] = "synproxy",
};

/* An object to load: the skeleton's ELF bytes, or a file in $(BUILD)/bpf. */
struct object {
	const char *what;
	const void *elf;
	size_t size;
	char path[PATH_MAX];
};

/* $(BUILD)/bpf/name: this binary is $(BUILD)/tests/bpf/test_verifier. */
static void object_file(struct object *o, const char *name)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	cr_assert(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	exe[n] = 0;
	snprintf(o->path, sizeof(o->path), "%s/../../bpf/%s", dirname(exe), name);
	o->what = name;
	o->elf = NULL;
	/* make keeps both (.SECONDARY): a missing one is a broken build */
	cr_assert(!access(o->path, R_OK), "%s missing: run `make test-build`", o->path);
}

static void object_skeleton(struct object *o)
{
	o->what = "skeleton (clang-16)";
	o->elf = xdpct_bpf__elf_bytes(&o->size);
	cr_assert(o->elf);
}

/* Put cfg where the object's `cfg` lives in .rodata (from its BTF). */
static int rodata_set(struct bpf_object *obj, const struct xdpct_cfg *cfg)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	struct bpf_map *m;
	char buf[4096];
	const void *init;
	size_t sz;
	int id, i;

	bpf_object__for_each_map(m, obj) {
		const char *n = bpf_map__name(m);

		if (strlen(n) >= 7 && !strcmp(n + strlen(n) - 7, ".rodata"))
			break;
	}
	if (!m || !btf)
		return -ENOENT;
	init = bpf_map__initial_value(m, &sz);
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (!init || id < 0 || sz > sizeof(buf))
		return -EINVAL;
	memcpy(buf, init, sz);
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);

		if (strcmp(btf__name_by_offset(btf, v->name_off), "cfg"))
			continue;
		if (vs->offset + sizeof(*cfg) > sz)
			return -EINVAL;
		memcpy(buf + vs->offset, cfg, sizeof(*cfg));
		return bpf_map__set_initial_value(m, buf, sz);
	}
	return -ENOENT;
}

/* One line per load: what the verifier processed for each program. */
static void log_insns(const char *what, struct bpf_object *obj)
{
	char line[512];
	int off = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(progs); i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, progs[i]);
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			continue;
		off += snprintf(line + off, sizeof(line) - off, " %s %u", progs[i],
				info.verified_insns);
		if (off >= (int)sizeof(line))
			break;
	}
	cr_log_info("%s:%s", what, line);
}

/* Load every program of o with cfg; the verifier must accept them all. */
static void load(const struct object *o, const struct xdpct_cfg *cfg, const char *what)
{
	struct bpf_object *obj;
	size_t i;
	int err;

	obj = o->elf ? bpf_object__open_mem(o->elf, o->size, NULL) :
		       bpf_object__open_file(o->path, NULL);
	cr_assert(obj, "%s: open failed: %s", what, strerror(errno));
	cr_assert_eq(rodata_set(obj, cfg), 0, "%s: cannot set cfg in .rodata", what);
	for (i = 0; i < ARRAY_SIZE(progs); i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, progs[i]);

		cr_assert(p, "%s: no program %s", what, progs[i]);
		cr_assert(bpf_program__autoload(p), "%s: %s not to be loaded", what, progs[i]);
	}
	err = bpf_object__load(obj);
	cr_assert(!err, "%s: the verifier said no (%d); its log is above", what, err);
	for (i = 0; i < ARRAY_SIZE(progs); i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, progs[i]);

		cr_assert(bpf_program__fd(p) >= 0, "%s: %s not loaded", what, progs[i]);
	}
	log_insns(what, obj);
	bpf_object__close(obj);
}

/* Every switch combination with this offloader mode and completion. */
static void load_sc(const struct object *o, __u8 mode, __u8 completion)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(switches); i++) {
		struct xdpct_cfg cfg;
		char what[256];

		h_default_cfg(&cfg);
		cfg.replay_clock = switches[i].replay_clock;
		cfg.drop_invalid = switches[i].drop_invalid;
		cfg.drop_window = switches[i].drop_window;
		cfg.no_midstream = switches[i].no_midstream;
		cfg.sc_mode = mode;
		cfg.sc_completion = completion;
		if (mode != XDPCT_SC_OFF) {
			/* as attach --syncookie sets them */
			cfg.sc_mss4 = 1460;
			cfg.sc_mss6 = 1440;
			cfg.sc_wscale = 7;
			cfg.sc_ttl = 64;
			cfg.sc_threshold = 1000;
		}
		snprintf(what, sizeof(what),
			 "%s syncookie %s/%s replay_clock %u drop_invalid %u drop_window %u "
			 "no_midstream %u", o->what, mode_names[mode], completion_names[completion],
			 cfg.replay_clock, cfg.drop_invalid, cfg.drop_window, cfg.no_midstream);
		load(o, &cfg, what);
	}
}

static void load_off(const struct object *o)
{
	load_sc(o, XDPCT_SC_OFF, 0);
	load_sc(o, XDPCT_SC_OFF, XDPCT_SC_REQSK);
	load_sc(o, XDPCT_SC_OFF, XDPCT_SC_SYNPROXY);
}

static void load_on(const struct object *o, __u8 mode)
{
	load_sc(o, mode, XDPCT_SC_REQSK);
	load_sc(o, mode, XDPCT_SC_SYNPROXY);
}

Test(verifier, clang16_skeleton_syncookie_off)
{
	struct object o;

	object_skeleton(&o);
	load_off(&o);
}

Test(verifier, clang16_skeleton_syncookie_always)
{
	struct object o;

	object_skeleton(&o);
	load_on(&o, XDPCT_SC_ALWAYS);
}

Test(verifier, clang16_skeleton_syncookie_auto)
{
	struct object o;

	object_skeleton(&o);
	load_on(&o, XDPCT_SC_AUTO);
}

/* make builds the skeleton from $(BUILD)/bpf/xdpct.bpf.o, and bpftool embeds
 * it byte for byte: the same bytes verify the same way, so the loads above
 * cover the file too.  Were the two ever to differ (another compiler or
 * flags, a linked object), this fails, and the file needs loads of its own. */
Test(verifier, clang16_object_is_the_skeleton)
{
	struct object o, skel;
	size_t n = 0;
	char *file;
	FILE *f;

	object_file(&o, "xdpct.bpf.o");
	object_skeleton(&skel);
	f = fopen(o.path, "rb");
	cr_assert(f, "%s: %s", o.path, strerror(errno));
	file = malloc(skel.size + 1);
	cr_assert(file);
	n = fread(file, 1, skel.size + 1, f);
	fclose(f);
	cr_expect_eq(n, skel.size, "%s is %zu bytes, the skeleton's object %zu", o.path, n,
		     skel.size);
	cr_expect(n == skel.size && !memcmp(file, skel.elf, n),
		  "%s is not the skeleton's object", o.path);
	free(file);
}

Test(verifier, clang14_object_syncookie_off)
{
	struct object o;

	object_file(&o, "xdpct.clang14.bpf.o");
	load_off(&o);
}

Test(verifier, clang14_object_syncookie_always)
{
	struct object o;

	object_file(&o, "xdpct.clang14.bpf.o");
	load_on(&o, XDPCT_SC_ALWAYS);
}

Test(verifier, clang14_object_syncookie_auto)
{
	struct object o;

	object_file(&o, "xdpct.clang14.bpf.o");
	load_on(&o, XDPCT_SC_AUTO);
}

/* The tests load xdpct_xdp frags-capable for short frames: that verifies too. */
Test(verifier, frags_capable)
{
	struct xdpct_bpf *s = xdpct_bpf__open();

	cr_assert(s);
	bpf_program__set_flags(s->progs.xdpct_xdp,
			       bpf_program__flags(s->progs.xdpct_xdp) | BPF_F_XDP_HAS_FRAGS);
	cr_assert(!xdpct_bpf__load(s));
	xdpct_bpf__destroy(s);
}
