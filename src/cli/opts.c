/* src/cli/opts.c - options shared by the audit commands: defaults, config file, argv */
#include "cli/cli.h"
#include "core/catalog.h"
#include "engine/engine.h"
#include "dns/resolver_unbound.h"
#include "engine/session.h"
#include "fleet/fleet.h"
#include "records/recset.h"
#include "smtp/smtp_polite.h"
#include "util/readfile.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_BYTES	(256 * 1024)

void
cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("mailsec: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
common_opts_init(struct common_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->format = OUT_TEXT;
	o->timeout = 5;
	o->profile_name = xstrdup("generic");
	o->concurrency = 64;
	o->net_timeout = 10;
	o->areas = area_settings_new();
}

void
common_opts_free(struct common_opts *o)
{
	strv_free(o->only);
	strv_free(o->ignore);
	free(o->ca_file);
	area_settings_free(o->areas);
	strv_free(o->areas_from_argv);
	free(o->profile_name);
	free(o->config_path);
	free(o->replay_path);
	free(o->resolver);
	free(o->trust_anchor);
	free(o->domains_file);
	free(o->db);
	free(o->psl_path);
	memset(o, 0, sizeof(*o));
}

void
common_opts_set_list(char ***list, const char *csv)
{
	size_t n, o = 0;
	char **v = str_split(csv, ',', &n);

	for (size_t i = 0; i < n; i++) {
		str_trim(v[i]);
		if (*v[i])
			v[o++] = v[i];
		else
			free(v[i]);
	}
	v[o] = NULL;
	strv_free(*list);
	*list = v;
}

/* set_str - replace the string *dst (owned) with a copy of arg */
static void
set_str(char **dst, const char *arg)
{
	free(*dst);
	*dst = xstrdup(arg);
}

/* count_opt - a whole number from 1 to max for --name into *out; false after saying why */
static bool
count_opt(const char *name, const char *arg, uint64_t max, uint64_t *out)
{
	if (str_to_u64(arg, strlen(arg), max, out) != MS_OK || *out == 0) {
		cli_error("--%s wants a number from 1 to %llu", name, (unsigned long long)max);
		return false;
	}
	return true;
}

/* common_opts_parse - an option the audit commands share, into o (cli.h) */
bool
common_opts_parse(struct common_opts *o, enum opt_id id, const char *arg, bool *bad)
{
	uint64_t v;

	switch (id) {
	case OPT_CONFIG:
		break;	/* read before argv: common_opts_preload_config */
	case OPT_DB:
		set_str(&o->db, arg);
		break;
	case OPT_RESOLVER:
		set_str(&o->resolver, arg);
		break;
	case OPT_TRUST_ANCHOR:
		set_str(&o->trust_anchor, arg);
		break;
	case OPT_CA_FILE:
		set_str(&o->ca_file, arg);
		break;
	case OPT_REPLAY:
		set_str(&o->replay_path, arg);
		break;
	case OPT_PSL:
		set_str(&o->psl_path, arg);
		break;
	case OPT_TIMEOUT:
		if (!cli_seconds("timeout", arg, 86400, &o->timeout))
			*bad = true;
		break;
	case OPT_NET_TIMEOUT:
		if (!cli_seconds("net-timeout", arg, 86400, &o->net_timeout))
			*bad = true;
		break;
	case OPT_DEADLINE:
		if (!cli_seconds("deadline", arg, 86400, &o->deadline))
			*bad = true;
		break;
	case OPT_CONCURRENCY:
		if (!count_opt("concurrency", arg, 100000, &v))
			*bad = true;
		else
			o->concurrency = (size_t)v;
		break;
	case OPT_SMTP_PER_ADDRESS:
		if (!count_opt("smtp-per-address", arg, SMTP_POLITE_LIMIT_MAX, &v))
			*bad = true;
		else
			o->smtp_per_address = (unsigned)v;
		break;
	case OPT_SMTP_PER_NETWORK:
		if (!count_opt("smtp-per-network", arg, SMTP_POLITE_LIMIT_MAX, &v))
			*bad = true;
		else
			o->smtp_per_network = (unsigned)v;
		break;
	case OPT_NO_SMTP:
		o->no_smtp = true;
		break;
	case OPT_NO_PROBE_SHARING:
		o->no_probe_sharing = true;
		break;
	case OPT_REPLAY_CONNECT:
		o->replay_connect = true;
		break;
	case OPT_STATS:
		o->stats = true;
		break;
	case OPT_RESOLVER_VALIDATES:
		o->resolver_validates = true;
		break;
	case OPT_NO_INSECURE_SHORTCUT:
		o->no_insecure_shortcut = true;
		break;
	default:
		return false;
	}
	return true;
}

/* common_opts_session - the session settings of o (cli.h) */
void
common_opts_session(const struct common_opts *o, struct session_config *scfg)
{
	memset(scfg, 0, sizeof(*scfg));
	scfg->psl_path = o->psl_path;
	scfg->psl_now = true;
	scfg->replay_path = o->replay_path;
	scfg->resolver = o->resolver;
	scfg->trust_anchor = o->trust_anchor;
	scfg->resolver_validates = o->resolver_validates;
	scfg->no_insecure_shortcut = o->no_insecure_shortcut;
	scfg->timeout = o->timeout;
}

/* common_opts_checks - the check options of o (cli.h) */
void
common_opts_checks(const struct common_opts *o, struct check_options *copts)
{
	memset(copts, 0, sizeof(*copts));
	copts->no_smtp = o->no_smtp;
	/* --replay promises an offline reproduction: no SMTP, no HTTPS unless asked. */
	copts->offline = o->replay_path != NULL && !o->replay_connect;
	copts->offline_why = "offline: --replay without --replay-connect";
	copts->ca_file = o->ca_file;
	copts->net_timeout = o->net_timeout;
}

/* cli_only_check - --only names at least one area, and only known ones (cli.h) */
int
cli_only_check(char *const *only)
{
	if (only == NULL)
		return 0;
	if (only[0] == NULL) {
		cli_error("--only names no area: give at least one (mx, spf, dmarc, ...; see "
		    "'mailsec help findings'), or leave --only out to run every check");
		return -1;
	}
	for (char *const *a = only; *a; a++) {
		if (!catalog_area_known(*a)) {
			cli_error("--only: unknown area \"%s\" (see 'mailsec help findings')", *a);
			return -1;
		}
	}
	return 0;
}

/* area_set - one value to the areas reading name; -1 after saying why */
static int
area_set(struct common_opts *o, const char *name, const char *value)
{
	char why[256];

	why[0] = '\0';
	if (engine_option_set(o->areas, name, value, why, sizeof(why)) != MS_OK) {
		cli_error("%s", why[0] ? why : "invalid value");
		return -1;
	}
	return 0;
}

/* cli_area_option - an option the check areas read, given to them (cli.h) */
int
cli_area_option(struct common_opts *o, const char *name, const char *value)
{
	const struct area_option *opt = engine_option_find(name);
	size_t n = 0;
	char **items;
	bool seen = false;
	int rc = 0;

	if (opt == NULL)
		return 1;
	if (!opt->list)
		return area_set(o, name, value ? value : "");
	/* The command line's first value replaces the config file's list. */
	for (char **s = o->areas_from_argv; s && *s; s++, n++)
		if (strcmp(*s, name) == 0)
			seen = true;
	if (!seen) {
		if (area_set(o, name, NULL) != 0)
			return -1;
		o->areas_from_argv = xreallocarray(o->areas_from_argv, n + 2,
		    sizeof(*o->areas_from_argv));
		o->areas_from_argv[n] = xstrdup(name);
		o->areas_from_argv[n + 1] = NULL;
	}
	items = str_split(value ? value : "", ',', &n);
	for (size_t i = 0; i < n && rc == 0; i++) {
		str_trim(items[i]);
		rc = area_set(o, name, items[i]);
	}
	strv_free(items);
	return rc;
}

/* config_area_option - a config file key some check area reads: 1 when none does */
static int
config_area_option(struct common_opts *o, const char *key, json_t *v, const char *path)
{
	const struct area_option *opt = engine_option_by_config(key);
	size_t i;
	json_t *e;

	if (opt == NULL)
		return 1;
	if (opt->list) {
		if (!json_is_array(v)) {
			cli_error("%s: \"%s\" must be an array of strings", path, key);
			return -1;
		}
		json_array_foreach(v, i, e) {
			if (!json_is_string(e)) {
				cli_error("%s: \"%s\" must be an array of strings", path, key);
				return -1;
			}
		}
		if (area_set(o, opt->name, NULL) != 0)
			return -1;
		json_array_foreach(v, i, e)
			if (area_set(o, opt->name, json_string_value(e)) != 0)
				return -1;
		return 0;
	}
	if (!json_is_string(v)) {
		cli_error("%s: \"%s\" must be a string", path, key);
		return -1;
	}
	return area_set(o, opt->name, json_string_value(v));
}

/* cli_list_append - a repeatable comma-separated option, accumulated (cli.h) */
void
cli_list_append(char ***list, const char *csv)
{
	size_t n = 0, k = 0;
	char **items = str_split(csv, ',', &k);

	while (*list && (*list)[n])
		n++;
	for (size_t i = 0; i < k; i++) {
		str_trim(items[i]);
		if (*items[i] == '\0')
			continue;
		*list = xreallocarray(*list, n + 2, sizeof(**list));
		(*list)[n++] = xstrdup(items[i]);
		(*list)[n] = NULL;
	}
	strv_free(items);
}

/* json_list - a JSON array of strings as a NULL-terminated list */
static int
json_list(json_t *arr, char ***out, const char *key, const char *path)
{
	size_t i;
	json_t *v;
	char **l;

	if (!json_is_array(arr)) {
		cli_error("%s: \"%s\" must be an array of strings", path, key);
		return -1;
	}
	l = xcalloc(json_array_size(arr) + 1, sizeof(*l));
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v)) {
			cli_error("%s: \"%s\" must be an array of strings", path, key);
			strv_free(l);
			return -1;
		}
		l[i] = xstrdup(json_string_value(v));
	}
	strv_free(*out);
	*out = l;
	return 0;
}

