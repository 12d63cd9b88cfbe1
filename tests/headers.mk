# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Every header compiles on its own: a one-line translation unit that
# includes nothing else, with -Werror.  Each header must include what it
# uses and use nothing its includer defines first.
#   BPF:  every bpf/lib/*.h and include/xdpct/*.h, with the BPF flags
#   host: those the userspace and the unit tests compile with gcc
#         (include/xdpct/*.h and the pure ones in bpf/lib)
# A stamp per header and compiler, with its dependencies: only a changed
# header (or one it includes) is compiled again.

HDR_BPF  := $(wildcard bpf/lib/*.h include/xdpct/*.h)
HDR_HOST := $(wildcard include/xdpct/*.h bpf/lib/tcp.h bpf/lib/fsm*.h)
HDR_OK   := $(patsubst %.h,$(BUILD)/tests/headers/bpf/%.ok,$(HDR_BPF)) \
	    $(patsubst %.h,$(BUILD)/tests/headers/host/%.ok,$(HDR_HOST))

# the name a source file includes it by: "lib/parse.h", "xdpct/flow.h"
hdr_name = $(patsubst bpf/%,%,$(patsubst include/%,%,$(1)))

$(BUILD)/tests/headers/bpf/%.ok: %.h vmlinux.h
	@mkdir -p $(@D)
	@echo '#include "$(call hdr_name,$<)"' | $(CLANG) $(BPF_CFLAGS) $(BPF_INCLUDES) \
		-MMD -MP -MT $@ -MF $(@:.ok=.d) -x c -c - -o /dev/null
	@touch $@

$(BUILD)/tests/headers/host/%.ok: %.h
	@mkdir -p $(@D)
	@echo '#include "$(call hdr_name,$<)"' | $(CC) $(CFLAGS) $(WARN) -Iinclude -Ibpf \
		-MMD -MP -MT $@ -MF $(@:.ok=.d) -x c -c - -o /dev/null
	@touch $@

.PHONY: check-headers
check-headers: $(HDR_OK)
	@echo "check-headers: $(words $(HDR_BPF)) headers as BPF, $(words $(HDR_HOST)) on the host: ok"
