/* src/lmtp/lmtp_server.h - an LMTP server (RFC 2033) on the caller's libevent loop */
#ifndef MS_LMTP_LMTP_SERVER_H
#define MS_LMTP_LMTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/*
 * The protocol only: what a delivery means is the caller's (src/mailin/).
 * One connection is a state machine on a bufferevent: greeting, LHLO
 * (PIPELINING, ENHANCEDSTATUSCODES, 8BITMIME, SIZE), MAIL FROM, RCPT TO
 * (each asked of rcpt(): accepted or refused at once), DATA read through
 * lmtp_data_feed() with the size cap, then deliver(): the caller answers
 * every accepted recipient, in RCPT order, with lmtp_reply(), and ends with
 * lmtp_delivery_done(), from the loop, later or at once.  Until then the
 * connection reads nothing more (pipelined commands wait in its buffer).
 * RSET, NOOP and QUIT as RFC 5321 says.
 *
 * Bounds: a command line of LMTP_LINE_MAX bytes (longer: 500 and the
 * connection is closed), LMTP_RCPT_MAX recipients (452 past it),
 * cfg.max_size bytes of message (552 per recipient past it), cfg.max_conns
 * connections (421 at once past it), cfg.idle_timeout seconds without a
 * command or a byte of DATA (421 and closed), LMTP_ERRORS_MAX refused
 * commands (421 and closed).  Nothing is process-wide: several servers may
 * run on one loop.
 */
#define LMTP_RCPT_MAX	100
#define LMTP_ERRORS_MAX	20

struct event_base;
struct lmtp_server;
struct lmtp_delivery;

struct lmtp_server_config {
	const char *listen;		/* "unix:PATH" or "ADDR:PORT" ("[ADDR]:PORT" for IPv6) */
	const char *hostname;		/* in the greeting and the LHLO reply */
	size_t max_size;		/* message size cap, bytes */
	unsigned max_conns;		/* connections at once */
	double idle_timeout;		/* seconds */
	/* rcpt - whether addr (borrowed) is a recipient here; false: 550 5.1.1 */
	bool (*rcpt)(void *arg, const char *addr);
	/*
	 * deliver - a message arrived for d's recipients: answer each with
	 * lmtp_reply() and end with lmtp_delivery_done(); d stays valid until then
	 */
	void (*deliver)(void *arg, struct lmtp_delivery *d);
	void *arg;
	/* log - one line about a connection or a delivery (no newline); may be NULL */
	void (*log)(void *arg, const char *line);
};

/*
 * lmtp_server_new - listen as cfg says (copied; cfg's strings are copied
 * too) on base (borrowed; must outlive the server).  A unix socket's path is
 * unlinked first and created with the process's umask.  On failure returns
 * MS_ERR_IO or MS_ERR_ARG with why (the caller's buffer) and *out NULL.
 * Free with lmtp_server_free().
 */
MS_MUST_CHECK enum ms_status lmtp_server_new(struct event_base *base,
    const struct lmtp_server_config *cfg, struct lmtp_server **out, char *why, size_t whylen);

/*
 * lmtp_server_stop - stop accepting, say 421 to idle connections and close
 * them; connections with a delivery in progress finish it first.  done
 * (may be NULL) runs from the loop once no connection is left.
 */
void lmtp_server_stop(struct lmtp_server *s, void (*done)(void *arg), void *arg);
/* lmtp_server_connections - connections open now (s borrowed) */
unsigned lmtp_server_connections(const struct lmtp_server *s);
/* lmtp_server_base - the loop s runs on (borrowed) */
struct event_base *lmtp_server_base(const struct lmtp_server *s);
/* lmtp_server_free - close everything and free s (NULL-safe); a unix socket's path is unlinked */
void lmtp_server_free(struct lmtp_server *s);

/* What a delivery holds; everything is borrowed from the connection until lmtp_delivery_done(). */
struct lmtp_delivery_info {
	const char *client;		/* the LHLO name */
	const char *mail_from;		/* the reverse path, "" for <> */
	const char *const *rcpts;	/* the accepted recipients, in order */
	size_t nrcpts;
	const char *data;		/* the message, dot-unstuffed, CRLF line ends */
	size_t len;
};

/* lmtp_delivery_info - d's contents (borrowed until lmtp_delivery_done) */
const struct lmtp_delivery_info *lmtp_delivery_info(const struct lmtp_delivery *d);
/*
 * lmtp_reply - the reply for recipient i of d: code (2xx, 4xx or 5xx), the
 * enhanced status code and text (both copied; text is cut at 400 bytes and
 * its control characters replaced).  A recipient not answered gets 451.
 */
void lmtp_reply(struct lmtp_delivery *d, size_t i, int code, const char *enhanced, const char *text);
/* lmtp_delivery_done - send the replies and free d (d is not used afterwards) */
void lmtp_delivery_done(struct lmtp_delivery *d);

#endif
