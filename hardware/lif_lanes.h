/* A block of PNL_LANES LIF neurons taking one input arrival together.
 *
 * The emulator's layered run (emulator.pyx, run_layered) moves the neurons
 * of one level through the same sorted stream of arrivals.  Neurons side by
 * side in SIMD lanes share the arrival time; each lane keeps its own state,
 * parameters and last update time (a lane not connected to the arriving
 * source is left as it is, as the neuron-after-neuron run leaves it).
 *
 * For one arrival at time ta, pnl_lanes_arrive() does in every lane what the
 * scalar run does for one neuron:
 *
 *   1. the crossing test up to ta from the lane's state: the bounds of the
 *      scalar next_crossing (the largest reachable voltage, then the slope
 *      bound up to ta), then, where only one synaptic current flows (V has
 *      at most one extremum), V at both ends and the slopes there;
 *   2. a crossing bracketed there (one current, V below threshold at the
 *      last update and at or above it at ta) of a neuron that stays
 *      refractory past ta is deferred: the lane is held at V_reset, its
 *      refractory end is the lower bound last update + t_ref, and the
 *      crossing is solved later, side by side with the other lanes'
 *      (pnl_lanes_resolve, at the end of the block's arrivals) or by the
 *      caller when an arrival passes that bound;
 *   3. a lane that may cross otherwise, whose refractory period ends between
 *      its last update and ta, or that is marked scalar (an AdEx neuron) is
 *      returned in the mask and left untouched: the caller handles it with
 *      the scalar code;
 *   4. every other connected lane is propagated exactly to ta (clamped at
 *      V_reset while refractory) and takes the weight: I_ex += w (w >= 0) or
 *      I_in += w (w < 0).
 *
 * After the block's last arrival pnl_lanes_tail() tells which lanes may
 * still cross before the pattern's end (the others are left alone); where
 * only an excitatory current flows it brackets the crossing itself (the
 * closed-form maximum) for pnl_lanes_resolve.
 *
 * The propagation is the closed form of the scalar code:
 *
 *   V(ta) = E_inf + e_m (V - E_inf + sum_x I_x q_x / (C d_x))
 *   I_x  <- I_x e_m (1 + q_x),   e_m = exp(-dt/tau_m),  q_x = expm1(dt d_x),
 *   d_x = 1/tau_m - 1/tau_x      (I_x dt / C and I_x e_m where d_x = 0).
 *
 * exp and expm1 are branch-free (range reduction by a power of two, a
 * degree-13 Taylor polynomial on |r| <= ln2/2 by Estrin's scheme; expm1 by
 * its own series for |z| < 0.35): within a few ulp of the C library, so the layered and the
 * event-queue runs agree to ~1e-15 relative, not bit for bit.  GCC vector
 * types carry the lanes: the function is built for AVX2 and for the
 * baseline instruction set and the faster one is chosen at load time; with
 * -ffp-contract=off both give the same bits.
 */
#ifndef PNL_LIF_LANES_H
#define PNL_LIF_LANES_H

#include <stdint.h>

/* the helpers below take and return vectors; always inlined, no ABI crosses */
#pragma GCC diagnostic ignored "-Wpsabi"

#define PNL_LANES 4

typedef double pnl_vd __attribute__((vector_size(8 * PNL_LANES)));
typedef int64_t pnl_vi __attribute__((vector_size(8 * PNL_LANES)));

