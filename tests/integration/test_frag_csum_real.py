#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Issue 12 against the real thing: fragments and checksums from real kernels.

- IPv4 fragments from a real socket: client -> router -> server, the
  router's link to the server has MTU 600 while the server's own veth has
  1500 (so it advertises MSS 1460), and the client's socket sends with DF
  off (IP_MTU_DISCOVER = IP_PMTUDISC_DONT).  The router's kernel fragments
  every full segment (ip_forward -> ip_fragment, DF clear), so the server's
  veth, where xdpct is attached, sees data and finally the FIN (piggybacked
  on the last data segment: TCP_CORK, then shutdown) in fragments.  At each
  checkpoint xdpct's states of both ends equal `ss` in each namespace, and
  no invalid_* counter moves (the server's ACKs cover whole segments: if
  xdpct counted only the first fragment, they would be "beyond what was
  sent").
- An RST with a bad checksum, crafted with hping3 --badcksum at exactly the
  client's next sequence number (RFC 9293 3.10.7.x, RFC 5961 3.2: an exact
  RST is accepted): xdpct counts invalid_checksum, its flow stays
  ESTABLISHED, and so does the server's socket (the kernel discards it too,
  tcp_v4_rcv() -> tcp_checksum_complete()).  The same RST with a good
  checksum then closes both: the RST was one xdpct would otherwise take.
- TC egress never verifies (the skb's checksum is CHECKSUM_PARTIAL, filled
  in by the device later): with tx checksum offload on the server's veth,
  tcpdump sees the server's segments with incorrect checksums at the
  device, yet `--checksum all` counts none of them invalid_checksum.
