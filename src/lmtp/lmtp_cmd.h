/* src/lmtp/lmtp_cmd.h - LMTP commands (RFC 2033, RFC 5321 §4.1) and DATA dot-unstuffing: pure and bounded */
#ifndef MS_LMTP_LMTP_CMD_H
#define MS_LMTP_LMTP_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/status.h"

/*
 * Pure: bytes in, a struct out; no I/O, no allocation.  A command line is
 * given without its CRLF and is at most LMTP_LINE_MAX bytes; a path at most
 * LMTP_PATH_MAX (RFC 5321 §4.5.3.1.3).  Read strictly, as OpenSMTPD does:
 * "MAIL FROM:<path>" with no space after the colon, parameters that are
 * not offered (anything but SIZE= and BODY= on MAIL, anything on RCPT) are
 * refused, a path with a control character, a space outside a quoted local
 * part or a byte above 127 (SMTPUTF8 is not offered) is refused, HELO and
 * EHLO are refused (RFC 2033 §4.1: LMTP speaks LHLO only).  Every refusal
 * carries the reply code to send (500, 501, 504, 555), an enhanced status
 * code, a why and the byte offset where reading stopped.
 */
#define LMTP_LINE_MAX	1000
#define LMTP_PATH_MAX	256

enum lmtp_verb {
	LMTP_LHLO, LMTP_MAIL, LMTP_RCPT, LMTP_DATA, LMTP_RSET, LMTP_NOOP, LMTP_QUIT
};

struct lmtp_cmd {
	enum lmtp_verb verb;
	char arg[LMTP_PATH_MAX + 1];	/* LHLO's domain, MAIL's and RCPT's path without <> */
	bool has_size;
	uint64_t size;			/* MAIL SIZE= (RFC 1870) */
	bool body_8bit;			/* MAIL BODY=8BITMIME (RFC 6152) */
};

struct lmtp_cmd_error {
	int code;			/* the reply code: 500, 501, 504 or 555 */
	const char *enhanced;		/* e.g. "5.5.2" (RFC 3463) */
	const char *why;		/* static text */
	size_t offset;			/* where in the line reading stopped */
};

/*
 * lmtp_cmd_parse - read one command line line[0..len) (borrowed; no CRLF)
 * into *out (the caller's).  MS_OK, or MS_ERR_SYNTAX / MS_ERR_LIMIT with
 * *err filled (static strings).
 */
MS_MUST_CHECK enum ms_status lmtp_cmd_parse(const char *line, size_t len, struct lmtp_cmd *out,
    struct lmtp_cmd_error *err);

/*
 * The DATA section (RFC 5321 §4.5.2): bytes after "354" up to the line
 * ".", with the leading dot of every other line that starts with one
 * removed.  lmtp_data_feed() takes the bytes as they arrive, in any pieces;
 * the message (CRLF line ends as sent) goes to the caller's buffer, whose
 * maximum is the size cap: past it the rest is read and dropped and
 * too_big says so.  Pure; no allocation besides the buffer's.
 */
struct lmtp_data {
	int state;			/* internal: where in a line we are */
	bool done;			/* the final "." line was read */
	bool too_big;			/* the message did not fit in the buffer */
	uint64_t size;			/* bytes of message seen (kept or not) */
};

/* lmtp_data_init - a new DATA section in *d (the caller's) */
void lmtp_data_init(struct lmtp_data *d);

/*
 * lmtp_data_feed - read in[0..n) (borrowed) into out (the caller's) until
 * the end of the DATA section; *used is how many bytes were consumed (less
 * than n only when the section ended: the rest is the next command).
 * Returns whether the section has ended.
 */
bool lmtp_data_feed(struct lmtp_data *d, const char *in, size_t n, struct buf *out, size_t *used);

#endif
