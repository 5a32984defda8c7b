/* src/lmtp/lmtp_server.c - an LMTP server (RFC 2033) on the caller's libevent loop */
#include "lmtp/lmtp_server.h"
#include "lmtp/lmtp_cmd.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

/*
 * A connection's states:
 *
 *   C_GREETED --LHLO--> C_READY --MAIL--> C_MAIL --RCPT (accepted)--> C_RCPT
 *   C_RCPT --DATA--> C_DATA --"."--> C_DELIVER --lmtp_delivery_done--> C_READY
 *
 * LHLO and RSET go back to C_READY from any state but C_DATA and C_DELIVER
 * (where no command is read).  In C_DELIVER reading stops; the delivery
 * owns the message and the recipients, so a connection that goes away
 * meanwhile is freed and the delivery, when done, only frees itself.  A
 * connection that is closing reads nothing, and is freed once its last
 * reply has been written.
 */
enum conn_state { C_GREETED, C_READY, C_MAIL, C_RCPT, C_DATA, C_DELIVER };

struct lmtp_conn {
	struct lmtp_server *srv;
	struct bufferevent *bev;
	enum conn_state state;
	char client[LMTP_PATH_MAX + 1];	/* the LHLO name */
	char *mail_from;
	char **rcpts;
	size_t nrcpts;
	struct buf data;
	struct lmtp_data dstate;
	unsigned errors;
	bool closing;
	struct lmtp_delivery *pending;
	struct lmtp_conn *prev, *next;
};

struct lmtp_delivery {
	struct lmtp_conn *conn;		/* NULL once the connection went away */
	struct lmtp_delivery_info info;
	char *client, *mail_from;
	char **rcpts;
	struct buf data;
	int *codes;
	char **texts;
};

struct lmtp_server {
	struct event_base *base;
	struct lmtp_server_config cfg;
	struct evconnlistener *lis;
	char *unix_path;
	struct lmtp_conn *conns;
	unsigned nconns;
	bool stopping;
	void (*stopped)(void *arg);
	void *stopped_arg;
};

/* logf_ - one line to the caller's log */
static void __attribute__((format(printf, 2, 3)))
logf_(struct lmtp_server *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (s->cfg.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->cfg.log(s->cfg.arg, line);
}

/* reply - queue one reply line "CODE ENH TEXT" on c */
static void
reply(struct lmtp_conn *c, int code, const char *enh, const char *text)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (enh && *enh)
		evbuffer_add_printf(out, "%03d %s %s\r\n", code, enh, text);
	else
		evbuffer_add_printf(out, "%03d %s\r\n", code, text);
}

/* reset_tx - forget the transaction (MAIL, RCPT, DATA) */
static void
reset_tx(struct lmtp_conn *c)
{
	free(c->mail_from);
	c->mail_from = NULL;
	for (size_t i = 0; i < c->nrcpts; i++)
		free(c->rcpts[i]);
	free(c->rcpts);
	c->rcpts = NULL;
	c->nrcpts = 0;
	buf_free(&c->data);
	buf_init(&c->data, c->srv->cfg.max_size ? c->srv->cfg.max_size : 1);
}

static void check_stopped(struct lmtp_server *s);

/* conn_free - unlink and free c; its delivery in progress (if any) carries on without it */
static void
conn_free(struct lmtp_conn *c)
{
	struct lmtp_server *s = c->srv;

	if (c->pending)
		c->pending->conn = NULL;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	bufferevent_free(c->bev);
	reset_tx(c);
	buf_free(&c->data);
	free(c);
	check_stopped(s);
}

/* conn_close - stop reading; free c once what is queued has been written */
static void
conn_close(struct lmtp_conn *c)
{
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_free(c);
}

/* stopped_cb - every connection is gone after lmtp_server_stop: tell the caller */
static void
stopped_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lmtp_server *s = arg;
	void (*cb)(void *) = s->stopped;

	(void)fd;
	(void)what;
	s->stopped = NULL;
	if (cb)
		cb(s->stopped_arg);
}

