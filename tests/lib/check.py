# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The one assertion style of xdpct's Python tests: TAP on stdout.

Every suite (tests/*/test_*.py) reports through this module, as the
Criterion binaries report through `--tap`, so scripts/run-tests.sh counts
every suite the same way:

    ok 1 - v4 after connect: client xdpct ESTABLISHED / ss ESTABLISHED ...
    not ok 2 - v4 RST flow flagged reset
    # a note, a stage header, a figure
    1..2
    # cli_real: 1 passed, 1 failed

check(cond, what)       one assertion; returns cond
note(text)              a TAP comment line
wait_until(read, ok)    poll for a condition instead of sleeping
wait_stable(read, ...)  poll until a reading stops changing
need(*tools)            bail out (fail the suite) when a tool is missing
done(name)              the plan and the summary line; the exit status
"""
import shutil
import sys
import time

_n = 0
_failed = 0


def _line(text):
    """One TAP description: a single line, '#' escaped (it starts a directive)."""
    return " ".join(str(text).split()).replace("#", "\\#")


def note(text):
    for line in str(text).splitlines() or [""]:
        print(f"# {line}")
    sys.stdout.flush()


def check(cond, what):
    """Record one assertion; cond is returned so a caller can stop early."""
    global _n, _failed
    _n += 1
    if cond:
        print(f"ok {_n} - {_line(what)}")
    else:
        _failed += 1
        print(f"not ok {_n} - {_line(what)}")
    sys.stdout.flush()
    return cond


def wait_until(read, ok=bool, timeout=5.0, what="the condition", interval=0.05):
    """Call read() until ok(its value) holds, for at most timeout seconds.

    Returns the last value read: the one that passed, or on timeout the
    last that did not (and a note says so), for the check that follows to
    report in its own message."""
    end = time.monotonic() + timeout
    while True:
        v = read()
        if ok(v):
            return v
        if time.monotonic() >= end:
            note(f"timed out after {timeout:g} s waiting for {what} (last: {v!r})")
            return v
        time.sleep(interval)


def wait_stable(read, timeout=5.0, what="the reading", interval=0.1):
    """Poll read() until two readings interval apart are equal (in-flight
    packets processed, counters no longer moving); returns the last one."""
    prev = [read()]

    def same():
        cur, prev[0] = prev[0], read()
        return cur == prev[0]
    wait_until(same, timeout=timeout, what=f"{what} to stop changing", interval=interval)
    return prev[0]


def need(*tools):
    """Every tool a suite runs must be there: a missing one fails the suite
    (TAP 'Bail out!'), it never skips a check."""
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        print(f"Bail out! missing {' '.join(missing)}: scripts/deps.sh installs them")
        sys.stdout.flush()
        sys.exit(1)


def bail(why):
    """A precondition failed: stop the suite, failed."""
    print(f"Bail out! {_line(why)}")
    sys.stdout.flush()
    sys.exit(1)


def done(name):
    """The plan and the summary; 0 when every check passed (and there was one)."""
    print(f"1..{_n}")
    note(f"{name}: {_n - _failed} passed, {_failed} failed")
    return 0 if _failed == 0 and _n > 0 else 1
