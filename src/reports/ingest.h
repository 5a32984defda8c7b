/* src/reports/ingest.h - the ingest pipeline: files, folders, mbox files and messages into the store */
#ifndef MS_REPORTS_INGEST_H
#define MS_REPORTS_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "reports/extract.h"
#include "store/store.h"
#include "util/status.h"

/*
 * An ingest finds the reports in what it is given (extract.h), and delivers
 * each to a sink: the store (report_store.h), in transactions of
 * INGEST_BATCH reports, or for `reports parse` a JSON array of what was
 * found (nothing stored).  One ingest serves one run of a program: `reports
 * ingest` gives it paths, `reports fetch` the messages of an IMAP folder.
 * It keeps no process-wide state; several may run at once on different
 * stores.
 *
 * What it says goes to the caller: errors (a file skipped, the database
 * failing) through error(), notes about single reports (rejected, kept with
 * problems) to notes and the progress line to progress (strangers' text
 * escaped for a terminal).
 */
#define INGEST_BATCH	64			/* reports per transaction */
#define INGEST_FILE_MAX	((size_t)1 << 30)	/* one input file (an mbox may be large) */

struct ingest_counts {
	uint64_t ingested, duplicates, rejected, noreport, failure, unreadable;
};

struct ingest_opts {
	struct extract_opts x;		/* limits and what failure reports keep */
	bool parse_only;		/* `reports parse`: collect JSON items, store nothing */
	bool follow_symlinks;		/* paths: links out of the folder given, too */
	FILE *notes;			/* per-report notes; NULL: none */
	FILE *progress;			/* a progress line, rewritten in place; NULL: none */
	/* error - one line the caller shows (no newline); may be NULL */
	void (*error)(void *arg, const char *msg);
	void *error_arg;
	/*
	 * stored - after each report put, inside the ingest's transaction (the
	 * callee may use the store): its kind (dmarc, tlsrpt, failure), the
	 * domain it is about (borrowed, may be NULL) and whether it was new;
	 * may be NULL.  lmtpd counts the reports no workspace owns with it.
	 */
	void (*stored)(void *arg, const char *kind, const char *domain, enum store_put res);
	void *stored_arg;
};

struct ingest;

/*
 * ingest_new - an ingest into s (borrowed; it must outlive the ingest, and
 * be NULL for parse_only) with options o (copied).  A transaction is begun
 * on s; *out is NULL and error() has said why when that fails.  Free with
 * ingest_free().
 */
MS_MUST_CHECK enum ms_status ingest_new(const struct ingest_opts *o, struct store *s, struct ingest **out);

/*
 * ingest_paths - every file under paths[0..n): a Maildir's cur/ and new/ as
 * messages, other folders recursively (16 levels), mbox files streamed,
 * report files (.xml, .gz, .zip, .json) and messages by name or content.
 * What cannot be read is skipped and counted unreadable.  Stops early when
 * the store fails (ingest_failed).  paths are borrowed for the call.
 */
void ingest_paths(struct ingest *in, char **paths, int n);

/* ingest_message - one message's bytes (borrowed), known as origin, e.g. an IMAP message */
void ingest_message(struct ingest *in, const char *data, size_t len, const char *origin);

/*
 * ingest_blob - one report file's bytes (borrowed: .xml, .gz, .zip, .json,
 * recognised by content, unpacked with extract_opts' caps), known as origin,
 * e.g. a report POSTed to `mailsec serve`
 */
void ingest_blob(struct ingest *in, const char *data, size_t len, const char *origin);

struct imap_client;

/*
 * ingest_imap - messages uids[0..n) of the IMAP folder c reads (borrowed),
 * in turn, each known as "FOLDER-URL;UID=n"; a message that cannot be
 * fetched is said through error() and left out.  Stops early when the store
 * fails.
 */
void ingest_imap(struct ingest *in, struct imap_client *c, const uint32_t *uids, size_t n);

/*
 * ingest_finish - end the run: commit what is left (rolled back when the
 * ingest failed; then error() has said why) and end the progress line.
 * MS_OK when everything was stored.  Call once, before ingest_free (in is
 * borrowed).
 */
MS_MUST_CHECK enum ms_status ingest_finish(struct ingest *in);

/* ingest_failed - the store failed: nothing more is stored (in borrowed) */
bool ingest_failed(const struct ingest *in);
/* ingest_counts - what was found so far; borrowed from in */
const struct ingest_counts *ingest_counts(const struct ingest *in);
/* ingest_items - parse_only: the array of items found (mailsec-reports/1 "parse"); borrowed */
json_t *ingest_items(const struct ingest *in);
/* ingest_free - free in (NULL is fine); an unfinished transaction is rolled back */
void ingest_free(struct ingest *in);

#endif
