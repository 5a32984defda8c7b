/* src/policy/spf_eval.c - check_host() (RFC 7208 §4-§8) on the asynchronous resolver */
#include "policy/spf_eval.h"
#include "policy/spf_parse.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * One evaluation is a small machine with at most one DNS query in flight:
 * a stack of frames (the top-level record, then one per include being
 * evaluated); each answer advances the top frame.  Many evaluations run at
 * once on the same resolver and event loop.
 */

#define DEPTH_MAX	(SPF_LOOKUP_LIMIT + 2)
#define TRACE_MAX	(64u * 1024)

enum fstate {
	FS_START,	/* look up the TXT record of domain */
	FS_RECORD,	/* the TXT answer is in */
	FS_TERMS,	/* evaluate terms[i] */
	FS_A_WAIT,	/* a: the address answer */
	FS_MX_WAIT,	/* mx: the MX answer */
	FS_MXA_WAIT,	/* mx: the address answer of MX host k */
	FS_EXISTS_WAIT,	/* exists: the A answer */
	FS_INCLUDE_WAIT,	/* include: a child frame is running */
	FS_EXP_WAIT,	/* exp=: the TXT answer */
	FS_EXP_TEXT	/* exp=: expand the text (may need %{p}) */
};

struct frame {
	char		*domain;
	struct spf_record *rec;
	size_t		 i;
	enum fstate	 state;
	bool		 redirected;
	bool		 counted;	/* terms[i] already counted towards the limit */
	struct dns_answer *mx;		/* mx: the MX answer being walked */
	size_t		 k;
	char		*target;	/* a/mx: the expanded domain */
};

/* Validated names of the client address (§5.5), for ptr and %{p}. */
enum vstate { V_IDLE, V_PTR_WAIT, V_ADDR_WAIT, V_DONE };

#define CACHE_BUCKETS	4096

struct cache_entry {
	struct cache_entry *next;
	char		*name;		/* lower case */
	uint16_t	 type;
	struct dns_answer *ans;
};

/*
 * A record text seen by a batch: parsed once the second evaluation meets it
 * (most records are a sender domain's own, met once; a provider's, met by
 * thousands), so spf_parse runs once per record instead of once per use.
 */
struct rec_entry {
	struct rec_entry *next;
	unsigned	 hash;
	size_t		 len;
	char		*text;		/* the key: the TXT text (NUL-terminated copy) */
	bool		 parsed;	/* rec/st/err hold spf_parse's answer */
	enum ms_status	 st;		/* MS_OK or the syntax failure */
	struct spf_record *rec;		/* MS_OK: in the cache's arena */
	struct spf_error err;		/* otherwise (msg is static) */
};

struct spf_cache {
	struct cache_entry *bucket[CACHE_BUCKETS];
	size_t		 n, max;
	struct rec_entry *rbucket[CACHE_BUCKETS];
	size_t		 nrec;
	struct arena	 ar;		/* the parsed records */
};

struct spf_eval {
	struct arena	 ar;
	struct resolver	*res;
	const void	*owner;		/* tags the lookups */
	struct spf_cache *cache;
	const struct spf_lookup_hook *hook;	/* the audit memo, or NULL (spf_request) */
	struct ipaddr	 ip;
	char		*sender, *local, *sender_domain, *helo, *receiver;
	int64_t		 now;
	bool		 tracing;
	struct frame	 fr[DEPTH_MAX];
	int		 depth;		/* index of the top frame */
	unsigned	 lookups, voids;
	enum vstate	 vstate;
	struct dns_answer *ptr;
	size_t		 vk;
	char		*vnames[SPF_PTR_NAMES_LIMIT];
	size_t		 nvnames;
	char		*exp_text;
	struct dns_answer *ans;		/* the answer being consumed */
	bool		 finished;
	struct spf_outcome out;
	struct buf	 trace;
	spf_done_cb	 done;
	void		*arg;
};

static void step(struct spf_eval *ev);

const char *
spf_result_name(enum spf_result r)
{
	static const char *const names[] = { "none", "neutral", "pass", "fail", "softfail",
	    "temperror", "permerror" };

	return names[r];
}

/* tracef - one line of the step-by-step trace (bounded; silently stops when full) */
static void __attribute__((format(printf, 2, 3)))
tracef(struct spf_eval *ev, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!ev->tracing)
		return;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	/* a full trace loses its tail; deliver_done says where it was cut */
	for (int d = 0; d < ev->depth; d++)
		buf_adds(&ev->trace, "  ");
	buf_adds(&ev->trace, s);
	buf_addc(&ev->trace, '\n');
	free(s);
}

/* deliver_done - run the caller's callback from the loop, once */
static void
deliver_done(evutil_socket_t fd, short what, void *arg)
{
	struct spf_eval *ev = arg;

	(void)fd;
	(void)what;
	ev->out.trace = buf_status(&ev->trace) == MS_OK ? buf_cstr(&ev->trace) :
	    arena_buf_text(&ev->ar, &ev->trace);
	ev->done(ev, &ev->out, ev->arg);
}

