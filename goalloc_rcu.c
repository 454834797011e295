// SPDX-License-Identifier: GPL-2.0
/*
 * Frees that wait for an RCU grace period: goalloc_kfree_rcu() and its
 * headless form, and the span release of SLAB_TYPESAFE_BY_RCU caches.
 *
 * Go has no such thing: its collector frees an object only once nothing
 * can reach it. A kernel object that RCU readers may still be looking at
 * is freed by its writer with kfree_rcu(), which goalloc batches as the
 * kernel's does: each CPU collects the objects queued on it (linked
 * through the rcu_head each object embeds, whose func field holds the
 * head's offset in the object), a delayed work item moves them into one
 * of two batches per CPU, and one grace period per batch (queue_rcu_work())
 * lets a work item on goalloc's own workqueue free the whole batch
 * through ga_free(), in process context however long the batch. A batch
 * never waits for another: while both are in flight the objects keep
 * collecting and the work item looks again later.
 *
 * A type-safe cache (SLAB_TYPESAFE_BY_RCU) frees its objects at once, for
 * reuse by the same cache; only a span's return to the heap waits for a
 * grace period (ga_central_release() hands it to
 * ga_rcu_release_typesafe()), so that a reader that found an object
 * before it was freed reads memory of that cache, in the state the cache
 * left it, however late. Its objects are never wiped or KASAN-poisoned
 * when freed (see ga_free_small() and ga_cache_want_init()), as in SLUB.
 *
 * Concurrency contract: goalloc_kfree_rcu() may run in any context but
 * NMI; it takes its CPU's batch lock (raw, interrupts disabled) and may
 * queue a delayed work item, as kfree_rcu() does. The work items take the
 * same lock (nothing else is taken under it but the workqueue's and RCU's
 * own queueing; objects are freed after it is dropped). ga_rcu_flush()
 * sleeps.
 *
 * Lock order: ga_rcu_cpu.lock, then the workqueue and RCU queueing.
 */

#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "goalloc.h"
#include "goalloc_internal.h"

/* How long objects collect before their batch asks for a grace period. */
#define GA_RCU_DELAY		(HZ / 50 ?: 1)

/* A headless free: the pointer, with the rcu_head the object lacks. */
struct ga_rcu_node {
	struct rcu_head head;
	const void *obj;
};

/* The func value that marks a ga_rcu_node's head. */
#define GA_RCU_HEADLESS		(~0UL)

struct ga_rcu_cpu;

/* Objects waiting for one grace period: one RCU callback for all. */
struct ga_rcu_batch {
	struct rcu_work rw;
	struct rcu_head *objs;		/* NULL: the batch is free */
	unsigned long n;
	struct ga_rcu_cpu *krc;
};

struct ga_rcu_cpu {
	raw_spinlock_t lock;		/* everything below */
	struct rcu_head *pending;	/* queued, in no batch yet */
	unsigned long npending;
	struct ga_rcu_batch batch[2];
	struct delayed_work monitor;
	bool monitor_on;		/* monitor queued or running */
	/* Statistics, under the lock. */
	unsigned long queued, freed, batches, headless_waits;
};

static struct ga_rcu_cpu __percpu *ga_rcu;
/* Where batches are freed after their grace period. */
static struct workqueue_struct *ga_rcu_wq;

/* Spans of type-safe caches waiting for their grace period. */
static atomic_long_t ga_typesafe_waiting = ATOMIC_LONG_INIT(0);

static void *ga_rcu_object(struct rcu_head *head)
{
	unsigned long off = (unsigned long)head->func;

	if (off == GA_RCU_HEADLESS)
		return (void *)container_of(head, struct ga_rcu_node, head)->obj;
	return (void *)head - off;
}

