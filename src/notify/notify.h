/* src/notify/notify.h - notifications: targets per workspace, triggers, the outbox and its sender */
#ifndef MS_NOTIFY_NOTIFY_H
#define MS_NOTIFY_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "history/history.h"
#include "store/store.h"
#include "util/status.h"

/*
 * Owners hear about what changed without reading the event feed
 * (docs/notify.md).  A workspace has *targets*: an email address (mail goes
 * through the operator's SMTP relay) or an https:// webhook with a secret.
 * Each target switches *triggers* on: a new error finding, a grade that fell,
 * a record that changed, a certificate expiring within 60, 14 and 4 days,
 * a new source failing DMARC at volume in the aggregate reports, reports
 * that stopped arriving.
 *
 * Delivery is at-least-once through the *outbox* table.  notify_put() stores
 * a checked domain's result through the history layer and, in the same
 * transaction, puts one outbox row per (target, event that fires one of its
 * triggers): a result is never stored without its notifications, nor a
 * notification queued for a result that was not stored.  notify_send()
 * drains the outbox: it claims a due row (one attempt counted, the next
 * attempt set by the backoff), delivers it, and only then marks it sent.  A
 * process that dies between delivering and marking leaves the row to be
 * sent again once its backoff has passed: the receiver gets it twice, with
 * the same X-Mailsec-Event-Id, and drops the second.
 *
 * Pure parts (no I/O): notify_triggers_parse/text, notify_event_trigger,
 * notify_payload, notify_email, notify_signature, notify_backoff.  Nothing
 * here is process-wide; every call gets what it needs in its arguments.
 */

/* Triggers, a bit each. */
#define NOTIFY_T_ERROR		0x01u	/* a new error finding (added, or raised to error) */
#define NOTIFY_T_GRADE		0x02u	/* the domain's grade fell */
#define NOTIFY_T_RECORD		0x04u	/* a published record changed */
#define NOTIFY_T_CERT		0x08u	/* a certificate expires within 60, 14, 4 days */
#define NOTIFY_T_SOURCE		0x10u	/* DMARC reports: a new source failing DMARC at volume */
#define NOTIFY_T_STOPPED	0x20u	/* DMARC reports stopped arriving */
#define NOTIFY_T_ALL		0x3fu	/* every immediate trigger: the default */
#define NOTIFY_T_DAILY		0x40u	/* a digest of the day's events (UTC days) */
#define NOTIFY_T_WEEKLY		0x80u	/* a digest of the week's events (Monday to Monday, UTC) */

#define NOTIFY_TRIGGERS_DEFAULT	NOTIFY_T_ALL

/*
 * notify_triggers_parse - a list of trigger names (error, grade, record,
 * cert, dmarc-source, reports-stopped, digest-daily, digest-weekly; any
 * order, any subset, commas or blanks between) into *out.  MS_ERR_SYNTAX for
 * an unknown or empty name, with *bad (if given) pointing at it inside list,
 * and for both digests at once; list borrowed.
 */
MS_MUST_CHECK enum ms_status notify_triggers_parse(const char *list, unsigned *out,
    const char **bad);
/* notify_triggers_text - the names of t's bits, comma-separated, in table order; caller frees */
char *notify_triggers_text(unsigned t);
/* notify_trigger_name - the name of one trigger bit ("error"); static string, NULL for none */
const char *notify_trigger_name(unsigned bit);

/*
 * notify_event_trigger - the trigger e (a history event, borrowed) fires,
 * or 0: finding-added with severity error, or finding-severity to error
 * (NOTIFY_T_ERROR); the domain's grade event (area NULL) to a worse letter
 * (NOTIFY_T_GRADE; a grade that could not be given is not a fall); a record
 * event (NOTIFY_T_RECORD).  Pure.
 */
unsigned notify_event_trigger(const struct store_event *e);

