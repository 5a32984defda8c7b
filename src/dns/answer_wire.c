/* src/dns/answer_wire.c - a DNS reply packet to a dns_answer (pure: ldns, no I/O) */
#include "dns/answer_wire.h"
#include "util/xalloc.h"

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#define UNBOUND_MAX_CNAME	16	/* hops followed in one answer section */
#define UNBOUND_MAX_REPLY	65535
#define PREVIOUS_FAILURE	" because of a previous validation failure <"

/* rdf_name - an ldns name in our presentation form (no trailing dot, root "."); caller frees */
static char *
rdf_name(const ldns_rdf *rdf)
{
	char *s = ldns_rdf2str(rdf), *out;
	size_t n;

	if (s == NULL)
		return xstrdup(".");
	n = strlen(s);
	if (n > 1 && s[n - 1] == '.')
		s[n - 1] = '\0';
	out = xstrdup(s);
	free(s);
	return out;
}

/* negative_ttl - RFC 2308 §5: the lesser of the SOA's TTL and its MINIMUM */
static uint32_t
negative_ttl(const ldns_pkt *pkt)
{
	const ldns_rr_list *auth = ldns_pkt_authority(pkt);

	for (size_t i = 0; auth && i < ldns_rr_list_rr_count(auth); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(auth, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) == 7) {
			uint32_t ttl = ldns_rr_ttl(rr);
			uint32_t min = ldns_rdf2native_int32(ldns_rr_rdf(rr, 6));

			return min < ttl ? min : ttl;
		}
	}
	return 0;
}

/* add_rr - append rr's RDATA (uncompressed, as ldns holds it) to a */
static void
add_rr(struct dns_answer *a, const ldns_rr *rr)
{
	ldns_buffer *b = ldns_buffer_new(512);

	if (b == NULL)
		return;
	if (ldns_rr_rdata2buffer_wire(b, rr) == LDNS_STATUS_OK && ldns_buffer_status_ok(b))
		/* past the limit it counts in a->dropped; malformed RDATA is left out */
		MS_IGNORE(dns_answer_add_wire(a, (uint16_t)ldns_rr_get_type(rr), ldns_rr_ttl(rr),
		    ldns_buffer_begin(b), ldns_buffer_position(b)));
	ldns_buffer_free(b);
}

/* dns_wire_rcode_name - an rcode's mnemonic, for messages (answer_wire.h) */
const char *
dns_wire_rcode_name(int rcode)
{
	switch (rcode) {
	case LDNS_RCODE_FORMERR: return "FORMERR";
	case LDNS_RCODE_SERVFAIL: return "SERVFAIL";
	case LDNS_RCODE_NXDOMAIN: return "NXDOMAIN";
	case LDNS_RCODE_NOTIMPL: return "NOTIMP";
	case LDNS_RCODE_REFUSED: return "REFUSED";
	default: return "an error";
	}
}

/* walk_answer - follow the CNAME chain from qname through the answer section */
static void
walk_answer(struct dns_answer *a, const ldns_pkt *pkt, int rcode)
{
	const ldns_rr_list *an = ldns_pkt_answer(pkt);
	size_t nan = an ? ldns_rr_list_rr_count(an) : 0;
	ldns_rdf *cur = ldns_dname_new_frm_str(a->qname);

	if (cur == NULL) {
		a->status = DNS_SERVFAIL;
		dns_answer_set_why(a, "cannot encode the name %s", a->qname);
		return;
	}
	for (int hop = 0; ; hop++) {
		const ldns_rr *cname = NULL;
		bool found = false;

		for (size_t i = 0; i < nan; i++) {
			const ldns_rr *rr = ldns_rr_list_rr(an, i);

			if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
			    ldns_dname_compare(ldns_rr_owner(rr), cur) != 0)
				continue;
			if ((uint16_t)ldns_rr_get_type(rr) == a->qtype) {
				add_rr(a, rr);
				found = true;
			} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && cname == NULL &&
			    ldns_rr_rd_count(rr) == 1) {
				cname = rr;
			}
		}
		if (found) {
			a->status = a->n > 0 ? DNS_OK : DNS_SERVFAIL;
			if (a->n == 0)
				dns_answer_set_why(a, "malformed %s records in the reply",
				    dns_type_name(a->qtype));
			break;
		}
		if (cname == NULL || a->qtype == DNS_T_CNAME) {
			a->status = rcode == LDNS_RCODE_NXDOMAIN ? DNS_NXDOMAIN : DNS_NODATA;
			a->ttl = negative_ttl(pkt);
			break;
		}
		if (hop >= UNBOUND_MAX_CNAME) {
			a->status = DNS_SERVFAIL;
			dns_answer_set_why(a, "CNAME chain longer than %d (or a loop)",
			    UNBOUND_MAX_CNAME);
			break;
		}
		ldns_rdf_deep_free(cur);
		cur = ldns_rdf_clone(ldns_rr_rdf(cname, 0));
		free(a->canon);
		a->canon = rdf_name(cur);
	}
	ldns_rdf_deep_free(cur);
}

