/* src/cli/cmd_lint.c - mailsec lint: the checks of `check`, offline, over proposed zone files */
#include "cli/cli.h"
#include "core/envelope.h"
#include "checks/mtasts/mtasts_lint.h"
#include "dns/dns.h"
#include "util/buf.h"
#include "util/fswalk.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "dns/resolver_replay.h"
#include "engine/engine.h"
#include "engine/session.h"
#include "output/csv.h"
#include "output/lint.h"
#include "output/locate.h"
#include "output/sarif.h"
#include "util/str.h"
#include "util/termsafe.h"
#include "util/xalloc.h"
#include "zone/zone.h"

#include <event2/event.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINT_OUTSIDE_WHY	"outside the zone file: not checked offline"
#define LINT_MAX_DOMAINS	2000	/* bound the work (and the report) of one run */

/*
 * Areas that cannot run on records from a file at all.  None today: every
 * area honours check_options.offline (the shared STARTTLS probes and the
 * MTA-STS policy fetch skip themselves and say so), so lint runs them all
 * and their "skipped offline" findings are part of the report.
 */
static const char *const network_only_areas[] = { NULL };

/* What lint cannot check by nature, said in every report. */
static const char *const not_offline[] = {
	"names outside the files' origins (MX hosts, includes and report addresses elsewhere): "
	    "their lookups are unknown, never missing",
	"STARTTLS, TLS versions and certificates of the MX hosts (area tls)",
	"the MTA-STS policy file served over HTTPS",
	"DANE TLSA records against the certificates the MX hosts present",
	"DNSSEC signatures and delegation (the files are read as published data)",
	NULL
};

struct lint_out {
	enum output_format format;
	bool color;
	size_t n;
	char **text;		/* rendered text per domain, by index */
	json_t **doms;		/* or JSON (SARIF: the domain's results) */
	size_t worst[SEV__COUNT];
	const struct replay_data *replay;	/* SARIF: where each record was read */
	char **uris;		/* SARIF: each file's URI, by the index given to the replay data */
};

/* lint_sarif_results - SARIF results for findings l of domain, at the lines they are about */
static json_t *
lint_sarif_results(const struct lint_out *lo, const char *domain, const struct finding_list *l)
{
	json_t *res = json_array();

	for (size_t i = 0; i < l->n; i++) {
		struct replay_where w;
		struct sarif_loc at = { NULL, 0 };

		if (!sarif_is_result(&l->v[i]))
			continue;
		if (finding_locate(lo->replay, domain, &l->v[i], &w)) {
			at.uri = lo->uris[w.file];
			at.line = w.line;
		}
		json_array_append_new(res, sarif_result(domain, &l->v[i], at.uri ? &at : NULL));
	}
	return res;
}

/* lint_result - render one finished audit into its slot (input order is kept) */
static void
lint_result(struct audit *a, void *arg)
{
	struct lint_out *lo = arg;
	size_t counts[SEV__COUNT];

	findings_count(&a->findings, counts);
	for (int i = 0; i < SEV__COUNT; i++)
		lo->worst[i] += counts[i];
	if (lo->format == OUT_JSON || lo->format == OUT_JSONL) {
		lo->doms[a->index] = out_json_domain(a);
	} else if (lo->format == OUT_SARIF) {
		lo->doms[a->index] = lint_sarif_results(lo, a->domain, &a->findings);
	} else if (lo->format == OUT_CSV) {
		char *buf = NULL;
		size_t len = 0;
		FILE *mf = open_memstream(&buf, &len);

		csv_write_findings(mf, a->domain, &a->findings);
		fclose(mf);
		lo->text[a->index] = buf;
	} else {
		char *buf = NULL;
		size_t len = 0;
		FILE *mf = open_memstream(&buf, &len);

		out_text_domain(mf, a, lo->color);
		fclose(mf);
		lo->text[a->index] = buf;
	}
}

