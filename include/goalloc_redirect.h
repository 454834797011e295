/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Move a module onto goalloc with one line in its Kbuild:
 *
 *	ccflags-y += -include <goalloc>/include/<this header>
 *
 * (and goalloc's Module.symvers in KBUILD_EXTRA_SYMBOLS). Forced in
 * before anything else of each file, this header includes the kernel's
 * allocator headers and then redefines, for the rest of the file, the
 * kmalloc family, kfree_rcu() and the kmem_cache calls as goalloc's:
 *
 * - kmalloc(), kzalloc(), kcalloc(), kmalloc_array(), their _node forms,
 *   krealloc(), kmemdup(), kstrdup() and friends allocate from goalloc
 *   (goalloc_kmalloc()'s backing: see the memory contract);
 *   kvmalloc() and its forms from goalloc_kvmalloc();
 * - kmem_cache_create() creates a goalloc cache on the direct-map backing
 *   (so list_lru, virt_to_page() and DMA work on its objects, as on a
 *   kmem_cache's), dropping SLAB_ACCOUNT with one line (goalloc cannot
 *   charge a memory cgroup); every kmem_cache call on it is goalloc's;
 * - kfree(), kvfree(), ksize(), krealloc(), kfree_sensitive() and
 *   kfree_rcu() of memory goalloc did not hand out (a kernel helper's
 *   allocation, kmalloc memory from core code) go to the kernel, as do the
 *   kmem_cache calls on the kernel's own caches that reach the module
 *   through macros (__getname() on names_cachep): goalloc_kfree_any()
 *   and friends tell the two apart in O(1), and the statistics count
 *   where frees went.
 *
 * What cannot be redirected, and why, is in Documentation/goalloc.rst
 * ("Moving a module onto goalloc"); above all, memory the module
 * allocates must not be freed by core kernel code with the kernel's
 * kfree() (set_delayed_call(..., kfree_link, ...), say): such a free
 * never passes through this header.
 */
#ifndef _GOALLOC_REDIRECT_H
#define _GOALLOC_REDIRECT_H

#include <linux/fs.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "goalloc.h"

MODULE_IMPORT_NS(GOALLOC_NS);

/*
 * The kernel's functions, as this file sees them before it redefines
 * their names: for calls that are not goalloc's.
 */
static inline void *goalloc_redirect_cache_alloc(struct kmem_cache *k, gfp_t gfp)
{
	if (goalloc_is_cache(k))
		return goalloc_cache_alloc((struct goalloc_cache *)k, gfp);
	return kmem_cache_alloc(k, gfp);
}

static inline void *goalloc_redirect_cache_alloc_lru(struct kmem_cache *k,
						     struct list_lru *lru, gfp_t gfp)
{
	/* goalloc charges no memory cgroup: the lru's memcg is not needed. */
	if (goalloc_is_cache(k))
		return goalloc_cache_alloc((struct goalloc_cache *)k, gfp);
	return kmem_cache_alloc_lru(k, lru, gfp);
}

static inline void *goalloc_redirect_cache_alloc_node(struct kmem_cache *k, gfp_t gfp,
						      int node)
{
	if (goalloc_is_cache(k))
		return goalloc_cache_alloc_node((struct goalloc_cache *)k, gfp, node);
	return kmem_cache_alloc_node(k, gfp, node);
}

static inline void goalloc_redirect_cache_free(struct kmem_cache *k, void *p)
{
	if (goalloc_is_cache(k))
		goalloc_cache_free((struct goalloc_cache *)k, p);
	else
		kmem_cache_free(k, p);
}

static inline int goalloc_redirect_cache_alloc_bulk(struct kmem_cache *k, gfp_t gfp,
						    size_t nr, void **p)
{
	if (goalloc_is_cache(k))
		return goalloc_cache_alloc_bulk((struct goalloc_cache *)k, gfp, nr, p);
	return kmem_cache_alloc_bulk(k, gfp, nr, p);
}

static inline void goalloc_redirect_cache_free_bulk(struct kmem_cache *k, size_t nr,
						    void **p)
{
	size_t i;

	if (!k) {
		/* kfree_bulk(): each object wherever it came from. */
		for (i = 0; i < nr; i++)
			goalloc_kfree_any(p[i]);
	} else if (goalloc_is_cache(k)) {
		goalloc_cache_free_bulk((struct goalloc_cache *)k, nr, p);
	} else {
		kmem_cache_free_bulk(k, nr, p);
	}
}

static inline void goalloc_redirect_cache_destroy(struct kmem_cache *k)
{
	if (goalloc_is_cache(k))
		goalloc_cache_destroy((struct goalloc_cache *)k);
	else
		kmem_cache_destroy(k);
}

static inline int goalloc_redirect_cache_shrink(struct kmem_cache *k)
{
	if (goalloc_is_cache(k))
		return goalloc_cache_shrink((struct goalloc_cache *)k);
	return kmem_cache_shrink(k);
}

static inline unsigned int goalloc_redirect_cache_size(struct kmem_cache *k)
{
	if (goalloc_is_cache(k))
		return goalloc_cache_size((struct goalloc_cache *)k);
	return kmem_cache_size(k);
}

static inline void *goalloc_redirect_kvmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return goalloc_kvmalloc(bytes, gfp);
}

static inline void *goalloc_redirect_krealloc_array(void *p, size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return goalloc_krealloc_any(p, bytes, gfp);
}

/* mempool's slab-pool callbacks, for goalloc caches and the kernel's. */
static inline void *goalloc_redirect_mempool_alloc_slab(gfp_t gfp, void *pool_data)
{
	return goalloc_redirect_cache_alloc(pool_data, gfp);
}

static inline void goalloc_redirect_mempool_free_slab(void *element, void *pool_data)
{
	goalloc_redirect_cache_free(pool_data, element);
}

/* From here on, the module's calls are goalloc's. */

#undef kmalloc
#undef kzalloc
#undef kmalloc_node
#undef kzalloc_node
#undef kmalloc_array
#undef kcalloc
#undef kmalloc_array_node
#undef kcalloc_node
#undef kmalloc_track_caller
#undef krealloc
#undef krealloc_array
#undef kfree
#undef kfree_sensitive
#undef kfree_bulk
#undef ksize
#undef kmemdup
#undef kmemdup_nul
#undef kstrdup
#undef kstrndup
#undef kvmalloc
#undef kvzalloc
#undef kvmalloc_node
#undef kvzalloc_node
#undef kvmalloc_array
#undef kvcalloc
#undef kvfree
#undef kvrealloc
#undef kfree_rcu
#undef kvfree_rcu
#undef kfree_rcu_mightsleep
#undef kvfree_rcu_mightsleep
#undef kmem_cache_create
#undef kmem_cache_create_usercopy
#undef kmem_cache_destroy
#undef kmem_cache_alloc
#undef kmem_cache_zalloc
#undef kmem_cache_alloc_lru
#undef kmem_cache_alloc_node
#undef kmem_cache_free
#undef kmem_cache_alloc_bulk
#undef kmem_cache_free_bulk
#undef kmem_cache_shrink
#undef kmem_cache_size
#undef alloc_inode_sb
#undef mempool_alloc_slab
#undef mempool_free_slab
#undef mempool_create_slab_pool
#undef mempool_init_slab_pool

/*
 * Object-like where goalloc's function takes the same arguments, so that
 * the name used as a function pointer (a callback, devm_add_action()) is
 * goalloc's too.
 */
#define kmalloc				goalloc_kmalloc
#define kzalloc				goalloc_kzalloc
#define kmalloc_node			goalloc_kmalloc_node
#define kzalloc_node(size, gfp, node)	goalloc_kmalloc_node(size, (gfp) | __GFP_ZERO, node)
#define kmalloc_array			goalloc_kmalloc_array
#define kcalloc				goalloc_kcalloc
#define kmalloc_array_node(n, size, gfp, node) goalloc_kmalloc_array(n, size, gfp)
#define kcalloc_node(n, size, gfp, node) goalloc_kcalloc(n, size, gfp)
#define kmalloc_track_caller		goalloc_kmalloc
#define krealloc			goalloc_krealloc_any
#define krealloc_array(p, n, size, gfp)	goalloc_redirect_krealloc_array(p, n, size, gfp)
#define kfree				goalloc_kfree_any
#define kfree_sensitive			goalloc_kfree_sensitive_any
#define kfree_bulk(nr, p)		goalloc_redirect_cache_free_bulk(NULL, nr, p)
#define ksize				goalloc_ksize_any
#define kmemdup				goalloc_kmemdup
#define kmemdup_nul			goalloc_kmemdup_nul
#define kstrdup				goalloc_kstrdup
#define kstrndup			goalloc_kstrndup
#define kvmalloc			goalloc_kvmalloc
#define kvzalloc(size, gfp)		goalloc_kvmalloc(size, (gfp) | __GFP_ZERO)
#define kvmalloc_node(size, gfp, node)	goalloc_kvmalloc(size, gfp)
#define kvzalloc_node(size, gfp, node)	goalloc_kvmalloc(size, (gfp) | __GFP_ZERO)
#define kvmalloc_array(n, size, gfp)	goalloc_redirect_kvmalloc_array(n, size, gfp)
#define kvcalloc(n, size, gfp)		goalloc_redirect_kvmalloc_array(n, size, (gfp) | __GFP_ZERO)
#define kvfree				goalloc_kvfree_any
#if GA_HAVE_KVREALLOC_OLDSIZE
#define kvrealloc(p, oldsize, newsize, gfp) goalloc_kvrealloc_any(p, oldsize, newsize, gfp)
#else
#define kvrealloc(p, newsize, gfp)	goalloc_kvrealloc_any(p, 0, newsize, gfp)
#endif

#define __goalloc_rcu_pick(_1, _2, name, ...)	name
#define __goalloc_kfree_rcu_2(ptr, rhf)	goalloc_kfree_rcu_any(ptr, offsetof(typeof((ptr)[0]), rhf))
#define __goalloc_kfree_rcu_1(ptr)	goalloc_kfree_rcu_mightsleep_any(ptr)
#define kvfree_rcu(...)			__goalloc_rcu_pick(__VA_ARGS__, __goalloc_kfree_rcu_2, \
							   __goalloc_kfree_rcu_1)(__VA_ARGS__)
