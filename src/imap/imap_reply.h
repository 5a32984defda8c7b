/* src/imap/imap_reply.h - IMAP server responses (RFC 9051 §7, RFC 3501 §7): pure, strict, bounded parser */
#ifndef MS_IMAP_IMAP_REPLY_H
#define MS_IMAP_IMAP_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/*
 * What a server answers to one command, as lines ending in CRLF:
 *
 *   "* SEARCH" *(SP nz-number)            the result of (UID) SEARCH: the numbers are
 *                                         kept, in order (RFC 9051 §7.3.4)
 *   "* " ("OK"/"NO"/"BAD"/"BYE"/"PREAUTH") [SP text]
 *                                         an untagged status response (§7.1); counted,
 *                                         a BYE remembered (the server is closing)
 *   "* " number SP ("EXISTS"/"RECENT"/"EXPUNGE")
 *   "* FLAGS (" ... ")", "* CAPABILITY" ...
 *   "* " number SP "FETCH (" ... ")"      server data a server may send at any time
 *                                         (§7: "at any time"); skipped.  Only a FETCH
 *                                         line may hold literals: "{n}" CRLF and n bytes
 *                                         (at most lim->literal_max each), after which
 *                                         the line goes on
 *   tag SP ("OK"/"NO"/"BAD") [SP text]    the tagged completion: at most one, and last
 *
 * Anything else is MS_ERR_SYNTAX with the byte offset and a reason: an empty
 * line, a line without CRLF at its end, a bare CR or LF or a NUL inside a line,
 * a continuation request ("+ "), an unknown response, a number with a
 * leading zero or above 4294967295 (a SEARCH number must be 1 or more), a
 * literal cut short, data after the tagged response.  More lines
 * than lim->lines_max, more SEARCH numbers than lim->numbers_max or a larger
 * literal is MS_ERR_LIMIT.  libcurl hands the untagged lines of a custom
 * request's response to its caller and keeps the tagged one, so a reply
 * without a tagged line is complete.  Pure: no I/O, no global state.
 */

#define IMAP_REPLY_NUMBERS_MAX	1000000u	/* SEARCH numbers in one reply */
#define IMAP_REPLY_LINES_MAX	100000u		/* response lines in one reply */
#define IMAP_REPLY_LITERAL_MAX	(1u << 20)	/* bytes of one literal */

struct imap_reply_limits {
	size_t numbers_max, lines_max, literal_max;
};

/* imap_reply_limits_default - the IMAP_REPLY_*_MAX bounds, into the caller's *lim */
void imap_reply_limits_default(struct imap_reply_limits *lim);

enum imap_cond { IMAP_NONE = 0, IMAP_OK, IMAP_NO, IMAP_BAD, IMAP_BYE, IMAP_PREAUTH };

struct imap_reply {
	uint32_t *numbers;	/* every SEARCH number, in order; owned (imap_reply_free) */
	size_t nnumbers;
	bool searched;		/* a SEARCH response was seen (it may hold no number) */
	size_t nuntagged;	/* untagged status responses */
	bool bye;		/* one of them was BYE */
	enum imap_cond tagged;	/* the tagged completion, IMAP_NONE when absent */
	char tagged_text[256];	/* its text, cut to fit, control bytes as '?' */
	size_t lines;		/* response lines (a line with literals counts once) */
};

struct imap_error {
	size_t offset;		/* byte offset of the problem in the input */
	char why[160];
};

/*
 * imap_reply_parse - parse data[0..len) (borrowed) into *out (initialised
 * here; the caller frees it with imap_reply_free, also after a failure).
 * MS_OK, or MS_ERR_SYNTAX / MS_ERR_LIMIT with err set (see above), or
 * MS_ERR_NOMEM with err->why "out of memory" (util/tryalloc.h).
 */
MS_MUST_CHECK enum ms_status imap_reply_parse(const char *data, size_t len, const struct imap_reply_limits *lim,
    struct imap_reply *out, struct imap_error *err);

/* imap_reply_free - free what r holds (r itself is the caller's) */
void imap_reply_free(struct imap_reply *r);

/* imap_cond_name - "OK", "NO", ... ("none" for IMAP_NONE); static text */
const char *imap_cond_name(enum imap_cond c);

#endif
