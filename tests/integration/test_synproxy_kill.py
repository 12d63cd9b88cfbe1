#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""`run --syncookie-completion synproxy` killed by SIGKILL: its BPF links die
with it, its iptables chains (XDPCT_SC_RAW, XDPCT_SC) and
nf_conntrack_tcp_loose do not.  The next xdpct command of any kind in that
network namespace must find them, see that their instance is gone, remove
them and restore the sysctl; while the instance lives, no command may."""
import os
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
from check import bail, check, done, need, note, wait_until  # noqa: E402
from xnet import XDPCT, sh  # noqa: E402

NS = f"xsynk-{os.getpid()}"
LOOSE = "/proc/sys/net/netfilter/nf_conntrack_tcp_loose"


def in_ns(cmd, check_rc=False):
    return sh(f"ip netns exec {NS} {cmd}", check=check_rc)


def xdpct_rules():
    """Every XDPCT_SC* chain or jump, both families, both tables."""
    out = []
    for tool in ("iptables", "ip6tables"):
        for table in ("raw", "filter"):
            out += [line for line in in_ns(f"{tool} -w -t {table} -S").splitlines()
                    if "XDPCT_SC" in line]
    return out


def loose():
    return in_ns(f"cat {LOOSE}").strip()


def xdp_gone():
    """The XDP program is off v0 (asked of ip, not of xdpct: any xdpct
    command would clean up)."""
    return "prog/xdp" not in sh(f"ip -n {NS} link show v0")


def round_(nxt, want_rc, tables_before):
    note(f"--- SIGKILL, then: xdpct {nxt}")
    run = subprocess.Popen(["ip", "netns", "exec", NS, XDPCT, "run", "--syncookie", "8080",
                            "--syncookie-completion", "synproxy", "v0"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        up = bool(wait_until(xdpct_rules, timeout=10, what="run's SYNPROXY rules")) and \
            wait_until(loose, lambda v: v == "0", timeout=5, what="loose 0") == "0"
        if not check(up, "run installed its SYNPROXY rules and set nf_conntrack_tcp_loose 0"):
            return
        in_ns(f"{XDPCT} status")
        check(bool(xdpct_rules()) and loose() == "0",
              "a command while run lives leaves its rules alone")
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    # the kernel frees the killed process's links as it exits
    if not check(wait_until(xdp_gone, timeout=5, what="the killed run's XDP link to go"),
                 "the killed run's XDP link is gone"):
        return
    check(bool(xdpct_rules()) and loose() == "0",
          "SIGKILL left the rules and the sysctl (the case at hand)")
    r = subprocess.run(f"ip netns exec {NS} {XDPCT} {nxt}", shell=True, text=True,
                       capture_output=True)
    check(r.returncode == want_rc, f"xdpct {nxt}: rc {r.returncode} (want {want_rc}) {r.stderr}")
    if nxt == "status":
        check("not attached" in r.stdout + r.stderr, f"status says not attached: {r.stderr}")
    left = xdpct_rules()
    check(not left, f"no XDPCT_SC* chain or jump left (iptables, ip6tables; raw, filter): {left}")
    check(loose() == "1", f"nf_conntrack_tcp_loose back to 1 (is {loose()})")
    check(in_ns("nft list tables") == tables_before,
          "no table left that iptables made for the rules")


def main():
    need("ip", "iptables", "ip6tables", "nft")
    sh(f"ip netns add {NS}")
    try:
        sh(f"ip -n {NS} link add v0 type veth peer name v1")
        for dev in ("lo", "v0", "v1"):
            sh(f"ip -n {NS} link set {dev} up")
        # nf_conntrack_tcp_loose exists once conntrack is loaded (xdpct's
        # own attach checks for it the same way)
        if not os.path.exists(LOOSE):
            bail(f"no {LOOSE}: conntrack missing")
        in_ns(f"sh -c 'echo 1 > {LOOSE}'", check_rc=True)
        tables_before = in_ns("nft list tables")
        round_("status", 1, tables_before)
        round_("flows", 1, tables_before)
        round_("attach v0", 0, tables_before)
        in_ns(f"{XDPCT} detach --all")
    finally:
        sh(f"ip netns exec {NS} {XDPCT} detach --all", check=False)
        sh(f"ip netns del {NS}", check=False)
    return done("synproxy_kill")


if __name__ == "__main__":
    sys.exit(main())
