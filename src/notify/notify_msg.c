/* src/notify/notify_msg.c - notifications, the pure part: triggers, payload, email, signature, backoff */
#include "notify/notify.h"
#include "core/envelope.h"
#include "core/jsonutil.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Everything here is pure: bytes and structs in, text out, no clock (times
 * come in), no I/O.  What comes from the domains (records, finding messages,
 * subjects) is hostile: header values are kept to printable ASCII, body
 * lines to at most NOTIFY_LINE_MAX bytes with every control byte replaced.
 */

#define NOTIFY_LINE_MAX	900	/* of a body line's value: RFC 5322 allows 998 with the CRLF */

static const struct {
	const char *name;
	unsigned bit;
} TRIGGERS[] = {
	{ "error", NOTIFY_T_ERROR },
	{ "grade", NOTIFY_T_GRADE },
	{ "record", NOTIFY_T_RECORD },
	{ "cert", NOTIFY_T_CERT },
	{ "dmarc-source", NOTIFY_T_SOURCE },
	{ "reports-stopped", NOTIFY_T_STOPPED },
	{ "digest-daily", NOTIFY_T_DAILY },
	{ "digest-weekly", NOTIFY_T_WEEKLY },
};

#define NTRIGGERS	(sizeof(TRIGGERS) / sizeof(TRIGGERS[0]))

/* notify_trigger_name - a trigger bit's name */
const char *
notify_trigger_name(unsigned bit)
{
	for (size_t i = 0; i < NTRIGGERS; i++)
		if (TRIGGERS[i].bit == bit)
			return TRIGGERS[i].name;
	return NULL;
}

/* notify_triggers_parse - a list of trigger names into bits */
enum ms_status
notify_triggers_parse(const char *list, unsigned *out, const char **bad)
{
	const char *p = list;
	unsigned t = 0;

	*out = 0;
	if (bad)
		*bad = list;
	for (;;) {
		size_t n;
		unsigned bit = 0;

		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, ", \t");
		for (size_t i = 0; i < NTRIGGERS; i++)
			if (strlen(TRIGGERS[i].name) == n && strncmp(TRIGGERS[i].name, p, n) == 0)
				bit = TRIGGERS[i].bit;
		if (bit == 0) {
			if (bad)
				*bad = p;
			return MS_ERR_SYNTAX;
		}
		t |= bit;
		p += n;
	}
	if (t == 0 || (t & (NOTIFY_T_DAILY | NOTIFY_T_WEEKLY)) == (NOTIFY_T_DAILY | NOTIFY_T_WEEKLY))
		return MS_ERR_SYNTAX;
	*out = t;
	return MS_OK;
}

/* notify_triggers_text - the names of t's bits, comma-separated */
char *
notify_triggers_text(unsigned t)
{
	struct buf b;

	buf_init(&b, 256);
	for (size_t i = 0; i < NTRIGGERS; i++)
		if (t & TRIGGERS[i].bit)
			buf_addf(&b, "%s%s", b.len ? "," : "", TRIGGERS[i].name);
	return buf_steal_fitted(&b);
}

/* grade_rank - 0 for A .. 4 for F ("A?" as A), -1 for anything else */
static int
grade_rank(const char *g)
{
	if (g == NULL || g[0] < 'A' || g[0] > 'F' || g[0] == 'E' || (g[1] != '\0' && strcmp(g + 1, "?")))
		return -1;
	return g[0] == 'F' ? 4 : g[0] - 'A';
}

/* notify_grade_fell - new is a worse letter than old */
bool
notify_grade_fell(const char *old, const char *new)
{
	int a = grade_rank(old), b = grade_rank(new);

	return a >= 0 && b >= 0 && b > a;
}

/* eq - both strings set and equal */
static bool
eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* notify_event_trigger - the trigger a history event fires, or 0 */
unsigned
notify_event_trigger(const struct store_event *e)
{
	if (e->kind == NULL)
		return 0;
	if (eq(e->kind, HEV_FINDING_ADDED) && eq(e->severity, "error"))
		return NOTIFY_T_ERROR;
	if (eq(e->kind, HEV_FINDING_SEVERITY) && eq(e->new_value, "error"))
		return NOTIFY_T_ERROR;
	if (eq(e->kind, HEV_GRADE) && e->area == NULL && notify_grade_fell(e->old_value, e->new_value))
		return NOTIFY_T_GRADE;
	if (eq(e->kind, HEV_RECORD))
		return NOTIFY_T_RECORD;
	return 0;
}

