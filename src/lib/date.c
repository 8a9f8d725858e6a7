/*
** date.c -- parsing and formatting the dates news records carry.
**
** Two parsers share the calendar checks.  The ISO 8601 parser reads the
** fixed-width numeric forms (2022, 2022-01, 2022-01-28, 20220128 and
** timestamps with optional fractions and offsets).  The word parser reads
** everything written with month names: RFC 2822 ("Fri, 28 Jan 2022
** 15:02:15 +0100") and French and English long dates ("vendredi 28
** janvier 2022", "1er février 2022", "January 28, 2022", "janvier 2022").
** Both keep the precision that was written and never invent the parts
** that were not: "janvier 2022" is month-precise with day 0.  Weekday
** names are accepted and ignored (feeds often get them wrong, and the
** date itself is what counts).  Two-digit years are refused, since
** guessing the century is how archives end up with articles from 1922.
*/
#include "dp_int.h"

#include <stdio.h>

/* A cursor over the date text, with the reason of the first failure. */
typedef struct dparse {
    const unsigned char *s;
    size_t i, n;
    const char *err;
} dparse;

/* Record why the text is refused (the first reason wins) and fail. */
static bool fail(dparse *p, const char *why)
{
    if (p->err == NULL)
        p->err = why;
    return false;
}

