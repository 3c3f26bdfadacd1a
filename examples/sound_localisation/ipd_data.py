"""The interaural-phase-difference (IPD) data set of the COMOB sound-localisation
study (seed 000, notes section 1), as a reusable generator.

A pure tone of frequency f reaches two ears; the right ear hears it shifted by
the IPD alpha ~ U(-pi/2, pi/2).  Each ear has ``anf_per_ear`` = 100 phase-locked
input neurons with extra phase delays psi_j = linspace(0, pi/2, 100); input
neuron j of ear i (left i = 0: indices 0-99, right i = 1: 100-199) fires as an
inhomogeneous Poisson process of rate

    theta_ij(t) = 2 pi (f t + phi0) + i alpha + psi_j
    R_ij(t)     = R_max ((1 + sin theta_ij(t)) / 2)^k,   R_max = 600 Hz, k = 2,

on a grid of dt = 1 ms for 100 ms, so the mean rate is R_max 3/8 = 225 Hz.  A
bin holds at most one spike; its probability is either

* ``"bernoulli"``: R(t) dt at the bin start (config A, the tutorial), or
* ``"integral"``: the exact integral of R over the bin (config B, the paper's
  model), for k = 2 in closed form:
  R_max/4 (-sin 2 theta2 - 8 cos theta2 + sin 2 theta + 8 cos theta
  + 12 pi f dt) / (8 pi f), theta2 = theta + 2 pi f dt.

The label of alpha is one of 12 classes of 15 degrees,
k = floor((alpha + pi/2) 12 / pi); its estimate is the class midpoint
(k + 1/2) pi/12 - pi/2.

Random numbers come from numpy's legacy global-state generator (MT19937) in the
order of the paper's code: ``seed`` -> alpha = rand(N) pi - pi/2 -> phi0 = rand()
-> rand(N, 100, 200) < p.  One phi0 is shared by all samples of a set (the
paper's quirk, the default); ``per_sample_phi0=True`` draws rand(N) instead (a
documented deviation).  With seed 32844534, f = 50 Hz and N = 4096 the paper's
base-model test set is regenerated bit for bit.  The uniform numbers are drawn
in chunks of samples, which gives the same stream as one call; ``first``
generates only the first samples of a set of ``num_samples`` (the same
trials, for quick runs).
"""
from dataclasses import dataclass, replace

import numpy as np

PAPER_TEST_SEED = 32844534


@dataclass(frozen=True)
class IPDConfig:
    """Stimulus and data-set parameters (SI units: s, Hz, rad).

    Attributes
    ----------
    f : float
        Tone frequency (Hz).
    spike_rule : str
        ``"bernoulli"`` (p = R dt at the bin start) or ``"integral"`` (exact
        bin integral; needs ``envelope_power`` 2).
    dt, duration : float
        Bin width and trial duration (s).
    anf_per_ear : int
        Input neurons per ear.
    envelope_power : int
        k in R_max ((1 + sin theta)/2)^k.
    rate_max : float
        R_max (Hz).
    num_classes : int
        IPD classes over (-pi/2, pi/2).
    """
    f: float
    spike_rule: str
    dt: float = 1e-3
    duration: float = 0.1
    anf_per_ear: int = 100
    envelope_power: int = 2
    rate_max: float = 600.0
    num_classes: int = 12

    @property
    def steps(self):
        """Number of time bins of a trial."""
        return int(np.round(self.duration / self.dt))

    @property
    def num_inputs(self):
        """Input neurons of both ears."""
        return 2 * self.anf_per_ear


#: The tutorial (Starting Notebook): 20 Hz, Bernoulli bins.
CONFIG_A = IPDConfig(f=20.0, spike_rule="bernoulli")
#: The paper's base model: 50 Hz, exact bin integral.
CONFIG_B = IPDConfig(f=50.0, spike_rule="integral")
CONFIGS = {"A": CONFIG_A, "B": CONFIG_B}


