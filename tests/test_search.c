/* test_search.c -- search, counts and timelines against brute force.
**
** A corpus is generated with a fixed seed (Zipf-skewed vocabulary in
** French, English and German, titles, sources, dates across years at
** every precision and some undated), indexed through the real archive API
** into several segments (a 128 KB memory limit, three commits), with
** replacements and deletions.  The test keeps its own model of the live
** documents, analysed with dp_analyze exactly as the writer does, and for
** hundreds of generated queries evaluates the query tree naively over it:
** the result set, the total, the BM25 score of every hit (to 1e-6, with df
** summed over segments as the index keeps it), the pruned top-k against
** the full ranking, and the per-period timeline counts must all agree. */
#include "dp_int.h"
#include "test.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ generator */

static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}
static uint32_t rnd_n(uint32_t n) { return rnd() % n; }

static const char *const vocab_fr[] = {
    "le", "la", "de", "et", "président", "Macron", "Poutine", "guerre",
    "Russie", "Ukraine", "l'Élysée", "présidents", "économie",
    "économique", "économiques", "Etats-Unis", "gaz", "blé", "paix", "mer",
    "noire", "Otan", "Kremlin", "d'Europe", "présidentielle", "guerres",
    "ministre", "ministres", "sanctions", "sanction", "chef", "Etat",
    "qu'il", "négociations", "négocier", "élection", "élections", "porte-parole",
    "Roumanie", "armée", "armées", "2022", "3,5", "Kiev", "Kyiv", "Marioupol",
    "réfugiés", "réfugié", "inflation", "prix", "énergie", "nucléaire", "des",
    "les", "un", "une", "à", "en", "pour", "avec", "sur", "dans", "a",
};
static const char *const vocab_en[] = {
    "the", "of", "and", "president", "presidents", "war", "wars", "peace",
    "Russia", "Ukraine", "economy", "economic", "Macron", "Putin", "gas",
    "wheat", "sea", "black", "NATO", "minister", "sanctions", "election",
    "elections", "army", "United-States", "refugees", "inflation", "energy",
    "nuclear", "talks", "a", "to", "in", "is",
};
static const char *const vocab_de[] = {
    "der", "die", "und", "Präsident", "Krieg", "Kriege", "Frieden",
    "Russland", "Ukraine", "Wirtschaft", "Gas", "Macron", "Putin",
    "Sanktionen", "Minister", "Wahl", "Wahlen", "Armee", "Energie",
};
static const char *const sources[] = {"lemonde", "afp", "Libération"};

typedef struct vocab {
    const char *lang;
    const char *const *w;
    size_t n;
} vocab;

static const vocab vocabs[] = {
    {"fr", vocab_fr, DP_ARRAY_LEN(vocab_fr)},
    {"en", vocab_en, DP_ARRAY_LEN(vocab_en)},
    {"de", vocab_de, DP_ARRAY_LEN(vocab_de)},
};

/* Zipf: rank r with probability ~ 1 / (r + 1). */
static const char *zipf_word(const vocab *v)
{
    double h = 0, x;
    for (size_t r = 0; r < v->n; r++)
        h += 1.0 / (double)(r + 1);
    x = (double)rnd_n(1000000) / 1e6 * h;
    for (size_t r = 0; r < v->n; r++) {
        x -= 1.0 / (double)(r + 1);
        if (x <= 0)
            return v->w[r];
    }
    return v->w[v->n - 1];
}

static void gen_words(dp_buf *b, const vocab *v, int n)
{
    for (int i = 0; i < n; i++) {
        if (i)
            dp__buf_putc(b, rnd_n(15) == 0 ? '\n' : ' ');
        dp__buf_printf(b, "%s", zipf_word(v));
    }
}

static dp_date gen_date(void)
{
    dp_date d;
    uint32_t p = rnd_n(100);
    static const unsigned dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    memset(&d, 0, sizeof d);
    d.year = (int16_t)(2019 + rnd_n(4));
    d.month = (uint8_t)(1 + rnd_n(12));
    d.day = (uint8_t)(1 + rnd_n(dim[d.month - 1]));
    d.prec = p < 4 ? DP_PREC_NONE : p < 10 ? DP_PREC_YEAR
           : p < 20 ? DP_PREC_MONTH : p < 75 ? DP_PREC_DAY : DP_PREC_TIME;
    if (d.prec == DP_PREC_NONE)
        memset(&d, 0, sizeof d);
    if (d.prec < DP_PREC_MONTH)
        d.month = 0;
    if (d.prec < DP_PREC_DAY)
        d.day = 0;
    if (d.prec == DP_PREC_TIME) {
        d.hour = (uint8_t)rnd_n(24);
        d.minute = (uint8_t)rnd_n(60);
    }
    return d;
}

/* ------------------------------------------------------------ the model */

typedef struct mtok {
    char *term, *form;
    uint32_t pos;
    unsigned flags;
} mtok;

typedef struct mdoc {
    char id[16];
    bool live;
    dp_date date;
    char lang[4];
    const char *source;
    char *title, *text;
    mtok *t;
    size_t nt, cap;
    uint32_t title_len, dl, base;
} mdoc;

#define MAXDOCS 900
static mdoc docs[MAXDOCS];
static size_t ndocs;
static dp_analyzer *an;
static dp_archive *ar;
static char dir[64];
static int corpus_ok;

static int model_tok(void *ctx, const dp_token *tok)
{
    mdoc *d = ctx;
    if (d->nt == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 32;
        d->t = realloc(d->t, d->cap * sizeof *d->t);
    }
    d->t[d->nt].term = strndup(tok->term, tok->term_len);
    d->t[d->nt].form = strndup(tok->form, tok->form_len);
    d->t[d->nt].pos = tok->pos + d->base;
    d->t[d->nt].flags = tok->flags;
    if (!(tok->flags & DP_TOKEN_COMPOUND))
        d->dl++;
    d->nt++;
    return 0;
}

static void model_analyze(mdoc *d)
{
    uint32_t maxp = 0;
    d->base = 0;
    dp_analyze(an, d->lang, d->title, strlen(d->title), model_tok, d);
    for (size_t i = 0; i < d->nt; i++)
        if (d->t[i].pos + 1 > maxp)
            maxp = d->t[i].pos + 1;
    d->title_len = maxp;
    d->base = maxp ? maxp + 1 : 0;
    dp_analyze(an, d->lang, d->text, strlen(d->text), model_tok, d);
}

static void gen_doc(mdoc *d, int n)
{
    uint32_t lp = rnd_n(100);
    const vocab *v = &vocabs[lp < 70 ? 0 : lp < 92 ? 1 : 2];
    dp_buf b = DP_BUF_INIT;
    snprintf(d->id, sizeof d->id, "d%d", n);
    snprintf(d->lang, sizeof d->lang, "%s", v->lang);
    d->date = gen_date();
    d->source = sources[rnd_n(3)];
    gen_words(&b, v, 2 + (int)rnd_n(5));
    d->title = strdup(b.p);
    dp__buf_clear(&b);
    gen_words(&b, v, rnd_n(10) == 0 ? 0 : 5 + (int)rnd_n(50));
    d->text = strdup(b.p ? b.p : "");
    dp__buf_free(&b);
    d->live = true;
    model_analyze(d);
}

static void free_doc(mdoc *d)
{
    for (size_t i = 0; i < d->nt; i++) {
        free(d->t[i].term);
        free(d->t[i].form);
    }
    free(d->t);
    free(d->title);
    free(d->text);
    memset(d, 0, sizeof *d);
}

static int add_doc(dp_writer *w, const mdoc *d)
{
    dp_record rec;
    memset(&rec, 0, sizeof rec);
    rec.id.p = d->id;
    rec.id.n = strlen(d->id);
    rec.date = d->date;
    rec.title.p = d->title;
    rec.title.n = strlen(d->title);
    rec.text.p = d->text;
    rec.text.n = strlen(d->text);
    rec.source.p = d->source;
    rec.source.n = strlen(d->source);
    rec.lang.p = d->lang;
    rec.lang.n = strlen(d->lang);
    return dp_writer_add(w, &rec, NULL);
}

