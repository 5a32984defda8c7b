/* src/reports/extract.c - find the reports in a file or a mail message (over mime/) */
#include "reports/extract.h"
#include "reports/tlsrpt_parse.h"
#include "mime/mime.h"
#include "mime/unpack.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

void
extract_opts_default(struct extract_opts *o)
{
	report_limits_default(&o->lim);
	o->keep_failure_bodies = true;
	o->max_failure_body = 256 * 1024;
}

/* first_nonspace - first byte that is not white space (or a UTF-8 BOM), or 0 */
static int
first_nonspace(const char *d, size_t n)
{
	size_t i = 0;

	if (n >= 3 && (unsigned char)d[0] == 0xef && (unsigned char)d[1] == 0xbb &&
	    (unsigned char)d[2] == 0xbf)
		i = 3;
	for (; i < n; i++)
		if (d[i] != ' ' && d[i] != '\t' && d[i] != '\r' && d[i] != '\n')
			return (unsigned char)d[i];
	return 0;
}

/*
 * parse_one - one report's bytes b[0..n) (one file of a container): parse it
 * as TLS-RPT JSON or DMARC XML by its first byte and deliver it, or the
 * reason it was rejected with the container's raw bytes for the quarantine.
 */
static void
parse_one(const char *b, size_t n, const char *origin, const char *data, size_t len,
    const struct extract_opts *o, const struct report_sink *s)
{
	struct arena ar;
	struct report_error err;
	char msg[300];
	int c = first_nonspace(b, n);

	arena_init(&ar);
	if (c == '{') {
		struct tlsrpt_report *r;

		if (xnomem(tlsrpt_parse(b, n, &o->lim, &ar, &r, &err)) == MS_OK)
			s->tlsrpt(s->arg, origin, r);
		else {
			snprintf(msg, sizeof(msg), "TLS-RPT: %s (byte %zu)", err.why, err.offset);
			s->rejected(s->arg, origin, msg, data, len);
		}
	} else if (c == '<') {
		struct dmarc_report *r;

		if (xnomem(dmarc_agg_parse(b, n, &o->lim, &ar, &r, &err)) == MS_OK)
			s->dmarc(s->arg, origin, r);
		else {
			snprintf(msg, sizeof(msg), "DMARC aggregate: %s (byte %zu)", err.why, err.offset);
			s->rejected(s->arg, origin, msg, data, len);
		}
	} else {
		s->rejected(s->arg, origin, n ? "neither XML nor JSON" : "empty report", data, len);
	}
	arena_free(&ar);
}

void
extract_blob(const char *data, size_t len, const char *origin,
    const struct extract_opts *o, const struct report_sink *s)
{
	struct unpacked u;
	char why[200], name[1200];

	if (unpack_all(data, len, o->lim.max_bytes, &u, why, sizeof(why)) != MS_OK) {
		s->rejected(s->arg, origin, why, data, len);
		unpacked_free(&u);
		return;
	}
	/* every report of a zip archive, each known by its entry's name */
	for (size_t i = 0; i < u.n; i++) {
		const char *b = u.all.data ? u.all.data + u.part[i].off : "";

		if (u.n > 1)
			snprintf(name, sizeof(name), "%s [%s]", origin, u.part[i].name);
		parse_one(b, u.part[i].len, u.n > 1 ? name : origin, data, len, o, s);
	}
	unpacked_free(&u);
}

bool
looks_like_mbox(const char *data, size_t len)
{
	return len >= 5 && memcmp(data, "From ", 5) == 0;
}

bool
looks_like_message(const char *data, size_t len)
{
	size_t i;

	/* a header field name, then ':' on the first line */
	for (i = 0; i < len && i < 80; i++) {
		unsigned char ch = (unsigned char)data[i];

		if (ch == ':')
			return i > 0;
		if (ch <= 32 || ch >= 127)
			return false;
	}
	return false;
}

struct walk {
	const struct extract_opts *o;
	const struct report_sink *s;
	const char *origin;
	bool tlsrpt_msg;	/* multipart/report; report-type=tlsrpt */
	bool arf_msg;		/* multipart/report; report-type=feedback-report */
	size_t found;
	struct mime_part *feedback;	/* message/feedback-report part */
	struct mime_part *sample;	/* text/rfc822-headers or message/rfc822 part */
	struct mime_part *text;		/* first text/plain part */
	struct mime_part *top;		/* the message's top-level part */
	char origin_buf[1200];
	size_t nth;
};

