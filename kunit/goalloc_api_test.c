// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of goalloc's public API (include/goalloc.h), as a user
 * module sees it, and of its debugfs statistics.
 *
 * goalloc_api: the kmalloc family (ZERO_SIZE_PTR, __GFP_ZERO,
 *	__GFP_NOWARN, overflow, krealloc, kfree_sensitive, ksize, alignment,
 *	init_on_alloc and init_on_free) and goalloc_cache (create, ctor,
 *	isolation, span geometry, bulk and its partial failure, destroy with
 *	live objects). The policy tests check whichever policy the kernel
 *	booted with; make check boots once without and once with
 *	init_on_alloc=1 init_on_free=1.
 * goalloc_stats: /sys/kernel/debug/goalloc/stats against a known workload.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <asm/apic.h>
#include <asm/nmi.h>

#include "goalloc.h"
#include "goalloc_internal.h"
#include "goalloc_test.h"

MODULE_IMPORT_NS(GOALLOC_NS);
MODULE_IMPORT_NS(GOALLOC_KUNIT_NS);

static long counter(atomic_long_t *c)
{
	return atomic_long_read(c);
}

/*
 * Free @p and allocate @size until the same slot comes back (this CPU
 * reuses a freed slot within one pass over its span). Migration must be
 * disabled. Returns the new object at @p, or NULL.
 */
static void *same_slot_again(struct kunit *test, void *p, size_t size, gfp_t gfp)
{
	void *chain = NULL, *q = NULL;
	int i;

	goalloc_kfree(p);
	for (i = 0; i < 3 * GA_MAX_OBJS_PER_SPAN; i++) {
		q = goalloc_kmalloc(size, gfp);
		if (!q || q == p)
			break;
		*(void **)q = chain;
		chain = q;
	}
	while (chain) {
		void *next = *(void **)chain;

		goalloc_kfree(chain);
		chain = next;
	}
	return q == p ? q : NULL;
}

/* ---------------------------------------------------------------------- */
/* goalloc_api: kmalloc family                                            */

static void api_zero_size_and_null(struct kunit *test)
{
	void *p;

	KUNIT_EXPECT_PTR_EQ(test, goalloc_kmalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, goalloc_kzalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, goalloc_kcalloc(0, 8, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, goalloc_ksize(NULL), (size_t)0);
	KUNIT_EXPECT_EQ(test, goalloc_ksize(ZERO_SIZE_PTR), (size_t)0);
	goalloc_kfree(NULL);
	goalloc_kfree(ZERO_SIZE_PTR);
	goalloc_kfree_sensitive(NULL);
	goalloc_kfree_sensitive(ZERO_SIZE_PTR);

	p = goalloc_krealloc(NULL, 40, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, goalloc_ksize(p), (size_t)48);
	KUNIT_EXPECT_PTR_EQ(test, goalloc_krealloc(p, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	p = goalloc_krealloc(ZERO_SIZE_PTR, 10, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	goalloc_kfree(p);
}

static void api_kzalloc_and_gfp_zero(struct kunit *test)
{
	static const size_t sizes[] = { 1, 13, 64, 1000, 8192, 30000, 70000 };
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *p = goalloc_kmalloc(sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		memset(p, 0x5c, goalloc_ksize(p));
		goalloc_kfree(p);
		p = goalloc_kzalloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		/* The whole usable size, as kzalloc on a kmalloc-N cache. */
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(p, 0, goalloc_ksize(p)), "size %zu",
				      sizes[i]);
		goalloc_kfree(p);
	}
}

static void api_array_overflow(struct kunit *test)
{
	u8 *p;

	KUNIT_EXPECT_NULL(test, goalloc_kmalloc_array(SIZE_MAX / 2, 4, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_kcalloc(SIZE_MAX / 8 + 1, 16, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_kcalloc(2, SIZE_MAX, GFP_KERNEL));
	p = goalloc_kcalloc(10, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, 1000));
	KUNIT_EXPECT_GE(test, goalloc_ksize(p), (size_t)1000);
	goalloc_kfree(p);
	p = goalloc_kmalloc_array(3, 7, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, goalloc_ksize(p), (size_t)24);
	goalloc_kfree(p);
}

static void api_krealloc_paths(struct kunit *test)
{
	long invalid0 = counter(&ga.errors.invalid_free);
	u8 *p, *q, *r;
	int on_stack;
	int i;

	p = goalloc_kmalloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < 100; i++)
		p[i] = i;
	/* Within ksize (112): same object. */
	KUNIT_EXPECT_PTR_EQ(test, goalloc_krealloc(p, 112, GFP_KERNEL), p);
	/* Shrink: same object, contents kept. */
	q = goalloc_krealloc(p, 10, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	/* Grow: a new object with the old contents, zeroed beyond them. */
	q = goalloc_krealloc(p, 5000, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, q, p);
	for (i = 0; i < 100; i++)
		if (q[i] != i)
			break;
	KUNIT_EXPECT_EQ(test, i, 100);
	KUNIT_EXPECT_NULL(test, memchr_inv(q + 112, 0, 5000 - 112));
	/* Into a large object and back down. */
	r = goalloc_krealloc(q, 200000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r[99], 99);
	KUNIT_EXPECT_EQ(test, goalloc_ksize(r), (size_t)round_up(200000, GA_PAGE_SIZE));
	KUNIT_EXPECT_PTR_EQ(test, goalloc_krealloc(r, 50, GFP_KERNEL), r);
	/* Failure leaves the object as it was. */
	q = goalloc_krealloc(r, ga.kheap->max_bytes + 1, GFP_KERNEL | __GFP_NOWARN);
	KUNIT_EXPECT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, r[42], 42);
	goalloc_kfree(r);
	/* A pointer goalloc did not hand out is refused and kept. */
	expect_reports_begin("krealloc of a foreign pointer");
	KUNIT_EXPECT_NULL(test, goalloc_krealloc(&on_stack, 100, GFP_KERNEL));
	expect_reports_end();
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.invalid_free) - invalid0, 1L);
}

static void api_kfree_sensitive(struct kunit *test)
{
	static const size_t sizes[] = { 5, 48, 3000 };
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *keep, *p;
		size_t n;

		/* A neighbour keeps the span, so the freed slot stays mapped. */
		migrate_disable();
		keep = i ? goalloc_kmalloc(sizes[i], GFP_KERNEL) :
			   goalloc_kmalloc_tiny(sizes[i], GFP_KERNEL);
		p = i ? goalloc_kmalloc(sizes[i], GFP_KERNEL) :
			goalloc_kmalloc_tiny(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, keep);
		KUNIT_ASSERT_NOT_NULL(test, p);
		n = goalloc_ksize(p);
		KUNIT_ASSERT_GE(test, n, sizes[i]);
		memset(p, 0xa7, n);
		goalloc_kfree_sensitive(p);
		KUNIT_EXPECT_TRUE_MSG(test, freed_bytes_are(p, 0, n), "size %zu", sizes[i]);
		goalloc_kfree(keep);
		migrate_enable();
	}
}

/* A refused kfree_sensitive wipes nothing: the slot may be someone else's. */
static void api_kfree_sensitive_refused(struct kunit *test)
{
	long dbl0 = counter(&ga.errors.double_free);
	u8 *keep, *p;

	migrate_disable();
	keep = goalloc_kmalloc(700, GFP_KERNEL);
	p = goalloc_kmalloc(700, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_NOT_NULL(test, p);
	goalloc_kfree(p);
	fill_freed(p, 0x6b, 700);	/* a free slot: what a stale writer leaves */
	expect_reports_begin("double free");
	goalloc_kfree_sensitive(p);
	expect_reports_end();
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.double_free) - dbl0, 1L);
	KUNIT_EXPECT_TRUE(test, freed_bytes_are(p, 0x6b, 700));
	goalloc_kfree(keep);
	migrate_enable();
}

static void api_ksize(struct kunit *test)
{
	static const struct { size_t ask, want; } cases[] = {
		{ 1, 8 }, { 9, 16 }, { 17, 24 }, { 33, 48 }, { 1000, 1024 },
		{ 1025, 1152 }, { 9000, 9472 }, { 32768, 32768 }, { 32769, 40960 },
		{ 100000, 106496 },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		void *p = goalloc_kmalloc(cases[i].ask, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ_MSG(test, goalloc_ksize(p), cases[i].want, "ask %zu", cases[i].ask);
		memset(p, 1, goalloc_ksize(p));
		goalloc_kfree(p);
	}
	KUNIT_EXPECT_EQ(test, goalloc_ksize(test), (size_t)0);
}

/* kmalloc's guarantee: 8 bytes, and power-of-two sizes aligned to themselves. */
static void api_alignment(struct kunit *test)
{
	size_t size;

	for (size = 8; size <= SZ_2M; size <<= 1) {
		void *p[3];
		int i;

		for (i = 0; i < 3; i++) {
			p[i] = goalloc_kmalloc(size, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p[i]);
			KUNIT_EXPECT_EQ_MSG(test, (unsigned long)p[i] % size, 0UL, "size %zu",
					    size);
		}
		for (i = 0; i < 3; i++)
			goalloc_kfree(p[i]);
	}
	for (size = 1; size < 20000; size = size * 3 + 1) {
		void *p = goalloc_kmalloc(size, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ_MSG(test, (unsigned long)p % 8, 0UL, "size %zu", size);
		goalloc_kfree(p);
	}
}

static void api_gfp_nowarn(struct kunit *test)
{
	long fail0 = counter(&ga.errors.alloc_fail);
	long rep0 = counter(&ga.errors.alloc_fail_reported);
	size_t huge = ga.kheap->max_bytes + 1;

	KUNIT_EXPECT_NULL(test, goalloc_kmalloc(huge, GFP_KERNEL | __GFP_NOWARN));
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.alloc_fail) - fail0, 1L);
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.alloc_fail_reported) - rep0, 0L);
	expect_reports_begin("a failed allocation without __GFP_NOWARN");
	KUNIT_EXPECT_NULL(test, goalloc_kmalloc(huge, GFP_KERNEL));
	expect_reports_end();
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.alloc_fail) - fail0, 2L);
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.alloc_fail_reported) - rep0, 1L);
}

/*
 * init_on_alloc: a reused slot comes back zeroed if the policy is on, and
 * with its old contents if not (and init_on_free is off).
 */
static void api_init_on_alloc(struct kunit *test)
{
	static const size_t sizes[] = { 24, 500, 4096 };
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *p, *q;

		migrate_disable();
		p = goalloc_kmalloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		memset(p, 0x3e, sizes[i]);
		q = same_slot_again(test, p, sizes[i], GFP_KERNEL);
		migrate_enable();
		KUNIT_ASSERT_PTR_EQ(test, q, p);
		if (want_init_on_alloc(GFP_KERNEL) || want_init_on_free())
			KUNIT_EXPECT_NULL(test, memchr_inv(q, 0, sizes[i]));
		else
			KUNIT_EXPECT_NULL(test, memchr_inv(q, 0x3e, sizes[i]));
		goalloc_kfree(q);
	}
	kunit_info(test, "note: init_on_alloc %s, init_on_free %s\n",
		   want_init_on_alloc(GFP_KERNEL) ? "on" : "off",
		   want_init_on_free() ? "on" : "off");
}

/*
 * The policy boot really has its policy: make check boots each with
 * ga_policy=aXfY on the command line, next to init_on_alloc=X
 * init_on_free=Y, and the kernel must have taken them.
 */
