/* src/dns/sysresolv.h - the system's resolver: the test suite's guard against using it */
#ifndef MS_DNS_SYSRESOLV_H
#define MS_DNS_SYSRESOLV_H

#include <stdbool.h>

/*
 * dns_system_resolver_forbidden - the test suite's guard: with
 * MAILSEC_FORBID_SYSTEM_RESOLVER set, the system's resolv.conf may be used
 * only where no interface but loopback is up (the test world's network
 * namespaces), never where traffic can leave the machine.  True: refuse.
 */
bool dns_system_resolver_forbidden(void);

#endif
