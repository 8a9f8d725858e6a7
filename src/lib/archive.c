/*
** archive.c -- the archive handle: opening a directory, the cache of
** mmapped segment files shared by snapshots, read snapshots, statistics
** and fetching a stored record by id.
**
** A snapshot is built from one MANIFEST: it holds a reference on each of
** its segment files (mmapped once per process, shared through the cache)
** and a private copy of each deletion bitmap, so nothing a writer does
** later can change what it sees.  A writer of another process may delete
** the files of an older commit between our reading of the MANIFEST and our
** opening of its files: then the MANIFEST is read again (a few times).
*/
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define SNAP_RETRIES 20

int dp_archive_open(dp_archive **out, const char *path, unsigned flags)
{
    dp_archive *a = dp__calloc(1, sizeof *a);
    dp__manifest m;
    int rc;

    *out = NULL;
    if (a == NULL)
        return DP_ENOMEM;
    a->flags = flags;
    if (flags & DP_ARCHIVE_CREATE)
        a->flags |= DP_ARCHIVE_WRITE;
    pthread_mutex_init(&a->mu, NULL);
    a->dir = dp__strndup(path, strlen(path));
    if (a->dir == NULL) {
        dp_archive_close(a);
        return DP_ENOMEM;
    }
    *out = a;
    if ((flags & DP_ARCHIVE_CREATE) && mkdir(path, 0755) != 0 &&
        errno != EEXIST) {
        dp__set_err(&a->err, "%s: %s", path, strerror(errno));
        return DP_EIO;
    }
    rc = dp__manifest_read(a->dir, &m, &a->err);
    if (rc == DP_ENOTFOUND && (flags & DP_ARCHIVE_CREATE)) {
        dp_writer *w;
        rc = dp_writer_begin(a, NULL, &w); /* creates the first MANIFEST */
        if (rc == DP_OK)
            dp_writer_close(w);
        if (rc == DP_OK)
            rc = dp__manifest_read(a->dir, &m, &a->err);
    } else if (rc == DP_ENOTFOUND) {
        dp__set_err(&a->err, "%s: not a depeche archive (no MANIFEST)", path);
    }
    if (rc != DP_OK)
        return rc;
    dp__manifest_free(&m);
    /* Open every segment now, so that damage is reported at open. */
    dp__snap *s;
    rc = dp__snap_open(a, &s);
    dp__snap_close(s);
    return rc;
}

void dp_archive_close(dp_archive *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->ncache; i++)
        dp__segfile_unref(a->cache[i]);
    dp__free(a->cache);
    dp__buf_free(&a->err);
    dp__free(a->dir);
    pthread_mutex_destroy(&a->mu);
    dp__free(a);
}

const char *dp_archive_errmsg(const dp_archive *a)
{
    return a && a->err.p ? a->err.p : "";
}

/**************************************************************************
** The segment file cache.
*/

int dp__archive_segfile(dp_archive *a, uint64_t seg_no, dp__segfile **out,
                        dp_buf *err)
{
    int rc = DP_OK;
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < a->ncache; i++)
        if (a->cache[i]->no == seg_no) {
            dp__segfile_ref(a->cache[i]);
            *out = a->cache[i];
            goto done;
        }
    dp__segfile **nc = dp__realloc(a->cache, (a->ncache + 1) * sizeof *nc);
    if (nc == NULL) {
        rc = DP_ENOMEM;
        goto done;
    }
    a->cache = nc;
    rc = dp__segfile_open(a->dir, seg_no, out, err);
    if (rc == DP_OK) {
        dp__segfile_ref(*out);
        a->cache[a->ncache++] = *out;
    }
done:
    pthread_mutex_unlock(&a->mu);
    return rc;
}

bool dp__archive_in_use(dp_archive *a, uint64_t seg_no)
{
    bool used = false;
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < a->ncache; i++)
        if (a->cache[i]->no == seg_no &&
            __atomic_load_n(&a->cache[i]->refs, __ATOMIC_ACQUIRE) > 1)
            used = true;
    pthread_mutex_unlock(&a->mu);
    return used;
}

/* Drop cached files that no snapshot uses and m does not name. */
static void cache_trim(dp_archive *a, const dp__manifest *m)
{
    pthread_mutex_lock(&a->mu);
    size_t k = 0;
    for (size_t i = 0; i < a->ncache; i++) {
        dp__segfile *f = a->cache[i];
        bool named = false;
        for (size_t j = 0; j < m->nseg; j++)
            named = named || m->segs[j].seg_no == f->no;
        if (!named && __atomic_load_n(&f->refs, __ATOMIC_ACQUIRE) == 1)
            dp__segfile_unref(f);
        else
            a->cache[k++] = f;
    }
    a->ncache = k;
    pthread_mutex_unlock(&a->mu);
}

