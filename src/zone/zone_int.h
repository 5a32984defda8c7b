/* src/zone/zone_int.h - helpers shared by the zone readers (not for other folders) */
#ifndef MS_ZONE_ZONE_INT_H
#define MS_ZONE_ZONE_INT_H

#include <ldns/ldns.h>

#include "zone/zone.h"

/*
 * zone_add_ldns_rr - append rr (borrowed; class IN only, others skipped) with
 * its RDATA copied in wire form, starting on line (1-based; 0: not known):
 * MS_ERR_LIMIT past ZONE_MAX_RRS, MS_ERR_SYNTAX when it has no wire form,
 * MS_ERR_NOMEM when an allocation failed (z is unchanged then)
 */
MS_MUST_CHECK enum ms_status zone_add_ldns_rr(struct zone_file *z, const ldns_rr *rr, unsigned line);
/* zone_note - record something skipped on purpose (the text copied into z); MS_ERR_NOMEM when it cannot be */
MS_MUST_CHECK enum ms_status zone_note(struct zone_file *z, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* zone_name_canon - lower case, no trailing dot; caller frees; NULL when out of memory */
char *zone_name_canon(const char *name);

#endif
