// SPDX-License-Identifier: GPL-2.0
/*
 * The central span lists, after Go's mcentral.
 *
 * One mcentral per span class keeps the spans of that class that no CPU
 * caches: those with free objects and those without. Each has its own
 * lock, so classes never contend with each other.
 *
 * Concurrency contract: every list and counter of an mcentral is
 * protected by its lock, taken with interrupts disabled.
 *
 * Lock order: mcentral->lock -> heap->lock.
 */

#include <linux/list.h>
#include <linux/spinlock.h>

#include "goalloc_internal.h"

/**
 * ga_mcentral_init() - Set up the mcentral of one span class.
 * @c: the mcentral
 * @spanclass: its span class
 */
void ga_mcentral_init(struct ga_mcentral *c, u8 spanclass)
{
	spin_lock_init(&c->lock);
	c->spanclass = spanclass;
	INIT_LIST_HEAD(&c->partial);
	INIT_LIST_HEAD(&c->full);
	c->nr_partial = 0;
	c->nr_full = 0;
}
