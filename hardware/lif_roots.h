/* Zeros of exponential polynomials g(s) = sum_k (p0_k + p1_k s) exp(-r_k s).
 *
 * The membrane of a LIF neuron with exponential current synapses, from a
 * state at s = 0 without further input, is such a sum (a constant, the
 * membrane term, one term per synaptic time constant; a term linear in s
 * where a synaptic time constant equals the membrane's).  Its threshold
 * crossings are the zeros of g = V - V_th.
 *
 * Root isolation by Rolle's theorem: the zeros of g are those of
 * G(s) = exp(r_0 s) g(s), and between two neighbouring zeros of G' there is
 * at most one.  With the terms ordered by ascending rate, G' is again such a
 * sum in which the first term has lost one polynomial degree (and vanishes
 * when it was a constant), so the recursion ends after at most sum(deg + 1)
 * levels; all rates stay >= 0 (no overflow).  Each monotone piece with a sign
 * change is solved by Newton's method safeguarded by bisection.
 *
 * pnl_first_upcrossing() stops at the first zero where g turns from < 0 to
 * >= 0: the first threshold crossing (the spike time).
 */
#ifndef PNL_LIF_ROOTS_H
#define PNL_LIF_ROOTS_H

#include <math.h>

#define PNL_MAX_TERMS 8

typedef struct {
    double r;       /* decay rate >= 0 */
    double p0;      /* constant coefficient */
    double p1;      /* coefficient of s */
} pnl_term;

/* g(s) and g'(s). */
static inline void pnl_terms_eval(const pnl_term *t, int n, double s, double *g, double *dg)
{
    double f = 0.0, df = 0.0, e;
    int k;
    for (k = 0; k < n; k++) {
        e = t[k].r == 0.0 ? 1.0 : exp(-t[k].r * s);
        f += (t[k].p0 + t[k].p1 * s) * e;
        df += (t[k].p1 - t[k].r * (t[k].p0 + t[k].p1 * s)) * e;
    }
    *g = f;
    *dg = df;
}

/* g(s), g'(s) and g''(s). */
static inline void pnl_terms_eval2(const pnl_term *t, int n, double s, double *g, double *dg,
                                   double *ddg)
{
    double f = 0.0, df = 0.0, ddf = 0.0, e, p, r;
    int k;
    for (k = 0; k < n; k++) {
        r = t[k].r;
        e = r == 0.0 ? 1.0 : exp(-r * s);
        p = t[k].p0 + t[k].p1 * s;
        f += p * e;
        df += (t[k].p1 - r * p) * e;
        ddf += (r * r * p - 2.0 * r * t[k].p1) * e;
    }
    *g = f;
    *dg = df;
    *ddg = ddf;
}

static inline double pnl_terms_value(const pnl_term *t, int n, double s)
{
    double g, dg;
    pnl_terms_eval(t, n, s, &g, &dg);
    return g;
}

/* Zero of g in [a, b] where g(a) and g(b) have opposite signs (or g(b) = 0):
 * Halley steps (cubic convergence: about three evaluations from the
 * regula falsi start) kept inside the shrinking bracket, Newton where the
 * Halley denominator degenerates, bisection otherwise. */
static double pnl_terms_polish(const pnl_term *t, int n, double a, double b, double ga,
                               double gb)
{
    double s, g, dg, ddg, step, den;
    int it, halley;
    int up = ga < 0.0;          /* g increases through the zero */
    s = a + (b - a) * (ga / (ga - gb));        /* regula falsi start */
    if (a == 0.0) {
        /* better: a Halley step from 0, where g' and g'' cost no exponential */
        double d1 = 0.0, d2 = 0.0;
        for (it = 0; it < n; it++) {
            d1 += t[it].p1 - t[it].r * t[it].p0;
            d2 += t[it].r * t[it].r * t[it].p0 - 2.0 * t[it].r * t[it].p1;
        }
        den = 2.0 * d1 * d1 - ga * d2;
        if (den > 0.0 && d1 != 0.0) {
            step = a - 2.0 * ga * d1 / den;
            if (step > a && step < b)
                s = step;
        }
    }
    if (!(s > a && s < b))
        s = 0.5 * (a + b);
    for (it = 0; it < 100; it++) {
        pnl_terms_eval2(t, n, s, &g, &dg, &ddg);
        if (g == 0.0)
            return s;
        if ((g < 0.0) == up)
            a = s;
        else
            b = s;
        if (b - a <= 4e-16 * (fabs(a) + fabs(b)) + 1e-300)
            return b;
        den = 2.0 * dg * dg - g * ddg;
        halley = den > 0.0 && dg != 0.0;
        step = halley ? 2.0 * g * dg / den : (dg != 0.0 ? g / dg : 0.0);
        double sn = s - step;
        if (dg != 0.0 && sn > a && sn < b && fabs(step) < 0.5 * (b - a) + 1e-300) {
            /* cubic convergence: a Halley step of 1e-6 leaves an error of
             * order 1e-18 (relative); a Newton step is taken to 1e-14 */
            if (fabs(step) <= (halley ? 1e-6 : 1e-14) * fabs(sn))
                return sn;
            s = sn;
        } else {
            s = 0.5 * (a + b);
        }
    }
    return s;
}

