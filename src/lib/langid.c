/*
** langid.c -- dp_lang_detect: which of fr en de es it pt nl is a text in.
**
** The method is the one that suits short and long news texts alike and
** needs no model file: function words and letters.  Each language has
** its ~60 most frequent function words ("le", "der", "the", "het", ...)
** and a few letters only it (or few others) writes (ñ, ß, ã, è, ç).  The
** text is lower-cased, cut into words at anything that is not a letter
** (apostrophes included, so "l'État" gives the French signal "l"), and
** each word found in the table below adds to the score of the languages
** that list it: 6 points when one language has it, 3 when two share it,
** 2 or 1 when more do.  Each distinctive letter adds a point or two.
** Only the first SCAN_MAX bytes are read, and the scan stops early once
** one language leads by a wide margin, so a long article costs the same
** as a paragraph.  Nothing is allocated.  The tables are constant but
** for one: the hash table of the function words, filled once by the
** first detection (pthread_once) and only read after, the one piece of
** process-wide state of the library (a constant table written out by
** hand would have to be regenerated whenever a word is added).
** The accuracy on Le Monde 2022 and on our own texts is in
** docs/analysis.md.  tests/test_langid.c checks the tables: every
** function word found with its own languages (no word twice with two
** sets), the suffixes sorted by their last byte.
*/
#include "dp_int.h"

#include <pthread.h>

#define SCAN_MAX 4096     /* bytes of text looked at, at most */
#define WORD_MAX 16       /* longer words cannot be function words */
#define MIN_SCORE 6       /* below this, too little evidence */
#define EARLY_SCORE 100   /* stop when the best has this many points */

