// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of goalloc's two backings, as the kernel's own code sees
 * their objects.
 *
 * goalloc_backing: an object that straddles a 4 KiB page boundary in each
 *	backing (two mapped pages in the vmalloc one, physically contiguous
 *	in the direct-map one); virt_to_page(), virt_to_phys(),
 *	page_to_nid() and a scatterlist on direct-map objects; a list_lru of
 *	direct-map objects emptied by a real shrinker through drop_caches;
 *	4 MiB aligned objects; and the kmalloc family in whichever backing
 *	the module parameter kmalloc_direct chose (make check boots once
 *	with each).
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/list_lru.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/shrinker.h>
#include <linux/sizes.h>
#include <linux/vmalloc.h>

#include "goalloc.h"
#include "goalloc_internal.h"
#include "goalloc_test.h"

MODULE_IMPORT_NS(GOALLOC_NS);
MODULE_IMPORT_NS(GOALLOC_KUNIT_NS);

/* Objects of 3000 bytes: the second one, at 3000, crosses 4096. */
#define STRADDLE_SIZE	3000

/*
 * Allocate @n objects of @c into @objs; return one that crosses a 4 KiB
 * boundary, with how far into it that lies, and fill it with a pattern.
 */
static void *straddling_object(struct kunit *test, struct goalloc_cache *c, void **objs,
			       int n, size_t *cut)
{
	int i, j;

	KUNIT_ASSERT_NOT_NULL(test, c);
	for (i = 0; i < n; i++) {
		objs[i] = goalloc_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	for (i = 0; i < n; i++) {
		unsigned long p = (unsigned long)objs[i];
		unsigned long next = round_up(p + 1, PAGE_SIZE);

		if (next < p + STRADDLE_SIZE) {
			*cut = next - p;
			for (j = 0; j < STRADDLE_SIZE; j++)
				((u8 *)objs[i])[j] = j * 7;
			return objs[i];
		}
	}
	KUNIT_FAIL(test, "no object of %d crosses a page boundary", n);
	return NULL;
}

/*
 * The vmalloc backing: an object that crosses a 4 KiB boundary is usable
 * through it, and its two halves are two pages of the vmalloc mapping
 * (not the direct map: virt_addr_valid() is false, vmalloc_to_page()
 * finds each page, and each page's kernel mapping holds its half).
 */
static void backing_vmalloc_straddle(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_vstraddle", STRADDLE_SIZE, 0, 0,
						       NULL);
	struct page *p0, *p1;
	void *objs[4], *o;
	size_t cut;
	int i;

	o = straddling_object(test, c, objs, ARRAY_SIZE(objs), &cut);
	if (o) {
		KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(o));
		KUNIT_EXPECT_FALSE(test, virt_addr_valid(o));
		p0 = vmalloc_to_page(o);
		p1 = vmalloc_to_page(o + cut);
		KUNIT_ASSERT_NOT_NULL(test, p0);
		KUNIT_ASSERT_NOT_NULL(test, p1);
		KUNIT_EXPECT_PTR_NE(test, p0, p1);
		KUNIT_EXPECT_EQ(test, memcmp(page_address(p0) + offset_in_page(o), o, cut), 0);
		KUNIT_EXPECT_EQ(test, memcmp(page_address(p1), o + cut, STRADDLE_SIZE - cut), 0);
	}
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		goalloc_cache_free(c, objs[i]);
	goalloc_cache_destroy(c);
}

