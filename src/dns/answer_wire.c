/* src/dns/answer_wire.c - a DNS reply packet to a dns_answer (pure: its own reader, no I/O) */
#include "dns/answer_wire.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/*
 * The reply is read in place (RFC 1035 §4.1): the header, the question
 * section skipped, then each resource record's owner, type, class, TTL and
 * RDATA located.  A packet is malformed when a name is (a label over 63
 * octets, a name over 255, a compression pointer outside the packet or more
 * than WIRE_MAX_POINTERS of them, a label type other than 00 and 11), or
 * when a record's fixed fields or RDATA run past the end; octets after the
 * last section are ignored.  Names inside RDATA are decompressed for the
 * types whose RDATA may carry compressed names (RFC 3597 §4 and the types a
 * resolver compresses), so what dns_answer_add_wire gets is the RDATA as
 * the zone holds it.  No library: a program linking only this reader does
 * not pull in ldns and, through it, libcrypto (docs/performance.md).
 */

#define UNBOUND_MAX_CNAME	16	/* hops followed in one answer section */
#define UNBOUND_MAX_REPLY	65535
#define PREVIOUS_FAILURE	" because of a previous validation failure <"
#define WIRE_MAX_POINTERS	128	/* compression pointers followed in one name */
#define WIRE_RDATA_MAX		(65535 + 8 * 255)	/* RDATA with its names decompressed */

enum { RCODE_NOERROR = 0, RCODE_FORMERR = 1, RCODE_SERVFAIL = 2, RCODE_NXDOMAIN = 3,
	RCODE_NOTIMP = 4, RCODE_REFUSED = 5 };
enum { T_MD = 3, T_MF = 4, T_MB = 7, T_MG = 8, T_MR = 9, T_MINFO = 14, T_RP = 17,
	T_AFSDB = 18, T_RT = 21, T_SIG = 24, T_PX = 26, T_NXT = 30, T_SRV = 33, T_NAPTR = 35,
	T_KX = 36, T_DNAME = 39, T_OPT = 41, T_NSEC = 47 };

/* a reply packet being read: borrowed bytes, the section counts, where the answer starts */
struct wire_msg {
	const uint8_t	*p;
	size_t		 len;
	uint16_t	 qd, an, ns, ar;
	size_t		 an_off;	/* first octet of the answer section */
};

/* one resource record located in a wire_msg (offsets into it) */
struct wire_rr {
	size_t		 owner;		/* the owner name (possibly compressed) */
	uint16_t	 type, class;
	uint32_t	 ttl;
	size_t		 rdata, rdlen;	/* RDATA as received */
	size_t		 next;		/* the octet after this record */
};

/* rd16, rd32 - big-endian integers at p (the caller checked the bounds) */
static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * wire_name - read the (possibly compressed) name at off in m: *end is the
 * octet after it where it is written (not where a pointer led), out (if not
 * NULL; 255 octets) gets it uncompressed and *outlen its length.  False if
 * malformed (see the top of the file).
 */
static bool
wire_name(const struct wire_msg *m, size_t off, size_t *end, uint8_t *out, size_t *outlen)
{
	size_t pos = off, n = 0;
	int ptrs = 0;
	bool jumped = false;

	for (;;) {
		uint8_t c;

		if (pos >= m->len)
			return false;
		c = m->p[pos];
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= m->len || ++ptrs > WIRE_MAX_POINTERS)
				return false;
			if (!jumped)
				*end = pos + 2;
			jumped = true;
			pos = (size_t)(c & 0x3f) << 8 | m->p[pos + 1];
			continue;
		}
		if (c > 63)		/* 01 and 10: extended and unassigned label types */
			return false;
		if (n + 1 + c > 255 || pos + 1 + c > m->len)
			return false;
		if (out)
			memcpy(out + n, m->p + pos, (size_t)c + 1);
		n += (size_t)c + 1;
		pos += (size_t)c + 1;
		if (c == 0)
			break;
	}
	if (!jumped)
		*end = pos;
	if (outlen)
		*outlen = n;
	return true;
}

/* wire_rr_at - locate the record at off in m (not a question); false if malformed */
static bool
wire_rr_at(const struct wire_msg *m, size_t off, struct wire_rr *rr)
{
	size_t pos;

	if (!wire_name(m, off, &pos, NULL, NULL) || m->len - pos < 10)
		return false;
	rr->owner = off;
	rr->type = rd16(m->p + pos);
	rr->class = rd16(m->p + pos + 2);
	rr->ttl = rd32(m->p + pos + 4);
	rr->rdlen = rd16(m->p + pos + 8);
	rr->rdata = pos + 10;
	if (rr->rdlen > m->len - rr->rdata)
		return false;
	rr->next = rr->rdata + rr->rdlen;
	return true;
}

