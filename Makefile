# labyrinth — a KVM VMM whose guest RAM is demand-paged through its own
# frame allocator.  Flat Makefile: `make V=1` shows the commands.
#
#   make            build build/labyrinth, the guests and the tests
#   make check      build and run the tests (Check; KVM tests need /dev/kvm)
#   make bench      run the benchmarks, ratios against same-run baselines
#   make bench-alloc  the allocator's benchmark only (BENCH_ARGS=--quick)
#   make run        launch the default guest under the default scenario
#   make deps       install missing Debian packages (as root), or list them
#   make SANITIZE=address,undefined check    the same under sanitizers
#   make sanitize   = make SANITIZE=address,undefined check
#   make tsan       the allocator's concurrency tests and the races suite
#                   (4 vCPUs under pressure among them) under ThreadSanitizer
#   make CC=clang   any target with clang

BUILD     ?= build
SANITIZE  ?=
LAB_DEBUG ?= 0
V         ?= 0

comma := ,
ifneq ($(SANITIZE),)
BUILD     := $(BUILD)/san-$(subst $(comma),-,$(SANITIZE))
endif

# Debian packages the build, the tests and the benchmarks need.
# Complete for a Debian 12 minbase root: gcc there comes without libc6-dev.
DEB_PACKAGES := gcc libc6-dev binutils make pkg-config check libsubunit-dev \
		libjansson-dev libvirt-dev gnuplot-nox util-linux

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual \
	    -Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations \
	    -Wold-style-definition -Wformat=2 -Wundef -Wvla -Wwrite-strings \
	    -Wimplicit-fallthrough -Wnull-dereference -Wdouble-promotion

CFLAGS_BASE := -std=gnu11 -O2 -g -pthread -D_GNU_SOURCE -Iinclude $(WARNINGS) \
	       -DLAB_DEBUG=$(LAB_DEBUG) -fno-strict-aliasing
ifneq ($(SANITIZE),)
CFLAGS_BASE += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS     += -fsanitize=$(SANITIZE)
endif
CFLAGS_ALL  = $(CFLAGS_BASE) $(CFLAGS) $(PKG_CFLAGS)
LDLIBS_ALL  = $(PKG_LIBS) -lm -pthread

