/* src/audit/audit.c - one domain's audit: its findings, facts, lookups and memory */
#include "audit/audit.h"
#include "core/jsonutil.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MEMO_BUCKETS	64
#define AUDIT_MAX_LOOKUPS	2000	/* per domain: hostile data cannot make us query forever */
#define AUDIT_MAX_LOOKUPS_STR	"2000"

struct memo_waiter {
	struct memo_waiter *next;
	audit_dns_cb cb;
	void *arg;
	const char *area;	/* the area that asked: current again while cb runs */
};

/*
 * One name and type asked in this audit.  Its own allocation (the
 * resolver's callback may outlive the audit: see audit_free), the name in
 * it; its waiters come from the audit's arena.
 */
struct memo_entry {
	struct memo_entry *next;
	uint16_t type;
	struct dns_answer *ans;	/* NULL while in flight */
	struct memo_waiter *waiters;
	struct audit *a;
	char name[];		/* lower case, no trailing dot */
};

/* One checker waiting for an audit_once value. */
struct once_waiter {
	struct once_waiter *next;
	audit_once_cb cb;
	void *arg;
	const char *area;	/* the area that asked: current again while cb runs */
};

/* One audit_once computation: its value, whether it is complete, who waits. */
struct audit_once {
	struct audit_once *next;
	const char *key;
	void *value;
	bool done;
	struct once_waiter *waiters;
};

struct audit_memo {
	struct memo_entry *bucket[MEMO_BUCKETS];
	size_t lookups;
	struct memo_waiter *spare;	/* waiters whose answer came, for the next ones */
};

struct audit *
audit_new(const char *domain, size_t index, const struct check_options *opts,
    const struct audit_env *env, const void *owner, void (*on_done)(struct audit *, void *),
    void *done_arg)
{
	struct audit *a = xcalloc(1, sizeof(*a));

	a->domain = str_lower(xstrdup(domain));
	a->index = index;
	a->opts = opts;
	a->res = env->res;
	a->http = env->http;
	a->smtp = env->smtp;
	a->probes = env->probes;
	a->psl = env->psl;
	a->providers = env->providers;
	a->dkim_keys = env->dkim_keys;
	a->owner = owner;
	findings_init(&a->findings);
	a->facts = json_object();
	arena_init_pooled(&a->arena, env->chunks);
	a->memo = xcalloc(1, sizeof(*a->memo));
	a->on_done = on_done;
	a->done_arg = done_arg;
	a->nqueries = 1;	/* [0]: the unattributed */
	return a;
}

/* audit_area_runs - area is known to run in this audit (audit.h) */
bool
audit_area_runs(const struct audit *a, const char *area)
{
	if (!a->areas_known)
		return false;
	if (a->areas == NULL)
		return true;
	for (char *const *p = a->areas; *p; p++)
		if (strcmp(*p, area) == 0)
			return true;
	return false;
}

void
audit_free(struct audit *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < MEMO_BUCKETS; i++) {
		struct memo_entry *e, *next;

		for (e = a->memo->bucket[i]; e; e = next) {
			next = e->next;
			/* Entries still in flight belong to the resolver's callback. */
			if (e->ans == NULL && e->waiters) {
				e->a = NULL;
				continue;
			}
			dns_answer_unref(e->ans);
			free(e);
		}
	}
	free(a->memo);
	findings_free(&a->findings);
	json_decref(a->facts);
	arena_free(&a->arena);
	free(a->domain);
	free(a);
}

/* once_find - key's audit_once record, or NULL */
static struct audit_once *
once_find(struct audit *a, const char *key)
{
	for (struct audit_once *o = a->once; o; o = o->next)
		if (strcmp(o->key, key) == 0)
			return o;
	return NULL;
}

/* audit_once - compute key's value once per audit; cb gets it when complete (audit.h) */
void
audit_once(struct audit *a, const char *key, size_t size,
    void (*start)(struct audit *a, void *value), audit_once_cb cb, void *arg)
{
	struct audit_once *o = once_find(a, key);
	struct once_waiter *w;

	if (o && o->done) {
		audit_hold(a);
		cb(a, o->value, arg);
		audit_release(a);
		return;
	}
	w = arena_alloc(&a->arena, sizeof(*w));
	w->cb = cb;
	w->arg = arg;
	w->area = a->area;
	audit_hold(a);
	if (o) {
		w->next = o->waiters;
		o->waiters = w;
		return;
	}
	o = arena_alloc(&a->arena, sizeof(*o));
	o->key = key;
	o->value = arena_alloc(&a->arena, size);
	o->waiters = w;
	o->next = a->once;
	a->once = o;
	start(a, o->value);
}

