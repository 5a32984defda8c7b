/* tests/unit/test_probe_cache.c - the shared STARTTLS probe cache: join, cancel per owner, abandon, free, cap */
#include <errno.h>
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
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/finding.h"
#include "core/profile.h"
#include "dns/resolver_replay.h"
#include "engine/engine.h"
#include "engine/session.h"
#include "smtp/smtp_probe.h"
#include "smtp/smtp_probe_cache.h"
#include "util/ipaddr.h"

/* ---- a counting SMTP server on loopback: greets after a delay, no STARTTLS ---- */

#define CONNS_MAX	8

struct server {
	struct event_base *base;
	struct evconnlistener *l;
	unsigned port;
	int accepted;			/* connections seen */
	int closed;			/* ... that the client closed */
	int banner_ms;			/* greeting delay */
	struct bufferevent *conn[CONNS_MAX];
	struct event *greet[CONNS_MAX];
};

/* srv_read - answer EHLO without STARTTLS, QUIT with 221 */
static void
srv_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;

	(void)arg;
	while ((line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF)) != NULL) {
		if (strncmp(line, "EHLO", 4) == 0)
			bufferevent_write(bev, "250-mx.test\r\n250 8BITMIME\r\n", 27);
		else if (strncmp(line, "QUIT", 4) == 0)
			bufferevent_write(bev, "221 bye\r\n", 9);
		free(line);
	}
}

/* srv_index - which connection slot bev is */
static int
srv_index(struct server *sv, struct bufferevent *bev)
{
	for (int i = 0; i < CONNS_MAX; i++)
		if (sv->conn[i] == bev)
			return i;
	return -1;
}

/* srv_event - the client went away */
static void
srv_event(struct bufferevent *bev, short what, void *arg)
{
	struct server *sv = arg;
	int i = srv_index(sv, bev);

	(void)what;
	assert_true(i >= 0);
	evtimer_del(sv->greet[i]);
	bufferevent_free(bev);
	sv->conn[i] = NULL;
	sv->closed++;
}

/* srv_greet - the delayed 220 */
static void
srv_greet(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent **slot = arg;

	(void)fd;
	(void)what;
	if (*slot)
		bufferevent_write(*slot, "220 mx.test ESMTP\r\n", 19);
}

/* srv_accept - count it, greet after banner_ms */
static void
srv_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
	struct server *sv = arg;
	struct timeval delay = { 0, sv->banner_ms * 1000 };
	int i = srv_index(sv, NULL);

	(void)l;
	(void)sa;
	(void)len;
	assert_true(i >= 0);
	sv->accepted++;
	sv->conn[i] = bufferevent_socket_new(sv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(sv->conn[i], srv_read, NULL, srv_event, sv);
	bufferevent_enable(sv->conn[i], EV_READ | EV_WRITE);
	evtimer_add(sv->greet[i], &delay);
}

/* srv_start_on - listen on 127.0.0.1:port (0: any free port) */
static void
srv_start_on(struct server *sv, struct event_base *base, int banner_ms, unsigned port)
{
	struct sockaddr_in sa;
	socklen_t slen = sizeof(sa);

	memset(sv, 0, sizeof(*sv));
	sv->base = base;
	sv->banner_ms = banner_ms;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	sv->l = evconnlistener_new_bind(base, srv_accept, sv, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
	    16, (struct sockaddr *)&sa, sizeof(sa));
	assert_non_null(sv->l);
	assert_int_equal(getsockname(evconnlistener_get_fd(sv->l), (struct sockaddr *)&sa, &slen), 0);
	sv->port = ntohs(sa.sin_port);
	for (int i = 0; i < CONNS_MAX; i++)
		sv->greet[i] = evtimer_new(base, srv_greet, &sv->conn[i]);
}

/* srv_start - listen on 127.0.0.1, any free port */
static void
srv_start(struct server *sv, struct event_base *base, int banner_ms)
{
	srv_start_on(sv, base, banner_ms, 0);
}

/* srv_stop - close what the server holds */
static void
srv_stop(struct server *sv)
{
	for (int i = 0; i < CONNS_MAX; i++) {
		if (sv->conn[i])
			bufferevent_free(sv->conn[i]);
		event_free(sv->greet[i]);
	}
	evconnlistener_free(sv->l);
}

