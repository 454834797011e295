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

#endif /* _GOALLOC_COMPAT_H */
