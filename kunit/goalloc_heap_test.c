// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of goalloc's page heap (goalloc_heap.c).
 *
 * goalloc_pallocbits: one chunk's bitmap, as Go's mpallocbits_test.go:
 *	exact words after range operations, summaries and first fit against
 *	slow references on random bitmaps.
 * goalloc_pagealloc: standalone page allocators with no memory behind
 *	them (Go's NewPageAlloc): first-fit order against a brute-force
 *	search, exhaustion at exactly the right count, runs across chunk
 *	boundaries, merging, gaps, every summary against a slow reference.
 * goalloc_heap: standalone heaps with real arenas: growth up to the cap
 *	and refusal past it, the span table for every page of spans and for
 *	foreign pointers, atomic callers, interrupt context, two CPUs at once;
 *	and the state module init left the global allocator in.
 *
 * The tests reach internals through goalloc's EXPORT_SYMBOL_IF_KUNIT()
 * exports (namespace EXPORTED_FOR_KUNIT_TESTING).
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/prandom.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/vmalloc.h>

#include "goalloc.h"
#include "goalloc_internal.h"
#include "goalloc_test.h"

MODULE_IMPORT_NS(GOALLOC_NS);
MODULE_IMPORT_NS(GOALLOC_KUNIT_NS);

#define NOFIT	(~0U)

/* ---------------------------------------------------------------------- */
/* Slow references                                                        */

static bool bit_set(const struct ga_pallocbits *b, unsigned int i)
{
	return b->w[i / 64] & (1ULL << (i % 64));
}

static struct ga_psum slow_summarize(const struct ga_pallocbits *b)
{
	struct ga_psum s = { 0, 0, 0 };
	unsigned int i, run = 0;

	for (i = 0; i < GA_CHUNK_PAGES && !bit_set(b, i); i++)
		s.start++;
	for (i = 0; i < GA_CHUNK_PAGES; i++) {
		run = bit_set(b, i) ? 0 : run + 1;
		s.max = max(s.max, run);
	}
	for (i = GA_CHUNK_PAGES; i > 0 && !bit_set(b, i - 1); i--)
		s.end++;
	return s;
}

static unsigned int slow_find(const struct ga_pallocbits *b, unsigned int n,
			      unsigned int search)
{
	unsigned int i, run = 0;

	for (i = search; i < GA_CHUNK_PAGES; i++) {
		run = bit_set(b, i) ? 0 : run + 1;
		if (run == n)
			return i + 1 - n;
	}
	return NOFIT;
}

static void random_bitmap(struct rnd_state *rnd, struct ga_pallocbits *b)
{
	unsigned int mode = prandom_u32_state(rnd) % 4, i;

	if (mode < 3) {
		/* Independent bits, in use with probability 1/64, 1/2 or 63/64. */
		static const unsigned int one_in[] = { 64, 2, 64 };

		bool dense = mode == 2;

		for (i = 0; i < GA_CHUNK_PAGES; i++) {
			bool hit = prandom_u32_state(rnd) % one_in[mode] == 0;

			if (hit != dense)
				b->w[i / 64] |= 1ULL << (i % 64);
			else
				b->w[i / 64] &= ~(1ULL << (i % 64));
		}
		return;
	}
	/* Alternating runs of random length: long free runs across words. */
	memset(b, 0, sizeof(*b));
	i = prandom_u32_state(rnd) % 100;
	while (i < GA_CHUNK_PAGES) {
		unsigned int n = min(1 + prandom_u32_state(rnd) % 150, GA_CHUNK_PAGES - i);

		ga_pallocbits_alloc_range(b, i, n);
		i += n + prandom_u32_state(rnd) % 150;
	}
}

static void expect_psum(struct kunit *test, struct ga_psum got, struct ga_psum want)
{
	KUNIT_EXPECT_EQ_MSG(test, got.start, want.start, "start");
	KUNIT_EXPECT_EQ_MSG(test, got.max, want.max, "max");
	KUNIT_EXPECT_EQ_MSG(test, got.end, want.end, "end");
}

/* ---------------------------------------------------------------------- */
/* goalloc_pallocbits                                                     */

struct prange {
	u16 i, n;
};

struct words_case {
	const char *name;
	struct prange r[3];
	u64 want[GA_CHUNK_WORDS];
};

static const struct words_case words_cases[] = {
	{ "one_word", { { 129, 5 } }, { [2] = 0x3e } },
	{ "five_words_and_a_bit", { { 0, 321 } },
	  { ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL, 1 } },
	{ "all", { { 0, 512 } },
	  { ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL, ~0ULL } },
	{ "straddle_word", { { 63, 2 } }, { 1ULL << 63, 1 } },
	{ "last_page", { { 511, 1 } }, { [7] = 1ULL << 63 } },
	{ "three_ranges", { { 0, 1 }, { 64, 64 }, { 200, 56 } },
	  { 1, ~0ULL, 0, 0xffULL << 8 | 0xffffffffffff0000ULL } },
};

static void words_desc(const struct words_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(words, words_cases, words_desc);

/* Go's TestPallocBitsAllocRange: exact words after range allocations. */
static void pallocbits_alloc_range_words(struct kunit *test)
{
	const struct words_case *c = test->param_value;
	struct ga_pallocbits b = {};
	unsigned int k, w;

	for (k = 0; k < ARRAY_SIZE(c->r) && c->r[k].n; k++)
		ga_pallocbits_alloc_range(&b, c->r[k].i, c->r[k].n);
	for (w = 0; w < GA_CHUNK_WORDS; w++)
		KUNIT_EXPECT_EQ_MSG(test, b.w[w], c->want[w], "word %u", w);
}

/* The same ranges freed from a full chunk leave the complement. */
static void pallocbits_free_range_words(struct kunit *test)
{
	const struct words_case *c = test->param_value;
	struct ga_pallocbits b;
	unsigned int k, w;

	memset(&b, 0xff, sizeof(b));
	for (k = 0; k < ARRAY_SIZE(c->r) && c->r[k].n; k++)
		ga_pallocbits_free_range(&b, c->r[k].i, c->r[k].n);
	for (w = 0; w < GA_CHUNK_WORDS; w++)
		KUNIT_EXPECT_EQ_MSG(test, b.w[w], ~c->want[w], "word %u", w);
}

struct sum_case {
	const char *name;
	struct prange free[3];	/* free ranges in an otherwise full chunk */
	struct ga_psum want;
};

static const struct sum_case sum_cases[] = {
	{ "none_free", {}, { 0, 0, 0 } },
	{ "all_free", { { 0, 512 } }, { 512, 512, 512 } },
	{ "only_start", { { 0, 10 } }, { 10, 10, 0 } },
	{ "only_end", { { 500, 12 } }, { 0, 12, 12 } },
	{ "start_max_end", { { 0, 3 }, { 100, 100 }, { 510, 2 } }, { 3, 100, 2 } },
	{ "inside_one_word", { { 193, 62 } }, { 0, 62, 0 } },
	{ "across_words", { { 60, 10 } }, { 0, 10, 0 } },
	{ "end_longest", { { 0, 1 }, { 10, 5 }, { 300, 212 } }, { 1, 212, 212 } },
};

static void sum_desc(const struct sum_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sums, sum_cases, sum_desc);

/* Go's TestPallocBitsSummarize. */
static void pallocbits_summarize_cases(struct kunit *test)
{
	const struct sum_case *c = test->param_value;
	struct ga_pallocbits b;
	struct ga_psum got;
	unsigned int k;

	memset(&b, 0xff, sizeof(b));
	for (k = 0; k < ARRAY_SIZE(c->free) && c->free[k].n; k++)
		ga_pallocbits_free_range(&b, c->free[k].i, c->free[k].n);
	got = ga_pallocbits_summarize(&b);
	expect_psum(test, got, c->want);
}

/* Go's TestPallocBitsSummarizeRandom: 1000 bitmaps against SummarizeSlow. */
static void pallocbits_summarize_random(struct kunit *test)
{
	struct rnd_state rnd;
	struct ga_pallocbits b;
	unsigned int k;

	prandom_seed_state(&rnd, 0x5eed0001);
	for (k = 0; k < 1000; k++) {
		struct ga_psum got, want;

		random_bitmap(&rnd, &b);
		got = ga_pallocbits_summarize(&b);
		want = slow_summarize(&b);
		if (got.start != want.start || got.max != want.max || got.end != want.end) {
			KUNIT_FAIL(test, "bitmap %u: got (%u,%u,%u) want (%u,%u,%u)", k,
				   got.start, got.max, got.end, want.start, want.max, want.end);
			return;
		}
	}
}

struct find_case {
	const char *name;
	struct prange used[3];
	unsigned int npages, search;
	unsigned int want[3];	/* results of successive find + alloc */
};

static const struct find_case find_cases[] = {
	{ "all_free_1", {}, 1, 0, { 0, 1, 2 } },
	{ "all_free_65", {}, 65, 0, { 0, 65, 130 } },
	{ "some_free_161", { { 0, 185 }, { 331, 1 } }, 161, 0, { 332, NOFIT } },
	{ "none_free", { { 0, 512 } }, 1, 0, { NOFIT } },
	{ "exact_tail", { { 0, 448 } }, 64, 0, { 448, NOFIT } },
	{ "tail_too_short", { { 0, 448 } }, 65, 0, { NOFIT } },
	{ "hole_then_word", { { 0, 3 }, { 5, 59 } }, 2, 0, { 3, 64, 66 } },
	{ "cross_word_run", { { 0, 60 }, { 70, 442 } }, 10, 0, { 60, NOFIT } },
	{ "search_hint", { { 10, 90 }, { 200, 312 } }, 5, 50, { 100, 105, 110 } },
	{ "whole_chunk", {}, 512, 0, { 0, NOFIT } },
};

static void find_desc(const struct find_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(finds, find_cases, find_desc);

/* Go's TestPallocBitsAlloc: first fit, then allocate, repeatedly. */
static void pallocbits_find_cases(struct kunit *test)
{
	const struct find_case *c = test->param_value;
	struct ga_pallocbits b = {};
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(c->used) && c->used[k].n; k++)
		ga_pallocbits_alloc_range(&b, c->used[k].i, c->used[k].n);
	for (k = 0; k < ARRAY_SIZE(c->want); k++) {
		unsigned int got = ga_pallocbits_find(&b, c->npages, c->search);

		KUNIT_EXPECT_EQ_MSG(test, got, c->want[k], "find %u", k);
		if (got == NOFIT || got != c->want[k])
			return;
		ga_pallocbits_alloc_range(&b, got, c->npages);
	}
}

/* First fit against a brute-force search on random bitmaps. */
static void pallocbits_find_random(struct kunit *test)
{
	static const unsigned int sizes[] = {
		1, 2, 3, 5, 8, 16, 31, 32, 63, 64, 65, 100, 128, 200, 300, 511, 512,
	};
	struct rnd_state rnd;
	struct ga_pallocbits b;
	unsigned int k, s;

	prandom_seed_state(&rnd, 0x5eed0002);
	for (k = 0; k < 300; k++) {
		random_bitmap(&rnd, &b);
		for (s = 0; s < ARRAY_SIZE(sizes); s++) {
			unsigned int search = prandom_u32_state(&rnd) % 4 ?
					      0 : prandom_u32_state(&rnd) % GA_CHUNK_PAGES;
			unsigned int got = ga_pallocbits_find(&b, sizes[s], search);
			unsigned int want = slow_find(&b, sizes[s], search);

			if (got != want) {
				KUNIT_FAIL(test, "bitmap %u n=%u search=%u: got %u want %u",
					   k, sizes[s], search, got, want);
				return;
			}
		}
	}
}

/* Go's TestMallocBitsPopcntRange, against counting bit by bit. */
static void pallocbits_popcount_random(struct kunit *test)
{
	struct rnd_state rnd;
	struct ga_pallocbits b;
	unsigned int k;

	prandom_seed_state(&rnd, 0x5eed0003);
	for (k = 0; k < 2000; k++) {
		unsigned int i = prandom_u32_state(&rnd) % GA_CHUNK_PAGES;
		unsigned int n = 1 + prandom_u32_state(&rnd) % (GA_CHUNK_PAGES - i);
		unsigned int j, want = 0;

		if (k % 10 == 0)
			random_bitmap(&rnd, &b);
		for (j = i; j < i + n; j++)
			want += bit_set(&b, j);
		KUNIT_ASSERT_EQ_MSG(test, ga_pallocbits_popcount(&b, i, n), want,
				    "range %u+%u", i, n);
	}
}

static struct kunit_case pallocbits_cases[] = {
	KUNIT_CASE_PARAM(pallocbits_alloc_range_words, words_gen_params),
	KUNIT_CASE_PARAM(pallocbits_free_range_words, words_gen_params),
	KUNIT_CASE_PARAM(pallocbits_summarize_cases, sums_gen_params),
	KUNIT_CASE(pallocbits_summarize_random),
	KUNIT_CASE_PARAM(pallocbits_find_cases, finds_gen_params),
	KUNIT_CASE(pallocbits_find_random),
	KUNIT_CASE(pallocbits_popcount_random),
	{}
};

static struct kunit_suite pallocbits_suite = {
	.name = "goalloc_pallocbits",
	.exit = ga_test_exit,
	.test_cases = pallocbits_cases,
};

/* ---------------------------------------------------------------------- */
/* goalloc_pagealloc                                                      */

struct pa_fixture {
	spinlock_t lock;	/* the "heap lock" of the page allocator under test */
	struct ga_pagealloc pa;
	bool ready;
};

/* A page allocator of @maxchunks chunks with chunks [c, c + n) grown. */
static struct ga_pagealloc *pa_new(struct kunit *test, unsigned int maxchunks,
				   unsigned int c, unsigned int n)
{
	struct pa_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, ga_pagealloc_init(&f->pa, maxchunks, &f->lock), 0);
	f->ready = true;
	if (n) {
		spin_lock(&f->lock);
		ga_pagealloc_grow(&f->pa, c, n);
		spin_unlock(&f->lock);
	}
	return &f->pa;
}

static void pa_grow(struct kunit *test, unsigned int c, unsigned int n)
{
	struct pa_fixture *f = test->priv;

	spin_lock(&f->lock);
	ga_pagealloc_grow(&f->pa, c, n);
	spin_unlock(&f->lock);
}

static unsigned long pa_alloc(struct kunit *test, unsigned long n)
{
	struct pa_fixture *f = test->priv;
	unsigned long page;

	spin_lock(&f->lock);
	page = ga_pagealloc_alloc(&f->pa, n);
	spin_unlock(&f->lock);
	return page;
}

static void pa_free(struct kunit *test, unsigned long page, unsigned long n)
{
	struct pa_fixture *f = test->priv;

	spin_lock(&f->lock);
	ga_pagealloc_free(&f->pa, page, n);
	spin_unlock(&f->lock);
}

static unsigned long pa_largest(struct kunit *test)
{
	struct pa_fixture *f = test->priv;
	unsigned long n;

	spin_lock(&f->lock);
	n = ga_pagealloc_largest_free(&f->pa);
	spin_unlock(&f->lock);
	return n;
}

static int pa_test_init(struct kunit *test)
{
	struct pa_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	spin_lock_init(&f->lock);
	test->priv = f;
	return 0;
}

static void pa_test_exit(struct kunit *test)
{
	struct pa_fixture *f = test->priv;

	if (f->ready)
		ga_pagealloc_destroy(&f->pa);
	ga_test_exit(test);
}

/* Address-ordered first fit, including holes left by frees. */
static void pagealloc_first_fit_order(struct kunit *test)
{
	pa_new(test, 4, 0, 4);

	KUNIT_EXPECT_EQ(test, pa_alloc(test, 1), 0UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 2), 1UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 3), 3UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 600), 6UL);	/* into chunk 1 */
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 1), 606UL);
	pa_free(test, 1, 2);					/* hole 1..2 */
	pa_free(test, 3, 3);					/* hole now 1..5 */
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 4), 1UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 2), 607UL);	/* 5 alone is too short */
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 1), 5UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 1), 609UL);
	pa_free(test, 6, 600);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 512), 6UL);	/* still spans chunks */
}