/* notify_cert_threshold - the smallest of 60, 14, 4 days crossed, or 0 */
int
notify_cert_threshold(int64_t not_after, int64_t now)
{
	static const int th[] = NOTIFY_CERT_THRESHOLDS;
	int crossed = 0;

	for (size_t i = 0; i < sizeof(th) / sizeof(th[0]); i++)
		if (not_after - now <= (int64_t)th[i] * 86400)
			crossed = th[i];
	return crossed;
}

/* nz - s or "(none)" */
static const char *
nz(const char *s)
{
	return s ? s : "(none)";
}

/* record_name - how people call a record of an area */
static const char *
record_name(const char *area, const char *item)
{
	if (eq(area, "spf"))
		return "SPF record";
	if (eq(area, "dmarc"))
		return "DMARC record";
	if (eq(area, "mta-sts"))
		return eq(item, "policy") ? "MTA-STS policy" : "MTA-STS record";
	if (eq(area, "tls-rpt"))
		return "TLS-RPT record";
	if (eq(area, "dkim"))
		return "DKIM key";
	if (eq(area, "mx"))
		return "MX set";
	return "record";
}

/* notify_summary - one line for a trigger and its event */
char *
notify_summary(unsigned trigger, const struct store_event *e)
{
	switch (trigger) {
	case NOTIFY_T_ERROR:
		return xasprintf("new error: %s%s%s%s", nz(e->finding), e->subject ? " (" : "",
		    e->subject ? e->subject : "", e->subject ? ")" : "");
	case NOTIFY_T_GRADE:
		return xasprintf("grade fell from %s to %s", nz(e->old_value), nz(e->new_value));
	case NOTIFY_T_RECORD:
		if (e->old_value == NULL)
			return xasprintf("the %s at %s appeared", record_name(e->area, e->item),
			    nz(e->subject));
		if (e->new_value == NULL)
			return xasprintf("the %s at %s was removed", record_name(e->area, e->item),
			    nz(e->subject));
		return xasprintf("the %s at %s changed", record_name(e->area, e->item), nz(e->subject));
	case NOTIFY_T_CERT:
		return xasprintf("the certificate of %s expires %s", nz(e->subject), nz(e->new_value));
	default:
		return xasprintf("%s", nz(e->kind));
	}
}

/* notify_payload - the mailsec-notify/1 document of one notification */
json_t *
notify_payload(const char *event_id, const char *workspace, const char *domain,
    const char *trigger, const char *summary, int64_t created, json_t *event)
{
	json_t *d = doc_new(DOC_NOTIFY);

	json_object_set_new(d, "generated", json_rfc3339((time_t)created));
	doc_add_version(d);
	json_object_set_new(d, "event_id", json_text(event_id));
	json_object_set_new(d, "workspace", json_text(workspace));
	json_object_set_new(d, "domain", json_text(domain));
	json_object_set_new(d, "trigger", json_text(trigger));
	json_object_set_new(d, "summary", json_text(summary));
	json_object_set_new(d, "event", json_deep_copy(event));
	return d;
}

/* notify_signature - hex HMAC-SHA256 over "TIMESTAMP.body" */
void
notify_signature(const char *secret, int64_t timestamp, const char *body, size_t len,
    char out[NOTIFY_SIG_HEX])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char ts[32];
	struct buf b;

	snprintf(ts, sizeof(ts), "%lld.", (long long)timestamp);
	buf_init(&b, 0);
	buf_adds(&b, ts);
	buf_add(&b, body, len);
	if (buf_status(&b) != MS_OK ||
	    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)b.data, b.len, mac,
	    &maclen) == NULL || maclen != 32) {
		/* only a payload above the buffer's 16 MiB could get here; sign nothing rather than garbage */
		memset(out, '0', NOTIFY_SIG_HEX - 1);
		out[NOTIFY_SIG_HEX - 1] = '\0';
	} else
		for (unsigned i = 0; i < maclen; i++)
			snprintf(out + 2 * i, 3, "%02x", mac[i]);
	buf_free(&b);
}

/* notify_digest_period - the last whole UTC day, or week from Monday, before now */
void
notify_digest_period(unsigned trigger, int64_t now, int64_t *from, int64_t *to)
{
	/* 1970-01-01 was a Thursday: weeks from Monday start 4 days after the epoch */
	int64_t len = trigger == NOTIFY_T_WEEKLY ? 7 * 86400 : 86400;
	int64_t shift = trigger == NOTIFY_T_WEEKLY ? 4 * 86400 : 0;
	int64_t k = now - shift >= 0 ? (now - shift) / len : (now - shift - len + 1) / len;

	*to = k * len + shift;
	*from = *to - len;
}

