/* src/fleet/fleet_round.c - rounds, claims and leases of the monitor (one SQL text for both databases) */
#include "fleet/fleet_impl.h"
#include "reports/learn.h"
#include "store/store.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <jansson.h>
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

/* claim_cmp - claims by domain name (qsort, bsearch) */
static int
claim_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fleet_claim *)a)->domain, ((const struct fleet_claim *)b)->domain);
}

/* add_member - one workspace's settings row (columns from 1 of SETTINGS_SQL) into claim c */
static void
add_member(struct fleet_claim *c, struct db_stmt *st)
{
	const char *profile = db_column_text(st, 1);
	int64_t iv = db_column_int(st, 5);
	size_t n = c->nmembers;

	c->members = xreallocarray(c->members, n + 1, sizeof(*c->members));
	c->members[n].workspace = db_column_int(st, 6);
	c->members[n].profile = xstrdup(profile ? profile : "generic");
	c->nmembers = n + 1;
	if (n == 0) {
		c->profile = xstrdup(profile ? profile : "generic");
		c->parked = true;
	} else if (profile == NULL || strcmp(c->profile, profile) != 0) {
		free(c->profile);
		c->profile = xstrdup("generic");
	}
	c->parked = c->parked && db_column_int(st, 2) != 0;
	merge_list(&c->selectors, db_column_text(st, 3));
	merge_list(&c->sending_hosts, db_column_text(st, 4));
	if (n == 0 || iv < c->interval)
		c->interval = iv;
	if (n == 0) {
		c->full_scan_at = db_column_int(st, 7);
		c->dkim_known = split_list(db_column_text(st, 8));
	}
	c->proof_pending = c->proof_pending || db_column_int(st, 9) != 0;
	c->notify_targets = c->notify_targets || db_column_int(st, 10) != 0;
	c->report_sources = c->report_sources || db_column_int(st, 11) != 0;
}

/*
 * The statements of a claim, each one round trip whatever the batch: lease a
 * batch (the domains it took come back), then the settings of every domain
 * this lease holds, by domain and workspace, with what the put may skip
 * (struct fleet_claim's proof_pending, notify_targets, report_sources: the
 * tables of accounts, notify and reports read by name only, for their
 * existence, so that each is not one query per domain).  A domain leased by the same
 * owner until the same second before (a heartbeat) comes back too: its rows
 * are skipped, as they match no claim of this batch.
 */
static const char CLAIM_SQLITE[] =
	"UPDATE monitored SET lease_owner = ?, lease_until = ? WHERE domain IN (SELECT domain FROM "
	"monitored WHERE round = ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY domain "
	"LIMIT ?) RETURNING domain";
static const char CLAIM_POSTGRESQL[] =
	"UPDATE monitored SET lease_owner = ?, lease_until = ? WHERE domain IN (SELECT domain FROM "
	"monitored WHERE round = ? AND (lease_until IS NULL OR lease_until <= ?) ORDER BY domain "
	"LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING domain";
static const char SETTINGS_SQL[] =
	"SELECT w.domain, w.profile, w.parked, w.selectors, w.sending_hosts, w.interval_s, "
	"w.workspace, m.full_scan_at, m.dkim_known, "
	"CASE WHEN EXISTS (SELECT 1 FROM ownership_proofs p WHERE p.domain = w.domain AND "
	"p.verified_at IS NULL) THEN 1 ELSE 0 END, "
	"CASE WHEN EXISTS (SELECT 1 FROM notify_targets t WHERE t.workspace = w.workspace) THEN 1 ELSE 0 END, "
	"CASE WHEN EXISTS (SELECT 1 FROM reports r WHERE r.policy_domain = w.domain AND r.kind = 'dmarc') "
	"THEN 1 ELSE 0 END FROM workspace_domains w JOIN monitored m ON "
	"m.domain = w.domain WHERE "
	"m.round = ? AND m.lease_owner = ? AND m.lease_until = ? ORDER BY w.domain, w.workspace";

/*
 * learn_names - the DKIM selectors the DMARC reports saw up to now for the
 * claims still held by a workspace (reports/learn.h): one query for all
 */
