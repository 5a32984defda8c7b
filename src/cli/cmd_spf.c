/* src/cli/cmd_spf.c - mailsec spf: evaluate (check_host), print the include tree, lint a record */
#include "cli/cli.h"
#include "core/envelope.h"
#include "cli/spf_run.h"
#include "policy/spf_eval.h"
#include "checks/spf/spf_lint.h"
#include "checks/spf/spf_tree.h"
#include "checks/spf/check_spf.h"
#include "policy/spf_parse.h"
#include "core/jsonutil.h"
#include "core/profile.h"
#include "dns/dns.h"
#include "dns/resolver_unbound.h"
#include "engine/engine.h"
#include "engine/session.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <event2/event.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long a batch waits for the --resolver to answer over TCP before it asks over UDP */
#define SPF_TCP_PROBE_SECONDS	2.0

struct spf_opts {
	const char *action;
	char *ip, *sender, *helo, *replay, *batch, *profile, *resolver, *trust_anchor;
	bool no_shortcut;	/* --no-insecure-shortcut */
	bool validates;		/* --resolver-validates */
	bool json, trace, tcp, udp;	/* --resolver-tcp, --resolver-udp (neither: a batch probes) */
	double timeout;
};

/* parse_opts - argv after "spf"; CLI_OK, or how to stop */
static enum cli_status
parse_opts(int argc, char **argv, struct spf_opts *o)
{
	struct cli_parser *p = cli_parser_new("spf", argc, argv);
	enum cli_status st;
	enum opt_id id;
	bool bad = false;

	memset(o, 0, sizeof(*o));
	o->timeout = 5;
	while ((id = cli_next(p, bad)) != OPT_END) {
		switch (id) {
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_TRACE:
			o->trace = true;
			break;
		case OPT_IP:
			o->ip = optarg;
			break;
		case OPT_SENDER:
			o->sender = optarg;
			break;
		case OPT_HELO:
			o->helo = optarg;
			break;
		case OPT_REPLAY:
			o->replay = optarg;
			break;
		case OPT_RESOLVER:
			o->resolver = optarg;
			break;
		case OPT_TRUST_ANCHOR:
			o->trust_anchor = optarg;
			break;
		case OPT_RESOLVER_TCP:
			o->tcp = true;
			break;
		case OPT_RESOLVER_UDP:
			o->udp = true;
			break;
		case OPT_NO_INSECURE_SHORTCUT:
			o->no_shortcut = true;
			break;
		case OPT_RESOLVER_VALIDATES:
			o->validates = true;
			break;
		case OPT_BATCH:
			o->batch = optarg;
			break;
		case OPT_PROFILE:
			o->profile = optarg;
			break;
		case OPT_TIMEOUT:
			bad = !cli_seconds("timeout", optarg, 3600, &o->timeout);
			break;
		default:
			break;
		}
	}
	if ((st = cli_parser_end(p)) != CLI_OK)
		return st;
	if (optind >= argc) {
		cli_error("spf needs an action: eval, tree or lint (see 'mailsec help spf')");
		return CLI_USAGE;
	}
	o->action = argv[optind++];
	return CLI_OK;
}

/*
 * make_session - the replay resolver with --replay, the stub with
 * --resolver-validates, else libunbound (as check); NULL after an error
 */