@dataclass
class IPDData:
    """A generated set.

    Attributes
    ----------
    ipd : ndarray (N,)
        True IPD alpha (rad).
    phi0 : ndarray (N,)
        Start phase of each sample (all equal unless per-sample phi0).
    spikes : ndarray (N, steps, num_inputs) of bool
        Input spikes per bin; inputs 0-99 left ear, 100-199 right ear.
    labels : ndarray (N,) of int64
        IPD class of each sample.
    config : IPDConfig
    """
    ipd: np.ndarray
    phi0: np.ndarray
    spikes: np.ndarray
    labels: np.ndarray
    config: IPDConfig

    def __len__(self):
        return len(self.ipd)

    def subset(self, index):
        """The samples ``index`` (a slice or index array) as a new IPDData."""
        return replace(self, ipd=self.ipd[index], phi0=self.phi0[index],
                       spikes=self.spikes[index], labels=self.labels[index])


def get_config(config):
    """An IPDConfig from ``"A"``, ``"B"`` or an IPDConfig."""
    if isinstance(config, IPDConfig):
        cfg = config
    elif config in CONFIGS:
        cfg = CONFIGS[config]
    else:
        raise ValueError(f"unknown IPD configuration {config!r}; expected 'A', 'B' or an IPDConfig")
    if cfg.spike_rule not in ("bernoulli", "integral"):
        raise ValueError(f"spike_rule must be 'bernoulli' or 'integral', got {cfg.spike_rule!r}")
    if cfg.spike_rule == "integral" and cfg.envelope_power != 2:
        raise ValueError("the exact bin integral is implemented for envelope_power 2 only, "
                         f"got {cfg.envelope_power}")
    return cfg


def phase_delays(anf_per_ear=100):
    """psi_j = linspace(0, pi/2, anf_per_ear) (rad)."""
    return np.linspace(0, np.pi / 2, anf_per_ear)


def ipd_labels(ipd, num_classes=12):
    """Class k = floor((alpha + pi/2) num_classes / pi) of each IPD (rad)."""
    return ((np.asarray(ipd) + np.pi / 2) * num_classes / np.pi).astype(np.int64)


def class_midpoints(k, num_classes=12):
    """The IPD (rad) at the middle of class ``k``: (k + 1/2) pi/num_classes - pi/2."""
    return (np.asarray(k) + 0.5) / num_classes * np.pi - np.pi / 2


def bin_probability(ipd, phi0, config="B"):
    """Spike probability of every bin, the expected spike count of the bin.

    Parameters
    ----------
    ipd : array_like (N,)
        IPDs (rad).
    phi0 : float or array_like (N,)
        Start phase (cycles) shared by all samples or one per sample.
    config : str or IPDConfig

    Returns
    -------
    ndarray (N, steps, num_inputs) of float64
        The floating-point operations are the paper code's, in its order, so
        that comparing with the same uniform numbers gives its spikes.
    """
    cfg = get_config(config)
    ipd = np.asarray(ipd, np.float64)
    dt, f = cfg.dt, cfg.f
    T = np.arange(cfg.steps) * dt
    phi0 = np.asarray(phi0, np.float64)
    if phi0.ndim == 0:
        phi = (2 * np.pi * (f * T + phi0))[np.newaxis, :, np.newaxis]
    else:
        phi = (2 * np.pi * (f * T[np.newaxis, :] + phi0[:, np.newaxis]))[:, :, np.newaxis]
    n = cfg.anf_per_ear
    psi = phase_delays(n)[np.newaxis, np.newaxis, :]
    theta = np.zeros((len(ipd), cfg.steps, 2 * n))
    theta[:, :, :n] = phi + psi
    theta[:, :, n:] = phi + psi + ipd[:, np.newaxis, np.newaxis]
    if cfg.spike_rule == "integral":
        theta2 = theta + 2 * np.pi * f * dt
        return cfg.rate_max / 4 * ((-np.sin(2 * theta2) - 8 * np.cos(theta2) + np.sin(2 * theta)
                                    + 8 * np.cos(theta) + 12 * np.pi * f * dt) / (8 * np.pi * f))
    return cfg.rate_max * dt * (0.5 * (1 + np.sin(theta))) ** cfg.envelope_power


