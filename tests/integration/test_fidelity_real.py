#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The corners of issue 11 against the real thing: the kernel's TCP on both ends.

Two namespaces joined by a veth pair, xdpct attached on the server's veth
with --egress (it sees both directions as the server host does), with
--drop-invalid --drop-window, so a segment it wrongly refused would be
dropped and the connection would visibly fail.  Each scenario is one the
kernel produces by itself; at the end xdpct's states of both endpoints are
compared with `ss -tan` in each namespace:

- simultaneous close (RFC 9293 figure 13): both ends shutdown(SHUT_WR) while
  the other's FIN is in flight (the client's FIN is held back a moment by a
  token bucket on its veth, so the FINs cross on the wire), also with each
  FIN behind data just sent;
  both end in TIME-WAIT, through CLOSING, never LAST_ACK;
- a SYN retried from the same port with a new ISN after the first one got
  no answer (its SYN was dropped by the server's firewall, after XDP saw
  it): the retry's handshake completes (nf_conntrack sSS -> sSS);
- TIME_WAIT reuse: the server closed first and holds TIME-WAIT; the client
  connects again from the same port, and the server's
  tcp_timewait_state_process() takes the SYN (newer timestamp, RFC 6191):
  a new connection on the entry (generation + 1, flag reused), and `watch
  -j` prints the old connection's end record ("expired", reason
  reopened) with its last states and the figures `flows -j` had for it;
- an RST answering the SYN-ACK of a passive open (RFC 9293 3.10.7.4): the
  server end returns to LISTEN, as `flows` shows;
- a stale entry (issue 11 rule 5): both ends abort (SO_LINGER 0) and their
  RSTs are dropped by each host's OUTPUT chain, before xdpct sees them, so
  the entry stays ESTABLISHED; the client connects again from the same
  port: its SYN is remembered (counted invalid_state, passed), the
  server's SYN-ACK acknowledging exactly it starts a new connection on the
  entry (generation + 1, reused), nothing dropped; watch's end record of
  the old connection says ESTABLISHED/ESTABLISHED, as the entry had it;
- the same stale entry, but nothing listens any more: the server's stack
  answers the SYN with an RST acknowledging it (RFC 9293 3.10.7.1), which
  ends the entry (nf_conntrack does the same); the client's retry from the
  same port, once the service is back, is a clean new connection.
