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
 * has none.  Pins are per network namespace:
 * <bpffs>/xdpct/ns<inode of /proc/self/ns/net>/<name> (names: instance.c).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include "log.h"
#include "pins.h"

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

/* is a network namespace with this inode still alive (a process in it, or
 * a bind mount under /run/netns)? */
static bool netns_alive(unsigned long long ino)
{
	static const char *const dirs[] = { "/proc", "/run/netns" };
	char path[PATH_MAX];
	struct dirent *d;
	struct stat st;
	unsigned i;

	for (i = 0; i < 2; i++) {
		DIR *dir = opendir(dirs[i]);

		if (!dir)
			continue;
		while ((d = readdir(dir))) {
			if (d->d_name[0] == '.')
				continue;
			if (i == 0 && (d->d_name[0] < '0' || d->d_name[0] > '9'))
				continue;
			snprintf(path, sizeof(path), i == 0 ? "/proc/%s/ns/net" : "/run/netns/%s",
				 d->d_name);
			if (!stat(path, &st) && st.st_ino == ino) {
				closedir(dir);
				return true;
			}
		}
		closedir(dir);
	}
	return false;
}

/*
 * A network namespace deleted while xdpct was attached in it takes the
 * attachments along, but the pins (and so the maps, programs and timer)
 * would stay: remove those of namespaces that no longer exist.
 */
void xdpct_gc_pins(void)
{
	const char *fs = xdpct_bpffs(false);
	char top[PATH_MAX], path[PATH_MAX + 300];
	struct dirent *d;
	DIR *dir;

	if (!fs)
		return;
	snprintf(top, sizeof(top), "%s/xdpct", fs);
	dir = opendir(top);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		unsigned long long ino;
		struct dirent *f;
		DIR *sub;

		if (sscanf(d->d_name, "ns%llu", &ino) != 1 || netns_alive(ino))
			continue;
		snprintf(path, sizeof(path), "%s/%s", top, d->d_name);
		sub = opendir(path);
		if (!sub)
			continue;
		while ((f = readdir(sub))) {
			char p2[sizeof(path) + 300];

			if (f->d_name[0] == '.')
				continue;
			snprintf(p2, sizeof(p2), "%s/%s", path, f->d_name);
			unlink(p2);
		}
		closedir(sub);
		if (!rmdir(path))
			xdpct_warn("removed the pins of deleted network namespace %s", d->d_name);
	}
	closedir(dir);
	rmdir(top);
}

int pins_open(const char *dir, const char *const names[], int fds[], int n)
{
	char path[PATH_MAX + 32];
	int i, found = 0;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		fds[i] = bpf_obj_get(path);
		found += fds[i] >= 0;
	}
	return found;
}

void pins_remove(const char *dir, const char *const names[], int n)
{
	char path[PATH_MAX + 32];
	int i;

	if (!dir[0])
		return;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
	/* the parent "xdpct" directory goes once no namespace uses it */
	snprintf(path, sizeof(path), "%s", dir);
	if (strrchr(path, '/')) {
		*strrchr(path, '/') = '\0';
		rmdir(path);
	}
}

int pins_write(const char *dir, const char *const names[], const int fds[], int n)
{
	char path[PATH_MAX + 32];
	int i;

	snprintf(path, sizeof(path), "%s", dir);
	*strrchr(path, '/') = '\0';
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (fds[i] >= 0 && bpf_obj_pin(fds[i], path)) {
			int err = -errno;

			pins_remove(dir, names, n);
			return err;
		}
	}
	return 0;
}