/* check_stopped - when stopping and no connection is left, call the caller back from the loop */
static void
check_stopped(struct lmtp_server *s)
{
	if (s->stopping && s->nconns == 0 && s->stopped)
		MS_IGNORE(event_base_once(s->base, -1, EV_TIMEOUT, stopped_cb, s, NULL) != 0);
}

/* refused - count a refused command; true (and c closing) when there were too many */
static bool
refused(struct lmtp_conn *c)
{
	if (++c->errors < LMTP_ERRORS_MAX)
		return false;
	reply(c, 421, "4.7.0", "too many errors, closing the connection");
	conn_close(c);
	return true;
}

/* cmd_lhlo - LHLO: the extensions (RFC 2033 §4.1), and a fresh transaction */
static void
cmd_lhlo(struct lmtp_conn *c, const struct lmtp_cmd *cmd)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	reset_tx(c);
	snprintf(c->client, sizeof(c->client), "%s", cmd->arg);
	evbuffer_add_printf(out, "250-%s\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n"
	    "250-8BITMIME\r\n250 SIZE %zu\r\n", c->srv->cfg.hostname, c->srv->cfg.max_size);
	c->state = C_READY;
}

/* cmd_mail - MAIL FROM */
static void
cmd_mail(struct lmtp_conn *c, const struct lmtp_cmd *cmd)
{
	if (c->state == C_GREETED) {
		reply(c, 503, "5.5.1", "say LHLO first");
		refused(c);
		return;
	}
	if (c->state != C_READY) {
		reply(c, 503, "5.5.1", "a transaction is already open (RSET first)");
		refused(c);
		return;
	}
	if (cmd->has_size && cmd->size > c->srv->cfg.max_size) {
		reply(c, 552, "5.3.4", "the message is larger than this server takes");
		return;
	}
	c->mail_from = xstrdup(cmd->arg);
	c->state = C_MAIL;
	reply(c, 250, "2.1.0", "sender ok");
}

/* cmd_rcpt - RCPT TO: asked of the caller */
static void
cmd_rcpt(struct lmtp_conn *c, const struct lmtp_cmd *cmd)
{
	if (c->state != C_MAIL && c->state != C_RCPT) {
		reply(c, 503, "5.5.1", "MAIL first");
		refused(c);
		return;
	}
	if (c->nrcpts == LMTP_RCPT_MAX) {
		reply(c, 452, "4.5.3", "too many recipients in one transaction");
		return;
	}
	if (!c->srv->cfg.rcpt(c->srv->cfg.arg, cmd->arg)) {
		reply(c, 550, "5.1.1", "no such recipient here");
		return;
	}
	c->rcpts = xreallocarray(c->rcpts, c->nrcpts + 1, sizeof(*c->rcpts));
	c->rcpts[c->nrcpts++] = xstrdup(cmd->arg);
	c->state = C_RCPT;
	reply(c, 250, "2.1.5", "recipient ok");
}

/* cmd_data - DATA: read the message next */
static void
cmd_data(struct lmtp_conn *c)
{
	if (c->state == C_MAIL) {
		reply(c, 554, "5.5.1", "no valid recipients");
		return;
	}
	if (c->state != C_RCPT) {
		reply(c, 503, "5.5.1", "MAIL and RCPT first");
		refused(c);
		return;
	}
	lmtp_data_init(&c->dstate);
	c->state = C_DATA;
	reply(c, 354, NULL, "send the message, end with a line holding only \".\"");
}

