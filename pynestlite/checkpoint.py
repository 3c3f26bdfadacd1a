"""Checkpoints: save the dynamic state of a simulation and continue it later.

``save_state(path)`` writes, after a ``Simulate`` (at the end of a min_delay
slice), everything that evolves during a simulation: the time, every node's
state and parameters (numeric ones), every synapse's columns (weights and
plastic state), the model state of plastic tables (presynaptic traces,
spikes in flight of time-driven synapses), the ring buffers of input in
flight, the spikes awaiting delivery and the spike archives, and the counter
of random evaluations.  ``load_state(path)`` puts it into a kernel in which
the *same network* was built again by the same script (same nodes,
connections and device settings; it checks the layout) and not simulated
yet; simulating on from there gives exactly the spikes and weights of the
uninterrupted run.

Not saved: the events recorders hold (they start empty), sequence-valued
device parameters such as ``spike_times`` (the script sets them again) and
kernel settings (the script sets them).

One HDF5 file per rank: ``path`` with one rank, ``path`` + ``.rank-R-of-N``
with several; a checkpoint must be loaded with the number of ranks that
wrote it.
"""
import numpy as np

from pynestlite.errors import KernelStateError

__all__ = ["save_state", "load_state"]

FORMAT = "pynestlite-state-1"


def _file_name(path, k):
    return str(path) if k.size == 1 else f"{path}.rank-{k.rank}-of-{k.size}"


def _put(group, name, value):
    """Write a value of a state dict (nested dicts become groups)."""
    if isinstance(value, dict):
        sub = group.create_group(name)
        for key, v in value.items():
            _put(sub, key, v)
    elif isinstance(value, (list, tuple)) and all(isinstance(x, str) for x in value):
        group.attrs[name] = "\x1f".join(value)
        group.attrs[name + "__strlist"] = True
    elif isinstance(value, (bool, np.bool_)):
        group.attrs[name] = bool(value)
    elif np.ndim(value) == 0:
        group.attrs[name] = value
    else:
        group.create_dataset(name, data=np.asarray(value))


def _take(group):
    """Read back what :func:`_put` wrote."""
    out = {}
    for name, value in group.attrs.items():
        if name.endswith("__strlist"):
            continue
        if group.attrs.get(name + "__strlist", False):
            out[name] = [x for x in str(value).split("\x1f") if x]
        else:
            out[name] = value.item() if hasattr(value, "item") else value
    for name, item in group.items():
        out[name] = _take(item) if hasattr(item, "items") else item[()]
    return out


def _blocks(k):
    return [(i, rec.block) for i, rec in enumerate(k.records)]


def save_state(path):
    """Save the state of the simulation (module docstring) to ``path`` (HDF5).

    Raises
    ------
    KernelStateError
        Nothing simulated yet, or the time is not at the end of a min_delay
        slice.
    """
    import h5py
    from pynestlite.engine import kernel as k
    error = None
    try:
        if not k.simulated:
            raise KernelStateError("save_state: nothing has been simulated yet")
        held = sorted({blk.model for _, blk in _blocks(k)
                       if not getattr(type(blk), "checkpointable", True)})
        if held:
            raise KernelStateError(
                f"save_state does not cover {', '.join(held)} yet (their state outside the "
                "parameter arrays: precise input in flight, Poisson trains in progress)")
        sched = k.scheduler.get_state()
        tables = {name: t.get_state() for name, t in k.tables.items() if len(t)}
        with h5py.File(_file_name(path, k), "w") as f:
            f.attrs["format"] = FORMAT
            f.attrs["step"] = k.step
            f.attrs["calls"] = k.calls
            f.attrs["network_size"] = k.next_gid - 1
            f.attrs["num_processes"] = k.size
            f.attrs["delays"] = np.array([k.min_delay, k.max_delay], np.int64)
            _put(f, "scheduler", sched)
            g = f.create_group("blocks")
            for i, blk in _blocks(k):
                b = g.create_group(str(i))
                b.attrs["model"] = blk.model
                b.attrs["n"] = blk.n
                for name, arr in blk.arrays.items():
                    if isinstance(arr, np.ndarray) and arr.dtype != object:
                        b.create_dataset(name, data=arr)
            _put(f, "tables", tables)
    except Exception as e:      # noqa: BLE001  agreed over ranks below
        error = e
    k.comm.status_point(error)


