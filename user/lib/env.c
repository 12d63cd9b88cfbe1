// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The host checks every loading command makes first, each with its fix. */
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "env.h"
#include "log.h"

bool xdpct_check_env(bool need_root)
{
	struct utsname u;
	int maj = 0, min = 0;

	if (need_root && geteuid() != 0) {
		xdpct_err("must run as root (CAP_BPF, CAP_NET_ADMIN): try sudo");
		return false;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		xdpct_err("kernel has no BTF (/sys/kernel/btf/vmlinux missing): "
			  "xdpct needs CONFIG_DEBUG_INFO_BTF=y");
		return false;
	}
	if (!uname(&u) && sscanf(u.release, "%d.%d", &maj, &min) == 2 &&
	    (maj < 5 || (maj == 5 && min < 18))) {
		xdpct_err("kernel %s is too old: xdpct needs Linux 5.18 or newer "
			  "(bpf_loop, bpf_xdp_load_bytes, BPF timers)", u.release);
		return false;
	}
	return true;
}
