/* src/cli/cmd_monitor.c - mailsec monitor: the scheduler and worker over the workspaces' domains */
#include "accounts/accounts.h"
#include "cli/cli.h"
#include "cli/monitor_put.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "dns/resolver.h"
#include "engine/engine.h"
#include "engine/session.h"
#include "fleet/fleet.h"
#include "fleet/worker.h"
#include "history/history.h"
#include "notify/notify.h"
#include "reports/source_names.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/progress.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/*
 * The program part only: options, the session, the signal events, where
 * results go and how progress is shown.  Claiming, leases and rounds are
 * src/fleet/ (worker.c); docs/monitor.md explains them.
 */

struct mon_opts {
	struct common_opts c;	/* the network options check takes, and the config file */
	bool once, all;
	int64_t lease;
	size_t batch;
	size_t commit_every;
	double commit_delay;
	char *smtp_relay, *mail_from;	/* notifications (docs/notify.md) */
};

struct mon {
	struct mon_opts *o;
	struct fleet *fleet;
	struct fleet_worker *w;
	struct accounts *accounts;	/* ownership proofs looked up after a domain's result */
	struct session *ses;
	size_t proofs_inflight;
	size_t names_inflight;	/* reverse-name refreshes not over yet (reports/source_names.h) */
	bool worker_done;
	bool done;
	bool stopped;		/* by a signal */
	bool tty;
	struct progress progress;
	int64_t progress_round;
	char *owner;
	struct cli_monitor_log log;
	bool drain_pending;	/* a round ended: send the outbox from the loop */
};

/* parse_args - defaults, then the config file, then argv; CLI_OK, or how to stop */
static enum cli_status
parse_args(int argc, char **argv, struct mon_opts *o)
{
	struct cli_parser *p;
	enum opt_id id;
	bool bad = false;

	if (common_opts_preload_config(&o->c, argc, argv) != 0)
		return CLI_USAGE;
	p = cli_parser_new("monitor", argc, argv);
	while ((id = cli_next(p, bad)) != OPT_END) {
		uint64_t v;

		if (common_opts_parse(&o->c, id, optarg, &bad))
			continue;
		switch (id) {
		case OPT_ONCE:
			o->once = true;
			break;
		case OPT_ALL:
			o->all = true;
			break;
		case OPT_LEASE:
			if (str_to_u64(optarg, strlen(optarg), 86400, &v) != MS_OK || v == 0) {
				cli_error("--lease wants seconds from 1 to 86400");
				bad = true;
			} else
				o->lease = (int64_t)v;
			break;
		case OPT_BATCH:
			if (str_to_u64(optarg, strlen(optarg), 100000, &v) != MS_OK || v == 0) {
				cli_error("--batch wants a number from 1 to 100000");
				bad = true;
			} else
				o->batch = (size_t)v;
			break;
		case OPT_COMMIT_EVERY:
			if (str_to_u64(optarg, strlen(optarg), 100000, &v) != MS_OK || v == 0) {
				cli_error("--commit-every wants a number from 1 to 100000");
				bad = true;
			} else
				o->commit_every = (size_t)v;
			break;
		case OPT_COMMIT_DELAY:
			bad = !cli_seconds("commit-delay", optarg, 3600, &o->commit_delay);
			break;
		case OPT_FULL_SCAN_EVERY:
			if (!cli_full_scan_every(optarg, 0, &o->c.full_scan_every)) {
				cli_error("--full-scan-every wants a duration (seconds, 30m, 12h, 7d; at "
				    "most 366d) or 0 (every round)");
				bad = true;
			}
			break;
		case OPT_SMTP_RELAY:
			free(o->smtp_relay);
			o->smtp_relay = xstrdup(optarg);
			break;
		case OPT_MAIL_FROM:
			free(o->mail_from);
			o->mail_from = xstrdup(optarg);
			break;
		default:
			break;
		}
	}
	return cli_parser_end(p);
}

/* on_proof - a domain's _mailsec-verify TXT answer was looked at: log it; the last one may end the run */
static void
on_proof(void *arg, const char *domain, uint64_t verified, const char *why)
{
	struct mon *m = arg;

	if (why) {
		progress_clear(&m->progress);
		fprintf(stderr, "mailsec monitor: event=error domain=%s msg=\"ownership proof: %s\"\n", domain, why);
	} else if (verified && !m->tty)
		fprintf(stderr, "mailsec monitor: event=proof-verified domain=%s proofs=%llu\n", domain,
		    (unsigned long long)verified);
	m->proofs_inflight--;
	if (m->worker_done && m->proofs_inflight == 0 && m->names_inflight == 0)
		m->done = true;
}

