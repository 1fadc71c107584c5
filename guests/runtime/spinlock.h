/* SPDX-License-Identifier: MIT */
/*
 * A test-and-test-and-set spinlock for data shared by vCPUs: a guest has
 * no scheduler to sleep in, so waiters spin (with `pause`) on a plain
 * load until the lock looks free, then try to take it. Not fair; cheap
 * when uncontended. Pure C with GCC atomics: host unit tests include it.
 */
#ifndef LAB_GUEST_SPINLOCK_H
#define LAB_GUEST_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct lab_spinlock {
	uint32_t locked;        /* 0 free, 1 held; zero-initialised is free */
};

static inline bool lab_spin_trylock(struct lab_spinlock *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void lab_spin_lock(struct lab_spinlock *l)
{
	while (!lab_spin_trylock(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__asm__ volatile("pause" : : : "memory");
}

static inline void lab_spin_unlock(struct lab_spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
