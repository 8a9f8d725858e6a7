/*
** corpus.c -- what the corpus analyses share: a snapshot with an
** analyzer, the stop word terms of the archive's languages, the most
** frequent form of a term, exact term counts over live documents, the
** k-way merge of the segments' dictionaries, the documents matching a
** query, and the re-analysis of a stored document.
**
** Re-analysis: the index keeps positions, not byte offsets, so a document
** is fetched and analysed again exactly as the writer did (writer.c): the
** title in the document's stored language, its tokens at positions
** 0..title_len-1, then the text from title_len + 1 (0 when the title has
** no token); tokens the writer leaves out (empty or DP__TERM_MAX bytes
** and longer) are left out here too.  Sentences: a new sentence starts at
** the title, at the text, and after any of . ! ? ... or a line break in
** the gap between two words (docs/analysis.md).
*/
#include "corpus.h"

#include <stdlib.h>

/**************************************************************************
** String set.
*/

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

void dp__strset_free(dp__strset *s)
{
    dp__free(s->slot);
    dp__free(s->off);
    dp__free(s->len);
    dp__free(s->hash);
    dp__free(s->val);
    dp__buf_free(&s->bytes);
    memset(s, 0, sizeof *s);
}

static long find_hashed(const dp__strset *s, const char *p, size_t n,
                        uint32_t h)
{
    if (s->nslots == 0)
        return -1;
    for (size_t i = h & (s->nslots - 1);; i = (i + 1) & (s->nslots - 1)) {
        uint64_t v = s->slot[i];
        uint32_t item = (uint32_t)v;
        if (v == 0)
            return -1;
        if ((uint32_t)(v >> 32) == h && s->len[item - 1] == n &&
            memcmp(s->bytes.p + s->off[item - 1], p, n) == 0)
            return (long)item - 1;
    }
}

long dp__strset_find(const dp__strset *s, const char *p, size_t n)
{
    return find_hashed(s, p, n, (uint32_t)hash_bytes(p, n));
}

static void strset_place(dp__strset *s, size_t item)
{
    size_t i = s->hash[item] & (s->nslots - 1);
    while (s->slot[i] != 0)
        i = (i + 1) & (s->nslots - 1);
    s->slot[i] = (uint64_t)s->hash[item] << 32 | (uint32_t)(item + 1);
}

static int strset_grow(dp__strset *s)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        uint32_t *o = dp__realloc(s->off, cap * sizeof *o);
        if (o == NULL)
            return DP_ENOMEM;
        s->off = o;
        o = dp__realloc(s->len, cap * sizeof *o);
        if (o == NULL)
            return DP_ENOMEM;
        s->len = o;
        o = dp__realloc(s->hash, cap * sizeof *o);
        if (o == NULL)
            return DP_ENOMEM;
        s->hash = o;
        uint64_t *v = dp__realloc(s->val, cap * sizeof *v);
        if (v == NULL)
            return DP_ENOMEM;
        s->val = v;
        s->cap = cap;
    }
    if ((s->n + 1) * 2 > s->nslots) {
        size_t ns = s->nslots ? s->nslots * 2 : 128;
        uint64_t *sl = dp__calloc(ns, sizeof *sl);
        if (sl == NULL)
            return DP_ENOMEM;
        dp__free(s->slot);
        s->slot = sl;
        s->nslots = ns;
        for (size_t i = 0; i < s->n; i++)
            strset_place(s, i);
    }
    return DP_OK;
}

int dp__strset_add(dp__strset *s, const char *p, size_t n, size_t *index)
{
    uint32_t h = (uint32_t)hash_bytes(p, n);
    long f = find_hashed(s, p, n, h);
    int rc;

    if (f >= 0) {
        *index = (size_t)f;
        return DP_OK;
    }
    if (s->n >= UINT32_MAX - 1 || s->bytes.n + n >= UINT32_MAX)
        return DP_ENOMEM;
    rc = strset_grow(s);
    if (rc != DP_OK)
        return rc;
    s->off[s->n] = (uint32_t)s->bytes.n;
    s->len[s->n] = (uint32_t)n;
    s->hash[s->n] = h;
    s->val[s->n] = 0;
    rc = dp__buf_append(&s->bytes, p, n);
    if (rc != DP_OK)
        return rc;
    strset_place(s, s->n);
    *index = s->n++;
    return DP_OK;
}

