/* src/imap/imap_client.h - reading a mailbox over IMAP (libcurl): search it, fetch its messages */
#ifndef MS_IMAP_IMAP_CLIENT_H
#define MS_IMAP_IMAP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/status.h"

/*
 * A client of one IMAP folder, named by a URL (imaps://user@host[:port]/FOLDER,
 * RFC 5092).  Credentials never come from the URL: a netrc file, or the
 * password the caller gives (from the environment, never argv).  imaps://
 * verifies the server's certificate and name; cleartext imap:// is for a
 * loopback address only (imap_url_check).  libcurl keeps one connection for
 * the search and every fetch.  Replies are read strictly (imap_reply.h):
 * anything but the responses a search may bring is an error, not a guess.
 * Blocking; no process-wide state of its own (each client counts itself in
 * libcurl's global set-up, as http/ does).
 */

struct imap_client_opts {
	const char *password;	/* or NULL: the netrc file (required then) */
	const char *netrc;	/* NULL: libcurl's default ~/.netrc */
	const char *cacert;	/* NULL: the system's CAs */
	long connect_timeout;	/* seconds */
	size_t search_max;	/* bytes of the SEARCH reply */
	size_t message_max;	/* bytes of one message */
};

/*
 * imap_client_opts_default - no credentials given, 30 s, 16 MiB of SEARCH
 * reply, 64 MiB per message, into the caller's *o
 */
void imap_client_opts_default(struct imap_client_opts *o);

/*
 * imap_url_check - url is imaps://, or imap:// to 127.0.0.0/8, [::1] or
 * localhost, and holds no password; else MS_ERR_ARG and why (the caller's
 * buffer) says which
 */
MS_MUST_CHECK enum ms_status imap_url_check(const char *url, char *why, size_t whylen);

struct imap_client;

/*
 * imap_client_new - a client of the folder url (copied) with o (copied);
 * NULL when libcurl cannot start.  Free with imap_client_free (NULL is fine).
 */
struct imap_client *imap_client_new(const char *url, const struct imap_client_opts *o);
void imap_client_free(struct imap_client *c);
/* imap_client_url - the folder's URL as given; borrowed from c */
const char *imap_client_url(const struct imap_client *c);

/*
 * imap_search_all - the UIDs of every message of the folder (UID SEARCH
 * ALL), in the server's order, into *uids (caller frees) and *n.  A
 * transfer that fails, or a reply that is not what a search answers, is
 * MS_ERR_IO / MS_ERR_SYNTAX / MS_ERR_LIMIT with why.
 */
MS_MUST_CHECK enum ms_status imap_search_all(struct imap_client *c, uint32_t **uids, size_t *n, char *why,
    size_t whylen);

/*
 * imap_fetch_uid - message uid of the folder into out (initialised here
 * with message_max; the caller frees it with buf_free, also after a
 * failure); MS_ERR_IO and why when it cannot be fetched.
 */
MS_MUST_CHECK enum ms_status imap_fetch_uid(struct imap_client *c, uint32_t uid, struct buf *out, char *why,
    size_t whylen);

/* imap_message_url - the URL of message uid of the folder ("URL/;UID=n"); caller frees */
char *imap_message_url(const struct imap_client *c, uint32_t uid);

#endif
