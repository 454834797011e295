// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of what the kernel's debuggers see of goalloc's objects.
 *
 * KASAN (include/goalloc_kasan.h), in the manner of the kernel's own KASAN
 * tests (mm/kasan/kasan_test.c): each bad access is expected to produce
 * one KASAN report, each good one none.
 *
 * goalloc_kasan: reads and writes past the size asked for (kmalloc sizes,
 *	large objects, caches, bulk, tiny, after krealloc shrinks and grows
 *	in place, span tails), uses after free (kmalloc, large, caches with
 *	and without a constructor, kfree_sensitive, tiny, the old object of
 *	a krealloc that moved), ksize() of a freed object, and double frees
 *	(refused by goalloc, no KASAN report). The silent cases use every
 *	byte a caller may use, goalloc_ksize()'s included, and free objects
 *	from other CPUs and with the boot's init_on_free policy.
 * goalloc_kmemleak: objects leaked on purpose (kmalloc, large, cache,
 *	tiny) are reported by kmemleak's scan with their size and an
 *	allocation stack through goalloc; objects reachable only through
 *	other goalloc objects are not; no other object in goalloc's heap is.
 *
 * A report disables lockdep for the rest of the boot (KASAN taints the
 * kernel), so make check boots this module alone. It needs generic KASAN
 * and CONFIG_KASAN_KUNIT_TEST, through which KASAN tells the running test
 * of each report (the "kasan_status" resource); any report the test did
 * not expect fails it.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kasan.h>
#include <linux/kmemleak.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/umh.h>
#include <linux/slab.h>

#include "goalloc.h"
#include "goalloc_internal.h"
#include "goalloc_kasan.h"
#include "goalloc_test.h"

MODULE_IMPORT_NS(GOALLOC_NS);
MODULE_IMPORT_NS(GOALLOC_KUNIT_NS);

static struct kunit_kasan_status status;
static struct kunit_resource status_res;
static bool multishot;

static int kasan_case_init(struct kunit *test)
{
	if (!kasan_enabled()) {
		kunit_err(test, "KASAN is not enabled");
		return -EOPNOTSUPP;
	}
	multishot = kasan_save_enable_multi_shot();
	status.report_found = false;
	status.sync_fault = false;
	kunit_add_named_resource(test, NULL, NULL, &status_res, "kasan_status", &status);
	return 0;
}

static void kasan_case_exit(struct kunit *test)
{
	kasan_restore_multi_shot(multishot);
	KUNIT_EXPECT_FALSE_MSG(test, READ_ONCE(status.report_found),
			       "a KASAN report no access of the test expected");
	ga_test_exit(test);
}

/*
 * @access must make KASAN report. The markers tell scripts/ktap.py that
 * the report in the log between them is expected.
 */
