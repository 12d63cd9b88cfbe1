#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Handshake offload on a router: only this host's destinations are answered.

Three namespaces: a client, a router running xdpct (--syncookie on the
client-facing device, forwarding on for both families) and a server
behind it.  The router and the server both listen on the protected port;
the router's listener is a wildcard, so a SYN-ACK it sent in the server's
name would also have its ACK taken by the router's own listener (the
request socket's listener lookup matches a wildcard for any address):
the connection would complete, with the wrong host.

  * IPv4 and IPv6: a connection to the server through the router is the
    server's: the server accepts it and echoes, the router's listener sees
    nothing, the router answered no SYN (synack_sent unchanged) and
    counted it syn_not_local (bpf/lib/sc_local.h).
  * A bare ACK without a flow to the server's port passes on (the server
    decides, RFC 9293 3.10.7.1) and counts
    sc_not_local_passed; the same ACK to the router's own address is a bad
    cookie, dropped.
  * A connection to the router's own address is answered by the offloader
    (synack_sent and cookie_accepted +1) and accepted by the router.
  * With forwarding off on the router (the FIB then says nothing of
    routes, BPF_FIB_LKUP_RET_FWD_DISABLED), its own address is still
    answered.
"""
import json
import os
import signal
import socket
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
from check import bail, check, done, need, note, wait_until  # noqa: E402
from xnet import inns, sh, XDPCT  # noqa: E402

PORT = 8080
TAG = f"rt{os.getpid() % 100000}"
NS_C, NS_R, NS_S = f"xc-{TAG}", f"xr-{TAG}", f"xs-{TAG}"
C4, R4C, R4S, S4 = "10.211.0.1", "10.211.0.2", "10.212.0.2", "10.212.0.1"
C6, R6C, R6S, S6 = "fd31::1", "fd31::2", "fd32::2", "fd32::1"
BUILD = os.path.dirname(XDPCT)
XDP_PASS_OBJ = os.path.join(BUILD, "tests", "bpf", "progs", "xdp_pass.bpf.o")


class Routed:
    def __init__(self):
        self.socks = []
        self.accepted = {NS_R: [], NS_S: []}
        self.lock = threading.Lock()

    def create(self):
        self.destroy()
        for ns in (NS_C, NS_R, NS_S):
            sh(f"ip netns add {ns}")
            sh(f"ip -n {ns} link set lo up")
        sh(f"ip link add c0 netns {NS_C} type veth peer name r0 netns {NS_R}")
        sh(f"ip link add r1 netns {NS_R} type veth peer name s0 netns {NS_S}")
        for ns, dev in ((NS_C, "c0"), (NS_R, "r0"), (NS_R, "r1"), (NS_S, "s0")):
            sh(f"ip -n {ns} link set {dev} up")
            # XDP sees whole, checksummed frames only without offloads
            sh(f"ip netns exec {ns} ethtool -K {dev} tx off tso off gso off gro off",
               check=False)
        # a veth takes XDP_TX frames only with a program of its own
        sh(f"ip -n {NS_C} link set dev c0 xdpdrv obj {XDP_PASS_OBJ} sec xdp")
        for ns, dev, a4, a6 in ((NS_C, "c0", C4, C6), (NS_R, "r0", R4C, R6C),
                                (NS_R, "r1", R4S, R6S), (NS_S, "s0", S4, S6)):
            sh(f"ip -n {ns} addr add {a4}/24 dev {dev}")
            sh(f"ip -n {ns} addr add {a6}/64 dev {dev} nodad")
        sh(f"ip -n {NS_C} route add default via {R4C}")
        sh(f"ip -n {NS_C} -6 route add default via {R6C}")
        sh(f"ip -n {NS_S} route add default via {R4S}")
        sh(f"ip -n {NS_S} -6 route add default via {R6S}")
        self.forwarding(1)

    def forwarding(self, on):
        sh(f"ip netns exec {NS_R} sysctl -qw net.ipv4.ip_forward={on} "
           f"net.ipv6.conf.all.forwarding={on}")

    def destroy(self):
        for s in self.socks:
            s.close()
        self.socks = []
        for ns in (NS_R, NS_S, NS_C):
            if os.path.exists(f"/run/netns/{ns}"):
                sh(f"ip netns exec {ns} {XDPCT} detach --all", check=False)
                sh(f"ip netns del {ns}", check=False)

    def xdpct(self, *args, check=True):
        return sh(f"ip netns exec {NS_R} {XDPCT} " + " ".join(args), check=check)

    def stats(self):
        return json.loads(self.xdpct("stats", "-j"))

    # echo servers in this process: which namespace accepted is the point
    def serve(self, ns, addr, fam):
        af = socket.AF_INET6 if fam == 6 else socket.AF_INET
        with inns(ns):
            ls = socket.socket(af, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == 6:
            ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        ls.bind((addr, PORT))
        ls.listen(64)
        self.socks.append(ls)
        threading.Thread(target=self._accept, args=(ns, ls), daemon=True).start()

    def _accept(self, ns, ls):
        while True:
            try:
                c, peer = ls.accept()
            except OSError:
                return
            with self.lock:
                self.accepted[ns].append((peer[0], peer[1]))
            try:
                c.settimeout(5)
                d = c.recv(100)
                c.sendall(d)
                c.recv(100)
            except OSError:
                pass
            c.close()

    def conversation(self, fam, dst):
        """Connect from the client, send a line, read the echo: what the
        client got back ('' on failure) and its local port."""
        af = socket.AF_INET6 if fam == 6 else socket.AF_INET
        with inns(NS_C):
            s = socket.socket(af, socket.SOCK_STREAM)
        s.settimeout(5)
        port = 0
        try:
            s.connect((dst, PORT))
            port = s.getsockname()[1]
            s.sendall(b"hello through the router\n")
            got = s.recv(100).decode()
        except OSError as e:
            got = ""
            note(f"connect to {dst}: {e}")
        s.close()
        return got, port

    def who_accepted(self, port):
        with self.lock:
            return [ns for ns, peers in self.accepted.items()
                    if any(p == port for _, p in peers)]


def delta(a, b, name):
    return b.get(name, 0) - a.get(name, 0)


def routed_through(t, fam):
    dst = S6 if fam == 6 else S4
    st0 = t.stats()
    got, port = t.conversation(fam, dst)
    check(got == "hello through the router\n",
          f"v{fam}: the server behind the router echoed over a connection through it: {got!r}")
    who = wait_until(lambda: t.who_accepted(port), timeout=3, what="an accept")
    check(who == [NS_S], f"v{fam}: the server accepted it, not the router's wildcard "
          f"listener: {who}")
    st1 = t.stats()
    check(delta(st0, st1, "synack_sent") == 0 and delta(st0, st1, "cookie_accepted") == 0,
          f"v{fam}: the router answered no SYN and took no cookie "
          f"(synack_sent +{delta(st0, st1, 'synack_sent')}, "
          f"cookie_accepted +{delta(st0, st1, 'cookie_accepted')})")
    check(delta(st0, st1, "syn_not_local") >= 1,
          f"v{fam}: counted syn_not_local (+{delta(st0, st1, 'syn_not_local')})")


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def send_bare_ack(fam, src, dst, sport):
    """One ACK (no connection behind it) from the client, by a raw socket:
    the TCP header and its checksum over the pseudo-header (RFC 9293 3.1)."""
    af = socket.AF_INET6 if fam == 6 else socket.AF_INET
    hdr = struct.pack("!HHIIBBHHH", sport, PORT, 0x12345678, 0x9abcdef0, 5 << 4, 0x10,
                      64240, 0, 0)
    pseudo = (socket.inet_pton(af, src) + socket.inet_pton(af, dst) +
              (struct.pack("!IxxxB", len(hdr), 6) if fam == 6 else
               struct.pack("!xBH", 6, len(hdr))))
    hdr = hdr[:16] + struct.pack("!H", _csum(pseudo + hdr)) + hdr[18:]
    with inns(NS_C):
        s = socket.socket(af, socket.SOCK_RAW, socket.IPPROTO_TCP)
    try:
        s.bind((src, 0))
        s.sendto(hdr, (dst, 0))
    finally:
        s.close()


def bare_acks(t):
    """A flowless ACK to another host's protected port is passed; to ours, dropped."""
    for fam in (4, 6):
        src = C6 if fam == 6 else C4
        for dst, local in ((S6 if fam == 6 else S4, False), (R6C if fam == 6 else R4C, True)):
            st0 = t.stats()
            # a source port no connection uses
            send_bare_ack(fam, src, dst, 47001)
            st1 = wait_until(t.stats, lambda s: delta(st0, s, "sc_not_local_passed") +
                             delta(st0, s, "cookie_rejected_bad") >= 1, timeout=3,
                             what="the ACK counted")
            if local:
                check(delta(st0, st1, "cookie_rejected_bad") == 1 and
                      delta(st0, st1, "sc_not_local_passed") == 0,
                      f"v{fam}: a bare ACK to the router's own port is a bad cookie, dropped "
                      f"(+{delta(st0, st1, 'cookie_rejected_bad')})")
            else:
                check(delta(st0, st1, "sc_not_local_passed") == 1 and
                      delta(st0, st1, "cookie_rejected_bad") == 0,
                      f"v{fam}: a bare ACK to the server's port is passed, no cookie check "
                      f"(sc_not_local_passed +{delta(st0, st1, 'sc_not_local_passed')}, "
                      f"cookie_rejected_bad +{delta(st0, st1, 'cookie_rejected_bad')})")


