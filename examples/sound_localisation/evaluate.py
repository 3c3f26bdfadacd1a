"""Measures of an IPD classifier and their plots.

* accuracy: fraction of trials whose estimated class is the true class;
* mean absolute IPD error in degrees, two definitions:
  ``midpoint`` |mid(est) - mid(true)| (the paper's number, 15 deg per class
  off) and ``continuous`` |mid(est) - alpha| (against the true IPD; the
  tutorial's number, at least 3.75 deg on average for a perfect classifier);
* the confusion matrix, counts[true, estimated];
* the share of errors that are one class off;
* tuning curves: mean (and s.d.) over the trials of each true class of the
  hidden firing rates (Hz) and of the readouts' trial-mean potentials.
"""
import numpy as np

from ipd_data import class_midpoints


def accuracy(est, labels):
    """Fraction of correct class estimates."""
    return float(np.mean(np.asarray(est) == np.asarray(labels)))


def mae_midpoint_deg(est, labels, num_classes=12):
    """Mean |mid(est) - mid(true)| in degrees (the paper's definition)."""
    d = class_midpoints(est, num_classes) - class_midpoints(labels, num_classes)
    return float(np.mean(np.abs(d)) * 180 / np.pi)


def mae_continuous_deg(est, ipd, num_classes=12):
    """Mean |mid(est) - alpha| in degrees, alpha the true IPD (rad)."""
    return float(np.mean(np.abs(class_midpoints(est, num_classes) - np.asarray(ipd))) * 180 / np.pi)


def confusion_matrix(est, labels, num_classes=12):
    """Counts[true class, estimated class]."""
    c = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(c, (np.asarray(labels), np.asarray(est)), 1)
    return c


def tuning_curves(values, labels, num_classes=12):
    """Mean and s.d. of ``values`` (trials, units) over the trials of each class.

    Returns
    -------
    mean, sd : ndarray (num_classes, units)
        NaN for a class without trials.
    """
    values = np.asarray(values, np.float64)
    mean = np.full((num_classes, values.shape[1]), np.nan)
    sd = np.full_like(mean, np.nan)
    for k in range(num_classes):
        v = values[np.asarray(labels) == k]
        if len(v):
            mean[k], sd[k] = v.mean(axis=0), v.std(axis=0)
    return mean, sd


def evaluate(readout_mean, hidden_counts, ipd, labels, duration=0.1, num_classes=12):
    """All measures of one run.

    Parameters
    ----------
    readout_mean : ndarray (N, classes)
        Trial-mean readout potentials; the estimate is their argmax.
    hidden_counts : ndarray (N, hidden)
        Hidden spikes per trial.
    ipd, labels : ndarray (N,)
        True IPDs (rad) and classes.
    duration : float
        Trial duration (s) for the rates.

    Returns
    -------
    dict
        ``accuracy``, ``mae_midpoint_deg``, ``mae_continuous_deg``,
        ``errors``, ``errors_one_class_off`` (share), ``confusion``,
        ``hidden_rate_hz`` (per neuron), ``tuning_hidden_hz`` and
        ``tuning_readout`` (mean and s.d. per class), ``estimates``.
    """
    est = np.argmax(readout_mean, axis=1)
    labels = np.asarray(labels)
    off = np.abs(est - labels)
    rates = np.asarray(hidden_counts, np.float64) / duration
    return {
        "accuracy": accuracy(est, labels),
        "mae_midpoint_deg": mae_midpoint_deg(est, labels, num_classes),
        "mae_continuous_deg": mae_continuous_deg(est, ipd, num_classes),
        "errors": int(np.count_nonzero(off)),
        "errors_one_class_off": float(np.mean(off[off > 0] == 1)) if np.any(off) else 1.0,
        "confusion": confusion_matrix(est, labels, num_classes),
        "hidden_rate_hz": rates.mean(axis=0),
        "tuning_hidden_hz": tuning_curves(rates, labels, num_classes),
        "tuning_readout": tuning_curves(readout_mean, labels, num_classes),
        "estimates": est,
    }


def plot_all(result, out_dir, title="", num_classes=12):
    """Write confusion.png, tuning_hidden.png and tuning_readout.png.

    Parameters
    ----------
    result : dict
        From :func:`evaluate`.
    out_dir : str
        Existing folder.
    title : str
        Figure title prefix.

    Returns
    -------
    list of str
        The files written.
    """
    import os
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mids = class_midpoints(np.arange(num_classes), num_classes) * 180 / np.pi
    files = []
    conf = result["confusion"].astype(np.float64)
    conf /= np.maximum(conf.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(5, 4.3))
    im = ax.imshow(conf.T, origin="lower", extent=(-90, 90, -90, 90), cmap="viridis")
    ax.set_xlabel("true IPD (deg)")
    ax.set_ylabel("estimated IPD (deg)")
    ax.set_title(f"{title}\naccuracy {100 * result['accuracy']:.1f} %, "
                 f"MAE {result['mae_midpoint_deg']:.2f} deg", fontsize=9)
    fig.colorbar(im, ax=ax, label="P(estimate | true)")
    fig.tight_layout()
    files.append(os.path.join(out_dir, "confusion.png"))
    fig.savefig(files[-1], dpi=120)
    plt.close(fig)
    for key, label, name in (("tuning_hidden_hz", "firing rate (Hz)", "tuning_hidden.png"),
                             ("tuning_readout", "trial-mean V_m (threshold units)",
                              "tuning_readout.png")):
        mean, sd = result[key]
        fig, ax = plt.subplots(figsize=(6, 4))
        for i in range(mean.shape[1]):
            ax.errorbar(mids, mean[:, i], yerr=sd[:, i], capsize=2, label=f"{i}")
        ax.set_xlabel("true IPD (deg, class midpoint)")
        ax.set_ylabel(label)
        ax.set_title(f"{title} {'hidden' if 'hidden' in key else 'readout'} tuning curves",
                     fontsize=9)
        ax.legend(fontsize=6, ncol=2, title="unit", title_fontsize=6)
        fig.tight_layout()
        files.append(os.path.join(out_dir, name))
        fig.savefig(files[-1], dpi=120)
        plt.close(fig)
    return files
