/* SPDX-License-Identifier: MIT */
/*
 * The page-state table and every transition of it (the state machine is in
 * guest_pages.h): claims by compare-and-swap into BUSY, then exactly one
 * store of the final value by the claimer, so that exactly one context
 * installs or reclaims a page however many vCPUs fault on it.
 */
#include "guest_pages.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpu.h"
#include "fault_policy.h"
#include "memory.h"
#include "reclaim.h"
#include "runs.h"
#include "uffd.h"
#include "util.h"
#include "vm.h"

int guest_pages_init(struct vm *vm)
{
	size_t bytes;
	void *p;

	vm->nr_gfns = vm->ram_size >> PAGE_SHIFT;
	bytes = vm->nr_gfns * sizeof(uint32_t);
	p = map_anonymous(bytes);
	if (!p) {
		int err = -errno;

		pr_err("mmap of the %zu-byte page-state table: %s", bytes, strerror(errno));
		return err;
	}
	vm->gfn_frame = p;
	return 0;
}

void guest_pages_exit(struct vm *vm)
{
	if (vm->gfn_frame)
		munmap((void *)(uintptr_t)vm->gfn_frame, vm->nr_gfns * sizeof(uint32_t));
	vm->gfn_frame = NULL;
}

uint32_t guest_pages_get(struct vm *vm, uint64_t gfn)
{
	return atomic_load_explicit(&vm->gfn_frame[gfn], memory_order_acquire);
}

static void set_entry(struct vm *vm, uint64_t gfn, uint32_t value)
{
	atomic_store_explicit(&vm->gfn_frame[gfn], value, memory_order_release);
}

/* Out of BUSY without a frame: whoever faulted meanwhile faults again. */
static void unclaim(struct vm *vm, uint64_t gfn, uint32_t value)
{
	set_entry(vm, gfn, value);
	uffd_wake(uffd_range_of(vm, gfn)->fd, gfn_to_hva(vm, gfn), PAGE_SIZE);
}

/* Gives back the swap slot page gfn held: a slot not in use is a bug in
 * the accounting (said, and refused by the store). */
static void free_slot(struct vm *vm, uint64_t gfn, uint32_t slot)
{
	if (swap_free(vm->swap, slot))
		vm_bug(vm, "swap slot %u of gpa %#llx is not in use: freed twice, or never taken",
		       slot, (unsigned long long)(LAB_GPA_RAM_BASE + (gfn << PAGE_SHIFT)));
}

/* ---- frames, charged to the guest ---- */

lab_frame_t gp_frame_alloc(struct vm *vm, struct lab_cache *cache, lab_gfp_t gfp,
			   lab_owner_t owner, uint64_t gfn)
{
	lab_frame_t f;

	if (!memtune_try_charge(&vm->memtune, 1, 1))
		return LAB_FRAME_NONE;
	f = lab_alloc_page(cache, gfp, owner, (uint32_t)gfn);
	if (f == LAB_FRAME_NONE)
		memtune_uncharge(&vm->memtune, 1);
	return f;
}

/* ---- installing ---- */

void gp_window_open(struct gp_window *w, uint64_t first, uint64_t end, lab_owner_t owner,
		    struct lab_cache *cache, uint8_t *bounce)
{
	w->first = first;
	w->end = end;
	w->owner = owner;
	w->cache = cache;
	w->bounce = bounce;
	w->restored = 0;
	for (uint64_t i = 0; i < end - first; i++) {
		w->frame[i] = LAB_FRAME_NONE;
		w->content[i] = false;
	}
}

bool gp_window_claim(struct vm *vm, struct gp_window *w, uint64_t gfn, bool swapped_too,
		     uint32_t *old)
{
	uint32_t v = guest_pages_get(vm, gfn);

	do {
		if (v != GP_EMPTY && !(swapped_too && gp_is_swapped(v))) {
			*old = v;
			return false;
		}
	} while (!atomic_compare_exchange_weak_explicit(&vm->gfn_frame[gfn], &v, GP_BUSY,
							memory_order_acq_rel,
							memory_order_acquire));
	*old = w->old[gfn - w->first] = v;
	return true;
}

void gp_window_unclaim(struct vm *vm, struct gp_window *w, uint64_t gfn)
{
	unclaim(vm, gfn, w->old[gfn - w->first]);
}

/* Where page g's contents go before its install: the frame itself when it
 * is moved in whole, else the window's bounce buffer. */
static uint8_t *contents_of(struct vm *vm, struct gp_window *w, uint64_t g)
{
	if (vm->cfg.install == INSTALL_MOVE)
		return lab_frame_addr(vm->pool, w->frame[g - w->first]);
	return w->bounce + (g - w->first) * PAGE_SIZE;
}