/* data_end - the final "." was read: refuse an oversized message, or hand it to the caller */
static void
data_end(struct lmtp_conn *c)
{
	struct lmtp_server *s = c->srv;
	struct lmtp_delivery *d;

	if (c->dstate.too_big) {
		for (size_t i = 0; i < c->nrcpts; i++)
			reply(c, 552, "5.3.4", "the message is larger than this server takes");
		logf_(s, "refused a message of more than %zu bytes from <%s>", s->cfg.max_size,
		    c->mail_from);
		reset_tx(c);
		c->state = C_READY;
		return;
	}
	d = xcalloc(1, sizeof(*d));
	d->conn = c;
	d->client = xstrdup(c->client);
	d->mail_from = c->mail_from;
	d->rcpts = c->rcpts;
	d->data = c->data;
	d->codes = xcalloc(c->nrcpts, sizeof(*d->codes));
	d->texts = xcalloc(c->nrcpts, sizeof(*d->texts));
	d->info.client = d->client;
	d->info.mail_from = d->mail_from;
	d->info.rcpts = (const char *const *)d->rcpts;
	d->info.nrcpts = c->nrcpts;
	d->info.data = d->data.data ? d->data.data : "";
	d->info.len = d->data.len;
	c->mail_from = NULL;
	c->rcpts = NULL;
	c->nrcpts = 0;
	buf_init(&c->data, s->cfg.max_size ? s->cfg.max_size : 1);
	c->state = C_DELIVER;
	c->pending = d;
	bufferevent_disable(c->bev, EV_READ);
	s->cfg.deliver(s->cfg.arg, d);
}

const struct lmtp_delivery_info *
lmtp_delivery_info(const struct lmtp_delivery *d)
{
	return &d->info;
}

void
lmtp_reply(struct lmtp_delivery *d, size_t i, int code, const char *enhanced, const char *text)
{
	char *t;

	if (i >= d->info.nrcpts || code < 200 || code > 599)
		return;
	t = xasprintf("%s %.400s", enhanced ? enhanced : "", text ? text : "");
	for (char *p = t; *p; p++)
		if ((unsigned char)*p < 32 || (unsigned char)*p > 126)
			*p = '?';
	free(d->texts[i]);
	d->texts[i] = t;
	d->codes[i] = code;
}

static void conn_read(struct bufferevent *bev, void *arg);

/* delivery_free - free d and what it owns */
static void
delivery_free(struct lmtp_delivery *d)
{
	for (size_t i = 0; i < d->info.nrcpts; i++) {
		free(d->rcpts[i]);
		free(d->texts[i]);
	}
	free(d->rcpts);
	free(d->texts);
	free(d->codes);
	free(d->client);
	free(d->mail_from);
	buf_free(&d->data);
	free(d);
}

void
lmtp_delivery_done(struct lmtp_delivery *d)
{
	struct lmtp_conn *c = d->conn;

	if (c) {
		struct evbuffer *out = bufferevent_get_output(c->bev);

		for (size_t i = 0; i < d->info.nrcpts; i++)
			if (d->codes[i])
				evbuffer_add_printf(out, "%03d %s\r\n", d->codes[i], d->texts[i]);
			else
				evbuffer_add_printf(out, "451 4.3.0 not answered\r\n");
		c->pending = NULL;
		c->state = C_READY;
	}
	delivery_free(d);
	if (c == NULL)
		return;
	if (c->srv->stopping) {
		reply(c, 421, "4.3.2", "shutting down");
		conn_close(c);
		return;
	}
	bufferevent_enable(c->bev, EV_READ);
	conn_read(c->bev, c);	/* pipelined commands already in the buffer */
}

