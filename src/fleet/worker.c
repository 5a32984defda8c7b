/* src/fleet/worker.c - the monitor's worker: claim due domains, audit them, store, complete */
#include "fleet/worker.h"
#include "fleet/fleet.h"
#include "core/grade.h"
#include "core/profile.h"
#include "audit/area_opts.h"
#include "engine/engine.h"
#include "engine/session.h"
#include "store/store.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * The worker is a small state machine driven by one timer on the session's
 * loop (tick), plus a heartbeat timer:
 *
 *   no round      -> fleet_round_begin: a round (work it), or nothing due
 *                    (once: done; else sleep until the next domain is due)
 *   round         -> claim a batch when nothing is queued and a slot is free;
 *                    start queued domains while fewer than `concurrency` run
 *   nothing left  -> fleet_round_state: finished (once: done; else next
 *   of ours          round), or others hold the rest (wait for their leases
 *                    to end, then claim what they left)
 *   stopping      -> queued domains released, in-flight ones finish, then
 *                    every lease released and done
 *
 * Each domain is one engine run of one domain (its settings are its own),
 * so at most `concurrency` runs are in flight.  A result is stored by the
 * caller's put callback; the domain leaves the round with the rest of its
 * commit batch (fleet_complete_many, just before the commit).
 * Database calls are synchronous (the loop waits for them), except the put
 * itself on PostgreSQL: it may return FLEET_PUT_PENDING, its statement sent
 * without waiting (db_send, pipelined); the answer is read when the
 * connection's socket is readable (on_db) or by the next synchronous call
 * (then delivered from the loop: db_read), and fleet_put_settle says what
 * it came to.  The domain's job (its claim) lives until then; a batch
 * commits only once all of its puts are settled (wait_puts).
 *
 * Finished domains are batched: the first opens a transaction
 * (fleet_begin), and the results, grades, completions, claims and releases
 * that follow join it until commit_every domains are in it, commit_delay
 * has passed, or the worker needs the round's state (flush).  Only a
 * committed domain counts as checked.  A commit that fails undoes the whole
 * batch: its domains are released and claimed again later.  A crash
 * undoes it likewise; their leases end and they are claimed again, and the
 * (domain, round) key keeps one result each.
 */

#define RETRY_SECONDS	5	/* after a database error */
#define BACKOFF_SECONDS	30	/* after a result could not be stored */
#define IDLE_MAX	3600	/* the longest sleep when nothing is due */

struct job {
	struct fleet_worker *w;
	struct fleet_claim c;
	struct check_options opts;
	char *domains[2];
	struct area_settings *areas;	/* the domain's DKIM selectors and sending hosts */
	bool handled;		/* put was called */
	bool narrowed;		/* asked only the known DKIM selectors (dkim-scan known) */
	bool run_over;		/* on_done was called: the ticket frees it when its put settles */
	struct fleet_put_ticket *ticket;	/* its put is pending */
};

/*
 * A finished domain in the open batch; while its put is pending
 * (FLEET_PUT_PENDING, fleet_put_settle to come) it holds the domain's job,
 * whose claim the put borrows.
 */
struct fleet_put_ticket {
	struct fleet_worker *w;
	char *domain;
	int64_t round;
	enum fleet_put r;
	bool full;		/* its DKIM selectors were fully scanned (fleet_full_scan_many) */
	char *known;		/* the selectors keys were found at, or NULL */
	struct job *job;	/* while pending: the job, freed once its run is over too */
};

struct fleet_worker {
	struct fleet_worker_config cfg;
	struct event *timer, *beat, *commit;
	struct fleet_put_ticket **pend;	/* the open batch's finished domains */
	size_t npend;
	size_t npending;	/* of them, puts not settled yet (FLEET_PUT_PENDING) */
	struct event *dbev;	/* the database's socket, while puts are pending */
	struct event *deliver;	/* answers read by a synchronous call: deliver them (db_read) */
	bool flushing;		/* flush is waiting for the pending puts */
	struct job **queue;	/* claimed, not started (FIFO) */
	size_t nq;
	size_t inflight;
	int64_t round;
	uint64_t round_total;
	uint64_t done_round;
	bool all_pending;	/* --all still to be used on the first round */
	struct smtp_probe_cache *probes;	/* the round's shared probes (NULL between rounds) */
	struct smtp_probe_cache_stats probe_sum;	/* of the rounds before */
	bool stopping, finished;
	int64_t backoff_until;
	size_t failures, checked;
	struct engine_queries queries;	/* every audit's lookups per area */
	uint64_t narrowed;		/* audits that asked only the known DKIM selectors */
	/* profiles loaded by name, kept for the worker's life */
	char **pnames;
	struct profile **profs;
	size_t nprof;
};

