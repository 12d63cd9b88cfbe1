/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What this host must offer before xdpct loads anything. */
#ifndef XDPCT_ENV_H
#define XDPCT_ENV_H

#include <stdbool.h>

/* Root (if asked), kernel BTF, Linux 5.18+; false with the error printed. */
bool xdpct_check_env(bool need_root);

#endif /* XDPCT_ENV_H */
