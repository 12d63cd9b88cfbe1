#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""`xdpct export --ipfix` to a real collector: nfdump's nfcapd (Debian's
nfdump) on the server namespace's loopback.

Real TCP connections between two namespaces (untagged: this kernel has
no 802.1Q driver; the datapath's tags are the BPF tests'), xdpct on the server's veth with --egress: FIN-closed ones (RFC 9293 3.6),
an abortive close (RST, 3.5.3) and a refused one (RST-ACK to the SYN,
3.5.2), one reopened over a stale entry (both ends aborted unseen, the
client back on the same port: the old connection's record, flowEndReason
3, then the new one's), IPv4 and IPv6, plus one half-open flow left to
expire (a SYN the server namespace drops): its record ends at its last
packet, not when it expired (RFC 7011 flowEndMilliseconds).  The records nfcapd stored, read back with
`nfdump -r FILE -o json`, must be exactly the connections `xdpct flows -j`
listed: addresses, ports, VLAN, packets and bytes each way, first and last
seen (milliseconds), the TCP flags either side sent, the
end reason (RFC 7012 flowEndReason) and the biflow direction (RFC 5103).
nfcapd does not decode the enterprise elements (final states, handshake
times); what it decodes is compared.  The exporter's own count of records
and of events lost is checked against it."""
import calendar
import glob
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
from check import check, done, need, note, wait_until  # noqa: E402
from xnet import XDPCT, Topology, install_cleanup, linger_rst, sh, stop_procs  # noqa: E402

PORT = 18400
COLLECTOR = "127.0.0.1:14739"
NCLOSED = 2
DROPPED = PORT + 50		# the server namespace drops SYNs to it
STALE = PORT + 60		# + family: a connection reopened over a stale entry


def wall_offset_ns():
    """REALTIME - MONOTONIC, as xdpct takes it."""
    a = time.clock_gettime_ns(time.CLOCK_REALTIME)
    m = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    b = time.clock_gettime_ns(time.CLOCK_REALTIME)
    return (a + b) // 2 - m


def nf_time_ms(s):
    """nfdump's "2026-12-02T03:40:27.095" (UTC: TZ=UTC) in ms since the epoch."""
    whole, _, ms = s.partition(".")
    return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) * 1000 + int(ms or 0)


def connections(topo):
    for fam in (4, 6):
        ls = topo.listen(fam, PORT + fam)
        for i in range(NCLOSED):
            c = topo.connect(fam, PORT + fam)
            with topo.inns(topo.s):
                s, _ = ls.accept()
            c.sendall(b"q" * (300 + 10 * i))
            s.recv(2000)
            s.sendall(b"r" * (1000 + i))
            c.recv(2000)
            s.close()			# server first this time
            c.recv(10)
            c.close()
        c = topo.connect(fam, PORT + fam)
        with topo.inns(topo.s):
            s, _ = ls.accept()
        c.sendall(b"a" * 77)
        s.recv(100)
        linger_rst(c)
        s.close()
        ls.close()
        try:
            topo.connect(fam, PORT + 100 + fam)
        except ConnectionRefusedError:
            pass


