#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Handshake offload against the real thing: the kernel's TCP on both ends.

Two namespaces (client, server) joined by two veth pairs: pair 0 untagged,
pair 1 carrying VLAN 10 both ways.  This kernel has no 802.1Q devices
(CONFIG_VLAN_8021Q is off), so the VLAN is made by tcx programs loaded
here (bpf_skb_vlan_push/pop): the client's egress tags (with tx VLAN
offload off, so the tag is in the frame XDP sees), the server's egress tags
before xdpct's TC egress program sees the packet (as a VLAN device above
the interface would), and both ingresses untag before the stack.

xdpct is attached to both server interfaces with --egress and
--syncookie 8080,8443 (9090 stays unprotected: the baseline).  For each
completion mode (reqsk, synproxy):
  * IPv4 and IPv6, untagged and VLAN: connect, data both ways, four-way
    close tracked in `xdpct flows -j`; the SYN-ACK came from XDP (counters)
    and the server's kernel sent no cookie and dropped nothing (nstat);
    MSS, window scale, SACK and timestamps of both sockets as the client
    offered them (ss -ti and TCP_INFO), the same as on the open port; ECN.
  * ACKs with wrong cookies, an ACK flood and RSTs: dropped and counted,
    no flow, the listener never sees them (no RST, no cookie failure).
  * SYN flood (hping3 --flood --rand-source) for 12 s while 1000 real
    clients connect: >= 99 % succeed, ListenOverflows/ListenDrops stay 0,
    the flow table does not grow with the flood.
  * auto mode: cookies go on under the flood and off after it (watch -j).
