/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goalloc internals: the structures of the three layers, mheap
 * (goalloc_heap.c), mcentral (goalloc_central.c) and mcache
 * (goalloc_cache.c), and the functions each layer offers the one above.
 * Documentation/goalloc.rst maps every structure here to its Go original.
 */
#ifndef _GOALLOC_INTERNAL_H
#define _GOALLOC_INTERNAL_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/list.h>
#include <linux/workqueue.h>
#include <linux/gfp.h>
#include <linux/irq_work.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include "goalloc_compat.h"
#include "goalloc_sizeclasses.h"

/*
 * Heap geometry, as in Go: 8 KiB heap pages, page-allocator chunks of 512
 * pages (4 MiB), and a span table window (Go's heapArena) of the same size.
 */
#define GA_PAGE_SHIFT		13
#define GA_PAGE_SIZE		BIT(GA_PAGE_SHIFT)
#define GA_CHUNK_SHIFT		22
#define GA_CHUNK_BYTES		BIT(GA_CHUNK_SHIFT)
#define GA_CHUNK_PAGES		(GA_CHUNK_BYTES / GA_PAGE_SIZE)
#define GA_CHUNK_WORDS		(GA_CHUNK_PAGES / 64)
#define GA_ARENA_SHIFT		GA_CHUNK_SHIFT
#define GA_ARENA_PAGES		GA_CHUNK_PAGES

/* Power-of-two objects are aligned to their size up to this (kmalloc's largest). */
#define GA_MAX_ALIGN		(4UL << 20)

/* Hard ceiling for the heap cap: beyond it a parameter is absurd. */
#define GA_HEAP_LIMIT		(64UL << 30)

/* "No page": what the page allocator returns when it cannot satisfy a request. */
#define GA_NO_PAGE		(~0UL)

/* ---------------------------------------------------------------------- */
/* Page allocator (Go's pageAlloc and pallocBits), goalloc_heap.c          */

/* One chunk's allocation bitmap: bit i set = page i in use. */
struct ga_pallocbits {
	u64 w[GA_CHUNK_WORDS];
};

/*
 * Summary of a run of pages (Go's pallocSum): the free pages at its start,
 * the longest free run anywhere in it, and the free pages at its end.
 */
struct ga_psum {
	u32 start;
	u32 max;
	u32 end;
};

#define GA_PA_FANOUT_SHIFT	3	/* 8 children per summary, as in Go */
#define GA_PA_FANOUT		BIT(GA_PA_FANOUT_SHIFT)
#define GA_PA_MAX_LEVELS	8

/*
 * The page allocator works on heap page numbers: chunk c holds pages
 * c * 512 .. c * 512 + 511. The heap decides which memory backs a chunk;
 * the allocator only keeps the bitmaps and the summary tree, so tests can
 * build one with no memory behind it, as Go's NewPageAlloc does.
 *
 * Chunks never grown stay fully allocated, so gaps between regions of the
 * heap are never handed out and runs never cross them.
 */
struct ga_pagealloc {
	spinlock_t *lock;		/* held around every call */
	unsigned int maxchunks;		/* capacity */
	unsigned int nlevels;		/* summary levels, leaves last */
	struct ga_pallocbits *chunks;	/* [maxchunks] */
	struct ga_psum *sum[GA_PA_MAX_LEVELS];
	unsigned long search;		/* no free page below this one */
	unsigned long free_pages;
	unsigned long grown_pages;
};

void ga_pallocbits_alloc_range(struct ga_pallocbits *b, unsigned int i, unsigned int n);
void ga_pallocbits_free_range(struct ga_pallocbits *b, unsigned int i, unsigned int n);
unsigned int ga_pallocbits_find(const struct ga_pallocbits *b, unsigned int npages,
				unsigned int search);
struct ga_psum ga_pallocbits_summarize(const struct ga_pallocbits *b);
unsigned int ga_pallocbits_popcount(const struct ga_pallocbits *b, unsigned int i,
				    unsigned int n);

