// SPDX-License-Identifier: GPL-2.0
/*
 * goalloc_torture: hostile, concurrent use of the whole API on every CPU
 * and in every context, each object checked before its free and the heap
 * verified between phases.
 *
 * One worker kthread per CPU allocates and frees through every entry
 * point: every kmalloc size class, large objects up to several MiB, tiny
 * objects, krealloc growing and shrinking, goalloc caches with and
 * without a constructor, bulk allocation and free, kfree_sensitive. Each
 * worker also owns a hard-interrupt user (an hrtimer and an irq_work)
 * and a softirq user (a timer), which do the same with GFP_ATOMIC.
 * Objects live a random time in a context's slots; about half of them
 * are handed to another worker's queue, to be freed by that worker or by
 * its interrupt users: frees from other CPUs and from interrupts.
 *
 * Every object carries a unique 64-bit identity from a global counter in
 * its first and last 8 bytes and a fill derived from it, checked just
 * before its free: an object handed out twice, overwritten or freed
 * early is caught there. Objects of a cache with a constructor keep a
 * constructed header, checked at allocation.
 *
 * The run is a sequence of phases, one KUnit case each. Between phases
 * everything stops, and ga_verify() must find the heap intact. Some
 * phases inject failures (goalloc's fail_grow and fail_meta), fill the
 * heap to its cap, or take CPUs offline and online in a loop; allocations
 * may fail in those, cleanly, and must work again after. goalloc's trim
 * work (empty spans back to the heap, idle drains) runs every 20 ms
 * instead of every second, against all of it. The last case frees
 * everything and wants the heap back as it was at the start.
 *
 * make check runs at least 2,000,000 operations on 4 CPUs; make torture
 * MINUTES=N runs phases for N minutes. The kernel command line sets it:
 * ga_torture_ops=N (default 2000000) or ga_torture_minutes=N.
 */

#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include "goalloc.h"
#include "goalloc_internal.h"
#include "goalloc_test.h"

MODULE_IMPORT_NS(GOALLOC_NS);
MODULE_IMPORT_NS(GOALLOC_KUNIT_NS);

#define T_SLOTS		1024	/* objects a worker thread holds */
#define T_IRQ_SLOTS	32	/* objects an interrupt user holds */
#define T_QUEUE		256	/* objects queued to a worker, to free */
#define T_BULK		16	/* objects per bulk call */
#define T_GROUPS	4	/* bulk groups a worker holds */
#define T_HOG		64	/* large objects a worker holds at the cap */
#define T_HOG_SIZE	SZ_2M
#define T_MAGIC		0x6f6c6c61636f6721ULL	/* a constructed object */
#define T_CTOR_FILL	0xc7
#define T_HRTIMER_NS	(400 * NSEC_PER_USEC)
#define T_PHASE_MS	30000	/* a phase of a timed run */
#define T_TRIM_PERIOD	(HZ / 50 ?: 1)	/* goalloc's trim work, 50 times faster */
#define T_MAX_PHASES	64
#define T_PLANNED	8	/* phases of a run of so many operations */

enum t_kind { T_KMALLOC, T_TINY, T_LARGE, T_CACHE };

/* One object: what it is and who made it. */
struct t_obj {
	void *p;
	u64 id;
	u32 size;		/* bytes asked for, all stamped */
	u8 kind;
	u8 cache;		/* index into torture.caches for T_CACHE */
	s16 cpu;		/* the CPU it was allocated on */
};

struct t_stats {
	u64 ops, allocs, frees, remote_frees, reallocs, fails;
};

/* An allocating context: a worker's thread, hardirq or softirq user. */
struct t_ctx {
	struct torture *t;
	struct t_worker *w;
	struct rnd_state rnd;
	struct t_stats st;
	struct t_obj *slots;
	unsigned int nslots;
	gfp_t gfp;
};

struct t_queue {
	spinlock_t lock;	/* any context, irqsave */
	unsigned int head, tail;
	struct t_obj ring[T_QUEUE];
};

struct t_group {
	void *p[T_BULK];
	u64 id;			/* object i has identity id + i */
	u8 cache;
	bool full;
};

struct t_worker {
	struct torture *t;
	int home;		/* the CPU it runs on while that is online */
	struct task_struct *task;
	struct t_ctx thr, hard, soft;
	spinlock_t hard_lock;	/* hard's slots: trylocked in hardirq */
	spinlock_t soft_lock;	/* soft's slots: trylocked in softirq */
	struct t_queue inq;	/* objects others want this worker to free */
	struct hrtimer hrtimer;
	struct irq_work iw;
	struct timer_list timer;
	struct t_group groups[T_GROUPS];
	struct t_obj hog[T_HOG];
	unsigned int nhog;
	bool hogged;
};

struct t_cache_def {
	const char *name;
	unsigned int size;
	bool ctor;
};

