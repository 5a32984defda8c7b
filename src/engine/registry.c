/* src/engine/registry.c - the list of checks, one per area */
#include "engine/engine.h"
#include "checks/dane/check_dane.h"
#include "checks/dnssec/check_dnssec.h"
#include "checks/mtasts/check_mtasts.h"
#include "checks/mx/check_mx.h"
#include "checks/dmarc/check_dmarc.h"
#include "checks/spf/check_spf.h"
#include "checks/ns/check_ns.h"
#include "checks/parked/check_parked.h"
#include "checks/ptr/check_ptr.h"
#include "checks/sending/check_sending.h"
#include "checks/tls/check_tls.h"
#include "checks/dkim/check_dkim.h"
#include "checks/tlsrpt/check_tlsrpt.h"
#include "checks/profile/check_profile.h"
#include "checks/bimi/check_bimi.h"

#include <string.h>

static const struct check_def registry[] = {
	{ "mx", check_mx_start, "MX records, null MX, targets and their addresses" },
	{ "ptr", check_ptr_start, "reverse DNS of every MX address, forward-confirmed" },
	{ "ns", check_ns_start, "the domain's name servers and mail names delegated elsewhere" },
	{ "dmarc", check_dmarc_start, "DMARC record, policy discovery (RFC 7489 and RFC 9989), report authorisation" },
	{ "spf", check_spf_start, "SPF record, its include/redirect tree and limits, the HELO name" },
	{ "parked", check_parked_start, "the defensive record set of a domain without mail" },
	{ "mta-sts", check_mtasts_start, "MTA-STS record, HTTPS policy and MX coverage" },
	{ "tls", check_tls_start, "STARTTLS, protocol and certificate of every MX address" },
	{ "dane", check_dane_start, "DANE TLSA records of the MX hosts" },
	{ "dnssec", check_dnssec_start, "DNSSEC status of the domain and the MX hosts" },
	{ "sending", check_sending_start, "outbound hosts: forward-confirmed reverse DNS" },
	{ "tls-rpt", check_tlsrpt_start, "TLS-RPT policy record (_smtp._tls): version, report addresses" },
	{ "dkim", check_dkim_start, "DKIM selectors and key records: key type and size, revoked, testing" },
	{ "bimi", check_bimi_start, "BIMI record (default._bimi) and the DMARC enforcement it needs" },
	{ "profile", check_profile_start, "profile requirements no RFC covers: MTA-STS record required, retired domains" },
	{ NULL, NULL, NULL }
};

const struct check_def *
check_registry(void)
{
	return registry;
}

int
check_area_rank(const char *area)
{
	int i;

	for (i = 0; registry[i].area; i++)
		if (strcmp(registry[i].area, area) == 0)
			return i;
	return i;
}
