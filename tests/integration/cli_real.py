#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""xdpct against the real thing: the kernel's TCP on both ends.

Two namespaces (client, server) joined by a veth pair; xdpct attached on the
server's veth with --egress, so it sees both directions as the server host.
At quiet checkpoints, what `xdpct flows -j` says of each endpoint is compared
with what `ss -tan` says in that endpoint's namespace.
"""
import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xnet import (Topology, Failures, find_flow, ss_state, quiet, linger_rst,  # noqa: E402
                  install_cleanup, sh, XDPCT)

F = Failures()
PORT = 8080


def ep(sockaddr):
    return f"{sockaddr[0]}:{sockaddr[1]}"


def listen(topo, fam, port):
    return topo.listen(fam, port)


def connect(topo, fam, port):
    return topo.connect(fam, port)


def checkpoint(topo, cs, label, want_c, want_s, flows=None):
    """Compare xdpct's view of the connection of client socket cs with ss."""
    client, server = cs["client"], cs["server"]
    quiet()
    fl = find_flow(flows if flows is not None else topo.flows(), client, server)
    ss_c = ss_state(topo, topo.c, client, server)
    ss_s = ss_state(topo, topo.s, server, client)
    got_c = fl["client"]["state"] if fl else "no flow"
    got_s = fl["server"]["state"] if fl else "no flow"
    F.check(got_c == ss_c == want_c and got_s == ss_s == want_s,
            f"{label}: client xdpct {got_c} / ss {ss_c} (want {want_c}); "
            f"server xdpct {got_s} / ss {ss_s} (want {want_s})")
    return fl


def names(cs):
    return {"client": ep(cs.getsockname()), "server": ep(cs.getpeername())}


def full_life(topo, fam):
    ls = listen(topo, fam, PORT)
    c = connect(topo, fam, PORT)
    s, _ = ls.accept()
    n = names(c)
    checkpoint(topo, n, f"v{fam} after connect", "ESTABLISHED", "ESTABLISHED")
    c.sendall(b"hello")
    s.recv(100)
    c.shutdown(socket.SHUT_WR)
    checkpoint(topo, n, f"v{fam} after client SHUT_WR", "FIN_WAIT_2", "CLOSE_WAIT")
    # half-close: the server keeps sending after the client's FIN
    for _ in range(3):
        s.sendall(b"x" * 1000)
    got = 0
    while got < 3000:
        got += len(c.recv(4096))
    fl = checkpoint(topo, n, f"v{fam} half-close, server data after FIN",
                    "FIN_WAIT_2", "CLOSE_WAIT")
    F.check(fl is not None and fl["bytes"]["server"] >= 3000,
            f"v{fam} server bytes counted after the client's FIN ({fl and fl['bytes']})")
    s.close()
    checkpoint(topo, n, f"v{fam} after server close", "TIME_WAIT", "CLOSED")
    c.close()
    ls.close()


def abortive(topo, fam):
    ls = listen(topo, fam, PORT + 1)
    c = connect(topo, fam, PORT + 1)
    s, _ = ls.accept()
    n = names(c)
    c.sendall(b"data")
    s.recv(10)
    linger_rst(c)
    fl = checkpoint(topo, n, f"v{fam} abortive close (RST)", "CLOSED", "CLOSED")
    F.check(fl is not None and "reset" in fl["flags"], f"v{fam} RST flow flagged reset")
    s.close()
    ls.close()


def refused(topo, fam):
    af = socket.AF_INET6 if fam == 6 else socket.AF_INET
    with topo.inns(topo.c):
        c = socket.socket(af, socket.SOCK_STREAM)
    c.settimeout(5)
    c.bind((topo.c6 if fam == 6 else topo.c4, 0))
    client = ep(c.getsockname())
    server = f"{topo.s6 if fam == 6 else topo.s4}:9"
    try:
        c.connect((topo.s6 if fam == 6 else topo.s4, 9))
        F.check(False, f"v{fam} connect to a closed port was refused")
    except ConnectionRefusedError:
        pass
    c.close()
    checkpoint(topo, {"client": client, "server": server}, f"v{fam} refused",
               "CLOSED", "CLOSED")


