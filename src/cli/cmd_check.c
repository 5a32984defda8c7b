/* src/cli/cmd_check.c - mailsec check: audit domains and report findings */
#include "cli/cli.h"
#include "core/envelope.h"
#include "core/jsondump.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "dns/dns.h"
#include "engine/engine.h"
#include "engine/session.h"
#include "output/csv.h"
#include "output/sarif.h"
#include "smtp/smtp_polite.h"
#include "smtp/smtp_probe_cache.h"
#include "util/str.h"
#include "util/progress.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define DOMAINS_FILE_MAX_LINE	1024

/* Output state: --json keeps input order by holding finished domains until their turn. */
struct emitter {
	const struct common_opts *o;
	const struct profile *profile;
	size_t n, next;
	char **pending;		/* rendered domain, by input index, until printed */
	size_t worst[SEV__COUNT];
	bool first;
	struct check_store *store;	/* --db, or NULL */
	size_t store_failed;	/* results that could not be stored */
	struct progress progress;	/* --domains on a terminal: done/total on stderr */
	size_t done;
	json_t **sarif;		/* --format sarif: each domain's results, by input index */
};

/* mono_now - seconds on the monotonic clock (the progress line's clock) */
static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
emit_ready(struct emitter *e)
{
	if (e->next < e->n && e->pending[e->next])
		progress_clear(&e->progress);	/* the report and the line may share a terminal */
	while (e->next < e->n && e->pending[e->next]) {
		char *s = e->pending[e->next];

		if (e->o->format == OUT_JSON)
			out_json_stream_element(stdout, s, e->first);
		else
			fputs(s, stdout);
		e->first = false;
		free(s);
		e->pending[e->next++] = NULL;
	}
	fflush(stdout);
}

static void
on_result(struct audit *a, void *arg)
{
	struct emitter *e = arg;
	size_t counts[SEV__COUNT];
	char *s = NULL;

	findings_count(&a->findings, counts);
	for (int i = 0; i < SEV__COUNT; i++)
		e->worst[i] += counts[i];
	if (e->store && check_store_put(e->store, a) != 0)
		e->store_failed++;
	if (e->o->format == OUT_SARIF) {	/* one log at the end: results point at the domain */
		json_t *res = json_array();

		for (size_t i = 0; i < a->findings.n; i++)
			if (sarif_is_result(&a->findings.v[i]))
				json_array_append_new(res, sarif_result(a->domain, &a->findings.v[i], NULL));
		e->sarif[a->index] = res;
		progress_update(&e->progress, ++e->done, mono_now(), false);
		return;
	}
	if (e->o->format == OUT_TEXT) {
		char *buf = NULL;
		size_t len = 0;
		FILE *mf = open_memstream(&buf, &len);

		out_text_domain(mf, a, e->o->color);
		fclose(mf);
		s = buf;
	} else if (e->o->format == OUT_CSV) {
		char *buf = NULL;
		size_t len = 0;
		FILE *mf = open_memstream(&buf, &len);

		csv_write_findings(mf, a->domain, &a->findings);
		fclose(mf);
		s = buf;
	} else {
		/* Straight from the findings; the tree only if that cannot be written (json.h). */
		bool line = e->o->format == OUT_JSONL;
		json_t *j;

		s = out_json_domain_text(a, line ? JSON_COMPACT | JSON_PRESERVE_ORDER :
		    JSON_INDENT(2) | JSON_PRESERVE_ORDER, line ? doc_schema_name(DOC_CHECK) : NULL);
		if (s && line) {
			fprintf(stdout, "%s\n", s);
			fflush(stdout);
			free(s);
			return;
		}
		if (s)
			goto rendered;
		j = out_json_domain(a);
		if (e->o->format == OUT_JSONL) {
			doc_add_schema(j, DOC_CHECK);	/* each line a mailsec/1 domain */
			out_json_line(stdout, j);
			fflush(stdout);
			json_decref(j);
			return;
		}
		s = json_dump_text(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(j);
	}
rendered:
	e->pending[a->index] = s;
	emit_ready(e);
	progress_update(&e->progress, ++e->done, mono_now(), false);
}

/* read_domains_file - append the file's domains to *v */
static int
read_domains_file(const char *path, char ***v, size_t *n)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char line[DOMAINS_FILE_MAX_LINE];
	int lineno = 0;

	if (fp == NULL) {
		cli_error("cannot open %s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *hash = strchr(line, '#');

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			cli_error("%s:%d: line too long", path, lineno);
			if (fp != stdin)
				fclose(fp);
			return -1;
		}
		if (hash)
			*hash = '\0';
		str_trim(line);
		if (*line == '\0')
			continue;
		*v = xreallocarray(*v, *n + 2, sizeof(**v));
		(*v)[(*n)++] = xstrdup(line);
		(*v)[*n] = NULL;
	}
	if (fp != stdin)
		fclose(fp);
	return 0;
}

