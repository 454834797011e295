// SPDX-License-Identifier: GPL-2.0
/*
 * The central span lists, after Go's mcentral, and the span operations
 * they need: sweeping frees into a span's bitmap and finding free objects.
 *
 * One mcentral per span class keeps the spans of that class that no CPU
 * caches: partial (with free objects) and full. Go's mcentral hands spans
 * to mcaches (cacheSpan), takes them back (uncacheSpan) and asks the heap
 * for new ones (grow); goalloc's does the same, plus what Go's garbage
 * collector does instead of free: it gives a span whose objects are all
 * freed back to the heap, and moves a full span that receives a free to
 * the partial list.
 *
 * Explicit free. Go marks live objects and sweeps; goalloc marks freed
 * ones. The CPU caching a span records its own frees in local_free
 * without atomics; every other free (another CPU, an interrupt that
 * arrived inside the owner's fast path, a span nobody caches) sets the
 * object's bit in remote_free atomically and increments npending. A
 * sweep (Go's sweep, run on demand) folds both into alloc_bits and
 * restarts the allocation cursor. A remote free never waits for the
 * owner: it is one atomic bit-set and one atomic increment, and takes
 * this mcentral's lock only when the span is uncached and needs to move:
 * it was full, or its last object went.
 *
 * Placement protocol. Who decides where an uncached span goes and who
 * frees into it race: a free that finds the span cached leaves the work
 * to the owner, who may just be uncaching it. Both sides use a full
 * barrier between their store and their load (Dekker): the free sets its
 * bit (a fully ordered test_and_set_bit), then reads where;
 * ga_central_place() stores where, then reads the remote bits. At least
 * one of them sees the other, so a span never sits on the full list with
 * a pending free, nor on the partial list with all its objects pending
 * free. npending (incremented after the bit) only decides when a free
 * asks for a placement; a late or stray increment costs a spurious one.
 *
 * Concurrency contract: lists, counters, and the object state of spans
 * on the lists are protected by the mcentral lock, taken irqsave: every
 * function here may run in any context but NMI. ga_span_sweep() and
 * ga_span_next_free_index() need exclusive access to the span's object
 * state: the owner with its mcache busy, or this lock.
 *
 * Lock order: mcentral->lock -> heap->lock.
 */

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/smp.h>
#include <linux/spinlock.h>

#include "goalloc_internal.h"

/**
 * ga_span_sweep() - Fold the span's frees into alloc_bits (Go's sweep).
 * @s: a small span in use, held exclusively
 *
 * Objects below freeindex become set in alloc_bits, freed objects clear,
 * freeindex restarts at 0 and alloc_cache covers the first 64 objects.
 *
 * Context: Any context; the owner with its mcache busy, or c->lock held.
 */
void ga_span_sweep(struct ga_span *s)
{
	unsigned int nw = ga_span_words(s), fi = s->freeindex, nremote = 0, w;

	for (w = 0; w < nw; w++) {
		u64 used = s->alloc_bits[w], freed = s->local_free[w];
		unsigned long remote = 0;

		if (READ_ONCE(s->remote_free[w]))
			remote = xchg(&s->remote_free[w], 0);
		if (fi >= (w + 1) * 64)
			used = ~0ULL;
		else if (fi > w * 64)
			used |= GENMASK_ULL(fi - w * 64 - 1, 0);
		nremote += hweight64(remote);
		WRITE_ONCE(s->alloc_bits[w], used & ~(freed | remote));
		WRITE_ONCE(s->local_free[w], 0);
	}
	/* alloc_bits before the cursor restarts: see ga_span_obj_allocated(). */
	smp_wmb();
	WRITE_ONCE(s->freeindex, 0);
	s->alloc_cache = ~s->alloc_bits[0];
	/* Only racing double frees could make this exceed the count. */
	s->alloc_count -= min_t(unsigned int, nremote, s->alloc_count);
	s->nlocal = 0;
	atomic_sub(nremote, &s->npending);
}

/**
 * ga_span_next_free_index() - The next free object (Go's nextFreeIndex).
 * @s: a small span, held exclusively
 *
 * Advances freeindex past the object returned, refilling alloc_cache
 * from alloc_bits a word at a time. The caller counts the allocation.
 *
 * Context: Any context; the owner with its mcache busy, or c->lock held.
 * Return: the object index, or nelems if the span has none free.
 */
