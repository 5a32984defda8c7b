/* src/reports/tlsrpt_parse.c - TLS-RPT aggregate report parser (RFC 8460 §4, JSON) */
#include "reports/tlsrpt_parse.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/tryalloc.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define VALUE_MAX	4096

/* str_field - copy of a string member, NULL when absent or not a string (or out of memory: *oom) */
static char *
str_field(struct arena *a, json_t *o, const char *key, bool *oom)
{
	json_t *v = json_object_get(o, key);
	size_t n;
	char *s;

	if (!json_is_string(v))
		return NULL;
	n = json_string_length(v);
	if ((s = arena_try_strndup(a, json_string_value(v), n > VALUE_MAX ? VALUE_MAX : n)) == NULL)
		*oom = true;
	return s;
}

/*
 * num_field - a count member: absent is 0; an integer (or a string of
 * decimal digits, as some senders write it) from 0 to REPORT_COUNT_MAX;
 * anything else (negative, a fraction, too large, another type) is
 * MS_ERR_SYNTAX with why naming the member.
 */
static enum ms_status
num_field(json_t *o, const char *key, const char *where, uint64_t *out, char *why, size_t whylen)
{
	json_t *v = json_object_get(o, key);
	uint64_t n;

	*out = 0;
	if (v == NULL)
		return MS_OK;
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    (uint64_t)json_integer_value(v) <= REPORT_COUNT_MAX) {
		*out = (uint64_t)json_integer_value(v);
		return MS_OK;
	}
	if (json_is_string(v) && str_to_u64(json_string_value(v), json_string_length(v),
	    REPORT_COUNT_MAX, &n) == MS_OK) {
		*out = n;
		return MS_OK;
	}
	snprintf(why, whylen, "%s.%s is not a whole number from 0 to %llu: invalid, counted as 0",
	    where, key, (unsigned long long)REPORT_COUNT_MAX);
	return MS_ERR_SYNTAX;
}

/* problem - note something wrong with the report that did not stop it (at most 20, then a count) */
static void
problem(struct buf *b, size_t *n, const char *msg)
{
	if ((*n)++ < 20)
		buf_addf(b, "%s%s", b->len ? "; " : "", msg);	/* a cut shows in arena_buf_text */
}

/*
 * json_prescan - count the values of the JSON text d[0..len) (every string,
 * number, literal, object and array; object keys are strings) and its
 * nesting, without building anything.  Syntax is left to jansson; this only
 * has to count at least what jansson would build.  MS_ERR_LIMIT past
 * max_values or max_depth, *at the offset.
 */
static enum ms_status
json_prescan(const char *d, size_t len, size_t max_values, size_t max_depth, size_t *at,
    const char **what)
{
	size_t values = 0, depth = 0, i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)d[i];

		switch (c) {
		case '"':
			for (i++; i < len && d[i] != '"'; i++)
				if (d[i] == '\\')
					i++;
			i++;
			values++;
			break;
		case '{':
		case '[':
			values++;
			if (++depth > max_depth) {
				*at = i;
				*what = "nested too deeply";
				return MS_ERR_LIMIT;
			}
			i++;
			break;
		case '}':
		case ']':
			if (depth)
				depth--;
			i++;
			break;
		default:
			if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
				values++;
				while (i < len && (d[i] == '-' || d[i] == '+' || d[i] == '.' ||
				    (d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'z') ||
				    (d[i] >= 'A' && d[i] <= 'Z')))
					i++;
			} else
				i++;
			break;
		}
		if (values > max_values) {
			*at = i < len ? i : len;
			*what = "too many values";
			return MS_ERR_LIMIT;
		}
	}
	return MS_OK;
}

/* joined - a string, or an array of strings joined with sep (NULL and *oom when out of memory) */
static char *
joined(struct arena *a, json_t *v, const char *sep, bool *oom)
{
	struct buf b;
	size_t i;
	json_t *e;
	char *s;

	if (json_is_string(v)) {
		if ((s = arena_try_strndup(a, json_string_value(v), json_string_length(v))) == NULL)
			*oom = true;
		return s;
	}
	if (!json_is_array(v))
		return NULL;
	buf_init(&b, 65536);
	json_array_foreach(v, i, e) {
		if (json_is_string(e))
			buf_addf(&b, "%s%s", i ? sep : "", json_string_value(e));
	}
	s = arena_buf_text(a, &b);	/* a cut says so */
	buf_free(&b);
	return s;
}

