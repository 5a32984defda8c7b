/* src/cli/cmd_serve.c - mailsec serve: the web service (web/) and, unless --no-monitor, the monitor's worker */
#include "accounts/accounts.h"
#include "cli/cli.h"
#include "cli/monitor_put.h"
#include "engine/session.h"
#include "fleet/fleet.h"
#include "fleet/worker.h"
#include "reports/source_names.h"
#include "util/str.h"
#include "util/xalloc.h"
#include "web/web.h"

#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * The program part only: options, the loop, the signals, the first admin.
 * One loop runs both the HTTP server (web/ over httpd/) and the monitor's
 * worker (fleet/worker.c, as `mailsec monitor` runs it), on one database
 * handle: every call on it is synchronous and made from this one thread.
 */

#define EXPIRE_EVERY	600	/* seconds between sweeps of ended sessions */

struct serve_opts {
	struct common_opts c;
	char *listen, *trusted_proxy;
	char *smtp_relay, *mail_from;	/* the in-process monitor's notifications (docs/notify.md) */
	bool https, no_monitor;
	struct httpd_limits lim;
};

struct srv {
	struct fleet *fleet;
	struct accounts *acc;
	struct fleet_worker *w;
	struct event_base *base;
	struct session *ses;
	size_t proofs_inflight;		/* ownership proof lookups not answered yet */
	size_t names_inflight;		/* reverse-name refreshes not over yet */
	bool stopping, worker_done;
	bool drain_pending;		/* a round ended: send the outbox from the loop */
	struct cli_notify_opts notify;
	struct cli_monitor_log log;
	char *owner;
};

/* parse_args - defaults, then the config file, then argv; CLI_OK, or how to stop */
static enum cli_status
parse_args(int argc, char **argv, struct serve_opts *o)
{
	struct cli_parser *p;
	enum opt_id id;
	bool bad = false;
	uint64_t v;
	double secs = 0;

	if (common_opts_preload_config(&o->c, argc, argv) != 0)
		return CLI_USAGE;
	p = cli_parser_new("serve", argc, argv);
	while ((id = cli_next(p, bad)) != OPT_END) {
		if (common_opts_parse(&o->c, id, optarg, &bad))
			continue;
		switch (id) {
		case OPT_LISTEN:
			free(o->listen);
			o->listen = xstrdup(optarg);
			break;
		case OPT_SMTP_RELAY:
			free(o->smtp_relay);
			o->smtp_relay = xstrdup(optarg);
			break;
		case OPT_MAIL_FROM:
			free(o->mail_from);
			o->mail_from = xstrdup(optarg);
			break;
		case OPT_TRUSTED_PROXY:
			free(o->trusted_proxy);
			o->trusted_proxy = xstrdup(optarg);
			break;
		case OPT_HTTPS:
			o->https = true;
			break;
		case OPT_NO_MONITOR:
			o->no_monitor = true;
			break;
		case OPT_MAX_BODY:
			if (str_to_u64(optarg, strlen(optarg), 1024u * 1024 * 1024, &v) != MS_OK || v < 1024) {
				cli_error("--max-body wants bytes from 1024 to 1073741824");
				bad = true;
			} else
				o->lim.body_max = (size_t)v;
			break;
		case OPT_REQUEST_TIMEOUT:
			if (!cli_seconds("request-timeout", optarg, 3600, &secs))
				bad = true;
			else if (secs < 1) {
				cli_error("--request-timeout wants 1 to 3600 seconds");
				bad = true;
			} else
				o->lim.request_timeout = o->lim.idle_timeout = (unsigned)secs;
			break;
		default:
			break;
		}
	}
	return cli_parser_end(p);
}

/* drain - send the outbox the round's results queued (cli_notify_drain), unless a batch is open */
static void
drain(struct srv *s)
{
	if (cli_notify_drain(s->fleet, &s->notify, "serve", NULL))
		s->drain_pending = false;
}

/* on_drain - the loop's turn after a round: send the outbox */
static void
on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct srv *s = arg;

	(void)fd;
	(void)what;
	if (s->drain_pending)
		drain(s);
}

/* on_event - the worker's log lines that matter to an operator of the service */
static void
on_event(void *arg, const struct fleet_event *ev)
{
	struct srv *s = arg;

	switch (ev->kind) {
	case FLEET_EV_ROUND_DONE:
		if (!s->drain_pending) {
			/* not from inside the worker's callback: on the loop's next turn */
			struct timeval now = { 0, 0 };

			s->drain_pending = true;
			if (event_base_once(s->base, -1, EV_TIMEOUT, on_drain, s, &now) != 0)
				drain(s);
		}
		break;
	case FLEET_EV_ROUND:
		fprintf(stderr, "mailsec serve: event=round round=%lld marked=%llu total=%llu\n",
		    (long long)ev->round, (unsigned long long)ev->n, (unsigned long long)ev->total);
		break;
	case FLEET_EV_ERROR:
		fprintf(stderr, "mailsec serve: event=error round=%lld%s%s msg=\"%s\"\n",
		    (long long)ev->round, ev->domain ? " domain=" : "", ev->domain ? ev->domain : "",
		    ev->msg ? ev->msg : "");
		break;
	default:
		break;
	}
}

