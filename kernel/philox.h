/*
 * philox.h -- counter-based random streams for pynestlite.
 *
 * Every random number in the simulator is a pure function of
 *
 *     (seed, purpose, extra)  -> 64-bit key   (which stream)
 *     (gid, index)            -> 128-bit counter (which draw)
 *
 * evaluated with the Philox4x32-10 bijection (Salmon et al. 2011, "Parallel
 * random numbers: as easy as 1, 2, 3", SC'11).  Because a draw depends only
 * on these numbers, and never on how many draws another node or rank made
 * before, the same network gives the same numbers on any number of MPI
 * ranks.
 *
 * The purpose codes live in kernel/random_streams.pxd.  The samplers below
 * (uniform, normal, exponential, Poisson) consume a stream sequentially;
 * a stream is a small struct that can be kept per node.
 */
#ifndef PYNESTLITE_PHILOX_H
#define PYNESTLITE_PHILOX_H

#include <stdint.h>
#include <math.h>

#define PNL_PHILOX_M0 0xD2511F53u
#define PNL_PHILOX_M1 0xCD9E8D57u
#define PNL_PHILOX_W0 0x9E3779B9u
#define PNL_PHILOX_W1 0xBB67AE85u

typedef struct {
    uint32_t k0, k1;
} pnl_key;

/* One stream: key, the node it belongs to and the next draw index.
 * Each Philox call yields 128 bits = two 53-bit doubles; the second is
 * cached in `spare`. */
typedef struct {
    pnl_key key;
    uint64_t gid;
    uint64_t index;
    double spare;
    int has_spare;
} pnl_stream;

static inline uint64_t pnl_splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static inline pnl_key pnl_make_key(uint64_t seed, uint64_t purpose, uint64_t extra)
{
    uint64_t h = pnl_splitmix64(seed);
    h = pnl_splitmix64(h ^ (purpose * 0xD1B54A32D192ED03ull));
    h = pnl_splitmix64(h ^ (extra * 0x8CB92BA72F3D8DD7ull));
    pnl_key k;
    k.k0 = (uint32_t)h;
    k.k1 = (uint32_t)(h >> 32);
    return k;
}

static inline void pnl_philox4x32_10(pnl_key key, uint64_t ctr_lo, uint64_t ctr_hi, uint32_t out[4])
{
    uint32_t c0 = (uint32_t)ctr_lo, c1 = (uint32_t)(ctr_lo >> 32);
    uint32_t c2 = (uint32_t)ctr_hi, c3 = (uint32_t)(ctr_hi >> 32);
    uint32_t k0 = key.k0, k1 = key.k1;
    for (int r = 0; r < 10; ++r) {
        uint64_t p0 = (uint64_t)PNL_PHILOX_M0 * c0;
        uint64_t p1 = (uint64_t)PNL_PHILOX_M1 * c2;
        uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
        uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += PNL_PHILOX_W0;
        k1 += PNL_PHILOX_W1;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

/* 64 random bits -> double in [0, 1) with 53 bits of mantissa. */
static inline double pnl_bits_to_unit(uint32_t lo, uint32_t hi)
{
    uint64_t x = ((uint64_t)hi << 32) | lo;
    return (double)(x >> 11) * (1.0 / 9007199254740992.0);
}

static inline void pnl_stream_init(pnl_stream *s, pnl_key key, uint64_t gid, uint64_t index)
{
    s->key = key;
    s->gid = gid;
    s->index = index;
    s->spare = 0.0;
    s->has_spare = 0;
}

/* Uniform in [0, 1). */
static inline double pnl_uniform(pnl_stream *s)
{
    if (s->has_spare) {
        s->has_spare = 0;
        return s->spare;
    }
    uint32_t o[4];
    pnl_philox4x32_10(s->key, s->index, s->gid, o);
    s->index += 1;
    s->spare = pnl_bits_to_unit(o[2], o[3]);
    s->has_spare = 1;
    return pnl_bits_to_unit(o[0], o[1]);
}

/* Uniform in (0, 1]: safe for log(). */
static inline double pnl_uniform_pos(pnl_stream *s)
{
    return 1.0 - pnl_uniform(s);
}

/* Integer uniform in [0, n) (n > 0), by multiplication of a 53-bit double;
 * the bias is below 2^-53 * n. */
static inline int64_t pnl_uniform_int(pnl_stream *s, int64_t n)
{
    int64_t k = (int64_t)(pnl_uniform(s) * (double)n);
    return k < n ? k : n - 1;
}

/* Standard normal, Box-Muller (both uniforms of one draw, cosine branch). */
static inline double pnl_normal(pnl_stream *s)
{
    double u1 = pnl_uniform_pos(s);
    double u2 = pnl_uniform(s);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925286766559 * u2);
}

static inline double pnl_exponential(pnl_stream *s)
{
    return -log(pnl_uniform_pos(s));
}

/* log(k!) for the PTRS Poisson sampler. */
static inline double pnl_log_factorial(double k)
{
    return lgamma(k + 1.0);
}

/* Poisson(mu) for mu < 10 by inversion, with exp(-mu) precomputed. */
static inline int64_t pnl_poisson_inversion(double u, double mu, double exp_minus_mu)
{
    double p = exp_minus_mu;
    double cdf = p;
    int64_t k = 0;
    while (u > cdf) {
        k += 1;
        p *= mu / (double)k;
        cdf += p;
        if (p < 1e-300 && cdf < u)
            break;
    }
    return k;
}

/* Poisson(mu).  Inversion for mu < 10 (one uniform, expected mu + 1
 * multiplications); for larger mu the transformed rejection method PTRS of
 * Hoermann (1993), as used by numpy. */
static inline int64_t pnl_poisson(pnl_stream *s, double mu)
{
    if (mu <= 0.0)
        return 0;
    if (mu < 10.0)
        return pnl_poisson_inversion(pnl_uniform(s), mu, exp(-mu));
    {
        double slam = sqrt(mu);
        double loglam = log(mu);
        double b = 0.931 + 2.53 * slam;
        double a = -0.059 + 0.02483 * b;
        double invalpha = 1.1239 + 1.1328 / (b - 3.4);
        double vr = 0.9277 - 3.6224 / (b - 2.0);
        for (;;) {
            double U = pnl_uniform(s) - 0.5;
            double V = pnl_uniform(s);
            double us = 0.5 - fabs(U);
            int64_t k = (int64_t)floor((2.0 * a / us + b) * U + mu + 0.43);
            if ((us >= 0.07) && (V <= vr))
                return k;
            if ((k < 0) || ((us < 0.013) && (V > us)))
                continue;
            if ((log(V) + log(invalpha) - log(a / (us * us) + b)) <=
                (-mu + (double)k * loglam - pnl_log_factorial((double)k)))
                return k;
        }
    }
}

#endif
