/* src/smtp/smtp_reply.h - SMTP replies (RFC 5321 §4.2): pure, incremental, hard-bounded parser */
#ifndef MS_SMTP_SMTP_REPLY_H
#define MS_SMTP_SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

#define SMTP_REPLY_LINE_MAX	1024	/* bytes per line incl. CRLF (RFC 5321 says 512) */
#define SMTP_REPLY_LINES_MAX	64	/* lines per multi-line reply */
#define SMTP_REPLY_TEXT_MAX	8192	/* all lines' text together */

/*
 * One complete reply.  text holds each line's text (after "NNN-" / "NNN ")
 * NUL-separated; line[i] is the offset of line i in text.  Plain data.
 */
struct smtp_reply {
	int	 code;			/* 200..599 */
	size_t	 nlines;
	size_t	 line[SMTP_REPLY_LINES_MAX];
	char	 text[SMTP_REPLY_TEXT_MAX];
	size_t	 textlen;
};

/*
 * smtp_reply_parse - look for one complete reply at the start of buf[0..len).
 * MS_OK and *used > 0: a reply was parsed into *out and used bytes consumed.
 * MS_OK and *used == 0: not complete yet (read more).  MS_ERR_SYNTAX: a line
 * is not "NNN[- ]text" (or the codes of a multi-line reply differ);
 * MS_ERR_LIMIT: a line longer than SMTP_REPLY_LINE_MAX with no end in sight,
 * or too many lines.  *erroff is the byte offset of the problem.  Bare LF is
 * accepted as a line end.  Pure: buf is borrowed; out (plain data: the
 * text is copied into it), *used and *erroff are the caller's.
 */
MS_MUST_CHECK enum ms_status smtp_reply_parse(const char *buf, size_t len, struct smtp_reply *out,
    size_t *used, size_t *erroff);

/* smtp_reply_line - text of line i (borrowed; "" past the end) */
const char *smtp_reply_line(const struct smtp_reply *r, size_t i);

/*
 * smtp_reply_has_keyword - for an EHLO reply: whether a line after the
 * first starts with keyword (case-insensitive) followed by space or its end.
 * r and keyword are borrowed.
 */
bool smtp_reply_has_keyword(const struct smtp_reply *r, const char *keyword);

/*
 * smtp_reply_domain - the first word of the first line (the server's name
 * in a banner or EHLO reply), copied into out (at most outsz-1 bytes).
 */
void smtp_reply_domain(const struct smtp_reply *r, char *out, size_t outsz);

#endif
