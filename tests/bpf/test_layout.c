// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * An attached instance's maps against this build's types (user/lib/layout.c):
 * what `xdpct flows`, `top`, `stats`, `watch`, `export` and `exporter`
 * check before they read an instance another build may have loaded.  The
 * comparison on BTF built here, then real maps: the datapath's own (the
 * same build: accepted) and maps whose BTF describes another layout of
 * struct xdpct_flow (refused, naming where it differs); then the structs
 * no map's key or value is (struct xdpct_event, struct xdpct_cfg), found
 * by name in the loading object's BTF.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "harness.h"
#include "lib/instance.h"
#include "lib/layout.h"
#include "xdpct.skel.h"

/* struct name { int first; int second; } with second at second_bits */
static int add_pair(struct btf *b, const char *name, const char *first, const char *second,
		    __u32 second_bits, __u32 size)
{
	int i = btf__find_by_name_kind(b, "int", BTF_KIND_INT);
	int s;

	if (i < 0)
		i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	s = btf__add_struct(b, name, size);
	cr_assert(i > 0 && s > 0);
	cr_assert(!btf__add_field(b, first, i, 0, 0));
	cr_assert(!btf__add_field(b, second, i, second_bits, 0));
	return s;
}

Test(layout, btf_compare_names_offsets_sizes)
{
	struct btf *a = btf__new_empty(), *b = btf__new_empty();
	const char *where;
	int sa, s1, s2, s3, s4;

	cr_assert(a && b);
	sa = add_pair(a, "xdpct_flow", "lock", "tag", 32, 8);
	s1 = add_pair(b, "xdpct_flow", "lock", "tag", 32, 8);
	s2 = add_pair(b, "xdpct_flow", "tag", "lock", 32, 8);	/* fields swapped */
	s3 = add_pair(b, "xdpct_flow", "lock", "tag", 0, 8);	/* one moved */
	s4 = add_pair(b, "xdpct_flow", "lock", "tag", 32, 12);	/* size grew */
	cr_assert(xdpct_btf_same_layout(a, sa, b, s1, &where));
	cr_assert(!xdpct_btf_same_layout(a, sa, b, s2, &where));
	cr_assert_str_eq(where, "lock");
	cr_assert(!xdpct_btf_same_layout(a, sa, b, s3, &where));
	cr_assert_str_eq(where, "tag");
	cr_assert(!xdpct_btf_same_layout(a, sa, b, s4, &where));
	btf__free(a);
	btf__free(b);
}

/* struct outer { int pad; struct inner dir[2]; } where inner's second moves */
Test(layout, btf_compare_nested_arrays)
{
	struct btf *a = btf__new_empty(), *b = btf__new_empty();
	const char *where;
	int ia, ib, aa, ab, oa, ob, inta, intb;

	cr_assert(a && b);
	ia = add_pair(a, "xdpct_dir", "isn", "end", 32, 8);
	ib = add_pair(b, "xdpct_dir", "end", "isn", 32, 8);
	inta = btf__find_by_name_kind(a, "int", BTF_KIND_INT);
	intb = btf__find_by_name_kind(b, "int", BTF_KIND_INT);
	aa = btf__add_array(a, inta, ia, 2);
	ab = btf__add_array(b, intb, ib, 2);
	oa = btf__add_struct(a, "xdpct_flow", 20);
	cr_assert(!btf__add_field(a, "pad", inta, 0, 0));
	cr_assert(!btf__add_field(a, "dir", aa, 32, 0));
	ob = btf__add_struct(b, "xdpct_flow", 20);
	cr_assert(!btf__add_field(b, "pad", intb, 0, 0));
	cr_assert(!btf__add_field(b, "dir", ab, 32, 0));
	cr_assert(!xdpct_btf_same_layout(a, oa, b, ob, &where));
	cr_assert_str_eq(where, "isn", "the innermost differing member, got '%s'", where);
	btf__free(a);
	btf__free(b);
}

Test(layout, own_maps_accepted)
{
	static struct harness h;
	char why[128];

	cr_assert(!h_open(&h, NULL, 0));
	cr_assert_eq(xdpct_map_layout_check(h.flows_fd, "xdpct_flow_key4", "xdpct_flow", why,
					    sizeof(why)), 0, "%s", why);
	cr_assert_eq(xdpct_map_layout_check(h.flows6_fd, "xdpct_flow_key6", "xdpct_flow", why,
					    sizeof(why)), 0, "%s", why);
	h_close(&h);
}

/* A map whose BTF says struct xdpct_flow is 152 bytes of another layout. */
Test(layout, another_builds_map_refused)
{
	struct btf *b = btf__new_empty();
	char why[128];
	int s, i, fd;

	cr_assert(b);
	s = add_pair(b, "xdpct_flow", "lock", "tag", 32, 152);
	i = btf__find_by_name_kind(b, "int", BTF_KIND_INT);
	cr_assert(!btf__load_into_kernel(b));
	LIBBPF_OPTS(bpf_map_create_opts, o, .btf_fd = btf__fd(b), .btf_key_type_id = i,
		    .btf_value_type_id = s);
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "xdpct_flows", 4, 152, 1, &o);
	cr_assert(fd >= 0, "map: %s", strerror(errno));
	cr_assert_eq(xdpct_map_layout_check(fd, NULL, "xdpct_flow", why, sizeof(why)), -EPROTO);
	cr_assert(strstr(why, "struct xdpct_flow differs"), "%s", why);
	close(fd);
	btf__free(b);
}

