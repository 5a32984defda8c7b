/* src/fleet/fleet.h - workspaces of monitored domains, and the monitor's rounds and leases */
#ifndef MS_FLEET_FLEET_H
#define MS_FLEET_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/*
 * The fleet is what `mailsec monitor` watches (docs/monitor.md): workspaces
 * (an organisation each) holding domains with their settings, and the state
 * of the rounds that check them, kept in the one database of store/ (SQLite
 * or PostgreSQL, the same SQL through db/).
 *
 * A domain may belong to several workspaces: the table `monitored` holds it
 * once (who added it first and when, when it was last checked, the round it
 * is due in, its lease), `workspace_domains` once per workspace with that
 * workspace's settings.  It is checked once per round with the union of the
 * workspaces' DKIM selectors and sending hosts and the shortest interval.
 *
 * A round is one claim generation.  fleet_round_begin() opens one (or joins
 * the one open) and marks the due domains with its number, under the write
 * lock (SQLite) or a table lock (PostgreSQL), so two workers never open two.
 * Workers claim marked domains in batches under a lease (fleet_claim:
 * PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite's write lock lets one claim at
 * a time), extend it while they work (fleet_heartbeat), and after storing a
 * result take the domain out of the round (fleet_complete).  A worker that
 * dies leaves its leases to expire; its domains are claimed again in the
 * same round, and the store's key on (domain, round) refuses a second result.
 *
 * Every call is synchronous (one statement at a time on the handle) and
 * returns an ms_status; on failure fleet_error() says why.  Strings passed
 * in are borrowed for the call; what is handed to callbacks is borrowed for
 * the callback.  Times are epoch seconds from the caller, so one clock
 * (the workers' own: keep the machines' clocks in sync) decides leases.
 */

struct fleet;
struct store;
struct store_check;

#define FLEET_INTERVAL_DEFAULT	86400	/* a domain's check interval unless set: 24 h */
#define FLEET_INTERVAL_MIN	1
#define FLEET_INTERVAL_MAX	(366 * 86400)
#define FLEET_NAME_MAX		64	/* a workspace name: letters, digits, '-', '_', '.' */
#define FLEET_LIST_MAX		1024	/* bytes of a selector or sending-host list */

/*
 * fleet_open - open (creating and migrating as store_open does) the fleet in
 * the database at where.  On failure *out is NULL and why says why.  Close
 * with fleet_close.
 */
MS_MUST_CHECK enum ms_status fleet_open(const char *where, struct fleet **out, char *why, size_t whylen);
/* fleet_close - close f and its store (NULL is fine); an open transaction is rolled back */
void fleet_close(struct fleet *f);
/* fleet_error - why the last call failed (borrowed from f) */
const char *fleet_error(const struct fleet *f);
/* fleet_store - the store under f, for results (borrowed; not to be closed) */
struct store *fleet_store(struct fleet *f);
/*
 * fleet_db_waits - the round trips to the database server so far and the
 * seconds spent waiting for its answers (db_waits; 0 on SQLite)
 */
void fleet_db_waits(const struct fleet *f, uint64_t *round_trips, double *secs);

/* fleet_name_ok - a workspace name: 1 to FLEET_NAME_MAX of letters, digits, '-', '_', '.' */
bool fleet_name_ok(const char *name);
/*
 * fleet_interval_parse - "3600", "90s", "30m", "12h", "7d" as seconds within
 * FLEET_INTERVAL_MIN..FLEET_INTERVAL_MAX; false if not
 */
bool fleet_interval_parse(const char *s, int64_t *out);
/*
 * fleet_list_norm - a selector or sending-host list given with ',', ';' or
 * blanks between items, as the comma-separated form kept (sorted, each once,
 * lower-case).  Selectors must be DNS labels, hosts names or IP addresses
 * (letters, digits, '-', '_', '.', ':').  Returns NULL and sets *why on a
 * bad item or a list over FLEET_LIST_MAX; caller frees.
 */
char *fleet_list_norm(const char *in, const char **why);

