/* test_query.c -- the query parser and its analysis pass: every operator,
** precedence, stop words, dates, and every error with its exact column
** and message. */
#include "dp_int.h"
#include "test.h"

#include <stdlib.h>

static dp_analyzer *the_analyzer(void)
{
    static dp_analyzer *a;
    if (a == NULL && dp_analyzer_new(&a, NULL) != DP_OK)
        abort();
    return a;
}

/* The analysed tree of q as an s-expression, or "ERR <message>". */
static const char *tree(const char *text)
{
    static char out[4096];
    dp_query_options o = DP_QUERY_OPTIONS_INIT;
    dp_query_error e;
    dp_query *q;
    int rc;

    o.analyzer = the_analyzer();
    rc = dp_query_parse(text, strlen(text), &o, &q, &e);
    if (rc == DP_ESYNTAX) {
        snprintf(out, sizeof out, "ERR %s", e.message);
        return out;
    }
    if (rc != DP_OK) {
        snprintf(out, sizeof out, "RC %d", rc);
        return out;
    }
    dp_query_explain(q, out, sizeof out);
    dp_query_free(q);
    return out;
}

TEST(words_and_implicit_and)
{
    CHECK_EQ_STR(tree("macron"), "macron");
    CHECK_EQ_STR(tree("Macron Poutine"), "(and macron poutin)");
    CHECK_EQ_STR(tree("Élysée"), "elyse");
    CHECK_EQ_STR(tree("l'Élysée"), "elyse");
    CHECK_EQ_STR(tree("otan AND russie"), "(and otan russ)");
    CHECK_EQ_STR(tree("  russie   ukraine  "), "(and russ ukrain)");
}

TEST(or_and_precedence)
{
    CHECK_EQ_STR(tree("russie OR ukraine"), "(or russ ukrain)");
    CHECK_EQ_STR(tree("otan russie OR ukraine"),
                 "(or (and otan russ) ukrain)");
    CHECK_EQ_STR(tree("otan (russie OR ukraine)"),
                 "(and otan (or russ ukrain))");
    CHECK_EQ_STR(tree("gaz OR blé OR riz"), "(or gaz ble riz)");
    CHECK_EQ_STR(tree("(gaz OR blé) OR (riz OR x)"), "(or gaz ble riz x)");
    CHECK_EQ_STR(tree("((((otan))))"), "otan");
    /* lower-case and/or/not are words */
    CHECK_EQ_STR(tree("otan or russie"), "(and otan or russ)");
    CHECK_EQ_STR(tree("otan and russie"), "(and otan and russ)");
}

TEST(negations)
{
    CHECK_EQ_STR(tree("otan -russie"), "(and otan (not russ))");
    CHECK_EQ_STR(tree("otan NOT russie"), "(and otan (not russ))");
    CHECK_EQ_STR(tree("otan AND NOT russie"), "(and otan (not russ))");
    CHECK_EQ_STR(tree("NOT russie"), "(and all (not russ))");
    CHECK_EQ_STR(tree("-russie -otan"), "(and all (not russ) (not otan))");
    CHECK_EQ_STR(tree("gaz OR -riz"), "(or gaz (and all (not riz)))");
    CHECK_EQ_STR(tree("otan -(russie OR ukraine)"),
                 "(and otan (not (or russ ukrain)))");
    CHECK_EQ_STR(tree("NOT NOT otan"),
                 "(and all (not (and all (not otan))))");
    /* a lone '-' is punctuation, not an operator */
    CHECK_EQ_STR(tree("macron - poutine"), "(and macron poutin)");
}

