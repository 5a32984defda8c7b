/* src/history/history_diff.c - what changed between two stored checks of a domain: pure */
#include "history/history.h"
#include "core/jsonutil.h"
#include "policy/providers.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/*
 * Findings pair by (id, subject).  Grades come from the checks' summary
 * (the domain's grade column, summary.areas of the stored document).
 * Records and certificates come from the stored document's facts: each check
 * is reduced to a list of published items (area, item, subject, value) and
 * the two lists are compared by (area, item, subject).  An area that did not
 * run, or has an unknown finding, in either check is left out of that
 * comparison (docs/events.md): could-not-tell is never "removed".
 */

#define MAX_ITEMS	4096	/* published items read from one document */

/* same - two nullable strings are equal */
static bool
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

void
history_events_init(struct history_events *e)
{
	memset(e, 0, sizeof(*e));
	arena_init(&e->arena);
}

void
history_events_free(struct history_events *e)
{
	if (e == NULL)
		return;
	free(e->v);
	arena_free(&e->arena);
	memset(e, 0, sizeof(*e));
}

/* sdup - s copied into the events' arena, or NULL */
static const char *
sdup(struct history_events *e, const char *s)
{
	return s ? arena_strdup(&e->arena, s) : NULL;
}

/* add_event - a new event of kind for new (and old), its other fields empty; owned by e */
static struct store_event *
add_event(struct history_events *e, const char *kind, const struct store_check *old,
    const struct store_check *new, const char *round)
{
	struct store_event *v;

	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		e->v = xreallocarray(e->v, e->cap, sizeof(*e->v));
	}
	v = &e->v[e->n++];
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->at = new->checked_at;
	v->domain = sdup(e, new->domain);
	v->run_id = sdup(e, new->run_id);
	v->prev_run_id = old ? sdup(e, old->run_id) : NULL;
	v->round = sdup(e, round);
	return v;
}