/*
 * wire_open - read the header of the reply (p, len borrowed) and check every
 * section's structure; false if malformed.
 */
static bool
wire_open(struct wire_msg *m, const uint8_t *p, size_t len)
{
	size_t pos = 12;
	struct wire_rr rr;

	if (p == NULL || len < 12 || len > UNBOUND_MAX_REPLY)
		return false;
	m->p = p;
	m->len = len;
	m->qd = rd16(p + 4);
	m->an = rd16(p + 6);
	m->ns = rd16(p + 8);
	m->ar = rd16(p + 10);
	for (unsigned i = 0; i < m->qd; i++) {
		if (!wire_name(m, pos, &pos, NULL, NULL) || len - pos < 4)
			return false;
		pos += 4;
	}
	m->an_off = pos;
	for (unsigned i = 0; i < (unsigned)m->an + m->ns + m->ar; i++) {
		if (!wire_rr_at(m, pos, &rr))
			return false;
		pos = rr.next;
	}
	return true;
}

/* wire_section - the first record of section 0 (answer), 1 (authority) or 2 (additional) */
static size_t
wire_section(const struct wire_msg *m, int section, unsigned *count)
{
	size_t pos = m->an_off;
	struct wire_rr rr;
	unsigned skip = section == 0 ? 0 : section == 1 ? m->an : (unsigned)m->an + m->ns;

	for (unsigned i = 0; i < skip; i++) {
		if (!wire_rr_at(m, pos, &rr))		/* checked by wire_open: cannot fail */
			break;
		pos = rr.next;
	}
	*count = section == 0 ? m->an : section == 1 ? m->ns : m->ar;
	return pos;
}

/*
 * rdata_names - where the names sit in RDATA of a type that may carry
 * compressed ones: the octets of fixed fields before the first name, how
 * many names follow one another, what remains is copied as it is.  False
 * for the other types (their RDATA is opaque).
 */
static bool
rdata_names(uint16_t type, size_t *before, int *names)
{
	*before = 0;
	*names = 1;
	switch (type) {
	case DNS_T_NS: case T_MD: case T_MF: case DNS_T_CNAME: case T_MB: case T_MG: case T_MR:
	case DNS_T_PTR: case T_DNAME: case T_NSEC: case T_NXT:
		return true;
	case DNS_T_SOA: case T_MINFO: case T_RP:
		*names = 2;
		return true;
	case DNS_T_MX: case T_AFSDB: case T_RT: case T_KX:
		*before = 2;
		return true;
	case T_PX:
		*before = 2;
		*names = 2;
		return true;
	case T_SRV:
		*before = 6;
		return true;
	case DNS_T_RRSIG: case T_SIG:
		*before = 18;
		return true;
	default:
		return false;
	}
}

/*
 * rdata_room - octets enough for any RDATA of m with its names
 * decompressed: an RDLENGTH is at most the message's length (wire_rr_at),
 * and a type carries at most 2 names of at most 255 octets each (8 allowed
 * for).  Sized by the message rather than WIRE_RDATA_MAX: a 67 KB buffer per
 * answer came from the top of the heap and went back to the kernel when
 * freed, two brk() calls per answer (134 a domain in a warm full audit).
 */
static size_t
rdata_room(const struct wire_msg *m)
{
	return m->len < WIRE_RDATA_MAX - 8 * 255 ? m->len + 8 * 255 : WIRE_RDATA_MAX;
}

/*
 * RDATA_STACK - the callers' buffer on the stack, for rdata_room() up to it
 * (every UDP reply: EDNS asks for at most 1,232 octets); larger ones (TCP)
 * come from the heap.  A heap buffer this size per answer was a "large"
 * request to glibc's malloc, which first consolidates the fast bins: one
 * malloc_consolidate() per answer, and slower allocation after it (3% of a
 * warm full audit's instructions, docs/performance.md).
 */
#define RDATA_STACK	(4096 + 8 * 255)

/*
 * rr_rdata - rr's RDATA with its names decompressed into out (the
 * caller's, rdata_room(m) octets); *n its length.  False when the names
 * or fixed fields do not fit the RDATA (NAPTR's three strings before its
 * name are stepped over here too).
 */
