/* src/output/locate.h - which line of which zone file a finding is about (lint's SARIF) */
#ifndef MAILSEC_OUTPUT_LOCATE_H
#define MAILSEC_OUTPUT_LOCATE_H

#include <stdbool.h>

#include "core/finding.h"
#include "dns/resolver_replay.h"

/*
 * finding_locate - where, in the replay data d (records added with
 * replay_data_add_at, origins with replay_data_add_origin_at), the record
 * finding f (borrowed) found auditing domain is about was read:
 *   1. evidence that is a record in zone-file form ("owner [ttl] IN TYPE
 *      rdata", as the MX checks quote one): that record, RDATA compared;
 *   2. else the area's record at the subject (or at the area's own name
 *      below it: _dmarc., _mta-sts., _smtp._tls., default._bimi.), e.g.
 *      the TXT starting "v=spf1" for spf, MX for mx, NS for ns, TLSA for
 *      dane (areas without a record of their own, such as tls or dnssec,
 *      skip this step);
 *   3. else (a record that is missing, a name outside the files, an area
 *      about the domain as a whole) the SOA line of the deepest zone
 *      holding the subject, or else the domain's.
 * False when none of these is known.  Pure: lookups in d only.
 */
bool finding_locate(const struct replay_data *d, const char *domain, const struct finding *f,
    struct replay_where *out);

#endif
