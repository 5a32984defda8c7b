/* src/message/msg_eval_int.h - the state of one message check, shared by msg_eval.c (evaluation) and msg_report.c (findings, the AR field, JSON, text) */
#ifndef MS_MESSAGE_MSG_EVAL_INT_H
#define MS_MESSAGE_MSG_EVAL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"
#include "policy/dmarc_discover.h"
#include "checks/dmarc/dmarc_eval.h"
#include "policy/spf_eval.h"
#include "message/arc_parse.h"
#include "message/dkim_sig.h"
#include "message/msg_addr.h"
#include "message/msg_eval.h"
#include "message/msg_header.h"
#include "util/buf.h"
#include "util/ipaddr.h"

/* Internal to src/message: not for other layers (they use msg_eval.h). */

#define FROM_DOMAINS_MAX	8
#define ARC_OLDEST_MAX		8	/* older AMS verified for oldest-pass, at most */
#define AUTH_DOMAINS_MAX	(MSG_DKIM_MAX + 2)

struct msg_check;

struct msg_dkim {
	struct msg_check *mc;
	size_t		 field;
	enum ms_status	 parse;
	struct dkim_sig	 sig;
	const char	*result;	/* RFC 8601: pass fail policy neutral permerror temperror */
	const char	*why;		/* arena or static */
	bool		 checked;	/* not over MSG_DKIM_MAX */
	int		 key_bits;
	bool		 key_testing;
	uint64_t	 canon_len;	/* canonical body length (for l=) */
};

struct arc_key {
	struct msg_check *mc;
	struct dns_answer *ans;		/* ref'd */
};

struct from_domain {
	const char	*domain;
	struct dmarc_discovery *disc;
	struct dmarc_eval e7, e9;
};

struct msg_check {
	struct msg_check_opts o;
	char		*data;
	size_t		 len;
	struct msg	 msg;
	struct audit	*a;
	struct check_options copts;
	struct resolver	*res;
	msg_check_cb	 done;
	void		*arg;
	/* DKIM */
	struct msg_dkim	*dkim;
	size_t		 ndkim;
	/* From */
	size_t		 nfrom_fields;
	struct msg_addrs from;
	enum ms_status	 from_st;
	struct from_domain fd[FROM_DOMAINS_MAX];
	size_t		 nfd;
	/* SPF */
	bool		 spf_ran;
	bool		 client_known;
	bool		 relay_missing;	/* --trusted-relay added no Received field we could read */
	char		 client[IPADDR_STRLEN];
	const char	*helo;		/* arena */
	const char	*mail_from;	/* arena */
	const char	*spf_domain;	/* the identity's domain (mailfrom or helo) */
	const char	*spf_ident;	/* "mailfrom" or "helo" */
	const char	*spf_result;
	const char	*spf_why;
	struct spf_eval	*spf;
	/* authenticated domains' discoveries (RFC 9989 organizational domains) */
	struct dmarc_discovery *auth[AUTH_DOMAINS_MAX];
	size_t		 nauth;
	/* DMARC: the verdict of the rule set the AR carries */
	const char	*dmarc_result;
	const char	*dmarc_why;
	const char	*dmarc_from;
	size_t		 dmarc_fd;	/* index into fd of the verdict, or SIZE_MAX */
	/* ARC */
	struct arc_chain *arc;
	struct arc_key	 ams_key[ARC_MAX + 1], as_key[ARC_MAX + 1];
	const char	*arc_result;
	const char	*arc_why;
	unsigned	 arc_oldest_pass;
	/* the canonical body, simple and relaxed, each computed once (every signature reuses it) */
	struct buf	 canon[2];
	bool		 canon_done[2];
	bool		 canon_failed[2];
	/* output */
	struct finding_list findings;
	char		*ar;
};

/* msg_arena - the check's arena (the audit's): strings of the check live there */
static inline struct arena *
msg_arena(struct msg_check *mc)
{
	return &mc->a->arena;
}

/* msg_write_findings - the findings of a finished check (msg_report.c), kept in mc */
void msg_write_findings(struct msg_check *mc);
/* msg_write_ar - the Authentication-Results field of a finished check (msg_report.c), kept in mc */
void msg_write_ar(struct msg_check *mc);

#endif
