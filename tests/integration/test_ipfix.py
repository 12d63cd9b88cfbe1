#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""`xdpct export --ipfix` to a real collector: nfdump's nfcapd (Debian's
nfdump) on the server namespace's loopback.

Real TCP connections between two namespaces (untagged: this kernel has
no 802.1Q driver; the datapath's tags are the BPF tests'), xdpct on the server's veth with --egress: FIN-closed ones (RFC 9293 3.6),
an abortive close (RST, 3.5.3) and a refused one (RST-ACK to the SYN,
3.5.2), IPv4 and IPv6, plus one half-open flow left to expire (a SYN the
server namespace drops).  The records nfcapd stored, read back with
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


def key_of_flow(f):
    return (f["client"]["addr"], f["client"]["port"], f["server"]["addr"], f["server"]["port"])


def key_of_rec(r):
    return (r.get("src4_addr") or r.get("src6_addr"), r["src_port"],
            r.get("dst4_addr") or r.get("dst6_addr"), r["dst_port"])


def flags_set(s):
    return {c for c in s if c != "."}


def raw_records(text):
    """nfdump -o raw: {(src, sport, dst, dport): {label: value}}."""
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
        out[k] = d
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
        raw = raws.get(k, {})
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
        t_last = nf_time_ms(r["last"]) if not expired else None
        times_ok = abs(t_first - first) <= 1 and (expired or abs(t_last - last) <= 1)
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
        nconn = 2 * (NCLOSED + 2) + 1
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
            raws.update(raw_records(rw.stdout))
            js = subprocess.run(["nfdump", "-r", fn, "-o", "json"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=dict(os.environ, TZ="UTC"))
            check(js.returncode == 0, f"nfdump -r {os.path.basename(fn)} -o json: rc {js.returncode}")
            recs += json.loads(js.stdout or "[]")
        note(f"nfdump decoded {len(recs)} records")
        closed_flows = [f for f in flows if f["server"]["port"] != DROPPED] + half
        compare(recs, raws, closed_flows, offset)
    finally:
        stop_procs(procs)
        topo.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
    return done("ipfix")


if __name__ == "__main__":
    sys.exit(main())
