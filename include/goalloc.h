/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goalloc: the Go runtime's memory allocator for kernel code.
 *
 * Link against goalloc's exports with MODULE_IMPORT_NS(GOALLOC_NS).
 * Every function may be called from any context kmalloc() allows with
 * GFP_ATOMIC (process, softirq, hardirq), except NMI; only gfp flags that
 * allow blocking may sleep, to grow the heap.
 */
#ifndef _GOALLOC_H
#define _GOALLOC_H

#include <linux/gfp.h>
#include <linux/types.h>

#include "goalloc_compat.h"

void *goalloc_kmalloc(size_t size, gfp_t gfp);
void *goalloc_kmalloc_tiny(size_t size, gfp_t gfp);
void goalloc_kfree(const void *p);

#endif /* _GOALLOC_H */