TEST(phrases_prefix_exact_near)
{
    CHECK_EQ_STR(tree("\"le président russe\""), "\"le president russ\"");
    CHECK_EQ_STR(tree("\"Macron\""), "macron");
    CHECK_EQ_STR(tree("Etats-Unis"), "\"etat unis\"");
    CHECK_EQ_STR(tree("presid*"), "presid*");
    CHECK_EQ_STR(tree("Écono*"), "econo*");
    CHECK_EQ_STR(tree("=Présidents"), "=presidents");
    /* Exact forms inside phrases: per word, or the whole phrase with =". */
    CHECK_EQ_STR(tree("\"les =Présidents russes\""), "\"le =presidents russ\"");
    CHECK_EQ_STR(tree("=\"les Présidents russes\""),
                 "\"=les =presidents =russes\"");
    CHECK_EQ_STR(tree("\"les =Etats-Unis\""), "\"le =etats =unis\"");
    CHECK_EQ_STR(tree("=\"Macron\""), "=macron");
    CHECK_EQ_STR(tree("macron NEAR/5 poutine"), "(near/5 macron poutin)");
    CHECK_EQ_STR(tree("macron NEAR poutine"), "(near/10 macron poutin)");
    /* A prefix inside a phrase, on the folded form, at its place. */
    CHECK_EQ_STR(tree("\"guerre en Ukr*\""), "\"guerr en ukr*\"");
    CHECK_EQ_STR(tree("\"Écono* mondiale\""), "\"econo* mondial\"");
    CHECK_EQ_STR(tree("title:\"mer noi*\""), "title:\"mer noi*\"");
    CHECK_EQ_STR(tree("\"guerre =ukr*\""),
                 "ERR column 1: '=' and '*' cannot be combined");
    CHECK_EQ_STR(tree("=\"guerre ukr*\""),
                 "ERR column 1: '=' and '*' cannot be combined");
    CHECK_EQ_STR(tree("\"guerre *\""),
                 "ERR column 1: '*' must end a word, for a prefix (word*)");
    CHECK_EQ_STR(tree("\"guerre ukr**\""),
                 "ERR column 1: '*' must end a word, for a prefix (word*)");
    CHECK_EQ_STR(tree("\"ab*cd\""),
                 "ERR column 1: '*' must end a word, for a prefix (word*)");
    CHECK_EQ_STR(tree("\"la guerre*, en ukr*.\""),
                 "\"la guerre* en ukr*\"");
    /* a stop word's prefix followed by punctuation, outside quotes: kept,
    ** as "de*" is */
    CHECK_EQ_STR(tree("ukraine de*,"), "(and ukrain de*)");
    CHECK_EQ_STR(tree("ukraine de*"), "(and ukrain de*)");
    CHECK_EQ_STR(tree("\"mer noire\" NEAR/3 otan*"),
                 "(near/3 \"mer noir\" otan*)");
    CHECK_EQ_STR(tree("x NEAR/2 y z"), "(and (near/2 x y) z)");
}

TEST(fields_and_dates)
{
    CHECK_EQ_STR(tree("title:otan"), "title:otan");
    CHECK_EQ_STR(tree("title:\"mer noire\""), "title:\"mer noir\"");
    CHECK_EQ_STR(tree("TITLE:otan"), "title:otan");
    CHECK_EQ_STR(tree("source:lemonde lang:fr otan"),
                 "(and source:lemonde lang:fr otan)");
    CHECK_EQ_STR(tree("date:2022"), "date:2022-01-01..2022-12-31");
    CHECK_EQ_STR(tree("date:2022-02"), "date:2022-02-01..2022-02-28");
    CHECK_EQ_STR(tree("date:2024-02"), "date:2024-02-01..2024-02-29");
    CHECK_EQ_STR(tree("date:2022-01-15..2022-03"),
                 "date:2022-01-15..2022-03-31");
    CHECK_EQ_STR(tree("date:..2021"), "date:..2021-12-31");
    CHECK_EQ_STR(tree("date:2022-06.."), "date:2022-06-01..");
    CHECK_EQ_STR(tree("otan date:2022-06"),
                 "(and otan date:2022-06-01..2022-06-30)");
    CHECK_EQ_STR(tree("-date:2022"),
                 "(and all (not date:2022-01-01..2022-12-31))");
}

TEST(stop_words)
{
    CHECK_EQ_STR(tree("le président de la République"),
                 "(and president republ)");
    CHECK_EQ_STR(tree("le la"), "(and le la)");
    CHECK_EQ_STR(tree("de"), "de");
    CHECK_EQ_STR(tree("\"de la\" macron"), "(and \"de la\" macron)");
    CHECK_EQ_STR(tree("=le macron"), "(and =le macron)");
    CHECK_EQ_STR(tree("le NEAR/2 macron"), "(near/2 le macron)");
    CHECK_EQ_STR(tree("le -macron"), "(and all (not macron))");
}