/* on_names - a domain's reverse-name refresh is over: log a failure; the last one may end the run */
static void
on_names(void *arg, const char *domain, size_t kept, const char *why)
{
	struct mon *m = arg;

	(void)kept;
	if (why) {
		progress_clear(&m->progress);
		fprintf(stderr, "mailsec monitor: event=error domain=%s msg=\"reverse names: %s\"\n", domain, why);
	}
	m->names_inflight--;
	if (m->worker_done && m->proofs_inflight == 0 && m->names_inflight == 0)
		m->done = true;
}

/*
 * names_check - look up the reverse names of domain's busiest report sources
 * that are not kept or are old (names_refresh), so the reports page reads them
 * from the store; the run ends once every lookup has answered
 */
static void
names_check(struct mon *m, const char *domain)
{
	struct names_config nc;
	bool started = false;

	names_config_default(&nc);
	if (names_refresh(fleet_store(m->fleet), m->ses->res, domain, (int64_t)time(NULL), &nc, on_names, m,
	    &started) != MS_OK) {
		progress_clear(&m->progress);
		fprintf(stderr, "mailsec monitor: event=error domain=%s msg=\"reverse names: %s\"\n", domain,
		    store_error(fleet_store(m->fleet)));
	} else if (started)
		m->names_inflight++;
}

/*
 * proof_check - when domain has a pending ownership proof, look up its
 * _mailsec-verify TXT on the session's resolver (accounts_proof_check,
 * docs/serve.md); the run ends once every lookup has answered
 */
static void
proof_check(struct mon *m, const char *domain)
{
	bool started = false;

	if (m->accounts == NULL)
		return;
	if (accounts_proof_check(m->accounts, m->ses->res, domain, (int64_t)time(NULL), on_proof, m,
	    &started) != MS_OK) {
		progress_clear(&m->progress);
		fprintf(stderr, "mailsec monitor: event=error domain=%s msg=\"ownership proof: %s\"\n", domain,
		    accounts_error(m->accounts));
	} else if (started)
		m->proofs_inflight++;
}

/*
 * on_stored - a domain's result is kept: look at its ownership proof, if one
 * was pending when it was claimed, and its report sources' names, if it has
 * reports
 */
static void
on_stored(void *arg, const struct fleet_claim *c)
{
	if (c->proof_pending)
		proof_check(arg, c->domain);
	if (c->report_sources)
		names_check(arg, c->domain);
}

/*
 * cli_monitor_put - the one place a monitored domain's result is stored:
 * through the notify layer (notify_put: history_put and, in the same
 * transaction, the notifications its events call for, docs/notify.md) with
 * the round as decimal text, so
 * each result keeps the events of what changed since the domain's previous
 * one and history's (domain, round) uniqueness makes a second result for the
 * round a duplicate (another worker stored it after this one's lease ran
 * out).  The run id is "round-N", shared by every worker's results of the
 * round.  What is left here is the program's: the mailsec/1 object check
 * prints and the log line.  A domain no workspace with notification targets
 * held when it was claimed (cl->notify_targets false) is stored by
 * history_put alone: notify_put would read its targets, find none and queue
 * nothing.
 */
/* A put sent without waiting (history_put_send): what its answer is logged with. */
struct sent_put {
	struct cli_monitor_log *m;
	const struct fleet_claim *cl;	/* the worker's until fleet_put_settle */
	struct fleet_put_ticket *t;
	char grade[8];
	size_t c[SEV__COUNT];
};

/* put_said - log what storing cl's result came to; FLEET_PUT_* of it */
static enum fleet_put
put_said(struct cli_monitor_log *m, const struct fleet_claim *cl, enum ms_status st,
    enum store_put res, const char *why, const char *grade, const size_t *c)
{
	enum fleet_put r = FLEET_PUT_STORED;

	if (st != MS_OK) {
		if (m->progress)
			progress_clear(m->progress);
		fprintf(stderr, "mailsec %s: event=error round=%lld domain=%s msg=\"could not "
		    "store the result: %s\"\n", m->prog, (long long)cl->round, cl->domain, why);
		r = FLEET_PUT_FAILED;
	} else if (res == STORE_DUPLICATE)
		r = FLEET_PUT_DUPLICATE;
	else if (!m->tty)
		fprintf(stderr, "mailsec %s: event=checked round=%lld domain=%s grade=%s "
		    "errors=%zu warnings=%zu unknown=%zu\n", m->prog, (long long)cl->round, cl->domain,
		    grade, c[SEV_ERROR], c[SEV_WARNING], c[SEV_UNKNOWN]);
	if (r != FLEET_PUT_FAILED && m->stored)
		m->stored(m->stored_arg, cl);
	return r;
}

