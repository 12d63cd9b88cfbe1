#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A full flow table under a SYN flood: half-open flows are given up, never
established ones; every eviction is counted and shown by `xdpct status`."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xnet import Topology, Failures, quiet, install_cleanup  # noqa: E402

F = Failures()
TABLE = 128
NEST = 80
PORT = 8200


def main():
    topo = Topology("full")
    install_cleanup(topo)
    try:
        topo.create()
        topo.xdpct(topo.s, "attach", "--egress", "--flows", str(TABLE), topo.sif)
        ls = topo.listen(4, PORT, 256)
        est = []
        for _ in range(NEST):
            c = topo.connect(4, PORT)
            est.append((c, ls.accept()[0]))
        quiet()
        # a SYN flood from random sources, bounded in time, to the same server
        flood = subprocess.Popen(["ip", "netns", "exec", topo.c, "timeout", "4", "hping3",
                                  "-q", "-S", "-p", str(PORT + 1), "--flood",
                                  "--rand-source", topo.s4],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.5)
        # a legitimate connection made during the flood is still tracked
        ls2 = topo.listen(4, PORT + 2, 4)
        late = topo.connect(4, PORT + 2)
        late_s = ls2.accept()[0]
        late.sendall(b"during the flood")
        late_s.recv(100)
        flood.wait()
        quiet(0.5)
        flows = topo.flows()
        ports = {c.getsockname()[1] for c, _ in est}
        kept = sum(1 for f in flows if f["client"]["port"] in ports
                   and f["client"]["state"] == f["server"]["state"] == "ESTABLISHED")
        stats = json.loads(topo.xdpct(topo.s, "stats", "-j"))
        status = json.loads(topo.xdpct(topo.s, "status", "-j"))
        F.check(kept == NEST, f"{kept}/{NEST} established flows kept through the flood")
        F.check(stats["flows_evicted"] > 1000,
                f"half-open flows evicted: {stats['flows_evicted']} "
                f"(created {stats['flows_created']}, insert_failed {stats['insert_failed']})")
        F.check(status["flows_evicted"] == stats["flows_evicted"]
                and status["flows"]["max"] == TABLE,
                f"status shows evictions ({status['flows_evicted']}) and the table size")
        lp = late.getsockname()[1]
        lf = [f for f in flows if f["client"]["port"] == lp]
        F.check(lf and lf[0]["client"]["state"] == "ESTABLISHED",
                f"a connection made during the flood is tracked: {lf and lf[0]['client']}")
        print(f"figures: table {TABLE}, evicted {stats['flows_evicted']}, "
              f"insert_failed {stats['insert_failed']}, packets {stats['packets']}")
        for c, s in est:
            c.close()
            s.close()
        late.close()
        late_s.close()
        ls.close()
        ls2.close()
    finally:
        topo.destroy()
    return F.summary("fulltable")


if __name__ == "__main__":
    sys.exit(main())
