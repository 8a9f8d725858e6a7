/*
** test_date.c -- dp_date_parse and dp_date_format.
**
** Each accepted form is checked for every part and its precision (by
** formatting it back); each refused form for its exact reason.
*/
#include "depeche.h"
#include "test.h"

/* Parse s; return the ISO form ("" on failure) and the precision. */
static const char *iso(const char *s, int *prec)
{
    static char out[64];
    dp_date d;
    out[0] = '\0';
    *prec = -1;
    if (dp_date_parse(s, strlen(s), &d, NULL) != DP_OK)
        return out;
    dp_date_format(&d, out, sizeof out);
    *prec = d.prec;
    return out;
}

/* The reason a date is refused, or "accepted". */
static const char *why(const char *s)
{
    dp_date d;
    const char *e = "unset";
    if (dp_date_parse(s, strlen(s), &d, &e) == DP_OK)
        return "accepted";
    if (d.prec != 0 || d.year != 0)
        return "out not zeroed";
    return e ? e : "(null)";
}

#define CHECK_DATE(s, want, wprec)                                       \
    do {                                                                 \
        int p_;                                                          \
        CHECK_EQ_STR(iso(s, &p_), want);                                 \
        CHECK_EQ_INT(p_, wprec);                                         \
    } while (0)

TEST(iso_precisions)
{
    CHECK_DATE("2022", "2022", DP_PREC_YEAR);
    CHECK_DATE("2022-01", "2022-01", DP_PREC_MONTH);
    CHECK_DATE("2022-01-28", "2022-01-28", DP_PREC_DAY);
    CHECK_DATE("20220128", "2022-01-28", DP_PREC_DAY);
    CHECK_DATE("  2022-01 \n", "2022-01", DP_PREC_MONTH);
    CHECK_DATE("2022-01-28T15:02", "2022-01-28T15:02:00", DP_PREC_TIME);
    CHECK_DATE("2022-01-28T15:02:15", "2022-01-28T15:02:15", DP_PREC_TIME);
    CHECK_DATE("2022-01-28 15:02:15", "2022-01-28T15:02:15", DP_PREC_TIME);
    CHECK_DATE("2022-01-28t150215", "2022-01-28T15:02:15", DP_PREC_TIME);
    CHECK_DATE("1788-12-31", "1788-12-31", DP_PREC_DAY);
}

TEST(iso_offsets_kept_as_written)
{
    dp_date d;
    CHECK_DATE("2022-01-28T15:02:15+01:00", "2022-01-28T15:02:15+01:00",
               DP_PREC_TIME);
    CHECK_DATE("2022-01-28T15:02:15.123456Z", "2022-01-28T15:02:15Z",
               DP_PREC_TIME);
    CHECK_DATE("2022-01-28T15:02:15-0800", "2022-01-28T15:02:15-08:00",
               DP_PREC_TIME);
    CHECK_DATE("2022-01-28T15:02+0530", "2022-01-28T15:02:00+05:30",
               DP_PREC_TIME);
    CHECK_DATE("2022-01-28 15:02:15 UTC", "2022-01-28T15:02:15Z", DP_PREC_TIME);
    CHECK_EQ_INT(dp_date_parse("2022-01-28T15:02:15-03:30", 25, &d, NULL), DP_OK);
    CHECK_EQ_INT(d.tz_min, -210);
    CHECK_EQ_INT(d.has_tz, 1);
    CHECK_EQ_INT(d.hour, 15); /* local time as written, not converted */
    CHECK_EQ_INT(dp_date_parse("2022-01-28T15:02:15", 19, &d, NULL), DP_OK);
    CHECK_EQ_INT(d.has_tz, 0);
}

TEST(rfc2822)
{
    CHECK_DATE("Fri, 28 Jan 2022 15:02:15 +0100", "2022-01-28T15:02:15+01:00",
               DP_PREC_TIME);
    CHECK_DATE("28 Jan 2022 15:02:15 GMT", "2022-01-28T15:02:15Z", DP_PREC_TIME);
    CHECK_DATE("Fri, 28 Jan 2022 15:02 EST", "2022-01-28T15:02:00-05:00",
               DP_PREC_TIME);
    CHECK_DATE("Mon, 3 Oct 2022 08:00:00 -0000", "2022-10-03T08:00:00Z",
               DP_PREC_TIME);
}

