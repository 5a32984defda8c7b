/* src/zone/zone.h - zone files as proposed records: BIND master files (ldns) and octoDNS YAML (libyaml) */
#ifndef MS_ZONE_ZONE_H
#define MS_ZONE_ZONE_H

#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

#define ZONE_MAX_TEXT	(8u * 1024 * 1024)	/* bytes of one file */
#define ZONE_MAX_RRS	100000			/* records of one file */

/* One record as read: RDATA in wire form, names in it uncompressed. */
struct zone_rr {
	char		*owner;		/* presentation form, lower case, no trailing dot */
	uint16_t	 type;
	uint32_t	 ttl;
	uint8_t		*rdata;
	size_t		 len;
	unsigned	 line;		/* 1-based line where the record starts; 0: not known */
};

/*
 * A zone file read into memory: its origin (the zone apex) and every record.
 * notes are things the reader skipped on purpose (an octoDNS type with no DNS
 * form, such as ALIAS), one line each; they are reported, never silently
 * dropped.  Caller frees with zone_file_free().
 */
struct zone_file {
	char		*origin;	/* lower case, no trailing dot */
	struct zone_rr	*rr;
	size_t		 n, cap;
	char		**notes;	/* NULL-terminated, may be NULL */
	size_t		 nnotes;
	/*
	 * Where a finding about a record the zone lacks points (docs/sarif.md):
	 * a master file's line of the SOA at the origin (1 when it has none);
	 * an octoDNS file's root node's line (1 when the file is empty).
	 */
	unsigned	 soa_line;
};

/*
 * zone_read_bind - parse an RFC 1035 master file held in text[0..len) with
 * ldns.  $ORIGIN and $TTL are honoured; $INCLUDE is refused (it would read
 * other files: lint every file on the command line instead).  The origin is
 * origin when given (trailing dot optional), else the SOA owner, else the
 * first $ORIGIN.  Pure: no I/O beyond reading text.  On failure *err (caller
 * frees) says what and on which line, and *out is NULL; except MS_ERR_NOMEM
 * (an allocation failed, util/tryalloc.h), where *err is NULL: the message is
 * ms_status_str(), "out of memory".  ldns's own allocations are not ours: one
 * failing there reads as a record ldns could not parse.  Each record keeps
 * the line it starts on (the owner's line of a parenthesised record).
 */
MS_MUST_CHECK enum ms_status zone_read_bind(const char *text, size_t len, const char *origin,
    struct zone_file **out, char **err);

/*
 * zone_read_octodns - parse an octoDNS zone YAML (record names relative to
 * the zone; '' is the apex; each value one record or a list) for the zone
 * origin, which must be given (octoDNS names it in the file name).  As
 * zone_read_bind: text and origin borrowed, *out and *err the caller frees;
 * errors as there (libyaml's own allocations are not ours either).  Each
 * record keeps the line of its value (of its item in a values list).
 */
MS_MUST_CHECK enum ms_status zone_read_octodns(const char *text, size_t len, const char *origin,
    struct zone_file **out, char **err);

/*
 * zone_read_path - read the file at path (at most ZONE_MAX_TEXT bytes) and
 * parse it as octoDNS YAML when its name ends in .yaml or .yml, else as a
 * master file.  For YAML without origin, the file name less its extension
 * is the origin ("example.org.yaml"), as octoDNS does.  path and origin
 * borrowed; *out (zone_file_free) and *err (free) the caller frees.  Here
 * *err is set on every failure, "PATH: out of memory" included.
 */
MS_MUST_CHECK enum ms_status zone_read_path(const char *path, const char *origin, struct zone_file **out,
    char **err);

/* zone_file_free - free z and its records; NULL-safe */
void zone_file_free(struct zone_file *z);

#endif