static void api_policy_as_booted(struct kunit *test)
{
	char *cmdline = read_text(test, "/proc/cmdline");
	char *at = strstr(cmdline, " ga_policy=");
	unsigned int a = 2, f = 2;
	int n;

	KUNIT_ASSERT_NOT_NULL_MSG(test, at, "no ga_policy= on the command line: %s", cmdline);
	n = sscanf(at, " ga_policy=a%uf%u", &a, &f);
	KUNIT_ASSERT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, want_init_on_alloc(GFP_KERNEL), a == 1);
	KUNIT_EXPECT_EQ(test, want_init_on_free(), f == 1);
	kunit_info(test, "note: booted for init_on_alloc=%u init_on_free=%u, and has them\n",
		   a, f);
}

/* init_on_free wipes freed objects, kmalloc'd or from a cache without ctor. */
static void api_init_on_free(struct kunit *test)
{
	u8 *keep, *p;

	migrate_disable();
	keep = goalloc_kmalloc(300, GFP_KERNEL);
	p = goalloc_kmalloc(300, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x77, 300);
	goalloc_kfree(p);
	KUNIT_EXPECT_TRUE(test, freed_bytes_are(p, want_init_on_free() ? 0 : 0x77, 300));
	goalloc_kfree(keep);
	migrate_enable();
}

static void fill_a5(void *p)
{
	memset(p, 0xa5, 1000);
}

struct reuse_range {
	unsigned long lo[64], hi[64];
	int n;
};

static void reuse_note(struct reuse_range *r, const void *p)
{
	struct ga_span *s = ga_span_lookup(p);
	int i;

	if (!s)
		return;
	for (i = 0; i < r->n; i++)
		if (r->lo[i] == s->base)
			return;
	if (r->n < ARRAY_SIZE(r->lo)) {
		r->lo[r->n] = s->base;
		r->hi[r->n++] = s->base + ga_span_bytes(s);
	}
}

static bool reuse_in(struct reuse_range *r, const void *p)
{
	int i;

	for (i = 0; i < r->n; i++)
		if ((unsigned long)p >= r->lo[i] && (unsigned long)p < r->hi[i])
			return true;
	return false;
}

/*
 * Memory one class or cache gave back to the heap, now another's: with
 * init_on_alloc or init_on_free it comes back zeroed, all its usable
 * bytes, even where a constructed cache (never wiped on free) had it.
 */
static void api_policy_reused_memory(struct kunit *test)
{
	bool zeroed = want_init_on_alloc(GFP_KERNEL) || want_init_on_free();
	struct reuse_range *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct goalloc_cache *ctor = goalloc_cache_create("reuse_ctor", 1000, 0, 0, fill_a5);
	void **objs = kunit_kcalloc(test, 200, sizeof(void *), GFP_KERNEL);
	int i, reused = 0, dirty = 0;

	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_NOT_NULL(test, ctor);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	/* A constructed cache's spans and a kmalloc class's, filled, freed. */
	for (i = 0; i < 200; i++) {
		objs[i] = i % 2 ? goalloc_cache_alloc(ctor, GFP_KERNEL) :
				  goalloc_kmalloc(3000, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		if (!(i % 2))
			memset(objs[i], 0x5a, 3000);
		reuse_note(r, objs[i]);
	}
	for (i = 0; i < 200; i++) {
		if (i % 2)
			goalloc_cache_free(ctor, objs[i]);
		else
			goalloc_kfree(objs[i]);
	}
	goalloc_cache_destroy(ctor);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);

	/* Another class takes the pages (first fit: the freed ones). */
	for (i = 0; i < 200; i++) {
		u8 *p = goalloc_kmalloc(1500, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		objs[i] = p;
		if (!reuse_in(r, p))
			continue;
		reused++;
		if (memchr_inv(p, 0, goalloc_ksize(p)))
			dirty++;
	}
	for (i = 0; i < 200; i++)
		goalloc_kfree(objs[i]);
	KUNIT_EXPECT_GT_MSG(test, reused, 0, "no object reused the freed spans");
	if (zeroed)
		KUNIT_EXPECT_EQ(test, dirty, 0);
	kunit_info(test, "note: init_on_alloc %d init_on_free %d: %d objects on reused memory, %d not zeroed\n",
		   want_init_on_alloc(GFP_KERNEL), want_init_on_free(), reused, dirty);
}

/* ---------------------------------------------------------------------- */
/* goalloc_api: caches                                                    */

struct node {
	u32 magic;
	u32 uses;
	u8 payload[56];
};

static atomic_t ctor_calls;

static void node_ctor(void *obj)
{
	struct node *n = obj;

	n->magic = 0xc0ffee;
	n->uses = 0;
	memset(n->payload, 0x11, sizeof(n->payload));
	atomic_inc(&ctor_calls);
}

/*
 * The constructor runs once per object when a span is new, not per
 * allocation; a freed object comes back as it was freed, even under
 * init_on_alloc and init_on_free.
 */
static void cache_ctor(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_ctor", sizeof(struct node), 0,
						       0, node_ctor);
	struct node *n, *m = NULL, **others;
	int calls, i, nothers = 0;

	KUNIT_ASSERT_NOT_NULL(test, c);
	others = kunit_kcalloc(test, 3 * c->central.nelems, sizeof(*others), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, others);
	atomic_set(&ctor_calls, 0);
	migrate_disable();
	n = goalloc_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, n);
	calls = atomic_read(&ctor_calls);
	KUNIT_EXPECT_EQ(test, calls, (int)c->central.nelems);
	KUNIT_EXPECT_EQ(test, n->magic, 0xc0ffeeU);
	KUNIT_EXPECT_NULL(test, memchr_inv(n->payload, 0x11, sizeof(n->payload)));
	n->uses = 7;
	goalloc_cache_free(c, n);
	for (i = 0; i < 3 * c->central.nelems; i++) {
		m = goalloc_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, m);
		if (m == n)
			break;
		KUNIT_EXPECT_EQ(test, m->magic, 0xc0ffeeU);
		others[nothers++] = m;
	}
	migrate_enable();
	KUNIT_EXPECT_PTR_EQ(test, m, n);
	KUNIT_EXPECT_EQ(test, m->uses, 7U);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctor_calls), calls);
	goalloc_cache_free(c, m);
	for (i = 0; i < nothers; i++)
		goalloc_cache_free(c, others[i]);
	goalloc_cache_destroy(c);
}

/* Caches never share spans with each other or with kmalloc. */
static void cache_isolation(struct kunit *test)
{
	struct goalloc_cache *a = goalloc_cache_create("ga_test_a", 64, 0, 0, NULL);
	struct goalloc_cache *b = goalloc_cache_create("ga_test_b", 64, 0, 0, NULL);
	long invalid0 = counter(&ga.errors.invalid_free);
	void **pa = kunit_kcalloc(test, 3 * 100, sizeof(void *), GFP_KERNEL);
	void **pb = pa + 100, **pk = pa + 200;
	struct ga_span *sa, *sb, *sk;
	int i, j;

	KUNIT_ASSERT_NOT_NULL(test, pa);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	for (i = 0; i < 100; i++) {
		pa[i] = goalloc_cache_alloc(a, GFP_KERNEL);
		pb[i] = goalloc_cache_alloc(b, GFP_KERNEL);
		pk[i] = goalloc_kmalloc(64, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, pa[i]);
		KUNIT_ASSERT_NOT_NULL(test, pb[i]);
		KUNIT_ASSERT_NOT_NULL(test, pk[i]);
	}
	for (i = 0; i < 100; i++) {
		sa = ga_span_lookup(pa[i]);
		sb = ga_span_lookup(pb[i]);
		sk = ga_span_lookup(pk[i]);
		KUNIT_EXPECT_PTR_EQ(test, sa->central, &a->central);
		KUNIT_EXPECT_PTR_EQ(test, sb->central, &b->central);
		KUNIT_EXPECT_PTR_EQ(test, sk->central, &ga.central[ga_size_class(64)]);
		for (j = 0; j < 100; j++) {
			KUNIT_EXPECT_PTR_NE(test, ga_span_lookup(pb[j]), sa);
			KUNIT_EXPECT_PTR_NE(test, ga_span_lookup(pk[j]), sa);
		}
	}
	/* Freeing to the wrong cache is refused; the object stays valid. */
	expect_reports_begin("frees to the wrong cache");
	goalloc_cache_free(a, pb[0]);
	goalloc_cache_free(a, pk[0]);
	expect_reports_end();
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.invalid_free) - invalid0, 2L);
	for (i = 0; i < 100; i++) {
		goalloc_cache_free(a, pa[i]);
		goalloc_cache_free(b, pb[i]);
		goalloc_kfree(pk[i]);
	}
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.invalid_free) - invalid0, 2L);
	goalloc_cache_destroy(a);
	goalloc_cache_destroy(b);
}

/* Go's rule for span size: the fewest pages whose unused tail is <= 1/8. */
static void cache_span_geometry(struct kunit *test)
{
	long interior0 = counter(&ga.errors.interior_free);
	/* 49200: 2 objects in 13 pages, where divMagic is inexact. */
	static const unsigned int sizes[] = { 8, 100, 700, 1500, 3000, 9000, 20000, 40000,
					      49200, 65536, 1000000 };
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct goalloc_cache *c;
		unsigned long span, elem;
		void *p, *q;

		c = goalloc_cache_create("ga_test_geom", sizes[i], 0, 0, NULL);
		KUNIT_ASSERT_NOT_NULL(test, c);
		elem = c->central.elemsize;
		span = c->central.npages * GA_PAGE_SIZE;
		KUNIT_EXPECT_GE(test, elem, (unsigned long)sizes[i]);
		KUNIT_EXPECT_LE_MSG(test, span % elem, span / 8, "size %u", sizes[i]);
		if (c->central.npages > 1) {
			unsigned long less = span - GA_PAGE_SIZE;

			KUNIT_EXPECT_GT_MSG(test, less % elem, less / 8, "size %u", sizes[i]);
		}
		KUNIT_EXPECT_EQ(test, c->central.nelems, (u16)(span / elem));
		p = goalloc_cache_alloc(c, GFP_KERNEL);
		q = goalloc_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_ASSERT_NOT_NULL(test, q);
		memset(p, 0x2d, sizes[i]);
		KUNIT_EXPECT_EQ(test, goalloc_ksize(p), (size_t)elem);
		if (is_power_of_2(elem))
			KUNIT_EXPECT_EQ(test, (unsigned long)p % elem, 0UL);
		/* Interior pointers are refused whether divMagic or division indexes. */
		expect_reports_begin("an interior free");
		goalloc_cache_free(c, p + elem / 2);
		expect_reports_end();
		goalloc_cache_free(c, p);
		goalloc_cache_free(c, q);
		goalloc_cache_destroy(c);
	}
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.interior_free) - interior0,
			(long)ARRAY_SIZE(sizes));
	KUNIT_EXPECT_EQ(test, stats_value(test, "cache_leaks"), 0UL);
}

