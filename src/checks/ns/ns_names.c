/* src/checks/ns/ns_names.c - pure helpers of the NS check: mail names under a domain, NS sets */
#include "checks/ns/ns_names.h"
#include "dns/dns.h"

#include <string.h>
#include <strings.h>

/* ns_next_label - the position after the first label of name (handles \. escapes), or NULL */
static const char *
ns_next_label(const char *name)
{
	for (const char *p = name; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '.')
			return p[1] ? p + 1 : NULL;
	}
	return NULL;
}

const char *
ns_parent(const char *name)
{
	return ns_next_label(name);
}

enum ms_status
ns_names_between(struct arena *ar, const char *domain, const char *host,
    const char **out, size_t max, size_t *n)
{
	const char *chain[128];
	size_t depth = 0;
	enum ms_status st = MS_OK;

	*n = 0;
	if (!dns_name_is_subdomain(host, domain) || dns_name_equal(host, domain))
		return MS_ERR_ARG;
	/* Walk up from host until domain; a name has at most 127 labels. */
	for (const char *p = host; p && !dns_name_equal(p, domain); p = ns_next_label(p)) {
		if (depth == sizeof(chain) / sizeof(chain[0]))
			return MS_ERR_LIMIT;
		chain[depth++] = p;
	}
	while (depth > 0) {
		const char *s = chain[--depth];
		size_t len = strlen(s);

		if (*n == max) {
			st = MS_ERR_LIMIT;
			break;
		}
		if (len > 1 && s[len - 1] == '.')
			len--;
		out[(*n)++] = arena_strndup(ar, s, len);
	}
	return st;
}

bool
ns_set_within(const char *const *child, size_t nc, const char *const *apex, size_t na)
{
	for (size_t i = 0; i < nc; i++) {
		bool found = false;

		for (size_t k = 0; k < na && !found; k++)
			found = dns_name_equal(child[i], apex[k]);
		if (!found)
			return false;
	}
	return true;
}

/* add_unique - append name (arena copy) unless present; false when out is full */
static bool
add_unique(struct arena *ar, const char *name, const char **out, size_t max, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		if (dns_name_equal(out[i], name))
			return true;
	if (*n == max)
		return false;
	out[(*n)++] = arena_strdup(ar, name);
	return true;
}

/* ref_target - the name a token refers to (arena), or NULL: "include:x/24" -> "x" */
static char *
ref_target(struct arena *ar, const char *t, size_t tl)
{
	static const char *const keys[] = { "include:", "a:", "mx:", "exists:", "ptr:",
	    "redirect=", "mailto:", NULL };
	size_t k, start = 0, end;
	const char *at;

	if (tl > 0 && (t[0] == '+' || t[0] == '-' || t[0] == '~' || t[0] == '?'))
		t++, tl--;
	for (k = 0; keys[k]; k++) {
		size_t kl = strlen(keys[k]);

		if (tl > kl && strncasecmp(t, keys[k], kl) == 0) {
			start = kl;
			break;
		}
	}
	if (keys[k] == NULL)
		return NULL;
	if (strcmp(keys[k], "mailto:") == 0) {
		at = memchr(t + start, '@', tl - start);
		if (at == NULL)
			return NULL;
		start = (size_t)(at - t) + 1;
	}
	for (end = start; end < tl && t[end] != '/' && t[end] != '!'; end++)
		if (t[end] == '%')
			return NULL;	/* a macro: depends on the message */
	if (end == start || end - start > 253)
		return NULL;
	return arena_strndup(ar, t + start, end - start);
}

enum ms_status
ns_names_in_record(struct arena *ar, const char *domain, const char *text, size_t len,
    const char **out, size_t max, size_t *n)
{
	size_t i = 0;

	*n = 0;
	if (len > 65535)
		return MS_ERR_LIMIT;
	while (i < len) {
		size_t j = i, m = 0;
		const char *between[16], *why;
		char *name;

		while (j < len && text[j] != ' ' && text[j] != ';' && text[j] != ',' &&
		    text[j] != '\t' && text[j] != '\0')
			j++;
		name = j > i ? ref_target(ar, text + i, j - i) : NULL;
		i = j + 1;
		if (name == NULL || !dns_name_check_host(name, &why))
			continue;
		if (ns_names_between(ar, domain, name, between, 16, &m) == MS_ERR_ARG)
			continue;
		for (size_t k = 0; k < m; k++)
			if (!add_unique(ar, between[k], out, max, n))
				return MS_ERR_LIMIT;
	}
	return MS_OK;
}
