// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of include/goalloc_redirect.h, built the way a module moves
 * onto goalloc: this file is compiled with
 * -include include/goalloc_redirect.h (see kunit/Kbuild) and calls the
 * kernel's names, kmalloc() and kmem_cache_create() and the rest.
 *
 * goalloc_redirect: each redirected call gives goalloc memory (and
 *	__free(kfree) frees it); caches are
 *	goalloc's, on the direct map, and take list_lru; the kernel's own
 *	memory and caches that reach the module (a kernel helper's kmalloc,
 *	a large kmalloc, vmalloc, names_cachep through __getname()) go back
 *	to the kernel, every free counted where it went.
 */

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/list_lru.h>
#include <linux/mempool.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "goalloc.h"
#include "goalloc_internal.h"
#include "goalloc_test.h"

MODULE_IMPORT_NS(GOALLOC_KUNIT_NS);

struct redirect_counts {
	long to_goalloc, to_kernel;
};

static struct redirect_counts redirect_now(void)
{
	struct redirect_counts c = {
		atomic_long_read(&ga.redirect.frees_goalloc),
		atomic_long_read(&ga.redirect.frees_kernel),
	};

	return c;
}

static void expect_routed(struct kunit *test, struct redirect_counts c0, long to_goalloc,
			  long to_kernel)
{
	struct redirect_counts c = redirect_now();

	KUNIT_EXPECT_EQ_MSG(test, c.to_goalloc - c0.to_goalloc, to_goalloc, "frees to goalloc");
	KUNIT_EXPECT_EQ_MSG(test, c.to_kernel - c0.to_kernel, to_kernel, "frees to the kernel");
}

/* The kmalloc family, as the module writes it, is goalloc's. */
static void redirect_kmalloc_family(struct kunit *test)
{
	struct redirect_counts c0 = redirect_now();
	void *p[12];
	unsigned int i;
	u8 *z;

	p[0] = kmalloc(100, GFP_KERNEL);
	p[1] = kzalloc(SZ_64K, GFP_KERNEL);
	p[2] = kcalloc(10, 24, GFP_KERNEL);
	p[3] = kmalloc_array(3, 1000, GFP_KERNEL);
	p[4] = kmemdup("goalloc", 8, GFP_KERNEL);
	p[5] = kstrdup("redirected", GFP_KERNEL);
	p[6] = kstrndup("redirected", 4, GFP_KERNEL);
	p[7] = kvmalloc(SZ_1M, GFP_KERNEL);
	p[8] = kvzalloc(300, GFP_KERNEL);
	p[9] = kmalloc_node(50, GFP_KERNEL, NUMA_NO_NODE);
	p[10] = kzalloc_node(70, GFP_KERNEL, 0);
	p[11] = kmemdup_nul("abc", 3, GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		KUNIT_ASSERT_NOT_NULL_MSG(test, p[i], "call %u", i);
		KUNIT_EXPECT_TRUE_MSG(test, goalloc_owns(p[i]), "call %u", i);
	}
	z = p[1];
	KUNIT_EXPECT_TRUE(test, !memchr_inv(z, 0, SZ_64K));
	KUNIT_EXPECT_STREQ(test, (char *)p[5], "redirected");
	KUNIT_EXPECT_STREQ(test, (char *)p[6], "redi");
	KUNIT_EXPECT_EQ(test, ksize(p[0]), (size_t)112);
	z = krealloc(p[0], 5000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, z);
	p[0] = z;
	KUNIT_EXPECT_TRUE(test, goalloc_owns(p[0]));
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		if (i == 7 || i == 8)
			kvfree(p[i]);
		else
			kfree(p[i]);
		KUNIT_EXPECT_FALSE_MSG(test, goalloc_owns(p[i]), "call %u", i);
	}
	kfree(NULL);
	kfree(ZERO_SIZE_PTR);
	expect_routed(test, c0, ARRAY_SIZE(p), 0);
}

/* Scope-based cleanup: __free(kfree) of a goalloc object is goalloc's. */
static void redirect_scoped_free(struct kunit *test)
{
#ifdef DEFINE_FREE
	struct redirect_counts c0 = redirect_now();
	void *seen;

	{
		char *p __free(kfree) = kmalloc(40, GFP_KERNEL);

		KUNIT_EXPECT_NOT_NULL(test, p);
		KUNIT_EXPECT_TRUE(test, goalloc_owns(p));
		seen = p;
	}
	KUNIT_EXPECT_FALSE(test, goalloc_owns(seen));
	expect_routed(test, c0, 1, 0);
#else
	kunit_skip(test, "no linux/cleanup.h in this kernel");
#endif
}