static enum ms_status
learn_names(struct fleet *f, int64_t now, struct fleet_claim *v, size_t k)
{
	char **doms = xcalloc(k ? k : 1, sizeof(*doms));
	char ***names = xcalloc(k ? k : 1, sizeof(*names));
	size_t n = 0;
	enum ms_status rc = MS_OK;

	for (size_t i = 0; i < k; i++)
		if (!v[i].orphan)
			doms[n++] = v[i].domain;
	if (n && learn_selector_names_many(f->store, doms, n, now, names) != MS_OK)
		rc = fleet_say(f, MS_ERR_IO, "report selectors: %s", store_error(f->store));
	for (size_t i = 0, j = 0; rc == MS_OK && i < k; i++)
		if (!v[i].orphan)
			v[i].report_names = names[j++];
	free(names);
	free(doms);
	return rc;
}

/* The claims prev_keep files each previous result under. */
struct prev_arg {
	struct fleet_claim *v;
	size_t k;
};

/* prev_keep - store_last_checks callback: the check kept by the claim of its domain */
static void
prev_keep(void *arg, const struct store_check *c)
{
	struct prev_arg *p = arg;
	struct fleet_claim key, *hit;

	key.domain = (char *)c->domain;
	if (c->domain == NULL || (hit = bsearch(&key, p->v, p->k, sizeof(*p->v), claim_cmp)) == NULL)
		return;
	store_check_free(hit->prev);
	hit->prev = store_check_dup(c);
}

/*
 * prev_results - the latest whole check of every claim still held by a
 * workspace (fleet_claim.prev): one query for all
 */
static enum ms_status
prev_results(struct fleet *f, struct fleet_claim *v, size_t k)
{
	const char **doms = xcalloc(k ? k : 1, sizeof(*doms));
	struct prev_arg arg = { v, k };
	size_t n = 0;
	enum ms_status rc = MS_OK;

	for (size_t i = 0; i < k; i++)
		if (!v[i].orphan)
			doms[n++] = v[i].domain;
	if (n && store_last_checks(f->store, doms, n, prev_keep, &arg) != MS_OK)
		rc = fleet_say(f, MS_ERR_IO, "previous results: %s", store_error(f->store));
	for (size_t i = 0; rc == MS_OK && i < k; i++)
		v[i].prev_read = !v[i].orphan;
	free(doms);
	return rc;
}

/*
 * load_settings - the union of each claim's workspaces' settings (orphan
 * when none holds it), and the DKIM selectors its DMARC reports saw up to
 * now (learn_names: one query for the batch), and its previous result
 * (prev_results: one query for the batch)
 */
static enum ms_status
load_settings(struct fleet *f, int64_t round, const char *owner, int64_t now, int64_t until,
    struct fleet_claim *v, size_t k)
{
	struct db_stmt *st;
	enum db_step r;

