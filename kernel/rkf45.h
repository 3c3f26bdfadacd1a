/*
 * rkf45.h -- adaptive Runge-Kutta-Fehlberg 4(5) integrator that reproduces,
 *            bit for bit, the legacy GSL ODE driver used by NEST's
 *            conductance-based neurons (iaf_cond_exp & co.).
 *
 * Self-contained C99 (also compiles as C++): static inline functions only,
 * no GSL, no allocation, no global or static mutable state, no locking, no
 * Python API.  Safe to call from Cython inside `with nogil:` blocks and from
 * several threads at once (each thread passing its own rkf45_work).
 *
 * ---------------------------------------------------------------------------
 * WHAT IS REPRODUCED
 * ---------------------------------------------------------------------------
 * The combination NEST sets up in iaf_cond_exp::init_buffers():
 *
 *     s = gsl_odeiv_step_alloc(gsl_odeiv_step_rkf45, dim);
 *     c = gsl_odeiv_control_y_new(eps_abs, eps_rel);   (a_y = 1, a_dydt = 0)
 *     e = gsl_odeiv_evolve_alloc(dim);
 *
 * and the call it makes in update() for every simulation step:
 *
 *     double t = 0.0;
 *     while (t < h_step)
 *         status = gsl_odeiv_evolve_apply(e, c, s, &sys, &t, h_step,
 *                                         &IntegrationStep, y);
 *
 * rkf45_evolve_apply() is a re-implementation (not a copy) of
 * gsl_odeiv_evolve_apply() for exactly that stepper/control pair.  The
 * legacy ode-initval code it mirrors has been unchanged from GSL 1.15 up to
 * at least GSL 2.8.  Every floating-point operation is performed on the same
 * operands in the same order as GSL does it, the same libm pow() is called,
 * the right-hand side is evaluated at the same (t, y) points in the same
 * sequence, so y, t, h and the return status are identical bit for bit
 * (tests/native/check_rkf45_vs_gsl.c checks this against the system GSL).
 *
 * rkf45_advance() wraps the NEST `while (t < h_step)` loop above.
 *
 * ---------------------------------------------------------------------------
 * API AND PER-NEURON STATE
 * ---------------------------------------------------------------------------
 *     typedef int (*rkf45_rhs)(double t, const double *y, double *dydt,
 *                              void *params);
 *         Right-hand side; same signature and meaning as GSL's
 *         gsl_odeiv_system.function.  Return 0 on success; any non-zero
 *         value aborts the integration step and is passed back to the
 *         caller unchanged (as GSL does).  From Cython declare the
 *         implementation `noexcept nogil`.
 *
 *     rkf45_work       Scratch memory for dim <= RKF45_MAX_DIM.  Its contents
 *                      carry NO information from one call to the next, so
 *                      one instance (e.g. on the stack, or one per thread)
 *                      can be shared by any number of neurons.
 *     rkf45_stats      Optional GSL bookkeeping (count, failed_steps,
 *                      last_step), exactly as gsl_odeiv_evolve keeps it.
 *                      Pass NULL if not wanted; it never affects results.
 *
 *     int rkf45_evolve_apply(rkf45_work *w, double eps_abs, double eps_rel,
 *                            rkf45_rhs f, void *params, size_t dim,
 *                            double *t, double t1, double *h, double *y,
 *                            rkf45_stats *stats);
 *         One call of gsl_odeiv_evolve_apply(): advances (*t, y) by one
 *         accepted step towards t1 and stores the suggested next step in *h.
 *
 *     int rkf45_advance(rkf45_work *w, double eps_abs, double eps_rel,
 *                       rkf45_rhs f, void *params, size_t dim,
 *                       double h_step, double *h, double *y,
 *                       rkf45_stats *stats);
 *         NEST's loop: t = 0; while (t < h_step) rkf45_evolve_apply(...);
 *         stops at the first non-zero status and returns it.
 *
 * Cython usage sketch:
 *     cdef extern from "rkf45.h" nogil:
 *         ctypedef int (*rkf45_rhs)(double, const double*, double*, void*) noexcept nogil
 *         ctypedef struct rkf45_work:
 *             pass
 *         ctypedef struct rkf45_stats:
 *             unsigned long count
 *             unsigned long failed_steps
 *             double last_step
 *         int rkf45_advance(rkf45_work*, double, double, rkf45_rhs, void*, size_t,
 *                           double, double*, double*, rkf45_stats*)
 *     ...
 *     cdef rkf45_work work            # one per thread, e.g. on the stack
 *     status = rkf45_advance(&work, 1e-3, 0.0, cond_exp_rhs, &params[i], 3,
 *                            resolution, &h[i], &y[i, 0], NULL)
 *     # h[i]: per-neuron double, initialised to the resolution
 *
 * What GSL keeps between calls, and how it is handled here:
 *   - the step size *h ("IntegrationStep" in NEST): the ONLY value carried
 *     from call to call that influences results.  It is owned by the caller:
 *     keep one double per neuron, initialise it to h_step (NEST does so in
 *     init_buffers) and pass its address every time.
 *   - gsl_odeiv_evolve's buffers y0, yerr, dydt_in, dydt_out and the rkf45
 *     stepper's k1..k6, y0, ytmp: all are overwritten before being read in
 *     every call (rkf45 has no FSAL re-use; evolve recomputes dydt_in from
 *     the current y at the start of every call).  They live in rkf45_work.
 *   - gsl_odeiv_evolve's count, failed_steps, last_step: bookkeeping only,
 *     never read by the algorithm.  Kept per neuron in rkf45_stats if the
 *     caller wants them (rkf45_stats_reset() == gsl_odeiv_evolve_reset()).
 *   - the control object holds only its constants (eps_abs, eps_rel, a_y=1,
 *     a_dydt=0); eps_abs/eps_rel are passed on every call.
 *
 * ---------------------------------------------------------------------------
 * ALGORITHM (what GSL does; reproduced step for step)
 * ---------------------------------------------------------------------------
 * rkf45_evolve_apply(t, t1, h, y):
 *   0. dt = t1 - t.  If dt and *h have opposite signs: return RKF45_EINVAL.
 *   1. Save y -> y0.  Evaluate dydt_in = f(t, y) (rkf45 "can use dydt_in",
 *      so GSL's evolve evaluates it once per call, before the first try; a
 *      non-zero status is returned immediately with t, h, y untouched).
 *   2. try: h0 = (h0 > dt) ? dt : h0 (the step is clipped to end exactly on
 *      t1 and flagged as final; direction-aware for dt < 0).
 *   3. One RKF45 step of size h0 from (t, y) (rkf45_step below):
 *      k1 = dydt_in, five more stage evaluations, the 4th-order solution
 *      replaces y, then dydt_out = f(t + h0, y_new) is evaluated (GSL always
 *      requests it, although the y-only control never uses its value), and
 *      yerr = h0 * sum(e_i k_i) (difference of the 5th and 4th order
 *      weights).  If any evaluation fails: *h = h0, *t = t (unchanged),
 *      y restored (if it had already been overwritten), status returned.
 *   4. count++, last_step = h0; *t = t1 if final else t + h0.
 *   5. Step-size control (gsl "standard" control, a_y = 1, a_dydt = 0,
 *      method order q = 5, safety S = 0.9):
 *         D_i  = eps_rel * (1*|y_i| + 0*|h0*dydt_out_i|) + eps_abs
 *         rmax = max(DBL_MIN, max_i |yerr_i| / |D_i|)
 *         rmax > 1.1: h0 *= max(0.2, S / rmax^(1/q))          (DECREASE)
 *         rmax < 0.5: h0 *= min(5, max(1, S / rmax^(1/(q+1)))) (INCREASE)
 *         otherwise : h0 unchanged.
 *   6. On DECREASE, if |h0_new| < |h0_old| and (*t + h0_new) != *t: the step
 *      is rejected: y = y0, failed_steps++, go to 2 (dt and dydt_in are NOT
 *      recomputed; the "final step" flag is re-evaluated).  Otherwise the
 *      step is accepted with h0 = h0_old (no decrease).  The retry loop
 *      therefore always terminates: h0 shrinks geometrically until the step
 *      passes the error test or no longer moves t by one ulp.
 *   7. *h = h0 (suggested next step), return 0.
 *
 *   Note: the legacy gsl_odeiv_evolve_apply() has NO "step size became too
 *   small" error (that exists only in the newer odeiv2 driver with a
 *   user-set hmin).  When the step cannot be decreased any further without
 *   leaving t unchanged, GSL silently accepts the step; so does this code.
 *   Also note that after a clipped final step, *h holds the (possibly
 *   adjusted) clipped step, which then persists into the next call, exactly
 *   as in NEST.
 *
 * ---------------------------------------------------------------------------
 * RETURN CODES (same values as GSL)
 * ---------------------------------------------------------------------------
 *   RKF45_SUCCESS (0)   step taken.
 *   RKF45_EINVAL  (4)   (== GSL_EINVAL) step direction does not match the
 *                       interval direction, dim > RKF45_MAX_DIM, or a
 *                       negative tolerance; nothing is modified.
 *   any other non-zero  returned by the right-hand side f; passed through.
 *
 * ---------------------------------------------------------------------------
 * FLOATING-POINT CAVEAT
 * ---------------------------------------------------------------------------
 * Bit identity requires the compiler not to fuse a*b+c into an FMA here
 * (GSL as shipped by Debian for x86-64 is built without FMA).  On x86-64
 * without -mfma/-march=native nothing needs to be done.  On FMA-capable
 * targets (aarch64, -mfma, -march=haswell or later, ...) GCC in its default
 * GNU modes contracts (-ffp-contract=fast), which changes results in the
 * last bits.  The functions below therefore switch contraction off for
 * themselves: with clang via #pragma STDC FP_CONTRACT OFF (scoped to each
 * function body), with GCC via #pragma GCC optimize("fp-contract=off")
 * between push_options/pop_options.  The RHS function is the caller's code:
 * its arithmetic must match NEST's too, so build the extension that defines
 * it with -ffp-contract=off (or -std=c99/c11, whose ISO mode implies it) if
 * FMA instructions may be enabled.  (If GCC inlines the RHS into these
 * functions through the constant function pointer, the inlined copy is
 * compiled without contraction, which is again what NEST's x86-64 build
 * does.)  Never use -ffast-math or -funsafe-math-optimizations.
 */
