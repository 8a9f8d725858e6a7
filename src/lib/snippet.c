/*
** snippet.c -- the best passage of a hit, with the query's words marked.
**
** The stored text (the title when the text is empty) is analysed again in
** the document's language; every token whose term (or form, for =exact;
** or stem/form prefix, for prefix*) is one of a positive leaf of the query
** is marked.  The passage is the window of about max_bytes that holds the
** most marked tokens (the earliest such window on ties), widened to whole
** words; line breaks become spaces; "…" marks a cut.  Marks are byte
** ranges into the passage.  Without any mark (a query of dates only) the
** passage is the beginning of the text.
*/
#include "dp_int.h"

void dp__snippet_state_free(dp_results *r)
{
    dp_analyzer_free(r->an);
    r->an = NULL;
    dp__buf_free(&r->snip);
    dp__free(r->spans);
    r->spans = NULL;
}

static bool prefix_match(const dp__qterm *p, const char *term, size_t tl,
                         const char *form, size_t fl)
{
    if (tl >= p->len && memcmp(term, p->text, p->len) == 0)
        return true;
    return tl < p->len && memcmp(p->text, term, tl) == 0 && fl >= p->len &&
           memcmp(form, p->text, p->len) == 0;
}

static bool node_matches(const dp__qnode *nd, const char *term, size_t tl,
                         const char *form, size_t fl)
{
    if (nd->kind == DP_QK_NOT)
        return false;
    if (nd->kind == DP_QK_PREFIX)
        return prefix_match(&nd->terms[0], term, tl, form, fl);
    if (nd->kind == DP_QK_PHRASE) {
        for (uint32_t i = 0; i < nd->nterms; i++) {
            const dp__qterm *t = &nd->terms[i];
            if (t->prefix ? prefix_match(t, term, tl, form, fl)
                : t->exact ? t->len == fl && memcmp(t->text, form, fl) == 0
                           : t->len == tl && memcmp(t->text, term, tl) == 0)
                return true;
        }
        return false;
    }
    for (uint32_t i = 0; i < nd->nkids; i++)
        if (node_matches(nd->kids[i], term, tl, form, fl))
            return true;
    return false;
}

bool dp__query_token_matches(const dp_query *q, const char *term,
                             size_t term_len, const char *form,
                             size_t form_len)
{
    return node_matches(q->root, term, term_len, form, form_len);
}

typedef struct marks {
    dp_results *r;
    int rc;
} marks;

static int add_span(dp_results *r, size_t s, size_t e)
{
    if (r->nspans > 0 && s < r->spans[r->nspans - 1][1]) {
        /* overlaps the previous mark (compound and its parts): merge */
        if (e > r->spans[r->nspans - 1][1])
            r->spans[r->nspans - 1][1] = e;
        return DP_OK;
    }
    if (r->nspans == r->capspans) {
        size_t cap = r->capspans ? r->capspans * 2 : 16;
        size_t(*sp)[2] = dp__realloc(r->spans, cap * sizeof *sp);
        if (sp == NULL)
            return DP_ENOMEM;
        r->spans = sp;
        r->capspans = cap;
    }
    r->spans[r->nspans][0] = s;
    r->spans[r->nspans][1] = e;
    r->nspans++;
    return DP_OK;
}

static int on_token(void *ctx, const dp_token *tok)
{
    marks *m = ctx;
    if (!dp__query_token_matches(m->r->q, tok->term, tok->term_len, tok->form,
                                 tok->form_len))
        return 0;
    m->rc = add_span(m->r, tok->start, tok->end);
    return m->rc;
}

static bool is_cont(const char *s, size_t i)
{
    return ((unsigned char)s[i] & 0xC0) == 0x80;
}

/* Choose [ws, we) of about max bytes holding the most marks. */
static void choose_window(const dp_results *r, size_t n, size_t max,
                          size_t *ws, size_t *we)
{
    size_t best = 0, best_ws = 0, k = 0;

    *ws = 0;
    *we = n;
    if (n <= max)
        return;
    for (size_t j = 0; j < r->nspans; j++) {
        size_t s = r->spans[j][0] > max / 5 ? r->spans[j][0] - max / 5 : 0;
        size_t count = 0;
        for (k = j; k < r->nspans && r->spans[k][1] <= s + max; k++)
            count++;
        if (count > best) {
            best = count;
            best_ws = s;
        }
    }
    *ws = best_ws;
    *we = best_ws + max < n ? best_ws + max : n;
    if (*we == n && n > max)
        *ws = n - max;
}

