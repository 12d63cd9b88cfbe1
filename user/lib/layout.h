/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef XDPCT_USER_LAYOUT_H
#define XDPCT_USER_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct btf;

/*
 * Are struct a:ida and b:idb laid out alike: the same kind, size, member
 * names, offsets and sizes, nested structs and arrays included?  If not,
 * *where names the first member that differs (or the struct itself).
 */
bool xdpct_btf_same_layout(const struct btf *a, __u32 ida, const struct btf *b, __u32 idb,
			   const char **where);

/*
 * Does the map at fd hold this build's key and value types (key_type NULL:
 * no key to check), as this build's BPF object describes them?  0: yes, or
 * the map carries no BTF and its sizes match; -EPROTO: another layout, with
 * the differing member in why; another negative errno: could not tell.
 */
int xdpct_map_layout_check(int fd, const char *key_type, const char *value_type, char *why,
			   size_t len);

/*
 * Is struct name, as the object that loaded the map at fd describes it
 * (its BTF, whichever map carries it), laid out as this build's?  For the
 * structs no map's key or value is.  Returns as xdpct_map_layout_check();
 * an object without the struct is -EPROTO.
 */
int xdpct_btf_struct_check(int fd, const char *name, char *why, size_t len);

struct inst;

/* The instance's flow tables, counters, histograms, events and settings
 * against this build's (as above). */
int inst_layout_check(struct inst *in, char *why, size_t len);

#endif /* XDPCT_USER_LAYOUT_H */
