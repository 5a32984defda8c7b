/* tests/unit/test_session.c - two runs on one session and loop: each deadline and cancel is its own */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/profile.h"
#include "dns/resolver_replay.h"
#include "engine/engine.h"
#include "engine/session.h"
#include "http/http_fetch.h"
#include "smtp/smtp_probe.h"
#include "util/ipaddr.h"

/*
 * Case-file-like data: a.test's lookups are never answered (a dead server);
 * b.test answers, except its DMARC record, which only the resolver's own
 * per-query timeout ends.
 */
static const char zone[] =
    "a.test.              * SILENT\n"
    "b.test.              MX 10 mail.b.test.\n"
    "mail.b.test.         A 192.0.2.25\n"
    "_dmarc.b.test.       TXT SILENT\n"
    "c1.test.             * SILENT\n"
    "c2.test.             * SILENT\n"
    "c3.test.             * SILENT\n"
    "c4.test.             * SILENT\n";

#define RESOLVER_TIMEOUT	1.0	/* b.test's DMARC lookup ends by this */
#define DEADLINE_A		0.2	/* run A's deadline */
#define DEADLINE_B		5.0	/* run B's: never reached */
#define BANNER_DELAY_MS		400	/* the slow SMTP server's banner, after A's deadline */

/* now - seconds on the monotonic-enough wall clock */
static double
now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* ---- two loopback servers: a tarpit and a slow SMTP server without STARTTLS ---- */

struct server {
	struct event_base *base;
	struct evconnlistener *tarpit, *smtp;
	unsigned tarpit_port, smtp_port;
	evutil_socket_t held[16];	/* tarpit connections, never answered */
	size_t nheld;
	struct bufferevent *conn;	/* the SMTP server's one connection */
	struct event *banner;
};

/* port_of - the port a listener was given */
static unsigned
port_of(struct evconnlistener *l)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	assert_int_equal(getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sa, &len), 0);
	return ntohs(sa.sin_port);
}

/* tarpit_accept - keep the connection open and say nothing */
static void
tarpit_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
    void *arg)
{
	struct server *sv = arg;

	(void)l;
	(void)sa;
	(void)len;
	assert_true(sv->nheld < 16);
	sv->held[sv->nheld++] = fd;
}

/* smtp_read - answer EHLO without STARTTLS; close after QUIT */
static void
smtp_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;

	(void)arg;
	while ((line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF)) != NULL) {
		if (strncmp(line, "EHLO", 4) == 0)
			bufferevent_write(bev, "250-b.test\r\n250 8BITMIME\r\n", 26);
		else if (strncmp(line, "QUIT", 4) == 0)
			bufferevent_write(bev, "221 bye\r\n", 9);
		free(line);
	}
}

/* smtp_event - the client went away */
static void
smtp_event(struct bufferevent *bev, short what, void *arg)
{
	struct server *sv = arg;

	(void)what;
	bufferevent_free(bev);
	sv->conn = NULL;
}

/* send_banner - the delayed greeting */
static void
send_banner(evutil_socket_t fd, short what, void *arg)
{
	struct server *sv = arg;

	(void)fd;
	(void)what;
	if (sv->conn)
		bufferevent_write(sv->conn, "220 b.test ESMTP\r\n", 18);
}

