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
#include "util/clock.h"
#include "util/pipesize.h"
#include "util/str.h"
#include "util/progress.h"
#include "util/xalloc.h"

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
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
	/* a --jobs worker: its results go to the parent through job_fd, not to stdout */
	int job_fd;		/* -1 in the parent and in a run without --jobs */
	size_t job, jobs;	/* this worker audits the domains job, job + jobs, ... */
	bool job_failed;	/* a write to the parent failed */
};

/*
 * --jobs N: N worker processes, forked before any session exists, each with
 * its own event loop, resolver and caches, audit the domains whose index is
 * k mod N.  Each renders its results exactly as a run without --jobs would
 * and sends them to the parent as frames on a pipe: the header below, then
 * len octets of text.  The parent prints them as they come (--jsonl) or in
 * input order (the other formats), sums the severities for the exit status
 * and, with --stats, the workers' figures (sent last, index JOB_STATS).
 * Frames are in the native byte order: both ends are this binary.
 */
struct job_frame {
	uint64_t index;			/* the domain's place in the whole list, or JOB_STATS */
	uint64_t counts[SEV__COUNT];	/* its findings by severity */
	uint64_t len;			/* octets of text that follow */
};
#define JOB_STATS	UINT64_MAX
#define JOB_TEXT_MAX	((uint64_t)256 << 20)	/* one domain's report: far above any real one */

/* A worker's --stats figures; [0] is lookups outside any area, [1 + k] the registry's k-th area. */
struct job_stats {
	uint64_t queries, timeouts, max_inflight, max_active, probes_made, probes_shared, audits;
	uint64_t cached, joined;	/* of the queries: answered by the stub backend's cache, joined */
	uint64_t sent[AUDIT_AREAS_MAX], shared[AUDIT_AREAS_MAX];
};

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

/*
 * render - a's report in the run's format, caller frees: the text report,
 * CSV rows, a --json element, a --jsonl line without its newline, or for
 * SARIF the JSON array of its results; NULL if it could not be written
 */
static char *
render(const struct emitter *e, struct audit *a)
{
	bool line = e->o->format == OUT_JSONL;
	char *buf = NULL, *s;
	size_t len = 0;
	FILE *mf;
	json_t *j;

	if (e->o->format == OUT_TEXT || e->o->format == OUT_CSV) {
		if ((mf = open_memstream(&buf, &len)) == NULL)
			return NULL;
		if (e->o->format == OUT_TEXT)
			out_text_domain(mf, a, e->o->color);
		else
			csv_write_findings(mf, a->domain, &a->findings);
		fclose(mf);
		return buf;
	}
	if (e->o->format == OUT_SARIF) {
		j = json_array();
		for (size_t i = 0; i < a->findings.n; i++)
			if (sarif_is_result(&a->findings.v[i]))
				json_array_append_new(j, sarif_result(a->domain, &a->findings.v[i], NULL));
		s = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		return s;
	}
	/* Straight from the findings; the tree only if that cannot be written (json.h). */
	s = out_json_domain_text(a, line ? JSON_COMPACT | JSON_PRESERVE_ORDER :
	    JSON_INDENT(2) | JSON_PRESERVE_ORDER, line ? doc_schema_name(DOC_CHECK) : NULL);
	if (s)
		return s;
	j = out_json_domain(a);
	if (line)
		doc_add_schema(j, DOC_CHECK);	/* each line a mailsec/1 domain */
	s = json_dump_text(j, line ? JSON_COMPACT | JSON_PRESERVE_ORDER :
	    JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	return s;
}

/* write_all - all of buf to fd; -1 on error */
static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* read_all - exactly len octets from fd: 1, 0 at end of file before any, -1 on error or a short read */
static int
read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, p + got, len - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return got == 0 ? 0 : -1;
		got += (size_t)r;
	}
	return 1;
}

/* job_send - one frame to the parent (a worker's); a failed write is remembered, not fatal here */
static void
job_send(struct emitter *e, uint64_t index, const size_t *counts, const void *text, size_t len)
{
	struct job_frame f;

	memset(&f, 0, sizeof(f));
	f.index = index;
	f.len = len;
	for (int i = 0; counts && i < SEV__COUNT; i++)
		f.counts[i] = counts[i];
	if (write_all(e->job_fd, &f, sizeof(f)) != 0 || (len > 0 && write_all(e->job_fd, text, len) != 0))
		e->job_failed = true;
}

