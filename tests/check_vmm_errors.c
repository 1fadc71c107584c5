/* SPDX-License-Identifier: MIT */
/*
 * What goes wrong, on real KVM: bad guest images (exit status 2, the file
 * and the fault named), guests that misbehave (crash, unknown port,
 * protocol errors: exit status 4 with a crash dump; a failing guest: exit
 * status 1), --timeout (exit status 6) and SIGTERM/SIGINT (128 + signal),
 * each with the JSON report saying why the run stopped. And none of it
 * leaves a process or a temporary file behind.
 *
 * Bad images are patched copies of build/guests/seqtouch.elf; misbehaving
 * guests are a few lines of assembly assembled and linked here with cc and
 * ld, without the project's guest runtime. What a guest could send that no
 * real CPU makes it send (tick counts out of range) goes to the hypercall
 * decoder directly, on a VM built by hand.
 */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "labyrinth/guest_abi.h"
#include "labyrinth/exit_status.h"
#include "vmmtest.h"
#include "../vmm/config.h"
#include "../vmm/cpu.h"
#include "../vmm/hypercall.h"
#include "../vmm/memory.h"
#include "../vmm/util.h"
#include "../vmm/vm.h"

/* ---- 7. bad guest images ---------------------------------------------------- */

struct elf_file {
	uint8_t *data;
	size_t len;
};

static Elf64_Ehdr *ehdr(struct elf_file *f)
{
	return (Elf64_Ehdr *)f->data;
}

static Elf64_Phdr *phdr(struct elf_file *f, unsigned i)
{
	return (Elf64_Phdr *)(f->data + ehdr(f)->e_phoff) + i;
}

/* Index of the n-th PT_LOAD header (0-based) with all of `flags`. */
static unsigned nth_load(struct elf_file *f, unsigned n, uint32_t flags)
{
	for (unsigned i = 0; i < ehdr(f)->e_phnum; i++)
		if (phdr(f, i)->p_type == PT_LOAD && (phdr(f, i)->p_flags & flags) == flags &&
		    n-- == 0)
			return i;
	ck_abort_msg("seqtouch.elf has no such PT_LOAD segment");
	return 0;
}

static void patch_class32(struct elf_file *f)
{
	ehdr(f)->e_ident[EI_CLASS] = ELFCLASS32;
}

static void patch_big_endian(struct elf_file *f)
{
	ehdr(f)->e_ident[EI_DATA] = ELFDATA2MSB;
}

static void patch_machine(struct elf_file *f)
{
	ehdr(f)->e_machine = EM_AARCH64;
}

static void patch_type_dyn(struct elf_file *f)
{
	ehdr(f)->e_type = ET_DYN;
}

static void patch_no_phdrs(struct elf_file *f)
{
	ehdr(f)->e_phnum = 0;
}

static void patch_cut_in_header(struct elf_file *f)
{
	f->len = 40;
}

static void patch_cut_in_phdrs(struct elf_file *f)
{
	f->len = ehdr(f)->e_phoff + sizeof(Elf64_Phdr) + 10;
}

/* Cut in the middle of the segment whose file bytes end last. */
static void patch_cut_in_segment(struct elf_file *f)
{
	uint64_t cut = 0, end = 0;

	for (unsigned i = 0; i < ehdr(f)->e_phnum; i++) {
		const Elf64_Phdr *p = phdr(f, i);

		if (p->p_type == PT_LOAD && p->p_filesz && p->p_offset + p->p_filesz > end) {
			end = p->p_offset + p->p_filesz;
			cut = p->p_offset + p->p_filesz / 2;
		}
	}
	ck_assert_uint_gt(cut, ehdr(f)->e_phoff + ehdr(f)->e_phnum * sizeof(Elf64_Phdr));
	f->len = cut;
}

static void patch_below_image_area(struct elf_file *f)
{
	Elf64_Phdr *p = phdr(f, nth_load(f, 0, 0));

	p->p_vaddr = p->p_paddr = 0x100000;
}

static void patch_past_image_area(struct elf_file *f)
{
	Elf64_Phdr *p = phdr(f, nth_load(f, 0, 0));

	p->p_memsz = LAB_GPA_IMAGE_END - p->p_paddr + 0x1000;
}

static void patch_virtual_not_physical(struct elf_file *f)
{
	phdr(f, nth_load(f, 0, 0))->p_vaddr += 0x1000;
}

