// SPDX-License-Identifier: GPL-2.0
/*
 * The page heap, after Go's mheap.
 *
 * The heap hands out spans: runs of 8 KiB heap pages. Its memory comes in
 * regions: one initial arena at load, then one region per growth of at
 * least a heapArena (4 MiB) up to the heap cap. A heap has one backing,
 * its regions' source: vmalloc (the default heap; regions of any size,
 * virtually contiguous only) or the direct map (the second heap; each
 * region one physically contiguous 4 MiB block from the page allocator,
 * so virt_to_page() and DMA work on its objects). Everything below is the
 * same for both; a span table indexes each backing's address range, the
 * vmalloc space or the direct map (ga_span_lookup()). Inside, pages are
 * found by a page allocator after Go's pageAlloc: an allocation bitmap per
 * 4 MiB chunk plus a tree of (start, max, end) free-run summaries with
 * fan-out 8, searched address-ordered first fit, so a request for n pages
 * touches only the summaries on one path and one chunk's bitmap. Freed
 * runs merge because the bitmap has no span boundaries in it. Spans
 * shorter than 16 pages are cut from a per-CPU page cache, as Go's per-P
 * pageCache: the free pages of one 64-page block, taken at once.
 *
 * The page allocator numbers pages, not addresses: chunk c holds heap
 * pages c * 512 .. c * 512 + 511, and the heap records where each chunk's
 * memory lies. Each region takes a run of chunk numbers with an unused
 * number on either side; unused chunks are never grown, stay allocated,
 * and keep runs from crossing from one vmalloc region into another. A
 * region other than the initial arena whose pages all become free goes
 * back to vmalloc (or the page allocator) from a delayed work item, and
 * its numbers are reused.
 *
 * Every page of a span in use maps back to the span through the span
 * table: arenas[L1][L2] indexes 4 MiB windows of the vmalloc address
 * space (Go's arenas array with arenaBaseOffset = VMALLOC_START), and a
 * window's ga_heaparena holds one span pointer per 8 KiB page. vmalloc
 * places regions at any page-aligned address, so a region may cover parts
 * of two windows and a window may hold pages of two regions; only the
 * pages a span owns are ever set. Span structs and span bitmaps come from
 * fixallocs, which keep their memory for the heap's lifetime.
 *
 * Concurrency contract:
 * - ga_span_of() takes no lock and may run in any context, concurrently
 *   with everything else. Index blocks and ga_heaparena tables are
 *   published with release stores and freed only by ga_heap_destroy();
 *   span structs are never returned to the system while the heap lives,
 *   so a lookup that races with a free returns a span that is dead or
 *   reused, never freed memory. Callers validate under their own locks.
 * - Span allocation and free take heap->lock with interrupts disabled and
 *   may run in any context, hardirq included. The per-CPU page caches are
 *   read and written only under heap->lock too (a CPU's own with
 *   interrupts off, any CPU's by ga_heap_flush_pcaches() and the
 *   verifier).
 * - Growth calls vmalloc and may sleep: ga_heap_alloc_span() grows the
 *   heap only when its gfp allows blocking and it does not come from
 *   memory reclaim (PF_MEMALLOC); others get NULL when the heap is full.
 *   A grower holds no lock while it allocates its region (vmalloc may
 *   enter direct reclaim), so growers never wait behind each other; the
 *   cap counts the regions being added (reserved_bytes). The region is
 *   published and the grower's span taken from it under one hold of
 *   heap->lock, so a return of free regions cannot take it first. Growth
 *   runs as GFP_NOIO. Returning regions detaches them under heap->lock
 *   and vfree()s them after.
 * - Headroom (the global heap): callers that may not grow (atomic, or in
 *   reclaim) would fail as soon as the mapped heap is full. A work item
 *   grows the heap in the background when its free pages fall below a
 *   low watermark that follows the rate at which pages are taken, and
 *   the delayed return of free regions keeps the high one; see
 *   ga_heap_headroom().
 *
 * Lock order: heap->lock (spinlock, irqsave) is the heap's only lock.
 * The fixalloc lock is a leaf, never held with heap->lock.
 */

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/gfp.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/kmemleak.h>
#include <linux/vmalloc.h>

#include "goalloc_internal.h"
#include "goalloc_kasan.h"

/*
 * Metadata for the heap's init and growth, which run in process context.
 * A failure comes back as -ENOMEM (a refused insmod, a NULL allocation),
 * so the allocator's own warning would only add noise.
 */
#define GA_META_GFP	(GFP_KERNEL | __GFP_NOWARN)

#ifdef CONFIG_FAULT_INJECTION
/* Region and metadata failures on demand; set up in goalloc_init(). */
struct fault_attr ga_fail_grow = FAULT_ATTR_INITIALIZER;
EXPORT_SYMBOL_IF_KUNIT(ga_fail_grow);
struct fault_attr ga_fail_meta = FAULT_ATTR_INITIALIZER;
EXPORT_SYMBOL_IF_KUNIT(ga_fail_meta);
#endif

/* ---------------------------------------------------------------------- */
/* pallocBits: one chunk's bitmap                                         */

/* Bits lo .. lo + n - 1 of a word; lo + n <= 64. */
static inline u64 ga_word_mask(unsigned int lo, unsigned int n)
{
	return (n == 64 ? ~0ULL : BIT_ULL(n) - 1) << lo;
}

/*
 * Step through the bits *i .. *i + *n - 1 of a bitmap a word at a time:
 * return the mask of the part in word *w and advance past it.
 */
static inline u64 ga_range_step(unsigned int *i, unsigned int *n, unsigned int *w)
{
	unsigned int k = min(*n, 64 - *i % 64);
	u64 mask = ga_word_mask(*i % 64, k);

	*w = *i / 64;
	*i += k;
	*n -= k;
	return mask;
}

/**
 * ga_pallocbits_alloc_range() - Mark pages of a chunk in use.
 * @b: the chunk's bitmap
 * @i: first page
 * @n: number of pages; @i + @n <= 512
 *
 * Context: Any context; @b is the caller's to serialise.
 * Return: nothing.
 */
void ga_pallocbits_alloc_range(struct ga_pallocbits *b, unsigned int i, unsigned int n)
{
	unsigned int w;
	u64 mask;

	while (n) {
		mask = ga_range_step(&i, &n, &w);
		b->w[w] |= mask;
	}
}
EXPORT_SYMBOL_IF_KUNIT(ga_pallocbits_alloc_range);

/**
 * ga_pallocbits_free_range() - Mark pages of a chunk free.
 * @b: the chunk's bitmap
 * @i: first page
 * @n: number of pages; @i + @n <= 512
 *
 * Context: Any context; @b is the caller's to serialise.
 * Return: nothing.
 */
void ga_pallocbits_free_range(struct ga_pallocbits *b, unsigned int i, unsigned int n)
{
	unsigned int w;
	u64 mask;

	while (n) {
		mask = ga_range_step(&i, &n, &w);
		b->w[w] &= ~mask;
	}
}
EXPORT_SYMBOL_IF_KUNIT(ga_pallocbits_free_range);

/**
 * ga_pallocbits_popcount() - Count pages in use in a range of a chunk.
 * @b: the chunk's bitmap
 * @i: first page
 * @n: number of pages; @i + @n <= 512
 *
 * Context: Any context; @b is the caller's to serialise.
 * Return: the number of set bits in the range.
 */
unsigned int ga_pallocbits_popcount(const struct ga_pallocbits *b, unsigned int i,
				    unsigned int n)
{
	unsigned int w, count = 0;
	u64 mask;

	while (n) {
		mask = ga_range_step(&i, &n, &w);
		count += hweight64(b->w[w] & mask);
	}
	return count;
}
EXPORT_SYMBOL_IF_KUNIT(ga_pallocbits_popcount);

/* Length of the longest run of zero bits in @x. */
static unsigned int ga_longest_zero_run64(u64 x)
{
	u64 f = ~x;
	unsigned int n = 0;

	/* Each step shortens every run of ones in f by one. */
	while (f) {
		f &= f >> 1;
		n++;
	}
	return n;
}

/* The bits of @c where a run of @n one bits (1 <= @n <= 64) starts. */
static u64 ga_run_starts64(u64 c, unsigned int n)
{
	unsigned int have = 1;

	/* Invariant: bit i of c is set iff bits i .. i + have - 1 were. */
	while (have < n && c) {
		unsigned int step = min(have, n - have);

		c &= c >> step;
		have += step;
	}
	return c;
}

/* Lowest index of a run of @n one bits in @c (1 <= @n <= 64), or 64. */
static unsigned int ga_find_run64(u64 c, unsigned int n)
{
	c = ga_run_starts64(c, n);
	return c ? __ffs64(c) : 64;
}

/**
 * ga_pallocbits_summarize() - Summarise a chunk's free pages.
 * @b: the chunk's bitmap
 *
 * Context: Any context; @b is the caller's to serialise.
 * Return: the free pages at the start, the longest free run and the free
 * pages at the end of the chunk.
 */
struct ga_psum ga_pallocbits_summarize(const struct ga_pallocbits *b)
{
	struct ga_psum s = { 0, 0, 0 };
	unsigned int i, run = 0;
	bool prefix = true;

	for (i = 0; i < GA_CHUNK_WORDS; i++) {
		u64 x = b->w[i];
		unsigned int lo;

		if (!x) {
			run += 64;
			continue;
		}
		if (x == ~0ULL) {
			/* All in use, as most words of a busy chunk are. */
			if (prefix) {
				s.start = run;
				prefix = false;
			}
			s.max = max(s.max, run);
			run = 0;
			continue;
		}
		lo = __ffs64(x);
		run += lo;
		if (prefix) {
			s.start = run;
			prefix = false;
		}
		s.max = max(s.max, run);
		if (64 - hweight64(x) > s.max)
			s.max = max(s.max, ga_longest_zero_run64(x));
		run = 64 - fls64(x);
	}
	if (prefix)
		s.start = run;
	s.max = max(s.max, run);
	s.end = run;
	return s;
}
EXPORT_SYMBOL_IF_KUNIT(ga_pallocbits_summarize);

/**
 * ga_pallocbits_find() - First fit for a run of free pages in a chunk.
 * @b: the chunk's bitmap
 * @npages: run length, 1 .. 512
 * @search: no free page lies below this index
 *
 * Context: Any context; @b is the caller's to serialise.
 * Return: the lowest index of @npages free pages, or %GA_NO_PAGE as an
 * unsigned int (~0U) if there is none.
 */
unsigned int ga_pallocbits_find(const struct ga_pallocbits *b, unsigned int npages,
				unsigned int search)
{
	unsigned int i, run = 0, start = 0;

	if (!npages || npages > GA_CHUNK_PAGES || search >= GA_CHUNK_PAGES)
		return ~0U;

	for (i = search / 64; i < GA_CHUNK_WORDS; i++) {
		u64 x = b->w[i];
		unsigned int lo, j;

		if (i == search / 64)
			x |= ga_word_mask(0, search % 64);
		if (!x) {
			if (!run)
				start = i * 64;
			run += 64;
			if (run >= npages)
				return start;
			continue;
		}
		/* A run from the words below, ending in this word's low zeros. */
		lo = __ffs64(x);
		if (run + lo >= npages)
			return run ? start : i * 64;
		/* A run inside this word. */
		if (npages <= 64) {
			j = ga_find_run64(~x, npages);
			if (j < 64)
				return i * 64 + j;
		}
		/* The zeros at the top may start a run into the next word. */
		run = 64 - fls64(x);
		start = i * 64 + 64 - run;
	}
	return ~0U;
}
EXPORT_SYMBOL_IF_KUNIT(ga_pallocbits_find);

/* ---------------------------------------------------------------------- */
/* pageAlloc: bitmaps of all chunks plus the summary tree                 */

static unsigned int ga_pa_level_shift(const struct ga_pagealloc *pa, unsigned int level)
{
	return (GA_CHUNK_SHIFT - GA_PAGE_SHIFT) +
		GA_PA_FANOUT_SHIFT * (pa->nlevels - 1 - level);
}

/* Go's mergeSummaries: combine 8 children of @size pages each. */
static struct ga_psum ga_psum_merge(const struct ga_psum *c, u32 size)
{
	struct ga_psum s = { 0, 0, 0 };
	bool prefix = true;
	unsigned int j;
	u32 run = 0;