/* Build the archive: 3 commits, a 128 KB memory limit (6 segments),
** replacements (same id again) and deletions. */
static int build_corpus(void)
{
    dp_writer_options wo = DP_WRITER_OPTIONS_INIT;
    dp_writer *w = NULL;
    int rc;

    rng_state = 0x9E3779B97F4A7C15ull;
    snprintf(dir, sizeof dir, "/tmp/dp-test-search.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return DP_EIO;
    rc = dp_archive_open(&ar, dir, DP_ARCHIVE_CREATE);
    if (rc != DP_OK)
        return rc;
    rc = dp_analyzer_new(&an, NULL);
    wo.memory_limit = 128 * 1024;
    wo.merge = 0;
    if (rc == DP_OK)
        rc = dp_writer_begin(ar, &wo, &w);
    for (int batch = 0; batch < 3 && rc == DP_OK; batch++) {
        for (int i = 0; i < 180 && rc == DP_OK; i++) {
            mdoc *d = &docs[ndocs];
            gen_doc(d, (int)ndocs);
            if (batch > 0 && rnd_n(10) == 0) {
                /* replace an older document: same id, new content */
                size_t old = rnd_n((uint32_t)ndocs);
                if (docs[old].live) {
                    docs[old].live = false;
                    memcpy(d->id, docs[old].id, sizeof d->id);
                }
            }
            rc = add_doc(w, d);
            ndocs++;
        }
        for (int k = 0; k < 15 && rc == DP_OK && batch > 0; k++) {
            size_t v = rnd_n((uint32_t)ndocs);
            if (!docs[v].live)
                continue;
            rc = dp_writer_delete(w, docs[v].id, strlen(docs[v].id));
            docs[v].live = false;
        }
        if (rc == DP_OK)
            rc = dp_writer_commit(w);
    }
    if (rc != DP_OK && w)
        printf("  writer: %s\n", dp_writer_errmsg(w));
    dp_writer_close(w);
    return rc;
}

/* ------------------------------------------------------ naive evaluator */

typedef struct occs {
    uint32_t s[4096];
    size_t n;
    uint32_t span;
    size_t tokens; /* matching tokens (tf of a one-term leaf) */
} occs;

static bool tok_prefix(const mtok *t, const dp__qterm *p)
{
    size_t tl = strlen(t->term), fl = strlen(t->form);
    if (tl >= p->len && memcmp(t->term, p->text, p->len) == 0)
        return true;
    return tl < p->len && memcmp(p->text, t->term, tl) == 0 &&
           fl >= p->len && memcmp(t->form, p->text, p->len) == 0;
}

/* A query term: its form (=exact), what it begins (word* in a phrase),
** or its term. */
static bool tok_is(const mtok *t, const dp__qterm *q)
{
    if (q->prefix)
        return tok_prefix(t, q);
    return q->exact ? strcmp(t->form, q->text) == 0
                    : strcmp(t->term, q->text) == 0;
}

static bool has_at(const mdoc *d, const dp__qterm *q, uint32_t pos)
{
    for (size_t i = 0; i < d->nt; i++)
        if (d->t[i].pos == pos && tok_is(&d->t[i], q))
            return true;
    return false;
}

static void add_start(occs *o, uint32_t s)
{
    for (size_t i = 0; i < o->n; i++)
        if (o->s[i] == s)
            return;
    if (o->n < DP_ARRAY_LEN(o->s))
        o->s[o->n++] = s;
}

static void leaf_occs(const mdoc *d, const dp__qnode *nd, occs *o)
{
    uint32_t lim = nd->field == DP_QF_TITLE ? d->title_len : UINT32_MAX;
    o->n = 0;
    o->tokens = 0;
    o->span = nd->kind == DP_QK_PREFIX ? 0 : nd->terms[nd->nterms - 1].pos;
    for (size_t i = 0; i < d->nt; i++) {
        const mtok *t = &d->t[i];
        bool ok;
        if (nd->kind == DP_QK_PREFIX)
            ok = tok_prefix(t, &nd->terms[0]);
        else
            ok = tok_is(t, &nd->terms[0]);
        for (uint32_t k = 1; ok && k < nd->nterms; k++)
            ok = has_at(d, &nd->terms[k], t->pos + nd->terms[k].pos);
        if (ok && (uint64_t)t->pos + o->span < lim) {
            o->tokens++;
            add_start(o, t->pos);
        }
    }
}

static bool date_in(const dp_date *dt, int32_t lo, int32_t hi)
{
    int32_t a, b;
    if (!dp__query_date_span(dt, &a, &b))
        return false;
    return a >= lo && b <= hi;
}

static bool eval(const mdoc *d, const dp__qnode *nd)
{
    occs a, b;
    switch (nd->kind) {
    case DP_QK_NONE: return false;
    case DP_QK_ALL: return true;
    case DP_QK_PHRASE:
    case DP_QK_PREFIX:
        leaf_occs(d, nd, &a);
        return a.n > 0;
    case DP_QK_NEAR:
        leaf_occs(d, nd->kids[0], &a);
        leaf_occs(d, nd->kids[1], &b);
        for (size_t i = 0; i < a.n; i++)
            for (size_t j = 0; j < b.n; j++) {
                int64_t ae = (int64_t)a.s[i] + a.span, be = (int64_t)b.s[j] + b.span;
                int64_t dist = b.s[j] > ae ? b.s[j] - ae
                             : a.s[i] > be ? a.s[i] - be : 0;
                if (dist <= nd->near)
                    return true;
            }
        return false;
    case DP_QK_AND:
        for (uint32_t i = 0; i < nd->nkids; i++)
            if (!eval(d, nd->kids[i]))
                return false;
        return true;
    case DP_QK_OR:
        for (uint32_t i = 0; i < nd->nkids; i++)
            if (eval(d, nd->kids[i]))
                return true;
        return false;
    case DP_QK_NOT: return !eval(d, nd->kids[0]);
    case DP_QK_DATE: return date_in(&d->date, nd->date_lo, nd->date_hi);
    case DP_QK_META:
        if (nd->field == DP_QF_SOURCE)
            return strcmp(d->source, nd->raw) == 0;
        return strcasecmp(d->lang, nd->raw) == 0;
    }
    return false;
}

/* df as the index keeps it: summed over segments, deleted docs included.
** Cached per query term (the cache is reset for each query). */
static const dp__qterm *df_key[256];
static double df_val[256];
static size_t df_n;

static double index_df_uncached(const dp__qterm *q);
static double index_df(const dp__qterm *q)
{
    for (size_t i = 0; i < df_n; i++)
        if (df_key[i] == q)
            return df_val[i];
    if (df_n == 256)
        return index_df_uncached(q);
    df_key[df_n] = q;
    df_val[df_n] = index_df_uncached(q);
    return df_val[df_n++];
}

static dp__snap *model_snap; /* one snapshot for all df look-ups */

typedef struct df_sum {
    const dp__segment *g;
    double df;
} df_sum;

/* A prefix's df: the sum of what it expands to (the library's expansion,
** dp__query_term_specs; the model checks how they are matched and
** scored). */
static int add_spec_df(void *ctx, const dp__term_info *t, int form)
{
    df_sum *s = ctx;
    dp__form_buf fb;
    if (form < 0) {
        s->df += t->df;
        return DP_OK;
    }
    if (dp__term_form(s->g, t, (uint32_t)form, &fb) != DP_OK)
        return DP_ECORRUPT;
    s->df += fb.info.df;
    return DP_OK;
}

static double index_df_uncached(const dp__qterm *q)
{
    dp__snap *s = model_snap;
    double df = 0;
    if (s == NULL && dp__snap_open(ar, &model_snap) != DP_OK)
        return -1;
    s = model_snap;
    for (size_t i = 0; i < dp__snap_nsegs(s); i++) {
        const dp__segment *g = dp__snap_seg(s, i);
        dp__term_info ti;
        if (q->prefix) {
            df_sum sum = {g, 0};
            if (dp__query_term_specs(g, q, add_spec_df, &sum) != DP_OK)
                return -1;
            df += sum.df;
            continue;
        }
        if (!q->exact) {
            if (dp__seg_term_find(g, q->text, q->len, &ti) == DP_OK)
                df += ti.df;
            continue;
        }
        for (uint32_t c = 0; c < q->ncands; c++) {
            uint32_t f;
            dp__form_buf fb;
            if (dp__seg_term_find(g, q->cands[c], q->cand_lens[c], &ti) ==
                    DP_OK &&
                dp__term_form_find(g, &ti, q->text, q->len, &f) == DP_OK &&
                dp__term_form(g, &ti, f, &fb) == DP_OK)
                df += fb.info.df;
        }
    }
    return df;
}

typedef struct model_stats {
    double N, avgdl;
} model_stats;

/* Branch semantics: the leaves of the branches that match d score. */
static void score_leaves(const mdoc *d, const dp__qnode *nd,
                         const model_stats *ms, double *sum)
{
    if (nd->kind == DP_QK_NOT || !eval(d, nd))
        return;
    if (nd->kind == DP_QK_PHRASE || nd->kind == DP_QK_PREFIX) {
        occs o;
        double idf = 0, tf;
        leaf_occs(d, nd, &o);
        tf = nd->nterms == 1 && nd->field != DP_QF_TITLE ? (double)o.tokens
                                                         : (double)o.n;
        for (uint32_t i = 0; i < nd->nterms; i++) {
            double df = index_df(&nd->terms[i]);
            df = df > ms->N ? ms->N : df;
            idf += log(1 + (ms->N - df + 0.5) / (df + 0.5));
        }
        *sum += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * d->dl / ms->avgdl));
        return;
    }
    for (uint32_t i = 0; i < nd->nkids; i++)
        score_leaves(d, nd->kids[i], ms, sum);
}

