# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Network-namespace test hosts for xdpct's integration tests and demo.

Two namespaces joined by a veth pair, each end with IPv4 and IPv6 addresses
(and optionally a VLAN sub-interface).  Sockets are created inside a
namespace by switching this process into it with setns(2): a socket stays in
the namespace it was created in, so one process can drive both ends of a
connection and, at checkpoints, poll until what xdpct reports agrees with
what the kernel's sockets say (ss -tan).  Assertions: tests/lib/check.py.
"""
import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
XDPCT = os.environ.get("XDPCT", os.path.join(ROOT, "build", "xdpct"))
_libc = ctypes.CDLL(None, use_errno=True)
_host_ns = os.open("/proc/self/ns/net", os.O_RDONLY)
CLONE_NEWNET = 0x40000000


def sh(cmd, check=True, capture=True, timeout=60):
    """Run a shell command; return stdout (text).  check=False tolerates a
    failing command, never a missing one (127: the shell found no such
    tool): a test must not pass because a tool it needs is absent."""
    r = subprocess.run(cmd, shell=True, text=True, timeout=timeout,
                       stdout=subprocess.PIPE if capture else None,
                       stderr=subprocess.PIPE if capture else None)
    if r.returncode == 127 or (check and r.returncode != 0):
        raise RuntimeError(f"command failed ({r.returncode}): {cmd}\n{r.stdout}{r.stderr}")
    return r.stdout if capture else ""


@contextlib.contextmanager
def inns(ns):
    """Run the block inside namespace ns (sockets created there stay there)."""
    fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
        yield
    finally:
        _libc.setns(_host_ns, CLONE_NEWNET)
        os.close(fd)


class Topology:
    """Client and server namespaces joined by a veth pair."""

    def __init__(self, tag, vlan=None):
        tag = f"{tag}{os.getpid() % 100000}"
        self.c, self.s = f"xc-{tag}", f"xs-{tag}"
        self.cif, self.sif = "veth-c", "veth-s"
        self.vlan = vlan
        self.c4, self.s4 = "10.199.0.1", "10.199.0.2"
        self.c6, self.s6 = "fd99::1", "fd99::2"
        self.up = False

    def create(self):
        self.destroy()
        for ns in (self.c, self.s):
            sh(f"ip netns add {ns}")
            sh(f"ip -n {ns} link set lo up")
        self.up = True
        sh(f"ip link add {self.cif} netns {self.c} type veth peer name {self.sif} netns {self.s}")
        for ns, dev in ((self.c, self.cif), (self.s, self.sif)):
            sh(f"ip -n {ns} link set {dev} up")
            # XDP on veth sees whole frames only without offloads (see README)
            sh(f"ip netns exec {ns} ethtool -K {dev} tx off tso off gso off gro off", check=False)
        if self.vlan:
            for ns, dev in ((self.c, self.cif), (self.s, self.sif)):
                sh(f"ip -n {ns} link add link {dev} name {dev}.{self.vlan} type vlan id {self.vlan}")
                sh(f"ip -n {ns} link set {dev}.{self.vlan} up")
                sh(f"ip netns exec {ns} ethtool -K {dev}.{self.vlan} tx off tso off gso off", check=False)
        cdev = f"{self.cif}.{self.vlan}" if self.vlan else self.cif
        sdev = f"{self.sif}.{self.vlan}" if self.vlan else self.sif
        sh(f"ip -n {self.c} addr add {self.c4}/24 dev {cdev}")
        sh(f"ip -n {self.s} addr add {self.s4}/24 dev {sdev}")
        sh(f"ip -n {self.c} addr add {self.c6}/64 dev {cdev} nodad")
        sh(f"ip -n {self.s} addr add {self.s6}/64 dev {sdev} nodad")
        # static neighbours: no ARP/ND races at the first SYN
        cmac = sh(f"ip -n {self.c} -j link show {cdev}")
        smac = sh(f"ip -n {self.s} -j link show {sdev}")
        cmac, smac = json.loads(cmac)[0]["address"], json.loads(smac)[0]["address"]
        sh(f"ip -n {self.c} neigh add {self.s4} lladdr {smac} dev {cdev}")
        sh(f"ip -n {self.s} neigh add {self.c4} lladdr {cmac} dev {sdev}")
        sh(f"ip -n {self.c} neigh add {self.s6} lladdr {smac} dev {cdev}")
        sh(f"ip -n {self.s} neigh add {self.c6} lladdr {cmac} dev {sdev}")
        return self

    def destroy(self):
        for ns in (getattr(self, "s", None), getattr(self, "c", None)):
            if ns and os.path.exists(f"/run/netns/{ns}"):
                sh(f"ip netns exec {ns} {XDPCT} detach --all", check=False)
                sh(f"ip netns del {ns}", check=False)
        self.up = False

    def inns(self, ns):
        return inns(ns)

    def client_socket(self, fam, port=0):
        """A client socket bound to the client's address and port (0: any),
        SO_REUSEADDR so a port whose connection is gone can be taken again;
        made in the client namespace, not connected."""
        af = socket.AF_INET6 if fam == 6 else socket.AF_INET
        with self.inns(self.c):
            c = socket.socket(af, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind((self.c6 if fam == 6 else self.c4, port))
        return c

    def listen(self, fam, port, backlog=2048):
        """A listening socket on the server's address, made in its namespace."""
        af = socket.AF_INET6 if fam == 6 else socket.AF_INET
        with self.inns(self.s):
            ls = socket.socket(af, socket.SOCK_STREAM)
            ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            ls.bind((self.s6 if fam == 6 else self.s4, port))
            ls.listen(backlog)
        return ls

    def connect(self, fam, port, timeout=5):
        """A client socket, made in the client namespace, connected to the server."""
        af = socket.AF_INET6 if fam == 6 else socket.AF_INET
        with self.inns(self.c):
            c = socket.socket(af, socket.SOCK_STREAM)
        c.settimeout(timeout)
        c.connect((self.s6 if fam == 6 else self.s4, port))
        return c

    def xdpct(self, ns, *args, check=True):
        return sh(f"ip netns exec {ns} {XDPCT} " + " ".join(args), check=check)

    def flows(self, ns=None):
        return json.loads(self.xdpct(ns or self.s, "flows", "-j"))

    def ss(self, ns):
        """{(local, peer): STATE} from ss -tan in ns (addresses without brackets)."""
        out = sh(f"ip netns exec {ns} ss -tanH")
        res = {}
        for line in out.splitlines():
            f = line.split()
            if len(f) < 5:
                continue
            state, local, peer = f[0], f[3], f[4]
            res[(_norm(local), _norm(peer))] = state
        return res


