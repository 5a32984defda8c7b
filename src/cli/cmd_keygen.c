/* src/cli/cmd_keygen.c - mailsec dkim keygen: a DKIM key pair, its TXT record and a rotation plan */
#include "cli/cli.h"
#include "core/profile.h"
#include "dns/dns.h"
#include "engine/engine.h"
#include "records/dates.h"
#include "records/dkimkey.h"
#include "records/recset.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DKIM_PUBLISH_DAYS	2	/* wait before signing with the new key: caches and secondaries */

/*
 * cmd_keygen - the command `dkim keygen` (main() dispatches both words; the
 * old spelling `dkim-keygen` is an alias): argv[0] is the command word,
 * whatever it is.
 */
int
cmd_keygen(int argc, char **argv)
{
	struct cli_parser *p;
	enum cli_status st;
	enum opt_id id;
	const char *selector = NULL, *type = "rsa", *old = NULL, *key_out = NULL;
	char *domain = NULL, *profile_name = NULL, *err = NULL, *txt = NULL, *path = NULL;
	char *owner = NULL;
	struct profile *profile = NULL;
	struct evp_pkey_st *key = NULL;
	struct recset *set = NULL;
	uint64_t bits = 0, keep = 7;
	time_t start = date_today();
	bool bad = false, print_private = false;
	enum recset_format format = RECSET_ZONE;
	int rc = EXIT_USAGE;
	char d0[DATE_STRLEN], d1[DATE_STRLEN], d2[DATE_STRLEN], d3[DATE_STRLEN];

	p = cli_parser_new("dkim keygen", argc, argv);
	while ((id = cli_next(p, bad)) != OPT_END) {
		switch (id) {
		case OPT_SELECTOR:
			selector = optarg;
			break;
		case OPT_DOMAIN: {
			const char *why;

			free(domain);
			if ((domain = dns_domain_normalise(optarg, &why)) == NULL) {
				cli_error("--domain \"%s\": %s", optarg, why);
				bad = true;
			}
			break;
		}
		case OPT_BITS:
			if (str_to_u64(optarg, strlen(optarg), 4096, &bits) != MS_OK || bits < 1024) {
				cli_error("--bits: 1024 to 4096 (2048 recommended)");
				bad = true;
			}
			break;
		case OPT_TYPE:
			type = optarg;
			break;
		case OPT_KEY_OUT:
			key_out = optarg;
			break;
		case OPT_PRINT_PRIVATE:
			print_private = true;
			break;
		case OPT_OLD_SELECTOR:
			old = optarg;
			break;
		case OPT_KEEP_DAYS:
			if (str_to_u64(optarg, strlen(optarg), 365, &keep) != MS_OK) {
				cli_error("--keep-days: 0 to 365");
				bad = true;
			}
			break;
		case OPT_START:
			if (!date_parse(optarg, &start)) {
				cli_error("--start: a date as YYYY-MM-DD");
				bad = true;
			}
			break;
		case OPT_FORMAT: {
			int f;

			if (cli_choose("format", optarg, cli_recset_formats, &f))
				format = (enum recset_format)f;
			else
				bad = true;
			break;
		}
		case OPT_PROFILE:
			free(profile_name);
			profile_name = xstrdup(optarg);
			break;
		default:
			break;
		}
	}
	if ((st = cli_parser_end(p)) != CLI_OK) {
		rc = cli_status_exit(st);
		goto out;
	}
	if (optind < argc) {
		cli_error("dkim keygen takes no arguments besides options (did you mean --domain?)");
		goto out;
	}
	if (selector == NULL) {
		cli_error("dkim keygen needs --selector S (and --domain DOMAIN for absolute names)");
		goto out;
	}
	{
		const char *why;

		if (!dns_name_check_host(selector, &why) || (old && !dns_name_check_host(old, &why))) {
			cli_error("a selector is one or more DNS labels: %s", why);
			goto out;
		}
	}
	if (profile_load(profile_name ? profile_name : "generic", &profile, &err) != MS_OK) {
		cli_error("%s", err);
		goto out;
	}
	if (bits == 0)
		/* A key at the profile's warning threshold is judged good by the DKIM check. */
		bits = (uint64_t)profile_int(profile, "dkim.min_rsa_bits_warning", 2048);
	if (bits < 1024 || bits > 4096)
		bits = 2048;
	if (key_out && strcmp(key_out, "-") == 0 && isatty(STDOUT_FILENO) && !print_private) {
		cli_error("refusing to print a private key to a terminal (add --print-private)");
		goto out;
	}
	if (dkim_key_generate(type, (unsigned)bits, &key, &err) != MS_OK ||
	    dkim_key_record(key, &txt, &err) != MS_OK) {
		cli_error("%s", err);
		goto out;
	}
	path = key_out ? xstrdup(key_out) : xasprintf("%s.private.pem", selector);
	if (strcmp(path, "-") == 0) {
		if (dkim_key_write_private(key, NULL, stdout, &err) != MS_OK) {
			cli_error("%s", err);
			goto out;
		}
	} else {
		if (dkim_key_write_private(key, path, NULL, &err) != MS_OK) {
			cli_error("%s", err);
			goto out;
		}
		if (print_private && dkim_key_write_private(key, NULL, stdout, &err) != MS_OK) {
			cli_error("%s", err);
			goto out;
		}
	}

	/* Without --domain the record is relative to the zone it goes into. */
	set = recset_new(domain ? domain : "", "dkim-keygen", NULL, profile->name);
	owner = domain ? xasprintf("%s._domainkey.%s", selector, domain) :
	    xasprintf("%s._domainkey", selector);
	if (domain == NULL)
		domain = xstrdup("DOMAIN");	/* in the plan's text only */
	rec_set_comment(recset_add(set, owner, "TXT", 3600, txt), "%s %u-bit key; private key in %s "
	    "(mode 0600)", strcmp(type, "rsa") == 0 ? "RSA" : "Ed25519", dkim_key_bits(key),
	    strcmp(path, "-") == 0 ? "standard output" : path);
	date_fmt(start, 0, d0);
	date_fmt(start, DKIM_PUBLISH_DAYS, d1);
	date_fmt(start, DKIM_PUBLISH_DAYS + (unsigned)keep, d2);
	date_fmt(start, 365, d3);
	recset_note(set, "rotation plan:");
	recset_note(set, "%s: publish %s._domainkey.%s (above) and check it: mailsec check "
	    "--dkim-selector %s %s", d0, selector, domain, selector, domain);
	recset_note(set, "%s: switch signing to selector %s with the new private key", d1, selector);
	if (old) {
		recset_note(set, "%s: after %u days of signing with %s, revoke the old selector: "
		    "%s._domainkey.%s. IN TXT \"v=DKIM1; p=\" (messages in flight are verified by then)",
		    d2, (unsigned)keep, selector, old, domain);
		recset_note(set, "%s: delete the old private key", d2);
	} else {
		recset_note(set, "%s: after %u days of signing with %s, revoke the selector it "
		    "replaces with an empty key: OLD._domainkey.%s. IN TXT \"v=DKIM1; p=\"", d2,
		    (unsigned)keep, selector, domain);
	}
	recset_note(set, "%s: rotate again (a new selector, the same steps)", d3);
	recset_print(stdout, set, format, MAILSEC_VERSION);
	rc = EXIT_CLEAN;
out:
	recset_free(set);
	dkim_key_free(key);
	profile_free(profile);
	free(domain);
	free(profile_name);
	free(err);
	free(txt);
	free(path);
	free(owner);
	return rc;
}
