/* kv.c: ordered multimaps of strings. */
#include "kv.h"

#include <string.h>

void kv_add(struct kvmap *m, struct arena *a, const char *key, const char *val)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct kv *items = arena_alloc(a, cap * sizeof(*items));
		if (m->n)
			memcpy(items, m->items, m->n * sizeof(*items));
		m->items = items;
		m->cap = cap;
	}
	m->items[m->n].key = key;
	m->items[m->n].val = val;
	m->n++;
}

const char *kv_get(const struct kvmap *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->items[i].key, key) == 0)
			return m->items[i].val;
	return NULL;
}

const char *kv_str(const struct kvmap *m, const char *key)
{
	const char *v = kv_get(m, key);
	return v ? v : "";
}

size_t kv_count(const struct kvmap *m, const char *key)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->items[i].key, key) == 0)
			n++;
	return n;
}

int kv_has(const struct kvmap *m, const char *key, const char *val)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->items[i].key, key) == 0 && strcmp(m->items[i].val, val) == 0)
			return 1;
	return 0;
}