/*
 * notify_grade_fell - whether grade new is a worse letter than old ("A?"
 * counts as A; none, NULL or "-" are neither better nor worse).  Pure.
 */
bool notify_grade_fell(const char *old, const char *new);

/* Certificate thresholds, in days, largest first. */
#define NOTIFY_CERT_THRESHOLDS	{ 60, 14, 4 }

/*
 * notify_cert_threshold - the smallest threshold (of 60, 14, 4 days) that a
 * certificate whose notAfter is not_after (epoch seconds) has crossed at
 * now, or 0 when none has (more than 60 days left).  An expired certificate
 * has crossed 4.  Pure.
 */
int notify_cert_threshold(int64_t not_after, int64_t now);

/*
 * notify_summary - one line saying what happened for trigger (one bit) and
 * event e (borrowed), such as "the SPF record at example.org changed";
 * caller frees.  Pure.
 */
char *notify_summary(unsigned trigger, const struct store_event *e);

/*
 * notify_payload - the mailsec-notify/1 document (docs/schema/
 * mailsec-notify-1.json) of one notification: event id, workspace, domain,
 * trigger name, summary, created (epoch seconds; written as "generated"), and
 * event (borrowed; copied in: the mailsec-events/1 object, or for a
 * certificate the certificate-expiring object).  All strings borrowed.  New
 * reference.  Pure.
 */
json_t *notify_payload(const char *event_id, const char *workspace, const char *domain,
    const char *trigger, const char *summary, int64_t created, json_t *event);

/* What an email is made of (all borrowed). */
struct notify_mail {
	const char *from;		/* the envelope and From: address */
	const char *to;			/* the target's address */
	int64_t outbox_id;		/* with event_id, the Message-ID */
	const char *payload;		/* the mailsec-notify/1 document as stored */
};

/*
 * notify_email - the RFC 5322 message (CRLF line ends, plain text UTF-8,
 * lines of at most 998 bytes, no header value holding a control byte) for
 * m: From, To, Subject, Date (the payload's "generated"), Message-ID
 * <notify.OUTBOX.EVENT@FROM-DOMAIN> (the same on every attempt),
 * X-Mailsec-Event-Id, MIME headers, then a body naming the workspace, the
 * domain, what changed, before and after, and when.  MS_ERR_SYNTAX when the
 * payload is not a mailsec-notify/1 document.  *out is the caller's (free).
 * Pure.
 */
MS_MUST_CHECK enum ms_status notify_email(const struct notify_mail *m, char **out, size_t *len);

/*
 * notify_message_id - "<notify.OUTBOX.EVENT@DOMAIN>" where DOMAIN is from's
 * domain ("mailsec.invalid" when from has none) and EVENT event_id with any
 * byte but letters, digits, '-' dropped; caller frees.  Pure.
 */
char *notify_message_id(int64_t outbox_id, const char *event_id, const char *from);

#define NOTIFY_SIG_HEX	65	/* 64 hex digits and the NUL */

/*
 * notify_signature - hex(HMAC-SHA256(secret, TIMESTAMP "." body)) into out:
 * the v1= of `X-Mailsec-Signature: t=TIMESTAMP,v1=HEX` (everything
 * borrowed).  Pure.
 */
void notify_signature(const char *secret, int64_t timestamp, const char *body, size_t len,
    char out[NOTIFY_SIG_HEX]);

#define NOTIFY_BACKOFF_BASE	60	/* seconds before the second attempt */
#define NOTIFY_BACKOFF_CAP	21600	/* never more than six hours between attempts */

/*
 * notify_backoff - seconds to wait after attempt number `attempts` (1 for
 * the first) before the next: NOTIFY_BACKOFF_BASE doubled per attempt,
 * capped at NOTIFY_BACKOFF_CAP.  Pure.
 */
int64_t notify_backoff(int64_t attempts);

/* ---- targets (store borrowed; the tables of docs/notify.md) ---- */