/* Workspaces. */
struct fleet_workspace_info {
	const char *name;
	int64_t created_at;
	uint64_t domains;
};
typedef void (*fleet_workspace_cb)(void *arg, const struct fleet_workspace_info *w);

/* fleet_workspace_add - create workspace name (checked with fleet_name_ok); *existed if it was there */
MS_MUST_CHECK enum ms_status fleet_workspace_add(struct fleet *f, const char *name, int64_t now, bool *existed);
/*
 * fleet_workspace_remove - delete workspace name and its domain settings,
 * atomically; domains no workspace holds any more stop being monitored
 * (their stored results stay).  *found false if there was no such workspace.
 */
MS_MUST_CHECK enum ms_status fleet_workspace_remove(struct fleet *f, const char *name, bool *found);
/* fleet_workspace_each - every workspace, by name */
MS_MUST_CHECK enum ms_status fleet_workspace_each(struct fleet *f, fleet_workspace_cb cb, void *arg);

/* One workspace's settings for a domain; strings borrowed (NULL: the default). */
struct fleet_settings {
	const char *profile;		/* a profile name or file; NULL: "generic" */
	bool parked;
	const char *selectors;		/* fleet_list_norm form, or NULL/"" */
	const char *sending_hosts;	/* fleet_list_norm form, or NULL/"" */
	int64_t interval;		/* seconds; 0: FLEET_INTERVAL_DEFAULT */
};

/* One domain of a workspace, as listed (strings borrowed for the callback). */
struct fleet_domain_info {
	const char *workspace, *domain;
	struct fleet_settings set;
	int64_t added_at;		/* when this workspace added it */
	const char *added_by;		/* the workspace that added it first */
	int64_t first_added_at;
	int64_t last_checked;		/* 0: never */
	int64_t last_round;		/* 0: never */
	const char *last_grade;		/* this workspace's grade of that result, or NULL */
};
typedef void (*fleet_domain_cb)(void *arg, const struct fleet_domain_info *d);

enum fleet_add { FLEET_ADDED, FLEET_UPDATED };

/*
 * fleet_domain_add - put domain (normalised by the caller) in workspace with
 * settings s, or replace its settings there (*res says which).  MS_ERR_NOTFOUND:
 * no such workspace.  Inside fleet_begin()..fleet_commit() it joins that
 * transaction; otherwise it is one of its own.
 */
MS_MUST_CHECK enum ms_status fleet_domain_add(struct fleet *f, const char *workspace, const char *domain,
    const struct fleet_settings *s, int64_t now, enum fleet_add *res);
/*
 * fleet_domain_remove - take domain out of workspace; when no workspace
 * holds it any more it stops being monitored.  *found false if it was not
 * there.  MS_ERR_NOTFOUND: no such workspace.
 */
MS_MUST_CHECK enum ms_status fleet_domain_remove(struct fleet *f, const char *workspace, const char *domain,
    bool *found);
/*
 * fleet_domain_each - the domains of workspace (NULL: of every workspace), by
 * workspace and name, to cb once the query is done: cb may call the fleet and
 * its store (store_last_check ...).  On a database error cb is not called.
 */
MS_MUST_CHECK enum ms_status fleet_domain_each(struct fleet *f, const char *workspace, fleet_domain_cb cb,
    void *arg);

/*
 * The fleet overview (fleet_overview.c): one workspace's domains with their
 * latest whole check summed up (the store's domain_latest), filtered, sorted
 * and cut into pages by the database, never by walking every domain in C.
 */
enum fleet_overview_sort { FLEET_SORT_NAME, FLEET_SORT_GRADE, FLEET_SORT_ERRORS, FLEET_SORT_CHECKED };

struct fleet_overview_query {
	const char *workspace;		/* required: only its domains are read */
	const char *q;			/* a part of the name, any case, or NULL */
	const char *area, *severity;	/* a finding of that area / severity, or NULL */
	const char *grade;		/* the grade's first letter, or NULL */
	const char *finding;		/* a finding whose id starts so, or NULL */
	enum fleet_overview_sort sort;	/* ties by name; grade worst first, errors most first, checked oldest first */
	uint64_t offset, limit;		/* the rows wanted; limit 0: all from offset */
};

