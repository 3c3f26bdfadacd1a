"""Oscillating background as simulated tempering (seed 001, chapter 4).

Eq. 4.10: nu_exc(t) = (nu_max - nu_min)/2 sin(2 pi f t) + (nu_max + nu_min)/2,
and nu_inh(t) follows the balanced isoline nu_inh = nu_0 + m nu_exc (Eq. 4.9).
With w_exc = -w_inh and equal tau_s the temperature is (Eq. 4.20)
T(t) = sqrt((nu_exc + nu_inh) / (nu_exc,ref + nu_inh,ref)).

Phase binning pools the network state over all periods: for each of
``n_bins`` phase bins the joint-state histogram gives the sampled entropy
S(phi) and D_KL(sampled(phi) || p_1); the calculated curve is S(p_T(phi)).
"""
import numpy as np

import boltzmann as bm


def exc_rate(t, nu_min, nu_max, f_osc):
    """Eq. 4.10 (t in ms, f_osc in Hz, rates in kHz)."""
    return (0.5 * (nu_max - nu_min) * np.sin(2.0 * np.pi * f_osc * 1e-3 * np.asarray(t))
            + 0.5 * (nu_max + nu_min))


def temperature(nu_exc, nu_inh, nu_ref_sum=4.0):
    """Eq. 4.20."""
    return np.sqrt((np.asarray(nu_exc) + np.asarray(nu_inh)) / nu_ref_sum)


def phase_binned(code, dt, period, n_bins, n_states, W, B):
    """Per phase bin: sampled distribution, entropy and D_KL to p_1.

    ``code`` is the joint state at each grid point from t = 0 on."""
    t = np.arange(len(code)) * dt
    bins = np.floor((t % period) / period * n_bins).astype(np.int64)
    hist = np.zeros((n_bins, n_states))
    np.add.at(hist, (bins, code), 1.0)
    hist /= hist.sum(axis=1, keepdims=True)
    p1 = bm.boltzmann(W, B, 1.0)
    S = np.array([bm.entropy(h) for h in hist])
    D = np.array([bm.dkl(h, p1) for h in hist])
    return hist, S, D


def target_entropy(t, W, B, nu_min, nu_max, f_osc, nu0, m):
    """S(p_T(t)) of the calculated curve at times t (ms)."""
    ne = exc_rate(t, nu_min, nu_max, f_osc)
    T = temperature(ne, nu0 + m * ne)
    return np.array([bm.entropy(bm.boltzmann(W, B, float(x))) for x in np.atleast_1d(T)])


def best_lag(S_sampled, W, B, nu_min, nu_max, f_osc, nu0, m, lags):
    """The lag (ms) minimising the squared difference between the sampled
    phase-binned entropy and the calculated one delayed by the lag; also
    the r.m.s. difference at that lag."""
    period = 1000.0 / f_osc
    n_bins = len(S_sampled)
    centres = (np.arange(n_bins) + 0.5) * period / n_bins
    err = []
    for lag in lags:
        S_t = target_entropy(centres - lag, W, B, nu_min, nu_max, f_osc, nu0, m)
        err.append(np.mean((S_sampled - S_t) ** 2))
    i = int(np.argmin(err))
    return float(lags[i]), float(np.sqrt(err[i]))


def unit_crossings(period, nu_min, nu_max, f_osc, nu0, m, n=20001):
    """Times (ms, within one period) where T(t) crosses 1."""
    t = np.linspace(0.0, period, n)
    ne = exc_rate(t, nu_min, nu_max, f_osc)
    d = temperature(ne, nu0 + m * ne) - 1.0
    idx = np.nonzero(np.sign(d[:-1]) != np.sign(d[1:]))[0]
    return t[idx]
