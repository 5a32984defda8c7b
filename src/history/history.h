/* src/history/history.h - the history layer: storing check results and what changed between them */
#ifndef MS_HISTORY_HISTORY_H
#define MS_HISTORY_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "audit/audit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/status.h"

/*
 * History keeps each checked domain's result in the store (store/store.h:
 * the summary, the findings and the mailsec/1 domain object) and, as it
 * stores one, compares it with the domain's previous stored result and keeps
 * what changed as *events* (docs/events.md).  `mailsec check --db`, `mailsec
 * monitor` (once per checked domain, with its round) and anything later that
 * checks domains call history_put(); `mailsec history` and `mailsec events`
 * read what it kept.
 *
 * Nothing here is process-wide: everything a call needs comes in its
 * arguments, so a long-running program may call it from its loop for as long
 * as it likes, with one store or many.  The diff (history_diff,
 * history_diff_findings) is pure: no I/O, bounded by its inputs.
 *
 * An event (struct store_event) has a kind, the domain, the time of the later
 * check, the run ids of both checks (prev_run_id NULL for first-check) and
 * the later check's round, and per kind:
 *
 *   kind               area      subject           finding severity  item   old / new value
 *   first-check        -         -                 -       -         -      - / domain grade
 *   finding-added      its area  finding subject   id      new       -      - / message
 *   finding-removed    its area  finding subject   id      old       -      message / -
 *   finding-sustained  its area  finding subject   id      severity  -      - / message
 *   finding-severity   its area  finding subject   id      new       -      old / new severity
 *   grade              area, or NULL for the domain's grade      -      old / new grade (NULL: none)
 *   record             spf dmarc mta-sts tls-rpt dkim mx  name    item   old / new record (NULL: absent)
 *   certificate        tls       host[address]     -       -         issuer|key|expiry  old / new
 *
 * finding-sustained is kept for findings that are not pass (a pass that stays
 * is no news).  Records and certificates are compared only where both checks
 * could tell: an area with an unknown finding in either check, an area that
 * did not run, a policy that was not fetched or a server that was not probed
 * yields no record or certificate event (a lookup that failed is not a record
 * that was removed).
 */

#define HEV_FIRST		"first-check"
#define HEV_FINDING_ADDED	"finding-added"
#define HEV_FINDING_REMOVED	"finding-removed"
#define HEV_FINDING_SUSTAINED	"finding-sustained"
#define HEV_FINDING_SEVERITY	"finding-severity"
#define HEV_GRADE		"grade"
#define HEV_RECORD		"record"
#define HEV_CERTIFICATE		"certificate"

/*
 * The events of one put (or one diff), in a fixed order: first-check or the
 * finding events (the new check's findings in order, then the removed ones),
 * then grades (the domain's, then per area), records, certificates.  The
 * strings live in the arena: they are owned by the struct.
 */
struct history_events {
	struct store_event *v;
	size_t n, cap;
	struct arena arena;
};

/* history_events_init - an empty list; free with history_events_free */
void history_events_init(struct history_events *e);
/* history_events_free - free e's events and strings (e itself is the caller's); NULL is fine */
void history_events_free(struct history_events *e);

#define HISTORY_RUN_ID_SIZE	33	/* 32 hex digits and the NUL */

/*
 * history_run_id - a new run id into out (the caller's): 128 random bits
 * from getrandom(2) as 32 lower-case hex digits (the time, the process id and
 * the nanoseconds should the kernel have none to give).  One per `check`
 * invocation; the monitor may draw one per worker and round.
 */
void history_run_id(char out[HISTORY_RUN_ID_SIZE]);

