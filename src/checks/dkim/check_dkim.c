/* src/checks/dkim/check_dkim.c - DKIM: selector discovery and key records (RFC 6376, RFC 8301, RFC 8463) */
#include "checks/dkim/check_dkim.h"
#include "checks/dkim/dkim_key_cache.h"
#include "audit/audit.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "dns/zonetext.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DKIM_NAMES_MAX		100000	/* selectors and known names an audit may be given */

/* The dkim area's options. */
struct dkim_area_opts {
	struct area_strv selectors;	/* --dkim-selector, tried first (config: dkim_selectors) */
	/*
	 * Full names "SELECTOR._domainkey.DOMAIN" known to hold records (lint:
	 * every one in its files): tried under their domain like the common
	 * selectors (not required).  Set by programs, not a command-line option.
	 */
	struct area_strv names;
	/*
	 * Full names "SELECTOR._domainkey.DOMAIN" of the selectors DMARC
	 * aggregate reports saw signing as DOMAIN (check --selectors-from-reports,
	 * the monitor): tried like --dkim-selector's, and said to come from the
	 * reports.  Names under other domains are ignored, so one list serves a
	 * run of many domains.  Set by programs, not a command-line option.
	 */
	struct area_strv report_names;
	/*
	 * Full names "SELECTOR._domainkey.DOMAIN" of the selectors a full scan
	 * found keys at ("*._domainkey.DOMAIN": a wildcard key), for the
	 * monitor's narrowed rounds (dkim-scan known).  Judged like the common
	 * selectors.  Set by programs, not a command-line option.
	 */
	struct area_strv known;
	/*
	 * dkim-scan known (the monitor, docs/monitor.md): ask only the
	 * selectors of the lists above, not the common ones nor (unless a
	 * wildcard key is known) the wildcard probe; when none of them holds a
	 * key the audit scans fully after all, so "no key found" is only ever
	 * said by a full scan.  facts.dkim.scan says which was done.  Default
	 * (full): the scan check always does.
	 */
	bool narrow;
};

static const struct dkim_area_opts dkim_defaults = { { NULL, 0 }, { NULL, 0 }, { NULL, 0 }, { NULL, 0 },
	false };

/* selector_ok - a DKIM selector is one or more DNS labels of letters, digits, '-', '_' */
static bool
selector_ok(const char *s)
{
	size_t len = strlen(s);

	return !(len == 0 || len > 200 || s[0] == '.' || s[len - 1] == '.' || strstr(s, "..") ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != len);
}

/* set_selector - --dkim-selector SELECTOR (NULL: forget the list) */
static enum ms_status
set_selector(void *settings, const char *value, char *why, size_t whylen)
{
	struct dkim_area_opts *o = settings;

	if (value && !selector_ok(value)) {
		snprintf(why, whylen, "dkim selector \"%s\" is not DNS labels (letters, digits, "
		    "'-', '_', '.')", value);
		return MS_ERR_SYNTAX;
	}
	if (area_strv_add(&o->selectors, value, DKIM_NAMES_MAX) != MS_OK) {
		snprintf(why, whylen, "--dkim-selector: at most %d", DKIM_NAMES_MAX);
		return MS_ERR_LIMIT;
	}
	return MS_OK;
}

/* set_name - a full selector name known to exist (NULL: forget the list) */
static enum ms_status
set_name(void *settings, const char *value, char *why, size_t whylen)
{
	struct dkim_area_opts *o = settings;

	if (area_strv_add(&o->names, value, DKIM_NAMES_MAX) != MS_OK) {
		snprintf(why, whylen, "dkim-name: at most %d", DKIM_NAMES_MAX);
		return MS_ERR_LIMIT;
	}
	return MS_OK;
}

/* set_report_name - a selector's full name seen in DMARC reports (NULL: forget the list) */
static enum ms_status
set_report_name(void *settings, const char *value, char *why, size_t whylen)
{
	struct dkim_area_opts *o = settings;

	if (value && !selector_ok(value)) {
		snprintf(why, whylen, "dkim report name \"%s\" is not DNS labels", value);
		return MS_ERR_SYNTAX;
	}
	if (area_strv_add(&o->report_names, value, DKIM_NAMES_MAX) != MS_OK) {
		snprintf(why, whylen, "dkim-report-name: at most %d", DKIM_NAMES_MAX);
		return MS_ERR_LIMIT;
	}
	return MS_OK;
}

/* set_known - a selector's full name a full scan found a key at (NULL: forget the list) */
static enum ms_status
set_known(void *settings, const char *value, char *why, size_t whylen)
{
	struct dkim_area_opts *o = settings;

	if (value && !selector_ok(value) && !(value[0] == '*' && value[1] == '.' &&
	    selector_ok(value + 2))) {
		snprintf(why, whylen, "dkim known name \"%s\" is not DNS labels", value);
		return MS_ERR_SYNTAX;
	}
	if (area_strv_add(&o->known, value, DKIM_NAMES_MAX) != MS_OK) {
		snprintf(why, whylen, "dkim-known-name: at most %d", DKIM_NAMES_MAX);
		return MS_ERR_LIMIT;
	}
	return MS_OK;
}

/* set_scan - dkim-scan full|known */
static enum ms_status
set_scan(void *settings, const char *value, char *why, size_t whylen)
{
	struct dkim_area_opts *o = settings;

	if (value == NULL || strcmp(value, "full") == 0)
		o->narrow = false;
	else if (strcmp(value, "known") == 0)
		o->narrow = true;
	else {
		snprintf(why, whylen, "dkim-scan wants full or known, not \"%s\"", value);
		return MS_ERR_SYNTAX;
	}
	return MS_OK;
}

/* dkim_opts_free - the four lists */
static void
dkim_opts_free(void *settings)
{
	struct dkim_area_opts *o = settings;

	area_strv_free(&o->selectors);
	area_strv_free(&o->names);
	area_strv_free(&o->report_names);
	area_strv_free(&o->known);
}