static void patch_overlap(struct elf_file *f)
{
	Elf64_Phdr *second = phdr(f, nth_load(f, 1, 0));

	second->p_vaddr = second->p_paddr = phdr(f, nth_load(f, 0, 0))->p_paddr;
}

/* The entry point in the read-only, non-executable data segment. */
static void patch_entry_not_executable(struct elf_file *f)
{
	for (unsigned i = 0; i < ehdr(f)->e_phnum; i++) {
		const Elf64_Phdr *p = phdr(f, i);

		if (p->p_type == PT_LOAD && !(p->p_flags & PF_X)) {
			ehdr(f)->e_entry = p->p_vaddr;
			return;
		}
	}
	ck_abort_msg("seqtouch.elf has no non-executable PT_LOAD segment");
}

static void patch_entry_nowhere(struct elf_file *f)
{
	ehdr(f)->e_entry = 0x3000000;
}

static void patch_filesz_over_memsz(struct elf_file *f)
{
	Elf64_Phdr *p = phdr(f, nth_load(f, 0, 0));

	p->p_memsz = p->p_filesz - 1;
}

static void patch_no_load(struct elf_file *f)
{
	for (unsigned i = 0; i < ehdr(f)->e_phnum; i++)
		if (phdr(f, i)->p_type == PT_LOAD)
			phdr(f, i)->p_type = PT_NULL;
}

/* The read-only segment becomes a header a static guest never has; the
 * interpreter's name is appended to the file, as a linker would place it. */
static void patch_interp(struct elf_file *f)
{
	static const char interp[] = "/lib64/ld-linux-x86-64.so.2";
	uint8_t *grown = realloc(f->data, f->len + sizeof(interp));
	Elf64_Phdr *p;

	ck_assert_ptr_nonnull(grown);
	f->data = grown;
	memcpy(f->data + f->len, interp, sizeof(interp));
	p = phdr(f, nth_load(f, 1, PF_R));
	p->p_type = PT_INTERP;
	p->p_offset = f->len;
	p->p_filesz = sizeof(interp);
	f->len += sizeof(interp);
}

static void patch_dynamic(struct elf_file *f)
{
	phdr(f, nth_load(f, 1, PF_R))->p_type = PT_DYNAMIC;
}

static void patch_tls(struct elf_file *f)
{
	phdr(f, nth_load(f, 1, PF_R))->p_type = PT_TLS;
}

enum image_kind { IMG_PATCHED, IMG_MISSING, IMG_EMPTY, IMG_TEXT, IMG_DIRECTORY, IMG_HUGE };

struct bad_image {
	const char *name;
	enum image_kind kind;
	void (*patch)(struct elf_file *f);
	const char *says[2];
};

static const struct bad_image bad_images[] = {
	{ "missing", IMG_MISSING, NULL, { "cannot open", "No such file or directory" } },
	{ "empty", IMG_EMPTY, NULL, { "not an ELF file (bad magic)" } },
	{ "text", IMG_TEXT, NULL, { "not an ELF file (bad magic)" } },
	{ "directory", IMG_DIRECTORY, NULL, { "a directory, not a file" } },
	{ "huge", IMG_HUGE, NULL, { "larger than the", "image area" } },
	{ "class32", IMG_PATCHED, patch_class32, { "ELF class 1", "expected 64-bit" } },
	{ "big-endian", IMG_PATCHED, patch_big_endian, { "not little-endian" } },
	{ "machine", IMG_PATCHED, patch_machine, { "machine 183", "expected x86-64" } },
	{ "type", IMG_PATCHED, patch_type_dyn, { "ELF type 3", "static executable" } },
	{ "no-phdrs", IMG_PATCHED, patch_no_phdrs, { "no usable program headers" } },
	{ "cut-in-header", IMG_PATCHED, patch_cut_in_header, { "truncated",
							       "shorter than an ELF header" } },
	{ "cut-in-phdrs", IMG_PATCHED, patch_cut_in_phdrs, { "truncated",
							     "program headers run past the end" } },
	{ "cut-in-segment", IMG_PATCHED, patch_cut_in_segment, { "truncated: segment",
								 "needs bytes" } },
	{ "below-area", IMG_PATCHED, patch_below_image_area, { "[0x100000,",
							       "lies outside the image area" } },
	{ "past-area", IMG_PATCHED, patch_past_image_area, { "lies outside the image area",
							     "0x4000000)" } },
	{ "virt-not-phys", IMG_PATCHED, patch_virtual_not_physical, { "!= physical",
								      "identity-mapped" } },
	{ "overlap", IMG_PATCHED, patch_overlap, { "overlaps an earlier segment" } },
	{ "entry-not-exec", IMG_PATCHED, patch_entry_not_executable,
	  { "entry point 0x", "is in no executable segment" } },
	{ "entry-nowhere", IMG_PATCHED, patch_entry_nowhere,
	  { "entry point 0x3000000 is in no executable segment" } },
	{ "filesz>memsz", IMG_PATCHED, patch_filesz_over_memsz, { "exceeds memory size" } },
	{ "no-load", IMG_PATCHED, patch_no_load, { "no loadable segment" } },
	{ "interp", IMG_PATCHED, patch_interp,
	  { "is PT_INTERP (interpreter '/lib64/ld-linux-x86-64.so.2')", "dynamically linked" } },
	{ "dynamic", IMG_PATCHED, patch_dynamic, { "is PT_DYNAMIC", "relocating at load time" } },
	{ "tls", IMG_PATCHED, patch_tls, { "is PT_TLS", "thread-local storage" } },
};

