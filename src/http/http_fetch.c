/* src/http/http_fetch.c - HTTPS GET with libcurl's multi-socket API on the libevent loop */
#include "http/http_fetch.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <curl/curl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_HEADER_MAX	8192

struct http_client {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct http_xfer	*xfers;	/* in flight, for http_client_free */
};

/* One transfer. */
struct http_xfer {
	struct http_client	*c;
	CURL			*easy;
	struct curl_slist	*resolve;
	struct buf		 body;
	size_t			 max_body;
	bool			 too_big;
	http_callback		 cb;
	void			*arg;
	struct event		*kick;	/* defers an immediate failure to the loop */
	struct http_response	 resp;
	struct http_xfer	*next, **prevp;
	char			*ca_file;	/* added to the system store, or NULL */
	const void		*owner;		/* compared only */
};

/* Per-socket state libcurl asks us to watch. */
struct http_sock {
	struct http_client	*c;
	struct event		*ev;
};

static void check_done(struct http_client *c);

/* xfer_free - release one transfer and its response */
static void
xfer_free(struct http_xfer *x)
{
	if (x->easy) {
		curl_multi_remove_handle(x->c->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->resolve);
	buf_free(&x->body);
	if (x->kick)
		event_free(x->kick);
	free(x->resp.content_type);
	free(x->resp.location);
	free(x->resp.ip);
	free(x->ca_file);
	if (x->prevp) {
		*x->prevp = x->next;
		if (x->next)
			x->next->prevp = x->prevp;
	}
	free(x);
}

/* xfer_finish - deliver and free */
static void
xfer_finish(struct http_xfer *x)
{
	if (x->resp.body == NULL) {
		x->resp.body = (char *)buf_cstr(&x->body);
		x->resp.body_len = x->body.len;
	}
	x->cb(&x->resp, x->arg);
	xfer_free(x);
}

static void
on_socket_event(evutil_socket_t fd, short what, void *arg)
{
	struct http_client *c = arg;
	int running = 0, action = 0;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(c->multi, fd, action, &running);
	check_done(c);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct http_client *c = arg;
	int running = 0;

	(void)fd;
	(void)what;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(c);
}

/* sock_cb - libcurl tells us which events to watch on a socket */
static int
sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct http_client *c = userp;
	struct http_sock *hs = socketp;
	short kind;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (hs) {
			event_free(hs->ev);
			free(hs);
			curl_multi_assign(c->multi, s, NULL);
		}
		return 0;
	}
	kind = (short)(EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
	    ((what & CURL_POLL_OUT) ? EV_WRITE : 0));
	if (hs == NULL) {
		hs = xcalloc(1, sizeof(*hs));
		hs->c = c;
		curl_multi_assign(c->multi, s, hs);
	} else {
		event_free(hs->ev);
	}
	hs->ev = event_new(c->base, s, kind, on_socket_event, c);
	event_add(hs->ev, NULL);
	return 0;
}

/* timer_cb - libcurl wants to be called after timeout_ms (-1: cancel) */
static int
timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct http_client *c = userp;
	struct timeval tv;

	(void)m;
	if (timeout_ms < 0) {
		evtimer_del(c->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
	return 0;
}

/* outcome_of - map a curl error to what it means for the caller */
static enum http_outcome
outcome_of(CURLcode rc, bool too_big)
{
	if (too_big)
		return HTTP_TOO_BIG;
	switch (rc) {
	case CURLE_OK: return HTTP_OK;
	case CURLE_COULDNT_CONNECT: case CURLE_COULDNT_RESOLVE_HOST:
		return HTTP_CONNECT;
	case CURLE_OPERATION_TIMEDOUT: return HTTP_TIMEOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
#if LIBCURL_VERSION_NUM < 0x073e00
	case CURLE_SSL_CACERT:
#endif
		return HTTP_CERT;
	case CURLE_SSL_CONNECT_ERROR: return HTTP_TLS;
	case CURLE_FILESIZE_EXCEEDED: return HTTP_TOO_BIG;
	default: return HTTP_ERROR;
	}
}

/* check_done - collect finished transfers */
static void
check_done(struct http_client *c)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
		struct http_xfer *x = NULL;
		char *ct = NULL, *loc = NULL, *ip = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		x->resp.outcome = outcome_of(msg->data.result, x->too_big);
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->resp.status);
		curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
		curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc);
		curl_easy_getinfo(x->easy, CURLINFO_PRIMARY_IP, &ip);
		x->resp.content_type = ct ? xstrdup(ct) : NULL;
		x->resp.location = loc ? xstrdup(loc) : NULL;
		x->resp.ip = ip && *ip ? xstrdup(ip) : NULL;
		if (x->resp.outcome == HTTP_TOO_BIG && x->resp.why[0] == '\0')
			snprintf(x->resp.why, sizeof(x->resp.why), "body larger than %zu bytes",
			    x->max_body);
		xfer_finish(x);
	}
}

/* write_cb - append body bytes up to the cap; past it, abort the transfer */
static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct http_xfer *x = arg;

	if (x->body.len + n > x->max_body || buf_append(&x->body, p, n) != MS_OK) {
		x->too_big = true;
		return 0;
	}
	return n;
}

