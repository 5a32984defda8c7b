/* src/smtp/smtp_probe.c - STARTTLS probe of one SMTP server address on the libevent loop */
#include "smtp/smtp_probe.h"
#include "smtp/smtp_polite.h"
#include "util/xalloc.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#define SMTP_INPUT_MAX	(SMTP_REPLY_LINES_MAX * SMTP_REPLY_LINE_MAX)

/*
 * The shared state of every probe on one loop: the connection limit, the
 * waiting queue, the live list (for cancelling) and the two client TLS
 * contexts.  One per session; nothing here is process-wide.
 */
struct smtp_prober {
	struct event_base	*base;
	int			 inflight;
	unsigned		 per_addr, per_net;	/* politeness per destination */
	struct probe		*queue_head, *queue_tail;
	struct probe		*all;
	SSL_CTX			*ctx_any, *ctx_legacy;
};

struct probe {
	struct smtp_prober	*sp;
	struct smtp_probe_config cfg;	/* strings and TLSA data copied below */
	char			*host, *ehlo;
	uint8_t			*tlsa_data[SMTP_PROBE_TLSA_MAX];
	smtp_probe_callback	 cb;
	void			*arg;
	struct bufferevent	*bev;	/* plain, then the TLS filter on top */
	SSL			*ssl;	/* owned by the filter once it exists */
	struct event		*cap;	/* overall bound: a few steps' worth */
	struct event		*step;	/* this step's bound: cfg.timeout however the peer trickles */
	struct timeval		 started;
	struct smtp_probe_result res;
	bool			 launched;	/* holds a connection slot */
	bool			 waiting;	/* backing off after a busy reply (cap is the retry timer) */
	bool			 finishing;	/* a deferred finish is scheduled */
	bool			 delivering;	/* its callback is running */
	struct probe		*next;	/* waiting queue */
	struct probe		*all_next, **all_prevp;	/* every live probe, for cancelling */
};

static void launch(struct probe *p);
static void on_start(evutil_socket_t fd, short what, void *arg);
static void on_step(evutil_socket_t fd, short what, void *arg);

/* ctx_get - the shared client contexts: any version at SECLEVEL 0, or TLS 1.0/1.1 only */
static SSL_CTX *
ctx_get(struct smtp_prober *sp, bool legacy)
{
	SSL_CTX **slot = legacy ? &sp->ctx_legacy : &sp->ctx_any;
	SSL_CTX *c;

	if (*slot)
		return *slot;
	c = SSL_CTX_new(TLS_client_method());
	if (c == NULL)
		return NULL;
	/* OpenSSL 3 refuses TLS 1.0/1.1 below @SECLEVEL=0: we must see what servers do. */
	SSL_CTX_set_cipher_list(c, "ALL:@SECLEVEL=0");
	SSL_CTX_set_min_proto_version(c, TLS1_VERSION);
	if (legacy)
		SSL_CTX_set_max_proto_version(c, TLS1_1_VERSION);
	SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
	SSL_CTX_dane_enable(c);
	*slot = c;
	return c;
}

struct smtp_prober *
smtp_prober_new(struct event_base *base)
{
	struct smtp_prober *sp = xcalloc(1, sizeof(*sp));

	sp->base = base;
	sp->per_addr = SMTP_POLITE_PER_ADDR_DEFAULT;
	sp->per_net = SMTP_POLITE_PER_NET_DEFAULT;
	return sp;
}

struct event_base *
smtp_prober_base(const struct smtp_prober *sp)
{
	return sp->base;
}

void
smtp_prober_set_limits(struct smtp_prober *sp, unsigned per_addr, unsigned per_net)
{
	sp->per_addr = per_addr == 0 ? SMTP_POLITE_PER_ADDR_DEFAULT :
	    per_addr > SMTP_POLITE_LIMIT_MAX ? SMTP_POLITE_LIMIT_MAX : per_addr;
	sp->per_net = per_net == 0 ? SMTP_POLITE_PER_NET_DEFAULT :
	    per_net > SMTP_POLITE_LIMIT_MAX ? SMTP_POLITE_LIMIT_MAX : per_net;
}

