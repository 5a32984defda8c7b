/* src/web/web_reports.c - reports over HTTPS: TLS-RPT POSTs (RFC 8460 §3) and the DMARC report upload */
#include "web/web_impl.h"
#include "fleet/fleet.h"
#include "reports/ingest.h"
#include "store/store.h"
#include "util/str.h"
#include "util/termsafe.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Both go through reports/ingest, as `reports ingest` does for a file:
 * unpacked within extract_opts' caps (mime/unpack), parsed, stored.  First a
 * parse-only pass says what the body holds, so a body that is not what the
 * endpoint takes (a DMARC report at the TLS-RPT path, a report about a
 * domain the workspace has not proved it controls, something unreadable) is
 * refused with nothing stored; then the store pass puts it in one
 * transaction: all or nothing when the database fails (500).  A report
 * already stored is a duplicate: 200 instead of 201.
 */

/* ingest_error - the ingest's errors go to the log, never to the client (strangers' text escaped) */
static void
ingest_error(void *arg, const char *msg)
{
	char *m = term_safe_str(msg);

	fprintf(stderr, "mailsec serve: event=error msg=\"%s\"\n", m);
	free(m);
}

/*
 * look - the parse-only pass over body: the items found (a new reference),
 * or NULL when the ingest could not be made
 */
static json_t *
look(const struct httpd_request *r, const char *origin)
{
	struct ingest_opts o;
	struct ingest *in;
	json_t *items = NULL;

	memset(&o, 0, sizeof(o));
	extract_opts_default(&o.x);
	o.parse_only = true;
	o.error = ingest_error;
	if (ingest_new(&o, NULL, &in) != MS_OK)
		return NULL;
	ingest_blob(in, r->body, r->body_len, origin);
	if (ingest_finish(in) == MS_OK)
		items = json_incref(ingest_items(in));
	ingest_free(in);
	return items;
}

/* store_it - the store pass: 201 stored, 200 a duplicate, 500 when the database failed (nothing kept) */
static struct httpd_response *
store_it(struct web *w, const struct httpd_request *r, const char *origin)
{
	struct ingest_opts o;
	struct ingest *in;
	struct ingest_counts c;
	enum ms_status st;

	memset(&o, 0, sizeof(o));
	extract_opts_default(&o.x);
	o.error = ingest_error;
	if (ingest_new(&o, fleet_store(w->cfg.fleet), &in) != MS_OK)
		return web_err(500, "internal", "the database failed");
	ingest_blob(in, r->body, r->body_len, origin);
	st = ingest_finish(in);
	c = *ingest_counts(in);
	ingest_free(in);
	if (st != MS_OK)
		return web_err(500, "internal", "the report could not be stored: nothing was kept");
	return web_json(c.ingested ? 201 : 200, json_pack("{s:I,s:I}", "stored", (json_int_t)c.ingested,
	    "duplicates", (json_int_t)c.duplicates));
}

/* refused - the first item that is not of type want, as a 4xx; NULL when every item is one */
static struct httpd_response *
refused(json_t *items, const char *want)
{
	size_t i;
	json_t *it;

	if (items == NULL)
		return web_err(500, "internal", "out of memory");
	if (json_array_size(items) == 0)
		return web_err(400, "no_report", "no report found in the body");
	json_array_foreach(items, i, it) {
		const char *type = json_string_value(json_object_get(it, "type"));
		const char *why = json_string_value(json_object_get(it, "reason"));

		if (type && strcmp(type, "rejected") == 0)
			return web_err(400, "bad_report", why ? why : "not a report");
		if (type == NULL || strcmp(type, want) != 0)
			return web_err(415, "wrong_report", strcmp(want, "tlsrpt") == 0 ?
			    "this path takes TLS-RPT reports (RFC 8460)" :
			    "this path takes DMARC aggregate reports");
	}
	return NULL;
}

struct httpd_response *
web_tlsrpt(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	const char *ct = httpd_header(r, "Content-Type");
	bool gz, is_gz = r->body_len >= 2 && (unsigned char)r->body[0] == 0x1f &&
	    (unsigned char)r->body[1] == 0x8b;
	struct httpd_response *resp;
	char *origin;
	json_t *items;

	if (ct && str_has_prefix_case(ct, "application/tlsrpt+gzip"))
		gz = true;
	else if (ct && str_has_prefix_case(ct, "application/tlsrpt+json"))
		gz = false;
	else
		return web_err(415, "unsupported_media_type",
		    "Content-Type must be application/tlsrpt+gzip or application/tlsrpt+json");
	if (gz != is_gz)
		return web_err(400, "bad_report", gz ? "the body is not gzip" :
		    "the body is gzip: send it as application/tlsrpt+gzip");
	origin = xasprintf("https POST /tlsrpt/v1 from %s", r->client);
	items = look(r, origin);
	if ((resp = refused(items, "tlsrpt")) == NULL)
		resp = store_it(w, r, origin);
	json_decref(items);
	free(origin);
	return resp;
}

struct httpd_response *
web_api_upload(void *arg, const struct httpd_request *r, const char *const *params)
{
	struct web *w = arg;
	struct acct_principal p;
	struct httpd_response *resp;
	const char *ws;
	char *origin = NULL;
	json_t *items = NULL, *it;
	size_t i;

	if ((resp = web_authn(w, r, &p)) != NULL)
		goto out;
	if ((resp = web_csrf(r, &p, NULL)) != NULL ||
	    (resp = web_workspace(w, r, &p, ACCT_READ | ACCT_WRITE, &ws)) != NULL)
		goto out;
	origin = xasprintf("upload by %s to %s from %s", p.user, ws, r->client);
	items = look(r, origin);
	if ((resp = refused(items, "dmarc")) != NULL)
		goto out;
	/* only reports about domains this workspace proved it controls: nobody plants another's data */
	json_array_foreach(items, i, it) {
		const char *d = json_string_value(json_object_get(json_object_get(json_object_get(it,
		    "report"), "policy_published"), "domain"));
		char *ld = d ? str_lower(xstrdup(d)) : NULL;
		bool proved = false;

		if (ld == NULL || accounts_proof_verified(w->cfg.accounts, ws, ld, &proved) != MS_OK ||
		    !proved) {
			free(ld);
			resp = web_err(403, "not_proved", "a report about a domain this workspace has not "
			    "proved it controls");
			goto out;
		}
		free(ld);
	}
	resp = store_it(w, r, origin);
out:
	json_decref(items);
	free(origin);
	accounts_principal_clear(&p);
	return resp;
}
