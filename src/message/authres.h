/* src/message/authres.h - Authentication-Results header fields: writer and parser (RFC 8601) */
#ifndef MS_MESSAGE_AUTHRES_H
#define MS_MESSAGE_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

#define AR_RESULTS_MAX	64	/* resinfo per field */
#define AR_PROPS_MAX	16	/* properties per resinfo */
#define AR_FIELD_MAX	(64 * 1024)

struct ar_prop {
	char	*ptype;		/* "smtp", "header", "body", "policy" or an extension */
	char	*prop;
	char	*value;		/* unquoted */
};

struct ar_result {
	char		*method;	/* lower case */
	unsigned	 method_version;	/* 0: not given */
	char		*result;	/* lower case */
	char		*reason;	/* unquoted, or NULL */
	char		*comment;	/* writer: a comment after the result, or NULL */
	struct ar_prop	 props[AR_PROPS_MAX];
	size_t		 nprops;
};

struct ar_header {
	char		*authserv_id;
	unsigned	 version;	/* 1 unless given */
	struct ar_result res[AR_RESULTS_MAX];
	size_t		 n;		/* "none" gives 0 */
	size_t		 err_off;
	const char	*err;		/* static, when the parse failed */
};

/*
 * ar_format - the field "Authentication-Results: ID;\r\n\tmethod=result ..."
 * for r[0..n) (n == 0 writes "none"), one resinfo per folded line, values
 * quoted where RFC 8601's grammar (RFC 2045 token, or [local-part "@"]
 * domain) does not allow them bare.  No final CRLF.  Caller frees.  At most
 * AR_FIELD_MAX bytes: a resinfo that would pass it is left out, with those
 * after it (none is ever cut in half).
 */
char *ar_format(const char *authserv_id, const struct ar_result *r, size_t n);

/* ar_value_needs_quotes - whether v (borrowed) cannot be written as a bare pvalue */
bool ar_value_needs_quotes(const char *v);

/* How strictly ar_parse reads (flags). */
enum {
	AR_STRICT = 0,		/* RFC 8601 §2.2 exactly */
	AR_INTL = 1,		/* RFC 8616: UTF-8 in quoted strings, comments, domain names and local parts */
	AR_TOLERANT = 2,	/* also what common MTAs emit without harm: a trailing ';', '_' in
				 * keywords ("perm_fail"), any result word, an empty field, an
				 * unquoted U-label authserv-id */
	AR_RELAXED = 4		/* also what some MTAs emit that the grammar forbids: no authserv-id,
				 * properties without a ptype ("action=none"), unquoted values with
				 * '/' or ':' (implies AR_TOLERANT) */
};

/*
 * ar_parse - parse the value (after "Authentication-Results:", which is
 * skipped when present, as is a final CRLF) of one field.  Pure; at most
 * AR_RESULTS_MAX resinfo and AR_FIELD_MAX bytes.  Results of the methods
 * RFC 8601 §2.7 (and RFC 8617 for arc, the BIMI draft for bimi) registers
 * must be one of their registered words (case-insensitive); other methods
 * may give any keyword.  MS_OK, or MS_ERR_SYNTAX / MS_ERR_LIMIT with
 * out->err and out->err_off.  Free with ar_header_free() in every case.
 */
MS_MUST_CHECK enum ms_status ar_parse(const char *v, size_t len, unsigned flags, struct ar_header *out);
void ar_header_free(struct ar_header *h);

#endif
