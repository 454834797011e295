/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What goalloc needs from kernels 6.1 to 6.13+ that differs by version.
 * An out-of-tree module builds against several kernels, so this header
 * (and only this one) tests LINUX_VERSION_CODE.
 */
#ifndef _GOALLOC_COMPAT_H
#define _GOALLOC_COMPAT_H

#include <linux/export.h>
#include <linux/kconfig.h>
#include <linux/version.h>

/*
 * Symbol namespaces: GOALLOC for the public API, and the kernel's
 * EXPORTED_FOR_KUNIT_TESTING for internals the KUnit modules reach, as
 * Go's export_test.go does. 6.13 made the namespace a string literal;
 * use these with EXPORT_SYMBOL_NS_GPL() and MODULE_IMPORT_NS().
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define GOALLOC_NS		"GOALLOC"
#define GOALLOC_KUNIT_NS	"EXPORTED_FOR_KUNIT_TESTING"
#else
#define GOALLOC_NS		GOALLOC
#define GOALLOC_KUNIT_NS	EXPORTED_FOR_KUNIT_TESTING
#endif

/* EXPORT_SYMBOL_IF_KUNIT() arrived in 6.2 (<kunit/visibility.h>). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#include <kunit/visibility.h>
#elif IS_ENABLED(CONFIG_KUNIT)
#define EXPORT_SYMBOL_IF_KUNIT(sym)	EXPORT_SYMBOL_NS_GPL(sym, GOALLOC_KUNIT_NS)
#else
#define EXPORT_SYMBOL_IF_KUNIT(sym)
#endif

/*
 * The largest order the page allocator hands out: MAX_ORDER - 1 until
 * 6.4 made MAX_ORDER inclusive; 6.8 renamed it MAX_PAGE_ORDER.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define GA_MAX_PAGE_ORDER	MAX_PAGE_ORDER
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
#define GA_MAX_PAGE_ORDER	MAX_ORDER
#else
#define GA_MAX_PAGE_ORDER	(MAX_ORDER - 1)
#endif

/*
 * For the tests: 6.7 replaced register_shrinker() with shrinker_alloc()
 * and shrinker_register(); 6.8 made list_lru_add() take a node and memcg
 * and left the old form as list_lru_add_obj().
 */
#define GA_HAVE_SHRINKER_ALLOC	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0))
#define GA_HAVE_LIST_LRU_ADD_OBJ (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0))

/* kvrealloc() took the old size until 6.12 aligned it with krealloc(). */
#define GA_HAVE_KVREALLOC_OLDSIZE (LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0))

/*
 * The kernel's kfree_rcu() of an object @obj whose rcu_head @head lies
 * @off bytes in (@head NULL: headless, then @off is @obj): 6.3 gave
 * kvfree_call_rcu() the object's address where 6.1 took the offset.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define ga_kvfree_call_rcu(head, obj, off)	kvfree_call_rcu(head, (void *)(obj))
#else
#define ga_kvfree_call_rcu(head, obj, off)	\
	kvfree_call_rcu(head, (rcu_callback_t)(unsigned long)(off))
#endif

#endif /* _GOALLOC_COMPAT_H */