static const struct area_option dkim_options[] = {
	{ "dkim-selector", "dkim_selectors", true, set_selector },
	{ "dkim-name", NULL, true, set_name },
	{ "dkim-report-name", NULL, true, set_report_name },
	{ "dkim-known-name", NULL, true, set_known },
	{ "dkim-scan", NULL, false, set_scan },
	{ NULL, NULL, false, NULL }
};

const struct area_options check_dkim_options = {
	"dkim", sizeof(struct dkim_area_opts), &dkim_defaults, dkim_opts_free, dkim_options
};

/* RFC 8301 §3.2: signers MUST use at least 1024 bits and SHOULD use 2048. */
#define RFC_RSA_MIN_BITS	1024
#define RFC_RSA_GOOD_BITS	2048
/* RFC 8301 §3.2: verifiers MUST validate keys of 1024 to 4096 bits; larger ones may fail. */
#define RFC_RSA_MAX_BITS	4096

/* A label no one publishes: an answer for it comes from a wildcard. */
#define WILDCARD_PROBE		"mailsec-wildcard-probe-5c1e"

/*
 * Selectors of common providers and software, tried on every domain
 * (documented in docs/findings/dkim.selector.none-found.md).  Selectors cannot
 * be listed from DNS; --dkim-selector adds the ones a domain really uses.
 */
static const char *const builtin_selectors[] = {
	"google",		/* Google Workspace */
	"selector1", "selector2",	/* Microsoft 365 */
	"k1", "k2", "k3",	/* Mailchimp / Mandrill */
	"s1", "s2",		/* SendGrid and others */
	"default",		/* OpenDKIM, cPanel, many hosts */
	"dkim", "mail", "smtp", "email",
	"key1", "key2",
	"sig1",			/* iCloud custom domains */
	"fm1", "fm2", "fm3",	/* Fastmail */
	"protonmail", "protonmail2", "protonmail3",
	"zoho", "zmail",	/* Zoho */
	"mandrill", "mailjet", "mxvault",
	"everlytickey1", "everlytickey2",
	"dkim1", "dkim2",
	NULL
};

const char *const *
dkim_builtin_selectors(void)
{
	return builtin_selectors;
}

char *
dkim_txt_zone(const char *s, size_t n)
{
	return zonetext_txt_quoted(s, n);
}

/* add - findings_add plus evidence (the record at name) */
static struct finding * __attribute__((format(printf, 6, 7)))
add(struct finding_list *l, enum finding_id id, const char *name, const char *record, size_t len,
    const char *fmt, ...)
{
	struct finding *f;
	va_list ap;
	char *z, *ev;

	va_start(ap, fmt);
	f = findings_vadd(l, id, name, fmt, ap);
	va_end(ap);
	if (f && record) {
		z = dkim_txt_zone(record, len);
		ev = xasprintf("%s. IN TXT %s", name, z);
		finding_set_evidence(f, ev);
		free(ev);
		free(z);
	}
	return f;
}

/* typo_key - the base64 item of "v=DKIM1, k-rsa, MIGf..." if there is one (borrowed span) */
static bool
typo_key(const char *r, size_t len, size_t *off, size_t *n)
{
	size_t i = 0;

	while (i < len) {
		size_t s = i, e;
		bool b64 = true;

		while (i < len && r[i] != ',' && r[i] != ';')
			i++;
		e = i++;
		while (s < e && (r[s] == ' ' || r[s] == '\t'))
			s++;
		while (e > s && (r[e - 1] == ' ' || r[e - 1] == '\t'))
			e--;
		if (e - s >= 2 && r[s] == 'p' && r[s + 1] == '=')
			s += 2;
		for (size_t j = s; j < e; j++)
			if (!((r[j] >= 'A' && r[j] <= 'Z') || (r[j] >= 'a' && r[j] <= 'z') ||
			    (r[j] >= '0' && r[j] <= '9') || r[j] == '+' || r[j] == '/' || r[j] == '='))
				b64 = false;
		if (b64 && e - s >= 40) {
			*off = s;
			*n = e - s;
			return true;
		}
	}
	return false;
}

/* problem_id - the finding a parse problem becomes */
static enum finding_id
problem_id(enum dkim_problem_code c)
{
	switch (c) {
	case DKIM_P_VERSION: return F_DKIM_RECORD_VERSION;
	case DKIM_P_NO_KEY: return F_DKIM_KEY_MISSING;
	case DKIM_P_BASE64: return F_DKIM_KEY_BASE64;
	case DKIM_P_BAD_KEY: return F_DKIM_KEY_INVALID;
	case DKIM_P_ALG_UNKNOWN: return F_DKIM_KEY_ALGORITHM;
	case DKIM_P_HASH_NONE: return F_DKIM_HASH_UNSUPPORTED;
	case DKIM_P_SERVICE: return F_DKIM_SERVICE_NOT_EMAIL;
	case DKIM_P_TRAILING_WSP: return F_DKIM_RECORD_TRAILING_SPACE;
	case DKIM_P_UNKNOWN_TAG: return F_DKIM_RECORD_UNKNOWN_TAG;
	case DKIM_P_SYNTAX: case DKIM_P_COMMA_TYPO: case DKIM_P_DUP_TAG:
	case DKIM_P_VERSION_NOT_FIRST: default:
		return F_DKIM_RECORD_SYNTAX;
	}
}

