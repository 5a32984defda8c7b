/* src/cli/spf_run.c - SPF check_host() for one client or a batch: shared by `mailsec spf eval` and mailsec-spf */
#include "cli/spf_run.h"
#include "policy/spf_eval.h"
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "dns/resolver.h"
#include "util/buf.h"
#include "util/fmt.h"
#include "util/pipesize.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * This file is compiled into both programs and calls nothing of the rest of
 * cli/ (whose option table names every command, and so every library), so
 * mailsec-spf links only what an evaluation needs.
 */

#define BATCH_MAX_LINE	2048
#define BATCH_MAX	100000
#define EVAL_CACHE_MAX	100000	/* answers a batch keeps and shares */
#define RUN_INFLIGHT	256	/* evaluations at once */
#define RUN_OK		0	/* EXIT_CLEAN */
#define RUN_USAGE	2	/* EXIT_USAGE: could not run (docs/exit-codes.md) */

/* One evaluation of a batch (a batch line or the single --ip/--sender). */
struct job {
	struct spf_batch *run;
	char *ip, *sender, *helo;
	struct spf_eval *ev;
	json_t *res;		/* the JSON result once done */
	char *text;		/* the text result once done */
	size_t index;
};

struct spf_batch {
	struct job *jobs;
	size_t n, next_print, started, done, inflight;
	struct spf_run_opts o;		/* copied; strings borrowed */
	struct resolver *res;
	struct spf_cache *cache;	/* shared by a batch's evaluations */
	int worst;
};