static void cache_alignment(struct kunit *test)
{
	struct goalloc_cache *c64 = goalloc_cache_create("ga_test_al64", 40, 64, 0, NULL);
	struct goalloc_cache *chw = goalloc_cache_create("ga_test_hw", 100, 0,
							 SLAB_HWCACHE_ALIGN, NULL);
	int i;

	void *p[50], *q[50];

	KUNIT_ASSERT_NOT_NULL(test, c64);
	KUNIT_ASSERT_NOT_NULL(test, chw);
	for (i = 0; i < 50; i++) {
		p[i] = goalloc_cache_alloc(c64, GFP_KERNEL);
		q[i] = goalloc_cache_alloc(chw, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_ASSERT_NOT_NULL(test, q[i]);
		KUNIT_EXPECT_EQ(test, (unsigned long)p[i] % 64, 0UL);
		KUNIT_EXPECT_EQ(test, (unsigned long)q[i] % cache_line_size(), 0UL);
	}
	goalloc_cache_free_bulk(c64, 50, p);
	goalloc_cache_free_bulk(chw, 50, q);
	goalloc_cache_destroy(c64);
	goalloc_cache_destroy(chw);
}

static void cache_create_rejects(struct kunit *test)
{
	expect_reports_begin("caches with bad arguments");
	KUNIT_EXPECT_NULL(test, goalloc_cache_create(NULL, 64, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, goalloc_cache_create("", 64, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, goalloc_cache_create("has space", 64, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, goalloc_cache_create("ga_test_x", 0, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, goalloc_cache_create("ga_test_x", SZ_4M + 1, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, goalloc_cache_create("ga_test_x", 64, 3, 0, NULL));
	KUNIT_EXPECT_NULL(test, goalloc_cache_create("ga_test_x", 64, SZ_16K, 0, NULL));
	KUNIT_EXPECT_NULL(test, goalloc_cache_create("a_name_that_is_longer_than_32_chars",
						     64, 0, 0, NULL));
	expect_reports_end();
	goalloc_cache_destroy(NULL);
}

/*
 * The SLAB_ flags modules pass: each one goalloc takes or ignores gives a
 * working cache; the ones it refuses give NULL and one line. The table is
 * in Documentation/goalloc.rst.
 */
static void cache_flags(struct kunit *test)
{
	static const slab_flags_t taken[] = {
		SLAB_HWCACHE_ALIGN, SLAB_PANIC, SLAB_NOLEAKTRACE, SLAB_RECLAIM_ACCOUNT,
		SLAB_MEM_SPREAD, SLAB_CONSISTENCY_CHECKS, SLAB_RED_ZONE, SLAB_POISON,
		SLAB_STORE_USER, SLAB_TRACE, SLAB_DEBUG_OBJECTS, SLAB_FAILSLAB,
		SLAB_NO_USER_FLAGS, SLAB_SKIP_KFENCE, GOALLOC_CACHE_DIRECT_MAP,
		SLAB_TYPESAFE_BY_RCU,
		SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT | SLAB_MEM_SPREAD | SLAB_PANIC,
	};
	static const slab_flags_t refused[] = {
		SLAB_CACHE_DMA, SLAB_CACHE_DMA32, SLAB_KMALLOC, (slab_flags_t __force)0x200U,
		SLAB_ACCOUNT ?: SLAB_CACHE_DMA, SLAB_RECLAIM_ACCOUNT | SLAB_CACHE_DMA,
	};
	struct goalloc_cache *c;
	unsigned int i, j;
	char *f[4], *text;
	void *p[40];

	for (i = 0; i < ARRAY_SIZE(taken); i++) {
		c = goalloc_cache_create("ga_test_flags", 96, 0, taken[i], NULL);
		KUNIT_EXPECT_NOT_NULL_MSG(test, c, "flags %#x", (unsigned int)taken[i]);
		if (!c)
			continue;
		KUNIT_EXPECT_EQ(test, goalloc_cache_size(c), 96U);
		for (j = 0; j < ARRAY_SIZE(p); j++) {
			p[j] = goalloc_cache_alloc(c, GFP_KERNEL);
			KUNIT_EXPECT_NOT_NULL(test, p[j]);
			if (p[j])
				memset(p[j], 0x5a, 96);
		}
		if (taken[i] & SLAB_RECLAIM_ACCOUNT) {
			/* Shown as reclaimable, with all of its spans' bytes. */
			text = read_stats(test);
			KUNIT_EXPECT_EQ(test, stats_row(test, text, "ga_test_flags", f,
							ARRAY_SIZE(f)), 3);
			KUNIT_EXPECT_NOT_NULL(test, strstr(f[2], "reclaim_account"));
			KUNIT_ASSERT_EQ(test, stats_row(test, text, "reclaimable_span_bytes", f,
							ARRAY_SIZE(f)), 2);
			KUNIT_EXPECT_GE(test, number_at(test, f, 1),
					(unsigned long)c->central.npages * GA_PAGE_SIZE);
		}
		for (j = 0; j < ARRAY_SIZE(p); j++)
			goalloc_cache_free(c, p[j]);
		goalloc_cache_destroy(c);
	}
	expect_reports_begin("caches with refused flags");
	for (i = 0; i < ARRAY_SIZE(refused); i++)
		KUNIT_EXPECT_NULL_MSG(test, goalloc_cache_create("ga_test_flags", 96, 0,
								 refused[i], NULL),
				      "flags %#x", (unsigned int)refused[i]);
	expect_reports_end();
	text = read_stats(test);
	KUNIT_EXPECT_EQ(test, stats_row(test, text, "ga_test_flags", f, ARRAY_SIZE(f)), 0);
}

static void cache_zalloc_and_bulk(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_bulk", 250, 0, 0, NULL);
	void *p[200];
	u8 *z;
	int i, j;

	KUNIT_ASSERT_NOT_NULL(test, c);
	z = goalloc_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, z);
	memset(z, 0xfe, 250);
	goalloc_cache_free(c, z);
	z = goalloc_cache_zalloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, z);
	KUNIT_EXPECT_NULL(test, memchr_inv(z, 0, 250));
	goalloc_cache_free(c, z);

	KUNIT_ASSERT_EQ(test, goalloc_cache_alloc_bulk(c, GFP_KERNEL, ARRAY_SIZE(p), p),
			(int)ARRAY_SIZE(p));
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		memset(p[i], i, 250);
	}
	for (i = 0; i < ARRAY_SIZE(p); i++)
		for (j = i + 1; j < ARRAY_SIZE(p); j++)
			KUNIT_ASSERT_PTR_NE(test, p[i], p[j]);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		KUNIT_EXPECT_NULL(test, memchr_inv(p[i], i & 0xff, 250));
	goalloc_cache_free_bulk(c, ARRAY_SIZE(p), p);
	goalloc_cache_destroy(c);
}

/* A bulk allocation that cannot be met entirely gets nothing and keeps nothing. */
static void cache_bulk_partial_failure(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_big", SZ_2M, 0, 0, NULL);
	size_t nr = ga.heap.max_bytes / SZ_2M + 1;
	unsigned long pages0;
	long fail0;
	void **p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = kunit_kcalloc(test, nr, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	pages0 = ga_test_pages_inuse();
	fail0 = counter(&ga.errors.alloc_fail);
	KUNIT_EXPECT_EQ(test, goalloc_cache_alloc_bulk(c, GFP_NOWAIT | __GFP_NOWARN, nr, p), 0);
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.alloc_fail) - fail0, 1L);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	KUNIT_EXPECT_EQ(test, ga_test_pages_inuse(), pages0);
	KUNIT_EXPECT_EQ(test, goalloc_cache_alloc_bulk(c, GFP_KERNEL, 2, p), 2);
	goalloc_cache_free_bulk(c, 2, p);
	goalloc_cache_destroy(c);
}

/*
 * Destroying a cache with live objects reports them, and they count in
 * cache_leaks until they are freed; freeing them stays safe.
 */
static void cache_destroy_with_live_objects(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_leak", 96, 0, 0, NULL);
	unsigned long leaks0 = stats_value(test, "cache_leaks");
	long dbl0 = counter(&ga.errors.double_free);
	long inv0 = counter(&ga.errors.invalid_free);
	void *p[3];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	for (i = 0; i < 3; i++) {
		p[i] = goalloc_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	expect_reports_begin("cache destroyed with live objects");
	goalloc_cache_destroy(c);
	expect_reports_end();
	KUNIT_EXPECT_EQ(test, stats_value(test, "cache_leaks") - leaks0, 3UL);
	for (i = 0; i < 3; i++) {
		memset(p[i], 0, 96);
		goalloc_kfree(p[i]);
	}
	KUNIT_EXPECT_EQ(test, stats_value(test, "cache_leaks"), leaks0);
	/* Freed for real: a second free is refused (the span may be gone). */
	expect_reports_begin("double free");
	goalloc_kfree(p[0]);
	expect_reports_end();
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.double_free) - dbl0 +
			counter(&ga.errors.invalid_free) - inv0, 1L);
}

/* ---------------------------------------------------------------------- */
/* goalloc_api: the helpers modules call                                  */

/* kmemdup, kmemdup_nul, kstrdup, kstrndup: copies in goalloc objects. */
static void api_dup_helpers(struct kunit *test)
{
	static const char src[] = "goalloc: the Go runtime's allocator";
	u8 bytes[300];
	char *s;
	u8 *m;
	int i;

	for (i = 0; i < ARRAY_SIZE(bytes); i++)
		bytes[i] = i * 7 + 3;
	m = goalloc_kmemdup(bytes, sizeof(bytes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_EXPECT_TRUE(test, goalloc_owns(m));
	KUNIT_EXPECT_EQ(test, goalloc_ksize(m), (size_t)320);
	KUNIT_EXPECT_EQ(test, memcmp(m, bytes, sizeof(bytes)), 0);
	goalloc_kfree(m);
	KUNIT_EXPECT_PTR_EQ(test, goalloc_kmemdup(bytes, 0, GFP_KERNEL), ZERO_SIZE_PTR);

	s = goalloc_kstrdup(src, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_STREQ(test, s, src);
	KUNIT_EXPECT_TRUE(test, goalloc_owns(s));
	goalloc_kfree(s);
	s = goalloc_kstrndup(src, 7, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_STREQ(test, s, "goalloc");
	goalloc_kfree(s);
	/* A bound past the string's end copies the string. */
	s = goalloc_kstrndup(src, 1000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_STREQ(test, s, src);
	goalloc_kfree(s);
	/* kmemdup_nul copies NULs inside and ends with one. */
	s = goalloc_kmemdup_nul("ab\0cd", 5, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, memcmp(s, "ab\0cd\0", 6), 0);
	goalloc_kfree(s);
	s = goalloc_kstrdup("", GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s[0], '\0');
	goalloc_kfree(s);
	KUNIT_EXPECT_NULL(test, goalloc_kstrdup(NULL, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_kstrndup(NULL, 4, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_kmemdup_nul(NULL, 4, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_kmemdup_nul(src, SIZE_MAX, GFP_KERNEL));
}

/* The node hint: any node or none gives an object of the same kind. */
static void api_node_hint(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_node", 72, 0, 0, NULL);
	int nodes[] = { NUMA_NO_NODE, 0, first_online_node };
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, goalloc_cache_size(c), 72U);
	for (i = 0; i < ARRAY_SIZE(nodes); i++) {
		void *p = goalloc_kmalloc_node(100, GFP_KERNEL | __GFP_ZERO, nodes[i]);
		void *q = goalloc_cache_alloc_node(c, GFP_KERNEL, nodes[i]);

		KUNIT_EXPECT_NOT_NULL(test, p);
		KUNIT_EXPECT_NOT_NULL(test, q);
		KUNIT_EXPECT_EQ(test, goalloc_ksize(p), (size_t)112);
		KUNIT_EXPECT_TRUE(test, p && !memchr_inv(p, 0, 100));
		KUNIT_EXPECT_TRUE(test, goalloc_owns(q));
		goalloc_kfree(p);
		goalloc_cache_free(c, q);
	}
	goalloc_cache_destroy(c);
}

/*
 * goalloc_kvmalloc: any size the heap holds, 8 MiB here (past kmalloc's
 * 4 MiB limit, which kmalloc_direct=1 keeps); large ones are vmalloc
 * memory whatever backs the kmalloc family.
 */
static void api_kvmalloc(struct kunit *test)
{
	size_t sizes[] = { 24, SZ_32K, SZ_64K + 1, SZ_4M + 1, SZ_8M };
	unsigned int i;

	KUNIT_EXPECT_PTR_EQ(test, goalloc_kvmalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *p = goalloc_kvmalloc(sizes[i], GFP_KERNEL | __GFP_ZERO);

		KUNIT_ASSERT_NOT_NULL_MSG(test, p, "%zu bytes", sizes[i]);
		KUNIT_EXPECT_GE(test, goalloc_ksize(p), sizes[i]);
		KUNIT_EXPECT_TRUE(test, !memchr_inv(p, 0, sizes[i]));
		if (sizes[i] > GA_MAX_SMALL_SIZE)
			KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(p));
		p[0] = 1;
		p[sizes[i] - 1] = 2;
		goalloc_kfree(p);
	}
	/* More than the heap can ever hold: NULL, not a wait. */
	KUNIT_EXPECT_NULL(test, goalloc_kvmalloc(ga.heap.max_bytes + 1,
						 GFP_KERNEL | __GFP_NOWARN));
}

/* goalloc_owns: live objects of every kind yes; anything else no. */
static void api_owns(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_owns", 40, 0, 0, NULL);
	void *k = goalloc_kmalloc(200, GFP_KERNEL);
	void *t = goalloc_kmalloc_tiny(6, GFP_KERNEL);
	void *t2 = goalloc_kmalloc_tiny(4, GFP_KERNEL);
	void *l = goalloc_kmalloc(SZ_128K, GFP_KERNEL);
	void *o = c ? goalloc_cache_alloc(c, GFP_KERNEL) : NULL;
	void *slab = kmalloc(64, GFP_KERNEL);
	int local;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_NOT_NULL(test, t2);
	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_ASSERT_NOT_NULL(test, o);
	KUNIT_ASSERT_NOT_NULL(test, slab);
	KUNIT_EXPECT_TRUE(test, goalloc_owns(k));
	KUNIT_EXPECT_TRUE(test, goalloc_owns(t));
	KUNIT_EXPECT_TRUE(test, goalloc_owns(t2));
	KUNIT_EXPECT_TRUE(test, goalloc_owns(l));
	KUNIT_EXPECT_TRUE(test, goalloc_owns(o));
	/* Inside an object, not one. */
	KUNIT_EXPECT_FALSE(test, goalloc_owns((u8 *)k + 8));
	KUNIT_EXPECT_FALSE(test, goalloc_owns((u8 *)l + PAGE_SIZE));
	KUNIT_EXPECT_FALSE(test, goalloc_owns((u8 *)o + 1));
	/* Not goalloc's. */
	KUNIT_EXPECT_FALSE(test, goalloc_owns(NULL));
	KUNIT_EXPECT_FALSE(test, goalloc_owns(ZERO_SIZE_PTR));
	KUNIT_EXPECT_FALSE(test, goalloc_owns(slab));
	KUNIT_EXPECT_FALSE(test, goalloc_owns(&local));
	KUNIT_EXPECT_FALSE(test, goalloc_owns(test));
	/* Freed. */
	goalloc_kfree(k);
	goalloc_kfree(t);
	goalloc_kfree(l);
	goalloc_cache_free(c, o);
	KUNIT_EXPECT_FALSE(test, goalloc_owns(k));
	KUNIT_EXPECT_FALSE(test, goalloc_owns(t));
	KUNIT_EXPECT_TRUE(test, goalloc_owns(t2));
	KUNIT_EXPECT_FALSE(test, goalloc_owns(l));
	KUNIT_EXPECT_FALSE(test, goalloc_owns(o));
	goalloc_kfree(t2);
	KUNIT_EXPECT_FALSE(test, goalloc_owns(t2));
	kfree(slab);
	goalloc_cache_destroy(c);
}

/* Spans a central has: partial, full and in mcaches. */
static unsigned long central_spans(struct ga_mcentral *c)
{
	unsigned long flags, n;

	spin_lock_irqsave(&c->lock, flags);
	n = c->nr_partial + c->nr_full + c->nr_cached;
	spin_unlock_irqrestore(&c->lock, flags);
	return n;
}

/* A cache's spans of free objects go back to the heap on a shrink. */
static void api_cache_shrink(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_shrink", 256, 0, 0, NULL);
	void *objs[64];
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = goalloc_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		goalloc_cache_free(c, objs[i]);
	KUNIT_EXPECT_GT(test, central_spans(&c->central), 0UL);
	KUNIT_EXPECT_EQ(test, goalloc_cache_shrink(c), 0);
	KUNIT_EXPECT_EQ(test, central_spans(&c->central), 0UL);
	/* Still usable after. */
	objs[0] = goalloc_cache_alloc(c, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, objs[0]);
	goalloc_cache_free(c, objs[0]);
	goalloc_cache_destroy(c);
}

/* ---------------------------------------------------------------------- */
/* goalloc_api: frees after a grace period                                */

struct rcu_obj {
	u64 payload[5];
	struct rcu_head rcu;	/* not at offset 0, as in most users */
	u32 tail;
};

/*
 * goalloc_kfree_rcu of kmalloc-family and cache objects, and the headless
 * form: nothing is freed while a reader that began before is still in its
 * read-side section; everything is after a flush; one grace period
 * request serves many objects.
 */
static void api_kfree_rcu(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_rcu", sizeof(struct rcu_obj),
						       0, 0, NULL);
	struct ga_rcu_stats st0, st;
	struct rcu_obj **o;
	const unsigned int n = 1000;
	void *big, *headless[8];
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	o = kunit_kcalloc(test, n, sizeof(*o), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o);
	for (i = 0; i < n; i++) {
		o[i] = i % 2 ? goalloc_cache_alloc(c, GFP_KERNEL) :
			       goalloc_kmalloc(sizeof(*o[i]) + i % 300, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, o[i]);
	}
	big = goalloc_kmalloc(SZ_64K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);
	for (i = 0; i < ARRAY_SIZE(headless); i++) {
		headless[i] = goalloc_kmalloc(8 + i * 100, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, headless[i]);
	}
	ga_rcu_flush();
	ga_rcu_read_stats(&st0);

	migrate_disable();
	rcu_read_lock();
	for (i = 0; i < n; i++)
		goalloc_kfree_rcu(o[i], rcu);
	goalloc_kfree_rcu_head(big, (struct rcu_head *)(big + SZ_32K));
	goalloc_kfree_rcu((struct rcu_obj *)NULL, rcu);
	/* A reader that began before: every object is still allocated. */
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE(test, goalloc_owns(o[i]));
	KUNIT_EXPECT_TRUE(test, goalloc_owns(big));
	rcu_read_unlock();
	migrate_enable();
	for (i = 0; i < ARRAY_SIZE(headless); i++)
		goalloc_kfree_rcu_mightsleep(headless[i]);
	goalloc_kfree_rcu_mightsleep(NULL);

	ga_rcu_flush();
	ga_rcu_read_stats(&st);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_FALSE(test, goalloc_owns(o[i]));
	KUNIT_EXPECT_FALSE(test, goalloc_owns(big));
	for (i = 0; i < ARRAY_SIZE(headless); i++)
		KUNIT_EXPECT_FALSE(test, goalloc_owns(headless[i]));
	KUNIT_EXPECT_EQ(test, st.queued - st0.queued, (unsigned long)n + 1 + ARRAY_SIZE(headless));
	KUNIT_EXPECT_EQ(test, st.freed - st0.freed, st.queued - st0.queued);
	KUNIT_EXPECT_EQ(test, st.headless - st0.headless, (unsigned long)ARRAY_SIZE(headless));
	KUNIT_EXPECT_GE(test, st.batches - st0.batches, 1UL);
	KUNIT_EXPECT_LE(test, (st.batches - st0.batches) * 10, (unsigned long)n);
	kunit_info(test, "note: %lu deferred frees (%lu headless) in %lu grace-period batches\n",
		   st.queued - st0.queued, st.headless - st0.headless, st.batches - st0.batches);
	goalloc_cache_destroy(c);
}

/* Destroy waits for a cache's deferred frees, as kmem_cache_destroy. */
static void api_destroy_waits_for_kfree_rcu(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_rcu_destroy",
						       sizeof(struct rcu_obj), 0, 0, NULL);
	long leaks0 = 0;
	char *f[4], *text;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	text = read_stats(test);
	KUNIT_ASSERT_EQ(test, stats_row(test, text, "cache_leaks", f, ARRAY_SIZE(f)), 2);
	leaks0 = number_at(test, f, 1);
	for (i = 0; i < 100; i++) {
		struct rcu_obj *o = goalloc_cache_alloc(c, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, o);
		goalloc_kfree_rcu(o, rcu);
	}
	goalloc_cache_destroy(c);
	text = read_stats(test);
	KUNIT_ASSERT_EQ(test, stats_row(test, text, "cache_leaks", f, ARRAY_SIZE(f)), 2);
	KUNIT_EXPECT_EQ(test, (long)number_at(test, f, 1), leaks0);
	KUNIT_EXPECT_EQ(test, stats_row(test, text, "ga_test_rcu_destroy", f, ARRAY_SIZE(f)), 0);
}

/*
 * SLAB_TYPESAFE_BY_RCU: a reader under rcu_read_lock() that finds an
 * object in a table reads an object of the cache, whatever writers on
 * another CPU do meanwhile: free it, allocate it again for another key,
 * empty whole spans, while a third user takes and scribbles on every
 * kmalloc size that could reuse their pages. The object's magic (set by
 * the constructor, kept by every user) must always be there, and its key
 * must be one the table can hold; a changed key is what real users
 * detect with their own check, and retry.
 */
#define TS_SLOTS	512
#define TS_MAGIC	0x7479706573616665ULL

struct ts_obj {
	u64 magic;
	u32 key;
	u32 seq;
	u8 body[112];
};

static struct {
	struct ts_obj __rcu *slot[TS_SLOTS];
	struct goalloc_cache *cache;
	atomic_t stop;
	unsigned long lookups, stale, bad, rounds;
} ts;

static void ts_ctor(void *p)
{
	struct ts_obj *o = p;

	o->magic = TS_MAGIC;
	o->key = U32_MAX;
}

static int ts_writer(void *unused)
{
	void *junk[64];
	unsigned int i, j, round = 0;

	while (!atomic_read(&ts.stop)) {
		/* Replace every object: the old ones freed at once. */
		for (i = 0; i < TS_SLOTS; i++) {
			struct ts_obj *old = rcu_dereference_protected(ts.slot[i], 1);
			struct ts_obj *o = goalloc_cache_alloc(ts.cache, GFP_KERNEL);

			if (o) {
				o->key = i;
				o->seq = round;
				memset(o->body, round, sizeof(o->body));
			}
			rcu_assign_pointer(ts.slot[i], o);
			if (old)
				goalloc_cache_free(ts.cache, old);
		}
		/* Every other round, empty the table: whole spans go. */
		if (round % 2) {
			for (i = 0; i < TS_SLOTS; i++) {
				struct ts_obj *old = rcu_dereference_protected(ts.slot[i], 1);

				RCU_INIT_POINTER(ts.slot[i], NULL);
				if (old)
					goalloc_cache_free(ts.cache, old);
			}
			goalloc_cache_shrink(ts.cache);
		}
		/* Memory the heap got back, taken and scribbled on. */
		for (j = 0; j < ARRAY_SIZE(junk); j++) {
			junk[j] = goalloc_kmalloc(128 << (j % 8), GFP_KERNEL);
			if (junk[j])
				memset(junk[j], 0xa5, 128 << (j % 8));
		}
		for (j = 0; j < ARRAY_SIZE(junk); j++)
			goalloc_kfree(junk[j]);
		round++;
		WRITE_ONCE(ts.rounds, round);
		cond_resched();
	}
	return 0;
}

static int ts_reader(void *unused)
{
	unsigned int i = 0;

	while (!atomic_read(&ts.stop)) {
		struct ts_obj *o;

		rcu_read_lock();
		o = rcu_dereference(ts.slot[i]);
		if (o) {
			ts.lookups++;
			if (READ_ONCE(o->magic) != TS_MAGIC)
				ts.bad++;
			else if (READ_ONCE(o->key) != i)
				ts.stale++;	/* freed and reused: a user retries */
		}
		rcu_read_unlock();
		i = (i + 1) % TS_SLOTS;
		if (!i)
			cond_resched();
	}
	return 0;
}

static void cache_typesafe_by_rcu(struct kunit *test)
{
	struct task_struct *w, *r;
	unsigned int i;

	memset(&ts, 0, sizeof(ts));
	ts.cache = goalloc_cache_create("ga_test_typesafe", sizeof(struct ts_obj), 0,
					SLAB_TYPESAFE_BY_RCU, ts_ctor);
	KUNIT_ASSERT_NOT_NULL(test, ts.cache);
	KUNIT_ASSERT_GE(test, num_online_cpus(), 2U);
	w = kthread_create(ts_writer, NULL, "ga_ts_writer");
	r = kthread_create(ts_reader, NULL, "ga_ts_reader");
	KUNIT_ASSERT_FALSE(test, IS_ERR(w));
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	kthread_bind(w, cpumask_first(cpu_online_mask));
	kthread_bind(r, cpumask_next(cpumask_first(cpu_online_mask), cpu_online_mask));
	get_task_struct(w);
	get_task_struct(r);
	wake_up_process(w);
	wake_up_process(r);
	for (i = 0; i < 300 && READ_ONCE(ts.rounds) < 40; i++)
		msleep(20);
	atomic_set(&ts.stop, 1);
	kthread_stop(w);
	kthread_stop(r);
	put_task_struct(w);
	put_task_struct(r);

	KUNIT_EXPECT_EQ(test, ts.bad, 0UL);
	KUNIT_EXPECT_GT(test, ts.lookups, 0UL);
	KUNIT_EXPECT_GE(test, ts.rounds, 10UL);
	kunit_info(test, "note: %lu writer rounds, %lu lookups under RCU, %lu found a reused object, %lu not of the cache\n",
		   ts.rounds, ts.lookups, ts.stale, ts.bad);
	for (i = 0; i < TS_SLOTS; i++) {
		struct ts_obj *o = rcu_dereference_protected(ts.slot[i], 1);

		if (o)
			goalloc_cache_free(ts.cache, o);
	}
	goalloc_cache_destroy(ts.cache);
}

/*
 * A type-safe cache's objects: a freed one is never wiped (whatever the
 * policy) nor poisoned (KASAN stays silent on a read after the free), and
 * its span goes back to the heap only after a grace period.
 */
static void cache_typesafe_free_keeps_memory(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_typesafe2",
						       sizeof(struct ts_obj), 0,
						       SLAB_TYPESAFE_BY_RCU, ts_ctor);
	struct ga_rcu_stats st0, st;
	struct ts_obj **o;
	unsigned int i, n;

	KUNIT_ASSERT_NOT_NULL(test, c);
	n = c->central.nelems;
	o = kunit_kcalloc(test, n + 1, sizeof(*o), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o);
	/* A whole span, and one more: the first span goes uncached, full. */
	migrate_disable();
	for (i = 0; i <= n; i++) {
		o[i] = goalloc_cache_alloc(c, GFP_KERNEL);
		KUNIT_EXPECT_NOT_NULL(test, o[i]);
	}
	migrate_enable();
	for (i = 0; i <= n; i++)
		KUNIT_ASSERT_NOT_NULL(test, o[i]);
	KUNIT_EXPECT_EQ(test, o[0]->magic, TS_MAGIC);
	o[0]->key = 77;
	ga_rcu_read_stats(&st0);
	rcu_read_lock();
	/*
	 * Its last free empties the span, which its mcentral keeps; given
	 * back (the trim), it is back in the heap only after this reader.
	 */
	for (i = 0; i < n; i++)
		goalloc_cache_free(c, o[i]);
	KUNIT_EXPECT_EQ(test, ga_mcentral_trim(&c->central, true, NULL), 1UL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(o[0]->magic), TS_MAGIC);
	KUNIT_EXPECT_EQ(test, READ_ONCE(o[0]->key), 77U);
	KUNIT_EXPECT_EQ(test, READ_ONCE(o[n - 1]->magic), TS_MAGIC);
	ga_rcu_read_stats(&st);
	rcu_read_unlock();
	KUNIT_EXPECT_GT(test, st.typesafe_waiting, st0.typesafe_waiting);
	goalloc_cache_free(c, o[n]);
	goalloc_cache_destroy(c);
	ga_rcu_read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.typesafe_waiting, 0UL);
}

static struct kunit_case api_cases[] = {
	KUNIT_CASE(api_zero_size_and_null),
	KUNIT_CASE(api_kzalloc_and_gfp_zero),
	KUNIT_CASE(api_array_overflow),
	KUNIT_CASE(api_krealloc_paths),
	KUNIT_CASE(api_kfree_sensitive),
	KUNIT_CASE(api_kfree_sensitive_refused),
	KUNIT_CASE(api_ksize),
	KUNIT_CASE(api_alignment),
	KUNIT_CASE(api_gfp_nowarn),
	KUNIT_CASE(api_policy_as_booted),
	KUNIT_CASE(api_init_on_alloc),
	KUNIT_CASE(api_init_on_free),
	KUNIT_CASE(api_policy_reused_memory),
	KUNIT_CASE(cache_ctor),
	KUNIT_CASE(cache_isolation),
	KUNIT_CASE(cache_span_geometry),
	KUNIT_CASE(cache_alignment),
	KUNIT_CASE(cache_create_rejects),
	KUNIT_CASE(cache_flags),
	KUNIT_CASE(cache_zalloc_and_bulk),
	KUNIT_CASE(cache_bulk_partial_failure),
	KUNIT_CASE(cache_destroy_with_live_objects),
	KUNIT_CASE(api_dup_helpers),
	KUNIT_CASE(api_node_hint),
	KUNIT_CASE(api_kvmalloc),
	KUNIT_CASE(api_owns),
	KUNIT_CASE(api_cache_shrink),
	KUNIT_CASE(api_kfree_rcu),
	KUNIT_CASE(api_destroy_waits_for_kfree_rcu),
	KUNIT_CASE(cache_typesafe_by_rcu),
	KUNIT_CASE(cache_typesafe_free_keeps_memory),
	{}
};

static struct kunit_suite api_suite = {
	.name = "goalloc_api",
	.exit = ga_test_exit,
	.test_cases = api_cases,
};

/* ---------------------------------------------------------------------- */
/* goalloc_badinput: every bad input, its defined outcome                 */

/*
 * One case per row of the table in Documentation/goalloc.rst ("Bad
 * input"). Each checks the outcome and the counter, and ga_test_exit()
 * verifies the heap intact after it.
 */

struct bad_counts {
	long dbl, invalid, interior, fail, reported, cache, nmi;
};

static struct bad_counts bad_now(void)
{
	struct bad_counts c = {
		counter(&ga.errors.double_free), counter(&ga.errors.invalid_free),
		counter(&ga.errors.interior_free), counter(&ga.errors.alloc_fail),
		counter(&ga.errors.alloc_fail_reported), counter(&ga.errors.bad_cache),
		counter(&ga.errors.nmi),
	};

	return c;
}

/* Exactly the counters in @want moved since @c0, by as much. */
static void expect_counts(struct kunit *test, struct bad_counts c0, struct bad_counts want)
{
	struct bad_counts now = bad_now();

	KUNIT_EXPECT_EQ_MSG(test, now.dbl - c0.dbl, want.dbl, "double_free");
	KUNIT_EXPECT_EQ_MSG(test, now.invalid - c0.invalid, want.invalid, "invalid_free");
	KUNIT_EXPECT_EQ_MSG(test, now.interior - c0.interior, want.interior, "interior_free");
	KUNIT_EXPECT_EQ_MSG(test, now.fail - c0.fail, want.fail, "alloc_fail");
	KUNIT_EXPECT_EQ_MSG(test, now.reported - c0.reported, want.reported,
			    "alloc_fail_reported");
	KUNIT_EXPECT_EQ_MSG(test, now.cache - c0.cache, want.cache, "bad_cache");
	KUNIT_EXPECT_EQ_MSG(test, now.nmi - c0.nmi, want.nmi, "nmi");
}

/* NULL and ZERO_SIZE_PTR: no-ops where kmalloc's are, counted nowhere. */
static void bad_null_and_zero_size_ptr(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_bad_null", 64, 0, 0, NULL);
	struct bad_counts c0 = bad_now();
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	goalloc_kfree(NULL);
	goalloc_kfree(ZERO_SIZE_PTR);
	goalloc_kfree_sensitive(NULL);
	goalloc_kfree_sensitive(ZERO_SIZE_PTR);
	goalloc_cache_free(c, NULL);
	goalloc_cache_free_bulk(c, 0, NULL);
	KUNIT_EXPECT_EQ(test, goalloc_ksize(NULL), (size_t)0);
	KUNIT_EXPECT_EQ(test, goalloc_ksize(ZERO_SIZE_PTR), (size_t)0);
	p = goalloc_krealloc(ZERO_SIZE_PTR, 20, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	goalloc_kfree(p);
	KUNIT_EXPECT_PTR_EQ(test, goalloc_krealloc(NULL, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	expect_counts(test, c0, (struct bad_counts){ 0 });
	goalloc_cache_destroy(c);
}

static int bad_module_data = 0x5a5a5a5a;

/* Pointers goalloc never handed out: refused as invalid, nothing touched. */
static void bad_foreign_pointers(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_bad_foreign", 64, 0, 0, NULL);
	u8 *km = kunit_kmalloc(test, 64, GFP_KERNEL), *vm = vmalloc(3 * PAGE_SIZE);
	u8 on_stack[64];
	void *ptrs[] = { km, on_stack, vm, vm + PAGE_SIZE + 8, &bad_module_data,
			 (void *)0x10000, (void *)(TASK_SIZE_MAX - PAGE_SIZE), (void *)bad_now,
			 (void *)-4096L };
	struct bad_counts c0;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, km);
	KUNIT_ASSERT_NOT_NULL(test, vm);
	memset(km, 0x11, 64);
	memset(on_stack, 0x22, sizeof(on_stack));
	memset(vm, 0x33, 3 * PAGE_SIZE);
	c0 = bad_now();
	expect_reports_begin("frees of pointers goalloc did not hand out");
	for (i = 0; i < ARRAY_SIZE(ptrs); i++) {
		goalloc_kfree(ptrs[i]);
		goalloc_kfree_sensitive(ptrs[i]);
		goalloc_cache_free(c, ptrs[i]);
		KUNIT_EXPECT_NULL(test, goalloc_krealloc(ptrs[i], 100, GFP_KERNEL));
		KUNIT_EXPECT_EQ(test, goalloc_ksize(ptrs[i]), (size_t)0);
	}
	expect_reports_end();
	expect_counts(test, c0, (struct bad_counts){ .invalid = 4 * ARRAY_SIZE(ptrs) });
	KUNIT_EXPECT_NULL(test, memchr_inv(km, 0x11, 64));
	KUNIT_EXPECT_NULL(test, memchr_inv(on_stack, 0x22, sizeof(on_stack)));
	KUNIT_EXPECT_NULL(test, memchr_inv(vm, 0x33, 3 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, bad_module_data, 0x5a5a5a5a);
	vfree(vm);
	goalloc_cache_destroy(c);
}

/* Pointers inside an object: refused (a tiny one looks freed: double). */
static void bad_interior_pointers(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_bad_inner", 100, 0, 0, NULL);
	u8 *small = goalloc_kmalloc(100, GFP_KERNEL), *large = goalloc_kmalloc(100000, GFP_KERNEL);
	u8 *tiny = goalloc_kmalloc_tiny(8, GFP_KERNEL), *obj;
	struct bad_counts c0;

	KUNIT_ASSERT_NOT_NULL(test, c);
	obj = goalloc_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, small);
	KUNIT_ASSERT_NOT_NULL(test, large);
	KUNIT_ASSERT_NOT_NULL(test, tiny);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	c0 = bad_now();
	expect_reports_begin("frees of pointers inside objects");
	goalloc_kfree(small + 1);
	goalloc_kfree(small + 8);
	goalloc_kfree_sensitive(small + 16);
	goalloc_kfree(large + 1);
	goalloc_kfree(large + GA_PAGE_SIZE);
	goalloc_cache_free(c, obj + 8);
	goalloc_kfree(tiny + 1);
	KUNIT_EXPECT_NULL(test, goalloc_krealloc(small + 8, 300, GFP_KERNEL));
	expect_reports_end();
	expect_counts(test, c0, (struct bad_counts){ .interior = 7, .dbl = 1 });
	/* The objects are whole, and free normally. */
	KUNIT_EXPECT_EQ(test, goalloc_ksize(small), (size_t)112);
	goalloc_kfree(small);
	goalloc_kfree(large);
	goalloc_kfree(tiny);
	goalloc_cache_free(c, obj);
	expect_counts(test, c0, (struct bad_counts){ .interior = 7, .dbl = 1 });
	goalloc_cache_destroy(c);
}

static void *bad_free_there(void *p)
{
	goalloc_kfree(p);
	return NULL;
}

/* Double frees, on the owner's CPU and on another: refused, counted. */
static void bad_double_frees(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_bad_double", 40, 0, 0, NULL);
	int cpu = other_cpu();
	struct bad_counts c0;
	void *p[4];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	if (cpu == raw_smp_processor_id())
		kunit_skip(test, "needs two CPUs");
	migrate_disable();
	p[0] = goalloc_kmalloc(200, GFP_KERNEL);
	p[1] = goalloc_kmalloc_tiny(6, GFP_KERNEL);
	p[2] = goalloc_kmalloc(50000, GFP_KERNEL);
	p[3] = goalloc_cache_alloc(c, GFP_KERNEL);
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	/* A neighbour each, so that no span goes back between the frees. */
	c0 = bad_now();
	expect_reports_begin("double frees");
	for (i = 0; i < 4; i++) {
		void *keep = i == 1 ? goalloc_kmalloc_tiny(6, GFP_KERNEL) :
			     i == 3 ? goalloc_cache_alloc(c, GFP_KERNEL) :
				      goalloc_kmalloc(i ? 50000 : 200, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, keep);
		goalloc_kfree(p[i]);
		goalloc_kfree(p[i]);			/* local */
		run_on_cpu(cpu, bad_free_there, p[i]);	/* remote */
		goalloc_kfree_sensitive(p[i]);
		goalloc_kfree(keep);
	}
	expect_reports_end();
	migrate_enable();
	/* A large object's span goes back at its free: then it is foreign. */
	KUNIT_EXPECT_EQ(test, bad_now().dbl - c0.dbl + bad_now().invalid - c0.invalid, 12L);
	KUNIT_EXPECT_GE(test, bad_now().dbl - c0.dbl, 9L);
	goalloc_cache_destroy(c);
}

/* Sizes no allocation can have: NULL, counted, reported unless NOWARN. */
static void bad_huge_sizes(struct kunit *test)
{
	static const size_t sizes[] = {
		SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - GA_PAGE_SIZE + 2, 1UL << 63, 1UL << 40,
	};
	struct bad_counts c0 = bad_now(), want = { 0 };
	void *p = goalloc_kmalloc(100, GFP_KERNEL), *large;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x44, 100);
	/*
	 * A large object first, from the same CPU: its page cache then holds
	 * free pages, which a size that rounds up to 0 pages (SIZE_MAX - 8K
	 * + 2) must not be served from.
	 */
	migrate_disable();
	large = goalloc_kmalloc(5 * GA_PAGE_SIZE, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, large);
	expect_reports_begin("allocations of impossible sizes");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		KUNIT_EXPECT_NULL(test, goalloc_kmalloc(sizes[i], GFP_KERNEL));
		KUNIT_EXPECT_NULL(test, goalloc_kzalloc(sizes[i], GFP_KERNEL | __GFP_NOWARN));
		KUNIT_EXPECT_NULL(test, goalloc_krealloc(p, sizes[i], GFP_KERNEL | __GFP_NOWARN));
	}
	KUNIT_EXPECT_NULL(test, goalloc_kmalloc(ga.kheap->max_bytes + 1, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_kmalloc_tiny(0, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_kmalloc_tiny(GA_TINY_SIZE, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_kmalloc_tiny(SIZE_MAX, GFP_KERNEL | __GFP_NOWARN));
	expect_reports_end();
	migrate_enable();
	goalloc_kfree(large);
	want.fail = 3 * ARRAY_SIZE(sizes) + 4;
	want.reported = ARRAY_SIZE(sizes) + 3;
	expect_counts(test, c0, want);
	/* The object a failed krealloc was given is as it was. */
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0x44, 100));
	goalloc_kfree(p);
}

/* n * size overflowing: NULL, as kmalloc_array's, with nothing to report. */
static void bad_array_overflow(struct kunit *test)
{
	struct bad_counts c0 = bad_now();

	KUNIT_EXPECT_NULL(test, goalloc_kcalloc(SIZE_MAX, 2, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_kcalloc(1UL << 32, 1UL << 32, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_kmalloc_array(2, SIZE_MAX / 2 + 1, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_kmalloc_array(SIZE_MAX / 3, 4, GFP_KERNEL));
	expect_counts(test, c0, (struct bad_counts){ 0 });
}

struct bulk_ctx {
	struct goalloc_cache *cache;
	void **p;
	unsigned int n;
};

static void *bulk_alloc_there(void *arg)
{
	struct bulk_ctx *bc = arg;

	return (void *)(long)goalloc_cache_alloc_bulk(bc->cache, GFP_KERNEL, bc->n, bc->p);
}

static long cache_live(struct goalloc_cache *c)
{
	long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += *per_cpu_ptr(c->central.nalloc, cpu) - *per_cpu_ptr(c->central.nfree, cpu);
	return n;
}

/*
 * A bulk free takes its objects in batches, with a span looked up only
 * when an object is not in the one before: objects of several spans,
 * some allocated on another CPU, %NULL entries, and bad pointers among
 * them are each treated as a single free would, and the good ones freed.
 */
static void bad_in_bulk_free(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_bulk_bad", 256, 0, 0, NULL);
	struct goalloc_cache *b = goalloc_cache_create("ga_test_bulk_other", 256, 0, 0, NULL);
	enum { N = 150, BAD = 6, ALL = 2 * N + BAD };
	struct bulk_ctx bc;
	struct bad_counts c0;
	void *pb, *pk, *pl;
	void **p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, b);
	p = kunit_kcalloc(test, ALL, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, goalloc_cache_alloc_bulk(c, GFP_KERNEL, N, p), N);
	bc = (struct bulk_ctx){ .cache = c, .p = p + N, .n = N };
	KUNIT_ASSERT_EQ(test, (long)run_on_cpu(other_cpu(), bulk_alloc_there, &bc), (long)N);
	KUNIT_EXPECT_EQ(test, cache_live(c), 2L * N);
	pb = goalloc_cache_alloc(b, GFP_KERNEL);
	pk = goalloc_kmalloc(256, GFP_KERNEL);
	pl = goalloc_kmalloc(SZ_64K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pb);
	KUNIT_ASSERT_NOT_NULL(test, pk);
	KUNIT_ASSERT_NOT_NULL(test, pl);
	/* Bad entries in the middle of a batch and at a batch's start. */
	p[2 * N] = p[3];			/* double */
	p[2 * N + 1] = (u8 *)p[70] + 8;		/* interior */
	p[2 * N + 2] = pb;			/* another cache's */
	p[2 * N + 3] = pk;			/* kmalloc's */
	p[2 * N + 4] = pl;			/* a large kmalloc's */
	p[2 * N + 5] = NULL;
	swap(p[2 * N + 1], p[64]);
	swap(p[2 * N + 2], p[10]);
	c0 = bad_now();
	expect_reports_begin("bad pointers among a bulk free");
	goalloc_cache_free_bulk(c, ALL, p);
	expect_reports_end();
	expect_counts(test, c0, (struct bad_counts){ .dbl = 1, .invalid = 3, .interior = 1 });
	KUNIT_EXPECT_EQ(test, cache_live(c), 0L);
	/* The refused ones are still allocated, and freed where they belong. */
	goalloc_cache_free(b, pb);
	goalloc_kfree(pk);
	goalloc_kfree(pl);
	expect_counts(test, c0, (struct bad_counts){ .dbl = 1, .invalid = 3, .interior = 1 });
	goalloc_cache_destroy(b);
	goalloc_cache_destroy(c);
}

/* An object freed to a cache it does not belong to: refused as invalid. */
static void bad_wrong_cache(struct kunit *test)
{
	struct goalloc_cache *a = goalloc_cache_create("ga_test_bad_a", 64, 0, 0, NULL);
	struct goalloc_cache *b = goalloc_cache_create("ga_test_bad_b", 64, 0, 0, NULL);
	void *pa, *pk, *pt;
	struct bad_counts c0;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	pa = goalloc_cache_alloc(a, GFP_KERNEL);
	pk = goalloc_kmalloc(64, GFP_KERNEL);
	pt = goalloc_kmalloc_tiny(4, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pa);
	KUNIT_ASSERT_NOT_NULL(test, pk);
	KUNIT_ASSERT_NOT_NULL(test, pt);
	c0 = bad_now();
	expect_reports_begin("frees to the wrong cache");
	goalloc_cache_free(b, pa);
	goalloc_cache_free(b, pk);
	goalloc_cache_free(b, pt);
	goalloc_cache_free_bulk(b, 1, &pa);
	expect_reports_end();
	expect_counts(test, c0, (struct bad_counts){ .invalid = 4 });
	/* Still allocated, and freed where they belong. */
	goalloc_cache_free(a, pa);
	goalloc_kfree(pk);
	goalloc_kfree(pt);
	expect_counts(test, c0, (struct bad_counts){ .invalid = 4 });
	goalloc_cache_destroy(a);
	goalloc_cache_destroy(b);
}

/* A NULL cache: refused, counted in bad_cache; destroy(NULL) is a no-op. */
static void bad_null_cache(struct kunit *test)
{
	struct bad_counts c0 = bad_now();
	void *p = goalloc_kmalloc(64, GFP_KERNEL), *b[2];

	KUNIT_ASSERT_NOT_NULL(test, p);
	expect_reports_begin("calls with a NULL cache");
	KUNIT_EXPECT_NULL(test, goalloc_cache_alloc(NULL, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_cache_zalloc(NULL, GFP_ATOMIC));
	KUNIT_EXPECT_EQ(test, goalloc_cache_alloc_bulk(NULL, GFP_KERNEL, 2, b), 0);
	goalloc_cache_free(NULL, p);
	b[0] = p;
	goalloc_cache_free_bulk(NULL, 1, b);
	goalloc_cache_destroy(NULL);
	KUNIT_EXPECT_EQ(test, goalloc_cache_size(NULL), 0U);
	KUNIT_EXPECT_EQ(test, goalloc_cache_shrink(NULL), -EINVAL);
	expect_reports_end();
	expect_counts(test, c0, (struct bad_counts){ .cache = 7 });
	/* p was not freed by the refused calls. */
	KUNIT_EXPECT_EQ(test, goalloc_ksize(p), (size_t)64);
	goalloc_kfree(p);
	expect_counts(test, c0, (struct bad_counts){ .cache = 7 });
}

/*
 * goalloc_kfree_rcu on what is not a live goalloc object (a slab object,
 * a freed one): refused at once as goalloc_kfree refuses it, the rcu_head
 * not written; an rcu_head
 * outside the object: refused as an invalid free, the object kept.
 */
static void bad_kfree_rcu(struct kunit *test)
{
	struct rcu_obj *slab = kmalloc(sizeof(*slab), GFP_KERNEL);
	struct rcu_obj *o = goalloc_kmalloc(sizeof(*o), GFP_KERNEL);
	struct rcu_obj *freed = goalloc_kmalloc(sizeof(*freed), GFP_KERNEL);
	struct bad_counts c0;
	struct rcu_head outside;

	KUNIT_ASSERT_NOT_NULL(test, slab);
	KUNIT_ASSERT_NOT_NULL(test, o);
	KUNIT_ASSERT_NOT_NULL(test, freed);
	memset(slab, 0x3c, sizeof(*slab));
	goalloc_kfree(freed);
	c0 = bad_now();
	expect_reports_begin("kfree_rcu of what goalloc does not hold");
	goalloc_kfree_rcu(slab, rcu);
	goalloc_kfree_rcu_mightsleep(slab);
	goalloc_kfree_rcu(freed, rcu);
	goalloc_kfree_rcu_head(o, &outside);
	goalloc_kfree_rcu_head(o, (struct rcu_head *)((u8 *)o + goalloc_ksize(o) - 8));
	expect_reports_end();
	ga_rcu_flush();
	expect_counts(test, c0, (struct bad_counts){ .invalid = 4, .dbl = 1 });
	KUNIT_EXPECT_TRUE(test, !memchr_inv(slab, 0x3c, sizeof(*slab)));
	KUNIT_EXPECT_TRUE(test, goalloc_owns(o));
	kfree(slab);
	goalloc_kfree(o);
	expect_counts(test, c0, (struct bad_counts){ .invalid = 4, .dbl = 1 });
}

/* Cache names: NULL, empty, too long, bad characters are refused. */
static void bad_cache_names(struct kunit *test)
{
	static const char * const names[] = {
		NULL, "", "abcdefghijklmnopqrstuvwxyz0123456", "with space", "a/b", "tab\there",
		"ber\xc3\xbc",
	};
	char *longname = kunit_kzalloc(test, 4097, GFP_KERNEL);
	struct goalloc_cache *c;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, longname);
	memset(longname, 'x', 4096);
	expect_reports_begin("caches with bad names");
	for (i = 0; i < ARRAY_SIZE(names); i++)
		KUNIT_EXPECT_NULL_MSG(test, goalloc_cache_create(names[i], 64, 0, 0, NULL),
				      "name %u", i);
	KUNIT_EXPECT_NULL(test, goalloc_cache_create(longname, 64, 0, 0, NULL));
	expect_reports_end();
	/* 32 characters is the longest name. */
	c = goalloc_cache_create("abcdefghijklmnopqrstuvwxyz012345", 64, 0, 0, NULL);
	KUNIT_EXPECT_NOT_NULL(test, c);
	goalloc_cache_destroy(c);
}

/* GFP_DMA and GFP_DMA32 are refused by every allocating function. */
static void bad_gfp_flags(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_bad_gfp", 64, 0, 0, NULL);
	long zone0 = counter(&ga.errors.bad_gfp_zone);
	struct bad_counts c0;
	void *bulk[4], *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = goalloc_kmalloc(10, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	c0 = bad_now();
	expect_reports_begin("allocations for a DMA zone");
	KUNIT_EXPECT_NULL(test, goalloc_kmalloc(64, GFP_KERNEL | GFP_DMA));
	KUNIT_EXPECT_NULL(test, goalloc_kzalloc(64, GFP_KERNEL | GFP_DMA32));
	KUNIT_EXPECT_NULL(test, goalloc_kcalloc(4, 16, GFP_ATOMIC | GFP_DMA));
	KUNIT_EXPECT_NULL(test, goalloc_kmalloc_tiny(4, GFP_KERNEL | GFP_DMA32));
	KUNIT_EXPECT_NULL(test, goalloc_cache_alloc(c, GFP_KERNEL | GFP_DMA));
	KUNIT_EXPECT_NULL(test, goalloc_cache_zalloc(c, GFP_ATOMIC | GFP_DMA32));
	KUNIT_EXPECT_EQ(test, goalloc_cache_alloc_bulk(c, GFP_KERNEL | GFP_DMA32, 4, bulk), 0);
	/* A krealloc that needs a new object keeps the old one. */
	KUNIT_EXPECT_NULL(test, goalloc_krealloc(p, 5000, GFP_KERNEL | GFP_DMA));
	expect_reports_end();
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.bad_gfp_zone) - zone0, 8L);
	expect_counts(test, c0, (struct bad_counts){});
	KUNIT_EXPECT_EQ(test, goalloc_ksize(p), (size_t)16);
	goalloc_kfree(p);
	goalloc_cache_destroy(c);
}

#ifdef CONFIG_FAULT_INJECTION
/* Make the next @n region growths fail (0: none). */
static void fail_next_growths(int n)
{
	ga_fail_grow.verbose = 0;
	ga_fail_grow.interval = 1;
	ga_fail_grow.probability = n ? 100 : 0;
	atomic_set(&ga_fail_grow.times, n);
}

/* Bytes of a large kmalloc object that the kmalloc heap can only hold by growing. */
static size_t size_that_needs_growth(struct kunit *test, void **hold, int nhold)
{
	unsigned long mapped, free_pages, largest;
	struct ga_heap_stats st;
	int i;

	for (i = 0; i <= nhold; i++) {
		ga_heap_read_stats(ga.kheap, &st, &mapped, &free_pages, &largest);
		if (largest < ga_heap_max_run(ga.kheap))
			return (largest + 1) * GA_PAGE_SIZE;
		/* A whole free region (the direct map's initial block): fill it. */
		KUNIT_ASSERT_LT(test, i, nhold);
		hold[i] = goalloc_kmalloc(largest * GA_PAGE_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, hold[i]);
	}
	return 0;
}
#endif

/*
 * __GFP_NOFAIL: with a gfp that may block, an allocation whose growth
 * fails waits and retries until it succeeds (while the same failure
 * without the flag gets NULL); a size that can never fit fails at once;
 * without blocking it is counted, reported once, and fails.
 */
static void bad_nofail_flags(struct kunit *test)
{
#ifdef CONFIG_FAULT_INJECTION
	long waits0 = counter(&ga.errors.nofail_waits);
	long atomic0 = counter(&ga.errors.nofail_atomic);
	long fail0;
	void *hold[2] = {}, *p;
	size_t size;

	ga_test_headroom_of(ga.kheap, false);
	/* No kept empty span to give back and retry with. */
	ga_trim_all();
	size = size_that_needs_growth(test, hold, ARRAY_SIZE(hold));

	/* Without the flag, one failed growth is a failed allocation. */
	fail_next_growths(1);
	KUNIT_EXPECT_NULL(test, goalloc_kmalloc(size, GFP_KERNEL | __GFP_NOWARN));
	KUNIT_EXPECT_EQ(test, atomic_read(&ga_fail_grow.times), 0);

	/* With it, three failed growths are three waits, then the object. */
	fail0 = counter(&ga.errors.alloc_fail);
	fail_next_growths(3);
	p = goalloc_kmalloc(size, GFP_KERNEL | __GFP_NOFAIL);
	fail_next_growths(0);
	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.nofail_waits) - waits0, 3L);
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.alloc_fail) - fail0, 0L);
	goalloc_kfree(p);

	/* Never to fit: no wait, NULL. */
	waits0 = counter(&ga.errors.nofail_waits);
	KUNIT_EXPECT_NULL(test, goalloc_kmalloc(ga_heap_max_run(ga.kheap) * GA_PAGE_SIZE + 1,
						GFP_KERNEL | __GFP_NOFAIL | __GFP_NOWARN));
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.nofail_waits) - waits0, 0L);

	/* Atomic: it cannot wait, says so once, and fails as without the flag. */
	ga_test_headroom_of(ga.kheap, false);
	size = size_that_needs_growth(test, NULL, 0);
	expect_reports_begin("__GFP_NOFAIL without blocking");
	KUNIT_EXPECT_NULL(test, goalloc_kmalloc(size, GFP_ATOMIC | __GFP_NOFAIL | __GFP_NOWARN));
	expect_reports_end();
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.nofail_atomic) - atomic0, 1L);
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.nofail_waits) - waits0, 0L);

	goalloc_kfree(hold[0]);
	goalloc_kfree(hold[1]);
	ga_test_headroom_of(ga.kheap, true);
