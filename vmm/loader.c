/* SPDX-License-Identifier: MIT */
/*
 * The guest image: a static x86-64 ELF64 executable whose loadable
 * segments lie in the image area [LAB_GPA_IMAGE, LAB_GPA_IMAGE_END) of the
 * system region. Anything else is rejected with the file and the fault
 * named: bad magic, wrong class, data encoding, type or machine, a
 * truncated file, segments outside the area or overlapping, an entry point
 * outside every executable segment, and the headers of programs that need a
 * loader's services (PT_INTERP, PT_DYNAMIC, PT_TLS).
 */
#include <ctype.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"
#include "memory.h"
#include "util.h"
#include "vm.h"

#define MAX_IMAGE_FILE (LAB_GPA_IMAGE_END - LAB_GPA_IMAGE + 64 * KIB)

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	const char *why;
	int fd, err = 0;

	fd = open_input_file(path, &st, &why);
	if (fd < 0) {
		pr_err("guest image %s: cannot open: %s", path, why);
		return fd;
	}
	if ((uint64_t)st.st_size > MAX_IMAGE_FILE) {
		pr_err("guest image %s: %lld bytes, larger than the %llu-byte image area",
		       path, (long long)st.st_size,
		       (unsigned long long)(LAB_GPA_IMAGE_END - LAB_GPA_IMAGE));
		err = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n ? -errno : -EIO;
			pr_err("guest image %s: read: %s", path, n ? strerror(errno) : "short read");
			goto out;
		}
		got += (size_t)n;
	}
	*out = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return err;
}

static int check_header(const char *path, const Elf64_Ehdr *eh, size_t len)
{
	if (len < EI_NIDENT || memcmp(eh->e_ident, ELFMAG, SELFMAG)) {
		pr_err("guest image %s: not an ELF file (bad magic)", path);
		return -ENOEXEC;
	}
	if (len < sizeof(*eh)) {
		pr_err("guest image %s: truncated: %zu bytes, shorter than an ELF header", path,
		       len);
		return -ENOEXEC;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64) {
		pr_err("guest image %s: ELF class %u, expected 64-bit (ELFCLASS64)", path,
		       eh->e_ident[EI_CLASS]);
		return -ENOEXEC;
	}
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		pr_err("guest image %s: not little-endian", path);
		return -ENOEXEC;
	}
	if (eh->e_machine != EM_X86_64) {
		pr_err("guest image %s: machine %u, expected x86-64 (%u)", path, eh->e_machine,
		       EM_X86_64);
		return -ENOEXEC;
	}
	if (eh->e_type != ET_EXEC) {
		pr_err("guest image %s: ELF type %u, expected a static executable (ET_EXEC)",
		       path, eh->e_type);
		return -ENOEXEC;
	}
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0) {
		pr_err("guest image %s: no usable program headers", path);
		return -ENOEXEC;
	}
	if (eh->e_phoff > len || (len - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum) {
		pr_err("guest image %s: truncated: program headers run past the end of the "
		       "file (%zu bytes)", path, len);
		return -ENOEXEC;
	}
	return 0;
}

/* Program headers a static, position-dependent guest never has: each
 * needs a loader service labyrinth does not provide. */
static int check_unsupported(const char *path, unsigned i, const Elf64_Phdr *p,
			     const uint8_t *file, size_t len)
{
	char interp[64] = "";

	switch (p->p_type) {
	case PT_INTERP:
		/* Name the interpreter it asks for, if the file holds it. */
		if (p->p_offset < len && p->p_filesz) {
			size_t n = len - p->p_offset < p->p_filesz ? len - p->p_offset
								   : p->p_filesz;

			if (n >= sizeof(interp))
				n = sizeof(interp) - 1;
			for (size_t k = 0; k < n && file[p->p_offset + k]; k++)
				interp[k] = isprint(file[p->p_offset + k]) ? (char)file[p->p_offset + k]
									   : '?';
		}
		pr_err("guest image %s: program header %u is PT_INTERP (interpreter '%s'): a "
		       "dynamically linked program, but a guest has no ELF interpreter (link it "
		       "with -static -nostdlib)", path, i, interp);
		return -ENOEXEC;
	case PT_DYNAMIC:
		pr_err("guest image %s: program header %u is PT_DYNAMIC: the image needs "
		       "relocating at load time, which labyrinth does not do (link it static, "
		       "without -pie)", path, i);
		return -ENOEXEC;
	case PT_TLS:
		pr_err("guest image %s: program header %u is PT_TLS: thread-local storage, "
		       "which the guest runtime does not set up", path, i);
		return -ENOEXEC;
	default:
		return 0;
	}
}

/* Program header i, copied out: e_phoff need not be aligned for it. */
static Elf64_Phdr program_header(const uint8_t *file, const Elf64_Ehdr *eh, unsigned i)
{
	Elf64_Phdr p;

	memcpy(&p, file + eh->e_phoff + (size_t)i * sizeof(p), sizeof(p));
	return p;
}

