/* src/cli/cmd_lmtpd.c - mailsec lmtpd: options, the session, signals and the log; the work is lmtp/ and mailin/ */
#include "cli/cli.h"
#include "core/version.h"
#include "engine/session.h"
#include "lmtp/lmtp_server.h"
#include "mailin/mailin.h"
#include "store/store.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Options and wiring only (docs/lmtpd.md): the LMTP protocol is
 * src/lmtp/lmtp_server.c, what a delivery means is src/mailin/.  Runs until
 * SIGTERM or SIGINT: then it stops accepting, lets the deliveries in
 * progress finish (each is answered), and exits 0.
 */

struct lmtpd_opts {
	/*
	 * --db, --resolver, --trust-anchor, --timeout, --psl, --replay: zeroed,
	 * not common_opts_init's defaults (lmtpd reads no config file; a zero
	 * timeout is the session's default)
	 */
	struct common_opts c;
	char *listen, *receiver;
	char **report, **assess;
	size_t nreport, nassess;
	double idle;
	uint64_t max_size, max_conns;
};

struct lmtpd {
	struct lmtp_server *srv;
	struct mailin *m;
	struct event *drain;		/* after a signal: waits for mailin's last delivery */
	bool done, stopped;
};

/* add - append a copy of s to the list *v of *n */
static void
add(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

/* valid_addr - an address given for --report-address or --assessment-address: local@domain, no space */
static bool
valid_addr(const char *s)
{
	const char *at = strrchr(s, '@');

	if (at == NULL || at == s || at[1] == '\0' || strlen(s) > 254)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 127 || *p == '<' || *p == '>')
			return false;
	return true;
}

/* parse_args - argv into o; CLI_OK, or how to stop */
static enum cli_status
parse_args(int argc, char **argv, struct lmtpd_opts *o)
{
	struct cli_parser *p = cli_parser_new("lmtpd", argc, argv);
	enum opt_id id;
	bool bad = false;

	while ((id = cli_next(p, bad)) != OPT_END) {
		if (common_opts_parse(&o->c, id, optarg, &bad))
			continue;
		switch (id) {
		case OPT_LISTEN:
			free(o->listen);
			o->listen = xstrdup(optarg);
			break;
		case OPT_REPORT_ADDRESS:
		case OPT_ASSESSMENT_ADDRESS:
			if (!valid_addr(optarg)) {
				cli_error("--%s wants local@domain, not \"%s\"", id == OPT_REPORT_ADDRESS ?
				    "report-address" : "assessment-address", optarg);
				bad = true;
			} else if (id == OPT_REPORT_ADDRESS)
				add(&o->report, &o->nreport, optarg);
			else
				add(&o->assess, &o->nassess, optarg);
			break;
		case OPT_RECEIVER_NAME:
			free(o->receiver);
			o->receiver = xstrdup(optarg);
			break;
		case OPT_IDLE_TIMEOUT:
			bad = !cli_seconds("idle-timeout", optarg, 86400, &o->idle);
			break;
		case OPT_MAX_SIZE:
			if (str_to_u64(optarg, strlen(optarg), 64u * 1024 * 1024, &o->max_size) != MS_OK ||
			    o->max_size < 1024) {
				cli_error("--max-size wants bytes from 1024 to 67108864");
				bad = true;
			}
			break;
		case OPT_MAX_CONNECTIONS:
			if (str_to_u64(optarg, strlen(optarg), 10000, &o->max_conns) != MS_OK ||
			    o->max_conns == 0) {
				cli_error("--max-connections wants a number from 1 to 10000");
				bad = true;
			}
			break;
		default:
			break;
		}
	}
	return cli_parser_end(p);
}

/* log_line - a line of the server's or mailin's log on stderr, with the UTC time */
static void
log_line(void *arg, const char *line)
{
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;

	(void)arg;
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s mailsec lmtpd: %s\n", ts, line);
}

/* drained - every 50 ms after the last connection went: done once no delivery is in progress */
static void
drained(evutil_socket_t fd, short what, void *arg)
{
	struct lmtpd *d = arg;

	(void)fd;
	(void)what;
	if (mailin_pending(d->m) == 0)
		d->done = true;
}

/* on_stopped - the last connection is gone after a signal (a delivery may still finish) */
static void
on_stopped(void *arg)
{
	struct lmtpd *d = arg;
	struct timeval tv = { 0, 50000 };

	if (mailin_pending(d->m) == 0) {
		d->done = true;
		return;
	}
	d->drain = event_new(lmtp_server_base(d->srv), -1, EV_PERSIST, drained, d);
	event_add(d->drain, &tv);
}