def many(topo, fam, count):
    ls = listen(topo, fam, PORT + 2)
    cs, ss_ = [], []
    for _ in range(count):
        cs.append(connect(topo, fam, PORT + 2))
        ss_.append(ls.accept()[0])
    quiet(0.5)
    eps = [(ep(c.getsockname()), ep(c.getpeername())) for c in cs]
    flows = {(f"{f['client']['addr']}:{f['client']['port']}",
              f"{f['server']['addr']}:{f['server']['port']}"): f for f in topo.flows()}
    est = sum(1 for e in eps
              if (f := flows.get(e))
              and f["client"]["state"] == f["server"]["state"] == "ESTABLISHED")
    ss_est = sum(1 for st in topo.ss(topo.c).values() if st == "ESTAB")
    F.check(est == count and ss_est >= count,
            f"v{fam} {count} concurrent: xdpct ESTABLISHED {est}, ss ESTAB {ss_est}")
    for c in cs:
        c.shutdown(socket.SHUT_WR)
    quiet(0.5)
    for s in ss_:
        s.close()
    quiet(0.5)
    flows = {(f"{f['client']['addr']}:{f['client']['port']}",
              f"{f['server']['addr']}:{f['server']['port']}"): f for f in topo.flows()}
    tw = sum(1 for e in eps
             if (f := flows.get(e))
             and f["client"]["state"] == "TIME_WAIT" and f["server"]["state"] == "CLOSED")
    ss_tw = sum(1 for st in topo.ss(topo.c).values() if st == "TIME-WAIT")
    F.check(tw == count and ss_tw >= count,
            f"v{fam} {count} closed: xdpct TIME_WAIT/CLOSED {tw}, ss TIME-WAIT {ss_tw}")
    for c in cs:
        c.close()
    ls.close()