/* finish - the evaluation's result; done runs from the loop */
static void
finish(struct spf_eval *ev, enum spf_result r, const char *problem)
{
	struct timeval zero = { 0, 0 };

	if (ev->finished)
		return;
	ev->finished = true;
	ev->out.result = r;
	if (problem && ev->out.problem == NULL)
		ev->out.problem = arena_strdup(&ev->ar, problem);
	ev->out.lookups = ev->lookups;
	ev->out.void_lookups = ev->voids;
	tracef(ev, "result: %s%s%s", spf_result_name(r), problem ? " - " : "",
	    problem ? problem : "");
	for (int d = 0; d < DEPTH_MAX; d++) {
		dns_answer_unref(ev->fr[d].mx);
		ev->fr[d].mx = NULL;
	}
	event_base_once(ev->res->base, -1, EV_TIMEOUT, deliver_done, ev, &zero);
}

struct spf_cache *
spf_cache_new(size_t max)
{
	struct spf_cache *c = xcalloc(1, sizeof(*c));

	c->max = max;
	arena_init(&c->ar);
	return c;
}

void
spf_cache_free(struct spf_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < CACHE_BUCKETS; i++) {
		struct cache_entry *e, *next;

		for (e = c->bucket[i]; e; e = next) {
			next = e->next;
			dns_answer_unref(e->ans);
			free(e->name);
			free(e);
		}
		for (struct rec_entry *r = c->rbucket[i], *rn; r; r = rn) {
			rn = r->next;
			free(r->text);
			free(r);
		}
	}
	arena_free(&c->ar);
	free(c);
}

/* cache_slot - the bucket of name/type (name already lower case) */
static struct cache_entry **
cache_slot(struct spf_cache *c, const char *name, uint16_t type)
{
	unsigned h = type * 31u;

	for (const char *p = name; *p; p++)
		h = h * 33u + (unsigned char)*p;
	return &c->bucket[h % CACHE_BUCKETS];
}

/* cache_get - a kept answer for name/type (borrowed), or NULL */
static struct dns_answer *
cache_get(struct spf_cache *c, const char *name, uint16_t type)
{
	char key[4 * DNS_NAME_MAX + 1];	/* query() never asks longer */
	struct cache_entry *e;
	size_t n = strlen(name);

	if (n >= sizeof(key))
		return NULL;
	for (size_t i = 0; i <= n; i++)
		key[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] + 32) : name[i];
	for (e = *cache_slot(c, key, type); e; e = e->next)
		if (e->type == type && strcmp(e->name, key) == 0)
			break;
	return e ? e->ans : NULL;
}

/*
 * parse_record - spf_parse of text[0..len) for ev: from the batch's cache
 * when the record was met before (the record then lives in the cache,
 * which outlives every evaluation of the batch), else into ev's arena.
 * Same status, record and error as spf_parse.
 */
static enum ms_status
parse_record(struct spf_eval *ev, const char *text, size_t len, struct spf_record **out,
    struct spf_error *err)
{
	struct spf_cache *c = ev->cache;
	struct rec_entry *r, **slot;
	unsigned h = 5381;

	if (c == NULL)
		return xnomem(spf_parse(text, len, &ev->ar, out, err));
	for (size_t i = 0; i < len; i++)
		h = h * 33u + (unsigned char)text[i];
	slot = &c->rbucket[h % CACHE_BUCKETS];
	for (r = *slot; r; r = r->next)
		if (r->hash == h && r->len == len && memcmp(r->text, text, len) == 0)
			break;
	if (r == NULL) {	/* the first time: keep the text only */
		if (c->nrec < c->max) {
			r = xcalloc(1, sizeof(*r));
			r->hash = h;
			r->len = len;
			r->text = xmemdup(text, len + 1);
			r->text[len] = '\0';
			r->next = *slot;
			*slot = r;
			c->nrec++;
		}
		return xnomem(spf_parse(text, len, &ev->ar, out, err));
	}
	if (!r->parsed) {
		r->st = xnomem(spf_parse(r->text, len, &c->ar, &r->rec, &r->err));
		r->parsed = true;
	}
	*out = r->rec;
	*err = r->err;
	return r->st;
}

/* cache_put - keep ans unless it is a failure, already kept, or the cache is full */
static void
cache_put(struct spf_cache *c, struct dns_answer *ans)
{
	char *key;
	struct cache_entry *e, **slot;

	if (c->n >= c->max || dns_answer_failed_status(ans->status))
		return;
	key = str_lower(xstrdup(ans->qname));
	slot = cache_slot(c, key, ans->qtype);
	for (e = *slot; e; e = e->next)
		if (e->type == ans->qtype && strcmp(e->name, key) == 0) {
			free(key);
			return;
		}
	e = xcalloc(1, sizeof(*e));
	e->name = key;
	e->type = ans->qtype;
	e->ans = dns_answer_ref(ans);
	e->next = *slot;
	*slot = e;
	c->n++;
}