/* audit_once_done - key's value is complete: run every waiter (audit.h) */
void
audit_once_done(struct audit *a, const char *key)
{
	struct audit_once *o = once_find(a, key);
	struct once_waiter *w, *next;

	if (o == NULL || o->done)
		abort();	/* a broken invariant: done twice, or never started */
	/* Hold the audit: the last waiter's release must not free it under us. */
	audit_hold(a);
	o->done = true;
	w = o->waiters;
	o->waiters = NULL;
	for (; w; w = next) {
		const char *was = audit_set_area(a, w->area);

		next = w->next;
		w->cb(a, o->value, w->arg);
		a->area = was;
		audit_release(a);
	}
	audit_release(a);
}

/* audit_set_area - the area whose code runs from now on; returns the previous (audit.h) */
const char *
audit_set_area(struct audit *a, const char *area)
{
	const char *was = a->area;

	a->area = area;
	return was;
}

/* count_query - one lookup by the current area: sent to the resolver, or shared */
static void
count_query(struct audit *a, bool sent)
{
	struct audit_area_queries *q = &a->queries[0];

	if (a->area) {
		size_t i;

		/* the area's own name, passed on (most lookups), before the same text elsewhere */
		for (i = 1; i < a->nqueries; i++)
			if (a->queries[i].area == a->area)
				break;
		if (i == a->nqueries)
			for (i = 1; i < a->nqueries; i++)
				if (strcmp(a->queries[i].area, a->area) == 0)
					break;
		if (i == a->nqueries && i < AUDIT_AREAS_MAX) {
			a->queries[i].area = a->area;
			a->nqueries++;
		}
		if (i < a->nqueries)
			q = &a->queries[i];
	}
	if (sent)
		q->sent++;
	else
		q->shared++;
}

void
audit_hold(struct audit *a)
{
	a->pending++;
}

void
audit_release(struct audit *a)
{
	if (--a->pending == 0 && !a->finished) {
		a->finished = true;
		a->on_done(a, a->done_arg);
	}
}

static unsigned
memo_hash(const char *name, uint16_t type)
{
	unsigned h = type * 31u;

	for (const char *p = name; *p; p++)
		h = h * 33u + (unsigned char)*p;
	return h % MEMO_BUCKETS;
}

/* memo_answered - the resolver's answer for a memo entry: run every waiter */
static void
memo_answered(struct dns_answer *ans, void *arg)
{
	struct memo_entry *e = arg;
	struct audit *a = e->a;
	struct memo_waiter *w, *next;

	if (a == NULL) {	/* the audit was freed while this was in flight, its waiters with its arena */
		free(e);
		return;
	}
	e->ans = dns_answer_ref(ans);
	w = e->waiters;
	e->waiters = NULL;
	for (; w; w = next) {
		const char *was = audit_set_area(a, w->area);

		next = w->next;
		w->cb(a, ans, w->arg);
		a->area = was;
		w->next = a->memo->spare;
		a->memo->spare = w;
		audit_release(a);
	}
}

/*
 * memo_key - qname lower-cased, without its trailing dot: into buf (size
 * bytes) when it fits, else a copy for the caller to free in *heap.  Its
 * length in *len.
 */
static const char *
memo_key(const char *qname, char *buf, size_t size, char **heap, size_t *len)
{
	size_t n = strlen(qname);
	char *name;

	/* names are short: on the stack, a longer one on the heap */
	*heap = n < size ? NULL : xmalloc(n + 1);
	name = str_lower_copy(*heap ? *heap : buf, qname, n);
	if (n > 1 && name[n - 1] == '.')
		name[--n] = '\0';
	*len = n;
	return name;
}

/* memo_find - the entry of name and type, or NULL */
static struct memo_entry *
memo_find(const struct audit *a, const char *name, uint16_t type, unsigned h)
{
	struct memo_entry *e;

	for (e = a->memo->bucket[h]; e; e = e->next)
		if (e->type == type && strcmp(e->name, name) == 0)
			break;
	return e;
}

