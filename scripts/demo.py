#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""xdpct demo: real kernel TCP conversations between two network namespaces,
watched live by xdpct, then the flow table.  Removes everything it made."""
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
from xnet import Topology, XDPCT, linger_rst, install_cleanup  # noqa: E402

PORT = 8080


def say(msg):
    print(f"\n=== {msg}", flush=True)
    time.sleep(0.2)


def server(topo, fam, port):
    return topo.listen(fam, port, 16)


def client(topo, fam, port):
    return topo.connect(fam, port)


def full_close(topo, fam):
    ls = server(topo, fam, PORT)
    c = client(topo, fam, PORT)
    s, _ = ls.accept()
    c.sendall(b"GET / HTTP/1.0\r\n\r\n")
    s.recv(100)
    s.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello")
    c.recv(100)
    time.sleep(0.3)
    c.close()
    time.sleep(0.3)
    s.close()
    ls.close()


def main():
    topo = Topology("demo")
    install_cleanup(topo)
    watch = None
    try:
        say("creating namespaces: client 10.199.0.1 / fd99::1  <-veth->  "
            "server 10.199.0.2 / fd99::2")
        topo.create()
        say(f"xdpct attach --egress on the server's {topo.sif} (TIME_WAIT shortened to 3 s)")
        subprocess.run(["ip", "netns", "exec", topo.s, XDPCT, "attach", "--egress",
                        "--timeout-time-wait", "3", "--timeout-close", "30", topo.sif],
                       check=True)
        watch = subprocess.Popen(["ip", "netns", "exec", topo.s, XDPCT, "watch"])
        time.sleep(0.8)

        say("1. full handshake, request/response, four-way close (IPv4)")
        full_close(topo, 4)
        time.sleep(0.5)

        say("2. half-close: the client sends its FIN, the server keeps sending")
        ls = server(topo, 4, PORT + 1)
        c = client(topo, 4, PORT + 1)
        s, _ = ls.accept()
        c.sendall(b"upload done")
        c.shutdown(socket.SHUT_WR)
        s.recv(100)
        time.sleep(0.3)
        for _ in range(3):
            s.sendall(b"x" * 1000)
            time.sleep(0.1)
        got = 0
        while got < 3000:
            got += len(c.recv(4096))
        s.close()
        time.sleep(0.3)
        c.close()
        ls.close()
        time.sleep(0.5)

        say("3. abortive close: the client resets the connection (SO_LINGER 0)")
        ls = server(topo, 4, PORT + 2)
        c = client(topo, 4, PORT + 2)
        s, _ = ls.accept()
        c.sendall(b"bye")
        time.sleep(0.2)
        linger_rst(c)
        time.sleep(0.3)
        s.close()
        ls.close()
        time.sleep(0.5)

        say("4. refused: nothing listens on port 9, the server answers RST")
        try:
            client(topo, 4, 9)
        except ConnectionRefusedError:
            print("(client: connection refused)", flush=True)
        time.sleep(0.5)

        say("5. an IPv6 connection")
        full_close(topo, 6)

        say("waiting for TIME_WAIT (3 s) to run out")
        time.sleep(4.5)
        watch.send_signal(signal.SIGINT)
        watch.wait(timeout=5)
        watch = None

        say("xdpct flows (closed flows linger for --timeout-close)")
        subprocess.run(["ip", "netns", "exec", topo.s, XDPCT, "flows"], check=True)
        say("xdpct stats (non-zero counters)")
        out = subprocess.run(["ip", "netns", "exec", topo.s, XDPCT, "stats"], check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        print("".join(l + "\n" for l in out.splitlines() if l.split()[1] != "0"), end="")
        say("xdpct detach, remove the namespaces")
        subprocess.run(["ip", "netns", "exec", topo.s, XDPCT, "detach", topo.sif],
                       check=True)
    finally:
        if watch:
            watch.kill()
        topo.destroy()
    print("demo done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
