/* src/cli/cmd_reports.c - mailsec reports: ingest, fetch, summarise and purge DMARC/TLS-RPT reports */
#include "cli/cli.h"
#include "cli/reports.h"
#include "reports/ingest.h"
#include "reports/report_json.h"
#include "reports/summary.h"
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "dns/dns.h"
#include "dns/resolver_replay.h"
#include "engine/engine.h"
#include "engine/session.h"
#include "output/summary_csv.h"
#include "store/store.h"
#include "util/fswalk.h"
#include "util/str.h"
#include "util/termsafe.h"
#include "util/xalloc.h"

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


/* rep_opts_init - defaults */
static void
rep_opts_init(struct rep_opts *o)
{
	memset(o, 0, sizeof(*o));
	extract_opts_default(&o->x);
	o->x.lim.received = (int64_t)time(NULL);	/* dates more than a day ahead are refused */
	summary_thresholds_default(&o->t);
	o->older_than_days = -1;
}

/* parse_pct - a percentage 0..100 */
static bool
parse_pct(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || v < 0 || v > 100)
		return false;
	*out = v;
	return true;
}

/* parse_args - options of `reports`; positional arguments stay in argv[optind..]; CLI_OK, or how to stop */
static enum cli_status
parse_args(int argc, char **argv, struct rep_opts *o)
{
	struct cli_parser *p = cli_parser_new("reports", argc, argv);
	enum opt_id id;
	bool bad = false;
	uint64_t v;

	while ((id = cli_next(p, bad)) != OPT_END) {
		switch (id) {
		case OPT_JSON:
			o->format = REP_JSON;
			break;
		case OPT_CSV:
			o->format = REP_CSV;
			break;
		case OPT_FORMAT: {
			static const struct cli_choice formats[] = {
				{ "text", REP_TEXT }, { "json", REP_JSON }, { "csv", REP_CSV }, { NULL, 0 },
			};
			int f;

			if (cli_choose("format", optarg, formats, &f))
				o->format = (enum rep_format)f;
			else
				bad = true;
			break;
		}
		case OPT_DB:
			o->db = optarg;
			break;
		case OPT_REPLAY:
			o->replay = optarg;
			break;
		case OPT_RESOLVER:
			o->resolver = optarg;
			break;
		case OPT_NO_DNS:
			o->no_dns = true;
			break;
		case OPT_FOLLOW_SYMLINKS:
			o->follow_symlinks = true;
			break;
		case OPT_NETRC:
			o->netrc = optarg;
			break;
		case OPT_CACERT:
			o->cacert = optarg;
			break;
		case OPT_NO_FAILURE_BODIES:
			o->x.keep_failure_bodies = false;
			break;
		case OPT_PROGRESS:
			o->progress = 1;
			break;
		case OPT_NO_PROGRESS:
			o->progress = -1;
			break;
		case OPT_SINCE: {
			int64_t secs;

			if (!cli_period(optarg, &secs)) {
				cli_error("--since wants a period such as 30d, 12h, 2w or all");
				bad = true;
			} else
				o->since_secs = secs, o->since_set = true;
			break;
		}
		case OPT_OLDER_THAN:
			if (str_to_u64(optarg, strlen(optarg), 100000, &v) != MS_OK) {
				cli_error("--older-than wants a number of days");
				bad = true;
			} else
				o->older_than_days = (int64_t)v;
			break;
		case OPT_MAX_REPORT_SIZE:
			if (str_to_u64(optarg, strlen(optarg), 4096, &v) != MS_OK || v == 0) {
				cli_error("--max-report-size wants MiB from 1 to 4096");
				bad = true;
			} else
				o->x.lim.max_bytes = (size_t)v * 1024 * 1024;
			break;
		case OPT_MIN_MESSAGES:
			if (str_to_u64(optarg, strlen(optarg), UINT32_MAX, &v) != MS_OK) {
				cli_error("--min-messages wants a number");
				bad = true;
			} else
				o->t.min_messages = v;
			break;
		case OPT_LEGIT_MIN_MESSAGES:
			if (str_to_u64(optarg, strlen(optarg), UINT32_MAX, &v) != MS_OK || v == 0) {
				cli_error("--legit-min-messages wants a number from 1");
				bad = true;
			} else
				o->t.legit_min_messages = v;
			break;
		case OPT_TOP:
			if (str_to_u64(optarg, strlen(optarg), 1000000, &v) != MS_OK) {
				cli_error("--top wants a number of sources");
				bad = true;
			} else
				o->t.top = (size_t)v;
			break;
		case OPT_QUARANTINE_PASS_RATE:
			if (!parse_pct(optarg, &o->t.quarantine_pass_rate)) {
				cli_error("--quarantine-pass-rate wants a percentage");
				bad = true;
			}
			break;
		case OPT_REJECT_PASS_RATE:
			if (!parse_pct(optarg, &o->t.reject_pass_rate)) {
				cli_error("--reject-pass-rate wants a percentage");
				bad = true;
			}
			break;
		default:
			break;
		}
	}
	return cli_parser_end(p);
}

