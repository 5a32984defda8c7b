/* src/checks/reports/unpack.c - report containers: gzip and zip, with a decompressed-size cap */
#include "checks/reports/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>
#include <zlib.h>

enum container
unpack_sniff(const char *data, size_t len)
{
	const unsigned char *u = (const unsigned char *)data;

	if (len >= 2 && u[0] == 0x1f && u[1] == 0x8b)
		return CONT_GZIP;
	if (len >= 4 && u[0] == 'P' && u[1] == 'K' && u[2] == 3 && u[3] == 4)
		return CONT_ZIP;
	return CONT_RAW;
}

/* gunzip - inflate every gzip member; trailing garbage after a member is ignored */
static enum ms_status
gunzip(const char *data, size_t len, struct buf *out, const char **why)
{
	z_stream z;
	char chunk[65536];
	enum ms_status st = MS_OK;
	int rc;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		*why = "zlib could not start";
		return MS_ERR_INTERNAL;
	}
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)(len > 0xffffffffu ? 0xffffffffu : len);
	for (;;) {
		z.next_out = (unsigned char *)chunk;
		z.avail_out = sizeof(chunk);
		rc = inflate(&z, Z_NO_FLUSH);
		if (sizeof(chunk) - z.avail_out > 0 &&
		    buf_append(out, chunk, sizeof(chunk) - z.avail_out) != MS_OK) {
			*why = "decompressed report exceeds the size cap";
			st = MS_ERR_LIMIT;
			break;
		}
		if (rc == Z_STREAM_END) {
			/* another member follows? (concatenated gzip) */
			if (z.avail_in >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b) {
				inflateReset(&z);
				continue;
			}
			break;
		}
		if (rc == Z_BUF_ERROR && z.avail_in == 0) {
			/* truncated: keep what was inflated, the parser decides */
			if (out->len == 0) {
				*why = "truncated gzip data";
				st = MS_ERR_SYNTAX;
			}
			break;
		}
		if (rc != Z_OK) {
			*why = "corrupt gzip data";
			st = out->len ? MS_OK : MS_ERR_SYNTAX;
			break;
		}
	}
	inflateEnd(&z);
	return st;
}

/* unzip - the first regular file of a zip archive */
static enum ms_status
unzip(const char *data, size_t len, struct buf *out, const char **why)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *e;
	enum ms_status st = MS_ERR_SYNTAX;
	char chunk[65536];
	la_ssize_t n;

	*why = "no file in the zip archive";
	archive_read_support_format_zip(ar);
	if (archive_read_open_memory(ar, data, len) != ARCHIVE_OK) {
		*why = "not a readable zip archive";
		goto out;
	}
	while (archive_read_next_header(ar, &e) == ARCHIVE_OK) {
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		st = MS_OK;
		while ((n = archive_read_data(ar, chunk, sizeof(chunk))) > 0) {
			if (buf_append(out, chunk, (size_t)n) != MS_OK) {
				*why = "decompressed report exceeds the size cap";
				st = MS_ERR_LIMIT;
				goto out;
			}
		}
		if (n < 0) {
			*why = "corrupt zip data";
			st = MS_ERR_SYNTAX;
		}
		break;
	}
out:
	archive_read_free(ar);
	return st;
}

enum ms_status
unpack(const char *data, size_t len, size_t max, struct buf *out, const char **why)
{
	buf_init(out, max);
	*why = NULL;
	switch (unpack_sniff(data, len)) {
	case CONT_GZIP:
		return gunzip(data, len, out, why);
	case CONT_ZIP:
		return unzip(data, len, out, why);
	default:
		if (buf_append(out, data, len) != MS_OK) {
			*why = "report exceeds the size cap";
			return MS_ERR_LIMIT;
		}
		return MS_OK;
	}
}
