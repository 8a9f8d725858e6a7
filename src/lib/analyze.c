/*
** analyze.c -- the analysis chain: tokenizer, elision, compounds, numbers.
**
** dp_analyze walks the text once.  The tokenizer finds a "word": a run of
** letters, digits and combining marks, in which an apostrophe or a hyphen
** followed by a letter or digit splits the word into pieces without ending
** it ("l'Élysée", "Etats-Unis", "aujourd'hui", "a-t-il").  Each character
** is folded (case, accents, compatibility forms: analyze_fold.c) into the
** analyzer's form buffer as it is read, so the filters then work on folded
** bytes.  The word is next cut at its hyphens into parts; a part whose
** first piece is an elided article (l' d' qu' jusqu' ...) loses it; each
** part gets its term from the stemmer of the language through its cache
** (analyze_stem.c), which also says whether it is a stop word; and the
** tokens are handed to the callback: the parts at consecutive positions,
** the whole compound right after its first part, at the same position.
**
** Nothing is allocated per token: the form and term buffers and the piece
** arrays belong to the analyzer and are reused, and pure-ASCII text never
** leaves the table-driven fast path.  docs/analysis.md describes every
** case with its tokens.
*/
#include "dp_int.h"

#include <utf8proc.h>

/* A word has at most this many pieces; a longer run is cut into words. */
#define MAX_PIECES 64
/* A hyphenated word of more parts gives its parts but no whole token. */
#define MAX_COMPOUND_PARTS 8

/* A piece: a run of word characters between apostrophes and hyphens. */
typedef struct piece {
    size_t start, end;   /* source bytes */
    size_t fstart, fend; /* folded bytes in a->form */
    char join;           /* '\'' or '-' after it, 0 for the last piece */
    uint8_t digit, alpha, mark;
} piece;

/* A plain word read ahead by the fast path (see latin_word): its source
** bytes and its folded bytes in a->form. */
typedef struct plain_word {
    size_t start, end;
    size_t fstart, flen;
    uint32_t hash; /* dp__stemmer_prefetch's */
} plain_word;
/* Plain words are read this many at a time and their stem cache slots
** prefetched, then they are looked up and emitted: a lookup is often a
** cache miss, and the misses of a batch overlap. */
#define PLAIN_BATCH 8

/* A part: pieces between hyphens, elided article dropped. */
typedef struct part {
    size_t start, end;
    size_t fstart, fend;
    const char *term;    /* borrowed from the stemmer until pinned */
    size_t tstart, tlen; /* pinned: the term is at a->terms + tstart */
    unsigned flags;
    int pinned;
} part;

struct dp_analyzer {
    dp_analyzer_options opts;
    dp_stemmer *stemmers[DP_LANG__COUNT];
    dp_buf form;  /* folded current word, joiners included */
    dp_buf terms; /* terms of its parts, one after the other */
    dp_buf cform; /* whole compound: form and term */
    dp_buf cterm;
    int32_t *u32; /* scratch for NFC when accents are kept */
    size_t u32_cap;
    piece pieces[MAX_PIECES];
    part parts[MAX_PIECES];
    dp_fold_table fold;
    char ascii_letter[128]; /* folded ASCII letter, 0: not a letter */
    char ascii_end[128];    /* 1: an ASCII byte that ends any word */
    int ascii_swar;         /* ascii_letter is [A-Za-z] lowercased */
    plain_word batch[PLAIN_BATCH]; /* read, not yet emitted (a->form) */
    size_t nbatch;
    const dp__known *known; /* dp__analyze_known's, during its call */
    int lang;               /* the language of the text being analysed */
};

/* Articles and pronouns elided before a vowel in French ("l'État",
** "qu'il"), which also cover Italian's l' d' c' and Portuguese's d'. */
static const char *const elision_fr[] = {
    "l", "d", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "s", "n", "m",
    "t", "c", "j", NULL
};
/* Italian adds the articulated prepositions and a few determiners. */
static const char *const elision_it[] = {
    "dell", "all", "dall", "nell", "sull", "coll", "pell", "un", "quest",
    "quell", "nessun", "sant", "bell", "buon", "v", NULL
};