/* open_store - --db, or the default database (store_default_path), for mode */
static struct store *
open_store(const struct rep_opts *o, enum store_mode mode)
{
	struct store *s = NULL;
	char why[512], *path;

	if (o->db)
		path = xstrdup(o->db);
	else if (store_default_path(&path, why, sizeof(why)) != MS_OK) {
		cli_error("%s", why);
		return NULL;
	}
	if (store_open(path, mode, &s, why, sizeof(why)) != MS_OK) {
		char *shown = store_display(path);

		cli_error("cannot open the report database %s: %s", shown, why);
		free(shown);
	}
	free(path);
	return s;
}

/* ---- ingest ------------------------------------------------------------ */

/* on_error - the ingest's errors, as the command's */
static void
on_error(void *arg, const char *msg)
{
	(void)arg;
	cli_error("%s", msg);
}

/* rep_ingest_opts - the ingest options of o: notes on stderr for text output */
void
rep_ingest_opts(const struct rep_opts *o, struct ingest_opts *io)
{
	memset(io, 0, sizeof(*io));
	io->x = o->x;
	io->follow_symlinks = o->follow_symlinks;
	io->notes = o->format == REP_TEXT ? stderr : NULL;
	io->error = on_error;
}

/* counts_json - the ingest document */
static json_t *
counts_json(const char *kind, const struct ingest_counts *c)
{
	json_t *o = json_object();

	doc_add_schema(o, DOC_REPORTS);
	json_object_set_new(o, "kind", json_string(kind));
	json_object_set_new(o, "ingested", json_integer((json_int_t)c->ingested));
	json_object_set_new(o, "duplicates", json_integer((json_int_t)c->duplicates));
	json_object_set_new(o, "rejected", json_integer((json_int_t)c->rejected));
	json_object_set_new(o, "no_report", json_integer((json_int_t)c->noreport));
	json_object_set_new(o, "failure_reports", json_integer((json_int_t)c->failure));
	json_object_set_new(o, "unreadable", json_integer((json_int_t)c->unreadable));
	return o;
}

/* rep_print_counts - the result of an ingest or fetch run */
void
rep_print_counts(const struct rep_opts *o, const char *kind, const struct ingest_counts *c)
{
	if (o->format == REP_JSON) {
		json_t *j = counts_json(kind, c);
		char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		printf("%s\n", s);
		free(s);
		json_decref(j);
	} else {
		printf("%llu ingested, %llu duplicate, %llu rejected, %llu without a report%s\n",
		    (unsigned long long)c->ingested, (unsigned long long)c->duplicates,
		    (unsigned long long)c->rejected, (unsigned long long)c->noreport,
		    c->unreadable ? ", some files unreadable" : "");
	}
}

/* run_ingest - reports ingest / reports parse */
static int
run_ingest(struct rep_opts *o, int argc, char **argv, bool parse_only)
{
	struct ingest_opts io;
	struct ingest *in;
	struct store *s = NULL;
	const struct ingest_counts *c;
	enum ms_status st;
	int rc;

	if (argc == 0) {
		cli_error("reports %s wants files or folders", parse_only ? "parse" : "ingest");
		return EXIT_USAGE;
	}
	rep_ingest_opts(o, &io);
	io.parse_only = parse_only;
	if (!parse_only) {
		if ((s = open_store(o, STORE_WRITE)) == NULL)
			return EXIT_USAGE;
		if (o->progress > 0 || (o->progress == 0 && isatty(2)))
			io.progress = stderr;
	}
	if (ingest_new(&io, s, &in) != MS_OK) {
		store_close(s);
		return EXIT_USAGE;
	}
	ingest_paths(in, argv, argc);
	st = ingest_finish(in);
	c = ingest_counts(in);
	if (parse_only) {
		json_t *doc = json_object();
		char *txt;

		doc_add_schema(doc, DOC_REPORTS);
		json_object_set_new(doc, "kind", json_string("parse"));
		json_object_set(doc, "items", ingest_items(in));
		txt = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", txt);
		free(txt);
		json_decref(doc);
		rc = c->rejected || c->unreadable ? EXIT_ERRORS : EXIT_CLEAN;
		ingest_free(in);
		return rc;
	}
	store_close(s);
	if (st != MS_OK) {
		ingest_free(in);
		return EXIT_USAGE;
	}
	rep_print_counts(o, "ingest", c);
	rc = c->rejected || c->unreadable ? EXIT_ERRORS : EXIT_CLEAN;
	ingest_free(in);
	return rc;
}

