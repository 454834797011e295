// SPDX-License-Identifier: GPL-2.0
/*
 * The per-CPU caches, after Go's mcache, and the object paths built on
 * them: small allocation with the allocCache fast path, the tiny
 * allocator, large objects, and explicit free.
 *
 * Allocation. Each CPU (Go's P) caches one span per span class. The
 * common allocation is Go's nextFreeFast: count the trailing zeros of the
 * span's 64-bit allocCache window, shift it, advance freeindex. It touches
 * only this CPU's mcache and the span it caches, with preemption disabled
 * and no lock and no atomic instruction. When the window runs out,
 * nextFree looks through the rest of the span; when the span is used up,
 * refill sweeps it in place if enough of its objects were freed, else
 * hands it back to its mcentral and caches another, or a new one.
 *
 * Interrupts. The mcache has a busy flag, Go's m.mallocing, set around
 * every use. An interrupt (hard or soft) that arrives in the middle of a
 * fast path finds it set and does not touch the cache: it allocates
 * straight from the mcentral under its lock, and frees as any other CPU
 * would. Slow paths that may sleep (heap growth) clear the flag and
 * re-enable preemption first, then look up the mcache again.
 *
 * Free. A pointer maps to its span in O(1) through the span table; the
 * object index is Go's divMagic multiply. The owner of a cached span of
 * few objects takes its cursor back when it frees the object it handed
 * out last (so an allocate-free pair reuses one object, as a freelist
 * would, instead of running the span dry every few pairs), records
 * its other frees in local_free, and anyone else records frees in
 * remote_free atomically (see goalloc_central.c for why that never
 * waits). Double frees, pointers goalloc did not hand out and interior
 * pointers are refused and counted; the heap is not touched. A remote
 * free checks its object only outside a sweep and leaves the rest to the
 * sweep, which refuses what was freed twice (ga_remote_free_valid(),
 * ga_span_sweep(); ga_free_undo() for a remote free racing the owner's
 * taking its cursor back).
 *
 * Large objects (over 32 KiB) get a span of their own from the heap
 * (Go's allocLarge) and go straight back to it.
 *
 * Tiny objects (under 16 bytes, opt-in through ga_malloc_tiny()) share
 * 16-byte blocks, as Go's tiny allocator: aligned by Go's rules, packed
 * into the CPU's current block while they fit. goalloc frees them, so
 * each block counts its live objects (a bit per object start, plus one
 * while a CPU still packs into it) and is freed when the last one goes.
 *
 * NMI. An NMI may interrupt the holder of any lock below, so nothing
 * here runs from NMI but this: allocations are refused and counted
 * (NULL); a free is queued in its CPU's ring of GA_NMI_RING entries (one
 * producer, the NMI, and one consumer on the same CPU with interrupts
 * off: an irq_work, or a flush of that CPU's mcache; so no lock and no
 * atomic instruction) and carried out by the irq_work as any free from
 * a hard interrupt; with the ring full it is refused and counted, and
 * the object stays allocated.
 *
 * Concurrency contract: an mcache is changed only by its CPU with
 * preemption disabled and busy set, or by the CPU-hotplug teardown after
 * its CPU died. Everything here may run in any context but NMI (see
 * above). Only gfp flags that allow blocking may sleep (to grow the
 * heap).
 *
 * Lock order: none held here; mcentral->lock -> heap->lock below.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/hardirq.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/workqueue.h>

#include "goalloc_internal.h"
#include "goalloc_kasan.h"

/* Go's emptymspan: never allocated from, never freed. */
struct ga_span ga_emptyspan = {
	.list = LIST_HEAD_INIT(ga_emptyspan.list),
	.state = GA_SPAN_DEAD,
};
EXPORT_SYMBOL_IF_KUNIT(ga_emptyspan);

/**
 * ga_size_class() - The smallest size class that fits @size.
 * @size: 1 .. GA_MAX_SMALL_SIZE
 *
 * Context: Any context.
 * Return: the size class.
 */
unsigned int ga_size_class(size_t size)
{
	if (size <= GA_SMALL_SIZE_MAX)
		return ga_size_to_class8[DIV_ROUND_UP(size, GA_SMALL_SIZE_DIV)];
	return ga_size_to_class128[DIV_ROUND_UP(size - GA_SMALL_SIZE_MAX, GA_LARGE_SIZE_DIV)];
}
EXPORT_SYMBOL_IF_KUNIT(ga_size_class);

/* Enter and leave the mcache: preemption off, busy set. */
static __always_inline struct ga_mcache *ga_mcache_enter(void)
{
	struct ga_mcache *c;

	preempt_disable();
	c = this_cpu_ptr(ga.mcache);
	if (unlikely(READ_ONCE(c->busy)))
		return NULL;
	WRITE_ONCE(c->busy, 1);
	barrier();
	return c;
}

/* Leave whichever CPU's mcache the caller is on now. */
static __always_inline void ga_mcache_leave(void)
{
	barrier();
	this_cpu_write(ga.mcache->busy, 0);
	preempt_enable();
}

/* Go's nextFreeFast: the next object from the allocCache window, or NULL. */
static __always_inline void *ga_next_free_fast(struct ga_span *s)
{
	u64 cache = s->alloc_cache;
	unsigned int bit, result, fi;

	if (unlikely(!cache))
		return NULL;
	bit = __ffs64(cache);
	result = s->freeindex + bit;
	if (unlikely(result >= s->nelems))
		return NULL;
	fi = result + 1;
	if (unlikely(fi % 64 == 0 && fi != s->nelems))
		return NULL;
	s->alloc_cache = (cache >> bit) >> 1;
	WRITE_ONCE(s->freeindex, fi);
	s->alloc_count++;
	return (void *)(s->base + (unsigned long)result * s->elemsize);
}

/*
 * ga_next_free_fast() for up to @nr objects into @p, with the span's
 * fields in registers. Returns how many; the caller counts them in
 * nalloc. Leaves @s as it is if it has none (the empty span is shared).
 */
static __always_inline size_t ga_next_free_fast_bulk(struct ga_span *s, void **p, size_t nr)
{
	unsigned int fi = s->freeindex, n = s->nelems, bit, result;
	unsigned long base = s->base, size = s->elemsize;
	u64 cache = s->alloc_cache;
	size_t got = 0;

	while (got < nr && cache) {
		bit = __ffs64(cache);
		result = fi + bit;
		if (result >= n || ((result + 1) % 64 == 0 && result + 1 != n))
			break;
		cache = (cache >> bit) >> 1;
		fi = result + 1;
		p[got++] = (void *)(base + (unsigned long)result * size);
	}
	if (!got)
		return 0;
	s->alloc_cache = cache;
	WRITE_ONCE(s->freeindex, fi);
	s->alloc_count += got;
	return got;
}

static void *ga_obj_addr(struct ga_span *s, unsigned int idx)
{
	return (void *)(s->base + (unsigned long)idx * s->elemsize);
}

/* Frees since the last sweep make reusing the span in place worth it. */
static bool ga_span_worth_sweeping(struct ga_span *s)
{
	unsigned int freed = s->nlocal + max(atomic_read(&s->npending), 0);

	return freed && freed >= s->nelems / 8;
}

/*
 * Go's mcache.nextFree and refill: this CPU's span of @central ran out
 * of its allocCache window. Called with the mcache busy; to sleep it
 * leaves the mcache and enters the one of the CPU it wakes on, and it
 * returns there, busy.
 */
static noinline void *ga_mcache_next_free(struct ga_mcentral *central, gfp_t gfp)
{
	struct ga_span **slot = this_cpu_ptr(central->slot);
	struct ga_span *s;
	unsigned int idx;

	s = *slot;
	idx = ga_span_next_free_index(s);
	if (idx < s->nelems)
		goto found;
	if (s != &ga_emptyspan) {
		if (ga_span_worth_sweeping(s)) {
			ga_span_sweep(s);
			idx = ga_span_next_free_index(s);
			if (idx < s->nelems)
				goto found;
		}
		*slot = &ga_emptyspan;
	} else {
		s = NULL;
	}

	s = ga_mcentral_cache_span(central, s);
	if (!s && gfpflags_allow_blocking(gfp)) {
		/* Growing the heap may sleep: leave the mcache meanwhile. */
		ga_mcache_leave();
		s = ga_mcentral_grow(central, gfp);
		ga_test_point(GA_TP_REFILL_GROWN, central);
		preempt_disable();
		this_cpu_write(ga.mcache->busy, 1);
		barrier();
		slot = this_cpu_ptr(central->slot);
		if (!s)
			return NULL;
		if (*slot != &ga_emptyspan) {
			/*
			 * Another task refilled this class meanwhile. Keep the
			 * span grown for us (and constructed): our object comes
			 * from it, and it goes on the partial list.
			 */
			idx = ga_span_next_free_index(s);
			s->alloc_count++;
			ga_mcentral_adopt(central, s, false);
			return ga_obj_addr(s, idx);
		}
		ga_mcentral_adopt(central, s, true);
	} else if (!s) {
		s = ga_mcentral_grow(central, gfp);
		if (!s)
			return NULL;
		ga_mcentral_adopt(central, s, true);
	}
	*slot = s;
	idx = ga_span_next_free_index(s);
	if (WARN_ON_ONCE(idx >= s->nelems))
		return NULL;
found:
	s->alloc_count++;
	return ga_obj_addr(s, idx);
}

