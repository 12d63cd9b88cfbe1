#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Run Criterion binaries and shell tests; print one summary line
# "N passed, N failed" and exit non-zero when anything failed.
set -u
pass=0
fail=0
failed=()
bins=()
shs=()
seen_sep=0
for a in "$@"; do
	if [ "$a" = "--" ]; then seen_sep=1; continue; fi
	if [ $seen_sep = 0 ]; then bins+=("$a"); else shs+=("$a"); fi
done
for b in "${bins[@]}"; do
	echo "=== $b"
	if "$b" --jobs 1 -q; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); failed+=("$b")
	fi
done
for s in "${shs[@]}"; do
	echo "=== $s"
	if timeout 600 bash "$s"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); failed+=("$s")
	fi
done
echo
[ ${#failed[@]} -gt 0 ] && printf 'FAILED: %s\n' "${failed[@]}"
echo "suites: $pass passed, $fail failed"
[ "$fail" = 0 ]
