#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Bad input and rough lifecycles: each gets one clear line on stderr, the
# documented exit code, and leaves nothing attached or pinned behind.
set -u
cd "$(dirname "$0")/../.."
X=${XDPCT:-$PWD/build/xdpct}
NS=xerr-$$
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "  ok   $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL $*"; }

cleanup() {
	ip netns exec $NS "$X" detach --all >/dev/null 2>&1
	ip netns del $NS 2>/dev/null
}
trap cleanup EXIT

# expect RC PATTERN -- CMD...: exit code, one stderr line matching PATTERN
expect() {
	local rc=$1 pat=$2 out err got
	shift 3
	err=$(mktemp)
	out=$("$@" 2>"$err")
	got=$?
	if [ -z "$pat" ]; then
		# success: nothing on stderr
		if [ "$got" = "$rc" ] && [ ! -s "$err" ]; then
			ok "rc $got: $*"
		else
			bad "'$*': rc $got (want $rc), stderr: $(cat "$err")"
		fi
		rm -f "$err"
		return
	fi
	if [ "$got" = "$rc" ] && [ "$(wc -l <"$err")" -le 1 ] && grep -qE -- "$pat" "$err"; then
		ok "rc $got: $(head -c 120 "$err")"
	else
		bad "'$*': rc $got (want $rc), stderr: $(cat "$err") stdout: $out"
	fi
	rm -f "$err"
}

# nothing of xdpct is left in the namespace
nothing_left() {
	local what=$1
	if ip netns exec $NS "$X" status >/dev/null 2>&1; then
		bad "$what: an instance is still attached"; return
	fi
	if ip -n $NS link show v0 2>/dev/null | grep -q "prog/xdp"; then
		bad "$what: an XDP program is still on v0"; return
	fi
	if ip netns exec $NS tc filter show dev v0 egress 2>/dev/null | grep -q bpf; then
		bad "$what: a TC filter is still on v0"; return
	fi
	if ls /sys/fs/bpf/xdpct/ns"$(ip netns exec $NS stat -L -c %i /proc/self/ns/net)" \
		>/dev/null 2>&1; then
		bad "$what: pins left"; return
	fi
	ok "$what: nothing left"
}

ip netns add $NS
ip -n $NS link add v0 type veth peer name v1
ip -n $NS link set v0 up
ip -n $NS link set v1 up
IN="ip netns exec $NS"

echo "--- bad arguments (exit 2)"
expect 2 "unknown command" -- $X frobnicate
expect 2 "unknown option" -- $X --bogus
expect 2 "which interface" -- $IN $X attach
expect 2 "--flows 'abc'" -- $IN $X attach --flows abc v0
expect 2 "--mode 'fast'" -- $IN $X attach --mode fast v0
expect 2 "--timeout-syn '-1'" -- $IN $X attach --timeout-syn -1 v0
expect 2 "--ringbuf 5000" -- $IN $X attach --ringbuf 5000 v0
expect 2 "unknown option" -- $IN $X attach --frob v0
expect 2 "not a TCP state" -- $IN $X flows --state bogus
expect 2 "--src '1.2.3.4/40'" -- $IN $X flows --src 1.2.3.4/40
expect 2 "--port '70000'" -- $IN $X flows --port 70000
expect 2 "--count '0'" -- $IN $X watch --count 0
expect 2 "not both or neither" -- $IN $X detach
nothing_left "after bad arguments"

echo "--- environment"
expect 1 "no such interface" -- $IN $X attach nosuchif0
nothing_left "unknown interface"
expect 1 "must run as root" -- setpriv --reuid=65534 --regid=65534 --clear-groups $X attach v0
expect 1 "no BTF" -- unshare -m sh -c "mount -t tmpfs none /sys/kernel/btf && $X attach v0"
nothing_left "no BTF"
expect 1 "not attached" -- $IN $X detach v0
expect 1 "not attached" -- $IN $X flows
expect 1 "not attached" -- $IN $X watch --duration 1
out=$($IN $X -j attach nosuchif0 2>/dev/null)
if echo "$out" | grep -q '^{"error":".*no such interface'; then ok "JSON error object: $out"; else bad "JSON error: $out"; fi

echo "--- no native XDP (loopback): generic with a warning, or a clear error"
ip -n $NS link set lo up
expect 0 "warning: lo: no native XDP, attached in generic mode" -- $IN $X attach lo
if $IN $X status | grep -q "lo .*generic"; then ok "status shows generic mode"; else bad "status mode"; fi
expect 0 "" -- $IN $X detach --all
expect 1 "lo: attaching XDP failed: Operation not supported \(try --mode generic\)" -- $IN $X attach --mode native lo
nothing_left "native XDP refused"

echo "--- attach twice, detach twice"
expect 0 "" -- $IN $X attach --egress v0
expect 1 "already attached to v0" -- $IN $X attach v0
expect 0 "" -- $IN $X detach v0
expect 1 "not attached" -- $IN $X detach v0
nothing_left "attach, attach, detach, detach"