int dp_analyzer_new(dp_analyzer **out, const dp_analyzer_options *opts)
{
    dp_analyzer_options defaults = DP_ANALYZER_OPTIONS_INIT;
    dp_analyzer *a;

    *out = NULL;
    a = dp__calloc(1, sizeof *a);
    if (a == NULL)
        return DP_ENOMEM;
    a->opts = opts ? *opts : defaults;
    dp__fold_table_init(&a->fold, a->opts.fold_accents != 0);
    for (int c = 0; c < 128; c++)
        a->ascii_letter[c] = a->fold.e[c].cls == DP_CC_LETTER &&
                                     a->fold.e[c].len == 1
                                 ? a->fold.e[c].s[0]
                                 : 0;
    for (int c = 0; c < 128; c++) {
        int cls = a->fold.e[c].cls;
        a->ascii_end[c] = cls == DP_CC_SEP || cls == DP_CC_IDEO;
    }
    a->ascii_swar = 1;
    for (int c = 0; c < 128; c++) {
        int lower = c | 0x20, letter = lower >= 'a' && lower <= 'z';
        if (a->ascii_letter[c] != (letter ? lower : 0))
            a->ascii_swar = 0;
    }
    if (dp__buf_reserve(&a->form, 256) != DP_OK ||
        dp__buf_reserve(&a->terms, 256) != DP_OK) {
        dp_analyzer_free(a);
        return DP_ENOMEM;
    }
    *out = a;
    return DP_OK;
}

void dp_analyzer_free(dp_analyzer *a)
{
    if (a == NULL)
        return;
    for (int i = 0; i < DP_LANG__COUNT; i++)
        dp__stemmer_free(a->stemmers[i]);
    dp__buf_free(&a->form);
    dp__buf_free(&a->terms);
    dp__buf_free(&a->cform);
    dp__buf_free(&a->cterm);
    dp__free(a->u32);
    dp__free(a);
}

/* The stemmer (and stop set) of a language, created on first use. */
static int get_stemmer(dp_analyzer *a, int lang, dp_stemmer **out)
{
    *out = NULL;
    if (lang == DP_LANG_NONE)
        return DP_OK;
    if (a->stemmers[lang] == NULL) {
        int rc = dp__stemmer_new(&a->stemmers[lang], lang);
        if (rc != DP_OK)
            return rc;
    }
    *out = a->stemmers[lang];
    return DP_OK;
}

/* Decode the character at s[i] (i < n): its length, or 0 when the bytes
** are not valid UTF-8 (then *cls is DP_CC_SEP). */
static inline size_t read_char(const dp_analyzer *a, const unsigned char *s,
                               size_t n, size_t i, int32_t *cp, int *cls)
{
    if (s[i] < 0x80) {
        *cp = s[i];
        *cls = a->fold.e[s[i]].cls;
        return 1;
    }
    size_t len = dp__utf8_decode(s + i, n - i, cp);
    *cls = len ? dp__fold_class(&a->fold, *cp) : DP_CC_SEP;
    return len;
}

/* Does a letter or digit start at s[i]? */
static int word_starts_at(const dp_analyzer *a, const unsigned char *s,
                          size_t n, size_t i)
{
    int32_t cp;
    int cls;
    if (i >= n || read_char(a, s, n, i, &cp, &cls) == 0)
        return 0;
    return cls == DP_CC_LETTER || cls == DP_CC_DIGIT;
}

/* After a space at s[i - 1]: exactly three digits then no word
** character, as in "1 000" or "127 000 membres"? */
static int digit_group_at(const dp_analyzer *a, const unsigned char *s,
                          size_t n, size_t i)
{
    int32_t cp;
    int cls;
    if (i + 3 > n)
        return 0;
    for (size_t k = 0; k < 3; k++)
        if (s[i + k] < '0' || s[i + k] > '9')
            return 0;
    if (i + 3 == n || read_char(a, s, n, i + 3, &cp, &cls) == 0)
        return 1;
    return cls != DP_CC_LETTER && cls != DP_CC_DIGIT && cls != DP_CC_MARK;
}