int gp_window_restore(struct vm *vm, struct gp_window *w)
{
	for (uint64_t g = w->first; g < w->end; g++) {
		uint32_t old = w->old[g - w->first];
		int err;

		if (w->frame[g - w->first] == LAB_FRAME_NONE || !gp_has_slot(old))
			continue;
		/* Set first: a failed read may have written part of it. */
		w->content[g - w->first] = true;
		err = swap_read(vm->swap, gp_slot(old), contents_of(vm, w, g));
		if (err) {
			vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR,
				"swap: reading gpa %#llx back from %s: %s",
				(unsigned long long)(LAB_GPA_RAM_BASE + (g << PAGE_SHIFT)),
				swap_where(vm->swap),
				err == -EBADMSG ? "checksum mismatch: the stored page is corrupt"
						: strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Gives page g's frame back uninstalled. Move mode restores swapped
 * contents into the frame itself: such a frame goes back dirty, so that
 * it is zeroed before anyone gets it as a zero page. */
static void drop_frame(struct vm *vm, struct gp_window *w, uint64_t g)
{
	uint64_t i = g - w->first;
	bool written = w->content[i] && vm->cfg.install == INSTALL_MOVE;

	lab_free_page(w->cache, w->frame[i], w->owner, written ? LAB_FREE_DIRTY : LAB_FREE_CLEAN);
	memtune_uncharge(&vm->memtune, 1);
	w->frame[i] = LAB_FRAME_NONE;
}

/* Publishes n installed pages from g: their old slots are free (reclaim
 * may take them out again at once, and then needs slots of its own), they
 * are counted as the owner's, then the entries say so, then reclaim may
 * choose them. */
static void publish(struct vm *vm, struct gp_window *w, uint64_t g, uint64_t n, bool content)
{
	for (uint64_t i = 0; content && i < n; i++)
		free_slot(vm, g + i, gp_slot(w->old[g + i - w->first]));
	int v = vm_owner_vcpu(vm, w->owner);

	w->restored += content ? n : 0;
	if (v >= 0)
		STAT_ADD(vm->vcpus[v].stats.frames, n);
	for (uint64_t i = 0; i < n; i++)
		set_entry(vm, g + i, gp_of_frame(w->frame[g + i - w->first]));
	if (unlikely(vm->cfg.inject[INJECT_INSTALL_DELAY_US]))
		usleep((useconds_t)vm->cfg.inject[INJECT_INSTALL_DELAY_US]);
	reclaim_note_installed(vm, g, n, w->owner);
}

/* One ioctl for [g, g + n), all zero or all restored; *done gets the
 * pages that went in. */
static int install_ioctl(struct vm *vm, struct gp_window *w, uint64_t g, uint64_t n,
			 bool content, uint64_t *done)
{
	int fd = uffd_range_of(vm, g)->fd;
	uint8_t *dst = gfn_to_hva(vm, g);
	int err = 0;

	*done = 0;
	if (vm->cfg.install == INSTALL_MOVE) {
		for (uint64_t i = 0; i < n && !err; i++) {
			uint8_t *src = lab_frame_addr(vm->pool, w->frame[g + i - w->first]);
			uint64_t moved;

			/* The source must be present: a frame moved out earlier
			 * left a hole, which this write fills with a zero page. */
			if (!content)
				*(volatile uint8_t *)src = 0;
			err = uffd_move(fd, dst + i * PAGE_SIZE, src, PAGE_SIZE, &moved);
			*done += moved;
		}
	} else if (content) {
		err = uffd_copy(fd, dst, contents_of(vm, w, g), n * PAGE_SIZE, done);
	} else if (vm->cfg.install == INSTALL_ZEROPAGE) {
		err = uffd_zeropage(fd, dst, n * PAGE_SIZE, done);
	} else {
		err = uffd_copy(fd, dst, vm->zero_source, n * PAGE_SIZE, done);
	}
	*done /= PAGE_SIZE;
	return err;
}

/* Installs the run [g, g + n); returns 0 or -errno (the VM then stops). */
static int install_run(struct vm *vm, struct gp_window *w, uint64_t g, uint64_t n, bool content)
{
	while (n) {
		uint64_t done;
		int err = install_ioctl(vm, w, g, n, content, &done);

		publish(vm, w, g, done, content);
		if (!err)
			return 0;
		uint64_t at = g + done;

		if (err != -EEXIST) {
			vm_stop(vm, STOP_HOST_ERROR, LAB_EXIT_HOST_ERROR, "installing gpa %#llx: %s",
				(unsigned long long)(LAB_GPA_RAM_BASE + (at << PAGE_SHIFT)),
				strerror(-err));
			return err;
		}
		/* Someone else put a page at `at`: ours goes back, and so does
		 * the swap slot of what we meant to restore there. */
		uint32_t old = w->old[at - w->first];

		drop_frame(vm, w, at);
		if (gp_has_slot(old))
			free_slot(vm, at, gp_slot(old));
		unclaim(vm, at, GP_FOREIGN);
		n -= done + 1;
		g = at + 1;
	}
	return 0;
}

/* Page k of the window continues a run from page k - 1: claimed with a
 * frame, and of the same kind. */
static bool continues_run(const void *arg, size_t k)
{
	const struct gp_window *w = arg;

	return w->frame[k] != LAB_FRAME_NONE && w->content[k] == w->content[k - 1];
}

int64_t gp_window_install(struct vm *vm, struct gp_window *w)
{
	size_t n = w->end - w->first, len;
	int64_t installed = 0;

	for (size_t i = 0; i < n; i += len) {
		len = 1;
		if (w->frame[i] == LAB_FRAME_NONE)
			continue;
		len = run_length(i, n, GP_WINDOW_MAX, continues_run, w);
		int err = install_run(vm, w, w->first + i, len, w->content[i]);

		if (err) {
			/* Pages before the failure are in; the rest goes back. */
			for (uint64_t g = w->first; g < w->end; g++)
				if (w->frame[g - w->first] != LAB_FRAME_NONE &&
				    guest_pages_get(vm, g) == GP_BUSY) {
					drop_frame(vm, w, g);
					unclaim(vm, g, w->old[g - w->first]);
				}
			return err;
		}
	}
	for (size_t i = 0; i < n; i++)
		installed += w->frame[i] != LAB_FRAME_NONE;
	return installed;
}

void gp_window_release(struct vm *vm, struct gp_window *w)
{
	for (uint64_t g = w->first; g < w->end; g++) {
		if (w->frame[g - w->first] == LAB_FRAME_NONE)
			continue;
		drop_frame(vm, w, g);
		unclaim(vm, g, w->old[g - w->first]);
	}
}

void gp_window_wake(struct vm *vm, const struct gp_window *w)
{
	uffd_wake(uffd_range_of(vm, w->first)->fd, gfn_to_hva(vm, w->first),
		  (w->end - w->first) << PAGE_SHIFT);
}

int64_t gp_install_speculative(struct vm *vm, struct gp_window *w, uint64_t first, uint64_t end,
			       lab_owner_t owner, struct lab_cache *cache,
			       bool (*deny)(void *arg), void *arg, uint64_t *skipped)
{
	int64_t installed;

	gp_window_open(w, first, end, owner, cache, NULL);
	for (uint64_t g = first; g < end; g++) {
		uint32_t old;

		if (!gp_window_claim(vm, w, g, false, &old)) {
			++*skipped;          /* a fault (or someone) had it first */
			continue;
		}
		/* Speculation stays within the guest's limit: it never
		 * reclaims for it. */
		w->frame[g - first] = deny && deny(arg) ? LAB_FRAME_NONE
				      : gp_frame_alloc(vm, cache, LAB_GFP_NOWAIT | __LAB_GFP_EXCLUSIVE |
						       __LAB_GFP_ZERO, owner, g);
		if (w->frame[g - first] == LAB_FRAME_NONE) {
			/* No frames to spare: a vCPU may have faulted on it. */
			gp_window_unclaim(vm, w, g);
			*skipped += end - g;
			break;
		}
	}
	installed = gp_window_install(vm, w);
	fault_costs_note_installed(vm->fault_costs, first, end - first, UINT64_MAX);
	gp_window_wake(vm, w);
	return installed;
}

/* ---- reclaiming ---- */

lab_owner_t gp_owner(struct vm *vm, uint32_t entry)
{
	struct lab_frame_info info = { .owner = LAB_OWNER_VMM };

	(void)lab_frame_info(vm->pool, gp_frame(entry), &info);
	return info.owner;
}

bool guest_pages_claim_resident(struct vm *vm, uint64_t gfn, uint32_t *entry)
{
	uint32_t v = guest_pages_get(vm, gfn);

	if (!gp_is_frame(v) ||
	    !atomic_compare_exchange_strong_explicit(&vm->gfn_frame[gfn], &v, GP_BUSY,
						     memory_order_acq_rel, memory_order_acquire))
		return false;
	*entry = v;
	return true;
}

void guest_pages_put_back(struct vm *vm, uint64_t gfn, uint32_t entry)
{
	unclaim(vm, gfn, entry);
}

void guest_pages_mark_swapped(struct vm *vm, uint64_t gfn, uint32_t slot, lab_owner_t owner)
{
	int v = vm_owner_vcpu(vm, owner);

	if (v >= 0 &&
	    !atomic_fetch_sub_explicit(&vm->vcpus[v].stats.frames, 1, memory_order_relaxed))
		vm_bug(vm, "vCPU %d's count of its frames went below zero: a page was reclaimed "
		       "before it was counted", v);
	set_entry(vm, gfn, gp_of_slot(slot));
}

/* ---- a guest that ended ---- */

#define RELEASE_BATCH 256u

uint64_t guest_pages_release(struct vm *vm)
{
	lab_frame_t frames[RELEASE_BATCH];
	lab_owner_t owners[RELEASE_BATCH];
	uint64_t released = 0;
	unsigned n = 0;

	for (uint64_t gfn = 0; vm->gfn_frame && gfn <= vm->nr_gfns; gfn++) {
		uint32_t v = gfn < vm->nr_gfns ? guest_pages_get(vm, gfn) : GP_EMPTY;

		if (gp_is_frame(v)) {
			frames[n] = gp_frame(v);
			owners[n++] = gp_owner(vm, v);
			set_entry(vm, gfn, GP_EMPTY);
		}
		if (n == RELEASE_BATCH || (gfn == vm->nr_gfns && n)) {
			/* Frames stood for the pages; their own memory never
			 * held them (a moved one is a hole): clean. */
			released += lab_free_pages_bulk(vm->pool, frames, owners, n, LAB_FREE_CLEAN);
			n = 0;
		}
	}
	memtune_uncharge(&vm->memtune, released);
	reclaim_forget(vm);
	return released;
}

/* ---- audit ---- */


int guest_pages_audit(struct vm *vm, char *buf, size_t len)
{
	size_t frames = lab_pool_frames(vm->pool);
	uint32_t slots = vm->swap ? swap_slots(vm->swap) : 0, held = 0, in_use = 0;
	uint64_t resident = 0;
	uint8_t *seen = calloc(frames, 1), *slot_seen = calloc(slots ? slots : 1, 1);
	uint8_t *slot_used = vm->swap ? swap_usage_map(vm->swap) : calloc(1, 1);
	struct audit_log a;

	audit_start(&a, buf, len);
	if (!seen || !slot_seen || !slot_used) {
		free(seen);
		free(slot_seen);
		free(slot_used);
		return -ENOMEM;
	}
	for (uint64_t gfn = 0; gfn < vm->nr_gfns; gfn++) {
		uint32_t v = guest_pages_get(vm, gfn);
		struct lab_frame_info info;

		if (v == GP_BUSY)
			audit_note(&a, "gfn %#llx is still claimed\n",
				   (unsigned long long)gfn);
		if (gp_has_slot(v)) {
			if (gp_slot(v) >= slots || !slot_used[gp_slot(v)])
				audit_note(&a,
					   "gfn %#llx -> swap slot %u, which is not in use\n",
					   (unsigned long long)gfn, gp_slot(v));
			else if (slot_seen[gp_slot(v)]++)
				audit_note(&a,
					   "swap slot %u holds two guest pages\n", gp_slot(v));
			held++;
		}
		if (!gp_is_frame(v))
			continue;
		lab_frame_t f = gp_frame(v);

		resident++;

		if (lab_frame_info(vm->pool, f, &info)) {
			audit_note(&a, "gfn %#llx -> bad frame %u\n",
				   (unsigned long long)gfn, f);
			continue;
		}
		if (seen[f]++)
			audit_note(&a, "frame %u backs two guest pages\n", f);
		if (info.state != LAB_FS_ALLOCATED || !info.exclusive || info.gfn != gfn)
			audit_note(&a,
				   "gfn %#llx -> frame %u, which is %s for gfn %#x\n",
				   (unsigned long long)gfn, f, lab_frame_state_name(info.state),
				   info.gfn);
		/* Owners are per (guest, vCPU): a frame of another guest's in
		 * this one's table would be installed in two guests. */
		else if (!vm_owns(vm, info.owner))
			audit_note(&a, "gfn %#llx -> frame %u, whose owner %u is not this guest's\n",
				   (unsigned long long)gfn, f, info.owner);
	}
	if (resident != atomic_load(&vm->memtune.held))
		audit_note(&a, "the guest holds %llu frames in its table, it is charged %llu\n",
			   (unsigned long long)resident,
			   (unsigned long long)atomic_load(&vm->memtune.held));
	for (uint32_t i = 0; i < slots; i++)
		in_use += slot_used[i];
	if (held != in_use || (vm->swap && in_use != swap_used(vm->swap)))
		audit_note(&a,
			   "the swap store has %u slots in use (it counts %u), the table holds "
			   "%u\n", in_use, vm->swap ? swap_used(vm->swap) : 0, held);
	free(seen);
	free(slot_seen);
	free(slot_used);
	return a.problems ? -EUCLEAN : 0;
}
