/* src/http/http_fetch.h - HTTPS GET with libcurl's multi-socket API on the libevent loop */
#ifndef MS_HTTP_HTTP_FETCH_H
#define MS_HTTP_HTTP_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

struct event_base;
struct http_client;

/* What a fetch is allowed to do.  Strings are borrowed for the call only. */
struct http_request {
	const char	*url;		/* https://host/path */
	const char	*host;		/* host part of url, for the pinned addresses */
	const char	*const *addrs;	/* addresses to connect to (our resolver's); NULL-terminated */
	unsigned	 port;		/* 443 */
	size_t		 max_body;	/* bigger bodies fail with HTTP_TOO_BIG */
	double		 timeout;	/* whole transfer, seconds */
	const char	*ca_file;	/* extra CA certificates (PEM) beside the system store, or NULL */
	const void	*owner;		/* whose fetch (a run), for http_client_cancel_owned; or NULL */
};

enum http_outcome {
	HTTP_OK = 0,		/* a response arrived (any status code) */
	HTTP_CONNECT,		/* could not connect */
	HTTP_TLS,		/* TLS handshake failed (not a certificate problem) */
	HTTP_CERT,		/* the certificate is not valid for host (chain, name, dates) */
	HTTP_TIMEOUT,		/* no complete response in time */
	HTTP_TOO_BIG,		/* body (or Content-Length) above max_body */
	HTTP_ERROR		/* anything else */
};

/* The outcome of one fetch: borrowed by the callback, freed after it returns. */
struct http_response {
	enum http_outcome outcome;
	long		 status;	/* HTTP status code, 0 if none */
	char		*content_type;	/* as sent, or NULL */
	char		*location;	/* Location header of a redirect (never followed), or NULL */
	char		*body;		/* NUL-terminated; body_len bytes (may hold NULs) */
	size_t		 body_len;
	char		 why[256];	/* curl's message for failures */
	char		*ip;		/* address connected to, or NULL */
};

typedef void (*http_callback)(const struct http_response *r, void *arg);

/*
 * http_client_new - one per event loop (base borrowed: it must outlive the
 * client); caller frees with http_client_free; NULL if libcurl cannot be
 * initialised
 */
struct http_client *http_client_new(struct event_base *base);
/*
 * http_client_free - abandon transfers in flight (their callbacks do not run)
 * and free c; NULL-safe
 */
void http_client_free(struct http_client *c);

/*
 * http_client_cancel_all - end every transfer in flight (the total deadline):
 * each callback runs from the loop with HTTP_TIMEOUT and why (copied).
 */
void http_client_cancel_all(struct http_client *c, const char *why);
/* http_client_cancel_owned - the same for owner's transfers only (owner NULL: all) */
void http_client_cancel_owned(struct http_client *c, const void *owner, const char *why);

/*
 * http_get - start a GET; cb runs exactly once from the event loop (never
 * from inside this call) unless the client is freed first.  Redirects are
 * never followed; names are never resolved by libcurl: only req->addrs are
 * used (CURLOPT_RESOLVE).  The certificate must be valid for req->host
 * against the system store plus req->ca_file.
 */
MS_MUST_CHECK enum ms_status http_get(struct http_client *c, const struct http_request *req, http_callback cb,
    void *arg);

#endif
