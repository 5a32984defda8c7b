/* src/fleet/fleet_impl.h - the fleet's insides, shared by its files (not for callers) */
#ifndef MS_FLEET_FLEET_IMPL_H
#define MS_FLEET_FLEET_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "db/db.h"
#include "fleet/fleet.h"

#define FLEET_KEPT_MAX	24	/* statements prepared once and kept (the monitor's hot ones) */

#define FLEET_MARK	"fleet_mark"	/* fleet_mark's savepoint */

struct fleet {
	struct store *store;	/* owned */
	struct db *db;		/* the store's handle (borrowed from it) */
	bool tx;		/* between fleet_begin() and fleet_commit()/fleet_rollback() */
	struct {
		const char *sql;	/* a string literal of the caller's: its address is the key */
		struct db_stmt *st;
	} kept[FLEET_KEPT_MAX];
	size_t nkept;
	/*
	 * Inside fleet_begin, grades wait here (rows as JSON arrays) and go in
	 * one statement at fleet_commit; fleet_drop_grades drops a domain's.
	 */
	json_t *grades;
	char err[512];
};

/* fleet_grades_clear - forget the grades waiting for the commit */
void fleet_grades_clear(struct fleet *f);
/* fleet_grades_flush - insert the grades waiting (one statement), then forget them */
MS_MUST_CHECK enum ms_status fleet_grades_flush(struct fleet *f);

/* fleet_fail - "what: the database's message" as f's error; MS_ERR_IO */
MS_MUST_CHECK enum ms_status fleet_fail(struct fleet *f, const char *what);
/* fleet_say - printf-style message as f's error; returns st */
MS_MUST_CHECK enum ms_status fleet_say(struct fleet *f, enum ms_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* fleet_prep - db_prepare, saying why on failure */
MS_MUST_CHECK enum ms_status fleet_prep(struct fleet *f, const char *sql, struct db_stmt **st);
/*
 * fleet_kept - sql (a string literal: kept by its address) prepared once on
 * f's handle and kept until fleet_close; *st is borrowed: reset it after use
 * (fleet_run_kept does), never finalize it
 */
MS_MUST_CHECK enum ms_status fleet_kept(struct fleet *f, const char *sql, struct db_stmt **st);
/* fleet_run_kept - step a kept statement without rows to its end and reset it; *changes if wanted */
MS_MUST_CHECK enum ms_status fleet_run_kept(struct fleet *f, struct db_stmt *st, const char *what,
    uint64_t *changes);
/* fleet_run - step a statement without rows to its end and finalize it; *changes if wanted */
MS_MUST_CHECK enum ms_status fleet_run(struct fleet *f, struct db_stmt *st, const char *what, uint64_t *changes);
/* fleet_tx_start / fleet_tx_end - one operation atomically: a transaction, or a savepoint inside fleet_begin's */
MS_MUST_CHECK enum ms_status fleet_tx_start(struct fleet *f);
MS_MUST_CHECK enum ms_status fleet_tx_end(struct fleet *f, bool ok);

#endif
