/* src/mime/mime.c - MIME messages and mbox files: the one adapter over GMime */
#include "mime/mime.h"

#include <gmime/gmime.h>
#include <pthread.h>
#include <string.h>

static pthread_once_t gm_once = PTHREAD_ONCE_INIT;

/* gm_init - GMime's process-wide set-up, once */
static void
gm_init(void)
{
	g_mime_init();
}

/* The handles are GMime's objects under opaque names. */
#define MSG(m)	((GMimeMessage *)(void *)(m))
#define OBJ(p)	((GMimeObject *)(void *)(p))

/* bytes_new - an empty byte array and a memory stream writing into it (the stream the caller's) */
static GMimeStream *
bytes_new(struct mime_bytes *out)
{
	GByteArray *ba = g_byte_array_new();
	GMimeStream *mem = g_mime_stream_mem_new_with_byte_array(ba);

	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	out->priv = ba;
	return mem;
}

/* bytes_done - out's data and length from its byte array, NUL-terminated */
static void
bytes_done(struct mime_bytes *out)
{
	GByteArray *ba = out->priv;
	guint8 nul = 0;

	out->len = ba->len;
	g_byte_array_append(ba, &nul, 1);
	out->data = (const char *)ba->data;
}

void
mime_bytes_free(struct mime_bytes *b)
{
	if (b->priv)
		g_byte_array_free(b->priv, TRUE);
	memset(b, 0, sizeof(*b));
}

/* parser_for - GMime's parser over stream in the given format (content lengths not believed) */
static GMimeParser *
parser_for(GMimeStream *stream, GMimeFormat fmt)
{
	GMimeParser *p = g_mime_parser_new_with_stream(stream);

	g_mime_parser_set_format(p, fmt);
	g_mime_parser_set_respect_content_length(p, FALSE);
	return p;
}

struct mime_msg *
mime_parse(const char *data, size_t len)
{
	GMimeStream *st;
	GMimeParser *p;
	GMimeMessage *m;

	pthread_once(&gm_once, gm_init);
	st = g_mime_stream_mem_new_with_buffer(data, len);
	p = parser_for(st, GMIME_FORMAT_MESSAGE);
	m = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	g_object_unref(st);
	return (struct mime_msg *)(void *)m;
}

void
mime_msg_free(struct mime_msg *m)
{
	if (m)
		g_object_unref(MSG(m));
}

void
mime_mbox_each(const char *data, size_t len, mime_mbox_cb cb, void *arg)
{
	GMimeStream *st;
	GMimeParser *p;
	size_t n = 0;

	pthread_once(&gm_once, gm_init);
	st = g_mime_stream_mem_new_with_buffer(data, len);
	p = parser_for(st, GMIME_FORMAT_MBOX);
	while (!g_mime_parser_eos(p)) {
		gint64 start = g_mime_parser_tell(p), end;
		GMimeMessage *m = g_mime_parser_construct_message(p, NULL);

		if (m == NULL)
			break;
		end = g_mime_parser_tell(p);
		if (start < 0 || end < start || (size_t)end > len)
			start = end = 0;
		cb(arg, (struct mime_msg *)(void *)m, ++n, data + start, (size_t)(end - start));
		g_object_unref(m);
	}
	g_object_unref(p);
	g_object_unref(st);
}

void
mime_mbox_each_fp(FILE *fp, mime_mbox_cb cb, void *arg)
{
	GMimeStream *st;
	GMimeParser *p;
	size_t n = 0;

	pthread_once(&gm_once, gm_init);
	st = g_mime_stream_file_new(fp);	/* owns fp */
	p = parser_for(st, GMIME_FORMAT_MBOX);
	while (!g_mime_parser_eos(p)) {
		GMimeMessage *m = g_mime_parser_construct_message(p, NULL);

		if (m == NULL)
			break;
		cb(arg, (struct mime_msg *)(void *)m, ++n, NULL, 0);
		g_object_unref(m);
	}
	g_object_unref(p);
	g_object_unref(st);
}

struct mime_part *
mime_msg_top(struct mime_msg *m)
{
	return (struct mime_part *)(void *)g_mime_message_get_mime_part(MSG(m));
}