/**************************************************************************
** Opening: snapshot, analyzer, stop words.
*/

/* Languages of the live documents, as a bit set of DP_LANG_*. */
static unsigned archive_langs(const dp__snap *snap)
{
    unsigned mask = 0;
    for (size_t s = 0; s < dp__snap_nsegs(snap); s++) {
        const dp__segment *g = dp__snap_seg(snap, s);
        uint32_t n = dp__seg_ndocs(g);
        for (uint32_t d = 0; d < n; d++) {
            dp__doc_cols cols;
            int l;
            if (dp__seg_is_deleted(g, d))
                continue;
            dp__seg_doc_cols(g, d, &cols);
            l = dp__lang_from_code(cols.lang);
            if (l >= 0)
                mask |= 1u << l;
        }
    }
    return mask;
}

static int load_stops(dp__corpus *c)
{
    unsigned mask = archive_langs(c->snap);
    for (int l = 0; l < DP_LANG__COUNT; l++) {
        const char *const *w;
        if (!(mask & (1u << l)))
            continue;
        for (w = dp__stop_list(l); w && *w; w++) {
            dp_slice st;
            size_t i;
            int rc = dp__strset_add(&c->stop_forms, *w, strlen(*w), &i);
            if (rc != DP_OK)
                return rc;
            rc = dp_analyzer_stem(c->an, dp__lang_code(l), *w, strlen(*w), &st);
            if (rc == DP_ENOTFOUND)
                st = (dp_slice){*w, strlen(*w)};
            else if (rc != DP_OK)
                return rc;
            rc = dp__strset_add(&c->stop_terms, st.p, st.n, &i);
            if (rc != DP_OK)
                return rc;
        }
    }
    return DP_OK;
}

int dp__corpus_open(dp__corpus *c, dp_archive *ar, dp_analyzer *an)
{
    int rc;
    dp__fetch f0 = DP__FETCH_INIT;

    memset(c, 0, sizeof *c);
    c->ar = ar;
    c->fetch = f0;
    rc = dp__snap_open(ar, &c->snap);
    if (rc != DP_OK)
        goto fail;
    c->an = an;
    if (an == NULL) {
        rc = dp_analyzer_new(&c->an, NULL);
        if (rc != DP_OK)
            goto fail;
        c->own_an = 1;
    }
    rc = load_stops(c);
    if (rc == DP_OK)
        return DP_OK;
fail:
    dp__corpus_close(c);
    return rc;
}

void dp__corpus_close(dp__corpus *c)
{
    dp__fetch_free(&c->fetch);
    dp__strset_free(&c->stop_terms);
    dp__strset_free(&c->stop_forms);
    if (c->own_an)
        dp_analyzer_free(c->an);
    dp__snap_close(c->snap);
    memset(c, 0, sizeof *c);
}

/**************************************************************************
** Terms: forms, stop words, exact counts.
*/

typedef struct form_count {
    char form[DP__TERM_MAX];
    size_t len;
    uint64_t cf;
} form_count;

/* Add the forms of t in g to the running best (*best). */
static int scan_forms(const dp__segment *g, const dp__term_info *t,
                      form_count *acc, size_t *nacc, size_t cap)
{
    for (uint32_t i = 0; i < t->nforms; i++) {
        dp__form_buf fb;
        size_t j;
        int rc = dp__term_form(g, t, i, &fb);
        if (rc != DP_OK)
            return rc;
        for (j = 0; j < *nacc; j++)
            if (acc[j].len == fb.info.form.n &&
                memcmp(acc[j].form, fb.info.form.p, fb.info.form.n) == 0)
                break;
        if (j == *nacc) {
            if (*nacc == cap || fb.info.form.n >= DP__TERM_MAX)
                continue; /* rare forms beyond cap cannot win */
            memcpy(acc[j].form, fb.info.form.p, fb.info.form.n);
            acc[j].len = fb.info.form.n;
            acc[j].cf = 0;
            (*nacc)++;
        }
        acc[j].cf += fb.info.cf;
    }
    return DP_OK;
}

