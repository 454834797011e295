// SPDX-License-Identifier: GPL-2.0
/*
 * The per-CPU caches, after Go's mcache.
 *
 * Each CPU (Go's P) owns an mcache holding one span per span class and
 * the current tiny block. A new mcache points every class at
 * ga_emptyspan, a span with no objects, so the first allocation of a
 * class takes the refill path instead of testing for NULL.
 *
 * Concurrency contract: an mcache is touched only by its own CPU.
 */

#include <linux/module.h>
#include <linux/percpu.h>

#include "goalloc_internal.h"

/* Go's emptymspan: never allocated from, never freed. */
struct ga_span ga_emptyspan = {
	.list = LIST_HEAD_INIT(ga_emptyspan.list),
	.state = GA_SPAN_DEAD,
};
EXPORT_SYMBOL_IF_KUNIT(ga_emptyspan);

/**
 * ga_mcache_init() - Set up an empty per-CPU cache (Go's allocmcache).
 * @c: the cache
 */
void ga_mcache_init(struct ga_mcache *c)
{
	unsigned int i;

	for (i = 0; i < GA_NUM_SPAN_CLASSES; i++)
		c->alloc[i] = &ga_emptyspan;
	c->tiny = 0;
	c->tinyoffset = 0;
}
