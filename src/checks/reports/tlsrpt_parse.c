/* src/checks/reports/tlsrpt_parse.c - TLS-RPT aggregate report parser (RFC 8460 §4, JSON) */
#include "checks/reports/tlsrpt_parse.h"
#include "util/buf.h"
#include "util/str.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define VALUE_MAX	4096

/* str_field - copy of a string member, NULL when absent or not a string */
static char *
str_field(struct arena *a, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	size_t n;

	if (!json_is_string(v))
		return NULL;
	n = json_string_length(v);
	return arena_strndup(a, json_string_value(v), n > VALUE_MAX ? VALUE_MAX : n);
}

/* num_field - a non-negative integer member, 0 when absent or not a number */
static uint64_t
num_field(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v) && json_integer_value(v) > 0)
		return (uint64_t)json_integer_value(v);
	if (json_is_string(v)) {
		uint64_t n;
		const char *s = json_string_value(v);

		if (str_to_u64(s, strlen(s), (uint64_t)1 << 62, &n) == MS_OK)
			return n;
	}
	return 0;
}

/* joined - a string, or an array of strings joined with sep */
static char *
joined(struct arena *a, json_t *v, const char *sep)
{
	struct buf b;
	size_t i;
	json_t *e;
	char *s;

	if (json_is_string(v))
		return arena_strndup(a, json_string_value(v), json_string_length(v));
	if (!json_is_array(v))
		return NULL;
	buf_init(&b, 65536);
	json_array_foreach(v, i, e) {
		if (json_is_string(e))
			(void)buf_printf(&b, "%s%s", i ? sep : "", json_string_value(e));
	}
	s = arena_strdup(a, buf_cstr(&b));
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
	size_t i, nfail = 0;
	enum ms_status st = MS_OK;

	*out = NULL;
	err->offset = 0;
	err->why[0] = '\0';
	if (len > lim->max_bytes) {
		snprintf(err->why, sizeof(err->why), "report larger than %zu bytes", lim->max_bytes);
		return MS_ERR_LIMIT;
	}
	/* jansson bounds nesting itself (JSON_PARSER_MAX_DEPTH, 2048) */
	root = json_loadb(data, len, JSON_ALLOW_NUL, &je);
	if (root == NULL) {
		err->offset = (size_t)je.position;
		snprintf(err->why, sizeof(err->why), "not JSON: %s", je.text);
		return MS_ERR_SYNTAX;
	}
	if (!json_is_object(root)) {
		snprintf(err->why, sizeof(err->why), "not a JSON object");
		st = MS_ERR_SYNTAX;
		goto out;
	}
	r = arena_alloc(arena, sizeof(*r));
	r->organization_name = str_field(arena, root, "organization-name");
	r->contact_info = str_field(arena, root, "contact-info");
	r->report_id = str_field(arena, root, "report-id");
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
		r->policies = arena_alloc(arena, n * sizeof(*r->policies));
		json_array_foreach(pols, i, pe) {
			struct tlsrpt_policy *p = &r->policies[r->npolicies];
			json_t *pol = json_object_get(pe, "policy"), *sum, *fd, *f;
			size_t j;

			if (!json_is_object(pe))
				continue;
			r->npolicies++;
			if (json_is_object(pol)) {
				p->policy_type = str_field(arena, pol, "policy-type");
				p->policy_domain = str_field(arena, pol, "policy-domain");
				if (p->policy_domain)
					str_lower(p->policy_domain);
				p->policy_string = joined(arena, json_object_get(pol, "policy-string"), "\n");
				p->mx_host = joined(arena, json_object_get(pol, "mx-host"), " ");
			}
			sum = json_object_get(pe, "summary");
			if (json_is_object(sum)) {
				p->success = num_field(sum, "total-successful-session-count");
				p->failure = num_field(sum, "total-failure-session-count");
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
			p->failures = arena_alloc(arena, json_array_size(fd) * sizeof(*p->failures));
			json_array_foreach(fd, j, f) {
				struct tlsrpt_failure *x = &p->failures[p->nfailures];

				if (!json_is_object(f))
					continue;
				p->nfailures++;
				x->result_type = str_field(arena, f, "result-type");
				if (x->result_type)
					str_lower(x->result_type);
				x->sending_mta_ip = str_field(arena, f, "sending-mta-ip");
				x->receiving_mx_hostname = str_field(arena, f, "receiving-mx-hostname");
				x->receiving_mx_helo = str_field(arena, f, "receiving-mx-helo");
				x->receiving_ip = str_field(arena, f, "receiving-ip");
				x->failed_session_count = num_field(f, "failed-session-count");
				x->additional_information = str_field(arena, f, "additional-information");
				x->failure_reason_code = str_field(arena, f, "failure-reason-code");
			}
		}
	}
	if (r->organization_name == NULL || *r->organization_name == '\0' || r->report_id == NULL ||
	    *r->report_id == '\0' || r->npolicies == 0 || r->policies[0].policy_domain == NULL) {
		snprintf(err->why, sizeof(err->why), "missing %s (needed to identify the report)",
		    r->organization_name == NULL || *r->organization_name == '\0' ? "organization-name" :
		    r->report_id == NULL || *r->report_id == '\0' ? "report-id" :
		    "policies[0].policy.policy-domain");
		st = MS_ERR_SYNTAX;
		goto out;
	}
	*out = r;
out:
	json_decref(root);
	return st;
}
