"""Membrane potential traces of voltmeter/multimeter data, as PyNEST's
``nest.voltage_trace``."""
import numpy as np

__all__ = ["from_device", "from_file", "show"]


def from_device(detec, neurons=None, title=None, grayscale=False, timeunit="ms"):
    """Plot V_m of each recorded neuron (one line per sender).

    Returns
    -------
    list of matplotlib Line2D
    """
    import matplotlib.pyplot as plt
    ev = detec.get("events")
    if isinstance(ev, tuple):
        ev = {k: np.concatenate([e[k] for e in ev]) for k in ev[0]}
    if "V_m" not in ev:
        raise ValueError("the device did not record V_m")
    senders = np.unique(ev["senders"]) if neurons is None else [
        int(n) for n in (neurons.tolist() if hasattr(neurons, "tolist") else neurons)]
    scale = 1000.0 if timeunit == "s" else 1.0
    lines = []
    for s in senders:
        sel = ev["senders"] == s
        kw = {"color": "black"} if grayscale else {}
        lines += plt.plot(ev["times"][sel] / scale, ev["V_m"][sel], label=f"neuron {s}", **kw)
    plt.xlabel(f"Time ({timeunit})")
    plt.ylabel("Membrane potential (mV)")
    plt.title(title or "Membrane potential")
    return lines


def from_file(fname, title=None, grayscale=False):
    """Plot multimeter ascii files (one name or a list; columns sender,
    time_ms, V_m after the three header lines)."""
    import matplotlib.pyplot as plt
    from pynestlite.recording import read_ascii
    data = read_ascii(fname)
    lines = []
    for s in np.unique(data[:, 0]):
        sel = data[:, 0] == s
        lines += plt.plot(data[sel, 1], data[sel, 2], color="black" if grayscale else None)
    plt.xlabel("Time (ms)")
    plt.ylabel("Membrane potential (mV)")
    plt.title(title or (fname if isinstance(fname, str) else ", ".join(fname)))
    return lines


def show():
    import matplotlib.pyplot as plt
    plt.show()
