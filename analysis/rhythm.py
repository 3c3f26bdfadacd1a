"""Measures of a population rhythm in recorded spikes: the population
spectrum relative to that of independent cells, its peak, and how many cells
take part in each cycle.

Spike times are in ms, senders are node ids; a population is given by its
ids.  Spectra use 1-ms bins and Welch's method (:func:`activity.welch_psd`).
"""
import numpy as np

from pynestlite.analysis.activity import welch_psd


def binned_matrix(times, senders, ids, t0, t1, bin_ms=1.0):
    """Spike counts [cell, bin] of the cells ``ids`` in bins of ``bin_ms``
    over ``[t0, t1)``."""
    ids = np.asarray(ids)
    times = np.asarray(times, np.float64)
    senders = np.asarray(senders)
    n_bins = int(round((t1 - t0) / bin_ms))
    row = np.searchsorted(ids, senders)
    row = np.minimum(row, len(ids) - 1)
    keep = (ids[row] == senders) & (times >= t0) & (times < t1)
    col = np.minimum(((times[keep] - t0) / bin_ms).astype(np.int64), n_bins - 1)
    out = np.zeros((len(ids), n_bins))
    np.add.at(out, (row[keep], col), 1.0)
    return out


def coherence_spectrum(counts, bin_ms=1.0, nfft=256):
    """Spectrum of the summed activity of the rows of ``counts`` relative to
    the sum of the rows' own spectra.

    For independent cells the ratio is 1 at every frequency (whatever each
    cell's own regularity); cells that fire together at frequency f raise it
    towards the number of cells.

    Returns
    -------
    freqs : numpy.ndarray
        Frequencies in Hz.
    ratio : numpy.ndarray
        Population power over the summed single-cell power (1 where both
        vanish).
    population : numpy.ndarray
        The population spectrum (Welch PSD of the summed counts).
    """
    fs = 1000.0 / bin_ms
    freqs, population = welch_psd(counts.sum(axis=0), fs, nfft, nfft // 2)
    single = np.zeros_like(population)
    for x in counts[counts.sum(axis=1) > 0]:
        single += welch_psd(x, fs, nfft, nfft // 2)[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(single > 0, population / single, 1.0)
    return freqs, ratio, population


def fundamental_peak(freqs, psd, f_min=10.0, f_max=200.0, fraction=0.5):
    """Index of the fundamental of the spectrum ``psd`` in ``[f_min, f_max]``:
    the lowest local maximum that reaches ``fraction`` of the band's largest
    value (a train of sharp volleys has harmonics nearly as strong as the
    fundamental; the largest value alone may pick one of them)."""
    band = np.flatnonzero((freqs >= f_min) & (freqs <= f_max))
    p = psd[band]
    top = p.max()
    for j in range(len(p)):
        left = p[j - 1] if j > 0 else -np.inf
        right = p[j + 1] if j + 1 < len(p) else -np.inf
        if p[j] >= fraction * top and p[j] >= left and p[j] >= right:
            return int(band[j])
    return int(band[np.argmax(p)])


def interpolated_frequency(freqs, psd, k):
    """Frequency (Hz) of the maximum near bin ``k`` of ``psd``: the vertex
    of the parabola through the logarithms of bins k - 1, k, k + 1 (the bin
    itself at the ends or where a neighbour vanishes)."""
    if k <= 0 or k >= len(psd) - 1 or min(psd[k - 1], psd[k], psd[k + 1]) <= 0:
        return float(freqs[k])
    a, b, c = np.log(psd[k - 1]), np.log(psd[k]), np.log(psd[k + 1])
    den = a - 2.0 * b + c
    delta = 0.0 if den >= 0 else 0.5 * (a - c) / den
    return float(freqs[k] + delta * (freqs[1] - freqs[0]))


def active_fraction_per_cycle(times, senders, ids, t0, t1, period_ms):
    """Mean over consecutive windows of ``period_ms`` in ``[t0, t1)`` of the
    fraction of the cells ``ids`` that spike at least once in the window."""
    counts = binned_matrix(times, senders, ids, t0, t1, bin_ms=period_ms)
    return float(np.mean((counts > 0).mean(axis=0)))