/* add_domain - append name to the list unless present; false when the list is full */
static bool
add_domain(char ***v, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], name) == 0)
			return true;
	if (*n >= LINT_MAX_DOMAINS)
		return false;
	*v = xreallocarray(*v, *n + 2, sizeof(**v));
	(*v)[(*n)++] = xstrdup(name);
	(*v)[*n] = NULL;
	return true;
}

/* is_spf - TXT RDATA whose first string starts "v=spf1" (RFC 7208 §4.5) */
static bool
is_spf(const struct zone_rr *r)
{
	return r->type == DNS_T_TXT && r->len >= 7 && r->rdata[0] >= 6 &&
	    str_ncasecmp((const char *)r->rdata + 1, "v=spf1", 6) == 0 &&
	    (r->rdata[0] == 6 || r->rdata[7] == ' ');
}

/* mail_domains - the origin, then every other owner with MX or SPF, in file order; false if capped */
static bool
mail_domains(const struct zone_file *z, char ***v, size_t *n)
{
	bool all = true;

	{
		const char *why;
		char *d = dns_domain_normalise(z->origin, &why);

		if (d) {	/* a root or TLD zone has no apex to audit */
			all = add_domain(v, n, d);
			free(d);
		}
	}
	for (size_t i = 0; i < z->n; i++) {
		const struct zone_rr *r = &z->rr[i];

		if (r->owner[0] == '*' || r->owner[0] == '_' || strcmp(r->owner, ".") == 0)
			continue;
		if (r->type == DNS_T_MX || is_spf(r)) {
			const char *why;
			char *d = dns_domain_normalise(r->owner, &why);

			if (d) {
				all = add_domain(v, n, d) && all;
				free(d);
			}
		}
	}
	return all;
}

/* owned_elsewhere - owner lies at or below the origin of another file, deeper than file self's */
static bool
owned_elsewhere(struct zone_file *const *zones, size_t nz, size_t self, const char *owner)
{
	size_t mine = strlen(zones[self]->origin);

	for (size_t j = 0; j < nz; j++) {
		if (j == self || !zones[j])
			continue;
		if (strlen(zones[j]->origin) > mine && dns_name_is_subdomain(owner, zones[j]->origin) &&
		    dns_name_is_subdomain(zones[j]->origin, zones[self]->origin))
			return true;
	}
	return false;
}

/*
 * is_policy_file - an MTA-STS policy file rather than a zone: named like the
 * served file (mta-sts.txt, *.mta-sts.txt) or opening with "version:"
 */
static bool
is_policy_file(const char *path)
{
	char head[16] = "";
	const char *why;
	ssize_t n;
	int fd;

	if (str_has_suffix_case(path, "mta-sts.txt"))
		return true;
	/* Regular files only: a FIFO would block here (the zone reader says what it is). */
	if (strcmp(path, "-") == 0 || fs_open_regular(path, false, &fd, &why) != MS_OK)
		return false;
	n = read(fd, head, sizeof(head) - 1);
	close(fd);
	head[n > 0 ? n : 0] = '\0';
	return strncmp(head, "version:", 8) == 0;
}

/* network_only - whether area cannot run offline */
static bool
network_only(const char *area)
{
	for (const char *const *p = network_only_areas; *p; p++)
		if (strcmp(*p, area) == 0)
			return true;
	return false;
}

/* lint_areas - the registry (or --only) less the network-only areas; NULL-terminated */
static char **
lint_areas(char **only)
{
	char **v = NULL;
	size_t n = 0;

	for (const struct check_def *c = check_registry(); c->area; c++) {
		bool want = only == NULL;

		for (char **p = only; p && *p; p++)
			if (strcmp(*p, c->area) == 0)
				want = true;
		if (!want || network_only(c->area))
			continue;
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = xstrdup(c->area);
		v[n] = NULL;
	}
	if (v == NULL)
		v = xcalloc(1, sizeof(*v));
	return v;
}

struct lint_args {
	enum output_format format;
	int color_opt;
	char *origin;
	char *profile;
	char **only, **ignore;
	char **context;		/* --context: zones loaded as data, not linted */
	char **dkim_selectors;	/* --dkim-selector */
	bool parked;
};

