/* src/message/msg_header.h - RFC 5322 message split into header fields and body, exact bytes kept */
#ifndef MS_MESSAGE_MSG_HEADER_H
#define MS_MESSAGE_MSG_HEADER_H

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

/*
 * Pure: bytes in, pointers into those bytes out; no I/O.  The header is the
 * lines before the first empty line (RFC 5322 §2.1); a line that starts
 * with SP or HTAB continues the field above it (§2.2.3).  Every field keeps
 * its exact bytes (name, colon, folded value and the final CRLF) because
 * DKIM's simple canonicalisation signs them as they are.  Hard bounds:
 * MSG_SIZE_MAX bytes, MSG_FIELDS_MAX fields; beyond them msg_split fails
 * with MS_ERR_LIMIT.  Lines must end in CRLF: msg_crlf() first repairs
 * bare LF or CR line ends, as every verifier does.
 */
#define MSG_SIZE_MAX	(64u * 1024 * 1024)
#define MSG_FIELDS_MAX	2000

struct msg_field {
	const char	*raw;		/* the whole field, from its name to its final CRLF */
	size_t		 raw_len;
	size_t		 name_len;	/* raw[0 .. name_len) is the name (no trailing WSP) */
	const char	*value;		/* after the colon, up to (not including) the final CRLF */
	size_t		 value_len;
};

struct msg {
	const char	*data;		/* borrowed: the message bytes */
	size_t		 len;
	struct msg_field *fields;	/* top first; owned (msg_free) */
	size_t		 nfields;
	const char	*body;		/* after the empty line; NULL when there is none */
	size_t		 body_len;
	size_t		 bad_lines;	/* header lines with no colon (skipped) */
	bool		 mbox_from;	/* the message started with an mbox "From " line (skipped) */
};

/*
 * msg_split - split data (borrowed; must outlive *out) into fields and body.
 * Returns MS_OK, MS_ERR_LIMIT (too large, too many fields) or MS_ERR_ARG.
 * On success the caller frees with msg_free().
 */
MS_MUST_CHECK enum ms_status msg_split(const char *data, size_t len, struct msg *out);
/* msg_free - release what msg_split allocated (not the data, which the caller owns) */
void msg_free(struct msg *m);

/*
 * msg_crlf - a copy of in[0..n) with every bare LF and bare CR turned into
 * CRLF; *out is malloc'd (caller frees), *outlen its length.  MS_ERR_LIMIT
 * when the result would exceed MSG_SIZE_MAX.
 */
MS_MUST_CHECK enum ms_status msg_crlf(const char *in, size_t n, char **out, size_t *outlen);

/* msg_field_is - whether field f is named name (case-insensitive; both borrowed) */
bool msg_field_is(const struct msg_field *f, const char *name);
/* msg_count - how many fields are named name (m, name borrowed) */
size_t msg_count(const struct msg *m, const char *name);
/* msg_find - the index of the first field named name at or after from, or -1 (borrowed) */
long msg_find(const struct msg *m, const char *name, size_t from);

/*
 * msg_unfold - the value of f unfolded (CRLF removed) and trimmed of
 * surrounding white space, NUL-terminated; malloc'd, caller frees.  NULs in
 * the value are kept as they are (use *len).
 */
char *msg_unfold(const struct msg_field *f, size_t *len);

#endif
