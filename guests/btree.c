/* SPDX-License-Identifier: MIT */
/*
 * btree: a B+tree index of keys= keys (default 2000000) of order= m
 * (default 64: every node holds up to m - 1 keys, an inner node up to m
 * children; a node of order 64 is 1 KiB). Keys are the odd numbers
 * 1, 3, ..., 2 * keys - 1 (so the even ones are known to be absent), each
 * with the value hash(seed, key); they go in in a seeded random order (a
 * permutation, perm.h). Nodes come from the heap one by one, as a real
 * index's would.
 *
 * Phases:
 *   build   inserts: the vCPUs split the insertion order; the tree has one
 *           lock (a spinlock), taken for each insert, so vCPUs take turns.
 *           A full leaf splits into halves (the left one keeps the larger
 *           half) and its right half's first key goes up; a full inner
 *           node splits the same way around its middle key; a full root
 *           grows the tree by a level. Leaves are chained left to right.
 *   run     lookups= point lookups (default keys), one in
 *           LOOKUP_ABSENT_EVERY of an absent key, then scans= range scans
 *           (default keys / 100) of 1 to scan_length= keys (default 100,
 *           uniform: YCSB workload E's scans) along the leaf chain, from
 *           a random key; the vCPUs split both, without locks (the tree
 *           no longer changes). Every value found, every absent key and
 *           every key a scan returns is checked against what was
 *           inserted.
 *   verify  the whole structure, by vCPU 0: every key in order across
 *           the tree (so exactly the keys inserted, each once, with its
 *           value), each node's keys inside the bounds its parent gives,
 *           fill (a non-root leaf at least floor(m / 2) keys, a non-root
 *           inner node at least ceil(m / 2) children, the root at least
 *           2), every leaf at the same depth, the depth within what m and
 *           the number of leaves allow, and the leaf chain visiting the
 *           leaves in the tree's order and ending at the last one.
 *
 * Figures: inserts (inserts/s), lookups (lookups/s), scans (scans/s),
 * scanned_keys, depth, leaves, nodes (counts), time.build, time.run,
 * time.verify (ms), heap.*. corrupt=1 flips a bit of one key in a leaf
 * between the inserts and the lookups: the lookups and the verification
 * report what they find instead.
 *
 * Result: values[0] = keys this vCPU inserted, values[1] = lookups,
 * values[2] = scans, values[3] = errors its lookups and scans found,
 * values[4] = the tree's depth.
 */
#include "lab.h"
#include "heap.h"
#include "perm.h"
#include "spinlock.h"

#define BT_DEFAULT_KEYS        2000000u
#define BT_DEFAULT_ORDER       64u
#define BT_ORDER_MIN           3u
#define BT_ORDER_MAX           256u
#define BT_DEPTH_MAX           64u          /* a branching of 2 or more, 64-bit keys */
#define BT_DEFAULT_SCAN_LENGTH 100u         /* YCSB's maximum scan length */
#define BT_SCANS_PER_KEYS      100u         /* default scans: keys / 100 */
#define BT_LOOKUP_ABSENT_EVERY 8u
#define BT_KEYS_MAX            (1ull << 40)
#define BT_PRINT_MAX           8u
#define BT_STREAM_ORDER        0x6f72646572ull  /* seed streams: "order" */
#define BT_STREAM_VALUE        0x76616cull      /* "val" */

const char workload_name[] = "btree";
const struct lab_arg_spec workload_args[] = {
	{ "keys",        LAB_ARG_U64, NULL },
	{ "order",       LAB_ARG_U64, NULL },
	{ "lookups",     LAB_ARG_U64, NULL },
	{ "scans",       LAB_ARG_U64, NULL },
	{ "scan_length", LAB_ARG_U64, NULL },
	LAB_ARG_CORRUPT,
	LAB_ARG_END
};

/*
 * A node: its header, then m - 1 keys, then in a leaf m - 1 values and
 * the next leaf, in an inner node m children: 16 * m bytes either way.
 */
struct bt_node {
	uint32_t nkeys;
	uint32_t leaf;
	uint64_t slots[];
};

