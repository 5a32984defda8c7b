/* src/mailin/mailin.h - what arrives by LMTP: reports into the store, assessment mail into the outbound area */
#ifndef MS_MAILIN_MAILIN_H
#define MS_MAILIN_MAILIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/*
 * The meaning of a delivery (docs/lmtpd.md); the protocol is src/lmtp/'s.
 * mailin_rcpt() and mailin_deliver() are the LMTP server's rcpt and deliver
 * callbacks.  Per recipient:
 *
 * - a report address: the message goes through the reports layer's ingest
 *   exactly as `reports ingest` does (duplicates dropped, unparsable reports
 *   quarantined), in one transaction committed before the reply; reports
 *   about a domain no workspace holds are stored all the same and counted
 *   (store_count_unowned, and in the reply and the log);
 * - an assessment address: the sending organisation's outbound assessment
 *   (outbound.c): the TLS of the session from the Received field the host
 *   named receiver_name added (no other Received field is believed), DKIM
 *   signed and aligned, SPF for the client, forward-confirmed reverse DNS of
 *   the client; stored as a result of the `outbound` area of the From
 *   domain, through history (events), once per Message-ID and domain;
 * - anything else is refused at RCPT (550).
 *
 * When the store cannot be opened or a put fails, every recipient that
 * needed it gets 451 (the sender keeps the message and retries): nothing is
 * acknowledged that was not committed.  The store is opened for each
 * delivery and closed after it, so a database that comes back (or a file
 * made writable again) is used at once.  Nothing is process-wide.
 */

struct audit_env;
struct lmtp_delivery;
struct mailin;

struct mailin_config {
	const char *db;				/* the store: a SQLite path or a postgresql:// URI */
	const char *const *report;		/* report addresses */
	size_t nreport;
	const char *const *assess;		/* assessment addresses */
	size_t nassess;
	const char *receiver_name;		/* whose Received field is believed (NULL: none) */
	const char *version;			/* stored with each result */
	/* log - one line (no newline) about a delivery; may be NULL */
	void (*log)(void *arg, const char *line);
	void *log_arg;
};

/*
 * mailin_new - a mailin for cfg (copied, strings too) using env's resolver
 * and Public Suffix List (borrowed: a session's, outliving the mailin).
 * Free with mailin_free() once no delivery is in progress
 * (mailin_pending() is 0).
 */
struct mailin *mailin_new(const struct mailin_config *cfg, const struct audit_env *env);
/* mailin_free - free m (NULL-safe) */
void mailin_free(struct mailin *m);
/* mailin_pending - deliveries in progress (assessments waiting for DNS); m borrowed */
unsigned mailin_pending(const struct mailin *m);

/* mailin_rcpt - the LMTP rcpt callback: whether addr (borrowed) is a report or assessment address */
bool mailin_rcpt(void *m, const char *addr);
/* mailin_deliver - the LMTP deliver callback: answers each of d's recipients, then ends d */
void mailin_deliver(void *m, struct lmtp_delivery *d);

#endif
