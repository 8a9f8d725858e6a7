/*
** reader.c -- streaming records out of files, directories and stdin.
**
** This file holds what every input format shares.  At open, the paths are
** expanded into a flat list of files (directories walked recursively in
** byte order of names, hidden entries skipped); files are opened one at a
** time, when reached.  Each file is read through a large buffer, inflated
** on the fly when its first bytes are a gzip or zstd magic number, and cut
** into lines with memchr.  gzip is inflated with ISA-L's igzip, three times
** faster than zlib (0.16 s instead of 0.5 s of CPU for the 37 MB Le Monde
** dump), which matters when reading is a fifth of the indexing budget.
** Lines are checked for UTF-8 here, once, so the parsers see either valid
** text, a repaired copy, or a line flagged with the column of its first
** bad byte.  The record builder collects named
** fields into a per-record arena (reused from record to record, so memory
** follows the largest record, not the input), picks the field that fills
** each slot of dp_record, and reports what it could not use.  Nothing is
** ever dropped in silence: every rejected record and unusable field goes
** through dp__reader_issue, which counts it and calls the user's callback.
*/
#include "dp_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <isa-l/igzip_lib.h>
#include <zstd.h>

#define BUF_INITIAL (1u << 20)  /* decompressed bytes */
#define ZBUF_SIZE (256u << 10)  /* compressed bytes */
#define MAX_DIR_DEPTH 64
#define QUOTE_MAX 80

enum { COMP_NONE = 0, COMP_GZIP, COMP_ZSTD };

struct dp__src {
    int comp;
    bool raw_eof;   /* read() returned 0 */
    bool frame_end; /* the last compressed member/frame is complete */
    bool pending;   /* the decompressor filled the buffer: it may hold
                    ** more output even without more input */
    unsigned char *zbuf;
    size_t zbeg, zend;
    struct inflate_state gz;
    ZSTD_DStream *zs;
};

static const char *const issue_names[DP_ISSUE__COUNT] = {
    "date-missing", "date-invalid", "utf8",        "utf8-repaired",
    "syntax",       "field-type",   "field-count", "empty",
    "truncated",    "io",           "empty-file",
};

const char *dp_issue_name(dp_issue_kind kind)
{
    if ((unsigned)kind >= DP_ISSUE__COUNT)
        return "unknown";
    return issue_names[kind];
}

/* ---------------------------------------------------------------------
** Issues
*/

int dp__reader_issue(dp_reader *r, dp_issue_kind kind, bool reject,
                     uint64_t line, uint64_t col, const char *fmt, ...)
{
    dp_issue is;
    va_list ap;
    int rc;

    r->st.by_kind[kind]++;
    if (reject) {
        r->st.rejected++;
        r->file_records++;
    } else {
        r->st.warnings++;
    }
    if (kind == DP_ISSUE_IO || kind == DP_ISSUE_TRUNCATED)
        r->file_trouble = true;
    if (r->opt.on_issue == NULL)
        return 0;
    dp__buf_clear(&r->msg);
    va_start(ap, fmt);
    rc = dp__buf_vprintf(&r->msg, fmt, ap);
    va_end(ap);
    is.kind = kind;
    is.is_reject = reject;
    is.file = r->cur ? r->cur->path : "";
    is.line = line;
    is.column = col;
    is.message = rc == DP_OK ? r->msg.p : "(out of memory formatting the message)";
    rc = r->opt.on_issue(r->opt.ctx, &is);
    if (rc != 0)
        r->stop_rc = rc;
    return rc;
}

const char *dp__reader_quote(dp_reader *r, const char *s, size_t n)
{
    dp_buf *q = &r->quote;
    size_t k = 0, cut = n;
    bool more = false;

    dp__buf_clear(q);
    if (n > QUOTE_MAX) {
        cut = QUOTE_MAX;
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--; /* do not split a character */
        more = true;
    }
    if (dp__buf_putc(q, '"') != DP_OK)
        return "\"?\"";
    for (k = 0; k < cut; k++) {
        unsigned char c = (unsigned char)s[k];
        int rc;
        if (c == '"' || c == '\\')
            rc = dp__buf_printf(q, "\\%c", c);
        else if (c == '\n')
            rc = dp__buf_append(q, "\\n", 2);
        else if (c == '\t')
            rc = dp__buf_append(q, "\\t", 2);
        else if (c < 0x20 || c == 0x7F)
            rc = dp__buf_printf(q, "\\x%02X", c);
        else
            rc = dp__buf_putc(q, (char)c);
        if (rc != DP_OK)
            return "\"?\"";
    }
    if (dp__buf_append(q, more ? "\"..." : "\"", more ? 4 : 1) != DP_OK)
        return "\"?\"";
    return q->p;
}

void dp__reader_note_bad(dp_reader *r, const dp__line *ln)
{
    if (ln->bad_col == 0 || r->bad_col != 0)
        return;
    r->bad_line = ln->no;
    r->bad_col = ln->bad_col;
    r->bad_byte = (unsigned char)ln->p[ln->bad_col - 1];
}

/* ---------------------------------------------------------------------
** Inputs: expanding paths and walking directories
*/