/* emit - a rendered report (taken over) at its place in the whole list (SARIF: a --jobs worker's) */
static void
emit(struct emitter *e, size_t index, char *s)
{
	if (e->o->format == OUT_SARIF) {	/* one log at the end: results point at the domain */
		e->sarif[index] = s ? json_loads(s, 0, NULL) : NULL;
		free(s);
	} else if (e->o->format == OUT_JSONL) {	/* in completion order */
		if (s) {
			fprintf(stdout, "%s\n", s);
			fflush(stdout);
		}
		free(s);
		return;
	} else {
		e->pending[index] = s;
		emit_ready(e);
	}
	progress_update(&e->progress, ++e->done, clock_mono_seconds(), false);
}

static void
on_result(struct audit *a, void *arg)
{
	struct emitter *e = arg;
	size_t counts[SEV__COUNT];
	char *s;

	findings_count(&a->findings, counts);
	if (e->job_fd >= 0) {	/* a --jobs worker: to the parent */
		s = render(e, a);
		job_send(e, (uint64_t)e->job + (uint64_t)a->index * e->jobs, counts, s, s ? strlen(s) : 0);
		free(s);
		return;
	}
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
		progress_update(&e->progress, ++e->done, clock_mono_seconds(), false);
		return;
	}
	emit(e, a->index, render(e, a));
}

/* job_stats_from - q's lookups by area into js, the areas by their place in the registry */
static void
job_stats_from(struct job_stats *js, const struct engine_queries *q)
{
	js->audits = q->audits;
	for (size_t j = 0; j < q->n; j++) {
		size_t k = 0;

		if (j > 0) {
			for (const struct check_def *c = check_registry(); c->area; c++, k++)
				if (strcmp(c->area, q->area[j]) == 0)
					break;
			if (k + 1 >= AUDIT_AREAS_MAX)
				continue;
			k++;
		}
		js->sent[k] += q->sent[j];
		js->shared[k] += q->shared[j];
	}
}

/* job_stats_to - js back into *q (the areas that were asked anything), for engine_queries_print */
static void
job_stats_to(const struct job_stats *js, struct engine_queries *q)
{
	size_t k = 0;

	memset(q, 0, sizeof(*q));
	q->audits = js->audits;
	q->n = 1;
	q->sent[0] = js->sent[0];
	q->shared[0] = js->shared[0];
	for (const struct check_def *c = check_registry(); c->area && k + 1 < AUDIT_AREAS_MAX; c++, k++)
		if (js->sent[k + 1] || js->shared[k + 1]) {
			q->area[q->n] = c->area;
			q->sent[q->n] = js->sent[k + 1];
			q->shared[q->n++] = js->shared[k + 1];
		}
}

/* job_stats_add - a worker's figures into the sum (in-flight maxima add up: a bound) */
static void
job_stats_add(struct job_stats *sum, const struct job_stats *w)
{
	sum->queries += w->queries;
	sum->timeouts += w->timeouts;
	sum->cached += w->cached;
	sum->joined += w->joined;
	sum->max_inflight += w->max_inflight;
	sum->max_active += w->max_active;
	sum->probes_made += w->probes_made;
	sum->probes_shared += w->probes_shared;
	sum->audits += w->audits;
	for (size_t k = 0; k < AUDIT_AREAS_MAX; k++) {
		sum->sent[k] += w->sent[k];
		sum->shared[k] += w->shared[k];
	}
}

/*
 * jobs_start - fork jobs workers, each with a pipe to the parent.  In the
 * parent: 0, fds[k] reads worker k's frames, pids[k] is its pid.  In worker
 * k: 1, *job = k, *fd writes to the parent (the other workers' ends closed).
 * -1 with a message on stderr if a pipe or a fork fails (the workers
 * already started are killed and waited for).
 */
static int
jobs_start(size_t jobs, int *fds, pid_t *pids, size_t *job, int *fd)
{
	fflush(stdout);		/* nothing buffered may be printed twice */
	fflush(stderr);
	for (size_t k = 0; k < jobs; k++) {
		int pfd[2];
		pid_t pid;

		if (pipe(pfd) != 0 || (pid = fork()) < 0) {
			cli_error("--jobs: cannot start worker %zu: %s", k + 1, strerror(errno));
			for (size_t j = 0; j < k; j++) {
				close(fds[j]);
				kill(pids[j], SIGTERM);
				(void)waitpid(pids[j], NULL, 0);
			}
			return -1;
		}
		if (pid == 0) {
			close(pfd[0]);
			for (size_t j = 0; j < k; j++)
				close(fds[j]);
			*job = k;
			*fd = pfd[1];
			return 1;
		}
		close(pfd[1]);
		fds[k] = pfd[0];
		pids[k] = pid;
	}
	return 0;
}

/*
 * jobs_collect - the parent of --jobs: read every worker's frames until all
 * have closed their pipes, print the results through e (in input order, or
 * as they come for --jsonl), sum the --stats frames into *js, wait for the
 * workers.  true when a worker could not run (exit 2: no resolver, said on
 * stderr by it), died, or sent a malformed frame (said here).
 */
