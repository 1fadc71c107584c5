/* SPDX-License-Identifier: MIT */
/*
 * bfs: breadth-first search as the Graph500 benchmark runs it.
 *
 * Generation: a Kronecker graph of 2^scale vertices (scale=, default 18)
 * and edgefactor * 2^scale undirected edges (edgefactor=, default 16).
 * Each edge picks one quadrant of the adjacency matrix per bit of its two
 * endpoints, with probabilities a, b, c and d = 1 - a - b - c (a=, b=,
 * c= in thousandths, default Graph500's 570, 190, 190); then the vertex
 * labels are permuted at random (a seeded permutation, perm.h) so that
 * the hubs do not sit at small numbers. Each edge has its own random
 * stream (a hash of seed= and its number), so the graph is the same
 * whatever the number of vCPUs, which split the edges. The edges are
 * independent, so their order is already random (the specification
 * shuffles it).
 *
 * Construction (Graph500's kernel 1): compressed sparse rows, both
 * directions of each edge, self-loops left out (duplicates kept): degrees
 * counted with atomic increments, offsets by a prefix sum (vCPU 0), rows
 * filled through atomic cursors in BFS_FILL_BLOCKS passes over the edges,
 * each filling the rows of one block of vertices (about an eighth of the
 * rows' words), so that the scattered writes of a pass stay within that
 * block, as cache-blocked graph builders do: the edges are read eight
 * times, in order, instead of every row being written all over at once.
 *
 * Search (kernel 2): from roots= roots (default 8; the specification asks
 * for 64), chosen at random among the vertices with an edge, each search
 * level by level: the vCPUs split the frontier, claim each unvisited
 * neighbour with a CAS on its parent, and append it to the next frontier
 * in batches. Timed from the parent array's reset to the last level.
 *
 * Validation after each search, the specification's rules: the root is
 * its own parent; every parent is a vertex or -1; following parents from
 * any vertex of the tree reaches the root (no cycle), which gives each
 * vertex its level, one more than its parent's; every tree edge (a
 * vertex and its parent) is an edge of the input; every input edge joins
 * two vertices whose levels differ by at most one, or two vertices both
 * outside the tree (else a vertex reachable from the root is missing
 * from it). The edges of the input inside the tree are the search's
 * traversed edges.
 *
 * Figures: teps (traversed edges per second: all searches' edges over
 * all searches' time, which is the specification's harmonic mean when
 * every search covers the same component, as searches from the giant
 * component do), traversed_edges, roots, vertices, edges (counts),
 * time.generate, time.construct, time.search, time.validate (ms), heap.*.
 * corrupt=1 flips bit 62 of one parent after the first search, before
 * its validation, which reports a parent that is no vertex.
 *
 * Result: values[0] = edges this vCPU generated, values[1] = errors its
 * validations found, values[2] = traversed edges of all searches.
 */
#include "lab.h"
#include "intmath.h"
#include "perm.h"

#define BFS_DEFAULT_SCALE      18u
#define BFS_SCALE_MIN          1u
#define BFS_SCALE_MAX          30u      /* vertices as 32-bit numbers */
#define BFS_DEFAULT_EDGEFACTOR 16u
#define BFS_EDGEFACTOR_MAX     1024u
#define BFS_DEFAULT_A          570u
#define BFS_DEFAULT_B          190u
#define BFS_DEFAULT_C          190u
#define BFS_PER_MILLE          1000u
#define BFS_DEFAULT_ROOTS      8u
#define BFS_ROOTS_MAX          1024u
#define BFS_ROOT_TRIES         64u      /* random picks per root before giving up */
#define BFS_BATCH              128u     /* frontier appends per atomic add */
#define BFS_FILL_BLOCKS        8u       /* passes of the row fill */
#define BFS_LINE               64u      /* a counter on a cache line of its own */
#define BFS_NO_PARENT          (-1ll)
#define BFS_NO_LEVEL           UINT32_MAX
#define BFS_TREE_EDGE_SEEN     (1u << 31)  /* in level[]: the tree edge is in the input */
#define BFS_LEVEL_MASK         (BFS_TREE_EDGE_SEEN - 1)
#define BFS_CORRUPT_BIT        62u
#define BFS_PRINT_MAX          8u
#define BFS_STREAM_EDGES       0x65646765ull   /* seed streams: "edge" */
#define BFS_STREAM_LABELS      0x6c61626cull   /* "labl" */