void
history_changes_free(struct history_changes *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* add_change - append (old, new) to c */
static void
add_change(struct history_changes *c, const struct store_check_finding *old,
    const struct store_check_finding *new)
{
	c->v = xreallocarray(c->v, c->n + 1, sizeof(*c->v));
	c->v[c->n].old = old;
	c->v[c->n++].new = new;
}

void
history_diff_findings(const struct store_check *a, const struct store_check *b,
    struct history_changes *out)
{
	bool *paired = xcalloc(a->nfindings + 1, sizeof(*paired));

	memset(out, 0, sizeof(*out));
	for (size_t j = 0; j < b->nfindings; j++) {
		const struct store_check_finding *nf = &b->findings[j];
		size_t i;

		for (i = 0; i < a->nfindings; i++)
			if (!paired[i] && strcmp(str_nz(a->findings[i].id), str_nz(nf->id)) == 0 &&
			    strcmp(str_nz(a->findings[i].subject), str_nz(nf->subject)) == 0)
				break;
		if (i == a->nfindings)
			add_change(out, NULL, nf);
		else {
			paired[i] = true;
			add_change(out, &a->findings[i], nf);
		}
	}
	for (size_t i = 0; i < a->nfindings; i++)
		if (!paired[i])
			add_change(out, &a->findings[i], NULL);
	free(paired);
}

/* finding_area - the area of a finding id: what precedes its first dot (catalogue ids are area.what) */
static const char *
finding_area(struct history_events *e, const char *id)
{
	const char *dot = id ? strchr(id, '.') : NULL;

	return dot ? arena_strndup(&e->arena, id, (size_t)(dot - id)) : sdup(e, id);
}

/* finding_events - added, removed, sustained (not pass) and severity-changed findings */
static void
finding_events(const struct store_check *old, const struct store_check *new, const char *round,
    struct history_events *e)
{
	struct history_changes c;

	history_diff_findings(old, new, &c);
	for (size_t i = 0; i < c.n; i++) {
		const struct store_check_finding *o = c.v[i].old, *n = c.v[i].new, *f = n ? n : o;
		struct store_event *v;
		const char *kind;

		if (o == NULL)
			kind = HEV_FINDING_ADDED;
		else if (n == NULL)
			kind = HEV_FINDING_REMOVED;
		else if (!same(o->severity, n->severity))
			kind = HEV_FINDING_SEVERITY;
		else if (strcmp(str_nz(n->severity), "pass") != 0)
			kind = HEV_FINDING_SUSTAINED;
		else
			continue;
		v = add_event(e, kind, old, new, round);
		v->area = finding_area(e, f->id);
		v->subject = sdup(e, f->subject);
		v->finding = sdup(e, f->id);
		v->severity = sdup(e, f->severity);
		if (o != NULL && n != NULL && !same(o->severity, n->severity)) {
			v->old_value = sdup(e, o->severity);
			v->new_value = sdup(e, n->severity);
		} else if (n == NULL)
			v->old_value = sdup(e, o->message);
		else
			v->new_value = sdup(e, n->message);
	}
	history_changes_free(&c);
}

/* load_doc - the stored document of c parsed (a new reference), or NULL */
static json_t *
load_doc(const struct store_check *c)
{
	json_t *d;

	if (c == NULL || c->json == NULL)
		return NULL;
	d = json_loads(c->json, JSON_REJECT_DUPLICATES, NULL);
	if (d != NULL && !json_is_object(d)) {
		json_decref(d);
		d = NULL;
	}
	return d;
}

/* areas_of - summary.areas of a document (borrowed), or NULL */
static json_t *
areas_of(json_t *doc)
{
	json_t *a = json_object_get(json_object_get(doc, "summary"), "areas");

	return json_is_object(a) ? a : NULL;
}

/* area_grade - the grade of area in areas (borrowed), or NULL */
static const char *
area_grade(json_t *areas, const char *area)
{
	return json_string_value(json_object_get(json_object_get(areas, area), "grade"));
}

/* grade_event - a grade event when a differs from b (area NULL: the domain) */
static void
grade_event(const struct store_check *old, const struct store_check *new, const char *round,
    const char *area, const char *a, const char *b, struct history_events *e)
{
	struct store_event *v;

	if (same(a, b))
		return;
	v = add_event(e, HEV_GRADE, old, new, round);
	v->area = sdup(e, area);
	v->old_value = sdup(e, a);
	v->new_value = sdup(e, b);
}

/* grade_events - the domain's grade, then each area's: new's areas in order, then old's gone */
static void
grade_events(const struct store_check *old, const struct store_check *new, const char *round,
    json_t *od, json_t *nd, struct history_events *e)
{
	json_t *oa = areas_of(od), *na = areas_of(nd);
	const char *k;
	json_t *x;

	grade_event(old, new, round, NULL, old->grade, new->grade, e);
	if (oa == NULL || na == NULL)
		return;
	json_object_foreach(na, k, x)
		grade_event(old, new, round, k, area_grade(oa, k), area_grade(na, k), e);
	json_object_foreach(oa, k, x)
		if (json_object_get(na, k) == NULL)
			grade_event(old, new, round, k, area_grade(oa, k), NULL, e);
}

/* One published thing: a record, a policy, an MX set, a certificate's issuer, key or expiry. */
struct item {
	const char *area, *item, *subject;	/* the key */
	char *value;				/* NULL: absent (but known to be) */
	bool tried;				/* dkim: the selector was tried (a key may be absent) */
};

struct items {
	struct item *v;
	size_t n;
	struct arena *arena;
};

/* put_item - append an item (strings copied into the arena) */
static void
put_item(struct items *l, const char *area, const char *item, const char *subject,
    const char *value)
{
	struct item *it;

	if (l->n >= MAX_ITEMS)
		return;
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	it = &l->v[l->n++];
	it->area = area;
	it->item = item;
	it->subject = arena_strdup(l->arena, subject);
	it->value = value ? arena_strdup(l->arena, value) : NULL;
	it->tried = true;
}

/* known - area ran in the check of doc and could tell: it has facts and no unknown finding */
static bool
known(json_t *doc, const char *area)
{
	json_t *a = json_object_get(json_object_get(areas_of(doc), area), "unknown");

	if (json_object_get(json_object_get(doc, "facts"), area) == NULL)
		return false;
	return a == NULL || json_integer_value(a) == 0;
}

/* fact - facts.area.key of doc (borrowed) */
static json_t *
fact(json_t *doc, const char *area, const char *key)
{
	return json_object_get(json_object_get(json_object_get(doc, "facts"), area), key);
}

/* cmp_str - qsort order of strings */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* mx_set - the MX set as "PREF HOST" sorted and joined with ", ", "0 ." for null MX, NULL for none */
static char *
mx_set(json_t *doc, struct arena *ar)
{
	json_t *hosts = fact(doc, "mx", "hosts"), *h;
	size_t n = json_array_size(hosts), i, len = 1;
	char **v, *out, *p;

	if (json_is_true(fact(doc, "mx", "null_mx")))
		return arena_strdup(ar, "0 .");
	if (n == 0)
		return NULL;
	if (n > MAX_ITEMS)
		n = MAX_ITEMS;
	v = xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++) {
		h = json_array_get(hosts, i);
		v[i] = arena_printf(ar, "%lld %s",
		    (long long)json_integer_value(json_object_get(h, "preference")),
		    str_nz(json_string_value(json_object_get(h, "host"))));
		len += strlen(v[i]) + 2;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	out = p = arena_alloc(ar, len);
	for (i = 0; i < n; i++)
		p += snprintf(p, len - (size_t)(p - out), "%s%s", i ? ", " : "", v[i]);
	free(v);
	return out;
}

/* policy_text - an MTA-STS policy as "mode: M; max_age: N; mx: A, B" from its facts, or NULL */
static char *
policy_text(json_t *doc, struct arena *ar)
{
	json_t *mx = fact(doc, "mta-sts", "mx");
	const char *mode = json_string_value(fact(doc, "mta-sts", "mode"));
	char *s;

	if (mode == NULL)
		return NULL;
	s = arena_printf(ar, "mode: %s; max_age: %lld; mx:", mode,
	    (long long)json_integer_value(fact(doc, "mta-sts", "max_age")));
	for (size_t i = 0; i < json_array_size(mx) && i < MAX_ITEMS; i++)
		s = arena_printf(ar, "%s%s %s", s, i ? "," : "", str_nz(json_string_value(json_array_get(mx, i))));
	return s;
}

/*
 * selector_tried - doc's check would have found a key at name
 * (SELECTOR._domainkey....): its selector was tried, or _domainkey is NXDOMAIN
 */
static bool
selector_tried(json_t *doc, const char *name)
{
	json_t *tried = fact(doc, "dkim", "selectors_tried");
	const char *dot = strstr(name, "._domainkey.");
	size_t n = dot ? (size_t)(dot - name) : 0;

	/* _domainkey does not exist: no selector can (RFC 8020) */
	if (strcmp(str_nz(json_string_value(fact(doc, "dkim", "domainkey"))), "nxdomain") == 0)
		return true;
	for (size_t i = 0; i < json_array_size(tried); i++) {
		const char *t = json_string_value(json_array_get(tried, i));

		if (t && strlen(t) == n && strncasecmp(t, name, n) == 0)
			return true;
	}
	return false;
}

/* cert_items - issuer, key and expiry of each probed address's certificate */
static void
cert_items(json_t *doc, struct items *l)
{
	json_t *addrs = fact(doc, "tls", "addresses");

	for (size_t i = 0; i < json_array_size(addrs); i++) {
		json_t *ad = json_array_get(addrs, i), *c = json_object_get(ad, "certificate");
		const char *issuer = json_string_value(json_object_get(c, "issuer"));
		char *subj, *key;

		if (issuer == NULL)
			continue;	/* no certificate seen: the tls findings say why */
		subj = arena_printf(l->arena, "%s[%s]", str_nz(json_string_value(json_object_get(ad, "host"))),
		    str_nz(json_string_value(json_object_get(ad, "address"))));
		key = arena_printf(l->arena, "%s %lld", str_nz(json_string_value(json_object_get(c, "key_type"))),
		    (long long)json_integer_value(json_object_get(c, "key_bits")));
		put_item(l, "tls", "issuer", subj, issuer);
		put_item(l, "tls", "key", subj, key);
		put_item(l, "tls", "expiry", subj, json_string_value(json_object_get(c, "not_after")));
	}
}

/*
 * published - the items of doc for the areas both docs know (other is the
 * other check's document): records, policy, MX set, certificates
 */
static void
published(json_t *doc, json_t *other, const char *domain, struct items *l)
{
	struct arena *ar = l->arena;
	json_t *keys;

	if (known(doc, "spf") && known(other, "spf"))
		put_item(l, "spf", "txt", domain, json_string_value(fact(doc, "spf", "record")));
	if (known(doc, "dmarc") && known(other, "dmarc"))
		put_item(l, "dmarc", "txt", arena_printf(ar, "_dmarc.%s", domain),
		    json_string_value(fact(doc, "dmarc", "record")));
	if (known(doc, "tls-rpt") && known(other, "tls-rpt"))
		put_item(l, "tls-rpt", "txt", arena_printf(ar, "_smtp._tls.%s", domain),
		    json_string_value(fact(doc, "tls-rpt", "record")));
	if (known(doc, "mx") && known(other, "mx"))
		put_item(l, "mx", "mx", domain, mx_set(doc, ar));
	if (known(doc, "mta-sts") && known(other, "mta-sts")) {
		put_item(l, "mta-sts", "txt", arena_printf(ar, "_mta-sts.%s", domain),
		    json_string_value(fact(doc, "mta-sts", "record")));
		/* the policy only when both checks fetched it (an HTTP status) */
		if (json_is_integer(fact(doc, "mta-sts", "http_status")) &&
		    json_is_integer(fact(other, "mta-sts", "http_status")))
			put_item(l, "mta-sts", "policy", arena_printf(ar, "mta-sts.%s", domain),
			    policy_text(doc, ar));
	}
	if (known(doc, "dkim") && known(other, "dkim") &&
	    json_is_array(keys = fact(doc, "dkim", "keys"))) {
		for (size_t i = 0; i < json_array_size(keys); i++) {
			json_t *k = json_array_get(keys, i);
			const char *name = json_string_value(json_object_get(k, "name"));

			if (name == NULL)
				continue;
			put_item(l, "dkim", "key", name, json_string_value(json_object_get(k, "record")));
			/* a key only one check looked for is neither new nor gone */
			l->v[l->n - 1].tried = selector_tried(other, name);
		}
	}
	if (json_is_true(fact(doc, "tls", "probed")) && json_is_true(fact(other, "tls", "probed")))
		cert_items(doc, l);
}

/* find_item - the item of l with it's key, or NULL */
static const struct item *
find_item(const struct items *l, const struct item *it)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].area, it->area) == 0 && strcmp(l->v[i].item, it->item) == 0 &&
		    strcmp(l->v[i].subject, it->subject) == 0)
			return &l->v[i];
	return NULL;
}

