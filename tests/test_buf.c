/* test_buf.c -- growable buffers, UTF-8 helpers and the allocation hook. */
#include "dp_int.h"
#include "test.h"

TEST(buf_append_and_limit)
{
    dp_buf b = DP_BUF_INIT;
    CHECK_EQ_INT(dp__buf_append(&b, "abc", 3), DP_OK);
    CHECK_EQ_INT(dp__buf_printf(&b, "-%d", 42), DP_OK);
    CHECK_EQ_STR(b.p, "abc-42");
    b.limit = 8;
    CHECK_EQ_INT(dp__buf_append(&b, "xy", 2), DP_OK);
    CHECK_EQ_INT(dp__buf_append(&b, "z", 1), DP_EINVAL);
    CHECK_EQ_STR(b.p, "abc-42xy");
    dp__buf_free(&b);
}

TEST(buf_alloc_failure)
{
    dp_buf b = DP_BUF_INIT;
    dp__alloc_fail_after(0);
    CHECK_EQ_INT(dp__buf_append(&b, "abc", 3), DP_ENOMEM);
    dp__alloc_fail_after(-1);
    CHECK(b.p == NULL && b.n == 0);
    CHECK_EQ_INT(dp__buf_append(&b, "abc", 3), DP_OK);
    dp__buf_free(&b);
}

TEST(utf8_strict)
{
    int32_t cp;
    CHECK_EQ_INT(dp__utf8_decode((const unsigned char *)"\xc3\xa9", 2, &cp), 2);
    CHECK_EQ_INT(cp, 0xE9);
    /* overlong, surrogate, truncated, out of range */
    CHECK_EQ_INT(dp__utf8_decode((const unsigned char *)"\xc0\xaf", 2, &cp), 0);
    CHECK_EQ_INT(dp__utf8_decode((const unsigned char *)"\xed\xa0\x80", 3, &cp), 0);
    CHECK_EQ_INT(dp__utf8_decode((const unsigned char *)"\xe2\x80", 2, &cp), 0);
    CHECK_EQ_INT(dp__utf8_decode((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp), 0);
    CHECK_EQ_INT(dp__utf8_valid_prefix("abcdefghij\xc3\xa9z\xff", 14), 13);
    char out[4];
    CHECK_EQ_INT(dp__utf8_encode(0x2019, out), 3);
    CHECK(memcmp(out, "\xe2\x80\x99", 3) == 0);
}

TEST(strerror_names_every_code)
{
    for (int rc = DP_EBUSY; rc <= DP_OK; rc++)
        CHECK(strcmp(dp_strerror(rc), "unknown error") != 0);
    CHECK_EQ_STR(dp_strerror(-999), "unknown error");
}

TEST_MAIN()
