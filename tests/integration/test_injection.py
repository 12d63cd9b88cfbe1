#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Blind injection (RFC 5961): an off-path sender that knows addresses and
ports but not sequence numbers sprays RST, SYN, FIN and data at tracked
connections, in both directions, while they carry data.  It must not reset,
close, desynchronise or reopen any of them in xdpct's table (the kernel's own
sockets are the reference: they survive too), and every packet must be
counted as refused.  Then one forged pair per connection - a SYN and the
other side's SYN-ACK or RST acknowledging exactly it, what a stale entry
gives way to - must not take a live connection: its next segment at its
exact ends takes it back (stale_undone), and it closes properly after."""
import json
import os
import random
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
from check import check, done, need, note, wait_stable, wait_until  # noqa: E402
from xnet import Topology, install_cleanup  # noqa: E402

NCONN = 20
PER_KIND = 2000          # packets of each kind, each direction
PORT = 8100


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def tcp4(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
        "!BBH", 0, 6, len(tcp) + len(payload))
    c = csum(pseudo + tcp + payload)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload),
                     random.randrange(65536), 0, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp + payload


KINDS = {            # name: (tcp flags, payload)
    "rst": (0x04, b""),
    "rst_ack": (0x14, b""),
    "syn": (0x02, b""),
    "fin_ack": (0x11, b""),
    "data_ack": (0x18, b"injected"),
}


def spray(topo, ns, conns, to_server):
    with topo.inns(ns):
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sent = 0
    rnd = random.Random(5961 + to_server)
    for kind, (flags, payload) in KINDS.items():
        for i in range(PER_KIND):
            c = conns[i % len(conns)]
            caddr, cport = c["c"]
            saddr, sport = c["s"]
            if to_server:
                pkt = tcp4(caddr, saddr, cport, sport, rnd.getrandbits(32),
                           rnd.getrandbits(32), flags, payload)
                raw.sendto(pkt, (saddr, 0))
            else:
                pkt = tcp4(saddr, caddr, sport, cport, rnd.getrandbits(32),
                           rnd.getrandbits(32), flags, payload)
                raw.sendto(pkt, (caddr, 0))
            sent += 1
    raw.close()
    return sent


REFUSED = ("invalid_rst", "invalid_seq", "invalid_ack", "invalid_state")


def forge_pairs(topo, conns):
    """A SYN "from the client" and the "server's" answer acknowledging exactly
    it (a SYN-ACK for the even connections, an RST-ACK for the odd ones):
    the pair nf_conntrack (and xdpct) take for a stale entry giving way."""
    with topo.inns(topo.c):
        rc = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    with topo.inns(topo.s):
        rs = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rnd = random.Random(5961)
    # first a lone SYN each: the server's challenge ACK to it (which clears
    # the SYN xdpct remembers) starts the kernel's per-socket rate limit
    # (tcp_invalid_ratelimit, 500 ms), so the pair's SYN gets none and the
    # forged answer is taken: the case only the take-back can mend
    for c in conns:
        (caddr, cport), (saddr, sport) = c["c"], c["s"]
        rc.sendto(tcp4(caddr, saddr, cport, sport, rnd.getrandbits(32), 0, 0x02), (saddr, 0))
    time.sleep(0.05)
    for i, c in enumerate(conns):
        (caddr, cport), (saddr, sport) = c["c"], c["s"]
        isn = rnd.getrandbits(32)
        rc.sendto(tcp4(caddr, saddr, cport, sport, isn, 0, 0x02), (saddr, 0))
        answer = 0x12 if i % 2 == 0 else 0x14
        rs.sendto(tcp4(saddr, caddr, sport, cport, rnd.getrandbits(32) if answer == 0x12 else 0,
                       (isn + 1) & 0xffffffff, answer), (caddr, 0))
    rc.close()
    rs.close()


def stats(topo):
    return json.loads(topo.xdpct(topo.s, "stats", "-j"))


def by_port(topo):
    return {f["client"]["port"]: f for f in topo.flows()}


def main():
    need("ip", "ss", "ethtool")
    topo = Topology("inj")
    install_cleanup(topo)
    try:
        topo.create()
        topo.xdpct(topo.s, "attach", "--egress", topo.sif)
        ls = topo.listen(4, PORT, 64)
        conns = []
        for _ in range(NCONN):
            c = topo.connect(4, PORT)
            s, _ = ls.accept()
            conns.append({"c": c.getsockname(), "s": c.getpeername(), "cs": c, "ss": s})
        for c in conns:
            c["cs"].sendall(b"before")
            c["ss"].recv(100)
        # the baseline once the data and its ACKs are through the datapath
        wait_stable(lambda: stats(topo)["packets"], what="the packet counter")
        before = stats(topo)

        sent = spray(topo, topo.c, conns, True) + spray(topo, topo.s, conns, False)
        # the connections keep carrying data after the spray
        for c in conns:
            c["cs"].sendall(b"after")
            c["ss"].recv(100)
            c["ss"].sendall(b"reply")
            c["cs"].recv(100)
        # every injected packet is through the datapath: the refusal
        # counters stopped moving
        wait_stable(lambda: [stats(topo)[k] for k in REFUSED + ("packets",)],
                    what="the refusal counters")
        after = stats(topo)
        flows = by_port(topo)
        alive = sum(1 for c in conns
                    if flows.get(c["c"][1], {}).get("client", {}).get("state") == "ESTABLISHED"
                    and flows[c["c"][1]]["server"]["state"] == "ESTABLISHED"
                    and flows[c["c"][1]]["generation"] == 0)
        ss_est = sum(1 for st in topo.ss(topo.c).values() if st == "ESTAB")
        check(alive == NCONN and ss_est == NCONN,
                f"after {sent} injected packets: {alive}/{NCONN} still ESTABLISHED in "
                f"xdpct (generation 0), {ss_est} in ss")
        refused = sum(after[k] - before[k] for k in REFUSED)
        check(refused >= sent - 3, f"{refused} of {sent} injected packets refused "
              f"(invalid_rst {after['invalid_rst'] - before['invalid_rst']}, "
              f"invalid_seq {after['invalid_seq'] - before['invalid_seq']}, "
              f"invalid_ack {after['invalid_ack'] - before['invalid_ack']}, "
              f"invalid_state {after['invalid_state'] - before['invalid_state']})")
        check(after["flows_reopened"] == before["flows_reopened"]
              and after["flows_closed"] == before["flows_closed"],
              "no connection reopened or closed by the injection")
        # Paired forgery (a SYN, then the other side's answer to exactly it):
        # one segment of the live connection at its exact ends takes it
        # back - the server's challenge ACK to the SYN (RFC 5961 4.2), the
        # client's ACK to the SYN-ACK, or the next data.  Past the kernel's
        # per-socket challenge-ACK rate limit (500 ms) of the spray first.
        time.sleep(1)
        before = stats(topo)
        forge_pairs(topo, conns)
        for c in conns:
            c["cs"].sendall(b"pair")
            c["ss"].recv(100)
            c["ss"].sendall(b"reply")
            c["cs"].recv(100)
        wait_stable(lambda: [stats(topo)[k] for k in ("packets", "stale_undone")],
                    what="the counters after the pairs")
        after = stats(topo)
        flows = by_port(topo)
        alive = sum(1 for c in conns
                    if flows.get(c["c"][1], {}).get("client", {}).get("state") == "ESTABLISHED"
                    and flows[c["c"][1]]["server"]["state"] == "ESTABLISHED")
        ss_est = sum(1 for st in topo.ss(topo.c).values() if st == "ESTAB")
        moved = {k: after[k] - before[k] for k in ("flows_reopened", "flows_closed",
                                                   "stale_undone")}
        check(alive == NCONN and ss_est == NCONN and moved["stale_undone"] > 0 and
              moved["stale_undone"] == moved["flows_reopened"] + moved["flows_closed"],
              f"{NCONN} forged SYN + answer pairs: {alive}/{NCONN} ESTABLISHED in xdpct, "
              f"{ss_est} in ss; every forged reopen or close taken back {moved}")
        # and they still close properly: no desynchronisation
        for c in conns:
            c["cs"].shutdown(socket.SHUT_WR)
        # every server socket has the client's FIN before it closes
        wait_until(lambda: sum(1 for st in topo.ss(topo.s).values() if st == "CLOSE-WAIT"),
                   lambda n: n == NCONN, what=f"{NCONN} server sockets in CLOSE-WAIT")
        for c in conns:
            c["ss"].close()

        def closed():
            flows = by_port(topo)
            return sum(1 for c in conns
                       if flows.get(c["c"][1], {}).get("client", {}).get("state") == "TIME_WAIT"
                       and flows[c["c"][1]]["server"]["state"] == "CLOSED")
        n = wait_until(closed, lambda n: n == NCONN, what="the closes to be tracked")
        check(n == NCONN, f"{n}/{NCONN} closed cleanly afterwards "
              "(client TIME_WAIT, server CLOSED)")
        note(f"figures: injected {sent}, refused {refused}")
        for c in conns:
            c["cs"].close()
        ls.close()
    finally:
        topo.destroy()
    return done("injection")


if __name__ == "__main__":
    sys.exit(main())
