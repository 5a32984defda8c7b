/* src/util/buf.h - growable byte buffer with a hard maximum size */
#ifndef MS_UTIL_BUF_H
#define MS_UTIL_BUF_H

#include <stddef.h>

#include "util/status.h"

/*
 * Every buffer is created with a maximum (as curl's dynbuf): appending past
 * it fails with MS_ERR_LIMIT and leaves the contents as they were.  The data
 * is always NUL-terminated after the last byte, so text can be read as a C
 * string (binary data may contain NULs: use len).
 *
 * Growing aborts when memory is exhausted (xrealloc), except in the buf_try_
 * functions the pure parsers use: there an append that cannot grow fails
 * with MS_ERR_NOMEM, leaves the contents as they were, and each growth counts
 * as an allocation point for the fault injector (util/tryalloc.h).
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

#define BUF_MAX_DEFAULT	(16u * 1024 * 1024)

void buf_init(struct buf *b, size_t max);
enum ms_status buf_append(struct buf *b, const void *p, size_t n);
enum ms_status buf_puts(struct buf *b, const char *s);
enum ms_status buf_putc(struct buf *b, int c);
enum ms_status buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
enum ms_status buf_try_append(struct buf *b, const void *p, size_t n);
enum ms_status buf_try_puts(struct buf *b, const char *s);
enum ms_status buf_try_putc(struct buf *b, int c);
enum ms_status buf_try_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* buf_cstr - contents as a C string; never NULL (borrowed) */
const char *buf_cstr(struct buf *b);
/* buf_steal - contents as a C string; the caller frees it, b is reset */
char *buf_steal(struct buf *b);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