/* parse_lint_args - the documented options of lint; CLI_OK, or how to stop */
static enum cli_status
parse_lint_args(int argc, char **argv, struct lint_args *la)
{
	struct cli_parser *p = cli_parser_new("lint", argc, argv);
	enum cli_status st;
	enum opt_id id;
	bool bad = false;

	while ((id = cli_next(p, bad)) != OPT_END) {
		switch (id) {
		case OPT_JSON:
			la->format = OUT_JSON;
			break;
		case OPT_JSONL:
			la->format = OUT_JSONL;
			break;
		case OPT_FORMAT:
			bad = !cli_output_format(optarg, &la->format);
			break;
		case OPT_ORIGIN:
			free(la->origin);
			la->origin = xstrdup(optarg);
			break;
		case OPT_PROFILE:
			free(la->profile);
			la->profile = xstrdup(optarg);
			break;
		case OPT_ONLY:
			common_opts_set_list(&la->only, optarg);
			break;
		case OPT_IGNORE:
			common_opts_set_list(&la->ignore, optarg);
			break;
		case OPT_PARKED:
			la->parked = true;
			break;
		case OPT_DKIM_SELECTOR:
			common_opts_set_list(&la->dkim_selectors, optarg);
			break;
		case OPT_CONTEXT: {
			size_t k = 0;

			while (la->context && la->context[k])
				k++;
			la->context = xreallocarray(la->context, k + 2, sizeof(*la->context));
			la->context[k] = xstrdup(optarg);
			la->context[k + 1] = NULL;
			break;
		}
		case OPT_NO_COLOR:
			la->color_opt = -1;
			break;
		case OPT_COLOR:
			la->color_opt = 1;
			break;
		default:
			break;
		}
	}
	if ((st = cli_parser_end(p)) != CLI_OK)
		return st;
	if (cli_only_check(la->only) != 0)
		return CLI_USAGE;
	return CLI_OK;
}