/* Function words, lower case with accents, and the languages listing
** them (bit i = DP_LANG_* i: 1 fr, 2 en, 4 de, 8 es, 16 it, 32 pt, 64 nl). */
static const struct lang_word {
    const char *w;
    uint8_t mask;
} lang_words[] = {
    {"a", 0x39},
    {"aan", 0x40},
    {"aber", 0x04},
    {"about", 0x02},
    {"after", 0x02},
    {"ainda", 0x20},
    {"ainsi", 0x01},
    {"al", 0x58},
    {"all", 0x12},
    {"alla", 0x10},
    {"alle", 0x10},
    {"alors", 0x01},
    {"als", 0x44},
    {"also", 0x02},
    {"an", 0x06},
    {"anche", 0x10},
    {"and", 0x02},
    {"anni", 0x10},
    {"anos", 0x20},
    {"ao", 0x20},
    {"après", 0x01},
    {"are", 0x02},
    {"as", 0x22},
    {"at", 0x02},
    {"até", 0x20},
    {"au", 0x01},
    {"auch", 0x04},
    {"auf", 0x04},
    {"aujourd", 0x01},
    {"aus", 0x04},
    {"aussi", 0x01},
    {"aux", 0x01},
    {"avait", 0x01},
    {"avec", 0x01},
    {"avoir", 0x01},
    {"años", 0x08},
    {"be", 0x02},
    {"been", 0x02},
    {"bei", 0x04},
    {"beim", 0x04},
    {"bij", 0x40},
    {"bis", 0x04},
    {"but", 0x02},
    {"by", 0x02},
    {"c", 0x11},
    {"can", 0x02},
    {"ce", 0x01},
    {"cela", 0x01},
    {"ces", 0x01},
    {"cette", 0x01},
    {"che", 0x10},
    {"ci", 0x10},
    {"com", 0x20},
    {"come", 0x10},
    {"comme", 0x01},
    {"como", 0x28},
    {"con", 0x18},
    {"contre", 0x01},
    {"could", 0x02},
    {"cuando", 0x08},
    {"cui", 0x10},
    {"d", 0x11},
    {"da", 0x30},
    {"dal", 0x10},
    {"dalla", 0x10},
    {"dan", 0x40},
    {"dans", 0x01},
    {"das", 0x24},
    {"dass", 0x04},
    {"dat", 0x40},
    {"de", 0x69},
    {"degli", 0x10},
    {"dei", 0x10},
    {"del", 0x18},
    {"dell", 0x10},
    {"della", 0x10},
    {"delle", 0x10},
    {"dem", 0x04},
    {"den", 0x04},
    {"depois", 0x20},
    {"depuis", 0x01},
    {"der", 0x04},
    {"des", 0x05},
    {"desde", 0x08},
    {"deux", 0x01},
    {"deze", 0x40},
    {"di", 0x10},
    {"die", 0x44},
    {"diese", 0x04},
    {"dieser", 0x04},
    {"dijo", 0x08},
    {"disse", 0x20},
    {"do", 0x20},
    {"donde", 0x08},
    {"dont", 0x01},
    {"door", 0x40},
    {"dopo", 0x10},
    {"dos", 0x20},
    {"du", 0x01},
    {"durch", 0x04},
    {"e", 0x30},
    {"echter", 0x40},
    {"ed", 0x10},
    {"een", 0x40},
    {"ein", 0x04},
    {"eine", 0x04},
    {"einen", 0x04},
    {"einer", 0x04},
    {"el", 0x08},
    {"ela", 0x20},
    {"ele", 0x20},
    {"elle", 0x01},
    {"elles", 0x01},
    {"em", 0x20},
    {"en", 0x49},
    {"encore", 0x01},
    {"entre", 0x29},
    {"er", 0x44},
    {"es", 0x0c},
    {"esa", 0x08},
    {"ese", 0x08},
    {"essere", 0x10},
    {"est", 0x01},
    {"esta", 0x08},
    {"este", 0x08},
    {"está", 0x20},
    {"et", 0x01},
    {"eux", 0x01},
    {"fait", 0x01},
    {"foi", 0x20},
    {"fois", 0x01},
    {"for", 0x02},
    {"fra", 0x10},
    {"from", 0x02},
    {"fue", 0x08},
    {"für", 0x04},
    {"geen", 0x40},
    {"gegen", 0x04},
    {"gli", 0x10},
    {"ha", 0x18},
    {"haar", 0x40},
    {"haben", 0x04},
    {"had", 0x02},
    {"han", 0x08},
    {"hanno", 0x10},
    {"has", 0x02},
    {"hasta", 0x08},
    {"hat", 0x04},
    {"have", 0x02},
    {"hay", 0x08},
    {"he", 0x02},
    {"hebben", 0x40},
    {"heeft", 0x40},
    {"her", 0x02},
    {"het", 0x40},
    {"hij", 0x40},
    {"his", 0x02},
    {"hun", 0x40},
    {"há", 0x20},
    {"ich", 0x04},
    {"ihre", 0x04},
    {"il", 0x11},
    {"ils", 0x01},
    {"im", 0x04},
    {"in", 0x42},
    {"into", 0x02},
    {"is", 0x42},
    {"isso", 0x20},
    {"ist", 0x04},
    {"it", 0x02},
    {"its", 0x02},
    {"j", 0x01},
    {"jaar", 0x40},
    {"je", 0x01},
    {"just", 0x02},
    {"já", 0x20},
    {"kan", 0x40},
    {"kann", 0x04},
    {"kein", 0x04},
    {"keine", 0x04},
    {"l", 0x11},
    {"la", 0x19},
    {"las", 0x08},
    {"le", 0x19},
    {"les", 0x09},
    {"leur", 0x01},
    {"leurs", 0x01},
    {"lo", 0x18},
    {"loro", 0x10},
    {"lors", 0x01},
    {"los", 0x08},
    {"lui", 0x01},
    {"ma", 0x10},
    {"maar", 0x40},
    {"mais", 0x21},
    {"man", 0x04},
    {"mas", 0x20},
    {"meer", 0x40},
    {"mehr", 0x04},
    {"mesmo", 0x20},
    {"met", 0x40},
    {"mit", 0x04},
    {"more", 0x02},
    {"muito", 0x20},
    {"muy", 0x08},
    {"más", 0x08},
    {"même", 0x01},
    {"n", 0x01},
    {"na", 0x20},
    {"naar", 0x40},
    {"nach", 0x04},
    {"nas", 0x20},
    {"ne", 0x01},
    {"negli", 0x10},
    {"nel", 0x10},
    {"nell", 0x10},
    {"nella", 0x10},
    {"nelle", 0x10},
    {"new", 0x02},
    {"nicht", 0x04},
    {"niet", 0x40},
    {"no", 0x28},
    {"noch", 0x04},
    {"nog", 0x40},
    {"non", 0x10},
    {"nos", 0x20},
    {"not", 0x02},
    {"notamment", 0x01},
    {"nous", 0x01},
    {"nur", 0x04},
    {"não", 0x20},
    {"o", 0x20},
    {"oder", 0x04},
    {"of", 0x02},
    {"ohne", 0x04},
    {"om", 0x40},
    {"omdat", 0x40},
    {"on", 0x03},
    {"one", 0x02},
    {"ont", 0x01},
    {"ook", 0x40},
    {"op", 0x40},
    {"or", 0x02},
    {"os", 0x20},
    {"other", 0x02},
    {"ou", 0x01},
    {"our", 0x02},
    {"over", 0x42},
    {"où", 0x01},
    {"par", 0x01},
    {"para", 0x28},
    {"pas", 0x01},
    {"pela", 0x20},
    {"pelas", 0x20},
    {"pelo", 0x20},
    {"pelos", 0x20},
    {"per", 0x10},
    {"pero", 0x08},
    {"più", 0x10},
    {"plus", 0x01},
    {"por", 0x28},
    {"pour", 0x01},
    {"qu", 0x01},
    {"quando", 0x20},
    {"que", 0x29},
    {"questa", 0x10},
    {"questo", 0x10},
    {"qui", 0x01},
    {"s", 0x03},
    {"sa", 0x01},
    {"said", 0x02},
    {"sans", 0x01},
    {"schon", 0x04},
    {"se", 0x29},
    {"según", 0x08},
    {"seine", 0x04},
    {"seit", 0x04},
    {"selon", 0x01},
    {"sem", 0x20},
    {"ser", 0x20},
    {"sera", 0x01},
    {"ses", 0x01},
    {"seu", 0x20},
    {"seus", 0x20},
    {"she", 0x02},
    {"should", 0x02},
    {"si", 0x10},
    {"sich", 0x04},
    {"sido", 0x08},
    {"sie", 0x04},
    {"sin", 0x08},
    {"sind", 0x04},
    {"so", 0x04},
    {"sobre", 0x28},
    {"soll", 0x04},
    {"some", 0x02},
    {"son", 0x09},
    {"sono", 0x10},
    {"sont", 0x01},
    {"stata", 0x10},
    {"stato", 0x10},
    {"su", 0x18},
    {"sua", 0x30},
    {"suas", 0x20},
    {"sul", 0x10},
    {"sull", 0x10},
    {"sulla", 0x10},
    {"suo", 0x10},
    {"sur", 0x01},
    {"sus", 0x08},
    {"são", 0x20},
    {"t", 0x02},
    {"también", 0x08},
    {"também", 0x20},
    {"te", 0x40},
    {"than", 0x02},
    {"that", 0x02},
    {"the", 0x02},
    {"their", 0x02},
    {"them", 0x02},
    {"there", 0x02},
    {"these", 0x02},
    {"they", 0x02},
    {"this", 0x02},
    {"to", 0x02},
    {"tot", 0x40},
    {"tout", 0x01},
    {"tra", 0x10},
    {"tras", 0x08},
    {"très", 0x01},
    {"tussen", 0x40},
    {"uit", 0x40},
    {"um", 0x24},
    {"uma", 0x20},
    {"un", 0x19},
    {"una", 0x18},
    {"und", 0x04},
    {"une", 0x01},
    {"unter", 0x04},
    {"up", 0x02},
    {"van", 0x40},
    {"vom", 0x04},
    {"von", 0x04},
    {"voor", 0x40},
    {"vor", 0x04},
    {"vous", 0x01},
    {"war", 0x04},
    {"waren", 0x40},
    {"was", 0x42},
    {"we", 0x42},
    {"wel", 0x40},
    {"werd", 0x40},
    {"werden", 0x04},
    {"were", 0x02},
    {"what", 0x02},
    {"when", 0x02},
    {"which", 0x02},
    {"who", 0x02},
    {"wie", 0x04},
    {"will", 0x02},
    {"wir", 0x04},
    {"wird", 0x04},
    {"with", 0x02},
    {"without", 0x02},
    {"worden", 0x40},
    {"wordt", 0x40},
    {"would", 0x02},
    {"wurde", 0x04},
    {"y", 0x09},
    {"ya", 0x08},
    {"ze", 0x40},
    {"zij", 0x40},
    {"zijn", 0x40},
    {"zonder", 0x40},
    {"zou", 0x40},
    {"zu", 0x04},
    {"zum", 0x04},
    {"zur", 0x04},
    {"à", 0x21},
    {"às", 0x20},
    {"è", 0x10},
    {"é", 0x20},
    {"était", 0x01},
    {"été", 0x01},
    {"être", 0x01},
    {"über", 0x04},
};

