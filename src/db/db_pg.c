/* src/db/db_pg.c - the PostgreSQL database driver (libpq; the only file that calls it) */
#include "db/db.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/xalloc.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * A statement is prepared on the server under a name of its own (ms1,
 * ms2 ... per connection) with its `?` placeholders turned into $1, $2 ...,
 * and deallocated when finalized (db.c keeps the most recent ones for reuse
 * first: only one it lets go reaches pg_finalize).  It runs in libpq's single-row mode: each
 * step reads one row off the connection, so a query's rows are never all in
 * memory; a statement that is reset before its end has the rest read and
 * dropped, leaving the connection ready for the next one.
 *
 * Parameters go over the wire as text (integers formatted here), blobs as
 * binary.  PostgreSQL refuses text that is not UTF-8 where SQLite keeps it
 * (failure reports carry raw 8-bit mail headers): such text is sent with
 * each invalid byte replaced by U+FFFD.  The connection's client encoding is
 * UTF8 and notices below warnings are not shown.  DB_READONLY and DB_CREATE
 * do not apply: the server's permissions decide.
 *
 * BEGIN and SAVEPOINT are deferred (db.h): kept in the handle's list and
 * sent ahead of the next statement in libpq's pipeline mode (the deferred
 * commands, the statement, one sync: one round trip), or ahead of the next
 * db_exec() text as one simple query ("SAVEPOINT a; sql").  In the
 * pipeline the deferred commands' results are read first; when one failed
 * the statement comes back PGRES_PIPELINE_ABORTED and the step fails with
 * the deferred command's message.  Single-row mode is set for the
 * statement once the deferred commands' results are read (libpq allows it
 * then, for the query at the head of the pipeline).  A deferred savepoint
 * released or rolled back to with nothing run since, and a deferred
 * transaction ended with nothing run in it, are dropped from the list.
 */

#define PG_DEFER_MAX	8	/* commands deferred at once; one more sends them first */
#define PG_DEFER_LEN	96	/* "SAVEPOINT name": db.c keeps the text under 128 */
#define PG_FLIGHT_MAX	256	/* db_send statements at the server at once; more wait in the queue */

/*
 * A statement sent by db_send (db.h): its parameters copied, the deferred
 * commands it goes after, and, once answered, the outcome until delivered.
 * Queued (only while PG_FLIGHT_MAX are at the server), then in flight
 * (the deferred commands, the statement and a sync, pipelined after those
 * sent before), then settled (answered, waiting for db_async_pump to call
 * done).
 */
struct pg_send {
	struct pg_send *next;
	char name[24];			/* the prepared statement */
	int n;
	char **v;			/* the parameters (owned copies) */
	int *len, *fmt;
	char defer[PG_DEFER_MAX][PG_DEFER_LEN];
	size_t ndefer;
	char undo[PG_DEFER_LEN];	/* the savepoint a failure rolls back to ("": none) */
	db_sent_fn done;
	void *arg;
	size_t pre;			/* deferred commands' results still to read */
	int nulls;			/* NULL results in a row (two: nothing more comes) */
	bool failed, row;
	char *err;			/* owned: why it failed */
};

/* A FIFO of sends. */
struct pg_sendq {
	struct pg_send *head, *tail;
};

struct pg_db {
	struct db base;
	PGconn *conn;
	unsigned next;			/* the number of the next statement name */
	char defer[PG_DEFER_MAX][PG_DEFER_LEN];	/* BEGIN, SAVEPOINT x: not sent yet, in order */
	size_t ndefer;
	struct pg_sendq queued;		/* db_send: not yet at the server */
	struct pg_sendq flight;		/* at the server, in the order sent */
	size_t nflight;
	struct pg_sendq settled;	/* answered, not yet delivered */
	size_t pending;			/* sent, done not called yet */
	bool delivering;		/* db_async_pump is calling done */
	void (*notify)(void *arg);	/* answers were read by a synchronous call (db_async_notify) */
	void *notify_arg;
};

enum pg_state { PG_IDLE, PG_RUNNING, PG_DONE };

struct pg_stmt {
	struct db_stmt base;
	char name[24];			/* the server-side prepared statement */
	int n;				/* parameters */
	const char **v;
	int *len, *fmt;
	char (*num)[24];		/* integers as text */
	char **owned;			/* text repaired to UTF-8 */
	bool bad_bind;			/* a bind named a parameter the statement does not have */
	enum pg_state state;
	PGresult *cur;			/* the result rows are read from */
	int row, nrows;
	uint64_t changes;
	int pre;			/* deferred commands sent ahead of it whose results are unread */
	bool pipe;			/* sent in pipeline mode: a sync to read, then leave the mode */
	bool pre_failed;		/* a deferred command failed: its message is the error */
};

