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
#include <linux/mutex.h>
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
unsigned long ga_pagealloc_alloc(struct ga_pagealloc *pa, unsigned long npages);
void ga_pagealloc_free(struct ga_pagealloc *pa, unsigned long page, unsigned long npages);
unsigned long ga_pagealloc_largest_free(struct ga_pagealloc *pa);
struct ga_psum ga_pagealloc_summary(struct ga_pagealloc *pa, unsigned int level,
				    unsigned long idx);

/* ---------------------------------------------------------------------- */
/* Spans (Go's mspan)                                                     */

enum ga_span_state {
	GA_SPAN_DEAD = 0,	/* struct is free (in the span fixalloc) */
	GA_SPAN_INUSE,		/* pages belong to a span of small objects */
	GA_SPAN_LARGE,		/* pages belong to one large object */
};

/*
 * A run of heap pages. The heap owns base, page, npages and state; the
 * span table maps each of its pages back to it while it is in use.
 * Span structs come from a fixalloc and are never returned to the system
 * while the heap lives, so a lockless lookup that races with a free reads
 * a dead span, never freed memory.
 */
struct ga_span {
	struct list_head list;		/* free-list link in the fixalloc */
	unsigned long base;		/* address of the first byte */
	unsigned long page;		/* heap page number of the first page */
	unsigned int npages;
	u8 state;			/* enum ga_span_state */
	u8 spanclass;			/* size class; 0 for large spans */
};

static inline unsigned long ga_span_bytes(const struct ga_span *s)
{
	return (unsigned long)s->npages << GA_PAGE_SHIFT;
}

/* ---------------------------------------------------------------------- */
/* fixalloc: fixed-size metadata objects that outlive their use           */

struct ga_fixalloc {
	spinlock_t lock;		/* protects every field below */
	size_t size;
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

/* ---------------------------------------------------------------------- */
/* The heap (Go's mheap)                                                  */

/* Span table of one 4 MiB window of address space (Go's heapArena). */
struct ga_heaparena {
	struct ga_span *spans[GA_ARENA_PAGES];
};

#define GA_ARENA_L2_BITS	13
#define GA_ARENA_L2_ENTRIES	BIT(GA_ARENA_L2_BITS)

struct ga_heap_stats {
	unsigned long grows;		/* successful growth events */
	unsigned long grow_failures;	/* growth refused (cap) or failed (memory) */
	unsigned long spans_inuse;
	unsigned long large_spans;
	unsigned long pages_inuse;
};

struct ga_heap {
	spinlock_t lock;		/* Go's mheap_.lock; irq-safe */
	struct ga_pagealloc pages;
	struct ga_fixalloc spanalloc;

	/* arenas[L1][L2]: address window -> span table, read without locks */
	unsigned long index_base;	/* Go's arenaBaseOffset */
	unsigned long index_windows;	/* windows the index covers */
	struct ga_heaparena ***arenas;
	unsigned long arenas_l1;

	/* growth: serialised by grow_lock, published under lock */
	struct mutex grow_lock;
	unsigned long arena_bytes;	/* the initial arena */
	unsigned long grow_bytes;	/* heapArena: the growth step */
	unsigned long max_bytes;	/* the cap */
	unsigned long mapped_bytes;	/* arena memory held now */
	unsigned int next_chunk;	/* first unused chunk number */
	unsigned long *chunk_base;	/* chunk number -> address of its page 0 */
	struct list_head regions;

	struct ga_heap_stats stats;
};

int ga_heap_init(struct ga_heap *h, unsigned long arena_bytes, unsigned long max_bytes);
void ga_heap_destroy(struct ga_heap *h);
struct ga_span *ga_heap_alloc_span(struct ga_heap *h, unsigned long npages, u8 state,
				   u8 spanclass, gfp_t gfp);
void ga_heap_free_span(struct ga_heap *h, struct ga_span *s);
int ga_heap_grow(struct ga_heap *h, unsigned long npages);
struct ga_span *ga_span_of(struct ga_heap *h, const void *p);
void ga_heap_read_stats(struct ga_heap *h, struct ga_heap_stats *st,
			unsigned long *mapped, unsigned long *free_pages,
			unsigned long *largest_free);

/* ---------------------------------------------------------------------- */
/* mcentral and mcache                                                    */

/*
 * One mcentral per span class. goalloc never scans objects for pointers,
 * so Go's noscan bit has nothing to mean: span class == size class.
 */
#define GA_NUM_SPAN_CLASSES	GA_NUM_SIZE_CLASSES

struct ga_mcentral {
	spinlock_t lock;		/* protects the lists and counters */
	u8 spanclass;
	struct list_head partial;	/* spans with free objects */
	struct list_head full;		/* spans without */
	unsigned long nr_partial;
	unsigned long nr_full;
} ____cacheline_aligned_in_smp;

void ga_mcentral_init(struct ga_mcentral *c, u8 spanclass);

/* Per-CPU cache (Go's mcache; the CPU stands in for Go's P). */
struct ga_mcache {
	struct ga_span *alloc[GA_NUM_SPAN_CLASSES];	/* current span per class */
	unsigned long tiny;		/* current 16-byte tiny block, or 0 */
	unsigned int tinyoffset;
};

/* Go's emptymspan: a span with no objects, so the first use refills. */
extern struct ga_span ga_emptyspan;

void ga_mcache_init(struct ga_mcache *c);

/* ---------------------------------------------------------------------- */
/* The allocator instance (Go's mheap_ plus the per-P mcaches)            */

struct goalloc {
	struct ga_heap heap;
	struct ga_mcentral central[GA_NUM_SPAN_CLASSES];
	struct ga_mcache __percpu *mcache;
};

extern struct goalloc ga;

#endif /* _GOALLOC_INTERNAL_H */
