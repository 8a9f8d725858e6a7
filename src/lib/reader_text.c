/*
** reader_text.c -- the plain-text record format.
**
** A record starts at a `date` header line and runs until the next one:
**
**      date 2022-01 L'entretien téléphonique d'une heure entre ...
**
**      date: Fri, 28 Jan 2022 15:02:15 +0100
**      title: Macron et Poutine
**      source lemonde.fr
**
**      Text, paragraphs separated by blank lines...
**
** A line starts a record when, after optional spaces, it holds the word
** `date` (lowercase) and a space, or `date:` (any case), followed by a
** value that either parses whole as a date, or begins with four digits.
** In the second case the value is the first word (plus a following
** hh:mm clock, if any) and the rest of the line is the first line of
** text: this is how the reference record is written.  A value beginning
** with four digits that is not a valid date still starts a record, which
** is then rejected with the reason, so that a typo never merges two
** articles.  Right after a date line that carried no text, lines naming
** a known field (id, title, source, url, lang) as `name value` or
** `name: value` are header fields; the header block ends at the first
** other line.  Everything else is text: leading blank lines and trailing
** white space are trimmed, lines are joined with "\n", and "\r\n" line
** ends have already lost their "\r".  Text before the first date line of
** a file is a record without a date (rejected unless dates are optional);
** blank lines there are ignored.  The title is never derived from the
** text: a record has one only if a `title` header gives it.
*/
#include "dp_int.h"

static const char *const header_names[] = {"id", "title", "source", "url",
                                           "lang"};

static bool is_blank(int c) { return c == ' ' || c == '\t'; }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }

static size_t skip_blanks(const char *p, size_t i, size_t n)
{
    while (i < n && is_blank(p[i]))
        i++;
    return i;
}

/* After `name` at p[i..]: " value" (name must be lowercase) or ": value"
** (any case).  Sets *v to the start of the value.  Returns 0 if neither,
** 1 for the space form, 2 for the colon form. */
static int name_then_value(const char *p, size_t i, size_t n,
                           const char *name, size_t *v)
{
    size_t k = strlen(name), j;
    if (n - i < k + 1 || strncasecmp(p + i, name, k) != 0)
        return 0;
    j = skip_blanks(p, i + k, n);
    if (j < n && p[j] == ':') {
        *v = skip_blanks(p, j + 1, n);
        return 2;
    }
    if (j == i + k || memcmp(p + i, name, k) != 0)
        return 0; /* no separator, or not lowercase */
    *v = j;
    return 1;
}

static size_t trim_end(const char *p, size_t b, size_t e)
{
    while (e > b && (is_blank(p[e - 1])))
        e--;
    return e;
}

/* Does ln start a record?  *val is the date value; *txt the offset of the
** text that follows it on the line (== ln->n if none). */
static bool date_line(const dp__line *ln, size_t *vb, size_t *ve, size_t *txt)
{
    const char *p = ln->p;
    size_t n = ln->n, i = skip_blanks(p, 0, n), v, e, k;
    dp_date d;

    if (i >= n || (p[i] | 0x20) != 'd' || !name_then_value(p, i, n, "date", &v))
        return false;
    e = trim_end(p, v, n);
    if (v == e)
        return false;
    if (dp_date_parse(p + v, e - v, &d, NULL) == DP_OK) {
        *vb = v;
        *ve = e;
        *txt = n;
        return true;
    }
    if (e - v < 4 || !is_digit(p[v]) || !is_digit(p[v + 1]) ||
        !is_digit(p[v + 2]) || !is_digit(p[v + 3]))
        return false;
    k = v;
    while (k < e && !is_blank(p[k]))
        k++;
    /* "2022-01-28 15:02[:15][+01:00]": the clock belongs to the date. */
    size_t c = skip_blanks(p, k, e);
    if (c + 5 <= e && is_digit(p[c]) && is_digit(p[c + 1]) && p[c + 2] == ':') {
        k = c;
        while (k < e && !is_blank(p[k]))
            k++;
    }
    *vb = v;
    *ve = k;
    *txt = skip_blanks(p, k, n);
    return true;
}

/* Is ln a header field line?  Sets the name and value spans. */
static bool header_line(const dp__line *ln, size_t *nb, size_t *ne, size_t *vb,
                        size_t *ve)
{
    const char *p = ln->p;
    size_t n = ln->n, i = skip_blanks(p, 0, n), v;

    for (size_t k = 0; k < DP_ARRAY_LEN(header_names); k++) {
        if (i >= n || (p[i] | 0x20) != header_names[k][0])
            continue;
        int form = name_then_value(p, i, n, header_names[k], &v);
        if (form == 0)
            continue;
        size_t e = trim_end(p, v, n);
        if (v == e && form == 1)
            return false; /* "title" alone is text, "title:" a field */
        *nb = i;
        *ne = i + strlen(header_names[k]);
        *vb = v;
        *ve = e;
        return true;
    }
    return false;
}