/* exec_timed - PQexec, counted as a round trip and timed */
static PGresult *
exec_timed(struct pg_db *g, const char *sql)
{
	uint64_t t0 = clock_mono_ns();
	PGresult *r = PQexec(g->conn, sql);

	g->base.round_trips++;
	g->base.wait_ns += clock_mono_ns() - t0;
	return r;
}

/* result_timed - PQgetResult, the time it waits counted */
static PGresult *
result_timed(struct pg_db *g)
{
	uint64_t t0 = clock_mono_ns();
	PGresult *r = PQgetResult(g->conn);

	g->base.wait_ns += clock_mono_ns() - t0;
	return r;
}

/* set_err - the message of res (or of the connection), trailing newlines dropped */
static void
set_err(struct pg_db *g, const PGresult *res)
{
	const char *m = res ? PQresultErrorMessage(res) : "";
	size_t n;

	if (m == NULL || *m == '\0')
		m = g->conn ? PQerrorMessage(g->conn) : "no connection";
	n = strlen(m);
	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
		n--;
	db_set_error(&g->base, "%.*s", (int)n, m);
}

/* utf8_len - length of the valid UTF-8 sequence at p (RFC 3629 §4), 0 if invalid */
static size_t
utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f))
			return 0;
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80 ||
		    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/*
 * utf8_repair - v with each byte that is not valid UTF-8 replaced by U+FFFD,
 * or NULL when v is valid already.  Caller frees.
 */
static char *
utf8_repair(const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	struct buf b;
	size_t k;

	while (*p && (k = utf8_len(p)) != 0)
		p += k;
	if (*p == '\0')
		return NULL;
	/* each byte becomes at most three (U+FFFD): the maximum holds the result */
	buf_init(&b, 3 * strlen(v) + 1);
	buf_add(&b, v, (size_t)(p - (const unsigned char *)v));
	while (*p) {
		if ((k = utf8_len(p)) != 0) {
			buf_add(&b, p, k);
			p += k;
		} else {
			buf_adds(&b, "\xef\xbf\xbd");
			p++;
		}
	}
	return buf_steal_fitted(&b);
}

/*
 * translate - sql with each ? outside quotes ('...', "...") as $1, $2 ...;
 * *n the number of parameters.  Caller frees.
 */
static char *
translate(const char *sql, int *n)
{
	struct buf b;
	char quote = 0;

	*n = 0;
	/* each byte becomes at most "$" and ten digits: the maximum holds the result */
	buf_init(&b, 11 * strlen(sql) + 1);
	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;	/* a doubled quote closes and reopens: the same result */
			buf_addc(&b, *p);
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
			buf_addc(&b, *p);
		} else if (*p == '?')
			buf_addf(&b, "$%d", ++*n);
		else
			buf_addc(&b, *p);
	}
	return buf_steal_fitted(&b);
}

/*
 * with_deferred - the deferred commands and then sql as one simple-query
 * text (caller frees), the list emptied: they are sent with it
 */
static char *
with_deferred(struct pg_db *g, const char *sql)
{
	struct buf b;

	buf_init(&b, PG_DEFER_MAX * (PG_DEFER_LEN + 2) + strlen(sql) + 1);
	for (size_t i = 0; i < g->ndefer; i++) {
		buf_adds(&b, g->defer[i]);
		buf_adds(&b, "; ");
	}
	buf_adds(&b, sql);
	g->ndefer = 0;
	return buf_steal_fitted(&b);
}

/* sendq_push - e at the end of q */
static void
sendq_push(struct pg_sendq *q, struct pg_send *e)
{
	e->next = NULL;
	if (q->tail)
		q->tail->next = e;
	else
		q->head = e;
	q->tail = e;
}

/* sendq_pop - the first of q, taken out (NULL: empty) */
static struct pg_send *
sendq_pop(struct pg_sendq *q)
{
	struct pg_send *e = q->head;

	if (e) {
		q->head = e->next;
		if (q->head == NULL)
			q->tail = NULL;
		e->next = NULL;
	}
	return e;
}