# Evaluated when a recipe runs, i.e. after `deps` installed pkg-config files.
PKG_CFLAGS = $(shell pkg-config --cflags jansson libvirt 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs jansson libvirt 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

# Guests: freestanding, no SSE (the emulated ring 0 of kvm-pvm refuses it;
# the same code then runs unchanged on hardware virtualization).
GUEST_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
		-mgeneral-regs-only -mno-red-zone -fno-asynchronous-unwind-tables \
		-fno-builtin -Iinclude -Iguests/runtime $(WARNINGS)
GUEST_LDFLAGS := -nostdlib -static -Wl,-T,guests/runtime/guest.ld \
		 -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments

ifeq ($(V),0)
Q = @
quiet = @printf '  %-8s %s\n' '$(1)' '$(2)';
else
Q =
quiet =
endif

ALLOC_SRCS  := $(sort $(wildcard allocator/*.c))
VMM_SRCS    := $(sort $(filter-out vmm/main.c,$(wildcard vmm/*.c vmm/x86/*.c)))
MAIN_SRCS   := $(wildcard vmm/main.c)
LIB_OBJS    := $(patsubst %.c,$(BUILD)/%.o,$(ALLOC_SRCS) $(VMM_SRCS))
MAIN_OBJS   := $(patsubst %.c,$(BUILD)/%.o,$(MAIN_SRCS))
LIB         := $(BUILD)/liblabyrinth.a
VMM_BIN     := $(if $(MAIN_SRCS),$(BUILD)/labyrinth)

GUEST_RT_SRCS := $(sort $(wildcard guests/runtime/*.c guests/runtime/*.S))
GUEST_RT_OBJS := $(patsubst %,$(BUILD)/%.o,$(GUEST_RT_SRCS))
GUEST_NAMES   := $(basename $(notdir $(wildcard guests/*.c)))
GUEST_ELFS    := $(patsubst %,$(BUILD)/guests/%.elf,$(GUEST_NAMES))

# The harness: running programs with deadlines, their reports, files, the
# clock, statistics, CPUs; one library that the tests and the benchmarks link.
HARNESS_SRCS := $(sort $(wildcard tests/harness/*.c))
HARNESS_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(HARNESS_SRCS))
HARNESS_LIB  := $(BUILD)/libharness.a

TEST_SRCS   := $(sort $(wildcard tests/check_*.c))
TEST_HELPER := $(patsubst %.c,$(BUILD)/%.o,$(filter-out $(TEST_SRCS),$(wildcard tests/*.c)))
TEST_BINS   := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))

# Every bench/NAME.c is a benchmark of its own, but for the helpers that
# they share; bench/vmm/*.c make one, bench_vmm.
BENCH_HELPER_SRCS := bench/bench_util.c
BENCH_HELPER   := $(patsubst %.c,$(BUILD)/%.o,$(BENCH_HELPER_SRCS))
BENCH_SRCS     := $(sort $(filter-out $(BENCH_HELPER_SRCS),$(wildcard bench/*.c)))
BENCH_VMM_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(sort $(wildcard bench/vmm/*.c)))
BENCH_BINS     := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS)) $(BUILD)/bench/bench_vmm

DEPS_STAMP  := $(BUILD)/.deps-ok
FLAGS_STAMP := $(BUILD)/.flags

.PHONY: all check bench bench-alloc run deps clean tidy sanitize tsan FORCE
# Keep intermediate objects (test helpers, guest objects).
.SECONDARY:
.DEFAULT_GOAL := all

all: $(VMM_BIN) $(GUEST_ELFS) $(TEST_BINS) $(BENCH_BINS)

# ---- Debian packages -------------------------------------------------------
deps: $(DEPS_STAMP)
$(DEPS_STAMP): Makefile
	$(Q)missing=""; \
	for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "  DEPS    installing:$$missing"; \
			export DEBIAN_FRONTEND=noninteractive; \
			{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; } >$(BUILD)/deps.log 2>&1 \
				|| { cat $(BUILD)/deps.log; echo "labyrinth: apt-get install$$missing failed (log above)" >&2; exit 1; }; \
		else \
			echo "labyrinth: missing Debian packages:$$missing" >&2; \
			echo "labyrinth: run as root, or: sudo apt-get install$$missing" >&2; \
			exit 1; \
		fi; \
	fi; \
	mkdir -p $(BUILD) && touch $@
$(DEPS_STAMP): | $(BUILD)/.dir
$(BUILD)/.dir:
	$(Q)mkdir -p $(BUILD) && touch $@

# Rebuild everything when the flags change (compiler, sanitizer, debug).
$(FLAGS_STAMP): FORCE | $(BUILD)/.dir
	$(Q)echo '$(CC) $(CFLAGS_BASE) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || \
		echo '$(CC) $(CFLAGS_BASE) $(CFLAGS) $(LDFLAGS)' > $@

# ---- host code ---------------------------------------------------------------
$(BUILD)/%.o: %.c $(FLAGS_STAMP) | $(DEPS_STAMP)
	$(call quiet,CC,$<)mkdir -p $(dir $@) && $(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/labyrinth: $(MAIN_OBJS) $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(HARNESS_LIB): $(HARNESS_OBJS)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_HELPER) $(HARNESS_LIB) $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_ALL)

$(BUILD)/bench/bench_vmm: $(BENCH_VMM_OBJS) $(BENCH_HELPER) $(HARNESS_LIB) $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BENCH_HELPER) $(HARNESS_LIB) $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

# Tests and benchmarks find the build through this, and the harness's
# headers as harness/NAME.h.
$(BUILD)/tests/%.o $(BUILD)/bench/%.o: CFLAGS_ALL += -DLAB_BUILD_DIR='"$(BUILD)"' -Itests \
	$(shell pkg-config --cflags check 2>/dev/null)
# bench/vmm/*.c include bench/bench_util.h.
$(BUILD)/bench/%.o: CFLAGS_ALL += -Ibench

# ---- guests ------------------------------------------------------------------
$(BUILD)/guests/runtime/%.c.o: guests/runtime/%.c $(wildcard guests/runtime/*.h include/labyrinth/*.h) $(FLAGS_STAMP) | $(DEPS_STAMP)
	$(call quiet,GCC,$<)mkdir -p $(dir $@) && $(CC) $(GUEST_CFLAGS) -c $< -o $@
$(BUILD)/guests/runtime/%.S.o: guests/runtime/%.S $(FLAGS_STAMP) | $(DEPS_STAMP)
	$(call quiet,GAS,$<)mkdir -p $(dir $@) && $(CC) $(GUEST_CFLAGS) -c $< -o $@
$(BUILD)/guests/%.o: guests/%.c $(wildcard guests/runtime/*.h include/labyrinth/*.h) $(FLAGS_STAMP) | $(DEPS_STAMP)
	$(call quiet,GCC,$<)mkdir -p $(dir $@) && $(CC) $(GUEST_CFLAGS) -c $< -o $@
$(BUILD)/guests/%.elf: $(BUILD)/guests/%.o $(GUEST_RT_OBJS) guests/runtime/guest.ld
	$(call quiet,GLD,$@)$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

# ---- running -----------------------------------------------------------------
check: all
	$(Q)BUILD=$(BUILD) tests/run

bench: all
	$(Q)BUILD=$(BUILD) bench/run $(BENCH_ARGS)

# The allocator's benchmark alone (no guest runs): `make bench-alloc
# BENCH_ARGS=--quick` for its smoke mode.
bench-alloc: all
	$(Q)BUILD=$(BUILD) bench/run --skip-vmm $(BENCH_ARGS)

# Sanitizer runs, each in a build directory of its own. Any report fails
# the run (-fno-sanitize-recover; TSan exits 66 on its first report).
sanitize:
	$(Q)$(MAKE) --no-print-directory SANITIZE=address,undefined check

TSAN_SUITES := check_cache check_depot check_watermark check_budget check_buddy check_ownership \
	       check_races
tsan:
	$(Q)$(MAKE) --no-print-directory SANITIZE=thread all
	$(Q)BUILD=$(BUILD)/san-thread TSAN_OPTIONS="halt_on_error=1 $(TSAN_OPTIONS)" \
		tests/run $(TSAN_SUITES)

# The main job: the hog workload on 2 vCPUs while the sawtooth scenario
# squeezes its frame budget; prints the fault-latency table, writes the
# JSON report and its plots under $(BUILD)/run/.
RUN_ARGS ?= $(BUILD)/guests/hog.elf --mem 256M --vcpus 2 \
	    --scenario guests/scenarios/sawtooth.scn --report $(BUILD)/run/report.json \
	    -- hot=10
run: all
	$(Q)mkdir -p $(BUILD)/run
	$(Q)$(VMM_BIN) run $(RUN_ARGS)
	$(Q)$(VMM_BIN) plot $(BUILD)/run/report.json -o $(BUILD)/run/plots

tidy: $(DEPS_STAMP)
	$(Q)clang-tidy --quiet $(ALLOC_SRCS) $(VMM_SRCS) $(MAIN_SRCS) -- $(CFLAGS_BASE) $(PKG_CFLAGS)

clean:
	$(Q)rm -rf build

FORCE:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
