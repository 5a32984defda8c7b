/* src/engine/engine.c - the check engine: many domains in flight on one event loop */
#include "engine/engine.h"
#include "engine/session.h"
#include "core/finding.h"
#include "dns/resolver.h"
#include "http/http_fetch.h"
#include "smtp/smtp_probe.h"
#include "smtp/smtp_probe_cache.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

struct engine_run {
	struct engine_config cfg;	/* copied; its pointers borrowed */
	struct event_base *base;
	struct audit_env env;
	struct smtp_probe_cache *own_probes;	/* when cfg.probes is NULL */
	char **domains;			/* copied */
	size_t n, next, active;
	struct event *kick;		/* start, then the done callback, from the loop */
	struct event *deadline;
	struct event *recancel;	/* after the deadline: fail what was started since, every tick */
	const char *why;	/* why the run's work is being cancelled, or NULL */
	bool cancelled;		/* engine_cancel: no more on_result */
	bool over;		/* on_done is scheduled */
};

static void start_more(struct engine_run *r);

static bool
area_selected(const struct engine_config *cfg, const char *area)
{
	if (cfg->only == NULL)
		return true;
	for (char *const *p = cfg->only; *p; p++)
		if (strcmp(*p, area) == 0)
			return true;
	return false;
}

#define SORT_ON_STACK	64	/* findings sorted without a heap copy: a domain has 10-40 */

/* The sort key of a finding: its area's place in the registry, its own place in emission order. */
struct area_key {
	int	rank;
	size_t	at;
};

/* cmp_area_key - by area rank, then emission order */
static int
cmp_area_key(const void *x, const void *y)
{
	const struct area_key *a = x, *b = y;

	if (a->rank != b->rank)
		return a->rank - b->rank;
	return a->at < b->at ? -1 : a->at > b->at;
}

/*
 * sort_by_area - l's findings grouped by area in the registry's order, each
 * area's in emission order (stable whatever qsort does: the keys are
 * distinct).  An area's rank is looked up once per run of its findings, not
 * twice per comparison.
 */
static void
sort_by_area(struct finding_list *l)
{
	struct area_key kst[SORT_ON_STACK], *k = kst;
	struct finding vst[SORT_ON_STACK], *v = vst;
	const char *last = NULL;
	int rank = 0;
	bool sorted = true;

	if (l->n < 2)
		return;
	if (l->n > SORT_ON_STACK) {
		k = xcalloc(l->n, sizeof(*k));
		v = xcalloc(l->n, sizeof(*v));
	}
	for (size_t i = 0; i < l->n; i++) {
		const char *area = finding_defs[l->v[i].id].area;

		if (area != last) {
			rank = check_area_rank(area);
			last = area;
		}
		k[i].rank = rank;
		k[i].at = i;
		if (i > 0 && rank < k[i - 1].rank)
			sorted = false;
	}
	if (!sorted) {
		qsort(k, l->n, sizeof(*k), cmp_area_key);
		for (size_t i = 0; i < l->n; i++)
			v[i] = l->v[k[i].at];
		memcpy(l->v, v, l->n * sizeof(*v));
	}
	if (k != kst) {
		free(k);
		free(v);
	}
}

/* run_free - the run and its events */
static void
run_free(struct engine_run *r)
{
	if (r->kick)
		event_free(r->kick);
	if (r->deadline)
		event_free(r->deadline);
	if (r->recancel)
		event_free(r->recancel);
	smtp_probe_cache_free(r->own_probes);
	for (size_t i = 0; i < r->n; i++)
		free(r->domains[i]);
	free(r->domains);
	free(r);
}

/* on_over - the run's end, from the loop: on_done, then free */
static void
on_over(evutil_socket_t fd, short what, void *arg)
{
	struct engine_run *r = arg;

	(void)fd;
	(void)what;
	if (r->cfg.on_done)
		r->cfg.on_done(r->cfg.arg);
	run_free(r);
}

/* maybe_over - when nothing is left to start or finish, schedule on_done */
static void
maybe_over(struct engine_run *r)
{
	struct timeval now = { 0, 0 };

	if (r->over || r->active > 0 || r->next < r->n)
		return;
	r->over = true;
	if (r->deadline)
		evtimer_del(r->deadline);
	if (r->recancel)
		evtimer_del(r->recancel);
	event_free(r->kick);
	r->kick = evtimer_new(r->base, on_over, r);
	evtimer_add(r->kick, &now);
}

