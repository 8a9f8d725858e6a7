/*
** depeche.h -- the public interface of libdepeche, and its manual.
**
** depeche is a search and analysis engine for archives of dated news.
** This header is the only one a program needs.  It is organised in the
** order a program uses the library:
**
**   1. Conventions: return codes, slices, ownership.
**   2. Dates: parsing every date form news records carry, keeping precision.
**   3. Records and readers: one streaming interface over the plain-text
**      record format, JSON Lines, CSV, directories, stdin, .gz and .zst.
**   4. Analysis: the tokenizer and its filters (folding, elision,
**      compounds, stop words, stemming) and language identification.
**   5. The archive (later sections).
**
** Conventions (read once, they hold everywhere):
**   - Fallible functions return int: DP_OK (0) or a negative DP_E* code.
**     dp_strerror() turns a code into a short English phrase; the detailed
**     message (file, line, column, reason) lives on the handle that failed.
**   - Objects returned through an `out` pointer belong to the caller and are
**     released with the matching _free or _close, which accept NULL.  On
**     failure *out is set to NULL.
**   - Pointers returned by getters and cursors (records, tokens, slices) are
**     borrowed: valid until the next call on the same handle, unless the
**     function says otherwise.
**   - Callbacks have the shape int (*cb)(void *ctx, ...).  A non-zero return
**     stops the walk and is returned unchanged by the function that called
**     the callback.
**   - All text is UTF-8.  Sizes are size_t; byte offsets are into the
**     caller's original text.
**   - No global mutable state: handles may be used from different threads,
**     one thread per handle at a time.
*/
#ifndef DEPECHE_H
#define DEPECHE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define DP_API __attribute__((visibility("default")))
#else
#define DP_API
#endif

#define DP_VERSION "0.1.0"

/* ------------------------------------------------------------------------
** 1. Conventions
*/

enum {
    DP_OK = 0,
    DP_ENOTFOUND = -1, /* no such thing; also "end of stream" for cursors */
    DP_EINVAL = -2,    /* bad argument or bad input value */
    DP_ENOMEM = -3,    /* out of memory: the handle is still usable */
    DP_EIO = -4,       /* the operating system refused (errno in message) */
    DP_ECORRUPT = -5,  /* bytes on disk are damaged; message names file */
    DP_ESYNTAX = -6,   /* a query or input does not parse; column given */
    DP_EBUSY = -7,     /* another writer holds the archive */
};

/* A short, static English phrase for a DP_* code.  Never NULL. */
DP_API const char *dp_strerror(int rc);

/* A borrowed run of bytes, not NUL-terminated (like LMDB's MDB_val). */
typedef struct dp_slice {
    const char *p;
    size_t n;
} dp_slice;

/* ------------------------------------------------------------------------
** 2. Dates
**
** A news date is as precise as its source: "2022" (year), "2022-01"
** (month), "2022-01-28" (day) or a full timestamp.  depeche keeps the
** precision and never invents the missing parts: a month-precise date has
** day == 0 and is reported as "day unknown" by daily statistics.
*/

typedef enum dp_precision {
    DP_PREC_NONE = 0, /* no date */
    DP_PREC_YEAR = 1,
    DP_PREC_MONTH = 2,
    DP_PREC_DAY = 3,
    DP_PREC_TIME = 4 /* hour and minute at least; seconds may be 0 */
} dp_precision;

typedef struct dp_date {
    int16_t year;     /* 1..9999 when prec >= DP_PREC_YEAR */
    uint8_t month;    /* 1..12, or 0 when prec < DP_PREC_MONTH */
    uint8_t day;      /* 1..31, or 0 when prec < DP_PREC_DAY */
    uint8_t hour;     /* 0..23, meaningful when prec == DP_PREC_TIME */
    uint8_t minute;   /* 0..59 */
    uint8_t second;   /* 0..60 (leap second accepted) */
    uint8_t prec;     /* a dp_precision */
    int16_t tz_min;   /* offset from UTC in minutes, as written */
    uint8_t has_tz;   /* 1 if the text carried an offset or Z */
} dp_date;

