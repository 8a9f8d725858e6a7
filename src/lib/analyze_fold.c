/*
** analyze_fold.c -- character classes and case/accent folding.
**
** Folding is done one code point at a time, which is exact for accent
** removal: a character is case folded, decomposed (canonical and
** compatibility: "ﬁ" -> "fi", "Ａ" -> "a", "²" -> "2") and stripped of its
** combining marks, so precomposed "é" and "e" + U+0301 both become "e".
** utf8proc does the work; the result for U+0000..U+024F (all of French,
** German, Spanish, Italian, Portuguese and Dutch) is computed once per
** analyzer into a table, so the hot path is one lookup.  A few letters that
** Unicode does not decompose are folded by hand because French and the
** other languages of the chain treat them as ligatures or variants:
** œ -> oe, æ -> ae, ø -> o, ł -> l, đ -> d, ħ -> h, ŧ -> t, ı -> i.
** Without accent stripping, only case folding is applied here; analyze.c
** then recomposes words that contain combining marks (NFC).
*/
#include "dp_int.h"

#include <utf8proc.h>

/* Letters folded by hand (see above): code point, folded ASCII. */
static const struct {
    int32_t cp;
    const char *s;
} fold_special[] = {
    {0x00C6, "ae"}, {0x00E6, "ae"}, {0x0152, "oe"}, {0x0153, "oe"},
    {0x00D8, "o"},  {0x00F8, "o"},  {0x0141, "l"},  {0x0142, "l"},
    {0x0110, "d"},  {0x0111, "d"},  {0x0126, "h"},  {0x0127, "h"},
    {0x0166, "t"},  {0x0167, "t"},  {0x0131, "i"},  {0x013F, "l"},
    {0x0140, "l"},  {0x0149, "n"},
};

static int is_ideograph(int32_t cp)
{
    return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x20000 && cp <= 0x3FFFF);
}

/* The class of a code point from Unicode data, ignoring the table. */
static int class_of(int32_t cp)
{
    switch (cp) {
    case 0x27: case 0x2019: case 0x02BC: case 0x2018:
        return DP_CC_APOS;
    case 0x2D: case 0x2010: case 0x2011:
        return DP_CC_HYPHEN;
    case 0x200B: /* zero width space: a word break */
        return DP_CC_SEP;
    default:
        break;
    }
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return DP_CC_LETTER;
    case UTF8PROC_CATEGORY_LO:
        return is_ideograph(cp) ? DP_CC_IDEO : DP_CC_LETTER;
    case UTF8PROC_CATEGORY_ND:
        return DP_CC_DIGIT;
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return DP_CC_MARK;
    case UTF8PROC_CATEGORY_CF:
        return DP_CC_IGNORE;
    default:
        return DP_CC_SEP;
    }
}

/* Fold from Unicode data, ignoring the table.  Returns the length. */
static size_t fold_slow(int strip, int32_t cp, char *out)
{
    utf8proc_int32_t buf[8];
    utf8proc_ssize_t k;
    int bc = 0;
    size_t len = 0;

    if (strip) {
        for (size_t i = 0; i < DP_ARRAY_LEN(fold_special); i++) {
            if (fold_special[i].cp == cp) {
                len = strlen(fold_special[i].s);
                memcpy(out, fold_special[i].s, len);
                return len;
            }
        }
    }
    /* Hangul syllables would decompose into jamo: keep them whole. */
    if (cp >= 0xAC00 && cp <= 0xD7A3)
        return dp__utf8_encode(cp, out);
    utf8proc_option_t opt = UTF8PROC_CASEFOLD;
    if (strip)
        opt |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_STRIPMARK;
    k = utf8proc_decompose_char(cp, buf, 8, opt, &bc);
    if (k < 0 || k > 6) /* error, or too long to fit: keep it as is */
        return dp__utf8_encode(utf8proc_tolower(cp), out);
    for (utf8proc_ssize_t i = 0; i < k; i++)
        len += dp__utf8_encode(buf[i], out + len);
    return len;
}

void dp__fold_table_init(dp_fold_table *t, int strip_accents)
{
    char tmp[DP_FOLD_MAX];

    t->strip_accents = strip_accents;
    for (int32_t cp = 0; cp < DP_FOLD_TABLE_END; cp++) {
        dp_fold_entry *e = &t->e[cp];
        size_t len = fold_slow(strip_accents, cp, tmp);
        e->cls = (uint8_t)class_of(cp);
        if (len > sizeof e->s) /* never for this range; be safe */
            len = dp__utf8_encode(cp, tmp);
        e->len = (uint8_t)len;
        memcpy(e->s, tmp, len);
    }
    /* ASCII by hand: only letters, digits, ' and - are word characters
    ** (utf8proc calls $ + < = > ^ ` | ~ symbols, which is what we want,
    ** but spell it out: the tokenizer's fast path relies on it). */
    for (int32_t cp = 0; cp < 0x80; cp++) {
        int cls = DP_CC_SEP;
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
            cls = DP_CC_LETTER;
        else if (cp >= '0' && cp <= '9')
            cls = DP_CC_DIGIT;
        else if (cp == '\'')
            cls = DP_CC_APOS;
        else if (cp == '-')
            cls = DP_CC_HYPHEN;
        t->e[cp].cls = (uint8_t)cls;
    }
}

int dp__fold_class(const dp_fold_table *t, int32_t cp)
{
    if (cp >= 0 && cp < DP_FOLD_TABLE_END)
        return t->e[cp].cls;
    return class_of(cp);
}

size_t dp__fold_cp(const dp_fold_table *t, int32_t cp, char *out)
{
    if (cp >= 0 && cp < DP_FOLD_TABLE_END) {
        const dp_fold_entry *e = &t->e[cp];
        memcpy(out, e->s, sizeof e->s);
        return e->len;
    }
    if (cp == 0x2019 || cp == 0x02BC || cp == 0x2018) {
        out[0] = '\'';
        return 1;
    }
    if (cp == 0x2010 || cp == 0x2011) {
        out[0] = '-';
        return 1;
    }
    return fold_slow(t->strip_accents, cp, out);
}

int dp__fold_is_group_space(int32_t cp)
{
    return cp == 0x20 || cp == 0xA0 || cp == 0x2007 || cp == 0x2009 ||
           cp == 0x202F;
}