/* N and the average length of the live model documents. */
static model_stats live_stats(void)
{
    model_stats ms;
    memset(&ms, 0, sizeof ms);
    for (size_t i = 0; i < ndocs; i++)
        if (docs[i].live) {
            ms.N++;
            ms.avgdl += docs[i].dl;
        }
    ms.avgdl /= ms.N;
    return ms;
}

/* ------------------------------------------------------- query maker */

static const char *rand_word(void)
{
    const mdoc *d;
    do
        d = &docs[rnd_n((uint32_t)ndocs)];
    while (!d->live);
    {
        const vocab *v = &vocabs[strcmp(d->lang, "fr") == 0 ? 0
                                 : strcmp(d->lang, "en") == 0 ? 1 : 2];
        return v->w[rnd_n((uint32_t)(v->n < 30 ? v->n : 30))];
    }
}

/* Two or three consecutive words from a live doc's text, quoted; one in
** four ends with a prefix of its last word ("mer noi*"). */
static void rand_phrase(dp_buf *b)
{
    size_t open = b->n;
    const mdoc *d;
    const char *s;
    size_t n, start, words = 2 + rnd_n(2), k = 0;
    do
        d = &docs[rnd_n((uint32_t)ndocs)];
    while (!d->live || strlen(d->text) < 20);
    s = d->text;
    n = strlen(s);
    start = rnd_n((uint32_t)(n - 10));
    while (start > 0 && s[start - 1] != ' ' && s[start - 1] != '\n')
        start--;
    dp__buf_putc(b, '"');
    for (size_t i = start; i < n; i++) {
        char c = s[i] == '\n' ? ' ' : s[i];
        if (c == ' ' && ++k == words)
            break;
        dp__buf_putc(b, c);
    }
    if (rnd_n(4) == 0) {
        size_t w = b->n, keep;
        while (w > open + 1 && b->p[w - 1] != ' ')
            w--;
        keep = w + 3;
        while (keep < b->n && ((unsigned char)b->p[keep] & 0xC0) == 0x80)
            keep++;
        if (keep < b->n) {
            b->n = keep;
            dp__buf_putc(b, '*');
        }
    }
    dp__buf_putc(b, '"');
}

static void rand_date(dp_buf *b)
{
    int y = 2019 + (int)rnd_n(4), m = 1 + (int)rnd_n(12);
    switch (rnd_n(5)) {
    case 0: dp__buf_printf(b, "date:%d", y); break;
    case 1: dp__buf_printf(b, "date:%d-%02d", y, m); break;
    case 2: dp__buf_printf(b, "date:%d-%02d-15..%d", y, m, y + 1); break;
    case 3: dp__buf_printf(b, "date:..%d-%02d", y, m); break;
    default: dp__buf_printf(b, "date:%d-%02d..", y, m); break;
    }
}

static void rand_atom(dp_buf *b)
{
    const char *w = rand_word();
    switch (rnd_n(12)) {
    case 0: rand_phrase(b); break;
    case 1: {
        size_t n = strlen(w) < 4 ? strlen(w) : 3 + rnd_n(2);
        while (n < strlen(w) && ((unsigned char)w[n] & 0xC0) == 0x80)
            n++;
        dp__buf_printf(b, "%.*s*", (int)n, w);
        break;
    }
    case 2: dp__buf_printf(b, "=%s", w); break;
    case 3: dp__buf_printf(b, "%s NEAR/%u %s", w, rnd_n(6), rand_word()); break;
    case 4: dp__buf_printf(b, "title:%s", w); break;
    case 5: rand_date(b); break;
    case 6: dp__buf_printf(b, "source:%s", sources[rnd_n(3)]); break;
    case 7: dp__buf_printf(b, "lang:%s", vocabs[rnd_n(3)].lang); break;
    default: dp__buf_printf(b, "%s", w); break;
    }
}

static void rand_query(dp_buf *b, int depth)
{
    uint32_t k = rnd_n(depth > 1 ? 3 : 8);
    rand_atom(b);
    if (k == 1) {
        dp__buf_printf(b, " ");
        rand_atom(b);
    } else if (k == 2) {
        dp__buf_printf(b, " OR ");
        rand_atom(b);
    } else if (k == 3) {
        dp__buf_printf(b, " -");
        rand_atom(b);
    } else if (k == 4) {
        dp__buf_printf(b, " (");
        rand_query(b, depth + 1);
        dp__buf_printf(b, ") ");
    } else if (k == 5) {
        dp__buf_printf(b, " AND NOT (");
        rand_query(b, depth + 1);
        dp__buf_printf(b, ")");
    } else if (k == 6) {
        dp__buf_printf(b, " OR (");
        rand_query(b, depth + 1);
        dp__buf_printf(b, ")");
    }
}

/* ------------------------------------------------------- the checks */

typedef struct expect {
    size_t doc;
    double score;
} expect;


/* The live model doc of a record id "dN" (replacements reuse ids). */
static size_t find_doc(const char *id, size_t n)
{
    size_t k = 0;
    if (n < 2 || id[0] != 'd')
        return SIZE_MAX;
    for (size_t i = 1; i < n; i++)
        k = k * 10 + (size_t)(id[i] - '0');
    if (k < ndocs && docs[k].live && strlen(docs[k].id) == n &&
        memcmp(docs[k].id, id, n) == 0)
        return k;
    for (size_t i = k + 1; i < ndocs; i++)
        if (docs[i].live && strlen(docs[i].id) == n &&
            memcmp(docs[i].id, id, n) == 0)
            return i;
    return SIZE_MAX;
}

static int failures;
#define QCHECK(cond, ...)                                                \
    do {                                                                 \
        bool qcheck_ok_ = (cond);                                        \
        CHECK(qcheck_ok_);                                               \
        if (!qcheck_ok_ && failures++ < 10) {                            \
            printf("    query: %s\n    ", text);                         \
            printf(__VA_ARGS__);                                         \
            printf("\n");                                                \
        }                                                                \
    } while (0)

