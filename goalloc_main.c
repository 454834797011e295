// SPDX-License-Identifier: GPL-2.0
/*
 * The public API, module init and exit, parameters, debugfs and the heap
 * verifier.
 *
 * goalloc is the Go runtime's memory allocator as a kernel module:
 * mheap (goalloc_heap.c) -> mcentral (goalloc_central.c) -> one mcache
 * per CPU (goalloc_cache.c). This file puts a kmem-style API on top:
 * kmalloc-like calls over Go's size classes, and goalloc_cache, a
 * kmem_cache-like pool whose objects live in spans of its own. It applies
 * the kernel's init_on_alloc/init_on_free policies as SLUB does, reports
 * span statistics in /sys/kernel/debug/goalloc/stats, and checks every
 * invariant of all three layers on demand (ga_verify(), the debugfs file
 * verify), with every CPU stopped.
 *
 * Loading runs Go's mallocinit in order: check the parameters, set up the
 * heap with its initial arena, span table and page allocator (mheap.init),
 * the per-CPU mcaches, one mcentral per span class, then register for CPU
 * hotplug and debugfs. A failure unwinds every earlier step; unload frees
 * everything and reports what users left allocated.
 *
 * Concurrency contract: the kmalloc-style calls and goalloc_cache_alloc/
 * free (and their bulk forms) may run in any context kmalloc allows with
 * GFP_ATOMIC; from NMI allocations are refused and counted, frees are
 * queued for an irq_work on the same CPU. Cache create/destroy,
 * the stats and verify files run in process context. ga.caches_lock (a
 * spinlock) covers the cache lists and every flush of a cache's per-CPU
 * slots, so that ga_verify(), which runs inside stop_machine(), never
 * sees a cache half destroyed. A cache must not be used while or after it
 * is destroyed, as with kmem_cache.
 *
 * Lock order: cpu_hotplug_lock (CPU hotplug, cpus_read_lock() or
 * stop_machine()) -> ga.caches_lock -> mcentral->lock -> heap->lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/cpuhotplug.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/kmemleak.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stop_machine.h>
#include <linux/string.h>

#include "goalloc.h"
#include "goalloc_internal.h"
#include "goalloc_kasan.h"

struct goalloc ga;
EXPORT_SYMBOL_IF_KUNIT(ga);

#if IS_ENABLED(CONFIG_KUNIT)
ga_test_hook_t ga_test_hook;
EXPORT_SYMBOL_IF_KUNIT(ga_test_hook);
#endif

/* The CPU-hotplug state whose teardown flushes a dead CPU's mcache. */
static int ga_cpuhp_state;
static struct dentry *ga_debugfs;

/* ---------------------------------------------------------------------- */
/* kmalloc-style API                                                      */

/*
 * A DMA zone: goalloc's memory is vmalloc'd or comes from the normal
 * zone, never from ZONE_DMA or ZONE_DMA32 on request, so GFP_DMA and
 * GFP_DMA32 are refused: NULL, counted, and one line once.
 */
static noinline void ga_refuse_gfp_zone(gfp_t gfp)
{
	atomic_long_inc(&ga.errors.bad_gfp_zone);
	pr_warn_once("refused an allocation for a DMA zone (gfp %pGg): goalloc does not serve DMA zones\n",
		     &gfp);
}

static __always_inline bool ga_gfp_zone_refused(gfp_t gfp)
{
	if (likely(!(gfp & (__GFP_DMA | __GFP_DMA32))))
		return false;
	/* Out of line: the address of gfp costs the callers a stack canary. */
	ga_refuse_gfp_zone(gfp);
	return true;
}

/**
 * goalloc_kmalloc() - Allocate memory.
 * @size: bytes wanted
 * @gfp: GFP_KERNEL, GFP_ATOMIC, ...; only flags that allow blocking may
 *	grow the heap. __GFP_ZERO zeroes the object, __GFP_NOWARN silences
 *	the failure report. GFP_DMA and GFP_DMA32 are refused (%NULL,
 *	counted); __GFP_ACCOUNT is not charged to any memory cgroup;
 *	__GFP_NOFAIL with a gfp that may block waits and retries until the
 *	allocation succeeds (for ever at the heap cap, as the page allocator
 *	at OOM), unless the size can never fit; without blocking it is
 *	counted, reported once, and can fail.
 *
 * Up to 32 KiB the object comes from the smallest of Go's size classes
 * that fits; larger ones get whole 8 KiB pages. Objects are 8-byte aligned
 * at least, and a power-of-two size is aligned to itself, as kmalloc's.
 * With init_on_alloc the whole usable size is zeroed.
 *
 * Which memory depends on the module parameter kmalloc_direct. By
 * default (N) it is vmalloc memory, not the direct map, unlike kmalloc's:
 * an object may straddle two physical pages, and virt_to_page(),
 * virt_to_phys(), page_to_nid(), DMA and scatterlists do not work on it
 * (vmalloc_to_page() does). Core kernel code that applies those to the
 * objects it is handed (list_lru, for one) must not get such objects.
 * With kmalloc_direct=Y every object is in the direct map, physically
 * contiguous, and those work as on kmalloc's; objects are then limited to
 * 4 MiB (kmalloc's own limit on x86-64). Objects are never in ZONE_DMA.
 *
 * Context: Any context but NMI (refused: %NULL); sleeps only if @gfp allows
 *	blocking.
 * Return: the object; ZERO_SIZE_PTR for @size 0; %NULL on failure.
 */
void *goalloc_kmalloc(size_t size, gfp_t gfp)
{
	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (unlikely(ga_gfp_zone_refused(gfp)))
		return NULL;
	return ga_malloc(size, gfp);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kmalloc, GOALLOC_NS);

/**
 * goalloc_kzalloc() - Allocate zeroed memory.
 * @size: bytes wanted
 * @gfp: as for goalloc_kmalloc()
 *
 * As goalloc_kmalloc(), in the same backing.
 *
 * Context: Any context but NMI (refused: %NULL); sleeps only if @gfp allows
 *	blocking.
 * Return: the zeroed object; ZERO_SIZE_PTR for @size 0; %NULL on failure.
 */
void *goalloc_kzalloc(size_t size, gfp_t gfp)
{
	return goalloc_kmalloc(size, gfp | __GFP_ZERO);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kzalloc, GOALLOC_NS);

/**
 * goalloc_kmalloc_array() - Allocate memory for an array.
 * @n: number of elements
 * @size: element size
 * @gfp: as for goalloc_kmalloc()
 *
 * As goalloc_kmalloc(), in the same backing.
 *
 * Context: Any context but NMI (refused: %NULL); sleeps only if @gfp allows
 *	blocking.
 * Return: the object; ZERO_SIZE_PTR if @n * @size is 0; %NULL if it
 * overflows or on failure.
 */
void *goalloc_kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return goalloc_kmalloc(bytes, gfp);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kmalloc_array, GOALLOC_NS);

/**
 * goalloc_kcalloc() - Allocate zeroed memory for an array.
 * @n: number of elements
 * @size: element size
 * @gfp: as for goalloc_kmalloc()
 *
 * As goalloc_kmalloc(), in the same backing.
 *
 * Context: Any context but NMI (refused: %NULL); sleeps only if @gfp allows
 *	blocking.
 * Return: the zeroed object; ZERO_SIZE_PTR if @n * @size is 0; %NULL if
 * it overflows or on failure.
 */
void *goalloc_kcalloc(size_t n, size_t size, gfp_t gfp)
{
	return goalloc_kmalloc_array(n, size, gfp | __GFP_ZERO);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kcalloc, GOALLOC_NS);

/**
 * goalloc_kmalloc_tiny() - Allocate a tiny object, packed with others.
 * @size: 1 to 15 bytes
 * @gfp: as for goalloc_kmalloc()
 *
 * Go's tiny allocator: objects share 16-byte blocks and are aligned only
 * as their size needs (8 if a multiple of 8, 4 if of 4, 2 if even, else
 * 1), so this is opt-in. A block is reused once all its objects are
 * freed with goalloc_kfree(). The memory and @gfp are as goalloc_kmalloc()'s.
 *
 * Context: Any context but NMI (refused: %NULL); sleeps only if @gfp allows
 *	blocking.
 * Return: the object, or %NULL on failure or for a size outside 1 .. 15.
 */
void *goalloc_kmalloc_tiny(size_t size, gfp_t gfp)
{
	if (unlikely(ga_gfp_zone_refused(gfp)))
		return NULL;
	return ga_malloc_tiny(size, gfp);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kmalloc_tiny, GOALLOC_NS);

