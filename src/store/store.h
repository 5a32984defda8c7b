/* src/store/store.h - the report and check-history store over the database driver */
#ifndef MS_STORE_STORE_H
#define MS_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/*
 * The report and history store: what mailsec keeps in a database, written
 * once over the narrow driver of db/db.h (a SQLite file on a user's
 * machine, PostgreSQL for fleet scanning; the same tables in both).
 *
 * Contract:
 * - put_* store a report with all its rows atomically and idempotently: the
 *   key is (kind, reporter org, report id, policy domain); a second put of
 *   the same key stores nothing and says STORE_DUPLICATE.  A put that fails
 *   half-way leaves nothing of itself behind, on both databases: outside
 *   store_begin()..store_commit() it is a transaction of its own, inside one
 *   a savepoint, and the surrounding transaction stays usable.
 * - Between store_begin() and store_commit() puts are one transaction; a
 *   crash (kill -9) loses the uncommitted ones and nothing else; a rerun
 *   stores them.  On SQLite the write lock is taken at the first write after
 *   store_begin() and held until store_commit(), so another process waits
 *   (DB_BUSY_TIMEOUT_MS) rather than fails.
 * - Strings passed in are borrowed; items handed to store_each_* callbacks
 *   are borrowed for the call, and a callback must not use the store.
 * - put_check stores one domain's check result with its findings whole or
 *   not at all, keyed by (run id, domain): a second put of the same key
 *   stores nothing and says STORE_DUPLICATE.
 * - On failure the status says what and store_error() why.
 */
enum store_put { STORE_INSERTED = 0, STORE_DUPLICATE };

/* One DMARC aggregate row with what the summary needs from its report. */
struct store_dmarc_item {
	int64_t report;			/* the database's report key */
	const char *org_name;
	int64_t begin, end;
	const char *p, *sp, *pct, *testing;	/* policy as published */
	const char *source_ip;
	uint64_t count;
	const char *disposition, *dkim, *spf;	/* policy_evaluated */
	const char *header_from;
	const char *dkim_pass_domains;	/* space-separated d= that passed DKIM, or "" */
	const char *spf_pass_domain;	/* SPF-authenticated domain that passed, or "" */
};

/* One TLS-RPT failure detail (result_type set) or policy summary (result_type NULL). */
struct store_tlsrpt_item {
	int64_t report;
	int64_t policy;			/* the database's policy key (one summary per policy) */
	const char *org_name;
	int64_t begin, end;
	const char *policy_type, *policy_domain, *mx_host;
	uint64_t success, failure;	/* policy summary rows */
	const char *result_type;
	const char *receiving_mx_hostname, *receiving_ip, *sending_mta_ip;
	uint64_t failed_session_count;
};

/* One quarantined (rejected) report. */
struct store_rejected_item {
	const char *sha256;		/* of the bytes as found */
	const char *origin;
	const char *reason;
	int64_t first_seen;
	uint64_t size;
};

/*
 * One finding of a stored check (strings borrowed).  area is the finding's
 * area (its catalogue's; the document's findings[].area), read only when
 * the check's areas_known is set; NULL is "".
 */
struct store_check_finding {
	const char *id, *severity, *subject, *message;
	const char *area;
};

/* One area's grade in a check's summary (summary.areas, docs/json.md; strings borrowed). */
struct store_area_grade {
	const char *area, *grade;	/* grade NULL: the area has none (JSON null) */
};

/*
 * One domain's check result as history keeps it (strings borrowed).  The
 * counts and grade are the domain's summary (docs/json.md); json is the
 * whole domain object of mailsec/1 as text (stored as given, so the store
 * needs no JSON library).
 */
struct store_check {
	const char *run_id;		/* shared by every domain of one `check` invocation */
	const char *domain;
	int64_t checked_at;		/* epoch seconds */
	const char *profile, *version;	/* profile name, mailsec version */
	uint64_t pass, info, warning, error, unknown;
	const char *grade;
	const struct store_check_finding *findings;
	size_t nfindings;
	const char *json;
	const char *round;		/* the monitor's round, or NULL (unique per domain when set) */
	const char *area;		/* NULL: a whole check; else only that area's findings (lmtpd's outbound) */
	/*
	 * The overview's summary rows (domain_latest) of a whole check: when
	 * areas_known is set they are bound from areas[0..nareas) (json's
	 * summary.areas, in its order) and each finding's area, which the
	 * caller says are what json holds; else the database reads them out of
	 * json.  Never read back (store_last_check leaves them unset).
	 */
	bool areas_known;
	const struct store_area_grade *areas;
	size_t nareas;
};