static const struct t_cache_def t_cache_defs[] = {
	{ "ga_torture_32", 32, false },
	{ "ga_torture_96c", 96, true },
	{ "ga_torture_512", 512, false },
	{ "ga_torture_2000c", 2000, true },
};

struct t_phase {
	unsigned int n;
	bool faults, cap, hotplug;
	char name[32];
};

struct torture {
	struct t_worker *w;
	int nw;			/* workers running */
	int ready;		/* workers set up */
	struct goalloc_cache *caches[ARRAY_SIZE(t_cache_defs)];
	atomic64_t next_id;
	atomic64_t ops;		/* progress, for the phase's end */

	/* control */
	bool pause;		/* READ_ONCE: stop at the next operation */
	bool stop;		/* the timers stop re-arming */
	bool faults, cap;	/* the current phase's kind */
	unsigned long trim_period0;	/* goalloc's, restored at the end */
	unsigned long reused0;		/* kept empty spans taken back before */
	atomic_t parked;
	atomic_t irq_active;
	wait_queue_head_t wq;
	struct task_struct *hotplug;
	unsigned long hotplug_cycles, hotplug_refused;

	/* the run */
	u64 target_ops;		/* or, if minutes: */
	unsigned int minutes;
	unsigned long start;
	struct t_phase phases[T_MAX_PHASES];
	unsigned int nphases;
	unsigned long mapped0, pages0;
	struct t_stats total, thread, irq, softirq;
	bool ended;

	/* the first errors, for the report */
	spinlock_t err_lock;
	unsigned long errors;
	char err[512];
};

static struct torture *torture;

/* ---------------------------------------------------------------------- */
/* Errors and stamps                                                      */

static __printf(2, 3) void t_error(struct torture *t, const char *fmt, ...)
{
	unsigned long flags;
	va_list args;

	spin_lock_irqsave(&t->err_lock, flags);
	if (!t->errors++) {
		va_start(args, fmt);
		vscnprintf(t->err, sizeof(t->err), fmt, args);
		va_end(args);
	}
	spin_unlock_irqrestore(&t->err_lock, flags);
}

static u8 t_fill(u64 id)
{
	return (u8)((id * 0x9e3779b97f4a7c15ULL) >> 56) | 1;
}

/* The identity in the first and last 8 bytes, the fill between. */
static void t_stamp(void *p, size_t n, u64 id)
{
	memset(p, t_fill(id), n);
	if (n >= 8)
		memcpy(p, &id, 8);
	if (n >= 16)
		memcpy(p + n - 8, &id, 8);
}

/* Bytes [0, len) of an n-byte object stamped with @id are intact. */
static bool t_stamp_ok(const void *p, size_t n, size_t len, u64 id)
{
	size_t head = n >= 8 ? 8 : 0, tail = n >= 16 ? n - 8 : n;

	if (min(head, len) && memcmp(p, &id, min(head, len)))
		return false;
	if (min(tail, len) > head && memchr_inv(p + head, t_fill(id), min(tail, len) - head))
		return false;
	if (len > tail && memcmp(p + tail, &id, len - tail))
		return false;
	return true;
}

/* ---------------------------------------------------------------------- */
/* Objects                                                                */

static u32 t_rand(struct t_ctx *c, u32 n)
{
	return prandom_u32_state(&c->rnd) % n;
}

static bool t_has_ctor(const struct t_obj *o)
{
	return o->kind == T_CACHE && t_cache_defs[o->cache].ctor;
}

static void t_ctor(void *obj)
{
	u64 magic = T_MAGIC;

	memcpy(obj, &magic, 8);
}

/* A constructed object: the header, and the rest as it was freed. */
static bool t_constructed(const void *p, size_t n)
{
	u64 magic;

	memcpy(&magic, p, 8);
	return magic == T_MAGIC;
}

static void t_set_stamp(struct t_obj *o)
{
	if (t_has_ctor(o))
		t_stamp(o->p + 8, o->size - 8, o->id);
	else
		t_stamp(o->p, o->size, o->id);
}

/*
 * The object is whole just before its free: if not, it was overwritten,
 * handed out twice or freed early.
 */
static bool t_check(struct t_ctx *c, struct t_obj *o)
{
	bool ok;

	if (t_has_ctor(o))
		ok = t_constructed(o->p, o->size) &&
		     t_stamp_ok(o->p + 8, o->size - 8, o->size - 8, o->id);
	else
		ok = t_stamp_ok(o->p, o->size, o->size, o->id);
	if (!ok)
		t_error(c->t, "object %llu (kind %u, %u bytes, CPU %d) damaged before its free",
			o->id, o->kind, o->size, o->cpu);
	return ok;
}

/* Sizes: a random size class, a size inside it; tiny; large. */
static size_t t_small_size(struct t_ctx *c)
{
	unsigned int cls = 1 + t_rand(c, GA_NUM_SIZE_CLASSES - 1);
	u32 lo = ga_class_to_size[cls - 1], hi = ga_class_to_size[cls];

	return lo + 1 + t_rand(c, hi - lo);
}

