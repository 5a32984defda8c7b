/* src/dns/dns.h - DNS answers as mailsec sees them: outcome, DNSSEC state, parsed records */
#ifndef MS_DNS_DNS_H
#define MS_DNS_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/ipaddr.h"
#include "util/status.h"

/*
 * What a lookup concluded.  "Missing" (NXDOMAIN, NODATA) and "could not
 * tell" (SERVFAIL, TIMEOUT, BOGUS) are never merged: a check that gets one of
 * the latter reports an unknown finding, never that something is absent.
 */
enum dns_outcome {
	DNS_OK = 0,	/* the name has records of the type asked */
	DNS_NODATA,	/* the name exists, no records of that type */
	DNS_NXDOMAIN,	/* the name does not exist */
	DNS_SERVFAIL,	/* the servers failed to answer */
	DNS_TIMEOUT,	/* no answer within the query timeout */
	DNS_BOGUS	/* DNSSEC validation failed */
};

enum dns_type {
	DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6,
	DNS_T_PTR = 12, DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_AAAA = 28,
	DNS_T_DS = 43, DNS_T_RRSIG = 46, DNS_T_DNSKEY = 48, DNS_T_TLSA = 52,
	DNS_T_SPF = 99, DNS_T_CAA = 257
};

#define DNS_NAME_MAX	1025	/* presentation form incl. \DDD escapes + NUL */
#define DNS_TXT_MAX	65535	/* a TXT RRset's rdata cannot exceed one RR's size */
#define DNS_ANSWER_MAX	512	/* records kept per answer; the rest are counted */

struct dns_txt_piece {
	const char	*s;	/* points into dns_rr.u.txt.text */
	size_t		 len;
};

/*
 * One resource record.  wire/wirelen hold the RDATA as received; the union
 * holds it parsed for the types we know (others: only wire).  Names are in
 * presentation form without the trailing dot ("mail.example.org"; the root
 * is "."), case as published, with \DDD escapes for unusual bytes.
 */
struct dns_rr {
	uint16_t	 type;
	uint32_t	 ttl;
	uint8_t		*wire;
	size_t		 wirelen;
	union {
		struct ipaddr addr;			/* A, AAAA */
		struct { uint16_t pref; char *host; } mx;	/* MX */
		char *name;				/* NS, CNAME, PTR */
		struct {
			char *text;			/* pieces concatenated, NUL-terminated */
			size_t len;			/* may contain NULs: use len */
			struct dns_txt_piece *pieces;
			size_t npieces;
		} txt;					/* TXT, SPF */
		struct {
			uint8_t usage, selector, mtype;
			uint8_t *data;
			size_t len;
		} tlsa;					/* TLSA */
		struct {
			char *mname, *rname;
			uint32_t serial, refresh, retry, expire, minimum;
		} soa;					/* SOA */
	} u;
};

/*
 * The answer to one question.  Reference counted: the resolver hands the
 * callback a borrowed answer; dns_answer_ref() keeps it past the callback.
 */
struct dns_answer {
	int		 refs;
	char		*qname;
	uint16_t	 qtype;
	enum dns_outcome status;
	bool		 secure;	/* DNSSEC-validated */
	char		*why;		/* reason for a failure or BOGUS; NULL when OK */
	char		*canon;		/* owner after following CNAMEs, NULL if none followed */
	/*
	 * NODATA or NXDOMAIN for qname itself (no CNAME followed): the owner of
	 * the SOA record in the reply's authority section, i.e. the zone that
	 * denied the name (RFC 2308 §2); NULL when the reply carried none or
	 * the backend does not say (the replay resolver).  Owned by the answer.
	 */
	char		*zone;
	uint32_t	 ttl;		/* minimum TTL of the records, or negative TTL */
	size_t		 n;
	size_t		 dropped;	/* records beyond DNS_ANSWER_MAX */
	struct dns_rr	*rr;
};

/* dns_outcome_name - "OK", "NXDOMAIN", ... (static text) */
const char *dns_outcome_name(enum dns_outcome o);
/* dns_answer_failed_status - SERVFAIL, TIMEOUT or BOGUS: nothing can be concluded */
bool dns_answer_failed_status(enum dns_outcome o);
/* dns_mx_is_null - an MX answer (borrowed) whose every record is the null MX "0 ." (RFC 7505) */
bool dns_mx_is_null(const struct dns_answer *ans);
/*
 * dns_type_name - "MX", "TYPE65534", ...: static text, or for an unknown
 * type thread-local text valid until the next call in the thread
 */
const char *dns_type_name(uint16_t type);
/* dns_type_parse - the type named s (borrowed) into the caller's *out; false if unknown */
bool dns_type_parse(const char *s, uint16_t *out);

/* dns_answer_new - an empty answer for qname (copied), reference count 1: the caller unrefs */
struct dns_answer *dns_answer_new(const char *qname, uint16_t qtype);
/* dns_answer_ref - one more reference to a (the caller unrefs it); returns a */
struct dns_answer *dns_answer_ref(struct dns_answer *a);
/* dns_answer_unref - drop a reference; the last frees a; NULL-safe */
void dns_answer_unref(struct dns_answer *a);
/* dns_answer_set_why - a's why, formatted (owned by a) */
void dns_answer_set_why(struct dns_answer *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * dns_answer_add_wire - parse RDATA (borrowed; a keeps copies) of the given type and append it.
 * Malformed RDATA is rejected with MS_ERR_SYNTAX and not added.
 */
MS_MUST_CHECK enum ms_status dns_answer_add_wire(struct dns_answer *a, uint16_t type, uint32_t ttl,
    const uint8_t *rdata, size_t len);

/* dns_rdata_parse - parse RDATA into rr (which owns copies); pure */
MS_MUST_CHECK enum ms_status dns_rdata_parse(uint16_t type, const uint8_t *rdata, size_t len,
    struct dns_rr *rr);
void dns_rr_clear(struct dns_rr *rr);

/*
 * dns_name_from_wire - decode an uncompressed wire name starting at p[0]
 * (never past end) into presentation form in the caller's out; *used is its
 * wire length.  p is borrowed.
 */
MS_MUST_CHECK enum ms_status dns_name_from_wire(const uint8_t *p, size_t avail, char out[DNS_NAME_MAX],
    size_t *used);
/*
 * dns_name_to_wire - encode a presentation name (trailing dot optional,
 * \DDD and \c escapes honoured; borrowed) into the caller's out[255]; *len
 * is the wire length.
 */
MS_MUST_CHECK enum ms_status dns_name_to_wire(const char *name, uint8_t out[255], size_t *len);
/* dns_name_equal - case-insensitive, ignoring one trailing dot (a, b borrowed) */
bool dns_name_equal(const char *a, const char *b);
/* dns_name_is_subdomain - whether name is at or below parent (both borrowed) */
bool dns_name_is_subdomain(const char *name, const char *parent);
/*
 * dns_name_check_host - whether name is a syntactically valid host name
 * (LDH labels, each 1..63, total <= 253); *why (static text) says what is
 * wrong.  name is borrowed.
 */
bool dns_name_check_host(const char *name, const char **why);
/*
 * dns_domain_normalise - a domain as every command takes it: lower case, one
 * trailing dot stripped, ASCII only (an IDN must be given as its A-label), a
 * valid host name with at least one dot.  in is borrowed; returns a copy the
 * caller frees, or NULL with *why (a static string) saying what is wrong.
 */
char *dns_domain_normalise(const char *in, const char **why);

#endif
