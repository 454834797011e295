// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_bench: goalloc against the kernel's own allocator (SLUB on
 * Debian's kernels), with the same loops, the same sizes and the same data,
 * in one boot. scripts/bench.sh loads it on Debian's stock kernel in QEMU,
 * drives it through debugfs and turns its lines into build/bench/.
 *
 * /sys/kernel/debug/goalloc_bench/run takes one command per write, carried
 * out before the write returns:
 *
 *   pair | pair_const | batch | cache_pair | cache_batch | cache_bulk |
 *   remote | parallel | larson     a timed scenario, both allocators
 *   mem_alloc SET ALLOC     allocate live set SET (uniform, pow2plus) from
 *                           ALLOC (slub, goalloc) and keep it
 *   mem_free                free the live set; both allocators give back
 *                           what they cache (kmem_cache_shrink, a drain)
 *   churn_start | churn_stop  a kthread allocating and freeing goalloc
 *                           objects (a small live window) until stopped
 *   nop                     @ops calls of an empty function, for a profile
 *                           to measure what its tracer costs per call
 *
 * /sys/kernel/debug/goalloc_bench/results holds one CSV line per
 * measurement, "scenario,size,allocator,value,unit": ns per operation (an
 * allocation and its free count as one operation), the median of @repeats
 * measurements of at least @ops operations each after a warm-up; for the
 * scenarios with several CPUs also their spread, (max - min) / median in
 * percent. The clock is ktime_get_ns(): wall time in a plain QEMU boot,
 * instructions in an -icount shift=0 boot. Every measurement checks that
 * its objects came from the allocator it names (goalloc_owns()); a
 * mismatch is an "error," line, and the run fails.
 *
 * Concurrency contract: commands are serialised by bench_lock; the
 * kthreads a scenario starts run only inside that command.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "goalloc.h"

MODULE_IMPORT_NS(GOALLOC_NS);

static unsigned int ops = 100000;
module_param(ops, uint, 0444);
MODULE_PARM_DESC(ops, "Operations per measurement (default 100000)");

static unsigned int repeats = 5;
module_param(repeats, uint, 0444);
MODULE_PARM_DESC(repeats, "Measurements per value; the median is kept (default 5)");

static unsigned int batch_n = 10000;
module_param(batch_n, uint, 0444);
MODULE_PARM_DESC(batch_n, "Objects per batch pass (default 10000)");

static bool quick;
module_param(quick, bool, 0444);
MODULE_PARM_DESC(quick, "A few sizes only: a check that the bench works (default off)");

static unsigned int only_size;
module_param_named(size, only_size, uint, 0444);
MODULE_PARM_DESC(size, "pair and batch at this one size, 1 to 32768 (default 0: every class)");

#define BENCH_MAX_REPEATS	15
#define BENCH_RESULTS		(256 * 1024)
#define BENCH_RING		1024	/* remote: objects in flight */
#define BENCH_WINDOW		64	/* parallel: objects each CPU holds */
#define BENCH_LARSON_CHUNKS	1000	/* larson: objects per slice */
#define BENCH_LARSON_ROUNDS	8

static DEFINE_MUTEX(bench_lock);
static char *results;
static size_t results_len;
static unsigned long errors;
static struct dentry *bench_dir;

/* The size classes of goalloc (Go's table) from 8 B to 32 KiB. */
static const unsigned int class_sizes[] = {
	8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224,
	240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768,
	896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200,
	3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728,
	10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760,
	24576, 27264, 28672, 32768,
};

static const unsigned int quick_sizes[] = { 8, 256, 4096, 32768 };
static const unsigned int cache_sizes[] = { 64, 256, 1024 };
static const unsigned int remote_sizes[] = { 64, 512, 4096 };

/* The sizes pair and batch measure: one, the quick ones, or every class. */
static unsigned int bench_sizes(const unsigned int **sizes)
{
	if (only_size) {
		*sizes = &only_size;
		return 1;
	}
	*sizes = quick ? quick_sizes : class_sizes;
	return quick ? ARRAY_SIZE(quick_sizes) : ARRAY_SIZE(class_sizes);
}

enum bench_alloc { SLUB, GOALLOC };
static const char *const alloc_name[] = { "slub", "goalloc" };

static __printf(1, 2) void out(const char *fmt, ...)
{
	va_list args;

	if (results_len >= BENCH_RESULTS - 1)
		return;
	va_start(args, fmt);
	results_len += vscnprintf(results + results_len, BENCH_RESULTS - results_len, fmt, args);
	va_end(args);
}