/**************************************************************************
** Snapshots.
*/

int dp__snap_from_manifest(dp_archive *a, dp__manifest *m, dp__snap **out,
                           dp_buf *err)
{
    dp__snap *s = dp__calloc(1, sizeof *s);
    int rc = DP_OK;
    *out = NULL;
    if (s == NULL) {
        dp__manifest_free(m);
        return DP_ENOMEM;
    }
    s->a = a;
    s->m = *m;
    memset(m, 0, sizeof *m);
    s->segs = dp__calloc(s->m.nseg ? s->m.nseg : 1, sizeof *s->segs);
    if (s->segs == NULL)
        rc = DP_ENOMEM;
    for (size_t i = 0; i < s->m.nseg && rc == DP_OK; i++) {
        const dp__mseg *ms = &s->m.segs[i];
        dp__segment *g = &s->segs[i];
        g->err = &s->err;
        rc = dp__archive_segfile(a, ms->seg_no, &g->file, err);
        if (rc != DP_OK)
            break;
        s->nseg++;
        if (g->file->ndocs != ms->ndocs) {
            dp__set_err(err, "%s: document count differs from the manifest",
                        g->file->path);
            rc = DP_ECORRUPT;
            break;
        }
        /* the bitmap and live tokens are cached in the file: a snapshot
        ** per query does not re-read the deletion file */
        rc = dp__segment_load_deletions(g, a->dir, ms->del_no, err);
        if (rc == DP_OK && g->ndeleted != ms->ndeleted) {
            dp__set_err(err, "%s: deletion count differs from the manifest",
                        g->file->path);
            rc = DP_ECORRUPT;
        }
        s->live += dp__seg_live_docs(g);
        s->tokens += g->tokens;
    }
    if (rc != DP_OK) {
        dp__snap_close(s);
        return rc;
    }
    *out = s;
    return DP_OK;
}

int dp__snap_open(dp_archive *a, dp__snap **out)
{
    int rc = DP_OK;
    *out = NULL;
    for (int attempt = 0; attempt < SNAP_RETRIES; attempt++) {
        dp__manifest m;
        rc = dp__manifest_read(a->dir, &m, &a->err);
        if (rc == DP_ENOTFOUND)
            dp__set_err(&a->err, "%s: not a depeche archive (no MANIFEST)",
                        a->dir);
        if (rc != DP_OK)
            return rc;
        uint64_t gen = m.generation;
        rc = dp__snap_from_manifest(a, &m, out, &a->err);
        if (rc == DP_OK) {
            cache_trim(a, &(*out)->m);
            return DP_OK;
        }
        if (rc != DP_ENOTFOUND)
            return rc;
        /* A file vanished: a writer committed meanwhile.  Retry only if
        ** the MANIFEST changed; otherwise a file is really missing. */
        dp__manifest m2;
        if (dp__manifest_read(a->dir, &m2, &a->err) == DP_OK) {
            bool same = m2.generation == gen;
            dp__manifest_free(&m2);
            if (same)
                break;
        }
    }
    if (rc == DP_ENOTFOUND)
        rc = DP_ECORRUPT; /* the manifest names a file that is not there */
    return rc;
}

void dp__snap_close(dp__snap *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nseg; i++) {
        dp__segfile_unref(s->segs[i].file);
        dp__free(s->segs[i].deleted);
    }
    dp__free(s->segs);
    dp__manifest_free(&s->m);
    dp__buf_free(&s->err);
    dp__free(s);
}

const char *dp__snap_errmsg(const dp__snap *s)
{
    return s->err.p ? s->err.p : "";
}

uint64_t dp__snap_generation(const dp__snap *s) { return s->m.generation; }
size_t dp__snap_nsegs(const dp__snap *s) { return s->nseg; }
const dp__segment *dp__snap_seg(const dp__snap *s, size_t i)
{
    return &s->segs[i];
}
uint64_t dp__snap_live_docs(const dp__snap *s) { return s->live; }
uint64_t dp__snap_total_tokens(const dp__snap *s) { return s->tokens; }

int dp__snap_find_id(const dp__snap *s, const char *id, size_t n,
                     size_t *seg, uint32_t *docid)
{
    for (size_t i = s->nseg; i-- > 0;) {
        uint32_t d;
        if (dp__seg_find_id(&s->segs[i], id, n, &d) == DP_OK &&
            !dp__seg_is_deleted(&s->segs[i], d)) {
            *seg = i;
            *docid = d;
            return DP_OK;
        }
    }
    return DP_ENOTFOUND;
}

/**************************************************************************
** Statistics.
*/