static struct session *
make_session(const struct spf_opts *o)
{
	struct session_config scfg;
	struct session *ses = NULL;
	char *err = NULL;

	memset(&scfg, 0, sizeof(scfg));
	scfg.replay_path = o->replay;
	scfg.resolver = o->resolver;
	scfg.trust_anchor = o->trust_anchor;
	scfg.timeout = o->timeout;
	scfg.no_insecure_shortcut = o->no_shortcut;
	scfg.resolver_validates = o->validates;
	if ((o->tcp || o->udp) && (o->replay || o->resolver == NULL)) {
		cli_error("--resolver-%s needs --resolver (and no --replay)", o->tcp ? "tcp" : "udp");
		return NULL;
	}
	if (o->tcp && o->udp) {
		cli_error("--resolver-tcp and --resolver-udp exclude each other");
		return NULL;
	}
	if (o->tcp && o->validates) {
		cli_error("--resolver-validates asks the resolver over UDP (TCP after a truncated "
		    "reply): --resolver-tcp has no use with it");
		return NULL;
	}
	/*
	 * A batch asks the --resolver over TCP when it answers there (a few
	 * connections carrying every query instead of a UDP socket per query:
	 * docs/performance.md, "SPF batch against libspf2"); one evaluation, or
	 * a resolver that refuses TCP or stays silent on it, over UDP.
	 */
	scfg.resolver_tcp = o->tcp;
	if (!o->tcp && !o->udp && !o->validates && o->batch && o->resolver && !o->replay)
		scfg.resolver_tcp = unbound_tcp_answers(o->resolver,
		    o->timeout > 0 && o->timeout < SPF_TCP_PROBE_SECONDS ? o->timeout :
		    SPF_TCP_PROBE_SECONDS);
	if (session_new(&scfg, &ses, &err) != MS_OK) {
		cli_error("%s", err);
		free(err);
		return NULL;
	}
	return ses;
}

/* ---- eval ------------------------------------------------------------------ */

/* spf_eval_cmd - check_host() for --ip/--sender/--helo or a --batch (cli/spf_run.c) */
static int
spf_eval_cmd(struct spf_opts *o)
{
	struct spf_run_opts ro;
	struct spf_batch *b = NULL;
	struct session *ses = NULL;
	int rc;

	memset(&ro, 0, sizeof(ro));
	ro.ip = o->ip;
	ro.sender = o->sender;
	ro.helo = o->helo;
	ro.batch = o->batch;
	ro.json = o->json;
	ro.trace = o->trace;
	if ((rc = spf_batch_load(&ro, &b)) != 0)
		return rc;
	if ((ses = make_session(o)) == NULL) {
		spf_batch_free(b);
		return EXIT_USAGE;
	}
	rc = spf_batch_run(b, ses->res, ses->base);
	spf_batch_free(b);
	session_free(ses);
	return rc;
}

/* ---- lint ------------------------------------------------------------------ */

/* print_finding_text - one finding for people */
static void
print_finding_text(FILE *fp, const struct finding *f)
{
	fprintf(fp, "%-7s %s: %s\n", severity_name(f->severity), finding_defs[f->id].id,
	    f->message);
	if (f->evidence) {
		fputs("        ", fp);
		for (const char *p = f->evidence; *p; p++)
			fputs(*p == '\n' ? "\n        " : (char[]){ *p, 0 }, fp);
		fputc('\n', fp);
	}
	if (f->advice) {
		fputs("        publish: ", fp);
		for (const char *p = f->advice; *p; p++)
			fputs(*p == '\n' ? "\n                 " : (char[]){ *p, 0 }, fp);
		fputc('\n', fp);
	}
}

