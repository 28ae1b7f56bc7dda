/*
 * util.c: the object table (otab), latency histograms (ohist), bounded
 * string sets (oset) and record helpers the application analyzers share
 * (oslo.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "oslo.h"
#include "log.h"

static uint32_t
str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int
otab_init(struct otab *t, size_t esize)
{
	memset(t, 0, sizeof(*t));
	t->esize = esize;
	t->hsize = 256;
	if ((t->h = calloc(t->hsize, sizeof(*t->h))) == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	return 0;
}

static void
otab_grow(struct otab *t)
{
	struct oent **nh, *e, *next;
	unsigned size = t->hsize * 2, i, b;

	if ((nh = calloc(size, sizeof(*nh))) == NULL)
		return;		/* longer chains, still correct */
	for (i = 0; i < t->hsize; i++)
		for (e = t->h[i]; e != NULL; e = next) {
			next = e->hnext;
			b = str_hash(e->key) & (size - 1);
			e->hnext = nh[b];
			nh[b] = e;
		}
	free(t->h);
	t->h = nh;
	t->hsize = size;
}

struct oent *
otab_find(const struct otab *t, const char *key)
{
	struct oent *e;

	for (e = t->h[str_hash(key) & (t->hsize - 1)]; e != NULL; e = e->hnext)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static void
lru_unlink(struct otab *t, struct oent *e)
{
	if (e->older != NULL)
		e->older->newer = e->newer;
	else if (t->oldest == e)
		t->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else if (t->newest == e)
		t->newest = e->older;
	e->older = e->newer = NULL;
}

static void
lru_append(struct otab *t, struct oent *e)
{
	e->older = t->newest;
	e->newer = NULL;
	if (t->newest != NULL)
		t->newest->newer = e;
	t->newest = e;
	if (t->oldest == NULL)
		t->oldest = e;
}

struct oent *
otab_get(struct otab *t, const char *key, int *created)
{
	struct oent *e;
	unsigned b;

	if (created != NULL)
		*created = 0;
	if ((e = otab_find(t, key)) != NULL)
		return e;
	if (t->n >= t->hsize)
		otab_grow(t);
	if ((e = calloc(1, t->esize)) == NULL ||
	    (e->key = strdup(key)) == NULL) {
		log_warn("%s: calloc", __func__);
		free(e);
		return NULL;
	}
	b = str_hash(key) & (t->hsize - 1);
	e->hnext = t->h[b];
	t->h[b] = e;
	lru_append(t, e);
	t->n++;
	if (created != NULL)
		*created = 1;
	return e;
}

void
otab_touch(struct otab *t, struct oent *e, uint64_t t_ns)
{
	if (t_ns > e->last_ns)
		e->last_ns = t_ns;
	if (t->newest != e) {
		lru_unlink(t, e);
		lru_append(t, e);
	}
	if (!e->dirty) {
		e->dirty = 1;
		e->dnext = t->dirty;
		t->dirty = e;
	}
}

void
otab_del(struct otab *t, struct oent *e)
{
	struct oent **pp;

	for (pp = &t->h[str_hash(e->key) & (t->hsize - 1)]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	if (e->dirty)
		for (pp = &t->dirty; *pp != NULL; pp = &(*pp)->dnext)
			if (*pp == e) {
				*pp = e->dnext;
				break;
			}
	lru_unlink(t, e);
	t->n--;
	free(e->key);
	free(e);
}

void
otab_flush(struct otab *t, void (*fn)(void *, struct oent *), void *arg)
{
	struct oent *e, *next;

	e = t->dirty;
	t->dirty = NULL;
	for (; e != NULL; e = next) {
		next = e->dnext;
		e->dirty = 0;
		e->dnext = NULL;
		fn(arg, e);
	}
}

void
otab_expire(struct otab *t, uint64_t t_ns, uint64_t window_ns,
    void (*fn)(void *, struct oent *), void *arg)
{
	struct oent *e;

	if (window_ns == 0 || t_ns < window_ns)
		return;
	while ((e = t->oldest) != NULL && e->last_ns + window_ns < t_ns) {
		fn(arg, e);		/* the last record; frees e's members */
		otab_del(t, e);
		t->evicted++;
	}
}

void
otab_free(struct otab *t, void (*fn)(struct oent *))
{
	struct oent *e, *next;

	for (e = t->oldest; e != NULL; e = next) {
		next = e->newer;
		if (fn != NULL)
			fn(e);
		free(e->key);
		free(e);
	}
	free(t->h);
	memset(t, 0, sizeof(*t));
}

/* Bucket of ms: the first k with ms <= 2^(k/4); OH_NB - 1 above the last. */
static unsigned
ohist_bucket(double ms)
{
	double k;

	if (ms <= 0)
		return 0;
	k = ceil(4 * log2(ms) - 1e-9);
	if (k < OH_KMIN)
		return 0;
	if (k > OH_KMAX)
		return OH_NB - 1;
	return (unsigned)(k - OH_KMIN);
}

static double
ohist_le(unsigned b)
{
	return exp2((double)((int)b + OH_KMIN) / 4);
}

void
ohist_add(struct ohist *h, double ms)
{
	if (ms < 0)
		ms = 0;
	if (h->count < OH_SAMPLES) {
		if (h->samples == NULL &&
		    (h->samples = calloc(OH_SAMPLES, sizeof(float))) == NULL)
			log_warn("%s: calloc", __func__);
		if (h->samples != NULL) {
			/* Kept sorted: a percentile is an index. */
			unsigned lo = 0, hi = (unsigned)h->count;

			while (lo < hi) {
				unsigned mid = (lo + hi) / 2;

				if (h->samples[mid] <= (float)ms)
					lo = mid + 1;
				else
					hi = mid;
			}
			memmove(&h->samples[lo + 1], &h->samples[lo],
			    ((unsigned)h->count - lo) * sizeof(float));
			h->samples[lo] = (float)ms;
		}
	}
	if (h->count == 0 || ms < h->min_ms)
		h->min_ms = ms;
	if (h->count == 0 || ms > h->max_ms)
		h->max_ms = ms;
	h->count++;
	h->sum_ms += ms;
	h->b[ohist_bucket(ms)]++;
	/* Past OH_SAMPLES the histogram answers: the samples can go. */
	if (h->count == OH_SAMPLES + 1) {
		free(h->samples);
		h->samples = NULL;
	}
}

double
ohist_pct(const struct ohist *h, double pct)
{
	uint64_t rank, seen = 0;
	unsigned i;

	if (h->count == 0)
		return -1;
	rank = (uint64_t)ceil(pct / 100.0 * (double)h->count);
	if (rank < 1)
		rank = 1;
	if (h->count <= OH_SAMPLES && h->samples != NULL)
		return h->samples[rank - 1];
	for (i = 0; i < OH_NB; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			double le = i == OH_NB - 1 ? h->max_ms : ohist_le(i);

			return le > h->max_ms ? h->max_ms : le;
		}
	}
	return h->max_ms;
}

struct json_object *
ohist_json(const struct ohist *h)
{
	struct json_object *a = json_object_new_array(), *p;
	unsigned i;

	for (i = 0; i < OH_NB; i++) {
		if (h->b[i] == 0)
			continue;
		p = json_object_new_array_ext(2);
		json_object_array_add(p, i == OH_NB - 1 ? NULL :
		    json_object_new_double(ohist_le(i)));
		json_object_array_add(p, json_object_new_int64((int64_t)h->b[i]));
		json_object_array_add(a, p);
	}
	return a;
}

void
ohist_free(struct ohist *h)
{
	free(h->samples);
	h->samples = NULL;
}

int
oset_has(const struct oset *s, const char *v)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], v) == 0)
			return 1;
	return 0;
}