/* Points each accented letter gives each language {fr, en, de, es, it,
** pt, nl}, indexed by the second byte of its lower-cased UTF-8 (C3 xx)
** minus 0x80. */
static const int8_t letter_scores[64][DP_LANG__COUNT] = {
    [0xA0 - 0x80] = {1, 0, 0, 0, 1, 1, 0}, /* à */
    [0xA1 - 0x80] = {0, 0, 0, 1, 0, 1, 0}, /* á */
    [0xA2 - 0x80] = {1, 0, 0, 0, 0, 1, 0}, /* â */
    [0xA3 - 0x80] = {0, 0, 0, 0, 0, 3, 0}, /* ã */
    [0xA4 - 0x80] = {0, 0, 2, 0, 0, 0, 0}, /* ä */
    [0xA7 - 0x80] = {1, 0, 0, 0, 0, 1, 0}, /* ç */
    [0xA8 - 0x80] = {1, 0, 0, 0, 1, 0, 0}, /* è */
    [0xA9 - 0x80] = {1, 0, 0, 0, 0, 0, 0}, /* é */
    [0xAA - 0x80] = {1, 0, 0, 0, 0, 1, 0}, /* ê */
    [0xAB - 0x80] = {1, 0, 0, 0, 0, 0, 1}, /* ë */
    [0xAC - 0x80] = {0, 0, 0, 0, 2, 0, 0}, /* ì */
    [0xAD - 0x80] = {0, 0, 0, 1, 0, 1, 0}, /* í */
    [0xAE - 0x80] = {1, 0, 0, 0, 0, 0, 0}, /* î */
    [0xAF - 0x80] = {1, 0, 0, 0, 0, 0, 1}, /* ï */
    [0xB1 - 0x80] = {0, 0, 0, 3, 0, 0, 0}, /* ñ */
    [0xB2 - 0x80] = {0, 0, 0, 0, 2, 0, 0}, /* ò */
    [0xB3 - 0x80] = {0, 0, 0, 1, 0, 1, 0}, /* ó */
    [0xB4 - 0x80] = {1, 0, 0, 0, 0, 1, 0}, /* ô */
    [0xB5 - 0x80] = {0, 0, 0, 0, 0, 3, 0}, /* õ */
    [0xB6 - 0x80] = {0, 0, 2, 0, 0, 0, 0}, /* ö */
    [0xB9 - 0x80] = {1, 0, 0, 0, 1, 0, 0}, /* ù */
    [0xBA - 0x80] = {0, 0, 0, 1, 0, 1, 0}, /* ú */
    [0xBB - 0x80] = {1, 0, 0, 0, 0, 0, 0}, /* û */
    [0xBC - 0x80] = {0, 0, 2, 0, 0, 0, 0}, /* ü */
    [0x9F - 0x80] = {0, 0, 3, 0, 0, 0, 0}, /* ß */
};