/* Did @p come from the allocator @a names? Counted and reported if not. */
static bool served_by(enum bench_alloc a, const void *p, const char *scenario)
{
	bool ok = a == GOALLOC ? goalloc_owns(p) : !goalloc_owns(p) && !is_vmalloc_addr(p);

	if (!ok) {
		errors++;
		out("error,%s,%s,object %p not from this allocator\n", scenario,
		    alloc_name[a], p);
	}
	return ok;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Median of @n values in hundredths, sorted in place; the spread in %. */
static u64 median(u64 *v, unsigned int n, u64 *spread)
{
	u64 m;

	sort(v, n, sizeof(*v), cmp_u64, NULL);
	m = v[n / 2];
	if (spread)
		*spread = m ? div64_u64((v[n - 1] - v[0]) * 100, m) : 0;
	return m;
}

static void record(const char *scenario, const char *size, enum bench_alloc a, u64 v100)
{
	out("%s,%s,%s,%llu.%02llu,ns/op\n", scenario, size, alloc_name[a], v100 / 100, v100 % 100);
}

static void record_spread(const char *scenario, const char *size, enum bench_alloc a, u64 pct)
{
	out("%s,%s,%s,%llu,spread%%\n", scenario, size, alloc_name[a], pct);
}

/* Hundredths of a ns per operation. */
static u64 per_op(u64 ns, u64 n)
{
	return n ? div64_u64(ns * 100, n) : 0;
}

/* A deterministic generator (Larson's lran2 is an LCG too). */
static u32 lcg(u32 *state)
{
	*state = *state * 1103515245 + 12345;
	return *state >> 8;
}

/* ---------------------------------------------------------------------- */
/* The loops, one copy per allocator: direct calls, as a module makes them */

#define BENCH_PAIR(name, ALLOC, FREE)							\
static noinline u64 pair_##name(size_t size, unsigned long n)				\
{											\
	u64 t0 = ktime_get_ns();							\
	unsigned long i;								\
	u8 *p;										\
											\
	for (i = 0; i < n; i++) {							\
		p = ALLOC(size, GFP_KERNEL);						\
		if (!p)									\
			return 0;							\
		WRITE_ONCE(*p, (u8)i);							\
		FREE(p);								\
	}										\
	return ktime_get_ns() - t0;							\
}

#define BENCH_BATCH(name, ALLOC, FREE)							\
static noinline u64 batch_##name(size_t size, void **v, unsigned long n)		\
{											\
	u64 t0 = ktime_get_ns();							\
	unsigned long i, got;								\
											\
	for (got = 0; got < n; got++) {							\
		v[got] = ALLOC(size, GFP_KERNEL);					\
		if (!v[got])								\
			break;								\
		WRITE_ONCE(*(u8 *)v[got], (u8)got);					\
	}										\
	for (i = 0; i < got; i++)							\
		FREE(v[i]);								\
	return got == n ? ktime_get_ns() - t0 : 0;					\
}

BENCH_PAIR(slub, kmalloc, kfree)
BENCH_PAIR(goalloc, goalloc_kmalloc, goalloc_kfree)
BENCH_BATCH(slub, kmalloc, kfree)
BENCH_BATCH(goalloc, goalloc_kmalloc, goalloc_kfree)

/* kmalloc() with a size the compiler sees: SLUB's constant-size path. */
#define BENCH_CONST(name, ALLOC, FREE, SIZE)						\
static noinline u64 pair_const_##name##_##SIZE(unsigned long n)				\
{											\
	u64 t0 = ktime_get_ns();							\
	unsigned long i;								\
	u8 *p;										\
											\
	for (i = 0; i < n; i++) {							\
		p = ALLOC(SIZE, GFP_KERNEL);						\
		if (!p)									\
			return 0;							\
		WRITE_ONCE(*p, (u8)i);							\
		FREE(p);								\
	}										\
	return ktime_get_ns() - t0;							\
}

BENCH_CONST(slub, kmalloc, kfree, 32)
BENCH_CONST(slub, kmalloc, kfree, 256)
BENCH_CONST(slub, kmalloc, kfree, 1024)
BENCH_CONST(goalloc, goalloc_kmalloc, goalloc_kfree, 32)
BENCH_CONST(goalloc, goalloc_kmalloc, goalloc_kfree, 256)
BENCH_CONST(goalloc, goalloc_kmalloc, goalloc_kfree, 1024)

static void *any_alloc(enum bench_alloc a, size_t size)
{
	return a == GOALLOC ? goalloc_kmalloc(size, GFP_KERNEL) : kmalloc(size, GFP_KERNEL);
}

static void any_free(enum bench_alloc a, const void *p)
{
	if (a == GOALLOC)
		goalloc_kfree(p);
	else
		kfree(p);
}

/* A warm-up object of @size, checked for its allocator. */
static bool warm_check(enum bench_alloc a, size_t size, const char *scenario)
{
	void *p = any_alloc(a, size);
	bool ok;

	if (!p) {
		errors++;
		out("error,%s,%s,no memory for %zu bytes\n", scenario, alloc_name[a], size);
		return false;
	}
	ok = served_by(a, p, scenario);
	any_free(a, p);
	return ok;
}

static u64 run_pair(enum bench_alloc a, size_t size, unsigned long n)
{
	return a == GOALLOC ? pair_goalloc(size, n) : pair_slub(size, n);
}

static void bench_pair(void)
{
	const unsigned int *sizes;
	unsigned int ns = bench_sizes(&sizes);
	u64 v[BENCH_MAX_REPEATS];
	unsigned int i, r;
	enum bench_alloc a;
	char sz[16];

	for (i = 0; i < ns; i++) {
		snprintf(sz, sizeof(sz), "%u", sizes[i]);
		for (a = SLUB; a <= GOALLOC; a++) {
			if (!warm_check(a, sizes[i], "pair"))
				continue;
			run_pair(a, sizes[i], ops / 10 + 1);
			for (r = 0; r < repeats; r++)
				v[r] = per_op(run_pair(a, sizes[i], ops), ops);
			record("pair", sz, a, median(v, repeats, NULL));
			cond_resched();
		}
	}
}

static u64 run_const(enum bench_alloc a, unsigned int size, unsigned long n)
{
	switch (size) {
	case 32:
		return a == GOALLOC ? pair_const_goalloc_32(n) : pair_const_slub_32(n);
	case 256:
		return a == GOALLOC ? pair_const_goalloc_256(n) : pair_const_slub_256(n);
	default:
		return a == GOALLOC ? pair_const_goalloc_1024(n) : pair_const_slub_1024(n);
	}
}

static void bench_pair_const(void)
{
	static const unsigned int sizes[] = { 32, 256, 1024 };
	u64 v[BENCH_MAX_REPEATS];
	unsigned int i, r;
	enum bench_alloc a;
	char sz[16];

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		snprintf(sz, sizeof(sz), "%u", sizes[i]);
		for (a = SLUB; a <= GOALLOC; a++) {
			if (!warm_check(a, sizes[i], "pair_const"))
				continue;
			run_const(a, sizes[i], ops / 10 + 1);
			for (r = 0; r < repeats; r++)
				v[r] = per_op(run_const(a, sizes[i], ops), ops);
			record("pair_const", sz, a, median(v, repeats, NULL));
		}
	}
}