static size_t t_large_size(struct t_ctx *c)
{
	if (!t_rand(c, 8))
		return SZ_1M + t_rand(c, 5 * SZ_1M);
	return GA_MAX_SMALL_SIZE + 1 + t_rand(c, SZ_512K);
}

static bool t_may_fail(struct t_ctx *c)
{
	return !gfpflags_allow_blocking(c->gfp) || READ_ONCE(c->t->faults) ||
	       READ_ONCE(c->t->cap);
}

static void t_failed(struct t_ctx *c, const char *what, size_t size)
{
	c->st.fails++;
	if (!t_may_fail(c))
		t_error(c->t, "%s of %zu bytes failed with GFP_KERNEL and no fault injected",
			what, size);
}

static void t_alloc(struct t_ctx *c, struct t_obj *o)
{
	struct torture *t = c->t;
	u32 r = t_rand(c, 1000);

	o->cache = 0;
	if (r < 450) {
		o->kind = T_KMALLOC;
		o->size = t_small_size(c);
		o->p = goalloc_kmalloc(o->size, c->gfp);
	} else if (r < 600) {
		o->kind = T_TINY;
		o->size = 1 + t_rand(c, GA_TINY_SIZE - 1);
		o->p = goalloc_kmalloc_tiny(o->size, c->gfp);
	} else if (r < 995) {
		o->kind = T_CACHE;
		o->cache = t_rand(c, ARRAY_SIZE(t_cache_defs));
		o->size = t_cache_defs[o->cache].size;
		o->p = goalloc_cache_alloc(t->caches[o->cache], c->gfp);
		if (o->p && t_has_ctor(o) && !t_constructed(o->p, o->size)) {
			t_error(t, "cache object not as its constructor left it");
			goalloc_cache_free(t->caches[o->cache], o->p);
			o->p = NULL;
			return;
		}
	} else {
		o->kind = T_LARGE;
		o->size = t_large_size(c);
		o->p = goalloc_kmalloc(o->size, c->gfp);
	}
	if (!o->p) {
		t_failed(c, "an allocation", o->size);
		return;
	}
	o->id = atomic64_inc_return(&t->next_id);
	o->cpu = raw_smp_processor_id();
	t_set_stamp(o);
	c->st.allocs++;
}

static void t_free(struct t_ctx *c, struct t_obj *o)
{
	bool ok = t_check(c, o);

	if (o->cpu != raw_smp_processor_id())
		c->st.remote_frees++;
	c->st.frees++;
	if (o->kind == T_CACHE) {
		struct goalloc_cache *cache = c->t->caches[o->cache];

		/* Back in constructed state, as the contract wants. */
		if (t_has_ctor(o))
			memset(o->p + 8, T_CTOR_FILL, o->size - 8);
		if (t_rand(c, 4))
			goalloc_cache_free(cache, o->p);
		else
			goalloc_kfree(o->p);
	} else if (ok && !t_rand(c, 10)) {
		goalloc_kfree_sensitive(o->p);
	} else {
		goalloc_kfree(o->p);
	}
	o->p = NULL;
}

/* krealloc to a random size, the old bytes kept up to the smaller size. */
static void t_realloc(struct t_ctx *c, struct t_obj *o)
{
	size_t n = t_rand(c, 2) ? 1 + t_rand(c, o->size) :
		   o->size + 1 + t_rand(c, min_t(u32, o->size, SZ_256K) + 64);
	void *q = goalloc_krealloc(o->p, n, c->gfp);

	if (!q) {
		t_failed(c, "a krealloc", n);
		return;
	}
	if (!t_stamp_ok(q, o->size, min_t(size_t, n, o->size), o->id))
		t_error(c->t, "krealloc of object %llu from %u to %zu bytes lost its contents",
			o->id, o->size, n);
	o->p = q;
	o->size = n;
	o->kind = n > GA_MAX_SMALL_SIZE ? T_LARGE : T_KMALLOC;
	o->id = atomic64_inc_return(&c->t->next_id);
	o->cpu = raw_smp_processor_id();
	t_stamp(q, n, o->id);
	c->st.reallocs++;
}

/* Hand @o to another worker's queue, or free it here if that is full. */
static void t_send(struct t_ctx *c, struct t_obj *o)
{
	struct torture *t = c->t;
	struct t_worker *to;
	unsigned long flags;
	bool sent = false;

	if (t->nw < 2) {
		t_free(c, o);
		return;
	}
	to = &t->w[(c->w - t->w + 1 + t_rand(c, t->nw - 1)) % t->nw];

	spin_lock_irqsave(&to->inq.lock, flags);
	if (to->inq.head - to->inq.tail < T_QUEUE) {
		to->inq.ring[to->inq.head++ % T_QUEUE] = *o;
		sent = true;
	}
	spin_unlock_irqrestore(&to->inq.lock, flags);
	if (sent)
		o->p = NULL;
	else
		t_free(c, o);
}