/* A grace period has passed since the batch began: free it all. */
static void ga_rcu_batch_done(struct work_struct *work)
{
	struct ga_rcu_batch *b = container_of(to_rcu_work(work), struct ga_rcu_batch, rw);
	struct ga_rcu_cpu *krc = b->krc;
	struct rcu_head *head, *next;
	unsigned long flags, n;

	raw_spin_lock_irqsave(&krc->lock, flags);
	head = b->objs;
	n = b->n;
	raw_spin_unlock_irqrestore(&krc->lock, flags);
	for (; head; head = next) {
		/* The head is in the object: read all of it before the free. */
		bool headless = (unsigned long)head->func == GA_RCU_HEADLESS;
		void *obj = ga_rcu_object(head);

		next = head->next;
		ga_free(obj);
		if (headless)
			ga_free(head);
		cond_resched();
	}
	/* Counted once done: ga_rcu_busy() until the last free returned. */
	raw_spin_lock_irqsave(&krc->lock, flags);
	b->objs = NULL;
	b->n = 0;
	krc->freed += n;
	raw_spin_unlock_irqrestore(&krc->lock, flags);
}

/*
 * Move the pending objects into a free batch and start its grace period.
 * Returns false if objects stay pending (both batches in flight).
 */
static bool ga_rcu_start_batch(struct ga_rcu_cpu *krc)
{
	unsigned int i;

	lockdep_assert_held(&krc->lock);
	for (i = 0; i < ARRAY_SIZE(krc->batch) && krc->pending; i++) {
		struct ga_rcu_batch *b = &krc->batch[i];

		if (b->objs)
			continue;
		b->objs = krc->pending;
		b->n = krc->npending;
		krc->pending = NULL;
		krc->npending = 0;
		krc->batches++;
		queue_rcu_work(ga_rcu_wq, &b->rw);
	}
	return !krc->pending;
}

static void ga_rcu_monitor(struct work_struct *work)
{
	struct ga_rcu_cpu *krc = container_of(to_delayed_work(work), struct ga_rcu_cpu, monitor);
	unsigned long flags;

	raw_spin_lock_irqsave(&krc->lock, flags);
	if (ga_rcu_start_batch(krc))
		krc->monitor_on = false;
	else
		queue_delayed_work(ga_rcu_wq, &krc->monitor, GA_RCU_DELAY);
	raw_spin_unlock_irqrestore(&krc->lock, flags);
}

/* Queue @head (of an object goalloc owns) on this CPU. */
static void ga_rcu_queue(struct rcu_head *head, unsigned long func)
{
	struct ga_rcu_cpu *krc;
	unsigned long flags;

	local_irq_save(flags);
	krc = this_cpu_ptr(ga_rcu);
	raw_spin_lock(&krc->lock);
	head->func = (rcu_callback_t)func;
	head->next = krc->pending;
	krc->pending = head;
	krc->npending++;
	krc->queued++;
	if (func == GA_RCU_HEADLESS)
		krc->headless_waits++;
	if (!krc->monitor_on) {
		krc->monitor_on = true;
		queue_delayed_work(ga_rcu_wq, &krc->monitor, GA_RCU_DELAY);
	}
	raw_spin_unlock(&krc->lock);
	local_irq_restore(flags);
}

/**
 * goalloc_kfree_rcu_head() - Free an object after an RCU grace period.
 * @obj: an object from goalloc (any call or cache), or %NULL (a no-op)
 * @head: an rcu_head inside @obj, unused until then
 *
 * The function behind goalloc_kfree_rcu(), as kfree_rcu() is kvfree_call_rcu():
 * @obj is freed, as by goalloc_kfree(), once every RCU reader that might
 * have found it has finished. Frees are batched per CPU, one grace period
 * request per batch. A pointer that is not a live goalloc object is
 * refused at once, as goalloc_kfree() refuses it, and so is an @head that
 * is not inside @obj (counted as ``invalid_free``; @obj stays allocated);
 * @head is not written then. goalloc_cache_destroy() and unload wait for
 * pending frees.
 *
 * Queuing an object twice before it is freed is a bug, as with kfree_rcu(),
 * and is not detected.
 *
 * Context: Any context but NMI (refused, counted as ``nmi``).
 * Return: nothing; a refused call is counted in the statistics.
 */
