/* src/httpd/httpd.h - the HTTP server: libmicrohttpd on the caller's libevent loop, limits, a router */
#ifndef MS_HTTPD_HTTPD_H
#define MS_HTTPD_HTTPD_H

#include <stdbool.h>
#include <stddef.h>

#include "httpd/httpd_parse.h"
#include "util/status.h"

/*
 * An adapter with no mail knowledge (layer 2): plain HTTP/1.1 on an address
 * the caller gives (loopback; HTTPS is nginx's job in front,
 * contrib/nginx/mailsec.conf).  libmicrohttpd runs in its epoll mode with no
 * thread of its own: its descriptor is an event on the caller's loop, so
 * every handler runs on that loop's thread, one at a time, and may use the
 * caller's database handle without locks.  Handlers are synchronous: a slow
 * one holds every other request (the store's calls are short).
 *
 * Limits (struct httpd_limits): the request line and headers must fit in
 * header_max bytes (libmicrohttpd answers 414/431 itself), a body over
 * body_max is answered 413 (at once when Content-Length says so), at most
 * max_conns connections and per_ip from one address (with a trusted proxy
 * the proxy limits per client: nginx's limit_conn), an idle connection is
 * closed after idle_timeout seconds and a request not complete within
 * request_timeout seconds of its first byte is cut off (slow-loris: a client
 * sending a byte now and then never looks idle).
 *
 * Every response the router makes carries the security headers
 * (httpd_security_headers) and Cache-Control: no-store.  The client's
 * address is the peer's, or the last X-Forwarded-For entry when the peer is
 * the trusted proxy (whose X-Forwarded-Proto also says whether the client
 * came over HTTPS).
 */

struct httpd;
struct event_base;

struct httpd_limits {
	size_t header_max;		/* 0: 16 KiB */
	size_t body_max;		/* 0: 1 MiB */
	unsigned max_conns;		/* 0: 256 */
	unsigned per_ip;		/* 0: 32, or max_conns with a trusted proxy (every client is it) */
	unsigned idle_timeout;		/* seconds; 0: 30 */
	unsigned request_timeout;	/* seconds; 0: 30 */
};

/* One request, as a handler sees it (everything borrowed for the handler's call). */
struct httpd_request {
	const char *method;		/* "GET", "POST", ... */
	const struct httpd_path *path;	/* decoded segments */
	const char *rawpath;		/* the path as sent */
	const struct httpd_form *query;	/* the query string's fields */
	const char *body;		/* NUL-terminated; body_len bytes (may hold NULs) */
	size_t body_len;
	const char *client;		/* the client's address (see above) */
	bool https;			/* the trusted proxy says the client used HTTPS */
	void *conn;			/* internal */
};

/* httpd_header - request header name (case-insensitive), or NULL; borrowed for the call */
const char *httpd_header(const struct httpd_request *r, const char *name);

/* A response a handler builds; the router sends it and frees it. */
struct httpd_response;

/*
 * httpd_response_new - status with body[0..len) (copied) as content type
 * ctype (NULL: no body type).  Never NULL (allocation failure aborts).
 */
struct httpd_response *httpd_response_new(int status, const char *ctype, const char *body, size_t len);
/* httpd_response_header - add a header (name and value copied; a CR or LF in either aborts: a bug) */
void httpd_response_header(struct httpd_response *resp, const char *name, const char *value);
/* httpd_response_status - resp's status */
int httpd_response_status(const struct httpd_response *resp);
/* httpd_response_free - free resp (NULL is fine); the router does, after sending */
void httpd_response_free(struct httpd_response *resp);

/*
 * A handler: the request and the {} segments of its route's pattern in
 * order (borrowed); returns the response (owned by the router from then on).
 */
typedef struct httpd_response *(*httpd_handler)(void *arg, const struct httpd_request *r,
    const char *const *params);

/*
 * An error the router answers itself (a refused path 400, no route 404, a
 * wrong method 405, a body too large 413): the caller renders it (its own
 * error format); why is static text.  Returns the response, as a handler.
 */
typedef struct httpd_response *(*httpd_error_fn)(void *arg, int status, const char *why);

/*
 * A route: method ("GET", "POST", "DELETE") and a pattern of segments,
 * "/api/v1/domains/{}/events", where {} takes any one segment.  The first
 * route matching both wins; a path some route matches with another method
 * is 405; no route 404 (both through the error callback).
 */
struct httpd_route {
	const char *method;
	const char *pattern;
	httpd_handler handler;
};

struct httpd_config {
	const char *listen;		/* "127.0.0.1:8080", "[::1]:8080"; port 0: any free one */
	const char *trusted_proxy;	/* an address, or NULL */
	struct httpd_limits limits;
	const struct httpd_route *routes;	/* ends with a NULL method; borrowed for the server's life */
	httpd_error_fn error;		/* renders the router's own errors */
	void *arg;			/* every handler's */
};

/*
 * httpd_start - listen and serve on base (borrowed, the caller runs it).
 * On failure *out is NULL and why says why (a bad address, the port taken).
 * Stop with httpd_stop.
 */
MS_MUST_CHECK enum ms_status httpd_start(struct event_base *base, const struct httpd_config *cfg,
    struct httpd **out, char *why, size_t whylen);
/* httpd_port - the port listened on (the one chosen when the config said 0) */
unsigned httpd_port(const struct httpd *h);
/* httpd_stop - close every connection and the socket, free h (NULL is fine) */
void httpd_stop(struct httpd *h);

/* httpd_security_headers - add the headers every response carries (CSP, nosniff, ...) */
void httpd_security_headers(struct httpd_response *resp);

#endif
