/* src/records/recset.h - a generated record set and its outputs: zone-file lines, JSON, octoDNS YAML */
#ifndef MS_RECORDS_RECSET_H
#define MS_RECORDS_RECSET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define RECSET_MAX	1000	/* records in one generated set */

/*
 * One record to publish.  value is the RDATA in presentation form, except
 * for TXT where it is the text itself (unquoted, whole): the outputs split
 * it into strings of at most 255 bytes.  A placeholder is printed commented
 * out (it needs a value only the user has) and is never loaded by lint.
 */
struct rec {
	char		*owner;		/* absolute, no trailing dot */
	char		*type;		/* "MX", "TXT", "CNAME" */
	uint32_t	 ttl;
	char		*value;
	char		*comment;	/* one line said above the record, or NULL */
	bool		 placeholder;
};

/* A file to serve beside the records (the MTA-STS policy). */
struct recfile {
	char *url;
	char *content;
};

/*
 * A generated set: records, files, guidance notes, and the next step of a
 * staged journey (next_stage NULL when this is the last step).  Everything is
 * owned by the set; free with recset_free().
 */
struct recset {
	char		*domain;
	char		*command;	/* "new", "parked", "mta-sts", "dmarc", "dkim-keygen" (dkim keygen) */
	char		*stage;		/* or NULL */
	char		*profile;
	struct rec	*v;
	size_t		 n;
	struct recfile	*files;
	size_t		 nfiles;
	char		**notes;	/* NULL-terminated or NULL */
	size_t		 nnotes;
	char		*next_stage;
	unsigned	 next_after_days;
	char		*next_when;	/* what must be true before the next step */
};

/* recset_new - an empty set (the strings copied); the caller frees it with recset_free */
struct recset *recset_new(const char *domain, const char *command, const char *stage,
    const char *profile);
/* recset_free - free s and its records; NULL-safe */
void recset_free(struct recset *s);

/* recset_add - append a record (strings copied); returns it for a comment or placeholder flag */
struct rec *recset_add(struct recset *s, const char *owner, const char *type, uint32_t ttl,
    const char *value);
void rec_set_comment(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void recset_note(struct recset *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void recset_file(struct recset *s, const char *url, const char *content);
void recset_next(struct recset *s, const char *stage, unsigned after_days, const char *when);

/* txt_quoted - text split into strings of at most 255 bytes, quoted for a zone file (zonetext_txt_quoted); caller frees */
char *txt_quoted(const char *text);

/* recset_print_zone - zone-file lines with $ORIGIN, comments for notes and files (s borrowed) */
void recset_print_zone(FILE *fp, const struct recset *s);
/*
 * recset_print_octodns - an octoDNS zone YAML document (names relative to the
 * domain; s borrowed)
 */
void recset_print_octodns(FILE *fp, const struct recset *s);
/* recset_json - the set as a mailsec-records/1 object; new reference */
json_t *recset_json(const struct recset *s);

/* The output formats of a generated set (--format). */
enum recset_format { RECSET_ZONE, RECSET_JSON, RECSET_OCTODNS };

/*
 * recset_format_parse - "zone", "json" or "octodns" (s borrowed) into the
 * caller's *out; false (out untouched) for anything else
 */
bool recset_format_parse(const char *s, enum recset_format *out);
/*
 * recset_print - the set on fp in format f: zone-file lines, octoDNS YAML, or
 * the mailsec-records/1 JSON document with mailsec_version set to version
 * (borrowed); flushes fp
 */
void recset_print(FILE *fp, const struct recset *s, enum recset_format f, const char *version);

#endif