typedef struct {
    /* state */
    double V[PNL_LANES], Ie[PNL_LANES], Ii[PNL_LANES], ts[PNL_LANES], trel[PNL_LANES];
    /* parameters (threshold th relative to E_inf, offsets included) */
    double E_inf[PNL_LANES], th[PNL_LANES], V_reset[PNL_LANES];
    double inv_tm[PNL_LANES], inv_C[PNL_LANES], d_e[PNL_LANES], d_i[PNL_LANES];
    double inv_Cd_e[PNL_LANES], inv_Cd_i[PNL_LANES];   /* 1/(C d_x); 0 where d_x = 0 */
    double kmax_e[PNL_LANES], kmax_i[PNL_LANES];
    int64_t scalar[PNL_LANES];      /* != 0: the lane always takes the scalar code (AdEx) */
    double x_end[PNL_LANES];        /* out: V - E_inf at ta before the weight (free lanes) */
    double inv_te[PNL_LANES], inv_ti[PNL_LANES], t_ref[PNL_LANES];
    /* a deferred crossing (pend != 0): the state at p_ts (x0 = V - E_inf and
     * the currents, one of them zero), the bracket (0, p_S] and g = V - V_th
     * at its end; trel holds the lower bound p_ts + t_ref until it is solved */
    int64_t pend[PNL_LANES];
    double p_ts[PNL_LANES], p_x0[PNL_LANES], p_ie[PNL_LANES], p_ii[PNL_LANES];
    double p_S[PNL_LANES], p_g[PNL_LANES];
    double horizon[PNL_LANES];      /* the longest search for a crossing after a state */
} pnl_lanes;

#define PNL_LANES_FIELDS 29     /* arrays of PNL_LANES 8-byte values in pnl_lanes */

#define PNL_LOAD(a) ({ pnl_vd v_; __builtin_memcpy(&v_, (a), sizeof v_); v_; })
#define PNL_STORE(a, v) do { pnl_vd v_ = (v); __builtin_memcpy((a), &v_, sizeof v_); } while (0)

static inline __attribute__((always_inline)) pnl_vd pnl_vsel(pnl_vi m, pnl_vd a, pnl_vd b)
{
    /* m ? a : b, lane by lane (m: all bits set or none) */
    return (pnl_vd)(((pnl_vi)a & m) | ((pnl_vi)b & ~m));
}

/* bit l set where lane l of m is set (m: all bits set or none, lane by lane) */
static inline __attribute__((always_inline)) int pnl_vbits(pnl_vi m)
{
    const pnl_vi bit = {1, 2, 4, 8};
    pnl_vi b = m & bit;
    /* the OR across lanes by two permutations (no lane extracted but one) */
    b = b | __builtin_shuffle(b, (pnl_vi){2, 3, 0, 1});
    b = b | __builtin_shuffle(b, (pnl_vi){1, 0, 3, 2});
    return (int)b[0];
}

/* the number of bits set in a lane mask */
static const unsigned char pnl_nbits[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};

static inline __attribute__((always_inline)) pnl_vd pnl_vmax(pnl_vd a, pnl_vd b)
{
    return pnl_vsel(a > b, a, b);
}

static inline __attribute__((always_inline)) pnl_vd pnl_vmin(pnl_vd a, pnl_vd b)
{
    return pnl_vsel(a < b, a, b);
}

/* c[0] + c[1] x + ... + c[13] x^13 by Estrin's scheme (depth 4: the lanes'
 * latency, not their throughput, bounds this code). */
static inline __attribute__((always_inline)) pnl_vd pnl_vpoly13(pnl_vd x, const double *c)
{
    pnl_vd x2 = x * x, x4, x8;
    pnl_vd a0 = c[0] + c[1] * x, a1 = c[2] + c[3] * x, a2 = c[4] + c[5] * x;
    pnl_vd a3 = c[6] + c[7] * x, a4 = c[8] + c[9] * x, a5 = c[10] + c[11] * x;
    pnl_vd a6 = c[12] + c[13] * x;
    x4 = x2 * x2;
    x8 = x4 * x4;
    return (a0 + x2 * a1) + x4 * (a2 + x2 * a3) + x8 * ((a4 + x2 * a5) + x4 * a6);
}

static const double pnl_exp_c[14] = {
    1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
    1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800};

/* (expm1(z) - z) / z^2 */
static const double pnl_expm1_c[14] = {
    1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
    1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800,
    1.0 / 87178291200, 1.0 / 1307674368000};

