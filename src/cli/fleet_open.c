/* src/cli/fleet_open.c - opening the fleet for workspace, domains and monitor (--db or the default) */
#include "cli/cli.h"
#include "fleet/fleet.h"
#include "store/store.h"
#include "util/xalloc.h"

#include <stdlib.h>

struct fleet *
cli_fleet_open(const char *db)
{
	struct fleet *f = NULL;
	char why[512], *path;

	if (db)
		path = xstrdup(db);
	else if (store_default_path(&path, why, sizeof(why)) != MS_OK) {
		cli_error("%s", why);
		return NULL;
	}
	if (fleet_open(path, &f, why, sizeof(why)) != MS_OK) {
		char *shown = store_display(path);

		cli_error("cannot open the database %s: %s", shown, why);
		free(shown);
	}
	free(path);
	return f;
}