/*
 * An object of @central's class from this CPU's span @span, with the
 * mcache busy. Returns on the mcache of the current CPU, busy, which is
 * the caller's unless the slow path slept.
 */
static __always_inline void *ga_central_alloc(struct ga_mcentral *central,
					      struct ga_span *span, gfp_t gfp)
{
	void *v = ga_next_free_fast(span);

	if (unlikely(!v))
		v = ga_mcache_next_free(central, gfp);
	if (likely(v))
		this_cpu_inc(*central->nalloc);
	return v;
}

/*
 * An interrupt found the mcache busy (ga_mcache_enter() returned NULL; the
 * caller has re-enabled preemption): straight from the mcentral.
 */
static void *ga_alloc_nested(struct ga_mcentral *central, gfp_t gfp)
{
	void *v = ga_mcentral_alloc_nested(central, gfp);

	if (v) {
		this_cpu_inc(*central->nalloc);
		this_cpu_inc(ga.mcache->stats.nested_allocs);
	}
	return v;
}

static __always_inline void *ga_alloc_small(unsigned int spc, gfp_t gfp)
{
	struct ga_mcache *c = ga_mcache_enter();
	void *v;

	if (unlikely(!c)) {
		preempt_enable();
		return ga_alloc_nested(&ga.central[spc], gfp);
	}
	v = ga_central_alloc(&ga.central[spc], c->alloc[spc], gfp);
	ga_mcache_leave();
	return v;
}

/* One attempt of ga_alloc_from(). */
static __always_inline void *ga_alloc_once(struct ga_mcentral *central, gfp_t gfp)
{
	struct ga_mcache *c = ga_mcache_enter();
	void *v;

	if (unlikely(!c)) {
		preempt_enable();
		return ga_alloc_nested(central, gfp);
	}
	v = ga_central_alloc(central, *this_cpu_ptr(central->slot), gfp);
	ga_mcache_leave();
	return v;
}

/* The first attempt failed: as ga_malloc_retry(), but the caller reports. */
static noinline void *ga_alloc_retry(struct ga_mcentral *central, gfp_t gfp)
{
	unsigned long tries = 0;
	bool trimmed = false;
	void *v;

	while (ga_retry(gfp, true, &trimmed, &tries)) {
		v = ga_alloc_once(central, gfp);
		if (v)
			return v;
	}
	return NULL;
}

/**
 * ga_alloc_from() - Allocate an object of @central's class.
 * @central: a goalloc_cache's mcentral
 * @gfp: allocation flags
 *
 * Context: Any context but NMI; sleeps only if @gfp allows.
 * Return: the object, not initialised, or %NULL.
 */
void *ga_alloc_from(struct ga_mcentral *central, gfp_t gfp)
{
	void *v;

	if (unlikely(in_nmi())) {
		ga_refuse_nmi();
		return NULL;
	}
	might_alloc(gfp);
	v = ga_alloc_once(central, gfp);
	if (unlikely(!v))
		v = ga_alloc_retry(central, gfp);
	return v;
}

/**
 * ga_alloc_bulk_from() - Allocate @nr objects of @central's class.
 * @central: a goalloc_cache's mcentral
 * @gfp: allocation flags
 * @nr: how many
 * @p: where to put them
 *
 * Enters the mcache once for all of them, takes each run of them from
 * the span's allocCache window in one loop, and counts them at once.
 *
 * Context: Any context but NMI; sleeps only if @gfp allows.
 * Return: how many were allocated, from 0 to @nr; the caller frees a
 * partial result if it wants all or nothing.
 */
size_t ga_alloc_bulk_from(struct ga_mcentral *central, gfp_t gfp, size_t nr, void **p)
{
	size_t i = 0, counted = 0;
	struct ga_mcache *c;

	if (unlikely(in_nmi())) {
		ga_refuse_nmi();
		return 0;
	}
	might_alloc(gfp);
	c = ga_mcache_enter();
	if (unlikely(!c)) {
		preempt_enable();
		for (i = 0; i < nr; i++) {
			p[i] = ga_alloc_nested(central, gfp);
			if (!p[i])
				break;
		}
		return i;
	}
	while (i < nr) {
		i += ga_next_free_fast_bulk(*this_cpu_ptr(central->slot), p + i, nr - i);
		if (i == nr)
			break;
		/* Counted before a refill that may sleep: the verifier may run. */
		this_cpu_add(*central->nalloc, i - counted);
		counted = i;
		p[i] = ga_mcache_next_free(central, gfp);
		if (!p[i])
			break;
		i++;
	}
	this_cpu_add(*central->nalloc, i - counted);
	ga_mcache_leave();
	return i;
}

/* Can an object of @size bytes ever be had, with large ones from @h? */
static bool ga_size_fits(struct ga_heap *h, size_t size)
{
	/* Not DIV_ROUND_UP(size, 8K): it wraps to 0 pages near SIZE_MAX. */
	return size <= GA_MAX_SMALL_SIZE || size <= ga_heap_max_run(h) << GA_PAGE_SHIFT;
}

static void *ga_alloc_large(struct ga_heap *h, size_t size, gfp_t gfp)
{
	unsigned long npages = DIV_ROUND_UP(size, GA_PAGE_SIZE);
	struct ga_span *s;

	if (!ga_size_fits(h, size))
		return NULL;
	/* kmalloc aligns power-of-two sizes to themselves; so does goalloc. */
	s = ga_heap_alloc_span_aligned(h, npages,
				       is_power_of_2(size) ? min(size, GA_MAX_ALIGN) : 0,
				       GA_SPAN_INIT, 0, gfp);
	if (!s)
		return NULL;
	s->central = NULL;
	s->nelems = 1;
	s->elemsize = 0;
	s->where = GA_WHERE_LARGE;
	/* The state and its count at once, as ga_verify() sees them. */
	preempt_disable();
	/* where before the state that lets frees look at it. */
	smp_store_release(&s->state, GA_SPAN_LARGE);
	this_cpu_inc(ga.mcache->stats.large_allocs);
	preempt_enable();
	return (void *)s->base;
}

/*
 * How long a __GFP_NOFAIL allocation sleeps between attempts, and after how
 * many attempts it says it is stuck (at the cap, most likely).
 */
#define GA_NOFAIL_SLEEP_MS	10
#define GA_NOFAIL_REPORT	(60 * MSEC_PER_SEC / GA_NOFAIL_SLEEP_MS)

/**
 * ga_nofail_retry() - Should a failed allocation be tried again?
 * @gfp: the caller's flags
 * @possible: the request can ever be met (its size fits the heap)
 * @tries: the caller's count of attempts so far, 0 at first
 *
 * __GFP_NOFAIL as the page allocator has it: a caller that may block does
 * not get %NULL. Each attempt has grown the heap if it could (returning
 * wholly free regions first at the cap); this waits a little, as the page
 * allocator's retry loop does for reclaim and the OOM killer, for growth
 * that failed (vmalloc or alloc_pages under memory pressure) to work or,
 * at the cap, for frees to make room, and says so once a minute of it has
 * passed. A request that can never be met (bigger than the heap, or 4 MiB
 * on the direct map) and a caller that cannot block fail as without the
 * flag; the latter is a caller bug, counted in ``nofail_atomic`` with one
 * line once, where the page allocator warns.
 *
 * Context: Any context but NMI; sleeps if it returns true.
 * Return: true if the caller should try again.
 */