#ifndef PYNESTLITE_RKF45_H
#define PYNESTLITE_RKF45_H

#include <stddef.h>
#include <string.h>
#include <math.h>
#include <float.h>

/* Keep the compiler from fusing a*b+c into FMAs in this header (see
 * FLOATING-POINT CAVEAT above).  clang: standard pragma, scoped to each
 * function body.  GCC ignores that pragma, so the functions of this header
 * are compiled with optimize("fp-contract=off") (push/pop keeps the rest of
 * the translation unit untouched); define RKF45_NO_GCC_OPTIMIZE_PRAGMA to
 * suppress this and pass -ffp-contract=off yourself instead. */
#if defined(__clang__)
#define RKF45_NO_CONTRACT_ _Pragma("STDC FP_CONTRACT OFF")
#else
#define RKF45_NO_CONTRACT_
#endif
#if defined(__GNUC__) && !defined(__clang__) && !defined(RKF45_NO_GCC_OPTIMIZE_PRAGMA)
#define RKF45_GCC_PRAGMA_ 1
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif

#define RKF45_MAX_DIM 66  /* 2 + 2 x 32: aeif_cond_*_multisynapse with 32 receptors */

#define RKF45_SUCCESS 0
#define RKF45_EINVAL 4 /* same value as GSL_EINVAL */