struct dns_answer *
unbound_answer_from_wire(const char *qname, uint16_t qtype, int rcode, const uint8_t *wire,
    size_t len, int sec, const char *why_bogus)
{
	struct dns_answer *a = dns_answer_new(qname, qtype);
	ldns_pkt *pkt = NULL;

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
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		a->status = DNS_SERVFAIL;
		dns_answer_set_why(a, "the resolver answered %s (rcode %d)%s%s", dns_wire_rcode_name(rcode),
		    rcode, why_bogus ? ": " : "", why_bogus ? why_bogus : "");
		return a;
	}
	if (wire == NULL || len < 12 || len > UNBOUND_MAX_REPLY ||
	    ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK) {
		a->status = DNS_SERVFAIL;
		dns_answer_set_why(a, "%s reply from the resolver",
		    wire == NULL ? "no" : "a malformed");
		return a;
	}
	/* libunbound passes NOERROR for any answer it has: the packet holds the real rcode. */
	if (rcode == LDNS_RCODE_NOERROR)
		rcode = (int)ldns_pkt_get_rcode(pkt);
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		a->status = DNS_SERVFAIL;
		dns_answer_set_why(a, "the resolver answered %s (rcode %d)", dns_wire_rcode_name(rcode), rcode);
	} else {
		walk_answer(a, pkt, rcode);
	}
	ldns_pkt_free(pkt);
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
	ldns_pkt *pkt = NULL;
	const ldns_rdf *opts;
	const uint8_t *o;
	size_t n, off = 0;
	bool found = false;

	if (textsize == 0 || wire == NULL || len < 12 || len > UNBOUND_MAX_REPLY ||
	    ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK)
		return false;
	text[0] = '\0';
	opts = ldns_pkt_edns_data(pkt);
	o = opts ? ldns_rdf_data(opts) : NULL;
	n = opts ? ldns_rdf_size(opts) : 0;
	/* OPTION-CODE (2), OPTION-LENGTH (2), OPTION-DATA; EDE is 15: INFO-CODE (2), EXTRA-TEXT */
	while (o && off + 4 <= n) {
		uint16_t oc = (uint16_t)(o[off] << 8 | o[off + 1]);
		size_t ol = (size_t)(o[off + 2] << 8 | o[off + 3]);

		if (ol > n - off - 4)
			break;		/* an option running past the record: malformed */
		if (oc == 15 && ol >= 2) {
			size_t tl = ol - 2, k = 0;

			*code = (uint16_t)(o[off + 4] << 8 | o[off + 5]);
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
	ldns_pkt_free(pkt);
	return found;
}

struct dns_answer *
dns_answer_from_validating_reply(const char *qname, uint16_t qtype, const uint8_t *wire, size_t len)
{
	uint16_t code = 0;
	char text[256];

	if (wire && len >= 12 && (wire[3] & 0x0f) == LDNS_RCODE_SERVFAIL &&
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
