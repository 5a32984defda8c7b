/* src/checks/ns/ns_names.c - pure helpers of the NS check: mail names under a domain, NS sets */
#include "checks/ns/ns_names.h"
#include "dns/dns.h"

#include <string.h>

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
