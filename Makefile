# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# xdpct: bpf/*.bpf.c -> clang -target bpf -> bpftool gen skeleton -> build/xdpct
#
#   make          build/xdpct (the product) and build/xdpct-bench (the bench)
#   make check    every test, nothing installed, no fuzzing
#   make test     install what is missing, make check, then a bounded fuzz run
#   make demo     the main job on a built-in topology
#   make bench    the benchmark (build/xdpct-bench)
#   make install  binaries, man pages, bash completion, systemd unit
#                 (PREFIX=/usr/local, DESTDIR, SYSCONFDIR=/etc)
#
# BPF compiler: clang-16 by default.  Debian's clang-14 also builds a program
# that passes this kernel's verifier (`make check` loads both), but clang-16
# emits BPF ISA v3 (32-bit jumps, atomics) and better bounds for the verifier;
# override with `make CLANG=clang`.

CLANG    ?= clang-16
CLANG14  ?= clang-14
BPFTOOL  ?= bpftool
CC       ?= gcc
BUILD    ?= build
ARCH     := x86

CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wno-unused-parameter -Werror
CPPFLAGS := -Iinclude -I$(BUILD) -Iuser
DEPFLAGS  = -MMD -MP
LIBS     := -lbpf -lxdp -lpcap -lelf -lz
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -D__BPF__ \
	      -Wall -Wno-unused-function -Wno-compare-distinct-pointer-types -Werror
BPF_INCLUDES := -Iinclude -Ibpf -I.

.DELETE_ON_ERROR:
.PHONY: all deps check test soak bench demo clean vmlinux bpffs install docs

all: $(BUILD)/xdpct $(BUILD)/xdpct-bench docs

# ---- BPF programs and their skeletons ------------------------------------

# keep the BPF objects: the verifier test loads them as they are
.SECONDARY:

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) $(BPF_INCLUDES) -c $< -o $@

# The datapath from Debian's default clang-14: must pass the verifier too.
$(BUILD)/bpf/xdpct.clang14.bpf.o: bpf/xdpct.bpf.c vmlinux.h
	@mkdir -p $(@D)
	$(CLANG14) $(subst -mcpu=v3,-mcpu=v2,$(BPF_CFLAGS)) $(DEPFLAGS) $(BPF_INCLUDES) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

SKEL_XDPCT := $(BUILD)/xdpct.skel.h

# ---- the product: user/lib, user/replay, user/cli -> build/xdpct ---------
#
# user/lib and user/replay go into an archive: each binary (xdpct,
# xdpct-bench, the tests) gets the objects it uses and no others, so the
# bench links no xdpct skeleton and xdpct no bench code.

LIB_SRC    := $(wildcard user/lib/*.c)
REPLAY_SRC := $(wildcard user/replay/*.c)
CLI_SRC    := $(wildcard user/cli/*.c)
LIB_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC))
REPLAY_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(REPLAY_SRC))
CLI_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRC))
LIB_A      := $(BUILD)/libxdpct.a

$(BUILD)/user/%.o: user/%.c | $(SKEL_XDPCT)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(DEPFLAGS) $(CPPFLAGS) -c $< -o $@

# rebuilt whole: a member whose source went must not linger
$(LIB_A): $(LIB_OBJ) $(REPLAY_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

# the operations commands' libraries: exporter (libmicrohttpd), export
# (libfixbuf, on glib), top (ncurses)
CLI_LIBS := -lmicrohttpd $(shell pkg-config --libs libfixbuf) -lncursesw -lpthread
$(BUILD)/user/cli/cmd_export.o: CPPFLAGS += $(shell pkg-config --cflags libfixbuf)

$(BUILD)/xdpct: $(CLI_OBJ) $(LIB_A)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS) $(CLI_LIBS)

include bench/bench.mk

# ---- man pages, completion, unit: generated from the binary's --help -----

MAN_CMDS := $(sort $(patsubst user/cli/cmd_%.c,%,$(wildcard user/cli/cmd_*.c)))
MAN_PAGES := $(BUILD)/man/xdpct.8 $(patsubst %,$(BUILD)/man/xdpct-%.8,$(MAN_CMDS))
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
COMPLDIR   ?= $(PREFIX)/share/bash-completion/completions
DOCDIR     ?= $(PREFIX)/share/doc/xdpct
DIST_SUBST  = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'

docs: $(MAN_PAGES) $(BUILD)/completion/xdpct

$(BUILD)/man/xdpct.8: $(BUILD)/xdpct
	@mkdir -p $(@D)
	$(BUILD)/xdpct --man > $@
$(BUILD)/man/xdpct-%.8: $(BUILD)/xdpct
	@mkdir -p $(@D)
	$(BUILD)/xdpct --man $* > $@
$(BUILD)/completion/xdpct: $(BUILD)/xdpct
	@mkdir -p $(@D)
	$(BUILD)/xdpct --bash-completion > $@

# the unit names paths: built for this PREFIX/SYSCONFDIR (not for DESTDIR)
$(BUILD)/dist/%: dist/%.in FORCE
	@mkdir -p $(@D)
	$(DIST_SUBST) $< > $@.tmp && mv $@.tmp $@
.PHONY: FORCE
FORCE:

install: all $(BUILD)/dist/xdpct@.service
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(COMPLDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/xdpct
	install -m 755 $(BUILD)/xdpct $(BUILD)/xdpct-bench $(DESTDIR)$(SBINDIR)/
	install -m 644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man8/
	install -m 644 $(BUILD)/completion/xdpct $(DESTDIR)$(COMPLDIR)/xdpct
	install -m 644 $(BUILD)/dist/xdpct@.service $(DESTDIR)$(UNITDIR)/
	$(DIST_SUBST) dist/xdpct.conf.example > $(DESTDIR)$(DOCDIR)/xdpct.conf.example
	chmod 644 $(DESTDIR)$(DOCDIR)/xdpct.conf.example

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h

deps:
	@scripts/deps.sh

# Ten minutes of connection churn under `watch` (SOAK_SECONDS to change).
soak: all
	@python3 tests/integration/soak.py

# The README's main command: real TCP conversations between two network
# namespaces, watched live, then the flow table.  Installs what is missing.
demo:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@python3 scripts/demo.py

bpffs:
	@mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

include tests/tests.mk
include tests/fuzz/fuzz.mk

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