bool ga_nofail_retry(gfp_t gfp, bool possible, unsigned long *tries)
{
	if (likely(!(gfp & __GFP_NOFAIL)) || !possible)
		return false;
	if (!gfpflags_allow_blocking(gfp)) {
		atomic_long_inc(&ga.errors.nofail_atomic);
		pr_warn_once("__GFP_NOFAIL without blocking (gfp %pGg) cannot wait: it can fail\n",
			     &gfp);
		return false;
	}
	if (++*tries == GA_NOFAIL_REPORT)
		pr_warn("a __GFP_NOFAIL allocation has waited %lu s for room (heap at its cap?)\n",
			(unsigned long)GA_NOFAIL_REPORT * GA_NOFAIL_SLEEP_MS / MSEC_PER_SEC);
	atomic_long_inc(&ga.errors.nofail_waits);
	msleep(GA_NOFAIL_SLEEP_MS);
	return true;
}

/**
 * ga_alloc_failed() - Count a failed allocation; report it unless NOWARN.
 * @size: bytes asked for
 * @gfp: the caller's flags
 *
 * Context: Any context.
 */
void ga_alloc_failed(size_t size, gfp_t gfp)
{
	if (in_nmi())
		return;		/* counted as refused in NMI */
	atomic_long_inc(&ga.errors.alloc_fail);
	if (!gfpflags_allow_blocking(gfp))
		atomic_long_inc(&ga.errors.alloc_fail_atomic);
	if (gfp & __GFP_NOWARN)
		return;
	atomic_long_inc(&ga.errors.alloc_fail_reported);
	pr_warn_ratelimited("allocation of %zu bytes failed, gfp %pGg\n", size, &gfp);
}

/* One attempt of ga_malloc_from(): small class @spc, or a large object. */
static __always_inline void *ga_malloc_once(struct ga_heap *h, size_t size, unsigned int spc,
					    gfp_t gfp)
{
	if (likely(spc))
		return ga_alloc_small(spc, gfp);
	if (unlikely(!size))
		return NULL;
	return ga_alloc_large(h, size, gfp);
}

/*
 * The first attempt failed: try again while the flags and the request
 * allow (kept spans given back, __GFP_NOFAIL), else count the failure.
 * Out of line, so the fast path keeps no retry state.
 */
static noinline void *ga_malloc_retry(struct ga_heap *h, size_t size, unsigned int spc,
				      gfp_t gfp)
{
	unsigned long tries = 0;
	bool trimmed = false;
	void *v;

	while (ga_retry(gfp, size && ga_size_fits(h, size), &trimmed, &tries)) {
		v = ga_malloc_once(h, size, spc, gfp);
		if (v)
			return v;
	}
	ga_alloc_failed(size, gfp);
	return NULL;
}

/**
 * ga_malloc_from() - Allocate @size bytes (Go's mallocgc without the GC).
 * @h: the heap for a large object: the kmalloc family's (ga.kheap), or
 *	the vmalloc heap for goalloc_kvmalloc()
 * @size: 1 or more bytes
 * @gfp: allocation flags; only flags that allow blocking grow the heap
 *
 * Sizes up to 32 KiB come from the size class that fits, larger ones get
 * whole pages of their own from @h. The object's usable size is zeroed if
 * want_init_on_alloc(@gfp) (__GFP_ZERO, or the init_on_alloc policy).
 *
 * Context: Any context but NMI; sleeps only if @gfp allows.
 * Return: the object, or %NULL.
 */
void *ga_malloc_from(struct ga_heap *h, size_t size, gfp_t gfp)
{
	unsigned int spc = 0;
	size_t usable;
	void *v;

	if (unlikely(in_nmi())) {
		ga_refuse_nmi();
		return NULL;
	}
	might_alloc(gfp);
	if (likely(size && size <= GA_MAX_SMALL_SIZE))
		spc = ga_size_class(size);
	v = ga_malloc_once(h, size, spc, gfp);
	if (unlikely(!v)) {
		v = ga_malloc_retry(h, size, spc, gfp);
		if (!v)
			return NULL;
	}
	usable = spc ? ga_class_to_size[spc] : round_up(size, GA_PAGE_SIZE);
	if (want_init_on_alloc(gfp)) {
		ga_kasan_unpoison(v, usable);
		memset(v, 0, usable);
	}
	ga_kasan_set_size(v, size, usable);
	kmemleak_alloc(v, usable, 1, gfp);
	return v;
}

/* ---------------------------------------------------------------------- */
/* Tiny objects                                                           */

static unsigned int ga_tiny_block(struct ga_span *s, unsigned long block)
{
	return (block - s->base) / GA_TINY_SIZE;
}

static __always_inline void ga_free_index(struct ga_span *s, unsigned int idx);

/* Drop @bits from a block's live set; free the block when none is left. */
static void ga_tiny_put(struct ga_span *s, unsigned int idx, unsigned int bits)
{
	unsigned int old = atomic_fetch_andnot(bits, &s->tiny_refs[idx]);

	/* Only a holder drops its bits: the block is not ours to free. */
	if (WARN_ON_ONCE((old & bits) != bits))
		return;
	if (!(old & ~bits & GA_TINY_LIVE)) {
		/* The block is nobody's now: all of it is free. */
		ga_kasan_poison(ga_obj_addr(s, idx), GA_TINY_SIZE, GA_KASAN_FREE);
		preempt_disable();
		ga_free_index(s, idx);
		preempt_enable();
	}
}

/*
 * A fresh block from busy mcache @c; the tiny object is at its start.
 * Returns on the current CPU's mcache, as ga_central_alloc().
 */
static void *ga_tiny_new_block(struct ga_mcache *c, size_t size, gfp_t gfp)
{
	struct ga_span *s, *old_span;
	unsigned long old;
	void *b;

	b = ga_central_alloc(&ga.central[GA_TINY_SPANCLASS], c->alloc[GA_TINY_SPANCLASS], gfp);
	if (!b)
		return NULL;
	c = this_cpu_ptr(ga.mcache);
	/* Not always the slot's span: a refill may keep a span it grew. */
	s = ga_span_lookup(b);
	ga_kasan_poison(b, GA_TINY_SIZE, GA_KASAN_REDZONE);
	ga_kasan_tiny_extend((unsigned long)b, size);
	/* Go keeps whichever block has more room left. */
	if (c->tiny && size >= c->tinyoffset) {
		atomic_set(&s->tiny_refs[ga_tiny_block(s, (unsigned long)b)],
			   BIT(0) | size << GA_TINY_END_SHIFT);
		return b;
	}
	atomic_set(&s->tiny_refs[ga_tiny_block(s, (unsigned long)b)],
		   BIT(0) | GA_TINY_CACHED | size << GA_TINY_END_SHIFT);
	old = c->tiny;
	old_span = c->tiny_span;
	c->tiny = (unsigned long)b;
	c->tiny_span = s;
	c->tinyoffset = size;
	if (old)
		ga_tiny_put(old_span, ga_tiny_block(old_span, old), GA_TINY_CACHED);
	return b;
}

/**
 * ga_malloc_tiny() - Allocate a tiny object (Go's tiny allocator).
 * @size: 1 .. 15 bytes
 * @gfp: allocation flags
 *
 * Packs the object into the CPU's current 16-byte block at the next
 * offset aligned by Go's rule: 8 if @size is a multiple of 8, 4 if of 4,
 * 2 if even, else 1. Blocks are freed when their last object is. The
 * object's @size bytes are zeroed if want_init_on_alloc(@gfp).
 *
 * Context: Any context but NMI; sleeps only if @gfp allows.
 * Return: the object, or %NULL (also for a size outside 1 .. 15).
 */