/* cmd_lint - read the files into replay data with the outside rule, run the engine offline */
int
cmd_lint(int argc, char **argv)
{
	struct lint_args la;
	struct replay_data *replay = NULL;
	struct profile *profile = NULL;
	struct session_config scfg;
	struct session *ses = NULL;
	struct check_options copts;
	struct area_settings *aset = area_settings_new();
	struct engine_config cfg;
	struct lint_out lo;
	struct lint_report rep;
	char **domains = NULL, **areas = NULL, *err = NULL, **dkim_names = NULL, **cuts = NULL;
	size_t ndomains = 0, ncontext = 0, nz = 0, ndkim = 0, ncuts = 0;
	struct zone_file **zones = NULL;
	json_t *files = json_array(), *policies = json_array();
	const char **zpaths = NULL, **ppaths = NULL;
	size_t nlint = 0, npol = 0;
	struct finding_list pl[1];
	struct arena par;
	char **ptext = NULL;
	json_t *sarif_res = json_array();	/* SARIF: the results, policy files' first */
	enum cli_status st;
	int rc = EXIT_USAGE;
	bool color;

	memset(&la, 0, sizeof(la));
	memset(&lo, 0, sizeof(lo));
	arena_init(&par);
	if ((st = parse_lint_args(argc, argv, &la)) != CLI_OK) {
		rc = cli_status_exit(st);
		goto out;
	}
	if (optind >= argc) {
		cli_error("lint needs at least one zone file (see 'mailsec help lint')");
		goto out;
	}
	while (la.context && la.context[ncontext])
		ncontext++;
	if (profile_load(la.profile ? la.profile : "generic", &profile, &err) != MS_OK) {
		cli_error("%s", err);
		goto out;
	}
	/* MTA-STS policy files beside the zone files: judged on their own */
	for (int i = optind; i < argc; i++) {
		if (is_policy_file(argv[i])) {
			ppaths = xreallocarray(ppaths, npol + 1, sizeof(*ppaths));
			ppaths[npol++] = argv[i];
		} else {
			zpaths = xreallocarray(zpaths, nlint + 1, sizeof(*zpaths));
			zpaths[nlint++] = argv[i];
		}
	}
	if (la.format == OUT_JSONL && npol) {
		cli_error("--jsonl has no form for MTA-STS policy files: use --json or --format csv");
		goto out;
	}
	if (la.origin && nlint > 1) {
		cli_error("--origin names the zone of one file: lint one file at a time with it");
		goto out;
	}
	for (size_t i = 0; i < npol; i++) {
		struct buf b = { 0 };
		json_t *pj;
		bool valid;

		if (mtasts_read_policy(ppaths[i], &b) != 0)
			goto out;
		findings_init(&pl[0]);
		valid = mtasts_policy_lint(&pl[0], &par, ppaths[i], b.data ? b.data : "", b.len,
		    profile);
		findings_apply(&pl[0], profile, la.ignore);
		{
			size_t c[SEV__COUNT];

			findings_count(&pl[0], c);
			for (int k = 0; k < SEV__COUNT; k++)
				lo.worst[k] += c[k];
			valid = valid && c[SEV_ERROR] == 0;
		}
		pj = json_object();
		json_object_set_new(pj, "path", json_text(ppaths[i]));
		json_object_set_new(pj, "valid", json_boolean(valid));
		json_object_set_new(pj, "findings", findings_to_json(&pl[0]));
		json_array_append_new(policies, pj);
		if (la.format == OUT_SARIF) {	/* the policy file, no line: its findings name none */
			char *uri = sarif_file_uri(ppaths[i]);
			struct sarif_loc at = { uri, 0 };

			for (size_t k = 0; k < pl[0].n; k++)
				if (sarif_is_result(&pl[0].v[k]))
					json_array_append_new(sarif_res,
					    sarif_result(ppaths[i], &pl[0].v[k], &at));
			free(uri);
		} else if (la.format != OUT_JSON) {
			char *t = NULL;
			size_t tl = 0;
			FILE *mf = open_memstream(&t, &tl);

			if (la.format == OUT_CSV)	/* a policy file's rows name the file */
				csv_write_findings(mf, ppaths[i], &pl[0]);
			else
				mtasts_print_text(mf, ppaths[i], &pl[0], valid);
			fclose(mf);
			ptext = xreallocarray(ptext, i + 1, sizeof(*ptext));
			ptext[i] = t;
		}
		findings_free(&pl[0]);
		buf_free(&b);
	}
	nz = nlint + ncontext;
	zones = xcalloc(nz, sizeof(*zones));
	for (size_t i = 0; i < nz; i++) {
		bool context = i >= nlint;
		const char *path = context ? la.context[i - nlint] : zpaths[i];

		if (zone_read_path(path, context ? NULL : la.origin, &zones[i], &err) != MS_OK) {
			char *shown = term_safe_str(err);	/* may quote the file's text */

			cli_error("%s", shown);
			free(shown);
			goto out;
		}
	}
	replay = replay_data_new();
	lo.uris = xcalloc(nz ? nz : 1, sizeof(*lo.uris));
	for (size_t i = 0; i < nz; i++) {
		bool context = i >= nlint;
		const char *path = context ? la.context[i - nlint] : zpaths[i];
		struct zone_file *z = zones[i];
		json_t *f, *notes = json_array();
		size_t below = 0;
		struct replay_where soa = { (unsigned)i, z->soa_line };

		lo.uris[i] = sarif_file_uri(path);
		for (size_t k = 0; k < z->n; k++) {
			const struct zone_rr *r = &z->rr[k];

			/*
			 * A record at or below another loaded zone's (deeper) origin is
			 * that zone's business: a parent's delegation NS and glue give
			 * way to the child's own data, as on authoritative servers.
			 */
			if (owned_elsewhere(zones, nz, i, r->owner)) {
				below++;
				continue;
			}
			/* every DKIM key in the files is judged, whatever its selector */
			if (r->type == DNS_T_TXT && r->owner[0] != '*' && ndkim < LINT_MAX_DOMAINS &&
			    strstr(r->owner, "._domainkey.") != NULL && !context) {
				bool dup = false;

				for (size_t m = 0; m < ndkim && !dup; m++)
					dup = str_caseeq(dkim_names[m], r->owner);
				if (!dup) {
					dkim_names = xreallocarray(dkim_names, ndkim + 2, sizeof(*dkim_names));
					dkim_names[ndkim++] = xstrdup(r->owner);
					dkim_names[ndkim] = NULL;
				}
			}
			/* every delegation below the origin: the NS check judges it */
			if (r->type == DNS_T_NS && !context && !dns_name_equal(r->owner, z->origin) &&
			    ncuts < LINT_MAX_DOMAINS) {
				bool dup = false;

				for (size_t m = 0; m < ncuts && !dup; m++)
					dup = dns_name_equal(cuts[m], r->owner);
				if (!dup) {
					cuts = xreallocarray(cuts, ncuts + 2, sizeof(*cuts));
					cuts[ncuts++] = xstrdup(r->owner);
					cuts[ncuts] = NULL;
				}
			}
			if (replay_data_add_at(replay, r->owner, r->type, r->ttl, r->rdata, r->len,
			    (struct replay_where){ (unsigned)i, r->line }) != MS_OK) {
				cli_error("%s: %s %s: record not usable (malformed RDATA or too many records)",
				    path, r->owner, dns_type_name(r->type));
				json_decref(notes);
				goto out;
			}
		}
		replay_data_add_origin_at(replay, z->origin, soa);
		if (!context && !mail_domains(z, &domains, &ndomains))
			json_array_append_new(notes, json_sprintf("more than %d mail domains in the "
			    "files: only the first %d are checked", LINT_MAX_DOMAINS, LINT_MAX_DOMAINS));
		if (below)
			json_array_append_new(notes, json_sprintf("%zu record%s at or below another "
			    "file's zone: that file's data is used there", below, below == 1 ? "" : "s"));
		for (size_t k = 0; k < z->nnotes; k++)
			json_array_append_new(notes, json_text(z->notes[k]));
		f = json_object();
		json_object_set_new(f, "path", json_text(path));
		json_object_set_new(f, "format", json_string(
		    str_has_suffix_case(path, ".yaml") || str_has_suffix_case(path, ".yml") ?
		    "octodns" : "zone"));
		json_object_set_new(f, "origin", json_text(z->origin));
		json_object_set_new(f, "records", json_integer((json_int_t)z->n));
		json_object_set_new(f, "notes", notes);
		json_object_set_new(f, "role", json_string(context ? "context" : "lint"));
		json_array_append_new(files, f);
	}
	if (ndomains == 0 && nlint > 0) {
		cli_error("no mail domain in the files (a root zone?)");
		goto out;
	}
	if (replay_data_set_outside(replay, DNS_SERVFAIL, LINT_OUTSIDE_WHY) != MS_OK)
		abort();	/* a broken invariant: SERVFAIL is an outcome it takes */

	memset(&scfg, 0, sizeof(scfg));
	scfg.replay = replay;
	scfg.timeout = 5;
	if (session_new(&scfg, &ses, &err) != MS_OK) {
		cli_error("%s", err);
		goto out;
	}
	areas = lint_areas(la.only);
	memset(&copts, 0, sizeof(copts));
	copts.profile = profile;
	copts.parked = la.parked;
	copts.offline = true;
	copts.offline_why = "the records come from zone files, no server is contacted";
	copts.zone_files = true;
	copts.areas = aset;
	/* The areas' own options: the selectors named, the DKIM names and zone cuts in the files. */
	{
		const char *names[] = { "dkim-selector", "dkim-name", "zone-cut" };
		char *const *lists[] = { la.dkim_selectors, dkim_names, cuts };
		char why[256];

		for (size_t k = 0; k < 3; k++)
			for (size_t i = 0; lists[k] && lists[k][i]; i++)
				if (engine_option_set(aset, names[k], lists[k][i], why,
				    sizeof(why)) != MS_OK) {
					cli_error("%s", why);
					goto out;
				}
	}

	color = la.color_opt > 0 || (la.color_opt == 0 && isatty(STDOUT_FILENO) &&
	    getenv("NO_COLOR") == NULL);
	lo.format = la.format;
	lo.color = color;
	lo.replay = replay;
	lo.n = ndomains;
	lo.text = xcalloc(ndomains, sizeof(*lo.text));
	lo.doms = xcalloc(ndomains, sizeof(*lo.doms));

	memset(&cfg, 0, sizeof(cfg));
	cfg.opts = &copts;
	cfg.only = areas;
	cfg.ignore = la.ignore;
	cfg.on_result = lint_result;
	cfg.arg = &lo;
	engine_run(ses, &cfg, domains, ndomains);
	rep.profile = profile->name;
	rep.files = files;
	rep.policies = policies;
	rep.not_offline = not_offline;

	if (la.format == OUT_CSV) {
		csv_write_header(stdout);
		for (size_t i = 0; i < npol; i++)
			fputs(ptext[i], stdout);
		for (size_t i = 0; i < ndomains; i++) {
			if (lo.text[i])
				fputs(lo.text[i], stdout);
			free(lo.text[i]);
		}
	} else if (la.format == OUT_SARIF) {
		json_t *log;

		for (size_t i = 0; i < ndomains; i++)
			if (lo.doms[i])
				json_array_extend(sarif_res, lo.doms[i]);
		log = sarif_log("lint", json_incref(sarif_res));
		out_json_print(stdout, log);
		json_decref(log);
		for (size_t i = 0; i < ndomains; i++)
			json_decref(lo.doms[i]);
	} else if (la.format == OUT_JSONL) {
		for (size_t i = 0; i < ndomains; i++) {
			if (lo.doms[i] == NULL)
				continue;
			doc_add_schema(lo.doms[i], DOC_CHECK);	/* each line a mailsec/1 domain */
			out_json_line(stdout, lo.doms[i]);
			json_decref(lo.doms[i]);
		}
	} else if (la.format == OUT_JSON) {
		json_t *doc = lint_report_json(&rep, lo.doms, ndomains);

		out_json_print(stdout, doc);
		json_decref(doc);
	} else {
		lint_report_text_files(stdout, &rep);
		for (size_t i = 0; i < npol; i++) {
			fputs(ptext[i], stdout);
			putchar('\n');
		}
		if (nlint)
			lint_report_text_not_offline(stdout, &rep);
		for (size_t i = 0; i < ndomains; i++) {
			if (lo.text[i])
				fputs(lo.text[i], stdout);
			free(lo.text[i]);
		}
	}
	fflush(stdout);
	if (lo.worst[SEV_ERROR])
		rc = EXIT_ERRORS;
	else if (lo.worst[SEV_UNKNOWN])
		rc = EXIT_UNKNOWN;
	else
		rc = EXIT_CLEAN;
out:
	free(lo.text);
	free(lo.doms);
	for (size_t i = 0; lo.uris && i < nz; i++)
		free(lo.uris[i]);
	free(lo.uris);
	json_decref(sarif_res);
	json_decref(files);
	json_decref(policies);
	for (size_t i = 0; ptext && i < npol; i++)
		free(ptext[i]);
	free(ptext);
	free(zpaths);
	free(ppaths);
	arena_free(&par);
	session_free(ses);
	replay_data_free(replay);
	profile_free(profile);
	strv_free(domains);
	strv_free(areas);
	strv_free(la.only);
	strv_free(la.ignore);
	strv_free(la.context);
	strv_free(la.dkim_selectors);
	strv_free(dkim_names);
	strv_free(cuts);
	area_settings_free(aset);
	for (size_t i = 0; i < nz && zones; i++)
		zone_file_free(zones[i]);
	free(zones);
	free(la.origin);
	free(la.profile);
	free(err);
	return rc;
}
