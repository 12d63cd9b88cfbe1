#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Handshake offload (attach --syncookie) against real sockets, SYN floods and
# forged ACKs in network namespaces; both completion modes (see the script).
exec python3 "$(dirname "$0")/syncookie.py" "$@"
