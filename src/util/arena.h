/* src/util/arena.h - region allocator: many small allocations freed at once */
#ifndef MS_UTIL_ARENA_H
#define MS_UTIL_ARENA_H

#include <stddef.h>

struct buf;

/*
 * One arena per audit or per parse: everything allocated from it is freed by
 * arena_free().  Allocation failure aborts, like xmalloc(), except in the
 * arena_try_ functions the pure parsers use: they return NULL (and count as
 * one allocation point each for the fault injector, util/tryalloc.h); what
 * the arena already holds stays valid and is freed by arena_free().
 */
struct arena_chunk;
struct arena_pool;
struct arena {
	struct arena_chunk *head;
	size_t total;
	struct arena_pool *pool;	/* where its standard chunks come from and go back to, or NULL */
};

/* arena_init - an empty arena in a (the caller's struct); allocates nothing yet */
void arena_init(struct arena *a);
/*
 * arena_pool_new - a free list of the arenas' standard chunks (8 KB), for a
 * program that makes and frees an arena per domain: a chunk that glibc's
 * malloc would hand out and take back thousands of times a second (each a
 * "large" request, which first consolidates its fast bins) is kept instead.
 * Keeps at most max chunks; the rest go back to free().  The caller frees
 * the pool with arena_pool_free() after every arena using it is freed.
 */
struct arena_pool *arena_pool_new(size_t max);
/* arena_pool_kept - how many freed chunks p keeps now */
size_t arena_pool_kept(const struct arena_pool *p);
/* arena_pool_free - the pool and the chunks it keeps (NULL: nothing) */
void arena_pool_free(struct arena_pool *p);
/*
 * arena_init_pooled - arena_init, taking standard chunks from pool and giving
 * them back to it in arena_free (pool borrowed: it must outlive a; NULL: as
 * arena_init)
 */
void arena_init_pooled(struct arena *a, struct arena_pool *pool);
/* arena_alloc - n zeroed bytes, 16-byte aligned; owned by a: valid until arena_free(a) */
void *arena_alloc(struct arena *a, size_t n);
/* arena_strdup - a copy of s (borrowed) owned by a: valid until arena_free(a) */
char *arena_strdup(struct arena *a, const char *s);
/* arena_strndup - a copy of s[0..n) (borrowed), NUL-terminated, owned by a until arena_free(a) */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* arena_printf - formatted text owned by a: valid until arena_free(a) */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * arena_try_alloc, arena_try_strdup, arena_try_strndup, arena_try_printf - the
 * same (s borrowed, copied), or NULL when memory runs out; owned by a: valid
 * until arena_free(a)
 */
void *arena_try_alloc(struct arena *a, size_t n);
char *arena_try_strdup(struct arena *a, const char *s);
char *arena_try_strndup(struct arena *a, const char *s, size_t n);
char *arena_try_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * arena_buf_text - an arena copy of b's text (b is borrowed, left as it is);
 * when an append to b failed (buf_status), " [cut at N bytes]" follows, so a
 * reader knows that text is missing.
 */
char *arena_buf_text(struct arena *a, const struct buf *b);
/*
 * arena_free - free everything allocated from a (a itself is the caller's;
 * standard chunks go back to its pool while the pool has room); a is empty
 * again, with the same pool
 */
void arena_free(struct arena *a);

#endif