	for (j = 0; j < GA_PA_FANOUT; j++) {
		if (prefix) {
			s.start += c[j].start;
			prefix = c[j].start == size;
		}
		if (c[j].start == size) {
			run += size;
			continue;
		}
		run += c[j].start;
		s.max = max3(s.max, run, c[j].max);
		run = c[j].end;
	}
	s.max = max(s.max, run);
	s.end = run;
	return s;
}

/* Store @s at @to; false if it was there already. */
static bool ga_psum_set(struct ga_psum *to, struct ga_psum s)
{
	if (to->start == s.start && to->max == s.max && to->end == s.end)
		return false;
	*to = s;
	return true;
}

/*
 * Recompute the summaries above chunks @c0 .. @c1. An entry is a function
 * of its children only, so the walk up stops at the first level where no
 * entry changed: a run taken from a chunk that keeps a longer one, or
 * under a parent whose longest run lies elsewhere, updates one or two
 * levels, not all of them.
 */
static void ga_pa_update(struct ga_pagealloc *pa, unsigned long c0, unsigned long c1)
{
	unsigned int leaf = pa->nlevels - 1, l;
	bool changed = false;
	unsigned long c;

	for (c = c0; c <= c1; c++)
		changed |= ga_psum_set(&pa->sum[leaf][c],
				       ga_pallocbits_summarize(&pa->chunks[c]));
	for (l = leaf; l > 0 && changed; l--) {
		u32 size = BIT(ga_pa_level_shift(pa, l));

		changed = false;
		c0 >>= GA_PA_FANOUT_SHIFT;
		c1 >>= GA_PA_FANOUT_SHIFT;
		for (c = c0; c <= c1; c++)
			changed |= ga_psum_set(&pa->sum[l - 1][c],
					       ga_psum_merge(&pa->sum[l][c * GA_PA_FANOUT], size));
	}
}

static void ga_pa_set_range(struct ga_pagealloc *pa, unsigned long page,
			    unsigned long npages, bool alloc)
{
	unsigned long c0 = page / GA_CHUNK_PAGES;
	unsigned long c1 = (page + npages - 1) / GA_CHUNK_PAGES;
	unsigned long c;

	for (c = c0; c <= c1; c++) {
		unsigned int i = page % GA_CHUNK_PAGES;
		unsigned int n = min_t(unsigned long, npages, GA_CHUNK_PAGES - i);

		if (alloc)
			ga_pallocbits_alloc_range(&pa->chunks[c], i, n);
		else
			ga_pallocbits_free_range(&pa->chunks[c], i, n);
		page += n;
		npages -= n;
	}
	ga_pa_update(pa, c0, c1);
}

static unsigned long ga_pa_count_range(struct ga_pagealloc *pa, unsigned long page,
				       unsigned long npages)
{
	unsigned long count = 0;

	while (npages) {
		unsigned int i = page % GA_CHUNK_PAGES;
		unsigned int n = min_t(unsigned long, npages, GA_CHUNK_PAGES - i);

		count += ga_pallocbits_popcount(&pa->chunks[page / GA_CHUNK_PAGES], i, n);
		page += n;
		npages -= n;
	}
	return count;
}

/*
 * Go's pageAlloc.find: walk the tree from the root, scanning each level's
 * block of 8 entries from the search hint. A run that crosses entries is
 * tracked with (base, run); an entry whose longest run fits is descended
 * into. Failure below the top level means the summaries are corrupt.
 */
static unsigned long ga_pa_find(struct ga_pagealloc *pa, unsigned long npages)
{
	unsigned long i = 0;
	unsigned int l, idx;

	for (l = 0; l < pa->nlevels; l++) {
		unsigned int shift = ga_pa_level_shift(pa, l);
		unsigned long blk = i * GA_PA_FANOUT, hint = pa->search >> shift;
		unsigned long base = 0, run = 0, j = 0;

		if ((hint & ~(unsigned long)(GA_PA_FANOUT - 1)) == blk)
			j = hint & (GA_PA_FANOUT - 1);
		for (; j < GA_PA_FANOUT; j++) {
			struct ga_psum s = pa->sum[l][blk + j];
			unsigned long size = BIT(shift);

			if (!s.max) {
				run = 0;
				continue;
			}
			if (run + s.start >= npages)
				return run ? base : (blk + j) << shift;
			if (s.max >= npages) {
				i = blk + j;
				break;
			}
			if (s.start == size) {
				if (!run)
					base = (blk + j) << shift;
				run += size;
			} else {
				run = s.end;
				base = ((blk + j + 1) << shift) - run;
			}
		}
		if (j == GA_PA_FANOUT) {
			WARN_ON_ONCE(l > 0);
			return GA_NO_PAGE;
		}
	}

	/* i is a chunk whose longest free run fits. */
	idx = ga_pallocbits_find(&pa->chunks[i], npages, 0);
	if (WARN_ON_ONCE(idx == ~0U))
		return GA_NO_PAGE;
	return i * GA_CHUNK_PAGES + idx;
}

/**
 * ga_pagealloc_find() - Where ga_pagealloc_alloc() would take a run.
 * @pa: the page allocator
 * @npages: run length
 *
 * Nothing is allocated: the caller may take all of the run, or a part of
 * it, with ga_pagealloc_take() under the same hold of the lock.
 *
 * Context: @pa->lock held.
 * Return: the first page of the lowest free run of @npages, or
 * %GA_NO_PAGE.
 */
static unsigned long ga_pagealloc_find(struct ga_pagealloc *pa, unsigned long npages)
{
	unsigned long c = pa->search / GA_CHUNK_PAGES;

	lockdep_assert_held(pa->lock);
	if (!npages || npages > pa->free_pages)
		return GA_NO_PAGE;

	/* Fast path: a run inside the chunk the search hint points into. */
	if (npages <= GA_CHUNK_PAGES && c < pa->maxchunks &&
	    pa->sum[pa->nlevels - 1][c].max >= npages) {
		unsigned int i = ga_pallocbits_find(&pa->chunks[c], npages,
						    pa->search % GA_CHUNK_PAGES);

		if (i != ~0U)
			return c * GA_CHUNK_PAGES + i;
	}
	return ga_pa_find(pa, npages);
}

/**
 * ga_pagealloc_take() - Allocate a run that is free.
 * @pa: the page allocator
 * @page: first page, from ga_pagealloc_find() (or inside its run)
 * @npages: run length
 *
 * Context: @pa->lock held.
 * Return: nothing.
 */
static void ga_pagealloc_take(struct ga_pagealloc *pa, unsigned long page,
			      unsigned long npages)
{
	lockdep_assert_held(pa->lock);
	ga_pa_set_range(pa, page, npages, true);
	pa->free_pages -= npages;
	/* Free pages below @page, if any, keep the hint where it is. */
	if (page == pa->search)
		pa->search = page + npages;
}

/**
 * ga_pagealloc_alloc() - Allocate a run of pages, address-ordered first fit.
 * @pa: the page allocator
 * @npages: run length
 *
 * Context: @pa->lock held.
 * Return: the first page of the run, or %GA_NO_PAGE.
 */
unsigned long ga_pagealloc_alloc(struct ga_pagealloc *pa, unsigned long npages)
{
	unsigned long page = ga_pagealloc_find(pa, npages);

	if (page != GA_NO_PAGE)
		ga_pagealloc_take(pa, page, npages);
	return page;
}
EXPORT_SYMBOL_IF_KUNIT(ga_pagealloc_alloc);

/* The bitmap word of the 64-page block holding @page. */
static u64 *ga_pagealloc_block(struct ga_pagealloc *pa, unsigned long page)
{
	return &pa->chunks[page / GA_CHUNK_PAGES].w[page % GA_CHUNK_PAGES / 64];
}

/*
 * Take every free page of the 64-page block (one bitmap word) holding
 * @page, which must be free, for a CPU's page cache. Returns the pages
 * taken as bits of the block.
 */
static u64 ga_pagealloc_take_block(struct ga_pagealloc *pa, unsigned long page)
{
	u64 *word = ga_pagealloc_block(pa, page);
	u64 bits = ~*word;

	lockdep_assert_held(pa->lock);
	*word = ~0ULL;
	pa->free_pages -= hweight64(bits);
	/* Free pages below the block, if any, keep the hint where it is. */
	if (pa->search >= round_down(page, 64) && pa->search < round_down(page, 64) + 64)
		pa->search = round_down(page, 64) + 64;
	ga_pa_update(pa, page / GA_CHUNK_PAGES, page / GA_CHUNK_PAGES);
	return bits;
}

/* Give back pages @bits of the 64-page block at @base (a page cache's). */
static void ga_pagealloc_give_block(struct ga_pagealloc *pa, unsigned long base, u64 bits)
{
	u64 *word = ga_pagealloc_block(pa, base);

	lockdep_assert_held(pa->lock);
	if (WARN_ON_ONCE(base % 64 || (*word & bits) != bits))
		return;
	*word &= ~bits;
	pa->free_pages += hweight64(bits);
	pa->search = min(pa->search, base + __ffs64(bits));
	ga_pa_update(pa, base / GA_CHUNK_PAGES, base / GA_CHUNK_PAGES);
}

/**
 * ga_pagealloc_free() - Free a run of pages.
 * @pa: the page allocator
 * @page: first page of the run
 * @npages: run length
 *
 * A run that is not wholly in use is refused with a warning: the heap
 * never frees such a run, so it means corrupt metadata.
 *
 * Context: @pa->lock held.
 * Return: nothing.
 */
void ga_pagealloc_free(struct ga_pagealloc *pa, unsigned long page, unsigned long npages)
{
	lockdep_assert_held(pa->lock);
	if (WARN_ON_ONCE(!npages || page >= (unsigned long)pa->maxchunks * GA_CHUNK_PAGES ||
			 npages > (unsigned long)pa->maxchunks * GA_CHUNK_PAGES - page))
		return;
	if (WARN_ON_ONCE(ga_pa_count_range(pa, page, npages) != npages))
		return;
	ga_pa_set_range(pa, page, npages, false);
	pa->free_pages += npages;
	pa->search = min(pa->search, page);
}
EXPORT_SYMBOL_IF_KUNIT(ga_pagealloc_free);

/**
 * ga_pagealloc_grow() - Make chunks available for allocation.
 * @pa: the page allocator
 * @chunk: first chunk
 * @nchunks: number of chunks
 *
 * Context: @pa->lock held.
 * Return: nothing.
 */
void ga_pagealloc_grow(struct ga_pagealloc *pa, unsigned int chunk, unsigned int nchunks)
{
	lockdep_assert_held(pa->lock);
	if (WARN_ON_ONCE(!nchunks || chunk >= pa->maxchunks || nchunks > pa->maxchunks - chunk))
		return;
	memset(&pa->chunks[chunk], 0, nchunks * sizeof(*pa->chunks));
	ga_pa_update(pa, chunk, chunk + nchunks - 1);
	pa->free_pages += (unsigned long)nchunks * GA_CHUNK_PAGES;
	pa->grown_pages += (unsigned long)nchunks * GA_CHUNK_PAGES;
	pa->search = min(pa->search, (unsigned long)chunk * GA_CHUNK_PAGES);
}
EXPORT_SYMBOL_IF_KUNIT(ga_pagealloc_grow);

/**
 * ga_pagealloc_shrink() - Take wholly free chunks out of the allocator.
 * @pa: the page allocator
 * @chunk: first chunk
 * @nchunks: number of chunks; all their pages must be free
 *
 * The chunks become as if never grown: fully allocated, no memory behind.
 *
 * Context: @pa->lock held.
 * Return: nothing.
 */
void ga_pagealloc_shrink(struct ga_pagealloc *pa, unsigned int chunk, unsigned int nchunks)
{
	lockdep_assert_held(pa->lock);
	if (WARN_ON_ONCE(!nchunks || chunk >= pa->maxchunks || nchunks > pa->maxchunks - chunk))
		return;
	if (WARN_ON_ONCE(ga_pa_count_range(pa, (unsigned long)chunk * GA_CHUNK_PAGES,
					   (unsigned long)nchunks * GA_CHUNK_PAGES)))
		return;
	memset(&pa->chunks[chunk], 0xff, nchunks * sizeof(*pa->chunks));
	ga_pa_update(pa, chunk, chunk + nchunks - 1);
	pa->free_pages -= (unsigned long)nchunks * GA_CHUNK_PAGES;
	pa->grown_pages -= (unsigned long)nchunks * GA_CHUNK_PAGES;
}
EXPORT_SYMBOL_IF_KUNIT(ga_pagealloc_shrink);

