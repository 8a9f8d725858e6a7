/*
** postings.c -- the postings codec: varints, bit-packing, the encoder of
** one term's postings and the cursor that decodes them.
**
** One term's postings (docs/format.md has the full description):
**
**   [varint skip_len, skip entries]   only when the term has > 1 block
**   block 0, block 1, ...             blocks of 128 docs, the last partial
**
** A full block is: the deltas (doc - prev - 1), then (freq - 1), each
** list in patched frame of reference (enc_pfor; versions 1 to 3: u8 bits,
** the values bit-packed); varint pos_len; positions.  A partial
** (last) block has a bit stream of Rice-coded deltas and Exp-Golomb
** (freq - 1) (versions 1 and 2: per doc varint(delta << 1 | (freq == 1))
** and, when freq > 1, varint(freq - 1)); then varint pos_len; positions.
** The positions of a block are a header byte, then a bit stream (least
** significant bit first).  Format version 3 and later hold, per doc:
** when the term has more than one form, a form code (enc_form_code); then per
** occurrence the gap to the previous position of the doc (the first from
** 0) in Rice code with the parameter dp__rice_k(doc length, freq),
** followed by the form index in Exp-Golomb order 0 when the doc's forms
** mix.  Versions 1 and 2 (still read) code each gap in Exp-Golomb order k,
** k chosen per block from the mean gap, each followed by form index + 1
** in Exp-Golomb order 0 when the term has more than one form; their
** header byte is k.  When the bit stream is long, the header byte carries
** the bit 0x80 and is followed by u8 b_g and the bit length of each group
** of documents, bit-packed in b_g bits (see POS_GROUP below).  Each skip
** entry is
** varint(last_doc - prev_last - 1), varint(block_bytes), varint(max_freq
** - 1), varint(min_len).
**
** Every decode is bounds-checked: bad bytes give DP_ECORRUPT and a message
** naming the segment file, never a read outside the mapping.
*/
#include "store.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/**************************************************************************
** Varints and fixed-width helpers.
*/

int dp__buf_put_varint(dp_buf *b, uint64_t v)
{
    /* with room for 10 bytes and the NUL (and no limit), written in
    ** place, without the call of dp__buf_append and its memcpy (half a
    ** million varints per 3,000 records of a segment's skip entries and
    ** blocks) */
    uint8_t tmp[10];
    bool in_place = b->limit == 0 && b->cap - b->n > 10;
    uint8_t *o = in_place ? (uint8_t *)b->p + b->n : tmp;
    size_t n = 0;
    while (v >= 0x80) {
        o[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    o[n++] = (uint8_t)v;
    if (!in_place)
        return dp__buf_append(b, tmp, n);
    b->n += n;
    b->p[b->n] = '\0';
    return DP_OK;
}

int dp__buf_put_u32(dp_buf *b, uint32_t v)
{
    uint8_t tmp[4];
    dp__put_u32(tmp, v);
    return dp__buf_append(b, tmp, 4);
}

int dp__buf_put_u64(dp_buf *b, uint64_t v)
{
    uint8_t tmp[8];
    dp__put_u64(tmp, v);
    return dp__buf_append(b, tmp, 8);
}

bool dp__get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *q = *p;
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (q >= end)
            return false;
        uint8_t c = *q++;
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *p = q;
            *v = r;
            return true;
        }
    }
    return false;
}

bool dp__get_varint32(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    uint64_t r;
    if (!dp__get_varint(p, end, &r) || r > UINT32_MAX)
        return false;
    *v = (uint32_t)r;
    return true;
}

unsigned dp__bits_needed(uint32_t max)
{
    return max ? 32u - (unsigned)__builtin_clz(max) : 0u;
}

int dp__bitpack(dp_buf *b, const uint32_t *v, size_t count, unsigned bits)
{
    size_t nbytes = (count * bits + 7) / 8;
    int rc = dp__buf_reserve(b, nbytes);
    if (rc != DP_OK)
        return rc;
    uint8_t *out = (uint8_t *)b->p + b->n;
    memset(out, 0, nbytes);
    uint64_t acc = 0;
    unsigned have = 0;
    size_t o = 0;
    for (size_t i = 0; i < count; i++) {
        acc |= (uint64_t)v[i] << have;
        have += bits;
        while (have >= 8) {
            out[o++] = (uint8_t)acc;
            acc >>= 8;
            have -= 8;
        }
    }
    if (have)
        out[o++] = (uint8_t)acc;
    b->n += nbytes;
    b->p[b->n] = '\0';
    return DP_OK;
}

/* Eight values of B bits from b (B bytes), with loads and shifts known at
** compile time: a block's docids and frequencies are 128 values each, and
** unpacking them is a good part of a query on frequent words. */
#define UNPACK1(B, j)                                                      \
    v[g + j] = (uint32_t)((dp__get_u64(b + (j * B) / 8) >> ((j * B) % 8)) & \
                          mask)
#define UNPACK_CASE(B)                                                     \
    case B:                                                                \
        for (; g + 8 <= count; g += 8) {                                   \
            const uint8_t *b = in + g / 8 * B;                             \
            UNPACK1(B, 0); UNPACK1(B, 1); UNPACK1(B, 2); UNPACK1(B, 3);    \
            UNPACK1(B, 4); UNPACK1(B, 5); UNPACK1(B, 6); UNPACK1(B, 7);    \
        }                                                                  \
        break;

/* Values [0, g) of count, by eights; g is left at the first not done.
** The caller has checked that 8 bytes follow the packed values. */
static size_t unpack_eights(const uint8_t *in, uint32_t *v, size_t count,
                            unsigned bits, uint64_t mask)
{
    size_t g = 0;
    switch (bits) {
    UNPACK_CASE(1) UNPACK_CASE(2) UNPACK_CASE(3) UNPACK_CASE(4)
    UNPACK_CASE(5) UNPACK_CASE(6) UNPACK_CASE(7) UNPACK_CASE(8)
    UNPACK_CASE(9) UNPACK_CASE(10) UNPACK_CASE(11) UNPACK_CASE(12)
    UNPACK_CASE(13) UNPACK_CASE(14) UNPACK_CASE(15) UNPACK_CASE(16)
    UNPACK_CASE(17) UNPACK_CASE(18) UNPACK_CASE(19) UNPACK_CASE(20)
    UNPACK_CASE(21) UNPACK_CASE(22) UNPACK_CASE(23) UNPACK_CASE(24)
    default: break; /* 0 and wider values: the generic loop */
    }
    return g;
}
#undef UNPACK_CASE
#undef UNPACK1

bool dp__bitunpack(const uint8_t **p, const uint8_t *end, uint32_t *v,
                   size_t count, unsigned bits)
{
    size_t nbytes = (count * bits + 7) / 8;
    if (bits > 32 || (size_t)(end - *p) < nbytes)
        return false;
    const uint8_t *in = *p;
    uint64_t acc = 0, mask = bits == 32 ? 0xffffffffu : ((1u << bits) - 1);
    unsigned have = 0;
    size_t o = 0;
    if ((size_t)(end - in) >= nbytes + 8) {
        /* every value read with one unaligned 8-byte load (at most 7 + 32
        ** bits from its byte): the postings of a block are followed by
        ** more bytes, so this is the usual path */
        size_t i = unpack_eights(in, v, count, bits, mask);
        for (size_t bit = i * bits; i < count; i++, bit += bits)
            v[i] = (uint32_t)((dp__get_u64(in + bit / 8) >> (bit % 8)) & mask);
        *p = in + nbytes;
        return true;
    }
    for (size_t i = 0; i < count; i++) {
        while (have < bits) {
            acc |= (uint64_t)in[o++] << have;
            have += 8;
        }
        v[i] = (uint32_t)(acc & mask);
        acc >>= bits;
        have -= bits;
    }
    *p = in + nbytes;
    return true;
}

/**************************************************************************
** Bit streams and Exp-Golomb codes.
*/

/* Inline for the encoder's loops, which call it for every code. */
static inline void bitw_put(dp__bitw *w, uint64_t v, unsigned bits)
{
    w->acc |= (v & ((1ull << bits) - 1)) << w->n;
    w->n += bits;
    if (w->n >= 32) {
        uint8_t b[4];
        if (w->b->cap - w->b->n >= 4) { /* reserved ahead: no call */
            dp__put_u32((uint8_t *)w->b->p + w->b->n, (uint32_t)w->acc);
            w->b->n += 4;
        } else {
            dp__put_u32(b, (uint32_t)w->acc);
            if (w->rc == DP_OK)
                w->rc = dp__buf_append(w->b, b, 4);
        }
        w->acc >>= 32;
        w->n -= 32;
    }
}

void dp__bitw_put(dp__bitw *w, uint64_t v, unsigned bits)
{
    bitw_put(w, v, bits);
}

/* The bits written so far. */
static uint64_t bitw_bits(const dp__bitw *w)
{
    return (uint64_t)w->b->n * 8 + w->n;
}

static inline void bitw_expgolomb(dp__bitw *w, uint32_t v, unsigned k)
{
    uint64_t u = ((uint64_t)v >> k) + 1;
    unsigned nb = 63u - (unsigned)__builtin_clzll(u);
    if (nb > 31) { /* v >= 2^31 << k: never for positions and forms */
        w->rc = DP_EINVAL;
        return;
    }
    /* nb zeros then a one, then the nb low bits of u */
    bitw_put(w, 1ull << nb, nb + 1);
    if (nb)
        bitw_put(w, u & ((1ull << nb) - 1), nb);
    if (k)
        bitw_put(w, v & ((1u << k) - 1), k);
}

void dp__bitw_expgolomb(dp__bitw *w, uint32_t v, unsigned k)
{
    bitw_expgolomb(w, v, k);
}

static inline void bitw_rice(dp__bitw *w, uint32_t v, unsigned k)
{
    uint32_t q = v >> k;
    if (q < DP__RICE_MAXQ) {
        bitw_put(w, 1ull << q, q + 1);
    } else {
        bitw_put(w, 0, DP__RICE_MAXQ);
        bitw_expgolomb(w, q - DP__RICE_MAXQ, 0);
    }
    if (k)
        bitw_put(w, v & ((1u << k) - 1), k);
}

void dp__bitw_rice(dp__bitw *w, uint32_t v, unsigned k)
{
    bitw_rice(w, v, k);
}

