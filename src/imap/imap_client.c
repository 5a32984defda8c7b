/* src/imap/imap_client.c - reading a mailbox over IMAP (libcurl): search it, fetch its messages */
#include "imap/imap_client.h"
#include "imap/imap_reply.h"
#include "util/ipaddr.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct imap_client {
	char *url;
	struct imap_client_opts o;
	CURL *curl;		/* made at the first transfer, kept: one connection */
};

void
imap_client_opts_default(struct imap_client_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->connect_timeout = 30;
	o->search_max = 16u * 1024 * 1024;
	o->message_max = 64u * 1024 * 1024;
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

enum ms_status
imap_url_check(const char *url, char *why, size_t whylen)
{
	const char *auth, *at;
	size_t alen;

	if (!str_has_prefix_case(url, "imaps://") &&
	    !(str_has_prefix_case(url, "imap://") && loopback_host(url))) {
		snprintf(why, whylen, "reports fetch wants an imaps:// URL (imap:// only to a loopback address)");
		return MS_ERR_ARG;
	}
	/* userinfo is what precedes '@' in the authority (before the first '/') */
	auth = strstr(url, "://") + 3;
	alen = strcspn(auth, "/?#");
	at = memchr(auth, '@', alen);
	if (at && memchr(auth, ':', (size_t)(at - auth))) {
		snprintf(why, whylen, "no password in the URL: use a netrc file or $MAILSEC_IMAP_PASSWORD");
		return MS_ERR_ARG;
	}
	return MS_OK;
}

/* on_data - libcurl write callback into a struct buf (stops at its maximum) */
static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (buf_append(b, p, size * n) != MS_OK)
		return 0;
	return size * n;
}

/* handle - the client's curl handle set for url writing into b (made at first use), or NULL */
static CURL *
handle(struct imap_client *c, const char *url, struct buf *b)
{
	CURL *h = c->curl;

	if (h == NULL) {
		if ((h = curl_easy_init()) == NULL)
			return NULL;
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->o.connect_timeout);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "imap,imaps");
		/* imaps:// verifies the server's certificate and name (libcurl's defaults, stated) */
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
		if (c->o.cacert)
			curl_easy_setopt(h, CURLOPT_CAINFO, c->o.cacert);
		if (c->o.password && *c->o.password)
			curl_easy_setopt(h, CURLOPT_PASSWORD, c->o.password);
		else {
			curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_REQUIRED);
			if (c->o.netrc)
				curl_easy_setopt(h, CURLOPT_NETRC_FILE, c->o.netrc);
		}
		c->curl = h;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	return h;
}

struct imap_client *
imap_client_new(const char *url, const struct imap_client_opts *o)
{
	struct imap_client *c;

	/* Counted by libcurl (thread-safe since 7.84): one per client, undone by imap_client_free. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	c = xcalloc(1, sizeof(*c));

	c->url = xstrdup(url);
	c->o = *o;
	c->o.password = o->password ? xstrdup(o->password) : NULL;
	c->o.netrc = o->netrc ? xstrdup(o->netrc) : NULL;
	c->o.cacert = o->cacert ? xstrdup(o->cacert) : NULL;
	return c;
}

void
imap_client_free(struct imap_client *c)
{
	if (c == NULL)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->url);
	free((char *)c->o.password);
	free((char *)c->o.netrc);
	free((char *)c->o.cacert);
	free(c);
	curl_global_cleanup();
}

const char *
imap_client_url(const struct imap_client *c)
{
	return c->url;
}

enum ms_status
imap_search_all(struct imap_client *c, uint32_t **uids, size_t *n, char *why, size_t whylen)
{
	struct imap_reply_limits lim;
	struct imap_reply r;
	struct imap_error err;
	struct buf b;
	CURLcode cc;
	CURL *h;
	enum ms_status st;

	*uids = NULL;
	*n = 0;
	buf_init(&b, c->o.search_max);
	if ((h = handle(c, c->url, &b)) == NULL) {
		snprintf(why, whylen, "%s: libcurl could not start", c->url);
		buf_free(&b);
		return MS_ERR_IO;
	}
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "UID SEARCH ALL");
	cc = curl_easy_perform(h);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
	if (cc != CURLE_OK) {
		snprintf(why, whylen, "%s: %s", c->url, cc == CURLE_WRITE_ERROR ?
		    "the SEARCH reply exceeds its size cap" : curl_easy_strerror(cc));
		buf_free(&b);
		return MS_ERR_IO;
	}
	imap_reply_limits_default(&lim);
	st = xnomem(imap_reply_parse(b.data ? b.data : "", b.len, &lim, &r, &err));
	if (st == MS_OK && (!r.searched || r.bye || r.tagged == IMAP_NO || r.tagged == IMAP_BAD)) {
		snprintf(err.why, sizeof(err.why), "%s", r.bye ? "the server said BYE" :
		    r.tagged != IMAP_OK && r.tagged != IMAP_NONE ? "the server refused the search" :
		    "no SEARCH response");
		err.offset = b.len;
		st = MS_ERR_SYNTAX;
	}
	if (st != MS_OK)
		snprintf(why, whylen, "%s: UID SEARCH: %s (byte %zu of the reply)", c->url, err.why,
		    err.offset);
	else {
		*uids = r.numbers;
		*n = r.nnumbers;
		r.numbers = NULL;
	}
	imap_reply_free(&r);
	buf_free(&b);
	return st;
}

char *
imap_message_url(const struct imap_client *c, uint32_t uid)
{
	/* folder URL "imap://h/INBOX" + "/;UID=n" is libcurl's message syntax (RFC 5092) */
	return xasprintf("%s%s;UID=%lu", c->url, c->url[0] && c->url[strlen(c->url) - 1] == '/' ?
	    "" : "/", (unsigned long)uid);
}

enum ms_status
imap_fetch_uid(struct imap_client *c, uint32_t uid, struct buf *out, char *why, size_t whylen)
{
	char *u = imap_message_url(c, uid);
	CURLcode cc;
	CURL *h;

	buf_init(out, c->o.message_max);
	if ((h = handle(c, u, out)) == NULL) {
		snprintf(why, whylen, "%s: libcurl could not start", u);
		free(u);
		return MS_ERR_IO;
	}
	if ((cc = curl_easy_perform(h)) != CURLE_OK) {
		snprintf(why, whylen, "%s: %s", u, curl_easy_strerror(cc));
		free(u);
		return MS_ERR_IO;
	}
	free(u);
	return MS_OK;
}