/**
 * goalloc_ksize() - Bytes usable at an object.
 * @p: an object from goalloc, or %NULL or ZERO_SIZE_PTR
 *
 * The caller may use all of them, as with ksize(): on a KASAN kernel this
 * makes the whole usable size valid, and a freed @p is reported by KASAN
 * and gets 0.
 *
 * Context: Any context.
 * Return: the object's size class (or whole pages, or its cache's object
 * size with padding; for a tiny object, the bytes up to the next object in
 * its block); 0 for %NULL, ZERO_SIZE_PTR or a pointer goalloc did not
 * hand out.
 */
size_t goalloc_ksize(const void *p)
{
	if (ZERO_OR_NULL_PTR(p))
		return 0;
	return ga_ksize(p, NULL);
}
EXPORT_SYMBOL_NS_GPL(goalloc_ksize, GOALLOC_NS);

/**
 * goalloc_kfree() - Free memory from goalloc.
 * @p: an object from goalloc (any of its calls or caches), or %NULL or
 *	ZERO_SIZE_PTR (no-ops)
 *
 * Any CPU may free any object. A double free, a pointer goalloc did not
 * hand out or a pointer inside an object is refused: counted, reported in
 * a ratelimited line, and the heap is left as it was. With init_on_free
 * the object is wiped first (not a constructed cache object).
 *
 * Context: Any context. From NMI the free is queued and carried out by an
 *	irq_work on the same CPU (with 32 already queued there, refused and
 *	counted as ``nmi``).
 * Return: nothing; a refused call is counted in the statistics.
 */
void goalloc_kfree(const void *p)
{
	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;
	ga_free(p);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kfree, GOALLOC_NS);

/**
 * goalloc_kfree_sensitive() - Wipe and free memory from goalloc.
 * @p: as for goalloc_kfree()
 *
 * Zeroes all goalloc_ksize() bytes with memzero_explicit() first, once @p
 * is known to be a live object: a refused free wipes nothing.
 *
 * Context: Any context. From NMI the free is queued and carried out by an
 *	irq_work on the same CPU (with 32 already queued there, refused and
 *	counted as ``nmi``).
 * Return: nothing; a refused call is counted in the statistics.
 */
void goalloc_kfree_sensitive(const void *p)
{
	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;
	ga_free_sensitive(p);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kfree_sensitive, GOALLOC_NS);

/**
 * goalloc_krealloc() - Resize an object, keeping its contents.
 * @p: an object from goalloc, or %NULL or ZERO_SIZE_PTR
 * @new_size: bytes wanted
 * @gfp: as for goalloc_kmalloc()
 *
 * A new size that still fits the object's usable size keeps the object,
 * shrinking included; otherwise a new object gets the old contents and
 * the old one is freed. @new_size 0 frees @p. A pointer goalloc did not
 * hand out is refused (counted as an invalid free) and kept. A new
 * object comes from goalloc_kmalloc()'s backing, whichever @p came from.
 *
 * Context: Any context but NMI (refused: %NULL); sleeps only if @gfp allows
 *	blocking.
 * Return: the object; ZERO_SIZE_PTR for @new_size 0; %NULL on failure,
 * with @p untouched.
 */
void *goalloc_krealloc(const void *p, size_t new_size, gfp_t gfp)
{
	bool tiny;
	size_t ks;
	void *n;

	if (unlikely(!new_size)) {
		goalloc_kfree(p);
		return ZERO_SIZE_PTR;
	}
	if (ZERO_OR_NULL_PTR(p))
		return goalloc_kmalloc(new_size, gfp);
	ks = ga_ksize(p, &tiny);
	if (unlikely(!ks)) {
		ga_free(p);	/* refuses it, counted and reported */
		return NULL;
	}
	if (ks >= new_size) {
		/* The boundary moves; a tiny object's is its block's granules'. */
		if (!tiny)
			ga_kasan_set_size(p, new_size, ks);
		return (void *)p;
	}
	n = goalloc_kmalloc(new_size, gfp);
	if (n) {
		memcpy(n, p, ks);
		ga_free(p);
	}
	return n;
}
EXPORT_SYMBOL_NS_GPL(goalloc_krealloc, GOALLOC_NS);

/**
 * goalloc_kmalloc_node() - Allocate memory, with a NUMA node hint.
 * @size: bytes wanted
 * @gfp: as for goalloc_kmalloc()
 * @node: the node wanted, or NUMA_NO_NODE: a hint only. goalloc is not
 *	NUMA-aware yet; its heap takes memory from any node, so the object
 *	may be on another node (kmalloc_node() too falls back to others
 *	unless __GFP_THISNODE).
 *
 * Context: as goalloc_kmalloc().
 * Return: as goalloc_kmalloc().
 */
void *goalloc_kmalloc_node(size_t size, gfp_t gfp, int node)
{
	return goalloc_kmalloc(size, gfp);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kmalloc_node, GOALLOC_NS);

/**
 * goalloc_kvmalloc() - Allocate memory of any size the heap can hold.
 * @size: bytes wanted
 * @gfp: as for goalloc_kmalloc(); __GFP_ZERO for kvzalloc()
 *
 * kvmalloc()'s use: a size too large for kmalloc. Large objects come from
 * the vmalloc heap whatever kmalloc_direct says, so the largest object is
 * a run of the heap's cap (module parameter max_heap, a quarter of RAM by
 * default) less what is in use; the memory is vmalloc memory (see
 * goalloc_kmalloc()), as kvmalloc's may be. Free it with goalloc_kfree(),
 * which is kvfree() for goalloc. Unlike kvmalloc(), a gfp that does not
 * allow blocking is served too, from the mapped heap only.
 *
 * Context: Any context but NMI (refused: %NULL); sleeps only if @gfp allows
 *	blocking.
 * Return: the object; ZERO_SIZE_PTR for @size 0; %NULL on failure.
 */
void *goalloc_kvmalloc(size_t size, gfp_t gfp)
{
	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	if (unlikely(ga_gfp_zone_refused(gfp)))
		return NULL;
	return ga_malloc_from(&ga.heap, size, gfp);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kvmalloc, GOALLOC_NS);

/**
 * goalloc_kmemdup() - Copy memory into a new object.
 * @src: the bytes to copy
 * @len: how many
 * @gfp: as for goalloc_kmalloc()
 *
 * Context: as goalloc_kmalloc().
 * Return: the copy (from goalloc_kmalloc()); ZERO_SIZE_PTR for @len 0;
 * %NULL on failure.
 */
void *goalloc_kmemdup(const void *src, size_t len, gfp_t gfp)
{
	void *p = goalloc_kmalloc(len, gfp);

	if (!ZERO_OR_NULL_PTR(p))
		memcpy(p, src, len);
	return p;
}
EXPORT_SYMBOL_NS_GPL(goalloc_kmemdup, GOALLOC_NS);

/**
 * goalloc_kmemdup_nul() - Copy bytes into a new NUL-terminated string.
 * @s: the bytes, or %NULL
 * @len: how many to copy; the string has @len + 1 bytes
 * @gfp: as for goalloc_kmalloc()
 *
 * Context: as goalloc_kmalloc().
 * Return: the string; %NULL for a %NULL @s or on failure.
 */
char *goalloc_kmemdup_nul(const char *s, size_t len, gfp_t gfp)
{
	char *p;

	if (!s || len == SIZE_MAX)
		return NULL;
	p = goalloc_kmalloc(len + 1, gfp);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}
EXPORT_SYMBOL_NS_GPL(goalloc_kmemdup_nul, GOALLOC_NS);

/**
 * goalloc_kstrdup() - Copy a string into a new object.
 * @s: the string, or %NULL
 * @gfp: as for goalloc_kmalloc()
 *
 * Context: as goalloc_kmalloc().
 * Return: the copy; %NULL for a %NULL @s or on failure.
 */
char *goalloc_kstrdup(const char *s, gfp_t gfp)
{
	return s ? goalloc_kmemdup_nul(s, strlen(s), gfp) : NULL;
}
EXPORT_SYMBOL_NS_GPL(goalloc_kstrdup, GOALLOC_NS);

/**
 * goalloc_kstrndup() - Copy at most @max bytes of a string.
 * @s: the string, or %NULL
 * @max: the most bytes to copy; the copy is always NUL-terminated
 * @gfp: as for goalloc_kmalloc()
 *
 * Context: as goalloc_kmalloc().
 * Return: the copy; %NULL for a %NULL @s or on failure.
 */
char *goalloc_kstrndup(const char *s, size_t max, gfp_t gfp)
{
	return s ? goalloc_kmemdup_nul(s, strnlen(s, max), gfp) : NULL;
}
EXPORT_SYMBOL_NS_GPL(goalloc_kstrndup, GOALLOC_NS);