/* ---- summary, purge ------------------------------------------------------ */

/* What run_summary waits for. */
struct summary_wait {
	struct summary *sum;
	bool done;
};

/* summary_ready - summary_start's completion: keep the summary, stop waiting */
static void
summary_ready(struct summary *sum, void *arg)
{
	struct summary_wait *w = arg;

	w->sum = sum;
	w->done = true;
}

static int
run_summary(struct rep_opts *o, int argc, char **argv)
{
	struct store *s;
	struct summary_wait sw = { NULL, false };
	struct replay_data *rd = NULL;
	struct session_config scfg;
	struct session *ses = NULL;
	char *domain, *err = NULL;
	const char *why = NULL;
	int64_t since;
	int rc = EXIT_USAGE;

	if (argc != 1) {
		cli_error("reports summary wants one domain");
		return EXIT_USAGE;
	}
	if ((domain = dns_domain_normalise(argv[0], &why)) == NULL) {
		cli_error("%s: %s", argv[0], why);
		return EXIT_USAGE;
	}
	since = o->since_set ? o->since_secs : 30 * 86400;
	since = since < 0 ? 0 : (int64_t)time(NULL) - since;
	if (since < 0)
		since = 0;
	if ((s = open_store(o, STORE_READ)) == NULL) {
		free(domain);
		return EXIT_USAGE;
	}
	memset(&scfg, 0, sizeof(scfg));
	scfg.timeout = 5;
	if (o->replay) {
		rd = replay_data_new();
		if (replay_data_load_file(rd, o->replay, &err) != MS_OK) {
			cli_error("%s: %s", o->replay, err ? err : "cannot read");
			free(err);
			goto out;
		}
		scfg.replay = rd;
		if (session_new(&scfg, &ses, &err) != MS_OK) {
			cli_error("%s", err);
			free(err);
			goto out;
		}
	} else if (!o->no_dns) {
		/* PTR names and the SPF walk through a real, validating resolver */
		scfg.resolver = o->resolver;
		if (session_new(&scfg, &ses, &err) != MS_OK) {
			cli_error("%s (--no-dns summarises without lookups)", err ? err : "no resolver");
			free(err);
			goto out;
		}
	}
	if (ses == NULL) {
		if (summary_build(s, domain, since, &o->t, &sw.sum) != MS_OK) {
			cli_error("database: %s", store_error(s));
			goto out;
		}
	} else {
		if (summary_start(s, domain, since, &o->t, ses->res, summary_ready, &sw) != MS_OK) {
			cli_error("database: %s", store_error(s));
			goto out;
		}
		if (!session_wait(ses, &sw.done)) {
			cli_error("the lookups of the summary did not finish");
			goto out;
		}
	}
	if (o->format == REP_JSON) {
		json_t *j = summary_json(sw.sum);
		char *txt;

		doc_add_generated(j);
		txt = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", txt);
		free(txt);
		json_decref(j);
	} else if (o->format == REP_CSV)
		csv_write_summary(stdout, sw.sum);
	else
		summary_text(stdout, sw.sum);
	rc = EXIT_CLEAN;
out:
	summary_free(sw.sum);
	session_free(ses);
	replay_data_free(rd);
	store_close(s);
	free(domain);
	return rc;
}

