/*
** reader.h -- internals shared by the record readers.
**
** reader.c owns the generic streaming: the list of inputs (paths,
** directories, stdin), decompression (.gz, .zst), line splitting with
** line numbers, the UTF-8 policy, issue reporting and counters, and the
** record builder that maps field names to record slots.  One file per
** format (reader_text.c, reader_jsonl.c, reader_csv.c) turns lines into
** record fields and calls dp__rec_finish.  Everything here is private to
** those four files; date.c adds nothing to it.
*/
#ifndef DP_READER_H
#define DP_READER_H

/* One line of the current file, without its "\n" (nor "\r\n", nor the
** BOM at the start of a file).  The bytes are writable: parsers may
** decode in place.  Valid until the next dp__reader_line call. */
typedef struct dp__line {
    char *p;
    size_t n;
    uint64_t no;    /* 1-based line number */
    size_t bad_col; /* utf8 reject policy: 1-based column of the first
                    ** invalid byte, 0 if the line is valid UTF-8 */
} dp__line;

/* A slice under construction: absolute when p != NULL, else an offset
** into the record arena (which may move while the record grows). */
typedef struct dp__ref {
    const char *p;
    size_t off, n;
} dp__ref;

/* JSON value types (CSV and text fields are strings, or null if empty). */
enum {
    DP__V_NULL = 0,
    DP__V_STRING,
    DP__V_NUMBER,
    DP__V_BOOL,
    DP__V_ARRAY,
    DP__V_OBJECT
};

/* Record slots that known field names map to. */
enum {
    DP__F_NONE = 0,
    DP__F_ID,
    DP__F_DATE,
    DP__F_TITLE,
    DP__F_TEXT,
    DP__F_SOURCE,
    DP__F_URL,
    DP__F_LANG,
    DP__F__COUNT
};

/* One field as read, before the record is assembled. */
typedef struct dp__cand {
    dp__ref name, value;
    uint8_t type; /* DP__V_* */
    uint8_t kind; /* DP__F_* */
    uint8_t prio; /* rank of the name among the slot's aliases, 0 first */
    uint64_t line, col;
} dp__cand;

typedef struct dp__input {
    char *path;
    uint64_t size;
    int err; /* errno of a failed directory walk, reported in turn */
} dp__input;

struct dp__src; /* decompression state, private to reader.c */

struct dp_reader {
    dp_reader_options opt;
    int stop_rc; /* sticky: a callback's stop or DP_ENOMEM */

    /* Inputs, expanded at open (directories walked in name order). */
    dp__input *inputs;
    size_t n_inputs, cap_inputs, next_input;

    /* The current file. */
    const dp__input *cur;
    int fd;
    struct dp__src *src;
    bool src_eof;          /* no more decompressed bytes */
    bool file_trouble;     /* an IO or truncation issue was reported */
    uint64_t file_records; /* delivered + rejected in this file */
    dp_format fmt;
    char sep;              /* CSV separator */

    /* Decompressed bytes: [beg, end) unread, scan = where to resume
    ** looking for '\n'. */
    char *buf;
    size_t cap, beg, end, scan;
    uint64_t lineno;
    dp__line line;
    bool unread;
    dp_buf fix; /* repaired copy of a line (utf8 repair policy) */

    /* Per-format state. */
    bool csv_have_header;
    dp_buf csv_names;  /* header names, NUL-separated */
    size_t *csv_name_off;
    size_t csv_ncols, csv_cap_cols;
    struct dp__csvf *csv_f; /* fields of the current row */
    size_t csv_cap_f;
    dp_buf tbuf; /* text of a text-format record while it is read */
    bool text_discard, text_seen; /* (reader_text.c) */

    /* The record under construction and as delivered. */
    dp_buf arena;
    dp__cand *cands;
    size_t n_cands, cap_cands;
    dp_field *extras;
    size_t cap_extras;
    uint64_t bad_line, bad_col; /* first invalid UTF-8 (reject policy) */
    unsigned bad_byte;
    dp_record rec;

    dp_buf msg, quote; /* issue message, and the quoted bad value */
    dp_reader_stats st;
};

/* Next line of the current file: DP_OK, DP_ENOTFOUND at its end,
** DP_ENOMEM or a callback's stop code. */
int dp__reader_line(dp_reader *r, dp__line **out);
/* Make the next dp__reader_line return the same line again. */
void dp__reader_unread(dp_reader *r);

/* Report an issue (counted; a reject also counts as a record of the
** file).  fmt is printf-like.  Returns 0 or the callback's stop code. */
int dp__reader_issue(dp_reader *r, dp_issue_kind kind, bool reject,
                     uint64_t line, uint64_t col, const char *fmt, ...)
    DP_PRINTF(6, 7);
/* The bad value s[0..n) quoted for a message: at most ~80 bytes, cut at
** a character boundary, control bytes escaped.  Valid until the next
** call; one per message. */
const char *dp__reader_quote(dp_reader *r, const char *s, size_t n);
/* dp__utf8_valid_prefix's contract, faster on accented text (reader.c). */
size_t dp__reader_utf8_valid(const char *s, size_t n);
/* Note the first invalid UTF-8 of the record (reject policy). */
void dp__reader_note_bad(dp_reader *r, const dp__line *ln);

/* Record builder. */
void dp__rec_reset(dp_reader *r);
/* Copy s[0..n) into the arena; *out refers to the copy. */
int dp__rec_copy(dp_reader *r, const char *s, size_t n, dp__ref *out);
/* Add a field; `name` must be readable now (its kind is looked up). */
int dp__rec_add(dp_reader *r, const char *name, size_t name_n,
                dp__ref nameref, dp__ref value, int type, uint64_t line,
                uint64_t col);
/* Assemble the record that starts at `line`: pick the field for each
** slot, check date, text and UTF-8, report issues.  *delivered tells
** whether r->rec holds a record.  Returns DP_OK or a stop code. */
int dp__rec_finish(dp_reader *r, uint64_t line, bool *delivered);
/* Map a field name to its slot (DP__F_*) and its alias rank. */
int dp__field_kind(const char *name, size_t n, int *prio);

/* The format parsers: DP_OK with r->rec filled, DP_ENOTFOUND at the end
** of the current file, or a stop code. */
int dp__text_next(dp_reader *r);
int dp__jsonl_next(dp_reader *r);
int dp__csv_next(dp_reader *r);
/* Forget per-file CSV state (a new file has its own header). */
void dp__csv_reset(dp_reader *r);

#endif /* DP_READER_H */
