/*
 * check_rkf45_vs_gsl.c -- proves that kernel/rkf45.h reproduces GSL's legacy
 * gsl_odeiv_evolve_apply + gsl_odeiv_step_rkf45 + gsl_odeiv_control_y_new
 * bit for bit.
 *
 * Build (from the repository root):
 *     gcc -std=c99 -O2 -Wall -Ikernel tests/native/check_rkf45_vs_gsl.c \
 *         -o check_rkf45_vs_gsl -lgsl -lgslcblas -lm
 * Run:
 *     ./check_rkf45_vs_gsl            all cases
 *     ./check_rkf45_vs_gsl NAME...    selected cases (default, stiff, verystiff,
 *                                     rhsfail, backward, ulp, einval)
 *
 * Neuron cases emulate NEST's iaf_cond_exp::update(): the same right-hand
 * side is integrated by GSL (set up exactly as NEST does) and by rkf45.h in
 * lock-step; after EVERY evolve_apply call and after every 0.1 ms step the
 * complete states (status, t, h, y, refractory counter, GSL bookkeeping
 * count/failed_steps/last_step and the number of RHS evaluations) are
 * compared bitwise (memcmp).  Prints the maximum absolute differences and
 * "IDENTICAL" on success; exits with 1 on any difference.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv.h>

#include "rkf45.h"

/* ------------------------------------------------------------------------ */
/* bitwise comparison bookkeeping                                            */
/* ------------------------------------------------------------------------ */

static long n_mismatch = 0;
static double max_diff[4]; /* V_m, g_ex, g_in, h */

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof(double)) == 0; }

static void note_diff(int idx, double a, double b)
{
    double d;
    if (same_bits(a, b))
        return;
    d = fabs(a - b);
    if (d != d)
        d = INFINITY; /* NaN on one side only */
    if (d > max_diff[idx])
        max_diff[idx] = d;
}

static void mismatch(const char *where, long step, long call, const char *what, double a,
                     double b)
{
    if (n_mismatch < 10)
        fprintf(stderr, "MISMATCH in %s at step %ld call %ld: %s gsl=%.17g rkf45=%.17g\n",
                where, step, call, what, a, b);
    n_mismatch++;
}

/* ------------------------------------------------------------------------ */
/* iaf_cond_exp right-hand side (as in NEST's iaf_cond_exp_dynamics)         */
/* ------------------------------------------------------------------------ */

typedef struct
{
    int r; /* refractory counter (>0: refractory) */
    double V_reset, V_th, E_ex, E_in, g_L, E_L, C_m, tau_syn_ex, tau_syn_in, I_e, I_stim;
    unsigned long n_eval;     /* number of RHS evaluations */
    unsigned long fail_every; /* if >0: every fail_every-th evaluation fails */
} cond_params;

static int iaf_cond_exp_rhs(double t, const double y[], double f[], void *pv)
{
    cond_params *p = (cond_params *)pv;
    const int is_refractory = p->r > 0;
    const double V = is_refractory ? p->V_reset : (y[0] < p->V_th ? y[0] : p->V_th);
    const double I_syn_exc = y[1] * (V - p->E_ex);
    const double I_syn_inh = y[2] * (V - p->E_in);
    const double I_L = p->g_L * (V - p->E_L);
    (void)t;

    p->n_eval++;
    if (p->fail_every && p->n_eval % p->fail_every == 0)
        return GSL_EBADFUNC;

    f[0] = is_refractory ? 0.0 : (-I_L + p->I_stim + p->I_e - I_syn_exc - I_syn_inh) / p->C_m;
    f[1] = -y[1] / p->tau_syn_ex;
    f[2] = -y[2] / p->tau_syn_in;
    return GSL_SUCCESS;
}

typedef struct
{
    const char *name;
    double tau_syn_ex, tau_syn_in;
    double w_ex, w_in;           /* conductance kicks [nS] */
    long every_ex, every_in;     /* kick periods [steps] */
    unsigned long fail_every;    /* RHS failure injection (0: never) */
    long n_steps;
} neuron_case;

typedef struct
{
    double y[3];
    double h; /* IntegrationStep, persists across steps */
    cond_params p;
} neuron;

