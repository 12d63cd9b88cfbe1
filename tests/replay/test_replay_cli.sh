#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# xdpct replay from the command line: output formats, the summary, exit
# codes and messages for bad input.  The transitions themselves are checked
# capture by capture in tests/test_replay.c.
#
# Binary: $XDPCT, else $BUILD/xdpct, else build/xdpct (from the repo root).
# Captures: $XDPCT_CAPTURES, else ../shared/captures; missing ones fail.
set -u
cd "$(dirname "$0")/../.."
X=${XDPCT:-${BUILD:-build}/xdpct}
CAP=${XDPCT_CAPTURES:-../shared/captures}
T=$(mktemp -d /tmp/xdpct-replay-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0

exec 3>&1	# results go here even when a check's own output is redirected
ok()   { echo "ok   $*" >&3; }
fail() { echo "FAIL $*" >&3; fails=$((fails + 1)); }
# check "what" command...: passes when the command succeeds
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

[ -x "$X" ] || { echo "FAIL no binary at $X (make, or set XDPCT)"; exit 1; }
[ -f "$CAP/tcpdump-dns-tcp.pcap" ] || { echo "FAIL captures missing at $CAP"; exit 1; }
command -v jq >/dev/null || { echo "FAIL jq is needed (make deps)"; exit 1; }

run() {	# run ARGS...: sets rc, out (stdout file), err (stderr file)
	"$X" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# --- help and usage -------------------------------------------------------
run replay --help
check "--help exits 0" [ "$rc" = 0 ]
check "--help documents exit status and JSON" grep -q "EXIT STATUS" "$T/out"
check "--help documents the summary object" grep -q '"summary"' "$T/out"
run replay
check "no FILE: exit 2" [ "$rc" = 2 ]
check "no FILE: says so" grep -q "which capture" "$T/err"
run replay "$CAP/tcpdump-dns-tcp.pcap" "$CAP/zeek-http-get.pcap"
check "two FILEs: exit 2" [ "$rc" = 2 ]
run replay --bogus "$CAP/tcpdump-dns-tcp.pcap"
check "unknown option: exit 2" [ "$rc" = 2 ]
check "unknown option: named" grep -q -- "--bogus" "$T/err"
run replay --timeout-time-wait -3 "$CAP/tcpdump-dns-tcp.pcap"
check "bad timeout: exit 2" [ "$rc" = 2 ]
check "bad timeout: named" grep -q "timeout-time-wait" "$T/err"

# --- fatal errors: exit 1, one clear line ---------------------------------
run replay "$T/none.pcap"
check "missing file: exit 1" [ "$rc" = 1 ]
check "missing file: says so" grep -q "none.pcap: No such file" "$T/err"
echo "just text" >"$T/text.pcap"
run replay "$T/text.pcap"
check "not a capture: exit 1" [ "$rc" = 1 ]
check "not a capture: says so" grep -q "text.pcap" "$T/err"
# the same capture declared 802.11 (link type 105): byte 20 of the header
cp "$CAP/tcpdump-dns-tcp.pcap" "$T/wifi.pcap"
printf '\x69' | dd of="$T/wifi.pcap" bs=1 seek=20 conv=notrunc status=none
run replay "$T/wifi.pcap"
check "unsupported link type: exit 1" [ "$rc" = 1 ]
check "unsupported link type: says which" grep -q "link type 105.*not supported" "$T/err"

# --- text output ----------------------------------------------------------
run replay "$CAP/tcpdump-dns-tcp.pcap"
check "text: exit 0" [ "$rc" = 0 ]
check "text: 10 transitions" [ "$(grep -c -- ' -> .*\[' "$T/out")" = 10 ]
check "text: handshake line" grep -q "handshake done" "$T/out"
check "text: summary on stderr" grep -q "replay: 11 packets (11 tcp, 0 other), 0 skipped, 10 transitions" "$T/err"
run replay -q --flows "$CAP/tcpdump-dns-tcp.pcap"
check "-q: no summary" [ ! -s "$T/err" ]
check "--flows: the table" grep -q "TIME_WAIT *CLOSED" "$T/out"

# --- JSON -----------------------------------------------------------------
run replay -j --flows "$CAP/tcpdump-dns-tcp.pcap"
check "json: exit 0" [ "$rc" = 0 ]
check "json: every stdout line is JSON" jq -e . "$T/out" >/dev/null
check "json: 10 transition objects" [ "$(jq -c 'select(type=="object" and .event=="transition")' "$T/out" | wc -l)" = 10 ]
check "json: watch fields" jq -e -s '[.[] | select(type=="object" and .event=="transition") | has("ts_ns") and has("family") and has("vlan") and has("side") and has("from") and has("to") and (.client|has("addr") and has("port")) and (.server|has("addr") and has("port"))] | length == 10 and all' "$T/out" >/dev/null
check "json: last line is the flow array" bash -c "tail -n1 '$T/out' | jq -e 'type==\"array\" and length==1 and .[0].client.state==\"TIME_WAIT\" and .[0].server.state==\"CLOSED\"' >/dev/null"
check "json: summary object on stderr" bash -c "tail -n1 '$T/err' | jq -e '.summary.packets==11 and .summary.transitions==10 and .summary.flows==1 and .summary.skipped==0' >/dev/null"
run -j replay "$CAP/tcpdump-dns-tcp.pcap"
check "global -j works for replay" jq -e -s '[.[] | select(.event=="transition")] | length == 10' "$T/out" >/dev/null

# --- attach options -------------------------------------------------------
run replay -j --flows 64 --flows "$CAP/suricata-syn-flood-200.pcap"
check "--flows 64 sizes the table" bash -c "tail -n1 '$T/out' | jq -e 'length==64' >/dev/null"
check "evictions reported" [ "$(jq -c 'select(type=="object" and .event=="expired" and .reason=="evicted")' "$T/out" | wc -l)" = 136 ]
run replay -j --flows=64 "$CAP/suricata-syn-flood-200.pcap"
check "--flows=64 sizes without printing" bash -c "! tail -n1 '$T/out' | jq -e 'type==\"array\"' >/dev/null 2>&1"
check "--flows=64: 64 flows in the summary" bash -c "tail -n1 '$T/err' | jq -e '.summary.flows==64' >/dev/null"
run replay -j --strip-vlan "$CAP/suricata-syn-retransmit-vlan.pcap"
check "--strip-vlan: one connection, closed" [ "$(jq -c 'select(.event=="closed")' "$T/out" | wc -l)" = 1 ]
run replay -j --syncookie 443 "$CAP/suricata-syn-flood-200.pcap"
check "--syncookie: 200 SYN-ACKs in the summary" bash -c "tail -n1 '$T/err' | jq -e '.summary.syncookie.synack_sent==200 and .summary.flows==0' >/dev/null"
run replay --syncookie 22 "$CAP/zeek-ssh-one-sided.pcap"
check "--syncookie: text summary" grep -q "syncookie: 22 SYNs to protected ports, 22 SYN-ACKs sent, 0 cookies accepted, 816 rejected (816 bad, 0 stale)" "$T/err"
run replay --mode generic "$CAP/tcpdump-dns-tcp.pcap"
check "--mode: ignored with a warning" bash -c "[ $rc = 0 ] && grep -q 'means nothing for replay' '$T/err'"

# --- bad packets: reported, skipped, exit 0 --------------------------------
# dns-tcp cut inside packet 6
head -c 500 "$CAP/tcpdump-dns-tcp.pcap" >"$T/cut.pcap"
run replay "$T/cut.pcap"
check "cut capture: exit 0" [ "$rc" = 0 ]
check "cut capture: names the packet" grep -q "packet [0-9]*: .*truncated" "$T/err"
check "cut capture: summary says so" grep -q "capture cut short" "$T/err"
run replay -j "$T/cut.pcap"
check "cut capture: JSON warning and summary" bash -c "grep -q '\"warning\":\"packet' '$T/err' && tail -n1 '$T/err' | jq -e '.summary.truncated==true' >/dev/null"
# snap length 40 in the file header and every record cut to 40 bytes
python3 - "$CAP/tcpdump-dns-tcp.pcap" "$T/snap.pcap" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
out = bytearray(d[:16] + struct.pack("<I", 40) + d[20:24])
off = 24
while off + 16 <= len(d):
    s, us, cap, orig = struct.unpack("<IIII", d[off:off + 16])
    out += struct.pack("<IIII", s, us, min(cap, 40), orig) + d[off + 16:off + 16 + min(cap, 40)]
    off += 16 + cap
open(sys.argv[2], "wb").write(out)
EOF
run replay "$T/snap.pcap"
check "snapped: exit 0" [ "$rc" = 0 ]
check "snapped: packet 1 named" grep -q "packet 1: snap length cut the TCP header (40 of 74 bytes captured); skipped" "$T/err"
check "snapped: one warning per packet" [ "$(grep -c '^xdpct: replay: packet' "$T/err")" = 11 ]
check "snapped: 11 skipped in the summary" grep -q "11 packets .*, 11 skipped" "$T/err"

# --- stdin, and every capture replays cleanly -------------------------------
"$X" replay -j - <"$CAP/tcpdump-dns-tcp.pcap" >"$T/out" 2>"$T/err"
check "FILE - reads stdin" [ "$(jq -c 'select(.event=="transition")' "$T/out" | wc -l)" = 10 ]
for f in "$CAP"/*.pcap; do
	run replay -j --flows "$f"
	check "$(basename "$f"): exit 0, JSON out, summary" bash -c "[ $rc = 0 ] && jq -e . '$T/out' >/dev/null && tail -n1 '$T/err' | jq -e '.summary.skipped==0' >/dev/null"
done

echo "replay CLI: $fails failed"
[ "$fails" = 0 ]
