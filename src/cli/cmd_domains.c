/* src/cli/cmd_domains.c - mailsec domains add|remove|list|import: a workspace's monitored domains */
#include "accounts/accounts.h"
#include "cli/admin.h"
#include "cli/cli.h"
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "dns/dns.h"
#include "fleet/fleet.h"
#include "fleet/fleet_import.h"
#include "util/readfile.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct dom_opts {
	struct cli_admin_opts a;	/* --db, --format */
	const char *workspace;
	const char *profile;	/* NULL: generic */
	bool parked;
	char *selectors;	/* accumulated, comma-separated (normalised later) */
	char *hosts;
	int64_t interval;	/* 0: the default */
};

/* append_list - add csv to the accumulated list *l */
static void
append_list(char **l, const char *csv)
{
	char *n = *l ? xasprintf("%s,%s", *l, csv) : xstrdup(csv);

	free(*l);
	*l = n;
}

/* parse_args - the options of `domains`; CLI_OK, or how to stop */
static enum cli_status
parse_args(int argc, char **argv, struct dom_opts *o)
{
	struct cli_parser *p = cli_parser_new("domains", argc, argv);
	enum opt_id id;
	bool bad = false;

	while ((id = cli_next(p, bad)) != OPT_END) {
		if (cli_admin_opt(&o->a, id, optarg, &bad))
			continue;
		switch (id) {
		case OPT_WORKSPACE:
			o->workspace = optarg;
			break;
		case OPT_PROFILE:
			o->profile = optarg;
			break;
		case OPT_PARKED:
			o->parked = true;
			break;
		case OPT_DKIM_SELECTOR:
			append_list(&o->selectors, optarg);
			break;
		case OPT_SENDING_HOST:
			append_list(&o->hosts, optarg);
			break;
		case OPT_INTERVAL:
			if (!fleet_interval_parse(optarg, &o->interval)) {
				cli_error("--interval wants seconds or 30m, 12h, 7d (at most 366d)");
				bad = true;
			}
			break;
		default:
			break;
		}
	}
	return cli_parser_end(p);
}

/* profile_ok - name loads as a profile (a shipped name or a file); says why not */
static bool
profile_ok(const char *name)
{
	struct profile *p = NULL;
	char *err = NULL;

	if (profile_load(name, &p, &err) != MS_OK) {
		cli_error("%s", err);
		free(err);
		return false;
	}
	profile_free(p);
	return true;
}

/* json_list - "a,b" as a JSON array */
static json_t *
json_list(const char *s)
{
	json_t *a = json_array();
	char **v;

	if (s == NULL || *s == '\0')
		return a;
	v = str_split(s, ',', NULL);
	for (char **p = v; *p; p++)
		json_array_append_new(a, json_text(*p));
	strv_free(v);
	return a;
}

/* list_row - one domain of a workspace into the JSON array or onto stdout */
static void
list_row(void *arg, const struct fleet_domain_info *d)
{
	json_t *arr = arg;

	if (arr) {
		json_t *o = json_object();

		json_object_set_new(o, "workspace", json_text(d->workspace));
		json_object_set_new(o, "domain", json_text(d->domain));
		json_object_set_new(o, "profile", json_text(d->set.profile));
		json_object_set_new(o, "parked", json_boolean(d->set.parked));
		json_object_set_new(o, "dkim_selectors", json_list(d->set.selectors));
		json_object_set_new(o, "sending_hosts", json_list(d->set.sending_hosts));
		json_object_set_new(o, "interval", json_integer((json_int_t)d->set.interval));
		json_object_set_new(o, "added", json_rfc3339((time_t)d->added_at));
		json_object_set_new(o, "added_by", json_text(d->added_by));
		json_object_set_new(o, "first_added", json_rfc3339((time_t)d->first_added_at));
		json_object_set_new(o, "last_checked", d->last_checked ?
		    json_rfc3339((time_t)d->last_checked) : json_null());
		json_object_set_new(o, "last_round", d->last_round ?
		    json_integer((json_int_t)d->last_round) : json_null());
		json_object_set_new(o, "last_grade", d->last_grade ? json_text(d->last_grade) :
		    json_null());
		json_array_append_new(arr, o);
		return;
	}
	{
		json_t *t = d->last_checked ? json_rfc3339((time_t)d->last_checked) : NULL;

		printf("%s\t%s\tprofile=%s%s interval=%llds last_checked=%s grade=%s\n",
		    d->workspace, d->domain, d->set.profile, d->set.parked ? " parked" : "",
		    (long long)d->set.interval, t ? json_string_value(t) : "never",
		    d->last_grade ? d->last_grade : "-");
		json_decref(t);
	}
}

