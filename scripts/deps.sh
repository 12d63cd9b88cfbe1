#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Install the Debian packages xdpct's build, demo and tests need, if missing,
# and mount bpffs.  Safe to run again: it only acts on what is missing.
set -e

PKGS="make gcc clang-14 clang-16 llvm-16 libclang-rt-16-dev libbpf-dev libelf-dev zlib1g-dev
pkg-config bpftool libxdp-dev libcriterion-dev libpcap-dev iproute2 ethtool
iptables nftables tcpdump hping3 netsniff-ng iputils-ping conntrack python3
procps util-linux"

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
