// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One number in a /proc/sys (or /sys) file, read or written. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "sysctl.h"

long sysctl_read(const char *path)
{
	char buf[64];
	FILE *f = fopen(path, "r");
	char *end;
	long v = -1;

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f)) {
		v = strtol(buf, &end, 10);
		if (end == buf)
			v = -1;
	}
	fclose(f);
	return v;
}

int sysctl_write(const char *path, unsigned long v)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f)
		return -errno;
	err = fprintf(f, "%lu\n", v) < 0 ? -EIO : 0;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}