/**
 * goalloc_owns() - Is @p a live object from goalloc?
 * @p: any pointer, %NULL included
 *
 * O(1) and lockless (a lookup in the span table, then the object's
 * allocation state), for code that must tell goalloc's objects from
 * others, such as a kfree() that routes a pointer to goalloc or to the
 * kernel. A snapshot: an object another CPU frees or allocates meanwhile
 * may be seen either way; for an object the caller owns, it is exact.
 *
 * Context: Any context.
 * Return: true if @p is the start of an object goalloc handed out (from
 * any of its calls or caches, on either backing) and not yet freed.
 */
bool goalloc_owns(const void *p)
{
	return !ZERO_OR_NULL_PTR(p) && ga_live_size(p);
}
EXPORT_SYMBOL_NS_GPL(goalloc_owns, GOALLOC_NS);

/* ---------------------------------------------------------------------- */
/* Caches                                                                 */

/* Go's waste rule: the fewest 8 KiB pages whose tail is at most 1/8. */
static unsigned long ga_span_pages_for(unsigned int size)
{
	unsigned long bytes = GA_PAGE_SIZE;

	while (bytes % size > bytes / 8)
		bytes += GA_PAGE_SIZE;
	return bytes / GA_PAGE_SIZE;
}

/* SLUB's rule for SLAB_HWCACHE_ALIGN: a cache line, halved for small objects. */
static unsigned int ga_cache_align(unsigned int size, unsigned int align, slab_flags_t flags)
{
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned int line = cache_line_size();

		while (size <= line / 2)
			line /= 2;
		align = max(align, line);
	}
	return max_t(unsigned int, align, sizeof(unsigned long long));
}

/*
 * The flags of kmem_cache_create() that goalloc_cache_create() takes; the
 * table in Documentation/goalloc.rst says why for each. Honoured: cache
 * line alignment, the direct map, SLAB_PANIC, SLAB_NOLEAKTRACE,
 * SLAB_TYPESAFE_BY_RCU (goalloc_rcu.c) and SLAB_RECLAIM_ACCOUNT (shown
 * as reclaimable in the statistics).
 * Accepted with no effect, breaking no promise: memory spread (goalloc is
 * not NUMA-aware), SLUB's debugging (goalloc's own checks, and KASAN on a
 * KASAN kernel, cover what they would: poison and red zones), tracing,
 * failslab and debugobjects marks, usercopy and KFENCE opt-outs.
 * Everything else is refused: SLAB_ACCOUNT (nothing would be charged to
 * the memory cgroup), the DMA zones (goalloc serves none) and unknown
 * bits.
 */
#define GA_CACHE_FLAGS_TAKEN	(SLAB_HWCACHE_ALIGN | GOALLOC_CACHE_DIRECT_MAP | SLAB_PANIC | \
				 SLAB_NOLEAKTRACE | SLAB_RECLAIM_ACCOUNT | SLAB_TYPESAFE_BY_RCU)
#define GA_CACHE_FLAGS_IGNORED	(SLAB_MEM_SPREAD | SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | \
				 SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | \
				 SLAB_DEBUG_OBJECTS | SLAB_FAILSLAB | SLAB_NO_USER_FLAGS | \
				 SLAB_SKIP_KFENCE)

/* Why a flag goalloc_cache_create() refuses is refused, for its line. */
static const char *ga_cache_flag_refusal(slab_flags_t flags)
{
	if (flags & SLAB_ACCOUNT)
		return "SLAB_ACCOUNT: goalloc cannot charge a memory cgroup";
	if (flags & (SLAB_CACHE_DMA | SLAB_CACHE_DMA32))
		return "SLAB_CACHE_DMA/DMA32: goalloc serves no DMA zone";
	return "unknown flags";
}

/**
 * goalloc_cache_create() - Create a pool of objects of one size.
 * @name: shown in the stats; letters, digits, '_', '-' and '.', 1..32
 * @size: object size, 1 byte to 4 MiB
 * @align: object alignment: 0, or a power of two up to 8 KiB
 * @flags: %SLAB_HWCACHE_ALIGN, %GOALLOC_CACHE_DIRECT_MAP, %SLAB_PANIC,
 *	%SLAB_NOLEAKTRACE, %SLAB_TYPESAFE_BY_RCU and %SLAB_RECLAIM_ACCOUNT
 *	are honoured; SLUB's
 *	debugging flags and %SLAB_MEM_SPREAD are accepted with no effect;
 *	%SLAB_ACCOUNT, the DMA caches and unknown flags are refused (the
 *	table in Documentation/goalloc.rst)
 * @ctor: called on each object when its span is new, as kmem_cache's
 *	constructor; objects must go back in constructed state
 *
 * The cache's objects live in spans of its own, never shared with other
 * caches or with goalloc_kmalloc(); the span size follows Go's rule that
 * the unused tail is at most 1/8 of it. By default they are vmalloc
 * memory, unlike kmem_cache objects (see goalloc_kmalloc()). With
 * %GOALLOC_CACHE_DIRECT_MAP they are direct-map memory from the
 * direct-map backing: each object is physically contiguous, and
 * virt_to_page(), virt_to_phys(), page_to_nid() and DMA mapping work on
 * it as on a kmem_cache object's, so core code such as list_lru accepts
 * them.
 *
 * Context: Process context; sleeps.
 * Return: the cache, or %NULL for bad arguments, refused flags or no
 * memory (with %SLAB_PANIC: a panic instead).
 */
struct goalloc_cache *goalloc_cache_create(const char *name, unsigned int size,
					   unsigned int align, slab_flags_t flags,
					   void (*ctor)(void *))
{
	struct goalloc_cache *cache;
	struct ga_heap *heap;
	unsigned int elemsize;
	unsigned long npages;
	const char *c;
	int cpu;

	might_sleep();
	if (!name || !*name || strlen(name) > 32 || !size || size > SZ_4M ||
	    (align && (!is_power_of_2(align) || align > GA_PAGE_SIZE))) {
		pr_err("cache_create(%s, %u, %u, %#x): invalid arguments\n",
		       name ?: "(null)", size, align, (unsigned int)flags);
		goto fail;
	}
	if (flags & ~(GA_CACHE_FLAGS_TAKEN | GA_CACHE_FLAGS_IGNORED)) {
		pr_err("cache_create(%s, flags %#x): refused %s\n", name, (unsigned int)flags,
		       ga_cache_flag_refusal(flags & ~(GA_CACHE_FLAGS_TAKEN |
						       GA_CACHE_FLAGS_IGNORED)));
		goto fail;
	}
	for (c = name; *c; c++) {
		if (!isalnum(*c) && !strchr("_-.", *c)) {
			pr_err("cache_create(%s): invalid name\n", name);
			goto fail;
		}
	}
	elemsize = ALIGN(size, ga_cache_align(size, align, flags));
	npages = ga_span_pages_for(elemsize);

	cache = kzalloc(sizeof(*cache), GFP_KERNEL);
	if (!cache)
		goto fail;
	cache->magic = GOALLOC_CACHE_MAGIC;
	cache->name = kstrdup(name, GFP_KERNEL);
	cache->cpu = alloc_percpu(struct ga_cache_cpu);
	if (!cache->name || !cache->cpu)
		goto free;
	for_each_possible_cpu(cpu)
		per_cpu_ptr(cache->cpu, cpu)->span = &ga_emptyspan;
	heap = flags & GOALLOC_CACHE_DIRECT_MAP ? &ga.dheap : &ga.heap;
	if (ga_mcentral_init(&cache->central, GA_CACHE_SPANCLASS, heap, elemsize, npages,
			     &cache->cpu->span, &cache->cpu->nalloc, &cache->cpu->nfree)) {
		pr_err("cache_create(%s, %u): no span geometry fits\n", name, size);
		goto free;
	}
	cache->central.ctor = ctor;
	cache->central.typesafe_rcu = flags & SLAB_TYPESAFE_BY_RCU;
	cache->object_size = size;
	cache->align = align;
	cache->flags = flags;
	spin_lock(&ga.caches_lock);
	list_add_tail(&cache->node, &ga.caches);
	spin_unlock(&ga.caches_lock);
	return cache;

free:
	free_percpu(cache->cpu);
	kfree(cache->name);
	kfree(cache);
fail:
	/* As SLUB's kmem_cache_create(). */
	if (flags & SLAB_PANIC)
		panic("goalloc: cannot create cache %s\n", name ?: "(null)");
	return NULL;
}
EXPORT_SYMBOL_NS_GPL(goalloc_cache_create, GOALLOC_NS);