int
common_opts_load_config(struct common_opts *o, const char *path, bool explicit_path)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *key;
	struct read_file_result f;
	enum ms_status st;
	int rc = 0;

	if ((st = read_file(path, CONFIG_MAX_BYTES, 0, &f)) != MS_OK) {
		if (st == MS_ERR_IO && !explicit_path && f.errnum == ENOENT)
			return 0;
		if (st == MS_ERR_LIMIT)
			cli_error("config %s is larger than %d bytes", path, CONFIG_MAX_BYTES);
		else
			cli_error("cannot open config %s: %s", path, f.why);
		return -1;
	}
	root = json_loadb(f.data, f.len, JSON_REJECT_DUPLICATES, &jerr);
	free(f.data);
	if (root == NULL || !json_is_object(root)) {
		cli_error("config %s: line %d: %s", path, root ? 1 : jerr.line,
		    root ? "not a JSON object" : jerr.text);
		json_decref(root);
		return -1;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "profile") == 0 && json_is_string(v)) {
			free(o->profile_name);
			o->profile_name = xstrdup(json_string_value(v));
		} else if (strcmp(key, "timeout") == 0 && json_is_number(v) &&
		    json_number_value(v) > 0) {
			o->timeout = json_number_value(v);
		} else if (strcmp(key, "deadline") == 0 && json_is_number(v) &&
		    json_number_value(v) >= 0) {
			o->deadline = json_number_value(v);
		} else if (strcmp(key, "no_smtp") == 0 && json_is_boolean(v)) {
			o->no_smtp = json_is_true(v);
		} else if (strcmp(key, "ca_file") == 0 && json_is_string(v)) {
			free(o->ca_file);
			o->ca_file = xstrdup(json_string_value(v));
		} else if (strcmp(key, "net_timeout") == 0 && json_is_number(v) &&
		    json_number_value(v) > 0 && json_number_value(v) <= 86400) {
			o->net_timeout = json_number_value(v);
		} else if ((strcmp(key, "smtp_per_address") == 0 ||
		    strcmp(key, "smtp_per_network") == 0) && json_is_integer(v) &&
		    json_integer_value(v) > 0 && json_integer_value(v) <= SMTP_POLITE_LIMIT_MAX) {
			if (key[9] == 'a')
				o->smtp_per_address = (unsigned)json_integer_value(v);
			else
				o->smtp_per_network = (unsigned)json_integer_value(v);
		} else if (strcmp(key, "concurrency") == 0 && json_is_integer(v) &&
		    json_integer_value(v) > 0) {
			o->concurrency = (size_t)json_integer_value(v);
		} else if (strcmp(key, "only") == 0) {
			rc |= json_list(v, &o->only, key, path);
		} else if (strcmp(key, "ignore") == 0) {
			rc |= json_list(v, &o->ignore, key, path);
		} else if (strcmp(key, "resolver") == 0 && json_is_string(v)) {
			free(o->resolver);
			o->resolver = xstrdup(json_string_value(v));
		} else if (strcmp(key, "trust_anchor") == 0 && json_is_string(v)) {
			free(o->trust_anchor);
			o->trust_anchor = xstrdup(json_string_value(v));
		} else if (strcmp(key, "resolver_validates") == 0 && json_is_boolean(v)) {
			o->resolver_validates = json_is_true(v);
		} else if (strcmp(key, "insecure_shortcut") == 0 && json_is_boolean(v)) {
			o->no_insecure_shortcut = !json_is_true(v);
		} else if (strcmp(key, "full_scan_every") == 0 && (json_is_string(v) ||
		    json_is_integer(v))) {
			if (!cli_full_scan_every(json_is_string(v) ? json_string_value(v) : NULL,
			    json_is_integer(v) ? (int64_t)json_integer_value(v) : -1, &o->full_scan_every)) {
				cli_error("config %s: full_scan_every wants a duration (seconds, 30m, 12h, "
				    "7d; 0: every round)", path);
				rc = -1;
			}
		} else if (strcmp(key, "color") == 0 && json_is_boolean(v)) {
			o->color_opt = json_is_true(v) ? 1 : -1;
		} else {
			int area = config_area_option(o, key, v, path);

			if (area < 0)
				rc = -1;
			else if (area > 0) {
				cli_error("config %s: unknown or invalid setting \"%s\" (see "
				    "docs/config.md)", path, key);
				rc = -1;
			}
		}
	}
	json_decref(root);
	return rc;
}

