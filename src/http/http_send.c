/* src/http/http_send.c - blocking sends over libcurl: an HTTPS POST, a message through an SMTP relay */
#include "http/http_send.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the read callback hands libcurl: the message, from off on. */
struct upload {
	const char *p;
	size_t len, off;
};

/* read_cb - libcurl asks for the next piece of the upload */
static size_t
read_cb(char *out, size_t size, size_t n, void *arg)
{
	struct upload *u = arg;
	size_t want = size * n, left = u->len - u->off;

	if (want > left)
		want = left;
	memcpy(out, u->p + u->off, want);
	u->off += want;
	return want;
}

/* discard_cb - the answer's body is not wanted (at most what libcurl hands, dropped) */
static size_t
discard_cb(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/*
 * add_ca_file - CURLOPT_SSL_CTX_FUNCTION: add the CA file (arg) to the store
 * libcurl built from the system bundle (CURLOPT_CAINFO would replace it)
 */
static CURLcode
add_ca_file(CURL *e, void *sslctx, void *arg)
{
	X509_STORE *store = SSL_CTX_get_cert_store(sslctx);

	(void)e;
	if (store == NULL || X509_STORE_load_file(store, arg) != 1) {
		ERR_clear_error();
		return CURLE_SSL_CACERT_BADFILE;
	}
	return CURLE_OK;
}

/* common_opts - what both transfers set: timeouts, no signals, certificates (ca_file borrowed) */
static void
common_opts(CURL *e, const char *ca_file, double timeout, char *errbuf)
{
	long ms = (long)(timeout * 1000.0);

	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 10000L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 ? ms : 10000L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_file) {
		curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, add_ca_file);
		curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, (void *)ca_file);
	}
}

/* fail_why - curl's words for rc into why */
static void
fail_why(CURLcode rc, const char *errbuf, char *why, size_t whylen)
{
	snprintf(why, whylen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

enum ms_status
http_post(const char *url, const char *const *headers, size_t nheaders, const char *body,
    size_t len, const char *ca_file, double timeout, long *status, char *why, size_t whylen)
{
	CURL *e;
	struct curl_slist *h = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;
	long code = 0;
	enum ms_status st = MS_OK;

	why[0] = '\0';
	if (status)
		*status = 0;
	if (!str_has_prefix_case(url, "https://")) {
		snprintf(why, whylen, "not an https:// URL");
		return MS_ERR_ARG;
	}
	if ((e = curl_easy_init()) == NULL) {
		snprintf(why, whylen, "libcurl could not start a transfer");
		return MS_ERR_INTERNAL;
	}
	common_opts(e, ca_file, timeout, errbuf);
	curl_easy_setopt(e, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "mailsec-notify");
	h = curl_slist_append(h, "Expect:");	/* no 100-continue round trip */
	for (size_t i = 0; i < nheaders; i++)
		h = curl_slist_append(h, headers[i]);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	if (status)
		*status = code;
	if (rc != CURLE_OK) {
		fail_why(rc, errbuf, why, whylen);
		st = MS_ERR_IO;
	} else if (code < 200 || code > 299) {
		snprintf(why, whylen, "the receiver answered HTTP %ld", code);
		st = MS_ERR_IO;
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	return st;
}

enum ms_status
smtp_send(const char *relay, const char *from, const char *rcpt, const char *msg, size_t len,
    const char *ca_file, double timeout, char *why, size_t whylen)
{
	CURL *e;
	struct curl_slist *to = NULL;
	struct upload u = { msg, len, 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	char *url, *mfrom, *mrcpt;
	CURLcode rc;
	enum ms_status st = MS_OK;

	why[0] = '\0';
	if ((e = curl_easy_init()) == NULL) {
		snprintf(why, whylen, "libcurl could not start a transfer");
		return MS_ERR_INTERNAL;
	}
	url = xasprintf("smtp://%s", relay);
	mfrom = xasprintf("<%s>", from);
	mrcpt = xasprintf("<%s>", rcpt);
	common_opts(e, ca_file, timeout, errbuf);
	curl_easy_setopt(e, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)CURLPROTO_SMTP);
#endif
	curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, mfrom);
	to = curl_slist_append(to, mrcpt);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(e, CURLOPT_READDATA, &u);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	rc = curl_easy_perform(e);
	if (rc != CURLE_OK) {
		fail_why(rc, errbuf, why, whylen);
		st = MS_ERR_IO;
	}
	curl_slist_free_all(to);
	curl_easy_cleanup(e);
	free(url);
	free(mfrom);
	free(mrcpt);
	return st;
}
