/* src/util/buf.c - growable byte buffer with a hard maximum size */
#include "util/buf.h"
#include "util/tryalloc.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : BUF_MAX_DEFAULT;
}

/* buf_grow - make room for n more bytes plus the terminating NUL (fallible: MS_ERR_NOMEM, else abort) */
static enum ms_status
buf_grow(struct buf *b, size_t n, int fallible)
{
	size_t need, cap;

	if (n > b->max || b->len > b->max - n)
		return MS_ERR_LIMIT;
	need = b->len + n + 1;
	if (need <= b->cap)
		return MS_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	if (fallible) {
		char *d = ms_try_realloc(b->data, cap);

		if (d == NULL)
			return MS_ERR_NOMEM;
		b->data = d;
	} else {
		b->data = xrealloc(b->data, cap);
	}
	b->cap = cap;
	return MS_OK;
}

/* buf_add - append n bytes; fallible as buf_grow */
static enum ms_status
buf_add(struct buf *b, const void *p, size_t n, int fallible)
{
	enum ms_status st = buf_grow(b, n, fallible);

	if (st != MS_OK)
		return st;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return MS_OK;
}

static enum ms_status buf_vadd(struct buf *b, int fallible, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* buf_vadd - append formatted text; fallible as buf_grow */
static enum ms_status
buf_vadd(struct buf *b, int fallible, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	enum ms_status st;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return MS_ERR_ARG;
	if ((st = buf_grow(b, (size_t)n, fallible)) != MS_OK)
		return st;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return MS_OK;
}

enum ms_status
buf_append(struct buf *b, const void *p, size_t n)
{
	return buf_add(b, p, n, 0);
}

enum ms_status
buf_puts(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s), 0);
}

enum ms_status
buf_putc(struct buf *b, int c)
{
	char ch = (char)c;

	return buf_add(b, &ch, 1, 0);
}

enum ms_status
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	enum ms_status st;

	va_start(ap, fmt);
	st = buf_vadd(b, 0, fmt, ap);
	va_end(ap);
	return st;
}

/* buf_try_append - buf_append that fails with MS_ERR_NOMEM instead of aborting */
enum ms_status
buf_try_append(struct buf *b, const void *p, size_t n)
{
	return buf_add(b, p, n, 1);
}

/* buf_try_puts - buf_puts that fails with MS_ERR_NOMEM instead of aborting */
enum ms_status
buf_try_puts(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s), 1);
}

/* buf_try_putc - buf_putc that fails with MS_ERR_NOMEM instead of aborting */
enum ms_status
buf_try_putc(struct buf *b, int c)
{
	char ch = (char)c;

	return buf_add(b, &ch, 1, 1);
}

/* buf_try_printf - buf_printf that fails with MS_ERR_NOMEM instead of aborting */
enum ms_status
buf_try_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	enum ms_status st;

	va_start(ap, fmt);
	st = buf_vadd(b, 1, fmt, ap);
	va_end(ap);
	return st;
}

const char *
buf_cstr(struct buf *b)
{
	return b->data ? b->data : "";
}

char *
buf_steal(struct buf *b)
{
	char *s = b->data ? b->data : xstrdup("");

	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