/* Checks loadable segment i and copies it in; 0 or -ENOEXEC. */
static int load_segment(const char *path, unsigned i, const Elf64_Phdr *p, const uint8_t *file,
			size_t len, uint8_t *sys, struct loaded_image *img)
{
	uint64_t start = p->p_paddr, end;

	if (p->p_filesz > p->p_memsz) {
		pr_err("guest image %s: segment %u: file size %#llx exceeds memory size %#llx",
		       path, i, (unsigned long long)p->p_filesz, (unsigned long long)p->p_memsz);
		return -ENOEXEC;
	}
	if (p->p_offset > len || p->p_filesz > len - p->p_offset) {
		pr_err("guest image %s: truncated: segment %u needs bytes [%#llx, %#llx) of a "
		       "%zu-byte file", path, i, (unsigned long long)p->p_offset,
		       (unsigned long long)(p->p_offset + p->p_filesz), len);
		return -ENOEXEC;
	}
	if (p->p_vaddr != p->p_paddr) {
		pr_err("guest image %s: segment %u: virtual %#llx != physical %#llx (the guest "
		       "runs identity-mapped)", path, i, (unsigned long long)p->p_vaddr,
		       (unsigned long long)p->p_paddr);
		return -ENOEXEC;
	}
	if (start < LAB_GPA_IMAGE || start >= LAB_GPA_IMAGE_END ||
	    p->p_memsz > LAB_GPA_IMAGE_END - start) {
		pr_err("guest image %s: segment %u [%#llx, %#llx) lies outside the image area "
		       "[%#llx, %#llx)", path, i, (unsigned long long)start,
		       (unsigned long long)(start + p->p_memsz), (unsigned long long)LAB_GPA_IMAGE,
		       (unsigned long long)LAB_GPA_IMAGE_END);
		return -ENOEXEC;
	}
	end = start + p->p_memsz;
	/* Segments are mapped page by page: no two may share a page. */
	for (unsigned j = 0; j < img->nr_segments; j++) {
		const struct loaded_segment *o = &img->seg[j];
		uint64_t ostart = o->gpa & ~(PAGE_SIZE - 1);
		uint64_t oend = (o->gpa + o->memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

		if ((start & ~(PAGE_SIZE - 1)) < oend && ostart < end) {
			pr_err("guest image %s: segment %u [%#llx, %#llx) overlaps an earlier "
			       "segment [%#llx, %#llx) (page-granular)", path, i,
			       (unsigned long long)start, (unsigned long long)end,
			       (unsigned long long)o->gpa, (unsigned long long)(o->gpa + o->memsz));
			return -ENOEXEC;
		}
	}
	if (img->nr_segments == MAX_SEGMENTS) {
		pr_err("guest image %s: more than %d loadable segments", path, MAX_SEGMENTS);
		return -ENOEXEC;
	}
	memcpy(sys + start, file + p->p_offset, p->p_filesz);
	memset(sys + start + p->p_filesz, 0, p->p_memsz - p->p_filesz);
	img->seg[img->nr_segments++] = (struct loaded_segment){
		.gpa = start, .memsz = p->p_memsz, .writable = p->p_flags & PF_W,
	};
	return 0;
}

int loader_parse(const char *path, const uint8_t *file, size_t len, uint8_t *sys,
		 struct loaded_image *img)
{
	Elf64_Ehdr header = { 0 }, *eh = &header;
	bool entry_ok = false;
	int err;

	memset(img, 0, sizeof(*img));
	/* Copied out too (a short file leaves zeros): file may have any alignment. */
	if (len)
		memcpy(eh, file, len < sizeof(*eh) ? len : sizeof(*eh));
	err = check_header(path, eh, len);
	if (err)
		return err;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph = program_header(file, eh, i);

		err = check_unsupported(path, i, &ph, file, len);
		if (err)
			return err;
	}
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph = program_header(file, eh, i);
		const Elf64_Phdr *p = &ph;

		if (p->p_type != PT_LOAD || p->p_memsz == 0)
			continue;
		err = load_segment(path, i, p, file, len, sys, img);
		if (err)
			return err;
		if ((p->p_flags & PF_X) && eh->e_entry >= p->p_paddr &&
		    eh->e_entry < p->p_paddr + p->p_memsz)
			entry_ok = true;
	}
	if (!img->nr_segments) {
		pr_err("guest image %s: no loadable segment", path);
		return -ENOEXEC;
	}
	if (!entry_ok) {
		pr_err("guest image %s: entry point %#llx is in no executable segment", path,
		       (unsigned long long)eh->e_entry);
		return -ENOEXEC;
	}
	img->entry = eh->e_entry;
	return 0;
}

int loader_load_elf(struct vm *vm, const char *path)
{
	uint8_t *file = NULL;
	size_t len = 0;
	int err = read_file(path, &file, &len);

	if (err)
		return err;
	vm->image = calloc(1, sizeof(*vm->image));
	err = vm->image ? loader_parse(path, file, len, vm->sys, vm->image) : -ENOMEM;
	free(file);
	return err;
}

void loader_exit(struct vm *vm)
{
	free(vm->image);
	vm->image = NULL;
}

int loader_check_file(const char *path)
{
	struct loaded_image img;
	uint8_t *file = NULL, *sys;
	size_t len = 0;
	int err = read_file(path, &file, &len);

	if (err)
		return err;
	sys = map_anonymous(LAB_GPA_SYS_END);
	err = sys ? loader_parse(path, file, len, sys, &img) : -ENOMEM;
	if (sys)
		munmap(sys, LAB_GPA_SYS_END);
	free(file);
	return err;
}
