/* src/util/fmt.c - the printf formats most of mailsec's text uses, without printf's machinery */
#include "util/fmt.h"

#include <stdbool.h>
#include <string.h>

/*
 * Why: arena_printf and xasprintf build most findings' text and the names
 * every check asks for ("%s._domainkey.%s"), and vsnprintf costs about a
 * thousand instructions a call whatever the format.  Formats of plain
 * strings and decimal integers are copied here instead; any other
 * conversion (a width, a precision, %x, %c, ...) goes to vsnprintf.
 */

/* The conversions handled, as fmt_next finds them. */
enum conv {
	CONV_END,	/* the format's end */
	CONV_OTHER,	/* one vsnprintf must do */
	CONV_PERCENT,	/* %% */
	CONV_S,
	CONV_D,
	CONV_U,
	CONV_ZU
};

/* fmt_next - the literal run at *fmt (its length in *lit) and the conversion after it; *fmt past both */
static enum conv
fmt_next(const char **fmt, size_t *lit)
{
	const char *p = *fmt, *pct = strchr(p, '%');

	if (pct == NULL) {
		*lit = strlen(p);
		*fmt = p + *lit;
		return CONV_END;
	}
	*lit = (size_t)(pct - p);
	*fmt = pct + 2;
	switch (pct[1]) {
	case '%': return CONV_PERCENT;
	case 's': return CONV_S;
	case 'd': return CONV_D;
	case 'u': return CONV_U;
	case 'z':
		if (pct[2] == 'u') {
			*fmt = pct + 3;
			return CONV_ZU;
		}
		return CONV_OTHER;
	default:
		return CONV_OTHER;
	}
}

/* digits - v in decimal, a '-' first when neg, into buf (FMT_INT_MAX bytes); its length */
static size_t
digits(char *buf, unsigned long long v, bool neg)
{
	char tmp[FMT_INT_MAX];
	size_t k = 0, n = 0;

	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	if (neg)
		buf[n++] = '-';
	while (k > 0)
		buf[n++] = tmp[--k];
	return n;
}

/* fmt_int - see fmt.h */
size_t
fmt_int(char *buf, long long n)
{
	return digits(buf, n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n, n < 0);
}

/* fmt_uint - see fmt.h */
size_t
fmt_uint(char *buf, unsigned long long v)
{
	return digits(buf, v, false);
}

/* conv_text - the text of one conversion, taken from ap: *s points at it (into num, or the argument) */
static size_t
conv_text(enum conv c, va_list *ap, char num[FMT_INT_MAX], const char **s)
{
	switch (c) {
	case CONV_PERCENT:
		*s = "%";
		return 1;
	case CONV_S:
		if ((*s = va_arg(*ap, const char *)) == NULL)
			*s = "(null)";
		return strlen(*s);
	case CONV_D:
		*s = num;
		return fmt_int(num, va_arg(*ap, int));
	case CONV_U:
		*s = num;
		return fmt_uint(num, va_arg(*ap, unsigned));
	case CONV_ZU:
		*s = num;
		return fmt_uint(num, va_arg(*ap, size_t));
	default:
		*s = "";
		return 0;
	}
}

/* fmt_simple_len - see fmt.h */
long
fmt_simple_len(const char *fmt, va_list ap)
{
	const char *p = fmt;
	size_t total = 0, lit;
	long len = -1;
	enum conv c;
	va_list aq;

	va_copy(aq, ap);
	/* -1 at the first conversion left to vsnprintf (the arguments read so far were the copy's) */
	while ((c = fmt_next(&p, &lit)) != CONV_OTHER) {
		char num[FMT_INT_MAX];
		const char *s;

		total += lit;
		if (c == CONV_END) {
			len = (long)total;
			break;
		}
		total += conv_text(c, &aq, num, &s);
		if (total > (size_t)1 << 30)
			break;	/* absurd: vsnprintf's own limits apply */
	}
	va_end(aq);
	return len;
}

/* fmt_simple_write - see fmt.h */
void
fmt_simple_write(char *out, const char *fmt, va_list ap)
{
	const char *p = fmt, *run;
	size_t lit, n;
	enum conv c;
	va_list aq;

	va_copy(aq, ap);
	for (;;) {
		char num[FMT_INT_MAX];
		const char *s;

		run = p;
		c = fmt_next(&p, &lit);
		memcpy(out, run, lit);
		out += lit;
		if (c == CONV_END)
			break;
		n = conv_text(c, &aq, num, &s);
		memcpy(out, s, n);
		out += n;
	}
	va_end(aq);
	*out = '\0';
}