/* send_free - free e */
static void
send_free(struct pg_send *e)
{
	if (e == NULL)
		return;
	for (int i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	free(e->len);
	free(e->fmt);
	free(e->err);
	free(e);
}

/* send_fail - e failed with the message msg (or the connection's); the first message stays */
static void
send_fail(struct pg_db *g, struct pg_send *e, const PGresult *res)
{
	if (!e->failed) {
		char keep[sizeof(g->base.err)];

		memcpy(keep, g->base.err, sizeof(keep));
		set_err(g, res);
		e->err = xstrdup(g->base.err);
		memcpy(g->base.err, keep, sizeof(keep));
	}
	e->failed = true;
}

/* undo_to - roll back to savepoint name and release it (after a sent statement failed); false after saying why in *err */
static bool
undo_to(struct pg_db *g, const char *name, char **err)
{
	static const char *const verb[] = { "ROLLBACK TO SAVEPOINT", "RELEASE SAVEPOINT" };

	for (size_t i = 0; i < 2; i++) {
		char sql[128];
		PGresult *r;

		snprintf(sql, sizeof(sql), "%s %s", verb[i], name);
		r = exec_timed(g, sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			char *m;

			set_err(g, r);
			m = xasprintf("%s; the rollback failed too: %s", *err ? *err : "", g->base.err);
			free(*err);
			*err = m;
			PQclear(r);
			return false;
		}
		PQclear(r);
	}
	return true;
}

/* restart - e (answered or not) to be sent again: its reading state cleared */
static void
restart(struct pg_send *e)
{
	e->pre = 0;
	e->nulls = 0;
	e->failed = false;
	e->row = false;
	free(e->err);
	e->err = NULL;
}

static void lost(struct pg_db *g);

/*
 * settle - the first statement in flight is answered: kept for delivery.
 * When it failed and has a savepoint to go back to, the ones sent after it
 * (which the aborted transaction refused) are read to their end, the
 * transaction is rolled back to that savepoint, and they go back to the
 * head of the queue to be sent again: a failure undoes its own statement
 * only.  Out of pipeline mode once nothing is in flight.
 */
static void
settle(struct pg_db *g)
{
	struct pg_send *e = sendq_pop(&g->flight);
	struct pg_sendq again = { NULL, NULL };

	g->nflight--;
	if (e->failed && e->undo[0] && PQstatus(g->conn) == CONNECTION_OK) {
		/* the rest of the pipeline, refused: read and dropped, then sent again */
		while (g->flight.head) {
			PGresult *r = result_timed(g);
			struct pg_send *x = g->flight.head;

			if (r == NULL) {
				if (++x->nulls >= 2 || PQstatus(g->conn) != CONNECTION_OK)
					break;
				continue;
			}
			x->nulls = 0;
			if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
				restart(sendq_pop(&g->flight));
				g->nflight--;
				sendq_push(&again, x);
			}
			PQclear(r);
		}
		if (g->flight.head)
			lost(g);	/* the connection ended mid-pipeline: they fail too */
		(void)PQexitPipelineMode(g->conn);
		(void)undo_to(g, e->undo, &e->err);
		/* again, then what was queued: in the order they were sent */
		if (again.head) {
			again.tail->next = g->queued.head;
			if (g->queued.head == NULL)
				g->queued.tail = again.tail;
			g->queued.head = again.head;
		}
	} else if (g->flight.head == NULL)
		(void)PQexitPipelineMode(g->conn);
	sendq_push(&g->settled, e);
}

/*
 * send_now - the first queued statement to the server after those in
 * flight (pipeline mode): its deferred commands, the statement and a sync;
 * a failure to send fails it and everything in flight
 */
static void
send_now(struct pg_db *g)
{
	struct pg_send *e = sendq_pop(&g->queued);

	sendq_push(&g->flight, e);
	g->nflight++;
	g->base.round_trips++;
	if (PQpipelineStatus(g->conn) == PQ_PIPELINE_OFF && !PQenterPipelineMode(g->conn)) {
		lost(g);
		return;
	}
	for (size_t i = 0; i < e->ndefer; i++) {
		if (!PQsendQueryParams(g->conn, e->defer[i], 0, NULL, NULL, NULL, NULL, 0))
			goto broken;
		e->pre++;
	}
	if (!PQsendQueryPrepared(g->conn, e->name, e->n, (const char *const *)e->v, e->len, e->fmt, 0) ||
	    !PQpipelineSync(g->conn) || PQflush(g->conn) != 0)
		goto broken;
	return;
broken:
	lost(g);
}

/*
 * take - one result of the first statement in flight (r, owned); settles
 * it at its sync
 */
static void
take(struct pg_db *g, PGresult *r)
{
	struct pg_send *e = g->flight.head;
	ExecStatusType t = PQresultStatus(r);

	e->nulls = 0;
	if (t == PGRES_PIPELINE_SYNC) {
		PQclear(r);
		settle(g);
		return;
	}
	if (e->pre > 0) {
		e->pre--;
		if (t != PGRES_COMMAND_OK)
			send_fail(g, e, r);
	} else if (t == PGRES_TUPLES_OK || t == PGRES_SINGLE_TUPLE)
		e->row = e->row || PQntuples(r) > 0;
	else if (t != PGRES_COMMAND_OK && t != PGRES_EMPTY_QUERY)
		send_fail(g, e, r);	/* aborted: a deferred command's message is already kept */
	PQclear(r);
}