/* put_sent - the answer to a put sent without waiting: logged, and the worker told */
static void
put_sent(void *arg, enum ms_status rc, enum store_put res, const char *why)
{
	struct sent_put *p = arg;
	enum fleet_put r = put_said(p->m, p->cl, rc, res, why ? why : "", p->grade, p->c);

	fleet_put_settle(p->t, r);
	free(p);
}

/*
 * cli_monitor_put - the one place a monitored domain's result is stored:
 * through the notify layer (notify_put: history_put and, in the same
 * transaction, the notifications its events call for, docs/notify.md) with
 * the round as decimal text, so
 * each result keeps the events of what changed since the domain's previous
 * one and history's (domain, round) uniqueness makes a second result for the
 * round a duplicate (another worker stored it after this one's lease ran
 * out).  The run id is "round-N", shared by every worker's results of the
 * round.  What is left here is the program's: the mailsec/1 object check
 * prints and the log line.  A domain no workspace with notification targets
 * held when it was claimed (cl->notify_targets false) is stored by
 * history_put alone: notify_put would read its targets, find none and queue
 * nothing; that put is sent without waiting for the server where the
 * store can (history_put_send: PostgreSQL), and its outcome is logged and
 * told to the worker (fleet_put_settle) when the answer comes.
 */
enum fleet_put
cli_monitor_put(void *arg, struct audit *a, const struct fleet_claim *cl, struct fleet_put_ticket *t)
{
	struct cli_monitor_log *m = arg;
	int64_t round = cl->round;
	struct store *s = fleet_store(m->fleet);
	struct history_check hc;
	size_t c[SEV__COUNT];
	/* the stored document written straight from the findings, as check --jsonl prints it */
	char *text = out_json_domain_text(a, JSON_COMPACT | JSON_PRESERVE_ORDER, NULL);
	json_t *j = text ? NULL : out_json_domain(a);	/* what cannot be written so is rendered */
	char run_id[32], round_text[24];
	enum store_put res = STORE_INSERTED;
	enum ms_status st = MS_ERR_NOMEM;
	enum fleet_put r;
	char why[512] = "";

	findings_count(&a->findings, c);
	snprintf(run_id, sizeof(run_id), "round-%lld", (long long)round);
	snprintf(round_text, sizeof(round_text), "%lld", (long long)round);
	memset(&hc, 0, sizeof(hc));
	hc.a = a;
	hc.doc = j;
	hc.text = text;
	hc.profile = a->opts->profile->name;
	hc.version = MAILSEC_VERSION;
	hc.run_id = run_id;
	hc.round = round_text;
	/* the previous result was read with the claimed batch (one query for all) */
	hc.prev_given = cl->prev_read;
	hc.prev = cl->prev;
	if (j == NULL && text == NULL)
		snprintf(why, sizeof(why), "no JSON for it");
	else if (cl->notify_targets)
		st = notify_put(s, &hc, &res, NULL, why, sizeof(why));
	else if (t != NULL) {
		struct sent_put *p = xcalloc(1, sizeof(*p));
		bool sent = false;

		p->m = m;
		p->cl = cl;
		p->t = t;
		snprintf(p->grade, sizeof(p->grade), "%s", out_grade(&a->findings));
		memcpy(p->c, c, sizeof(c));
		st = history_put_send(s, &hc, fleet_mark_name(), put_sent, p, &sent, &res);
		if (sent) {
			json_decref(j);
			free(text);
			return FLEET_PUT_PENDING;	/* put_sent says the rest */
		}
		free(p);
	} else
		st = history_put(s, &hc, NULL, &res);
	if (st != MS_OK && why[0] == '\0')
		snprintf(why, sizeof(why), "%s", st == MS_ERR_NOMEM ? "out of memory" : store_error(s));
	r = put_said(m, cl, st, res, why, out_grade(&a->findings), c);
	json_decref(j);
	free(text);
	return r;
}

/* drain_log - cli_notify_drain's log_delivery argument */
struct drain_log {
	const char *prog;
	struct progress *progress;
};

