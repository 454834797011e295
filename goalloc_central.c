// SPDX-License-Identifier: GPL-2.0
/*
 * The central span lists, after Go's mcentral, and the span operations
 * they need: sweeping frees into a span's bitmap and finding free objects.
 *
 * One mcentral per span class keeps the spans of that class that no CPU
 * caches: partial (with free objects), full, and empty. Go's mcentral
 * hands spans to mcaches (cacheSpan), takes them back (uncacheSpan) and
 * asks the heap for new ones (grow); goalloc's does the same, plus what
 * Go's garbage collector does instead of free: it moves a full span that
 * receives a free to the partial list, and a span whose objects are all
 * freed to the empty list or back to the heap.
 *
 * Empty spans. A span emptied while the empty list holds fewer than
 * empty_max (GA_EMPTY_KEEP_BYTES of spans, at least one) is
 * kept there, swept, with its bitmaps, and is the next refill's once no
 * partial span is left: a class whose spans hold few objects would
 * otherwise take every span it fills and empties through the heap lock,
 * the page allocator, span-table writes, metadata and an RCU grace
 * period (SLUB keeps min_partial empty slabs per node for the same
 * reason). Others go back to the heap at once. A list nothing was taken
 * from for a whole trim period goes back too (ga_mcentral_trim(), from
 * ga_trim_work()), as does every list on a shrink or drain and when a
 * blocking allocation finds the heap full, so kept spans neither hold
 * the heap's grown regions nor make an allocation fail.
 *
 * Explicit free. Go marks live objects and sweeps; goalloc marks freed
 * ones. The CPU caching a span records its own frees in local_free
 * without atomics, or, in a span of few objects, for the object its
 * cursor handed out last, takes the cursor back (ga_free_undo()); every
 * other free (another CPU, an interrupt that arrived inside the owner's
 * fast path, a span nobody caches) sets the object's bit in remote_free
 * atomically and increments npending. A sweep (Go's sweep, run on
 * demand) folds both into alloc_bits and restarts the allocation
 * cursor. A remote free never waits for the owner: it is one atomic
 * bit-set and one atomic increment, and takes this mcentral's lock only
 * when the span is uncached and needs to move: it was full, or its last
 * object went.
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
 * Double frees. The sweep is where frees are settled: it counts a remote
 * bit only for an object that was allocated and not freed locally too,
 * and after restarting the cursor it looks once more for bits that
 * landed on objects it left free. Both kinds are refused as double frees
 * (see ga_span_sweep()), so no interleaving of a double free with the
 * owner or a sweep hands an object out twice or drifts alloc_count. One
 * that overlaps the owner handing the object out again frees the new
 * owner's object, or, if it read the object free, makes the new owner's
 * free be refused too (Documentation/goalloc.rst, "Double frees").
 *
 * Verification. ga_mcentral_verify() and ga_span_verify() check the lists,
 * the slots and every span's object state for ga_verify(), with every
 * other CPU stopped.
 *
 * Concurrency contract: lists, counters, and the object state of spans
 * on the lists are protected by the mcentral lock, taken irqsave: every
 * function here may run in any context but NMI. ga_span_sweep() and
 * ga_span_next_free_index() need exclusive access to the span's object
 * state: the owner with its mcache busy, or this lock.
 *
 * Lock order: mcentral->lock, then heap->lock if ever both; no path
 * nests them today: an emptied span is retired under the mcentral lock
 * and released to the heap after it is dropped (ga_central_release()).
 */

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/smp.h>
#include <linux/spinlock.h>

#include "goalloc_internal.h"
#include "goalloc_kasan.h"

/*
 * Take back bits of remote frees that landed on free objects of @s, as
 * its sweep left them: double frees that raced with the sweep. Returns
 * how many.
 */
static unsigned int ga_span_take_stale(struct ga_span *s)
{
	unsigned int nw = ga_span_words(s), w, n = 0, bit;

	for (w = 0; w < nw; w++) {
		unsigned long stale = READ_ONCE(s->remote_free[w]) & ~s->alloc_bits[w];

		for_each_set_bit(bit, &stale, BITS_PER_LONG)
			if (test_and_clear_bit(bit, &s->remote_free[w]))
				n++;
	}
	return n;
}