def own_address(t, fam, label):
    dst = R6C if fam == 6 else R4C
    st0 = t.stats()
    got, port = t.conversation(fam, dst)
    check(got == "hello through the router\n", f"v{fam} {label}: the router's own listener "
          f"echoed: {got!r}")
    who = wait_until(lambda: t.who_accepted(port), timeout=3, what="an accept")
    check(who == [NS_R], f"v{fam} {label}: the router accepted it: {who}")
    st1 = t.stats()
    check(delta(st0, st1, "synack_sent") == 1 and delta(st0, st1, "cookie_accepted") == 1,
          f"v{fam} {label}: the offloader answered it (synack_sent "
          f"+{delta(st0, st1, 'synack_sent')}, cookie_accepted "
          f"+{delta(st0, st1, 'cookie_accepted')})")


def main():
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    if os.geteuid() != 0:
        bail("syncookie_routed: needs root")
    need("ip", "ethtool", "sysctl")
    if not os.path.exists(XDP_PASS_OBJ):
        bail(f"syncookie_routed: {XDP_PASS_OBJ} missing: make test-build")
    t = Routed()
    try:
        t.create()
        for fam, addr, wild in ((4, S4, "0.0.0.0"), (6, S6, "::")):
            t.serve(NS_S, addr, fam)
            t.serve(NS_R, wild, fam)
        t.xdpct("attach", "--egress", "--syncookie", str(PORT), "r0")
        for fam in (4, 6):
            routed_through(t, fam)
        bare_acks(t)
        for fam in (4, 6):
            own_address(t, fam, "forwarding on")
        t.forwarding(0)
        time.sleep(1.2)     # past the per-CPU verdict's second (sc_local.h)
        for fam in (4, 6):
            own_address(t, fam, "forwarding off")
    finally:
        t.destroy()
    return done("syncookie_routed")


if __name__ == "__main__":
    sys.exit(main())