/* kvrealloc keeps the bytes; kfree taken as a function pointer is goalloc's. */
static void redirect_kvrealloc_and_pointers(struct kunit *test)
{
	struct redirect_counts c0 = redirect_now();
	void (*free_fn)(const void *) = kfree;
	u8 *q = kvmalloc(100, GFP_KERNEL), *r;

	KUNIT_ASSERT_NOT_NULL(test, q);
	memset(q, 0x6d, 100);
#if GA_HAVE_KVREALLOC_OLDSIZE
	r = kvrealloc(q, 100, SZ_256K, GFP_KERNEL);
#else
	r = kvrealloc(q, SZ_256K, GFP_KERNEL);
#endif
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_TRUE(test, goalloc_owns(r));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(r, 0x6d, 100));
	KUNIT_EXPECT_GE(test, ksize(r), (size_t)SZ_256K);
	free_fn(r);
	KUNIT_EXPECT_FALSE(test, goalloc_owns(r));
	expect_routed(test, c0, 1, 0);
}

/*
 * Memory the kernel handed out goes back to the kernel: a helper's
 * kmalloc (kasprintf), a large kmalloc (pages of its own), vmalloc, and
 * kfree_rcu of kernel memory.
 */
struct rcu_blob {
	char text[32];
	struct rcu_head rcu;
};

static void redirect_kernel_memory(struct kunit *test)
{
	struct redirect_counts c0 = redirect_now();
	char *s = kasprintf(GFP_KERNEL, "%s-%d", "kernel", 42);
	void *large = kmalloc_large(SZ_32K, GFP_KERNEL);
	void *v = vmalloc(SZ_16K);
	struct rcu_blob *blob = (struct rcu_blob *)kasprintf(GFP_KERNEL, "%63s", "x");
	struct rcu_blob *mine = kzalloc(sizeof(*mine), GFP_KERNEL);
	char *grown;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, large);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, blob);
	KUNIT_ASSERT_NOT_NULL(test, mine);
	KUNIT_EXPECT_FALSE(test, goalloc_owns(s));
	KUNIT_EXPECT_FALSE(test, goalloc_owns(large));
	KUNIT_EXPECT_GE(test, ksize(s), (size_t)10);
	KUNIT_EXPECT_GE(test, ksize(large), (size_t)SZ_32K);
	grown = krealloc(s, 200, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, grown);
	s = grown;
	KUNIT_EXPECT_FALSE(test, goalloc_owns(s));
	KUNIT_EXPECT_STREQ(test, s, "kernel-42");
	kfree(s);
	kfree(large);
	kvfree(v);
	kfree_rcu(blob, rcu);
	kfree_rcu(mine, rcu);
	rcu_barrier();
	ga_rcu_flush();
	KUNIT_EXPECT_FALSE(test, goalloc_owns(mine));
	/* krealloc and ksize route but free nothing. */
	expect_routed(test, c0, 1, 4);
}

/* A kernel cache that reaches the module through a macro stays the kernel's. */
static void redirect_kernel_cache(struct kunit *test)
{
	char *name = __getname();

	KUNIT_ASSERT_NOT_NULL(test, name);
	KUNIT_EXPECT_FALSE(test, goalloc_is_cache(names_cachep));
	KUNIT_EXPECT_FALSE(test, goalloc_owns(name));
	strscpy(name, "/a/path", PATH_MAX);
	__putname(name);
}

struct lru_item {
	struct list_head lru;
	u64 value;
	struct rcu_head rcu;
};

/*
 * kmem_cache_create() makes a goalloc cache on the direct map: its
 * objects take virt_to_page() and a list_lru, as alloc_inode_sb()'s
 * kmem_cache_alloc_lru() needs; kfree_rcu and destroy work on it.
 */