void *ga_malloc_tiny(size_t size, gfp_t gfp)
{
	unsigned long tries = 0;
	bool trimmed = false;
	struct ga_mcache *c;
	unsigned int off;
	void *v;

	if (unlikely(in_nmi())) {
		ga_refuse_nmi();
		return NULL;
	}
	might_alloc(gfp);
	if (unlikely(!size || size >= GA_TINY_SIZE)) {
		ga_alloc_failed(size, gfp);
		return NULL;
	}
again:
	c = ga_mcache_enter();
	if (unlikely(!c)) {
		preempt_enable();
		v = ga_alloc_nested(&ga.central[GA_TINY_SPANCLASS], gfp);
		if (v) {
			struct ga_span *s = ga_span_lookup(v);

			atomic_set(&s->tiny_refs[ga_tiny_block(s, (unsigned long)v)],
				   BIT(0) | size << GA_TINY_END_SHIFT);
			ga_kasan_poison(v, GA_TINY_SIZE, GA_KASAN_REDZONE);
			ga_kasan_tiny_extend((unsigned long)v, size);
			this_cpu_inc(ga.mcache->stats.tiny_allocs);
		}
		goto out;
	}

	off = c->tinyoffset;
	if (size % 8 == 0)
		off = ALIGN(off, 8);
	else if (size % 4 == 0)
		off = ALIGN(off, 4);
	else if (size % 2 == 0)
		off = ALIGN(off, 2);
	if (c->tiny && off + size <= GA_TINY_SIZE) {
		struct ga_span *s = c->tiny_span;
		unsigned int grow = off + size - c->tinyoffset;

		/*
		 * KASAN first: once the start bit is set, a free of an
		 * earlier object in the block (an interrupt, another CPU)
		 * wipes up to it, padding included.
		 */
		ga_kasan_tiny_extend(c->tiny, off + size);
		/* A new start bit (above all others) and the end moves up. */
		atomic_add(BIT(off) + (grow << GA_TINY_END_SHIFT),
			   &s->tiny_refs[ga_tiny_block(s, c->tiny)]);
		v = (void *)(c->tiny + off);
		c->tinyoffset = off + size;
	} else {
		v = ga_tiny_new_block(c, size, gfp);
	}
	/* Counted with the mcache busy: with its start bit, for ga_verify(). */
	if (v)
		this_cpu_inc(ga.mcache->stats.tiny_allocs);
	ga_mcache_leave();
out:
	if (unlikely(!v)) {
		if (ga_retry(gfp, true, &trimmed, &tries))
			goto again;
		ga_alloc_failed(size, gfp);
		return NULL;
	}
	if (want_init_on_alloc(gfp))
		memset(v, 0, size);
	kmemleak_alloc(v, size, 1, gfp);
	return v;
}

/* ---------------------------------------------------------------------- */
/* Free                                                                   */

enum ga_bad_free { GA_DOUBLE_FREE, GA_INVALID_FREE, GA_INTERIOR_FREE };

/* Count and report a refused free, one ratelimited line per kind. */
static void ga_refuse_free(enum ga_bad_free kind, const void *p)
{
	switch (kind) {
	case GA_DOUBLE_FREE:
		atomic_long_inc(&ga.errors.double_free);
		pr_warn_ratelimited("refused double free of %p\n", p);
		break;
	case GA_INVALID_FREE:
		atomic_long_inc(&ga.errors.invalid_free);
		pr_warn_ratelimited("refused free of %p, which goalloc did not hand out\n", p);
		break;
	case GA_INTERIOR_FREE:
		atomic_long_inc(&ga.errors.interior_free);
		pr_warn_ratelimited("refused free of %p, inside an object\n", p);
		break;
	}
}

/**
 * ga_refuse_nmi() - Count and report a call from NMI context, refused.
 *
 * Allocation returns %NULL and free leaves the object allocated: both
 * take locks an NMI may have interrupted.
 *
 * Context: NMI.
 */
void ga_refuse_nmi(void)
{
	atomic_long_inc(&ga.errors.nmi);
	pr_warn_once("refused a call from NMI context; later ones are only counted\n");
}

/**
 * ga_sweep_refused() - A sweep refused @n remote frees as double frees.
 * @s: the span
 * @n: how many
 *
 * Those frees were counted when they set their bits; uncount them.
 *
 * Context: Any context; preemption disabled.
 */
void ga_sweep_refused(struct ga_span *s, unsigned int n)
{
	atomic_long_add(n, &ga.errors.double_free);
	this_cpu_sub(*s->central->nfree, n);
	pr_warn_ratelimited("refused %u double free%s in a span of %u-byte objects\n",
			    n, n == 1 ? "" : "s", s->elemsize);
}

/*
 * Spans of at most this many objects take their cursor back on a free of
 * the object it handed out last. One of more objects runs dry, and is
 * swept, at most once per that many allocate+free pairs, which costs each
 * pair less than taking the cursor back with its full barrier. The bench
 * (instructions) puts the two equal at about 22 objects a span, counting
 * the barrier as one instruction; a real CPU pays tens of cycles for it.
 */
#define GA_UNDO_MAX_OBJECTS	16

/*
 * Free allocated object @idx of this CPU's span @s, with its mcache busy,
 * by taking the cursor @fi back to it: the span holds few objects, and
 * @idx is the object the cursor handed out last (@idx + 1 == @fi; all
 * the span's objects are in one alloc_cache word; and free in alloc_bits,
 * so that at or above the cursor it reads as free). The next allocation
 * hands @idx out again from alloc_cache, with no sweep: the LIFO reuse a
 * freelist gives. Returns false to free it the usual way.
 *
 * A remote free of @idx that races with this one (a double free) decides
 * by the cursor it reads after setting its bit, as outside any sweep.
 * Store buffering: the cursor is stored, a full barrier, then the remote
 * bit is looked at, while the remote free sets its bit (fully ordered)
 * and then reads the cursor; one of the two sees the other. A remote
 * free that read the old cursor took the object as allocated, and this
 * free sees its bit: the cursor goes forward again, the free is marked
 * in local_free, and the sweep refuses one of the two. One that read
 * the new cursor takes its bit back and is refused.
 */
static __always_inline bool ga_free_undo(struct ga_span *s, unsigned int idx,
					 unsigned int fi)
{
	/* The cursor has one writer, the owner; remote frees read it. */
	ASSERT_EXCLUSIVE_WRITER(s->freeindex);
	WRITE_ONCE(s->freeindex, idx);
	/* The cursor before the look; pairs with ga_free_remote()'s bit-set. */
	smp_mb();
	ga_test_point(GA_TP_FREE_UNDONE, s);
	if (unlikely(test_bit(idx, s->remote_free))) {
		WRITE_ONCE(s->freeindex, fi);
		return false;
	}
	s->alloc_cache = (s->alloc_cache << 1) | 1;
	return true;
}

/*
 * Does this CPU cache @s? With its mcache busy, the answer stays true
 * until it leaves: only this CPU uncaches its spans.
 */
static __always_inline bool ga_span_mine(struct ga_span *s)
{
	/* Pairs with ga_central_cached(): owner is the cacher's. */
	return smp_load_acquire(&s->where) == GA_WHERE_CACHE &&
	       READ_ONCE(s->owner) == smp_processor_id();
}

/*
 * Free object @idx of this CPU's span @s (ga_span_mine()), with its mcache
 * busy. Returns false if refused as a double free; the caller counts the
 * free in nfree otherwise.
 */
static __always_inline bool ga_free_mine(struct ga_span *s, unsigned int idx)
{
	unsigned int fi, w = idx / 64;
	u64 bit = BIT_ULL(idx % 64);

	/*
	 * ga_span_obj_allocated() as the owner sees it: it alone writes
	 * these fields, so plain loads, each once, serve the undo too.
	 */
	fi = s->freeindex;
	if ((idx >= fi && !(s->alloc_bits[w] & bit)) || (s->local_free[w] & bit) ||
	    test_bit(idx, s->remote_free)) {
		ga_refuse_free(GA_DOUBLE_FREE, ga_obj_addr(s, idx));
		return false;
	}
	ga_test_point(GA_TP_LOCAL_FREE, s);
	/* The cursor's last object, of a span of one alloc_cache word: take it back. */
	BUILD_BUG_ON(GA_UNDO_MAX_OBJECTS > 64);
	if (s->nelems > GA_UNDO_MAX_OBJECTS || idx + 1 != fi || (s->alloc_bits[w] & bit) ||
	    !ga_free_undo(s, idx, fi)) {
		/* Only the owner writes local_free; remote frees and sweeps read it. */
		ASSERT_EXCLUSIVE_WRITER(s->local_free[w]);
		WRITE_ONCE(s->local_free[w], s->local_free[w] | bit);
		s->nlocal++;
	}
	s->alloc_count--;
	return true;
}

/*
 * A free by the CPU that caches @s, with its mcache busy. Returns false if
 * @s is not this CPU's, and the free must go remote.
 */
static __always_inline bool ga_free_local(struct ga_span *s, unsigned int idx)
{
	if (!ga_span_mine(s))
		return false;
	if (ga_free_mine(s, idx))
		this_cpu_inc(*s->central->nfree);
	return true;
}

/*
 * Is object @idx of @s allocated, as a remote free sees it: decided only
 * outside a sweep and if no sweep ran since @seq0, the sweep count read
 * before the free set its bit; else left to the sweep, which saw the bit.
 * Without @seq0, a free whose bit a sweep had already consumed could find
 * the object free (or reallocated and freed by another CPU meanwhile) and
 * take back the other free's bit. Called with the free's bit already set.
 */