/* Return values of rkf45_hadjust (same as GSL_ODEIV_HADJ_*). */
#define RKF45_HADJ_INC 1
#define RKF45_HADJ_NIL 0
#define RKF45_HADJ_DEC (-1)

/* Order reported by GSL's rkf45 stepper (used by the step-size control). */
#define RKF45_ORDER 5u

typedef int (*rkf45_rhs)(double t, const double *y, double *dydt, void *params);

/* Scratch memory.  No meaning between calls; may be shared between neurons
 * (but not between threads running concurrently). */
typedef struct
{
    double k2[RKF45_MAX_DIM]; /* stage derivatives; k1 is dydt_in */
    double k3[RKF45_MAX_DIM];
    double k4[RKF45_MAX_DIM];
    double k5[RKF45_MAX_DIM];
    double k6[RKF45_MAX_DIM];
    double ytmp[RKF45_MAX_DIM];     /* stage argument */
    double y0[RKF45_MAX_DIM];       /* y at the start of the call (rollback) */
    double yerr[RKF45_MAX_DIM];     /* local error estimate */
    double dydt_in[RKF45_MAX_DIM];  /* f(t, y) at the start of the call */
    double dydt_out[RKF45_MAX_DIM]; /* f(t + h, y_new) */
} rkf45_work;