/* Check q against the model; returns the number of matches. */
static size_t check_search(const char *text, const dp_query *q,
                           const model_stats *ms)
{
    dp_search_options so = DP_SEARCH_OPTIONS_INIT;
    dp_results *all = NULL, *top = NULL, *page = NULL, *fast = NULL;
    expect *ex = calloc(ndocs + 1, sizeof *ex);
    size_t nex = 0;
    uint64_t cnt = 0;

    df_n = 0;

    for (size_t i = 0; i < ndocs; i++)
        if (docs[i].live && eval(&docs[i], q->root)) {
            ex[nex].doc = i;
            ex[nex].score = 0;
            score_leaves(&docs[i], q->root, ms, &ex[nex].score);
            nex++;
        }
    QCHECK(dp_count(ar, q, &cnt) == DP_OK && cnt == nex,
           "count %llu, expected %zu", (unsigned long long)cnt, nex);

    so.limit = ndocs;
    QCHECK(dp_search(ar, q, &so, &all) == DP_OK, "search failed");
    if (all == NULL)
        goto out;
    QCHECK(dp_results_total(all) == nex && dp_results_count(all) == nex,
           "total %llu, hits %zu, expected %zu",
           (unsigned long long)dp_results_total(all), dp_results_count(all),
           nex);
    for (size_t i = 0; i < dp_results_count(all); i++) {
        dp_hit h;
        size_t di;
        const dp__segment *g;
        uint32_t doc;
        /* the public dp_results_hit for a few, the internals for speed */
        if (i < 3) {
            dp_slice id;
            CHECK_EQ_INT(dp_results_hit(all, i, &h), DP_OK);
            /* the id column and the stored record agree */
            CHECK_EQ_INT(dp_results_id(all, i, &id), DP_OK);
            CHECK(id.n == h.id.n && memcmp(id.p, h.id.p, id.n) == 0);
        } else {
            CHECK_EQ_INT(dp__results_doc(all, i, &g, &doc), DP_OK);
            h.id = dp__seg_doc_id(g, doc);
            h.score = all->hits[i].score;
        }
        di = find_doc(h.id.p, h.id.n);
        QCHECK(di != SIZE_MAX && eval(&docs[di], q->root),
               "hit %.*s should not match", (int)h.id.n, h.id.p);
        if (di == SIZE_MAX)
            continue;
        if (i > 0)
            QCHECK(all->hits[i - 1].score >= h.score, "not sorted at %zu", i);
        {
            double want = 0;
            score_leaves(&docs[di], q->root, ms, &want);
            QCHECK(fabs(want - h.score) < 1e-6, "score of %s: %.9f, expected %.9f",
                   docs[di].id, h.score, want);
        }
    }
    /* pruned top 10 and a page equal the head of the full ranking */
    so.limit = 10;
    QCHECK(dp_search(ar, q, &so, &top) == DP_OK, "top search failed");
    /* without the total, ranking may skip what cannot enter the top */
    so.no_total = 1;
    QCHECK(dp_search(ar, q, &so, &fast) == DP_OK, "no_total search failed");
    so.no_total = 0;
    if (top && fast) {
        QCHECK(dp_results_count(fast) == dp_results_count(top),
               "no_total count %zu", dp_results_count(fast));
        for (size_t i = 0; i < dp_results_count(fast) &&
                           i < dp_results_count(top); i++)
            QCHECK(fast->hits[i].addr == top->hits[i].addr,
                   "no_total top-k differs at %zu", i);
    }
    so.offset = 7;
    so.limit = 5;
    QCHECK(dp_search(ar, q, &so, &page) == DP_OK, "page search failed");
    if (top && page) {
        QCHECK(dp_results_total(top) == nex, "top total %llu, expected %zu",
               (unsigned long long)dp_results_total(top), nex);
        QCHECK(dp_results_count(top) == (nex < 10 ? nex : 10), "top count");
        for (size_t i = 0; i < dp_results_count(top); i++)
            QCHECK(top->hits[i].addr == all->hits[i].addr,
                   "top-k differs at %zu: %llx %.9f vs %llx %.9f", i,
                   (unsigned long long)top->hits[i].addr, top->hits[i].score,
                   (unsigned long long)all->hits[i].addr, all->hits[i].score);
        for (size_t i = 0; i < dp_results_count(page); i++)
            QCHECK(page->hits[i].addr == all->hits[7 + i].addr,
                   "page differs at %zu", i);
    }
out:
    dp_results_free(all);
    dp_results_free(top);
    dp_results_free(fast);
    dp_results_free(page);
    free(ex);
    return nex;
}

/* Naive period label of a doc, as dp_timeline names rows. */
static void naive_label(const mdoc *d, dp_period by, char *buf, size_t cap)
{
    const dp_date *t = &d->date;
    struct tm tm;
    if (t->prec == DP_PREC_NONE) {
        snprintf(buf, cap, "undated");
        return;
    }
    if (by == DP_BY_YEAR) {
        snprintf(buf, cap, "%04d", t->year);
        return;
    }
    if (t->prec == DP_PREC_YEAR) {
        snprintf(buf, cap, by == DP_BY_DAY ? "%04d-?\?-?\?"
                           : by == DP_BY_WEEK ? "%04d-W??" : "%04d-??", t->year);
        return;
    }
    if (by == DP_BY_MONTH) {
        snprintf(buf, cap, "%04d-%02u", t->year, t->month);
        return;
    }
    if (t->prec == DP_PREC_MONTH) {
        snprintf(buf, cap, by == DP_BY_DAY ? "%04d-%02u-??" : "%04d-%02u-W??",
                 t->year, t->month);
        return;
    }
    if (by == DP_BY_DAY) {
        snprintf(buf, cap, "%04d-%02u-%02u", t->year, t->month, t->day);
        return;
    }
    memset(&tm, 0, sizeof tm);
    tm.tm_year = t->year - 1900;
    tm.tm_mon = t->month - 1;
    tm.tm_mday = t->day;
    tm.tm_hour = 12;
    timegm(&tm);
    strftime(buf, cap, "%G-W%V", &tm);
}

typedef struct row_sum {
    char period[32];
    uint64_t count, total;
} row_sum;

typedef struct rows {
    row_sum r[4096];
    size_t n;
    bool order_ok;
} rows;

static int on_row(void *ctx, const dp_timeline_row *row)
{
    rows *rs = ctx;
    if (rs->n < DP_ARRAY_LEN(rs->r)) {
        snprintf(rs->r[rs->n].period, sizeof rs->r[rs->n].period, "%s",
                 row->period);
        rs->r[rs->n].count = row->count;
        rs->r[rs->n].total = row->total;
        if (row->precise && rs->n > 0 && rs->r[rs->n - 1].period[0] != 'u' &&
            strcmp(rs->r[rs->n - 1].period, row->period) >= 0 &&
            !strchr(rs->r[rs->n - 1].period, '?'))
            rs->order_ok = false;
        rs->n++;
    }
    return 0;
}

static void check_timeline(const char *text, const dp_query *q, dp_period by)
{
    static rows rs;
    static const char *names[] = {"day", "week", "month", "year"};
    static char labs[MAXDOCS][32];
    static bool hit[MAXDOCS];
    uint64_t sum_c = 0, sum_t = 0;
    size_t nm = 0, live = 0;

    rs.n = 0;
    rs.order_ok = true;
    QCHECK(dp_timeline(ar, q, by, on_row, &rs) == DP_OK, "timeline failed");
    QCHECK(rs.order_ok, "rows out of order (%s)", names[by]);
    for (size_t k = 0; k < ndocs; k++)
        if (docs[k].live) {
            naive_label(&docs[k], by, labs[k], sizeof labs[k]);
            hit[k] = eval(&docs[k], q->root);
            nm += hit[k];
            live++;
        }
    for (size_t i = 0; i < rs.n; i++) {
        uint64_t want_c = 0, want_t = 0;
        for (size_t k = 0; k < ndocs; k++) {
            if (!docs[k].live || strcmp(labs[k], rs.r[i].period) != 0)
                continue;
            want_t++;
            want_c += hit[k];
        }
        QCHECK(rs.r[i].count == want_c && rs.r[i].total == want_t,
               "%s row %s: %llu/%llu, expected %llu/%llu", names[by],
               rs.r[i].period, (unsigned long long)rs.r[i].count,
               (unsigned long long)rs.r[i].total, (unsigned long long)want_c,
               (unsigned long long)want_t);
        sum_c += rs.r[i].count;
        sum_t += rs.r[i].total;
    }
    /* Without a date range every live doc is in some row. */
    if (!strstr(text, "date:"))
        QCHECK(sum_c == nm && sum_t == live,
               "%s sums %llu/%llu, expected %zu/%zu", names[by],
               (unsigned long long)sum_c, (unsigned long long)sum_t, nm, live);
}

static void ensure_corpus(void)
{
    if (corpus_ok == 0) {
        int rc = build_corpus();
        corpus_ok = rc == DP_OK ? 1 : -1;
        if (rc != DP_OK)
            printf("  build_corpus: %s (%s)\n", dp_strerror(rc),
                   ar ? dp_archive_errmsg(ar) : "");
    }
}

TEST(corpus_statistics)
{
    dp__snap *s;
    double tokens = 0, live = 0;
    ensure_corpus();
    CHECK_EQ_INT(corpus_ok, 1);
    if (corpus_ok != 1)
        return;
    for (size_t i = 0; i < ndocs; i++)
        if (docs[i].live) {
            live++;
            tokens += docs[i].dl;
        }
    CHECK_EQ_INT(dp__snap_open(ar, &s), DP_OK);
    printf("  %zu segments, %.0f live documents\n", dp__snap_nsegs(s), live);
    CHECK(dp__snap_nsegs(s) >= 4);
    CHECK_EQ_INT(dp__snap_live_docs(s), (long long)live);
    CHECK_EQ_INT(dp__snap_total_tokens(s), (long long)tokens);
    dp__snap_close(s);
}