#else
	kunit_skip(test, "needs CONFIG_FAULT_INJECTION to make growth fail");
#endif
}

/*
 * A blocking allocation that finds the heap full, and cannot grow it,
 * gets the room the empty spans kept by the mcentrals hold: they go back
 * to the heap and it tries again, once. Filling the heap with one cache
 * ends with another cache's kept span given back.
 */
static void bad_full_heap_takes_kept_spans(struct kunit *test)
{
#ifdef CONFIG_FAULT_INJECTION
	struct goalloc_cache *a = goalloc_cache_create("ga_test_kept_a", SZ_1M, 0, 0, NULL);
	struct goalloc_cache *b = goalloc_cache_create("ga_test_kept_b", SZ_1M, 0, 0, NULL);
	enum { MAX = 512 };
	void *a1, *a2, **fill;
	long fail0;
	int n;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_EQ(test, a->central.nelems, 1U);
	fill = kunit_kcalloc(test, MAX, sizeof(*fill), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fill);
	ga_test_headroom_of(&ga.heap, false);
	ga_trim_all();
	/*
	 * a1's span goes uncached, full, when this CPU allocates a2; a1's
	 * free empties it.
	 */
	migrate_disable();
	a1 = goalloc_cache_alloc(a, GFP_KERNEL);
	a2 = goalloc_cache_alloc(a, GFP_KERNEL);
	migrate_enable();
	KUNIT_ASSERT_NOT_NULL(test, a1);
	KUNIT_ASSERT_NOT_NULL(test, a2);
	goalloc_cache_free(a, a1);
	KUNIT_ASSERT_EQ(test, a->central.nr_empty, 1UL);

	fail0 = counter(&ga.errors.alloc_fail);
	fail_next_growths(-1);
	for (n = 0; n < MAX; n++) {
		fill[n] = goalloc_cache_alloc(b, GFP_KERNEL | __GFP_NOWARN);
		if (!fill[n])
			break;
	}
	fail_next_growths(0);
	KUNIT_EXPECT_LT(test, n, (int)MAX);
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.alloc_fail) - fail0, 1L);
	/* The last success took a1's pages: no kept span is left. */
	KUNIT_EXPECT_EQ(test, a->central.nr_empty, 0UL);

	while (n--)
		goalloc_cache_free(b, fill[n]);
	goalloc_cache_free(a, a2);
	goalloc_cache_destroy(b);
	goalloc_cache_destroy(a);
	ga_test_headroom_of(&ga.heap, true);
