/*
** query_parse.c -- the query language: lexer, recursive-descent parser
** and the analysis pass that turns typed words into index terms.
**
** Grammar (docs/query.md is the user's version):
**   query   := or EOF
**   or      := and ("OR" and)*
**   and     := unary (["AND"] unary)*        implicit AND between terms
**   unary   := ("-" | "NOT") unary | near
**   near    := primary ("NEAR" ["/" n] primary)*
**   primary := "(" or ")" | PHRASE | WORD | FIELD ":" (WORD | PHRASE)
** Operators are upper case; lower-case and/or/not are words.  Recursion
** is bounded by DP_QUERY_MAX_DEPTH, so a 100 KB query of parentheses is
** an error, never a stack overflow; flat queries of any length work up to
** DP_QUERY_MAX_LEAVES leaves.  Every error message starts with
** "column N: " where N counts characters (code points) from 1.
*/
#include "dp_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

/* ---------------------------------------------------------------- arena */

struct dp__qarena {
    struct dp__qarena *next;
    size_t used, cap;
    max_align_t data[];
};

void *dp__query_alloc(dp_query *q, size_t n)
{
    struct dp__qarena *a = q->arena;
    size_t al = sizeof(max_align_t);
    void *p;

    n = (n + al - 1) / al * al;
    if (a == NULL || a->cap - a->used < n) {
        size_t cap = n > 8192 ? n : 8192;
        a = dp__malloc(sizeof *a + cap);
        if (a == NULL)
            return NULL;
        a->next = q->arena;
        a->used = 0;
        a->cap = cap;
        q->arena = a;
    }
    p = (char *)a->data + a->used;
    a->used += n;
    memset(p, 0, n);
    return p;
}

