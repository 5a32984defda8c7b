/* src/cli/cmd_reports.c - mailsec reports: ingest, fetch, summarise and purge DMARC/TLS-RPT reports */
#include "cli/cli.h"
#include "cli/reports.h"
#include "checks/reports/extract.h"
#include "checks/reports/report_json.h"
#include "checks/reports/summary.h"
#include "core/jsonutil.h"
#include "dns/dns.h"
#include "dns/resolver_replay.h"
#include "engine/engine.h"
#include "engine/session.h"
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

#define INPUT_FILE_MAX	((size_t)1 << 30)	/* one input file (an mbox may be large) */
#define BATCH_REPORTS	64			/* reports per transaction */

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

struct ingest {
	struct rep_opts *o;
	struct store *store;
	struct rep_counts c;
	size_t in_batch;
	bool failed;
	bool parse_only;	/* `reports parse`: collect JSON, store nothing */
	json_t *items;
	/* progress */
	bool progress;
	size_t files_done, files_total;
	double t0, last_shown;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* progress - one line on a terminal, rewritten in place, at most 10 times a second */
static void
progress(struct ingest *in, bool final)
{
	double t = now_s();
	uint64_t reports = in->c.ingested + in->c.duplicates + in->c.rejected;

	if (!in->progress || (!final && t - in->last_shown < 0.1))
		return;
	in->last_shown = t;
	fprintf(stderr, "\r%zu/%zu files, %llu reports, %.0f reports/s   %s", in->files_done,
	    in->files_total, (unsigned long long)reports,
	    t > in->t0 ? (double)reports / (t - in->t0) : 0.0, final ? "\n" : "");
	fflush(stderr);
}

/* batch_step - one more report in this transaction; commit every BATCH_REPORTS */
static void
batch_step(struct ingest *in)
{
	if (in->parse_only || in->failed)
		return;
	if (++in->in_batch >= BATCH_REPORTS) {
		if (store_commit(in->store) != MS_OK ||
		    store_begin(in->store) != MS_OK) {
			cli_error("database: %s", store_error(in->store));
			in->failed = true;
		}
		in->in_batch = 0;
	}
}

/* account - count a put's outcome */
static void
account(struct ingest *in, enum ms_status st, enum store_put res, const char *origin)
{
	if (st != MS_OK) {
		if (!in->failed)
			cli_error("%s: database: %s", origin, store_error(in->store));
		in->failed = true;
		return;
	}
	if (res == STORE_DUPLICATE)
		in->c.duplicates++;
	else
		in->c.ingested++;
	batch_step(in);
	progress(in, false);
}

/* item - `reports parse`: one JSON item */
static void
item(struct ingest *in, const char *origin, const char *type, json_t *report, const char *why)
{
	json_t *o = json_object();

	json_object_set_new(o, "origin", json_text(origin));
	json_object_set_new(o, "type", json_string(type));
	if (report)
		json_object_set_new(o, "report", report);
	if (why)
		json_object_set_new(o, "reason", json_text(why));
	json_array_append_new(in->items, o);
}

/* warn_problems - a report kept with invalid parts: say which (escaped: strangers' text) */
static void
warn_problems(struct ingest *in, const char *origin, const char *problems)
{
	char *o, *w;

	if (in->o->format != REP_TEXT)
		return;
	o = term_safe_str(origin);
	w = term_safe_str(problems);
	fprintf(stderr, "%s%s: kept with problems: %s\n", in->progress ? "\n" : "", o, w);
	free(o);
	free(w);
}

static void
sink_dmarc(void *arg, const char *origin, const struct dmarc_report *r)
{
	struct ingest *in = arg;
	enum store_put res = STORE_INSERTED;
	enum ms_status st;

	if (in->parse_only) {
		in->c.ingested++;
		item(in, origin, "dmarc", dmarc_report_json(r), NULL);
		return;
	}
	if (in->failed)
		return;
	if (r->problems)
		warn_problems(in, origin, r->problems);
	st = store_put_dmarc(in->store, r, origin, &res);
	account(in, st, res, origin);
}

static void
sink_tlsrpt(void *arg, const char *origin, const struct tlsrpt_report *r)
{
	struct ingest *in = arg;
	enum store_put res = STORE_INSERTED;
	enum ms_status st;

	if (in->parse_only) {
		in->c.ingested++;
		item(in, origin, "tlsrpt", tlsrpt_report_json(r), NULL);
		return;
	}
	if (in->failed)
		return;
	if (r->problems)
		warn_problems(in, origin, r->problems);
	st = store_put_tlsrpt(in->store, r, origin, &res);
	account(in, st, res, origin);
}

static void
sink_failure(void *arg, const char *origin, const struct failure_report *r)
{
	struct ingest *in = arg;
	enum store_put res = STORE_INSERTED;
	enum ms_status st;

	if (in->parse_only) {
		in->c.ingested++;
		item(in, origin, "failure", failure_report_json(r), NULL);
		return;
	}
	if (in->failed)
		return;
	in->c.failure++;
	st = store_put_failure(in->store, r, origin, &res);
	account(in, st, res, origin);
}

static void
sink_rejected(void *arg, const char *origin, const char *why, const char *raw, size_t len)
{
	struct ingest *in = arg;
	enum store_put res;

	in->c.rejected++;
	if (in->parse_only) {
		item(in, origin, "rejected", NULL, why);
		return;
	}
	if (in->o->format == REP_TEXT) {
		/* origin (an attachment's file name) and why (quoting the report) are strangers' text */
		char *o = term_safe_str(origin), *w = term_safe_str(why);

		fprintf(stderr, "%s%s: rejected: %s\n", in->progress ? "\n" : "", o, w);
		free(o);
		free(w);
	}
	if (in->failed)
		return;
	if (store_put_rejected(in->store, origin, why, raw, len, &res) != MS_OK) {
		cli_error("%s: database: %s", origin, store_error(in->store));
		in->failed = true;
		return;
	}
	batch_step(in);
}

static void
sink_noreport(void *arg, const char *origin)
{
	struct ingest *in = arg;

	in->c.noreport++;
	if (in->parse_only)
		item(in, origin, "noreport", NULL, NULL);
}

/* rep_skipped - an input file or folder entry that was not read: say why, count it unreadable */
static void
rep_skipped(struct ingest *in, const char *path, const char *why)
{
	char *p = term_safe_str(path);

	cli_error("%s: skipped: %s", p, why);
	free(p);
	in->c.unreadable++;
}

/* ingest_file - one input file, by its name and contents (an mbox is streamed) */
static void
ingest_file(struct ingest *in, const char *path, bool nofollow, bool as_message)
{
	struct report_sink s = { sink_dmarc, sink_tlsrpt, sink_failure, sink_rejected,
		sink_noreport, in };
	const char *why = NULL;
	char head[8];
	size_t len;
	ssize_t hl;
	char *data;
	int fd;

	in->files_done++;
	/* a regular file only, opened without blocking: never a FIFO or a device */
	if (fs_open_regular(path, nofollow, &fd, &why) != MS_OK) {
		rep_skipped(in, path, why);
		return;
	}
	if ((hl = pread(fd, head, sizeof(head), 0)) < 0)
		hl = 0;
	if (str_has_suffix_case(path, ".eml") || str_has_suffix_case(path, ".msg"))
		as_message = true;	/* a single message, even when it starts with a From_ line */
	if (!as_message && (str_has_suffix_case(path, ".mbox") || looks_like_mbox(head, (size_t)hl))) {
		FILE *fp = fdopen(fd, "rb");

		if (fp == NULL) {
			close(fd);
			rep_skipped(in, path, strerror(errno));
			return;
		}
		extract_mbox_fp(fp, path, &in->o->x, &s);	/* closes fp */
		progress(in, false);
		return;
	}
	if (fs_read_fd(fd, INPUT_FILE_MAX, &data, &len, &why) != MS_OK) {
		close(fd);
		rep_skipped(in, path, why);
		return;
	}
	close(fd);
	if (as_message)
		extract_message(data, len, path, &in->o->x, &s);
	else if (str_has_suffix_case(path, ".xml") || str_has_suffix_case(path, ".gz") ||
	    str_has_suffix_case(path, ".zip") || str_has_suffix_case(path, ".json"))
		extract_blob(data, len, path, &in->o->x, &s);
	else if (looks_like_message(data, len))
		extract_message(data, len, path, &in->o->x, &s);
	else
		extract_blob(data, len, path, &in->o->x, &s);
	free(data);
	progress(in, false);
}

struct pathlist {
	char **v;
	bool *msg;	/* file is a Maildir message */
	bool *nofollow;	/* found by the walk: open with O_NOFOLLOW */
	size_t n, cap;
	struct ingest *in;
};

/* pl_file - the walk found a regular file */
static void
pl_file(void *arg, const char *path, bool nofollow, bool grouped)
{
	struct pathlist *l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
		l->msg = xreallocarray(l->msg, l->cap, sizeof(*l->msg));
		l->nofollow = xreallocarray(l->nofollow, l->cap, sizeof(*l->nofollow));
	}
	l->v[l->n] = xstrdup(path);
	l->nofollow[l->n] = nofollow;
	l->msg[l->n++] = grouped;
}

