/* src/notify/notify_send.c - draining the outbox: claim a due row, deliver it, mark it sent */
#include "notify/notify.h"
#include "db/db.h"
#include "http/http_send.h"
#include "util/xalloc.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Each row goes claim -> deliver -> mark.  The claim is one UPDATE guarded
 * by the attempts the sender read (another sender that claimed the row
 * first changed them, so this one's UPDATE changes nothing and it moves
 * on); it counts the attempt and sets the next one by the backoff before
 * anything is sent.  So a sender that dies at any point leaves the row due
 * again after its backoff: once more if it had delivered (at-least-once;
 * the receiver drops the repeat by X-Mailsec-Event-Id), never lost.
 */

/* A due row as read (owned copies). */
struct due {
	int64_t id, attempts;
	char *kind, *address, *secret, *event_id, *payload;
};

/* due_free - free one row's copies */
static void
due_free(struct due *d)
{
	free(d->kind);
	free(d->address);
	free(d->secret);
	free(d->event_id);
	free(d->payload);
}

/* dup_col - column i copied, NULL for SQL NULL */
static char *
dup_col(struct db_stmt *st, int i)
{
	const char *v = db_column_text(st, i);

	return v ? xstrdup(v) : NULL;
}

/* read_due - up to max due rows (email ones only with a relay), oldest first */
static enum ms_status
read_due(struct db *db, int64_t now, bool relay, size_t max, struct due **out, size_t *n)
{
	struct db_stmt *st = NULL;
	enum db_step r;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (db_prepare(db, "SELECT o.id, o.attempts, t.kind, t.address, t.secret, o.event_ids,"
	    " o.payload FROM outbox o JOIN notify_targets t ON t.id = o.target"
	    " WHERE o.sent_at IS NULL AND o.next_attempt <= ? AND (? = 1 OR t.kind <> 'email')"
	    " ORDER BY o.id LIMIT ?", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_int(st, 1, now);
	db_bind_int(st, 2, relay ? 1 : 0);
	db_bind_int(st, 3, (int64_t)max);
	while ((r = db_step(st)) == DB_ROW) {
		struct due *d;

		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = xreallocarray(*out, cap, sizeof(**out));
		}
		d = &(*out)[(*n)++];
		d->id = db_column_int(st, 0);
		d->attempts = db_column_int(st, 1);
		d->kind = dup_col(st, 2);
		d->address = dup_col(st, 3);
		d->secret = dup_col(st, 4);
		d->event_id = dup_col(st, 5);
		d->payload = dup_col(st, 6);
	}
	db_finalize(st);
	return r == DB_ERROR ? MS_ERR_IO : MS_OK;
}

/* count_waiting - email rows due while there is no relay to send them through */
static enum ms_status
count_waiting(struct db *db, int64_t now, size_t *n)
{
	struct db_stmt *st = NULL;
	enum ms_status rc = MS_OK;

	*n = 0;
	if (db_prepare(db, "SELECT COUNT(*) FROM outbox o JOIN notify_targets t ON t.id = o.target"
	    " WHERE o.sent_at IS NULL AND o.next_attempt <= ? AND t.kind = 'email'", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_int(st, 1, now);
	if (db_step(st) == DB_ROW)
		*n = (size_t)db_column_int(st, 0);
	else
		rc = MS_ERR_IO;
	db_finalize(st);
	return rc;
}

/* claim - count the attempt and set the next by the backoff; *claimed unless another sender was first */
static enum ms_status
claim(struct db *db, const struct due *d, int64_t now, bool *claimed)
{
	struct db_stmt *st = NULL;
	enum ms_status rc = MS_OK;

	*claimed = false;
	if (db_prepare(db, "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?"
	    " WHERE id = ? AND attempts = ? AND sent_at IS NULL", &st) != MS_OK)
		return MS_ERR_IO;
	db_bind_int(st, 1, now + notify_backoff(d->attempts + 1));
	db_bind_int(st, 2, d->id);
	db_bind_int(st, 3, d->attempts);
	if (db_step(st) != DB_DONE)
		rc = MS_ERR_IO;
	else
		*claimed = db_changes(st) == 1;
	db_finalize(st);
	return rc;
}

/* mark - sent at now, or the failure's words kept for the next attempt */
static enum ms_status
mark(struct db *db, int64_t id, int64_t now, const char *error)
{
	struct db_stmt *st = NULL;
	enum ms_status rc = MS_OK;

	if (db_prepare(db, error ? "UPDATE outbox SET last_error = ? WHERE id = ?" :
	    "UPDATE outbox SET sent_at = ?, last_error = NULL WHERE id = ?", &st) != MS_OK)
		return MS_ERR_IO;
	if (error)
		db_bind_text(st, 1, error);
	else
		db_bind_int(st, 1, now);
	db_bind_int(st, 2, id);
	if (db_step(st) != DB_DONE)
		rc = MS_ERR_IO;
	db_finalize(st);
	return rc;
}

/* deliver - one row to its target; MS_OK when the receiver took it, else why says why */
static enum ms_status
deliver(const struct notify_send_config *cfg, const struct due *d, int64_t now, char *why,
    size_t whylen)
{
	double timeout = cfg->timeout > 0 ? cfg->timeout : 10.0;

	if (strcmp(d->kind, "webhook") == 0) {
		char sig[NOTIFY_SIG_HEX], *h[3];
		enum ms_status rc;
		size_t n = 0;

		h[n++] = xstrdup("Content-Type: application/json");
		h[n++] = xasprintf("X-Mailsec-Event-Id: %s", d->event_id);
		if (d->secret) {
			notify_signature(d->secret, now, d->payload, strlen(d->payload), sig);
			h[n++] = xasprintf("X-Mailsec-Signature: t=%lld,v1=%s", (long long)now, sig);
		}
		rc = http_post(d->address, (const char *const *)h, n, d->payload, strlen(d->payload),
		    cfg->ca_file, timeout, NULL, why, whylen);
		for (size_t i = 0; i < n; i++)
			free(h[i]);
		return rc;
	} else {
		struct notify_mail m = { cfg->mail_from, d->address, d->id, d->payload };
		char *msg = NULL;
		size_t len = 0;
		enum ms_status rc;

		if ((rc = notify_email(&m, &msg, &len)) != MS_OK) {
			snprintf(why, whylen, "the stored payload is not a mailsec-notify/1 document");
			return rc;
		}
		rc = smtp_send(cfg->smtp_relay, cfg->mail_from, d->address, msg, len, cfg->ca_file,
		    timeout, why, whylen);
		free(msg);
		return rc;
	}
}

/* test_crash - MAILSEC_TEST_NOTIFY_CRASH=after-send: die between delivering and marking */
static void
test_crash(void)
{
	const char *v = getenv("MAILSEC_TEST_NOTIFY_CRASH");

	if (v && strcmp(v, "after-send") == 0)
		raise(SIGKILL);
}

/* notify_send - deliver what is due */
enum ms_status
notify_send(struct store *s, const struct notify_send_config *cfg, struct notify_send_stats *stats,
    char *why, size_t whylen)
{
	struct db *db = store_db(s);
	int64_t now = cfg->now ? cfg->now : (int64_t)time(NULL);
	struct due *due = NULL;
	size_t n = 0;
	enum ms_status rc;

	memset(stats, 0, sizeof(*stats));
	if (read_due(db, now, cfg->smtp_relay != NULL, cfg->max ? cfg->max : 1000, &due, &n) != MS_OK) {
		snprintf(why, whylen, "read the outbox: %s", db_errmsg(db));
		return MS_ERR_IO;
	}
	rc = MS_OK;
	if (cfg->smtp_relay == NULL && count_waiting(db, now, &stats->waiting_relay) != MS_OK) {
		snprintf(why, whylen, "read the outbox: %s", db_errmsg(db));
		rc = MS_ERR_IO;
	}
	for (size_t i = 0; rc == MS_OK && i < n; i++) {
		char err[512];
		bool claimed;

		if (claim(db, &due[i], now, &claimed) != MS_OK) {
			snprintf(why, whylen, "claim outbox row %lld: %s", (long long)due[i].id,
			    db_errmsg(db));
			rc = MS_ERR_IO;
			break;
		}
		if (!claimed)
			continue;	/* another sender has it */
		if (deliver(cfg, &due[i], now, err, sizeof(err)) == MS_OK) {
			test_crash();
			stats->sent++;
			if (mark(db, due[i].id, now, NULL) != MS_OK) {
				snprintf(why, whylen, "mark outbox row %lld sent: %s",
				    (long long)due[i].id, db_errmsg(db));
				rc = MS_ERR_IO;
			}
			if (cfg->log)
				cfg->log(cfg->log_arg, due[i].id, due[i].address, true, NULL);
		} else {
			stats->failed++;
			if (mark(db, due[i].id, now, err) != MS_OK) {
				snprintf(why, whylen, "keep outbox row %lld's error: %s",
				    (long long)due[i].id, db_errmsg(db));
				rc = MS_ERR_IO;
			}
			if (cfg->log)
				cfg->log(cfg->log_arg, due[i].id, due[i].address, false, err);
		}
	}
	for (size_t i = 0; i < n; i++)
		due_free(&due[i]);
	free(due);
	return rc;
}
