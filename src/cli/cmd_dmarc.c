/* src/cli/cmd_dmarc.c - mailsec dmarc lint RECORD | dmarc eval --from DOMAIN ...: DMARC without a full audit */
#include "cli/cli.h"
#include "core/envelope.h"
#include "policy/dmarc_discover.h"
#include "checks/dmarc/dmarc_eval.h"
#include "policy/dmarc_org.h"
#include "policy/dmarc_record.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "dns/suffix_list.h"
#include "engine/session.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define EVAL_AUTH_MAX	16	/* --spf-domain / --dkim-domain each, at most */

struct dmarc_opts {
	bool json;
	enum dmarc_rules rules;
	char *psl;
	char *profile;
	char *domain;		/* lint: the domain the record is for */
	char *from;
	char *replay;
	char *resolver;		/* --resolver ADDR[@PORT] */
	char *trust_anchor;
	double timeout;
	char *spf_dom[EVAL_AUTH_MAX], *spf_res[EVAL_AUTH_MAX];
	char *dkim_dom[EVAL_AUTH_MAX], *dkim_res[EVAL_AUTH_MAX];
	size_t nspf_dom, nspf_res, ndkim_dom, ndkim_res;
};

static void
opts_free(struct dmarc_opts *o)
{
	free(o->psl);
	free(o->profile);
	free(o->domain);
	free(o->from);
	free(o->replay);
	free(o->resolver);
	free(o->trust_anchor);
	for (size_t i = 0; i < EVAL_AUTH_MAX; i++) {
		free(o->spf_dom[i]);
		free(o->spf_res[i]);
		free(o->dkim_dom[i]);
		free(o->dkim_res[i]);
	}
}

/* push - append a repeatable option's value */
static bool
push(char **v, size_t *n, const char *s, const char *name)
{
	if (*n >= EVAL_AUTH_MAX) {
		cli_error("--%s is accepted at most %d times", name, EVAL_AUTH_MAX);
		return false;
	}
	v[(*n)++] = xstrdup(s);
	return true;
}

/*
 * domain_of - the domain of the first address in a From: value ("Joe
 * <joe@example.org>", "(c) joe@example.org, ann@example.net") or of a bare
 * domain; quoted strings and comments are skipped.  Lower case; caller frees.
 */
static char *
domain_of(const char *s)
{
	const char *p = s, *at = NULL, *e;
	int depth = 0;
	char *d;
	size_t n;

	for (; *p; p++) {
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				break;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')' && depth > 0) {
			depth--;
		} else if (*p == '@' && depth == 0) {
			at = p;
			break;
		}
	}
	if (at == NULL)
		at = strrchr(s, '@');
	p = at ? at + 1 : s;
	while (*p == ' ' || *p == '\t' || *p == '<')
		p++;
	for (e = p; *e && !strchr(" \t<>,;()\"", *e); e++)
		;
	d = xstrndup(p, (size_t)(e - p));
	n = strlen(d);
	if (n > 1 && d[n - 1] == '.')
		d[--n] = '\0';
	return str_lower(d);
}

static bool
result_ok(const char *r)
{
	static const char *const ok[] = { "pass", "fail", "softfail", "neutral", "none",
	    "temperror", "permerror", "policy", NULL };

	for (size_t i = 0; ok[i]; i++)
		if (str_caseeq(r, ok[i]))
			return true;
	return false;
}

/* parse - the options of dmarc lint and dmarc eval; CLI_OK, or how to stop */
static enum cli_status
parse(int argc, char **argv, struct dmarc_opts *o)
{
	struct cli_parser *p = cli_parser_new("dmarc", argc, argv);
	enum opt_id id;
	bool bad = false;

	while ((id = cli_next(p, bad)) != OPT_END) {
		switch (id) {
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_DMARC_RULES:
			if (!dmarc_rules_parse(optarg, &o->rules)) {
				cli_error("--dmarc-rules wants 7489, 9989 or both");
				bad = true;
			}
			break;
		case OPT_PSL:
			free(o->psl);
			o->psl = xstrdup(optarg);
			break;
		case OPT_PROFILE:
			free(o->profile);
			o->profile = xstrdup(optarg);
			break;
		case OPT_DOMAIN:
			free(o->domain);
			o->domain = domain_of(optarg);
			break;
		case OPT_FROM:
			free(o->from);
			o->from = domain_of(optarg);
			break;
		case OPT_REPLAY:
			free(o->replay);
			o->replay = xstrdup(optarg);
			break;
		case OPT_RESOLVER:
			free(o->resolver);
			o->resolver = xstrdup(optarg);
			break;
		case OPT_TRUST_ANCHOR:
			free(o->trust_anchor);
			o->trust_anchor = xstrdup(optarg);
			break;
		case OPT_TIMEOUT:
			bad = !cli_seconds("timeout", optarg, 86400, &o->timeout);
			break;
		case OPT_SPF_DOMAIN:
			bad = !push(o->spf_dom, &o->nspf_dom, optarg, "spf-domain");
			break;
		case OPT_DKIM_DOMAIN:
			bad = !push(o->dkim_dom, &o->ndkim_dom, optarg, "dkim-domain");
			break;
		case OPT_SPF_RESULT:
		case OPT_DKIM_RESULT:
			if (!result_ok(optarg)) {
				cli_error("--%s wants pass, fail, softfail, neutral, none, temperror or "
				    "permerror", opt_names[id]);
				bad = true;
			} else if (id == OPT_SPF_RESULT) {
				bad = !push(o->spf_res, &o->nspf_res, optarg, "spf-result");
			} else {
				bad = !push(o->dkim_res, &o->ndkim_res, optarg, "dkim-result");
			}
			break;
		default:
			break;
		}
	}
	return cli_parser_end(p);
}