/* Recompose (NFC) the folded bytes from `from` to the end of a->form:
** only needed when accents are kept and the text had combining marks. */
static int nfc_tail(dp_analyzer *a, size_t from)
{
    const utf8proc_uint8_t *src = (const utf8proc_uint8_t *)a->form.p + from;
    utf8proc_ssize_t len = (utf8proc_ssize_t)(a->form.n - from), k;
    utf8proc_option_t opt = UTF8PROC_COMPOSE;

    k = utf8proc_decompose(src, len, a->u32, (utf8proc_ssize_t)a->u32_cap,
                           opt);
    if (k < 0)
        return DP_OK; /* cannot happen on valid UTF-8: keep the bytes */
    if ((size_t)k > a->u32_cap) {
        int32_t *p = dp__realloc(a->u32, (size_t)k * sizeof *p);
        if (p == NULL)
            return DP_ENOMEM;
        a->u32 = p;
        a->u32_cap = (size_t)k;
        k = utf8proc_decompose(src, len, a->u32, k, opt);
    }
    k = utf8proc_reencode(a->u32, k, opt);
    if (k < 0 || (size_t)k > a->form.n - from)
        return DP_OK; /* composition never grows UTF-8 */
    memcpy(a->form.p + from, a->u32, (size_t)k);
    a->form.n = from + (size_t)k;
    return DP_OK;
}

static int close_piece(dp_analyzer *a, piece *p, size_t end, char join)
{
    p->end = end;
    p->join = join;
    if (p->mark && !a->fold.strip_accents) {
        int rc = nfc_tail(a, p->fstart);
        if (rc != DP_OK)
            return rc;
    }
    p->fend = a->form.n;
    return DP_OK;
}

static void open_piece(dp_analyzer *a, piece *p, size_t start)
{
    memset(p, 0, sizeof *p);
    p->start = start;
    p->fstart = a->form.n;
}

/* Copy the run of ASCII letters at s[i], folded, into a->form, as far as
** its room: the fast path of scan_word, where most letters go.  Returns
** the index just past the copied letters. */
static inline __attribute__((always_inline)) size_t
copy_ascii_letters(dp_analyzer *a, const unsigned char *s, size_t n, size_t i)
{
    size_t room = a->form.cap - a->form.n - 2, k = 0;
    size_t lim = n - i < room ? n - i : room;
    const unsigned char *src = s + i;
    char *o = a->form.p + a->form.n, c;
    while (k < lim && src[k] < 0x80 && (c = a->ascii_letter[src[k]]) != 0)
        o[k++] = c;
    a->form.n += k;
    return i + k;
}

/* Close piece *pp at the apostrophe or hyphen `join` at s[i] and open the
** next one, a->pieces[np], after its len bytes: a word goes on across
** the mark, which stays in the form between the pieces. */
static int next_piece(dp_analyzer *a, piece **pp, size_t np, size_t i,
                      size_t len, char join)
{
    int rc = close_piece(a, *pp, i, join);
    if (rc != DP_OK)
        return rc;
    a->form.p[a->form.n++] = join;
    *pp = &a->pieces[np];
    open_piece(a, *pp, i + len);
    return DP_OK;
}

/* A separator cp (len bytes at s[i]) inside a number that does not end
** it: a decimal point or comma before a digit, kept in the form, or a
** space before a group of exactly three digits, dropped.  Returns the
** bytes to step over, 0 when the number ends here. */
static size_t number_separator(dp_analyzer *a, const unsigned char *s,
                               size_t n, size_t i, size_t len, int32_t cp,
                               int *numsep, size_t *group)
{
    if ((cp == '.' || cp == ',') && i + 1 < n && s[i + 1] >= '0' &&
        s[i + 1] <= '9') {
        a->form.p[a->form.n++] = (char)cp;
        *numsep = 1;
        return 1;
    }
    if (dp__fold_is_group_space(cp) && !*numsep && *group >= 1 &&
        *group <= 3 && digit_group_at(a, s, n, i + len)) {
        *group = 0;
        return len;
    }
    return 0;
}

