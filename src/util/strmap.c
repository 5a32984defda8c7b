/* src/util/strmap.c - bounded hash table from byte-string keys to pointers */
#include "util/strmap.h"
#include "util/xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct strmap_slot {
	char	*key;		/* NULL: empty slot */
	size_t	 len;
	uint64_t hash;
	void	*val;
};

/* strmap_hash - FNV-1a, 64 bits */
uint64_t
strmap_hash(const char *key, size_t len)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ull;
	}
	return h;
}

void
strmap_init(struct strmap *m, size_t max)
{
	memset(m, 0, sizeof(*m));
	m->max = max;
}

void
strmap_free(struct strmap *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slot[i].key == NULL)
			continue;
		free(m->slot[i].key);
		if (free_val)
			free_val(m->slot[i].val);
	}
	free(m->slot);
	strmap_init(m, m->max);
}

/* find - the slot holding key, or the empty slot where it would go (cap > 0) */
static struct strmap_slot *
find(const struct strmap *m, const char *key, size_t len, uint64_t h)
{
	size_t mask = m->cap - 1, i = (size_t)h & mask;

	for (;;) {
		struct strmap_slot *s = &m->slot[i];

		if (s->key == NULL ||
		    (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
		i = (i + 1) & mask;
	}
}

void *
strmap_get(const struct strmap *m, const char *key, size_t len)
{
	if (m->n == 0)
		return NULL;
	return find(m, key, len, strmap_hash(key, len))->val;
}

/* grow - double the slots (the first time: 16) and re-place every key */
static void
grow(struct strmap *m)
{
	struct strmap_slot *old = m->slot;
	size_t oldcap = m->cap;

	m->cap = oldcap ? oldcap * 2 : 16;
	m->slot = xcalloc(m->cap, sizeof(*m->slot));
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].key)
			*find(m, old[i].key, old[i].len, old[i].hash) = old[i];
	free(old);
}

enum ms_status
strmap_put(struct strmap *m, const char *key, size_t len, void *val)
{
	uint64_t h = strmap_hash(key, len);
	struct strmap_slot *s;

	if (val == NULL)
		return MS_ERR_ARG;
	if (m->n > 0) {
		s = find(m, key, len, h);
		if (s->key) {
			s->val = val;
			return MS_OK;
		}
	}
	if (m->n >= m->max)
		return MS_ERR_LIMIT;
	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	s = find(m, key, len, h);
	s->key = xmemdup(key, len);
	s->len = len;
	s->hash = h;
	s->val = val;
	m->n++;
	return MS_OK;
}