/* exp(x) for x in [-700, 700] (clamped outside: no overflow, no subnormals). */
static inline __attribute__((always_inline)) pnl_vd pnl_vexp(pnl_vd x)
{
    const pnl_vd shift = x * 0.0 + 0x1.8p52;
    pnl_vd kd, r;
    pnl_vi ki;
    x = pnl_vmin(pnl_vmax(x, x * 0.0 - 700.0), x * 0.0 + 700.0);
    kd = x * 0x1.71547652b82fep0 + shift;          /* round(x / ln2) in the low bits */
    ki = (pnl_vi)kd;
    kd = kd - shift;
    r = x - kd * 0x1.62e42fefa3800p-1;             /* ln2 high part: kd * hi is exact */
    r = r - kd * 0x1.ef35793c76730p-45;            /* ln2 low part */
    return pnl_vpoly13(r, pnl_exp_c) * (pnl_vd)((ki << 52) + ((int64_t)1023 << 52));
}

/* log(x) for normal x > 0: x = 2^e m with m in [sqrt(1/2), sqrt(2)),
 * log m = 2 atanh(z), z = (m - 1)/(m + 1), |z| <= 0.1716, by its series to
 * z^21 (within a few ulp of the C library). */
static const double pnl_atanh_c[11] = {
    1.0, 1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11, 1.0 / 13, 1.0 / 15, 1.0 / 17,
    1.0 / 19, 1.0 / 21};

static inline __attribute__((always_inline)) pnl_vd pnl_vlog(pnl_vd x)
{
    const pnl_vd shift = x * 0.0 + 0x1.8p52;
    pnl_vi i = (pnl_vi)x, e, big;
    pnl_vd m, z, z2, z4, z8, p, ed;
    const double *c = pnl_atanh_c;
    e = (i >> 52) - 1023;
    m = (pnl_vd)((i & 0x000fffffffffffffLL) | 0x3ff0000000000000LL);
    big = m > 0x1.6a09e667f3bcdp0;
    m = pnl_vsel(big, m * 0.5, m);
    e = e - big;
    ed = (pnl_vd)(e + (pnl_vi)shift) - shift;      /* e as a double (|e| < 2^51) */
    z = (m - 1.0) / (m + 1.0);
    z2 = z * z;
    z4 = z2 * z2;
    z8 = z4 * z4;
    p = ((c[0] + c[1] * z2) + z4 * (c[2] + c[3] * z2))
        + z8 * (((c[4] + c[5] * z2) + z4 * (c[6] + c[7] * z2))
                + z8 * ((c[8] + c[9] * z2) + z4 * c[10]));
    return ed * 0x1.62e42fefa3800p-1 + (2.0 * z * p + ed * 0x1.ef35793c76730p-45);
}

/* expm1(z): its own series where |z| < 0.35, exp(z) - 1 elsewhere (computed
 * only when a lane needs it). */
static inline __attribute__((always_inline)) pnl_vd pnl_vexpm1(pnl_vd z)
{
    pnl_vd p = z + z * z * pnl_vpoly13(z, pnl_expm1_c);
    pnl_vi small = (z < 0.35) & (z > -0.35);
    return pnl_vbits(small) == 15 ? p : pnl_vsel(small, p, pnl_vexp(z) - 1.0);
}

/* The lanes m take a pending crossing: the state (ts, x0, I_ex, I_in) where
 * its bracket (0, S] starts and g = V - V_th at the bracket's end. */
static inline __attribute__((always_inline)) void pnl_lanes_pend(
    pnl_lanes *L, pnl_vi m, pnl_vd ts, pnl_vd x0, pnl_vd Ie, pnl_vd Ii, pnl_vd S, pnl_vd g)
{
    pnl_vi pv;
    __builtin_memcpy(&pv, L->pend, sizeof pv);
    pv = pv | (m & 1);
    __builtin_memcpy(L->pend, &pv, sizeof pv);
    PNL_STORE(L->p_ts, pnl_vsel(m, ts, PNL_LOAD(L->p_ts)));
    PNL_STORE(L->p_x0, pnl_vsel(m, x0, PNL_LOAD(L->p_x0)));
    PNL_STORE(L->p_ie, pnl_vsel(m, Ie, PNL_LOAD(L->p_ie)));
    PNL_STORE(L->p_ii, pnl_vsel(m, Ii, PNL_LOAD(L->p_ii)));
    PNL_STORE(L->p_S, pnl_vsel(m, S, PNL_LOAD(L->p_S)));
    PNL_STORE(L->p_g, pnl_vsel(m, g, PNL_LOAD(L->p_g)));
}

