/* src/message/msg_tags.h - DKIM tag=value lists (RFC 6376 §3.2), shared by DKIM-Signature and the ARC fields */
#ifndef MS_MESSAGE_MSG_TAGS_H
#define MS_MESSAGE_MSG_TAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

/*
 * Pure, no allocation in tags_parse: tags point into the input.  Grammar (RFC 6376 §3.2):
 *   tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
 *   tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *   tag-name  = ALPHA *ALNUMPUNC          (ALNUMPUNC = ALPHA / DIGIT / "_")
 *   tag-value = [ tval *( 1*(WSP / FWS) tval ) ]   tval = 1*(%x21-3A / %x3C-7E)
 * FWS may be folded (CRLF followed by WSP).  A duplicated tag is an error
 * (§3.2 "Tags with duplicate names MUST NOT occur").  At most TAGS_MAX tags.
 */
#define TAGS_MAX	64

struct tag {
	const char	*name;
	size_t		 name_len;
	const char	*value;		/* trimmed of surrounding FWS */
	size_t		 value_len;
	size_t		 value_off;	/* offset of value in the input */
};

struct tag_list {
	struct tag	 v[TAGS_MAX];
	size_t		 n;
	size_t		 err_off;	/* where a syntax error was found */
	const char	*err;		/* what it was (static), NULL when MS_OK */
};

/*
 * tags_parse - parse s[0..len) into *out.  MS_OK, or MS_ERR_SYNTAX /
 * MS_ERR_LIMIT with out->err and out->err_off set.  out is the caller's;
 * its names and values are borrowed from s: valid while s is.
 */
MS_MUST_CHECK enum ms_status tags_parse(const char *s, size_t len, struct tag_list *out);
/* tags_get - the tag named name (case-sensitive, as §3.2 says), or NULL; borrowed from l */
const struct tag *tags_get(const struct tag_list *l, const char *name);
/*
 * tags_value_nows - the value of t with every FWS removed (for b=, bh=, h=
 * and the like); NUL-terminated, malloc'd (caller frees); *n its length.
 * NULL when memory runs out (util/tryalloc.h: the fallible allocator).
 */
char *tags_value_nows(const struct tag *t, size_t *n);

#endif