static void tick(evutil_socket_t fd, short what, void *arg);
static void job_free(struct job *j);
static bool flush(struct fleet_worker *w);

/* ticket_free - free t (a pending put's job with it, when its run is over) */
static void
ticket_free(struct fleet_put_ticket *t)
{
	if (t == NULL)
		return;
	if (t->job) {
		t->job->ticket = NULL;
		if (t->job->run_over)
			job_free(t->job);
	}
	free(t->domain);
	free(t->known);
	free(t);
}

/* on_db - the database's socket is readable: the answers to the puts sent */
static void
on_db(evutil_socket_t fd, short what, void *arg)
{
	struct fleet_worker *w = arg;

	fleet_async_pump(w->cfg.fleet, false);
}

/*
 * db_read - a synchronous database call read the answers of puts sent
 * (fleet_async_notify): deliver them from the loop, soon
 */
static void
db_read(void *arg)
{
	struct fleet_worker *w = arg;

	event_active(w->deliver, EV_TIMEOUT, 1);
}

/* db_watch - watch the database's socket while puts are pending, not otherwise */
static void
db_watch(struct fleet_worker *w)
{
	int fd;

	if (w->npending > 0 && w->dbev == NULL && (fd = fleet_async_fd(w->cfg.fleet)) >= 0)
		w->dbev = event_new(w->cfg.session->base, fd, EV_READ | EV_PERSIST, on_db, w);
	if (w->dbev == NULL)
		return;
	if (w->npending > 0)
		event_add(w->dbev, NULL);
	else
		event_del(w->dbev);
}

/*
 * wait_puts - every pending put settled (the batch's commit waits for
 * them): their answers waited for and delivered
 */
static void
wait_puts(struct fleet_worker *w)
{
	bool was = w->flushing;

	w->flushing = true;
	while (w->npending > 0) {
		size_t before = w->npending;

		fleet_async_pump(w->cfg.fleet, true);
		if (w->npending == before)
			break;	/* everything sent was read and delivered: a put that never said (a bug) */
	}
	w->flushing = was;
}

/* probes_end - the round's shared probes are over (nothing in flight): count, free */
static void
probes_end(struct fleet_worker *w)
{
	const struct smtp_probe_cache_stats *s;

	if (w->probes == NULL)
		return;
	s = smtp_probe_cache_stats(w->probes);
	w->probe_sum.asked += s->asked;
	w->probe_sum.made += s->made;
	w->probe_sum.shared += s->shared;
	w->probe_sum.abandoned += s->abandoned;
	w->probe_sum.evicted += s->evicted;
	smtp_probe_cache_free(w->probes);
	w->probes = NULL;
}