/* two - two decimal digits at s */
static int
two(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int64_t
rfc3339_to_epoch(const char *s)
{
	struct tm tm;
	int y1, y2, off = 0;
	const char *p;
	time_t t;

	if (s == NULL || strlen(s) < 19)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if ((y1 = two(s)) < 0 || (y2 = two(s + 2)) < 0 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
		return -1;
	tm.tm_year = y1 * 100 + y2 - 1900;
	if ((tm.tm_mon = two(s + 5) - 1) < 0 || tm.tm_mon > 11 || (tm.tm_mday = two(s + 8)) < 1 ||
	    tm.tm_mday > 31 || (tm.tm_hour = two(s + 11)) < 0 || tm.tm_hour > 23 ||
	    (tm.tm_min = two(s + 14)) < 0 || tm.tm_min > 59 || (tm.tm_sec = two(s + 17)) < 0 ||
	    tm.tm_sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if ((*p == '+' || *p == '-') && two(p + 1) >= 0 && p[3] == ':' && two(p + 4) >= 0) {
		off = (two(p + 1) * 60 + two(p + 4)) * 60 * (*p == '+' ? 1 : -1);
		p += 6;
	} else if (*p != '\0')
		return -1;
	if (*p != '\0')
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	return (int64_t)t - off;
}

enum ms_status
tlsrpt_parse(const char *data, size_t len, const struct report_limits *lim,
    struct arena *arena, struct tlsrpt_report **out, struct report_error *err)
{
	json_error_t je;
	json_t *root = NULL, *pols, *dr, *pe;
	struct tlsrpt_report *r;
	size_t i, nfail = 0, nprobs = 0;
	enum ms_status st = MS_OK;
	struct buf probs;
	char msg[200];
	bool oom = false;

	*out = NULL;
	err->offset = 0;
	err->why[0] = '\0';
	if (len > lim->max_bytes) {
		snprintf(err->why, sizeof(err->why), "report larger than %zu bytes", lim->max_bytes);
		return MS_ERR_LIMIT;
	}
	{
		size_t maxv = lim->max_bytes / TLSRPT_BYTES_PER_VALUE, at = 0;
		const char *what = "";

		if (maxv < 4096)
			maxv = 4096;
		if (json_prescan(data, len, maxv, lim->max_depth ? lim->max_depth : 32, &at,
		    &what) != MS_OK) {
			err->offset = at;
			snprintf(err->why, sizeof(err->why), "JSON %s (at most %zu values, one per %d "
			    "bytes of the %zu-byte size cap, nested at most %zu deep)", what, maxv,
			    TLSRPT_BYTES_PER_VALUE, lim->max_bytes, lim->max_depth ? lim->max_depth : 32);
			return MS_ERR_LIMIT;
		}
	}
	root = json_loadb(data, len, JSON_ALLOW_NUL, &je);
	buf_init(&probs, 8192);
	if (root == NULL) {
		err->offset = (size_t)je.position;
		snprintf(err->why, sizeof(err->why), "not JSON: %s", je.text);
		buf_free(&probs);
		return MS_ERR_SYNTAX;
	}
	if (!json_is_object(root)) {
		snprintf(err->why, sizeof(err->why), "not a JSON object");
		st = MS_ERR_SYNTAX;
		goto out;
	}
	if ((r = arena_try_alloc(arena, sizeof(*r))) == NULL)
		goto nomem;
	r->organization_name = str_field(arena, root, "organization-name", &oom);
	r->contact_info = str_field(arena, root, "contact-info", &oom);
	r->report_id = str_field(arena, root, "report-id", &oom);
	r->begin = r->end = -1;
	dr = json_object_get(root, "date-range");
	if (json_is_object(dr)) {
		json_t *v = json_object_get(dr, "start-datetime");

		r->begin = rfc3339_to_epoch(json_string_value(v));
		v = json_object_get(dr, "end-datetime");
		r->end = rfc3339_to_epoch(json_string_value(v));
	}
	pols = json_object_get(root, "policies");
	if (json_is_array(pols) && json_array_size(pols) > 0) {
		size_t n = json_array_size(pols);

		if (n > lim->max_records) {
			snprintf(err->why, sizeof(err->why), "more than %zu policies", lim->max_records);
			st = MS_ERR_LIMIT;
			goto out;
		}
		if ((r->policies = arena_try_alloc(arena, n * sizeof(*r->policies))) == NULL)
			goto nomem;
		json_array_foreach(pols, i, pe) {
			struct tlsrpt_policy *p = &r->policies[r->npolicies];
			json_t *pol = json_object_get(pe, "policy"), *sum, *fd, *f;
			size_t j;

			if (!json_is_object(pe))
				continue;
			r->npolicies++;
			if (json_is_object(pol)) {
				p->policy_type = str_field(arena, pol, "policy-type", &oom);
				p->policy_domain = str_field(arena, pol, "policy-domain", &oom);
				if (p->policy_domain && !report_domain_normalise(p->policy_domain)) {
					char *sh = str_printable(p->policy_domain,
					    strnlen(p->policy_domain, 80));

					snprintf(err->why, sizeof(err->why), "policies[%zu].policy."
					    "policy-domain \"%s\" is not a domain name", i, sh);
					free(sh);
					st = MS_ERR_SYNTAX;
					goto out;
				}
				p->policy_string = joined(arena, json_object_get(pol, "policy-string"), "\n",
				    &oom);
				p->mx_host = joined(arena, json_object_get(pol, "mx-host"), " ", &oom);
			}
			sum = json_object_get(pe, "summary");
			if (json_is_object(sum)) {
				char where[64];

				snprintf(where, sizeof(where), "policies[%zu].summary", i);
				if (num_field(sum, "total-successful-session-count", where, &p->success,
				    msg, sizeof(msg)) != MS_OK)
					problem(&probs, &nprobs, msg);
				if (num_field(sum, "total-failure-session-count", where, &p->failure,
				    msg, sizeof(msg)) != MS_OK)
					problem(&probs, &nprobs, msg);
			}
			fd = json_object_get(pe, "failure-details");
			if (!json_is_array(fd) || json_array_size(fd) == 0)
				continue;
			nfail += json_array_size(fd);
			if (nfail > lim->max_records) {
				snprintf(err->why, sizeof(err->why), "more than %zu failure details",
				    lim->max_records);
				st = MS_ERR_LIMIT;
				goto out;
			}
			if ((p->failures = arena_try_alloc(arena, json_array_size(fd) *
			    sizeof(*p->failures))) == NULL)
				goto nomem;
			json_array_foreach(fd, j, f) {
				struct tlsrpt_failure *x = &p->failures[p->nfailures];

				if (!json_is_object(f))
					continue;
				p->nfailures++;
				x->result_type = str_field(arena, f, "result-type", &oom);
				if (x->result_type)
					str_lower(x->result_type);
				x->sending_mta_ip = str_field(arena, f, "sending-mta-ip", &oom);
				x->receiving_mx_hostname = str_field(arena, f, "receiving-mx-hostname", &oom);
				x->receiving_mx_helo = str_field(arena, f, "receiving-mx-helo", &oom);
				x->receiving_ip = str_field(arena, f, "receiving-ip", &oom);
				{
					char where[80];

					snprintf(where, sizeof(where), "policies[%zu].failure-details[%zu]",
					    i, j);
					if (num_field(f, "failed-session-count", where,
					    &x->failed_session_count, msg, sizeof(msg)) != MS_OK)
						problem(&probs, &nprobs, msg);
				}
				x->additional_information = str_field(arena, f, "additional-information", &oom);
				x->failure_reason_code = str_field(arena, f, "failure-reason-code", &oom);
			}
		}
	}
	if (oom)
		goto nomem;	/* a member that is there could not be copied: not "missing" */
	if (r->organization_name == NULL || *r->organization_name == '\0' || r->report_id == NULL ||
	    *r->report_id == '\0' || r->npolicies == 0 || r->policies[0].policy_domain == NULL) {
		snprintf(err->why, sizeof(err->why), "missing %s (needed to identify the report)",
		    r->organization_name == NULL || *r->organization_name == '\0' ? "organization-name" :
		    r->report_id == NULL || *r->report_id == '\0' ? "report-id" :
		    "policies[0].policy.policy-domain");
		st = MS_ERR_SYNTAX;
		goto out;
	}
	{
		const char *bad = report_dates_check(r->begin, r->end, lim->received);

		if (bad) {
			snprintf(err->why, sizeof(err->why), "%s", bad);
			st = MS_ERR_SYNTAX;
			goto out;
		}
	}
	if (nprobs > 20)
		buf_addf(&probs, "; and %zu more", nprobs - 20);
	if (probs.len || buf_status(&probs) != MS_OK)
		r->problems = arena_buf_text(arena, &probs);	/* a cut says so */
	*out = r;
	goto out;
nomem:
	snprintf(err->why, sizeof(err->why), "%s", ms_status_str(MS_ERR_NOMEM));
	st = MS_ERR_NOMEM;
out:
	if (oom && st != MS_OK && st != MS_ERR_NOMEM) {
		/* a copy failed before the error was seen: out of memory, not the error */
		snprintf(err->why, sizeof(err->why), "%s", ms_status_str(MS_ERR_NOMEM));
		st = MS_ERR_NOMEM;
	}
	buf_free(&probs);
	json_decref(root);
	return st;
}