/* Rice's best parameter for geometric gaps of mean m is about log2(m ln
** 2), and the occurrences of a word spread over its document make m
** about doclen / freq.  On Le Monde this codes the positions in 15.1 MB
** against 15.9 MB for the Exp-Golomb code of version 2, whose parameter
** per block of 128 documents cannot fit both long and short documents. */
static inline unsigned rice_k(uint32_t doclen, uint32_t freq)
{
    /* k = floor(log2(floor(a / b))), 0 when a < b, without the division
    ** (this runs for every document whose positions are decoded): the
    ** largest k with b << k <= a. */
    uint64_t a = (uint64_t)doclen * 69, b = (uint64_t)(freq ? freq : 1) * 100;
    if (a < b)
        return 0;
    unsigned k = (unsigned)__builtin_clzll(b) - (unsigned)__builtin_clzll(a);
    if ((b << k) > a)
        k--;
    return k > 24 ? 24 : k;
}

unsigned dp__rice_k(uint32_t doclen, uint32_t freq)
{
    return rice_k(doclen, freq);
}

void dp__bitw_flush(dp__bitw *w)
{
    while (w->n > 0 && w->rc == DP_OK) {
        char c = (char)(w->acc & 0xff);
        w->rc = dp__buf_putc(w->b, c);
        w->acc >>= 8;
        w->n = w->n > 8 ? w->n - 8 : 0;
    }
    w->acc = 0;
    w->n = 0;
}

void dp__bitr_init(dp__bitr *r, const uint8_t *p, const uint8_t *end)
{
    r->p = p;
    r->end = end;
    r->acc = 0;
    r->n = 0;
}

static void bitr_fill(dp__bitr *r)
{
    while (r->n <= 56 && r->p < r->end) {
        r->acc |= (uint64_t)*r->p++ << r->n;
        r->n += 8;
    }
}

bool dp__bitr_get(dp__bitr *r, unsigned bits, uint32_t *v)
{
    if (bits == 0) {
        *v = 0;
        return true;
    }
    if (r->n < bits)
        bitr_fill(r);
    if (r->n < bits)
        return false;
    *v = (uint32_t)(r->acc & ((1ull << bits) - 1));
    r->acc >>= bits;
    r->n -= bits;
    return true;
}

bool dp__bitr_expgolomb(dp__bitr *r, unsigned k, uint32_t *v)
{
    uint32_t low = 0, rest = 0;
    if (r->n < 33)
        bitr_fill(r);
    if (r->acc == 0)
        return false; /* more than 32 zeros, or the end */
    unsigned nb = (unsigned)__builtin_ctzll(r->acc);
    if (nb >= 32 || nb + 1 > r->n)
        return false;
    r->acc >>= nb + 1;
    r->n -= nb + 1;
    if (!dp__bitr_get(r, nb, &rest) || !dp__bitr_get(r, k, &low))
        return false;
    uint64_t u = (1ull << nb) | rest;
    uint64_t val = ((u - 1) << k) | low;
    if (val > UINT32_MAX)
        return false;
    *v = (uint32_t)val;
    return true;
}

bool dp__bitr_rice(dp__bitr *r, unsigned k, uint32_t *v)
{
    uint32_t q, low = 0;
    if (r->n < 33)
        bitr_fill(r);
    if (r->acc != 0 && (unsigned)__builtin_ctzll(r->acc) < DP__RICE_MAXQ) {
        q = (unsigned)__builtin_ctzll(r->acc); /* < r->n: acc holds n bits */
        r->acc >>= q + 1;
        r->n -= q + 1;
    } else {
        uint32_t zeros;
        if (!dp__bitr_get(r, DP__RICE_MAXQ, &zeros) || zeros != 0 ||
            !dp__bitr_expgolomb(r, 0, &q) || q > UINT32_MAX - DP__RICE_MAXQ)
            return false;
        q += DP__RICE_MAXQ;
    }
    if (!dp__bitr_get(r, k, &low))
        return false;
    uint64_t val = ((uint64_t)q << k) | low;
    if (val > UINT32_MAX)
        return false;
    *v = (uint32_t)val;
    return true;
}

/* The decoder's inner loop: refill 8 bytes at once when they are there,
** and decode a code that fits in the accumulator with a few shifts;
** anything else (the end of the stream, codes longer than the bits
** held, malformed bits) goes through dp__bitr_expgolomb, which checks. */
static inline void bitr_fill_fast(dp__bitr *r)
{
    if (r->end - r->p >= 8) {
        r->acc |= dp__get_u64(r->p) << r->n;
        r->p += (63 - r->n) >> 3;
        r->n |= 56;
    } else {
        bitr_fill(r);
    }
}

static inline bool bitr_expgolomb_fast(dp__bitr *r, unsigned k, uint32_t *v)
{
    if (r->n < 57)
        bitr_fill_fast(r);
    if (r->acc != 0) {
        unsigned nb = (unsigned)__builtin_ctzll(r->acc);
        unsigned len = 2 * nb + 1 + k;
        if (len < 64 && len <= r->n) {
            uint64_t x = r->acc >> (nb + 1);
            uint64_t u = (1ull << nb) | (x & ((1ull << nb) - 1));
            uint64_t val = ((u - 1) << k) | ((x >> nb) & ((1ull << k) - 1));
            r->acc >>= len;
            r->n -= len;
            if (val > UINT32_MAX)
                return false;
            *v = (uint32_t)val;
            return true;
        }
    }
    return dp__bitr_expgolomb(r, k, v);
}

static inline bool bitr_rice_fast(dp__bitr *r, unsigned k, uint32_t *v)
{
    if (r->n < 57)
        bitr_fill_fast(r);
    if (r->acc != 0) {
        unsigned q = (unsigned)__builtin_ctzll(r->acc);
        if (q < DP__RICE_MAXQ && q + 1 + k <= r->n) {
            *v = (q << k) | (uint32_t)((r->acc >> (q + 1)) & ((1ull << k) - 1));
            r->acc >>= q + 1 + k;
            r->n -= q + 1 + k;
            return true;
        }
    }
    return dp__bitr_rice(r, k, v);
}

/**************************************************************************
** The encoder.
*/

/* Blocks whose position stream is long give the bit length of each group
** of documents, flagged by POS_HAS_GROUPS in the block's header byte, so
** that a cursor landing on one document decodes the positions of the
** few documents before it in its group instead of every position before
** it in the block (phrases land on scattered documents of each word).
** Version 2 groups 4 documents, in blocks of POS_GROUPS_MIN bytes of
** positions or more.  Version 5 groups 4 to 64 documents (a power of two
** whose log2 - 2 is in the low bits of the header byte), as many as make
** groups of at least POS_GROUP_BITS bits on average, in blocks of
** POS_GROUPS_MIN_V5 bytes or more.  Measured on Le Monde against version
** 4: POST 2.6 % larger, and the benchmark's 50 phrase queries run 24 %
** fewer instructions (callgrind); groups of 256 bits gave 1.5 % and 16 %,
** groups of 4 documents in every block of 128 bytes or more 5.6 % and
** 32 %. */
#define POS_GROUP 4
#define POS_GROUP_MAX 64
#define POS_GROUPS_MIN 1024
#define POS_GROUPS_MIN_V5 128
#define POS_GROUP_BITS 128
#define POS_HAS_GROUPS 0x80

void dp__post_enc_init(dp__post_enc *e, uint32_t version)
{
    memset(e, 0, sizeof *e);
    e->version = version;
    dp__post_enc_reset(e, 1);
}

void dp__post_enc_reset(dp__post_enc *e, uint32_t nforms)
{
    e->nforms = nforms;
    e->n = 0;
    e->block_max_freq = 0;
    e->block_min_len = UINT32_MAX;
    dp__buf_clear(&e->pos);
    dp__buf_clear(&e->blocks);
    dp__buf_clear(&e->skip);
    e->nblocks = 0;
    e->last_doc = -1;
    e->skip_last = -1;
    e->df = 0;
    e->max_freq = 0;
    e->cf = 0;
    e->raw_bits = 0;
}

void dp__post_enc_free(dp__post_enc *e)
{
    dp__buf_free(&e->pos);
    dp__buf_free(&e->pbits);
    dp__buf_free(&e->pstream);
    dp__buf_free(&e->blocks);
    dp__buf_free(&e->skip);
}

static int enc_positions(dp__post_enc *e, const uint32_t *pos,
                         const uint32_t *forms, uint32_t freq)
{
    uint32_t prev = 0;
    int rc = dp__buf_reserve(&e->pos, (size_t)freq * 8);
    if (rc != DP_OK)
        return rc;
    uint8_t *o = (uint8_t *)e->pos.p + e->pos.n;
    for (uint32_t i = 0; i < freq; i++) {
        if (pos[i] < prev)
            return DP_EINVAL;
        dp__put_u32(o + 8 * i, pos[i] - prev);
        dp__put_u32(o + 8 * i + 4, forms && e->nforms > 1 ? forms[i] : 0);
        prev = pos[i];
    }
    e->pos.n += (size_t)freq * 8;
    return DP_OK;
}

/* The form code of a posting (version 3): 0 when every occurrence is the
** most frequent form (the common case: one bit), f + 1 when every
** occurrence is form f > 0, 1 when they mix (then each occurrence is
** followed by its form in Exp-Golomb order 0).  Coding each occurrence's
** form, as version 2 did, took 4.6 MB on Le Monde; this takes 1.9 MB. */
static uint32_t enc_form_code(const uint8_t *q, size_t at, uint32_t freq)
{
    uint32_t f0 = dp__get_u32(q + 8 * at + 4);
    for (uint32_t i = 1; i < freq; i++)
        if (dp__get_u32(q + 8 * (at + i) + 4) != f0)
            return 1;
    return f0 == 0 ? 0 : f0 + 1;
}

/* Append bits [bit, bit + n) of the bytes [p, end) to w, 32 at a time
** (a merge's copy of a document's positions: no code is decoded).  The
** bits are inside [p, end); 8-byte loads only where 8 bytes remain. */
static void bitw_copy(dp__bitw *w, const uint8_t *p, const uint8_t *end,
                      uint64_t bit, uint64_t n)
{
    const uint8_t *q = p + bit / 8;
    unsigned sh = (unsigned)(bit % 8);
    while (n > 0) {
        unsigned take = n < 32 ? (unsigned)n : 32;
        uint64_t v = 0;
        if (end - q >= 8) {
            v = dp__get_u64(q);
        } else {
            for (ptrdiff_t i = 0; i < end - q; i++)
                v |= (uint64_t)q[i] << (8 * i);
        }
        bitw_put(w, v >> sh, take);
        q += 4;
        n -= take;
    }
}

