/* src/dns/dns.c - DNS answers: outcomes, names and RDATA parsing (pure, bounded) */
#include "dns/dns.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
dns_outcome_name(enum dns_outcome o)
{
	switch (o) {
	case DNS_OK: return "OK";
	case DNS_NODATA: return "NODATA";
	case DNS_NXDOMAIN: return "NXDOMAIN";
	case DNS_SERVFAIL: return "SERVFAIL";
	case DNS_TIMEOUT: return "TIMEOUT";
	case DNS_BOGUS: return "BOGUS";
	}
	return "?";
}

bool
dns_answer_failed_status(enum dns_outcome o)
{
	return o == DNS_SERVFAIL || o == DNS_TIMEOUT || o == DNS_BOGUS;
}

static const struct {
	uint16_t type;
	const char *name;
} type_names[] = {
	{ DNS_T_A, "A" }, { DNS_T_NS, "NS" }, { DNS_T_CNAME, "CNAME" },
	{ DNS_T_SOA, "SOA" }, { DNS_T_PTR, "PTR" }, { DNS_T_MX, "MX" },
	{ DNS_T_TXT, "TXT" }, { DNS_T_AAAA, "AAAA" }, { DNS_T_DS, "DS" },
	{ DNS_T_RRSIG, "RRSIG" }, { DNS_T_DNSKEY, "DNSKEY" }, { DNS_T_TLSA, "TLSA" },
	{ DNS_T_SPF, "SPF" }, { DNS_T_CAA, "CAA" },
};

const char *
dns_type_name(uint16_t type)
{
	static _Thread_local char buf[16];

	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == type)
			return type_names[i].name;
	snprintf(buf, sizeof(buf), "TYPE%u", type);
	return buf;
}

bool
dns_type_parse(const char *s, uint16_t *out)
{
	uint64_t v;

	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (str_caseeq(type_names[i].name, s)) {
			*out = type_names[i].type;
			return true;
		}
	}
	if (str_has_prefix_case(s, "TYPE") &&
	    str_to_u64(s + 4, strlen(s + 4), 65535, &v) == MS_OK) {
		*out = (uint16_t)v;
		return true;
	}
	return false;
}

struct dns_answer *
dns_answer_new(const char *qname, uint16_t qtype)
{
	struct dns_answer *a = xcalloc(1, sizeof(*a));

	a->refs = 1;
	a->qname = xstrdup(qname);
	a->qtype = qtype;
	a->status = DNS_NODATA;
	return a;
}

struct dns_answer *
dns_answer_ref(struct dns_answer *a)
{
	a->refs++;
	return a;
}

void
dns_rr_clear(struct dns_rr *rr)
{
	free(rr->wire);
	switch (rr->type) {
	case DNS_T_MX:
		free(rr->u.mx.host);
		break;
	case DNS_T_NS: case DNS_T_CNAME: case DNS_T_PTR:
		free(rr->u.name);
		break;
	case DNS_T_TXT: case DNS_T_SPF:
		free(rr->u.txt.text);
		free(rr->u.txt.pieces);
		break;
	case DNS_T_TLSA:
		free(rr->u.tlsa.data);
		break;
	case DNS_T_SOA:
		free(rr->u.soa.mname);
		free(rr->u.soa.rname);
		break;
	default:
		break;
	}
	memset(rr, 0, sizeof(*rr));
}

void
dns_answer_unref(struct dns_answer *a)
{
	if (a == NULL || --a->refs > 0)
		return;
	for (size_t i = 0; i < a->n; i++)
		dns_rr_clear(&a->rr[i]);
	free(a->rr);
	free(a->qname);
	free(a->why);
	free(a->canon);
	free(a->zone);
	free(a);
}

void
dns_answer_set_why(struct dns_answer *a, const char *fmt, ...)
{
	va_list ap;

	free(a->why);
	va_start(ap, fmt);
	a->why = xvasprintf(fmt, ap);
	va_end(ap);
}

