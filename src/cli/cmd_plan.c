/* src/cli/cmd_plan.c - mailsec plan migrate|decommission: a dated checklist from the live records */
#include "cli/cli.h"
#include "core/profile.h"
#include "dns/dns.h"
#include "engine/engine.h"
#include "engine/session.h"
#include "records/dates.h"
#include "records/plan.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* What check's own mta-sts area found about the policy now served. */
struct live_policy {
	uint32_t	 max_age;	/* 0: none fetched */
	char		*url;
	char		*why;		/* the first non-pass mta-sts finding, when none */
};

static void
on_policy(struct audit *a, void *arg)
{
	struct live_policy *lp = arg;
	json_t *f = json_object_get(a->facts, "mta-sts");
	json_t *age = json_object_get(f, "max_age");
	const char *url = json_string_value(json_object_get(f, "policy_url"));

	if (json_is_integer(age) && json_integer_value(age) > 0 &&
	    json_integer_value(age) <= 31557600)
		lp->max_age = (uint32_t)json_integer_value(age);
	if (url)
		lp->url = xstrdup(url);
	for (size_t i = 0; i < a->findings.n && lp->max_age == 0 && lp->why == NULL; i++)
		if (a->findings.v[i].severity != SEV_PASS && a->findings.v[i].severity != SEV_INFO)
			lp->why = xstrdup(a->findings.v[i].message);
	if (lp->max_age == 0 && lp->why == NULL)
		lp->why = xstrdup("no policy was served");
}

/*
 * fetch_policy - fetch the MTA-STS policy exactly as check does (its mta-sts
 * area on the same loop and resolver: certificate, no redirects, size cap)
 */
static void
fetch_policy(struct session *ses, const char *domain, const char *ca_file, double net_timeout,
    struct live_policy *lp)
{
	char area[] = "mta-sts", *only[] = { area, NULL };
	struct profile *profile = NULL;
	struct check_options copts;
	struct engine_config cfg;
	char *err = NULL;
	char *domains[] = { (char *)domain, NULL };

	if (profile_load("generic", &profile, &err) != MS_OK) {
		lp->why = err;
		return;
	}
	memset(&copts, 0, sizeof(copts));
	copts.profile = profile;
	copts.ca_file = ca_file;
	copts.net_timeout = net_timeout;
	memset(&cfg, 0, sizeof(cfg));
	cfg.opts = &copts;
	cfg.only = only;
	cfg.on_result = on_policy;
	cfg.arg = lp;
	engine_run(ses, &cfg, domains, 1);
	profile_free(profile);
}

/* set_flag - a completion callback: *arg (a bool) becomes true */
static void
set_flag(void *arg)
{
	*(bool *)arg = true;
}

