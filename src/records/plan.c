/* src/records/plan.c - dated checklists for migrating or decommissioning a mail domain (seed 000) */
#include "records/plan.h"
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "dns/resolver.h"
#include "records/dates.h"
#include "records/gen.h"
#include "records/recset.h"
#include "util/buf.h"
#include "util/ipaddr.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#define LOW_TTL			300
#define STEADY_TTL		3600
#define ASSUMED_MAX_AGE		1209600	/* the runbook's enforce max_age: 14 days */
#define PARENT_NS_DAYS		2	/* parent zones commonly serve NS with a TTL of 1-2 days */
#define MTASTS_TESTING_DAYS	7

/* One plan_observe_start: its answers still to come and whom to tell. */
struct obs_run {
	struct plan_seen *seen;
	size_t left;		/* answers to come, +1 while the queries are being sent */
	struct event_base *base;
	void (*done)(void *arg);
	void *arg;
};

struct obs_job {
	struct obs_run *run;
	size_t idx;
};

/* rr_text - one record's RDATA in presentation form; caller frees */
static char *
rr_text(const struct dns_rr *rr)
{
	char ip[IPADDR_STRLEN];

	switch (rr->type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		ipaddr_format(&rr->u.addr, ip);
		return xstrdup(ip);
	case DNS_T_MX:
		return xasprintf("%u %s.", rr->u.mx.pref, strcmp(rr->u.mx.host, ".") == 0 ? "" :
		    rr->u.mx.host);
	case DNS_T_CNAME:
	case DNS_T_NS:
	case DNS_T_PTR:
		return xasprintf("%s.", rr->u.name);
	case DNS_T_TXT: {
		char *t = str_printable(rr->u.txt.text, rr->u.txt.len), *q = txt_quoted(t);

		free(t);
		return q;
	}
	default:
		return xasprintf("\\# %zu", rr->wirelen);
	}
}

/* obs_release - one answer (or the sending) less; after the last, tell the caller */
static void
obs_release(struct obs_run *r)
{
	if (--r->left > 0)
		return;
	r->done(r->arg);
	free(r);
}

/* obs_all_refused - every query was refused: still tell the caller from the loop */
static void
obs_all_refused(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	obs_release(arg);
}

/* obs_answer - keep one lookup's outcome, TTL and values */
static void
obs_answer(struct dns_answer *ans, void *arg)
{
	struct obs_job *j = arg;
	struct obs_run *r = j->run;
	struct plan_obs *o = &r->seen->v[j->idx];

	o->status = ans->status;
	o->ttl = ans->ttl;
	if (ans->why)
		o->why = xstrdup(ans->why);
	if (ans->status == DNS_OK) {
		o->values = xcalloc(ans->n + 1, sizeof(*o->values));
		for (size_t i = 0; i < ans->n; i++)
			o->values[i] = rr_text(&ans->rr[i]);
	}
	free(j);
	obs_release(r);
}

/* add_obs - a slot for name/type */
static void
add_obs(struct plan_seen *s, const char *name, uint16_t type)
{
	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
	s->v[s->n].name = xstrdup(name);
	s->v[s->n].type = type;
	s->v[s->n].status = DNS_SERVFAIL;
	s->n++;
}

void
plan_observe_start(struct resolver *res, const char *domain, char **selectors,
    struct plan_seen *seen, void (*done)(void *arg), void *arg)
{
	static const struct { const char *prefix; uint16_t type; } names[] = {
		{ "", DNS_T_NS }, { "", DNS_T_MX }, { "", DNS_T_TXT }, { "_dmarc.", DNS_T_TXT },
		{ "_mta-sts.", DNS_T_TXT }, { "mta-sts.", DNS_T_A }, { "_smtp._tls.", DNS_T_TXT },
		{ "*._domainkey.", DNS_T_TXT },
	};
	struct obs_run *r = xcalloc(1, sizeof(*r));
	struct timeval zero = { 0, 0 };

	memset(seen, 0, sizeof(*seen));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *n = xasprintf("%s%s", names[i].prefix, domain);