/* One arrival at ta; w[l] the lane's weight, conn[l] != 0 where the lane's
 * neuron is a target of the arriving source.  A lane refractory beyond
 * t_last (the pattern's end and its last arrival) ignores it: it cannot
 * spike again.  Returns the mask of lanes left to the scalar code (bit l:
 * lane l).  *checks counts the crossing tests. */
__attribute__((target_clones("avx2", "default")))
static int pnl_lanes_arrive(pnl_lanes *L, double ta, double t_last, const double *w,
                            const int64_t *conn, int64_t *checks)
{
    const pnl_vd zero = {0}, one = zero + 1.0;
    const pnl_vd Ie0 = PNL_LOAD(L->Ie), Ii0 = PNL_LOAD(L->Ii);     /* at ts */
    pnl_vd V = PNL_LOAD(L->V), Ie = Ie0, Ii = Ii0;
    pnl_vd ts = PNL_LOAD(L->ts), trel = PNL_LOAD(L->trel), E_inf = PNL_LOAD(L->E_inf);
    pnl_vd t_ref = PNL_LOAD(L->t_ref);
    pnl_vd th = PNL_LOAD(L->th), inv_tm = PNL_LOAD(L->inv_tm), inv_C = PNL_LOAD(L->inv_C);
    pnl_vd d_e = PNL_LOAD(L->d_e), d_i = PNL_LOAD(L->d_i), wv = PNL_LOAD(w);
    pnl_vi cv;
    pnl_vd dt, x0, bound, q, slope, em, qe, qi, ge, gi, x, Vn, fe, fi;
    pnl_vi on, refr, held, partial, cand, upd, neg, onecur, scal, defer;
    int mask;
    __builtin_memcpy(&cv, conn, sizeof cv);
    on = (cv != 0) & (trel <= t_last);
    if (!pnl_vbits(on))
        return 0;
    dt = ta - ts;
    refr = ts < trel;                       /* refractory at its last update */
    held = refr & (trel >= ta);             /* ... until ta at least: no crossing */
    partial = refr & (trel < ta);           /* the period ends before ta */
    /* the crossing test of the free lanes (next_crossing, limited to ta) */
    x0 = V - E_inf;
    bound = pnl_vmax(x0, zero) + pnl_vmax(Ie, zero) * PNL_LOAD(L->kmax_e)
            + pnl_vmax(Ii, zero) * PNL_LOAD(L->kmax_i);
    q = pnl_vsel(x0 >= zero, x0 * (one - dt * inv_tm), x0) + pnl_vmin(Ii, zero) * dt * inv_C;
    slope = x0 + dt * (-q * inv_tm + pnl_vmax(Ie, zero) * inv_C);
    cand = ~refr & ((x0 >= th) | ((bound >= th) & (dt > zero) & (slope >= th)));
    /* exact propagation to ta */
    em = pnl_vexp(-dt * inv_tm);
    qe = pnl_vexpm1(dt * d_e);
    qi = pnl_vbits(Ii != zero) ? pnl_vexpm1(dt * d_i) : zero;  /* (I_in = 0: any finite q_in) */
    ge = pnl_vsel(d_e == zero, dt * inv_C, qe * PNL_LOAD(L->inv_Cd_e));
    gi = pnl_vsel(d_i == zero, dt * inv_C, qi * PNL_LOAD(L->inv_Cd_i));
    fe = pnl_vsel(d_e == zero, em, em * (one + qe));
    fi = pnl_vsel(d_i == zero, em, em * (one + qi));
    x = em * (x0 + Ie * ge + Ii * gi);
    Ie = Ie * fe;
    Ii = Ii * fi;
    /* a candidate with one synaptic current has at most one critical point
     * in (ts, ta): without a maximum inside (slope > 0 at ts and < 0 at ta)
     * V is largest at an end, and both ends below threshold: no crossing */
    onecur = (Ii0 == zero) | (Ie0 == zero);
    cand = cand & ~(onecur & (x < th)
                    & ~((x0 * inv_tm < (Ie0 + Ii0) * inv_C) & (x * inv_tm > (Ie + Ii) * inv_C)));
    __builtin_memcpy(&cv, L->scalar, sizeof cv);
    scal = cv != 0;
    /* with one current, V below threshold at ts and at or above it at ta, V
     * crosses exactly once in (ts, ta); if the neuron is still refractory at
     * ta after that spike (ts + t_ref >= ta), the spike time is not needed
     * yet: the crossing is deferred (pnl_lanes_resolve), the lane is held at
     * V_reset with trel = ts + t_ref, a lower bound (an arrival after it goes
     * to the caller, which solves the crossing first) */
    __builtin_memcpy(&cv, L->pend, sizeof cv);
    defer = on & cand & ~scal & onecur & (x0 < th) & (x >= th) & (ts + t_ref >= ta)
            & (cv == 0);
    cand = on & ((cand & ~defer) | partial | scal);
    Vn = pnl_vsel(held | defer, PNL_LOAD(L->V_reset), E_inf + x);
    PNL_STORE(L->x_end, x);
    upd = on & ~cand;
    mask = pnl_vbits(cand);
    checks[0] += pnl_nbits[pnl_vbits(upd & ~refr)];    /* (the scalar code counts its own) */
    if (pnl_vbits(defer)) {
        pnl_lanes_pend(L, defer, ts, x0, Ie0, Ii0, dt, x - th);
        PNL_STORE(L->trel, pnl_vsel(defer, ts + t_ref, trel));
    }
    neg = wv < zero;
    Ie = Ie + pnl_vsel(neg, zero, wv);
    Ii = Ii + pnl_vsel(neg, wv, zero);
    PNL_STORE(L->V, pnl_vsel(upd, Vn, V));
    PNL_STORE(L->Ie, pnl_vsel(upd, Ie, Ie0));
    PNL_STORE(L->Ii, pnl_vsel(upd, Ii, Ii0));
    PNL_STORE(L->ts, pnl_vsel(upd, ts * 0.0 + ta, ts));
    return mask;
}

