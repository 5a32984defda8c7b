/* src/util/strmap.h - bounded hash table from byte-string keys to pointers */
#ifndef MS_UTIL_STRMAP_H
#define MS_UTIL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/*
 * Open addressing with linear probing, at most half full, so a lookup is a
 * hash and a probe or two.  Keys are byte strings with a length (a key may
 * be a piece of a longer string: no NUL needed) and are compared exactly,
 * byte for byte; the table keeps its own copy of each key.  Values are
 * borrowed pointers (never NULL: NULL means "absent").  Every table is
 * created with a maximum number of keys: adding a new key past it fails with
 * MS_ERR_LIMIT and leaves the table as it was.
 */
struct strmap_slot;

/* strmap_hash - FNV-1a, 64 bits, over len bytes of key (borrowed): the map's hash, for others' tables too */
uint64_t strmap_hash(const char *key, size_t len);

struct strmap {
	struct strmap_slot *slot;
	size_t	 cap;		/* slots, a power of two (0 before the first put) */
	size_t	 n;		/* keys */
	size_t	 max;		/* bound on n */
};

/*
 * strmap_init - an empty map in m (the caller's struct) of at most max keys;
 * allocates nothing yet
 */
void strmap_init(struct strmap *m, size_t max);
/* strmap_free - release the table and its key copies; free_val (may be NULL) gets each value */
void strmap_free(struct strmap *m, void (*free_val)(void *));
/* strmap_get - the value stored under key[0..len), or NULL (borrowed) */
void *strmap_get(const struct strmap *m, const char *key, size_t len);
/*
 * strmap_put - store val (not NULL) under key[0..len), replacing any value
 * there (the old one is not freed).  MS_ERR_LIMIT when key is new and the
 * table holds max keys; MS_ERR_ARG when val is NULL.
 */
MS_MUST_CHECK enum ms_status strmap_put(struct strmap *m, const char *key, size_t len, void *val);

#endif