/* One row of the overview (strings borrowed for the callback). */
struct fleet_overview_row {
	const char *domain;
	int64_t last_checked;		/* 0: never */
	const char *grade;		/* the workspace's grade of the last round, else the check's; NULL: none */
	uint64_t error, warning, info, pass, unknown;	/* of the latest whole check (0: none) */
	const char *areas;		/* its grade per area, {area: grade} as JSON text, or NULL */
};
typedef void (*fleet_overview_cb)(void *arg, const struct fleet_overview_row *r);

/* fleet_overview_count - *total domains of q's workspace, *shown of them passing q's filters */
MS_MUST_CHECK enum ms_status fleet_overview_count(struct fleet *f, const struct fleet_overview_query *q,
    uint64_t *total, uint64_t *shown);
/* fleet_overview_each - the rows passing q's filters in q's order, q's page of them, to cb */
MS_MUST_CHECK enum ms_status fleet_overview_each(struct fleet *f, const struct fleet_overview_query *q,
    fleet_overview_cb cb, void *arg);
/*
 * fleet_domain_page - up to limit domains of workspace named after `after`
 * (byte order; NULL: from the first), by name, to cb; *more when there are
 * others after them
 */
MS_MUST_CHECK enum ms_status fleet_domain_page(struct fleet *f, const char *workspace, const char *after,
    uint64_t limit, fleet_domain_cb cb, void *arg, bool *more);

/*
 * fleet_begin - one transaction for several calls: fleet_domain_add
 * (domains import), or the monitor's batch of finished domains (their
 * results stored through fleet_store, their grades, fleet_complete,
 * fleet_release, and fleet_claim: on PostgreSQL its leases are row locks
 * others skip until the commit), kept whole or not at all by fleet_commit.
 * fleet_round_begin refuses to run inside it.  On SQLite it holds the write
 * lock until fleet_commit or fleet_rollback.  Inside it those calls have no
 * savepoint of their own (a round trip less each): one that fails may leave
 * part of itself done, and on PostgreSQL the transaction refuses every
 * statement after a failed one.  The caller either rolls back, or marks each
 * unit of its work (fleet_mark) and undoes the unit that failed
 * (fleet_undo_mark).
 */
MS_MUST_CHECK enum ms_status fleet_begin(struct fleet *f);
/* fleet_commit - keep what was done since fleet_begin; on failure nothing of it is kept */
MS_MUST_CHECK enum ms_status fleet_commit(struct fleet *f);
/* fleet_rollback - undo what was done since fleet_begin (nothing open: nothing done) */
void fleet_rollback(struct fleet *f);
/*
 * fleet_mark - inside fleet_begin, a point to come back to (a savepoint
 * named fleet_mark_name()); marks nest, fleet_undo_mark undoes what was
 * done in the database since the latest (the grades waiting for the commit
 * are the caller's to drop: fleet_drop_grades)
 */
MS_MUST_CHECK enum ms_status fleet_mark(struct fleet *f);
/* fleet_undo_mark - undo what was done since the latest fleet_mark, and forget that mark */
MS_MUST_CHECK enum ms_status fleet_undo_mark(struct fleet *f);
/*
 * fleet_mark_name - the savepoint fleet_mark sets (static text): a statement
 * sent without waiting (store_put_history_send) rolls back to it when it fails
 */
const char *fleet_mark_name(void);
/*
 * fleet_async_fd - the socket to watch while statements sent without
 * waiting on f's connection (db.h's db_send, through the store) are not
 * answered (-1: none, SQLite); f borrowed
 */
