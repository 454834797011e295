/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goalloc: the Go runtime's memory allocator for kernel code.
 *
 * Link against goalloc's exports with MODULE_IMPORT_NS(GOALLOC_NS) and
 * build with goalloc's Module.symvers. Allocation and free may be called
 * from any context kmalloc() allows with GFP_ATOMIC (process, softirq,
 * hardirq); from NMI, allocation returns NULL and a free is carried out
 * later by an irq_work. Only gfp flags that allow blocking sleep, to grow
 * the heap. goalloc_cache_create() and goalloc_cache_destroy() sleep.
 * The kernel-doc of each function is in goalloc_main.c.
 */
#ifndef _GOALLOC_H
#define _GOALLOC_H

#include <linux/gfp.h>
#include <linux/stddef.h>
#include <linux/slab.h>
#include <linux/types.h>

#include "goalloc_compat.h"

void *goalloc_kmalloc(size_t size, gfp_t gfp);
void *goalloc_kzalloc(size_t size, gfp_t gfp);
void *goalloc_kmalloc_array(size_t n, size_t size, gfp_t gfp);
void *goalloc_kcalloc(size_t n, size_t size, gfp_t gfp);
void *goalloc_krealloc(const void *p, size_t new_size, gfp_t gfp);
void *goalloc_kmalloc_tiny(size_t size, gfp_t gfp);
void goalloc_kfree(const void *p);
void goalloc_kfree_sensitive(const void *p);
size_t goalloc_ksize(const void *p);
void *goalloc_kmalloc_node(size_t size, gfp_t gfp, int node);
void *goalloc_kvmalloc(size_t size, gfp_t gfp);
void *goalloc_kmemdup(const void *src, size_t len, gfp_t gfp);
char *goalloc_kmemdup_nul(const char *s, size_t len, gfp_t gfp);
char *goalloc_kstrdup(const char *s, gfp_t gfp);
char *goalloc_kstrndup(const char *s, size_t max, gfp_t gfp);
bool goalloc_owns(const void *p);

struct rcu_head;

void goalloc_kfree_rcu_head(const void *obj, struct rcu_head *head);
void goalloc_kfree_rcu_mightsleep(const void *obj);

static inline void __goalloc_kfree_rcu(const void *obj, size_t offset)
{
	if (obj)
		goalloc_kfree_rcu_head(obj, (struct rcu_head *)((char *)obj + offset));
}

/**
 * goalloc_kfree_rcu() - Free an object after an RCU grace period.
 * @ptr: an object from goalloc, or %NULL (a no-op)
 * @rhf: the name of the struct rcu_head field in *@ptr
 *
 * kfree_rcu() for goalloc's objects: see goalloc_kfree_rcu_head().
 *
 * Context: Any context but NMI.
 */
#define goalloc_kfree_rcu(ptr, rhf)					\
	__goalloc_kfree_rcu(ptr, offsetof(typeof((ptr)[0]), rhf))

/* A pool of objects of one size, in spans of its own (cf. kmem_cache). */
struct goalloc_cache;

/*
 * goalloc_cache_create() flag, goalloc's own, in a bit no public SLAB_
 * flag uses (goalloc never passes flags to the slab allocator):
 * the cache's objects come from the direct-map backing, so that
 * virt_to_page(), page_to_nid() and DMA work on them.
 */
#define GOALLOC_CACHE_DIRECT_MAP	((slab_flags_t __force)0x80000000U)

/*
 * The first eight bytes of every goalloc_cache; no kmem_cache begins with
 * them (a pointer there is never this non-canonical value).
 */
#define GOALLOC_CACHE_MAGIC	0x676f616c6c6f6321ULL

/**
 * goalloc_is_cache() - Is this kmem_cache pointer a goalloc cache?
 * @k: a kmem_cache, or a goalloc_cache cast to one, or %NULL
 *
 * For include/goalloc_redirect.h, whose kmem_cache_create() returns
 * goalloc caches while the kernel's own caches (names_cachep) still reach
 * the module through macros.
 *
 * Context: Any context.
 * Return: true for a goalloc cache.
 */
static inline bool goalloc_is_cache(const struct kmem_cache *k)
{
	return k && *(const u64 *)k == GOALLOC_CACHE_MAGIC;
}

struct goalloc_cache *goalloc_cache_create(const char *name, unsigned int size,
					   unsigned int align, slab_flags_t flags,
					   void (*ctor)(void *));
void goalloc_cache_destroy(struct goalloc_cache *cache);
void *goalloc_cache_alloc(struct goalloc_cache *cache, gfp_t gfp);
void *goalloc_cache_alloc_node(struct goalloc_cache *cache, gfp_t gfp, int node);
void *goalloc_cache_zalloc(struct goalloc_cache *cache, gfp_t gfp);
void goalloc_cache_free(struct goalloc_cache *cache, void *p);
int goalloc_cache_alloc_bulk(struct goalloc_cache *cache, gfp_t gfp, size_t nr, void **p);
void goalloc_cache_free_bulk(struct goalloc_cache *cache, size_t nr, void **p);
unsigned int goalloc_cache_size(struct goalloc_cache *cache);
int goalloc_cache_shrink(struct goalloc_cache *cache);

/* For include/goalloc_redirect.h: goalloc's or the kernel's, by the pointer. */
void goalloc_kfree_any(const void *p);
void goalloc_kfree_sensitive_any(const void *p);
size_t goalloc_ksize_any(const void *p);
void *goalloc_krealloc_any(const void *p, size_t new_size, gfp_t gfp);
void goalloc_kvfree_any(const void *p);
void *goalloc_kvrealloc_any(const void *p, size_t oldsize, size_t newsize, gfp_t gfp);
void goalloc_kfree_rcu_any(const void *obj, size_t offset);
void goalloc_kfree_rcu_mightsleep_any(const void *obj);
struct goalloc_cache *goalloc_kmem_cache_create_any(const char *name, unsigned int size,
						    unsigned int align, slab_flags_t flags,
						    void (*ctor)(void *));

#endif /* _GOALLOC_H */