unsigned int ga_span_next_free_index(struct ga_span *s)
{
	unsigned int fi = s->freeindex, n = s->nelems, bit, result;
	u64 cache = s->alloc_cache;

	if (fi == n)
		return n;
	bit = cache ? __ffs64(cache) : 64;
	while (bit == 64) {
		fi = round_up(fi + 1, 64);
		if (fi >= n) {
			WRITE_ONCE(s->freeindex, n);
			return n;
		}
		cache = ~s->alloc_bits[fi / 64];
		bit = cache ? __ffs64(cache) : 64;
	}
	result = fi + bit;
	if (result >= n) {
		WRITE_ONCE(s->freeindex, n);
		s->alloc_cache = 0;
		return n;
	}
	cache = (cache >> bit) >> 1;
	fi = result + 1;
	if (fi % 64 == 0 && fi != n)
		cache = ~s->alloc_bits[fi / 64];
	s->alloc_cache = cache;
	WRITE_ONCE(s->freeindex, fi);
	return result;
}

/*
 * An uncached span with no objects left goes back to the heap. Its pages
 * go now; its struct and bitmaps after an RCU grace period, because a
 * free that made the span empty may still be running on another CPU
 * (between its bit-set and its npending increment, say): frees run with
 * preemption disabled, so none still looks at the span afterwards.
 */
static void ga_central_release(struct ga_mcentral *c, struct ga_span *s)
{
	lockdep_assert_held(&c->lock);
	WRITE_ONCE(s->where, GA_WHERE_NONE);
	/* Frees that load the state from now on refuse the span. */
	smp_store_release(&s->state, GA_SPAN_INIT);
	ga_heap_free_span_rcu(c->heap, s);
}

/* Remote frees not swept yet; npending only approximates it. */
static unsigned int ga_span_remote_count(struct ga_span *s)
{
	unsigned int nw = ga_span_words(s), w, n = 0;

	for (w = 0; w < nw; w++)
		n += hweight_long(READ_ONCE(s->remote_free[w]));
	return n;
}

/* Take @s off the partial or full list it is on. */
static void ga_central_unlist(struct ga_mcentral *c, struct ga_span *s)
{
	lockdep_assert_held(&c->lock);
	list_del(&s->list);
	if (s->where == GA_WHERE_FULL)
		c->nr_full--;
	else
		c->nr_partial--;
}

/*
 * Put an uncached span where it belongs after a sweep: back to the heap
 * if empty, else on the full or partial list. Then check npending, the
 * other half of the placement protocol, and place again if a free raced.
 */
static void ga_central_place(struct ga_mcentral *c, struct ga_span *s)
{
	lockdep_assert_held(&c->lock);
	for (;;) {
		unsigned int dest, pending;

		ga_span_sweep(s);
		if (!s->alloc_count) {
			ga_central_release(c, s);
			return;
		}
		if (s->alloc_count == s->nelems) {
			dest = GA_WHERE_FULL;
			list_add(&s->list, &c->full);
			c->nr_full++;
		} else {
			dest = GA_WHERE_PARTIAL;
			list_add(&s->list, &c->partial);
			c->nr_partial++;
		}
		/* alloc_count before where, for ga_free_remote(). */
		smp_store_release(&s->where, dest);
		/* where before the free bits; pairs with ga_free_remote(). */
		smp_mb();
		pending = ga_span_remote_count(s);
		if (!pending || (dest == GA_WHERE_PARTIAL && pending < s->alloc_count))
			return;
		ga_central_unlist(c, s);
	}
}

/* Mark @s cached by this CPU. */
static void ga_central_cached(struct ga_mcentral *c, struct ga_span *s)
{
	lockdep_assert_held(&c->lock);
	WRITE_ONCE(s->owner, smp_processor_id());
	/* owner before where; pairs with ga_free_local(). */
	smp_store_release(&s->where, GA_WHERE_CACHE);
	c->nr_cached++;
}

/**
 * ga_mcentral_cache_span() - Take a partial span for an mcache (cacheSpan).
 * @c: the mcentral
 *
 * The span is swept, so its cursor sees every free so far, and marked
 * cached by the calling CPU.
 *
 * Context: Any context; preemption disabled (the span is this CPU's).
 * Return: the span, or %NULL if no span has free objects.
 */