/* Free up to @max objects other contexts queued for this worker. */
static void t_drain(struct t_ctx *c, unsigned int max)
{
	struct t_queue *q = &c->w->inq;
	unsigned long flags;
	struct t_obj o;

	while (max--) {
		spin_lock_irqsave(&q->lock, flags);
		if (q->tail == q->head) {
			spin_unlock_irqrestore(&q->lock, flags);
			return;
		}
		o = q->ring[q->tail++ % T_QUEUE];
		spin_unlock_irqrestore(&q->lock, flags);
		t_free(c, &o);
		c->st.ops++;
		atomic64_inc(&c->t->ops);
	}
}

/* One operation on a random slot: allocate, resize, hand over or free. */
static void t_op(struct t_ctx *c)
{
	struct t_obj *o = &c->slots[t_rand(c, c->nslots)];
	u32 r = t_rand(c, 100);

	c->st.ops++;
	atomic64_inc(&c->t->ops);
	if (!o->p)
		t_alloc(c, o);
	else if (r < 8 && (o->kind == T_KMALLOC || o->kind == T_LARGE) &&
		 gfpflags_allow_blocking(c->gfp))
		t_realloc(c, o);
	else if (r < 72)
		t_send(c, o);
	else
		t_free(c, o);
}

/* A bulk group: allocate T_BULK objects of one cache at once ... */
static void t_group_alloc(struct t_worker *w, struct t_group *g)
{
	struct t_ctx *c = &w->thr;
	unsigned int i;

	g->cache = t_rand(c, ARRAY_SIZE(t_cache_defs));
	if (goalloc_cache_alloc_bulk(w->t->caches[g->cache], c->gfp, T_BULK, g->p) != T_BULK) {
		t_failed(c, "a bulk allocation", T_BULK * t_cache_defs[g->cache].size);
		return;
	}
	g->id = atomic64_add_return(T_BULK, &w->t->next_id) - T_BULK + 1;
	for (i = 0; i < T_BULK; i++) {
		struct t_obj o = { .p = g->p[i], .id = g->id + i, .kind = T_CACHE,
				   .cache = g->cache, .size = t_cache_defs[g->cache].size };

		if (t_has_ctor(&o) && !t_constructed(o.p, o.size))
			t_error(w->t, "bulk cache object not as its constructor left it");
		t_set_stamp(&o);
	}
	c->st.allocs += T_BULK;
	g->full = true;
}

/* ... and check and free them at once. */
static void t_group_free(struct t_worker *w, struct t_group *g)
{
	struct t_ctx *c = &w->thr;
	unsigned int i;

	for (i = 0; i < T_BULK; i++) {
		struct t_obj o = { .p = g->p[i], .id = g->id + i, .kind = T_CACHE,
				   .cache = g->cache, .size = t_cache_defs[g->cache].size,
				   .cpu = raw_smp_processor_id() };

		t_check(c, &o);
		if (t_has_ctor(&o))
			memset(o.p + 8, T_CTOR_FILL, o.size - 8);
	}
	goalloc_cache_free_bulk(w->t->caches[g->cache], T_BULK, g->p);
	c->st.frees += T_BULK;
	g->full = false;
}

static void t_group_op(struct t_worker *w)
{
	struct t_group *g = &w->groups[t_rand(&w->thr, T_GROUPS)];

	w->thr.st.ops++;
	atomic64_inc(&w->t->ops);
	if (g->full)
		t_group_free(w, g);
	else
		t_group_alloc(w, g);
}

/* At the cap: hold large objects until the heap refuses more. */
static void t_hog(struct t_worker *w)
{
	struct t_obj *o;

	w->hogged = true;
	while (w->nhog < T_HOG) {
		o = &w->hog[w->nhog];
		o->kind = T_LARGE;
		o->size = T_HOG_SIZE;
		o->p = goalloc_kmalloc(o->size, GFP_KERNEL | __GFP_NOWARN);
		if (!o->p) {
			w->thr.st.fails++;
			return;
		}
		o->id = atomic64_inc_return(&w->t->next_id);
		o->cpu = raw_smp_processor_id();
		t_stamp(o->p, o->size, o->id);
		w->thr.st.allocs++;
		w->nhog++;
	}
}

static void t_unhog(struct t_worker *w)
{
	while (w->nhog)
		t_free(&w->thr, &w->hog[--w->nhog]);
	w->hogged = false;
}

/* ---------------------------------------------------------------------- */
/* Contexts                                                               */

/* An interrupt user may run: not paused. Pairs with t_quiesce(). */
static bool t_irq_enter(struct torture *t)
{
	atomic_inc(&t->irq_active);
	/* The count before pause is read; pairs with t_quiesce(). */
	smp_mb__after_atomic();
	if (!READ_ONCE(t->pause))
		return true;
	atomic_dec(&t->irq_active);
	return false;
}