/* notify_backoff - base doubled per attempt, capped */
int64_t
notify_backoff(int64_t attempts)
{
	int64_t d = NOTIFY_BACKOFF_BASE;

	for (int64_t i = 1; i < attempts && d < NOTIFY_BACKOFF_CAP; i++)
		d *= 2;
	return d < NOTIFY_BACKOFF_CAP ? d : NOTIFY_BACKOFF_CAP;
}

/* notify_address_ok - a plausible mailbox or https:// URL */
bool
notify_address_ok(enum notify_kind kind, const char *addr, const char **why)
{
	size_t n = strlen(addr);

	for (const char *p = addr; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			*why = "blanks and control characters are not allowed";
			return false;
		}
	if (kind == NOTIFY_WEBHOOK) {
		if (!str_has_prefix_case(addr, "https://") || n <= 8) {
			*why = "a webhook is an https:// URL";
			return false;
		}
		if (n > 2000) {
			*why = "longer than 2,000 bytes";
			return false;
		}
		return true;
	}
	const char *at = strrchr(addr, '@');

	if (n > 254 || at == NULL || at == addr || at[1] == '\0' || strpbrk(addr, "<>,;\"()[]\\") ||
	    strchr(at + 1, '.') == NULL) {
		*why = "not an address of the form local@domain.example";
		return false;
	}
	return true;
}

/* safe_id - event_id less anything but letters, digits and '-' */
static void
safe_id(struct buf *b, const char *id)
{
	for (const char *p = id; *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-')
			buf_addc(b, *p);
}

/* notify_message_id - the stable Message-ID of an outbox row */
char *
notify_message_id(int64_t outbox_id, const char *event_id, const char *from)
{
	const char *at = from ? strrchr(from, '@') : NULL;
	struct buf b;

	buf_init(&b, 1024);
	buf_addf(&b, "<notify.%lld.", (long long)outbox_id);
	safe_id(&b, event_id);
	buf_adds(&b, "@");
	if (at && at[1] && strlen(at + 1) < 256)
		for (const char *p = at + 1; *p; p++)
			if ((unsigned char)*p > ' ' && (unsigned char)*p < 0x7f && *p != '>' && *p != '<')
				buf_addc(&b, *p);
	if (b.data[b.len - 1] == '@')
		buf_adds(&b, "mailsec.invalid");
	buf_adds(&b, ">");
	return buf_steal_fitted(&b);
}

/* add_header_value - s as printable ASCII (anything else '?'), at most max bytes */
static void
add_header_value(struct buf *b, const char *s, size_t max)
{
	size_t n = 0;

	for (const char *p = s ? s : ""; *p && n < max; p++, n++)
		buf_addc(b, (unsigned char)*p >= ' ' && (unsigned char)*p < 0x7f ? *p : '?');
}

/*
 * add_body_line - "label: value" with value's control bytes replaced by
 * blanks and cut at NOTIFY_LINE_MAX bytes (UTF-8 kept whole), CRLF
 */
static void
add_body_line(struct buf *b, const char *label, const char *value)
{
	size_t n = 0;

	buf_adds(b, label);
	buf_adds(b, ": ");
	if (value == NULL)
		value = "(none)";
	for (const char *p = value; *p; p++, n++) {
		unsigned char c = (unsigned char)*p;

		if (n >= NOTIFY_LINE_MAX && (c & 0xc0) != 0x80) {
			buf_adds(b, " [cut]");
			break;
		}
		buf_addc(b, c < ' ' || c == 0x7f ? ' ' : c);
	}
	buf_adds(b, "\r\n");
}

/* jstr - member k of o as a string, or NULL */
static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* rfc5322_date - an RFC 3339 UTC time as an RFC 5322 date; false when it is not one */
static bool
rfc5322_date(const char *t, char *out, size_t outlen)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
		"Sep", "Oct", "Nov", "Dec" };
	static const int at[] = { 0, 5, 8, 11, 14, 17 }, len[] = { 4, 2, 2, 2, 2, 2 };
	int v[6];
	struct tm tm;
	time_t tt;

	if (t == NULL || strlen(t) != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' ||
	    t[13] != ':' || t[16] != ':' || t[19] != 'Z')
		return false;
	for (int i = 0; i < 6; i++) {
		v[i] = 0;
		for (int j = 0; j < len[i]; j++) {
			char c = t[at[i] + j];

			if (c < '0' || c > '9')
				return false;
			v[i] = v[i] * 10 + (c - '0');
		}
	}
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	tt = timegm(&tm);
	if (gmtime_r(&tt, &tm) == NULL)
		return false;
	snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
	    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return true;
}

