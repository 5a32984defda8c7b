/* src/util/readfile.h - a whole file into memory, with a size cap */
#ifndef MS_UTIL_READFILE_H
#define MS_UTIL_READFILE_H

#include <stddef.h>

#include "util/status.h"

/* flags for read_file */
#define READ_FILE_REGULAR	0x1	/* only a regular file (fs_open_regular): no FIFO, device, folder */
#define READ_FILE_NOFOLLOW	0x2	/* with READ_FILE_REGULAR: refuse a symbolic link too */

struct read_file_result {
	char *data;		/* NUL-terminated after len bytes; the caller frees it; NULL on failure */
	size_t len;
	int errnum;		/* errno of a failed open or read, else 0 */
	const char *why;	/* on failure: a static string saying what went wrong */
};

/*
 * read_file - read all of path, at most max bytes.  Returns MS_OK with
 * out->data owned by the caller (free()); MS_ERR_IO when it cannot be opened
 * or read (out->errnum says why, ENOENT for a missing file); MS_ERR_ARG when
 * READ_FILE_REGULAR is given and path is not a regular file (out->why says
 * what it is); MS_ERR_LIMIT when it holds more than max bytes (exactly max is
 * fine).  Without READ_FILE_REGULAR anything that can be opened is read (a
 * FIFO blocks until its writer closes it; /dev/zero stops at the cap).
 * path is borrowed.  out is always set (data NULL on failure).
 */
MS_MUST_CHECK enum ms_status read_file(const char *path, size_t max, unsigned flags,
    struct read_file_result *out);

#endif