/* on_answer - the resolver's callback: keep the answer (and share it) and advance the machine */
static void
on_answer(struct dns_answer *ans, void *arg)
{
	struct spf_eval *ev = arg;

	if (ev->cache)
		cache_put(ev->cache, ans);
	ev->ans = dns_answer_ref(ans);
	step(ev);
}

/*
 * query - start a lookup.  Returns true when it is in flight (the caller
 * returns to the loop); false when the answer is already here, in ev->ans:
 * from the shared cache, or NXDOMAIN for a name that cannot be asked.  The
 * caller then continues at once.
 */
static bool
query(struct spf_eval *ev, const char *raw, uint16_t type)
{
	char *name;

	/* Macro expansion can put any byte in a name: ask in presentation form. */
	{
		char pres[4 * DNS_NAME_MAX + 1];
		size_t n = 0;

		for (const unsigned char *p = (const unsigned char *)raw; *p && n < sizeof(pres);
		    p++) {
			if (*p <= 0x20 || *p >= 0x7f || *p == '\\' || *p == '"' || *p == ';' ||
			    *p == '(' || *p == ')') {
				if (n + 4 > sizeof(pres) - 1) {
					n = sizeof(pres);
					break;
				}
				n += (size_t)snprintf(pres + n, 5, "\\%03u", *p);
			} else {
				pres[n++] = (char)*p;
			}
		}
		if (n >= sizeof(pres)) {
			/* longer than any name: answered as the resolver answers an invalid one */
			ev->ans = dns_answer_new(raw, type);
			ev->ans->status = DNS_NXDOMAIN;
			dns_answer_set_why(ev->ans, "not a valid domain name");
			return false;
		}
		name = arena_strndup(&ev->ar, pres, n);
	}
	if (ev->cache) {
		struct dns_answer *hit = cache_get(ev->cache, name, type);

		if (hit) {
			ev->ans = dns_answer_ref(hit);
			return false;	/* the caller goes on at once */
		}
	}
	if (ev->hook) {
		struct dns_answer *hit = ev->hook->peek(ev->hook->ctx, name, type);

		if (hit) {
			ev->ans = dns_answer_ref(hit);
			return false;	/* the caller goes on at once */
		}
		ev->hook->ask(ev->hook->ctx, name, type, on_answer, ev);
		return true;
	}
	if (resolver_query_owned(ev->res, ev->owner, name, type, on_answer, ev) == MS_OK)
		return true;
	ev->ans = dns_answer_new(name, type);
	ev->ans->status = DNS_NXDOMAIN;
	dns_answer_set_why(ev->ans, "not a valid domain name");
	return false;
}

/* take - the pending answer (the caller unrefs it) */
static struct dns_answer *
take(struct spf_eval *ev)
{
	struct dns_answer *a = ev->ans;

	ev->ans = NULL;
	return a;
}

/* domain_ok - §4.3: a multi-label name, labels 1..63, at most 253 bytes */
static bool
domain_ok(const char *d)
{
	size_t n = strlen(d), lab = 0, labels = 0;

	if (n > 0 && d[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || d[i] == '.') {
			if (lab == 0 || lab > 63)
				return false;
			labels++;
			lab = 0;
		} else {
			lab++;
		}
	}
	return labels >= 2;
}

/* macro_ctx - the macro values for the current domain */
static void
macro_ctx(struct spf_eval *ev, const char *domain, struct spf_macro_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->sender = ev->sender;
	c->local = ev->local;
	c->sender_domain = ev->sender_domain;
	c->domain = domain;
	c->ip = ev->ip;
	c->helo = ev->helo;
	c->receiver = ev->receiver;
	c->now = ev->now;
	c->pname = NULL;
	/* §7.3 p: the target domain if validated, else a subdomain of it, else any. */
	for (size_t i = 0; i < ev->nvnames; i++)
		if (dns_name_equal(ev->vnames[i], domain))
			c->pname = ev->vnames[i];
	for (size_t i = 0; c->pname == NULL && i < ev->nvnames; i++)
		if (dns_name_is_subdomain(ev->vnames[i], domain))
			c->pname = ev->vnames[i];
	if (c->pname == NULL && ev->nvnames > 0)
		c->pname = ev->vnames[0];
}

/*
 * expand_domain - expand a domain-spec for a query, cut to 253 bytes
 * (§7.3).  NULL on a syntax error or an expansion over the limit.
 */
