/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): the entry points
 * libFuzzer calls, quiet output, inputs as C strings, property checks, and
 * a VM built by hand without KVM for the hypercall decoder.
 */
#ifndef LABYRINTH_FUZZUTIL_H
#define LABYRINTH_FUZZUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "../../vmm/vm.h"

/* libFuzzer's entry points: each target defines them. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Set to keep the project's own messages (stdout and stderr). */
#define FUZZ_VERBOSE_ENV "LAB_FUZZ_VERBOSE"

/*
 * Sends what the project prints to stdout and stderr to /dev/null, unless
 * FUZZ_VERBOSE_ENV is set. libFuzzer's messages and the sanitizers'
 * reports still reach the terminal. Call once, from LLVMFuzzerInitialize.
 */
void fuzz_quiet_output(void);

/* A NUL-terminated copy of the input (it stops at a NUL inside); free() it.
 * Never NULL: aborts when out of memory. */
char *fuzz_cstring(const uint8_t *data, size_t size);

/* A property of the code under test does not hold: says which, and
 * aborts, which libFuzzer reports as a crash with its input. */
#define FUZZ_ASSERT(cond)                                                            \
	do {                                                                         \
		if (!(cond))                                                         \
			fuzz_violation(__FILE__, __LINE__, #cond);                   \
	} while (0)
void fuzz_violation(const char *file, int line, const char *what)
	__attribute__((noreturn));

/* The limits a configuration that config_parse_run() or domain_load()
 * accepted promises (the VM is set up from it). */
struct vm_config;
void fuzz_check_config(const struct vm_config *cfg);

/*
 * A VM with one vCPU and no KVM, for the code a guest drives: the system
 * region mapped, vCPU 0 with its histograms and no fd (a crash dump says
 * "(registers unavailable)"), the stop event, the sampler, --quiet.
 * fuzz_vm_reset() puts it back as it was made, between inputs.
 */
#define FUZZ_VM_RAM_BYTES (64ull << 20)
#define FUZZ_VM_TSC_KHZ   2000000ull     /* a 2 GHz TSC */

struct vm *fuzz_vm_new(void);
void fuzz_vm_reset(struct vm *vm);
void fuzz_vm_free(struct vm *vm);

#endif