const char workload_name[] = "bfs";
const struct lab_arg_spec workload_args[] = {
	{ "scale",      LAB_ARG_U64, NULL },
	{ "edgefactor", LAB_ARG_U64, NULL },
	{ "a",          LAB_ARG_U64, NULL },
	{ "b",          LAB_ARG_U64, NULL },
	{ "c",          LAB_ARG_U64, NULL },
	{ "roots",      LAB_ARG_U64, NULL },
	LAB_ARG_CORRUPT,
	LAB_ARG_END
};

struct bfs_edge {
	uint32_t u, v;
};

struct bfs_graph {
	uint64_t vertices, edges;       /* edges: of the input */
	struct bfs_edge *edge;          /* the input */
	uint64_t *offset;               /* CSR: vertices + 1 row starts */
	uint32_t *adj;
	int64_t *parent;                /* the search's tree */
	uint32_t *queue[2];             /* this level's frontier and the next */
	uint64_t *queue_len[2];         /* their lengths, on cache lines of their own */
	uint32_t *level;                /* validation's levels, BFS_NO_LEVEL outside */
};

struct bfs_share {                      /* this vCPU's parts */
	uint64_t vfirst, vend;          /* of the vertices */
	uint64_t efirst, eend;          /* of the edges */
	uint64_t errors;
};