enum notify_kind { NOTIFY_EMAIL, NOTIFY_WEBHOOK };

/* One target as listed (strings borrowed for the callback). */
struct notify_target {
	int64_t id;
	const char *workspace;
	enum notify_kind kind;
	const char *address;		/* mailbox or URL */
	bool has_secret;
	unsigned triggers;
	int64_t created_at;
};

typedef void (*notify_target_cb)(void *arg, const struct notify_target *t);

/*
 * notify_address_ok - whether addr is a plausible mailbox (local@domain, no
 * blanks, controls, '<', '>' or commas; at most 254 bytes) for kind
 * NOTIFY_EMAIL, or an https:// URL without blanks or controls (at most
 * 2,000 bytes) for NOTIFY_WEBHOOK; *why (static text) says what is wrong.
 * Pure.
 */
bool notify_address_ok(enum notify_kind kind, const char *addr, const char **why);

/*
 * notify_target_add - a new target of workspace (its name) into the store;
 * *id its number.  secret (webhooks only, NULL for email) is kept in the
 * database.  MS_ERR_NOTFOUND when there is no such workspace; other
 * failures say why in *why (the caller's buffer).  Everything borrowed.
 */
MS_MUST_CHECK enum ms_status notify_target_add(struct store *s, const char *workspace,
    enum notify_kind kind, const char *address, const char *secret, unsigned triggers,
    int64_t *id, char *why, size_t whylen);
/*
 * notify_target_remove - delete target id with its outbox rows, only when it
 * belongs to workspace (a name; NULL: any workspace, for the administrator's
 * command line); *found whether such a target existed, so another workspace's
 * target answers as a missing one.  Everything borrowed.
 */
MS_MUST_CHECK enum ms_status notify_target_remove(struct store *s, const char *workspace, int64_t id,
    bool *found, char *why, size_t whylen);
/* notify_target_each - every target (of workspace, or all when NULL) in id order to cb */
MS_MUST_CHECK enum ms_status notify_target_each(struct store *s, const char *workspace,
    notify_target_cb cb, void *arg, char *why, size_t whylen);

/* ---- storing a result with its notifications ---- */

/*
 * notify_put - history_put() of c (everything as there) and, in the same
 * transaction, the outbox rows of its events for every target of every
 * workspace holding the domain whose triggers they fire, and the
 * certificate warnings the certificates of c->doc (the mailsec/1 domain
 * object; when only c->text is given, the audit's facts; neither: none) call for at c->at (0: now).  Whole or not at all:
 * a transaction of its own, or inside the caller's when one is open on s
 * (store_in_transaction: the monitor's worker stores a batch of results in
 * one and undoes a failed put to its savepoint).  *queued (if given) counts
 * the rows queued.  On failure nothing is kept (of its own transaction) and
 * why (the caller's buffer) says why; MS_ERR_NOMEM as history_put.
 */
MS_MUST_CHECK enum ms_status notify_put(struct store *s, const struct history_check *c,
    enum store_put *res, size_t *queued, char *why, size_t whylen);

/* ---- the report triggers (DMARC aggregate reports in the same database) ---- */

#define NOTIFY_SOURCE_WINDOW	(7 * 86400)	/* reports ending in the last 7 days */
#define NOTIFY_SOURCE_MIN	100		/* messages failing DMARC from one address */
#define NOTIFY_STOPPED_AFTER	(7 * 86400)	/* no report ending in the last 7 days ... */
#define NOTIFY_STOPPED_MIN	2		/* ... after at least 2 had arrived */

#define NOTIFY_DIGEST_MAX	200	/* events listed in one digest (the total is given) */

/*
 * notify_digest_period - the digest period that ended last before now for
 * trigger (NOTIFY_T_DAILY or NOTIFY_T_WEEKLY): [*from, *to) in epoch seconds,
 * UTC days or weeks from Monday 00:00.  Pure.
 */
