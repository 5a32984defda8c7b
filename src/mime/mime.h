/* src/mime/mime.h - MIME messages and mbox files: the one adapter over GMime */
#ifndef MS_MIME_MIME_H
#define MS_MIME_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Only src/mime/ includes GMime (and zlib, libarchive: unpack.h); scripts/lint
 * enforces it.  A parsed message and its parts are opaque handles:
 *
 * - struct mime_msg: a message.  One returned by mime_parse() is the
 *   caller's (mime_msg_free); one handed to a callback or returned by
 *   mime_part_message() is borrowed (valid while its owner is).
 * - struct mime_part: a MIME object of a message (a leaf part, a multipart,
 *   a message/rfc822 part), borrowed from the message.
 * - struct mime_bytes: bytes the caller owns (mime_bytes_free).
 *
 * GMime's process-wide set-up runs once (pthread_once); after it every call
 * is on the caller's objects only.  Parsing is lenient, as GMime's is: a
 * message that is not quite RFC 5322 still gives its parts; bounds are the
 * caller's (mime_part_content's max, the input's size).
 */
struct mime_msg;
struct mime_part;

struct mime_bytes {
	const char *data;	/* len bytes (may hold NULs), NUL-terminated */
	size_t len;
	void *priv;
};

/* mime_bytes_free - free what b holds (b itself is the caller's); a zeroed b is fine */
void mime_bytes_free(struct mime_bytes *b);

/* mime_parse - data[0..len) (copied) as one message; NULL when it is not one. Caller frees. */
struct mime_msg *mime_parse(const char *data, size_t len);
/* mime_msg_free - free a message mime_parse returned (NULL is fine) */
void mime_msg_free(struct mime_msg *m);

/*
 * mime_mbox_cb - one message of an mbox (m borrowed for the call), the nth
 * (from 1); data/len are its bytes in the mbox when they are at hand (an
 * mbox in memory), else NULL/0.
 */
typedef void (*mime_mbox_cb)(void *arg, struct mime_msg *m, size_t nth, const char *data,
    size_t len);
/* mime_mbox_each - each message of the mbox in data[0..len) (borrowed), in order */
void mime_mbox_each(const char *data, size_t len, mime_mbox_cb cb, void *arg);
/* mime_mbox_each_fp - as mime_mbox_each, reading fp as a stream; takes over fp and closes it */
void mime_mbox_each_fp(FILE *fp, mime_mbox_cb cb, void *arg);

/* mime_msg_top - the message's top-level MIME object, or NULL; borrowed */
struct mime_part *mime_msg_top(struct mime_msg *m);
/* mime_msg_foreach - every MIME object below the top, the top included, depth first; borrowed */
void mime_msg_foreach(struct mime_msg *m, void (*cb)(void *arg, struct mime_part *p), void *arg);
/* mime_msg_subject, mime_msg_id - the decoded Subject: and Message-ID:, or NULL; borrowed from m */
const char *mime_msg_subject(struct mime_msg *m);
const char *mime_msg_id(struct mime_msg *m);
/* mime_msg_date - the Date: as seconds since the epoch, -1 when absent or unreadable; m borrowed */
int64_t mime_msg_date(struct mime_msg *m);
/* mime_msg_from_addr - the first From: mailbox's address, or NULL; borrowed from m */
const char *mime_msg_from_addr(struct mime_msg *m);
/* mime_msg_write - the whole message as GMime writes it, into out (caller frees) */
void mime_msg_write(struct mime_msg *m, struct mime_bytes *out);

/* mime_part_is - the object's content type is type/sub (case-insensitive; all borrowed) */
bool mime_part_is(struct mime_part *p, const char *type, const char *sub);
/* mime_part_param - a parameter of the content type, or NULL; borrowed from p */
const char *mime_part_param(struct mime_part *p, const char *name);
/* mime_part_is_leaf - a leaf part (not a multipart, not a message part); p borrowed */
bool mime_part_is_leaf(struct mime_part *p);
/* mime_part_filename - a leaf part's file name (Content-Disposition or name=), or NULL; borrowed */
const char *mime_part_filename(struct mime_part *p);
/* mime_part_message - the message a message/rfc822 part holds, or NULL; borrowed from p */
struct mime_msg *mime_part_message(struct mime_part *p);
/*
 * mime_part_content - a leaf part's content, its transfer encoding undone,
 * into out (caller frees); false (out zeroed) when p is not a leaf, has no
 * content, or the content exceeds max bytes.
 */
bool mime_part_content(struct mime_part *p, size_t max, struct mime_bytes *out);
/*
 * mime_part_written - a message part's message as written, or a leaf's
 * decoded content; empty for anything else.  Caller frees out.
 */
void mime_part_written(struct mime_part *p, struct mime_bytes *out);

#endif