/**
 * ga_span_sweep() - Fold the span's frees into alloc_bits (Go's sweep).
 * @s: a small span in use, held exclusively
 *
 * Objects below freeindex become set in alloc_bits, freed objects clear,
 * freeindex restarts at 0 and alloc_cache covers the first 64 objects.
 *
 * The sweep is also where double frees that raced with their owner or
 * with an earlier sweep are settled. A remote free bit counts only if
 * its object was allocated and not freed locally as well; any other is
 * a double free, refused here. Remote frees check the object themselves
 * only outside a sweep: sweepseq is odd while one runs, and a free that
 * saw it odd leaves its bit to the check after the sweep (see
 * ga_free_remote()).
 *
 * Context: Any context; the owner with its mcache busy, or c->lock held.
 */
void ga_span_sweep(struct ga_span *s)
{
	unsigned int nw = ga_span_words(s), fi = s->freeindex, nremote = 0, ndup = 0, w;
	unsigned int seq = s->sweepseq;

	ASSERT_EXCLUSIVE_WRITER(s->sweepseq);
	WRITE_ONCE(s->sweepseq, seq + 1);
	/* Odd before the bits are read; pairs with ga_free_remote(). */
	smp_mb();
	for (w = 0; w < nw; w++) {
		u64 used = s->alloc_bits[w], freed = s->local_free[w], valid;
		unsigned long remote = 0;

		if (READ_ONCE(s->remote_free[w]))
			remote = xchg(&s->remote_free[w], 0);
		if (fi >= (w + 1) * 64)
			used = ~0ULL;
		else if (fi > w * 64)
			used |= GENMASK_ULL(fi - w * 64 - 1, 0);
		valid = remote & used & ~freed;
		nremote += hweight64(valid);
		ndup += hweight64(remote & ~valid);
		WRITE_ONCE(s->alloc_bits[w], used & ~(freed | remote));
		WRITE_ONCE(s->local_free[w], 0);
	}
	ga_test_point(GA_TP_SWEEP_FOLDED, s);
	/* alloc_bits before the cursor restarts: see ga_span_obj_allocated(). */
	smp_wmb();
	WRITE_ONCE(s->freeindex, 0);
	s->alloc_cache = ~s->alloc_bits[0];
	s->alloc_count -= nremote;
	s->nlocal = 0;
	/* The new state before the even count; pairs with ga_free_remote(). */
	smp_store_release(&s->sweepseq, seq + 2);
	/* Even before the bits are read again; pairs with ga_free_remote(). */
	smp_mb();
	ndup += ga_span_take_stale(s);
	atomic_sub(nremote + ndup, &s->npending);
	if (unlikely(ndup))
		ga_sweep_refused(s, ndup);
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

	/* The cursor has one writer: the owner, or the mcentral lock's holder. */
	ASSERT_EXCLUSIVE_WRITER(s->freeindex);
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
 * An uncached span with no objects left goes back to the heap, in two
 * steps. Under the lock, ga_central_retire() takes it out of use: frees
 * that load its state from then on refuse it, and it goes on the caller's
 * @gone list. With no lock held, ga_central_release() wipes it if the
 * policy asks and gives its pages back now, its struct and bitmaps after
 * an RCU grace period, because a free that made the span empty may still
 * be running on another CPU (between its bit-set and its npending
 * increment, say): frees run with preemption disabled, so none still
 * looks at the span afterwards. The verifier counts a retired span as in
 * flight.
 */
static void ga_central_retire(struct ga_mcentral *c, struct ga_span *s, struct list_head *gone)
{
	lockdep_assert_held(&c->lock);
	WRITE_ONCE(s->where, GA_WHERE_NONE);
	/* Frees that load the state from now on refuse the span. */
	smp_store_release(&s->state, GA_SPAN_INIT);
	list_add(&s->list, gone);
}

/**
 * ga_central_span_release() - Give a retired span of @c back to the heap.
 * @c: its mcentral
 * @s: the span, retired by ga_central_retire(), all objects free
 *
 * init_on_free: the heap's free pages hold zeroes, as the page
 * allocator's do under that policy, whichever class or cache takes them
 * next. Objects were wiped as they were freed, but for a constructed or
 * type-safe cache's (SLUB wipes those only when their page goes back to
 * the page allocator, as here); the tail is wiped too.
 *
 * Context: Any context but NMI; no lock of @c's held.
 */
void ga_central_span_release(struct ga_mcentral *c, struct ga_span *s)
{
	unsigned long from = 0;

	if (want_init_on_free()) {
		if (!c->ctor && !c->typesafe_rcu)
			from = (unsigned long)s->nelems * s->elemsize;
		ga_kasan_unpoison((void *)(s->base + from), ga_span_bytes(s) - from);
		memset((void *)(s->base + from), 0, ga_span_bytes(s) - from);
	}
	ga_heap_free_span_rcu(c->heap, s);
}

static void ga_central_release(struct ga_mcentral *c, struct list_head *gone)
{
	struct ga_span *s, *next;

	list_for_each_entry_safe(s, next, gone, list) {
		list_del(&s->list);
		/* Readers may still look at its objects: later (goalloc_rcu.c). */
		if (c->typesafe_rcu)
			ga_rcu_release_typesafe(s);
		else
			ga_central_span_release(c, s);
	}
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
	else if (s->where == GA_WHERE_EMPTY)
		c->nr_empty--;
	else
		c->nr_partial--;
}

/*
 * Put an uncached span where it belongs after a sweep: if empty, on the
 * empty list while it has room, else on @gone for ga_central_release()
 * once the lock is dropped; else on the full or partial list. Then check
 * npending, the other half of the placement protocol, and place again if
 * a free raced (on an empty span, any is a double free, which the sweep
 * refuses).
 */
static void ga_central_place(struct ga_mcentral *c, struct ga_span *s, struct list_head *gone)
{
	lockdep_assert_held(&c->lock);
	for (;;) {
		unsigned int dest, pending;

		ga_span_sweep(s);
		if (!s->alloc_count) {
			if (c->nr_empty >= c->empty_max) {
				ga_central_retire(c, s, gone);
				return;
			}
			dest = GA_WHERE_EMPTY;
			list_add(&s->list, &c->empty);
			c->nr_empty++;
			ga_trim_arm();
		} else if (s->alloc_count == s->nelems) {
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

/*
 * A span with free objects off the lists: a partial one, else an empty
 * one. Swept, so its cursor sees every free so far.
 */
static struct ga_span *ga_central_take(struct ga_mcentral *c, struct list_head *gone)
{
	struct ga_span *s;

	lockdep_assert_held(&c->lock);
	while ((s = list_first_entry_or_null(&c->partial, struct ga_span, list))) {
		ga_central_unlist(c, s);
		ga_span_sweep(s);
		if (s->alloc_count < s->nelems)
			return s;
		/* Cannot happen: partial spans only gain free objects. */
		WARN_ON_ONCE(1);
		ga_central_place(c, s, gone);
	}
	s = list_first_entry_or_null(&c->empty, struct ga_span, list);
	if (s) {
		ga_central_unlist(c, s);
		ga_span_sweep(s);
		c->empty_used = true;
		c->empty_reused++;
	}
	return s;
}

/**
 * ga_mcentral_cache_span() - Exchange an mcache's span (uncacheSpan, cacheSpan).
 * @c: the mcentral
 * @old: the span the calling CPU gives back, or %NULL
 *
 * Under one hold of the lock: @old is placed, and a partial span (else
 * an empty one) is marked cached by the calling CPU.
 *
 * Context: Any context; preemption disabled (the span is this CPU's).
 * Return: the span, or %NULL if no span has free objects.
 */
struct ga_span *ga_mcentral_cache_span(struct ga_mcentral *c, struct ga_span *old)
{
	struct ga_span *s;
	unsigned long flags;
	LIST_HEAD(gone);

	spin_lock_irqsave(&c->lock, flags);
	if (old) {
		c->nr_cached--;
		ga_central_place(c, old, &gone);
	}
	s = ga_central_take(c, &gone);
	if (s)
		ga_central_cached(c, s);
	spin_unlock_irqrestore(&c->lock, flags);
	ga_central_release(c, &gone);
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
	LIST_HEAD(gone);

	spin_lock_irqsave(&c->lock, flags);
	c->nr_cached--;
	ga_central_place(c, s, &gone);
	spin_unlock_irqrestore(&c->lock, flags);
	ga_central_release(c, &gone);
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
	LIST_HEAD(gone);

	spin_lock_irqsave(&c->lock, flags);
	if (cache)
		ga_central_cached(c, s);
	else
		ga_central_place(c, s, &gone);
	spin_unlock_irqrestore(&c->lock, flags);
	ga_central_release(c, &gone);
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
	unsigned long used;
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
	s->sweepseq = 0;
	if (ga_heap_alloc_bits(c->heap, s, gfp)) {
		ga_heap_free_span(c->heap, s);
		return NULL;
	}
	/* A cache's constructor runs once per object, when its span is new. */
	if (c->ctor)
		for (i = 0; i < s->nelems; i++)
			c->ctor((void *)(s->base + (unsigned long)i * s->elemsize));
	/* Constructed or not, no object is allocated yet; the tail is no object's. */
	used = (unsigned long)s->nelems * s->elemsize;
	ga_kasan_poison((void *)s->base, used, GA_KASAN_FREE);
	ga_kasan_poison((void *)(s->base + used), ga_span_bytes(s) - used, GA_KASAN_REDZONE);
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
 * partial span (else an empty one) under the lock, allocate from it and
 * put it back, or grow a span without growing the heap.
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
	LIST_HEAD(gone);

	spin_lock_irqsave(&c->lock, flags);
	s = ga_central_take(c, &gone);
	if (!s) {
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
	ga_central_place(c, s, &gone);
	spin_unlock_irqrestore(&c->lock, flags);
	ga_central_release(c, &gone);
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
	LIST_HEAD(gone);

	spin_lock_irqsave(&c->lock, flags);
	if (READ_ONCE(s->state) == GA_SPAN_INUSE && READ_ONCE(s->central) == c &&
	    (s->where == GA_WHERE_PARTIAL || s->where == GA_WHERE_FULL)) {
		ga_central_unlist(c, s);
		ga_central_place(c, s, &gone);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	ga_central_release(c, &gone);
}

/**
 * ga_mcentral_trim() - Give the empty list's spans back to the heap.
 * @c: the mcentral
 * @all: all of them; else only if none was taken since the last call
 * @kept: set if spans stay on the empty list (may be %NULL)
 *
 * Context: Any context but NMI; no lock of @c's held.
 * Return: the number of spans given back.
 */
unsigned long ga_mcentral_trim(struct ga_mcentral *c, bool all, bool *kept)
{
	unsigned long n = 0, flags;
	struct ga_span *s, *next;
	LIST_HEAD(gone);

	spin_lock_irqsave(&c->lock, flags);
	if (all || !c->empty_used) {
		list_for_each_entry_safe(s, next, &c->empty, list) {
			ga_central_unlist(c, s);
			/* Refuses a double free that landed since its sweep. */
			ga_span_sweep(s);
			ga_central_retire(c, s, &gone);
			n++;
		}
	}
	c->empty_used = false;
	if (kept && c->nr_empty)
		*kept = true;
	spin_unlock_irqrestore(&c->lock, flags);
	ga_central_release(c, &gone);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(ga_mcentral_trim);

/**
 * ga_mcentral_live_objects() - Sweep the spans on the lists and count.
 * @c: the mcentral; no span of it may be cached
 *
 * Every span on the lists is swept and placed again, so that remote
 * frees not yet swept are not counted, and spans left with no object go
 * back to the heap, those on the empty list too.
 *
 * Context: Any context but NMI.
 * Return: the objects still allocated.
 */
unsigned long ga_mcentral_live_objects(struct ga_mcentral *c)
{
	struct ga_span *s, *next;
	unsigned long flags, n = 0;
	LIST_HEAD(all);
	LIST_HEAD(gone);

	spin_lock_irqsave(&c->lock, flags);
	list_splice_init(&c->partial, &all);
	list_splice_init(&c->full, &all);
	c->nr_partial = 0;
	c->nr_full = 0;
	list_for_each_entry_safe(s, next, &all, list) {
		list_del(&s->list);
		ga_central_place(c, s, &gone);
	}
	list_for_each_entry(s, &c->partial, list)
		n += s->alloc_count;
	list_for_each_entry(s, &c->full, list)
		n += s->alloc_count;
	list_for_each_entry_safe(s, next, &c->empty, list) {
		ga_central_unlist(c, s);
		ga_span_sweep(s);
		ga_central_retire(c, s, &gone);
	}
	spin_unlock_irqrestore(&c->lock, flags);
	ga_central_release(c, &gone);
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
 * (up to 4 MiB, kmalloc's largest). Up to GA_EMPTY_KEEP_BYTES of empty
 * spans, and at least one, are kept for reuse.
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
	INIT_LIST_HEAD(&c->empty);
	c->empty_max = max(1UL, GA_EMPTY_KEEP_BYTES / span);
	if (elemsize > GA_PAGE_SIZE && is_power_of_2(elemsize))
		c->align = min_t(u32, elemsize, GA_MAX_ALIGN);
	if (elemsize < 8 || !c->nelems || c->nelems > GA_MAX_OBJS_PER_SPAN)
		return -EINVAL;
	c->divmul = ga_divmagic(elemsize, span);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Verification (ga_verify(), with every CPU stopped)                     */

static bool ga_span_is_tiny(const struct ga_span *s)
{
	return s->spanclass == GA_TINY_SPANCLASS;
}

/* Bits of word @w of a bitmap of @n objects that stand for objects. */
static u64 ga_word_valid(unsigned int n, unsigned int w)
{
	return n >= (w + 1) * 64 ? ~0ULL : GENMASK_ULL(n - w * 64 - 1, 0);
}

/* Mark @s as found at @what by this pass; false if it was found before. */
static bool ga_verify_mark(struct ga_verify *v, struct ga_span *s, const char *what)
{
	if (s->vpass == v->pass) {
		ga_verify_fail(v, "span %lu found twice (again at %s)", s->page, what);
		return false;
	}
	s->vpass = v->pass;
	return true;
}

/* @c's partial, full or empty list: its spans and its count. */
static void ga_verify_list(struct ga_mcentral *c, struct ga_verify *v, struct list_head *list,
			   unsigned int where, unsigned long count)
{
	const char *name = where == GA_WHERE_FULL ? "full" :
			   where == GA_WHERE_EMPTY ? "empty" : "partial";
	unsigned long n = 0;
	struct ga_span *s;

	list_for_each_entry(s, list, list) {
		if (++n > v->limit)
			break;
		if (!ga_verify_mark(v, s, name))
			continue;
		if (s->state != GA_SPAN_INUSE || s->central != c || s->where != where)
			ga_verify_fail(v, "class %u: span %lu on the %s list: state %u, where %u",
				       c->spanclass, s->page, name, s->state, s->where);
	}
	if (n != count)
		ga_verify_fail(v, "class %u: %lu spans on the %s list, its count %lu",
			       c->spanclass, n, name, count);
}

/**
 * ga_mcentral_verify() - Check an mcentral's lists, counters and slots.
 * @c: the mcentral
 * @v: the verification run
 *
 * Marks every span found on the lists or in a CPU's slot, for
 * ga_span_verify() to match against where the span says it is. An offline
 * CPU caches nothing: hotplug cannot run while every CPU is stopped, so a
 * CPU that died has been flushed.
 *
 * Context: ga_verify(), every other CPU stopped.
 */
void ga_mcentral_verify(struct ga_mcentral *c, struct ga_verify *v)
{
	unsigned long cached = 0;
	struct ga_span *s;
	int cpu;

	spin_lock(&c->lock);
	c->vlive = 0;
	ga_verify_list(c, v, &c->partial, GA_WHERE_PARTIAL, c->nr_partial);
	ga_verify_list(c, v, &c->full, GA_WHERE_FULL, c->nr_full);
	ga_verify_list(c, v, &c->empty, GA_WHERE_EMPTY, c->nr_empty);
	if (c->nr_empty > c->empty_max)
		ga_verify_fail(v, "class %u: %lu spans on the empty list, at most %u kept",
			       c->spanclass, c->nr_empty, c->empty_max);
	for_each_possible_cpu(cpu) {
		s = *per_cpu_ptr(c->slot, cpu);
		if (s == &ga_emptyspan)
			continue;
		cached++;
		if (!ga_verify_mark(v, s, "a CPU's slot"))
			continue;
		/* A dead CPU's spans went back when it died (ga_cpu_dead()). */
		if (!cpu_online(cpu))
			ga_verify_fail(v, "class %u: span %lu in offline CPU %d's slot",
				       c->spanclass, s->page, cpu);
		if (s->state != GA_SPAN_INUSE || s->central != c || s->where != GA_WHERE_CACHE ||
		    s->owner != cpu)
			ga_verify_fail(v, "class %u: span %lu in CPU %d's slot: %u/%u/%d",
				       c->spanclass, s->page, cpu, s->state, s->where, s->owner);
	}
	if (cached != c->nr_cached)
		ga_verify_fail(v, "class %u: %lu spans in CPUs' slots, nr_cached %lu",
			       c->spanclass, cached, c->nr_cached);
	spin_unlock(&c->lock);
}

/*
 * A tiny span's blocks: a block is allocated exactly while one of its
 * objects is live or a CPU packs into it; start bits below the end.
 */
static void ga_verify_tiny(struct ga_span *s, struct ga_verify *v, unsigned int w,
			   u64 allocated)
{
	unsigned int i;

	for (i = w * 64; i < min_t(unsigned int, s->nelems, (w + 1) * 64); i++) {
		unsigned int refs = atomic_read(&s->tiny_refs[i]);
		unsigned int starts = refs & (GA_TINY_CACHED - 1), end = refs >> GA_TINY_END_SHIFT;
		bool live = refs & GA_TINY_LIVE;

		if (live != !!(allocated & BIT_ULL(i % 64))) {
			ga_verify_fail(v, "tiny span %lu block %u: refs %#x but %sallocated",
				       s->page, i, refs, live ? "not " : "");
			continue;
		}
		if (!live)
			continue;
		if (end > GA_TINY_SIZE || (starts && fls(starts) > end))
			ga_verify_fail(v, "tiny span %lu block %u: refs %#x past its end",
				       s->page, i, refs);
		if ((refs & GA_TINY_CACHED) &&
		    !ga_mcache_tiny_block(s->base + (unsigned long)i * GA_TINY_SIZE))
			ga_verify_fail(v, "tiny span %lu block %u: marked cached, no CPU has it",
				       s->page, i);
		v->tiny_objects += hweight32(starts);
	}
}

/* Where @s says it is, against where the marks found it. */
static void ga_verify_where(struct ga_span *s, struct ga_verify *v, unsigned int nvalid)
{
	bool found = s->vpass == v->pass;

	switch (s->where) {
	case GA_WHERE_NONE:
		/* Being set up by a task that left its mcache to grow it. */
		if (found)
			ga_verify_fail(v, "span %lu: where NONE but on a list or slot", s->page);
		v->inflight++;
		return;
	case GA_WHERE_CACHE:
	case GA_WHERE_PARTIAL:
	case GA_WHERE_FULL:
	case GA_WHERE_EMPTY:
		if (!found) {
			ga_verify_fail(v, "span %lu: where %u but on no list or slot", s->page,
				       s->where);
			return;
		}
		break;
	default:
		ga_verify_fail(v, "span %lu: where %u", s->page, s->where);
		return;
	}
	if (s->where == GA_WHERE_FULL && (s->alloc_count != s->nelems || nvalid))
		ga_verify_fail(v, "span %lu: full with %u of %u objects, %u freed remotely",
			       s->page, s->alloc_count, s->nelems, nvalid);
	if (s->where == GA_WHERE_EMPTY && (s->alloc_count || nvalid || s->freeindex))
		ga_verify_fail(v, "span %lu: empty with %u objects, %u freed remotely, cursor %u",
			       s->page, s->alloc_count, nvalid, s->freeindex);
	if (s->where == GA_WHERE_PARTIAL &&
	    (!s->alloc_count || s->alloc_count == s->nelems || nvalid >= s->alloc_count))
		ga_verify_fail(v, "span %lu: partial with %u of %u objects, %u freed remotely",
			       s->page, s->alloc_count, s->nelems, nvalid);
}

/**
 * ga_span_verify() - Check a small span's object state.
 * @s: a span in state INUSE whose mcentral ga_mcentral_verify() saw
 * @v: the verification run
 *
 * The bitmaps against alloc_count, nlocal, npending and the allocCache
 * window; remote frees only of objects handed out; where the span is
 * against the lists and slots; tiny blocks against their counts. Adds
 * the span's live objects to its mcentral's tally.
 *
 * Context: ga_verify(), every other CPU stopped.
 */
void ga_span_verify(struct ga_span *s, struct ga_verify *v)
{
	struct ga_mcentral *c = s->central;
	unsigned int fi = s->freeindex, n = s->nelems, nw, w;
	unsigned int live = 0, nlocal = 0, nremote = 0, ndup = 0;

	if (s->spanclass != c->spanclass || n != c->nelems || s->elemsize != c->elemsize ||
	    s->npages != c->npages || s->divmul != c->divmul || !s->alloc_bits ||
	    !s->tiny_refs != !ga_span_is_tiny(s)) {
		ga_verify_fail(v, "span %lu: geometry or bitmaps differ from class %u's",
			       s->page, c->spanclass);
		return;
	}
	if (fi > n || (s->sweepseq & 1)) {
		ga_verify_fail(v, "span %lu: freeindex %u of %u, sweepseq %u", s->page, fi, n,
			       s->sweepseq);
		return;
	}
	nw = ga_span_words(s);
	for (w = 0; w < nw; w++) {
		u64 used = s->alloc_bits[w], local = s->local_free[w];
		u64 remote = s->remote_free[w], valid = ga_word_valid(n, w);

		if (fi >= (w + 1) * 64)
			used = ~0ULL;
		else if (fi > w * 64)
			used |= GENMASK_ULL(fi - w * 64 - 1, 0);
		if ((s->alloc_bits[w] | local | remote) & ~valid)
			ga_verify_fail(v, "span %lu word %u: bits past object %u", s->page, w, n);
		used &= valid;
		if (local & ~used)
			ga_verify_fail(v, "span %lu word %u: local frees %#llx of free objects",
				       s->page, w, local & ~used);
		if (remote & ~used)
			ga_verify_fail(v, "span %lu word %u: remote frees %#llx of free objects",
				       s->page, w, remote & ~used);
		live += hweight64(used & ~local);
		nlocal += hweight64(local);
		nremote += hweight64(remote);
		ndup += hweight64(remote & local);
		if (ga_span_is_tiny(s))
			ga_verify_tiny(s, v, w, used & ~local & ~remote);
	}
	if (live != s->alloc_count || nlocal != s->nlocal)
		ga_verify_fail(v, "span %lu: bitmaps: %u objects, %u local frees; counts %u, %u",
			       s->page, live, nlocal, s->alloc_count, s->nlocal);
	if (atomic_read(&s->npending) != nremote)
		ga_verify_fail(v, "span %lu: %u remote frees, npending %d", s->page, nremote,
			       atomic_read(&s->npending));
	if (fi < n && s->alloc_cache != ~s->alloc_bits[fi / 64] >> (fi % 64))
		ga_verify_fail(v, "span %lu: allocCache %#llx does not match alloc_bits at %u",
			       s->page, s->alloc_cache, fi);
	ga_verify_where(s, v, nremote - ndup);
	c->vlive += (long)s->alloc_count - nremote;
}

/**
 * ga_mcentral_verify_count() - The class's counters against its spans.
 * @c: the mcentral, after every span was through ga_span_verify()
 * @v: the verification run
 *
 * Context: ga_verify(), every other CPU stopped.
 */
void ga_mcentral_verify_count(struct ga_mcentral *c, struct ga_verify *v)
{
	unsigned long allocs = 0, frees = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		allocs += *per_cpu_ptr(c->nalloc, cpu);
		frees += *per_cpu_ptr(c->nfree, cpu);
	}
	if ((long)(allocs - frees) != c->vlive)
		ga_verify_fail(v, "class %u: %lu allocations less %lu frees, %ld objects in spans",
			       c->spanclass, allocs, frees, c->vlive);
}