int fleet_async_fd(const struct fleet *f);
/* fleet_async_pump - read and deliver their answers (wait: every one sent; db_async_pump); f borrowed */
void fleet_async_pump(struct fleet *f, bool wait);
/* fleet_async_pending - how many are not delivered yet (f borrowed) */
size_t fleet_async_pending(const struct fleet *f);
/* fleet_async_notify - db_async_notify on f's connection (fn must not call into f) */
void fleet_async_notify(struct fleet *f, void (*fn)(void *arg), void *arg);
/* fleet_in_tx - between fleet_begin and fleet_commit / fleet_rollback */
bool fleet_in_tx(const struct fleet *f);

/* Rounds, claims and leases. */

/*
 * fleet_round_begin - close finished rounds, then mark the due domains (all
 * not yet checked in it, with all) for the open round, or for a new one if
 * none is open and something is due.  *round is that round (0: none open and
 * nothing due), *marked how many domains this call added to it.
 */
MS_MUST_CHECK enum ms_status fleet_round_begin(struct fleet *f, bool all, int64_t now, int64_t *round,
    uint64_t *marked);

/* One workspace holding a claimed domain, and the profile it judges it under. */
struct fleet_member {
	int64_t workspace;
	char *profile;
};

/* A claimed domain and the settings it is checked with (owned by the claim). */
struct fleet_claim {
	char *domain;
	int64_t round;
	char *profile;		/* the workspaces' one profile; "generic" when they differ */
	bool parked;		/* every workspace says parked */
	char **selectors;	/* the union, NULL-terminated or NULL */
	char **sending_hosts;	/* the union, NULL-terminated or NULL */
	char **report_names;	/* selectors seen in its DMARC reports (reports/learn.h), or NULL */
	int64_t interval;	/* the shortest */
	bool orphan;		/* no workspace holds it any more: complete it unchecked */
	int64_t full_scan_at;	/* its last full DKIM scan (0: never) */
	char **dkim_known;	/* the selectors that scan found keys at ("*": a wildcard), or NULL */
	struct fleet_member *members;	/* the workspaces holding it, each with its profile */
	size_t nmembers;
	/*
	 * What the put may skip asking for this domain, read with the batch's
	 * settings (one query for all): false is "none when it was claimed";
	 * one added meanwhile is seen by the next round.
	 */
	bool proof_pending;	/* an ownership proof of it is waiting (docs/serve.md) */
	bool notify_targets;	/* a workspace holding it has notification targets (docs/notify.md) */
	bool report_sources;	/* DMARC reports name it as their policy domain (reverse names) */
	/*
	 * Its latest whole stored check when it was claimed (prev_read; NULL:
	 * none), read for the whole batch in one statement: the put diffs
	 * against it (history_check.prev) instead of reading it again.  Owned
	 * by the claim (store_check_free).
	 */
	bool prev_read;
	struct store_check *prev;
};

/*
 * fleet_claim - lease up to max domains of round that nobody holds (or
 * whose lease ended before now) to owner until now + lease, and load their
 * settings: one statement each, whatever max.  Inside fleet_begin it is part
 * of that transaction.  *out (caller frees with fleet_claims_free) holds *n claims,
 * possibly none.
 */
MS_MUST_CHECK enum ms_status fleet_claim(struct fleet *f, int64_t round, const char *owner, size_t max,
    int64_t now, int64_t lease, struct fleet_claim **out, size_t *n);
void fleet_claims_free(struct fleet_claim *v, size_t n);
/* fleet_members_free - free a claim's member list (the claim's owner does, with the claim) */
void fleet_members_free(struct fleet_member *m, size_t n);

/* fleet_heartbeat - extend every lease owner holds to now + lease; *n how many */
MS_MUST_CHECK enum ms_status fleet_heartbeat(struct fleet *f, const char *owner, int64_t now, int64_t lease,
    uint64_t *n);

/*
 * fleet_complete - domain's result for round is stored: take it out of the
 * round, whoever holds it now, and record when it was checked.  A domain no
 * workspace holds any more stops being monitored.
 */
MS_MUST_CHECK enum ms_status fleet_complete(struct fleet *f, const char *domain, int64_t round, int64_t now);