static int form_better(const form_count *a, const form_count *b)
{
    size_t m = a->len < b->len ? a->len : b->len;
    int c;
    if (a->cf != b->cf)
        return a->cf > b->cf;
    c = memcmp(a->form, b->form, m);
    return c < 0 || (c == 0 && a->len < b->len);
}

int dp__corpus_top_form(dp__corpus *c, const char *term, size_t n,
                        char *buf, size_t *len)
{
    form_count acc[64];
    size_t nacc = 0, best = 0;

    for (size_t s = 0; s < dp__snap_nsegs(c->snap); s++) {
        const dp__segment *g = dp__snap_seg(c->snap, s);
        dp__term_info ti;
        int rc = dp__seg_term_find(g, term, n, &ti);
        if (rc == DP_ENOTFOUND)
            continue;
        if (rc == DP_OK)
            rc = scan_forms(g, &ti, acc, &nacc, DP_ARRAY_LEN(acc));
        if (rc != DP_OK)
            return rc;
    }
    if (nacc == 0) {
        n = n < DP__TERM_MAX ? n : DP__TERM_MAX - 1;
        memcpy(buf, term, n);
        *len = n;
        return DP_OK;
    }
    for (size_t j = 1; j < nacc; j++)
        if (form_better(&acc[j], &acc[best]))
            best = j;
    memcpy(buf, acc[best].form, acc[best].len);
    *len = acc[best].len;
    return DP_OK;
}

int dp__corpus_is_stop(dp__corpus *c, const char *term, size_t n, bool *stop)
{
    char form[DP__TERM_MAX];
    size_t fl;
    int rc;

    *stop = false;
    if (dp__strset_find(&c->stop_terms, term, n) < 0)
        return DP_OK; /* a stop word's term is the stem of a stop word */
    rc = dp__corpus_top_form(c, term, n, form, &fl);
    if (rc == DP_OK)
        *stop = dp__strset_find(&c->stop_forms, form, fl) >= 0;
    return rc;
}

int dp__corpus_term_counts(dp__corpus *c, const char *term, size_t n,
                           uint64_t *cf, uint64_t *df)
{
    *cf = *df = 0;
    for (size_t s = 0; s < dp__snap_nsegs(c->snap); s++) {
        const dp__segment *g = dp__snap_seg(c->snap, s);
        dp__term_info ti;
        dp__postings *p;
        int rc = dp__seg_term_find(g, term, n, &ti);
        if (rc == DP_ENOTFOUND)
            continue;
        if (rc != DP_OK)
            return rc;
        if (dp__seg_live_docs(g) == dp__seg_ndocs(g)) {
            *cf += ti.cf;
            *df += ti.df;
            continue;
        }
        rc = dp__postings_open(g, &ti, -1, DP__POST_FREQS, &p);
        if (rc != DP_OK)
            return rc;
        while ((rc = dp__postings_next(p)) == DP_OK) {
            *cf += dp__postings_freq(p);
            (*df)++;
        }
        dp__postings_free(p);
        if (rc != DP_ENOTFOUND)
            return rc;
    }
    return DP_OK;
}

/**************************************************************************
** Merging the dictionaries of the segments.
*/

void dp__termmerge_close(dp__termmerge *m)
{
    for (size_t s = 0; m->it && s < m->nsegs; s++)
        dp__term_iter_free(m->it[s]);
    dp__free(m->it);
    dp__free(m->head);
    dp__free(m->hinfo);
    dp__free(m->live);
    dp__free(m->have);
    dp__free(m->info);
    memset(m, 0, sizeof *m);
}

static int merge_pull(dp__termmerge *m, size_t s)
{
    int rc = dp__term_iter_next(m->it[s], &m->head[s], &m->hinfo[s]);
    m->live[s] = rc == DP_OK;
    return rc == DP_ENOTFOUND ? DP_OK : rc;
}

