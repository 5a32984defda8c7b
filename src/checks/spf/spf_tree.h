/* src/checks/spf/spf_tree.h - the include/redirect tree of a domain's SPF policy, with §4.6.4 counts */
#ifndef MS_CHECKS_SPF_SPF_TREE_H
#define MS_CHECKS_SPF_SPF_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "audit/audit.h"
#include "policy/spf_parse.h"

#define SPF_TREE_NODES_MAX	100	/* records fetched per tree: hostile policies stop here */
#define SPF_TREE_NAMES_MAX	200	/* a/mx/exists lookups per tree, likewise */

enum spf_node_status {
	SPF_N_PENDING,	/* not answered yet */
	SPF_N_OK,	/* one record, parsed */
	SPF_N_NONE,	/* the name has no SPF record (or does not exist) */
	SPF_N_FAILED,	/* the TXT lookup failed: could not tell */
	SPF_N_MULTIPLE,	/* more than one SPF record: permerror */
	SPF_N_SYNTAX,	/* the record does not parse: permerror */
	SPF_N_LOOP,	/* the name is already being evaluated above: loop */
	SPF_N_MACRO,	/* the target uses macros: depends on the message, not followed */
	SPF_N_CUT	/* not followed: the tree is too large */
};

struct spf_tree;

/* One network a term authorises (ip4:/ip6:, or an a/mx address under its prefix). */
struct spf_net {
	int		 family;	/* 4 or 6 */
	unsigned	 prefix;
	uint8_t		 b[16];		/* network byte order */
};

#define SPF_TREE_NETS_MAX	100000	/* networks remembered over a tree; past it, counts are sums */

struct spf_node {
	struct spf_tree		*tree;
	char			*domain;
	const char		*via;		/* "include", "redirect", or NULL at the root */
	const char		*term;		/* the term in the parent's record */
	struct spf_node		*parent;
	enum spf_node_status	 status;
	const char		*why;		/* for FAILED / SYNTAX / MULTIPLE */
	const char		*text;		/* the record, for OK and SYNTAX */
	struct spf_record	*rec;
	struct spf_node		**kids;		/* in term order */
	size_t			 nkids;
	unsigned		 lookups;	/* DNS-querying terms in this record */
	unsigned		 total;		/* this record and everything below it */
	unsigned		 voids;		/* void lookups behind this record's own terms */
	uint64_t		 ip4;		/* distinct IPv4 addresses its own terms authorise */
	double			 ip6;		/* distinct IPv6 addresses its own terms authorise */
	struct spf_net		*nets;		/* what its own terms authorise (arena) */
	size_t			 nnets, capnets;
};

/* A problem found while walking, for the check to report. */
struct spf_tree_issue {
	enum { SPF_I_LOOKUP_FAILED, SPF_I_MX_NAMES, SPF_I_VOID } kind;
	const char *domain;	/* record the term is in */
	const char *term;
	const char *name;	/* the name looked up */
	const char *why;
	size_t count;
};

struct spf_tree {
	struct audit		*a;
	struct spf_node		*root;
	size_t			 nnodes;
	int			 pending;
	size_t			 names;		/* a/mx/exists lookups made */
	struct spf_tree_issue	*issues;
	size_t			 nissues;
	unsigned		 total_lookups;	/* §4.6.4 count over the whole tree */
	unsigned		 total_voids;
	const char		*limit_path;	/* where the 11th lookup is, or NULL */
	uint64_t		 ip4_total;	/* distinct addresses over the whole tree */
	double			 ip6_total;
	size_t			 ip4_networks;	/* distinct networks (overlaps merged) */
	size_t			 ip6_networks;
	size_t			 nets_seen;	/* networks remembered, up to SPF_TREE_NETS_MAX */
	void			(*done)(struct spf_tree *t, void *arg);
	void			*arg;
};

/*
 * spf_tree_start - fetch domain's SPF record and everything it includes or
 * redirects to (without macros), and the names behind a/mx/exists terms, via
 * audit_lookup (memoised, counted in the audit).  done runs once when
 * everything is in, with the totals filled.  All memory is from a->arena
 * (owned by the audit); domain is copied, arg kept until done runs.
 */
struct spf_tree *spf_tree_start(struct audit *a, const char *domain,
    void (*done)(struct spf_tree *t, void *arg), void *arg);

struct providers;

/*
 * spf_tree_json - the tree as JSON (docs/json.md, facts.spf.tree), each
 * include/redirect node with its provider by prov (borrowed; NULL: the
 * built-in rules, parsed for the call); new reference
 */
json_t *spf_tree_json(const struct spf_node *n, const struct providers *prov);
/*
 * spf_tree_providers - the include:/redirect= targets of the tree below root
 * that data/providers.tsv names, once each in tree order: an array of
 * {include, via, provider} (docs/providers.md); root and prov borrowed (NULL:
 * the built-in rules, parsed for the call), new reference
 */
json_t *spf_tree_providers(const struct spf_node *root, const struct providers *prov);

/* spf_node_status_name - a node status's name (static text) */
const char *spf_node_status_name(enum spf_node_status s);

#endif
