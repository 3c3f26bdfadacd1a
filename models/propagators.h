/*
 * propagators.h -- exact-integration propagators shared by the
 * current-based integrate-and-fire models (iaf_psc_exp, iaf_psc_alpha).
 *
 * For  dV/dt = -V/tau_m + I/C_m  with  I  an exponential (or alpha) PSC with
 * time constant tau_syn, the step-h propagator from I (and dI) to V is
 *
 *   P32 = gamma * exp(-h/tau_syn) * expm1(h/beta),   beta = tau_syn*tau_m/(tau_m - tau_syn),
 *   P31 = gamma * exp(-h/tau_syn) * (beta*expm1(h/beta) - h),   gamma = beta/C_m,
 *
 * which is singular for tau_m == tau_syn.  As in NEST (IAFPropagator), P32
 * falls back to the limit h/C_m*exp(-h/tau_m) when the regular expression is
 * not a positive normal number, and P31 to h^2/(2 C_m)*exp(-h/tau_m) when
 * h <= 1e-7 * tau_m^2/|tau_m - tau_syn|.  The arithmetic order follows NEST
 * so that results agree to the last bit.
 */
#ifndef PYNESTLITE_PROPAGATORS_H
#define PYNESTLITE_PROPAGATORS_H
#include <math.h>
#include <float.h>

/* exp(x) - 1 as NEST 3.10's released builds compute it (their numerics
 * expm1 without the C library's): the Taylor series x + x^2/2! + ...,
 * summed until a term falls below DBL_EPSILON times the sum, for |x| <=
 * ln 2; exp(x) - 1 beyond.  It differs from the C library's expm1 in the
 * last bit for some x; NEST's propagators use it, so ours do too. */
static inline double pnl_expm1(double x)
{
    if (x == 0)
        return 0;
    if (fabs(x) > log(2.0))
        return exp(x) - 1;
    double sum = x, term = x * x / 2;
    long n = 2;
    while (fabs(term) > fabs(sum) * DBL_EPSILON) {
        sum += term;
        ++n;
        term *= x / n;
    }
    return sum;
}

typedef struct {
    double P31;
    double P32;
} pnl_psc_propagator;

static inline pnl_psc_propagator pnl_iaf_propagator(double tau_syn, double tau_m, double c_m, double h)
{
    pnl_psc_propagator p;
    const double h_min_regular = 1e-7 * tau_m * tau_m / fabs(tau_m - tau_syn);
    const double beta = tau_syn * tau_m / (tau_m - tau_syn);
    const double gamma = beta / c_m;
    const double inv_tau_syn = 1 / tau_syn;
    const double inv_tau_m = 1 / tau_m;
    const double inv_c_m = 1 / c_m;
    const double inv_beta = (tau_m - tau_syn) / (tau_syn * tau_m);

    const double exp_h_tau_syn = exp(-h * inv_tau_syn);
    const double expm1_h_tau = pnl_expm1(h * inv_beta);
    double P32 = gamma * exp_h_tau_syn * expm1_h_tau;
    if (!(isnormal(P32) && P32 > 0)) {
        const double exp_h_tau = exp(-h * inv_tau_m);
        P32 = h * inv_c_m * exp_h_tau;
    }
    p.P32 = P32;
    if (h > h_min_regular) {
        p.P31 = gamma * exp_h_tau_syn * (beta * expm1_h_tau - h);
    } else {
        const double exp_h_tau = exp(-h * inv_tau_m);
        p.P31 = 0.5 * h * h * inv_c_m * exp_h_tau;
    }
    return p;
}

/* P32 alone (exponential PSCs), the same arithmetic as above. */
static inline double pnl_iaf_propagator_exp(double tau_syn, double tau_m, double c_m, double h)
{
    const double gamma = tau_syn * tau_m / (tau_m - tau_syn) / c_m;
    const double inv_beta = (tau_m - tau_syn) / (tau_syn * tau_m);
    double P32 = gamma * exp(-h * (1 / tau_syn)) * pnl_expm1(h * inv_beta);
    if (!(isnormal(P32) && P32 > 0))
        P32 = h * (1 / c_m) * exp(-h * (1 / tau_m));
    return P32;
}

/* Factor that makes a beta-shaped conductance (rise tau_rise, decay
 * tau_decay) of unit weight peak at 1: (1/tau_rise - 1/tau_decay) divided by
 * its peak value, or the alpha limit e/tau_decay when the time constants
 * (or the peak) are equal to machine precision -- NEST's
 * beta_normalization_factor, in its arithmetic. */
static inline double pnl_beta_normalization(double tau_rise, double tau_decay)
{
    const double diff = tau_decay - tau_rise;
    double peak = 0;
    if (fabs(diff) > DBL_EPSILON) {
        const double t_peak = tau_decay * tau_rise * log(tau_decay / tau_rise) / diff;
        peak = exp(-t_peak / tau_decay) - exp(-t_peak / tau_rise);
    }
    if (fabs(peak) < DBL_EPSILON)
        return M_E / tau_decay;
    return (1. / tau_rise - 1. / tau_decay) / peak;
}

#endif
