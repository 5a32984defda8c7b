/* src/policy/dmarc_org.c - organizational domains by the PSL (RFC 7489 §3.2) and tree walk targets (RFC 9989 §4.10) */
#include "policy/dmarc_org.h"
#include "dns/suffix_list.h"
#include "util/ipaddr.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

const char *
dmarc_org_psl(struct arena *ar, struct suffix_list *psl, const char *name)
{
	char *n = str_lower(arena_strdup(ar, name));
	size_t len = strlen(n);
	const char *reg;

	if (len > 1 && n[len - 1] == '.')
		n[len - 1] = '\0';
	/* A name with an empty label is no domain name: it is its own (and nobody's) org domain. */
	if (n[0] == '.' || strstr(n, "..") != NULL || ipaddr_looks_like(n))
		return n;
	reg = suffix_list_registrable(psl, n);
	return reg ? reg : n;
}

size_t
dmarc_label_count(const char *name)
{
	size_t n = 1;

	if (*name == '\0' || strcmp(name, ".") == 0)
		return 0;
	for (const char *p = name; *p; p++)
		if (*p == '.' && p[1] != '\0')
			n++;
	return n;
}

const char *
dmarc_suffix_labels(const char *name, size_t n)
{
	size_t have = dmarc_label_count(name);
	const char *p = name;

	while (have > n && (p = strchr(p, '.')) != NULL) {
		p++;
		have--;
	}
	return p ? p : name;
}

size_t
dmarc_walk_targets(struct arena *ar, const char *name, const char *out[DMARC_WALK_MAX])
{
	char *n = str_lower(arena_strdup(ar, name));
	size_t len = strlen(n), labels, k = 0;

	if (len > 1 && n[len - 1] == '.')
		n[len - 1] = '\0';
	labels = dmarc_label_count(n);
	if (labels == 0)
		return 0;
	out[k++] = n;
	/* RFC 9989 §4.10 steps 5 and 8: from 8 labels up jump to 7, then one at a time. */
	labels = labels >= 8 ? 7 : labels - 1;
	while (labels >= 1 && k < DMARC_WALK_MAX) {
		out[k++] = dmarc_suffix_labels(n, labels);
		labels--;
	}
	return k;
}
