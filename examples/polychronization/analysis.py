"""Statistics of the polychronization network as Pauli et al. (2018) report
them (notes seed-002, section 3.2 and target T4): population rates, ISI CV,
Fano factor and the spectral peak of the last 10 s, and the weight
distribution of the excitatory synapses per delay.

Neurons are given by their original index (0..799 excitatory, 800..999
inhibitory).
"""
import numpy as np

from pynestlite.analysis import activity

N_EXC, N = 800, 1000


def activity_stats(times, idx, t_end_ms, window_ms=10_000.0):
    """Rates, CV, Fano factor and spectrum of the last ``window_ms`` before
    ``t_end_ms``.

    Parameters
    ----------
    times : array of float
        Spike times (ms; the stamps the spike_recorder reports).
    idx : array of int
        Original index of the sender of each spike.

    Returns
    -------
    dict
        ``rate_exc_hz``, ``rate_inh_hz``, ``cv_exc_median``, ``fano_1ms``
        (all neurons), ``fano_0p5ms``, ``peak_hz`` (Welch, 1-ms bins of the
        excitatory population rate, largest peak above 20 Hz), ``gamma``
        ("high" above 50 Hz, else "low"), and ``freqs``/``psd``.
    """
    t0, t1 = t_end_ms - window_ms, t_end_ms
    times = np.asarray(times, np.float64)
    idx = np.asarray(idx)
    exc = idx < N_EXC
    peak, freqs, psd = activity.spectral_peak(times[exc], N_EXC, t0, t1)
    cv = activity.isi_cv(times[exc], idx[exc], t0, t1)
    return {
        "rate_exc_hz": activity.population_rate(times[exc], N_EXC, t0, t1),
        "rate_inh_hz": activity.population_rate(times[~exc], N - N_EXC, t0, t1),
        "cv_exc_median": float(np.median(cv)) if len(cv) else float("nan"),
        "fano_1ms": activity.fano_factor(times, t0, t1, 1.0),
        "fano_0p5ms": activity.fano_factor(times, t0, t1, 0.5),
        "peak_hz": peak,
        "gamma": "high" if peak >= 50.0 else "low",
        "freqs": freqs, "psd": psd,
    }


def weight_stats(pre, post, delay, weight, w_max=10.0):
    """Distribution of the excitatory weights (notes T4).

    Returns
    -------
    dict
        ``ee_strong`` (fraction of E->E above 0.95 Wmax), ``ee_weak`` (below
        1), ``ee_mid`` (in (2, 8)), ``ei_strong`` (E->I above 0.95 Wmax),
        ``strong_all`` (all excitatory above 0.95 Wmax), ``mean_per_delay``
        (E->E mean weight for delays 1..20 ms) and ``max_delay`` (the delay
        with the largest mean E->E weight).
    """
    pre, post = np.asarray(pre), np.asarray(post)
    delay, weight = np.asarray(delay), np.asarray(weight, np.float64)
    exc = pre < N_EXC
    ee = exc & (post < N_EXC)
    ei = exc & (post >= N_EXC)
    w = weight[ee]
    d = np.rint(delay[ee]).astype(int)
    mean_per_delay = np.array([w[d == k].mean() if np.any(d == k) else np.nan
                               for k in range(1, 21)])
    return {
        "ee_strong": float(np.mean(w > 0.95 * w_max)),
        "ee_weak": float(np.mean(w < 1.0)),
        "ee_mid": float(np.mean((w > 2.0) & (w < 8.0))),
        "ei_strong": float(np.mean(weight[ei] > 0.95 * w_max)),
        "strong_all": float(np.mean(weight[exc] > 0.95 * w_max)),
        "mean_per_delay": mean_per_delay,
        "max_delay": int(np.nanargmax(mean_per_delay) + 1),
    }
