#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# `run --syncookie-completion synproxy` killed by SIGKILL: its BPF links die
# with it, its iptables chains (XDPCT_SC_RAW, XDPCT_SC) and
# nf_conntrack_tcp_loose do not.  The next xdpct command of any kind in that
# network namespace must find them, see that their instance is gone, remove
# them and restore the sysctl; while the instance lives, no command may.
set -u
cd "$(dirname "$0")/../.."
X=${XDPCT:-$PWD/build/xdpct}
NS=xsynk-$$
LOOSE=/proc/sys/net/netfilter/nf_conntrack_tcp_loose
pass=0
fail=0
run_pid=

ok() { pass=$((pass + 1)); echo "  ok   $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL $*"; }

in_ns() { ip netns exec $NS "$@"; }

cleanup() {
	[ -n "$run_pid" ] && kill -KILL "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null
	in_ns "$X" detach --all >/dev/null 2>&1
	ip netns del $NS 2>/dev/null
}
trap cleanup EXIT

# wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds; 1 on timeout
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

# every XDPCT_SC* chain or jump of both families, both tables
xdpct_rules() {
	local t tool
	for tool in iptables ip6tables; do
		for t in raw filter; do
			in_ns $tool -w -t $t -S 2>/dev/null | grep XDPCT_SC
		done
	done
}
have_rules() { [ -n "$(xdpct_rules)" ]; }
# the XDP program is off v0 (asked of ip, not of xdpct: any xdpct command cleans up)
xdp_gone() { ! ip -n $NS link show v0 | grep -q "prog/xdp"; }
loose_is() { [ "$(in_ns cat $LOOSE)" = "$1" ]; }

ip netns add $NS || { echo "cannot create netns $NS"; exit 1; }
ip -n $NS link add v0 type veth peer name v1
ip -n $NS link set lo up
ip -n $NS link set v0 up
ip -n $NS link set v1 up
# nf_conntrack_tcp_loose exists once conntrack is loaded
modprobe nf_conntrack 2>/dev/null
in_ns sh -c "echo 1 > $LOOSE" || { echo "no $LOOSE: conntrack missing"; exit 1; }
tables_before=$(in_ns nft list tables 2>/dev/null)

# one round: start run, kill it, then NEXT (an xdpct command line) must clean up
round() {
	local next="$1" want_rc=$2 out rc
	echo "--- SIGKILL, then: xdpct $next"
	# not through in_ns: $! must be xdpct itself (ip netns exec execs it)
	ip netns exec $NS "$X" run --syncookie 8080 --syncookie-completion synproxy v0 \
		>/dev/null 2>&1 &
	run_pid=$!
	if ! wait_until 10 have_rules || ! wait_until 5 loose_is 0; then
		bad "run did not install its SYNPROXY rules and sysctl"
		return
	fi
	# a live instance keeps them, whatever runs meanwhile
	in_ns "$X" status >/dev/null 2>&1
	if have_rules && loose_is 0; then
		ok "a command while run lives leaves its rules alone"
	else
		bad "a command while run lives removed its rules"
	fi
	kill -KILL $run_pid
	wait $run_pid 2>/dev/null
	run_pid=
	# the kernel frees the killed process's links as it exits
	if ! wait_until 5 xdp_gone; then
		bad "the killed run's XDP link is still on v0"
		return
	fi
	have_rules && loose_is 0 && ok "SIGKILL left the rules and the sysctl (the case at hand)" ||
		bad "the rules went with the process: nothing left to test"
	out=$(in_ns "$X" $next 2>&1)
	rc=$?
	if [ $rc = $want_rc ]; then
		ok "xdpct $next: rc $rc"
	else
		bad "xdpct $next: rc $rc (want $want_rc): $out"
	fi
	if [ "$next" = status ]; then
		echo "$out" | grep -q "not attached" && ok "status says not attached" ||
			bad "status output: $out"
	fi
	if have_rules; then
		bad "XDPCT_SC* rules left after xdpct $next: $(xdpct_rules | tr '\n' ' ')"
	else
		ok "no XDPCT_SC* chain or jump left (iptables, ip6tables; raw, filter)"
	fi
	loose_is 1 && ok "nf_conntrack_tcp_loose back to 1" ||
		bad "nf_conntrack_tcp_loose is $(in_ns cat $LOOSE), want 1"
	[ "$(in_ns nft list tables 2>/dev/null)" = "$tables_before" ] &&
		ok "no table left that iptables made for the rules" ||
		bad "tables now: $(in_ns nft list tables | tr '\n' ' ')"
}

round status 1
round "flows" 1
round "attach v0" 0
in_ns "$X" detach --all >/dev/null 2>&1

echo "$pass passed, $fail failed"
[ $fail = 0 ]