static char *
expand_domain(struct spf_eval *ev, const char *spec, const char *domain)
{
	struct spf_macro_ctx c;
	struct buf b;
	char *out = NULL;
	size_t n;

	macro_ctx(ev, domain, &c);
	buf_init(&b, SPF_EXPAND_MAX + 1);
	if (xnomem(spf_macro_expand(spec, strlen(spec), &c, false, &b)) == MS_OK) {
		out = arena_strdup(&ev->ar, buf_cstr(&b));
		n = strlen(out);
		if (n > 1 && out[n - 1] == '.')
			out[n - 1] = '\0';
		if (!spf_domain_truncate(out))
			out = NULL;
	}
	buf_free(&b);
	return out;
}

/* need_p - whether spec uses %{p} and the validated names are not known yet */
static bool
need_p(struct spf_eval *ev, const char *spec)
{
	return spec && ev->vstate != V_DONE && spf_macro_uses(spec, 'p');
}

/*
 * vnames_step - advance the validated-names machine (§5.5): PTR of the
 * client address, then A/AAAA of at most 10 names.  Errors are not fatal:
 * a failed PTR gives no names, a failed address lookup skips that name.
 * Returns true while a query is in flight.
 */
static bool
vnames_step(struct spf_eval *ev)
{
	for (;;) {
		switch (ev->vstate) {
		case V_IDLE: {
			char rev[IPADDR_REVLEN];

			ipaddr_reverse_name(&ev->ip, rev);
			ev->vstate = V_PTR_WAIT;
			if (query(ev, rev, DNS_T_PTR))
				return true;
			continue;
		}
		case V_PTR_WAIT:
			ev->ptr = take(ev);
			tracef(ev, "PTR %s: %s, %zu name(s)", ev->ptr->qname,
			    dns_outcome_name(ev->ptr->status), ev->ptr->n);
			ev->vk = 0;
			ev->vstate = V_ADDR_WAIT;
			if (ev->ptr->status != DNS_OK || ev->ptr->n == 0) {
				ev->vstate = V_DONE;
				return false;
			}
			if (query(ev, ev->ptr->rr[0].u.name,
			    ev->ip.family == 4 ? DNS_T_A : DNS_T_AAAA))
				return true;
			continue;
		case V_ADDR_WAIT: {
			struct dns_answer *a = take(ev);

			if (a->status == DNS_OK)
				for (size_t i = 0; i < a->n; i++)
					if (ipaddr_equal(&a->rr[i].u.addr, &ev->ip) &&
					    ev->nvnames < SPF_PTR_NAMES_LIMIT) {
						ev->vnames[ev->nvnames++] = arena_strdup(&ev->ar,
						    ev->ptr->rr[ev->vk].u.name);
						tracef(ev, "validated name: %s",
						    ev->ptr->rr[ev->vk].u.name);
						break;
					}
			dns_answer_unref(a);
			ev->vk++;
			if (ev->vk >= ev->ptr->n || ev->vk >= SPF_PTR_NAMES_LIMIT) {
				ev->vstate = V_DONE;
				return false;
			}
			if (query(ev, ev->ptr->rr[ev->vk].u.name,
			    ev->ip.family == 4 ? DNS_T_A : DNS_T_AAAA))
				return true;
			continue;
		}
		case V_DONE:
			return false;
		}
	}
}

/* top - the frame being evaluated */
static struct frame *
top(struct spf_eval *ev)
{
	return &ev->fr[ev->depth];
}

/* next_term - no match: go on with the following term */
static void
next_term(struct frame *f)
{
	f->i++;
	f->counted = false;
	f->state = FS_TERMS;
}

/* frame_result - the frame's check_host() has a result */
static void frame_result(struct spf_eval *ev, enum spf_result r, const char *why);

/* match - terms[i] of the top frame matched: its qualifier is the result (§4.6.2) */
static void
match(struct spf_eval *ev)
{
	struct frame *f = top(ev);
	const struct spf_term *t = &f->rec->terms[f->i];
	enum spf_result r = t->qual == '-' ? SPF_FAIL : t->qual == '~' ? SPF_SOFTFAIL :
	    t->qual == '?' ? SPF_NEUTRAL : SPF_PASS;

	tracef(ev, "%s matches: %s", t->text, spf_result_name(r));
	if (ev->depth == 0) {
		ev->out.mechanism = t->text;
		ev->out.matched_via = t->mech == SPF_M_INCLUDE && f->target ? f->target : f->domain;
	}
	frame_result(ev, r, NULL);
}