/* Move the window's ends to word boundaries and UTF-8 boundaries. */
static void snap_window(const char *s, size_t n, size_t *ws, size_t *we)
{
    size_t a = *ws, b = *we;
    if (a > 0) {
        size_t k = a;
        while (k < b && k < a + 30 && s[k] != ' ' && s[k] != '\n')
            k++;
        if (k < b && (s[k] == ' ' || s[k] == '\n'))
            a = k + 1;
        while (a < b && is_cont(s, a))
            a++;
    }
    if (b < n) {
        size_t k = b;
        while (k > a && k + 30 > b && s[k - 1] != ' ' && s[k - 1] != '\n')
            k--;
        if (k > a && (s[k - 1] == ' ' || s[k - 1] == '\n'))
            b = k - 1;
        while (b > a && b < n && is_cont(s, b))
            b--;
    }
    *ws = a;
    *we = b;
}

static int build_passage(dp_results *r, const char *s, size_t n, size_t ws,
                         size_t we)
{
    static const char ell[] = "\xe2\x80\xa6"; /* … */
    size_t base, k = 0;
    int rc = DP_OK;

    dp__buf_clear(&r->snip);
    if (ws > 0)
        rc = dp__buf_append(&r->snip, ell, 3);
    base = r->snip.n;
    if (rc == DP_OK)
        rc = dp__buf_append(&r->snip, s + ws, we - ws);
    if (rc == DP_OK && we < n)
        rc = dp__buf_append(&r->snip, ell, 3);
    if (rc != DP_OK)
        return rc;
    for (size_t i = base; i < base + (we - ws); i++)
        if (r->snip.p[i] == '\n' || r->snip.p[i] == '\r' ||
            r->snip.p[i] == '\t')
            r->snip.p[i] = ' ';
    for (size_t j = 0; j < r->nspans; j++)
        if (r->spans[j][0] >= ws && r->spans[j][1] <= we) {
            r->spans[k][0] = r->spans[j][0] - ws + base;
            r->spans[k][1] = r->spans[j][1] - ws + base;
            k++;
        }
    r->nspans = k;
    return DP_OK;
}

int dp_results_snippet(dp_results *r, size_t i, size_t max_bytes,
                       dp_snippet *out)
{
    const dp__segment *g;
    dp__doc_cols cols;
    dp_record rec;
    dp_slice text;
    uint32_t doc;
    size_t ws, we;
    marks m;
    int rc;

    memset(out, 0, sizeof *out);
    rc = dp__results_doc(r, i, &g, &doc);
    if (rc != DP_OK)
        return rc;
    if (max_bytes == 0)
        max_bytes = 200;
    rc = dp__seg_fetch(g, doc, &r->fetch, &rec);
    if (rc != DP_OK)
        return rc;
    text = rec.text.n ? rec.text : rec.title;
    dp__seg_doc_cols(g, doc, &cols);
    if (r->an == NULL && (rc = dp_analyzer_new(&r->an, NULL)) != DP_OK)
        return rc;
    r->nspans = 0;
    m.r = r;
    m.rc = DP_OK;
    rc = dp_analyze(r->an, cols.lang, text.p ? text.p : "", text.n, on_token,
                    &m);
    if (rc != DP_OK)
        return m.rc ? m.rc : rc;
    choose_window(r, text.n, max_bytes, &ws, &we);
    snap_window(text.p, text.n, &ws, &we);
    rc = build_passage(r, text.p, text.n, ws, we);
    if (rc != DP_OK)
        return rc;
    out->text.p = r->snip.p ? r->snip.p : "";
    out->text.n = r->snip.n;
    out->spans = (const size_t(*)[2])r->spans;
    out->n_spans = r->nspans;
    return DP_OK;
}