int dp__termmerge_open(dp__corpus *c, dp__termmerge *m)
{
    size_t n = dp__snap_nsegs(c->snap);
    int rc = DP_OK;

    memset(m, 0, sizeof *m);
    m->nsegs = n;
    m->it = dp__calloc(n + 1, sizeof *m->it);
    m->head = dp__calloc(n + 1, sizeof *m->head);
    m->hinfo = dp__calloc(n + 1, sizeof *m->hinfo);
    m->live = dp__calloc(n + 1, sizeof *m->live);
    m->have = dp__calloc(n + 1, sizeof *m->have);
    m->info = dp__calloc(n + 1, sizeof *m->info);
    if (!m->it || !m->head || !m->hinfo || !m->live || !m->have || !m->info)
        rc = DP_ENOMEM;
    for (size_t s = 0; s < n && rc == DP_OK; s++) {
        rc = dp__term_iter_open(dp__snap_seg(c->snap, s), "", 0, &m->it[s]);
        if (rc == DP_OK)
            rc = merge_pull(m, s);
    }
    if (rc != DP_OK)
        dp__termmerge_close(m);
    return rc;
}

static int slice_cmp(dp_slice a, dp_slice b)
{
    size_t k = a.n < b.n ? a.n : b.n;
    int c = k ? memcmp(a.p, b.p, k) : 0;
    return c ? c : (a.n > b.n) - (a.n < b.n);
}

int dp__termmerge_next(dp__termmerge *m)
{
    long min = -1;

    for (size_t s = 0; s < m->nsegs; s++)
        if (m->live[s] && (min < 0 || slice_cmp(m->head[s], m->head[min]) < 0))
            min = (long)s;
    if (min < 0)
        return DP_ENOTFOUND;
    m->term_len = m->head[min].n < DP__TERM_MAX ? m->head[min].n
                                                : DP__TERM_MAX - 1;
    memcpy(m->term, m->head[min].p, m->term_len);
    for (size_t s = 0; s < m->nsegs; s++) {
        dp_slice t = {m->term, m->term_len};
        m->have[s] = m->live[s] && slice_cmp(m->head[s], t) == 0;
        if (m->have[s]) {
            int rc;
            m->info[s] = m->hinfo[s];
            rc = merge_pull(m, s);
            if (rc != DP_OK)
                return rc;
        }
    }
    return DP_OK;
}

/**************************************************************************
** Documents matching a query.
*/

int dp__corpus_mark(dp__corpus *c, const dp_query *q, uint8_t **marks,
                    uint8_t val, uint64_t *docs, uint64_t *tokens)
{
    dp__eval ev;
    int rc = dp__eval_init(&ev, q, c->snap);

    for (size_t s = 0; s < dp__snap_nsegs(c->snap) && rc == DP_OK; s++) {
        const dp__segment *g = dp__snap_seg(c->snap, s);
        dp__mt *m = NULL;
        uint32_t d = 0;
        rc = dp__mt_build(&ev, g, false, &m);
        while (rc == DP_OK) {
            rc = dp__mt_advance(m, d, &d);
            if (rc != DP_OK || d == DP__DOC_END)
                break;
            if (marks[s][d] == 0) {
                marks[s][d] = val;
                (*docs)++;
                *tokens += dp__seg_doc_len(g, d);
            }
            d++;
        }
        dp__mt_free(m);
    }
    dp__eval_free(&ev);
    return rc;
}

/**************************************************************************
** Re-analysis of a stored document.
*/

void dp__doctext_free(dp__doctext *d)
{
    dp__free(d->tok);
    dp__buf_free(&d->strs);
    memset(d, 0, sizeof *d);
}

/* Does the gap text[from..to) end a sentence? */
static bool gap_ends_sentence(const char *p, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '.' || ch == '!' || ch == '?' || ch == '\n')
            return true;
        /* U+2026 HORIZONTAL ELLIPSIS */
        if (ch == 0xE2 && i + 2 < to && (unsigned char)p[i + 1] == 0x80 &&
            (unsigned char)p[i + 2] == 0xA6)
            return true;
    }
    return false;
}

typedef struct dt_ctx {
    dp__doctext *d;
    const char *text;
    uint32_t base;
} dt_ctx;