/* on_worker_done - the worker has stopped (after a signal) */
static void
on_worker_done(void *arg)
{
	struct srv *s = arg;

	s->worker_done = true;
}

/* on_proof - a domain's _mailsec-verify TXT answer was looked at: log it */
static void
on_proof(void *arg, const char *domain, uint64_t verified, const char *why)
{
	struct srv *s = arg;

	if (why)
		fprintf(stderr, "mailsec serve: event=error domain=%s msg=\"ownership proof: %s\"\n",
		    domain, why);
	else if (verified)
		fprintf(stderr, "mailsec serve: event=proof-verified domain=%s proofs=%llu\n", domain,
		    (unsigned long long)verified);
	s->proofs_inflight--;
}

/* on_names - a domain's reverse-name refresh is over: log a failure */
static void
on_names(void *arg, const char *domain, size_t kept, const char *why)
{
	struct srv *s = arg;

	(void)kept;
	if (why)
		fprintf(stderr, "mailsec serve: event=error domain=%s msg=\"reverse names: %s\"\n", domain, why);
	s->names_inflight--;
}

/*
 * on_stored - a domain's result is kept: look at its pending ownership proof,
 * as the monitor does, and refresh the reverse names of its busiest report
 * sources (reports/source_names.h), so the reports page never asks the DNS;
 * each only when its claim saw one (fleet.h: what was not there then is
 * looked at next time)
 */
static void
on_stored(void *arg, const struct fleet_claim *c)
{
	struct srv *s = arg;
	const char *domain = c->domain;
	struct names_config nc;
	bool started = false;

	names_config_default(&nc);
	if (c->report_sources && names_refresh(fleet_store(s->fleet), s->ses->res, domain, (int64_t)time(NULL),
	    &nc, on_names, s, &started) != MS_OK)
		fprintf(stderr, "mailsec serve: event=error domain=%s msg=\"reverse names: %s\"\n", domain,
		    store_error(fleet_store(s->fleet)));
	else if (started)
		s->names_inflight++;
	started = false;

	if (c->proof_pending && accounts_proof_check(s->acc, s->ses->res, domain, (int64_t)time(NULL),
	    on_proof, s, &started) != MS_OK)
		fprintf(stderr, "mailsec serve: event=error domain=%s msg=\"ownership proof: %s\"\n",
		    domain, accounts_error(s->acc));
	else if (started)
		s->proofs_inflight++;
}

/* poke - the web side made a domain due: the worker looks at once */
static void
poke(void *arg)
{
	struct srv *s = arg;

	fleet_worker_poke(s->w);
}

/* on_signal - SIGTERM or SIGINT: stop serving; the worker finishes what is in flight */
static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct srv *s = arg;

	s->stopping = true;
	if (s->w)
		fleet_worker_stop(s->w);
}

/* on_expire - now and then: forget ended sessions and old sign-in failures */
static void
on_expire(evutil_socket_t fd, short what, void *arg)
{
	struct srv *s = arg;

	if (accounts_sessions_expire(s->acc, (int64_t)time(NULL), NULL) != MS_OK)
		fprintf(stderr, "mailsec serve: event=error msg=\"expiring sessions: %s\"\n",
		    accounts_error(s->acc));
}

/* first_admin - with no user at all, make "admin" and print its password once; false on failure */
static bool
first_admin(struct accounts *acc)
{
	char pw[ACCT_PASSWORD_GEN_SIZE];
	uint64_t n = 0;
	bool existed = false;

	if (accounts_user_count(acc, &n) != MS_OK) {
		cli_error("%s", accounts_error(acc));
		return false;
	}
	if (n > 0)
		return true;
	if (accounts_password_generate(pw) != MS_OK ||
	    accounts_user_add(acc, "admin", ACCT_ADMIN, pw, (int64_t)time(NULL), &existed) != MS_OK) {
		cli_error("could not make the first admin: %s", accounts_error(acc));
		return false;
	}
	fprintf(stderr, "mailsec serve: no user yet: made the first admin, user \"admin\", password "
	    "%s (shown once: change it with 'mailsec users passwd admin')\n", pw);
	explicit_bzero(pw, sizeof(pw));
	return true;
}