void
dkim_key_report(struct finding_list *l, const char *name, const char *r, size_t len,
    const struct dkim_key *k, const struct profile *p)
{
	int64_t min_err = profile_int(p, "dkim.min_rsa_bits_error", RFC_RSA_MIN_BITS);
	int64_t min_warn = profile_int(p, "dkim.min_rsa_bits_warning", RFC_RSA_GOOD_BITS);
	const char *pname = p ? p->name : NULL;
	struct finding *f;

	{
		/*
		 * Typographic quotes copied from a document: one diagnosis with
		 * the record as meant, rather than the parse problems they cause.
		 */
		static const char *const tags[] = { "v", "h", "k", "n", "p", "s", "t", "g", NULL };
		int what = 0;
		char *fixed = len <= 4096 ? str_fix_tag_list(r, len, tags, &what) : NULL;
		struct dkim_key fk;

		if (fixed && (what & STR_FIX_QUOTES) && dkim_key_parse(fixed, strlen(fixed), &fk) == MS_OK &&
		    fk.is_dkim) {
			char *z = dkim_txt_zone(fixed, strlen(fixed));

			f = add(l, F_DKIM_RECORD_SYNTAX, name, r, len, "%s: the record contains "
			    "typographic quotes copied from a document%s, so verifiers find no key "
			    "record", name, what & STR_FIX_SEPARATORS ?
			    " and tags separated by ',' (or written k-rsa)" : "");
			finding_set_advice(f, "%s. 3600 IN TXT %s", name, z);
			free(z);
			free(fixed);
			return;
		}
		free(fixed);
	}
	for (size_t i = 0; i < k->nproblems; i++) {
		const struct problem *pr = &k->problems[i];
		char where[PROBLEM_WHERE_MAX];

		f = add(l, problem_id(pr->code), name, r, len, "%s: %s%s", name, pr->msg,
		    problem_where(pr, where));
		if (pr->code == DKIM_P_COMMA_TYPO) {
			size_t off, n;

			static const char *const tags[] = { "v", "h", "k", "n", "p", "s", "t", "g",
			    NULL };
			int what = 0;
			char *fixed = len <= 4096 ? str_fix_tag_list(r, len, tags, &what) : NULL;
			struct dkim_key fk;

			if (typo_key(r, len, &off, &n))
				finding_set_advice(f, "%s. 3600 IN TXT \"v=DKIM1; k=rsa; p=%.*s\"", name,
				    (int)n, r + off);
			else if (fixed && what && dkim_key_parse(fixed, strlen(fixed), &fk) == MS_OK &&
			    fk.is_dkim && fk.has_p) {
				char *z = dkim_txt_zone(fixed, strlen(fixed));

				finding_set_advice(f, "%s. 3600 IN TXT %s", name, z);
				free(z);
			} else
				finding_set_advice(f, "%s. 3600 IN TXT \"v=DKIM1; k=rsa; p=<base64 public key>\"",
				    name);
			free(fixed);
		} else if (pr->code == DKIM_P_TRAILING_WSP) {
			size_t e = len;

			while (e > 0 && (r[e - 1] == ' ' || r[e - 1] == '\t' || r[e - 1] == '\r' ||
			    r[e - 1] == '\n'))
				e--;
			if (e < 4096) {
				char *z = dkim_txt_zone(r, e);

				finding_set_advice(f, "%s. 3600 IN TXT %s", name, z);
				free(z);
			}
		}
	}
	if (k->dropped)
		add(l, F_DKIM_RECORD_SYNTAX, name, NULL, 0, "%zu more problems not shown", k->dropped);
	if (k->revoked) {
		add(l, F_DKIM_KEY_REVOKED, name, r, len,
		    "%s has an empty p=: the key is revoked and signatures with it fail", name);
		return;
	}
	if (k->testing && k->type != DKIM_KEY_NONE) {
		f = add(l, F_DKIM_KEY_TESTING, name, r, len,
		    "%s is in testing mode (t=y): verifiers may treat its signatures as absent", name);
		finding_set_advice(f, "; remove y from t= once signing works, e.g.\n"
		    "%s. 3600 IN TXT \"v=DKIM1; k=%s; p=...\"", name, k->k);
	}
	if (k->type != DKIM_KEY_NONE && k->h_present && k->h_sha1 && !k->h_sha256) {
		f = add(l, F_DKIM_HASH_SHA1_ONLY, name, r, len,
		    "%s allows only sha1 (h=sha1); RFC 8301 says verifiers must not accept SHA-1 signatures",
		    name);
		finding_set_advice(f, "; sign with rsa-sha256 and drop h= (or publish h=sha256)\n"
		    "%s. 3600 IN TXT \"v=DKIM1; k=%s; p=...\"", name, k->k);
	}
	if (k->type == DKIM_KEY_RSA && dkim_key_has_error(k) == false) {
		bool profile_rule;

		if (k->bits < min_err) {
			profile_rule = k->bits >= RFC_RSA_MIN_BITS;
			f = add(l, F_DKIM_KEY_RSA_TOO_SMALL, name, r, len,
			    "%s is a %d-bit RSA key; %s requires at least %lld bits%s", name, k->bits,
			    profile_rule ? "profile" : "RFC 8301", (long long)min_err,
			    profile_rule ? "" : " and verifiers reject smaller keys");
		} else if (k->bits < min_warn) {
			profile_rule = k->bits >= RFC_RSA_GOOD_BITS;
			f = add(l, F_DKIM_KEY_RSA_SHORT, name, r, len,
			    "%s is a %d-bit RSA key; %s recommends %lld bits", name, k->bits,
			    profile_rule ? "the profile" : "RFC 8301", (long long)min_warn);
		} else if (k->bits > RFC_RSA_MAX_BITS) {
			f = add(l, F_DKIM_KEY_RSA_TOO_LARGE, name, r, len,
			    "%s is a %d-bit RSA key; verifiers need only support up to %d bits (RFC 8301), "
			    "so some will fail it", name, k->bits, RFC_RSA_MAX_BITS);
			finding_set_advice(f, "; generate a 2048-bit key and publish it under a new selector:\n"
			    ";   openssl genrsa -out dkim.key 2048\n"
			    ";   openssl rsa -in dkim.key -pubout -outform der | openssl base64 -A\n"
			    "newselector._domainkey.%s. 3600 IN TXT \"v=DKIM1; k=rsa; p=<base64 public key>\"",
			    strstr(name, "._domainkey.") ? strstr(name, "._domainkey.") + 12 : name);
			return;
		} else {
			add(l, F_DKIM_KEY_VALID, name, r, len, "%s is a %d-bit RSA key%s", name, k->bits,
			    k->pkcs1 ? " (published as a bare RSAPublicKey, which most verifiers accept)" : "");
			return;
		}
		if (f && profile_rule && pname) {
			char *m = xasprintf("%s (profile %s)", f->message, pname);

			free(f->message);
			f->message = m;
			finding_set_profile(f, pname);
		}
		finding_set_advice(f, "; generate a %lld-bit key and publish it under a new selector:\n"
		    ";   openssl genrsa -out dkim.key %lld\n"
		    ";   openssl rsa -in dkim.key -pubout -outform der | openssl base64 -A\n"
		    "newselector._domainkey.%s. 3600 IN TXT \"v=DKIM1; k=rsa; p=<base64 public key>\"",
		    (long long)(min_warn > 2048 ? min_warn : 2048),
		    (long long)(min_warn > 2048 ? min_warn : 2048),
		    strstr(name, "._domainkey.") ? strstr(name, "._domainkey.") + 12 : name);
	} else if (k->type == DKIM_KEY_ED25519 && !dkim_key_has_error(k)) {
		add(l, F_DKIM_KEY_VALID, name, r, len,
		    "%s is an Ed25519 key (RFC 8463); sign with an RSA key as well for verifiers "
		    "without Ed25519 support", name);
	}
}