def stale_reopen(topo, fam):
    """Both ends of a connection abort (SO_LINGER 0) and their RSTs are
    dropped by each namespace's OUTPUT chain, before xdpct's hooks, so the
    entry stays ESTABLISHED; the client connects again from the same port
    and the listener's SYN-ACK to that SYN starts a new connection over the
    entry: xdpct's end record of the old one (reason reopened, IPFIX
    flowEndReason 3), then the new one closed.  The old connection's flows
    -j entry as it was before the new SYN, and that SYN's IP length: the
    entry remembered it, and it is counted where it arrived, in the old
    connection (Linux's SYN: the IP header and 40 bytes of TCP)."""
    ipt = "ip6tables" if fam == 6 else "iptables"
    port = STALE + fam
    ls = topo.listen(fam, port)
    c = topo.client_socket(fam)
    c.settimeout(5)
    c.connect((topo.s6 if fam == 6 else topo.s4, port))
    cport = c.getsockname()[1]
    with topo.inns(topo.s):
        s, _ = ls.accept()
    c.sendall(b"old" * 50)
    s.recv(1000)
    rules = [(topo.s, f"OUTPUT -p tcp --sport {port} --tcp-flags RST RST -j DROP"),
             (topo.c, f"OUTPUT -p tcp --dport {port} --tcp-flags RST RST -j DROP")]
    for ns, rule in rules:
        sh(f"ip netns exec {ns} {ipt} -I {rule}")
    for sk in (s, c):
        sk.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sk.close()		# the RST goes out (and is dropped) in close() itself
    for ns, rule in rules:
        sh(f"ip netns exec {ns} {ipt} -D {rule}")
    key = (topo.c6 if fam == 6 else topo.c4, cport, topo.s6 if fam == 6 else topo.s4, port)
    old = [f for f in topo.flows() if key_of_flow(f) == key]
    check(len(old) == 1 and (old[0]["client"]["state"], old[0]["server"]["state"]) ==
          ("ESTABLISHED", "ESTABLISHED"), f"v{fam} the stale entry: {old}")
    c = topo.client_socket(fam, cport)
    c.settimeout(5)
    c.connect((topo.s6 if fam == 6 else topo.s4, port))
    with topo.inns(topo.s):
        s, _ = ls.accept()
    c.sendall(b"new" * 10)
    s.recv(100)
    c.close()
    s.recv(10)
    s.close()
    ls.close()
    return old[0] if old else None, (40 if fam == 6 else 20) + 40


