/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers the KUnit modules of goalloc share: views of the global
 * allocator's state through its EXPORT_SYMBOL_IF_KUNIT() exports, the
 * statistics file, running code on another CPU, and test points.
 */
#ifndef _GOALLOC_TEST_H
#define _GOALLOC_TEST_H

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kasan.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "goalloc_internal.h"

/* Heap pages held by spans of the global allocator, in both backings. */
static inline unsigned long ga_test_pages_inuse(void)
{
	unsigned long mapped, free_pages, largest, n;
	struct ga_heap_stats st;

	ga_heap_read_stats(&ga.heap, &st, &mapped, &free_pages, &largest);
	n = st.pages_inuse;
	ga_heap_read_stats(&ga.dheap, &st, &mapped, &free_pages, &largest);
	return n + st.pages_inuse;
}

/*
 * A global heap (@h: ga.heap, ga.dheap) with no growth under way and every
 * wholly free region returned: background growth (the headroom) may still
 * be adding one that the last allocations asked for.
 */
static inline void ga_test_settle(struct ga_heap *h)
{
	flush_work(&h->grow_work);
	ga_heap_reclaim(h);
}

static inline void ga_test_heap_settle(void)
{
	ga_test_settle(&ga.heap);
}

/*
 * Background growth of @h on or off, for a test that measures its free
 * runs: off, nothing grows behind its back, and regions grown before are
 * returned. ga_test_exit() turns it on again in both heaps.
 */
static inline void ga_test_headroom_of(struct ga_heap *h, bool on)
{
	unsigned long flags;

	spin_lock_irqsave(&h->lock, flags);
	h->headroom = on;
	spin_unlock_irqrestore(&h->lock, flags);
	if (!on)
		ga_test_settle(h);
}

static inline void ga_test_headroom(bool on)
{
	ga_test_headroom_of(&ga.heap, on);
}

/* goalloc's refusal counters, to compare before and after. */
struct errs {
	long dbl, invalid, interior, fail;
};

static inline struct errs errs_now(void)
{
	struct errs e = {
		atomic_long_read(&ga.errors.double_free),
		atomic_long_read(&ga.errors.invalid_free),
		atomic_long_read(&ga.errors.interior_free),
		atomic_long_read(&ga.errors.alloc_fail),
	};

	return e;
}

static inline void expect_errs(struct kunit *test, struct errs before, long dbl,
			       long invalid, long interior)
{
	struct errs now = errs_now();

	KUNIT_EXPECT_EQ_MSG(test, now.dbl - before.dbl, dbl, "double frees");
	KUNIT_EXPECT_EQ_MSG(test, now.invalid - before.invalid, invalid, "invalid frees");
	KUNIT_EXPECT_EQ_MSG(test, now.interior - before.interior, interior, "interior frees");
}

/* Run @fn(@arg) in a kthread bound to @cpu and wait for it. */
struct bound_call {
	void *(*fn)(void *arg);
	void *arg;
	struct completion done;
	void *ret;
};

static inline int bound_trampoline(void *data)
{
	struct bound_call *bc = data;

	bc->ret = bc->fn(bc->arg);
	complete(&bc->done);
	return 0;
}

static inline void *run_on_cpu(int cpu, void *(*fn)(void *), void *arg)
{
	struct bound_call bc = { .fn = fn, .arg = arg };
	struct task_struct *t;

	init_completion(&bc.done);
	t = kthread_create(bound_trampoline, &bc, "ga_test/%d", cpu);
	if (IS_ERR(t))
		return t;
	kthread_bind(t, cpu);
	wake_up_process(t);
	wait_for_completion(&bc.done);
	return bc.ret;
}

/* An online CPU other than the one we run on now, or this one if none. */
static inline int other_cpu(void)
{
	int cpu = cpumask_next(raw_smp_processor_id(), cpu_online_mask);

	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	return cpu;
}

/* ---------------------------------------------------------------------- */
/* /sys/kernel/debug/goalloc/stats                                        */

#define GA_TEST_STATS_PATH "/sys/kernel/debug/goalloc/stats"

/* A whole (small) file, in memory that lives as long as the test. */
static inline char *read_text(struct kunit *test, const char *path)
{
	size_t size = 64 * 1024, len = 0;
	struct file *f = filp_open(path, O_RDONLY, 0);
	char *buf;
	loff_t pos = 0;
	ssize_t n;

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(f), "cannot open %s", path);
	buf = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	while ((n = kernel_read(f, buf + len, size - 1 - len, &pos)) > 0)
		len += n;
	filp_close(f, NULL);
	buf[len] = '\0';
	return buf;
}

static inline char *read_stats(struct kunit *test)
{
	return read_text(test, GA_TEST_STATS_PATH);
}

/*
 * The whitespace-separated fields of the line of @text starting with
 * @label, in a copy that lives as long as the test.
 */