static int add_input(dp_reader *r, const char *path, uint64_t size, int err)
{
    if (r->n_inputs == r->cap_inputs) {
        size_t cap = r->cap_inputs ? r->cap_inputs * 2 : 16;
        dp__input *p;
        if (cap > SIZE_MAX / sizeof *p)
            return DP_ENOMEM;
        p = dp__realloc(r->inputs, cap * sizeof *p);
        if (p == NULL)
            return DP_ENOMEM;
        r->inputs = p;
        r->cap_inputs = cap;
    }
    dp__input *in = &r->inputs[r->n_inputs];
    in->path = dp__strndup(path, strlen(path));
    if (in->path == NULL)
        return DP_ENOMEM;
    in->size = size;
    in->err = err;
    r->n_inputs++;
    r->st.bytes_total += size;
    return DP_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read the visible names of a directory, sorted.  *out is a malloc'd
** array of malloc'd names. */
static int list_dir(const char *path, char ***out, size_t *n_out, int *err)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char **names = NULL, **p;
    size_t n = 0, cap = 0;
    int rc = DP_OK;

    *out = NULL;
    *n_out = 0;
    if (d == NULL) {
        *err = errno;
        return DP_OK;
    }
    for (;;) {
        e = readdir(d);
        if (e == NULL)
            break;
        if (e->d_name[0] == '.')
            continue; /* hidden, "." and ".." */
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            p = cap > SIZE_MAX / sizeof *p ? NULL
                                           : dp__realloc(names, cap * sizeof *p);
            if (p == NULL) {
                rc = DP_ENOMEM;
                goto cleanup;
            }
            names = p;
        }
        names[n] = dp__strndup(e->d_name, strlen(e->d_name));
        if (names[n] == NULL) {
            rc = DP_ENOMEM;
            goto cleanup;
        }
        n++;
    }
    qsort(names, n, sizeof *names, cmp_names);
cleanup:
    closedir(d);
    if (rc != DP_OK) {
        for (size_t i = 0; i < n; i++)
            dp__free(names[i]);
        dp__free(names);
        return rc;
    }
    *out = names;
    *n_out = n;
    return DP_OK;
}

static int add_path(dp_reader *r, const char *path, int depth, bool explicit);