/* may_launch - whether p may connect now: a free slot, and its address and network under their limits */
static bool
may_launch(const struct smtp_prober *sp, const struct probe *p)
{
	unsigned same_addr = 0, same_net = 0;

	if (sp->inflight >= SMTP_PROBE_INFLIGHT_MAX)
		return false;
	for (const struct probe *q = sp->all; q; q = q->all_next) {
		if (!q->launched)
			continue;
		if (ipaddr_equal(&q->cfg.addr, &p->cfg.addr))
			same_addr++;
		if (smtp_same_net(&q->cfg.addr, &p->cfg.addr))
			same_net++;
	}
	return same_addr < sp->per_addr && same_net < sp->per_net;
}

/* pump - launch queued probes, in order, while their destinations allow */
static void
pump(struct smtp_prober *sp)
{
	struct probe **qp = &sp->queue_head, *q;

	sp->queue_tail = NULL;
	while ((q = *qp) != NULL && sp->inflight < SMTP_PROBE_INFLIGHT_MAX) {
		if (may_launch(sp, q)) {
			*qp = q->next;
			q->next = NULL;
			launch(q);
		} else {
			sp->queue_tail = q;
			qp = &q->next;
		}
	}
	for (; *qp; qp = &(*qp)->next)
		sp->queue_tail = *qp;
}

/* probe_free - everything but the callback */
static void
probe_free(struct probe *p)
{
	if (p->bev)
		bufferevent_free(p->bev);	/* frees the SSL and the socket too */
	else if (p->ssl)
		SSL_free(p->ssl);
	if (p->cap)
		event_free(p->cap);
	if (p->step)
		event_free(p->step);
	if (p->res.cert)
		X509_free(p->res.cert);
	for (size_t i = 0; i < p->cfg.ntlsa; i++)
		free(p->tlsa_data[i]);
	if (p->all_prevp) {
		*p->all_prevp = p->all_next;
		if (p->all_next)
			p->all_next->all_prevp = p->all_prevp;
	}
	free(p->host);
	free(p->ehlo);
	free(p);
}

/* finish - deliver the result once, free, start the next queued probe */
static void
finish(struct probe *p)
{
	struct smtp_prober *sp = p->sp;
	struct timeval now;

	gettimeofday(&now, NULL);
	p->res.seconds = (double)(now.tv_sec - p->started.tv_sec) +
	    (double)(now.tv_usec - p->started.tv_usec) / 1e6;
	if (p->bev)
		bufferevent_disable(p->bev, EV_READ | EV_WRITE);
	p->delivering = true;
	p->cb(&p->res, p->arg);
	if (p->launched)
		sp->inflight--;
	probe_free(p);
	pump(sp);
}

static void
on_deferred_finish(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	finish(arg);
}

/* fail_later - finish from the loop (never from inside smtp_probe_start) */
static void
fail_later(struct probe *p, const char *why)
{
	struct timeval zero = { 0, 0 };

	snprintf(p->res.why, sizeof(p->res.why), "%s", why);
	p->finishing = true;
	if (p->step)
		evtimer_del(p->step);
	if (p->cap)
		event_free(p->cap);
	p->cap = evtimer_new(p->sp->base, on_deferred_finish, p);
	evtimer_add(p->cap, &zero);
}

static void
on_cap(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;

	(void)fd;
	(void)what;
	if (p->res.why[0] == '\0') {
		p->res.timed_out = true;
		snprintf(p->res.why, sizeof(p->res.why), "no progress within the probe's time bound");
	}
	finish(p);
}

/* stage_name - what a probe waits for in a stage, for its time-out message */
static const char *
stage_name(enum smtp_stage st)
{
	switch (st) {
	case SMTP_ST_CONNECT: return "connecting";
	case SMTP_ST_BANNER: return "waiting for the banner";
	case SMTP_ST_EHLO: return "waiting for the EHLO reply";
	case SMTP_ST_STARTTLS: return "waiting for the STARTTLS reply";
	case SMTP_ST_HANDSHAKE: return "in the TLS handshake";
	default: return "";
	}
}

/*
 * set_stage - enter a step and give it cfg.timeout in all.  The bufferevent's
 * own timeouts only bound the silence between two reads, so a server that
 * trickles its banner a byte a second would otherwise hold a step until the
 * probe's overall cap.
 */