static inline int stats_row(struct kunit *test, const char *text, const char *label,
			    char **fields, int max)
{
	size_t l = strlen(label);
	char *line, *next, *tok;
	int n = 0;

	line = kunit_kmalloc(test, strlen(text) + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, line);
	strcpy(line, text);

	for (; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, label, l) || (line[l] != ' ' && line[l] != '\0'))
			continue;
		while ((tok = strsep(&line, " ")) && n < max)
			if (*tok)
				fields[n++] = tok;
		return n;
	}
	return 0;
}

static inline unsigned long number_at(struct kunit *test, char **f, int i)
{
	unsigned long v = 0;

	KUNIT_EXPECT_EQ_MSG(test, kstrtoul(f[i], 10, &v), 0, "column %d is '%s'", i, f[i]);
	return v;
}

/* The value of a "name value" line of the stats file. */
static inline unsigned long stats_value(struct kunit *test, const char *name)
{
	char *f[4];

	KUNIT_ASSERT_EQ_MSG(test, stats_row(test, read_stats(test), name, f, ARRAY_SIZE(f)), 2,
			    "no '%s' line in the stats", name);
	return number_at(test, f, 1);
}

/* ---------------------------------------------------------------------- */
/* Test points (ga_test_point() in goalloc_internal.h)                    */

/*
 * One hook at a time: @fn runs the first time the test point @tp is
 * passed with @match as its argument, with the rest of the struct free
 * for the test's use.
 */
struct hook_ctx {
	enum ga_test_point tp;
	void *match;
	void (*fn)(struct hook_ctx *hc);
	void *obj, *out[2];
	long result;
	int fired;
};

static struct hook_ctx *hook_now;

static inline void hook_dispatch(enum ga_test_point tp, void *arg)
{
	struct hook_ctx *hc = READ_ONCE(hook_now);

	if (!hc || tp != hc->tp || arg != hc->match || hc->fired++)
		return;
	hc->fn(hc);
}

static inline void hook_set(struct hook_ctx *hc)
{
	WRITE_ONCE(hook_now, hc);
	WRITE_ONCE(ga_test_hook, hook_dispatch);
}

static inline void hook_clear(void)
{
	WRITE_ONCE(ga_test_hook, NULL);
	WRITE_ONCE(hook_now, NULL);
}

/* ---------------------------------------------------------------------- */
/* Reports a test provokes on purpose                                     */

/*
 * goalloc reports refused calls, failed allocations and leftovers in the
 * kernel log, and any such line fails the run (scripts/ktap.py) unless it
 * falls between these two markers: the test says it expects them.
 */
static inline void expect_reports_begin(const char *what)
{
	pr_info("goalloc-test: expect-begin %s\n", what);
}

static inline void expect_reports_end(void)
{
	pr_info("goalloc-test: expect-end\n");
}

/* ---------------------------------------------------------------------- */
/* KASAN's KUnit hook                                                     */

#if IS_ENABLED(CONFIG_KASAN_KUNIT_TEST)
/*
 * mm/kasan/kasan.h, which a module cannot include, declares these for
 * KASAN's own tests: the exports that make every report print (not only
 * the first), and what the "kasan_status" resource of the running test
 * points to, which KASAN sets on each report.
 */
bool kasan_save_enable_multi_shot(void);
void kasan_restore_multi_shot(bool enabled);

struct kunit_kasan_status {
	bool report_found;
	bool sync_fault;
};
#endif

/* ---------------------------------------------------------------------- */
/* Freed memory a test looks at on purpose                                */

/*
 * goalloc makes freed objects invalid for KASAN (include/goalloc_kasan.h);
 * a test that checks what a free did to the bytes (init_on_free's wipe, a
 * refused free that must not write) reads them with KASAN's reports off.
 */
static inline bool freed_bytes_are(const void *p, int c, size_t n)
{
	bool same;

	kasan_disable_current();
	same = !memchr_inv(p, c, n);
	kasan_enable_current();
	return same;
}

/* Write into a free slot, as a stale writer would. */
static inline void fill_freed(void *p, int c, size_t n)
{
	kasan_disable_current();
	memset(p, c, n);
	kasan_enable_current();
}

/* ---------------------------------------------------------------------- */
/* After every test                                                       */

#define GA_TEST_VERIFY_BUF	8192

/* Every invariant of the global allocator holds (ga_verify()). */
static inline void ga_test_verify(struct kunit *test)
{
	char *buf = kvmalloc(GA_TEST_VERIFY_BUF, GFP_KERNEL);
	unsigned long problems;

	if (!buf) {
		KUNIT_FAIL(test, "no memory to verify the heap");
		return;
	}
	problems = ga_verify(buf, GA_TEST_VERIFY_BUF);
	if (problems)
		KUNIT_FAIL(test, "ga_verify: %lu problems after the test:\n%s", problems, buf);
	kvfree(buf);
}

/*
 * The .exit of every suite: no test point left set (an assertion may
 * have ended the test inside one), and the heap verified intact.
 */
static inline void ga_test_exit(struct kunit *test)
{
	hook_clear();
	ga_test_headroom_of(&ga.heap, true);
	ga_test_headroom_of(&ga.dheap, true);
	ga_test_verify(test);
}

#endif /* _GOALLOC_TEST_H */