/*
 * Give back what the allocator caches for @size, so that the next pass
 * starts cold: SLUB's kmalloc cache is shrunk (its empty slabs go back to
 * the page allocator; sizes above 8 KiB come from the page allocator
 * anyway); goalloc's CPUs drain their spans, whose empty ones go back to
 * its heap.
 */
static void cool(enum bench_alloc a, size_t size, struct goalloc_cache *any)
{
	if (a == GOALLOC) {
		goalloc_cache_shrink(any);
		return;
	}
	if (size <= KMALLOC_MAX_CACHE_SIZE)
		kmem_cache_shrink(kmalloc_caches[KMALLOC_NORMAL][__kmalloc_index(size, false)]);
}

static u64 run_batch(enum bench_alloc a, size_t size, void **v, unsigned long n)
{
	return a == GOALLOC ? batch_goalloc(size, v, n) : batch_slub(size, v, n);
}

/*
 * Allocate batch_n objects, then free them all: the first pass after
 * cool() (cold) and the pass right after it (warm), each measurement
 * over both passes of all @repeats rounds being at least @ops operations.
 */
static void bench_batch(void)
{
	const unsigned int *sizes;
	unsigned int ns = bench_sizes(&sizes);
	u64 cold[BENCH_MAX_REPEATS], warm[BENCH_MAX_REPEATS], t;
	struct goalloc_cache *any;
	unsigned int i, r, rounds;
	enum bench_alloc a;
	void **v;
	char sz[16];

	v = kvmalloc_array(batch_n, sizeof(*v), GFP_KERNEL);
	any = goalloc_cache_create("bench_drain", 64, 0, 0, NULL);
	if (!v || !any) {
		errors++;
		out("error,batch,-,no memory for the batch array\n");
		goto out;
	}
	/* Each pass is batch_n operations: enough rounds for @ops of each kind. */
	rounds = clamp_t(unsigned int, DIV_ROUND_UP(ops, batch_n), repeats, BENCH_MAX_REPEATS);
	for (i = 0; i < ns; i++) {
		snprintf(sz, sizeof(sz), "%u", sizes[i]);
		for (a = SLUB; a <= GOALLOC; a++) {
			if (!warm_check(a, sizes[i], "batch"))
				continue;
			for (r = 0; r < rounds; r++) {
				cool(a, sizes[i], any);
				t = run_batch(a, sizes[i], v, batch_n);
				cold[r] = per_op(t, batch_n);
				t = run_batch(a, sizes[i], v, batch_n);
				warm[r] = per_op(t, batch_n);
				cond_resched();
			}
			record("batch_cold", sz, a, median(cold, rounds, NULL));
			record("batch_warm", sz, a, median(warm, rounds, NULL));
		}
	}
out:
	goalloc_cache_destroy(any);
	kvfree(v);
}

/* ---------------------------------------------------------------------- */
/* Dedicated caches: a goalloc_cache against a kmem_cache                 */

struct bench_cache {
	struct kmem_cache *k;
	struct goalloc_cache *g;
};