/**
 * ga_pagealloc_largest_free() - Longest run of free pages.
 * @pa: the page allocator
 *
 * Context: @pa->lock held.
 * Return: the length of the longest free run.
 */
unsigned long ga_pagealloc_largest_free(struct ga_pagealloc *pa)
{
	lockdep_assert_held(pa->lock);
	return ga_psum_merge(pa->sum[0], BIT(ga_pa_level_shift(pa, 0))).max;
}
EXPORT_SYMBOL_IF_KUNIT(ga_pagealloc_largest_free);

/**
 * ga_pagealloc_summary() - One entry of the summary tree, for tests.
 * @pa: the page allocator
 * @level: 0 is the top, nlevels - 1 the chunks
 * @idx: entry index within the level
 *
 * Context: @pa->lock held.
 * Return: the summary; all zero (fully allocated) when out of range.
 */
struct ga_psum ga_pagealloc_summary(struct ga_pagealloc *pa, unsigned int level,
				    unsigned long idx)
{
	struct ga_psum none = { 0, 0, 0 };

	lockdep_assert_held(pa->lock);
	if (level >= pa->nlevels || idx >= GA_PA_FANOUT << (GA_PA_FANOUT_SHIFT * level))
		return none;
	return pa->sum[level][idx];
}
EXPORT_SYMBOL_IF_KUNIT(ga_pagealloc_summary);

/**
 * ga_pagealloc_init() - Set up a page allocator with no free pages.
 * @pa: the page allocator
 * @maxchunks: the most chunks it will ever hold
 * @lock: the lock its callers hold
 *
 * Context: Process context; sleeps.
 * Return: 0, -EINVAL for a bad size or -ENOMEM.
 */
int ga_pagealloc_init(struct ga_pagealloc *pa, unsigned int maxchunks, spinlock_t *lock)
{
	unsigned int l;

	memset(pa, 0, sizeof(*pa));
	pa->lock = lock;
	if (!maxchunks)
		return -EINVAL;
	pa->nlevels = 1;
	while (BIT(GA_PA_FANOUT_SHIFT * pa->nlevels) < maxchunks) {
		if (++pa->nlevels > GA_PA_MAX_LEVELS)
			return -EINVAL;
	}
	pa->maxchunks = maxchunks;
	pa->search = (unsigned long)maxchunks * GA_CHUNK_PAGES;

	pa->chunks = kvmalloc_array(maxchunks, sizeof(*pa->chunks), GA_META_GFP);
	if (!pa->chunks)
		goto nomem;
	memset(pa->chunks, 0xff, maxchunks * sizeof(*pa->chunks));
	for (l = 0; l < pa->nlevels; l++) {
		pa->sum[l] = kvcalloc(GA_PA_FANOUT << (GA_PA_FANOUT_SHIFT * l),
				      sizeof(struct ga_psum), GA_META_GFP);
		if (!pa->sum[l])
			goto nomem;
	}
	return 0;

nomem:
	ga_pagealloc_destroy(pa);
	return -ENOMEM;
}
EXPORT_SYMBOL_IF_KUNIT(ga_pagealloc_init);

/**
 * ga_pagealloc_destroy() - Free a page allocator's metadata.
 * @pa: the page allocator
 *
 * Context: Process context.
 * Return: nothing.
 */
void ga_pagealloc_destroy(struct ga_pagealloc *pa)
{
	unsigned int l;

	for (l = 0; l < GA_PA_MAX_LEVELS; l++) {
		kvfree(pa->sum[l]);
		pa->sum[l] = NULL;
	}
	kvfree(pa->chunks);
	pa->chunks = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(ga_pagealloc_destroy);

/* ---------------------------------------------------------------------- */
/* fixalloc (Go's fixalloc): span structs                                 */

struct ga_fixalloc_block {
	struct list_head node;
	/* objects follow */
};

/**
 * ga_fixalloc_init() - Set up an allocator of fixed-size objects.
 * @fa: the fixalloc
 * @size: object size
 */
void ga_fixalloc_init(struct ga_fixalloc *fa, size_t size)
{
	spin_lock_init(&fa->lock);
	fa->size = ALIGN(max(size, sizeof(struct list_head)), sizeof(long));
	fa->block = roundup_pow_of_two(max_t(size_t, PAGE_SIZE, 4 * fa->size));
	INIT_LIST_HEAD(&fa->free);
	INIT_LIST_HEAD(&fa->blocks);
	fa->chunk = NULL;
	fa->left = 0;
	fa->inuse = 0;
}

static void *ga_fixalloc_take(struct ga_fixalloc *fa)
{
	void *p;

	lockdep_assert_held(&fa->lock);
	if (!list_empty(&fa->free)) {
		p = fa->free.next;
		list_del((struct list_head *)p);
	} else if (fa->left >= fa->size) {
		p = fa->chunk;
		fa->chunk += fa->size;
		fa->left -= fa->size;
	} else {
		return NULL;
	}
	fa->inuse++;
	return p;
}

/**
 * ga_fixalloc_alloc() - Allocate an object; its contents are undefined.
 * @fa: the fixalloc
 * @gfp: how to get a new block if none is left
 *
 * Context: Any context; sleeps only if @gfp allows.
 * Return: the object, or %NULL.
 */
void *ga_fixalloc_alloc(struct ga_fixalloc *fa, gfp_t gfp)
{
	struct ga_fixalloc_block *blk;
	unsigned long flags;
	void *p;

	if (ga_inject(ga_fail_meta))
		return NULL;
	spin_lock_irqsave(&fa->lock, flags);
	p = ga_fixalloc_take(fa);
	spin_unlock_irqrestore(&fa->lock, flags);
	if (p)
		return p;

	blk = kmalloc(fa->block, ga_meta_gfp(gfp));
	if (!blk)
		return NULL;
	/* Span structs hold heap addresses, not references: see ga_region_alloc(). */
	kmemleak_scan_area(&blk->node, sizeof(blk->node), ga_meta_gfp(gfp));
	spin_lock_irqsave(&fa->lock, flags);
	list_add(&blk->node, &fa->blocks);
	fa->chunk = blk + 1;
	fa->left = fa->block - sizeof(*blk);
	p = ga_fixalloc_take(fa);
	spin_unlock_irqrestore(&fa->lock, flags);
	return p;
}

/**
 * ga_fixalloc_free() - Return an object for reuse.
 * @fa: the fixalloc
 * @p: the object
 *
 * Context: Any context.
 */
void ga_fixalloc_free(struct ga_fixalloc *fa, void *p)
{
	unsigned long flags;

	spin_lock_irqsave(&fa->lock, flags);
	list_add((struct list_head *)p, &fa->free);
	fa->inuse--;
	spin_unlock_irqrestore(&fa->lock, flags);
}

/**
 * ga_fixalloc_destroy() - Free every block.
 * @fa: the fixalloc
 *
 * Context: Process context; no object may be used afterwards.
 */
void ga_fixalloc_destroy(struct ga_fixalloc *fa)
{
	struct ga_fixalloc_block *blk, *next;

	list_for_each_entry_safe(blk, next, &fa->blocks, node)
		kfree(blk);
	INIT_LIST_HEAD(&fa->blocks);
	INIT_LIST_HEAD(&fa->free);
	fa->left = 0;
}

/* ---------------------------------------------------------------------- */
/* The span table: arenas[L1][L2] -> ga_heaparena                         */

/*
 * vmalloc aligns to PAGE_SIZE only; heap pages need 8 KiB. Under kmemleak
 * the heap also starts past the address vmalloc returned, which vmalloc's
 * own vm_struct holds: otherwise the first object would always look
 * referenced. The span structs and regions, which hold heap addresses,
 * are scanned only for their list links, chunk_base not at all.
 */
#define GA_REGION_LEAD	(IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) ? GA_PAGE_SIZE :	\
			 (unsigned long)max_t(long, GA_PAGE_SIZE - PAGE_SIZE, 0))

/* A region of heap memory: vmalloc'd, or one page-allocator block. */
struct ga_region {
	struct list_head node;
	void *vm;		/* what vmalloc returned (vmalloc backing) */
	struct page *block;	/* the compound block (direct-map backing) */
	unsigned long base;	/* first heap page */
	unsigned long bytes;
	unsigned int chunk;	/* first chunk number */
	unsigned int nchunks;
	bool initial;		/* the arena from load, never returned */
};

static struct ga_heaparena *ga_arena_of(struct ga_heap *h, unsigned long addr)
{
	unsigned long win = (addr - h->index_base) >> GA_ARENA_SHIFT;
	struct ga_heaparena **l2;

	if (win >= h->index_windows)
		return NULL;
	l2 = READ_ONCE(h->arenas[win >> GA_ARENA_L2_BITS]);
	if (!l2)
		return NULL;
	return READ_ONCE(l2[win & (GA_ARENA_L2_ENTRIES - 1)]);
}

static unsigned int ga_arena_page(struct ga_heap *h, unsigned long addr)
{
	return ((addr - h->index_base) >> GA_PAGE_SHIFT) & (GA_ARENA_PAGES - 1);
}

/**
 * ga_span_of() - Find the span that owns an address (Go's spanOf).
 * @h: the heap
 * @p: any address
 *
 * O(1): a bounds check and three dependent loads (__ga_span_of()).
 *
 * Context: Any context; takes no lock.
 * Return: the span whose pages contain @p, or %NULL if no span in use does.
 * A lookup racing with the free of that span may return it dead or reused.
 */
struct ga_span *ga_span_of(struct ga_heap *h, const void *p)
{
	return __ga_span_of(h, p);
}
EXPORT_SYMBOL_IF_KUNIT(ga_span_of);

/*
 * Create the index blocks and span tables for [base, base + bytes). Takes
 * no lock: concurrent growers publish each block with a cmpxchg, and the
 * loser frees its copy.
 */
static int ga_index_map(struct ga_heap *h, unsigned long base, unsigned long bytes)
{
	unsigned long w0 = (base - h->index_base) >> GA_ARENA_SHIFT;
	unsigned long w1 = (base + bytes - 1 - h->index_base) >> GA_ARENA_SHIFT;
	unsigned long w;

	if (WARN_ON_ONCE(w1 >= h->index_windows))
		return -EINVAL;
	for (w = w0; w <= w1; w++) {
		struct ga_heaparena ***slot = &h->arenas[w >> GA_ARENA_L2_BITS];
		struct ga_heaparena **l2 = READ_ONCE(*slot), **new_l2, *ha;
		unsigned long i = w & (GA_ARENA_L2_ENTRIES - 1);

		if (!l2) {
			new_l2 = kvcalloc(GA_ARENA_L2_ENTRIES, sizeof(*new_l2), GA_META_GFP);
			if (!new_l2)
				return -ENOMEM;
			/* Publish the zeroed block; pairs with ga_arena_of(). */
			l2 = cmpxchg_release(slot, NULL, new_l2);
			if (l2)
				kvfree(new_l2);
			else
				l2 = new_l2;
		}
		if (READ_ONCE(l2[i]))
			continue;
		ha = kzalloc(sizeof(*ha), GA_META_GFP);
		if (!ha)
			return -ENOMEM;
		/* Publish the zeroed table; pairs with ga_arena_of(). */
		if (cmpxchg_release(&l2[i], NULL, ha))
			kfree(ha);
	}
	return 0;
}

static void ga_index_destroy(struct ga_heap *h)
{
	unsigned long i, j;

	if (!h->arenas)
		return;
	for (i = 0; i < h->arenas_l1; i++) {
		struct ga_heaparena **l2 = h->arenas[i];

		if (!l2)
			continue;
		for (j = 0; j < GA_ARENA_L2_ENTRIES; j++)
			kfree(l2[j]);
		kvfree(l2);
	}
	kvfree(h->arenas);
	h->arenas = NULL;
}

/* Point every page of @s at @val (the span, or NULL). */
static void ga_span_table_set(struct ga_heap *h, struct ga_span *s, struct ga_span *val)
{
	unsigned long addr = s->base, end = s->base + ga_span_bytes(s);

	lockdep_assert_held(&h->lock);
	while (addr < end) {
		struct ga_heaparena *ha = ga_arena_of(h, addr);
		unsigned int i = ga_arena_page(h, addr);

		if (WARN_ON_ONCE(!ha))
			return;
		for (; i < GA_ARENA_PAGES && addr < end; i++, addr += GA_PAGE_SIZE)
			WRITE_ONCE(ha->spans[i], val);
	}
}