static void
set_stage(struct probe *p, enum smtp_stage st)
{
	struct timeval tv;

	p->res.stage = st;
	if (p->step == NULL || st >= SMTP_ST_DONE) {
		if (p->step)
			evtimer_del(p->step);
		return;
	}
	tv.tv_sec = (time_t)p->cfg.timeout;
	tv.tv_usec = (suseconds_t)((p->cfg.timeout - (double)tv.tv_sec) * 1e6);
	evtimer_add(p->step, &tv);
}

/* on_step - a step did not complete within cfg.timeout (however much trickled in) */
static void
on_step(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;

	(void)fd;
	(void)what;
	p->res.timed_out = true;
	snprintf(p->res.why, sizeof(p->res.why), "timed out after %.1fs %s", p->cfg.timeout,
	    stage_name(p->res.stage));
	finish(p);
}

/* send_line - queue a command */
static void
send_line(struct probe *p, const char *line)
{
	bufferevent_write(p->bev, line, strlen(line));
}

/* handshake_done - record protocol, cipher, certificates and the DANE verdict */
static void
handshake_done(struct probe *p)
{
	SSL *ssl = p->ssl;
	const SSL_CIPHER *c = SSL_get_current_cipher(ssl);

	set_stage(p, SMTP_ST_DONE);
	snprintf(p->res.protocol, sizeof(p->res.protocol), "%s", SSL_get_version(ssl));
	snprintf(p->res.cipher, sizeof(p->res.cipher), "%s", c ? SSL_CIPHER_get_name(c) : "");
	p->res.cert = SSL_get1_peer_certificate(ssl);
	p->res.chain = SSL_get_peer_cert_chain(ssl);
	p->res.dane_depth = -1;
	if (p->res.dane_enabled) {
		uint8_t u, s, m;
		long vr = SSL_get_verify_result(ssl);
		int depth = SSL_get0_dane_tlsa(ssl, &u, &s, &m, NULL, NULL);

		if (depth >= 0) {
			p->res.dane_depth = depth;
			p->res.dane_usage = u;
			p->res.dane_selector = s;
			p->res.dane_mtype = m;
		}
		p->res.dane_ok = vr == X509_V_OK && depth >= 0;
		snprintf(p->res.dane_why, sizeof(p->res.dane_why), "%s",
		    vr == X509_V_OK ? (depth >= 0 ? "matched" : "no TLSA record matched")
		    : X509_verify_cert_error_string(vr));
	}
	send_line(p, "QUIT\r\n");
	finish(p);
}

static void on_event(struct bufferevent *bev, short what, void *arg);
static void on_read(struct bufferevent *bev, void *arg);