/* handle_line - one command line */
static void
handle_line(struct lmtp_conn *c, const char *line, size_t len)
{
	struct lmtp_cmd cmd;
	struct lmtp_cmd_error err;

	if (lmtp_cmd_parse(line, len, &cmd, &err) != MS_OK) {
		reply(c, err.code, err.enhanced, err.why);
		refused(c);
		return;
	}
	switch (cmd.verb) {
	case LMTP_LHLO:
		cmd_lhlo(c, &cmd);
		break;
	case LMTP_MAIL:
		cmd_mail(c, &cmd);
		break;
	case LMTP_RCPT:
		cmd_rcpt(c, &cmd);
		break;
	case LMTP_DATA:
		cmd_data(c);
		break;
	case LMTP_RSET:
		reset_tx(c);
		if (c->state != C_GREETED)
			c->state = C_READY;
		reply(c, 250, "2.0.0", "reset");
		break;
	case LMTP_NOOP:
		reply(c, 250, "2.0.0", "ok");
		break;
	case LMTP_QUIT:
		reply(c, 221, "2.0.0", "bye");
		conn_close(c);
		break;
	}
}

/* conn_read - commands and DATA bytes, as far as the input and the state allow */
static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct lmtp_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	while (!c->closing && c->state != C_DELIVER) {
		if (c->state == C_DATA) {
			struct evbuffer_iovec v;
			size_t used;

			if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || v.iov_len == 0)
				return;
			if (lmtp_data_feed(&c->dstate, v.iov_base, v.iov_len, &c->data, &used)) {
				evbuffer_drain(in, used);
				data_end(c);
			} else {
				evbuffer_drain(in, used);
			}
			continue;
		}
		{
			char line[LMTP_LINE_MAX + 1];
			size_t eol = 0;
			struct evbuffer_ptr p = evbuffer_search_eol(in, NULL, &eol, EVBUFFER_EOL_CRLF);

			if (p.pos < 0) {
				if (evbuffer_get_length(in) > LMTP_LINE_MAX + 2) {
					reply(c, 500, "5.5.2", "the line is longer than 1000 bytes");
					conn_close(c);
				}
				return;
			}
			if ((size_t)p.pos > LMTP_LINE_MAX) {
				reply(c, 500, "5.5.2", "the line is longer than 1000 bytes");
				conn_close(c);
				return;
			}
			if (evbuffer_remove(in, line, (size_t)p.pos) != (int)p.pos)
				return;
			evbuffer_drain(in, eol);
			handle_line(c, line, (size_t)p.pos);
		}
	}
}

/* conn_write - the output was written: a closing connection is done */
static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct lmtp_conn *c = arg;

	(void)bev;
	if (c->closing)
		conn_free(c);
}

/* conn_event - end of input, an error or the idle timeout */
static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct lmtp_conn *c = arg;

	(void)bev;
	if ((what & BEV_EVENT_TIMEOUT) && !c->closing) {
		reply(c, 421, "4.4.2", "idle for too long, closing the connection");
		conn_close(c);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		conn_free(c);
}

/* accepted - a new connection: greet it, or refuse it past the cap */
static void
accepted(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct lmtp_server *s = arg;
	struct lmtp_conn *c;
	struct timeval tv;

	(void)l;
	(void)sa;
	(void)salen;
	if (s->stopping || s->nconns >= s->cfg.max_conns) {
		static const char busy[] = "421 4.3.2 too many connections, try again later\r\n";

		if (write(fd, busy, sizeof(busy) - 1) < 0) {
			/* the client went away: nothing to tell it */
		}
		evutil_closesocket(fd);
		logf_(s, "refused a connection: %u open", s->nconns);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->srv = s;
	buf_init(&c->data, s->cfg.max_size ? s->cfg.max_size : 1);
	c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		buf_free(&c->data);
		free(c);
		return;
	}
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	tv.tv_sec = (time_t)s->cfg.idle_timeout;
	tv.tv_usec = (suseconds_t)((s->cfg.idle_timeout - (double)tv.tv_sec) * 1e6);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	evbuffer_add_printf(bufferevent_get_output(c->bev), "220 %s LMTP mailsec\r\n", s->cfg.hostname);
}