void goalloc_kfree_rcu_head(const void *obj, struct rcu_head *head)
{
	size_t size;

	if (ZERO_OR_NULL_PTR(obj))
		return;
	if (unlikely(in_nmi())) {
		ga_refuse_nmi();
		return;
	}
	size = ga_live_size(obj);
	if (unlikely(!size)) {
		ga_free(obj);	/* refuses it: counted and reported */
		return;
	}
	if (unlikely((void *)head < obj || (void *)(head + 1) > obj + size)) {
		atomic_long_inc(&ga.errors.invalid_free);
		pr_warn_ratelimited("refused kfree_rcu of %p: its rcu_head %p is outside it\n",
				    obj, head);
		return;
	}
	ga_rcu_queue(head, (void *)head - obj);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kfree_rcu_head, GOALLOC_NS);

/**
 * goalloc_kfree_rcu_mightsleep() - Free an object without an rcu_head
 *	after an RCU grace period.
 * @obj: an object from goalloc, or %NULL (a no-op)
 *
 * The one-argument kfree_rcu(): a small goalloc object carries the
 * pointer through the batch. If none can be had without sleeping, the
 * caller waits for a grace period (synchronize_rcu()) and frees @obj
 * itself, as the kernel's headless form does.
 *
 * Context: Process context; may sleep. Not under rcu_read_lock().
 * Return: nothing; a refused call is counted in the statistics.
 */
void goalloc_kfree_rcu_mightsleep(const void *obj)
{
	struct ga_rcu_node *node;

	might_sleep();
	if (ZERO_OR_NULL_PTR(obj))
		return;
	if (unlikely(!ga_live_size(obj))) {
		ga_free(obj);
		return;
	}
	node = ga_malloc(sizeof(*node), GFP_NOWAIT | __GFP_NOWARN);
	if (!node) {
		synchronize_rcu();
		ga_free(obj);
		return;
	}
	node->obj = obj;
	ga_rcu_queue(&node->head, GA_RCU_HEADLESS);
}
EXPORT_SYMBOL_NS_GPL(goalloc_kfree_rcu_mightsleep, GOALLOC_NS);

/*
 * A type-safe cache's span, a grace period after its last object went.
 * The cache outlives this: its destroy and unload wait (rcu_barrier()).
 */
static void ga_rcu_typesafe_done(struct rcu_head *rh)
{
	struct ga_span *s = container_of(rh, struct ga_span, rcu);

	atomic_long_dec(&ga_typesafe_waiting);
	/* The head is free again: the metadata's own grace period reuses it. */
	ga_central_span_release(s->central, s);
}

/**
 * ga_rcu_release_typesafe() - Give a type-safe cache's span back later.
 * @s: a retired span of a SLAB_TYPESAFE_BY_RCU cache, all objects free
 *
 * Its pages stay mapped and in the span table (state INIT: frees refuse
 * it) until a grace period has passed, so RCU readers that found one of
 * its objects read that cache's memory; then it is wiped if the policy
 * asks, and released as any other span.
 *
 * Context: Any context but NMI.
 */
void ga_rcu_release_typesafe(struct ga_span *s)
{
	atomic_long_inc(&ga_typesafe_waiting);
	call_rcu(&s->rcu, ga_rcu_typesafe_done);
}

/**
 * ga_rcu_flush() - Carry out every deferred free queued so far.
 *
 * Starts each CPU's pending batch and waits for every batch and every
 * type-safe span release in flight, as kmem_cache_destroy() does for a
 * type-safe cache with rcu_barrier(). Three passes: after the first,
 * every batch in flight before is done and both of each CPU's are free,
 * so the second takes whatever was pending; the third and a last
 * rcu_barrier() wait for the span releases those frees queued and for
 * the metadata frees the releases queue in turn. Frees queued meanwhile
 * by others may or may not be carried out.
 *
 * Context: Process context; sleeps.
 */