/* do_list - the domains of --workspace, or of every workspace */
static int
do_list(struct fleet *f, const struct dom_opts *o)
{
	json_t *doc, *arr;
	enum ms_status st;

	cli_list_begin(o->a.json, DOC_DOMAINS, &doc, &arr);
	if (doc)
		json_object_set_new(doc, "workspace", o->workspace ? json_text(o->workspace) :
		    json_null());
	st = fleet_domain_each(f, o->workspace, list_row, arr);
	return cli_list_end(doc, arr, "domains", st == MS_OK, fleet_error(f));
}

/* slurp - a whole import file ("-": standard input) of at most FLEET_IMPORT_MAX_BYTES; NULL after saying why */
static char *
slurp(const char *path, size_t *len)
{
	struct read_file_result r;
	enum ms_status st = read_file(strcmp(path, "-") == 0 ? "/dev/stdin" : path,
	    FLEET_IMPORT_MAX_BYTES, 0, &r);

	if (st == MS_ERR_LIMIT)
		cli_error("%s: larger than %u bytes", path, FLEET_IMPORT_MAX_BYTES);
	else if (st != MS_OK)
		cli_error("cannot read %s: %s", path, r.errnum ? strerror(r.errnum) :
		    r.why ? r.why : "failed");
	*len = r.len;
	return r.data;
}

/* do_import - add every domain of the file at once (all or nothing) */
static int
do_import(struct fleet *f, const struct dom_opts *o, const struct fleet_settings *dflt,
    const char *path)
{
	struct fleet_import imp;
	char why[256];
	size_t len, added = 0, updated = 0;
	char *data = slurp(path, &len);
	int64_t now = (int64_t)time(NULL);

	if (data == NULL)
		return EXIT_USAGE;
	if (fleet_import_parse(data, len, &imp, why, sizeof(why)) != MS_OK) {
		cli_error("%s: %s", path, why);
		free(data);
		return EXIT_USAGE;
	}
	free(data);
	for (size_t i = 0; i < imp.n; i++) {
		const char *p = imp.rows[i].profile;

		if (p && (i == 0 || imp.rows[i - 1].profile == NULL ||
		    strcmp(p, imp.rows[i - 1].profile) != 0) && !profile_ok(p)) {
			cli_error("%s: line %zu: the profile above cannot be loaded", path,
			    imp.rows[i].line);
			fleet_import_free(&imp);
			return EXIT_USAGE;
		}
	}
	if (fleet_begin(f) != MS_OK)
		goto fail;
	for (size_t i = 0; i < imp.n; i++) {
		const struct fleet_import_row *r = &imp.rows[i];
		struct fleet_settings s = *dflt;
		enum fleet_add res;

		if (r->profile)
			s.profile = r->profile;
		if (r->parked >= 0)
			s.parked = r->parked != 0;
		if (r->selectors)
			s.selectors = r->selectors;
		if (r->sending_hosts)
			s.sending_hosts = r->sending_hosts;
		if (r->interval)
			s.interval = r->interval;
		if (fleet_domain_add(f, o->workspace, r->domain, &s, now, &res) != MS_OK) {
			fleet_rollback(f);
			goto fail;
		}
		if (res == FLEET_ADDED)
			added++;
		else
			updated++;
	}
	if (fleet_commit(f) != MS_OK)
		goto fail;
	printf("%zu domain%s added, %zu updated in workspace %s\n", added, added == 1 ? "" : "s",
	    updated, o->workspace);
	fleet_import_free(&imp);
	return EXIT_CLEAN;
fail:
	cli_error("%s: nothing imported: %s", path, fleet_error(f));
	fleet_import_free(&imp);
	return EXIT_USAGE;
}