static void ga_cache_free_struct(struct goalloc_cache *cache)
{
	cache->magic = 0;
	free_percpu(cache->cpu);
	kfree(cache->name);
	kfree(cache);
}

/**
 * goalloc_cache_destroy() - Destroy a cache.
 * @cache: the cache, or %NULL (a no-op); nobody may use it any more
 *
 * Every CPU's cached span goes back and empty spans go back to the heap.
 * If objects are still allocated, their number is reported and the cache
 * is kept (unlisted) until goalloc unloads, so that freeing them later is
 * still safe.
 *
 * Context: Process context; sleeps.
 * Return: nothing; objects left behind are reported and counted.
 */
void goalloc_cache_destroy(struct goalloc_cache *cache)
{
	unsigned long live;
	int cpu;

	if (!cache)
		return;
	might_sleep();
	/*
	 * Deferred frees of its objects first, and its spans' releases after
	 * their grace period (a type-safe cache's), as kmem_cache_destroy()'s
	 * rcu_barrier().
	 */
	if (cache->central.typesafe_rcu || ga_rcu_busy())
		ga_rcu_flush();
	/* Listed until its spans are back: ga_verify() sees it whole. */
	spin_lock(&ga.caches_lock);
	for_each_possible_cpu(cpu)
		ga_slot_flush(&cache->central, cpu);
	live = ga_mcentral_live_objects(&cache->central);
	if (live)
		list_move(&cache->node, &ga.zombies);
	else
		list_del(&cache->node);
	spin_unlock(&ga.caches_lock);
	if (live) {
		pr_err("cache %s destroyed with %lu objects still allocated; kept until unload\n",
		       cache->name, live);
		return;
	}
	/* The releases of the spans just emptied use the cache's mcentral. */
	if (cache->central.typesafe_rcu)
		rcu_barrier();
	ga_cache_free_struct(cache);
}
EXPORT_SYMBOL_NS_GPL(goalloc_cache_destroy, GOALLOC_NS);

/* A NULL cache where one is needed: count it, say so (ratelimited). */
static void ga_refuse_cache(const char *what)
{
	atomic_long_inc(&ga.errors.bad_cache);
	pr_warn_ratelimited("refused %s of a NULL cache\n", what);
}

/*
 * SLUB's slab_want_init_on_alloc(): constructed objects are not wiped;
 * a type-safe cache's only for __GFP_ZERO, as RCU readers may be reading.
 */
static bool ga_cache_want_init(struct goalloc_cache *cache, gfp_t gfp)
{
	if (static_branch_maybe(CONFIG_INIT_ON_ALLOC_DEFAULT_ON, &init_on_alloc)) {
		if (cache->central.ctor)
			return false;
		if (cache->central.typesafe_rcu)
			return gfp & __GFP_ZERO;
		return true;
	}
	return gfp & __GFP_ZERO;
}

/* A cache object about to be handed out: zeroed if wanted; valid to its size. */
static void ga_cache_init_object(struct goalloc_cache *cache, void *p, gfp_t gfp)
{
	if (ga_cache_want_init(cache, gfp)) {
		ga_kasan_unpoison(p, cache->central.elemsize);
		memset(p, 0, cache->central.elemsize);
	}
	ga_kasan_set_size(p, cache->object_size, cache->central.elemsize);
	/* Its free's kmemleak_free() is then a no-op (see ga_free_small()). */
	if (!(cache->flags & SLAB_NOLEAKTRACE))
		kmemleak_alloc(p, cache->object_size, 1, gfp);
}

/**
 * goalloc_cache_alloc() - Allocate an object from a cache.
 * @cache: the cache
 * @gfp: as for goalloc_kmalloc()
 *
 * The object is as its constructor (if any) left it, or as it was freed;
 * zeroed for __GFP_ZERO or init_on_alloc, which, as in SLUB, never wipes
 * the objects of a cache with a constructor. The memory and the other
 * @gfp flags are as goalloc_kmalloc()'s.
 *
 * Context: Any context but NMI (refused: %NULL); sleeps only if @gfp allows
 *	blocking.
 * Return: the object, or %NULL (also for a %NULL @cache, refused).
 */
void *goalloc_cache_alloc(struct goalloc_cache *cache, gfp_t gfp)
{
	void *p;

	if (unlikely(!cache)) {
		ga_refuse_cache("an allocation");
		return NULL;
	}
	if (unlikely(ga_gfp_zone_refused(gfp)))
		return NULL;
	p = ga_alloc_from(&cache->central, gfp);
	if (unlikely(!p)) {
		ga_alloc_failed(cache->object_size, gfp);
		return NULL;
	}
	ga_cache_init_object(cache, p, gfp);
	return p;
}
EXPORT_SYMBOL_NS_GPL(goalloc_cache_alloc, GOALLOC_NS);

/**
 * goalloc_cache_zalloc() - Allocate a zeroed object from a cache.
 * @cache: the cache
 * @gfp: as for goalloc_kmalloc()
 *
 * Context: Any context but NMI (refused: %NULL); sleeps only if @gfp allows
 *	blocking.
 * Return: the object, or %NULL (also for a %NULL @cache, refused).
 */
void *goalloc_cache_zalloc(struct goalloc_cache *cache, gfp_t gfp)
{
	return goalloc_cache_alloc(cache, gfp | __GFP_ZERO);
}
EXPORT_SYMBOL_NS_GPL(goalloc_cache_zalloc, GOALLOC_NS);

/**
 * goalloc_cache_alloc_node() - Allocate from a cache, with a node hint.
 * @cache: the cache
 * @gfp: as for goalloc_kmalloc()
 * @node: a hint only, as for goalloc_kmalloc_node()
 *
 * Context: as goalloc_cache_alloc().
 * Return: as goalloc_cache_alloc().
 */
void *goalloc_cache_alloc_node(struct goalloc_cache *cache, gfp_t gfp, int node)
{
	return goalloc_cache_alloc(cache, gfp);
}
EXPORT_SYMBOL_NS_GPL(goalloc_cache_alloc_node, GOALLOC_NS);

/**
 * goalloc_cache_size() - The object size a cache was created with.
 * @cache: the cache
 *
 * Context: Any context.
 * Return: the size asked of goalloc_cache_create(), as kmem_cache_size();
 * 0 for a %NULL @cache (refused).
 */
unsigned int goalloc_cache_size(struct goalloc_cache *cache)
{
	if (unlikely(!cache)) {
		ga_refuse_cache("the size");
		return 0;
	}
	return cache->object_size;
}
EXPORT_SYMBOL_NS_GPL(goalloc_cache_size, GOALLOC_NS);

/**
 * goalloc_cache_shrink() - Give a cache's unused spans back to the heap.
 * @cache: the cache
 *
 * As kmem_cache_shrink(): every CPU gives back the span it holds for
 * allocation, and spans with no object allocated go back to the heap.
 * goalloc's per-CPU caches are drained whole, one work item per online
 * CPU, so the size classes' and other caches' spans go back too.
 *
 * Context: Process context; sleeps.
 * Return: 0; -EINVAL for a %NULL @cache (refused); -ENOMEM if the drain
 * could not be started.
 */
int goalloc_cache_shrink(struct goalloc_cache *cache)
{
	if (unlikely(!cache)) {
		ga_refuse_cache("a shrink");
		return -EINVAL;
	}
	might_sleep();
	return ga_drain_all();
}
EXPORT_SYMBOL_NS_GPL(goalloc_cache_shrink, GOALLOC_NS);

/**
 * goalloc_cache_free() - Free an object to its cache.
 * @cache: the cache the object came from
 * @p: the object, or %NULL (a no-op)
 *
 * An object of another cache or of goalloc_kmalloc() is refused, as are
 * double, foreign and interior frees, and a %NULL @cache (the object
 * stays allocated).
 *
 * Context: Any context. From NMI the free is queued and carried out by an
 *	irq_work on the same CPU (with 32 already queued there, refused and
 *	counted as ``nmi``).
 * Return: nothing; a refused call is counted in the statistics.
 */
void goalloc_cache_free(struct goalloc_cache *cache, void *p)
{
	if (unlikely(!p))
		return;
	if (unlikely(!cache)) {
		ga_refuse_cache("a free");
		return;
	}
	ga_free_in(&cache->central, p);
}
EXPORT_SYMBOL_NS_GPL(goalloc_cache_free, GOALLOC_NS);

