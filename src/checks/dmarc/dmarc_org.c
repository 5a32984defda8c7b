/* src/checks/dmarc/dmarc_org.c - organizational domains by the PSL (RFC 7489 §3.2) and tree walk targets (RFC 9989 §4.10) */
#include "checks/dmarc/dmarc_org.h"
#include "util/ipaddr.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <libpsl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static psl_ctx_t *psl;
static char *psl_from;

enum ms_status
dmarc_psl_load(const char *path, char **err)
{
	psl_ctx_t *p;
	const char *file = path ? path : DMARC_PSL_DEFAULT;

	if (path == NULL && access(file, R_OK) != 0) {
		p = (psl_ctx_t *)psl_builtin();
		file = "built-in";
	} else {
		p = psl_load_file(file);
	}
	if (p == NULL) {
		*err = xasprintf("cannot load the public suffix list %s", file);
		return MS_ERR_IO;
	}
	dmarc_psl_free();
	psl = p;
	psl_from = xstrdup(file);
	return MS_OK;
}

const char *
dmarc_psl_source(void)
{
	return psl_from ? psl_from : "none";
}

void
dmarc_psl_free(void)
{
	if (psl && psl != psl_builtin())
		psl_free(psl);
	psl = NULL;
	free(psl_from);
	psl_from = NULL;
}

const char *
dmarc_org_psl(struct arena *ar, const char *name)
{
	char *n = str_lower(arena_strdup(ar, name));
	size_t len = strlen(n);
	const char *reg;

	if (len > 1 && n[len - 1] == '.')
		n[len - 1] = '\0';
	/* A name with an empty label is no domain name: it is its own (and nobody's) org domain. */
	if (n[0] == '.' || strstr(n, "..") != NULL || ipaddr_looks_like(n))
		return n;
	if (psl == NULL) {
		char *err = NULL;

		if (dmarc_psl_load(NULL, &err) != MS_OK) {
			free(err);
			return n;
		}
	}
	reg = psl_registrable_domain(psl, n);
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