static void t_irq_run(struct t_worker *w, struct t_ctx *c, spinlock_t *lock)
{
	if (!t_irq_enter(w->t))
		return;
	/* Two CPUs may run this user's callbacks once its CPU went offline. */
	if (spin_trylock(lock)) {
		t_op(c);
		t_op(c);
		t_drain(c, 2);
		spin_unlock(lock);
	}
	atomic_dec(&w->t->irq_active);
}

static enum hrtimer_restart t_hrtimer(struct hrtimer *h)
{
	struct t_worker *w = container_of(h, struct t_worker, hrtimer);

	t_irq_run(w, &w->hard, &w->hard_lock);
	if (READ_ONCE(w->t->stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(h, ns_to_ktime(T_HRTIMER_NS));
	return HRTIMER_RESTART;
}

static void t_irq_work(struct irq_work *iw)
{
	struct t_worker *w = container_of(iw, struct t_worker, iw);

	t_irq_run(w, &w->hard, &w->hard_lock);
}

static void t_timer(struct timer_list *tl)
{
	struct t_worker *w = from_timer(w, tl, timer);

	t_irq_run(w, &w->soft, &w->soft_lock);
	if (!READ_ONCE(w->t->stop))
		mod_timer(&w->timer, jiffies + 1);
}

static void t_pin(struct t_worker *w)
{
	if (raw_smp_processor_id() != w->home && cpu_online(w->home))
		set_cpus_allowed_ptr(current, cpumask_of(w->home));
}

static void t_park(struct t_worker *w)
{
	struct torture *t = w->t;

	t_unhog(w);
	atomic_inc(&t->parked);
	wait_event_interruptible(t->wq, !READ_ONCE(t->pause) || kthread_should_stop());
	atomic_dec(&t->parked);
}

static int t_worker_fn(void *arg)
{
	struct t_worker *w = arg;
	struct torture *t = w->t;
	unsigned long n = 0;

	t_pin(w);
	hrtimer_start(&w->hrtimer, ns_to_ktime(T_HRTIMER_NS), HRTIMER_MODE_REL_PINNED_HARD);
	mod_timer(&w->timer, jiffies + 1);
	while (!kthread_should_stop()) {
		if (READ_ONCE(t->pause)) {
			t_park(w);
			continue;
		}
		if (READ_ONCE(t->cap) && !w->hogged)
			t_hog(w);
		t_op(&w->thr);
		t_drain(&w->thr, 2);
		if (++n % 64 == 0)
			t_group_op(w);
		if (n % 32 == 0) {
			irq_work_queue(&w->iw);
			cond_resched();
			t_pin(w);
		}
	}
	return 0;
}

/* Take CPUs but the first offline and online in a loop. */
static int t_hotplug_fn(void *arg)
{
	struct torture *t = arg;
	struct rnd_state rnd;
	unsigned int cpu;

	prandom_seed_state(&rnd, 0x686f74);
	while (!kthread_should_stop()) {
		cpu = 1 + prandom_u32_state(&rnd) % (num_possible_cpus() - 1);
		if (!cpu_online(cpu) || remove_cpu(cpu)) {
			t->hotplug_refused++;
			msleep(20);
			continue;
		}
		msleep(20 + prandom_u32_state(&rnd) % 100);
		if (add_cpu(cpu))
			t_error(t, "CPU %u did not come back online", cpu);
		t->hotplug_cycles++;
		msleep(20);
	}
	return 0;
}

/* Stop every context at its next step and wait until they all have. */
static void t_quiesce(struct torture *t)
{
	WRITE_ONCE(t->pause, true);
	/* pause before the count; pairs with t_irq_enter(). */
	smp_mb();
	while (atomic_read(&t->parked) < t->nw || atomic_read(&t->irq_active))
		msleep(20);
	if (t->hotplug) {
		kthread_stop(t->hotplug);
		t->hotplug = NULL;
	}
}

static void t_resume(struct torture *t)
{
	WRITE_ONCE(t->pause, false);
	wake_up_all(&t->wq);
}

/* ---------------------------------------------------------------------- */
/* Setup and teardown                                                     */

static void t_ctx_init(struct torture *t, struct t_worker *w, struct t_ctx *c,
		       struct t_obj *slots, unsigned int n, gfp_t gfp, u32 seed)
{
	c->t = t;
	c->w = w;
	c->slots = slots;
	c->nslots = n;
	c->gfp = gfp | __GFP_NOWARN;
	prandom_seed_state(&c->rnd, seed);
}

/* A u64 from /proc/cmdline's "name=value", or @def. */
static u64 t_cmdline(const char *name, u64 def)
{
	struct file *f = filp_open("/proc/cmdline", O_RDONLY, 0);
	char *buf, *at;
	loff_t pos = 0;
	ssize_t n;
	u64 v = def;

	if (IS_ERR(f))
		return def;
	buf = kzalloc(4096, GFP_KERNEL);
	if (buf) {
		n = kernel_read(f, buf, 4095, &pos);
		at = n > 0 ? strstr(buf, name) : NULL;
		if (at && (at == buf || at[-1] == ' ') && at[strlen(name)] == '=') {
			at += strlen(name) + 1;
			at[strcspn(at, "\n ")] = '\0';
			if (kstrtoull(at, 10, &v))
				v = def;
		}
		kfree(buf);
	}
	filp_close(f, NULL);
	return v;
}

/*
 * The phases: each kind in turn, normal ones between, as many as the
 * operations or minutes take (a phase ends early if it runs long).
 */
static const char * const t_kinds[T_PLANNED] = {
	"normal", "faults", "hotplug", "cap", "faults+hotplug", "normal", "cap+hotplug", "normal"
};

static void t_plan(struct torture *t)
{
	unsigned int i;

	for (i = 0; i < T_MAX_PHASES; i++) {
		struct t_phase *p = &t->phases[i];
		const char *k = t_kinds[i % T_PLANNED];

		p->n = i;
		p->faults = strstr(k, "faults");
		p->hotplug = strstr(k, "hotplug") && num_online_cpus() >= 3;
		p->cap = strstr(k, "cap");
		snprintf(p->name, sizeof(p->name), "phase_%u_%s", i, k);
	}
	t->nphases = T_MAX_PHASES;
}

static void t_free_all(struct torture *t)
{
	struct t_obj o;
	int i, j;

	for (i = 0; i < t->ready; i++) {
		struct t_worker *w = &t->w[i];
		struct t_ctx *ctx[] = { &w->thr, &w->hard, &w->soft };
		unsigned int k;

		for (k = 0; k < ARRAY_SIZE(ctx); k++)
			for (j = 0; j < ctx[k]->nslots; j++)
				if (ctx[k]->slots[j].p)
					t_free(ctx[k], &ctx[k]->slots[j]);
		while (w->inq.tail != w->inq.head) {
			o = w->inq.ring[w->inq.tail++ % T_QUEUE];
			t_free(&w->thr, &o);
		}
		for (j = 0; j < T_GROUPS; j++)
			if (w->groups[j].full)
				t_group_free(w, &w->groups[j]);
		t_unhog(w);
	}
}

static void t_add(struct t_stats *to, const struct t_stats *from)
{
	to->ops += from->ops;
	to->allocs += from->allocs;
	to->frees += from->frees;
	to->remote_frees += from->remote_frees;
	to->reallocs += from->reallocs;
	to->fails += from->fails;
}

/* Sum every context's counters; all are stopped. */
static void t_sum(struct torture *t)
{
	int i;

	memset(&t->thread, 0, sizeof(t->thread));
	memset(&t->irq, 0, sizeof(t->irq));
	memset(&t->softirq, 0, sizeof(t->softirq));
	for (i = 0; i < t->nw; i++) {
		t_add(&t->thread, &t->w[i].thr.st);
		t_add(&t->irq, &t->w[i].hard.st);
		t_add(&t->softirq, &t->w[i].soft.st);
	}
	memset(&t->total, 0, sizeof(t->total));
	t_add(&t->total, &t->thread);
	t_add(&t->total, &t->irq);
	t_add(&t->total, &t->softirq);
}

static void t_stop(struct torture *t)
{
	int i;

	WRITE_ONCE(t->stop, true);
	for (i = 0; i < t->ready; i++) {
		struct t_worker *w = &t->w[i];

		hrtimer_cancel(&w->hrtimer);
		del_timer_sync(&w->timer);
		irq_work_sync(&w->iw);
		if (w->task)
			kthread_stop(w->task);
		w->task = NULL;
	}
}

/* Kept empty spans taken back from the size classes' mcentrals so far. */
static unsigned long t_reused(void)
{
	unsigned long n = 0, flags;
	unsigned int i;

	for (i = 1; i < GA_NUM_SPAN_CLASSES; i++) {
		spin_lock_irqsave(&ga.central[i].lock, flags);
		n += ga.central[i].empty_reused;
		spin_unlock_irqrestore(&ga.central[i].lock, flags);
	}
	return n;
}

static void t_destroy(struct torture *t)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t->caches); i++)
		goalloc_cache_destroy(t->caches[i]);
	for (i = 0; i < t->ready; i++)
		kvfree(t->w[i].thr.slots);
	kvfree(t->w);
	WRITE_ONCE(ga.trim_period, t->trim_period0);
	if (!t->trim_period0)
		cancel_delayed_work_sync(&ga.trim_work);
	kfree(t);
}

