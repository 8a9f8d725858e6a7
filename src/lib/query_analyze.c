/*
** query_analyze.c -- the second pass over a parsed query: run every typed
** word through the same analysis chain as documents, so that query and
** index agree, and simplify the tree.
**
** Decisions (docs/query.md):
**   - a word that analyses into several tokens (Etats-Unis, 3,5%, l'an)
**     becomes a phrase of its non-compound tokens, which matches the
**     hyphenated and the spaced spellings alike;
**   - a bare word whose tokens are all stop words is dropped, unless every
**     text leaf of the query is such a word ("le la": kept); quoted
**     phrases, =exact words, prefixes and NEAR operands keep stop words;
**   - a word with no token at all (punctuation) is dropped; a query left
**     with nothing is DP_ESYNTAX "no searchable word";
**   - =form keeps the folded unstemmed form and lists the terms that may
**     hold it: its stem in each language the analyzer knows, and itself;
**   - prefix* keeps the folded prefix (query_eval.c says how it matches);
**     inside a phrase, word* is such a prefix at its place ("guerre en
**     ukr*"), where the '*' would else be dropped as punctuation.
** The recursion here follows the tree, whose depth the parser bounds.
*/
#include "dp_int.h"

#include <stdio.h>

static const char *const known_langs[] = {"fr", "en", "de", "es",
                                          "it", "pt", "nl"};

typedef struct collect {
    dp_query *q;
    const char *raw;      /* the leaf's text, to see '=' before a word */
    size_t raw_len;       /* and '*' after one */
    uint32_t stars;       /* the '*' read as prefix marks */
    size_t prev_end;      /* end offset of the previous token */
    dp__qterm *terms;
    uint32_t n, cap;
    uint32_t first_pos;
    bool any_compound_part;
    int rc;
} collect;

static int on_token(void *ctx, const dp_token *tok)
{
    collect *c = ctx;
    dp__qterm *t;

    if (tok->flags & DP_TOKEN_COMPOUND)
        return 0; /* its parts follow at their own positions */
    if (c->n == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 4;
        dp__qterm *nt = dp__query_alloc(c->q, cap * sizeof *nt);
        if (nt == NULL)
            return c->rc = DP_ENOMEM;
        if (c->n)
            memcpy(nt, c->terms, c->n * sizeof *nt);
        c->terms = nt;
        c->cap = cap;
    }
    if (c->n == 0)
        c->first_pos = tok->pos;
    t = &c->terms[c->n++];
    memset(t, 0, sizeof *t);
    t->pos = tok->pos - c->first_pos;
    t->stop = (tok->flags & DP_TOKEN_STOP) != 0;
    /* Inside a phrase, "=word" asks for that word's exact form; the parts
    ** of "=Etats-Unis" or "=l'Otan" that follow the first one inherit it.
    ** exact is only a request here: set_exact makes it so. */
    if (tok->start > 0 && c->raw[tok->start - 1] == '=')
        t->exact = 1;
    else if (c->n > 1 && tok->start > 0 && c->prev_end == tok->start - 1 &&
             c->raw[tok->start - 1] != ' ' && c->terms[c->n - 2].exact)
        t->exact = 1;
    /* Inside a phrase, "word*" is a prefix there ("guerre en ukr*"): a
    ** '*' right after the word, ending it (else stray_star says so) */
    t->prefix = tok->end < c->raw_len && c->raw[tok->end] == '*' &&
                (tok->end + 1 == c->raw_len ||
                 strchr(" \t\n\r\"'’,;:.!?()", c->raw[tok->end + 1]));
    c->stars += t->prefix;
    c->prev_end = tok->end;
    /* Keep both: the term by default, the form for =exact. */
    t->text = dp__query_alloc(c->q, tok->term_len + 1);
    t->cands = dp__query_alloc(c->q, sizeof(char *) + tok->form_len + 1);
    if (t->text == NULL || t->cands == NULL)
        return c->rc = DP_ENOMEM;
    memcpy((char *)t->text, tok->term, tok->term_len);
    t->len = (uint32_t)tok->term_len;
    /* Stash the form after a pointer slot; fixed up by set_exact. */
    t->cands[0] = (const char *)(t->cands + 1);
    memcpy((char *)(t->cands + 1), tok->form, tok->form_len);
    ((char *)(t->cands + 1))[tok->form_len] = '\0';
    t->ncands = (uint32_t)tok->form_len; /* form length, temporarily */
    return 0;
}