TEST(queries_against_brute_force)
{
    dp_query_options qo = DP_QUERY_OPTIONS_INIT;
    dp_buf b = DP_BUF_INIT;
    model_stats ms;
    int parsed = 0, nonempty = 0;

    ensure_corpus();
    if (corpus_ok != 1)
        SKIP("no corpus");
    qo.analyzer = an;
    ms = live_stats();
    rng_state = 12345;
    for (int n = 0; n < 500; n++) {
        dp_query *q;
        dp_query_error e;
        const char *text;
        uint64_t c = 0;
        dp__buf_clear(&b);
        rand_query(&b, 0);
        text = b.p;
        if (dp_query_parse(b.p, b.n, &qo, &q, &e) != DP_OK)
            continue;
        parsed++;
        check_search(text, q, &ms);
        check_timeline(text, q, (dp_period)(n % 4));
        dp_count(ar, q, &c);
        nonempty += c > 0;
        dp_query_free(q);
    }
    printf("  %d queries parsed, %d with matches\n", parsed, nonempty);
    CHECK(parsed >= 430);
    CHECK(nonempty >= 300);
    dp__buf_free(&b);
}

TEST(fixed_queries)
{
    /* A few hand-picked queries of every operator through the same checks. */
    static const char *const qs[] = {
        "guerre", "Macron Poutine", "Macron OR Poutine", "guerre -Russie",
        "\"mer noire\"", "présid*", "econo*", "=présidents", "=président",
        "Etats-Unis", "Macron NEAR/3 Poutine", "title:guerre",
        "title:\"mer noire\"", "date:2021", "date:2020-03", "date:..2020",
        "date:2021-06..", "date:2020-01-15..2020-03", "source:afp guerre",
        "lang:en war", "NOT guerre", "(guerre OR paix) date:2022",
        "le", "the war", "war OR Krieg", "-date:2020 paix",
        "économiques*", "Präsident", "porte-parole", "3,5",
        /* prefixes of many terms under AND, OR, NOT (read by windows of
        ** their documents, merged_adv) and at the root (rank_atom_bulk) */
        "p* guerre", "guerre -p*", "(p* OR m*) date:2021", "m* p* c*",
        "guerre -(p* date:2021)", "w* OR k*", "d* s*", "\"guerre en p*\"",
        "p* NEAR/3 m*", "a*", "s* -s*", "e* source:afp",
        /* one word with NOTs and filters: ranked over the AND's bitmap */
        "guerre -paix", "président -guerre date:2021", "=présidents -paix",
        "=président date:..2021", "war -the", "paix -(guerre OR mer)",
        "Krieg -source:afp lang:de",
    };
    dp_query_options qo = DP_QUERY_OPTIONS_INIT;
    model_stats ms;

    ensure_corpus();
    if (corpus_ok != 1)
        SKIP("no corpus");
    qo.analyzer = an;
    ms = live_stats();
    for (size_t i = 0; i < DP_ARRAY_LEN(qs); i++) {
        const char *text = qs[i];
        dp_query *q;
        dp_query_error e;
        int rc = dp_query_parse(text, strlen(text), &qo, &q, &e);
        QCHECK(rc == DP_OK, "parse: %s", e.message);
        if (rc != DP_OK)
            continue;
        check_search(text, q, &ms);
        for (int by = 0; by < 4; by++)
            check_timeline(text, q, (dp_period)by);
        dp_query_free(q);
    }
}

/* A term of several cursors (a prefix, an =form under several stems) is
** ranked a window at a time (rank_atom_bulk); the same term with a NOT of
** a word no document has is an AND, ranked by the generic walk.  Both
** must give the same hits, scores (bit for bit: the same expression on
** the same sum) and totals, with and without the total, and the count
** and timeline (a bitmap, the forms' cursors walked) the same number. */
static void check_bulk_twin(dp_archive *arch, const char *text)
{
    dp_query_options qo = DP_QUERY_OPTIONS_INIT;
    dp_search_options so = DP_SEARCH_OPTIONS_INIT;
    dp_query *q = NULL, *t = NULL;
    dp_query_error e;
    char twin[128];
    uint64_t c1 = 0, c2 = 0;
    qo.analyzer = an;
    snprintf(twin, sizeof twin, "%s -qzxwvk", text);
    if (dp_query_parse(text, strlen(text), &qo, &q, &e) != DP_OK ||
        dp_query_parse(twin, strlen(twin), &qo, &t, &e) != DP_OK) {
        QCHECK(false, "parse: %s", e.message);
        dp_query_free(q);
        return;
    }
    for (int mode = 0; mode < 3; mode++) {
        dp_results *a = NULL, *b = NULL;
        so.limit = mode == 0 ? ndocs : 10;
        so.no_total = mode == 2;
        QCHECK(dp_search(arch, q, &so, &a) == DP_OK &&
                   dp_search(arch, t, &so, &b) == DP_OK,
               "search failed");
        if (a && b) {
            bool same = dp_results_count(a) == dp_results_count(b) &&
                        (mode == 2 ||
                         dp_results_total(a) == dp_results_total(b));
            for (size_t i = 0; same && i < dp_results_count(a); i++)
                same = a->hits[i].addr == b->hits[i].addr &&
                       a->hits[i].score == b->hits[i].score;
            QCHECK(same, "mode %d: %zu hits, total %llu; twin %zu, %llu",
                   mode, dp_results_count(a),
                   (unsigned long long)dp_results_total(a),
                   dp_results_count(b),
                   (unsigned long long)dp_results_total(b));
            if (mode == 0)
                QCHECK(dp_count(arch, q, &c1) == DP_OK &&
                           dp_count(arch, t, &c2) == DP_OK && c1 == c2 &&
                           c1 == dp_results_total(a),
                       "count %llu, twin %llu, total %llu",
                       (unsigned long long)c1, (unsigned long long)c2,
                       (unsigned long long)dp_results_total(a));
        }
        dp_results_free(a);
        dp_results_free(b);
    }
    if (arch == ar)
        check_timeline(text, q, DP_BY_MONTH);
    dp_query_free(q);
    dp_query_free(t);
}

TEST(several_cursor_terms_ranked_in_bulk)
{
    ensure_corpus();
    if (corpus_ok != 1)
        SKIP("no corpus");
    for (size_t v = 0; v < DP_ARRAY_LEN(vocabs); v++)
        for (size_t i = 0; i < 12 && i < vocabs[v].n; i++) {
            const char *w = vocabs[v].w[i];
            char text[64];
            size_t n = 1 + i % 3;
            while (n < strlen(w) && ((unsigned char)w[n] & 0xC0) == 0x80)
                n++;
            snprintf(text, sizeof text, "%.*s*", (int)n, w);
            check_bulk_twin(ar, text);
            snprintf(text, sizeof text, "=%s", w);
            check_bulk_twin(ar, text);
        }
    check_bulk_twin(ar, "g*");
    check_bulk_twin(ar, "p*");
}

TEST(ranking_paths)
{
    /* Queries of the shapes that have their own paths, through the same
    ** checks: phrases of frequent words (words in most documents of a
    ** segment are checked only where the rarer words align; repeated
    ** words are separate atoms), ORs of single terms (one merge of their
    ** cursors) and ORs that cannot take it (more than 16 terms, a prefix,
    ** a phrase).  The first ones must match. */
    static const char *const must_match[] = {
        "\"de la\"", "\"le de\"", "\"la de le\"", "\"de le de\"",
        "\"la guerre\"", "\"la guerre de\"", "\"le président de\"",
        "\"de la\" guerre", "guerre OR paix OR =président",
        "guerre OR paix OR mer OR noire OR gaz OR blé OR prix OR énergie OR "
        "inflation OR armée OR Kiev OR Otan OR Kremlin OR ministre OR chef OR "
        "Etat OR sanctions",
        "guerre OR présid*", "paix OR \"de la\"",
    };
    static const char *const other[] = {
        "\"de la de\"", "\"le le le\"", "\"de de\"",
        "title:\"de la\"", "title:\"le de\"", "title:\"la guerre de\"",
        "=\"de la guerre\"", "\"la =guerre de\"", "=\"le président\"",
        "\"de le président\" OR paix", "\"la de\" NEAR/2 guerre",
        "-\"de la\" guerre", "\"guerre de la\" -paix",
        "\"de la\" date:2021", "\"the war of the\"", "\"der Krieg und\"",
        "\"mer noire de la\"", "\"Macron de Poutine\"",
    };
    dp_query_options qo = DP_QUERY_OPTIONS_INIT;
    model_stats ms;

    ensure_corpus();
    if (corpus_ok != 1)
        SKIP("no corpus");
    qo.analyzer = an;
    ms = live_stats();
    for (size_t i = 0; i < DP_ARRAY_LEN(must_match) + DP_ARRAY_LEN(other);
         i++) {
        bool must = i < DP_ARRAY_LEN(must_match);
        const char *text = must ? must_match[i]
                                : other[i - DP_ARRAY_LEN(must_match)];
        dp_query *q;
        dp_query_error e;
        size_t n;
        int rc = dp_query_parse(text, strlen(text), &qo, &q, &e);
        QCHECK(rc == DP_OK, "parse: %s", e.message);
        if (rc != DP_OK)
            continue;
        n = check_search(text, q, &ms);
        if (must)
            QCHECK(n > 0, "no match");
        check_timeline(text, q, DP_BY_MONTH);
        dp_query_free(q);
    }
}

