// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A lookup in a per-CPU map returns one value per possible CPU, each
 * rounded up to 8 bytes (bpf_map_lookup_elem(2), BPF_MAP_TYPE_PERCPU_ARRAY);
 * with values made of __u64 counters that rounding never applies.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "percpu.h"

int percpu_sum(int map_fd, __u32 key, __u64 *sum, size_t n)
{
	int ncpu = libbpf_num_possible_cpus(), c, err = 0;
	__u64 *per;
	size_t i;

	memset(sum, 0, n * sizeof(*sum));
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	per = calloc((size_t)ncpu * n, sizeof(*per));
	if (!per)
		return -ENOMEM;
	if (bpf_map_lookup_elem(map_fd, &key, per))
		err = -errno;
	for (c = 0; !err && c < ncpu; c++)
		for (i = 0; i < n; i++)
			sum[i] += per[(size_t)c * n + i];
	free(per);
	return err;
}