/* Makes the bad image in dir; returns its path (static) or NULL. */
static const char *make_bad_image(const struct bad_image *c, const char *dir)
{
	static char path[PATH_MAX + 16];
	struct elf_file f = { NULL, 0 };
	bool ok = true;

	snprintf(path, sizeof(path), "%s/guest.elf", dir);
	switch (c->kind) {
	case IMG_MISSING:
		break;
	case IMG_EMPTY:
		ok = harness_write_file(path, "", 0);
		break;
	case IMG_TEXT:
		ok = harness_write_file(path, "#!/bin/sh\necho hello\n", 21);
		break;
	case IMG_DIRECTORY:
		snprintf(path, sizeof(path), "%s", dir);
		break;
	case IMG_HUGE:
		/* Sparse: the size alone must be refused, before any read. */
		ok = harness_write_file(path, "\177ELF", 4) && truncate(path, 64ll << 20) == 0;
		break;
	case IMG_PATCHED:
		f.data = harness_read_file(VMM_GUEST("seqtouch"), &f.len);
		ok = f.data && f.len > sizeof(Elf64_Ehdr);
		if (ok) {
			c->patch(&f);
			ok = harness_write_file(path, f.data, f.len);
		}
		free(f.data);
		break;
	}
	return ok ? path : NULL;
}

START_TEST(bad_image_is_refused_with_exit_status_2)
{
	const struct bad_image *c = &bad_images[_i];
	char dir[PATH_MAX], where[PATH_MAX + 64];
	const char *image;
	struct harness_run r = { 0 };
	int ran = -1;
	bool removed;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	image = make_bad_image(c, dir);
	if (image)
		ran = LAB_RUN(&r, NULL, image, "--mem", "32M");
	snprintf(where, sizeof(where), "guest image %s: ", image ? image : "?");
	/* Nothing may stay on disk once an assertion can end the test. */
	removed = harness_tmpdir_remove(dir);
	ck_assert_msg(image, "%s: cannot make the bad image in %s", c->name, dir);
	ck_assert_msg(removed, "cannot remove %s", dir);
	ck_assert_int_eq(ran, 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_BAD_INPUT);
	VMM_ASSERT_ERR_HAS(&r, where);
	for (int i = 0; i < 2 && c->says[i]; i++)
		VMM_ASSERT_ERR_HAS(&r, c->says[i]);
	/* Refused before a run: no summary table. */
	ck_assert_msg(r.out[0] == '\0', "%s\n  -> printed on stdout:\n%s", r.cmdline, r.out);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* The unpatched image runs, all of it: the patches above are what is
 * refused. */
START_TEST(unpatched_image_runs)
{
	struct harness_run r = { 0 };

	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("seqtouch"), "--mem", "32M"), 0);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_str_eq(vmm_report_str(&r, "guest.stop"), "guest-exit");
	ck_assert_int_eq(vmm_report_int(&r, "guest.exit_status"), 0);
	ck_assert_int_eq(vmm_report_int(&r, "guest.pages_touched"), 32 * 256);
	ck_assert_msg(!strstr(r.err, "error"), "%s\n  -> stderr:\n%s", r.cmdline, r.err);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* Program headers at an odd offset are still program headers: the loader
 * must not read them in place as if aligned (found by fuzz_elf; UBSan, as
 * in make SANITIZE=undefined check, stopped the VMM on them). */