"""
import ctypes
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
from check import bail, check, done, need, note, wait_stable, wait_until  # noqa: E402
from xnet import inns, reading_events, sh, XDPCT  # noqa: E402

PORT, PORT2, OPEN = 8080, 8443, 9090
VLAN = 10
TAG = f"sc{os.getpid() % 100000}"
NS_C, NS_S = f"xc-{TAG}", f"xs-{TAG}"
# pair: (client dev, server dev, v4 client, v4 server, v6 client, v6 server, vlan)
PAIRS = [("sc0", "ss0", "10.201.0.1", "10.201.0.2", "fd21::1", "fd21::2", 0),
         ("sc1", "ss1", "10.202.0.1", "10.202.0.2", "fd22::1", "fd22::2", VLAN)]
BUILD = os.path.dirname(XDPCT)
XDP_PASS_OBJ = os.path.join(BUILD, "tests", "bpf", "progs", "xdp_pass.bpf.o")
LOAD = os.path.join(HERE, "sc_load.py")
FLOOD_S = 12
LEGIT = 1000

_libc = ctypes.CDLL(None, use_errno=True)
TCPI_OPT_TIMESTAMPS, TCPI_OPT_SACK, TCPI_OPT_WSCALE, TCPI_OPT_ECN = 1, 2, 4, 8


# ---- VLAN emulation: two four-instruction tc programs --------------------

def _bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, len(attr))
    r = _libc.syscall(321, cmd, buf, len(attr))    # SYS_bpf, x86_64
    if r < 0:
        raise OSError(ctypes.get_errno(), f"bpf({cmd})")
    return r


def _insn(code, dst=0, imm=0):
    return struct.pack("<BBhi", code, dst, 0, imm)


def vlan_prog(push_vid):
    """push_vid: tag with it (bpf_skb_vlan_push) ; None: untag (pop)."""
    if push_vid is not None:
        body = _insn(0xb7, 2, 0x0081) + _insn(0xb7, 3, push_vid) + _insn(0x85, 0, 18)
    else:
        body = _insn(0x85, 0, 19)
    code = body + _insn(0xb7, 0, -1) + _insn(0x95)     # return TCX_NEXT
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    attr = struct.pack("<IIQQIIQII16s", 3, len(code) // 8, ctypes.addressof(insns),
                       ctypes.addressof(lic), 0, 0, 0, 0, 0, b"xdpct_test_vlan")
    return _bpf(5, attr.ljust(144, b"\0"))             # BPF_PROG_LOAD, SCHED_CLS


def tcx_attach(prog_fd, ifindex, egress):
    attr = struct.pack("<IIII", prog_fd, ifindex, 47 if egress else 46, 0)
    return _bpf(28, attr.ljust(64, b"\0"))              # BPF_LINK_CREATE, tcx


# ---- topology ------------------------------------------------------------

class Topo:
    def __init__(self):
        self.fds = []
        self.server_socks = []
        self.accepted = {}
        self.lock = threading.Lock()

    def create(self):
        self.destroy()
        for ns in (NS_C, NS_S):
            sh(f"ip netns add {ns}")
            sh(f"ip -n {ns} link set lo up")
        for cdev, sdev, c4, s4, c6, s6, vlan in PAIRS:
            sh(f"ip link add {cdev} netns {NS_C} type veth peer name {sdev} netns {NS_S}")
            for ns, dev in ((NS_C, cdev), (NS_S, sdev)):
                sh(f"ip -n {ns} link set {dev} up")
                # XDP sees whole, checksummed frames only without offloads
                sh(f"ip netns exec {ns} ethtool -K {dev} tx off tso off gso off gro off",
                   check=False)
            # a veth takes XDP_TX frames only with a program of its own
            sh(f"ip -n {NS_C} link set dev {cdev} xdpdrv obj {XDP_PASS_OBJ} sec xdp")
            sh(f"ip -n {NS_C} addr add {c4}/24 dev {cdev}")
            sh(f"ip -n {NS_S} addr add {s4}/24 dev {sdev}")
            sh(f"ip -n {NS_C} addr add {c6}/64 dev {cdev} nodad")
            sh(f"ip -n {NS_S} addr add {s6}/64 dev {sdev} nodad")
            cmac = json.loads(sh(f"ip -n {NS_C} -j link show {cdev}"))[0]["address"]
            smac = json.loads(sh(f"ip -n {NS_S} -j link show {sdev}"))[0]["address"]
            for a in (s4, s6):
                sh(f"ip -n {NS_C} neigh add {a} lladdr {smac} dev {cdev}")
            for a in (c4, c6):
                sh(f"ip -n {NS_S} neigh add {a} lladdr {cmac} dev {sdev}")
            if vlan:
                sh(f"ip netns exec {NS_C} ethtool -K {cdev} txvlan off")
                for ns, dev in ((NS_C, cdev), (NS_S, sdev)):
                    with inns(ns):
                        idx = socket.if_nametoindex(dev)
                        push, pop = vlan_prog(vlan), vlan_prog(None)
                        self.fds += [push, pop, tcx_attach(push, idx, True),
                                     tcx_attach(pop, idx, False)]
        return self

    def destroy(self):
        for s in self.server_socks:
            s.close()
        self.server_socks = []
        for fd in self.fds:
            os.close(fd)
        self.fds = []
        for ns in (NS_S, NS_C):
            if os.path.exists(f"/run/netns/{ns}"):
                sh(f"ip netns exec {ns} {XDPCT} detach --all", check=False)
                sh(f"ip netns del {ns}", check=False)

    def xdpct(self, *args, check=True):
        return sh(f"ip netns exec {NS_S} {XDPCT} " + " ".join(args), check=check)

    def stats(self):
        return json.loads(self.xdpct("stats", "-j"))

    def flows(self):
        return json.loads(self.xdpct("flows", "-j"))

    def nstat(self):
        out = sh(f"ip netns exec {NS_S} nstat -asz TcpExtSyncookiesSent TcpExtSyncookiesRecv "
                 "TcpExtSyncookiesFailed TcpExtListenOverflows TcpExtListenDrops TcpOutRsts")
        return {m.group(1): int(m.group(2))
                for m in re.finditer(r"^(\w+)\s+(\d+)", out, re.M)}

    # a threaded echo server, in this process, so TCP_INFO of its sockets
    # can be read; it closes after the client does
    def serve(self, addr, port):
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        with inns(NS_S):
            ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        ls.bind((addr, port))
        ls.listen(4096)
        self.server_socks.append(ls)
        threading.Thread(target=self._accept, args=(ls,), daemon=True).start()

    def _accept(self, ls):
        while True:
            try:
                c, peer = ls.accept()
            except OSError:
                return
            with self.lock:
                self.accepted[(peer[0], peer[1], ls.getsockname()[1])] = c
            threading.Thread(target=self._echo, args=(c,), daemon=True).start()

    @staticmethod
    def _echo(c):
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
        except OSError:
            pass
        finally:
            try:
                c.close()
            except OSError:
                pass


def tcp_info(sock):
    b = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    opts, ws = b[5], b[6]
    return {"opts": opts, "snd_wscale": ws & 0xf, "rcv_wscale": ws >> 4}


def ss_info(ns, local, peer):
    """mss and wscale of the socket local->peer, from ss -ti."""
    lh, lp = local
    ph, pp = peer
    fam = "-6" if ":" in lh else "-4"
    out = sh(f"ip netns exec {ns} ss -tiHn {fam} state established "
             f"'( sport = :{lp} and dport = :{pp} )'")
    m = re.search(r"wscale:(\d+),(\d+)", out)
    s = re.search(r"\bmss:(\d+)", out)
    return {"wscale": (int(m.group(1)), int(m.group(2))) if m else None,
            "mss": int(s.group(1)) if s else None}


def find_flow(flows, caddr, cport, sport):
    for f in flows:
        if f["client"]["addr"] == caddr and f["client"]["port"] == cport and \
                f["server"]["port"] == sport:
            return f
    return None


def conversation(topo, pair, fam, port, label):
    """One connection: data both ways, options compared, four-way close."""
    cdev, sdev, c4, s4, c6, s6, vlan = pair
    caddr, saddr = (c6, s6) if fam == 6 else (c4, s4)
    with inns(NS_C):
        cs = socket.socket(socket.AF_INET6 if fam == 6 else socket.AF_INET, socket.SOCK_STREAM)
    cs.settimeout(5)
    try:
        cs.connect((saddr, port))
    except OSError as e:
        check(False, f"{label}: connect: {e}")
        return None
    cport = cs.getsockname()[1]
    cs.sendall(os.urandom(3000))
    got = 0
    while got < 3000:
        d = cs.recv(65536)
        if not d:
            break
        got += len(d)
    check(got == 3000, f"{label}: 3000 bytes there and back ({got})")
    ss_ = wait_until(lambda: topo.accepted.get((caddr, cport, port)), timeout=3,
                     what=f"{label}: the server to accept")
    res = {"client": tcp_info(cs), "server": tcp_info(ss_) if ss_ else None,
           "ss_server": ss_info(NS_S, (saddr, port), (caddr, cport)),
           "ss_client": ss_info(NS_C, (caddr, cport), (saddr, port)), "cport": cport}
    fl = find_flow(topo.flows(), caddr, cport, port)
    check(fl is not None and fl["client"]["state"] == fl["server"]["state"] == "ESTABLISHED"
          and fl["vlan"] == ([vlan] if vlan else []),
          f"{label}: xdpct: both ESTABLISHED, vlan {fl['vlan'] if fl else '?'}")
    res["flags"] = fl["flags"] if fl else []
    # the client closes first: client TIME_WAIT, server CLOSED
    cs.shutdown(socket.SHUT_WR)
    cs.recv(10)
    cs.close()

    def closed():
        f = find_flow(topo.flows(), caddr, cport, port)
        return f if f and f["client"]["state"] == "TIME_WAIT" and \
            f["server"]["state"] == "CLOSED" else None
    fl = wait_until(closed, timeout=3, what=f"{label}: the close to be tracked")
    check(fl is not None, f"{label}: four-way close tracked: client TIME_WAIT, server CLOSED")
    return res


def options_match(label, got, base, wscale):
    """A cookie connection's options against the open port's (same client)."""
    c, s = got["client"], got["server"]
    want = TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE
    check(s is not None and c["opts"] & want == want and s["opts"] & want == want,
          f"{label}: timestamps, SACK, window scaling on both sockets "
          f"(client {c['opts']:#x}, server {s['opts'] if s else 0:#x})")
    if s is None:
        return
    # what the client offered (its rcv_wscale) is what the server uses to send
    check(s["snd_wscale"] == c["rcv_wscale"] == base["client"]["rcv_wscale"] and
          s["rcv_wscale"] == c["snd_wscale"] == wscale,
          f"{label}: window scale client {c['rcv_wscale']} server {s['rcv_wscale']} "
          f"(--wscale {wscale}) consistent; ss {got['ss_server']['wscale']}")
    check(got["ss_server"]["mss"] == base["ss_server"]["mss"] and
          got["ss_client"]["mss"] == base["ss_client"]["mss"],
          f"{label}: MSS server {got['ss_server']['mss']} client {got['ss_client']['mss']} "
          f"= open port's {base['ss_server']['mss']}/{base['ss_client']['mss']}")


def hping(args, timeout):
    return subprocess.run(f"timeout {timeout} ip netns exec {NS_C} hping3 {args}", shell=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def server_wscale():
    """The window scale the server's kernel picks for itself (SYNPROXY must
    offer the same: it cannot rewrite the server's windows)."""
    space = max(int(sh(f"ip netns exec {NS_S} sysctl -n net.ipv4.tcp_rmem").split()[2]),
                int(sh(f"ip netns exec {NS_S} sysctl -n net.core.rmem_max")))
    ws = 0
    while space > 65535 and ws < 14:
        space >>= 1
        ws += 1
    return ws