static int
spf_lint_cmd(struct spf_opts *o, int argc, char **argv)
{
	struct profile *prof = NULL;
	struct finding_list l;
	struct arena ar;
	struct spf_error err;
	struct spf_lint_opts lo;
	struct spf_record *rec;
	const char *text, *owner = "example.org";
	char *perr = NULL;
	size_t counts[SEV__COUNT];
	int rc;

	if (optind >= argc || argc - optind > 2) {
		cli_error("spf lint needs a record: mailsec spf lint 'v=spf1 mx -all' [DOMAIN]");
		return EXIT_USAGE;
	}
	text = argv[optind];
	if (argc - optind == 2) {
		const char *why;
		char *d;

		owner = argv[optind + 1];
		if ((d = dns_domain_normalise(owner, &why)) == NULL) {
			cli_error("spf lint: DOMAIN \"%s\" is not a domain name (%s); a record with "
			    "spaces is one argument: quote it ('%s %s')", owner, why, text, owner);
			return EXIT_USAGE;
		}
		free(d);
	}
	if (profile_load(o->profile ? o->profile : "generic", &prof, &perr) != MS_OK) {
		cli_error("%s", perr);
		free(perr);
		return EXIT_USAGE;
	}
	findings_init(&l);
	arena_init(&ar);
	memset(&lo, 0, sizeof(lo));
	lo.profile = prof;
	lo.one_string = true;
	if (!spf_is_record(text, strlen(text)) && spf_lint_attempt(&l, &ar, owner, text,
	    strlen(text))) {
		rec = NULL;
		memset(&err, 0, sizeof(err));
		err.msg = "not an SPF record";
	} else {
		rec = spf_lint_record(&l, &ar, owner, text, strlen(text), &lo, &err);
	}
	findings_apply(&l, prof, NULL);
	if (o->json) {
		json_t *j = json_object();
		char *s;

		doc_add_schema(j, DOC_SPF_LINT);
		json_object_set_new(j, "record", json_text(text));
		json_object_set_new(j, "domain", json_text(owner));
		json_object_set_new(j, "profile", json_text(prof->name));
		json_object_set_new(j, "valid", json_boolean(rec != NULL));
		if (rec)
			json_object_set_new(j, "error", json_null());
		else
			json_object_set_new(j, "error", json_pack("{s:I,s:I,s:s}", "offset",
			    (json_int_t)err.off, "length", (json_int_t)err.len, "message",
			    err.msg ? err.msg : "not an SPF record"));
		json_object_set_new(j, "findings", findings_to_json(&l));
		s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
		free(s);
		json_decref(j);
	} else {
		for (size_t i = 0; i < l.n; i++)
			print_finding_text(stdout, &l.v[i]);
		if (rec)
			printf("record parses: %zu terms\n", rec->nterms);
	}
	findings_count(&l, counts);
	rc = counts[SEV_ERROR] ? EXIT_ERRORS : EXIT_CLEAN;
	findings_free(&l);
	arena_free(&ar);
	profile_free(prof);
	return rc;
}

/* ---- tree ------------------------------------------------------------------ */

struct tree_run {
	struct spf_tree *t;
};

static void
tree_walked(struct spf_tree *t, void *arg)
{
	struct tree_run *tr = arg;

	spf_tree_findings(t);
	tr->t = t;
}

static void
audit_finished(struct audit *a, void *arg)
{
	(void)a;
	(void)arg;
}

/* print_node - one record of the tree, indented by depth */
static void
print_node(const struct spf_node *n, int depth)
{
	char *rec = n->text ? str_printable(n->text, strlen(n->text)) : NULL;

	printf("%*s%s%s%s  [%s; %u lookup%s here, %u with what it includes]\n", depth * 2, "",
	    n->term ? n->term : n->domain, n->term ? " -> " : "", n->term ? n->domain : "",
	    spf_node_status_name(n->status), n->lookups, n->lookups == 1 ? "" : "s", n->total);
	if (rec)
		printf("%*s  \"%s\"\n", depth * 2, "", rec);
	else if (n->why)
		printf("%*s  (%s)\n", depth * 2, "", n->why);
	free(rec);
	for (size_t i = 0; i < n->nkids; i++)
		print_node(n->kids[i], depth + 1);
}