/* log_delivery - a notification sent or not, as a structured log line */
static void
log_delivery(void *arg, int64_t id, const char *address, bool ok, const char *why)
{
	struct drain_log *l = arg;

	if (l->progress != NULL)
		progress_clear(l->progress);
	fprintf(stderr, "mailsec %s: event=notify id=%lld to=%s %s%s%s\n", l->prog, (long long)id, address,
	    ok ? "sent=yes" : "sent=no msg=\"", ok ? "" : why, ok ? "" : "\"");
}

/* cli_notify_drain - after a round: queue what reports call for, send the outbox (monitor_put.h) */
bool
cli_notify_drain(struct fleet *f, const struct cli_notify_opts *o, const char *prog, struct progress *progress)
{
	struct notify_send_config cfg;
	struct notify_send_stats stats;
	struct store *s = fleet_store(f);
	struct drain_log l = { prog, progress };
	char why[512], host[256] = "localhost", *from = NULL;

	if (store_in_transaction(s))
		return false;
	if (o->mail_from == NULL) {
		(void)gethostname(host, sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		from = xasprintf("mailsec@%s", host);
	}
	if (notify_scan(s, 0, NULL, why, sizeof(why)) != MS_OK)
		fprintf(stderr, "mailsec %s: event=error msg=\"notifications from reports: %s\"\n", prog, why);
	memset(&cfg, 0, sizeof(cfg));
	cfg.smtp_relay = o->smtp_relay;
	cfg.mail_from = from ? from : o->mail_from;
	cfg.ca_file = o->ca_file;
	cfg.timeout = o->timeout;
	cfg.log = log_delivery;
	cfg.log_arg = &l;
	if (notify_send(s, &cfg, &stats, why, sizeof(why)) != MS_OK)
		fprintf(stderr, "mailsec %s: event=error msg=\"notifications: %s\"\n", prog, why);
	else if (stats.sent || stats.failed || stats.waiting_relay)
		fprintf(stderr, "mailsec %s: event=notified sent=%zu failed=%zu waiting_relay=%zu\n", prog,
		    stats.sent, stats.failed, stats.waiting_relay);
	free(from);
	return true;
}

/*
 * drain - after a round: queue what the DMARC reports and digests call for
 * (notify_scan), then send the outbox once (notify_send: blocking, each
 * delivery bounded by --net-timeout); a failure to read or write the outbox
 * is logged and left for the next round.  Never inside the worker's open
 * batch (it stays pending until the exit or the next round).
 */
static void
drain(struct mon *m)
{
	struct cli_notify_opts no = { m->o->smtp_relay, m->o->mail_from, m->o->c.ca_file, m->o->c.net_timeout };

	if (cli_notify_drain(m->fleet, &no, "monitor", &m->progress))
		m->drain_pending = false;
}

/* on_drain - the loop's turn after a round: send the outbox */
static void
on_drain(evutil_socket_t fd, short what, void *arg)
{
	struct mon *m = arg;

	(void)fd;
	(void)what;
	if (m->drain_pending)
		drain(m);
}

/* on_event - structured log lines (not on a terminal) and the progress line (on one) */
static void
on_event(void *arg, const struct fleet_event *ev)
{
	struct mon *m = arg;
	char until[64] = "";

	if (ev->until > 0) {
		json_t *t = json_rfc3339((time_t)ev->until);

		snprintf(until, sizeof(until), " until=%s", json_string_value(t));
		json_decref(t);
	}
	switch (ev->kind) {
	case FLEET_EV_ROUND:
		if (m->tty) {
			progress_init(&m->progress, STDERR_FILENO, "due domains", (size_t)ev->total,
			    clock_mono_seconds());
			m->progress_round = ev->round;
		}
		progress_clear(&m->progress);
		fprintf(stderr, "mailsec monitor: event=round round=%lld marked=%llu total=%llu\n",
		    (long long)ev->round, (unsigned long long)ev->n, (unsigned long long)ev->total);
		break;
	case FLEET_EV_CLAIMED:
		if (!m->tty)
			fprintf(stderr, "mailsec monitor: event=claimed round=%lld domains=%llu\n",
			    (long long)ev->round, (unsigned long long)ev->n);
		break;
	case FLEET_EV_CHECKED:
		if (ev->n == FLEET_PUT_DUPLICATE && !m->tty)
			fprintf(stderr, "mailsec monitor: event=duplicate round=%lld domain=%s\n",
			    (long long)ev->round, ev->domain);
		progress_update(&m->progress, (size_t)ev->done, clock_mono_seconds(), false);
		break;
	case FLEET_EV_ROUND_DONE:
		progress_update(&m->progress, (size_t)ev->done, clock_mono_seconds(), true);
		progress_clear(&m->progress);
		fprintf(stderr, "mailsec monitor: event=round-done round=%lld total=%llu "
		    "checked_here=%llu probes=%llu probes_saved=%llu\n", (long long)ev->round,
		    (unsigned long long)ev->n, (unsigned long long)ev->done,
		    (unsigned long long)ev->probes_made, (unsigned long long)ev->probes_saved);
		if (!m->drain_pending) {
			/* not from inside the worker's callback: on the loop's next turn (or at exit) */
			struct timeval now = { 0, 0 };

			m->drain_pending = true;
			if (event_base_once(m->ses->base, -1, EV_TIMEOUT, on_drain, m, &now) != 0)
				drain(m);
		}
		break;
	case FLEET_EV_WAITING:
		if (!m->tty)
			fprintf(stderr, "mailsec monitor: event=waiting round=%lld left=%llu%s\n",
			    (long long)ev->round, (unsigned long long)ev->n, until);
		break;
	case FLEET_EV_IDLE:
		progress_clear(&m->progress);
		fprintf(stderr, "mailsec monitor: event=idle%s%s\n", ev->until ? "" :
		    " nothing=due", until);
		break;
	case FLEET_EV_ERROR:
		progress_clear(&m->progress);
		fprintf(stderr, "mailsec monitor: event=error round=%lld%s%s msg=\"%s\"\n",
		    (long long)ev->round, ev->domain ? " domain=" : "", ev->domain ? ev->domain : "",
		    ev->msg ? ev->msg : "");
		break;
	case FLEET_EV_STOPPING:
		progress_clear(&m->progress);
		fprintf(stderr, "mailsec monitor: event=stopping in_flight=%llu\n",
		    (unsigned long long)ev->n);
		break;
	}
}

/* on_done - the worker has finished */
static void
on_done(void *arg)
{
	struct mon *m = arg;

	m->worker_done = true;
	m->done = m->proofs_inflight == 0 && m->names_inflight == 0;
}

/* on_signal - SIGTERM or SIGINT: stop claiming, finish what is in flight, release the rest */
static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct mon *m = arg;

	m->stopped = true;
	fleet_worker_stop(m->w);
}

