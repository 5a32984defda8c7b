/* src/output/tls_policy.c - Postfix smtp_tls_policy_maps lines from stored check results (seed 002: mandatory TLS to partners) */
#include "output/tls_policy.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

/* name_ok - a DNS name safe to print in a map: letters, digits, '-', '_', '.'; 1 to 253 bytes */
static bool
name_ok(const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 253 || s[0] == '.')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

/* left_out - the decision "left out, because ..." (printf-style; non-printable bytes become '?') */
static void __attribute__((format(printf, 2, 3)))
left_out(struct tls_policy_decision *d, const char *fmt, ...)
{
	va_list ap;

	d->level = TLSP_LEFT_OUT;
	d->match[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	for (char *p = d->why; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
}

/* str_of - o[key] when it is a string, else NULL (borrowed from o) */
static const char *
str_of(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* shown - a name for a reason: itself when it is a DNS name or an address, else "(invalid)" */
static const char *
shown(const char *s)
{
	if (s && (name_ok(s) || (strlen(s) <= 45 && strspn(s, "0123456789abcdefABCDEF.:") == strlen(s))))
		return s;
	return "(invalid)";
}

/* bare - copy a host name without its final dot, lower-cased, into out (size n) */
static void
bare(const char *h, char *out, size_t n)
{
	size_t len = strlen(h);

	if (len && h[len - 1] == '.')
		len--;
	if (len >= n)
		len = n - 1;
	for (size_t i = 0; i < len; i++)
		out[i] = (h[i] >= 'A' && h[i] <= 'Z') ? (char)(h[i] - 'A' + 'a') : h[i];
	out[len] = '\0';
}

/* same_host - two host names equal, ASCII case and a final dot aside */
static bool
same_host(const char *a, const char *b)
{
	char x[256], y[256];

	bare(a, x, sizeof(x));
	bare(b, y, sizeof(y));
	return strcmp(x, y) == 0;
}

/* rfc3339_epoch - "YYYY-MM-DDTHH:MM:SSZ" as epoch seconds; false when it is not that */
static bool
rfc3339_epoch(const char *s, int64_t *out)
{
	struct tm tm;
	int v[6];
	static const int at[6] = { 0, 5, 8, 11, 14, 17 }, len[6] = { 4, 2, 2, 2, 2, 2 };

	if (s == NULL || strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return false;
	for (int i = 0; i < 6; i++) {
		v[i] = 0;
		for (int j = 0; j < len[i]; j++) {
			char c = s[at[i] + j];

			if (c < '0' || c > '9')
				return false;
			v[i] = v[i] * 10 + (c - '0');
		}
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	*out = (int64_t)timegm(&tm);
	return true;
}

/* What the addresses of all MX hosts add up to. */
struct tally {
	bool all_dane;		/* every address: DANE verified */
	bool all_valid;		/* every address: trusted, name matches, within dates */
};

/*
 * judge_address - one probed address of MX host h: false (with d left out)
 * when STARTTLS cannot be enforced there; otherwise updates t
 */
static bool
judge_address(const json_t *a, const char *h, int64_t now, struct tally *t,
    struct tls_policy_decision *d)
{
	const char *addr = shown(str_of(a, "address")), *err = str_of(a, "error");
	const json_t *starttls = json_object_get(a, "starttls"), *cert, *dane;
	int64_t nb, na;

	if (!json_is_true(starttls)) {
		if (json_is_false(starttls) && err == NULL)
			left_out(d, "MX %s (%s) offers no STARTTLS", h, addr);
		else
			left_out(d, "unknown: the probe of MX %s (%s) could not tell: %.200s", h, addr,
			    err ? err : "no result");
		return false;
	}
	if (str_of(a, "protocol") == NULL) {
		left_out(d, "MX %s (%s) offers STARTTLS but the TLS handshake failed%s%.200s", h, addr,
		    err ? ": " : "", err ? err : "");
		return false;
	}
	dane = json_object_get(a, "dane");
	if (!(json_is_object(dane) && str_of(dane, "verdict") && strcmp(str_of(dane, "verdict"),
	    "verified") == 0))
		t->all_dane = false;
	cert = json_object_get(a, "certificate");
	if (!json_is_object(cert) || !json_is_true(json_object_get(cert, "trusted")) ||
	    !json_is_true(json_object_get(cert, "name_matches")) ||
	    !rfc3339_epoch(str_of(cert, "not_before"), &nb) ||
	    !rfc3339_epoch(str_of(cert, "not_after"), &na) || now < nb || now > na)
		t->all_valid = false;
	return true;
}

void
tls_policy_decide(const json_t *doc, int64_t now, struct tls_policy_decision *d)
{
	const json_t *facts, *mx, *hosts, *tls, *addrs, *h;
	struct tally t = { true, true };
	size_t i, used = 0;

	memset(d, 0, sizeof(*d));
	if (doc == NULL) {
		left_out(d, "never checked");
		return;
	}
	facts = json_object_get(doc, "facts");
	mx = json_object_get(facts, "mx");
	tls = json_object_get(facts, "tls");
	if (!json_is_object(mx)) {
		left_out(d, "the latest result has no MX facts (checked without the mx area)");
		return;
	}
	if (json_is_true(json_object_get(mx, "null_mx"))) {
		left_out(d, "null MX: the domain receives no mail");
		return;
	}
	hosts = json_object_get(mx, "hosts");
	if (!json_is_array(hosts) || json_array_size(hosts) == 0) {
		left_out(d, "no MX records in the latest result");
		return;
	}
	if (!json_is_object(tls) || !json_is_true(json_object_get(tls, "probed"))) {
		left_out(d, "STARTTLS was not probed (offline or --no-smtp)");
		return;
	}
	addrs = json_object_get(tls, "addresses");
	if (!json_is_array(addrs))
		addrs = NULL;
	json_array_foreach(hosts, i, h) {
		const char *host = str_of(h, "host");
		const json_t *a;
		size_t j, n = 0;
		char b[256];

		if (!name_ok(host)) {
			left_out(d, "an MX host name that is not a DNS name");
			return;
		}
		bare(host, b, sizeof(b));
		json_array_foreach(addrs, j, a) {
			const char *ah = str_of(a, "host");

			if (ah == NULL || !same_host(ah, host))
				continue;
			n++;
			if (!judge_address(a, b, now, &t, d))
				return;
		}
		if (n == 0) {
			left_out(d, "unknown: no address of MX %s was probed", b);
			return;
		}
		if (used + strlen(b) + 2 > sizeof(d->match)) {
			left_out(d, "too many MX hosts for one match list");
			return;
		}
		used += (size_t)snprintf(d->match + used, sizeof(d->match) - used, "%s%s",
		    used ? ":" : "", b);
	}
	if (t.all_dane && json_is_true(json_object_get(mx, "dnssec_secure")))
		d->level = TLSP_DANE_ONLY;
	else if (t.all_valid)
		d->level = TLSP_SECURE;
	else
		d->level = TLSP_ENCRYPT;
	if (d->level != TLSP_SECURE)
		d->match[0] = '\0';
}

const char *
tls_policy_level_name(enum tls_policy_level l)
{
	switch (l) {
	case TLSP_DANE_ONLY:
		return "dane-only";
	case TLSP_SECURE:
		return "secure";
	case TLSP_ENCRYPT:
		return "encrypt";
	default:
		return "left out";
	}
}

void
tls_policy_print(FILE *fp, const char *domain, const struct tls_policy_decision *d)
{
	if (!name_ok(domain)) {
		fputs("# (a name that is not a DNS name: ", fp);
		for (const char *p = domain; p && *p; p++)
			if ((unsigned char)*p >= 0x21 && (unsigned char)*p <= 0x7e)
				fputc(*p, fp);
			else
				fprintf(fp, "\\x%02x", (unsigned char)*p);
		fputs(")\n", fp);
		return;
	}
	switch (d->level) {
	case TLSP_DANE_ONLY:
		fprintf(fp, "%s\tdane-only\n", domain);
		break;
	case TLSP_SECURE:
		fprintf(fp, "%s\tsecure match=%s\n", domain, d->match);
		break;
	case TLSP_ENCRYPT:
		fprintf(fp, "%s\tencrypt\n", domain);
		break;
	default:
		fprintf(fp, "# %s: %s\n", domain, d->why);
		break;
	}
}
