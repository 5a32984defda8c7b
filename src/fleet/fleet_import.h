/* src/fleet/fleet_import.h - the domains import file: one domain a line, or CSV with settings */
#ifndef MS_FLEET_FLEET_IMPORT_H
#define MS_FLEET_FLEET_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/*
 * Pure: bytes in, rows or an error out, no I/O (fuzz/fuzz_domains_import.c).
 * Hard bounds: FLEET_IMPORT_MAX_BYTES of input, FLEET_IMPORT_MAX_LINE bytes a
 * line, FLEET_IMPORT_MAX_ROWS rows.
 *
 * Two forms (docs/monitor.md):
 * - a list: one domain a line; '#' starts a comment; blank lines skipped;
 * - CSV (RFC 4180: fields may be quoted, "" is a quote; CRLF or LF): the
 *   first line that is not blank or a comment is a header whose first
 *   column is `domain`; other columns, in any order, each at most once:
 *   `profile`, `parked` (yes/no, true/false, 1/0, or empty), `dkim_selectors`
 *   (`selectors`), `sending_hosts`, `interval` (3600, 30m, 12h, 7d).  Lists
 *   inside a field are separated by ';' or blanks (or ',' when quoted).  An
 *   empty field keeps the default.  A quoted field may not span lines.
 * Domains are normalised (lower-case, no trailing dot) and validated;
 * selector and host lists are normalised (fleet_list_norm).
 */
#define FLEET_IMPORT_MAX_BYTES	(64u * 1024 * 1024)
#define FLEET_IMPORT_MAX_LINE	4096
#define FLEET_IMPORT_MAX_ROWS	1000000

struct fleet_import_row {
	char *domain;
	char *profile;		/* NULL: not given */
	int parked;		/* -1: not given, else 0/1 */
	char *selectors;	/* normalised list, NULL: not given */
	char *sending_hosts;
	int64_t interval;	/* 0: not given */
	size_t line;		/* 1-based line in the file */
};

struct fleet_import {
	struct fleet_import_row *rows;
	size_t n;
	bool csv;
};

/*
 * fleet_import_parse - parse len bytes of data.  On failure returns
 * MS_ERR_SYNTAX or MS_ERR_LIMIT with "line N: why" in why (the caller's
 * buffer) and out empty.  The caller frees out with fleet_import_free (also
 * after a failure).
 */
MS_MUST_CHECK enum ms_status fleet_import_parse(const char *data, size_t len, struct fleet_import *out,
    char *why, size_t whylen);
void fleet_import_free(struct fleet_import *imp);

#endif