/* The deferred crossings: for every pending lane the time T[l] of its one
 * threshold crossing in (p_ts, p_ts + p_S], solved in all lanes at once by
 * the scalar polish's method (pnl_terms_polish of lif_roots.h: a Halley
 * step from 0 as the start, then Halley steps kept inside the shrinking
 * bracket, Newton where the Halley denominator degenerates, bisection
 * otherwise; the same stopping rules).  With x0 = V - E_inf and the one
 * current I (time constant tau_x, d = 1/tau_m - 1/tau_x) at p_ts,
 *
 *   g(s) = V - V_th = -th + (A + P s) e^{-s/tau_m} + B e^{-s/tau_x},
 *   A = x0 - I/(C d), P = 0, B = I/(C d)     (d != 0)
 *   A = x0, P = I/C, B = 0                   (d = 0).
 *
 * Returns the mask of the lanes solved (pend stays set: the caller sends
 * each spike and clears it). */
__attribute__((target_clones("avx2", "default")))
static int pnl_lanes_resolve(pnl_lanes *L, double *T)
{
    const pnl_vd zero = {0}, one = zero + 1.0;
    pnl_vi pv, act, ise, lin, up, inside, halley, newton, done;
    pnl_vd th, cur, d, rm, rx, A, P, B, a, b, s, ga, d1, d2, den, step, res, p, em, ex, g, dg, ddg;
    pnl_vd sn, tol;
    int it, mask;
    __builtin_memcpy(&pv, L->pend, sizeof pv);
    act = pv != 0;
    mask = pnl_vbits(act);
    if (!mask)
        return 0;
    th = PNL_LOAD(L->th);
    ise = PNL_LOAD(L->p_ie) != zero;
    cur = pnl_vsel(ise, PNL_LOAD(L->p_ie), PNL_LOAD(L->p_ii));
    d = pnl_vsel(ise, PNL_LOAD(L->d_e), PNL_LOAD(L->d_i));
    rx = pnl_vsel(ise, PNL_LOAD(L->inv_te), PNL_LOAD(L->inv_ti));
    rm = PNL_LOAD(L->inv_tm);
    lin = d == zero;
    B = pnl_vsel(lin, zero, cur * pnl_vsel(ise, PNL_LOAD(L->inv_Cd_e), PNL_LOAD(L->inv_Cd_i)));
    A = PNL_LOAD(L->p_x0) - B;
    P = pnl_vsel(lin, cur * PNL_LOAD(L->inv_C), zero);
    a = zero;
    b = PNL_LOAD(L->p_S);
    ga = PNL_LOAD(L->p_x0) - th;
    g = PNL_LOAD(L->p_g);
    res = b;
    act = act & (g != zero);                /* g = 0 at the bracket's end: that end */
    up = ga < zero;
    /* start: regula falsi, better a Halley step from 0 (g', g'' there cost no
     * exponential) */
    s = a + (b - a) * (ga / (ga - g));
    d1 = (P - rm * A) - rx * B;
    d2 = (rm * rm * A - 2.0 * rm * P) + rx * rx * B;
    den = 2.0 * d1 * d1 - ga * d2;
    step = a - 2.0 * ga * d1 / den;
    s = pnl_vsel((den > zero) & (d1 != zero) & (step > a) & (step < b), step, s);
    s = pnl_vsel((s > a) & (s < b), s, 0.5 * (a + b));
    for (it = 0; it < 100 && pnl_vbits(act); it++) {
        em = pnl_vexp(-rm * s);
        ex = pnl_vexp(-rx * s);
        p = A + P * s;
        g = (-th + p * em) + B * ex;
        dg = (P - rm * p) * em - rx * B * ex;
        ddg = (rm * rm * p - 2.0 * rm * P) * em + rx * rx * B * ex;
        done = act & (g == zero);
        res = pnl_vsel(done, s, res);
        act = act & ~done;
        a = pnl_vsel((g < zero) == up, s, a);
        b = pnl_vsel((g < zero) == up, b, s);
        done = act & (b - a <= 4e-16 * (pnl_vmax(a, -a) + pnl_vmax(b, -b)) + 1e-300);
        res = pnl_vsel(done, b, res);
        act = act & ~done;
        den = 2.0 * dg * dg - g * ddg;
        halley = (den > zero) & (dg != zero);
        newton = ~halley & (dg != zero);
        step = pnl_vsel(halley, 2.0 * g * dg / den, pnl_vsel(newton, g / dg, zero));
        sn = s - step;
        inside = (dg != zero) & (sn > a) & (sn < b)
                 & (pnl_vmax(step, -step) < 0.5 * (b - a) + 1e-300);
        tol = pnl_vsel(halley, one * 1e-6, one * 1e-14);
        done = act & inside & (pnl_vmax(step, -step) <= tol * pnl_vmax(sn, -sn));
        res = pnl_vsel(done, sn, res);
        act = act & ~done;
        s = pnl_vsel(inside, sn, 0.5 * (a + b));
    }
    res = pnl_vsel(act, s, res);            /* (no convergence in 100 steps) */
    PNL_STORE(T, PNL_LOAD(L->p_ts) + res);
    return mask;
}

