/* src/cli/reports.h - mailsec reports: options and helpers shared by its source files */
#ifndef MS_CLI_REPORTS_H
#define MS_CLI_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reports/extract.h"
#include "reports/ingest.h"
#include "reports/summary.h"
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

/*
 * rep_open_store - the store of --db or the default path, for writing; NULL
 * after an error message; o borrowed, the caller closes the store with
 * store_close
 */
struct store *rep_open_store(const struct rep_opts *o);
/*
 * rep_ingest_opts - the ingest options of o (errors through cli_error, notes
 * on stderr for text); o borrowed: the caller's *io is overwritten and
 * may point into o
 */
void rep_ingest_opts(const struct rep_opts *o, struct ingest_opts *io);
/* rep_print_counts - the result of an ingest or fetch run, as text or JSON; all borrowed */
void rep_print_counts(const struct rep_opts *o, const char *kind, const struct ingest_counts *c);

/*
 * rep_fetch - reports fetch URL: every message of an IMAP folder
 * (cmd_reports_fetch.c); o and argv borrowed
 */
int rep_fetch(struct rep_opts *o, int argc, char **argv);

#endif
