#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""xdpct against the real thing: the kernel's TCP on both ends.

Two namespaces (client, server) joined by a veth pair; xdpct attached on the
server's veth with --egress, so it sees both directions as the server host.
At each checkpoint the test polls until what `xdpct flows -j` says of each
endpoint is what `ss -tan` says in that endpoint's namespace and what the
step should give (or a timeout), then checks it.
"""
import json
import os
import socket
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
from check import check, done, need, wait_stable, wait_until  # noqa: E402
from xnet import (Topology, find_flow, ss_state, linger_rst,  # noqa: E402
                  install_cleanup, reading_events, sh, XDPCT)

PORT = 8080


def ep(sockaddr):
    return f"{sockaddr[0]}:{sockaddr[1]}"


def listen(topo, fam, port):
    return topo.listen(fam, port)


def connect(topo, fam, port):
    return topo.connect(fam, port)


def checkpoint(topo, cs, label, want_c, want_s):
    """Compare xdpct's view of the connection cs with ss, once both have
    reached the wanted states (delayed ACKs, FINs in flight) or 5 s passed."""
    client, server = cs["client"], cs["server"]

    def look():
        fl = find_flow(topo.flows(), client, server)
        v = {"fl": fl, "ss_c": ss_state(topo, topo.c, client, server),
             "ss_s": ss_state(topo, topo.s, server, client),
             "got_c": fl["client"]["state"] if fl else "no flow",
             "got_s": fl["server"]["state"] if fl else "no flow"}
        v["ok"] = (v["got_c"] == v["ss_c"] == want_c and v["got_s"] == v["ss_s"] == want_s)
        return v
    v = wait_until(look, lambda v: v["ok"], 5, f"{label}: client {want_c}, server {want_s}")
    check(v["ok"], f"{label}: client xdpct {v['got_c']} / ss {v['ss_c']} (want {want_c}); "
          f"server xdpct {v['got_s']} / ss {v['ss_s']} (want {want_s})")
    return v["fl"]


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
    check(fl is not None and fl["bytes"]["server"] >= 3000,
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
    check(fl is not None and "reset" in fl["flags"], f"v{fam} RST flow flagged reset")
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
        check(False, f"v{fam} connect to a closed port was refused")
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
    eps = [(ep(c.getsockname()), ep(c.getpeername())) for c in cs]

    def tally(client, server, ss_client):
        """(how many of eps xdpct has in these states, client sockets in
        ss_client, whether that is all of them)"""
        flows = {(f"{f['client']['addr']}:{f['client']['port']}",
                  f"{f['server']['addr']}:{f['server']['port']}"): f for f in topo.flows()}
        n = sum(1 for e in eps if (f := flows.get(e))
                and f["client"]["state"] == client and f["server"]["state"] == server)
        ss_n = sum(1 for st in topo.ss(topo.c).values() if st == ss_client)
        return n, ss_n, n == count and ss_n >= count

    est, ss_est, _ = wait_until(lambda: tally("ESTABLISHED", "ESTABLISHED", "ESTAB"),
                                lambda r: r[2], 10, f"{count} flows ESTABLISHED")
    check(est == count and ss_est >= count,
          f"v{fam} {count} concurrent: xdpct ESTABLISHED {est}, ss ESTAB {ss_est}")
    for c in cs:
        c.shutdown(socket.SHUT_WR)
    # every server socket has the client's FIN before it closes: a close
    # of its own now is a passive one (LAST_ACK), not a simultaneous one
    wait_until(lambda: all(topo.ss(topo.s).get((s, c)) == "CLOSE-WAIT" for c, s in eps),
               timeout=10, what=f"{count} server sockets in CLOSE-WAIT")
    for s in ss_:
        s.close()

    tw, ss_tw, _ = wait_until(lambda: tally("TIME_WAIT", "CLOSED", "TIME-WAIT"),
                              lambda r: r[2], 10, f"{count} flows TIME_WAIT/CLOSED")
    check(tw == count and ss_tw >= count,
          f"v{fam} {count} closed: xdpct TIME_WAIT/CLOSED {tw}, ss TIME-WAIT {ss_tw}")
    for c in cs:
        c.close()
    ls.close()


def watch_one_life(topo):
    """watch -j reports exactly the transitions of one connection's life."""
    pcap = f"/tmp/xdpct-it-{os.getpid()}.pcap"
    dlog = f"{pcap}.log"
    # -U: each packet is written as it is captured (polled for below)
    with open(dlog, "w") as log:
        dump = subprocess.Popen(["ip", "netns", "exec", topo.s, "tcpdump", "-U", "-q", "-n",
                                 "-i", topo.sif, "-w", pcap, "tcp port 8090"],
                                stdout=subprocess.DEVNULL, stderr=log)
    w = subprocess.Popen(["ip", "netns", "exec", topo.s, XDPCT, "watch", "-j",
                          "--duration", "7"], stdout=subprocess.PIPE, text=True)
    wait_until(lambda: "listening on" in open(dlog).read(), timeout=10, what="tcpdump to listen")
    wait_until(lambda: reading_events(w.pid), timeout=10, what="watch to read events")
    ls = listen(topo, 4, 8090)
    c = connect(topo, 4, 8090)
    s, _ = ls.accept()
    n = names(c)
    c.sendall(b"ping")
    s.recv(10)
    s.sendall(b"pong")
    c.recv(10)
    c.close()
    # the server has the client's FIN before it closes: a passive close
    wait_until(lambda: topo.ss(topo.s).get((n["server"], n["client"])) == "CLOSE-WAIT",
               what="the server socket in CLOSE-WAIT")
    s.close()
    ls.close()
    out, _ = w.communicate(timeout=20)
    wait_stable(lambda: os.path.getsize(pcap), what="the tcpdump recording")
    dump.terminate()
    dump.wait()
    os.unlink(dlog)
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
    check(seq == want, f"watch -j sequence for one connection: {seq}")
    kinds = [e.get("event") for e in map(json.loads, out.splitlines())
             if "client" in e and ours(e)]
    check("handshake" in kinds and "closed" in kinds,
          f"watch -j summary lines present: {sorted(set(kinds))}")
    end = [e for e in map(json.loads, out.splitlines()) if e.get("event") == "end"]
    check(end and end[0]["lost"] == 0, f"watch lost no events: {end}")
    # the recording replayed offline gives what watch reported live
    r = subprocess.run([XDPCT, "replay", "-j", "--timeout-time-wait", "2", pcap],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rseq = [(e["side"], e["from"], e["to"]) for e in map(json.loads, r.stdout.splitlines())
            if e.get("event") == "transition" and ours(e)]
    check(r.returncode == 0 and rseq in (want[:-1], want),
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
    check(fl is not None and "midstream" in fl["flags"], "midstream flag set")
    c.shutdown(socket.SHUT_WR)
    checkpoint(topo, n, "midstream then client SHUT_WR", "FIN_WAIT_2", "CLOSE_WAIT")
    s.close()
    checkpoint(topo, n, "midstream then server close", "TIME_WAIT", "CLOSED")
    c.close()
    ls.close()


def main():
    need("ip", "ss", "tc", "ethtool", "tcpdump", "bpftool")
    topo = Topology("it")
    install_cleanup(topo)
    try:
        topo.create()
        topo.xdpct(topo.s, "attach", "--egress", "--timeout-time-wait", "2", topo.sif)
        st = json.loads(topo.xdpct(topo.s, "status", "-j"))
        check(st["attached"] and st["interfaces"][0]["name"] == topo.sif
              and st["interfaces"][0]["egress"], "status -j after attach")
        for fam in (4, 6):
            full_life(topo, fam)
            abortive(topo, fam)
            refused(topo, fam)
        many(topo, 4, 1000)
        many(topo, 6, 200)
        watch_one_life(topo)
        stats = json.loads(topo.xdpct(topo.s, "stats", "-j"))
        check(stats["flows_created"] >= 1200 and stats["transitions"] > 0,
              f"stats: flows_created {stats['flows_created']}, "
              f"transitions {stats['transitions']}")
        midstream(topo)
        st = json.loads(topo.xdpct(topo.s, "status", "-j"))
        ids = [i for i in st["prog_ids"].values() if i]
        topo.xdpct(topo.s, "detach", "--all")

        def loaded():
            return [i for i in ids if sh(f"bpftool prog show id {i}", check=False).strip()]
        # programs are freed after an RCU grace period
        left = wait_until(loaded, lambda left: not left, what=f"programs {ids} to be freed")
        check(ids and not left, f"programs {ids} gone after detach (left: {left})")
        check("xdp" not in sh(f"ip -n {topo.s} link show {topo.sif}"),
              "no XDP program on the interface after detach")
        check("clsact" not in sh(f"ip netns exec {topo.s} tc qdisc show dev {topo.sif}"),
              "no clsact qdisc left after detach")
        ino = sh(f"ip netns exec {topo.s} stat -L -c %i /proc/self/ns/net").strip()
        check(not os.path.exists(f"/sys/fs/bpf/xdpct/ns{ino}"), "no pins left after detach")
    finally:
        topo.destroy()
    return done("cli_real")


if __name__ == "__main__":
    sys.exit(main())