def generate(num_samples, config="B", seed=PAPER_TEST_SEED, per_sample_phi0=False,
             first=None, chunk=256):
    """Generate an IPD set with numpy's legacy seeding.

    Parameters
    ----------
    num_samples : int
        N, the size of the set whose random stream is followed (the IPDs of
        all N are drawn first, as in the paper).
    config : str or IPDConfig
        ``"B"`` (the paper's model, default) or ``"A"`` (the tutorial).
    seed : int or None
        ``np.random.seed(seed)`` before drawing; None continues the global
        legacy stream as it is (the tutorial's unseeded sets).
    per_sample_phi0 : bool
        Draw one start phase per sample instead of the paper's single shared
        phase per set.
    first : int, optional
        Generate the spikes of the first ``first`` samples only (identical to
        those of the full set); default all.
    chunk : int
        Samples per block of uniform numbers (memory; results do not depend
        on it).

    Returns
    -------
    IPDData

    Examples
    --------
    >>> test = generate(4096)               # the paper's base-model test set
    >>> test.spikes.shape
    (4096, 100, 200)
    """
    cfg = get_config(config)
    num_samples = int(num_samples)
    if num_samples < 1:
        raise ValueError(f"num_samples must be positive, got {num_samples}")
    n_out = num_samples if first is None else int(first)
    if not 1 <= n_out <= num_samples:
        raise ValueError(f"first must lie in [1, {num_samples}], got {first}")
    if chunk < 1:
        raise ValueError(f"chunk must be positive, got {chunk}")
    if seed is not None:
        np.random.seed(seed)
    ipd = np.random.rand(num_samples) * np.pi - np.pi / 2
    phi0 = np.random.rand(num_samples) if per_sample_phi0 else np.random.rand()
    phi0_all = np.broadcast_to(np.asarray(phi0, np.float64), (num_samples,)).copy()
    spikes = np.empty((n_out, cfg.steps, cfg.num_inputs), dtype=bool)
    for lo in range(0, n_out, chunk):
        hi = min(lo + chunk, n_out)
        p = bin_probability(ipd[lo:hi], phi0_all[lo:hi] if per_sample_phi0 else phi0, cfg)
        spikes[lo:hi] = np.random.rand(hi - lo, cfg.steps, cfg.num_inputs) < p
    return IPDData(ipd=ipd[:n_out], phi0=phi0_all[:n_out], spikes=spikes,
                   labels=ipd_labels(ipd[:n_out], cfg.num_classes), config=cfg)


def spike_times(spikes, dt=1.0, t_first=1.0):
    """Spike times for spike_generators from a 0/1 bin array.

    Parameters
    ----------
    spikes : ndarray (N, steps, num_inputs)
        0/1 spikes per bin.
    dt : float
        Bin width (ms).
    t_first : float
        Time (ms) given to a spike in bin 0; bin t goes to t_first + t dt.

    Returns
    -------
    list of ndarray
        N * num_inputs sorted float64 arrays, sample-major: entry
        n * num_inputs + j holds the times of input j in sample n.
    """
    spikes = np.asarray(spikes)
    if spikes.ndim != 3:
        raise ValueError(f"spikes must have shape (N, steps, inputs), got {spikes.shape}")
    n, steps, m = spikes.shape
    order = np.ascontiguousarray(spikes.transpose(0, 2, 1)).reshape(n * m, steps)
    row, t = np.nonzero(order)
    times = t_first + t * dt
    bounds = np.searchsorted(row, np.arange(n * m + 1))
    return [times[bounds[k]:bounds[k + 1]] for k in range(n * m)]
