/* src/engine/registry.c - the list of checks, one per area, and the options each area reads */
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
	{ "mx", check_mx_start, "MX records, null MX, targets and their addresses", NULL },
	{ "ptr", check_ptr_start, "reverse DNS of every MX address, forward-confirmed", NULL },
	{ "ns", check_ns_start, "the domain's name servers and mail names delegated elsewhere",
	    &check_ns_options },
	{ "dmarc", check_dmarc_start, "DMARC record, policy discovery (RFC 7489 and RFC 9989), report authorisation",
	    &check_dmarc_options },
	{ "spf", check_spf_start, "SPF record, its include/redirect tree and limits, the HELO name",
	    &check_spf_options },
	{ "parked", check_parked_start, "the defensive record set of a domain without mail", NULL },
	{ "mta-sts", check_mtasts_start, "MTA-STS record, HTTPS policy and MX coverage", NULL },
	{ "tls", check_tls_start, "STARTTLS, protocol and certificate of every MX address", NULL },
	{ "dane", check_dane_start, "DANE TLSA records of the MX hosts", NULL },
	{ "dnssec", check_dnssec_start, "DNSSEC status of the domain and the MX hosts", NULL },
	{ "sending", check_sending_start, "outbound hosts: forward-confirmed reverse DNS",
	    &check_sending_options },
	{ "tls-rpt", check_tlsrpt_start, "TLS-RPT policy record (_smtp._tls): version, report addresses", NULL },
	{ "dkim", check_dkim_start, "DKIM selectors and key records: key type and size, revoked, testing",
	    &check_dkim_options },
	{ "bimi", check_bimi_start, "BIMI record (default._bimi) and the DMARC enforcement it needs",
	    &check_bimi_options },
	{ "profile", check_profile_start, "profile requirements no RFC covers: MTA-STS record required, retired domains", NULL },
	{ NULL, NULL, NULL, NULL }
};

/* check_registry - every area's check (engine.h) */
const struct check_def *
check_registry(void)
{
	return registry;
}

/* check_area_rank - an area's position in the registry (engine.h) */
int
check_area_rank(const char *area)
{
	int i;

	for (i = 0; registry[i].area; i++)
		if (strcmp(registry[i].area, area) == 0)
			return i;
	return i;
}

/* engine_option_find - the first declaration of an area option by name (engine.h) */
const struct area_option *
engine_option_find(const char *name)
{
	for (const struct check_def *c = registry; c->area; c++)
		for (const struct area_option *o = c->options ? c->options->options : NULL;
		    o && o->name; o++)
			if (strcmp(o->name, name) == 0)
				return o;
	return NULL;
}

/* engine_option_by_config - the first declaration of an area option by config key (engine.h) */
const struct area_option *
engine_option_by_config(const char *key)
{
	for (const struct check_def *c = registry; c->area; c++)
		for (const struct area_option *o = c->options ? c->options->options : NULL;
		    o && o->name; o++)
			if (o->config && strcmp(o->config, key) == 0)
				return o;
	return NULL;
}

/* engine_option_set - every area that reads option name takes value (engine.h) */
enum ms_status
engine_option_set(struct area_settings *s, const char *name, const char *value, char *why,
    size_t whylen)
{
	enum ms_status st = MS_ERR_NOTFOUND;

	for (const struct check_def *c = registry; c->area; c++) {
		for (const struct area_option *o = c->options ? c->options->options : NULL;
		    o && o->name; o++) {
			if (strcmp(o->name, name) != 0)
				continue;
			st = area_settings_set(s, c->options, o, value, why, whylen);
			if (st != MS_OK)
				return st;
		}
	}
	return st;
}
