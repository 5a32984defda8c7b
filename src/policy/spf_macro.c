/* src/policy/spf_macro.c - SPF macro expansion (RFC 7208 §7.2-§7.4), bounded */
#include "policy/spf_parse.h"
#include "util/tryalloc.h"
#include "util/xalloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The libspf2 CVEs (CVE-2021-20314, CVE-2021-33912, CVE-2021-33913,
 * CVE-2023-42118) were all sizes computed ahead of the copy that the copy
 * then exceeded.  Here every byte goes through struct buf, which refuses to
 * grow past its maximum, and the transformer works on offsets into the
 * value, never on a precomputed output length.
 */

static bool
is_delim(int c)
{
	return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

/*
 * ip_dotted - the "i" value: dotted quad, or 32 dot-separated nibbles for
 * IPv6 (§7.3).  §7.3 does not say which case the nibbles have; the OpenSPF
 * suite (test v-macro-ip6) expects upper case, as pyspf and Mail::SPF give,
 * and DNS names compare case-insensitively, so queries are the same.
 */
static void
ip_dotted(const struct ipaddr *ip, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (ip->family == 4) {
		snprintf(out, outsz, "%u.%u.%u.%u", ip->b[0], ip->b[1], ip->b[2], ip->b[3]);
		return;
	}
	for (int k = 0; k < 16 && o + 4 < outsz; k++) {
		out[o++] = hex[ip->b[k] >> 4];
		out[o++] = '.';
		out[o++] = hex[ip->b[k] & 0xf];
		out[o++] = k == 15 ? '\0' : '.';
	}
	out[outsz - 1] = '\0';
}

/* letter_value - the raw value of a macro letter (lower case); buf is scratch space */
static const char *
letter_value(int c, const struct spf_macro_ctx *ctx, char *scratch, size_t sz)
{
	switch (c) {
	case 's': return ctx->sender ? ctx->sender : "";
	case 'l': return ctx->local ? ctx->local : "postmaster";
	case 'o': return ctx->sender_domain ? ctx->sender_domain : "";
	case 'd': return ctx->domain ? ctx->domain : "";
	case 'i': ip_dotted(&ctx->ip, scratch, sz); return scratch;
	case 'p': return ctx->pname ? ctx->pname : "unknown";
	case 'v': return ctx->ip.family == 6 ? "ip6" : "in-addr";
	case 'h': return ctx->helo ? ctx->helo : "unknown";
	case 'c': ipaddr_format(&ctx->ip, scratch); return scratch;
	case 'r': return ctx->receiver ? ctx->receiver : "unknown";
	case 't': snprintf(scratch, sz, "%" PRId64, ctx->now); return scratch;
	default: return NULL;
	}
}

/* put_escaped - append v, URL-escaped when esc (§7.3: upper-case macro letters) */
static enum ms_status
put_escaped(struct buf *out, const char *v, size_t n, bool esc)
{
	enum ms_status st = MS_OK;

	if (!esc)
		return buf_try_append(out, v, n);
	for (size_t i = 0; i < n && st == MS_OK; i++) {
		unsigned char c = (unsigned char)v[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			st = buf_try_putc(out, c);
		else
			st = buf_try_printf(out, "%%%02X", c);
	}
	return st;
}

/*
 * transform - split value at the delimiters, optionally reverse, keep the
 * rightmost keep parts (0: all), join with '.', and append to out.
 */
static enum ms_status
transform(struct buf *out, const char *v, const char *delims, size_t ndelims, uint64_t keep,
    bool reverse, bool esc)
{
	size_t n = strlen(v), nparts = 1, first, *start, *len, p = 0, k;
	enum ms_status st = MS_OK;

	for (size_t i = 0; i < n; i++) {
		bool d = ndelims == 0 ? v[i] == '.' : memchr(delims, v[i], ndelims) != NULL;

		if (d)
			nparts++;
	}
	start = ms_try_calloc(nparts, sizeof(*start));
	len = ms_try_calloc(nparts, sizeof(*len));
	if (start == NULL || len == NULL) {
		free(start);
		free(len);
		return MS_ERR_NOMEM;
	}
	start[0] = 0;
	for (size_t i = 0; i < n; i++) {
		bool d = ndelims == 0 ? v[i] == '.' : memchr(delims, v[i], ndelims) != NULL;

		if (d) {
			len[p] = i - start[p];
			start[++p] = i + 1;
		}
	}
	len[p] = n - start[p];
	first = keep == 0 || keep >= nparts ? 0 : nparts - (size_t)keep;
	for (k = first; k < nparts && st == MS_OK; k++) {
		size_t idx = reverse ? nparts - 1 - k : k;

		if (k > first)
			st = buf_try_putc(out, '.');
		if (st == MS_OK)
			st = put_escaped(out, v + start[idx], len[idx], esc);
	}
	free(start);
	free(len);
	return st;
}

enum ms_status
spf_macro_expand(const char *s, size_t len, const struct spf_macro_ctx *ctx, bool exp,
    struct buf *out)
{
	size_t i = 0, base = out->len, oldmax = out->max;
	enum ms_status st = MS_OK;
	size_t eoff;
	const char *why;

	if (spf_macro_check(s, len, exp, false, &eoff, &why) != MS_OK)
		return MS_ERR_SYNTAX;
	if (out->max == 0 || out->max > base + SPF_EXPAND_MAX)
		out->max = base + SPF_EXPAND_MAX;
	while (i < len && st == MS_OK) {
		char scratch[IPADDR_STRLEN + 64];
		const char *v, *delims;
		size_t nd = 0;
		uint64_t keep = 0;
		bool rev = false, esc;
		int c;

		if (s[i] != '%') {
			size_t j = i;

			while (j < len && s[j] != '%')
				j++;
			st = buf_try_append(out, s + i, j - i);
			i = j;
			continue;
		}
		c = s[i + 1];
		if (c == '%' || c == '_' || c == '-') {
			st = buf_try_puts(out, c == '%' ? "%" : c == '_' ? " " : "%20");
			i += 2;
			continue;
		}
		/* "%{" letter digits [r] delimiters "}" - already validated. */
		i += 2;
		c = (unsigned char)s[i++];
		esc = c >= 'A' && c <= 'Z';
		if (esc)
			c += 32;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			/* Saturate: a count beyond any possible number of parts means "all". */
			if (keep < 1000000)
				keep = keep * 10 + (uint64_t)(s[i] - '0');
			i++;
		}
		if (s[i] == 'r' || s[i] == 'R') {
			rev = true;
			i++;
		}
		delims = s + i;
		while (i < len && is_delim((unsigned char)s[i])) {
			nd++;
			i++;
		}
		i++;	/* '}' */
		v = letter_value(c, ctx, scratch, sizeof(scratch));
		if (v == NULL) {
			st = MS_ERR_SYNTAX;
			break;
		}
		st = transform(out, v, delims, nd, keep, rev, esc);
	}
	out->max = oldmax;
	if (st != MS_OK) {
		/* Leave out as it was. */
		out->len = base;
		if (out->data)
			out->data[base] = '\0';
	}
	return st;
}

bool
spf_domain_truncate(char *name)
{
	size_t n = strlen(name);
	char *p = name;

	while (n > SPF_DOMAIN_MAX) {
		char *dot = memchr(p, '.', n);

		if (dot == NULL)
			return false;
		n -= (size_t)(dot + 1 - p);
		p = dot + 1;
	}
	memmove(name, p, n + 1);
	return n > 0;
}