/* smtp_accept - one client; greet it after BANNER_DELAY_MS */
static void
smtp_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
    void *arg)
{
	struct server *sv = arg;
	struct timeval delay = { 0, BANNER_DELAY_MS * 1000 };

	(void)l;
	(void)sa;
	(void)len;
	assert_null(sv->conn);
	sv->conn = bufferevent_socket_new(sv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(sv->conn, smtp_read, NULL, smtp_event, sv);
	bufferevent_enable(sv->conn, EV_READ | EV_WRITE);
	evtimer_add(sv->banner, &delay);
}

/* listen_on_loopback - a listener on 127.0.0.1, any free port */
static struct evconnlistener *
listen_on_loopback(struct event_base *base, evconnlistener_cb cb, void *arg)
{
	struct sockaddr_in sa;
	struct evconnlistener *l;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = 0;
	l = evconnlistener_new_bind(base, cb, arg, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&sa, sizeof(sa));
	assert_non_null(l);
	return l;
}

/* server_start - the tarpit and the slow SMTP server on base */
static void
server_start(struct server *sv, struct event_base *base)
{
	memset(sv, 0, sizeof(*sv));
	sv->base = base;
	sv->tarpit = listen_on_loopback(base, tarpit_accept, sv);
	sv->smtp = listen_on_loopback(base, smtp_accept, sv);
	sv->tarpit_port = port_of(sv->tarpit);
	sv->smtp_port = port_of(sv->smtp);
	sv->banner = evtimer_new(base, send_banner, sv);
}

/* server_stop - close everything the servers hold */
static void
server_stop(struct server *sv)
{
	for (size_t i = 0; i < sv->nheld; i++)
		close(sv->held[i]);
	if (sv->conn)
		bufferevent_free(sv->conn);
	event_free(sv->banner);
	evconnlistener_free(sv->tarpit);
	evconnlistener_free(sv->smtp);
}

/* ---- one run's view ---- */

struct seen {
	const char *name;
	struct seen *other;	/* the other run, or NULL */
	bool other_done_first;	/* when this run ended: the other had ended */
	bool other_probing;	/* when this run ended: the other's probe was in flight */
	size_t results, done;
	double done_at;
	bool deadline_why;	/* some finding says "total deadline reached" */
	bool cancel_why;
	bool per_query_timeout;	/* some finding says the resolver's own timeout ended it */
	bool mx_present;	/* a finding made from a real answer */
	/* the probe tagged with this run */
	bool probed;
	double probe_at;
	struct smtp_probe_result probe;
	/* the HTTPS fetch tagged with this run */
	bool fetched;
	double fetch_at;
	enum http_outcome fetch_outcome;
	char fetch_why[256];
};

/* on_result - note what the run's findings say */
static void
on_result(struct audit *a, void *arg)
{
	struct seen *s = arg;

	s->results++;
	for (size_t i = 0; i < a->findings.n; i++) {
		const struct finding *f = &a->findings.v[i];
		const char *m = f->message ? f->message : "";

		if (strstr(m, "total deadline reached"))
			s->deadline_why = true;
		if (strstr(m, "run cancelled"))
			s->cancel_why = true;
		if (strstr(m, "no answer within"))
			s->per_query_timeout = true;
		if (strcmp(finding_defs[f->id].id, "mx.present") == 0 && f->severity == SEV_PASS)
			s->mx_present = true;
	}
}

/* on_done - the run is over */
static void
on_done(void *arg)
{
	struct seen *s = arg;

	s->done++;
	s->done_at = now();
	if (s->other) {
		s->other_done_first = s->other->done > 0;
		s->other_probing = !s->other->probed;
	}
}

/* on_probe - keep the probe's result (without its certificates) */
static void
on_probe(const struct smtp_probe_result *r, void *arg)
{
	struct seen *s = arg;

	s->probed = true;
	s->probe_at = now();
	s->probe = *r;
	s->probe.cert = NULL;
	s->probe.chain = NULL;
}

/* on_fetch - keep the fetch's outcome */
static void
on_fetch(const struct http_response *r, void *arg)
{
	struct seen *s = arg;

	s->fetched = true;
	s->fetch_at = now();
	s->fetch_outcome = r->outcome;
	snprintf(s->fetch_why, sizeof(s->fetch_why), "%s", r->why);
}

/* fetch_for - an HTTPS GET from 127.0.0.1:port (a tarpit) tagged with run, timeout seconds at most */
static void
fetch_for(struct session *ses, struct engine_run *run, unsigned port, double timeout,
    struct seen *s)
{
	struct http_request req;
	const char *addrs[] = { "127.0.0.1", NULL };
	char url[128];

	snprintf(url, sizeof(url), "https://mta-sts.b.test:%u/.well-known/mta-sts.txt", port);
	memset(&req, 0, sizeof(req));
	req.url = url;
	req.host = "mta-sts.b.test";
	req.addrs = addrs;
	req.port = port;
	req.max_body = 65536;
	req.timeout = timeout;
	req.owner = run;
	assert_int_equal(http_get(ses->http, &req, on_fetch, s), MS_OK);
}

/* probe_for - a STARTTLS probe of 127.0.0.1:port tagged with run */
static void
probe_for(struct session *ses, struct engine_run *run, unsigned port, struct seen *s)
{
	struct smtp_probe_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.owner = run;
	assert_int_equal(ipaddr_parse("127.0.0.1", &cfg.addr), MS_OK);
	cfg.port = port;
	cfg.host = "mail.b.test";
	cfg.ehlo_name = "client.test";
	cfg.timeout = 10;	/* only a deadline or the server ends it */
	assert_int_equal(smtp_probe_start(ses->smtp, &cfg, on_probe, s), MS_OK);
}

/* session_on - a session over the zone above on base (NULL: its own loop) */
static struct session *
session_on(struct event_base *base, struct replay_data **rd, double timeout)
{
	struct session_config scfg;
	struct session *ses = NULL;
	char *err = NULL;

	*rd = replay_data_new();
	assert_int_equal(replay_data_load_text(*rd, zone, &err), MS_OK);
	memset(&scfg, 0, sizeof(scfg));
	scfg.base = base;	/* the caller's loop */
	scfg.replay = *rd;
	scfg.timeout = timeout;
	scfg.http = true;
	assert_int_equal(session_new(&scfg, &ses, &err), MS_OK);
	assert_non_null(ses->http);
	assert_null(err);
	if (base)
		assert_true(ses->base == base);
	return ses;
}

/*
 * deadlines_are_per_run - run A (a.test, --only mx, 0.2 s) and run B
 * (b.test, --only mx,dmarc, 5 s) on one loop: A's deadline ends A's lookups
 * and A's probe and nothing of B's: B's DMARC lookup ends by the resolver's
 * own timeout, B's MX answer is real, B's probe, still waiting for its
 * banner when A's deadline passes, completes, and B's HTTPS fetch (into the
 * tarpit) ends by its own timeout, not A's deadline.
 */
static void
deadlines_are_per_run(void **state)
{
	struct event_base *base = event_base_new();
	struct replay_data *rd;
	struct session *ses = session_on(base, &rd, RESOLVER_TIMEOUT);
	struct profile *profile = NULL;
	struct check_options copts;
	struct engine_config ca, cb;
	struct engine_run *ra, *rb;
	struct seen a = { .name = "A" }, b = { .name = "B" };
	struct server sv;
	char *err = NULL;
	char mx[] = "mx", dmarc[] = "dmarc";
	char *only_a[] = { mx, NULL }, *only_b[] = { mx, dmarc, NULL };
	char da[] = "a.test", db[] = "b.test";
	char *doms_a[] = { da }, *doms_b[] = { db };
	double t0;

	(void)state;
	a.other = &b;
	b.other = &a;
	server_start(&sv, base);
	assert_int_equal(profile_load("generic", &profile, &err), MS_OK);
	memset(&copts, 0, sizeof(copts));
	copts.profile = profile;
	copts.offline = true;

	memset(&ca, 0, sizeof(ca));
	ca.opts = &copts;
	ca.only = only_a;
	ca.deadline = DEADLINE_A;
	ca.on_result = on_result;
	ca.on_done = on_done;
	ca.arg = &a;
	cb = ca;
	cb.only = only_b;
	cb.deadline = DEADLINE_B;
	cb.arg = &b;

	t0 = now();
	ra = engine_submit(ses, &ca, doms_a, 1);
	rb = engine_submit(ses, &cb, doms_b, 1);
	assert_int_equal(a.results + b.results, 0);	/* nothing from inside engine_submit */
	probe_for(ses, ra, sv.tarpit_port, &a);
	probe_for(ses, rb, sv.smtp_port, &b);
	fetch_for(ses, ra, sv.tarpit_port, 10, &a);	/* only A's deadline can end it */
	fetch_for(ses, rb, sv.tarpit_port, RESOLVER_TIMEOUT, &b);
	while (!(a.done && b.done && a.probed && b.probed && a.fetched && b.fetched))
		assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);

	/* A: its deadline ended its lookup and its probe. */
	assert_int_equal(a.results, 1);
	assert_int_equal(a.done, 1);
	assert_true(a.deadline_why);
	assert_false(a.per_query_timeout);
	assert_true(a.done_at - t0 >= DEADLINE_A - 0.01);
	assert_false(a.other_done_first);	/* B was still running ... */
	assert_true(a.other_probing);		/* ... and so was B's probe */
	assert_true(a.probe.timed_out);
	assert_string_equal(a.probe.why, "total deadline reached");
	assert_int_equal(a.fetch_outcome, HTTP_TIMEOUT);
	assert_string_equal(a.fetch_why, "total deadline reached");

	/* B: untouched by A's deadline. */
	assert_int_equal(b.results, 1);
	assert_int_equal(b.done, 1);
	assert_false(b.deadline_why);
	assert_true(b.mx_present);
	assert_true(b.per_query_timeout);
	assert_true(b.done_at - t0 >= RESOLVER_TIMEOUT - 0.01);
	assert_true(b.other_done_first);
	assert_false(b.probe.timed_out);
	assert_int_equal(b.probe.stage, SMTP_ST_EHLO);
	assert_int_equal(b.probe.banner.code, 220);
	assert_string_equal(b.probe.why, "STARTTLS not offered");
	assert_int_equal(b.fetch_outcome, HTTP_TIMEOUT);
	assert_null(strstr(b.fetch_why, "deadline"));
	assert_true(b.fetch_at - t0 >= RESOLVER_TIMEOUT - 0.01);

	server_stop(&sv);
	session_free(ses);
	replay_data_free(rd);
	profile_free(profile);
	event_base_free(base);
}