#define EXPECT_REPORT(test, access) do {					\
	struct kunit *__t = (test);						\
										\
	KUNIT_EXPECT_FALSE(__t, READ_ONCE(status.report_found));		\
	expect_reports_begin("KASAN: " #access);				\
	barrier();								\
	access;									\
	barrier();								\
	expect_reports_end();							\
	KUNIT_EXPECT_TRUE_MSG(__t, READ_ONCE(status.report_found),		\
			      "no KASAN report for " #access);			\
	WRITE_ONCE(status.report_found, false);					\
} while (0)

/* @access must not: checked on the spot, so the failure names it. */
#define EXPECT_SILENT(test, access) do {					\
	barrier();								\
	access;									\
	barrier();								\
	KUNIT_EXPECT_FALSE_MSG(test, READ_ONCE(status.report_found),		\
			       "KASAN reported " #access);			\
	WRITE_ONCE(status.report_found, false);					\
} while (0)

/* One byte read or written through a pointer the compiler cannot see through. */
static u8 sink;

static noinline void rd(const void *p)
{
	OPTIMIZER_HIDE_VAR(p);
	sink = READ_ONCE(*(const u8 *)p);
}

static noinline void wr(void *p)
{
	OPTIMIZER_HIDE_VAR(p);
	WRITE_ONCE(*(u8 *)p, 0x5a);
}

/* ---------------------------------------------------------------------- */
/* Out of bounds                                                          */

/* Sizes that are no size class's, small and large, each one byte past. */
static void kasan_kmalloc_oob(struct kunit *test)
{
	static const size_t sizes[] = { 1, 7, 13, 100, 1000, 4000, 20000, 32767,
					40000, 300000, SZ_1M + 5 };
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t n = sizes[i], usable;
		u8 *p = goalloc_kmalloc(n, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		/* ga_usable_size() only looks: goalloc_ksize() would open it all. */
		usable = ga_usable_size(p);
		KUNIT_EXPECT_GT_MSG(test, usable, n, "size %zu fills its class", n);
		EXPECT_SILENT(test, memset(p, 0x11, n));
		EXPECT_SILENT(test, rd(p + n - 1));
		EXPECT_REPORT(test, rd(p + n));
		EXPECT_REPORT(test, wr(p + n));
		if (round_up(n, 8) < usable)
			EXPECT_REPORT(test, wr(p + round_up(n, 8)));
		EXPECT_REPORT(test, rd(p + usable - 1));
		goalloc_kfree(p);
	}
}

/*
 * The bytes between the size asked for and the usable size are a redzone
 * until goalloc_ksize() hands them out, as SLUB's ksize() does.
 */
static void kasan_ksize_unpoisons(struct kunit *test)
{
	u8 *p = goalloc_kmalloc(100, GFP_KERNEL);
	size_t ks;

	KUNIT_ASSERT_NOT_NULL(test, p);
	EXPECT_REPORT(test, rd(p + 104));
	EXPECT_REPORT(test, rd(p + 111));
	ks = goalloc_ksize(p);
	KUNIT_EXPECT_EQ(test, ks, (size_t)112);
	EXPECT_SILENT(test, memset(p, 0x22, ks));
	EXPECT_SILENT(test, rd(p + ks - 1));
	goalloc_kfree(p);
}

/* Cache objects: valid to the object size, not to the padded one. */
static void kasan_cache_oob(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("kasan_oob", 100, 0, 0, NULL);
	void *bulk[4];
	u8 *p;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	p = goalloc_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	EXPECT_SILENT(test, memset(p, 0x33, 100));
	EXPECT_REPORT(test, rd(p + 100));
	EXPECT_REPORT(test, wr(p + 103));
	goalloc_cache_free(c, p);

	KUNIT_ASSERT_EQ(test, goalloc_cache_alloc_bulk(c, GFP_KERNEL, ARRAY_SIZE(bulk), bulk),
			(int)ARRAY_SIZE(bulk));
	for (i = 0; i < ARRAY_SIZE(bulk); i++)
		EXPECT_SILENT(test, rd((u8 *)bulk[i] + 99));
	EXPECT_REPORT(test, wr((u8 *)bulk[2] + 100));
	goalloc_cache_free_bulk(c, ARRAY_SIZE(bulk), bulk);
	goalloc_cache_destroy(c);
}

/* The bytes past a span's last object belong to no object. */
static void kasan_span_tail(struct kunit *test)
{
	/* 1000-byte objects: 8 to an 8 KiB span, 192 bytes of tail. */
	struct goalloc_cache *c = goalloc_cache_create("kasan_tail", 1000, 8, 0, NULL);
	u8 *objs[8], *last = NULL;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	migrate_disable();
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = goalloc_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		if (objs[i] > last)
			last = objs[i];
	}
	migrate_enable();
	KUNIT_EXPECT_EQ(test, (unsigned long)last % GA_PAGE_SIZE, 7000UL);
	EXPECT_REPORT(test, rd(last + 1000));
	EXPECT_REPORT(test, rd(last + 1191));
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		goalloc_cache_free(c, objs[i]);
	goalloc_cache_destroy(c);
}

/*
 * Two 15-byte tiny objects on one CPU: they never share a block, so the
 * second (returned) starts one alone; *@first is the other.
 */
static u8 *tiny_alone(struct kunit *test, u8 **first)
{
	u8 *b;

	migrate_disable();
	*first = goalloc_kmalloc_tiny(15, GFP_KERNEL);
	b = goalloc_kmalloc_tiny(15, GFP_KERNEL);
	migrate_enable();
	KUNIT_ASSERT_NOT_NULL(test, *first);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_EQ(test, (unsigned long)b % GA_TINY_SIZE, 0UL);
	return b;
}

#define TINY_FILL	(GA_TINY_SIZE + 1)

