/* src/fleet/fleet_overview.c - the fleet overview and the API's domain list as set-based queries, paged by the database */
#include "fleet/fleet_impl.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/*
 * The overview reads one workspace's domains joined with the store's
 * domain_latest (each domain's latest whole check summed up when it was
 * stored: store_impl.h) and workspace_grades; filters, order, counts and
 * the page are all in the SQL, so a request costs what its page costs plus
 * one indexed pass for the counts, not a walk of every domain and its
 * stored result.  Every statement names the workspace first (w.name = ?):
 * nothing of another workspace's is read.
 *
 * Names are compared and ordered byte by byte on both databases (SQLite's
 * BINARY collation; COLLATE "C" on PostgreSQL, whatever the cluster's
 * locale), as strcmp did when this was done in C.
 */

#define OV_DOMAINS \
	" FROM workspace_domains d JOIN workspaces w ON w.id = d.workspace"
#define OV_GRADES \
	" JOIN monitored m ON m.domain = d.domain" \
	" LEFT JOIN workspace_grades g ON g.workspace = d.workspace AND g.domain = d.domain" \
	" AND g.round = m.last_round LEFT JOIN domain_latest l ON l.domain = d.domain"
#define OV_GRADE	"COALESCE(g.grade, l.grade, '-')"
#define OV_BINDS	6	/* workspace, q, grade, area, severity, finding */

/* bytes - the collation clause that makes f's database compare names byte by byte */
static const char *
bytes(const struct fleet *f)
{
	return db_dialect(f->db) == DB_POSTGRESQL ? " COLLATE \"C\"" : "";
}

/* like_escape - s lower-cased (ASCII) with LIKE's % _ and \ escaped by \, between pre and post (appended to b) */
static void
like_escape(struct buf *b, const char *pre, const char *s, const char *post)
{
	buf_adds(b, pre);
	for (; *s; s++) {
		char c = *s;

		if (c == '%' || c == '_' || c == '\\')
			buf_addc(b, '\\');
		buf_addc(b, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c);
	}
	buf_adds(b, post);
}

/* utf8_chars - how many characters (not continuation bytes) s holds */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

struct where {
	const char *bind[OV_BINDS];	/* the text parameters, in order (borrowed or from keep) */
	int nbind;
	struct buf like;		/* the search's LIKE pattern */
	char grade[2];
};

/*
 * add_where - q's filters as SQL appended to b, their parameters into w
 * (free w->like after the statement is done)
 */
static void
add_where(struct buf *b, const struct fleet_overview_query *q, struct where *w)
{
	memset(w, 0, sizeof(*w));
	buf_init(&w->like, 0);
	w->bind[w->nbind++] = q->workspace;
	if (q->q && *q->q) {
		like_escape(&w->like, "%", q->q, "%");
		/* the pattern is at most 2 x 1 MB of a query string: the buffer holds it */
		MS_IGNORE(buf_status(&w->like));
		buf_adds(b, " AND lower(d.domain) LIKE ? ESCAPE '\\'");
		w->bind[w->nbind++] = w->like.data;
	}
	if (q->grade && *q->grade) {
		w->grade[0] = q->grade[0];
		buf_adds(b, " AND substr(" OV_GRADE ", 1, 1) = ?");
		w->bind[w->nbind++] = w->grade;
	}
	if ((q->area && *q->area) || (q->severity && *q->severity) || (q->finding && *q->finding)) {
		buf_adds(b, " AND EXISTS (SELECT 1 FROM domain_latest_findings x WHERE x.domain = d.domain");
		if (q->area && *q->area) {
			buf_adds(b, " AND x.area = ?");
			w->bind[w->nbind++] = q->area;
		}
		if (q->severity && *q->severity) {
			buf_adds(b, " AND x.severity = ?");
			w->bind[w->nbind++] = q->severity;
		}
		if (q->finding && *q->finding) {
			/* a prefix, case and all (strncmp): the length is a number written here */
			buf_addf(b, " AND substr(x.finding, 1, %zu) = ?", utf8_chars(q->finding));
			w->bind[w->nbind++] = q->finding;
		}
		buf_addc(b, ')');
	}
}

