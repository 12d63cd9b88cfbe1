# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# libFuzzer harness over xdpct replay's capture reader and packet path
# (tests/fuzz/fuzz_replay.c), built with clang and ASan + UBSan.
#
#   make fuzz-replay                 build, then fuzz for FUZZ_TIME seconds (60)
#   make fuzz-replay FUZZ_TIME=600   longer
# Seeds: the real captures (../shared/captures) and tests/fuzz/seeds/.
# Needs root (it loads the datapath); a crash leaves its input in
# $(BUILD)/fuzz/crash-* and fails the target.

FUZZ_CC     ?= clang-16
FUZZ_TIME   ?= 60
FUZZ_DIR    := $(BUILD)/fuzz
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	       -fno-sanitize-recover=undefined -Wall -Wno-unused-parameter
# the replay engine and all of user/lib, the same sources the product links
# (a hand-kept subset went stale once), built with the sanitizers
FUZZ_SRC    := tests/fuzz/fuzz_replay.c $(REPLAY_SRC) $(LIB_SRC)
FUZZ_CAPS   ?= ../shared/captures

.PHONY: fuzz-replay fuzz-replay-build

$(FUZZ_DIR)/fuzz_replay: $(FUZZ_SRC) $(wildcard include/xdpct/*.h user/*/*.h) | $(SKEL_XDPCT)
	mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(CPPFLAGS) -o $@ $(FUZZ_SRC) $(LIBS)

fuzz-replay-build: $(FUZZ_DIR)/fuzz_replay

fuzz-replay: $(FUZZ_DIR)/fuzz_replay bpffs
	mkdir -p $(FUZZ_DIR)/corpus
	cp -n $(wildcard $(FUZZ_CAPS)/*.pcap) $(wildcard tests/fuzz/seeds/*) $(FUZZ_DIR)/corpus/ 2>/dev/null || true
	@echo "fuzz-replay: $(FUZZ_TIME) s, log in $(FUZZ_DIR)/fuzz.log"
	@$(FUZZ_DIR)/fuzz_replay -max_total_time=$(FUZZ_TIME) -max_len=70000 -timeout=20 \
		-rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/ \
		$(FUZZ_DIR)/corpus > $(FUZZ_DIR)/fuzz.log 2>&1; rc=$$?; \
		grep -E '^(stat::|==[0-9]+==|SUMMARY|Done)' $(FUZZ_DIR)/fuzz.log | tail -n 20; \
		[ $$rc = 0 ] || tail -n 60 $(FUZZ_DIR)/fuzz.log; exit $$rc