static const unsigned long exhaust_sizes[] = {
	1, 2, 3, 4, 5, 8, 16, 64, 1024, 1025, 2048, 2049,
};

static void exhaust_desc(const unsigned long *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "npages_%lu", *n);
}

KUNIT_ARRAY_PARAM(exhaust, exhaust_sizes, exhaust_desc);

/*
 * Go's TestPageAllocExhaust over 4 chunks: exactly floor(2048 / n) runs,
 * each at i * n, then failure; after freeing, the heap is whole again.
 */
static void pagealloc_exhaust(struct kunit *test)
{
	unsigned long n = *(const unsigned long *)test->param_value;
	unsigned long total = 4 * GA_CHUNK_PAGES, i, count = total / n;
	struct ga_pagealloc *pa = pa_new(test, 4, 0, 4);

	for (i = 0; i < count; i++) {
		unsigned long got = pa_alloc(test, n);

		KUNIT_ASSERT_EQ_MSG(test, got, i * n, "allocation %lu", i);
	}
	KUNIT_EXPECT_EQ(test, pa_alloc(test, n), GA_NO_PAGE);
	KUNIT_EXPECT_EQ(test, pa->free_pages, total - count * n);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, total - count * n + 1), GA_NO_PAGE);

	for (i = 0; i < count; i++)
		pa_free(test, i * n, n);
	KUNIT_EXPECT_EQ(test, pa->free_pages, total);
	KUNIT_EXPECT_EQ(test, pa_largest(test), total);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, total), 0UL);
}

/* Runs across chunk boundaries set exactly the right bits. */
static void pagealloc_cross_chunk(struct kunit *test)
{
	struct ga_pagealloc *pa = pa_new(test, 4, 0, 4);
	unsigned int w;

	KUNIT_EXPECT_EQ(test, pa_alloc(test, 500), 0UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 24), 500UL);	/* 500..523 */
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 1025), 524UL);	/* to 1548 */
	for (w = 0; w < GA_CHUNK_WORDS; w++) {
		KUNIT_EXPECT_EQ(test, pa->chunks[0].w[w], ~0ULL);
		KUNIT_EXPECT_EQ(test, pa->chunks[1].w[w], ~0ULL);
		KUNIT_EXPECT_EQ(test, pa->chunks[2].w[w], ~0ULL);
	}
	KUNIT_EXPECT_EQ(test, pa->chunks[3].w[0], 0x1fffULL);
	for (w = 1; w < GA_CHUNK_WORDS; w++)
		KUNIT_EXPECT_EQ(test, pa->chunks[3].w[w], 0ULL);

	/* Free a run straddling chunks 1 and 2; it comes back whole. */
	pa_free(test, 1000, 100);
	KUNIT_EXPECT_EQ(test, pa->chunks[1].w[7], (1ULL << 40) - 1);
	KUNIT_EXPECT_EQ(test, pa->chunks[2].w[0], 0ULL);
	KUNIT_EXPECT_EQ(test, pa->chunks[2].w[1], ~0xfffULL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 100), 1000UL);
	/* The rest of chunk 3, exactly. */
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 499), 1549UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 1), GA_NO_PAGE);
}