/* is_type - content type of obj is type/subtype (case-insensitive) */
static bool
is_type(struct mime_part *obj, const char *type, const char *sub)
{
	return mime_part_is(obj, type, sub);
}

/* report_filename - the part's file name ends in one of the report suffixes */
static bool
report_filename(struct mime_part *obj)
{
	const char *fn = mime_part_filename(obj);

	return fn && (str_has_suffix_case(fn, ".xml") || str_has_suffix_case(fn, ".gz") ||
	    str_has_suffix_case(fn, ".zip") || str_has_suffix_case(fn, ".json") ||
	    str_has_suffix_case(fn, ".xml.gz"));
}

/* visit - one MIME object of the message (mime_msg_foreach order) */
static void
visit(void *arg, struct mime_part *obj)
{
	struct walk *w = arg;
	bool candidate = false;

	if (is_type(obj, "message", "feedback-report")) {
		w->feedback = obj;
		return;
	}
	if (is_type(obj, "text", "rfc822-headers") || is_type(obj, "message", "rfc822") ||
	    is_type(obj, "message", "global") || is_type(obj, "message", "global-headers")) {
		if (w->sample == NULL)
			w->sample = obj;
		return;
	}
	if (!mime_part_is_leaf(obj))
		return;
	if (is_type(obj, "text", "plain") && w->text == NULL)
		w->text = obj;
	if (w->tlsrpt_msg || (obj == w->top && (is_type(obj, "application", "tlsrpt+json") ||
	    is_type(obj, "application", "tlsrpt+gzip")))) {
		/* RFC 8460 §5.3: multipart/report; report-type=tlsrpt, or the report alone */
		candidate = is_type(obj, "application", "tlsrpt+json") ||
		    is_type(obj, "application", "tlsrpt+gzip");
	} else if (!w->arf_msg) {
		candidate = is_type(obj, "application", "zip") ||
		    is_type(obj, "application", "x-zip") ||
		    is_type(obj, "application", "x-zip-compressed") ||
		    is_type(obj, "application", "gzip") || is_type(obj, "application", "x-gzip") ||
		    is_type(obj, "application", "xml") || is_type(obj, "text", "xml") ||
		    (is_type(obj, "application", "octet-stream") && report_filename(obj));
	}
	if (candidate) {
		struct mime_bytes ba;
		const char *fn = mime_part_filename(obj);

		w->nth++;
		snprintf(w->origin_buf, sizeof(w->origin_buf), "%s [%s]", w->origin,
		    fn ? fn : "attachment");
		w->found++;
		if (!mime_part_content(obj, w->o->lim.max_bytes, &ba)) {
			w->s->rejected(w->s->arg, w->origin_buf, "attachment exceeds the size cap",
			    NULL, 0);
			return;
		}
		extract_blob(ba.data, ba.len, w->origin_buf, w->o, w->s);
		mime_bytes_free(&ba);
	}
}

/* arf_fields - parse "Name: value" lines (RFC 5965 §3.1), with continuations */
static void
arf_fields(struct arena *ar, const char *t, size_t n, struct failure_report *f, bool fold)
{
	size_t i = 0;

	while (i < n) {
		size_t s = i, colon = 0, e;
		char *name, *v;

		while (i < n && t[i] != '\n') {
			if (t[i] == ':' && colon == 0)
				colon = i;
			i++;
		}
		/* continuation lines */
		while (fold && i + 1 < n && (t[i + 1] == ' ' || t[i + 1] == '\t')) {
			i++;
			while (i < n && t[i] != '\n')
				i++;
		}
		e = i;
		i++;
		if (colon == 0 || colon <= s)
			continue;
		name = arena_strndup(ar, t + s, colon - s);
		v = arena_strndup(ar, t + colon + 1, e - colon - 1);
		for (char *p = v; *p; p++)
			if (*p == '\r' || *p == '\n' || *p == '\t')
				*p = ' ';
		str_trim(name);
		str_trim(v);
		if (str_caseeq(name, "Feedback-Type"))
			f->feedback_type = str_lower(v);
		else if (str_caseeq(name, "Source-IP") || str_caseeq(name, "Sender IP Address"))
			f->source_ip = v;
		else if (str_caseeq(name, "Reported-Domain") || str_caseeq(name, "Sender Domain"))
			f->reported_domain = str_lower(v);
		else if (str_caseeq(name, "Arrival-Date") || str_caseeq(name, "Received-Date") ||
		    str_caseeq(name, "Received date"))
			f->arrival_date = v;
		else if (str_caseeq(name, "Original-Mail-From"))
			f->original_mail_from = v;
		else if (str_caseeq(name, "Original-Rcpt-To"))
			f->original_rcpt_to = v;
		else if (str_caseeq(name, "Auth-Failure"))
			f->auth_failure = str_lower(v);
		else if (str_caseeq(name, "Authentication-Results") && f->authentication_results == NULL)
			f->authentication_results = v;
		else if (str_caseeq(name, "Delivery-Result"))
			f->delivery_result = str_lower(v);
		else if (str_caseeq(name, "Reporting-MTA") && f->reporter == NULL)
			f->reporter = v;
	}
}

