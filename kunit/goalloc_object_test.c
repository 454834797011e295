// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of goalloc's object path: size classes, mcache/mcentral
 * allocation, tiny and large objects, explicit and cross-CPU free, and
 * interrupt context. They use the module's global allocator, as its
 * users do, and reach its internals through its EXPORT_SYMBOL_IF_KUNIT()
 * exports.
 *
 * goalloc_sizeclass: the generated table is Go's; every size maps to the
 *	smallest class that fits; tail waste; divMagic for every offset.
 * goalloc_object: every class boundary, exactly filling a span, many
 *	spans, all classes interleaved, tiny packing and lifetime, large
 *	objects and the merging of their pages, empty spans kept for reuse
 *	and the trim work that gives them back.
 * goalloc_free: refused double, foreign and interior frees; frees from
 *	other CPUs both ways while the owner allocates; allocation and free
 *	in hard interrupts while process context allocates; the nested path;
 *	a CPU going offline with cached spans; the review's races, forced at
 *	test points (a flush draining the NMI ring while its irq_work runs
 *	among them).
 * goalloc_model: a million random operations against a shadow table,
 *	then every span and page back in the heap.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "goalloc.h"
#include "goalloc_internal.h"
#include "goalloc_test.h"

MODULE_IMPORT_NS(GOALLOC_NS);
MODULE_IMPORT_NS(GOALLOC_KUNIT_NS);

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

static unsigned long heap_largest_free(void)
{
	struct ga_heap_stats st;
	unsigned long mapped, free_pages, largest;

	ga_heap_read_stats(&ga.heap, &st, &mapped, &free_pages, &largest);
	return largest;
}

/* Allocations by interrupts that found their CPU's mcache busy. */
static unsigned long nested_allocs(void)
{
	unsigned long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += per_cpu_ptr(ga.mcache, cpu)->stats.nested_allocs;
	return n;
}

/* Spans on mcentral lists: they hold allocated objects. */
static unsigned long central_spans(void)
{
	unsigned long n = 0, flags;
	unsigned int i;

	for (i = 1; i < GA_NUM_SPAN_CLASSES; i++) {
		spin_lock_irqsave(&ga.central[i].lock, flags);
		n += ga.central[i].nr_partial + ga.central[i].nr_full + ga.central[i].nr_cached;
		spin_unlock_irqrestore(&ga.central[i].lock, flags);
	}
	return n;
}

static u8 pattern_of(const void *p, unsigned int salt)
{
	return (u8)(((unsigned long)p >> 3) ^ salt) | 1;
}

static void fill(void *p, size_t n, unsigned int salt)
{
	memset(p, pattern_of(p, salt), n);
}

static bool intact(const void *p, size_t n, unsigned int salt)
{
	return !memchr_inv(p, pattern_of(p, salt), n);
}

/* ---------------------------------------------------------------------- */
/* goalloc_sizeclass                                                      */

/* Go's 68-class table (runtime/sizeclasses.go): bytes/obj, pages/span. */
static const u16 go_class_size[GA_NUM_SIZE_CLASSES] = {
	0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224,
	240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896,
	1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456,
	4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880,
	12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264,
	28672, 32768,
};

static const u8 go_class_npages[GA_NUM_SIZE_CLASSES] = {
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 2, 1, 3, 2, 3, 1, 3, 2, 3,
	4, 5, 6, 1, 7, 6, 5, 4, 3, 5, 7, 2, 9, 7, 5, 8, 3, 10, 7, 4,
};

static void sizeclass_table_is_gos(struct kunit *test)
{
	unsigned int c;

	for (c = 0; c < GA_NUM_SIZE_CLASSES; c++) {
		KUNIT_EXPECT_EQ_MSG(test, ga_class_to_size[c], go_class_size[c], "class %u", c);
		KUNIT_EXPECT_EQ_MSG(test, ga_class_to_npages[c], go_class_npages[c], "class %u", c);
		if (c)
			KUNIT_EXPECT_EQ_MSG(test, ga_class_to_nelems[c],
					    go_class_npages[c] * 8192 / go_class_size[c],
					    "class %u", c);
	}
	KUNIT_EXPECT_EQ(test, ga_class_to_size[GA_TINY_SIZE_CLASS], GA_TINY_SIZE);
}

/* Every size 1 .. 32768 maps to the smallest class that holds it. */
static void sizeclass_smallest_fit(struct kunit *test)
{
	unsigned int size;

	for (size = 1; size <= GA_MAX_SMALL_SIZE; size++) {
		unsigned int c = ga_size_class(size);

		if (c < 1 || c >= GA_NUM_SIZE_CLASSES || ga_class_to_size[c] < size ||
		    ga_class_to_size[c - 1] >= size) {
			KUNIT_FAIL(test, "size %u maps to class %u", size, c);
			return;
		}
	}
}

/* Go's rule: the tail of every span is at most 1/8 of it. */
static void sizeclass_tail_waste(struct kunit *test)
{
	unsigned int c;

	for (c = 1; c < GA_NUM_SIZE_CLASSES; c++) {
		unsigned long span = ga_class_to_npages[c] * GA_PAGE_SIZE;

		KUNIT_EXPECT_LE_MSG(test, span % ga_class_to_size[c], span / 8, "class %u", c);
		KUNIT_EXPECT_EQ_MSG(test, ga_class_to_nelems[c], span / ga_class_to_size[c],
				    "class %u", c);
		KUNIT_EXPECT_LE(test, ga_class_to_nelems[c], GA_MAX_OBJS_PER_SPAN);
	}
}

/* divMagic gives offset / size exactly for every offset of every span. */
static void sizeclass_divmagic_exact(struct kunit *test)
{
	unsigned int c;

	for (c = 1; c < GA_NUM_SIZE_CLASSES; c++) {
		unsigned long span = ga_class_to_npages[c] * GA_PAGE_SIZE, off;
		u64 m = ga_class_to_divmagic[c];

		for (off = 0; off <= span; off++) {
			if ((off * m) >> 32 != off / ga_class_to_size[c]) {
				KUNIT_FAIL(test, "class %u offset %lu", c, off);
				return;
			}
		}
	}
}

static struct kunit_case sizeclass_cases[] = {
	KUNIT_CASE(sizeclass_table_is_gos),
	KUNIT_CASE(sizeclass_smallest_fit),
	KUNIT_CASE(sizeclass_tail_waste),
	KUNIT_CASE(sizeclass_divmagic_exact),
	{}
};

static struct kunit_suite sizeclass_suite = {
	.name = "goalloc_sizeclass",
	.exit = ga_test_exit,
	.test_cases = sizeclass_cases,
};

/* ---------------------------------------------------------------------- */
/* goalloc_object                                                         */

static const unsigned int all_classes[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
	21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38,
	39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56,
	57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67,
};

static void class_desc(const unsigned int *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "class_%u_%u_bytes", *c, ga_class_to_size[*c]);
}

KUNIT_ARRAY_PARAM(classes, all_classes, class_desc);

/* Alignment every object of @size must have: kmalloc's 8 bytes, and the
 * class's own (its lowest set bit, up to a heap page).
 */
static unsigned long want_align(unsigned int c)
{
	return min_t(unsigned long, ga_class_to_size[c] & -ga_class_to_size[c], GA_PAGE_SIZE);
}

/*
 * Sizes size - 1, size and size + 1 around a class edge: the right class,
 * aligned, writable to the last usable byte, freed, and the slot reused.
 */