#else
	kunit_skip(test, "needs CONFIG_FAULT_INJECTION to make growth fail");
#endif
}

/*
 * Calls from NMI context: allocations refused and counted; frees queued
 * and carried out by an irq_work on the CPU, but those past its ring's 32
 * entries, refused and counted, whose objects stay allocated.
 */
#define NMI_EXTRA	GA_NMI_RING

static struct {
	atomic_t state;		/* 1: armed, 2: ran */
	bool in_nmi;
	int cpu;
	struct goalloc_cache *cache;
	void *obj, *cobj, *robj, *got[3], *extra[NMI_EXTRA];
	size_t ksize;
} bad_nmi;

static int bad_nmi_handler(unsigned int type, struct pt_regs *regs)
{
	int i;

	if (atomic_cmpxchg(&bad_nmi.state, 1, 2) != 1)
		return NMI_DONE;
	bad_nmi.in_nmi = in_nmi();
	bad_nmi.cpu = smp_processor_id();
	bad_nmi.got[0] = goalloc_kmalloc(64, GFP_ATOMIC);
	bad_nmi.got[1] = goalloc_kmalloc_tiny(3, GFP_ATOMIC);
	bad_nmi.got[2] = goalloc_cache_alloc(bad_nmi.cache, GFP_ATOMIC);
	goalloc_kfree(bad_nmi.obj);
	goalloc_cache_free(bad_nmi.cache, bad_nmi.cobj);
	/* Queued, not yet freed. */
	bad_nmi.ksize = goalloc_ksize(bad_nmi.obj);
	for (i = 0; i < NMI_EXTRA; i++)
		goalloc_kfree_sensitive(bad_nmi.extra[i]);
	/* Deferred frees need the CPU's batch lock: refused. */
	goalloc_kfree_rcu_head(bad_nmi.robj, bad_nmi.robj);
	return NMI_HANDLED;
}