/* parse_args - defaults, then the config file, then argv; CLI_OK, or how to stop */
static enum cli_status
parse_args(int argc, char **argv, struct common_opts *o)
{
	struct cli_parser *p;
	enum cli_status st;
	enum opt_id id;
	bool bad = false;

	/* The config file sets defaults, so find it before anything else. */
	if (common_opts_preload_config(o, argc, argv) != 0)
		return CLI_USAGE;

	p = cli_parser_new("check", argc, argv);
	while ((id = cli_next(p, bad)) != OPT_END) {
		if (common_opts_parse(o, id, optarg, &bad))
			continue;
		switch (id) {
		case OPT_JSON:
			o->format = OUT_JSON;
			break;
		case OPT_JSONL:
			o->format = OUT_JSONL;
			break;
		case OPT_FORMAT:
			bad = !cli_output_format(optarg, &o->format);
			break;
		case OPT_ONLY:
			common_opts_set_list(&o->only, optarg);
			break;
		case OPT_IGNORE:
			common_opts_set_list(&o->ignore, optarg);
			break;
		case OPT_PROFILE:
			free(o->profile_name);
			o->profile_name = xstrdup(optarg);
			break;
		case OPT_SELECTORS_FROM_REPORTS:
			o->selectors_from_reports = true;
			break;
		case OPT_DOMAINS:
			free(o->domains_file);
			o->domains_file = xstrdup(optarg);
			break;
		case OPT_PARKED:
			o->parked = true;
			break;
		case OPT_NO_COLOR:
			o->color_opt = -1;
			break;
		case OPT_COLOR:
			o->color_opt = 1;
			break;
		default:
			/* an option a check area reads (--dkim-selector, --dmarc-rules, ...) */
			if (cli_area_option(o, opt_names[id], optarg) < 0)
				bad = true;
			break;
		}
	}
	if ((st = cli_parser_end(p)) != CLI_OK)
		return st;
	if (cli_only_check(o->only) != 0)
		return CLI_USAGE;
	o->color = o->color_opt > 0 || (o->color_opt == 0 && isatty(STDOUT_FILENO) &&
	    getenv("NO_COLOR") == NULL);
	return CLI_OK;
}