/* The structs read from elsewhere than a map's key or value (the ring
 * buffer's events, the settings in .rodata), found by name in the BTF of
 * the object that loaded the map: this build's own datapath holds both. */
Test(layout, own_events_and_settings_accepted)
{
	static struct harness h;
	char why[128];

	cr_assert(!h_open(&h, NULL, 0));
	cr_assert_eq(xdpct_btf_struct_check(h.flows_fd, "xdpct_event", why, sizeof(why)), 0,
		     "%s", why);
	cr_assert_eq(xdpct_btf_struct_check(h.flows_fd, "xdpct_cfg", why, sizeof(why)), 0, "%s",
		     why);
	h_close(&h);
}

/* A test object of tests/bpf/progs/ (name.bpf.o), loaded; the caller closes it. */
static struct bpf_object *load_prog_obj(const char *name)
{
	struct bpf_object *obj;
	char exe[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	cr_assert(n > 0);
	exe[n] = 0;
	/* this binary is $(BUILD)/tests/bpf/test_layout */
	snprintf(path, sizeof(path), "%s/progs/%s.bpf.o", dirname(exe), name);
	obj = bpf_object__open_file(path, NULL);
	cr_assert(obj, "%s: %s", path, strerror(errno));
	cr_assert(!bpf_object__load(obj), "%s did not load", path);
	return obj;
}

static int obj_map_fd(struct bpf_object *obj, const char *map)
{
	int fd = bpf_map__fd(bpf_object__find_map_by_name(obj, map));

	cr_assert(fd >= 0, "no map %s", map);
	return fd;
}

/* tests/bpf/progs/other_build.bpf.c: its event is laid out otherwise,
 * and it has no settings struct at all. */
Test(layout, another_builds_events_and_settings_refused)
{
	struct bpf_object *obj = load_prog_obj("other_build");
	int fd = obj_map_fd(obj, "flows");
	char why[128];

	cr_assert_eq(xdpct_btf_struct_check(fd, "xdpct_event", why, sizeof(why)), -EPROTO);
	cr_assert(strstr(why, "struct xdpct_event differs"), "%s", why);
	cr_assert_eq(xdpct_btf_struct_check(fd, "xdpct_cfg", why, sizeof(why)), -EPROTO);
	cr_assert(strstr(why, "no struct xdpct_cfg"), "%s", why);
	bpf_object__close(obj);
}

/*
 * What every reader checks before it reads an instance (inst_layout_check()):
 * each of its parts, one at a time another build's in an instance that is
 * otherwise this build's, is refused and named.  Drop any one from the
 * check and its case here reads as this build's.
 */
Test(layout, instance_check_covers_every_part)
{
	static struct harness h;
	struct bpf_object *other = load_prog_obj("other_build");
	struct bpf_object *ev = load_prog_obj("other_build_event");
	struct bpf_object *cfg = load_prog_obj("other_build_cfg");
	const struct {
		int slot, fd;
		const char *says;
	} part[] = {
		{ I_FLOWS, obj_map_fd(other, "flows"), "struct xdpct_flow differs" },
		{ I_FLOWS6, obj_map_fd(other, "flows6"), "struct xdpct_flow differs" },
		{ I_STATS, obj_map_fd(other, "stats"), "struct xdpct_stats differs" },
		{ I_HIST, obj_map_fd(other, "hist"), "struct xdpct_hist_set differs" },
		{ I_FLOWS, obj_map_fd(ev, "flows"), "struct xdpct_event differs" },
		{ I_FLOWS, obj_map_fd(cfg, "flows"), "struct xdpct_cfg differs" },
		{ I_HIST, -1, "it has no map of struct xdpct_hist_set" },	/* an older build */
	};
	struct inst in;
	char why[128];
	unsigned int i;

	cr_assert(!h_open(&h, NULL, 0));
	inst_init(&in);
	in.fd[I_FLOWS] = h.flows_fd;
	in.fd[I_FLOWS6] = h.flows6_fd;
	in.fd[I_STATS] = h.stats_fd;
	in.fd[I_HIST] = bpf_map__fd(h.skel->maps.xdpct_hist);
	cr_assert_eq(inst_layout_check(&in, why, sizeof(why)), 0, "this build's: %s", why);
	for (i = 0; i < sizeof(part) / sizeof(part[0]); i++) {
		int own = in.fd[part[i].slot];

		in.fd[part[i].slot] = part[i].fd;
		cr_expect_eq(inst_layout_check(&in, why, sizeof(why)), -EPROTO,
			     "case %u (%s) accepted", i, part[i].says);
		cr_expect(strstr(why, part[i].says), "case %u: said \"%s\", not \"%s\"", i, why,
			  part[i].says);
		in.fd[part[i].slot] = own;
	}
	cr_assert_eq(inst_layout_check(&in, why, sizeof(why)), 0, "restored: %s", why);
	h_close(&h);
	bpf_object__close(cfg);
	bpf_object__close(ev);
	bpf_object__close(other);
}
