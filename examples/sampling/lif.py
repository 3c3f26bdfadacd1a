"""Current-based LIF neurons under Poisson background (seed 001, chapter 4).

The neuron of Table 4.1 is ``iaf_psc_exp``: C_m 200 pF, g_L 2 uS (tau_m
0.1 ms, the high-conductance regime), tau_syn 10 ms for both receptors,
E_L = V_th = -50 mV, V_reset -55.1 mV, t_ref 10 ms.  Each neuron gets one
excitatory and one inhibitory Poisson train of its own (one generator
connected to many targets gives independent trains, as in NEST).

Free membrane (threshold disabled), Eqs. 4.1-4.2, with w in nA, rates in
1/ms, times in ms and g_L in uS::

    mu_u    = E_L + (I_in + sum_i w_i nu_i tau_s) / g_L
    sigma_u^2 = sum_i nu_i w_i^2 tau_s^2 / (2 g_L^2 (tau_m + tau_s))

Activation (Eq. 4.3): p(z=1) = nu_out * t_ref is fitted by the logistic
1 / (1 + exp(-beta (I_in - I_0))).  The same curve against the mean free
membrane potential mu_u = E_L + I_in / g_L (balanced background) has the
slope beta_u = beta * g_L per mV and its inflection at
mu_u = V_th + I_0 / g_L.
"""
import numpy as np

import pynestlite as nest

C_M = 200.0          # pF
G_L = 2.0            # uS  (C_m / tau_m)
TAU_M = 0.1          # ms
TAU_S = 10.0         # ms
T_REF = 10.0         # ms
E_L = -50.0          # mV
V_TH = -50.0         # mV
V_RESET = -55.1      # mV
DT = 0.1             # ms
W_BG = 0.5           # nA, w_exc = -w_inh (Table 4.2, response function)

NEURON = {"C_m": C_M, "tau_m": TAU_M, "tau_syn_ex": TAU_S, "tau_syn_in": TAU_S,
          "t_ref": T_REF, "E_L": E_L, "V_th": V_TH, "V_reset": V_RESET, "V_m": E_L}

# Table 4.3: (nu_exc, nu_inh) in kHz
TABLE_4_3 = {"blue": (1.0, 1.0), "orange": (2.0, 2.0), "red": (4.0, 4.0),
             "green": (2.848, 1.232), "purple": (1.232, 2.848)}


def free_membrane_theory(nu_exc, nu_inh, w_exc=W_BG, w_inh=-W_BG, I_in=0.0):
    """Mean and s.d. (mV) of the free membrane potential, Eqs. 4.1-4.2.

    Rates in kHz (= 1/ms), weights and I_in in nA."""
    mu = E_L + (I_in + (w_exc * nu_exc + w_inh * nu_inh) * TAU_S) / G_L
    var = ((nu_exc * w_exc ** 2 + nu_inh * w_inh ** 2) * TAU_S ** 2
           / (2.0 * G_L ** 2 * (TAU_M + TAU_S)))
    return mu, float(np.sqrt(var))


def reset(seed):
    """A fresh kernel at dt = 0.1 ms with the given RNG seed."""
    nest.ResetKernel()
    nest.resolution = DT
    nest.rng_seed = int(seed)
    nest.print_time = False


def background(targets, nu_exc, nu_inh, w_exc=W_BG, w_inh=-W_BG):
    """Independent excitatory and inhibitory Poisson trains (kHz, nA) for every
    target; returns the two generators."""
    ge = nest.Create("poisson_generator", params={"rate": 1000.0 * nu_exc})
    gi = nest.Create("poisson_generator", params={"rate": 1000.0 * nu_inh})
    nest.Connect(ge, targets, syn_spec={"weight": 1000.0 * w_exc, "delay": DT})
    nest.Connect(gi, targets, syn_spec={"weight": 1000.0 * w_inh, "delay": DT})
    return ge, gi


def free_membrane(nu_exc, nu_inh, t_sim, n=4, seed=1, t_warm=100.0, interval=1.0):
    """Sample mean and s.d. (mV) of V_m of ``n`` neurons with the threshold
    disabled, after ``t_warm`` ms, sampled every ``interval`` ms, and the
    shape of its distribution: skewness and excess kurtosis (0 and 0 for a
    Gaussian)."""
    reset(seed)
    nrn = nest.Create("iaf_psc_exp", n, dict(NEURON, V_th=1e9))
    background(nrn, nu_exc, nu_inh)
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": interval,
                                           "start": t_warm})
    nest.Connect(mm, nrn)
    nest.Simulate(t_warm + t_sim)
    v = np.asarray(mm.events["V_m"])
    z = (v - v.mean()) / v.std()
    return float(v.mean()), float(v.std()), float(np.mean(z ** 3)), float(np.mean(z ** 4) - 3.0)


