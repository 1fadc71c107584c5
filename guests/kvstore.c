/* SPDX-License-Identifier: MIT */
/*
 * kvstore: a key-value store under the core workloads of the YCSB
 * benchmark (Yahoo! Cloud Serving Benchmark): a hash table of records=
 * records (default 100000), each a key and fieldcount= fields of
 * fieldlength= bytes (default 10 of 100, YCSB's record), then
 * operations= operations (default 2000000) on keys drawn from YCSB's
 * Zipfian distribution (zipf.h; zipf= is its theta in thousandths,
 * default 990, YCSB's 0.99), scrambled over the key space as YCSB's
 * "scrambled Zipfian" does (here by a seeded permutation, perm.h, so that
 * no two ranks share a key). workload= picks the mix:
 *
 *   a   50% reads, 50% updates   (YCSB workload A, "update heavy")
 *   b   95% reads,  5% updates   (B, "read mostly")
 *   c  100% reads                (C, "read only")
 *
 * A read returns every field; an update rewrites every field (YCSB's
 * writeallfields=true). The store: an array of bucket heads (a power of
 * two, at least one per record), chains of records allocated one by one
 * from the heap, as a real store's would be, each on the heap cache of
 * the vCPU that loads it. The load phase (YCSB's "load") splits the keys
 * among the vCPUs, which push their records on the chains with a CAS; the
 * run phase splits the operations.
 *
 * Each record has a sequence lock: an update makes its count odd, writes,
 * and makes it even again; a read retries until it copied the fields
 * between two equal even counts. The record's version is its count / 2,
 * and field word j of key k at version v holds hash(k, v) + j * gamma, so
 * every read checks every word it read against what the update of that
 * version wrote. The verification phase finds every key exactly once in
 * the table and nothing else, checks every record the same way, and
 * checks that the versions add up to the updates made (an update lost or
 * a version changed shows there).
 *
 * Figures: ops (operations/s in the run phase), load (records/s in the
 * load phase), reads, updates, read_retries (counts), time.build,
 * time.run, time.verify (ms), heap.*. corrupt=1 flips a bit of one field
 * word of one record after the run phase: the verification reports the
 * key, the word and both values.
 *
 * Result: values[0] = records this vCPU loaded, values[1] = reads,
 * values[2] = updates, values[3] = read retries, values[4] = errors it
 * found (reads and verification).
 */
#include "lab.h"
#include "perm.h"
#include "zipf.h"

#define KV_DEFAULT_RECORDS     100000u
#define KV_DEFAULT_OPERATIONS  2000000u
#define KV_DEFAULT_THETA       990u          /* YCSB's 0.99 */
#define KV_DEFAULT_FIELDS      10u
#define KV_DEFAULT_FIELD_BYTES 100u
#define KV_FIELDS_MAX          1000u
#define KV_FIELD_BYTES_MAX     LAB_PAGE_SIZE
#define KV_PER_MILLE           1000u
#define KV_PRINT_MAX           8u            /* messages about missing keys, per vCPU */
#define KV_STREAM_PERM         0x6b6579u     /* seed streams: "key" */
#define KV_STREAM_HASH         0x686173u     /* "has" */

const char workload_name[] = "kvstore";
const struct lab_arg_spec workload_args[] = {
	{ "workload",    LAB_ARG_STR, "a|b|c" },
	{ "records",     LAB_ARG_U64, NULL },
	{ "operations",  LAB_ARG_U64, NULL },
	{ "zipf",        LAB_ARG_U64, NULL },
	{ "fieldcount",  LAB_ARG_U64, NULL },
	{ "fieldlength", LAB_ARG_U64, NULL },
	LAB_ARG_CORRUPT,
	LAB_ARG_END
};

struct kv_record {
	uint64_t key;
	uint64_t seq;                   /* odd while an update writes; version = seq / 2 */
	struct kv_record *next;         /* the bucket's chain */
	uint64_t words[];               /* the fields */
};

struct kv_store {
	struct kv_record **buckets;
	uint64_t mask;                  /* buckets - 1 */
	uint64_t hash_key;
	uint64_t records, words;        /* keys 0..records-1, words per record */
	struct lab_perm scramble;       /* Zipfian rank -> key */
	uint64_t errors, missing;       /* this vCPU's */
};

