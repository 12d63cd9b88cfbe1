#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Soak: connection churn between two namespaces for DURATION seconds (default
600) while `xdpct watch -j` reads every event.  Reports, and checks: the
maps' kernel memory flat, no event lost, no flow expired before its time
(every connection finishes in well under the half-open and idle timeouts,
so only closed flows may expire), the flow table bounded.

Run: make soak  (or SOAK_SECONDS=60 python3 tests/integration/soak.py)"""
import json
import os
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
from check import check, done, need, note, wait_stable  # noqa: E402
from xnet import Topology, install_cleanup, sh, XDPCT  # noqa: E402

DURATION = float(os.environ.get("SOAK_SECONDS", "600"))
WORKERS = 8
PORT = 8300


def memlock(topo):
    """Sum of the instance's maps' memlock (bytes), via bpftool."""
    st = json.loads(topo.xdpct(topo.s, "status", "-j"))
    prog = json.loads(sh(f"bpftool prog show id {st['prog_ids']['xdp']} -j"))
    total = 0
    for mid in prog.get("map_ids", []):
        m = json.loads(sh(f"bpftool map show id {mid} -j"))
        total += int(m.get("bytes_memlock", 0))
    return total


def main():
    need("ip", "ethtool", "bpftool")
    topo = Topology("soak")
    install_cleanup(topo)
    stop = threading.Event()
    made = [0] * WORKERS
    try:
        topo.create()
        topo.xdpct(topo.s, "attach", "--egress", "--flows", "262144",
                   "--ringbuf", str(16 << 20), "--timeout-time-wait", "5", topo.sif)
        # watch writes to a file: a slow reader here must not be what
        # loses events (a pipe to Python would block watch itself)
        wlog = f"/tmp/xdpct-soak-{os.getpid()}.jsonl"
        wout = open(wlog, "w")
        watch = subprocess.Popen(["ip", "netns", "exec", topo.s, XDPCT, "watch", "-j"],
                                 stdout=wout)

        with topo.inns(topo.s):
            ls = socket.socket()
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind((topo.s4, PORT))
            ls.listen(4096)

        def server():
            ls.settimeout(0.5)
            while not stop.is_set():
                try:
                    s, _ = ls.accept()
                except socket.timeout:
                    continue
                try:
                    s.recv(100)
                    s.sendall(b"pong")
                except OSError:
                    pass
                s.close()

        def client(i):
            while not stop.is_set():
                with topo.inns(topo.c):
                    c = socket.socket()
                try:
                    c.settimeout(2)
                    c.connect((topo.s4, PORT))
                    c.sendall(b"ping")
                    c.recv(100)
                    made[i] += 1
                except OSError:
                    pass
                c.close()

        # setns() switches only the calling thread: each client thread
        # enters the client namespace just to create its socket
        threads = [threading.Thread(target=server) for _ in range(2)]
        threads += [threading.Thread(target=client, args=(i,)) for i in range(WORKERS)]
        mem0 = memlock(topo)
        t0 = time.time()
        for t in threads:
            t.start()
        peak = 0
        while time.time() - t0 < DURATION:
            time.sleep(min(10, DURATION / 6))
            st = json.loads(topo.xdpct(topo.s, "status", "-j"))
            peak = max(peak, st["flows"]["count"])
            note(f"  t={time.time() - t0:5.0f}s connections {sum(made):8d} "
                 f"flows {st['flows']['count']:6d} events lost {st['events_lost']}")
        stop.set()
        for t in threads:
            t.join()
        # the last connections' packets are through the datapath
        wait_stable(lambda: json.loads(topo.xdpct(topo.s, "stats", "-j"))["packets"],
                    what="the packet counter")
        mem1 = memlock(topo)
        stats = json.loads(topo.xdpct(topo.s, "stats", "-j"))
        watch.send_signal(2)
        watch.wait(timeout=30)
        wout.close()
        counts = {"transition": 0, "expired": 0, "reasons": {}}
        with open(wlog) as fh:
            for line in fh:
                e = json.loads(line)
                k = e.get("event")
                if k == "transition":
                    counts["transition"] += 1
                elif k == "expired":
                    counts["expired"] += 1
                    counts["reasons"][e["reason"]] = counts["reasons"].get(e["reason"], 0) + 1
                elif k == "end":
                    counts["end"] = e
        os.unlink(wlog)
        conns = sum(made)
        rate = conns / DURATION
        check(conns > 0, f"{conns} connections in {DURATION:.0f} s ({rate:.0f}/s)")
        check(mem0 == mem1, f"maps' kernel memory flat: {mem0} -> {mem1} bytes")
        check(stats["events_lost"] == 0 and counts.get("end", {}).get("lost", 1) == 0,
              f"no events lost: datapath {stats['events_lost']}, "
              f"watch {counts.get('end')}; {counts['transition']} transitions read")
        early = {r: n for r, n in counts["reasons"].items() if r != "closed"}
        check(not early, f"nothing expired early: expirations by reason {counts['reasons']}")
        check(stats["insert_failed"] == 0 and stats["flows_evicted"] == 0,
              f"table never full: peak {peak} flows, evicted {stats['flows_evicted']}")
        note(f"figures: {conns} connections, {rate:.0f}/s, packets {stats['packets']}, "
              f"memlock {mem0} -> {mem1}, peak flows {peak}")
        ls.close()
    finally:
        stop.set()
        topo.destroy()
    return done("soak")


if __name__ == "__main__":
    sys.exit(main())