def _norm(ep):
    addr, port = ep.rsplit(":", 1)
    addr = addr.strip("[]")
    if addr.startswith("::ffff:"):
        addr = addr[7:]
    return f"{addr}:{port}"


SS_TO_RFC = {
    "ESTAB": "ESTABLISHED", "SYN-SENT": "SYN_SENT", "SYN-RECV": "SYN_RCVD",
    "FIN-WAIT-1": "FIN_WAIT_1", "FIN-WAIT-2": "FIN_WAIT_2", "CLOSE-WAIT": "CLOSE_WAIT",
    "CLOSING": "CLOSING", "LAST-ACK": "LAST_ACK", "TIME-WAIT": "TIME_WAIT",
    "LISTEN": "LISTEN", "UNCONN": "CLOSED", "CLOSE": "CLOSED",
}


def ss_state(topo, ns, local, peer):
    """RFC name of the socket local->peer in ns; CLOSED when there is none."""
    st = topo.ss(ns).get((local, peer))
    return SS_TO_RFC.get(st, "CLOSED") if st else "CLOSED"


def find_flow(flows, client, server):
    for f in flows:
        c = f"{f['client']['addr']}:{f['client']['port']}"
        s = f"{f['server']['addr']}:{f['server']['port']}"
        if c == client and s == server:
            return f
    return None


def agree_with_ss(topo, read_flows, client, server, want_c, want_s, label, timeout=10):
    """Poll until xdpct (read_flows(): its flows) and ss on both ends agree
    with the wanted states of both ends; one check; the flow at the end."""
    from check import check, wait_until

    def look():
        fl = find_flow(read_flows(), client, server)
        v = {"fl": fl, "ss_c": ss_state(topo, topo.c, client, server),
             "ss_s": ss_state(topo, topo.s, server, client),
             "got_c": fl["client"]["state"] if fl else "no flow",
             "got_s": fl["server"]["state"] if fl else "no flow"}
        v["ok"] = v["got_c"] == v["ss_c"] == want_c and v["got_s"] == v["ss_s"] == want_s
        return v
    v = wait_until(look, lambda v: v["ok"], timeout, f"{label}: {want_c}/{want_s}")
    check(v["ok"], f"{label}: client xdpct {v['got_c']} / ss {v['ss_c']} (want {want_c}); "
          f"server xdpct {v['got_s']} / ss {v['ss_s']} (want {want_s})")
    return v["fl"]


def install_cleanup(topo):
    def handler(signum, frame):
        topo.destroy()
        sys.exit(1)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def reading_events(pid):
    """Is the xdpct process pid (watch, run) reading events?  It has made
    its ring buffer's epoll instance (libbpf's ring_buffer__new) and catches
    SIGINT and SIGTERM, so a signal now ends it cleanly."""
    try:
        with open(f"/proc/{pid}/status") as f:
            cgt = int(next(line for line in f if line.startswith("SigCgt:")).split()[1], 16)
        fds = os.listdir(f"/proc/{pid}/fd")
    except (OSError, StopIteration):
        return False
    want = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))
    if cgt & want != want:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == "anon_inode:[eventpoll]":
                return True
        except OSError:
            pass
    return False


def linger_rst(sock):
    """close() with SO_LINGER 0: an abortive close (RST)."""
    import struct
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def stop_procs(procs, timeout=10):
    """Stop the background processes a test started: SIGTERM, then SIGKILL."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
