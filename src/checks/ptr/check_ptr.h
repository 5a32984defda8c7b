/* src/checks/ptr/check_ptr.h - reverse DNS of mail hosts: PTR present and forward-confirmed */
#ifndef MS_CHECKS_PTR_CHECK_PTR_H
#define MS_CHECKS_PTR_CHECK_PTR_H

struct audit;

/*
 * check_ptr_start - for every IPv4 and IPv6 address of every MX target, look
 * up the PTR RRset and forward-confirm each PTR name (FCrDNS: the name's A or
 * AAAA RRset contains the address).  Raises ptr.* findings and fills
 * facts.ptr (docs/json.md).  The MX and address lookups share the audit memo
 * with the MX check, so they cost no extra queries.
 * a is borrowed (the engine owns the audit).
 */
void check_ptr_start(struct audit *a);

#endif