def wscale_for(mode):
    # reqsk: the request socket takes ours, whatever the server would pick
    return 7 if mode == "reqsk" else server_wscale()


def attach(topo, mode, extra=""):
    topo.xdpct("attach", "--egress", "--syncookie", f"{PORT},{PORT2}",
               "--syncookie-completion", mode, "--wscale", str(wscale_for(mode)), extra,
               PAIRS[0][1], PAIRS[1][1])


def functional(topo, mode):
    st0, ns0 = topo.stats(), topo.nstat()
    for pair in PAIRS:
        for fam in (4, 6):
            tag = f"{mode} v{fam}{' vlan' if pair[6] else ''}"
            base = conversation(topo, pair, fam, OPEN, f"{tag} open port")
            got = conversation(topo, pair, fam, PORT, f"{tag} protected")
            if got:
                check("syncookie" in got["flags"] and
                      (base is None or "syncookie" not in base["flags"]),
                      f"{tag}: flow flagged syncookie (open port's not)")
                if base:
                    options_match(tag, got, base, wscale_for(mode))
    st, ns = topo.stats(), topo.nstat()
    d = {k: st[k] - st0[k] for k in st}
    check(d["synack_sent"] >= 4 and d["cookie_accepted"] >= 4 and
          d["handshake_completed"] >= 4,
          f"{mode}: SYN-ACKs from XDP {d['synack_sent']}, cookies accepted "
          f"{d['cookie_accepted']}, handshakes completed {d['handshake_completed']}")
    check(ns["TcpExtSyncookiesSent"] == ns0["TcpExtSyncookiesSent"] == 0 and
          ns["TcpExtListenOverflows"] == ns["TcpExtListenDrops"] == 0,
          f"{mode}: server kernel sent no cookie and dropped nothing: {ns}")

    # ECN (RFC 3168): the client asks, the cookie carries it
    sh(f"ip netns exec {NS_C} sysctl -qw net.ipv4.tcp_ecn=1")
    got = conversation(topo, PAIRS[0], 4, PORT, f"{mode} ECN")
    sh(f"ip netns exec {NS_C} sysctl -qw net.ipv4.tcp_ecn=2")
    if got:
        check(got["client"]["opts"] & TCPI_OPT_ECN and got["server"] and
              got["server"]["opts"] & TCPI_OPT_ECN,
              f"{mode}: ECN negotiated through the cookie")


