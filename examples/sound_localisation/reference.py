"""Pure-numpy forward passes of the base network, to pin the simulator's semantics.

Two discrete-time semantics over the same weights (a = exp(-dt/tau),
threshold 1, reset 0, weights are jumps of V):

``paper_forward`` -- the paper's code (notes section 2)::

    v_{t+1} = (a v_t + h_t)(1 - s_t),  s_{t+1} = H(v_t - 1),  s_0 = v_0 = 0
    vo_{t+1} = a vo_t + s_t W_ho,  t = 0..98;  m = mean(vo_0..vo_99)

with H(x) = 1 for x > 0, else 0 (a spike is seen one step late, so the reset
lags and doublets occur).

``nest_forward`` -- the pynestlite network of ``network.py`` step by step
(iaf_psc_delta, NEST's update order), with ``t_ref`` in steps::

    step k: if not refractory: V <- a V + I_k  (I_k = x[k - 2] W_ih: the input
            of bin t reaches the hidden layer in step t + 2 through
            spike_generator -> parrot_neuron, 1 ms delays)
            else: drop I_k, count the refractory step down
            if V >= 1: spike in step k, V <- 0, refractory for t_ref steps
    readout step k: Vo <- a Vo + (hidden spikes of step k - 1) W_ho
    (the multimeter's sample at k + 1 ms is Vo after step k)

A readout sample at k ms sees the bins up to k - 4.  The trial's window is
either

* ``"input"`` (default): readout samples at 4..103 ms and hidden spikes of
  steps 2..101 -- sample j of the window sees the bins up to j and the counted
  spikes are those driven by bins 0..99: the delays of the network are
  compensated, as in the notes' NEST-like model [V] (82.6 %, hidden 102-127 Hz
  with the paper's weights); or
* ``"paper"``: samples at 1..100 ms and spikes of steps 0..99 -- sample j sees
  the bins up to j - 3, the latency of the paper's code (its vo_j), so bins
  97-99 never reach the readout.

Input sums are accumulated source by source in index order, as the
simulator's ring buffers add spikes in gid order, so the two agree bit for bit.
"""
import numpy as np

INPUT_LAG = 2       # steps from a bin's spike_generator time step to the hidden update
STEPS_AFTER = 3     # steps simulated after the last bin (the network's latency)
#: window name -> (first readout sample, first hidden step) in steps of the trial
WINDOWS = {"input": (3, 2), "paper": (0, 0)}


def window_offsets(window):
    """(readout sample offset, hidden step offset) of a window name."""
    try:
        return WINDOWS[window]
    except KeyError:
        raise ValueError(f"unknown window {window!r}; expected one of {sorted(WINDOWS)}") from None


def _ordered_sum(x, W):
    """x @ W summed over the first axis of W one source at a time (index order)."""
    out = np.zeros(x.shape[:-1] + (W.shape[1],))
    for j in range(W.shape[0]):
        out += x[..., j, np.newaxis] * W[j]
    return out


def paper_forward(spikes, W_ih, W_ho, tau=2.0, dt=1.0):
    """The paper's discrete network (see the module docstring).

    Parameters
    ----------
    spikes : ndarray (N, steps, inputs) of 0/1
    W_ih, W_ho : ndarray
    tau, dt : float
        ms.

    Returns
    -------
    m : ndarray (N, classes)
        Trial-mean readout potential.
    s : ndarray (N, steps, hidden)
        The recorded hidden spikes s_0..s_{steps-1}.
    """
    a = np.exp(-dt / tau)
    x = np.asarray(spikes, np.float64)
    n, steps, _ = x.shape
    h = x @ W_ih
    v = np.zeros((n, W_ih.shape[1]))
    s = np.zeros_like(v)
    s_rec = [s]
    for t in range(steps - 1):
        new_v = (a * v + h[:, t]) * (1 - s)
        s = (v - 1 > 0).astype(np.float64)
        v = new_v
        s_rec.append(s)
    s_rec = np.stack(s_rec, axis=1)
    vo = np.zeros((n, W_ho.shape[1]))
    total = vo.copy()
    for t in range(steps - 1):
        vo = a * vo + s_rec[:, t] @ W_ho
        total += vo
    return total / steps, s_rec


def nest_forward(spikes, W_ih, W_ho, tau=2.0, dt=1.0, t_ref_steps=1, window="input"):
    """The pynestlite network's arithmetic (see the module docstring).

    Parameters
    ----------
    spikes : ndarray (N, bins, inputs) of 0/1
    W_ih, W_ho : ndarray
    tau, dt : float
        ms.
    t_ref_steps : int
        Refractory steps of the hidden neurons.
    window : {"input", "paper"}
        The trial's samples and counted spikes (module docstring).

    Returns
    -------
    m : ndarray (N, classes)
        Mean of the readout V_m over the window's samples.
    s : ndarray (N, bins, hidden) of bool
        Hidden spikes of the window's steps.
    """
    a = np.exp(-dt / tau)
    x = np.asarray(spikes, np.float64)
    n, bins, _ = x.shape
    off_r, off_s = window_offsets(window)
    steps = bins + STEPS_AFTER
    I = _ordered_sum(x, W_ih)
    H = W_ih.shape[1]
    V = np.zeros((n, H))
    r = np.zeros((n, H), np.int64)
    S = np.zeros((n, steps, H), bool)
    for k in range(steps):
        b = k - INPUT_LAG
        inp = I[:, b] if 0 <= b < bins else 0.0
        free = r == 0
        V = np.where(free, a * V + inp, V)
        r = np.where(free, r, r - 1)
        spike = V >= 1.0
        V = np.where(spike, 0.0, V)
        r = np.where(spike, t_ref_steps, r)
        S[:, k] = spike
    Vo = np.zeros((n, W_ho.shape[1]))
    rec = np.zeros((n, steps, W_ho.shape[1]))
    for k in range(steps):
        Vo = a * Vo
        if k >= 1:
            Vo = Vo + _ordered_sum(S[:, k - 1].astype(np.float64), W_ho)
        rec[:, k] = Vo
    return trial_mean(rec[:, off_r:off_r + bins]), S[:, off_s:off_s + bins]


def trial_mean(rec):
    """The decision variable: mean over time (axis 1) of the readout samples
    (N, samples, classes), C-contiguous so every caller sums in one order."""
    return np.ascontiguousarray(rec, dtype=np.float64).mean(axis=1)