/* bitw_rice for the freq gaps at q (8 bytes apart), with the writer in
** locals: the encoder's hottest loop (a segment's positions).  Each code
** is added to the accumulator and the accumulator stored whole, the
** buffer advanced by its complete bytes: no branch on how many bits are
** held, which bitw_put's flush of 32 bits mispredicted at one code in
** ten.  A code held whole takes at most 7 + 16 + 24 bits; the escapes of
** long gaps go through bitw_rice. */
static void bitw_rice_run(dp__bitw *w, const uint8_t *q, uint32_t freq,
                          unsigned k)
{
    dp_buf *out = w->b;
    uint32_t low = (1u << k) - 1, i = 0;
    /* runs of codes held whole, each up to the end or to an escape */
    while (i < freq && w->rc == DP_OK &&
           dp__buf_reserve(out, (size_t)(freq - i) * 6 + 16) == DP_OK) {
        uint8_t *p = (uint8_t *)out->p + out->n;
        uint64_t acc = w->acc;
        unsigned n = w->n; /* below 32 */
        for (;; i++) {
            dp__put_u64(p, acc);
            p += n >> 3;
            acc >>= 8 * (n >> 3);
            n &= 7;
            if (i == freq)
                break;
            uint32_t v = dp__get_u32(q + 8 * i), qv = v >> k;
            if (qv >= DP__RICE_MAXQ)
                break;
            acc |= ((uint64_t)1 << qv | (uint64_t)(v & low) << (qv + 1)) << n;
            n += qv + 1 + k;
        }
        out->n = (size_t)(p - (uint8_t *)out->p);
        w->acc = acc;
        w->n = n;
        if (i < freq) /* the escape of a long gap, rare: the slow way */
            bitw_rice(w, dp__get_u32(q + 8 * i++), k);
    }
    for (; i < freq; i++) /* no room, or an error: the slow way */
        bitw_rice(w, dp__get_u32(q + 8 * i), k);
}

/* Code doc d of the block, whose (gap, form) pairs start at entry `at`
** of e->pos (or whose bits were given: raw_p[d]), into w.  k is the
** version 2 block parameter (unused by version 3). */
static void enc_doc(const dp__post_enc *e, uint32_t d, size_t at,
                    unsigned k, dp__bitw *w)
{
    const uint8_t *q = (const uint8_t *)e->pos.p + 8 * at;
    uint32_t freq = e->freqs[d];
    if (e->raw_p[d] != NULL) { /* dp__post_enc_add_bits: version 3 on */
        if (e->nforms > 1 && e->raw_code[d] == 0)
            bitw_put(w, 1, 1); /* the commonest code, in one bit */
        else if (e->nforms > 1)
            bitw_expgolomb(w, e->raw_code[d], 0);
        bitw_copy(w, e->raw_p[d], e->raw_end[d], e->raw_bit[d], e->raw_n[d]);
        return;
    }
    if (e->version < 3) {
        for (uint32_t i = 0; i < freq; i++) {
            bitw_expgolomb(w, dp__get_u32(q + 8 * i), k);
            if (e->nforms > 1)
                bitw_expgolomb(w, dp__get_u32(q + 8 * i + 4) + 1, 0);
        }
        return;
    }
    unsigned rk = rice_k(e->lens[d], freq);
    uint32_t code = e->nforms > 1 ? enc_form_code(q, 0, freq) : 0;
    if (e->nforms > 1)
        bitw_expgolomb(w, code, 0);
    if (code != 1) { /* no form index between the gaps: most documents */
        bitw_rice_run(w, q, freq, rk);
        return;
    }
    for (uint32_t i = 0; i < freq; i++) {
        bitw_rice(w, dp__get_u32(q + 8 * i), rk);
        bitw_expgolomb(w, dp__get_u32(q + 8 * i + 4), 0);
    }
}

/* Version 2's parameter: the Exp-Golomb order fitting the block's mean gap
** (version 3 writes 0 there and derives a parameter per document). */
static unsigned enc_block_k(const dp__post_enc *e)
{
    size_t n = e->pos.n / 8;
    const uint8_t *q = (const uint8_t *)e->pos.p;
    uint64_t sum = 0;
    if (e->version >= 3)
        return 0;
    for (size_t i = 0; i < n; i++)
        sum += dp__get_u32(q + 8 * i);
    uint64_t mean = n ? sum / n : 0;
    return mean ? 63u - (unsigned)__builtin_clzll(mean) : 0;
}

/* The group size of a block of `docs` documents whose stream takes
** `bits` bits: 0 for no groups, else the documents per group. */
static uint32_t enc_group_size(const dp__post_enc *e, uint32_t docs,
                               uint64_t bits)
{
    uint32_t g = POS_GROUP;
    if (e->version < 5)
        return bits >= 8 * POS_GROUPS_MIN ? POS_GROUP : 0;
    if (bits < 8 * POS_GROUPS_MIN_V5)
        return 0;
    while (g < POS_GROUP_MAX && bits * g < (uint64_t)POS_GROUP_BITS * docs)
        g *= 2;
    return g;
}

/* Code the block's positions into e->pbits: the header byte (version 2:
** k; version 5: log2(group size) - 2; | POS_HAS_GROUPS), the group
** lengths when the stream is long, then the bit stream.  The stream is
** coded first (into e->pstream), in one pass that notes where each
** document starts. */
static int enc_block_positions(dp__post_enc *e)
{
    uint32_t glen[DP__BLOCK / POS_GROUP], ng = 0, gsize, maxg = 0;
    uint64_t dstart[DP__BLOCK + 1];
    unsigned k = enc_block_k(e), hdr = k;
    dp__bitw bw = {&e->pstream, 0, 0, DP_OK};
    size_t at = 0;
    dp__buf_clear(&e->pstream);
    /* room for the usual codes (a few bytes per occurrence), so that
    ** bitw_put rarely grows the buffer; it still checks */
    bw.rc = dp__buf_reserve(&e->pstream,
                            e->pos.n / 2 + e->raw_bits / 8 + e->n + 64);
    for (uint32_t d = 0; d < e->n; d++) {
        dstart[d] = bitw_bits(&bw);
        enc_doc(e, d, at, k, &bw);
        at += e->raw_p[d] != NULL ? 0 : e->freqs[d];
    }
    dstart[e->n] = bitw_bits(&bw);
    dp__bitw_flush(&bw);
    gsize = enc_group_size(e, e->n, dstart[e->n]);
    if (gsize) {
        ng = (e->n + gsize - 1) / gsize;
        for (uint32_t g = 0; g < ng; g++) {
            uint32_t last = (g + 1) * gsize < e->n ? (g + 1) * gsize : e->n;
            uint64_t len = dstart[last] - dstart[g * gsize];
            if (len > UINT32_MAX)
                gsize = 0; /* absurd frequencies: no groups */
            glen[g] = (uint32_t)len;
            maxg = glen[g] > maxg ? glen[g] : maxg;
        }
    }
    if (gsize) {
        hdr |= POS_HAS_GROUPS;
        if (e->version >= 5)
            hdr |= (unsigned)__builtin_ctz(gsize / POS_GROUP);
    }
    int rc = bw.rc;
    dp__buf_clear(&e->pbits);
    if (rc == DP_OK)
        rc = dp__buf_putc(&e->pbits, (char)hdr);
    if (gsize && rc == DP_OK) {
        unsigned bg = dp__bits_needed(maxg);
        rc = dp__buf_putc(&e->pbits, (char)bg);
        if (rc == DP_OK)
            rc = dp__bitpack(&e->pbits, glen, ng, bg);
    }
    if (rc == DP_OK)
        rc = dp__buf_append(&e->pbits, e->pstream.p, e->pstream.n);
    return rc;
}