TEST(french_long_dates)
{
    CHECK_DATE("28 janvier 2022", "2022-01-28", DP_PREC_DAY);
    CHECK_DATE("vendredi 28 janvier 2022", "2022-01-28", DP_PREC_DAY);
    CHECK_DATE("Vendredi 28 Janvier 2022", "2022-01-28", DP_PREC_DAY);
    CHECK_DATE("1er février 2022", "2022-02-01", DP_PREC_DAY);
    CHECK_DATE("1er fevrier 2022", "2022-02-01", DP_PREC_DAY);
    CHECK_DATE("15 août 2022", "2022-08-15", DP_PREC_DAY);
    CHECK_DATE("3 DÉCEMBRE 2022", "2022-12-03", DP_PREC_DAY);
    CHECK_DATE("janvier 2022", "2022-01", DP_PREC_MONTH);
    CHECK_DATE("le 3 mars 2022", "2022-03-03", DP_PREC_DAY);
    CHECK_DATE("28 janv. 2022", "2022-01-28", DP_PREC_DAY);
    CHECK_DATE("28 août 2022 à 15h30", "2022-08-28T15:30:00", DP_PREC_TIME);
    CHECK_DATE("28 août 2022 à 15 h", "2022-08-28T15:00:00", DP_PREC_TIME);
}

TEST(english_long_dates)
{
    CHECK_DATE("January 28, 2022", "2022-01-28", DP_PREC_DAY);
    CHECK_DATE("28 January 2022", "2022-01-28", DP_PREC_DAY);
    CHECK_DATE("Jan 28 2022", "2022-01-28", DP_PREC_DAY);
    CHECK_DATE("January 2022", "2022-01", DP_PREC_MONTH);
    CHECK_DATE("Friday, January 28th, 2022", "2022-01-28", DP_PREC_DAY);
    CHECK_DATE("Sept. 1, 2022, 10:30", "2022-09-01T10:30:00", DP_PREC_TIME);
}

TEST(calendar_checked)
{
    CHECK_EQ_STR(why("2022-02-29"), "day out of range for the month");
    CHECK_EQ_STR(why("2024-02-29"), "accepted");
    CHECK_EQ_STR(why("1900-02-29"), "day out of range for the month");
    CHECK_EQ_STR(why("2000-02-29"), "accepted");
    CHECK_EQ_STR(why("2022-13-45"), "month out of range");
    CHECK_EQ_STR(why("2022-00"), "month out of range");
    CHECK_EQ_STR(why("2022-04-31"), "day out of range for the month");
    CHECK_EQ_STR(why("31 avril 2022"), "day out of range for the month");
    CHECK_EQ_STR(why("0000"), "year out of range");
    CHECK_EQ_STR(why("2022-01-28T24:00"), "hour out of range");
    CHECK_EQ_STR(why("2022-01-28T23:60"), "minute out of range");
    CHECK_EQ_STR(why("2022-01-28T23:59:60"), "accepted"); /* leap second */
    CHECK_EQ_STR(why("2022-01-28T23:59:61"), "second out of range");
    CHECK_EQ_STR(why("2022-01-28T10:00+19:00"), "timezone offset out of range");
}

TEST(refused_forms)
{
    CHECK_EQ_STR(why("22-01-28"), "two-digit year");
    CHECK_EQ_STR(why("28/01/22"), "two-digit year");
    CHECK_EQ_STR(why("28 Jan 22"), "two-digit year");
    CHECK_EQ_STR(why("janvier 22"), "two-digit year");
    CHECK_EQ_STR(why(""), "empty date");
    CHECK_EQ_STR(why("   "), "empty date");
    CHECK_EQ_STR(why("hier"), "unrecognised date");
    CHECK_EQ_STR(why("2022-1-5"), "bad month");
    CHECK_EQ_STR(why("2022-01-28 le matin"), "unexpected characters after the date");
    CHECK_EQ_STR(why("202201"), "unrecognised date");
    CHECK_EQ_STR(why("28 foo 2022"), "unrecognised date");
    CHECK_EQ_INT(dp_date_parse(NULL, 0, &(dp_date){0}, NULL), DP_EINVAL);
}

TEST(format_lengths)
{
    dp_date d;
    char buf[8];
    CHECK_EQ_INT(dp_date_parse("2022-01-28T15:02:15+01:00", 25, &d, NULL), DP_OK);
    /* Like snprintf: the length needed, a truncated NUL-terminated copy. */
    CHECK_EQ_INT(dp_date_format(&d, buf, sizeof buf), 25);
    CHECK_EQ_STR(buf, "2022-01");
    memset(&d, 0, sizeof d);
    buf[0] = 'x';
    CHECK_EQ_INT(dp_date_format(&d, buf, sizeof buf), 0);
    CHECK_EQ_STR(buf, "");
}

TEST_MAIN()
