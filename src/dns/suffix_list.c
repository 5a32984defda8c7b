/* src/dns/suffix_list.c - the Public Suffix List (libpsl): registrable domains, one list per session */
#include "dns/suffix_list.h"
#include "util/xalloc.h"

#include <libpsl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

struct suffix_list {
	psl_ctx_t	*psl;	/* NULL until loaded (lazy) or when loading failed */
	char		*from;	/* the file, "built-in", or NULL */
	bool		 lazy;	/* load the default list on first use */
};

/* load - the list at path (NULL: the default, or libpsl's built-in list) into l */
static enum ms_status
load(struct suffix_list *l, const char *path, char **err)
{
	psl_ctx_t *p;
	const char *file = path ? path : SUFFIX_LIST_DEFAULT;

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
	l->psl = p;
	l->from = xstrdup(file);
	return MS_OK;
}

enum ms_status
suffix_list_open(const char *path, struct suffix_list **out, char **err)
{
	struct suffix_list *l = xcalloc(1, sizeof(*l));
	enum ms_status st;

	*out = NULL;
	if ((st = load(l, path, err)) != MS_OK) {
		free(l);
		return st;
	}
	*out = l;
	return MS_OK;
}

struct suffix_list *
suffix_list_lazy(void)
{
	struct suffix_list *l = xcalloc(1, sizeof(*l));

	l->lazy = true;
	return l;
}

void
suffix_list_free(struct suffix_list *l)
{
	if (l == NULL)
		return;
	if (l->psl && l->psl != psl_builtin())
		psl_free(l->psl);
	free(l->from);
	free(l);
}

const char *
suffix_list_source(const struct suffix_list *l)
{
	return l && l->from ? l->from : "none";
}

const char *
suffix_list_registrable(struct suffix_list *l, const char *name)
{
	if (l == NULL)
		return NULL;
	if (l->psl == NULL && l->lazy) {
		char *err = NULL;

		l->lazy = false;	/* one try */
		if (load(l, NULL, &err) != MS_OK)
			free(err);
	}
	return l->psl ? psl_registrable_domain(l->psl, name) : NULL;
}