/* The same three loops for a kmem_cache and a goalloc_cache. */
#define BENCH_CACHE_PAIR(name, TYPE, ALLOC, FREE)					\
static noinline u64 cache_pair_##name(TYPE k, unsigned long n)				\
{											\
	u64 t0 = ktime_get_ns();							\
	unsigned long i;								\
	u8 *p;										\
											\
	for (i = 0; i < n; i++) {							\
		p = ALLOC(k, GFP_KERNEL);						\
		if (!p)									\
			return 0;							\
		WRITE_ONCE(*p, (u8)i);							\
		FREE(k, p);								\
	}										\
	return ktime_get_ns() - t0;							\
}

#define BENCH_CACHE_BATCH(name, TYPE, ALLOC, FREE)					\
static noinline u64 cache_batch_##name(TYPE k, void **v, unsigned long n)		\
{											\
	u64 t0 = ktime_get_ns();							\
	unsigned long i, got;								\
											\
	for (got = 0; got < n; got++) {							\
		v[got] = ALLOC(k, GFP_KERNEL);						\
		if (!v[got])								\
			break;								\
		WRITE_ONCE(*(u8 *)v[got], (u8)got);					\
	}										\
	for (i = 0; i < got; i++)							\
		FREE(k, v[i]);								\
	return got == n ? ktime_get_ns() - t0 : 0;					\
}

/* @n objects, @nr per call: allocated in bulk, written, freed in bulk. */
#define BENCH_CACHE_BULK(name, TYPE, ALLOC_BULK, FREE_BULK)				\
static noinline u64 cache_bulk_##name(TYPE k, void **v, unsigned int nr,		\
				      unsigned long n)					\
{											\
	u64 t0 = ktime_get_ns();							\
	unsigned long done;								\
	unsigned int i;									\
											\
	for (done = 0; done < n; done += nr) {						\
		if (ALLOC_BULK(k, GFP_KERNEL, nr, v) != nr)				\
			return 0;							\
		for (i = 0; i < nr; i++)						\
			WRITE_ONCE(*(u8 *)v[i], (u8)i);					\
		FREE_BULK(k, nr, v);							\
	}										\
	return ktime_get_ns() - t0;							\
}

BENCH_CACHE_PAIR(slub, struct kmem_cache *, kmem_cache_alloc, kmem_cache_free)
BENCH_CACHE_PAIR(goalloc, struct goalloc_cache *, goalloc_cache_alloc, goalloc_cache_free)
BENCH_CACHE_BATCH(slub, struct kmem_cache *, kmem_cache_alloc, kmem_cache_free)
BENCH_CACHE_BATCH(goalloc, struct goalloc_cache *, goalloc_cache_alloc, goalloc_cache_free)
BENCH_CACHE_BULK(slub, struct kmem_cache *, kmem_cache_alloc_bulk, kmem_cache_free_bulk)
BENCH_CACHE_BULK(goalloc, struct goalloc_cache *, goalloc_cache_alloc_bulk,
		 goalloc_cache_free_bulk)

static bool cache_check(struct bench_cache *c, enum bench_alloc a, const char *scenario)
{
	void *p = a == GOALLOC ? goalloc_cache_alloc(c->g, GFP_KERNEL) :
				 kmem_cache_alloc(c->k, GFP_KERNEL);
	bool ok;

	if (!p) {
		errors++;
		out("error,%s,%s,no memory\n", scenario, alloc_name[a]);
		return false;
	}
	ok = served_by(a, p, scenario);
	if (a == GOALLOC)
		goalloc_cache_free(c->g, p);
	else
		kmem_cache_free(c->k, p);
	return ok;
}

enum cache_kind { CACHE_PAIR, CACHE_BATCH, CACHE_BULK16, CACHE_BULK64 };
static const char *const cache_scenario[] = {
	"cache_pair", "cache_batch", "cache_bulk16", "cache_bulk64"
};

/* ns for @n operations of @kind; 0 if an allocation failed. */
static u64 run_cache(struct bench_cache *c, enum bench_alloc a, enum cache_kind kind,
		     void **v, unsigned long n)
{
	unsigned long done;
	u64 t = 0, one;

	switch (kind) {
	case CACHE_PAIR:
		return a == GOALLOC ? cache_pair_goalloc(c->g, n) : cache_pair_slub(c->k, n);
	case CACHE_BATCH:
		for (done = 0; done < n; done += batch_n) {
			one = a == GOALLOC ? cache_batch_goalloc(c->g, v, batch_n) :
					     cache_batch_slub(c->k, v, batch_n);
			if (!one)
				return 0;
			t += one;
		}
		return t;
	case CACHE_BULK16:
		return a == GOALLOC ? cache_bulk_goalloc(c->g, v, 16, n) :
				      cache_bulk_slub(c->k, v, 16, n);
	default:
		return a == GOALLOC ? cache_bulk_goalloc(c->g, v, 64, n) :
				      cache_bulk_slub(c->k, v, 64, n);
	}
}

