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
**     "Jan 28 2022", "January 2022";
**   long dates may end with a time ("à 15h30", "at 10:30", "15:02 GMT").
** Leading and trailing spaces are ignored.  The calendar is checked
** (2022-02-29 and 2022-13-45 are refused), two-digit years are refused,
** weekday names are accepted but not checked, and the offset is kept as
** written (never converted to UTC).  docs/input.md lists every form.
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
**     Without a telling suffix, a file whose first non-blank byte is '{'
**     is read as JSON Lines.  docs/input.md says exactly which lines are
**     headers.
** A file is decompressed on the fly when its first bytes are a gzip or
** zstd magic number, whatever its name (.gz / .zst are then ignored in
** guessing the format: x.jsonl.gz is JSON Lines).
**
** Field names recognised, case-insensitively.  For each slot the name
** listed first wins when several are present and usable (a non-empty
** string; a number also for ids); for the date, the most precise value
** that parses wins (datetime over date).  The fields not used are kept
** as extras, except absent ones (null or empty):
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
** dp_reader_stats.  Issues about a whole file (IO, TRUNCATED, EMPTY_FILE)
** have is_reject == 0 and count as warnings: check by_kind[DP_ISSUE_IO]
** and by_kind[DP_ISSUE_TRUNCATED] to know whether input was lost.
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
    const char *message; /* human-readable reason, with the bad value
                         ** quoted (cut to ~80 bytes); valid during the
                         ** callback only */
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
    const char *file; /* where the record starts (valid until close) */
    uint64_t line;    /* line of its first line (text: the date line) */
} dp_record;