void ga_rcu_flush(void)
{
	int cpu, pass;

	for (pass = 0; pass < 3; pass++) {
		for_each_possible_cpu(cpu) {
			struct ga_rcu_cpu *krc = per_cpu_ptr(ga_rcu, cpu);
			unsigned long flags;

			raw_spin_lock_irqsave(&krc->lock, flags);
			ga_rcu_start_batch(krc);
			raw_spin_unlock_irqrestore(&krc->lock, flags);
		}
		/* The grace periods, then the batches' frees they queued. */
		rcu_barrier();
		flush_workqueue(ga_rcu_wq);
	}
	rcu_barrier();
}
EXPORT_SYMBOL_IF_KUNIT(ga_rcu_flush);

/**
 * ga_rcu_busy() - Are deferred frees or type-safe releases in flight?
 *
 * Context: Any context.
 * Return: true if some are queued or waiting for a grace period.
 */
bool ga_rcu_busy(void)
{
	struct ga_rcu_stats st;

	ga_rcu_read_stats(&st);
	return st.queued != st.freed || st.typesafe_waiting;
}

/**
 * ga_rcu_read_stats() - Sum the deferred frees' counters.
 * @st: filled in
 *
 * Context: Any context.
 */
void ga_rcu_read_stats(struct ga_rcu_stats *st)
{
	unsigned long flags;
	int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		struct ga_rcu_cpu *krc = per_cpu_ptr(ga_rcu, cpu);

		raw_spin_lock_irqsave(&krc->lock, flags);
		st->queued += krc->queued;
		st->freed += krc->freed;
		st->batches += krc->batches;
		st->headless += krc->headless_waits;
		raw_spin_unlock_irqrestore(&krc->lock, flags);
	}
	st->typesafe_waiting = atomic_long_read(&ga_typesafe_waiting);
}
EXPORT_SYMBOL_IF_KUNIT(ga_rcu_read_stats);

/**
 * ga_rcu_init() - Set up each CPU's batches.
 *
 * Context: Process context (module init).
 * Return: 0 or -ENOMEM.
 */
int ga_rcu_init(void)
{
	int cpu, i;

	/*
	 * Frees may be what reclaim waits for, as the kernel's kfree_rcu;
	 * unbound, so that a long batch holds up no CPU's other work.
	 */
	ga_rcu_wq = alloc_workqueue("goalloc_rcu", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!ga_rcu_wq)
		return -ENOMEM;
	ga_rcu = alloc_percpu(struct ga_rcu_cpu);
	if (!ga_rcu) {
		destroy_workqueue(ga_rcu_wq);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu) {
		struct ga_rcu_cpu *krc = per_cpu_ptr(ga_rcu, cpu);

		raw_spin_lock_init(&krc->lock);
		INIT_DELAYED_WORK(&krc->monitor, ga_rcu_monitor);
		for (i = 0; i < ARRAY_SIZE(krc->batch); i++) {
			krc->batch[i].krc = krc;
			INIT_RCU_WORK(&krc->batch[i].rw, ga_rcu_batch_done);
		}
	}
	return 0;
}

/**
 * ga_rcu_exit() - Carry out what is pending and free the batches.
 *
 * Context: Process context (module exit or a failed init); sleeps.
 */
void ga_rcu_exit(void)
{
	int cpu;

	ga_rcu_flush();
	for_each_possible_cpu(cpu)
		cancel_delayed_work_sync(&per_cpu_ptr(ga_rcu, cpu)->monitor);
	destroy_workqueue(ga_rcu_wq);
	free_percpu(ga_rcu);
	ga_rcu = NULL;
}
