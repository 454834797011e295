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
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

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
	q = goalloc_krealloc(r, ga.heap.max_bytes + 1, GFP_KERNEL | __GFP_NOWARN);
	KUNIT_EXPECT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, r[42], 42);
	goalloc_kfree(r);
	/* A pointer goalloc did not hand out is refused and kept. */
	KUNIT_EXPECT_NULL(test, goalloc_krealloc(&on_stack, 100, GFP_KERNEL));
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
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(p, 0, n), "size %zu", sizes[i]);
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
	memset(p, 0x6b, 700);	/* a free slot: what a stale writer leaves */
	goalloc_kfree_sensitive(p);
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.double_free) - dbl0, 1L);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0x6b, 700));
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
	size_t huge = ga.heap.max_bytes + 1;

	KUNIT_EXPECT_NULL(test, goalloc_kmalloc(huge, GFP_KERNEL | __GFP_NOWARN));
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.alloc_fail) - fail0, 1L);
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.alloc_fail_reported) - rep0, 0L);
	KUNIT_EXPECT_NULL(test, goalloc_kmalloc(huge, GFP_KERNEL));
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
	if (want_init_on_free())
		KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, 300));
	else
		KUNIT_EXPECT_NULL(test, memchr_inv(p, 0x77, 300));
	goalloc_kfree(keep);
	migrate_enable();
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
		sa = ga_span_of(&ga.heap, pa[i]);
		sb = ga_span_of(&ga.heap, pb[i]);
		sk = ga_span_of(&ga.heap, pk[i]);
		KUNIT_EXPECT_PTR_EQ(test, sa->central, &a->central);
		KUNIT_EXPECT_PTR_EQ(test, sb->central, &b->central);
		KUNIT_EXPECT_PTR_EQ(test, sk->central, &ga.central[ga_size_class(64)]);
		for (j = 0; j < 100; j++) {
			KUNIT_EXPECT_PTR_NE(test, ga_span_of(&ga.heap, pb[j]), sa);
			KUNIT_EXPECT_PTR_NE(test, ga_span_of(&ga.heap, pk[j]), sa);
		}
	}
	/* Freeing to the wrong cache is refused; the object stays valid. */
	goalloc_cache_free(a, pb[0]);
	goalloc_cache_free(a, pk[0]);
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
		goalloc_cache_free(c, p + elem / 2);
		goalloc_cache_free(c, p);
		goalloc_cache_free(c, q);
		goalloc_cache_destroy(c);
	}
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.interior_free) - interior0,
			(long)ARRAY_SIZE(sizes));
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.cache_leaks), 0L);
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
	KUNIT_EXPECT_NULL(test, goalloc_cache_create(NULL, 64, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, goalloc_cache_create("", 64, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, goalloc_cache_create("has space", 64, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, goalloc_cache_create("ga_test_x", 0, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, goalloc_cache_create("ga_test_x", SZ_4M + 1, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, goalloc_cache_create("ga_test_x", 64, 3, 0, NULL));
	KUNIT_EXPECT_NULL(test, goalloc_cache_create("ga_test_x", 64, SZ_16K, 0, NULL));
	KUNIT_EXPECT_NULL(test, goalloc_cache_create("ga_test_x", 64, 0, SLAB_TYPESAFE_BY_RCU,
						     NULL));
	KUNIT_EXPECT_NULL(test, goalloc_cache_create("a_name_that_is_longer_than_32_chars",
						     64, 0, 0, NULL));
	goalloc_cache_destroy(NULL);
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

/* Destroying a cache with live objects reports them; freeing them stays safe. */
static void cache_destroy_with_live_objects(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_leak", 96, 0, 0, NULL);
	long leaks0 = counter(&ga.errors.cache_leaks);
	long dbl0 = counter(&ga.errors.double_free);
	long inv0 = counter(&ga.errors.invalid_free);
	void *p[3];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	for (i = 0; i < 3; i++) {
		p[i] = goalloc_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	goalloc_cache_destroy(c);
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.cache_leaks) - leaks0, 3L);
	for (i = 0; i < 3; i++) {
		memset(p[i], 0, 96);
		goalloc_kfree(p[i]);
	}
	/* Freed for real: a second free is refused (the span may be gone). */
	goalloc_kfree(p[0]);
	KUNIT_EXPECT_EQ(test, counter(&ga.errors.double_free) - dbl0 +
			counter(&ga.errors.invalid_free) - inv0, 1L);
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
	KUNIT_CASE(api_init_on_alloc),
	KUNIT_CASE(api_init_on_free),
	KUNIT_CASE(cache_ctor),
	KUNIT_CASE(cache_isolation),
	KUNIT_CASE(cache_span_geometry),
	KUNIT_CASE(cache_alignment),
	KUNIT_CASE(cache_create_rejects),
	KUNIT_CASE(cache_zalloc_and_bulk),
	KUNIT_CASE(cache_bulk_partial_failure),
	KUNIT_CASE(cache_destroy_with_live_objects),
	{}
};

static struct kunit_suite api_suite = {
	.name = "goalloc_api",
	.test_cases = api_cases,
};

/* ---------------------------------------------------------------------- */
/* goalloc_stats                                                          */

#define STATS_PATH "/sys/kernel/debug/goalloc/stats"

static char *read_stats(struct kunit *test)
{
	size_t size = 64 * 1024, len = 0;
	struct file *f = filp_open(STATS_PATH, O_RDONLY, 0);
	char *buf;
	loff_t pos = 0;
	ssize_t n;

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(f), "cannot open " STATS_PATH);
	buf = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	while ((n = kernel_read(f, buf + len, size - 1 - len, &pos)) > 0)
		len += n;
	filp_close(f, NULL);
	buf[len] = '\0';
	return buf;
}

/*
 * The whitespace-separated fields of the line of @text starting with
 * @label, in a copy that lives as long as the test.
 */
static int stats_row(struct kunit *test, const char *text, const char *label, char **fields,
		     int max)
{
	size_t l = strlen(label);
	char *line, *next, *tok;
	int n = 0;

	line = kunit_kmalloc(test, strlen(text) + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, line);
	strcpy(line, text);

	for (; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, label, l) || (line[l] != ' ' && line[l] != '\0'))
			continue;
		while ((tok = strsep(&line, " ")) && n < max)
			if (*tok)
				fields[n++] = tok;
		return n;
	}
	return 0;
}

static unsigned long number_at(struct kunit *test, char **f, int i)
{
	unsigned long v = 0;

	KUNIT_EXPECT_EQ_MSG(test, kstrtoul(f[i], 10, &v), 0, "column %d is '%s'", i, f[i]);
	return v;
}

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
	KUNIT_ASSERT_EQ(test, n, 13);
	KUNIT_EXPECT_EQ(test, number_at(test, f, 1), 200UL);		/* objsize */
	KUNIT_EXPECT_EQ(test, number_at(test, f, 2), (unsigned long)c->central.npages);
	KUNIT_EXPECT_EQ(test, number_at(test, f, 3), (unsigned long)c->central.nelems);
	spans = number_at(test, f, 4) + number_at(test, f, 5) + number_at(test, f, 6);
	KUNIT_EXPECT_GE(test, spans, 1UL);
	KUNIT_EXPECT_EQ(test, number_at(test, f, 7), 37UL);		/* inuse */
	KUNIT_EXPECT_EQ(test, number_at(test, f, 8), 37UL * 200);	/* bytes_inuse */
	span_bytes = spans * c->central.npages * GA_PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, number_at(test, f, 9), span_bytes);
	KUNIT_EXPECT_EQ(test, number_at(test, f, 11), 37UL);		/* allocs */
	KUNIT_EXPECT_EQ(test, number_at(test, f, 12), 0UL);		/* frees */

	for (i = 0; i < 10; i++)
		goalloc_cache_free(c, p[i]);
	text = read_stats(test);
	n = stats_row(test, text, "cache:ga_test_stats", f, ARRAY_SIZE(f));
	KUNIT_ASSERT_EQ(test, n, 13);
	KUNIT_EXPECT_EQ(test, number_at(test, f, 7), 27UL);
	KUNIT_EXPECT_EQ(test, number_at(test, f, 11), 37UL);
	KUNIT_EXPECT_EQ(test, number_at(test, f, 12), 10UL);

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
	goalloc_kfree(&on_stack);
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
	.test_cases = stats_cases,
};

kunit_test_suites(&api_suite, &stats_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of goalloc's API and statistics");