static bool refuse(const char **err, const char *why)
{
    *err = why;
    return false;
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* Read exactly `width` digits; false (cursor unchanged) otherwise. */
static bool read_fixed(dparse *p, int width, int *out)
{
    int v = 0;
    if (p->n - p->i < (size_t)width)
        return false;
    for (int k = 0; k < width; k++) {
        int c = p->s[p->i + (size_t)k];
        if (!is_digit(c))
            return false;
        v = v * 10 + (c - '0');
    }
    p->i += (size_t)width;
    *out = v;
    return true;
}

/* Number of consecutive digits at the cursor. */
static size_t digit_run(const dparse *p)
{
    size_t k = p->i;
    while (k < p->n && is_digit(p->s[k]))
        k++;
    return k - p->i;
}

static bool at(const dparse *p, int c)
{
    return p->i < p->n && p->s[p->i] == c;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30,
                               31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Check the parts present at d->prec; sets err and returns false. */
static bool check_calendar(const dp_date *d, const char **err)
{
    if (d->year < 1 || d->year > 9999)
        return refuse(err, "year out of range");
    if (d->prec >= DP_PREC_MONTH && (d->month < 1 || d->month > 12))
        return refuse(err, "month out of range");
    if (d->prec >= DP_PREC_DAY &&
        (d->day < 1 || d->day > days_in_month(d->year, d->month)))
        return refuse(err, "day out of range for the month");
    if (d->prec == DP_PREC_TIME) {
        if (d->hour > 23)
            return refuse(err, "hour out of range");
        if (d->minute > 59)
            return refuse(err, "minute out of range");
        if (d->second > 60)
            return refuse(err, "second out of range");
    }
    if (d->has_tz && (d->tz_min < -18 * 60 || d->tz_min > 18 * 60))
        return refuse(err, "timezone offset out of range");
    return true;
}

/* A named zone of RFC 2822 (and the two of central Europe). */
static bool zone_name(const char *w, size_t n, int *min)
{
    static const struct { const char *name; int min; } zones[] = {
        {"z", 0},      {"ut", 0},     {"utc", 0},    {"gmt", 0},
        {"est", -300}, {"edt", -240}, {"cst", -360}, {"cdt", -300},
        {"mst", -420}, {"mdt", -360}, {"pst", -480}, {"pdt", -420},
        {"cet", 60},   {"cest", 120},
    };
    for (size_t k = 0; k < DP_ARRAY_LEN(zones); k++) {
        if (strlen(zones[k].name) == n && strncasecmp(w, zones[k].name, n) == 0) {
            *min = zones[k].min;
            return true;
        }
    }
    return false;
}

/* Numeric offset: Z, +hh, +hhmm, +hh:mm (also -).  Cursor at the sign. */
static bool read_offset(dparse *p, dp_date *d)
{
    int sign, hh, mm = 0;
    if (at(p, 'Z') || at(p, 'z')) {
        p->i++;
        d->has_tz = 1;
        d->tz_min = 0;
        return true;
    }
    if (!at(p, '+') && !at(p, '-'))
        return false;
    sign = p->s[p->i] == '-' ? -1 : 1;
    p->i++;
    if (!read_fixed(p, 2, &hh))
        return fail(p, "bad timezone offset");
    if (at(p, ':')) {
        p->i++;
        if (!read_fixed(p, 2, &mm))
            return fail(p, "bad timezone offset");
    } else if (digit_run(p) >= 2) {
        read_fixed(p, 2, &mm);
    }
    if (mm > 59)
        return fail(p, "timezone offset out of range");
    d->has_tz = 1;
    d->tz_min = (int16_t)(sign * (hh * 60 + mm));
    return true;
}

/* hh:mm[:ss[.frac]] (extended) or, when `basic`, hhmm[ss]. */
static bool read_clock(dparse *p, dp_date *d, bool basic)
{
    int hh, mm, ss = 0;
    if (!read_fixed(p, 2, &hh))
        return fail(p, "bad time of day");
    bool colon = at(p, ':');
    if (colon)
        p->i++;
    else if (!basic)
        return fail(p, "bad time of day");
    if (!read_fixed(p, 2, &mm))
        return fail(p, "bad time of day");
    if (colon ? at(p, ':') : digit_run(p) >= 2) {
        if (colon)
            p->i++;
        if (!read_fixed(p, 2, &ss))
            return fail(p, "bad time of day");
        if (at(p, '.') || at(p, ',')) {
            p->i++;
            if (digit_run(p) == 0)
                return fail(p, "bad fraction of second");
            p->i += digit_run(p); /* fractions are read and dropped */
        }
    }
    d->hour = (uint8_t)hh;
    d->minute = (uint8_t)mm;
    d->second = (uint8_t)ss;
    d->prec = DP_PREC_TIME;
    return true;
}

static void skip_spaces(dparse *p)
{
    while (p->i < p->n && is_space(p->s[p->i]))
        p->i++;
}

static bool is_alpha_ascii(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* After a clock: an optional offset, or a space and a zone name. */
static bool read_zone(dparse *p, dp_date *d)
{
    size_t save = p->i, k;
    int min;
    if (at(p, '+') || at(p, '-'))
        return read_offset(p, d);
    if ((at(p, 'Z') || at(p, 'z')) &&
        (p->i + 1 == p->n || !is_alpha_ascii(p->s[p->i + 1])))
        return read_offset(p, d);
    skip_spaces(p);
    if (at(p, '+') || at(p, '-'))
        return read_offset(p, d);
    k = p->i;
    while (k < p->n && is_alpha_ascii(p->s[k]))
        k++;
    if (k > p->i && zone_name((const char *)p->s + p->i, k - p->i, &min)) {
        p->i = k;
        d->has_tz = 1;
        d->tz_min = (int16_t)min;
        return true;
    }
    p->i = save;
    return true;
}

/*
** ISO 8601: YYYY, YYYY-MM, YYYY-MM-DD, YYYYMMDD, then optionally T (or a
** space before an extended hh:mm) and a clock, then an offset.  Returns
** false with p->err set, or with p->err NULL when the text is not ISO at
** all (so the word parser may try).
*/
static bool parse_iso(dparse *p, dp_date *d)
{
    size_t run = digit_run(p);
    int y = 0, m = 0, dd = 0;

    if (run == 8) {
        read_fixed(p, 4, &y);
        read_fixed(p, 2, &m);
        read_fixed(p, 2, &dd);
        d->prec = DP_PREC_DAY;
    } else if (run == 4) {
        read_fixed(p, 4, &y);
        d->prec = DP_PREC_YEAR;
        if (at(p, '-')) {
            p->i++;
            if (!read_fixed(p, 2, &m) || digit_run(p) > 0)
                return fail(p, "bad month");
            d->month = (uint8_t)m;
            d->prec = DP_PREC_MONTH;
            if (at(p, '-')) {
                p->i++;
                if (!read_fixed(p, 2, &dd) || digit_run(p) > 0)
                    return fail(p, "bad day");
                d->day = (uint8_t)dd;
                d->prec = DP_PREC_DAY;
            }
        }
        d->year = (int16_t)y;
    } else {
        if (run >= 1 && run <= 2 && p->i + run < p->n &&
            (p->s[p->i + run] == '-' || p->s[p->i + run] == '/')) {
            /* 22-01-28 or 28/01/22: only a guess could tell. */
            size_t k = p->i + run + 1;
            while (k < p->n && (is_digit(p->s[k]) || p->s[k] == '-' || p->s[k] == '/'))
                k++;
            if (k - p->i <= 8)
                return fail(p, "two-digit year");
        }
        return false;
    }
    if (run == 8) {
        d->year = (int16_t)y;
        d->month = (uint8_t)m;
        d->day = (uint8_t)dd;
    }
    if (d->prec == DP_PREC_DAY) {
        if (at(p, 'T') || at(p, 't')) {
            p->i++;
            if (!read_clock(p, d, true))
                return false;
            if (!read_zone(p, d))
                return false;
        } else if (at(p, ' ') && p->n - p->i >= 6 && is_digit(p->s[p->i + 1]) &&
                   is_digit(p->s[p->i + 2]) && p->s[p->i + 3] == ':') {
            p->i++;
            if (!read_clock(p, d, false))
                return false;
            if (!read_zone(p, d))
                return false;
        }
    }
    skip_spaces(p);
    if (p->i != p->n)
        return fail(p, "unexpected characters after the date");
    return true;
}

/* Fold one word (ASCII letters and the accents of French month and day
** names) into out[cap]; returns its length or 0 if it is not a word. */
static size_t read_word(dparse *p, char *out, size_t cap)
{
    size_t o = 0, k = p->i;
    while (k < p->n) {
        int c = p->s[k];
        if (is_alpha_ascii(c)) {
            if (o + 1 >= cap)
                return 0;
            out[o++] = (char)(c | 0x20);
            k++;
        } else if (c == 0xC3 && k + 1 < p->n) {
            int c2 = p->s[k + 1] | 0x20; /* é É -> e9, û Û -> fb ... */
            char f = c2 >= 0xA8 && c2 <= 0xAB   ? 'e'
                     : c2 >= 0xB9 && c2 <= 0xBC ? 'u'
                     : c2 >= 0xB2 && c2 <= 0xB6 ? 'o'
                     : c2 >= 0xA0 && c2 <= 0xA5 ? 'a'
                     : c2 >= 0xAC && c2 <= 0xAF ? 'i'
                     : c2 == 0xA7               ? 'c'
                                                : 0;
            if (f == 0 || o + 1 >= cap)
                return 0;
            out[o++] = f;
            k += 2;
        } else {
            break;
        }
    }
    if (o > 0)
        p->i = k;
    return o;
}

static int lookup(const char *w, size_t n, const char *const *names,
                  const uint8_t *values, size_t count)
{
    for (size_t k = 0; k < count; k++)
        if (strlen(names[k]) == n && memcmp(names[k], w, n) == 0)
            return values[k];
    return 0;
}

static int month_number(const char *w, size_t n)
{
    static const char *const names[] = {
        "janvier", "janv", "january", "jan",   "fevrier", "fevr", "fev",
        "february", "feb", "mars",    "march", "mar",     "avril", "avr",
        "april",   "apr",  "mai",     "may",   "juin",    "june",  "jun",
        "juillet", "juil", "july",    "jul",   "aout",    "august", "aug",
        "septembre", "september", "sept", "sep", "octobre", "october", "oct",
        "novembre", "november", "nov", "decembre", "december", "dec",
    };
    static const uint8_t values[] = {
        1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5, 6, 6, 6,
        7, 7, 7, 7, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 11, 11, 11, 12, 12, 12,
    };
    return lookup(w, n, names, values, DP_ARRAY_LEN(names));
}

static bool is_weekday(const char *w, size_t n)
{
    static const char *const names[] = {
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
        "dimanche", "lun", "mer", "jeu", "ven", "sam", "dim", "monday",
        "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat",
        "sun",
    };
    static const uint8_t ones[DP_ARRAY_LEN(names)] = {
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    };
    return lookup(w, n, names, ones, DP_ARRAY_LEN(names)) != 0;
}

/* Skip one optional punctuation character c. */
static void opt_char(dparse *p, int c)
{
    if (at(p, c))
        p->i++;
}

/* A day number with an optional ordinal suffix (1er, 1re, 1st, 28th). */
static bool read_day(dparse *p, int *day)
{
    size_t run = digit_run(p);
    char w[8];
    if (run < 1 || run > 2)
        return false;
    read_fixed(p, (int)run, day);
    size_t save = p->i;
    size_t n = read_word(p, w, sizeof w);
    if (n > 0 && !((n == 2 && (!memcmp(w, "er", 2) || !memcmp(w, "re", 2) ||
                              !memcmp(w, "st", 2) || !memcmp(w, "nd", 2) ||
                              !memcmp(w, "rd", 2) || !memcmp(w, "th", 2)))))
        p->i = save;
    opt_char(p, '.');
    return true;
}

/* A month name, with an optional abbreviation dot. */
static int read_month(dparse *p)
{
    char w[16];
    size_t save = p->i;
    size_t n = read_word(p, w, sizeof w);
    int m = n ? month_number(w, n) : 0;
    if (m == 0) {
        p->i = save;
        return 0;
    }
    opt_char(p, '.');
    return m;
}

/* A four-digit year; sets err for two-digit ones. */
static bool read_year(dparse *p, int *year)
{
    size_t run = digit_run(p);
    if (run == 2)
        return fail(p, "two-digit year");
    if (run != 4)
        return fail(p, "missing or bad year");
    read_fixed(p, 4, year);
    return true;
}

/* Optional time after a long date: "15:02[:15]", "15h02", "15 h 02",
** after an optional "à", "a", "at" or comma; then an optional zone. */
static bool read_long_time(dparse *p, dp_date *d)
{
    char w[4];
    size_t save = p->i, n;
    int hh, mm = 0;

    skip_spaces(p);
    opt_char(p, ',');
    skip_spaces(p);
    n = read_word(p, w, sizeof w);
    if (n > 0 && !((n == 1 && w[0] == 'a') || (n == 2 && !memcmp(w, "at", 2)))) {
        p->i = save;
        return true;
    }
    skip_spaces(p);
    if (digit_run(p) != 2 && digit_run(p) != 1) {
        p->i = save;
        return true;
    }
    if (digit_run(p) == 2 && p->i + 2 < p->n && p->s[p->i + 2] == ':') {
        if (!read_clock(p, d, false))
            return false;
        return read_zone(p, d);
    }
    read_fixed(p, (int)digit_run(p), &hh);
    skip_spaces(p);
    if (!at(p, 'h') && !at(p, 'H')) {
        p->i = save;
        return true;
    }
    p->i++;
    skip_spaces(p);
    if (digit_run(p) == 2)
        read_fixed(p, 2, &mm);
    d->hour = (uint8_t)hh;
    d->minute = (uint8_t)mm;
    d->second = 0;
    d->prec = DP_PREC_TIME;
    return read_zone(p, d);
}

/*
** Dates written with month names:
**   [weekday[,]] day[suffix] month[.][,] year [time]
**   [weekday[,]] month[.] day[suffix][,] year [time]
**   month year
*/
static bool parse_words(dparse *p, dp_date *d)
{
    char w[16];
    size_t save = p->i;
    int day = 0, month, year = 0;

    {
        size_t wn = read_word(p, w, sizeof w);
        if (wn > 0 && ((wn == 2 && !memcmp(w, "le", 2)) ||
                       (wn == 3 && !memcmp(w, "the", 3)))) {
            skip_spaces(p);
            save = p->i;
            wn = read_word(p, w, sizeof w);
        }
        if (wn > 0 && is_weekday(w, wn)) {
            opt_char(p, '.');
            skip_spaces(p);
            opt_char(p, ',');
            skip_spaces(p);
        } else {
            p->i = save;
        }
    }
    if (read_day(p, &day)) {
        skip_spaces(p);
        month = read_month(p);
        if (month == 0)
            return fail(p, "unrecognised date");
        skip_spaces(p);
        opt_char(p, ',');
        skip_spaces(p);
        if (!read_year(p, &year))
            return false;
    } else {
        month = read_month(p);
        if (month == 0)
            return fail(p, "unrecognised date");
        skip_spaces(p);
        if (digit_run(p) == 4) {
            read_fixed(p, 4, &year);
        } else if (digit_run(p) == 2 && p->i + 2 == p->n) {
            return fail(p, "two-digit year"); /* "janvier 22" */
        } else {
            if (!read_day(p, &day))
                return fail(p, "unrecognised date");
            skip_spaces(p);
            opt_char(p, ',');
            skip_spaces(p);
            if (!read_year(p, &year))
                return false;
        }
    }
    d->year = (int16_t)year;
    d->month = (uint8_t)month;
    d->day = (uint8_t)day;
    d->prec = day ? DP_PREC_DAY : DP_PREC_MONTH;
    if (day && !read_long_time(p, d))
        return false;
    skip_spaces(p);
    if (p->i != p->n)
        return fail(p, "unexpected characters after the date");
    return true;
}

int dp_date_parse(const char *s, size_t n, dp_date *out, const char **errmsg)
{
    dparse p = {(const unsigned char *)s, 0, n, NULL};
    dp_date d;
    bool ok;

    memset(&d, 0, sizeof d);
    memset(out, 0, sizeof *out);
    if (s == NULL)
        n = p.n = 0;
    skip_spaces(&p);
    while (p.n > p.i && is_space(p.s[p.n - 1]))
        p.n--;
    if (p.i == p.n) {
        p.err = "empty date";
        goto fail;
    }
    if (is_digit(p.s[p.i]) && digit_run(&p) != 1 && digit_run(&p) != 2) {
        ok = parse_iso(&p, &d);
    } else if (is_digit(p.s[p.i])) {
        ok = parse_iso(&p, &d);
        if (!ok && p.err == NULL) {
            memset(&d, 0, sizeof d);
            ok = parse_words(&p, &d);
        }
    } else {
        ok = parse_words(&p, &d);
    }
    if (!ok) {
        if (p.err == NULL)
            p.err = "unrecognised date";
        goto fail;
    }
    if (!check_calendar(&d, &p.err))
        goto fail;
    *out = d;
    if (errmsg)
        *errmsg = NULL;
    return DP_OK;
fail:
    if (errmsg)
        *errmsg = p.err;
    return DP_EINVAL;
}

size_t dp_date_format(const dp_date *d, char *buf, size_t cap)
{
    char tmp[40];
    int len = 0;

    switch (d->prec) {
    case DP_PREC_YEAR:
        len = snprintf(tmp, sizeof tmp, "%04d", d->year);
        break;
    case DP_PREC_MONTH:
        len = snprintf(tmp, sizeof tmp, "%04d-%02d", d->year, d->month);
        break;
    case DP_PREC_DAY:
        len = snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", d->year, d->month,
                       d->day);
        break;
    case DP_PREC_TIME:
        len = snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d",
                       d->year, d->month, d->day, d->hour, d->minute,
                       d->second);
        if (d->has_tz && d->tz_min == 0) {
            len += snprintf(tmp + len, sizeof tmp - (size_t)len, "Z");
        } else if (d->has_tz) {
            int m = d->tz_min < 0 ? -d->tz_min : d->tz_min;
            len += snprintf(tmp + len, sizeof tmp - (size_t)len,
                            "%c%02d:%02d", d->tz_min < 0 ? '-' : '+', m / 60,
                            m % 60);
        }
        break;
    default:
        if (cap > 0)
            buf[0] = '\0';
        return 0;
    }
    if (len < 0)
        len = 0;
    if (cap > 0) {
        size_t c = (size_t)len < cap ? (size_t)len : cap - 1;
        memcpy(buf, tmp, c);
        buf[c] = '\0';
    }
    return (size_t)len;
}