/*
 * One event of history: something that changed for a domain between two of
 * its stored checks (history/history.h defines the kinds; docs/events.md).
 * Strings borrowed; NULL for SQL NULL.
 */
struct store_event {
	int64_t at;			/* epoch seconds: when the later check was made */
	const char *domain;
	const char *run_id, *prev_run_id, *round;	/* the later check, the earlier one, its round */
	const char *kind, *area, *subject, *finding, *severity, *item;
	const char *old_value, *new_value;
};

struct store_counts {
	uint64_t dmarc_reports, tlsrpt_reports, failure_reports, rejected;
};

struct store;
struct db;

typedef void (*store_dmarc_cb)(void *arg, const struct store_dmarc_item *it);
typedef void (*store_tlsrpt_cb)(void *arg, const struct store_tlsrpt_item *it);
typedef void (*store_rejected_cb)(void *arg, const struct store_rejected_item *it);
/* a stored event; borrowed for the call */
typedef void (*store_event_cb)(void *arg, const struct store_event *e);
/* a stored check with all its findings; borrowed for the call */
typedef void (*store_check_cb)(void *arg, const struct store_check *c);

enum store_mode {
	STORE_WRITE,		/* create and migrate as needed; puts and purges */
	STORE_READ		/* reading only (summary, quarantine, history) */
};

/*
 * store_open - open the store at where: a "postgresql://" or "postgres://"
 * URI (libpq's connection URI) for PostgreSQL, anything else a SQLite file
 * path.  On failure returns non-MS_OK (MS_ERR_ARG for a database that is
 * not mailsec's or is newer than this mailsec, MS_ERR_IO otherwise), *out
 * NULL and the reason in why (the caller's buffer).  Close with store_close.
 *
 * SQLite (docs/reports.md "The database"): a missing file is created with
 * mode 0600.  A file that is not mailsec's is refused before anything in it
 * changes; mailsec's own carry application_id STORE_APPLICATION_ID, and one
 * an older mailsec made without it is recognised by its version and tables.
 * Creating and migrating the schema takes the write lock first and reads the
 * version under it, so several processes may open a new file at once.
 * STORE_READ opens read-only (a read-only file or mount is fine) unless the
 * file is missing or its schema needs migrating, which writes as
 * STORE_WRITE would.  PostgreSQL: the database must exist; the tables are
 * created in it (the version in table mailsec_schema) under an advisory lock.
 */
MS_MUST_CHECK enum ms_status store_open(const char *where, enum store_mode mode,
    struct store **out, char *why, size_t whylen);
/* store_close - close and free s (NULL-safe); a transaction still open is rolled back */
void store_close(struct store *s);

/* store_error - why the last call failed (borrowed from s) */
const char *store_error(const struct store *s);

/* store_display - where as it may be shown (a URI's password hidden); caller frees */
char *store_display(const char *where);

/*
 * store_default_path - the default database, one for every command:
 * $XDG_DATA_HOME/mailsec/mailsec.db, else ~/.local/share/mailsec/mailsec.db;
 * the reports.db an older mailsec made in that folder when only it exists.
 * Creates the folder (0700).  Caller frees *out; on failure why says why.
 */
MS_MUST_CHECK enum ms_status store_default_path(char **out, char *why, size_t whylen);

#define STORE_APPLICATION_ID	0x6d736563	/* "msec": PRAGMA application_id of mailsec's SQLite files */

/*
 * Every function below borrows s and what it is given for the call only: the
 * store copies what it keeps into the database.  Items handed to a callback
 * are borrowed for that call (store_check_dup keeps one).
 */

/* store_begin - start a transaction of puts; store_commit keeps them, store_rollback drops them */
MS_MUST_CHECK enum ms_status store_begin(struct store *s);
/* store_commit - keep the puts since store_begin (s borrowed) */
MS_MUST_CHECK enum ms_status store_commit(struct store *s);
/* store_rollback - drop the puts since store_begin; a failure shows in store_error (s borrowed) */
void store_rollback(struct store *s);
/*
 * store_join - the caller (a layer that keeps its own tables in the same
 * database, store_db) has begun a transaction on the store's handle: puts
 * from here on run inside it without a savepoint of their own (one round
 * trip less each), so a put that fails may leave part of itself: the caller
 * undoes it (a savepoint of its own around each unit of work, or the whole
 * transaction), commits or rolls back, then calls store_part.  MS_ERR_ARG
 * inside store_begin's transaction (s borrowed).
 */
