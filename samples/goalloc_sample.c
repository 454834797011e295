// SPDX-License-Identifier: GPL-2.0
/*
 * A module that keeps its data in goalloc: a hash table of variable-length
 * records, an LRU list of fixed-size nodes from a goalloc_cache, and a
 * tiny tag per record.
 *
 * At load it inserts @records records, then runs @churn random operations
 * (lookups that check a record's contents, updates that resize a record
 * with goalloc_krealloc(), deletions and reinsertions), and keeps what is
 * left until it is unloaded; unload checks and frees everything. It is
 * what `make run` loads to show goalloc's statistics with real objects in
 * them.
 *
 * Concurrency contract: init and exit only; nothing runs in between.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "goalloc.h"

MODULE_IMPORT_NS(GOALLOC_NS);

static unsigned int records = 4096;
module_param(records, uint, 0444);
MODULE_PARM_DESC(records, "Records to insert at load (default 4096)");

static unsigned int churn = 20000;
module_param(churn, uint, 0444);
MODULE_PARM_DESC(churn, "Random operations after the inserts (default 20000)");

struct sample_node;

/* A record: a key and up to 2000 bytes of data derived from it. */
struct sample_record {
	struct hlist_node hash;
	struct sample_node *node;
	char *tag;		/* tiny: "k" and the key in hex, up to 15 bytes */
	u32 key;
	u32 len;
	u8 data[];
};

/* The record's place in the LRU list, from the sample_lru cache. */
struct sample_node {
	struct list_head lru;
	struct sample_record *rec;
	u64 touched;
};

static DEFINE_HASHTABLE(table, 10);
static LIST_HEAD(lru);
static struct goalloc_cache *node_cache;
static struct rnd_state rnd;
static u64 clock;
static unsigned int nrecords, bad;

static void node_ctor(void *obj)
{
	struct sample_node *n = obj;

	INIT_LIST_HEAD(&n->lru);
	n->rec = NULL;
	n->touched = 0;
}

static u8 byte_of(u32 key, u32 i)
{
	return (u8)(key * 131 + i * 7);
}

static void fill(struct sample_record *r)
{
	u32 i;

	for (i = 0; i < r->len; i++)
		r->data[i] = byte_of(r->key, i);
}

static bool intact(struct sample_record *r)
{
	char tag[16];
	u32 i;

	for (i = 0; i < r->len; i++)
		if (r->data[i] != byte_of(r->key, i))
			return false;
	snprintf(tag, sizeof(tag), "k%x", r->key);
	return !strcmp(tag, r->tag) && r->node->rec == r;
}

static struct sample_record *lookup(u32 key)
{
	struct sample_record *r;

	hash_for_each_possible(table, r, hash, key)
		if (r->key == key)
			return r;
	return NULL;
}

static u32 random_len(void)
{
	return 16 + prandom_u32_state(&rnd) % 1985;
}

static int insert(u32 key)
{
	u32 len = random_len();
	struct sample_record *r;
	char tag[16];
	int n;

	r = goalloc_kmalloc(struct_size(r, data, len), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	n = snprintf(tag, sizeof(tag), "k%x", key) + 1;
	r->tag = goalloc_kmalloc_tiny(n, GFP_KERNEL);
	r->node = goalloc_cache_alloc(node_cache, GFP_KERNEL);
	if (!r->tag || !r->node) {
		goalloc_kfree(r->tag);
		goalloc_cache_free(node_cache, r->node);
		goalloc_kfree(r);
		return -ENOMEM;
	}
	memcpy(r->tag, tag, n);
	r->key = key;
	r->len = len;
	fill(r);
	r->node->rec = r;
	r->node->touched = ++clock;
	list_add(&r->node->lru, &lru);
	hash_add(table, &r->hash, key);
	nrecords++;
	return 0;
}

static void delete(struct sample_record *r)
{
	if (!intact(r))
		bad++;
	hash_del(&r->hash);
	list_del_init(&r->node->lru);
	goalloc_cache_free(node_cache, r->node);
	goalloc_kfree(r->tag);
	goalloc_kfree_sensitive(r);
	nrecords--;
}

/* Give a record a new length, keeping its contents, as a user would. */
static int resize(struct sample_record *r)
{
	u32 len = random_len();
	struct sample_record *n;

	if (!intact(r))
		bad++;
	hash_del(&r->hash);
	n = goalloc_krealloc(r, struct_size(r, data, len), GFP_KERNEL);
	if (!n) {
		hash_add(table, &r->hash, r->key);
		return -ENOMEM;
	}
	n->len = len;
	fill(n);
	n->node->rec = n;
	hash_add(table, &n->hash, n->key);
	return 0;
}

static int touch(struct sample_record *r)
{
	if (!intact(r))
		bad++;
	r->node->touched = ++clock;
	list_move(&r->node->lru, &lru);
	return 0;
}

static int sample_churn(void)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < churn && !ret; i++) {
		u32 key = prandom_u32_state(&rnd) % (2 * records);
		struct sample_record *r = lookup(key);
		unsigned int op = prandom_u32_state(&rnd) % 4;

		if (!r)
			ret = insert(key);
		else if (op == 0)
			delete(r);
		else if (op == 1)
			ret = resize(r);
		else
			ret = touch(r);
		if (i % 1024 == 0)
			cond_resched();
	}
	return ret;
}

static void sample_free_all(void)
{
	struct sample_node *n, *next;

	list_for_each_entry_safe(n, next, &lru, lru)
		delete(n->rec);
}

static int __init sample_init(void)
{
	unsigned int i;
	int ret = 0;

	prandom_seed_state(&rnd, 0x9041);
	node_cache = goalloc_cache_create("sample_lru", sizeof(struct sample_node), 0,
					  SLAB_HWCACHE_ALIGN, node_ctor);
	if (!node_cache)
		return -ENOMEM;
	for (i = 0; i < records && !ret; i++)
		ret = insert(i);
	if (!ret)
		ret = sample_churn();
	if (ret || bad) {
		pr_err("failed: %d, %u damaged records\n", ret, bad);
		sample_free_all();
		goalloc_cache_destroy(node_cache);
		return ret ?: -EIO;
	}
	pr_info("holding %u records, %u LRU nodes and %u tags after %u operations\n",
		nrecords, nrecords, nrecords, churn);
	return 0;
}

static void __exit sample_exit(void)
{
	unsigned int n = nrecords;

	sample_free_all();
	goalloc_cache_destroy(node_cache);
	if (bad)
		pr_err("%u damaged records found at unload\n", bad);
	else
		pr_info("freed %u records, all intact\n", n);
}

module_init(sample_init);
module_exit(sample_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("goalloc sample: a hash table and an LRU list in goalloc");
