/* src/engine/engine.h - the check engine: many domains in flight on one event loop */
#ifndef MS_ENGINE_ENGINE_H
#define MS_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "audit/audit.h"

struct event_base;
struct resolver;

/* One area's checks: the registry maps --only names to starters. */
struct check_def {
	const char *area;
	void (*start)(struct audit *a);
	const char *summary;
};

/* check_registry - every check, in the order reports list their areas; NULL-terminated */
const struct check_def *check_registry(void);
/* check_area_rank - position of area in the registry (unknown areas sort last) */
int check_area_rank(const char *area);

struct engine_config {
	struct event_base *base;
	struct resolver *res;
	const struct check_options *opts;
	char *const *only;	/* areas to run, NULL-terminated; NULL for all */
	char *const *ignore;	/* ids/areas/prefixes to drop; NULL-terminated or NULL */
	size_t max_inflight;	/* domains audited at once (0: 64) */
	double deadline;	/* seconds for the whole run (0: none) */
	/*
	 * Called once per domain as its audit completes (completion order), with
	 * profile overrides and --ignore applied and findings grouped by area.
	 * The engine frees the audit after the callback returns.
	 */
	void (*on_result)(struct audit *a, void *arg);
	void *arg;
};

/*
 * engine_run - audit every domain; returns when all are done.  Domains must
 * be valid (see engine_domain_valid).
 */
void engine_run(const struct engine_config *cfg, char *const *domains, size_t n);

/* engine_domain_normalise - lower-case, strip one trailing dot, validate; caller frees */
char *engine_domain_normalise(const char *in, const char **why);

#endif