static void object_class_boundaries(struct kunit *test)
{
	unsigned int c = *(const unsigned int *)test->param_value;
	unsigned int size = ga_class_to_size[c];
	struct errs e0 = errs_now();
	size_t sizes[3] = { size - 1, size, size + 1 };
	int k;

	migrate_disable();
	for (k = 0; k < 3; k++) {
		size_t want, usable;
		unsigned int wc;
		void *p, *q;
		int tries;

		if (!sizes[k])
			continue;
		wc = sizes[k] > GA_MAX_SMALL_SIZE ? 0 : ga_size_class(sizes[k]);
		p = goalloc_kmalloc(sizes[k], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		usable = goalloc_ksize(p);
		want = wc ? ga_class_to_size[wc] : round_up(sizes[k], GA_PAGE_SIZE);
		KUNIT_EXPECT_EQ_MSG(test, usable, want, "size %zu", sizes[k]);
		KUNIT_EXPECT_EQ_MSG(test, (unsigned long)p % 8, 0UL, "size %zu", sizes[k]);
		if (wc)
			KUNIT_EXPECT_EQ_MSG(test, (unsigned long)p % want_align(wc), 0UL,
					    "size %zu", sizes[k]);
		fill(p, usable, c);
		KUNIT_EXPECT_TRUE(test, intact(p, usable, c));
		if (!wc) {
			/* Large: object_large checks its pages merge back. */
			goalloc_kfree(p);
			continue;
		}

		/*
		 * The freed slot comes back within one pass over the span,
		 * on the CPU whose cache holds the span.
		 */
		goalloc_kfree(p);
		q = NULL;
		for (tries = 0; tries < 3 * GA_MAX_OBJS_PER_SPAN + 4; tries++) {
			void **next = goalloc_kmalloc(max_t(size_t, sizes[k], sizeof(void *)),
						      GFP_KERNEL);

			KUNIT_ASSERT_NOT_NULL(test, next);
			if (next == p)
				break;
			*next = q;
			q = next;
		}
		while (q) {
			void *next = *(void **)q;

			goalloc_kfree(q);
			q = next;
		}
		KUNIT_EXPECT_LT_MSG(test, tries, 3 * GA_MAX_OBJS_PER_SPAN + 4,
				    "size %zu: freed slot not reused", sizes[k]);
		if (tries < 3 * GA_MAX_OBJS_PER_SPAN + 4)
			goalloc_kfree(p);
	}
	migrate_enable();
	expect_errs(test, e0, 0, 0, 0);
}

static const unsigned int fill_classes[] = { 3, 11, 35, 41, 50, 59, 67 };

KUNIT_ARRAY_PARAM(fill_classes, fill_classes, class_desc);

/*
 * With the caches drained and no object of the class alive, nelems
 * allocations fill one new span exactly and the next comes from another.
 */
static void object_fill_span_exactly(struct kunit *test)
{
	unsigned int c = *(const unsigned int *)test->param_value;
	unsigned int n = ga_class_to_nelems[c], i;
	struct ga_span *s, *extra_span;
	void **objs, *extra;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	migrate_disable();
	for (i = 0; i < n; i++)
		objs[i] = goalloc_kmalloc(ga_class_to_size[c], GFP_KERNEL);
	extra = goalloc_kmalloc(ga_class_to_size[c], GFP_KERNEL);
	migrate_enable();

	KUNIT_ASSERT_NOT_NULL(test, objs[0]);
	s = ga_span_of(&ga.heap, objs[0]);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->spanclass, (u8)c);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_PTR_EQ(test, ga_span_of(&ga.heap, objs[i]), s);
		KUNIT_EXPECT_PTR_EQ(test, objs[i],
				    (void *)(s->base + (unsigned long)i * ga_class_to_size[c]));
	}
	KUNIT_ASSERT_NOT_NULL(test, extra);
	extra_span = ga_span_of(&ga.heap, extra);
	KUNIT_EXPECT_PTR_NE(test, extra_span, s);
	for (i = 0; i < n; i++)
		goalloc_kfree(objs[i]);
	goalloc_kfree(extra);
}

/* Ten spans' worth of one class: all distinct, all intact, all freed. */
static void object_many_spans(struct kunit *test)
{
	unsigned int c = 12, n = 10 * ga_class_to_nelems[c], i;
	unsigned long pages0;
	void **objs;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	pages0 = ga_test_pages_inuse();
	for (i = 0; i < n; i++) {
		objs[i] = goalloc_kmalloc(ga_class_to_size[c], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		fill(objs[i], ga_class_to_size[c], i);
	}
	KUNIT_EXPECT_GE(test, ga_test_pages_inuse(), pages0 + 10);
	for (i = 0; i < n; i++) {
		if (!intact(objs[i], ga_class_to_size[c], i)) {
			KUNIT_FAIL(test, "object %u overwritten", i);
			break;
		}
	}
	for (i = 0; i < n; i += 2)
		goalloc_kfree(objs[i]);
	for (i = 1; i < n; i += 2)
		goalloc_kfree(objs[i]);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	KUNIT_EXPECT_EQ(test, ga_test_pages_inuse(), pages0);
}

/* One object of every class per round, freed in shuffled order. */
static void object_all_classes_interleaved(struct kunit *test)
{
	enum { ROUNDS = 20 };
	unsigned int n = ROUNDS * (GA_NUM_SIZE_CLASSES - 1), i;
	struct rnd_state rnd;
	size_t *sizes;
	void **objs;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	sizes = kunit_kcalloc(test, n, sizeof(*sizes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_NOT_NULL(test, sizes);
	prandom_seed_state(&rnd, 0x0b1ec7);
	for (i = 0; i < n; i++) {
		unsigned int c = 1 + i % (GA_NUM_SIZE_CLASSES - 1);
		unsigned int lo = ga_class_to_size[c - 1] + 1, hi = ga_class_to_size[c];

		sizes[i] = lo + prandom_u32_state(&rnd) % (hi - lo + 1);
		objs[i] = goalloc_kmalloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_EQ(test, ga_usable_size(objs[i]), (size_t)hi);
		fill(objs[i], sizes[i], i);
	}
	for (i = n - 1; i > 0; i--) {
		unsigned int j = prandom_u32_state(&rnd) % (i + 1);

		swap(objs[i], objs[j]);
		swap(sizes[i], sizes[j]);
	}
	for (i = 0; i < n; i++) {
		struct ga_span *s = ga_span_of(&ga.heap, objs[i]);
		unsigned int salt;

		/* Each object was filled with its original index as salt. */
		for (salt = 0; salt < n; salt++)
			if (intact(objs[i], sizes[i], salt))
				break;
		KUNIT_EXPECT_LT_MSG(test, salt, n, "object of %zu bytes overwritten", sizes[i]);
		KUNIT_EXPECT_NOT_NULL(test, s);
		goalloc_kfree(objs[i]);
	}
}

/*
 * Go's TestTinyAlloc and its alignment rules: objects pack into one
 * 16-byte block at 1-, 2-, 4- and 8-byte alignment; a block is freed only
 * when its last object is and no CPU packs into it any more.
 */
static void object_tiny_packing_and_lifetime(struct kunit *test)
{
	void *p[6], *q, *r;
	struct ga_span *s;
	unsigned int blk;
	int i;

	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	migrate_disable();
	p[0] = goalloc_kmalloc_tiny(1, GFP_KERNEL);	/* block + 0 */
	p[1] = goalloc_kmalloc_tiny(1, GFP_KERNEL);	/* + 1 */
	p[2] = goalloc_kmalloc_tiny(2, GFP_KERNEL);	/* + 2 */
	p[3] = goalloc_kmalloc_tiny(4, GFP_KERNEL);	/* + 4 */
	p[4] = goalloc_kmalloc_tiny(3, GFP_KERNEL);	/* + 8 */
	p[5] = goalloc_kmalloc_tiny(2, GFP_KERNEL);	/* + 12 (2-aligned after 11) */
	q = goalloc_kmalloc_tiny(8, GFP_KERNEL);	/* no room: a new block */
	migrate_enable();

	for (i = 0; i < 6; i++)
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, (unsigned long)p[0] % GA_TINY_SIZE, 0UL);
	KUNIT_EXPECT_PTR_EQ(test, p[1], p[0] + 1);
	KUNIT_EXPECT_PTR_EQ(test, p[2], p[0] + 2);
	KUNIT_EXPECT_PTR_EQ(test, p[3], p[0] + 4);
	KUNIT_EXPECT_PTR_EQ(test, p[4], p[0] + 8);
	KUNIT_EXPECT_PTR_EQ(test, p[5], p[0] + 12);
	KUNIT_EXPECT_EQ(test, (unsigned long)q % GA_TINY_SIZE, 0UL);
	KUNIT_EXPECT_NE(test, (unsigned long)q / GA_TINY_SIZE,
			(unsigned long)p[0] / GA_TINY_SIZE);

	s = ga_span_of(&ga.heap, p[0]);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->spanclass, (u8)GA_TINY_SPANCLASS);
	blk = ((unsigned long)p[0] - s->base) / GA_TINY_SIZE;
	/* Starts 0, 1, 2, 4, 8, 12, ends at 14; the cache moved to q's block. */
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tiny_refs[blk]) & GA_TINY_LIVE, 0x1117);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tiny_refs[blk]) >> GA_TINY_END_SHIFT, 14);
	/* Usable sizes run to the next object's start, the last to its end. */
	KUNIT_EXPECT_EQ(test, ga_usable_size(p[0]), (size_t)1);
	KUNIT_EXPECT_EQ(test, ga_usable_size(p[2]), (size_t)2);
	KUNIT_EXPECT_EQ(test, ga_usable_size(p[4]), (size_t)4);
	KUNIT_EXPECT_EQ(test, ga_usable_size(p[5]), (size_t)2);
	KUNIT_EXPECT_EQ(test, ga_usable_size(p[0] + 3), (size_t)0);

	/* All but one object freed: the block stays allocated. */
	for (i = 1; i < 6; i++)
		goalloc_kfree(p[i]);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tiny_refs[blk]) & GA_TINY_LIVE, 0x1);
	KUNIT_EXPECT_EQ(test, ga_usable_size(p[0]), (size_t)14);
	KUNIT_EXPECT_TRUE(test, ga_span_obj_allocated(s, blk) &&
			  !test_bit(blk, s->remote_free));
	goalloc_kfree(p[0]);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->tiny_refs[blk]) & GA_TINY_LIVE, 0);
	KUNIT_EXPECT_TRUE(test, !ga_span_obj_allocated(s, blk) ||
			  test_bit(blk, s->remote_free));

	/* The current block is not freed with its last object while cached. */
	migrate_disable();
	r = goalloc_kmalloc_tiny(4, GFP_KERNEL);
	migrate_enable();
	KUNIT_ASSERT_NOT_NULL(test, r);
	goalloc_kfree(q);
	goalloc_kfree(r);
	s = ga_span_of(&ga.heap, q);
	blk = ((unsigned long)q - s->base) / GA_TINY_SIZE;
	if (r == q + 8) {
		KUNIT_EXPECT_EQ(test, atomic_read(&s->tiny_refs[blk]) & GA_TINY_LIVE,
				(int)GA_TINY_CACHED);
		KUNIT_EXPECT_TRUE(test, ga_span_obj_allocated(s, blk));
		/* Flushing drops the cache's hold: the block, maybe its span, go. */
		KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
		KUNIT_EXPECT_TRUE(test, ga_span_of(&ga.heap, q) != s ||
				  !ga_span_obj_allocated(s, blk) || test_bit(blk, s->remote_free));
	}
	expect_reports_begin("tiny allocations of bad sizes");
	KUNIT_EXPECT_NULL(test, goalloc_kmalloc_tiny(0, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, goalloc_kmalloc_tiny(16, GFP_KERNEL));
	expect_reports_end();
}