int ga_pagealloc_init(struct ga_pagealloc *pa, unsigned int maxchunks, spinlock_t *lock);
void ga_pagealloc_destroy(struct ga_pagealloc *pa);
void ga_pagealloc_grow(struct ga_pagealloc *pa, unsigned int chunk, unsigned int nchunks);
void ga_pagealloc_shrink(struct ga_pagealloc *pa, unsigned int chunk, unsigned int nchunks);
unsigned long ga_pagealloc_alloc(struct ga_pagealloc *pa, unsigned long npages);
void ga_pagealloc_free(struct ga_pagealloc *pa, unsigned long page, unsigned long npages);
unsigned long ga_pagealloc_largest_free(struct ga_pagealloc *pa);
struct ga_psum ga_pagealloc_summary(struct ga_pagealloc *pa, unsigned int level,
				    unsigned long idx);

/* ---------------------------------------------------------------------- */
/* Spans (Go's mspan)                                                     */

enum ga_span_state {
	GA_SPAN_DEAD = 0,	/* struct is free (in the span fixalloc) */
	GA_SPAN_INIT,		/* pages taken, object fields not ready */
	GA_SPAN_INUSE,		/* a span of small objects, ready */
	GA_SPAN_LARGE,		/* one large object, ready */
};

/* Where a small span is, which says who may change its object state. */
enum ga_span_where {
	GA_WHERE_NONE = 0,	/* being set up or torn down */
	GA_WHERE_CACHE,		/* cached by the mcache of CPU owner */
	GA_WHERE_PARTIAL,	/* on its mcentral's partial list */
	GA_WHERE_FULL,		/* on its mcentral's full list */
	GA_WHERE_LARGE,		/* a large object in use (large spans only) */
	GA_WHERE_EMPTY,		/* on its mcentral's empty list, no object used */
};

/*
 * A run of heap pages. The heap owns base, page, npages and state; the
 * span table maps each of its pages back to it while it is in use.
 * Span structs and their bitmaps come from fixallocs and are never
 * returned to the system while the heap lives, so a lockless lookup that
 * races with a free reads a dead or reused span, never freed memory.
 *
 * Object state of a small span (Go's field names):
 *   freeindex, alloc_cache, alloc_bits, alloc_count, nlocal, local_free,
 *   sweepseq: the owner's while cached (written only with its mcache
 *	busy), else under the mcentral lock;
 *   remote_free, npending: anyone, atomically;
 *   where, owner: changed under the mcentral lock, read locklessly;
 *   nelems, elemsize, divmul, bitmaps: fixed while state is INUSE.
 * An object idx is allocated iff (idx < freeindex or alloc_bits has it)
 * and neither local_free nor remote_free has it; a sweep folds the free
 * bits into alloc_bits and restarts freeindex at 0. sweepseq is odd
 * while a sweep runs (see ga_span_sweep()).
 */
struct ga_span {
	union {
		struct list_head list;	/* fixalloc free list, mcentral list */
		struct rcu_head rcu;	/* delayed free of a released span */
	};
	struct ga_heap *heap;
	struct ga_mcentral *central;	/* small spans: whose objects */
	unsigned long base;		/* address of the first byte */
	unsigned long page;		/* heap page number of the first page */
	unsigned int npages;
	u8 state;			/* enum ga_span_state */
	u8 spanclass;			/* 0 for large spans */
	u16 nelems;			/* objects in the span */
	unsigned int where;		/* enum ga_span_where */
	int owner;			/* CPU caching it, if where is CACHE */
	u16 freeindex;			/* allocation cursor */
	u16 alloc_count;		/* allocated minus freed by the owner */
	u16 nlocal;			/* bits in local_free */
	u32 elemsize;			/* object size; usable size if large */
	u32 divmul;			/* offset / elemsize == offset * divmul >> 32; 0: divide */
	u64 alloc_cache;		/* ~alloc_bits from freeindex, bit 0 first */
	u64 *alloc_bits;		/* allocated as of the last sweep */
	u64 *local_free;		/* freed by the owner since the sweep */
	unsigned long *remote_free;	/* freed by anyone else since the sweep */
	atomic_t npending;		/* bits set in remote_free, but in flight */
	unsigned int sweepseq;		/* sweeps begun and ended; odd: sweeping */
	unsigned int vpass;		/* the verifier's mark (ga_verify()) */
	atomic_t *tiny_refs;		/* tiny spans: live objects per block */
};

static inline unsigned long ga_span_bytes(const struct ga_span *s)
{
	return (unsigned long)s->npages << GA_PAGE_SHIFT;
}

/* Words in each of a small span's bitmaps. */
static inline unsigned int ga_span_words(const struct ga_span *s)
{
	return DIV_ROUND_UP(s->nelems, 64);
}