/* What a direct-map object of @size bytes at @o must satisfy, as a slab object does. */
static void expect_direct_map(struct kunit *test, void *o, size_t size)
{
	struct page *page;

	KUNIT_ASSERT_TRUE_MSG(test, virt_addr_valid(o), "%p is not in the direct map", o);
	KUNIT_EXPECT_FALSE(test, is_vmalloc_addr(o));
	page = virt_to_page(o);
	KUNIT_EXPECT_PTR_EQ(test, page_address(page) + offset_in_page(o), o);
	KUNIT_EXPECT_EQ(test, page_to_pfn(page), PHYS_PFN(virt_to_phys(o)));
	KUNIT_EXPECT_TRUE(test, node_online(page_to_nid(page)));
	/* Physically contiguous, from its first byte to its last. */
	KUNIT_EXPECT_EQ(test, virt_to_phys(o + size - 1) - virt_to_phys(o), size - 1);
	KUNIT_EXPECT_PTR_EQ(test, virt_to_page(o + size - 1),
			    nth_page(page, (offset_in_page(o) + size - 1) >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, page_to_nid(virt_to_page(o + size - 1)), page_to_nid(page));
}

/*
 * The direct-map backing: the object that crosses a 4 KiB boundary is
 * physically contiguous, virt_to_page()/virt_to_phys()/page_to_nid() work
 * on every byte, and a scatterlist entry built from it (sg_init_one(),
 * which uses virt_to_page()) points back at it.
 */
static void backing_direct_straddle(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_dstraddle", STRADDLE_SIZE, 0,
						       GOALLOC_CACHE_DIRECT_MAP, NULL);
	struct scatterlist sg;
	void *objs[4], *o;
	size_t cut;
	int i;

	o = straddling_object(test, c, objs, ARRAY_SIZE(objs), &cut);
	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		expect_direct_map(test, objs[i], STRADDLE_SIZE);
		KUNIT_EXPECT_PTR_EQ(test, ga_span_lookup(objs[i])->heap, &ga.dheap);
	}
	if (o) {
		KUNIT_EXPECT_EQ(test, memcmp(page_address(virt_to_page(o + cut)), o + cut,
					     STRADDLE_SIZE - cut), 0);
		sg_init_one(&sg, o, STRADDLE_SIZE);
		KUNIT_EXPECT_PTR_EQ(test, sg_virt(&sg), o);
		KUNIT_EXPECT_EQ(test, sg_phys(&sg), virt_to_phys(o));
		KUNIT_EXPECT_EQ(test, sg.length, STRADDLE_SIZE);
	}
	for (i = 0; i < ARRAY_SIZE(objs); i++)
		goalloc_cache_free(c, objs[i]);
	goalloc_cache_destroy(c);
}

/* 4 MiB objects fill a direct-map block each, aligned to 4 MiB as kmalloc's. */
static void backing_direct_whole_blocks(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_dblock", SZ_4M, 0,
						       GOALLOC_CACHE_DIRECT_MAP, NULL);
	void *a, *b;

	KUNIT_ASSERT_NOT_NULL(test, c);
	a = goalloc_cache_alloc(c, GFP_KERNEL);
	b = goalloc_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_PTR_NE(test, a, b);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)a, SZ_4M));
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)b, SZ_4M));
	expect_direct_map(test, a, SZ_4M);
	expect_direct_map(test, b, SZ_4M);
	memset(a, 0x5a, SZ_4M);
	memset(b, 0xa5, SZ_4M);
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0x5a, SZ_4M));
	goalloc_cache_free(c, a);
	goalloc_cache_free(c, b);
	goalloc_cache_destroy(c);
}

/* ---------------------------------------------------------------------- */
/* list_lru with a real shrinker                                          */

struct lru_obj {
	struct list_head lru;
	unsigned long magic;
	u8 payload[STRADDLE_SIZE - sizeof(struct list_head) - sizeof(unsigned long)];
};

#define LRU_MAGIC	0x6f6c6c6167UL
#define LRU_OBJECTS	256

struct lru_ctx {
	struct list_lru lru;
	struct goalloc_cache *cache;
	atomic_long_t freed;
	atomic_long_t scans;
};

static struct lru_ctx *lru_ctx;

static enum lru_status lru_isolate(struct list_head *item, struct list_lru_one *list,
				   spinlock_t *lock, void *arg)
{
	list_lru_isolate_move(list, item, arg);
	return LRU_REMOVED;
}

