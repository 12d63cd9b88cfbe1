#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""`xdpct exporter` scraped by a real Prometheus server (Debian's
prometheus), on the server namespace's loopback.

Real TCP connections between two namespaces (xdpct on the server's veth
with --egress): FIN-closed ones (RFC 9293 3.6), abortive closes (SO_LINGER
0: an RST, 3.5.3) and refused ones (a SYN to a closed port answered by
RST-ACK, 3.5.2), over IPv4 and IPv6.  Then Prometheus' query API must
return what `xdpct stats -j` counts, and histogram series that are exactly
what `xdpct flows -j` says of each connection (SYN->SYN-ACK, SYN-ACK->ACK,
lifetime), bucketed at le = 2^k ns.  `promtool check metrics` lints the
exposition.  Bad input: a port in use, a bad --listen, a scrape with
nothing attached (xdpct_up 0)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
from check import check, done, need, note, wait_until  # noqa: E402
from xnet import XDPCT, Topology, install_cleanup, linger_rst, stop_procs  # noqa: E402

PORT = 18300
EXPORTER = "127.0.0.1:10119"		# the default
PROM = "127.0.0.1:19090"
NCLOSED = 3				# per family


def http_get(topo, url, timeout=5):
    with topo.inns(topo.s):
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()


def scrape(topo):
    try:
        return http_get(topo, f"http://{EXPORTER}/metrics")[1]
    except OSError as e:
        return f"error {e}"


def parse_exposition(text):
    """{(name, frozenset(labels)): value} of a text exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        head, _, val = line.rpartition(" ")
        name, _, labels = head.partition("{")
        lab = frozenset()
        if labels:
            lab = frozenset(tuple(kv.split("=", 1)) for kv in labels.rstrip("}").split(",")
                            if kv)
            lab = frozenset((k, v.strip('"')) for k, v in lab)
        out[(name, lab)] = float(val)
    return out


def query(topo, q):
    """Prometheus' instant query: [(labels, value)]; [] on any error."""
    url = f"http://{PROM}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    try:
        status, body = http_get(topo, url)
        res = json.loads(body)
    except (OSError, ValueError):
        return []
    if res.get("status") != "success":
        return []
    return [(r["metric"], float(r["value"][1])) for r in res["data"]["result"]]


def qvalue(topo, q):
    r = query(topo, q)
    return r[0][1] if len(r) == 1 else None


def start_prometheus(topo, tmp):
    cfg = os.path.join(tmp, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                "scrape_configs:\n  - job_name: xdpct\n    static_configs:\n"
                f"      - targets: ['{EXPORTER}']\n")
    log = open(os.path.join(tmp, "prometheus.log"), "w")
    p = subprocess.Popen(["ip", "netns", "exec", topo.s, "prometheus", f"--config.file={cfg}",
                          f"--storage.tsdb.path={os.path.join(tmp, 'data')}",
                          f"--web.listen-address={PROM}"],
                         stdout=log, stderr=subprocess.STDOUT)
    ok = wait_until(lambda: query(topo, "up") != [], timeout=60,
                    what="prometheus to answer queries")
    check(ok, "prometheus server up on the server namespace's loopback")
    return p