/* Turn a collected term into an exact one: text = form, cands = terms. */
static int set_exact(dp_query *q, dp_analyzer *a, dp__qterm *t)
{
    const char *form = t->cands[0];
    uint32_t flen = t->ncands;
    const char **cands;
    uint32_t *lens, n = 0;

    cands = dp__query_alloc(q, (DP_ARRAY_LEN(known_langs) + 1) * sizeof *cands);
    lens = dp__query_alloc(q, (DP_ARRAY_LEN(known_langs) + 1) * sizeof *lens);
    if (cands == NULL || lens == NULL)
        return DP_ENOMEM;
    for (size_t i = 0; i <= DP_ARRAY_LEN(known_langs); i++) {
        dp_slice st = {form, flen};
        char *copy;
        uint32_t j;
        if (i < DP_ARRAY_LEN(known_langs)) {
            int rc = dp_analyzer_stem(a, known_langs[i], form, flen, &st);
            if (rc != DP_OK && rc != DP_ENOTFOUND)
                return rc;
        }
        for (j = 0; j < n; j++)
            if (lens[j] == st.n && memcmp(cands[j], st.p, st.n) == 0)
                break;
        if (j < n)
            continue;
        copy = dp__query_alloc(q, st.n + 1);
        if (copy == NULL)
            return DP_ENOMEM;
        memcpy(copy, st.p, st.n);
        cands[n] = copy;
        lens[n++] = (uint32_t)st.n;
    }
    t->text = form;
    t->len = flen;
    t->exact = 1;
    t->cands = cands;
    t->cand_lens = lens;
    t->ncands = n;
    return DP_OK;
}

typedef struct actx {
    dp_query *q;
    dp_analyzer *a;
    dp_query_error *err;
    int keep_stops; /* second round: the query is only stop words */
    int leaves;     /* text leaves seen */
    int stop_leaves;/* of which bare words made only of stop words */
} actx;

static int analyze_error(actx *c, uint32_t col, const char *msg)
{
    if (c->err) {
        c->err->column = col;
        snprintf(c->err->message, sizeof c->err->message, "column %u: %s",
                 (unsigned)col, msg);
    }
    return DP_ESYNTAX;
}

/* Is there a '*' in the leaf's text that no word took as its prefix
** mark ("a * b", "ab*cd", "ab**")?  It would else be dropped as
** punctuation, and the query silently mean something else. */
static bool stray_stars(const collect *col)
{
    uint32_t n = 0;
    for (size_t i = 0; i < col->raw_len; i++)
        n += col->raw[i] == '*';
    return n != col->stars;
}

static int analyze_leaf(actx *c, dp__qnode *nd, bool near_operand)
{
    collect col;
    int rc;

    memset(&col, 0, sizeof col);
    col.q = c->q;
    col.raw = nd->raw;
    col.raw_len = nd->raw_len;
    rc = dp_analyze(c->a, c->q->lang, nd->raw, nd->raw_len, on_token, &col);
    if (col.rc)
        return col.rc;
    if (rc != DP_OK)
        return rc;
    c->leaves++;
    if (stray_stars(&col))
        return analyze_error(c, nd->col,
                             "'*' must end a word, for a prefix (word*)");
    if (nd->kind == DP_QK_PREFIX) {
        if (col.n != 1)
            return analyze_error(c, nd->col,
                                 col.n ? "a prefix must be one word"
                                       : "a prefix needs letters or digits");
        col.terms[0].prefix = 1;
    }
    for (uint32_t i = 0; i < col.n; i++) {
        dp__qterm *t = &col.terms[i];
        if (t->prefix && (t->exact || (nd->flags & DP_QL_EXACT)))
            return analyze_error(c, nd->col,
                                 "'=' and '*' cannot be combined");
        if (t->prefix) {
            /* Match on the folded form (parked in cands[0]), not the
            ** stem. */
            t->text = t->cands[0];
            t->len = t->ncands;
        }
    }
    for (uint32_t i = 0; i < col.n; i++) {
        if ((nd->flags & DP_QL_EXACT) || col.terms[i].exact) {
            rc = set_exact(c->q, c->a, &col.terms[i]);
            if (rc != DP_OK)
                return rc;
        } else {
            col.terms[i].cands = NULL;
            col.terms[i].ncands = 0;
        }
    }
    nd->terms = col.terms;
    nd->nterms = col.n;
    if (col.n == 0) {
        nd->kind = DP_QK_NONE;
        return DP_OK;
    }
    if (!(nd->flags & (DP_QL_QUOTED | DP_QL_EXACT | DP_QL_PREFIX)) &&
        !near_operand) {
        bool all_stop = true;
        /* a prefix is kept, as PREFIX leaves are ("de*," is one that the
        ** parser's word* did not see, the comma after it) */
        for (uint32_t i = 0; i < col.n; i++)
            all_stop = all_stop && col.terms[i].stop && !col.terms[i].prefix;
        if (all_stop) {
            c->stop_leaves++;
            if (!c->keep_stops)
                nd->kind = DP_QK_NONE;
        }
    }
    return DP_OK;
}