static void neuron_init(neuron *n, const neuron_case *c, double h_step)
{
    memset(n, 0, sizeof *n);
    n->p.r = 0;
    n->p.V_reset = -60.0;
    n->p.V_th = -55.0;
    n->p.E_ex = 0.0;
    n->p.E_in = -85.0;
    n->p.g_L = 16.6667;
    n->p.E_L = -70.0;
    n->p.C_m = 250.0;
    n->p.tau_syn_ex = c->tau_syn_ex;
    n->p.tau_syn_in = c->tau_syn_in;
    n->p.I_e = 500.0;
    n->p.I_stim = 0.0;
    n->p.fail_every = c->fail_every;
    n->y[0] = n->p.E_L;
    n->y[1] = 0.0;
    n->y[2] = 0.0;
    n->h = h_step; /* NEST: B_.IntegrationStep_ = B_.step_ */
}

/* Step current "for this step" (NEST: B_.I_stim_ = B_.currents_.get_value(lag)):
 * alternate 30 ms of +150 pA and 20 ms of -400 pA. */
static double stim_current(long step) { return (step % 500) < 300 ? 150.0 : -400.0; }

static int run_neuron_case(const neuron_case *c)
{
    const double h_step = 0.1;
    const int refractory_counts = 20; /* t_ref = 2 ms at 0.1 ms */
    neuron ng, nm;                     /* gsl, mine */
    gsl_odeiv_step *s = gsl_odeiv_step_alloc(gsl_odeiv_step_rkf45, 3);
    gsl_odeiv_control *con = gsl_odeiv_control_y_new(1e-3, 0.0);
    gsl_odeiv_evolve *e = gsl_odeiv_evolve_alloc(3);
    gsl_odeiv_system sys;
    rkf45_work work;
    rkf45_stats st;
    long step, calls = 0, spikes = 0, nonzero_status = 0;
    long mismatch_before = n_mismatch;
    int k;

    memset(max_diff, 0, sizeof max_diff);
    neuron_init(&ng, c, h_step);
    neuron_init(&nm, c, h_step);
    gsl_odeiv_step_reset(s);
    gsl_odeiv_evolve_reset(e);
    rkf45_stats_reset(&st);
    sys.function = iaf_cond_exp_rhs;
    sys.jacobian = NULL;
    sys.dimension = 3;
    sys.params = &ng.p;

    for (step = 0; step < c->n_steps; step++) {
        double tg = 0.0, tm = 0.0;
        /* integrate both in lock-step, comparing after every call */
        while (tg < h_step || tm < h_step) {
            int sg = -1000, sm = -1000;
            if (tg < h_step)
                sg = gsl_odeiv_evolve_apply(e, con, s, &sys, &tg, h_step, &ng.h, ng.y);
            if (tm < h_step)
                sm = rkf45_evolve_apply(&work, 1e-3, 0.0, iaf_cond_exp_rhs, &nm.p, 3, &tm, h_step,
                                        &nm.h, nm.y, &st);
            calls++;
            if (sg != 0)
                nonzero_status++;
            if (sg != sm)
                mismatch(c->name, step, calls, "status", sg, sm);
            if (!same_bits(tg, tm))
                mismatch(c->name, step, calls, "t", tg, tm);
            if (!same_bits(ng.h, nm.h))
                mismatch(c->name, step, calls, "h", ng.h, nm.h);
            for (k = 0; k < 3; k++)
                if (!same_bits(ng.y[k], nm.y[k]))
                    mismatch(c->name, step, calls, "y", ng.y[k], nm.y[k]);
            if (e->count != st.count)
                mismatch(c->name, step, calls, "count", (double)e->count, (double)st.count);
            if (e->failed_steps != st.failed_steps)
                mismatch(c->name, step, calls, "failed_steps", (double)e->failed_steps,
                         (double)st.failed_steps);
            if (!same_bits(e->last_step, st.last_step))
                mismatch(c->name, step, calls, "last_step", e->last_step, st.last_step);
            if (ng.p.n_eval != nm.p.n_eval)
                mismatch(c->name, step, calls, "n_eval", (double)ng.p.n_eval,
                         (double)nm.p.n_eval);
            if (calls > 100000000L) {
                fprintf(stderr, "too many calls\n");
                return 1;
            }
        }

        /* NEST update() after integration */
        {
            neuron *ns[2];
            int j;
            ns[0] = &ng;
            ns[1] = &nm;
            for (j = 0; j < 2; j++) {
                neuron *n = ns[j];
                if (step > 0 && step % c->every_ex == 0)
                    n->y[1] += c->w_ex;
                if (step > 0 && step % c->every_in == 0)
                    n->y[2] += c->w_in;
                if (n->p.r) {
                    --n->p.r;
                    n->y[0] = n->p.V_reset;
                } else if (n->y[0] >= n->p.V_th) {
                    n->p.r = refractory_counts;
                    n->y[0] = n->p.V_reset;
                    if (j == 0)
                        spikes++;
                }
                n->p.I_stim = stim_current(step);
            }
        }

        for (k = 0; k < 3; k++) {
            note_diff(k, ng.y[k], nm.y[k]);
            if (!same_bits(ng.y[k], nm.y[k]))
                mismatch(c->name, step, calls, "y after update", ng.y[k], nm.y[k]);
        }
        note_diff(3, ng.h, nm.h);
        if (ng.p.r != nm.p.r)
            mismatch(c->name, step, calls, "r", ng.p.r, nm.p.r);
    }

    printf("case %-9s tau_syn=(%g,%g) kicks=(%g nS/%ld, %g nS/%ld) steps=%ld spikes=%ld "
           "evolve_calls=%ld accepted=%lu rejected=%lu rhs_evals=%lu nonzero_status=%ld\n",
           c->name, c->tau_syn_ex, c->tau_syn_in, c->w_ex, c->every_ex, c->w_in, c->every_in,
           c->n_steps, spikes, calls, (unsigned long)(e->count - e->failed_steps),
           (unsigned long)e->failed_steps, ng.p.n_eval, nonzero_status);
    printf("    final y=(%.17g, %.17g, %.17g) h=%.17g\n", ng.y[0], ng.y[1], ng.y[2], ng.h);
    printf("    max|diff| V_m=%g g_ex=%g g_in=%g h=%g -> %s\n", max_diff[0], max_diff[1],
           max_diff[2], max_diff[3], n_mismatch == mismatch_before ? "IDENTICAL" : "DIFFERENT");

    gsl_odeiv_evolve_free(e);
    gsl_odeiv_control_free(con);
    gsl_odeiv_step_free(s);
    return n_mismatch != mismatch_before;
}