static int dt_token(void *ctx, const dp_token *tok)
{
    dt_ctx *x = ctx;
    dp__doctext *d = x->d;
    dp__dtok *t;
    uint64_t pos = (uint64_t)x->base + tok->pos;

    if (tok->term_len == 0 || tok->term_len >= DP__TERM_MAX ||
        pos >= UINT32_MAX / 2)
        return 0; /* the writer does not index these */
    if (!(tok->flags & DP_TOKEN_COMPOUND)) {
        if (d->prev_end != SIZE_MAX && tok->start >= d->prev_end &&
            gap_ends_sentence(x->text, d->prev_end, tok->start))
            d->sent++;
        d->prev_end = tok->end;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        dp__dtok *nt = dp__realloc(d->tok, cap * sizeof *nt);
        if (nt == NULL)
            goto oom;
        d->tok = nt;
        d->cap = cap;
    }
    t = &d->tok[d->n];
    t->pos = (uint32_t)pos;
    t->start = (uint32_t)tok->start;
    t->end = (uint32_t)tok->end;
    t->sent = d->sent;
    t->in_title = d->title;
    t->flags = (uint8_t)tok->flags;
    t->term_off = (uint32_t)d->strs.n;
    t->term_len = (uint8_t)tok->term_len;
    if (dp__buf_append(&d->strs, tok->term, tok->term_len) != DP_OK)
        goto oom;
    t->form_off = (uint32_t)d->strs.n;
    t->form_len = (uint8_t)(tok->form_len < DP__TERM_MAX ? tok->form_len
                                                         : DP__TERM_MAX - 1);
    if (dp__buf_append(&d->strs, tok->form, t->form_len) != DP_OK)
        goto oom;
    d->n++;
    return 0;
oom:
    d->rc = DP_ENOMEM;
    return 1;
}

static int dt_field(dp__corpus *c, dp__doctext *d, dp_slice s, uint32_t base,
                    bool title)
{
    dt_ctx x = {d, s.p, base};
    int rc;

    if (s.n == 0)
        return DP_OK;
    if (d->n > 0)
        d->sent++;
    d->prev_end = SIZE_MAX;
    d->title = title;
    rc = dp_analyze(c->an, d->cols.lang, s.p, s.n, dt_token, &x);
    return d->rc != DP_OK ? d->rc : rc;
}

int dp__doctext_load(dp__corpus *c, const dp__segment *g, uint32_t doc,
                     dp__doctext *d)
{
    int rc;

    d->n = 0;
    d->sent = 0;
    d->rc = DP_OK;
    dp__buf_clear(&d->strs);
    dp__seg_doc_cols(g, doc, &d->cols);
    rc = dp__seg_fetch(g, doc, &c->fetch, &d->rec);
    if (rc != DP_OK)
        return rc;
    if (d->rec.title.n + d->rec.text.n >= UINT32_MAX)
        return DP_ECORRUPT;
    rc = dt_field(c, d, d->rec.title, 0, true);
    if (rc == DP_OK)
        rc = dt_field(c, d, d->rec.text,
                      d->cols.title_len ? d->cols.title_len + 1 : 0, false);
    return rc;
}

size_t dp__doctext_find(const dp__doctext *d, uint32_t pos)
{
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->tok[mid].pos < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/**************************************************************************
** The best k of n items.
*/

typedef int (*topk_cmp)(const void *, const void *, void *);

static void swap_bytes(char *a, char *b, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        char t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

/* Max-heap on cmp: the root is the worst of the items kept. */
static void heap_down(char *h, size_t n, size_t size, size_t i, topk_cmp cmp,
                      void *arg)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && cmp(h + l * size, h + m * size, arg) > 0)
            m = l;
        if (l + 1 < n && cmp(h + (l + 1) * size, h + m * size, arg) > 0)
            m = l + 1;
        if (m == i)
            return;
        swap_bytes(h + i * size, h + m * size, size);
        i = m;
    }
}

size_t dp__corpus_topk(void *base, size_t n, size_t size, size_t k,
                       topk_cmp cmp, void *arg)
{
    char *b = base;
    if (k == 0 || k >= n / 4) {
        qsort_r(base, n, size, cmp, arg);
        return k && k < n ? k : n;
    }
    for (size_t i = k / 2 + 1; i-- > 0;)
        heap_down(b, k, size, i, cmp, arg);
    for (size_t i = k; i < n; i++)
        if (cmp(b + i * size, b, arg) < 0) {
            swap_bytes(b + i * size, b, size);
            heap_down(b, k, size, 0, cmp, arg);
        }
    qsort_r(base, k, size, cmp, arg);
    return k;
}
