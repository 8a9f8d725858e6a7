/*
** reader_jsonl.c -- JSON Lines: one JSON object per line.
**
** A small hand-written parser built for speed on news dumps: the line is
** parsed where it lies in the reader's buffer and strings are unescaped in
** place (an escape is never shorter than what it stands for, so the write
** cursor never overtakes the read cursor).  Strings without escapes cost
** two memchr calls and no copy; no field is ever malloc'd.  Top-level
** string values and keys are decoded; numbers, booleans and nested arrays
** or objects are validated and kept as their JSON text, which is what an
** extra field carries.  Nesting deeper than MAX_DEPTH is a syntax error
** (the parser recurses once per level).  Raw control characters inside
** strings are tolerated: news dumps carry stray tabs, and refusing the
** whole article for one would help no one.
*/
#include "dp_int.h"

#define MAX_DEPTH 200

typedef struct jparse {
    char *line;          /* start of the line, for columns */
    char *end;
    const char *err;     /* reason of a syntax error */
    const char *err_at;  /* where it was found */
    const char *surrogate_at; /* first lone surrogate escape */
} jparse;

static const char *fail(jparse *j, const char *at, const char *why)
{
    if (j->err == NULL) {
        j->err = why;
        j->err_at = at;
    }
    return NULL;
}

