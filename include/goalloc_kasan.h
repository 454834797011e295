/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goalloc's KASAN hooks: what of the heap a client may touch.
 *
 * On a kernel with generic KASAN (the shadow: one byte per 8-byte granule,
 * 0 = all 8 bytes valid, 1..7 = that many leading bytes valid, anything
 * else = none) goalloc keeps the shadow of its heap as SLUB keeps its
 * slabs':
 *
 *  - heap pages no span uses: GA_KASAN_PAGE_FREE;
 *  - a span the heap hands out: valid as a whole (goalloc_heap.c);
 *  - a small span's free objects: GA_KASAN_FREE, its tail past the last
 *    object: GA_KASAN_REDZONE (goalloc_central.c, once constructed);
 *  - an allocated object: valid for exactly the bytes asked for (the last
 *    granule byte-exact), GA_KASAN_REDZONE from there to its usable size;
 *    goalloc_ksize() makes the whole usable size valid, as ksize() does;
 *  - a tiny block: valid from its start to the end of the granule that
 *    holds the end of the last object packed into it, GA_KASAN_REDZONE
 *    after that; all GA_KASAN_FREE once its last object is freed. So a
 *    freed tiny object whose block still holds others stays valid, as do
 *    the padding bytes between objects and the bytes after a tiny object
 *    up to the end of its last granule.
 *
 * The values are the kernel's own (mm/kasan/kasan.h), so that a report
 * names the bug as it would for a slab: "use-after-free" or
 * "slab-out-of-bounds". goalloc itself reads and writes free memory only
 * to wipe an object it frees, which it first makes valid again.
 *
 * A tiny block's granules are whole: the shadow byte of a granule that
 * holds part of a live object never changes. It could not say "the first
 * n bytes" of a granule that two objects share; and KASAN's check of an
 * access that ends inside a granule reads that granule's shadow twice
 * (mm/kasan/generic.c, memory_is_poisoned_n()), so widening n to 8 under
 * the access of the object already there (an interrupt packing on its
 * CPU, or the block's CPU packing while the owner reads on another) made
 * KASAN report a valid access. Every other shadow change is made by the
 * only owner of the bytes: the allocating caller before it returns the
 * object, the freeing caller before the free is published, the heap
 * under its lock or before handing a span out. The exception is a
 * type-safe cache's object, which RCU readers may read while it is
 * freed and handed out again: its shadow stays valid when it is freed,
 * and its allocation rewrites no granule that already holds its value
 * (ga_kasan_set_size()), unless __GFP_ZERO wipes it, when its last
 * partial granule is briefly all valid, as under SLUB's kasan_unpoison().
 *
 * Without CONFIG_KASAN_GENERIC every hook compiles to nothing.
 */
#ifndef _GOALLOC_KASAN_H
#define _GOALLOC_KASAN_H

#include <linux/kasan.h>
#include <linux/kasan-checks.h>
#include <linux/types.h>

#ifdef CONFIG_KASAN_GENERIC

#define GA_KASAN_GRANULE	8UL
#define GA_KASAN_PAGE_FREE	0xFF	/* KASAN_PAGE_FREE */
#define GA_KASAN_REDZONE	0xFC	/* KASAN_SLAB_REDZONE */
#define GA_KASAN_FREE		0xFB	/* KASAN_SLAB_FREE */

/* Exported by mm/kasan/shadow.c; declared only in mm/kasan/kasan.h. */
void kasan_poison(const void *addr, size_t size, u8 value, bool init);

static inline u8 *ga_kasan_shadow(const void *p)
{
	return kasan_mem_to_shadow(p);
}

/* Mark @n bytes at granule-aligned @p (whole granules) with @value. */
static inline void ga_kasan_poison(const void *p, size_t n, u8 value)
{
	kasan_poison(p, round_up(n, GA_KASAN_GRANULE), value, false);
}

/*
 * Object @p of @usable bytes is valid for its first @size: byte-exact in
 * the last granule, a redzone to @usable. A granule of the object that
 * already holds its value is not rewritten through another: a type-safe
 * cache's reused object may be under an RCU reader's access.
 */
static inline void ga_kasan_set_size(const void *p, size_t size, size_t usable)
{
	size_t valid = round_down(size, GA_KASAN_GRANULE);
	size_t end = round_up(size, GA_KASAN_GRANULE);

	kasan_poison(p, valid, 0, false);
	if (size % GA_KASAN_GRANULE)
		WRITE_ONCE(*ga_kasan_shadow(p + valid), size % GA_KASAN_GRANULE);
	if (round_up(usable, GA_KASAN_GRANULE) > end)
		kasan_poison(p + end, round_up(usable, GA_KASAN_GRANULE) - end,
			     GA_KASAN_REDZONE, false);
}

/* Make all @usable bytes of object @p valid (ksize(), a wipe). */
static inline void ga_kasan_unpoison(const void *p, size_t usable)
{
	ga_kasan_poison(p, usable, 0);
}

/* Was object @p freed (or never handed out)? Its first granule says. */
static inline bool ga_kasan_is_free(const void *p)
{
	return *ga_kasan_shadow(p) == GA_KASAN_FREE;
}

/*
 * Tiny block @block holds objects up to byte @end (1..16): make every
 * granule below @end valid as a whole. A granule is written once, while
 * none of its bytes belongs to a live object, and never again until the
 * block is free: see "A tiny block" above.
 */
static inline void ga_kasan_tiny_extend(unsigned long block, unsigned int end)
{
	u8 *sh = ga_kasan_shadow((void *)block);
	unsigned int g;

	for (g = 0; g * GA_KASAN_GRANULE < end; g++)
		if (READ_ONCE(sh[g]))
			WRITE_ONCE(sh[g], 0);
}

/* Report (as KASAN does) and return false if @p is not valid memory. */
static inline bool ga_kasan_check_live(const void *p)
{
	return kasan_check_read(p, 1);
}

#else /* !CONFIG_KASAN_GENERIC */

#define GA_KASAN_PAGE_FREE	0
#define GA_KASAN_REDZONE	0
#define GA_KASAN_FREE		0

static inline void ga_kasan_poison(const void *p, size_t n, u8 value) { }
static inline void ga_kasan_set_size(const void *p, size_t size, size_t usable) { }
static inline void ga_kasan_unpoison(const void *p, size_t usable) { }
static inline bool ga_kasan_is_free(const void *p) { return false; }
static inline void ga_kasan_tiny_extend(unsigned long block, unsigned int end) { }
static inline bool ga_kasan_check_live(const void *p) { return true; }

#endif /* CONFIG_KASAN_GENERIC */

#endif /* _GOALLOC_KASAN_H */