/*
 * lost - the connection failed (to send, or to answer): every statement in
 * flight fails with its message, nothing to roll back
 */
static void
lost(struct pg_db *g)
{
	struct pg_send *e;

	while ((e = sendq_pop(&g->flight)) != NULL) {
		g->nflight--;
		send_fail(g, e, NULL);
		sendq_push(&g->settled, e);
	}
	if (PQpipelineStatus(g->conn) != PQ_PIPELINE_OFF) {
		/* whatever is left of the pipeline is read and dropped */
		(void)PQpipelineSync(g->conn);
		for (int nulls = 0; nulls < 2 && PQstatus(g->conn) == CONNECTION_OK;) {
			PGresult *r = PQgetResult(g->conn);

			if (r == NULL) {
				nulls++;
				continue;
			}
			nulls = 0;
			PQclear(r);
		}
		(void)PQexitPipelineMode(g->conn);
	}
}

/*
 * read_flight - send what is queued, read the answers of what is in
 * flight; wait: until nothing is left, else only what has come
 */
static void
read_flight(struct pg_db *g, bool wait)
{
	for (;;) {
		PGresult *r;

		while (g->queued.head && g->nflight < PG_FLIGHT_MAX)
			send_now(g);
		if (g->flight.head == NULL) {
			if (g->queued.head == NULL)
				return;
			continue;
		}
		if (!wait) {
			if (!PQconsumeInput(g->conn)) {
				lost(g);
				continue;
			}
			if (PQisBusy(g->conn))
				return;
		}
		if ((r = result_timed(g)) == NULL) {
			/* the end of one command's results; two in a row: nothing more comes */
			if (++g->flight.head->nulls >= 2 || PQstatus(g->conn) != CONNECTION_OK)
				lost(g);
			continue;
		}
		take(g, r);
	}
}

/* wire - before a synchronous request: everything sent before it answered (db.h) */
static void
wire(struct pg_db *g)
{
	if (g->flight.head || g->queued.head) {
		read_flight(g, true);
		/* their answers are read: the owner delivers them from its loop */
		if (g->settled.head && !g->delivering && g->notify)
			g->notify(g->notify_arg);
	}
}

/* pg_send - db_send: copy st's parameters and what is deferred, queue, send if nothing is in flight */
static enum ms_status
pg_send(struct db_stmt *st, const char *undo, db_sent_fn done, void *arg)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	struct pg_db *g = (struct pg_db *)st->db;
	struct pg_send *e;
	int slots = s->n ? s->n : 1;

	if (s->bad_bind) {
		db_set_error(&g->base, "bind: no such parameter");
		return MS_ERR_ARG;
	}
	if (undo && strlen(undo) >= PG_DEFER_LEN - 24) {
		db_set_error(&g->base, "savepoint name too long");
		return MS_ERR_ARG;
	}
	e = xcalloc(1, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", s->name);
	e->n = s->n;
	e->v = xcalloc((size_t)slots, sizeof(*e->v));
	e->len = xcalloc((size_t)slots, sizeof(*e->len));
	e->fmt = xcalloc((size_t)slots, sizeof(*e->fmt));
	for (int i = 0; i < s->n; i++) {
		e->len[i] = s->len[i];
		e->fmt[i] = s->fmt[i];
		if (s->v[i] == NULL)
			continue;
		if (s->fmt[i]) {
			e->v[i] = xmalloc((size_t)s->len[i] + 1);
			memcpy(e->v[i], s->v[i], (size_t)s->len[i]);
		} else
			e->v[i] = xstrdup(s->v[i]);
	}
	memcpy(e->defer, g->defer, sizeof(e->defer));
	e->ndefer = g->ndefer;
	g->ndefer = 0;
	snprintf(e->undo, sizeof(e->undo), "%s", undo ? undo : "");
	e->done = done;
	e->arg = arg;
	g->pending++;
	sendq_push(&g->queued, e);
	read_flight(g, false);	/* sends it (pipelined after those in flight), reads what has come */
	return MS_OK;
}

/* pg_async_fd - the connection's socket */
static int
pg_async_fd(const struct db *db)
{
	return PQsocket(((const struct pg_db *)db)->conn);
}

