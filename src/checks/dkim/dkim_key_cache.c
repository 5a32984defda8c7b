/* src/checks/dkim/dkim_key_cache.c - a session's parsed DKIM key records, keyed by their bytes */
#include "checks/dkim/dkim_key_cache.h"
#include "util/strmap.h"
#include "util/xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct dkim_key_cache_entry {
	uint64_t	 hash;		/* of the record's bytes */
	size_t		 len;
	char		*text;		/* the record, owned */
	struct dkim_key	 key;		/* what dkim_key_parse made of it */
};

struct dkim_key_cache {
	struct dkim_key_cache_entry *e[DKIM_KEY_CACHE_SLOTS];	/* owned; NULL: unused */
	size_t		 next;		/* the slot replaced next */
	size_t		 hits;
};

struct dkim_key_cache *
dkim_key_cache_new(void)
{
	return xcalloc(1, sizeof(struct dkim_key_cache));
}

void
dkim_key_cache_free(struct dkim_key_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < DKIM_KEY_CACHE_SLOTS; i++) {
		if (c->e[i])
			free(c->e[i]->text);
		free(c->e[i]);
	}
	free(c);
}

enum ms_status
dkim_key_parse_cached(struct dkim_key_cache *c, const char *t, size_t len, struct dkim_key *out)
{
	struct dkim_key_cache_entry *e;
	enum ms_status st;
	uint64_t h;

	/* A record too long to parse is rejected at once: nothing to keep. */
	if (c == NULL || t == NULL || out == NULL || len > DKIM_RECORD_MAX)
		return dkim_key_parse(t, len, out);
	h = strmap_hash(t, len);
	for (size_t i = 0; i < DKIM_KEY_CACHE_SLOTS && c->e[i]; i++) {
		e = c->e[i];
		if (e->hash == h && e->len == len && memcmp(e->text, t, len) == 0) {
			*out = e->key;
			c->hits++;
			return MS_OK;
		}
	}
	if ((st = dkim_key_parse(t, len, out)) != MS_OK)
		return st;
	if ((e = c->e[c->next]) == NULL)
		e = c->e[c->next] = xcalloc(1, sizeof(*e));
	else
		free(e->text);
	e->hash = h;
	e->len = len;
	e->text = xmalloc(len + 1);
	memcpy(e->text, t, len);
	e->text[len] = '\0';
	e->key = *out;
	c->next = (c->next + 1) % DKIM_KEY_CACHE_SLOTS;
	return MS_OK;
}

size_t
dkim_key_cache_hits(const struct dkim_key_cache *c)
{
	return c ? c->hits : 0;
}