static int walk_dir(dp_reader *r, const char *path, int depth)
{
    char **names = NULL;
    size_t n = 0, i;
    int err = 0, rc;
    dp_buf child = DP_BUF_INIT;

    if (depth > MAX_DIR_DEPTH)
        return add_input(r, path, 0, ELOOP);
    rc = list_dir(path, &names, &n, &err);
    if (rc != DP_OK)
        return rc;
    if (err != 0)
        return add_input(r, path, 0, err);
    for (i = 0; i < n && rc == DP_OK; i++) {
        dp__buf_clear(&child);
        rc = dp__buf_printf(&child, "%s%s%s", path,
                            path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
        if (rc == DP_OK)
            rc = add_path(r, child.p, depth + 1, false);
    }
    for (i = 0; i < n; i++)
        dp__free(names[i]);
    dp__free(names);
    dp__buf_free(&child);
    return rc;
}

/* A path given by the user is always read (a FIFO, /dev/stdin...); inside
** directories only regular files are. */
static int add_path(dp_reader *r, const char *path, int depth, bool explicit)
{
    struct stat sb;

    if (strcmp(path, "-") == 0)
        return add_input(r, path, 0, 0);
    if (stat(path, &sb) != 0)
        return explicit ? add_input(r, path, 0, 0) : DP_OK;
    if (S_ISDIR(sb.st_mode))
        return walk_dir(r, path, depth);
    if (!explicit && !S_ISREG(sb.st_mode))
        return DP_OK;
    return add_input(r, path, S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0, 0);
}

/* ---------------------------------------------------------------------
** Opening a file and filling the buffer (decompressing)
*/

static int report_io(dp_reader *r, const char *what, int err)
{
    return dp__reader_issue(r, DP_ISSUE_IO, false, 0, 0, "%s: %s", what,
                            strerror(err));
}

/* read() that retries on EINTR; counts bytes_in.  Returns bytes or -1. */
static ssize_t read_some(dp_reader *r, void *dst, size_t cap)
{
    ssize_t n;
    do {
        n = read(r->fd, dst, cap);
    } while (n < 0 && errno == EINTR);
    if (n > 0)
        r->st.bytes_in += (uint64_t)n;
    return n;
}

/* Make room for at least one byte after r->end: slide unread bytes to
** the front, or grow.  The line being handed out is consumed already. */
static int make_room(dp_reader *r)
{
    if (r->beg > 0) {
        memmove(r->buf, r->buf + r->beg, r->end - r->beg);
        r->end -= r->beg;
        r->scan -= r->beg;
        r->beg = 0;
    }
    if (r->end < r->cap)
        return DP_OK;
    if (r->cap > SIZE_MAX / 2)
        return DP_ENOMEM;
    char *p = dp__realloc(r->buf, r->cap * 2);
    if (p == NULL)
        return DP_ENOMEM;
    r->buf = p;
    r->cap *= 2;
    return DP_OK;
}

static int fill_raw(dp_reader *r)
{
    ssize_t n = read_some(r, r->buf + r->end, r->cap - r->end);
    if (n < 0) {
        r->src_eof = true;
        return report_io(r, "read error", errno);
    }
    if (n == 0)
        r->src_eof = true;
    r->end += (size_t)n;
    return DP_OK;
}

/* Refill the compressed buffer; false at end of file or error. */
static int fill_z(dp_reader *r, bool *got)
{
    struct dp__src *s = r->src;
    *got = false;
    if (s->zbeg < s->zend) {
        *got = true;
        return DP_OK;
    }
    if (s->raw_eof)
        return DP_OK;
    ssize_t n = read_some(r, s->zbuf, ZBUF_SIZE);
    if (n < 0) {
        s->raw_eof = true;
        return report_io(r, "read error", errno);
    }
    if (n == 0) {
        s->raw_eof = true;
        return DP_OK;
    }
    s->zbeg = 0;
    s->zend = (size_t)n;
    *got = true;
    return DP_OK;
}

/* The line where decompressed data stops now: the lines handed out plus
** the complete ones still waiting in the buffer, plus one. */
static uint64_t cut_line(const dp_reader *r)
{
    uint64_t n = r->lineno + 1;
    const char *p = r->buf + r->beg, *e = r->buf + r->end;
    for (;;) {
        p = memchr(p, '\n', (size_t)(e - p));
        if (p == NULL)
            break;
        n++;
        p++;
    }
    return n;
}

static int report_truncated(dp_reader *r, const char *what)
{
    uint64_t line = cut_line(r);
    return dp__reader_issue(r, DP_ISSUE_TRUNCATED, false, line, 0,
                            "%s stream ends early (file cut short?): line "
                            "%llu and what followed it are incomplete or lost",
                            what, (unsigned long long)line);
}

/* Input for the decompressor: false (and the end handled) when there is
** none left and nothing is pending.  *rc is DP_OK or a stop code. */
static bool z_input(dp_reader *r, const char *what, int *rc)
{
    struct dp__src *s = r->src;
    bool got;

    *rc = fill_z(r, &got);
    if (*rc == DP_OK && (got || s->pending))
        return true;
    r->src_eof = true;
    if (*rc == DP_OK && !s->frame_end)
        *rc = report_truncated(r, what);
    return false;
}

static int report_damaged(dp_reader *r, const char *what, const char *why)
{
    uint64_t line = cut_line(r);
    r->src_eof = true;
    return dp__reader_issue(r, DP_ISSUE_IO, false, line, 0,
                            "damaged %s data at line %llu: %s", what,
                            (unsigned long long)line, why);
}

static const char *isal_error(int zr)
{
    switch (zr) {
    case ISAL_INVALID_WRAPPER: return "not a gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM: return "checksum mismatch";
    default: return "invalid deflate data";
    }
}

/* Inflate gzip members (several may follow each other, as `cat a.gz
** b.gz` makes) into the buffer until some bytes come out or the input
** ends. */
static int fill_gzip(dp_reader *r)
{
    struct dp__src *s = r->src;
    struct inflate_state *z = &s->gz;
    int rc;

    while (z_input(r, "gzip", &rc)) {
        if (s->frame_end) { /* another member follows */
            isal_inflate_reset(z);
            z->crc_flag = ISAL_GZIP;
            s->frame_end = false;
        }
        size_t room = r->cap - r->end;
        z->next_in = s->zbuf + s->zbeg;
        z->avail_in = (uint32_t)(s->zend - s->zbeg);
        z->next_out = (uint8_t *)r->buf + r->end;
        z->avail_out = room > UINT32_MAX ? UINT32_MAX : (uint32_t)room;
        uint32_t before = z->avail_out;
        int zr = isal_inflate(z);
        s->zbeg = s->zend - z->avail_in;
        r->end += before - z->avail_out;
        s->pending = z->avail_out == 0;
        if (zr < 0)
            return report_damaged(r, "gzip", isal_error(zr));
        if (z->block_state == ISAL_BLOCK_FINISH)
            s->frame_end = true;
        if (before != z->avail_out)
            return DP_OK;
    }
    return rc;
}

static int fill_zstd(dp_reader *r)
{
    struct dp__src *s = r->src;
    int rc;

    while (z_input(r, "zstd", &rc)) {
        ZSTD_inBuffer in = {s->zbuf, s->zend, s->zbeg};
        ZSTD_outBuffer out = {r->buf, r->cap, r->end};
        size_t zr = ZSTD_decompressStream(s->zs, &out, &in);
        bool produced = out.pos != r->end;
        s->zbeg = in.pos;
        r->end = out.pos;
        s->pending = out.pos == out.size;
        if (ZSTD_isError(zr))
            return report_damaged(r, "zstd", ZSTD_getErrorName(zr));
        s->frame_end = zr == 0;
        if (produced)
            return DP_OK;
    }
    return rc;
}

static int fill(dp_reader *r)
{
    int rc = make_room(r);
    if (rc != DP_OK)
        return rc;
    switch (r->src->comp) {
    case COMP_GZIP: return fill_gzip(r);
    case COMP_ZSTD: return fill_zstd(r);
    default: return fill_raw(r);
    }
}

static void src_free(struct dp__src *s)
{
    if (s == NULL)
        return;
    ZSTD_freeDStream(s->zs);
    dp__free(s->zbuf);
    dp__free(s);
}

static void close_file(dp_reader *r)
{
    if (r->fd >= 0 && !(r->cur && strcmp(r->cur->path, "-") == 0))
        close(r->fd);
    r->fd = -1;
    src_free(r->src);
    r->src = NULL;
    r->cur = NULL;
}

/* Look at the first raw bytes (already in r->buf) and set up the
** decompressor they call for: they move to the compressed buffer. */
static int setup_decompression(dp_reader *r)
{
    struct dp__src *s = r->src;
    const unsigned char *b = (const unsigned char *)r->buf;
    size_t n = r->end;

    if (n >= 2 && b[0] == 0x1F && b[1] == 0x8B)
        s->comp = COMP_GZIP;
    else if (n >= 4 && b[0] == 0x28 && b[1] == 0xB5 && b[2] == 0x2F && b[3] == 0xFD)
        s->comp = COMP_ZSTD;
    else
        return DP_OK;
    s->zbuf = dp__malloc(ZBUF_SIZE);
    if (s->zbuf == NULL)
        return DP_ENOMEM;
    memcpy(s->zbuf, b, n);
    s->zbeg = 0;
    s->zend = n;
    r->end = r->beg = r->scan = 0;
    if (s->comp == COMP_GZIP) {
        isal_inflate_init(&s->gz);
        s->gz.crc_flag = ISAL_GZIP;
    } else {
        s->zs = ZSTD_createDStream();
        if (s->zs == NULL)
            return DP_ENOMEM;
        ZSTD_initDStream(s->zs);
    }
    return DP_OK;
}

static bool has_suffix(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && strncasecmp(s + n - k, suf, k) == 0;
}

/* The format from the name (without .gz/.zst), else from the first
** decompressed bytes: '{' means JSON Lines, anything else is text. */
static int detect_format(dp_reader *r)
{
    const char *path = r->cur->path;
    size_t n = strlen(path);
    dp_format f = r->opt.format;

    if (has_suffix(path, n, ".gz"))
        n -= 3;
    else if (has_suffix(path, n, ".zst"))
        n -= 4;
    else if (has_suffix(path, n, ".zstd"))
        n -= 5;
    bool tsv_name = has_suffix(path, n, ".tsv");
    if (f == DP_FORMAT_AUTO) {
        if (has_suffix(path, n, ".jsonl") || has_suffix(path, n, ".ndjson") ||
            has_suffix(path, n, ".json"))
            f = DP_FORMAT_JSONL;
        else if (has_suffix(path, n, ".csv"))
            f = DP_FORMAT_CSV;
        else if (tsv_name)
            f = DP_FORMAT_TSV;
    }
    if (f == DP_FORMAT_CSV && tsv_name)
        f = DP_FORMAT_TSV;
    for (size_t i = r->beg; f == DP_FORMAT_AUTO;) {
        while (i < r->end && (r->buf[i] == ' ' || r->buf[i] == '\t' ||
                              r->buf[i] == '\r' || r->buf[i] == '\n'))
            i++;
        if (i + 3 <= r->end && memcmp(r->buf + i, "\xEF\xBB\xBF", 3) == 0) {
            i += 3;
            continue;
        }
        if (i < r->end || r->src_eof) {
            f = i < r->end && r->buf[i] == '{' ? DP_FORMAT_JSONL : DP_FORMAT_TEXT;
            break;
        }
        /* All blank so far: look further (the buffer may slide). */
        size_t seen = i - r->beg;
        int rc = fill(r);
        if (rc != DP_OK)
            return rc;
        i = r->beg + seen;
    }
    r->fmt = f;
    r->sep = f == DP_FORMAT_TSV ? '\t' : ',';
    return DP_OK;
}

/* Open the next input.  DP_OK with r->cur set, DP_ENOTFOUND when none
** is left, or a stop code.  Inputs that cannot be opened are reported
** and skipped. */
static int open_next(dp_reader *r)
{
    int rc;

    while (r->next_input < r->n_inputs) {
        r->cur = &r->inputs[r->next_input++];
        r->file_trouble = false;
        r->file_records = 0;
        if (r->cur->err != 0) {
            rc = report_io(r, "cannot read directory", r->cur->err);
            r->cur = NULL;
            if (rc)
                return rc;
            continue;
        }
        if (strcmp(r->cur->path, "-") == 0) {
            r->fd = 0;
        } else {
            r->fd = open(r->cur->path, O_RDONLY | O_CLOEXEC);
            if (r->fd < 0) {
                rc = report_io(r, "cannot open", errno);
                r->cur = NULL;
                if (rc)
                    return rc;
                continue;
            }
        }
        r->st.files++;
        r->src = dp__calloc(1, sizeof *r->src);
        if (r->src == NULL)
            return DP_ENOMEM;
        r->beg = r->end = r->scan = 0;
        r->lineno = 0;
        r->unread = false;
        r->src_eof = false;
        dp__csv_reset(r);
        /* First read, capped so that it fits the compressed buffer. */
        ssize_t n = read_some(r, r->buf, ZBUF_SIZE);
        if (n < 0) {
            rc = report_io(r, "read error", errno);
            close_file(r);
            if (rc)
                return rc;
            continue;
        }
        r->end = (size_t)n;
        if (n == 0)
            r->src_eof = true;
        if (n == 0)
            r->src->raw_eof = true;
        rc = setup_decompression(r);
        if (rc == DP_OK)
            rc = detect_format(r);
        return rc;
    }
    return DP_ENOTFOUND;
}

/* ---------------------------------------------------------------------
** Lines
*/

/*
** Length of the longest valid UTF-8 prefix of s[0..n): the contract of
** dp__utf8_valid_prefix, written for French news text, where an accented
** letter comes every twenty bytes or so.  ASCII is skipped eight bytes at
** a time up to the exact first high byte, and 2- and 3-byte sequences are
** checked inline (bounds of RFC 3629: no overlongs, no surrogates).  It
** halves the reader's time on the Le Monde dump.
*/
size_t dp__reader_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            w &= 0x8080808080808080ULL;
            if (w == 0) {
                i += 8;
                continue;
            }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            i += (size_t)__builtin_ctzll(w) >> 3;
#endif
        }
        unsigned c = u[i];
        if (c < 0x80) {
            i++;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (i + 1 >= n || (u[i + 1] & 0xC0) != 0x80)
                return i;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (i + 2 >= n || (u[i + 1] & 0xC0) != 0x80 || (u[i + 2] & 0xC0) != 0x80 ||
                (c == 0xE0 && u[i + 1] < 0xA0) || (c == 0xED && u[i + 1] > 0x9F))
                return i;
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (i + 3 >= n || (u[i + 1] & 0xC0) != 0x80 || (u[i + 2] & 0xC0) != 0x80 ||
                (u[i + 3] & 0xC0) != 0x80 || (c == 0xF0 && u[i + 1] < 0x90) ||
                (c == 0xF4 && u[i + 1] > 0x8F))
                return i;
            i += 4;
        } else {
            return i;
        }
    }
    return n;
}

