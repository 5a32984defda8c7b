/* src/checks/reports/extract.c - find the reports in a file or a mail message (GMime) */
#include "checks/reports/extract.h"
#include "checks/reports/tlsrpt_parse.h"
#include "checks/reports/unpack.h"
#include "util/buf.h"
#include "util/str.h"

#include <gmime/gmime.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t gm_once = PTHREAD_ONCE_INIT;

/* gm_init - GMime's process-wide set-up, once */
static void
gm_init(void)
{
	g_mime_init();
}

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

		if (tlsrpt_parse(b, n, &o->lim, &ar, &r, &err) == MS_OK)
			s->tlsrpt(s->arg, origin, r);
		else {
			snprintf(msg, sizeof(msg), "TLS-RPT: %s (byte %zu)", err.why, err.offset);
			s->rejected(s->arg, origin, msg, data, len);
		}
	} else if (c == '<') {
		struct dmarc_report *r;

		if (dmarc_agg_parse(b, n, &o->lim, &ar, &r, &err) == MS_OK)
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

/* part_bytes - the decoded content of a leaf part (transfer encoding undone); caller frees */
static GByteArray *
part_bytes(GMimePart *part, size_t max)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *mem;
	GByteArray *ba;

	if (w == NULL)
		return NULL;
	ba = g_byte_array_new();
	mem = g_mime_stream_mem_new_with_byte_array(ba);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_mime_data_wrapper_write_to_stream(w, mem);
	g_object_unref(mem);
	if (ba->len > max) {
		g_byte_array_free(ba, TRUE);
		return NULL;
	}
	return ba;
}

/* object_bytes - an object (message/rfc822, text/rfc822-headers) as written; caller frees */
static GByteArray *
object_bytes(GMimeObject *obj)
{
	GByteArray *ba = g_byte_array_new();
	GMimeStream *mem = g_mime_stream_mem_new_with_byte_array(ba);

	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (m)
			g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, mem);
	} else if (GMIME_IS_PART(obj)) {
		GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(obj));

		if (w)
			g_mime_data_wrapper_write_to_stream(w, mem);
	}
	g_object_unref(mem);
	return ba;
}

struct walk {
	const struct extract_opts *o;
	const struct report_sink *s;
	const char *origin;
	bool tlsrpt_msg;	/* multipart/report; report-type=tlsrpt */
	bool arf_msg;		/* multipart/report; report-type=feedback-report */
	size_t found;
	GMimeObject *feedback;	/* message/feedback-report part */
	GMimeObject *sample;	/* text/rfc822-headers or message/rfc822 part */
	GMimeObject *text;	/* first text/plain part */
	GMimeObject *top;	/* the message's top-level part */
	char origin_buf[1200];
	size_t nth;
};

/* is_type - content type of obj is type/subtype (case-insensitive) */
static bool
is_type(GMimeObject *obj, const char *type, const char *sub)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	return ct && g_mime_content_type_is_type(ct, type, sub);
}

/* report_filename - the part's file name ends in one of the report suffixes */
static bool
report_filename(GMimeObject *obj)
{
	const char *fn = GMIME_IS_PART(obj) ? g_mime_part_get_filename(GMIME_PART(obj)) : NULL;

	return fn && (str_has_suffix_case(fn, ".xml") || str_has_suffix_case(fn, ".gz") ||
	    str_has_suffix_case(fn, ".zip") || str_has_suffix_case(fn, ".json") ||
	    str_has_suffix_case(fn, ".xml.gz"));
}