static void redirect_caches(struct kunit *test)
{
	struct redirect_counts c0 = redirect_now();
	struct kmem_cache *k = KMEM_CACHE(lru_item, SLAB_RECLAIM_ACCOUNT | SLAB_MEM_SPREAD |
					  SLAB_ACCOUNT);
	struct kmem_cache *named = kmem_cache_create("has space:colon", 40, 0, 0, NULL);
	struct lru_item *items[16];
	struct list_lru lru;
	mempool_t *pool;
	void *bulk[8];
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_ASSERT_NOT_NULL(test, named);
	KUNIT_EXPECT_TRUE(test, goalloc_is_cache(k));
	KUNIT_EXPECT_TRUE(test, goalloc_is_cache(named));
	KUNIT_EXPECT_EQ(test, kmem_cache_size(k), (unsigned int)sizeof(struct lru_item));
	KUNIT_ASSERT_EQ(test, list_lru_init(&lru), 0);
	for (i = 0; i < ARRAY_SIZE(items); i++) {
		items[i] = kmem_cache_alloc_lru(k, &lru, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, items[i]);
		KUNIT_EXPECT_TRUE(test, goalloc_owns(items[i]));
		KUNIT_EXPECT_FALSE(test, is_vmalloc_addr(items[i]));
		KUNIT_EXPECT_TRUE(test, virt_addr_valid(items[i]));
		INIT_LIST_HEAD(&items[i]->lru);
		items[i]->value = i;
#if GA_HAVE_LIST_LRU_ADD_OBJ
		KUNIT_EXPECT_TRUE(test, list_lru_add_obj(&lru, &items[i]->lru));
#else
		KUNIT_EXPECT_TRUE(test, list_lru_add(&lru, &items[i]->lru));
#endif
	}
	KUNIT_EXPECT_EQ(test, list_lru_count(&lru), (unsigned long)ARRAY_SIZE(items));
	for (i = 0; i < ARRAY_SIZE(items); i++) {
#if GA_HAVE_LIST_LRU_ADD_OBJ
		KUNIT_EXPECT_TRUE(test, list_lru_del_obj(&lru, &items[i]->lru));
#else
		KUNIT_EXPECT_TRUE(test, list_lru_del(&lru, &items[i]->lru));
#endif
		if (i % 2)
			kmem_cache_free(k, items[i]);
		else
			kfree_rcu(items[i], rcu);
	}
	list_lru_destroy(&lru);
	KUNIT_EXPECT_EQ(test, kmem_cache_alloc_bulk(named, GFP_KERNEL, ARRAY_SIZE(bulk), bulk),
			(int)ARRAY_SIZE(bulk));
	kmem_cache_free_bulk(named, ARRAY_SIZE(bulk), bulk);
	/* A mempool of the cache: its slab callbacks are goalloc's too. */
	pool = mempool_create_slab_pool(2, k);
	KUNIT_ASSERT_NOT_NULL(test, pool);
	items[0] = mempool_alloc(pool, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, items[0]);
	KUNIT_EXPECT_TRUE(test, goalloc_owns(items[0]));
	mempool_free(items[0], pool);
	mempool_destroy(pool);
	items[0] = kmem_cache_zalloc(k, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, items[0]);
	KUNIT_EXPECT_EQ(test, items[0]->value, 0ULL);
	kfree(items[0]);	/* kfree of a cache object, as SLUB allows */
	KUNIT_EXPECT_EQ(test, kmem_cache_shrink(k), 0);
	/* Waits for the kfree_rcu frees of its objects. */
	kmem_cache_destroy(k);
	kmem_cache_destroy(named);
	kmem_cache_destroy(NULL);
	/* kfree_rcu goes through goalloc_kfree_rcu, not kfree: one kfree. */
	expect_routed(test, c0, 1 + ARRAY_SIZE(items) / 2, 0);
}

static struct kunit_case redirect_cases[] = {
	KUNIT_CASE(redirect_kmalloc_family),
	KUNIT_CASE(redirect_kvrealloc_and_pointers),
	KUNIT_CASE(redirect_scoped_free),
	KUNIT_CASE(redirect_kernel_memory),
	KUNIT_CASE(redirect_kernel_cache),
	KUNIT_CASE(redirect_caches),
	{}
};

static struct kunit_suite redirect_suite = {
	.name = "goalloc_redirect",
	.exit = ga_test_exit,
	.test_cases = redirect_cases,
};

kunit_test_suites(&redirect_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of goalloc_redirect.h, built as a redirected module");