/* load_psl - --psl FILE or the default list; NULL after an error */
static struct suffix_list *
load_psl(const char *path)
{
	struct suffix_list *l = NULL;
	char *err = NULL;

	if (suffix_list_open(path, &l, &err) != MS_OK) {
		cli_error("%s", err);
		free(err);
		return NULL;
	}
	return l;
}

/* dmarc_lint_cmd - parse and judge one record given on the command line */
static int
dmarc_lint_cmd(struct dmarc_opts *o, const char *record)
{
	struct arena ar;
	struct dmarc_record r;
	struct finding_list l;
	struct profile *prof = NULL;
	const char *domain = o->domain ? o->domain : "example.org";
	size_t counts[SEV__COUNT];
	char *err = NULL;
	int rc = EXIT_USAGE;

	arena_init(&ar);
	findings_init(&l);
	if (o->profile && profile_load(o->profile, &prof, &err) != MS_OK) {
		cli_error("%s", err);
		goto out;
	}
	if (xnomem(dmarc_record_parse(&ar, record, strlen(record), &r)) != MS_OK) {
		cli_error("the record is longer than a TXT record can be");
		goto out;
	}
	dmarc_record_lint(&ar, &r, domain, o->rules, &l);
	if (prof)
		dmarc_record_lint_profile(&ar, &r, domain, prof, &l);
	findings_count(&l, counts);
	if (o->json) {
		json_t *j = json_object(), *valid = json_object();
		char *s;

		doc_add_schema(j, DOC_DMARC);
		json_object_set_new(j, "command", json_string("lint"));
		doc_add_version(j);
		json_object_set_new(j, "rules", json_string(dmarc_rules_name(o->rules)));
		json_object_set_new(j, "domain", json_text(domain));
		json_object_set_new(j, "record", json_text(record));
		json_object_set_new(valid, "rfc7489", json_boolean(dmarc_record_valid(&r,
		    DMARC_RULES_7489)));
		json_object_set_new(valid, "rfc9989", json_boolean(dmarc_record_valid(&r,
		    DMARC_RULES_9989)));
		json_object_set_new(j, "valid", valid);
		json_object_set_new(j, "parsed", dmarc_record_to_json(&r));
		json_object_set_new(j, "findings", findings_to_json(&l));
		s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
		free(s);
		json_decref(j);
	} else {
		printf("record for _dmarc.%s (rules: %s): valid for RFC 7489 receivers: %s; for "
		    "RFC 9989 receivers: %s\n", domain, dmarc_rules_name(o->rules),
		    dmarc_record_valid(&r, DMARC_RULES_7489) ? "yes" : "no",
		    dmarc_record_valid(&r, DMARC_RULES_9989) ? "yes" : "no");
		for (size_t i = 0; i < l.n; i++) {
			const struct finding *f = &l.v[i];

			printf("  [%s] %s: %s\n", severity_name(f->severity), finding_def(f)->id,
			    f->message);
			if (f->advice) {
				/* continuation lines under the first, as check prints them */
				fputs("      publish: ", stdout);
				for (const char *c = f->advice; *c; c++) {
					putchar(*c);
					if (*c == '\n' && c[1])
						fputs("               ", stdout);
				}
				putchar('\n');
			}
		}
	}
	rc = counts[SEV_ERROR] ? EXIT_ERRORS : EXIT_CLEAN;
out:
	free(err);
	profile_free(prof);
	findings_free(&l);
	arena_free(&ar);
	return rc;
}

/* The discoveries an evaluation needs: the From domain and every SPF/DKIM domain. */
struct eval_run {
	struct dmarc_discovery *from;
	struct dmarc_discovery *auth[2 * EVAL_AUTH_MAX];
	size_t nauth;
	bool done;
};

