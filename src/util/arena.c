/* src/util/arena.c - region allocator: many small allocations freed at once */
#include "util/arena.h"
#include "util/fmt.h"
#include "util/buf.h"
#include "util/tryalloc.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK	8192u
#define PRINTF_STACK	512u	/* arena_printf formats into this much stack first */

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t used;
	_Alignas(16) unsigned char mem[];
};

struct arena_pool {
	struct arena_chunk *free;	/* standard chunks, linked by next */
	size_t n, max;
};

void
arena_init(struct arena *a)
{
	a->head = NULL;
	a->total = 0;
	a->pool = NULL;
}

void
arena_init_pooled(struct arena *a, struct arena_pool *pool)
{
	arena_init(a);
	a->pool = pool;
}

struct arena_pool *
arena_pool_new(size_t max)
{
	struct arena_pool *p = xcalloc(1, sizeof(*p));

	p->max = max;
	return p;
}

size_t
arena_pool_kept(const struct arena_pool *p)
{
	return p->n;
}

void
arena_pool_free(struct arena_pool *p)
{
	struct arena_chunk *c, *next;

	if (p == NULL)
		return;
	for (c = p->free; c; c = next) {
		next = c->next;
		free(c);
	}
	free(p);
}

/* arena_grab - n zeroed bytes from the arena, or NULL when malloc fails */
static void *
arena_grab(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t need = (n + 15u) & ~(size_t)15u;
	void *p;

	if (need < n || need > SIZE_MAX - sizeof(*c))
		return NULL;
	if (c == NULL || c->size - c->used < need) {
		size_t size = need > ARENA_CHUNK ? need : ARENA_CHUNK;

		if (size == ARENA_CHUNK && a->pool && a->pool->free) {
			c = a->pool->free;
			a->pool->free = c->next;
			a->pool->n--;
		} else if ((c = malloc(sizeof(*c) + size)) == NULL) {
			return NULL;
		}
		c->size = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		a->total += size;
	}
	p = c->mem + c->used;
	c->used += need;
	memset(p, 0, n);
	return p;
}

/* arena_alloc - n zeroed bytes owned by the arena; aborts when memory is exhausted */
void *
arena_alloc(struct arena *a, size_t n)
{
	void *p = arena_grab(a, n);

	if (p == NULL) {
		fprintf(stderr, "mailsec: out of memory (%zu bytes)\n", n);
		abort();
	}
	return p;
}

/* arena_try_alloc - n zeroed bytes owned by the arena, or NULL (one fault-injection point) */
void *
arena_try_alloc(struct arena *a, size_t n)
{
	if (ms_alloc_fail_point())
		return NULL;
	return arena_grab(a, n);
}

/* arena_try_strndup - the first n bytes of s (up to its NUL) as an arena string, or NULL */
char *
arena_try_strndup(struct arena *a, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = arena_try_alloc(a, len + 1);

	if (d != NULL)
		memcpy(d, s, len);
	return d;
}

/* arena_try_strdup - s as an arena string, or NULL */
char *
arena_try_strdup(struct arena *a, const char *s)
{
	return arena_try_strndup(a, s, strlen(s));
}

/* arena_try_printf - a formatted arena string, or NULL */
char *
arena_try_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return arena_try_strdup(a, "");
	if ((s = arena_try_alloc(a, (size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = arena_alloc(a, len + 1);

	memcpy(d, s, len);
	return d;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	long len;
	char *s, tmp[PRINTF_STACK];

	/* Plain strings and integers (most formats) copied, not formatted (util/fmt.h). */
	va_start(ap, fmt);
	if ((len = fmt_simple_len(fmt, ap)) >= 0) {
		s = arena_alloc(a, (size_t)len + 1);
		fmt_simple_write(s, fmt, ap);
		va_end(ap);
		return s;
	}
	va_end(ap);
	/* Formatted once into tmp; a second time only when longer (most text is short). */
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return arena_strdup(a, "");
	s = arena_alloc(a, (size_t)n + 1);
	if ((size_t)n < sizeof(tmp)) {
		memcpy(s, tmp, (size_t)n + 1);
		return s;
	}
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

char *
arena_buf_text(struct arena *a, const struct buf *b)
{
	const char *t = b->data ? b->data : "";

	if (buf_status(b) == MS_OK)
		return arena_strdup(a, t);
	return arena_printf(a, "%s [cut at %zu bytes]", t, b->len);
}

void
arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head, *next;

	for (; c; c = next) {
		next = c->next;
		if (a->pool && c->size == ARENA_CHUNK && a->pool->n < a->pool->max) {
			c->next = a->pool->free;
			a->pool->free = c;
			a->pool->n++;
		} else {
			free(c);
		}
	}
	a->head = NULL;
	a->total = 0;
}