static char *skip_ws(char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

static int hex4(const char *p, const char *end)
{
    int v = 0;
    if (end - p < 4)
        return -1;
    for (int k = 0; k < 4; k++) {
        int c = (unsigned char)p[k], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Decode one escape at p (just after the backslash) into w.  Returns the
** new read position, *w advanced; NULL on a bad escape. */
static char *decode_escape(jparse *j, char *p, char **w)
{
    static const char simple[256] = {
        ['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
        ['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t',
    };
    unsigned char c;
    int32_t cp;

    if (p >= j->end)
        return (char *)fail(j, p - 1, "unterminated string");
    c = (unsigned char)*p;
    if (c != 'u') {
        if (simple[c] == 0)
            return (char *)fail(j, p - 1, "unknown escape in string");
        *(*w)++ = simple[c];
        return p + 1;
    }
    cp = hex4(p + 1, j->end);
    if (cp < 0)
        return (char *)fail(j, p - 1, "bad \\u escape in string");
    p += 5;
    if (cp >= 0xD800 && cp <= 0xDBFF && j->end - p >= 6 && p[0] == '\\' &&
        p[1] == 'u') {
        int lo = hex4(p + 2, j->end);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
        }
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
        if (j->surrogate_at == NULL)
            j->surrogate_at = p - 6;
        cp = 0xFFFD;
    }
    *w += dp__utf8_encode(cp, *w);
    return p;
}

/* Decode the string starting after its opening quote, in place.  *out
** gets the decoded bytes; returns the position after the closing quote. */
static char *read_string(jparse *j, char *p, dp__ref *out)
{
    char *start = p, *w = p;
    char *q = memchr(p, '"', (size_t)(j->end - p));

    for (;;) {
        if (q == NULL)
            return (char *)fail(j, start - 1, "unterminated string");
        char *b = memchr(p, '\\', (size_t)(q - p));
        if (b == NULL) {
            if (w != p)
                memmove(w, p, (size_t)(q - p));
            w += q - p;
            out->p = start;
            out->off = 0;
            out->n = (size_t)(w - start);
            return q + 1;
        }
        if (w != p)
            memmove(w, p, (size_t)(b - p));
        w += b - p;
        p = decode_escape(j, b + 1, &w);
        if (p == NULL)
            return NULL;
        if (p > q) /* the quote was escaped: find the next one */
            q = memchr(p, '"', (size_t)(j->end - p));
    }
}

/* Skip a string without decoding it (inside nested values). */
static char *skip_string(jparse *j, char *p)
{
    char *start = p;
    for (;;) {
        char *q = memchr(p, '"', (size_t)(j->end - p));
        if (q == NULL)
            return (char *)fail(j, start - 1, "unterminated string");
        char *b = memchr(p, '\\', (size_t)(q - p));
        if (b == NULL)
            return q + 1;
        p = b + 1;
        if (p >= j->end)
            return (char *)fail(j, b, "unterminated string");
        if (*p == 'u') {
            if (hex4(p + 1, j->end) < 0)
                return (char *)fail(j, b, "bad \\u escape in string");
            p += 5;
        } else if (strchr("\"\\/bfnrt", *p) != NULL && *p != '\0') {
            p++;
        } else {
            return (char *)fail(j, b, "unknown escape in string");
        }
    }
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }

static char *skip_number(jparse *j, char *p)
{
    char *start = p;
    if (p < j->end && *p == '-')
        p++;
    if (p < j->end && *p == '0') {
        p++;
    } else if (p < j->end && is_digit(*p)) {
        while (p < j->end && is_digit(*p))
            p++;
    } else {
        return (char *)fail(j, start, "bad number");
    }
    if (p < j->end && *p == '.') {
        p++;
        if (p >= j->end || !is_digit(*p))
            return (char *)fail(j, start, "bad number");
        while (p < j->end && is_digit(*p))
            p++;
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < j->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= j->end || !is_digit(*p))
            return (char *)fail(j, start, "bad number");
        while (p < j->end && is_digit(*p))
            p++;
    }
    return p;
}

static char *skip_value(jparse *j, char *p, int depth, int *type);

/* Skip an array or object (p at its bracket). */
static char *skip_container(jparse *j, char *p, int depth)
{
    bool obj = *p == '{';
    char close = obj ? '}' : ']';
    int type;

    if (depth >= MAX_DEPTH)
        return (char *)fail(j, p, "nesting too deep");
    p = skip_ws(p + 1, j->end);
    if (p < j->end && *p == close)
        return p + 1;
    for (;;) {
        if (obj) {
            if (p >= j->end || *p != '"')
                return (char *)fail(j, p, "expected a string key");
            p = skip_string(j, p + 1);
            if (p == NULL)
                return NULL;
            p = skip_ws(p, j->end);
            if (p >= j->end || *p != ':')
                return (char *)fail(j, p, "expected ':'");
            p = skip_ws(p + 1, j->end);
        }
        p = skip_value(j, p, depth + 1, &type);
        if (p == NULL)
            return NULL;
        p = skip_ws(p, j->end);
        if (p < j->end && *p == ',') {
            p = skip_ws(p + 1, j->end);
            continue;
        }
        if (p < j->end && *p == close)
            return p + 1;
        return (char *)fail(j, p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static char *skip_literal(jparse *j, char *p, const char *lit, size_t n)
{
    if ((size_t)(j->end - p) < n || memcmp(p, lit, n) != 0)
        return (char *)fail(j, p, "unexpected character");
    return p + n;
}

/* Any value except a top-level string (which read_value decodes). */
static char *skip_value(jparse *j, char *p, int depth, int *type)
{
    if (p >= j->end)
        return (char *)fail(j, p, "missing value");
    switch (*p) {
    case '"': *type = DP__V_STRING; return skip_string(j, p + 1);
    case '{': *type = DP__V_OBJECT; return skip_container(j, p, depth);
    case '[': *type = DP__V_ARRAY; return skip_container(j, p, depth);
    case 't': *type = DP__V_BOOL; return skip_literal(j, p, "true", 4);
    case 'f': *type = DP__V_BOOL; return skip_literal(j, p, "false", 5);
    case 'n': *type = DP__V_NULL; return skip_literal(j, p, "null", 4);
    default: *type = DP__V_NUMBER; return skip_number(j, p);
    }
}

/* Parse the object of one line into record fields.  Returns DP_OK (check
** j->err for a syntax error) or DP_ENOMEM. */
static int parse_object(dp_reader *r, jparse *j, uint64_t lineno)
{
    char *p = skip_ws(j->line, j->end);
    int rc;

    if (p >= j->end || *p != '{')
        return fail(j, p, "a line must hold one JSON object"), DP_OK;
    p = skip_ws(p + 1, j->end);
    if (p < j->end && *p == '}') {
        p++;
        goto trailing;
    }
    for (;;) {
        dp__ref key, val = {NULL, 0, 0};
        int type;
        if (p >= j->end || *p != '"')
            return fail(j, p, "expected a string key"), DP_OK;
        p = read_string(j, p + 1, &key);
        if (p == NULL)
            return DP_OK;
        p = skip_ws(p, j->end);
        if (p >= j->end || *p != ':')
            return fail(j, p, "expected ':'"), DP_OK;
        p = skip_ws(p + 1, j->end);
        char *vstart = p;
        if (p < j->end && *p == '"') {
            type = DP__V_STRING;
            p = read_string(j, p + 1, &val);
        } else {
            p = skip_value(j, p, 1, &type);
            val.p = vstart;
            val.n = p ? (size_t)(p - vstart) : 0;
        }
        if (p == NULL)
            return DP_OK;
        rc = dp__rec_add(r, key.p, key.n, key, val, type, lineno,
                         (uint64_t)(vstart - j->line) + 1);
        if (rc != DP_OK)
            return rc;
        p = skip_ws(p, j->end);
        if (p < j->end && *p == ',') {
            p = skip_ws(p + 1, j->end);
            continue;
        }
        if (p < j->end && *p == '}') {
            p++;
            break;
        }
        return fail(j, p, "expected ',' or '}'"), DP_OK;
    }
trailing:
    p = skip_ws(p, j->end);
    if (p < j->end)
        fail(j, p, "unexpected text after the object");
    return DP_OK;
}

static bool blank(const dp__line *ln)
{
    for (size_t i = 0; i < ln->n; i++)
        if (ln->p[i] != ' ' && ln->p[i] != '\t')
            return false;
    return true;
}

/* A lone \uD800-style escape: repaired (warning) or the record refused. */
static int lone_surrogate(dp_reader *r, jparse *j, const dp__line *ln,
                          bool *rejected)
{
    uint64_t col = (uint64_t)(j->surrogate_at - j->line) + 1;
    *rejected = r->opt.utf8 == DP_UTF8_REJECT;
    return dp__reader_issue(r, *rejected ? DP_ISSUE_UTF8 : DP_ISSUE_UTF8_REPAIRED,
                            *rejected, ln->no, col,
                            *rejected ? "lone UTF-16 surrogate escape: record "
                                        "rejected"
                                      : "lone UTF-16 surrogate escape replaced "
                                        "by U+FFFD");
}

int dp__jsonl_next(dp_reader *r)
{
    dp__line *ln;
    int rc;

    for (;;) {
        rc = dp__reader_line(r, &ln);
        if (rc != DP_OK)
            return rc;
        if (blank(ln))
            continue;
        dp__rec_reset(r);
        if (ln->bad_col != 0) {
            dp__reader_note_bad(r, ln);
            rc = dp__reader_issue(r, DP_ISSUE_UTF8, true, ln->no, ln->bad_col,
                                  "invalid UTF-8 (byte 0x%02X): record rejected",
                                  r->bad_byte);
            if (rc)
                return rc;
            continue;
        }
        jparse j = {ln->p, ln->p + ln->n, NULL, NULL, NULL};
        rc = parse_object(r, &j, ln->no);
        if (rc != DP_OK)
            return rc;
        if (j.err != NULL) {
            const char *at = j.err_at < j.end ? j.err_at : j.end;
            size_t left = (size_t)(j.end - at);
            rc = dp__reader_issue(r, DP_ISSUE_SYNTAX, true, ln->no,
                                  (uint64_t)(at - j.line) + 1,
                                  "JSON syntax: %s at %s", j.err,
                                  left ? dp__reader_quote(r, at, left < 40 ? left : 40)
                                       : "end of line");
            if (rc)
                return rc;
            continue;
        }
        if (j.surrogate_at != NULL) {
            bool rejected;
            rc = lone_surrogate(r, &j, ln, &rejected);
            if (rc)
                return rc;
            if (rejected)
                continue;
        }
        bool delivered;
        rc = dp__rec_finish(r, ln->no, &delivered);
        if (rc != DP_OK)
            return rc;
        if (delivered)
            return DP_OK;
    }
}
