#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Legitimate clients for the SYN-flood test: run inside the client namespace.

    sc_load.py ADDR PORT COUNT SECONDS

Opens COUNT connections spread evenly over SECONDS (kernel TCP), each sends
100 bytes, reads the echo and closes first.  Prints one JSON object: how many
succeeded, failed, and connect-time percentiles.
"""
import json
import socket
import sys
import threading
import time


def one(addr, port, timeout):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    t = time.monotonic()
    try:
        s.connect((addr, port))
        ct = time.monotonic() - t
        s.sendall(b"x" * 100)
        got = 0
        while got < 100:
            d = s.recv(200)
            if not d:
                return None
            got += len(d)
        s.shutdown(socket.SHUT_WR)
        s.recv(10)
        return ct
    except OSError:
        return None
    finally:
        s.close()


def main():
    addr, port, count, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    times, fails = [], [0]
    lock = threading.Lock()
    start = time.monotonic()
    next_i = [0]

    def worker():
        while True:
            with lock:
                i = next_i[0]
                next_i[0] += 1
            if i >= count:
                return
            delay = start + i * secs / count - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            r = one(addr, port, 20)
            with lock:
                if r is None:
                    fails[0] += 1
                else:
                    times.append(r)

    ts = [threading.Thread(target=worker) for _ in range(64)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    times.sort()

    def pct(p):
        return round(times[min(len(times) - 1, int(p * len(times)))] * 1000, 3) if times else None

    print(json.dumps({"ok": len(times), "failed": fails[0], "seconds": round(time.monotonic() - start, 2),
                      "connect_ms_p50": pct(0.5), "connect_ms_p99": pct(0.99),
                      "connect_ms_max": pct(1.0)}))


if __name__ == "__main__":
    main()