static void bench_cache(enum cache_kind kind)
{
	u64 v[BENCH_MAX_REPEATS];
	struct bench_cache c;
	unsigned long n = ops;
	unsigned int i, r;
	enum bench_alloc a;
	void **objs;
	char name[32], sz[16];

	/* A batch measurement is whole passes of batch_n allocations and frees. */
	if (kind == CACHE_BATCH)
		n = roundup(ops, batch_n);
	else if (kind == CACHE_BULK64)
		n = roundup(ops, 64);
	objs = kvmalloc_array(batch_n, sizeof(*objs), GFP_KERNEL);
	if (!objs) {
		errors++;
		out("error,%s,-,no memory\n", cache_scenario[kind]);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(cache_sizes); i++) {
		snprintf(sz, sizeof(sz), "%u", cache_sizes[i]);
		snprintf(name, sizeof(name), "bench_slub_%u", cache_sizes[i]);
		c.k = kmem_cache_create(name, cache_sizes[i], 0, SLAB_HWCACHE_ALIGN, NULL);
		snprintf(name, sizeof(name), "bench_goalloc_%u", cache_sizes[i]);
		c.g = goalloc_cache_create(name, cache_sizes[i], 0, SLAB_HWCACHE_ALIGN, NULL);
		if (!c.k || !c.g) {
			errors++;
			out("error,%s,-,cannot create the caches\n", cache_scenario[kind]);
			goto next;
		}
		for (a = SLUB; a <= GOALLOC; a++) {
			if (!cache_check(&c, a, cache_scenario[kind]))
				continue;
			run_cache(&c, a, kind, objs, n / 10);
			for (r = 0; r < repeats; r++)
				v[r] = per_op(run_cache(&c, a, kind, objs, n), n);
			record(cache_scenario[kind], sz, a, median(v, repeats, NULL));
			cond_resched();
		}
next:
		kmem_cache_destroy(c.k);
		goalloc_cache_destroy(c.g);
	}
	kvfree(objs);
}

/* ---------------------------------------------------------------------- */
/* Several CPUs: kthreads bound to CPUs, released together                */

struct bench_run;

struct bench_worker {
	struct bench_run *run;
	struct task_struct *task;
	unsigned int id;
	int (*fn)(struct bench_worker *w);
	u32 seed;
};

struct bench_run {
	enum bench_alloc a;
	size_t size;
	unsigned long n;		/* operations per worker */
	unsigned int nworkers;
	atomic_t ready, left;
	struct completion go, done;
	u64 t0, t1;
	atomic_t failed;
	/* remote */
	void *ring[BENCH_RING];
	unsigned long head, tail;	/* producer writes head, consumer tail */
	/* larson */
	void **slices;
	unsigned int round;
};

static int bench_thread(void *arg)
{
	struct bench_worker *w = arg;
	struct bench_run *run = w->run;

	if (atomic_inc_return(&run->ready) == run->nworkers)
		complete(&run->done);
	wait_for_completion(&run->go);
	if (w->fn(w))
		atomic_inc(&run->failed);
	if (atomic_dec_and_test(&run->left)) {
		run->t1 = ktime_get_ns();
		complete(&run->done);
	}
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/*
 * Run @fn on @n workers, worker i bound to online CPU i; returns the ns
 * from their common start to the last one's end, 0 on a failure.
 */
static u64 bench_workers(struct bench_run *run, unsigned int n,
			 int (*fn)(struct bench_worker *w))
{
	struct bench_worker *w;
	unsigned int i, started = 0;
	int cpu = -1;
	u64 t = 0;

	w = kcalloc(n, sizeof(*w), GFP_KERNEL);
	if (!w)
		return 0;
	run->nworkers = n;
	atomic_set(&run->ready, 0);
	atomic_set(&run->left, n);
	atomic_set(&run->failed, 0);
	init_completion(&run->go);
	init_completion(&run->done);
	for (i = 0; i < n; i++) {
		cpu = cpumask_next(cpu, cpu_online_mask);
		w[i].run = run;
		w[i].id = i;
		w[i].fn = fn;
		w[i].seed = 4141 + i;
		w[i].task = kthread_create_on_cpu(bench_thread, &w[i], cpu, "goalloc_bench/%u");
		if (IS_ERR(w[i].task))
			goto stop;
		wake_up_process(w[i].task);
		started++;
	}
	wait_for_completion(&run->done);
	reinit_completion(&run->done);
	run->t0 = ktime_get_ns();
	complete_all(&run->go);
	wait_for_completion(&run->done);
	if (!atomic_read(&run->failed))
		t = run->t1 - run->t0;
stop:
	if (started < n) {
		/* Release the ones waiting, with nothing to do. */
		run->n = 0;
		atomic_set(&run->failed, 1);
		complete_all(&run->go);
	}
	for (i = 0; i < started; i++)
		kthread_stop(w[i].task);
	kfree(w);
	return t;
}

/* remote: worker 0 allocates and passes objects to worker 1, which frees. */
static int remote_fn(struct bench_worker *w)
{
	struct bench_run *run = w->run;
	unsigned long i, head, tail;
	void *p;

	if (w->id == 0) {
		for (i = 0; i < run->n; i++) {
			p = any_alloc(run->a, run->size);
			if (!p) {
				atomic_inc(&run->failed);
				p = ERR_PTR(-ENOMEM);
			} else {
				WRITE_ONCE(*(u8 *)p, (u8)i);
			}
			head = run->head;
			/* The consumer's read of the slot before its reuse. */
			while (head - smp_load_acquire(&run->tail) >= BENCH_RING)
				cpu_relax();
			run->ring[head % BENCH_RING] = p;
			/* The slot before the index that publishes it. */
			smp_store_release(&run->head, head + 1);
		}
		return 0;
	}
	for (i = 0; i < run->n; i++) {
		tail = run->tail;
		/* Pairs with the producer's release of head. */
		while (smp_load_acquire(&run->head) == tail)
			cpu_relax();
		p = run->ring[tail % BENCH_RING];
		/* The slot's read before the producer may reuse it. */
		smp_store_release(&run->tail, tail + 1);
		if (!IS_ERR(p))
			any_free(run->a, p);
	}
	return 0;
}

static void bench_remote(void)
{
	u64 v[BENCH_MAX_REPEATS], spread;
	struct bench_run *run;
	enum bench_alloc a;
	unsigned int i, r;
	char sz[16];

	if (num_online_cpus() < 2) {
		out("skip,remote,-,one CPU online\n");
		return;
	}
	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run)
		return;
	for (i = 0; i < ARRAY_SIZE(remote_sizes); i++) {
		snprintf(sz, sizeof(sz), "%u", remote_sizes[i]);
		for (a = SLUB; a <= GOALLOC; a++) {
			if (!warm_check(a, remote_sizes[i], "remote"))
				continue;
			run->a = a;
			run->size = remote_sizes[i];
			for (r = 0; r < repeats; r++) {
				run->head = 0;
				run->tail = 0;
				run->n = ops;
				v[r] = per_op(bench_workers(run, 2, remote_fn), ops);
			}
			record("remote", sz, a, median(v, repeats, &spread));
			record_spread("remote", sz, a, spread);
		}
	}
	kfree(run);
}