/* emit - report an event to the caller */
static void
emit(struct fleet_worker *w, enum fleet_event_kind kind, const char *domain, const char *msg,
    uint64_t n, int64_t until)
{
	struct fleet_event ev;

	if (w->cfg.event == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.round = w->round;
	ev.domain = domain;
	ev.msg = msg;
	ev.n = n;
	ev.total = w->round_total;
	ev.done = w->done_round;
	ev.until = until;
	if (w->probes) {
		const struct smtp_probe_cache_stats *s = smtp_probe_cache_stats(w->probes);

		ev.probes_made = s->made;
		ev.probes_saved = s->shared;
	}
	w->cfg.event(w->cfg.arg, &ev);
}

/* wake - run tick after secs seconds */
static void
wake(struct fleet_worker *w, double secs)
{
	struct timeval tv;

	if (w->finished)
		return;
	if (secs < 0)
		secs = 0;
	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	evtimer_add(w->timer, &tv);
}

/* db_error - say the fleet's error; in once mode stop */
static void
db_error(struct fleet_worker *w, const char *domain)
{
	w->failures++;
	emit(w, FLEET_EV_ERROR, domain, fleet_error(w->cfg.fleet), 0, 0);
	if (w->cfg.once)
		w->stopping = true;
}

/* finish - the worker is done: timers off, the caller told */
static void
finish(struct fleet_worker *w)
{
	if (w->finished)
		return;
	w->finished = true;
	if (w->inflight == 0)
		probes_end(w);
	evtimer_del(w->timer);
	evtimer_del(w->beat);
	evtimer_del(w->commit);
	if (w->cfg.done)
		w->cfg.done(w->cfg.arg);
}

/*
 * batch_open - the batch's transaction, begun if none is open (its commit
 * timer armed); false after saying why
 */
static bool
batch_open(struct fleet_worker *w)
{
	struct timeval tv;

	if (fleet_in_tx(w->cfg.fleet))
		return true;
	if (fleet_begin(w->cfg.fleet) != MS_OK) {
		db_error(w, NULL);
		return false;
	}
	tv.tv_sec = (time_t)w->cfg.commit_delay;
	tv.tv_usec = (suseconds_t)((w->cfg.commit_delay - (double)tv.tv_sec) * 1e6);
	evtimer_add(w->commit, &tv);
	return true;
}

/*
 * complete_batch - take the open batch's domains out of their round: one
 * fleet_complete_many per round among them (nearly always one); false after
 * saying why
 */
static bool
complete_batch(struct fleet_worker *w)
{
	const char **names = xcalloc(w->npend + 1, sizeof(*names));
	bool *done = xcalloc(w->npend + 1, sizeof(*done));
	int64_t now = (int64_t)time(NULL);
	bool ok = true;

	for (size_t i = 0; i < w->npend && ok; i++) {
		size_t n = 0;

		if (done[i])
			continue;
		for (size_t k = i; k < w->npend; k++)
			if (!done[k] && w->pend[k]->round == w->pend[i]->round) {
				names[n++] = w->pend[k]->domain;
				done[k] = true;
			}
		if (fleet_complete_many(w->cfg.fleet, names, n, w->pend[i]->round, now) != MS_OK)
			ok = false;
	}
	/* the full DKIM scans among them: the selectors found, for the narrowed rounds */
	if (ok) {
		const char **known = xcalloc(w->npend + 1, sizeof(*known));
		size_t n = 0;

		for (size_t i = 0; i < w->npend; i++)
			if (w->pend[i]->full && w->pend[i]->r == FLEET_PUT_STORED) {
				names[n] = w->pend[i]->domain;
				known[n++] = w->pend[i]->known;
			}
		ok = fleet_full_scan_many(w->cfg.fleet, names, known, n, now) == MS_OK;
		free(known);
	}
	free(names);
	free(done);
	return ok;
}

/*
 * flush - take the open batch's domains out of the round and commit: they
 * count as checked; or, when that fails, the batch is undone and each of
 * them released for a later claim.  False when it failed.
 */
static bool
flush(struct fleet_worker *w)
{
	bool ok = true;

	evtimer_del(w->commit);
	wait_puts(w);
	if (!fleet_in_tx(w->cfg.fleet))
		return true;
	if (!complete_batch(w))
		fleet_rollback(w->cfg.fleet);	/* the failure is said below */
	if (fleet_in_tx(w->cfg.fleet) && fleet_commit(w->cfg.fleet) == MS_OK) {
		for (size_t i = 0; i < w->npend; i++) {
			if (w->pend[i]->r == FLEET_PUT_STORED)
				w->checked++;
			w->done_round++;
			emit(w, FLEET_EV_CHECKED, w->pend[i]->domain, NULL, (uint64_t)w->pend[i]->r, 0);
		}
	} else {
		ok = false;
		db_error(w, NULL);
		w->backoff_until = (int64_t)time(NULL) + BACKOFF_SECONDS;
		for (size_t i = 0; i < w->npend; i++)
			if (fleet_release(w->cfg.fleet, w->cfg.owner, w->pend[i]->domain) != MS_OK)
				db_error(w, w->pend[i]->domain);
	}
	for (size_t i = 0; i < w->npend; i++)
		ticket_free(w->pend[i]);
	w->npend = 0;
	return ok;
}

/* on_commit - the batch's time is up */
static void
on_commit(evutil_socket_t fd, short what, void *arg)
{
	struct fleet_worker *w = arg;

	if (!flush(w))
		wake(w, 0);
}

/* profile_for - the profile named name, loaded once; generic (said) when it cannot be */
static const struct profile *
profile_for(struct fleet_worker *w, const char *name, const char *domain)
{
	struct profile *p = NULL;
	char *err = NULL;

	for (size_t i = 0; i < w->nprof; i++)
		if (strcmp(w->pnames[i], name) == 0)
			return w->profs[i];
	if (profile_load(name, &p, &err) != MS_OK) {
		char *msg = xasprintf("profile %s: %s; checked under generic", name, err);

		emit(w, FLEET_EV_ERROR, domain, msg, 0, 0);
		free(msg);
		free(err);
		if (strcmp(name, "generic") == 0)
			return NULL;
		return profile_for(w, "generic", domain);
	}
	w->pnames = xreallocarray(w->pnames, w->nprof + 1, sizeof(*w->pnames));
	w->profs = xreallocarray(w->profs, w->nprof + 1, sizeof(*w->profs));
	w->pnames[w->nprof] = xstrdup(name);
	w->profs[w->nprof++] = p;
	return p;
}

/* job_free - free a job (its claim with it) */
static void
job_free(struct job *j)
{
	free(j->c.domain);
	free(j->c.profile);
	strv_free(j->c.selectors);
	strv_free(j->c.sending_hosts);
	strv_free(j->c.report_names);
	strv_free(j->c.dkim_known);
	fleet_members_free(j->c.members, j->c.nmembers);
	store_check_free(j->c.prev);
	area_settings_free(j->areas);
	free(j);
}

/*
 * put_grades - each workspace's grade of a's findings under its own profile:
 * its severity overrides applied to the findings as judged (docs/monitor.md)
 */
static bool
put_grades(struct fleet_worker *w, const struct job *j, const struct audit *a)
{
	for (size_t m = 0; m < j->c.nmembers; m++) {
		const struct profile *p = profile_for(w, j->c.members[m].profile, j->c.domain);
		size_t counts[SEV__COUNT] = { 0 };
		struct fleet_grade g;

		for (size_t i = 0; i < a->findings.n; i++) {
			const struct finding *x = &a->findings.v[i];
			enum severity s = x->severity;

			/* as findings_apply: overrides re-grade verdicts; unknown stays unknown */
			if (p && s != SEV_UNKNOWN && !profile_severity(p, finding_def(x)->id, &s))
				s = x->severity;
			counts[s]++;
		}
		memset(&g, 0, sizeof(g));
		g.workspace = j->c.members[m].workspace;
		g.domain = j->c.domain;
		g.round = j->c.round;
		g.profile = j->c.members[m].profile;
		g.grade = grade_from_counts(counts);
		g.error = counts[SEV_ERROR];
		g.warning = counts[SEV_WARNING];
		g.unknown = counts[SEV_UNKNOWN];
		if (fleet_put_grade(w->cfg.fleet, &g) != MS_OK)
			return false;
	}
	return true;
}

/* str_ptr_cmp - C strings through pointers (qsort) */
static int
str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * full_scan_known - when a's DKIM selectors were fully scanned without a
 * failed lookup: *known is the selectors keys were found at, comma-separated,
 * sorted, each once ("*" for a wildcard key; caller frees; NULL for none),
 * and true
 */
static bool
full_scan_known(const struct audit *a, char **known)
{
	json_t *dk = a->facts ? json_object_get(a->facts, "dkim") : NULL;
	json_t *keys = json_object_get(dk, "keys"), *k;
	const char *scan = json_string_value(json_object_get(dk, "scan"));
	const char **v;
	size_t i, n = 0, len = 0;
	bool wild;
	char *out;

	*known = NULL;
	if (!json_is_array(keys) || (scan && strcmp(scan, "full") != 0))
		return false;
	for (i = 0; i < a->findings.n; i++)
		if (a->findings.v[i].id == F_DKIM_LOOKUP_FAILED)
			return false;	/* some selector could not be asked: scan fully again */
	/* a wildcard (a revoked key: the parked pattern) is asked again by its probe */
	wild = json_is_string(json_object_get(dk, "wildcard"));
	if (json_array_size(keys) == 0 && !wild)
		return true;
	v = xcalloc(json_array_size(keys) + 1, sizeof(*v));
	if (wild) {
		v[n++] = "*";
		len += 2;
	}
	json_array_foreach(keys, i, k) {
		const char *src = json_string_value(json_object_get(k, "source"));
		const char *sel = json_string_value(json_object_get(k, "selector"));

		if (src && strcmp(src, "wildcard") == 0)
			sel = "*";
		if (sel != NULL && strchr(sel, ',') == NULL) {
			v[n++] = sel;
			len += strlen(sel) + 1;
		}
	}
	qsort(v, n, sizeof(*v), str_ptr_cmp);
	out = xcalloc(1, len + 1);
	for (i = 0, len = 0; i < n; i++) {
		size_t l = strlen(v[i]);

		if (i > 0 && strcmp(v[i], v[i - 1]) == 0)
			continue;
		if (len)
			out[len++] = ',';
		memcpy(out + len, v[i], l);
		len += l;
	}
	free(v);
	/* too long to keep (FLEET_LIST_MAX): no list, and the next round scans fully */
	if (len > FLEET_LIST_MAX) {
		free(out);
		return false;
	}
	*known = len ? out : NULL;
	if (len == 0)
		free(out);
	return true;
}

/*
 * note_scan - whether a's DKIM selectors were fully scanned (then *known,
 * the caller's to free, is what was found, kept with the batch by
 * fleet_full_scan_many); counts a narrowed audit
 */
static bool
note_scan(struct fleet_worker *w, const struct job *j, const struct audit *a, char **known)
{
	const char *scan = json_string_value(json_object_get(json_object_get(a->facts, "dkim"), "scan"));

	if (j->narrowed && scan && strcmp(scan, "known") == 0)
		w->narrowed++;
	return full_scan_known(a, known);
}

/*
 * settle - what t's put came to: a failure is undone (async: the driver
 * has rolled the statement back to its mark already) and the domain
 * released; otherwise it stays in the batch
 */
static void
settle(struct fleet_worker *w, struct fleet_put_ticket *t, enum fleet_put r, bool sent)
{
	size_t i;

	t->r = r;
	if (r != FLEET_PUT_FAILED) {
		if (w->npend < w->cfg.commit_every || w->flushing)
			return;
		if (w->npending == 0)
			(void)flush(w);		/* a failure is said and counted; on_done wakes tick */
		else
			event_active(w->commit, EV_TIMEOUT, 1);	/* from the loop: it waits for them */
		return;
	}
	w->failures++;
	w->backoff_until = (int64_t)time(NULL) + BACKOFF_SECONDS;
	fleet_drop_grades(w->cfg.fleet, t->domain, t->round);
	if ((!sent && fleet_undo_mark(w->cfg.fleet) != MS_OK) ||
	    fleet_release(w->cfg.fleet, w->cfg.owner, t->domain) != MS_OK)
		db_error(w, t->domain);
	if (w->cfg.once)
		w->stopping = true;
	for (i = 0; i < w->npend && w->pend[i] != t; i++)
		;
	if (i < w->npend) {
		memmove(&w->pend[i], &w->pend[i + 1], (w->npend - i - 1) * sizeof(*w->pend));
		w->npend--;
	}
	ticket_free(t);
}

void
fleet_put_settle(struct fleet_put_ticket *t, enum fleet_put r)
{
	struct fleet_worker *w = t->w;

	if (t->r != FLEET_PUT_PENDING)
		return;		/* not a pending put's ticket: the contract is once, for a pending put */
	w->npending--;
	db_watch(w);
	if (t->job) {
		t->job->ticket = NULL;
		if (t->job->run_over)
			job_free(t->job);
		t->job = NULL;
	}
	settle(w, t, r == FLEET_PUT_PENDING ? FLEET_PUT_FAILED : r, true);
	if (!w->flushing)
		wake(w, 0);
}

/* on_result - one domain's audit is over: store it, take it out of the round */
static void
on_result(struct audit *a, void *arg)
{
	struct job *j = arg;
	struct fleet_worker *w = j->w;
	struct fleet_put_ticket *t;
	enum fleet_put r;

	j->handled = true;
	if (!batch_open(w) || fleet_mark(w->cfg.fleet) != MS_OK) {
		/* the domain goes back for a later claim (on_done releases it) */
		if (fleet_in_tx(w->cfg.fleet))
			db_error(w, j->c.domain);
		j->handled = false;
		w->backoff_until = (int64_t)time(NULL) + RETRY_SECONDS;
		return;
	}
	/* one mark per domain: what fails of it is undone, the batch goes on */
	if (!put_grades(w, j, a)) {
		db_error(w, j->c.domain);
		fleet_drop_grades(w->cfg.fleet, j->c.domain, j->c.round);
		if (fleet_undo_mark(w->cfg.fleet) != MS_OK ||
		    fleet_release(w->cfg.fleet, w->cfg.owner, j->c.domain) != MS_OK)
			db_error(w, j->c.domain);
		return;
	}
	/* in the batch (it counts once the batch is committed), unless its put fails */
	t = xcalloc(1, sizeof(*t));
	t->w = w;
	t->domain = xstrdup(j->c.domain);
	t->round = j->c.round;
	t->full = note_scan(w, j, a, &t->known);
	t->r = FLEET_PUT_PENDING;
	w->pend = xreallocarray(w->pend, w->npend + 1, sizeof(*w->pend));
	w->pend[w->npend++] = t;
	r = w->cfg.put(w->cfg.put_arg ? w->cfg.put_arg : w->cfg.arg, a, &j->c, t);
	if (r == FLEET_PUT_PENDING) {
		/* fleet_put_settle comes later: the job (its claim) lives until then */
		t->job = j;
		j->ticket = t;
		w->npending++;
		db_watch(w);
		return;
	}
	settle(w, t, r, false);
}

/* on_done - the domain's run is over: a slot is free */
static void
on_done(void *arg)
{
	struct job *j = arg;
	struct fleet_worker *w = j->w;

	if (!j->handled && fleet_release(w->cfg.fleet, w->cfg.owner, j->c.domain) != MS_OK)
		db_error(w, j->c.domain);
	w->inflight--;
	if (j->ticket)
		j->run_over = true;	/* its put is pending: freed when it settles */
	else
		job_free(j);
	/* what has come back of the puts sent meanwhile */
	if (w->npending > 0)
		fleet_async_pump(w->cfg.fleet, false);
	wake(w, 0);
}

/* set_list - each value of v for the areas that read option name (one that is refused is said) */
static void
set_list(struct fleet_worker *w, struct job *j, const char *name, char *const *v)
{
	char why[256];

	for (; v && *v; v++) {
		if (engine_option_set(j->areas, name, *v, why, sizeof(why)) != MS_OK) {
			char *msg = xasprintf("--%s %s: %s (left out)", name, *v, why);

			emit(w, FLEET_EV_ERROR, j->c.domain, msg, 0, 0);
			free(msg);
		}
	}
}

/*
 * narrow - whether j's domain is asked only at its known DKIM selectors:
 * some are known (found by its last full scan, its workspaces', its
 * reports') and that scan is younger than full_scan_every
 */
static bool
narrow(const struct fleet_worker *w, const struct job *j)
{
	int64_t now = (int64_t)time(NULL);

	if (w->cfg.full_scan_every < 0 || j->c.full_scan_at <= 0 ||
	    now - j->c.full_scan_at >= w->cfg.full_scan_every)
		return false;
	return j->c.dkim_known || j->c.selectors || j->c.report_names;
}

/* narrow_set - the dkim area asks only the known selectors (check_dkim.h: dkim-scan known) */
static void
narrow_set(struct fleet_worker *w, struct job *j)
{
	char why[256];

	for (char **k = j->c.dkim_known; k && *k; k++) {
		char *name = xasprintf("%s._domainkey.%s", *k, j->c.domain);

		if (engine_option_set(j->areas, "dkim-known-name", name, why, sizeof(why)) != MS_OK) {
			free(name);
			return;		/* a full scan then: nothing is lost */
		}
		free(name);
	}
	if (engine_option_set(j->areas, "dkim-scan", "known", why, sizeof(why)) == MS_OK)
		j->narrowed = true;
}

/* start_job - submit j's domain as a run of its own */
static void
start_job(struct fleet_worker *w, struct job *j)
{
	struct engine_config ec;
	const struct profile *p = profile_for(w, j->c.profile, j->c.domain);

	if (j->c.orphan || p == NULL) {
		/* no workspace holds it any more (or nothing to judge it by): out of the round */
		if (fleet_complete(w->cfg.fleet, j->c.domain, j->c.round, (int64_t)time(NULL)) != MS_OK)
			db_error(w, j->c.domain);
		job_free(j);
		return;
	}
	j->opts = *w->cfg.base;
	j->opts.profile = p;
	j->opts.parked = j->c.parked;
	/* the areas' own options of this domain: its workspaces' selectors and sending hosts */
	j->areas = area_settings_new();
	set_list(w, j, "dkim-selector", j->c.selectors);
	set_list(w, j, "sending-host", j->c.sending_hosts);
	set_list(w, j, "dkim-report-name", j->c.report_names);
	if (narrow(w, j))
		narrow_set(w, j);
	j->opts.areas = j->areas;
	j->domains[0] = j->c.domain;
	j->domains[1] = NULL;
	memset(&ec, 0, sizeof(ec));
	ec.opts = &j->opts;
	ec.max_inflight = 1;
	ec.deadline = w->cfg.deadline;
	ec.on_result = on_result;
	ec.on_done = on_done;
	ec.arg = j;
	ec.queries = &w->queries;
	if (w->probes == NULL)
		w->probes = smtp_probe_cache_new(w->cfg.session->smtp, !w->cfg.no_probe_sharing);
	ec.probes = w->probes;	/* one probe per address for the round's domains */
	w->inflight++;
	(void)engine_submit(w->cfg.session, &ec, j->domains, 1);
}

/* release_queue - give back the domains claimed but not started */
static void
release_queue(struct fleet_worker *w)
{
	for (size_t i = 0; i < w->nq; i++) {
		if (fleet_release(w->cfg.fleet, w->cfg.owner, w->queue[i]->c.domain) != MS_OK)
			db_error(w, w->queue[i]->c.domain);
		job_free(w->queue[i]);
	}
	w->nq = 0;
}

/* claim - lease a batch of the round's domains into the queue; false on a database error */
static bool
claim(struct fleet_worker *w, int64_t now)
{
	struct fleet_claim *v;
	size_t n;

	if (fleet_claim(w->cfg.fleet, w->round, w->cfg.owner, w->cfg.batch, now, w->cfg.lease,
	    &v, &n) != MS_OK) {
		db_error(w, NULL);
		return false;
	}
	if (n)
		emit(w, FLEET_EV_CLAIMED, NULL, NULL, n, 0);
	w->queue = xreallocarray(w->queue, w->nq + n + 1, sizeof(*w->queue));
	for (size_t i = 0; i < n; i++) {
		struct job *j = xcalloc(1, sizeof(*j));

		j->w = w;
		j->c = v[i];
		w->queue[w->nq++] = j;
	}
	free(v);	/* the claims' contents moved into the jobs */
	return true;
}

/* tick - one step of the state machine (see the top of the file) */
static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct fleet_worker *w = arg;
	int64_t now = (int64_t)time(NULL);
	struct fleet_round_state rs;

	if (w->finished)
		return;
	if (w->stopping) {
		release_queue(w);
		if (w->inflight == 0) {
			(void)flush(w);		/* a failure is said, and its domains released */
			if (fleet_release(w->cfg.fleet, w->cfg.owner, NULL) != MS_OK) {
				w->failures++;
				emit(w, FLEET_EV_ERROR, NULL, fleet_error(w->cfg.fleet), 0, 0);
			}
			finish(w);
		}
		return;
	}
	if (w->round == 0) {
		uint64_t marked;
		int64_t next;

		if (!flush(w)) {
			wake(w, RETRY_SECONDS);
			return;
		}
		if (fleet_round_begin(w->cfg.fleet, w->all_pending, now, &w->round, &marked) != MS_OK) {
			db_error(w, NULL);
			wake(w, w->stopping ? 0 : RETRY_SECONDS);
			return;
		}
		w->all_pending = false;
		if (w->round == 0) {
			if (w->cfg.once) {
				emit(w, FLEET_EV_IDLE, NULL, NULL, 0, 0);
				finish(w);
				return;
			}
			if (fleet_next_due(w->cfg.fleet, &next) != MS_OK) {
				db_error(w, NULL);
				wake(w, RETRY_SECONDS);
				return;
			}
			emit(w, FLEET_EV_IDLE, NULL, NULL, 0, next);
			wake(w, next == 0 ? IDLE_MAX : next - now > IDLE_MAX ? IDLE_MAX :
			    next - now < 1 ? 1 : (double)(next - now));
			return;
		}
		if (fleet_round_state(w->cfg.fleet, w->round, now, &rs) != MS_OK) {
			db_error(w, NULL);
			w->round = 0;
			wake(w, RETRY_SECONDS);
			return;
		}
		w->round_total = rs.total;
		w->done_round = 0;
		emit(w, FLEET_EV_ROUND, NULL, NULL, marked, 0);
	}
	if (w->nq == 0 && w->inflight < w->cfg.concurrency && now >= w->backoff_until) {
		if (!claim(w, now)) {
			wake(w, w->stopping ? 0 : RETRY_SECONDS);
			return;
		}
	}
	while (w->inflight < w->cfg.concurrency && w->nq > 0) {
		struct job *j = w->queue[0];

		memmove(w->queue, w->queue + 1, (w->nq - 1) * sizeof(*w->queue));
		w->nq--;
		start_job(w, j);
	}
	if (w->inflight > 0 || w->nq > 0)
		return;		/* on_done wakes us */
	/* what this worker finished is part of the round's state: commit it first */
	if (!flush(w)) {
		wake(w, w->stopping ? 0 : RETRY_SECONDS);
		return;
	}
	if (now < w->backoff_until) {
		wake(w, (double)(w->backoff_until - now));
		return;
	}
	if (fleet_round_state(w->cfg.fleet, w->round, now, &rs) != MS_OK) {
		db_error(w, NULL);
		wake(w, w->stopping ? 0 : RETRY_SECONDS);
		return;
	}
	if (rs.finished) {
		emit(w, FLEET_EV_ROUND_DONE, NULL, NULL, rs.total, 0);
		probes_end(w);
		w->round = 0;
		if (w->cfg.once) {
			finish(w);
			return;
		}
		wake(w, 0);
		return;
	}
	if (rs.claimable > 0) {
		wake(w, 0);
		return;
	}
	emit(w, FLEET_EV_WAITING, NULL, NULL, rs.left, rs.lease_end);
	wake(w, rs.lease_end > now ? (double)(rs.lease_end - now) : 1);
}