/* Distinct terms over all segments: a k-way merge of the dictionaries. */
static int count_terms(dp__snap *s, uint64_t *out)
{
    dp__term_iter **it = dp__calloc(s->nseg + 1, sizeof *it);
    dp__term_info *ti = dp__calloc(s->nseg + 1, sizeof *ti);
    bool *live = dp__calloc(s->nseg + 1, sizeof *live);
    int rc = it && ti && live ? DP_OK : DP_ENOMEM;
    uint64_t n = 0;
    for (size_t i = 0; i < s->nseg && rc == DP_OK; i++) {
        dp_slice t;
        rc = dp__term_iter_open(&s->segs[i], "", 0, &it[i]);
        if (rc == DP_OK)
            rc = dp__term_iter_next(it[i], &t, &ti[i]);
        live[i] = rc == DP_OK;
        rc = rc == DP_ENOTFOUND ? DP_OK : rc;
    }
    while (rc == DP_OK) {
        int min = -1;
        for (size_t i = 0; i < s->nseg; i++) {
            if (!live[i])
                continue;
            if (min < 0) {
                min = (int)i;
                continue;
            }
            dp__term_info *a = &ti[i], *b = &ti[min];
            int c = memcmp(a->term, b->term,
                           a->term_len < b->term_len ? a->term_len : b->term_len);
            if (c < 0 || (c == 0 && a->term_len < b->term_len))
                min = (int)i;
        }
        if (min < 0)
            break;
        n++;
        char cur[DP__TERM_MAX];
        uint8_t cl = ti[min].term_len;
        memcpy(cur, ti[min].term, cl);
        for (size_t i = 0; i < s->nseg && rc == DP_OK; i++) {
            if (!live[i] || ti[i].term_len != cl || memcmp(ti[i].term, cur, cl))
                continue;
            dp_slice t;
            rc = dp__term_iter_next(it[i], &t, &ti[i]);
            live[i] = rc == DP_OK;
            rc = rc == DP_ENOTFOUND ? DP_OK : rc;
        }
    }
    for (size_t i = 0; it && i < s->nseg; i++)
        dp__term_iter_free(it[i]);
    dp__free(it);
    dp__free(ti);
    dp__free(live);
    *out = n;
    return rc;
}

static int date_cmp(const dp_date *a, const dp_date *b)
{
    int32_t da = dp__date_days(a), db = dp__date_days(b);
    if (da != db)
        return da < db ? -1 : 1;
    int ta = a->hour * 3600 + a->minute * 60 + a->second;
    int tb = b->hour * 3600 + b->minute * 60 + b->second;
    return (ta > tb) - (ta < tb);
}

static void add_lang(dp_archive_stats *st, const char *code)
{
    for (size_t i = 0; i < st->n_langs; i++)
        if (strcmp(st->langs[i].code, code) == 0) {
            st->langs[i].docs++;
            return;
        }
    if (st->n_langs < DP_ARRAY_LEN(st->langs)) {
        memcpy(st->langs[st->n_langs].code, code, 4);
        st->langs[st->n_langs++].docs = 1;
    }
}

