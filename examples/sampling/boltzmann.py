"""Boltzmann machines and their LIF sampling networks (seed 001, chapter 4).

Energy (Eqs. 4.5, 4.21-4.22), W symmetric with zero diagonal::

    E(z) = -1/2 sum_kj W_kj z_k z_j - sum_k B_k z_k,   p_T(z) ~ exp(-E(z) / T)

The 4-neuron network of Eqs. 4.27-4.29: W_hat ~ N(0, 0.5), W = (W_hat +
W_hat^T) / 2 with zero diagonal, B ~ N(0, 0.5), and B_3, B_4 = +1, -1.

Mapping to LIF (Eqs. 4.24-4.25).  A PSC of height J (nA) decaying with tau_s
gives the membrane (tau_m) a PSP whose mean over the presynaptic refractory
window, in current units, must equal W_kj / beta::

    J_kj = (W_kj / beta) * tau_ref (tau_s - tau_m)
           / (tau_s [tau_s (1 - e^{-tau_ref/tau_s}) - tau_m (1 - e^{-tau_ref/tau_m})])

(the printed Eq. 4.24 has e^{+tau_ref/tau_m} and a stray g_L; with tau_ref =
tau_s it is otherwise this expression), and I_in,k = B_k / beta + I_0.

States are coded as integers: bit k of the index is z_k (neuron k = 0..n-1).
"""
import numpy as np


def states(n):
    """All 2**n binary states, row i is the bit pattern of i (bit k = z_k)."""
    idx = np.arange(2 ** n)
    return ((idx[:, None] >> np.arange(n)[None, :]) & 1).astype(float)


def energy(W, B):
    """E(z) for every state (index order of ``states``)."""
    Z = states(len(B))
    return -0.5 * np.einsum("si,ij,sj->s", Z, W, Z) - Z @ B


def boltzmann(W, B, T=1.0):
    """p_T(z) for every state, Eq. 4.5."""
    e = -energy(W, B) / T
    p = np.exp(e - e.max())
    return p / p.sum()


def entropy(p):
    """S(p) = -sum p log p in nats, Eq. 4.26."""
    p = np.asarray(p, float)
    nz = p > 0
    return float(-np.sum(p[nz] * np.log(p[nz])))


def dkl(p, q):
    """D_KL(p || q) = sum p log(p / q) in nats, Eq. 4.32 (terms with p = 0
    vanish; q must be positive where p is)."""
    p, q = np.asarray(p, float), np.asarray(q, float)
    nz = p > 0
    return float(np.sum(p[nz] * np.log(p[nz] / q[nz])))


def network_4_27(seed=42):
    """W (4x4) and B (4) of Eqs. 4.27-4.29 drawn with ``seed``."""
    rng = np.random.default_rng(seed)
    W_hat = rng.normal(0.0, 0.5, size=(4, 4))
    W = 0.5 * (W_hat + W_hat.T)
    np.fill_diagonal(W, 0.0)
    B = rng.normal(0.0, 0.5, size=4)
    B[2], B[3] = 1.0, -1.0
    return W, B


def psc_per_unit(beta, tau_s, tau_m, tau_ref):
    """The PSC height (nA) that realises W_kj = 1 (Eq. 4.24, corrected)."""
    mean_psp = tau_s * (tau_s * (1.0 - np.exp(-tau_ref / tau_s))
                        - tau_m * (1.0 - np.exp(-tau_ref / tau_m))) / (tau_s - tau_m)
    return tau_ref / (beta * mean_psp)


def lif_parameters(W, B, beta, I0, tau_s, tau_m, tau_ref):
    """Synaptic weights J (nA, J[k, j] from j to k) and input currents I_in
    (nA) of the LIF network sampling from p_1(z) of (W, B), Eqs. 4.24-4.25."""
    J = np.asarray(W, float) * psc_per_unit(beta, tau_s, tau_m, tau_ref)
    I_in = np.asarray(B, float) / beta + I0
    return J, I_in


def state_histogram(spike_senders, spike_times, n, t_start, t_stop, tau_ref, dt):
    """Fraction of grid points t in [t_start, t_stop) spent in each joint state;
    z_k(t) = 1 for t_spike < t <= t_spike + tau_ref (refractoriness).

    ``spike_senders`` are neuron indices 0..n-1.  Also returns the state
    index at every grid point."""
    n_steps = int(round((t_stop - t_start) / dt))
    ref = int(round(tau_ref / dt))
    code = np.zeros(n_steps, dtype=np.int64)
    for k in range(n):
        t = np.asarray(spike_times)[np.asarray(spike_senders) == k]
        s = np.rint((t - t_start) / dt).astype(np.int64)
        on = np.zeros(n_steps + 1, dtype=np.int64)
        lo = np.clip(s + 1, 0, n_steps)
        hi = np.clip(s + 1 + ref, 0, n_steps)
        np.add.at(on, lo, 1)
        np.add.at(on, hi, -1)
        z = np.cumsum(on)[:n_steps] > 0
        code |= z.astype(np.int64) << k
    hist = np.bincount(code, minlength=2 ** n) / n_steps
    return hist, code