typedef enum dp_format {
    DP_FORMAT_AUTO = 0,
    DP_FORMAT_TEXT, /* the plain-text record format */
    DP_FORMAT_JSONL,
    DP_FORMAT_CSV,  /* comma-separated; a .tsv file name means tabs */
    DP_FORMAT_TSV   /* tab-separated, same quoting rules as CSV */
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
** non-zero value an on_issue callback returned.  After DP_ENOMEM or a
** callback's stop the reader is stopped: later calls return the same code
** (close it).  Records that carry no id get one made of the file name and
** line ("file:line") so that every record can be addressed.  Memory
** follows the largest record read, not the size of the input.
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
** Invalid UTF-8 bytes are treated as separators.  When detection finds
** no language (or the code is unknown), words are folded and split but
** neither stemmed nor flagged as stop words.  For a token that is neither
** a compound nor contains digits, term == dp_analyzer_stem(lang, form)
** (with stemming on, lang being the detected one when not given):
** the indexer and the query parser may rely on it.  Tokens containing
** digits are never stemmed (term == form).
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

/*
** An archive is a directory: immutable segment files, small deletion
** files, a MANIFEST naming the segments of the last commit (replaced
** atomically), and a LOCK file held by the one writer (docs/format.md).
** Readers see the last commit as of their dp_archive_open (or their
** query's snapshot); a writer's work becomes visible to new readers only
** when it commits.  A crash at any moment leaves the last commit intact.
** Every byte read is checked (checksums, bounds): damage gives DP_ECORRUPT
** and a message naming the file, never a crash.
*/
typedef struct dp_archive dp_archive;

enum {
    DP_ARCHIVE_READ = 0,      /* open an existing archive read-only */
    DP_ARCHIVE_WRITE = 1,     /* allow writers (dp_writer_begin, delete) */
    DP_ARCHIVE_CREATE = 2     /* create the directory/archive if missing
                              ** (implies DP_ARCHIVE_WRITE) */
};

/*
** Open the archive at directory `path`.  flags: DP_ARCHIVE_*.
** Returns DP_OK, DP_ENOTFOUND (no archive there and no CREATE), DP_EIO,
** DP_ECORRUPT (manifest or a segment damaged), DP_ENOMEM.  On failure
** *out is still set when it could be allocated, so that
** dp_archive_errmsg(*out) tells why: close it with dp_archive_close.
*/
DP_API int dp_archive_open(dp_archive **out, const char *path,
                           unsigned flags);
DP_API void dp_archive_close(dp_archive *a);
/* The detailed message of the last failure on a (never NULL; "" if none),
** naming the file for DP_EIO / DP_ECORRUPT. */
DP_API const char *dp_archive_errmsg(const dp_archive *a);

/* Writing: one writer per archive at a time, across processes (a lock
** file, flock).  Documents are analysed with the writer's analyzer and
** buffered in memory up to memory_limit bytes, then flushed into a new
** segment; segments are merged so that their number stays logarithmic. */
typedef struct dp_writer dp_writer;

typedef struct dp_writer_options {
    int version;           /* DP_WRITER_OPTIONS_VERSION */
    size_t memory_limit;   /* bytes buffered before a flush; 0: default
                           ** (256 MB) */
    dp_analyzer *analyzer; /* borrowed, and used by the writer's thread:
                           ** do not use it elsewhere while the writer is
                           ** open; NULL: the writer makes its own */
    int merge;             /* 1 (default): merge segments by policy after
                           ** flushes and commits; 0: only on optimize */
    int threads;           /* 1 (default): analyse records in a second
                           ** thread while indexing the previous ones;
                           ** 0: all in the caller's thread */
} dp_writer_options;

#define DP_WRITER_OPTIONS_VERSION 1
#define DP_WRITER_DEFAULT_MEMORY ((size_t)256 << 20)
#define DP_WRITER_OPTIONS_INIT { DP_WRITER_OPTIONS_VERSION, 0, NULL, 1, 1 }

typedef struct dp_writer_stats {
    uint64_t added;      /* records added (new ids and replacements) */
    uint64_t replaced;   /* of which replaced a live doc with the same id */
    uint64_t deleted;    /* documents deleted by dp_writer_delete */
    uint64_t flushes;    /* segments written from the memory buffer */
    uint64_t merges;     /* merges done */
    uint64_t bytes_text; /* bytes of title + text added */
} dp_writer_stats;

/*
** Start writing to a (opened with DP_ARCHIVE_WRITE).  Returns DP_OK,
** DP_EBUSY when another writer (this or another process) holds the
** archive (message says so), DP_EINVAL (read-only archive), DP_EIO,
** DP_ENOMEM.  The writer borrows a: close it before dp_archive_close.
*/
DP_API int dp_writer_begin(dp_archive *a, const dp_writer_options *opts,
                           dp_writer **out);
/*
** Add one record (copied: rec is only borrowed for the call).  A record
** whose id is already in the archive (or earlier in this writer) replaces
** it: the newest wins.  An empty id is refused (DP_EINVAL).  *replaced
** (may be NULL) is set to 1 when a live document was replaced.
** Returns DP_OK, DP_EINVAL, DP_ENOMEM, DP_EIO (a flush failed).
** With threads (the default) and replaced == NULL, the record is analysed
** in a second thread and indexed during a later call: an error it meets
** is returned by a later dp_writer_add, delete or commit, and the counters
** of dp_writer_stats_get lag by up to 64 records until then.  After an
** error other than DP_EINVAL, abort or close the writer: a record may
** have been lost or left halfway in the buffer, and until
** dp_writer_abort the writer refuses adds, deletes and commits with
** DP_EINVAL (its message says so).  DP_EINVAL for a record refuses that
** record only.
*/
DP_API int dp_writer_add(dp_writer *w, const dp_record *rec, int *replaced);
/* Delete the document with record id id[0..n).  DP_OK, DP_ENOTFOUND (no
** live document has it), DP_ENOMEM. */
DP_API int dp_writer_delete(dp_writer *w, const char *id, size_t n);
/*
** Make everything added and deleted so far durable and visible: flush the
** buffer, merge by policy, write and fsync the segment files, replace the
** manifest atomically.  The writer stays open for more work.  DP_OK,
** DP_EIO, DP_ENOMEM, DP_ECORRUPT (a segment to merge is damaged),
** DP_EINVAL (a record was lost or left halfway by an earlier failure:
** dp_writer_abort, then add again); on failure the archive keeps its
** previous commit.  A commit that failed with DP_EIO or DP_ENOMEM can
** be tried again: it then commits everything, or returns DP_EINVAL when
** that failure lost a record.
*/
DP_API int dp_writer_commit(dp_writer *w);
/* Forget everything since the last commit.  The writer stays open. */
DP_API void dp_writer_abort(dp_writer *w);
/* Counters since dp_writer_begin. */
DP_API void dp_writer_stats_get(const dp_writer *w, dp_writer_stats *out);
/* Message of the last failure on w (never NULL). */
DP_API const char *dp_writer_errmsg(const dp_writer *w);
/* Abort what is not committed, release the lock, free w.  Accepts NULL. */
DP_API void dp_writer_close(dp_writer *w);

/* Merge all segments into one (dropping deleted documents) and commit.
** Takes the writer lock: DP_EBUSY if another writer holds it. */
DP_API int dp_archive_optimize(dp_archive *a);

typedef struct dp_archive_stats {
    uint64_t documents;      /* live documents */
    uint64_t deleted;        /* deleted, still taking space until merged */
    uint64_t tokens;         /* sum of the live documents' lengths */
    uint64_t terms;          /* distinct terms over all segments (those
                             ** only in deleted documents count until a
                             ** merge drops them) */
    uint64_t segments;
    uint64_t generation;     /* commit counter */
    uint64_t bytes;          /* size on disk of the files of the commit */
    uint64_t sources;        /* distinct sources of live docs ("" too) */
    dp_date date_min;        /* earliest / latest date of live docs */
    dp_date date_max;        /* (prec 0 when none) */
    uint64_t undated;        /* live docs without a date */
    size_t n_langs;          /* languages of live docs, most docs first */
    struct { char code[4]; uint64_t docs; } langs[32];
} dp_archive_stats;

/* Fill *out for the last commit.  DP_OK, DP_ENOMEM, DP_ECORRUPT. */
DP_API int dp_archive_stats_get(dp_archive *a, dp_archive_stats *out);

/*
** The stored record of the live document with id[0..n): *out is one
** allocation owned by the caller (free with dp_record_free), its slices
** pointing inside it; file is NULL and line 0.  DP_OK, DP_ENOTFOUND,
** DP_ENOMEM, DP_ECORRUPT.
*/
DP_API int dp_archive_get(dp_archive *a, const char *id, size_t n,
                          dp_record **out);
DP_API void dp_record_free(dp_record *rec);

/* ------------------------------------------------------------------------
** 6. Queries, search and timelines
*/

/* (search section: owned by the query module)
**
** The query language (docs/query.md has the full grammar and examples):
**   macron poutine          both words (implicit AND); words are analysed
**                           like documents: folded, elided, stemmed
**   "le président russe"    a phrase (stop words kept, positions checked)
**   a OR b, a AND b, NOT a, -a, ( ... )
**                           precedence: NEAR > NOT/- > AND > OR
**   presid*                 words whose stem starts with the prefix (or
**                           whose folded form does, when the stem is
**                           shorter than the prefix: economique*)
**   "guerre en ukr*"        a prefix inside a phrase, at its place
**   =Macron                 exact form: folded, not stemmed
**   macron NEAR/5 poutine   at most 5 positions apart (NEAR alone: 10)
**   title:otan  title:"mer noire"  source:lemonde  lang:fr
**   date:2022-01  date:2022-01-15..2022-03  date:..2021  date:2022-06..
** A date range matches documents whose date, at its own precision, lies
** entirely inside the range: a document dated "2022-01" matches
** date:2022 and date:2022-01 but not date:2022-01-15 nor, when the range
** is date:2022-01-15..2022-03, since January 1-14 are outside.
** A single word that is a stop word (le, de, the...) is ignored unless
** every word of the query is one; inside phrases stop words are kept.
*/

typedef struct dp_archive dp_archive;
typedef struct dp_query dp_query;

/* Where and why a query failed to parse: a plain value. */
typedef struct dp_query_error {
    size_t column;     /* 1-based, in characters; 0 if not about a place */
    char message[256]; /* "column 14: expected ')' to close '(' opened at
                       ** column 3"; always starts with "column N: " */
} dp_query_error;

typedef struct dp_query_options {
    int version;           /* DP_QUERY_OPTIONS_VERSION */
    const char *lang;      /* language analysing the words; NULL: "fr" */
    dp_analyzer *analyzer; /* borrowed, reused; NULL: one made per call */
} dp_query_options;

#define DP_QUERY_OPTIONS_VERSION 1
#define DP_QUERY_OPTIONS_INIT { DP_QUERY_OPTIONS_VERSION, NULL, NULL }

/*
** Parse and analyse text[0..n) into *out (the caller's: dp_query_free).
** A query does not depend on an archive and may be used on many, from
** several threads at once (it is read-only after parsing).
** Returns DP_OK; DP_ESYNTAX with *out NULL and, if err is not NULL, the
** column and message filled; DP_ENOMEM; DP_EINVAL (opts of another
** version).  Never recurses deeper than DP_QUERY_MAX_DEPTH (100) levels
** of parentheses and negations: deeper queries get DP_ESYNTAX.
*/
DP_API int dp_query_parse(const char *text, size_t n,
                          const dp_query_options *opts, dp_query **out,
                          dp_query_error *err);
DP_API void dp_query_free(dp_query *q);

/*
** Write the analysed query tree as an s-expression, for --explain and
** tests: (and otan (or russ "mer noir") (not date:2021-01-01..2021-12-31))
** (terms as indexed; phrases quoted).  NUL-terminated into
** buf (truncated to cap, like snprintf); returns the length it needed.
*/
DP_API size_t dp_query_explain(const dp_query *q, char *buf, size_t cap);

typedef enum dp_sort {
    DP_SORT_SCORE = 0, /* BM25, best first; ties: older docid first */
    DP_SORT_DATE_ASC,  /* oldest first; ties: docid */
    DP_SORT_DATE_DESC  /* newest first; ties: docid */
} dp_sort;

typedef struct dp_search_options {
    int version;     /* DP_SEARCH_OPTIONS_VERSION */
    dp_sort sort;
    uint64_t offset; /* hits to skip */
    uint64_t limit;  /* hits to return after offset; no upper cap */
    int no_total;    /* 1: do not count all matches: faster (what cannot
                     ** enter the top is skipped), the same hits, and
                     ** dp_results_total the matches seen, a lower bound */
} dp_search_options;

#define DP_SEARCH_OPTIONS_VERSION 1
#define DP_SEARCH_OPTIONS_INIT { DP_SEARCH_OPTIONS_VERSION, DP_SORT_SCORE, 0, 10, 0 }

/* One hit.  Slices are borrowed from the dp_results. */
typedef struct dp_hit {
    uint64_t doc;    /* internal address in the archive's snapshot */
    double score;    /* BM25 (0 when sorted by date) */
    dp_date date;
    dp_slice id;     /* the record's id */
    dp_slice title;
    dp_slice source;
    dp_slice lang;
} dp_hit;

typedef struct dp_results dp_results;

/*
** Run q on the archive's current snapshot and keep hits
** [offset, offset+limit) in the requested order.  *out is the caller's
** (dp_results_free); it pins the snapshot, so later commits do not
** change it, and borrows q, which must live until dp_results_free
** (snippets use it).  opts may be NULL for the defaults.  limit 0 gives
** no hit, only the total.
** Returns DP_OK, DP_ENOMEM, DP_EIO, DP_ECORRUPT, DP_EINVAL.
*/
DP_API int dp_search(dp_archive *ar, const dp_query *q,
                     const dp_search_options *opts, dp_results **out);
/* Number of hits held (<= limit). */
DP_API size_t dp_results_count(const dp_results *r);
/* Exact number of matching live documents (unless no_total). */
DP_API uint64_t dp_results_total(const dp_results *r);
/* Fill *hit with hit i (0-based); slices borrowed from r until
** dp_results_free.  DP_ENOTFOUND if i is out of range; DP_EIO /
** DP_ECORRUPT if its stored record cannot be read. */
DP_API int dp_results_hit(dp_results *r, size_t i, dp_hit *hit);
/* The record id of hit i, without reading the document store (ids are a
** column of each segment): what a program that only needs the ids of the
** best hits should call, since dp_results_hit decompresses the stored
** record for its title.  *id is borrowed from r until dp_results_free.
** DP_OK or DP_ENOTFOUND if i is out of range. */
DP_API int dp_results_id(const dp_results *r, size_t i, dp_slice *id);

/* A passage of a document with the query's words marked (docs/query.md,
** "Snippets"). */
typedef struct dp_snippet {
    dp_slice text;           /* passage (whole words; "…" marks cuts) */
    const size_t (*spans)[2];/* [start, end) byte offsets into text */
    size_t n_spans;
} dp_snippet;

/*
** The best passage of hit i, about max_bytes long (0: 200), with every
** occurrence of a matching term or form marked.  *out is borrowed from r
** until the next dp_results_snippet call or dp_results_free.
** Returns DP_OK, DP_ENOTFOUND, DP_ENOMEM, DP_EIO, DP_ECORRUPT.
*/
DP_API int dp_results_snippet(dp_results *r, size_t i, size_t max_bytes,
                              dp_snippet *out);
DP_API void dp_results_free(dp_results *r);

/* Exact number of live documents matching q (fast path, no ranking). */
DP_API int dp_count(dp_archive *ar, const dp_query *q, uint64_t *out);

typedef enum dp_period {
    DP_BY_DAY = 0,
    DP_BY_WEEK,  /* ISO 8601 weeks: 2022-W05 */
    DP_BY_MONTH,
    DP_BY_YEAR
} dp_period;

/* One row of a timeline; borrowed for the callback. */
typedef struct dp_timeline_row {
    const char *period; /* "2022-01-28", "2022-W05", "2022-01", "2022";
                        ** rows of documents less precise than the period:
                        ** "2022-01-??" (day unknown), "2022-??",
                        ** "2022-W??"; "undated" for documents without a
                        ** date */
    int precise;        /* 1: a real period; 0: one of the rows above */
    dp_date start;      /* first day of the period (prec as known) */
    uint64_t count;     /* matching live documents */
    uint64_t total;     /* all live documents of the period */
    double share;       /* count / total, 0 when total is 0 */
} dp_timeline_row;

typedef int (*dp_timeline_cb)(void *ctx, const dp_timeline_row *row);

/*
** Count matching documents per period, in time order, from the first to
** the last period holding any document of the archive (narrowed to the
** query's date range when it has one at top level); periods without a
** match appear with count 0.  A document less precise than the period
** (a "2022-01" document in a daily timeline) is counted in a row of its
** own right after the last precise period it covers ("2022-01-??"),
** never on the first day.  Reads only postings and per-document columns.
** Returns DP_OK, DP_ENOMEM, DP_EIO, DP_ECORRUPT, or cb's non-zero value.
*/
DP_API int dp_timeline(dp_archive *ar, const dp_query *q, dp_period by,
                       dp_timeline_cb cb, void *ctx);

/* ------------------------------------------------------------------------
** 7. Corpus analyses: concordance, significant terms, collocates and
**    frequency lists
*/

/* (corpus section: owned by the corpus-analysis module)
**
** Every count is exact: read from the index of one snapshot (postings,
** positions, per-document columns) or from the stored text, never from a
** sample.  docs/analysis.md ("Corpus analyses") gives every formula with a
** worked example.  Words used throughout:
**   - token: a word position of a document, as counted for its length
**     (title and body; a hyphenated compound is not counted twice).  T is
**     the number of tokens of the live documents (dp_archive_stats.tokens).
**   - term: what the index stores (folded, stemmed); its `form` is its most
**     frequent surface form (folded, unstemmed) in the archive, ties to the
**     smaller bytes.
**   - stop word: a term whose form is a stop word of one of the languages
**     of the archive's documents.  Left out by default (keep_stopwords).
**   - occurrence of a query: a span of positions where a positive word,
**     phrase, prefix* or NEAR pair of the query matches, in a document
**     matching the whole query.  NEAR pairs each occurrence of one side
**     with the nearest occurrence of the other side within the distance
**     (ties: the earlier), the span running from the first to the last
**     position of the pair; identical spans count once.
** Errors of all four: DP_OK, DP_EINVAL (bad options; a query without any
** word for kwic and cooc), DP_ENOMEM, DP_EIO, DP_ECORRUPT (message from
** dp_archive_errmsg), or a callback's non-zero return.
*/

/* --- 7.1 Concordance (KWIC) */

typedef enum dp_kwic_sort {
    DP_KWIC_SORT_DOC = 0,   /* archive order: document, then position;
                            ** streamed, memory independent of matches */
    DP_KWIC_SORT_DATE,      /* oldest first; ties: archive order */
    DP_KWIC_SORT_DATE_DESC, /* newest first; ties: archive order */
    DP_KWIC_SORT_LEFT,      /* by the words left of the match, nearest
                            ** first, compared on folded forms (TXM) */
    DP_KWIC_SORT_RIGHT      /* by the words right of the match */
} dp_kwic_sort;

typedef struct dp_kwic_options {
    int version;           /* DP_KWIC_OPTIONS_VERSION */
    dp_kwic_sort sort;
    unsigned width;        /* context on each side; 0: 40 chars / 5 words */
    int width_words;       /* 1: width counts words; 0: characters */
    uint64_t offset;       /* occurrences to skip (in sorted order) */
    uint64_t limit;        /* occurrences to deliver; 0: all, no cap */
    dp_analyzer *analyzer; /* borrowed; NULL: one made per call */
} dp_kwic_options;

#define DP_KWIC_OPTIONS_VERSION 1
#define DP_KWIC_OPTIONS_INIT \
    { DP_KWIC_OPTIONS_VERSION, DP_KWIC_SORT_DOC, 0, 0, 0, 0, NULL }

/* One concordance line; every slice is borrowed for the callback.  The
** contexts are the original text of the field (title or text) holding the
** match, cut at `width`; they never cross from title to text. */
typedef struct dp_kwic_line {
    uint64_t rank;        /* 0-based index in the sorted order of all
                          ** occurrences (offset included) */
    dp_slice id;          /* record id */
    dp_date date;
    dp_slice left, match, right;
    int in_title;         /* 1: the match is in the title */
    uint32_t pos_first;   /* positions of the match's first and last */
    uint32_t pos_last;    /* words (index positions, see dp_token.pos) */
    size_t start, end;    /* byte offsets of the match in its field */
} dp_kwic_line;

typedef int (*dp_kwic_cb)(void *ctx, const dp_kwic_line *line);

/*
** Call cb for occurrences [offset, offset+limit) of q, in the requested
** order.  *total (may be NULL) receives the number of all occurrences.
** Sorted orders other than DP_KWIC_SORT_DOC keep every line in memory
** before sorting (about 100 bytes plus the contexts per occurrence).
*/
DP_API int dp_kwic(dp_archive *ar, const dp_query *q,
                   const dp_kwic_options *opts, dp_kwic_cb cb, void *ctx,
                   uint64_t *total);

/* --- 7.2 Significant terms (log-likelihood and Lafon's specificity) */

typedef enum dp_terms_sort {
    DP_TERMS_BY_LL = 0, /* signed log-likelihood G2 */
    DP_TERMS_BY_SPEC    /* signed specificity */
} dp_terms_sort;

typedef enum dp_terms_sign {
    DP_TERMS_OVER = 0,  /* over-used terms, highest score first */
    DP_TERMS_UNDER,     /* under-used terms, lowest score first */
    DP_TERMS_BOTH       /* both, by absolute score */
} dp_terms_sign;

typedef struct dp_terms_options {
    int version;           /* DP_TERMS_OPTIONS_VERSION */
    const dp_query *part;  /* the part: documents matching it; NULL: every
                           ** document (only meaningful with per_period) */
    const dp_query *against; /* the reference: documents matching it that
                           ** are not in the part; NULL: the rest of the
                           ** archive */
    int per_period;        /* 0: one part; 1: one part per `period` (the
                           ** part's documents of each period, each against
                           ** the rest of the archive; documents less
                           ** precise than the period are in no part) */
    dp_period period;      /* with per_period */
    dp_terms_sort sort;
    dp_terms_sign sign;
    uint64_t limit;        /* terms per part; 0: all */
    uint64_t min_freq;     /* leave out terms seen fewer times in the part
                           ** (0 and 1: none left out) */
    int keep_stopwords;
} dp_terms_options;

#define DP_TERMS_OPTIONS_VERSION 1
#define DP_TERMS_OPTIONS_INIT                                           \
    { DP_TERMS_OPTIONS_VERSION, NULL, NULL, 0, DP_BY_MONTH,             \
      DP_TERMS_BY_LL, DP_TERMS_OVER, 50, 0, 0 }

/* A part and its reference (for per_period, one per period). */
typedef struct dp_terms_part {
    const char *period;    /* "2022-02" with per_period, else NULL */
    uint64_t docs, tokens;         /* t: tokens of the part */
    uint64_t ref_docs, ref_tokens; /* the reference */
} dp_terms_part;

/* One significant term, borrowed for the callback.  With k = freq,
** t = part tokens, F = freq + ref_freq, T = t + reference tokens:
** expected = F t / T; llr = +-G2 of the 2x2 table (part/reference x
** term/other tokens), + when k > expected; spec = -log10 P(X >= k) when
** k >= expected, log10 P(X <= k) otherwise, X ~ Hypergeometric(T, F, t)
** (Lafon 1980, as TXM reports it). */
typedef struct dp_term_score {
    uint64_t rank;         /* 0-based in its part */
    dp_slice term, form;
    uint64_t freq;         /* k: occurrences in the part */
    double expected;
    uint64_t ref_freq;     /* occurrences in the reference */
    uint64_t df;           /* part documents holding the term */
    uint64_t ref_df;
    double llr;
    double spec;
    int sign;              /* +1 over-used, -1 under-used, 0 neither */
} dp_term_score;

typedef int (*dp_terms_cb)(void *ctx, const dp_terms_part *part,
                           const dp_term_score *row);

/*
** The terms that characterise the part against its reference.  For each
** part cb receives its best `limit` terms in order (per_period: parts in
** time order).  A part without any token is skipped.  One pass over the
** postings computes every part at once; memory grows with the number of
** distinct terms and of periods, not with the documents matched.
*/
DP_API int dp_terms(dp_archive *ar, const dp_terms_options *opts,
                    dp_terms_cb cb, void *ctx);

/* --- 7.3 Collocates */

typedef enum dp_cooc_sort {
    DP_COOC_BY_LL = 0, DP_COOC_BY_PMI, DP_COOC_BY_T, DP_COOC_BY_FREQ
} dp_cooc_sort;

typedef struct dp_cooc_options {
    int version;           /* DP_COOC_OPTIONS_VERSION */
    unsigned window;       /* words on each side; 0: the whole sentence */
    int cross_sentences;   /* 1: a window of `window` words may cross
                           ** sentence ends (never title/text) */
    dp_cooc_sort sort;
    uint64_t min_freq;     /* leave out collocates seen fewer times */
    uint64_t limit;        /* 0: all */
    int keep_stopwords;
    dp_analyzer *analyzer; /* borrowed; NULL: one made per call */
} dp_cooc_options;

#define DP_COOC_OPTIONS_VERSION 1
#define DP_COOC_OPTIONS_INIT \
    { DP_COOC_OPTIONS_VERSION, 0, 0, DP_COOC_BY_LL, 2, 50, 0, NULL }

typedef struct dp_cooc_summary {
    uint64_t docs;         /* documents matching the query */
    uint64_t nodes;        /* occurrences of the query */
    uint64_t window_tokens;/* R1: tokens in the windows (node excluded) */
    uint64_t tokens;       /* N: tokens of the archive */
} dp_cooc_summary;

/* One collocate (Evert 2008, surface co-occurrence): O11 = cooc,
** C1 = freq, E11 = R1 C1 / N; llr = +-G2 of the table (O11, R1 - O11,
** C1 - O11, N - R1 - C1 + O11); pmi = log2(O11 / E11); tscore =
** (O11 - E11) / sqrt(O11). */
typedef struct dp_collocate {
    uint64_t rank;
    dp_slice term, form;
    uint64_t cooc;         /* O11 */
    uint64_t freq;         /* C1: occurrences in the archive */
    double expected;       /* E11 */
    double llr, pmi, tscore;
} dp_collocate;

typedef int (*dp_cooc_cb)(void *ctx, const dp_cooc_summary *sum,
                          const dp_collocate *row);

/* Collocates of q's occurrences, best first by opts->sort. */
DP_API int dp_cooc(dp_archive *ar, const dp_query *q,
                   const dp_cooc_options *opts, dp_cooc_cb cb, void *ctx);

/* --- 7.4 Frequency lists */

typedef struct dp_freq_options {
    int version;           /* DP_FREQ_OPTIONS_VERSION */
    unsigned ngram;        /* 1 (terms, from the index) or 2..5 (n-grams
                           ** of folded forms within a sentence) */
    uint64_t min_freq;     /* leave out items seen fewer times */
    uint64_t limit;        /* 0: all */
    int keep_stopwords;    /* 0: no stop word term; no n-gram starting or
                           ** ending with a stop word */
    dp_analyzer *analyzer; /* borrowed; NULL: one made per call */
} dp_freq_options;

#define DP_FREQ_OPTIONS_VERSION 1
#define DP_FREQ_OPTIONS_INIT { DP_FREQ_OPTIONS_VERSION, 1, 0, 50, 0, NULL }

typedef struct dp_freq_summary {
    uint64_t docs;         /* documents counted */
    uint64_t tokens;       /* their tokens */
    uint64_t distinct;     /* distinct items before min_freq and limit */
} dp_freq_summary;

/* One item: a term (ngram 1: term and its form) or an n-gram (term and
** form are both the folded forms joined by spaces). */
typedef struct dp_freq_row {
    uint64_t rank;
    dp_slice term, form;
    uint64_t freq;         /* occurrences */
    uint64_t df;           /* documents holding it */
} dp_freq_row;

typedef int (*dp_freq_cb)(void *ctx, const dp_freq_summary *sum,
                          const dp_freq_row *row);

/*
** Frequency list over the documents matching q (NULL: the archive), most
** frequent first (ties: byte order).  N-grams re-analyse the stored
** texts and hold every distinct n-gram in memory (min_freq does not
** bound it); terms read only the index.
*/
DP_API int dp_freq(dp_archive *ar, const dp_query *q,
                   const dp_freq_options *opts, dp_freq_cb cb, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* DEPECHE_H */
