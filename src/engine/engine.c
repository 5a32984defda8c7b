/* src/engine/engine.c - the check engine: many domains in flight on one event loop */
#include "engine/engine.h"
#include "core/finding.h"
#include "dns/resolver.h"
#include "http/http_fetch.h"
#include "smtp/smtp_probe.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

struct run {
	const struct engine_config *cfg;
	char *const *domains;
	size_t n, next, active;
	struct event *deadline;
	struct event *recancel;	/* after the deadline: fail what was started since, every tick */
	bool expired;
};

static void start_more(struct run *r);

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

/* cmp_area - stable grouping by area rank; ties keep emission order */
static int
cmp_area(const void *x, const void *y)
{
	const struct finding *a = x, *b = y;
	int ra = check_area_rank(finding_defs[a->id].area);
	int rb = check_area_rank(finding_defs[b->id].area);

	if (ra != rb)
		return ra - rb;
	return a < b ? -1 : a > b;
}

static void
audit_done(struct audit *a, void *arg)
{
	struct run *r = arg;
	const struct engine_config *cfg = r->cfg;
	struct finding_list *l = &a->findings;
	size_t o = 0;

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
	findings_apply(l, cfg->opts->profile, cfg->ignore);
	/* qsort is not stable: the address tie-break in cmp_area keeps emission order. */
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_area);
	cfg->on_result(a, cfg->arg);
	audit_free(a);
	r->active--;
	start_more(r);
}

static void
start_more(struct run *r)
{
	const struct engine_config *cfg = r->cfg;
	size_t max = cfg->max_inflight ? cfg->max_inflight : 64;

	while (r->active < max && r->next < r->n) {
		size_t i = r->next++;
		struct audit *a = audit_new(r->domains[i], i, cfg->opts, cfg->res, audit_done, r);

		r->active++;
		audit_hold(a);
		for (const struct check_def *c = check_registry(); c->area; c++)
			if (area_selected(cfg, c->area))
				c->start(a);
		audit_release(a);
	}
	if (r->expired && r->active > 0 && !evtimer_pending(r->recancel, NULL)) {
		struct timeval now = { 0, 0 };

		evtimer_add(r->recancel, &now);
	}
}

#define DEADLINE_WHY	"total deadline reached"

/* cancel_everything - DNS lookups, STARTTLS probes and HTTPS fetches in flight */
static void
cancel_everything(struct run *r)
{
	resolver_cancel_all(r->cfg->res, DEADLINE_WHY);
	smtp_probe_cancel_all(DEADLINE_WHY);
	http_client_cancel_all(r->cfg->opts->http, DEADLINE_WHY);
}

static void
deadline_hit(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;

	(void)fd;
	(void)what;
	r->expired = true;
	cancel_everything(r);
	if (r->active > 0 && !evtimer_pending(r->recancel, NULL)) {
		struct timeval tick = { 0, 20000 };

		evtimer_add(r->recancel, &tick);
	}
}

/* recancel - after the deadline, whatever a callback started meanwhile ends within a tick */
static void
recancel(evutil_socket_t fd, short what, void *arg)
{
	struct run *r = arg;
	struct timeval tick = { 0, 20000 };

	(void)fd;
	(void)what;
	cancel_everything(r);
	if (r->active > 0)
		evtimer_add(r->recancel, &tick);
}

void
engine_run(const struct engine_config *cfg, char *const *domains, size_t n)
{
	struct run r = { .cfg = cfg, .domains = domains, .n = n };

	if (cfg->deadline > 0) {
		struct timeval tv = { (time_t)cfg->deadline,
		    (suseconds_t)((cfg->deadline - (double)(time_t)cfg->deadline) * 1e6) };

		r.deadline = evtimer_new(cfg->base, deadline_hit, &r);
		r.recancel = evtimer_new(cfg->base, recancel, &r);
		evtimer_add(r.deadline, &tv);
	}
	start_more(&r);
	while (r.active > 0 || r.next < r.n)
		if (event_base_loop(cfg->base, EVLOOP_ONCE) != 0)
			break;
	if (r.deadline) {
		event_free(r.deadline);
		event_free(r.recancel);
	}
}

char *
engine_domain_normalise(const char *in, const char **why)
{
	char *d = str_lower(xstrdup(in));
	size_t n = strlen(d);

	*why = NULL;
	if (n > 1 && d[n - 1] == '.')
		d[n - 1] = '\0';
	for (const char *p = d; *p; p++) {
		if ((unsigned char)*p >= 0x80) {
			*why = "not ASCII: give the A-label (xn--) form of an internationalised name";
			free(d);
			return NULL;
		}
	}
	if (!dns_name_check_host(d, why)) {
		free(d);
		return NULL;
	}
	if (strchr(d, '.') == NULL) {
		*why = "not a fully qualified domain name (it has no dot)";
		free(d);
		return NULL;
	}
	return d;
}