/* The rest of a pattern without input, up to t_end: the mask of the lanes
 * that may still cross threshold (the caller runs them in the scalar code).
 * A lane is quiet when it is refractory beyond t_end, or when the largest
 * voltage it can reach from its state (from V_reset with the currents
 * decayed to the refractory end, if it is refractory) stays below
 * threshold: x0+ + I_ex+ kmax_ex + I_in+ kmax_in < th, the first test of the
 * scalar next_crossing (with a margin of 1e-12 th for the lanes' exp).
 *
 * A free lane (not refractory, no crossing pending) with only an
 * excitatory current (and th > 0, d_ex != 0) is settled here as the scalar
 * next_crossing settles it: V - V_th = -th + A e^{-s/tau_m} + B e^{-s/tau_ex}
 * has its one maximum at s* = log(-(B/tau_ex) / (A/tau_m)) / (1/tau_ex -
 * 1/tau_m) (none: V falls); with S = min(s*, t_end - ts, horizon), V below
 * threshold at S means no crossing (quiet), else the crossing is the one
 * zero in (0, S]: the lane's pending crossing (pend set, its bracket in p_*)
 * for pnl_lanes_resolve.  *checks counts the quiet lanes' tests. */
__attribute__((target_clones("avx2", "default")))
static int pnl_lanes_tail(pnl_lanes *L, double t_end, int n, int64_t *checks)
{
    const pnl_vd zero = {0};
    pnl_vd ts = PNL_LOAD(L->ts), trel = PNL_LOAD(L->trel), Ie = PNL_LOAD(L->Ie);
    pnl_vd Ii = PNL_LOAD(L->Ii), th = PNL_LOAD(L->th), E_inf = PNL_LOAD(L->E_inf);
    pnl_vd x0, dr, bound, B, A, q, se, ge, re, rm;
    pnl_vi refr, quiet, scal, pv, one, nomax;
    int mask;
    refr = ts < trel;
    dr = pnl_vmax(trel - ts, zero);
    dr = pnl_vsel(refr & (trel <= t_end), dr, zero);     /* (finite where used) */
    Ie = pnl_vsel(refr, Ie * pnl_vexp(-dr * PNL_LOAD(L->inv_te)), Ie);
    Ii = pnl_vsel(refr, Ii * pnl_vexp(-dr * PNL_LOAD(L->inv_ti)), Ii);
    x0 = pnl_vsel(refr, PNL_LOAD(L->V_reset), PNL_LOAD(L->V)) - E_inf;
    bound = pnl_vmax(x0, zero) + pnl_vmax(Ie, zero) * PNL_LOAD(L->kmax_e)
            + pnl_vmax(Ii, zero) * PNL_LOAD(L->kmax_i);
    __builtin_memcpy(&scal, L->scalar, sizeof scal);
    quiet = (scal == 0) & ((refr & (trel > t_end))
                           | (bound + 1e-12 * pnl_vmax(th, -th) < th));
    __builtin_memcpy(&pv, L->pend, sizeof pv);
    one = ((pnl_vi){0, 1, 2, 3} < (int64_t)n) & ~quiet & (scal == 0) & ~refr & (pv == 0)
          & (Ii == zero) & (Ie > zero) & (th > zero) & (PNL_LOAD(L->d_e) != zero) & (x0 < th);
    if (pnl_vbits(one)) {
        rm = PNL_LOAD(L->inv_tm);
        re = PNL_LOAD(L->inv_te);
        B = Ie * PNL_LOAD(L->inv_Cd_e);
        A = x0 - B;
        q = -(re * B) / (rm * A);
        nomax = ~(q > zero);
        se = pnl_vlog(pnl_vsel(nomax, zero + 1.0, q)) / (re - rm);
        nomax = nomax | (se <= zero);
        se = pnl_vmin(pnl_vmin(se, t_end - ts), PNL_LOAD(L->horizon));
        ge = (A * pnl_vexp(-rm * se) + B * pnl_vexp(-re * se)) - th;
        quiet = quiet | (one & (nomax | (ge < zero)));
        one = one & ~nomax & (ge >= zero);
        if (pnl_vbits(one)) {
            pnl_lanes_pend(L, one, ts, x0, Ie, zero, se, ge);
            quiet = quiet | one;            /* (settled: not the scalar code's) */
        }
    }
    mask = pnl_vbits(quiet) & ((1 << n) - 1);
    checks[0] += pnl_nbits[mask];
    return ~mask & ((1 << n) - 1);
}

#endif