void
audit_lookup(struct audit *a, const char *qname, uint16_t type, audit_dns_cb cb, void *arg)
{
	char buf[DNS_NAME_MAX], *heap;
	size_t n;
	const char *name = memo_key(qname, buf, sizeof(buf), &heap, &n);
	unsigned h = memo_hash(name, type);
	struct memo_entry *e = memo_find(a, name, type, h);
	struct memo_waiter *w;

	count_query(a, e == NULL);
	if (e && e->ans) {
		free(heap);
		audit_hold(a);
		cb(a, e->ans, arg);
		audit_release(a);
		return;
	}
	if ((w = a->memo->spare) != NULL)
		a->memo->spare = w->next;
	else
		w = arena_alloc(&a->arena, sizeof(*w));
	w->next = NULL;
	w->cb = cb;
	w->arg = arg;
	w->area = a->area;
	audit_hold(a);
	if (e) {		/* in flight: wait for the same answer */
		w->next = e->waiters;
		e->waiters = w;
		free(heap);
		return;
	}
	e = xcalloc(1, sizeof(*e) + n + 1);
	memcpy(e->name, name, n + 1);
	free(heap);
	e->type = type;
	e->a = a;
	e->waiters = w;
	e->next = a->memo->bucket[h];
	a->memo->bucket[h] = e;
	if (++a->memo->lookups > AUDIT_MAX_LOOKUPS) {
		resolver_answer_later(a->res, e->name, type, DNS_SERVFAIL,
		    "more than " AUDIT_MAX_LOOKUPS_STR " lookups for one domain; not asked",
		    memo_answered, e);
	} else if (resolver_query_owned(a->res, a->owner, e->name, type, memo_answered, e) != MS_OK) {
		resolver_answer_later(a->res, e->name, type, DNS_SERVFAIL,
		    "the resolver refused the query", memo_answered, e);
	}
}

/* audit_memo_peek - the memoised answer for name/type, or NULL (audit.h) */
struct dns_answer *
audit_memo_peek(struct audit *a, const char *qname, uint16_t type)
{
	char buf[DNS_NAME_MAX], *heap;
	size_t n;
	const char *name = memo_key(qname, buf, sizeof(buf), &heap, &n);
	struct memo_entry *e = memo_find(a, name, type, memo_hash(name, type));

	free(heap);
	if (e == NULL || e->ans == NULL)
		return NULL;
	count_query(a, false);
	return e->ans;
}

/* audit_area_opts - an area's option values for this audit (audit.h) */
const void *
audit_area_opts(const struct audit *a, const struct area_options *def)
{
	return area_settings_get(a->opts->areas, def);
}

json_t *
audit_facts(struct audit *a, const char *area)
{
	json_t *o = json_object_get(a->facts, area);

	if (o == NULL) {
		o = json_object();
		json_object_set_new(a->facts, area, o);
	}
	return o;
}

struct finding *
audit_finding(struct audit *a, enum finding_id id, const char *subject, const char *fmt, ...)
{
	va_list ap;
	struct finding *f;

	va_start(ap, fmt);
	f = findings_vadd(&a->findings, id, subject, fmt, ap);
	va_end(ap);
	return f;
}

bool
dns_answer_failed(const struct dns_answer *ans)
{
	return dns_answer_failed_status(ans->status);
}

bool
audit_lookup_failed(struct audit *a, enum finding_id id, const char *subject,
    const struct dns_answer *ans)
{
	struct finding *f;

	if (!dns_answer_failed(ans))
		return false;
	f = audit_finding(a, id, subject, "could not look up %s %s: %s%s%s", ans->qname,
	    dns_type_name(ans->qtype), dns_outcome_name(ans->status),
	    ans->why ? " - " : "", ans->why ? ans->why : "");
	finding_set_severity(f, SEV_UNKNOWN);
	return true;
}

const char *
audit_fresh_id(struct audit *a)
{
	time_t now = time(NULL);
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	uint64_t fixed;
	struct tm tm;

	if (sde && str_to_u64(sde, strlen(sde), UINT32_MAX, &fixed) == MS_OK)
		now = (time_t)fixed;
	gmtime_r(&now, &tm);
	return arena_printf(&a->arena, "%04d%02d%02dT%02d%02d%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
