/* src/store/store_names.c - reverse names of report source addresses: put, get, which are due (store_names.h) */
#include "store/store_impl.h"
#include "store/store_names.h"

#include <string.h>

/* An upsert both databases know (SQLite 3.24+, PostgreSQL 9.5+). */
#define PUT_SQL \
	"INSERT INTO source_names (ip, name, status, confirmed, resolved_at) VALUES (?, ?, ?, ?, ?)" \
	" ON CONFLICT (ip) DO UPDATE SET name = excluded.name, status = excluded.status," \
	" confirmed = excluded.confirmed, resolved_at = excluded.resolved_at"

/* store_name_put - keep n for its address */
enum ms_status
store_name_put(struct store *s, const struct store_name *n)
{
	struct db_stmt *st;

	if (db_prepare(s->db, PUT_SQL, &st) != MS_OK)
		return store_fail(s, "keep a reverse name");
	db_bind_text(st, 1, n->ip);
	if (n->name)
		db_bind_text(st, 2, n->name);
	else
		db_bind_null(st, 2);
	db_bind_text(st, 3, n->status);
	db_bind_int(st, 4, n->confirmed ? 1 : 0);
	db_bind_int(st, 5, n->resolved_at);
	if (db_run_once(st, NULL) != MS_OK)	/* it finalizes st either way */
		return store_fail(s, "keep a reverse name");
	return MS_OK;
}

/* store_name_get - the row of ip to cb, if any */
enum ms_status
store_name_get(struct store *s, const char *ip, store_name_cb cb, void *arg)
{
	struct db_stmt *st;
	enum db_step r;
	enum ms_status rc = MS_OK;

	if (db_prepare(s->db, "SELECT ip, name, status, confirmed, resolved_at FROM source_names WHERE ip = ?",
	    &st) != MS_OK)
		return store_fail(s, "read a reverse name");
	db_bind_text(st, 1, ip);
	if ((r = db_step(st)) == DB_ROW) {
		struct store_name n;

		n.ip = db_column_text(st, 0);
		n.name = db_column_null(st, 1) ? NULL : db_column_text(st, 1);
		n.status = db_column_text(st, 2);
		n.confirmed = db_column_int(st, 3) != 0;
		n.resolved_at = db_column_int(st, 4);
		cb(arg, &n);
		r = db_step(st);
	}
	if (r != DB_DONE)
		rc = store_fail(s, "read a reverse name");
	db_finalize(st);
	return rc;
}

/* The busiest sources of a domain's aggregate reports, less those whose kept name is still good. */
#define DUE_SQL \
	"SELECT t.ip FROM (SELECT d.source_ip AS ip, SUM(d.count) AS m" \
	"  FROM reports r JOIN dmarc_rows d ON d.report = r.id" \
	"  WHERE r.kind = 'dmarc' AND r.policy_domain = ? AND COALESCE(r.end_ts, r.ingested_at) >= ?" \
	"  AND d.source_ip IS NOT NULL" \
	"  GROUP BY d.source_ip ORDER BY m DESC, d.source_ip LIMIT ?) t" \
	" LEFT JOIN source_names n ON n.ip = t.ip" \
	" WHERE n.ip IS NULL" \
	"  OR (n.status IN ('ok', 'nodata', 'nxdomain') AND n.resolved_at < ?)" \
	"  OR (n.status NOT IN ('ok', 'nodata', 'nxdomain') AND n.resolved_at < ?)" \
	" ORDER BY t.m DESC, t.ip"

/* store_names_due - which of domain's top sources want looking up */
enum ms_status
store_names_due(struct store *s, const char *domain, int64_t since, size_t top, int64_t stale, int64_t retry,
    store_ip_cb cb, void *arg)
{
	struct db_stmt *st;
	enum db_step r;
	enum ms_status rc = MS_OK;

	if (db_prepare(s->db, DUE_SQL, &st) != MS_OK)
		return store_fail(s, "choose the sources to look up");
	db_bind_text(st, 1, domain);
	db_bind_int(st, 2, since);
	db_bind_int(st, 3, (int64_t)top);
	db_bind_int(st, 4, stale);
	db_bind_int(st, 5, retry);
	while ((r = db_step(st)) == DB_ROW)
		if (!db_column_null(st, 0))
			cb(arg, db_column_text(st, 0));
	if (r != DB_DONE)
		rc = store_fail(s, "choose the sources to look up");
	db_finalize(st);
	return rc;
}