/* Points for word endings typical of one or two languages, checked on
** words of five bytes or more: {suffix, {fr, en, de, es, it, pt, nl}}. */
typedef struct suffix_score {
    const char *s;
    uint8_t len;
    int8_t pts[DP_LANG__COUNT];
} suffix_score;

#define SUF(str, ...) {str, sizeof(str) - 1, {__VA_ARGS__}}

static const suffix_score suffix_scores[] = {
    /* sorted by last byte: score_suffix reads only a word's last byte's
    ** entries (dp__langid_table_check checks the order) */
    SUF("eira", 0, 0, 0, 0, 0, 2, 0),
    SUF("dad", 0, 0, 0, 2, 0, 0, 0),
    SUF("heid", 0, 0, 0, 0, 0, 0, 3),
    SUF("oire", 2, 0, 0, 0, 0, 0, 0),
    SUF("\xc3\xa9" "e", 2, 0, 0, 0, 0, 0, 0),
    SUF("ette", 1, 0, 0, 0, 0, 0, 0),
    SUF("ille", 1, 0, 0, 0, 0, 0, 0),
    SUF("zione", 0, 0, 0, 0, 3, 0, 0),
    SUF("dade", 0, 0, 0, 0, 0, 2, 0),
    SUF("tje", 0, 0, 0, 0, 0, 0, 3),
    SUF("ing", 0, 3, 0, 0, 0, 0, 1),
    SUF("ung", 0, 0, 3, 0, 0, 0, 0),
    SUF("ough", 0, 3, 0, 0, 0, 0, 0),
    SUF("lich", 0, 0, 3, 0, 0, 0, 0),
    SUF("isch", 0, 0, 3, 0, 0, 0, 0),
    SUF("zioni", 0, 0, 0, 0, 3, 0, 0),
    SUF("ggi", 0, 0, 0, 0, 2, 0, 0),
    SUF("cchi", 0, 0, 0, 0, 2, 0, 0),
    SUF("lijk", 0, 0, 0, 0, 0, 0, 3),
    SUF("tion", 1, 1, 0, 0, 0, 0, 0),
    SUF("ungen", 0, 0, 3, 0, 0, 0, 0),
    SUF("chen", 0, 0, 2, 0, 0, 0, 0),
    SUF("ci\xc3\xb3n", 0, 0, 0, 3, 0, 0, 0),
    SUF("aron", 0, 0, 0, 2, 0, 0, 0),
    SUF("ijn", 0, 0, 0, 0, 0, 0, 3),
    SUF("iento", 0, 0, 0, 2, 0, 0, 0),
    SUF("ado", 0, 0, 0, 1, 0, 1, 0),
    SUF("etto", 0, 0, 0, 0, 2, 0, 0),
    SUF("\xc3\xa7\xc3\xa3o", 0, 0, 0, 0, 0, 3, 0),
    SUF("eiro", 0, 0, 0, 0, 0, 2, 0),
    SUF("mento", 0, 0, 0, 0, 1, 1, 0),
    SUF("ship", 0, 2, 0, 0, 0, 0, 0),
    SUF("oires", 2, 0, 0, 0, 0, 0, 0),
    SUF("aires", 2, 0, 0, 0, 0, 0, 0),
    SUF("iques", 2, 0, 0, 0, 0, 0, 0),
    SUF("\xc3\xa9" "es", 2, 0, 0, 0, 0, 0, 0),
    SUF("eurs", 2, 0, 0, 0, 0, 0, 0),
    SUF("tions", 1, 1, 0, 0, 0, 0, 0),
    SUF("ness", 0, 3, 0, 0, 0, 0, 0),
    SUF("ciones", 0, 0, 0, 3, 0, 0, 0),
    SUF("\xc3\xa7\xc3\xb5" "es", 0, 0, 0, 0, 0, 3, 0),
    SUF("ement", 2, 1, 0, 0, 0, 0, 0),
    SUF("aient", 2, 0, 0, 0, 0, 0, 0),
    SUF("ait", 1, 0, 0, 0, 0, 0, 0),
    SUF("ght", 0, 3, 0, 0, 0, 0, 0),
    SUF("heit", 0, 0, 3, 0, 0, 0, 0),
    SUF("keit", 0, 0, 3, 0, 0, 0, 0),
    SUF("eux", 2, 0, 0, 0, 0, 0, 0),
    SUF("aux", 2, 0, 0, 0, 0, 0, 0),
    SUF("ly", 0, 2, 0, 0, 0, 0, 0),
    SUF("tz", 0, 0, 2, 0, 0, 0, 0),
    SUF("t\xc3\xa0", 0, 0, 0, 0, 3, 0, 0),
};