static bool
jobs_collect(struct emitter *e, int *fds, const pid_t *pids, size_t jobs, struct job_stats *js)
{
	struct pollfd *pf = xcalloc(jobs, sizeof(*pf));
	size_t open_n = jobs;
	bool failed = false;

	for (size_t k = 0; k < jobs; k++) {
		pf[k].fd = fds[k];
		pf[k].events = POLLIN;
	}
	while (open_n > 0) {
		if (poll(pf, jobs, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (size_t k = 0; k < jobs; k++) {
			struct job_frame f;
			char *text = NULL;
			int r;

			if (pf[k].fd < 0 || pf[k].revents == 0)
				continue;
			r = read_all(pf[k].fd, &f, sizeof(f));
			if (r > 0 && (f.len > JOB_TEXT_MAX || (f.index != JOB_STATS && f.index >= e->n) ||
			    (f.index == JOB_STATS && f.len != sizeof(struct job_stats))))
				r = -1;
			if (r > 0) {
				text = xmalloc((size_t)f.len + 1);
				if (read_all(pf[k].fd, text, (size_t)f.len) < 0 && f.len > 0)
					r = -1;
				text[f.len] = '\0';
			}
			if (r <= 0) {
				if (r < 0) {
					cli_error("--jobs: worker %zu sent a malformed result", k + 1);
					failed = true;
				}
				free(text);
				close(pf[k].fd);
				pf[k].fd = -1;
				fds[k] = -1;
				open_n--;
				continue;
			}
			if (f.index == JOB_STATS) {
				struct job_stats w;

				memcpy(&w, text, sizeof(w));
				job_stats_add(js, &w);
				free(text);
				continue;
			}
			for (int i = 0; i < SEV__COUNT; i++)
				e->worst[i] += (size_t)f.counts[i];
			emit(e, (size_t)f.index, f.len > 0 ? text : (free(text), (char *)NULL));
		}
	}
	free(pf);
	for (size_t k = 0; k < jobs; k++) {
		int status = 0;

		if (fds[k] >= 0)
			close(fds[k]);
		if (waitpid(pids[k], &status, 0) < 0)
			continue;
		if (WIFSIGNALED(status)) {
			cli_error("--jobs: worker %zu was killed by signal %d", k + 1, WTERMSIG(status));
			failed = true;
		} else if (!WIFEXITED(status) || WEXITSTATUS(status) != EXIT_CLEAN) {
			failed = true;	/* it said why on stderr */
		}
	}
	return failed;
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
		case OPT_JOBS: {
			uint64_t v;

			if (str_to_u64(optarg, strlen(optarg), 64, &v) != MS_OK || v == 0) {
				cli_error("--jobs wants a number from 1 to 64");
				bad = true;
			} else {
				o->jobs = (size_t)v;
			}
			break;
		}
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
	size_t jobs = 1, run_n = 0;
	char **run = NULL;	/* a --jobs worker's domains (borrowed from domains) */
	int *fds = NULL;	/* --jobs: the parent's ends of the workers' pipes */
	pid_t *pids = NULL;
	int worker = -1;	/* -1 no --jobs, 0 the parent, 1 a worker */
	bool parent = false, jobs_failed = false;

	em.job_fd = -1;
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

	if (o.jobs > 1 && (o.db || o.selectors_from_reports)) {
		cli_error("--jobs runs several processes and --db has one writer: use one or the other");
		goto out;
	}
	jobs = o.jobs < n ? o.jobs : n;
	if (jobs > 1) {
		fds = xcalloc(jobs, sizeof(*fds));
		pids = xcalloc(jobs, sizeof(*pids));
		if ((worker = jobs_start(jobs, fds, pids, &em.job, &em.job_fd)) < 0)
			goto out;
		if (worker == 0) {	/* the parent: collects, below */
			parent = true;
		} else {		/* worker em.job: every jobs-th domain from its own */
			run = xcalloc(n / jobs + 2, sizeof(*run));
			for (size_t i = em.job; i < n; i += jobs)
				run[run_n++] = domains[i];
			em.jobs = jobs;
		}
	}
	if (!parent) {
		common_opts_session(&o, &scfg);
		scfg.http = true;
		scfg.smtp_per_address = o.smtp_per_address;
		scfg.smtp_per_network = o.smtp_per_network;
		if (session_new(&scfg, &ses, &err) != MS_OK) {
			cli_error("%s", err);
			goto out;
		}
	}
	{
		int job_fd = em.job_fd;
		size_t job = em.job, njobs = em.jobs;

		memset(&em, 0, sizeof(em));
		em.job_fd = worker > 0 ? job_fd : -1;
		em.job = job;
		em.jobs = njobs;
	}
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
	progress_init(&em.progress, o.domains_file && o.format == OUT_TEXT && worker <= 0 &&
	    isatty(STDERR_FILENO) ? STDERR_FILENO : -1, "domains", n, clock_mono_seconds());

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
	if (ses)
		probes = smtp_probe_cache_new(ses->smtp, !o.no_probe_sharing);
	cfg.probes = probes;
	memset(&queries, 0, sizeof(queries));
	if (o.stats)
		cfg.queries = &queries;

	if (worker <= 0)	/* a reader falling behind must not stall the lookups */
		pipe_grow(STDOUT_FILENO, PIPE_STREAM_SIZE);
	if (worker > 0) {
		/* nothing here is printed: the parent has the headers and the order */
	} else if (o.format == OUT_JSON) {	/* mailsec/1, its domains streamed as they finish */
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
		struct job_stats js;

		memset(&js, 0, sizeof(js));
		gettimeofday(&t0, NULL);
		if (parent)
			jobs_failed = jobs_collect(&em, fds, pids, jobs, &js);
		else
			engine_run(ses, &cfg, run ? run : domains, run ? run_n : n);
		progress_clear(&em.progress);
		gettimeofday(&t1, NULL);
		secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_usec - t0.tv_usec) / 1e6;
		if (o.stats && !parent) {
			const struct smtp_probe_cache_stats *ps = smtp_probe_cache_stats(probes);

			js.queries = ses->res->stats.queries;
			js.timeouts = ses->res->stats.timeouts;
			js.cached = ses->res->stats.cached;
			js.joined = ses->res->stats.joined;
			js.max_inflight = ses->res->stats.max_inflight;
			js.max_active = max_active;
			js.probes_made = ps->made;
			js.probes_shared = ps->shared;
			job_stats_from(&js, &queries);
		}
		if (o.stats && worker > 0) {
			job_send(&em, JOB_STATS, NULL, &js, sizeof(js));
		} else if (o.stats) {
			struct engine_queries q;

			job_stats_to(&js, &q);
			fprintf(stderr, "mailsec: %zu domain%s in %.2f s (%.0f/s); %llu DNS queries "
			    "(%.0f/s, %llu timed out, at most %llu in flight%s); at most %llu domain%s in flight; "
			    "%llu STARTTLS probes made, %llu saved by sharing\n",
			    n, n == 1 ? "" : "s",
			    secs, secs > 0 ? (double)n / secs : 0.0,
			    (unsigned long long)js.queries,
			    secs > 0 ? (double)js.queries / secs : 0.0,
			    (unsigned long long)js.timeouts,
			    (unsigned long long)js.max_inflight, parent ? " in all processes" : "",
			    (unsigned long long)js.max_active,
			    js.max_active == 1 ? "" : "s", (unsigned long long)js.probes_made,
			    (unsigned long long)js.probes_shared);
			cli_stub_stats_print(stderr, js.queries, js.cached, js.joined);
			engine_queries_print(stderr, &q);
			if (!parent)
				cli_shortcut_stats_print(stderr, ses->res);
		}
	}
	if (worker > 0) {
		/* the parent decides the exit status from the findings; 2 says this one could not run */
		rc = ses->res->unreachable || em.job_failed ? EXIT_USAGE : EXIT_CLEAN;
		goto out;
	}
	if (o.format == OUT_JSON) {
		out_json_stream_close(stdout);
	} else if (o.format == OUT_SARIF) {
		json_t *res = json_array(), *log;

		for (size_t i = 0; i < n; i++) {
			if (em.sarif[i])
				json_array_extend(res, em.sarif[i]);
			json_decref(em.sarif[i]);
			em.sarif[i] = NULL;
		}
		log = sarif_log("check", res);
		out_json_print(stdout, log);
		json_decref(log);
	}
	fflush(stdout);

	if ((ses && ses->res->unreachable) || jobs_failed) {
		/* Said on stderr by the resolver (a worker's, or why a worker failed): nothing was checked. */
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
	if (em.pending)
		for (size_t i = 0; i < n; i++)
			free(em.pending[i]);
	free(em.pending);
	if (em.sarif)
		for (size_t i = 0; i < n; i++)
			json_decref(em.sarif[i]);
	free(em.sarif);
	free(run);
	free(fds);
	free(pids);
	if (em.job_fd > 0)
		close(em.job_fd);
	check_store_close(em.store);
	smtp_probe_cache_free(probes);	/* before the prober it probes with */
	session_free(ses);
	profile_free(profile);
	strv_free(domains);
	free(err);
	common_opts_free(&o);
	return rc;
}