/* Optional per-neuron bookkeeping, mirroring gsl_odeiv_evolve's fields. */
typedef struct
{
    unsigned long count;        /* accepted + rejected step attempts that
                                   completed (GSL increments before control) */
    unsigned long failed_steps; /* rejected (retried) attempts */
    double last_step;           /* size of the last attempted step */
} rkf45_stats;

static inline void rkf45_stats_reset(rkf45_stats *s)
{
    s->count = 0;
    s->failed_steps = 0;
    s->last_step = 0.0;
}

/* ------------------------------------------------------------------------
 * Fehlberg 4(5) tableau.  Written as reduced fractions; each constant is a
 * single correctly rounded division, hence the same double as GSL's
 * unreduced forms (e.g. -6080/20520 == -8/27).  Function-local so that the
 * header defines no file-scope objects.
 * ------------------------------------------------------------------------ */

/* One RKF45 step of size h from (t, y), as GSL's rkf45 stepper does it with
 * dydt_in supplied and dydt_out requested.  On success y holds the 4th-order
 * solution, yerr the error estimate, dydt_out f(t+h, y).  On an RHS failure
 * the status is returned and y is left as it was on entry (y0 must hold a
 * copy of y on entry; it is used to restore y if the final evaluation
 * fails). */
static inline int rkf45_step(rkf45_work *w, rkf45_rhs f, void *params, size_t dim, double t,
                             double h, double *y, const double *y0, double *yerr,
                             const double *dydt_in, double *dydt_out)
{
    RKF45_NO_CONTRACT_
    /* nodes */
    const double a2 = 1.0 / 4.0, a3 = 3.0 / 8.0, a4 = 12.0 / 13.0, a5 = 1.0, a6 = 1.0 / 2.0;
    /* coupling coefficients, row by row */
    const double b21 = 1.0 / 4.0;
    const double b31 = 3.0 / 32.0, b32 = 9.0 / 32.0;
    const double b41 = 1932.0 / 2197.0, b42 = -7200.0 / 2197.0, b43 = 7296.0 / 2197.0;
    const double b51 = 439.0 / 216.0, b52 = -8.0, b53 = 3680.0 / 513.0, b54 = -845.0 / 4104.0;
    const double b61 = -8.0 / 27.0, b62 = 2.0, b63 = -3544.0 / 2565.0, b64 = 1859.0 / 4104.0,
                 b65 = -11.0 / 40.0;
    /* 4th-order weights (no k2 term) */
    const double c1 = 16.0 / 135.0, c3 = 6656.0 / 12825.0, c4 = 28561.0 / 56430.0,
                 c5 = -9.0 / 50.0, c6 = 2.0 / 55.0;
    /* 5th minus 4th order weights (error estimate; no k2 term) */
    const double e1 = 1.0 / 360.0, e3 = -128.0 / 4275.0, e4 = -2197.0 / 75240.0,
                 e5 = 1.0 / 50.0, e6 = 2.0 / 55.0;

    const double *k1 = dydt_in;
    double *k2 = w->k2, *k3 = w->k3, *k4 = w->k4, *k5 = w->k5, *k6 = w->k6;
    double *ytmp = w->ytmp;
    size_t i;
    int s;

    /* Parenthesisation below is significant: it is GSL's evaluation order. */
    for (i = 0; i < dim; i++)
        ytmp[i] = y[i] + (b21 * h) * k1[i];
    s = f(t + a2 * h, ytmp, k2, params);
    if (s != 0)
        return s;

    for (i = 0; i < dim; i++)
        ytmp[i] = y[i] + h * (b31 * k1[i] + b32 * k2[i]);
    s = f(t + a3 * h, ytmp, k3, params);
    if (s != 0)
        return s;

    for (i = 0; i < dim; i++)
        ytmp[i] = y[i] + h * ((b41 * k1[i] + b42 * k2[i]) + b43 * k3[i]);
    s = f(t + a4 * h, ytmp, k4, params);
    if (s != 0)
        return s;

    for (i = 0; i < dim; i++)
        ytmp[i] = y[i] + h * (((b51 * k1[i] + b52 * k2[i]) + b53 * k3[i]) + b54 * k4[i]);
    s = f(t + a5 * h, ytmp, k5, params);
    if (s != 0)
        return s;

    for (i = 0; i < dim; i++)
        ytmp[i] = y[i]
                  + h * ((((b61 * k1[i] + b62 * k2[i]) + b63 * k3[i]) + b64 * k4[i])
                         + b65 * k5[i]);
    s = f(t + a6 * h, ytmp, k6, params);
    if (s != 0)
        return s;

    for (i = 0; i < dim; i++) {
        const double d = (((c1 * k1[i] + c3 * k3[i]) + c4 * k4[i]) + c5 * k5[i]) + c6 * k6[i];
        y[i] += h * d;
    }

    /* GSL's evolve always passes a dydt_out buffer, so the stepper always
     * spends this extra evaluation (its value only enters the control via
     * a_dydt = 0, but a failure here must roll back y). */
    s = f(t + h, y, dydt_out, params);
    if (s != 0) {
        memcpy(y, y0, dim * sizeof(double));
        return s;
    }

    for (i = 0; i < dim; i++)
        yerr[i] = h * ((((e1 * k1[i] + e3 * k3[i]) + e4 * k4[i]) + e5 * k5[i]) + e6 * k6[i]);

    return 0;
}