No counter of a refused segment may move in any of them but those
remembered SYNs' invalid_state.
"""
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
from check import check, done, need, note, wait_until  # noqa: E402
from xnet import (agree_with_ss, Topology, find_flow, ss_state, install_cleanup,  # noqa: E402
                  reading_events, sh, XDPCT)

REFUSED = ("invalid_seq", "invalid_ack", "invalid_rst", "invalid_synack", "invalid_state",
           "dropped")


def ep(sockaddr):
    return f"{sockaddr[0]}:{sockaddr[1]}"


def stats(topo):
    return json.loads(topo.xdpct(topo.s, "stats", "-j"))


def agree(topo, client, server, want_c, want_s, label, timeout=10):
    """Poll until xdpct and ss agree with the wanted states of both ends."""
    return agree_with_ss(topo, topo.flows, client, server, want_c, want_s, label, timeout)


def watcher(topo):
    w = subprocess.Popen(["ip", "netns", "exec", topo.s, XDPCT, "watch", "-j",
                          "--duration", "8"], stdout=subprocess.PIPE, text=True)
    wait_until(lambda: reading_events(w.pid), timeout=10, what="watch to read events")
    return w


def transitions(out, client, server):
    seq = []
    for e in map(json.loads, out.splitlines()):
        if e.get("event") != "transition":
            continue
        if (f"{e['client']['addr']}:{e['client']['port']}" == client
                and f"{e['server']['addr']}:{e['server']['port']}" == server):
            seq.append((e["side"], e["from"], e["to"]))
    return seq


def end_records(w, client, server):
    """Stop watcher w (it reads what is left first); the "expired" events of
    the connection client -> server it printed."""
    w.send_signal(signal.SIGINT)
    out = w.communicate(timeout=20)[0]
    return [e for e in map(json.loads, out.splitlines())
            if e.get("event") == "expired"
            and f"{e['client']['addr']}:{e['client']['port']}" == client
            and f"{e['server']['addr']}:{e['server']['port']}" == server]


def check_reopened(w, fl, client, server, states, what, syn=0):
    """The old connection's end record that watch printed as a new one took
    its 4-tuple: reason reopened, its last states, and its figures as flows
    -j had them (fl) before the new connection's first segment; syn: the
    IP length of a SYN the entry remembered meanwhile (counted where it
    arrived, in the old connection, as any refused segment; its time is
    not last_seen, which only accepted segments move)."""
    recs = end_records(w, client, server)
    r = recs[0] if len(recs) == 1 else {}
    got = (r.get("reason"), r.get("client", {}).get("state"), r.get("server", {}).get("state"),
           r.get("packets"), r.get("bytes"), r.get("first_seen_ns"), r.get("last_seen_ns"))
    pk = fl and {"client": fl["packets"]["client"] + (1 if syn else 0),
                 "server": fl["packets"]["server"]}
    by = fl and {"client": fl["bytes"]["client"] + syn, "server": fl["bytes"]["server"]}
    want = ("reopened", *states, pk, by, fl and fl["first_seen_ns"], fl and fl["last_seen_ns"])
    check(got == want, f"{what}: watch's end record of the old connection {got}" if got == want
          else f"{what}: watch printed {recs}, want one {want}")


def simultaneous_close(topo, fam, port, data=False):
    """data: the client's FIN comes behind its data (both held in the qdisc),
    the server's behind its own: neither acks the other's FIN."""
    ls = topo.listen(fam, port)
    c = topo.connect(fam, port)
    s, _ = ls.accept()
    client, server = ep(c.getsockname()), ep(c.getpeername())
    agree(topo, client, server, "ESTABLISHED", "ESTABLISHED", f"v{fam} simclose: connected")
    w = watcher(topo)
    # Hold the client's FIN back: a token bucket on its veth, emptied by
    # two datagrams just before, makes the FIN wait ~1 s in the qdisc,
    # already built (its ack does not cover the server's FIN).
    sh(f"ip netns exec {topo.c} tc qdisc add dev {topo.cif} root tbf rate 8kbit "
       f"burst 2000 latency 10s")
    af = socket.AF_INET6 if fam == 6 else socket.AF_INET
    with topo.inns(topo.c):
        u = socket.socket(af, socket.SOCK_DGRAM)
    for _ in range(2):
        u.sendto(b"x" * 1400, (topo.s6 if fam == 6 else topo.s4, 9))
    u.close()
    if data:
        c.sendall(b"c" * 300)
        s.sendall(b"s" * 300)
    c.shutdown(socket.SHUT_WR)
    s.shutdown(socket.SHUT_WR)
    # the server's FIN reached the client in FIN_WAIT_1: CLOSING there
    wait_until(lambda: ss_state(topo, topo.c, client, server),
               lambda st: st in ("CLOSING", "TIME_WAIT"), 5, "the client socket in CLOSING")
    label = "simultaneous close" + (" behind data" if data else "")
    fl = agree(topo, client, server, "TIME_WAIT", "TIME_WAIT",
               f"v{fam} {label}: both TIME_WAIT", timeout=15)
    sh(f"ip netns exec {topo.c} tc qdisc del dev {topo.cif} root")
    out, _ = w.communicate(timeout=20)
    seq = transitions(out, client, server)
    for side in ("client", "server"):
        path = [t[2] for t in seq if t[0] == side]
        ok = (path[-1:] == ["TIME_WAIT"] and "LAST_ACK" not in path and "CLOSING" in path
              and "FIN_WAIT_1" in path
              and path.index("FIN_WAIT_1") < path.index("CLOSING") < len(path) - 1)
        check(ok, f"v{fam} {label}: {side} went {path} (FIN_WAIT_1 -> CLOSING -> "
              f"TIME_WAIT, never LAST_ACK)")
    check(fl is not None and "reset" not in fl["flags"], f"v{fam} simclose flags {fl and fl['flags']}")
    c.close()
    s.close()
    ls.close()


def syn_retry(topo, fam, port):
    """The first SYN dropped by the server's firewall (XDP saw it); retry."""
    ipt = "ip6tables" if fam == 6 else "iptables"
    rule = f"INPUT -p tcp --dport {port} --syn -j DROP"
    sh(f"ip netns exec {topo.s} {ipt} -I {rule}")
    ls = topo.listen(fam, port)
    c = topo.client_socket(fam)
    cport = c.getsockname()[1]
    c.settimeout(1.5)	# the SYN, one retransmission (1 s), then give up
    try:
        c.connect((topo.s6 if fam == 6 else topo.s4, port))
        check(False, f"v{fam} the first connect got no answer")
    except (socket.timeout, TimeoutError):
        pass
    c.close()
    client = f"{topo.c6 if fam == 6 else topo.c4}:{cport}"
    server = f"{topo.s6 if fam == 6 else topo.s4}:{port}"
    fl = find_flow(topo.flows(), client, server)
    check(fl is not None and fl["client"]["state"] == "SYN_SENT"
          and fl["server"]["state"] == "LISTEN",
          f"v{fam} first SYN seen: {fl and (fl['client']['state'], fl['server']['state'])}")
    sh(f"ip netns exec {topo.s} {ipt} -D {rule}")
    time.sleep(0.2)		# a later ISN: Linux's ISN clock moves every 64 ns
    c, s, fl = reconnect(topo, fam, ls, cport, client, server, f"SYN retried from port {cport}")
    check(fl is not None and fl["generation"] == 0 and fl["syn_to_synack_ns"] < 1e9,
          f"v{fam} retry: same connection attempt, handshake timed from the retry "
          f"(generation {fl and fl['generation']}, syn_to_synack_ns "
          f"{fl and fl['syn_to_synack_ns']})")
    c.close()
    s.close()
    ls.close()