/* pl_skipped - the walk left something out: say so (counted as unreadable when notable) */
static void
pl_skipped(void *arg, const char *path, const char *why, bool notable)
{
	struct pathlist *l = arg;

	if (notable)
		rep_skipped(l->in, path, why);
}

/* collect - files under each path: a Maildir's cur/ and new/ as messages, other folders recursively */
static void
collect(struct pathlist *l, char **paths, int n, bool follow)
{
	static const char *const maildir[] = { "cur", "new", NULL };
	struct fs_walk_opts wo = { follow, 16, maildir };
	struct fs_walk_ops ops = { pl_file, pl_skipped, l };
	struct fs_walk *w = fs_walk_new(&wo, &ops);

	for (int i = 0; i < n; i++)
		fs_walk_path(w, paths[i]);
	fs_walk_free(w);
}

/* counts_json - the ingest document */
static json_t *
counts_json(const char *kind, const struct rep_counts *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "schema", json_string("mailsec-reports/1"));
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
rep_print_counts(const struct rep_opts *o, const char *kind, const struct rep_counts *c)
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

/* rep_ingest_new - an ingest pipeline over store s */
struct ingest *
rep_ingest_new(struct rep_opts *o, struct store *s)
{
	struct ingest *in = xcalloc(1, sizeof(*in));

	in->o = o;
	in->store = s;
	in->t0 = now_s();
	return in;
}