def check_reopened_record(recs, old, syn, offset):
    """The old connection's record (the earlier to end): its figures and
    times as flows -j had them before the new SYN, which it also counts."""
    r = min(recs, key=lambda x: nf_time_ms(x["last"]))
    k = key_of_rec(r)
    got = (r["in_packets"], r["in_bytes"], r.get("out_packets", 0), r.get("out_bytes", 0),
           nf_time_ms(r["first"]), nf_time_ms(r["last"]))
    want = (old["packets"]["client"] + 1, old["bytes"]["client"] + syn,
            old["packets"]["server"], old["bytes"]["server"],
            (old["first_seen_ns"] + offset) // 1000000, (old["last_seen_ns"] + offset) // 1000000)
    ok = got[:4] == want[:4] and abs(got[4] - want[4]) <= 1 and abs(got[5] - want[5]) <= 1
    check(ok, f"reopened {k[0]}:{k[1]}: the old connection's record (packets, bytes each way, "
          f"first, last ms) {got}" + ("" if ok else f", want {want}"))
    return r


def key_of_flow(f):
    return (f["client"]["addr"], f["client"]["port"], f["server"]["addr"], f["server"]["port"])


def key_of_rec(r):
    return (r.get("src4_addr") or r.get("src6_addr"), r["src_port"],
            r.get("dst4_addr") or r.get("dst6_addr"), r["dst_port"])


def flags_set(s):
    return {c for c in s if c != "."}


def raw_records(text):
    """nfdump -o raw: {(src, sport, dst, dport): [{label: value}, ...]}."""
    out = {}
    for block in text.split("Flow Record")[1:]:
        d = {}
        for line in block.splitlines():
            label, sep, val = line.partition("=")
            if sep:
                d[label.strip()] = val.strip()
        try:
            k = (d["src addr"], int(d["src port"]), d["dst addr"], int(d["dst port"]))
        except (KeyError, ValueError):
            continue
        out.setdefault(k, []).append(d)
    return out


def compare(recs, raws, flows, offset):
    by_key = {}
    for r in recs:
        by_key.setdefault(key_of_rec(r), []).append(r)
    dups = [k for k, v in by_key.items() if len(v) > 1]
    check(not dups, f"one record per connection: duplicates {dups}")
    want = {key_of_flow(f): f for f in flows}
    check(set(by_key) == set(want),
          f"records for exactly the connections of flows -j ({len(want)}): missing "
          f"{sorted(set(want) - set(by_key))}, extra {sorted(set(by_key) - set(want))}")
    for k, f in sorted(want.items(), key=lambda kv: str(kv[0])):
        if k not in by_key:
            continue
        r = by_key[k][0]
        reset = "reset" in f["flags"]
        refused = reset and not f.get("synack_to_ack_ns")
        expired = f.get("expired", False)
        first = (f["first_seen_ns"] + offset) // 1000000
        last = (f["last_seen_ns"] + offset) // 1000000
        got = {"in_packets": r["in_packets"], "in_bytes": r["in_bytes"],
               "out_packets": r.get("out_packets", 0), "out_bytes": r.get("out_bytes", 0),
               "src_vlan": r["src_vlan"], "proto": r["proto"],
               "end_reason": r.get("end_reason"), "biflow": r.get("biflow_dir")}
        exp = {"in_packets": f["packets"]["client"], "in_bytes": f["bytes"]["client"],
               "out_packets": f["packets"]["server"], "out_bytes": f["bytes"]["server"],
               "src_vlan": f["vlan"][0] if f["vlan"] else 0, "proto": 6,
               "end_reason": 1 if expired else 3, "biflow": 1}
        # not in nfdump's JSON: from its raw output of the same record
        raw = raws.get(k, [{}])[0]
        got["end_reason"] = int(raw.get("end reason", "-1").split()[0], 16)
        got["biflow"] = int(raw.get("biFlow Dir", "-1").split()[0], 16)
        tf = flags_set(r["tcp_flags"])
        # what either side sent, as flows -j lists it; an expired flow has
        # left the table: the flags of its transitions (its SYN)
        want_flags = {"S"} if expired else \
            flags_set(f["tcp_flags"]["client"]) | flags_set(f["tcp_flags"]["server"])
        if refused:	# the SYN, then RST-ACK (RFC 9293 3.10.7.1)
            check(want_flags == {"S", "R", "A"}, f"refused: flows -j tcp_flags {f['tcp_flags']}")
        elif not expired:
            check(flags_set(f["tcp_flags"]["client"]) >= {"S", "A", "F" if not reset else "R"}
                  and flags_set(f["tcp_flags"]["server"]) >= {"S", "A"},
                  f"flows -j tcp_flags of a {'reset' if reset else 'closed'} one: {f['tcp_flags']}")
        t_first = nf_time_ms(r["first"])
        # flowEndMilliseconds: the last packet, also of a flow that expired
        t_last = nf_time_ms(r["last"])
        times_ok = abs(t_first - first) <= 1 and abs(t_last - last) <= 1
        ok = got == exp and tf == want_flags and times_ok
        kind = "expired" if expired else "refused" if refused else "reset" if reset else "closed"
        check(ok, f"{kind} {k[0]}:{k[1]} -> {k[2]}:{k[3]}: nfdump {got} flags {sorted(tf)} "
              f"first {r['first']} last {r['last']}"
              + ("" if ok else f" | flows -j {exp} flags {sorted(want_flags)} "
                 f"first {first} (got {t_first}) last {last} (got {t_last})"))


def main():
    need("ip", "nfcapd", "nfdump", "hping3", "iptables", "ethtool")
    topo = Topology("ipfix")
    install_cleanup(topo)
    tmp = tempfile.mkdtemp(prefix="xdpct-ipfix-")
    procs = []
    try:
        topo.create()
        host, port = COLLECTOR.split(":")
        nf = subprocess.Popen(["ip", "netns", "exec", topo.s, "nfcapd", "-w", tmp, "-p", port,
                               "-b", host, "-t", "3600"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        procs.append(nf)
        wait_until(lambda: f":{port} " in sh(f"ip netns exec {topo.s} ss -uanlH"), timeout=10,
                   what="nfcapd to listen")
        topo.xdpct(topo.s, "attach", "--egress", "--timeout-close", "120",
                   "--timeout-time-wait", "120", "--timeout-syn", "3", topo.sif)
        r = subprocess.run(["ip", "netns", "exec", topo.s, XDPCT, "export", "--ipfix",
                            "bogus"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        check(r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "--ipfix 'bogus'" in r.stderr,
              f"bad collector: rc {r.returncode}, {r.stderr.strip()}")
        r = subprocess.run(["ip", "netns", "exec", topo.c, XDPCT, "export", "--ipfix",
                            COLLECTOR], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        check(r.returncode == 1 and "not attached" in r.stderr,
              f"nothing attached: rc {r.returncode}, {r.stderr.strip()}")
        ex = subprocess.Popen(["ip", "netns", "exec", topo.s, XDPCT, "-j", "export", "--ipfix",
                               COLLECTOR], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
        procs.append(ex)
        time.sleep(1)
        note("--- real connections, both families; one half-open SYN")
        connections(topo)
        stale = [stale_reopen(topo, fam) for fam in (4, 6)]
        sh(f"ip netns exec {topo.s} iptables -I INPUT -p tcp --dport {DROPPED} -j DROP")
        sh(f"ip netns exec {topo.c} hping3 -q -S -c 1 -s 40404 -k -p {DROPPED} {topo.s4}",
           check=False, timeout=20)
        flows = wait_until(lambda: topo.flows(),
                           ok=lambda fl: any(f["server"]["port"] == DROPPED for f in fl),
                           timeout=5, what="the half-open flow")
        offset = wall_offset_ns()
        half = [f for f in flows if f["server"]["port"] == DROPPED]
        check(len(half) == 1 and half[0]["client"]["state"] == "SYN_SENT",
              f"half-open flow listed: {[(f['client']['state'], f['server']['state']) for f in half]}")
        for f in half:
            f["expired"] = True
        gone = wait_until(lambda: [f for f in topo.flows() if f["server"]["port"] == DROPPED],
                          ok=lambda x: not x, timeout=15, what="the half-open flow to expire")
        check(not gone, "the half-open flow expired (--timeout-syn 3)")
        time.sleep(0.5)
        ex.send_signal(signal.SIGTERM)
        out, err = ex.communicate(timeout=20)
        end = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
        nconn = 2 * (NCLOSED + 2) + 1 + 2 * 2	# and each stale entry's two
        check(ex.returncode == 0 and end.get("records") == nconn and end.get("lost") == 0,
              f"exporter: rc {ex.returncode}, {end} (want {nconn} records, 0 lost) {err.strip()}")
        time.sleep(0.5)
        nf.send_signal(signal.SIGTERM)
        nf.communicate(timeout=20)
        files = [f for f in glob.glob(os.path.join(tmp, "nfcapd.*")) if "current" not in f]
        # one file per rotation interval: two when the run crosses the hour
        check(1 <= len(files) <= 2, f"nfcapd wrote its file(s): {files}")
        recs, raws = [], {}
        for fn in files:
            rw = subprocess.run(["nfdump", "-r", fn, "-o", "raw"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=dict(os.environ, TZ="UTC"))
            for k, v in raw_records(rw.stdout).items():
                raws.setdefault(k, []).extend(v)
            js = subprocess.run(["nfdump", "-r", fn, "-o", "json"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=dict(os.environ, TZ="UTC"))
            check(js.returncode == 0, f"nfdump -r {os.path.basename(fn)} -o json: rc {js.returncode}")
            recs += json.loads(js.stdout or "[]")
        note(f"nfdump decoded {len(recs)} records")
        for old, syn in stale:
            if not old:
                continue
            mine = [r for r in recs if key_of_rec(r) == key_of_flow(old)]
            reasons = [int(d.get("end reason", "-1").split()[0], 16)
                       for d in raws.get(key_of_flow(old), [])]
            check(len(mine) == 2 and reasons == [3, 3],
                  f"reopened: two records, the old connection's and the new one's, both "
                  f"flowEndReason 3: {len(mine)} records, reasons {reasons}")
            if len(mine) == 2:
                recs.remove(check_reopened_record(mine, old, syn, offset))
        closed_flows = [f for f in flows if f["server"]["port"] != DROPPED] + half
        compare(recs, raws, closed_flows, offset)
    finally:
        stop_procs(procs)
        topo.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
    return done("ipfix")


if __name__ == "__main__":
    sys.exit(main())