MS_MUST_CHECK enum ms_status store_join(struct store *s);
/* store_part - the joined transaction is over; s (borrowed) is back to a transaction per put */
void store_part(struct store *s);
/*
 * store_in_transaction - whether puts on s (borrowed) now run inside a
 * transaction (store_begin's or a joined one) rather than one each
 */
bool store_in_transaction(const struct store *s);

/*
 * What the store writes of a report: the columns of its tables, nothing
 * more.  The report model (reports/report.h) is the reports layer's, one
 * layer up; reports/report_store.c turns a parsed report into these rows.
 * Strings are borrowed for the call, NULL is SQL NULL.
 */

/* The columns of one row of the reports table. */
struct store_head {
	const char *kind;		/* dmarc, tlsrpt, failure */
	const char *org_name, *report_id, *policy_domain;	/* the idempotency key */
	int64_t begin, end;		/* -1 for NULL */
	const char *email, *extra_contact_info, *xmlns, *version, *generator, *errors;
	const char *policy;		/* policy_published as JSON */
	uint64_t messages;
};

/* The columns of one dmarc_rows row. */
struct store_dmarc_row {
	const char *source_ip;
	uint64_t count;
	const char *disposition, *dkim, *spf, *reasons, *policy_test_mode;
	const char *header_from, *envelope_from, *envelope_to;
	const char *dkim_auth, *spf_auth;	/* auth_results as JSON arrays */
	const char *dkim_pass_domains;	/* space-separated d= that passed DKIM, or "" */
	const char *spf_pass_domain;	/* SPF-authenticated domain that passed, or "" */
};

/*
 * store_dmarc_rows - the rows of a DMARC report, asked for one at a time so
 * a report of many rows needs no second copy: row(arg, i, out, why) fills
 * out for row i (0 <= i < n); what it points out at must stay valid until
 * the next call of row or the end of the put.  A row that cannot be made
 * returns non-MS_OK with *why (static text): the put fails, stores nothing,
 * and store_error() says "insert dmarc row: WHY".
 */
struct store_dmarc_rows {
	size_t n;
	enum ms_status (*row)(void *arg, size_t i, struct store_dmarc_row *out, const char **why);
	void *arg;
};

/* The columns of one tlsrpt_failures row. */
struct store_tls_failure {
	const char *result_type, *sending_mta_ip, *receiving_mx_hostname, *receiving_mx_helo;
	const char *receiving_ip;
	uint64_t failed_session_count;
	const char *additional_information, *failure_reason_code;
};

/* One tlsrpt_policies row and its failure details. */
struct store_tls_policy {
	const char *policy_type, *policy_domain, *policy_string, *mx_host;
	uint64_t success, failure;
	const struct store_tls_failure *failures;
	size_t nfailures;
};

/* The columns of the failures row of a failure report. */
struct store_failure_row {
	const char *feedback_type, *source_ip, *arrival_date, *original_mail_from;
	const char *original_rcpt_to, *auth_failure, *authentication_results, *delivery_result;
	const char *sample;		/* the headers or message sample (bytes), or NULL */
	size_t sample_len;
};

/*
 * store_put_dmarc - a DMARC report's reports row h and its rows, whole or not
 * at all (see the contract); *res says whether it was new.  Everything is
 * borrowed for the call.
 */
MS_MUST_CHECK enum ms_status store_put_dmarc(struct store *s, const struct store_head *h,
    const char *origin, const struct store_dmarc_rows *rows, enum store_put *res);
/* store_put_tlsrpt - a TLS-RPT report's row h and its policies, whole or not at all (all borrowed) */
MS_MUST_CHECK enum ms_status store_put_tlsrpt(struct store *s, const struct store_head *h,
    const char *origin, const struct store_tls_policy *policies, size_t npolicies,
    enum store_put *res);
/* store_put_failure - a failure report's row h and its failures row f, whole or not at all (all borrowed) */
MS_MUST_CHECK enum ms_status store_put_failure(struct store *s, const struct store_head *h,
    const char *origin, const struct store_failure_row *f, enum store_put *res);
/* store_put_rejected - quarantine a report that failed to parse, keyed by its SHA-256 (raw copied) */
MS_MUST_CHECK enum ms_status store_put_rejected(struct store *s, const char *origin, const char *why,
    const char *raw, size_t len, enum store_put *res);