def load_state(path):
    """Load a state saved by :func:`save_state` into the network just built.

    Raises
    ------
    KernelStateError
        The kernel has simulated already, or the file does not match the
        network built (nodes, models, synapses, delays, ranks).
    """
    import h5py
    from pynestlite.engine import kernel as k
    error = None
    prepared = False
    try:
        if k.simulated or k.prepared:
            raise KernelStateError("load_state needs a network built but not simulated yet "
                                   "(ResetKernel, build the same network, then load_state)")
        with h5py.File(_file_name(path, k), "r") as f:
            if f.attrs.get("format") != FORMAT:
                raise KernelStateError(f"{path} is not a pynestlite state file")
            if int(f.attrs["num_processes"]) != k.size:
                raise KernelStateError(f"{path} was written by {int(f.attrs['num_processes'])} "
                                       f"ranks, this run has {k.size}")
            if int(f.attrs["network_size"]) != k.next_gid - 1:
                raise KernelStateError(f"{path} holds {int(f.attrs['network_size'])} nodes, "
                                       f"the network built has {k.next_gid - 1}")
            blocks = {}
            for i, blk in _blocks(k):
                b = f["blocks"].get(str(i))
                if b is None or b.attrs["model"] != blk.model or int(b.attrs["n"]) != blk.n:
                    raise KernelStateError(f"{path}: node block {i} ({blk.model}, {blk.n} "
                                           "local nodes) differs from the saved one")
                blocks[i] = {name: b[name][()] for name in b}
            tables = _take(f["tables"]) if "tables" in f else {}
            if set(tables) != {name for name, t in k.tables.items() if len(t)}:
                raise KernelStateError(f"{path}: saved synapse models {sorted(tables)} differ "
                                       "from the network's")
            sched = _take(f["scheduler"])
            step, calls = int(f.attrs["step"]), int(f.attrs["calls"])
            delays = tuple(int(x) for x in f.attrs["delays"])
        if tuple(k.delay_extrema()) != delays:
            raise KernelStateError(f"{path}: delay extrema {delays} (steps) differ from the "
                                   f"network's {tuple(k.delay_extrema())}")
        k.deliver_before_growth()
        for t in k.all_tables():
            t.finalize(k.next_gid)
        for name, state in tables.items():
            t = k.tables[name]
            cols = state["columns"]
            if (set(cols) != set(t.cols) or not np.array_equal(cols["code"], t.cols["code"])
                    or not np.array_equal(cols["delay"], t.cols["delay"])):
                raise KernelStateError(f"{path}: the saved {name} synapses differ from the "
                                       "network's (targets, delays or columns)")
        k.step = step
        k.scheduler.origin = step
        k.prepare()
        prepared = True
        for i, blk in _blocks(k):
            for name, arr in blocks[i].items():
                if name in blk.arrays and not isinstance(blk.arrays[name], list):
                    blk.arrays[name][...] = arr
            blk.bind()
        for name, state in tables.items():
            k.tables[name].set_state(state)
        k.scheduler.set_state(sched)
        k.forget_derived()          # (parameters and the archive came from the file)
        k.calls = calls
        k.simulated = True
    except Exception as e:      # noqa: BLE001  agreed over ranks below
        error = e
    finally:
        if prepared:
            k.cleanup()
    if error is not None and not prepared:
        k.step = 0
        k.scheduler.origin = 0
    k.comm.status_point(error)