/* start_tls - the server said 220 to STARTTLS: put TLS on the connection */
static void
start_tls(struct probe *p)
{
	struct timeval tv;
	struct bufferevent *tb;
	SSL_CTX *ctx = ctx_get(p->sp, p->cfg.legacy_only);

	set_stage(p, SMTP_ST_HANDSHAKE);
	p->ssl = ctx ? SSL_new(ctx) : NULL;
	if (p->ssl == NULL) {
		snprintf(p->res.why, sizeof(p->res.why), "cannot create a TLS session");
		finish(p);
		return;
	}
	SSL_set_tlsext_host_name(p->ssl, p->host);
	if (p->cfg.ntlsa > 0 && SSL_dane_enable(p->ssl, p->host) > 0) {
		int usable = 0;

		SSL_dane_set_flags(p->ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
		for (size_t i = 0; i < p->cfg.ntlsa; i++) {
			const struct smtp_tlsa *t = &p->cfg.tlsa[i];

			if (SSL_dane_tlsa_add(p->ssl, t->usage, t->selector, t->mtype,
			    p->tlsa_data[i], t->len) > 0)
				usable++;
		}
		p->res.dane_enabled = usable > 0;
		ERR_clear_error();
	}
	tb = bufferevent_openssl_filter_new(p->sp->base, p->bev, p->ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (tb == NULL) {
		SSL_free(p->ssl);	/* not yet owned by a filter */
		p->ssl = NULL;
		snprintf(p->res.why, sizeof(p->res.why), "cannot start TLS on the connection");
		finish(p);
		return;
	}
	p->bev = tb;
	tv.tv_sec = (time_t)p->cfg.timeout;
	tv.tv_usec = (suseconds_t)((p->cfg.timeout - (double)tv.tv_sec) * 1e6);
	bufferevent_set_timeouts(tb, &tv, &tv);
	bufferevent_setcb(tb, on_read, NULL, on_event, p);
	bufferevent_enable(tb, EV_READ | EV_WRITE);
}

/* elapsed - seconds since p's first connection began */
static double
elapsed(const struct probe *p)
{
	struct timeval now;

	gettimeofday(&now, NULL);
	return (double)(now.tv_sec - p->started.tv_sec) +
	    (double)(now.tv_usec - p->started.tv_usec) / 1e6;
}

/*
 * back_off - the server said "too many connections": close, give the slot
 * back and come back later (true), or, when the schedule of smtp_polite.h
 * is spent, mark the result busy (false: the caller finishes p)
 */
static bool
back_off(struct probe *p)
{
	struct smtp_prober *sp = p->sp;
	struct timeval tv;
	double delay;
	unsigned salt = 0;

	for (size_t i = 0; i < 16; i++)
		salt = salt * 31u + p->cfg.addr.b[i];
	salt += (unsigned)(uintptr_t)p;
	if (!smtp_backoff_next(p->res.tries, elapsed(p), p->cfg.timeout, salt, &delay)) {
		p->res.busy = true;
		return false;
	}
	bufferevent_free(p->bev);
	p->bev = NULL;
	if (p->step)
		evtimer_del(p->step);
	if (p->cap)
		event_free(p->cap);
	p->launched = false;
	sp->inflight--;
	p->waiting = true;
	p->res.stage = SMTP_ST_QUEUED;
	p->res.refused = false;
	p->res.why[0] = '\0';
	p->cap = evtimer_new(sp->base, on_start, p);
	tv.tv_sec = (time_t)delay;
	tv.tv_usec = (suseconds_t)((delay - (double)tv.tv_sec) * 1e6);
	evtimer_add(p->cap, &tv);
	pump(sp);
	return true;
}

/* on_reply - one complete reply for the current stage; false when p is gone or TLS started */
static bool
on_reply(struct probe *p, const struct smtp_reply *r)
{
	char line[600];

	switch (p->res.stage) {
	case SMTP_ST_BANNER:
		p->res.banner = *r;
		if (r->code != 220) {
			if (smtp_reply_busy(r, true) && back_off(p))
				return false;
			p->res.refused = true;
			snprintf(p->res.why, sizeof(p->res.why), "%sbanner %d %.200s",
			    p->res.busy ? "still busy after several tries: " : "", r->code,
			    smtp_reply_line(r, 0));
			send_line(p, "QUIT\r\n");
			finish(p);
			return false;
		}
		snprintf(line, sizeof(line), "EHLO %s\r\n", p->ehlo);
		send_line(p, line);
		set_stage(p, SMTP_ST_EHLO);
		return true;
	case SMTP_ST_EHLO:
		p->res.ehlo = *r;
		if (r->code != 250) {
			if (smtp_reply_busy(r, false) && back_off(p))
				return false;
			p->res.refused = true;
			snprintf(p->res.why, sizeof(p->res.why), "%sEHLO answered %d %.200s",
			    p->res.busy ? "still busy after several tries: " : "", r->code,
			    smtp_reply_line(r, 0));
			send_line(p, "QUIT\r\n");
			finish(p);
			return false;
		}
		p->res.starttls_offered = smtp_reply_has_keyword(r, "STARTTLS");
		if (!p->res.starttls_offered) {
			snprintf(p->res.why, sizeof(p->res.why), "STARTTLS not offered");
			send_line(p, "QUIT\r\n");
			finish(p);
			return false;
		}
		send_line(p, "STARTTLS\r\n");
		set_stage(p, SMTP_ST_STARTTLS);
		return true;
	case SMTP_ST_STARTTLS:
		if (r->code != 220) {
			p->res.refused = true;
			snprintf(p->res.why, sizeof(p->res.why), "STARTTLS answered %d %.200s",
			    r->code, smtp_reply_line(r, 0));
			send_line(p, "QUIT\r\n");
			finish(p);
			return false;
		}
		start_tls(p);
		return false;
	default:
		return false;	/* after TLS we read nothing */
	}
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct probe *p = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (p->res.stage == SMTP_ST_CONNECT)
		set_stage(p, SMTP_ST_BANNER);
	if (p->res.stage >= SMTP_ST_HANDSHAKE) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	for (;;) {
		size_t len = evbuffer_get_length(in), used, off;
		struct smtp_reply *r;
		enum ms_status st;
		unsigned char *data;
		bool more;

		if (len == 0)
			return;
		if (len > SMTP_INPUT_MAX)
			len = SMTP_INPUT_MAX;
		data = evbuffer_pullup(in, (ssize_t)len);
		r = xmalloc(sizeof(*r));
		st = smtp_reply_parse((const char *)data, len, r, &used, &off);
		if (st != MS_OK) {
			snprintf(p->res.why, sizeof(p->res.why), "malformed SMTP reply (%s at byte %zu)",
			    ms_status_str(st), off);
			free(r);
			finish(p);
			return;
		}
		if (used == 0) {
			free(r);
			return;
		}
		evbuffer_drain(in, used);
		more = on_reply(p, r);
		free(r);
		if (!more)
			return;
	}
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct probe *p = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		if (p->res.stage == SMTP_ST_CONNECT) {
			set_stage(p, SMTP_ST_BANNER);
			return;
		}
		if (p->res.stage == SMTP_ST_HANDSHAKE) {
			handshake_done(p);
			return;
		}
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		p->res.timed_out = true;
		snprintf(p->res.why, sizeof(p->res.why), "timed out after %.1fs", p->cfg.timeout);
	} else if (what & BEV_EVENT_EOF) {
		snprintf(p->res.why, sizeof(p->res.why), "the server closed the connection");
	} else {
		unsigned long e = p->res.stage == SMTP_ST_HANDSHAKE ?
		    bufferevent_get_openssl_error(p->bev) : 0;

		if (e) {
			char buf[200];

			ERR_error_string_n(e, buf, sizeof(buf));
			snprintf(p->res.why, sizeof(p->res.why), "TLS handshake failed: %s", buf);
		} else {
			int err = EVUTIL_SOCKET_ERROR();

			snprintf(p->res.why, sizeof(p->res.why), "%s",
			    err ? evutil_socket_error_to_string(err) : "connection failed");
		}
	}
	ERR_clear_error();
	finish(p);
}

/* launch - connect now */
static void
launch(struct probe *p)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct timeval tv, capv;
	double cap = p->cfg.timeout * 6;

	p->sp->inflight++;
	p->launched = true;
	if (p->res.tries++ == 0)
		gettimeofday(&p->started, NULL);
	else
		cap -= elapsed(p);	/* retries share the first connection's bound */
	if (cap < p->cfg.timeout)
		cap = p->cfg.timeout;
	if (p->step == NULL)
		p->step = evtimer_new(p->sp->base, on_step, p);
	set_stage(p, SMTP_ST_CONNECT);
	memset(&ss, 0, sizeof(ss));
	if (p->cfg.addr.family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p->cfg.port);
		memcpy(&s4->sin_addr, p->cfg.addr.b, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p->cfg.port);
		memcpy(&s6->sin6_addr, p->cfg.addr.b, 16);
		sl = sizeof(*s6);
	}
	capv.tv_sec = (time_t)cap;
	capv.tv_usec = (suseconds_t)((cap - (double)capv.tv_sec) * 1e6);
	p->cap = evtimer_new(p->sp->base, on_cap, p);
	evtimer_add(p->cap, &capv);
	p->bev = bufferevent_socket_new(p->sp->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (p->bev == NULL) {
		fail_later(p, "cannot create a socket");
		return;
	}
	tv.tv_sec = (time_t)p->cfg.timeout;
	tv.tv_usec = (suseconds_t)((p->cfg.timeout - (double)tv.tv_sec) * 1e6);
	bufferevent_set_timeouts(p->bev, &tv, &tv);
	bufferevent_setcb(p->bev, on_read, NULL, on_event, p);
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(p->bev, (struct sockaddr *)&ss, (int)sl) != 0) {
		int err = EVUTIL_SOCKET_ERROR();

		fail_later(p, err ? evutil_socket_error_to_string(err) : "connect failed");
	}
}