/*
 * With migration disabled: fill this CPU's tiny block with 1-byte objects
 * (into @fill, at most TINY_FILL), so that a @size-byte object starts the
 * CPU's next block; returns it.
 */
static u8 *tiny_new_block(struct kunit *test, u8 **fill, size_t size)
{
	int i;

	for (i = 0; i < TINY_FILL; i++) {
		fill[i] = goalloc_kmalloc_tiny(1, GFP_KERNEL);
		if (!fill[i])
			return NULL;
		if ((unsigned long)fill[i] % GA_TINY_SIZE == GA_TINY_SIZE - 1)
			return goalloc_kmalloc_tiny(size, GFP_KERNEL);
	}
	KUNIT_FAIL(test, "%d 1-byte tiny objects did not fill a block", TINY_FILL);
	return NULL;
}

static void tiny_free_fill(u8 **fill)
{
	int i;

	for (i = 0; i < TINY_FILL; i++)
		goalloc_kfree(fill[i]);
}

/*
 * A tiny object is valid to the end of the granule its last byte is in,
 * and that granule's shadow stays as it is while objects are packed into
 * the rest of it (KASAN reads it twice in one check: see
 * include/goalloc_kasan.h).
 */
static void kasan_tiny_oob(struct kunit *test)
{
	u8 *fill[TINY_FILL] = { }, *c, *d = NULL, *e = NULL, *sh = NULL;
	u8 fresh[2] = { }, packed = 0;

	migrate_disable();
	c = tiny_new_block(test, fill, 3);
	if (c) {
		sh = ga_kasan_shadow(c);
		fresh[0] = sh[0];
		fresh[1] = sh[1];
		d = goalloc_kmalloc_tiny(2, GFP_KERNEL);
		packed = sh[0];
		e = goalloc_kmalloc_tiny(8, GFP_KERNEL);
	}
	migrate_enable();
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_ASSERT_NOT_NULL(test, e);
	/* Go's packing: c starts the block, d at 4 (even size), e at 8. */
	KUNIT_ASSERT_EQ(test, (unsigned long)c % GA_TINY_SIZE, 0UL);
	KUNIT_ASSERT_PTR_EQ(test, d, c + 4);
	KUNIT_ASSERT_PTR_EQ(test, e, c + 8);
	/* c's granule is valid whole at once; the next one only for e. */
	KUNIT_EXPECT_EQ(test, fresh[0], 0);
	KUNIT_EXPECT_EQ(test, fresh[1], GA_KASAN_REDZONE);
	KUNIT_EXPECT_EQ(test, packed, 0);
	KUNIT_EXPECT_EQ(test, sh[0], 0);
	KUNIT_EXPECT_EQ(test, sh[1], 0);
	EXPECT_SILENT(test, memset(c, 0x44, 3));
	EXPECT_SILENT(test, rd(c + 7));
	EXPECT_SILENT(test, memset(e, 0x45, 8));
	goalloc_kfree(e);
	goalloc_kfree(d);
	goalloc_kfree(c);
	tiny_free_fill(fill);
}

/* Past the granule of a tiny object nothing is packed after: reported. */
static void kasan_tiny_oob_granule(struct kunit *test)
{
	u8 *fill[TINY_FILL] = { }, *c;

	migrate_disable();
	c = tiny_new_block(test, fill, 3);
	migrate_enable();
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, (unsigned long)c % GA_TINY_SIZE, 0UL);
	EXPECT_SILENT(test, rd(c + 7));
	EXPECT_REPORT(test, rd(c + 8));
	EXPECT_REPORT(test, wr(c + 15));
	goalloc_kfree(c);
	tiny_free_fill(fill);
}