static const size_t large_sizes[] = {
	GA_MAX_SMALL_SIZE + 1, 40000, SZ_64K, SZ_1M + 1, 5 * SZ_1M,
};

static void large_desc(const size_t *n, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%zu_bytes", *n);
}

KUNIT_ARRAY_PARAM(large, large_sizes, large_desc);

/* Large objects: own span, whole pages usable, pages merge back on free. */
static void object_large(struct kunit *test)
{
	size_t size = *(const size_t *)test->param_value;
	unsigned long largest0, pages0;
	struct ga_span *s;
	void *p, *q;

	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	/* The free runs measured below are the test's alone. */
	ga_test_headroom(false);
	pages0 = ga_test_pages_inuse();
	p = goalloc_kmalloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	largest0 = heap_largest_free();
	s = ga_span_of(&ga.heap, p);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_EXPECT_EQ(test, s->state, (u8)GA_SPAN_LARGE);
	KUNIT_EXPECT_EQ(test, (unsigned long)p, s->base);
	KUNIT_EXPECT_EQ(test, goalloc_ksize(p), (size_t)round_up(size, GA_PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, ga_test_pages_inuse(), pages0 + DIV_ROUND_UP(size, GA_PAGE_SIZE));
	fill(p, goalloc_ksize(p), 7);
	KUNIT_EXPECT_PTR_EQ(test, ga_span_of(&ga.heap, p + goalloc_ksize(p) - 1), s);

	/* A neighbour, then free the first: its pages merge with the rest. */
	q = goalloc_kmalloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_TRUE(test, intact(p, goalloc_ksize(p), 7));
	goalloc_kfree(q);
	goalloc_kfree(p);
	KUNIT_EXPECT_EQ(test, ga_test_pages_inuse(), pages0);
	KUNIT_EXPECT_GE(test, heap_largest_free(), largest0 + DIV_ROUND_UP(size, GA_PAGE_SIZE));
	KUNIT_EXPECT_PTR_EQ(test, goalloc_kmalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
}

/* __GFP_ZERO zeroes what the caller asked for, in every size range. */
static void object_gfp_zero(struct kunit *test)
{
	static const size_t sizes[] = { 5, 24, 1000, 4096, 20000, 100000 };
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *p = goalloc_kmalloc(sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		memset(p, 0xee, sizes[i]);
		goalloc_kfree(p);
		p = goalloc_kmalloc(sizes[i], GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(p, 0, sizes[i]), "size %zu", sizes[i]);
		goalloc_kfree(p);
	}
}

static atomic_t refill_ctor_calls;

static void refill_ctor(void *obj)
{
	memset(obj, 0x5a, 64);
	atomic_inc(&refill_ctor_calls);
}

static void refill_hook(struct hook_ctx *hc)
{
	hc->out[0] = goalloc_cache_alloc(hc->obj, GFP_KERNEL);
}

static unsigned long cache_spans(struct goalloc_cache *c)
{
	unsigned long flags, n;

	spin_lock_irqsave(&c->central.lock, flags);
	n = c->central.nr_cached + c->central.nr_partial + c->central.nr_full;
	spin_unlock_irqrestore(&c->central.lock, flags);
	return n;
}

/*
 * A blocking refill grows a span with the mcache left, and finds its slot
 * refilled when it comes back (another task on this CPU refilled it, here
 * from the test point): the span it grew, constructor run and all, must
 * not go straight back to the heap.
 */
static void object_refill_keeps_grown_span(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_refill", 64, 0, 0, refill_ctor);
	struct hook_ctx hc = { .tp = GA_TP_REFILL_GROWN, .fn = refill_hook };
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	hc.match = &c->central;
	hc.obj = c;
	atomic_set(&refill_ctor_calls, 0);
	migrate_disable();
	hook_set(&hc);
	p = goalloc_cache_alloc(c, GFP_KERNEL);
	hook_clear();
	migrate_enable();
	/* Both refills grew a span; the first ran the hook. */
	KUNIT_EXPECT_EQ(test, hc.fired, 2);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, hc.out[0]);
	KUNIT_EXPECT_PTR_NE(test, ga_span_of(&ga.heap, p), ga_span_of(&ga.heap, hc.out[0]));
	KUNIT_EXPECT_EQ(test, cache_spans(c), 2UL);
	KUNIT_EXPECT_EQ(test, atomic_read(&refill_ctor_calls), 2 * (int)c->central.nelems);
	goalloc_cache_free(c, p);
	goalloc_cache_free(c, hc.out[0]);
	goalloc_cache_destroy(c);
}

/*
 * The trim work off while a test counts empty spans (the test boots load
 * goalloc with it off already); returns the period to restore.
 */
static unsigned long trim_hold(void)
{
	unsigned long period = READ_ONCE(ga.trim_period);

	WRITE_ONCE(ga.trim_period, 0);
	cancel_delayed_work_sync(&ga.trim_work);
	return period;
}

/* The trim work every @period jiffies from now on (0: off). */
static void trim_set(unsigned long period)
{
	WRITE_ONCE(ga.trim_period, period);
	if (period)
		mod_delayed_work(system_unbound_wq, &ga.trim_work, 0);
	else
		cancel_delayed_work_sync(&ga.trim_work);
}

static unsigned long empty_spans(struct ga_mcentral *m)
{
	unsigned long flags, n;

	spin_lock_irqsave(&m->lock, flags);
	n = m->nr_empty;
	spin_unlock_irqrestore(&m->lock, flags);
	return n;
}

/*
 * Allocate @n objects of @c, a whole number of spans, on one CPU; give
 * the CPU's span back (a drain), so that every span is full on its
 * mcentral's list; free them all. Returns the heap pages in use before
 * the frees.
 */
static unsigned long empty_whole_spans(struct kunit *test, struct goalloc_cache *c,
				       void **objs, unsigned int n)
{
	unsigned long pages;
	unsigned int i;

	migrate_disable();
	for (i = 0; i < n; i++) {
		objs[i] = goalloc_cache_alloc(c, GFP_KERNEL);
		if (!objs[i])
			break;
	}
	migrate_enable();
	KUNIT_ASSERT_EQ(test, i, n);
	pages = ga_test_pages_inuse();
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	for (i = 0; i < n; i++)
		goalloc_cache_free(c, objs[i]);
	return pages;
}

/*
 * Spans emptied off the CPUs stay on their mcentral's empty list, up to
 * empty_max, the rest go back to the heap; the next refill takes a kept
 * one without the heap. A trim gives back a list only once nothing was
 * taken from it since the last trim; a drain gives back every list.
 */
static void object_empty_spans_kept(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_empty", 1024, 0, 0, NULL);
	unsigned long pages0, reused0, period;
	unsigned int nspans, n;
	bool kept;
	struct ga_mcentral *m;
	void **objs, *p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	m = &c->central;
	nspans = m->empty_max + 3;
	n = nspans * m->nelems;
	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_EXPECT_EQ(test, m->empty_max,
			max(1UL, GA_EMPTY_KEEP_BYTES / (m->npages * GA_PAGE_SIZE)));
	period = trim_hold();
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	pages0 = ga_test_pages_inuse();
	KUNIT_EXPECT_EQ(test, empty_whole_spans(test, c, objs, n) - pages0,
			(unsigned long)nspans * m->npages);
	KUNIT_EXPECT_EQ(test, empty_spans(m), (unsigned long)m->empty_max);
	KUNIT_EXPECT_EQ(test, ga_test_pages_inuse() - pages0,
			(unsigned long)m->empty_max * m->npages);

	/* A refill takes a kept span: no new pages. */
	reused0 = m->empty_reused;
	p = goalloc_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, m->empty_reused, reused0 + 1);
	KUNIT_EXPECT_EQ(test, empty_spans(m), (unsigned long)m->empty_max - 1);
	KUNIT_EXPECT_EQ(test, ga_test_pages_inuse() - pages0,
			(unsigned long)m->empty_max * m->npages);

	/* Taken from since the last trim: kept; idle a whole period: back. */
	kept = false;
	KUNIT_EXPECT_EQ(test, ga_mcentral_trim(m, false, &kept), 0UL);
	KUNIT_EXPECT_TRUE(test, kept);
	KUNIT_EXPECT_EQ(test, empty_spans(m), (unsigned long)m->empty_max - 1);
	kept = false;
	KUNIT_EXPECT_EQ(test, ga_mcentral_trim(m, false, &kept),
			(unsigned long)m->empty_max - 1);
	KUNIT_EXPECT_FALSE(test, kept);
	KUNIT_EXPECT_EQ(test, empty_spans(m), 0UL);
	KUNIT_EXPECT_EQ(test, ga_test_pages_inuse() - pages0, (unsigned long)m->npages);

	goalloc_cache_free(c, p);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	KUNIT_EXPECT_EQ(test, empty_spans(m), 0UL);
	KUNIT_EXPECT_EQ(test, ga_test_pages_inuse(), pages0);
	trim_set(period);
	goalloc_cache_destroy(c);
}