/* Replace each invalid sequence of ln with U+FFFD, into r->fix. */
static int repair_line(dp_reader *r, dp__line *ln, size_t first, size_t *count)
{
    size_t i = first, n = ln->n;
    int rc;

    *count = 0;
    dp__buf_clear(&r->fix);
    rc = dp__buf_append(&r->fix, ln->p, first);
    while (rc == DP_OK && i < n) {
        size_t ok = dp__reader_utf8_valid(ln->p + i, n - i);
        rc = dp__buf_append(&r->fix, ln->p + i, ok);
        i += ok;
        if (rc != DP_OK || i >= n)
            break;
        rc = dp__buf_append(&r->fix, "\xEF\xBF\xBD", 3);
        (*count)++;
        i++; /* one replacement per bad byte */
    }
    if (rc != DP_OK)
        return rc;
    ln->p = r->fix.p;
    ln->n = r->fix.n;
    return DP_OK;
}

/* Apply the UTF-8 policy to a fresh line. */
static int check_utf8(dp_reader *r, dp__line *ln)
{
    size_t ok = dp__reader_utf8_valid(ln->p, ln->n), count;
    unsigned byte;
    int rc;

    ln->bad_col = 0;
    if (DP_LIKELY(ok == ln->n))
        return DP_OK;
    if (r->opt.utf8 == DP_UTF8_REJECT) {
        ln->bad_col = ok + 1;
        return DP_OK;
    }
    byte = (unsigned char)ln->p[ok];
    rc = repair_line(r, ln, ok, &count);
    if (rc != DP_OK)
        return rc;
    return dp__reader_issue(r, DP_ISSUE_UTF8_REPAIRED, false, ln->no, ok + 1,
                            "invalid UTF-8 (byte 0x%02X) at column %zu: %zu "
                            "byte(s) replaced by U+FFFD",
                            byte, ok + 1, count);
}