/*
** Parse a date in any form depeche accepts:
**   ISO 8601: 2022, 2022-01, 2022-01-28, 20220128, 2022-01-28T15:02:15,
**     with fractions of seconds, Z or +01:00 / +0100 offsets, and a space
**     in place of the T;
**   RFC 2822: "Fri, 28 Jan 2022 15:02:15 +0100" (weekday optional);
**   French long dates: "28 janvier 2022", "vendredi 28 janvier 2022",
**     "1er février 2022", "janvier 2022", with or without accents;
**   English long dates: "January 28, 2022", "28 January 2022",
**     "Jan 28 2022", "January 2022".
** Leading and trailing spaces are ignored.  The calendar is checked
** (2022-02-29 and 2022-13-45 are refused).
** Returns DP_OK and fills *out, or DP_EINVAL with *out zeroed; when errmsg
** is not NULL it receives a static phrase saying why ("month out of
** range", "unrecognised date").
*/
DP_API int dp_date_parse(const char *s, size_t n, dp_date *out,
                         const char **errmsg);

/*
** Write the date in ISO 8601 at its own precision ("2022", "2022-01",
** "2022-01-28", "2022-01-28T15:02:15+01:00") into buf, NUL-terminated.
** Returns the length it needed (like snprintf); writes nothing for
** DP_PREC_NONE and returns 0.
*/
DP_API size_t dp_date_format(const dp_date *d, char *buf, size_t cap);

/* ------------------------------------------------------------------------
** 3. Records and readers
**
** A reader streams records from one or more inputs: a file, a directory
** (walked recursively, in name order), or "-" for standard input.  The
** format of each file is recognised from its name and first bytes:
**   - .jsonl / .ndjson / .json: JSON Lines, one object per line;
**   - .csv / .tsv: a header row then one record per row (RFC 4180);
**   - anything else: the plain-text record format (a `date` header line,
**     optional further `name value` header fields, then the text; one or
**     many records per file, each starting at a new `date` header).
** A .gz or .zst suffix (or their magic bytes) is decompressed on the fly.
**
** Field names recognised (first found wins, others are kept as extras):
**   id:     id, _id, guid, uid, doc_id, article_id, stories_id
**   date:   date, datetime, date_publish, published, publish_date,
**           published_at, pubdate, pub_date, publication_date, timestamp,
**           created_at, time
**   title:  title, headline, name
**   text:   text, maintext, content, body, article, full_text, fulltext
**           (when a string)
**   source: source, source_domain, media, media_name, outlet, publisher,
**           site, domain
**   url:    url, link, uri, permalink
**   lang:   lang, language
**
** Bad input never stops a read and is never dropped in silence: each
** rejected record, and each field that could not be used, is reported to
** the on_issue callback with file, line, column and reason, and counted in
** dp_reader_stats.
*/

/* Why a record was rejected, or a field dropped. */
typedef enum dp_issue_kind {
    DP_ISSUE_DATE_MISSING = 0,   /* record: no date field / header */
    DP_ISSUE_DATE_INVALID,       /* record: date does not parse */
    DP_ISSUE_UTF8,               /* record: invalid UTF-8 (policy reject) */
    DP_ISSUE_UTF8_REPAIRED,      /* warning: bytes replaced by U+FFFD */
    DP_ISSUE_SYNTAX,             /* record: JSON / CSV does not parse */
    DP_ISSUE_FIELD_TYPE,         /* warning or record: value of wrong type */
    DP_ISSUE_FIELD_COUNT,        /* record: CSV row with wrong field count */
    DP_ISSUE_EMPTY,              /* record: no text and no title */
    DP_ISSUE_TRUNCATED,          /* file: compressed stream cut short */
    DP_ISSUE_IO,                 /* file: cannot open / read */
    DP_ISSUE_EMPTY_FILE,         /* warning: file has no records */
    DP_ISSUE__COUNT
} dp_issue_kind;

typedef struct dp_issue {
    dp_issue_kind kind;
    int is_reject;       /* 1: the record was not delivered; 0: warning */
    const char *file;    /* path as given, "-" for stdin */
    uint64_t line;       /* 1-based; 0 if not applicable */
    uint64_t column;     /* 1-based byte column; 0 if not applicable */
    const char *message; /* human-readable reason, with the bad value */
} dp_issue;