/* Freed neighbours merge into one run. */
static void pagealloc_merge(struct kunit *test)
{
	pa_new(test, 1, 0, 1);

	KUNIT_EXPECT_EQ(test, pa_alloc(test, 100), 0UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 100), 100UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 100), 200UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 212), 300UL);
	KUNIT_EXPECT_EQ(test, pa_largest(test), 0UL);
	pa_free(test, 0, 100);
	pa_free(test, 200, 100);
	KUNIT_EXPECT_EQ(test, pa_largest(test), 100UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 150), GA_NO_PAGE);
	pa_free(test, 100, 100);
	KUNIT_EXPECT_EQ(test, pa_largest(test), 300UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 300), 0UL);
	pa_free(test, 0, 300);
	pa_free(test, 300, 212);
	KUNIT_EXPECT_EQ(test, pa_largest(test), 512UL);
}

/* Chunks never grown stay allocated: nothing is handed out across them. */
static void pagealloc_gap(struct kunit *test)
{
	struct ga_pagealloc *pa = pa_new(test, 4, 0, 1);

	pa_grow(test, 2, 1);
	KUNIT_EXPECT_EQ(test, pa->free_pages, 1024UL);
	KUNIT_EXPECT_EQ(test, pa_largest(test), 512UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 513), GA_NO_PAGE);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 300), 0UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 300), 1024UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 212), 300UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 212), 1324UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 1), GA_NO_PAGE);
	/* A later grow fills the gap; now runs may cross it. */
	pa_free(test, 300, 212);
	pa_free(test, 1024, 300);
	pa_grow(test, 1, 1);
	KUNIT_EXPECT_EQ(test, pa_largest(test), 1024UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 1024), 300UL);
}

/* Zero pages and more pages than exist fail without touching anything. */
static void pagealloc_bad_sizes(struct kunit *test)
{
	struct ga_pagealloc *pa = pa_new(test, 2, 0, 2);

	KUNIT_EXPECT_EQ(test, pa_alloc(test, 0), GA_NO_PAGE);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 1025), GA_NO_PAGE);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, ULONG_MAX), GA_NO_PAGE);
	KUNIT_EXPECT_EQ(test, pa->free_pages, 1024UL);
	KUNIT_EXPECT_EQ(test, pa_alloc(test, 1024), 0UL);
}

/* Slow summary of pages [first, first + n), pages past the end in use. */
static struct ga_psum slow_range_summary(struct ga_pagealloc *pa, unsigned long first,
					 unsigned long n)
{
	unsigned long limit = (unsigned long)pa->maxchunks * GA_CHUNK_PAGES, i, run = 0;
	struct ga_psum s = { 0, 0, 0 };
	bool prefix = true;

	for (i = first; i < first + n; i++) {
		bool used = i >= limit ||
			    bit_set(&pa->chunks[i / GA_CHUNK_PAGES], i % GA_CHUNK_PAGES);

		if (used && prefix) {
			s.start = run;
			prefix = false;
		}
		run = used ? 0 : run + 1;
		s.max = max_t(u32, s.max, run);
	}
	if (prefix)
		s.start = run;
	s.end = run;
	return s;
}

static unsigned long slow_first_fit(struct ga_pagealloc *pa, unsigned long n)
{
	unsigned long limit = (unsigned long)pa->maxchunks * GA_CHUNK_PAGES, i, run = 0;

	for (i = 0; i < limit; i++) {
		run = bit_set(&pa->chunks[i / GA_CHUNK_PAGES], i % GA_CHUNK_PAGES) ? 0 : run + 1;
		if (run == n)
			return i + 1 - n;
	}
	return GA_NO_PAGE;
}

/*
 * Random allocations and frees over 67 chunks (three summary levels):
 * every result equals a brute-force first fit, and afterwards every
 * summary at every level equals a slow summary of its pages.
 */
static void pagealloc_random_vs_reference(struct kunit *test)
{
	enum { NCHUNKS = 67, NRUNS = 600 };
	struct pa_fixture *f = test->priv;
	struct ga_pagealloc *pa = pa_new(test, NCHUNKS, 0, NCHUNKS);
	struct { unsigned long page, n; } *runs;
	unsigned int nruns = 0, k, l;
	struct rnd_state rnd;

	runs = kunit_kcalloc(test, NRUNS, sizeof(*runs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, runs);
	prandom_seed_state(&rnd, 0x5eed0004);

	for (k = 0; k < 4000; k++) {
		bool alloc = nruns < NRUNS && (nruns == 0 || prandom_u32_state(&rnd) % 5 < 3);

		if (alloc) {
			static const unsigned long big[] = { 511, 512, 513, 1500, 3000 };
			unsigned long n = prandom_u32_state(&rnd) % 20 ?
					  1 + prandom_u32_state(&rnd) % 80 :
					  big[prandom_u32_state(&rnd) % ARRAY_SIZE(big)];
			unsigned long want = slow_first_fit(pa, n);
			unsigned long got = pa_alloc(test, n);

			KUNIT_ASSERT_EQ_MSG(test, got, want, "op %u: alloc %lu", k, n);
			if (got != GA_NO_PAGE) {
				runs[nruns].page = got;
				runs[nruns++].n = n;
			}
		} else {
			unsigned int v = prandom_u32_state(&rnd) % nruns;

			pa_free(test, runs[v].page, runs[v].n);
			runs[v] = runs[--nruns];
		}
	}

	spin_lock(&f->lock);
	for (l = 0; l < pa->nlevels; l++) {
		unsigned int shift = 9 + 3 * (pa->nlevels - 1 - l);
		unsigned long idx, entries = GA_PA_FANOUT << (GA_PA_FANOUT_SHIFT * l);

		for (idx = 0; idx < entries; idx++) {
			struct ga_psum got = ga_pagealloc_summary(pa, l, idx);
			struct ga_psum want = slow_range_summary(pa, idx << shift, BIT(shift));

			if (got.start != want.start || got.max != want.max ||
			    got.end != want.end) {
				spin_unlock(&f->lock);
				KUNIT_FAIL(test,
					   "level %u entry %lu: got (%u,%u,%u) want (%u,%u,%u)",
					   l, idx, got.start, got.max, got.end,
					   want.start, want.max, want.end);
				return;
			}
		}
	}
	KUNIT_EXPECT_EQ(test, ga_pagealloc_largest_free(pa),
			(unsigned long)slow_range_summary(pa, 0, NCHUNKS * GA_CHUNK_PAGES).max);
	spin_unlock(&f->lock);
}

static struct kunit_case pagealloc_cases[] = {
	KUNIT_CASE(pagealloc_first_fit_order),
	KUNIT_CASE_PARAM(pagealloc_exhaust, exhaust_gen_params),
	KUNIT_CASE(pagealloc_cross_chunk),
	KUNIT_CASE(pagealloc_merge),
	KUNIT_CASE(pagealloc_gap),
	KUNIT_CASE(pagealloc_bad_sizes),
	KUNIT_CASE(pagealloc_random_vs_reference),
	{}
};

static struct kunit_suite pagealloc_suite = {
	.name = "goalloc_pagealloc",
	.init = pa_test_init,
	.exit = pa_test_exit,
	.test_cases = pagealloc_cases,
};

/* ---------------------------------------------------------------------- */
/* goalloc_heap                                                           */

#define MiB SZ_1M

struct heap_fixture {
	struct ga_heap heap;
	bool ready;
};

static struct ga_heap *heap_new(struct kunit *test, unsigned long arena, unsigned long cap)
{
	struct heap_fixture *f = test->priv;

	KUNIT_ASSERT_EQ(test, ga_heap_init(&f->heap, arena, cap), 0);
	f->ready = true;
	return &f->heap;
}

static int heap_test_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct heap_fixture), GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

static void heap_test_exit(struct kunit *test)
{
	struct heap_fixture *f = test->priv;

	/* The heap's own hooks first: nothing may fire on a destroyed heap. */
	hook_clear();
	if (f->ready)
		ga_heap_destroy(&f->heap);
	ga_test_exit(test);
}

struct heap_stats {
	struct ga_heap_stats st;
	unsigned long mapped, free_pages, largest;
};

static struct heap_stats heap_stats(struct ga_heap *h)
{
	struct heap_stats s;

	ga_heap_read_stats(h, &s.st, &s.mapped, &s.free_pages, &s.largest);
	return s;
}

static struct ga_span *span_alloc(struct ga_heap *h, unsigned long npages, gfp_t gfp)
{
	return ga_heap_alloc_span(h, npages, npages > 4 ? GA_SPAN_LARGE : GA_SPAN_INUSE,
				  0, gfp);
}

struct bad_init {
	const char *name;
	unsigned long arena, cap;
};

static const struct bad_init bad_inits[] = {
	{ "zero_arena", 0, 16 * MiB },
	{ "misaligned_arena", 5 * MiB, 16 * MiB },
	{ "misaligned_cap", 4 * MiB, 10 * MiB },
	{ "arena_over_cap", 8 * MiB, 4 * MiB },
	{ "cap_over_limit", 4 * MiB, GA_HEAP_LIMIT + 4 * MiB },
	{ "absurd_arena", 1UL << 50, 1UL << 50 },
};