/*
 * store_purge - delete reports whose period ended (quarantined ones first
 * seen) before cutoff; count into the caller's *removed
 */
MS_MUST_CHECK enum ms_status store_purge(struct store *s, int64_t cutoff, uint64_t *removed);
/* store_each_dmarc - rows of domain's aggregate reports ending at or after since; items borrowed */
MS_MUST_CHECK enum ms_status store_each_dmarc(struct store *s, const char *domain, int64_t since,
    store_dmarc_cb cb, void *arg);
/* store_each_tlsrpt - domain's TLS-RPT failures ending at or after since; items borrowed */
MS_MUST_CHECK enum ms_status store_each_tlsrpt(struct store *s, const char *domain,
    int64_t since, store_tlsrpt_cb cb, void *arg);
/* store_count_failures - failure reports about domain (borrowed) dated at or after since */
MS_MUST_CHECK enum ms_status store_count_failures(struct store *s, const char *domain,
    int64_t since, uint64_t *n);
/* A name seen in the aggregate reports, with its messages and first and last report time. */
struct store_seen {
	const char *name;		/* lower-cased; borrowed for the callback */
	uint64_t messages;		/* the rows' counts summed */
	int64_t first, last;		/* the earliest begin and latest end (epoch s), -1 unknown */
};

/* a name seen in reports; borrowed for the call */
typedef void (*store_seen_cb)(void *arg, const struct store_seen *it);

/*
 * store_report_selectors - the DKIM selectors of the auth_results/dkim
 * entries whose d= is domain, in the DMARC aggregate reports about domain or
 * one of its parents ending at or after since: one call of cb per selector
 * (lower-cased, in order).  domain borrowed; MS_ERR_ARG for an empty one.
 */
MS_MUST_CHECK enum ms_status store_report_selectors(struct store *s, const char *domain,
    int64_t since, store_seen_cb cb, void *arg);
/* a selector seen signing as domains[i] (store_report_selectors_many); it borrowed for the callback */
typedef void (*store_seen_at_cb)(void *arg, size_t i, const struct store_seen *it);
/*
 * store_report_selectors_many - store_report_selectors for each of
 * domains[0..n) in one statement, one round trip whatever n (the monitor's
 * claimed batch): cb(arg, i, it) per selector of domains[i], the same
 * selectors with the same counts as n calls of store_report_selectors,
 * by domain and then selector.  A domain given twice gets its selectors
 * twice; an empty one none.  domains borrowed.
 */
MS_MUST_CHECK enum ms_status store_report_selectors_many(struct store *s, char *const *domains,
    size_t n, int64_t since, store_seen_at_cb cb, void *arg);
/*
 * store_each_header_from - the header_from domains (lower-cased, in order)
 * of the rows of policy_domain's DMARC aggregate reports ending at or after
 * since, each once with its summed count; policy_domain borrowed
 */
MS_MUST_CHECK enum ms_status store_each_header_from(struct store *s, const char *policy_domain,
    int64_t since, store_seen_cb cb, void *arg);
/* store_counts - reports of each kind into the caller's *c */
MS_MUST_CHECK enum ms_status store_counts(struct store *s, struct store_counts *c);
/* store_each_rejected - the quarantine, oldest first; items borrowed for the callback */
MS_MUST_CHECK enum ms_status store_each_rejected(struct store *s, store_rejected_cb cb, void *arg);
/*
 * store_put_check - one domain's check result and its findings, atomically (c
 * borrowed, copied in)
 */
MS_MUST_CHECK enum ms_status store_put_check(struct store *s, const struct store_check *c,
    enum store_put *res);
/*
 * store_put_history - store_put_check() of c together with the events ev[0..nev)
 * computed against the domain's previous check (each event's check is c):
 * whole or not at all.  A duplicate key (run id and domain, or domain and
 * round when c->round is set) stores nothing, events included, and says
 * STORE_DUPLICATE.  Everything borrowed.
 */
MS_MUST_CHECK enum ms_status store_put_history(struct store *s, const struct store_check *c,
    const struct store_event *ev, size_t nev, enum store_put *res);
/*
 * store_sent_fn - the outcome of store_put_history_send: rc MS_OK with *res,
 * or a failure with why (borrowed for the call)
 */
