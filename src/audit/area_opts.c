/* src/audit/area_opts.c - options a check area reads: the per-run (or per-domain) values */
#include "audit/area_opts.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* One area's values. */
struct area_value {
	struct area_value *next;
	const struct area_options *def;
	void *settings;		/* def->size bytes, owned */
};

struct area_settings {
	struct area_value *values;
};

/* area_settings_new - an empty set of values (area_opts.h) */
struct area_settings *
area_settings_new(void)
{
	return xcalloc(1, sizeof(struct area_settings));
}

/* area_settings_free - every area's values, then s (area_opts.h) */
void
area_settings_free(struct area_settings *s)
{
	struct area_value *v, *next;

	if (s == NULL)
		return;
	for (v = s->values; v; v = next) {
		next = v->next;
		if (v->def->free)
			v->def->free(v->settings);
		free(v->settings);
		free(v);
	}
	free(s);
}

/* value_of - def's values in s, or NULL */
static struct area_value *
value_of(const struct area_settings *s, const struct area_options *def)
{
	for (struct area_value *v = s->values; v; v = v->next)
		if (v->def == def)
			return v;
	return NULL;
}

/* area_settings_set - one option of one area takes a value (area_opts.h) */
enum ms_status
area_settings_set(struct area_settings *s, const struct area_options *def,
    const struct area_option *o, const char *value, char *why, size_t whylen)
{
	struct area_value *v = value_of(s, def);

	if (v == NULL) {
		v = xcalloc(1, sizeof(*v));
		v->def = def;
		v->settings = xmalloc(def->size);
		memcpy(v->settings, def->defaults, def->size);
		v->next = s->values;
		s->values = v;
	}
	return o->set(v->settings, value, why, whylen);
}

/* area_settings_get - def's values, or its defaults (area_opts.h) */
const void *
area_settings_get(const struct area_settings *s, const struct area_options *def)
{
	struct area_value *v = s ? value_of(s, def) : NULL;

	return v ? v->settings : def->defaults;
}

/* area_strv_add - append a copy, or empty the list for NULL (area_opts.h) */
enum ms_status
area_strv_add(struct area_strv *l, const char *value, size_t max)
{
	if (value == NULL) {
		area_strv_free(l);
		return MS_OK;
	}
	if (l->n >= max)
		return MS_ERR_LIMIT;
	l->v = xreallocarray(l->v, l->n + 2, sizeof(*l->v));
	l->v[l->n++] = xstrdup(value);
	l->v[l->n] = NULL;
	return MS_OK;
}

/* area_strv_free - the strings and the array (area_opts.h) */
void
area_strv_free(struct area_strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