/* cli_lease_owner - host:pid:random, the name on this process's leases (monitor_put.h) */
char *
cli_lease_owner(void)
{
	char host[256] = "localhost";
	uint32_t r = 0;

	(void)gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)time(NULL);
	return xasprintf("%s:%ld:%08x", host, (long)getpid(), r);
}

int
cmd_monitor(int argc, char **argv)
{
	struct mon_opts o;
	struct mon m;
	struct session_config scfg;
	struct session *ses = NULL;
	struct check_options copts;
	struct fleet_worker_config wc;
	struct event *sigterm = NULL, *sigint = NULL;
	char *err = NULL;
	enum cli_status st;
	int rc = EXIT_USAGE;
	double t0;

	memset(&o, 0, sizeof(o));
	memset(&m, 0, sizeof(m));
	common_opts_init(&o.c);
	progress_init(&m.progress, -1, "due domains", 0, 0);
	if ((st = parse_args(argc, argv, &o)) != CLI_OK) {
		rc = cli_status_exit(st);
		goto out;
	}
	if (optind != argc) {
		cli_error("monitor takes no arguments: the domains are the workspaces' ('mailsec "
		    "domains add')");
		goto out;
	}
	if (o.all && !o.once) {
		cli_error("--all goes with --once (one round over every domain, then exit)");
		goto out;
	}
	m.o = &o;
	if ((m.fleet = cli_fleet_open(o.c.db)) == NULL)
		goto out;

	common_opts_session(&o.c, &scfg);
	scfg.http = true;
	if (session_new(&scfg, &ses, &err) != MS_OK) {
		cli_error("%s", err);
		goto out;
	}
	m.ses = ses;
	{
		char why[512];

		if (accounts_open(m.fleet, &m.accounts, why, sizeof(why)) != MS_OK) {
			cli_error("%s", why);
			goto out;
		}
	}
	common_opts_checks(&o.c, &copts);

	m.tty = isatty(STDERR_FILENO);
	m.owner = cli_lease_owner();
	memset(&wc, 0, sizeof(wc));
	wc.fleet = m.fleet;
	wc.session = ses;
	wc.base = &copts;
	wc.owner = m.owner;
	wc.concurrency = o.c.concurrency;
	wc.batch = o.batch;
	wc.lease = o.lease;
	wc.commit_every = o.commit_every;
	wc.commit_delay = o.commit_delay;
	wc.full_scan_every = o.c.full_scan_every;
	wc.deadline = o.c.deadline;
	wc.once = o.once;
	wc.all = o.all;
	m.log.fleet = m.fleet;
	m.log.progress = &m.progress;
	m.log.tty = m.tty;
	m.log.prog = "monitor";
	m.log.stored = on_stored;
	m.log.stored_arg = &m;
	wc.no_probe_sharing = o.c.no_probe_sharing;
	wc.put = cli_monitor_put;
	wc.put_arg = &m.log;
	wc.event = on_event;
	wc.done = on_done;
	wc.arg = &m;
	m.w = fleet_worker_start(&wc);
	sigterm = evsignal_new(ses->base, SIGTERM, on_signal, &m);
	sigint = evsignal_new(ses->base, SIGINT, on_signal, &m);
	evsignal_add(sigterm, NULL);
	evsignal_add(sigint, NULL);
	fprintf(stderr, "mailsec monitor: event=start worker=%s%s\n", m.owner,
	    o.once ? (o.all ? " mode=once-all" : " mode=once") : " mode=forever");
	t0 = clock_mono_seconds();
	(void)session_wait(ses, &m.done);
	if (m.drain_pending)
		drain(&m);	/* the last round's notifications, before exiting */
	progress_clear(&m.progress);
	if (o.c.stats) {
		double secs = clock_mono_seconds() - t0;
		size_t n = fleet_worker_checked(m.w);
		struct smtp_probe_cache_stats ps;

		fleet_worker_probe_stats(m.w, &ps);
		fprintf(stderr, "mailsec: %zu domain%s in %.2f s (%.0f/s); %llu DNS queries "
		    "(%.0f/s, %llu timed out, at most %llu in flight); "
		    "%llu STARTTLS probes made, %llu saved by sharing\n", n, n == 1 ? "" : "s",
		    secs, secs > 0 ? (double)n / secs : 0.0,
		    (unsigned long long)ses->res->stats.queries,
		    secs > 0 ? (double)ses->res->stats.queries / secs : 0.0,
		    (unsigned long long)ses->res->stats.timeouts,
		    (unsigned long long)ses->res->stats.max_inflight,
		    (unsigned long long)ps.made, (unsigned long long)ps.shared);
		cli_stub_stats_print(stderr, ses->res->stats.queries, ses->res->stats.cached,
		    ses->res->stats.joined);
		cli_shortcut_stats_print(stderr, ses->res);
		{
			uint64_t narrowed;
			const struct engine_queries *q = fleet_worker_queries(m.w, &narrowed);

			engine_queries_print(stderr, q);
			fprintf(stderr, "mailsec: %llu of %llu audits asked only the known DKIM "
			    "selectors\n", (unsigned long long)narrowed, (unsigned long long)q->audits);
		}
		{
			uint64_t rt;
			double wait;

			fleet_db_waits(m.fleet, &rt, &wait);
			if (rt > 0)
				fprintf(stderr, "mailsec: %llu round trips to the database server "
				    "(%.2f a domain), %.2f s waiting for its answers (%.2f ms a domain)\n",
				    (unsigned long long)rt, n ? (double)rt / (double)n : 0.0, wait,
				    n ? 1000.0 * wait / (double)n : 0.0);
		}
	}
	if (m.proofs_inflight || m.names_inflight)	/* the loop ended early: each lookup's callback frees it */
		resolver_cancel_all(ses->res, "the monitor is exiting");
	if (ses->res->unreachable)
		rc = EXIT_USAGE;
	else if (fleet_worker_failures(m.w))
		rc = EXIT_STORE;
	else
		rc = EXIT_CLEAN;
	fprintf(stderr, "mailsec monitor: event=exit checked=%zu failures=%zu%s\n",
	    fleet_worker_checked(m.w), fleet_worker_failures(m.w), m.stopped ? " signal=yes" : "");
out:
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	fleet_worker_free(m.w);
	session_free(ses);
	accounts_close(m.accounts);
	fleet_close(m.fleet);
	free(m.owner);
	free(err);
	free(o.smtp_relay);
	free(o.mail_from);
	common_opts_free(&o.c);
	return rc;
}