def reconnect(topo, fam, ls, cport, client, server, what):
    """The client connects again from cport: data through, both ESTABLISHED
    as ss says.  (client socket, accepted socket, xdpct's flow)."""
    port = int(server.rsplit(":", 1)[1])
    c = topo.client_socket(fam, cport)
    c.settimeout(5)
    c.connect((topo.s6 if fam == 6 else topo.s4, port))
    s, _ = ls.accept()
    c.sendall(b"again")
    check(s.recv(10) == b"again", f"v{fam} data over the new connection ({what})")
    return c, s, agree(topo, client, server, "ESTABLISHED", "ESTABLISHED", f"v{fam} {what}")


def reconnect_reused(topo, fam, ls, cport, client, server, what):
    """reconnect(): a new connection on the entry (generation 1, flag reused)."""
    c, s, fl = reconnect(topo, fam, ls, cport, client, server, what)
    check(fl is not None and fl["generation"] == 1 and "reused" in fl["flags"],
          f"v{fam} {what}: generation {fl and fl['generation']}, flags {fl and fl['flags']}")
    return c, s


def first_connection(topo, fam, port):
    """A listener on port and a connection to it from a fixed client port:
    (listener, client socket, accepted socket, client port, client, server)."""
    ls = topo.listen(fam, port)
    c = topo.client_socket(fam)
    cport = c.getsockname()[1]
    c.settimeout(5)
    c.connect((topo.s6 if fam == 6 else topo.s4, port))
    s, _ = ls.accept()
    return ls, c, s, cport, ep(c.getsockname()), ep(c.getpeername())


def time_wait_reuse(topo, fam, port):
    ls, c, s, cport, client, server = first_connection(topo, fam, port)
    s.close()			# the server closes first: it holds TIME-WAIT
    wait_until(lambda: ss_state(topo, topo.c, client, server), lambda st: st == "CLOSE_WAIT",
               5, "the client in CLOSE_WAIT")
    c.close()
    fl = agree(topo, client, server, "CLOSED", "TIME_WAIT", f"v{fam} server in TIME_WAIT")
    w = watcher(topo)
    c, s = reconnect_reused(topo, fam, ls, cport, client, server,
                            "SYN on the server's TIME_WAIT took (RFC 6191)")
    check_reopened(w, fl, client, server, ("CLOSED", "TIME_WAIT"), f"v{fam} TIME_WAIT reuse")
    c.close()
    s.close()
    ls.close()


