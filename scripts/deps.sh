#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# THE list of Debian packages that xdpct's build, demo, tests, fuzz run and
# bench use, installed when missing; then bpffs mounted.  Nothing outside
# this list is needed.  Every package is listed with what uses it, those of
# Debian's base system and of the machine image included, so the list
# reads as the truth.  Safe to run again: quiet, and it only acts on what
# is missing.
set -e

PKGS=$(sed 's/#.*//' <<'EOF'
make			# the build
gcc			# userspace, the Criterion tests, the bench
libc6-dev		# C library headers; with linux-libc-dev, the UAPI headers (gcc only recommends it)
clang-16		# BPF objects (CLANG), the libFuzzer harness (FUZZ_CC)
libclang-rt-16-dev	# libFuzzer, ASan and UBSan runtimes of the fuzz run
clang-14		# build/bpf/xdpct.clang14.bpf.o, loaded by the verifier test
bpftool			# skeletons, `make vmlinux`; tests read program ids
libbpf-dev		# loader, skeletons, tests
libxdp-dev		# XDP attach (multiprog dispatcher)
libelf-dev		# linked (libbpf)
zlib1g-dev		# linked (libbpf)
libpcap-dev		# replay's capture reader
libcriterion-dev	# the C tests
iproute2		# ip, tc, ss, nstat: every netns test, the demo, the bench
ethtool			# offloads off on the veths (tests, demo, bench), GRO on for bench overload
iptables		# iptables(-restore) and ip6tables(-restore): synproxy completion, tests
nftables		# nft: synproxy completion's tables, the bench's baselines
tcpdump			# the CLI test records a connection and replays it
hping3			# SYN floods and forged segments (full-table, syncookie and frag/checksum tests)
python3			# tests/*/test_*.py and the demo (standard library only)
procps			# sysctl: tests, bench; pgrep: bench overload (the NAPI threads)
util-linux		# mountpoint (here), setpriv and unshare (CLI error test), taskset (bench overload)
mount			# mount (bpffs, here; the CLI error test)
coreutils		# timeout, stat, mktemp and friends
systemd			# systemd-analyze verify: the install test checks xdpct@.service
man-db			# man -l: the install test renders every generated page
groff-base		# groff, which man renders the pages with
bash			# the generated completion, driven by the install test
libmicrohttpd-dev	# xdpct exporter's HTTP server (/metrics)
prometheus		# prometheus and promtool: the exporter test scrapes and lints
libfixbuf-dev		# xdpct export --ipfix: the IPFIX encoder and transport (with glib)
pkg-config		# libfixbuf's (glib's) compiler and linker flags
nfdump			# nfcapd and nfdump: the IPFIX test's collector and reader
libncurses-dev		# xdpct top's screen (ncursesw)
tmux			# the top test drives it in a tmux pane (send-keys, capture-pane)
EOF
)

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "xdpct deps: missing packages:$missing (run as root to install)" >&2
		exit 1
	fi
	echo "xdpct deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ "$(id -u)" = 0 ] && ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf
fi
exit 0