/* prepare_where - b's SQL prepared with w's parameters bound from 1; the index of the next parameter, 0 on failure */
static int
prepare_where(struct fleet *f, struct buf *b, const struct where *w, struct db_stmt **st)
{
	if (buf_status(b) != MS_OK) {
		MS_IGNORE(fleet_say(f, MS_ERR_ARG, "overview query too long"));
		return 0;
	}
	if (fleet_prep(f, b->data, st) != MS_OK)
		return 0;
	for (int i = 0; i < w->nbind; i++)
		db_bind_text(*st, i + 1, w->bind[i]);
	return w->nbind + 1;
}

/* fleet_overview_count - *total domains of q's workspace, *shown of them passing q's filters */
enum ms_status
fleet_overview_count(struct fleet *f, const struct fleet_overview_query *q, uint64_t *total, uint64_t *shown)
{
	struct db_stmt *st = NULL;
	struct where w;
	struct buf b;
	enum ms_status rc = MS_ERR_IO;

	*total = *shown = 0;
	buf_init(&b, 1 << 20);
	/* one pass: every domain of the workspace, and those the filters keep */
	buf_adds(&b, "SELECT count(*), COALESCE(sum(CASE WHEN 1 = 1");
	add_where(&b, q, &w);
	/* the grades are joined only when the filters ask for one: counting the rest needs no join */
	buf_addf(&b, " THEN 1 ELSE 0 END), 0)%s WHERE w.name = ?", q->grade && *q->grade ? OV_DOMAINS OV_GRADES :
	    OV_DOMAINS);
	/* the filters come before the workspace in this text: bind it last */
	if (w.nbind > 0) {
		memmove(&w.bind[0], &w.bind[1], (size_t)(w.nbind - 1) * sizeof(w.bind[0]));
		w.bind[w.nbind - 1] = q->workspace;
	}
	if (prepare_where(f, &b, &w, &st) == 0)
		goto out;
	if (db_step(st) == DB_ROW) {
		*total = (uint64_t)db_column_int(st, 0);
		*shown = (uint64_t)db_column_int(st, 1);
		rc = MS_OK;
	} else
		rc = fleet_fail(f, "count the overview");
out:
	db_finalize(st);
	buf_free(&w.like);
	buf_free(&b);
	return rc;
}

/* fleet_overview_each - the rows passing q's filters in q's order, q's page of them, to cb */
enum ms_status
fleet_overview_each(struct fleet *f, const struct fleet_overview_query *q, fleet_overview_cb cb, void *arg)
{
	static const char *const key[] = {	/* ordered by descending key (checked: ascending), then name */
		[FLEET_SORT_NAME] = "0",
		[FLEET_SORT_GRADE] = "CASE substr(" OV_GRADE ", 1, 1) WHEN 'A' THEN 0 WHEN 'B' THEN 1"
		    " WHEN 'C' THEN 2 WHEN 'D' THEN 3 WHEN 'E' THEN 4 WHEN 'F' THEN 5 ELSE 10 END",
		[FLEET_SORT_ERRORS] = "COALESCE(l.n_error, 0)",
		[FLEET_SORT_CHECKED] = "COALESCE(m.last_checked, 0)",
	};
	struct db_stmt *st = NULL;
	struct where w;
	struct buf b;
	enum db_step r = DB_ERROR;
	const char *dir;
	int next;

	dir = q->sort == FLEET_SORT_NAME || q->sort > FLEET_SORT_CHECKED ? "" :
	    q->sort == FLEET_SORT_CHECKED ? "k, " : "k DESC, ";
	/*
	 * The page is chosen over the names and sort keys alone (the inner
	 * SELECT: no areas text carried through the sort), then only its rows
	 * are joined with what they show, in the same order.
	 */
	buf_init(&b, 1 << 20);
	buf_addf(&b, "SELECT p.dom, m.last_checked, COALESCE(g.grade, l.grade), l.n_error, l.n_warning,"
	    " l.n_info, l.n_pass, l.n_unknown, l.areas FROM (SELECT d.domain AS dom, d.workspace AS ws, %s AS k"
	    OV_DOMAINS "%s WHERE w.name = ?", key[q->sort <= FLEET_SORT_CHECKED ? q->sort : 0],
	    /* by name without a grade filter, the page is a range of workspace_domains' key: no join */
	    *dir || (q->grade && *q->grade) ? OV_GRADES : "");
	add_where(&b, q, &w);
	buf_addf(&b, " ORDER BY %sd.domain%s", dir, bytes(f));
	if (q->limit || q->offset)
		buf_adds(&b, " LIMIT ? OFFSET ?");
	buf_addf(&b, ") p JOIN monitored m ON m.domain = p.dom LEFT JOIN workspace_grades g ON g.workspace = p.ws"
	    " AND g.domain = p.dom AND g.round = m.last_round LEFT JOIN domain_latest l ON l.domain = p.dom"
	    " ORDER BY %sp.dom%s", *dir ? (q->sort == FLEET_SORT_CHECKED ? "p.k, " : "p.k DESC, ") : "", bytes(f));
	if ((next = prepare_where(f, &b, &w, &st)) == 0)
		goto out;
	if (q->limit || q->offset) {
		db_bind_int(st, next, q->limit && q->limit < INT64_MAX ? (int64_t)q->limit : INT64_MAX);
		db_bind_int(st, next + 1, q->offset < INT64_MAX ? (int64_t)q->offset : INT64_MAX);
	}
	while ((r = db_step(st)) == DB_ROW) {
		struct fleet_overview_row row;

		memset(&row, 0, sizeof(row));
		row.domain = db_column_text(st, 0);
		row.last_checked = db_column_int(st, 1);
		row.grade = db_column_text(st, 2);
		row.error = (uint64_t)db_column_int(st, 3);
		row.warning = (uint64_t)db_column_int(st, 4);
		row.info = (uint64_t)db_column_int(st, 5);
		row.pass = (uint64_t)db_column_int(st, 6);
		row.unknown = (uint64_t)db_column_int(st, 7);
		row.areas = db_column_text(st, 8);
		cb(arg, &row);
	}
out:
	db_finalize(st);
	buf_free(&w.like);
	buf_free(&b);
	if (r == DB_DONE)
		return MS_OK;
	return st ? fleet_fail(f, "list the overview") : MS_ERR_IO;
}