/* ---- askers ---- */

struct ask {
	int calls;
	bool timed_out, offered;
	enum smtp_stage stage;
	char why[256];
};

/* on_result - an asker's callback: note what it got */
static void
on_result(const struct smtp_probe_result *r, void *arg)
{
	struct ask *k = arg;

	k->calls++;
	k->timed_out = r->timed_out;
	k->offered = r->starttls_offered;
	k->stage = r->stage;
	snprintf(k->why, sizeof(k->why), "%s", r->why);
}

/* config - a probe of 127.0.0.1:port by owner */
static struct smtp_probe_config
config(unsigned port, const void *owner, const char *host)
{
	struct smtp_probe_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.owner = owner;
	assert_int_equal(ipaddr_parse("127.0.0.1", &cfg.addr), MS_OK);
	cfg.port = port;
	cfg.host = host;
	cfg.ehlo_name = "client.test";
	cfg.timeout = 5;
	return cfg;
}

/* run_until - run the loop until *n reaches want (or 10 s pass) */
static void
run_until(struct event_base *base, const int *n, int want)
{
	struct timeval t0, t;

	gettimeofday(&t0, NULL);
	while (*n < want) {
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(1000);
		gettimeofday(&t, NULL);
		if (t.tv_sec - t0.tv_sec > 10)
			fail_msg("timed out waiting for %d (have %d)", want, *n);
	}
}

/* calls_of - how many of n askers' callbacks have run (also into *sum) */
static int
calls_of(struct ask *k, size_t n, int *sum)
{
	*sum = 0;
	for (size_t i = 0; i < n; i++)
		*sum += k[i].calls;
	return *sum;
}

/* run_asks - run until every one of n askers has its answer */
static void
run_asks(struct event_base *base, struct ask *k, size_t n)
{
	int sum = 0;
	struct timeval t0, t;

	gettimeofday(&t0, NULL);
	while (calls_of(k, n, &sum) < (int)n) {
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(1000);
		gettimeofday(&t, NULL);
		if (t.tv_sec - t0.tv_sec > 10)
			fail_msg("timed out: %d of %zu answers", sum, n);
	}
}

/* joined - three owners, two MX names, one address: one connection, three answers; a late asker gets it too */
static void
joined(void **state)
{
	struct event_base *base = event_base_new();
	struct smtp_prober *sp = smtp_prober_new(base);
	struct smtp_probe_cache *c = smtp_probe_cache_new(sp, true);
	struct server sv;
	struct ask k[5];
	int owners[3];
	struct smtp_probe_config cfg;
	const struct smtp_probe_cache_stats *st;

	(void)state;
	memset(k, 0, sizeof(k));
	srv_start(&sv, base, 50);
	cfg = config(sv.port, &owners[0], "mx1.test");
	assert_int_equal(smtp_probe_cache_start(c, &cfg, on_result, &k[0]), MS_OK);
	cfg = config(sv.port, &owners[1], "mx1.test");
	assert_int_equal(smtp_probe_cache_start(c, &cfg, on_result, &k[1]), MS_OK);
	cfg = config(sv.port, &owners[2], "MX2.test");	/* another name, same address: shared */
	assert_int_equal(smtp_probe_cache_start(c, &cfg, on_result, &k[2]), MS_OK);
	assert_int_equal(k[0].calls + k[1].calls + k[2].calls, 0);	/* never inside the call */
	run_asks(base, k, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(k[i].calls, 1);
		assert_int_equal(k[i].stage, SMTP_ST_EHLO);
		assert_false(k[i].offered);
		assert_string_equal(k[i].why, "STARTTLS not offered");
	}
	/* done: a later asker is answered from the cache, from the loop */
	cfg = config(sv.port, &owners[0], "mx1.test");
	assert_int_equal(smtp_probe_cache_start(c, &cfg, on_result, &k[3]), MS_OK);
	assert_int_equal(k[3].calls, 0);
	run_asks(base, &k[3], 1);
	assert_string_equal(k[3].why, "STARTTLS not offered");
	/* other settings (TLS 1.0/1.1 only) are another probe */
	cfg = config(sv.port, &owners[0], "mx1.test");
	cfg.legacy_only = true;
	assert_int_equal(smtp_probe_cache_start(c, &cfg, on_result, &k[4]), MS_OK);
	run_asks(base, &k[4], 1);
	run_until(base, &sv.closed, 2);
	assert_int_equal(sv.accepted, 2);
	st = smtp_probe_cache_stats(c);
	assert_int_equal(st->asked, 5);
	assert_int_equal(st->made, 2);
	assert_int_equal(st->shared, 3);
	assert_int_equal(st->abandoned, 0);
	smtp_probe_cache_free(c);
	smtp_prober_free(sp);
	srv_stop(&sv);
	event_base_free(base);
}