echo "--- status reports the handshake offload settings"
expect 0 "" -- $IN $X attach --syncookie 80,443 --syncookie-mode auto --syncookie-threshold 500 v0
st=$($IN $X status -j)
if echo "$st" | grep -q '"syncookie":{"mode":"auto","completion":"reqsk","threshold":500'; then
	ok "status -j syncookie settings"
else
	bad "status -j syncookie settings: $st"
fi
expect 2 "syncookie" -- $IN $X attach --syncookie 70000 v0
expect 0 "" -- $IN $X detach --all
nothing_left "syncookie attach/detach"

echo "--- a foreign XDP program is not replaced without --force"
ip -n $NS link set dev v0 xdpdrv obj build/tests/bpf/progs/xdp_pass.bpf.o sec xdp
expect 1 "did not load; --force" -- $IN $X attach v0
if ip -n $NS link show v0 | grep -q "foreign_pass"; then ok "foreign program still there"; else bad "foreign program replaced"; fi
expect 0 "" -- $IN $X attach --force v0
expect 0 "" -- $IN $X detach --all
nothing_left "--force then detach"

echo "--- bpffs missing in this mount namespace (as under ip netns exec)"
expect 0 "" -- $IN unshare -m sh -c "umount /sys/fs/bpf 2>/dev/null; $X attach v0"
if $IN $X status >/dev/null 2>&1; then ok "later command finds the instance"; else bad "instance not found after attach without bpffs"; fi
expect 0 "" -- $IN unshare -m sh -c "umount /sys/fs/bpf 2>/dev/null; $X detach --all"
nothing_left "attach/detach without a local bpffs"

echo "--- run: SIGINT and SIGTERM detach"
for sig in INT TERM; do
	$IN $X run v0 >/dev/null 2>&1 &
	pid=$!
	sleep 1.5
	kill -$sig $pid
	wait $pid
	rc=$?
	if [ $rc = 0 ]; then ok "run exits 0 on SIG$sig"; else bad "run rc $rc on SIG$sig"; fi
	nothing_left "run + SIG$sig"
done

echo "--- run: SIGKILL leaves nothing either (links die with the process)"
$IN $X run --egress v0 >/dev/null 2>&1 &
pid=$!
sleep 1.5
if $IN $X status >/dev/null 2>&1; then ok "other commands see run's instance"; else bad "status during run"; fi
expect 1 "already attached" -- $IN $X attach v0
kill -KILL $pid
wait $pid 2>/dev/null
sleep 0.5
nothing_left "run + SIGKILL"

echo "--- watch: SIGINT exits cleanly and leaves the instance"
$IN $X attach v0 >/dev/null
for sig in INT TERM KILL; do
	$IN $X watch >/dev/null 2>&1 &
	pid=$!
	sleep 1
	kill -$sig $pid
	wait $pid 2>/dev/null
	rc=$?
	if [ $sig = KILL ]; then
		[ $rc = 137 ] && ok "watch killed by SIGKILL" || bad "watch rc $rc on SIGKILL"
	else
		[ $rc = 0 ] && ok "watch exits 0 on SIG$sig" || bad "watch rc $rc on SIG$sig"
	fi
	$IN $X status >/dev/null 2>&1 && ok "instance still attached after watch SIG$sig" ||
		bad "instance gone after watch SIG$sig"
done
# a new watch after a killed one still reads events
$IN $X watch --duration 1 >/dev/null 2>&1 && ok "watch works after a killed one" || bad "watch after SIGKILL"

echo "--- the interface deleted while attached"
ip -n $NS link del v0
if $IN $X status | grep -q "interface gone"; then ok "status says the interface is gone"; else bad "status after interface deletion"; fi
expect 0 "" -- $IN $X detach --all
if ls /sys/fs/bpf/xdpct 2>/dev/null | grep -q .; then bad "pins left after deleted-interface detach: $(ls /sys/fs/bpf/xdpct)"; else ok "no pins left"; fi

echo "--- the network namespace deleted while attached"
NS2=xerr2-$$
ip netns add $NS2
ip -n $NS2 link add w0 type veth peer name w1
ip -n $NS2 link set w0 up
ip netns exec $NS2 $X attach --egress w0 >/dev/null
pid2=$(ip netns exec $NS2 $X status -j | sed 's/.*"xdp":\([0-9]*\).*/\1/')
ino2=$(ip netns exec $NS2 stat -L -c %i /proc/self/ns/net)
ip netns del $NS2
sleep 0.5
ip netns exec $NS $X status >/dev/null 2>&1
if [ -e /sys/fs/bpf/xdpct/ns$ino2 ]; then bad "pins of the deleted namespace left"; else ok "pins of the deleted namespace removed by the next command"; fi
sleep 0.5
if bpftool prog show id "$pid2" >/dev/null 2>&1; then bad "program $pid2 still loaded"; else ok "program $pid2 freed"; fi

echo "cli_errors: $pass passed, $fail failed"
[ $fail = 0 ]