static void
disc_done(struct audit *a, struct dmarc_discovery *d, void *arg)
{
	(void)a;
	(void)d;
	(void)arg;
}

static void
audit_done(struct audit *a, void *arg)
{
	struct eval_run *run = arg;

	(void)a;
	run->done = true;
}

/* org9989 - the tree-walk organizational domain discovered for name */
static const char *
org9989(const struct eval_run *run, const char *name)
{
	for (size_t i = 0; i < run->nauth; i++)
		if (dns_name_equal(run->auth[i]->domain, name))
			return run->auth[i]->m9989.temperror ? NULL : run->auth[i]->m9989.org_domain;
	return NULL;
}

/* auth_json - the SPF or DKIM inputs as given */
static json_t *
auth_json(const struct dmarc_auth *v, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "domain", json_text(v[i].domain));
		json_object_set_new(o, "result", json_text(v[i].result));
		json_array_append_new(arr, o);
	}
	return arr;
}

static void
print_eval_text(const char *label, const struct dmarc_eval *e, const char *method)
{
	printf("%s (%s, organizational domain %s):\n", label, method,
	    e->org_domain ? e->org_domain : "-");
	printf("  result: %s - %s\n", e->result, e->why);
	if (e->policy_domain)
		printf("  policy: %s=%s from _dmarc.%s\n", e->policy_source ? e->policy_source : "p",
		    dmarc_policy_name(e->policy) ? dmarc_policy_name(e->policy) : "-",
		    e->policy_domain);
	printf("  alignment: dkim %s (adkim=%c%s%s), spf %s (aspf=%c%s%s)\n",
	    e->dkim_aligned ? "aligned" : e->dkim_align_unknown ? "alignment unknown" : "not aligned",
	    e->adkim,
	    e->dkim_aligned_domain ? ", " : "", e->dkim_aligned_domain ? e->dkim_aligned_domain : "",
	    e->spf_aligned ? "aligned" : e->spf_align_unknown ? "alignment unknown" : "not aligned",
	    e->aspf,
	    e->spf_aligned_domain ? ", " : "", e->spf_aligned_domain ? e->spf_aligned_domain : "");
	if (e->dkim_align_unknown || e->spf_align_unknown)
		printf("  (alignment cannot be determined: %s)\n", e->why);
	printf("  disposition: %s%s", dmarc_policy_name(e->disposition),
	    e->testing ? " (t=y: one step milder)" : "");
	if (e->pct < 100 && strcmp(e->result, "fail") == 0)
		printf(" for %u%% of failing mail, one step milder for the rest (pct)", e->pct);
	printf("\n");
}

