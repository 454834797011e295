// SPDX-License-Identifier: GPL-2.0
/*
 * The routing behind include/goalloc_redirect.h: a module built with that
 * header has its kfree(), ksize(), krealloc(), kvfree() and kfree_rcu()
 * calls come here, for memory goalloc handed out and for memory the
 * kernel did (a core helper's kmalloc, match_strdup() say), and its
 * kmem_cache_create() calls, which make goalloc caches.
 *
 * Telling the two apart takes O(1) and no lock: the kernel's kmalloc
 * memory is in the direct map, on slab pages or (large kmalloc) on
 * compound pages of its own; goalloc's is vmalloc memory or lies in a
 * 4 MiB block of the direct-map backing, whose head page carries
 * GA_DIRECT_BLOCK_MARK in its private field while goalloc holds it. A
 * pointer that is neither (vmalloc memory goalloc does not own, a stack,
 * module data) goes to goalloc, whose refusal is defined, rather than to
 * the kernel's kfree(), which would take it for a page. Every routed
 * free is counted in the statistics (``redirect``).
 *
 * Concurrency contract: every function here may run where the kernel
 * function it replaces may; they take no lock of their own.
 */

#include <linux/ctype.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "goalloc.h"
#include "goalloc_internal.h"

/* Memory the kernel's allocators handed out: theirs to free. */
static bool ga_kernel_owns(const void *p)
{
	struct folio *folio;

	if (ZERO_OR_NULL_PTR(p) || is_vmalloc_addr(p) || !virt_addr_valid(p))
		return false;
	folio = virt_to_folio(p);
	if (folio_test_slab(folio))
		return true;
	/* Pages of their own: a large kmalloc's, or a goalloc block. */
	return folio_get_private(folio) != (void *)GA_DIRECT_BLOCK_MARK;
}

/* The kernel's vmalloc memory: vmalloc memory outside goalloc's heap. */
static bool ga_kernel_vmalloc(const void *p)
{
	/* A live goalloc span first: lock-free, the common case. */
	return is_vmalloc_addr(p) && !__ga_span_of(&ga.heap, p) && !ga_heap_holds(&ga.heap, p);
}

/*
 * Is @p the kernel's to free: its kmalloc memory, or with @vmalloc also
 * its vmalloc memory? Counts the free, to the kernel or to goalloc.
 */
static bool ga_route_kernel(const void *p, bool vmalloc)
{
	bool kernel = ga_kernel_owns(p) || (vmalloc && ga_kernel_vmalloc(p));

	if (!ZERO_OR_NULL_PTR(p))
		atomic_long_inc(kernel ? &ga.redirect.frees_kernel : &ga.redirect.frees_goalloc);
	return kernel;
}

/**
 * goalloc_kfree_any() - kfree() for a module on goalloc_redirect.h.
 * @p: memory from goalloc or from the kernel's kmalloc, or %NULL
 *
 * goalloc's objects go to goalloc_kfree(); the kernel's kmalloc memory
 * (slab objects, large kmallocs) to kfree(). Anything else goes to
 * goalloc, which refuses it as goalloc_kfree() does.
 *
 * Context: Any context kfree() allows.
 * Return: nothing; counted in the statistics as a free to goalloc or to
 * the kernel.
 */
void goalloc_kfree_any(const void *p)
{
	if (ga_route_kernel(p, false))
		kfree(p);
	else
		goalloc_kfree(p);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kfree_any, GOALLOC_NS);

/**
 * goalloc_kfree_sensitive_any() - kfree_sensitive() for a redirected module.
 * @p: as for goalloc_kfree_any()
 *
 * Context: Any context kfree() allows.
 * Return: nothing.
 */
void goalloc_kfree_sensitive_any(const void *p)
{
	if (ga_route_kernel(p, false))
		kfree_sensitive(p);
	else
		goalloc_kfree_sensitive(p);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kfree_sensitive_any, GOALLOC_NS);

/**
 * goalloc_ksize_any() - ksize() for a redirected module.
 * @p: memory from goalloc or the kernel's kmalloc, or %NULL
 *
 * Context: Any context.
 * Return: the usable size, as goalloc_ksize() or ksize() says.
 */
size_t goalloc_ksize_any(const void *p)
{
	return ga_kernel_owns(p) ? ksize(p) : goalloc_ksize(p);
}
EXPORT_SYMBOL_NS_GPL(goalloc_ksize_any, GOALLOC_NS);

/**
 * goalloc_krealloc_any() - krealloc() for a redirected module.
 * @p: memory from goalloc or the kernel's kmalloc, or %NULL
 * @new_size: bytes wanted
 * @gfp: allocation flags
 *
 * The kernel's memory is resized by the kernel's krealloc(), goalloc's
 * by goalloc_krealloc(), which also serves %NULL.
 *
 * Context: as krealloc().
 * Return: the object, or %NULL with @p untouched.
 */
void *goalloc_krealloc_any(const void *p, size_t new_size, gfp_t gfp)
{
	if (ga_kernel_owns(p))
		return krealloc(p, new_size, gfp);
	return goalloc_krealloc(p, new_size, gfp);
}
EXPORT_SYMBOL_NS_GPL(goalloc_krealloc_any, GOALLOC_NS);