def rst_in_syn_rcvd(topo, fam, port):
    """The client's kernel answers a SYN-ACK it does not expect with an RST
    (RFC 9293 3.10.7.1): the SYN is sent from a raw socket, so its kernel
    has no connection.  The server's request goes; its listener stays."""
    ls = topo.listen(fam, port)
    cport = 45001
    caddr, saddr = (topo.c6, topo.s6) if fam == 6 else (topo.c4, topo.s4)
    client, server = f"{caddr}:{cport}", f"{saddr}:{port}"
    py = (
        "import socket,struct\n"
        f"fam={fam}\n"
        f"h=struct.pack('!HHIIBBHHH',{cport},{port},123456,0,5<<4,2,64240,0,0)\n"
        "if fam==6:\n"
        "    s=socket.socket(socket.AF_INET6,socket.SOCK_RAW,socket.IPPROTO_TCP)\n"
        "    s.setsockopt(socket.IPPROTO_IPV6,7,16)  # IPV6_CHECKSUM: at offset 16\n"
        f"    s.sendto(h,('{saddr}',0))\n"
        "else:\n"
        "    s=socket.socket(socket.AF_INET,socket.SOCK_RAW,socket.IPPROTO_TCP)\n"
        f"    d=socket.inet_aton('{caddr}')+socket.inet_aton('{saddr}')+struct.pack('!BBH',0,6,20)+h\n"
        "    c=sum(struct.unpack('!%dH'%(len(d)//2),d))\n"
        "    c=(c>>16)+(c&0xffff);c+=c>>16\n"
        "    s.sendto(h[:16]+struct.pack('!H',~c&0xffff)+h[18:],('" + saddr + "',0))\n")
    subprocess.run(["ip", "netns", "exec", topo.c, "python3", "-c", py], check=True)

    def look():
        fl = find_flow(topo.flows(), client, server)
        lst = [st for (loc, peer), st in topo.ss(topo.s).items()
               if loc == server and peer.endswith(":*")]
        return {"fl": fl, "got": fl and (fl["client"]["state"], fl["server"]["state"]),
                "req": ss_state(topo, topo.s, server, client), "listen": lst}
    v = wait_until(look, lambda v: v["got"] == ("CLOSED", "LISTEN") and v["req"] == "CLOSED",
                   5, "the server back in LISTEN")
    check(v["got"] == ("CLOSED", "LISTEN") and v["req"] == "CLOSED" and v["listen"] == ["LISTEN"],
          f"v{fam} RST to the SYN-ACK of a passive open: xdpct {v['got']} (want CLOSED/LISTEN), "
          f"ss: request {v['req']}, listener {v['listen']}")
    check(v["fl"] is not None and "reset" in v["fl"]["flags"],
          f"v{fam} flagged reset: {v['fl'] and v['fl']['flags']}")
    ls.close()