typedef void (*store_sent_fn)(void *arg, enum ms_status rc, enum store_put res, const char *why);
/*
 * store_put_history_send - store_put_history without waiting for the server
 * (docs/monitor.md, "The store does not wait for the server"): on
 * PostgreSQL, inside a transaction the caller joined (store_join), a whole
 * check whose summary is known (areas_known) goes as one statement sent by
 * db_send; *sent is then true and done(arg, ...) is called once, later,
 * from db_async_pump (store_db's) or at the latest before the transaction
 * ends.  A failure of it rolls back to the caller's savepoint undo
 * (borrowed for the call) before anything else runs.  Otherwise (SQLite,
 * or any other case) the put runs at once as store_put_history, *sent is
 * false, *res is set and done is never called.  c and ev are borrowed for
 * the call.
 */
MS_MUST_CHECK enum ms_status store_put_history_send(struct store *s, const struct store_check *c,
    const struct store_event *ev, size_t nev, const char *undo, store_sent_fn done, void *arg,
    bool *sent, enum store_put *res);
/*
 * store_last_check - the latest stored whole check of domain (by
 * checked_at, then insertion) to cb, or no call when there is none; cb's
 * check is borrowed.  Results of one area only (store_check.area) are not
 * whole checks: store_last_check_area reads those.
 */
MS_MUST_CHECK enum ms_status store_last_check(struct store *s, const char *domain, store_check_cb cb, void *arg);
/*
 * store_last_check_area - store_last_check of the results of area only
 * (NULL: whole checks), so each kind is compared with its own; domain and
 * area borrowed, cb's check borrowed
 */
MS_MUST_CHECK enum ms_status store_last_check_area(struct store *s, const char *domain, const char *area,
    store_check_cb cb, void *arg);
/*
 * store_last_checks - store_last_check of each of domains[0..n) (borrowed),
 * in one statement whatever n: cb once for each domain that has a whole
 * check (its check borrowed for the call, store_check.domain naming it),
 * in no particular order; none for the others.  cb must not use the store.
 */
MS_MUST_CHECK enum ms_status store_last_checks(struct store *s, const char *const *domains, size_t n,
    store_check_cb cb, void *arg);
/* store_domain_owned - *owned: whether any workspace holds domain (borrowed, any case) */
MS_MUST_CHECK enum ms_status store_domain_owned(struct store *s, const char *domain, bool *owned);
/* store_count_unowned - *n: stored reports about domains no workspace holds (kept, not lost) */
MS_MUST_CHECK enum ms_status store_count_unowned(struct store *s, uint64_t *n);
/*
 * store_each_event - the events at or after since, oldest first (by time,
 * then insertion), of domain, or of every domain when domain is NULL;
 * domain borrowed, each event borrowed for its cb
 */
MS_MUST_CHECK enum ms_status store_each_event(struct store *s, const char *domain, int64_t since,
    store_event_cb cb, void *arg);
/*
 * store_each_event_in - store_each_event() of the domains of workspace (the
 * monitor's, docs/monitor.md) only, or of every domain when workspace is
 * NULL; MS_ERR_NOTFOUND, with store_error() saying so, when there is no such
 * workspace.  workspace and domain borrowed, each event borrowed for its cb.
 */
MS_MUST_CHECK enum ms_status store_each_event_in(struct store *s, const char *workspace,
    const char *domain, int64_t since, store_event_cb cb, void *arg);
/*
 * store_each_check - domain's stored checks made at or after since, oldest
 * first; borrowed for cb
 */
MS_MUST_CHECK enum ms_status store_each_check(struct store *s, const char *domain, int64_t since,
    store_check_cb cb, void *arg);
/*
 * store_purge_checks - delete checks made before cutoff with their findings,
 * atomically; count into the caller's *removed
 */
MS_MUST_CHECK enum ms_status store_purge_checks(struct store *s, int64_t cutoff,
    uint64_t *removed);

/* store_check_dup - a deep copy of c (for keeping what each_check lends); free with store_check_free */
struct store_check *store_check_dup(const struct store_check *c);
/* store_check_free - free a copy made by store_check_dup; NULL-safe */
void store_check_free(struct store_check *c);

/*
 * store_db - the database handle under s, borrowed for s's lifetime: for the
 * layers above that keep tables of their own in the same database (the
 * monitor's workspaces, rounds and leases, src/fleet/).  They must not use it
 * while a store call runs, nor between store_begin() and store_commit(),
 * except to write rows of their own inside the transaction a put made there
 * has begun (notify/ queues notifications with the result they are about).
 */
struct db *store_db(struct store *s);

/* store_schema_version - the schema version this build writes (both databases) */
int store_schema_version(void);

#endif