int
oset_add(struct oset *s, const char *v)
{
	if (v == NULL || *v == '\0' || s->n == OSET_MAX || oset_has(s, v))
		return 0;
	if ((s->v[s->n] = strdup(v)) == NULL) {
		log_warn("%s: strdup", __func__);
		return 0;
	}
	s->n++;
	return 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct json_object *
oset_json(const struct oset *s, int sorted)
{
	struct json_object *a = json_object_new_array_ext((int)s->n);
	char *v[OSET_MAX];
	unsigned i;

	memcpy(v, s->v, s->n * sizeof(*v));
	if (sorted)
		qsort(v, s->n, sizeof(*v), cmp_str);
	for (i = 0; i < s->n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

void
oset_free(struct oset *s)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

struct json_object *
oj_str(const char *s)
{
	return s != NULL && *s != '\0' ? json_object_new_string(s) : NULL;
}

struct json_object *
oj_ns(uint64_t v)
{
	return v != 0 ? json_object_new_int64((int64_t)v) : NULL;
}

struct json_object *
oj_ms(uint64_t from_ns, uint64_t to_ns)
{
	if (from_ns == 0 || to_ns == 0 || to_ns < from_ns)
		return NULL;
	return json_object_new_double((double)(to_ns - from_ns) / 1e6);
}

struct json_object *
oj_rec(const char *kind, const char *node, const char *id, uint64_t t_ns)
{
	struct json_object *o = json_object_new_object();

	J_ADD(o, "kind", json_object_new_string(kind));
	J_ADD(o, "node", json_object_new_string(node != NULL ? node : ""));
	J_ADD(o, "id", json_object_new_string(id));
	J_ADD(o, "t_ns", json_object_new_int64((int64_t)t_ns));
	return o;
}