/* Append the folding of word character cp to a->form (room reserved):
** ASCII from the table, the rest through dp__fold_cp. */
static inline __attribute__((always_inline)) void
append_folded(dp_analyzer *a, int32_t cp)
{
    if (cp < 0x80)
        a->form.p[a->form.n++] = a->fold.e[cp].s[0];
    else
        a->form.n += dp__fold_cp(&a->fold, cp, a->form.p + a->form.n);
}

/*
** Read one word starting at the letter or digit at s[*pi] into a->form
** and a->pieces; on return *pi is just past it and *npieces is set.
** Digits may be grouped: "3,5", "1.000", and "1 000" where the space is
** any of U+0020 U+00A0 U+2007 U+2009 U+202F followed by exactly three
** digits (the space is dropped from the form).  DP_OK or DP_ENOMEM.
*/
static int scan_word(dp_analyzer *a, const unsigned char *s, size_t n,
                     size_t *pi, size_t *npieces)
{
    size_t i = *pi, np = 0, group = 0, len, step;
    int numsep = 0, rc, cls;
    int32_t cp;
    piece *p = &a->pieces[0];

    a->form.n = 0;
    open_piece(a, p, i);
    while (i < n) {
        if (DP_UNLIKELY(a->form.n + DP_FOLD_MAX + 2 > a->form.cap)) {
            rc = dp__buf_reserve(&a->form, DP_FOLD_MAX + 2);
            if (rc != DP_OK)
                return rc;
        }
        if (s[i] < 0x80 && a->ascii_letter[s[i]]) {
            i = copy_ascii_letters(a, s, n, i);
            p->alpha = 1;
            continue;
        }
        len = read_char(a, s, n, i, &cp, &cls);
        if (len == 0)
            break;
        if (DP_LIKELY(cls == DP_CC_LETTER)) {
            p->alpha = 1;
        } else if (cls == DP_CC_DIGIT) {
            p->digit = 1;
            group++;
        } else if (cls == DP_CC_MARK) {
            p->mark = 1;
        } else if (cls == DP_CC_IGNORE) {
            i += len;
            continue;
        } else if (cls == DP_CC_APOS || cls == DP_CC_HYPHEN) {
            if (np + 1 >= MAX_PIECES || !word_starts_at(a, s, n, i + len))
                break;
            rc = next_piece(a, &p, ++np, i, len,
                            cls == DP_CC_APOS ? '\'' : '-');
            if (rc != DP_OK)
                return rc;
            i += len;
            continue;
        } else if (cls == DP_CC_SEP && np == 0 && p->digit && !p->alpha) {
            step = number_separator(a, s, n, i, len, cp, &numsep, &group);
            if (step == 0)
                break;
            i += step;
            continue;
        } else {
            break; /* separator or ideograph */
        }
        append_folded(a, cp);
        i += len;
    }
    rc = close_piece(a, p, i, 0);
    if (rc != DP_OK)
        return rc;
    *pi = i;
    *npieces = np + 1;
    return DP_OK;
}

static int in_list(const char *const *list, const char *w, size_t n)
{
    for (size_t i = 0; list[i]; i++)
        if (strlen(list[i]) == n && memcmp(list[i], w, n) == 0)
            return 1;
    return 0;
}

/* Is piece p (followed by an apostrophe) an elided article? */
static int is_elided(const dp_analyzer *a, int lang, const piece *p)
{
    const char *w = a->form.p + p->fstart;
    size_t n = p->fend - p->fstart;
    if (n > 6)
        return 0;
    return in_list(elision_fr, w, n) ||
           (lang == DP_LANG_IT && in_list(elision_it, w, n));
}

/* Is piece p (after an apostrophe) the English possessive `s`?  It is
** dropped like an elided article, so that "Macron’s" is the form and
** term `macron` in every language (SQLite FTS5 and most tokenizers cut
** at the apostrophe), and a French stemmer never sees `macron's`. */
static int is_possessive(const dp_analyzer *a, const piece *p)
{
    return p->fend - p->fstart == 1 && a->form.p[p->fstart] == 's';
}