/* item_event - a record or certificate event from a to b (either may be NULL: absent) */
static void
item_event(const struct store_check *old, const struct store_check *new, const char *round,
    const struct item *key, const char *a, const char *b, struct history_events *e)
{
	struct store_event *v;

	if (same(a, b))
		return;
	v = add_event(e, strcmp(key->area, "tls") == 0 ? HEV_CERTIFICATE : HEV_RECORD, old, new, round);
	v->area = sdup(e, key->area);
	v->item = sdup(e, key->item);
	v->subject = sdup(e, key->subject);
	v->old_value = sdup(e, a);
	v->new_value = sdup(e, b);
}

/* item_events - records, then certificates: new's items in order, then old's gone */
static void
item_events(const struct store_check *old, const struct store_check *new, const char *round,
    json_t *od, json_t *nd, struct history_events *e)
{
	struct arena ar;
	struct items ol = { 0 }, nl = { 0 };

	arena_init(&ar);
	ol.arena = nl.arena = &ar;
	published(od, nd, str_nz(new->domain), &ol);
	published(nd, od, str_nz(new->domain), &nl);
	for (size_t i = 0; i < nl.n; i++) {
		const struct item *o = find_item(&ol, &nl.v[i]);

		/* a key only one check looked for, an address probed for the first time */
		if (o == NULL && (!nl.v[i].tried || strcmp(nl.v[i].area, "tls") == 0))
			continue;
		item_event(old, new, round, &nl.v[i], o ? o->value : NULL, nl.v[i].value, e);
	}
	for (size_t i = 0; i < ol.n; i++)
		if (ol.v[i].tried && strcmp(ol.v[i].area, "tls") != 0 && find_item(&nl, &ol.v[i]) == NULL)
			item_event(old, new, round, &ol.v[i], ol.v[i].value, NULL, e);
	free(ol.v);
	free(nl.v);
	arena_free(&ar);
}

