/* src/checks/spf/check_spf.h - the SPF check: the domain's record, its include tree, the HELO name */
#ifndef MS_CHECKS_SPF_CHECK_SPF_H
#define MS_CHECKS_SPF_CHECK_SPF_H

struct audit;
struct area_options;

/*
 * check_spf_start - look up the domain's TXT (and type 99) records, judge its
 * SPF record, walk its include/redirect tree counting lookups as RFC 7208
 * §4.6.4 does, and with --helo judge the HELO name's record; raises spf.*
 * findings and fills facts.spf (docs/json.md).  a is borrowed (the engine
 * owns the audit).
 */
void check_spf_start(struct audit *a);

/* check_spf_options - the options the spf area reads (--helo) */
extern const struct area_options check_spf_options;

struct spf_tree;
/*
 * spf_tree_findings - the findings about a finished include/redirect tree
 * (loops, includes without SPF, lookup limits, void lookups, MX names, huge
 * ranges) on the tree's audit, and facts.spf's tree, lookups and addresses.
 * t is borrowed (it lives in the audit's arena).
 */
void spf_tree_findings(struct spf_tree *t);

#endif
