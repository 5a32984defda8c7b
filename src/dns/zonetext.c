/* src/dns/zonetext.c - zone-file style text records to wire RDATA (for replay data) and TXT back to zone-file text */
#include "dns/zonetext.h"
#include "dns/dns.h"
#include "util/ipaddr.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* next_word - copy the next white-space separated word into w; NULL at end */
static const char *
next_word(const char *p, char *w, size_t wmax)
{
	size_t n = 0;

	p = skip_ws(p);
	if (*p == '\0')
		return NULL;
	while (*p && *p != ' ' && *p != '\t') {
		if (n + 1 < wmax)
			w[n++] = *p;
		p++;
	}
	w[n] = '\0';
	return p;
}

static enum ms_status
put_name(struct buf *out, const char *name, const char **err)
{
	uint8_t wire[255];
	size_t len;

	if (dns_name_to_wire(name, wire, &len) != MS_OK) {
		*err = "bad domain name";
		return MS_ERR_SYNTAX;
	}
	return buf_append(out, wire, len);
}

static enum ms_status
put_u16(struct buf *out, uint64_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return buf_append(out, b, 2);
}

static enum ms_status
put_u32(struct buf *out, uint64_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	return buf_append(out, b, 4);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* put_hex - hex digits, white space allowed between them */
static enum ms_status
put_hex(struct buf *out, const char *p, const char **err)
{
	int hi = -1;

	for (; *p; p++) {
		int v;

		if (*p == ' ' || *p == '\t')
			continue;
		if ((v = hexval((unsigned char)*p)) < 0) {
			*err = "bad hex digit";
			return MS_ERR_SYNTAX;
		}
		if (hi < 0) {
			hi = v;
		} else {
			if (buf_putc(out, hi << 4 | v) != MS_OK) {
				*err = "record data too long";
				return MS_ERR_LIMIT;
			}
			hi = -1;
		}
	}
	if (hi >= 0) {
		*err = "odd number of hex digits";
		return MS_ERR_SYNTAX;
	}
	return MS_OK;
}

enum ms_status
zonetext_txt(const char *p, struct buf *out, const char **err)
{
	int nstrings = 0;

	for (;;) {
		uint8_t s[256];
		size_t n = 0;
		bool quoted;

		p = skip_ws(p);
		if (*p == '\0')
			break;
		quoted = *p == '"';
		if (quoted)
			p++;
		while (*p && (quoted ? *p != '"' : (*p != ' ' && *p != '\t'))) {
			int c = (unsigned char)*p++;

			if (c == '\\') {
				if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' &&
				    p[2] >= '0' && p[2] <= '9') {
					c = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
					if (c > 255) {
						*err = "bad \\DDD escape";
						return MS_ERR_SYNTAX;
					}
					p += 3;
				} else if (*p) {
					c = (unsigned char)*p++;
				} else {
					*err = "backslash at end of text";
					return MS_ERR_SYNTAX;
				}
			}
			if (n >= 255) {
				*err = "TXT string longer than 255 bytes";
				return MS_ERR_LIMIT;
			}
			s[n++] = (uint8_t)c;
		}
		if (quoted) {
			if (*p != '"') {
				*err = "unterminated quoted string";
				return MS_ERR_SYNTAX;
			}
			p++;
		}
		if (buf_putc(out, (int)n) != MS_OK || buf_append(out, s, n) != MS_OK) {
			*err = "record too long";
			return MS_ERR_LIMIT;
		}
		nstrings++;
	}
	if (nstrings == 0) {
		*err = "TXT record without a string";
		return MS_ERR_SYNTAX;
	}
	return MS_OK;
}