/**
 * goalloc_cache_alloc_bulk() - Allocate @nr objects from a cache at once.
 * @cache: the cache
 * @gfp: as for goalloc_kmalloc()
 * @nr: how many
 * @p: array that receives them
 *
 * All or nothing: if not all @nr can be had, those that were are freed.
 * The memory and @gfp are as goalloc_kmalloc()'s.
 *
 * Context: Any context but NMI (refused: %NULL); sleeps only if @gfp allows
 *	blocking.
 * Return: @nr, or 0 on failure (also for a %NULL @cache, refused).
 */
int goalloc_cache_alloc_bulk(struct goalloc_cache *cache, gfp_t gfp, size_t nr, void **p)
{
	unsigned long tries = 0;
	bool trimmed = false;
	size_t got, i;

	if (unlikely(!cache)) {
		ga_refuse_cache("a bulk allocation");
		return 0;
	}
	if (unlikely(ga_gfp_zone_refused(gfp)))
		return 0;
again:
	got = ga_alloc_bulk_from(&cache->central, gfp, nr, p);
	if (unlikely(got < nr)) {
		ga_free_bulk_in(&cache->central, got, p);
		/* All or nothing: a __GFP_NOFAIL caller waits for all of them. */
		if (ga_retry(gfp, nr <= cache->central.heap->max_bytes / cache->central.elemsize,
			     &trimmed, &tries))
			goto again;
		ga_alloc_failed(cache->object_size, gfp);
		return 0;
	}
	for (i = 0; i < nr; i++)
		ga_cache_init_object(cache, p[i], gfp);
	return nr;
}
EXPORT_SYMBOL_NS_GPL(goalloc_cache_alloc_bulk, GOALLOC_NS);

/**
 * goalloc_cache_free_bulk() - Free @nr objects to a cache.
 * @cache: the cache
 * @nr: how many
 * @p: the objects
 *
 * Each object as for goalloc_cache_free(), with the same checks; the
 * per-CPU cache is entered once per 64 objects, not once per object. A
 * %NULL @cache refuses the whole call.
 *
 * Context: Any context. From NMI the free is queued and carried out by an
 *	irq_work on the same CPU (with 32 already queued there, refused and
 *	counted as ``nmi``).
 * Return: nothing; a refused call is counted in the statistics.
 */
void goalloc_cache_free_bulk(struct goalloc_cache *cache, size_t nr, void **p)
{
	if (unlikely(!cache)) {
		if (nr)
			ga_refuse_cache("a bulk free");
		return;
	}
	ga_free_bulk_in(&cache->central, nr, p);
}
EXPORT_SYMBOL_NS_GPL(goalloc_cache_free_bulk, GOALLOC_NS);

/* Sizes take the kernel's K/M/G suffixes, as on the command line. */
static int ga_param_set_size(const char *val, const struct kernel_param *kp)
{
	char *end;
	unsigned long long v = memparse(val, &end);

	if (end == val || (*end && *end != '\n') || v > ULONG_MAX)
		return -EINVAL;
	*(unsigned long *)kp->arg = v;
	return 0;
}

static int ga_param_get_size(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lu\n", *(unsigned long *)kp->arg);
}

static const struct kernel_param_ops ga_param_size_ops = {
	.set = ga_param_set_size,
	.get = ga_param_get_size,
};

static unsigned long arena_size = 16UL << 20;
module_param_cb(arena_size, &ga_param_size_ops, &arena_size, 0444);
MODULE_PARM_DESC(arena_size,
		 "Initial heap arena in bytes (K/M/G suffixes), a multiple of 4M; default 16M");

static unsigned long max_heap;
module_param_cb(max_heap, &ga_param_size_ops, &max_heap, 0444);
MODULE_PARM_DESC(max_heap,
		 "Heap cap in bytes, a multiple of 4M, at least arena_size; 0 (default) = a quarter of RAM");

static unsigned long direct_max;
module_param_cb(direct_max, &ga_param_size_ops, &direct_max, 0444);
MODULE_PARM_DESC(direct_max,
		 "Cap of the direct-map backing in bytes, a multiple of 4M; 0 (default) = a quarter of RAM");

static bool kmalloc_direct;
module_param(kmalloc_direct, bool, 0444);
MODULE_PARM_DESC(kmalloc_direct,
		 "Serve goalloc_kmalloc() and its family from the direct-map backing; default N (vmalloc)");

static unsigned int trim_ms = 1000;
module_param(trim_ms, uint, 0444);
MODULE_PARM_DESC(trim_ms,
		 "Empty spans idle this long go back to the heap, idle heaps are drained; 0 = only on a shrink or a full heap; default 1000");

/* Validate the parameters; on success *cap and *dcap are the heap caps to use. */
static int __init ga_check_params(unsigned long *cap, unsigned long *dcap)
{
	unsigned long ram = totalram_pages() << PAGE_SHIFT;
	unsigned long limit = min(ram, GA_HEAP_LIMIT);

	if (direct_max && (!IS_ALIGNED(direct_max, GA_CHUNK_BYTES) || direct_max > limit)) {
		pr_err("direct_max=%lu must be a multiple of 4M up to %lu: -EINVAL\n",
		       direct_max, limit);
		return -EINVAL;
	}
	*dcap = direct_max ?: max(round_down(min(ram / 4, GA_HEAP_LIMIT), GA_CHUNK_BYTES),
				  GA_CHUNK_BYTES);

	if (!arena_size || !IS_ALIGNED(arena_size, GA_CHUNK_BYTES)) {
		pr_err("arena_size=%lu must be a non-zero multiple of 4M: -EINVAL\n", arena_size);
		return -EINVAL;
	}
	if (arena_size > limit) {
		pr_err("arena_size=%lu exceeds %lu (RAM or the 64G limit): -EINVAL\n",
		       arena_size, limit);
		return -EINVAL;
	}
	if (!max_heap) {
		*cap = clamp(round_down(ram / 4, GA_CHUNK_BYTES), arena_size, limit);
		return 0;
	}
	if (!IS_ALIGNED(max_heap, GA_CHUNK_BYTES) || max_heap < arena_size ||
	    max_heap > limit) {
		pr_err("max_heap=%lu must be a multiple of 4M from arena_size=%lu to %lu: -EINVAL\n",
		       max_heap, arena_size, limit);
		return -EINVAL;
	}
	*cap = max_heap;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* debugfs: /sys/kernel/debug/goalloc/stats                               */

static unsigned long ga_sum_percpu(unsigned long __percpu *counter)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(counter, cpu));
	return sum;
}

/* One row of the class table; inuse counts objects, waste in tenths of %. */
static void ga_stats_row(struct seq_file *m, const char *label, struct ga_mcentral *c)
{
	unsigned long flags, cached, partial, full, empty, allocs, frees, inuse, span_bytes;
	unsigned long used, waste;

	spin_lock_irqsave(&c->lock, flags);
	cached = c->nr_cached;
	partial = c->nr_partial;
	full = c->nr_full;
	empty = c->nr_empty;
	spin_unlock_irqrestore(&c->lock, flags);
	allocs = ga_sum_percpu(c->nalloc);
	frees = ga_sum_percpu(c->nfree);
	inuse = allocs > frees ? allocs - frees : 0;
	span_bytes = (cached + partial + full + empty) * c->npages * GA_PAGE_SIZE;
	used = min(inuse * c->elemsize, span_bytes);
	waste = span_bytes ? (span_bytes - used) * 1000 / span_bytes : 0;
	seq_printf(m, "%-16s %8u %5u %5u %7lu %8lu %7lu %6lu %9lu %12lu %12lu %4lu.%lu %10lu %10lu\n",
		   label, c->elemsize, c->npages, c->nelems, cached, partial, full, empty, inuse,
		   inuse * c->elemsize, span_bytes, waste / 10, waste % 10, allocs, frees);
}