/* ---- the check ------------------------------------------------------------ */

struct dkim_sel {
	const char *selector;
	const char *name;	/* selector._domainkey.domain */
	bool explicit;		/* from --dkim-selector or the reports */
	bool reported;		/* seen signing in DMARC aggregate reports */
	struct dkim_state *st;
	struct dns_answer *ans;
};

struct dkim_state {
	struct dkim_sel *sel;
	size_t n, left;
	struct dns_answer *probe;
	const char *probe_name;
	bool dk_nxdomain;	/* _domainkey is NXDOMAIN and that is trusted: no scan */
	/*
	 * _domainkey is NXDOMAIN but the domain's servers answered NXDOMAIN for
	 * an empty non-terminal too (or that could not be tested): the scan runs
	 * and judge says which of the two is true.
	 */
	bool dk_nx_untrusted;
	struct dns_answer *dk_ans;	/* the NXDOMAIN answer while its trust is tested, referenced */
	size_t ent_i;			/* which ent_tests entry is being tried */
	const char *nx_evidence;	/* why the NXDOMAIN was (not) trusted (arena) */
	bool null_mx;		/* the domain publishes only a null MX: it has no mail */
	bool narrow;		/* dkim-scan known: only the listed selectors (until judge falls back) */
	bool narrow_asked;	/* dkim-scan known was given: facts.dkim.scan says what was done */
	bool known_wildcard;	/* a wildcard key is known: the probe is asked in a narrowed scan */
	bool narrow_asked_nx;	/* the trusted NXDOMAIN's finding is raised */
};

/*
 * RFC 8020 §2: below an NXDOMAIN nothing exists, so the selector scan can be
 * skipped.  Some servers answer NXDOMAIN for an empty non-terminal (a name
 * with nothing of its own but names below it), which is exactly what
 * _domainkey is when selectors exist.  Unless the NXDOMAIN is signed, the
 * domain's servers are tested on an empty non-terminal the audit knows of:
 * the parent of a name two labels deep that other areas ask for anyway
 * (memoised, so no extra query when they run) and that exists.
 */
static const struct {
	const char *name;	/* the name that exists, under the domain */
	const char *ent;	/* its parent: an empty non-terminal */
} ent_tests[] = {
	{ "_smtp._tls", "_tls" },	/* TLS-RPT */
	{ "default._bimi", "_bimi" },	/* BIMI */
};

static void judge(struct audit *a, struct dkim_state *st);
static struct finding *nxdomain_finding(struct audit *a, struct dkim_state *st);

/*
 * report_selectors - which selectors came from the DMARC reports: the
 * facts' selectors_from_reports and one info finding naming them
 */
static void
report_selectors(struct audit *a, struct dkim_state *st, json_t *facts)
{
	json_t *from = json_array();
	const char *names = "", *ev = "";
	size_t n = 0;
	struct finding *f;

	json_object_set_new(facts, "selectors_from_reports", from);
	for (size_t i = 0; i < st->n; i++) {
		if (!st->sel[i].reported)
			continue;
		json_array_append_new(from, json_text(st->sel[i].selector));
		names = arena_printf(&a->arena, "%s%s%s", names, n ? " " : "", st->sel[i].selector);
		ev = arena_printf(&a->arena, "%s%s%s (from DMARC aggregate reports)", ev, n ? "\n" : "",
		    st->sel[i].name);
		n++;
	}
	if (n == 0)
		return;
	f = audit_finding(a, F_DKIM_SELECTOR_FROM_REPORTS, a->domain,
	    "%zu selector%s seen signing as %s in DMARC aggregate reports %s tried: %s", n,
	    n == 1 ? "" : "s", a->domain, n == 1 ? "was" : "were", names);
	finding_set_evidence(f, ev);
}

/* same_txt - whether two answers hold the same TXT texts (a wildcard's synthesis) */
static bool
same_txt(const struct dns_answer *x, const struct dns_answer *y)
{
	if (x->status != DNS_OK || y->status != DNS_OK || x->n != y->n)
		return false;
	for (size_t i = 0; i < x->n; i++) {
		bool found = false;

		for (size_t j = 0; j < y->n && !found; j++)
			found = x->rr[i].u.txt.len == y->rr[j].u.txt.len &&
			    memcmp(x->rr[i].u.txt.text, y->rr[j].u.txt.text, x->rr[i].u.txt.len) == 0;
		if (!found)
			return false;
	}
	return true;
}