/* Analyse the leaves under nd, then drop NONE kids of AND/OR/NOT. */
static int analyze_node(actx *c, dp__qnode *nd, bool near_operand)
{
    uint32_t i, k = 0;
    int rc;

    switch (nd->kind) {
    case DP_QK_PHRASE:
    case DP_QK_PREFIX:
        return analyze_leaf(c, nd, near_operand);
    case DP_QK_NEAR:
        for (i = 0; i < nd->nkids; i++) {
            rc = analyze_node(c, nd->kids[i], true);
            if (rc)
                return rc;
            if (nd->kids[i]->kind == DP_QK_NONE)
                nd->kind = DP_QK_NONE; /* "!!! NEAR x": nothing to be near */
        }
        return DP_OK;
    case DP_QK_AND:
    case DP_QK_OR:
    case DP_QK_NOT:
        for (i = 0; i < nd->nkids; i++) {
            rc = analyze_node(c, nd->kids[i], false);
            if (rc)
                return rc;
            if (nd->kids[i]->kind != DP_QK_NONE)
                nd->kids[k++] = nd->kids[i];
        }
        nd->nkids = k;
        if (k == 0)
            nd->kind = DP_QK_NONE;
        else if (k == 1 && nd->kind != DP_QK_NOT)
            *nd = *nd->kids[0];
        return DP_OK;
    default:
        return DP_OK;
    }
}

/* Wrap nd into (and all nd...) : the base a pure negation subtracts
** from.  An AND whose kids are all negations gets it, and so does a NOT
** that is not under an AND (at the root or under OR). */
static int add_all(dp_query *q, dp__qnode **slot)
{
    dp__qnode *nd = *slot;
    dp__qnode *all = dp__query_alloc(q, sizeof *all);
    dp__qnode *and = dp__query_alloc(q, sizeof *and);
    uint32_t n = nd->kind == DP_QK_AND ? nd->nkids : 1;
    dp__qnode **kids = dp__query_alloc(q, (n + 1) * sizeof *kids);

    if (all == NULL || and == NULL || kids == NULL)
        return DP_ENOMEM;
    all->kind = DP_QK_ALL;
    all->col = nd->col;
    kids[0] = all;
    if (nd->kind == DP_QK_AND)
        memcpy(kids + 1, nd->kids, n * sizeof *kids);
    else
        kids[1] = nd;
    and->kind = DP_QK_AND;
    and->col = nd->col;
    and->kids = kids;
    and->nkids = n + 1;
    *slot = and;
    return DP_OK;
}

static int add_all_bases(dp_query *q, dp__qnode **slot, bool under_and)
{
    dp__qnode *nd = *slot;
    bool positive = false;
    int rc;

    if (nd->kind == DP_QK_NEAR)
        return DP_OK;
    for (uint32_t i = 0; i < nd->nkids; i++) {
        rc = add_all_bases(q, &nd->kids[i], nd->kind == DP_QK_AND);
        if (rc)
            return rc;
        positive = positive || nd->kids[i]->kind != DP_QK_NOT;
    }
    if (nd->kind == DP_QK_AND && !positive)
        return add_all(q, slot);
    if (nd->kind == DP_QK_NOT && !under_and)
        return add_all(q, slot);
    return DP_OK;
}

/* Number the scoring leaves: text leaves not under a NOT. */
static void number_leaves(dp_query *q, dp__qnode *nd, bool negated)
{
    nd->id = -1;
    if (nd->kind == DP_QK_PHRASE || nd->kind == DP_QK_PREFIX) {
        if (!negated)
            nd->id = q->nleaves++;
        return;
    }
    for (uint32_t i = 0; i < nd->nkids; i++)
        number_leaves(q, nd->kids[i], negated || nd->kind == DP_QK_NOT);
}

int dp__query_analyze(dp_query *q, dp_analyzer *a, dp_query_error *err)
{
    actx c;
    int rc;

    memset(&c, 0, sizeof c);
    c.q = q;
    c.a = a;
    c.err = err;
    rc = analyze_node(&c, q->root, false);
    if (rc)
        return rc;
    if (q->root->kind == DP_QK_NONE && c.stop_leaves > 0 &&
        c.stop_leaves == c.leaves) {
        /* Only stop words: parse again and keep them. */
        dp_query_error e2;
        q->root = NULL;
        rc = dp__query_parse_syntax(q, &e2);
        if (rc)
            return rc;
        memset(&c, 0, sizeof c);
        c.q = q;
        c.a = a;
        c.err = err;
        c.keep_stops = 1;
        q->only_stop = 1;
        rc = analyze_node(&c, q->root, false);
        if (rc)
            return rc;
    }
    if (q->root->kind == DP_QK_NONE)
        return analyze_error(&c, 1, "no searchable word in the query");
    rc = add_all_bases(q, &q->root, false);
    if (rc == DP_OK)
        number_leaves(q, q->root, false);
    return rc;
}
