/* src/httpd/httpd.c - the HTTP server: libmicrohttpd on the caller's libevent loop, limits, a router */
#include "httpd/httpd.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/*
 * How it runs: MHD_USE_EPOLL without a thread.  MHD's epoll descriptor is a
 * persistent read event on the caller's loop; whenever it fires, and when
 * MHD's own timer (MHD_get_timeout) runs out, MHD_run() does the work, then
 * the timer is set again.  MHD's idle timeout cannot catch a client that
 * trickles a byte every few seconds, so every connection is tracked
 * (MHD_OPTION_NOTIFY_CONNECTION) with the time its current request began; a
 * once-a-second reaper shuts down the socket of any request older than
 * request_timeout, and MHD closes it on its next run.  All of it on one
 * thread: the list needs no lock.
 */

struct hconn {
	int fd;
	double started;		/* when the current request (or the connection) began */
	bool reaped;
	struct hconn *prev, *next;
};

struct httpd {
	struct MHD_Daemon *d;
	struct event *ev_epoll, *ev_timer, *ev_reap;
	struct httpd_config cfg;
	char *trusted_proxy;
	struct hconn *conns;
	unsigned port;
};

struct hdr {
	char *name, *value;
};

struct httpd_response {
	int status;
	char *ctype;
	char *body;
	size_t len;
	struct hdr *h;
	size_t nh;
};

/* Per-request state (MHD's con_cls). */
struct hreq {
	struct buf body;
	bool too_big;
	bool answered;		/* a response was queued before the body was read */
};

struct httpd_response *
httpd_response_new(int status, const char *ctype, const char *body, size_t len)
{
	struct httpd_response *r = xcalloc(1, sizeof(*r));

	r->status = status;
	r->ctype = ctype ? xstrdup(ctype) : NULL;
	r->body = xmalloc(len + 1);
	if (len)
		memcpy(r->body, body, len);
	r->body[len] = '\0';
	r->len = len;
	return r;
}

void
httpd_response_header(struct httpd_response *resp, const char *name, const char *value)
{
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		abort();	/* a handler put a line break in a header: a bug, never input */
	resp->h = xreallocarray(resp->h, resp->nh + 1, sizeof(*resp->h));
	resp->h[resp->nh].name = xstrdup(name);
	resp->h[resp->nh].value = xstrdup(value);
	resp->nh++;
}

int
httpd_response_status(const struct httpd_response *resp)
{
	return resp->status;
}

void
httpd_response_free(struct httpd_response *resp)
{
	if (resp == NULL)
		return;
	for (size_t i = 0; i < resp->nh; i++) {
		free(resp->h[i].name);
		free(resp->h[i].value);
	}
	free(resp->h);
	free(resp->ctype);
	free(resp->body);
	free(resp);
}

void
httpd_security_headers(struct httpd_response *resp)
{
	httpd_response_header(resp, "Content-Security-Policy", "default-src 'none'; style-src 'self'; "
	    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	httpd_response_header(resp, "X-Content-Type-Options", "nosniff");
	httpd_response_header(resp, "Referrer-Policy", "no-referrer");
	httpd_response_header(resp, "X-Frame-Options", "DENY");
	httpd_response_header(resp, "Cache-Control", "no-store");
}

/* send_response - queue resp (freed here) on c with the security headers; MHD's verdict */
static enum MHD_Result
send_response(struct MHD_Connection *c, struct httpd_response *resp)
{
	struct MHD_Response *m;
	enum MHD_Result ok;

	httpd_security_headers(resp);
	m = MHD_create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_MUST_COPY);
	if (m == NULL) {
		httpd_response_free(resp);
		return MHD_NO;
	}
	if (resp->ctype)
		MHD_add_response_header(m, "Content-Type", resp->ctype);
	for (size_t i = 0; i < resp->nh; i++)
		MHD_add_response_header(m, resp->h[i].name, resp->h[i].value);
	ok = MHD_queue_response(c, (unsigned)resp->status, m);
	MHD_destroy_response(m);
	httpd_response_free(resp);
	return ok;
}

/* router_error - the caller's rendering of the router's own error */
static enum MHD_Result
router_error(struct httpd *h, struct MHD_Connection *c, int status, const char *why)
{
	struct httpd_response *r = NULL;

	if (h->cfg.error)
		r = h->cfg.error(h->cfg.arg, status, why);
	if (r == NULL)
		r = httpd_response_new(status, "text/plain; charset=utf-8", why, strlen(why));
	return send_response(c, r);
}