int dp__reader_line(dp_reader *r, dp__line **out)
{
    dp__line *ln = &r->line;
    char *nl;
    int rc;

    *out = ln;
    if (r->unread) {
        r->unread = false;
        return DP_OK;
    }
    for (;;) {
        nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
        if (nl != NULL) {
            ln->p = r->buf + r->beg;
            ln->n = (size_t)(nl - ln->p);
            r->beg = r->scan = (size_t)(nl - r->buf) + 1;
            break;
        }
        r->scan = r->end;
        if (r->src_eof) {
            if (r->beg == r->end)
                return DP_ENOTFOUND;
            ln->p = r->buf + r->beg;
            ln->n = r->end - r->beg;
            r->beg = r->scan = r->end;
            break;
        }
        rc = fill(r);
        if (rc != DP_OK)
            return rc;
    }
    ln->no = ++r->lineno;
    if (ln->n > 0 && ln->p[ln->n - 1] == '\r')
        ln->n--;
    if (ln->no == 1 && ln->n >= 3 && memcmp(ln->p, "\xEF\xBB\xBF", 3) == 0) {
        ln->p += 3;
        ln->n -= 3;
    }
    return check_utf8(r, ln);
}

void dp__reader_unread(dp_reader *r) { r->unread = true; }

/* ---------------------------------------------------------------------
** Field names and the record builder
*/

#define FIELD(name, kind, prio) {name, sizeof(name) - 1, kind, prio}
static const struct {
    const char *name;
    uint8_t len, kind, prio;
} field_names[] = {
    FIELD("id", DP__F_ID, 0),
    FIELD("_id", DP__F_ID, 1),
    FIELD("guid", DP__F_ID, 2),
    FIELD("uid", DP__F_ID, 3),
    FIELD("doc_id", DP__F_ID, 4),
    FIELD("article_id", DP__F_ID, 5),
    FIELD("stories_id", DP__F_ID, 6),
    FIELD("date", DP__F_DATE, 0),
    FIELD("datetime", DP__F_DATE, 1),
    FIELD("date_publish", DP__F_DATE, 2),
    FIELD("published", DP__F_DATE, 3),
    FIELD("publish_date", DP__F_DATE, 4),
    FIELD("published_at", DP__F_DATE, 5),
    FIELD("pubdate", DP__F_DATE, 6),
    FIELD("pub_date", DP__F_DATE, 7),
    FIELD("publication_date", DP__F_DATE, 8),
    FIELD("timestamp", DP__F_DATE, 9),
    FIELD("created_at", DP__F_DATE, 10),
    FIELD("time", DP__F_DATE, 11),
    FIELD("title", DP__F_TITLE, 0),
    FIELD("headline", DP__F_TITLE, 1),
    FIELD("name", DP__F_TITLE, 2),
    FIELD("text", DP__F_TEXT, 0),
    FIELD("maintext", DP__F_TEXT, 1),
    FIELD("content", DP__F_TEXT, 2),
    FIELD("body", DP__F_TEXT, 3),
    FIELD("article", DP__F_TEXT, 4),
    FIELD("full_text", DP__F_TEXT, 5),
    FIELD("fulltext", DP__F_TEXT, 6),
    FIELD("source", DP__F_SOURCE, 0),
    FIELD("source_domain", DP__F_SOURCE, 1),
    FIELD("media", DP__F_SOURCE, 2),
    FIELD("media_name", DP__F_SOURCE, 3),
    FIELD("outlet", DP__F_SOURCE, 4),
    FIELD("publisher", DP__F_SOURCE, 5),
    FIELD("site", DP__F_SOURCE, 6),
    FIELD("domain", DP__F_SOURCE, 7),
    FIELD("url", DP__F_URL, 0),
    FIELD("link", DP__F_URL, 1),
    FIELD("uri", DP__F_URL, 2),
    FIELD("permalink", DP__F_URL, 3),
    FIELD("lang", DP__F_LANG, 0),
    FIELD("language", DP__F_LANG, 1),
};
#undef FIELD