		add_obs(seen, n, names[i].type);
		free(n);
	}
	for (char **p = selectors; p && *p && seen->n < PLAN_MAX_NAMES; p++) {
		char *n = xasprintf("%s._domainkey.%s", *p, domain);

		add_obs(seen, n, DNS_T_TXT);
		free(n);
	}
	r->seen = seen;
	r->base = res->base;
	r->done = done;
	r->arg = arg;
	r->left = seen->n + 1;
	for (size_t i = 0; i < seen->n; i++) {
		struct obs_job *j = xcalloc(1, sizeof(*j));

		j->run = r;
		j->idx = i;
		if (resolver_query(res, seen->v[i].name, seen->v[i].type, obs_answer, j) != MS_OK) {
			free(j);
			seen->v[i].why = xstrdup("the resolver refused the query");
			r->left--;
		}
	}
	if (r->left == 1)	/* nothing asked: answer from the loop all the same */
		event_base_once(r->base, -1, EV_TIMEOUT, obs_all_refused, r, &zero);
	else
		r->left--;	/* answers all come from the loop */
}

/* dmarc_current_answer - judge the _dmarc TXT answer into the caller's plan_dmarc_live, then done */
static void
dmarc_current_answer(struct dns_answer *ans, void *arg)
{
	struct plan_dmarc_live *l = arg;
	size_t found = 0;

	if (dns_answer_failed_status(ans->status)) {
		l->why = xasprintf("could not look up %s TXT: %s%s%s", l->name,
		    dns_outcome_name(ans->status), ans->why ? " - " : "", ans->why ? ans->why : "");
		l->status = MS_ERR_IO;
	} else if (ans->status == DNS_OK) {
		for (size_t i = 0; i < ans->n; i++) {
			const struct dns_rr *rr = &ans->rr[i];
			char *t = str_printable(rr->u.txt.text, rr->u.txt.len);

			if (str_has_prefix_case(t, "v=DMARC1") && found++ == 0) {
				l->text = t;
				continue;
			}
			free(t);
		}
		if (found > 1) {
			l->why = xasprintf("%s has %zu DMARC records (receivers discard them all)",
			    l->name, found);
			free(l->text);
			l->text = NULL;
			l->status = MS_ERR_SYNTAX;
		}
	}
	l->done(l->arg);
}

/* dmarc_current_refused - the resolver would not take the lookup: say so from the loop */
static void
dmarc_current_refused(evutil_socket_t fd, short what, void *arg)
{
	struct plan_dmarc_live *l = arg;

	(void)fd;
	(void)what;
	l->why = xasprintf("the resolver refused the lookup of %s TXT", l->name);
	l->status = MS_ERR_INTERNAL;
	l->done(l->arg);
}

/* plan_dmarc_current_start - look up the DMARC record published at _dmarc.domain into *l */
void
plan_dmarc_current_start(struct resolver *res, struct event_base *base, const char *domain,
    struct plan_dmarc_live *l, void (*done)(void *arg), void *arg)
{
	static const struct timeval zero = { 0, 0 };

	memset(l, 0, sizeof(*l));
	l->name = xasprintf("_dmarc.%s", domain);
	l->done = done;
	l->arg = arg;
	if (resolver_query(res, l->name, DNS_T_TXT, dmarc_current_answer, l) != MS_OK)
		event_base_once(base, -1, EV_TIMEOUT, dmarc_current_refused, l, &zero);
}

/* plan_dmarc_live_free - what plan_dmarc_current_start left in l (not l itself) */
void
plan_dmarc_live_free(struct plan_dmarc_live *l)
{
	free(l->name);
	free(l->text);
	free(l->why);
	memset(l, 0, sizeof(*l));
}