static int torture_suite_init(struct kunit_suite *suite)
{
	struct torture *t = kzalloc(sizeof(*t), GFP_KERNEL);
	unsigned int i;
	int cpu, n = 0;

	if (!t)
		return -ENOMEM;
	spin_lock_init(&t->err_lock);
	init_waitqueue_head(&t->wq);
	t->trim_period0 = READ_ONCE(ga.trim_period);
	t->reused0 = t_reused();
	t->pause = true;
	t->target_ops = t_cmdline("ga_torture_ops", 2000000);
	t->minutes = t_cmdline("ga_torture_minutes", 0);
	t_plan(t);
	t->w = kvcalloc(num_online_cpus(), sizeof(*t->w), GFP_KERNEL);
	if (!t->w)
		goto fail;
	for (i = 0; i < ARRAY_SIZE(t_cache_defs); i++) {
		t->caches[i] = goalloc_cache_create(t_cache_defs[i].name, t_cache_defs[i].size, 0,
						    i % 2 ? SLAB_HWCACHE_ALIGN : 0,
						    t_cache_defs[i].ctor ? t_ctor : NULL);
		if (!t->caches[i])
			goto fail;
	}
	/* Empty spans trimmed and idle heaps drained all along the run. */
	WRITE_ONCE(ga.trim_period, T_TRIM_PERIOD);
	ga_trim_arm();
	/* The heap as it was: the end of the run wants it back so. */
	if (ga_drain_all())
		goto fail;
	ga_test_heap_settle();
	t->mapped0 = ga.heap.mapped_bytes;
	t->pages0 = ga_test_pages_inuse();
	for_each_online_cpu(cpu) {
		struct t_worker *w = &t->w[n];
		struct t_obj *slots;

		slots = kvcalloc(T_SLOTS + 2 * T_IRQ_SLOTS, sizeof(*slots), GFP_KERNEL);
		if (!slots)
			goto fail;
		w->t = t;
		w->home = cpu;
		spin_lock_init(&w->hard_lock);
		spin_lock_init(&w->soft_lock);
		spin_lock_init(&w->inq.lock);
		t_ctx_init(t, w, &w->thr, slots, T_SLOTS, GFP_KERNEL, 0x1000 + n);
		t_ctx_init(t, w, &w->hard, slots + T_SLOTS, T_IRQ_SLOTS, GFP_ATOMIC, 0x2000 + n);
		t_ctx_init(t, w, &w->soft, slots + T_SLOTS + T_IRQ_SLOTS, T_IRQ_SLOTS,
			   GFP_ATOMIC, 0x3000 + n);
		hrtimer_init(&w->hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
		w->hrtimer.function = t_hrtimer;
		init_irq_work(&w->iw, t_irq_work);
		timer_setup(&w->timer, t_timer, 0);
		t->ready = ++n;
	}
	for (n = 0; n < t->ready; n++) {
		struct task_struct *task = kthread_create(t_worker_fn, &t->w[n], "ga_torture/%d",
							  t->w[n].home);

		if (IS_ERR(task))
			goto fail;
		t->w[n].task = task;
		t->nw = n + 1;
		wake_up_process(task);
	}
	t->start = jiffies;
	torture = t;
	return 0;

fail:
	t_stop(t);
	t_free_all(t);
	t_destroy(t);
	return -ENOMEM;
}

static void torture_suite_exit(struct kunit_suite *suite)
{
	struct torture *t = torture;

	if (!t)
		return;
	if (!t->ended) {
		t_quiesce(t);
		t_stop(t);
		t_free_all(t);
	}
	t_destroy(t);
	torture = NULL;
}

/* The next phase, while the run's operations or minutes last. */
static const void *torture_phase_gen(const void *prev, char *desc)
{
	struct torture *t = torture;
	const struct t_phase *p = prev;
	unsigned int next = p ? p->n + 1 : 0;

	if (!t || next >= t->nphases)
		return NULL;
	if (t->minutes ? time_after(jiffies, t->start + t->minutes * 60 * HZ) :
			 atomic64_read(&t->ops) >= t->target_ops)
		return NULL;
	strscpy(desc, t->phases[next].name, KUNIT_PARAM_DESC_SIZE);
	return &t->phases[next];
}

/* The phase's end: its share of the operations, or its time. */
static bool t_phase_done(struct torture *t, u64 ops0, unsigned long start)
{
	if (t->minutes)
		return time_after(jiffies, start + msecs_to_jiffies(T_PHASE_MS));
	return atomic64_read(&t->ops) - ops0 >= div_u64(t->target_ops, T_PLANNED) ||
	       time_after(jiffies, start + msecs_to_jiffies(T_PHASE_MS));
}

/* Failures injected at random: region growth and span metadata. */
static void t_faults(bool on)
{
#ifdef CONFIG_FAULT_INJECTION
	struct fault_attr *attrs[] = { &ga_fail_grow, &ga_fail_meta };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		attrs[i]->verbose = 0;
		attrs[i]->interval = 1;
		attrs[i]->probability = on ? 20 : 0;
		atomic_set(&attrs[i]->times, on ? -1 : 0);
	}
#endif
}

