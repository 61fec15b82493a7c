/* kv.h: ordered multimaps of strings (query, form and cookie fields). */
#ifndef PORTAL_KV_H
#define PORTAL_KV_H

#include <stddef.h>

#include "arena.h"

/*
 * Keys and values are NUL-terminated, valid UTF-8 without NUL (the parser
 * refuses anything else).  Order of arrival is kept and repeated keys are kept,
 * so a checkbox group arrives as several entries with one key.
 */
struct kv {
	const char *key;
	const char *val;
};
struct kvmap {
	struct kv *items;
	size_t n, cap;
};

void kv_add(struct kvmap *m, struct arena *a, const char *key, const char *val);
/* First value for key, or NULL. */
const char *kv_get(const struct kvmap *m, const char *key);
/* First value for key, or "" when absent. */
const char *kv_str(const struct kvmap *m, const char *key);
/* Number of entries with this key. */
size_t kv_count(const struct kvmap *m, const char *key);
/* 1 when some entry of key has value val. */
int kv_has(const struct kvmap *m, const char *key, const char *val);

#endif