int dp__field_kind(const char *name, size_t n, int *prio)
{
    int c0 = (unsigned char)name[0];
    *prio = 0;
    if (n < 2 || n > 16)
        return DP__F_NONE;
    if (c0 >= 'A' && c0 <= 'Z')
        c0 |= 0x20;
    for (size_t k = 0; k < DP_ARRAY_LEN(field_names); k++) {
        const char *f = field_names[k].name;
        /* (The length first: a key may hold NUL bytes.) */
        if (field_names[k].len == n && f[0] == c0 && strncasecmp(f, name, n) == 0) {
            *prio = field_names[k].prio;
            return field_names[k].kind;
        }
    }
    return DP__F_NONE;
}

void dp__rec_reset(dp_reader *r)
{
    dp__buf_clear(&r->arena);
    r->n_cands = 0;
    r->bad_line = r->bad_col = 0;
}

int dp__rec_copy(dp_reader *r, const char *s, size_t n, dp__ref *out)
{
    out->p = NULL;
    out->off = r->arena.n;
    out->n = n;
    return dp__buf_append(&r->arena, s, n);
}

int dp__rec_add(dp_reader *r, const char *name, size_t name_n,
                dp__ref nameref, dp__ref value, int type, uint64_t line,
                uint64_t col)
{
    int prio;
    if (r->n_cands == r->cap_cands) {
        size_t cap = r->cap_cands ? r->cap_cands * 2 : 32;
        dp__cand *c;
        if (cap > SIZE_MAX / sizeof *c)
            return DP_ENOMEM;
        c = dp__realloc(r->cands, cap * sizeof *c);
        if (c == NULL)
            return DP_ENOMEM;
        r->cands = c;
        r->cap_cands = cap;
    }
    dp__cand *c = &r->cands[r->n_cands++];
    c->name = nameref;
    c->value = value;
    c->type = (uint8_t)type;
    c->kind = (uint8_t)dp__field_kind(name, name_n, &prio);
    c->prio = (uint8_t)prio;
    c->line = line;
    c->col = col;
    return DP_OK;
}

static dp_slice resolve(const dp_reader *r, dp__ref ref)
{
    dp_slice s;
    s.n = ref.n;
    s.p = ref.p ? ref.p : r->arena.p ? r->arena.p + ref.off : "";
    return s;
}

static const char *type_name(int type)
{
    switch (type) {
    case DP__V_NULL: return "null";
    case DP__V_STRING: return "a string";
    case DP__V_NUMBER: return "a number";
    case DP__V_BOOL: return "a boolean";
    case DP__V_ARRAY: return "an array";
    default: return "an object";
    }
}

/* A value the slot can take: a non-empty string (or a number for ids). */
static bool usable(const dp__cand *c)
{
    if (c->type == DP__V_STRING)
        return c->value.n > 0;
    return c->kind == DP__F_ID && c->type == DP__V_NUMBER;
}

/* Is this a known field whose value has a type the slot refuses?  The
** `fulltext` alias counts only when it is a string: elsewhere it is a
** flag saying whether the text is complete. */
static bool wrong_type(const dp_reader *r, const dp__cand *c)
{
    if (c->kind == DP__F_NONE || c->type == DP__V_NULL ||
        c->type == DP__V_STRING || usable(c))
        return false;
    if (c->kind == DP__F_TEXT) {
        dp_slice nm = resolve(r, c->name);
        if (nm.n == 8 && strncasecmp(nm.p, "fulltext", 8) == 0)
            return false;
    }
    return true;
}

typedef struct pick {
    int win[DP__F__COUNT]; /* index into cands, or -1 */
    dp_date date;
    int bad_date;          /* first date field that is unusable, or -1 */
    const char *bad_why;   /* its reason */
} pick;

