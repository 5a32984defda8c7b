/* src/reports/ingest.c - the ingest pipeline: files, folders, mbox files and messages into the store */
#include "reports/ingest.h"
#include "reports/report_json.h"
#include "reports/report_store.h"
#include "core/jsonutil.h"
#include "imap/imap_client.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/fswalk.h"
#include "util/str.h"
#include "util/termsafe.h"
#include "util/xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct ingest {
	struct ingest_opts o;
	struct store *store;
	struct ingest_counts c;
	size_t in_batch;
	bool failed;
	bool finished;
	json_t *items;		/* parse_only */
	/* progress */
	size_t files_done, files_total;
	double t0, last_shown;
};

/* say - an error line through the caller's error() */
static void __attribute__((format(printf, 2, 3)))
say(struct ingest *in, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (in->o.error == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	in->o.error(in->o.error_arg, msg);
}

/* progress - one line, rewritten in place, at most 10 times a second */
static void
progress(struct ingest *in, bool final)
{
	double t = clock_mono_seconds();
	uint64_t reports = in->c.ingested + in->c.duplicates + in->c.rejected;

	if (in->o.progress == NULL || (!final && t - in->last_shown < 0.1))
		return;
	in->last_shown = t;
	fprintf(in->o.progress, "\r%zu/%zu files, %llu reports, %.0f reports/s   %s", in->files_done,
	    in->files_total, (unsigned long long)reports,
	    t > in->t0 ? (double)reports / (t - in->t0) : 0.0, final ? "\n" : "");
	fflush(in->o.progress);
}

/* batch_step - one more report in this transaction; commit every INGEST_BATCH */
static void
batch_step(struct ingest *in)
{
	if (in->o.parse_only || in->failed)
		return;
	if (++in->in_batch >= INGEST_BATCH) {
		if (store_commit(in->store) != MS_OK ||
		    store_begin(in->store) != MS_OK) {
			say(in, "database: %s", store_error(in->store));
			in->failed = true;
		}
		in->in_batch = 0;
	}
}

/* account - count a put's outcome (a report of kind about domain) and tell the caller */
static void
account(struct ingest *in, enum ms_status st, enum store_put res, const char *origin,
    const char *kind, const char *domain)
{
	if (st != MS_OK) {
		if (!in->failed)
			say(in, "%s: database: %s", origin, store_error(in->store));
		in->failed = true;
		return;
	}
	if (res == STORE_DUPLICATE)
		in->c.duplicates++;
	else
		in->c.ingested++;
	if (in->o.stored)
		in->o.stored(in->o.stored_arg, kind, domain, res);
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

/* note - "origin: what: why" on notes (escaped: strangers' text), after the progress line */
static void
note(struct ingest *in, const char *origin, const char *what, const char *why)
{
	char *o, *w;

	if (in->o.notes == NULL)
		return;
	o = term_safe_str(origin);
	w = term_safe_str(why);
	fprintf(in->o.notes, "%s%s: %s: %s\n", in->o.progress ? "\n" : "", o, what, w);
	free(o);
	free(w);
}

/* sink_dmarc - an aggregate report found: store it, or collect it as JSON */
static void
sink_dmarc(void *arg, const char *origin, const struct dmarc_report *r)
{
	struct ingest *in = arg;
	enum store_put res = STORE_INSERTED;
	enum ms_status st;

	if (in->o.parse_only) {
		in->c.ingested++;
		item(in, origin, "dmarc", dmarc_report_json(r), NULL);
		return;
	}
	if (in->failed)
		return;
	if (r->problems)
		note(in, origin, "kept with problems", r->problems);
	st = report_put_dmarc(in->store, r, origin, &res);
	account(in, st, res, origin, "dmarc", r->policy.domain);
}

/* sink_tlsrpt - a TLS-RPT report found: store it, or collect it as JSON */
static void
sink_tlsrpt(void *arg, const char *origin, const struct tlsrpt_report *r)
{
	struct ingest *in = arg;
	enum store_put res = STORE_INSERTED;
	enum ms_status st;

	if (in->o.parse_only) {
		in->c.ingested++;
		item(in, origin, "tlsrpt", tlsrpt_report_json(r), NULL);
		return;
	}
	if (in->failed)
		return;
	if (r->problems)
		note(in, origin, "kept with problems", r->problems);
	st = report_put_tlsrpt(in->store, r, origin, &res);
	account(in, st, res, origin, "tlsrpt", r->npolicies ? r->policies[0].policy_domain : NULL);
}

/* sink_failure - a failure report found: store it, or collect it as JSON */
static void
sink_failure(void *arg, const char *origin, const struct failure_report *r)
{
	struct ingest *in = arg;
	enum store_put res = STORE_INSERTED;
	enum ms_status st;

	if (in->o.parse_only) {
		in->c.ingested++;
		item(in, origin, "failure", failure_report_json(r), NULL);
		return;
	}
	if (in->failed)
		return;
	in->c.failure++;
	st = report_put_failure(in->store, r, origin, &res);
	account(in, st, res, origin, "failure", r->reported_domain);
}

/* sink_rejected - a report that could not be taken: say why and quarantine it */
static void
sink_rejected(void *arg, const char *origin, const char *why, const char *raw, size_t len)
{
	struct ingest *in = arg;
	enum store_put res;

	in->c.rejected++;
	if (in->o.parse_only) {
		item(in, origin, "rejected", NULL, why);
		return;
	}
	/* origin (an attachment's file name) and why (quoting the report) are strangers' text */
	note(in, origin, "rejected", why);
	if (in->failed)
		return;
	if (store_put_rejected(in->store, origin, why, raw, len, &res) != MS_OK) {
		say(in, "%s: database: %s", origin, store_error(in->store));
		in->failed = true;
		return;
	}
	batch_step(in);
}

/* sink_noreport - a message without a report: counted, not an error */
static void
sink_noreport(void *arg, const char *origin)
{
	struct ingest *in = arg;

	in->c.noreport++;
	if (in->o.parse_only)
		item(in, origin, "noreport", NULL, NULL);
}

/* sink_for - the sink that delivers into in */
static struct report_sink
sink_for(struct ingest *in)
{
	struct report_sink s = { sink_dmarc, sink_tlsrpt, sink_failure, sink_rejected,
		sink_noreport, in };

	return s;
}

/* skipped - an input file or folder entry that was not read: say why, count it unreadable */
static void
skipped(struct ingest *in, const char *path, const char *why)
{
	char *p = term_safe_str(path);

	say(in, "%s: skipped: %s", p, why);
	free(p);
	in->c.unreadable++;
}

/* ingest_file - one input file, by its name and contents (an mbox is streamed) */
static void
ingest_file(struct ingest *in, const char *path, bool nofollow, bool as_message)
{
	struct report_sink s = sink_for(in);
	const char *why = NULL;
	char head[8];
	size_t len;
	ssize_t hl;
	char *data;
	int fd;

	in->files_done++;
	/* a regular file only, opened without blocking: never a FIFO or a device */
	if (fs_open_regular(path, nofollow, &fd, &why) != MS_OK) {
		skipped(in, path, why);
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
			skipped(in, path, strerror(errno));
			return;
		}
		extract_mbox_fp(fp, path, &in->o.x, &s);	/* closes fp */
		progress(in, false);
		return;
	}
	if (fs_read_fd(fd, INGEST_FILE_MAX, &data, &len, &why) != MS_OK) {
		close(fd);
		skipped(in, path, why);
		return;
	}
	close(fd);
	if (as_message)
		extract_message(data, len, path, &in->o.x, &s);
	else if (str_has_suffix_case(path, ".xml") || str_has_suffix_case(path, ".gz") ||
	    str_has_suffix_case(path, ".zip") || str_has_suffix_case(path, ".json"))
		extract_blob(data, len, path, &in->o.x, &s);
	else if (looks_like_message(data, len))
		extract_message(data, len, path, &in->o.x, &s);
	else
		extract_blob(data, len, path, &in->o.x, &s);
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
		skipped(l->in, path, why);
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

enum ms_status
ingest_new(const struct ingest_opts *o, struct store *s, struct ingest **out)
{
	struct ingest *in = xcalloc(1, sizeof(*in));

	in->o = *o;
	in->store = s;
	in->t0 = clock_mono_seconds();
	*out = NULL;
	if (o->parse_only)
		in->items = json_array();
	else if (store_begin(s) != MS_OK) {
		say(in, "database: %s", store_error(s));
		free(in);
		return MS_ERR_IO;
	}
	*out = in;
	return MS_OK;
}

void
ingest_paths(struct ingest *in, char **paths, int n)
{
	struct pathlist l = { 0 };

	l.in = in;
	collect(&l, paths, n, in->o.follow_symlinks);
	in->files_total += l.n;
	in->t0 = clock_mono_seconds();
	for (size_t i = 0; i < l.n && !in->failed; i++)
		ingest_file(in, l.v[i], l.nofollow[i], l.msg[i]);
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	free(l.msg);
	free(l.nofollow);
}

void
ingest_message(struct ingest *in, const char *data, size_t len, const char *origin)
{
	struct report_sink s = sink_for(in);

	extract_message(data, len, origin, &in->o.x, &s);
}

void
ingest_blob(struct ingest *in, const char *data, size_t len, const char *origin)
{
	struct report_sink s = sink_for(in);

	extract_blob(data, len, origin, &in->o.x, &s);
}

void
ingest_imap(struct ingest *in, struct imap_client *c, const uint32_t *uids, size_t n)
{
	for (size_t i = 0; i < n && !in->failed; i++) {
		char why[1200];
		struct buf m;

		if (imap_fetch_uid(c, uids[i], &m, why, sizeof(why)) == MS_OK) {
			char *origin = xasprintf("%s;UID=%lu", imap_client_url(c), (unsigned long)uids[i]);

			ingest_message(in, m.data ? m.data : "", m.len, origin);
			free(origin);
		} else
			say(in, "%s", why);
		buf_free(&m);
	}
}

enum ms_status
ingest_finish(struct ingest *in)
{
	progress(in, true);
	in->finished = true;
	if (in->o.parse_only)
		return MS_OK;
	if (!in->failed && store_commit(in->store) != MS_OK) {
		say(in, "database: %s", store_error(in->store));
		in->failed = true;
	}
	if (in->failed)
		store_rollback(in->store);
	return in->failed ? MS_ERR_IO : MS_OK;
}

bool
ingest_failed(const struct ingest *in)
{
	return in->failed;
}

const struct ingest_counts *
ingest_counts(const struct ingest *in)
{
	return &in->c;
}

json_t *
ingest_items(const struct ingest *in)
{
	return in->items;
}

void
ingest_free(struct ingest *in)
{
	if (in == NULL)
		return;
	if (!in->finished && !in->o.parse_only)
		store_rollback(in->store);
	json_decref(in->items);
	free(in);
}