/* dmarc_eval_cmd - discover the policy of the From domain and evaluate the given results */
static int
dmarc_eval_cmd(struct dmarc_opts *o, struct suffix_list *psl)
{
	struct dmarc_auth spf[EVAL_AUTH_MAX], dkim[EVAL_AUTH_MAX];
	struct session_config scfg;
	struct session *ses = NULL;
	struct audit *a = NULL;
	struct check_options copts;
	struct eval_run run;
	char *err = NULL;
	int rc = EXIT_USAGE;

	memset(&run, 0, sizeof(run));
	if (o->from == NULL || *o->from == '\0') {
		cli_error("dmarc eval needs --from DOMAIN");
		goto out;
	}
	if (o->nspf_res > o->nspf_dom || o->ndkim_res > o->ndkim_dom) {
		cli_error("each --spf-result/--dkim-result belongs to a --spf-domain/--dkim-domain "
		    "given before it");
		goto out;
	}
	for (size_t i = 0; i < o->nspf_dom; i++) {
		char *d = domain_of(o->spf_dom[i]);

		free(o->spf_dom[i]);
		o->spf_dom[i] = d;
		spf[i].domain = d;
		spf[i].result = i < o->nspf_res ? o->spf_res[i] : "pass";
	}
	for (size_t i = 0; i < o->ndkim_dom; i++) {
		char *d = domain_of(o->dkim_dom[i]);

		free(o->dkim_dom[i]);
		o->dkim_dom[i] = d;
		dkim[i].domain = d;
		dkim[i].result = i < o->ndkim_res ? o->dkim_res[i] : "pass";
	}
	memset(&scfg, 0, sizeof(scfg));
	scfg.replay_path = o->replay;
	scfg.resolver = o->resolver;
	scfg.trust_anchor = o->trust_anchor;
	scfg.timeout = o->timeout;
	scfg.psl = psl;
	if (session_new(&scfg, &ses, &err) != MS_OK) {
		cli_error("%s", err);
		goto out;
	}
	memset(&copts, 0, sizeof(copts));
	a = audit_new(o->from, 0, &copts, &ses->env, NULL, audit_done, &run);
	audit_hold(a);
	run.from = dmarc_discover(a, o->from, disc_done, NULL);
	for (size_t i = 0; i < o->nspf_dom + o->ndkim_dom; i++) {
		const char *d = i < o->nspf_dom ? spf[i].domain : dkim[i - o->nspf_dom].domain;
		bool seen = false;

		for (size_t k = 0; k < run.nauth; k++)
			if (dns_name_equal(run.auth[k]->domain, d))
				seen = true;
		if (!seen)
			run.auth[run.nauth++] = dmarc_discover(a, d, disc_done, NULL);
	}
	audit_release(a);
	if (!run.done)
		event_base_dispatch(ses->base);
	for (size_t i = 0; i < o->nspf_dom; i++)
		spf[i].org9989 = org9989(&run, spf[i].domain);
	for (size_t i = 0; i < o->ndkim_dom; i++)
		dkim[i].org9989 = org9989(&run, dkim[i].domain);

	{
		struct dmarc_eval e7, e9;
		bool want7 = o->rules != DMARC_RULES_9989, want9 = o->rules != DMARC_RULES_7489;

		dmarc_evaluate(&a->arena, psl, run.from, DMARC_RULES_7489, spf, o->nspf_dom, dkim,
		    o->ndkim_dom, &e7);
		dmarc_evaluate(&a->arena, psl, run.from, DMARC_RULES_9989, spf, o->nspf_dom, dkim,
		    o->ndkim_dom, &e9);
		if (o->json) {
			json_t *j = json_object(), *results = json_object();
			char *s;

			doc_add_schema(j, DOC_DMARC);
			json_object_set_new(j, "command", json_string("eval"));
			doc_add_version(j);
			json_object_set_new(j, "rules", json_string(dmarc_rules_name(o->rules)));
			json_object_set_new(j, "from", json_text(o->from));
			json_object_set_new(j, "spf", auth_json(spf, o->nspf_dom));
			json_object_set_new(j, "dkim", auth_json(dkim, o->ndkim_dom));
			json_object_set_new(j, "psl", json_text(suffix_list_source(psl)));
			json_object_set_new(j, "discovery", dmarc_discovery_to_json(run.from,
			    o->rules));
			if (want7)
				json_object_set_new(results, "rfc7489", dmarc_eval_to_json(&e7));
			if (want9)
				json_object_set_new(results, "rfc9989", dmarc_eval_to_json(&e9));
			json_object_set_new(j, "results", results);
			s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			printf("%s\n", s);
			free(s);
			json_decref(j);
		} else {
			printf("From: %s\n", o->from);
			if (want7)
				print_eval_text("RFC 7489", &e7, "public suffix list");
			if (want9)
				print_eval_text("RFC 9989", &e9, "DNS tree walk");
		}
		rc = (want7 && strcmp(e7.result, "temperror") == 0) ||
		    (want9 && strcmp(e9.result, "temperror") == 0) ? EXIT_UNKNOWN : EXIT_CLEAN;
		if (ses->res->unreachable)
			rc = EXIT_USAGE;	/* no resolver answered (said on stderr) */
	}
out:
	audit_free(a);
	session_free(ses);
	free(err);
	return rc;
}

int
cmd_dmarc(int argc, char **argv)
{
	struct dmarc_opts o;
	struct suffix_list *psl = NULL;
	const char *sub;
	enum cli_status st;
	int rc = EXIT_USAGE;

	memset(&o, 0, sizeof(o));
	o.timeout = 5;
	if ((st = parse(argc, argv, &o)) != CLI_OK) {
		rc = cli_status_exit(st);
		goto out;
	}
	if (optind >= argc) {
		cli_error("dmarc needs a subcommand: lint RECORD or eval --from DOMAIN (see "
		    "'mailsec help dmarc')");
		goto out;
	}
	sub = argv[optind];
	if ((psl = load_psl(o.psl)) == NULL)
		goto out;
	if (strcmp(sub, "lint") == 0) {
		if (optind + 2 != argc) {
			cli_error("dmarc lint takes exactly one RECORD (quote it)");
			goto out;
		}
		rc = dmarc_lint_cmd(&o, argv[optind + 1]);
	} else if (strcmp(sub, "eval") == 0) {
		if (optind + 1 != argc) {
			cli_error("dmarc eval takes no arguments besides its options");
			goto out;
		}
		rc = dmarc_eval_cmd(&o, psl);
	} else {
		cli_error("unknown dmarc subcommand \"%s\" (lint or eval)", sub);
	}
out:
	suffix_list_free(psl);
	opts_free(&o);
	return rc;
}