/* on_start - deferred start so the callback never runs inside smtp_probe_start */
static void
on_start(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	struct smtp_prober *sp = p->sp;

	(void)fd;
	(void)what;
	event_free(p->cap);
	p->cap = NULL;
	p->waiting = false;
	if (sp->queue_tail)
		sp->queue_tail->next = p;
	else
		sp->queue_head = p;
	sp->queue_tail = p;
	pump(sp);
}

enum ms_status
smtp_probe_start(struct smtp_prober *sp, const struct smtp_probe_config *cfg,
    smtp_probe_callback cb, void *arg)
{
	struct probe *p;
	struct timeval zero = { 0, 0 };

	if (sp == NULL || cfg->host == NULL || cfg->timeout <= 0 ||
	    cfg->ntlsa > SMTP_PROBE_TLSA_MAX || (cfg->addr.family != 4 && cfg->addr.family != 6))
		return MS_ERR_ARG;
	p = xcalloc(1, sizeof(*p));
	p->sp = sp;
	p->cfg = *cfg;
	p->host = xstrdup(cfg->host);
	p->ehlo = xstrdup(cfg->ehlo_name ? cfg->ehlo_name : "mailsec.invalid");
	p->cfg.host = p->host;
	p->cfg.ehlo_name = p->ehlo;
	if (p->cfg.port == 0)
		p->cfg.port = 25;
	for (size_t i = 0; i < cfg->ntlsa; i++) {
		p->tlsa_data[i] = xmalloc(cfg->tlsa[i].len ? cfg->tlsa[i].len : 1);
		memcpy(p->tlsa_data[i], cfg->tlsa[i].data, cfg->tlsa[i].len);
		p->cfg.tlsa[i].data = p->tlsa_data[i];
	}
	p->cb = cb;
	p->arg = arg;
	p->res.dane_depth = -1;
	p->all_next = sp->all;
	if (sp->all)
		sp->all->all_prevp = &p->all_next;
	p->all_prevp = &sp->all;
	sp->all = p;
	p->cap = evtimer_new(sp->base, on_start, p);
	evtimer_add(p->cap, &zero);
	return MS_OK;
}

