/* src/util/fmt.h - the printf formats most of mailsec's text uses, without printf's machinery */
#ifndef MS_UTIL_FMT_H
#define MS_UTIL_FMT_H

#include <stdarg.h>
#include <stddef.h>

#define FMT_INT_MAX	21	/* the longest decimal of a 64-bit integer, its sign included */

/* fmt_int - n in decimal as "%lld" writes it, into buf (the caller's, FMT_INT_MAX bytes, no NUL); its length */
size_t fmt_int(char *buf, long long n);
/* fmt_uint - v in decimal as "%llu" writes it, into buf (the caller's, FMT_INT_MAX bytes, no NUL); its length */
size_t fmt_uint(char *buf, unsigned long long v);

/*
 * fmt_simple_len - the length vsnprintf(NULL, 0, fmt, ap) gives when fmt
 * holds no conversion but %s, %d, %u, %zu and %%, else -1: the caller then
 * formats with vsnprintf.  A NULL %s is "(null)", as glibc prints it.  ap
 * is read through a copy: the caller's is unchanged.
 */
long fmt_simple_len(const char *fmt, va_list ap);

/*
 * fmt_simple_write - the text fmt_simple_len measured and a NUL into out
 * (the caller's, at least that length + 1 bytes); ap read through a copy
 */
void fmt_simple_write(char *out, const char *fmt, va_list ap);

#endif
