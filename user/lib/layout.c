// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Does an attached instance hold this build's types?  Its maps are pinned
 * and outlive the binary that loaded them: read by another build of xdpct
 * whose struct moved a field (issue 14 reordered struct xdpct_flow and kept
 * its size), every entry would be misread, silently.  The kernel keeps each
 * map's key and value types as BTF, as the loading object described them;
 * this build's are in its own BPF object (the skeleton).  The two are
 * compared member by member: the maps' keys and values, and the structs
 * read from elsewhere (the ring buffer's events, the settings in .rodata),
 * found by name in the BTF the instance's object loaded.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "instance.h"
#include "layout.h"
#include "xdpct.skel.h"

#define LAYOUT_DEPTH 4		/* struct xdpct_flow -> dir[] -> struct xdpct_dir */

static bool same_type(const struct btf *a, __u32 ida, const struct btf *b, __u32 idb,
		      const char **where, int depth);

static bool same_members(const struct btf *a, const struct btf_type *ta, const struct btf *b,
			 const struct btf_type *tb, const char **where, int depth)
{
	const struct btf_member *ma = btf_members(ta), *mb = btf_members(tb);
	int i, n = btf_vlen(ta);

	if (n != btf_vlen(tb))
		return false;
	for (i = 0; i < n; i++) {
		const char *na = btf__name_by_offset(a, ma[i].name_off);
		const char *nb = btf__name_by_offset(b, mb[i].name_off);

		if (!na || !nb || strcmp(na, nb) ||
		    btf_member_bit_offset(ta, i) != btf_member_bit_offset(tb, i) ||
		    btf_member_bitfield_size(ta, i) != btf_member_bitfield_size(tb, i) ||
		    !same_type(a, ma[i].type, b, mb[i].type, where, depth + 1)) {
			if (!*where || !**where)
				*where = na ? na : "?";
			return false;
		}
	}
	return true;
}

/* Sizes always; structs, unions and arrays by their parts, LAYOUT_DEPTH deep. */
static bool same_type(const struct btf *a, __u32 ida, const struct btf *b, __u32 idb,
		      const char **where, int depth)
{
	const struct btf_type *ta, *tb;
	int ra = btf__resolve_type(a, ida), rb = btf__resolve_type(b, idb);

	if (ra < 0 || rb < 0 || btf__resolve_size(a, ra) != btf__resolve_size(b, rb))
		return false;
	if (depth > LAYOUT_DEPTH)
		return true;
	ta = btf__type_by_id(a, ra);
	tb = btf__type_by_id(b, rb);
	if (!ta || !tb || btf_kind(ta) != btf_kind(tb))
		return false;
	if (btf_is_composite(ta))
		return same_members(a, ta, b, tb, where, depth);
	if (btf_is_array(ta))
		return btf_array(ta)->nelems == btf_array(tb)->nelems &&
		       same_type(a, btf_array(ta)->type, b, btf_array(tb)->type, where, depth + 1);
	return true;
}

bool xdpct_btf_same_layout(const struct btf *a, __u32 ida, const struct btf *b, __u32 idb,
			   const char **where)
{
	*where = "";
	return same_type(a, ida, b, idb, where, 0);
}

/* The map's type (by its BTF id in kbtf) against this build's struct name. */
static int check_one(const struct btf *kbtf, __u32 kid, const struct btf *own, const char *name,
		     char *why, size_t len)
{
	int oid = btf__find_by_name_kind(own, name, BTF_KIND_STRUCT);
	const char *where = "";

	if (oid < 0)
		return -ENOENT;
	if (xdpct_btf_same_layout(kbtf, kid, own, oid, &where))
		return 0;
	snprintf(why, len, "struct %s differs%s%s", name, *where ? " at " : "", where);
	return -EPROTO;
}

/*
 * A map and the types this build gives it: its key and value, or (named) a
 * struct the BTF of the object that loaded it holds, which no map's key or
 * value is (the ring buffer's events, the configuration in .rodata: every
 * map of an object carries the object's whole BTF).
 */
struct layout_want {
	int fd;
	const char *key_type, *value_type, *named;
};

/* The last kernel BTF loaded: the named structs come from the same
 * object's BTF as the flow table, which is loaded once, not once a struct. */
struct btf_cache {
	__u32 id;
	struct btf *btf;
};

static struct btf *btf_cached(struct btf_cache *c, __u32 id)
{
	if (c->btf && c->id == id)
		return c->btf;
	btf__free(c->btf);
	c->btf = btf__load_from_kernel_by_id(id);
	c->id = c->btf ? id : 0;
	return c->btf;
}

/* One map against own (this build's BTF), as xdpct_map_layout_check(). */
static int map_check(const struct layout_want *w, const struct btf *own, struct btf_cache *c,
		     char *why, size_t len)
{
	const char *what = w->named ? w->named : w->key_type ? w->key_type : w->value_type;
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	struct btf *kbtf;
	int err, kid;

	if (w->fd < 0) {
		/* an instance of a build without this map */
		snprintf(why, len, "it has no map of struct %s", what);
		return -EPROTO;
	}
	if (bpf_obj_get_info_by_fd(w->fd, &info, &ilen))
		return -errno;
	if (!info.btf_id) {
		/* no types to compare: only the sizes can say, and only a value's */
		int vid = w->named ? -1 : btf__find_by_name_kind(own, w->value_type,
								  BTF_KIND_STRUCT);

		if (vid >= 0 && btf__resolve_size(own, vid) == info.value_size)
			return 0;
		snprintf(why, len, "struct %s differs in size or cannot be told", what);
		return -EPROTO;
	}
	kbtf = btf_cached(c, info.btf_id);
	if (!kbtf)
		return -errno ? -errno : -ENOENT;
	if (w->named) {
		kid = btf__find_by_name_kind(kbtf, w->named, BTF_KIND_STRUCT);
		if (kid < 0) {
			snprintf(why, len, "it has no struct %s", w->named);
			err = -EPROTO;
		} else {
			err = check_one(kbtf, kid, own, w->named, why, len);
		}
	} else {
		err = w->key_type ? check_one(kbtf, info.btf_key_type_id, own, w->key_type, why,
					      len) : 0;
		if (!err)
			err = check_one(kbtf, info.btf_value_type_id, own, w->value_type, why, len);
	}
	return err;
}

/* Each map against this build's BTF, from its BPF object opened (not loaded) once. */
static int check_maps(const struct layout_want *want, int n, char *why, size_t len)
{
	struct btf_cache cache = { 0, NULL };
	struct xdpct_bpf *skel;
	const struct btf *own;
	int err = 0, i;

	snprintf(why, len, "?");
	skel = xdpct_bpf__open();
	if (!skel)
		return -errno ? -errno : -ENOMEM;
	own = bpf_object__btf(skel->obj);
	if (!own)
		err = -ENOENT;
	for (i = 0; !err && i < n; i++)
		err = map_check(&want[i], own, &cache, why, len);
	btf__free(cache.btf);
	xdpct_bpf__destroy(skel);
	return err;
}

int xdpct_map_layout_check(int fd, const char *key_type, const char *value_type, char *why,
			   size_t len)
{
	const struct layout_want w = { fd, key_type, value_type, NULL };

	return check_maps(&w, 1, why, len);
}

int xdpct_btf_struct_check(int fd, const char *name, char *why, size_t len)
{
	const struct layout_want w = { fd, NULL, NULL, name };

	return check_maps(&w, 1, why, len);
}

int inst_layout_check(struct inst *in, char *why, size_t len)
{
	const struct layout_want w[] = {
		{ in->fd[I_FLOWS], "xdpct_flow_key4", "xdpct_flow", NULL },
		{ in->fd[I_FLOWS6], "xdpct_flow_key6", "xdpct_flow", NULL },
		{ in->fd[I_STATS], NULL, "xdpct_stats", NULL },
		{ in->fd[I_HIST], NULL, "xdpct_hist_set", NULL },
		/* what watch and export read from the ring buffer, and the
		 * settings every command reads (bpf/lib/maps.h keeps the
		 * event's type in the object's BTF) */
		{ in->fd[I_FLOWS], NULL, NULL, "xdpct_event" },
		{ in->fd[I_FLOWS], NULL, NULL, "xdpct_cfg" },
	};

	return check_maps(w, sizeof(w) / sizeof(w[0]), why, len);
}
