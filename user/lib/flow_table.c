// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "flow_table.h"

static const __u8 table_family[2] = { 4, 6 };

static int table_of(const struct xdpct_flow_key *k)
{
	return k->family != 4;
}

/*
 * The kernel reads and writes only the table's key, a prefix of the whole
 * key (xdpct/flow.h): the rest, zeros and the family, is set once here.
 */
static void key_init(struct xdpct_flow_key *k, int t)
{
	memset(k, 0, sizeof(*k));
	k->family = table_family[t];
}

/* Both tables' keys (counted in n[table]); with fn, each value read under its lock. */
static int walk(const struct flow_tables *t, flow_table_fn fn, void *ctx, __u32 *n)
{
	struct xdpct_flow_key k, next;
	struct xdpct_flow v;
	int i, r;

	for (i = 0; i < 2; i++) {
		void *prev = NULL;

		if (t->fd[i] < 0)
			return -EBADF;
		key_init(&k, i);
		key_init(&next, i);
		while (!bpf_map_get_next_key(t->fd[i], prev, &next)) {
			k = next;
			prev = &k;
			if (!fn) {
				n[i]++;
				continue;
			}
			if (bpf_map_lookup_elem_flags(t->fd[i], &k, &v, BPF_F_LOCK))
				continue;	/* deleted meanwhile */
			r = fn(ctx, &k, &v);
			if (r)
				return r;
		}
	}
	return 0;
}

int flow_table_each(const struct flow_tables *t, flow_table_fn fn, void *ctx)
{
	return walk(t, fn, ctx, NULL);
}

int flow_table_lookup(const struct flow_tables *t, const struct xdpct_flow_key *k,
		      struct xdpct_flow *v)
{
	int fd = t->fd[table_of(k)];

	if (fd < 0)
		return -EBADF;
	return bpf_map_lookup_elem_flags(fd, k, v, BPF_F_LOCK) ? -errno : 0;
}

int flow_table_count(const struct flow_tables *t, struct flow_counts *c)
{
	int i, err;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < 2; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (t->fd[i] < 0 || bpf_obj_get_info_by_fd(t->fd[i], &info, &len))
			return -EBADF;
		c->max[i] = info.max_entries;
	}
	err = walk(t, NULL, NULL, c->n);
	if (err)
		memset(c, 0, sizeof(*c));
	return err;
}
