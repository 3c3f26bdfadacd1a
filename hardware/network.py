"""The network built with Create/Connect, read out of the kernel as arrays.

:func:`read_network` collects what the compiler needs: the neurons and their
parameters, the spike sources, the static connections, and the recording
devices; under MPI every rank gathers the whole network (the chip runs it
as one piece; every rank emulates it identically and records its own
neurons).  Nothing here checks whether the chip can run it; that is the
compiler's ``validate`` pass.
"""
from dataclasses import dataclass, field

import numpy as np

LIF_PARAMS = ("C_m", "tau_m", "tau_syn_ex", "tau_syn_in", "t_ref", "E_L", "V_reset", "V_th",
              "I_e")
#: the AdEx circuit's further parameters (aeif_psc_exp); LIF neurons have
#: Delta_T = a = b = 0, tau_w = 1, V_peak = V_th
ADEX_PARAMS = ("Delta_T", "a", "b", "tau_w", "V_peak")
_LIF_ADEX = {"Delta_T": 0.0, "a": 0.0, "b": 0.0, "tau_w": 1.0}
LIF_STATE = ("V_m", "I_syn_ex", "I_syn_in", "w")


def adex_circuits(params):
    """Per neuron, whether its circuit runs with the exponential term or the
    adaptation on (``params``: ``Delta_T``, ``a``, ``b`` arrays); the others
    are LIF circuits."""
    return (np.asarray(params["Delta_T"]) > 0) | (np.asarray(params["a"]) != 0) \
        | (np.asarray(params["b"]) != 0)


def is_adex(block):
    """Whether a neuron block is an AdEx model (its I_syn_in counts inhibition
    positive, its V_m is absolute)."""
    return "Delta_T" in block.arrays


@dataclass
class Population:
    """The nodes of one Create call."""
    model: str
    first: int
    last: int
    element_type: str
    block_class: str

    def describe(self):
        n = self.last - self.first + 1
        ids = f"node {self.first}" if n == 1 else f"nodes {self.first}-{self.last}"
        return f"{self.model} ({ids})"


@dataclass
class Network:
    """Arrays of one network (ascending node ids everywhere).

    Attributes
    ----------
    populations : list of Population
    neuron_gids : ndarray of int64
        Every neuron (the chip's logical neurons), ascending.
    neuron_model : list of str
        Model per neuron.
    params : dict of str to ndarray
        Per neuron: :data:`LIF_PARAMS` (NaN where a model lacks one).
    state : dict of str to ndarray
        Per neuron: :data:`LIF_STATE` (V_m, I_syn_ex, I_syn_in) now.
    input_gids : ndarray of int64
        spike_generators, ascending.
    input_times : list of ndarray
        Spike times (ms, origin applied) per spike_generator.
    poisson : list of dict
        Per poisson_generator: ``gid``, ``rate`` (Hz), ``start``, ``stop`` (ms).
    source, target, weight, delay, synapse_model : ndarray
        Every connection between spike sources and neurons.
    spike_recorders : dict of int to ndarray
        Recorder gid -> gids of the nodes connected to it.
    multimeters : dict of int to dict
        Multimeter gid -> ``targets``, ``record_from``, ``interval``.
    other_devices : list of (gid, model)
        Devices the chip cannot run (reported by ``validate``).
    """
    populations: list = field(default_factory=list)
    neuron_gids: np.ndarray = None
    neuron_model: list = field(default_factory=list)
    params: dict = field(default_factory=dict)
    state: dict = field(default_factory=dict)
    input_gids: np.ndarray = None
    input_times: list = field(default_factory=list)
    poisson: list = field(default_factory=list)
    source: np.ndarray = None
    target: np.ndarray = None
    weight: np.ndarray = None
    delay: np.ndarray = None
    synapse_model: np.ndarray = None
    table_class: dict = field(default_factory=dict)
    spike_recorders: dict = field(default_factory=dict)
    multimeters: dict = field(default_factory=dict)
    other_devices: list = field(default_factory=list)

    def population_of(self, gid):
        """The Population holding ``gid``."""
        for p in self.populations:
            if p.first <= gid <= p.last:
                return p
        raise KeyError(gid)


def _gather(comm, arrays):
    """Concatenate per-rank arrays (dict of name -> array) over all ranks."""
    if comm.size == 1:
        return arrays
    parts = comm.allgather(arrays)
    return {k: np.concatenate([p[k] for p in parts]) for k in arrays}