/* A short stable name for an issue kind ("date-invalid", "utf8", ...). */
DP_API const char *dp_issue_name(dp_issue_kind kind);

typedef struct dp_field {
    dp_slice name;
    dp_slice value; /* strings unescaped; other JSON values as JSON text */
} dp_field;

/* One record as read.  Every slice is borrowed from the reader until the
** next dp_reader_next call.  Missing fields are empty slices (p may be
** NULL when n == 0). */
typedef struct dp_record {
    dp_slice id;     /* empty if the input has none: see dp_reader_next */
    dp_date date;
    dp_slice title;
    dp_slice text;
    dp_slice source;
    dp_slice url;
    dp_slice lang;   /* as given by the input, may be empty */
    const dp_field *extra; /* fields not mapped above, in input order */
    size_t n_extra;
    const char *file; /* where the record starts */
    uint64_t line;
} dp_record;

typedef enum dp_format {
    DP_FORMAT_AUTO = 0,
    DP_FORMAT_TEXT, /* the plain-text record format */
    DP_FORMAT_JSONL,
    DP_FORMAT_CSV
} dp_format;

typedef enum dp_utf8_policy {
    DP_UTF8_REPAIR = 0, /* replace bad bytes with U+FFFD, warn */
    DP_UTF8_REJECT = 1  /* reject the record */
} dp_utf8_policy;

typedef struct dp_reader_options {
    int version;           /* DP_READER_OPTIONS_VERSION */
    dp_format format;      /* force a format; AUTO guesses per file */
    dp_utf8_policy utf8;
    int require_date;      /* 1 (default): reject records without date */
    /* Called for every issue.  May be NULL (issues are still counted).
    ** A non-zero return stops the read: dp_reader_next returns it. */
    int (*on_issue)(void *ctx, const dp_issue *issue);
    void *ctx;
} dp_reader_options;

#define DP_READER_OPTIONS_VERSION 1
#define DP_READER_OPTIONS_INIT \
    { DP_READER_OPTIONS_VERSION, DP_FORMAT_AUTO, DP_UTF8_REPAIR, 1, NULL, NULL }

typedef struct dp_reader dp_reader;

typedef struct dp_reader_stats {
    uint64_t files;          /* files opened */
    uint64_t records;        /* records delivered */
    uint64_t rejected;       /* records not delivered */
    uint64_t warnings;       /* issues that did not reject a record */
    uint64_t by_kind[DP_ISSUE__COUNT]; /* issues per kind */
    uint64_t bytes_in;       /* bytes read from files (compressed size) */
    uint64_t bytes_total;    /* sum of file sizes known at open, 0 if not */
} dp_reader_stats;

/*
** Open a reader over `n_paths` inputs (files, directories, "-").  Files are
** opened lazily; a path that cannot be opened is an issue (DP_ISSUE_IO),
** not a failure of this call.  opts may be NULL for the defaults.
** Returns DP_OK, DP_ENOMEM or DP_EINVAL (no paths, bad options).
*/
DP_API int dp_reader_open(dp_reader **out, const char *const *paths,
                          size_t n_paths, const dp_reader_options *opts);

/*
** Deliver the next record in *rec (borrowed until the next call).
** Returns DP_OK, DP_ENOTFOUND at the end of all inputs, DP_ENOMEM, or the
** non-zero value an on_issue callback returned.  Records that carry no id
** get one made of the file name and line ("file:line") so that every
** record can be addressed.
*/
DP_API int dp_reader_next(dp_reader *r, const dp_record **rec);

/* Counters so far.  Valid at any time, including after the end. */
DP_API void dp_reader_stats_get(const dp_reader *r, dp_reader_stats *out);

DP_API void dp_reader_close(dp_reader *r);