/* ---------------------------------------------------------------------- */
/* Regions and growth                                                     */

/*
 * Chunk numbers for a new region of @n chunks: the first run with an
 * unused number on each side (none needed before number 0), so that runs
 * of free pages never join two regions. Numbers of returned regions are
 * used again. UINT_MAX if none is left.
 */
static unsigned int ga_heap_find_chunks(struct ga_heap *h, unsigned int n)
{
	unsigned long max = h->pages.maxchunks, start;

	lockdep_assert_held(&h->lock);
	if (n < max && find_next_bit(h->chunk_used, n + 1, 0) == n + 1)
		return 0;
	start = bitmap_find_next_zero_area(h->chunk_used, max, 0, n + 2, 0);
	return start + n + 2 <= max ? start + 1 : UINT_MAX;
}

/*
 * The same from the top: the highest n free numbers with a free one on
 * either side. Address-ordered first fit reaches them last, which keeps
 * a headroom region free until the rest of the heap is full.
 */
static unsigned int ga_heap_find_chunks_top(struct ga_heap *h, unsigned int n)
{
	unsigned long end = h->pages.maxchunks, last;

	lockdep_assert_held(&h->lock);
	while (end >= n + 2) {
		/* find_last_bit() returns @end when no number below it is used. */
		last = find_last_bit(h->chunk_used, end);
		if (last == end || end - last - 1 >= n + 2)
			return end - n - 1;
		end = last;
	}
	return UINT_MAX;
}

/*
 * Direct-map regions are single blocks of one chunk: the largest the page
 * allocator hands out on x86-64 (order 10), and physically contiguous, so
 * every object in one is too. Compound, so that hardened usercopy bounds a
 * copy by the block.
 */
#define GA_DIRECT_ORDER		(GA_CHUNK_SHIFT - PAGE_SHIFT)
#define GA_DIRECT_GFP		(GA_META_GFP | __GFP_RETRY_MAYFAIL | __GFP_COMP)

static_assert(GA_DIRECT_ORDER <= GA_MAX_PAGE_ORDER);

static void ga_region_destroy(struct ga_region *r)
{
	if (r->block) {
		/* The page allocator keeps its own shadow for free pages. */
		ga_kasan_unpoison((void *)r->base, r->bytes);
		set_page_private(r->block, 0);
		__free_pages(r->block, GA_DIRECT_ORDER);
	} else {
		vfree(r->vm);
	}
	kfree(r);
}

/* The memory of a region of @bytes; false if there is none. */
static bool ga_region_get_memory(struct ga_heap *h, struct ga_region *r, unsigned long bytes)
{
	if (h->backing == GA_BACKING_DIRECT) {
		if (bytes != GA_CHUNK_BYTES)
			return false;
		r->block = alloc_pages(GA_DIRECT_GFP, GA_DIRECT_ORDER);
		if (!r->block)
			return false;
		r->base = (unsigned long)page_address(r->block);
		/* Beyond the direct map the table was sized for (hot-added memory). */
		if ((r->base - h->index_base) >> GA_ARENA_SHIFT >= h->index_windows) {
			__free_pages(r->block, GA_DIRECT_ORDER);
			r->block = NULL;
			return false;
		}
		/* goalloc's, not a large kmalloc's: see goalloc_redirect.c. */
		set_page_private(r->block, GA_DIRECT_BLOCK_MARK);
		return true;
	}
	r->vm = __vmalloc(bytes + GA_REGION_LEAD, GA_META_GFP | __GFP_RETRY_MAYFAIL);
	if (!r->vm)
		return false;
	/* goalloc tells kmemleak of each object; the region would overlap them. */
	kmemleak_free(r->vm);
	/* Under kmemleak strictly past r->vm: see GA_REGION_LEAD. */
	r->base = h->index_base +
		  round_up((unsigned long)r->vm + IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) -
			   h->index_base, GA_PAGE_SIZE);
	return true;
}

/*
 * A region of @bytes (a multiple of 4 MiB) with its span-table windows,
 * not yet part of the heap. Sleeps, and may enter direct reclaim: the
 * caller holds no lock of the heap's.
 */
static struct ga_region *ga_region_alloc(struct ga_heap *h, unsigned long bytes)
{
	struct ga_region *r;

	might_sleep();
	r = kzalloc(sizeof(*r), GA_META_GFP);
	if (!r)
		return NULL;
	kmemleak_scan_area(&r->node, sizeof(r->node), GA_META_GFP);
	ga_test_point(GA_TP_GROW_REGION, h);
	if (ga_inject(ga_fail_grow) || !ga_region_get_memory(h, r, bytes))
		goto free_region;
	r->bytes = bytes;
	/* No span uses it yet: see include/goalloc_kasan.h. */
	ga_kasan_poison((void *)r->base, bytes, GA_KASAN_PAGE_FREE);
	r->nchunks = bytes >> GA_CHUNK_SHIFT;
	if (ga_index_map(h, r->base, bytes)) {
		ga_region_destroy(r);
		return NULL;
	}
	return r;

free_region:
	kfree(r);
	return NULL;
}

/*
 * Make region @r part of the heap, at the lowest free chunk numbers or,
 * for @top (headroom), the highest: false if no chunk numbers are left.
 */
static bool ga_region_publish(struct ga_heap *h, struct ga_region *r, bool initial, bool top)
{
	unsigned int chunk, i;

	lockdep_assert_held(&h->lock);
	chunk = top ? ga_heap_find_chunks_top(h, r->nchunks) : ga_heap_find_chunks(h, r->nchunks);
	if (chunk == UINT_MAX)
		return false;
	r->chunk = chunk;
	r->initial = initial;
	bitmap_set(h->chunk_used, chunk, r->nchunks);
	for (i = 0; i < r->nchunks; i++) {
		h->chunk_base[chunk + i] = r->base + ((unsigned long)i << GA_CHUNK_SHIFT);
		h->chunk_region[chunk + i] = r;
	}
	h->mapped_bytes += r->bytes;
	list_add_tail(&r->node, &h->regions);
	ga_pagealloc_grow(&h->pages, chunk, r->nchunks);
	return true;
}

/**
 * ga_heap_holds() - Does @p lie in one of @h's regions?
 * @h: the heap
 * @p: any address
 *
 * Walks the regions under the heap lock: for the rare caller that must
 * tell goalloc's vmalloc memory from the kernel's (kvfree()).
 *
 * Context: Any context.
 * Return: true if @p is in a region of @h, used or free.
 */
bool ga_heap_holds(struct ga_heap *h, const void *p)
{
	unsigned long a = (unsigned long)p, flags;
	struct ga_region *r;
	bool found = false;

	spin_lock_irqsave(&h->lock, flags);
	list_for_each_entry(r, &h->regions, node) {
		if (a >= r->base && a - r->base < r->bytes) {
			found = true;
			break;
		}
	}
	spin_unlock_irqrestore(&h->lock, flags);
	return found;
}

/* Every page of @r is free. */
static bool ga_region_free(struct ga_heap *h, struct ga_region *r)
{
	struct ga_psum *leaf = h->pages.sum[h->pages.nlevels - 1];
	unsigned int i;

	lockdep_assert_held(&h->lock);
	for (i = 0; i < r->nchunks; i++)
		if (leaf[r->chunk + i].max != GA_CHUNK_PAGES)
			return false;
	return true;
}

/*
 * Headroom. Go grows its heap ahead of the live heap (the heap goal); the
 * page allocator keeps min/low/high watermarks and wakes kswapd below low.
 * goalloc's watermarks follow the rate at which spans take pages, over
 * windows of 100 ms: the rate is the larger of the last window's pages
 * and half the rate before (fast up, slow down, halving for each idle
 * window), or the current window's pace if that is higher. Below
 * low = max(2 MiB, 2 windows at that rate, 1/8 of the pages in use) free
 * pages, a work item grows the heap to high = 2 * low, up to the cap, in
 * regions of one heapArena at the top of the chunk numbers, which first
 * fit reaches last;
 * the delayed return of free regions leaves at least high free.
 */
#define GA_HEADROOM_WINDOW	(HZ / 10 ?: 1)
#define GA_HEADROOM_STEPS	64	/* regions per run of the work item */
#define GA_HEADROOM_MIN		((2UL << 20) >> GA_PAGE_SHIFT)

static void ga_headroom_roll(struct ga_heap *h)
{
	unsigned long n = (jiffies - h->window_start) / GA_HEADROOM_WINDOW;

	lockdep_assert_held(&h->lock);
	if (!n)
		return;
	h->rate_pages = max(h->window_pages, h->rate_pages / 2);
	h->rate_pages >>= min(n - 1, BITS_PER_LONG - 1);
	h->window_pages = 0;
	h->window_start += n * GA_HEADROOM_WINDOW;
}

/* The watermarks from the rate as of the last roll and this window's pace. */
static void ga_headroom_marks(struct ga_heap *h, unsigned long *low, unsigned long *high)
{
	unsigned long elapsed, pace, rate;

	lockdep_assert_held(&h->lock);
	elapsed = max(jiffies - h->window_start, 1UL);
	pace = h->window_pages * GA_HEADROOM_WINDOW / elapsed;
	rate = max(h->rate_pages, pace);
	*low = max3(GA_HEADROOM_MIN, 2 * rate, h->stats.pages_inuse / 8);
	*high = 2 * *low;
}

static void __ga_heap_headroom(struct ga_heap *h, unsigned long *low, unsigned long *high)
{
	lockdep_assert_held(&h->lock);
	ga_headroom_roll(h);
	ga_headroom_marks(h, low, high);
}

/**
 * ga_heap_headroom() - The heap's free-page watermarks now.
 * @h: the heap
 * @low: below this many free pages, the heap grows in the background
 * @high: it grows to this many, and keeps them when returning regions
 *
 * Context: Any context.
 */