struct ga_span *ga_mcentral_cache_span(struct ga_mcentral *c)
{
	struct ga_span *s;
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	while ((s = list_first_entry_or_null(&c->partial, struct ga_span, list))) {
		ga_central_unlist(c, s);
		ga_span_sweep(s);
		if (s->alloc_count < s->nelems) {
			ga_central_cached(c, s);
			break;
		}
		/* Cannot happen: partial spans only gain free objects. */
		WARN_ON_ONCE(1);
		ga_central_place(c, s);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	return s;
}

/**
 * ga_mcentral_uncache_span() - Take back an mcache's span (uncacheSpan).
 * @c: the mcentral
 * @s: the span, cached by the calling CPU (or by a dead CPU being flushed)
 *
 * Context: Any context.
 */
void ga_mcentral_uncache_span(struct ga_mcentral *c, struct ga_span *s)
{
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	c->nr_cached--;
	ga_central_place(c, s);
	spin_unlock_irqrestore(&c->lock, flags);
}

/**
 * ga_mcentral_adopt() - Cache a fresh span from ga_mcentral_grow().
 * @c: the mcentral
 * @s: the span
 * @cache: mark it cached by this CPU; if false, put it on a list instead
 *
 * Context: Any context; preemption disabled if @cache.
 */
void ga_mcentral_adopt(struct ga_mcentral *c, struct ga_span *s, bool cache)
{
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	if (cache)
		ga_central_cached(c, s);
	else
		ga_central_place(c, s);
	spin_unlock_irqrestore(&c->lock, flags);
}

/**
 * ga_mcentral_grow() - A new span of this class from the heap (Go's grow).
 * @c: the mcentral
 * @gfp: allocation flags; the heap grows only if they allow blocking
 *
 * Context: Any context; sleeps only if @gfp allows.
 * Return: a span with every object free, on no list, or %NULL.
 */
struct ga_span *ga_mcentral_grow(struct ga_mcentral *c, gfp_t gfp)
{
	struct ga_span *s;
	unsigned int i;