typedef struct lang_scores {
    int pts[DP_LANG__COUNT];
} lang_scores;

/*
** Function words are looked up in a hash table built once from lang_words:
** a binary search over its 386 strings was most of the cost of detection
** (nine string compares per word of the text, each a mispredicted
** branch).  A slot holds its word zero-padded to 16 bytes (WORD_MAX), so
** that a probe compares two 64-bit words and a length.
*/
enum { WORDTAB_BITS = 10 };
typedef struct word_slot {
    uint64_t k[2];
    uint8_t len, mask; /* len 0: empty */
} word_slot;
static word_slot wordtab[1u << WORDTAB_BITS];
static pthread_once_t wordtab_once = PTHREAD_ONCE_INIT;

static inline uint32_t word_hash(const uint64_t k[2], size_t n)
{
    uint64_t h = (k[0] ^ (k[1] * 0x9E3779B97F4A7C15ull) ^ n) *
                 0xff51afd7ed558ccdull;
    return (uint32_t)(h >> (64 - WORDTAB_BITS));
}

/* suffix_scores is sorted by last byte: the entries ending in byte c are
** suffix_from[c] to suffix_from[c + 1] (a lookup, where a binary search
** mispredicted its branches at nearly every word). */
static uint16_t suffix_from[257];

static inline unsigned char suffix_last(const suffix_score *x);

