#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""`xdpct top` driven under tmux against real connections, the screen read
back with capture-pane.

Two namespaces, xdpct on the server's veth with --egress.  One connection
streams data the whole time (the busiest flow); short connections open and
close all along (FIN close, RFC 9293 3.6) so that rates and handshake
percentiles have something to show.  The screen must show the busy flow
first with both endpoints ESTABLISHED, the table fill as `xdpct status`
counts it, connections opened and closed per second, percentiles, and
refresh about every second.  `q`, SIGTERM and SIGINT (C-c) each end it
with status 0 and the terminal restored (tmux: alternate screen off)."""
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
from check import check, done, need, note, wait_until  # noqa: E402
from xnet import XDPCT, Topology, install_cleanup, sh  # noqa: E402

PORT = 18600
SOCK = f"xdpct-top-{os.getpid()}"


def tmux(*args, check_rc=True):
    r = subprocess.run(["tmux", "-L", SOCK, "-f", "/dev/null", *args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=30)
    if check_rc and r.returncode:
        raise RuntimeError(f"tmux {args}: {r.stderr}")
    return r.stdout


def screen():
    return tmux("capture-pane", "-p", "-t", "top")


def pane(fmt):
    return tmux("display-message", "-p", "-t", "top", fmt).strip()


STATUS = f"/tmp/xdpct-top-{os.getpid()}.status"


def top_pid():
    """xdpct's pid: the child of the pane's shell (ip netns exec execs it)."""
    sh_pid = pane("#{pane_pid}")
    try:
        with open(f"/proc/{sh_pid}/task/{sh_pid}/children") as f:
            kids = f.read().split()
    except OSError:
        return None
    return int(kids[0]) if kids else None


def start_top(topo):
    """top in the pane under a shell that records its exit status (tmux's own
    #{pane_dead_status} is not reliably set after respawn-pane).  The shell
    ignores SIGINT/SIGTERM itself; xdpct installs its own handlers."""
    if os.path.exists(STATUS):
        os.unlink(STATUS)
    tmux("respawn-pane", "-k", "-t", "top",
         f"trap '' INT TERM; ip netns exec {topo.s} {XDPCT} top; echo $? > {STATUS}")

    def comm():
        pid = top_pid()
        try:
            with open(f"/proc/{pid}/comm") as f:
                return f.read().strip()
        except (OSError, TypeError):
            return ""
    # xdpct itself runs in the pane, and has drawn (the alternate screen
    # is ncurses' own): not the last run's screen
    wait_until(lambda: (comm(), pane("#{alternate_on}")), ok=lambda v: v == ("xdpct", "1"),
               timeout=10, what="top to start")
    return wait_until(screen, ok=lambda s: "transitions/s" in s, timeout=10,
                      what="top's first screen")


def exit_status():
    try:
        with open(STATUS) as f:
            return f.read().strip()
    except OSError:
        return ""


class Traffic:
    """A streaming connection and a stream of short ones, until stop()."""

    def __init__(self, topo):
        self.topo, self.run, self.short = topo, True, 0
        self.ls = topo.listen(4, PORT)
        self.bulk = topo.connect(4, PORT)
        with topo.inns(topo.s):
            self.bulk_s, _ = self.ls.accept()
        self.bulk_addr = "%s:%d" % self.bulk.getsockname()
        self.threads = [threading.Thread(target=f, daemon=True)
                        for f in (self.stream, self.sink, self.shorts)]
        for t in self.threads:
            t.start()

    def stream(self):
        while self.run:
            try:
                self.bulk.sendall(b"b" * 1000)
            except OSError:
                return
            time.sleep(0.005)

    def sink(self):
        self.bulk_s.settimeout(1)
        while self.run:
            try:
                if not self.bulk_s.recv(65536):
                    return
            except socket.timeout:
                continue
            except OSError:
                return

    def shorts(self):
        ls = self.topo.listen(4, PORT + 1)
        ls.settimeout(2)
        while self.run:
            try:
                c = self.topo.connect(4, PORT + 1)
                with self.topo.inns(self.topo.s):
                    s, _ = ls.accept()
                c.sendall(b"hello")
                s.recv(10)
                c.close()
                s.recv(10)
                s.close()
                self.short += 1
            except OSError:
                pass
            time.sleep(0.05)
        ls.close()

    def stop(self):
        self.run = False
        for t in self.threads:
            t.join(timeout=5)
        for s in (self.bulk, self.bulk_s, self.ls):
            s.close()


def field(text, pattern):
    m = re.search(pattern, text)
    return m.groups() if m else None


def reading(topo, traffic):
    note("--- the screen against real connections")
    scr = wait_until(screen, ok=lambda s: traffic.bulk_addr in s, timeout=10,
                     what="the busy flow on screen")
    rows = [ln for ln in scr.splitlines() if "->" in ln and ":" in ln]
    first = rows[0] if rows else ""
    ok = first.startswith(traffic.bulk_addr) and \
        re.search(r"ESTABLISHED\s+ESTABLISHED\s+(\d+\.\d)", first)
    pps = float(ok.group(1)) if ok else 0
    check(ok and pps > 50, f"busiest flow first, both ESTABLISHED, {pps} pkts/s: {first.strip()}")
    f = field(scr, r"connections/s\s+opened\s+([\d.]+)\s+closed\s+([\d.]+)\s+reset\s+([\d.]+)")
    check(f and float(f[0]) > 0 and float(f[1]) > 0,
          f"connections opened/closed per second: {f}")
    t = field(scr, r"transitions/s\s+([\d.]+)\s+packets/s\s+([\d.]+)")
    check(t and float(t[0]) > 0 and float(t[1]) > pps * 0.5, f"transitions/s, packets/s: {t}")
    fill = field(scr, r"flow table\s+(\d+) / (\d+) \(")
    st = json.loads(topo.xdpct(topo.s, "status", "-j"))
    check(fill and int(fill[1]) == st["flows"]["max"] and
          abs(int(fill[0]) - st["flows"]["count"]) <= max(10, traffic.short),
          f"table fill {fill} vs status {st['flows']}")
    hs = field(scr, r"SYN->SYN-ACK\s+p50 <=(\S+)\s+p90 <=(\S+)\s+p99 <=(\S+)")
    ha = field(scr, r"SYN-ACK->ACK\s+p50 <=(\S+)\s+p90 <=(\S+)\s+p99 <=(\S+)")
    unit = r"^\d+(\.\d+)?(ns|us|ms|s)$"
    check(hs and ha and all(re.match(unit, v) for v in hs + ha),
          f"handshake percentiles: {hs} / {ha}")
    n1 = field(scr, r"ended since top started: (\d+)")
    t0 = time.monotonic()
    scr2 = wait_until(screen, ok=lambda s: field(s, r"ended since top started: (\d+)") != n1,
                      timeout=5, what="a refresh")
    dt = time.monotonic() - t0
    n2 = field(scr2, r"ended since top started: (\d+)")
    check(n1 and n2 and int(n2[0]) > int(n1[0]) and dt < 2.5,
          f"refreshed within {dt:.1f} s: connections ended {n1} -> {n2}")


def quits(topo, how):
    start_top(topo)
    pid = top_pid()
    if how == "q":
        tmux("send-keys", "-t", "top", "q")
    elif how == "C-c":
        tmux("send-keys", "-t", "top", "C-c")
    else:
        os.kill(pid, 15)
    status = wait_until(exit_status, timeout=10, what=f"top to end on {how}")
    alt = pane("#{alternate_on}")
    check(status == "0" and alt == "0",
          f"{how}: top exited with status {status!r}, alternate screen {alt} (restored)")


def main():
    need("ip", "tmux", "ethtool")
    topo = Topology("top")
    install_cleanup(topo)
    traffic = None
    try:
        topo.create()
        r = subprocess.run(["ip", "netns", "exec", topo.s, XDPCT, "top"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        check(r.returncode == 1 and "not attached" in r.stderr,
              f"nothing attached: rc {r.returncode} {r.stderr.strip()}")
        topo.xdpct(topo.s, "attach", "--egress", topo.sif)
        r = subprocess.run(["ip", "netns", "exec", topo.s, XDPCT, "top"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        check(r.returncode == 1 and len(r.stderr.splitlines()) == 1 and "terminal" in r.stderr,
              f"no terminal: rc {r.returncode} {r.stderr.strip()}")
        r = subprocess.run(["ip", "netns", "exec", topo.s, XDPCT, "top", "--delay", "0"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        check(r.returncode == 2 and "--delay '0'" in r.stderr, f"--delay 0: rc {r.returncode}")
        tmux("new-session", "-d", "-s", "top", "-x", "150", "-y", "30", "sleep 600")
        tmux("set-option", "-t", "top", "remain-on-exit", "on")
        traffic = Traffic(topo)
        start_top(topo)
        reading(topo, traffic)
        tmux("send-keys", "-t", "top", "q")
        wait_until(exit_status, timeout=10, what="top to quit")
        for how in ("q", "SIGTERM", "C-c"):
            quits(topo, how)
        # the control: killed outright, nothing restores the terminal, and
        # the check above would see it
        start_top(topo)
        os.kill(top_pid(), 9)
        st = wait_until(exit_status, timeout=10, what="top to die")
        check(st == "137" and pane("#{alternate_on}") == "1",
              f"control: after SIGKILL (status {st}) the alternate screen is still on")
    finally:
        if traffic:
            traffic.stop()
        tmux("kill-server", check_rc=False)
        if os.path.exists(STATUS):
            os.unlink(STATUS)
        topo.destroy()
    return done("top")


if __name__ == "__main__":
    sys.exit(main())