/* What cancel_later cancels. */
struct cancel_job {
	struct engine_run *run;
	struct seen *s;
	size_t results_before;
};

/* cancel_later - engine_cancel from the loop, a little after the run started */
static void
cancel_later(evutil_socket_t fd, short what, void *arg)
{
	struct cancel_job *c = arg;

	(void)fd;
	(void)what;
	c->results_before = c->s->results;
	engine_cancel(c->run);
	engine_cancel(c->run);	/* a second cancel is harmless */
}

/*
 * cancel_frees_everything - a run of four silent domains, two at a time,
 * with a probe into a tarpit, cancelled after 50 ms: no result after the
 * cancel, on_done once, the probe ends "run cancelled", the other run on
 * the loop still completes, and nothing is left behind (ASan/LSan, valgrind).
 * A run cancelled before it started ends the same way.
 */
static void
cancel_frees_everything(void **state)
{
	struct event_base *base = event_base_new();
	struct replay_data *rd;
	struct session *ses = session_on(base, &rd, 5);
	struct profile *profile = NULL;
	struct check_options copts;
	struct engine_config cfg, other;
	struct seen c = { .name = "C" }, b = { .name = "B" }, e = { .name = "E" };
	struct cancel_job job;
	struct event *t;
	struct timeval fifty = { 0, 50000 };
	struct server sv;
	char *err = NULL;
	char c1[] = "c1.test", c2[] = "c2.test", c3[] = "c3.test", c4[] = "c4.test", db[] = "b.test";
	char *doms[] = { c1, c2, c3, c4 }, *doms_b[] = { db };
	char mx[] = "mx", *only_mx[] = { mx, NULL };
	struct engine_run *early;

	(void)state;
	server_start(&sv, base);
	assert_int_equal(profile_load("generic", &profile, &err), MS_OK);
	memset(&copts, 0, sizeof(copts));
	copts.profile = profile;
	copts.offline = true;
	memset(&cfg, 0, sizeof(cfg));
	cfg.opts = &copts;
	cfg.max_inflight = 2;
	cfg.on_result = on_result;
	cfg.on_done = on_done;
	cfg.arg = &c;
	other = cfg;
	other.only = only_mx;
	other.arg = &b;

	job.s = &c;
	job.run = engine_submit(ses, &cfg, doms, 4);
	engine_submit(ses, &other, doms_b, 1);
	probe_for(ses, job.run, sv.tarpit_port, &c);
	t = evtimer_new(base, cancel_later, &job);
	evtimer_add(t, &fifty);
	while (!(c.done && b.done && c.probed))
		assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	assert_int_equal(job.results_before, 0);	/* every domain was still waiting */
	assert_int_equal(c.results, 0);
	assert_int_equal(c.done, 1);
	assert_true(c.probe.timed_out);
	assert_string_equal(c.probe.why, "run cancelled");
	assert_int_equal(b.results, 1);
	assert_true(b.mx_present);

	/* cancelled before the loop ever ran it */
	cfg.arg = &e;
	early = engine_submit(ses, &cfg, doms, 4);
	engine_cancel(early);
	while (!e.done)
		assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	assert_int_equal(e.results, 0);
	assert_int_equal(e.done, 1);

	event_free(t);
	server_stop(&sv);
	session_free(ses);
	replay_data_free(rd);
	profile_free(profile);
	event_base_free(base);
}

/* two_sessions - sessions share nothing: one loop each, freed in any order */
static void
two_sessions(void **state)
{
	struct replay_data *r1, *r2;
	struct session *s1 = session_on(NULL, &r1, 1), *s2 = session_on(NULL, &r2, 1);

	(void)state;
	assert_true(s1->base != s2->base);
	assert_true(s1->smtp != s2->smtp && s1->psl != s2->psl && s1->res != s2->res);
	session_free(s1);
	session_free(s2);
	replay_data_free(r1);
	replay_data_free(r2);
}

/* main - the cmocka runner */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deadlines_are_per_run),
		cmocka_unit_test(cancel_frees_everything),
		cmocka_unit_test(two_sessions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