/* Patched frame of reference (format version 4 full blocks): u8 b, u8
** number of exceptions x, the n values' b low bits bit-packed, then per
** exception u8 index and varint(value >> b) (never 0).  b is the width of
** least bytes: one document gap or frequency far above the others no
** longer widens all 128 (on Le Monde: docids 4.41 -> 4.01 MB, freqs 2.28
** -> 1.76 MB).  cnt[l] counts the values of exactly l significant bits,
** so each width's cost is a sum over 33 lengths, not over the values. */
static int enc_pfor(dp_buf *b, const uint32_t *v, uint32_t n)
{
    uint32_t cnt[33] = {0}, low[DP__BLOCK];
    unsigned maxl = 0, best_w = 0, x = 0;
    uint64_t best = UINT64_MAX;
    for (uint32_t i = 0; i < n; i++) {
        unsigned l = dp__bits_needed(v[i]);
        cnt[l]++;
        maxl = l > maxl ? l : maxl;
    }
    for (unsigned w = maxl + 1; w-- > 0;) { /* ties: the wider, fewer patches */
        uint64_t cost = ((uint64_t)n * w + 7) / 8;
        for (unsigned l = w + 1; l <= maxl; l++)
            cost += cnt[l] * (1 + (l - w + 6) / 7);
        if (cost < best) {
            best = cost;
            best_w = w;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        low[i] = best_w >= 32 ? v[i] : v[i] & ((1u << best_w) - 1);
        x += best_w < 32 && (v[i] >> best_w) != 0;
    }
    int rc = dp__buf_putc(b, (char)best_w);
    if (rc == DP_OK)
        rc = dp__buf_putc(b, (char)x);
    if (rc == DP_OK)
        rc = dp__bitpack(b, low, n, best_w);
    for (uint32_t i = 0; i < n && x && rc == DP_OK; i++)
        if ((v[i] >> best_w) != 0) {
            rc = dp__buf_putc(b, (char)i);
            if (rc == DP_OK)
                rc = dp__buf_put_varint(b, v[i] >> best_w);
        }
    return rc;
}

/* Decode what enc_pfor wrote; false on malformed bytes. */
static bool dec_pfor(const uint8_t **q, const uint8_t *end, uint32_t *v,
                     uint32_t n)
{
    if (end - *q < 2)
        return false;
    unsigned w = (*q)[0], x = (*q)[1];
    *q += 2;
    if (w > 32 || x > n || (w == 32 && x) || !dp__bitunpack(q, end, v, n, w))
        return false;
    /* the writer lists the exceptions in increasing order: a repeated
    ** index would otherwise merge two values into one */
    for (unsigned i = 0, next = 0; i < x; i++) {
        uint64_t hi;
        if (*q >= end)
            return false;
        unsigned at = *(*q)++;
        if (at >= n || at < next || !dp__get_varint(q, end, &hi) ||
            hi == 0 || hi > (UINT32_MAX >> w))
            return false;
        next = at + 1;
        v[at] |= (uint32_t)(hi << w);
    }
    return true;
}

static int enc_block_docs(dp__post_enc *e, dp_buf *b)
{
    uint32_t d[DP__BLOCK], fr[DP__BLOCK], maxd = 0, maxf = 0;
    int64_t prev = e->skip_last;
    int rc = DP_OK;
    for (uint32_t i = 0; i < e->n; i++) {
        d[i] = (uint32_t)(e->docs[i] - prev - 1);
        prev = e->docs[i];
        fr[i] = e->freqs[i] - 1;
        maxd = d[i] > maxd ? d[i] : maxd;
        maxf = fr[i] > maxf ? fr[i] : maxf;
    }
    if (e->n == DP__BLOCK && e->version >= 4) {
        rc = enc_pfor(b, d, e->n);
        if (rc == DP_OK)
            rc = enc_pfor(b, fr, e->n);
        return rc;
    }
    if (e->n == DP__BLOCK) {
        unsigned bd = dp__bits_needed(maxd), bf = dp__bits_needed(maxf);
        rc = dp__buf_putc(b, (char)bd);
        if (rc == DP_OK)
            rc = dp__bitpack(b, d, e->n, bd);
        if (rc == DP_OK)
            rc = dp__buf_putc(b, (char)bf);
        if (rc == DP_OK)
            rc = dp__bitpack(b, fr, e->n, bf);
        return rc;
    }
    if (e->version >= 3) {
        /* the last block of the term: Rice-coded gaps with the parameter
        ** of the term's mean gap, (freq - 1) in Exp-Golomb order 0, byte
        ** aligned at the end (on Le Monde 1.85 MB instead of 2.47 MB of
        ** varints for these 1.2 M postings) */
        dp__bitw bw = {b, 0, 0, DP_OK};
        unsigned k = rice_k(e->ndocs, e->df);
        for (uint32_t i = 0; i < e->n; i++) {
            bitw_rice(&bw, d[i], k);
            bitw_expgolomb(&bw, fr[i], 0);
        }
        dp__bitw_flush(&bw);
        return bw.rc;
    }
    for (uint32_t i = 0; i < e->n && rc == DP_OK; i++) {
        rc = dp__buf_put_varint(b, (uint64_t)d[i] << 1 | (fr[i] == 0));
        if (rc == DP_OK && fr[i] != 0)
            rc = dp__buf_put_varint(b, fr[i]);
    }
    return rc;
}

/* Close the current block: its bytes go to e->blocks, its skip entry to
** e->skip. */
static int enc_flush_block(dp__post_enc *e)
{
    size_t start = e->blocks.n;
    int rc = enc_block_docs(e, &e->blocks);
    if (rc == DP_OK)
        rc = enc_block_positions(e);
    if (rc == DP_OK)
        rc = dp__buf_put_varint(&e->blocks, e->pbits.n);
    if (rc == DP_OK)
        rc = dp__buf_append(&e->blocks, e->pbits.p, e->pbits.n);
    if (rc != DP_OK)
        return rc;
    int64_t last = e->docs[e->n - 1];
    rc = dp__buf_put_varint(&e->skip, (uint64_t)(last - e->skip_last - 1));
    if (rc == DP_OK)
        rc = dp__buf_put_varint(&e->skip, e->blocks.n - start);
    if (rc == DP_OK)
        rc = dp__buf_put_varint(&e->skip, e->block_max_freq - 1);
    if (rc == DP_OK)
        rc = dp__buf_put_varint(&e->skip, e->block_min_len);
    e->skip_last = last;
    e->nblocks++;
    e->n = 0;
    e->block_max_freq = 0;
    e->block_min_len = UINT32_MAX;
    e->raw_bits = 0;
    dp__buf_clear(&e->pos);
    return rc;
}

/* Note doc, whose positions are in the block, and close the block when
** it is full. */
static int enc_note_doc(dp__post_enc *e, uint32_t doc, uint32_t doclen,
                        uint32_t freq)
{
    e->docs[e->n] = doc;
    e->freqs[e->n] = freq;
    e->lens[e->n] = doclen;
    e->n++;
    e->last_doc = doc;
    e->df++;
    e->cf += freq;
    if (freq > e->block_max_freq)
        e->block_max_freq = freq;
    if (doclen < e->block_min_len)
        e->block_min_len = doclen;
    if (freq > e->max_freq)
        e->max_freq = freq;
    if (e->n == DP__BLOCK)
        return enc_flush_block(e);
    return DP_OK;
}

int dp__post_enc_add(dp__post_enc *e, uint32_t doc, uint32_t doclen,
                     const uint32_t *pos, const uint32_t *forms,
                     uint32_t freq)
{
    if ((int64_t)doc <= e->last_doc || freq == 0 || freq > DP__MAX_FREQ)
        return DP_EINVAL;
    int rc = enc_positions(e, pos, forms, freq);
    if (rc != DP_OK)
        return rc;
    e->raw_p[e->n] = NULL;
    return enc_note_doc(e, doc, doclen, freq);
}

int dp__post_enc_finish(dp__post_enc *e, dp_buf *out)
{
    int rc = DP_OK;
    if (e->n > 0)
        rc = enc_flush_block(e);
    if (rc == DP_OK && e->nblocks > 1) {
        rc = dp__buf_put_varint(out, e->skip.n);
        if (rc == DP_OK)
            rc = dp__buf_append(out, e->skip.p, e->skip.n);
    }
    if (rc == DP_OK)
        rc = dp__buf_append(out, e->blocks.p, e->blocks.n);
    return rc;
}

/**************************************************************************
** The cursor.
*/

struct dp__postings {
    dp__postings_at at; /* first: read inline through index.h */
    const dp__segment *g;
    const dp__segfile *f;
    const uint8_t *blocks, *end; /* the blocks of the term */
    uint32_t df, nforms, nblocks, max_freq;
    int form;
    unsigned flags;
    uint32_t version;   /* of the segment file (format.md) */
    bool damaged;       /* a decode failed: post_corrupt */
    /* skip table, decoded at open (NULL for a single block) */
    uint32_t *sk_last, *sk_maxf, *sk_minlen;
    uint64_t *sk_off;
    /* the loaded block */
    uint32_t blk, bn, bi;
    /* docs: 8 more, never read as documents, for block_seek's loads */
    uint32_t docs[DP__BLOCK + 8], freqs[DP__BLOCK];
    dp__bitr br;        /* positions of doc pos_doc onwards */
    unsigned pos_k;
    unsigned gshift;    /* log2 of the documents per group */
    uint32_t pos_doc;
    const uint8_t *pstream, *pend; /* the block's position bit stream */
    bool groups;        /* gstart holds the groups' first bits */
    bool pos_ready;     /* positions of the current doc are decoded */
    /* a document's positions decoded in part (version 3 on, lazily:
    ** dp__postings_positions_upto): br is inside doc pos_doc's codes,
    ** after pd_n of them; the last position pd_cur, its Rice parameter,
    ** form code and current form */
    bool pd_open;
    uint32_t pd_n, pd_code, pd_fm;
    unsigned pd_k;
    uint64_t pd_cur;
    uint64_t gstart[DP__BLOCK / POS_GROUP + 1];
    uint32_t *pos, *pforms;
    size_t npos, pos_cap;
    /* the segment's document lengths (doc_len); last, since a member
    ** here moved docs[] and freqs[] across cache lines, and the counts of
    ** OR queries at ten times Le Monde were 5 % slower (timelines 8 %) */
    const uint16_t *dlen;
};

/* Document d's length (d < ndocs), for its Rice parameter. */
static inline uint32_t doc_len(const dp__postings *p, uint32_t d)
{
    return dp__seg_doc_len_in(p->g, p->dlen, d);
}

/* A damaged list stops the cursor for good: every later call returns
** DP_ECORRUPT too, rather than read the half-decoded block it left. */
static int post_corrupt(dp__postings *p, const char *what)
{
    dp__set_err(p->g->err, "%s: damaged postings (%s)", p->f->path, what);
    p->damaged = true;
    return DP_ECORRUPT;
}

static int read_skip(dp__postings *p, const uint8_t *q, const uint8_t *end)
{
    uint64_t skip_len, off = 0;
    int64_t last = -1;
    if (!dp__get_varint(&q, end, &skip_len) ||
        skip_len > (uint64_t)(end - q))
        return post_corrupt(p, "skip length");
    const uint8_t *sk_end = q + skip_len;
    size_t nb = p->nblocks;
    p->sk_last = dp__malloc(nb * sizeof(uint32_t) * 3);
    p->sk_off = dp__malloc(nb * sizeof(uint64_t));
    if (p->sk_last == NULL || p->sk_off == NULL)
        return DP_ENOMEM;
    p->sk_maxf = p->sk_last + nb;
    p->sk_minlen = p->sk_maxf + nb;
    p->blocks = sk_end;
    for (size_t i = 0; i < nb; i++) {
        uint64_t d, len, mf, ml;
        if (!dp__get_varint(&q, sk_end, &d) ||
            !dp__get_varint(&q, sk_end, &len) ||
            !dp__get_varint(&q, sk_end, &mf) ||
            !dp__get_varint(&q, sk_end, &ml))
            return post_corrupt(p, "skip entry");
        if (d >= p->f->ndocs || (uint64_t)(last + 1) + d >= p->f->ndocs ||
            len > (uint64_t)(end - sk_end) - off || mf >= DP__MAX_FREQ ||
            ml > UINT32_MAX)
            return post_corrupt(p, "skip value");
        last = last + 1 + (int64_t)d;
        p->sk_last[i] = (uint32_t)last;
        p->sk_off[i] = off;
        p->sk_maxf[i] = (uint32_t)mf + 1;
        p->sk_minlen[i] = (uint32_t)ml;
        off += len;
    }
    if (q != sk_end || off != (uint64_t)(end - sk_end))
        return post_corrupt(p, "skip table size");
    return DP_OK;
}

int dp__postings_open(const dp__segment *g, const dp__term_info *t, int form,
                      unsigned flags, dp__postings **out)
{
    dp__segfile *f = g->file;
    dp__postings *p;
    int rc;

    *out = NULL;
    if (t->post_off > f->sec[DP__SEC_POST].n ||
        t->post_len > f->sec[DP__SEC_POST].n - t->post_off) {
        dp__set_err(g->err, "%s: postings out of bounds", f->path);
        return DP_ECORRUPT;
    }
    rc = dp__segfile_check_post(f, t->post_off, t->post_len, g->err);
    if (rc != DP_OK)
        return rc;
    p = dp__calloc(1, sizeof *p);
    if (p == NULL)
        return DP_ENOMEM;
    p->g = g;
    p->f = f;
    p->df = t->df;
    p->nforms = t->nforms;
    p->max_freq = t->max_freq;
    p->form = form;
    p->flags = flags;
    p->version = f->version;
    p->nblocks = (t->df + DP__BLOCK - 1) / DP__BLOCK;
    p->blk = UINT32_MAX;
    p->blocks = f->sec[DP__SEC_POST].p + t->post_off;
    p->end = p->blocks + t->post_len;
    if (form >= 0 && (uint32_t)form >= t->nforms)
        rc = DP_EINVAL;
    else if (p->nblocks == 0)
        rc = post_corrupt(p, "empty term");
    else if (p->nblocks > 1)
        rc = read_skip(p, p->blocks, p->end);
    if (rc == DP_OK && p->version >= 3 &&
        ((flags & DP__POST_POSITIONS) || form >= 0))
        rc = dp__seg_doc_lens(g, &p->dlen);
    if (rc != DP_OK) {
        dp__postings_free(p);
        return rc;
    }
    *out = p;
    return DP_OK;
}

void dp__postings_free(dp__postings *p)
{
    if (p == NULL)
        return;
    dp__free(p->sk_last);
    dp__free(p->sk_off);
    dp__free(p->pos);
    dp__free(p);
}

/* Decode the n docids (into p->docs) and frequencies of a block from *q;
** docs_only: the frequencies of a full version 4+ block are not decoded
** (dp__postings_docs_bitmap) and *q is then left inside the block. */
static int decode_doc_list(dp__postings *p, const uint8_t **q,
                           const uint8_t *end, uint32_t n, bool docs_only)
{
    uint32_t d[DP__BLOCK];
    if (n == DP__BLOCK && p->version >= 4) {
        if (!dec_pfor(q, end, d, n))
            return post_corrupt(p, "packed docs");
        if (!docs_only) { /* else *q is left inside the block */
            if (!dec_pfor(q, end, p->freqs, n))
                return post_corrupt(p, "packed freqs");
            uint32_t any = 0; /* one test for the block, after the loop */
            for (uint32_t i = 0; i < n; i++) {
                any |= p->freqs[i];
                p->freqs[i]++;
            }
            if (any >= DP__MAX_FREQ)
                return post_corrupt(p, "frequency");
        }
    } else if (n == DP__BLOCK) {
        unsigned bd, bf;
        if (*q >= end || (bd = **q) > 32)
            return post_corrupt(p, "bit width");
        (*q)++;
        if (!dp__bitunpack(q, end, d, n, bd))
            return post_corrupt(p, "packed docs");
        if (*q >= end || (bf = **q) > 24)
            return post_corrupt(p, "bit width");
        (*q)++;
        if (!dp__bitunpack(q, end, p->freqs, n, bf))
            return post_corrupt(p, "packed freqs");
        for (uint32_t i = 0; i < n; i++)
            p->freqs[i]++;
    } else if (p->version >= 3) {
        dp__bitr r;
        unsigned k = rice_k(p->f->ndocs, p->df);
        dp__bitr_init(&r, *q, end);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t fr;
            if (!bitr_rice_fast(&r, k, &d[i]) ||
                !bitr_expgolomb_fast(&r, 0, &fr) || fr >= DP__MAX_FREQ)
                return post_corrupt(p, "doc list");
            p->freqs[i] = fr + 1;
        }
        *q += ((uint64_t)(r.p - *q) * 8 - r.n + 7) / 8;
    } else {
        for (uint32_t i = 0; i < n; i++) {
            uint64_t v, fr = 0;
            if (!dp__get_varint(q, end, &v) || (v >> 1) > UINT32_MAX ||
                (!(v & 1) && !dp__get_varint(q, end, &fr)) ||
                fr >= DP__MAX_FREQ)
                return post_corrupt(p, "doc list");
            d[i] = (uint32_t)(v >> 1);
            p->freqs[i] = (uint32_t)fr + 1;
        }
    }
    int64_t prev = p->blk == 0 ? -1 : (int64_t)p->sk_last[p->blk - 1];
    for (uint32_t i = 0; i < n; i++) { /* increasing: the last is tested */
        prev = prev + 1 + d[i];
        p->docs[i] = (uint32_t)prev;
    }
    if (prev >= p->f->ndocs)
        return post_corrupt(p, "docid out of range");
    if (p->sk_last && p->docs[n - 1] != p->sk_last[p->blk])
        return post_corrupt(p, "block does not match its skip entry");
    return DP_OK;
}