def read_network(engine):
    """Read the network of ``engine`` (the kernel) into a :class:`Network`."""
    from pynestlite.kernel.connections import channel_targets, row_sources
    from pynestlite.models import generators, recorders

    net = Network()
    neuron_rows = []
    for rec in engine.records:
        blk = rec.block
        net.populations.append(Population(rec.model, rec.first, rec.last, rec.element_type,
                                          type(blk).__name__))
        if rec.element_type == "neuron":
            cols = {"gid": np.asarray(blk.gids, np.int64)}
            rows = np.arange(blk.n)
            for name in LIF_PARAMS + ADEX_PARAMS + LIF_STATE + ("g_L",):
                cols[name] = (np.asarray(blk.get(name, rows), np.float64) if name in blk.arrays
                              else np.full(blk.n, np.nan))
            if is_adex(blk):
                cols["tau_m"] = cols["C_m"] / cols["g_L"]
                cols["I_syn_in"] = -cols["I_syn_in"]        # signed, as the emulator's
            else:
                for name, v in _LIF_ADEX.items():
                    cols[name] = np.full(blk.n, v)
                cols["V_peak"] = cols["V_th"]
                cols["w"] = np.zeros(blk.n)
            del cols["g_L"]
            neuron_rows.append((rec.model, cols))
    # neuron parameters (local rows of every rank)
    names = ("gid",) + LIF_PARAMS + ADEX_PARAMS + LIF_STATE
    if neuron_rows:
        local = {k: np.concatenate([c[k] for _, c in neuron_rows]) for k in names}
    else:
        local = {k: np.empty(0, np.int64 if k == "gid" else np.float64) for k in names}
    allp = _gather(engine.comm, local)
    order = np.argsort(allp["gid"], kind="stable")
    net.neuron_gids = allp["gid"][order]
    net.params = {k: allp[k][order] for k in LIF_PARAMS + ADEX_PARAMS}
    net.state = {k: allp[k][order] for k in LIF_STATE}
    net.neuron_model = [net.population_of(int(g)).model for g in net.neuron_gids]

    # devices (replicated on every rank)
    inputs, times = [], []
    for rec in engine.records:
        blk = rec.block
        if rec.element_type == "neuron":
            continue
        if isinstance(blk, generators.SpikeGenerator):
            for i, g in enumerate(blk.gids):
                t = np.asarray(blk.arrays["spike_times"][i], np.float64)
                o = float(blk.arrays["origin"][i])
                t = t + o
                start, stop = o + float(blk.arrays["start"][i]), o + float(blk.arrays["stop"][i])
                inputs.append(int(g))
                times.append(t[(t > start) & (t <= stop)] if t.size else t)
        elif type(blk).__name__ == "PoissonGenerator":
            for i, g in enumerate(blk.gids):
                o = float(blk.arrays["origin"][i])
                net.poisson.append({"gid": int(g), "rate": float(blk.arrays["rate"][i]),
                                    "start": o + float(blk.arrays["start"][i]),
                                    "stop": o + float(blk.arrays["stop"][i])})
        elif isinstance(blk, recorders.Multimeter):
            for i, g in enumerate(blk.gids):
                net.multimeters[int(g)] = {
                    "targets": engine.recording_targets(int(g)),
                    "record_from": list(blk.arrays["record_from"][i]),
                    "interval": float(blk.arrays["interval"][i]),
                    "model": rec.model}
        elif isinstance(blk, recorders.SpikeRecorder):
            for g in blk.gids:
                net.spike_recorders[int(g)] = engine.recording_sources(int(g))
        else:
            for g in blk.gids:
                net.other_devices.append((int(g), rec.model))
    net.input_gids = np.asarray(inputs, np.int64)
    net.input_times = times

    # connections of the synapse tables (each rank holds those to its neurons)
    src, tgt, w, d, model = [], [], [], [], []
    chan_slot = engine.channel_slots()
    model_ids = {name: i for i, name in enumerate(engine.tables)}
    for name, t in engine.tables.items():
        t.finalize(engine.next_gid)
        n = len(t.cols["code"])
        net.table_class[name] = type(t).__name__
        if n == 0:
            continue
        s = np.empty(n, np.int64)
        row_sources(t.row_ptr, s)
        g = np.empty(n, np.int64)
        channel_targets(np.ascontiguousarray(t.cols["code"]), chan_slot, engine.size,
                        engine.rank, g)
        src.append(s)
        tgt.append(g)
        w.append(np.asarray(t.cols["weight"], np.float64))
        d.append(np.asarray(t.cols["delay"], np.float64) * engine.resolution)
        model.append(np.full(n, model_ids[name], np.int64))
    cat = (lambda xs, dt: np.concatenate(xs) if xs else np.empty(0, dt))
    conn = _gather(engine.comm, {"source": cat(src, np.int64), "target": cat(tgt, np.int64),
                                 "weight": cat(w, np.float64), "delay": cat(d, np.float64),
                                 "model": cat(model, np.int64)})
    order = np.lexsort((conn["target"], conn["source"]))
    net.source = conn["source"][order]
    net.target = conn["target"][order]
    net.weight = conn["weight"][order]
    net.delay = conn["delay"][order]
    names = list(engine.tables)
    net.synapse_model = np.asarray([names[i] for i in conn["model"][order]], dtype=object)
    return net