/* visit - one MIME object of the message (g_mime_message_foreach order) */
static void
visit(GMimeObject *parent, GMimeObject *obj, gpointer arg)
{
	struct walk *w = arg;
	bool candidate = false;

	(void)parent;
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
	if (!GMIME_IS_PART(obj))
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
		GByteArray *ba = part_bytes(GMIME_PART(obj), w->o->lim.max_bytes);
		const char *fn = g_mime_part_get_filename(GMIME_PART(obj));

		w->nth++;
		snprintf(w->origin_buf, sizeof(w->origin_buf), "%s [%s]", w->origin,
		    fn ? fn : "attachment");
		w->found++;
		if (ba == NULL) {
			w->s->rejected(w->s->arg, w->origin_buf, "attachment exceeds the size cap",
			    NULL, 0);
			return;
		}
		extract_blob((const char *)ba->data, ba->len, w->origin_buf, w->o, w->s);
		g_byte_array_free(ba, TRUE);
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
failure_from_message(struct walk *w, GMimeMessage *m, const char *data, size_t len)
{
	char *owned = NULL;
	struct arena ar;
	struct failure_report *f;
	const char *mid = g_mime_message_get_message_id(m);
	InternetAddressList *from = g_mime_message_get_from(m);
	GDateTime *dt = g_mime_message_get_date(m);
	char hex[65];

	/* a streamed mbox message has no byte range at hand: write it out */
	if (data == NULL) {
		owned = g_mime_object_to_string(GMIME_OBJECT(m), NULL);
		data = owned ? owned : "";
		len = strlen(data);
	}
	arena_init(&ar);
	f = arena_alloc(&ar, sizeof(*f));
	f->date = dt ? (int64_t)g_date_time_to_unix(dt) : -1;
	if (w->feedback) {
		GByteArray *ba = object_bytes(w->feedback);

		arf_fields(&ar, (const char *)ba->data, ba->len, f, true);
		g_byte_array_free(ba, TRUE);
	}
	if (w->text) {
		GByteArray *ba = part_bytes(GMIME_PART(w->text), 1024 * 1024);

		if (ba) {
			struct failure_report t;

			memset(&t, 0, sizeof(t));
			arf_fields(&ar, (const char *)ba->data, ba->len, &t, false);
			if (f->source_ip == NULL)
				f->source_ip = t.source_ip;
			if (f->reported_domain == NULL)
				f->reported_domain = t.reported_domain;
			if (f->arrival_date == NULL)
				f->arrival_date = t.arrival_date;
			if (f->authentication_results == NULL)
				f->authentication_results = t.authentication_results;
			g_byte_array_free(ba, TRUE);
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
	if (from && internet_address_list_length(from) > 0) {
		InternetAddress *ia = internet_address_list_get_address(from, 0);

		if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
			const char *at = addr ? strrchr(addr, '@') : NULL;

			if (at && at[1])
				f->reporter = str_lower(arena_strdup(&ar, at + 1));
		}
	}
	if (f->reporter == NULL)
		f->reporter = arena_strdup(&ar, "unknown");
	if (w->o->keep_failure_bodies && w->sample) {
		GByteArray *ba = object_bytes(w->sample);
		size_t n = ba->len > w->o->max_failure_body ? w->o->max_failure_body : ba->len;

		f->body = arena_bytes(&ar, ba->data, n);
		f->body_len = n;
		g_byte_array_free(ba, TRUE);
	} else if (w->o->keep_failure_bodies && w->text && !w->feedback) {
		/* plain-text reports carry the sample inline */
		GByteArray *ba = part_bytes(GMIME_PART(w->text), 1024 * 1024);

		if (ba) {
			size_t n = ba->len > w->o->max_failure_body ? w->o->max_failure_body : ba->len;

			f->body = arena_bytes(&ar, ba->data, n);
			f->body_len = n;
			g_byte_array_free(ba, TRUE);
		}
	}
	if (f->reported_domain == NULL) {
		w->s->rejected(w->s->arg, w->origin, "failure report names no reported domain", data, len);
	} else {
		w->s->failure(w->s->arg, w->origin, f);
	}
	g_free(owned);
	arena_free(&ar);
}

/* looks_like_plain_failure - the plain-text DMARC failure reports some MTAs send */
static bool
looks_like_plain_failure(GMimeMessage *m)
{
	const char *subj = g_mime_message_get_subject(m);

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
classify(GMimeMessage *m, const char *origin, const char *data, size_t len,
    const struct extract_opts *o, const struct report_sink *s, int depth)
{
	struct walk w;
	GMimeObject *top = g_mime_message_get_mime_part(m);

	memset(&w, 0, sizeof(w));
	w.o = o;
	w.s = s;
	w.origin = origin;
	w.top = top;
	if (top && is_type(top, "multipart", "report")) {
		const char *rt = g_mime_object_get_content_type_parameter(top, "report-type");

		w.tlsrpt_msg = rt && str_caseeq(rt, "tlsrpt");
		w.arf_msg = rt && str_caseeq(rt, "feedback-report");
	}
	if (top)
		g_mime_message_foreach(m, visit, &w);
	if (w.found)
		return w.found;
	if (w.arf_msg || w.feedback || (!w.tlsrpt_msg && looks_like_plain_failure(m))) {
		failure_from_message(&w, m, data, len);
		return 1;
	}
	if (depth < FORWARD_DEPTH_MAX && w.sample && GMIME_IS_MESSAGE_PART(w.sample)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(w.sample));
		GByteArray *ba;
		size_t n;
		char name[1200];

		if (inner == NULL)
			return 0;
		ba = object_bytes(w.sample);
		snprintf(name, sizeof(name), "%s [forwarded]", origin);
		n = classify(inner, name, (const char *)ba->data, ba->len, o, s, depth + 1);
		g_byte_array_free(ba, TRUE);
		return n;
	}
	return 0;
}

/* one_message - classify and deliver one parsed message, or say it carries no report */
static void
one_message(GMimeMessage *m, const char *origin, const char *data, size_t len,
    const struct extract_opts *o, const struct report_sink *s)
{
	if (classify(m, origin, data, len, o, s, 0) == 0)
		s->noreport(s->arg, origin);
}

/* parser_for - run GMime's parser over data in the given format */
static GMimeParser *
parser_for(const char *data, size_t len, GMimeFormat fmt, GMimeStream **stream)
{
	GMimeParser *p;

	pthread_once(&gm_once, gm_init);
	*stream = g_mime_stream_mem_new_with_buffer(data, len);
	p = g_mime_parser_new_with_stream(*stream);
	g_mime_parser_set_format(p, fmt);
	g_mime_parser_set_respect_content_length(p, FALSE);
	return p;
}

void
extract_message(const char *data, size_t len, const char *origin,
    const struct extract_opts *o, const struct report_sink *s)
{
	GMimeStream *st;
	GMimeParser *p = parser_for(data, len, GMIME_FORMAT_MESSAGE, &st);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);

	if (m == NULL)
		s->rejected(s->arg, origin, "not a mail message", data, len);
	else {
		one_message(m, origin, data, len, o, s);
		g_object_unref(m);
	}
	g_object_unref(p);
	g_object_unref(st);
}

void
extract_mbox(const char *data, size_t len, const char *origin,
    const struct extract_opts *o, const struct report_sink *s)
{
	GMimeStream *st;
	GMimeParser *p = parser_for(data, len, GMIME_FORMAT_MBOX, &st);
	size_t n = 0;
	char name[1200];

	while (!g_mime_parser_eos(p)) {
		gint64 start = g_mime_parser_tell(p), end;
		GMimeMessage *m = g_mime_parser_construct_message(p, NULL);

		if (m == NULL)
			break;
		end = g_mime_parser_tell(p);
		n++;
		snprintf(name, sizeof(name), "%s#%zu", origin, n);
		if (start < 0 || end < start || (size_t)end > len)
			start = end = 0;
		one_message(m, name, data + start, (size_t)(end - start), o, s);
		g_object_unref(m);
	}
	g_object_unref(p);
	g_object_unref(st);
}

void
extract_mbox_fp(FILE *fp, const char *origin, const struct extract_opts *o,
    const struct report_sink *s)
{
	GMimeStream *st;
	GMimeParser *p;
	size_t n = 0;
	char name[1200];

	pthread_once(&gm_once, gm_init);
	st = g_mime_stream_file_new(fp);	/* owns fp */
	p = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(p, GMIME_FORMAT_MBOX);
	g_mime_parser_set_respect_content_length(p, FALSE);
	while (!g_mime_parser_eos(p)) {
		GMimeMessage *m = g_mime_parser_construct_message(p, NULL);

		if (m == NULL)
			break;
		n++;
		snprintf(name, sizeof(name), "%s#%zu", origin, n);
		one_message(m, name, NULL, 0, o, s);
		g_object_unref(m);
	}
	g_object_unref(p);
	g_object_unref(st);
}