/* ---------------------------------------------------------------------- */
/* fixalloc: fixed-size metadata objects that outlive their use           */

struct ga_fixalloc {
	spinlock_t lock;		/* protects every field below */
	size_t size;
	size_t block;			/* bytes per block */
	struct list_head free;		/* freed objects, linked through word 0 */
	void *chunk;			/* bump allocation inside the newest block */
	size_t left;
	struct list_head blocks;	/* every block, freed at destroy */
	unsigned long inuse;
};

void ga_fixalloc_init(struct ga_fixalloc *fa, size_t size);
void *ga_fixalloc_alloc(struct ga_fixalloc *fa, gfp_t gfp);
void ga_fixalloc_free(struct ga_fixalloc *fa, void *p);
void ga_fixalloc_destroy(struct ga_fixalloc *fa);

/*
 * Whether an allocation may grow the heap: its gfp allows blocking, and
 * it does not come from memory reclaim (a shrinker, kswapd), which must
 * never wait on a growth and the reclaim that growth may itself enter.
 */
static inline bool ga_gfp_may_grow(gfp_t gfp)
{
	return gfpflags_allow_blocking(gfp) && !(current->flags & PF_MEMALLOC);
}

/* Metadata allocations keep the caller's reclaim rules, drop the rest. */
static inline gfp_t ga_meta_gfp(gfp_t gfp)
{
	gfp &= ~(__GFP_ZERO | __GFP_HIGHMEM | __GFP_DMA | __GFP_DMA32 |
		 __GFP_MOVABLE | __GFP_COMP | __GFP_ACCOUNT);
	return gfp | __GFP_NOWARN;
}

/* ---------------------------------------------------------------------- */
/* The heap (Go's mheap)                                                  */

/* Span table of one 4 MiB window of address space (Go's heapArena). */
struct ga_heaparena {
	struct ga_span *spans[GA_ARENA_PAGES];
};

#define GA_ARENA_L2_BITS	13
#define GA_ARENA_L2_ENTRIES	BIT(GA_ARENA_L2_BITS)

/* Span bitmaps come in 5 sizes: 1, 2, 4, 8 or 16 words per bitmap. */
#define GA_BITS_SIZES		5

struct ga_heap_stats {
	unsigned long grows;		/* successful growth events */
	unsigned long grow_failures;	/* growth refused (cap) or failed (memory) */
	unsigned long spans_inuse;
	unsigned long large_spans;
	unsigned long large_pages;
	unsigned long pages_inuse;
	unsigned long returned_chunks;	/* chunks of regions given back */
	unsigned long bg_grows;		/* growths by the headroom work */
	unsigned long nogrow_fails;	/* spans refused to callers that may not grow */
};

struct ga_region;

/*
 * Where a heap's regions come from. Both kinds are managed alike: the same
 * page allocator, span table and object path; only the source differs.
 */
enum ga_backing {
	GA_BACKING_VMALLOC,	/* vmalloc'd regions: any size, not the direct map */
	GA_BACKING_DIRECT,	/* one 4 MiB page-allocator block per region */
};

/*
 * Go's pageCache: free pages of one 64-page block (one bitmap word) that a
 * CPU took from the page allocator at once, for spans shorter than
 * GA_PCACHE_MAX_RUN pages. Under heap->lock.
 */
struct ga_pcache {
	unsigned long base;		/* first page of the block */
	u64 free;			/* its pages this cache holds free */
};

#define GA_PCACHE_MAX_RUN	16	/* Go's pageCachePages / 4 */

struct ga_heap {
	spinlock_t lock;		/* Go's mheap_.lock; irq-safe */
	enum ga_backing backing;
	struct ga_pagealloc pages;
	struct ga_pcache __percpu *pcache;
	unsigned long pcache_pages;	/* free pages the CPUs' caches hold */
	struct ga_fixalloc spanalloc;
	struct ga_fixalloc bitsalloc[GA_BITS_SIZES];	/* Go's gcBits arenas */
	struct ga_fixalloc tinyalloc;	/* tiny spans' per-block counts */

	/* arenas[L1][L2]: address window -> span table, read without locks */
	unsigned long index_base;	/* Go's arenaBaseOffset */
	unsigned long index_windows;	/* windows the index covers */
	struct ga_heaparena ***arenas;
	unsigned long arenas_l1;