/* After a phase that made allocations fail: every kind works again. */
static void t_recovers(struct kunit *test, struct torture *t)
{
	void *p[4];
	unsigned int i;

	p[0] = goalloc_kmalloc(300, GFP_KERNEL);
	p[1] = goalloc_kmalloc_tiny(5, GFP_KERNEL);
	p[2] = goalloc_kmalloc(3 * SZ_1M, GFP_KERNEL);
	p[3] = goalloc_cache_alloc(t->caches[2], GFP_KERNEL);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		KUNIT_EXPECT_NOT_NULL_MSG(test, p[i], "allocation %u after the phase", i);
	goalloc_kfree(p[0]);
	goalloc_kfree(p[1]);
	goalloc_kfree(p[2]);
	goalloc_cache_free(t->caches[2], p[3]);
}

static void torture_phase(struct kunit *test)
{
	const struct t_phase *p = test->param_value;
	struct torture *t = torture;
	unsigned long start = jiffies, errors0;
	u64 ops0, fails0;

	KUNIT_ASSERT_NOT_NULL(test, t);
	errors0 = t->errors;
	ops0 = atomic64_read(&t->ops);
	fails0 = t->total.fails;
	WRITE_ONCE(t->faults, p->faults);
	WRITE_ONCE(t->cap, p->cap);
	if (p->faults)
		t_faults(true);
	if (p->hotplug) {
		t->hotplug = kthread_run(t_hotplug_fn, t, "ga_torture_hp");
		KUNIT_EXPECT_FALSE(test, IS_ERR(t->hotplug));
		if (IS_ERR(t->hotplug))
			t->hotplug = NULL;
	}
	t_resume(t);
	while (!t_phase_done(t, ops0, start))
		msleep(50);
	t_quiesce(t);
	t_faults(false);
	WRITE_ONCE(t->faults, false);
	WRITE_ONCE(t->cap, false);
	ga_test_verify(test);
	if (p->faults || p->cap)
		t_recovers(test, t);
	t_sum(t);
	kunit_info(test, "note: %s: %llu operations in %u ms, %llu allocations failed as allowed",
		   p->name, atomic64_read(&t->ops) - ops0, jiffies_to_msecs(jiffies - start),
		   t->total.fails - fails0);
	KUNIT_EXPECT_EQ_MSG(test, t->errors, errors0, "first error: %s", t->err);
}