static int slice_qcmp(const void *a, const void *b)
{
    const dp_slice *x = a, *y = b;
    int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

static int lang_qcmp(const void *a, const void *b)
{
    const uint64_t *x = (const uint64_t *)((const char *)a + 8);
    const uint64_t *y = (const uint64_t *)((const char *)b + 8);
    return (*x < *y) - (*x > *y);
}

/* Walk the live docs: dates, languages, sources. */
static int scan_docs(dp__snap *s, dp_archive_stats *st)
{
    dp_slice *names = NULL;
    size_t nn = 0, cap = 0;
    for (size_t i = 0; i < s->nseg; i++) {
        dp__segment *g = &s->segs[i];
        uint8_t *used = dp__calloc(dp__seg_nsources(g), 1);
        if (used == NULL)
            goto nomem;
        for (uint32_t d = 0; d < dp__seg_ndocs(g); d++) {
            dp__doc_cols c;
            if (dp__seg_is_deleted(g, d))
                continue;
            dp__seg_doc_cols(g, d, &c);
            used[c.source] = 1;
            add_lang(st, c.lang);
            if (c.date.prec == DP_PREC_NONE) {
                st->undated++;
                continue;
            }
            if (st->date_min.prec == 0 || date_cmp(&c.date, &st->date_min) < 0)
                st->date_min = c.date;
            if (st->date_max.prec == 0 || date_cmp(&c.date, &st->date_max) > 0)
                st->date_max = c.date;
        }
        for (uint32_t k = 0; k < dp__seg_nsources(g); k++) {
            if (!used[k])
                continue;
            if (nn == cap) {
                cap = cap ? cap * 2 : 64;
                dp_slice *nb = dp__realloc(names, cap * sizeof *nb);
                if (nb == NULL) {
                    dp__free(used);
                    goto nomem;
                }
                names = nb;
            }
            names[nn++] = dp__seg_source_name(g, k);
        }
        dp__free(used);
    }
    if (nn)
        qsort(names, nn, sizeof *names, slice_qcmp);
    for (size_t i = 0; i < nn; i++)
        if (i == 0 || slice_qcmp(&names[i], &names[i - 1]) != 0)
            st->sources++;
    dp__free(names);
    qsort(st->langs, st->n_langs, sizeof st->langs[0], lang_qcmp);
    return DP_OK;
nomem:
    dp__free(names);
    return DP_ENOMEM;
}

int dp_archive_stats_get(dp_archive *a, dp_archive_stats *out)
{
    dp__snap *s;
    memset(out, 0, sizeof *out);
    int rc = dp__snap_open(a, &s);
    if (rc != DP_OK)
        return rc;
    out->documents = s->live;
    out->tokens = s->tokens;
    out->segments = s->nseg;
    out->generation = s->m.generation;
    out->bytes = 32 + 40 * s->nseg + 4;
    for (size_t i = 0; i < s->nseg && rc == DP_OK; i++) {
        dp__segment *g = &s->segs[i];
        out->deleted += g->ndeleted;
        out->bytes += dp__segfile_bytes(g->file);
        if (g->del_no)
            out->bytes += 28 + (dp__seg_ndocs(g) + 7) / 8;
        rc = dp__segfile_verify(g->file, &s->err);
    }
    if (rc == DP_OK)
        rc = count_terms(s, &out->terms);
    if (rc == DP_OK)
        rc = scan_docs(s, out);
    if (rc != DP_OK && s->err.p)
        dp__set_err(&a->err, "%s", s->err.p);
    dp__snap_close(s);
    return rc;
}

/**************************************************************************
** Fetching a stored record by id.
*/

static size_t record_size(const dp_record *r)
{
    size_t n = sizeof *r + r->n_extra * sizeof(dp_field) + r->id.n +
               r->title.n + r->text.n + r->source.n + r->url.n + r->lang.n +
               8;
    for (size_t i = 0; i < r->n_extra; i++)
        n += r->extra[i].name.n + r->extra[i].value.n + 2;
    return n;
}

static dp_slice copy_slice(char **dst, dp_slice s)
{
    dp_slice d = {*dst, s.n};
    if (s.n)
        memcpy(*dst, s.p, s.n);
    (*dst)[s.n] = '\0';
    *dst += s.n + 1;
    return d;
}

/* One allocation: the record, its extras array, then the strings, each
** NUL-terminated for convenience. */
static dp_record *record_copy(const dp_record *r)
{
    dp_record *c = dp__malloc(record_size(r));
    if (c == NULL)
        return NULL;
    *c = *r;
    dp_field *ex = (dp_field *)(c + 1);
    char *p = (char *)(ex + r->n_extra);
    c->id = copy_slice(&p, r->id);
    c->title = copy_slice(&p, r->title);
    c->text = copy_slice(&p, r->text);
    c->source = copy_slice(&p, r->source);
    c->url = copy_slice(&p, r->url);
    c->lang = copy_slice(&p, r->lang);
    for (size_t i = 0; i < r->n_extra; i++) {
        ex[i].name = copy_slice(&p, r->extra[i].name);
        ex[i].value = copy_slice(&p, r->extra[i].value);
    }
    c->extra = ex;
    c->file = NULL;
    c->line = 0;
    return c;
}

int dp_archive_get(dp_archive *a, const char *id, size_t n, dp_record **out)
{
    dp__snap *s;
    dp__fetch f = DP__FETCH_INIT;
    dp_record rec;
    size_t seg;
    uint32_t docid;
    *out = NULL;
    int rc = dp__snap_open(a, &s);
    if (rc != DP_OK)
        return rc;
    rc = dp__snap_find_id(s, id, n, &seg, &docid);
    if (rc == DP_ENOTFOUND)
        dp__set_err(&a->err, "no document with id '%.*s'", (int)n, id);
    if (rc == DP_OK)
        rc = dp__seg_fetch(&s->segs[seg], docid, &f, &rec);
    if (rc == DP_OK) {
        *out = record_copy(&rec);
        if (*out == NULL)
            rc = DP_ENOMEM;
    } else if (rc == DP_ECORRUPT) {
        dp__set_err(&a->err, "%s", dp__snap_errmsg(s));
    }
    dp__fetch_free(&f);
    dp__snap_close(s);
    return rc;
}

void dp_record_free(dp_record *rec) { dp__free(rec); }