/*
 * The trim work: a list left idle goes back within a few periods, and a
 * heap holding a grown region that is mostly free gets every CPU's
 * cached spans back (a drain) so the region can go.
 */
static void object_trim_work(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_trim", 1024, 0, 0, NULL);
	unsigned long drains0, deadline, period, mapped, free_pages, largest;
	struct ga_heap_stats st;
	unsigned int n;
	struct ga_mcentral *m;
	void **objs;

	KUNIT_ASSERT_NOT_NULL(test, c);
	m = &c->central;
	n = 2 * m->nelems;
	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	period = trim_hold();
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	/*
	 * A grown region, all free: the heap is mostly free. A return of
	 * free regions still pending from earlier runs now, not on it.
	 */
	flush_delayed_work(&ga.heap.reclaim_work);
	ga_heap_read_stats(&ga.heap, &st, &mapped, &free_pages, &largest);
	KUNIT_ASSERT_EQ(test, ga_heap_grow(&ga.heap, largest + 1), 0);
	ga_heap_read_stats(&ga.heap, &st, &mapped, &free_pages, &largest);
	KUNIT_ASSERT_GT(test, mapped, ga.heap.arena_bytes);
	drains0 = atomic_long_read(&ga.trim_drains);
	empty_whole_spans(test, c, objs, n);
	KUNIT_EXPECT_EQ(test, empty_spans(m), 2UL);
	/* Whatever the trim work recorded of the heaps before. */
	memset(ga.trim_heap, 0, sizeof(ga.trim_heap));
	trim_set(1);
	deadline = jiffies + 10 * HZ;
	while ((empty_spans(m) || atomic_long_read(&ga.trim_drains) == drains0) &&
	       time_before(jiffies, deadline))
		msleep(20);
	KUNIT_EXPECT_EQ(test, empty_spans(m), 0UL);
	KUNIT_EXPECT_GT(test, atomic_long_read(&ga.trim_drains), drains0);
	trim_set(period);
	ga_test_heap_settle();
	goalloc_cache_destroy(c);
}

static struct kunit_case object_cases[] = {
	KUNIT_CASE_PARAM(object_class_boundaries, classes_gen_params),
	KUNIT_CASE_PARAM(object_fill_span_exactly, fill_classes_gen_params),
	KUNIT_CASE(object_many_spans),
	KUNIT_CASE(object_all_classes_interleaved),
	KUNIT_CASE(object_tiny_packing_and_lifetime),
	KUNIT_CASE_PARAM(object_large, large_gen_params),
	KUNIT_CASE(object_gfp_zero),
	KUNIT_CASE(object_refill_keeps_grown_span),
	KUNIT_CASE(object_empty_spans_kept),
	KUNIT_CASE(object_trim_work),
	{}
};

static struct kunit_suite object_suite = {
	.name = "goalloc_object",
	.exit = ga_test_exit,
	.test_cases = object_cases,
};

/* ---------------------------------------------------------------------- */
/* goalloc_free                                                           */

static void *free_on_cpu(void *p)
{
	goalloc_kfree(p);
	return NULL;
}

static void *alloc_on_cpu(void *sizep)
{
	return goalloc_kmalloc(*(size_t *)sizep, GFP_KERNEL);
}

/* Double, foreign and interior frees are refused, counted, harmless. */
static void free_refuses_bad_pointers(struct kunit *test)
{
	void *small = goalloc_kmalloc(100, GFP_KERNEL);
	void *large = goalloc_kmalloc(100000, GFP_KERNEL);
	void *tiny = goalloc_kmalloc_tiny(3, GFP_KERNEL);
	void *km = kunit_kmalloc(test, 32, GFP_KERNEL);
	void *vm = vmalloc(8192);
	struct ga_span *s;
	struct errs e0;
	int on_stack;
	void *again;

	KUNIT_ASSERT_NOT_NULL(test, small);
	KUNIT_ASSERT_NOT_NULL(test, large);
	KUNIT_ASSERT_NOT_NULL(test, tiny);
	KUNIT_ASSERT_NOT_NULL(test, vm);
	e0 = errs_now();
	expect_reports_begin("bad frees");

	/* Foreign: not goalloc's. */
	goalloc_kfree(km);
	goalloc_kfree(&on_stack);
	goalloc_kfree(vm);
	goalloc_kfree(test);
	expect_errs(test, e0, 0, 4, 0);

	/* Interior: inside an object. */
	e0 = errs_now();
	goalloc_kfree(small + 1);
	goalloc_kfree(small + 8);
	goalloc_kfree(large + 8192);
	goalloc_kfree(large + 1);
	expect_errs(test, e0, 0, 0, 4);

	/* The tail of a span past its last object is no object. */
	e0 = errs_now();
	s = ga_span_of(&ga.heap, small);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_GT(test, ga_span_bytes(s) % s->elemsize, 0UL);
	goalloc_kfree((void *)(s->base + (unsigned long)s->nelems * s->elemsize));
	goalloc_kfree((void *)(s->base + ga_span_bytes(s) - 1));
	expect_errs(test, e0, 0, 2, 0);

	/* Double frees: local, large, tiny. */
	e0 = errs_now();
	goalloc_kfree(small);
	goalloc_kfree(small);
	goalloc_kfree(tiny);
	goalloc_kfree(tiny);
	goalloc_kfree(large);
	expect_errs(test, e0, 2, 0, 0);
	/* A freed large object's pages may be reused; if not, it is foreign. */
	e0 = errs_now();
	goalloc_kfree(large);
	expect_reports_end();
	KUNIT_EXPECT_EQ(test, errs_now().dbl - e0.dbl + errs_now().invalid - e0.invalid, 1L);

	/* Nothing was disturbed: the slot comes back exactly once. */
	vfree(vm);
	again = goalloc_kmalloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, again);
	goalloc_kfree(again);
	goalloc_kfree(NULL);
	goalloc_kfree(ZERO_SIZE_PTR);
}