/* cli_full_scan_every - --full-scan-every / full_scan_every: text s, or n seconds when s is NULL (cli.h) */
bool
cli_full_scan_every(const char *s, int64_t n, int64_t *out)
{
	if (s == NULL) {
		if (n < 0 || n > FLEET_INTERVAL_MAX)
			return false;
		*out = n == 0 ? -1 : n;
		return true;
	}
	if (strcmp(s, "0") == 0) {
		*out = -1;
		return true;
	}
	return fleet_interval_parse(s, out);
}

const struct cli_choice cli_recset_formats[] = {
	{ "zone", RECSET_ZONE }, { "json", RECSET_JSON }, { "octodns", RECSET_OCTODNS }, { NULL, 0 },
};

/* cli_format_json - --format text|json (cli.h) */
bool
cli_format_json(const char *arg, bool *json)
{
	static const struct cli_choice formats[] = {
		{ "text", 0 }, { "json", 1 }, { NULL, 0 },
	};
	int v;

	if (!cli_choose("format", arg, formats, &v))
		return false;
	*json = v == 1;
	return true;
}

/* cli_output_format - --format of check and lint: text, json, jsonl, csv or sarif */
bool
cli_output_format(const char *arg, enum output_format *out)
{
	static const struct cli_choice formats[] = {
		{ "text", OUT_TEXT }, { "json", OUT_JSON }, { "jsonl", OUT_JSONL },
		{ "csv", OUT_CSV }, { "sarif", OUT_SARIF }, { NULL, 0 },
	};
	int v;

	if (!cli_choose(NULL, arg, formats, &v)) {
		/* the wording before sarif came, which scripts may look for */
		cli_error("--format wants text, json, jsonl or csv (or sarif: docs/sarif.md)");
		return false;
	}
	*out = (enum output_format)v;
	return true;
}

