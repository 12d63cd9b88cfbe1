// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Where an instance pins its objects.
 *
 * `ip netns exec` runs every command in a fresh mount namespace with a new
 * /sys, so a bpffs mounted there vanishes with the command, and with it
 * the pins and the sweep timer (a timer needs a user reference: an fd or a
 * pin).  The bpffs of the nearest ancestor process in another mount
 * namespace (the shell that ran `ip netns exec`), reached through
 * /proc/PID/root, outlives them all, so it is used when this mount namespace
 * has none.  Pins are per network
 * namespace: <bpffs>/xdpct/ns<inode of /proc/self/ns/net>/.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "instance.h"

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	int ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 1, " %*c %d", &ppid);
	fclose(f);
	return ppid;
}

/* an ancestor's /sys/fs/bpf, seen through /proc/PID/root */
static const char *ancestor_bpffs(void)
{
	static char path[64];
	pid_t pid = getpid();
	int depth;

	for (depth = 0; depth < 32; depth++) {
		pid = parent_of(pid);
		if (pid <= 0)
			break;
		snprintf(path, sizeof(path), "/proc/%d/root/sys/fs/bpf", pid);
		if (is_bpffs(path))
			return path;
	}
	return NULL;
}

const char *xdpct_bpffs(bool mount_if_missing)
{
	const char *fs;

	if (is_bpffs("/sys/fs/bpf"))
		return "/sys/fs/bpf";
	fs = ancestor_bpffs();
	if (fs)
		return fs;
	if (!mount_if_missing)
		return NULL;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		xdpct_err("no bpffs at /sys/fs/bpf and mounting one failed: %s "
			  "(run 'mount -t bpf bpf /sys/fs/bpf')", strerror(errno));
		return NULL;
	}
	xdpct_warn("mounted bpffs at /sys/fs/bpf; if this mount namespace is "
		   "temporary (ip netns exec), expiry stops when xdpct exits "
		   "unless the host mounts bpffs too");
	return "/sys/fs/bpf";
}

int xdpct_pin_dir(char *buf, size_t len, bool mount_if_missing)
{
	const char *fs = xdpct_bpffs(mount_if_missing);
	struct stat st;

	if (!fs)
		return -ENOENT;
	if (stat("/proc/self/ns/net", &st))
		return -errno;
	snprintf(buf, len, "%s/xdpct/ns%llu", fs, (unsigned long long)st.st_ino);
	return 0;
}