static void ga_stats_classes(struct seq_file *m)
{
	struct goalloc_cache *cache;
	unsigned long lallocs = 0, lfrees = 0;
	struct ga_heap_stats st;
	unsigned long mapped, free_pages, largest, large_pages, large_spans;
	char label[48];
	unsigned int i;
	int cpu;

	seq_printf(m, "%-16s %8s %5s %5s %7s %8s %7s %6s %9s %12s %12s %6s %10s %10s\n",
		   "class", "objsize", "pages", "objs", "cached", "partial", "full", "empty",
		   "inuse", "bytes_inuse", "span_bytes", "waste%", "allocs", "frees");
	for (i = 1; i < GA_NUM_SIZE_CLASSES; i++) {
		snprintf(label, sizeof(label), "%u", i);
		ga_stats_row(m, label, &ga.central[i]);
	}
	ga_stats_row(m, "tiny", &ga.central[GA_TINY_SPANCLASS]);
	list_for_each_entry(cache, &ga.caches, node) {
		snprintf(label, sizeof(label), "cache:%s", cache->name);
		ga_stats_row(m, label, &cache->central);
	}

	for_each_possible_cpu(cpu) {
		struct ga_mcache_stats *cs = &per_cpu_ptr(ga.mcache, cpu)->stats;

		lallocs += READ_ONCE(cs->large_allocs);
		lfrees += READ_ONCE(cs->large_frees);
	}
	ga_heap_read_stats(&ga.heap, &st, &mapped, &free_pages, &largest);
	large_pages = st.large_pages;
	large_spans = st.large_spans;
	ga_heap_read_stats(&ga.dheap, &st, &mapped, &free_pages, &largest);
	large_pages += st.large_pages;
	large_spans += st.large_spans;
	seq_printf(m, "%-16s %8s %5s %5s %7s %8s %7s %6s %9lu %12lu %12lu %6s %10lu %10lu\n",
		   "large", "-", "-", "1", "-", "-", "-", "-", large_spans,
		   large_pages * GA_PAGE_SIZE, large_pages * GA_PAGE_SIZE, "0.0", lallocs, lfrees);
}

static void ga_stats_heap(struct seq_file *m, struct ga_heap *h, const char *title)
{
	unsigned long mapped, free_pages, largest, low, high;
	struct ga_heap_stats st;

	ga_heap_read_stats(h, &st, &mapped, &free_pages, &largest);
	ga_heap_headroom(h, &low, &high);
	seq_printf(m, "\n%s\n", title);
	seq_printf(m, "serves_kmalloc %u\n", ga.kheap == h);
	seq_printf(m, "arena_chunks %lu\n", mapped / GA_CHUNK_BYTES);
	seq_printf(m, "mapped_bytes %lu\n", mapped);
	seq_printf(m, "cap_bytes %lu\n", h->max_bytes);
	seq_printf(m, "pages_inuse %lu\n", st.pages_inuse);
	seq_printf(m, "pages_free %lu\n", free_pages);
	seq_printf(m, "largest_free_run %lu\n", largest);
	seq_printf(m, "spans_inuse %lu\n", st.spans_inuse);
	seq_printf(m, "grows %lu\n", st.grows);
	seq_printf(m, "grow_failures %lu\n", st.grow_failures);
	seq_printf(m, "returned_chunks %lu\n", st.returned_chunks);
	seq_printf(m, "headroom_low_pages %lu\n", low);
	seq_printf(m, "headroom_high_pages %lu\n", high);
	seq_printf(m, "background_grows %lu\n", st.bg_grows);
	seq_printf(m, "nogrow_span_failures %lu\n", st.nogrow_fails);
}

/* Tiny objects, and the blocks CPUs still pack into (in use, no object). */
static void ga_stats_tiny(struct seq_file *m)
{
	unsigned long allocs = 0, frees = 0, cached = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ga_mcache *c = per_cpu_ptr(ga.mcache, cpu);

		allocs += READ_ONCE(c->stats.tiny_allocs);
		frees += READ_ONCE(c->stats.tiny_frees);
		cached += READ_ONCE(c->tiny) ? 1 : 0;
	}
	seq_puts(m, "\ntiny\n");
	seq_printf(m, "objects_inuse %lu\n", allocs > frees ? allocs - frees : 0);
	seq_printf(m, "objects_allocated %lu\n", allocs);
	seq_printf(m, "objects_freed %lu\n", frees);
	seq_printf(m, "blocks_cached %lu\n", cached);
}

static void ga_stats_rcu(struct seq_file *m)
{
	struct ga_rcu_stats st;

	ga_rcu_read_stats(&st);
	seq_puts(m, "\nrcu\n");
	seq_printf(m, "kfree_rcu_queued %lu\n", st.queued);
	seq_printf(m, "kfree_rcu_freed %lu\n", st.freed);
	seq_printf(m, "kfree_rcu_pending %lu\n", st.queued - st.freed);
	seq_printf(m, "kfree_rcu_headless %lu\n", st.headless);
	seq_printf(m, "grace_period_batches %lu\n", st.batches);
	seq_printf(m, "typesafe_spans_waiting %lu\n", st.typesafe_waiting);
}

/* goalloc_redirect.h's routing. */
static void ga_stats_redirect(struct seq_file *m)
{
	seq_puts(m, "\nredirect\n");
	seq_printf(m, "frees_to_goalloc %ld\n", atomic_long_read(&ga.redirect.frees_goalloc));
	seq_printf(m, "frees_to_kernel %ld\n", atomic_long_read(&ga.redirect.frees_kernel));
	seq_printf(m, "slab_account_dropped %ld\n",
		   atomic_long_read(&ga.redirect.account_dropped));
}

static void ga_stats_cpus(struct seq_file *m)
{
	int cpu;

	seq_printf(m, "\n%-4s %7s %12s %4s %10s %10s %8s %12s %11s %9s\n", "cpu", "spans",
		   "span_bytes", "tiny", "allocs", "frees", "nested", "large_allocs",
		   "large_frees", "nmi_frees");
	for_each_possible_cpu(cpu) {
		struct ga_mcache *c = per_cpu_ptr(ga.mcache, cpu);
		unsigned long spans = 0, bytes = 0, allocs = 0, frees = 0;
		unsigned int i;

		for (i = 0; i < GA_NUM_SPAN_CLASSES; i++) {
			struct ga_span *s = READ_ONCE(c->alloc[i]);

			if (s != &ga_emptyspan) {
				spans++;
				bytes += ga.central[i].npages * GA_PAGE_SIZE;
			}
			allocs += READ_ONCE(c->stats.nalloc[i]);
			frees += READ_ONCE(c->stats.nfree[i]);
		}
		seq_printf(m, "%-4d %7lu %12lu %4d %10lu %10lu %8lu %12lu %11lu %9lu\n", cpu,
			   spans, bytes, READ_ONCE(c->tiny) ? 1 : 0, allocs, frees,
			   READ_ONCE(c->stats.nested_allocs), READ_ONCE(c->stats.large_allocs),
			   READ_ONCE(c->stats.large_frees), READ_ONCE(c->stats.nmi_frees));
	}
}

/* Each cache's backing and what it was created with; reclaimable bytes. */
static void ga_stats_caches(struct seq_file *m)
{
	static const struct {
		slab_flags_t flag;
		const char *name;
	} shown[] = {
		{ SLAB_HWCACHE_ALIGN, "hwcache_align" },
		{ SLAB_RECLAIM_ACCOUNT, "reclaim_account" },
		{ SLAB_NOLEAKTRACE, "noleaktrace" },
		{ SLAB_TYPESAFE_BY_RCU, "typesafe_by_rcu" },
		{ SLAB_PANIC, "panic" },
	};
	unsigned long reclaimable = 0, flags, spans;
	struct goalloc_cache *cache;
	struct ga_mcentral *c;
	char buf[64];
	unsigned int i, n;

	lockdep_assert_held(&ga.caches_lock);
	seq_printf(m, "\n%-24s %-8s %s\n", "cache", "backing", "flags");
	list_for_each_entry(cache, &ga.caches, node) {
		c = &cache->central;
		n = 0;
		buf[0] = '\0';
		for (i = 0; i < ARRAY_SIZE(shown); i++)
			if (cache->flags & shown[i].flag)
				n += scnprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "",
					       shown[i].name);
		if (c->ctor)
			n += scnprintf(buf + n, sizeof(buf) - n, "%sctor", n ? "," : "");
		seq_printf(m, "%-24s %-8s %s\n", cache->name,
			   c->heap->backing == GA_BACKING_DIRECT ? "direct" : "vmalloc",
			   n ? buf : "-");
		if (!(cache->flags & SLAB_RECLAIM_ACCOUNT))
			continue;
		spin_lock_irqsave(&c->lock, flags);
		spans = c->nr_cached + c->nr_partial + c->nr_full + c->nr_empty;
		spin_unlock_irqrestore(&c->lock, flags);
		reclaimable += spans * c->npages * GA_PAGE_SIZE;
	}
	seq_printf(m, "reclaimable_span_bytes %lu\n", reclaimable);
}

static void ga_stats_empty_add(struct ga_mcentral *c, unsigned long *kept,
			       unsigned long *reused)
{
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	*kept += c->nr_empty;
	*reused += c->empty_reused;
	spin_unlock_irqrestore(&c->lock, flags);
}

