/* src/reports/summary.h - who sends as a domain: summaries of stored reports */
#ifndef MS_REPORTS_SUMMARY_H
#define MS_REPORTS_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "dns/dns.h"
#include "store/store.h"
#include "util/status.h"

struct resolver;

/*
 * The readiness verdict's thresholds (docs/reports.md), overridable from
 * the command line.  Rates are percentages of reported messages.
 */
struct summary_thresholds {
	uint64_t min_messages;		/* fewer: "collect more data" (default 100) */
	double quarantine_pass_rate;	/* DMARC pass rate to leave p=none (default 95) */
	double reject_pass_rate;	/* DMARC pass rate to move to p=reject (default 98) */
	uint64_t legit_min_messages;	/* a failing source that authenticates as another
					 * domain and sent at least this many is
					 * "legitimate-looking" (default 1) */
	size_t top;			/* list at most this many sources (0: all) */
};

/* summary_thresholds_default - the defaults, into the caller's *t */
void summary_thresholds_default(struct summary_thresholds *t);

struct summary;

/*
 * Mail Check's five categories of reported mail, shown per day on the
 * reports page: a receiver's reject or quarantine first, else by alignment
 * (docs/reports.md).
 */
enum dmarc_trust {
	DMARC_FULLY_TRUSTED,		/* SPF and DKIM aligned pass */
	DMARC_PARTIALLY_TRUSTED,	/* one of them */
	DMARC_UNTRUSTED,		/* neither, and delivered */
	DMARC_QUARANTINED,		/* the receiver quarantined it */
	DMARC_REJECTED,			/* the receiver rejected it */
	DMARC_TRUST_N
};
/* dmarc_trust_of - the category of a row by its aligned results and disposition (borrowed, may be NULL) */
enum dmarc_trust dmarc_trust_of(bool spf_aligned, bool dkim_aligned, const char *disposition);
/* dmarc_trust_name - "fully_trusted", ... (a static string) */
const char *dmarc_trust_name(enum dmarc_trust t);

/*
 * summary_build - read domain's reports since (epoch seconds) from store and
 * aggregate them, without lookups (PTR names "not-looked-up", no SPF walk).
 * The caller frees *out with summary_free().
 */
MS_MUST_CHECK enum ms_status summary_build(struct store *store, const char *domain, int64_t since,
    const struct summary_thresholds *t, struct summary **out);
/* summary_ptr_status - the ptr_status word ("ok", "nxdomain", ...; docs/json.md) of a lookup outcome: static text */
const char *summary_ptr_status(enum dns_outcome o);
/*
 * summary_build_range - as summary_build, leaving out the report rows whose
 * period begins at or after until (epoch seconds; 0: no bound), so every
 * part of the summary (totals, sources, reporters, days, TLS-RPT) covers
 * [since, until).  The caller frees *out with summary_free().
 */
MS_MUST_CHECK enum ms_status summary_build_range(struct store *store, const char *domain, int64_t since,
    int64_t until, const struct summary_thresholds *t, struct summary **out);

/*
 * summary_done_cb - a summary is complete; the callee owns s (summary_free).
 */
typedef void (*summary_done_cb)(struct summary *s, void *arg);

/*
 * summary_start - as summary_build, then look up each source's PTR name and
 * walk the domain's SPF policy through res (required) on its event loop,
 * which the caller runs.  The store is read before this returns (a failure
 * is returned, and done never runs); done runs once, from the loop, when
 * every lookup is in.  store, domain and t are borrowed for the call; res
 * must stay until done has run; arg is kept until then.
 */
MS_MUST_CHECK enum ms_status summary_start(struct store *store, const char *domain, int64_t since,
    const struct summary_thresholds *t, struct resolver *res, summary_done_cb done, void *arg);
/* summary_free - free s and what it holds; NULL-safe */
void summary_free(struct summary *s);

/* summary_json - the document of docs/json.md ("mailsec-reports/1", kind "summary"); caller decrefs */
json_t *summary_json(const struct summary *s);
/* summary_text - the human report (s borrowed) */
void summary_text(FILE *fp, const struct summary *s);
/*
 * The CSV form (`reports summary --format csv`, written by
 * output/summary_csv.c): one row per source in the summary's order (at most
 * --top), the columns named by summary_csv_columns.
 */
#define SUMMARY_CSV_COLUMNS	13
extern const char *const summary_csv_columns[SUMMARY_CSV_COLUMNS];

/* One row: field[k] borrowed from the summary or pointing into num; NULL is an empty field. */
struct summary_csv_row {
	const char *field[SUMMARY_CSV_COLUMNS];
	char num[4][24];
};

/* summary_csv_rows - how many rows s (borrowed) has */
size_t summary_csv_rows(const struct summary *s);
/* summary_csv_row - row i (< summary_csv_rows) into r; valid while s and r are */
void summary_csv_row(const struct summary *s, size_t i, struct summary_csv_row *r);

#endif