static int
run_purge(struct rep_opts *o, int argc)
{
	struct store *s;
	uint64_t removed = 0;
	int64_t cutoff;

	if (argc != 0 || o->older_than_days < 0) {
		cli_error("reports purge wants --older-than DAYS and nothing else");
		return EXIT_USAGE;
	}
	if ((s = open_store(o, STORE_WRITE)) == NULL)
		return EXIT_USAGE;
	cutoff = (int64_t)time(NULL) - o->older_than_days * 86400;
	if (store_purge(s, cutoff, &removed) != MS_OK) {
		cli_error("database: %s", store_error(s));
		store_close(s);
		return EXIT_USAGE;
	}
	store_close(s);
	if (o->format == REP_JSON) {
		json_t *doc = doc_new(DOC_REPORTS);

		json_object_set_new(doc, "kind", json_string("purge"));
		json_object_set_new(doc, "removed", json_integer((json_int_t)removed));
		out_json_print(stdout, doc);
		json_decref(doc);
	} else
		printf("%llu reports removed\n", (unsigned long long)removed);
	return EXIT_CLEAN;
}

/* The quarantine listing: JSON (arr) or text (arr NULL), and how many were listed. */
struct rejected_list {
	json_t *arr;
	size_t n;
};

/* on_rejected - one quarantined report, as text or into a JSON array */
static void
on_rejected(void *arg, const struct store_rejected_item *it)
{
	struct rejected_list *rl = arg;
	json_t *arr = rl->arr;
	char when[32];
	time_t t = (time_t)(it->first_seen < 0 ? 0 : it->first_seen);
	struct tm tm;

	rl->n++;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (arr) {
		json_t *o = json_object();

		json_object_set_new(o, "sha256", json_text(it->sha256));
		json_object_set_new(o, "origin", json_text(it->origin));
		json_object_set_new(o, "reason", json_text(it->reason));
		json_object_set_new(o, "first_seen", json_string(when));
		json_object_set_new(o, "size", json_integer((json_int_t)it->size));
		json_array_append_new(arr, o);
	} else {
		char *origin = term_safe_str(it->origin);
		char *reason = term_safe_str(it->reason);

		printf("%s  %10llu bytes  %s\n    %s\n", when, (unsigned long long)it->size, origin, reason);
		free(origin);
		free(reason);
	}
}

/* run_quarantine - list the reports that were rejected, with the reason */
static int
run_quarantine(struct rep_opts *o, int argc)
{
	struct store *s;
	struct rejected_list rl = { NULL, 0 };
	json_t *arr = NULL;
	enum ms_status st;

	if (argc != 0) {
		cli_error("reports quarantine takes no arguments");
		return EXIT_USAGE;
	}
	if ((s = open_store(o, STORE_READ)) == NULL)
		return EXIT_USAGE;
	if (o->format == REP_JSON)
		arr = json_array();
	rl.arr = arr;
	st = store_each_rejected(s, on_rejected, &rl);
	if (st != MS_OK)
		cli_error("database: %s", store_error(s));
	store_close(s);
	if (arr == NULL && st == MS_OK && rl.n == 0)
		puts("nothing quarantined");
	if (arr) {
		json_t *doc = json_object();
		char *txt;

		doc_add_schema(doc, DOC_REPORTS);
		json_object_set_new(doc, "kind", json_string("quarantine"));
		json_object_set_new(doc, "rejected", arr);
		txt = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (st == MS_OK)
			printf("%s\n", txt);
		free(txt);
		json_decref(doc);
	}
	return st == MS_OK ? EXIT_CLEAN : EXIT_USAGE;
}

int
cmd_reports(int argc, char **argv)
{
	struct rep_opts o;
	const char *verb;
	enum cli_status st;

	rep_opts_init(&o);
	if ((st = parse_args(argc, argv, &o)) != CLI_OK)
		return cli_status_exit(st);
	if (optind >= argc) {
		cli_usage(stderr, "reports");
		return EXIT_USAGE;
	}
	verb = argv[optind];
	argc -= optind + 1;
	argv += optind + 1;
	if (strcmp(verb, "ingest") == 0)
		return run_ingest(&o, argc, argv, false);
	if (strcmp(verb, "parse") == 0)
		return run_ingest(&o, argc, argv, true);
	if (strcmp(verb, "summary") == 0)
		return run_summary(&o, argc, argv);
	if (strcmp(verb, "purge") == 0)
		return run_purge(&o, argc);
	if (strcmp(verb, "fetch") == 0)
		return rep_fetch(&o, argc, argv);
	if (strcmp(verb, "quarantine") == 0)
		return run_quarantine(&o, argc);
	cli_error("unknown reports action \"%s\" (ingest, fetch, summary, purge, quarantine, parse)",
	    verb);
	return EXIT_USAGE;
}

struct store *
rep_open_store(const struct rep_opts *o)
{
	return open_store(o, STORE_WRITE);
}
