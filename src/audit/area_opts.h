/* src/audit/area_opts.h - options a check area reads: declared by the area, set by name, read by its audits */
#ifndef MS_AUDIT_AREA_OPTS_H
#define MS_AUDIT_AREA_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

/*
 * As Unbound's modules read their own settings at init, an area declares the
 * options it reads (struct area_options, beside its check) and keeps their
 * values in a struct of its own.  The registry (engine/registry.c) knows each
 * area's declaration, so a program sets an option by name
 * (engine_option_set) without knowing which areas read it, and an audit's
 * check reads its area's values with audit_area_opts().  Adding an area
 * option touches the area, its docs and the option table (cli/options.c),
 * nothing in between.
 *
 * The values live in a struct area_settings: one per run, or one per domain
 * (check_options.areas), so a long-running program can give every domain its
 * own.  Nothing here is process-wide.
 */

/* One option an area reads. */
struct area_option {
	const char *name;	/* its name in the option table ("dmarc-rules") */
	const char *config;	/* its key in the config file ("dkim_selectors"), or NULL: none */
	bool list;		/* repeatable: values accumulate; a config array gives each element */
	/*
	 * set - parse value (borrowed: copy what is kept) into the area's
	 * settings.  For a list, value NULL forgets the values so far (the
	 * command line replaces the config file's list).  On a bad value
	 * returns MS_ERR_SYNTAX (or MS_ERR_LIMIT) with a message for the user in
	 * why[0..whylen) and leaves the settings as they were.
	 */
	enum ms_status (*set)(void *settings, const char *value, char *why, size_t whylen);
};

/* What one area declares. */
struct area_options {
	const char *area;		/* the area's name ("dkim") */
	size_t size;			/* of the area's settings struct */
	const void *defaults;		/* a settings struct of defaults: copied at the first set */
	/* free - free what set allocated inside settings (never settings itself); NULL: nothing */
	void (*free)(void *settings);
	const struct area_option *options;	/* ended by a NULL name */
};

/* The option values of every area for a run or a domain. */
struct area_settings;

/* area_settings_new - no values yet (every area reads its defaults); free with area_settings_free */
struct area_settings *area_settings_new(void);

/* area_settings_free - free s and every value in it; NULL is fine */
void area_settings_free(struct area_settings *s);

/*
 * area_settings_set - o (one of def's options) takes value in s: def's
 * settings are created from def->defaults at the first set, then o->set
 * parses value.  value is borrowed.  Status and why as o->set.
 */
MS_MUST_CHECK enum ms_status area_settings_set(struct area_settings *s, const struct area_options *def,
    const struct area_option *o, const char *value, char *why, size_t whylen);

/*
 * area_settings_get - def's settings in s (borrowed, valid until s is
 * freed), or def->defaults when s is NULL or nothing of def's was set
 */
const void *area_settings_get(const struct area_settings *s, const struct area_options *def);

/*
 * A list option's values: v is NULL-terminated (NULL while empty), each
 * string owned.  For settings structs (zero is the empty list).
 */
struct area_strv {
	char **v;
	size_t n;
};

/*
 * area_strv_add - append a copy of value (max: the most the list may hold,
 * MS_ERR_LIMIT beyond); value NULL empties the list (a list option's set)
 */
MS_MUST_CHECK enum ms_status area_strv_add(struct area_strv *l, const char *value, size_t max);

/* area_strv_free - free the strings and the array; l is empty afterwards */
void area_strv_free(struct area_strv *l);

#endif