def activation_grid(rate_pairs, currents, t_sim, seed=1, t_warm=100.0, n_rep=1):
    """p(z=1) = nu_out * t_ref for several backgrounds in one simulation.

    Parameters
    ----------
    rate_pairs : sequence of (nu_exc, nu_inh)
        Background rates (kHz), one pair per configuration.
    currents : array_like, shape (n_cfg, n_I)
        Input currents (nA) for each configuration.
    t_sim : float
        Recorded time (ms) after ``t_warm``.
    n_rep : int
        Neurons per (configuration, current); their counts are pooled.

    Returns
    -------
    ndarray, shape (n_cfg, n_I)
    """
    currents = np.atleast_2d(np.asarray(currents, dtype=float))
    n_cfg, n_I = currents.shape
    if len(rate_pairs) != n_cfg:
        raise ValueError(f"activation_grid: {len(rate_pairs)} rate pairs for "
                         f"{n_cfg} rows of currents; expected one pair per row")
    reset(seed)
    per = n_I * n_rep
    nrn = nest.Create("iaf_psc_exp", n_cfg * per, NEURON)
    nrn.I_e = 1000.0 * np.concatenate([np.tile(row, n_rep) for row in currents])
    for c, (ne, ni) in enumerate(rate_pairs):
        background(nrn[c * per:(c + 1) * per], ne, ni)
    sr = nest.Create("spike_recorder", params={"start": t_warm})
    nest.Connect(nrn, sr)
    nest.Simulate(t_warm + t_sim)
    senders = np.asarray(sr.events["senders"]) - nrn[0].global_id
    counts = np.bincount(senders, minlength=n_cfg * per).reshape(n_cfg, n_rep, n_I)
    return counts.sum(axis=1) / (n_rep * t_sim) * T_REF


def activation(I_in, nu_exc, nu_inh, t_sim, seed=1, t_warm=100.0, n_rep=1):
    """p(z=1) = nu_out * t_ref for each input current ``I_in`` (nA), pooled
    over ``n_rep`` neurons per current (one background configuration)."""
    return activation_grid([(nu_exc, nu_inh)], [I_in], t_sim, seed, t_warm, n_rep)[0]


def logistic(I, beta, I0):
    """Eq. 4.3."""
    return 1.0 / (1.0 + np.exp(-beta * (I - I0)))


def fit_logistic(I_in, p, full=False):
    """Least-squares logistic fit (Eq. 4.3).

    Returns (beta in 1/nA, I0 in nA); with ``full`` also their standard
    errors from the fit's covariance, (beta, I0, se_beta, se_I0).
    """
    from scipy.optimize import curve_fit
    I_in, p = np.asarray(I_in, float), np.asarray(p, float)
    i0 = float(I_in[np.argmin(np.abs(p - 0.5))])
    (beta, I0), cov = curve_fit(logistic, I_in, p, p0=(1.0, i0), maxfev=10000)
    if not full:
        return float(beta), float(I0)
    se = np.sqrt(np.diag(cov))
    return float(beta), float(I0), float(se[0]), float(se[1])


def isoline_inh(nu_exc):
    """Balanced isoline, Eq. 4.9: nu_inh = -0.13 kHz + 1.04 nu_exc."""
    return -0.13 + 1.04 * np.asarray(nu_exc, float)


def sampling_network(J, I_in, t_sim, nu_exc=2.0, nu_inh=2.0, w_exc=W_BG, w_inh=-W_BG,
                     rate_times=None, seed=1, t_warm=100.0):
    """Simulate the LIF sampler: neuron k gets input current I_in[k] (nA) and
    PSCs J[k, j] (nA) from neuron j (delay dt), plus its own Poisson
    background.  With ``rate_times`` (ms) the background rates ``nu_exc`` and
    ``nu_inh`` are arrays (kHz) given to inhomogeneous_poisson_generators.

    Returns (senders 0..n-1, spike times shifted so that t_warm is 0)."""
    reset(seed)
    n = len(I_in)
    nrn = nest.Create("iaf_psc_exp", n, NEURON)
    nrn.I_e = 1000.0 * np.asarray(I_in, float)
    if rate_times is None:
        background(nrn, nu_exc, nu_inh, w_exc, w_inh)
    else:
        for rates, w in ((nu_exc, w_exc), (nu_inh, w_inh)):
            g = nest.Create("inhomogeneous_poisson_generator", params={
                "rate_times": list(np.asarray(rate_times, float)),
                "rate_values": list(1000.0 * np.asarray(rates, float))})
            nest.Connect(g, nrn, syn_spec={"weight": 1000.0 * w, "delay": DT})
    for k in range(n):
        for j in range(n):
            if k != j and J[k, j] != 0.0:
                nest.Connect(nrn[j], nrn[k],
                             syn_spec={"weight": 1000.0 * float(J[k, j]), "delay": DT})
    sr = nest.Create("spike_recorder")
    nest.Connect(nrn, sr)
    nest.Simulate(t_warm + t_sim)
    ev = sr.events
    return (np.asarray(ev["senders"]) - nrn[0].global_id,
            np.asarray(ev["times"], float) - t_warm)