TEST(limits_and_arguments)
{
    dp_query_options qo = DP_QUERY_OPTIONS_INIT;
    dp_search_options so = DP_SEARCH_OPTIONS_INIT;
    dp_results *r = NULL;
    dp_query *q = NULL;
    uint64_t c = 0;
    dp_hit h;

    ensure_corpus();
    if (corpus_ok != 1)
        SKIP("no corpus");
    qo.analyzer = an;
    CHECK_EQ_INT(dp_query_parse("guerre", 6, &qo, &q, NULL), DP_OK);
    CHECK_EQ_INT(dp_count(ar, q, &c), DP_OK);
    CHECK(c > 20);
    /* limit 0: no hit, the exact total */
    so.limit = 0;
    CHECK_EQ_INT(dp_search(ar, q, &so, &r), DP_OK);
    CHECK_EQ_INT(dp_results_count(r), 0);
    CHECK_EQ_INT(dp_results_total(r), (long long)c);
    CHECK_EQ_INT(dp_results_hit(r, 0, &h), DP_ENOTFOUND);
    {
        dp_slice id;
        CHECK_EQ_INT(dp_results_id(r, 0, &id), DP_ENOTFOUND);
    }
    dp_results_free(r);
    /* an offset past the end: no hit, the total still exact */
    so.limit = 5;
    so.offset = c + 10;
    CHECK_EQ_INT(dp_search(ar, q, &so, &r), DP_OK);
    CHECK_EQ_INT(dp_results_count(r), 0);
    CHECK_EQ_INT(dp_results_total(r), (long long)c);
    dp_results_free(r);
    /* no upper cap on limit */
    so.offset = 0;
    so.limit = UINT64_MAX;
    CHECK_EQ_INT(dp_search(ar, q, &so, &r), DP_OK);
    CHECK_EQ_INT(dp_results_count(r), (long long)c);
    dp_results_free(r);
    so.version = 99;
    CHECK_EQ_INT(dp_search(ar, q, &so, &r), DP_EINVAL);
    CHECK(r == NULL);
    CHECK_EQ_INT(dp_timeline(ar, q, (dp_period)7, NULL, NULL), DP_EINVAL);
    dp_query_free(q);
}

TEST(search_alloc_failures)
{
    /* Fail each allocation of a search in turn: DP_ENOMEM, no leak. */
    dp_query_options qo = DP_QUERY_OPTIONS_INIT;
    dp_results *r = NULL;
    dp_query *q = NULL;
    int rc = DP_ENOMEM;
    long k;

    ensure_corpus();
    if (corpus_ok != 1)
        SKIP("no corpus");
    qo.analyzer = an;
    CHECK_EQ_INT(dp_query_parse("\"mer noire\" OR guerre* -paix", 28, &qo, &q,
                                NULL), DP_OK);
    for (k = 0; k < 2000 && rc == DP_ENOMEM; k++) {
        dp__alloc_fail_after(k);
        rc = dp_search(ar, q, NULL, &r);
        dp__alloc_fail_after(-1);
        if (rc == DP_OK) {
            dp_snippet sn;
            CHECK(dp_results_count(r) > 0);
            dp__alloc_fail_after(0);
            CHECK_EQ_INT(dp_results_snippet(r, 0, 100, &sn), DP_ENOMEM);
            dp__alloc_fail_after(-1);
            dp_results_free(r);
        } else {
            CHECK_EQ_INT(rc, DP_ENOMEM);
            CHECK(r == NULL);
        }
    }
    CHECK_EQ_INT(rc, DP_OK);
    rc = DP_ENOMEM;
    for (k = 0; k < 2000 && rc == DP_ENOMEM; k++) {
        static rows rs;
        rs.n = 0;
        dp__alloc_fail_after(k);
        rc = dp_timeline(ar, q, (dp_period)(k % 4), on_row, &rs);
        dp__alloc_fail_after(-1);
        if (rc != DP_OK)
            CHECK_EQ_INT(rc, DP_ENOMEM);
    }
    CHECK_EQ_INT(rc, DP_OK);
    dp_query_free(q);
}

TEST(snippets_mark_matches)
{
    dp_query_options qo = DP_QUERY_OPTIONS_INIT;
    dp_search_options so = DP_SEARCH_OPTIONS_INIT;
    dp_results *r = NULL;
    dp_query *q = NULL;
    size_t checked = 0;

    ensure_corpus();
    if (corpus_ok != 1)
        SKIP("no corpus");
    qo.analyzer = an;
    CHECK_EQ_INT(dp_query_parse("guerre OR président", 20, &qo, &q, NULL),
                 DP_OK);
    so.limit = 20;
    CHECK_EQ_INT(dp_search(ar, q, &so, &r), DP_OK);
    for (size_t i = 0; r && i < dp_results_count(r); i++) {
        dp_snippet sn;
        CHECK_EQ_INT(dp_results_snippet(r, i, 120, &sn), DP_OK);
        CHECK(sn.text.n <= 120 + 6);
        CHECK(dp__utf8_valid_prefix(sn.text.p, sn.text.n) == sn.text.n);
        for (size_t k = 0; k < sn.n_spans; k++) {
            size_t s = sn.spans[k][0], e = sn.spans[k][1];
            char w[64];
            CHECK(s < e && e <= sn.text.n);
            if (!(s < e && e <= sn.text.n) || e - s >= sizeof w)
                continue;
            memcpy(w, sn.text.p + s, e - s);
            w[e - s] = '\0';
            CHECK(strcasecmp(w, "guerre") == 0 || strcasecmp(w, "guerres") == 0 ||
                  strcmp(w, "président") == 0 || strcmp(w, "présidents") == 0 ||
                  strcmp(w, "Président") == 0);
            checked++;
        }
    }
    CHECK(checked > 0);
    dp_results_free(r);
    dp_query_free(q);
}

/* ORs of whole terms over a segment of many windows of documents.  The
** exact OR of whole terms is ranked a window of 2048 documents at a time
** from whole blocks (search.c, rank_or_bulk), and counted and put on a
** timeline from a bitmap of the lists (dp__mt_live_bitmap): the corpus
** above has 540 documents in six segments, so this one has 5,000 in one
** segment, with deletions, lists whose blocks straddle the windows, and a
** rare word that leaves whole windows empty.  Each query is checked
** against what the documents hold (count, total, the set of hits),
** against the merge of the cursors (the same query with one word asked
** =exact, whose one form makes the same list: rank_or_terms and the
** walk of count and timeline), and against MaxScore (no_total). */
enum { BIG_DOCS = 5000 };
static const char *const big_words[] = {"zorglub", "quixar", "bramvek",
                                        "tilouk"};

/* Occurrences of big_words[w] in document i (0: absent). */
static uint32_t big_tf(uint32_t i, int w)
{
    static const uint32_t every[] = {2, 3, 7, 1000};
    if (w == 3) /* even: some of zorglub's documents hold it */
        return i % 1000 == 6 ? 1 : 0;
    return i % every[w] == 0 ? 1 + (i / every[w]) % 4 : 0;
}

static bool big_deleted(uint32_t i) { return i % 11 == 4 || i == 2047; }