const char *
httpd_header(const struct httpd_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* addr_text - sa as numeric text into out */
static void
addr_text(const struct sockaddr *sa, char *out, size_t outlen)
{
	socklen_t len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);

	if (getnameinfo(sa, len, out, (socklen_t)outlen, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(out, outlen, "?");
}

/* same_addr - a and b are the same numeric address (either spelling of IPv6) */
static bool
same_addr(const char *a, const char *b)
{
	unsigned char x[16], y[16];

	if (inet_pton(AF_INET, a, x) == 1 && inet_pton(AF_INET, b, y) == 1)
		return memcmp(x, y, 4) == 0;
	if (inet_pton(AF_INET6, a, x) == 1 && inet_pton(AF_INET6, b, y) == 1)
		return memcmp(x, y, 16) == 0;
	return false;
}

/*
 * client_of - the client's address into out: the peer's, or when the peer is
 * the trusted proxy the last X-Forwarded-For entry (the one that proxy
 * added; earlier entries are the client's own claims) if it is an address
 */
static void
client_of(struct httpd *h, struct MHD_Connection *c, char *out, size_t outlen, bool *https)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *xff, *proto, *last;
	char cand[INET6_ADDRSTRLEN + 1];
	unsigned char tmp[16];
	size_t n;

	*https = false;
	if (ci == NULL || ci->client_addr == NULL) {
		snprintf(out, outlen, "?");
		return;
	}
	addr_text(ci->client_addr, out, outlen);
	if (h->trusted_proxy == NULL || !same_addr(out, h->trusted_proxy))
		return;
	proto = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto");
	*https = proto && str_caseeq(proto, "https");
	if ((xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For")) == NULL)
		return;
	last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	while (*last == ' ' || *last == '\t')
		last++;
	n = strcspn(last, " \t");
	if (n == 0 || n >= sizeof(cand))
		return;
	memcpy(cand, last, n);
	cand[n] = '\0';
	if (inet_pton(AF_INET, cand, tmp) == 1 || inet_pton(AF_INET6, cand, tmp) == 1)
		snprintf(out, outlen, "%s", cand);
}

struct qctx {
	struct buf b;
	bool first;
};

/* query_it - one raw query argument back into "k=v&..." (MHD split it; we decode it) */
static enum MHD_Result
query_it(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct qctx *q = cls;

	if (!q->first)
		buf_addc(&q->b, '&');
	q->first = false;
	buf_adds(&q->b, key);
	if (value) {
		buf_addc(&q->b, '=');
		buf_adds(&q->b, value);
	}
	return MHD_YES;
}

/* pattern_match - path against pattern's segments; {} segments into params */
static bool
pattern_match(const char *pattern, const struct httpd_path *p, const char **params, size_t *np)
{
	const char *s = pattern + 1;
	size_t i = 0;

	*np = 0;
	if (strcmp(pattern, "/") == 0)
		return p->nseg == 0;
	while (*s) {
		size_t n = strcspn(s, "/");

		if (i >= p->nseg)
			return false;
		if (n == 2 && s[0] == '{' && s[1] == '}')
			params[(*np)++] = p->seg[i];
		else if (strlen(p->seg[i]) != n || memcmp(p->seg[i], s, n) != 0)
			return false;
		i++;
		s += n;
		if (*s == '/')
			s++;
	}
	return i == p->nseg;
}

/* dispatch - the whole request is in: route it and send the response */
static enum MHD_Result
dispatch(struct httpd *h, struct MHD_Connection *c, const char *url, const char *method,
    struct hreq *rq)
{
	struct httpd_path *path = xmalloc(sizeof(*path));
	struct httpd_form *query = NULL;
	struct httpd_request r;
	struct qctx q;
	const char *params[HTTPD_PATH_SEGS];
	char client[INET6_ADDRSTRLEN + 8];
	const struct httpd_route *hit = NULL;
	bool other_method = false;
	enum MHD_Result ok;
	enum ms_status st;

	if ((st = httpd_path_parse(url, strlen(url), path)) != MS_OK) {
		ok = router_error(h, c, st == MS_ERR_LIMIT ? 414 : 400, path->why);
		goto out;
	}
	buf_init(&q.b, HTTPD_FORM_MAX);
	q.first = true;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_it, &q);
	query = xmalloc(sizeof(*query));
	if (buf_status(&q.b) != MS_OK) {
		buf_free(&q.b);
		ok = router_error(h, c, 414, "query too long");
		goto out;
	}
	st = httpd_form_parse(q.b.data ? q.b.data : "", q.b.len, query);
	buf_free(&q.b);
	if (st != MS_OK) {
		ok = router_error(h, c, 400, query->why);
		goto out;
	}
	if (rq->too_big) {
		ok = router_error(h, c, 413, "request body too large");
		goto out;
	}
	for (const struct httpd_route *rt = h->cfg.routes; rt && rt->method; rt++) {
		size_t np;

		if (!pattern_match(rt->pattern, path, params, &np))
			continue;
		if (strcmp(rt->method, method) == 0) {
			hit = rt;
			break;
		}
		other_method = true;
	}
	if (hit == NULL) {
		ok = router_error(h, c, other_method ? 405 : 404, other_method ? "method not allowed" :
		    "not found");
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.method = method;
	r.path = path;
	r.rawpath = url;
	r.query = query;
	r.body = rq->body.data ? rq->body.data : "";
	r.body_len = rq->body.len;
	client_of(h, c, client, sizeof(client), &r.https);
	r.client = client;
	r.conn = c;
	ok = send_response(c, hit->handler(h->cfg.arg, &r, params));
out:
	free(path);
	free(query);
	return ok;
}

/* access_cb - MHD's per-request callback: called first with no body, then per body chunk, then once more */
static enum MHD_Result
access_cb(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct httpd *h = cls;
	struct hreq *rq = *con_cls;

	if (rq == NULL) {
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		uint64_t v;

		rq = xcalloc(1, sizeof(*rq));
		buf_init(&rq->body, h->cfg.limits.body_max);
		*con_cls = rq;
		if (cl && (str_to_u64(cl, strlen(cl), UINT64_MAX, &v) != MS_OK ||
		    v > h->cfg.limits.body_max)) {
			rq->answered = true;
			return router_error(h, c, 413, "request body too large");
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (!rq->answered && !rq->too_big) {
			if (*upload_size > h->cfg.limits.body_max - rq->body.len)
				rq->too_big = true;
			else
				buf_add(&rq->body, upload, *upload_size);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->answered)
		return MHD_YES;
	rq->answered = true;
	return dispatch(h, c, url, method, rq);
}

/* completed_cb - a request is over: free its state, and start the connection's next request's clock */
static void
completed_cb(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct hreq *rq = *con_cls;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	if (rq) {
		buf_free(&rq->body);
		free(rq);
		*con_cls = NULL;
	}
	if (ci && ci->socket_context)
		((struct hconn *)ci->socket_context)->started = clock_mono_seconds();
}

/* conn_cb - a connection opened or closed: track it for the reaper */
static void
conn_cb(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	struct httpd *h = cls;
	struct hconn *hc = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		hc = xcalloc(1, sizeof(*hc));
		hc->fd = ci ? ci->connect_fd : -1;
		hc->started = clock_mono_seconds();
		hc->next = h->conns;
		if (h->conns)
			h->conns->prev = hc;
		h->conns = hc;
		*socket_context = hc;
		return;
	}
	if (hc == NULL)
		return;
	if (hc->prev)
		hc->prev->next = hc->next;
	else
		h->conns = hc->next;
	if (hc->next)
		hc->next->prev = hc->prev;
	free(hc);
	*socket_context = NULL;
}

/* unescape_none - keep the path and query as sent: httpd_path_parse and httpd_form_parse decode them */
static size_t
unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
	return strlen(s);
}

/* rearm - set the timer to when MHD next wants to run */
static void
rearm(struct httpd *h)
{
	MHD_UNSIGNED_LONG_LONG ms = 1000;
	struct timeval tv;

	if (MHD_get_timeout(h->d, &ms) != MHD_YES || ms > 1000)
		ms = 1000;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	evtimer_add(h->ev_timer, &tv);
}

/* on_ready - MHD's epoll descriptor is readable, or its timer ran out: let it work */
static void
on_ready(evutil_socket_t fd, short what, void *arg)
{
	struct httpd *h = arg;

	MS_IGNORE(MHD_run(h->d) != MHD_YES);	/* MHD_NO only for a daemon not in this mode */
	rearm(h);
}

/* on_reap - once a second: cut off requests older than request_timeout */
static void
on_reap(evutil_socket_t fd, short what, void *arg)
{
	struct httpd *h = arg;
	double now = clock_mono_seconds();
	bool any = false;

	for (struct hconn *c = h->conns; c; c = c->next)
		if (!c->reaped && c->fd >= 0 && now - c->started > (double)h->cfg.limits.request_timeout) {
			(void)shutdown(c->fd, SHUT_RDWR);	/* MHD sees the end and closes it */
			c->reaped = true;
			any = true;
		}
	if (any)
		on_ready(-1, 0, h);
}

/* parse_listen - "ADDR:PORT" or "[ADDR]:PORT" (numeric only: no name lookup) into ss */
static bool
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon;
	uint64_t port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *e = strchr(s, ']');

		if (e == NULL || e[1] != ':')
			return false;
		hl = (size_t)(e - s - 1);
		if (hl >= sizeof(host))
			return false;
		memcpy(host, s + 1, hl);
		colon = e + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return false;
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			return false;
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	if (str_to_u64(colon + 1, strlen(colon + 1), 65535, &port) != MS_OK)
		return false;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in);
		return true;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in6);
		return true;
	}
	return false;
}