static void torture_end(struct kunit *test)
{
	struct torture *t = torture;
	struct ga_heap_stats st;
	unsigned long mapped, free_pages, largest;
	u64 frees;

	KUNIT_ASSERT_NOT_NULL(test, t);
	t_quiesce(t);
	t_stop(t);
	t_free_all(t);
	t->ended = true;
	t_sum(t);
	frees = t->total.frees;
	kunit_info(test, "note: %llu operations on %d CPUs: %llu allocations, %llu frees (%llu remote, %llu in interrupts), %llu reallocs, %llu hard-irq and %llu softirq operations, %lu CPU offline/online cycles, %llu allocations failed as allowed, %lu errors",
		   t->total.ops, t->nw, t->total.allocs, frees, t->total.remote_frees,
		   t->irq.frees + t->softirq.frees, t->total.reallocs, t->irq.ops,
		   t->softirq.ops, t->hotplug_cycles, t->total.fails, t->errors);
	KUNIT_EXPECT_EQ_MSG(test, t->errors, 0UL, "first error: %s", t->err);
	KUNIT_EXPECT_EQ(test, t->total.allocs, frees);
	KUNIT_EXPECT_GE_MSG(test, t->total.remote_frees * 3, frees, "a third of frees remote");
	KUNIT_EXPECT_GT(test, t->irq.frees, 0ULL);
	KUNIT_EXPECT_GT(test, t->softirq.frees, 0ULL);
	if (!t->minutes)
		KUNIT_EXPECT_GE(test, t->total.ops, t->target_ops);

	/* Kept empty spans were taken back, and the trim work ran. */
	kunit_info(test, "note: %lu kept empty spans taken back, %lu idle drains since load",
		   t_reused() - t->reused0, stats_value(test, "idle_drains"));
	KUNIT_EXPECT_GT(test, t_reused(), t->reused0);

	/* Everything back: the caches empty, the heap as at the start. */
	KUNIT_EXPECT_EQ(test, stats_value(test, "cache_leaks"), 0UL);
	KUNIT_ASSERT_EQ(test, ga_drain_all(), 0);
	ga_test_heap_settle();
	ga_test_verify(test);
	ga_heap_read_stats(&ga.heap, &st, &mapped, &free_pages, &largest);
	KUNIT_EXPECT_EQ(test, st.pages_inuse, t->pages0);
	KUNIT_EXPECT_EQ(test, mapped, t->mapped0);
	KUNIT_EXPECT_EQ(test, mapped, ga.heap.arena_bytes);
}

static struct kunit_case torture_cases[] = {
	KUNIT_CASE_PARAM(torture_phase, torture_phase_gen),
	KUNIT_CASE(torture_end),
	{}
};

static struct kunit_suite torture_suite = {
	.name = "goalloc_torture",
	.suite_init = torture_suite_init,
	.suite_exit = torture_suite_exit,
	.test_cases = torture_cases,
};

kunit_test_suites(&torture_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("goalloc under torture: every CPU, every context, every entry point");
