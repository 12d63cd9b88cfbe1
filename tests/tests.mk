# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Tests.  Every tests/test_*.c is a Criterion binary build/tests/test_*,
# linked with the helpers in tests/lib/*.c and the user/ objects except main.
# Every tests/test_*.sh is a shell test (netns integration) run as root.

TEST_C    := $(wildcard tests/test_*.c)
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_C))
TEST_SH   := $(wildcard tests/test_*.sh)
TESTLIB_SRC := $(wildcard tests/lib/*.c)
TESTLIB_OBJ := $(patsubst tests/lib/%.c,$(BUILD)/tests/lib/%.o,$(TESTLIB_SRC))
USER_LIB_OBJ := $(filter-out $(BUILD)/user/main.o,$(USER_OBJ))

$(BUILD)/tests/lib/%.o: tests/lib/%.c $(wildcard tests/lib/*.h) $(SKELS) include/*.h | $(BUILD)
	mkdir -p $(BUILD)/tests/lib
	$(CC) $(CFLAGS) $(INCLUDES) -Itests/lib -c $< -o $@

$(BUILD)/tests/test_%: tests/test_%.c $(TESTLIB_OBJ) $(USER_LIB_OBJ) $(wildcard tests/lib/*.h) $(SKELS) $(BPF_HDRS)
	$(CC) $(CFLAGS) $(INCLUDES) -Itests/lib -o $@ $< $(TESTLIB_OBJ) $(USER_LIB_OBJ) -lcriterion $(LIBS)

test-build: all $(TEST_BINS) $(BUILD)/xdpct.clang14.bpf.o

# Unit and BPF_PROG_TEST_RUN tests (Criterion), then the netns integration
# tests.  Installs missing packages first, as the README promises.
# A bounded libFuzzer run over the capture reader and the packet path first,
# so the summary line of the suites closes the output.
test:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory test-build
	@$(MAKE) --no-print-directory fuzz-replay FUZZ_TIME=60
	@scripts/run-tests.sh $(TEST_BINS) -- $(TEST_SH)

# BPF objects the tests load as they are (no skeleton)
TEST_BPF_OBJ := $(patsubst tests/bpf/%.bpf.c,$(BUILD)/tests/%.bpf.o,$(wildcard tests/bpf/*.bpf.c))
$(BUILD)/tests/%.bpf.o: tests/bpf/%.bpf.c vmlinux.h | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) $(INCLUDES) -c $< -o $@
test-build: $(TEST_BPF_OBJ)

# Per-path cost through BPF_PROG_TEST_RUN (a measurement, not a test)
$(BUILD)/tests/bench_datapath: tests/bench_datapath.c $(TESTLIB_OBJ) $(SKELS)
	$(CC) $(CFLAGS) $(INCLUDES) -Itests/lib -o $@ $< $(TESTLIB_OBJ) -lcriterion $(LIBS)
