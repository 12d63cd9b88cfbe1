# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# xdpct: bpf/*.bpf.c -> clang -target bpf -> bpftool gen skeleton -> build/xdpct
#
# BPF compiler: clang-16 by default.  Debian's clang-14 also builds a program
# that passes this kernel's verifier (`make test` loads both), but clang-16
# emits BPF ISA v3 (32-bit jumps, atomics) and better bounds for the verifier;
# override with `make CLANG=clang`.

CLANG    ?= clang-16
BPFTOOL  ?= bpftool
CC       ?= gcc
BUILD    ?= build
ARCH     := x86

CFLAGS   ?= -O2 -g -Wall -Wextra -Wno-unused-parameter
INCLUDES := -Iinclude -I$(BUILD) -Ibpf -I.
LIBS     := -lbpf -lxdp -lpcap -lelf -lz
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -D__BPF__ \
	      -Wall -Wno-unused-function -Wno-compare-distinct-pointer-types

# Every bpf/NAME.bpf.c becomes build/NAME.skel.h (skeleton NAME_bpf).
BPF_SRC  := $(wildcard bpf/*.bpf.c)
BPF_HDRS := $(wildcard bpf/*.h) $(wildcard include/*.h)
BPF_OBJ  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRC))
SKELS    := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRC))
USER_SRC := $(wildcard user/*.c)
USER_HDRS := $(wildcard user/*.h)
USER_OBJ := $(patsubst user/%.c,$(BUILD)/user/%.o,$(USER_SRC))

PHONY_EXTRA := soak
.PHONY: all deps test soak test-unit test-bpf test-integration bench demo clean vmlinux bpffs

all: $(BUILD)/xdpct

# keep the BPF objects: the verifier test loads them as they are
.SECONDARY: $(BPF_OBJ)

$(BUILD):
	mkdir -p $(BUILD)/user $(BUILD)/tests

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) vmlinux.h | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) $(INCLUDES) -c $< -o $@

# The datapath from Debian's default clang-14: must pass the verifier too.
$(BUILD)/xdpct.clang14.bpf.o: bpf/xdpct.bpf.c $(BPF_HDRS) vmlinux.h | $(BUILD)
	clang-14 $(subst -mcpu=v3,-mcpu=v2,$(BPF_CFLAGS)) $(INCLUDES) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BUILD)/user/%.o: user/%.c $(USER_HDRS) $(SKELS) include/*.h | $(BUILD)
	$(CC) $(CFLAGS) $(INCLUDES) -c $< -o $@

$(BUILD)/xdpct: $(USER_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

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
include bench.mk
include fuzz.mk

clean:
	rm -rf $(BUILD)
