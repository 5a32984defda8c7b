/* src/policy/mtasts_parse.h - MTA-STS TXT record and policy file grammar (RFC 8461 §3.1, §3.2) */
#ifndef MS_POLICY_MTASTS_PARSE_H
#define MS_POLICY_MTASTS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

#define MTASTS_ID_MAX		32		/* sts-id: 1*32(ALPHA / DIGIT) */
#define MTASTS_POLICY_MAX	(64u * 1024)	/* a policy body larger than this is refused */
#define MTASTS_MX_MAX		64		/* mx: lines kept; more is MS_ERR_LIMIT */
#define MTASTS_MX_LEN		258		/* one pattern: "*." + a 253-byte name + "." + NUL */
#define MTASTS_MAX_AGE_MAX	31557600u	/* RFC 8461 §3.2: about one year */
#define MTASTS_EXT_NAME_MAX	32

/* Where and why a parse failed: offset is a byte offset into the input. */
struct mtasts_error {
	size_t		 offset;
	const char	*why;		/* static string */
	const char	*suggest;	/* the nearest valid value ("enforce" for "enfoce"), or NULL; static */
};

/* The _mta-sts TXT record (RFC 8461 §3.1). */
struct mtasts_record {
	char	 id[MTASTS_ID_MAX + 1];
	size_t	 next;			/* extension fields seen */
};

enum mtasts_mode {
	MTASTS_MODE_UNSET = 0,
	MTASTS_MODE_ENFORCE,
	MTASTS_MODE_TESTING,
	MTASTS_MODE_NONE
};

/* The policy file (RFC 8461 §3.2).  Plain data: no pointers, nothing to free. */
struct mtasts_policy {
	enum mtasts_mode mode;
	uint32_t	 max_age;
	size_t		 nmx;
	char		 mx[MTASTS_MX_MAX][MTASTS_MX_LEN];
	size_t		 next;		/* extension fields seen */
	bool		 crlf;		/* at least one line ended in CRLF */
};

/*
 * mtasts_record_looks_like - whether TXT data claims to be an STS record
 * (starts "v=STSv1" followed by ';', white space or the end).  RFC 8461 §3.1:
 * TXT records at _mta-sts that do not are to be ignored.  s is borrowed.
 */
bool mtasts_record_looks_like(const char *s, size_t len);

/*
 * mtasts_record_parse - parse TXT data (len bytes, may hold NULs) into *out.
 * MS_ERR_SYNTAX with *err set on any deviation from the grammar, including a
 * duplicate id.  Pure; out is fully written on MS_OK only.  s is borrowed;
 * out and err are the caller's (plain data: the id is copied in).
 */
MS_MUST_CHECK enum ms_status mtasts_record_parse(const char *s, size_t len, struct mtasts_record *out,
    struct mtasts_error *err);

/*
 * mtasts_policy_parse - parse a policy body (len bytes, at most
 * MTASTS_POLICY_MAX, lines ending in LF or CRLF, the last terminator optional).
 * Requires version, mode and max_age; mx lines unless mode is none.
 * MS_ERR_LIMIT for more than MTASTS_MX_MAX mx lines or an oversize body,
 * MS_ERR_SYNTAX otherwise; *err says where.  Pure: s is borrowed; out and
 * err are the caller's (plain data: the mx patterns are copied in).
 */
MS_MUST_CHECK enum ms_status mtasts_policy_parse(const char *s, size_t len, struct mtasts_policy *out,
    struct mtasts_error *err);

/*
 * mtasts_mx_match - RFC 8461 §4.1: whether host (trailing dot ignored)
 * matches pattern; "*.example.com" matches exactly one extra leftmost label.
 * Case-insensitive; both borrowed.
 */
bool mtasts_mx_match(const char *pattern, const char *host);

/* mtasts_mode_name - "enforce", "testing", "none" (static text) */
const char *mtasts_mode_name(enum mtasts_mode m);

#endif