static void bad_init_desc(const struct bad_init *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bad_init, bad_inits, bad_init_desc);

static void heap_init_rejects_bad_sizes(struct kunit *test)
{
	const struct bad_init *c = test->param_value;
	struct heap_fixture *f = test->priv;

	KUNIT_EXPECT_EQ(test, ga_heap_init(&f->heap, c->arena, c->cap), -EINVAL);
}

/* A span is 8 KiB aligned, writable to its last byte, and maps to itself. */
static void heap_span_basic(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 4 * MiB, 16 * MiB);
	struct heap_stats s0 = heap_stats(h), s1;
	struct ga_span *s = span_alloc(h, 3, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s0.mapped, 4 * MiB);
	KUNIT_EXPECT_EQ(test, s0.free_pages, 512UL);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(s->base - h->index_base, GA_PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, s->npages, 3U);
	KUNIT_EXPECT_EQ(test, s->state, (u8)GA_SPAN_INUSE);
	memset((void *)s->base, 0xa5, ga_span_bytes(s));
	KUNIT_EXPECT_EQ(test, ((u8 *)s->base)[ga_span_bytes(s) - 1], 0xa5);
	KUNIT_EXPECT_PTR_EQ(test, ga_span_of(h, (void *)s->base), s);
	/* No 0-page span, though this CPU's page cache holds pages now. */
	KUNIT_EXPECT_GT(test, h->pcache_pages, 0UL);
	KUNIT_EXPECT_NULL(test, span_alloc(h, 0, GFP_KERNEL));

	s1 = heap_stats(h);
	KUNIT_EXPECT_EQ(test, s1.mapped, 4 * MiB);
	KUNIT_EXPECT_EQ(test, s1.free_pages, 509UL);
	KUNIT_EXPECT_EQ(test, s1.st.spans_inuse, 1UL);
	KUNIT_EXPECT_EQ(test, s1.st.pages_inuse, 3UL);

	ga_heap_free_span(h, s);
	s1 = heap_stats(h);
	KUNIT_EXPECT_EQ(test, s1.free_pages, 512UL);
	KUNIT_EXPECT_EQ(test, s1.st.spans_inuse, 0UL);
	KUNIT_EXPECT_EQ(test, s1.largest, 512UL);
}

static const unsigned long lookup_sizes[] = { 1, 2, 3, 64, 511, 512, 1000 };

static void lookup_desc(const unsigned long *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "npages_%lu", *n);
}

KUNIT_ARRAY_PARAM(lookup, lookup_sizes, lookup_desc);

/* Every byte of every page of a span maps to it, and nothing outside does. */
static void heap_span_lookup(struct kunit *test)
{
	unsigned long n = *(const unsigned long *)test->param_value, i;
	struct ga_heap *h = heap_new(test, 8 * MiB, 32 * MiB);
	struct ga_span *before = span_alloc(h, 1, GFP_KERNEL);
	struct ga_span *s = span_alloc(h, n, GFP_KERNEL);
	struct ga_span *after = span_alloc(h, 1, GFP_KERNEL);
	unsigned long end;

	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, after);
	end = s->base + ga_span_bytes(s);

	KUNIT_EXPECT_PTR_EQ(test, ga_span_of(h, (void *)s->base), s);
	KUNIT_EXPECT_PTR_EQ(test, ga_span_of(h, (void *)(s->base + n / 2 * GA_PAGE_SIZE + 17)),
			    s);
	KUNIT_EXPECT_PTR_EQ(test, ga_span_of(h, (void *)(end - 1)), s);
	for (i = 0; i < n; i++) {
		unsigned long page = s->base + i * GA_PAGE_SIZE;

		if (ga_span_of(h, (void *)page) != s ||
		    ga_span_of(h, (void *)(page + GA_PAGE_SIZE - 1)) != s) {
			KUNIT_FAIL(test, "page %lu of %lu does not map to its span", i, n);
			break;
		}
	}
	KUNIT_EXPECT_PTR_NE(test, ga_span_of(h, (void *)(s->base - 1)), s);
	KUNIT_EXPECT_PTR_NE(test, ga_span_of(h, (void *)end), s);

	ga_heap_free_span(h, s);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_NULL(test, ga_span_of(h, (void *)(end - 1 - i * GA_PAGE_SIZE)));
	KUNIT_EXPECT_PTR_EQ(test, ga_span_of(h, (void *)before->base), before);
	KUNIT_EXPECT_PTR_EQ(test, ga_span_of(h, (void *)after->base), after);
	ga_heap_free_span(h, before);
	ga_heap_free_span(h, after);
}

static int foreign_static;

/* Pointers goalloc did not hand out map to no span. */
static void heap_foreign_pointers(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 4 * MiB, 8 * MiB);
	struct ga_span *s = span_alloc(h, 2, GFP_KERNEL);
	void *km = kunit_kmalloc(test, 64, GFP_KERNEL);
	void *vm = vmalloc(64 * 1024);
	struct page *pg = alloc_page(GFP_KERNEL);
	int on_stack = 0;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, km);
	KUNIT_EXPECT_NULL(test, ga_span_of(h, km));
	KUNIT_EXPECT_NULL(test, ga_span_of(h, &on_stack));
	KUNIT_EXPECT_NULL(test, ga_span_of(h, &foreign_static));
	KUNIT_EXPECT_NULL(test, ga_span_of(h, (void *)heap_foreign_pointers));
	KUNIT_EXPECT_NULL(test, ga_span_of(h, NULL));
	KUNIT_EXPECT_NULL(test, ga_span_of(h, (void *)~0UL));
	KUNIT_EXPECT_NULL(test, ga_span_of(h, (void *)-4096L));
	if (vm) {
		KUNIT_EXPECT_NULL(test, ga_span_of(h, vm));
		KUNIT_EXPECT_NULL(test, ga_span_of(h, vm + 64 * 1024 - 1));
		vfree(vm);
	}
	if (pg) {
		KUNIT_EXPECT_NULL(test, ga_span_of(h, page_address(pg)));
		__free_page(pg);
	}
	/* A free page inside the arena belongs to no span either. */
	KUNIT_EXPECT_NULL(test, ga_span_of(h, (void *)(s->base + ga_span_bytes(s))));
	ga_heap_free_span(h, s);
	KUNIT_EXPECT_NULL(test, ga_span_of(h, (void *)s->base));
}

/*
 * The heap grows a heapArena at a time up to its cap and refuses past it;
 * regions stay apart, and everything comes back after frees; at the cap,
 * free regions are returned to make room.
 */
static void heap_grow_to_cap(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 4 * MiB, 12 * MiB);
	unsigned long count = 0, i, max = 3 * GA_CHUNK_PAGES;
	struct ga_span **spans, *s;
	struct heap_stats st;

	spans = kunit_kcalloc(test, max + 1, sizeof(*spans), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, spans);
	while (count <= max) {
		spans[count] = span_alloc(h, 1, GFP_KERNEL);
		if (!spans[count])
			break;
		count++;
	}
	st = heap_stats(h);
	KUNIT_EXPECT_EQ(test, count, max);
	KUNIT_EXPECT_EQ(test, st.mapped, 12 * MiB);
	KUNIT_EXPECT_EQ(test, st.st.grows, 2UL);
	KUNIT_EXPECT_GE(test, st.st.grow_failures, 1UL);
	KUNIT_EXPECT_EQ(test, st.free_pages, 0UL);
	KUNIT_EXPECT_EQ(test, ga_heap_grow(h, 1), -ENOSPC);

	for (i = 0; i < count; i++) {
		KUNIT_EXPECT_PTR_EQ(test, ga_span_of(h, (void *)spans[i]->base), spans[i]);
		ga_heap_free_span(h, spans[i]);
	}
	st = heap_stats(h);
	KUNIT_EXPECT_EQ(test, st.free_pages, max);
	KUNIT_EXPECT_EQ(test, st.st.pages_inuse, 0UL);
	/* Three separate vmalloc regions: no run is longer than one. */
	KUNIT_EXPECT_EQ(test, st.largest, (unsigned long)GA_CHUNK_PAGES);
	/* At the cap, the two free regions go back to make room for a larger one. */
	s = span_alloc(h, GA_CHUNK_PAGES + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	st = heap_stats(h);
	KUNIT_EXPECT_EQ(test, st.st.returned_chunks, 2UL);
	KUNIT_EXPECT_EQ(test, st.mapped, 12 * MiB);
	ga_heap_free_span(h, s);
}

/* Atomic callers never grow the heap; blocking ones do, GFP_NOFS/NOIO too. */
static void heap_atomic_does_not_grow(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 4 * MiB, 8 * MiB);
	struct ga_span *whole = span_alloc(h, GA_CHUNK_PAGES, GFP_KERNEL);
	struct ga_span *s;
	unsigned long flags;

	KUNIT_ASSERT_NOT_NULL(test, whole);
	local_irq_save(flags);
	s = span_alloc(h, 1, GFP_ATOMIC);
	local_irq_restore(flags);
	KUNIT_EXPECT_NULL(test, s);
	KUNIT_EXPECT_NULL(test, span_alloc(h, 1, GFP_NOWAIT));
	KUNIT_EXPECT_EQ(test, heap_stats(h).st.grows, 0UL);
	KUNIT_EXPECT_EQ(test, heap_stats(h).mapped, 4 * MiB);

	s = span_alloc(h, 1, GFP_NOIO);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, heap_stats(h).st.grows, 1UL);
	ga_heap_free_span(h, s);
	ga_heap_free_span(h, whole);
}

