/* src/cli/cmd_reports_fetch.c - mailsec reports fetch: read report mail from an IMAP folder (libcurl) */
#include "cli/cli.h"
#include "cli/reports.h"
#include "util/buf.h"
#include "util/ipaddr.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define IMAP_MESSAGE_MAX	(64u * 1024 * 1024)
#define IMAP_SEARCH_MAX		(16u * 1024 * 1024)
#define IMAP_MESSAGES_MAX	1000000

/* on_data - libcurl write callback into a struct buf (stops at its maximum) */
static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (buf_append(b, p, size * n) != MS_OK)
		return 0;
	return size * n;
}

/* loopback_host - the URL's host is exactly an address in 127.0.0.0/8, [::1] or localhost */
static bool
loopback_host(const char *url)
{
	const char *h = strstr(url, "://"), *at, *end;
	char host[256];
	size_t n;

	if (h == NULL)
		return false;
	h += 3;
	end = h + strcspn(h, "/?#");
	at = memchr(h, '@', (size_t)(end - h));
	if (at)
		h = at + 1;
	if (*h == '[')
		n = strcspn(h, "]") + 1;
	else
		n = strcspn(h, ":/?#");
	if (n == 0 || n >= sizeof(host) || h + n > end)
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	if (strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
		return true;
	if (strncmp(host, "127.", 4) == 0) {
		struct ipaddr a;

		return ipaddr_parse(host, &a) == MS_OK && a.family == 4;
	}
	return false;
}

/* setup - a curl handle with the credentials (netrc or $MAILSEC_IMAP_PASSWORD), never argv */
static CURL *
setup(const struct rep_opts *o, const char *url, struct buf *b)
{
	CURL *c = curl_easy_init();
	const char *pw = getenv("MAILSEC_IMAP_PASSWORD");

	if (c == NULL)
		return NULL;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	/* imaps:// verifies the server's certificate and name (libcurl's defaults, stated) */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->cacert);
	if (pw && *pw)
		curl_easy_setopt(c, CURLOPT_PASSWORD, pw);
	else {
		curl_easy_setopt(c, CURLOPT_NETRC, (long)CURL_NETRC_REQUIRED);
		if (o->netrc)
			curl_easy_setopt(c, CURLOPT_NETRC_FILE, o->netrc);
	}
	return c;
}

int
rep_fetch(struct rep_opts *o, int argc, char **argv)
{
	const char *url;
	struct buf b;
	CURL *c;
	CURLcode cc;
	struct store *s;
	struct ingest *in;
	struct ingest_opts io;
	char **uids = NULL;
	size_t n = 0;
	int rc = EXIT_USAGE;
	const char *p;

	if (argc != 1) {
		cli_error("reports fetch wants one URL: imaps://user@host/FOLDER");
		return EXIT_USAGE;
	}
	url = argv[0];
	if (!str_has_prefix_case(url, "imaps://") &&
	    !(str_has_prefix_case(url, "imap://") && loopback_host(url))) {
		cli_error("reports fetch wants an imaps:// URL (imap:// only to a loopback address)");
		return EXIT_USAGE;
	}
	{
		/* userinfo is what precedes '@' in the authority (before the first '/') */
		const char *auth = strstr(url, "://") + 3;
		size_t alen = strcspn(auth, "/?#");
		const char *at = memchr(auth, '@', alen);

		if (at && memchr(auth, ':', (size_t)(at - auth))) {
			cli_error("no password in the URL: use a netrc file or $MAILSEC_IMAP_PASSWORD");
			return EXIT_USAGE;
		}
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	buf_init(&b, IMAP_SEARCH_MAX);
	if ((c = setup(o, url, &b)) == NULL)
		goto out_global;
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "UID SEARCH ALL");
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		cli_error("%s: %s", url, curl_easy_strerror(cc));
		curl_easy_cleanup(c);
		goto out_buf;
	}
	curl_easy_cleanup(c);
	/* "* SEARCH 1 2 3" */
	if ((p = strstr(buf_cstr(&b), "SEARCH")) != NULL) {
		char *line = xstrndup(p + 6, strcspn(p + 6, "\r\n"));

		uids = str_split(str_trim(line), ' ', &n);
		free(line);
	}
	if ((s = rep_open_store(o)) == NULL)
		goto out_buf;
	rep_ingest_opts(o, &io);
	if (ingest_new(&io, s, &in) != MS_OK) {
		store_close(s);
		goto out_buf;
	}
	/* one handle for every message: libcurl reuses the IMAP connection */
	c = NULL;
	for (size_t i = 0; i < n && i < IMAP_MESSAGES_MAX && !ingest_failed(in); i++) {
		char *u, *origin;
		uint64_t uid;
		struct buf m;

		if (str_to_u64(uids[i], strlen(uids[i]), UINT32_MAX, &uid) != MS_OK)
			continue;
		/* folder URL "imap://h/INBOX" + "/;UID=n" is libcurl's message syntax */
		u = xasprintf("%s%s;UID=%llu", url, url[strlen(url) - 1] == '/' ? "" : "/",
		    (unsigned long long)uid);
		buf_init(&m, IMAP_MESSAGE_MAX);
		if (c == NULL)
			c = setup(o, u, &m);
		else {
			curl_easy_setopt(c, CURLOPT_URL, u);
			curl_easy_setopt(c, CURLOPT_WRITEDATA, &m);
		}
		if (c && (cc = curl_easy_perform(c)) == CURLE_OK) {
			origin = xasprintf("%s;UID=%llu", url, (unsigned long long)uid);
			ingest_message(in, m.data ? m.data : "", m.len, origin);
			free(origin);
		} else if (c)
			cli_error("%s: %s", u, curl_easy_strerror(cc));
		buf_free(&m);
		free(u);
	}
	if (c)
		curl_easy_cleanup(c);
	if (ingest_finish(in) == MS_OK) {
		rep_print_counts(o, "fetch", ingest_counts(in));
		rc = ingest_counts(in)->rejected ? EXIT_ERRORS : EXIT_CLEAN;
	}
	ingest_free(in);
	store_close(s);
out_buf:
	strv_free(uids);
	buf_free(&b);
out_global:
	curl_global_cleanup();
	return rc;
}