void
history_diff(const struct store_check *old, const struct store_check *new, const char *round,
    struct history_events *out)
{
	json_t *od, *nd;

	if (old == NULL) {
		struct store_event *v = add_event(out, HEV_FIRST, NULL, new, round);

		v->new_value = sdup(out, new->grade);
		return;
	}
	finding_events(old, new, round, out);
	od = load_doc(old);
	nd = load_doc(new);
	grade_events(old, new, round, od, nd, out);
	if (od && nd)
		item_events(old, new, round, od, nd, out);
	json_decref(od);
	json_decref(nd);
}

/* jnull - s as a JSON string, or null */
static json_t *
jnull(const char *s)
{
	return s ? json_text(s) : json_null();
}

#define EVENT_NAMES_MAX	64	/* names looked at in one event's values */

/* name_ok - a host name or include target worth matching: DNS characters, 1 to 253 bytes */
static bool
name_ok(const char *s, size_t n)
{
	return n > 0 && n <= 253 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") >= n;
}

/* add_provider - {name, provider} to arr when name (n bytes) has a provider of kind and is new there */
static void
add_provider(json_t *arr, const struct providers *prov, enum provider_kind kind, const char *name,
    size_t n)
{
	char buf[254];
	const char *pname;
	size_t i;
	json_t *o;

	if (!name_ok(name, n))
		return;
	memcpy(buf, name, n);
	buf[n] = '\0';
	if ((pname = providers_match(prov, kind, buf)) == NULL)
		return;
	json_array_foreach(arr, i, o)
		if (str_caseeq(json_string_value(json_object_get(o, "name")), buf))
			return;
	o = json_object();
	json_object_set_new(o, "name", json_text(buf));
	json_object_set_new(o, "provider", json_text(pname));
	json_array_append_new(arr, o);
}