static bool ga_remote_free_valid(struct ga_span *s, unsigned int idx, unsigned int seq0)
{
	/* After the bit-set (a full barrier); pairs with ga_span_sweep(). */
	unsigned int seq = smp_load_acquire(&s->sweepseq);
	bool allocated;

	if (seq != seq0 || (seq & 1))
		return true;	/* a sweep saw the bit, or its second look will */
	allocated = ga_span_obj_allocated(s, idx);
	/* The look before the second read; pairs with ga_span_sweep(). */
	smp_rmb();
	if (READ_ONCE(s->sweepseq) != seq)
		return true;	/* a sweep ran meanwhile and saw the bit */
	if (allocated)
		return true;
	/* Not allocated, and no sweep took the bit: a double free. */
	return !test_and_clear_bit(idx, s->remote_free);
}

/*
 * A free from anywhere else: mark it in remote_free, never wait. The
 * test-and-set decides between two remote frees of one object; a free
 * that races with the owner's or with a sweep is settled by the sweep,
 * which refuses bits of objects that were not allocated (see
 * ga_span_sweep()).
 */
static noinline void ga_free_remote(struct ga_span *s, unsigned int idx)
{
	struct ga_mcentral *central = s->central;
	/* Before the bit-set, which is fully ordered. */
	unsigned int where, seq0 = READ_ONCE(s->sweepseq);
	int pending;

	if (test_and_set_bit(idx, s->remote_free) || !ga_remote_free_valid(s, idx, seq0)) {
		ga_refuse_free(GA_DOUBLE_FREE, ga_obj_addr(s, idx));
		return;
	}
	this_cpu_inc(*central->nfree);
	/* Fully ordered: the bit and the count before where is read. */
	pending = atomic_inc_return(&s->npending);
	/* Pairs with ga_central_place(): alloc_count is as placed. */
	where = smp_load_acquire(&s->where);
	if (where == GA_WHERE_FULL ||
	    (where == GA_WHERE_PARTIAL && pending >= READ_ONCE(s->alloc_count)))
		ga_mcentral_notify(central, s);
}

/*
 * Free object @idx of small span @s: locally if this CPU caches the span
 * and its mcache is not busy, else remotely. Preemption must be disabled:
 * that pins the CPU, and it is an RCU read-side section that keeps the
 * span's metadata from being reused meanwhile (see ga_central_release()).
 */
static __always_inline void ga_free_index(struct ga_span *s, unsigned int idx)
{
	struct ga_mcache *c = this_cpu_ptr(ga.mcache);
	bool done = false;

	if (likely(!READ_ONCE(c->busy))) {
		WRITE_ONCE(c->busy, 1);
		barrier();
		done = ga_free_local(s, idx);
		barrier();
		WRITE_ONCE(c->busy, 0);
	}
	if (!done)
		ga_free_remote(s, idx);
}

/* Wipe a freed object's bytes: for kfree_sensitive, or for init_on_free. */
static void ga_wipe(const void *p, size_t n, bool sensitive)
{
	if (sensitive)
		memzero_explicit((void *)p, n);
	else
		memset((void *)p, 0, n);
}

/*
 * A large object: claim its span, wipe it if asked to, give it back.
 * Called in the lookup's preempt-off section, which it ends.
 */
static void ga_free_large(struct ga_span *s, const void *p, bool sensitive)
{
	/* The struct is still the span this address was in at the lookup. */
	if ((unsigned long)p != s->base) {
		preempt_enable();
		ga_refuse_free(GA_INTERIOR_FREE, p);
		return;
	}
	/* The claim and its count at once, as ga_verify() sees them. */
	if (cmpxchg(&s->where, GA_WHERE_LARGE, GA_WHERE_NONE) != GA_WHERE_LARGE) {
		preempt_enable();
		ga_refuse_free(GA_DOUBLE_FREE, p);
		return;
	}
	this_cpu_inc(ga.mcache->stats.large_frees);
	preempt_enable();
	kmemleak_free(p);
	if (sensitive || want_init_on_free()) {
		/* Its redzone too: valid again until the heap takes it back. */
		ga_kasan_unpoison(p, ga_span_bytes(s));
		ga_wipe(p, ga_span_bytes(s), sensitive);
	}
	/* The struct after a grace period: a racing double free may hold it. */
	ga_heap_free_span_rcu(s->heap, s);
}

static size_t ga_tiny_extent(struct ga_span *s, unsigned int idx, unsigned int o);

static void ga_free_tiny(struct ga_span *s, unsigned int idx, const void *p, bool sensitive)
{
	unsigned int o = (unsigned long)p % GA_TINY_SIZE, bit = BIT(o), old;

	/* While its start bit is set, the object pins its block. */
	if (sensitive || want_init_on_free()) {
		size_t n = ga_tiny_extent(s, idx, o);

		if (n)
			ga_wipe(p, n, sensitive);
	}
	/* kmemleak knows it by its start: only a live object's, before the free. */
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) && (atomic_read(&s->tiny_refs[idx]) & bit))
		kmemleak_free(p);
	old = atomic_fetch_andnot(bit, &s->tiny_refs[idx]);
	if (!(old & bit)) {
		/*
		 * No tiny object starts here: freed already, or a pointer
		 * inside one. Sizes are not kept, so both count as double.
		 */
		ga_refuse_free(GA_DOUBLE_FREE, p);
		return;
	}
	this_cpu_inc(ga.mcache->stats.tiny_frees);
	if (!(old & ~bit & GA_TINY_LIVE)) {
		ga_kasan_poison(ga_obj_addr(s, idx), GA_TINY_SIZE, GA_KASAN_FREE);
		ga_free_index(s, idx);
	}
}

/*
 * The checks and wipes of a free of small or tiny object @p of span @s,
 * whose state the caller loaded, with preemption disabled. @central, if
 * not NULL, is the class the object must belong to. A tiny object is
 * freed here. Returns the index of the small object to free, or -1 if
 * there is none: refused, or tiny.
 */
static __always_inline int ga_free_prepare(struct ga_span *s, u8 state, const void *p,
					   struct ga_mcentral *central, bool sensitive)
{
	unsigned long off;
	unsigned int idx;

	if (unlikely(state != GA_SPAN_INUSE || (central && s->central != central))) {
		ga_refuse_free(GA_INVALID_FREE, p);
		return -1;
	}
	off = (unsigned long)p - s->base;
	idx = likely(s->divmul) ? ((u64)off * s->divmul) >> 32 : off / s->elemsize;
	if (unlikely(idx >= s->nelems)) {
		ga_refuse_free(GA_INVALID_FREE, p);
		return -1;
	}
	if (s->spanclass == GA_TINY_SPANCLASS) {
		ga_free_tiny(s, idx, p, sensitive);
		return -1;
	}
	if (unlikely(off != (unsigned long)idx * s->elemsize)) {
		ga_refuse_free(GA_INTERIOR_FREE, p);
		return -1;
	}
	/*
	 * init_on_free wipes objects, but not constructed ones nor those of a
	 * type-safe cache, which RCU readers may still read (as SLUB).
	 */
	if ((sensitive ||
	     (want_init_on_free() && !s->central->ctor && !s->central->typesafe_rcu)) &&
	    ga_span_obj_allocated(s, idx)) {
		ga_kasan_unpoison(p, s->elemsize);
		ga_wipe(p, s->elemsize, sensitive);
	}
	/*
	 * Invalid before the free is published and the object can be handed
	 * out again. One already free is left as it is, and refused below.
	 * A type-safe cache's freed objects stay valid memory, as SLUB's.
	 */
	if (!ga_kasan_is_free(p) && !s->central->typesafe_rcu)
		ga_kasan_poison(p, s->elemsize, GA_KASAN_FREE);
	/* Unknown to kmemleak if it was free already: then a no-op. */
	kmemleak_free(p);
	return idx;
}

/* ga_free() of a small or tiny object; as ga_free_prepare(). */
static __always_inline void ga_free_small(struct ga_span *s, u8 state, const void *p,
					  struct ga_mcentral *central, bool sensitive)
{
	int idx = ga_free_prepare(s, state, p, central, sensitive);

	if (idx >= 0)
		ga_free_index(s, idx);
}

static void ga_free_from_nmi(const void *p, struct ga_mcentral *central, bool sensitive);