/* Choose the field of each slot: the lowest alias rank among usable
** ones, and for dates the most precise one that parses. */
static void pick_fields(dp_reader *r, pick *pk)
{
    for (int k = 0; k < DP__F__COUNT; k++)
        pk->win[k] = -1;
    memset(&pk->date, 0, sizeof pk->date);
    pk->bad_date = -1;
    pk->bad_why = NULL;
    for (size_t i = 0; i < r->n_cands; i++) {
        const dp__cand *c = &r->cands[i];
        int k = c->kind, *w = &pk->win[k];
        if (k == DP__F_NONE)
            continue;
        if (k == DP__F_DATE) {
            dp_date d;
            const char *why = NULL;
            if (c->type == DP__V_NULL || (c->type == DP__V_STRING && c->value.n == 0))
                continue;
            if (c->type == DP__V_STRING) {
                dp_slice v = resolve(r, c->value);
                if (dp_date_parse(v.p, v.n, &d, &why) == DP_OK) {
                    if (*w < 0 || d.prec > pk->date.prec ||
                        (d.prec == pk->date.prec && c->prio < r->cands[*w].prio)) {
                        *w = (int)i;
                        pk->date = d;
                    }
                    continue;
                }
            }
            if (pk->bad_date < 0) {
                pk->bad_date = (int)i;
                pk->bad_why = why;
            }
            continue;
        }
        if (usable(c) && (*w < 0 || c->prio < r->cands[*w].prio))
            *w = (int)i;
    }
}

/* Report an unusable date field: a reject, or a warning when the record
** has another date (or dates are not required). */
static int report_bad_date(dp_reader *r, const dp__cand *c, const char *why,
                           bool reject)
{
    dp_slice nm = resolve(r, c->name), v = resolve(r, c->value);
    const char *tail = reject ? "" : " (ignored, kept as an extra field)";
    if (c->type != DP__V_STRING)
        return dp__reader_issue(r, DP_ISSUE_FIELD_TYPE, reject, c->line, c->col,
                                "date field \"%.*s\" is %s, not a string: %s%s",
                                (int)nm.n, nm.p, type_name(c->type),
                                dp__reader_quote(r, v.p, v.n), tail);
    return dp__reader_issue(r, DP_ISSUE_DATE_INVALID, reject, c->line, c->col,
                            "date field \"%.*s\" is not a valid date: %s (%s)%s",
                            (int)nm.n, nm.p, dp__reader_quote(r, v.p, v.n),
                            why ? why : "unrecognised date", tail);
}

/* Checks that reject the whole record.  *rejected is set when one did. */
static int check_record(dp_reader *r, const pick *pk, uint64_t line,
                        bool *rejected)
{
    *rejected = true;
    if (r->bad_col != 0)
        return dp__reader_issue(r, DP_ISSUE_UTF8, true, r->bad_line, r->bad_col,
                                "invalid UTF-8 (byte 0x%02X): record rejected",
                                r->bad_byte);
    if (pk->win[DP__F_DATE] < 0 && r->opt.require_date) {
        if (pk->bad_date >= 0)
            return report_bad_date(r, &r->cands[pk->bad_date], pk->bad_why, true);
        return dp__reader_issue(r, DP_ISSUE_DATE_MISSING, true, line, 0,
                                "record has no date%s",
                                r->fmt == DP_FORMAT_TEXT
                                    ? " (no `date` header line before its text)"
                                    : " field");
    }
    if (pk->win[DP__F_TEXT] < 0 && pk->win[DP__F_TITLE] < 0)
        return dp__reader_issue(r, DP_ISSUE_EMPTY, true, line, 0,
                                "record has neither text nor title");
    *rejected = false;
    return DP_OK;
}

/* Warnings for the fields of a delivered record that could not be used. */
static int warn_fields(dp_reader *r, const pick *pk)
{
    int rc = 0;
    for (size_t i = 0; i < r->n_cands && rc == 0; i++) {
        const dp__cand *c = &r->cands[i];
        if (c->kind == DP__F_DATE) {
            if ((int)i != pk->win[DP__F_DATE] && c->type != DP__V_NULL &&
                !(c->type == DP__V_STRING && c->value.n == 0)) {
                dp_date d;
                const char *why = NULL;
                dp_slice v = resolve(r, c->value);
                if (c->type != DP__V_STRING ||
                    dp_date_parse(v.p, v.n, &d, &why) != DP_OK)
                    rc = report_bad_date(r, c, why, false);
            }
        } else if (wrong_type(r, c)) {
            dp_slice nm = resolve(r, c->name), v = resolve(r, c->value);
            rc = dp__reader_issue(r, DP_ISSUE_FIELD_TYPE, false, c->line, c->col,
                                  "field \"%.*s\" is %s, not a string: %s "
                                  "(not used, kept as an extra field)",
                                  (int)nm.n, nm.p, type_name(c->type),
                                  dp__reader_quote(r, v.p, v.n));
        }
    }
    return rc;
}

static int build_extras(dp_reader *r, const pick *pk)
{
    size_t n = 0;
    if (r->cap_extras < r->n_cands) {
        dp_field *e;
        if (r->n_cands > SIZE_MAX / sizeof *e)
            return DP_ENOMEM;
        e = dp__realloc(r->extras, r->n_cands * sizeof *e);
        if (e == NULL)
            return DP_ENOMEM;
        r->extras = e;
        r->cap_extras = r->n_cands;
    }
    for (size_t i = 0; i < r->n_cands; i++) {
        const dp__cand *c = &r->cands[i];
        if (c->kind != DP__F_NONE) {
            if ((int)i == pk->win[c->kind])
                continue;
            if (c->type == DP__V_NULL || (c->type == DP__V_STRING && c->value.n == 0))
                continue; /* absent: nothing to keep */
        }
        r->extras[n].name = resolve(r, c->name);
        r->extras[n].value = resolve(r, c->value);
        n++;
    }
    r->rec.extra = r->extras;
    r->rec.n_extra = n;
    return DP_OK;
}