	s = ga_heap_alloc_span_aligned(c->heap, c->npages, c->align, GA_SPAN_INIT,
				       c->spanclass, gfp);
	if (!s)
		return NULL;
	s->central = c;
	s->nelems = c->nelems;
	s->elemsize = c->elemsize;
	s->divmul = c->divmul;
	s->freeindex = 0;
	s->alloc_count = 0;
	s->nlocal = 0;
	s->alloc_cache = ~0ULL;
	s->where = GA_WHERE_NONE;
	s->owner = -1;
	atomic_set(&s->npending, 0);
	if (ga_heap_alloc_bits(c->heap, s, gfp)) {
		ga_heap_free_span(c->heap, s);
		return NULL;
	}
	/* A cache's constructor runs once per object, when its span is new. */
	if (c->ctor)
		for (i = 0; i < s->nelems; i++)
			c->ctor((void *)(s->base + (unsigned long)i * s->elemsize));
	/* Object fields before the state that lets frees use them. */
	smp_store_release(&s->state, GA_SPAN_INUSE);
	return s;
}

/**
 * ga_mcentral_alloc_nested() - Allocate one object without an mcache.
 * @c: the mcentral
 * @gfp: allocation flags; never blocks
 *
 * For an interrupt that arrived while its CPU's mcache was busy: take a
 * partial span under the lock, allocate from it and put it back, or grow
 * a span without growing the heap.
 *
 * Context: Any context but NMI.
 * Return: the object, or %NULL.
 */
void *ga_mcentral_alloc_nested(struct ga_mcentral *c, gfp_t gfp)
{
	struct ga_span *s;
	unsigned long flags;
	unsigned int idx;
	void *v = NULL;

	spin_lock_irqsave(&c->lock, flags);
	s = list_first_entry_or_null(&c->partial, struct ga_span, list);
	if (s) {
		ga_central_unlist(c, s);
	} else {
		spin_unlock_irqrestore(&c->lock, flags);
		s = ga_mcentral_grow(c, gfp & ~__GFP_DIRECT_RECLAIM);
		if (!s)
			return NULL;
		spin_lock_irqsave(&c->lock, flags);
	}
	idx = ga_span_next_free_index(s);
	if (!WARN_ON_ONCE(idx >= s->nelems)) {
		s->alloc_count++;
		v = (void *)(s->base + (unsigned long)idx * s->elemsize);
	}
	ga_central_place(c, s);
	spin_unlock_irqrestore(&c->lock, flags);
	return v;
}

/**
 * ga_mcentral_notify() - A free found @s uncached, full or emptied: replace it.
 * @c: the mcentral of the span's class
 * @s: the span; it may have changed since the caller looked
 *
 * Context: Any context but NMI.
 */
void ga_mcentral_notify(struct ga_mcentral *c, struct ga_span *s)
{
	unsigned long flags;

	spin_lock_irqsave(&c->lock, flags);
	if (READ_ONCE(s->state) == GA_SPAN_INUSE && READ_ONCE(s->central) == c &&
	    (s->where == GA_WHERE_PARTIAL || s->where == GA_WHERE_FULL)) {
		ga_central_unlist(c, s);
		ga_central_place(c, s);
	}
	spin_unlock_irqrestore(&c->lock, flags);
}

/**
 * ga_mcentral_live_objects() - Objects allocated from spans on the lists.
 * @c: the mcentral; no span of it may be cached
 *
 * Context: Any context but NMI.
 * Return: the objects still allocated.
 */
unsigned long ga_mcentral_live_objects(struct ga_mcentral *c)
{
	unsigned long flags, n = 0;
	struct ga_span *s;

	spin_lock_irqsave(&c->lock, flags);
	list_for_each_entry(s, &c->partial, list)
		n += s->alloc_count;
	list_for_each_entry(s, &c->full, list)
		n += s->alloc_count;
	spin_unlock_irqrestore(&c->lock, flags);
	return n;
}

/*
 * Go's divMagic, proven exact for every offset in the span, or 0 if it is
 * not (a few cache geometries): the free path then divides.
 */
static u32 ga_divmagic(u32 size, unsigned long span)
{
	u32 m = U32_MAX / size + 1;
	unsigned long off;

	for (off = 0; off <= span; off += size)
		if ((((u64)off * m) >> 32) != off / size ||
		    (off + size - 1 <= span && (((u64)(off + size - 1) * m) >> 32) != off / size))
			return 0;
	return m;
}

/**
 * ga_mcentral_init() - Set up the mcentral of one span class.
 * @c: the mcentral
 * @spanclass: its span class
 * @heap: the heap its spans come from
 * @elemsize: object size, at least 8
 * @npages: span size in heap pages; at most 1024 objects fit
 * @slot: per-CPU pointer to each CPU's cached span of this class
 * @nalloc: per-CPU allocation counter
 * @nfree: per-CPU free counter
 *
 * Spans of a power-of-two object size over a heap page are aligned to it
 * (up to 4 MiB, kmalloc's largest).
 *
 * Return: 0, or -EINVAL for an object size under 8 or a span that holds
 * no object or more than 1024.
 */
int ga_mcentral_init(struct ga_mcentral *c, u8 spanclass, struct ga_heap *heap,
		     u32 elemsize, u16 npages, struct ga_span *__percpu *slot,
		     unsigned long __percpu *nalloc, unsigned long __percpu *nfree)
{
	unsigned long span = (unsigned long)npages << GA_PAGE_SHIFT;

	memset(c, 0, sizeof(*c));
	spin_lock_init(&c->lock);
	c->spanclass = spanclass;
	c->heap = heap;
	c->elemsize = elemsize;
	c->npages = npages;
	c->nelems = span / elemsize;
	c->slot = slot;
	c->nalloc = nalloc;
	c->nfree = nfree;
	INIT_LIST_HEAD(&c->partial);
	INIT_LIST_HEAD(&c->full);
	if (elemsize > GA_PAGE_SIZE && is_power_of_2(elemsize))
		c->align = min_t(u32, elemsize, GA_MAX_ALIGN);
	if (elemsize < 8 || !c->nelems || c->nelems > GA_MAX_OBJS_PER_SPAN)
		return -EINVAL;
	c->divmul = ga_divmagic(elemsize, span);
	return 0;
}
