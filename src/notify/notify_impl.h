/* src/notify/notify_impl.h - the notify layer's insides shared by its files (not for callers) */
#ifndef MS_NOTIFY_NOTIFY_IMPL_H
#define MS_NOTIFY_NOTIFY_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "db/db.h"
#include "notify/notify.h"
#include "util/arena.h"

/* One target of the checked domain's workspaces (workspace in the queue's arena). */
struct notify_qtarget {
	int64_t id;
	unsigned triggers;
	char *workspace;
};

/* One stored event of the check, with its row id (strings in the arena). */
struct notify_qevent {
	int64_t id;
	struct store_event e;
};

/* What a queueing pass holds: its targets, events, the prepared insert, the count. */
struct notify_queue {
	struct db *db;
	struct notify_qtarget *t;
	size_t nt;
	struct notify_qevent *ev;
	size_t nev;
	struct arena arena;
	struct db_stmt *ins;
	size_t queued;
	char *why;
	size_t whylen;
};

/* notify_fail - "what: the database's message" into why (the caller's); always MS_ERR_IO */
MS_MUST_CHECK enum ms_status notify_fail(struct db *db, const char *what, char *why, size_t whylen);

/*
 * notify_enqueue - one outbox row for target t (borrowed) inside q's open
 * transaction: the mailsec-notify/1 payload of event_id, domain, trigger
 * (one bit), summary, created now, and event (borrowed, copied in).  Counts
 * it in q->queued; on failure q->why says why.
 */
MS_MUST_CHECK enum ms_status notify_enqueue(struct notify_queue *q, const struct notify_qtarget *t,
    const char *event_id, const char *domain, unsigned trigger, const char *summary, int64_t now,
    json_t *event);

#endif
