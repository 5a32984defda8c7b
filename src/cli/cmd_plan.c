/* src/cli/cmd_plan.c - mailsec plan migrate|decommission: a dated checklist from the live records */
#include "cli/cli.h"
#include "dns/resolver_replay.h"
#include "engine/engine.h"
#include "records/dates.h"
#include "records/plan.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* cmd_plan - observe the live records through the resolver, build and print the plan */
int
cmd_plan(int argc, char **argv)
{
	struct cli_parser *p;
	const struct option_doc *d;
	struct plan_seen seen;
	struct plan_opts po;
	struct replay_data *replay = NULL;
	struct event_base *base = NULL;
	struct resolver *res = NULL;
	char **selectors = NULL, *domain = NULL, *err = NULL, *replay_path = NULL;
	const char *kind = NULL, *dom_arg = NULL;
	time_t start = date_today();
	double timeout = 5;
	uint64_t max_age = 0;
	bool bad = false, json = false, unknown = false;
	json_t *plan = NULL;
	int rc = EXIT_USAGE;

	memset(&seen, 0, sizeof(seen));
	p = cli_parser_new("plan");
	while ((d = cli_getopt(p, argc, argv, &bad)) != NULL) {
		const char *n = d->name;

		if (strcmp(n, "json") == 0)
			json = true;
		else if (strcmp(n, "start") == 0) {
			if (!date_parse(optarg, &start)) {
				cli_error("--start: a date as YYYY-MM-DD");
				bad = true;
			}
		} else if (strcmp(n, "selectors") == 0)
			common_opts_set_list(&selectors, optarg);
		else if (strcmp(n, "replay") == 0) {
			free(replay_path);
			replay_path = xstrdup(optarg);
		} else if (strcmp(n, "policy-max-age") == 0) {
			if (str_to_u64(optarg, strlen(optarg), 31557600, &max_age) != MS_OK || max_age == 0) {
				cli_error("--policy-max-age: seconds, 1 to 31557600 (RFC 8461 §3.2)");
				bad = true;
			}
		} else if (strcmp(n, "timeout") == 0) {
			char *end;

			timeout = strtod(optarg, &end);
			if (end == optarg || *end || !(timeout > 0) || timeout > 300) {
				cli_error("--timeout wants a positive number of seconds");
				bad = true;
			}
		} else if (strcmp(n, "help") == 0) {
			cli_usage(stdout, "plan");
			rc = EXIT_CLEAN;
			bad = true;
		}
		if (bad)
			break;
	}
	cli_parser_free(p);
	if (bad)
		goto out;
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

		if ((domain = engine_domain_normalise(dom_arg, &why)) == NULL) {
			cli_error("\"%s\" is not a domain name: %s", dom_arg, why);
			goto out;
		}
	}
	for (char **s = selectors; s && *s; s++) {
		const char *why;

		if (!dns_name_check_host(*s, &why)) {
			cli_error("--selectors: \"%s\": %s", *s, why);
			goto out;
		}
	}
	base = event_base_new();
	if (replay_path) {
		replay = replay_data_new();
		if (replay_data_load_file(replay, replay_path, &err) != MS_OK) {
			cli_error("%s", err);
			goto out;
		}
		res = resolver_replay_new(base, replay, timeout);
	} else {
		cli_error("no live resolver in this build: use --replay FILE");
		goto out;
	}
	if (plan_observe(res, base, domain, selectors, &seen) != MS_OK) {
		cli_error("the resolver could not take the lookups");
		goto out;
	}
	memset(&po, 0, sizeof(po));
	po.kind = strcmp(kind, "migrate") == 0 ? PLAN_MIGRATE : PLAN_DECOMMISSION;
	po.domain = domain;
	po.start = start;
	po.policy_max_age = (uint32_t)max_age;
	po.seen = &seen;
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
out:
	json_decref(plan);
	plan_seen_free(&seen);
	resolver_free(res);
	if (base)
		event_base_free(base);
	replay_data_free(replay);
	strv_free(selectors);
	free(domain);
	free(err);
	free(replay_path);
	return rc;
}