/* The bytes [*q, *end) of block b, and its number of documents. */
static uint32_t block_span(const dp__postings *p, uint32_t b,
                           const uint8_t **q, const uint8_t **end)
{
    if (p->sk_off) {
        *q = p->blocks + p->sk_off[b];
        *end = b + 1 < p->nblocks ? p->blocks + p->sk_off[b + 1] : p->end;
    } else {
        *q = p->blocks;
        *end = p->end;
    }
    return b + 1 < p->nblocks ? DP__BLOCK : p->df - b * DP__BLOCK;
}

static int load_block(dp__postings *p, uint32_t b)
{
    const uint8_t *q, *end;
    uint64_t pos_len;
    uint32_t n = block_span(p, b, &q, &end);
    int rc;

    p->blk = b;
    rc = decode_doc_list(p, &q, end, n, false);
    if (rc != DP_OK)
        return rc;
    if (!dp__get_varint(&q, end, &pos_len) ||
        pos_len != (uint64_t)(end - q))
        return post_corrupt(p, "positions length");
    /* the header byte: k in versions 1 and 2, log2(group size) - 2 in
    ** version 5 (0 in 3 and 4: groups of 4) */
    unsigned low = q < end ? *q & ~POS_HAS_GROUPS : 255;
    if (low > 31 || (p->version >= 3 &&
                     ((uint64_t)POS_GROUP << low) > POS_GROUP_MAX) ||
        ((p->version == 3 || p->version == 4) && low != 0))
        return post_corrupt(p, "positions parameter");
    p->pos_k = p->version >= 3 ? 0 : low;
    p->gshift = p->version >= 3 ? 2 + low : 2;
    p->groups = (*q++ & POS_HAS_GROUPS) != 0;
    if (p->groups) {
        uint32_t glen[DP__BLOCK / POS_GROUP];
        uint32_t ng = (n + (1u << p->gshift) - 1) >> p->gshift;
        unsigned bg = q < end ? *q++ : 64;
        if (bg > 32 || !dp__bitunpack(&q, end, glen, ng, bg))
            return post_corrupt(p, "position groups");
        p->gstart[0] = 0;
        for (uint32_t g = 0; g < ng; g++)
            p->gstart[g + 1] = p->gstart[g] + glen[g];
        /* the groups cover the stream, whose last byte is padded: a
        ** group length off by 8 bits or more would else send a cursor
        ** seeking a later group to the wrong bit, unnoticed */
        if ((p->gstart[ng] + 7) / 8 != (uint64_t)(end - q))
            return post_corrupt(p, "position groups length");
    }
    p->pstream = q;
    p->pend = end;
    dp__bitr_init(&p->br, q, end);
    p->bn = n;
    p->bi = 0;
    p->pos_doc = 0;
    p->pd_open = false;
    return DP_OK;
}

static int grow_pos(dp__postings *p, size_t need)
{
    if (need <= p->pos_cap)
        return DP_OK;
    size_t cap = p->pos_cap ? p->pos_cap : 16;
    while (cap < need)
        cap *= 2;
    uint32_t *np = dp__realloc(p->pos, cap * 2 * sizeof(uint32_t));
    if (np == NULL)
        return DP_ENOMEM;
    p->pos = np;
    p->pforms = np + cap;
    /* pforms moved with the realloc: its old content is not needed */
    p->pos_cap = cap;
    return DP_OK;
}

/* Add distance v to *cur, the position of occurrence i, and keep it. */
static inline int next_position(dp__postings *p, uint32_t i, uint64_t *cur,
                                uint32_t v, uint32_t form, bool keep)
{
    *cur += v;
    if (*cur > UINT32_MAX)
        return post_corrupt(p, "position too large");
    if (keep) {
        p->pos[i] = (uint32_t)*cur;
        p->pforms[i] = form;
    }
    return DP_OK;
}

/* Version 1 and 2 positions of doc pos_doc: per occurrence the gap in
** Exp-Golomb order pos_k, and form + 1 in order 0 when nforms > 1. */
static int read_positions_v2(dp__postings *p, bool keep, uint32_t freq)
{
    uint64_t cur = 0;
    for (uint32_t i = 0; i < freq; i++) {
        uint32_t v, fm = 1;
        if (!bitr_expgolomb_fast(&p->br, p->pos_k, &v) ||
            (p->nforms > 1 && !bitr_expgolomb_fast(&p->br, 0, &fm)))
            return post_corrupt(p, "positions");
        if (fm == 0 || fm > p->nforms)
            return post_corrupt(p, "form index");
        if (next_position(p, i, &cur, v, fm - 1, keep) != DP_OK)
            return DP_ECORRUPT;
    }
    return DP_OK;
}

/* The readers of the position loops below take a reader that is a local
** of their caller, and never let its address escape (the slow paths work
** on a copy): the compiler then keeps it in registers, where a reader in
** memory costs a load and a store per field and code. */
static inline __attribute__((always_inline)) void loc_fill(dp__bitr *r)
{
    if (r->end - r->p >= 8) {
        r->acc |= dp__get_u64(r->p) << r->n;
        r->p += (63 - r->n) >> 3;
        r->n |= 56;
    } else {
        dp__bitr t = *r;
        bitr_fill(&t);
        *r = t;
    }
}

static inline __attribute__((always_inline)) bool
loc_rice(dp__bitr *r, unsigned k, uint32_t *v)
{
    if (r->n < 57)
        loc_fill(r);
    unsigned q = r->acc ? (unsigned)__builtin_ctzll(r->acc) : 64;
    unsigned len = q + 1 + k;
    if (q < DP__RICE_MAXQ && len <= r->n) {
        *v = (q << k) | (uint32_t)((r->acc >> (q + 1)) & ((1ull << k) - 1));
        r->acc >>= len;
        r->n -= len;
        return true;
    }
    dp__bitr t = *r;
    bool ok = dp__bitr_rice(&t, k, v);
    *r = t;
    return ok;
}