/* Give part t its term and flags.  The term is borrowed (from the form
** buffer or the stemmer, valid until its next call): split_parts pins it
** before stemming the next part, so that a word of one part, nearly
** every word, is never copied. */
static int term_of_part(dp_analyzer *a, dp_stemmer *st, part *t, int digit,
                        int alpha)
{
    const char *w = a->form.p + t->fstart, *term = w;
    size_t n = t->fend - t->fstart, term_len = n;
    int stop = 0, rc;

    t->flags = digit && !alpha ? DP_TOKEN_NUMBER : 0;
    if (st != NULL && !digit) {
        rc = dp__stemmer_lookup(st, w, n, a->opts.stem, &term, &term_len,
                                &stop);
        if (rc != DP_OK)
            return rc;
        if (stop)
            t->flags |= DP_TOKEN_STOP;
    }
    t->term = term;
    t->tlen = term_len;
    t->pinned = 0;
    return DP_OK;
}

/* Copy part t's term into a->terms (it is read through part_term). */
static int pin_term(dp_analyzer *a, part *t)
{
    t->tstart = a->terms.n;
    t->pinned = 1;
    return dp__buf_append(&a->terms, t->term, t->tlen);
}

static inline const char *part_term(const dp_analyzer *a, const part *t)
{
    return t->pinned ? a->terms.p + t->tstart : t->term;
}

/* Cut the pieces of the current word into parts (see the file comment).
** Returns the number of parts in *nparts.  DP_OK or DP_ENOMEM. */
static int split_parts(dp_analyzer *a, int lang, dp_stemmer *st, size_t np,
                       size_t *nparts)
{
    size_t k = 0, m = 0;
    int rc;

    a->terms.n = 0;
    while (k < np) {
        size_t first = k, last = k;
        int digit = 0, alpha = 0;
        while (last + 1 < np && a->pieces[last].join == '\'')
            last++;
        size_t next = last + 1;
        if (first < last && is_elided(a, lang, &a->pieces[first]))
            first++;
        if (first < last && is_possessive(a, &a->pieces[last]))
            last--;
        for (size_t j = first; j <= last; j++) {
            digit |= a->pieces[j].digit;
            alpha |= a->pieces[j].alpha;
        }
        part *t = &a->parts[m];
        t->start = a->pieces[first].start;
        t->end = a->pieces[last].end;
        t->fstart = a->pieces[first].fstart;
        t->fend = a->pieces[last].fend;
        k = next;
        if (t->fend == t->fstart)
            continue; /* only characters that fold to nothing */
        rc = m > 0 ? pin_term(a, &a->parts[m - 1]) : DP_OK;
        if (rc == DP_OK)
            rc = term_of_part(a, st, t, digit, alpha);
        if (rc != DP_OK)
            return rc;
        m++;
    }
    *nparts = m;
    return DP_OK;
}

/* Build the whole compound's form and term: parts joined with '-'. */
static int build_compound(dp_analyzer *a, size_t nparts, unsigned *flags)
{
    int rc = DP_OK;
    unsigned all = DP_TOKEN_NUMBER;

    a->cform.n = a->cterm.n = 0;
    for (size_t k = 0; k < nparts && rc == DP_OK; k++) {
        const part *t = &a->parts[k];
        if (k > 0) {
            rc = dp__buf_putc(&a->cform, '-');
            if (rc == DP_OK)
                rc = dp__buf_putc(&a->cterm, '-');
        }
        if (rc == DP_OK)
            rc = dp__buf_append(&a->cform, a->form.p + t->fstart,
                                t->fend - t->fstart);
        if (rc == DP_OK)
            rc = dp__buf_append(&a->cterm, part_term(a, t), t->tlen);
        all &= t->flags;
    }
    *flags = DP_TOKEN_COMPOUND | all;
    return rc;
}

