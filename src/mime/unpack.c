/* src/mime/unpack.c - report containers: gzip and zip, with a decompressed-size cap */
#include "mime/unpack.h"
#include "util/xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
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
			/* cut short: what was inflated is not the whole report */
			*why = "truncated gzip data (the report is incomplete)";
			st = MS_ERR_SYNTAX;
			break;
		}
		if (rc != Z_OK) {
			*why = rc == Z_DATA_ERROR && z.msg && strstr(z.msg, "check") ?
			    "corrupt gzip data (checksum mismatch)" : "corrupt gzip data";
			st = MS_ERR_SYNTAX;
			break;
		}
	}
	inflateEnd(&z);
	return st;
}

/* zip_why - the reason an entry could not be read, naming it */
static void
zip_why(char *why, size_t whylen, const char *name, const char *what)
{
	snprintf(why, whylen, "zip entry \"%.80s\": %s", name ? name : "?", what);
}

/*
 * unzip_all - every regular file of a zip archive, each a part.  An
 * encrypted entry (a password-protected zip) or a corrupt one fails the
 * whole archive: better refused loudly than taken in part.
 */
static enum ms_status
unzip_all(const char *data, size_t len, struct unpacked *u, char *why, size_t whylen)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *e;
	enum ms_status st = MS_ERR_SYNTAX;
	char chunk[65536];
	la_ssize_t n;
	int rc;

	snprintf(why, whylen, "no file in the zip archive");
	archive_read_support_format_zip(ar);
	if (archive_read_open_memory(ar, data, len) != ARCHIVE_OK) {
		snprintf(why, whylen, "not a readable zip archive");
		goto out;
	}
	while ((rc = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		struct unpack_part *p;

		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (archive_entry_is_encrypted(e)) {
			zip_why(why, whylen, name, "encrypted (a password-protected zip cannot be read)");
			st = MS_ERR_SYNTAX;
			goto out;
		}
		if (u->n >= UNPACK_PARTS_MAX) {
			snprintf(why, whylen, "more than %d files in the zip archive", UNPACK_PARTS_MAX);
			st = MS_ERR_LIMIT;
			goto out;
		}
		u->part = xreallocarray(u->part, u->n + 1, sizeof(*u->part));
		p = &u->part[u->n++];
		p->name = xstrdup(name ? name : "");
		p->off = u->all.len;
		while ((n = archive_read_data(ar, chunk, sizeof(chunk))) > 0) {
			if (buf_append(&u->all, chunk, (size_t)n) != MS_OK) {
				snprintf(why, whylen, "decompressed report exceeds the size cap");
				st = MS_ERR_LIMIT;
				goto out;
			}
		}
		if (n < 0) {
			const char *es = archive_error_string(ar);

			zip_why(why, whylen, name, archive_entry_is_encrypted(e) ?
			    "encrypted (a password-protected zip cannot be read)" :
			    es && strstr(es, "ncrypt") ? "encrypted (a password-protected zip cannot be read)" :
			    "corrupt or truncated data");
			st = MS_ERR_SYNTAX;
			goto out;
		}
		p->len = u->all.len - p->off;
		st = MS_OK;
	}
	if (rc != ARCHIVE_EOF && rc != ARCHIVE_OK) {
		const char *es = archive_error_string(ar);

		snprintf(why, whylen, "corrupt zip archive%s%.120s", es ? ": " : "", es ? es : "");
		st = MS_ERR_SYNTAX;
	}
out:
	archive_read_free(ar);
	return st;
}

/* unzip - the first regular file of a zip archive (unpack's contract) */
static enum ms_status
unzip(const char *data, size_t len, struct buf *out, const char **why)
{
	struct unpacked u;
	char w[200];
	enum ms_status st;

	memset(&u, 0, sizeof(u));
	buf_init(&u.all, out->max);
	st = unzip_all(data, len, &u, w, sizeof(w));
	if (st == MS_OK)
		st = buf_append(out, u.all.data ? u.all.data + u.part[0].off : "", u.part[0].len);	/* an empty entry: no data */
	else
		*why = st == MS_ERR_LIMIT ? "decompressed report exceeds the size cap" :
		    strstr(w, "encrypted") ? "encrypted zip entry (a password-protected zip cannot be read)" :
		    "corrupt zip data";
	unpacked_free(&u);
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

enum ms_status
unpack_all(const char *data, size_t len, size_t max, struct unpacked *out, char *why,
    size_t whylen)
{
	const char *w = NULL;
	enum ms_status st;

	memset(out, 0, sizeof(*out));
	why[0] = '\0';
	if (unpack_sniff(data, len) == CONT_ZIP) {
		buf_init(&out->all, max);
		st = unzip_all(data, len, out, why, whylen);
	} else {
		st = unpack(data, len, max, &out->all, &w);
		if (st == MS_OK) {
			out->part = xcalloc(1, sizeof(*out->part));
			out->part[0].len = out->all.len;
			out->n = 1;
		} else
			snprintf(why, whylen, "%s", w ? w : ms_status_str(st));
	}
	if (st != MS_OK) {
		unpacked_free(out);
		buf_init(&out->all, max);
	}
	return st;
}

void
unpacked_free(struct unpacked *u)
{
	for (size_t i = 0; i < u->n; i++)
		free(u->part[i].name);
	free(u->part);
	buf_free(&u->all);
	u->part = NULL;
	u->n = 0;
}