static dp_slice slot(const dp_reader *r, const pick *pk, int kind)
{
    dp_slice s = {NULL, 0};
    if (pk->win[kind] >= 0)
        s = resolve(r, r->cands[pk->win[kind]].value);
    return s;
}

int dp__rec_finish(dp_reader *r, uint64_t line, bool *delivered)
{
    pick pk;
    bool rejected;
    dp__ref idref = {NULL, 0, 0};
    int rc;

    *delivered = false;
    pick_fields(r, &pk);
    rc = check_record(r, &pk, line, &rejected);
    if (rc != 0 || rejected)
        return rc;
    rc = warn_fields(r, &pk);
    if (rc != 0)
        return rc;
    if (pk.win[DP__F_ID] < 0) {
        /* Appending may move the arena: resolve every slice after it. */
        size_t off = r->arena.n;
        rc = dp__buf_printf(&r->arena, "%s:%llu", r->cur->path,
                            (unsigned long long)line);
        if (rc != DP_OK)
            return rc;
        idref.off = off;
        idref.n = r->arena.n - off;
    }
    memset(&r->rec, 0, sizeof r->rec);
    r->rec.id = pk.win[DP__F_ID] >= 0 ? slot(r, &pk, DP__F_ID) : resolve(r, idref);
    r->rec.date = pk.date;
    r->rec.title = slot(r, &pk, DP__F_TITLE);
    r->rec.text = slot(r, &pk, DP__F_TEXT);
    r->rec.source = slot(r, &pk, DP__F_SOURCE);
    r->rec.url = slot(r, &pk, DP__F_URL);
    r->rec.lang = slot(r, &pk, DP__F_LANG);
    r->rec.file = r->cur->path;
    r->rec.line = line;
    rc = build_extras(r, &pk);
    if (rc != DP_OK)
        return rc;
    r->st.records++;
    r->file_records++;
    *delivered = true;
    return DP_OK;
}

/* ---------------------------------------------------------------------
** The public API
*/

int dp_reader_open(dp_reader **out, const char *const *paths, size_t n_paths,
                   const dp_reader_options *opts)
{
    dp_reader_options defaults = DP_READER_OPTIONS_INIT;
    dp_reader *r;
    int rc = DP_OK;

    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    if (paths == NULL || n_paths == 0 || opts->version != DP_READER_OPTIONS_VERSION ||
        (unsigned)opts->format > DP_FORMAT_TSV || (unsigned)opts->utf8 > DP_UTF8_REJECT)
        return DP_EINVAL;
    for (size_t i = 0; i < n_paths; i++)
        if (paths[i] == NULL || paths[i][0] == '\0')
            return DP_EINVAL;
    r = dp__calloc(1, sizeof *r);
    if (r == NULL)
        return DP_ENOMEM;
    r->opt = *opts;
    r->fd = -1;
    r->buf = dp__malloc(BUF_INITIAL);
    if (r->buf == NULL) {
        rc = DP_ENOMEM;
        goto cleanup;
    }
    r->cap = BUF_INITIAL;
    for (size_t i = 0; i < n_paths && rc == DP_OK; i++)
        rc = add_path(r, paths[i], 0, true);
cleanup:
    if (rc != DP_OK) {
        dp_reader_close(r);
        return rc;
    }
    *out = r;
    return DP_OK;
}

/* The end of a file: warn when it held nothing at all. */
static int end_file(dp_reader *r)
{
    int rc = 0;
    if (r->file_records == 0 && !r->file_trouble)
        rc = dp__reader_issue(r, DP_ISSUE_EMPTY_FILE, false, 0, 0,
                              "file holds no record");
    close_file(r);
    return rc;
}

int dp_reader_next(dp_reader *r, const dp_record **rec)
{
    int rc;

    *rec = NULL;
    if (r->stop_rc != 0)
        return r->stop_rc;
    for (;;) {
        if (r->cur == NULL) {
            rc = open_next(r);
            if (rc == DP_ENOTFOUND)
                return rc;
            if (rc != DP_OK)
                goto stop;
        }
        switch (r->fmt) {
        case DP_FORMAT_JSONL: rc = dp__jsonl_next(r); break;
        case DP_FORMAT_CSV:
        case DP_FORMAT_TSV: rc = dp__csv_next(r); break;
        default: rc = dp__text_next(r); break;
        }
        if (rc == DP_OK) {
            *rec = &r->rec;
            return DP_OK;
        }
        if (rc != DP_ENOTFOUND)
            goto stop;
        rc = end_file(r);
        if (rc != 0)
            goto stop;
    }
stop:
    r->stop_rc = rc;
    return rc;
}

void dp_reader_stats_get(const dp_reader *r, dp_reader_stats *out)
{
    *out = r->st;
}

void dp_reader_close(dp_reader *r)
{
    if (r == NULL)
        return;
    close_file(r);
    for (size_t i = 0; i < r->n_inputs; i++)
        dp__free(r->inputs[i].path);
    dp__free(r->inputs);
    dp__free(r->buf);
    dp__buf_free(&r->fix);
    dp__buf_free(&r->csv_names);
    dp__free(r->csv_name_off);
    dp__free(r->csv_f);
    dp__buf_free(&r->tbuf);
    dp__buf_free(&r->arena);
    dp__free(r->cands);
    dp__free(r->extras);
    dp__buf_free(&r->msg);
    dp__buf_free(&r->quote);
    dp__free(r);
}
