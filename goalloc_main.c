// SPDX-License-Identifier: GPL-2.0
/*
 * Module init and exit, and the module parameters.
 *
 * goalloc is the Go runtime's memory allocator as a kernel module:
 * mheap (goalloc_heap.c) -> mcentral (goalloc_central.c) -> one mcache
 * per CPU (goalloc_cache.c). Loading it runs Go's mallocinit in order:
 * check the parameters, set up the heap with its initial arena, span
 * table and page allocator (mheap.init), one mcentral per span class,
 * then one mcache per CPU. A failure unwinds every earlier step; unload
 * frees everything.
 *
 * Concurrency contract: init and exit run alone; nothing here is called
 * afterwards.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>

#include "goalloc.h"
#include "goalloc_internal.h"

struct goalloc ga;
EXPORT_SYMBOL_IF_KUNIT(ga);

/* The CPU-hotplug state whose teardown flushes a dead CPU's mcache. */
static int ga_cpuhp_state;

/**
 * goalloc_kmalloc() - Allocate memory.
 * @size: bytes wanted
 * @gfp: GFP_KERNEL, GFP_ATOMIC, ...; __GFP_ZERO zeroes the object; only
 *	flags that allow blocking may grow the heap
 *
 * Up to 32 KiB the object comes from the smallest of Go's size classes
 * that fits; larger ones get whole 8 KiB pages. Objects are at least
 * 8-byte aligned.
 *
 * Context: Any context but NMI; sleeps only if @gfp allows blocking.
 * Return: the object; ZERO_SIZE_PTR for @size 0; %NULL on failure.
 */
void *goalloc_kmalloc(size_t size, gfp_t gfp)
{
	void *p;

	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	p = ga_malloc(size, gfp);
	if (p && (gfp & __GFP_ZERO))
		memset(p, 0, size);
	return p;
}
EXPORT_SYMBOL_NS_GPL(goalloc_kmalloc, GOALLOC_NS);

/**
 * goalloc_kmalloc_tiny() - Allocate a tiny object, packed with others.
 * @size: 1 to 15 bytes
 * @gfp: as for goalloc_kmalloc()
 *
 * Go's tiny allocator: objects share 16-byte blocks and are aligned only
 * as their size needs (8 if a multiple of 8, 4 if of 4, 2 if even, else
 * 1), so this is opt-in. A block is reused once all its objects are
 * freed with goalloc_kfree().
 *
 * Context: Any context but NMI; sleeps only if @gfp allows blocking.
 * Return: the object, or %NULL on failure or for a size outside 1 .. 15.
 */
void *goalloc_kmalloc_tiny(size_t size, gfp_t gfp)
{
	void *p = ga_malloc_tiny(size, gfp);

	if (p && (gfp & __GFP_ZERO))
		memset(p, 0, size);
	return p;
}
EXPORT_SYMBOL_NS_GPL(goalloc_kmalloc_tiny, GOALLOC_NS);

/**
 * goalloc_kfree() - Free memory from goalloc.
 * @p: an object from goalloc_kmalloc() or goalloc_kmalloc_tiny(), or
 *	%NULL or ZERO_SIZE_PTR (no-ops)
 *
 * Any CPU may free any object. A double free, a pointer goalloc did not
 * hand out or a pointer inside an object is refused: counted, reported
 * in a ratelimited line, and the heap is left as it was.
 *
 * Context: Any context but NMI.
 */
void goalloc_kfree(const void *p)
{
	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;
	ga_free(p);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kfree, GOALLOC_NS);

/* A dead CPU's cached spans go back to their mcentrals. */
static int ga_cpu_dead(unsigned int cpu)
{
	ga_mcache_flush(per_cpu_ptr(ga.mcache, cpu));
	return 0;
}

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

/* Validate the parameters; on success *cap is the heap cap to use. */
static int __init ga_check_params(unsigned long *cap)
{
	unsigned long ram = totalram_pages() << PAGE_SHIFT;
	unsigned long limit = min(ram, GA_HEAP_LIMIT);

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

static int __init goalloc_init(void)
{
	unsigned long cap;
	unsigned int i;
	int cpu, ret;

	/* Go's mallocinit sanity checks, at build time. */
	BUILD_BUG_ON(ga_class_to_size[GA_TINY_SIZE_CLASS] != GA_TINY_SIZE);
	BUILD_BUG_ON(GA_CHUNK_PAGES % 64);
	BUILD_BUG_ON(BITS_PER_LONG != 64);
	BUILD_BUG_ON(GA_MAX_OBJS_PER_SPAN > 64 << (GA_BITS_SIZES - 1));

	ret = ga_check_params(&cap);
	if (ret)
		return ret;

	ret = ga_heap_init(&ga.heap, arena_size, cap);
	if (ret) {
		pr_err("cannot set up a %lu-byte arena: %d\n", arena_size, ret);
		return ret;
	}
	for (i = 0; i < GA_NUM_SPAN_CLASSES; i++)
		ga_mcentral_init(&ga.central[i], i, &ga.heap);

	ga.mcache = alloc_percpu_gfp(struct ga_mcache, GFP_KERNEL | __GFP_NOWARN);
	if (!ga.mcache) {
		pr_err("cannot set up the per-CPU caches: %d\n", -ENOMEM);
		ret = -ENOMEM;
		goto destroy_heap;
	}
	for_each_possible_cpu(cpu)
		ga_mcache_init(per_cpu_ptr(ga.mcache, cpu));

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "goalloc:dead", NULL, ga_cpu_dead);
	if (ret < 0) {
		pr_err("cannot register for CPU hotplug: %d\n", ret);
		goto free_mcache;
	}
	ga_cpuhp_state = ret;

	pr_info("ready: %lu MiB arena, %lu MiB cap, %u size classes\n",
		arena_size >> 20, cap >> 20, GA_NUM_SIZE_CLASSES - 1);
	return 0;

free_mcache:
	free_percpu(ga.mcache);
destroy_heap:
	ga_heap_destroy(&ga.heap);
	return ret;
}

/* Objects still allocated at unload: leaked by goalloc's users. */
static void ga_report_leaks(void)
{
	unsigned long spans = 0, flags;
	unsigned int i;

	for (i = 0; i < GA_NUM_SPAN_CLASSES; i++) {
		spin_lock_irqsave(&ga.central[i].lock, flags);
		spans += ga.central[i].nr_partial + ga.central[i].nr_full;
		spin_unlock_irqrestore(&ga.central[i].lock, flags);
	}
	spans += ga.heap.stats.large_spans;
	if (spans)
		pr_warn("%lu spans still hold objects at unload; their memory is freed\n",
			spans);
}

static void __exit goalloc_exit(void)
{
	int cpu;

	cpuhp_remove_state_nocalls(ga_cpuhp_state);
	/* No user is left (they hold a reference on this module). */
	for_each_possible_cpu(cpu)
		ga_mcache_flush(per_cpu_ptr(ga.mcache, cpu));
	ga_report_leaks();
	/* Span structs released to RCU still reference the heap. */
	rcu_barrier();
	free_percpu(ga.mcache);
	ga_heap_destroy(&ga.heap);
}

module_init(goalloc_init);
module_exit(goalloc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("The Go runtime's memory allocator for the kernel");