static bool
rr_rdata(const struct wire_msg *m, const struct wire_rr *rr, uint8_t *out, size_t *n)
{
	size_t before, pos = rr->rdata, end = rr->rdata + rr->rdlen, o = 0;
	int names;

	if (rr->type == T_NAPTR) {
		before = 4;
		if (rr->rdlen < before)
			return false;
		for (int s = 0; s < 3; s++) {
			if (rr->rdata + before >= end || m->p[rr->rdata + before] > end - rr->rdata - before - 1)
				return false;
			before += 1 + (size_t)m->p[rr->rdata + before];
		}
		names = 1;
	} else if (!rdata_names(rr->type, &before, &names)) {
		memcpy(out, m->p + rr->rdata, rr->rdlen);
		*n = rr->rdlen;
		return true;
	}
	if (rr->rdlen < before)
		return false;
	memcpy(out, m->p + pos, before);
	o = before;
	pos += before;
	for (int i = 0; i < names; i++) {
		size_t nl, next;

		if (pos >= end || !wire_name(m, pos, &next, out + o, &nl) || next > end)
			return false;
		o += nl;
		pos = next;
	}
	memcpy(out + o, m->p + pos, end - pos);
	*n = o + (end - pos);
	return true;
}

/* name_equal - two uncompressed wire names, ASCII letters compared without case */
static bool
name_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		uint8_t x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (uint8_t)(y + 32);
		if (x != y)
			return false;
	}
	return true;
}

/*
 * wire_name_text - an uncompressed wire name in our presentation form (no
 * trailing dot, the root "."), escaped as ldns writes names (RFC 1035
 * §5.1: "\." and "\\", also ";()", other octets outside printable ASCII
 * as \DDD); caller frees.
 */
