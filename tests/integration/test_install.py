#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""make install, the man pages, the bash completion and the systemd unit.

The tree `make install DESTDIR=...` writes; each man page rendered by
man(1) without a groff warning; every option a --help lists accepted by
that command's getopt; the completion driven as bash drives it; the unit
checked by `systemd-analyze verify` (systemd(1) is not PID 1 here, so its
ExecStart and ExecStop are run by hand, as systemd would run them, in a
network namespace: attach, start twice, detach, bad config, no interface)."""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "lib")]
from check import check, done, need, note  # noqa: E402
from xnet import ROOT, sh  # noqa: E402

NS = f"xinst-{os.getpid()}"
IN = ["ip", "netns", "exec", NS]
CMDS = sorted(f[4:-2] for f in os.listdir(os.path.join(ROOT, "user", "cli"))
              if f.startswith("cmd_") and f.endswith(".c"))


def run(argv, env=None, timeout=60):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout, cwd=ROOT, env=env)
    # man's output to a pipe: bold and underline as overstrikes
    return r.returncode, re.sub(r".\x08", "", r.stdout), r.stderr


def make_install(*args):
    rc, out, err = run(["make", "--no-print-directory", "-s", "install", *args], timeout=600)
    check(rc == 0, f"make install {' '.join(args)}: rc {rc} {err[-300:]}")


def tree(destdir):
    note("--- make install DESTDIR=: the expected tree")
    make_install(f"DESTDIR={destdir}")
    got = set()
    for d, _, files in os.walk(destdir):
        for f in files:
            got.add(os.path.relpath(os.path.join(d, f), destdir))
    want = {"usr/local/sbin/xdpct", "usr/local/sbin/xdpct-bench",
            "usr/local/share/bash-completion/completions/xdpct",
            "usr/local/lib/systemd/system/xdpct@.service",
            "usr/local/share/doc/xdpct/xdpct.conf.example",
            "usr/local/share/man/man8/xdpct.8"}
    want |= {f"usr/local/share/man/man8/xdpct-{c}.8" for c in CMDS}
    check(got == want, f"installed files: missing {sorted(want - got)}, extra {sorted(got - want)}")
    check(os.path.isdir(os.path.join(destdir, "etc/xdpct")), "etc/xdpct/ created")
    for b in ("xdpct", "xdpct-bench"):
        p = os.path.join(destdir, "usr/local/sbin", b)
        check(os.access(p, os.X_OK), f"{b} executable")
    rc, out, _ = run([os.path.join(destdir, "usr/local/sbin/xdpct"), "--version"])
    check(rc == 0 and out.startswith("xdpct "), f"installed xdpct --version: {out.strip()}")
    unit = open(os.path.join(destdir, "usr/local/lib/systemd/system/xdpct@.service")).read()
    check("ExecStart=/usr/local/sbin/xdpct attach $XDPCT_OPTIONS %I" in unit and
          "EnvironmentFile=/etc/xdpct/%I.conf" in unit,
          "the unit names the installed paths, not DESTDIR's")
    return destdir


def man_pages(destdir):
    note("--- man -l renders each page (groff warnings on)")
    mandir = os.path.join(destdir, "usr/local/share/man/man8")
    # wide: no line is broken, no word hyphenated
    env = dict(os.environ, MANWIDTH="400")
    for page in sorted(os.listdir(mandir)):
        rc, out, err = run(["man", "--warnings", "-l", os.path.join(mandir, page)], env=env)
        name = page[:-2]
        ok = rc == 0 and not err and re.search(rf"^NAME\n\s+{re.escape(name)} - \S", out, re.M) \
            and "SYNOPSIS" in out and "DESCRIPTION" in out
        check(ok, f"man -l {page}: rc {rc}, {len(out.splitlines())} lines" if ok else
              f"man -l {page}: rc {rc} stderr {err[:300]} out {out[:300]}")
        if name != "xdpct":
            cmd = name[len("xdpct-"):]
            help_text = run([os.path.join(ROOT, "build", "xdpct"), cmd, "--help"])[1]
            # the page carries the --help text: each of its option lines
            opt_lines = [ln.split("  ")[0].strip() if ln.strip().startswith("-") else ""
                         for ln in help_text.splitlines() if ln.strip().startswith("-")]
            missing = [o for o in opt_lines if o and o not in out]
            check(not missing, f"xdpct-{cmd}(8) lists every option of --help: missing {missing}")
    out = run(["man", "-l", os.path.join(mandir, "xdpct.8")], env=env)[1]
    missing = [c for c in CMDS if f"xdpct-{c}(8)" not in out]
    check(not missing, f"xdpct(8) refers to every command's page: missing {missing}")


def completion_words(comp, words, ns=None):
    """COMPREPLY for the words typed so far (the last one being completed)."""
    script = (f"source {shlex.quote(comp)}; COMP_WORDS=({' '.join(shlex.quote(w) for w in words)}); "
              f"COMP_CWORD={len(words) - 1}; _xdpct; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
    argv = (["ip", "netns", "exec", ns] if ns else []) + ["bash", "--norc", "-c", script]
    rc, out, err = run(argv)
    return out.split() if rc == 0 and not err else [f"rc {rc}: {err}"]


def options_of(comp):
    opts = {}
    for line in open(comp):
        m = re.match(r"\s(\w+)\) opts=\"([^\"]*)\"", line)
        if m:
            opts[m.group(1)] = m.group(2).split()
    return opts


def completion(destdir):
    note("--- bash completion: commands, options, interfaces, states")
    comp = os.path.join(destdir, "usr/local/share/bash-completion/completions/xdpct")
    check(completion_words(comp, ["xdpct", "at"]) == ["attach"], "xdpct at<TAB> -> attach")
    got = completion_words(comp, ["xdpct", ""])
    check(all(c in got for c in CMDS), f"xdpct <TAB> lists every command: {got}")
    got = completion_words(comp, ["xdpct", "attach", "--syncookie-m"])
    check(got == ["--syncookie-mode"], f"attach --syncookie-m<TAB>: {got}")
    got = completion_words(comp, ["xdpct", "attach", "--syncookie-mode", ""])
    check(sorted(got) == ["always", "auto", "off"], f"--syncookie-mode <TAB>: {got}")
    got = completion_words(comp, ["xdpct", "flows", "--state", "FIN"])
    check(sorted(got) == ["FIN_WAIT_1", "FIN_WAIT_2"], f"flows --state FIN<TAB>: {got}")
    got = completion_words(comp, ["xdpct", "attach", "--egress", ""], ns=NS)
    check(sorted(got) == ["lo", "v0", "v1"], f"attach IFACE<TAB> in the netns: {got}")
    note("--- every option the completion (so --help) lists, getopt accepts")
    opts = options_of(comp)
    check(sorted(opts) == CMDS, f"completion has options for each command: {sorted(opts)}")
    x = os.path.join(ROOT, "build", "xdpct")
    rc, _, err = run(IN + [x, "attach", "--no-such-option"])
    check(rc == 2 and "unknown option" in err, "an unknown option is reported as one")
    for cmd, words in sorted(opts.items()):
        bad = []
        for o in words:
            if o in ("-h", "--help"):
                continue
            # in an empty netns, nothing attached; an operand after it, so
            # that a command taking none stops at it (exporter, top, ...)
            try:
                rc, out, err = run(IN + [x, cmd, o, "nosuch0"], timeout=30)
            except subprocess.TimeoutExpired:
                rc, err = None, "still running after 30 s"
                bad.append(f"{o} (ran on)")
            if "unknown option" in err or "unexpected option" in err:
                bad.append(o)
        check(not bad, f"xdpct {cmd}: {len(words)} options of --help accepted; refused {bad}")


def unit_commands(unit):
    """ExecStart/ExecStop of the unit, as argv lists (systemd's $VAR splitting)."""
    cmds = {}
    env_file = None
    for line in open(unit):
        k, _, v = line.strip().partition("=")
        if k in ("ExecStart", "ExecStop"):
            cmds[k] = v
        if k == "EnvironmentFile":
            env_file = v
    return cmds, env_file


def expand(cmd, iface, env):
    """What systemd runs: %I the instance, $VAR split on whitespace."""
    out = []
    for w in cmd.split():
        w = w.replace("%I", iface)
        if w.startswith("$"):
            out += env.get(w[1:], "").split()
        else:
            out.append(w)
    return out


def read_env(path):
    env = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            k, _, v = line.partition("=")
            env[k] = shlex.split(v)[0] if v else ""
    return env


def status():
    rc, out, _ = run(IN + [os.path.join(ROOT, "build", "xdpct"), "status", "-j"])
    try:
        return json.loads(out)
    except ValueError:
        return {"attached": None, "raw": out}


def nothing_left(what):
    st = status()
    link = sh(f"ip -n {NS} link show v0")
    ok = st.get("attached") is False and "xdp" not in link
    check(ok, f"{what}: nothing attached" if ok else f"{what}: left {st} {link}")


def service(prefix):
    note("--- the unit: systemd-analyze verify, then its commands by hand")
    make_install(f"PREFIX={prefix}/usr", f"SYSCONFDIR={prefix}/etc")
    unit = os.path.join(prefix, "usr/lib/systemd/system/xdpct@.service")
    env = dict(os.environ, MANPATH=os.path.join(prefix, "usr/share/man"))
    rc, out, err = run(["systemd-analyze", "verify", unit.replace("@.", "@v0.")], env=env)
    check(rc == 0 and not err.strip(), f"systemd-analyze verify xdpct@v0.service: rc {rc} {err}")
    broken = os.path.join(prefix, "xdpct@.service")
    with open(broken, "w") as f:
        f.write(open(unit).read().replace(f"{prefix}/usr/sbin/xdpct attach", "xdpct-nowhere attach"))
    rc, _, err = run(["systemd-analyze", "verify", broken.replace("@.", "@v0.")], env=env)
    check(rc != 0 and "xdpct-nowhere" in err, f"verify refuses a broken unit: {err.strip()[:150]}")

    cmds, env_file = unit_commands(unit)
    conf = env_file.replace("%I", "v0")
    check(conf == f"{prefix}/etc/xdpct/v0.conf", f"EnvironmentFile: {conf}")
    example = os.path.join(prefix, "usr/share/doc/xdpct/xdpct.conf.example")
    with open(conf, "w") as f:
        f.write(open(example).read().replace('XDPCT_OPTIONS=""',
                                             'XDPCT_OPTIONS="--egress --flows 4096"'))
    start = expand(cmds["ExecStart"], "v0", read_env(conf))
    stop = expand(cmds["ExecStop"], "v0", read_env(conf))
    check(start[1:] == ["attach", "--egress", "--flows", "4096", "v0"], f"ExecStart: {start}")
    rc, out, err = run(IN + start)
    st = status()
    ok = rc == 0 and st.get("attached") and [i["name"] for i in st["interfaces"]] == ["v0"] \
        and st["interfaces"][0]["egress"] and st["flows"]["max"] == 4096
    check(ok, f"ExecStart attaches v0 with the config's options: rc {rc} {err} {st}")
    rc, out, err = run(IN + start)
    check(rc == 1 and len(err.splitlines()) == 1 and "already attached to v0" in err,
          f"started twice: rc {rc}, one line: {err.strip()}")
    check(status().get("attached"), "the first start's instance still runs")
    rc, out, err = run(IN + stop)
    check(rc == 0, f"ExecStop: rc {rc} {err.strip()}")
    nothing_left("after ExecStop")

    with open(conf, "w") as f:
        f.write('XDPCT_OPTIONS="--flows lots"\n')
    rc, out, err = run(IN + expand(cmds["ExecStart"], "v0", read_env(conf)))
    check(rc == 2 and len(err.splitlines()) == 1 and "--flows 'lots'" in err,
          f"bad config: rc {rc}, one line: {err.strip()}")
    nothing_left("bad config")
    with open(conf, "w") as f:
        f.write('XDPCT_OPTIONS="--egress"\n')
    rc, out, err = run(IN + expand(cmds["ExecStart"], "nosuch0", read_env(conf)))
    check(rc == 1 and len(err.splitlines()) == 1 and "no such interface" in err,
          f"missing interface: rc {rc}, one line: {err.strip()}")
    nothing_left("missing interface")


def main():
    need("make", "man", "bash", "systemd-analyze", "ip")
    tmp = tempfile.mkdtemp(prefix="xdpct-install-")
    try:
        sh(f"ip netns add {NS}")
        sh(f"ip -n {NS} link add v0 type veth peer name v1")
        sh(f"ip -n {NS} link set v0 up")
        sh(f"ip -n {NS} link set v1 up")
        dest = tree(os.path.join(tmp, "dest"))
        man_pages(dest)
        completion(dest)
        service(os.path.join(tmp, "prefix"))
    finally:
        run(IN + [os.path.join(ROOT, "build", "xdpct"), "detach", "--all"])
        run(["ip", "netns", "del", NS])
        shutil.rmtree(tmp, ignore_errors=True)
    return done("install")


if __name__ == "__main__":
    sys.exit(main())