/*
 * do_proof - domains proof: the TXT record workspace publishes to prove it
 * controls domain; domains verify: an admin vouches for it (docs/serve.md)
 */
static int
do_proof(struct fleet *f, const char *workspace, const char *domain, bool vouch)
{
	struct accounts *a = NULL;
	char why[512], token[ACCT_PROOF_SIZE], rec[ACCT_PROOF_RECORD_SIZE];
	int rc = EXIT_USAGE;

	if (accounts_open(f, &a, why, sizeof(why)) != MS_OK) {
		cli_error("%s", why);
		return EXIT_USAGE;
	}
	if (vouch) {
		if (accounts_proof_vouch(a, workspace, domain, (int64_t)time(NULL)) != MS_OK)
			cli_error("%s", accounts_error(a));
		else {
			printf("%s verified for workspace %s (vouched for by an admin)\n", domain, workspace);
			rc = EXIT_CLEAN;
		}
	} else if (accounts_proof_token(a, workspace, domain, (int64_t)time(NULL), token) != MS_OK)
		cli_error("%s", accounts_error(a));
	else if (accounts_proof_record(domain, token, rec, sizeof(rec)) != MS_OK)
		cli_error("%s: the record does not fit", domain);
	else {
		printf("%s\n", rec);
		rc = EXIT_CLEAN;
	}
	accounts_close(a);
	return rc;
}