/* Remove vanishing terms; returns the new count. */
static inline int pnl_terms_compact(pnl_term *t, int n)
{
    int k, m = 0;
    for (k = 0; k < n; k++)
        if (t[k].p0 != 0.0 || t[k].p1 != 0.0)
            t[m++] = t[k];
    return m;
}

/* All zeros of g in (0, S], ascending, into out (room for 2 * PNL_MAX_TERMS);
 * terms in ascending rate.  If first_up, stop at the first zero where g goes
 * from < 0 to >= 0 and return only that one. */
static int pnl_terms_zeros(const pnl_term *t_in, int n, double S, double *out, int first_up)
{
    pnl_term t[PNL_MAX_TERMS], h[PNL_MAX_TERMS];
    double crit[2 * PNL_MAX_TERMS + 2];
    int k, nc, nz = 0, i;
    double a, b, ga, gb, r0;

    for (k = 0; k < n; k++)
        t[k] = t_in[k];
    n = pnl_terms_compact(t, n);
    if (n == 0)
        return 0;
    if (n == 1) {
        if (t[0].p1 == 0.0)
            return 0;
        a = -t[0].p0 / t[0].p1;
        if (a > 0.0 && a <= S) {
            if (first_up && t[0].p1 < 0.0)
                return 0;       /* g falls through this zero */
            out[0] = a;
            return 1;
        }
        return 0;
    }
    if (n == 2 && t[0].p1 == 0.0 && t[1].p1 == 0.0) {
        /* a e^{-ra s} + b e^{-rb s}: one zero at most, in closed form; g has
         * the sign of g(0) = a + b before it */
        double q = -t[1].p0 / t[0].p0;
        if (q <= 0.0 || t[1].r == t[0].r)
            return 0;
        a = log(q) / (t[1].r - t[0].r);
        if (!(a > 0.0 && a <= S))
            return 0;
        if (first_up && !(t[0].p0 + t[1].p0 < 0.0))
            return 0;
        out[0] = a;
        return 1;
    }
    /* critical points of exp(r0 s) g(s) */
    r0 = t[0].r;
    for (k = 0; k < n; k++) {
        double mu = t[k].r - r0;
        h[k].r = mu;
        h[k].p0 = t[k].p1 - mu * t[k].p0;
        h[k].p1 = -mu * t[k].p1;
    }
    nc = pnl_terms_zeros(h, n, S, crit, 0);
    crit[nc] = S;
    a = 0.0;
    ga = pnl_terms_value(t, n, a);
    for (i = 0; i <= nc; i++) {
        b = crit[i];
        if (b <= a)
            continue;
        gb = pnl_terms_value(t, n, b);
        if (first_up) {
            if (ga < 0.0 && gb >= 0.0) {
                out[0] = gb == 0.0 ? b : pnl_terms_polish(t, n, a, b, ga, gb);
                return 1;
            }
        } else if ((ga < 0.0 && gb >= 0.0) || (ga > 0.0 && gb <= 0.0)) {
            out[nz++] = gb == 0.0 ? b : pnl_terms_polish(t, n, a, b, ga, gb);
        }
        a = b;
        ga = gb;
    }
    return first_up ? 0 : nz;
}

/* Over a short horizon: if g (terms without s-linear parts, g(0) < 0) is
 * increasing on all of (0, S] -- its slope at 0 plus S times a lower bound
 * of g'' stays > 0, the bound summing each term's g'' at whichever end is
 * smaller (each r^2 p0 exp(-r s) is monotone in s) -- it crosses at most
 * once, exactly when g(S) >= 0: *out is that zero (polished in [0, S]) or
 * INFINITY, and 1 is returned.  Returns 0 when the test does not decide. */
static inline int pnl_monotone_upcrossing(const pnl_term *t, int n, double S, double *out)
{
    double e[PNL_MAX_TERMS], g0 = 0.0, d1 = 0.0, m = 0.0, gS = 0.0, c;
    int k;
    for (k = 0; k < n; k++) {
        if (t[k].p1 != 0.0)
            return 0;
        e[k] = t[k].r == 0.0 ? 1.0 : exp(-t[k].r * S);
        c = t[k].r * t[k].r * t[k].p0;
        g0 += t[k].p0;
        d1 -= t[k].r * t[k].p0;
        m += c < c * e[k] ? c : c * e[k];
        gS += t[k].p0 * e[k];
    }
    if (!(g0 < 0.0 && d1 + (m < 0.0 ? m * S : 0.0) > 0.0))
        return 0;
    if (gS < 0.0)
        *out = INFINITY;
    else
        *out = gS == 0.0 ? S : pnl_terms_polish(t, n, 0.0, S, g0, gS);
    return 1;
}

/* First s in (0, S] where g turns from < 0 to >= 0 (g(0) < 0 assumed);
 * INFINITY if there is none. */
static inline double pnl_first_upcrossing(const pnl_term *t, int n, double S)
{
    double out[2 * PNL_MAX_TERMS + 2];
    if (pnl_terms_zeros(t, n, S, out, 1))
        return out[0];
    return INFINITY;
}

#endif