void
plan_seen_free(struct plan_seen *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		strv_free(s->v[i].values);
		free(s->v[i].why);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* find - what was seen at prefix+domain for type, or NULL */
static const struct plan_obs *
find(const struct plan_opts *o, const char *prefix, uint16_t type)
{
	char *n = xasprintf("%s%s", prefix, o->domain);
	const struct plan_obs *r = NULL;

	for (size_t i = 0; i < o->seen->n && r == NULL; i++)
		if (o->seen->v[i].type == type && strcmp(o->seen->v[i].name, n) == 0)
			r = &o->seen->v[i];
	free(n);
	return r;
}

/* add_step - a dated step with zone-file lines (NULL-terminated varargs of strings) */
static json_t *
add_step(json_t *steps, const char *domain, time_t start, unsigned day, const char *action)
{
	json_t *s = json_object();
	char d[DATE_STRLEN];
	struct buf b;
	const char *p = action, *q;

	/* "DOMAIN" in the text stands for the domain; the maximum holds the result */
	buf_init(&b, strlen(action) * (strlen(domain) + 1) + 1);
	while ((q = strstr(p, "DOMAIN")) != NULL) {
		buf_add(&b, p, (size_t)(q - p));
		buf_adds(&b, domain);
		p = q + 6;
	}
	buf_adds(&b, p);
	if (buf_status(&b) != MS_OK)
		abort();	/* a broken invariant: the maximum was computed for the text */
	date_fmt(start, day, d);
	json_object_set_new(s, "date", json_string(d));
	json_object_set_new(s, "day", json_integer(day));
	json_object_set_new(s, "action", json_text(buf_cstr(&b)));
	buf_free(&b);
	json_object_set_new(s, "records", json_array());
	json_array_append_new(steps, s);
	return json_object_get(s, "records");
}

/* days_for - whole days covering seconds */
static unsigned
days_for(uint32_t seconds)
{
	return (unsigned)((seconds + 86399u) / 86400u);
}

json_t *
plan_build(const struct plan_opts *o, bool *unknown)
{
	json_t *plan = json_object(), *seen = json_array(), *assume = json_array();
	json_t *steps = json_array(), *recs, *pol = NULL;
	const struct plan_obs *sts = find(o, "_mta-sts.", DNS_T_TXT);
	bool has_sts = sts && sts->status == DNS_OK;
	uint32_t max_ttl = 0, max_age = o->policy_max_age;
	unsigned wait, day = 0;
	char d0[DATE_STRLEN], *line;
	const char *D = o->domain;

	*unknown = false;
	date_fmt(o->start, 0, d0);
	for (size_t i = 0; i < o->seen->n; i++) {
		const struct plan_obs *ob = &o->seen->v[i];
		json_t *j = json_object(), *vals = json_array();

		json_object_set_new(j, "name", json_text(ob->name));
		json_object_set_new(j, "type", json_string(dns_type_name(ob->type)));
		json_object_set_new(j, "status", json_string(dns_outcome_name(ob->status)));
		json_object_set_new(j, "ttl", ob->status == DNS_OK ? json_integer(ob->ttl) : json_null());
		for (char **v = ob->values; v && *v; v++)
			json_array_append_new(vals, json_text(*v));
		json_object_set_new(j, "values", vals);
		json_object_set_new(j, "why", json_text(ob->why));
		json_array_append_new(seen, j);
		if (dns_answer_failed_status(ob->status))
			*unknown = true;
		if (ob->status == DNS_OK && ob->ttl > max_ttl)
			max_ttl = ob->ttl;
	}
	if (*unknown)
		json_array_append_new(assume, json_string("some lookups failed (see observed): the "
		    "plan assumes what they would have shown; look again before starting"));
	if (has_sts && max_age == 0) {
		max_age = ASSUMED_MAX_AGE;
		line = xasprintf("the MTA-STS policy's max_age was not fetched%s%s%s: assumed "
		    "1209600 s (14 days, the runbook's enforce value); give --policy-max-age to use "
		    "the real one", o->policy_why ? " (" : "", o->policy_why ? o->policy_why : "",
		    o->policy_why ? ")" : "");
		json_array_append_new(assume, json_string(line));
		free(line);
	}
	if (has_sts) {
		pol = json_object();
		json_object_set_new(pol, "max_age", json_integer(max_age));
		json_object_set_new(pol, "source", json_string(o->policy_max_age == 0 ? "assumed" :
		    o->policy_url ? "fetched" : "option"));
		json_object_set_new(pol, "url", json_text(o->policy_url));
		json_object_set_new(pol, "why", json_text(o->policy_why));
	}

	/* Day 0: MTA-STS off first (seed 000), and TTLs down. */
	if (has_sts) {
		recs = add_step(steps, D, o->start, 0, "MTA-STS to mode none: serve the policy below at "
		    "https://mta-sts.DOMAIN/.well-known/mta-sts.txt, then publish the TXT with a new id; "
		    "change nothing else until the old policy's max_age has passed");
		line = xasprintf("_mta-sts.%s. %u IN TXT \"v=STSv1; id=%.4s%.2s%.2s01\"", D, LOW_TTL,
		    d0, d0 + 5, d0 + 8);
		json_array_append_new(recs, json_string(line));
		free(line);
		json_array_append_new(recs, json_string("; policy file: version: STSv1 / mode: none / "
		    "max_age: 86400"));
	}
	/*
	 * Seed 000: once MTA-STS is set to none, no other change until the old
	 * policy's max_age has passed; only then lower the TTLs, and wait the
	 * old TTLs before the cutover.
	 */
	day = has_sts ? days_for(max_age) : 0;
	recs = add_step(steps, D, o->start, day, has_sts ?
	    "the old MTA-STS policy has expired everywhere: lower the TTL of every mail record to "
	    "300 s so the cutover takes effect quickly (republish the same values)" :
	    "lower the TTL of every mail record to 300 s so the cutover takes effect quickly "
	    "(republish the same values)");
	for (size_t i = 0; i < o->seen->n; i++) {
		const struct plan_obs *ob = &o->seen->v[i];

		if (ob->status != DNS_OK || ob->ttl <= LOW_TTL || ob->type == DNS_T_NS)
			continue;
		if (has_sts && ob == sts)
			continue;	/* republished above with its new id */
		for (char **v = ob->values; v && *v; v++) {
			line = xasprintf("%s. %u IN %s %s ; was %u", ob->name, LOW_TTL,
			    dns_type_name(ob->type), *v, ob->ttl);
			json_array_append_new(recs, json_text(line));
			free(line);
		}
	}
	wait = days_for(max_ttl);
	if (wait == 0)
		wait = 1;
	day += wait;

	if (o->kind == PLAN_MIGRATE) {
		add_step(steps, D, o->start, day, "soft cutover, step 1: give the new organisation a copy "
		    "of every record; they publish the same set on their servers (no 'big bang')");
		add_step(steps, D, o->start, day, "verify before delegating: mailsec diff DOMAIN --ns "
		    "OLD-SERVERS --ns NEW-SERVERS must show no difference");
		add_step(steps, D, o->start, day + 1, "delegate: change the NS records at the parent zone "
		    "to the new organisation's servers");
		day += 1 + PARENT_NS_DAYS;
		add_step(steps, D, o->start, day, "after the parent's NS TTL: check the domain from the new "
		    "servers (mailsec check DOMAIN); the new organisation may now change MX and the rest");
		if (has_sts) {
			recs = add_step(steps, D, o->start, day, "re-enable MTA-STS in testing mode on the new "
			    "servers (mailsec records mta-sts DOMAIN --stage testing)");
			line = xasprintf("_mta-sts.%s. %u IN TXT \"v=STSv1; id=<new id>\"", D, LOW_TTL);
			json_array_append_new(recs, json_string(line));
			free(line);
			day += MTASTS_TESTING_DAYS;
			add_step(steps, D, o->start, day, "MTA-STS to enforce once TLS-RPT shows no failures "
			    "(mailsec records mta-sts DOMAIN --stage enforce)");
		}
		add_step(steps, D, o->start, day, "raise the TTLs again (3600 s) once nothing changes");
	} else {
		{
			const char *pn = profile_str(o->profile, "name", "generic");
			char *act = xasprintf("publish the parked set (mailsec records parked DOMAIN%s%s) "
			    "and remove the other mail records: DKIM selectors, MTA-STS, TLS-RPT, the MX "
			    "hosts", strcmp(pn, "generic") ? " --profile " : "",
			    strcmp(pn, "generic") ? pn : "");

			recs = add_step(steps, D, o->start, day, act);
			free(act);
		}
		line = xasprintf("%s. %u IN MX 0 .", D, STEADY_TTL);
		json_array_append_new(recs, json_string(line));
		free(line);
		line = xasprintf("%s. %u IN TXT \"v=spf1 -all\"", D, STEADY_TTL);
		json_array_append_new(recs, json_string(line));
		free(line);
		{
			/* the parked DMARC of records parked: the profile's required rua kept */
			struct gen_opts g;
			char *v;

			memset(&g, 0, sizeof(g));
			g.domain = D;
			g.profile = o->profile;
			v = gen_dmarc_value(&g, "parked");
			line = xasprintf("_dmarc.%s. %u IN TXT \"%s\"", D, STEADY_TTL, v);
			json_array_append_new(recs, json_string(line));
			free(line);
			free(v);
		}
		line = xasprintf("*._domainkey.%s. %u IN TXT \"v=DKIM1; p=\"", D, STEADY_TTL);
		json_array_append_new(recs, json_string(line));
		free(line);
		for (size_t i = 0; i < o->seen->n; i++) {
			const struct plan_obs *ob = &o->seen->v[i];

			if (ob->status != DNS_OK || ob->type == DNS_T_NS)
				continue;
			if (strncmp(ob->name, "_mta-sts.", 9) == 0 || strncmp(ob->name, "mta-sts.", 8) == 0 ||
			    strncmp(ob->name, "_smtp._tls.", 11) == 0 ||
			    (strstr(ob->name, "._domainkey.") && ob->name[0] != '*')) {
				line = xasprintf("; remove: %s. IN %s", ob->name, dns_type_name(ob->type));
				json_array_append_new(recs, json_text(line));
				free(line);
			}
		}
		day += 1;
		{
			const char *pn = profile_str(o->profile, "name", "generic");
			char *act = xasprintf("check the parked set: mailsec check --parked%s%s DOMAIN",
			    strcmp(pn, "generic") ? " --profile " : "", strcmp(pn, "generic") ? pn : "");

			add_step(steps, D, o->start, day, act);
			free(act);
		}
		add_step(steps, D, o->start, day + days_for(max_ttl > STEADY_TTL ? max_ttl : STEADY_TTL),
		    "after the old MX TTL: stop the mail servers of the domain (senders holding the "
		    "old MX have given up on it)");
	}

	doc_add_schema(plan, DOC_PLAN);
	json_object_set_new(plan, "kind", json_string(o->kind == PLAN_MIGRATE ? "migrate" :
	    "decommission"));
	json_object_set_new(plan, "domain", json_text(D));
	json_object_set_new(plan, "start", json_string(d0));
	json_object_set_new(plan, "observed", seen);
	json_object_set_new(plan, "assumptions", assume);
	if (pol)
		json_object_set_new(plan, "mta_sts_policy", pol);
	json_object_set_new(plan, "steps", steps);
	return plan;
}

void
plan_print_text(FILE *fp, const json_t *plan)
{
	size_t i, k;
	json_t *s, *v;

	fprintf(fp, "plan %s %s from %s\n\n", json_string_value(json_object_get(plan, "kind")),
	    json_string_value(json_object_get(plan, "domain")),
	    json_string_value(json_object_get(plan, "start")));
	fputs("seen now:\n", fp);
	json_array_foreach(json_object_get(plan, "observed"), i, s) {
		const char *st = json_string_value(json_object_get(s, "status"));

		fprintf(fp, "  %-32s %-5s %s", json_string_value(json_object_get(s, "name")),
		    json_string_value(json_object_get(s, "type")), st);
		if (json_is_integer(json_object_get(s, "ttl")))
			fprintf(fp, " ttl %lld", (long long)json_integer_value(json_object_get(s, "ttl")));
		json_array_foreach(json_object_get(s, "values"), k, v)
			fprintf(fp, "%s%s", k ? ", " : ": ", json_string_value(v));
		fputc('\n', fp);
	}
	json_array_foreach(json_object_get(plan, "assumptions"), i, s)
		fprintf(fp, "assumed: %s\n", json_string_value(s));
	fputs("\nsteps:\n", fp);
	json_array_foreach(json_object_get(plan, "steps"), i, s) {
		fprintf(fp, "  [ ] %s (day %lld): %s\n", json_string_value(json_object_get(s, "date")),
		    (long long)json_integer_value(json_object_get(s, "day")),
		    json_string_value(json_object_get(s, "action")));
		json_array_foreach(json_object_get(s, "records"), k, v)
			fprintf(fp, "        %s\n", json_string_value(v));
	}
}