/* pg_pump - db_async_pump: read (or wait for) the answers, then deliver them in order */
static void
pg_pump(struct db *db, bool wait)
{
	struct pg_db *g = (struct pg_db *)db;
	struct pg_send *e;

	if (g->flight.head || g->queued.head)
		read_flight(g, wait);
	if (g->delivering)
		return;		/* the outer call delivers what came */
	g->delivering = true;
	while ((e = sendq_pop(&g->settled)) != NULL) {
		g->pending--;
		e->done(e->arg, !e->failed, e->row, e->failed ? (e->err ? e->err : "failed") : NULL);
		send_free(e);
	}
	g->delivering = false;
}

/* pg_notify - db_async_notify */
static void
pg_notify(struct db *db, void (*fn)(void *arg), void *arg)
{
	struct pg_db *g = (struct pg_db *)db;

	g->notify = fn;
	g->notify_arg = arg;
}

/* pg_pending - sent, not delivered */
static size_t
pg_pending(const struct db *db)
{
	return ((const struct pg_db *)db)->pending;
}

/* pg_exec - run SQL through PQexec (several statements allowed), what is deferred first */
static enum ms_status
pg_exec(struct db *db, const char *sql)
{
	struct pg_db *g = (struct pg_db *)db;
	char *text;
	PGresult *res;

	wire(g);
	text = g->ndefer ? with_deferred(g, sql) : NULL;
	res = exec_timed(g, text ? text : sql);
	enum ms_status st = MS_OK;
	ExecStatusType t = PQresultStatus(res);

	free(text);
	if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) {
		set_err(g, res);
		st = MS_ERR_IO;
	}
	PQclear(res);
	return st;
}

/* defer - keep cmd (BEGIN, SAVEPOINT x) to send with the next statement; a full list is sent first */
static enum ms_status
defer(struct pg_db *g, const char *cmd)
{
	if (strlen(cmd) >= PG_DEFER_LEN)
		return pg_exec(&g->base, cmd);
	if (g->ndefer == PG_DEFER_MAX) {
		char *text;
		PGresult *res;
		ExecStatusType t;

		wire(g);
		text = with_deferred(g, "");
		res = exec_timed(g, text);
		t = PQresultStatus(res);
		free(text);
		if (t != PGRES_COMMAND_OK && t != PGRES_EMPTY_QUERY) {
			set_err(g, res);
			PQclear(res);
			return MS_ERR_IO;
		}
		PQclear(res);
	}
	snprintf(g->defer[g->ndefer++], PG_DEFER_LEN, "%s", cmd);
	return MS_OK;
}

/*
 * drop_deferred - forget the deferred commands (nothing ran since them);
 * whether a BEGIN was among them (then the transaction is empty and was
 * never opened on the server)
 */
static bool
drop_deferred(struct pg_db *g)
{
	bool began = false;

	for (size_t i = 0; i < g->ndefer; i++)
		began = began || strcmp(g->defer[i], "BEGIN") == 0;
	g->ndefer = 0;
	return began;
}

/* pg_close - close the connection */
static void
pg_close(struct db *db)
{
	struct pg_db *g = (struct pg_db *)db;

	if (g == NULL)
		return;
	/* what was sent and not delivered is dropped (db.h) */
	for (struct pg_send *e; (e = sendq_pop(&g->flight)) != NULL;)
		send_free(e);
	for (struct pg_send *e; (e = sendq_pop(&g->queued)) != NULL;)
		send_free(e);
	for (struct pg_send *e; (e = sendq_pop(&g->settled)) != NULL;)
		send_free(e);
	PQfinish(g->conn);
	free(g);
}

/* pg_open - connect with libpq, UTF8 client encoding, quiet notices */
static enum ms_status
pg_open(const char *conninfo, unsigned flags, struct db **out, char *why, size_t whylen)
{
	struct pg_db *g = xcalloc(1, sizeof(*g));

	(void)flags;
	g->base.drv = &db_pg_driver;
	g->conn = PQconnectdb(conninfo);
	if (g->conn == NULL || PQstatus(g->conn) != CONNECTION_OK) {
		set_err(g, NULL);
		snprintf(why, whylen, "connect: %s", g->base.err);
		goto fail;
	}
	/* our text is UTF-8 (repaired where it was not); notices would only clutter stderr */
	if (PQsetClientEncoding(g->conn, "UTF8") != 0) {
		set_err(g, NULL);
		snprintf(why, whylen, "client encoding: %s", g->base.err);
		goto fail;
	}
	if (pg_exec(&g->base, "SET client_min_messages = warning") != MS_OK) {
		snprintf(why, whylen, "%s", g->base.err);
		goto fail;
	}
	*out = &g->base;
	return MS_OK;
fail:
	pg_close(&g->base);
	return MS_ERR_IO;
}

