/* src/fleet/fleet_impl.h - the fleet's insides, shared by its files (not for callers) */
#ifndef MS_FLEET_FLEET_IMPL_H
#define MS_FLEET_FLEET_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "fleet/fleet.h"

struct fleet {
	struct store *store;	/* owned */
	struct db *db;		/* the store's handle (borrowed from it) */
	bool tx;		/* between fleet_begin() and fleet_commit()/fleet_rollback() */
	char err[512];
};

/* fleet_fail - "what: the database's message" as f's error; MS_ERR_IO */
MS_MUST_CHECK enum ms_status fleet_fail(struct fleet *f, const char *what);
/* fleet_say - printf-style message as f's error; returns st */
MS_MUST_CHECK enum ms_status fleet_say(struct fleet *f, enum ms_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* fleet_prep - db_prepare, saying why on failure */
MS_MUST_CHECK enum ms_status fleet_prep(struct fleet *f, const char *sql, struct db_stmt **st);
/* fleet_run - step a statement without rows to its end and finalize it; *changes if wanted */
MS_MUST_CHECK enum ms_status fleet_run(struct fleet *f, struct db_stmt *st, const char *what, uint64_t *changes);
/* fleet_tx_start / fleet_tx_end - one operation atomically: a transaction, or a savepoint inside fleet_begin's */
MS_MUST_CHECK enum ms_status fleet_tx_start(struct fleet *f);
MS_MUST_CHECK enum ms_status fleet_tx_end(struct fleet *f, bool ok);

#endif