/* heartbeat - extend this worker's leases */
static void
heartbeat(evutil_socket_t fd, short what, void *arg)
{
	struct fleet_worker *w = arg;
	uint64_t n;

	if (w->inflight == 0 && w->nq == 0)
		return;
	if (fleet_heartbeat(w->cfg.fleet, w->cfg.owner, (int64_t)time(NULL), w->cfg.lease,
	    &n) != MS_OK) {
		w->failures++;
		emit(w, FLEET_EV_ERROR, NULL, fleet_error(w->cfg.fleet), 0, 0);
	}
}

struct fleet_worker *
fleet_worker_start(const struct fleet_worker_config *cfg)
{
	struct fleet_worker *w = xcalloc(1, sizeof(*w));
	struct event_base *base = cfg->session->base;
	double every;
	struct timeval tv;

	w->cfg = *cfg;
	if (w->cfg.concurrency == 0)
		w->cfg.concurrency = 64;
	/* every run shares the session's resolver: the engine's cap holds across runs too */
	if (w->cfg.concurrency > ENGINE_MAX_INFLIGHT)
		w->cfg.concurrency = ENGINE_MAX_INFLIGHT;
	if (w->cfg.batch == 0)
		w->cfg.batch = w->cfg.concurrency;
	if (w->cfg.lease <= 0)
		w->cfg.lease = 120;
	if (w->cfg.commit_every == 0)
		w->cfg.commit_every = FLEET_COMMIT_EVERY;
	if (w->cfg.commit_delay <= 0)
		w->cfg.commit_delay = FLEET_COMMIT_DELAY;
	if (w->cfg.full_scan_every == 0)
		w->cfg.full_scan_every = FLEET_FULL_SCAN_EVERY;
	/*
	 * Heartbeats made inside a batch are seen by others once it commits: a
	 * batch that commits within a third of the lease keeps every lease
	 * others see alive (the last committed heartbeat is at most two thirds old)
	 */
	if (w->cfg.commit_delay > (double)w->cfg.lease / 3.0)
		w->cfg.commit_delay = (double)w->cfg.lease / 3.0;
	w->all_pending = cfg->all;
	w->timer = evtimer_new(base, tick, w);
	w->beat = event_new(base, -1, EV_PERSIST, heartbeat, w);
	w->commit = evtimer_new(base, on_commit, w);
	w->deliver = evtimer_new(base, on_db, w);
	fleet_async_notify(w->cfg.fleet, db_read, w);
	every = (double)w->cfg.lease / 3.0;
	tv.tv_sec = (time_t)every;
	tv.tv_usec = (suseconds_t)((every - (double)tv.tv_sec) * 1e6);
	evtimer_add(w->beat, &tv);
	wake(w, 0);
	return w;
}

