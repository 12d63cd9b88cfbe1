#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""A full flow table under a SYN flood: half-open flows are given up, never
established ones; every eviction is counted and shown by `xdpct status`."""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
from check import check, done, need, note, wait_stable, wait_until  # noqa: E402
from xnet import Topology, install_cleanup  # noqa: E402

TABLE = 128
NEST = 80
PORT = 8200


def established(topo, ports):
    """How many of the flows from these client ports are ESTABLISHED both sides."""
    return sum(1 for f in topo.flows() if f["client"]["port"] in ports
               and f["client"]["state"] == f["server"]["state"] == "ESTABLISHED")


def stats(topo):
    return json.loads(topo.xdpct(topo.s, "stats", "-j"))


def main():
    need("ip", "ethtool", "hping3", "timeout")
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
        ports = {c.getsockname()[1] for c, _ in est}
        wait_until(lambda: established(topo, ports), lambda n: n == NEST,
                   what=f"{NEST} flows ESTABLISHED before the flood")
        # a SYN flood from random sources, bounded in time, to the same server
        flood = subprocess.Popen(["ip", "netns", "exec", topo.c, "timeout", "4", "hping3",
                                  "-q", "-S", "-p", str(PORT + 1), "--flood",
                                  "--rand-source", topo.s4],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # the flood has filled the table: it evicts half-open flows
        wait_until(lambda: stats(topo)["flows_evicted"], timeout=10,
                   what="the flood to fill the table")
        # a legitimate connection made during the flood is still tracked
        ls2 = topo.listen(4, PORT + 2, 4)
        late = topo.connect(4, PORT + 2)
        late_s = ls2.accept()[0]
        late.sendall(b"during the flood")
        late_s.recv(100)
        flood.wait()
        # the flood's last packets are through the datapath
        wait_stable(lambda: stats(topo)["packets"], what="the packet counter")
        flows = topo.flows()
        kept = sum(1 for f in flows if f["client"]["port"] in ports
                   and f["client"]["state"] == f["server"]["state"] == "ESTABLISHED")
        st = stats(topo)
        status = json.loads(topo.xdpct(topo.s, "status", "-j"))
        check(kept == NEST, f"{kept}/{NEST} established flows kept through the flood")
        check(st["flows_evicted"] > 1000,
              f"half-open flows evicted: {st['flows_evicted']} "
              f"(created {st['flows_created']}, insert_failed {st['insert_failed']})")
        check(status["flows_evicted"] == st["flows_evicted"]
              and status["flows"]["max"] == TABLE,
              f"status shows evictions ({status['flows_evicted']}) and the table size")
        lp = late.getsockname()[1]
        lf = [f for f in flows if f["client"]["port"] == lp]
        check(lf and lf[0]["client"]["state"] == "ESTABLISHED",
              f"a connection made during the flood is tracked: {lf and lf[0]['client']}")
        note(f"figures: table {TABLE}, evicted {st['flows_evicted']}, "
             f"insert_failed {st['insert_failed']}, packets {st['packets']}")
        for c, s in est:
            c.close()
            s.close()
        late.close()
        late_s.close()
        ls.close()
        ls2.close()
    finally:
        topo.destroy()
    return done("fulltable")


if __name__ == "__main__":
    sys.exit(main())