/* parallel: each CPU replaces objects of mixed sizes in a window it holds. */
static int parallel_fn(struct bench_worker *w)
{
	static const unsigned int sizes[] = { 16, 32, 64, 128, 256, 512, 1024, 2048 };
	struct bench_run *run = w->run;
	void *win[BENCH_WINDOW] = { };
	unsigned long i;
	int ret = 0;

	for (i = 0; i < run->n; i++) {
		unsigned int k = i % BENCH_WINDOW;

		if (win[k])
			any_free(run->a, win[k]);
		win[k] = any_alloc(run->a, sizes[(i + w->id) % ARRAY_SIZE(sizes)]);
		if (!win[k]) {
			ret = -ENOMEM;
			break;
		}
		WRITE_ONCE(*(u8 *)win[k], (u8)i);
	}
	for (i = 0; i < BENCH_WINDOW; i++)
		if (win[i])
			any_free(run->a, win[i]);
	return ret;
}

static void bench_parallel(void)
{
	unsigned int ncpu, r, max = num_online_cpus();
	u64 v[BENCH_MAX_REPEATS], spread;
	struct bench_run *run;
	enum bench_alloc a;
	char sz[16];

	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run)
		return;
	for (ncpu = 1; ncpu <= max; ncpu++) {
		snprintf(sz, sizeof(sz), "%u", ncpu);
		for (a = SLUB; a <= GOALLOC; a++) {
			if (!warm_check(a, 256, "parallel"))
				continue;
			run->a = a;
			for (r = 0; r < repeats; r++) {
				/* Each CPU does @ops: time per operation per CPU. */
				run->n = ops;
				v[r] = per_op(bench_workers(run, ncpu, parallel_fn), ops);
			}
			record("parallel", sz, a, median(v, repeats, &spread));
			record_spread("parallel", sz, a, spread);
		}
	}
	kfree(run);
}

/*
 * larson: one slice of BENCH_LARSON_CHUNKS objects per CPU, allocated
 * beforehand; each round, worker i replaces random objects of slice
 * (i + round) % n, which another CPU allocated in the round before (the
 * "bleeding" of Larson's server threads), sizes 8 .. 1000 bytes.
 */
static int larson_fn(struct bench_worker *w)
{
	struct bench_run *run = w->run;
	unsigned int s = (w->id + run->round) % run->nworkers;
	void **slice = run->slices + (size_t)s * BENCH_LARSON_CHUNKS;
	unsigned long i;
	unsigned int k;
	void *p;

	for (i = 0; i < run->n; i++) {
		k = lcg(&w->seed) % BENCH_LARSON_CHUNKS;
		any_free(run->a, slice[k]);
		p = any_alloc(run->a, 8 + lcg(&w->seed) % 993);
		slice[k] = p;
		if (!p)
			return -ENOMEM;
		WRITE_ONCE(((u8 *)p)[0], (u8)i);
		WRITE_ONCE(((u8 *)p)[1], (u8)k);
	}
	return 0;
}