/* Exp-Golomb order 0 where 0 (the bit 1) is by far the commonest value:
** the form code of a posting, a form index. */
static inline __attribute__((always_inline)) bool
loc_eg0(dp__bitr *r, uint32_t *v)
{
    if (r->n < 3)
        loc_fill(r);
    /* 1: 0, the commonest; 0 1 x: 1 + x.  Which of the two is a coin
    ** toss from one document to the next (which inflection of the stem
    ** the document holds: quelque, quelques), so it is taken without a
    ** branch. */
    if (DP_LIKELY(r->n >= 3 && (r->acc & 3) != 0)) {
        uint32_t one = (uint32_t)(r->acc & 1);
        unsigned len = 3 - 2 * one;
        *v = (1 + (uint32_t)((r->acc >> 2) & 1)) & (one - 1);
        r->acc >>= len;
        r->n -= len;
        return true;
    }
    dp__bitr t = *r;
    bool ok = bitr_expgolomb_fast(&t, 0, v);
    *r = t;
    return ok;
}

/* The parameters of doc pos_doc's positions (version 3 on): the Rice
** parameter from its length (doc_len: the dense table, since this runs
** for every document whose positions are decoded or skipped) and the
** form code. */
static inline __attribute__((always_inline)) int
v3_doc_start(dp__postings *p, uint32_t freq, unsigned *k, uint32_t *code)
{
    *k = rice_k(doc_len(p, p->docs[p->pos_doc]), freq);
    *code = 0;
    if (p->nforms > 1) {
        dp__bitr r = p->br;
        bool ok = loc_eg0(&r, code);
        p->br = r;
        if (!ok || *code > p->nforms)
            return post_corrupt(p, "form code");
    }
    return DP_OK;
}

/* Step over n Rice codes of parameter k (no form indexes between them):
** a code held whole in the accumulator is passed with a count of zeros
** and a shift, without computing its value. */
static inline __attribute__((always_inline)) bool
skip_rice(dp__bitr *r, unsigned k, uint32_t n)
{
    uint32_t v;
    while (n > 0) {
        if (r->n < 57)
            loc_fill(r);
        unsigned q = r->acc ? (unsigned)__builtin_ctzll(r->acc) : 64;
        unsigned len = q + 1 + k;
        if (q < DP__RICE_MAXQ && len <= r->n) {
            r->acc >>= len;
            r->n -= len;
        } else if (!loc_rice(r, k, &v)) {
            return false;
        }
        n--;
    }
    return true;
}

/* Step over n codes of a document (no form index between them unless
** its forms mix: then each gap is followed by its form's index, below
** nforms).  NULL, or what was wrong. */
static inline __attribute__((always_inline)) const char *
skip_codes(dp__bitr *r, unsigned k, uint32_t n, bool mixed, uint32_t nforms)
{
    uint32_t v;
    if (!mixed)
        return skip_rice(r, k, n) ? NULL : "positions";
    for (uint32_t i = 0; i < n; i++) {
        if (!loc_rice(r, k, &v))
            return "positions";
        if (!loc_eg0(r, &v) || v >= nforms)
            return "form index";
    }
    return NULL;
}

/* Open doc pos_doc's positions (version 3 on) for v3_decode_upto. */
static inline __attribute__((always_inline)) int v3_open_doc(dp__postings *p)
{
    uint32_t code;
    if (v3_doc_start(p, p->freqs[p->pos_doc], &p->pd_k, &code) != DP_OK)
        return DP_ECORRUPT;
    p->pd_code = code;
    p->pd_fm = code > 1 ? code - 1 : 0;
    p->pd_n = 0;
    p->pd_cur = 0;
    p->pd_open = true;
    return DP_OK;
}

/* Decode the occurrences of doc pos_doc (opened, room in pos) into pos
** and pforms until all are, or the last decoded is >= want: a phrase
** looks for one position of a frequent word, and need not decode those
** after it.  The reader is copied to a local for the loop. */
static inline __attribute__((always_inline)) int
v3_decode_upto(dp__postings *p, uint32_t want)
{
    const uint32_t freq = p->freqs[p->pos_doc], nforms = p->nforms;
    const unsigned k = p->pd_k;
    const bool mixed = p->pd_code == 1, all = want == UINT32_MAX;
    uint32_t *pos = p->pos, *pf = p->pforms; /* not reloaded per store */
    uint32_t n = p->pd_n, fm = p->pd_fm;
    uint64_t cur = p->pd_cur;
    dp__bitr r = p->br;
    const char *bad = NULL;
    while (n < freq && (n == 0 || cur < want || all)) {
        uint32_t v;
        if (!loc_rice(&r, k, &v)) {
            bad = "positions";
            break;
        }
        if (mixed && (!loc_eg0(&r, &fm) || fm >= nforms)) {
            bad = "form index";
            break;
        }
        cur += v;
        if (cur > UINT32_MAX) {
            bad = "position too large";
            break;
        }
        pos[n] = (uint32_t)cur;
        pf[n++] = fm;
    }
    p->br = r;
    p->pd_n = n;
    p->pd_cur = cur;
    p->pd_fm = fm;
    return bad ? post_corrupt(p, bad) : DP_OK;
}

/* Step over the codes of doc pos_doc left after a partial decode. */
static int v3_skip_rest(dp__postings *p)
{
    dp__bitr r = p->br;
    const char *bad = skip_codes(&r, p->pd_k,
                                 p->freqs[p->pos_doc] - p->pd_n,
                                 p->pd_code == 1, p->nforms);
    p->br = r;
    return bad ? post_corrupt(p, bad) : DP_OK;
}

/* Step over doc pos_doc's positions (version 3 on) without computing
** them: a cursor landing inside a group passes the documents before it
** this way, and in a phrase query these are most of the codes read. */
static int skip_positions_v3(dp__postings *p, uint32_t freq)
{
    unsigned k;
    uint32_t code;
    if (v3_doc_start(p, freq, &k, &code) != DP_OK)
        return DP_ECORRUPT;
    dp__bitr r = p->br;
    const char *bad = skip_codes(&r, k, freq, code == 1, p->nforms);
    p->br = r;
    return bad ? post_corrupt(p, bad) : DP_OK;
}

/* The checks after doc pos_doc's positions: a group read from its start
** must end where the next one starts, and the block's last document in
** the stream's last byte (without groups, a wrong frequency would else
** shift every later document's positions unnoticed, and a merge would
** copy them). */
static int check_doc_end(dp__postings *p)
{
    bool group_end = p->groups &&
                     ((p->pos_doc + 1) & ((1u << p->gshift) - 1)) == 0;
    if (group_end || p->pos_doc + 1 == p->bn) {
        uint64_t at = (uint64_t)(p->br.p - p->pstream) * 8 - p->br.n;
        if ((group_end || p->groups) &&
            at != p->gstart[(p->pos_doc >> p->gshift) + 1])
            return post_corrupt(p, "position group length");
        if (p->pos_doc + 1 == p->bn &&
            (at + 7) / 8 != (uint64_t)(p->pend - p->pstream))
            return post_corrupt(p, "positions end");
    }
    return DP_OK;
}

/* Close the open doc pos_doc (skip: after stepping over the codes left),
** with the checks, and move on to the next. */
static int v3_close_doc(dp__postings *p, bool skip)
{
    int rc = skip ? v3_skip_rest(p) : DP_OK;
    p->pd_open = false;
    if (rc == DP_OK)
        rc = check_doc_end(p);
    if (rc == DP_OK)
        p->pos_doc++;
    return rc;
}

/* Step over the positions of the docs from pos_doc (none open) to `to`
** (version 3 on): a cursor landing inside a group passes the documents
** before it, and in a phrase these are most of the codes read, so the
** loop is kept tight (the reader in a local, the checks of
** check_doc_end only at a group's or the block's end), and inlined into
** decode_upto: a phrase of frequent words calls it for every other
** candidate, to pass 2 or 3 documents, and the call's saving of
** registers was 1 % of its instructions ("quelques mois" at ten times
** Le Monde, callgrind). */
static inline __attribute__((always_inline)) int
v3_skip_docs(dp__postings *p, uint32_t to)
{
    /* without groups, only the block's end is checked */
    uint32_t gmask = p->groups ? (1u << p->gshift) - 1 : UINT32_MAX;
    dp__bitr r = p->br;
    int rc = DP_OK;
    while (p->pos_doc < to && rc == DP_OK) {
        uint32_t i = p->pos_doc, freq = p->freqs[i], code = 0;
        unsigned k = rice_k(doc_len(p, p->docs[i]), freq);
        const char *bad = NULL;
        if (p->nforms > 1 && (!loc_eg0(&r, &code) || code > p->nforms))
            bad = "form code";
        else
            bad = skip_codes(&r, k, freq, code == 1, p->nforms);
        if (bad)
            rc = post_corrupt(p, bad);
        if (rc == DP_OK && (((i + 1) & gmask) == 0 || i + 1 == p->bn)) {
            p->br = r;
            rc = check_doc_end(p);
        }
        if (rc == DP_OK)
            p->pos_doc++;
    }
    p->br = r;
    return rc;
}

/* Decode (versions 1-2 only, keep) or skip the positions of doc
** pos_doc, or what is left of them after a partial decode (pd_open):
** version 3 on decodes through v3_decode_upto (decode_upto). */
static int read_positions(dp__postings *p, bool keep)
{
    uint32_t freq = p->freqs[p->pos_doc];
    int rc = keep ? grow_pos(p, freq) : DP_OK;
    if (rc == DP_OK && p->version < 3)
        rc = read_positions_v2(p, keep, freq);
    else if (rc == DP_OK)
        rc = p->pd_open ? v3_skip_rest(p) : skip_positions_v3(p, freq);
    p->pd_open = false;
    if (rc == DP_OK)
        rc = check_doc_end(p);
    if (rc != DP_OK)
        return rc;
    p->pos_doc++;
    if (keep)
        p->npos = freq;
    return DP_OK;
}

/* Jump to the first document of the group of document i of the block. */
static void seek_group(dp__postings *p, uint32_t i)
{
    uint64_t bit = p->gstart[i >> p->gshift];
    uint32_t drop;
    dp__bitr_init(&p->br, p->pstream + bit / 8, p->pend);
    if (bit % 8) /* the byte exists: gstart <= 8 * stream bytes */
        dp__bitr_get(&p->br, (unsigned)(bit % 8), &drop);
    p->pos_doc = i >> p->gshift << p->gshift;
    p->pd_open = false;
}

