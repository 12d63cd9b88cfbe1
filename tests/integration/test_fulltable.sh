#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# A full flow table under a SYN flood (see the script).
exec python3 "$(dirname "$0")/fulltable.py"
