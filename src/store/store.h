/* src/store/store.h - report storage behind an interface (SQLite and PostgreSQL) */
#ifndef MS_STORE_STORE_H
#define MS_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/report.h"
#include "util/status.h"

/*
 * A storage backend is a struct of function pointers (OpenSMTPD's
 * table_backend): the SQLite one (store_sqlite.c) for a user's machine, the
 * PostgreSQL one (store_pg.c) for fleet scanning.  Both keep the same tables,
 * filled by the engine-independent helpers of store_rows.h.
 *
 * Contract for every backend:
 * - put_* store a report with all its rows atomically and idempotently: the
 *   key is (kind, reporter org, report id, policy domain); a second put of
 *   the same key stores nothing and says STORE_DUPLICATE.
 * - Between begin() and commit() puts are one transaction; a crash (kill -9)
 *   loses the uncommitted ones and nothing else; a rerun stores them.
 * - Strings passed in are borrowed; items handed to each_* callbacks are
 *   borrowed for the call.
 * - put_check stores one domain's check result with its findings whole or
 *   not at all (a savepoint of its own), keyed by (run id, domain): a second
 *   put of the same key stores nothing and says STORE_DUPLICATE.
 * - On failure the status says what and errmsg() why.
 */
enum store_put { STORE_INSERTED = 0, STORE_DUPLICATE };

/* One DMARC aggregate row with what the summary needs from its report. */
struct store_dmarc_item {
	int64_t report;			/* the backend's report key */
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
	int64_t policy;			/* the backend's policy key (one summary per policy) */
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

/* One finding of a stored check (strings borrowed). */
struct store_check_finding {
	const char *id, *severity, *subject, *message;
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
};

struct store_counts {
	uint64_t dmarc_reports, tlsrpt_reports, failure_reports, rejected;
};

struct store;

typedef void (*store_dmarc_cb)(void *arg, const struct store_dmarc_item *it);
typedef void (*store_tlsrpt_cb)(void *arg, const struct store_tlsrpt_item *it);
typedef void (*store_rejected_cb)(void *arg, const struct store_rejected_item *it);
/* a stored check with all its findings; borrowed for the call */
typedef void (*store_check_cb)(void *arg, const struct store_check *c);

struct store_ops {
	const char *name;
	enum ms_status (*begin)(struct store *s);
	enum ms_status (*commit)(struct store *s);
	void (*rollback)(struct store *s);
	enum ms_status (*put_dmarc)(struct store *s, const struct dmarc_report *r,
	    const char *origin, enum store_put *res);
	enum ms_status (*put_tlsrpt)(struct store *s, const struct tlsrpt_report *r,
	    const char *origin, enum store_put *res);
	enum ms_status (*put_failure)(struct store *s, const struct failure_report *r,
	    const char *origin, enum store_put *res);
	/* put_rejected - quarantine a report that failed to parse, keyed by its SHA-256 */
	enum ms_status (*put_rejected)(struct store *s, const char *origin, const char *why,
	    const char *raw, size_t len, enum store_put *res);
	/* purge - delete reports whose period ended before cutoff (epoch seconds) */
	enum ms_status (*purge)(struct store *s, int64_t cutoff, uint64_t *removed);
	/* each_dmarc - rows of domain's aggregate reports whose period ends at or after since */
	enum ms_status (*each_dmarc)(struct store *s, const char *domain, int64_t since,
	    store_dmarc_cb cb, void *arg);
	enum ms_status (*each_tlsrpt)(struct store *s, const char *domain, int64_t since,
	    store_tlsrpt_cb cb, void *arg);
	/* count_failures - failure reports about domain dated at or after since */
	enum ms_status (*count_failures)(struct store *s, const char *domain, int64_t since,
	    uint64_t *n);
	enum ms_status (*counts)(struct store *s, struct store_counts *c);
	/* each_rejected - the quarantine, oldest first */
	enum ms_status (*each_rejected)(struct store *s, store_rejected_cb cb, void *arg);
	/* put_check - one domain's check result and its findings, atomically (see the contract) */
	enum ms_status (*put_check)(struct store *s, const struct store_check *c,
	    enum store_put *res);
	/* each_check - domain's stored checks made at or after since, oldest first; cb must not use s */
	enum ms_status (*each_check)(struct store *s, const char *domain, int64_t since,
	    store_check_cb cb, void *arg);
	/*
	 * purge_checks - delete the stored checks made before cutoff (epoch
	 * seconds) with their findings, atomically (alone, or within begin()..commit())
	 */
	enum ms_status (*purge_checks)(struct store *s, int64_t cutoff, uint64_t *removed);
	void (*close)(struct store *s);
};

struct store {
	const struct store_ops *ops;
	void *impl;
	char err[256];		/* the last error, for messages */
};

/*
 * store_open - open (creating and migrating as needed) the store at where: a
 * "postgresql://" or "postgres://" URI (libpq's connection URI) for
 * PostgreSQL, anything else a file path for SQLite.  *why (a static
 * message, valid until the next failed open) explains a failure.  Close
 * with s->ops->close(s).
 */
enum ms_status store_open(const char *where, struct store **out, const char **why);

/* store_display - where as it may be shown (a URI's password hidden); caller frees */
char *store_display(const char *where);

/* store_sqlite_open - the SQLite backend (also reached through store_open) */
enum ms_status store_sqlite_open(const char *path, struct store **out, const char **why);

/*
 * store_pg_open - the PostgreSQL backend (also reached through store_open):
 * conninfo as libpq takes it.  The database must exist; the tables are
 * created in it (schema version in table mailsec_schema).
 */
enum ms_status store_pg_open(const char *conninfo, struct store **out, const char **why);

/* store_check_dup - a deep copy of c (for keeping what each_check lends); free with store_check_free */
struct store_check *store_check_dup(const struct store_check *c);
void store_check_free(struct store_check *c);

/* store_schema_version - the schema version this build writes (both backends) */
int store_schema_version(void);

#endif