static void wordtab_build(void)
{
    size_t at = 0;
    for (unsigned c = 0; c < 256; c++) {
        suffix_from[c] = (uint16_t)at;
        while (at < DP_ARRAY_LEN(suffix_scores) &&
               suffix_last(&suffix_scores[at]) == c)
            at++;
    }
    suffix_from[256] = (uint16_t)at;
    for (size_t i = 0; i < DP_ARRAY_LEN(lang_words); i++) {
        size_t n = strlen(lang_words[i].w);
        uint64_t k[2] = {0, 0};
        if (n > WORD_MAX) /* dp__langid_table_check reports it */
            continue;
        memcpy(k, lang_words[i].w, n);
        uint32_t h = word_hash(k, n);
        while (wordtab[h].len)
            h = (h + 1) & ((1u << WORDTAB_BITS) - 1);
        wordtab[h] = (word_slot){{k[0], k[1]}, (uint8_t)n,
                                 lang_words[i].mask};
    }
}

/* The languages listing the word w[0..n) (n <= WORD_MAX), 0 if none. */
static unsigned word_mask(const char *w, size_t n)
{
    uint64_t k[2] = {0, 0};
    memcpy(k, w, n);
    for (uint32_t h = word_hash(k, n);; h = (h + 1) & ((1u << WORDTAB_BITS) - 1)) {
        const word_slot *e = &wordtab[h];
        if (e->len == 0)
            return 0;
        if (e->len == n && e->k[0] == k[0] && e->k[1] == k[1])
            return e->mask;
    }
}

static void score_word(lang_scores *sc, const char *w, size_t n)
{
    unsigned mask = word_mask(w, n);
    if (mask == 0)
        return;
    int k = __builtin_popcount(mask);
    int pts = k == 1 ? 6 : k == 2 ? 3 : k == 3 ? 2 : 1;
    for (int l = 0; l < DP_LANG__COUNT; l++)
        if (mask & (1u << l))
            sc->pts[l] += pts;
}

static inline unsigned char suffix_last(const suffix_score *x)
{
    return (unsigned char)x->s[x->len - 1];
}

static void score_suffix(lang_scores *sc, const char *w, size_t n)
{
    if (n < 5)
        return;
    unsigned char c = (unsigned char)w[n - 1];
    for (size_t i = suffix_from[c]; i < suffix_from[c + 1]; i++) {
        const char *suf = suffix_scores[i].s;
        size_t k = suffix_scores[i].len;
        if (k >= n || memcmp(w + n - k, suf, k))
            continue;
        for (int l = 0; l < DP_LANG__COUNT; l++)
            sc->pts[l] += suffix_scores[i].pts[l];
    }
}