def watch_one_life(topo):
    """watch -j reports exactly the transitions of one connection's life."""
    pcap = f"/tmp/xdpct-it-{os.getpid()}.pcap"
    dump = subprocess.Popen(["ip", "netns", "exec", topo.s, "tcpdump", "-q", "-n", "-i",
                             topo.sif, "-w", pcap, "tcp port 8090"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    w = subprocess.Popen(["ip", "netns", "exec", topo.s, XDPCT, "watch", "-j",
                          "--duration", "7"], stdout=subprocess.PIPE, text=True)
    time.sleep(1.0)
    ls = listen(topo, 4, 8090)
    c = connect(topo, 4, 8090)
    s, _ = ls.accept()
    n = names(c)
    c.sendall(b"ping")
    s.recv(10)
    s.sendall(b"pong")
    c.recv(10)
    c.close()
    time.sleep(0.3)
    s.close()
    ls.close()
    out, _ = w.communicate(timeout=20)
    time.sleep(0.5)
    dump.terminate()
    dump.wait()
    def ours(e):
        return (f"{e['client']['addr']}:{e['client']['port']}" == n["client"]
                and f"{e['server']['addr']}:{e['server']['port']}" == n["server"])

    mine = [e for e in map(json.loads, out.splitlines())
            if e.get("event") == "transition" and ours(e)]
    seq = [(e["side"], e["from"], e["to"]) for e in mine]
    want = [("client", "CLOSED", "SYN_SENT"), ("server", "LISTEN", "SYN_RCVD"),
            ("client", "SYN_SENT", "ESTABLISHED"), ("server", "SYN_RCVD", "ESTABLISHED"),
            ("client", "ESTABLISHED", "FIN_WAIT_1"), ("server", "ESTABLISHED", "CLOSE_WAIT"),
            ("client", "FIN_WAIT_1", "FIN_WAIT_2"), ("server", "CLOSE_WAIT", "LAST_ACK"),
            ("client", "FIN_WAIT_2", "TIME_WAIT"), ("server", "LAST_ACK", "CLOSED"),
            ("client", "TIME_WAIT", "CLOSED")]
    F.check(seq == want, f"watch -j sequence for one connection: {seq}")
    kinds = [e.get("event") for e in map(json.loads, out.splitlines())
             if "client" in e and ours(e)]
    F.check("handshake" in kinds and "closed" in kinds,
            f"watch -j summary lines present: {sorted(set(kinds))}")
    end = [e for e in map(json.loads, out.splitlines()) if e.get("event") == "end"]
    F.check(end and end[0]["lost"] == 0, f"watch lost no events: {end}")
    # the recording replayed offline gives what watch reported live
    r = subprocess.run([XDPCT, "replay", "-j", "--timeout-time-wait", "2", pcap],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rseq = [(e["side"], e["from"], e["to"]) for e in map(json.loads, r.stdout.splitlines())
            if e.get("event") == "transition" and ours(e)]
    F.check(r.returncode == 0 and rseq == want[:-1] or rseq == want,
            f"replay of the tcpdump recording matches watch: rc={r.returncode} {rseq}")
    os.unlink(pcap)


def midstream(topo):
    """A connection opened before attach is picked up as ESTABLISHED+midstream."""
    topo.xdpct(topo.s, "detach", "--all")
    ls = listen(topo, 4, PORT + 3)
    c = connect(topo, 4, PORT + 3)
    s, _ = ls.accept()
    n = names(c)
    topo.xdpct(topo.s, "attach", "--egress", "--timeout-time-wait", "2", topo.sif)
    c.sendall(b"after attach")
    s.recv(100)
    s.sendall(b"reply")
    c.recv(100)
    fl = checkpoint(topo, n, "midstream pickup", "ESTABLISHED", "ESTABLISHED")
    F.check(fl is not None and "midstream" in fl["flags"], "midstream flag set")
    c.shutdown(socket.SHUT_WR)
    checkpoint(topo, n, "midstream then client SHUT_WR", "FIN_WAIT_2", "CLOSE_WAIT")
    s.close()
    checkpoint(topo, n, "midstream then server close", "TIME_WAIT", "CLOSED")
    c.close()
    ls.close()


def main():
    topo = Topology("it")
    install_cleanup(topo)
    try:
        topo.create()
        topo.xdpct(topo.s, "attach", "--egress", "--timeout-time-wait", "2", topo.sif)
        st = json.loads(topo.xdpct(topo.s, "status", "-j"))
        F.check(st["attached"] and st["interfaces"][0]["name"] == topo.sif
                and st["interfaces"][0]["egress"], "status -j after attach")
        for fam in (4, 6):
            full_life(topo, fam)
            abortive(topo, fam)
            refused(topo, fam)
        many(topo, 4, 1000)
        many(topo, 6, 200)
        watch_one_life(topo)
        stats = json.loads(topo.xdpct(topo.s, "stats", "-j"))
        F.check(stats["flows_created"] >= 1200 and stats["transitions"] > 0,
                f"stats: flows_created {stats['flows_created']}, "
                f"transitions {stats['transitions']}")
        midstream(topo)
        st = json.loads(topo.xdpct(topo.s, "status", "-j"))
        ids = [i for i in st["prog_ids"].values() if i]
        topo.xdpct(topo.s, "detach", "--all")
        for _ in range(30):     # programs are freed after an RCU grace period
            left = [i for i in ids if sh(f"bpftool prog show id {i}", check=False).strip()]
            if not left:
                break
            time.sleep(0.1)
        F.check(ids and not left, f"programs {ids} gone after detach (left: {left})")
        F.check("xdp" not in sh(f"ip -n {topo.s} link show {topo.sif}"),
                "no XDP program on the interface after detach")
        F.check("clsact" not in sh(f"ip netns exec {topo.s} tc qdisc show dev {topo.sif}"),
                "no clsact qdisc left after detach")
        ino = sh(f"ip netns exec {topo.s} stat -L -c %i /proc/self/ns/net").strip()
        F.check(not os.path.exists(f"/sys/fs/bpf/xdpct/ns{ino}"), "no pins left after detach")
    finally:
        topo.destroy()
    return F.summary("cli_real")


if __name__ == "__main__":
    sys.exit(main())
