/*
** crc.c -- CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78),
** the checksum of every section, chunk and block of an archive.
**
** CRC-32C is chosen over zlib's CRC-32 because x86-64 computes it in
** hardware (SSE4.2 crc32 instruction, about 8 bytes per cycle), so that
** checking every byte read from disk costs almost nothing.  Without the
** instruction a byte-wise table is used; both give the same values.
*/
#include "store.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <nmmintrin.h>
#define DP_HAVE_SSE42_CRC 1
#endif

/* The table is made of constant expressions at compile time: no global
** mutable state, no initialisation call. */
#define P 0x82F63B78u
#define S1(c) (((c) & 1) ? ((c) >> 1) ^ P : (c) >> 1)
#define S2(c) S1(S1(c))
#define S4(c) S2(S2(c))
#define S8(c) S4(S4(c))
#define R1(i) S8((uint32_t)(i))
#define R4(i) R1(i), R1(i + 1), R1(i + 2), R1(i + 3)
#define R16(i) R4(i), R4(i + 4), R4(i + 8), R4(i + 12)
#define R64(i) R16(i), R16(i + 16), R16(i + 32), R16(i + 48)
static const uint32_t crc_table[256] = {R64(0), R64(64), R64(128), R64(192)};

static uint32_t crc_sw(uint32_t crc, const uint8_t *p, size_t n)
{
    while (n--)
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

#ifdef DP_HAVE_SSE42_CRC
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc,
                                                         const uint8_t *p,
                                                         size_t n)
{
    uint64_t c = crc;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
        p += 8;
        n -= 8;
    }
    crc = (uint32_t)c;
    while (n--)
        crc = _mm_crc32_u8(crc, *p++);
    return crc;
}
#endif

uint32_t dp__crc32c(uint32_t crc, const void *p, size_t n)
{
    crc = ~crc;
#ifdef DP_HAVE_SSE42_CRC
    if (__builtin_cpu_supports("sse4.2"))
        return ~crc_hw(crc, p, n);
#endif
    return ~crc_sw(crc, p, n);
}