static void
sel_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct dkim_sel *s = arg;

	s->ans = dns_answer_ref(ans);
	if (--s->st->left == 0)
		judge(a, s->st);
}

static void
probe_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct dkim_state *st = arg;

	st->probe = dns_answer_ref(ans);
	if (--st->left == 0)
		judge(a, st);
}

/* key_fact - one record's facts */
static json_t *
key_fact(const struct dkim_sel *s, const char *source, const struct dns_rr *rr,
    const struct dkim_key *k)
{
	json_t *o = json_object();

	json_object_set_new(o, "selector", json_text(s ? s->selector : "*"));
	json_object_set_new(o, "name", json_text(s ? s->name : NULL));
	json_object_set_new(o, "source", json_string(source));
	json_object_set_new(o, "record", json_textn(rr->u.txt.text, rr->u.txt.len));
	json_object_set_new(o, "key_type", json_string(k->type == DKIM_KEY_RSA ? "rsa" :
	    k->type == DKIM_KEY_ED25519 ? "ed25519" : "none"));
	json_object_set_new(o, "bits", json_integer(k->bits));
	json_object_set_new(o, "revoked", json_boolean(k->revoked));
	json_object_set_new(o, "testing", json_boolean(k->testing));
	json_object_set_new(o, "valid", json_boolean(k->type != DKIM_KEY_NONE && !dkim_key_has_error(k)));
	return o;
}

/* judge_records - the TXT records at one selector; returns how many are DKIM records */
static size_t
judge_records(struct audit *a, struct dkim_sel *s, json_t *keys, size_t *usable)
{
	const struct dns_answer *ans = s->ans;
	size_t ndkim = 0;
	struct dkim_key *k = arena_alloc(&a->arena, ans->n * sizeof(*k) + 1);

	for (size_t i = 0; i < ans->n; i++) {
		/* Only MS_ERR_ARG for NULL (a TXT rr's text never is); problems are in k[i]. */
		MS_IGNORE(dkim_key_parse_cached(a->dkim_keys, ans->rr[i].u.txt.text,
		    ans->rr[i].u.txt.len, &k[i]));
		if (k[i].is_dkim)
			ndkim++;
	}
	/* A built-in selector holding something else is not this domain's DKIM. */
	if (!s->explicit && ndkim == 0)
		return 0;
	if (ans->n > 1) {
		struct finding *f = audit_finding(a, F_DKIM_RECORD_SEVERAL, s->name,
		    "%s has %zu TXT records; verifiers pick one at random or fail", s->name, ans->n);
		char *ev = arena_strdup(&a->arena, "");

		for (size_t i = 0; i < ans->n; i++) {
			char *z = dkim_txt_zone(ans->rr[i].u.txt.text, ans->rr[i].u.txt.len);

			ev = arena_printf(&a->arena, "%s%s%s. IN TXT %s", ev, i ? "\n" : "", s->name, z);
			free(z);
		}
		finding_set_evidence(f, ev);
	}
	for (size_t i = 0; i < ans->n; i++) {
		dkim_key_report(&a->findings, s->name, ans->rr[i].u.txt.text, ans->rr[i].u.txt.len,
		    &k[i], a->opts->profile);
		json_array_append_new(keys, key_fact(s, s->reported ? "reports" :
		    s->explicit ? "option" : "builtin",
		    &ans->rr[i], &k[i]));
		if (k[i].type != DKIM_KEY_NONE && !dkim_key_has_error(&k[i]))
			(*usable)++;
	}
	return ans->n;
}

/* is_key - a TXT answer holds a DKIM key record (parsed through c, the session's cache) */
static bool
is_key(struct dkim_key_cache *c, const struct dns_answer *ans)
{
	struct dkim_key k;

	if (ans == NULL || ans->status != DNS_OK)
		return false;
	for (size_t i = 0; i < ans->n; i++) {
		/* Only MS_ERR_ARG for NULL (a TXT rr's text never is); problems are in k. */
		MS_IGNORE(dkim_key_parse_cached(c, ans->rr[i].u.txt.text, ans->rr[i].u.txt.len,
		    &k));
		if (k.is_dkim)
			return true;
	}
	return false;
}

/*
 * narrow_found - a narrowed scan found something judge counts as a key
 * (as judge does: any record at a named selector, a DKIM record at a known
 * one that is not the wildcard's, the wildcard's own)
 */
static bool
narrow_found(struct audit *a, const struct dkim_state *st)
{
	bool wildcard = false;
	struct dkim_key wk;

	/* the wildcard as judge sees it: its first record; a key counts as found unless revoked */
	if (st->probe && st->probe->status == DNS_OK && st->probe->n > 0) {
		/* Only MS_ERR_ARG for NULL (a TXT rr's text never is); problems are in wk. */
		MS_IGNORE(dkim_key_parse_cached(a->dkim_keys, st->probe->rr[0].u.txt.text,
		    st->probe->rr[0].u.txt.len, &wk));
		wildcard = wk.is_dkim;
		if (wk.is_dkim && !wk.revoked)
			return true;
	}
	for (size_t i = 0; i < st->n; i++) {
		const struct dkim_sel *s = &st->sel[i];

		if (s->ans == NULL || s->ans->status != DNS_OK || s->ans->n == 0)
			continue;
		if (s->explicit || (is_key(a->dkim_keys, s->ans) && !(wildcard && same_txt(s->ans, st->probe))))
			return true;
	}
	return false;
}

static void scan(struct audit *a, struct dkim_state *st);

