/* src/core/profile.h - policy profiles: thresholds, required values, severity overrides */
#ifndef MS_CORE_PROFILE_H
#define MS_CORE_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/severity.h"
#include "util/status.h"

/*
 * A profile is a JSON document (see docs/profiles.md): a name, a
 * description, one object per area with that area's thresholds and required
 * values, and "severity": {"<id>": "<severity>"} overrides.  The shipped
 * profiles are compiled in; a path loads a user's own.  Checks read values by
 * dotted path ("dkim.min_rsa_bits") with a default, so a profile need only
 * name what it changes.
 */
struct profile {
	char	*name;
	json_t	*root;
};

/*
 * profile_load - load a shipped profile by name, or a file when name_or_path
 * contains '/' or ends in ".json".  On failure *err is set (caller frees).
 * The caller frees the profile with profile_free().
 */
MS_MUST_CHECK enum ms_status profile_load(const char *name_or_path, struct profile **out, char **err);
/* profile_free - free p and what it holds; NULL-safe */
void profile_free(struct profile *p);

/* profile_builtin_names - NULL-terminated list of shipped profile names (static) */
const char *const *profile_builtin_names(void);
/* profile_builtin_text - the JSON text of a shipped profile (static), or NULL; name borrowed */
const char *profile_builtin_text(const char *name);

/* profile_int - the integer at path ("dmarc.pct"), or dflt; p and path borrowed */
int64_t profile_int(const struct profile *p, const char *path, int64_t dflt);
/* profile_bool - the boolean at path, or dflt; p and path borrowed */
bool profile_bool(const struct profile *p, const char *path, bool dflt);
/* profile_str - borrowed string, valid while the profile lives */
const char *profile_str(const struct profile *p, const char *path, const char *dflt);
/* profile_get - borrowed JSON value at path, or NULL */
json_t *profile_get(const struct profile *p, const char *path);
/*
 * profile_severity - the override for a finding id, if any, into the caller's
 * *out (p, id borrowed)
 */
bool profile_severity(const struct profile *p, const char *id, enum severity *out);

#endif