	/* growth: regions are allocated unlocked, published under lock */
	unsigned long arena_bytes;	/* the initial arena */
	unsigned long grow_bytes;	/* heapArena: the growth step */
	unsigned long max_bytes;	/* the cap */
	unsigned long mapped_bytes;	/* arena memory held now */
	unsigned long reserved_bytes;	/* regions growers are allocating */
	unsigned long *chunk_used;	/* chunk numbers held by regions */
	unsigned long *chunk_base;	/* chunk number -> address of its page 0 */
	struct ga_region **chunk_region;	/* chunk number -> its region */
	struct list_head regions;

	/* return of wholly free regions (but the initial arena) */
	struct delayed_work reclaim_work;
	unsigned long reclaim_delay;	/* jiffies a region stays free first */

	/* headroom: background growth for callers that cannot grow the heap */
	struct work_struct grow_work;
	bool headroom;			/* on for the global heap */
	unsigned long window_start;	/* jiffies: the rate window began */
	unsigned long window_pages;	/* pages taken in it so far */
	unsigned long rate_pages;	/* pages per window, decayed */

	struct ga_heap_stats stats;
};

/* The longest run of pages @h can ever hold: one region's, or the cap. */
static inline unsigned long ga_heap_max_run(const struct ga_heap *h)
{
	if (h->backing == GA_BACKING_DIRECT)
		return GA_CHUNK_PAGES;
	return h->max_bytes >> GA_PAGE_SHIFT;
}

/*
 * The private field of a direct-map block's head page while goalloc holds
 * it: how goalloc_redirect.c tells goalloc's direct-map memory from the
 * kernel's large kmallocs, which are compound pages too.
 */
#define GA_DIRECT_BLOCK_MARK	0x676f616c6c6f6344UL

bool ga_heap_holds(struct ga_heap *h, const void *p);
int ga_heap_init(struct ga_heap *h, unsigned long arena_bytes, unsigned long max_bytes);
int ga_heap_init_backing(struct ga_heap *h, enum ga_backing backing,
			 unsigned long arena_bytes, unsigned long max_bytes);
void ga_heap_destroy(struct ga_heap *h);
void ga_heap_flush_pcaches(struct ga_heap *h);
void ga_heap_drain_pcaches(struct ga_heap *h);
void ga_heap_forget_objects(struct ga_heap *h);
void ga_heap_headroom(struct ga_heap *h, unsigned long *low, unsigned long *high);
unsigned long ga_heap_return_free(struct ga_heap *h);
struct ga_span *ga_heap_alloc_span(struct ga_heap *h, unsigned long npages, u8 state,
				   u8 spanclass, gfp_t gfp);
struct ga_span *ga_heap_alloc_span_aligned(struct ga_heap *h, unsigned long npages,
					   unsigned long align, u8 state, u8 spanclass,
					   gfp_t gfp);
void ga_heap_free_span(struct ga_heap *h, struct ga_span *s);
void ga_heap_free_span_rcu(struct ga_heap *h, struct ga_span *s);
int ga_heap_grow(struct ga_heap *h, unsigned long npages);
unsigned long ga_heap_reclaim(struct ga_heap *h);
struct ga_span *ga_span_of(struct ga_heap *h, const void *p);
void ga_heap_read_stats(struct ga_heap *h, struct ga_heap_stats *st,
			unsigned long *mapped, unsigned long *free_pages,
			unsigned long *largest_free);
int ga_heap_alloc_bits(struct ga_heap *h, struct ga_span *s, gfp_t gfp);

/*
 * Go's spanOf: the span owning address @p, or NULL; see ga_span_of().
 * Inline for the free path: a bounds check and three dependent loads.
 */
static inline struct ga_span *__ga_span_of(struct ga_heap *h, const void *p)
{
	unsigned long off = (unsigned long)p - h->index_base;
	unsigned long win = off >> GA_ARENA_SHIFT;
	struct ga_heaparena **l2, *ha;

	if (unlikely(win >= h->index_windows))
		return NULL;
	l2 = READ_ONCE(h->arenas[win >> GA_ARENA_L2_BITS]);
	if (unlikely(!l2))
		return NULL;
	ha = READ_ONCE(l2[win & (GA_ARENA_L2_ENTRIES - 1)]);
	if (unlikely(!ha))
		return NULL;
	return READ_ONCE(ha->spans[(off >> GA_PAGE_SHIFT) & (GA_ARENA_PAGES - 1)]);
}

void ga_heap_free_bits(struct ga_heap *h, struct ga_span *s);