static void bfs_error(struct bfs_share *me, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void bfs_error(struct bfs_share *me, const char *fmt, ...)
{
	va_list ap;

	if (me->errors++ >= BFS_PRINT_MAX)
		return;
	lab_printf("%s: vCPU %u: ", workload_name, lab_vcpu_id());
	va_start(ap, fmt);
	lab_vprintf(fmt, ap);
	va_end(ap);
	lab_printf("\n");
}

/* ---- generation and construction ---- */

static void bfs_generate(struct bfs_graph *g, const struct bfs_share *me, unsigned scale,
			 const uint32_t quadrant_bound[3])
{
	struct lab_perm labels;
	uint64_t edge_key = lab_seed_for(BFS_STREAM_EDGES);

	lab_perm_init(&labels, g->vertices, lab_seed_for(BFS_STREAM_LABELS));
	for (uint64_t e = me->efirst; e < me->eend; e++) {
		uint64_t state = lab_hash2(edge_key, e), u = 0, v = 0;

		for (unsigned bit = 0; bit < scale; bit++) {
			uint64_t q = lab_scale_u64(lab_splitmix64(&state), BFS_PER_MILLE);

			/* Quadrants a (0,0), b (0,1), c (1,0), d (1,1). */
			u |= (uint64_t)(q >= quadrant_bound[1]) << bit;
			v |= (uint64_t)((q >= quadrant_bound[0] && q < quadrant_bound[1]) ||
					q >= quadrant_bound[2]) << bit;
		}
		g->edge[e].u = (uint32_t)lab_perm_at(&labels, u);
		g->edge[e].v = (uint32_t)lab_perm_at(&labels, v);
	}
}

/* Puts w in v's row if v is in [first, end). */
static inline void bfs_fill(struct bfs_graph *g, uint64_t *cursor, uint32_t v, uint32_t w,
			    uint64_t first, uint64_t end)
{
	if (v >= first && v < end)
		g->adj[g->offset[v] + __atomic_fetch_add(&cursor[v], 1, __ATOMIC_RELAXED)] = w;
}

/* Compressed sparse rows; cursor: a zeroed array of one word a vertex. */
static void bfs_construct(struct bfs_graph *g, const struct bfs_share *me, uint64_t *cursor)
{
	static uint64_t block_start[BFS_FILL_BLOCKS + 1];       /* vertices */

	for (uint64_t e = me->efirst; e < me->eend; e++) {
		const struct bfs_edge *edge = &g->edge[e];

		if (edge->u == edge->v)
			continue;
		__atomic_fetch_add(&g->offset[edge->u + 1], 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&g->offset[edge->v + 1], 1, __ATOMIC_RELAXED);
	}
	lab_barrier();
	if (lab_vcpu_id() == 0) {
		unsigned block = 1;

		for (uint64_t v = 0; v < g->vertices; v++)
			g->offset[v + 1] += g->offset[v];
		/* Block k: the vertices whose rows start in the k-th eighth. */
		block_start[0] = 0;
		for (uint64_t v = 0; v < g->vertices && block < BFS_FILL_BLOCKS; v++)
			while (block < BFS_FILL_BLOCKS &&
			       g->offset[v] >= lab_split(g->offset[g->vertices], block,
							 BFS_FILL_BLOCKS))
				block_start[block++] = v;
		while (block <= BFS_FILL_BLOCKS)
			block_start[block++] = g->vertices;
	}
	lab_barrier();
	for (unsigned block = 0; block < BFS_FILL_BLOCKS; block++) {
		uint64_t first = block_start[block], end = block_start[block + 1];

		for (uint64_t e = me->efirst; e < me->eend && first < end; e++) {
			const struct bfs_edge *edge = &g->edge[e];

			if (edge->u == edge->v)
				continue;
			bfs_fill(g, cursor, edge->u, edge->v, first, end);
			bfs_fill(g, cursor, edge->v, edge->u, first, end);
		}
	}
	lab_barrier();
}

/* ---- search ---- */

static void bfs_flush(struct bfs_graph *g, unsigned next, const uint32_t *batch, uint32_t n)
{
	uint64_t at = __atomic_fetch_add(g->queue_len[next], n, __ATOMIC_RELAXED);

	for (uint32_t i = 0; i < n; i++)
		g->queue[next][at + i] = batch[i];
}

static void bfs_search(struct bfs_graph *g, const struct bfs_share *me, uint64_t root)
{
	uint32_t batch[BFS_BATCH], batched = 0;
	unsigned cur = 0;

	for (uint64_t v = me->vfirst; v < me->vend; v++)
		__atomic_store_n(&g->parent[v], BFS_NO_PARENT, __ATOMIC_RELAXED);
	if (lab_vcpu_id() == 0) {
		*g->queue_len[1] = 0;
		*g->queue_len[0] = 1;
		g->queue[0][0] = (uint32_t)root;
	}
	lab_barrier();
	if (lab_vcpu_id() == 0)
		g->parent[root] = (int64_t)root;
	lab_barrier();
	for (;;) {
		uint64_t len = *g->queue_len[cur];
		uint64_t first = lab_split(len, lab_vcpu_id(), lab_nr_vcpus());
		uint64_t end = lab_split(len, lab_vcpu_id() + 1, lab_nr_vcpus());

		if (len == 0)
			break;
		for (uint64_t i = first; i < end; i++) {
			uint32_t v = g->queue[cur][i];

			for (uint64_t a = g->offset[v]; a < g->offset[v + 1]; a++) {
				uint32_t w = g->adj[a];
				int64_t none = BFS_NO_PARENT;

				int64_t *parent = &g->parent[w];

				/* Read first: most neighbours are claimed already. */
				if (__atomic_load_n(parent, __ATOMIC_RELAXED) != BFS_NO_PARENT)
					continue;
				if (!__atomic_compare_exchange_n(parent, &none, (int64_t)v, false,
								 __ATOMIC_RELAXED,
								 __ATOMIC_RELAXED))
					continue;
				batch[batched++] = w;
				if (batched == BFS_BATCH) {
					bfs_flush(g, cur ^ 1, batch, batched);
					batched = 0;
				}
			}
		}
		if (batched)
			bfs_flush(g, cur ^ 1, batch, batched);
		batched = 0;
		lab_barrier();          /* the next frontier is complete */
		if (lab_vcpu_id() == 0)
			*g->queue_len[cur] = 0;
		cur ^= 1;
		lab_barrier();          /* everyone has read this level's length */
	}
}

/* ---- validation ---- */

static bool bfs_in_tree(const struct bfs_graph *g, uint64_t v)
{
	return g->parent[v] != BFS_NO_PARENT;
}

static uint32_t bfs_level(const struct bfs_graph *g, uint64_t v)
{
	uint32_t l = __atomic_load_n(&g->level[v], __ATOMIC_RELAXED);

	return l == BFS_NO_LEVEL ? l : l & BFS_LEVEL_MASK;
}

/* The specification's checks (see the top); returns the input edges in
 * the tree (every vCPU's part added up). Errors counted in me. */
static uint64_t bfs_validate(struct bfs_graph *g, struct bfs_share *me, uint64_t root)
{
	uint64_t changed, traversed = 0;

	if (lab_vcpu_id() == 0 && g->parent[root] != (int64_t)root)
		bfs_error(me, "root %llu has parent %lld, not itself", (unsigned long long)root,
			  (long long)g->parent[root]);
	for (uint64_t v = me->vfirst; v < me->vend; v++) {
		int64_t p = g->parent[v];

		if (p != BFS_NO_PARENT && (p < 0 || (uint64_t)p >= g->vertices)) {
			bfs_error(me, "vertex %llu has parent %lld, which is no vertex (search "
				  "from %llu)", (unsigned long long)v, (long long)p,
				  (unsigned long long)root);
			g->parent[v] = BFS_NO_PARENT;   /* keep the checks below in bounds */
		}
		g->level[v] = v == root ? 0 : BFS_NO_LEVEL;
	}
	lab_barrier();
	/* Levels down the tree, a pass at a time; stops when a pass adds none. */
	do {
		uint64_t added = 0;

		for (uint64_t v = me->vfirst; v < me->vend; v++) {
			uint32_t pl;

			if (!bfs_in_tree(g, v) || bfs_level(g, v) != BFS_NO_LEVEL)
				continue;
			pl = bfs_level(g, (uint64_t)g->parent[v]);
			if (pl != BFS_NO_LEVEL) {
				__atomic_store_n(&g->level[v], pl + 1, __ATOMIC_RELAXED);
				added++;
			}
		}
		changed = lab_max_u64(added);
	} while (changed);
	for (uint64_t v = me->vfirst; v < me->vend; v++)
		if (bfs_in_tree(g, v) && bfs_level(g, v) == BFS_NO_LEVEL)
			bfs_error(me, "vertex %llu is in the tree, but its parents do not lead to "
				  "root %llu (a cycle)", (unsigned long long)v,
				  (unsigned long long)root);
	/* Every input edge: levels at most one apart, or both outside; and
	 * mark the tree edges found in the input. */
	for (uint64_t e = me->efirst; e < me->eend; e++) {
		uint32_t u = g->edge[e].u, v = g->edge[e].v;
		uint32_t lu = bfs_level(g, u), lv = bfs_level(g, v);

		if ((lu == BFS_NO_LEVEL) != (lv == BFS_NO_LEVEL)) {
			bfs_error(me, "edge %u-%u: vertex %u is reachable from root %llu but "
				  "not in its tree", u, v, lu == BFS_NO_LEVEL ? u : v,
				  (unsigned long long)root);
			continue;
		}
		if (lu == BFS_NO_LEVEL)
			continue;
		traversed++;
		if (lu > lv + 1 || lv > lu + 1)
			bfs_error(me, "edge %u-%u joins levels %u and %u (search from %llu)", u,
				  v, lu, lv, (unsigned long long)root);
		if (g->parent[u] == (int64_t)v)
			__atomic_fetch_or(&g->level[u], BFS_TREE_EDGE_SEEN, __ATOMIC_RELAXED);
		if (g->parent[v] == (int64_t)u)
			__atomic_fetch_or(&g->level[v], BFS_TREE_EDGE_SEEN, __ATOMIC_RELAXED);
	}
	lab_barrier();
	for (uint64_t v = me->vfirst; v < me->vend; v++)
		if (v != root && bfs_in_tree(g, v) && g->level[v] != BFS_NO_LEVEL &&
		    !(g->level[v] & BFS_TREE_EDGE_SEEN))
			bfs_error(me, "tree edge %llu-%lld is not an edge of the input",
				  (unsigned long long)v, (long long)g->parent[v]);
	return lab_sum_u64(traversed);
}

/* vCPU 0 picks a root with an edge, not picked before; the same for all. */
static uint64_t bfs_pick_root(const struct bfs_graph *g, const uint64_t *picked, uint64_t n)
{
	uint64_t root = UINT64_MAX;

	for (unsigned t = 0; lab_vcpu_id() == 0 && t < BFS_ROOT_TRIES && root == UINT64_MAX; t++) {
		uint64_t v = lab_rand_below(g->vertices);
		bool again = false;

		for (uint64_t i = 0; i < n; i++)
			again |= picked[i] == v;
		if (!again && g->offset[v + 1] > g->offset[v])
			root = v;
	}
	return lab_broadcast_u64(root);
}

static void *bfs_zalloc(uint64_t bytes, bool *failed)
{
	void *p = lab_zalloc_shared(bytes);

	*failed |= p == NULL;
	return p;
}

int workload_main(void)
{
	static uint64_t picked[BFS_ROOTS_MAX];
	struct lab_range ram;
	struct lab_result *result = lab_result();
	struct bfs_graph g = { 0 };
	struct bfs_share me = { 0 };
	uint32_t id = lab_vcpu_id(), nr = lab_nr_vcpus();
	uint64_t scale = lab_arg_u64("scale", BFS_DEFAULT_SCALE);
	uint64_t edgefactor = lab_arg_u64("edgefactor", BFS_DEFAULT_EDGEFACTOR);
	uint64_t a = lab_arg_u64("a", BFS_DEFAULT_A), b = lab_arg_u64("b", BFS_DEFAULT_B);
	uint64_t c = lab_arg_u64("c", BFS_DEFAULT_C);
	uint64_t roots = lab_arg_u64("roots", BFS_DEFAULT_ROOTS);
	uint64_t begin, search_ticks = 0, validate_ticks = 0, traversed = 0, searched = 0, errors;
	uint32_t quadrant_bound[3];
	uint64_t *cursor;
	bool failed = false;
	int status;

	if ((status = lab_range_from_args(&ram)))
		return status;
	if (scale < BFS_SCALE_MIN || scale > BFS_SCALE_MAX)
		return lab_usage_error("scale=%llu: 2^scale vertices, scale from %u to %u",
				       (unsigned long long)scale, BFS_SCALE_MIN, BFS_SCALE_MAX);
	if (edgefactor == 0 || edgefactor > BFS_EDGEFACTOR_MAX)
		return lab_usage_error("edgefactor=%llu: from 1 to %u",
				       (unsigned long long)edgefactor, BFS_EDGEFACTOR_MAX);
	if (a > BFS_PER_MILLE || b > BFS_PER_MILLE || c > BFS_PER_MILLE ||
	    a + b + c > BFS_PER_MILLE)
		return lab_usage_error("a=%llu b=%llu c=%llu: probabilities in thousandths, adding "
				       "up to at most 1000 (d is the rest)", (unsigned long long)a,
				       (unsigned long long)b, (unsigned long long)c);
	if (roots == 0 || roots > BFS_ROOTS_MAX)
		return lab_usage_error("roots=%llu: from 1 to %u", (unsigned long long)roots,
				       BFS_ROOTS_MAX);
	quadrant_bound[0] = (uint32_t)a;
	quadrant_bound[1] = (uint32_t)(a + b);
	quadrant_bound[2] = (uint32_t)(a + b + c);
	if ((status = lab_heap_setup(&ram)))
		return status;
	g.vertices = 1ull << scale;
	g.edges = edgefactor << scale;
	me.vfirst = lab_split(g.vertices, id, nr);
	me.vend = lab_split(g.vertices, id + 1, nr);
	me.efirst = lab_split(g.edges, id, nr);
	me.eend = lab_split(g.edges, id + 1, nr);

	begin = lab_timed_phase_begin(LAB_PHASE_BUILD);
	g.edge = bfs_zalloc(g.edges * sizeof(*g.edge), &failed);
	if (failed)
		return lab_usage_error("scale=%llu edgefactor=%llu: %llu edges do not fit in the "
				       "heap (mib=, --mem)", (unsigned long long)scale,
				       (unsigned long long)edgefactor, (unsigned long long)g.edges);
	lab_touch_phase_begin();
	bfs_generate(&g, &me, (unsigned)scale, quadrant_bound);
	lab_touch_phase_end();
	lab_timed_phase_end(begin, "time.generate");

	begin = lab_timed_phase_begin(LAB_PHASE_BUILD);
	g.offset = bfs_zalloc((g.vertices + 1) * sizeof(*g.offset), &failed);
	cursor = bfs_zalloc(g.vertices * sizeof(*cursor), &failed);
	g.adj = bfs_zalloc(2 * g.edges * sizeof(*g.adj), &failed);
	if (failed)
		return lab_usage_error("scale=%llu edgefactor=%llu: the graph's rows do not fit in "
				       "the heap (mib=, --mem)", (unsigned long long)scale,
				       (unsigned long long)edgefactor);
	bfs_construct(&g, &me, cursor);
	lab_free_shared(cursor);
	lab_timed_phase_end(begin, "time.construct");

	/* The search's arrays: the parents reuse the cursors' pages. */
	g.parent = bfs_zalloc(g.vertices * sizeof(*g.parent), &failed);
	g.queue[0] = bfs_zalloc(g.vertices * sizeof(uint32_t), &failed);
	g.queue[1] = bfs_zalloc(g.vertices * sizeof(uint32_t), &failed);
	g.queue_len[0] = bfs_zalloc(BFS_LINE, &failed);       /* 64-byte class: aligned */
	g.queue_len[1] = bfs_zalloc(BFS_LINE, &failed);
	g.level = bfs_zalloc(g.vertices * sizeof(*g.level), &failed);
	if (failed)
		return lab_usage_error("scale=%llu: the search's arrays do not fit in the heap "
				       "(mib=, --mem)", (unsigned long long)scale);

	for (uint64_t r = 0; r < roots; r++) {
		uint64_t root = bfs_pick_root(&g, picked, r);

		if (root == UINT64_MAX) {
			if (id == 0)
				lab_printf("%s: no root with an edge left after %llu searches\n",
					   workload_name, (unsigned long long)r);
			break;
		}
		if (id == 0)
			picked[r] = root;
		begin = lab_timed_phase_begin(LAB_PHASE_RUN);
		bfs_search(&g, &me, root);
		search_ticks += lab_rdtsc() - begin;

		if (r == 0 && id == 0 && lab_corrupt_requested()) {
			uint64_t v = lab_rand_below(g.vertices);

			while (v == root || g.parent[v] == BFS_NO_PARENT)
				v = (v + 1) % g.vertices;
			lab_corrupt_u64((uint64_t *)&g.parent[v], BFS_CORRUPT_BIT, "a parent");
		}
		begin = lab_timed_phase_begin(LAB_PHASE_VERIFY);
		traversed += bfs_validate(&g, &me, root);
		validate_ticks += lab_timed_phase_end(begin, NULL);
		searched++;
	}
	lab_metric_ms("time.search", search_ticks);
	lab_metric_ms("time.validate", validate_ticks);
	if (id == 0) {
		lab_metric("teps", "TEPS", traversed, search_ticks, 0);
		lab_metric("traversed_edges", "edges", traversed, 0, 0);
		lab_metric("roots", "searches", searched, 0, 0);
		lab_metric("vertices", "vertices", g.vertices, 0, 0);
		lab_metric("edges", "edges", g.edges, 0, 0);
	}
	lab_heap_report();

	result->values[0] = me.eend - me.efirst;
	result->values[1] = me.errors;
	result->values[2] = traversed;
	errors = lab_sum_u64(me.errors);
	if (errors == 0)
		return LAB_EXIT_OK;
	if (id == 0)
		lab_printf("%s: validation failed: %llu errors in the search trees (the first of "
			   "each vCPU above)\n", workload_name, (unsigned long long)errors);
	return LAB_EXIT_DATA;
}