static char *arena_strndup(dp_query *q, const char *s, size_t n)
{
    char *p = dp__query_alloc(q, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void dp_query_free(dp_query *q)
{
    struct dp__qarena *a, *next;
    if (q == NULL)
        return;
    for (a = q->arena; a; a = next) {
        next = a->next;
        dp__free(a);
    }
    dp__free(q->text);
    dp__free(q);
}

/* ---------------------------------------------------------------- dates */

int32_t dp__query_days(int y, unsigned m, unsigned d)
{
    /* Howard Hinnant's days_from_civil. */
    int era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + (int)doe - 719468);
}

static unsigned days_in_month(int y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30,
                                          31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

bool dp__query_date_span(const dp_date *d, int32_t *lo, int32_t *hi)
{
    switch (d->prec) {
    case DP_PREC_YEAR:
        *lo = dp__query_days(d->year, 1, 1);
        *hi = dp__query_days(d->year, 12, 31);
        return true;
    case DP_PREC_MONTH:
        *lo = dp__query_days(d->year, d->month, 1);
        *hi = dp__query_days(d->year, d->month,
                             days_in_month(d->year, d->month));
        return true;
    case DP_PREC_DAY:
    case DP_PREC_TIME:
        *lo = *hi = dp__query_days(d->year, d->month, d->day);
        return true;
    default:
        return false;
    }
}

/* ---------------------------------------------------------------- lexer */

typedef enum tok_kind {
    T_EOF,
    T_LPAREN,
    T_RPAREN,
    T_PHRASE, /* "...": text is the inside */
    T_WORD,   /* bare word, possibly field:, =, trailing * */
    T_AND,
    T_OR,
    T_NOT,
    T_MINUS,
    T_NEAR
} tok_kind;

typedef struct tok {
    tok_kind kind;
    size_t at, len;   /* bytes of the token in the query */
    uint32_t col;     /* column of its first character */
    uint32_t near;    /* T_NEAR distance */
    bool exact;       /* T_PHRASE written ="...": every word exact */
} tok;

typedef struct parser {
    dp_query *q;
    const char *s;
    size_t n;
    size_t at;        /* lexer position */
    tok cur;
    bool have;        /* cur holds a peeked token */
    int depth;
    size_t leaves;
    dp_query_error *err;
    int rc;
    size_t col_at;    /* memo of column_of: byte offset and its column */
    uint32_t col_val;
} parser;

/* Column (characters, from 1) of byte offset at.  Counting resumes from
** the last answer when possible, so lexing a long query stays linear. */
static uint32_t column_of(parser *p, size_t at)
{
    size_t i = 0;
    uint32_t col = 1;
    if (at >= p->col_at && p->col_val > 0) {
        i = p->col_at;
        col = p->col_val;
    }
    for (; i < at && i < p->n; i++)
        if (((unsigned char)p->s[i] & 0xC0) != 0x80)
            col++;
    p->col_at = at;
    p->col_val = col;
    return col;
}

static int fail(parser *p, uint32_t col, const char *fmt, ...)
    DP_PRINTF(3, 4);

static int fail(parser *p, uint32_t col, const char *fmt, ...)
{
    va_list ap;
    int k;

    if (p->rc != DP_OK)
        return p->rc;
    p->rc = DP_ESYNTAX;
    if (p->err == NULL)
        return p->rc;
    p->err->column = col;
    k = snprintf(p->err->message, sizeof p->err->message, "column %u: ",
                 (unsigned)col);
    va_start(ap, fmt);
    if (k > 0 && (size_t)k < sizeof p->err->message)
        vsnprintf(p->err->message + k, sizeof p->err->message - (size_t)k,
                  fmt, ap);
    va_end(ap);
    return p->rc;
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* Bytes that end a bare word. */
static bool is_break(unsigned char c)
{
    return is_space(c) || c == '(' || c == ')' || c == '"';
}

static bool word_is(const parser *p, const tok *t, const char *kw)
{
    size_t k = strlen(kw);
    return t->len == k && memcmp(p->s + t->at, kw, k) == 0;
}

/* A NEAR token: "NEAR" or "NEAR/n".  Returns false if not NEAR at all. */
static bool lex_near(parser *p, tok *t)
{
    const char *w = p->s + t->at;
    unsigned long v = 0;
    size_t i;

    if (t->len < 4 || memcmp(w, "NEAR", 4) != 0)
        return false;
    if (t->len == 4) {
        t->near = DP_QUERY_NEAR_DEFAULT;
        return true;
    }
    if (w[4] != '/')
        return false;
    if (t->len == 5 || !(w[5] >= '0' && w[5] <= '9')) {
        fail(p, column_of(p, t->at + 5), "expected a number after 'NEAR/'");
        return true;
    }
    for (i = 5; i < t->len; i++) {
        if (w[i] < '0' || w[i] > '9') {
            fail(p, column_of(p, t->at + i),
                 "expected a number after 'NEAR/'");
            return true;
        }
        v = v * 10 + (unsigned long)(w[i] - '0');
        if (v > DP_QUERY_MAX_NEAR) {
            fail(p, column_of(p, t->at + 5),
                 "NEAR distance larger than %d", DP_QUERY_MAX_NEAR);
            return true;
        }
    }
    t->near = (uint32_t)v;
    return true;
}

/* Scan a "phrase" starting at the quote; sets DP_ESYNTAX if unclosed. */
static void lex_phrase(parser *p, tok *t)
{
    size_t i = p->at + 1;
    while (i < p->n && p->s[i] != '"')
        i++;
    if (i >= p->n) {
        fail(p, column_of(p, p->n),
             "expected '\"' to close the phrase opened at column %u",
             (unsigned)t->col);
        p->at = p->n;
        return;
    }
    t->kind = T_PHRASE;
    t->at = p->at + 1;
    t->len = i - p->at - 1;
    p->at = i + 1;
}

static void lex(parser *p, tok *t)
{
    unsigned char c;

    while (p->at < p->n && is_space((unsigned char)p->s[p->at]))
        p->at++;
    memset(t, 0, sizeof *t);
    t->at = p->at;
    t->col = column_of(p, p->at);
    if (p->at >= p->n) {
        t->kind = T_EOF;
        return;
    }
    c = (unsigned char)p->s[p->at];
    if (c == '(' || c == ')') {
        t->kind = c == '(' ? T_LPAREN : T_RPAREN;
        t->len = 1;
        p->at++;
        return;
    }
    if (c == '"') {
        lex_phrase(p, t);
        return;
    }
    if (c == '=' && p->at + 1 < p->n && p->s[p->at + 1] == '"') {
        p->at++;
        lex_phrase(p, t);
        t->exact = true;
        return;
    }
    /* '-' directly followed by a term negates it; a lone '-' is a word
    ** (which analyses to nothing and is dropped). */
    if (c == '-' && p->at + 1 < p->n && !is_space((unsigned char)p->s[p->at + 1]) &&
        p->s[p->at + 1] != ')') {
        t->kind = T_MINUS;
        t->len = 1;
        p->at++;
        return;
    }
    while (p->at < p->n && !is_break((unsigned char)p->s[p->at]))
        p->at++;
    /* A field name runs on into a following phrase: title:"mer noire". */
    t->kind = T_WORD;
    t->len = p->at - t->at;
    if (word_is(p, t, "AND"))
        t->kind = T_AND;
    else if (word_is(p, t, "OR"))
        t->kind = T_OR;
    else if (word_is(p, t, "NOT"))
        t->kind = T_NOT;
    else if (lex_near(p, t))
        t->kind = T_NEAR;
}

static const tok *peek(parser *p)
{
    if (!p->have) {
        lex(p, &p->cur);
        p->have = true;
    }
    return &p->cur;
}

static tok next(parser *p)
{
    tok t = *peek(p);
    p->have = false;
    return t;
}

static const char *tok_name(tok_kind k)
{
    switch (k) {
    case T_EOF: return "the end of the query";
    case T_LPAREN: return "'('";
    case T_RPAREN: return "')'";
    case T_PHRASE: return "a phrase";
    case T_WORD: return "a word";
    case T_AND: return "'AND'";
    case T_OR: return "'OR'";
    case T_NOT: return "'NOT'";
    case T_MINUS: return "'-'";
    case T_NEAR: return "'NEAR'";
    }
    return "?";
}

/* ---------------------------------------------------------------- nodes */

static dp__qnode *node_new(parser *p, dp__qkind kind, uint32_t col)
{
    dp__qnode *nd = dp__query_alloc(p->q, sizeof *nd);
    if (nd == NULL) {
        p->rc = DP_ENOMEM;
        return NULL;
    }
    nd->kind = kind;
    nd->col = col;
    return nd;
}

/* Append kid to an n-ary node; kids arrays double in the arena. */
static int node_add(parser *p, dp__qnode *nd, dp__qnode *kid)
{
    uint32_t n = nd->nkids;
    if ((n & (n - 1)) == 0 && n >= 2) {
        /* n is a power of two >= 2: capacity n is full, double it. */
        dp__qnode **k = dp__query_alloc(p->q, 2 * n * sizeof *k);
        if (k == NULL)
            return p->rc = DP_ENOMEM;
        memcpy(k, nd->kids, n * sizeof *k);
        nd->kids = k;
    } else if (n == 0) {
        nd->kids = dp__query_alloc(p->q, 2 * sizeof *nd->kids);
        if (nd->kids == NULL)
            return p->rc = DP_ENOMEM;
    }
    nd->kids[nd->nkids++] = kid;
    return DP_OK;
}

static dp__qnode *leaf_new(parser *p, const tok *t, size_t at, size_t len,
                           dp__qfield field, unsigned flags)
{
    dp__qnode *nd;

    if (++p->leaves > DP_QUERY_MAX_LEAVES) {
        fail(p, t->col, "too many terms (more than %d)",
             DP_QUERY_MAX_LEAVES);
        return NULL;
    }
    nd = node_new(p, field == DP_QF_DATE ? DP_QK_DATE : DP_QK_PHRASE,
                  t->col);
    if (nd == NULL)
        return NULL;
    nd->field = field;
    nd->flags = flags;
    nd->raw = arena_strndup(p->q, p->s + at, len);
    nd->raw_len = (uint32_t)len;
    if (nd->raw == NULL) {
        p->rc = DP_ENOMEM;
        return NULL;
    }
    if (field == DP_QF_SOURCE || field == DP_QF_LANG)
        nd->kind = DP_QK_META;
    else if (flags & DP_QL_PREFIX)
        nd->kind = DP_QK_PREFIX;
    return nd;
}

/* ---------------------------------------------------------- date values */

/* Parse YYYY, YYYY-MM or YYYY-MM-DD at s[0..n) into the covered day
** span.  On error fills the parser's error at column col. */
static int parse_date_bound(parser *p, const char *s, size_t n, size_t at,
                            int32_t *lo, int32_t *hi)
{
    int y = 0;
    unsigned m = 0, d = 0;
    size_t i;
    uint32_t col = column_of(p, at);

    for (i = 0; i < n && i < 4 && s[i] >= '0' && s[i] <= '9'; i++)
        y = y * 10 + (s[i] - '0');
    if (i != 4 || !(n == 4 || n == 7 || n == 10) ||
        (n >= 7 && (s[4] != '-' || s[5] < '0' || s[5] > '9' || s[6] < '0' ||
                    s[6] > '9')) ||
        (n == 10 && (s[7] != '-' || s[8] < '0' || s[8] > '9' ||
                     s[9] < '0' || s[9] > '9')))
        return fail(p, col,
                    "invalid date '%.*s': expected YYYY, YYYY-MM or "
                    "YYYY-MM-DD",
                    (int)(n > 40 ? 40 : n), s);
    if (y < 1)
        return fail(p, col, "invalid date '%.*s': year out of range",
                    (int)n, s);
    if (n >= 7) {
        m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
        if (m < 1 || m > 12)
            return fail(p, col, "invalid date '%.*s': month out of range",
                        (int)n, s);
    }
    if (n == 10) {
        d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
        if (d < 1 || d > days_in_month(y, m))
            return fail(p, col, "invalid date '%.*s': day out of range",
                        (int)n, s);
    }
    *lo = dp__query_days(y, m ? m : 1, d ? d : 1);
    if (n == 4)
        *hi = dp__query_days(y, 12, 31);
    else if (n == 7)
        *hi = dp__query_days(y, m, days_in_month(y, m));
    else
        *hi = *lo;
    return DP_OK;
}

/* date:A, date:A..B, date:..B, date:A.. */
static int parse_date_value(parser *p, dp__qnode *nd, size_t at, size_t n)
{
    const char *s = p->s + at;
    const char *dots = NULL;
    int32_t lo1, hi1, lo2, hi2;

    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '.' && s[i + 1] == '.') {
            dots = s + i;
            break;
        }
    nd->date_lo = INT32_MIN;
    nd->date_hi = INT32_MAX;
    if (dots == NULL) {
        if (parse_date_bound(p, s, n, at, &lo1, &hi1))
            return p->rc;
        nd->date_lo = lo1;
        nd->date_hi = hi1;
        return DP_OK;
    }
    if (dots == s && n == 2)
        return fail(p, column_of(p, at),
                    "expected a date before or after '..'");
    if (dots > s) {
        if (parse_date_bound(p, s, (size_t)(dots - s), at, &lo1, &hi1))
            return p->rc;
        nd->date_lo = lo1;
    }
    if (dots + 2 < s + n) {
        size_t off = (size_t)(dots + 2 - s);
        if (parse_date_bound(p, dots + 2, n - off, at + off, &lo2, &hi2))
            return p->rc;
        nd->date_hi = hi2;
    }
    if (nd->date_lo > nd->date_hi)
        return fail(p, column_of(p, at),
                    "empty date range: '%.*s' ends before it starts",
                    (int)n, s);
    return DP_OK;
}

/* --------------------------------------------------------------- parser */

static dp__qnode *parse_or(parser *p);

static const struct {
    const char *name;
    dp__qfield field;
} fields[] = {
    {"title:", DP_QF_TITLE},
    {"source:", DP_QF_SOURCE},
    {"lang:", DP_QF_LANG},
    {"date:", DP_QF_DATE},
};

/* Recognise a field prefix (case-insensitive); returns its length. */
static size_t field_prefix(const char *w, size_t n, dp__qfield *field)
{
    for (size_t i = 0; i < DP_ARRAY_LEN(fields); i++) {
        size_t k = strlen(fields[i].name);
        if (n >= k && strncasecmp(w, fields[i].name, k) == 0) {
            *field = fields[i].field;
            return k;
        }
    }
    return 0;
}

/* A bare word: =exact, prefix*, or plain; field is already stripped. */
static dp__qnode *word_leaf(parser *p, const tok *t, size_t at, size_t n,
                            dp__qfield field)
{
    unsigned flags = 0;
    const char *w = p->s + at;
    uint32_t col = column_of(p, at);

    if (n > 0 && w[0] == '=') {
        flags |= DP_QL_EXACT;
        at++, w++, n--;
        if (n == 0) {
            fail(p, col, "expected a word after '='");
            return NULL;
        }
    }
    if (n > 0 && w[n - 1] == '*') {
        flags |= DP_QL_PREFIX;
        n--;
        while (n > 0 && w[n - 1] == '*')
            n--;
        if (n == 0) {
            fail(p, col, "expected letters before '*'");
            return NULL;
        }
        if (flags & DP_QL_EXACT) {
            fail(p, col, "'=' and '*' cannot be combined");
            return NULL;
        }
    }
    return leaf_new(p, t, at, n, field, flags);
}

/* A field followed by its value: title:word, title:"phrase", date:... */
static dp__qnode *field_leaf(parser *p, const tok *t, size_t plen,
                             dp__qfield field)
{
    size_t at = t->at + plen, n = t->len - plen;
    uint32_t vcol = column_of(p, at);
    dp__qnode *nd;

    if (n == 0) {
        /* title:"a phrase" lexes as the word "title:" then a phrase. */
        const tok *nx = peek(p);
        if (nx->kind == T_PHRASE && nx->at == at + 1 && field != DP_QF_DATE) {
            tok ph = next(p);
            nd = leaf_new(p, t, ph.at, ph.len, field, DP_QL_QUOTED);
            return nd;
        }
        fail(p, vcol, "expected %s after '%.*s'",
             field == DP_QF_DATE ? "a date (YYYY, YYYY-MM, YYYY-MM-DD, "
                                   "or a range A..B)"
                                 : "a word or a phrase",
             (int)plen, p->s + t->at);
        return NULL;
    }
    if (field == DP_QF_DATE) {
        nd = leaf_new(p, t, at, n, field, 0);
        if (nd && parse_date_value(p, nd, at, n) != DP_OK)
            return NULL;
        return nd;
    }
    if (field == DP_QF_SOURCE || field == DP_QF_LANG)
        return leaf_new(p, t, at, n, field, 0);
    return word_leaf(p, t, at, n, field);
}

/* The syntax of other engines (Lucene, Elasticsearch, SQL) in a bare
** word: the analyser would drop these characters as punctuation and the
** query would silently mean something else ("guerre || paix" an AND,
** "ukr?ine" the phrase "ukr ine"), so they are errors that say what to
** write instead.  Inside quotes they are text.  true if one was found. */
static bool foreign_syntax(parser *p, const tok *t)
{
    const char *w = p->s + t->at;
    if (t->len == 2 && (memcmp(w, "||", 2) == 0 || memcmp(w, "&&", 2) == 0)) {
        fail(p, t->col, "'%.2s' is not an operator: write %s", w,
             w[0] == '|' ? "OR" : "AND (or nothing: words are all required)");
        return true;
    }
    for (size_t i = 0; i < t->len; i++) {
        unsigned char next = i + 1 < t->len ? (unsigned char)w[i + 1] : 0;
        bool word_follows = next >= 0x80 || isalnum(next);
        const char *why = NULL;
        if (w[i] == '~')
            why = "'~' (fuzzy or proximity search) is not supported: for "
                  "words near each other write a NEAR/n b";
        else if (w[i] == '^' && isdigit(next))
            why = "'^' (boost) is not supported";
        else if (w[i] == '?' && i > 0 && word_follows)
            why = "'?' (one-letter wildcard) is not supported: write a "
                  "prefix (ukr*)";
        if (why) {
            fail(p, column_of(p, t->at + i), "%s", why);
            return true;
        }
    }
    return false;
}

static dp__qnode *parse_primary(parser *p, const char *after,
                                uint32_t after_col)
{
    tok t = next(p);
    dp__qfield field;
    size_t plen;

    if (p->rc)
        return NULL;
    switch (t.kind) {
    case T_LPAREN: {
        dp__qnode *inner;
        const tok *close;
        if (++p->depth > DP_QUERY_MAX_DEPTH) {
            fail(p, t.col, "query nested too deeply (more than %d levels)",
                 DP_QUERY_MAX_DEPTH);
            return NULL;
        }
        inner = parse_or(p);
        if (inner == NULL)
            return NULL;
        close = peek(p);
        if (close->kind != T_RPAREN) {
            fail(p, close->col, "expected ')' to close '(' opened at column %u",
                 (unsigned)t.col);
            return NULL;
        }
        next(p);
        p->depth--;
        return inner;
    }
    case T_PHRASE:
        return leaf_new(p, &t, t.at, t.len, DP_QF_ANY,
                        DP_QL_QUOTED | (t.exact ? DP_QL_EXACT : 0));
    case T_WORD:
        if (foreign_syntax(p, &t))
            return NULL;
        plen = field_prefix(p->s + t.at, t.len, &field);
        if (plen)
            return field_leaf(p, &t, plen, field);
        return word_leaf(p, &t, t.at, t.len, DP_QF_ANY);
    default:
        break;
    }
    if (t.kind == T_RPAREN && p->depth == 0 && after == NULL)
        fail(p, t.col, "unexpected ')' without a matching '('");
    else if (after == NULL && (t.kind == T_EOF))
        fail(p, t.col, "empty query");
    else if (after == NULL)
        fail(p, t.col, "expected a term before %s", tok_name(t.kind));
    else
        fail(p, t.col, "expected a term after %s at column %u, found %s",
             after, (unsigned)after_col, tok_name(t.kind));
    return NULL;
}

static bool is_text_leaf(const dp__qnode *nd)
{
    return nd->kind == DP_QK_PHRASE || nd->kind == DP_QK_PREFIX;
}

static dp__qnode *parse_near(parser *p, const char *after, uint32_t acol)
{
    dp__qnode *left = parse_primary(p, after, acol);

    while (left && peek(p)->kind == T_NEAR) {
        tok op = next(p);
        dp__qnode *right, *nd;
        if (p->rc)
            return NULL;
        if (!is_text_leaf(left)) {
            fail(p, op.col, "NEAR needs a word, a phrase or a prefix on "
                            "its left");
            return NULL;
        }
        right = parse_primary(p, "'NEAR'", op.col);
        if (right == NULL)
            return NULL;
        if (!is_text_leaf(right)) {
            fail(p, right->col, "NEAR needs a word, a phrase or a prefix "
                                "on its right");
            return NULL;
        }
        nd = node_new(p, DP_QK_NEAR, op.col);
        if (nd == NULL || node_add(p, nd, left) || node_add(p, nd, right))
            return NULL;
        nd->near = op.near;
        left = nd;
        if (peek(p)->kind == T_NEAR) {
            fail(p, peek(p)->col, "NEAR cannot be chained: combine two "
                                  "NEAR with AND");
            return NULL;
        }
    }
    return left;
}

static dp__qnode *parse_unary(parser *p, const char *after, uint32_t acol)
{
    const tok *t = peek(p);
    dp__qnode *kid, *nd;
    tok op;

    if (t->kind != T_MINUS && t->kind != T_NOT)
        return parse_near(p, after, acol);
    op = next(p);
    if (++p->depth > DP_QUERY_MAX_DEPTH) {
        fail(p, op.col, "query nested too deeply (more than %d levels)",
             DP_QUERY_MAX_DEPTH);
        return NULL;
    }
    kid = parse_unary(p, op.kind == T_NOT ? "'NOT'" : "'-'", op.col);
    p->depth--;
    if (kid == NULL)
        return NULL;
    nd = node_new(p, DP_QK_NOT, op.col);
    if (nd == NULL || node_add(p, nd, kid))
        return NULL;
    return nd;
}

static bool starts_term(tok_kind k)
{
    return k == T_LPAREN || k == T_PHRASE || k == T_WORD || k == T_MINUS ||
           k == T_NOT;
}

/* Merge kid into an n-ary node of the same kind, or add it. */
static int add_flat(parser *p, dp__qnode *nd, dp__qnode *kid)
{
    if (kid->kind == nd->kind) {
        for (uint32_t i = 0; i < kid->nkids; i++)
            if (node_add(p, nd, kid->kids[i]))
                return p->rc;
        return DP_OK;
    }
    return node_add(p, nd, kid);
}

static dp__qnode *parse_and(parser *p, const char *after, uint32_t acol)
{
    dp__qnode *first = parse_unary(p, after, acol), *nd = NULL;

    while (first && p->rc == DP_OK) {
        const tok *t = peek(p);
        const char *op_name = NULL;
        uint32_t op_col = 0;
        dp__qnode *kid;
        if (t->kind == T_AND) {
            op_col = next(p).col;
            op_name = "'AND'";
        } else if (!starts_term(t->kind)) {
            break;
        }
        kid = parse_unary(p, op_name, op_col);
        if (kid == NULL)
            return NULL;
        if (nd == NULL) {
            nd = node_new(p, DP_QK_AND, first->col);
            if (nd == NULL || add_flat(p, nd, first))
                return NULL;
        }
        if (add_flat(p, nd, kid))
            return NULL;
    }
    if (p->rc)
        return NULL;
    return nd ? nd : first;
}

static dp__qnode *parse_or(parser *p)
{
    dp__qnode *first = parse_and(p, NULL, 0), *nd = NULL;

    while (first && peek(p)->kind == T_OR && p->rc == DP_OK) {
        tok op = next(p);
        dp__qnode *kid = parse_and(p, "'OR'", op.col);
        if (kid == NULL)
            return NULL;
        if (nd == NULL) {
            nd = node_new(p, DP_QK_OR, first->col);
            if (nd == NULL || add_flat(p, nd, first))
                return NULL;
        }
        if (add_flat(p, nd, kid))
            return NULL;
    }
    if (p->rc)
        return NULL;
    return nd ? nd : first;
}

int dp__query_parse_syntax(dp_query *q, dp_query_error *err)
{
    parser p;
    const tok *t;

    memset(&p, 0, sizeof p);
    p.q = q;
    p.s = q->text;
    p.n = q->text_len;
    p.err = err;
    if (dp__utf8_valid_prefix(p.s, p.n) != p.n)
        return fail(&p, column_of(&p, dp__utf8_valid_prefix(p.s, p.n)),
                    "invalid UTF-8");
    q->root = parse_or(&p);
    if (q->root == NULL)
        return p.rc ? p.rc : DP_ENOMEM;
    t = peek(&p);
    if (p.rc)
        return p.rc;
    if (t->kind == T_RPAREN)
        return fail(&p, t->col, "unexpected ')' without a matching '('");
    if (t->kind != T_EOF)
        return fail(&p, t->col, "unexpected %s", tok_name(t->kind));
    return DP_OK;
}

/* ------------------------------------------------------ public and dump */

int dp_query_parse(const char *text, size_t n, const dp_query_options *opts,
                   dp_query **out, dp_query_error *err)
{
    dp_query_options def = DP_QUERY_OPTIONS_INIT;
    dp_analyzer *own = NULL;
    dp_query *q;
    int rc;

    *out = NULL;
    if (err) {
        err->column = 0;
        err->message[0] = '\0';
    }
    if (opts == NULL)
        opts = &def;
    if (opts->version != DP_QUERY_OPTIONS_VERSION || (text == NULL && n))
        return DP_EINVAL;
    q = dp__calloc(1, sizeof *q);
    if (q == NULL)
        return DP_ENOMEM;
    q->text = dp__strndup(text ? text : "", n);
    if (q->text == NULL) {
        dp__free(q);
        return DP_ENOMEM;
    }
    q->text_len = n;
    snprintf(q->lang, sizeof q->lang, "%s",
             opts->lang && opts->lang[0] ? opts->lang : "fr");
    rc = dp__query_parse_syntax(q, err);
    if (rc == DP_OK && opts->analyzer == NULL)
        rc = dp_analyzer_new(&own, NULL);
    if (rc == DP_OK)
        rc = dp__query_analyze(q, opts->analyzer ? opts->analyzer : own, err);
    dp_analyzer_free(own);
    if (rc != DP_OK) {
        dp_query_free(q);
        return rc;
    }
    *out = q;
    return DP_OK;
}

static void day_to_civil(int32_t z, int *y, unsigned *m, unsigned *d)
{
    /* Howard Hinnant's civil_from_days. */
    int era;
    unsigned doe, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)yoe + era * 400 + (*m <= 2);
}

void dp__query_civil(int32_t day, int *y, unsigned *m, unsigned *d)
{
    day_to_civil(day, y, m, d);
}

static int dump_day(dp_buf *b, int32_t day)
{
    int y;
    unsigned m, d;
    day_to_civil(day, &y, &m, &d);
    return dp__buf_printf(b, "%04d-%02u-%02u", y, m, d);
}

static const char *field_name(dp__qfield f)
{
    switch (f) {
    case DP_QF_TITLE: return "title:";
    case DP_QF_SOURCE: return "source:";
    case DP_QF_LANG: return "lang:";
    default: return "";
    }
}

static int dump_leaf(const dp__qnode *nd, dp_buf *b)
{
    int rc = dp__buf_printf(b, "%s", field_name(nd->field));
    if (nd->kind == DP_QK_PREFIX)
        return rc ? rc : dp__buf_printf(b, "%s*", nd->terms[0].text);
    if (nd->nterms > 1 && !rc)
        rc = dp__buf_putc(b, '"');
    for (uint32_t i = 0; i < nd->nterms && !rc; i++) {
        const dp__qterm *t = &nd->terms[i];
        if (i > 0)
            for (uint32_t g = nd->terms[i - 1].pos + 1; g < t->pos && !rc; g++)
                rc = dp__buf_append(b, " ?", 2);
        if (!rc)
            rc = dp__buf_printf(b, "%s%s%s%s", i ? " " : "",
                                t->exact ? "=" : "", t->text,
                                t->prefix ? "*" : "");
    }
    if (nd->nterms > 1 && !rc)
        rc = dp__buf_putc(b, '"');
    return rc;
}

static int dump_node(const dp__qnode *nd, dp_buf *b)
{
    int rc = DP_OK;
    const char *name = NULL;

    switch (nd->kind) {
    case DP_QK_NONE: return dp__buf_printf(b, "none");
    case DP_QK_ALL: return dp__buf_printf(b, "all");
    case DP_QK_PHRASE:
    case DP_QK_PREFIX:
        if (nd->terms == NULL) /* syntax tree, before analysis */
            return dp__buf_printf(b, "%s%s\"%s\"%s", field_name(nd->field),
                                  nd->flags & DP_QL_EXACT ? "=" : "",
                                  nd->raw,
                                  nd->flags & DP_QL_PREFIX ? "*" : "");
        return dump_leaf(nd, b);
    case DP_QK_META:
        return dp__buf_printf(b, "%s%s", field_name(nd->field), nd->raw);
    case DP_QK_DATE:
        rc = dp__buf_printf(b, "date:");
        if (!rc && nd->date_lo != INT32_MIN)
            rc = dump_day(b, nd->date_lo);
        if (!rc)
            rc = dp__buf_printf(b, "..");
        if (!rc && nd->date_hi != INT32_MAX)
            rc = dump_day(b, nd->date_hi);
        return rc;
    case DP_QK_NEAR:
        rc = dp__buf_printf(b, "(near/%u", (unsigned)nd->near);
        break;
    case DP_QK_AND: name = "(and"; break;
    case DP_QK_OR: name = "(or"; break;
    case DP_QK_NOT: name = "(not"; break;
    }
    if (name)
        rc = dp__buf_printf(b, "%s", name);
    for (uint32_t i = 0; i < nd->nkids && !rc; i++) {
        rc = dp__buf_putc(b, ' ');
        if (!rc)
            rc = dump_node(nd->kids[i], b);
    }
    return rc ? rc : dp__buf_putc(b, ')');
}

int dp__query_dump(const dp_query *q, dp_buf *out)
{
    return q->root ? dump_node(q->root, out) : dp__buf_printf(out, "none");
}

size_t dp_query_explain(const dp_query *q, char *buf, size_t cap)
{
    dp_buf b = DP_BUF_INIT;
    size_t n;

    if (dp__query_dump(q, &b) != DP_OK) {
        dp__buf_free(&b);
        if (cap)
            buf[0] = '\0';
        return 0;
    }
    n = b.n;
    if (cap) {
        size_t k = n < cap ? n : cap - 1;
        memcpy(buf, b.p, k);
        buf[k] = '\0';
    }
    dp__buf_free(&b);
    return n;
}