/* ga_free() and friends. */
static __always_inline void __ga_free(const void *p, struct ga_mcentral *central,
				      bool sensitive)
{
	struct ga_span *s;
	u8 state;

	if (unlikely(in_nmi())) {
		ga_free_from_nmi(p, central, sensitive);
		return;
	}
	/*
	 * From the lookup on: the span may be freed meanwhile (a double free
	 * races the object's free), and its struct, reused only after a
	 * grace period, must not be another span's before the free has made
	 * its checks (a small span) or its claim (a large one).
	 */
	preempt_disable();
	s = ga_span_lookup(p);
	if (unlikely(!s)) {
		preempt_enable();
		ga_refuse_free(GA_INVALID_FREE, p);
		return;
	}
	/* Pairs with the release that made the span's fields valid. */
	state = smp_load_acquire(&s->state);
	if (state == GA_SPAN_LARGE && !central) {
		ga_test_point(GA_TP_LARGE_FREE, s);
		/* Claimed in this section; it ends there. */
		ga_free_large(s, p, sensitive);
		return;
	}
	ga_free_small(s, state, p, central, sensitive);
	preempt_enable();
}

/**
 * ga_free() - Free an object from ga_malloc(), ga_malloc_tiny() or a
 *	goalloc_cache.
 * @p: the object
 *
 * Double frees, pointers goalloc did not hand out and pointers inside an
 * object are refused: counted, reported (ratelimited), heap untouched.
 * The span lookup and a small object's free (a large object's claim) run
 * with preemption disabled, an RCU read-side section that keeps span
 * metadata from being recycled under them. The object is wiped first if
 * want_init_on_free(), unless its cache has a constructor. From NMI the
 * free is queued and carried out by an irq_work on the same CPU (refused
 * and counted if its queue is full).
 *
 * Context: Any context.
 */
void ga_free(const void *p)
{
	__ga_free(p, NULL, false);
}

/**
 * ga_free_sensitive() - Free an object, wiping it first.
 * @p: as for ga_free()
 *
 * The object's usable bytes are zeroed with memzero_explicit() once it is
 * known to be a live object of goalloc's, so a refused free wipes nothing.
 *
 * Context: Any context; from NMI, as ga_free().
 */
void ga_free_sensitive(const void *p)
{
	__ga_free(p, NULL, true);
}

/**
 * ga_free_in() - Free an object that must belong to @central's class.
 * @central: a goalloc_cache's mcentral
 * @p: the object
 *
 * As ga_free(); an object of another class is refused as invalid.
 *
 * Context: Any context; from NMI, as ga_free().
 */
void ga_free_in(struct ga_mcentral *central, const void *p)
{
	__ga_free(p, central, false);
}

/*
 * Objects a bulk free takes with preemption disabled, at most, and the
 * bytes they may span (wiped under init_on_free).
 */
#define GA_FREE_BULK_BATCH	64
#define GA_FREE_BULK_BYTES	SZ_64K

/**
 * ga_free_bulk_in() - Free @nr objects that must belong to @central's class.
 * @central: a goalloc_cache's mcentral
 * @nr: how many
 * @p: the objects; %NULL entries are skipped
 *
 * Each object as ga_free_in(), with the same checks, but the mcache is
 * entered once per GA_FREE_BULK_BATCH objects (fewer for objects over
 * 1 KiB: GA_FREE_BULK_BYTES), an object in the span of the one before it
 * needs no span-table lookup, nor, if this CPU caches that span, another
 * look at whose it is, and the local frees are counted at once.
 *
 * Context: Any context; from NMI, each object as ga_free().
 */
void ga_free_bulk_in(struct ga_mcentral *central, size_t nr, void **p)
{
	size_t batch = clamp_t(size_t, GA_FREE_BULK_BYTES / central->elemsize, 1,
			       GA_FREE_BULK_BATCH);
	size_t i = 0, end;

	if (unlikely(in_nmi()))
		goto one_by_one;
	while (i < nr) {
		struct ga_mcache *c = ga_mcache_enter();
		unsigned long span_end = 0, nlocal = 0;
		struct ga_span *s = NULL;
		bool mine = false;

		if (unlikely(!c)) {
			preempt_enable();
			goto one_by_one;
		}
		for (end = min(nr, i + batch); i < end; i++) {
			const void *obj = p[i];
			u8 state;
			int idx;

			if (unlikely(!obj))
				continue;
			/*
			 * A small span's struct is not reused while preemption
			 * is off (see ga_central_release()), its state may
			 * change: loaded for every object.
			 */
			if (!s || (unsigned long)obj - s->base >= span_end) {
				s = ga_span_lookup(obj);
				if (unlikely(!s)) {
					ga_refuse_free(GA_INVALID_FREE, obj);
					continue;
				}
				span_end = ga_span_bytes(s);
				mine = false;
			}
			/* Pairs with the release that made the span's fields valid. */
			state = smp_load_acquire(&s->state);
			idx = ga_free_prepare(s, state, obj, central, false);
			if (idx < 0) {
				/* Refused: perhaps no small span at all. */
				s = NULL;
				continue;
			}
			/* Once mine, @s stays mine until the mcache is left. */
			if (mine || ga_span_mine(s)) {
				mine = true;
				nlocal += ga_free_mine(s, idx);
			} else {
				ga_free_remote(s, idx);
			}
		}
		/* Before the mcache is left: the verifier may run after. */
		this_cpu_add(*central->nfree, nlocal);
		ga_mcache_leave();
	}
	return;
one_by_one:
	for (; i < nr; i++)
		if (p[i])
			__ga_free(p[i], central, false);
}

/*
 * Bytes from tiny object at offset @o of block @idx to the next object's
 * start, or to where the block's last object ends: its size, plus any
 * alignment padding after it that belongs to no object.
 */
static size_t ga_tiny_extent(struct ga_span *s, unsigned int idx, unsigned int o)
{
	unsigned int refs = atomic_read(&s->tiny_refs[idx]);
	unsigned int later = refs & (BIT(GA_TINY_SIZE) - 1) & ~(BIT(o + 1) - 1);

	if (!(refs & BIT(o)))
		return 0;
	if (later)
		return __ffs(later) - o;
	return (refs >> GA_TINY_END_SHIFT) - o;
}

/* Is object @idx of small span @s allocated, as a free would check it? */
static bool ga_obj_live(struct ga_span *s, unsigned int idx)
{
	return ga_span_obj_allocated(s, idx) && !test_bit(idx, s->remote_free);
}

/*
 * The usable size at @p if it is an object's start, else 0; with @live,
 * also 0 for an object not allocated now (a snapshot).
 */
static size_t __ga_usable_size(const void *p, bool *tiny, bool live)
{
	unsigned long off, idx;
	struct ga_span *s;
	size_t n = 0;
	u8 state;

	if (tiny)
		*tiny = false;
	/* The span's struct and bitmaps stay its own until preemption is back. */
	preempt_disable();
	s = ga_span_lookup(p);
	if (!s) {
		preempt_enable();
		return 0;
	}
	/* Pairs with the release that made the span's fields valid. */
	state = smp_load_acquire(&s->state);
	off = (unsigned long)p - s->base;
	if (state == GA_SPAN_LARGE) {
		if (!off && (!live || READ_ONCE(s->where) == GA_WHERE_LARGE))
			n = ga_span_bytes(s);
	} else if (state != GA_SPAN_INUSE || !s->elemsize) {
		n = 0;
	} else if (s->spanclass == GA_TINY_SPANCLASS) {
		idx = off / GA_TINY_SIZE;
		if (idx < s->nelems && (!live || ga_obj_live(s, idx)))
			n = ga_tiny_extent(s, idx, off % GA_TINY_SIZE);
		if (tiny)
			*tiny = true;
	} else if (!(off % s->elemsize) && off / s->elemsize < s->nelems) {
		if (!live || ga_obj_live(s, off / s->elemsize))
			n = s->elemsize;
	}
	preempt_enable();
	return n;
}

/**
 * ga_usable_size() - Bytes usable at an object.
 * @p: an object from ga_malloc() or ga_malloc_tiny()
 *
 * Context: Any context.
 * Return: the size of its class; its pages for a large object; for a tiny
 * object, the bytes up to the next object in its block (at least its
 * size); 0 for a pointer that is not an object.
 */
size_t ga_usable_size(const void *p)
{
	return __ga_usable_size(p, NULL, false);
}
EXPORT_SYMBOL_IF_KUNIT(ga_usable_size);