"""
import json
import os
import re
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
from check import check, done, need, note, wait_until  # noqa: E402
from xnet import agree_with_ss, Topology, find_flow, ss_state, install_cleanup, sh, XDPCT  # noqa: E402

IP_MTU_DISCOVER, IP_PMTUDISC_DONT = 10, 0


def stats(ns):
    return json.loads(sh(f"ip netns exec {ns} {XDPCT} stats -j"))


def invalid(st):
    return {k: v for k, v in st.items() if k.startswith("invalid_") and v}


def delta(a, b):
    return {k: b[k] - a.get(k, 0) for k in b if isinstance(b[k], int) and b[k] != a.get(k, 0)}


def flows(ns):
    return json.loads(sh(f"ip netns exec {ns} {XDPCT} flows -j"))


def agree(topo, client, server, want_c, want_s, label, timeout=10):
    """Poll until xdpct (on the server) and ss (both ends) agree with want."""
    return agree_with_ss(topo, lambda: flows(topo.s), client, server, want_c, want_s, label, timeout)


class Routed(Topology):
    """client --veth-c/veth-rc-- router --veth-rs/veth-s-- server, IPv4.
    The router's veth to the server has MTU 600, the server's 1500."""

    def __init__(self, tag):
        super().__init__(tag)
        self.r = self.c.replace("xc-", "xr-")
        self.c4, self.s4 = "10.199.1.1", "10.199.2.2"

    def create(self):
        self.destroy()
        for ns in (self.c, self.r, self.s):
            sh(f"ip netns add {ns}")
            sh(f"ip -n {ns} link set lo up")
        self.up = True
        sh(f"ip link add {self.cif} netns {self.c} type veth peer name veth-rc netns {self.r}")
        sh(f"ip link add veth-rs netns {self.r} type veth peer name {self.sif} netns {self.s}")
        for ns, dev in ((self.c, self.cif), (self.r, "veth-rc"), (self.r, "veth-rs"),
                        (self.s, self.sif)):
            sh(f"ip -n {ns} link set {dev} up")
            # XDP on veth sees whole frames only without offloads (see README)
            sh(f"ip netns exec {ns} ethtool -K {dev} tx off tso off gso off gro off", check=False)
        sh(f"ip -n {self.r} link set veth-rs mtu 600")
        sh(f"ip -n {self.c} addr add {self.c4}/24 dev {self.cif}")
        sh(f"ip -n {self.r} addr add 10.199.1.254/24 dev veth-rc")
        sh(f"ip -n {self.r} addr add 10.199.2.254/24 dev veth-rs")
        sh(f"ip -n {self.s} addr add {self.s4}/24 dev {self.sif}")
        sh(f"ip -n {self.c} route add default via 10.199.1.254")
        sh(f"ip -n {self.s} route add default via 10.199.2.254")
        sh(f"ip netns exec {self.r} sysctl -qw net.ipv4.ip_forward=1")
        return self

    def destroy(self):
        super().destroy()
        r = getattr(self, "r", None)
        if r and os.path.exists(f"/run/netns/{r}"):
            sh(f"ip netns del {r}", check=False)


def fragments(topo):
    """Data and a FIN in fragmented segments; states agree with ss throughout."""
    port = 8400
    topo.xdpct(topo.s, "attach", "--egress", "--drop-invalid", "--drop-window", topo.sif)
    before = stats(topo.s)
    ls = topo.listen(4, port)
    with topo.inns(topo.c):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
    c.settimeout(5)
    c.connect((topo.s4, port))
    s, _ = ls.accept()
    client, server = f"{topo.c4}:{c.getsockname()[1]}", f"{topo.s4}:{port}"
    check(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG) > 600,
          f"client MSS {c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)} > the router's "
          f"MTU 600: its full segments are fragmented")
    agree(topo, client, server, "ESTABLISHED", "ESTABLISHED", "frag: connected")
    data = os.urandom(64 * 1024)
    c.sendall(data)
    got = b""
    while len(got) < len(data):
        got += s.recv(65536)
    check(got == data, f"frag: {len(data)} bytes through the router, reassembled intact")
    mid = stats(topo.s)
    d = delta(before, mid)
    check(d.get("frag_first", 0) >= 40 and d.get("frag_later", 0) >= 40,
          f"frag: the data arrived in fragments (frag_first +{d.get('frag_first', 0)}, "
          f"frag_later +{d.get('frag_later', 0)})")
    agree(topo, client, server, "ESTABLISHED", "ESTABLISHED", "frag: after fragmented data")
    # the FIN on the last data segment, itself fragmented
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    c.send(os.urandom(1400))
    c.shutdown(socket.SHUT_WR)
    tail = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        tail += b
    check(len(tail) == 1400, f"frag: the last segment's 1400 bytes and its FIN ({len(tail)})")
    fin = stats(topo.s)
    check(fin["frag_first"] > mid["frag_first"],
          f"frag: the FIN's segment came in fragments too (frag_first "
          f"+{fin['frag_first'] - mid['frag_first']})")
    agree(topo, client, server, "FIN_WAIT_2", "CLOSE_WAIT", "frag: the fragmented FIN taken")
    s.close()
    agree(topo, client, server, "TIME_WAIT", "CLOSED", "frag: closed")
    c.close()
    ls.close()
    after = stats(topo.s)
    check(not invalid(delta(before, after)) and after["dropped"] == before["dropped"],
          f"frag: nothing counted invalid or dropped: {invalid(delta(before, after))}")
    topo.xdpct(topo.s, "detach", "--all")


def capture_seq(topo, cport, send):
    """The absolute sequence number of the client's next data segment."""
    p = subprocess.Popen(["ip", "netns", "exec", topo.s, "tcpdump", "-i", topo.sif, "-nS", "-l",
                          "-c", "1", f"tcp and src port {cport} and tcp[13] & 8 != 0"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1)	# tcpdump's filter in place
    send()
    out, _ = p.communicate(timeout=10)
    m = re.search(r"seq (\d+):(\d+)", out)
    check(m is not None, f"badcksum: the client's segment seen by tcpdump: {out.strip()}")
    return int(m.group(2))


def bad_checksum_rst(topo):
    port = 8401
    topo.xdpct(topo.s, "attach", "--egress", topo.sif)	# no --drop-invalid: the
    # kernel gets the bad RST too and must discard it by itself
    ls = topo.listen(4, port)
    c = topo.connect(4, port)
    s, _ = ls.accept()
    cport = c.getsockname()[1]
    client, server = f"{topo.c4}:{cport}", f"{topo.s4}:{port}"
    agree(topo, client, server, "ESTABLISHED", "ESTABLISHED", "badcksum: connected")
    nxt = capture_seq(topo, cport, lambda: c.sendall(b"hello"))
    check(s.recv(16) == b"hello", "badcksum: data before the RST")
    before = stats(topo.s)
    rst = (f"ip netns exec {topo.c} hping3 {topo.s4} -q -c 1 -R -k -s {cport} -p {port} "
           f"-M {nxt}")
    sh(rst + " --badcksum", check=False)	# hping3 exits 1 when no answer came
    wait_until(lambda: stats(topo.s)["invalid_checksum"], lambda v: v > before["invalid_checksum"],
               5, "invalid_checksum to move")
    mid = stats(topo.s)
    check(mid["invalid_checksum"] == before["invalid_checksum"] + 1,
          f"badcksum: the RST counted invalid_checksum "
          f"(+{mid['invalid_checksum'] - before['invalid_checksum']})")
    time.sleep(0.3)
    agree(topo, client, server, "ESTABLISHED", "ESTABLISHED",
          "badcksum: the bad-checksum RST moved nothing, here or in the kernel")
    c.sendall(b"still")
    check(s.recv(16) == b"still", "badcksum: the connection still carries data")
    # positive control: the same RST, checksummed, is in the window and closes
    nxt = nxt + 5
    sh(rst.replace(f"-M {nxt - 5}", f"-M {nxt}"), check=False)
    fl = wait_until(lambda: find_flow(flows(topo.s), client, server),
                    lambda f: f is not None and f["server"]["state"] == "CLOSED", 5,
                    "the good RST to close the flow")
    ss_s = wait_until(lambda: ss_state(topo, topo.s, server, client),
                      lambda st: st == "CLOSED", 5, "the server socket to go")
    check(fl is not None and fl["server"]["state"] == "CLOSED" and "reset" in fl["flags"]
          and ss_s == "CLOSED",
          f"badcksum: the same RST with a good checksum closes it: xdpct "
          f"{fl and fl['server']['state']} {fl and fl['flags']}, server ss {ss_s}")
    after = stats(topo.s)
    check(after["invalid_checksum"] == mid["invalid_checksum"],
          "badcksum: the good RST not counted invalid_checksum")
    c.close()
    s.close()
    ls.close()
    topo.xdpct(topo.s, "detach", "--all")


def egress_partial(topo):
    port = 8402
    sh(f"ip netns exec {topo.s} ethtool -K {topo.sif} tx on")
    topo.xdpct(topo.s, "attach", "--egress", "--checksum", "all", topo.sif)
    before = stats(topo.s)
    ls = topo.listen(4, port)
    dump = subprocess.Popen(["ip", "netns", "exec", topo.s, "tcpdump", "-i", topo.sif, "-nvv",
                             "-l", f"tcp and src port {port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    time.sleep(1)
    c = topo.connect(4, port)
    s, _ = ls.accept()
    client, server = f"{topo.c4}:{c.getsockname()[1]}", f"{topo.s4}:{port}"
    for _ in range(20):
        # under the router's MTU 600 towards the client (the server sends DF)
        s.sendall(os.urandom(400))
        got = 0
        while got < 400:
            got += len(c.recv(4096))
    s.close()
    c.close()
    agree(topo, client, server, "CLOSED", "TIME_WAIT", "egress: tracked to the close (the server closed first)")
    time.sleep(0.5)
    dump.terminate()
    out, _ = dump.communicate(timeout=10)
    bad = len(re.findall(r"cksum 0x[0-9a-f]+ \(incorrect", out))
    check(bad >= 10, f"egress: the server's segments left with partial checksums "
          f"(tcpdump: {bad} incorrect at the device, tx offload on)")
    after = stats(topo.s)
    check(after["invalid_checksum"] == before["invalid_checksum"] and not invalid(
        delta(before, after)), f"egress: none counted invalid: {invalid(delta(before, after))}")
    ls.close()
    topo.xdpct(topo.s, "detach", "--all")
    sh(f"ip netns exec {topo.s} ethtool -K {topo.sif} tx off")


def main():
    need("ip", "ss", "ethtool", "tcpdump", "hping3", "sysctl")
    topo = Routed("frc")
    install_cleanup(topo)
    try:
        topo.create()
        fragments(topo)
        bad_checksum_rst(topo)
        egress_partial(topo)
        note("fragments, a bad-checksum RST and egress partial checksums against real kernels")
    finally:
        topo.destroy()
    return done("frag_csum_real")


if __name__ == "__main__":
    sys.exit(main())
