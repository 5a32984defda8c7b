/* src/mime/unpack.h - report containers: gzip and zip, with a decompressed-size cap */
#ifndef MS_MIME_UNPACK_H
#define MS_MIME_UNPACK_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/status.h"

enum container { CONT_RAW, CONT_GZIP, CONT_ZIP };

/* unpack_sniff - what data (borrowed) looks like by its magic bytes */
enum container unpack_sniff(const char *data, size_t len);

/*
 * unpack - the report inside data: gzip (one or more members, which RFC 1952
 * makes one stream) is inflated, a zip's first regular file is extracted
 * (libarchive), anything else is copied.  out is initialised here with max as
 * its maximum (the caller frees it with buf_free); output beyond max stops
 * with MS_ERR_LIMIT and *why says so (a zip bomb stops there).  A gzip
 * stream that is cut short, fails its CRC or is corrupt, and a zip entry that
 * is encrypted or corrupt, is MS_ERR_SYNTAX: nothing of it is returned as if
 * it were the whole report.  Pure: no file I/O.
 */
MS_MUST_CHECK enum ms_status unpack(const char *data, size_t len, size_t max, struct buf *out,
    const char **why);

#define UNPACK_PARTS_MAX	1000	/* files taken from one zip archive */

/* One report file of a container, in the unpacked bytes. */
struct unpack_part {
	char *name;		/* the zip entry's name, NULL for gzip and raw data */
	size_t off, len;	/* where its bytes are in unpacked.all */
};

struct unpacked {
	struct buf all;		/* every part's bytes, back to back (max: the size cap) */
	struct unpack_part *part;
	size_t n;
};

/*
 * unpack_all - as unpack, but every regular file of a zip archive is a part
 * of its own (at most UNPACK_PARTS_MAX; more is MS_ERR_LIMIT), and max bounds
 * their total.  Either every part is returned or, on failure, none (*why says
 * which entry failed and why).  The caller frees with unpacked_free, also
 * after a failure.
 */
MS_MUST_CHECK enum ms_status unpack_all(const char *data, size_t len, size_t max, struct unpacked *out,
    char *why, size_t whylen);
void unpacked_free(struct unpacked *u);

#endif
