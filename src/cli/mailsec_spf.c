/* src/cli/mailsec_spf.c - mailsec-spf: one SPF evaluation per process, started in a millisecond */
#include "cli/spf_run.h"
#include "dns/resolver.h"
#include "dns/resolver_replay.h"
#include "dns/resolver_stub.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * `mailsec spf eval` for programs that start one process per message (a
 * milter, a policy service, a pipe in a mail filter): the same evaluator,
 * the same output, the same exit codes, built from the same library with
 * only libevent and jansson behind it (no ldns, so no libcrypto).  It asks a recursive resolver
 * through the stub backend (dns/resolver_stub.h) instead of libunbound,
 * so it does not validate DNSSEC itself; --replay works as in mailsec.
 * Why a separate program: docs/performance.md.
 */

#define SPF_VERSION	"0.1.0"
#define EXIT_USAGE_CODE	2

enum {
	O_IP = 256, O_SENDER, O_HELO, O_BATCH, O_JSON, O_TRACE, O_RESOLVER, O_REPLAY,
	O_TIMEOUT, O_TRUST_ANCHOR, O_HELP, O_VERSION,
};

static const struct option long_opts[] = {
	{ "ip", required_argument, NULL, O_IP },
	{ "sender", required_argument, NULL, O_SENDER },
	{ "helo", required_argument, NULL, O_HELO },
	{ "batch", required_argument, NULL, O_BATCH },
	{ "json", no_argument, NULL, O_JSON },
	{ "trace", no_argument, NULL, O_TRACE },
	{ "resolver", required_argument, NULL, O_RESOLVER },
	{ "replay", required_argument, NULL, O_REPLAY },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "trust-anchor", required_argument, NULL, O_TRUST_ANCHOR },
	{ "help", no_argument, NULL, O_HELP },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
    "usage: mailsec-spf --ip IP --sender ADDRESS [--helo NAME] [OPTIONS]\n"
    "       mailsec-spf --batch FILE|- [OPTIONS]\n"
    "\n"
    "SPF check_host() (RFC 7208) for one client, as 'mailsec spf eval', in a process\n"
    "that starts in about a millisecond.  Same output and exit codes.\n"
    "\n"
    "  --ip IP            the client's address\n"
    "  --sender ADDRESS   the MAIL FROM address (\"\" for the null sender)\n"
    "  --helo NAME        the HELO/EHLO name\n"
    "  --batch FILE       lines 'IP SENDER [HELO]' ('-': stdin); JSON lines out\n"
    "  --json             a mailsec-spf-eval/1 object\n"
    "  --trace            how the result was reached\n"
    "  --resolver ADDR[@PORT]  the recursive resolver to ask (default: resolv.conf)\n"
    "  --replay FILE      answer from a replay file instead of the network\n"
    "  --timeout SECONDS  per DNS query (default 5)\n"
    "\n"
    "It does not validate DNSSEC itself: it trusts the resolver it asks, so name one\n"
    "you control (loopback, a private link).  'mailsec spf eval' validates.\n";

/* usage_error - a message and the hint, exit status 2 */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("mailsec-spf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see 'mailsec-spf --help')\n", stderr);
	return EXIT_USAGE_CODE;
}

/* parse_timeout - seconds, more than 0 and at most 3600 */
static bool
parse_timeout(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v > 0) || v > 3600)
		return false;
	*out = v;
	return true;
}

int
main(int argc, char **argv)
{
	struct spf_run_opts ro;
	struct spf_batch *b = NULL;
	struct event_base *base = NULL;
	struct resolver *res = NULL;
	struct replay_data *replay = NULL;
	const char *resolver = NULL, *replay_path = NULL;
	double timeout = 5;
	char *err = NULL;
	int c, rc;

	setlocale(LC_CTYPE, "C");
	memset(&ro, 0, sizeof(ro));
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case O_IP: ro.ip = optarg; break;
		case O_SENDER: ro.sender = optarg; break;
		case O_HELO: ro.helo = optarg; break;
		case O_BATCH: ro.batch = optarg; break;
		case O_JSON: ro.json = true; break;
		case O_TRACE: ro.trace = true; break;
		case O_RESOLVER: resolver = optarg; break;
		case O_REPLAY: replay_path = optarg; break;
		case O_TIMEOUT:
			if (!parse_timeout(optarg, &timeout))
				return usage_error("--timeout wants seconds, more than 0 and at most 3600,"
				    " not \"%s\"", optarg);
			break;
		case O_TRUST_ANCHOR:
			return usage_error("--trust-anchor: mailsec-spf does not validate DNSSEC "
			    "itself (it trusts its resolver); 'mailsec spf eval' does");
		case O_HELP:
			fputs(usage_text, stdout);
			return 0;
		case O_VERSION:
			printf("mailsec-spf %s\n", SPF_VERSION);
			return 0;
		default:
			return usage_error("unknown option or missing argument: %s",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	if ((rc = spf_batch_load(&ro, &b)) != 0)
		return rc;
	if ((base = event_base_new()) == NULL) {
		fputs("mailsec-spf: cannot create an event loop\n", stderr);
		spf_batch_free(b);
		return EXIT_USAGE_CODE;
	}
	if (replay_path) {
		replay = replay_data_new();
		if (replay_data_load_file(replay, replay_path, &err) != MS_OK)
			goto fail;
		res = resolver_replay_new(base, replay, timeout);
	} else {
		struct stub_config scfg = { .forward = resolver, .resolv_conf = NULL };

		if (resolver_stub_new(base, &scfg, timeout, &res, &err) != MS_OK)
			goto fail;
	}
	rc = spf_batch_run(b, res, base);
	resolver_free(res);
	replay_data_free(replay);
	event_base_free(base);
	spf_batch_free(b);
	return rc;
fail:
	fprintf(stderr, "mailsec-spf: %s\n", err ? err : "cannot start");
	free(err);
	replay_data_free(replay);
	event_base_free(base);
	spf_batch_free(b);
	return EXIT_USAGE_CODE;
}
