/* src/fleet/fleet_round.c - rounds, claims and leases of the monitor (one SQL text for both databases) */
#include "fleet/fleet_impl.h"
#include "reports/learn.h"
#include "store/store.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/*
 * A domain is due when it is in no open round, was not yet checked in the
 * round at hand (last_round), and its shortest interval over its workspaces
 * has passed since its last check (or it was never checked).  Parameters:
 * the round at hand (0 for none), then now; DUE_ALL leaves out the interval.
 */
#define DUE_FROM \
	"SELECT m.domain FROM monitored m JOIN workspace_domains w ON w.domain = m.domain " \
	"WHERE m.round IS NULL AND (m.last_round IS NULL OR m.last_round <> ?) " \
	"GROUP BY m.domain, m.last_checked "
#define DUE_SQL		DUE_FROM "HAVING m.last_checked IS NULL OR m.last_checked + MIN(w.interval_s) <= ?"
#define DUE_ALL_SQL	DUE_FROM "HAVING COUNT(*) > ?"

/* bind_due - the parameters of DUE_SQL / DUE_ALL_SQL from index i */
static void
bind_due(struct db_stmt *st, int i, bool all, int64_t round, int64_t now)
{
	db_bind_int(st, i, round);
	db_bind_int(st, i + 1, all ? 0 : now);
}

/* one_int - the first column of the one row sql gives (0 for none or NULL) */
static enum ms_status
one_int(struct fleet *f, struct db_stmt *st, const char *what, int64_t *out)
{
	enum db_step r;

	*out = 0;
	if ((r = db_step(st)) == DB_ROW) {
		*out = db_column_int(st, 0);
		r = db_step(st);
		if (r == DB_ROW) {
			db_reset(st);
			r = DB_DONE;
		}
	}
	db_finalize(st);
	return r == DB_ERROR ? fleet_fail(f, what) : MS_OK;
}

