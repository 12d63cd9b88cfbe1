# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The benchmark.  make bench: every scenario against its baselines in one
# run, a few minutes, as root.  The table goes to the terminal and
# $(BUILD)/bench.txt, the JSON to $(BUILD)/bench.json.  Options through
# BENCH_ARGS, e.g.
#   make bench BENCH_ARGS="established --flows 100000 --duration 3"

BENCH_ARGS ?=

BENCH_BPF_SRC := $(wildcard bench/bpf/*.bpf.c)
BENCH_SKELS   := $(patsubst bench/bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BENCH_BPF_SRC))
BENCH_SRC     := $(filter-out bench/bench_datapath.c,$(wildcard bench/*.c))
BENCH_LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(BENCH_SRC))

$(BUILD)/bpf/%.bpf.o: bench/bpf/%.bpf.c vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) $(BPF_INCLUDES) -Ibench -c $< -o $@

$(BUILD)/bench/%.o: bench/%.c | $(SKEL_XDPCT) $(BENCH_SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(DEPFLAGS) $(CPPFLAGS) -Ibench -c $< -o $@

bench:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	$(BUILD)/xdpct bench --json-out $(BUILD)/bench.json $(BENCH_ARGS) > $(BUILD)/bench.txt; \
		rc=$$?; cat $(BUILD)/bench.txt; exit $$rc