/* ------------------------------------------------------------------------ */
/* generic cases: direction, tiny steps, errors                              */
/* ------------------------------------------------------------------------ */

typedef struct
{
    double lambda;
    unsigned long n_eval;
} lin_params;

/* Mildly non-linear, non-autonomous 2-d system (uses t). */
static int lin_rhs(double t, const double y[], double f[], void *pv)
{
    lin_params *p = (lin_params *)pv;
    p->n_eval++;
    f[0] = -p->lambda * (y[0] - cos(t));
    f[1] = y[0] * y[1] - 0.5 * y[1];
    return GSL_SUCCESS;
}

/* Runs `ncalls` evolve_apply calls towards t1 (or until t reaches t1) with
 * both implementations and compares everything after each call. */
static int run_generic(const char *name, double t0, double t1, double h_init, double eps_abs,
                       double eps_rel, double lambda, long max_calls)
{
    gsl_odeiv_step *s = gsl_odeiv_step_alloc(gsl_odeiv_step_rkf45, 2);
    gsl_odeiv_control *con = gsl_odeiv_control_y_new(eps_abs, eps_rel);
    gsl_odeiv_evolve *e = gsl_odeiv_evolve_alloc(2);
    gsl_odeiv_system sys;
    rkf45_work work;
    rkf45_stats st;
    lin_params pg, pm;
    double yg[2] = {1.0, 0.25}, ym[2] = {1.0, 0.25};
    double tg = t0, tm = t0, hg = h_init, hm = h_init, maxd = 0.0;
    long calls = 0, before = n_mismatch;
    int k;

    pg.lambda = pm.lambda = lambda;
    pg.n_eval = pm.n_eval = 0;
    rkf45_stats_reset(&st);
    sys.function = lin_rhs;
    sys.jacobian = NULL;
    sys.dimension = 2;
    sys.params = &pg;

    while (calls < max_calls && tg != t1) {
        int sg = gsl_odeiv_evolve_apply(e, con, s, &sys, &tg, t1, &hg, yg);
        int sm = rkf45_evolve_apply(&work, eps_abs, eps_rel, lin_rhs, &pm, 2, &tm, t1, &hm, ym,
                                    &st);
        calls++;
        if (sg != sm)
            mismatch(name, 0, calls, "status", sg, sm);
        if (!same_bits(tg, tm))
            mismatch(name, 0, calls, "t", tg, tm);
        if (!same_bits(hg, hm))
            mismatch(name, 0, calls, "h", hg, hm);
        for (k = 0; k < 2; k++) {
            double d = fabs(yg[k] - ym[k]);
            if (d > maxd || d != d)
                maxd = d;
            if (!same_bits(yg[k], ym[k]))
                mismatch(name, 0, calls, "y", yg[k], ym[k]);
        }
        if (e->count != st.count || e->failed_steps != st.failed_steps ||
            !same_bits(e->last_step, st.last_step) || pg.n_eval != pm.n_eval)
            mismatch(name, 0, calls, "bookkeeping", (double)e->count, (double)st.count);
        if (sg != 0)
            break;
    }
    printf("case %-9s t: %g -> %.17g  calls=%ld accepted=%lu rejected=%lu rhs_evals=%lu "
           "max|diff|=%g -> %s\n",
           name, t0, tg, calls, (unsigned long)(e->count - e->failed_steps),
           (unsigned long)e->failed_steps, pg.n_eval, maxd,
           n_mismatch == before ? "IDENTICAL" : "DIFFERENT");
    gsl_odeiv_evolve_free(e);
    gsl_odeiv_control_free(con);
    gsl_odeiv_step_free(s);
    return n_mismatch != before;
}