/* A request larger than a heapArena grows by a region big enough for it. */
static void heap_large_growth(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 4 * MiB, 32 * MiB);
	struct ga_span *s = span_alloc(h, 1000, GFP_KERNEL);
	struct heap_stats st = heap_stats(h);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->state, (u8)GA_SPAN_LARGE);
	KUNIT_EXPECT_EQ(test, st.mapped, 12 * MiB);
	KUNIT_EXPECT_EQ(test, st.st.grows, 1UL);
	KUNIT_EXPECT_EQ(test, st.st.large_spans, 1UL);
	memset((void *)s->base, 0x5a, ga_span_bytes(s));
	KUNIT_EXPECT_PTR_EQ(test, ga_span_of(h, (void *)(s->base + ga_span_bytes(s) - 1)), s);
	ga_heap_free_span(h, s);
	st = heap_stats(h);
	KUNIT_EXPECT_EQ(test, st.free_pages, 3UL * GA_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, st.largest, 2UL * GA_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, st.st.large_spans, 0UL);
}

/* Freed spans merge: their pages make one run for the next span. */
static void heap_merge_on_free(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 4 * MiB, 4 * MiB);
	struct ga_span *s[4], *big;
	unsigned long base1;
	int i;

	for (i = 0; i < 4; i++) {
		s[i] = span_alloc(h, 128, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s[i]);
	}
	KUNIT_EXPECT_EQ(test, s[1]->base, s[0]->base + 128 * GA_PAGE_SIZE);
	base1 = s[1]->base;
	KUNIT_EXPECT_NULL(test, span_alloc(h, 1, GFP_KERNEL));
	ga_heap_free_span(h, s[1]);
	ga_heap_free_span(h, s[2]);
	KUNIT_EXPECT_EQ(test, heap_stats(h).largest, 256UL);
	big = span_alloc(h, 256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_EXPECT_EQ(test, big->base, base1);
	memset((void *)big->base, 0, ga_span_bytes(big));
	ga_heap_free_span(h, big);
	ga_heap_free_span(h, s[0]);
	ga_heap_free_span(h, s[3]);
	KUNIT_EXPECT_EQ(test, heap_stats(h).largest, 512UL);
	KUNIT_EXPECT_EQ(test, heap_stats(h).st.spans_inuse, 0UL);
}

/*
 * An aligned span takes only its own pages: the pages before it (a
 * misaligned start) and the rest of the searched run stay free and serve
 * the next requests, first fit, and the counts come back after the free.
 */
static void heap_aligned_span_takes_its_pages(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 4 * MiB, 4 * MiB);
	unsigned long free0 = heap_stats(h).free_pages, align, lead, i;
	struct ga_span *one, *s, *a, *b, *m[100];

	one = span_alloc(h, 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, one);
	/* Reading the statistics gives back the CPUs' page caches: first fit. */
	heap_stats(h);
	for (align = 2 * GA_PAGE_SIZE; align <= 16 * GA_PAGE_SIZE; align *= 2) {
		s = ga_heap_alloc_span_aligned(h, 3, align, GA_SPAN_LARGE, 0, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s);
		KUNIT_EXPECT_EQ(test, s->base % align, 0UL);
		KUNIT_EXPECT_EQ(test, s->npages, 3UL);
		KUNIT_EXPECT_EQ(test, heap_stats(h).free_pages, free0 - 1 - 3);
		/* The pages from the 1-page span up to the aligned one are free. */
		lead = (s->base - one->base) / GA_PAGE_SIZE - 1;
		KUNIT_EXPECT_LT(test, lead, align / GA_PAGE_SIZE);
		if (lead) {
			a = span_alloc(h, lead, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, a);
			KUNIT_EXPECT_EQ(test, a->base, one->base + GA_PAGE_SIZE);
			ga_heap_free_span(h, a);
			heap_stats(h);
		}
		/* And so is the page right after it. */
		b = ga_heap_alloc_span(h, 1, GA_SPAN_INUSE, 0, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, b);
		KUNIT_EXPECT_EQ(test, b->base, lead ? one->base + GA_PAGE_SIZE :
						      s->base + 3 * GA_PAGE_SIZE);
		ga_heap_free_span(h, b);
		ga_heap_free_span(h, s);
		KUNIT_EXPECT_EQ(test, heap_stats(h).free_pages, free0 - 1);
		KUNIT_EXPECT_EQ(test, heap_stats(h).largest, free0 - 1);
	}
	ga_heap_free_span(h, one);
	KUNIT_EXPECT_EQ(test, heap_stats(h).free_pages, free0);
	KUNIT_EXPECT_EQ(test, heap_stats(h).st.spans_inuse, 0UL);

	/* Many from one CPU's page cache, 32 KiB spans of 16 KiB objects. */
	migrate_disable();
	for (i = 0; i < ARRAY_SIZE(m); i++) {
		m[i] = ga_heap_alloc_span_aligned(h, 2, 2 * GA_PAGE_SIZE, GA_SPAN_LARGE, 0,
						  GFP_ATOMIC);
		if (!m[i])
			break;
		KUNIT_EXPECT_EQ(test, m[i]->base % (2 * GA_PAGE_SIZE), 0UL);
		if (i)
			KUNIT_EXPECT_NE(test, m[i]->page, m[i - 1]->page);
	}
	migrate_enable();
	KUNIT_EXPECT_EQ(test, i, ARRAY_SIZE(m));
	KUNIT_EXPECT_EQ(test, heap_stats(h).free_pages, free0 - 2 * i);
	while (i--)
		ga_heap_free_span(h, m[i]);
	KUNIT_EXPECT_EQ(test, heap_stats(h).free_pages, free0);
	KUNIT_EXPECT_EQ(test, heap_stats(h).largest, free0);
}

struct pcache_take {
	struct ga_heap *h;
	struct ga_span *s;
};

static long pcache_take_one(void *arg)
{
	struct pcache_take *t = arg;

	t->s = ga_heap_alloc_span(t->h, 1, GA_SPAN_INUSE, 0, GFP_KERNEL);
	return 0;
}

/*
 * Short spans come from the CPU's page cache: a 64-page block taken from
 * the page allocator at once, handed out first fit. Pages another CPU
 * keeps cached are still every page of the heap: a full heap gives them
 * back rather than fail, and every page serves a span. Reading the
 * statistics gives the caches back, so they count exactly.
 */
static void heap_pcache_takes_blocks(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 4 * MiB, 4 * MiB);
	struct pcache_take t = { .h = h };
	struct ga_span **s;
	unsigned long n = 0, i;
	int other;

	s = kunit_kcalloc(test, GA_CHUNK_PAGES, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	migrate_disable();
	other = cpumask_any_but(cpu_online_mask, smp_processor_id());
	migrate_enable();
	if (other >= nr_cpu_ids)
		kunit_skip(test, "needs two CPUs");
	/* The other CPU's cache takes the first block: 63 pages stay in it. */
	KUNIT_ASSERT_EQ(test, work_on_cpu(other, pcache_take_one, &t), 0L);
	KUNIT_ASSERT_NOT_NULL(test, t.s);
	KUNIT_EXPECT_EQ(test, h->pcache_pages, 63UL);

	migrate_disable();
	for (n = 0; n < GA_CHUNK_PAGES; n++) {
		s[n] = ga_heap_alloc_span(h, 1, GA_SPAN_INUSE, 0, GFP_KERNEL);
		if (!s[n])
			break;
		/* Within a block, each page right after the one before. */
		if (n && s[n]->page / 64 == s[n - 1]->page / 64 &&
		    s[n]->page != s[n - 1]->page + 1)
			KUNIT_FAIL(test, "span %lu at page %lu after %lu", n, s[n]->page,
				   s[n - 1]->page);
	}
	migrate_enable();
	KUNIT_EXPECT_EQ(test, n, GA_CHUNK_PAGES - 1);
	KUNIT_EXPECT_EQ(test, heap_stats(h).free_pages, 0UL);
	KUNIT_EXPECT_EQ(test, heap_stats(h).st.spans_inuse, (unsigned long)GA_CHUNK_PAGES);
	for (i = 0; i < n; i++)
		ga_heap_free_span(h, s[i]);
	ga_heap_free_span(h, t.s);
	KUNIT_EXPECT_EQ(test, heap_stats(h).free_pages, (unsigned long)GA_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, heap_stats(h).largest, (unsigned long)GA_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, h->pcache_pages, 0UL);
}

/*
 * A drain gives the page cache back: the block's other 63 pages are free
 * in the page allocator again, and the next span is cut where first fit
 * finds it, right after the first.
 */
static void heap_drain_gives_pcache_back(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 4 * MiB, 4 * MiB);
	struct ga_span *a, *b;

	a = span_alloc(h, 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, h->pcache_pages, 63UL);
	KUNIT_EXPECT_EQ(test, h->pages.free_pages, GA_CHUNK_PAGES - 64UL);
	ga_heap_drain_pcaches(h);
	KUNIT_EXPECT_EQ(test, h->pcache_pages, 0UL);
	KUNIT_EXPECT_EQ(test, h->pages.free_pages, GA_CHUNK_PAGES - 1UL);
	b = span_alloc(h, 2, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, b->page, a->page + 1);
	ga_heap_free_span(h, b);
	ga_heap_free_span(h, a);
	KUNIT_EXPECT_EQ(test, heap_stats(h).free_pages, (unsigned long)GA_CHUNK_PAGES);
}

/*
 * Wholly free regions go back to vmalloc (but the initial arena), and
 * their chunk numbers serve the next growth. Directly, then through the
 * delayed work a free schedules.
 */
