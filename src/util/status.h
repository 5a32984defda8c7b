/* src/util/status.h - the one status convention: 0 is OK, anything else says why */
#ifndef MS_UTIL_STATUS_H
#define MS_UTIL_STATUS_H

/*
 * Functions that can fail return an ms_status; results go through
 * out-parameters.  Hostile input yields MS_ERR_SYNTAX or MS_ERR_LIMIT, never
 * an abort; only a broken internal invariant may abort the process.
 */
enum ms_status {
	MS_OK = 0,
	MS_ERR_NOMEM,		/* allocation failed */
	MS_ERR_SYNTAX,		/* input does not follow its grammar */
	MS_ERR_LIMIT,		/* input exceeds a hard bound */
	MS_ERR_IO,		/* file, socket or device error */
	MS_ERR_ARG,		/* caller passed an invalid argument */
	MS_ERR_NOTFOUND,	/* the named thing does not exist */
	MS_ERR_INTERNAL		/* a library we call failed unexpectedly */
};

/* ms_status_str - a short name for st ("syntax error", ...); static, never NULL */
const char *ms_status_str(enum ms_status st);

/*
 * MS_MUST_CHECK - marks a function whose result the caller must look at
 * (warn_unused_result; with -Werror an ignored status does not build).  Where
 * ignoring a status is provably right, say why in a comment beside the call
 * and use MS_IGNORE.
 */
#define MS_MUST_CHECK	__attribute__((warn_unused_result))

/*
 * MS_IGNORE - discard a MS_MUST_CHECK result on purpose (a cast to void does
 * not silence warn_unused_result in GCC).  Always with a comment saying why.
 */
#define MS_IGNORE(call)	do { if (call) { /* deliberately ignored */ } } while (0)

#endif