static void larson_free(struct bench_run *run, size_t total)
{
	size_t i;

	for (i = 0; i < total; i++)
		if (run->slices[i])
			any_free(run->a, run->slices[i]);
}

static void bench_larson(void)
{
	unsigned int n = num_online_cpus(), r, round;
	unsigned long per_round = DIV_ROUND_UP(ops, BENCH_LARSON_ROUNDS);
	size_t total = (size_t)n * BENCH_LARSON_CHUNKS, i;
	u64 v[BENCH_MAX_REPEATS], spread, t, one;
	struct bench_run *run;
	enum bench_alloc a;
	u32 seed;
	char sz[16];

	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run)
		return;
	run->slices = kvcalloc(total, sizeof(void *), GFP_KERNEL);
	if (!run->slices)
		goto out;
	snprintf(sz, sizeof(sz), "%u", n);
	for (a = SLUB; a <= GOALLOC; a++) {
		if (!warm_check(a, 100, "larson"))
			continue;
		run->a = a;
		for (r = 0; r < repeats; r++) {
			seed = 4141;
			for (i = 0; i < total; i++) {
				run->slices[i] = any_alloc(a, 8 + lcg(&seed) % 993);
				if (!run->slices[i])
					break;
			}
			t = 0;
			for (round = 0; i == total && round < BENCH_LARSON_ROUNDS; round++) {
				run->round = round;
				run->n = per_round;
				one = bench_workers(run, n, larson_fn);
				if (!one) {
					t = 0;
					break;
				}
				t += one;
			}
			larson_free(run, total);
			memset(run->slices, 0, total * sizeof(void *));
			v[r] = per_op(t, (u64)BENCH_LARSON_ROUNDS * per_round);
		}
		record("larson", sz, a, median(v, repeats, &spread));
		record_spread("larson", sz, a, spread);
	}
	kvfree(run->slices);
out:
	kfree(run);
}

/* ---------------------------------------------------------------------- */
/* memory: a live set, held until mem_free; the script reads the backing  */

#define BENCH_MEM_OBJS	16384

static void **mem_set;
static enum bench_alloc mem_alloc_by;

static size_t mem_size(const char *set, unsigned int i, u32 *seed)
{
	if (!strcmp(set, "uniform"))
		return 1 + lcg(seed) % 4096;
	/* Just above the powers of two from 8 B to 2 KiB: 9, 17, ... 2049. */
	return (8U << (i % 9)) + 1;
}

/*
 * Both allocators give back what they keep cached, so that the next set's
 * backing is counted whole, not partly taken from pages counted before it:
 * every kmalloc cache of SLUB's is shrunk, goalloc drains its CPUs and its
 * kept empty spans.
 */
static void mem_cool(void)
{
	struct goalloc_cache *any = goalloc_cache_create("bench_mem_cool", 64, 0, 0, NULL);
	unsigned int i;

	if (any) {
		goalloc_cache_shrink(any);
		goalloc_cache_destroy(any);
	} else {
		errors++;
		out("error,memory,-,no cache to drain goalloc with\n");
	}
	for (i = 0; i <= KMALLOC_SHIFT_HIGH; i++)
		if (kmalloc_caches[KMALLOC_NORMAL][i])
			kmem_cache_shrink(kmalloc_caches[KMALLOC_NORMAL][i]);
}

/* Free the live set, if any, and cool both allocators for the next. */
static void bench_mem_free(void)
{
	unsigned int i;

	if (mem_set) {
		for (i = 0; i < BENCH_MEM_OBJS; i++)
			any_free(mem_alloc_by, mem_set[i]);
		kvfree(mem_set);
		mem_set = NULL;
	}
	mem_cool();
}

static int bench_mem_alloc(const char *set, const char *by)
{
	unsigned int i, n = quick ? BENCH_MEM_OBJS / 8 : BENCH_MEM_OBJS;
	u32 seed = 4141;
	size_t bytes = 0, sz;

	if (strcmp(set, "uniform") && strcmp(set, "pow2plus"))
		return -EINVAL;
	if (!strcmp(by, "goalloc"))
		mem_alloc_by = GOALLOC;
	else if (!strcmp(by, "slub"))
		mem_alloc_by = SLUB;
	else
		return -EINVAL;
	bench_mem_free();
	mem_set = kvcalloc(BENCH_MEM_OBJS, sizeof(void *), GFP_KERNEL);
	if (!mem_set)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		sz = mem_size(set, i, &seed);
		mem_set[i] = any_alloc(mem_alloc_by, sz);
		if (!mem_set[i] || !served_by(mem_alloc_by, mem_set[i], "memory")) {
			bench_mem_free();
			return -ENOMEM;
		}
		memset(mem_set[i], 0x5a, sz);
		bytes += sz;
	}
	out("memory,%s,%s,%zu,requested_bytes\n", set, by, bytes);
	return 0;
}

/* churn: goalloc objects of 8 .. 4096 bytes, 256 live, until stopped. */
#define BENCH_CHURN_LIVE	256
static struct task_struct *churn_task;

