# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Tests.  tests/ mirrors the source tree:
#   unit/         pure C (the state machine, the expiry rule, the bench's plans)
#   bpf/          BPF_PROG_TEST_RUN through the real programs; progs/ holds
#                 BPF objects the tests load as they are
#   replay/       captures through `xdpct replay` and its engine
#   integration/  real kernels' TCP in network namespaces (Python)
#   fuzz/         the bounded libFuzzer run (fuzz.mk)
# Every tests/*/test_*.c is a Criterion binary build/tests/*/test_*, linked
# with the helpers in tests/lib/*.c; every tests/*/test_*.py a Python test
# reporting TAP through tests/lib/check.py.

TEST_C      := $(wildcard tests/unit/test_*.c tests/bpf/test_*.c tests/replay/test_*.c)
TEST_BINS   := $(patsubst %.c,$(BUILD)/%,$(TEST_C))
TEST_PY     := $(wildcard tests/replay/test_*.py tests/integration/test_*.py)
TESTLIB_SRC := $(wildcard tests/lib/*.c)
TESTLIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(TESTLIB_SRC))
# what a test needs of user/ comes from the archive (Makefile); the bench's
# pktgen planner is the one bench object a test links
TEST_LINK_OBJ := $(LIB_A)
$(BUILD)/tests/unit/test_bench_pktgen: TEST_BENCH_OBJ := $(BUILD)/bench/pktgen.o
$(BUILD)/tests/unit/test_bench_pktgen: $(BUILD)/bench/pktgen.o
TEST_CPPFLAGS := $(CPPFLAGS) -Ibpf -Ibench -Itests/lib

$(BUILD)/tests/lib/%.o: tests/lib/%.c | $(SKEL_XDPCT)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(DEPFLAGS) $(TEST_CPPFLAGS) -c $< -o $@

# compiled and linked apart: a changed library relinks a test, recompiles none
$(BUILD)/tests/%.o: tests/%.c | $(SKEL_XDPCT)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(DEPFLAGS) $(TEST_CPPFLAGS) -c $< -o $@

$(TEST_BINS): $(BUILD)/tests/%: $(BUILD)/tests/%.o $(TESTLIB_OBJ) $(TEST_LINK_OBJ)
	$(CC) $(CFLAGS) -o $@ $< $(TEST_BENCH_OBJ) $(TESTLIB_OBJ) $(TEST_LINK_OBJ) \
		-lcriterion $(LIBS)

# BPF objects the tests load as they are (no skeleton)
TEST_BPF_OBJ := $(patsubst tests/bpf/progs/%.bpf.c,$(BUILD)/tests/bpf/progs/%.bpf.o,\
		$(wildcard tests/bpf/progs/*.bpf.c))
$(BUILD)/tests/bpf/progs/%.bpf.o: tests/bpf/progs/%.bpf.c vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) $(BPF_INCLUDES) -c $< -o $@

include tests/headers.mk

# the fuzz harness is linked here too, so a source it misses fails the build
# before the suites run, not after them
test-build: all $(TEST_BINS) $(TEST_BPF_OBJ) $(BUILD)/bpf/xdpct.clang14.bpf.o check-headers \
	    fuzz-replay-build

# Every test: unit and BPF_PROG_TEST_RUN (Criterion), then replay and the
# netns integration tests.  Installs nothing, fuzzes nothing.
check: test-build
	@scripts/run-tests.sh $(TEST_BINS) $(TEST_PY)

# The README's test command: install what is missing, every test, then a
# bounded libFuzzer run over the capture reader and the packet path.
test:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory fuzz-replay FUZZ_TIME=60