static void heap_reclaim_regions(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 4 * MiB, 16 * MiB);
	struct ga_span *s[4];
	struct heap_stats st;
	int i, round;

	h->reclaim_delay = 60 * HZ;
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 4; i++) {
			s[i] = span_alloc(h, GA_CHUNK_PAGES, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, s[i]);
			memset((void *)s[i]->base, i, GA_PAGE_SIZE);
		}
		st = heap_stats(h);
		KUNIT_EXPECT_EQ(test, st.mapped, 16 * MiB);
		KUNIT_EXPECT_EQ(test, st.st.grows, 3UL * (round + 1));
		/* Regions 0 | gap | 2 | gap | 4 | gap | 6: numbers are reused. */
		KUNIT_EXPECT_EQ(test, find_last_bit(h->chunk_used, h->pages.maxchunks), 6UL);
		/* Round 1: a free that empties a region schedules the work. */
		if (round == 1)
			h->reclaim_delay = 1;
		for (i = 0; i < 4; i++)
			ga_heap_free_span(h, s[i]);
		if (round == 0) {
			KUNIT_EXPECT_EQ(test, ga_heap_reclaim(h), 3UL);
		} else {
			unsigned long deadline = jiffies + 5 * HZ;

			while (heap_stats(h).st.returned_chunks < 6 &&
			       time_before(jiffies, deadline))
				msleep(20);
		}
		st = heap_stats(h);
		KUNIT_EXPECT_EQ(test, st.mapped, 4 * MiB);
		KUNIT_EXPECT_EQ(test, st.st.returned_chunks, 3UL * (round + 1));
		KUNIT_EXPECT_EQ(test, st.free_pages, (unsigned long)GA_CHUNK_PAGES);
		KUNIT_EXPECT_EQ(test, h->pages.grown_pages, (unsigned long)GA_CHUNK_PAGES);
		KUNIT_EXPECT_EQ(test, find_last_bit(h->chunk_used, h->pages.maxchunks), 0UL);
		/* A stale pointer into a returned region maps to no span. */
		KUNIT_EXPECT_NULL(test, ga_span_of(h, (void *)s[3]->base));
	}
	/* The initial arena is never returned. */
	KUNIT_EXPECT_EQ(test, ga_heap_reclaim(h), 0UL);
}

/*
 * At the cap, a region that is wholly free but not yet returned (its
 * delayed return is pending) must not stop a growth that fits once it
 * is: it goes back at once.
 */
static void heap_cap_returns_free_regions(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 4 * MiB, 12 * MiB);
	struct ga_span *a, *b, *c;
	struct heap_stats st;

	h->reclaim_delay = 3600 * HZ;
	a = span_alloc(h, 1, GFP_KERNEL);
	b = span_alloc(h, GA_CHUNK_PAGES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, heap_stats(h).mapped, 8 * MiB);
	ga_heap_free_span(h, b);
	/* 8 MiB more: only if b's region goes back first. */
	c = span_alloc(h, 2 * GA_CHUNK_PAGES, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, c);
	st = heap_stats(h);
	KUNIT_EXPECT_EQ(test, st.mapped, 12 * MiB);
	KUNIT_EXPECT_EQ(test, st.st.returned_chunks, 1UL);
	if (c)
		ga_heap_free_span(h, c);
	ga_heap_free_span(h, a);
}

/*
 * With one page of the arena taken (@a), a span of a whole chunk must
 * grow the heap: its growth passes the test point of @hc.
 */
static struct ga_span *grow_hooked(struct kunit *test, struct ga_heap *h, struct hook_ctx *hc,
				   struct ga_span **a)
{
	struct ga_span *b;

	*a = span_alloc(h, 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, *a);
	hc->match = h;
	hook_set(hc);
	b = span_alloc(h, GA_CHUNK_PAGES, GFP_KERNEL);
	hook_clear();
	KUNIT_EXPECT_EQ(test, hc->fired, 1);
	return b;
}

static void reclaim_hook(struct hook_ctx *hc)
{
	hc->result = ga_heap_reclaim(hc->match);
}

/*
 * A region that growth just added for a span is not wholly free for
 * long: a return of free regions that runs in between must not take it.
 */
static void heap_grow_keeps_new_region(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 4 * MiB, 16 * MiB);
	struct hook_ctx hc = { .tp = GA_TP_GROWN, .fn = reclaim_hook };
	struct ga_span *a, *b;
	struct heap_stats st;

	h->reclaim_delay = 3600 * HZ;
	b = grow_hooked(test, h, &hc, &a);
	KUNIT_EXPECT_EQ(test, hc.result, 0L);
	KUNIT_ASSERT_NOT_NULL(test, b);
	st = heap_stats(h);
	KUNIT_EXPECT_EQ(test, st.st.grows, 1UL);
	KUNIT_EXPECT_EQ(test, st.st.returned_chunks, 0UL);
	ga_heap_free_span(h, b);
	ga_heap_free_span(h, a);
}

struct grower {
	struct ga_heap *heap;
	struct completion done;
	struct ga_span *span;
};

static int grower_fn(void *arg)
{
	struct grower *g = arg;

	g->span = span_alloc(g->heap, GA_CHUNK_PAGES, GFP_KERNEL);
	complete(&g->done);
	return 0;
}

/* While the first grower is in vmalloc (and its reclaim), start a second. */
static void second_grower_hook(struct hook_ctx *hc)
{
	struct grower *g = hc->obj;
	struct task_struct *t;

	t = kthread_run(grower_fn, g, "ga_test_grow");
	if (IS_ERR(t)) {
		complete(&g->done);
		return;
	}
	hc->result = wait_for_completion_timeout(&g->done, 10 * HZ) ? 1 : -ETIMEDOUT;
}

/*
 * Growth does not hold a lock across vmalloc and its direct reclaim: a
 * second blocking grower is not made to wait behind the first.
 */
static void heap_growers_do_not_wait(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 4 * MiB, 64 * MiB);
	struct hook_ctx hc = { .tp = GA_TP_GROW_REGION, .fn = second_grower_hook };
	struct grower *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	struct ga_span *a, *b;

	KUNIT_ASSERT_NOT_NULL(test, g);
	g->heap = h;
	init_completion(&g->done);
	a = span_alloc(h, GA_CHUNK_PAGES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	hc.match = h;
	hc.obj = g;
	hook_set(&hc);
	b = span_alloc(h, GA_CHUNK_PAGES, GFP_KERNEL);
	hook_clear();
	/* The hook consumed the completion unless the second grower was stuck. */
	if (hc.result != 1)
		wait_for_completion(&g->done);
	/* Both growers pass the test point; the first runs the hook. */
	KUNIT_EXPECT_EQ(test, hc.fired, 2);
	KUNIT_EXPECT_EQ_MSG(test, hc.result, 1L, "the second grower waited for the first");
	KUNIT_EXPECT_NOT_NULL(test, b);
	KUNIT_EXPECT_NOT_NULL(test, g->span);
	if (b)
		ga_heap_free_span(h, b);
	if (g->span)
		ga_heap_free_span(h, g->span);
	ga_heap_free_span(h, a);
}

/* As a shrinker would: allocate from inside direct reclaim. */
static void reclaim_alloc_hook(struct hook_ctx *hc)
{
	unsigned int flags = memalloc_noreclaim_save();

	hc->out[0] = span_alloc(hc->match, 2 * GA_CHUNK_PAGES, GFP_KERNEL);
	hc->out[1] = span_alloc(hc->match, 1, GFP_KERNEL);
	memalloc_noreclaim_restore(flags);
}

/*
 * Reclaim that re-enters the heap never grows it (nor deadlocks on a
 * growth in progress), and still gets what the heap has free.
 */
static void heap_no_growth_from_reclaim(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 4 * MiB, 64 * MiB);
	struct hook_ctx hc = { .tp = GA_TP_GROW_REGION, .fn = reclaim_alloc_hook };
	struct ga_span *a, *b;

	b = grow_hooked(test, h, &hc, &a);
	KUNIT_EXPECT_NOT_NULL(test, b);
	KUNIT_EXPECT_NULL(test, hc.out[0]);
	KUNIT_EXPECT_NOT_NULL(test, hc.out[1]);
	KUNIT_EXPECT_EQ(test, heap_stats(h).st.grows, 1UL);
	if (hc.out[1])
		ga_heap_free_span(h, hc.out[1]);
	if (b)
		ga_heap_free_span(h, b);
	ga_heap_free_span(h, a);
}

struct irq_ctx {
	struct irq_work work;
	struct ga_heap *heap;
	struct completion done;
	int runs, ok;
	bool in_hardirq;
};

static void heap_irq_work_fn(struct irq_work *work)
{
	struct irq_ctx *ctx = container_of(work, struct irq_ctx, work);
	struct ga_span *s = span_alloc(ctx->heap, 2, GFP_ATOMIC);

	ctx->in_hardirq = in_hardirq();
	if (s) {
		memset((void *)s->base, 0x3c, ga_span_bytes(s));
		if (ga_span_of(ctx->heap, (void *)s->base) == s)
			ctx->ok++;
		ga_heap_free_span(ctx->heap, s);
	}
	ctx->runs++;
	complete(&ctx->done);
}

