/* src/util/buf.h - growable byte buffer with a hard maximum size */
#ifndef MS_UTIL_BUF_H
#define MS_UTIL_BUF_H

#include <stddef.h>

#include "util/status.h"

/*
 * Every buffer is created with a maximum (as curl's dynbuf): appending past
 * it fails with MS_ERR_LIMIT and leaves the contents as they were.  The data
 * is always NUL-terminated after the last byte, so text can be read as a C
 * string (binary data may contain NULs: use len).  The buffer owns data.
 *
 * Two ways to append.  buf_append, buf_puts, buf_putc and buf_printf return
 * the status of that one append (MS_MUST_CHECK): for callers that react to
 * each.  A builder that writes many pieces and only cares whether all fit
 * uses buf_add, buf_adds, buf_addc and buf_addf, which return nothing, and
 * asks buf_status() once at the end (MS_MUST_CHECK): every append, of either
 * kind, that fails is remembered there (the first failure) until buf_init,
 * buf_reset, buf_steal or buf_free.  After a failed buf_add* the contents
 * lack that piece: a builder whose buf_status is not MS_OK throws them away
 * (or says they were cut, where a cut text is still of use).
 *
 * Growing aborts when memory is exhausted (xrealloc), except in the buf_try_
 * functions the pure parsers use: there an append that cannot grow fails
 * with MS_ERR_NOMEM (kept for buf_status too), leaves the contents as they
 * were, and each growth counts as an allocation point for the fault
 * injector (util/tryalloc.h).
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	enum ms_status err;	/* the first append that failed since the last reset, or MS_OK */
};

#define BUF_MAX_DEFAULT	(16u * 1024 * 1024)

/*
 * buf_init - an empty buffer in b (the caller's struct) of at most max bytes
 * (0: BUF_MAX_DEFAULT)
 */
void buf_init(struct buf *b, size_t max);
/* buf_append - append n bytes of p (copied); MS_ERR_LIMIT past the maximum, contents unchanged */
MS_MUST_CHECK enum ms_status buf_append(struct buf *b, const void *p, size_t n);
/* buf_puts - buf_append of the C string s (copied) */
MS_MUST_CHECK enum ms_status buf_puts(struct buf *b, const char *s);
/* buf_putc - buf_append of one byte (copied) */
MS_MUST_CHECK enum ms_status buf_putc(struct buf *b, int c);
/* buf_printf - append formatted text (copied); MS_ERR_LIMIT past the maximum, contents unchanged */
MS_MUST_CHECK enum ms_status buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * buf_try_append, buf_try_puts, buf_try_putc, buf_try_printf - the same (p and
 * s copied), MS_ERR_NOMEM when memory runs out, contents unchanged
 */
MS_MUST_CHECK enum ms_status buf_try_append(struct buf *b, const void *p, size_t n);
MS_MUST_CHECK enum ms_status buf_try_puts(struct buf *b, const char *s);
MS_MUST_CHECK enum ms_status buf_try_putc(struct buf *b, int c);
MS_MUST_CHECK enum ms_status buf_try_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* buf_add, buf_adds, buf_addc, buf_addf - the same appends for builders: a failure is kept for buf_status */
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, int c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * buf_status - MS_OK if every append since the last reset fitted, else the
 * first failure (b borrowed)
 */
MS_MUST_CHECK enum ms_status buf_status(const struct buf *b);
/* buf_cstr - contents as a C string; never NULL (borrowed: valid until the next change to b) */
const char *buf_cstr(struct buf *b);
/* buf_steal - contents as a C string; the caller frees it, b is reset */
char *buf_steal(struct buf *b);
/*
 * buf_steal_fitted - buf_steal for a builder whose maximum was computed from
 * its input to hold everything it appends (buf_add*): a failed append there
 * is a broken invariant, and the process aborts with a message.  The caller
 * frees the result.
 */
char *buf_steal_fitted(struct buf *b);
/*
 * buf_steal_text - buf_steal for text that may be cut: when an append failed
 * (buf_status), " [cut at N bytes]" follows what fitted.  The caller frees it.
 */
char *buf_steal_text(struct buf *b);
/* buf_truncate - cut the contents back to their first len bytes (no-op if shorter); buf_status is kept */
void buf_truncate(struct buf *b, size_t len);
/* buf_reset - empty b (keeps its memory and maximum) and forget a failed append */
void buf_reset(struct buf *b);
/* buf_free - free b's data (b itself is the caller's); b is empty and usable again */
void buf_free(struct buf *b);

#endif