static unsigned long lru_count(struct shrinker *s, struct shrink_control *sc)
{
	return list_lru_shrink_count(&lru_ctx->lru, sc);
}

static unsigned long lru_scan(struct shrinker *s, struct shrink_control *sc)
{
	struct lru_obj *o, *next;
	unsigned long n;
	LIST_HEAD(dispose);

	atomic_long_inc(&lru_ctx->scans);
	n = list_lru_shrink_walk(&lru_ctx->lru, sc, lru_isolate, &dispose);
	list_for_each_entry_safe(o, next, &dispose, lru) {
		if (o->magic == LRU_MAGIC) {
			list_del(&o->lru);
			o->magic = 0;
			goalloc_cache_free(lru_ctx->cache, o);
			atomic_long_inc(&lru_ctx->freed);
		}
	}
	return n;
}

#if GA_HAVE_SHRINKER_ALLOC
static struct shrinker *lru_shrinker_start(void)
{
	struct shrinker *s = shrinker_alloc(SHRINKER_NUMA_AWARE, "goalloc-test-lru");

	if (!s)
		return NULL;
	s->count_objects = lru_count;
	s->scan_objects = lru_scan;
	shrinker_register(s);
	return s;
}

static void lru_shrinker_stop(struct shrinker *s)
{
	shrinker_free(s);
}
#else
static struct shrinker lru_shrinker = {
	.count_objects = lru_count,
	.scan_objects = lru_scan,
	.seeks = DEFAULT_SEEKS,
	.flags = SHRINKER_NUMA_AWARE,
};

static struct shrinker *lru_shrinker_start(void)
{
	return register_shrinker(&lru_shrinker, "goalloc-test-lru") ? NULL : &lru_shrinker;
}

static void lru_shrinker_stop(struct shrinker *s)
{
	unregister_shrinker(s);
}
#endif

#if GA_HAVE_LIST_LRU_ADD_OBJ
#define lru_add(lru, item)	list_lru_add_obj(lru, item)
#else
#define lru_add(lru, item)	list_lru_add(lru, item)
#endif

/* Ask the kernel to shrink every slab cache, as "echo 2 > drop_caches" does. */
static void drop_slab_caches(struct kunit *test)
{
	struct file *f = filp_open("/proc/sys/vm/drop_caches", O_WRONLY, 0);
	loff_t pos = 0;

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(f), "drop_caches: %ld", PTR_ERR_OR_ZERO(f));
	KUNIT_EXPECT_EQ(test, kernel_write(f, "2\n", 2, &pos), 2);
	filp_close(f, NULL);
}

/*
 * The list_lru case of the issue: list_lru_add() looks up the node of an
 * object with page_to_nid(virt_to_page()), which oopses on a vmalloc
 * address. Direct-map objects go on a list_lru, a registered shrinker
 * reports them, and drop_caches makes the kernel's shrink_slab() scan and
 * free them all, as it does a filesystem's inodes.
 */