enum ms_status
httpd_start(struct event_base *base, const struct httpd_config *cfg, struct httpd **out,
    char *why, size_t whylen)
{
	struct httpd *h;
	struct sockaddr_storage ss;
	socklen_t sslen;
	const union MHD_DaemonInfo *di;
	unsigned flags = MHD_USE_EPOLL;
	unsigned char tmp[16];

	*out = NULL;
	if (!parse_listen(cfg->listen, &ss, &sslen)) {
		snprintf(why, whylen, "--listen wants ADDRESS:PORT with a numeric address, not \"%s\"",
		    cfg->listen);
		return MS_ERR_ARG;
	}
	if (cfg->trusted_proxy && inet_pton(AF_INET, cfg->trusted_proxy, tmp) != 1 &&
	    inet_pton(AF_INET6, cfg->trusted_proxy, tmp) != 1) {
		snprintf(why, whylen, "--trusted-proxy wants a numeric address, not \"%s\"",
		    cfg->trusted_proxy);
		return MS_ERR_ARG;
	}
	h = xcalloc(1, sizeof(*h));
	h->cfg = *cfg;
	h->trusted_proxy = cfg->trusted_proxy ? xstrdup(cfg->trusted_proxy) : NULL;
	h->cfg.trusted_proxy = h->trusted_proxy;
	h->cfg.listen = NULL;
	if (!h->cfg.limits.header_max)
		h->cfg.limits.header_max = 16 * 1024;
	if (!h->cfg.limits.body_max)
		h->cfg.limits.body_max = 1024 * 1024;
	if (!h->cfg.limits.max_conns)
		h->cfg.limits.max_conns = 256;
	if (!h->cfg.limits.per_ip)	/* behind a proxy every client is the proxy: it limits per client */
		h->cfg.limits.per_ip = h->trusted_proxy ? h->cfg.limits.max_conns : 32;
	if (!h->cfg.limits.idle_timeout)
		h->cfg.limits.idle_timeout = 30;
	if (!h->cfg.limits.request_timeout)
		h->cfg.limits.request_timeout = 30;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, access_cb, h,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, h->cfg.limits.max_conns,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, h->cfg.limits.per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, h->cfg.limits.idle_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, h->cfg.limits.header_max,
	    MHD_OPTION_NOTIFY_COMPLETED, completed_cb, h,
	    MHD_OPTION_NOTIFY_CONNECTION, conn_cb, h,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape_none, h,
	    MHD_OPTION_END);
	if (h->d == NULL) {
		snprintf(why, whylen, "cannot listen on %s (in use, or not an address of this machine)",
		    cfg->listen);
		free(h->trusted_proxy);
		free(h);
		return MS_ERR_IO;
	}
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di ? di->port : 0;
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	h->ev_epoll = event_new(base, di ? di->epoll_fd : -1, EV_READ | EV_PERSIST, on_ready, h);
	h->ev_timer = evtimer_new(base, on_ready, h);
	h->ev_reap = event_new(base, -1, EV_PERSIST, on_reap, h);
	if (h->ev_epoll == NULL || h->ev_timer == NULL || h->ev_reap == NULL) {
		snprintf(why, whylen, "cannot watch the server's descriptors");
		httpd_stop(h);
		return MS_ERR_INTERNAL;
	}
	event_add(h->ev_epoll, NULL);
	event_add(h->ev_reap, &(struct timeval){ 1, 0 });
	rearm(h);
	*out = h;
	return MS_OK;
}

unsigned
httpd_port(const struct httpd *h)
{
	return h->port;
}

void
httpd_stop(struct httpd *h)
{
	if (h == NULL)
		return;
	if (h->ev_epoll)
		event_free(h->ev_epoll);
	if (h->ev_timer)
		event_free(h->ev_timer);
	if (h->ev_reap)
		event_free(h->ev_reap);
	if (h->d)
		MHD_stop_daemon(h->d);
	free(h->trusted_proxy);
	free(h);
}