/* Empty spans kept by the mcentrals, and what the trim work did. */
static void ga_stats_empty(struct seq_file *m)
{
	unsigned long kept = 0, reused = 0;
	struct goalloc_cache *cache;
	unsigned int i;

	lockdep_assert_held(&ga.caches_lock);
	for (i = 1; i < GA_NUM_SPAN_CLASSES; i++)
		ga_stats_empty_add(&ga.central[i], &kept, &reused);
	list_for_each_entry(cache, &ga.caches, node)
		ga_stats_empty_add(&cache->central, &kept, &reused);
	list_for_each_entry(cache, &ga.zombies, node)
		ga_stats_empty_add(&cache->central, &kept, &reused);
	seq_puts(m, "\nempty_spans\n");
	seq_printf(m, "kept %lu\n", kept);
	seq_printf(m, "reused %lu\n", reused);
	seq_printf(m, "idle_drains %ld\n", atomic_long_read(&ga.trim_drains));
}

/* Objects still allocated in destroyed caches. */
static unsigned long ga_zombie_objects(void)
{
	struct goalloc_cache *cache;
	unsigned long n = 0, allocs, frees;

	lockdep_assert_held(&ga.caches_lock);
	list_for_each_entry(cache, &ga.zombies, node) {
		allocs = ga_sum_percpu(cache->central.nalloc);
		frees = ga_sum_percpu(cache->central.nfree);
		n += allocs > frees ? allocs - frees : 0;
	}
	return n;
}

static int ga_stats_show(struct seq_file *m, void *unused)
{
	struct ga_errors *e = &ga.errors;
	unsigned long leaks;

	spin_lock(&ga.caches_lock);
	ga_stats_classes(m);
	ga_stats_caches(m);
	ga_stats_empty(m);
	leaks = ga_zombie_objects();
	spin_unlock(&ga.caches_lock);
	ga_stats_heap(m, &ga.heap, "heap");
	ga_stats_heap(m, &ga.dheap, "direct_heap");
	ga_stats_tiny(m);
	ga_stats_rcu(m);
	ga_stats_redirect(m);
	ga_stats_cpus(m);
	seq_puts(m, "\nerrors\n");
	seq_printf(m, "double_free %ld\n", atomic_long_read(&e->double_free));
	seq_printf(m, "invalid_free %ld\n", atomic_long_read(&e->invalid_free));
	seq_printf(m, "interior_free %ld\n", atomic_long_read(&e->interior_free));
	seq_printf(m, "alloc_fail %ld\n", atomic_long_read(&e->alloc_fail));
	seq_printf(m, "alloc_fail_reported %ld\n", atomic_long_read(&e->alloc_fail_reported));
	seq_printf(m, "alloc_fail_atomic %ld\n", atomic_long_read(&e->alloc_fail_atomic));
	seq_printf(m, "bad_gfp_zone %ld\n", atomic_long_read(&e->bad_gfp_zone));
	seq_printf(m, "nofail_atomic %ld\n", atomic_long_read(&e->nofail_atomic));
	seq_printf(m, "nofail_waits %ld\n", atomic_long_read(&e->nofail_waits));
	seq_printf(m, "cache_leaks %lu\n", leaks);
	seq_printf(m, "bad_cache %ld\n", atomic_long_read(&e->bad_cache));
	seq_printf(m, "nmi %ld\n", atomic_long_read(&e->nmi));
	return 0;
}

/* The debugfs files: each one's show function is its inode's data. */
static int ga_debugfs_open(struct inode *inode, struct file *file)
{
	return single_open(file, inode->i_private, NULL);
}

/*
 * With read_iter, so in-kernel readers (kernel_read(), the KUnit tests)
 * can read them too; .owner pins the module while a file is open, which
 * is all debugfs' removal protection would add.
 */
static const struct file_operations ga_debugfs_fops = {
	.owner = THIS_MODULE,
	.open = ga_debugfs_open,
	.read_iter = seq_read_iter,
	.llseek = seq_lseek,
	.release = single_release,
};

/* ---------------------------------------------------------------------- */
/* The heap verifier: /sys/kernel/debug/goalloc/verify                    */

/**
 * ga_verify_fail() - Record one broken invariant.
 * @v: the verification run
 * @fmt: what is broken
 *
 * Context: ga_verify().
 */
void ga_verify_fail(struct ga_verify *v, const char *fmt, ...)
{
	va_list args;

	v->problems++;
	if (v->len + 1 >= v->size)
		return;
	va_start(args, fmt);
	v->len += vscnprintf(v->buf + v->len, v->size - v->len, fmt, args);
	va_end(args);
	v->len += scnprintf(v->buf + v->len, v->size - v->len, "\n");
}

/**
 * ga_verify_central_known() - Is @c a size class's or a live cache's?
 * @v: the verification run
 * @c: an mcentral a span points at
 *
 * Context: ga_verify(), with ga.caches_lock held.
 * Return: true if ga_mcentral_verify() checked it in this run.
 */
bool ga_verify_central_known(struct ga_verify *v, struct ga_mcentral *c)
{
	struct goalloc_cache *cache;
	unsigned int i;

	for (i = 1; i < GA_NUM_SPAN_CLASSES; i++)
		if (c == &ga.central[i])
			return true;
	list_for_each_entry(cache, &ga.caches, node)
		if (c == &cache->central)
			return true;
	list_for_each_entry(cache, &ga.zombies, node)
		if (c == &cache->central)
			return true;
	return false;
}

/* Every mcentral: the size classes', the caches', the destroyed caches'. */
static void ga_verify_centrals(struct ga_verify *v,
			       void (*fn)(struct ga_mcentral *c, struct ga_verify *v))
{
	struct goalloc_cache *cache;
	unsigned int i;

	for (i = 1; i < GA_NUM_SPAN_CLASSES; i++)
		fn(&ga.central[i], v);
	list_for_each_entry(cache, &ga.caches, node)
		fn(&cache->central, v);
	list_for_each_entry(cache, &ga.zombies, node)
		fn(&cache->central, v);
}

static unsigned int ga_verify_pass;

/* Runs on one CPU while every other spins with interrupts off. */
static int ga_verify_stopped(void *data)
{
	struct ga_verify *v = data;

	/* Pass 0 is a new span's mark (ga_span_init_locked()): never used. */
	v->pass = ++ga_verify_pass ?: ++ga_verify_pass;
	spin_lock(&ga.caches_lock);
	if (ga_emptyspan.nelems || ga_emptyspan.alloc_cache || ga_emptyspan.freeindex ||
	    ga_emptyspan.state != GA_SPAN_DEAD)
		ga_verify_fail(v, "the empty span is not empty");
	ga_mcache_verify(v);
	ga_verify_centrals(v, ga_mcentral_verify);
	ga_heap_verify(&ga.heap, v);
	ga_heap_verify(&ga.dheap, v);
	ga_verify_centrals(v, ga_mcentral_verify_count);
	ga_mcache_verify_count(v);
	spin_unlock(&ga.caches_lock);
	return 0;
}

/**
 * ga_verify() - Check every invariant of the allocator (Go's checkmark,
 *	SLUB's validate).
 * @buf: receives one line per broken invariant (the first ones that fit)
 * @size: bytes at @buf
 *
 * Stops every CPU (stop_machine()) and checks the heap, every mcentral,
 * every span and every mcache against each other: no fast path is under
 * way then, since they all run with preemption disabled. Spans that a
 * task is setting up or tearing down with the mcache left (a blocking
 * growth) are recognised as such. The counters of the statistics file
 * must match what the spans hold, exactly.
 *
 * Context: Process context; sleeps.
 * Return: the number of broken invariants, 0 if all hold.
 */
unsigned long ga_verify(char *buf, size_t size)
{
	struct ga_verify v = { .buf = buf, .size = size };
	struct ga_heap_stats st;
	unsigned long mapped, free_pages, largest;

	might_sleep();
	if (size)
		buf[0] = '\0';
	ga_heap_read_stats(&ga.heap, &st, &mapped, &free_pages, &largest);
	v.limit = st.spans_inuse + 1024;
	ga_heap_read_stats(&ga.dheap, &st, &mapped, &free_pages, &largest);
	v.limit += st.spans_inuse;
	stop_machine(ga_verify_stopped, &v, NULL);
	return v.problems;
}
EXPORT_SYMBOL_IF_KUNIT(ga_verify);

#define GA_VERIFY_BUF	(16 * 1024)