static int churn_fn(void *unused)
{
	void **win = kcalloc(BENCH_CHURN_LIVE, sizeof(*win), GFP_KERNEL);
	u32 seed = 7;
	unsigned long i = 0;
	unsigned int k;

	while (!kthread_should_stop()) {
		if (!win) {
			msleep(20);
			continue;
		}
		k = i++ % BENCH_CHURN_LIVE;
		goalloc_kfree(win[k]);
		win[k] = goalloc_kmalloc(8 + lcg(&seed) % 4089, GFP_KERNEL);
		if (i % 1024 == 0)
			usleep_range(500, 1000);
	}
	for (k = 0; win && k < BENCH_CHURN_LIVE; k++)
		goalloc_kfree(win[k]);
	kfree(win);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* debugfs                                                                 */

static void bench_cache_pair(void) { bench_cache(CACHE_PAIR); }
static void bench_cache_batch(void) { bench_cache(CACHE_BATCH); }

static void bench_cache_bulk(void)
{
	bench_cache(CACHE_BULK16);
	bench_cache(CACHE_BULK64);
}

/*
 * An empty function called @ops times: what a tracer adds to each call of
 * a function it times (scripts/bench.sh --profile subtracts it).
 */
static noinline void bench_nop_call(unsigned long i)
{
	/* Uses @i, so that the compiler keeps the function as it is. */
	asm volatile("" : : "r" (i));
}

static void bench_nop(void)
{
	unsigned long i;

	for (i = 0; i < ops; i++)
		bench_nop_call(i);
}

static void bench_churn_stop(void)
{
	if (churn_task)
		kthread_stop(churn_task);
	churn_task = NULL;
}

static const struct {
	const char *name;
	void (*fn)(void);
} bench_commands[] = {
	{ "pair", bench_pair },
	{ "pair_const", bench_pair_const },
	{ "batch", bench_batch },
	{ "cache_pair", bench_cache_pair },
	{ "cache_batch", bench_cache_batch },
	{ "cache_bulk", bench_cache_bulk },
	{ "remote", bench_remote },
	{ "parallel", bench_parallel },
	{ "larson", bench_larson },
	{ "mem_free", bench_mem_free },
	{ "churn_stop", bench_churn_stop },
	{ "nop", bench_nop },
};

static int bench_command(char *cmd)
{
	char *set, *by, *p = strim(cmd);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bench_commands); i++) {
		if (!strcmp(p, bench_commands[i].name)) {
			bench_commands[i].fn();
			return 0;
		}
	}
	if (!strcmp(p, "churn_start")) {
		if (churn_task)
			return -EBUSY;
		churn_task = kthread_run(churn_fn, NULL, "goalloc_bench_churn");
		if (IS_ERR(churn_task)) {
			int ret = PTR_ERR(churn_task);

			churn_task = NULL;
			return ret;
		}
		return 0;
	}
	/* mem_alloc SET ALLOC */
	set = strchr(p, ' ');
	if (!set)
		return -EINVAL;
	*set++ = '\0';
	set = skip_spaces(set);
	by = strchr(set, ' ');
	if (strcmp(p, "mem_alloc") || !by)
		return -EINVAL;
	*by++ = '\0';
	return bench_mem_alloc(set, skip_spaces(by));
}

static ssize_t run_write(struct file *file, const char __user *buf, size_t len, loff_t *ppos)
{
	char cmd[64];
	int ret;

	if (len >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, buf, len))
		return -EFAULT;
	cmd[len] = '\0';
	mutex_lock(&bench_lock);
	ret = bench_command(cmd);
	mutex_unlock(&bench_lock);
	return ret ? ret : len;
}

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.write = run_write,
	.llseek = noop_llseek,
};

static ssize_t results_read(struct file *file, char __user *buf, size_t len, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&bench_lock);
	ret = simple_read_from_buffer(buf, len, ppos, results, results_len);
	mutex_unlock(&bench_lock);
	return ret;
}

static const struct file_operations results_fops = {
	.owner = THIS_MODULE,
	.read = results_read,
	.llseek = default_llseek,
};

static int __init goalloc_bench_init(void)
{
	if (!repeats || repeats > BENCH_MAX_REPEATS || !ops || !batch_n || only_size > SZ_32K)
		return -EINVAL;
	results = kvzalloc(BENCH_RESULTS, GFP_KERNEL);
	if (!results)
		return -ENOMEM;
	bench_dir = debugfs_create_dir("goalloc_bench", NULL);
	debugfs_create_file("run", 0200, bench_dir, NULL, &run_fops);
	debugfs_create_file("results", 0400, bench_dir, NULL, &results_fops);
	debugfs_create_ulong("errors", 0400, bench_dir, &errors);
	return 0;
}

static void __exit goalloc_bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
	bench_churn_stop();
	bench_mem_free();
	kvfree(results);
}

module_init(goalloc_bench_init);
module_exit(goalloc_bench_exit);

MODULE_DESCRIPTION("goalloc against the kernel's allocator, side by side");
MODULE_LICENSE("GPL");