/* close_finished - mark every open round with nothing left in it finished at now */
static enum ms_status
close_finished(struct fleet *f, int64_t now)
{
	struct db_stmt *st;

	if (fleet_prep(f, "UPDATE rounds SET finished_at = ? WHERE finished_at IS NULL AND NOT EXISTS "
	    "(SELECT 1 FROM monitored m WHERE m.round = rounds.id)", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_int(st, 1, now);
	return fleet_run(f, st, "close rounds", NULL);
}

enum ms_status
fleet_round_begin(struct fleet *f, bool all, int64_t now, int64_t *round, uint64_t *marked)
{
	struct db_stmt *st;
	int64_t r = 0, due = 0;
	uint64_t ch = 0;
	bool ok = false;
	char *sql;

	*round = 0;
	*marked = 0;
	if (f->tx)
		return fleet_say(f, MS_ERR_ARG, "fleet_round_begin inside a transaction");
	if (fleet_tx_start(f) != MS_OK)
		return MS_ERR_IO;
	/* SQLite holds its write lock already; PostgreSQL: one round opener at a time */
	if (db_dialect(f->db) == DB_POSTGRESQL &&
	    db_exec(f->db, "LOCK TABLE rounds IN SHARE ROW EXCLUSIVE MODE") != MS_OK) {
		MS_IGNORE(fleet_fail(f, "lock rounds"));	/* always MS_ERR_IO: the error is kept in f */
		goto out;
	}
	if (close_finished(f, now) != MS_OK)
		goto out;
	if (fleet_prep(f, "SELECT id FROM rounds WHERE finished_at IS NULL ORDER BY id LIMIT 1",
	    &st) != MS_OK || one_int(f, st, "open round", &r) != MS_OK)
		goto out;
	if (r == 0) {
		sql = xasprintf("SELECT COUNT(*) FROM (%s) due", all ? DUE_ALL_SQL : DUE_SQL);
		if (fleet_prep(f, sql, &st) != MS_OK) {
			free(sql);
			goto out;
		}
		free(sql);
		bind_due(st, 1, all, 0, now);
		if (one_int(f, st, "count due", &due) != MS_OK)
			goto out;
		if (due == 0) {
			ok = true;
			goto out;
		}
		if (fleet_prep(f, "INSERT INTO rounds (started_at, domains) VALUES (?, 0) RETURNING id",
		    &st) != MS_OK)
			goto out;
		db_bind_int(st, 1, now);
		if (one_int(f, st, "new round", &r) != MS_OK)
			goto out;
	}
	sql = xasprintf("UPDATE monitored SET round = ?, lease_owner = NULL, lease_until = NULL "
	    "WHERE domain IN (%s)", all ? DUE_ALL_SQL : DUE_SQL);
	if (fleet_prep(f, sql, &st) != MS_OK) {
		free(sql);
		goto out;
	}
	free(sql);
	db_bind_int(st, 1, r);
	bind_due(st, 2, all, r, now);
	if (fleet_run(f, st, "mark due domains", &ch) != MS_OK)
		goto out;
	if (fleet_prep(f, "UPDATE rounds SET domains = domains + ? WHERE id = ?", &st) != MS_OK)
		goto out;
	db_bind_int(st, 1, (int64_t)ch);
	db_bind_int(st, 2, r);
	if (fleet_run(f, st, "count round", NULL) != MS_OK)
		goto out;
	*round = r;
	*marked = ch;
	ok = true;
out:
	return fleet_tx_end(f, ok);
}

/* split_list - "a,b" as a NULL-terminated vector, or NULL when empty */
static char **
split_list(const char *s)
{
	size_t n;
	char **v;

	if (s == NULL || *s == '\0')
		return NULL;
	v = str_split(s, ',', &n);
	return v;
}

/* merge_list - add the items of "a,b" that *v lacks */
static void
merge_list(char ***v, const char *s)
{
	char **add = split_list(s);
	size_t n = 0;

	while (*v && (*v)[n])
		n++;
	for (char **a = add; a && *a; a++) {
		bool have = false;

		for (size_t i = 0; i < n && !have; i++)
			have = strcmp((*v)[i], *a) == 0;
		if (have || **a == '\0')
			continue;
		*v = xreallocarray(*v, n + 2, sizeof(**v));
		(*v)[n++] = xstrdup(*a);
		(*v)[n] = NULL;
	}
	strv_free(add);
}

/*
 * load_settings - the union of c's workspaces' settings (orphan when none
 * holds it), and the DKIM selectors its DMARC reports saw up to now
 */
static enum ms_status
load_settings(struct fleet *f, struct fleet_claim *c, int64_t now)
{
	struct db_stmt *st;
	enum db_step r;
	size_t n = 0;

	if (fleet_prep(f, "SELECT profile, parked, selectors, sending_hosts, interval_s, workspace FROM "
	    "workspace_domains WHERE domain = ? ORDER BY workspace", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_text(st, 1, c->domain);
	c->parked = true;
	while ((r = db_step(st)) == DB_ROW) {
		const char *profile = db_column_text(st, 0);
		int64_t iv = db_column_int(st, 4);

		c->members = xreallocarray(c->members, n + 1, sizeof(*c->members));
		c->members[n].workspace = db_column_int(st, 5);
		c->members[n].profile = xstrdup(profile ? profile : "generic");
		c->nmembers = n + 1;
		if (n == 0)
			c->profile = xstrdup(profile ? profile : "generic");
		else if (profile == NULL || strcmp(c->profile, profile) != 0) {
			free(c->profile);
			c->profile = xstrdup("generic");
		}
		c->parked = c->parked && db_column_int(st, 1) != 0;
		merge_list(&c->selectors, db_column_text(st, 2));
		merge_list(&c->sending_hosts, db_column_text(st, 3));
		if (n == 0 || iv < c->interval)
			c->interval = iv;
		n++;
	}
	db_finalize(st);
	if (r == DB_ERROR)
		return fleet_fail(f, "domain settings");
	if (n == 0) {
		c->orphan = true;
		c->parked = false;
		c->profile = xstrdup("generic");
		return MS_OK;
	}
	if (learn_selector_names(f->store, c->domain, now, &c->report_names) != MS_OK)
		return fleet_say(f, MS_ERR_IO, "report selectors: %s", store_error(f->store));
	return MS_OK;
}

enum ms_status
fleet_claim(struct fleet *f, int64_t round, const char *owner, size_t max, int64_t now,
    int64_t lease, struct fleet_claim **out, size_t *n)
{
	static const struct {
		const char *sqlite, *postgresql;
	} pick = {
		"SELECT domain FROM monitored WHERE round = ? AND (lease_until IS NULL OR "
		"lease_until <= ?) ORDER BY domain LIMIT ?",
		"SELECT domain FROM monitored WHERE round = ? AND (lease_until IS NULL OR "
		"lease_until <= ?) ORDER BY domain LIMIT ? FOR UPDATE SKIP LOCKED",
	};
	struct fleet_claim *v = NULL;
	struct db_stmt *st;
	enum db_step r;
	size_t k = 0;
	bool ok = false;

	*out = NULL;
	*n = 0;
	if (f->tx)
		return fleet_say(f, MS_ERR_ARG, "fleet_claim inside a transaction");
	if (fleet_tx_start(f) != MS_OK)
		return MS_ERR_IO;
	if (fleet_prep(f, db_dialect(f->db) == DB_SQLITE ? pick.sqlite : pick.postgresql,
	    &st) != MS_OK)
		goto out;
	db_bind_int(st, 1, round);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, (int64_t)max);
	while ((r = db_step(st)) == DB_ROW) {
		v = xreallocarray(v, k + 1, sizeof(*v));
		memset(&v[k], 0, sizeof(v[k]));
		v[k].domain = xstrdup(db_column_text(st, 0));
		v[k].round = round;
		k++;
	}
	db_finalize(st);
	if (r == DB_ERROR) {
		MS_IGNORE(fleet_fail(f, "claim"));	/* always MS_ERR_IO: the error is kept in f */
		goto out;
	}
	for (size_t i = 0; i < k; i++) {
		if (fleet_prep(f, "UPDATE monitored SET lease_owner = ?, lease_until = ? WHERE domain = ?",
		    &st) != MS_OK)
			goto out;
		db_bind_text(st, 1, owner);
		db_bind_int(st, 2, now + lease);
		db_bind_text(st, 3, v[i].domain);
		if (fleet_run(f, st, "lease", NULL) != MS_OK)
			goto out;
	}
	for (size_t i = 0; i < k; i++)
		if (load_settings(f, &v[i], now) != MS_OK)
			goto out;
	ok = true;
out:
	if (fleet_tx_end(f, ok) != MS_OK) {
		fleet_claims_free(v, k);
		return MS_ERR_IO;
	}
	*out = v;
	*n = k;
	return MS_OK;
}

void
fleet_claims_free(struct fleet_claim *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].domain);
		free(v[i].profile);
		strv_free(v[i].selectors);
		strv_free(v[i].sending_hosts);
		strv_free(v[i].report_names);
		fleet_members_free(v[i].members, v[i].nmembers);
	}
	free(v);
}

