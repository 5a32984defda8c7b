/* src/checks/dkim/dkim_key_cache.h - a session's parsed DKIM key records, keyed by their bytes */
#ifndef MS_CHECKS_DKIM_DKIM_KEY_CACHE_H
#define MS_CHECKS_DKIM_DKIM_KEY_CACHE_H

#include <stddef.h>

#include "checks/dkim/dkim_key.h"
#include "util/status.h"

/*
 * Decoding p= with OpenSSL 3 costs about a million instructions a key, and
 * a run meets the same few keys again and again (a provider's keys behind
 * many domains' CNAMEs: the bench world has 5 distinct keys among 208).
 * dkim_key_parse is pure, so its result for the same bytes is the same:
 * the cache keeps the last DKIM_KEY_CACHE_SLOTS results, each with a copy
 * of its record, and replaces the oldest when full.  One per session (not
 * thread-safe: a session's audits run on its one loop).
 */
#define DKIM_KEY_CACHE_SLOTS	32

struct dkim_key_cache;

/* dkim_key_cache_new - an empty cache; the caller frees it with dkim_key_cache_free */
struct dkim_key_cache *dkim_key_cache_new(void);

/* dkim_key_cache_free - free c and every record it holds; NULL-safe */
void dkim_key_cache_free(struct dkim_key_cache *c);

/*
 * dkim_key_parse_cached - dkim_key_parse(text, len, out), answered from c
 * when the same bytes were parsed before; c NULL: parse every time.  text
 * is borrowed (copied into c when kept); *out is the caller's (plain data);
 * c is borrowed and updated.  Returns what dkim_key_parse returns.
 */
MS_MUST_CHECK enum ms_status dkim_key_parse_cached(struct dkim_key_cache *c, const char *text,
    size_t len, struct dkim_key *out);

/* dkim_key_cache_hits - how many parses c answered from a kept record (c borrowed; NULL: 0) */
size_t dkim_key_cache_hits(const struct dkim_key_cache *c);

#endif