/* pg_prepare - prepare sql on the server under a name of its own */
static enum ms_status
pg_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct pg_db *g = (struct pg_db *)db;
	struct pg_stmt *s;
	PGresult *res;
	char *text;
	int n, slots;

	wire(g);
	text = translate(sql, &n);
	s = xcalloc(1, sizeof(*s));
	s->base.db = db;
	snprintf(s->name, sizeof(s->name), "ms%u", ++g->next);
	{
		uint64_t t0 = clock_mono_ns();

		res = PQprepare(g->conn, s->name, text, 0, NULL);
		g->base.round_trips++;
		g->base.wait_ns += clock_mono_ns() - t0;
	}
	free(text);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		set_err(g, res);
		PQclear(res);
		free(s);
		return MS_ERR_IO;
	}
	PQclear(res);
	s->n = n;
	slots = n ? n : 1;
	s->v = xcalloc((size_t)slots, sizeof(*s->v));
	s->len = xcalloc((size_t)slots, sizeof(*s->len));
	s->fmt = xcalloc((size_t)slots, sizeof(*s->fmt));
	s->num = xcalloc((size_t)slots, sizeof(*s->num));
	s->owned = xcalloc((size_t)slots, sizeof(*s->owned));
	*out = &s->base;
	return MS_OK;
}

/* slot - parameter i (from 1) as an index, or -1 (remembered as a bad bind) */
static int
slot(struct pg_stmt *s, int i)
{
	if (i < 1 || i > s->n) {
		s->bad_bind = true;
		return -1;
	}
	i--;
	free(s->owned[i]);
	s->owned[i] = NULL;
	s->len[i] = 0;
	s->fmt[i] = 0;
	return i;
}

/* pg_bind_null - parameter i is SQL NULL */
static void
pg_bind_null(struct db_stmt *st, int i)
{
	struct pg_stmt *s = (struct pg_stmt *)st;

	if ((i = slot(s, i)) >= 0)
		s->v[i] = NULL;
}

/* pg_bind_int - parameter i is v, as text */
static void
pg_bind_int(struct db_stmt *st, int i, int64_t v)
{
	struct pg_stmt *s = (struct pg_stmt *)st;

	if ((i = slot(s, i)) < 0)
		return;
	snprintf(s->num[i], sizeof(s->num[i]), "%lld", (long long)v);
	s->v[i] = s->num[i];
}

/* pg_bind_text - parameter i is v (repaired to UTF-8 if need be) */
static void
pg_bind_text(struct db_stmt *st, int i, const char *v)
{
	struct pg_stmt *s = (struct pg_stmt *)st;

	if ((i = slot(s, i)) < 0)
		return;
	s->owned[i] = utf8_repair(v);
	s->v[i] = s->owned[i] ? s->owned[i] : v;
}

/* pg_bind_blob - parameter i is n binary bytes */
static void
pg_bind_blob(struct db_stmt *st, int i, const void *v, size_t n)
{
	struct pg_stmt *s = (struct pg_stmt *)st;

	if ((i = slot(s, i)) < 0)
		return;
	s->v[i] = v;
	s->len[i] = n > 0x7fffffff ? 0x7fffffff : (int)n;
	s->fmt[i] = 1;
}

/*
 * end_pipe - s was sent in pipeline mode and its results are read: read up
 * to the sync and leave the mode (two NULLs in a row: nothing more comes)
 */
static void
end_pipe(struct pg_stmt *s)
{
	struct pg_db *g = (struct pg_db *)s->base.db;
	int nulls = 0;
	PGresult *r;

	if (!s->pipe)
		return;
	s->pipe = false;
	while (nulls < 2) {
		ExecStatusType t;

		if ((r = result_timed(g)) == NULL) {
			nulls++;
			continue;
		}
		nulls = 0;
		t = PQresultStatus(r);
		PQclear(r);
		if (t == PGRES_PIPELINE_SYNC)
			break;
	}
	(void)PQexitPipelineMode(g->conn);
}

/*
 * read_pre - read the results of the deferred commands sent ahead of s;
 * the first failure's message is kept (pre_failed)
 */
static void
read_pre(struct pg_stmt *s)
{
	struct pg_db *g = (struct pg_db *)s->base.db;
	PGresult *r;

	while (s->pre > 0) {
		s->pre--;
		r = result_timed(g);
		if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
			if (!s->pre_failed)
				set_err(g, r);
			s->pre_failed = true;
		}
		if (r != NULL) {
			PQclear(r);
			/* the NULL that ends that command's results */
			while ((r = result_timed(g)) != NULL)
				PQclear(r);
		}
		/* the statement is now at the head of the pipeline: rows one at a time */
		if (s->pre == 0)
			(void)PQsetSingleRowMode(g->conn);
	}
}