/* ---------------------------------------------------------------------- */
/* mcentral and mcache                                                    */

/*
 * Span classes. goalloc never scans objects for pointers, so Go's noscan
 * bit has nothing to mean: span class c serves size class c. One extra
 * span class holds the 16-byte blocks of the tiny allocator, so that a
 * free can tell a tiny object from a 16-byte one by its span.
 */
#define GA_TINY_SPANCLASS	GA_NUM_SIZE_CLASSES
#define GA_NUM_SPAN_CLASSES	(GA_NUM_SIZE_CLASSES + 1)

/* Size class of a span class. */
static inline unsigned int ga_spanclass_sizeclass(unsigned int spc)
{
	return spc == GA_TINY_SPANCLASS ? GA_TINY_SIZE_CLASS : spc;
}

/*
 * tiny_refs word of a block: a bit per offset where a live object starts,
 * one while a CPU still packs into the block, and the bytes handed out so
 * far (where the last object ends).
 */
#define GA_TINY_CACHED		BIT(GA_TINY_SIZE)
#define GA_TINY_LIVE		(GA_TINY_CACHED | (GA_TINY_CACHED - 1))
#define GA_TINY_END_SHIFT	(GA_TINY_SIZE + 1)

/* Span class of every goalloc_cache: its spans belong to that cache. */
#define GA_CACHE_SPANCLASS	0xff

/*
 * An mcentral serves one span class: a size class, the tiny blocks, or
 * one goalloc_cache. It knows its objects' geometry, where each CPU keeps
 * its cached span of the class, and where each CPU counts allocations and
 * frees of it.
 */
struct ga_mcentral {
	spinlock_t lock;		/* protects the lists and counters */
	u8 spanclass;
	struct ga_heap *heap;
	u32 elemsize;
	u16 nelems;
	u16 npages;
	u32 divmul;			/* 0 if inexact: divide */
	u32 align;			/* span alignment in bytes, 0 if none */
	void (*ctor)(void *obj);	/* goalloc_cache constructor */
	bool typesafe_rcu;		/* SLAB_TYPESAFE_BY_RCU: see goalloc_rcu.c */
	struct ga_span *__percpu *slot;	/* each CPU's cached span */
	unsigned long __percpu *nalloc;
	unsigned long __percpu *nfree;
	struct list_head partial;	/* spans with free objects */
	struct list_head full;		/* spans without */
	struct list_head empty;		/* spans kept with no object in use */
	unsigned long nr_partial;
	unsigned long nr_full;
	unsigned long nr_empty;
	unsigned long nr_cached;	/* spans in mcaches */
	unsigned int empty_max;		/* at most this many on the empty list */
	bool empty_used;		/* one was taken since the last trim */
	unsigned long empty_reused;	/* spans taken from the empty list */
	long vlive;			/* ga_verify()'s tally of live objects */
} ____cacheline_aligned_in_smp;

/*
 * Empty spans an mcentral keeps for reuse (see goalloc_central.c), and
 * how long a list nothing is taken from keeps them.
 */
#define GA_EMPTY_KEEP_BYTES	(256UL << 10)

int ga_mcentral_init(struct ga_mcentral *c, u8 spanclass, struct ga_heap *heap,
		     u32 elemsize, u16 npages, struct ga_span *__percpu *slot,
		     unsigned long __percpu *nalloc, unsigned long __percpu *nfree);
struct ga_span *ga_mcentral_cache_span(struct ga_mcentral *c, struct ga_span *old);
void ga_mcentral_uncache_span(struct ga_mcentral *c, struct ga_span *s);
unsigned long ga_mcentral_trim(struct ga_mcentral *c, bool all, bool *kept);
struct ga_span *ga_mcentral_grow(struct ga_mcentral *c, gfp_t gfp);
void ga_mcentral_adopt(struct ga_mcentral *c, struct ga_span *s, bool cache);
void *ga_mcentral_alloc_nested(struct ga_mcentral *c, gfp_t gfp);
void ga_mcentral_notify(struct ga_mcentral *c, struct ga_span *s);
unsigned long ga_mcentral_live_objects(struct ga_mcentral *c);
void ga_central_span_release(struct ga_mcentral *c, struct ga_span *s);
unsigned int ga_span_next_free_index(struct ga_span *s);
void ga_span_sweep(struct ga_span *s);