/* Decode the positions of the current doc (bi), skipping those before,
** until all are decoded or the last one decoded is >= want (version 3
** on; older versions decode them all).  p->npos counts those decoded;
** pos_ready once they all are. */
static inline __attribute__((always_inline)) int
decode_upto(dp__postings *p, uint32_t want)
{
    int rc = DP_OK;
    if (p->pos_ready)
        return DP_OK;
    if (p->version < 3) {
        if (p->groups && p->bi >> p->gshift > p->pos_doc >> p->gshift)
            seek_group(p, p->bi);
        while (p->pos_doc < p->bi && rc == DP_OK)
            rc = read_positions(p, false);
        if (rc == DP_OK)
            rc = read_positions(p, true);
        p->pos_ready = rc == DP_OK;
        return rc;
    }
    if (!p->pd_open || p->pos_doc != p->bi) {
        if (p->groups && p->bi >> p->gshift > p->pos_doc >> p->gshift)
            seek_group(p, p->bi);
        else if (p->pd_open) /* the rest of a document decoded in part */
            rc = v3_close_doc(p, true);
        if (rc == DP_OK && p->pos_doc < p->bi) /* else already there */
            rc = v3_skip_docs(p, p->bi);
        if (rc == DP_OK)
            rc = grow_pos(p, p->freqs[p->bi]);
        if (rc == DP_OK)
            rc = v3_open_doc(p);
        if (rc != DP_OK)
            return rc;
    }
    rc = v3_decode_upto(p, want);
    p->npos = p->pd_n;
    if (rc == DP_OK && p->pd_n == p->freqs[p->bi]) {
        rc = v3_close_doc(p, false);
        p->pos_ready = rc == DP_OK;
    }
    return rc;
}

static int decode_current(dp__postings *p)
{
    return decode_upto(p, UINT32_MAX);
}

/* Make the current doc's positions (and the form filter) ready. */
static int settle_doc(dp__postings *p, bool *match)
{
    bool need = (p->flags & DP__POST_POSITIONS) || p->form >= 0;
    int rc;
    *match = true;
    p->at.doc = p->docs[p->bi];
    p->at.freq = p->freqs[p->bi];
    p->pos_ready = false;
    p->npos = 0;
    if (!need || (p->form < 0 && (p->flags & DP__POST_LAZY)))
        return DP_OK;
    rc = decode_current(p);
    if (rc != DP_OK || p->form < 0)
        return rc;
    size_t k = 0;
    for (size_t i = 0; i < p->npos; i++)
        if (p->pforms[i] == (uint32_t)p->form) {
            p->pos[k] = p->pos[i];
            p->pforms[k++] = p->pforms[i];
        }
    p->npos = k;
    p->at.freq = (uint32_t)k;
    *match = k > 0;
    return DP_OK;
}

/* From position (blk, bi) onwards, find the first live, matching doc. */
static int scan(dp__postings *p)
{
    const uint8_t *del = p->g->deleted; /* dp__seg_is_deleted, inline */
    for (;;) {
        if (p->bi >= p->bn) {
            if (p->blk + 1 >= p->nblocks) {
                p->at.state = 2;
                return DP_ENOTFOUND;
            }
            int rc = load_block(p, p->blk + 1);
            if (rc != DP_OK)
                return rc;
        }
        uint32_t d = p->docs[p->bi];
        if (del == NULL || !((del[d >> 3] >> (d & 7)) & 1)) {
            bool match;
            int rc = settle_doc(p, &match);
            if (rc != DP_OK)
                return rc;
            if (match) {
                p->at.state = 1;
                return DP_OK;
            }
        }
        p->bi++;
    }
}

int dp__postings_next(dp__postings *p)
{
    /* the common step: the next doc of the loaded block, live, and
    ** nothing to decode for it (settle_doc's first case) */
    if (p->at.state == 1 && p->bi + 1 < p->bn && p->g->deleted == NULL &&
        p->form < 0 && (!(p->flags & DP__POST_POSITIONS) ||
                        (p->flags & DP__POST_LAZY)) && !p->damaged) {
        p->bi++;
        p->at.doc = p->docs[p->bi];
        p->at.freq = p->freqs[p->bi];
        p->pos_ready = false;
        p->npos = 0;
        return DP_OK;
    }
    if (p->damaged)
        return DP_ECORRUPT;
    if (p->at.state == 2)
        return DP_ENOTFOUND;
    if (p->at.state == 0) {
        int rc = load_block(p, 0);
        if (rc != DP_OK)
            return rc;
    } else {
        p->bi++;
    }
    return scan(p);
}

/* Index of the first block whose last doc is >= target, or nblocks. */
static uint32_t find_block(const dp__postings *p, uint32_t from,
                           uint32_t target)
{
    uint32_t lo = from, hi = p->nblocks;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (p->sk_last[mid] < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* find_block for a cursor moving forward: most targets are in the
** current block or one of the next few (a phrase or an AND moves its
** cursors to nearby documents), so gallop from `from`, then bisect. */
static uint32_t gallop_block(const dp__postings *p, uint32_t from,
                             uint32_t target)
{
    uint32_t lo = from, hi, step = 1;
    if (lo >= p->nblocks || p->sk_last[lo] >= target)
        return lo;
    for (;;) { /* sk_last[lo] < target */
        hi = lo + step;
        if (hi >= p->nblocks || p->sk_last[hi] >= target)
            break;
        lo = hi;
        step *= 2;
    }
    if (hi > p->nblocks)
        hi = p->nblocks;
    lo++; /* the answer is in [lo, hi]; hi == nblocks: none */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (p->sk_last[mid] < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The first i >= from of the loaded block with docs[i] >= target, which
** is at bn - 1 at the latest (the caller knows).  Eight documents are
** compared at once (SSE2, unsigned through the sign bit): a scan one
** document at a time mispredicted its exit at most advances of a phrase
** or an AND, whose targets are a few documents ahead.  docs has 8 more
** entries than a block, so the loads stay in it; those past bn hold
** anything, but come after the answer: only the first document not below
** target counts. */
static inline uint32_t block_seek(const uint32_t *docs, uint32_t from,
                                  uint32_t target)
{
#if defined(__SSE2__)
    const __m128i bias = _mm_set1_epi32(INT32_MIN);
    const __m128i t = _mm_xor_si128(_mm_set1_epi32((int32_t)target), bias);
    for (;; from += 8) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(docs + from));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(docs + from + 4));
        a = _mm_cmplt_epi32(_mm_xor_si128(a, bias), t);
        b = _mm_cmplt_epi32(_mm_xor_si128(b, bias), t);
        unsigned below = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(a)) |
                         (unsigned)_mm_movemask_ps(_mm_castsi128_ps(b)) << 4;
        if (below != 0xFF)
            return from + (uint32_t)__builtin_ctz(~below);
    }
#else
    while (docs[from] < target)
        from++;
    return from;
#endif
}

int dp__postings_advance(dp__postings *p, uint32_t target)
{
    /* the common step of an intersection: a later doc of the loaded
    ** block, live, nothing to decode for it (dp__postings_next's case) */
    if (p->at.state == 1 && p->at.doc < target && p->docs[p->bn - 1] >= target &&
        p->g->deleted == NULL && p->form < 0 && !p->damaged &&
        (!(p->flags & DP__POST_POSITIONS) || (p->flags & DP__POST_LAZY))) {
        uint32_t bi = block_seek(p->docs, p->bi + 1, target);
        p->bi = bi;
        p->at.doc = p->docs[bi];
        p->at.freq = p->freqs[bi];
        p->pos_ready = false;
        p->npos = 0;
        return DP_OK;
    }
    if (p->damaged)
        return DP_ECORRUPT;
    int rc;
    if (p->at.state == 2)
        return DP_ENOTFOUND;
    if (p->at.state == 1 && p->at.doc >= target)
        return DP_OK;
    if (p->sk_last) {
        uint32_t from = p->blk == UINT32_MAX ? 0 : p->blk;
        uint32_t b = gallop_block(p, from, target);
        if (b >= p->nblocks) {
            p->at.state = 2;
            return DP_ENOTFOUND;
        }
        if (b != p->blk) {
            rc = load_block(p, b);
            if (rc != DP_OK)
                return rc;
        }
    } else if (p->blk == UINT32_MAX) {
        rc = load_block(p, 0);
        if (rc != DP_OK)
            return rc;
    }
    while (p->bi < p->bn && p->docs[p->bi] < target)
        p->bi++;
    return scan(p);
}


void dp__postings_positions(const dp__postings *p, const uint32_t **pos,
                            const uint32_t **forms, size_t *n)
{
    *pos = p->pos;
    if (forms)
        *forms = p->pforms;
    *n = p->npos;
}

int dp__postings_form(const dp__postings *p) { return p->form; }

int dp__postings_docs_bitmap(dp__postings *p, uint64_t *bm)
{
    int rc = DP_OK;
    if (p->damaged)
        return DP_ECORRUPT;
    if (p->at.state != 0)
        return DP_EINVAL;
    for (uint32_t b = 0; b < p->nblocks && rc == DP_OK; b++) {
        const uint8_t *q, *end;
        uint32_t n = block_span(p, b, &q, &end);
        uint64_t pos_len;
        bool whole = n < DP__BLOCK || p->version < 4; /* read to its end */
        p->blk = b; /* decode_doc_list reads the previous block's last */
        rc = decode_doc_list(p, &q, end, n, true);
        /* as load_block: the positions must fill the rest, else the doc
        ** list was misread (a damaged block can decode to wrong docids
        ** that are all in range) */
        if (rc == DP_OK && whole &&
            (!dp__get_varint(&q, end, &pos_len) ||
             pos_len != (uint64_t)(end - q)))
            rc = post_corrupt(p, "positions length");
        for (uint32_t i = 0; rc == DP_OK && i < n; i++)
            bm[p->docs[i] >> 6] |= 1ull << (p->docs[i] & 63);
    }
    /* back before the first document, as opened */
    p->blk = UINT32_MAX;
    p->bn = p->bi = 0;
    return rc;
}

/* The block the next dp__postings_take_block would take (b), or
** DP_EINVAL when take_block may not be called, DP_ENOTFOUND after the
** last block. */
static int next_taken_block(const dp__postings *p, uint32_t *b)
{
    if (p->damaged)
        return DP_ECORRUPT;
    if (p->form >= 0 || (p->at.state == 1 && p->bi < p->bn))
        return DP_EINVAL;
    if (p->at.state == 2)
        return DP_ENOTFOUND;
    *b = p->at.state == 0 ? 0 : p->blk + 1;
    return *b < p->nblocks ? DP_OK : DP_ENOTFOUND;
}