/*
 * value_providers - the providers named by one value of an event: the hosts
 * of an MX set ("10 host, 20 host") or the include: and redirect= targets of
 * an SPF record; at most EVENT_NAMES_MAX names are looked at
 */
static void
value_providers(json_t *arr, const struct providers *prov, bool mx, const char *v)
{
	size_t seen = 0;

	while (v && *v && seen < EVENT_NAMES_MAX) {
		size_t n;

		v += strspn(v, " ,");
		n = strcspn(v, " ,");
		if (n == 0)
			break;
		if (mx) {
			if (!(v[0] >= '0' && v[0] <= '9'))	/* the host after its preference */
				add_provider(arr, prov, PROVIDER_MX, v, n);
		} else if (n > 8 && str_ncasecmp(v, "include:", 8) == 0)
			add_provider(arr, prov, PROVIDER_SPF, v + 8, n - 8);
		else if (n > 9 && str_ncasecmp(v, "redirect=", 9) == 0)
			add_provider(arr, prov, PROVIDER_SPF, v + 9, n - 9);
		else if (n > 9 && str_ncasecmp(v, "+include:", 9) == 0)
			add_provider(arr, prov, PROVIDER_SPF, v + 9, n - 9);
		v += n;
		seen++;
	}
}

json_t *
history_event_providers(const struct store_event *e)
{
	struct providers *prov = NULL;
	char err[160];
	bool mx;
	json_t *arr;

	if (e->kind == NULL || strcmp(e->kind, HEV_RECORD) != 0 || e->area == NULL || e->item == NULL)
		return NULL;
	mx = strcmp(e->area, "mx") == 0 && strcmp(e->item, "mx") == 0;
	if (!mx && !(strcmp(e->area, "spf") == 0 && strcmp(e->item, "txt") == 0))
		return NULL;
	arr = json_array();
	if (providers_builtin(&prov, err, sizeof(err)) != MS_OK)
		return arr;	/* the build checks the data file: no names rather than no event */
	value_providers(arr, prov, mx, e->old_value);
	value_providers(arr, prov, mx, e->new_value);
	providers_free(prov);
	return arr;
}

json_t *
history_event_json(const struct store_event *e)
{
	json_t *prov = history_event_providers(e);

	json_t *o = json_object();

	json_object_set_new(o, "at", json_rfc3339((time_t)e->at));
	json_object_set_new(o, "domain", json_text(str_nz(e->domain)));
	json_object_set_new(o, "kind", json_text(str_nz(e->kind)));
	json_object_set_new(o, "area", jnull(e->area));
	json_object_set_new(o, "subject", jnull(e->subject));
	json_object_set_new(o, "finding", jnull(e->finding));
	json_object_set_new(o, "severity", jnull(e->severity));
	json_object_set_new(o, "item", jnull(e->item));
	json_object_set_new(o, "old", jnull(e->old_value));
	json_object_set_new(o, "new", jnull(e->new_value));
	json_object_set_new(o, "run_id", json_text(str_nz(e->run_id)));
	json_object_set_new(o, "previous_run_id", jnull(e->prev_run_id));
	json_object_set_new(o, "round", jnull(e->round));
	if (prov)
		json_object_set_new(o, "providers", prov);
	return o;
}
