"""Loss functions on label-layer spike times and first-spike decoding.

Each loss takes the label-layer output times ``t`` [B, n_classes] (np.inf =
silent) and integer labels [B]; it returns the per-sample loss [B] and its
gradient dL_b/dt_b [B, n_classes] (per sample, not yet divided by the batch
size).  A sample whose loss is not finite (e.g. its correct label neuron is
silent) gets the loss ``inf_loss`` (100) and zero gradient.
"""
import numpy as np


def decode(t):
    """Predicted class: the first label neuron to spike; -1 if none spikes.

    Parameters
    ----------
    t : ndarray, shape (B, n_classes)
        Label-layer spike times.

    Returns
    -------
    ndarray, shape (B,), int
    """
    t = np.where(np.isnan(t), np.inf, t)
    first = np.argmin(t, axis=1)
    return np.where(np.isfinite(t[np.arange(len(t)), first]), first, -1)


def cross_entropy_ttfs(t, labels, xi=0.2, alpha=0.005, beta=1.0, inf_loss=100.0):
    """Cross-entropy over softmax(-t / xi) with the early-spike regulariser.

        L_b = log sum_n exp(-t_n / xi) + t_{n*} / xi + alpha (exp(t_{n*} / beta) - 1)
        dL_b/dt_n = -softmax_n(-t / xi) / xi + [n = n*] (1/xi + (alpha/beta) exp(t_{n*}/beta))

    (times in tau_s; n* = label).  Silent label neurons have softmax weight 0.

    Parameters
    ----------
    t : ndarray, shape (B, n_classes)
        Label-layer spike times.
    labels : ndarray, shape (B,)
        Correct classes.
    xi, alpha, beta : float
        Softmax temperature and regulariser parameters.
    inf_loss : float
        Loss of a sample whose correct neuron is silent.

    Returns
    -------
    loss : ndarray, shape (B,)
    grad : ndarray, shape (B, n_classes)
    """
    t = np.where(np.isnan(t), np.inf, np.asarray(t, dtype=np.float64))
    rows = np.arange(len(t))
    t_star = t[rows, labels]
    bad = ~np.isfinite(t_star)
    m = np.where(bad, 0.0, t_star)
    m = np.minimum(m, t.min(axis=1))
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(-(t - m[:, None]) / xi)
        s = e.sum(axis=1)
        reg = np.exp(t_star / beta)
        loss = np.log(s) - m / xi + t_star / xi + alpha * (reg - 1.0)
        grad = -e / (s[:, None] * xi)
        grad[rows, labels] += 1.0 / xi + (alpha / beta) * reg
    bad |= ~np.isfinite(loss)
    loss[bad] = inf_loss
    grad[bad] = 0.0
    return loss, grad


def delta_mse(t, labels, delta_t=0.2, inf_loss=100.0):
    """Time-shift invariant MSE: wrong neurons delta_t after the correct one.

        L_b = 1/2 sum_{n != n*} (t_n - t_{n*} - delta_t)^2
        dL_b/dt_n = t_n - t_{n*} - delta_t  (n != n*),   dL_b/dt_{n*} = -sum_{n != n*} (...)

    A sample with any silent label neuron has an infinite loss, hence
    ``inf_loss`` and zero gradient.

    Parameters
    ----------
    t : ndarray, shape (B, n_classes)
        Label-layer spike times.
    labels : ndarray, shape (B,)
        Correct classes.
    delta_t : float
        Target lead of the correct neuron (tau_s).
    inf_loss : float
        Loss of a sample with a silent label neuron.

    Returns
    -------
    loss : ndarray, shape (B,)
    grad : ndarray, shape (B, n_classes)
    """
    t = np.where(np.isnan(t), np.inf, np.asarray(t, dtype=np.float64))
    rows = np.arange(len(t))
    with np.errstate(invalid="ignore"):
        d = t - t[rows, labels][:, None] - delta_t
    d[rows, labels] = 0.0
    loss = 0.5 * (d * d).sum(axis=1)
    grad = d.copy()
    grad[rows, labels] = -d.sum(axis=1)
    bad = ~np.isfinite(loss)
    loss[bad] = inf_loss
    grad[bad] = 0.0
    return loss, grad


def make_loss(cfg):
    """Loss callable ``(t, labels) -> (loss, grad)`` from a config dict.

    ``{"type": "ce", "xi": .., "alpha": .., "beta": ..}`` or
    ``{"type": "dmse", "delta_t": ..}``.
    """
    kw = {k: v for k, v in cfg.items() if k != "type"}
    if cfg["type"] == "ce":
        return lambda t, labels: cross_entropy_ttfs(t, labels, **kw)
    if cfg["type"] == "dmse":
        return lambda t, labels: delta_mse(t, labels, **kw)
    raise ValueError(f"unknown loss type {cfg['type']!r}")