/* ------------------------------------------------------------------------
** 4. Analysis
**
** The analysis chain turns text into terms, in the shape of SQLite FTS5's
** tokenizer API: a tokenizer streams tokens, each with the byte offsets of
** its surface form in the caller's text, to a callback; filters wrap it.
** The chain, in order (docs/analysis.md says why this order):
**   1. segmentation into words (Unicode letters and digits, with apostrophes
**      and hyphens inside words; typographic quotes, guillemets and
**      non-breaking spaces are separators);
**   2. case folding and accent removal (Élysée, ELYSEE, elysee -> elysee);
**   3. French elision with ' and ’ (l', d', qu', jusqu', lorsqu', puisqu',
**      quoiqu', s', n', m', t', c', j'), keeping aujourd'hui and
**      presqu'île whole;
**   4. hyphenated compounds: "Etats-Unis" gives the parts "etats", "unis"
**      at consecutive positions and the whole "etats-unis" at the position
**      of its first part (DP_TOKEN_COMPOUND);
**   5. stop words of the language (flagged, not removed: the caller
**      decides);
**   6. Snowball stemming for the language (libstemmer).
*/

enum {
    DP_TOKEN_STOP = 1 << 0,     /* a stop word of the language */
    DP_TOKEN_COMPOUND = 1 << 1, /* whole hyphenated compound; shares the
                                ** position of its first part */
    DP_TOKEN_NUMBER = 1 << 2,   /* digits (with inner . , or space groups) */
};

typedef struct dp_token {
    const char *term;  /* stemmed, folded term: what the index stores */
    size_t term_len;
    const char *form;  /* folded, unstemmed form (for =exact matching) */
    size_t form_len;
    size_t start, end; /* byte offsets of the surface form in the text */
    uint32_t pos;      /* word position, from 0; compounds share it */
    unsigned flags;    /* DP_TOKEN_* */
} dp_token;

/* Receives each token; tok and its strings are borrowed for the call. */
typedef int (*dp_token_cb)(void *ctx, const dp_token *tok);

typedef struct dp_analyzer dp_analyzer;

typedef struct dp_analyzer_options {
    int version;         /* DP_ANALYZER_OPTIONS_VERSION */
    int stem;            /* 1 (default): apply Snowball stemming */
    int fold_accents;    /* 1 (default): remove diacritics */
} dp_analyzer_options;

#define DP_ANALYZER_OPTIONS_VERSION 1
#define DP_ANALYZER_OPTIONS_INIT { DP_ANALYZER_OPTIONS_VERSION, 1, 1 }

/* Languages with stemmers and stop words: "fr" "en" "de" "es" "it" "pt"
** "nl" (ISO 639-1).  Other codes are tokenised and folded, not stemmed. */

/* Create an analyzer (it caches stemmers and frequent words: keep one per
** thread and reuse it).  opts may be NULL.  DP_OK or DP_ENOMEM. */
DP_API int dp_analyzer_new(dp_analyzer **out, const dp_analyzer_options *opts);
DP_API void dp_analyzer_free(dp_analyzer *a);

/*
** Tokenise text[0..n) in language `lang` (ISO 639-1, NUL-terminated; NULL
** or "" means detect it with dp_lang_detect) and call cb for each token in
** order.  Returns DP_OK, DP_ENOMEM, or cb's non-zero return.
** Invalid UTF-8 bytes are treated as separators.
*/
DP_API int dp_analyze(dp_analyzer *a, const char *lang, const char *text,
                      size_t n, dp_token_cb cb, void *ctx);

/*
** The stemming stage alone: stem one already folded word in `lang`.
** *out points into analyzer-owned memory valid until the next call on a.
** Returns DP_OK, DP_ENOTFOUND if the language has no stemmer (then *out is
** the word itself), DP_ENOMEM.
*/
DP_API int dp_analyzer_stem(dp_analyzer *a, const char *lang,
                            const char *word, size_t n, dp_slice *out);

/*
** Identify the language of text[0..n).  Writes a NUL-terminated ISO 639-1
** code into lang[3] ("fr", "en", "de", "es", "it", "pt", "nl") and returns
** DP_OK, or DP_ENOTFOUND (lang = "") when the text is too short or unlike
** any known language.  Thread-safe; allocates nothing.
*/
DP_API int dp_lang_detect(const char *text, size_t n, char lang[3]);

/* ------------------------------------------------------------------------
** 5. The archive: opening, writing, deleting, merging
*/

/* (archive section: owned by the storage module) */

/* ------------------------------------------------------------------------
** 6. Queries, search and timelines
*/

/* (search section: owned by the query module) */

#ifdef __cplusplus
}
#endif
#endif /* DEPECHE_H */