static void
judge(struct audit *a, struct dkim_state *st)
{
	json_t *facts;

	/*
	 * A narrowed scan that found no key says nothing: the keys may have
	 * moved to a selector not asked.  Scan fully instead (the names asked
	 * already are answered from the audit's memo), so "no key found" is
	 * only ever a full scan's verdict.
	 */
	if (st->narrow && !narrow_found(a, st)) {
		for (size_t i = 0; i < st->n; i++)
			dns_answer_unref(st->sel[i].ans);
		dns_answer_unref(st->probe);
		st->probe = NULL;
		st->n = 0;
		st->narrow = false;
		scan(a, st);
		return;
	}
	facts = audit_facts(a, "dkim");
	if (st->narrow_asked)
		json_object_set_new(facts, "scan", json_string(st->narrow ? "known" : "full"));
	json_t *keys = json_array(), *tried = json_array();
	size_t found = 0, usable = 0, nfailed = 0, nfailed_common = 0;
	const struct dns_answer *first_failed = NULL;
	const char *failed_names = "";
	bool wildcard = false, wildcard_revoked = false;
	struct finding *f;

	json_object_set_new(facts, "keys", keys);
	json_object_set_new(facts, "selectors_tried", tried);
	for (size_t i = 0; i < st->n; i++)
		json_array_append_new(tried, json_text(st->sel[i].selector));
	report_selectors(a, st, facts);

	/* The wildcard, if any: a name no one publishes answered. */
	if (st->probe && st->probe->status == DNS_OK && st->probe->n > 0) {
		const struct dns_rr *rr = &st->probe->rr[0];
		struct dkim_key wk;

		/* Only MS_ERR_ARG for NULL (a TXT rr's text never is); problems are in wk. */
		MS_IGNORE(dkim_key_parse_cached(a->dkim_keys, rr->u.txt.text, rr->u.txt.len,
		    &wk));
		json_object_set_new(facts, "wildcard", json_textn(rr->u.txt.text, rr->u.txt.len));
		if (wk.is_dkim) {
			char *wname = arena_printf(&a->arena, "*._domainkey.%s", a->domain);

			wildcard = true;
			if (wk.revoked) {
				wildcard_revoked = true;
				add(&a->findings, F_DKIM_WILDCARD_REVOKED, wname, rr->u.txt.text,
				    rr->u.txt.len, "every selector of %s answers with a revoked key "
				    "(the parked-domain pattern)", a->domain);
			} else {
				add(&a->findings, F_DKIM_WILDCARD_KEY, wname, rr->u.txt.text,
				    rr->u.txt.len, "a wildcard key record answers for every selector of %s",
				    a->domain);
				dkim_key_report(&a->findings, wname, rr->u.txt.text, rr->u.txt.len, &wk,
				    a->opts->profile);
				json_array_append_new(keys, key_fact(NULL, "wildcard", rr, &wk));
				found++;
				if (wk.type != DKIM_KEY_NONE && !dkim_key_has_error(&wk))
					usable++;
			}
		}
	} else if (st->probe) {
		json_object_set_new(facts, "wildcard", json_null());
		if (dns_answer_failed(st->probe)) {
			/* Part of the scan: reported with the common selectors' failures. */
			nfailed_common++;
			first_failed = st->probe;
			failed_names = "(wildcard probe)";
		}
	}

	for (size_t i = 0; i < st->n; i++) {
		struct dkim_sel *s = &st->sel[i];

		if (!s->explicit && dns_answer_failed(s->ans)) {
			/* The common-selector scan: one finding for all its failures, below. */
			if (first_failed == NULL || first_failed == st->probe)
				first_failed = s->ans;	/* name a real selector */
			nfailed_common++;
			failed_names = arena_printf(&a->arena, "%s%s%s", failed_names,
			    *failed_names ? " " : "", s->selector);
			nfailed++;
			continue;
		}
		if (audit_lookup_failed(a, F_DKIM_LOOKUP_FAILED, s->name, s->ans)) {
			nfailed++;
			continue;
		}
		if (s->ans->status != DNS_OK || s->ans->n == 0) {
			if (s->explicit) {
				f = audit_finding(a, F_DKIM_SELECTOR_MISSING, s->name,
				    "selector %s%s has no key record: %s (%s)", s->selector,
				    s->reported ? " (seen signing in DMARC reports)" : "", s->name,
				    s->ans->status == DNS_NXDOMAIN ? "no such name" : "no TXT record");
				finding_set_advice(f, "%s. 3600 IN TXT \"v=DKIM1; k=rsa; p=<base64 public key>\"",
				    s->name);
			}
			continue;
		}
		if (!s->explicit && st->probe && wildcard && same_txt(s->ans, st->probe))
			continue;	/* synthesised by the wildcard */
		found += judge_records(a, s, keys, &usable);
	}

	if (nfailed_common == 1) {
		audit_lookup_failed(a, F_DKIM_LOOKUP_FAILED, first_failed->qname, first_failed);
	} else if (nfailed_common > 1) {
		f = audit_finding(a, F_DKIM_LOOKUP_FAILED, arena_printf(&a->arena, "_domainkey.%s",
		    a->domain), "%zu lookups of the DKIM selector scan of %s failed (%s%s%s, the "
		    "first at %s): %s", nfailed_common, a->domain, dns_outcome_name(first_failed->status),
		    first_failed->why ? ": " : "", first_failed->why ? first_failed->why : "",
		    first_failed->qname, failed_names);
		finding_set_severity(f, SEV_UNKNOWN);
	}
	if (st->dk_nx_untrusted && found > 0) {
		f = audit_finding(a, F_DKIM_DOMAINKEY_NXDOMAIN_WRONG, arena_printf(&a->arena,
		    "_domainkey.%s", a->domain), "_domainkey.%s answers NXDOMAIN, yet DKIM keys "
		    "exist below it: a verifier that trusts the NXDOMAIN (RFC 8020) will not find them",
		    a->domain);
		finding_set_evidence(f, st->nx_evidence);
	} else if (st->dk_nx_untrusted && nfailed == 0) {
		/* The scan confirmed the NXDOMAIN: the same verdict as a trusted one. */
		f = nxdomain_finding(a, st);
	}
	/* "None found" is a verdict: not when some selector could not be looked up. */
	if (found == 0 && nfailed == 0 && !st->dk_nxdomain && !st->dk_nx_untrusted &&
	    !(a->opts->parked && wildcard_revoked) && !a->opts->parked) {
		f = audit_finding(a, F_DKIM_SELECTOR_NONE_FOUND, a->domain,
		    "no DKIM key found at the %zu selectors tried; selectors cannot be listed from "
		    "DNS, so name yours with --dkim-selector", st->n);
		if (st->null_mx)
			finding_set_severity(f, SEV_INFO);
		finding_set_advice(f, "; publish the public key of the selector your mail is signed with:\n"
		    "selector._domainkey.%s. 3600 IN TXT \"v=DKIM1; k=rsa; p=<base64 public key>\"",
		    a->domain);
	}
	json_object_set_new(facts, "keys_found", json_integer((json_int_t)found));
	json_object_set_new(facts, "keys_usable", json_integer((json_int_t)usable));
	for (size_t i = 0; i < st->n; i++)
		dns_answer_unref(st->sel[i].ans);
	dns_answer_unref(st->probe);
	st->probe = NULL;
}