enum ms_status
dns_name_from_wire(const uint8_t *p, size_t avail, char out[DNS_NAME_MAX], size_t *used)
{
	size_t i = 0, o = 0;

	for (;;) {
		uint8_t len;

		if (i >= avail)
			return MS_ERR_SYNTAX;
		len = p[i++];
		if (len == 0)
			break;
		if (len > 63 || len > avail - i)	/* compression pointers are not allowed here */
			return MS_ERR_SYNTAX;
		if (i + len > 255)
			return MS_ERR_LIMIT;
		if (o > 0)
			out[o++] = '.';
		for (size_t k = 0; k < len; k++) {
			uint8_t c = p[i + k];

			if (o + 5 >= DNS_NAME_MAX)
				return MS_ERR_LIMIT;
			if (c == '.' || c == '\\') {
				out[o++] = '\\';
				out[o++] = (char)c;
			} else if (c <= 0x20 || c >= 0x7f) {
				o += (size_t)snprintf(out + o, 5, "\\%03u", c);
			} else {
				out[o++] = (char)c;
			}
		}
		i += len;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	*used = i;
	return MS_OK;
}

enum ms_status
dns_name_to_wire(const char *name, uint8_t out[255], size_t *len)
{
	size_t o = 0, lab = 0;
	const char *p = name;

	if (strcmp(name, ".") == 0) {
		out[0] = 0;
		*len = 1;
		return MS_OK;
	}
	if (*p == '\0')
		return MS_ERR_SYNTAX;
	out[o++] = 0;	/* length byte of the first label */
	while (*p) {
		uint8_t c;

		if (*p == '.') {
			if (o - lab - 1 == 0)
				return MS_ERR_SYNTAX;	/* empty label */
			if (p[1] == '\0')
				break;			/* trailing dot */
			if (o >= 255)
				return MS_ERR_LIMIT;
			lab = o;
			out[o++] = 0;
			p++;
			continue;
		}
		if (*p != '\\') {
			/* a run of plain octets, copied at once (most names are nothing else) */
			const char *run = p;
			size_t n;

			while (*p && *p != '.' && *p != '\\')
				p++;
			n = (size_t)(p - run);
			if (o + n > 254 || o - lab - 1 + n > 63)
				return MS_ERR_LIMIT;
			memcpy(out + o, run, n);
			o += n;
			out[lab] = (uint8_t)(o - lab - 1);
			continue;
		}
		/* an escape: \DDD or \c */
		if (p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
		    p[3] >= '0' && p[3] <= '9') {
			int v = (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');

			if (v > 255)
				return MS_ERR_SYNTAX;
			c = (uint8_t)v;
			p += 4;
		} else if (p[1] != '\0') {
			c = (uint8_t)p[1];
			p += 2;
		} else {
			return MS_ERR_SYNTAX;
		}
		if (o >= 254 || o - lab > 63)
			return MS_ERR_LIMIT;
		out[o++] = c;
		out[lab] = (uint8_t)(o - lab - 1);
	}
	if (o - lab - 1 == 0)
		return MS_ERR_SYNTAX;
	if (o >= 255)
		return MS_ERR_LIMIT;
	out[o++] = 0;
	*len = o;
	return MS_OK;
}

/* name_len_nodot - length without one trailing dot (but "." stays 1) */
static size_t
name_len_nodot(const char *s)
{
	size_t n = strlen(s);

	if (n > 1 && s[n - 1] == '.')
		n--;
	return n;
}

bool
dns_name_equal(const char *a, const char *b)
{
	size_t la = name_len_nodot(a), lb = name_len_nodot(b);

	return la == lb && str_ncasecmp(a, b, la) == 0;
}

bool
dns_name_is_subdomain(const char *name, const char *parent)
{
	size_t ln = name_len_nodot(name), lp = name_len_nodot(parent);

	if (strcmp(parent, ".") == 0)
		return true;
	if (ln < lp || str_ncasecmp(name + ln - lp, parent, lp) != 0)
		return false;
	return ln == lp || name[ln - lp - 1] == '.';
}

bool
dns_name_check_host(const char *name, const char **why)
{
	size_t n = name_len_nodot(name), lab = 0;

	if (n == 0 || n > 253) {
		*why = n == 0 ? "empty name" : "longer than 253 characters";
		return false;
	}
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? name[i] : '.';

		if (c == '.') {
			if (lab == 0) {
				*why = "empty label";
				return false;
			}
			if (name[i - 1] == '-' || name[i - lab] == '-') {
				*why = "label begins or ends with a hyphen";
				return false;
			}
			lab = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || (c == '_' && lab == 0))) {
			*why = "character not allowed in a host name";
			return false;
		}
		if (++lab > 63) {
			*why = "label longer than 63 characters";
			return false;
		}
	}
	return true;
}

char *
dns_domain_normalise(const char *in, const char **why)
{
	char *d = str_lower(xstrdup(in));
	size_t n = strlen(d);

	*why = NULL;
	if (n > 1 && d[n - 1] == '.')
		d[n - 1] = '\0';
	for (const char *p = d; *p; p++) {
		if ((unsigned char)*p >= 0x80) {
			*why = "not ASCII: give the A-label (xn--) form of an internationalised name";
			free(d);
			return NULL;
		}
	}
	if (!dns_name_check_host(d, why)) {
		free(d);
		return NULL;
	}
	if (strchr(d, '.') == NULL) {
		*why = "not a fully qualified domain name (it has no dot)";
		free(d);
		return NULL;
	}
	return d;
}

/* rd32 / rd16 - big-endian reads; the caller checked the bounds */
static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* parse_name_at - a name that must fill the rest of the RDATA (from off) */
static enum ms_status
parse_name_at(const uint8_t *rd, size_t len, size_t off, char **out, size_t *used)
{
	char name[DNS_NAME_MAX];
	enum ms_status st;

	if (off > len)
		return MS_ERR_SYNTAX;
	if ((st = dns_name_from_wire(rd + off, len - off, name, used)) != MS_OK)
		return st;
	*out = xstrdup(name);
	return MS_OK;
}