/* krealloc within the usable size moves the boundary, both ways. */
static void kasan_krealloc_in_place(struct kunit *test)
{
	u8 *p = goalloc_kmalloc(200, GFP_KERNEL), *q;

	KUNIT_ASSERT_NOT_NULL(test, p);
	q = goalloc_krealloc(p, 50, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	EXPECT_SILENT(test, rd(q + 49));
	EXPECT_REPORT(test, rd(q + 50));
	EXPECT_REPORT(test, rd(q + 199));
	q = goalloc_krealloc(q, 205, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	EXPECT_SILENT(test, memset(q, 0x55, 205));
	EXPECT_REPORT(test, rd(q + 205));
	goalloc_kfree(q);

	/* A large object shrinks in place too. */
	p = goalloc_kmalloc(40000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	q = goalloc_krealloc(p, 20000, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	EXPECT_SILENT(test, rd(q + 19999));
	EXPECT_REPORT(test, rd(q + 20000));
	EXPECT_REPORT(test, rd(q + 39999));
	goalloc_kfree(q);
}

/* ---------------------------------------------------------------------- */
/* Use after free                                                         */

static void kasan_kmalloc_uaf(struct kunit *test)
{
	static const size_t sizes[] = { 8, 100, 4096, 32768, 40000, SZ_1M };
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *p = goalloc_kmalloc(sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		goalloc_kfree(p);
		EXPECT_REPORT(test, rd(p));
		EXPECT_REPORT(test, wr(p + sizes[i] - 1));
	}
}

static void kasan_sensitive_uaf(struct kunit *test)
{
	u8 *p = goalloc_kmalloc(300, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x66, 300);
	goalloc_kfree_sensitive(p);
	EXPECT_REPORT(test, rd(p + 10));
}

static void ctor_fill(void *p)
{
	memset(p, 0x77, 64);
}

static void kasan_cache_uaf(struct kunit *test)
{
	struct goalloc_cache *plain = goalloc_cache_create("kasan_uaf", 64, 0, 0, NULL);
	struct goalloc_cache *ctor = goalloc_cache_create("kasan_uaf_ctor", 64, 0, 0, ctor_fill);
	u8 *p;

	KUNIT_ASSERT_NOT_NULL(test, plain);
	KUNIT_ASSERT_NOT_NULL(test, ctor);
	p = goalloc_cache_alloc(plain, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	goalloc_cache_free(plain, p);
	EXPECT_REPORT(test, rd(p));

	/* The constructed contents are the caller's; freed, they are not. */
	p = goalloc_cache_alloc(ctor, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	EXPECT_SILENT(test, KUNIT_EXPECT_NULL(test, memchr_inv(p, 0x77, 64)));
	goalloc_cache_free(ctor, p);
	EXPECT_REPORT(test, rd(p + 63));
	goalloc_cache_destroy(plain);
	goalloc_cache_destroy(ctor);
}

/* A tiny block is invalid once its last object is freed. */
static void kasan_tiny_uaf(struct kunit *test)
{
	u8 *a, *b = tiny_alone(test, &a);

	goalloc_kfree(a);
	goalloc_kfree(b);
	/* b had its block to itself; now no CPU packs into it either. */
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	EXPECT_REPORT(test, rd(b));
	EXPECT_REPORT(test, rd(b + 14));
}

/* A krealloc that moves frees the old object. */
static void kasan_krealloc_moved_uaf(struct kunit *test)
{
	u8 *p = goalloc_kmalloc(50, GFP_KERNEL), *q;

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x12, 50);
	q = goalloc_krealloc(p, 5000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_ASSERT_PTR_NE(test, q, p);
	EXPECT_SILENT(test, KUNIT_EXPECT_NULL(test, memchr_inv(q, 0x12, 50)));
	EXPECT_SILENT(test, wr(q + 4999));
	EXPECT_REPORT(test, rd(p));
	EXPECT_REPORT(test, rd(q + 5000));
	goalloc_kfree(q);
}

/* ksize() of a freed object is a use after free: reported, and 0. */
static void kasan_ksize_uaf(struct kunit *test)
{
	u8 *p = goalloc_kmalloc(128, GFP_KERNEL);
	size_t ks = 1;

	KUNIT_ASSERT_NOT_NULL(test, p);
	goalloc_kfree(p);
	EXPECT_REPORT(test, ks = goalloc_ksize(p));
	KUNIT_EXPECT_EQ(test, ks, (size_t)0);
}

/* A double free is goalloc's to refuse; KASAN stays quiet. */
static void kasan_double_free(struct kunit *test)
{
	u8 *small = goalloc_kmalloc(64, GFP_KERNEL), *large = goalloc_kmalloc(50000, GFP_KERNEL);
	struct errs e = errs_now(), now;

	KUNIT_ASSERT_NOT_NULL(test, small);
	KUNIT_ASSERT_NOT_NULL(test, large);
	goalloc_kfree(small);
	goalloc_kfree(large);
	expect_reports_begin("refused double frees");
	EXPECT_SILENT(test, goalloc_kfree(small));
	EXPECT_SILENT(test, goalloc_kfree(large));
	expect_reports_end();
	/* A freed large object's pages left the span table: it is foreign. */
	now = errs_now();
	KUNIT_EXPECT_EQ(test, now.dbl - e.dbl, 1L);
	KUNIT_EXPECT_EQ(test, now.invalid - e.invalid, 1L);
}

/* ---------------------------------------------------------------------- */
/* Correct use stays silent                                               */

struct silent_work {
	void *objs[64];
	size_t sizes[64];
	int n;
};

/* Free (on another CPU) what the test allocated, using every byte first. */
static void *free_all(void *arg)
{
	struct silent_work *w = arg;
	int i;

	for (i = 0; i < w->n; i++) {
		memset(w->objs[i], 0x5c, w->sizes[i]);
		if (i % 3 == 0)
			goalloc_kfree_sensitive(w->objs[i]);
		else
			goalloc_kfree(w->objs[i]);
	}
	return NULL;
}

/*
 * Every kind of object, used to its last byte, freed locally and from
 * another CPU, plain and sensitive, under the boot's init policies; then
 * the same sizes again, so that swept and reused slots are handed out.
 */
static void kasan_silent_use(struct kunit *test)
{
	static const size_t sizes[] = { 1, 8, 15, 16, 17, 100, 512, 1000, 4097, 8192,
					32768, 32769, 100000 };
	struct silent_work *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	int round, i;

	KUNIT_ASSERT_NOT_NULL(test, w);
	for (round = 0; round < 20; round++) {
		w->n = 0;
		for (i = 0; i < ARRAY_SIZE(sizes) && w->n < ARRAY_SIZE(w->objs); i++) {
			size_t n = sizes[i];
			u8 *p = n < GA_TINY_SIZE && round % 2 ?
				goalloc_kmalloc_tiny(n, GFP_KERNEL) :
				goalloc_kmalloc(n, round % 4 == 3 ? GFP_KERNEL | __GFP_ZERO :
						GFP_KERNEL);

			KUNIT_ASSERT_NOT_NULL(test, p);
			memset(p, 0x3c, n);
			w->objs[w->n] = p;
			w->sizes[w->n++] = n;
		}
		if (round % 2)
			run_on_cpu(other_cpu(), free_all, w);
		else
			free_all(w);
		KUNIT_EXPECT_FALSE_MSG(test, READ_ONCE(status.report_found), "round %d", round);
	}
}

static void kasan_silent_cache(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("kasan_silent", 200, 0, 0, ctor_fill);
	void *objs[100];
	int round, i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	for (round = 0; round < 5; round++) {
		for (i = 0; i < ARRAY_SIZE(objs); i++) {
			objs[i] = round % 2 ? goalloc_cache_zalloc(c, GFP_KERNEL) :
					      goalloc_cache_alloc(c, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, objs[i]);
			memset(objs[i], 0x77, 64);
			memset((u8 *)objs[i] + 64, 0, 136);
		}
		for (i = 0; i < ARRAY_SIZE(objs); i++)
			goalloc_cache_free(c, objs[i]);
	}
	goalloc_cache_destroy(c);
}

static struct kunit_case kasan_cases[] = {
	KUNIT_CASE(kasan_kmalloc_oob),
	KUNIT_CASE(kasan_ksize_unpoisons),
	KUNIT_CASE(kasan_cache_oob),
	KUNIT_CASE(kasan_span_tail),
	KUNIT_CASE(kasan_tiny_oob),
	KUNIT_CASE(kasan_tiny_oob_granule),
	KUNIT_CASE(kasan_krealloc_in_place),
	KUNIT_CASE(kasan_kmalloc_uaf),
	KUNIT_CASE(kasan_sensitive_uaf),
	KUNIT_CASE(kasan_cache_uaf),
	KUNIT_CASE(kasan_tiny_uaf),
	KUNIT_CASE(kasan_krealloc_moved_uaf),
	KUNIT_CASE(kasan_ksize_uaf),
	KUNIT_CASE(kasan_double_free),
	KUNIT_CASE(kasan_silent_use),
	KUNIT_CASE(kasan_silent_cache),
	{}
};

static struct kunit_suite kasan_suite = {
	.name = "goalloc_kasan",
	.init = kasan_case_init,
	.exit = kasan_case_exit,
	.test_cases = kasan_cases,
};

/* ---------------------------------------------------------------------- */
/* goalloc_kmemleak                                                       */

#define KMEMLEAK_PATH	"/sys/kernel/debug/kmemleak"
#define KMEMLEAK_COPY	"/tmp/goalloc-kmemleak"

/*
 * What a kthread leaked for the test. The addresses are kept complemented,
 * so that this struct (which kmemleak scans) does not reference them.
 */
struct leaks {
	unsigned long hidden[4];
	size_t registered[4];
	const char *what[4];
	int n;
	struct goalloc_cache *cache;
};

/* The root of objects that only other goalloc objects point to. */
static void **chain_root;
static u8 *chain_tiny;

static void leak(struct leaks *l, const char *what, void *p, size_t registered)
{
	l->hidden[l->n] = ~(unsigned long)p;
	l->registered[l->n] = registered;
	l->what[l->n++] = what;
}

/* A tiny object not at its block's start, which the mcache points to. */
static u8 *tiny_off_start(size_t size)
{
	u8 *p[3], *pick = NULL;
	int i;

	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = goalloc_kmalloc_tiny(size, GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		if (!pick && p[i] && (unsigned long)p[i] % GA_TINY_SIZE)
			pick = p[i];
		else
			goalloc_kfree(p[i]);
	}
	return pick;
}

/*
 * In a kthread whose stack is gone by the time kmemleak scans: leak one
 * object of each kind, and build root -> kmalloc'd -> large -> cache ->
 * tiny, each goalloc object referenced only by the one before.
 */
static void *make_leaks(void *arg)
{
	struct leaks *l = arg;
	void **a, **b, **c;
	u8 *p;

	migrate_disable();
	p = goalloc_kmalloc(100, GFP_KERNEL);
	if (p)
		leak(l, "kmalloc(100)", p, 112);
	p = goalloc_kmalloc(100000, GFP_KERNEL);
	if (p)
		leak(l, "kmalloc(100000)", p, round_up(100000, GA_PAGE_SIZE));
	p = goalloc_cache_alloc(l->cache, GFP_KERNEL);
	if (p)
		leak(l, "cache object", p, 72);
	p = tiny_off_start(4);
	if (p)
		leak(l, "tiny(4)", p, 4);

	a = goalloc_kmalloc(64, GFP_KERNEL);
	b = goalloc_kmalloc(50000, GFP_KERNEL);
	c = goalloc_cache_alloc(l->cache, GFP_KERNEL);
	chain_tiny = tiny_off_start(8);
	migrate_enable();
	if (!a || !b || !c || !chain_tiny) {
		goalloc_kfree(a);
		goalloc_kfree(b);
		goalloc_cache_free(l->cache, c);
		goalloc_kfree(chain_tiny);
		return ERR_PTR(-ENOMEM);
	}
	a[0] = b;
	b[0] = c;
	c[0] = chain_tiny;
	WRITE_ONCE(chain_root, a);
	chain_tiny = NULL;
	return NULL;
}

/*
 * kmemleak's file has no read_iter or write_iter, so kernel_read() and
 * kernel_write() cannot use it: a shell from the initramfs scans twice
 * (kmemleak reports an object from its second scan on) and copies the
 * report to a file the test can read.
 */
static char *kmemleak_scan(struct kunit *test)
{
	char sh[] = "/bin/sh", dash_c[] = "-c", path[] = "PATH=/bin";
	char cmd[] = "echo scan >" KMEMLEAK_PATH " && echo scan >" KMEMLEAK_PATH
		     " && cat " KMEMLEAK_PATH " >" KMEMLEAK_COPY;
	char *argv[4], *envp[2];

	argv[0] = sh;
	argv[1] = dash_c;
	argv[2] = cmd;
	argv[3] = NULL;
	envp[0] = path;
	envp[1] = NULL;

	KUNIT_ASSERT_EQ_MSG(test, call_usermodehelper(sh, argv, envp, UMH_WAIT_PROC), 0,
			    "%s failed", cmd);
	return read_text(test, KMEMLEAK_COPY);
}

/* The report's entry for the object at @addr, or NULL. */
static char *leak_entry(char *report, unsigned long addr)
{
	char head[64];

	snprintf(head, sizeof(head), "unreferenced object 0x%08lx ", addr);
	return strstr(report, head);
}

/* Every reported object inside goalloc's heap, but @l's, is a false leak. */
static void expect_no_other_leaks(struct kunit *test, char *report, struct leaks *l)
{
	const char *head = "unreferenced object 0x";
	char *at = report;

	while ((at = strstr(at, head))) {
		char hex[2 * sizeof(long) + 1];
		unsigned long addr;
		int i;

		at += strlen(head);
		strscpy(hex, at, min_t(size_t, sizeof(hex), strcspn(at, " ") + 1));
		if (kstrtoul(hex, 16, &addr) || !ga_span_of(&ga.heap, (void *)addr))
			continue;
		for (i = 0; i < l->n; i++)
			if (addr == ~l->hidden[i])
				break;
		KUNIT_EXPECT_LT_MSG(test, i, l->n, "a goalloc object reported as a leak: %.100s",
				    at - strlen(head));
	}
}

static void kmemleak_sees_goalloc(struct kunit *test)
{
	struct leaks *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	void **a, **b, **c;
	int i, reported = 0;
	char *report;

	KUNIT_ASSERT_NOT_NULL(test, l);
	l->cache = goalloc_cache_create("kmemleak_test", 72, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, l->cache);
	KUNIT_ASSERT_NULL(test, run_on_cpu(other_cpu(), make_leaks, l));
	KUNIT_ASSERT_EQ(test, l->n, 4);

	/* kmemleak reports objects older than 5 s. */
	msleep(5500);
	report = kmemleak_scan(test);

	for (i = 0; i < l->n; i++) {
		char *e = leak_entry(report, ~l->hidden[i]), *next, size[32];

		KUNIT_EXPECT_NOT_NULL_MSG(test, e, "leaked %s not reported", l->what[i]);
		if (!e)
			continue;
		reported++;
		next = strstr(e + 1, "unreferenced object");
		if (next)
			*next = '\0';
		snprintf(size, sizeof(size), "(size %zu)", l->registered[i]);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(e, size), "%s: want %s in\n%s",
					  l->what[i], size, e);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(e, "goalloc_"),
					  "%s: no allocation stack through goalloc in\n%s",
					  l->what[i], e);
		if (next)
			*next = 'u';
	}
	a = READ_ONCE(chain_root);
	KUNIT_ASSERT_NOT_NULL(test, a);
	b = a[0];
	c = b[0];
	KUNIT_EXPECT_NULL_MSG(test, leak_entry(report, (unsigned long)a), "kmalloc'd, referenced");
	KUNIT_EXPECT_NULL_MSG(test, leak_entry(report, (unsigned long)b), "large, referenced");
	KUNIT_EXPECT_NULL_MSG(test, leak_entry(report, (unsigned long)c), "cache, referenced");
	KUNIT_EXPECT_NULL_MSG(test, leak_entry(report, (unsigned long)c[0]), "tiny, referenced");
	expect_no_other_leaks(test, report, l);
	kunit_info(test, "note: kmemleak reported %d of the %d leaked objects (kmalloc, large, cache, tiny)\n",
		   reported, l->n);

	goalloc_kfree(c[0]);
	goalloc_cache_free(l->cache, c);
	goalloc_kfree(b);
	goalloc_kfree(a);
	WRITE_ONCE(chain_root, NULL);
	for (i = 0; i < l->n; i++) {
		if (!strcmp(l->what[i], "cache object"))
			goalloc_cache_free(l->cache, (void *)~l->hidden[i]);
		else
			goalloc_kfree((void *)~l->hidden[i]);
	}
	goalloc_cache_destroy(l->cache);
}

static struct kunit_case kmemleak_cases[] = {
	KUNIT_CASE(kmemleak_sees_goalloc),
	{}
};

static struct kunit_suite kmemleak_suite = {
	.name = "goalloc_kmemleak",
	.exit = ga_test_exit,
	.test_cases = kmemleak_cases,
};

kunit_test_suites(&kasan_suite, &kmemleak_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of what KASAN sees of goalloc's objects");