bool
cli_seconds(const char *name, const char *arg, double max, double *out)
{
	char *end;
	double v = strtod(arg, &end);

	if (end == arg || *end != '\0' || !(v > 0) || v > max) {
		cli_error("--%s wants a number of seconds above 0 and at most %g", name, max);
		return false;
	}
	*out = v;
	return true;
}

/* cli_period - "30d", "12h", "2w", "30" (days) or "all" (-1); seconds into *out */
bool
cli_period(const char *s, int64_t *out)
{
	size_t n = strlen(s);
	uint64_t v;
	int64_t mul = 86400;

	if (strcmp(s, "all") == 0) {
		*out = -1;
		return true;
	}
	if (n > 1 && (s[n - 1] == 'd' || s[n - 1] == 'h' || s[n - 1] == 'w')) {
		mul = s[n - 1] == 'h' ? 3600 : s[n - 1] == 'w' ? 7 * 86400 : 86400;
		n--;
	}
	if (str_to_u64(s, n, 100000, &v) != MS_OK)
		return false;
	*out = (int64_t)v * mul;
	return true;
}

/* common_opts_preload_config - the config file of argv, or the default one, into o */
int
common_opts_preload_config(struct common_opts *o, int argc, char **argv)
{
	const char *cfg = NULL, *xdg, *home;
	char *dflt = NULL;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			cfg = argv[i + 1];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			cfg = argv[i] + 9;
	}
	if (cfg)
		return common_opts_load_config(o, cfg, true) != 0 ? -1 : 0;
	xdg = getenv("XDG_CONFIG_HOME");
	home = getenv("HOME");
	if (xdg && *xdg)
		dflt = xasprintf("%s/mailsec/config.json", xdg);
	else if (home && *home)
		dflt = xasprintf("%s/.config/mailsec/config.json", home);
	if (dflt && common_opts_load_config(o, dflt, false) != 0)
		rc = -1;
	free(dflt);
	return rc;
}