/* unshared - share false: every ask connects */
static void
unshared(void **state)
{
	struct event_base *base = event_base_new();
	struct smtp_prober *sp = smtp_prober_new(base);
	struct smtp_probe_cache *c = smtp_probe_cache_new(sp, false);
	struct server sv;
	struct ask k[3];
	int owner;
	struct smtp_probe_config cfg;

	(void)state;
	memset(k, 0, sizeof(k));
	srv_start(&sv, base, 0);
	cfg = config(sv.port, &owner, "mx1.test");
	for (int i = 0; i < 3; i++)
		assert_int_equal(smtp_probe_cache_start(c, &cfg, on_result, &k[i]), MS_OK);
	run_asks(base, k, 3);
	run_until(base, &sv.closed, 3);
	assert_int_equal(sv.accepted, 3);
	assert_int_equal(smtp_probe_cache_stats(c)->made, 3);
	assert_int_equal(smtp_probe_cache_stats(c)->shared, 0);
	smtp_probe_cache_free(c);
	smtp_prober_free(sp);
	srv_stop(&sv);
	event_base_free(base);
}

/* cancel_one_owner - A's deadline ends A's waiting only; B still gets the server's answer */
static void
cancel_one_owner(void **state)
{
	struct event_base *base = event_base_new();
	struct smtp_prober *sp = smtp_prober_new(base);
	struct smtp_probe_cache *c = smtp_probe_cache_new(sp, true);
	struct server sv;
	struct ask k[2];
	int owners[2];
	struct smtp_probe_config cfg;

	(void)state;
	memset(k, 0, sizeof(k));
	srv_start(&sv, base, 300);
	cfg = config(sv.port, &owners[0], "mx1.test");
	assert_int_equal(smtp_probe_cache_start(c, &cfg, on_result, &k[0]), MS_OK);
	cfg = config(sv.port, &owners[1], "mx1.test");
	assert_int_equal(smtp_probe_cache_start(c, &cfg, on_result, &k[1]), MS_OK);
	run_until(base, &sv.accepted, 1);
	smtp_probe_cache_cancel_owned(c, &owners[0], "total deadline reached");
	assert_int_equal(k[0].calls, 0);	/* from the loop */
	run_asks(base, &k[0], 1);
	assert_true(k[0].timed_out);
	assert_string_equal(k[0].why, "total deadline reached");
	assert_int_equal(k[1].calls, 0);	/* still waiting for the banner */
	run_asks(base, &k[1], 1);
	assert_false(k[1].timed_out);
	assert_string_equal(k[1].why, "STARTTLS not offered");
	assert_int_equal(sv.accepted, 1);
	assert_int_equal(smtp_probe_cache_stats(c)->abandoned, 0);
	smtp_probe_cache_free(c);
	smtp_prober_free(sp);
	srv_stop(&sv);
	event_base_free(base);
}