void ga_heap_headroom(struct ga_heap *h, unsigned long *low, unsigned long *high)
{
	unsigned long flags;

	spin_lock_irqsave(&h->lock, flags);
	__ga_heap_headroom(h, low, high);
	spin_unlock_irqrestore(&h->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(ga_heap_headroom);

/*
 * Bytes the headroom may still grow, in whole chunks: up to the cap. A
 * blocking request that finds no run at the cap takes back the headroom
 * regions still wholly free (ga_heap_grow_for()).
 */
static unsigned long ga_headroom_room(struct ga_heap *h)
{
	unsigned long used = h->mapped_bytes + h->reserved_bytes;

	lockdep_assert_held(&h->lock);
	return used < h->max_bytes ? round_down(h->max_bytes - used, GA_CHUNK_BYTES) : 0;
}

/* Under heap->lock, after taking @npages (0: a refused request): grow? */
static bool ga_headroom_short(struct ga_heap *h, unsigned long npages)
{
	unsigned long low, high;

	lockdep_assert_held(&h->lock);
	if (!h->headroom)
		return false;
	ga_headroom_roll(h);
	h->window_pages += npages;
	ga_headroom_marks(h, &low, &high);
	return h->pages.free_pages + h->pcache_pages < low &&
	       ga_headroom_room(h) >= h->grow_bytes;
}

/*
 * What a growth is for: a span of npages (aligned to align) that it sets
 * up as soon as a run is free, under the same hold of the heap lock that
 * publishes the new region (so that no return of free regions can take
 * the region first); or, with no span, only room for npages.
 */
struct ga_grow_req {
	struct ga_span *span;
	unsigned long npages;
	unsigned long align;
	u8 state;
	u8 spanclass;
	bool headroom;		/* the headroom work's: see ga_heap_grow_for() */
};

static int ga_heap_grow_for(struct ga_heap *h, const struct ga_grow_req *req,
			    unsigned long need, bool *bg_grew);

/* The work item: grow until high free pages, the cap, or a failure. */
static void ga_heap_grow_work(struct work_struct *work)
{
	struct ga_heap *h = container_of(work, struct ga_heap, grow_work);
	struct ga_grow_req req = { .npages = h->grow_bytes >> GA_PAGE_SHIFT, .headroom = true };
	unsigned long flags, low, high;
	bool want, grew;
	int i;

	for (i = 0; i < GA_HEADROOM_STEPS; i++) {
		spin_lock_irqsave(&h->lock, flags);
		__ga_heap_headroom(h, &low, &high);
		want = h->pages.free_pages + h->pcache_pages < high &&
		       ga_headroom_room(h) >= h->grow_bytes;
		spin_unlock_irqrestore(&h->lock, flags);
		/*
		 * One heapArena per step: a blocking request for a long run
		 * at the cap can take back the ones still wholly free, which
		 * one large region would seldom be.
		 */
		if (!want || ga_heap_grow_for(h, &req, req.npages, &grew) || !grew)
			return;
	}
}

/* Take wholly free region @r out of the heap, onto @gone. */
static void ga_region_detach(struct ga_heap *h, struct ga_region *r, struct list_head *gone)
{
	lockdep_assert_held(&h->lock);
	ga_pagealloc_shrink(&h->pages, r->chunk, r->nchunks);
	bitmap_clear(h->chunk_used, r->chunk, r->nchunks);
	memset(&h->chunk_region[r->chunk], 0, r->nchunks * sizeof(*h->chunk_region));
	h->mapped_bytes -= r->bytes;
	h->stats.returned_chunks += r->nchunks;
	list_move(&r->node, gone);
}

/* Detach free regions onto @gone, leaving @keep free pages; any kept? */
static bool __ga_heap_reclaim_keep(struct ga_heap *h, unsigned long keep, struct list_head *gone)
{
	struct ga_region *r, *next;
	bool kept = false;

	lockdep_assert_held(&h->lock);
	ga_heap_flush_pcaches(h);
	list_for_each_entry_safe(r, next, &h->regions, node) {
		if (r->initial || !ga_region_free(h, r))
			continue;
		if (h->pages.free_pages < keep + (r->bytes >> GA_PAGE_SHIFT)) {
			kept = true;
			continue;
		}
		ga_region_detach(h, r, gone);
	}
	return kept;
}

/* Give back the regions __ga_heap_reclaim_keep() detached; sleeps. */
static void ga_regions_destroy(struct list_head *gone)
{
	struct ga_region *r, *next;

	list_for_each_entry_safe(r, next, gone, node) {
		list_del(&r->node);
		ga_region_destroy(r);
	}
}

static unsigned long __ga_heap_reclaim(struct ga_heap *h, bool keep_headroom)
{
	unsigned long flags, returned, low, high = 0;
	LIST_HEAD(gone);
	bool kept;

	might_sleep();
	spin_lock_irqsave(&h->lock, flags);
	if (keep_headroom && h->headroom)
		__ga_heap_headroom(h, &low, &high);
	returned = h->stats.returned_chunks;
	kept = __ga_heap_reclaim_keep(h, high, &gone);
	returned = h->stats.returned_chunks - returned;
	/* The watermarks fall as the rate does: look again later. */
	if (kept)
		mod_delayed_work(system_wq, &h->reclaim_work, h->reclaim_delay);
	spin_unlock_irqrestore(&h->lock, flags);
	ga_regions_destroy(&gone);
	return returned;
}

/**
 * ga_heap_reclaim() - Give wholly free regions back to vmalloc.
 * @h: the heap
 *
 * Every region but the initial arena whose pages are all free leaves the
 * page allocator and is vfree'd; its chunk numbers are used again by the
 * next growth. Span-table windows stay, so lock-free lookups of stale
 * pointers still find no span. Runs from a delayed work item after a
 * free empties a region (Go's scavenger returns memory in the background
 * too; that one leaves the headroom's high watermark free), from a growth
 * that reached the cap, or directly.
 *
 * Context: Process context; sleeps.
 * Return: the number of chunks returned.
 */
unsigned long ga_heap_reclaim(struct ga_heap *h)
{
	return __ga_heap_reclaim(h, false);
}
EXPORT_SYMBOL_IF_KUNIT(ga_heap_reclaim);

/**
 * ga_heap_return_free() - Give wholly free regions back now, keeping the headroom.
 * @h: the heap
 *
 * As the delayed reclaim work does, without its delay: for the trim work
 * (goalloc_cache.c), right after it drained the CPUs' caches of a heap
 * that was mostly free, since every span the drain unmapped would push
 * the delayed work back again.
 *
 * Context: Process context; sleeps.
 * Return: the number of chunks returned.
 */
unsigned long ga_heap_return_free(struct ga_heap *h)
{
	return __ga_heap_reclaim(h, true);
}

static void ga_heap_reclaim_work(struct work_struct *work)
{
	__ga_heap_reclaim(container_of(to_delayed_work(work), struct ga_heap, reclaim_work), true);
}

static void ga_span_init_locked(struct ga_heap *h, struct ga_span *s, unsigned long page,
				unsigned long npages, u8 state, u8 spanclass);
static unsigned long ga_heap_take_aligned(struct ga_heap *h, unsigned long npages,
					  unsigned long align);

/*
 * Pages past @npages that a run aligned to @align is asked with, to cut
 * the aligned part out of it: align - 1 pages, as regions may start
 * anywhere. Direct-map regions are single chunk-aligned chunks, so a run
 * of a whole chunk (a 4 MiB object) is aligned to anything up to 4 MiB
 * and no run needs to be longer than a chunk.
 */
static unsigned long ga_heap_align_extra(struct ga_heap *h, unsigned long npages,
					 unsigned long align)
{
	unsigned long extra = align ? align / GA_PAGE_SIZE - 1 : 0;

	if (h->backing == GA_BACKING_DIRECT)
		extra = min(extra, GA_CHUNK_PAGES - min(npages, GA_CHUNK_PAGES));
	return extra;
}

/* Pages from heap page @page to the first one aligned to @align (0: none). */
static unsigned long ga_heap_align_lead(struct ga_heap *h, unsigned long page,
					unsigned long align)
{
	unsigned long base = h->chunk_base[page / GA_CHUNK_PAGES] +
			     ((page % GA_CHUNK_PAGES) << GA_PAGE_SHIFT);

	if (!align)
		return 0;
	return (round_up(base, align) - base) >> GA_PAGE_SHIFT;
}

/* ---------------------------------------------------------------------- */
/* Page cache: Go's per-P pageCache, per CPU                              */

/* Give back @pc's pages; a region they leave wholly free goes back later. */
static void ga_pcache_flush(struct ga_heap *h, struct ga_pcache *pc)
{
	struct ga_region *r;

	lockdep_assert_held(&h->lock);
	if (!pc->free)
		return;
	ga_pagealloc_give_block(&h->pages, pc->base, pc->free);
	h->pcache_pages -= hweight64(pc->free);
	pc->free = 0;
	r = h->chunk_region[pc->base / GA_CHUNK_PAGES];
	if (r && !r->initial && ga_region_free(h, r))
		mod_delayed_work(system_wq, &h->reclaim_work, h->reclaim_delay);
}

/**
 * ga_heap_flush_pcaches() - Give back every CPU's cached pages.
 * @h: the heap
 *
 * Before anything that needs the page allocator to see every free page:
 * a request that found no run, the return of free regions, exact
 * statistics, the verifier.
 *
 * Context: @h->lock held.
 * Return: nothing.
 */
void ga_heap_flush_pcaches(struct ga_heap *h)
{
	int cpu;

	lockdep_assert_held(&h->lock);
	if (!h->pcache_pages)
		return;
	for_each_possible_cpu(cpu)
		ga_pcache_flush(h, per_cpu_ptr(h->pcache, cpu));
}

/**
 * ga_heap_drain_pcaches() - Give back every CPU's cached pages, locking.
 * @h: the heap
 *
 * For a drain of every per-CPU cache (ga_drain_all()): afterwards the
 * page allocator's first fit sees every free page again.
 *
 * Context: Any context but NMI; takes @h->lock.
 * Return: nothing.
 */
void ga_heap_drain_pcaches(struct ga_heap *h)
{
	unsigned long flags;

	spin_lock_irqsave(&h->lock, flags);
	ga_heap_flush_pcaches(h);
	spin_unlock_irqrestore(&h->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(ga_heap_drain_pcaches);

/*
 * The bits of the 64-page block at page @block whose pages start at an
 * address aligned to @align (0, or a power of two from 16 KiB to 512 KiB).
 */
static u64 ga_pcache_aligned(struct ga_heap *h, unsigned long block, unsigned long align)
{
	unsigned int ap = align >> GA_PAGE_SHIFT;
	u64 every;

	if (!align)
		return ~0ULL;
	every = ap == 64 ? 1 : ~0ULL / (BIT_ULL(ap) - 1);
	return every << ga_heap_align_lead(h, block, align);
}

/*
 * @npages from this CPU's page cache, at an address aligned to @align
 * (as for ga_pcache_aligned()), refilled with the free pages of the
 * 64-page block where the page allocator finds them; GA_NO_PAGE when the
 * run it finds crosses a block (the caller takes it directly) or none is
 * free.
 */
static unsigned long ga_pcache_alloc(struct ga_heap *h, unsigned long npages,
				     unsigned long align)
{
	struct ga_pcache *pc = this_cpu_ptr(h->pcache);
	unsigned long page, extra = ga_heap_align_extra(h, npages, align);
	u64 starts = 0;

	lockdep_assert_held(&h->lock);
	if (pc->free)
		starts = ga_run_starts64(pc->free, npages) & ga_pcache_aligned(h, pc->base, align);
	if (!starts) {
		page = ga_pagealloc_find(&h->pages, npages + extra);
		if (page == GA_NO_PAGE)
			return GA_NO_PAGE;
		page += ga_heap_align_lead(h, page, align);
		if (page / 64 != (page + npages - 1) / 64)
			return GA_NO_PAGE;
		ga_pcache_flush(h, pc);
		pc->base = round_down(page, 64);
		pc->free = ga_pagealloc_take_block(&h->pages, page);
		h->pcache_pages += hweight64(pc->free);
		starts = ga_run_starts64(pc->free, npages) & ga_pcache_aligned(h, pc->base, align);
		if (WARN_ON_ONCE(!starts))
			return GA_NO_PAGE;
	}
	pc->free &= ~ga_word_mask(__ffs64(starts), npages);
	h->pcache_pages -= npages;
	return pc->base + __ffs64(starts);
}

/* The page allocator's first fit for @req's span, aligned if it asks. */
static unsigned long ga_heap_take(struct ga_heap *h, const struct ga_grow_req *req)
{
	lockdep_assert_held(&h->lock);
	if (req->align)
		return ga_heap_take_aligned(h, req->npages, req->align);
	return ga_pagealloc_alloc(&h->pages, req->npages);
}

/* Satisfy @req from the free pages, with the heap lock held. */
static bool ga_heap_try(struct ga_heap *h, const struct ga_grow_req *req, unsigned long need)
{
	unsigned long page = GA_NO_PAGE;

	lockdep_assert_held(&h->lock);
	if (!req->span) {
		if (ga_pagealloc_largest_free(&h->pages) < need)
			ga_heap_flush_pcaches(h);
		return ga_pagealloc_largest_free(&h->pages) >= need;
	}
	if (req->npages < GA_PCACHE_MAX_RUN && req->align <= 64 * GA_PAGE_SIZE)
		page = ga_pcache_alloc(h, req->npages, req->align);
	if (page == GA_NO_PAGE)
		page = ga_heap_take(h, req);
	if (page == GA_NO_PAGE && h->pcache_pages) {
		/* Pages the CPUs keep are as free as any: never fail for them. */
		ga_heap_flush_pcaches(h);
		page = ga_heap_take(h, req);
	}
	if (page == GA_NO_PAGE)
		return false;
	ga_span_init_locked(h, req->span, page, req->npages, req->state, req->spanclass);
	return true;
}

/* Growth would pass the cap, counting regions other growers are adding. */
static bool ga_heap_over_cap(struct ga_heap *h, unsigned long bytes)
{
	lockdep_assert_held(&h->lock);
	return bytes > h->max_bytes - h->mapped_bytes - h->reserved_bytes;
}

/*
 * At the cap: detach wholly free regions onto @gone until a growth of
 * @bytes fits, if together they can make it fit; else detach none, so
 * that a request that fails anyway leaves the headroom in place.
 */
static void ga_heap_make_room(struct ga_heap *h, unsigned long bytes, struct list_head *gone)
{
	unsigned long freeable = 0;
	struct ga_region *r, *next;

	lockdep_assert_held(&h->lock);
	ga_heap_flush_pcaches(h);
	list_for_each_entry(r, &h->regions, node)
		if (!r->initial && ga_region_free(h, r))
			freeable += r->bytes;
	/* mapped + reserved never pass the cap: no underflow. */
	if (bytes > h->max_bytes - h->mapped_bytes - h->reserved_bytes + freeable)
		return;
	list_for_each_entry_safe(r, next, &h->regions, node) {
		if (!ga_heap_over_cap(h, bytes))
			break;
		if (!r->initial && ga_region_free(h, r))
			ga_region_detach(h, r, gone);
	}
}

/*
 * Go's mheap.grow: add a region of max(heapArena, @need pages rounded up
 * to chunks) and satisfy @req from it. No lock is held while the region
 * is allocated, so growers do not wait behind each other's vmalloc and
 * direct reclaim; the cap counts the regions they are adding. At the cap,
 * wholly free regions go back at once and the growth is tried again.
 * All of it runs as GFP_NOIO: a GFP_NOFS or GFP_NOIO caller must not
 * recurse into filesystem or block I/O reclaim through the heap.
 * @bg_grew, for the background grower: set if this call added a region.
 */
static int ga_heap_grow_for(struct ga_heap *h, const struct ga_grow_req *req,
			    unsigned long need, bool *bg_grew)
{
	struct ga_region *r = NULL;
	unsigned long flags, bytes;
	unsigned int noio;
	LIST_HEAD(gone);
	int ret = 0;

	might_sleep();
	if (bg_grew)
		*bg_grew = false;
	if (!need || need > ga_heap_max_run(h))
		return -ENOSPC;
	bytes = max(h->grow_bytes, round_up(need << GA_PAGE_SHIFT, GA_CHUNK_BYTES));

	noio = memalloc_noio_save();
	spin_lock_irqsave(&h->lock, flags);
	/* The headroom work grows below its watermark, runs free or not. */
	if (!req->headroom && ga_heap_try(h, req, need))
		goto unlock;
	/*
	 * At the cap, a request gives wholly free regions back (headroom
	 * ones among them: they are free until the rest of the heap is full)
	 * until its growth fits, and takes their room in the same hold of
	 * the lock, so that the headroom work cannot grow into it first. If
	 * they cannot make it fit, none goes. The headroom work itself never
	 * does: it would only trade free regions for one.
	 */
	if (ga_heap_over_cap(h, bytes) && !req->headroom)
		ga_heap_make_room(h, bytes, &gone);
	if (ga_heap_over_cap(h, bytes)) {
		ret = -ENOSPC;
		goto fail;
	}
	h->reserved_bytes += bytes;
	spin_unlock_irqrestore(&h->lock, flags);
	ga_regions_destroy(&gone);

	r = ga_region_alloc(h, bytes);

	spin_lock_irqsave(&h->lock, flags);
	h->reserved_bytes -= bytes;
	/* Another grower may have made room meanwhile: then r is not needed. */
	if (!req->headroom && ga_heap_try(h, req, need))
		goto unlock;
	if (!r || !ga_region_publish(h, r, false, req->headroom)) {
		ret = r ? -ENOSPC : -ENOMEM;
		goto fail;
	}
	r = NULL;
	h->stats.grows++;
	if (bg_grew) {
		*bg_grew = true;
		h->stats.bg_grows++;
	}
	if (WARN_ON_ONCE(!ga_heap_try(h, req, need)))
		ret = -ENOMEM;
	goto unlock;
fail:
	h->stats.grow_failures++;
unlock:
	spin_unlock_irqrestore(&h->lock, flags);
	if (r)
		ga_region_destroy(r);
	ga_regions_destroy(&gone);
	memalloc_noio_restore(noio);
	if (!ret)
		ga_test_point(GA_TP_GROWN, h);
	return ret;
}

/**
 * ga_heap_grow() - Grow the heap so that @npages contiguous pages are free.
 * @h: the heap
 * @npages: the run the caller needs
 *
 * Adds one region of max(heapArena, @npages rounded up to chunks), as
 * Go's mheap.grow does, unless a run of @npages is free already. At the
 * cap, wholly free regions are returned first. The region and its
 * metadata are allocated as with GFP_NOIO.
 *
 * Context: Process context; sleeps.
 * Return: 0 if a run of @npages is free now; -ENOSPC past the heap cap;
 * -ENOMEM if memory for the region or its metadata could not be had.
 */
int ga_heap_grow(struct ga_heap *h, unsigned long npages)
{
	struct ga_grow_req req = { .npages = npages };

	return ga_heap_grow_for(h, &req, npages, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(ga_heap_grow);

/* ---------------------------------------------------------------------- */
/* Spans                                                                  */

static void ga_span_init_locked(struct ga_heap *h, struct ga_span *s, unsigned long page,
				unsigned long npages, u8 state, u8 spanclass)
{
	lockdep_assert_held(&h->lock);
	s->page = page;
	s->npages = npages;
	s->base = h->chunk_base[page / GA_CHUNK_PAGES] +
		  ((page % GA_CHUNK_PAGES) << GA_PAGE_SHIFT);
	s->spanclass = spanclass;
	s->state = state;
	s->heap = h;
	s->alloc_bits = NULL;
	/* Fixalloc memory is not zeroed: no verifier pass has seen it. */
	s->vpass = 0;
	/* Publish the initialised span before the table points at it. */
	smp_wmb();
	ga_span_table_set(h, s, s);
	h->stats.spans_inuse++;
	h->stats.pages_inuse += npages;
	if (!spanclass) {
		h->stats.large_spans++;
		h->stats.large_pages += npages;
	}
}

/**
 * ga_heap_alloc_span() - Allocate a span of @npages pages (Go's mheap.alloc).
 * @h: the heap
 * @npages: span length in 8 KiB pages
 * @state: %GA_SPAN_INIT (the caller will publish its real state once its
 *	fields are set), %GA_SPAN_INUSE or %GA_SPAN_LARGE
 * @spanclass: span class of its objects, 0 for a large span
 * @gfp: allocation flags; the heap grows only if they allow blocking
 *
 * The span's base, page, npages, state and spanclass are set and every
 * page maps back to it; the rest of the struct is the caller's to set.
 *
 * Context: Any context; sleeps only if @gfp allows blocking.
 * Return: the span, or %NULL if no run is free and the heap cannot grow,
 * or @npages is 0.
 */
struct ga_span *ga_heap_alloc_span(struct ga_heap *h, unsigned long npages, u8 state,
				   u8 spanclass, gfp_t gfp)
{
	return ga_heap_alloc_span_aligned(h, npages, 0, state, spanclass, gfp);
}
EXPORT_SYMBOL_IF_KUNIT(ga_heap_alloc_span);

/*
 * First fit for @npages pages whose first page's address is a multiple of
 * @align: find a free run of npages + align/8K - 1 pages and take only
 * its aligned part (one bitmap and summary update, not three).
 */
static unsigned long ga_heap_take_aligned(struct ga_heap *h, unsigned long npages,
					  unsigned long align)
{
	unsigned long extra = ga_heap_align_extra(h, npages, align), page, lead;

	lockdep_assert_held(&h->lock);
	page = ga_pagealloc_find(&h->pages, npages + extra);
	if (page == GA_NO_PAGE)
		return page;
	lead = ga_heap_align_lead(h, page, align);
	if (WARN_ON_ONCE(lead > extra))
		return GA_NO_PAGE;
	/* Only the aligned part is taken: the ends stay free. */
	ga_pagealloc_take(&h->pages, page + lead, npages);
	return page + lead;
}

/**
 * ga_heap_alloc_span_aligned() - Allocate a span whose base is aligned.
 * @h: the heap
 * @npages: span length in 8 KiB pages
 * @align: alignment of the span's base in bytes: 0, or a power of two;
 *	beyond 8 KiB a longer run is searched for, of which only the
 *	aligned @npages pages are taken
 * @state: as for ga_heap_alloc_span()
 * @spanclass: as for ga_heap_alloc_span()
 * @gfp: as for ga_heap_alloc_span()
 *
 * Context: Any context; sleeps only if @gfp allows blocking.
 * Return: the span, or %NULL (also for 0 pages).
 */
struct ga_span *ga_heap_alloc_span_aligned(struct ga_heap *h, unsigned long npages,
					   unsigned long align, u8 state, u8 spanclass,
					   gfp_t gfp)
{
	struct ga_grow_req req = { .npages = npages, .state = state, .spanclass = spanclass };
	unsigned long flags, need = npages;
	bool taken, short_of_room;
	struct ga_span *s;

	if (WARN_ON_ONCE(state != GA_SPAN_INIT && state != GA_SPAN_INUSE &&
			 state != GA_SPAN_LARGE))
		return NULL;
	/* No span has 0 pages: neither the page cache nor growth may see one. */
	if (!npages)
		return NULL;
	if (align <= GA_PAGE_SIZE)
		align = 0;
	if (WARN_ON_ONCE(align && !is_power_of_2(align)))
		return NULL;
	need += ga_heap_align_extra(h, npages, align);
	req.align = align;
	s = ga_fixalloc_alloc(&h->spanalloc, gfp);
	if (!s)
		return NULL;

	req.span = s;
	spin_lock_irqsave(&h->lock, flags);
	taken = ga_heap_try(h, &req, need);
	if (!taken && !ga_gfp_may_grow(gfp))
		h->stats.nogrow_fails++;
	short_of_room = ga_headroom_short(h, taken ? npages : 0);
	spin_unlock_irqrestore(&h->lock, flags);
	if (short_of_room)
		queue_work(system_unbound_wq, &h->grow_work);
	if (taken || (ga_gfp_may_grow(gfp) && !ga_heap_grow_for(h, &req, need, NULL))) {
		/* The caller owns all of it; see include/goalloc_kasan.h. */
		ga_kasan_unpoison((void *)s->base, ga_span_bytes(s));
		return s;
	}
	ga_fixalloc_free(&h->spanalloc, s);
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(ga_heap_alloc_span_aligned);

/* Take @s out of the span table and give its pages back; false if dead. */
static bool ga_heap_unmap_span(struct ga_heap *h, struct ga_span *s)
{
	struct ga_region *r;

	lockdep_assert_held(&h->lock);
	if (WARN_ON_ONCE(s->state == GA_SPAN_DEAD))
		return false;
	ga_span_table_set(h, s, NULL);
	h->stats.spans_inuse--;
	h->stats.pages_inuse -= s->npages;
	if (!s->spanclass) {
		h->stats.large_spans--;
		h->stats.large_pages -= s->npages;
	}
	s->state = GA_SPAN_DEAD;
	/* Before the pages can be someone else's span. */
	ga_kasan_poison((void *)s->base, ga_span_bytes(s), GA_KASAN_PAGE_FREE);
	ga_pagealloc_free(&h->pages, s->page, s->npages);
	r = h->chunk_region[s->page / GA_CHUNK_PAGES];
	if (r && !r->initial && ga_region_free(h, r))
		mod_delayed_work(system_wq, &h->reclaim_work, h->reclaim_delay);
	return true;
}

/**
 * ga_heap_free_span() - Return a span's pages to the heap (Go's freeSpan).
 * @h: the heap
 * @s: a span from ga_heap_alloc_span(), no longer used by anyone
 *
 * Context: Any context.
 */
void ga_heap_free_span(struct ga_heap *h, struct ga_span *s)
{
	unsigned long flags;
	bool freed;

	spin_lock_irqsave(&h->lock, flags);
	freed = ga_heap_unmap_span(h, s);
	spin_unlock_irqrestore(&h->lock, flags);
	if (freed)
		ga_fixalloc_free(&h->spanalloc, s);
}
EXPORT_SYMBOL_IF_KUNIT(ga_heap_free_span);

static void ga_heap_span_rcu_free(struct rcu_head *head)
{
	struct ga_span *s = container_of(head, struct ga_span, rcu);
	struct ga_heap *h = s->heap;

	if (s->alloc_bits)
		ga_heap_free_bits(h, s);
	ga_fixalloc_free(&h->spanalloc, s);
}

/**
 * ga_heap_free_span_rcu() - Free a span's pages now, its metadata later.
 * @h: the heap
 * @s: a span no longer serving objects (a small one with its bitmaps)
 *
 * For spans that lock-free frees may still be looking at: the pages go
 * back at once, the struct and bitmaps after an RCU grace period.
 *
 * Context: Any context.
 */
void ga_heap_free_span_rcu(struct ga_heap *h, struct ga_span *s)
{
	unsigned long flags;

	spin_lock_irqsave(&h->lock, flags);
	if (!ga_heap_unmap_span(h, s)) {
		spin_unlock_irqrestore(&h->lock, flags);
		return;
	}
	spin_unlock_irqrestore(&h->lock, flags);
	call_rcu(&s->rcu, ga_heap_span_rcu_free);
}

/**
 * ga_heap_alloc_bits() - Give a small span its bitmaps (Go's newAllocBits).
 * @h: the heap
 * @s: a span with nelems and spanclass set
 * @gfp: allocation flags for a new metadata block
 *
 * The three bitmaps (alloc, local free, remote free) share one zeroed
 * allocation from the fixalloc for their size; tiny spans also get their
 * per-block counts. Both stay valid memory while the heap lives.
 *
 * Context: Any context; sleeps only if @gfp allows.
 * Return: 0 or -ENOMEM.
 */
int ga_heap_alloc_bits(struct ga_heap *h, struct ga_span *s, gfp_t gfp)
{
	unsigned int nw = roundup_pow_of_two(ga_span_words(s));
	struct ga_fixalloc *fa = &h->bitsalloc[ilog2(nw)];
	u64 *bits;

	if (WARN_ON_ONCE(ilog2(nw) >= GA_BITS_SIZES))
		return -EINVAL;
	bits = ga_fixalloc_alloc(fa, gfp);
	if (!bits)
		return -ENOMEM;
	memset(bits, 0, fa->size);
	s->tiny_refs = NULL;
	if (s->spanclass == GA_TINY_SPANCLASS) {
		s->tiny_refs = ga_fixalloc_alloc(&h->tinyalloc, gfp);
		if (!s->tiny_refs) {
			ga_fixalloc_free(fa, bits);
			return -ENOMEM;
		}
		memset(s->tiny_refs, 0, h->tinyalloc.size);
	}
	s->alloc_bits = bits;
	s->local_free = bits + nw;
	s->remote_free = (unsigned long *)(bits + 2 * nw);
	return 0;
}

/**
 * ga_heap_free_bits() - Return a small span's bitmaps.
 * @h: the heap
 * @s: the span, no longer serving objects
 *
 * Context: Any context.
 */
void ga_heap_free_bits(struct ga_heap *h, struct ga_span *s)
{
	unsigned int nw = roundup_pow_of_two(ga_span_words(s));

	ga_fixalloc_free(&h->bitsalloc[ilog2(nw)], s->alloc_bits);
	if (s->tiny_refs)
		ga_fixalloc_free(&h->tinyalloc, s->tiny_refs);
}

/**
 * ga_heap_read_stats() - Snapshot the heap's counters.
 * @h: the heap
 * @st: the event counters
 * @mapped: bytes of arena memory held
 * @free_pages: free heap pages
 * @largest_free: longest run of free pages
 *
 * Context: Any context.
 * Return: nothing.
 */
void ga_heap_read_stats(struct ga_heap *h, struct ga_heap_stats *st,
			unsigned long *mapped, unsigned long *free_pages,
			unsigned long *largest_free)
{
	unsigned long flags;

	spin_lock_irqsave(&h->lock, flags);
	ga_heap_flush_pcaches(h);
	*st = h->stats;
	*mapped = h->mapped_bytes;
	*free_pages = h->pages.free_pages;
	*largest_free = ga_pagealloc_largest_free(&h->pages);
	spin_unlock_irqrestore(&h->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(ga_heap_read_stats);

/* ---------------------------------------------------------------------- */
/* Init and teardown (Go's mheap.init plus the first arena)               */

/**
 * ga_heap_init_backing() - Set up a heap of either backing.
 * @h: the heap
 * @backing: %GA_BACKING_VMALLOC or %GA_BACKING_DIRECT
 * @arena_bytes: the initial arena, a multiple of 4 MiB; non-zero for
 *	vmalloc, at most one 4 MiB block (or none) for the direct map
 * @max_bytes: the cap, a multiple of 4 MiB, from @arena_bytes up to 64 GiB
 *
 * A direct-map heap's regions are single 4 MiB blocks from the page
 * allocator (alloc_pages(), order 10, compound), each physically
 * contiguous: it never holds a run of more than 4 MiB, and a growth fails
 * when the page allocator has no free block of that order even after
 * compaction (no fallback to smaller blocks, which would not be
 * contiguous). Its span table covers the direct map up to high_memory.
 *
 * Context: Process context; sleeps.
 * Return: 0, -EINVAL for bad sizes, -ENOMEM.
 */
int ga_heap_init_backing(struct ga_heap *h, enum ga_backing backing,
			 unsigned long arena_bytes, unsigned long max_bytes)
{
	struct ga_region *r;
	unsigned long flags;
	bool published;
	unsigned int i;
	int ret;

	memset(h, 0, sizeof(*h));
	if (!IS_ALIGNED(arena_bytes, GA_CHUNK_BYTES) ||
	    !IS_ALIGNED(max_bytes, GA_CHUNK_BYTES) || arena_bytes > max_bytes ||
	    !max_bytes || max_bytes > GA_HEAP_LIMIT)
		return -EINVAL;
	if (backing == GA_BACKING_VMALLOC ? !arena_bytes :
	    backing != GA_BACKING_DIRECT || arena_bytes > GA_CHUNK_BYTES)
		return -EINVAL;
	h->backing = backing;

	spin_lock_init(&h->lock);
	INIT_LIST_HEAD(&h->regions);
	INIT_DELAYED_WORK(&h->reclaim_work, ga_heap_reclaim_work);
	h->reclaim_delay = HZ;
	INIT_WORK(&h->grow_work, ga_heap_grow_work);
	h->window_start = jiffies;
	ga_fixalloc_init(&h->spanalloc, sizeof(struct ga_span));
	for (i = 0; i < GA_BITS_SIZES; i++)
		ga_fixalloc_init(&h->bitsalloc[i], 3 * sizeof(u64) << i);
	ga_fixalloc_init(&h->tinyalloc,
			 sizeof(atomic_t) * ga_class_to_nelems[GA_TINY_SIZE_CLASS]);
	h->arena_bytes = arena_bytes;
	h->grow_bytes = GA_CHUNK_BYTES;
	h->max_bytes = max_bytes;

	/*
	 * Chunk numbers: regions need an unused number between them, and
	 * returned regions leave holes; four times the cap leaves room.
	 */
	ret = ga_pagealloc_init(&h->pages, 4 * (max_bytes >> GA_CHUNK_SHIFT) + 2, &h->lock);
	if (ret)
		return ret;
	ret = -ENOMEM;
	h->pcache = alloc_percpu(struct ga_pcache);
	if (!h->pcache)
		goto free_chunk_base;
	h->chunk_base = kvcalloc(h->pages.maxchunks, sizeof(*h->chunk_base), GA_META_GFP);
	kmemleak_no_scan(h->chunk_base);
	h->chunk_region = kvcalloc(h->pages.maxchunks, sizeof(*h->chunk_region), GA_META_GFP);
	h->chunk_used = bitmap_zalloc(h->pages.maxchunks, GA_META_GFP);
	if (!h->chunk_base || !h->chunk_region || !h->chunk_used)
		goto free_chunk_base;

	if (backing == GA_BACKING_DIRECT) {
		h->index_base = PAGE_OFFSET;
		h->index_windows = (((unsigned long)high_memory - 1 - PAGE_OFFSET) >>
				    GA_ARENA_SHIFT) + 1;
	} else {
		h->index_base = VMALLOC_START;
		h->index_windows = ((VMALLOC_END - VMALLOC_START) >> GA_ARENA_SHIFT) + 1;
	}
	h->arenas_l1 = DIV_ROUND_UP(h->index_windows, GA_ARENA_L2_ENTRIES);
	h->arenas = kvcalloc(h->arenas_l1, sizeof(*h->arenas), GA_META_GFP);
	if (!h->arenas)
		goto free_chunk_base;

	if (!arena_bytes)
		return 0;
	ret = -ENOMEM;
	r = ga_region_alloc(h, arena_bytes);
	if (!r)
		goto free_index;
	spin_lock_irqsave(&h->lock, flags);
	published = ga_region_publish(h, r, true, false);
	spin_unlock_irqrestore(&h->lock, flags);
	if (WARN_ON_ONCE(!published)) {
		ga_region_destroy(r);
		goto free_index;
	}
	return 0;

free_index:
	ga_index_destroy(h);
free_chunk_base:
	bitmap_free(h->chunk_used);
	kvfree(h->chunk_region);
	kvfree(h->chunk_base);
	free_percpu(h->pcache);
	ga_pagealloc_destroy(&h->pages);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(ga_heap_init_backing);

/**
 * ga_heap_init() - Set up a vmalloc-backed heap and reserve its initial arena.
 * @h: the heap
 * @arena_bytes: the initial arena, a non-zero multiple of 4 MiB
 * @max_bytes: the cap, a multiple of 4 MiB, from @arena_bytes up to 64 GiB
 *
 * Context: Process context; sleeps.
 * Return: 0, -EINVAL for bad sizes, -ENOMEM.
 */
int ga_heap_init(struct ga_heap *h, unsigned long arena_bytes, unsigned long max_bytes)
{
	return ga_heap_init_backing(h, GA_BACKING_VMALLOC, arena_bytes, max_bytes);
}
EXPORT_SYMBOL_IF_KUNIT(ga_heap_init);

/**
 * ga_heap_destroy() - Free all heap memory and metadata.
 * @h: the heap; no span may be used afterwards
 *
 * Context: Process context.
 * Return: nothing.
 */
void ga_heap_destroy(struct ga_heap *h)
{
	struct ga_region *r, *next;
	unsigned int i;

	cancel_work_sync(&h->grow_work);
	cancel_delayed_work_sync(&h->reclaim_work);
	list_for_each_entry_safe(r, next, &h->regions, node)
		ga_region_destroy(r);
	INIT_LIST_HEAD(&h->regions);
	ga_index_destroy(h);
	bitmap_free(h->chunk_used);
	kvfree(h->chunk_region);
	kvfree(h->chunk_base);
	h->chunk_base = NULL;
	free_percpu(h->pcache);
	h->pcache = NULL;
	ga_pagealloc_destroy(&h->pages);
	ga_fixalloc_destroy(&h->spanalloc);
	for (i = 0; i < GA_BITS_SIZES; i++)
		ga_fixalloc_destroy(&h->bitsalloc[i]);
	ga_fixalloc_destroy(&h->tinyalloc);
}
EXPORT_SYMBOL_IF_KUNIT(ga_heap_destroy);

/**
 * ga_heap_forget_objects() - Tell kmemleak that every object is gone.
 * @h: the heap, which nobody uses any more (unload)
 *
 * Objects users left allocated go with the heap's memory; kmemleak must
 * not scan them after that. Each object start of each span is freed in
 * kmemleak; for an object it does not know (a free one) that is a no-op.
 *
 * Context: Process context, with nothing else running on the heap.
 */
void ga_heap_forget_objects(struct ga_heap *h)
{
	struct ga_region *r;
	unsigned long i, o;

	if (!IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		return;
	list_for_each_entry(r, &h->regions, node) {
		for (i = 0; i < (unsigned long)r->nchunks * GA_CHUNK_PAGES; i++) {
			unsigned long addr = r->base + (i << GA_PAGE_SHIFT);
			struct ga_span *s = __ga_span_of(h, (void *)addr);

			if (!s || addr != s->base)
				continue;
			if (s->state == GA_SPAN_LARGE)
				kmemleak_free((void *)s->base);
			if (s->state != GA_SPAN_INUSE)
				continue;
			for (o = 0; o < s->nelems; o++) {
				unsigned long obj = s->base + o * s->elemsize, starts;
				unsigned int b;

				if (s->spanclass != GA_TINY_SPANCLASS) {
					kmemleak_free((void *)obj);
					continue;
				}
				/* Only at an object's start: inside one, kmemleak warns. */
				starts = atomic_read(&s->tiny_refs[o]) & (BIT(GA_TINY_SIZE) - 1);
				for_each_set_bit(b, &starts, GA_TINY_SIZE)
					kmemleak_free((void *)(obj + b));
			}
		}
	}
}

/* ---------------------------------------------------------------------- */
/* Verification (ga_verify(), with every CPU stopped)                     */

/* A summary against the one recomputed for it. */
static void ga_verify_psum(struct ga_verify *v, unsigned int level, unsigned long i,
			   const struct ga_psum *got, const struct ga_psum *want)
{
	if (memcmp(got, want, sizeof(*want)))
		ga_verify_fail(v, "summary %u/%lu: {%u %u %u}, recomputed {%u %u %u}", level, i,
			       got->start, got->max, got->end, want->start, want->max, want->end);
}

/* No free page of chunk @c lies below the search hint. */
static void ga_verify_search(struct ga_pagealloc *pa, struct ga_verify *v, unsigned long c)
{
	unsigned long below = (c + 1) * GA_CHUNK_PAGES <= pa->search ? GA_CHUNK_PAGES :
			      c == pa->search / GA_CHUNK_PAGES ? pa->search % GA_CHUNK_PAGES : 0;

	if (ga_pallocbits_popcount(&pa->chunks[c], 0, below) != below)
		ga_verify_fail(v, "chunk %lu: free pages below the search hint %lu", c,
			       pa->search);
}

/* The page allocator's bitmaps, summaries, counts and search hint. */
static void ga_verify_pagealloc(struct ga_heap *h, struct ga_verify *v)
{
	struct ga_pagealloc *pa = &h->pages;
	unsigned int leaf = pa->nlevels - 1, l;
	unsigned long c, i, free = 0, grown = 0;
	struct ga_psum want;

	for (c = 0; c < pa->maxchunks; c++) {
		struct ga_pallocbits *b = &pa->chunks[c];
		unsigned int used = ga_pallocbits_popcount(b, 0, GA_CHUNK_PAGES);

		if (h->chunk_region[c]) {
			grown += GA_CHUNK_PAGES;
			free += GA_CHUNK_PAGES - used;
		} else if (used != GA_CHUNK_PAGES) {
			ga_verify_fail(v, "chunk %lu: in no region, but %lu pages free", c,
				       GA_CHUNK_PAGES - used);
		}
		want = ga_pallocbits_summarize(b);
		ga_verify_psum(v, leaf, c, &pa->sum[leaf][c], &want);
		ga_verify_search(pa, v, c);
	}
	for (l = leaf; l > 0; l--) {
		u32 size = BIT(ga_pa_level_shift(pa, l));

		for (i = 0; i < GA_PA_FANOUT << (GA_PA_FANOUT_SHIFT * (l - 1)); i++) {
			want = ga_psum_merge(&pa->sum[l][i * GA_PA_FANOUT], size);
			ga_verify_psum(v, l - 1, i, &pa->sum[l - 1][i], &want);
		}
	}
	if (free != pa->free_pages || grown != pa->grown_pages)
		ga_verify_fail(v, "pages: bitmaps have %lu free of %lu, counts %lu of %lu",
			       free, grown, pa->free_pages, pa->grown_pages);
}

/* Regions against the chunk maps, and the bytes mapped. */
static void ga_verify_regions(struct ga_heap *h, struct ga_verify *v)
{
	unsigned long mapped = 0, c, nchunks = 0;
	struct ga_region *r;
	unsigned int i;

	list_for_each_entry(r, &h->regions, node) {
		bool first = r == list_first_entry(&h->regions, struct ga_region, node);

		/* A heap with no arena at load (the direct map's) has no initial region. */
		if (r->initial != (first && h->arena_bytes))
			ga_verify_fail(v, "region at chunk %u: initial %d", r->chunk, r->initial);
		if (h->backing == GA_BACKING_DIRECT &&
		    (!r->block || r->vm || r->bytes != GA_CHUNK_BYTES ||
		     r->base != (unsigned long)page_address(r->block) ||
		     !IS_ALIGNED(r->base, GA_CHUNK_BYTES)))
			ga_verify_fail(v, "region at chunk %u: not one aligned direct-map block",
				       r->chunk);
		if (h->backing == GA_BACKING_VMALLOC && (r->block || !is_vmalloc_addr(r->vm)))
			ga_verify_fail(v, "region at chunk %u: not vmalloc memory", r->chunk);
		if ((unsigned long)r->nchunks << GA_CHUNK_SHIFT != r->bytes ||
		    r->chunk + r->nchunks > h->pages.maxchunks) {
			ga_verify_fail(v, "region at chunk %u: %u chunks, %lu bytes", r->chunk,
				       r->nchunks, r->bytes);
			continue;
		}
		for (i = 0; i < r->nchunks; i++) {
			c = r->chunk + i;
			if (!test_bit(c, h->chunk_used) || h->chunk_region[c] != r ||
			    h->chunk_base[c] != r->base + ((unsigned long)i << GA_CHUNK_SHIFT))
				ga_verify_fail(v, "chunk %lu: maps do not match its region", c);
		}
		mapped += r->bytes;
		nchunks += r->nchunks;
	}
	if (bitmap_weight(h->chunk_used, h->pages.maxchunks) != nchunks)
		ga_verify_fail(v, "%u chunk numbers in use, regions hold %lu",
			       bitmap_weight(h->chunk_used, h->pages.maxchunks), nchunks);
	if (mapped != h->mapped_bytes || h->mapped_bytes + h->reserved_bytes > h->max_bytes)
		ga_verify_fail(v, "regions hold %lu bytes; mapped %lu, reserved %lu, cap %lu",
			       mapped, h->mapped_bytes, h->reserved_bytes, h->max_bytes);
}

/* Is @addr a page of one of the heap's regions? */
static bool ga_verify_in_heap(struct ga_heap *h, unsigned long addr)
{
	struct ga_region *r;

	list_for_each_entry(r, &h->regions, node)
		if (addr >= r->base && addr - r->base < r->bytes)
			return true;
	return false;
}

/* One span, at its first page: its pages, then its objects. */
static void ga_verify_one_span(struct ga_heap *h, struct ga_verify *v, struct ga_span *s)
{
	v->spans++;
	v->pages += s->npages;
	switch (s->state) {
	case GA_SPAN_INIT:
		v->inflight++;	/* being set up, or being freed */
		break;
	case GA_SPAN_LARGE:
		v->large_spans++;
		v->large_pages += s->npages;
		if (s->spanclass || s->central || s->nelems != 1)
			ga_verify_fail(v, "large span %lu: class %u, %u objects", s->page,
				       s->spanclass, s->nelems);
		else if (s->where == GA_WHERE_LARGE)
			v->large_objects++;
		else if (s->where == GA_WHERE_NONE)
			v->inflight++;	/* claimed by a free in progress */
		else
			ga_verify_fail(v, "large span %lu: where %u", s->page, s->where);
		break;
	case GA_SPAN_INUSE:
		if (!s->spanclass) {
			ga_verify_fail(v, "span %lu: small objects, no span class", s->page);
			break;
		}
		if (!ga_verify_central_known(v, s->central)) {
			ga_verify_fail(v, "span %lu: no class or cache has its mcentral", s->page);
			break;
		}
		ga_span_verify(s, v);
		break;
	default:
		ga_verify_fail(v, "span %lu: state %u in the span table", s->page, s->state);
	}
}

/* Every page of every region against the page allocator and span table. */
/* Is heap page @page free in a CPU's page cache? */
static bool ga_verify_pcached(struct ga_heap *h, unsigned long page)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ga_pcache *pc = per_cpu_ptr(h->pcache, cpu);

		if (pc->free && page - pc->base < 64 && (pc->free & BIT_ULL(page - pc->base)))
			return true;
	}
	return false;
}

/* The page caches: whole blocks in the regions, in use in the bitmaps. */
static void ga_verify_pcaches(struct ga_heap *h, struct ga_verify *v)
{
	unsigned long cached = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct ga_pcache *pc = per_cpu_ptr(h->pcache, cpu);

		if (!pc->free)
			continue;
		cached += hweight64(pc->free);
		if (pc->base % 64 || pc->base / GA_CHUNK_PAGES >= h->pages.maxchunks ||
		    !h->chunk_region[pc->base / GA_CHUNK_PAGES]) {
			ga_verify_fail(v, "CPU %d: page cache at page %lu, outside the regions",
				       cpu, pc->base);
			continue;
		}
		if ((*ga_pagealloc_block(&h->pages, pc->base) & pc->free) != pc->free)
			ga_verify_fail(v, "CPU %d: page cache at page %lu holds free pages",
				       cpu, pc->base);
	}
	if (cached != h->pcache_pages)
		ga_verify_fail(v, "page caches hold %lu pages, counted %lu", cached,
			       h->pcache_pages);
}

static void ga_verify_span_table(struct ga_heap *h, struct ga_verify *v)
{
	struct ga_region *r;
	unsigned long i, w, j;

	list_for_each_entry(r, &h->regions, node) {
		for (i = 0; i < (unsigned long)r->nchunks * GA_CHUNK_PAGES; i++) {
			unsigned long addr = r->base + (i << GA_PAGE_SHIFT);
			unsigned long page = (unsigned long)r->chunk * GA_CHUNK_PAGES + i;
			struct ga_pallocbits *b = &h->pages.chunks[page / GA_CHUNK_PAGES];
			struct ga_span *s = __ga_span_of(h, (void *)addr);
			bool inuse = ga_pallocbits_popcount(b, page % GA_CHUNK_PAGES, 1);

			if (!s) {
				if (inuse && !ga_verify_pcached(h, page))
					ga_verify_fail(v, "page %lu: in use, in no span", page);
				continue;
			}
			if (ga_verify_pcached(h, page))
				ga_verify_fail(v, "page %lu: in span %lu and in a page cache",
					       page, s->page);
			if (!inuse || addr < s->base || addr - s->base >= ga_span_bytes(s) ||
			    s->page + ((addr - s->base) >> GA_PAGE_SHIFT) != page ||
			    s->base + ga_span_bytes(s) > r->base + r->bytes) {
				ga_verify_fail(v, "page %lu: maps to span %lu of %u pages%s", page,
					       s->page, s->npages, inuse ? "" : ", but is free");
				continue;
			}
			if (addr == s->base)
				ga_verify_one_span(h, v, s);
		}
	}
	/* Table entries outside the regions: none. */
	for (w = 0; w < h->index_windows; w++) {
		struct ga_heaparena **l2 = h->arenas[w >> GA_ARENA_L2_BITS], *ha;

		if (!l2) {
			w |= GA_ARENA_L2_ENTRIES - 1;
			continue;
		}
		ha = l2[w & (GA_ARENA_L2_ENTRIES - 1)];
		if (!ha)
			continue;
		for (j = 0; j < GA_ARENA_PAGES; j++) {
			unsigned long addr = h->index_base + (w << GA_ARENA_SHIFT) +
					     (j << GA_PAGE_SHIFT);

			if (ha->spans[j] && !ga_verify_in_heap(h, addr))
				ga_verify_fail(v, "span table maps a page outside the heap");
		}
	}
}

/**
 * ga_heap_verify() - Check the heap, and every span through its table.
 * @h: the heap
 * @v: the verification run
 *
 * The page allocator's summaries at every level against a recomputation
 * from the bitmaps, its free count and search hint; the regions against
 * the chunk maps; every page of the heap against the span table (each
 * page of a span maps to it, nothing else maps); each span's objects
 * (ga_span_verify()); the heap's counters against what was found.
 *
 * Context: ga_verify(), every other CPU stopped.
 */
void ga_heap_verify(struct ga_heap *h, struct ga_verify *v)
{
	unsigned long spans = v->spans, pages = v->pages;
	unsigned long large_spans = v->large_spans, large_pages = v->large_pages;

	spin_lock(&h->lock);
	ga_verify_regions(h, v);
	ga_verify_pagealloc(h, v);
	ga_verify_pcaches(h, v);
	ga_verify_span_table(h, v);
	/* This heap's part of the tallies, which span both backings. */
	spans = v->spans - spans;
	pages = v->pages - pages;
	large_spans = v->large_spans - large_spans;
	large_pages = v->large_pages - large_pages;
	if (spans != h->stats.spans_inuse || pages != h->stats.pages_inuse ||
	    large_spans != h->stats.large_spans || large_pages != h->stats.large_pages)
		ga_verify_fail(v, "%s: spans, pages, large: %lu %lu %lu %lu; table %lu %lu %lu %lu",
			       h->backing == GA_BACKING_DIRECT ? "direct map" : "vmalloc",
			       h->stats.spans_inuse, h->stats.pages_inuse, h->stats.large_spans,
			       h->stats.large_pages, spans, pages, large_spans, large_pages);
	spin_unlock(&h->lock);
}