def stale_entry(topo, fam, port, listening):
    """Both sockets gone without xdpct seeing it; the client comes back."""
    ipt = "ip6tables" if fam == 6 else "iptables"
    ls, c, s, cport, client, server = first_connection(topo, fam, port)
    c.sendall(b"old")
    check(s.recv(10) == b"old", f"v{fam} data over the first connection")
    agree(topo, client, server, "ESTABLISHED", "ESTABLISHED", f"v{fam} stale: connected")
    rules = [(topo.s, f"OUTPUT -p tcp --sport {port} --tcp-flags RST RST -j DROP"),
             (topo.c, f"OUTPUT -p tcp --dport {port} --tcp-flags RST RST -j DROP")]
    for ns, rule in rules:
        sh(f"ip netns exec {ns} {ipt} -I {rule}")
    linger = struct.pack("ii", 1, 0)
    for sk in (s, c):
        sk.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        sk.close()		# abort: an RST, dropped before xdpct's hooks
    if not listening:
        ls.close()
    wait_until(lambda: (ss_state(topo, topo.c, client, server),
                        ss_state(topo, topo.s, server, client)),
               lambda v: v == ("CLOSED", "CLOSED"), 5, "both sockets gone")
    for ns, rule in rules:
        sh(f"ip netns exec {ns} {ipt} -D {rule}")
    fl = find_flow(topo.flows(), client, server)
    check(fl is not None and (fl["client"]["state"], fl["server"]["state"]) ==
          ("ESTABLISHED", "ESTABLISHED"),
          f"v{fam} the entry is stale: {fl and (fl['client']['state'], fl['server']['state'])}")
    before = stats(topo)
    if not listening:
        c = topo.client_socket(fam, cport)
        c.settimeout(5)
        try:
            c.connect((topo.s6 if fam == 6 else topo.s4, port))
            check(False, f"v{fam} connect to a closed port succeeded")
        except ConnectionRefusedError:
            pass
        c.close()
        fl = find_flow(topo.flows(), client, server)
        got = fl and (fl["client"]["state"], fl["server"]["state"])
        check(got == ("CLOSED", "CLOSED") and "reset" in fl["flags"],
              f"v{fam} the stack's RST answering the remembered SYN ended the stale entry: "
              f"{got}, flags {fl and fl['flags']}")
        ls = topo.listen(fam, port)
    else:
        w = watcher(topo)
    c, s = reconnect_reused(topo, fam, ls, cport, client, server,
                            f"stale entry ({'SYN-ACK' if listening else 'RST, retry'}): "
                            "new connection")
    if listening:	# the listener's SYN-ACK answered the remembered SYN
        # Linux's SYN: the IP header and 40 bytes of TCP (MSS, SACK
        # permitted, timestamps, window scale)
        check_reopened(w, fl, client, server, ("ESTABLISHED", "ESTABLISHED"),
                       f"v{fam} stale entry reopened", syn=(40 if fam == 6 else 20) + 40)
    after = stats(topo)
    check(after["invalid_state"] - before["invalid_state"] == 1 and
          after["dropped"] == before["dropped"],
          f"v{fam} stale: the remembered SYN counted once, nothing dropped "
          f"(invalid_state +{after['invalid_state'] - before['invalid_state']}, "
          f"dropped +{after['dropped'] - before['dropped']})")
    c.close()
    s.close()
    ls.close()
    return after["invalid_state"] - before["invalid_state"]


def main():
    need("ip", "ss", "tc", "ethtool", "iptables", "ip6tables", "bpftool")
    topo = Topology("fid")
    install_cleanup(topo)
    try:
        topo.create()
        topo.xdpct(topo.s, "attach", "--egress", "--drop-invalid", "--drop-window", topo.sif)
        before = stats(topo)
        remembered = 0
        for fam, base in ((4, 8200), (6, 8300)):
            simultaneous_close(topo, fam, base)
            simultaneous_close(topo, fam, base + 6, data=True)
            syn_retry(topo, fam, base + 1)
            time_wait_reuse(topo, fam, base + 2)
            rst_in_syn_rcvd(topo, fam, base + 3)
            remembered += stale_entry(topo, fam, base + 4, True)
            remembered += stale_entry(topo, fam, base + 5, False)
        after = stats(topo)
        after["invalid_state"] -= remembered	# the stale entries' SYNs, checked above
        moved = {k: after[k] - before[k] for k in REFUSED if after[k] != before[k]}
        # the raw SYN's SYN-ACK is answered by the client kernel's RST: no refusal either
        check(not moved, f"no segment refused or dropped in any scenario: {moved}")
        note(f"figures: flows_reopened {after['flows_reopened'] - before['flows_reopened']}, "
             f"resync {after['resync'] - before['resync']}")
    finally:
        topo.destroy()
    return done("fidelity_real")


if __name__ == "__main__":
    sys.exit(main())