TEST(syntax_errors_with_columns)
{
    CHECK_EQ_STR(tree(""), "ERR column 1: empty query");
    CHECK_EQ_STR(tree("   "), "ERR column 4: empty query");
    CHECK_EQ_STR(tree("otan AND (russie OR ukraine"),
                 "ERR column 28: expected ')' to close '(' opened at column 10");
    CHECK_EQ_STR(tree("(a b"),
                 "ERR column 5: expected ')' to close '(' opened at column 1");
    CHECK_EQ_STR(tree("a b)"),
                 "ERR column 4: unexpected ')' without a matching '('");
    CHECK_EQ_STR(tree("\"mer noire"),
                 "ERR column 11: expected '\"' to close the phrase opened at "
                 "column 1");
    CHECK_EQ_STR(tree("AND"), "ERR column 1: expected a term before 'AND'");
    CHECK_EQ_STR(tree("OR b"), "ERR column 1: expected a term before 'OR'");
    CHECK_EQ_STR(tree("a OR"),
                 "ERR column 5: expected a term after 'OR' at column 3, "
                 "found the end of the query");
    CHECK_EQ_STR(tree("a AND OR b"),
                 "ERR column 7: expected a term after 'AND' at column 3, "
                 "found 'OR'");
    CHECK_EQ_STR(tree("NOT"),
                 "ERR column 4: expected a term after 'NOT' at column 1, "
                 "found the end of the query");
    CHECK_EQ_STR(tree("()"), "ERR column 2: expected a term before ')'");
    CHECK_EQ_STR(tree("a NEAR/x b"),
                 "ERR column 8: expected a number after 'NEAR/'");
    CHECK_EQ_STR(tree("a NEAR/5"),
                 "ERR column 9: expected a term after 'NEAR' at column 3, "
                 "found the end of the query");
    CHECK_EQ_STR(tree("(a b) NEAR/5 c"),
                 "ERR column 7: NEAR needs a word, a phrase or a prefix on its "
                 "left");
    CHECK_EQ_STR(tree("a NEAR b NEAR c"),
                 "ERR column 10: NEAR cannot be chained: combine two NEAR "
                 "with AND");
    CHECK_EQ_STR(tree("*"), "ERR column 1: expected letters before '*'");
    /* other engines' syntax: an error saying what to write, not a query
    ** that silently means something else */
    CHECK_EQ_STR(tree("guerre || paix"),
                 "ERR column 8: '||' is not an operator: write OR");
    CHECK_EQ_STR(tree("guerre && paix"),
                 "ERR column 8: '&&' is not an operator: write AND (or "
                 "nothing: words are all required)");
    CHECK_EQ_STR(tree("ukr?ine"), "ERR column 4: '?' (one-letter wildcard) "
                                  "is not supported: write a prefix (ukr*)");
    CHECK_EQ_STR(tree("guerre^2"),
                 "ERR column 7: '^' (boost) is not supported");
    CHECK_EQ_STR(tree("\"guerre en ukraine\"~5"),
                 "ERR column 20: '~' (fuzzy or proximity search) is not "
                 "supported: for words near each other write a NEAR/n b");
    CHECK_EQ_STR(tree("paix guerre~"),
                 "ERR column 12: '~' (fuzzy or proximity search) is not "
                 "supported: for words near each other write a NEAR/n b");
    /* a question mark ending a word, or text in quotes, is punctuation */
    CHECK_EQ_STR(tree("pourquoi?"), "pourquoi");
    CHECK_EQ_STR(tree("\"ukr?ine\""), "\"ukr ine\"");
    CHECK_EQ_STR(tree("= a"), "ERR column 1: expected a word after '='");
    CHECK_EQ_STR(tree("title: otan"),
                 "ERR column 7: expected a word or a phrase after 'title:'");
    CHECK_EQ_STR(tree("!!! ..."),
                 "ERR column 1: no searchable word in the query");
}

