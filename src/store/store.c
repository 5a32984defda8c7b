/* src/store/store.c - choose a storage backend by the location given */
#include "store/store.h"

#include <string.h>

enum ms_status
store_open(const char *where, struct store **out, const char **why)
{
	*out = NULL;
	if (strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0)
		return store_pg_open(where, out, why);
	return store_sqlite_open(where, out, why);
}
