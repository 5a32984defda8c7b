/* src/fleet/fleet_due.c - "check now" and where a domain's check stands, for the service (mailsec serve) */
#include "fleet/fleet_impl.h"

#include <string.h>

/*
 * fleet_domain_in - whether workspace holds domain, into *yes.  A missing
 * workspace is no (the service answers both alike).
 */
enum ms_status
fleet_domain_in(struct fleet *f, const char *workspace, const char *domain, bool *yes)
{
	struct db_stmt *st;
	enum db_step r;

	*yes = false;
	if (fleet_prep(f, "SELECT 1 FROM workspace_domains d JOIN workspaces w ON w.id = d.workspace "
	    "WHERE w.name = ? AND d.domain = ?", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_text(st, 1, workspace);
	db_bind_text(st, 2, domain);
	r = db_step(st);
	*yes = r == DB_ROW;
	db_finalize(st);
	return r == DB_ERROR ? fleet_fail(f, "look up a workspace's domain") : MS_OK;
}

/*
 * fleet_check_now - make domain due at once: it forgets when it was last
 * checked (the history keeps every check; only the schedule forgets), so the
 * next fleet_round_begin marks it, in the open round too.  A domain already
 * in a round is left there (it is queued already).  *found false when
 * nobody monitors domain.
 */
enum ms_status
fleet_check_now(struct fleet *f, const char *domain, bool *found)
{
	struct db_stmt *st;
	enum db_step r;
	uint64_t n = 0;

	*found = false;
	if (fleet_prep(f, "SELECT 1 FROM monitored WHERE domain = ?", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_text(st, 1, domain);
	r = db_step(st);
	db_finalize(st);
	if (r == DB_ERROR)
		return fleet_fail(f, "look up a monitored domain");
	if (r != DB_ROW)
		return MS_OK;
	*found = true;
	if (fleet_prep(f, "UPDATE monitored SET last_checked = NULL, last_round = NULL "
	    "WHERE domain = ? AND round IS NULL", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_text(st, 1, domain);
	return fleet_run(f, st, "make a domain due", &n);
}

/* fleet_check_state - where domain's check stands (see fleet.h) into *out */
enum ms_status
fleet_check_state(struct fleet *f, const char *domain, int64_t now, struct fleet_check_state *out)
{
	struct db_stmt *st;
	enum db_step r;

	memset(out, 0, sizeof(*out));
	if (fleet_prep(f, "SELECT round, lease_owner, lease_until, last_checked, last_round "
	    "FROM monitored WHERE domain = ?", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_text(st, 1, domain);
	if ((r = db_step(st)) == DB_ROW) {
		out->found = true;
		out->round = db_column_null(st, 0) ? 0 : db_column_int(st, 0);
		out->running = out->round && !db_column_null(st, 1) && !db_column_null(st, 2) &&
		    db_column_int(st, 2) > now;
		out->last_checked = db_column_null(st, 3) ? 0 : db_column_int(st, 3);
		out->last_round = db_column_null(st, 4) ? 0 : db_column_int(st, 4);
		r = db_step(st);
		if (r == DB_ROW) {
			db_reset(st);
			r = DB_DONE;
		}
	}
	db_finalize(st);
	return r == DB_ERROR ? fleet_fail(f, "look up a monitored domain") : MS_OK;
}