static unsigned long nmi_frees_now(void)
{
	unsigned long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(ga.mcache, cpu)->stats.nmi_frees);
	return n;
}

static void bad_nmi_calls(struct kunit *test)
{
	unsigned long deadline, done0;
	struct bad_counts c0;
	unsigned int i;

	bad_nmi.cache = goalloc_cache_create("ga_test_bad_nmi", 64, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, bad_nmi.cache);
	bad_nmi.obj = goalloc_kmalloc(200, GFP_KERNEL);
	bad_nmi.cobj = goalloc_cache_alloc(bad_nmi.cache, GFP_KERNEL);
	bad_nmi.robj = goalloc_kmalloc(48, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bad_nmi.obj);
	KUNIT_ASSERT_NOT_NULL(test, bad_nmi.cobj);
	KUNIT_ASSERT_NOT_NULL(test, bad_nmi.robj);
	for (i = 0; i < NMI_EXTRA; i++) {
		bad_nmi.extra[i] = goalloc_kmalloc(32, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, bad_nmi.extra[i]);
	}
	KUNIT_ASSERT_EQ(test, register_nmi_handler(NMI_LOCAL, bad_nmi_handler, 0, "ga_test"), 0);
	c0 = bad_now();
	done0 = nmi_frees_now();
	expect_reports_begin("calls from NMI context");
	atomic_set(&bad_nmi.state, 1);
	apic->send_IPI_self(NMI_VECTOR);
	deadline = jiffies + 5 * HZ;
	while ((atomic_read(&bad_nmi.state) != 2 || nmi_frees_now() - done0 < GA_NMI_RING) &&
	       time_before(jiffies, deadline))
		usleep_range(500, 1000);
	expect_reports_end();
	unregister_nmi_handler(NMI_LOCAL, "ga_test");
	KUNIT_ASSERT_EQ_MSG(test, atomic_read(&bad_nmi.state), 2, "no NMI arrived");
	KUNIT_EXPECT_TRUE(test, bad_nmi.in_nmi);
	for (i = 0; i < ARRAY_SIZE(bad_nmi.got); i++)
		KUNIT_EXPECT_NULL(test, bad_nmi.got[i]);
	/* Three allocations, the two frees the ring had no room for, a kfree_rcu. */
	expect_counts(test, c0, (struct bad_counts){ .nmi = 6 });
	KUNIT_EXPECT_TRUE(test, goalloc_owns(bad_nmi.robj));
	goalloc_kfree(bad_nmi.robj);
	KUNIT_EXPECT_EQ(test, nmi_frees_now() - done0, (unsigned long)GA_NMI_RING);
	KUNIT_EXPECT_EQ(test, bad_nmi.ksize, (size_t)208);

	/* The queued ones were freed: freeing them again is a double free. */
	c0 = bad_now();
	expect_reports_begin("double frees of objects an NMI freed");
	goalloc_kfree(bad_nmi.obj);
	goalloc_cache_free(bad_nmi.cache, bad_nmi.cobj);
	for (i = 0; i < GA_NMI_RING - 2; i++)
		goalloc_kfree(bad_nmi.extra[i]);
	expect_reports_end();
	expect_counts(test, c0, (struct bad_counts){ .dbl = GA_NMI_RING });
	/* The refused ones are still allocated. */
	c0 = bad_now();
	for (i = GA_NMI_RING - 2; i < NMI_EXTRA; i++) {
		KUNIT_EXPECT_EQ(test, goalloc_ksize(bad_nmi.extra[i]), (size_t)32);
		goalloc_kfree(bad_nmi.extra[i]);
	}
	expect_counts(test, c0, (struct bad_counts){});
	kunit_info(test, "note: an NMI on CPU %d: 3 allocations refused, %d frees queued and carried out by its irq_work, %d refused, a kfree_rcu refused\n",
		   bad_nmi.cpu, GA_NMI_RING, NMI_EXTRA + 2 - GA_NMI_RING);
	goalloc_cache_destroy(bad_nmi.cache);
}

