# labyrinth — a KVM VMM whose guest RAM is demand-paged through its own
# frame allocator.  Flat Makefile: `make V=1` shows the commands.
#
#   make            build build/labyrinth, the guests and the tests
#   make check      build and run the tests (Check; KVM tests need /dev/kvm)
#   make bench      run the benchmarks, ratios against same-run baselines
#                   (BENCH_ARGS: bench/run's options, e.g. --status)
#   make soak       hunt data loss and hangs under random pressure (SOAK_SECONDS)
#   make bench-alloc  the allocator's benchmark only (BENCH_ARGS=--quick)
#   make run        launch the default guest under the default scenario
#   make deps       install missing Debian packages (as root), or list them
#   make fuzz       build the libFuzzer targets (clang) and run each FUZZ_SECONDS
#   make fuzz-build build them only
#   make SANITIZE=address,undefined check    the same under sanitizers
#   make sanitize   = make SANITIZE=address,undefined check
#   make tsan       the allocator's concurrency tests and the races suite
#                   (4 vCPUs under pressure among them) under ThreadSanitizer
#   make CC=clang   any target with clang
#   make install    labyrinth, its guests, scenarios, domains, hosts, manual pages,
#                   bash completion and the guest runtime (PREFIX, DESTDIR)

VERSION   := 0.5.0
# In a git checkout of this tree, what `git describe` says of it, built
# into labyrinth beside VERSION; a tree without .git (a tarball) has none.
GIT_DESCRIBE := $(if $(wildcard .git),$(shell git describe --always --dirty 2>/dev/null))
BUILD     ?= build
SANITIZE  ?=
LAB_DEBUG ?= 0
V         ?= 0

comma := ,
BUILD_BASE := $(BUILD)
ifneq ($(SANITIZE),)
BUILD     := $(BUILD)/san-$(subst $(comma),-,$(SANITIZE))
endif

# Debian packages the build, the tests and the benchmarks need.
# Complete for a Debian 12 minbase root: gcc there comes without libc6-dev.
DEB_PACKAGES := gcc libc6-dev binutils make pkg-config check libsubunit-dev \
		libjansson-dev libvirt-dev libxml2-dev gnuplot-nox util-linux groff-base
# ...and the fuzz targets (libFuzzer and the sanitizer runtimes).
FUZZ_DEB_PACKAGES := clang libclang-rt-14-dev

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual \
	    -Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations \
	    -Wold-style-definition -Wformat=2 -Wundef -Wvla -Wwrite-strings \
	    -Wimplicit-fallthrough -Wnull-dereference -Wdouble-promotion

CFLAGS_BASE := -std=gnu11 -O2 -g -pthread -D_GNU_SOURCE -Iinclude $(WARNINGS) \
	       -DLAB_DEBUG=$(LAB_DEBUG) -fno-strict-aliasing -DLAB_VERSION='"$(VERSION)"'
ifneq ($(SANITIZE),)
CFLAGS_BASE += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS     += -fsanitize=$(SANITIZE)
endif
CFLAGS_ALL  = $(CFLAGS_BASE) $(CFLAGS) $(PKG_CFLAGS)
LDLIBS_ALL  = $(PKG_LIBS) -lm -pthread

