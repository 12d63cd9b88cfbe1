# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# make bench: every scenario against its baselines in one run, a few
# minutes, as root.  The table goes to the terminal and $(BUILD)/bench.txt,
# the JSON to $(BUILD)/bench.json.  Options through BENCH_ARGS, e.g.
#   make bench BENCH_ARGS="established --flows 100000 --duration 3"
# (see build/xdpct bench --help).

BENCH_ARGS ?=

bench:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory all
	$(BUILD)/xdpct bench --json-out $(BUILD)/bench.json $(BENCH_ARGS) > $(BUILD)/bench.txt; \
		rc=$$?; cat $(BUILD)/bench.txt; exit $$rc