static int big_build(const char *path, dp_archive **out)
{
    dp_writer_options wo = DP_WRITER_OPTIONS_INIT;
    dp_writer *w = NULL;
    dp_buf b = DP_BUF_INIT;
    char id[16];
    int rc = dp_archive_open(out, path, DP_ARCHIVE_CREATE);
    wo.merge = 0;
    if (rc == DP_OK)
        rc = dp_writer_begin(*out, &wo, &w);
    for (uint32_t i = 0; i < BIG_DOCS && rc == DP_OK; i++) {
        dp_record rec;
        dp__buf_clear(&b);
        for (int k = 0; k < 4; k++)
            for (uint32_t t = big_tf(i, k); t > 0; t--)
                dp__buf_printf(&b, "%s ", big_words[k]);
        for (uint32_t t = i % 13; t > 0; t--) /* lengths vary */
            dp__buf_printf(&b, "remplissage ");
        /* words under one prefix, vol* (12 terms), for check_bulk_twin */
        for (int k = 0; k < 12; k++) {
            static const char *const vol[] = {
                "volubile", "volutes volute", "volcan volcans volcan",
                "volant", "voler volant", "volaille", "volley", "volonté",
                "volontaire", "volume", "volatil", "volées"};
            if (i % (uint32_t)(3 + k) == (uint32_t)k % 3)
                dp__buf_printf(&b, "%s ", vol[k]);
        }
        dp__buf_printf(&b, "fin");
        snprintf(id, sizeof id, "b%u", i);
        memset(&rec, 0, sizeof rec);
        rec.id.p = id;
        rec.id.n = strlen(id);
        rec.date.year = (int16_t)(2020 + i % 3);
        rec.date.month = (uint8_t)(1 + i % 12);
        rec.date.day = 1;
        rec.date.prec = DP_PREC_DAY;
        rec.text.p = b.p;
        rec.text.n = b.n;
        rec.lang.p = "fr";
        rec.lang.n = 2;
        rc = dp_writer_add(w, &rec, NULL);
    }
    if (rc == DP_OK)
        rc = dp_writer_commit(w);
    for (uint32_t i = 0; i < BIG_DOCS && rc == DP_OK; i++)
        if (big_deleted(i)) {
            snprintf(id, sizeof id, "b%u", i);
            rc = dp_writer_delete(w, id, strlen(id));
        }
    if (rc == DP_OK)
        rc = dp_writer_commit(w);
    dp_writer_close(w);
    dp__buf_free(&b);
    return rc;
}

static int big_month_sum(void *ctx, const dp_timeline_row *row)
{
    *(uint64_t *)ctx += row->count;
    return 0;
}

static dp_query *big_parse(const char *text)
{
    dp_query_options qo = DP_QUERY_OPTIONS_INIT;
    dp_query_error e;
    dp_query *q = NULL;
    qo.analyzer = an;
    if (dp_query_parse(text, strlen(text), &qo, &q, &e) != DP_OK)
        printf("    %s: %s\n", text, e.message);
    return q;
}

/* Check query (an OR of the words in mask) and its =exact twin. */
static void big_check(dp_archive *big, unsigned mask)
{
    char text[128] = "", twin[128] = "";
    uint64_t want = 0, c1 = 0, c2 = 0, m1 = 0, m2 = 0;
    dp_search_options so = DP_SEARCH_OPTIONS_INIT;
    dp_results *r1 = NULL, *r2 = NULL, *top = NULL, *fast = NULL;
    dp_results *twin_top = NULL;
    int last = -1;
    for (int k = 0; k < 4; k++)
        if (mask & (1u << k))
            last = k;
    for (int k = 0; k < 4; k++)
        if (mask & (1u << k)) {
            bool more = k != last;
            snprintf(text + strlen(text), sizeof text - strlen(text),
                     "%s%s", big_words[k], more ? " OR " : "");
            snprintf(twin + strlen(twin), sizeof twin - strlen(twin),
                     "%s%s%s", k == last ? "=" : "", big_words[k],
                     more ? " OR " : "");
        }
    for (uint32_t i = 0; i < BIG_DOCS; i++) {
        bool hit = false;
        for (int k = 0; k < 4; k++)
            hit = hit || ((mask & (1u << k)) && big_tf(i, k) > 0);
        want += hit && !big_deleted(i);
    }
    dp_query *q1 = big_parse(text), *q2 = big_parse(twin);
    CHECK(q1 != NULL && q2 != NULL);
    if (q1 == NULL || q2 == NULL)
        goto out;
    CHECK_EQ_INT(dp_count(big, q1, &c1), DP_OK);
    CHECK_EQ_INT(dp_count(big, q2, &c2), DP_OK);
    CHECK_EQ_INT(c1, (long long)want);
    CHECK_EQ_INT(c2, (long long)want);
    CHECK_EQ_INT(dp_timeline(big, q1, DP_BY_MONTH, big_month_sum, &m1),
                 DP_OK);
    CHECK_EQ_INT(dp_timeline(big, q2, DP_BY_MONTH, big_month_sum, &m2),
                 DP_OK);
    CHECK_EQ_INT(m1, (long long)want);
    CHECK_EQ_INT(m2, (long long)want);
    so.limit = BIG_DOCS;
    CHECK_EQ_INT(dp_search(big, q1, &so, &r1), DP_OK);
    CHECK_EQ_INT(dp_search(big, q2, &so, &r2), DP_OK);
    if (r1 == NULL || r2 == NULL)
        goto out;
    CHECK_EQ_INT(dp_results_total(r1), (long long)want);
    CHECK_EQ_INT(dp_results_count(r1), (long long)want);
    CHECK_EQ_INT(dp_results_count(r2), (long long)want);
    /* the same hits, scores and order, bit for bit, as the merge */
    size_t same = 0;
    for (size_t i = 0; i < dp_results_count(r1) &&
                       i < dp_results_count(r2); i++)
        same += r1->hits[i].addr == r2->hits[i].addr &&
                r1->hits[i].score == r2->hits[i].score;
    CHECK_EQ_INT(same, (long long)want);
    /* every hit holds a word of the query and is live */
    size_t good = 0;
    for (size_t i = 0; i < dp_results_count(r1); i++) {
        dp_slice id;
        unsigned long n = ULONG_MAX;
        if (dp_results_id(r1, i, &id) == DP_OK && id.n > 1 && id.n < 10) {
            char buf[16];
            memcpy(buf, id.p + 1, id.n - 1);
            buf[id.n - 1] = 0;
            n = strtoul(buf, NULL, 10);
        }
        bool hit = false;
        for (int k = 0; k < 4 && n < BIG_DOCS; k++)
            hit = hit || ((mask & (1u << k)) && big_tf((uint32_t)n, k) > 0);
        good += hit && !big_deleted((uint32_t)n);
    }
    CHECK_EQ_INT(good, (long long)want);
    /* the top 10, exact and with MaxScore, is the head of the ranking;
    ** and so is the twin's (one word: rank_single_blocks for the word,
    ** rank_single for its =exact twin, a form's cursor) */
    so.limit = 10;
    CHECK_EQ_INT(dp_search(big, q1, &so, &top), DP_OK);
    CHECK_EQ_INT(dp_search(big, q2, &so, &twin_top), DP_OK);
    so.no_total = 1;
    CHECK_EQ_INT(dp_search(big, q1, &so, &fast), DP_OK);
    if (top && fast && twin_top) {
        size_t n = want < 10 ? want : 10, head = 0;
        CHECK_EQ_INT(dp_results_count(top), (long long)n);
        CHECK_EQ_INT(dp_results_count(fast), (long long)n);
        CHECK_EQ_INT(dp_results_count(twin_top), (long long)n);
        CHECK_EQ_INT(dp_results_total(twin_top), (long long)want);
        for (size_t i = 0; i < n && i < dp_results_count(top) &&
                           i < dp_results_count(fast) &&
                           i < dp_results_count(twin_top); i++)
            head += top->hits[i].addr == r1->hits[i].addr &&
                    fast->hits[i].addr == r1->hits[i].addr &&
                    twin_top->hits[i].addr == r2->hits[i].addr;
        CHECK_EQ_INT(head, (long long)n);
    }
out:
    dp_results_free(r1);
    dp_results_free(r2);
    dp_results_free(top);
    dp_results_free(twin_top);
    dp_results_free(fast);
    dp_query_free(q1);
    dp_query_free(q2);
}

/* ANDs over the same segment.  An AND of dense lists is counted and put
** on a timeline from the bitmaps of its lists (dp__mt_live_bitmap), one
** with a much rarer list, or of rare lists only, by walking its cursors:
** each query is checked against the documents, month by month, against
** its twin with one word =exact (never a bitmap), and for the way it
** was counted. */
typedef struct big_and {
    const char *text, *twin;
    bool (*match)(uint32_t i);
    bool bitmap; /* counted from the bitmaps (else walked) */
} big_and;