static void score_letter(lang_scores *sc, unsigned char b)
{
    const int8_t *pts = letter_scores[(b - 0x80) & 63];
    for (int l = 0; l < DP_LANG__COUNT; l++)
        sc->pts[l] += pts[l];
}

/* Index of the best language and its lead over the second. */
static int best_of(const lang_scores *sc, int *best_pts, int *second_pts)
{
    int best = DP_LANG_NONE, b = 0, s = 0;
    for (int l = 0; l < DP_LANG__COUNT; l++) {
        if (sc->pts[l] > b) {
            s = b;
            b = sc->pts[l];
            best = l;
        } else if (sc->pts[l] > s) {
            s = sc->pts[l];
        }
    }
    *best_pts = b;
    *second_pts = s;
    return best;
}

/*
** Length of the letter at s[i] (0 when it is not a letter), writing its
** lower-cased bytes to out.  Letters are ASCII letters and every
** multi-byte character except Latin-1 punctuation (C2 xx: NBSP, « »)
** and U+2000..U+2FFF (E2 xx xx: ’ “ ” – — and symbols).
*/
static size_t letter_at(const unsigned char *s, size_t n, size_t i,
                        unsigned char out[4])
{
    unsigned char c = s[i];
    if (c < 0x80) {
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
            out[0] = c | 0x20;
            return 1;
        }
        return 0;
    }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (c == 0xC2 || c == 0xE2 || len == 1 || i + len > n)
        return 0;
    memcpy(out, s + i, len);
    /* À..Þ -> à..þ, except × (C3 97). */
    if (c == 0xC3 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9E &&
        s[i + 1] != 0x97)
        out[1] = s[i + 1] + 0x20;
    return len;
}

int dp__lang_detect(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    lang_scores sc;
    char word[WORD_MAX + 4];
    size_t wn = 0, i = 0, words = 0;
    int b, second, best;

    pthread_once(&wordtab_once, wordtab_build);
    memset(&sc, 0, sizeof sc);
    if (n > SCAN_MAX)
        n = SCAN_MAX;
    while (i <= n) {
        unsigned char lc[4];
        size_t len = i < n ? letter_at(s, n, i, lc) : 0;
        if (len > 0) {
            if (len == 2 && lc[0] == 0xC3)
                score_letter(&sc, lc[1]);
            if (wn + len <= WORD_MAX)
                memcpy(word + wn, lc, len);
            wn += len;
            i += len;
            continue;
        }
        if (wn > 0 && wn <= WORD_MAX) {
            score_word(&sc, word, wn);
            score_suffix(&sc, word, wn);
            /* Stop early when the answer cannot change much. */
            if ((++words & 15) == 0) {
                best_of(&sc, &b, &second);
                if (b >= EARLY_SCORE && b >= 3 * second)
                    break;
            }
        }
        wn = 0;
        i++;
        while (i < n && (s[i] & 0xC0) == 0x80) /* rest of a non-letter */
            i++;
    }
    best = best_of(&sc, &b, &second);
    if (b < MIN_SCORE || b == second)
        return DP_LANG_NONE;
    return best;
}

int dp__langid_table_check(void)
{
    pthread_once(&wordtab_once, wordtab_build);
    for (size_t i = 0; i < DP_ARRAY_LEN(lang_words); i++) {
        const char *w = lang_words[i].w;
        if (strlen(w) == 0 || strlen(w) > WORD_MAX ||
            word_mask(w, strlen(w)) != lang_words[i].mask)
            return 2000 + (int)i;
    }
    for (size_t i = 1; i < DP_ARRAY_LEN(suffix_scores); i++)
        if (suffix_last(&suffix_scores[i - 1]) >
            suffix_last(&suffix_scores[i]))
            return 1000 + (int)i;
    return 0;
}

int dp_lang_detect(const char *text, size_t n, char lang[3])
{
    int l = dp__lang_detect(text, n);
    if (l == DP_LANG_NONE) {
        lang[0] = '\0';
        return DP_ENOTFOUND;
    }
    memcpy(lang, dp__lang_code(l), 3);
    return DP_OK;
}