	if (fleet_kept(f, SETTINGS_SQL, &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_int(st, 1, round);
	db_bind_text(st, 2, owner);
	db_bind_int(st, 3, until);
	while ((r = db_step(st)) == DB_ROW) {
		struct fleet_claim key, *c;

		key.domain = (char *)db_column_text(st, 0);
		if (key.domain && (c = bsearch(&key, v, k, sizeof(*v), claim_cmp)) != NULL)
			add_member(c, st);
	}
	db_reset(st);
	if (r == DB_ERROR)
		return fleet_fail(f, "domain settings");
	for (size_t i = 0; i < k; i++)
		if (v[i].nmembers == 0) {
			v[i].orphan = true;
			v[i].parked = false;
			v[i].profile = xstrdup("generic");
		}
	if (learn_names(f, now, v, k) != MS_OK)
		return MS_ERR_IO;
	return prev_results(f, v, k);
}

enum ms_status
fleet_claim(struct fleet *f, int64_t round, const char *owner, size_t max, int64_t now,
    int64_t lease, struct fleet_claim **out, size_t *n)
{
	struct fleet_claim *v = NULL;
	struct db_stmt *st;
	enum db_step r;
	size_t k = 0;
	bool ok = false;

	*out = NULL;
	*n = 0;
	if (fleet_tx_start(f) != MS_OK)
		return MS_ERR_IO;
	if (fleet_kept(f, db_dialect(f->db) == DB_SQLITE ? CLAIM_SQLITE : CLAIM_POSTGRESQL,
	    &st) != MS_OK)
		goto out;
	db_bind_text(st, 1, owner);
	db_bind_int(st, 2, now + lease);
	db_bind_int(st, 3, round);
	db_bind_int(st, 4, now);
	db_bind_int(st, 5, (int64_t)max);
	while ((r = db_step(st)) == DB_ROW) {
		v = xreallocarray(v, k + 1, sizeof(*v));
		memset(&v[k], 0, sizeof(v[k]));
		v[k].domain = xstrdup(db_column_text(st, 0));
		v[k].round = round;
		k++;
	}
	db_reset(st);
	if (r == DB_ERROR) {
		MS_IGNORE(fleet_fail(f, "claim"));	/* always MS_ERR_IO: the error is kept in f */
		goto out;
	}
	/* RETURNING gives no order: by name, as the batch was picked */
	if (k > 1)
		qsort(v, k, sizeof(*v), claim_cmp);
	if (k && load_settings(f, round, owner, now, now + lease, v, k) != MS_OK)
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
		strv_free(v[i].dkim_known);
		fleet_members_free(v[i].members, v[i].nmembers);
		store_check_free(v[i].prev);
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
	static const char sql[] = "INSERT INTO workspace_grades (workspace, domain, round, profile, "
	    "grade, n_error, n_warning, n_unknown) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (workspace, domain, round) DO NOTHING";
	struct db_stmt *st;

	if (f->tx) {
		/* with the batch's others at the commit (fleet_grades_flush) */
		json_t *row = json_pack("[I,s,I,s,s,I,I,I]", (json_int_t)g->workspace, g->domain,
		    (json_int_t)g->round, g->profile, g->grade, (json_int_t)g->error,
		    (json_int_t)g->warning, (json_int_t)g->unknown);

		if (row == NULL)
			return fleet_say(f, MS_ERR_ARG, "workspace grade: a name is not UTF-8");
		if (f->grades == NULL)
			f->grades = json_array();
		if (f->grades == NULL || json_array_append_new(f->grades, row) != 0)
			return fleet_say(f, MS_ERR_NOMEM, "workspace grade: out of memory");
		return MS_OK;
	}
	if (fleet_kept(f, sql, &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_int(st, 1, g->workspace);
	db_bind_text(st, 2, g->domain);
	db_bind_int(st, 3, g->round);
	db_bind_text(st, 4, g->profile);
	db_bind_text(st, 5, g->grade);
	db_bind_int(st, 6, (int64_t)g->error);
	db_bind_int(st, 7, (int64_t)g->warning);
	db_bind_int(st, 8, (int64_t)g->unknown);
	return fleet_run_kept(f, st, "workspace grade", NULL);
}

/* The grades of a commit batch: one statement, the rows as one JSON array parameter. */
static const char GRADES_SQLITE[] = "INSERT INTO workspace_grades (workspace, domain, round, "
    "profile, grade, n_error, n_warning, n_unknown) SELECT json_extract(value, '$[0]'), "
    "json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'), "
    "json_extract(value, '$[4]'), json_extract(value, '$[5]'), json_extract(value, '$[6]'), "
    "json_extract(value, '$[7]') FROM json_each(?) WHERE true "
    "ON CONFLICT (workspace, domain, round) DO NOTHING";
static const char GRADES_POSTGRESQL[] = "INSERT INTO workspace_grades (workspace, domain, round, "
    "profile, grade, n_error, n_warning, n_unknown) SELECT (e->>0)::bigint, e->>1, "
    "(e->>2)::bigint, e->>3, e->>4, (e->>5)::bigint, (e->>6)::bigint, (e->>7)::bigint "
    "FROM jsonb_array_elements(?::jsonb) AS e ON CONFLICT (workspace, domain, round) DO NOTHING";

/* fleet_grades_clear - forget the grades waiting for the commit */
void
fleet_grades_clear(struct fleet *f)
{
	json_decref(f->grades);
	f->grades = NULL;
}

/* fleet_drop_grades - forget the grades of (domain, round) waiting for the commit */
void
fleet_drop_grades(struct fleet *f, const char *domain, int64_t round)
{
	for (size_t i = f->grades ? json_array_size(f->grades) : 0; i-- > 0;) {
		json_t *row = json_array_get(f->grades, i);
		const char *d = json_string_value(json_array_get(row, 1));

		if (d && strcmp(d, domain) == 0 && json_integer_value(json_array_get(row, 2)) == round)
			MS_IGNORE(json_array_remove(f->grades, i) == 0 ? MS_OK : MS_ERR_NOMEM);
	}
}

/* fleet_grades_flush - insert the grades waiting for the commit in one statement, then forget them */
enum ms_status
fleet_grades_flush(struct fleet *f)
{
	struct db_stmt *st;
	char *rows;
	enum ms_status rc;

	if (f->grades == NULL || json_array_size(f->grades) == 0) {
		fleet_grades_clear(f);
		return MS_OK;
	}
	rows = json_dumps(f->grades, JSON_COMPACT);
	fleet_grades_clear(f);
	if (rows == NULL)
		return fleet_say(f, MS_ERR_NOMEM, "workspace grades: out of memory");
	if ((rc = fleet_kept(f, db_dialect(f->db) == DB_SQLITE ? GRADES_SQLITE : GRADES_POSTGRESQL,
	    &st)) == MS_OK) {
		db_bind_text(st, 1, rows);
		rc = fleet_run_kept(f, st, "workspace grades", NULL);
	}
	free(rows);
	return rc;
}

enum ms_status
fleet_heartbeat(struct fleet *f, const char *owner, int64_t now, int64_t lease, uint64_t *n)
{
	static const char sql[] = "UPDATE monitored SET lease_until = ? WHERE lease_owner = ? AND "
	    "round IS NOT NULL";
	struct db_stmt *st;

	*n = 0;
	if (fleet_kept(f, sql, &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_int(st, 1, now + lease);
	db_bind_text(st, 2, owner);
	return fleet_run_kept(f, st, "heartbeat", n);
}

enum ms_status
fleet_complete(struct fleet *f, const char *domain, int64_t round, int64_t now)
{
	static const char done[] = "UPDATE monitored SET round = NULL, lease_owner = NULL, "
	    "lease_until = NULL, last_checked = ?, last_round = ? WHERE domain = ? AND round = ?";
	static const char forget[] = "DELETE FROM monitored WHERE domain = ? AND NOT EXISTS "
	    "(SELECT 1 FROM workspace_domains w WHERE w.domain = monitored.domain)";
	struct db_stmt *st;
	bool ok = false;

	if (fleet_tx_start(f) != MS_OK)
		return MS_ERR_IO;
	if (fleet_kept(f, done, &st) != MS_OK)
		goto out;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, round);
	db_bind_text(st, 3, domain);
	db_bind_int(st, 4, round);
	if (fleet_run_kept(f, st, "complete", NULL) != MS_OK)
		goto out;
	if (fleet_kept(f, forget, &st) != MS_OK)
		goto out;
	db_bind_text(st, 1, domain);
	ok = fleet_run_kept(f, st, "forget domain", NULL) == MS_OK;
out:
	return fleet_tx_end(f, ok);
}

/*
 * The completion of a commit batch, each one statement whatever the batch:
 * the domains come as one parameter, a JSON array of their names.
 */
static const char DONE_MANY_SQLITE[] = "UPDATE monitored SET round = NULL, lease_owner = NULL, "
    "lease_until = NULL, last_checked = ?, last_round = ? WHERE round = ? AND domain IN "
    "(SELECT value FROM json_each(?))";
static const char DONE_MANY_POSTGRESQL[] = "UPDATE monitored SET round = NULL, lease_owner = NULL, "
    "lease_until = NULL, last_checked = ?, last_round = ? WHERE round = ? AND domain IN "
    "(SELECT jsonb_array_elements_text(?::jsonb))";
static const char FORGET_MANY_SQLITE[] = "DELETE FROM monitored WHERE domain IN "
    "(SELECT value FROM json_each(?)) AND NOT EXISTS "
    "(SELECT 1 FROM workspace_domains w WHERE w.domain = monitored.domain)";
static const char FORGET_MANY_POSTGRESQL[] = "DELETE FROM monitored WHERE domain IN "
    "(SELECT jsonb_array_elements_text(?::jsonb)) AND NOT EXISTS "
    "(SELECT 1 FROM workspace_domains w WHERE w.domain = monitored.domain)";

enum ms_status
fleet_complete_many(struct fleet *f, const char *const *domains, size_t n, int64_t round, int64_t now)
{
	bool sqlite = db_dialect(f->db) == DB_SQLITE;
	json_t *a;
	struct db_stmt *st;
	char *list = NULL;
	bool ok = false;

	if (n == 0)
		return MS_OK;
	a = json_array();
	for (size_t i = 0; i < n; i++)
		if (a == NULL || json_array_append_new(a, json_string(domains[i])) != 0) {
			json_decref(a);
			return fleet_say(f, MS_ERR_ARG, "complete: a domain name is not UTF-8");
		}
	list = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (list == NULL)
		return fleet_say(f, MS_ERR_NOMEM, "complete: out of memory");
	if (fleet_tx_start(f) != MS_OK) {
		free(list);
		return MS_ERR_IO;
	}
	if (fleet_kept(f, sqlite ? DONE_MANY_SQLITE : DONE_MANY_POSTGRESQL, &st) != MS_OK)
		goto out;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, round);
	db_bind_int(st, 3, round);
	db_bind_text(st, 4, list);
	if (fleet_run_kept(f, st, "complete", NULL) != MS_OK)
		goto out;
	if (fleet_kept(f, sqlite ? FORGET_MANY_SQLITE : FORGET_MANY_POSTGRESQL, &st) != MS_OK)
		goto out;
	db_bind_text(st, 1, list);
	ok = fleet_run_kept(f, st, "forget domains", NULL) == MS_OK;
out:
	free(list);
	return fleet_tx_end(f, ok);
}

/* the batch's full scans: [[domain, known], ...] as one JSON parameter, one statement whatever n */
static const char FULL_MANY_SQLITE[] = "UPDATE monitored SET full_scan_at = ?, dkim_known = x.k FROM "
    "(SELECT json_extract(value, '$[0]') AS d, json_extract(value, '$[1]') AS k FROM json_each(?)) AS x "
    "WHERE monitored.domain = x.d";
static const char FULL_MANY_POSTGRESQL[] = "UPDATE monitored SET full_scan_at = ?, dkim_known = x.k FROM "
    "(SELECT e.v->>0 AS d, e.v->>1 AS k FROM jsonb_array_elements(CAST(? AS jsonb)) AS e(v)) AS x "
    "WHERE monitored.domain = x.d";

enum ms_status
fleet_full_scan_many(struct fleet *f, const char *const *domains, const char *const *known, size_t n,
    int64_t now)
{
	json_t *a;
	struct db_stmt *st;
	char *list;
	enum ms_status rc;

	if (n == 0)
		return MS_OK;
	a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *pair = json_pack("[s, s?]", domains[i], known[i] && *known[i] ? known[i] : NULL);

		if (a == NULL || pair == NULL || json_array_append_new(a, pair) != 0) {
			json_decref(a);
			return fleet_say(f, MS_ERR_ARG, "full scan: a name is not UTF-8");
		}
	}
	list = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (list == NULL)
		return fleet_say(f, MS_ERR_NOMEM, "full scan: out of memory");
	if (fleet_kept(f, db_dialect(f->db) == DB_SQLITE ? FULL_MANY_SQLITE : FULL_MANY_POSTGRESQL,
	    &st) != MS_OK) {
		free(list);
		return MS_ERR_IO;
	}
	db_bind_int(st, 1, now);
	db_bind_text(st, 2, list);
	rc = fleet_run_kept(f, st, "full scan", NULL);
	free(list);
	return rc;
}

enum ms_status
fleet_release(struct fleet *f, const char *owner, const char *domain)
{
	static const char one[] = "UPDATE monitored SET lease_owner = NULL, lease_until = NULL "
	    "WHERE lease_owner = ? AND domain = ?";
	static const char all[] = "UPDATE monitored SET lease_owner = NULL, lease_until = NULL "
	    "WHERE lease_owner = ?";
	struct db_stmt *st;

	if (fleet_kept(f, domain ? one : all, &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_text(st, 1, owner);
	if (domain)
		db_bind_text(st, 2, domain);
	return fleet_run_kept(f, st, "release", NULL);
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
