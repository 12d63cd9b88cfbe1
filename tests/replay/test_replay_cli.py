#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""xdpct replay from the command line: output formats, the summary, exit
codes and messages for bad input.  The transitions themselves are checked
capture by capture in tests/replay/test_replay.c.

Binary: $XDPCT, else $BUILD/xdpct, else build/xdpct (from the repo root).
Captures: $XDPCT_CAPTURES, else ../shared/captures; missing ones fail.
"""
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from check import bail, check, done  # noqa: E402

X = os.environ.get("XDPCT") or os.path.join(ROOT, os.environ.get("BUILD", "build"), "xdpct")
CAP = os.path.join(ROOT, os.environ.get("XDPCT_CAPTURES", "../shared/captures"))
DNS = os.path.join(CAP, "tcpdump-dns-tcp.pcap")
FLOOD = os.path.join(CAP, "suricata-syn-flood-200.pcap")


class Run:
    """xdpct ARGS... (optionally with a file on stdin): rc, out, err."""

    def __init__(self, *args, stdin=None):
        with open(stdin, "rb") if stdin else open(os.devnull, "rb") as f:
            r = subprocess.run([X, *args], stdin=f, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=120)
        self.rc = r.returncode
        self.out = r.stdout.decode(errors="replace")
        self.err = r.stderr.decode(errors="replace")


def jsons(text):
    """Every line of text as JSON; None when one of them is not JSON."""
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError:
        return None


def all_json(text):
    """Every line is JSON, and there is at least one that is not false/null."""
    v = jsons(text)
    return bool(v) and v[-1] is not None and v[-1] is not False


def last(text):
    """The last line of text as JSON, or None."""
    lines = text.splitlines()
    try:
        return json.loads(lines[-1]) if lines else None
    except ValueError:
        return None


def events(text, kind):
    return [e for e in jsons(text) or [] if isinstance(e, dict) and e.get("event") == kind]


def summary(text):
    v = last(text)
    return v.get("summary", {}) if isinstance(v, dict) else {}


def main():
    if not os.access(X, os.X_OK):
        bail(f"no binary at {X} (make, or set XDPCT)")
    if not os.path.isfile(DNS):
        bail(f"captures missing at {CAP}")
    t = tempfile.mkdtemp(prefix="xdpct-replay-cli.")
    try:
        cases(t)
    finally:
        shutil.rmtree(t)
    return done("replay_cli")


def cases(t):
    # --- help and usage
    r = Run("replay", "--help")
    check(r.rc == 0, "--help exits 0")
    check("EXIT STATUS" in r.out, "--help documents exit status and JSON")
    check('"summary"' in r.out, "--help documents the summary object")
    r = Run("replay")
    check(r.rc == 2, "no FILE: exit 2")
    check("which capture" in r.err, "no FILE: says so")
    r = Run("replay", DNS, os.path.join(CAP, "zeek-http-get.pcap"))
    check(r.rc == 2, "two FILEs: exit 2")
    r = Run("replay", "--bogus", DNS)
    check(r.rc == 2, "unknown option: exit 2")
    check("--bogus" in r.err, "unknown option: named")
    r = Run("replay", "--timeout-time-wait", "-3", DNS)
    check(r.rc == 2, "bad timeout: exit 2")
    check("timeout-time-wait" in r.err, "bad timeout: named")

    # --- fatal errors: exit 1, one clear line
    r = Run("replay", f"{t}/none.pcap")
    check(r.rc == 1, "missing file: exit 1")
    check("none.pcap: No such file" in r.err, "missing file: says so")
    with open(f"{t}/text.pcap", "w") as f:
        f.write("just text\n")
    r = Run("replay", f"{t}/text.pcap")
    check(r.rc == 1, "not a capture: exit 1")
    check("text.pcap" in r.err, "not a capture: says so")
    # the same capture declared 802.11 (link type 105): byte 20 of the header
    d = bytearray(open(DNS, "rb").read())
    d[20] = 0x69
    open(f"{t}/wifi.pcap", "wb").write(d)
    r = Run("replay", f"{t}/wifi.pcap")
    check(r.rc == 1, "unsupported link type: exit 1")
    check(re.search(r"link type 105.*not supported", r.err), "unsupported link type: says which")

    # --- text output
    r = Run("replay", DNS)
    check(r.rc == 0, "text: exit 0")
    check(sum(1 for ln in r.out.splitlines() if re.search(r" -> .*\[", ln)) == 10,
          "text: 10 transitions")
    check("handshake done" in r.out, "text: handshake line")
    check("replay: 11 packets (11 tcp, 0 other), 0 skipped, 10 transitions" in r.err,
          "text: summary on stderr")
    r = Run("replay", "-q", "--flows", DNS)
    check(not r.err, "-q: no summary")
    check(re.search(r"TIME_WAIT *CLOSED", r.out), "--flows: the table")

    # --- JSON
    r = Run("replay", "-j", "--flows", DNS)
    check(r.rc == 0, "json: exit 0")
    check(all_json(r.out), "json: every stdout line is JSON")
    tr = events(r.out, "transition")
    check(len(tr) == 10, "json: 10 transition objects")
    check(len(tr) == 10 and all(
        all(k in e for k in ("ts_ns", "family", "vlan", "side", "from", "to"))
        and all(k in e["client"] for k in ("addr", "port"))
        and all(k in e["server"] for k in ("addr", "port")) for e in tr), "json: watch fields")
    fl = last(r.out)
    check(isinstance(fl, list) and len(fl) == 1 and fl[0]["client"]["state"] == "TIME_WAIT"
          and fl[0]["server"]["state"] == "CLOSED", "json: last line is the flow array")
    s = summary(r.err)
    check(s.get("packets") == 11 and s.get("transitions") == 10 and s.get("flows") == 1
          and s.get("skipped") == 0, "json: summary object on stderr")
    r = Run("-j", "replay", DNS)
    check(len(events(r.out, "transition")) == 10, "global -j works for replay")

    # --- attach options
    r = Run("replay", "-j", "--flows", "64", "--flows", FLOOD)
    fl = last(r.out)
    check(isinstance(fl, list) and len(fl) == 64, "--flows 64 sizes the table")
    check(sum(1 for e in events(r.out, "expired") if e.get("reason") == "evicted") == 136,
          "evictions reported")
    r = Run("replay", "-j", "--flows=64", FLOOD)
    check(not isinstance(last(r.out), list), "--flows=64 sizes without printing")
    check(summary(r.err).get("flows") == 64, "--flows=64: 64 flows in the summary")
    r = Run("replay", "-j", "--strip-vlan", os.path.join(CAP, "suricata-syn-retransmit-vlan.pcap"))
    check(len(events(r.out, "closed")) == 1, "--strip-vlan: one connection, closed")
    r = Run("replay", "-j", "--syncookie", "443", FLOOD)
    s = summary(r.err)
    check(s.get("syncookie", {}).get("synack_sent") == 200 and s.get("flows") == 0,
          "--syncookie: 200 SYN-ACKs in the summary")
    r = Run("replay", "--syncookie", "22", os.path.join(CAP, "zeek-ssh-one-sided.pcap"))
    check("syncookie: 22 SYNs to protected ports, 22 SYN-ACKs sent, 0 cookies accepted, "
          "816 rejected (816 bad, 0 stale)" in r.err, "--syncookie: text summary")
    r = Run("replay", "--mode", "generic", DNS)
    check(r.rc == 0 and "means nothing for replay" in r.err, "--mode: ignored with a warning")

    # --- bad packets: reported, skipped, exit 0
    # dns-tcp cut inside packet 6
    open(f"{t}/cut.pcap", "wb").write(open(DNS, "rb").read()[:500])
    r = Run("replay", f"{t}/cut.pcap")
    check(r.rc == 0, "cut capture: exit 0")
    check(re.search(r"packet [0-9]*: .*truncated", r.err), "cut capture: names the packet")
    check("capture cut short" in r.err, "cut capture: summary says so")
    r = Run("replay", "-j", f"{t}/cut.pcap")
    check('"warning":"packet' in r.err and summary(r.err).get("truncated") is True,
          "cut capture: JSON warning and summary")
    # snap length 40 in the file header and every record cut to 40 bytes
    d = open(DNS, "rb").read()
    out = bytearray(d[:16] + struct.pack("<I", 40) + d[20:24])
    off = 24
    while off + 16 <= len(d):
        sec, usec, cap, orig = struct.unpack("<IIII", d[off:off + 16])
        out += struct.pack("<IIII", sec, usec, min(cap, 40), orig) + d[off + 16:off + 16 + min(cap, 40)]
        off += 16 + cap
    open(f"{t}/snap.pcap", "wb").write(out)
    r = Run("replay", f"{t}/snap.pcap")
    check(r.rc == 0, "snapped: exit 0")
    check("packet 1: snap length cut the TCP header (40 of 74 bytes captured); skipped" in r.err,
          "snapped: packet 1 named")
    check(sum(1 for ln in r.err.splitlines() if ln.startswith("xdpct: replay: packet")) == 11,
          "snapped: one warning per packet")
    check(re.search(r"11 packets .*, 11 skipped", r.err), "snapped: 11 skipped in the summary")

    # --- stdin, and every capture replays cleanly
    r = Run("replay", "-j", "-", stdin=DNS)
    check(len(events(r.out, "transition")) == 10, "FILE - reads stdin")
    for f in sorted(glob.glob(os.path.join(CAP, "*.pcap"))):
        r = Run("replay", "-j", "--flows", f)
        check(r.rc == 0 and all_json(r.out) and summary(r.err).get("skipped") == 0,
              f"{os.path.basename(f)}: exit 0, JSON out, summary")


if __name__ == "__main__":
    sys.exit(main())
