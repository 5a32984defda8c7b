/* src/core/catalog.h - the finding catalogue, generated from docs/findings/<id>.md */
#ifndef MS_CORE_CATALOG_H
#define MS_CORE_CATALOG_H

#include <stddef.h>

#include "core/severity.h"
#include "finding_ids.h"	/* generated: enum finding_id { F_MX_MISSING, ... } */

/*
 * One entry per documented finding id.  tools/gen_catalog.py builds the
 * table and the enum from the doc pages, so code can only raise ids that
 * have a page: an undocumented id does not compile.
 */
struct finding_def {
	const char	*id;		/* "mx.target.cname" */
	const char	*area;		/* "mx" */
	enum severity	 severity;	/* default severity */
	const char	*rfc;		/* "RFC 2181 §10.3", or NULL */
	const char	*title;		/* one line */
	const char	*doc;		/* the whole page, Markdown */
	enum finding_id	 superseded_by;	/* dropped when this one is raised too; F__COUNT: never */
};

extern const struct finding_def finding_defs[F__COUNT];

/* finding_def_lookup - the entry for an id string (borrowed), or NULL; the entry is static */
const struct finding_def *finding_def_lookup(const char *id);

/* catalog_area_known - whether some documented id belongs to area (borrowed) */
int catalog_area_known(const char *area);

#endif