def attacks(topo, mode):
    s4 = PAIRS[0][3]
    st0, ns0 = topo.stats(), topo.nstat()
    nflows0 = len(topo.flows())
    # ACKs with made-up cookies, one at a time, then a flood; RSTs
    hping(f"-q -A -c 200 -i u2000 -p {PORT} -s 30000 -M 12345 -L 424242 {s4}", 10)
    hping(f"-q -R -c 100 -i u2000 -p {PORT} -s 31000 {s4}", 10)
    hping(f"-q --flood -A -p {PORT} --rand-source {s4}", 2)
    # the flood's last packets are through the datapath
    wait_stable(lambda: [topo.stats()[k] for k in ("cookie_rejected_bad", "cookie_rejected_stale",
                                                   "cookie_rejected_rst", "packets")],
                what="the cookie counters")
    st, ns = topo.stats(), topo.nstat()
    d = {k: st[k] - st0[k] for k in st}
    bad = d["cookie_rejected_bad"] + d["cookie_rejected_stale"]
    check(bad >= 200, f"{mode}: ACKs with bad cookies dropped: {bad}")
    check(d["cookie_rejected_rst"] >= 100, f"{mode}: RSTs dropped: {d['cookie_rejected_rst']}")
    check(d["cookie_accepted"] == 0 and d["flows_created"] == 0 and
          len(topo.flows()) <= nflows0,
          f"{mode}: no flow made (created {d['flows_created']}, accepted "
          f"{d['cookie_accepted']})")
    check(ns["TcpOutRsts"] == ns0["TcpOutRsts"] and
          ns["TcpExtSyncookiesFailed"] == ns0["TcpExtSyncookiesFailed"],
          f"{mode}: none reached the listener (its RSTs {ns['TcpOutRsts'] - ns0['TcpOutRsts']}, "
          f"cookie failures {ns['TcpExtSyncookiesFailed'] - ns0['TcpExtSyncookiesFailed']})")


