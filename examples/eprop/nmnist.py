"""N-MNIST event files (Orchard et al. 2015): reading, writing, and a small
synthetic set in the dataset's layout.

The dataset (``468j46mzdv-1/{Train,Test}/<digit>/<sample>.bin`` after
extraction) stores each saccade recording of a 34 x 34 DVS as 5-byte
events: x (8 bits), y (8 bits), then polarity (1 bit, 1 = ON) and the
time stamp in microseconds (23 bits), big-endian.

``load_events(path)`` reads one file; ``load_dataset(root)`` lists the
samples and labels of a split; ``write_events`` writes the format and
``make_synthetic_dataset`` writes a small labelled set in the same layout
(each digit is a distinct bar pattern swept like a saccade), so that code
that reads the real dataset (NEST's N-MNIST example, the tests) runs where
the dataset cannot be downloaded.
"""
import os

import numpy as np

N_X = N_Y = 34
DATASET_DIR = "468j46mzdv-1"


def load_events(path):
    """Events of one sample: dict of ``x``, ``y``, ``polarity`` (0 OFF, 1 ON)
    and ``t`` (microseconds), as int64 arrays."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size % 5:
        raise ValueError(f"{path}: {raw.size} bytes is not a whole number of 5-byte events")
    ev = raw.reshape(-1, 5).astype(np.int64)
    return {"x": ev[:, 0], "y": ev[:, 1], "polarity": ev[:, 2] >> 7,
            "t": ((ev[:, 2] & 0x7F) << 16) | (ev[:, 3] << 8) | ev[:, 4]}


def write_events(path, x, y, polarity, t):
    """Write events in the N-MNIST format (t in microseconds, < 2^23)."""
    x, y, p, t = (np.asarray(a, np.int64) for a in (x, y, polarity, t))
    if np.any((x < 0) | (x > 255) | (y < 0) | (y > 255)) or np.any(t < 0) or \
            np.any(t >= 1 << 23) or np.any((p != 0) & (p != 1)):
        raise ValueError("N-MNIST events need 0 <= x, y < 256, polarity 0/1, 0 <= t < 2^23 us")
    out = np.empty((len(x), 5), np.uint8)
    out[:, 0] = x
    out[:, 1] = y
    out[:, 2] = (p << 7) | ((t >> 16) & 0x7F)
    out[:, 3] = (t >> 8) & 0xFF
    out[:, 4] = t & 0xFF
    out.tofile(path)


def load_dataset(split_dir, labels=range(10)):
    """(paths, labels) of a split directory (``.../Train``), sorted per label."""
    paths, out = [], []
    for label in labels:
        d = os.path.join(split_dir, str(label))
        for name in sorted(os.listdir(d)):
            paths.append(os.path.join(d, name))
            out.append(label)
    return paths, np.asarray(out, np.int64)


def _synthetic_sample(rng, label, duration_us=300000):
    """A bar pattern per digit, swept over three saccades; ON and OFF events
    at its moving edges, with jitter and a few noise events."""
    angle = np.pi * label / 10.0
    xs, ys, ps, ts = [], [], [], []
    for sac in range(3):
        t0 = sac * duration_us // 3
        dx, dy = [(1, 1), (-1, 1), (0, -1)][sac]
        for step in range(20):
            t = t0 + step * (duration_us // 60) + rng.integers(0, 500, 40)
            s = np.linspace(-12, 12, 40)
            cx = 17 + 5 * np.cos(angle * (1 + label % 3)) + dx * step * 0.3
            cy = 17 + 5 * np.sin(angle) + dy * step * 0.3
            x = np.clip(np.round(cx + s * np.cos(angle)), 0, N_X - 1)
            y = np.clip(np.round(cy + s * np.sin(angle) + (label % 2) * 3), 0, N_Y - 1)
            xs.append(x)
            ys.append(y)
            ps.append(rng.integers(0, 2, len(x)))
            ts.append(t)
    n = 30
    xs.append(rng.integers(0, N_X, n)); ys.append(rng.integers(0, N_Y, n))
    ps.append(rng.integers(0, 2, n)); ts.append(rng.integers(0, duration_us, n))
    t = np.concatenate(ts)
    order = np.argsort(t, kind="stable")
    return (np.concatenate(xs)[order], np.concatenate(ys)[order], np.concatenate(ps)[order],
            t[order])


def make_synthetic_dataset(root, n_per_label=5, labels=range(10), seed=0):
    """Write ``root/468j46mzdv-1/{Train,Test}/<label>/<k>.bin`` (the extracted
    dataset's layout) with ``n_per_label`` synthetic samples per label and
    split; returns (train_dir, test_dir)."""
    rng = np.random.default_rng(seed)
    dirs = []
    for split in ("Train", "Test"):
        base = os.path.join(root, DATASET_DIR, split)
        for label in labels:
            d = os.path.join(base, str(label))
            os.makedirs(d, exist_ok=True)
            for k in range(n_per_label):
                write_events(os.path.join(d, f"{k:05d}.bin"), *_synthetic_sample(rng, label))
        dirs.append(base)
    return tuple(dirs)