static void
frame_result(struct spf_eval *ev, enum spf_result r, const char *why)
{
	struct frame *f = top(ev);

	if (f->redirected && r == SPF_NONE) {
		r = SPF_PERMERROR;	/* §6.1 */
		why = why ? arena_printf(&ev->ar, "redirect target %s: %s", f->domain, why) :
		    arena_printf(&ev->ar, "redirect target %s has no SPF record", f->domain);
	}
	if (r == SPF_TEMPERROR || r == SPF_PERMERROR) {
		finish(ev, r, why);
		return;
	}
	if (ev->depth == 0) {
		if (r == SPF_NONE) {
			finish(ev, r, why);
			return;
		}
		if (r == SPF_FAIL && f->rec && f->rec->exp) {
			f->state = FS_EXP_WAIT;
			f->target = NULL;
			return;	/* step() fetches the explanation */
		}
		finish(ev, r, NULL);
		return;
	}
	/* An include's result (§5.2). */
	/* §5.2: only an inner pass makes include match; fail, softfail, neutral go on */
	if (r == SPF_PASS)
		tracef(ev, "include %s: pass, so include:%s matches", f->domain, f->domain);
	else if (r == SPF_FAIL || r == SPF_SOFTFAIL || r == SPF_NEUTRAL)
		tracef(ev, "include %s: %s, so include:%s does not match: the next term is tried",
		    f->domain, spf_result_name(r), f->domain);
	else
		tracef(ev, "include %s: %s", f->domain, spf_result_name(r));
	dns_answer_unref(f->mx);
	memset(f, 0, sizeof(*f));
	ev->depth--;
	f = top(ev);
	if (r == SPF_NONE) {
		finish(ev, SPF_PERMERROR, arena_printf(&ev->ar,
		    "include:%s has no SPF record", ev->fr[ev->depth + 1].domain ?
		    ev->fr[ev->depth + 1].domain : "?"));
		return;
	}
	if (r == SPF_PASS)
		match(ev);
	else
		next_term(f);
}

/* count - §4.6.4: one more DNS-querying term; false (and permerror) past the limit */
static bool
count(struct spf_eval *ev, struct frame *f)
{
	if (f->counted)
		return true;
	f->counted = true;
	if (++ev->lookups > SPF_LOOKUP_LIMIT) {
		finish(ev, SPF_PERMERROR, arena_printf(&ev->ar,
		    "more than %d DNS-querying terms (at %s in the record of %s)",
		    SPF_LOOKUP_LIMIT, f->rec->terms[f->i].text, f->domain));
		return false;
	}
	return true;
}

/* lookup_failed - a term's lookup failed (SERVFAIL, timeout, bogus): temperror (§5), true */
static bool
lookup_failed(struct spf_eval *ev, const struct spf_term *t, const struct dns_answer *a)
{
	if (!dns_answer_failed_status(a->status))
		return false;
	frame_result(ev, SPF_TEMPERROR, arena_printf(&ev->ar, "%s: %s %s", t->text, a->qname,
	    dns_outcome_name(a->status)));
	return true;
}

/* void_lookup - §4.6.4: an answer with no records; false (and permerror) past the limit */
static bool
void_lookup(struct spf_eval *ev, const struct dns_answer *a)
{
	if (a->status == DNS_OK && a->n > 0)
		return true;
	if (++ev->voids > SPF_VOID_LIMIT) {
		finish(ev, SPF_PERMERROR, arena_printf(&ev->ar,
		    "more than %d void lookups (the last: %s)", SPF_VOID_LIMIT, a->qname));
		return false;
	}
	return true;
}

/* addr_match - whether the client address is in one of the answer's addresses/cidr */
static bool
addr_match(struct spf_eval *ev, const struct dns_answer *a, int c4, int c6)
{
	unsigned prefix = ev->ip.family == 4 ? (c4 < 0 ? 32u : (unsigned)c4) :
	    (c6 < 0 ? 128u : (unsigned)c6);

	if (a->status != DNS_OK)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if ((a->rr[i].type == DNS_T_A || a->rr[i].type == DNS_T_AAAA) &&
		    ipaddr_in_net(&ev->ip, &a->rr[i].u.addr, prefix))
			return true;
	return false;
}

const struct dns_rr *
spf_record_in(const struct dns_answer *ans, size_t *count)
{
	const struct dns_rr *found = NULL;

	*count = 0;
	for (size_t i = 0; ans->status == DNS_OK && i < ans->n; i++) {
		if (spf_is_record(ans->rr[i].u.txt.text, ans->rr[i].u.txt.len)) {
			found = &ans->rr[i];
			++*count;
		}
	}
	return found;
}