#define kfree_rcu(...)			kvfree_rcu(__VA_ARGS__)
#define kvfree_rcu_mightsleep(ptr)	__goalloc_kfree_rcu_1(ptr)
#define kfree_rcu_mightsleep(ptr)	__goalloc_kfree_rcu_1(ptr)

#define kmem_cache_create(name, size, align, flags, ctor) \
	((struct kmem_cache *)goalloc_kmem_cache_create_any(name, size, align, flags, ctor))
#define kmem_cache_create_usercopy(name, size, align, flags, useroffset, usersize, ctor) \
	((struct kmem_cache *)goalloc_kmem_cache_create_any(name, size, align, flags, ctor))
#define kmem_cache_destroy		goalloc_redirect_cache_destroy
#define kmem_cache_alloc		goalloc_redirect_cache_alloc
#define kmem_cache_zalloc(k, gfp)	goalloc_redirect_cache_alloc(k, (gfp) | __GFP_ZERO)
#define kmem_cache_alloc_lru		goalloc_redirect_cache_alloc_lru
#define kmem_cache_alloc_node		goalloc_redirect_cache_alloc_node
#define kmem_cache_free			goalloc_redirect_cache_free
#define kmem_cache_alloc_bulk		goalloc_redirect_cache_alloc_bulk
#define kmem_cache_free_bulk		goalloc_redirect_cache_free_bulk
#define kmem_cache_shrink		goalloc_redirect_cache_shrink
#define kmem_cache_size			goalloc_redirect_cache_size
/*
 * Scope-based cleanup (linux/cleanup.h, in 6.1 stable): __free(kfree)
 * pastes its name into __free_kfree, which slab.h defined with the
 * kernel's kfree() before the names above changed.
 */
#ifdef DEFINE_FREE
DEFINE_FREE(goalloc_kfree_any, void *, if (!IS_ERR_OR_NULL(_T)) goalloc_kfree_any(_T))
#define __free_kfree			__free_goalloc_kfree_any
#endif

/* Inlines of linux/fs.h and linux/mempool.h, compiled before the names above changed. */
#define alloc_inode_sb(sb, k, gfp)	goalloc_redirect_cache_alloc_lru(k, &(sb)->s_inode_lru, gfp)
#define mempool_alloc_slab		goalloc_redirect_mempool_alloc_slab
#define mempool_free_slab		goalloc_redirect_mempool_free_slab
#define mempool_create_slab_pool(min_nr, k) \
	mempool_create(min_nr, goalloc_redirect_mempool_alloc_slab, \
		       goalloc_redirect_mempool_free_slab, (void *)(k))
#define mempool_init_slab_pool(pool, min_nr, k) \
	mempool_init(pool, min_nr, goalloc_redirect_mempool_alloc_slab, \
		     goalloc_redirect_mempool_free_slab, (void *)(k))

#endif /* _GOALLOC_REDIRECT_H */
