/* src/checks/reports/unpack.h - report containers: gzip and zip, with a decompressed-size cap */
#ifndef MS_CHECKS_REPORTS_UNPACK_H
#define MS_CHECKS_REPORTS_UNPACK_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/status.h"

enum container { CONT_RAW, CONT_GZIP, CONT_ZIP };

/* unpack_sniff - what data looks like by its magic bytes */
enum container unpack_sniff(const char *data, size_t len);

/*
 * unpack - the report inside data: gzip (one or more members) is inflated,
 * a zip's first regular file is extracted (libarchive), anything else is
 * copied.  out is initialised here with max as its maximum (the caller frees
 * it with buf_free); output beyond max stops with MS_ERR_LIMIT and *why says
 * so (a zip bomb stops there).  Pure: no file I/O.
 */
enum ms_status unpack(const char *data, size_t len, size_t max, struct buf *out,
    const char **why);

#endif
