/* src/cli/cmd_records.c - mailsec records new|parked|mta-sts|dmarc: generate record sets */
#include "cli/cli.h"
#include "core/profile.h"
#include "dns/dns.h"
#include "engine/engine.h"
#include "engine/session.h"
#include "records/dkimkey.h"
#include "records/gen.h"
#include "records/plan.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * host_norm - lower-case a host name and drop one trailing dot, also in
 * "host:prio" and "host=ip" (sep), in place: users paste absolute names.
 */
static void
host_norm(char *s, int sep)
{
	char *end = sep ? strchr(s, sep) : NULL;
	size_t n = end ? (size_t)(end - s) : strlen(s);

	for (size_t i = 0; i < n; i++)
		s[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	if (n > 1 && s[n - 1] == '.')
		memmove(s + n - 1, s + n, strlen(s + n) + 1);
}

static void
hosts_norm(char **v, int sep)
{
	for (; v && *v; v++)
		host_norm(*v, sep);
}

/* set_flag - the lookup's completion callback: *arg (a bool) becomes true */
static void
set_flag(void *arg)
{
	*(bool *)arg = true;
}

/*
 * dmarc_live - the DMARC record published for domain (*text, caller frees;
 * NULL when none), through --replay or libunbound as plan reads it; 0, or
 * -1 after saying why on stderr (the lookup failed: never "none")
 */
static int
dmarc_live(const char *domain, const char *replay_path, const char *forward, const char *anchor,
    double timeout, char **text)
{
	struct session_config scfg;
	struct session *ses = NULL;
	struct plan_dmarc_live live;
	char *err = NULL;
	bool done = false;
	int rc = -1;

	*text = NULL;
	memset(&live, 0, sizeof(live));
	memset(&scfg, 0, sizeof(scfg));
	scfg.replay_path = replay_path;
	scfg.resolver = forward;
	scfg.trust_anchor = anchor;
	scfg.timeout = timeout;
	if (session_new(&scfg, &ses, &err) != MS_OK) {
		cli_error("%s (records dmarc reads the record published now; offline, give it "
		    "with --from-record 'v=DMARC1; ...')", err);
		goto out;
	}
	plan_dmarc_current_start(ses->res, ses->base, domain, &live, set_flag, &done);
	if (!session_wait(ses, &done)) {
		cli_error("records dmarc could not look up the record published now; "
		    "give the record with --from-record 'v=DMARC1; ...'");
		goto out;
	}
	if (live.status != MS_OK) {
		cli_error("records dmarc keeps the tags of the record published now, and %s; "
		    "give the record with --from-record 'v=DMARC1; ...'", live.why);
		goto out;
	}
	*text = live.text;
	live.text = NULL;
	rc = 0;
out:
	plan_dmarc_live_free(&live);
	session_free(ses);
	free(err);
	return rc;
}

/* cmd_records - parse, validate, generate, print; exit 0 or 2 */
int
cmd_records(int argc, char **argv)
{
	struct cli_parser *p;
	enum cli_status cst;
	enum opt_id id;
	struct gen_opts g;
	char **mx = NULL, **inc = NULL, **ip4 = NULL, **ip6 = NULL, **rua = NULL, **rep = NULL;
	char **addr = NULL;
	char *profile_name = NULL, *domain = NULL, *err = NULL, *dkim_rec = NULL, *sts_id = NULL;
	char *dkim_key = NULL, *pos[2] = { NULL, NULL }, *sel = NULL, *sts_host = NULL;
	char *from_record = NULL, *replay_path = NULL, *forward = NULL, *anchor = NULL;
	char *current = NULL;
	double timeout = 5;
	struct profile *profile = NULL;
	struct recset *set = NULL;
	enum recset_format format = RECSET_ZONE;
	int npos = 0, rc = EXIT_USAGE;
	bool bad = false;
	enum ms_status st;

	memset(&g, 0, sizeof(g));
	p = cli_parser_new("records", argc, argv);
	while ((id = cli_next(p, bad)) != OPT_END) {
		switch (id) {
		case OPT_FORMAT: {
			int f;

			if (cli_choose("format", optarg, cli_recset_formats, &f))
				format = (enum recset_format)f;
			else
				bad = true;
			break;
		}
		case OPT_MX:
			cli_list_append(&mx, optarg);
			break;
		case OPT_SPF_INCLUDE:
			cli_list_append(&inc, optarg);
			break;
		case OPT_SPF_IP4:
			cli_list_append(&ip4, optarg);
			break;
		case OPT_SPF_IP6:
			cli_list_append(&ip6, optarg);
			break;
		case OPT_RUA:
			cli_list_append(&rua, optarg);
			break;
		case OPT_ADDRESS:
			cli_list_append(&addr, optarg);
			break;
		case OPT_AUTHORISE_REPORTS_FOR:
			cli_list_append(&rep, optarg);
			break;
		case OPT_DKIM_SELECTOR:
			free(sel);
			sel = xstrdup(optarg);
			host_norm(sel, 0);
			g.dkim_selector = sel;
			break;
		case OPT_DKIM_KEY:
			free(dkim_key);
			dkim_key = xstrdup(optarg);
			break;
		case OPT_TLSRPT_RUA:
			g.tlsrpt_rua = optarg;
			break;
		case OPT_MTA_STS_HOST:
			free(sts_host);
			sts_host = xstrdup(optarg);
			host_norm(sts_host, 0);
			g.mta_sts_host = sts_host;
			break;
		case OPT_ID:
			free(sts_id);
			sts_id = xstrdup(optarg);
			break;
		case OPT_STAGE:
			g.stage = optarg;
			break;
		case OPT_FROM_RECORD:
			free(from_record);
			from_record = xstrdup(optarg);
			break;
		case OPT_REPLAY:
			free(replay_path);
			replay_path = xstrdup(optarg);
			break;
		case OPT_RESOLVER:
			free(forward);
			forward = xstrdup(optarg);
			break;
		case OPT_TRUST_ANCHOR:
			free(anchor);
			anchor = xstrdup(optarg);
			break;
		case OPT_TIMEOUT:
			bad = !cli_seconds("timeout", optarg, 300, &timeout);
			break;
		case OPT_TTL: {
			uint64_t v;

			if (str_to_u64(optarg, strlen(optarg), 604800, &v) != MS_OK || v < 60) {
				cli_error("--ttl: 60 to 604800 seconds");
				bad = true;
			}
			g.ttl = (uint32_t)v;
			break;
		}
		case OPT_PROFILE:
			free(profile_name);
			profile_name = xstrdup(optarg);
			break;
		default:
			break;
		}
	}
	if ((cst = cli_parser_end(p)) != CLI_OK) {
		rc = cli_status_exit(cst);
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		if (npos >= 2) {
			cli_error("records takes one kind and one domain");
			goto out;
		}
		pos[npos++] = argv[i];
	}
	if (npos != 2) {
		cli_error("usage: mailsec records new|parked|mta-sts|dmarc [OPTIONS] DOMAIN");
		goto out;
	}
	{
		const char *why;

		if ((domain = dns_domain_normalise(pos[1], &why)) == NULL) {
			cli_error("\"%s\" is not a domain name: %s", pos[1], why);
			goto out;
		}
	}
	if (profile_load(profile_name ? profile_name : "generic", &profile, &err) != MS_OK) {
		cli_error("%s", err);
		goto out;
	}
	if (sts_id == NULL) {
		time_t now = time(NULL);
		struct tm tm;
		char b[32];

		gmtime_r(&now, &tm);
		strftime(b, sizeof(b), "%Y%m%d%H%M%S", &tm);
		sts_id = xstrdup(b);
	}
	if (dkim_key) {
		struct evp_pkey_st *k = NULL;

		if (dkim_key_load(dkim_key, &k, &err) != MS_OK ||
		    dkim_key_record(k, &dkim_rec, &err) != MS_OK) {
			cli_error("--dkim-key: %s", err);
			dkim_key_free(k);
			goto out;
		}
		dkim_key_free(k);
	}
	hosts_norm(mx, ':');
	hosts_norm(inc, 0);
	hosts_norm(rep, 0);
	hosts_norm(addr, '=');
	g.domain = domain;
	g.profile = profile;
	g.mx = mx;
	g.spf_include = inc;
	g.spf_ip4 = ip4;
	g.spf_ip6 = ip6;
	g.rua = rua;
	g.report_for = rep;
	g.address = addr;
	g.id = sts_id;
	g.dkim_record = dkim_rec;
	if (strcmp(pos[0], "new") == 0)
		st = gen_new(&g, &set, &err);
	else if (strcmp(pos[0], "parked") == 0)
		st = gen_parked(&g, &set, &err);
	else if (strcmp(pos[0], "mta-sts") == 0)
		st = gen_mta_sts(&g, &set, &err);
	else if (strcmp(pos[0], "dmarc") == 0) {
		if (from_record) {
			str_trim(from_record);
			if (!str_has_prefix_case(from_record, "v=DMARC1")) {
				cli_error("--from-record: a DMARC record starts with v=DMARC1");
				goto out;
			}
			g.current = from_record;
		} else if (g.stage && dmarc_live(domain, replay_path, forward, anchor, timeout,
		    &current) != 0) {
			goto out;
		} else {
			g.current = current;
		}
		st = gen_dmarc(&g, &set, &err);
	}
	else {
		cli_error("records: unknown kind \"%s\" (new, parked, mta-sts, dmarc)", pos[0]);
		goto out;
	}
	if (st != MS_OK) {
		cli_error("%s", err ? err : ms_status_str(st));
		goto out;
	}
	recset_print(stdout, set, format, MAILSEC_VERSION);
	rc = EXIT_CLEAN;
out:
	recset_free(set);
	profile_free(profile);
	strv_free(mx);
	strv_free(inc);
	strv_free(ip4);
	strv_free(ip6);
	strv_free(rua);
	strv_free(rep);
	strv_free(addr);
	free(profile_name);
	free(domain);
	free(err);
	free(dkim_rec);
	free(dkim_key);
	free(sel);
	free(sts_host);
	free(sts_id);
	free(from_record);
	free(replay_path);
	free(forward);
	free(anchor);
	free(current);
	return rc;
}