/* GSL's "standard" step-size control (gsl_odeiv_control_standard_new with
 * the given a_y, a_dydt; control_y_new means a_y = 1, a_dydt = 0).
 * y: solution after the step, yerr: error estimate, yp: derivative after
 * the step, ord: order of the method, *h: step just taken (updated).
 * Returns RKF45_HADJ_DEC / _INC / _NIL. */
static inline int rkf45_hadjust(size_t dim, unsigned int ord, double eps_abs, double eps_rel,
                                double a_y, double a_dydt, const double *y, const double *yerr,
                                const double *yp, double *h)
{
    RKF45_NO_CONTRACT_
    const double safety = 0.9;
    const double h_old = *h;
    double rmax = DBL_MIN;
    size_t i;

    for (i = 0; i < dim; i++) {
        const double tol = eps_rel * (a_y * fabs(y[i]) + a_dydt * fabs(h_old * yp[i])) + eps_abs;
        const double r = fabs(yerr[i]) / fabs(tol);
        /* written as GSL_MAX_DBL(r, rmax): a NaN ratio is ignored */
        rmax = (r > rmax) ? r : rmax;
    }

    if (rmax > 1.1) {
        /* shrink: a little more than the error estimate suggests, at most 5x */
        double r = safety / pow(rmax, 1.0 / ord);
        if (r < 0.2)
            r = 0.2;
        *h = r * h_old;
        return RKF45_HADJ_DEC;
    }
    if (rmax < 0.5) {
        /* grow: at most 5x, and never shrink because of the safety factor */
        double r = safety / pow(rmax, 1.0 / (ord + 1.0));
        if (r > 5.0)
            r = 5.0;
        if (r < 1.0)
            r = 1.0;
        *h = r * h_old;
        return RKF45_HADJ_INC;
    }
    return RKF45_HADJ_NIL;
}

/* gsl_odeiv_evolve_apply(e, c, s, sys, t, t1, h, y) for s = rkf45 and
 * c = control_y_new(eps_abs, eps_rel).  See the header comment for the
 * algorithm.  w: scratch; stats: optional bookkeeping (may be NULL). */