# Evaluated when a recipe runs, i.e. after `deps` installed pkg-config files.
PKG_CFLAGS = $(shell pkg-config --cflags jansson libvirt libxml-2.0 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs jansson libvirt libxml-2.0 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

# Guests: freestanding, no SSE (the emulated ring 0 of kvm-pvm refuses it;
# the same code then runs unchanged on hardware virtualization).
GUEST_BUILD_FLAGS := -std=gnu11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
		     -mgeneral-regs-only -mno-red-zone -fno-asynchronous-unwind-tables -fno-builtin
GUEST_CFLAGS := $(GUEST_BUILD_FLAGS) -O2 -g -Iinclude -Iguests/runtime $(WARNINGS)
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
# The runtime as a library, for guests built out of the tree (see below).
GUEST_LIB     := $(BUILD)/guests/liblabyrinth-guest.a

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

# Fuzz targets: tests/fuzz/fuzz_WHAT.c, each linked with the other files of
# tests/fuzz/ and the project's sources, all built by clang with libFuzzer,
# ASan and UBSan in $(FUZZ_DIR), a tree of its own.
FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_DIR      := $(BUILD)/fuzz
FUZZ_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS    = $(CFLAGS_BASE) $(FUZZ_SANITIZE) -fsanitize=fuzzer-no-link $(CFLAGS) $(PKG_CFLAGS)
FUZZ_LDFLAGS  := $(FUZZ_SANITIZE) -fsanitize=fuzzer
FUZZ_SRCS     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_HELPER   := $(patsubst %.c,$(FUZZ_DIR)/%.o,\
		   $(filter-out $(FUZZ_SRCS),$(wildcard tests/fuzz/*.c)))
FUZZ_BINS     := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(FUZZ_SRCS))
FUZZ_LIB      := $(FUZZ_DIR)/liblabyrinth.a
FUZZ_DEPS_STAMP  := $(FUZZ_DIR)/.deps-ok
FUZZ_FLAGS_STAMP := $(FUZZ_DIR)/.flags

.PHONY: all check bench run deps clean bench-alloc tidy sanitize tsan install uninstall fuzz fuzz-build soak FORCE
# Keep intermediate objects (test helpers, guest objects).
.SECONDARY:
.DEFAULT_GOAL := all

# Manual pages and shell completion: generated by labyrinth itself from the
# tables its parser reads, into the hand-written templates of docs/man/
# (vmm/manual.h, vmm/completion.h). `man ./build/man/labyrinth.1` reads one.
MAN_TEMPLATES := $(sort $(wildcard docs/man/*.in))
MAN_PAGES     := $(patsubst docs/man/%.in,$(BUILD)/man/%,$(MAN_TEMPLATES))
COMPLETION    := $(BUILD)/completion/labyrinth

all: $(VMM_BIN) $(GUEST_ELFS) $(GUEST_LIB) $(TEST_BINS) $(BENCH_BINS) $(MAN_PAGES) $(COMPLETION)

# ---- Debian packages -------------------------------------------------------
# $(call install_debs,PACKAGES): installs the missing ones as root, or names
# them and fails; then touches the stamp $@.
define install_debs
	$(Q)missing=""; \
	for p in $(1); do \
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
	mkdir -p $(dir $@) && touch $@
endef

deps: $(DEPS_STAMP)
$(DEPS_STAMP): Makefile
	$(call install_debs,$(DEB_PACKAGES))
$(DEPS_STAMP): | $(BUILD)/.dir
$(BUILD)/.dir:
	$(Q)mkdir -p $(BUILD) && touch $@

# Rebuild everything when the flags change (compiler, sanitizer, debug):
# $(call flags_stamp,FLAGS) rewrites the stamp $@ only when they differ.
flags_stamp = mkdir -p $(dir $@) && { echo '$(1)' | cmp -s - $@ || echo '$(1)' > $@; }
$(FLAGS_STAMP): FORCE | $(BUILD)/.dir
	$(Q)$(call flags_stamp,$(CC) $(CFLAGS_BASE) $(CFLAGS) $(LDFLAGS))

# ---- host code ---------------------------------------------------------------
$(BUILD)/%.o: %.c $(FLAGS_STAMP) | $(DEPS_STAMP)
	$(call quiet,CC,$<)mkdir -p $(dir $@) && $(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/labyrinth: $(MAIN_OBJS) $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

# git describe, for version.o alone: a new commit rebuilds nothing else.
GIT_STAMP := $(BUILD)/.git-describe
$(GIT_STAMP): FORCE | $(BUILD)/.dir
	$(Q)$(call flags_stamp,$(GIT_DESCRIBE))
$(BUILD)/vmm/version.o: $(GIT_STAMP)
$(BUILD)/vmm/version.o: CFLAGS_ALL += -DLAB_GIT_DESCRIBE='"$(GIT_DESCRIBE)"'

$(BUILD)/man/%: docs/man/%.in $(VMM_BIN)
	$(call quiet,MAN,$@)mkdir -p $(dir $@) && $(VMM_BIN) help --man $< > $@.tmp && mv $@.tmp $@

$(COMPLETION): $(VMM_BIN)
	$(call quiet,GEN,$@)mkdir -p $(dir $@) && $(VMM_BIN) help --completion bash > $@.tmp && mv $@.tmp $@

$(HARNESS_LIB): $(HARNESS_OBJS)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_HELPER) $(HARNESS_LIB) $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_ALL)

$(BUILD)/bench/bench_vmm: $(BENCH_VMM_OBJS) $(BENCH_HELPER) $(HARNESS_LIB) $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BENCH_HELPER) $(HARNESS_LIB) $(LIB)
	$(call quiet,LD,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

# Counts the library's own mmap/munmap (check_vmm_library.c says why).
$(BUILD)/tests/check_vmm_library: LDFLAGS += -Wl,--wrap=mmap -Wl,--wrap=munmap
# forkpty(), for the status line on a pseudo-terminal (in libc since glibc 2.34).
$(BUILD)/tests/check_status: LDLIBS_ALL += -lutil

# Tests and benchmarks find the build through this, and the harness's
# headers as harness/NAME.h.
$(BUILD)/tests/%.o $(BUILD)/bench/%.o: CFLAGS_ALL += -DLAB_BUILD_DIR='"$(BUILD)"' -Itests \
	$(shell pkg-config --cflags check 2>/dev/null)
# bench/vmm/*.c include bench/bench_util.h.
$(BUILD)/bench/%.o: CFLAGS_ALL += -Ibench
# ... and make itself, for the install test, with the variables of this build.
$(BUILD)/tests/check_install.o: CFLAGS_ALL += -DLAB_MAKE_ARGS='"BUILD=$(BUILD_BASE) SANITIZE=$(SANITIZE) CC=$(CC)"'

# ---- guests ------------------------------------------------------------------
$(BUILD)/guests/runtime/%.c.o: guests/runtime/%.c $(wildcard guests/runtime/*.h include/labyrinth/*.h) $(FLAGS_STAMP) | $(DEPS_STAMP)
	$(call quiet,GCC,$<)mkdir -p $(dir $@) && $(CC) $(GUEST_CFLAGS) -c $< -o $@
$(BUILD)/guests/runtime/%.S.o: guests/runtime/%.S $(FLAGS_STAMP) | $(DEPS_STAMP)
	$(call quiet,GAS,$<)mkdir -p $(dir $@) && $(CC) $(GUEST_CFLAGS) -c $< -o $@
$(BUILD)/guests/%.o: guests/%.c $(wildcard guests/runtime/*.h include/labyrinth/*.h) $(FLAGS_STAMP) | $(DEPS_STAMP)
	$(call quiet,GCC,$<)mkdir -p $(dir $@) && $(CC) $(GUEST_CFLAGS) -c $< -o $@
$(BUILD)/guests/%.elf: $(BUILD)/guests/%.o $(GUEST_RT_OBJS) guests/runtime/guest.ld
	$(call quiet,GLD,$@)$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$^)

# The guest runtime for guests built out of the tree: a static library
# (linked whole: the runtime calls the workload, the workload the runtime)
# and, written at install time for the prefix it goes to, a pkg-config
# file that says how. (GUEST_LIB is defined above `all`.)
$(GUEST_LIB): $(GUEST_RT_OBJS)
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

# ---- installing -----------------------------------------------------------------
PREFIX  ?= /usr/local
DESTDIR ?=
SHARE   := $(DESTDIR)$(PREFIX)/share/labyrinth
GUESTINC := $(DESTDIR)$(PREFIX)/include/labyrinth-guest
MANDIR  := $(DESTDIR)$(PREFIX)/share/man
# Where bash-completion loads a command's completion from, on first use.
BASHCOMPDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions

# Installed domains find the installed guests: ../guests/ beside them.
install: all
	$(call quiet,INSTALL,$(DESTDIR)$(PREFIX))install -D -m 755 $(VMM_BIN) $(DESTDIR)$(PREFIX)/bin/labyrinth
	$(Q)install -d $(SHARE)/guests $(SHARE)/scenarios $(SHARE)/domains $(GUESTINC)/labyrinth \
		$(DESTDIR)$(PREFIX)/lib/labyrinth-guest $(DESTDIR)$(PREFIX)/lib/pkgconfig
	$(Q)install -m 644 $(GUEST_ELFS) $(SHARE)/guests/
	$(Q)install -m 644 guests/scenarios/*.scn $(SHARE)/scenarios/
	$(Q)for d in guests/domains/*.xml; do \
		sed 's|<kernel>../../build/guests/|<kernel>../guests/|' $$d > $(SHARE)/domains/$${d##*/}; \
	done
	$(Q)for h in guests/hosts/*/; do \
		h=$${h%/}; install -d $(SHARE)/hosts/$${h##*/}; \
		for f in $$h/*; do \
			case $$f in \
			*.xml) sed 's|<kernel>../../../build/guests/|<kernel>../../guests/|' $$f \
				> $(SHARE)/hosts/$${h##*/}/$${f##*/} ;; \
			*) install -m 644 $$f $(SHARE)/hosts/$${h##*/}/ ;; \
			esac; \
		done; \
	done
	$(Q)install -d $(MANDIR)/man1 $(MANDIR)/man5 $(BASHCOMPDIR)
	$(Q)install -m 644 $(filter %.1,$(MAN_PAGES)) $(MANDIR)/man1/
	$(Q)install -m 644 $(filter %.5,$(MAN_PAGES)) $(MANDIR)/man5/
	$(Q)install -m 644 $(COMPLETION) $(BASHCOMPDIR)/labyrinth
	$(Q)install -m 644 guests/runtime/*.h $(GUESTINC)/
	$(Q)install -m 644 include/labyrinth/guest_abi.h $(GUESTINC)/labyrinth/
	$(Q)install -m 644 $(GUEST_LIB) guests/runtime/guest.ld $(DESTDIR)$(PREFIX)/lib/labyrinth-guest/
	$(Q)printf '%s\n' \
		'prefix=$(PREFIX)' 'libdir=$${prefix}/lib/labyrinth-guest' \
		'includedir=$${prefix}/include/labyrinth-guest' '' \
		'Name: labyrinth-guest' \
		'Description: the runtime of labyrinth guests: freestanding x86-64, entered in ring 3' \
		'Version: $(VERSION)' \
		'Cflags: -I$${includedir} $(GUEST_BUILD_FLAGS)' \
		'Libs: $(subst guests/runtime/guest.ld,$${libdir}/guest.ld,$(GUEST_LDFLAGS)) -Wl,--whole-archive $${libdir}/liblabyrinth-guest.a -Wl,--no-whole-archive' \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/labyrinth-guest.pc

uninstall:
	$(Q)rm -rf $(DESTDIR)$(PREFIX)/bin/labyrinth $(SHARE) $(GUESTINC) \
		$(DESTDIR)$(PREFIX)/lib/labyrinth-guest $(DESTDIR)$(PREFIX)/lib/pkgconfig/labyrinth-guest.pc \
		$(patsubst $(BUILD)/man/%,$(MANDIR)/man1/%,$(filter %.1,$(MAN_PAGES))) \
		$(patsubst $(BUILD)/man/%,$(MANDIR)/man5/%,$(filter %.5,$(MAN_PAGES))) \
		$(BASHCOMPDIR)/labyrinth

# ---- fuzz targets ------------------------------------------------------------
$(FUZZ_DEPS_STAMP): Makefile $(DEPS_STAMP)
	$(call install_debs,$(FUZZ_DEB_PACKAGES))

$(FUZZ_FLAGS_STAMP): FORCE | $(BUILD)/.dir
	$(Q)$(call flags_stamp,$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_LDFLAGS))

$(FUZZ_DIR)/%.o: %.c $(FUZZ_FLAGS_STAMP) | $(FUZZ_DEPS_STAMP)
	$(call quiet,FUZZCC,$<)mkdir -p $(dir $@) && $(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_LIB): $(patsubst %.c,$(FUZZ_DIR)/%.o,$(ALLOC_SRCS) $(VMM_SRCS))
	$(call quiet,AR,$@)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/tests/fuzz/fuzz_%.o $(FUZZ_HELPER) $(FUZZ_LIB)
	$(call quiet,FUZZLD,$@)$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

fuzz-build: $(FUZZ_BINS)

# Each target FUZZ_SECONDS on a scratch copy of its seed corpus (the ELF
# loader's also gets the guests just built); fails on any crash, leak or
# timeout, naming the target and its reproducer.
fuzz: fuzz-build $(GUEST_ELFS)
	$(Q)BUILD=$(BUILD) V=$(V) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEEDS_elf='$(GUEST_ELFS)' \
		tests/fuzz/run $(FUZZ_BINS)

# ---- running -----------------------------------------------------------------
check: all
	$(Q)BUILD=$(BUILD) tests/run

# BENCH_ARGS: bench/run's options, e.g. --quick, --only core, or --status
# (the live status line drawn in every run, to measure what it costs).
BENCH_ARGS ?=
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

TSAN_SUITES := check_fault_policy check_cache check_depot check_watermark check_budget \
	       check_buddy check_ownership check_races
tsan:
	$(Q)$(MAKE) --no-print-directory SANITIZE=thread all
	$(Q)BUILD=$(BUILD)/san-thread TSAN_OPTIONS="halt_on_error=1 $(TSAN_OPTIONS)" \
		tests/run $(TSAN_SUITES)

# Not part of check: the pattern guest again and again under random
# settings, scenarios and live control commands for SOAK_SECONDS; any
# failure is kept under $(BUILD)/soak/failures/ with how to replay it
# (SOAK_SEED=... SOAK_ITERATION=...). See tests/soak.
SOAK_SECONDS ?= 600
SOAK_SEED    ?=
soak: all
	$(Q)BUILD=$(BUILD) SOAK_SECONDS=$(SOAK_SECONDS) SOAK_SEED=$(SOAK_SEED) tests/soak

# The main job: the hog workload on 2 vCPUs while the sawtooth scenario
# squeezes its frame budget, as the domain file describes it; prints the
# fault-latency table, writes the JSON report and its plots under
# $(BUILD)/run/. (The domain names build/guests/hog.elf: another build
# directory gives its own image, which overrides the domain's.)
RUN_ARGS ?= --domain guests/domains/hog-sawtooth.xml --report $(BUILD)/run/report.json \
	    $(if $(filter-out build,$(BUILD)),$(BUILD)/guests/hog.elf)
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