/* Span allocation from hard interrupts while process context allocates. */
static void heap_irq_context(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 8 * MiB, 8 * MiB);
	struct irq_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	int i, rounds = 200;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->heap = h;
	init_irq_work(&ctx->work, heap_irq_work_fn);
	init_completion(&ctx->done);
	for (i = 0; i < rounds; i++) {
		struct ga_span *s;

		reinit_completion(&ctx->done);
		irq_work_queue(&ctx->work);
		s = span_alloc(h, 1 + i % 7, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s);
		ga_heap_free_span(h, s);
		wait_for_completion(&ctx->done);
		irq_work_sync(&ctx->work);
	}
	KUNIT_EXPECT_EQ(test, ctx->runs, rounds);
	KUNIT_EXPECT_EQ(test, ctx->ok, rounds);
	KUNIT_EXPECT_TRUE(test, ctx->in_hardirq);
	KUNIT_EXPECT_EQ(test, heap_stats(h).st.spans_inuse, 0UL);
	KUNIT_EXPECT_EQ(test, heap_stats(h).free_pages, 2UL * GA_CHUNK_PAGES);
}

struct worker {
	struct ga_heap *heap;
	struct completion done;
	unsigned int seed;
	unsigned long errors, ops;
};

/* Mark the first and last byte of every page of a span with a tag. */
static void span_mark(struct ga_span *s, u8 tag)
{
	unsigned long i;

	for (i = 0; i < s->npages; i++) {
		u8 *p = (u8 *)s->base + i * GA_PAGE_SIZE;

		p[0] = tag;
		p[GA_PAGE_SIZE - 1] = tag;
	}
}

static bool span_marked(struct ga_span *s, u8 tag)
{
	unsigned long i;

	for (i = 0; i < s->npages; i++) {
		u8 *p = (u8 *)s->base + i * GA_PAGE_SIZE;

		if (p[0] != tag || p[GA_PAGE_SIZE - 1] != tag)
			return false;
	}
	return true;
}

/* Allocate, mark, look up, check and free spans of random sizes. */
static int heap_worker(void *arg)
{
	enum { SLOTS = 16 };
	struct worker *w = arg;
	struct ga_span *held[SLOTS] = {};
	struct rnd_state rnd;
	unsigned int k, i;

	prandom_seed_state(&rnd, w->seed);
	for (k = 0; k < 3000; k++) {
		i = prandom_u32_state(&rnd) % SLOTS;
		if (held[i]) {
			if (ga_span_of(w->heap, (void *)held[i]->base) != held[i] ||
			    !span_marked(held[i], w->seed + i))
				w->errors++;
			ga_heap_free_span(w->heap, held[i]);
			held[i] = NULL;
		} else {
			held[i] = span_alloc(w->heap, 1 + prandom_u32_state(&rnd) % 40,
					     GFP_KERNEL);
			if (held[i])
				span_mark(held[i], w->seed + i);
		}
		w->ops++;
		if (k % 64 == 0)
			cond_resched();
	}
	for (i = 0; i < SLOTS; i++)
		if (held[i])
			ga_heap_free_span(w->heap, held[i]);
	complete(&w->done);
	return 0;
}

/* Two CPUs allocate and free spans of one heap at once, growing it. */
static void heap_two_cpus(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 4 * MiB, 16 * MiB);
	struct worker *w = kunit_kcalloc(test, 2, sizeof(*w), GFP_KERNEL);
	int i, cpu = -1;

	KUNIT_ASSERT_NOT_NULL(test, w);
	for (i = 0; i < 2; i++) {
		struct task_struct *t;

		w[i].heap = h;
		w[i].seed = 1000 + i;
		init_completion(&w[i].done);
		t = kthread_create(heap_worker, &w[i], "ga_heap_test/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu < nr_cpu_ids)
			kthread_bind(t, cpu);
		wake_up_process(t);
	}
	for (i = 0; i < 2; i++) {
		wait_for_completion(&w[i].done);
		KUNIT_EXPECT_EQ(test, w[i].errors, 0UL);
		KUNIT_EXPECT_EQ(test, w[i].ops, 3000UL);
	}
	KUNIT_EXPECT_EQ(test, heap_stats(h).st.spans_inuse, 0UL);
	KUNIT_EXPECT_EQ(test, heap_stats(h).st.pages_inuse, 0UL);
	KUNIT_EXPECT_EQ(test, heap_stats(h).free_pages, heap_stats(h).mapped / GA_PAGE_SIZE);
}

/* Module init left Go's mallocinit state behind. */
static void heap_global_init_state(struct kunit *test)
{
	struct heap_stats st = heap_stats(&ga.heap);
	int cpu, i;

	KUNIT_EXPECT_GE(test, st.mapped, ga.heap.arena_bytes);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(ga.heap.arena_bytes, GA_CHUNK_BYTES));
	KUNIT_EXPECT_LE(test, ga.heap.arena_bytes, ga.heap.max_bytes);
	KUNIT_EXPECT_EQ(test, ga.heap.grow_bytes, GA_CHUNK_BYTES);
	for (i = 1; i < GA_NUM_SPAN_CLASSES; i++)
		KUNIT_EXPECT_EQ(test, ga.central[i].spanclass, (u8)i);
	KUNIT_ASSERT_NOT_NULL(test, ga.mcache);
	for_each_possible_cpu(cpu) {
		struct ga_mcache *c = per_cpu_ptr(ga.mcache, cpu);

		/* Empty, or a span of that class this CPU caches. */
		for (i = 0; i < GA_NUM_SPAN_CLASSES; i++) {
			struct ga_span *s = c->alloc[i];

			KUNIT_EXPECT_TRUE(test, s == &ga_emptyspan ||
					  (s->spanclass == i && s->owner == cpu &&
					   s->where == GA_WHERE_CACHE));
		}
	}
}

/*
 * Headroom regions take the highest free chunk numbers, so that first fit
 * reaches them last: with a hole left low by a returned region, the
 * background growth must still land above every other region, and a
 * small span must still come from below it.
 */