static inline int rkf45_evolve_apply_std(rkf45_work *w, double eps_abs, double eps_rel,
                                         double a_y, double a_dydt, rkf45_rhs f,
                                         void *params, size_t dim, double *t, double t1,
                                         double *h, double *y, rkf45_stats *stats)
{
    RKF45_NO_CONTRACT_
    const double t0 = *t;
    const double dt = t1 - t0; /* remaining time; the step may be clipped to it */
    double h0 = *h;
    int final_step;
    int s;

    if (dim > RKF45_MAX_DIM || eps_abs < 0.0 || eps_rel < 0.0)
        return RKF45_EINVAL;
    if ((dt < 0.0 && h0 > 0.0) || (dt > 0.0 && h0 < 0.0))
        return RKF45_EINVAL;

    memcpy(w->y0, y, dim * sizeof(double));

    s = f(t0, y, w->dydt_in, params);
    if (s != 0)
        return s;

    for (;;) {
        double h_old;
        int adj;

        if ((dt >= 0.0 && h0 > dt) || (dt < 0.0 && h0 < dt)) {
            h0 = dt;
            final_step = 1;
        } else {
            final_step = 0;
        }

        s = rkf45_step(w, f, params, dim, t0, h0, y, w->y0, w->yerr, w->dydt_in, w->dydt_out);
        if (s != 0) {
            *h = h0; /* GSL reports the step size that failed */
            *t = t0;
            return s;
        }

        if (stats != NULL) {
            stats->count++;
            stats->last_step = h0;
        }
        *t = final_step ? t1 : t0 + h0;

        h_old = h0;
        adj = rkf45_hadjust(dim, RKF45_ORDER, eps_abs, eps_rel, a_y, a_dydt, y, w->yerr,
                            w->dydt_out, &h0);
        if (adj == RKF45_HADJ_DEC) {
            /* GSL forces both values through memory (GSL_COERCE_DBL) so that
             * x87 excess precision cannot hide a zero-length step. */
            volatile double t_curr = *t;
            volatile double t_next = *t + h0;
            if (fabs(h0) < fabs(h_old) && t_next != t_curr) {
                /* reject: roll back and retry with the smaller step */
                memcpy(y, w->y0, dim * sizeof(double));
                if (stats != NULL)
                    stats->failed_steps++;
                continue;
            }
            h0 = h_old; /* cannot usefully shrink: accept, keep the step size */
        }
        break;
    }

    *h = h0; /* suggested size of the next step */
    return RKF45_SUCCESS;
}

/* The same with GSL's standard control of general weights a_y, a_dydt
 * (gsl_odeiv_control_standard_new); rkf45_evolve_apply above is the
 * control_y_new case (a_y = 1, a_dydt = 0), gsl_odeiv_control_yp_new is
 * a_y = 0, a_dydt = 1 (used by NEST's aeif models). */
static inline int rkf45_evolve_apply(rkf45_work *w, double eps_abs, double eps_rel, rkf45_rhs f,
                                     void *params, size_t dim, double *t, double t1, double *h,
                                     double *y, rkf45_stats *stats)
{
    return rkf45_evolve_apply_std(w, eps_abs, eps_rel, 1.0, 0.0, f, params, dim, t, t1, h, y,
                                  stats);
}

/* NEST's per-simulation-step loop:
 *     t = 0; while (t < h_step) evolve_apply(..., &t, h_step, h, y);
 * Returns 0, or the first non-zero status (then y/h are as GSL leaves them
 * after that failing call; NEST throws GSLSolverFailure at this point). */
static inline int rkf45_advance(rkf45_work *w, double eps_abs, double eps_rel, rkf45_rhs f,
                                void *params, size_t dim, double h_step, double *h, double *y,
                                rkf45_stats *stats)
{
    double t = 0.0;
    while (t < h_step) {
        const int s = rkf45_evolve_apply(w, eps_abs, eps_rel, f, params, dim, &t, h_step, h, y,
                                         stats);
        if (s != 0)
            return s;
    }
    return RKF45_SUCCESS;
}

#undef RKF45_NO_CONTRACT_
#if defined(RKF45_GCC_PRAGMA_)
#pragma GCC pop_options
#undef RKF45_GCC_PRAGMA_
#endif

#endif /* PYNESTLITE_RKF45_H */