/* rep_ingest_message - for fetch: one message's bytes into the store (inside a batch) */
void
rep_ingest_message(struct ingest *in, const char *data, size_t len, const char *origin)
{
	struct report_sink s = { sink_dmarc, sink_tlsrpt, sink_failure, sink_rejected,
		sink_noreport, in };

	extract_message(data, len, origin, &in->o->x, &s);
}

bool
rep_ingest_failed(const struct ingest *in)
{
	return in->failed;
}

const struct rep_counts *
rep_ingest_counts(const struct ingest *in)
{
	return &in->c;
}

/* run_ingest - reports ingest / reports parse */
static int
run_ingest(struct rep_opts *o, int argc, char **argv, bool parse_only)
{
	struct ingest in;
	struct pathlist l = { 0 };
	int rc;

	memset(&in, 0, sizeof(in));
	in.o = o;
	in.parse_only = parse_only;
	if (argc == 0) {
		cli_error("reports %s wants files or folders", parse_only ? "parse" : "ingest");
		return EXIT_USAGE;
	}
	if (!parse_only) {
		if ((in.store = open_store(o, STORE_WRITE)) == NULL)
			return EXIT_USAGE;
		if (store_begin(in.store) != MS_OK) {
			cli_error("database: %s", store_error(in.store));
			store_close(in.store);
			return EXIT_USAGE;
		}
	} else
		in.items = json_array();
	l.in = &in;
	collect(&l, argv, argc, o->follow_symlinks);
	in.files_total = l.n;
	in.progress = !parse_only && (o->progress > 0 || (o->progress == 0 && isatty(2)));
	in.t0 = now_s();
	for (size_t i = 0; i < l.n && !in.failed; i++)
		ingest_file(&in, l.v[i], l.nofollow[i], l.msg[i]);
	progress(&in, true);
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	free(l.msg);
	free(l.nofollow);
	if (parse_only) {
		json_t *doc = json_object();
		char *s;

		json_object_set_new(doc, "schema", json_string("mailsec-reports/1"));
		json_object_set_new(doc, "kind", json_string("parse"));
		json_object_set_new(doc, "items", in.items);
		s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
		free(s);
		json_decref(doc);
		return in.c.rejected || in.c.unreadable ? EXIT_ERRORS : EXIT_CLEAN;
	}
	if (!in.failed && store_commit(in.store) != MS_OK) {
		cli_error("database: %s", store_error(in.store));
		in.failed = true;
	}
	if (in.failed)
		store_rollback(in.store);
	store_close(in.store);
	if (in.failed)
		return EXIT_USAGE;
	rep_print_counts(o, "ingest", &in.c);
	rc = in.c.rejected || in.c.unreadable ? EXIT_ERRORS : EXIT_CLEAN;
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

		json_object_set_new(j, "generated", json_rfc3339_now());
		txt = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", txt);
		free(txt);
		json_decref(j);
	} else if (o->format == REP_CSV)
		summary_csv(stdout, sw.sum);
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
		printf("{\n  \"schema\": \"mailsec-reports/1\",\n  \"kind\": \"purge\",\n"
		    "  \"removed\": %llu\n}\n", (unsigned long long)removed);
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

		json_object_set_new(doc, "schema", json_string("mailsec-reports/1"));
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