/**
 * ga_live_size() - Bytes usable at a live object goalloc handed out.
 * @p: any pointer
 *
 * As ga_usable_size(), and the object must be allocated now, as a free
 * would check it. O(1) and lockless; a snapshot: an object freed or
 * allocated meanwhile by another CPU may be seen either way.
 *
 * Context: Any context.
 * Return: the usable size if @p is the start of an object goalloc handed
 * out (of any kind, tiny included) and not yet freed, else 0.
 */
size_t ga_live_size(const void *p)
{
	return __ga_usable_size(p, NULL, true);
}

/**
 * ga_ksize() - Bytes usable at an object, for a caller that uses them all.
 * @p: an object from ga_malloc() or ga_malloc_tiny()
 * @tiny: if not %NULL, set to whether @p is a tiny object
 *
 * As ga_usable_size(). On a KASAN kernel, as SLUB's ksize(): a pointer to
 * memory that is not valid (a freed object) is reported by KASAN and gets
 * 0; a live object's whole usable size becomes valid. A tiny object's
 * bytes up to the next object already are.
 *
 * Context: Any context.
 * Return: the usable size, or 0.
 */
size_t ga_ksize(const void *p, bool *tiny)
{
	bool is_tiny;
	size_t n = __ga_usable_size(p, &is_tiny, false);

	if (tiny)
		*tiny = is_tiny;
	if (!n || is_tiny)
		return n;
	if (!ga_kasan_check_live(p))
		return 0;
	ga_kasan_unpoison(p, n);
	return n;
}

/* ---------------------------------------------------------------------- */
/* Frees from NMI                                                         */

/* In NMI: queue the free for this CPU's irq_work, or refuse it. */
static void ga_free_from_nmi(const void *p, struct ga_mcentral *central, bool sensitive)
{
	struct ga_mcache *c = this_cpu_ptr(ga.mcache);
	unsigned int head = c->nmi_head;
	struct ga_nmi_free *e;

	/* The drain only ever advances the tail: a stale one is safe. */
	if (head - READ_ONCE(c->nmi_tail) >= GA_NMI_RING) {
		ga_refuse_nmi();
		return;
	}
	e = &c->nmi_ring[head % GA_NMI_RING];
	e->p = p;
	e->central = central;
	e->sensitive = sensitive;
	/* The entry before the head that publishes it. */
	smp_store_release(&c->nmi_head, head + 1);
	irq_work_queue(&c->nmi_work);
}

/*
 * Carry out @c's queued frees: the one consumer of its ring, so on its
 * CPU (its irq_work, or a flush of its own mcache), or after the CPU
 * died; with interrupts off, so that the irq_work cannot drain the ring
 * in the middle of a flush's drain and free an entry a second time.
 */
static void ga_nmi_drain(struct ga_mcache *c)
{
	unsigned int tail;
	unsigned long flags;

	local_irq_save(flags);
	tail = c->nmi_tail;
	/* Pairs with the NMI's release of the head: the entry is whole. */
	while (tail != smp_load_acquire(&c->nmi_head)) {
		struct ga_nmi_free e = c->nmi_ring[tail % GA_NMI_RING];

		ga_test_point(GA_TP_NMI_DRAIN, c);
		/* Copied: the slot is the NMI's again. */
		WRITE_ONCE(c->nmi_tail, ++tail);
		__ga_free(e.p, e.central, e.sensitive);
		/* Only the drain writes it; the stats read it from anywhere. */
		WRITE_ONCE(c->stats.nmi_frees, c->stats.nmi_frees + 1);
	}
	local_irq_restore(flags);
}

static void ga_nmi_work(struct irq_work *work)
{
	ga_nmi_drain(container_of(work, struct ga_mcache, nmi_work));
}

/**
 * ga_mcache_nmi_sync() - Wait until @cpu's queued NMI frees are done.
 * @cpu: a possible CPU
 *
 * Context: Process context (unload), with no NMI user left.
 */
void ga_mcache_nmi_sync(int cpu)
{
	irq_work_sync(&per_cpu_ptr(ga.mcache, cpu)->nmi_work);
}

/* ---------------------------------------------------------------------- */
/* Flushing                                                               */

/**
 * ga_mcache_init() - Set up an empty per-CPU cache (Go's allocmcache).
 * @c: the cache
 */
void ga_mcache_init(struct ga_mcache *c)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < GA_NUM_SPAN_CLASSES; i++)
		c->alloc[i] = &ga_emptyspan;
	init_irq_work(&c->nmi_work, ga_nmi_work);
}

/**
 * ga_slot_flush() - Give back @cpu's cached span of @central's class.
 * @central: the class
 * @cpu: this CPU with its mcache busy, or a CPU nobody allocates on now
 *
 * Context: Any context but NMI.
 */
void ga_slot_flush(struct ga_mcentral *central, int cpu)
{
	struct ga_span **slot = per_cpu_ptr(central->slot, cpu);
	struct ga_span *s = *slot;

	if (s == &ga_emptyspan)
		return;
	*slot = &ga_emptyspan;
	ga_mcentral_uncache_span(central, s);
}

/**
 * ga_mcache_flush() - Give every cached span back (Go's releaseAll).
 * @cpu: this CPU with its mcache busy, or a dead CPU
 *
 * The size classes' spans, the tiny block and every goalloc_cache's span.
 *
 * Context: Any context but NMI; ga.caches_lock held (which also keeps
 * ga_verify() from seeing a flush half done).
 */
void ga_mcache_flush(int cpu)
{
	struct ga_mcache *c = per_cpu_ptr(ga.mcache, cpu);
	struct goalloc_cache *cache;
	unsigned int i;

	lockdep_assert_held(&ga.caches_lock);
	/* Frees an NMI queued on @cpu that its irq_work did not get to. */
	ga_nmi_drain(c);
	if (c->tiny) {
		struct ga_span *s = c->tiny_span;
		unsigned long block = c->tiny;

		c->tiny = 0;
		c->tiny_span = NULL;
		c->tinyoffset = 0;
		ga_tiny_put(s, ga_tiny_block(s, block), GA_TINY_CACHED);
	}
	for (i = 1; i < GA_NUM_SPAN_CLASSES; i++)
		ga_slot_flush(&ga.central[i], cpu);
	list_for_each_entry(cache, &ga.caches, node)
		ga_slot_flush(&cache->central, cpu);
}

static void ga_drain_this_cpu(struct work_struct *unused)
{
	struct ga_mcache *c = ga_mcache_enter();

	if (WARN_ON_ONCE(!c)) {
		preempt_enable();
		return;
	}
	spin_lock(&ga.caches_lock);
	ga_mcache_flush(smp_processor_id());
	spin_unlock(&ga.caches_lock);
	ga_mcache_leave();
}

/*
 * Trim every mcentral's empty list: all of it, or only idle ones; sets
 * *@kept if spans stay on any. The size classes' need no lock but their
 * own; the caches' lists do. Returns the number of spans given back.
 */
static unsigned long ga_trim_centrals(bool all, bool *kept)
{
	struct goalloc_cache *cache;
	unsigned long n = 0;
	unsigned int i;

	for (i = 1; i < GA_NUM_SPAN_CLASSES; i++)
		n += ga_mcentral_trim(&ga.central[i], all, kept);
	spin_lock(&ga.caches_lock);
	list_for_each_entry(cache, &ga.caches, node)
		n += ga_mcentral_trim(&cache->central, all, kept);
	list_for_each_entry(cache, &ga.zombies, node)
		n += ga_mcentral_trim(&cache->central, all, kept);
	spin_unlock(&ga.caches_lock);
	return n;
}

/**
 * ga_trim_all() - Give every mcentral's empty spans back to the heap.
 *
 * Context: Process context.
 * Return: the number of spans given back.
 */
