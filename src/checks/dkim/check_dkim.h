/* src/checks/dkim/check_dkim.h - DKIM: selector discovery and key records (RFC 6376, RFC 8301, RFC 8463) */
#ifndef MS_CHECKS_DKIM_CHECK_DKIM_H
#define MS_CHECKS_DKIM_CHECK_DKIM_H

#include <stddef.h>

#include "checks/dkim/dkim_key.h"
#include "core/finding.h"

struct audit;
struct area_options;
struct profile;

/*
 * check_dkim_start - look up _domainkey.<domain> (RFC 8020: NXDOMAIN there
 * means no selector exists), then every selector given with --dkim-selector
 * and the built-in list, plus one name no one publishes to detect a
 * wildcard; raise dkim.* findings and fill facts.dkim (docs/json.md).  a is
 * borrowed (the engine owns the audit).
 */
void check_dkim_start(struct audit *a);

/* check_dkim_options - the options the dkim area reads (--dkim-selector; dkim-name, set by lint); static */
extern const struct area_options check_dkim_options;

/*
 * dkim_builtin_selectors - the common provider selectors tried on every
 * domain; NULL-terminated, static
 */
const char *const *dkim_builtin_selectors(void);

/*
 * dkim_key_report - the findings for one key record published at name
 * (selector._domainkey.domain): problems of the parse, key type and size
 * judged against the profile's dkim.min_rsa_bits_error/_warning (a finding
 * raised only because the profile is stricter than RFC 8301 carries the
 * profile's name), testing mode, hashes.  Used by the check and by
 * 'mailsec dkim lint'.  record/len is the record as published (borrowed).
 */
void dkim_key_report(struct finding_list *l, const char *name, const char *record, size_t len,
    const struct dkim_key *k, const struct profile *p);

/* dkim_txt_zone - record as zone-file TXT strings ("..." "..."), escaped: zonetext_txt_quoted; caller frees */
char *dkim_txt_zone(const char *record, size_t len);

#endif