/* arena_bytes - a copy of n bytes that may contain NULs, NUL-terminated */
static char *
arena_bytes(struct arena *ar, const void *p, size_t n)
{
	char *d = arena_alloc(ar, n + 1);

	if (n)
		memcpy(d, p, n);
	return d;
}

/* sha_hex - hex SHA-256 of data into out[65] */
static void
sha_hex(const char *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* failure_from_message - build a failure report from an ARF or plain-text message */
static void
failure_from_message(struct walk *w, struct mime_msg *m, const char *data, size_t len)
{
	struct mime_bytes owned;
	struct arena ar;
	struct failure_report *f;
	const char *mid = mime_msg_id(m);
	const char *addr = mime_msg_from_addr(m);
	char hex[65];

	memset(&owned, 0, sizeof(owned));
	/* a streamed mbox message has no byte range at hand: write it out */
	if (data == NULL) {
		mime_msg_write(m, &owned);
		data = owned.data ? owned.data : "";
		len = strlen(data);
	}
	arena_init(&ar);
	f = arena_alloc(&ar, sizeof(*f));
	f->date = mime_msg_date(m);
	if (w->feedback) {
		struct mime_bytes ba;

		mime_part_written(w->feedback, &ba);
		arf_fields(&ar, ba.data, ba.len, f, true);
		mime_bytes_free(&ba);
	}
	if (w->text) {
		struct mime_bytes ba;

		if (mime_part_content(w->text, 1024 * 1024, &ba)) {
			struct failure_report t;

			memset(&t, 0, sizeof(t));
			arf_fields(&ar, ba.data, ba.len, &t, false);
			if (f->source_ip == NULL)
				f->source_ip = t.source_ip;
			if (f->reported_domain == NULL)
				f->reported_domain = t.reported_domain;
			if (f->arrival_date == NULL)
				f->arrival_date = t.arrival_date;
			if (f->authentication_results == NULL)
				f->authentication_results = t.authentication_results;
			mime_bytes_free(&ba);
		}
	}
	if (f->feedback_type == NULL)
		f->feedback_type = arena_strdup(&ar, "auth-failure");
	if (mid && *mid)
		f->report_id = arena_strdup(&ar, mid);
	else {
		sha_hex(data, len, hex);
		f->report_id = arena_strdup(&ar, hex);
	}
	if (addr) {
		const char *at = strrchr(addr, '@');

		if (at && at[1])
			f->reporter = str_lower(arena_strdup(&ar, at + 1));
	}
	if (f->reporter == NULL)
		f->reporter = arena_strdup(&ar, "unknown");
	if (w->o->keep_failure_bodies && w->sample) {
		struct mime_bytes ba;
		size_t n;

		mime_part_written(w->sample, &ba);
		n = ba.len > w->o->max_failure_body ? w->o->max_failure_body : ba.len;
		f->body = arena_bytes(&ar, ba.data, n);
		f->body_len = n;
		mime_bytes_free(&ba);
	} else if (w->o->keep_failure_bodies && w->text && !w->feedback) {
		/* plain-text reports carry the sample inline */
		struct mime_bytes ba;

		if (mime_part_content(w->text, 1024 * 1024, &ba)) {
			size_t n = ba.len > w->o->max_failure_body ? w->o->max_failure_body : ba.len;

			f->body = arena_bytes(&ar, ba.data, n);
			f->body_len = n;
			mime_bytes_free(&ba);
		}
	}
	if (f->reported_domain == NULL) {
		w->s->rejected(w->s->arg, w->origin, "failure report names no reported domain", data, len);
	} else {
		w->s->failure(w->s->arg, w->origin, f);
	}
	mime_bytes_free(&owned);
	arena_free(&ar);
}

/* looks_like_plain_failure - the plain-text DMARC failure reports some MTAs send */
static bool
looks_like_plain_failure(struct mime_msg *m)
{
	const char *subj = mime_msg_subject(m);

	if (subj == NULL)
		return false;
	return strstr(subj, "DMARC") && (strstr(subj, "Forensic") || strstr(subj, "Failure") ||
	    strstr(subj, "failure"));
}

#define FORWARD_DEPTH_MAX	3	/* reports forwarded inside forwarded messages */

/*
 * classify - deliver the reports of one parsed message; returns how many were
 * delivered (reports, failure reports, rejections).  A message with none
 * whose first message/rfc822 part is not a failure report's sample is looked
 * into: people forward report mail (depth-limited).
 */
static size_t
classify(struct mime_msg *m, const char *origin, const char *data, size_t len,
    const struct extract_opts *o, const struct report_sink *s, int depth)
{
	struct walk w;
	struct mime_part *top = mime_msg_top(m);

	memset(&w, 0, sizeof(w));
	w.o = o;
	w.s = s;
	w.origin = origin;
	w.top = top;
	if (top && is_type(top, "multipart", "report")) {
		const char *rt = mime_part_param(top, "report-type");

		w.tlsrpt_msg = rt && str_caseeq(rt, "tlsrpt");
		w.arf_msg = rt && str_caseeq(rt, "feedback-report");
	}
	if (top)
		mime_msg_foreach(m, visit, &w);
	if (w.found)
		return w.found;
	if (w.arf_msg || w.feedback || (!w.tlsrpt_msg && looks_like_plain_failure(m))) {
		failure_from_message(&w, m, data, len);
		return 1;
	}
	if (depth < FORWARD_DEPTH_MAX && w.sample && mime_part_message(w.sample)) {
		struct mime_msg *inner = mime_part_message(w.sample);
		struct mime_bytes ba;
		size_t n;
		char name[1200];

		mime_part_written(w.sample, &ba);
		snprintf(name, sizeof(name), "%s [forwarded]", origin);
		n = classify(inner, name, ba.data, ba.len, o, s, depth + 1);
		mime_bytes_free(&ba);
		return n;
	}
	return 0;
}

/* one_message - classify and deliver one parsed message, or say it carries no report */
static void
one_message(struct mime_msg *m, const char *origin, const char *data, size_t len,
    const struct extract_opts *o, const struct report_sink *s)
{
	if (classify(m, origin, data, len, o, s, 0) == 0)
		s->noreport(s->arg, origin);
}

void
extract_message(const char *data, size_t len, const char *origin,
    const struct extract_opts *o, const struct report_sink *s)
{
	struct mime_msg *m = mime_parse(data, len);

	if (m == NULL)
		s->rejected(s->arg, origin, "not a mail message", data, len);
	else {
		one_message(m, origin, data, len, o, s);
		mime_msg_free(m);
	}
}

/* What mbox_one needs besides the message. */
struct mbox_walk {
	const char *origin;
	const struct extract_opts *o;
	const struct report_sink *s;
};

/* mbox_one - the nth message of an mbox, known as "ORIGIN#n" */
static void
mbox_one(void *arg, struct mime_msg *m, size_t nth, const char *data, size_t len)
{
	struct mbox_walk *mw = arg;
	char name[1200];

	snprintf(name, sizeof(name), "%s#%zu", mw->origin, nth);
	one_message(m, name, data, len, mw->o, mw->s);
}

void
extract_mbox(const char *data, size_t len, const char *origin,
    const struct extract_opts *o, const struct report_sink *s)
{
	struct mbox_walk mw = { origin, o, s };

	mime_mbox_each(data, len, mbox_one, &mw);
}

void
extract_mbox_fp(FILE *fp, const char *origin, const struct extract_opts *o,
    const struct report_sink *s)
{
	struct mbox_walk mw = { origin, o, s };

	mime_mbox_each_fp(fp, mbox_one, &mw);
}
