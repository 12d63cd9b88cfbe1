#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# RFC 5961 blind injection against real connections (see the script).
exec python3 "$(dirname "$0")/injection.py"