void
fleet_worker_stop(struct fleet_worker *w)
{
	if (w->stopping || w->finished)
		return;
	w->stopping = true;
	emit(w, FLEET_EV_STOPPING, NULL, NULL, w->inflight, 0);
	wake(w, 0);
}

void
fleet_worker_poke(struct fleet_worker *w)
{
	if (w == NULL || w->stopping || w->finished || w->round != 0)
		return;		/* a round in progress looks again when it ends */
	wake(w, 0);
}

size_t
fleet_worker_failures(const struct fleet_worker *w)
{
	return w->failures;
}

size_t
fleet_worker_checked(const struct fleet_worker *w)
{
	return w->checked;
}

void
fleet_worker_probe_stats(const struct fleet_worker *w, struct smtp_probe_cache_stats *out)
{
	*out = w->probe_sum;
	if (w->probes) {
		const struct smtp_probe_cache_stats *s = smtp_probe_cache_stats(w->probes);

		out->asked += s->asked;
		out->made += s->made;
		out->shared += s->shared;
		out->abandoned += s->abandoned;
		out->evicted += s->evicted;
	}
}

const struct engine_queries *
fleet_worker_queries(const struct fleet_worker *w, uint64_t *narrowed)
{
	*narrowed = w->narrowed;
	return &w->queries;
}

