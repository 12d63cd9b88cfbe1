#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Run test suites and count them one way:
#   scripts/run-tests.sh SUITE...
# A SUITE is a Criterion binary (build/tests/*/test_*), run with --tap, or a
# Python test (tests/*/test_*.py) that reports TAP through tests/lib/check.py.
# A suite passes when it exits 0, reports no "not ok", and its plan (1..N)
# matches the assertions it reported: a suite that stops early fails.  Each
# suite gets a line with its counts and time, then the totals, then
# "suites: N passed, M failed"; the exit status is non-zero on any failure.
#
# PYTHON: the interpreter for the Python suites (default Debian's, the one
# scripts/deps.sh installs).  SUITE_TIMEOUT: seconds per suite (600).
set -u
PYTHON=${PYTHON:-/usr/bin/python3}
SUITE_TIMEOUT=${SUITE_TIMEOUT:-600}
# Criterion suites whose tests share nothing (BPF_PROG_TEST_RUN on maps of
# their own, or only verifier loads: no netns, pin, attachment, fixed name
# or clock) run their tests on every CPU: most of their time is the
# verifier's walk of each test's datapath, which is CPU-bound.  The rest
# run one test at a time: the integration tests, and the suites that time
# two CPUs against each other (churn, concurrency, hazard, the table's
# hammer).  A new suite is serial until it is listed here.
PARALLEL_SUITES=" tests/bpf/test_verifier tests/bpf/test_syncookie_prog
	tests/bpf/test_datapath_close tests/bpf/test_datapath_handshake
	tests/bpf/test_datapath_window tests/bpf/test_datapath_rst
	tests/bpf/test_datapath_parser tests/bpf/test_datapath_integrity
	tests/bpf/test_datapath_midstream tests/bpf/test_datapath_hist
	tests/bpf/test_datapath_random tests/replay/test_replay "
tmp=$(mktemp -d /tmp/xdpct-tests.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

suites_ok=0 suites_bad=0 all_ok=0 all_bad=0 t_all=$(now_ms)
report=()
for s in "$@"; do
	name=${s#build/}
	tap=$tmp/tap
	: >"$tap"
	echo "=== $name"
	t0=$(now_ms)
	case $s in
	*.py)
		timeout -k 10 "$SUITE_TIMEOUT" "$PYTHON" "$s" | tee "$tap"
		rc=${PIPESTATUS[0]}
		;;
	*)
		jobs=1
		case " $(echo $PARALLEL_SUITES) " in *" $name "*) jobs=$(nproc) ;; esac
		timeout -k 10 "$SUITE_TIMEOUT" "$s" --jobs "$jobs" --tap="$tap"
		rc=$?
		;;
	esac
	ms=$(($(now_ms) - t0))
	ok=$(grep -c '^ok\b' "$tap")
	bad=$(grep -c '^not ok\b' "$tap")
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$tap" | tail -n 1)
	why=""
	[ "$rc" = 0 ] || why="exit $rc"
	[ "$rc" = 124 ] && why="timed out after $SUITE_TIMEOUT s"
	[ "$bad" = 0 ] || why="${why:+$why, }$bad failed"
	if [ -z "$plan" ]; then
		why="${why:+$why, }no plan (stopped early)"
	elif [ "$plan" != $((ok + bad)) ]; then
		why="${why:+$why, }planned $plan, reported $((ok + bad))"
	fi
	[ $((ok + bad)) -gt 0 ] || why="${why:+$why, }no assertion ran"
	bail=$(grep -m1 '^Bail out!' "$tap")
	[ -z "$bail" ] || why="${why:+$why, }${bail#Bail out! }"
	all_ok=$((all_ok + ok))
	all_bad=$((all_bad + bad))
	line=$(printf '%-44s %5d passed %3d failed %5d.%d s' "$name" "$ok" "$bad" \
		$((ms / 1000)) $((ms % 1000 / 100)))
	if [ -z "$why" ]; then
		suites_ok=$((suites_ok + 1))
		report+=("  $line")
	else
		suites_bad=$((suites_bad + 1))
		report+=("F $line: $why")
	fi
	echo "--- $line${why:+: FAILED: $why}"
done
ms=$(($(now_ms) - t_all))
echo
printf '%s\n' "${report[@]}"
echo "$((ms / 1000)) s in all; assertions: $all_ok passed, $all_bad failed"
echo "suites: $suites_ok passed, $suites_bad failed"
[ "$suites_bad" = 0 ]