/* cli_shortcut_stats_print - see cli.h */
void
cli_shortcut_stats_print(FILE *fp, struct resolver *res)
{
	struct unbound_shortcut_stats ss;

	if (!resolver_unbound_shortcut_stats(res, &ss))
		return;
	if (ss.not_loopback)
		fprintf(fp, "mailsec: insecure shortcut: off, the resolver is not on loopback "
		    "(%llu zones were marked insecure)\n", (unsigned long long)ss.marked);
	else
		fprintf(fp, "mailsec: insecure shortcut: %llu queries through the stub (%llu asked "
		    "again through libunbound: a CNAME or a failure), %llu zones marked insecure "
		    "after %llu SOA questions\n", (unsigned long long)ss.routed,
		    (unsigned long long)ss.reasked, (unsigned long long)ss.marked,
		    (unsigned long long)ss.walked);
}

/* cli_stub_stats_print - see cli.h */
void
cli_stub_stats_print(FILE *fp, uint64_t queries, uint64_t cached, uint64_t joined)
{
	if (cached == 0 && joined == 0)
		return;
	fprintf(fp, "mailsec: of the DNS queries, %llu answered from the stub resolver's cache and "
	    "%llu joined to the same question in flight, the other %llu asked of the resolver\n",
	    (unsigned long long)cached, (unsigned long long)joined,
	    (unsigned long long)(queries - cached - joined));
}