/* Emit the tokens of the current word; advances *pos by its parts. */
static int emit_word(dp_analyzer *a, size_t nparts, uint32_t *pos,
                     dp_token_cb cb, void *ctx)
{
    dp_token tok;
    unsigned cflags = 0;
    int rc, compound = nparts >= 2 && nparts <= MAX_COMPOUND_PARTS;

    if (compound) {
        rc = build_compound(a, nparts, &cflags);
        if (rc != DP_OK)
            return rc;
    }
    for (size_t k = 0; k < nparts; k++) {
        const part *t = &a->parts[k];
        tok.term = part_term(a, t);
        tok.term_len = t->tlen;
        tok.form = a->form.p + t->fstart;
        tok.form_len = t->fend - t->fstart;
        tok.start = t->start;
        tok.end = t->end;
        tok.pos = *pos + (uint32_t)k;
        tok.flags = t->flags;
        rc = cb(ctx, &tok);
        if (rc != 0)
            return rc;
        if (k == 0 && compound) {
            tok.term = a->cterm.p;
            tok.term_len = a->cterm.n;
            tok.form = a->cform.p;
            tok.form_len = a->cform.n;
            tok.end = a->parts[nparts - 1].end;
            tok.flags = cflags;
            rc = cb(ctx, &tok);
            if (rc != 0)
                return rc;
        }
    }
    *pos += (uint32_t)nparts;
    return 0;
}

/* An ideograph is a token of its own (no spaces to find words by). */
static int emit_ideograph(dp_analyzer *a, int32_t cp, size_t start,
                          size_t len, uint32_t *pos, dp_token_cb cb,
                          void *ctx)
{
    char buf[DP_FOLD_MAX];
    dp_token tok;
    tok.term = tok.form = buf;
    tok.term_len = tok.form_len = dp__fold_cp(&a->fold, cp, buf);
    tok.start = start;
    tok.end = start + len;
    tok.pos = (*pos)++;
    tok.flags = 0;
    return cb(ctx, &tok);
}

/* The number of ASCII letters ([A-Za-z]) that start the 8 bytes at s,
** stored lowercased at o (all 8 bytes are written: o has the room).
** Eight bytes are tested at once: the byte-by-byte loop mispredicts
** its exit at the end of nearly every word.  Each byte x, its high bit
** cleared and 0x20 set, is a letter when x + (0x80 - 'a') has its high
** bit and x + (0x80 - 'z' - 1) has not; neither sum carries out of its
** byte (x <= 0x7F).  Little-endian only (byte i at bits 8i); elsewhere
** it answers 0 and the loop goes byte by byte. */
static inline size_t ascii_letters8(const unsigned char *s, char *o)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
    uint64_t w, x, letters;
    memcpy(&w, s, 8);
    x = (w | ones * 0x20) & ~high;
    letters = (x + ones * (0x80 - 'a')) & ~(x + ones * (0x80 - 'z' - 1)) &
              ~w & high;
    memcpy(o, &x, 8);
    return letters == high ? 8 : (size_t)__builtin_ctzll(~letters & high) >> 3;
#else
    (void)s;
    (void)o;
    return 0;
#endif
}

/* Can a word that latin_word reads start with byte c? */
static inline int latin_start(const dp_analyzer *a, unsigned char c)
{
    return c < 0x80 ? a->ascii_letter[c] != 0 : c >= 0xC2 && c <= 0xC9;
}

