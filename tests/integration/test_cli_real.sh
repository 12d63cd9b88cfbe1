#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# xdpct's CLI against real sockets in network namespaces (see the script).
exec python3 "$(dirname "$0")/cli_real.py"