/* on_signal - SIGTERM or SIGINT: stop accepting, finish the deliveries in progress */
static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct lmtpd *d = arg;

	(void)what;
	if (d->stopped)
		return;
	d->stopped = true;
	log_line(NULL, sig == SIGTERM ? "SIGTERM: stopping" : "SIGINT: stopping");
	lmtp_server_stop(d->srv, on_stopped, d);
}

/* opts_free - free what parse_args kept */
static void
opts_free(struct lmtpd_opts *o)
{
	for (size_t i = 0; i < o->nreport; i++)
		free(o->report[i]);
	for (size_t i = 0; i < o->nassess; i++)
		free(o->assess[i]);
	free(o->report);
	free(o->assess);
	free(o->listen);
	free(o->receiver);
	common_opts_free(&o->c);
}

int
cmd_lmtpd(int argc, char **argv)
{
	struct lmtpd_opts o;
	struct lmtpd d;
	struct session_config scfg;
	struct session *ses = NULL;
	struct mailin_config mc;
	struct mailin *m = NULL;
	struct lmtp_server_config lc;
	struct store *s = NULL;
	struct event *sigterm = NULL, *sigint = NULL;
	char why[1024], host[256] = "localhost", *err = NULL;
	enum cli_status st;
	int rc = EXIT_USAGE;
	uint64_t unowned = 0;

	memset(&o, 0, sizeof(o));
	memset(&d, 0, sizeof(d));
	o.max_size = 10u * 1024 * 1024;
	o.max_conns = 20;
	o.idle = 300;
	if ((st = parse_args(argc, argv, &o)) != CLI_OK) {
		rc = cli_status_exit(st);
		goto out;
	}
	if (optind != argc) {
		cli_error("lmtpd takes no arguments");
		goto out;
	}
	if (o.listen == NULL || (o.nreport == 0 && o.nassess == 0)) {
		cli_error("lmtpd needs --listen and at least one --report-address or --assessment-address");
		goto out;
	}
	if (o.c.db == NULL && store_default_path(&o.c.db, why, sizeof(why)) != MS_OK) {
		cli_error("%s", why);
		goto out;
	}
	/* the store must open (and be migrated) before the first delivery is taken */
	if (store_open(o.c.db, STORE_WRITE, &s, why, sizeof(why)) != MS_OK) {
		cli_error("%s", why);
		goto out;
	}
	if (store_count_unowned(s, &unowned) != MS_OK) {
		cli_error("%s", store_error(s));
		goto out;
	}
	store_close(s);
	s = NULL;

	common_opts_session(&o.c, &scfg);
	if (session_new(&scfg, &ses, &err) != MS_OK) {
		cli_error("%s", err);
		goto out;
	}
	memset(&mc, 0, sizeof(mc));
	mc.db = o.c.db;
	mc.report = (const char *const *)o.report;
	mc.nreport = o.nreport;
	mc.assess = (const char *const *)o.assess;
	mc.nassess = o.nassess;
	mc.receiver_name = o.receiver;
	mc.version = MAILSEC_VERSION;
	mc.log = log_line;
	m = mailin_new(&mc, &ses->env);
	d.m = m;

	(void)gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	memset(&lc, 0, sizeof(lc));
	lc.listen = o.listen;
	lc.hostname = host;
	lc.max_size = (size_t)o.max_size;
	lc.max_conns = (unsigned)o.max_conns;
	lc.idle_timeout = o.idle;
	lc.rcpt = mailin_rcpt;
	lc.deliver = mailin_deliver;
	lc.arg = m;
	lc.log = log_line;
	if (lmtp_server_new(ses->base, &lc, &d.srv, why, sizeof(why)) != MS_OK) {
		cli_error("%s", why);
		goto out;
	}
	sigterm = evsignal_new(ses->base, SIGTERM, on_signal, &d);
	sigint = evsignal_new(ses->base, SIGINT, on_signal, &d);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);
	snprintf(why, sizeof(why), "listening on %s (%zu report, %zu assessment addresses; %llu stored "
	    "reports are about domains no workspace owns)", o.listen, o.nreport, o.nassess,
	    (unsigned long long)unowned);
	log_line(NULL, why);
	(void)session_wait(ses, &d.done);
	log_line(NULL, "stopped");
	rc = EXIT_CLEAN;
out:
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	if (d.drain)
		event_free(d.drain);
	lmtp_server_free(d.srv);
	mailin_free(m);
	session_free(ses);
	store_close(s);
	free(err);
	opts_free(&o);
	return rc;
}