/* What history_put stores for one checked domain (everything borrowed). */
struct history_check {
	const struct audit *a;		/* the finished audit: domain and findings */
	/*
	 * The mailsec/1 domain object printed for it (the output layer's), or
	 * NULL: history then builds it from the audit (domain, summary,
	 * findings, facts).  Stored as history; its facts are the records and
	 * certificates compared with the next check's.
	 */
	const json_t *doc;
	/*
	 * The same object as compact text (json_dumps with JSON_COMPACT |
	 * JSON_PRESERVE_ORDER, the output layer's out_json_domain_text), or
	 * NULL; when set it is stored as it is and doc is not written out.
	 * Either way the document must be the audit's: its summary and
	 * findings those of a's findings (the overview's summary rows are made
	 * from them, store_check's areas_known).
	 */
	const char *text;
	const char *profile;		/* the profile's name, stored with the result */
	const char *version;		/* the program's version, stored with the result */
	const char *run_id;		/* shared by the results of one invocation or round */
	const char *round;		/* the monitor's round, or NULL outside the monitor */
	int64_t at;			/* epoch seconds of the check; 0: now */
	/*
	 * NULL: a whole check.  Else the result holds that area's findings
	 * only (lmtpd's outbound assessment of one message): it is compared
	 * with the domain's previous result of the same area, and whole checks
	 * are compared with whole checks, so neither reads as the other's
	 * findings removed.
	 */
	const char *area;
	/*
	 * prev_given: the caller read the domain's previous result already
	 * (the monitor, for its claimed batch at once, store_last_checks):
	 * prev, NULL for none, borrowed for the call, is what the events are
	 * made against, and history_put does not read it again.
	 */
	bool prev_given;
	const struct store_check *prev;
};

/*
 * history_put - store one domain's result and the events of what changed
 * since its previous stored result, whole or not at all (one transaction).
 * With a round, results are unique per (domain, round): a second put for the
 * same pair stores nothing and sets *res (if given) to STORE_DUPLICATE, as
 * does a second put of the same (run id, domain); otherwise STORE_INSERTED.
 * out (NULL: not wanted) must be initialised (history_events_init); the
 * events stored are appended to it (none for a duplicate) and stay the
 * caller's.  On failure nothing is stored and the status says what:
 * MS_ERR_NOMEM when the document could not be written out, otherwise the
 * store's status with store_error(s) saying why.
 */
MS_MUST_CHECK enum ms_status history_put(struct store *s, const struct history_check *c,
    struct history_events *out, enum store_put *res);
/*
 * history_put_send - history_put without the events out, whose statement
 * may go to the server without waiting for its answer
 * (store_put_history_send: on PostgreSQL inside a joined transaction).  The
 * diff and the document are made now; c is borrowed for the call only.
 * *sent true: done(arg, ...) gets the outcome later, once, and a failure is
 * rolled back to the savepoint undo (borrowed for the call); false: it was
 * stored (or not) now, as history_put, *res set when MS_OK, done never
 * called.
 */
MS_MUST_CHECK enum ms_status history_put_send(struct store *s, const struct history_check *c,
    const char *undo, store_sent_fn done, void *arg, bool *sent, enum store_put *res);

/* One finding of the later check paired with the earlier one's (history_diff_findings). */
struct history_change {
	const struct store_check_finding *old, *new;	/* old NULL: added; new NULL: removed */
};

struct history_changes {
	struct history_change *v;
	size_t n;
};

/*
 * history_diff_findings - pair b's findings with a's by (id, subject), one
 * finding of a with at most one of b (repeated findings count as many):
 * b's findings in order (added, or paired: sustained or severity changed),
 * then a's without a partner (removed).  Pure; pointers borrow a's and b's
 * findings.  Free out with history_changes_free.
 */
void history_diff_findings(const struct store_check *a, const struct store_check *b,
    struct history_changes *out);
void history_changes_free(struct history_changes *c);

/*
 * history_diff - the events from check old (NULL: none before) to check new,
 * appended to out in the order struct history_events says; each check's json
 * is its mailsec/1 domain object (NULL or not JSON: no grade per area, no
 * record and no certificate events).  round is new's (borrowed, may be NULL).
 * Pure: no I/O.
 */
void history_diff(const struct store_check *old, const struct store_check *new,
    const char *round, struct history_events *out);

/*
 * history_event_json - one event as the mailsec-events/1 object
 * (docs/schema/mailsec-events-1.json); a new reference the caller owns
 */
json_t *history_event_json(const struct store_event *e);

/*
 * history_event_providers - for a record event about the MX set or the SPF
 * record: the providers its values name (data/providers.tsv,
 * docs/providers.md), an array of {name, provider}: each MX host or
 * include:/redirect= target with a provider, once, old value first.  NULL
 * for any other event.  e borrowed; a new reference the caller owns.
 */
json_t *history_event_providers(const struct store_event *e);

#endif