int
cmd_serve(int argc, char **argv)
{
	struct serve_opts o;
	struct srv s;
	struct session_config scfg;
	struct session *ses = NULL;
	struct check_options copts;
	struct fleet_worker_config wc;
	struct web_config wcfg;
	struct web *web = NULL;
	struct event *sigterm = NULL, *sigint = NULL, *expire = NULL;
	char *err = NULL, why[512];
	enum cli_status st;
	int rc = EXIT_USAGE;

	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	common_opts_init(&o.c);
	signal(SIGPIPE, SIG_IGN);
	if ((st = parse_args(argc, argv, &o)) != CLI_OK) {
		rc = cli_status_exit(st);
		goto out;
	}
	if (optind != argc) {
		cli_error("serve takes no arguments");
		goto out;
	}
	if ((s.fleet = cli_fleet_open(o.c.db)) == NULL)
		goto out;
	if (accounts_open(s.fleet, &s.acc, why, sizeof(why)) != MS_OK) {
		cli_error("%s", why);
		goto out;
	}
	if (!first_admin(s.acc))
		goto out;
	if (!o.no_monitor) {
		common_opts_session(&o.c, &scfg);
		scfg.http = true;
		if (session_new(&scfg, &ses, &err) != MS_OK) {
			cli_error("%s", err);
			goto out;
		}
		s.base = ses->base;
		s.ses = ses;
	} else if ((s.base = event_base_new()) == NULL) {
		cli_error("cannot make an event loop");
		goto out;
	}

	memset(&wcfg, 0, sizeof(wcfg));
	wcfg.fleet = s.fleet;
	wcfg.accounts = s.acc;
	wcfg.listen = o.listen ? o.listen : "127.0.0.1:8080";
	wcfg.trusted_proxy = o.trusted_proxy;
	wcfg.https = o.https;
	wcfg.limits = o.lim;
	wcfg.poke = o.no_monitor ? NULL : poke;
	wcfg.arg = &s;
	if (web_start(s.base, &wcfg, &web, why, sizeof(why)) != MS_OK) {
		cli_error("%s", why);
		goto out;
	}

	if (!o.no_monitor) {
		common_opts_checks(&o.c, &copts);
		s.owner = cli_lease_owner();
		s.log.fleet = s.fleet;
		s.log.tty = false;
		s.log.prog = "serve";
		s.log.stored = on_stored;
		s.log.stored_arg = &s;
		memset(&wc, 0, sizeof(wc));
		wc.fleet = s.fleet;
		wc.session = ses;
		wc.base = &copts;
		wc.owner = s.owner;
		wc.concurrency = o.c.concurrency;
		s.notify.smtp_relay = o.smtp_relay;
		s.notify.mail_from = o.mail_from;
		s.notify.ca_file = o.c.ca_file;
		s.notify.timeout = o.c.net_timeout;
		wc.put = cli_monitor_put;
		wc.put_arg = &s.log;
		wc.event = on_event;
		wc.done = on_worker_done;
		wc.arg = &s;
		s.w = fleet_worker_start(&wc);
	}
	sigterm = evsignal_new(s.base, SIGTERM, on_signal, &s);
	sigint = evsignal_new(s.base, SIGINT, on_signal, &s);
	expire = event_new(s.base, -1, EV_PERSIST, on_expire, &s);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);
	event_add(expire, &(struct timeval){ EXPIRE_EVERY, 0 });
	{
		const char *colon = strrchr(wcfg.listen, ':');

		fprintf(stderr, "mailsec serve: listening on %.*s:%u%s\n",
		    (int)(colon ? colon - wcfg.listen : 0), wcfg.listen, web_port(web),
		    o.no_monitor ? " monitor=no" : " monitor=yes");
	}
	while (!(s.stopping && (s.w == NULL || s.worker_done) && s.proofs_inflight == 0 && s.names_inflight == 0))
		if (event_base_loop(s.base, EVLOOP_ONCE) < 0)
			break;
	if (s.drain_pending)
		drain(&s);	/* the last round's notifications, before exiting */
	rc = s.w && fleet_worker_failures(s.w) ? EXIT_STORE : EXIT_CLEAN;
	fprintf(stderr, "mailsec serve: event=exit\n");
out:
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	if (expire)
		event_free(expire);
	web_stop(web);
	fleet_worker_free(s.w);
	if (ses)
		session_free(ses);
	else if (s.base)
		event_base_free(s.base);
	accounts_close(s.acc);
	fleet_close(s.fleet);
	free(s.owner);
	free(err);
	free(o.listen);
	free(o.trusted_proxy);
	free(o.smtp_relay);
	free(o.mail_from);
	common_opts_free(&o.c);
	return rc;
}