/* A double free from another CPU than the owner is refused as well. */
static void free_remote_double_free(struct kunit *test)
{
	int cpu = other_cpu();
	struct errs e0;
	void *p;

	if (cpu == raw_smp_processor_id())
		kunit_skip(test, "needs two CPUs");
	p = goalloc_kmalloc(200, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	e0 = errs_now();
	expect_reports_begin("double frees");
	KUNIT_ASSERT_NULL(test, run_on_cpu(cpu, free_on_cpu, p));
	KUNIT_ASSERT_NULL(test, run_on_cpu(cpu, free_on_cpu, p));
	goalloc_kfree(p);
	expect_reports_end();
	expect_errs(test, e0, 2, 0, 0);
}

/* A bounded queue of objects handed from one CPU to another. */
struct handoff {
	spinlock_t lock;	/* protects the ring */
	void *ring[256];
	unsigned int head, tail;
	atomic_t producers_done;
	unsigned long errors, passed;
};

static bool handoff_put(struct handoff *h, void *p)
{
	bool ok;

	spin_lock(&h->lock);
	ok = h->head - h->tail < ARRAY_SIZE(h->ring);
	if (ok)
		h->ring[h->head++ % ARRAY_SIZE(h->ring)] = p;
	spin_unlock(&h->lock);
	return ok;
}

static void *handoff_get(struct handoff *h)
{
	void *p = NULL;

	spin_lock(&h->lock);
	if (h->tail != h->head)
		p = h->ring[h->tail++ % ARRAY_SIZE(h->ring)];
	spin_unlock(&h->lock);
	return p;
}

struct xcpu_worker {
	struct handoff *out, *in;	/* objects we made, objects to free */
	unsigned int seed;
	unsigned long errors, remote_frees;
	struct completion done;
};

#define XCPU_OBJECTS	20000

/* Object sizes, and how a size is stored in the object's first word. */
static size_t xcpu_size(struct rnd_state *rnd)
{
	static const size_t pick[] = { 8, 24, 64, 100, 256, 1000, 3000, 9000, 30000, 50000 };

	return pick[prandom_u32_state(rnd) % ARRAY_SIZE(pick)];
}

static bool xcpu_check_free(void *p)
{
	size_t size = *(size_t *)p;
	bool ok = intact(p + sizeof(size_t), size - sizeof(size_t), size);

	goalloc_kfree(p);
	return ok;
}

/*
 * Hand every other object to the peer CPU to free, free the peer's
 * objects, and keep allocating and freeing locally all along.
 */
static int xcpu_fn(void *arg)
{
	struct xcpu_worker *w = arg;
	void *mine[16] = {};
	struct rnd_state rnd;
	unsigned int k;
	void *p;

	prandom_seed_state(&rnd, w->seed);
	for (k = 0; k < XCPU_OBJECTS; k++) {
		size_t size = xcpu_size(&rnd);
		unsigned int slot = k % ARRAY_SIZE(mine);

		p = goalloc_kmalloc(size, GFP_KERNEL);
		if (!p) {
			w->errors++;
			continue;
		}
		*(size_t *)p = size;
		fill(p + sizeof(size_t), size - sizeof(size_t), size);
		if (k & 1) {
			while (!handoff_put(w->out, p)) {
				void *q = handoff_get(w->in);

				if (q) {
					w->errors += !xcpu_check_free(q);
					w->remote_frees++;
				} else {
					cond_resched();
				}
			}
		} else {
			if (mine[slot])
				w->errors += !xcpu_check_free(mine[slot]);
			mine[slot] = p;
		}
		p = handoff_get(w->in);
		if (p) {
			w->errors += !xcpu_check_free(p);
			w->remote_frees++;
		}
		if (k % 128 == 0)
			cond_resched();
	}
	for (k = 0; k < ARRAY_SIZE(mine); k++)
		if (mine[k])
			w->errors += !xcpu_check_free(mine[k]);
	/* Our puts before the flag; pairs with the acquire below. */
	smp_mb__before_atomic();
	atomic_inc(&w->out->producers_done);
	/* Free what the peer still sends until it is done too. */
	for (;;) {
		bool peer_done = atomic_read_acquire(&w->in->producers_done);

		p = handoff_get(w->in);
		if (!p && peer_done)
			break;
		if (!p) {
			cond_resched();
			continue;
		}
		w->errors += !xcpu_check_free(p);
		w->remote_frees++;
	}
	complete(&w->done);
	return 0;
}

/* Objects allocated on one CPU and freed on another, both ways, at once. */
static void free_cross_cpu(struct kunit *test)
{
	struct handoff *h = kunit_kcalloc(test, 2, sizeof(*h), GFP_KERNEL);
	struct xcpu_worker *w = kunit_kcalloc(test, 2, sizeof(*w), GFP_KERNEL);
	int cpus[2] = { cpumask_first(cpu_online_mask), 0 };
	unsigned long pages0;
	struct errs e0;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, h);
	KUNIT_ASSERT_NOT_NULL(test, w);
	cpus[1] = cpumask_next(cpus[0], cpu_online_mask);
	if (cpus[1] >= nr_cpu_ids)
		kunit_skip(test, "needs two CPUs");
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	pages0 = ga_test_pages_inuse();
	e0 = errs_now();
	/* Both rings ready before either worker can look at its peer's. */
	for (i = 0; i < 2; i++)
		spin_lock_init(&h[i].lock);
	for (i = 0; i < 2; i++) {
		struct task_struct *t;

		w[i].out = &h[i];
		w[i].in = &h[1 - i];
		w[i].seed = 77 + i;
		init_completion(&w[i].done);
		t = kthread_create(xcpu_fn, &w[i], "ga_xcpu/%d", cpus[i]);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		kthread_bind(t, cpus[i]);
		wake_up_process(t);
	}
	for (i = 0; i < 2; i++) {
		wait_for_completion(&w[i].done);
		KUNIT_EXPECT_EQ(test, w[i].errors, 0UL);
		KUNIT_EXPECT_GE(test, w[i].remote_frees, (unsigned long)XCPU_OBJECTS / 2);
	}
	expect_errs(test, e0, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	KUNIT_EXPECT_EQ(test, ga_test_pages_inuse(), pages0);
}

struct irq_alloc {
	struct irq_work work;
	struct hrtimer timer;
	void *held[8];
	unsigned int runs, errors;
	bool stop;
};

/* In hard interrupt context: free what the last run kept, allocate anew. */
static void irq_alloc_round(struct irq_alloc *ia)
{
	static const size_t sizes[] = { 16, 48, 200, 700, 3000, 40000, 7, 120 };
	unsigned int i = ia->runs % ARRAY_SIZE(ia->held);

	if (!in_hardirq())
		ia->errors++;
	if (ia->held[i]) {
		if (!intact(ia->held[i], sizes[i], i))
			ia->errors++;
		goalloc_kfree(ia->held[i]);
	}
	ia->held[i] = i == 6 ? goalloc_kmalloc_tiny(sizes[i], GFP_ATOMIC) :
			       goalloc_kmalloc(sizes[i], GFP_ATOMIC);
	if (ia->held[i])
		fill(ia->held[i], sizes[i], i);
	ia->runs++;
}

static void irq_alloc_work(struct irq_work *work)
{
	irq_alloc_round(container_of(work, struct irq_alloc, work));
}

static enum hrtimer_restart irq_alloc_timer(struct hrtimer *timer)
{
	struct irq_alloc *ia = container_of(timer, struct irq_alloc, timer);

	irq_alloc_round(ia);
	if (READ_ONCE(ia->stop))
		return HRTIMER_NORESTART;
	/*
	 * 100 us after this run ends, not after it began: under KASAN and
	 * kmemleak in QEMU a run can take longer than that, and the process
	 * loop must still get the CPU.
	 */
	hrtimer_set_expires(timer, ktime_add_ns(ktime_get(), 100 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/*
 * Hard interrupts on this CPU (an hrtimer every 100 us, irq_work raised in
 * the middle of the loop) allocate and free while process context
 * allocates and frees in a loop: some land inside a fast path.
 */
static void free_irq_context(struct kunit *test)
{
	struct irq_alloc *ia = kunit_kzalloc(test, sizeof(*ia), GFP_KERNEL);
	unsigned long nested0 = nested_allocs();
	struct errs e0 = errs_now();
	void *mine[32] = {};
	unsigned int k, i;

	KUNIT_ASSERT_NOT_NULL(test, ia);
	init_irq_work(&ia->work, irq_alloc_work);
	hrtimer_init(&ia->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	ia->timer.function = irq_alloc_timer;
	migrate_disable();
	hrtimer_start(&ia->timer, ns_to_ktime(100 * NSEC_PER_USEC), HRTIMER_MODE_REL_PINNED_HARD);
	for (k = 0; k < 200000; k++) {
		i = k % ARRAY_SIZE(mine);
		if (mine[i]) {
			if (!intact(mine[i], 8 + i * 8, i))
				KUNIT_FAIL(test, "object %u overwritten", k);
			goalloc_kfree(mine[i]);
		}
		mine[i] = goalloc_kmalloc(8 + i * 8, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, mine[i]);
		fill(mine[i], 8 + i * 8, i);
		if (k % 1000 == 0)
			irq_work_queue(&ia->work);
	}
	WRITE_ONCE(ia->stop, true);
	hrtimer_cancel(&ia->timer);
	irq_work_sync(&ia->work);
	migrate_enable();

	for (i = 0; i < ARRAY_SIZE(mine); i++)
		goalloc_kfree(mine[i]);
	for (i = 0; i < ARRAY_SIZE(ia->held); i++)
		goalloc_kfree(ia->held[i]);
	KUNIT_EXPECT_EQ(test, ia->errors, 0U);
	KUNIT_EXPECT_GT(test, ia->runs, 200U);
	expect_errs(test, e0, 0, 0, 0);
	kunit_info(test, "note: %u allocations in hard interrupts, %lu inside a fast path\n",
		   ia->runs, nested_allocs() - nested0);
}

/*
 * The nested path, deterministically: with this CPU's mcache marked busy
 * (as an interrupt inside a fast path finds it), allocation goes to the
 * mcentral and free goes remote, and both work.
 */
static void free_nested_path(struct kunit *test)
{
	static const size_t sizes[] = { 8, 16, 250, 2000, 32768 };
	struct goalloc_cache *cache = goalloc_cache_create("ga_test_nested", 72, 0, 0, NULL);
	void *p[ARRAY_SIZE(sizes)], *t, *b[4] = {};
	struct errs e0 = errs_now();
	int i, pc, nb;
	struct ga_mcache *c;

	KUNIT_ASSERT_NOT_NULL(test, cache);
	preempt_disable();
	pc = preempt_count();
	c = this_cpu_ptr(ga.mcache);
	WRITE_ONCE(c->busy, 1);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = goalloc_kmalloc(sizes[i], GFP_ATOMIC);
		if (p[i])
			memset(p[i], 0x42, sizes[i]);
	}
	t = goalloc_kmalloc_tiny(5, GFP_ATOMIC);
	nb = goalloc_cache_alloc_bulk(cache, GFP_ATOMIC, ARRAY_SIZE(b), b);
	KUNIT_EXPECT_EQ(test, preempt_count(), pc);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		goalloc_kfree(p[i]);
	goalloc_kfree(t);
	goalloc_cache_free_bulk(cache, nb, b);
	KUNIT_EXPECT_EQ(test, preempt_count(), pc);
	WRITE_ONCE(c->busy, 0);
	preempt_enable();
	goalloc_cache_destroy(cache);

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		KUNIT_EXPECT_NOT_NULL(test, p[i]);
	KUNIT_EXPECT_NOT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, nb, (int)ARRAY_SIZE(b));
	expect_errs(test, e0, 0, 0, 0);
	/*
	 * Freed objects are really free: a second free is refused, as a
	 * double free, or as foreign if the emptied span went back.
	 */
	expect_reports_begin("a double free");
	goalloc_kfree(p[2]);
	expect_reports_end();
	KUNIT_EXPECT_EQ(test, errs_now().dbl - e0.dbl + errs_now().invalid - e0.invalid, 1L);
}

/* A CPU dies with spans cached: they go back, and their objects free. */
static void free_cpu_offline(struct kunit *test)
{
	int cpu = cpumask_last(cpu_online_mask), i, ret;
	size_t size = 300;
	unsigned long pages0;
	void *p[8];

	if (cpu == 0)
		kunit_skip(test, "needs a second CPU that can go offline");
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	pages0 = ga_test_pages_inuse();
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = run_on_cpu(cpu, alloc_on_cpu, &size);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p[i]);
	}
	KUNIT_ASSERT_PTR_NE(test, per_cpu_ptr(ga.mcache, cpu)->alloc[ga_size_class(size)],
			    &ga_emptyspan);
	ret = remove_cpu(cpu);
	if (ret)
		kunit_skip(test, "CPU %d cannot go offline: %d", cpu, ret);
	KUNIT_EXPECT_PTR_EQ(test, per_cpu_ptr(ga.mcache, cpu)->alloc[ga_size_class(size)],
			    &ga_emptyspan);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		goalloc_kfree(p[i]);
	KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	KUNIT_EXPECT_EQ(test, ga_test_pages_inuse(), pages0);
}

/*
 * npending only hints when to ask for a placement: a stray increment (a
 * late free's, landing on a recycled span) must not make placement spin.
 * Give a one-object span a pending count with no free bit, then make the
 * mcentral place it, full and then empty.
 */
static void free_stale_pending_count(struct kunit *test)
{
	unsigned int c = 67;
	unsigned long pages0;
	struct ga_span *s;
	void *p, *q;

	KUNIT_ASSERT_EQ(test, ga_class_to_nelems[c], 1);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	pages0 = ga_test_pages_inuse();
	migrate_disable();
	p = goalloc_kmalloc(ga_class_to_size[c], GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	s = ga_span_of(&ga.heap, p);
	atomic_inc(&s->npending);
	/* The next allocation uncaches the full span: placed once, on full. */
	q = goalloc_kmalloc(ga_class_to_size[c], GFP_KERNEL);
	migrate_enable();
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, READ_ONCE(s->where), (unsigned int)GA_WHERE_FULL);
	goalloc_kfree(p);
	goalloc_kfree(q);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	KUNIT_EXPECT_EQ(test, ga_test_pages_inuse(), pages0);
}

/* ---------------------------------------------------------------------- */
/* The review's races, forced through test points                         */

static void double_free_hook(struct hook_ctx *hc)
{
	goalloc_kfree(hc->obj);
}

/*
 * An object freed remotely is freed again while the owner sweeps its
 * span (between folding the free bits and restarting the cursor): the
 * second free must be refused, and no stale free bit may outlive the
 * sweep to free the object again once it is handed out anew.
 */
static void free_double_free_during_sweep(struct kunit *test)
{
	struct hook_ctx hc = { .tp = GA_TP_SWEEP_FOLDED, .fn = double_free_hook };
	size_t size = 2048;
	unsigned int n = ga_class_to_nelems[ga_size_class(size)], i;
	int cpu = other_cpu();
	void *p[8] = {}, *q, *r;
	struct ga_span *s;
	struct errs e0;

	if (cpu == raw_smp_processor_id())
		kunit_skip(test, "needs two CPUs");
	KUNIT_ASSERT_LE(test, n, (unsigned int)ARRAY_SIZE(p));
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	migrate_disable();
	for (i = 0; i < n; i++) {
		p[i] = goalloc_kmalloc(size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	s = ga_span_of(&ga.heap, p[0]);
	KUNIT_ASSERT_PTR_EQ(test, ga_span_of(&ga.heap, p[n - 1]), s);
	/* Freed once, remotely; the owner's next allocation sweeps. */
	KUNIT_ASSERT_NULL(test, run_on_cpu(cpu, free_on_cpu, p[0]));
	e0 = errs_now();
	hc.match = s;
	hc.obj = p[0];
	expect_reports_begin("a double free during a sweep");
	hook_set(&hc);
	q = goalloc_kmalloc(size, GFP_KERNEL);
	hook_clear();
	expect_reports_end();
	KUNIT_EXPECT_EQ(test, hc.fired, 1);
	KUNIT_EXPECT_PTR_EQ(test, q, p[0]);
	expect_errs(test, e0, 1, 0, 0);
	/* The next sweep finds only p[1]'s free: q is not handed out again. */
	goalloc_kfree(p[1]);
	r = goalloc_kmalloc(size, GFP_KERNEL);
	KUNIT_EXPECT_PTR_NE(test, r, q);
	KUNIT_EXPECT_PTR_EQ(test, r, p[1]);
	migrate_enable();
	goalloc_kfree(q);
	if (r != q)
		goalloc_kfree(r);
	for (i = 2; i < n; i++)
		goalloc_kfree(p[i]);
}

/*
 * After a drain, with migration disabled (the caller enables it): two
 * @size-byte objects, *@first then *@second, from one span; returns it.
 */
static struct ga_span *two_in_a_span(struct kunit *test, size_t size, void **first,
				     void **second)
{
	struct ga_span *s;

	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	migrate_disable();
	*first = goalloc_kmalloc(size, GFP_KERNEL);
	*second = goalloc_kmalloc(size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, *first);
	KUNIT_ASSERT_NOT_NULL(test, *second);
	s = ga_span_of(&ga.heap, *first);
	KUNIT_ASSERT_PTR_EQ(test, ga_span_of(&ga.heap, *second), s);
	return s;
}

/*
 * The owner frees an object while another free of it arrives (here an
 * interrupt's, at the test point between the owner's check and its
 * mark): one of the two may count, never both.
 */
static void free_owner_and_remote_at_once(struct kunit *test)
{
	struct hook_ctx hc = { .tp = GA_TP_LOCAL_FREE, .fn = double_free_hook };
	struct ga_span *s;
	struct errs e0;
	void *p, *k;
	u16 count;
	u8 state;

	s = two_in_a_span(test, 100, &p, &k);
	KUNIT_ASSERT_EQ(test, READ_ONCE(s->where), (unsigned int)GA_WHERE_CACHE);
	e0 = errs_now();
	hc.match = s;
	hc.obj = p;
	hook_set(&hc);
	goalloc_kfree(p);
	hook_clear();
	migrate_enable();
	KUNIT_EXPECT_EQ(test, hc.fired, 1);
	/* The sweep of the flush settles it: k is the span's one object. */
	expect_reports_begin("a double free, found by the sweep");
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	expect_reports_end();
	expect_errs(test, e0, 1, 0, 0);
	state = READ_ONCE(s->state);
	count = READ_ONCE(s->alloc_count);
	KUNIT_EXPECT_EQ(test, state, (u8)GA_SPAN_INUSE);
	KUNIT_EXPECT_EQ(test, count, (u16)1);
	goalloc_kfree(k);
	expect_errs(test, e0, 1, 0, 0);
}

/*
 * A free of the object its CPU handed out last, in a span of few objects,
 * takes the cursor back: the next allocation hands the same object out
 * again at once, in a span of eight objects and in a span of one. A
 * second free of it before then is refused, and leaves it free exactly
 * once.
 */
static void free_last_object_reused(struct kunit *test)
{
	/* Fewer than 64 objects a span: the cursor never ends a word. */
	static const size_t sizes[] = { 1024, 8192 };
	unsigned int i;
	struct errs e0;
	void *p, *q, *r;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
		migrate_disable();
		p = goalloc_kmalloc(sizes[i], GFP_KERNEL);
		q = goalloc_kmalloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_ASSERT_NOT_NULL(test, q);
		goalloc_kfree(q);
		e0 = errs_now();
		expect_reports_begin("a double free of the last object");
		goalloc_kfree(q);
		expect_reports_end();
		expect_errs(test, e0, 1, 0, 0);
		r = goalloc_kmalloc(sizes[i], GFP_KERNEL);
		KUNIT_EXPECT_PTR_EQ(test, r, q);
		/* Handed out at most once: the next one is another object. */
		q = goalloc_kmalloc(sizes[i], GFP_KERNEL);
		KUNIT_EXPECT_PTR_NE(test, q, r);
		KUNIT_EXPECT_PTR_NE(test, q, p);
		migrate_enable();
		goalloc_kfree(q);
		goalloc_kfree(r);
		goalloc_kfree(p);
		KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
		expect_errs(test, e0, 1, 0, 0);
	}
}

/*
 * The owner frees the object it handed out last while a remote free of
 * it arrives: before the owner takes the cursor back, the remote free
 * sees the object allocated and counts, so the owner's free is marked
 * and the sweep refuses one; after, the remote free sees it free and is
 * refused at once, and the object is handed out again.
 */
static void free_last_object_and_remote_at_once(struct kunit *test)
{
	static const enum ga_test_point tps[] = { GA_TP_LOCAL_FREE, GA_TP_FREE_UNDONE };
	struct hook_ctx hc;
	struct ga_span *s;
	struct errs e0;
	unsigned int i;
	void *p, *k, *r;
	u16 count;

	for (i = 0; i < ARRAY_SIZE(tps); i++) {
		s = two_in_a_span(test, 1024, &k, &p);
		e0 = errs_now();
		hc = (struct hook_ctx){ .tp = tps[i], .fn = double_free_hook };
		hc.match = s;
		hc.obj = p;
		expect_reports_begin("a double free of the last object");
		hook_set(&hc);
		goalloc_kfree(p);
		hook_clear();
		r = goalloc_kmalloc(1024, GFP_KERNEL);
		migrate_enable();
		KUNIT_EXPECT_EQ(test, hc.fired, 1);
		if (tps[i] == GA_TP_FREE_UNDONE) {
			/* Refused at once; p is free, and served first. */
			expect_errs(test, e0, 1, 0, 0);
			KUNIT_EXPECT_PTR_EQ(test, r, p);
		} else {
			/* Both counted for now: p stays marked, not served. */
			KUNIT_EXPECT_PTR_NE(test, r, p);
		}
		goalloc_kfree(r);
		/* The sweep of the drain settles it: k is the span's one object. */
		KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
		expect_reports_end();
		expect_errs(test, e0, 1, 0, 0);
		count = READ_ONCE(s->alloc_count);
		KUNIT_EXPECT_EQ(test, READ_ONCE(s->state), (u8)GA_SPAN_INUSE);
		KUNIT_EXPECT_EQ(test, count, (u16)1);
		goalloc_kfree(k);
		expect_errs(test, e0, 1, 0, 0);
	}
}

#define RACE_LARGE	(64 * 1024)

/* The first free of the object, then a new large object in its pages. */
static void large_free_and_realloc_hook(struct hook_ctx *hc)
{
	goalloc_kfree(hc->obj);
	hc->out[0] = goalloc_kmalloc(RACE_LARGE, GFP_ATOMIC | __GFP_NOWARN);
}

/*
 * A double free of a large object that looked its span up just before
 * the first free gave the span back, and a new large object took the
 * pages (forced at the test point, in the second free's section): the
 * second free is refused, and the new object stays allocated.
 */
static void free_large_double_free_and_reuse(struct kunit *test)
{
	struct hook_ctx hc = { .tp = GA_TP_LARGE_FREE, .fn = large_free_and_realloc_hook };
	struct errs e0;
	void *p;

	p = goalloc_kmalloc(RACE_LARGE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	hc.match = ga_span_of(&ga.heap, p);
	hc.obj = p;
	e0 = errs_now();
	expect_reports_begin("a double free of a large object, its pages reused");
	hook_set(&hc);
	goalloc_kfree(p);
	hook_clear();
	expect_reports_end();
	/* The second free's, then the first's (in the hook, which runs once). */
	KUNIT_EXPECT_EQ(test, hc.fired, 2);
	expect_errs(test, e0, 1, 0, 0);
	KUNIT_ASSERT_NOT_NULL(test, hc.out[0]);
	KUNIT_EXPECT_TRUE(test, goalloc_owns(hc.out[0]));
	kunit_info(test, "note: the new object %s the freed one's pages\n",
		   hc.out[0] == p ? "took" : "did not take");
	goalloc_kfree(hc.out[0]);
}

/* With interrupts on, the queued irq_work runs here: wait for it (bounded). */
static void nmi_irq_work_hook(struct hook_ctx *hc)
{
	struct ga_mcache *c = hc->match;
	unsigned long n;

	irq_work_queue(&c->nmi_work);
	for (n = 0; !irqs_disabled() && irq_work_is_busy(&c->nmi_work) && n < 100000000; n++)
		cpu_relax();
}

/*
 * A flush of a CPU's own mcache drains that CPU's NMI ring; its irq_work
 * (queued at the test point, after the flush copied the entry) must not
 * consume the ring at the same time: the queued free is carried out once.
 */
static void free_nmi_ring_flush_and_irq_work(struct kunit *test)
{
	struct hook_ctx hc = { .tp = GA_TP_NMI_DRAIN, .fn = nmi_irq_work_hook };
	unsigned long flags, done0;
	struct ga_nmi_free *e;
	struct ga_mcache *c;
	bool was_empty;
	struct errs e0;
	void *p;

	p = goalloc_kmalloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	e0 = errs_now();
	/*
	 * Queue its free on this CPU's ring as an NMI does, but no irq_work;
	 * the hook is in place first, for a drain by the trim work too.
	 */
	local_irq_save(flags);
	c = this_cpu_ptr(ga.mcache);
	was_empty = c->nmi_head == READ_ONCE(c->nmi_tail);
	if (was_empty) {
		hc.match = c;
		hook_set(&hc);
		done0 = READ_ONCE(c->stats.nmi_frees);
		e = &c->nmi_ring[c->nmi_head % GA_NMI_RING];
		e->p = p;
		e->central = NULL;
		e->sensitive = false;
		/* The entry before the head, as ga_free_from_nmi() publishes it. */
		smp_store_release(&c->nmi_head, c->nmi_head + 1);
	}
	local_irq_restore(flags);
	KUNIT_ASSERT_TRUE_MSG(test, was_empty, "an NMI free is queued already");
	KUNIT_EXPECT_EQ(test, ga_drain_all(), 0);
	hook_clear();
	irq_work_sync(&c->nmi_work);
	KUNIT_EXPECT_EQ(test, hc.fired, 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(c->stats.nmi_frees) - done0, 1UL);
	KUNIT_EXPECT_FALSE(test, goalloc_owns(p));
	expect_errs(test, e0, 0, 0, 0);
}

static void *free_array_on_cpu(void *arg)
{
	void **p = arg;

	for (; *p; p++)
		goalloc_kfree(*p);
	return NULL;
}

/*
 * A cache destroyed while remote frees of its objects wait unswept in a
 * partial span counts only the objects really left, and the count drops
 * when they are freed after all.
 */
static void free_zombie_cache_count(struct kunit *test)
{
	struct goalloc_cache *c = goalloc_cache_create("ga_test_zombie", 512, 0, 0, NULL);
	unsigned long leaks0;
	unsigned int n, i;
	int cpu = other_cpu();
	void **p, *live;

	KUNIT_ASSERT_NOT_NULL(test, c);
	if (cpu == raw_smp_processor_id())
		kunit_skip(test, "needs two CPUs");
	n = c->central.nelems;
	p = kunit_kcalloc(test, n + 2, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	migrate_disable();
	for (i = 0; i <= n; i++) {
		p[i] = goalloc_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	migrate_enable();
	KUNIT_ASSERT_PTR_EQ(test, ga_span_of(&ga.heap, p[0]), ga_span_of(&ga.heap, p[n - 1]));
	KUNIT_ASSERT_PTR_NE(test, ga_span_of(&ga.heap, p[0]), ga_span_of(&ga.heap, p[n]));
	/* The full span's objects but its last, from another CPU. */
	live = p[n - 1];
	goalloc_cache_free(c, p[n]);
	p[n - 1] = NULL;
	p[n] = NULL;
	KUNIT_ASSERT_NULL(test, run_on_cpu(cpu, free_array_on_cpu, p));
	leaks0 = stats_value(test, "cache_leaks");
	expect_reports_begin("cache destroyed with live objects");
	goalloc_cache_destroy(c);
	expect_reports_end();
	KUNIT_EXPECT_EQ(test, stats_value(test, "cache_leaks"), leaks0 + 1);
	goalloc_kfree(live);
	KUNIT_EXPECT_EQ(test, stats_value(test, "cache_leaks"), leaks0);
}

static struct kunit_case free_cases[] = {
	KUNIT_CASE(free_refuses_bad_pointers),
	KUNIT_CASE(free_remote_double_free),
	KUNIT_CASE(free_cross_cpu),
	KUNIT_CASE(free_irq_context),
	KUNIT_CASE(free_nested_path),
	KUNIT_CASE(free_cpu_offline),
	KUNIT_CASE(free_stale_pending_count),
	KUNIT_CASE(free_double_free_during_sweep),
	KUNIT_CASE(free_owner_and_remote_at_once),
	KUNIT_CASE(free_last_object_reused),
	KUNIT_CASE(free_last_object_and_remote_at_once),
	KUNIT_CASE(free_large_double_free_and_reuse),
	KUNIT_CASE(free_nmi_ring_flush_and_irq_work),
	KUNIT_CASE(free_zombie_cache_count),
	{}
};

static struct kunit_suite free_suite = {
	.name = "goalloc_free",
	.exit = ga_test_exit,
	.test_cases = free_cases,
};

/* ---------------------------------------------------------------------- */
/* goalloc_model                                                          */

struct shadow {
	void *p;
	u32 size;
	u32 salt;
	bool tiny;
};

static size_t model_size(struct rnd_state *rnd, bool *tiny)
{
	unsigned int r = prandom_u32_state(rnd) % 1000;

	*tiny = r < 30;
	if (*tiny)
		return 1 + prandom_u32_state(rnd) % 15;
	if (r < 700)
		return 1 + prandom_u32_state(rnd) % 256;
	if (r < 900)
		return 257 + prandom_u32_state(rnd) % 3840;
	if (r < 995)
		return 4097 + prandom_u32_state(rnd) % (GA_MAX_SMALL_SIZE - 4096);
	return GA_MAX_SMALL_SIZE + 1 + prandom_u32_state(rnd) % (128 * 1024);
}

/*
 * A million seeded random operations on 8192 slots: allocate with a
 * random size and lifetime and fill with a per-object pattern, or check
 * the pattern and free. At the end every object is freed and, after the
 * caches are drained, every span and page is back in the heap.
 */
static void model_random_ops(struct kunit *test)
{
	enum { SLOTS = 8192, OPS = 1000000 };
	unsigned long pages0, bad = 0, k;
	struct shadow *sh;
	struct rnd_state rnd;
	struct errs e0;

	sh = kvcalloc(SLOTS, sizeof(*sh), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sh);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	pages0 = ga_test_pages_inuse();
	e0 = errs_now();
	prandom_seed_state(&rnd, 0x6f616c6c);

	for (k = 0; k < OPS; k++) {
		struct shadow *o = &sh[prandom_u32_state(&rnd) % SLOTS];

		if (o->p) {
			if (!intact(o->p, o->size, o->salt))
				bad++;
			goalloc_kfree(o->p);
			o->p = NULL;
		} else {
			size_t size = model_size(&rnd, &o->tiny);

			o->p = o->tiny ? goalloc_kmalloc_tiny(size, GFP_KERNEL) :
					 goalloc_kmalloc(size, GFP_KERNEL);
			if (!o->p) {
				KUNIT_FAIL(test, "op %lu: allocation of %zu bytes failed", k, size);
				break;
			}
			o->size = size;
			o->salt = k;
			fill(o->p, size, k);
		}
		if (k % 4096 == 0)
			cond_resched();
	}
	for (k = 0; k < SLOTS; k++) {
		if (!sh[k].p)
			continue;
		if (!intact(sh[k].p, sh[k].size, sh[k].salt))
			bad++;
		goalloc_kfree(sh[k].p);
	}
	kvfree(sh);
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	expect_errs(test, e0, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	KUNIT_EXPECT_EQ(test, ga_test_pages_inuse(), pages0);
	KUNIT_EXPECT_EQ(test, central_spans(), 0UL);
}

static struct kunit_case model_cases[] = {
	KUNIT_CASE(model_random_ops),
	{}
};

static struct kunit_suite model_suite = {
	.name = "goalloc_model",
	.exit = ga_test_exit,
	.test_cases = model_cases,
};

kunit_test_suites(&sizeclass_suite, &object_suite, &free_suite, &model_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of goalloc's object path");