START_TEST(image_with_unaligned_program_headers_runs)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	struct harness_run r = { 0 };
	struct elf_file f = { NULL, 0 };
	uint8_t *moved;
	size_t phoff, phbytes;
	bool written;
	int ran;

	f.data = harness_read_file(VMM_GUEST("seqtouch"), &f.len);
	ck_assert(f.data && f.len > sizeof(Elf64_Ehdr));
	/* A copy of the headers after the end of the file, at an odd offset. */
	phoff = f.len | 1;
	phbytes = ehdr(&f)->e_phnum * sizeof(Elf64_Phdr);
	moved = calloc(1, phoff + phbytes);
	ck_assert_ptr_nonnull(moved);
	memcpy(moved, f.data, f.len);
	memcpy(moved + phoff, f.data + ehdr(&f)->e_phoff, phbytes);
	((Elf64_Ehdr *)moved)->e_phoff = phoff;
	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(path, sizeof(path), "%s/guest.elf", dir);
	written = harness_write_file(path, moved, phoff + phbytes);
	free(moved);
	free(f.data);
	ran = written ? LAB_RUN(&r, NULL, path, "--mem", "32M") : -1;
	ck_assert(harness_tmpdir_remove(dir));
	ck_assert_msg(written, "cannot write %s", path);
	ck_assert_int_eq(ran, 0);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_int_eq(vmm_report_int(&r, "guest.pages_touched"), 32 * 256);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* A guest refusing its arguments says why, even under --quiet (which the
 * harness passes): its last console line comes with the error. */
START_TEST(guest_usage_error_is_shown_under_quiet)
{
	struct harness_run r = { 0 };

	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("pattern"), "--mem", "8M", "--",
				 "passes=0"), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_GUEST_FAILED);
	VMM_ASSERT_ERR_HAS(&r, "guest exited with status 2");
	VMM_ASSERT_ERR_HAS(&r, "guest[0] last said: pattern: passes=0: at least one pass");
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* ---- 11. guests that misbehave ----------------------------------------------- */

/*
 * Bare guests: _start runs at CPL 3 with RDI = vCPU id (guest_abi.h), then
 * spins if the body falls through. Hypercalls are `out %eax, %dx`.
 */
#define HC(port, value) "\tmov $" #port ", %edx\n\tmov $" #value ", %eax\n\tout %eax, %dx\n"

struct bad_guest {
	const char *name;
	const char *body;
	const char *vcpus;
	int exit_status;
	const char *stop;             /* guest.stop */
	const char *says[3];          /* in stderr */
};

static const struct bad_guest bad_guests[] = {
	/* Page 0 is mapped supervisor-only: a ring-3 write is a page fault,
	 * which a guest cannot take here (KVM_EXIT_SHUTDOWN). */
	{ "null-write", "\tmovq $1, 0\n", "1", LAB_EXIT_GUEST_CRASHED, "guest-crash",
	  { "guest vCPU 0 crashed", "shutdown", "code at rip: 48 c7 04 25 00 00 00 00" } },
	{ "unknown-port", HC(0x1234, 1), "1", LAB_EXIT_GUEST_CRASHED, "guest-crash",
	  { "crashed", "out to port 0x1234", "not a labyrinth hypercall" } },
	{ "byte-out", "\tmov $0x503, %edx\n\tout %al, %dx\n", "1", LAB_EXIT_GUEST_CRASHED,
	  "guest-crash", { "crashed", "port I/O out of 1 x 1 bytes at port 0x503" } },
	{ "in", "\tmov $0x503, %edx\n\tin %dx, %eax\n", "1", LAB_EXIT_GUEST_CRASHED, "guest-crash",
	  { "crashed", "port I/O in of 1 x 4 bytes at port 0x503" } },
	/* HLT at CPL 3 is a #GP: a shutdown, with rip at the hlt. */
	{ "hlt", "\thlt\n", "1", LAB_EXIT_GUEST_CRASHED, "guest-crash",
	  { "crashed", "shutdown", "code at rip: f4" } },
	/*
	 * Beyond --mem: the VMM's page tables map guest RAM only up to its
	 * end, so the load is a guest page fault (a shutdown, cr2 = the
	 * address) before any memslot is looked at; the "no guest memory"
	 * MMIO exit cannot be reached from a guest this way.
	 */
	{ "beyond-ram", "\tmovabs $0x102000000, %rax\n\tmov (%rax), %rax\n", "1",
	  LAB_EXIT_GUEST_CRASHED, "guest-crash", { "crashed", "cr2 0x102000000", "rip" } },
	{ "console-too-long", HC(0x500, 5000), "1", LAB_EXIT_GUEST_CRASHED, "guest-crash",
	  { "crashed", "hypercall protocol error", "LAB_HC_CONSOLE" } },
	{ "records-too-many", NULL, "1", LAB_EXIT_GUEST_CRASHED, "guest-crash",
	  { "hypercall protocol error", "more records than the mailbox holds" } },
	/* The mailbox starts zeroed: record 0 is for gpa 0. */
	{ "record-outside-ram", HC(0x501, 1), "1", LAB_EXIT_GUEST_CRASHED, "guest-crash",
	  { "hypercall protocol error", "a record for a page outside guest RAM" } },
	/* The mailbox starts zeroed: the metric has no name. */
	{ "metric-without-name", HC(0x507, 0), "1", LAB_EXIT_GUEST_CRASHED, "guest-crash",
	  { "hypercall protocol error", "LAB_HC_METRIC: a name of lowercase letters" } },
	{ "panic", HC(0x506, 42), "1", LAB_EXIT_GUEST_CRASHED, "guest-crash",
	  { "crashed", "guest panic (assertion at line 42)" } },
	{ "exit-7", HC(0x503, 7), "1", LAB_EXIT_GUEST_FAILED, "guest-exit",
	  { "guest exited with status 7" } },
	/* The largest console write allowed. */
	{ "console-4096", HC(0x500, 4096) HC(0x503, 0), "1", 0, "guest-exit", { NULL } },
	{ "vcpus-done", HC(0x504, 0), "2", 0, "guest-exit", { NULL } },
	/* vCPU 1 crashes while vCPU 0 spins: the crash stops the whole VM. */
	{ "crash-on-vcpu-1", "\ttest %edi, %edi\n\tjz 1f\n\tmovq $1, 0\n", "2",
	  LAB_EXIT_GUEST_CRASHED, "guest-crash", { "guest vCPU 1 crashed", "shutdown" } },
};