/* drain - read and drop whatever results the connection still holds for s */
static void
drain(struct pg_stmt *s)
{
	struct pg_db *g = (struct pg_db *)s->base.db;
	PGresult *r;

	PQclear(s->cur);
	s->cur = NULL;
	if (s->state == PG_RUNNING) {
		read_pre(s);
		while ((r = result_timed(g)) != NULL)
			PQclear(r);
		end_pipe(s);
	}
	s->state = PG_DONE;
}

/* start_query - start running s with its parameters (single-row mode); false after recording why */
static bool
start_query(struct pg_stmt *s)
{
	struct pg_db *g = (struct pg_db *)s->base.db;

	if (s->bad_bind) {
		db_set_error(&g->base, "bind: no such parameter");
		s->state = PG_DONE;
		return false;
	}
	wire(g);
	s->pre_failed = false;
	g->base.round_trips++;		/* the statement (with what is deferred): one wait for the answer */
	if (g->ndefer > 0) {
		/* the deferred commands, then s, then a sync: one round trip */
		if (!PQenterPipelineMode(g->conn)) {
			set_err(g, NULL);
			s->state = PG_DONE;
			return false;
		}
		s->pipe = true;
		s->state = PG_RUNNING;
		for (size_t i = 0; i < g->ndefer; i++) {
			if (!PQsendQueryParams(g->conn, g->defer[i], 0, NULL, NULL, NULL, NULL, 0))
				goto broken;
			s->pre++;
		}
		g->ndefer = 0;
		if (!PQsendQueryPrepared(g->conn, s->name, s->n, s->v, s->len, s->fmt, 0) ||
		    !PQpipelineSync(g->conn))
			goto broken;
		return true;
	}
	if (!PQsendQueryPrepared(g->conn, s->name, s->n, s->v, s->len, s->fmt, 0)) {
		set_err(g, NULL);
		s->state = PG_DONE;
		return false;
	}
	/* if single-row mode cannot be set, whole results come and are read row by row alike */
	(void)PQsetSingleRowMode(g->conn);
	s->state = PG_RUNNING;
	return true;
broken:
	/* the connection failed while sending: what was sent is read and dropped */
	g->ndefer = 0;
	set_err(g, NULL);
	{
		char err[sizeof(g->base.err)];

		memcpy(err, g->base.err, sizeof(err));
		(void)PQpipelineSync(g->conn);
		drain(s);
		memcpy(g->base.err, err, sizeof(err));
	}
	return false;
}

/* pg_step - the next row (single-row mode), or the end */
static enum db_step
pg_step(struct db_stmt *st)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	struct pg_db *g = (struct pg_db *)st->db;
	PGresult *r;

	if (s->state == PG_DONE)
		return DB_DONE;
	if (s->state == PG_IDLE && !start_query(s))
		return DB_ERROR;
	if (s->cur && ++s->row < s->nrows)
		return DB_ROW;
	PQclear(s->cur);
	s->cur = NULL;
	read_pre(s);
	while ((r = result_timed(g)) != NULL) {
		ExecStatusType t = PQresultStatus(r);

		if ((t == PGRES_SINGLE_TUPLE || t == PGRES_TUPLES_OK) && PQntuples(r) > 0) {
			s->cur = r;
			s->row = 0;
			s->nrows = PQntuples(r);
			return DB_ROW;
		}
		if (t == PGRES_TUPLES_OK || t == PGRES_COMMAND_OK || t == PGRES_EMPTY_QUERY) {
			s->changes = strtoull(PQcmdTuples(r), NULL, 10);
			PQclear(r);
			continue;
		}
		/* skipped because a deferred command failed: that one's message stays */
		if (!s->pre_failed)
			set_err(g, r);
		PQclear(r);
		drain(s);
		return DB_ERROR;
	}
	end_pipe(s);
	s->state = PG_DONE;
	return s->pre_failed ? DB_ERROR : DB_DONE;
}

/* pg_column_null - column i of the current row is NULL */
static bool
pg_column_null(struct db_stmt *st, int i)
{
	struct pg_stmt *s = (struct pg_stmt *)st;

	return s->cur == NULL || i >= PQnfields(s->cur) || PQgetisnull(s->cur, s->row, i);
}

/* pg_column_text - column i of the current row, NULL for SQL NULL */
static const char *
pg_column_text(struct db_stmt *st, int i)
{
	struct pg_stmt *s = (struct pg_stmt *)st;

	return pg_column_null(st, i) ? NULL : PQgetvalue(s->cur, s->row, i);
}

/* pg_column_int - column i of the current row as an integer (0 for NULL) */
static int64_t
pg_column_int(struct db_stmt *st, int i)
{
	const char *v = pg_column_text(st, i);

	return v ? strtoll(v, NULL, 10) : 0;
}

