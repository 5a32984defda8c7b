/* src/checks/sending/check_sending.h - outbound hosts (--sending-host): forward-confirmed reverse DNS */
#ifndef MS_CHECKS_SENDING_CHECK_SENDING_H
#define MS_CHECKS_SENDING_CHECK_SENDING_H

struct audit;

/*
 * check_sending_start - for each --sending-host (a name or an address):
 * every address has a PTR name whose A/AAAA records include the address;
 * fills facts.sending.  Whether SPF authorises the host is left to the SPF
 * evaluator (not part of this check yet).
 */
void check_sending_start(struct audit *a);

#endif
