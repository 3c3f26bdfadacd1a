"""Raster plots of spike recorder data, as PyNEST's ``nest.raster_plot``.

``import pynestlite.raster_plot`` then ``from_device(recorder, hist=True)``.
"""
import numpy as np

__all__ = ["from_device", "from_data", "from_file", "extract_events", "show"]


def _events(detec):
    ev = detec.get("events")
    if isinstance(ev, tuple):
        ev = {k: np.concatenate([e[k] for e in ev]) for k in ev[0]}
    return ev


def extract_events(data, time=None, sel=None):
    """Rows [sender, time] of ``data`` within ``time`` = (t_min, t_max) and senders ``sel``."""
    data = np.asarray(data)
    keep = np.ones(len(data), bool)
    if time is not None:
        keep &= (data[:, 1] >= time[0]) & (data[:, 1] <= time[1])
    if sel is not None:
        keep &= np.isin(data[:, 0], np.asarray(sel))
    return data[keep]


def from_data(data, sel=None, hist=False, hist_binwidth=5.0, grayscale=False,
              title=None, xlabel=None):
    """Plot a raster (and a rate histogram) from an array of [sender, time] rows.

    Returns
    -------
    list of matplotlib axes
    """
    import matplotlib.pyplot as plt
    data = extract_events(data, sel=sel)
    gids, ts = data[:, 0], data[:, 1]
    fig = plt.figure()
    color = "black" if grayscale else None
    if hist:
        ax1 = fig.add_axes([0.1, 0.3, 0.85, 0.6])
        ax2 = fig.add_axes([0.1, 0.1, 0.85, 0.17], sharex=ax1)
        ax1.tick_params(labelbottom=False)
    else:
        ax1 = fig.add_subplot(111)
        ax2 = None
    ax1.plot(ts, gids, ".", markersize=2, color=color)
    ax1.set_ylabel("Neuron ID")
    ax1.set_title(title or "Raster plot")
    axes = [ax1]
    xlabel = xlabel or "Time (ms)"
    if ax2 is not None:
        if len(ts):
            bins = np.arange(np.floor(ts.min()), np.ceil(ts.max()) + hist_binwidth, hist_binwidth)
            n, _ = np.histogram(ts, bins=bins)
            n_neurons = max(len(np.unique(gids)), 1)
            ax2.bar(bins[:-1], 1000.0 * n / (hist_binwidth * n_neurons), width=hist_binwidth,
                    align="edge", color=color)
        ax2.set_ylabel("Rate (Hz)")
        ax2.set_xlabel(xlabel)
        axes.append(ax2)
    else:
        ax1.set_xlabel(xlabel)
    return axes


def from_device(detec, events=None, **kwargs):
    """Plot the events of a spike_recorder (or a given events dict)."""
    ev = events if events is not None else _events(detec)
    data = np.column_stack([np.asarray(ev["senders"], float), np.asarray(ev["times"], float)]) \
        if len(ev["times"]) else np.empty((0, 2))
    return from_data(data, **kwargs)


def from_file(fname, **kwargs):
    """Plot spike_recorder ascii files (one name or a list, e.g. one file per
    rank; columns sender, time_ms after the three header lines)."""
    return from_file_numpy(fname, **kwargs)


def from_file_numpy(fname, **kwargs):
    """As :func:`from_file`, read with numpy."""
    from pynestlite.recording import read_ascii
    if not isinstance(fname, (str, list, tuple)):
        raise TypeError(f"fname must be a str or a list of str, got {fname!r}")
    return from_data(read_ascii(fname)[:, :2], **kwargs)


def from_file_pandas(fname, **kwargs):
    """As :func:`from_file`, read with pandas (which must be installed)."""
    import pandas
    from pynestlite.recording import ASCII_HEADER_LINES
    files = [fname] if isinstance(fname, str) else list(fname)
    data = np.concatenate([
        pandas.read_table(f, header=ASCII_HEADER_LINES - 1, skipinitialspace=True).values
        for f in files])
    return from_data(np.asarray(data, float)[:, :2], **kwargs)


def show():
    import matplotlib.pyplot as plt
    plt.show()