def start_exporter(topo, *args):
    return subprocess.Popen(["ip", "netns", "exec", topo.s, XDPCT, "exporter", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def connections(topo):
    """Real connections: closed, reset, refused, in both families."""
    for fam in (4, 6):
        ls = topo.listen(fam, PORT + fam)
        for i in range(NCLOSED):
            c = topo.connect(fam, PORT + fam)
            with topo.inns(topo.s):
                s, _ = ls.accept()
            c.sendall(b"x" * (100 + i))
            s.recv(1000)
            s.sendall(b"y" * 50)
            c.recv(1000)
            c.close()			# client first: it ends in TIME_WAIT
            s.recv(10)
            s.close()
        c = topo.connect(fam, PORT + fam)
        with topo.inns(topo.s):
            s, _ = ls.accept()
        c.sendall(b"z")
        s.recv(10)
        linger_rst(c)			# RST: reset
        s.close()
        ls.close()
        try:
            topo.connect(fam, PORT + 100 + fam)	# nobody listens: refused
        except ConnectionRefusedError:
            pass


def flows_by_end(flows):
    out = {"closed": [], "reset": [], "refused": []}
    for f in flows:
        gone = all(f[e]["state"] in ("CLOSED", "TIME_WAIT") for e in ("client", "server"))
        if not gone:
            continue
        if not f.get("synack_to_ack_ns") and "reset" in f["flags"]:
            out["refused"].append(f)
        elif "reset" in f["flags"]:
            out["reset"].append(f)
        else:
            out["closed"].append(f)
    return out


HIST = {"xdpct_handshake_syn_to_synack_seconds": "syn_to_synack_ns",
        "xdpct_handshake_synack_to_ack_seconds": "synack_to_ack_ns",
        "xdpct_connection_lifetime_seconds": None}


def values_of(flows, field):
    if field:
        return [f[field] for f in flows if f.get(field)]
    return [f["last_seen_ns"] - f["first_seen_ns"] for f in flows]


def check_histograms(topo, flows):
    by = flows_by_end(flows)
    check(len(by["closed"]) == 2 * NCLOSED and len(by["reset"]) == 2 and
          len(by["refused"]) == 2,
          f"flows -j: {len(by['closed'])} closed, {len(by['reset'])} reset, "
          f"{len(by['refused'])} refused")
    for name, field in HIST.items():
        for end, fl in by.items():
            vals = values_of(fl, field)
            res = query(topo, f'{name}_bucket{{end="{end}"}}')
            buckets = {r[0]["le"]: r[1] for r in res}
            bad = []
            for le, got in buckets.items():
                want = len(vals) if le == "+Inf" else sum(1 for v in vals if v <= float(le) * 1e9 + 0.5)
                if got != want:
                    bad.append(f"le={le}: {got:g} want {want}")
            cnt = qvalue(topo, f'{name}_count{{end="{end}"}}')
            sm = qvalue(topo, f'{name}_sum{{end="{end}"}}')
            ok = len(buckets) == 41 and not bad and cnt == len(vals) and \
                sm is not None and abs(sm - sum(vals) / 1e9) < 1e-9 * max(1, len(vals))
            check(ok, f"{name}{{end={end}}}: {len(buckets)} bucket series, count {cnt}, "
                  f"sum {sm}, as flows -j says ({len(vals)} values, {sum(vals) / 1e9:.9f} s)"
                  + (f" mismatches {bad[:4]}" if bad else ""))


def check_counters(topo):
    stats = json.loads(topo.xdpct(topo.s, "stats", "-j"))

    def same():
        bad = []
        for k, v in stats.items():
            if k == "sweeps":		# runs every second meanwhile
                continue
            got = qvalue(topo, f"xdpct_{k}_total")
            if got != v:
                bad.append((k, got, v))
        return bad
    bad = wait_until(lambda: same(), ok=lambda b: not b, timeout=15,
                     what="prometheus to have scraped the final counters")
    check(not bad, f"query API: all {len(stats) - 1} counters equal xdpct stats -j"
          + (f"; differ: {bad[:5]}" if bad else ""))
    check(stats["flows_created"] >= 2 * NCLOSED + 4,
          f"flows_created {stats['flows_created']} for {2 * NCLOSED + 4} connections")
    sw = qvalue(topo, "xdpct_sweeps_total")
    check(sw is not None and 0 < sw <= json.loads(topo.xdpct(topo.s, "stats", "-j"))["sweeps"],
          f"sweeps counter scraped: {sw}")


def check_gauges(topo):
    n = qvalue(topo, "xdpct_flows")
    cap = qvalue(topo, "xdpct_flows_capacity")
    check(n == 2 * NCLOSED + 4 and cap == 65536, f"xdpct_flows {n} of capacity {cap}")
    pairs = {(m["client"], m["server"]): v for m, v in query(topo, "xdpct_flows_by_state")}
    want = {}
    for f in topo.flows():
        k = (f["client"]["state"], f["server"]["state"])
        want[k] = want.get(k, 0) + 1
    check(pairs == want, f"xdpct_flows_by_state {pairs} = flows -j {want}")
    info = query(topo, "xdpct_interface_info")
    check(len(info) == 1 and info[0][0]["interface"] == topo.sif and
          info[0][0]["egress"] == "true" and info[0][0]["mode"] == "native",
          f"xdpct_interface_info {[m for m, _ in info]}")
    check(qvalue(topo, 'xdpct_syncookie_info{mode="off"}') == 1, "xdpct_syncookie_info")


def bad_input(topo):
    note("--- bad input")
    p = start_exporter(topo)
    out, err = p.communicate(timeout=30)
    check(p.returncode == 1 and len(err.splitlines()) == 1 and
          "cannot listen on 127.0.0.1:10119: Address already in use" in err,
          f"port in use: rc {p.returncode}, {err.strip()}")
    for bad in ("10119", "localhost:80", "127.0.0.1:0", "[::1:80", "1.2.3.4:99999"):
        p = start_exporter(topo, "--listen", bad)
        out, err = p.communicate(timeout=30)
        check(p.returncode == 2 and len(err.splitlines()) == 1 and "--listen" in err,
              f"--listen {bad}: rc {p.returncode}, {err.strip()}")


def main():
    need("ip", "prometheus", "promtool", "ethtool")
    topo = Topology("prom")
    install_cleanup(topo)
    tmp = tempfile.mkdtemp(prefix="xdpct-prom-")
    procs = []
    try:
        topo.create()
        exp = start_exporter(topo)
        procs.append(exp)
        wait_until(lambda: "xdpct_up" in scrape(topo), timeout=10, what="the exporter")
        text = scrape(topo)
        m = parse_exposition(text)
        check(m == {("xdpct_up", frozenset()): 0, ("xdpct_attached", frozenset()): 0},
              f"nothing attached: only xdpct_up 0 and xdpct_attached 0 ({m})")
        st, body = http_get(topo, f"http://{EXPORTER}/metrics")
        check(st == 200, "a scrape with nothing attached still answers 200")
        procs.append(start_prometheus(topo, tmp))
        v = wait_until(lambda: qvalue(topo, "xdpct_up"), ok=lambda x: x == 0, timeout=20,
                       what="prometheus to scrape xdpct_up 0")
        check(v == 0, f"prometheus: xdpct_up {v} before attach")
        check(qvalue(topo, 'up{job="xdpct"}') == 1, "prometheus: the target is up")

        topo.xdpct(topo.s, "attach", "--egress", "--timeout-close", "120",
                   "--timeout-time-wait", "120", topo.sif)
        v = wait_until(lambda: qvalue(topo, "xdpct_up"), ok=lambda x: x == 1, timeout=20,
                       what="prometheus to scrape xdpct_up 1")
        check(v == 1, f"prometheus: xdpct_up {v} after attach")
        check(qvalue(topo, "xdpct_attached") == 1, "prometheus: xdpct_attached 1 after attach")
        note("--- real connections, both families")
        connections(topo)
        want = 2 * NCLOSED
        got = wait_until(lambda: parse_exposition(scrape(topo)).get(
            ("xdpct_connection_lifetime_seconds_count", frozenset({("end", "closed")}))),
            ok=lambda x: x == want, timeout=10, what="the closed connections' ends")
        check(got == want, f"exporter: {got} closed connections ended, want {want}")
        text = scrape(topo)
        with open(os.path.join(tmp, "metrics.txt"), "w") as f:
            f.write(text)
        r = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        check(r.returncode == 0 and not r.stdout.strip(),
              f"promtool check metrics: rc {r.returncode} {r.stdout.strip()[:300]}")
        flows = topo.flows()
        # the scrape that follows the last one read above
        time.sleep(2.5)
        check_counters(topo)
        check_gauges(topo)
        check_histograms(topo, flows)
        bad_input(topo)
        topo.xdpct(topo.s, "detach", "--all")
        v = wait_until(lambda: qvalue(topo, "xdpct_up"), ok=lambda x: x == 0, timeout=20,
                       what="prometheus to scrape xdpct_up 0 after detach")
        check(v == 0, f"prometheus: xdpct_up {v} after detach")
        note("--- the handshake offload per port")
        topo.xdpct(topo.s, "attach", "--syncookie", "80,443,8000-8001", "--syncookie-mode",
                   "auto", topo.sif)
        m = parse_exposition(scrape(topo))
        ports = {dict(k[1])["port"]: dict(k[1])["cookies"] for k in m
                 if k[0] == "xdpct_syncookie_port"}
        check(ports == {"80": "off", "443": "off", "8000": "off", "8001": "off"},
              f"xdpct_syncookie_port: {ports} (auto, no SYN flood: cookies off)")
        check(m.get(("xdpct_syncookie_info", frozenset({("mode", "auto"),
                                                        ("completion", "reqsk")}))) == 1,
              "xdpct_syncookie_info{mode=auto,completion=reqsk}")
        topo.xdpct(topo.s, "detach", "--all")
        exp.send_signal(signal.SIGTERM)
        try:
            rc = exp.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 0, f"exporter exits 0 on SIGTERM: {rc}")
    finally:
        stop_procs(procs)
        topo.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
    return done("exporter")


if __name__ == "__main__":
    sys.exit(main())