unsigned long ga_trim_all(void)
{
	return ga_trim_centrals(true, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(ga_trim_all);

/**
 * ga_retry() - A failed allocation: should it be tried again?
 * @gfp: the caller's flags
 * @possible: the request can ever be met (its size fits the heap)
 * @trimmed: the caller's, false at first: kept spans were given back
 *	since its last wait
 * @tries: the caller's count for ga_nofail_retry(), 0 at first
 *
 * The heap is full (at its cap, or growth failed); spans the mcentrals
 * keep empty may be what is missing. A caller that may block gives them
 * all back and tries again if there were any, once per wait; then
 * __GFP_NOFAIL waits (ga_nofail_retry()). A caller that may not block
 * cannot take the locks of every list, and fails as before (the heap's
 * headroom is for those); nor does one that passed a blocking gfp from
 * an interrupt or with interrupts off, a caller bug.
 *
 * Context: Any context but NMI; preemption enabled and no lock held if
 * @gfp allows blocking.
 * Return: true if the caller should try again.
 */
bool ga_retry(gfp_t gfp, bool possible, bool *trimmed, unsigned long *tries)
{
	if (!possible)
		return false;
	if (!*trimmed && gfpflags_allow_blocking(gfp) && in_task() && !irqs_disabled()) {
		*trimmed = true;
		if (ga_trim_all())
			return true;
	}
	if (!ga_nofail_retry(gfp, true, tries))
		return false;
	/* Frees during the wait may have filled the lists again. */
	*trimmed = false;
	return true;
}

/**
 * ga_drain_all() - Flush every online CPU's mcache.
 *
 * Each CPU flushes its own, from a work item bound to it. Afterwards every
 * span with no allocated object is back in the heap, the mcentrals' empty
 * spans too, and the pages every CPU's page cache held are free in the
 * page allocator again: nothing per CPU holds memory.
 *
 * Context: Process context; sleeps.
 * Return: 0 or -ENOMEM.
 */
int ga_drain_all(void)
{
	struct work_struct __percpu *works = alloc_percpu(struct work_struct);
	int cpu;

	if (!works)
		return -ENOMEM;
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		INIT_WORK(per_cpu_ptr(works, cpu), ga_drain_this_cpu);
		queue_work_on(cpu, system_wq, per_cpu_ptr(works, cpu));
	}
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(works, cpu));
	cpus_read_unlock();
	free_percpu(works);
	ga_trim_all();
	ga_heap_drain_pcaches(&ga.heap);
	ga_heap_drain_pcaches(&ga.dheap);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ga_drain_all);

/* Drains of a heap that gave nothing back: at most one per this many periods. */
#define GA_TRIM_BACKOFF_MAX	64

/*
 * Should the trim work drain the CPUs' caches for @h, with @t its record
 * of @h? Only while @h holds grown regions and at most half its pages are
 * in spans: the caches may be what keeps those regions mapped. A drain
 * is due at once when @h changed size since the last one, or half of the
 * pages then in spans were freed since; else (live spans pin the
 * regions, or the caches filled up again) after 1, 2, 4, ... up to
 * GA_TRIM_BACKOFF_MAX periods, so an idle heap is not drained every
 * period. *@watch is set while @h needs looking at again.
 */
static bool ga_trim_heap_due(struct ga_heap *h, struct ga_trim_heap *t, bool *watch)
{
	unsigned long mapped, free_pages, largest;
	struct ga_heap_stats st;

	ga_heap_read_stats(h, &st, &mapped, &free_pages, &largest);
	if (mapped <= h->arena_bytes || st.pages_inuse > (mapped >> GA_PAGE_SHIFT) / 2) {
		*t = (struct ga_trim_heap){};
		return false;
	}
	*watch = true;
	if (mapped != t->mapped || st.pages_inuse < t->inuse / 2) {
		t->backoff = 0;
	} else if (t->skip) {
		t->skip--;
		return false;
	}
	t->mapped = mapped;
	t->inuse = st.pages_inuse;
	t->backoff = clamp(2 * t->backoff, 1U, GA_TRIM_BACKOFF_MAX);
	t->skip = t->backoff - 1;
	return true;
}

/*
 * Every trim period (the trim_ms parameter; tests change it) while some
 * mcentral keeps empty spans or a heap holds grown regions it may give
 * back: the empty lists nothing was taken from since the last run go
 * back to the heap. And when such a heap is mostly free, every CPU's
 * cached spans go back too (a drain, as Go's mcaches are flushed at every
 * GC cycle), so that a few spans cached per CPU do not keep its regions
 * mapped, and the regions left free go back at once.
 */
static void ga_trim_work(struct work_struct *work)
{
	bool kept = false, watch = false;

	ga_trim_centrals(false, &kept);
	/* Both heaps are looked at: each keeps its record. */
	if (ga_trim_heap_due(&ga.heap, &ga.trim_heap[0], &watch) |
	    ga_trim_heap_due(&ga.dheap, &ga.trim_heap[1], &watch)) {
		atomic_long_inc(&ga.trim_drains);
		if (!ga_drain_all()) {
			kept = false;
			ga_heap_return_free(&ga.heap);
			ga_heap_return_free(&ga.dheap);
		}
	}
	if (kept || watch)
		ga_trim_arm();
}

/**
 * ga_trim_arm() - Run the trim work a period from now, if not queued.
 *
 * Context: Any context but NMI.
 */
void ga_trim_arm(void)
{
	unsigned long period = READ_ONCE(ga.trim_period);

	if (period && !delayed_work_pending(&ga.trim_work))
		queue_delayed_work(system_unbound_wq, &ga.trim_work, period);
}
EXPORT_SYMBOL_IF_KUNIT(ga_trim_arm);

/**
 * ga_trim_init() - Set up the trim work.
 * @period: jiffies between its runs; 0 never runs it
 */
void ga_trim_init(unsigned long period)
{
	INIT_DELAYED_WORK(&ga.trim_work, ga_trim_work);
	ga.trim_period = period;
}

/**
 * ga_trim_exit() - Stop the trim work; nothing may arm it again.
 *
 * Context: Process context; sleeps.
 */
void ga_trim_exit(void)
{
	cancel_delayed_work_sync(&ga.trim_work);
}

/* ---------------------------------------------------------------------- */
/* Verification (ga_verify(), with every CPU stopped)                     */

/**
 * ga_mcache_tiny_block() - Is @block some CPU's current tiny block?
 * @block: address of a 16-byte block
 *
 * Context: ga_verify(), every other CPU stopped.
 * Return: true if a CPU packs tiny objects into it.
 */
bool ga_mcache_tiny_block(unsigned long block)
{
	int cpu;

	for_each_possible_cpu(cpu)
		if (per_cpu_ptr(ga.mcache, cpu)->tiny == block)
			return true;
	return false;
}

/**
 * ga_mcache_verify() - Check every CPU's mcache.
 * @v: the verification run
 *
 * No mcache is busy (every fast path runs with preemption disabled, so
 * none was interrupted by the stop); each current tiny block belongs to
 * a live tiny span, is marked cached and ends where the CPU packs next.
 *
 * Context: ga_verify(), every other CPU stopped.
 */
void ga_mcache_verify(struct ga_verify *v)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ga_mcache *c = per_cpu_ptr(ga.mcache, cpu);
		struct ga_span *s = c->tiny_span;
		unsigned int refs;

		if (c->busy)
			ga_verify_fail(v, "CPU %d: mcache busy at a stop", cpu);
		if (!c->tiny)
			continue;
		if (!cpu_online(cpu))
			ga_verify_fail(v, "CPU %d: offline, with a tiny block", cpu);
		if (!s || ga_span_lookup((void *)c->tiny) != s ||
		    s->state != GA_SPAN_INUSE || s->spanclass != GA_TINY_SPANCLASS ||
		    (c->tiny - s->base) % GA_TINY_SIZE || c->tinyoffset > GA_TINY_SIZE) {
			ga_verify_fail(v, "CPU %d: tiny block is not a block of a tiny span", cpu);
			continue;
		}
		refs = atomic_read(&s->tiny_refs[ga_tiny_block(s, c->tiny)]);
		if (!(refs & GA_TINY_CACHED) || refs >> GA_TINY_END_SHIFT != c->tinyoffset)
			ga_verify_fail(v, "CPU %d: tiny block refs %#x, offset %u", cpu, refs,
				       c->tinyoffset);
	}
}

/**
 * ga_mcache_verify_count() - Tiny and large counters against the heap.
 * @v: the verification run, after the heap walk
 *
 * Context: ga_verify(), every other CPU stopped.
 */
void ga_mcache_verify_count(struct ga_verify *v)
{
	unsigned long tallocs = 0, tfrees = 0, lallocs = 0, lfrees = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ga_mcache_stats *st = &per_cpu_ptr(ga.mcache, cpu)->stats;

		tallocs += st->tiny_allocs;
		tfrees += st->tiny_frees;
		lallocs += st->large_allocs;
		lfrees += st->large_frees;
	}
	if (tallocs - tfrees != v->tiny_objects)
		ga_verify_fail(v, "tiny: %lu allocations less %lu frees, %lu objects in blocks",
			       tallocs, tfrees, v->tiny_objects);
	if (lallocs - lfrees != v->large_objects)
		ga_verify_fail(v, "large: %lu allocations less %lu frees, %lu large spans",
			       lallocs, lfrees, v->large_objects);
}
