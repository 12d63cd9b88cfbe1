# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The benchmark, a tool of its own (as xdp-tools' xdp-bench): bench/*.c and
# its BPF programs bench/bpf/*.bpf.c -> build/xdpct-bench, linked with the
# parts of user/lib it uses (attach options, the offloader's setup, logging,
# per-CPU sums).
#
# make bench: every scenario against its baselines in one run, a few
# minutes, as root.  The table goes to the terminal and $(BUILD)/bench.txt,
# the JSON to $(BUILD)/bench.json.  Options through BENCH_ARGS, e.g.
#   make bench BENCH_ARGS="established --flows 100000 --duration 3"

BENCH_ARGS ?=

BENCH_BPF_SRC := $(wildcard bench/bpf/*.bpf.c)
BENCH_SKELS   := $(patsubst bench/bpf/%.bpf.c,$(BUILD)/bench/%.skel.h,$(BENCH_BPF_SRC))
BENCH_SRC     := $(wildcard bench/*.c)
BENCH_OBJ     := $(patsubst %.c,$(BUILD)/%.o,$(BENCH_SRC))

# xdpct_bench.bpf.c includes bpf/xdpct.bpf.c itself: -Ibpf
$(BUILD)/bench/bpf/%.bpf.o: bench/bpf/%.bpf.c vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) $(BPF_INCLUDES) -Ibench -c $< -o $@

$(BUILD)/bench/%.skel.h: $(BUILD)/bench/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BUILD)/bench/%.o: bench/%.c | $(BENCH_SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(DEPFLAGS) $(CPPFLAGS) -Ibench -c $< -o $@

$(BUILD)/xdpct-bench: $(BENCH_OBJ) $(LIB_A)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS) -lpthread -lm

bench:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	$(BUILD)/xdpct-bench --json-out $(BUILD)/bench.json $(BENCH_ARGS) > $(BUILD)/bench.txt; \
		rc=$$?; cat $(BUILD)/bench.txt; exit $$rc