static bool have_toolchain;

/* Assembles and links body into dir/guest.elf; false with *why on failure. */
static bool build_bare_guest(const char *dir, const char *body, char *why, size_t len)
{
	char src[PATH_MAX + 16], obj[PATH_MAX + 16], elf[PATH_MAX + 16], text[1024];
	struct harness_run r = { 0 };
	bool ok;

	snprintf(src, sizeof(src), "%s/guest.S", dir);
	snprintf(obj, sizeof(obj), "%s/guest.o", dir);
	snprintf(elf, sizeof(elf), "%s/guest.elf", dir);
	snprintf(text, sizeof(text),
		 "\t.globl _start\n\t.text\n_start:\n%s1:\tjmp 1b\n"
		 "\t.section .note.GNU-stack, \"\", @progbits\n", body);
	if (!harness_write_file(src, text, strlen(text))) {
		snprintf(why, len, "cannot write %.1000s", src);
		return false;
	}
	ok = HARNESS_EXEC(&r, NULL, "cc", "-c", src, "-o", obj) == 0 && r.status == 0;
	if (ok) {
		harness_run_free(&r);
		ok = HARNESS_EXEC(&r, NULL, "ld", "-static", "-Ttext-segment=0x1000000", "-e",
				  "_start", "-z", "noexecstack", "--build-id=none", "-o", elf,
				  obj) == 0 &&
		     r.status == 0;
	}
	if (!ok)
		snprintf(why, len, "%.1000s: %.2000s", r.cmdline, r.err);
	harness_run_free(&r);
	return ok;
}

