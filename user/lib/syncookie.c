// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Handshake offload (attach --syncookie): what the reqsk completion needs
 * of this host.  See bpf/lib/syncookie.h for what the datapath does,
 * include/xdpct/cookie.h for the cookies, datapath.c for the offloader's
 * key, programs and maps.
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "syncookie.h"
#include "sysctl.h"

#define SC_SYNCOOKIES	"/proc/sys/net/ipv4/tcp_syncookies"

bool sc_have_reqsk(void)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool ok;

	if (libbpf_get_error(btf))
		return false;
	ok = btf__find_by_name_kind(btf, "bpf_sk_assign_tcp_reqsk", BTF_KIND_FUNC) > 0;
	btf__free(btf);
	return ok;
}

int sc_reqsk_check(void)
{
	if (!sc_have_reqsk()) {
		xdpct_err("--syncookie-completion reqsk needs Linux 6.9 or newer "
			  "(bpf_sk_assign_tcp_reqsk); use --syncookie-completion synproxy");
		return -1;
	}
	if (sysctl_read(SC_SYNCOOKIES) == 0) {
		/* cookie_v4/v6_check(), which takes the request socket, runs only then */
		xdpct_err("--syncookie with reqsk completion needs net.ipv4.tcp_syncookies "
			  "= 1 or 2 (the kernel takes request sockets from BPF on its "
			  "SYN-cookie path): sysctl -w net.ipv4.tcp_syncookies=1");
		return -1;
	}
	return 0;
}