/* add_queries - a finished audit's lookups per area into q */
static void
add_queries(struct engine_queries *q, const struct audit *a)
{
	if (q->n == 0)
		q->n = 1;
	for (size_t i = 0; i < a->nqueries; i++) {
		size_t j = 0;

		if (i > 0) {
			for (j = 1; j < q->n; j++)
				if (strcmp(q->area[j], a->queries[i].area) == 0)
					break;
			if (j == q->n) {
				if (j == AUDIT_AREAS_MAX)
					j = 0;
				else
					q->area[q->n++] = a->queries[i].area;
			}
		}
		q->sent[j] += a->queries[i].sent;
		q->shared[j] += a->queries[i].shared;
	}
	q->audits++;
}

/* engine_queries_print - the lookups per domain by area, one line (engine.h) */
void
engine_queries_print(FILE *f, const struct engine_queries *q)
{
	double n = q->audits ? (double)q->audits : 1.0;
	uint64_t sent = 0, shared = 0;
	bool first = true;

	fprintf(f, "mailsec: DNS queries per domain by area:");
	for (const struct check_def *c = check_registry(); c->area; c++)
		for (size_t j = 1; j < q->n; j++)
			if (strcmp(q->area[j], c->area) == 0) {
				fprintf(f, "%s %s %.2f", first ? "" : ",", c->area, (double)q->sent[j] / n);
				first = false;
			}
	for (size_t j = 0; j < q->n; j++) {
		sent += q->sent[j];
		shared += q->shared[j];
	}
	if (q->n > 0 && q->sent[0])
		fprintf(f, "%s other %.2f", first ? "" : ",", (double)q->sent[0] / n);
	fprintf(f, "; %.2f in all; %.2f more lookups answered from the audit's memo\n",
	    (double)sent / n, (double)shared / n);
}

static void
audit_done(struct audit *a, void *arg)
{
	struct engine_run *r = arg;
	const struct engine_config *cfg = &r->cfg;
	struct finding_list *l = &a->findings;
	size_t o = 0;

	if (r->cancelled)
		goto out;
	/* --only also filters what a check raised outside its own area. */
	for (size_t i = 0; i < l->n; i++) {
		if (area_selected(cfg, finding_defs[l->v[i].id].area))
			l->v[o++] = l->v[i];
		else
			finding_clear(&l->v[i]);
	}
	l->n = o;
	/* After --only (a superseding id from an area not run does not count), before --ignore. */
	findings_drop_superseded(l);
	findings_apply(l, a->opts->profile, cfg->ignore);
	sort_by_area(l);
	cfg->on_result(a, cfg->arg);
out:
	if (cfg->queries)
		add_queries(cfg->queries, a);
	audit_free(a);
	r->active--;
	start_more(r);
}

static void
start_more(struct engine_run *r)
{
	const struct engine_config *cfg = &r->cfg;
	size_t max = cfg->max_inflight ? cfg->max_inflight : 64;

	if (max > ENGINE_MAX_INFLIGHT)
		max = ENGINE_MAX_INFLIGHT;	/* memory and libunbound's limit: engine.h */
	if (r->env.res->stats.backlog > ENGINE_MAX_BACKLOG && r->next < r->n && !r->cancelled) {
		/* the resolver still works on queries given up on: wait for it to drain */
		struct timeval later = { 0, 20000 };

		if (!evtimer_pending(r->kick, NULL))
			evtimer_add(r->kick, &later);
		maybe_over(r);
		return;
	}
	while (r->active < max && r->next < r->n) {
		size_t i = r->next++;
		const struct check_options *opts = cfg->domain_opts && cfg->domain_opts[i] ?
		    cfg->domain_opts[i] : cfg->opts;
		struct audit *a = audit_new(r->domains[i], i, opts, &r->env, r, audit_done, r);

		a->areas = cfg->only;	/* the config outlives the run's audits */
		a->areas_known = true;
		r->active++;
		if (cfg->max_active && r->active > *cfg->max_active)
			*cfg->max_active = r->active;
		audit_hold(a);
		for (const struct check_def *c = check_registry(); c->area; c++)
			if (area_selected(cfg, c->area)) {
				audit_set_area(a, c->area);
				c->start(a);
			}
		audit_set_area(a, NULL);
		audit_release(a);
	}
	if (r->why && r->active > 0 && !evtimer_pending(r->recancel, NULL)) {
		struct timeval now = { 0, 0 };

		evtimer_add(r->recancel, &now);
	}
	maybe_over(r);
}