/**
 * goalloc_kvfree_any() - kvfree() for a redirected module.
 * @p: memory from goalloc, the kernel's kmalloc or its vmalloc, or %NULL
 *
 * The kernel's memory, kmalloc's or vmalloc's outside goalloc's heap, goes
 * to kvfree().
 *
 * Context: as kvfree(): process context for vmalloc memory.
 * Return: nothing.
 */
void goalloc_kvfree_any(const void *p)
{
	if (ga_route_kernel(p, true))
		kvfree(p);
	else
		goalloc_kfree(p);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kvfree_any, GOALLOC_NS);

/**
 * goalloc_kvrealloc_any() - kvrealloc() for a redirected module.
 * @p: memory from goalloc, the kernel's kmalloc or vmalloc, or %NULL
 * @oldsize: bytes of @p to keep (0: as many as it has, up to @newsize)
 * @newsize: bytes wanted
 * @gfp: allocation flags
 *
 * The kernel's memory is resized by the kernel; goalloc's stays goalloc's,
 * in place if @newsize fits its usable size, else in a goalloc_kvmalloc()
 * object.
 *
 * Context: Process context; may sleep if @gfp allows.
 * Return: the object, or %NULL with @p untouched.
 */
void *goalloc_kvrealloc_any(const void *p, size_t oldsize, size_t newsize, gfp_t gfp)
{
	size_t have;
	void *n;

	if (ga_kernel_owns(p) || ga_kernel_vmalloc(p)) {
#if GA_HAVE_KVREALLOC_OLDSIZE
		return kvrealloc(p, oldsize, newsize, gfp);
#else
		return kvrealloc(p, newsize, gfp);
#endif
	}
	have = goalloc_ksize(p);
	if (have >= newsize && !ZERO_OR_NULL_PTR(p))
		return (void *)p;
	n = goalloc_kvmalloc(newsize, gfp);
	if (n && have) {
		memcpy(n, p, min(oldsize ?: have, min(have, newsize)));
		goalloc_kfree(p);
	}
	return n;
}
EXPORT_SYMBOL_NS_GPL(goalloc_kvrealloc_any, GOALLOC_NS);

/**
 * goalloc_kfree_rcu_any() - kfree_rcu() for a redirected module.
 * @obj: memory from goalloc or the kernel's kmalloc, or %NULL
 * @offset: where its struct rcu_head lies in it
 *
 * Context: Any context kfree_rcu() allows.
 * Return: nothing.
 */
void goalloc_kfree_rcu_any(const void *obj, size_t offset)
{
	struct rcu_head *head = (struct rcu_head *)((char *)obj + offset);

	if (!obj)
		return;
	if (ga_route_kernel(obj, true))
		ga_kvfree_call_rcu(head, obj, offset);
	else
		goalloc_kfree_rcu_head(obj, head);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kfree_rcu_any, GOALLOC_NS);

/**
 * goalloc_kfree_rcu_mightsleep_any() - The one-argument kfree_rcu() for a
 *	redirected module.
 * @obj: memory from goalloc or the kernel's kmalloc, or %NULL
 *
 * Context: Process context; may sleep.
 * Return: nothing.
 */
void goalloc_kfree_rcu_mightsleep_any(const void *obj)
{
	might_sleep();
	if (!obj)
		return;
	if (ga_route_kernel(obj, true))
		ga_kvfree_call_rcu(NULL, obj, (unsigned long)obj);
	else
		goalloc_kfree_rcu_mightsleep(obj);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kfree_rcu_mightsleep_any, GOALLOC_NS);

/**
 * goalloc_kmem_cache_create_any() - kmem_cache_create() for a redirected
 *	module.
 * @name: the cache's name; characters goalloc does not take in a name
 *	become '_', and it is cut at 32
 * @size: object size
 * @align: alignment
 * @flags: SLAB_ flags; SLAB_ACCOUNT is dropped with one line (goalloc
 *	cannot charge a memory cgroup), the rest as goalloc_cache_create()
 * @ctor: constructor, or %NULL
 *
 * The cache is on the direct-map backing, so that the kernel code a
 * module hands its objects to (list_lru, virt_to_page()) works on them as
 * on a kmem_cache's.
 *
 * Context: Process context; sleeps.
 * Return: the cache, or %NULL (with %SLAB_PANIC: a panic).
 */
struct goalloc_cache *goalloc_kmem_cache_create_any(const char *name, unsigned int size,
						    unsigned int align, slab_flags_t flags,
						    void (*ctor)(void *))
{
	char buf[33];
	unsigned int i;

	if (!name)
		return goalloc_cache_create(name, size, align, flags, ctor);
	for (i = 0; i < sizeof(buf) - 1 && name[i]; i++)
		buf[i] = isalnum(name[i]) || strchr("_-.", name[i]) ? name[i] : '_';
	buf[i] = '\0';
	if (flags & SLAB_ACCOUNT) {
		atomic_long_inc(&ga.redirect.account_dropped);
		pr_info("cache %s: SLAB_ACCOUNT dropped, its objects are not charged to a memory cgroup\n",
			buf);
		flags &= ~SLAB_ACCOUNT;
	}
	return goalloc_cache_create(buf, size, align, flags | GOALLOC_CACHE_DIRECT_MAP, ctor);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kmem_cache_create_any, GOALLOC_NS);
