/* src/checks/sending/check_sending.h - outbound hosts (--sending-host): forward-confirmed reverse DNS, SPF */
#ifndef MS_CHECKS_SENDING_CHECK_SENDING_H
#define MS_CHECKS_SENDING_CHECK_SENDING_H

struct audit;
struct area_options;

/*
 * check_sending_start - for each --sending-host (a name or an address):
 * every address has a PTR name whose A/AAAA records include the address,
 * and the domain's SPF record authorises the address (check_host() for
 * postmaster@<domain>); fills facts.sending.
 * a is borrowed (the engine owns the audit).
 */
void check_sending_start(struct audit *a);

/* check_sending_options - the options the sending area reads (--sending-host) */
extern const struct area_options check_sending_options;

#endif