/* What mime_msg_foreach hands GMime's walk. */
struct foreach_arg {
	void (*cb)(void *arg, struct mime_part *p);
	void *arg;
};

/* foreach_one - one object of g_mime_message_foreach */
static void
foreach_one(GMimeObject *parent, GMimeObject *obj, gpointer arg)
{
	struct foreach_arg *f = arg;

	(void)parent;
	f->cb(f->arg, (struct mime_part *)(void *)obj);
}

void
mime_msg_foreach(struct mime_msg *m, void (*cb)(void *arg, struct mime_part *p), void *arg)
{
	struct foreach_arg f = { cb, arg };

	if (g_mime_message_get_mime_part(MSG(m)))
		g_mime_message_foreach(MSG(m), foreach_one, &f);
}

const char *
mime_msg_subject(struct mime_msg *m)
{
	return g_mime_message_get_subject(MSG(m));
}

const char *
mime_msg_id(struct mime_msg *m)
{
	return g_mime_message_get_message_id(MSG(m));
}

int64_t
mime_msg_date(struct mime_msg *m)
{
	GDateTime *dt = g_mime_message_get_date(MSG(m));

	return dt ? (int64_t)g_date_time_to_unix(dt) : -1;
}

const char *
mime_msg_from_addr(struct mime_msg *m)
{
	InternetAddressList *from = g_mime_message_get_from(MSG(m));
	InternetAddress *ia;

	if (from == NULL || internet_address_list_length(from) <= 0)
		return NULL;
	ia = internet_address_list_get_address(from, 0);
	if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
		return NULL;
	return internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
}

void
mime_msg_write(struct mime_msg *m, struct mime_bytes *out)
{
	GMimeStream *mem = bytes_new(out);

	g_mime_object_write_to_stream(GMIME_OBJECT(MSG(m)), NULL, mem);
	g_object_unref(mem);
	bytes_done(out);
}

bool
mime_part_is(struct mime_part *p, const char *type, const char *sub)
{
	GMimeContentType *ct = g_mime_object_get_content_type(OBJ(p));

	return ct && g_mime_content_type_is_type(ct, type, sub);
}

const char *
mime_part_param(struct mime_part *p, const char *name)
{
	return g_mime_object_get_content_type_parameter(OBJ(p), name);
}

bool
mime_part_is_leaf(struct mime_part *p)
{
	return GMIME_IS_PART(OBJ(p));
}

const char *
mime_part_filename(struct mime_part *p)
{
	return GMIME_IS_PART(OBJ(p)) ? g_mime_part_get_filename(GMIME_PART(OBJ(p))) : NULL;
}

struct mime_msg *
mime_part_message(struct mime_part *p)
{
	if (!GMIME_IS_MESSAGE_PART(OBJ(p)))
		return NULL;
	return (struct mime_msg *)(void *)g_mime_message_part_get_message(GMIME_MESSAGE_PART(OBJ(p)));
}

bool
mime_part_content(struct mime_part *p, size_t max, struct mime_bytes *out)
{
	GMimeDataWrapper *w;
	GMimeStream *mem;

	memset(out, 0, sizeof(*out));
	if (!GMIME_IS_PART(OBJ(p)) || (w = g_mime_part_get_content(GMIME_PART(OBJ(p)))) == NULL)
		return false;
	mem = bytes_new(out);
	g_mime_data_wrapper_write_to_stream(w, mem);
	g_object_unref(mem);
	if (((GByteArray *)out->priv)->len > max) {
		mime_bytes_free(out);
		return false;
	}
	bytes_done(out);
	return true;
}

void
mime_part_written(struct mime_part *p, struct mime_bytes *out)
{
	GMimeStream *mem = bytes_new(out);
	GMimeObject *obj = OBJ(p);

	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (m)
			g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, mem);
	} else if (GMIME_IS_PART(obj)) {
		GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(obj));

		if (w)
			g_mime_data_wrapper_write_to_stream(w, mem);
	}
	g_object_unref(mem);
	bytes_done(out);
}
