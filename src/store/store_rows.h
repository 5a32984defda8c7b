/* src/store/store_rows.h - what a report becomes in the store, independent of the SQL engine */
#ifndef MS_STORE_STORE_ROWS_H
#define MS_STORE_STORE_ROWS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "util/buf.h"

/*
 * Both databases keep the same tables (reports, dmarc_rows, tlsrpt_policies,
 * tlsrpt_failures, failures, rejected) and store_put.c fills them the same
 * way from the column values of store.h (the reports layer turns a parsed
 * report into them: reports/report_store.c).
 */

#define STORE_REJECTED_KEEP_MAX	(4u * 1024 * 1024)	/* bytes of a rejected report kept */

/*
 * store_sha256_hex - the quarantine key: SHA-256 of raw (borrowed; NULL counts
 * as empty) in lower-case hex into the caller's hex
 */
void store_sha256_hex(const char *raw, size_t len, char hex[65]);

/*
 * The each_check query returns one row per finding (a check
 * without findings gives one row with f.id NULL), ordered by check.  A
 * store_check_acc gathers the rows of one check (copying what it keeps) and
 * hands the check to the callback when the next check starts or at the end.
 */
struct store_check_acc {
	int64_t key;			/* the current check's row key */
	struct store_check *cur;	/* the check being gathered (store_check_dup), or NULL */
	size_t cap;			/* room for cur's findings */
	store_check_cb cb;
	void *arg;
};

/*
 * store_check_acc_init - an empty accumulator in a (the caller's) handing
 * checks to cb with arg (kept)
 */
void store_check_acc_init(struct store_check_acc *a, store_check_cb cb, void *arg);
/*
 * store_check_acc_row - one row: key is the check's row key, c its columns
 * (findings ignored), f the row's finding (f->id NULL for none); all borrowed
 */
void store_check_acc_row(struct store_check_acc *a, int64_t key, const struct store_check *c,
    const struct store_check_finding *f);
/* store_check_acc_end - hand over the last check (when ok) and free what is held */
void store_check_acc_end(struct store_check_acc *a, bool ok);

/*
 * The columns of an events row, in the order store_event_row reads them; p is
 * the table's alias with its dot ("e.") or "".  Every query of events reads
 * them so: history's (store_each_event_in) and the digests' (notify/).
 */
#define STORE_EVENT_COLUMNS(p) \
	p "at, " p "domain, " p "run_id, " p "prev_run_id, " p "round, " p "kind, " p "area, " \
	p "subject, " p "finding, " p "severity, " p "item, " p "old_value, " p "new_value"
struct db_stmt;
/*
 * store_event_row - the STORE_EVENT_COLUMNS of st's current row into the
 * caller's *e, strings borrowed from st until its next step
 */
void store_event_row(struct db_stmt *st, struct store_event *e);

/* store_clamp - a count as a signed 64-bit column value */
int64_t store_clamp(uint64_t v);

#endif