/*
 * Is object @idx of small span @s allocated: handed out by the cursor or
 * set in alloc_bits, and not freed locally since? Remote frees are the
 * caller's to test, atomically. Runs locklessly against the owner's
 * sweep, which publishes alloc_bits before it resets freeindex.
 */
static inline bool ga_span_obj_allocated(struct ga_span *s, unsigned int idx)
{
	unsigned int fi = READ_ONCE(s->freeindex);
	u64 bit = BIT_ULL(idx % 64);

	/* Pairs with smp_wmb() in ga_span_sweep(). */
	smp_rmb();
	if (idx >= fi && !(READ_ONCE(s->alloc_bits[idx / 64]) & bit))
		return false;
	return !(READ_ONCE(s->local_free[idx / 64]) & bit);
}

/* Per-CPU counters of an mcache, read by summing over CPUs. */
struct ga_mcache_stats {
	unsigned long nalloc[GA_NUM_SPAN_CLASSES];
	unsigned long nfree[GA_NUM_SPAN_CLASSES];
	unsigned long tiny_allocs;	/* tiny objects, not blocks */
	unsigned long tiny_frees;
	unsigned long nested_allocs;	/* interrupts that found the cache busy */
	unsigned long large_allocs;
	unsigned long large_frees;
	unsigned long nmi_frees;	/* frees from NMI, carried out later */
};

/*
 * A free from NMI context, which may not take a lock: queued in its CPU's
 * ring by the NMI and carried out by an irq_work on that CPU.
 */
#define GA_NMI_RING		32
struct ga_nmi_free {
	const void *p;
	struct ga_mcentral *central;	/* as for ga_free_in(), or NULL */
	bool sensitive;
};

/*
 * Per-CPU cache (Go's mcache; the CPU stands in for Go's P). Touched only
 * by its CPU, with preemption disabled and busy set: busy is Go's
 * m.mallocing. An interrupt that finds busy set does not touch the cache.
 */
struct ga_mcache {
	int busy;
	struct ga_span *alloc[GA_NUM_SPAN_CLASSES];	/* current span per class */
	unsigned long tiny;		/* current 16-byte tiny block, or 0 */
	struct ga_span *tiny_span;	/* its span */
	unsigned int tinyoffset;
	struct ga_mcache_stats stats;
	/* one producer (NMI), one consumer (irq_work), both on this CPU */
	struct ga_nmi_free nmi_ring[GA_NMI_RING];
	unsigned int nmi_head;		/* written by NMI only */
	unsigned int nmi_tail;		/* written by the drain only */
	struct irq_work nmi_work;
};

/* Go's emptymspan: a span with no objects, so the first use refills. */
extern struct ga_span ga_emptyspan;

void ga_mcache_init(struct ga_mcache *c);
void ga_mcache_nmi_sync(int cpu);
void ga_mcache_flush(int cpu);
void ga_slot_flush(struct ga_mcentral *central, int cpu);
void *ga_malloc_from(struct ga_heap *h, size_t size, gfp_t gfp);
void *ga_malloc_tiny(size_t size, gfp_t gfp);
void *ga_alloc_from(struct ga_mcentral *central, gfp_t gfp);
size_t ga_alloc_bulk_from(struct ga_mcentral *central, gfp_t gfp, size_t nr, void **p);
void ga_alloc_failed(size_t size, gfp_t gfp);
bool ga_nofail_retry(gfp_t gfp, bool possible, unsigned long *tries);
void ga_free(const void *p);
void ga_free_sensitive(const void *p);
void ga_free_in(struct ga_mcentral *central, const void *p);
void ga_free_bulk_in(struct ga_mcentral *central, size_t nr, void **p);
void ga_sweep_refused(struct ga_span *s, unsigned int n);
void ga_refuse_nmi(void);
size_t ga_usable_size(const void *p);
size_t ga_ksize(const void *p, bool *tiny);
size_t ga_live_size(const void *p);
int ga_drain_all(void);
void ga_trim_arm(void);
unsigned long ga_trim_all(void);
bool ga_retry(gfp_t gfp, bool possible, bool *trimmed, unsigned long *tries);
void ga_trim_init(unsigned long period);
void ga_trim_exit(void);
unsigned int ga_size_class(size_t size);

/* ---------------------------------------------------------------------- */
/* The allocator instance (Go's mheap_ plus the per-P mcaches)            */