static bool has(uint32_t i, int w) { return big_tf(i, w) > 0; }
static bool and01(uint32_t i) { return has(i, 0) && has(i, 1); }
static bool and03(uint32_t i) { return has(i, 0) && has(i, 3); }
static bool and01n2(uint32_t i) { return and01(i) && !has(i, 2); }
static bool and0or13(uint32_t i) { return has(i, 0) && (has(i, 1) || has(i, 3)); }
static bool and01y(uint32_t i) { return and01(i) && i % 3 == 1; }
static bool and01or3(uint32_t i) { return and01(i) || has(i, 3); }
static bool and012(uint32_t i) { return and01(i) && has(i, 2); }
static bool and1n02(uint32_t i) { return has(i, 1) && !(has(i, 0) && has(i, 2)); }
static bool and0or123(uint32_t i)
{
    return has(i, 0) && ((has(i, 1) && has(i, 2)) || has(i, 3));
}
static bool and1n0y(uint32_t i) { return has(i, 1) && !(has(i, 0) && i % 3 == 1); }
static bool and103(uint32_t i) { return has(i, 1) && and03(i); }
static bool and3y(uint32_t i) { return has(i, 3) && i % 3 == 1; }
static bool none(uint32_t i) { (void)i; return false; }

static const big_and big_ands[] = {
    {"zorglub quixar", "=zorglub quixar", and01, true},
    {"zorglub tilouk", "=zorglub tilouk", and03, false},
    {"zorglub quixar -bramvek", "zorglub =quixar -bramvek", and01n2, true},
    {"zorglub (quixar OR tilouk)", "=zorglub (quixar OR tilouk)", and0or13,
     true},
    {"zorglub quixar date:2021", "zorglub =quixar date:2021", and01y, true},
    {"(zorglub quixar) OR tilouk", "(=zorglub quixar) OR tilouk", and01or3,
     true},
    {"zorglub quixar bramvek", "zorglub quixar =bramvek", and012, true},
    {"quixar -(zorglub bramvek)", "=quixar -(zorglub bramvek)", and1n02, true},
    {"zorglub ((quixar bramvek) OR tilouk)",
     "=zorglub ((quixar bramvek) OR tilouk)", and0or123, true},
    {"quixar -(zorglub date:2021)", "=quixar -(zorglub date:2021)", and1n0y,
     true},
    {"zorg* quixar", "zorg* =quixar", and01, true},
    {"zorglub quixar lang:fr", "zorglub =quixar lang:fr", and01, true},
    {"zorglub quixar nimportequoi", "=zorglub quixar nimportequoi", none,
     false},
    /* a sparse inner AND: the whole query is walked */
    {"quixar (zorglub tilouk)", "=quixar (zorglub tilouk)", and103, false},
    /* dense enough, but fewer postings than the bitmap has words */
    {"tilouk date:2021", "=tilouk date:2021", and3y, false},
};

/* Is q counted from a bitmap in big's one segment (1), walked (0)? */
static int big_counted_by_bitmap(dp_archive *big, const dp_query *q)
{
    dp__snap *s = NULL;
    dp__eval ev;
    dp__mt *m = NULL;
    uint64_t *bm = NULL;
    uint32_t nw;
    int rc = dp__snap_open(big, &s), way = -1;
    if (rc != DP_OK)
        return -1;
    rc = dp__eval_init(&ev, q, s);
    if (rc == DP_OK && (rc = dp__mt_build(&ev, dp__snap_seg(s, 0), false,
                                          &m)) == DP_OK) {
        rc = dp__mt_live_bitmap(m, &bm, &nw);
        way = rc == DP_OK ? 1 : rc == DP_ENOTFOUND ? 0 : -1;
    }
    dp__free(bm);
    dp__mt_free(m);
    dp__eval_free(&ev);
    dp__snap_close(s);
    return way;
}

typedef struct big_months {
    uint64_t count[36]; /* 2020-01 .. 2022-12 */
    uint64_t other;     /* rows outside them */
} big_months;

static int big_month_row(void *ctx, const dp_timeline_row *row)
{
    big_months *bm = ctx;
    int y = row->start.year - 2020, m = row->start.month - 1;
    if (row->precise && y >= 0 && y < 3 && m >= 0 && m < 12)
        bm->count[y * 12 + m] += row->count;
    else
        bm->other += row->count;
    return 0;
}

static void big_and_check(dp_archive *big, const big_and *a)
{
    big_months want, got, twin;
    uint64_t n = 0, c1 = 0, c2 = 0;
    dp_query *q1 = big_parse(a->text), *q2 = big_parse(a->twin);
    memset(&want, 0, sizeof want);
    memset(&got, 0, sizeof got);
    memset(&twin, 0, sizeof twin);
    for (uint32_t i = 0; i < BIG_DOCS; i++)
        if (a->match(i) && !big_deleted(i)) {
            want.count[(i % 3) * 12 + i % 12]++;
            n++;
        }
    CHECK(q1 != NULL && q2 != NULL);
    if (q1 && q2) {
        int way = big_counted_by_bitmap(big, q1);
        if (way != (int)a->bitmap)
            printf("    %s: counted %s\n", a->text,
                   way == 1 ? "from a bitmap" : way == 0 ? "by a walk" : "?");
        CHECK_EQ_INT(way, (int)a->bitmap);
        CHECK_EQ_INT(big_counted_by_bitmap(big, q2), 0);
        CHECK_EQ_INT(dp_count(big, q1, &c1), DP_OK);
        CHECK_EQ_INT(dp_count(big, q2, &c2), DP_OK);
        CHECK_EQ_INT(dp_timeline(big, q1, DP_BY_MONTH, big_month_row, &got),
                     DP_OK);
        CHECK_EQ_INT(dp_timeline(big, q2, DP_BY_MONTH, big_month_row, &twin),
                     DP_OK);
    }
    if (c1 != n || c2 != n)
        printf("    %s: count %llu, twin %llu, expected %llu\n", a->text,
               (unsigned long long)c1, (unsigned long long)c2,
               (unsigned long long)n);
    CHECK_EQ_INT(c1, (long long)n);
    CHECK_EQ_INT(c2, (long long)n);
    CHECK(memcmp(&got, &want, sizeof want) == 0);
    CHECK(memcmp(&twin, &want, sizeof want) == 0);
    dp_query_free(q1);
    dp_query_free(q2);
}

TEST(or_of_terms_over_many_windows)
{
    char path[sizeof dir + 8];
    dp_archive *big = NULL;
    ensure_corpus(); /* for the analyzer */
    if (corpus_ok != 1)
        SKIP("no corpus");
    snprintf(path, sizeof path, "%s/big", dir);
    CHECK_EQ_INT(big_build(path, &big), DP_OK);
    if (big != NULL) {
        dp__snap *s;
        CHECK_EQ_INT(dp__snap_open(big, &s), DP_OK);
        CHECK_EQ_INT(dp__snap_nsegs(s), 1);
        CHECK_EQ_INT(dp__seg_ndocs(dp__snap_seg(s, 0)), BIG_DOCS);
        dp__snap_close(s);
        for (unsigned mask = 1; mask < 16; mask++)
            big_check(big, mask);
        for (size_t i = 0; i < sizeof big_ands / sizeof *big_ands; i++)
            big_and_check(big, &big_ands[i]);
        /* 5,000 documents: prefixes of several terms ranked over three
        ** windows of 2,048 */
        check_bulk_twin(big, "vol*");
        check_bulk_twin(big, "volu*");
        check_bulk_twin(big, "volutes*");
        /* and in ANDs, read by windows of 2,048 documents (merged_adv) */
        check_bulk_twin(big, "vol* quixar");
        check_bulk_twin(big, "vol* -zorglub");
        check_bulk_twin(big, "(vol* OR tilouk) date:2021");
    }
    dp_archive_close(big);
}

TEST(cleanup)
{
    dp__snap_close(model_snap);
    dp_archive_close(ar);
    ar = NULL;
    dp_analyzer_free(an);
    for (size_t i = 0; i < ndocs; i++)
        free_doc(&docs[i]);
    if (dir[0])
        CHECK_EQ_INT(test_rm_rf(dir), 0);
}

TEST_MAIN()