#define DEADLINE_WHY	"total deadline reached"
#define CANCEL_WHY	"run cancelled"

/* cancel_everything - this run's DNS lookups, STARTTLS probes and HTTPS fetches in flight */
static void
cancel_everything(struct engine_run *r)
{
	resolver_cancel_owned(r->env.res, r, r->why);
	smtp_probe_cancel_owned(r->env.smtp, r, r->why);
	smtp_probe_cache_cancel_owned(r->env.probes, r, r->why);
	http_client_cancel_owned(r->env.http, r, r->why);
}

/* recancel - after the deadline, whatever a callback started meanwhile ends within a tick */
static void
recancel(evutil_socket_t fd, short what, void *arg)
{
	struct engine_run *r = arg;
	struct timeval tick = { 0, 20000 };

	(void)fd;
	(void)what;
	cancel_everything(r);
	if (r->active > 0)
		evtimer_add(r->recancel, &tick);
}

static void
deadline_hit(evutil_socket_t fd, short what, void *arg)
{
	struct engine_run *r = arg;

	(void)fd;
	(void)what;
	if (!r->cancelled)
		r->why = DEADLINE_WHY;
	cancel_everything(r);
	if (r->active > 0 && !evtimer_pending(r->recancel, NULL)) {
		struct timeval tick = { 0, 20000 };

		evtimer_add(r->recancel, &tick);
	}
}

/* on_start - the first domains, from the loop (never inside engine_submit) */
static void
on_start(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	start_more(arg);
}

struct engine_run *
engine_submit(struct session *s, const struct engine_config *cfg, char *const *domains, size_t n)
{
	struct engine_run *r = xcalloc(1, sizeof(*r));
	struct timeval now = { 0, 0 };

	r->cfg = *cfg;
	r->base = s->base;
	r->env = s->env;
	if (cfg->probes) {
		r->env.probes = cfg->probes;
	} else if (s->smtp) {
		r->own_probes = smtp_probe_cache_new(s->smtp, true);
		r->env.probes = r->own_probes;
	}
	r->n = n;
	r->domains = xcalloc(n ? n : 1, sizeof(*r->domains));
	for (size_t i = 0; i < n; i++)
		r->domains[i] = xstrdup(domains[i]);
	r->recancel = evtimer_new(r->base, recancel, r);
	if (cfg->deadline > 0) {
		struct timeval tv = { (time_t)cfg->deadline,
		    (suseconds_t)((cfg->deadline - (double)(time_t)cfg->deadline) * 1e6) };

		r->deadline = evtimer_new(r->base, deadline_hit, r);
		evtimer_add(r->deadline, &tv);
	}
	r->kick = evtimer_new(r->base, on_start, r);
	evtimer_add(r->kick, &now);
	return r;
}

void
engine_cancel(struct engine_run *r)
{
	struct timeval now = { 0, 0 };

	if (r == NULL || r->cancelled)
		return;
	r->cancelled = true;
	r->why = CANCEL_WHY;
	if (r->next == 0 && !r->over) {
		/* not started yet: nothing in flight */
		r->next = r->n;
		maybe_over(r);
		return;
	}
	r->next = r->n;
	if (r->active > 0)
		evtimer_add(r->recancel, &now);	/* from the loop */
	else
		maybe_over(r);
}

/* What engine_run waits for. */
struct blocking {
	const struct engine_config *cfg;
	bool done;
};

/* blocking_result - engine_run's on_result: the caller's */
static void
blocking_result(struct audit *a, void *arg)
{
	struct blocking *b = arg;

	b->cfg->on_result(a, b->cfg->arg);
}

/* blocking_done - engine_run's on_done: note it, then the caller's */
static void
blocking_done(void *arg)
{
	struct blocking *b = arg;

	b->done = true;
	if (b->cfg->on_done)
		b->cfg->on_done(b->cfg->arg);
}

void
engine_run(struct session *s, const struct engine_config *cfg, char *const *domains, size_t n)
{
	struct blocking b = { .cfg = cfg, .done = false };
	struct engine_config c = *cfg;

	c.on_result = blocking_result;
	c.on_done = blocking_done;
	c.arg = &b;
	engine_submit(s, &c, domains, n);
	session_wait(s, &b.done);
}