/* select_record - §4.5: exactly one "v=spf1" TXT record, or none */
static void
select_record(struct spf_eval *ev, struct frame *f, struct dns_answer *a)
{
	const struct dns_rr *found = NULL;
	struct spf_error err;
	size_t n = 0;

	if (dns_answer_failed_status(a->status)) {
		frame_result(ev, SPF_TEMPERROR, arena_printf(&ev->ar, "TXT %s: %s%s%s", f->domain,
		    dns_outcome_name(a->status), a->why ? " - " : "", a->why ? a->why : ""));
		return;
	}
	found = spf_record_in(a, &n);
	if (n > 1) {
		frame_result(ev, SPF_PERMERROR, arena_printf(&ev->ar,
		    "%s publishes %zu SPF records", f->domain, n));
		return;
	}
	if (n == 0) {
		tracef(ev, "%s: no SPF record (%s)", f->domain, dns_outcome_name(a->status));
		frame_result(ev, SPF_NONE, arena_printf(&ev->ar, "%s has no SPF record",
		    f->domain));
		return;
	}
	tracef(ev, "%s: \"%s\"", f->domain, found->u.txt.text);
	if (parse_record(ev, found->u.txt.text, found->u.txt.len, &f->rec, &err) != MS_OK) {
		frame_result(ev, SPF_PERMERROR, arena_printf(&ev->ar,
		    "syntax error in the record of %s at byte %zu: %s", f->domain, err.off,
		    err.msg));
		return;
	}
	if (ev->depth == 0)
		ev->out.record = f->rec->text;
	f->i = 0;
	f->counted = false;
	f->state = FS_TERMS;
}

/*
 * term - evaluate terms[i] of the top frame.  Returns true when a query is
 * in flight.
 */
static bool
term(struct spf_eval *ev, struct frame *f)
{
	const struct spf_term *t;
	const char *spec;

	if (f->i >= f->rec->nterms) {
		const struct spf_term *rd = f->rec->redirect;
		char *target;

		if (rd == NULL) {
			tracef(ev, "no match: neutral (default)");
			frame_result(ev, SPF_NEUTRAL, NULL);
			return false;
		}
		if (need_p(ev, rd->domain)) {
			return vnames_step(ev);
		}
		if (!count(ev, f))
			return false;
		if ((target = expand_domain(ev, rd->domain, f->domain)) == NULL) {
			frame_result(ev, SPF_PERMERROR, "redirect= does not expand to a domain");
			return false;
		}
		tracef(ev, "redirect=%s", target);
		f->domain = target;
		f->rec = NULL;
		f->redirected = true;
		f->state = FS_START;
		return false;
	}
	t = &f->rec->terms[f->i];
	if (t->kind != SPF_T_MECH) {
		next_term(f);
		return false;
	}
	spec = t->domain;
	if (need_p(ev, spec) || (t->mech == SPF_M_PTR && ev->vstate != V_DONE)) {
		if (t->mech == SPF_M_PTR && !count(ev, f))
			return false;
		return vnames_step(ev);
	}
	switch (t->mech) {
	case SPF_M_ALL:
		match(ev);
		return false;
	case SPF_M_IP4: case SPF_M_IP6: {
		int c = t->mech == SPF_M_IP4 ? t->cidr4 : t->cidr6;
		unsigned prefix = c >= 0 ? (unsigned)c : (t->mech == SPF_M_IP4 ? 32u : 128u);

		if (ipaddr_in_net(&ev->ip, &t->ip, prefix))
			match(ev);
		else {
			tracef(ev, "%s: no match", t->text);
			next_term(f);
		}
		return false;
	}
	default:
		break;
	}
	if (!count(ev, f))
		return false;
	f->target = spec ? expand_domain(ev, spec, f->domain) : f->domain;
	if (f->target == NULL) {
		frame_result(ev, SPF_PERMERROR, arena_printf(&ev->ar,
		    "%s does not expand to a domain", t->text));
		return false;
	}
	switch (t->mech) {
	case SPF_M_INCLUDE: {
		struct frame *c;

		tracef(ev, "include:%s", f->target);
		f->state = FS_INCLUDE_WAIT;
		if (ev->depth + 1 >= DEPTH_MAX) {
			frame_result(ev, SPF_PERMERROR, "includes nested too deeply");
			return false;
		}
		c = &ev->fr[++ev->depth];
		memset(c, 0, sizeof(*c));
		c->domain = f->target;
		c->state = FS_START;
		return false;
	}
	case SPF_M_A:
		f->state = FS_A_WAIT;
		return query(ev, f->target, ev->ip.family == 4 ? DNS_T_A : DNS_T_AAAA);
	case SPF_M_MX:
		f->state = FS_MX_WAIT;
		return query(ev, f->target, DNS_T_MX);
	case SPF_M_EXISTS:
		f->state = FS_EXISTS_WAIT;
		return query(ev, f->target, DNS_T_A);
	case SPF_M_PTR:
		/* §4.6.4: the ptr term's PTR query counts as void when it finds nothing. */
		if (ev->ptr && !dns_answer_failed_status(ev->ptr->status) &&
		    !void_lookup(ev, ev->ptr))
			return false;
		for (size_t i = 0; i < ev->nvnames; i++) {
			if (dns_name_is_subdomain(ev->vnames[i], f->target)) {
				match(ev);
				return false;
			}
		}
		tracef(ev, "%s: no validated name under %s", t->text, f->target);
		next_term(f);
		return false;
	default:
		break;
	}
	next_term(f);
	return false;
}