/*
 * fleet_full_scan_many - domains[i]'s DKIM selectors were fully scanned at
 * now and keys found at known[i] (comma-separated, "*" for a wildcard;
 * NULL or "": none), for i < n, in one statement whatever n: the narrowed
 * rounds until the next full scan ask those.  Everything borrowed.
 */
MS_MUST_CHECK enum ms_status fleet_full_scan_many(struct fleet *f, const char *const *domains,
    const char *const *known, size_t n, int64_t now);

/*
 * fleet_complete_many - fleet_complete of n domains (the array and its
 * names borrowed) of one round in two statements, whatever n: the monitor's
 * commit batch.  Inside fleet_begin it joins that transaction (a failure
 * leaves it to be rolled back); otherwise it is one of its own.
 */
MS_MUST_CHECK enum ms_status fleet_complete_many(struct fleet *f, const char *const *domains, size_t n,
    int64_t round, int64_t now);

/* fleet_release - give up owner's lease on domain (NULL: on every domain owner holds) */
MS_MUST_CHECK enum ms_status fleet_release(struct fleet *f, const char *owner, const char *domain);

/* One workspace's verdict on a domain's result for a round, under its own profile. */
struct fleet_grade {
	int64_t workspace;
	const char *domain, *profile, *grade;
	int64_t round;
	uint64_t error, warning, unknown;
};

/*
 * fleet_put_grade - keep g (a second one for the same workspace, domain and
 * round is ignored; g is copied).  Inside fleet_begin it waits for
 * fleet_commit, which inserts the batch's grades in one statement
 * (fleet_drop_grades drops a domain's; a failed insert fails the commit);
 * outside, one statement now.
 */
MS_MUST_CHECK enum ms_status fleet_put_grade(struct fleet *f, const struct fleet_grade *g);
/* fleet_drop_grades - forget the grades of domain (borrowed) in round waiting for the commit */
void fleet_drop_grades(struct fleet *f, const char *domain, int64_t round);

/* Where a round stands. */
struct fleet_round_state {
	uint64_t total;		/* domains marked for it in all */
	uint64_t left;		/* still in it */
	uint64_t claimable;	/* of those, nobody holds them (or the lease ended) */
	int64_t lease_end;	/* the earliest lease of the others to end (0: none) */
	bool finished;
};

/* fleet_round_state - round's state at now; closes it (finished) when nothing is left */
MS_MUST_CHECK enum ms_status fleet_round_state(struct fleet *f, int64_t round, int64_t now,
    struct fleet_round_state *st);

/*
 * fleet_next_due - when to look again: the next domain not in a round falls
 * due, or the first lease of an open round could end (a dead worker's
 * domains to reclaim); 0 when nothing is registered
 */
MS_MUST_CHECK enum ms_status fleet_next_due(struct fleet *f, int64_t *when);

/* For the service (mailsec serve, fleet_due.c). */

/*
 * fleet_domain_in - whether workspace holds domain (both borrowed) into
 * *yes; a workspace that does not exist holds nothing
 */
MS_MUST_CHECK enum ms_status fleet_domain_in(struct fleet *f, const char *workspace, const char *domain,
    bool *yes);
/*
 * fleet_check_now - "check now": domain (borrowed) is due at once (its
 * schedule forgets its last check; history keeps it).  One already in a
 * round stays there.  *found false when nobody monitors domain.  A running
 * worker notices at its next look (fleet_worker_poke wakes one at once).
 */
MS_MUST_CHECK enum ms_status fleet_check_now(struct fleet *f, const char *domain, bool *found);

/* Where a domain's check stands. */
struct fleet_check_state {
	bool found;		/* monitored at all */
	int64_t round;		/* the round it is marked for (0: none: not queued) */
	bool running;		/* a worker holds it under a live lease */
	int64_t last_checked;	/* 0: never, or "check now" asked since */
	int64_t last_round;
};

/* fleet_check_state - domain's (borrowed) state at now into the caller's *out */
MS_MUST_CHECK enum ms_status fleet_check_state(struct fleet *f, const char *domain, int64_t now,
    struct fleet_check_state *out);

#endif
