/*
** fuzz_date.c -- fuzz target for dp_date_parse (date.c).
**
** Beyond "no crash" it checks the contract of depeche.h section 2: on
** failure *out is zeroed and errmsg is set; on success the fields are in
** range for the precision (the calendar checked), and dp_date_format
** writes a date that parses back to the same value (round trip).
*/
#include "fuzz.h"

#include <string.h>

static int days_in_month(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

static void check_fields(const dp_date *d)
{
    FUZZ_CHECK(d->prec >= DP_PREC_YEAR && d->prec <= DP_PREC_TIME);
    FUZZ_CHECK(d->year >= 1 && d->year <= 9999);
    if (d->prec >= DP_PREC_MONTH)
        FUZZ_CHECK(d->month >= 1 && d->month <= 12);
    else
        FUZZ_CHECK(d->month == 0);
    if (d->prec >= DP_PREC_DAY)
        FUZZ_CHECK(d->day >= 1 && d->day <= days_in_month(d->year, d->month));
    else
        FUZZ_CHECK(d->day == 0);
    if (d->prec == DP_PREC_TIME)
        FUZZ_CHECK(d->hour <= 23 && d->minute <= 59 && d->second <= 60);
    FUZZ_CHECK(d->has_tz <= 1);
    if (d->has_tz)
        FUZZ_CHECK(d->tz_min > -24 * 60 && d->tz_min < 24 * 60);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const dp_date zero;
    const char *why = NULL;
    dp_date d, back;
    char buf[64], small[8];

    int rc = dp_date_parse((const char *)data, size, &d, &why);
    if (rc != DP_OK) {
        FUZZ_CHECK(rc == DP_EINVAL);
        FUZZ_CHECK(why != NULL && strlen(why) > 0);
        FUZZ_CHECK(memcmp(&d, &zero, sizeof d) == 0);
        return 0;
    }
    check_fields(&d);
    size_t n = dp_date_format(&d, buf, sizeof buf);
    FUZZ_CHECK(n > 0 && n < sizeof buf && strlen(buf) == n);
    /* Truncation behaves like snprintf. */
    size_t n2 = dp_date_format(&d, small, sizeof small);
    FUZZ_CHECK(n2 == n && strlen(small) == (n < sizeof small ? n : sizeof small - 1));
    rc = dp_date_parse(buf, n, &back, &why);
    if (rc != DP_OK)
        fprintf(stderr, "formatted \"%s\" does not parse: %s\n", buf, why);
    FUZZ_CHECK(rc == DP_OK);
    FUZZ_CHECK(back.year == d.year && back.month == d.month &&
               back.day == d.day && back.prec == d.prec);
    if (d.prec == DP_PREC_TIME)
        FUZZ_CHECK(back.hour == d.hour && back.minute == d.minute &&
                   back.second == d.second && back.has_tz == d.has_tz &&
                   (!d.has_tz || back.tz_min == d.tz_min));
    return 0;
}