struct bt_tree {
	struct lab_spinlock lock;
	uint32_t order;
	uint32_t depth;                 /* levels: 1 = the root is a leaf */
	struct bt_node *root;
	uint64_t value_key;             /* values are hash(value_key, key) */
	uint64_t nodes;
};

struct bt_verify {
	const struct bt_tree *t;
	uint64_t next_index;            /* the index of the key expected next */
	uint64_t keys;
	struct bt_node *last_leaf;
	uint64_t leaves, nodes, errors;
};

static inline uint64_t *bt_keys(struct bt_node *n)
{
	return n->slots;
}

static inline uint64_t *bt_values(const struct bt_tree *t, struct bt_node *n)
{
	return n->slots + t->order - 1;
}

static inline struct bt_node **bt_next_leaf(const struct bt_tree *t, struct bt_node *n)
{
	return (struct bt_node **)&n->slots[2 * (t->order - 1)];
}

static inline struct bt_node **bt_children(const struct bt_tree *t, struct bt_node *n)
{
	return (struct bt_node **)(n->slots + t->order - 1);
}

static inline uint64_t bt_key(uint64_t index)
{
	return 2 * index + 1;
}

static inline uint64_t bt_value(const struct bt_tree *t, uint64_t key)
{
	return lab_hash2(t->value_key, key);
}

static uint64_t bt_node_bytes(uint32_t order)
{
	return sizeof(struct bt_node) + (2 * (uint64_t)order - 1) * sizeof(uint64_t);
}

static struct bt_node *bt_node_new(struct bt_tree *t, bool leaf)
{
	struct bt_node *n = lab_malloc(bt_node_bytes(t->order));

	if (!n)         /* bt_room_for_insert() said there was room */
		lab_panic("the heap is full at node %llu", (unsigned long long)t->nodes);
	n->nkeys = 0;
	n->leaf = leaf;
	t->nodes++;
	return n;
}