/* explanation - §6.2: the exp= text, or nothing (then the default applies) */
static bool
explanation(struct spf_eval *ev, struct frame *f)
{
	const struct spf_term *e = f->rec->exp;

	if (f->state == FS_EXP_WAIT && f->target == NULL && ev->ans == NULL) {
		if (need_p(ev, e->domain))
			return vnames_step(ev);
		f->target = expand_domain(ev, e->domain, f->domain);
		if (f->target == NULL || !domain_ok(f->target)) {
			finish(ev, SPF_FAIL, NULL);
			return false;
		}
		tracef(ev, "exp=%s", f->target);
		return query(ev, f->target, DNS_T_TXT) || explanation(ev, f);
	}
	if (f->state == FS_EXP_WAIT) {
		struct dns_answer *a = take(ev);

		if (a->status == DNS_OK && a->n == 1) {
			ev->exp_text = arena_strndup(&ev->ar, a->rr[0].u.txt.text,
			    a->rr[0].u.txt.len);
			if (strlen(ev->exp_text) != a->rr[0].u.txt.len)
				ev->exp_text = NULL;	/* NUL inside */
		}
		dns_answer_unref(a);
		if (ev->exp_text == NULL) {
			finish(ev, SPF_FAIL, NULL);
			return false;
		}
		f->state = FS_EXP_TEXT;
	}
	if (need_p(ev, ev->exp_text))
		return vnames_step(ev);
	{
		struct spf_macro_ctx c;
		struct buf b;
		bool ascii = true;

		macro_ctx(ev, f->domain, &c);
		buf_init(&b, SPF_EXPAND_MAX + 1);
		for (const char *p = ev->exp_text; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
				ascii = false;
		if (ascii && xnomem(spf_macro_expand(ev->exp_text, strlen(ev->exp_text), &c, true,
		    &b)) == MS_OK)
			ev->out.explanation = arena_strdup(&ev->ar, buf_cstr(&b));
		buf_free(&b);
		finish(ev, SPF_FAIL, NULL);
	}
	return false;
}

/* step - advance the evaluation until it waits for DNS or has a result */
static void
step(struct spf_eval *ev)
{
	while (!ev->finished) {
		struct frame *f = top(ev);
		struct dns_answer *a;

		/* An answer for the validated-names machine. */
		if (ev->vstate == V_PTR_WAIT || ev->vstate == V_ADDR_WAIT) {
			if (vnames_step(ev))
				return;
			continue;
		}
		switch (f->state) {
		case FS_START:
			if (!domain_ok(f->domain)) {
				frame_result(ev, SPF_NONE, arena_printf(&ev->ar,
				    "\"%s\" is not a valid domain name", f->domain));
				continue;
			}
			f->state = FS_RECORD;
			if (query(ev, f->domain, DNS_T_TXT))
				return;
			continue;
		case FS_RECORD:
			a = take(ev);
			select_record(ev, f, a);
			dns_answer_unref(a);
			continue;
		case FS_TERMS:
			if (term(ev, f))
				return;
			continue;
		case FS_A_WAIT: {
			const struct spf_term *t = &f->rec->terms[f->i];

			a = take(ev);
			if (!lookup_failed(ev, t, a) && void_lookup(ev, a)) {
				if (addr_match(ev, a, t->cidr4, t->cidr6))
					match(ev);
				else {
					tracef(ev, "%s: no match (%s)", t->text,
					    dns_outcome_name(a->status));
					next_term(f);
				}
			}
			dns_answer_unref(a);
			continue;
		}
		case FS_MX_WAIT: {
			const struct spf_term *t = &f->rec->terms[f->i];

			a = take(ev);
			if (!lookup_failed(ev, t, a) && void_lookup(ev, a)) {
				if (a->n + a->dropped > SPF_MX_NAMES_LIMIT) {
					frame_result(ev, SPF_PERMERROR, arena_printf(&ev->ar,
					    "%s: %zu MX names, more than %d", t->text,
					    a->n + a->dropped, SPF_MX_NAMES_LIMIT));
				} else if (a->status != DNS_OK || a->n == 0) {
					tracef(ev, "%s: no MX", t->text);
					next_term(f);
				} else {
					f->mx = dns_answer_ref(a);
					f->k = 0;
					f->state = FS_MXA_WAIT;
					dns_answer_unref(a);
					if (query(ev, f->mx->rr[0].u.mx.host,
					    ev->ip.family == 4 ? DNS_T_A : DNS_T_AAAA))
						return;
					continue;
				}
			}
			dns_answer_unref(a);
			continue;
		}
		case FS_MXA_WAIT: {
			const struct spf_term *t = &f->rec->terms[f->i];

			a = take(ev);
			if (lookup_failed(ev, t, a)) {
				dns_answer_unref(a);
				continue;
			}
			if (addr_match(ev, a, t->cidr4, t->cidr6)) {
				dns_answer_unref(a);
				dns_answer_unref(f->mx);
				f->mx = NULL;
				match(ev);
				continue;
			}
			dns_answer_unref(a);
			if (++f->k >= f->mx->n) {
				tracef(ev, "%s: no match", t->text);
				dns_answer_unref(f->mx);
				f->mx = NULL;
				next_term(f);
				continue;
			}
			if (query(ev, f->mx->rr[f->k].u.mx.host,
			    ev->ip.family == 4 ? DNS_T_A : DNS_T_AAAA))
				return;
			continue;
		}
		case FS_EXISTS_WAIT: {
			const struct spf_term *t = &f->rec->terms[f->i];

			a = take(ev);
			if (!lookup_failed(ev, t, a) && void_lookup(ev, a)) {
				if (a->status == DNS_OK && a->n > 0)
					match(ev);
				else {
					tracef(ev, "%s: no match", t->text);
					next_term(f);
				}
			}
			dns_answer_unref(a);
			continue;
		}
		case FS_INCLUDE_WAIT:
			/* Only reached if a child frame vanished: a broken invariant. */
			abort();
		case FS_EXP_WAIT: case FS_EXP_TEXT:
			if (explanation(ev, f))
				return;
			continue;
		}
	}
}

/* start_cb - the first step, from the loop (never inside spf_eval_start) */
static void
start_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	step(arg);
}