/*
** The fast path of most words of a Latin-script text.  When the word at
** s[i] is a run of letters, ASCII or two-byte UTF-8 below U+0250 (the
** fold table's range: é, ç, ß, ...), followed by the end of the text or
** an ASCII separator, append it folded to a->form, add it to the batch
** and return its end; else return 0 and let scan_word read it.  Such a
** word is one piece and one part: it gives what scan_word, split_parts
** and emit_word would give it (see emit_batch), without their
** bookkeeping, which costs more than the word itself.  Longer than the
** room left in the form buffer: the slow path.  emit_batch and the
** caller's `take` read 16 bytes at a word of up to 16 bytes, whatever
** its length (dp__word_hash16, dp__same_bytes16): analyze_text flushes
** the batch when fewer than 96 bytes are left, so such a word starts 96
** bytes or more before the buffer's end.  (The room kept here, 16 bytes,
** can be entered by the last letter of a longer word folding to several
** bytes; such a word is hashed and compared by dp__word_hash and
** dp__same_bytes, which read no further than it.)
*/
static inline size_t latin_word(dp_analyzer *a, const unsigned char *s,
                                size_t n, size_t i)
{
    char *o = a->form.p + a->form.n;
    size_t k = i, m = 0, room = a->form.cap - a->form.n - 16;
    while (k < n && m < room) {
        if (a->ascii_swar && n - k >= 8 && room - m >= 8) {
            size_t run = ascii_letters8(s + k, o + m);
            k += run;
            m += run;
            if (run == 8)
                continue;
        }
        unsigned char c = s[k];
        if (c < 0x80) {
            if ((o[m] = a->ascii_letter[c]) == 0)
                break;
            m++;
            k++;
        } else if (c >= 0xC2 && c <= 0xC9 && k + 1 < n &&
                   (s[k + 1] & 0xC0) == 0x80) {
            unsigned cp = (c & 0x1Fu) << 6 | (s[k + 1] & 0x3Fu);
            if (cp >= DP_FOLD_TABLE_END)
                break;
            const dp_fold_entry *e = &a->fold.e[cp];
            if (e->cls != DP_CC_LETTER)
                break;
            memcpy(o + m, e->s, sizeof e->s);
            m += e->len;
            k += 2;
        } else {
            break;
        }
    }
    if (k < n && !(s[k] < 0x80 && a->ascii_end[s[k]]))
        return 0;
    a->batch[a->nbatch++] = (plain_word){i, k, a->form.n, m, 0};
    a->form.n += m;
    return k;
}

/* Emit the words of the batch: what term_of_part and emit_word give a
** word of one part.  A word whose letters all fold to nothing is no token
** (split_parts skips it).  Empties the batch and a->form. */
static int emit_batch(dp_analyzer *a, dp_stemmer *st, uint32_t *pos,
                      dp_token_cb cb, void *ctx)
{
    size_t nb = a->nbatch;
    int rc = 0;

    const dp__known *kn = a->known;
    a->nbatch = 0;
    for (size_t k = 0; kn != NULL && k < nb; k++) {
        uint32_t h = dp__word_hash16(a->form.p + a->batch[k].fstart,
                                     a->batch[k].flen);
        const char *at = (const char *)kn->table + (size_t)(h & kn->mask) *
                                                       kn->size;
        a->batch[k].hash = h;
        __builtin_prefetch(at);
        __builtin_prefetch(at + kn->size - 1);
    }
    for (size_t k = 0; kn == NULL && st != NULL && k < nb; k++)
        a->batch[k].hash = dp__stemmer_prefetch(
            st, a->form.p + a->batch[k].fstart, a->batch[k].flen);
    for (size_t k = 0; k < nb && rc == 0; k++) {
        const plain_word *w = &a->batch[k];
        int stop = 0;
        dp_token tok;
        if (w->flen == 0)
            continue;
        tok.term = tok.form = a->form.p + w->fstart;
        tok.term_len = tok.form_len = w->flen;
        tok.flags = 0;
        if (kn != NULL) {
            rc = kn->take(kn->ctx, a->lang, tok.form, w->flen, w->hash,
                          *pos);
            if (rc < 0)
                break;
            if (rc > 0) { /* recorded by the caller: only its position */
                rc = 0;
                (*pos)++;
                continue;
            }
            tok.flags = DP__TOKEN_PLAIN;
        }
        if (st != NULL) {
            rc = dp__stemmer_lookup_hashed(st, tok.form, w->flen, w->hash,
                                           a->opts.stem, &tok.term,
                                           &tok.term_len, &stop);
            if (rc != DP_OK)
                break;
            if (stop)
                tok.flags |= DP_TOKEN_STOP;
        }
        tok.start = w->start;
        tok.end = w->end;
        tok.pos = (*pos)++;
        rc = cb(ctx, &tok);
    }
    a->form.n = 0;
    return rc;
}

