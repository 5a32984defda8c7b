/* src/store/store_rows.h - what a report becomes in the store, independent of the SQL engine */
#ifndef MS_STORE_STORE_ROWS_H
#define MS_STORE_STORE_ROWS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/report.h"
#include "store/store.h"
#include "util/buf.h"

/*
 * Both databases keep the same tables (reports, dmarc_rows, tlsrpt_policies,
 * tlsrpt_failures, failures, rejected) and store_put.c fills them the same
 * way: these helpers turn a parsed report into the column values.
 */

#define STORE_REJECTED_KEEP_MAX	(4u * 1024 * 1024)	/* bytes of a rejected report kept */

/* The columns of one row of the reports table (strings borrowed, NULL for SQL NULL). */
struct store_head {
	const char *kind;		/* dmarc, tlsrpt, failure */
	const char *org_name, *report_id, *policy_domain;	/* the idempotency key */
	int64_t begin, end;		/* -1 for NULL */
	const char *email, *extra_contact_info, *xmlns, *version, *generator, *errors;
	const char *policy;		/* policy_published as JSON */
	uint64_t messages;
};

/*
 * store_dmarc_head, store_tlsrpt_head, store_failure_head - the reports row
 * of r.  store_dmarc_head allocates *policy_json (policy_published as
 * JSON), which h->policy points at: the caller frees it after the put.
 */
void store_dmarc_head(const struct dmarc_report *r, struct store_head *h, char **policy_json);
void store_tlsrpt_head(const struct tlsrpt_report *r, struct store_head *h);
void store_failure_head(const struct failure_report *r, struct store_head *h);

/* The derived columns of one dmarc_rows row; the buffers are reused from row to row. */
struct store_dmarc_cols {
	struct buf dkim_auth, spf_auth;	/* auth_results as JSON arrays */
	struct buf dkim_pass;		/* space-separated d= that passed DKIM */
	const char *spf_pass;		/* SPF-authenticated domain that passed, or "" (borrowed from the row) */
};

void store_dmarc_cols_init(struct store_dmarc_cols *c);
/*
 * store_dmarc_cols_fill - the derived columns of w (borrowed) into c
 * (overwriting the last row's); MS_ERR_LIMIT when they do not fit c's buffers
 * (c then holds nothing to store).
 */
MS_MUST_CHECK enum ms_status store_dmarc_cols_fill(struct store_dmarc_cols *c, const struct dmarc_row *w);
void store_dmarc_cols_free(struct store_dmarc_cols *c);

/* store_sha256_hex - the quarantine key: SHA-256 of raw (NULL counts as empty) in lower-case hex */
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

void store_check_acc_init(struct store_check_acc *a, store_check_cb cb, void *arg);
/*
 * store_check_acc_row - one row: key is the check's row key, c its columns
 * (findings ignored), f the row's finding (f->id NULL for none); all borrowed
 */
void store_check_acc_row(struct store_check_acc *a, int64_t key, const struct store_check *c,
    const struct store_check_finding *f);
/* store_check_acc_end - hand over the last check (when ok) and free what is held */
void store_check_acc_end(struct store_check_acc *a, bool ok);

/* store_clamp - a count as a signed 64-bit column value */
int64_t store_clamp(uint64_t v);

#endif
