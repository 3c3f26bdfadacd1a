"""PyNEST's plotting helpers: raster_plot and voltage_trace (matplotlib)."""
import numpy as np


def _events(detec):
    ev = detec.get("events")
    if isinstance(ev, tuple):
        ev = {k: np.concatenate([e[k] for e in ev]) for k in ev[0]}
    return ev


def raster_plot(detec=None, events=None, hist=True, hist_binwidth=5.0, title="Raster plot",
                xlabel="Time (ms)", ylabel="Neuron ID", **kwargs):
    """Raster (and rate histogram) of a spike_recorder's events.

    Returns the list of matplotlib axes drawn.
    """
    import matplotlib.pyplot as plt
    ev = events if events is not None else _events(detec)
    ts, gids = np.asarray(ev["times"]), np.asarray(ev["senders"])
    fig = plt.figure()
    if hist:
        ax1 = fig.add_axes([0.1, 0.3, 0.85, 0.6])
        ax2 = fig.add_axes([0.1, 0.1, 0.85, 0.17], sharex=ax1)
        ax1.tick_params(labelbottom=False)
    else:
        ax1 = fig.add_subplot(111)
        ax2 = None
    ax1.plot(ts, gids, ".", markersize=2)
    ax1.set_ylabel(ylabel)
    ax1.set_title(title)
    axes = [ax1]
    if ax2 is not None and len(ts):
        t_bins = np.arange(np.floor(ts.min()), np.ceil(ts.max()) + hist_binwidth, hist_binwidth)
        n, _ = np.histogram(ts, bins=t_bins)
        n_neurons = max(len(np.unique(gids)), 1)
        heights = 1000.0 * n / (hist_binwidth * n_neurons)
        ax2.bar(t_bins[:-1], heights, width=hist_binwidth, align="edge")
        ax2.set_ylabel("Rate (Hz)")
        ax2.set_xlabel(xlabel)
        axes.append(ax2)
    else:
        ax1.set_xlabel(xlabel)
    return axes


def voltage_trace(detec, title="Membrane potential", xlabel="Time (ms)",
                  ylabel="Membrane potential (mV)"):
    """Plot the V_m traces recorded by a voltmeter/multimeter, one line per sender."""
    import matplotlib.pyplot as plt
    ev = _events(detec)
    fig, ax = plt.subplots()
    for s in np.unique(ev["senders"]):
        sel = ev["senders"] == s
        ax.plot(ev["times"][sel], ev["V_m"][sel], label=f"neuron {s}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return [ax]