static char *
wire_name_text(const uint8_t *w)
{
	char out[DNS_NAME_MAX];
	size_t i = 0, o = 0;

	while (w[i] != 0) {
		uint8_t len = w[i++];

		if (o > 0)
			out[o++] = '.';
		for (uint8_t k = 0; k < len; k++) {
			uint8_t c = w[i++];

			if (c == '.' || c == ';' || c == '(' || c == ')' || c == '\\') {
				out[o++] = '\\';
				out[o++] = (char)c;
			} else if (c <= 0x20 || c >= 0x7f) {
				out[o++] = '\\';
				out[o++] = (char)('0' + c / 100);
				out[o++] = (char)('0' + c / 10 % 10);
				out[o++] = (char)('0' + c % 10);
			} else {
				out[o++] = (char)c;
			}
		}
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return xstrdup(out);
}

/*
 * negative_ttl - RFC 2308 §5: the lesser of the first SOA's TTL and its
 * MINIMUM (authority); *zone the owner of that SOA (caller frees) or NULL
 */
static uint32_t
negative_ttl(const struct wire_msg *m, char **zone)
{
	unsigned count;
	size_t pos = wire_section(m, 1, &count);
	uint8_t stack[RDATA_STACK];
	uint8_t *buf = rdata_room(m) <= sizeof(stack) ? stack : xmalloc(rdata_room(m));
	uint32_t out = 0;

	for (unsigned i = 0; i < count; i++) {
		struct wire_rr rr;
		size_t n;

		if (!wire_rr_at(m, pos, &rr))
			break;
		pos = rr.next;
		if (rr.type == DNS_T_SOA && rr_rdata(m, &rr, buf, &n)) {
			size_t at = 0;

			/* MNAME, RNAME (uncompressed now), then SERIAL ... MINIMUM: exactly 20 octets */
			for (int k = 0; k < 2; k++) {
				while (at < n && buf[at] != 0)
					at += 1 + (size_t)buf[at];
				at++;
			}
			if (at + 20 == n) {
				uint32_t min = rd32(buf + at + 16);
				uint8_t owner[255];
				size_t ownerlen, end;

				out = min < rr.ttl ? min : rr.ttl;
				if (rr.class == 1 && wire_name(m, rr.owner, &end, owner, &ownerlen))
					*zone = wire_name_text(owner);
				break;
			}
		}
	}
	if (buf != stack)
		free(buf);
	return out;
}

/* dns_wire_rcode_name - an rcode's mnemonic, for messages (answer_wire.h) */
const char *
dns_wire_rcode_name(int rcode)
{
	switch (rcode) {
	case RCODE_FORMERR: return "FORMERR";
	case RCODE_SERVFAIL: return "SERVFAIL";
	case RCODE_NXDOMAIN: return "NXDOMAIN";
	case RCODE_NOTIMP: return "NOTIMP";
	case RCODE_REFUSED: return "REFUSED";
	default: return "an error";
	}
}

/*
 * walk_answer - follow the CNAME chain from qname through the answer
 * section: the records of qtype owned by the name reached (class IN) go
 * into a, in the order received; a CNAME is followed when the name has no
 * record of qtype (the first well-formed one).
 */
static void
walk_answer(struct dns_answer *a, const struct wire_msg *m, int rcode)
{
	uint8_t cur[255], stack[RDATA_STACK], *buf;
	size_t curlen;

	if (dns_name_to_wire(a->qname, cur, &curlen) != MS_OK) {
		a->status = DNS_SERVFAIL;
		dns_answer_set_why(a, "cannot encode the name %s", a->qname);
		return;
	}
	buf = rdata_room(m) <= sizeof(stack) ? stack : xmalloc(rdata_room(m));
	for (int hop = 0; ; hop++) {
		uint8_t owner[255], target[255];
		size_t ownerlen, targetlen = 0, pos, n, end;
		unsigned count;
		bool found = false, cname = false;

		pos = wire_section(m, 0, &count);
		for (unsigned i = 0; i < count; i++) {
			struct wire_rr rr;

			if (!wire_rr_at(m, pos, &rr))
				break;
			pos = rr.next;
			if (rr.class != 1 || !wire_name(m, rr.owner, &end, owner, &ownerlen) ||
			    !name_equal(owner, ownerlen, cur, curlen))
				continue;
			if (rr.type == a->qtype) {
				/* past the limit it counts in a->dropped; malformed RDATA is left out */
				if (rr_rdata(m, &rr, buf, &n))
					MS_IGNORE(dns_answer_add_wire(a, rr.type, rr.ttl, buf, n));
				found = true;
			} else if (rr.type == DNS_T_CNAME && !cname && rr_rdata(m, &rr, buf, &n) &&
			    n > 0 && wire_name(&(struct wire_msg){ .p = buf, .len = n }, 0, &end, target,
			    &targetlen) && end == n) {
				cname = true;
			}
		}
		if (found) {
			a->status = a->n > 0 ? DNS_OK : DNS_SERVFAIL;
			if (a->n == 0)
				dns_answer_set_why(a, "malformed %s records in the reply",
				    dns_type_name(a->qtype));
			break;
		}
		if (!cname || a->qtype == DNS_T_CNAME) {
			char *zone = NULL;

			a->status = rcode == RCODE_NXDOMAIN ? DNS_NXDOMAIN : DNS_NODATA;
			a->ttl = negative_ttl(m, &zone);
			if (a->canon == NULL) {
				free(a->zone);
				a->zone = zone;
			} else {
				free(zone);
			}
			break;
		}
		if (hop >= UNBOUND_MAX_CNAME) {
			a->status = DNS_SERVFAIL;
			dns_answer_set_why(a, "CNAME chain longer than %d (or a loop)",
			    UNBOUND_MAX_CNAME);
			break;
		}
		memcpy(cur, target, targetlen);
		curlen = targetlen;
		free(a->canon);
		a->canon = wire_name_text(cur);
	}
	if (buf != stack)
		free(buf);
}

struct dns_answer *
unbound_answer_from_wire(const char *qname, uint16_t qtype, int rcode, const uint8_t *wire,
    size_t len, int sec, const char *why_bogus)
{
	struct dns_answer *a = dns_answer_new(qname, qtype);
	struct wire_msg m;

	if (sec == 1) {
		const char *prev = why_bogus ? strstr(why_bogus, PREVIOUS_FAILURE) : NULL;
		const char *end = prev ? strstr(prev, ">: ") : NULL;

		a->status = DNS_BOGUS;
		/*
		 * "... is marked as invalid because of a previous validation failure
		 * <other.name. TYPE IN>: REASON" names whichever query failed first:
		 * keep the reason, drop the accident of timing.
		 */
		if (end)
			dns_answer_set_why(a, "DNSSEC validation failed: %.*s%s", (int)(prev - why_bogus),
			    why_bogus, end + 1);
		else
			dns_answer_set_why(a, "DNSSEC validation failed: %s",
			    why_bogus && *why_bogus ? why_bogus : "no reason given");
		return a;
	}
	if (rcode != RCODE_NOERROR && rcode != RCODE_NXDOMAIN) {
		a->status = DNS_SERVFAIL;
		dns_answer_set_why(a, "the resolver answered %s (rcode %d)%s%s", dns_wire_rcode_name(rcode),
		    rcode, why_bogus ? ": " : "", why_bogus ? why_bogus : "");
		return a;
	}
	if (!wire_open(&m, wire, len)) {
		a->status = DNS_SERVFAIL;
		dns_answer_set_why(a, "%s reply from the resolver",
		    wire == NULL ? "no" : "a malformed");
		return a;
	}
	/* libunbound passes NOERROR for any answer it has: the packet holds the real rcode. */
	if (rcode == RCODE_NOERROR)
		rcode = wire[3] & 0x0f;
	if (rcode != RCODE_NOERROR && rcode != RCODE_NXDOMAIN) {
		a->status = DNS_SERVFAIL;
		dns_answer_set_why(a, "the resolver answered %s (rcode %d)", dns_wire_rcode_name(rcode), rcode);
	} else {
		walk_answer(a, &m, rcode);
	}
	if (dns_answer_failed_status(a->status)) {
		free(a->canon);
		a->canon = NULL;
	}
	a->secure = sec == 2 && !dns_answer_failed_status(a->status);
	return a;
}


/* ede_name - RFC 8914 §4's name of the DNSSEC-failure codes (6-12), for messages (static) */
static const char *
ede_name(uint16_t code)
{
	static const char *const names[] = { "DNSSEC Bogus", "Signature Expired",
	    "Signature Not Yet Valid", "DNSKEY Missing", "RRSIGs Missing", "No Zone Key Bit Set",
	    "NSEC Missing" };

	return code >= 6 && code <= 12 ? names[code - 6] : "an Extended DNS Error";
}

bool
dns_wire_ede(const uint8_t *wire, size_t len, uint16_t *code, char *text, size_t textsize)
{
	struct wire_msg m;
	const uint8_t *o = NULL;
	size_t n = 0, off = 0, pos;
	unsigned count;
	bool found = false;

	if (textsize == 0 || !wire_open(&m, wire, len))
		return false;
	text[0] = '\0';
	/* the OPT record's RDATA (RFC 6891 §6.1.2): the last OPT with any, as ldns read it */
	pos = wire_section(&m, 2, &count);
	for (unsigned i = 0; i < count; i++) {
		struct wire_rr rr;

		if (!wire_rr_at(&m, pos, &rr))
			break;
		pos = rr.next;
		if (rr.type == T_OPT && rr.rdlen > 0) {
			o = m.p + rr.rdata;
			n = rr.rdlen;
		}
	}
	/* OPTION-CODE (2), OPTION-LENGTH (2), OPTION-DATA; EDE is 15: INFO-CODE (2), EXTRA-TEXT */
	while (o && off + 4 <= n) {
		uint16_t oc = rd16(o + off);
		size_t ol = rd16(o + off + 2);

		if (ol > n - off - 4)
			break;		/* an option running past the record: malformed */
		if (oc == 15 && ol >= 2) {
			size_t tl = ol - 2, k = 0;

			*code = rd16(o + off + 4);
			for (size_t i = 0; i < tl && k + 1 < textsize; i++) {
				uint8_t c = o[off + 6 + i];

				/* printable ASCII only: the text goes into messages as it is */
				text[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
			}
			text[k] = '\0';
			found = true;
			break;
		}
		off += 4 + ol;
	}
	return found;
}

struct dns_answer *
dns_answer_from_validating_reply(const char *qname, uint16_t qtype, const uint8_t *wire, size_t len)
{
	uint16_t code = 0;
	char text[256];

	if (wire && len >= 12 && (wire[3] & 0x0f) == RCODE_SERVFAIL &&
	    dns_wire_ede(wire, len, &code, text, sizeof(text)) && code >= 6 && code <= 12) {
		struct dns_answer *a;
		char *why = text[0] ? xasprintf("%s (the resolver's Extended DNS Error %u, %s)", text,
		    (unsigned)code, ede_name(code)) : xasprintf("the resolver's Extended DNS Error %u, %s",
		    (unsigned)code, ede_name(code));

		a = unbound_answer_from_wire(qname, qtype, 0, wire, len, 1, why);
		free(why);
		return a;
	}
	/* rcode 0: the packet's own rcode is read, as for libunbound's replies */
	return unbound_answer_from_wire(qname, qtype, 0, wire, len, wire && len >= 4 &&
	    (wire[3] & 0x20) ? 2 : 0, NULL);
}