static void run_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* run_error - a message on stderr, as the programs say it */
static void __attribute__((format(printf, 1, 2)))
run_error(const char *fmt, ...)
{
	va_list ap;

	fputs("mailsec: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void job_start(struct spf_batch *r, struct job *j);

/* print_ready - print finished jobs in input order */
static void
print_ready(struct spf_batch *r)
{
	while (r->next_print < r->n && (r->jobs[r->next_print].res || r->jobs[r->next_print].text)) {
		struct job *j = &r->jobs[r->next_print++];

		if (j->res) {
			char *s = json_dumps(j->res, JSON_COMPACT | JSON_PRESERVE_ORDER);

			printf("%s\n", s);
			free(s);
			json_decref(j->res);
			j->res = NULL;
		} else {
			fputs(j->text, stdout);
			free(j->text);
			j->text = NULL;
		}
	}
	fflush(stdout);
}

/* add_uint - v in decimal (as json_integer() dumps it; buf_addf's vsnprintf cost more than the rest of a line) */
static void
add_uint(struct buf *b, unsigned v)
{
	char d[FMT_INT_MAX];

	buf_add(b, d, fmt_uint(d, v));
}

/*
 * result_line - the JSON line of an evaluation without --trace, as
 * json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER) of the object eval_done
 * builds with --trace, minus "trace", would write it (the spf and unit tests
 * hold the two equal), written straight into a buffer: building the object
 * through jansson was a sixth of a batch's instructions.  The caller frees
 * the line.
 */
static char *
result_line(const struct job *j, const struct spf_outcome *out)
{
	struct buf b;

	buf_init(&b, 0);
	buf_adds(&b, "{\"schema\":\"");
	buf_adds(&b, doc_schema_name(DOC_SPF_EVAL));
	buf_adds(&b, "\",\"ip\":");
	json_text_append(&b, j->ip);
	buf_adds(&b, ",\"sender\":");
	json_text_append(&b, j->sender);
	buf_adds(&b, ",\"helo\":");
	json_text_append(&b, j->helo);
	buf_adds(&b, ",\"domain\":");
	json_text_append(&b, out->domain);
	buf_adds(&b, ",\"result\":\"");
	buf_adds(&b, spf_result_name(out->result));
	buf_adds(&b, "\",\"explanation\":");
	json_text_append(&b, out->explanation);
	buf_adds(&b, ",\"problem\":");
	json_text_append(&b, out->problem);
	buf_adds(&b, ",\"mechanism\":");
	json_text_append(&b, out->mechanism);
	buf_adds(&b, ",\"record\":");
	json_text_append(&b, out->record);
	buf_adds(&b, ",\"lookups\":");
	add_uint(&b, out->lookups);
	buf_adds(&b, ",\"void_lookups\":");
	add_uint(&b, out->void_lookups);
	buf_adds(&b, "}\n");
	if (buf_status(&b) != MS_OK) {	/* past 16 MB: cannot be (a record is at most 64 KB) */
		buf_free(&b);
		return xasprintf("{\"schema\":\"%s\",\"error\":\"result too long\"}\n",
		    doc_schema_name(DOC_SPF_EVAL));
	}
	return buf_steal(&b);
}

/* eval_done - one evaluation finished: render it, start the next */
static void
eval_done(struct spf_eval *ev, const struct spf_outcome *out, void *arg)
{
	struct job *j = arg;
	struct spf_batch *r = j->run;
	if ((r->o.json || r->o.batch) && !r->o.trace) {
		j->text = result_line(j, out);
	} else if (r->o.json || r->o.batch) {
		json_t *o = json_object();

		doc_add_schema(o, DOC_SPF_EVAL);
		json_object_set_new(o, "ip", json_text(j->ip));
		json_object_set_new(o, "sender", json_text(j->sender));
		json_object_set_new(o, "helo", json_text(j->helo));
		json_object_set_new(o, "domain", json_text(out->domain));
		json_object_set_new(o, "result", json_string(spf_result_name(out->result)));
		json_object_set_new(o, "explanation", json_text(out->explanation));
		json_object_set_new(o, "problem", json_text(out->problem));
		json_object_set_new(o, "mechanism", json_text(out->mechanism));
		json_object_set_new(o, "record", json_text(out->record));
		json_object_set_new(o, "lookups", json_integer(out->lookups));
		json_object_set_new(o, "void_lookups", json_integer(out->void_lookups));
		{
			json_t *t = json_array();
			char **lines = str_split(out->trace, '\n', NULL);

			for (char **l = lines; l && *l; l++)
				if (**l)
					json_array_append_new(t, json_text(*l));
			strv_free(lines);
			json_object_set_new(o, "trace", t);
		}
		j->res = o;
	} else {
		char *s = xasprintf("%s%sresult: %s\n%s%s%s%s%s%s",
		    r->o.trace ? out->trace : "",
		    r->o.trace ? "\n" : "",
		    spf_result_name(out->result),
		    out->mechanism ? "matched: " : "", out->mechanism ? out->mechanism : "",
		    out->mechanism ? "\n" : "",
		    out->explanation ? "explanation: " : "",
		    out->explanation ? out->explanation : "", out->explanation ? "\n" : "");

		if (out->problem) {
			char *t = xasprintf("%sproblem: %s\n", s, out->problem);

			free(s);
			s = t;
		}
		j->text = s;
	}
	spf_eval_free(ev);
	j->ev = NULL;
	r->done++;
	r->inflight--;
	print_ready(r);
	while (r->started < r->n && r->inflight < RUN_INFLIGHT)
		job_start(r, &r->jobs[r->started++]);
}

/* job_start - parse j's IP and start its evaluation (or record why not) */
static void
job_start(struct spf_batch *r, struct job *j)
{
	struct spf_request req;

	memset(&req, 0, sizeof(req));
	if (ipaddr_parse(j->ip, &req.ip) != MS_OK) {
		j->text = xasprintf("%s: not an IP address\n", j->ip);
		if (r->o.json || r->o.batch) {
			j->res = json_pack("{s:s,s:s,s:s}", "schema", doc_schema_name(DOC_SPF_EVAL),
			    "error", "not an IP address", "ip", j->ip);
			free(j->text);
			j->text = NULL;
		}
		r->worst = RUN_USAGE;
		r->done++;
		print_ready(r);
		return;
	}
	req.sender = j->sender;
	req.helo = j->helo;
	req.now = (int64_t)time(NULL);
	req.trace = r->o.trace;
	req.cache = r->cache;
	r->inflight++;
	j->run = r;
	j->ev = spf_eval_start(r->res, &req, eval_done, j);
}

/* read_batch - lines "IP SENDER [HELO]"; "-" for an empty sender */
static int
read_batch(const char *path, struct spf_batch *r)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char line[BATCH_MAX_LINE];
	size_t cap = 0;
	int lineno = 0;

	if (fp == NULL) {
		run_error("cannot open %s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp)) {
		char **w;
		size_t nw;

		lineno++;
		str_trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		w = str_split(line, strchr(line, '\t') ? '\t' : ' ', &nw);
		if (nw < 2 || nw > 3 || r->n >= BATCH_MAX) {
			if (r->n >= BATCH_MAX)
				run_error("%s:%d: more than %d evaluations: one batch takes at most %d "
				    "lines (split the file)", path, lineno, BATCH_MAX, BATCH_MAX);
			else
				run_error("%s:%d: want IP SENDER [HELO]", path, lineno);
			strv_free(w);
			if (fp != stdin)
				fclose(fp);
			return -1;
		}
		if (r->n == cap) {	/* doubling: a batch of 100,000 lines is not 100,000 copies */
			cap = cap ? cap * 2 : 64;
			r->jobs = xreallocarray(r->jobs, cap, sizeof(*r->jobs));
		}
		memset(&r->jobs[r->n], 0, sizeof(r->jobs[r->n]));
		r->jobs[r->n].ip = xstrdup(w[0]);
		r->jobs[r->n].sender = xstrdup(strcmp(w[1], "-") == 0 ? "" : w[1]);
		r->jobs[r->n].helo = nw == 3 ? xstrdup(w[2]) : NULL;
		r->jobs[r->n].index = r->n;
		r->n++;
		strv_free(w);
	}
	if (fp != stdin)
		fclose(fp);
	return 0;
}


int
spf_batch_load(const struct spf_run_opts *o, struct spf_batch **out)
{
	struct spf_batch *r = xcalloc(1, sizeof(*r));

	*out = NULL;
	r->o = *o;
	if (o->batch) {
		if (read_batch(o->batch, r) != 0) {
			spf_batch_free(r);
			return RUN_USAGE;
		}
	} else {
		if (o->ip == NULL || (o->sender == NULL && o->helo == NULL)) {
			run_error("spf eval needs --ip and --sender (or --helo)");
			spf_batch_free(r);
			return RUN_USAGE;
		}
		r->jobs = xcalloc(1, sizeof(*r->jobs));
		r->jobs[0].ip = xstrdup(o->ip);
		r->jobs[0].sender = xstrdup(o->sender ? o->sender : "");
		r->jobs[0].helo = o->helo ? xstrdup(o->helo) : NULL;
		r->n = 1;
	}
	*out = r;
	return RUN_OK;
}

int
spf_batch_run(struct spf_batch *r, struct resolver *res, struct event_base *base)
{
	r->res = res;
	if (r->n > 1 && r->cache == NULL)
		r->cache = spf_cache_new(EVAL_CACHE_MAX);
	if (r->n > 1)	/* a reader falling behind must not stall the lookups */
		pipe_grow(STDOUT_FILENO, PIPE_STREAM_SIZE);
	while (r->started < r->n && r->inflight < RUN_INFLIGHT)
		job_start(r, &r->jobs[r->started++]);
	/*
	 * Until every evaluation is done, not until the loop is empty: libunbound
	 * keeps retry timers of its own on the loop after its queries were
	 * cancelled (a resolver that refuses: 17 s more), which resolver_free ends.
	 */
	while (r->done < r->n)
		if (event_base_loop(base, EVLOOP_ONCE) != 0)
			break;
	print_ready(r);
	if (res->unreachable)
		return RUN_USAGE;	/* no resolver answered (said on stderr): could not run */
	return r->worst ? r->worst : RUN_OK;
}

void
spf_batch_free(struct spf_batch *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->jobs[i].ip);
		free(r->jobs[i].sender);
		free(r->jobs[i].helo);
		free(r->jobs[i].text);
		json_decref(r->jobs[i].res);
	}
	free(r->jobs);
	spf_cache_free(r->cache);
	free(r);
}