/* Refused frees and failed allocations, by kind. */
struct ga_errors {
	atomic_long_t double_free;
	atomic_long_t invalid_free;	/* not a pointer goalloc handed out */
	atomic_long_t interior_free;	/* inside an object, not its start */
	atomic_long_t alloc_fail;
	atomic_long_t alloc_fail_reported;	/* those without __GFP_NOWARN */
	atomic_long_t alloc_fail_atomic;	/* those whose gfp could not block */
	atomic_long_t bad_gfp_zone;	/* GFP_DMA or GFP_DMA32, refused */
	atomic_long_t nofail_atomic;	/* __GFP_NOFAIL that could not block */
	atomic_long_t nofail_waits;	/* __GFP_NOFAIL retries after a wait */
	atomic_long_t bad_cache;	/* a NULL cache passed in */
	atomic_long_t nmi;		/* calls from NMI, refused */
};

/* Each CPU's part of a goalloc_cache. */
struct ga_cache_cpu {
	struct ga_span *span;		/* cached span */
	unsigned long nalloc;
	unsigned long nfree;
};

/* A kmem_cache-like pool of objects of one size, in spans of its own. */
struct goalloc_cache {
	u64 magic;			/* GOALLOC_CACHE_MAGIC: goalloc_is_cache() */
	struct ga_mcentral central;
	struct ga_cache_cpu __percpu *cpu;
	struct list_head node;		/* in ga.caches or ga.zombies */
	const char *name;
	unsigned int object_size;	/* as created */
	unsigned int align;
	slab_flags_t flags;
};

/* Frees routed by goalloc_redirect.c, and caches it changed. */
struct ga_redirect_stats {
	atomic_long_t frees_goalloc;
	atomic_long_t frees_kernel;	/* memory the kernel handed out */
	atomic_long_t account_dropped;	/* caches created without SLAB_ACCOUNT */
};

/* The trim work's record of a heap: see ga_trim_heap_due(). */
struct ga_trim_heap {
	unsigned long mapped;		/* its size at the last drain */
	unsigned long inuse;		/* its pages in spans then */
	unsigned int backoff;		/* periods between drains now */
	unsigned int skip;		/* periods still to skip */
};

struct goalloc {
	struct ga_heap heap;		/* the vmalloc backing */
	struct ga_heap dheap;		/* the direct-map backing */
	struct ga_heap *kheap;		/* the kmalloc family's: one of the two */
	struct ga_mcentral central[GA_NUM_SPAN_CLASSES];
	struct ga_mcache __percpu *mcache;
	spinlock_t caches_lock;		/* the two lists; cache slots' flushes */
	struct list_head caches;
	struct list_head zombies;	/* destroyed with live objects */
	struct delayed_work trim_work;	/* empty spans and idle caches back */
	unsigned long trim_period;	/* jiffies between its runs (trim_ms); 0: off */
	struct ga_trim_heap trim_heap[2];	/* the trim work's record of each heap */
	atomic_long_t trim_drains;	/* drains the trim work did */
	struct ga_errors errors;
	struct ga_redirect_stats redirect;
};

extern struct goalloc ga;

/**
 * ga_malloc() - Allocate @size bytes for the kmalloc family.
 * @size: 1 or more bytes
 * @gfp: allocation flags
 *
 * ga_malloc_from() with large objects from the kmalloc family's heap.
 *
 * Context: Any context but NMI; sleeps only if @gfp allows.
 * Return: the object, or %NULL.
 */
static inline void *ga_malloc(size_t size, gfp_t gfp)
{
	return ga_malloc_from(ga.kheap, size, gfp);
}

/*
 * The span that owns @p, in whichever backing holds it: each heap's span
 * table covers its own address range (vmalloc space, the direct map), so
 * at most one bounds check fails before the lookup that can succeed.
 */
static inline struct ga_span *ga_span_lookup(const void *p)
{
	struct ga_span *s = __ga_span_of(&ga.heap, p);

	return s ?: __ga_span_of(&ga.dheap, p);
}

/* ---------------------------------------------------------------------- */
/* Frees after a grace period (goalloc_rcu.c)                              */

struct ga_rcu_stats {
	unsigned long queued;		/* goalloc_kfree_rcu() calls queued */
	unsigned long freed;		/* ... and carried out */
	unsigned long batches;		/* grace periods asked for */
	unsigned long headless;		/* of the queued: headless ones */
	unsigned long typesafe_waiting;	/* type-safe spans in a grace period */
};

