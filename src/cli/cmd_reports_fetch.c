/* src/cli/cmd_reports_fetch.c - mailsec reports fetch: the messages of an IMAP folder into the store */
#include "cli/cli.h"
#include "cli/reports.h"
#include "imap/imap_client.h"
#include "reports/ingest.h"

#include <stdlib.h>
#include <string.h>

int
rep_fetch(struct rep_opts *o, int argc, char **argv)
{
	struct imap_client_opts co;
	struct imap_client *c;
	struct ingest_opts io;
	struct ingest *in;
	struct store *s;
	uint32_t *uids = NULL;
	size_t n = 0;
	char why[1200];
	int rc = EXIT_USAGE;

	if (argc != 1) {
		cli_error("reports fetch wants one URL: imaps://user@host/FOLDER");
		return EXIT_USAGE;
	}
	if (imap_url_check(argv[0], why, sizeof(why)) != MS_OK) {
		cli_error("%s", why);
		return EXIT_USAGE;
	}
	/* credentials: $MAILSEC_IMAP_PASSWORD or a netrc file, never argv */
	imap_client_opts_default(&co);
	co.password = getenv("MAILSEC_IMAP_PASSWORD");
	co.netrc = o->netrc;
	co.cacert = o->cacert;
	if ((c = imap_client_new(argv[0], &co)) == NULL) {
		cli_error("%s: libcurl could not start", argv[0]);
		return EXIT_USAGE;
	}
	if (imap_search_all(c, &uids, &n, why, sizeof(why)) != MS_OK) {
		cli_error("%s", why);
		goto out;
	}
	if ((s = rep_open_store(o)) == NULL)
		goto out;
	rep_ingest_opts(o, &io);
	if (ingest_new(&io, s, &in) != MS_OK) {
		store_close(s);
		goto out;
	}
	ingest_imap(in, c, uids, n);
	if (ingest_finish(in) == MS_OK) {
		rep_print_counts(o, "fetch", ingest_counts(in));
		rc = ingest_counts(in)->rejected ? EXIT_ERRORS : EXIT_CLEAN;
	}
	ingest_free(in);
	store_close(s);
out:
	free(uids);
	imap_client_free(c);
	return rc;
}