START_TEST(misbehaving_guest_is_stopped_and_named)
{
	const struct bad_guest *c = &bad_guests[_i];
	char dir[PATH_MAX], elf[PATH_MAX + 16], why[4096] = "", body[128];
	struct harness_run_opts opts = { .timeout_s = 60 };
	struct harness_run r = { 0 };
	bool built, removed;
	int ran = -1;

	if (!c->body)   /* records-too-many: one more than the mailbox holds */
		snprintf(body, sizeof(body), "\tmov $0x501, %%edx\n\tmov $%u, %%eax\n"
			 "\tout %%eax, %%dx\n", (unsigned)LAB_RECORDS_MAX + 1);
	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(elf, sizeof(elf), "%s/guest.elf", dir);
	built = build_bare_guest(dir, c->body ? c->body : body, why, sizeof(why));
	/* --timeout: a guest that was not stopped must not hang the test. */
	if (built)
		ran = LAB_RUN(&r, &opts, elf, "--mem", "32M", "--vcpus", c->vcpus,
			      "--timeout", "30");
	removed = harness_tmpdir_remove(dir);
	ck_assert_msg(built, "%s: building the guest failed: %s", c->name, why);
	ck_assert_msg(removed, "cannot remove %s", dir);
	ck_assert_int_eq(ran, 0);
	VMM_ASSERT_EXIT(&r, c->exit_status);
	ck_assert_str_eq(vmm_report_str(&r, "guest.stop"), c->stop);
	if (c->exit_status == LAB_EXIT_GUEST_FAILED)
		ck_assert_int_eq(vmm_report_int(&r, "guest.exit_status"), 7);
	else
		ck_assert_int_eq(vmm_report_int(&r, "guest.exit_status"), c->exit_status);
	for (int i = 0; i < 3 && c->says[i]; i++)
		VMM_ASSERT_ERR_HAS(&r, c->says[i]);
	if (c->exit_status == LAB_EXIT_GUEST_CRASHED) {
		/* The crash dump: registers, segments, the page walk of rip. */
		VMM_ASSERT_ERR_HAS(&r, "rip 0x");
		VMM_ASSERT_ERR_HAS(&r, "cs  sel 0x001b");
		VMM_ASSERT_ERR_HAS(&r, "page walk of rip:");
		VMM_ASSERT_ERR_HAS(&r, "labyrinth: error: guest vCPU");
		/* The report's detail is the error line of stderr. */
		snprintf(why, sizeof(why), "labyrinth: error: %s\n",
			 vmm_report_str(&r, "guest.detail"));
		VMM_ASSERT_ERR_HAS(&r, why);
	}
	/* None of these guests touched RAM: nothing was faulted in. */
	ck_assert_int_eq(vmm_report_int(&r, "faults.total"), 0);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* A bare guest that writes one word of RAM and exits: one fault, one
 * fault-around window installed, charged to vCPU 0. */
START_TEST(bare_guest_faults_one_window)
{
	char dir[PATH_MAX], elf[PATH_MAX + 16], why[4096] = "";
	struct harness_run r = { 0 };
	bool built, removed;
	int ran = -1;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(elf, sizeof(elf), "%s/guest.elf", dir);
	built = build_bare_guest(dir, "\tmovabs $0x100003000, %rax\n\tmovq $1, (%rax)\n"
				 HC(0x503, 0), why, sizeof(why));
	if (built)
		ran = LAB_RUN(&r, NULL, elf, "--mem", "32M", "--fault-around", "4");
	removed = harness_tmpdir_remove(dir);
	ck_assert_msg(built, "building the guest failed: %s", why);
	ck_assert(removed);
	ck_assert_int_eq(ran, 0);
	VMM_ASSERT_EXIT(&r, 0);
	ck_assert_int_eq(vmm_report_int(&r, "faults.total"), 1);
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.faults"), 1);
	ck_assert_int_eq(vmm_report_int(&r, "vcpus.0.pages_installed"), 4);
	ck_assert_int_eq(vmm_report_int(&r, "memory.guest_rss"), 16);
	/* No LAB_HC_RESULT was sent: the guest reported no pages. */
	ck_assert_int_eq(vmm_report_int(&r, "guest.pages_touched"), 0);
	harness_run_free(&r);
}
END_TEST

/* ---- 9, 10. timeout and signals ------------------------------------------------ */

/* hog holding its memory for a minute: a guest that would run on. */
#define HOG_FOREVER "hold_ms=60000"

/* A guest that prints without end: its output stops at --console-limit
 * (counted in the report), and --timeout still ends it on time. */
START_TEST(console_flood_is_limited)
{
	static const char *const limits[] = { "64K", NULL };
	char dir[PATH_MAX], elf[PATH_MAX + 16], why[4096] = "";
	struct harness_run_opts opts = { .timeout_s = 60 };
	struct harness_run r = { 0 };
	long long limit = _i ? 1 << 20 : 64 << 10;
	bool built;
	int ran = -1;

	ck_assert(harness_tmpdir_create(dir, sizeof(dir)));
	snprintf(elf, sizeof(elf), "%s/guest.elf", dir);
	/* 4 KiB of console a hypercall, for ever. */
	built = build_bare_guest(dir, "2:" HC(0x500, 4096) "\tjmp 2b\n", why, sizeof(why));
	if (built && limits[_i])
		ran = HARNESS_EXEC(&r, &opts, VMM_BINARY, "run", elf, "--report", HARNESS_REPORT,
				   "--mem", "32M", "--timeout", "2", "--console-limit", limits[_i]);
	else if (built)
		ran = HARNESS_EXEC(&r, &opts, VMM_BINARY, "run", elf, "--report", HARNESS_REPORT,
				   "--mem", "32M", "--timeout", "2");
	harness_tmpdir_remove(dir);
	ck_assert_msg(built, "building the guest failed: %s", why);
	ck_assert_int_eq(ran, 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_TIMEOUT);
	ck_assert_msg(r.seconds < 10.0, "stopped after %.2f s", r.seconds);
	VMM_ASSERT_ERR_HAS(&r, "console output past --console-limit");
	ck_assert_msg((long long)strlen(r.err) < limit + 8192,
		      "%zu bytes on stderr with a limit of %lld", strlen(r.err), limit);
	ck_assert_msg(vmm_report_int(&r, "vcpus.0.console_dropped_bytes") > limit,
		      "only %lld bytes dropped", vmm_report_int(&r, "vcpus.0.console_dropped_bytes"));
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

START_TEST(timeout_stops_the_guest)
{
	const char *vcpus = _i ? "2" : "1";
	struct harness_run r = { 0 };

	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("hog"), "--mem", "32M", "--vcpus", vcpus,
				 "--timeout", "1", "--", HOG_FOREVER), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_TIMEOUT);
	ck_assert_msg(r.seconds >= 1.0 && r.seconds < 10.0, "stopped after %.2f s", r.seconds);
	ck_assert_str_eq(vmm_report_str(&r, "guest.stop"), "timeout");
	ck_assert_int_eq(vmm_report_int(&r, "guest.exit_status"), LAB_EXIT_TIMEOUT);
	VMM_ASSERT_ERR_HAS(&r, "timed out after 1.000 s");
	/* It was stopped in the hold phase, after the whole grow phase. */
	ck_assert_int_eq(vmm_report_vcpu_sum(&r, "pages_installed"), 8192);
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

START_TEST(timeout_in_milliseconds)
{
	struct harness_run r = { 0 };

	ck_assert_int_eq(LAB_RUN(&r, NULL, VMM_GUEST("hog"), "--mem", "32M", "--timeout",
				 "300ms", "--", HOG_FOREVER), 0);
	VMM_ASSERT_EXIT(&r, LAB_EXIT_TIMEOUT);
	ck_assert_msg(r.seconds >= 0.3 && r.seconds < 10.0, "stopped after %.2f s", r.seconds);
	VMM_ASSERT_ERR_HAS(&r, "timed out after 0.300 s");
	harness_run_free(&r);
}
END_TEST

static const int stop_signals[] = { SIGTERM, SIGINT, SIGHUP };
#define NR_STOP_SIGNALS ((int)(sizeof(stop_signals) / sizeof(stop_signals[0])))

START_TEST(signal_stops_the_guest_promptly)
{
	int sig = stop_signals[_i % NR_STOP_SIGNALS];
	const char *vcpus = _i < NR_STOP_SIGNALS ? "1" : "2";
	/* Sent once labyrinth has blocked it (i.e. will read it), with the
	 * guest well into its hold phase. */
	struct harness_run_opts opts = { .timeout_s = 60, .signal = sig, .signal_delay_s = 0.5 };
	struct harness_run r = { 0 };

	ck_assert_int_eq(LAB_RUN(&r, &opts, VMM_GUEST("hog"), "--mem", "32M", "--vcpus", vcpus,
				 "--", HOG_FOREVER), 0);
	ck_assert_msg(r.seconds_after_signal >= 0, "%s: the signal was never sent", r.cmdline);
	VMM_ASSERT_EXIT(&r, 128 + sig);
	ck_assert_msg(r.seconds_after_signal < 5.0, "exited %.2f s after the signal",
		      r.seconds_after_signal);
	ck_assert_str_eq(vmm_report_str(&r, "guest.stop"), "signal");
	ck_assert_int_eq(vmm_report_int(&r, "guest.exit_status"), 128 + sig);
	VMM_ASSERT_ERR_HAS(&r, "stopped by signal");
	VMM_ASSERT_CLEAN(&r);
	harness_run_free(&r);
}
END_TEST

/* The harness's own deadline: the child is killed and reaped, its files
 * are gone, and no process is left. */
START_TEST(harness_deadline_kills_and_reaps)
{
	struct harness_run_opts opts = { .timeout_s = 1.5 };
	struct harness_run r = { 0 };

	ck_assert_int_eq(LAB_RUN(&r, &opts, VMM_GUEST("hog"), "--mem", "32M", "--",
				 HOG_FOREVER), 0);
	ck_assert(r.killed_at_deadline);
	ck_assert_int_eq(r.term_signal, SIGKILL);
	ck_assert_ptr_null(r.report);
	VMM_ASSERT_CLEAN(&r);
	ck_assert_msg(kill(r.child.pid, 0) == -1 && errno == ESRCH, "process %d still exists",
		      (int)r.child.pid);
	harness_run_free(&r);
}
END_TEST

/* ---- the hypercall decoder, called in this process ------------------------ */

#define SLOW_TSC_KHZ 800000ull       /* an 800 MHz TSC */

/* A guest's tick count becomes ns without overflow whatever the host's
 * TSC rate: UINT64_MAX ticks at 800 MHz is more than a histogram holds, so
 * it is counted as clamped, not as some wrapped value (found by
 * fuzz_hypercall: the conversion of the double was undefined, and gave 0
 * on x86-64). On a VM built by hand: LAB_HC_RECORDS needs no KVM. */
START_TEST(huge_tick_count_is_clamped)
{
	struct vm_config cfg;
	struct lab_mailbox *mailbox;
	struct vcpu *vcpu;
	struct vm *vm;

	config_defaults(&cfg);
	cfg.mem_bytes = cfg.pool_bytes = 64ull << 20;
	cfg.nr_vcpus = 1;
	vm = vm_create_detached(&cfg);
	ck_assert_ptr_nonnull(vm);
	vm->tsc_khz = SLOW_TSC_KHZ;
	vcpu = &vm->vcpus[0];
	mailbox = gpa_to_sys(vm, LAB_GPA_MAILBOXES);
	mailbox->records[0] = (struct lab_touch_record){ .gpa = LAB_GPA_RAM_BASE,
							 .ticks = UINT64_MAX };
	ck_assert(hypercall_handle(vcpu, LAB_HC_RECORDS, 1));
	uint64_t recorded = atomic_load(&vcpu->stats.guest->total);
	uint64_t clamped = atomic_load(&vcpu->stats.guest->clamped);
	uint64_t max_ns = atomic_load(&vcpu->stats.guest->max_ns);

	ck_assert_uint_eq(recorded, 1);
	ck_assert_uint_eq(clamped, 1);
	ck_assert_uint_eq(max_ns, UINT64_MAX);
	vm_destroy_detached(vm);
}
END_TEST

static Suite *errors_suite(void)
{
	Suite *s = suite_create("vmm errors");
	TCase *tc;

	tc = tcase_create("bad images");
	tcase_add_loop_test(tc, bad_image_is_refused_with_exit_status_2, 0,
			    (int)(sizeof(bad_images) / sizeof(bad_images[0])));
	tcase_add_test(tc, unpatched_image_runs);
	tcase_add_test(tc, image_with_unaligned_program_headers_runs);
	tcase_add_test(tc, guest_usage_error_is_shown_under_quiet);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("misbehaving guests");
	if (have_toolchain) {
		tcase_add_loop_test(tc, misbehaving_guest_is_stopped_and_named, 0,
				    (int)(sizeof(bad_guests) / sizeof(bad_guests[0])));
		tcase_add_test(tc, bare_guest_faults_one_window);
		tcase_add_loop_test(tc, console_flood_is_limited, 0, 2);
	}
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tc = tcase_create("hypercall decoder");
	tcase_add_test(tc, huge_tick_count_is_clamped);
	suite_add_tcase(s, tc);

	tc = tcase_create("stopping");
	tcase_add_loop_test(tc, timeout_stops_the_guest, 0, 2);
	tcase_add_test(tc, timeout_in_milliseconds);
	tcase_add_loop_test(tc, signal_stops_the_guest_promptly, 0, 2 * NR_STOP_SIGNALS);
	tcase_add_test(tc, harness_deadline_kills_and_reaps);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (!test_kvm_available("vmm errors"))
		return TEST_EXIT_SKIP;
	have_toolchain = harness_tool_in_path("cc") && harness_tool_in_path("ld");
	if (!have_toolchain)
		fprintf(stderr, "\n*** vmm errors: no cc or ld in PATH: the misbehaving-guest "
			"tests (built at test time) were NOT run.\n\n");
	return test_run_suite(errors_suite());
}
