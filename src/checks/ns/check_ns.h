/* src/checks/ns/check_ns.h - NS: the domain's name servers and mail names delegated elsewhere */
#ifndef MS_CHECKS_NS_CHECK_NS_H
#define MS_CHECKS_NS_CHECK_NS_H

struct audit;
struct area_options;

/*
 * check_ns_start - look up the NS RRset of the domain (or of the zone that
 * holds it) and of every mail name: _dmarc, _domainkey, mta-sts, _mta-sts,
 * _smtp._tls and each name between the domain and an MX target under it.  A
 * mail name that is a zone cut served by other name servers than the
 * domain's is a warning.  Raises ns.* findings and fills facts.ns.
 * a is borrowed (the engine owns the audit).
 */
void check_ns_start(struct audit *a);

/* check_ns_options - the options the ns area reads (zone-cut, set by lint) */
extern const struct area_options check_ns_options;

#endif