int
cmd_check(int argc, char **argv)
{
	struct common_opts o;
	char **domains = NULL;
	size_t n = 0;
	struct profile *profile = NULL;
	struct session_config scfg;
	struct session *ses = NULL;
	struct smtp_probe_cache *probes = NULL;
	struct check_options copts;
	struct engine_config cfg;
	struct emitter em = { 0 };
	size_t max_active = 0;
	struct engine_queries queries;
	char *err = NULL;
	enum cli_status st;
	int rc = EXIT_USAGE;

	common_opts_init(&o);
	if ((st = parse_args(argc, argv, &o)) != CLI_OK) {
		rc = cli_status_exit(st);
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		const char *why;
		char *d = dns_domain_normalise(argv[i], &why);

		if (d == NULL) {
			cli_error("\"%s\" is not a domain name: %s", argv[i], why);
			goto out;
		}
		domains = xreallocarray(domains, n + 2, sizeof(*domains));
		domains[n++] = d;
		domains[n] = NULL;
	}
	if (o.domains_file) {
		size_t first = n;

		if (read_domains_file(o.domains_file, &domains, &n) != 0)
			goto out;
		for (size_t i = first; i < n; i++) {
			const char *why;
			char *d = dns_domain_normalise(domains[i], &why);

			if (d == NULL) {
				cli_error("%s: \"%s\" is not a domain name: %s", o.domains_file,
				    domains[i], why);
				goto out;
			}
			free(domains[i]);
			domains[i] = d;
		}
	}
	if (n == 0) {
		cli_error("check needs at least one domain (see 'mailsec help check')");
		goto out;
	}
	if (profile_load(o.profile_name, &profile, &err) != MS_OK) {
		cli_error("%s", err);
		goto out;
	}

	common_opts_session(&o, &scfg);
	scfg.http = true;
	scfg.smtp_per_address = o.smtp_per_address;
	scfg.smtp_per_network = o.smtp_per_network;
	if (session_new(&scfg, &ses, &err) != MS_OK) {
		cli_error("%s", err);
		goto out;
	}
	memset(&em, 0, sizeof(em));
	if (o.selectors_from_reports && o.db == NULL) {
		cli_error("--selectors-from-reports reads the reports of --db: give --db PATH|URI");
		goto out;
	}
	if (o.db && (em.store = check_store_open(o.db, profile->name)) == NULL)
		goto out;
	if (o.selectors_from_reports && check_store_learn(em.store, domains, n, o.areas) != 0)
		goto out;

	common_opts_checks(&o, &copts);
	copts.profile = profile;
	copts.parked = o.parked;
	copts.areas = o.areas;

	em.o = &o;
	em.profile = profile;
	em.n = n;
	em.first = true;
	em.pending = xcalloc(n, sizeof(*em.pending));
	if (o.format == OUT_SARIF)
		em.sarif = xcalloc(n, sizeof(*em.sarif));
	/* a progress line for bulk text runs on a terminal; never in pipes or JSON */
	progress_init(&em.progress, o.domains_file && o.format == OUT_TEXT &&
	    isatty(STDERR_FILENO) ? STDERR_FILENO : -1, "domains", n, mono_now());

	memset(&cfg, 0, sizeof(cfg));
	cfg.opts = &copts;
	cfg.only = o.only;
	cfg.ignore = o.ignore;
	cfg.max_inflight = o.concurrency;
	cfg.deadline = o.deadline;
	cfg.on_result = on_result;
	cfg.arg = &em;
	cfg.max_active = &max_active;
	/* one STARTTLS probe per MX address for the whole run (--no-probe-sharing: per domain) */
	probes = smtp_probe_cache_new(ses->smtp, !o.no_probe_sharing);
	cfg.probes = probes;
	memset(&queries, 0, sizeof(queries));
	if (o.stats)
		cfg.queries = &queries;

	if (o.format == OUT_JSON) {	/* mailsec/1, its domains streamed as they finish */
		json_t *head = doc_new(DOC_CHECK);

		doc_add_generated(head);
		doc_add_version(head);
		json_object_set_new(head, "profile", json_text(profile->name));
		out_json_stream_open(stdout, head, "domains");
		json_decref(head);
	} else if (o.format == OUT_CSV) {
		csv_write_header(stdout);
	}
	{
		struct timeval t0, t1;
		double secs;

		gettimeofday(&t0, NULL);
		engine_run(ses, &cfg, domains, n);
		progress_clear(&em.progress);
		gettimeofday(&t1, NULL);
		secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_usec - t0.tv_usec) / 1e6;
		if (o.stats) {
			const struct smtp_probe_cache_stats *ps = smtp_probe_cache_stats(probes);

			fprintf(stderr, "mailsec: %zu domain%s in %.2f s (%.0f/s); %llu DNS queries "
			    "(%.0f/s, %llu timed out, at most %llu in flight); at most %zu domain%s in flight; "
			    "%llu STARTTLS probes made, %llu saved by sharing\n",
			    n, n == 1 ? "" : "s",
			    secs, secs > 0 ? (double)n / secs : 0.0,
			    (unsigned long long)ses->res->stats.queries,
			    secs > 0 ? (double)ses->res->stats.queries / secs : 0.0,
			    (unsigned long long)ses->res->stats.timeouts,
			    (unsigned long long)ses->res->stats.max_inflight, max_active,
			    max_active == 1 ? "" : "s", (unsigned long long)ps->made,
			    (unsigned long long)ps->shared);
			engine_queries_print(stderr, &queries);
		}
	}
	if (o.format == OUT_JSON) {
		out_json_stream_close(stdout);
	} else if (o.format == OUT_SARIF) {
		json_t *res = json_array(), *log;

		for (size_t i = 0; i < n; i++) {
			if (em.sarif[i])
				json_array_extend(res, em.sarif[i]);
			json_decref(em.sarif[i]);
		}
		log = sarif_log("check", res);
		out_json_print(stdout, log);
		json_decref(log);
	}
	fflush(stdout);
	free(em.pending);
	free(em.sarif);

	if (ses->res->unreachable) {
		/* Said on stderr by the resolver: nothing was checked, whatever the findings say. */
		rc = EXIT_USAGE;
	} else if (em.store_failed) {
		cli_error("%zu of %zu results not stored (run %s); the output is complete",
		    em.store_failed, n, check_store_run(em.store));
		rc = EXIT_STORE;
	} else if (em.worst[SEV_ERROR])
		rc = EXIT_ERRORS;
	else if (em.worst[SEV_UNKNOWN])
		rc = EXIT_UNKNOWN;
	else
		rc = EXIT_CLEAN;
out:
	check_store_close(em.store);
	smtp_probe_cache_free(probes);	/* before the prober it probes with */
	session_free(ses);
	profile_free(profile);
	strv_free(domains);
	free(err);
	common_opts_free(&o);
	return rc;
}
