/* src/reports/spf_walk.c - which include: of a domain's SPF policy authorises each report source */
#include "reports/spf_walk.h"
#include "policy/spf_eval.h"
#include "dns/resolver.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WALK_INFLIGHT	64	/* evaluations running at once */
#define WALK_CACHE_MAX	20000	/* answers the evaluations share */
#define WALK_PROBE	"192.0.2.1"	/* RFC 5737: an address no policy should list */

struct walk_job {
	struct spf_walk	*w;
	size_t		 i;
	struct spf_eval	*ev;
};

struct spf_walk {
	struct resolver	*res;
	struct spf_cache *cache;
	char		*sender;
	struct walk_job	*jobs;
	struct ipaddr	*ips;
	char		**labels;
	size_t		 nsrc;		/* the sources; ips[nsrc] is the probe */
	size_t		 n, started, inflight;
	size_t		 status_at;	/* the source the status is about; n: none */
	char		*status;	/* NULL: ok */
	void		(*done)(struct spf_walk *w, void *arg);	/* or NULL */
	void		*done_arg;
};

static void walk_next(struct spf_walk *w);

/* on_done - one source evaluated: keep its label, or its problem if it is the first */
static void
on_done(struct spf_eval *ev, const struct spf_outcome *out, void *arg)
{
	struct walk_job *j = arg;
	struct spf_walk *w = j->w;

	if (out->result == SPF_PASS && out->matched_via)
		w->labels[j->i] = xstrdup(out->matched_via);
	if ((out->result == SPF_NONE || out->result == SPF_TEMPERROR ||
	    out->result == SPF_PERMERROR) && j->i < w->status_at) {
		free(w->status);
		w->status = xasprintf("%s: %s", spf_result_name(out->result),
		    out->problem ? out->problem : "no reason given");
		w->status_at = j->i;
	}
	spf_eval_free(ev);
	j->ev = NULL;
	w->inflight--;
	walk_next(w);
	if (w->inflight == 0 && w->started == w->n && w->done)
		w->done(w, w->done_arg);
}

/* walk_next - start evaluations until WALK_INFLIGHT run or none are left */
static void
walk_next(struct spf_walk *w)
{
	while (w->started < w->n && w->inflight < WALK_INFLIGHT) {
		struct walk_job *j = &w->jobs[w->started];
		struct spf_request req;

		memset(&req, 0, sizeof(req));
		req.ip = w->ips[w->started];
		req.sender = w->sender;
		req.now = (int64_t)time(NULL);
		req.cache = w->cache;
		j->w = w;
		j->i = w->started++;
		w->inflight++;
		j->ev = spf_eval_start(w->res, &req, on_done, j);
	}
}

struct spf_walk *
spf_walk_start(struct resolver *res, const char *domain, const struct ipaddr *ips, size_t n,
    void (*done)(struct spf_walk *w, void *arg), void *arg)
{
	struct spf_walk *w = xcalloc(1, sizeof(*w));

	w->res = res;
	w->done = done;
	w->done_arg = arg;
	w->cache = spf_cache_new(WALK_CACHE_MAX);
	w->sender = xstrdup(domain);	/* check_host() makes it postmaster@domain (§4.3) */
	w->nsrc = n;
	w->n = n + 1;
	w->status_at = w->n;
	w->jobs = xcalloc(w->n, sizeof(*w->jobs));
	w->ips = xcalloc(w->n, sizeof(*w->ips));
	w->labels = xcalloc(w->n, sizeof(*w->labels));
	if (n)
		memcpy(w->ips, ips, n * sizeof(*ips));
	/*
	 * The probe: an address the policy does not list walks every term (and
	 * redirect=) of it, so a policy that breaks only for such senders (a
	 * loop, an 11th lookup after the networks) is reported even when every
	 * source matched early, or there are no sources.
	 */
	if (ipaddr_parse(WALK_PROBE, &w->ips[n]) != MS_OK)
		abort();	/* a constant */
	walk_next(w);
	return w;
}

const char *
spf_walk_label(const struct spf_walk *w, size_t i)
{
	return w && i < w->nsrc ? w->labels[i] : NULL;
}

const char *
spf_walk_status(const struct spf_walk *w)
{
	return w->status ? w->status : "ok";
}

void
spf_walk_free(struct spf_walk *w)
{
	if (w == NULL)
		return;
	/* Called once done has run: no evaluation is still running. */
	for (size_t i = 0; i < w->n; i++)
		free(w->labels[i]);
	free(w->status);
	spf_cache_free(w->cache);
	free(w->labels);
	free(w->ips);
	free(w->jobs);
	free(w->sender);
	free(w);
}