void notify_digest_period(unsigned trigger, int64_t now, int64_t *from, int64_t *to);

/*
 * notify_scan - the triggers that come from the stored DMARC aggregate
 * reports rather than from a check, and the digests, for every target with them and every
 * domain of its workspace, at now (epoch seconds; 0: time(NULL)):
 * dmarc-source: an address whose messages failed DMARC (neither DKIM nor
 * SPF passed in policy_evaluated) NOTIFY_SOURCE_MIN times or more in the
 * reports ending within NOTIFY_SOURCE_WINDOW, and that no earlier report
 * named; reports-stopped: a domain with at least NOTIFY_STOPPED_MIN reports
 * whose newest ended more than NOTIFY_STOPPED_AFTER ago.  Each fires once
 * per target (the source; the newest report's end), remembered in
 * notify_state, queued in the outbox.  A digest target gets, once per
 * period, one notification listing the events (not finding-sustained nor
 * first-check) of its workspace's domains in the period that ended last
 * (notify_digest_period), at most NOTIFY_DIGEST_MAX of them with their
 * total; none when there were none.  All in one transaction.  *queued (if
 * given) counts the rows queued; on failure why (the caller's) says why.
 */
MS_MUST_CHECK enum ms_status notify_scan(struct store *s, int64_t now, size_t *queued, char *why,
    size_t whylen);

/* ---- the outbox ---- */

/* One outbox row (strings borrowed for the callback). */
struct notify_outbox_row {
	int64_t id, target;
	const char *workspace, *kind, *address;
	const char *event_id, *trigger, *domain, *summary;
	int64_t created, attempts, next_attempt, sent_at;	/* sent_at 0: not yet */
	const char *last_error;		/* NULL when none */
};

typedef void (*notify_outbox_cb)(void *arg, const struct notify_outbox_row *r);

/* notify_outbox_each - every outbox row (unsent_only: those not sent yet) in id order */
MS_MUST_CHECK enum ms_status notify_outbox_each(struct store *s, bool unsent_only,
    notify_outbox_cb cb, void *arg, char *why, size_t whylen);

/* How notify_send delivers (strings borrowed). */
struct notify_send_config {
	const char *smtp_relay;		/* HOST[:PORT]; NULL: email rows wait */
	const char *mail_from;		/* envelope and From: address */
	const char *ca_file;		/* extra CAs for webhooks and STARTTLS, or NULL */
	double timeout;			/* per delivery, seconds */
	int64_t now;			/* epoch seconds; 0: time(NULL) */
	size_t max;			/* at most this many deliveries (0: 1000) */
	/* called for each delivery (NULL: quiet); ok says whether it was delivered */
	void (*log)(void *arg, int64_t id, const char *address, bool ok, const char *why);
	void *log_arg;
};

struct notify_send_stats {
	size_t sent, failed, waiting_relay;	/* waiting_relay: email rows due without --smtp-relay */
};

/*
 * notify_send - deliver the outbox rows that are due (next_attempt <= now,
 * not sent), oldest first: each is claimed first (attempts + 1, next_attempt
 * = now + notify_backoff(attempts)) in a transaction of its own, so another
 * sender skips it, then delivered (webhook: POST of the payload with
 * X-Mailsec-Event-Id and X-Mailsec-Signature; email: notify_email through
 * the relay), then marked sent, or its error kept for the next attempt.
 * MS_OK when the outbox could be read and written (deliveries that failed
 * are counted, not errors); otherwise why says what.
 *
 * For tests only: with MAILSEC_TEST_NOTIFY_CRASH=after-send in the
 * environment the process kills itself (SIGKILL) after its first delivery,
 * before marking it sent: the crash the outbox exists for.
 */
MS_MUST_CHECK enum ms_status notify_send(struct store *s, const struct notify_send_config *cfg,
    struct notify_send_stats *stats, char *why, size_t whylen);

#endif