enum ms_status
zonetext_rdata(uint16_t type, const char *text, struct buf *out, const char **err)
{
	char w[DNS_NAME_MAX];
	const char *p = text;
	uint64_t v;
	struct ipaddr ip;

	*err = NULL;
	p = skip_ws(p);
	if (strncmp(p, "\\#", 2) == 0 && (p[2] == ' ' || p[2] == '\t')) {
		size_t before = out->len;

		p = next_word(p + 2, w, sizeof(w));
		if (p == NULL || str_to_u64(w, strlen(w), 65535, &v) != MS_OK) {
			*err = "bad \\# length";
			return MS_ERR_SYNTAX;
		}
		if (put_hex(out, p, err) != MS_OK)
			return MS_ERR_SYNTAX;
		if (out->len - before != v) {
			*err = "\\# length does not match the data";
			return MS_ERR_SYNTAX;
		}
		return MS_OK;
	}
	switch (type) {
	case DNS_T_A: case DNS_T_AAAA:
		if (next_word(p, w, sizeof(w)) == NULL || ipaddr_parse(w, &ip) != MS_OK ||
		    ip.family != (type == DNS_T_A ? 4 : 6)) {
			*err = type == DNS_T_A ? "bad IPv4 address" : "bad IPv6 address";
			return MS_ERR_SYNTAX;
		}
		return buf_append(out, ip.b, type == DNS_T_A ? 4 : 16);
	case DNS_T_MX:
		p = next_word(p, w, sizeof(w));
		if (p == NULL || str_to_u64(w, strlen(w), 65535, &v) != MS_OK) {
			*err = "bad MX preference";
			return MS_ERR_SYNTAX;
		}
		put_u16(out, v);
		if (next_word(p, w, sizeof(w)) == NULL) {
			*err = "MX without exchange";
			return MS_ERR_SYNTAX;
		}
		return put_name(out, w, err);
	case DNS_T_NS: case DNS_T_CNAME: case DNS_T_PTR:
		if (next_word(p, w, sizeof(w)) == NULL) {
			*err = "missing name";
			return MS_ERR_SYNTAX;
		}
		return put_name(out, w, err);
	case DNS_T_TXT: case DNS_T_SPF:
		return zonetext_txt(p, out, err);
	case DNS_T_TLSA:
		for (int i = 0; i < 3; i++) {
			p = next_word(p, w, sizeof(w));
			if (p == NULL || str_to_u64(w, strlen(w), 255, &v) != MS_OK) {
				*err = "bad TLSA field";
				return MS_ERR_SYNTAX;
			}
			if (buf_putc(out, (int)v) != MS_OK) {
				*err = "record data too long";
				return MS_ERR_LIMIT;
			}
		}
		return put_hex(out, p, err);
	case DNS_T_SOA:
		for (int i = 0; i < 2; i++) {
			if ((p = next_word(p, w, sizeof(w))) == NULL) {
				*err = "SOA needs two names";
				return MS_ERR_SYNTAX;
			}
			if (put_name(out, w, err) != MS_OK)
				return MS_ERR_SYNTAX;
		}
		for (int i = 0; i < 5; i++) {
			p = next_word(p, w, sizeof(w));
			if (p == NULL || str_to_u64(w, strlen(w), UINT32_MAX, &v) != MS_OK) {
				*err = "bad SOA number";
				return MS_ERR_SYNTAX;
			}
			put_u32(out, v);
		}
		return MS_OK;
	default:
		*err = "type not supported in text form (use \\# len hex)";
		return MS_ERR_SYNTAX;
	}
}

enum ms_status
zonetext_quote(struct buf *b, const char *s, size_t n)
{
	enum ms_status st = buf_putc(b, '"');

	for (size_t i = 0; i < n && st == MS_OK; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			st = buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			st = buf_printf(b, "\\%03u", c);
		else
			st = buf_putc(b, c);
	}
	return st == MS_OK ? buf_putc(b, '"') : st;
}

/* the worst case: every byte as \DDD, quotes and a space around every 255 bytes */
#define QUOTED_MAX(n)	(4 * (n) + 3 * ((n) / 255 + 1) + 16)

char *
zonetext_txt_quoted(const char *s, size_t n)
{
	struct buf b;

	buf_init(&b, QUOTED_MAX(n));
	for (size_t i = 0; i < n || i == 0; i += 255) {
		if (i > 0)
			buf_addc(&b, ' ');
		/* a failure is kept in b for buf_steal_fitted, which the size rules out */
		MS_IGNORE(zonetext_quote(&b, s + i, n - i < 255 ? n - i : 255));
	}
	return buf_steal_fitted(&b);
}

char *
zonetext_rr_txt(const struct dns_rr *rr)
{
	struct buf b;
	size_t total = 0;

	for (size_t i = 0; i < rr->u.txt.npieces; i++)
		total += rr->u.txt.pieces[i].len;
	buf_init(&b, QUOTED_MAX(total) + 3 * rr->u.txt.npieces);
	for (size_t i = 0; i < rr->u.txt.npieces; i++) {
		if (i)
			buf_addc(&b, ' ');
		/* a failure is kept in b for buf_steal_fitted, which the size rules out */
		MS_IGNORE(zonetext_quote(&b, rr->u.txt.pieces[i].s, rr->u.txt.pieces[i].len));
	}
	return buf_steal_fitted(&b);
}