static int ga_verify_show(struct seq_file *m, void *unused)
{
	char *buf = kvmalloc(GA_VERIFY_BUF, GFP_KERNEL);
	unsigned long problems;

	if (!buf)
		return -ENOMEM;
	problems = ga_verify(buf, GA_VERIFY_BUF);
	if (problems)
		seq_printf(m, "%lu problems\n%s", problems, buf);
	else
		seq_puts(m, "ok\n");
	kvfree(buf);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Init and exit                                                          */

/*
 * Fault attributes are quiet from the start of init, whose own allocations
 * /proc/self/fail-nth may fail too: a failure is reported by its caller.
 */
static void __init ga_faults_quiet(void)
{
#ifdef CONFIG_FAULT_INJECTION
	ga_fail_grow.verbose = 0;
	ga_fail_meta.verbose = 0;
#endif
}

/* Their debugfs controls, once goalloc's directory exists. */
static void __init ga_faults_init(void)
{
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	fault_create_debugfs_attr("fail_grow", ga_debugfs, &ga_fail_grow);
	fault_create_debugfs_attr("fail_meta", ga_debugfs, &ga_fail_meta);
#endif
}

/* fault_create_debugfs_attr() keeps a reference to each directory. */
static void ga_faults_exit(void)
{
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	if (!IS_ERR_OR_NULL(ga_fail_grow.dname))
		dput(ga_fail_grow.dname);
	if (!IS_ERR_OR_NULL(ga_fail_meta.dname))
		dput(ga_fail_meta.dname);
	ga_fail_grow.dname = NULL;
	ga_fail_meta.dname = NULL;
#endif
}

/* A dead CPU's cached spans go back to their mcentrals. */
static int ga_cpu_dead(unsigned int cpu)
{
	spin_lock(&ga.caches_lock);
	ga_mcache_flush(cpu);
	spin_unlock(&ga.caches_lock);
	return 0;
}

static int __init goalloc_init(void)
{
	unsigned long cap, dcap;
	unsigned int i;
	int cpu, ret;

	/* Go's mallocinit sanity checks, at build time. */
	BUILD_BUG_ON(ga_class_to_size[GA_TINY_SIZE_CLASS] != GA_TINY_SIZE);
	BUILD_BUG_ON(GA_CHUNK_PAGES % 64);
	BUILD_BUG_ON(BITS_PER_LONG != 64);
	BUILD_BUG_ON(GA_MAX_OBJS_PER_SPAN > 64 << (GA_BITS_SIZES - 1));
	BUILD_BUG_ON(GOALLOC_CACHE_DIRECT_MAP &
		     (SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_HWCACHE_ALIGN |
		      SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_STORE_USER | SLAB_PANIC |
		      SLAB_TYPESAFE_BY_RCU | SLAB_TRACE | SLAB_NOLEAKTRACE | SLAB_ACCOUNT |
		      SLAB_RECLAIM_ACCOUNT | SLAB_NO_USER_FLAGS));

	ret = ga_check_params(&cap, &dcap);
	if (ret)
		return ret;
	ga_faults_quiet();

	ret = ga_heap_init(&ga.heap, arena_size, cap);
	if (ret) {
		pr_err("cannot set up a %lu-byte arena: %d\n", arena_size, ret);
		return ret;
	}
	/* The direct map's first block comes with its first use, but for kmalloc's. */
	ret = ga_heap_init_backing(&ga.dheap, GA_BACKING_DIRECT,
				   kmalloc_direct ? GA_CHUNK_BYTES : 0, dcap);
	if (ret) {
		pr_err("cannot set up the direct-map backing: %d\n", ret);
		goto destroy_heap;
	}
	ga.kheap = kmalloc_direct ? &ga.dheap : &ga.heap;
	/* Atomic callers of the global heaps get background growth. */
	ga.heap.headroom = true;
	ga.dheap.headroom = true;
	ga.mcache = alloc_percpu_gfp(struct ga_mcache, GFP_KERNEL | __GFP_NOWARN);
	if (!ga.mcache) {
		pr_err("cannot set up the per-CPU caches: %d\n", -ENOMEM);
		ret = -ENOMEM;
		goto destroy_dheap;
	}
	for_each_possible_cpu(cpu)
		ga_mcache_init(per_cpu_ptr(ga.mcache, cpu));
	for (i = 1; i < GA_NUM_SPAN_CLASSES; i++) {
		unsigned int sc = ga_spanclass_sizeclass(i);

		ret = ga_mcentral_init(&ga.central[i], i, ga.kheap, ga_class_to_size[sc],
				       ga_class_to_npages[sc], &ga.mcache->alloc[i],
				       &ga.mcache->stats.nalloc[i], &ga.mcache->stats.nfree[i]);
		if (WARN_ON_ONCE(ret))
			goto free_mcache;
	}
	spin_lock_init(&ga.caches_lock);
	INIT_LIST_HEAD(&ga.caches);
	INIT_LIST_HEAD(&ga.zombies);
	ga_trim_init(msecs_to_jiffies(trim_ms));
	ret = ga_rcu_init();
	if (ret) {
		pr_err("cannot set up deferred frees: %d\n", ret);
		goto free_mcache;
	}

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "goalloc:dead", NULL, ga_cpu_dead);
	if (ret < 0) {
		pr_err("cannot register for CPU hotplug: %d\n", ret);
		goto exit_rcu;
	}
	ga_cpuhp_state = ret;

	ga_debugfs = debugfs_create_dir("goalloc", NULL);
	debugfs_create_file_unsafe("stats", 0400, ga_debugfs, ga_stats_show, &ga_debugfs_fops);
	debugfs_create_file_unsafe("verify", 0400, ga_debugfs, ga_verify_show, &ga_debugfs_fops);
	ga_faults_init();

	pr_info("ready: %lu MiB arena, %lu MiB cap, direct-map cap %lu MiB, kmalloc: %s\n",
		arena_size >> 20, cap >> 20, dcap >> 20, kmalloc_direct ? "direct" : "vmalloc");
	return 0;

exit_rcu:
	ga_rcu_exit();
free_mcache:
	free_percpu(ga.mcache);
destroy_dheap:
	ga_heap_destroy(&ga.dheap);
destroy_heap:
	ga_heap_destroy(&ga.heap);
	return ret;
}

/*
 * Unload: users are gone (each holds a reference on this module), but may
 * have left objects or caches behind. Report them; their memory goes
 * with the heap.
 */
static void ga_release_all(void)
{
	struct goalloc_cache *cache, *next;
	unsigned long live = 0;
	LIST_HEAD(never);
	LIST_HEAD(gone);
	unsigned int i;
	int cpu;

	/* No NMI user is left: let each CPU finish the frees they queued. */
	for_each_possible_cpu(cpu)
		ga_mcache_nmi_sync(cpu);
	spin_lock(&ga.caches_lock);
	for_each_possible_cpu(cpu)
		ga_mcache_flush(cpu);
	for (i = 1; i < GA_NUM_SPAN_CLASSES; i++)
		live += ga_mcentral_live_objects(&ga.central[i]);
	list_for_each_entry(cache, &ga.caches, node)
		live += ga_mcentral_live_objects(&cache->central);
	list_for_each_entry(cache, &ga.zombies, node)
		live += ga_mcentral_live_objects(&cache->central);
	list_splice_init(&ga.zombies, &gone);
	list_splice_init(&ga.caches, &never);
	spin_unlock(&ga.caches_lock);
	/* Type-safe caches' span releases use their mcentral: let them run. */
	rcu_barrier();
	list_for_each_entry_safe(cache, next, &never, node) {
		pr_warn("cache %s was never destroyed\n", cache->name);
		ga_cache_free_struct(cache);
	}
	list_for_each_entry_safe(cache, next, &gone, node)
		ga_cache_free_struct(cache);
	live += ga.heap.stats.large_spans + ga.dheap.stats.large_spans;
	if (live) {
		pr_warn("%lu objects still allocated at unload; their memory is freed\n", live);
		ga_heap_forget_objects(&ga.heap);
		ga_heap_forget_objects(&ga.dheap);
	}
}

static void __exit goalloc_exit(void)
{
	debugfs_remove_recursive(ga_debugfs);
	ga_faults_exit();
	cpuhp_remove_state_nocalls(ga_cpuhp_state);
	/* Frees users deferred: carried out while everything is whole. */
	ga_rcu_flush();
	ga_release_all();
	/* Nothing frees any more: no span goes on an empty list again. */
	ga_trim_exit();
	/* Span structs released to RCU still reference the heap. */
	rcu_barrier();
	ga_rcu_exit();
	free_percpu(ga.mcache);
	ga_heap_destroy(&ga.dheap);
	ga_heap_destroy(&ga.heap);
}

module_init(goalloc_init);
module_exit(goalloc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("The Go runtime's memory allocator for the kernel");