struct http_client *
http_client_new(struct event_base *base)
{
	struct http_client *c;

	/* Counted by libcurl (thread-safe since 7.84): one per client, undone by http_client_free. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->base = base;
	c->multi = curl_multi_init();
	if (c->multi == NULL) {
		free(c);
		curl_global_cleanup();
		return NULL;
	}
	c->timer = evtimer_new(base, on_timer, c);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	return c;
}

void
http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	while (c->xfers)
		xfer_free(c->xfers);
	curl_multi_cleanup(c->multi);
	event_free(c->timer);
	free(c);
	curl_global_cleanup();
}

/*
 * add_ca_file - CURLOPT_SSL_CTX_FUNCTION: add --ca-file to the store libcurl
 * built from the system bundle (CURLOPT_CAINFO would replace it instead).
 */
static CURLcode
add_ca_file(CURL *e, void *sslctx, void *arg)
{
	struct http_xfer *x = arg;
	X509_STORE *store = SSL_CTX_get_cert_store(sslctx);

	(void)e;
	if (store == NULL || X509_STORE_load_file(store, x->ca_file) != 1) {
		ERR_clear_error();
		snprintf(x->resp.why, sizeof(x->resp.why), "cannot read CA file %s", x->ca_file);
		return CURLE_SSL_CACERT_BADFILE;
	}
	return CURLE_OK;
}

/* on_kick - deliver a failure that happened before the transfer started */
static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	xfer_finish(arg);
}

enum ms_status
http_get(struct http_client *c, const struct http_request *req, http_callback cb, void *arg)
{
	struct http_xfer *x;
	struct buf line;
	CURL *e;
	CURLMcode mrc;

	if (c == NULL || req->url == NULL || req->host == NULL)
		return MS_ERR_ARG;
	x = xcalloc(1, sizeof(*x));
	x->c = c;
	x->cb = cb;
	x->arg = arg;
	x->owner = req->owner;
	x->max_body = req->max_body;
	buf_init(&x->body, req->max_body + 1);
	x->next = c->xfers;
	if (c->xfers)
		c->xfers->prevp = &x->next;
	x->prevp = &c->xfers;
	c->xfers = x;

	/* Pin the host to our resolver's addresses: libcurl never resolves names. */
	{
		/* the maximum holds the line: host, ":port:", each address, "[]" and "," */
		size_t need = strlen(req->host) + 9;

		for (size_t i = 0; req->addrs && req->addrs[i]; i++)
			need += strlen(req->addrs[i]) + 3;
		buf_init(&line, need);
	}
	/*
	 * "+": a pin that expires from the multi handle's DNS cache after
	 * libcurl's DNS cache timeout (60 s), as resolved names do.  Without it
	 * every pin is permanent: one entry per host ever fetched for the life
	 * of the client (a whole check run, a monitor for months), and libcurl
	 * walks them all as each transfer ends (multi_done's cache prune; docs/performance.md).  The
	 * pin is loaded when the transfer starts and used at once.
	 */
	buf_addf(&line, "+%s:%u:", req->host, req->port ? req->port : 443);
	for (size_t i = 0; req->addrs && req->addrs[i]; i++)
		buf_addf(&line, "%s%s%s%s", i ? "," : "", strchr(req->addrs[i], ':') ? "[" : "",
		    req->addrs[i], strchr(req->addrs[i], ':') ? "]" : "");
	{
		char *pin = buf_steal_fitted(&line);

		x->resolve = curl_slist_append(NULL, pin);
		free(pin);
	}

	x->easy = e = curl_easy_init();
	if (e == NULL || x->resolve == NULL || req->addrs == NULL || req->addrs[0] == NULL) {
		x->resp.outcome = HTTP_CONNECT;
		snprintf(x->resp.why, sizeof(x->resp.why), "%s",
		    req->addrs && req->addrs[0] ? "cannot start libcurl" : "no address to connect to");
		goto kick;
	}
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_RESOLVE, x->resolve);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(req->timeout * 1000));
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(req->timeout * 1000));
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (req->ca_file) {
		x->ca_file = xstrdup(req->ca_file);
		curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, add_ca_file);
		curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, x);
	}
	curl_easy_setopt(e, CURLOPT_USERAGENT, "mailsec (MTA-STS policy check)");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->resp.why);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	mrc = curl_multi_add_handle(c->multi, e);
	if (mrc != CURLM_OK) {
		x->resp.outcome = HTTP_ERROR;
		snprintf(x->resp.why, sizeof(x->resp.why), "%s", curl_multi_strerror(mrc));
		goto kick;
	}
	return MS_OK;
kick:
	if (x->easy) {
		curl_easy_cleanup(x->easy);
		x->easy = NULL;
	}
	x->kick = event_new(c->base, -1, 0, on_kick, x);
	event_active(x->kick, 0, 0);
	return MS_OK;
}

void
http_client_cancel_all(struct http_client *c, const char *why)
{
	http_client_cancel_owned(c, NULL, why);
}

void
http_client_cancel_owned(struct http_client *c, const void *owner, const char *why)
{
	if (c == NULL)
		return;
	for (struct http_xfer *x = c->xfers; x; x = x->next) {
		if (owner && x->owner != owner)
			continue;
		if (x->kick)
			continue;	/* already finishing */
		if (x->easy) {
			curl_multi_remove_handle(c->multi, x->easy);
			curl_easy_cleanup(x->easy);
			x->easy = NULL;
		}
		x->resp.outcome = HTTP_TIMEOUT;
		snprintf(x->resp.why, sizeof(x->resp.why), "%s", why);
		x->kick = event_new(c->base, -1, 0, on_kick, x);
		event_active(x->kick, 0, 0);
	}
}