void
smtp_probe_cancel_all(struct smtp_prober *sp, const char *why)
{
	smtp_probe_cancel_owned(sp, NULL, why);
}

void
smtp_probe_cancel_owned(struct smtp_prober *sp, const void *owner, const char *why)
{
	struct probe **qp, *q;

	if (sp == NULL)
		return;
	/* Queued probes are in the live list too: here they only leave the queue. */
	sp->queue_tail = NULL;
	for (qp = &sp->queue_head; (q = *qp) != NULL; ) {
		if (owner == NULL || q->cfg.owner == owner) {
			*qp = q->next;
			q->next = NULL;
		} else {
			sp->queue_tail = q;
			qp = &q->next;
		}
	}
	for (struct probe *p = sp->all; p; p = p->all_next) {
		if (p->finishing || (owner && p->cfg.owner != owner))
			continue;
		if (p->bev) {
			bufferevent_setcb(p->bev, NULL, NULL, NULL, NULL);
			bufferevent_disable(p->bev, EV_READ | EV_WRITE);
		}
		p->res.timed_out = true;
		fail_later(p, why);
	}
}

void
smtp_probe_abandon_owned(struct smtp_prober *sp, const void *owner)
{
	struct probe **qp, *q, *p, *next;
	bool freed = false;

	if (sp == NULL || owner == NULL)
		return;
	sp->queue_tail = NULL;
	for (qp = &sp->queue_head; (q = *qp) != NULL; ) {
		if (q->cfg.owner == owner) {
			*qp = q->next;
			q->next = NULL;
		} else {
			sp->queue_tail = q;
			qp = &q->next;
		}
	}
	for (p = sp->all; p; p = next) {
		next = p->all_next;
		if (p->cfg.owner != owner || p->delivering)
			continue;
		if (p->launched)
			sp->inflight--;
		probe_free(p);	/* unlinks it from sp->all */
		freed = true;
	}
	if (freed)
		pump(sp);
}

void
smtp_prober_free(struct smtp_prober *sp)
{
	if (sp == NULL)
		return;
	while (sp->all) {
		struct probe *p = sp->all;

		if (p->launched)
			sp->inflight--;
		probe_free(p);	/* unlinks it from sp->all */
	}
	SSL_CTX_free(sp->ctx_any);
	SSL_CTX_free(sp->ctx_legacy);
	free(sp);
}
