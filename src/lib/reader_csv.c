/*
** reader_csv.c -- CSV and TSV with a header row (RFC 4180 quoting).
**
** The first row of each file names the columns; the names map to record
** slots through the same aliases as JSON keys.  A field that starts with
** a double quote is quoted: it ends at the next lone quote, "" stands for
** one quote, and it may run over several lines (the line numbers of
** issues stay those of the file, since rows are read line by line).  A
** quote inside an unquoted field is kept as it is.  TSV follows the same
** rules with a tab as separator.  Lines that are entirely empty between
** rows are skipped; a row whose field count differs from the header's is
** rejected, never padded or cut.  Values are copied into the record arena
** (unquoting changes them), and an empty value counts as absent.
*/
#include "dp_int.h"

/* One field of the current row: its bytes in the arena, where it began. */
struct dp__csvf {
    size_t off, n;
    uint64_t line, col;
};

void dp__csv_reset(dp_reader *r)
{
    r->csv_have_header = false;
    r->csv_ncols = 0;
    dp__buf_clear(&r->csv_names);
}

static int push_field(dp_reader *r, size_t *nf, size_t off, uint64_t line,
                      uint64_t col)
{
    if (*nf == r->csv_cap_f) {
        size_t cap = r->csv_cap_f ? r->csv_cap_f * 2 : 32;
        struct dp__csvf *f;
        if (cap > SIZE_MAX / sizeof *f)
            return DP_ENOMEM;
        f = dp__realloc(r->csv_f, cap * sizeof *f);
        if (f == NULL)
            return DP_ENOMEM;
        r->csv_f = f;
        r->csv_cap_f = cap;
    }
    struct dp__csvf *f = &r->csv_f[(*nf)++];
    f->off = off;
    f->n = r->arena.n - off;
    f->line = line;
    f->col = col;
    return DP_OK;
}

/* Syntax problem found while reading a row. */
typedef struct rowerr {
    const char *why;
    uint64_t line, col;
} rowerr;

/* Read the rest of a quoted field starting after its opening quote at
** ln->p[*i - 1].  May read further lines.  Sets *i past the closing quote;
** on a syntax error fills *e. */
static int quoted_field(dp_reader *r, dp__line **lnp, size_t *i, rowerr *e)
{
    dp__line *ln = *lnp;
    uint64_t line0 = ln->no, col0 = *i;
    int rc;

    for (;;) {
        char *q = memchr(ln->p + *i, '"', ln->n - *i);
        if (q == NULL) {
            rc = dp__buf_append(&r->arena, ln->p + *i, ln->n - *i);
            if (rc == DP_OK)
                rc = dp__buf_putc(&r->arena, '\n');
            if (rc == DP_OK)
                rc = dp__reader_line(r, lnp);
            if (rc == DP_ENOTFOUND) {
                e->why = "quoted field not closed before the end of the file";
                e->line = line0;
                e->col = col0;
                return DP_OK;
            }
            if (rc != DP_OK)
                return rc;
            ln = *lnp;
            dp__reader_note_bad(r, ln);
            *i = 0;
            continue;
        }
        size_t k = (size_t)(q - ln->p);
        rc = dp__buf_append(&r->arena, ln->p + *i, k - *i);
        if (rc != DP_OK)
            return rc;
        if (k + 1 < ln->n && ln->p[k + 1] == '"') {
            rc = dp__buf_putc(&r->arena, '"');
            if (rc != DP_OK)
                return rc;
            *i = k + 2;
            continue;
        }
        *i = k + 1;
        return DP_OK;
    }
}

/* Read one row into r->csv_f.  DP_ENOTFOUND at the end of the file.
** *nf is the number of fields; e->why is set on a syntax error. */
static int read_row(dp_reader *r, size_t *nf, uint64_t *row_line, rowerr *e)
{
    dp__line *ln;
    size_t i = 0;
    char sep = r->sep;
    int rc;

    *nf = 0;
    e->why = NULL;
    rc = dp__reader_line(r, &ln);
    if (rc != DP_OK)
        return rc;
    *row_line = ln->no;
    dp__reader_note_bad(r, ln);
    for (;;) {
        size_t off = r->arena.n;
        uint64_t line = ln->no, col = i + 1;
        if (i < ln->n && ln->p[i] == '"') {
            i++;
            rc = quoted_field(r, &ln, &i, e);
            if (rc != DP_OK || e->why != NULL)
                return rc;
            if (i < ln->n && ln->p[i] != sep) {
                e->why = "unexpected character after a closing quote";
                e->line = ln->no;
                e->col = i + 1;
                return DP_OK;
            }
        } else {
            const char *s = memchr(ln->p + i, sep, ln->n - i);
            size_t k = s ? (size_t)(s - ln->p) : ln->n;
            rc = dp__buf_append(&r->arena, ln->p + i, k - i);
            if (rc != DP_OK)
                return rc;
            i = k;
        }
        rc = push_field(r, nf, off, line, col);
        if (rc != DP_OK)
            return rc;
        if (i >= ln->n)
            return DP_OK;
        i++; /* the separator */
    }
}