void
fleet_members_free(struct fleet_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].profile);
	free(m);
}

enum ms_status
fleet_put_grade(struct fleet *f, const struct fleet_grade *g)
{
	struct db_stmt *st;

	if (fleet_prep(f, "INSERT INTO workspace_grades (workspace, domain, round, profile, grade, "
	    "n_error, n_warning, n_unknown) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (workspace, domain, round) DO NOTHING", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_int(st, 1, g->workspace);
	db_bind_text(st, 2, g->domain);
	db_bind_int(st, 3, g->round);
	db_bind_text(st, 4, g->profile);
	db_bind_text(st, 5, g->grade);
	db_bind_int(st, 6, (int64_t)g->error);
	db_bind_int(st, 7, (int64_t)g->warning);
	db_bind_int(st, 8, (int64_t)g->unknown);
	return fleet_run(f, st, "workspace grade", NULL);
}

enum ms_status
fleet_heartbeat(struct fleet *f, const char *owner, int64_t now, int64_t lease, uint64_t *n)
{
	struct db_stmt *st;

	*n = 0;
	if (fleet_prep(f, "UPDATE monitored SET lease_until = ? WHERE lease_owner = ? AND "
	    "round IS NOT NULL", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_int(st, 1, now + lease);
	db_bind_text(st, 2, owner);
	return fleet_run(f, st, "heartbeat", n);
}

enum ms_status
fleet_complete(struct fleet *f, const char *domain, int64_t round, int64_t now)
{
	struct db_stmt *st;
	bool ok = false;

	if (fleet_tx_start(f) != MS_OK)
		return MS_ERR_IO;
	if (fleet_prep(f, "UPDATE monitored SET round = NULL, lease_owner = NULL, lease_until = NULL, "
	    "last_checked = ?, last_round = ? WHERE domain = ? AND round = ?", &st) != MS_OK)
		goto out;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, round);
	db_bind_text(st, 3, domain);
	db_bind_int(st, 4, round);
	if (fleet_run(f, st, "complete", NULL) != MS_OK)
		goto out;
	if (fleet_prep(f, "DELETE FROM monitored WHERE domain = ? AND NOT EXISTS (SELECT 1 FROM "
	    "workspace_domains w WHERE w.domain = monitored.domain)", &st) != MS_OK)
		goto out;
	db_bind_text(st, 1, domain);
	ok = fleet_run(f, st, "forget domain", NULL) == MS_OK;
out:
	return fleet_tx_end(f, ok);
}

enum ms_status
fleet_release(struct fleet *f, const char *owner, const char *domain)
{
	struct db_stmt *st;

	if (fleet_prep(f, domain ?
	    "UPDATE monitored SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ? AND "
	    "domain = ?" :
	    "UPDATE monitored SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
	    &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_text(st, 1, owner);
	if (domain)
		db_bind_text(st, 2, domain);
	return fleet_run(f, st, "release", NULL);
}

enum ms_status
fleet_round_state(struct fleet *f, int64_t round, int64_t now, struct fleet_round_state *rs)
{
	struct db_stmt *st;
	enum db_step r;

	memset(rs, 0, sizeof(*rs));
	if (fleet_prep(f, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN lease_until IS NULL OR "
	    "lease_until <= ? THEN 1 ELSE 0 END), 0), MIN(CASE WHEN lease_until > ? THEN lease_until "
	    "END) FROM monitored WHERE round = ?", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, now);
	db_bind_int(st, 3, round);
	if ((r = db_step(st)) == DB_ROW) {
		rs->left = (uint64_t)db_column_int(st, 0);
		rs->claimable = (uint64_t)db_column_int(st, 1);
		rs->lease_end = db_column_int(st, 2);
		r = db_step(st);
	}
	db_finalize(st);
	if (r == DB_ERROR)
		return fleet_fail(f, "round state");
	if (fleet_prep(f, "SELECT domains FROM rounds WHERE id = ?", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_int(st, 1, round);
	{
		int64_t total;

		if (one_int(f, st, "round size", &total) != MS_OK)
			return MS_ERR_IO;
		rs->total = (uint64_t)total;
	}
	if (rs->left == 0) {
		if (fleet_tx_start(f) != MS_OK)
			return MS_ERR_IO;
		if (fleet_tx_end(f, close_finished(f, now) == MS_OK) != MS_OK)
			return MS_ERR_IO;
		rs->finished = true;
	}
	return MS_OK;
}

enum ms_status
fleet_next_due(struct fleet *f, int64_t *when)
{
	struct db_stmt *st;
	int64_t lease = 0;

	if (fleet_prep(f, "SELECT MIN(due) FROM (SELECT CASE WHEN m.last_checked IS NULL THEN 1 "
	    "ELSE m.last_checked + MIN(w.interval_s) END AS due FROM monitored m JOIN "
	    "workspace_domains w ON w.domain = m.domain WHERE m.round IS NULL "
	    "GROUP BY m.domain, m.last_checked) x", &st) != MS_OK ||
	    one_int(f, st, "next due", when) != MS_OK)
		return MS_ERR_IO;
	/* a round another worker holds: look again when its first lease could have ended */
	if (fleet_prep(f, "SELECT MIN(COALESCE(lease_until, 1)) FROM monitored WHERE round IS NOT NULL",
	    &st) != MS_OK || one_int(f, st, "leases", &lease) != MS_OK)
		return MS_ERR_IO;
	if (lease > 0 && (*when == 0 || lease < *when))
		*when = lease;
	return MS_OK;
}
