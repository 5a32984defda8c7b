/* src/cli/reports.h - mailsec reports: options and helpers shared by its source files */
#ifndef MS_CLI_REPORTS_H
#define MS_CLI_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/reports/extract.h"
#include "checks/reports/summary.h"
#include "store/store.h"

enum rep_format { REP_TEXT, REP_JSON, REP_CSV };

struct rep_opts {
	enum rep_format format;
	const char *db;		/* --db, borrowed from argv */
	const char *replay;
	const char *resolver;	/* --resolver ADDR[@PORT] for the summary's lookups */
	bool no_dns;		/* --no-dns: no PTR or SPF lookups */
	bool follow_symlinks;	/* --follow-symlinks: links out of the folder given, too */
	const char *netrc;
	const char *cacert;	/* --cacert: trust these CAs for imaps:// */
	int progress;		/* -1 never, 0 on a terminal, 1 always */
	bool since_set;
	int64_t since_secs;	/* -1: all */
	int64_t older_than_days;	/* -1: not given */
	struct extract_opts x;
	struct summary_thresholds t;
};

struct rep_counts {
	uint64_t ingested, duplicates, rejected, noreport, failure, unreadable;
};

struct ingest;

/* rep_open_store - the store of --db or the default path; NULL after an error message */
struct store *rep_open_store(const struct rep_opts *o);
/* rep_ingest_new - an ingest into s (which the caller has begun a transaction on); free() it */
struct ingest *rep_ingest_new(struct rep_opts *o, struct store *s);
void rep_ingest_message(struct ingest *in, const char *data, size_t len, const char *origin);
bool rep_ingest_failed(const struct ingest *in);
const struct rep_counts *rep_ingest_counts(const struct ingest *in);
void rep_print_counts(const struct rep_opts *o, const char *kind, const struct rep_counts *c);

/* rep_fetch - reports fetch URL: every message of an IMAP folder (cmd_reports_fetch.c) */
int rep_fetch(struct rep_opts *o, int argc, char **argv);

#endif