int
cmd_domains(int argc, char **argv)
{
	struct dom_opts o = { 0 };
	struct fleet_settings dflt;
	struct fleet *f = NULL;
	char *sel = NULL, *hosts = NULL, **doms = NULL;
	const char *verb, *why = NULL;
	size_t ndoms = 0;
	enum cli_status st;
	int rc = EXIT_USAGE;

	if ((st = parse_args(argc, argv, &o)) != CLI_OK) {
		rc = cli_status_exit(st);
		goto out;
	}
	if (optind >= argc) {
		cli_error("domains wants add, remove, list, import, suggest, proof or verify (see 'mailsec help domains')");
		goto out;
	}
	verb = argv[optind++];
	if (strcmp(verb, "add") && strcmp(verb, "remove") && strcmp(verb, "list") &&
	    strcmp(verb, "import") && strcmp(verb, "suggest") && strcmp(verb, "proof") &&
	    strcmp(verb, "verify")) {
		cli_error("unknown domains command \"%s\" (add, remove, list, import, suggest, proof, verify)",
		    verb);
		goto out;
	}
	if ((strcmp(verb, "proof") == 0 || strcmp(verb, "verify") == 0) && (optind + 1 != argc || o.profile ||
	    o.parked || o.selectors || o.hosts || o.interval)) {
		cli_error("domains %s wants --workspace NAME and one DOMAIN, no settings", verb);
		goto out;
	}
	if (o.workspace && !fleet_name_ok(o.workspace)) {
		cli_error("\"%s\" is not a workspace name", o.workspace);
		goto out;
	}
	if (strcmp(verb, "list") != 0 && o.workspace == NULL) {
		cli_error("domains %s needs --workspace NAME", verb);
		goto out;
	}
	if (o.a.json && strcmp(verb, "list") != 0 && strcmp(verb, "suggest") != 0) {
		cli_error("--format json is for domains list and suggest");
		goto out;
	}
	if ((strcmp(verb, "list") == 0 || strcmp(verb, "remove") == 0 ||
	    strcmp(verb, "suggest") == 0) && (o.profile || o.parked ||
	    o.selectors || o.hosts || o.interval)) {
		cli_error("domains %s takes no settings (--profile, --parked, --dkim-selector, "
		    "--sending-host, --interval)", verb);
		goto out;
	}
	if ((strcmp(verb, "list") == 0 || strcmp(verb, "suggest") == 0) && optind != argc) {
		cli_error("domains %s takes no argument (--workspace NAME to pick one)", verb);
		goto out;
	}
	if (strcmp(verb, "import") == 0 && optind + 1 != argc) {
		cli_error("domains import wants one FILE ('-': standard input)");
		goto out;
	}
	if ((strcmp(verb, "add") == 0 || strcmp(verb, "remove") == 0) && optind == argc) {
		cli_error("domains %s wants at least one DOMAIN", verb);
		goto out;
	}
	if (strcmp(verb, "add") == 0 || strcmp(verb, "remove") == 0 || strcmp(verb, "proof") == 0 ||
	    strcmp(verb, "verify") == 0) {
		for (int i = optind; i < argc; i++) {
			char *d = dns_domain_normalise(argv[i], &why);

			if (d == NULL) {
				cli_error("\"%s\" is not a domain name: %s", argv[i], why);
				goto out;
			}
			doms = xreallocarray(doms, ndoms + 2, sizeof(*doms));
			doms[ndoms++] = d;
			doms[ndoms] = NULL;
		}
	}
	if ((sel = fleet_list_norm(o.selectors, &why)) == NULL) {
		cli_error("--dkim-selector: %s", why);
		goto out;
	}
	if ((hosts = fleet_list_norm(o.hosts, &why)) == NULL) {
		cli_error("--sending-host: %s", why);
		goto out;
	}
	if (o.profile && !profile_ok(o.profile))
		goto out;
	memset(&dflt, 0, sizeof(dflt));
	dflt.profile = o.profile;
	dflt.parked = o.parked;
	dflt.selectors = sel;
	dflt.sending_hosts = hosts;
	dflt.interval = o.interval;

	if ((f = cli_fleet_open(o.a.db)) == NULL)
		goto out;
	if (strcmp(verb, "list") == 0) {
		rc = do_list(f, &o);
	} else if (strcmp(verb, "suggest") == 0) {
		rc = cli_domains_suggest(f, o.workspace, o.a.json);
	} else if (strcmp(verb, "import") == 0) {
		rc = do_import(f, &o, &dflt, argv[optind]);
	} else if (strcmp(verb, "proof") == 0 || strcmp(verb, "verify") == 0) {
		rc = do_proof(f, o.workspace, doms[0], strcmp(verb, "verify") == 0);
	} else if (strcmp(verb, "add") == 0) {
		size_t added = 0, updated = 0;

		rc = EXIT_CLEAN;
		if (fleet_begin(f) != MS_OK) {
			cli_error("%s", fleet_error(f));
			rc = EXIT_USAGE;
			goto out;
		}
		for (size_t i = 0; i < ndoms; i++) {
			enum fleet_add res;

			if (fleet_domain_add(f, o.workspace, doms[i], &dflt, (int64_t)time(NULL),
			    &res) != MS_OK) {
				cli_error("%s: %s", doms[i], fleet_error(f));
				fleet_rollback(f);
				rc = EXIT_USAGE;
				goto out;
			}
			if (res == FLEET_ADDED)
				added++;
			else
				updated++;
		}
		if (fleet_commit(f) != MS_OK) {
			cli_error("%s", fleet_error(f));
			rc = EXIT_USAGE;
			goto out;
		}
		printf("%zu domain%s added, %zu updated in workspace %s\n", added,
		    added == 1 ? "" : "s", updated, o.workspace);
	} else {
		rc = EXIT_CLEAN;
		for (size_t i = 0; i < ndoms; i++) {
			bool found;

			if (fleet_domain_remove(f, o.workspace, doms[i], &found) != MS_OK) {
				cli_error("%s: %s", doms[i], fleet_error(f));
				rc = EXIT_USAGE;
				goto out;
			}
			if (!found) {
				cli_error("%s is not in workspace %s", doms[i], o.workspace);
				rc = EXIT_ERRORS;
			} else
				printf("%s removed from workspace %s\n", doms[i], o.workspace);
		}
	}
out:
	fleet_close(f);
	strv_free(doms);
	free(sel);
	free(hosts);
	free(o.selectors);
	free(o.hosts);
	return rc;
}