def flood(topo, mode, results):
    s4 = PAIRS[0][3]
    st0 = topo.stats()
    nflows0 = len(topo.flows())
    fl = subprocess.Popen(f"timeout {FLOOD_S} ip netns exec {NS_C} hping3 -q --flood -S "
                          f"-p {PORT} --rand-source {s4}", shell=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # the legitimate clients come once the flood is on
    wait_until(lambda: topo.stats()["syn_seen"] - st0["syn_seen"], lambda n: n > 1000,
               timeout=10, what="the flood to reach the server")
    load = subprocess.run(f"ip netns exec {NS_C} {sys.executable} {LOAD} {s4} {PORT} {LEGIT} "
                          f"{FLOOD_S - 2.5}", shell=True, capture_output=True, text=True,
                          timeout=120)
    maxflows = len(topo.flows())
    fl.wait()
    st, ns = topo.stats(), topo.nstat()
    d = {k: st[k] - st0[k] for k in st}
    try:
        r = json.loads(load.stdout)
    except ValueError:
        r = {"ok": 0, "failed": LEGIT, "error": load.stderr[-300:]}
    rate = d["syn_seen"] / FLOOD_S
    results[mode] = {"flood_syn_per_s": int(rate), "synack_per_s": int(d["synack_sent"] / FLOOD_S),
                     "legit": r}
    check(d["syn_seen"] > 20 * LEGIT,
          f"{mode}: flood of {d['syn_seen']} SYNs in {FLOOD_S} s ({int(rate)}/s), "
          f"{d['synack_sent']} SYN-ACKs from XDP")
    check(r["ok"] >= 0.99 * LEGIT,
          f"{mode}: {r['ok']} of {LEGIT} legitimate connections during the flood "
          f"(connect p50 {r.get('connect_ms_p50')} ms, p99 {r.get('connect_ms_p99')} ms)")
    check(ns["TcpExtListenOverflows"] == 0 and ns["TcpExtListenDrops"] == 0 and
          ns["TcpExtSyncookiesSent"] == 0,
          f"{mode}: ListenOverflows {ns['TcpExtListenOverflows']}, ListenDrops "
          f"{ns['TcpExtListenDrops']}, kernel cookies {ns['TcpExtSyncookiesSent']}")
    check(d["flows_created"] <= r["ok"] + r["failed"] + 10 and
          maxflows <= nflows0 + LEGIT + 10 and d["insert_failed"] == 0,
          f"{mode}: the flow table does not grow with the flood (flows created "
          f"{d['flows_created']}, at most {maxflows} entries)")


def auto(topo, mode):
    topo.xdpct("detach", "--all")
    # until cookies go on the flood's SYNs are tracked, each an event: room
    # for them, so the switch's own event is not lost behind them
    attach(topo, mode, "--syncookie-mode auto --syncookie-threshold 3000 --ringbuf 67108864")
    s4 = PAIRS[0][3]
    # no shell between: the SIGINT below must reach xdpct itself
    w = subprocess.Popen(["ip", "netns", "exec", NS_S, XDPCT, "watch", "-j"],
                         stdout=subprocess.PIPE, text=True)
    wait_until(lambda: reading_events(w.pid), timeout=10, what="watch to read events")
    st0 = topo.stats()
    got = conversation(topo, PAIRS[0], 4, PORT, f"{mode} auto, quiet")
    if got:
        check("syncookie" not in got["flags"], f"{mode} auto: quiet port, the kernel answered")
    hping(f"-q --flood -S -p {PORT} --rand-source {s4}", 4)
    st1 = topo.stats()
    # cookies go off after a calm second (bpf/lib/sc_auto.h)
    st2 = wait_until(topo.stats, lambda st: st["sc_mode_switch"] >= 2, timeout=10,
                     what="cookies to go off after the flood")
    w.send_signal(signal.SIGINT)
    out, _ = w.communicate(timeout=10)
    ev = [e for e in (json.loads(line) for line in out.splitlines() if line.startswith("{"))
          if e.get("event") == "syncookie"]
    check([e["cookies"] for e in ev][:2] == ["on", "off"] and ev[0]["port"] == PORT,
          f"{mode} auto: cookies on under the flood ({ev[0]['syn_rate'] if ev else '?'} SYN/s) "
          f"and off after it: {[(e['cookies'], e['syn_rate']) for e in ev]}")
    check(st1["synack_sent"] - st0["synack_sent"] > 1000 and st2["sc_mode_switch"] >= 2,
          f"{mode} auto: {st1['synack_sent'] - st0['synack_sent']} SYN-ACKs from XDP, "
          f"{st2['sc_mode_switch']} switches")


def stage(name, t0=[0.0]):
    now = time.monotonic()
    if t0[0]:
        note(f"  ({now - t0[0]:.1f} s)")
    if name:
        note(f"--- {name}")
    t0[0] = now


def run_mode(mode, results):
    note(f"=== completion {mode}")
    stage("topology")
    topo = Topo().create()
    try:
        for pair in PAIRS:
            for a in (pair[3], pair[5]):
                for p in (PORT, OPEN):
                    topo.serve(a, p)
        attach(topo, mode)
        stage("connections")
        functional(topo, mode)
        stage("forged ACKs and RSTs")
        attacks(topo, mode)
        stage("SYN flood")
        flood(topo, mode, results)
        stage("auto mode")
        auto(topo, mode)
        stage("detach")
        topo.xdpct("detach", "--all")
        left = sh(f"ip netns exec {NS_S} iptables-save; ip netns exec {NS_S} ip6tables-save; "
                  f"ip netns exec {NS_S} tc filter show dev {PAIRS[0][1]} ingress; "
                  f"ip netns exec {NS_S} sysctl -n net.netfilter.nf_conntrack_tcp_loose")
        check("XDPCT" not in left and "xdpct" not in left and left.strip().endswith("1"),
              f"{mode}: detach removed the TC program, the SYNPROXY rules and "
              f"restored nf_conntrack_tcp_loose")
    finally:
        topo.destroy()
        stage(None)


def main():
    # a SIGTERM (timeout, run-tests) unwinds through the finally: blocks
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    if os.geteuid() != 0:
        bail("syncookie: needs root")
    need("ip", "ss", "nstat", "tc", "ethtool", "sysctl", "timeout", "hping3",
         "iptables-save", "ip6tables-save", "iptables-restore", "ip6tables-restore", "nft")
    if not os.path.exists(XDP_PASS_OBJ):
        bail(f"syncookie: {XDP_PASS_OBJ} missing: make test-build")
    results = {}
    t = time.monotonic()
    for mode in sys.argv[1:] or ("reqsk", "synproxy"):
        run_mode(mode, results)
    note(f"flood results: {json.dumps(results)}")
    note(f"took {time.monotonic() - t:.1f} s")
    return done("syncookie")


if __name__ == "__main__":
    sys.exit(main())