int ga_rcu_init(void);
void ga_rcu_exit(void);
void ga_rcu_flush(void);
bool ga_rcu_busy(void);
void ga_rcu_read_stats(struct ga_rcu_stats *st);
void ga_rcu_release_typesafe(struct ga_span *s);

/* ---------------------------------------------------------------------- */
/* The heap verifier (ga_verify(), goalloc_main.c)                        */

/*
 * One run of the verifier. Each layer checks its own invariants
 * (ga_heap_verify(), ga_mcentral_verify(), ga_span_verify(),
 * ga_mcache_verify()) and tallies what it found here for the totals.
 */
struct ga_verify {
	char *buf;			/* what is broken, one line each */
	size_t size, len;
	unsigned long problems;
	unsigned int pass;		/* marks spans found (ga_span.vpass) */
	unsigned long limit;		/* longest list walked: a loop guard */
	unsigned long spans, pages, large_spans, large_pages;
	unsigned long large_objects;	/* large spans with a live object */
	unsigned long tiny_objects;	/* start bits in live tiny blocks */
	unsigned long inflight;		/* spans being set up or torn down */
};

__printf(2, 3) void ga_verify_fail(struct ga_verify *v, const char *fmt, ...);
bool ga_verify_central_known(struct ga_verify *v, struct ga_mcentral *c);
void ga_heap_verify(struct ga_heap *h, struct ga_verify *v);
void ga_mcentral_verify(struct ga_mcentral *c, struct ga_verify *v);
void ga_mcentral_verify_count(struct ga_mcentral *c, struct ga_verify *v);
void ga_span_verify(struct ga_span *s, struct ga_verify *v);
void ga_mcache_verify(struct ga_verify *v);
void ga_mcache_verify_count(struct ga_verify *v);
bool ga_mcache_tiny_block(unsigned long block);
unsigned long ga_verify(char *buf, size_t size);

/* ---------------------------------------------------------------------- */
/* Fault injection                                                        */

/*
 * Kernels with CONFIG_FAULT_INJECTION get two fault attributes, in
 * debugfs as goalloc/fail_grow (a region for the heap) and
 * goalloc/fail_meta (span metadata), that make those allocations fail
 * as the kernel's failslab does for slab. Both also count as fail-nth
 * points of the task.
 */
#ifdef CONFIG_FAULT_INJECTION
#include <linux/fault-inject.h>
extern struct fault_attr ga_fail_grow;
extern struct fault_attr ga_fail_meta;
#define ga_inject(attr)	should_fail(&(attr), 1)
#else
#define ga_inject(attr)	false
#endif

/* ---------------------------------------------------------------------- */
/* Test points                                                            */

/*
 * Places in the free and growth paths where a KUnit test can run code of
 * its own, to force an interleaving that real concurrency hits only by
 * chance (the review's races have a regression test each this way).
 * Compiled in only when the kernel has KUnit; a plain load and branch.
 */
enum ga_test_point {
	GA_TP_SWEEP_FOLDED,	/* ga_span_sweep(): frees folded, cursor not reset; arg: span */
	GA_TP_LOCAL_FREE,	/* ga_free_local(): object checked, not yet marked; arg: span */
	GA_TP_FREE_UNDONE,	/* ga_free_undo(): cursor back, remote bit unread; arg: span */
	GA_TP_REFILL_GROWN,	/* blocking refill grew a span, mcache left; arg: mcentral */
	GA_TP_GROW_REGION,	/* growth is about to vmalloc a region; arg: heap */
	GA_TP_GROWN,		/* growth added a region, span not yet taken; arg: heap */
	GA_TP_NMI_DRAIN,	/* ga_nmi_drain(): entry copied, tail not advanced; arg: mcache */
	GA_TP_LARGE_FREE,	/* __ga_free(): large span looked up, not claimed; arg: span */
};

#if IS_ENABLED(CONFIG_KUNIT)
typedef void (*ga_test_hook_t)(enum ga_test_point tp, void *arg);
extern ga_test_hook_t ga_test_hook;

static __always_inline void ga_test_point(enum ga_test_point tp, void *arg)
{
	ga_test_hook_t hook = READ_ONCE(ga_test_hook);

	if (unlikely(hook))
		hook(tp, arg);
}
#else
static __always_inline void ga_test_point(enum ga_test_point tp, void *arg)
{
}
#endif

#endif /* _GOALLOC_INTERNAL_H */