/* The first slot whose key is >= key (lower bound), by binary search. */
static uint32_t bt_lower_bound(struct bt_node *n, uint64_t key)
{
	uint32_t lo = 0, hi = n->nkeys;
	const uint64_t *keys = bt_keys(n);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (keys[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The child of an inner node to descend to for key: keys equal to a
 * separator live to its right. */
static uint32_t bt_child_index(struct bt_node *n, uint64_t key)
{
	uint32_t i = bt_lower_bound(n, key);

	return i < n->nkeys && bt_keys(n)[i] == key ? i + 1 : i;
}

/* Inserts (key, child) after slot at of an inner node with room. */
static void bt_inner_put(const struct bt_tree *t, struct bt_node *n, uint32_t at, uint64_t key,
			 struct bt_node *child)
{
	uint64_t *keys = bt_keys(n);
	struct bt_node **children = bt_children(t, n);

	for (uint32_t i = n->nkeys; i > at; i--) {
		keys[i] = keys[i - 1];
		children[i + 1] = children[i];
	}
	keys[at] = key;
	children[at + 1] = child;
	n->nkeys++;
}

/*
 * Adds separator key and the new node right after path[level]'s child
 * idx[level]: into the inner node there if it has room, else splits it
 * and goes up; above the root, a new root.
 */
static void bt_insert_up(struct bt_tree *t, struct bt_node **path, const uint32_t *idx,
			 int level, uint64_t key, struct bt_node *right)
{
	const uint32_t m = t->order;

	for (; level >= 0; level--) {
		struct bt_node *n = path[level], *sibling;
		uint64_t keys[BT_ORDER_MAX];                    /* m keys */
		struct bt_node *children[BT_ORDER_MAX + 1];     /* m + 1 children */
		uint32_t at = idx[level], half;

		if (n->nkeys < m - 1) {
			bt_inner_put(t, n, at, key, right);
			return;
		}
		for (uint32_t i = 0, j = 0; i < m; i++)
			keys[i] = i == at ? key : bt_keys(n)[j++];
		for (uint32_t i = 0, j = 0; i <= m; i++)
			children[i] = i == at + 1 ? right : bt_children(t, n)[j++];
		/* half children stay, the key between the halves goes up. */
		half = (m + 2) / 2;
		sibling = bt_node_new(t, false);
		n->nkeys = half - 1;
		sibling->nkeys = m - half;
		for (uint32_t i = 0; i < half - 1; i++)
			bt_keys(n)[i] = keys[i];
		for (uint32_t i = 0; i < half; i++)
			bt_children(t, n)[i] = children[i];
		for (uint32_t i = 0; i < m - half; i++)
			bt_keys(sibling)[i] = keys[half + i];
		for (uint32_t i = 0; i <= m - half; i++)
			bt_children(t, sibling)[i] = children[half + i];
		key = keys[half - 1];
		right = sibling;
	}
	/* The root split: a new root above the two halves. */
	{
		struct bt_node *root = bt_node_new(t, false);

		root->nkeys = 1;
		bt_keys(root)[0] = key;
		bt_children(t, root)[0] = t->root;
		bt_children(t, root)[1] = right;
		t->root = root;
		t->depth++;
	}
}

/* Whether the frontier has room for the nodes an insert may make (one
 * per level and a new root), each perhaps in a span of its own. */
static bool bt_room_for_insert(const struct bt_tree *t)
{
	return lab_heap_bytes_free() >= (t->depth + 1ull) * LAB_HEAP_SPAN_PAGES_MAX * LAB_PAGE_SIZE;
}

/* Inserts key (or sets its value); false, and nothing done, when the
 * heap might not hold the nodes it could make. */
static bool bt_insert(struct bt_tree *t, uint64_t key, uint64_t value)
{
	const uint32_t m = t->order;
	struct bt_node *path[BT_DEPTH_MAX], *leaf = t->root, *right;
	uint32_t idx[BT_DEPTH_MAX], at, half;
	uint64_t keys[BT_ORDER_MAX], values[BT_ORDER_MAX];   /* m of each */
	int level = 0;

	if (!bt_room_for_insert(t))
		return false;
	for (; !leaf->leaf; level++) {
		path[level] = leaf;
		idx[level] = bt_child_index(leaf, key);
		leaf = bt_children(t, leaf)[idx[level]];
	}
	at = bt_lower_bound(leaf, key);
	if (at < leaf->nkeys && bt_keys(leaf)[at] == key) {
		bt_values(t, leaf)[at] = value;
		return true;
	}
	if (leaf->nkeys < m - 1) {
		for (uint32_t i = leaf->nkeys; i > at; i--) {
			bt_keys(leaf)[i] = bt_keys(leaf)[i - 1];
			bt_values(t, leaf)[i] = bt_values(t, leaf)[i - 1];
		}
		bt_keys(leaf)[at] = key;
		bt_values(t, leaf)[at] = value;
		leaf->nkeys++;
		return true;
	}
	/* Full: m keys in all, the left leaf keeps ceil(m / 2). */
	for (uint32_t i = 0, j = 0; i < m; i++) {
		keys[i] = i == at ? key : bt_keys(leaf)[j];
		values[i] = i == at ? value : bt_values(t, leaf)[j];
		j += i != at;
	}
	half = (m + 1) / 2;
	right = bt_node_new(t, true);
	leaf->nkeys = half;
	right->nkeys = m - half;
	for (uint32_t i = 0; i < half; i++) {
		bt_keys(leaf)[i] = keys[i];
		bt_values(t, leaf)[i] = values[i];
	}
	for (uint32_t i = 0; i < m - half; i++) {
		bt_keys(right)[i] = keys[half + i];
		bt_values(t, right)[i] = values[half + i];
	}
	*bt_next_leaf(t, right) = *bt_next_leaf(t, leaf);
	*bt_next_leaf(t, leaf) = right;
	bt_insert_up(t, path, idx, level - 1, bt_keys(right)[0], right);
	return true;
}

/* The leaf where key is or would be, and its slot there. */
static struct bt_node *bt_find_leaf(const struct bt_tree *t, uint64_t key, uint32_t *slot)
{
	struct bt_node *n = t->root;

	while (!n->leaf)
		n = bt_children(t, n)[bt_child_index(n, key)];
	*slot = bt_lower_bound(n, key);
	return n;
}

static bool bt_lookup(const struct bt_tree *t, uint64_t key, uint64_t *value)
{
	uint32_t slot;
	struct bt_node *leaf = bt_find_leaf(t, key, &slot);

	if (slot == leaf->nkeys || bt_keys(leaf)[slot] != key)
		return false;
	*value = bt_values(t, leaf)[slot];
	return true;
}

static void bt_error(uint64_t *errors, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void bt_error(uint64_t *errors, const char *fmt, ...)
{
	va_list ap;

	if ((*errors)++ >= BT_PRINT_MAX)
		return;
	lab_printf("%s: vCPU %u: ", workload_name, lab_vcpu_id());
	va_start(ap, fmt);
	lab_vprintf(fmt, ap);
	va_end(ap);
	lab_printf("\n");
}

/* Scans up to length keys from the start'th, checking each; returns the
 * keys scanned. */
static uint64_t bt_scan(const struct bt_tree *t, uint64_t start, uint64_t length, uint64_t keys,
			uint64_t *errors)
{
	uint32_t slot;
	struct bt_node *leaf = bt_find_leaf(t, bt_key(start), &slot);
	uint64_t got = 0, want = keys - start < length ? keys - start : length;

	while (leaf && got < length) {
		for (; slot < leaf->nkeys && got < length; slot++, got++) {
			uint64_t key = bt_keys(leaf)[slot];

			uint64_t value = bt_values(t, leaf)[slot];

			if (key != bt_key(start + got) || value != bt_value(t, key)) {
				bt_error(errors, "a scan from key %llu returned key %llu (value "
					 "%#llx) where key %llu (value %#llx) belongs",
					 (unsigned long long)bt_key(start), (unsigned long long)key,
					 (unsigned long long)value,
					 (unsigned long long)bt_key(start + got),
					 (unsigned long long)bt_value(t, bt_key(start + got)));
				return got;
			}
		}
		leaf = *bt_next_leaf(t, leaf);
		slot = 0;
	}
	if (got != want)
		bt_error(errors, "a scan of %llu keys from key %llu returned %llu",
			 (unsigned long long)length, (unsigned long long)bt_key(start),
			 (unsigned long long)got);
	return got;
}

/* ---- verification ---- */

/* Checks the subtree of n at level (0: the root): its keys in [lo, hi)
 * (hi 0: none), in order, as many as a node may have. */
static void bt_verify_node(struct bt_verify *v, struct bt_node *n, uint32_t level, uint64_t lo,
			   uint64_t hi)
{
	const struct bt_tree *t = v->t;
	const uint32_t m = t->order;
	bool root = level == 0;
	uint64_t *keys = bt_keys(n);

	v->nodes++;
	if (level >= t->depth) {
		bt_error(&v->errors, "a node below the tree's depth %u", t->depth);
		return;
	}
	if (n->nkeys > m - 1) {
		bt_error(&v->errors, "a node at level %u holds %u keys, more than %u", level,
			 n->nkeys, m - 1);
		return;
	}
	for (uint32_t i = 0; i < n->nkeys; i++)
		if (keys[i] < lo || (hi && keys[i] >= hi) || (i && keys[i] <= keys[i - 1]))
			bt_error(&v->errors, "key %llu at level %u, slot %u: out of order or "
				 "outside its parent's bounds [%llu, %llu)",
				 (unsigned long long)keys[i], level, i, (unsigned long long)lo,
				 (unsigned long long)hi);
	if (n->leaf) {
		if (level != t->depth - 1)
			bt_error(&v->errors, "a leaf at level %u, not %u", level, t->depth - 1);
		if (!root && n->nkeys < m / 2)
			bt_error(&v->errors, "a leaf holds %u keys, fewer than %u", n->nkeys,
				 m / 2);
		if (v->last_leaf && *bt_next_leaf(t, v->last_leaf) != n)
			bt_error(&v->errors, "the leaf chain does not go from leaf %llu to the "
				 "next leaf in the tree", (unsigned long long)v->leaves - 1);
		v->last_leaf = n;
		v->leaves++;
		for (uint32_t i = 0; i < n->nkeys; i++, v->next_index++) {
			uint64_t want = bt_key(v->next_index);

			if (keys[i] != want || bt_values(t, n)[i] != bt_value(t, keys[i]))
				bt_error(&v->errors, "leaf slot %u holds key %llu, value %#llx; "
					 "in order, key %llu with value %#llx belongs there", i,
					 (unsigned long long)keys[i],
					 (unsigned long long)bt_values(t, n)[i],
					 (unsigned long long)want,
					 (unsigned long long)bt_value(t, want));
		}
		return;
	}
	if (n->nkeys + 1 < (root ? 2 : (m + 1) / 2)) {
		bt_error(&v->errors, "an inner node at level %u has %u children, fewer than %u",
			 level, n->nkeys + 1, root ? 2 : (m + 1) / 2);
		return;
	}
	for (uint32_t i = 0; i <= n->nkeys; i++)
		bt_verify_node(v, bt_children(t, n)[i], level + 1, i ? keys[i - 1] : lo,
			       i < n->nkeys ? keys[i] : hi);
}

/* a * b, saturating. */
static uint64_t bt_mul_sat(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

static uint64_t bt_pow_sat(uint64_t base, uint32_t exp)
{
	uint64_t r = 1;

	while (exp--)
		r = bt_mul_sat(r, base);
	return r;
}

static uint64_t bt_verify(const struct bt_tree *t, uint64_t keys)
{
	struct bt_verify v = { .t = t };
	const uint32_t m = t->order, d = t->depth;

	bt_verify_node(&v, t->root, 0, 0, 0);
	if (v.last_leaf && *bt_next_leaf(t, v.last_leaf))
		bt_error(&v.errors, "the leaf chain goes on past the last leaf");
	if (v.next_index != keys)
		bt_error(&v.errors, "the tree holds %llu keys in order, not %llu",
			 (unsigned long long)v.next_index, (unsigned long long)keys);
	if (v.nodes != t->nodes)
		bt_error(&v.errors, "%llu nodes reachable, %llu made", (unsigned long long)v.nodes,
			 (unsigned long long)t->nodes);
	/* With d levels: from 2 * ceil(m/2)^(d-2) to m^(d-1) leaves. */
	if (d >= 2 && (v.leaves < bt_mul_sat(2, bt_pow_sat((m + 1) / 2, d - 2)) ||
		       v.leaves > bt_pow_sat(m, d - 1)))
		bt_error(&v.errors, "%llu leaves in %u levels: not what order %u allows",
			 (unsigned long long)v.leaves, d, m);
	lab_metric("depth", "levels", d, 0, 0);
	lab_metric("leaves", "leaves", v.leaves, 0, 0);
	lab_metric("nodes", "nodes", v.nodes, 0, 0);
	return v.errors;
}

int workload_main(void)
{
	static struct bt_tree tree;     /* shared: the image's data */
	struct lab_range ram;
	struct lab_result *result = lab_result();
	struct lab_perm order;
	uint32_t id = lab_vcpu_id(), nr = lab_nr_vcpus();
	uint64_t keys = lab_arg_u64("keys", BT_DEFAULT_KEYS);
	uint64_t m = lab_arg_u64("order", BT_DEFAULT_ORDER);
	uint64_t lookups = lab_arg_u64("lookups", keys);
	uint64_t scans = lab_arg_u64("scans", keys / BT_SCANS_PER_KEYS);
	uint64_t scan_length = lab_arg_u64("scan_length", BT_DEFAULT_SCAN_LENGTH);
	uint64_t first, end, count, begin, run_begin, ticks, errors = 0, scanned = 0;
	uint64_t all_errors, inserted = 0;
	bool full = false;
	int status;

	if ((status = lab_range_from_args(&ram)))
		return status;
	if (keys == 0 || keys > BT_KEYS_MAX)
		return lab_usage_error("keys=%llu: from 1 to %llu", (unsigned long long)keys,
				       BT_KEYS_MAX);
	if (m < BT_ORDER_MIN || m > BT_ORDER_MAX)
		return lab_usage_error("order=%llu: from %u to %u", (unsigned long long)m,
				       BT_ORDER_MIN, BT_ORDER_MAX);
	if (scan_length == 0)
		return lab_usage_error("scan_length=0: scans of at least one key");
	if ((status = lab_heap_setup(&ram)))
		return status;
	if (id == 0) {
		tree.order = (uint32_t)m;
		tree.value_key = lab_seed_for(BT_STREAM_VALUE);
		tree.root = bt_node_new(&tree, true);
		tree.depth = 1;
	}
	lab_perm_init(&order, keys, lab_seed_for(BT_STREAM_ORDER));
	first = lab_split(keys, id, nr);
	end = lab_split(keys, id + 1, nr);
	begin = lab_timed_phase_begin(LAB_PHASE_BUILD);
	lab_touch_phase_begin();
	for (uint64_t i = first; i < end && !full; i++) {
		uint64_t key = bt_key(lab_perm_at(&order, i));

		lab_spin_lock(&tree.lock);
		full = !bt_insert(&tree, key, bt_value(&tree, key));
		lab_spin_unlock(&tree.lock);
		inserted += !full;
	}
	lab_touch_phase_end();
	ticks = lab_timed_phase_end(begin, "time.build");
	inserted = lab_sum_u64(inserted);
	if (inserted < keys)
		return lab_usage_error("keys=%llu order=%llu do not fit: the heap filled up after "
				       "%llu keys (%llu MiB of guest RAM: mib=, --mem)",
				       (unsigned long long)keys, (unsigned long long)m,
				       (unsigned long long)inserted,
				       (unsigned long long)(ram.pages >> (LAB_MIB_SHIFT -
									  LAB_PAGE_SHIFT)));
	lab_metric("inserts", "inserts/s", end - first, ticks, 0);

	if (lab_corrupt_requested() && id == 0) {
		struct bt_node *n = tree.root;

		while (!n->leaf)
			n = bt_children(&tree, n)[lab_rand_below(n->nkeys + 1)];
		if (n->nkeys)
			lab_corrupt_u64(&bt_keys(n)[lab_rand_below(n->nkeys)], 1,
					"a key in a leaf");
	}

	run_begin = lab_timed_phase_begin(LAB_PHASE_RUN);
	begin = run_begin;
	count = lab_split(lookups, id + 1, nr) - lab_split(lookups, id, nr);
	for (uint64_t i = 0; i < count; i++) {
		uint64_t index = lab_rand_below(keys), value;

		if (i % BT_LOOKUP_ABSENT_EVERY == 0) {
			if (bt_lookup(&tree, bt_key(index) + 1, &value))
				bt_error(&errors, "absent key %llu found, value %#llx",
					 (unsigned long long)(bt_key(index) + 1),
					 (unsigned long long)value);
		} else if (!bt_lookup(&tree, bt_key(index), &value)) {
			bt_error(&errors, "key %llu not found", (unsigned long long)bt_key(index));
		} else if (value != bt_value(&tree, bt_key(index))) {
			bt_error(&errors, "key %llu has value %#llx, not %#llx",
				 (unsigned long long)bt_key(index), (unsigned long long)value,
				 (unsigned long long)bt_value(&tree, bt_key(index)));
		}
	}
	ticks = lab_rdtsc() - begin;
	lab_barrier();
	lab_metric("lookups", "lookups/s", count, ticks, 0);
	result->values[1] = count;
	count = lab_split(scans, id + 1, nr) - lab_split(scans, id, nr);
	begin = lab_rdtsc();
	for (uint64_t i = 0; i < count; i++)
		scanned += bt_scan(&tree, lab_rand_below(keys), 1 + lab_rand_below(scan_length),
				   keys, &errors);
	ticks = lab_rdtsc() - begin;
	lab_metric("scans", "scans/s", count, ticks, 0);
	lab_metric("scanned_keys", "keys", scanned, 0, 0);
	lab_timed_phase_end(run_begin, "time.run");

	begin = lab_timed_phase_begin(LAB_PHASE_VERIFY);
	result->values[3] = errors;
	if (id == 0)
		errors += bt_verify(&tree, keys);
	lab_timed_phase_end(begin, "time.verify");
	lab_heap_report();

	result->values[0] = end - first;
	result->values[2] = count;
	result->values[4] = tree.depth;
	all_errors = lab_sum_u64(errors);
	if (all_errors == 0)
		return LAB_EXIT_OK;
	if (id == 0)
		lab_printf("%s: verification failed: %llu errors in lookups, scans and the "
			   "tree's structure (the first of each vCPU above)\n", workload_name,
			   (unsigned long long)all_errors);
	return LAB_EXIT_DATA;
}