void
fleet_worker_free(struct fleet_worker *w)
{
	if (w == NULL)
		return;
	smtp_probe_cache_free(w->probes);	/* runs still in flight lose their probes' answers */
	for (size_t i = 0; i < w->nq; i++)
		job_free(w->queue[i]);
	free(w->queue);
	if (w->timer)
		event_free(w->timer);
	if (w->beat)
		event_free(w->beat);
	if (w->commit)
		event_free(w->commit);
	/* a batch never committed (the worker abandoned): undone, its domains claimed again later */
	/* the puts sent are answered first: their tickets and jobs are freed below */
	if (w->npending > 0) {
		w->flushing = true;
		fleet_async_pump(w->cfg.fleet, true);
	}
	if (w->npend || fleet_in_tx(w->cfg.fleet))
		fleet_rollback(w->cfg.fleet);
	for (size_t i = 0; i < w->npend; i++)
		ticket_free(w->pend[i]);
	free(w->pend);
	fleet_async_notify(w->cfg.fleet, NULL, NULL);
	if (w->dbev)
		event_free(w->dbev);
	if (w->deliver)
		event_free(w->deliver);
	for (size_t i = 0; i < w->nprof; i++) {
		free(w->pnames[i]);
		profile_free(w->profs[i]);
	}
	free(w->pnames);
	free(w->profs);
	free(w);
}