/* cancel_last_waiter - when the last waiter leaves, the probe is abandoned: the connection closes */
static void
cancel_last_waiter(void **state)
{
	struct event_base *base = event_base_new();
	struct smtp_prober *sp = smtp_prober_new(base);
	struct smtp_probe_cache *c = smtp_probe_cache_new(sp, true);
	struct server sv;
	struct ask k[3];
	int owners[2];
	struct smtp_probe_config cfg;

	(void)state;
	memset(k, 0, sizeof(k));
	srv_start(&sv, base, 2000);
	cfg = config(sv.port, &owners[0], "mx1.test");
	assert_int_equal(smtp_probe_cache_start(c, &cfg, on_result, &k[0]), MS_OK);
	assert_int_equal(smtp_probe_cache_start(c, &cfg, on_result, &k[1]), MS_OK);
	run_until(base, &sv.accepted, 1);
	smtp_probe_cache_cancel_owned(c, &owners[0], "run cancelled");
	run_asks(base, k, 2);
	assert_true(k[0].timed_out && k[1].timed_out);
	assert_int_equal(smtp_probe_cache_stats(c)->abandoned, 1);
	run_until(base, &sv.closed, 1);	/* the abandoned probe's connection is gone */
	/* a new asker starts afresh (nothing half-done is kept) */
	cfg = config(sv.port, &owners[1], "mx1.test");
	assert_int_equal(smtp_probe_cache_start(c, &cfg, on_result, &k[2]), MS_OK);
	run_until(base, &sv.accepted, 2);
	assert_int_equal(smtp_probe_cache_stats(c)->made, 2);
	/* freeing the cache with a probe in flight: no callback, nothing leaks (ASan) */
	smtp_probe_cache_free(c);
	run_until(base, &sv.closed, 2);
	assert_int_equal(k[2].calls, 0);
	smtp_prober_free(sp);
	srv_stop(&sv);
	event_base_free(base);
}

/* bounded - more finished results than SMTP_PROBE_CACHE_KEEP: the oldest go */
static void
bounded(void **state)
{
	struct event_base *base = event_base_new();
	struct smtp_prober *sp = smtp_prober_new(base);
	struct smtp_probe_cache *c = smtp_probe_cache_new(sp, true);
	struct ask *k = calloc(SMTP_PROBE_CACHE_KEEP + 1, sizeof(*k));
	int owner, fd;
	struct sockaddr_in sa;
	socklen_t slen = sizeof(sa);
	unsigned port;

	(void)state;
	/* a port nobody listens on: every probe ends at once, refused */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &slen), 0);
	port = ntohs(sa.sin_port);
	for (size_t i = 0; i <= SMTP_PROBE_CACHE_KEEP; i++) {
		char ehlo[32];
		struct smtp_probe_config cfg = config(port, &owner, "mx.test");

		snprintf(ehlo, sizeof(ehlo), "c%zu.test", i);	/* each its own key */
		cfg.ehlo_name = ehlo;
		assert_int_equal(smtp_probe_cache_start(c, &cfg, on_result, &k[i]), MS_OK);
	}
	run_asks(base, k, SMTP_PROBE_CACHE_KEEP + 1);
	assert_int_equal(smtp_probe_cache_stats(c)->made, SMTP_PROBE_CACHE_KEEP + 1);
	assert_int_equal(smtp_probe_cache_stats(c)->evicted, 1);
	close(fd);
	free(k);
	smtp_probe_cache_free(c);
	smtp_prober_free(sp);
	event_base_free(base);
}

/* ---- two engine runs sharing one cache: a deadline ends one run's interest only ---- */

static const char zone[] =
    "a.test.              MX 10 mx.a.test.\n"
    "mx.a.test.           A 127.0.0.1\n"
    "b.test.              MX 10 mx.b.test.\n"
    "mx.b.test.           A 127.0.0.1\n";

/* Whether port 25 of a private loopback is ours (main: a network namespace of our own). */
struct netns_state {
	bool own_loopback;
	char why[128];
};

/* What one run saw. */
struct run_seen {
	size_t results, done;
	bool deadline_why;	/* a tls finding says "total deadline reached" */
	bool missing;		/* tls.starttls.missing: the server's real answer */
};

/* run_result - note the run's tls findings */
static void
run_result(struct audit *a, void *arg)
{
	struct run_seen *s = arg;

	s->results++;
	for (size_t i = 0; i < a->findings.n; i++) {
		const struct finding *f = &a->findings.v[i];

		if (f->message && strstr(f->message, "total deadline reached"))
			s->deadline_why = true;
		if (strcmp(finding_defs[f->id].id, "tls.starttls.missing") == 0)
			s->missing = true;
	}
}