/* add_sel - append a selector unless already listed; the one listed is marked reported if this is */
static void
add_sel(struct audit *a, struct dkim_state *st, const char *sel, bool explicit, bool reported)
{
	for (size_t i = 0; i < st->n; i++)
		if (str_caseeq(st->sel[i].selector, sel)) {
			st->sel[i].reported = st->sel[i].reported || reported;
			return;
		}
	st->sel[st->n].selector = arena_strdup(&a->arena, sel);
	st->sel[st->n].reported = reported;
	st->sel[st->n].name = arena_printf(&a->arena, "%s._domainkey.%s", sel, a->domain);
	st->sel[st->n].explicit = explicit;
	st->sel[st->n].st = st;
	st->n++;
}

/* under_domain - the selector of a full name SELECTOR._domainkey.<the audit's domain>, or NULL (arena) */
static const char *
under_domain(struct audit *a, const char *n)
{
	const char *suffix = arena_printf(&a->arena, "._domainkey.%s", a->domain);
	size_t ln = strlen(n), ls = strlen(suffix);

	if (ln > ls && str_caseeq(n + ln - ls, suffix))
		return arena_printf(&a->arena, "%.*s", (int)(ln - ls), n);
	return NULL;
}

/* nxdomain_finding - dkim.domainkey.nxdomain, with why the NXDOMAIN is believed as evidence */
static struct finding *
nxdomain_finding(struct audit *a, struct dkim_state *st)
{
	struct finding *f = audit_finding(a, F_DKIM_DOMAINKEY_NXDOMAIN,
	    arena_printf(&a->arena, "_domainkey.%s", a->domain),
	    "_domainkey.%s does not exist, so no DKIM selector can exist below it (RFC 8020)",
	    a->domain);

	finding_set_evidence(f, st->nx_evidence);
	finding_set_advice(f, "; publish the key of the selector your mail is signed with:\n"
	    "selector._domainkey.%s. 3600 IN TXT \"v=DKIM1; k=rsa; p=<base64 public key>\"",
	    a->domain);
	if (a->opts->parked || st->null_mx)
		finding_set_severity(f, SEV_INFO);
	return f;
}

/* scan - ask the selectors (all, or below a trusted NXDOMAIN only the ones the user named) */
static void
scan(struct audit *a, struct dkim_state *st)
{
	const struct dkim_area_opts *o = audit_area_opts(a, &check_dkim_options);
	char *const *opt = o->selectors.v;
	size_t max = 0, nopt = 0, nknown = 0;
	bool want_probe;

	if (st->dk_nxdomain && !st->narrow_asked_nx) {
		st->narrow_asked_nx = true;	/* said once, also when a narrowed scan falls back */
		nxdomain_finding(a, st);
	}
	/* below a trusted NXDOMAIN only the named selectors are asked either way */
	if (st->dk_nxdomain)
		st->narrow = false;
	for (; opt && opt[nopt]; nopt++)
		;
	nknown = o->names.n;
	max = nopt + nknown + o->report_names.n + o->known.n +
	    (st->dk_nxdomain ? 0 : sizeof(builtin_selectors) / sizeof(*builtin_selectors));
	st->sel = arena_alloc(&a->arena, (max + 1) * sizeof(*st->sel));
	for (size_t i = 0; i < nopt; i++)
		add_sel(a, st, opt[i], true, false);
	/* Selectors the reports saw signing as this domain: judged like --dkim-selector's. */
	for (size_t i = 0; i < o->report_names.n; i++) {
		const char *sel = under_domain(a, o->report_names.v[i]);

		if (sel)
			add_sel(a, st, sel, true, true);
	}
	/* Names known to exist (lint's files): whatever their selector, judge them. */
	for (size_t i = 0; i < nknown && !st->dk_nxdomain; i++) {
		const char *sel = under_domain(a, o->names.v[i]);

		if (sel && sel[0] != '*')
			add_sel(a, st, sel, false, false);
	}
	/* A narrowed scan: the selectors a full scan found keys at, judged like the common ones. */
	for (size_t i = 0; i < o->known.n && st->narrow; i++) {
		const char *sel = under_domain(a, o->known.v[i]);

		if (sel && strcmp(sel, "*") == 0)
			st->known_wildcard = true;
		else if (sel)
			add_sel(a, st, sel, false, false);
	}
	/* Below an NXDOMAIN only the selectors the user named are asked (to show them missing). */
	if (!st->dk_nxdomain && !st->narrow)
		for (size_t i = 0; builtin_selectors[i]; i++)
			add_sel(a, st, builtin_selectors[i], false, false);
	want_probe = !st->dk_nxdomain && (!st->narrow || st->known_wildcard);
	st->left = st->n + (want_probe ? 1 : 0);
	if (st->left == 0) {
		judge(a, st);
		return;
	}
	if (want_probe) {
		st->probe_name = arena_printf(&a->arena, "%s._domainkey.%s", WILDCARD_PROBE, a->domain);
		audit_lookup(a, st->probe_name, DNS_T_TXT, probe_answer, st);
	}
	for (size_t i = 0; i < st->n; i++)
		audit_lookup(a, st->sel[i].name, DNS_T_TXT, sel_answer, &st->sel[i]);
}