static void heap_headroom_at_top(struct kunit *test)
{
	struct ga_heap *h = heap_new(test, 4 * MiB, 32 * MiB);
	struct ga_span *a0, *a, *b, *c, *d;
	unsigned int i, top_other, lowest_bg = UINT_MAX;
	unsigned long flags, bg;

	h->reclaim_delay = 3600 * HZ;
	/* A page of the arena taken: each whole chunk below grows a region. */
	a0 = span_alloc(h, 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a0);
	b = span_alloc(h, GA_CHUNK_PAGES, GFP_KERNEL);
	c = span_alloc(h, GA_CHUNK_PAGES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	ga_heap_free_span(h, b);
	KUNIT_ASSERT_EQ(test, ga_heap_reclaim(h), 1UL);
	top_other = c->page / GA_CHUNK_PAGES;

	spin_lock_irqsave(&h->lock, flags);
	h->headroom = true;
	spin_unlock_irqrestore(&h->lock, flags);
	/* Leaves the arena below the low watermark: the work item grows. */
	a = span_alloc(h, GA_CHUNK_PAGES - 1 - 16, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	flush_work(&h->grow_work);
	bg = heap_stats(h).st.bg_grows;
	KUNIT_EXPECT_GE(test, bg, 1UL);

	spin_lock_irqsave(&h->lock, flags);
	h->headroom = false;
	for (i = 0; i < h->pages.maxchunks && lowest_bg == UINT_MAX; i++)
		if (h->chunk_region[i] && h->chunk_region[i] != h->chunk_region[0] &&
		    h->chunk_region[i] != h->chunk_region[top_other])
			lowest_bg = i;
	spin_unlock_irqrestore(&h->lock, flags);
	KUNIT_EXPECT_NE(test, lowest_bg, UINT_MAX);
	KUNIT_EXPECT_GT(test, lowest_bg, top_other);

	/* The arena's last pages first, then c's region, never the top. */
	d = span_alloc(h, 16, GFP_ATOMIC);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_LT(test, d->page, (unsigned long)GA_CHUNK_PAGES);
	ga_heap_free_span(h, d);
	ga_heap_free_span(h, c);
	d = span_alloc(h, 32, GFP_ATOMIC);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_EQ(test, d->page / GA_CHUNK_PAGES, (unsigned long)top_other);
	ga_heap_free_span(h, d);
	ga_heap_free_span(h, a);
	ga_heap_free_span(h, a0);
}

/*
 * Headroom: a hard-interrupt user (hrtimer) and a softirq user (timer) take
 * a working set four times the initial arena with GFP_ATOMIC while the
 * test thread keeps allocating and freeing on the same CPU. Only the
 * background growth can make room for them: no allocation may fail.
 */
struct headroom_run {
	struct hrtimer hr;
	struct timer_list tl;
	void **hard, **soft;
	unsigned int nhard, nsoft, want_hard, want_soft;
	unsigned int hard_fails, soft_fails;
};

#define HEADROOM_HARD_SIZE	SZ_64K
#define HEADROOM_SOFT_SIZE	SZ_8K

static enum hrtimer_restart headroom_hard(struct hrtimer *hr)
{
	struct headroom_run *r = container_of(hr, struct headroom_run, hr);
	void *p;

	if (r->nhard >= r->want_hard)
		return HRTIMER_NORESTART;
	p = goalloc_kmalloc(HEADROOM_HARD_SIZE, GFP_ATOMIC | __GFP_NOWARN);
	if (p) {
		memset(p, 0x48, 64);
		r->hard[r->nhard++] = p;
	} else {
		r->hard_fails++;
	}
	hrtimer_forward_now(hr, ns_to_ktime(NSEC_PER_MSEC));
	return HRTIMER_RESTART;
}

static void headroom_soft(struct timer_list *tl)
{
	struct headroom_run *r = from_timer(r, tl, tl);
	int i;

	for (i = 0; i < 8 && r->nsoft < r->want_soft; i++) {
		void *p = goalloc_kmalloc(HEADROOM_SOFT_SIZE, GFP_ATOMIC | __GFP_NOWARN);

		if (!p) {
			r->soft_fails++;
			continue;
		}
		memset(p, 0x53, 64);
		r->soft[r->nsoft++] = p;
	}
	if (r->nsoft < r->want_soft)
		mod_timer(tl, jiffies + 1);
}

static void heap_atomic_headroom(struct kunit *test)
{
	struct headroom_run *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned long bg0, low, high, set, spins = 0;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_TRUE(test, ga.heap.headroom);
	/* Four arenas' worth, well within the cap. */
	set = min(4 * ga.heap.arena_bytes, ga.heap.max_bytes - 2 * ga.heap.arena_bytes);
	KUNIT_ASSERT_GE(test, set, 3 * ga.heap.arena_bytes);
	r->want_hard = set / 4 * 3 / HEADROOM_HARD_SIZE;
	r->want_soft = set / 4 / HEADROOM_SOFT_SIZE;
	r->hard = kunit_kcalloc(test, r->want_hard, sizeof(void *), GFP_KERNEL);
	r->soft = kunit_kcalloc(test, r->want_soft, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->hard);
	KUNIT_ASSERT_NOT_NULL(test, r->soft);
	/* Start from the initial arena, nothing grown yet. */
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	ga_test_heap_settle();
	bg0 = heap_stats(&ga.heap).st.bg_grows;

	migrate_disable();
	hrtimer_init(&r->hr, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	r->hr.function = headroom_hard;
	timer_setup(&r->tl, headroom_soft, TIMER_PINNED);
	hrtimer_start(&r->hr, ns_to_ktime(NSEC_PER_MSEC), HRTIMER_MODE_REL_PINNED_HARD);
	mod_timer(&r->tl, jiffies + 1);
	while (READ_ONCE(r->nhard) + READ_ONCE(r->hard_fails) < r->want_hard ||
	       READ_ONCE(r->nsoft) < r->want_soft) {
		void *p = goalloc_kmalloc(4096, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		memset(p, 0x50, 4096);
		goalloc_kfree(p);
		spins++;
		cond_resched();
		if (READ_ONCE(r->soft_fails) > r->want_soft)
			break;
	}
	hrtimer_cancel(&r->hr);
	del_timer_sync(&r->tl);
	migrate_enable();

	ga_heap_headroom(&ga.heap, &low, &high);
	KUNIT_EXPECT_EQ(test, r->hard_fails, 0U);
	KUNIT_EXPECT_EQ(test, r->soft_fails, 0U);
	KUNIT_EXPECT_GT(test, heap_stats(&ga.heap).st.bg_grows, bg0);
	kunit_info(test, "note: %u hardirq and %u softirq GFP_ATOMIC allocations (%lu MiB, %lu times the arena), %u and %u failed, %lu background growths, %lu process allocations meanwhile, watermarks now %lu/%lu pages\n",
		   r->nhard, r->nsoft,
		   ((unsigned long)r->nhard * HEADROOM_HARD_SIZE +
		    (unsigned long)r->nsoft * HEADROOM_SOFT_SIZE) >> 20,
		   ((unsigned long)r->nhard * HEADROOM_HARD_SIZE +
		    (unsigned long)r->nsoft * HEADROOM_SOFT_SIZE) / ga.heap.arena_bytes,
		   r->hard_fails, r->soft_fails, heap_stats(&ga.heap).st.bg_grows - bg0, spins,
		   low, high);
	for (i = 0; i < r->nhard; i++)
		goalloc_kfree(r->hard[i]);
	for (i = 0; i < r->nsoft; i++)
		goalloc_kfree(r->soft[i]);
	KUNIT_EXPECT_EQ(test, ga_drain_all(), 0);
	ga_test_heap_settle();
}

/*
 * Atomic allocations fail only at the cap: with the cap lowered to 32 MiB
 * past the mapped heap, a softirq user takes 64 KiB objects with
 * GFP_ATOMIC until one fails. When it does, the heap must be within one
 * growth of the cap, counting regions being added: the background growth
 * used all the room there was.
 */
#define TO_CAP_ROOM	SZ_32M
#define TO_CAP_SIZE	SZ_64K

struct to_cap_run {
	struct timer_list tl;
	void **objs;
	unsigned int n, want;
	bool failed;
	unsigned long mapped, reserved;	/* at the failure */
};

static void to_cap_soft(struct timer_list *tl)
{
	struct to_cap_run *r = from_timer(r, tl, tl);
	unsigned long flags;
	int i;

	for (i = 0; i < 8 && r->n < r->want; i++) {
		void *p = goalloc_kmalloc(TO_CAP_SIZE, GFP_ATOMIC | __GFP_NOWARN);

		if (!p) {
			spin_lock_irqsave(&ga.heap.lock, flags);
			r->mapped = ga.heap.mapped_bytes;
			r->reserved = ga.heap.reserved_bytes;
			spin_unlock_irqrestore(&ga.heap.lock, flags);
			WRITE_ONCE(r->failed, true);
			return;
		}
		memset(p, 0x43, 64);
		r->objs[r->n++] = p;
	}
	if (r->n < r->want)
		mod_timer(tl, jiffies + 1);
	else
		WRITE_ONCE(r->failed, true);
}

/* The global heap's cap, for a test; under its lock, as growth reads it. */
static void heap_set_cap(unsigned long bytes)
{
	unsigned long flags;

	spin_lock_irqsave(&ga.heap.lock, flags);
	ga.heap.max_bytes = bytes;
	spin_unlock_irqrestore(&ga.heap.lock, flags);
}

static void heap_atomic_to_cap(struct kunit *test)
{
	struct to_cap_run *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned long max0 = ga.heap.max_bytes, cap, bg0, waited = 0;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_TRUE(test, ga.heap.headroom);
	KUNIT_ASSERT_PTR_EQ(test, ga.kheap, &ga.heap);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	ga_test_heap_settle();
	cap = heap_stats(&ga.heap).mapped + TO_CAP_ROOM;
	KUNIT_ASSERT_LE(test, cap, max0);
	/* More than the cap holds: the run ends at a failure. */
	r->want = cap / TO_CAP_SIZE;
	r->objs = kunit_kcalloc(test, r->want, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->objs);
	bg0 = heap_stats(&ga.heap).st.bg_grows;

	heap_set_cap(cap);
	timer_setup(&r->tl, to_cap_soft, 0);
	mod_timer(&r->tl, jiffies + 1);
	while (!READ_ONCE(r->failed) && waited++ < 10000)
		usleep_range(1000, 2000);
	del_timer_sync(&r->tl);

	KUNIT_EXPECT_TRUE(test, r->failed);
	KUNIT_EXPECT_LT(test, r->n, r->want);
	KUNIT_EXPECT_LT_MSG(test, cap - r->mapped - r->reserved, ga.heap.grow_bytes,
			    "an atomic allocation failed with %lu MiB of the cap not grown",
			    (cap - r->mapped - r->reserved) >> 20);
	KUNIT_EXPECT_GT(test, heap_stats(&ga.heap).st.bg_grows, bg0);
	kunit_info(test, "note: cap %lu MiB: %u GFP_ATOMIC objects (%lu MiB) from softirq before the first failure, at %lu MiB mapped, %lu MiB being added; %lu background growths\n",
		   cap >> 20, r->n, ((unsigned long)r->n * TO_CAP_SIZE) >> 20, r->mapped >> 20,
		   r->reserved >> 20, heap_stats(&ga.heap).st.bg_grows - bg0);
	for (i = 0; i < r->n; i++)
		goalloc_kfree(r->objs[i]);
	KUNIT_EXPECT_EQ(test, ga_drain_all(), 0);
	heap_set_cap(max0);
	ga_test_heap_settle();
}

static struct kunit_case heap_cases[] = {
	KUNIT_CASE_PARAM(heap_init_rejects_bad_sizes, bad_init_gen_params),
	KUNIT_CASE(heap_span_basic),
	KUNIT_CASE_PARAM(heap_span_lookup, lookup_gen_params),
	KUNIT_CASE(heap_foreign_pointers),
	KUNIT_CASE(heap_grow_to_cap),
	KUNIT_CASE(heap_atomic_does_not_grow),
	KUNIT_CASE(heap_large_growth),
	KUNIT_CASE(heap_merge_on_free),
	KUNIT_CASE(heap_aligned_span_takes_its_pages),
	KUNIT_CASE(heap_pcache_takes_blocks),
	KUNIT_CASE(heap_drain_gives_pcache_back),
	KUNIT_CASE(heap_reclaim_regions),
	KUNIT_CASE(heap_cap_returns_free_regions),
	KUNIT_CASE(heap_grow_keeps_new_region),
	KUNIT_CASE(heap_growers_do_not_wait),
	KUNIT_CASE(heap_no_growth_from_reclaim),
	KUNIT_CASE(heap_irq_context),
	KUNIT_CASE(heap_two_cpus),
	KUNIT_CASE(heap_global_init_state),
	KUNIT_CASE(heap_headroom_at_top),
	KUNIT_CASE(heap_atomic_headroom),
	KUNIT_CASE(heap_atomic_to_cap),
	{}
};

static struct kunit_suite heap_suite = {
	.name = "goalloc_heap",
	.init = heap_test_init,
	.exit = heap_test_exit,
	.test_cases = heap_cases,
};

kunit_test_suites(&pallocbits_suite, &pagealloc_suite, &heap_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of goalloc's page heap");
