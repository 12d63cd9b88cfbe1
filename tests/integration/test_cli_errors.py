#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Bad input and rough lifecycles: each gets one clear line on stderr, the
documented exit code, and leaves nothing attached or pinned behind."""
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
from check import check, done, need, note, wait_until  # noqa: E402
from xnet import ROOT, XDPCT as X, inns, reading_events, sh  # noqa: E402

NS = f"xerr-{os.getpid()}"
NS2 = f"xerr2-{os.getpid()}"
IN = ["ip", "netns", "exec", NS]
XDP_PASS_OBJ = os.path.join(os.path.dirname(X), "tests", "bpf", "progs", "xdp_pass.bpf.o")
OTHER_BUILD_OBJ = os.path.join(os.path.dirname(X), "tests", "bpf", "progs",
                               "other_build.bpf.o")


def run(*argv):
    """Run argv (no shell); (exit code, stdout, stderr)."""
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=60, cwd=ROOT)
    return r.returncode, r.stdout, r.stderr


def expect(rc, pat, *argv):
    """Exit code rc and, with a pattern, one stderr line matching it (an
    extended regular expression); without one, nothing on stderr."""
    got, out, err = run(*argv)
    cmd = " ".join(argv)
    if not pat:
        check(got == rc and not err,
              f"rc {got}: {cmd}" if got == rc and not err else
              f"'{cmd}': rc {got} (want {rc}), stderr: {err}")
        return
    good = got == rc and len(err.splitlines()) <= 1 and re.search(pat, err)
    check(good, f"rc {got}: {err[:120]}" if good else
          f"'{cmd}': rc {got} (want {rc}), stderr: {err} stdout: {out}")


def attached(ns=NS):
    return run("ip", "netns", "exec", ns, X, "status")[0] == 0


def netns_ino(ns):
    return sh(f"ip netns exec {ns} stat -L -c %i /proc/self/ns/net").strip()


def leftovers():
    """What of xdpct is still in the namespace (empty: nothing)."""
    if attached():
        return "an instance is still attached"
    if "prog/xdp" in sh(f"ip -n {NS} link show v0 2>/dev/null", check=False):
        return "an XDP program is still on v0"
    if "bpf" in sh(f"ip netns exec {NS} tc filter show dev v0 egress 2>/dev/null", check=False):
        return "a TC filter is still on v0"
    if os.path.exists(f"/sys/fs/bpf/xdpct/ns{netns_ino(NS)}"):
        return "pins left"
    return ""


def nothing_left(what):
    left = leftovers()
    check(not left, f"{what}: {left or 'nothing left'}")


def start(*argv):
    """An xdpct command in the background, in NS (ip netns exec execs it)."""
    return subprocess.Popen(IN + [X] + list(argv), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def bad_arguments():
    note("--- bad arguments (exit 2)")
    expect(2, "unknown command", X, "frobnicate")
    expect(2, "unknown option", X, "--bogus")
    expect(2, "which interface", *IN, X, "attach")
    expect(2, "--flows 'abc'", *IN, X, "attach", "--flows", "abc", "v0")
    expect(2, "--mode 'fast'", *IN, X, "attach", "--mode", "fast", "v0")
    expect(2, "--timeout-syn '-1'", *IN, X, "attach", "--timeout-syn", "-1", "v0")
    expect(2, "--ringbuf 5000", *IN, X, "attach", "--ringbuf", "5000", "v0")
    expect(2, "unknown option", *IN, X, "attach", "--frob", "v0")
    expect(2, "not a TCP state", *IN, X, "flows", "--state", "bogus")
    expect(2, "--src '1.2.3.4/40'", *IN, X, "flows", "--src", "1.2.3.4/40")
    expect(2, "--port '70000'", *IN, X, "flows", "--port", "70000")
    expect(2, "--count '0'", *IN, X, "watch", "--count", "0")
    expect(2, "not both or neither", *IN, X, "detach")
    # commands without operands (cmdline.c parse_no_operands()): one line, exit 2
    for cmd in ("status", "exporter", "flows", "stats", "top"):
        expect(2, f"{cmd}: unexpected argument 'extra'", *IN, X, cmd, "extra")
    nothing_left("after bad arguments")


def environment():
    note("--- environment")
    expect(1, "no such interface", *IN, X, "attach", "nosuchif0")
    nothing_left("unknown interface")
    expect(1, "must run as root",
           "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", X, "attach", "v0")
    expect(1, "no BTF", "unshare", "-m", "sh", "-c",
           f"mount -t tmpfs none /sys/kernel/btf && {X} attach v0")
    nothing_left("no BTF")
    expect(1, "not attached", *IN, X, "detach", "v0")
    expect(1, "not attached", *IN, X, "flows")
    expect(1, "not attached", *IN, X, "watch", "--duration", "1")
    out = run(*IN, X, "-j", "attach", "nosuchif0")[1]
    ok = re.search(r'^\{"error":".*no such interface', out, re.M)
    check(ok, f"JSON error object: {out}" if ok else f"JSON error: {out}")


def no_native_xdp():
    note("--- no native XDP (loopback): generic with a warning, or a clear error")
    sh(f"ip -n {NS} link set lo up")
    expect(0, "warning: lo: no native XDP, attached in generic mode", *IN, X, "attach", "lo")
    check(re.search(r"lo .*generic", run(*IN, X, "status")[1]), "status shows generic mode")
    expect(0, "", *IN, X, "detach", "--all")
    expect(1, r"lo: attaching XDP failed: Operation not supported \(try --mode generic\)",
           *IN, X, "attach", "--mode", "native", "lo")
    nothing_left("native XDP refused")


def twice():
    note("--- attach twice, detach twice")
    expect(0, "", *IN, X, "attach", "--egress", "v0")
    expect(1, "already attached to v0", *IN, X, "attach", "v0")
    expect(0, "", *IN, X, "detach", "v0")
    expect(1, "not attached", *IN, X, "detach", "v0")
    nothing_left("attach, attach, detach, detach")


def syncookie_status():
    note("--- status reports the handshake offload settings")
    expect(0, "", *IN, X, "attach", "--syncookie", "80,443", "--syncookie-mode", "auto",
           "--syncookie-threshold", "500", "v0")
    st = run(*IN, X, "status", "-j")[1]
    ok = '"syncookie":{"mode":"auto","completion":"reqsk","threshold":500' in st
    check(ok, "status -j syncookie settings" if ok else f"status -j syncookie settings: {st}")
    expect(2, "syncookie", *IN, X, "attach", "--syncookie", "70000", "v0")
    expect(0, "", *IN, X, "detach", "--all")
    nothing_left("syncookie attach/detach")


def foreign_in(pins, other):
    """The other build's table in place of the instance's own."""
    os.rename(f"{pins}/flows", f"{pins}/flows_own")
    os.rename(f"{other}/flows", f"{pins}/flows")


def foreign_out(pins, other):
    """The instance's own table back; the other build's kept for foreign_in()."""
    if os.path.exists(f"{pins}/flows_own"):
        if os.path.exists(f"{pins}/flows"):
            os.rename(f"{pins}/flows", f"{other}/flows")
        os.rename(f"{pins}/flows_own", f"{pins}/flows")


def another_build():
    """An instance whose flow table another build of xdpct laid out otherwise
    (tests/bpf/progs/other_build.bpf.c, pinned in place of this
    instance's own): every reader refuses it in one line, and status says it
    cannot read it rather than show its tables as empty."""
    note("--- an instance another build loaded: refused or said, never misread")
    expect(0, "", *IN, X, "attach", "v0")
    pins = f"/sys/fs/bpf/xdpct/ns{netns_ino(NS)}"
    other = f"/sys/fs/bpf/xerr-other-{os.getpid()}"
    try:
        sh(f"bpftool prog load {OTHER_BUILD_OBJ} {other}-prog pinmaps {other}")
        foreign_in(pins, other)
        for cmd in (["flows"], ["flows", "-j"], ["stats"], ["top"], ["watch"],
                    ["export", "--ipfix", "127.0.0.1:4739"]):
            expect(1, r"loaded by another build of xdpct \(struct xdpct_flow differs",
                   *IN, X, *cmd)
        rc, out, err = run(*IN, X, "status")
        ok = rc == 0 and not err and re.search(
            r"^not read +flow tables and counters: the attached instance was loaded by "
            r"another build of xdpct \(struct xdpct_flow differs",
            out, re.M) and not re.search(r"^flows ", out, re.M)
        check(ok, "status: says the tables are not read" if ok else
              f"status: rc {rc}, stdout {out!r}, stderr {err!r}")
        rc, out, err = run(*IN, X, "status", "-j")
        try:
            st = json.loads(out)
        except ValueError:
            st = {}
        ok = rc == 0 and st.get("attached") is True and st.get("readable") is False \
            and "another build" in st.get("why", "") and "flows" not in st
        check(ok, "status -j: readable false, why, no flows" if ok else
              f"status -j: rc {rc}, {out!r}, {err!r}")
        exporter_says_once(pins, other)
    finally:
        foreign_out(pins, other)
        if os.path.exists(f"{other}-prog"):
            os.unlink(f"{other}-prog")
        if os.path.isdir(other):		# its maps
            for name in os.listdir(other):
                os.unlink(f"{other}/{name}")
            os.rmdir(other)
    st = run(*IN, X, "status", "-j")[1]
    check('"flows":{' in st, "status reads its own table again")
    expect(0, "", *IN, X, "detach", "--all")
    nothing_left("another build's table, then detach")


def exporter_says_once(pins, other):
    """The exporter on an instance it cannot read: xdpct_up 0 and
    xdpct_attached 1 on every scrape, the reason on stderr once, not once a
    scrape; and once more for the next such instance, after this one went
    away (a scrape with nothing attached between them)."""
    sh(f"ip -n {NS} link set lo up")

    def scrape():
        try:
            with inns(NS):
                with urllib.request.urlopen("http://127.0.0.1:10119/metrics", timeout=5) as r:
                    return r.read().decode()
        except OSError:
            return ""

    ex = subprocess.Popen(IN + [X, "exporter"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: "xdpct_up" in scrape(), timeout=10, what="the exporter")
        bodies = [scrape() for _ in range(3)]
        # the instance goes away (its own table back first: detach removes
        # the pins it made), then another build's is there again
        foreign_out(pins, other)
        expect(0, "", *IN, X, "detach", "--all")
        gone = scrape()
        expect(0, "", *IN, X, "attach", "v0")
        foreign_in(pins, other)
        again = [scrape() for _ in range(2)]
    finally:
        ex.terminate()
        err = ex.communicate(timeout=10)[1]
    ok = all(re.search(r"^xdpct_up 0$", b, re.M) and re.search(r"^xdpct_attached 1$", b, re.M)
             for b in bodies + again)
    check(ok, "exporter: xdpct_up 0, xdpct_attached 1 on every scrape" if ok else
          f"exporter: {bodies + again!r}")
    ok = re.search(r"^xdpct_attached 0$", gone, re.M)
    check(ok, "exporter: xdpct_attached 0 once the instance went away" if ok else
          f"exporter, nothing attached: {gone!r}")
    n = len(re.findall(r"another build of xdpct", err))
    check(n == 2, f"exporter: the refusal said once per instance, over 4+ and 2 scrapes "
          f"(said {n} times: {err!r})")


def foreign_program():
    note("--- a foreign XDP program is not replaced without --force")
    sh(f"ip -n {NS} link set dev v0 xdpdrv obj {XDP_PASS_OBJ} sec xdp")
    expect(1, "did not load; --force", *IN, X, "attach", "v0")
    check("foreign_pass" in sh(f"ip -n {NS} link show v0"), "foreign program still there")
    expect(0, "", *IN, X, "attach", "--force", "v0")
    expect(0, "", *IN, X, "detach", "--all")
    nothing_left("--force then detach")


def no_local_bpffs():
    note("--- bpffs missing in this mount namespace (as under ip netns exec)")
    expect(0, "", *IN, "unshare", "-m", "sh", "-c", f"umount /sys/fs/bpf 2>/dev/null; {X} attach v0")
    check(attached(), "later command finds the instance")
    expect(0, "", *IN, "unshare", "-m", "sh", "-c",
           f"umount /sys/fs/bpf 2>/dev/null; {X} detach --all")
    nothing_left("attach/detach without a local bpffs")


def run_signals():
    note("--- run: SIGINT and SIGTERM detach")
    for sig in (signal.SIGINT, signal.SIGTERM):
        p = start("run", "v0")
        wait_until(lambda: attached() and reading_events(p.pid), timeout=10,
                   what="run to attach and read events")
        p.send_signal(sig)
        rc = p.wait(timeout=30)
        check(rc == 0, f"run exits 0 on {sig.name}" if rc == 0 else f"run rc {rc} on {sig.name}")
        nothing_left(f"run + {sig.name}")

    note("--- run: SIGKILL leaves nothing either (links die with the process)")
    p = start("run", "--egress", "v0")
    wait_until(lambda: attached() and reading_events(p.pid), timeout=10,
               what="run to attach and read events")
    check(attached(), "other commands see run's instance")
    expect(1, "already attached", *IN, X, "attach", "v0")
    p.kill()
    p.wait(timeout=30)
    # the kernel releases the links as the process's files close
    wait_until(leftovers, lambda left: not left, what="run's links to go with it")
    nothing_left("run + SIGKILL")


def watch_signals():
    note("--- watch: SIGINT exits cleanly and leaves the instance")
    sh(f"ip netns exec {NS} {X} attach v0")
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        p = start("watch")
        wait_until(lambda: reading_events(p.pid), timeout=10, what="watch to read events")
        p.send_signal(sig)
        rc = p.wait(timeout=30)
        if sig == signal.SIGKILL:
            check(rc == -signal.SIGKILL,
                  "watch killed by SIGKILL" if rc == -signal.SIGKILL else
                  f"watch rc {rc} on SIGKILL")
        else:
            check(rc == 0, f"watch exits 0 on {sig.name}" if rc == 0 else
                  f"watch rc {rc} on {sig.name}")
        ok = attached()
        check(ok, f"instance still attached after watch {sig.name}" if ok else
              f"instance gone after watch {sig.name}")
    # a new watch after a killed one still reads events
    rc = run(*IN, X, "watch", "--duration", "1")[0]
    check(rc == 0, "watch works after a killed one" if rc == 0 else "watch after SIGKILL")


def interface_deleted():
    note("--- the interface deleted while attached")
    sh(f"ip -n {NS} link del v0")
    check("interface gone" in run(*IN, X, "status")[1], "status says the interface is gone")
    expect(0, "", *IN, X, "detach", "--all")
    # this namespace's pin directory only: another namespace's instance
    # (a test running beside this one) may pin under /sys/fs/bpf/xdpct too
    mine = f"/sys/fs/bpf/xdpct/ns{netns_ino(NS)}"
    left = os.path.exists(mine)
    check(not left, f"pins left after deleted-interface detach: {mine}" if left else
          "no pins left")


def netns_alive(ino):
    """As xdpct judges it: a process in the namespace or a bind mount of it."""
    for d, pat in (("/run/netns", "/run/netns/{}"), ("/proc", "/proc/{}/ns/net")):
        for e in os.listdir(d):
            if d == "/proc" and not e.isdigit():
                continue
            try:
                if os.stat(pat.format(e)).st_ino == ino:
                    return True
            except OSError:
                pass
    return False


def netns_deleted():
    note("--- the network namespace deleted while attached")
    sh(f"ip netns add {NS2}")
    sh(f"ip -n {NS2} link add w0 type veth peer name w1")
    sh(f"ip -n {NS2} link set w0 up")
    sh(f"ip netns exec {NS2} {X} attach --egress w0")
    pid2 = json.loads(sh(f"ip netns exec {NS2} {X} status -j"))["prog_ids"]["xdp"]
    ino2 = netns_ino(NS2)
    sh(f"ip netns del {NS2}")
    wait_until(lambda: not netns_alive(int(ino2)), what=f"namespace {ino2} to be gone")
    run(*IN, X, "status")
    gone = not os.path.exists(f"/sys/fs/bpf/xdpct/ns{ino2}")
    check(gone, "pins of the deleted namespace removed by the next command" if gone else
          "pins of the deleted namespace left")

    def loaded():
        return run("bpftool", "prog", "show", "id", str(pid2))[0] == 0
    # a program is freed after an RCU grace period once nothing holds it
    freed = not wait_until(loaded, lambda up: not up, what=f"program {pid2} to be freed")
    check(freed, f"program {pid2} freed" if freed else f"program {pid2} still loaded")


def cleanup():
    for ns in (NS, NS2):
        if os.path.exists(f"/run/netns/{ns}"):
            run("ip", "netns", "exec", ns, X, "detach", "--all")
            run("ip", "netns", "del", ns)


def main():
    need("ip", "tc", "stat", "setpriv", "unshare", "mount", "umount", "sh", "bpftool")
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    try:
        sh(f"ip netns add {NS}")
        sh(f"ip -n {NS} link add v0 type veth peer name v1")
        sh(f"ip -n {NS} link set v0 up")
        sh(f"ip -n {NS} link set v1 up")
        bad_arguments()
        environment()
        no_native_xdp()
        twice()
        syncookie_status()
        another_build()
        foreign_program()
        no_local_bpffs()
        run_signals()
        watch_signals()
        interface_deleted()
        netns_deleted()
    finally:
        cleanup()
    return done("cli_errors")


if __name__ == "__main__":
    sys.exit(main())