/* pg_changes - rows the statement changed (its command tag) */
static uint64_t
pg_changes(struct db_stmt *st)
{
	return ((struct pg_stmt *)st)->changes;
}

/* pg_reset - drop the rest of a result and the parameters */
static void
pg_reset(struct db_stmt *st)
{
	struct pg_stmt *s = (struct pg_stmt *)st;

	drain(s);
	for (int i = 0; i < s->n; i++) {
		free(s->owned[i]);
		s->owned[i] = NULL;
		s->v[i] = NULL;
		s->len[i] = 0;
		s->fmt[i] = 0;
	}
	s->bad_bind = false;
	s->changes = 0;
	s->pre_failed = false;
	s->state = PG_IDLE;
}

/* pg_finalize - reset, deallocate on the server, free */
static void
pg_finalize(struct db_stmt *st)
{
	struct pg_stmt *s = (struct pg_stmt *)st;
	struct pg_db *g = (struct pg_db *)st->db;
	char sql[48];

	pg_reset(st);
	/*
	 * in an aborted transaction this fails, and the name lives until the
	 * connection closes; a connection being closed forgets it anyway
	 */
	if (!g->base.closing) {
		wire(g);	/* a statement sent may still use it */
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
		PQclear(exec_timed(g, sql));
	}
	free(s->v);
	free(s->len);
	free(s->fmt);
	free(s->num);
	free(s->owned);
	free(s);
}

/* pg_begin - BEGIN, deferred: sent with the next statement */
static enum ms_status
pg_begin(struct db *db)
{
	return defer((struct pg_db *)db, "BEGIN");
}

/*
 * pg_savepoint - SAVEPOINT deferred; a release or rollback to of the
 * savepoint deferred last (nothing ran since it) sends nothing: it has
 * nothing to keep or undo (a rollback to keeps it, a release drops it)
 */
static enum ms_status
pg_savepoint(struct db *db, enum db_sp op, const char *name)
{
	static const char *const verb[] = {
		[DB_SP_OPEN] = "SAVEPOINT",
		[DB_SP_RELEASE] = "RELEASE SAVEPOINT",
		[DB_SP_ROLLBACK_TO] = "ROLLBACK TO SAVEPOINT",
	};
	struct pg_db *g = (struct pg_db *)db;
	char sql[128];

	snprintf(sql, sizeof(sql), "%s %s", verb[op], name);
	if (op == DB_SP_OPEN)
		return defer(g, sql);
	if (g->ndefer > 0 && strncmp(g->defer[g->ndefer - 1], "SAVEPOINT ", 10) == 0 &&
	    strcmp(g->defer[g->ndefer - 1] + 10, name) == 0) {
		if (op == DB_SP_RELEASE)
			g->ndefer--;
		return MS_OK;
	}
	return pg_exec(db, sql);
}

/*
 * pg_commit - COMMIT; the server answers a transaction that a failed
 * statement aborted with "ROLLBACK" and no error: that is a failure
 */
static enum ms_status
pg_commit(struct db *db)
{
	struct pg_db *g = (struct pg_db *)db;
	PGresult *res;
	enum ms_status st = MS_OK;

	wire(g);	/* the commit waits for the statements sent (db_send) */
	/* savepoints with nothing after them change nothing; nothing ran in a deferred BEGIN's */
	if (drop_deferred(g))
		return MS_OK;
	res = exec_timed(g, "COMMIT");

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		set_err(g, res);
		st = MS_ERR_IO;
	} else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
		db_set_error(db, "the transaction was rolled back: a statement in it had failed");
		st = MS_ERR_IO;
	}
	PQclear(res);
	return st;
}

/* pg_rollback - ROLLBACK (nothing to send when the BEGIN was never sent) */
static enum ms_status
pg_rollback(struct db *db)
{
	wire((struct pg_db *)db);
	if (drop_deferred((struct pg_db *)db))
		return MS_OK;
	return pg_exec(db, "ROLLBACK");
}

const struct db_driver db_pg_driver = {
	.name = "postgresql",
	.dialect = DB_POSTGRESQL,
	.open = pg_open,
	.exec = pg_exec,
	.prepare = pg_prepare,
	.bind_null = pg_bind_null,
	.bind_int = pg_bind_int,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.step = pg_step,
	.column_null = pg_column_null,
	.column_int = pg_column_int,
	.column_text = pg_column_text,
	.changes = pg_changes,
	.reset = pg_reset,
	.finalize = pg_finalize,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.savepoint = pg_savepoint,
	.close = pg_close,
	.send = pg_send,
	.async_fd = pg_async_fd,
	.pump = pg_pump,
	.pending = pg_pending,
	.notify = pg_notify,
};