/* listen_addr - sockaddr for "unix:PATH", "ADDR:PORT" or "[ADDR]:PORT" */
static enum ms_status
listen_addr(const char *spec, struct sockaddr_storage *ss, int *sslen, char **unix_path,
    char *why, size_t whylen)
{
	memset(ss, 0, sizeof(*ss));
	if (strncmp(spec, "unix:", 5) == 0) {
		struct sockaddr_un *un = (struct sockaddr_un *)ss;
		const char *p = spec + 5;

		if (*p == '\0' || strlen(p) >= sizeof(un->sun_path)) {
			snprintf(why, whylen, "%s: the socket path is empty or longer than %zu bytes", spec,
			    sizeof(un->sun_path) - 1);
			return MS_ERR_ARG;
		}
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, p, strlen(p) + 1);
		*sslen = (int)sizeof(*un);
		*unix_path = xstrdup(p);
		return MS_OK;
	}
	*sslen = (int)sizeof(*ss);
	if (evutil_parse_sockaddr_port(spec, (struct sockaddr *)ss, sslen) != 0 ||
	    (ss->ss_family == AF_INET && ((struct sockaddr_in *)ss)->sin_port == 0) ||
	    (ss->ss_family == AF_INET6 && ((struct sockaddr_in6 *)ss)->sin6_port == 0)) {
		snprintf(why, whylen, "%s: not unix:PATH, ADDR:PORT or [ADDR]:PORT", spec);
		return MS_ERR_ARG;
	}
	return MS_OK;
}

enum ms_status
lmtp_server_new(struct event_base *base, const struct lmtp_server_config *cfg,
    struct lmtp_server **out, char *why, size_t whylen)
{
	struct lmtp_server *s;
	struct sockaddr_storage ss;
	int sslen;
	char *upath = NULL;
	enum ms_status st;

	*out = NULL;
	if ((st = listen_addr(cfg->listen, &ss, &sslen, &upath, why, whylen)) != MS_OK)
		return st;
	if (upath && unlink(upath) != 0 && errno != ENOENT) {
		snprintf(why, whylen, "%s: %s", upath, strerror(errno));
		free(upath);
		return MS_ERR_IO;
	}
	s = xcalloc(1, sizeof(*s));
	s->base = base;
	s->cfg = *cfg;
	s->cfg.listen = xstrdup(cfg->listen);
	s->cfg.hostname = xstrdup(cfg->hostname ? cfg->hostname : "localhost");
	s->unix_path = upath;
	s->lis = evconnlistener_new_bind(base, accepted, s,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 128,
	    (struct sockaddr *)&ss, sslen);
	if (s->lis == NULL) {
		snprintf(why, whylen, "listen on %s: %s", cfg->listen, strerror(errno));
		free(s->unix_path);
		s->unix_path = NULL;
		lmtp_server_free(s);
		return MS_ERR_IO;
	}
	*out = s;
	return MS_OK;
}

void
lmtp_server_stop(struct lmtp_server *s, void (*done)(void *arg), void *arg)
{
	struct lmtp_conn *c, *next;

	s->stopping = true;
	s->stopped = done;
	s->stopped_arg = arg;
	if (s->lis) {
		evconnlistener_free(s->lis);
		s->lis = NULL;
	}
	for (c = s->conns; c; c = next) {
		next = c->next;
		if (c->state == C_DELIVER || c->closing)
			continue;
		reply(c, 421, "4.3.2", "shutting down");
		conn_close(c);
	}
	check_stopped(s);
}

unsigned
lmtp_server_connections(const struct lmtp_server *s)
{
	return s->nconns;
}

struct event_base *
lmtp_server_base(const struct lmtp_server *s)
{
	return s->base;
}

void
lmtp_server_free(struct lmtp_server *s)
{
	if (s == NULL)
		return;
	s->stopped = NULL;
	while (s->conns)
		conn_free(s->conns);
	if (s->lis)
		evconnlistener_free(s->lis);
	if (s->unix_path) {
		unlink(s->unix_path);
		free(s->unix_path);
	}
	free((char *)s->cfg.listen);
	free((char *)s->cfg.hostname);
	free(s);
}