static struct kunit_case badinput_cases[] = {
	KUNIT_CASE(bad_null_and_zero_size_ptr),
	KUNIT_CASE(bad_foreign_pointers),
	KUNIT_CASE(bad_interior_pointers),
	KUNIT_CASE(bad_double_frees),
	KUNIT_CASE(bad_huge_sizes),
	KUNIT_CASE(bad_array_overflow),
	KUNIT_CASE(bad_wrong_cache),
	KUNIT_CASE(bad_in_bulk_free),
	KUNIT_CASE(bad_null_cache),
	KUNIT_CASE(bad_kfree_rcu),
	KUNIT_CASE(bad_cache_names),
	KUNIT_CASE(bad_gfp_flags),
	KUNIT_CASE(bad_nofail_flags),
	KUNIT_CASE(bad_full_heap_takes_kept_spans),
	KUNIT_CASE(bad_nmi_calls),
	{}
};

static struct kunit_suite badinput_suite = {
	.name = "goalloc_badinput",
	.exit = ga_test_exit,
	.test_cases = badinput_cases,
};

/* ---------------------------------------------------------------------- */
/* goalloc_stats                                                          */

/* A cache's row counts exactly the objects a known workload holds. */
static void stats_match_workload(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_stats", 200, 0, 0, NULL);
	unsigned long spans, span_bytes;
	char *f[16], *text;
	void *p[37];
	int i, n;

	KUNIT_ASSERT_NOT_NULL(test, c);
	for (i = 0; i < 37; i++) {
		p[i] = goalloc_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	text = read_stats(test);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "class "));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "\nheap\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "\nerrors\n"));
	/* No raw kernel addresses. */
	KUNIT_EXPECT_NULL(test, strstr(text, "0x"));
	KUNIT_EXPECT_NULL(test, strstr(text, "ffff"));

	n = stats_row(test, text, "cache:ga_test_stats", f, ARRAY_SIZE(f));
	KUNIT_ASSERT_EQ(test, n, 14);
	KUNIT_EXPECT_EQ(test, number_at(test, f, 1), 200UL);		/* objsize */
	KUNIT_EXPECT_EQ(test, number_at(test, f, 2), (unsigned long)c->central.npages);
	KUNIT_EXPECT_EQ(test, number_at(test, f, 3), (unsigned long)c->central.nelems);
	spans = number_at(test, f, 4) + number_at(test, f, 5) + number_at(test, f, 6);
	KUNIT_EXPECT_GE(test, spans, 1UL);
	KUNIT_EXPECT_EQ(test, number_at(test, f, 7), 0UL);		/* empty */
	KUNIT_EXPECT_EQ(test, number_at(test, f, 8), 37UL);		/* inuse */
	KUNIT_EXPECT_EQ(test, number_at(test, f, 9), 37UL * 200);	/* bytes_inuse */
	span_bytes = spans * c->central.npages * GA_PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, number_at(test, f, 10), span_bytes);
	KUNIT_EXPECT_EQ(test, number_at(test, f, 12), 37UL);		/* allocs */
	KUNIT_EXPECT_EQ(test, number_at(test, f, 13), 0UL);		/* frees */

	for (i = 0; i < 10; i++)
		goalloc_cache_free(c, p[i]);
	text = read_stats(test);
	n = stats_row(test, text, "cache:ga_test_stats", f, ARRAY_SIZE(f));
	KUNIT_ASSERT_EQ(test, n, 14);
	KUNIT_EXPECT_EQ(test, number_at(test, f, 8), 27UL);
	KUNIT_EXPECT_EQ(test, number_at(test, f, 12), 37UL);
	KUNIT_EXPECT_EQ(test, number_at(test, f, 13), 10UL);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "\nempty_spans\nkept "));
	KUNIT_EXPECT_EQ(test, stats_row(test, text, "idle_drains", f, ARRAY_SIZE(f)), 2);

	n = stats_row(test, text, "pages_inuse", f, ARRAY_SIZE(f));
	KUNIT_ASSERT_EQ(test, n, 2);
	KUNIT_EXPECT_GE(test, number_at(test, f, 1), (unsigned long)c->central.npages);
	n = stats_row(test, text, "cap_bytes", f, ARRAY_SIZE(f));
	KUNIT_ASSERT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, number_at(test, f, 1), ga.heap.max_bytes);

	for (i = 10; i < 37; i++)
		goalloc_cache_free(c, p[i]);
	goalloc_cache_destroy(c);
	text = read_stats(test);
	KUNIT_EXPECT_EQ(test, stats_row(test, text, "cache:ga_test_stats", f, ARRAY_SIZE(f)), 0);
}

/* The error counters in the file move with refused frees. */
static void stats_error_counters(struct kunit *test)
{
	unsigned long before, after;
	char *f[4], *text;
	int on_stack;

	text = read_stats(test);
	KUNIT_ASSERT_EQ(test, stats_row(test, text, "invalid_free", f, ARRAY_SIZE(f)), 2);
	before = number_at(test, f, 1);
	expect_reports_begin("a foreign free");
	goalloc_kfree(&on_stack);
	expect_reports_end();
	text = read_stats(test);
	KUNIT_ASSERT_EQ(test, stats_row(test, text, "invalid_free", f, ARRAY_SIZE(f)), 2);
	after = number_at(test, f, 1);
	KUNIT_EXPECT_EQ(test, after, before + 1);
}

static struct kunit_case stats_cases[] = {
	KUNIT_CASE(stats_match_workload),
	KUNIT_CASE(stats_error_counters),
	{}
};

static struct kunit_suite stats_suite = {
	.name = "goalloc_stats",
	.exit = ga_test_exit,
	.test_cases = stats_cases,
};

kunit_test_suites(&api_suite, &stats_suite, &badinput_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of goalloc's API and statistics");
