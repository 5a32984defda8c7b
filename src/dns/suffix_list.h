/* src/dns/suffix_list.h - the Public Suffix List (libpsl): registrable domains, one list per session */
#ifndef MS_DNS_SUFFIX_LIST_H
#define MS_DNS_SUFFIX_LIST_H

#include "util/status.h"

#define SUFFIX_LIST_DEFAULT	"/usr/share/publicsuffix/public_suffix_list.dat"

struct suffix_list;

/*
 * suffix_list_open - load the Public Suffix List from path, or, when path is
 * NULL, the publicsuffix package's list (libpsl's built-in list when that
 * file is absent).  On failure returns MS_ERR_IO and sets *err (caller
 * frees).  The caller frees *out with suffix_list_free().
 */
MS_MUST_CHECK enum ms_status suffix_list_open(const char *path, struct suffix_list **out, char **err);
/*
 * suffix_list_lazy - a list that loads the default list (as
 * suffix_list_open(NULL)) the first time it is asked; if that fails, every
 * name is its own registrable domain.  Caller frees with suffix_list_free().
 */
struct suffix_list *suffix_list_lazy(void);
/* suffix_list_free - release the list; NULL-safe */
void suffix_list_free(struct suffix_list *l);

/* suffix_list_source - the file the list came from, "built-in", or "none" (borrowed) */
const char *suffix_list_source(const struct suffix_list *l);

/*
 * suffix_list_registrable - the registrable domain of name (lower case, no
 * trailing dot): its public suffix plus one label, or NULL when name is a
 * public suffix itself or the list is unusable.  Borrowed from name's
 * storage or libpsl's (valid while name is).
 */
const char *suffix_list_registrable(struct suffix_list *l, const char *name);

#endif