static inline uint64_t kv_word(uint64_t key, uint64_t version, uint64_t j)
{
	return lab_hash2(key, version) + j * LAB_GOLDEN_GAMMA;
}

static inline struct kv_record **kv_bucket(const struct kv_store *s, uint64_t key)
{
	return &s->buckets[lab_mix64(key ^ s->hash_key) & s->mask];
}

static struct kv_record *kv_find(const struct kv_store *s, uint64_t key)
{
	struct kv_record *r = __atomic_load_n(kv_bucket(s, key), __ATOMIC_ACQUIRE);

	while (r && r->key != key)
		r = __atomic_load_n(&r->next, __ATOMIC_ACQUIRE);
	return r;
}

static void kv_missing(struct kv_store *s, uint64_t key, const char *when)
{
	if (s->missing++ < KV_PRINT_MAX)
		lab_printf("%s: vCPU %u: key %llu not found in the table (%s)\n", workload_name,
			   lab_vcpu_id(), (unsigned long long)key, when);
	s->errors++;
}

/* Checks the words of key's record, as read at version; counts errors. */
static void kv_check_words(struct kv_store *s, const struct kv_record *r, uint64_t version,
			   const uint64_t *words)
{
	for (uint64_t j = 0; j < s->words; j++) {
		uint64_t want = kv_word(r->key, version, j);

		if (words[j] != want) {
			if (lab_result()->errors < LAB_MISMATCH_PRINT_MAX)
				lab_printf("%s: vCPU %u: key %llu version %llu: field word %llu "
					   "differs\n", workload_name, lab_vcpu_id(),
					   (unsigned long long)r->key, (unsigned long long)version,
					   (unsigned long long)j);
			lab_report_mismatch((uintptr_t)&r->words[j], want, words[j]);
			s->errors++;
		}
	}
}

/* A read: copies the fields between two equal even sequence counts;
 * returns the retries it took. */
static uint64_t kv_read(struct kv_store *s, struct kv_record *r, uint64_t *copy)
{
	uint64_t retries = 0, before, after;

	for (;;) {
		before = __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE);
		if (before & 1) {       /* an update is writing: wait for it */
			lab_cpu_relax();
			continue;
		}
		for (uint64_t j = 0; j < s->words; j++)
			copy[j] = __atomic_load_n(&r->words[j], __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		after = __atomic_load_n(&r->seq, __ATOMIC_RELAXED);
		if (after == before)
			break;
		retries++;      /* an update came in between: copy again */
	}
	kv_check_words(s, r, before / 2, copy);
	return retries;
}

