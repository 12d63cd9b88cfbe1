// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Both builds of the datapath pass this kernel's verifier: the clang-16
 * object (embedded in the skeleton, and build/xdpct.bpf.o when make kept
 * it) and build/xdpct.clang14.bpf.o (Debian's default compiler, built by
 * `make test-build`).  The configuration lives in .rodata and the verifier
 * prunes on it, so every switch is loaded on and off: each setting is a
 * different program to verify.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include "harness.h"
#include "xdpct.skel.h"

static const char *const progs[] = { "xdpct_xdp", "xdpct_tc", "xdpct_sweep", "xdpct_arm" };

/* The build directory: this binary is $(BUILD)/tests/test_verifier. */
static void build_path(char *out, size_t len, const char *name)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	cr_assert(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
	exe[n] = 0;
	snprintf(out, len, "%s/../../bpf/%s", dirname(exe), name);
}

/* Offset of the global `cfg` in .rodata, from the object's BTF. */
static int cfg_offset(struct bpf_object *obj)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	int id, i;

	if (!btf)
		return -ENOENT;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id < 0)
		return id;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);

		if (!strcmp(btf__name_by_offset(btf, var->name_off), "cfg"))
			return vs->offset;
	}
	return -ENOENT;
}

static int set_cfg(struct bpf_object *obj, const struct xdpct_cfg *cfg)
{
	struct bpf_map *m;
	size_t sz;
	const void *init;
	char buf[4096];
	int off;

	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);

		if (strlen(name) >= 7 && !strcmp(name + strlen(name) - 7, ".rodata"))
			break;
	}
	if (!m)
		return -ENOENT;
	init = bpf_map__initial_value(m, &sz);
	off = cfg_offset(obj);
	if (!init || off < 0 || sz > sizeof(buf) || off + sizeof(*cfg) > sz)
		return -EINVAL;
	memcpy(buf, init, sz);
	memcpy(buf + off, cfg, sizeof(*cfg));
	return bpf_map__set_initial_value(m, buf, sz);
}

static void print_insns(const char *what, struct bpf_object *obj)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			continue;
		cr_log_info("%s: %s: %u insns verified, %u xlated bytes", what,
			    bpf_program__name(p), info.verified_insns, info.xlated_prog_len);
	}
}

/* Load every program of obj with cfg; all must pass the verifier. */
static void load_all(struct bpf_object *obj, const char *what, const struct xdpct_cfg *cfg,
		     bool verbose)
{
	size_t i;
	int err;

	cr_assert(!set_cfg(obj, cfg), "%s: cannot set cfg in .rodata", what);
	err = bpf_object__load(obj);
	cr_assert(!err, "%s: the verifier rejected it (%d); run with the libbpf log", what, err);
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, progs[i]);

		cr_assert(p, "%s: no program %s", what, progs[i]);
		cr_assert(bpf_program__fd(p) >= 0, "%s: %s not loaded", what, progs[i]);
	}
	if (verbose)
		print_insns(what, obj);
}

/* The settings that change which code the verifier sees. */
static void cfgs(struct xdpct_cfg *c, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		h_default_cfg(&c[i]);
		c[i].replay_clock = i & 1;
		c[i].drop_invalid = !!(i & 2);
		c[i].drop_window = !!(i & 2);
		c[i].no_midstream = !!(i & 4);
	}
}

static void check_file(const char *name)
{
	struct xdpct_cfg c[8];
	char path[PATH_MAX];
	int i;

	build_path(path, sizeof(path), name);
	cr_assert(!access(path, R_OK), "%s missing: run `make test-build`", path);
	cfgs(c, 8);
	for (i = 0; i < 8; i++) {
		struct bpf_object *obj = bpf_object__open_file(path, NULL);

		cr_assert(obj, "%s: open failed: %s", path, strerror(errno));
		load_all(obj, name, &c[i], i == 0);
		bpf_object__close(obj);
	}
}

static void check_mem(const void *elf, size_t sz, const char *what)
{
	struct xdpct_cfg c[8];
	int i;

	cfgs(c, 8);
	for (i = 0; i < 8; i++) {
		struct bpf_object *obj = bpf_object__open_mem(elf, sz, NULL);

		cr_assert(obj, "%s: open failed", what);
		load_all(obj, what, &c[i], i == 0);
		bpf_object__close(obj);
	}
}

Test(verifier, clang16_skeleton)
{
	size_t sz;
	const void *elf = xdpct_bpf__elf_bytes(&sz);

	check_mem(elf, sz, "skeleton (clang-16)");
}

Test(verifier, clang16_object)
{
	char path[PATH_MAX];

	/* make deletes it as an intermediate unless told to keep it */
	build_path(path, sizeof(path), "xdpct.bpf.o");
	if (access(path, R_OK)) {
		cr_log_warn("%s not kept by make; the skeleton test covers it", path);
		return;
	}
	check_file("xdpct.bpf.o");
}

Test(verifier, clang14_object)
{
	check_file("xdpct.clang14.bpf.o");
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