/* notify_email - the RFC 5322 message of one outbox row */
enum ms_status
notify_email(const struct notify_mail *m, char **out, size_t *len)
{
	json_t *p = json_loads(m->payload, 0, NULL), *ev;
	const char *schema, *event_id, *domain, *trigger, *summary, *generated;
	char date[64], *mid;
	struct buf b;
	enum ms_status st = MS_OK;

	*out = NULL;
	*len = 0;
	schema = jstr(p, "schema");
	event_id = jstr(p, "event_id");
	domain = jstr(p, "domain");
	trigger = jstr(p, "trigger");
	summary = jstr(p, "summary");
	generated = jstr(p, "generated");
	ev = json_object_get(p, "event");
	if (!eq(schema, doc_schema_name(DOC_NOTIFY)) || event_id == NULL || domain == NULL ||
	    trigger == NULL || summary == NULL || !json_is_object(ev) ||
	    !rfc5322_date(generated, date, sizeof(date))) {
		json_decref(p);
		return MS_ERR_SYNTAX;
	}
	mid = notify_message_id(m->outbox_id, event_id, m->from);
	buf_init(&b, 1024 * 1024);
	buf_adds(&b, "From: mailsec <");
	add_header_value(&b, m->from, 254);
	buf_adds(&b, ">\r\nTo: <");
	add_header_value(&b, m->to, 254);
	buf_adds(&b, ">\r\nSubject: [mailsec] ");
	add_header_value(&b, domain, 253);
	buf_adds(&b, ": ");
	add_header_value(&b, summary, 300);
	buf_addf(&b, "\r\nDate: %s\r\nMessage-ID: %s\r\nX-Mailsec-Event-Id: ", date, mid);
	add_header_value(&b, event_id, 200);
	buf_adds(&b, "\r\nX-Mailsec-Trigger: ");
	add_header_value(&b, trigger, 32);
	buf_adds(&b, "\r\nAuto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
	add_body_line(&b, "What", summary);
	add_body_line(&b, "Workspace", jstr(p, "workspace"));
	add_body_line(&b, "Domain", domain);
	add_body_line(&b, "Trigger", trigger);
	if (jstr(ev, "subject"))
		add_body_line(&b, "Subject", jstr(ev, "subject"));
	if (jstr(ev, "finding"))
		add_body_line(&b, "Finding", jstr(ev, "finding"));
	if (eq(trigger, "cert")) {
		add_body_line(&b, "Expires", jstr(ev, "not_after"));
	} else if (eq(trigger, "dmarc-source")) {
		add_body_line(&b, "Source", jstr(ev, "source_ip"));
		buf_addf(&b, "Messages failing DMARC: %lld\r\n",
		    (long long)json_integer_value(json_object_get(ev, "messages")));
	} else if (eq(trigger, "reports-stopped")) {
		add_body_line(&b, "Last report ended", jstr(ev, "last_report_end"));
	} else if (str_has_prefix_case(trigger, "digest-")) {
		json_t *list = json_object_get(ev, "events");

		add_body_line(&b, "From", jstr(ev, "from"));
		add_body_line(&b, "To", jstr(ev, "to"));
		buf_addf(&b, "Events: %lld\r\n\r\n",
		    (long long)json_integer_value(json_object_get(ev, "total")));
		for (size_t i = 0; i < json_array_size(list); i++) {
			json_t *x = json_array_get(list, i);
			char *line = xasprintf("%s %s%s%s%s%s: %s -> %s", nz(jstr(x, "kind")),
			    jstr(x, "area") ? jstr(x, "area") : "", jstr(x, "subject") ? " " : "",
			    jstr(x, "subject") ? jstr(x, "subject") : "", jstr(x, "finding") ? " " : "",
			    jstr(x, "finding") ? jstr(x, "finding") : "", nz(jstr(x, "old")), nz(jstr(x, "new")));

			add_body_line(&b, jstr(x, "domain") ? jstr(x, "domain") : "-", line);
			free(line);
		}
		if (json_integer_value(json_object_get(ev, "total")) > (json_int_t)json_array_size(list))
			buf_adds(&b, "... and more: mailsec events --workspace W --since DATE\r\n");
	} else {
		add_body_line(&b, "Before", jstr(ev, "old"));
		add_body_line(&b, "Now", jstr(ev, "new"));
	}
	add_body_line(&b, "When", jstr(ev, "at"));
	add_body_line(&b, "Event id", event_id);
	buf_adds(&b, "\r\n-- \r\nmailsec monitor. The same notification may arrive twice: "
	    "X-Mailsec-Event-Id\r\nnames it (docs/notify.md).\r\n");
	free(mid);
	json_decref(p);
	if ((st = buf_status(&b)) != MS_OK) {
		buf_free(&b);
		return st;
	}
	*len = b.len;
	*out = buf_steal(&b);
	return MS_OK;
}
