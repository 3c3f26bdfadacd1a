"""The Yin-Yang classification data set and its time-to-first-spike encoding.

A sample is a point (x, y) of the unit square lying inside a yin-yang symbol
of radius ``r_big`` centred at (r_big, r_big); its class is "yin" (0),
"yang" (1) or "dot" (2, two dots of radius ``r_small``).  Samples are drawn by
rejection sampling so that the three classes are (statistically) balanced:
for every sample a goal class is drawn uniformly first, then points are drawn
uniformly in [0, 2 r_big)^2 until one falls inside the big circle and has the
goal class.  Each point is augmented with its mirrored coordinates, giving the
four features (x, y, 1 - x, 1 - y).

The random stream is that of ``numpy.random.RandomState(seed)``: per sample
one ``randint(3)`` (goal class), then per attempt one ``rand(2)`` (x, y).  The
customary sets are train 5000 samples (seed 42), validation 1000 (seed 41)
and test 1000 (seed 40).
"""
import numpy as np

CLASS_NAMES = ("yin", "yang", "dot")
DEFAULT_SPLITS = {"train": (5000, 42), "validation": (1000, 41), "test": (1000, 40)}


def which_class(x, y, r_small=0.1, r_big=0.5):
    """Class of the point (x, y) of the yin-yang symbol (point assumed inside the big circle).

    With d_r = |(x, y) - (1.5 r_big, r_big)| and d_l = |(x, y) - (0.5 r_big, r_big)|:

    * dot (2)  if d_r < r_small or d_l < r_small,
    * 1        if d_r <= r_small  or  r_small < d_l <= r_big / 2
               or (y > r_big and d_r > r_big / 2),
    * 0        otherwise.

    Parameters
    ----------
    x, y : float
        Coordinates.
    r_small, r_big : float
        Radii of the dots and of the symbol.

    Returns
    -------
    int
        The class index.
    """
    d_right = np.sqrt((x - 1.5 * r_big) ** 2 + (y - r_big) ** 2)
    d_left = np.sqrt((x - 0.5 * r_big) ** 2 + (y - r_big) ** 2)
    if d_right < r_small or d_left < r_small:
        return 2
    crit1 = d_right <= r_small
    crit2 = r_small < d_left <= 0.5 * r_big
    crit3 = y > r_big and d_right > 0.5 * r_big
    return int(crit1 or crit2 or crit3)


def yin_yang(size=1000, seed=42, r_small=0.1, r_big=0.5):
    """Draw a Yin-Yang data set by rejection sampling.

    For each of the ``size`` samples: goal = randint(3); repeat
    (x, y) = rand(2) * 2 r_big until |(x, y) - (r_big, r_big)| <= r_big and
    ``which_class(x, y) == goal``.

    Parameters
    ----------
    size : int
        Number of samples.
    seed : int
        Seed of the ``numpy.random.RandomState`` stream.
    r_small, r_big : float
        Radii of the dots and of the symbol.

    Returns
    -------
    features : ndarray, shape (size, 4), float64
        Columns x, y, 1 - x, 1 - y.
    labels : ndarray, shape (size,), int64
        Class indices 0 (yin), 1 (yang), 2 (dot).
    """
    rng = np.random.RandomState(seed)
    features = np.empty((size, 4))
    labels = np.empty(size, dtype=np.int64)
    for i in range(size):
        goal = rng.randint(3)
        while True:
            x, y = rng.rand(2) * 2.0 * r_big
            if np.sqrt((x - r_big) ** 2 + (y - r_big) ** 2) > r_big:
                continue
            c = which_class(x, y, r_small, r_big)
            if c == goal:
                break
        features[i] = (x, y, 1.0 - x, 1.0 - y)
        labels[i] = c
    return features, labels


def splits(sizes=None):
    """The customary train / validation / test sets.

    Parameters
    ----------
    sizes : dict, optional
        ``{name: (size, seed)}``; defaults to ``DEFAULT_SPLITS``
        (train 5000/42, validation 1000/41, test 1000/40).

    Returns
    -------
    dict
        ``{name: (features, labels)}``.
    """
    sizes = DEFAULT_SPLITS if sizes is None else sizes
    return {name: yin_yang(n, seed) for name, (n, seed) in sizes.items()}


def encode(features, t_early=0.15, t_late=2.0, bias_times=()):
    """Time-to-first-spike encoding of features in [0, 1] (times in units of tau_s).

    t = t_early + x (t_late - t_early) for every feature x (larger value, later
    spike); bias spikes at the fixed times ``bias_times`` are appended as extra
    columns, identical for every sample.

    Parameters
    ----------
    features : array_like, shape (N, F)
        Feature values in [0, 1].
    t_early, t_late : float
        Spike times of the values 0 and 1.
    bias_times : sequence of float
        Times of the bias spikes (e.g. ``(0.9,)``).

    Returns
    -------
    ndarray, shape (N, F + len(bias_times)), float64
        Input spike times.
    """
    features = np.asarray(features, dtype=np.float64)
    times = t_early + features * (t_late - t_early)
    if len(bias_times):
        bias = np.broadcast_to(np.asarray(bias_times, dtype=np.float64), (len(times), len(bias_times)))
        times = np.concatenate([times, bias], axis=1)
    return times