struct spf_eval *
spf_eval_start(struct resolver *res, const struct spf_request *req, spf_done_cb done,
    void *arg)
{
	struct spf_eval *ev = xcalloc(1, sizeof(*ev));
	struct timeval zero = { 0, 0 };
	const char *sender = req->sender ? req->sender : "";
	const char *at;

	arena_init(&ev->ar);
	buf_init(&ev->trace, TRACE_MAX);
	ev->res = res;
	ev->owner = req->owner;
	ev->cache = req->cache;
	ev->hook = req->hook;
	ev->ip = req->ip;
	/* §5: an IPv4-mapped IPv6 client (::ffff:a.b.c.d) is the IPv4 client a.b.c.d. */
	if (ev->ip.family == 6 && memcmp(ev->ip.b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		memmove(ev->ip.b, ev->ip.b + 12, 4);
		memset(ev->ip.b + 4, 0, 12);
		ev->ip.family = 4;
	}
	ev->now = req->now;
	ev->tracing = req->trace;
	ev->done = done;
	ev->arg = arg;
	/* Over-long identities cannot name a domain (§4.3): they give "none". */
	ev->helo = req->helo && *req->helo && strlen(req->helo) <= DNS_NAME_MAX ?
	    arena_strdup(&ev->ar, req->helo) : NULL;
	ev->receiver = req->receiver && strlen(req->receiver) <= DNS_NAME_MAX ?
	    arena_strdup(&ev->ar, req->receiver) : NULL;
	if (strlen(sender) > SPF_SENDER_MAX) {
		ev->local = "postmaster";
		ev->sender_domain = "";
	} else if (*sender == '\0') {
		/* §2.4: the null reverse-path: check the HELO identity as postmaster@helo. */
		ev->local = "postmaster";
		ev->sender_domain = ev->helo ? ev->helo : "";
	} else if ((at = strrchr(sender, '@')) != NULL) {
		ev->local = at == sender ? "postmaster" : arena_strndup(&ev->ar, sender,
		    (size_t)(at - sender));
		ev->sender_domain = arena_strdup(&ev->ar, at + 1);
	} else {
		ev->local = "postmaster";
		ev->sender_domain = arena_strdup(&ev->ar, sender);
	}
	ev->sender = arena_printf(&ev->ar, "%s@%s", ev->local, ev->sender_domain);
	{
		size_t n = strlen(ev->sender_domain);
		char *d = arena_strdup(&ev->ar, ev->sender_domain);

		if (n > 1 && d[n - 1] == '.')
			d[n - 1] = '\0';
		ev->fr[0].domain = d;
	}
	ev->fr[0].state = FS_START;
	ev->out.domain = ev->fr[0].domain;
	{
		char ipbuf[IPADDR_STRLEN];

		ipaddr_format(&ev->ip, ipbuf);
		tracef(ev, "check_host(%s, %s, %s)", ipbuf, ev->fr[0].domain, ev->sender);
	}
	event_base_once(res->base, -1, EV_TIMEOUT, start_cb, ev, &zero);
	return ev;
}

void
spf_eval_free(struct spf_eval *ev)
{
	if (ev == NULL)
		return;
	for (int d = 0; d < DEPTH_MAX; d++)
		dns_answer_unref(ev->fr[d].mx);
	dns_answer_unref(ev->ptr);
	dns_answer_unref(ev->ans);
	buf_free(&ev->trace);
	arena_free(&ev->ar);
	free(ev);
}
