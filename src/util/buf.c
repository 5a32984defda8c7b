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
	b->err = MS_OK;
}

/* failed - remember the first failed append of b; returns st */
static enum ms_status
failed(struct buf *b, enum ms_status st)
{
	if (b->err == MS_OK)
		b->err = st;
	return st;
}

/* buf_grow - make room for n more bytes plus the terminating NUL (fallible: MS_ERR_NOMEM, else abort) */
static enum ms_status
buf_grow(struct buf *b, size_t n, int fallible)
{
	size_t need, cap;

	if (n > b->max || b->len > b->max - n)
		return failed(b, MS_ERR_LIMIT);
	need = b->len + n + 1;
	if (need <= b->cap)
		return MS_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	if (fallible) {
		char *d = ms_try_realloc(b->data, cap);

		if (d == NULL)
			return failed(b, MS_ERR_NOMEM);
		b->data = d;
	} else {
		b->data = xrealloc(b->data, cap);
	}
	b->cap = cap;
	return MS_OK;
}

/* append - n bytes of p onto b (fallible: MS_ERR_NOMEM when memory runs out, else abort) */
static enum ms_status
append(struct buf *b, const void *p, size_t n, int fallible)
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

static enum ms_status vprint(struct buf *b, int fallible, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* vprint - the formatted text onto b (fallible as for append) */
static enum ms_status
vprint(struct buf *b, int fallible, const char *fmt, va_list ap)
{
	va_list again;
	int n;
	enum ms_status st;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0)
		st = failed(b, MS_ERR_ARG);
	else if ((st = buf_grow(b, (size_t)n, fallible)) == MS_OK) {
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
		b->len += (size_t)n;
	}
	va_end(again);
	return st;
}

/* buf_append - n bytes of p onto b */
enum ms_status
buf_append(struct buf *b, const void *p, size_t n)
{
	return append(b, p, n, 0);
}

/* buf_puts - the string s onto b */
enum ms_status
buf_puts(struct buf *b, const char *s)
{
	return append(b, s, strlen(s), 0);
}

/* buf_putc - one byte onto b */
enum ms_status
buf_putc(struct buf *b, int c)
{
	char ch = (char)c;

	return append(b, &ch, 1, 0);
}

/* buf_printf - formatted text onto b */
enum ms_status
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	enum ms_status st;

	va_start(ap, fmt);
	st = vprint(b, 0, fmt, ap);
	va_end(ap);
	return st;
}

static void buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* buf_vaddf - buf_addf's work; a failure is kept in b->err */
static void __attribute__((format(printf, 2, 0)))
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	if (vprint(b, 0, fmt, ap) != MS_OK)
		return;		/* kept in b->err for buf_status */
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_append(b, p, n) != MS_OK)
		return;		/* kept in b->err for buf_status */
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, int c)
{
	char ch = (char)c;

	if (buf_append(b, &ch, 1) != MS_OK)
		return;		/* kept in b->err for buf_status */
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

/* buf_try_append - buf_append that fails with MS_ERR_NOMEM instead of aborting */
enum ms_status
buf_try_append(struct buf *b, const void *p, size_t n)
{
	return append(b, p, n, 1);
}

/* buf_try_puts - buf_puts that fails with MS_ERR_NOMEM instead of aborting */
enum ms_status
buf_try_puts(struct buf *b, const char *s)
{
	return append(b, s, strlen(s), 1);
}

/* buf_try_putc - buf_putc that fails with MS_ERR_NOMEM instead of aborting */
enum ms_status
buf_try_putc(struct buf *b, int c)
{
	char ch = (char)c;

	return append(b, &ch, 1, 1);
}

/* buf_try_printf - buf_printf that fails with MS_ERR_NOMEM instead of aborting */
enum ms_status
buf_try_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	enum ms_status st;

	va_start(ap, fmt);
	st = vprint(b, 1, fmt, ap);
	va_end(ap);
	return st;
}

enum ms_status
buf_status(const struct buf *b)
{
	return b->err;
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
	b->err = MS_OK;
	return s;
}

char *
buf_steal_fitted(struct buf *b)
{
	if (buf_status(b) != MS_OK) {
		fprintf(stderr, "mailsec: internal error: a buffer sized for its text was too small\n");
		abort();	/* a broken invariant: the caller computed the maximum */
	}
	return buf_steal(b);
}

char *
buf_steal_text(struct buf *b)
{
	char *s;

	if (buf_status(b) == MS_OK)
		return buf_steal(b);
	s = xasprintf("%s [cut at %zu bytes]", buf_cstr(b), b->len);
	buf_free(b);
	return s;
}

void
buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->err = MS_OK;
	if (b->data)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->err = MS_OK;
}
