"""Statistics of recorded spike trains: population rates, ISI variability,
Fano factor and the power spectrum of the population rate.

All functions take spike times in ms and sender ids as numpy arrays (the
``events`` of a spike_recorder) and a time window ``[t0, t1)``.
"""
import numpy as np


def _window(times, senders, t0, t1):
    times = np.asarray(times, np.float64)
    senders = np.asarray(senders)
    keep = (times >= t0) & (times < t1)
    return times[keep], senders[keep]


def population_rate(times, n_neurons, t0, t1):
    """Mean firing rate (spikes per neuron per second) of ``n_neurons`` over
    ``[t0, t1)`` ms, from the spike ``times`` of that population."""
    times = np.asarray(times, np.float64)
    n = np.count_nonzero((times >= t0) & (times < t1))
    return n / n_neurons / ((t1 - t0) / 1000.0)


def isi_cv(times, senders, t0, t1, min_spikes=3):
    """Coefficient of variation of the inter-spike intervals, per neuron with
    at least ``min_spikes`` spikes in ``[t0, t1)``.

    Returns
    -------
    numpy.ndarray
        One CV (std / mean of the ISIs) per such neuron, by ascending id.
    """
    t, s = _window(times, senders, t0, t1)
    order = np.lexsort((t, s))
    t, s = t[order], s[order]
    ids, start, counts = np.unique(s, return_index=True, return_counts=True)
    out = []
    for a, c in zip(start, counts):
        if c >= min_spikes:
            isi = np.diff(t[a:a + c])
            m = isi.mean()
            if m > 0:
                out.append(isi.std() / m)
    return np.asarray(out)


def binned_counts(times, t0, t1, bin_ms):
    """Spike counts of a population in bins of ``bin_ms`` over ``[t0, t1)``."""
    n_bins = int(round((t1 - t0) / bin_ms))
    edges = t0 + bin_ms * np.arange(n_bins + 1)
    return np.histogram(np.asarray(times, np.float64), edges)[0]


def fano_factor(times, t0, t1, bin_ms=1.0):
    """Fano factor (variance / mean) of the population spike count in bins of
    ``bin_ms``."""
    c = binned_counts(times, t0, t1, bin_ms).astype(np.float64)
    m = c.mean()
    return float(c.var() / m) if m > 0 else float("nan")


def welch_psd(x, fs, nfft=512, noverlap=256):
    """Power spectral density of ``x`` (mean removed) by Welch's method: Hann
    windowed segments of ``nfft`` samples overlapping by ``noverlap``, one-sided,
    density scaling (as ``matplotlib.mlab.psd``).

    Returns
    -------
    freqs, psd : numpy.ndarray
    """
    x = np.asarray(x, np.float64)
    x = x - x.mean()
    if len(x) < nfft:
        raise ValueError(f"welch_psd: {len(x)} samples, need at least nfft = {nfft}")
    win = np.hanning(nfft)
    step = nfft - noverlap
    starts = np.arange(0, len(x) - nfft + 1, step)
    seg = np.stack([x[s:s + nfft] for s in starts]) * win
    spec = np.abs(np.fft.rfft(seg, axis=1)) ** 2
    psd = spec.mean(axis=0) / (fs * (win ** 2).sum())
    # one-sided: every frequency but 0 (and Nyquist for even nfft) twice
    psd[1:len(psd) - (1 - nfft % 2)] *= 2.0
    freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
    return freqs, psd


def spectral_peak(times, n_neurons, t0, t1, f_min=20.0, bin_ms=1.0, nfft=512, noverlap=256):
    """Frequency (Hz) of the largest peak above ``f_min`` of the power
    spectrum of the population rate (1-ms bins, Welch).

    Returns
    -------
    peak_hz : float
    freqs, psd : numpy.ndarray
    """
    counts = binned_counts(times, t0, t1, bin_ms)
    rate = counts * (1000.0 / bin_ms) / n_neurons
    freqs, psd = welch_psd(rate, 1000.0 / bin_ms, nfft, noverlap)
    sel = freqs > f_min
    return float(freqs[sel][np.argmax(psd[sel])]), freqs, psd