static enum ms_status
parse_txt(const uint8_t *rd, size_t len, struct dns_rr *rr)
{
	size_t i = 0, o = 0, np = 0;
	char *text;
	struct dns_txt_piece *pieces;

	if (len == 0)
		return MS_ERR_SYNTAX;	/* a TXT RR holds at least one string */
	/* First pass: validate and count. */
	while (i < len) {
		size_t l = rd[i++];

		if (l > len - i)
			return MS_ERR_SYNTAX;
		i += l;
		np++;
	}
	text = xmalloc(len + 1);
	pieces = xcalloc(np, sizeof(*pieces));
	for (i = 0, np = 0; i < len; ) {
		size_t l = rd[i++];

		memcpy(text + o, rd + i, l);
		pieces[np].len = l;
		pieces[np].s = NULL;	/* fixed below, text is final now */
		pieces[np++].s = text + o;
		o += l;
		i += l;
	}
	text[o] = '\0';
	rr->u.txt.text = text;
	rr->u.txt.len = o;
	rr->u.txt.pieces = pieces;
	rr->u.txt.npieces = np;
	return MS_OK;
}

enum ms_status
dns_rdata_parse(uint16_t type, const uint8_t *rd, size_t len, struct dns_rr *rr)
{
	enum ms_status st = MS_OK;
	size_t used = 0;

	memset(rr, 0, sizeof(*rr));
	rr->type = type;
	switch (type) {
	case DNS_T_A:
		if (len != 4)
			return MS_ERR_SYNTAX;
		rr->u.addr.family = 4;
		memcpy(rr->u.addr.b, rd, 4);
		break;
	case DNS_T_AAAA:
		if (len != 16)
			return MS_ERR_SYNTAX;
		rr->u.addr.family = 6;
		memcpy(rr->u.addr.b, rd, 16);
		break;
	case DNS_T_MX:
		if (len < 3)
			return MS_ERR_SYNTAX;
		rr->u.mx.pref = rd16(rd);
		st = parse_name_at(rd, len, 2, &rr->u.mx.host, &used);
		if (st == MS_OK && used != len - 2) {
			free(rr->u.mx.host);
			st = MS_ERR_SYNTAX;
		}
		break;
	case DNS_T_NS: case DNS_T_CNAME: case DNS_T_PTR:
		st = parse_name_at(rd, len, 0, &rr->u.name, &used);
		if (st == MS_OK && used != len) {
			free(rr->u.name);
			st = MS_ERR_SYNTAX;
		}
		break;
	case DNS_T_TXT: case DNS_T_SPF:
		st = parse_txt(rd, len, rr);
		break;
	case DNS_T_TLSA:
		if (len < 3)
			return MS_ERR_SYNTAX;
		rr->u.tlsa.usage = rd[0];
		rr->u.tlsa.selector = rd[1];
		rr->u.tlsa.mtype = rd[2];
		rr->u.tlsa.len = len - 3;
		rr->u.tlsa.data = (uint8_t *)xmemdup(rd + 3, len - 3);
		break;
	case DNS_T_SOA: {
		size_t u2 = 0;

		if ((st = parse_name_at(rd, len, 0, &rr->u.soa.mname, &used)) != MS_OK)
			break;
		if ((st = parse_name_at(rd, len, used, &rr->u.soa.rname, &u2)) != MS_OK ||
		    len - used - u2 != 20) {
			free(rr->u.soa.mname);
			if (st == MS_OK)
				free(rr->u.soa.rname);
			st = MS_ERR_SYNTAX;
			break;
		}
		{
			const uint8_t *nums = rd + used + u2;	/* rd itself is copied below */

			rr->u.soa.serial = rd32(nums);
			rr->u.soa.refresh = rd32(nums + 4);
			rr->u.soa.retry = rd32(nums + 8);
			rr->u.soa.expire = rd32(nums + 12);
			rr->u.soa.minimum = rd32(nums + 16);
		}
		break;
	}
	default:
		break;	/* kept as wire only */
	}
	if (st != MS_OK) {
		memset(rr, 0, sizeof(*rr));
		return st;
	}
	rr->type = type;
	rr->wire = (uint8_t *)xmemdup(rd, len);
	rr->wirelen = len;
	return MS_OK;
}

enum ms_status
dns_answer_add_wire(struct dns_answer *a, uint16_t type, uint32_t ttl,
    const uint8_t *rdata, size_t len)
{
	struct dns_rr rr;
	enum ms_status st;

	if (a->n >= DNS_ANSWER_MAX) {
		a->dropped++;
		return MS_ERR_LIMIT;
	}
	if ((st = dns_rdata_parse(type, rdata, len, &rr)) != MS_OK)
		return st;
	rr.ttl = ttl;
	a->rr = xreallocarray(a->rr, a->n + 1, sizeof(*a->rr));
	a->rr[a->n++] = rr;
	if (a->n == 1 || ttl < a->ttl)
		a->ttl = ttl;
	return MS_OK;
}

bool
dns_mx_is_null(const struct dns_answer *ans)
{
	size_t n = 0;

	if (ans == NULL || ans->status != DNS_OK)
		return false;
	for (size_t i = 0; i < ans->n; i++) {
		if (ans->rr[i].type != DNS_T_MX)
			continue;
		if (strcmp(ans->rr[i].u.mx.host, ".") != 0)
			return false;
		n++;
	}
	return n > 0;
}
