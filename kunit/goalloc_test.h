/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers the KUnit modules of goalloc share: views of the global
 * allocator's state through its EXPORT_SYMBOL_IF_KUNIT() exports.
 */
#ifndef _GOALLOC_TEST_H
#define _GOALLOC_TEST_H

#include "goalloc_internal.h"

/* Heap pages held by spans of the global allocator. */
static inline unsigned long ga_test_pages_inuse(void)
{
	unsigned long mapped, free_pages, largest;
	struct ga_heap_stats st;

	ga_heap_read_stats(&ga.heap, &st, &mapped, &free_pages, &largest);
	return st.pages_inuse;
}

#endif /* _GOALLOC_TEST_H */