TEST(date_errors)
{
    CHECK_EQ_STR(tree("date:2022-13"),
                 "ERR column 6: invalid date '2022-13': month out of range");
    CHECK_EQ_STR(tree("otan date:2022-02-30"),
                 "ERR column 11: invalid date '2022-02-30': day out of range");
    CHECK_EQ_STR(tree("date:22"),
                 "ERR column 6: invalid date '22': expected YYYY, YYYY-MM or "
                 "YYYY-MM-DD");
    CHECK_EQ_STR(tree("date:2022-01..2022-13"),
                 "ERR column 15: invalid date '2022-13': month out of range");
    CHECK_EQ_STR(tree("date:2022-03..2022-01"),
                 "ERR column 6: empty date range: '2022-03..2022-01' ends "
                 "before it starts");
    CHECK_EQ_STR(tree("date:.."),
                 "ERR column 6: expected a date before or after '..'");
    CHECK_EQ_STR(tree("date:"),
                 "ERR column 6: expected a date (YYYY, YYYY-MM, YYYY-MM-DD, "
                 "or a range A..B) after 'date:'");
}

TEST(columns_count_characters_not_bytes)
{
    CHECK_EQ_STR(tree("élysée (été"),
                 "ERR column 12: expected ')' to close '(' opened at column 8");
    CHECK_EQ_STR(tree("« x » AND"),
                 "ERR column 10: expected a term after 'AND' at column 7, "
                 "found the end of the query");
}

TEST(huge_queries)
{
    size_t n = 100 * 1024, i;
    char *s = malloc(n + 1);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    /* 100 KB of '(' : a depth error, never a stack overflow */
    memset(s, '(', n);
    s[n] = '\0';
    CHECK_EQ_STR(tree(s), "ERR column 101: query nested too deeply (more "
                          "than 100 levels)");
    /* 100 KB of negations */
    memset(s, '-', n);
    s[n - 1] = 'a';
    CHECK_EQ_STR(tree(s), "ERR column 101: query nested too deeply (more "
                          "than 100 levels)");
    /* 100 KB of words: more than the leaf limit, answered precisely */
    for (i = 0; i < n; i += 2) {
        s[i] = 'a' + (char)(i % 26);
        s[i + 1] = ' ';
    }
    s[n] = '\0';
    CHECK_EQ_STR(tree(s), "ERR column 40001: too many terms (more than "
                          "20000)");
    /* 100 KB of ten-letter words works */
    for (i = 0; i + 11 <= n; i += 11) {
        memcpy(s + i, "ukrainiens", 10);
        s[i + 10] = ' ';
    }
    s[i] = '\0';
    CHECK(strncmp(tree(s), "(and ukrainien ukrainien", 24) == 0);
    /* depth 100 is fine */
    for (i = 0; i < 100; i++)
        s[i] = '(';
    s[100] = 'x';
    for (i = 0; i < 100; i++)
        s[101 + i] = ')';
    s[201] = '\0';
    CHECK_EQ_STR(tree(s), "x");
    free(s);
}

TEST(parse_alloc_failures)
{
    /* Fail every allocation in turn: DP_ENOMEM, never a crash or leak. */
    const char *text = "otan (russie OR \"mer noire\") -date:2022 =Macron p*";
    dp_query_options o = DP_QUERY_OPTIONS_INIT;
    dp_query *q;
    int rc = DP_ENOMEM;
    long k;

    o.analyzer = the_analyzer();
    for (k = 0; k < 1000 && rc == DP_ENOMEM; k++) {
        dp__alloc_fail_after(k);
        rc = dp_query_parse(text, strlen(text), &o, &q, NULL);
        dp__alloc_fail_after(-1);
        if (rc == DP_OK)
            dp_query_free(q);
        else
            CHECK_EQ_INT(rc, DP_ENOMEM);
    }
    CHECK_EQ_INT(rc, DP_OK);
}

TEST(dates_days)
{
    CHECK_EQ_INT(dp__query_days(1970, 1, 1), 0);
    CHECK_EQ_INT(dp__query_days(2022, 1, 28), 19020);
    CHECK_EQ_INT(dp__query_days(1969, 12, 31), -1);
    int y;
    unsigned m, d;
    dp__query_civil(19020, &y, &m, &d);
    CHECK(y == 2022 && m == 1 && d == 28);
}

TEST_MAIN()