int dp__postings_take_block(dp__postings *p, const uint32_t **docs,
                            const uint32_t **freqs, uint32_t *n)
{
    uint32_t b;
    *n = 0;
    int rc = next_taken_block(p, &b);
    if (rc == DP_ENOTFOUND)
        p->at.state = 2;
    if (rc == DP_OK)
        rc = load_block(p, b);
    if (rc != DP_OK)
        return rc;
    p->at.state = 1;
    p->bi = p->bn; /* taken: the next call loads the next block */
    *docs = p->docs;
    *freqs = p->freqs;
    *n = p->bn;
    return DP_OK;
}

int dp__postings_peek_block(dp__postings *p, dp__block_info *out)
{
    uint32_t b;
    int rc = next_taken_block(p, &b);
    if (rc != DP_OK)
        return rc;
    if (p->sk_last == NULL) { /* one block, no skip entry: no bound */
        out->last_doc = DP__DOC_END - 1;
        out->max_freq = UINT32_MAX;
        out->min_len = 0;
        return DP_OK;
    }
    out->last_doc = p->sk_last[b];
    out->max_freq = p->sk_maxf[b];
    out->min_len = p->sk_minlen[b];
    return DP_OK;
}

int dp__postings_pass_block(dp__postings *p)
{
    uint32_t b;
    int rc = next_taken_block(p, &b);
    if (rc == DP_ENOTFOUND)
        p->at.state = 2;
    if (rc != DP_OK)
        return rc;
    /* as if block b were taken whole: the next take loads b + 1, whose
    ** first gap counts from sk_last[b] (decode_doc_list) */
    p->blk = b;
    p->bn = p->bi = 0;
    p->at.state = 1;
    return DP_OK;
}

int dp__postings_count_deleted(dp__postings *p, uint32_t *out)
{
    if (p->damaged)
        return DP_ECORRUPT;
    uint32_t n = 0;
    int rc = DP_OK;
    if (p->at.state != 0 || p->form >= 0)
        return DP_EINVAL;
    for (uint32_t d = dp__seg_next_deleted(p->g, 0); d != UINT32_MAX;
         d = dp__seg_next_deleted(p->g, d + 1)) {
        uint32_t b = 0, lo = 0, hi;
        if (p->sk_last)
            b = find_block(p, p->blk == UINT32_MAX ? 0 : p->blk, d);
        if (b >= p->nblocks)
            break;
        if (b != p->blk && (rc = load_block(p, b)) != DP_OK)
            break;
        hi = p->bn;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (p->docs[mid] < d)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == p->bn)
            break; /* past the term's last document */
        n += p->docs[lo] == d;
    }
    /* back before the first document, as opened */
    p->blk = UINT32_MAX;
    p->bn = p->bi = 0;
    *out = n;
    return rc;
}

int dp__postings_load_positions(dp__postings *p)
{
    if (p->damaged)
        return DP_ECORRUPT;
    if (p->at.state != 1 || !(p->flags & DP__POST_POSITIONS))
        return DP_EINVAL;
    return p->pos_ready ? DP_OK : decode_current(p);
}

int dp__postings_positions_upto(dp__postings *p, uint32_t want,
                                const uint32_t **pos, size_t *n)
{
    int rc;
    if (p->damaged)
        return DP_ECORRUPT;
    if (p->at.state != 1 || !(p->flags & DP__POST_POSITIONS))
        return DP_EINVAL;
    rc = decode_upto(p, want);
    *pos = p->pos;
    *n = rc == DP_OK ? p->npos : 0;
    return rc;
}

int dp__postings_block(dp__postings *p, uint32_t target, dp__block_info *out)
{
    if (p->damaged)
        return DP_ECORRUPT;
    if (p->sk_last == NULL) {
        if (p->blk == UINT32_MAX) {
            int rc = load_block(p, 0);
            if (rc != DP_OK)
                return rc;
            p->bi = 0;
        }
        if (p->docs[p->bn - 1] < target)
            return DP_ENOTFOUND;
        out->last_doc = p->docs[p->bn - 1];
        out->max_freq = p->max_freq;
        out->min_len = UINT32_MAX;
        for (uint32_t i = 0; i < p->bn; i++) {
            uint32_t len = dp__seg_doc_len(p->g, p->docs[i]);
            out->min_len = len < out->min_len ? len : out->min_len;
        }
        return DP_OK;
    }
    uint32_t b = find_block(p, 0, target);
    if (b >= p->nblocks)
        return DP_ENOTFOUND;
    out->last_doc = p->sk_last[b];
    out->max_freq = p->form >= 0 ? p->max_freq : p->sk_maxf[b];
    out->min_len = p->form >= 0 ? 0 : p->sk_minlen[b];
    return DP_OK;
}

/**************************************************************************
** Positions as bits, for merges (merge.c): the encoder takes a document's
** position bits as they are in an input segment, and the cursor gives
** them, so that a merge copies them instead of decoding each gap and
** coding it again.  The bits do not change: a document keeps its length,
** hence its Rice parameter, and the caller gives the form code the
** document has in the merged term.
*/

int dp__post_enc_add_bits(dp__post_enc *e, uint32_t doc, uint32_t doclen,
                          uint32_t freq, uint32_t code, const dp__pos_bits *b)
{
    if ((int64_t)doc <= e->last_doc || freq == 0 || freq > DP__MAX_FREQ ||
        e->version < 3 || code > e->nforms || (e->nforms == 1 && code) ||
        b->p == NULL || b->k != rice_k(doclen, freq) ||
        b->bit + b->n > (uint64_t)(b->end - b->p) * 8)
        return DP_EINVAL;
    e->raw_p[e->n] = b->p;
    e->raw_end[e->n] = b->end;
    e->raw_bit[e->n] = b->bit;
    e->raw_n[e->n] = b->n;
    e->raw_code[e->n] = code;
    e->raw_bits += b->n;
    return enc_note_doc(e, doc, doclen, freq);
}

/* Bring the cursor's bit reader to the current document's positions, as
** decode_current does before reading them. */
static int raw_seek(dp__postings *p)
{
    if (p->damaged)
        return DP_ECORRUPT;
    if (p->at.state != 1 || p->version < 3 || p->form >= 0 || p->pos_ready ||
        (p->flags & (DP__POST_POSITIONS | DP__POST_LAZY)) !=
            (DP__POST_POSITIONS | DP__POST_LAZY))
        return DP_EINVAL;
    if (p->pd_open && p->pos_doc == p->bi)
        return DP_EINVAL; /* its positions were decoded in part */
    int rc = DP_OK;
    if (p->groups && p->bi >> p->gshift > p->pos_doc >> p->gshift)
        seek_group(p, p->bi);
    while (p->pos_doc < p->bi && rc == DP_OK)
        rc = read_positions(p, false);
    return rc;
}

int dp__postings_pos_code(dp__postings *p, uint32_t *code)
{
    int rc = raw_seek(p);
    if (rc != DP_OK)
        return rc;
    /* as v3_doc_start, without the length, which is not needed here;
    ** on a copy of the reader, which stays at the document's start */
    dp__bitr r = p->br;
    *code = 0;
    if (p->nforms > 1 && (!loc_eg0(&r, code) || *code > p->nforms))
        rc = post_corrupt(p, "form code");
    return rc;
}

/* The bit of the stream the reader is at. */
static uint64_t raw_at(const dp__postings *p)
{
    return (uint64_t)(p->br.p - p->pstream) * 8 - p->br.n;
}

/* The length of the cursor's document, for its Rice parameter: the one
** given when it is, as the rows of the columns, 24 bytes a document, miss
** the cache when a merge walks those of all its inputs for each term. */
static inline uint32_t raw_doc_len(const dp__postings *p,
                                   const uint32_t *doclen)
{
    if (doclen != NULL)
        return *doclen;
    return dp__seg_doc_len(p->g, p->docs[p->bi]);
}

/* Check freq positions of Rice parameter k with reader r (a local of the
** caller, as in v3_decode_upto), and the form index after each when code
** is 1, kept in forms when given.  DP_OK, or DP_ECORRUPT with p damaged. */
static inline __attribute__((always_inline)) int
raw_walk(dp__postings *p, dp__bitr *r, unsigned k, uint32_t freq,
         uint32_t code, uint32_t *forms)
{
    uint64_t cur = 0;
    uint32_t v;
    for (uint32_t i = 0; i < freq; i++) {
        if (!bitr_rice_fast(r, k, &v))
            return post_corrupt(p, "positions");
        cur += v;
        if (cur > UINT32_MAX)
            return post_corrupt(p, "position too large");
        if (code == 1) {
            if (!loc_eg0(r, &v) || v >= p->nforms)
                return post_corrupt(p, "form index");
            if (forms != NULL)
                forms[i] = v;
        }
    }
    return DP_OK;
}

/* Where the walked document's codes lie, and its positions marked
** stepped over: a later dp__postings_load_positions must not read the
** next document's positions as this one's. */
static void raw_done(dp__postings *p, dp__pos_bits *out, uint64_t start,
                     uint32_t code, unsigned k, uint32_t len)
{
    out->p = p->pstream;
    out->end = p->pend;
    out->bit = start;
    out->n = raw_at(p) - start;
    out->code = code;
    out->k = k;
    out->len = len;
    p->pos_doc++;
    p->pos_ready = true;
    p->npos = 0;
}

int dp__postings_pos_bits(dp__postings *p, const uint32_t *doclen,
                          dp__pos_bits *out, uint32_t *forms)
{
    int rc = raw_seek(p);
    if (rc != DP_OK)
        return rc;
    /* as v3_doc_start, with the length given when it is */
    uint32_t freq = p->freqs[p->bi], code = 0, len = raw_doc_len(p, doclen);
    unsigned k = rice_k(len, freq);
    /* the reader in a local (as v3_decode_upto), the form code too */
    dp__bitr r = p->br;
    if (p->nforms > 1 && (!loc_eg0(&r, &code) || code > p->nforms))
        return post_corrupt(p, "form code");
    uint64_t start = (uint64_t)(r.p - p->pstream) * 8 - r.n;
    rc = raw_walk(p, &r, k, freq, code, forms);
    if (rc != DP_OK)
        return rc;
    p->br = r;
    if (check_doc_end(p) != DP_OK)
        return DP_ECORRUPT;
    raw_done(p, out, start, code, k, len);
    return DP_OK;
}