static int read_header(dp_reader *r)
{
    size_t nf;
    uint64_t line;
    rowerr e;
    int rc;

    do {
        dp__rec_reset(r);
        rc = read_row(r, &nf, &line, &e);
        if (rc != DP_OK)
            return rc;
    } while (e.why == NULL && nf == 1 && r->csv_f[0].n == 0);
    if (e.why != NULL) {
        /* Without names no row can be read: the file is given up. */
        rc = dp__reader_issue(r, DP_ISSUE_SYNTAX, true, e.line, e.col,
                              "CSV header row: %s; rest of the file skipped",
                              e.why);
        return rc ? rc : DP_ENOTFOUND;
    }
    dp__buf_clear(&r->csv_names);
    if (r->csv_cap_cols < nf + 1) {
        size_t *o = nf + 1 > SIZE_MAX / sizeof *o
                        ? NULL
                        : dp__realloc(r->csv_name_off, (nf + 1) * sizeof *o);
        if (o == NULL)
            return DP_ENOMEM;
        r->csv_name_off = o;
        r->csv_cap_cols = nf + 1;
    }
    for (size_t k = 0; k < nf; k++) {
        const char *s = r->arena.p + r->csv_f[k].off;
        size_t n = r->csv_f[k].n;
        while (n > 0 && (s[0] == ' ' || s[0] == '\t'))
            s++, n--;
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        r->csv_name_off[k] = r->csv_names.n;
        rc = dp__buf_append(&r->csv_names, s, n);
        if (rc != DP_OK)
            return rc;
    }
    r->csv_name_off[nf] = r->csv_names.n;
    r->csv_ncols = nf;
    r->csv_have_header = true;
    return DP_OK;
}

/* Hand the fields of a row to the record builder. */
static int add_row(dp_reader *r, size_t nf)
{
    for (size_t k = 0; k < nf; k++) {
        const struct dp__csvf *f = &r->csv_f[k];
        size_t nb = r->csv_name_off[k], ne = r->csv_name_off[k + 1];
        dp__ref name = {r->csv_names.p + nb, 0, ne - nb};
        dp__ref val = {NULL, f->off, f->n};
        if (name.p == NULL)
            name.p = "";
        int rc = dp__rec_add(r, name.p, name.n, name, val,
                             f->n ? DP__V_STRING : DP__V_NULL, f->line, f->col);
        if (rc != DP_OK)
            return rc;
    }
    return DP_OK;
}

static int count_issue(dp_reader *r, size_t nf, uint64_t line)
{
    size_t want = r->csv_ncols;
    if (nf > want)
        return dp__reader_issue(r, DP_ISSUE_FIELD_COUNT, true,
                                r->csv_f[want].line, r->csv_f[want].col,
                                "row has %zu fields, the header has %zu: "
                                "record rejected (first extra field: %s)",
                                nf, want,
                                dp__reader_quote(r, r->arena.p + r->csv_f[want].off,
                                                 r->csv_f[want].n));
    return dp__reader_issue(r, DP_ISSUE_FIELD_COUNT, true, line, 0,
                            "row has %zu fields, the header has %zu: record "
                            "rejected",
                            nf, want);
}

int dp__csv_next(dp_reader *r)
{
    size_t nf;
    uint64_t line;
    rowerr e;
    bool delivered;
    int rc;

    if (!r->csv_have_header) {
        rc = read_header(r);
        if (rc != DP_OK)
            return rc;
    }
    for (;;) {
        dp__rec_reset(r);
        rc = read_row(r, &nf, &line, &e);
        if (rc != DP_OK)
            return rc;
        if (e.why != NULL) {
            rc = dp__reader_issue(r, DP_ISSUE_SYNTAX, true, e.line, e.col,
                                  "CSV syntax: %s: record rejected", e.why);
        } else if (nf == 1 && r->csv_f[0].n == 0 && r->csv_f[0].line == line &&
                   r->bad_col == 0 && r->csv_ncols != 1) {
            continue; /* an empty line between rows */
        } else if (nf != r->csv_ncols) {
            rc = count_issue(r, nf, line);
        } else {
            rc = add_row(r, nf);
            if (rc == DP_OK)
                rc = dp__rec_finish(r, line, &delivered);
            if (rc == DP_OK && delivered)
                return DP_OK;
        }
        if (rc != DP_OK)
            return rc;
    }
}