/* nx_decided - the NXDOMAIN's trust is known: say why (evidence), then scan */
static void
nx_decided(struct audit *a, struct dkim_state *st, bool trusted, const char *why)
{
	st->dk_nxdomain = trusted;
	st->dk_nx_untrusted = !trusted;
	st->nx_evidence = arena_printf(&a->arena, "_domainkey.%s. NXDOMAIN%s; %s; %s", a->domain,
	    st->dk_ans && st->dk_ans->secure ? " (DNSSEC-signed)" : "", why,
	    trusted ? "so the common selectors were not asked (RFC 8020 §2)" :
	    "so the common selectors were asked all the same");
	dns_answer_unref(st->dk_ans);
	st->dk_ans = NULL;
	scan(a, st);
}

static void ent_test_next(struct audit *a, struct dkim_state *st);

/* ent_answer - how the domain's servers answer an empty non-terminal decides the NXDOMAIN's trust */
static void
ent_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct dkim_state *st = arg;
	const char *ent = ans->qname, *child = arena_printf(&a->arena, "%s.%s",
	    ent_tests[st->ent_i].name, a->domain);

	if (ans->status == DNS_NXDOMAIN)
		nx_decided(a, st, false, arena_printf(&a->arena, "%s. is NXDOMAIN too, yet %s. "
		    "exists below it: these servers answer NXDOMAIN for empty non-terminals "
		    "(against RFC 8020)", ent, child));
	else if (dns_answer_failed(ans))
		nx_decided(a, st, false, arena_printf(&a->arena, "whether these servers answer "
		    "empty non-terminals correctly could not be tested (%s. TXT: %s)", ent,
		    dns_outcome_name(ans->status)));
	else
		nx_decided(a, st, true, arena_printf(&a->arena, "the same servers answer %s., an "
		    "empty non-terminal above %s., with %s, not NXDOMAIN, as RFC 8020 requires", ent,
		    child, ans->status == DNS_OK && ans->n > 0 ? "records" : "NODATA"));
}

/* ent_child_answer - a name two labels deep: when it exists, its parent is the test */
static void
ent_child_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct dkim_state *st = arg;

	if (ans->status == DNS_OK && ans->n > 0 && ans->canon == NULL) {
		audit_lookup(a, arena_printf(&a->arena, "%s.%s", ent_tests[st->ent_i].ent, a->domain),
		    DNS_T_TXT, ent_answer, st);
		return;
	}
	st->ent_i++;
	ent_test_next(a, st);
}

/* ent_test_next - try the next known empty non-terminal, or trust the NXDOMAIN untested */
static void
ent_test_next(struct audit *a, struct dkim_state *st)
{
	if (st->ent_i < sizeof(ent_tests) / sizeof(*ent_tests)) {
		audit_lookup(a, arena_printf(&a->arena, "%s.%s", ent_tests[st->ent_i].name, a->domain),
		    DNS_T_TXT, ent_child_answer, st);
		return;
	}
	nx_decided(a, st, true, "not signed, and no empty non-terminal of the domain is known "
	    "to test its servers on (no _smtp._tls or default._bimi record): believed, "
	    "as RFC 8020 says");
}

static void
domainkey_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct dkim_state *st = arg;
	json_t *facts = audit_facts(a, "dkim");

	json_object_set_new(facts, "domainkey", json_string(
	    ans->status == DNS_NXDOMAIN ? "nxdomain" :
	    dns_answer_failed(ans) ? "unknown" : "exists"));
	if (audit_lookup_failed(a, F_DKIM_LOOKUP_FAILED, ans->qname, ans)) {
		;	/* still try the selectors: one failure says nothing about them */
	} else if (ans->status == DNS_NXDOMAIN && ans->secure) {
		st->dk_ans = dns_answer_ref(ans);
		nx_decided(a, st, true, "a signed denial cannot be a server's mistake");
		return;
	} else if (ans->status == DNS_NXDOMAIN) {
		st->dk_ans = dns_answer_ref(ans);
		ent_test_next(a, st);
		return;
	}
	scan(a, st);
}

/* mx_answer - whether the domain has only a null MX (RFC 7505): then a missing key is no warning */
static void
mx_answer(struct audit *a, struct dns_answer *ans, void *arg)
{
	struct dkim_state *st = arg;

	st->null_mx = dns_mx_is_null(ans);
	audit_lookup(a, arena_printf(&a->arena, "_domainkey.%s", a->domain), DNS_T_TXT,
	    domainkey_answer, st);
}

void
check_dkim_start(struct audit *a)
{
	struct dkim_state *st = arena_alloc(&a->arena, sizeof(*st));
	const struct dkim_area_opts *o = audit_area_opts(a, &check_dkim_options);

	/* narrowed only when there is something to ask: else the full scan */
	st->narrow_asked = o->narrow;
	st->narrow = o->narrow && (o->known.n || o->selectors.n || o->report_names.n);

	/* The MX answer is shared with the mx check (lookups are memoised per audit). */
	audit_lookup(a, a->domain, DNS_T_MX, mx_answer, st);
}
