/* src/store/store.c - choose a storage backend by the location given */
#include "store/store.h"
#include "util/buf.h"
#include "util/xalloc.h"

#include <string.h>

/* is_pg - a PostgreSQL location (libpq connection URI) */
static bool
is_pg(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0;
}

/*
 * store_display - where with a URI's passwords (user:PASSWORD@, ?password=)
 * replaced by "***"; caller frees
 */
char *
store_display(const char *where)
{
	struct buf b;
	const char *auth, *at, *colon, *end, *p;

	if (!is_pg(where))
		return xstrdup(where);
	buf_init(&b, BUF_MAX_DEFAULT);
	auth = strstr(where, "://") + 3;
	end = auth + strcspn(auth, "/?");
	at = memchr(auth, '@', (size_t)(end - auth));
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon) {
		(void)buf_append(&b, where, (size_t)(colon + 1 - where));
		(void)buf_puts(&b, "***");
		p = at;
	} else
		p = where;
	while (*p) {
		const char *q = strstr(p, "password=");

		if (q == NULL || (q > where && q[-1] != '?' && q[-1] != '&')) {
			size_t n = q ? (size_t)(q + 9 - p) : strlen(p);

			(void)buf_append(&b, p, n);
			p += n;
			continue;
		}
		(void)buf_append(&b, p, (size_t)(q + 9 - p));
		(void)buf_puts(&b, "***");
		p = q + 9 + strcspn(q + 9, "&");
	}
	return buf_steal(&b);
}

enum ms_status
store_open(const char *where, struct store **out, const char **why)
{
	*out = NULL;
	if (is_pg(where))
		return store_pg_open(where, out, why);
	return store_sqlite_open(where, out, why);
}
