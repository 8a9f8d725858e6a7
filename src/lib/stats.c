/*
** stats.c -- the scores of the corpus analyses, as pure functions of
** counts: log-likelihood G2 (Dunning 1993), Lafon's specificity (the
** hypergeometric tail, Lafon 1980, as TXM reports it), pointwise mutual
** information and t-score (Evert 2008).  docs/analysis.md gives each
** formula with a worked example; tests/test_corpus.c checks them against
** independent computations.
*/
#include "corpus.h"

#include <math.h>

static double lchoose(double n, double k)
{
    return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}

/* log P(X = x) for X ~ Hypergeometric(T, F, t). */
static double hyper_lpmf(double T, double F, double t, double x)
{
    return lchoose(F, x) + lchoose(T - F, t - x) - lchoose(T, t);
}

/* pmf(x + 1) / pmf(x) */
static double ratio_up(double T, double F, double t, double x)
{
    return (F - x) * (t - x) / ((x + 1) * (T - F - t + x + 1));
}

/*
** The tail is summed relative to its largest term (at the mode when the
** mode lies in the tail, else at the tail's bound nearest the mode): every
** other term is reached by the ratio of consecutive terms, so each is <= 1
** and nothing overflows; the walk stops once terms no longer change the
** sum in double precision.
*/
double dp__stats_hyper_ltail(double T, double F, double t, double k,
                             int upper)
{
    double lo = t + F - T > 0 ? t + F - T : 0;
    double hi = F < t ? F : t;
    double mode = floor((t + 1) * (F + 1) / (T + 2));
    double a, sum = 1, term;

    if (mode < lo)
        mode = lo;
    if (mode > hi)
        mode = hi;
    if (upper) {
        if (k <= lo)
            return 0;
        if (k > hi)
            return -INFINITY;
        a = k > mode ? k : mode;
        term = 1;
        for (double x = a; x < hi; x++) {
            term *= ratio_up(T, F, t, x);
            sum += term;
            if (term < sum * 1e-17)
                break;
        }
        term = 1;
        for (double x = a; x > k; x--) {
            term /= ratio_up(T, F, t, x - 1);
            sum += term;
            if (term < sum * 1e-17)
                break;
        }
    } else {
        if (k >= hi)
            return 0;
        if (k < lo)
            return -INFINITY;
        a = k < mode ? k : mode;
        term = 1;
        for (double x = a; x > lo; x--) {
            term /= ratio_up(T, F, t, x - 1);
            sum += term;
            if (term < sum * 1e-17)
                break;
        }
        term = 1;
        for (double x = a; x < k; x++) {
            term *= ratio_up(T, F, t, x);
            sum += term;
            if (term < sum * 1e-17)
                break;
        }
    }
    return hyper_lpmf(T, F, t, a) + log(sum);
}

double dp__stats_spec(double k, double t, double F, double T)
{
    if (T <= 0 || t <= 0 || F <= 0)
        return 0;
    if (k * T >= F * t)
        return -dp__stats_hyper_ltail(T, F, t, k, 1) / M_LN10;
    return dp__stats_hyper_ltail(T, F, t, k, 0) / M_LN10;
}

static double olog(double o, double e)
{
    return o > 0 && e > 0 ? o * log(o / e) : 0;
}

double dp__stats_g2(double k, double t, double F, double T)
{
    double e11, e12, e21, e22, g;

    if (T <= 0 || t <= 0 || F <= 0 || t >= T)
        return 0;
    e11 = t * F / T;
    e12 = t * (T - F) / T;
    e21 = (T - t) * F / T;
    e22 = (T - t) * (T - F) / T;
    g = 2 * (olog(k, e11) + olog(t - k, e12) + olog(F - k, e21) +
             olog(T - t - F + k, e22));
    if (g < 0)
        g = 0;
    return k > e11 ? g : k < e11 ? -g : 0;
}

double dp__stats_pmi(double o11, double e11)
{
    if (o11 <= 0 || e11 <= 0)
        return -INFINITY;
    return log2(o11 / e11);
}

double dp__stats_tscore(double o11, double e11)
{
    return o11 > 0 ? (o11 - e11) / sqrt(o11) : 0;
}