static void backing_direct_list_lru_shrinker(struct kunit *test)
{
	struct shrinker *shrinker;
	struct lru_ctx *ctx;
	unsigned long pages0;
	struct lru_obj *o;
	int i;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->cache = goalloc_cache_create("ga_test_lru", sizeof(struct lru_obj), 0,
					  GOALLOC_CACHE_DIRECT_MAP, NULL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->cache);
	KUNIT_ASSERT_EQ(test, list_lru_init(&ctx->lru), 0);
	lru_ctx = ctx;
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	pages0 = ga_test_pages_inuse();

	for (i = 0; i < LRU_OBJECTS; i++) {
		o = goalloc_cache_alloc(ctx->cache, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, o);
		INIT_LIST_HEAD(&o->lru);
		o->magic = LRU_MAGIC;
		KUNIT_EXPECT_TRUE(test, lru_add(&ctx->lru, &o->lru));
	}
	KUNIT_EXPECT_EQ(test, list_lru_count(&ctx->lru), (unsigned long)LRU_OBJECTS);
	KUNIT_EXPECT_GT(test, ga_test_pages_inuse(), pages0);

	shrinker = lru_shrinker_start();
	KUNIT_ASSERT_NOT_NULL(test, shrinker);
	drop_slab_caches(test);
	lru_shrinker_stop(shrinker);

	KUNIT_EXPECT_GT(test, atomic_long_read(&ctx->scans), 0L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx->freed), (long)LRU_OBJECTS);
	KUNIT_EXPECT_EQ(test, list_lru_count(&ctx->lru), 0UL);
	list_lru_destroy(&ctx->lru);
	lru_ctx = NULL;
	goalloc_cache_destroy(ctx->cache);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	KUNIT_EXPECT_EQ(test, ga_test_pages_inuse(), pages0);
}

/* ---------------------------------------------------------------------- */
/* The kmalloc family's backing: the module parameter                     */

/* Did this boot load goalloc with kmalloc_direct=1? */
static bool booted_kmalloc_direct(struct kunit *test)
{
	char *cmdline = read_text(test, "/proc/cmdline");

	KUNIT_ASSERT_NOT_NULL(test, cmdline);
	return strstr(cmdline, "kmalloc_direct=1");
}

/*
 * Every kind of kmalloc-family object (tiny, each size class, large, and
 * a 4 MiB one) comes from the backing the parameter chose, and keeps that
 * backing's contract.
 */
static void backing_kmalloc_follows_param(struct kunit *test)
{
	bool direct = booted_kmalloc_direct(test);
	static const size_t large[] = { SZ_32K + 1, SZ_64K, SZ_1M + 4321, SZ_4M };
	void *p;
	int i;

	KUNIT_EXPECT_PTR_EQ(test, ga.kheap, direct ? &ga.dheap : &ga.heap);
	KUNIT_EXPECT_EQ(test, stats_value(test, "serves_kmalloc"), (unsigned long)!direct);

	p = goalloc_kmalloc_tiny(8, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, virt_addr_valid(p), direct);
	goalloc_kfree(p);
	for (i = 1; i < GA_NUM_SIZE_CLASSES; i++) {
		size_t size = ga_class_to_size[i];

		p = goalloc_kmalloc(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_PTR_EQ(test, ga_span_lookup(p)->heap, ga.kheap);
		if (direct)
			expect_direct_map(test, p, size);
		else
			KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(p));
		goalloc_kfree(p);
	}
	for (i = 0; i < ARRAY_SIZE(large); i++) {
		p = goalloc_kmalloc(large[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL_MSG(test, p, "%zu bytes", large[i]);
		if (direct)
			expect_direct_map(test, p, large[i]);
		else
			KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(p));
		if (is_power_of_2(large[i]))
			KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, large[i]));
		goalloc_kfree(p);
	}
	/* Past kmalloc's own 4 MiB only the vmalloc backing goes. */
	p = goalloc_kmalloc(SZ_4M + 1, GFP_KERNEL | __GFP_NOWARN);
	KUNIT_EXPECT_EQ(test, !p, direct);
	goalloc_kfree(p);
}

static struct kunit_case backing_cases[] = {
	KUNIT_CASE(backing_vmalloc_straddle),
	KUNIT_CASE(backing_direct_straddle),
	KUNIT_CASE(backing_direct_whole_blocks),
	KUNIT_CASE(backing_direct_list_lru_shrinker),
	KUNIT_CASE(backing_kmalloc_follows_param),
	{}
};

static struct kunit_suite backing_suite = {
	.name = "goalloc_backing",
	.exit = ga_test_exit,
	.test_cases = backing_cases,
};

kunit_test_suites(&backing_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of goalloc's vmalloc and direct-map backings");