static int add_header(dp_reader *r, const dp__line *ln, size_t nb, size_t ne,
                      size_t vb, size_t ve)
{
    dp__ref name, val;
    int rc = dp__rec_copy(r, ln->p + nb, ne - nb, &name);
    if (rc == DP_OK)
        rc = dp__rec_copy(r, ln->p + vb, ve - vb, &val);
    if (rc == DP_OK) {
        /* Names are matched case-insensitively; store them lowercase. */
        for (size_t k = 0; k < name.n; k++) {
            char *c = r->arena.p + name.off + k;
            *c = (char)(*c | 0x20);
        }
        rc = dp__rec_add(r, ln->p + nb, ne - nb, name, val,
                         ve > vb ? DP__V_STRING : DP__V_NULL, ln->no, vb + 1);
    }
    return rc;
}

/* Append one line of text (s[0..n)), keeping blank lines between
** paragraphs but none before the first.  Text that will be rejected
** anyway (no date, dates required) is only noted, not kept: a file
** without any date line then costs no memory however large it is. */
static int add_text(dp_reader *r, const char *s, size_t n)
{
    int rc;
    bool blank = skip_blanks(s, 0, n) == n;
    r->text_seen |= !blank;
    if (r->text_discard || (r->tbuf.n == 0 && blank))
        return DP_OK;
    if (r->tbuf.n > 0) {
        rc = dp__buf_putc(&r->tbuf, '\n');
        if (rc != DP_OK)
            return rc;
    }
    return dp__buf_append(&r->tbuf, s, n);
}

/* Move the text into the arena as the `text` field, trimmed. */
static int add_text_field(dp_reader *r, uint64_t line)
{
    static const char name[] = "text";
    dp__ref nref = {name, 0, 4}, val;
    size_t n = r->tbuf.n;
    while (n > 0 && (r->tbuf.p[n - 1] == ' ' || r->tbuf.p[n - 1] == '\t' ||
                     r->tbuf.p[n - 1] == '\n'))
        n--;
    if (n == 0)
        return DP_OK;
    int rc = dp__rec_copy(r, r->tbuf.p, n, &val);
    if (rc == DP_OK)
        rc = dp__rec_add(r, name, 4, nref, val, DP__V_STRING, line, 1);
    return rc;
}

/* Read the lines of one record after its first line.  *in_header says
** whether header fields may still come. */
static int read_body(dp_reader *r, bool in_header, uint64_t *text_line)
{
    dp__line *ln;
    size_t vb, ve, txt, nb, ne;
    int rc;

    for (;;) {
        rc = dp__reader_line(r, &ln);
        if (rc == DP_ENOTFOUND)
            return DP_OK;
        if (rc != DP_OK)
            return rc;
        if (date_line(ln, &vb, &ve, &txt)) {
            dp__reader_unread(r);
            return DP_OK;
        }
        dp__reader_note_bad(r, ln);
        if (in_header && header_line(ln, &nb, &ne, &vb, &ve)) {
            rc = add_header(r, ln, nb, ne, vb, ve);
            if (rc != DP_OK)
                return rc;
            continue;
        }
        in_header = false;
        if (*text_line == 0 && skip_blanks(ln->p, 0, ln->n) < ln->n)
            *text_line = ln->no;
        rc = add_text(r, ln->p, ln->n);
        if (rc != DP_OK)
            return rc;
    }
}

int dp__text_next(dp_reader *r)
{
    dp__line *ln;
    size_t vb, ve, txt;
    int rc;

    for (;;) {
        dp__rec_reset(r);
        dp__buf_clear(&r->tbuf);
        rc = dp__reader_line(r, &ln);
        if (rc != DP_OK)
            return rc;
        uint64_t start = ln->no, text_line = 0;
        bool has_date = date_line(ln, &vb, &ve, &txt);
        r->text_discard = !has_date && r->opt.require_date;
        r->text_seen = false;
        dp__reader_note_bad(r, ln);
        if (has_date) {
            static const char name[] = "date";
            dp__ref nref = {name, 0, 4}, val;
            rc = dp__rec_copy(r, ln->p + vb, ve - vb, &val);
            if (rc == DP_OK)
                rc = dp__rec_add(r, name, 4, nref, val, DP__V_STRING, ln->no,
                                 vb + 1);
            if (rc == DP_OK && txt < ln->n) {
                text_line = ln->no;
                rc = add_text(r, ln->p + txt, ln->n - txt);
            }
            if (rc == DP_OK)
                rc = read_body(r, txt == ln->n, &text_line);
        } else {
            dp__reader_unread(r);
            rc = read_body(r, true, &text_line);
        }
        if (rc != DP_OK)
            return rc;
        if (!has_date && r->n_cands == 0 && !r->text_seen && r->bad_col == 0)
            continue; /* only blank lines before the first record */
        rc = add_text_field(r, text_line ? text_line : start);
        if (rc != DP_OK)
            return rc;
        bool delivered;
        rc = dp__rec_finish(r, has_date ? start : (text_line ? text_line : start),
                            &delivered);
        if (rc != DP_OK)
            return rc;
        if (delivered)
            return DP_OK;
    }
}