/* Direction mismatch: both must refuse with GSL_EINVAL and touch nothing. */
static int run_einval(void)
{
    gsl_odeiv_step *s = gsl_odeiv_step_alloc(gsl_odeiv_step_rkf45, 2);
    gsl_odeiv_control *con = gsl_odeiv_control_y_new(1e-3, 0.0);
    gsl_odeiv_evolve *e = gsl_odeiv_evolve_alloc(2);
    gsl_odeiv_system sys;
    rkf45_work work;
    lin_params pg = {1.0, 0}, pm = {1.0, 0};
    double yg[2] = {1.0, 0.25}, ym[2] = {1.0, 0.25};
    double tg = 1.0, tm = 1.0, hg = 0.1, hm = 0.1;
    long before = n_mismatch;
    int sg, sm;

    sys.function = lin_rhs;
    sys.jacobian = NULL;
    sys.dimension = 2;
    sys.params = &pg;
    sg = gsl_odeiv_evolve_apply(e, con, s, &sys, &tg, 0.0, &hg, yg);
    sm = rkf45_evolve_apply(&work, 1e-3, 0.0, lin_rhs, &pm, 2, &tm, 0.0, &hm, ym, NULL);
    if (sg != sm || sg != GSL_EINVAL || !same_bits(tg, tm) || !same_bits(hg, hm) ||
        memcmp(yg, ym, sizeof yg) != 0 || pg.n_eval != pm.n_eval)
        mismatch("einval", 0, 1, "status", sg, sm);
    printf("case %-9s status gsl=%d rkf45=%d -> %s\n", "einval", sg, sm,
           n_mismatch == before ? "IDENTICAL" : "DIFFERENT");
    gsl_odeiv_evolve_free(e);
    gsl_odeiv_control_free(con);
    gsl_odeiv_step_free(s);
    return n_mismatch != before;
}

static const neuron_case neuron_cases[] = {
    /* name       tau_ex tau_in  w_ex   w_in  every_ex every_in fail  steps */
    {"default", 0.2, 2.0, 20.0, 15.0, 70, 110, 0, 20000},
    {"stiff", 0.2, 0.2, 1000.0, 800.0, 30, 50, 0, 20000},
    {"verystiff", 0.02, 0.05, 5000.0, 3000.0, 13, 17, 0, 20000},
    {"rhsfail", 0.2, 0.2, 1000.0, 800.0, 30, 50, 97, 5000},
};

static int wanted(int argc, char **argv, const char *name)
{
    int i;
    if (argc < 2)
        return 1;
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    size_t i;
    int failed = 0, ran = 0;

    gsl_set_error_handler_off();

    for (i = 0; i < sizeof neuron_cases / sizeof neuron_cases[0]; i++)
        if (wanted(argc, argv, neuron_cases[i].name)) {
            failed |= run_neuron_case(&neuron_cases[i]);
            ran++;
        }
    if (wanted(argc, argv, "backward")) {
        /* integrate backwards in time (dt < 0, h < 0), stiff-ish */
        failed |= run_generic("backward", 2.0, 0.0, -0.3, 1e-6, 1e-6, -50.0, 1000000L);
        ran++;
    }
    if (wanted(argc, argv, "ulp")) {
        /* zero tolerance: every step is "too large", h shrinks until t + h
         * no longer changes t, and GSL then accepts the step anyway */
        failed |= run_generic("ulp", 1000.0, 1001.0, 0.5, 0.0, 0.0, 1000.0, 200L);
        ran++;
    }
    if (wanted(argc, argv, "einval")) {
        failed |= run_einval();
        ran++;
    }

    if (ran == 0) {
        fprintf(stderr, "no such case\n");
        return 2;
    }
    if (failed || n_mismatch) {
        printf("DIFFERENT (%ld mismatches)\n", n_mismatch);
        return 1;
    }
    printf("IDENTICAL\n");
    return 0;
}
