#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""xdpct replay --flows N on a capture with more connections than N entries
(issue 12 point 3, a full table always makes room; point 5, replay shows it).

The capture is written here, packet by packet (Ethernet, IPv4, TCP with
right checksums: replay verifies them like the datapath), on one client
and server, 1 ms apart, so nothing expires (TIME_WAIT lasts 60 s):

  1. 32 connections handshake, send data and stay ESTABLISHED;
  2. 100 connections run to the end (client TIME_WAIT, server CLOSED);
  3. 10 more connections stay ESTABLISHED;
  4. 30 more try to: once no evictable entry is left they find no room.

With --flows 64, every new connection past the 64th takes the slot of a
TIME_WAIT/CLOSED one (xdpct_evictable(), bpf/lib/table.h): 32 + 100 + 10 +
22 of phase 4 = 164 connections in 64 entries, 100 evictions, all of
closed connections; no ESTABLISHED connection is ever evicted, and the
last 8 of phase 4 find no room (insert_failed: their SYN, and the midstream
pickups their later segments would start) and make no event.  The table at
the end: the 64 ESTABLISHED connections.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from check import bail, check, done  # noqa: E402

X = os.environ.get("XDPCT") or os.path.join(ROOT, os.environ.get("BUILD", "build"), "xdpct")
CLI, SRV = bytes([10, 50, 0, 1]), bytes([10, 50, 0, 2])
SYN, ACK, FIN, PSH = 0x02, 0x10, 0x01, 0x08


def csum(b):
    if len(b) & 1:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(src, dst, sport, dport, seq, ack, flags, data=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
    c = csum(src + dst + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + ip + tcp


class Capture:
    def __init__(self):
        self.pkts = []
        self.t = 1_700_000_000_000_000	# microseconds

    def add(self, *a, **k):
        self.t += 1000
        self.pkts.append((self.t, frame(*a, **k)))

    def conn(self, port, close):
        c, s = 1000 * port, 5000 * port
        self.add(CLI, SRV, port, 80, c, 0, SYN)
        self.add(SRV, CLI, 80, port, s, c + 1, SYN | ACK)
        self.add(CLI, SRV, port, 80, c + 1, s + 1, ACK)
        self.add(CLI, SRV, port, 80, c + 1, s + 1, ACK | PSH, b"x" * 10)
        self.add(SRV, CLI, 80, port, s + 1, c + 11, ACK)
        if close:
            self.add(CLI, SRV, port, 80, c + 11, s + 1, FIN | ACK)
            self.add(SRV, CLI, 80, port, s + 1, c + 12, FIN | ACK)
            self.add(CLI, SRV, port, 80, c + 12, s + 2, ACK)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
            for t, b in self.pkts:
                f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(b), len(b)))
                f.write(b)


def main():
    if not os.access(X, os.X_OK):
        bail(f"no binary at {X} (make, or set XDPCT)")
    cap = Capture()
    est, closed, port = [], [], 20000
    for phase, n, close in ((1, 32, False), (2, 100, True), (3, 10, False), (4, 30, False)):
        for _ in range(n):
            cap.conn(port, close)
            (closed if close else est).append(port)
            port += 1
    d = tempfile.mkdtemp(prefix="xdpct-replay-full.")
    path = os.path.join(d, "full.pcap")
    cap.write(path)
    try:
        r = subprocess.run([X, "replay", "-j", "--flows", "--flows", "64", path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.unlink(path)
        os.rmdir(d)
    check(r.returncode == 0, f"replay --flows 64: exit {r.returncode}"
          + (f" ({r.stderr.strip()[:200]})" if r.returncode else ""))
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
    table = lines[-1] if lines and isinstance(lines[-1], list) else []
    summary = json.loads(r.stderr.splitlines()[-1]).get("summary", {})
    evicted = [e["client"]["port"] for e in lines
               if isinstance(e, dict) and e.get("event") == "expired" and e.get("reason") == "evicted"]
    check(len(evicted) == 100, f"100 evictions reported (got {len(evicted)})")
    check(set(evicted) <= set(closed) and len(set(evicted)) == len(evicted),
          f"only closed connections evicted, each once (established among them: "
          f"{sorted(set(evicted) & set(est))[:10]})")
    states = {f["client"]["port"]: (f["client"]["state"], f["server"]["state"]) for f in table}
    kept = est[:64]
    check(len(table) == 64 and all(states.get(p) == ("ESTABLISHED", "ESTABLISHED") for p in kept),
          f"the table: the 64 first ESTABLISHED connections, all ESTABLISHED "
          f"({len(table)} entries, {sum(1 for p in kept if p in states)} of them)")
    check(not any(p in states for p in est[64:]),
          "the connections that found no evictable entry are not tracked")
    check(summary.get("expired") == 100 and summary.get("flows") == 64,
          f"summary: {summary.get('expired')} expired (want 100), {summary.get('flows')} flows "
          f"(want 64)")
    late = [e for e in lines if isinstance(e, dict) and e.get("client", {}).get("port") in est[64:]]
    check(not late, f"no event of the {len(est) - 64} connections that found no room "
          f"(insert_failed: not tracked; got {len(late)})")
    return done("replay_fulltable")


if __name__ == "__main__":
    sys.exit(main())