/* fleet_domain_page - up to limit domains of workspace after `after` by name, to cb; *more when others follow */
enum ms_status
fleet_domain_page(struct fleet *f, const char *workspace, const char *after, uint64_t limit,
    fleet_domain_cb cb, void *arg, bool *more)
{
	struct db_stmt *st;
	enum db_step r;
	uint64_t n = 0;
	char *sql = xasprintf("SELECT w.name, d.domain, d.profile, d.parked, d.selectors, d.sending_hosts,"
	    " d.interval_s, d.added_at, m.added_by, m.added_at, m.last_checked, m.last_round, g.grade"
	    " FROM workspace_domains d JOIN workspaces w ON w.id = d.workspace"
	    " JOIN monitored m ON m.domain = d.domain LEFT JOIN workspace_grades g ON"
	    " g.workspace = d.workspace AND g.domain = d.domain AND g.round = m.last_round"
	    " WHERE w.name = ?%s ORDER BY d.domain%s LIMIT ?",
	    after ? (db_dialect(f->db) == DB_POSTGRESQL ? " AND d.domain > ? COLLATE \"C\"" : " AND d.domain > ?") : "",
	    bytes(f));
	enum ms_status rc = fleet_prep(f, sql, &st);

	free(sql);
	*more = false;
	if (rc != MS_OK)
		return rc;
	db_bind_text(st, 1, workspace);
	if (after)
		db_bind_text(st, 2, after);
	db_bind_int(st, after ? 3 : 2, limit < INT64_MAX ? (int64_t)limit + 1 : INT64_MAX);
	while ((r = db_step(st)) == DB_ROW) {
		struct fleet_domain_info d;

		if (n++ == limit) {
			*more = true;
			continue;
		}
		memset(&d, 0, sizeof(d));
		d.workspace = db_column_text(st, 0);
		d.domain = db_column_text(st, 1);
		d.set.profile = db_column_text(st, 2);
		d.set.parked = db_column_int(st, 3) != 0;
		d.set.selectors = db_column_text(st, 4);
		d.set.sending_hosts = db_column_text(st, 5);
		d.set.interval = db_column_int(st, 6);
		d.added_at = db_column_int(st, 7);
		d.added_by = db_column_text(st, 8);
		d.first_added_at = db_column_int(st, 9);
		d.last_checked = db_column_int(st, 10);
		d.last_round = db_column_int(st, 11);
		d.last_grade = db_column_text(st, 12);
		cb(arg, &d);
	}
	db_finalize(st);
	return r == DB_ERROR ? fleet_fail(f, "list domains") : MS_OK;
}
