/* src/util/arena.h - region allocator: many small allocations freed at once */
#ifndef MS_UTIL_ARENA_H
#define MS_UTIL_ARENA_H

#include <stddef.h>

struct buf;

/*
 * One arena per audit or per parse: everything allocated from it is freed by
 * arena_free().  Allocation failure aborts, like xmalloc().
 */
struct arena_chunk;
struct arena {
	struct arena_chunk *head;
	size_t total;
};

void arena_init(struct arena *a);
void *arena_alloc(struct arena *a, size_t n);	/* zeroed, 16-byte aligned */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * arena_buf_text - an arena copy of b's text (b is borrowed, left as it is);
 * when an append to b failed (buf_status), " [cut at N bytes]" follows, so a
 * reader knows that text is missing.
 */
char *arena_buf_text(struct arena *a, const struct buf *b);
void arena_free(struct arena *a);

#endif