/* cmd_plan - observe the live records through the resolver, build and print the plan */
int
cmd_plan(int argc, char **argv)
{
	struct cli_parser *p;
	enum cli_status st;
	enum opt_id id;
	struct plan_seen seen;
	struct plan_opts po;
	struct session_config scfg;
	struct session *ses = NULL;
	bool observed = false;
	char **selectors = NULL, *domain = NULL, *err = NULL, *replay_path = NULL;
	char *forward = NULL, *anchor = NULL, *ca_file = NULL, *profile_name = NULL;
	struct profile *profile = NULL;
	struct live_policy lp = { 0, NULL, NULL };
	double net_timeout = 10;
	const char *kind = NULL, *dom_arg = NULL;
	time_t start = date_today();
	double timeout = 5;
	uint64_t max_age = 0;
	bool bad = false, json = false, unknown = false;
	json_t *plan = NULL;
	int rc = EXIT_USAGE;

	memset(&seen, 0, sizeof(seen));
	p = cli_parser_new("plan", argc, argv);
	while ((id = cli_next(p, bad)) != OPT_END) {
		switch (id) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_START:
			if (!date_parse(optarg, &start)) {
				cli_error("--start: a date as YYYY-MM-DD");
				bad = true;
			}
			break;
		case OPT_DKIM_SELECTOR:
			cli_list_append(&selectors, optarg);
			break;
		case OPT_REPLAY:
			free(replay_path);
			replay_path = xstrdup(optarg);
			break;
		case OPT_PROFILE:
			free(profile_name);
			profile_name = xstrdup(optarg);
			break;
		case OPT_RESOLVER:
			free(forward);
			forward = xstrdup(optarg);
			break;
		case OPT_CA_FILE:
			free(ca_file);
			ca_file = xstrdup(optarg);
			break;
		case OPT_NET_TIMEOUT:
			bad = !cli_seconds("net-timeout", optarg, 300, &net_timeout);
			break;
		case OPT_TRUST_ANCHOR:
			free(anchor);
			anchor = xstrdup(optarg);
			break;
		case OPT_POLICY_MAX_AGE:
			if (str_to_u64(optarg, strlen(optarg), 31557600, &max_age) != MS_OK || max_age == 0) {
				cli_error("--policy-max-age: seconds, 1 to 31557600 (RFC 8461 §3.2)");
				bad = true;
			}
			break;
		case OPT_TIMEOUT:
			bad = !cli_seconds("timeout", optarg, 300, &timeout);
			break;
		default:
			break;
		}
	}
	if ((st = cli_parser_end(p)) != CLI_OK) {
		rc = cli_status_exit(st);
		goto out;
	}
	if (argc - optind != 2) {
		cli_error("usage: mailsec plan migrate|decommission [OPTIONS] DOMAIN");
		goto out;
	}
	kind = argv[optind];
	dom_arg = argv[optind + 1];
	if (strcmp(kind, "migrate") != 0 && strcmp(kind, "decommission") != 0) {
		cli_error("plan: \"%s\" is not migrate or decommission", kind);
		goto out;
	}
	{
		const char *why;

		if ((domain = dns_domain_normalise(dom_arg, &why)) == NULL) {
			cli_error("\"%s\" is not a domain name: %s", dom_arg, why);
			goto out;
		}
	}
	for (char **s = selectors; s && *s; s++) {
		const char *why;

		if (!dns_name_check_host(*s, &why)) {
			cli_error("--dkim-selector: \"%s\": %s", *s, why);
			goto out;
		}
	}
	if (profile_load(profile_name ? profile_name : "generic", &profile, &err) != MS_OK) {
		cli_error("%s", err);
		goto out;
	}
	memset(&scfg, 0, sizeof(scfg));
	scfg.replay_path = replay_path;
	scfg.resolver = forward;
	scfg.trust_anchor = anchor;
	scfg.timeout = timeout;
	scfg.http = true;
	if (session_new(&scfg, &ses, &err) != MS_OK) {
		cli_error("%s", err);
		goto out;
	}
	plan_observe_start(ses->res, domain, selectors, &seen, set_flag, &observed);
	if (!session_wait(ses, &observed)) {
		cli_error("the resolver could not take the lookups");
		goto out;
	}
	memset(&po, 0, sizeof(po));
	if (max_age == 0) {
		/* A --replay run is offline: it opens no connections. */
		if (replay_path == NULL)
			fetch_policy(ses, domain, ca_file, net_timeout, &lp);
		else
			lp.why = xstrdup("--replay opens no connections");
		max_age = lp.max_age;
		po.policy_url = lp.max_age ? lp.url : NULL;
		po.policy_why = lp.max_age ? NULL : lp.why;
	}
	po.kind = strcmp(kind, "migrate") == 0 ? PLAN_MIGRATE : PLAN_DECOMMISSION;
	po.domain = domain;
	po.start = start;
	po.policy_max_age = (uint32_t)max_age;
	po.seen = &seen;
	po.profile = profile;
	plan = plan_build(&po, &unknown);
	if (json) {
		char *s = json_dumps(plan, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		printf("%s\n", s);
		free(s);
	} else {
		plan_print_text(stdout, plan);
	}
	fflush(stdout);
	rc = unknown ? EXIT_UNKNOWN : EXIT_CLEAN;
	if (ses->res->unreachable)
		rc = EXIT_USAGE;	/* no resolver answered (said on stderr): the plan rests on nothing */
out:
	json_decref(plan);
	session_free(ses);
	plan_seen_free(&seen);
	strv_free(selectors);
	free(domain);
	free(err);
	free(replay_path);
	free(forward);
	free(anchor);
	free(ca_file);
	free(profile_name);
	profile_free(profile);
	free(lp.url);
	free(lp.why);
	return rc;
}
