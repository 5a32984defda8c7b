/* src/dns/sysresolv.c - the system's resolver: the test suite's guard against using it */
#include "dns/sysresolv.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <stdlib.h>

bool
dns_system_resolver_forbidden(void)
{
	struct ifaddrs *ifs, *i;
	bool outside = false;

	if (getenv("MAILSEC_FORBID_SYSTEM_RESOLVER") == NULL)
		return false;
	if (getifaddrs(&ifs) != 0)
		return true;	/* cannot tell: refuse */
	for (i = ifs; i; i = i->ifa_next)
		if ((i->ifa_flags & IFF_UP) && !(i->ifa_flags & IFF_LOOPBACK))
			outside = true;
	freeifaddrs(ifs);
	return outside;
}