static int
spf_tree_cmd(struct spf_opts *o, int argc, char **argv)
{
	struct session *ses = NULL;
	struct profile *prof = NULL;
	struct check_options copts;
	struct audit *a = NULL;
	struct tree_run tr;
	char *domain = NULL, *perr = NULL;
	const char *why;
	size_t counts[SEV__COUNT];
	int rc = EXIT_USAGE;

	memset(&tr, 0, sizeof(tr));
	if (optind + 1 != argc) {
		cli_error("spf tree needs one domain");
		return EXIT_USAGE;
	}
	if ((domain = dns_domain_normalise(argv[optind], &why)) == NULL) {
		cli_error("\"%s\" is not a domain name: %s", argv[optind], why);
		return EXIT_USAGE;
	}
	if (profile_load(o->profile ? o->profile : "generic", &prof, &perr) != MS_OK) {
		cli_error("%s", perr);
		goto out;
	}
	if ((ses = make_session(o)) == NULL)
		goto out;
	memset(&copts, 0, sizeof(copts));
	copts.profile = prof;
	a = audit_new(domain, 0, &copts, &ses->env, NULL, audit_finished, NULL);
	audit_hold(a);
	spf_tree_start(a, domain, tree_walked, &tr);
	audit_release(a);
	event_base_dispatch(ses->base);
	if (tr.t == NULL) {
		cli_error("the tree walk did not finish");
		goto out;
	}
	findings_apply(&a->findings, prof, NULL);
	if (o->json) {
		json_t *j = json_object(), *warn = json_array();
		char *s;

		doc_add_schema(j, DOC_SPF_TREE);
		json_object_set_new(j, "domain", json_text(domain));
		json_object_set_new(j, "lookups", json_integer(tr.t->total_lookups));
		json_object_set_new(j, "void_lookups", json_integer(tr.t->total_voids));
		json_object_set_new(j, "limit_exceeded_at", json_text(tr.t->limit_path));
		json_object_set_new(j, "ipv4_addresses", json_integer((json_int_t)tr.t->ip4_total));
		json_object_set_new(j, "ipv6_addresses", json_real(tr.t->ip6_total));
		json_object_set_new(j, "ipv4_networks", json_integer((json_int_t)tr.t->ip4_networks));
		json_object_set_new(j, "ipv6_networks", json_integer((json_int_t)tr.t->ip6_networks));
		json_object_set_new(j, "findings", findings_to_json(&a->findings));
		json_decref(warn);
		json_object_set_new(j, "tree", spf_tree_json(tr.t->root, NULL));
		s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
		free(s);
		json_decref(j);
	} else {
		print_node(tr.t->root, 0);
		printf("\ntotal: %u of at most %d DNS lookups, %u void; authorises %llu distinct "
		    "IPv4 address%s in %zu network%s and %.4g IPv6 address%s in %zu network%s\n",
		    tr.t->total_lookups, SPF_LOOKUP_LIMIT, tr.t->total_voids,
		    (unsigned long long)tr.t->ip4_total, tr.t->ip4_total == 1 ? "" : "es",
		    tr.t->ip4_networks, tr.t->ip4_networks == 1 ? "" : "s", tr.t->ip6_total,
		    tr.t->ip6_total == 1 ? "" : "es", tr.t->ip6_networks,
		    tr.t->ip6_networks == 1 ? "" : "s");
		for (size_t i = 0; i < a->findings.n; i++)
			if (a->findings.v[i].severity != SEV_PASS)
				print_finding_text(stdout, &a->findings.v[i]);
	}
	findings_count(&a->findings, counts);
	rc = counts[SEV_ERROR] ? EXIT_ERRORS : counts[SEV_UNKNOWN] ? EXIT_UNKNOWN : EXIT_CLEAN;
	if (ses->res->unreachable)
		rc = EXIT_USAGE;	/* no resolver answered (said on stderr): could not run */
out:
	audit_free(a);
	session_free(ses);
	profile_free(prof);
	free(perr);
	free(domain);
	return rc;
}

int
cmd_spf(int argc, char **argv)
{
	struct spf_opts o;
	enum cli_status st;

	if ((st = parse_opts(argc, argv, &o)) != CLI_OK)
		return cli_status_exit(st);
	if (strcmp(o.action, "eval") == 0)
		return spf_eval_cmd(&o);
	if (strcmp(o.action, "tree") == 0)
		return spf_tree_cmd(&o, argc, argv);
	if (strcmp(o.action, "lint") == 0)
		return spf_lint_cmd(&o, argc, argv);
	cli_error("unknown spf action \"%s\": eval, tree or lint", o.action);
	return EXIT_USAGE;
}