/* The language of a text: the caller's code, else detected from it. */
static int text_lang(const char *lang, const char *text, size_t n)
{
    if (lang == NULL || lang[0] == '\0')
        return dp__lang_detect(text, n);
    return dp__lang_from_code(lang);
}

/* Emit the tokens of what starts at s[*pi] and the fast path did not
** take (the character cp of class cls, len bytes): a word through the
** whole chain, an ideograph, or nothing; *pi goes past it.  Apart from
** dp_analyze's loop for reading, inlined back into it for speed. */
static inline __attribute__((always_inline)) int
analyze_other(dp_analyzer *a, int li, dp_stemmer *st, const unsigned char *s,
              size_t n, size_t *pi, size_t len, int32_t cp, int cls,
              uint32_t *pos, dp_token_cb cb, void *ctx)
{
    size_t np, nparts;
    int rc = DP_OK;

    if (cls == DP_CC_LETTER || cls == DP_CC_DIGIT) {
        rc = scan_word(a, s, n, pi, &np);
        if (rc == DP_OK)
            rc = split_parts(a, li, st, np, &nparts);
        if (rc == DP_OK)
            rc = emit_word(a, nparts, pos, cb, ctx);
    } else if (cls == DP_CC_IDEO) {
        rc = emit_ideograph(a, cp, *pi, len, pos, cb, ctx);
        *pi += len;
    } else {
        *pi += len ? len : 1;
    }
    return rc;
}

static int analyze_text(dp_analyzer *a, const char *lang, const char *text,
                        size_t n, dp_token_cb cb, void *ctx)
{
    const unsigned char *s = (const unsigned char *)text;
    int li = text_lang(lang, text, n), rc, cls;
    size_t i = 0, len;
    uint32_t pos = 0;
    dp_stemmer *st;
    int32_t cp;

    rc = get_stemmer(a, li, &st);
    if (rc != DP_OK)
        return rc;
    a->lang = li;
    a->nbatch = 0;
    a->form.n = 0;
    while (i < n) {
        size_t end;
        if (latin_start(a, s[i])) {
            if (a->nbatch == PLAIN_BATCH || a->form.cap - a->form.n < 96) {
                rc = emit_batch(a, st, &pos, cb, ctx);
                if (rc != 0)
                    return rc;
            }
            if ((end = latin_word(a, s, n, i)) != 0) {
                i = end;
                continue;
            }
        }
        len = read_char(a, s, n, i, &cp, &cls);
        if (cls == DP_CC_SEP) { /* most characters between words */
            i += len ? len : 1;
            continue;
        }
        rc = emit_batch(a, st, &pos, cb, ctx); /* tokens stay in order */
        if (rc == 0)
            rc = analyze_other(a, li, st, s, n, &i, len, cp, cls, &pos, cb,
                               ctx);
        if (rc != 0)
            return rc;
    }
    return emit_batch(a, st, &pos, cb, ctx);
}

int dp_analyze(dp_analyzer *a, const char *lang, const char *text, size_t n,
               dp_token_cb cb, void *ctx)
{
    return dp__analyze_known(a, lang, text, n, cb, ctx, NULL);
}

int dp__analyze_known(dp_analyzer *a, const char *lang, const char *text,
                      size_t n, dp_token_cb cb, void *ctx,
                      const dp__known *known)
{
    a->known = known;
    int rc = analyze_text(a, lang, text, n, cb, ctx);
    a->known = NULL;
    return rc;
}

void dp__analyzer_byte_loop(dp_analyzer *a)
{
    a->ascii_swar = 0;
}

int dp_analyzer_stem(dp_analyzer *a, const char *lang, const char *word,
                     size_t n, dp_slice *out)
{
    int li = dp__lang_from_code(lang), rc;
    dp_stemmer *st;

    out->p = word;
    out->n = n;
    if (li == DP_LANG_NONE)
        return DP_ENOTFOUND;
    rc = get_stemmer(a, li, &st);
    if (rc != DP_OK)
        return rc;
    return dp__stemmer_lookup(st, word, n, 1, &out->p, &out->n, NULL);
}
