/* src/util/buf.c - growable byte buffer with a hard maximum size */
#include "util/buf.h"
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

/* buf_grow - make room for n more bytes plus the terminating NUL */
static enum ms_status
buf_grow(struct buf *b, size_t n)
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
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
	return MS_OK;
}

enum ms_status
buf_append(struct buf *b, const void *p, size_t n)
{
	enum ms_status st = buf_grow(b, n);

	if (st != MS_OK)
		return st;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return MS_OK;
}

enum ms_status
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

enum ms_status
buf_putc(struct buf *b, int c)
{
	char ch = (char)c;

	return buf_append(b, &ch, 1);
}

enum ms_status
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	enum ms_status st;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MS_ERR_ARG;
	if ((st = buf_grow(b, (size_t)n)) != MS_OK)
		return st;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return MS_OK;
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