/* run_done - the run is over */
static void
run_done(void *arg)
{
	((struct run_seen *)arg)->done++;
}

/*
 * runs_share_one_probe - a.test and b.test (two MX names, one address) in
 * two runs on one session and one cache: one connection; run A's 0.2 s
 * deadline passes before the banner (0.4 s): A's tls finding says the
 * deadline, B still gets the server's answer (no STARTTLS).
 */
static void
runs_share_one_probe(void **state)
{
	struct netns_state *ns = *state;
	struct event_base *base;
	struct replay_data *rd;
	struct session_config scfg;
	struct session *ses = NULL;
	struct smtp_probe_cache *c;
	struct profile *profile = NULL;
	struct check_options copts;
	struct engine_config ca, cb;
	struct run_seen a = { 0 }, b = { 0 };
	struct server sv;
	char *err = NULL;
	char tls[] = "tls", *only[] = { tls, NULL };
	char da[] = "a.test", db[] = "b.test";
	char *doms_a[] = { da }, *doms_b[] = { db };

	if (!ns->own_loopback) {
		print_message("skipped: no network namespace of our own for port 25 (%s)\n", ns->why);
		skip();
	}
	base = event_base_new();
	srv_start_on(&sv, base, 400, 25);
	rd = replay_data_new();
	assert_int_equal(replay_data_load_text(rd, zone, &err), MS_OK);
	memset(&scfg, 0, sizeof(scfg));
	scfg.base = base;
	scfg.replay = rd;
	scfg.timeout = 2;
	assert_int_equal(session_new(&scfg, &ses, &err), MS_OK);
	c = smtp_probe_cache_new(ses->smtp, true);
	assert_int_equal(profile_load("generic", &profile, &err), MS_OK);
	memset(&copts, 0, sizeof(copts));
	copts.profile = profile;
	copts.net_timeout = 5;
	memset(&ca, 0, sizeof(ca));
	ca.opts = &copts;
	ca.only = only;
	ca.deadline = 0.2;
	ca.on_result = run_result;
	ca.on_done = run_done;
	ca.arg = &a;
	ca.probes = c;
	cb = ca;
	cb.deadline = 5;
	cb.arg = &b;
	(void)engine_submit(ses, &ca, doms_a, 1);
	(void)engine_submit(ses, &cb, doms_b, 1);
	while (!(a.done && b.done))
		assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	assert_int_equal(a.results, 1);
	assert_true(a.deadline_why);
	assert_false(a.missing);
	assert_int_equal(b.results, 1);
	assert_false(b.deadline_why);
	assert_true(b.missing);
	assert_int_equal(sv.accepted, 1);
	assert_int_equal(smtp_probe_cache_stats(c)->made, 1);
	assert_int_equal(smtp_probe_cache_stats(c)->shared, 1);
	smtp_probe_cache_free(c);
	session_free(ses);
	replay_data_free(rd);
	profile_free(profile);
	srv_stop(&sv);
	event_base_free(base);
}

/* own_loopback - enter a network namespace of our own with lo up (port 25 is then ours) */
static bool
own_loopback(char *why, size_t whylen)
{
	struct ifreq ifr;
	int fd;

	if (unshare(CLONE_NEWNET) != 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
		snprintf(why, whylen, "unshare: %s", strerror(errno));
		return false;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) != 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr)) != 0) {
		snprintf(why, whylen, "lo up: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	return true;
}

int
main(void)
{
	struct netns_state ns = { 0 };
	struct CMUnitTest engine_test = cmocka_unit_test_prestate(runs_share_one_probe, &ns);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(joined),
		cmocka_unit_test(unshared),
		cmocka_unit_test(cancel_one_owner),
		cmocka_unit_test(cancel_last_waiter),
		cmocka_unit_test(bounded),
		engine_test,
	};

	/* every test here talks to loopback only; the engine's probes need port 25 */
	ns.own_loopback = own_loopback(ns.why, sizeof(ns.why));

	return cmocka_run_group_tests(tests, NULL, NULL);
}