static void kv_update(const struct kv_store *s, struct kv_record *r)
{
	uint64_t seq = __atomic_load_n(&r->seq, __ATOMIC_RELAXED), version;

	for (;;) {
		if (!(seq & 1) && __atomic_compare_exchange_n(&r->seq, &seq, seq + 1, false,
							      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			break;
		lab_cpu_relax();
		seq = __atomic_load_n(&r->seq, __ATOMIC_RELAXED);
	}
	/* The words may not become visible before the odd count. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	version = seq / 2 + 1;
	for (uint64_t j = 0; j < s->words; j++)
		__atomic_store_n(&r->words[j], kv_word(r->key, version, j), __ATOMIC_RELAXED);
	__atomic_store_n(&r->seq, seq + 2, __ATOMIC_RELEASE);
}

static void kv_insert(struct kv_store *s, uint64_t key)
{
	struct kv_record *r = lab_malloc(sizeof(*r) + s->words * sizeof(uint64_t));
	struct kv_record **head = kv_bucket(s, key);

	if (!r)         /* the sizes were checked against the heap beforehand */
		lab_panic("the heap is full at key %llu", (unsigned long long)key);
	r->key = key;
	r->seq = 0;
	for (uint64_t j = 0; j < s->words; j++)
		r->words[j] = kv_word(key, 0, j);
	r->next = __atomic_load_n(head, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(head, &r->next, r, true, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED))
		;
}

/* Every key of [first, end) once in the table, its words as its version
 * says; every record in buckets [bfirst, bend) a key of the store.
 * Returns the sum of the versions of the keys checked. */
static uint64_t kv_verify(struct kv_store *s, uint64_t first, uint64_t end, uint64_t bfirst,
			  uint64_t bend)
{
	uint64_t versions = 0;

	for (uint64_t key = first; key < end; key++) {
		struct kv_record *r = kv_find(s, key), *again;

		if (!r) {
			kv_missing(s, key, "verification");
			continue;
		}
		for (again = r->next; again && again->key != key; again = again->next)
			;
		if (again) {
			lab_printf("%s: key %llu is in the table twice\n", workload_name,
				   (unsigned long long)key);
			s->errors++;
		}
		if (r->seq & 1) {
			lab_printf("%s: key %llu is still locked (sequence %llu)\n", workload_name,
				   (unsigned long long)key, (unsigned long long)r->seq);
			s->errors++;
		}
		versions += r->seq / 2;
		kv_check_words(s, r, r->seq / 2, r->words);
	}
	for (uint64_t b = bfirst; b < bend; b++)
		for (struct kv_record *r = s->buckets[b]; r; r = r->next)
			if (r->key >= s->records || kv_bucket(s, r->key) != &s->buckets[b]) {
				lab_printf("%s: bucket %llu holds a record of key %llu, which does "
					   "not belong there\n", workload_name,
					   (unsigned long long)b, (unsigned long long)r->key);
				s->errors++;
			}
	return versions;
}

int workload_main(void)
{
	struct lab_range ram;
	struct lab_result *result = lab_result();
	struct kv_store s = { 0 };
	uint32_t id = lab_vcpu_id(), nr = lab_nr_vcpus();
	const char *workload = lab_arg_str("workload", "a");
	uint64_t records = lab_arg_u64("records", KV_DEFAULT_RECORDS);
	uint64_t operations = lab_arg_u64("operations", KV_DEFAULT_OPERATIONS);
	uint64_t theta = lab_arg_u64("zipf", KV_DEFAULT_THETA);
	uint64_t fields = lab_arg_u64("fieldcount", KV_DEFAULT_FIELDS);
	uint64_t field_bytes = lab_arg_u64("fieldlength", KV_DEFAULT_FIELD_BYTES);
	uint64_t read_permille, buckets, need, first, end, ops, begin, ticks;
	uint64_t reads = 0, updates = 0, retries = 0, versions, all_updates, all_versions;
	uint64_t all_errors;
	uint64_t *copy;
	struct lab_zipf zipf;
	int status;

	if ((status = lab_range_from_args(&ram)))
		return status;
	if (records == 0 || records > LAB_ZIPF_N_MAX)
		return lab_usage_error("records=%llu: from 1 to %llu", (unsigned long long)records,
				       LAB_ZIPF_N_MAX);
	if (theta >= LAB_ZIPF_THETA_DENOM)
		return lab_usage_error("zipf=%llu: theta in thousandths, below %u (990 is 0.99)",
				       (unsigned long long)theta, LAB_ZIPF_THETA_DENOM);
	if (fields == 0 || fields > KV_FIELDS_MAX || field_bytes == 0 ||
	    field_bytes > KV_FIELD_BYTES_MAX)
		return lab_usage_error("fieldcount=%llu fieldlength=%llu: from 1 to %u fields of "
				       "1 to %llu bytes", (unsigned long long)fields,
				       (unsigned long long)field_bytes, KV_FIELDS_MAX,
				       KV_FIELD_BYTES_MAX);
	read_permille = workload[0] == 'a' ? 500 : workload[0] == 'b' ? 950 : KV_PER_MILLE;
	if ((status = lab_heap_setup(&ram)))
		return status;
	s.records = records;
	s.words = (fields * field_bytes + sizeof(uint64_t) - 1) / sizeof(uint64_t);
	buckets = 1ull << lab_ilog2_ceil(records);
	/* Records, their spans' waste (1/8) and the part-used spans of every
	 * vCPU's cache, the buckets and a copy buffer for each vCPU. */
	need = records * lab_heap_reserved(sizeof(struct kv_record) + s.words * sizeof(uint64_t));
	need += need / 8 + nr * 8 * LAB_PAGE_SIZE + buckets * sizeof(void *) +
		nr * lab_heap_reserved(s.words * sizeof(uint64_t));
	if (need > lab_heap_bytes_free())
		return lab_usage_error("records=%llu of %llu bytes need about %llu MiB; the heap "
				       "has %llu MiB (mib=, --mem)", (unsigned long long)records,
				       (unsigned long long)(s.words * sizeof(uint64_t)),
				       (unsigned long long)(need >> LAB_MIB_SHIFT),
				       (unsigned long long)(lab_heap_bytes_free() >>
							    LAB_MIB_SHIFT));

	/* Load: the buckets, then each vCPU's part of the keys. */
	begin = lab_timed_phase_begin(LAB_PHASE_BUILD);
	s.buckets = lab_zalloc_shared(buckets * sizeof(void *));
	s.mask = buckets - 1;
	s.hash_key = lab_seed_for(KV_STREAM_HASH);
	copy = lab_malloc(s.words * sizeof(uint64_t));
	if (!s.buckets || !copy)
		lab_panic("the heap is full after the check");
	first = lab_split(records, id, nr);
	end = lab_split(records, id + 1, nr);
	lab_touch_phase_begin();
	for (uint64_t key = first; key < end; key++)
		kv_insert(&s, key);
	lab_touch_phase_end();
	lab_perm_init(&s.scramble, records, lab_seed_for(KV_STREAM_PERM));
	/* zeta(records), each vCPU a part of the sum. */
	lab_zipf_init(&zipf, records, (uint32_t)theta,
		      (lab_fx)lab_sum_u64((uint64_t)lab_zeta_sum(first + 1, end + 1,
								 (uint32_t)theta)));
	ticks = lab_timed_phase_end(begin, "time.build");
	lab_metric("load", "records/s", end - first, ticks, 0);

	/* Run: this vCPU's part of the operations. */
	ops = lab_split(operations, id + 1, nr) - lab_split(operations, id, nr);
	begin = lab_timed_phase_begin(LAB_PHASE_RUN);
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t key = lab_perm_at(&s.scramble, lab_zipf_next(&zipf, lab_rand_u64()));
		struct kv_record *r = kv_find(&s, key);

		if (!r) {
			kv_missing(&s, key, "run");
			continue;
		}
		if (lab_rand_below(KV_PER_MILLE) < read_permille) {
			retries += kv_read(&s, r, copy);
			reads++;
		} else {
			kv_update(&s, r);
			updates++;
		}
	}
	ticks = lab_timed_phase_end(begin, "time.run");
	lab_metric("ops", "ops/s", ops, ticks, 0);
	lab_metric("reads", "reads", reads, 0, 0);
	lab_metric("updates", "updates", updates, 0, 0);
	lab_metric("read_retries", "retries", retries, 0, 0);

	if (lab_corrupt_requested() && id == 0) {
		struct kv_record *victim = kv_find(&s, lab_rand_below(records));

		if (victim)
			lab_corrupt_u64(&victim->words[lab_rand_below(s.words)],
					(unsigned)lab_rand_below(64), "a field word");
	}

	begin = lab_timed_phase_begin(LAB_PHASE_VERIFY);
	versions = kv_verify(&s, first, end, lab_split(buckets, id, nr),
			     lab_split(buckets, id + 1, nr));
	lab_timed_phase_end(begin, "time.verify");
	lab_free(copy);
	lab_heap_report();

	all_updates = lab_sum_u64(updates);
	all_versions = lab_sum_u64(versions);
	if (all_versions != all_updates && id == 0) {
		lab_printf("%s: the records' versions add up to %llu, but %llu updates were made\n",
			   workload_name, (unsigned long long)all_versions,
			   (unsigned long long)all_updates);
		s.errors++;
	}
	result->values[0] = end - first;
	result->values[1] = reads;
	result->values[2] = updates;
	result->values[3] = retries;
	result->values[4] = s.errors;
	all_errors = lab_sum_u64(s.errors);
	if (all_errors == 0)
		return LAB_EXIT_OK;
	if (id == 0)
		lab_printf("%s: verification failed: %llu errors (values read or verified that "
			   "differ from what was written, keys missing or misplaced, versions)\n",
			   workload_name, (unsigned long long)all_errors);
	return LAB_EXIT_DATA;
}
