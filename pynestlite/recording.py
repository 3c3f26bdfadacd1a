"""Recording back ends: memory (default), ascii, hdf5; gathering under MPI.

memory
    Events stay in the recorder (``events`` dict of numpy arrays).
ascii
    One text file per recorder and rank,
    ``<data_path>/<data_prefix><label or model>-<gid>-<rank>.dat``, with a
    header line naming the columns (``sender time_ms [variables]``) and one
    event per line; written as events arrive.
hdf5
    One file per run (Prepare ... Cleanup) and rank,
    ``<data_path>/<data_prefix>run-<k>[-rank<r>].h5`` (k counts runs from 0),
    written with h5py at Cleanup.  Layout: one group per recorder,
    ``/<label or model>-<gid>``, with attributes ``model``, ``gid``, ``rank``
    and one dataset per column: ``senders`` (int64), ``times`` (float64 ms)
    and each recorded variable (float64).  :func:`merge_hdf5` merges the
    per-rank files of a run into one, with the events of each recorder in
    (time, sender) order, so that a merged N-rank run equals a 1-rank run.

Memory events are local to each rank under MPI; :func:`gather_events`
collects them on rank 0 (time-sorted).  Memory is always kept in addition to
files, so ``events`` works with every back end.
"""
import os

import numpy as np

from pynestlite.errors import BadProperty, KernelException


class AsciiWriter:
    def __init__(self, path, columns, mode):
        self.path = path
        self.fh = open(path, mode)
        if mode == "w":
            self.fh.write("# " + "\t".join(["sender", "time_ms"] + list(columns[2:])) + "\n")

    def write(self, cols, engine):
        times = engine.steps_to_ms(cols[1])
        data = [cols[0], times] + list(cols[2:])
        lines = []
        for row in zip(*data):
            lines.append(f"{int(row[0])}\t{row[1]:.3f}" +
                         "".join(f"\t{float(v):.17g}" for v in row[2:]) + "\n")
        self.fh.write("".join(lines))

    def close(self):
        self.fh.close()


def _label(blk, i):
    label = blk.arrays["label"][i]
    return label if label else blk.model


def _dir(engine):
    path = engine.data_path or "."
    if not os.path.isdir(path):
        raise BadProperty(f"data_path {path!r} does not exist or is not a directory")
    return path


def open_backends(engine):
    """Open the files of all recorders for this run; nothing is opened on error."""
    from pynestlite.models import recorders
    recs = [r.block for r in engine.records if r.element_type == "recorder"]
    wants = [(b, i, b.arrays["record_to"][i]) for b in recs for i in range(b.n)]
    engine._h5_pending = None
    if not any(w[2] in ("ascii", "hdf5") for w in wants):
        return
    directory = _dir(engine)
    plan = []
    for b, i, kind in wants:
        if kind == "ascii" and b.backends[i] is None:
            path = os.path.join(directory, f"{engine.data_prefix}{_label(b, i)}-"
                                f"{int(b.gids[i])}-{engine.rank}.dat")
            if os.path.exists(path) and not engine.overwrite_files:
                raise BadProperty(f"output file {path} exists; set overwrite_files=True "
                                  "to replace it")
            plan.append((b, i, path))
    h5 = None
    if any(w[2] == "hdf5" for w in wants):
        run = getattr(engine, "_h5_runs", 0)
        suffix = f"-rank{engine.rank}" if engine.size > 1 else ""
        h5 = os.path.join(directory, f"{engine.data_prefix}run-{run}{suffix}.h5")
        if os.path.exists(h5) and not engine.overwrite_files:
            raise BadProperty(f"output file {h5} exists; set overwrite_files=True to replace it")
        import h5py  # noqa: F401  (fail before the run if h5py is missing)
    for b, i, path in plan:
        cols = b.columns_of(i) if isinstance(b, recorders.Multimeter) else b.columns()
        b.backends[i] = AsciiWriter(path, cols, "w")
    for b, i, kind in wants:
        if kind == "ascii" and b.backends[i] is not None and b.backends[i].fh.closed:
            b.backends[i].fh = open(b.backends[i].path, "a")
    if h5 is not None:
        engine._h5_pending = (h5, [(b, i, len(b.chunks[i])) for b, i, kind in wants
                                   if kind == "hdf5"])


def close_backends(engine):
    """Flush ascii files and write this run's HDF5 file."""
    recs = [r.block for r in engine.records if r.element_type == "recorder"]
    for b in recs:
        for w in b.backends:
            if w is not None and not w.fh.closed:
                w.fh.close()
    pending = getattr(engine, "_h5_pending", None)
    if pending:
        import h5py
        path, items = pending
        with h5py.File(path, "w") as f:
            f.attrs["resolution"] = engine.resolution
            f.attrs["rank"] = engine.rank
            f.attrs["num_processes"] = engine.size
            for b, i, first_chunk in items:
                grp = f.create_group(f"{_label(b, i)}-{int(b.gids[i])}")
                grp.attrs["model"] = b.model
                grp.attrs["gid"] = int(b.gids[i])
                chunks = b.chunks[i][first_chunk:]
                names = b.columns_of(i) if hasattr(b, "columns_of") else b.columns()
                for j, name in enumerate(names):
                    if chunks:
                        col = np.concatenate([c[j] for c in chunks])
                    else:
                        col = np.empty(0, np.int64 if j < 2 else np.float64)
                    if name == "times":
                        col = engine.steps_to_ms(col)
                    grp.create_dataset(name, data=col)
        engine._h5_runs = getattr(engine, "_h5_runs", 0) + 1
        engine._h5_pending = None


def merge_hdf5(paths, out_path):
    """Merge per-rank HDF5 files of one run into ``out_path``.

    Events of each recorder are concatenated and sorted by (time, sender),
    which is the order a 1-rank run writes them in.
    """
    import h5py
    groups = {}
    attrs = {}
    for p in sorted(paths):
        with h5py.File(p, "r") as f:
            attrs.update({k: v for k, v in f.attrs.items() if k not in ("rank",)})
            for name, grp in f.items():
                d = groups.setdefault(name, {"attrs": dict(grp.attrs), "cols": {}})
                for col, ds in grp.items():
                    d["cols"].setdefault(col, []).append(ds[()])
    with h5py.File(out_path, "w") as f:
        for k, v in attrs.items():
            f.attrs[k] = v
        for name, d in groups.items():
            g = f.create_group(name)
            for k, v in d["attrs"].items():
                g.attrs[k] = v
            cols = {c: np.concatenate(v) for c, v in d["cols"].items()}
            order = np.lexsort((cols["senders"], cols["times"])) if len(cols["times"]) else []
            for c, v in cols.items():
                g.create_dataset(c, data=v[order] if len(v) else v)
    return out_path


def gather_events(recorder):
    """Events of a recorder from all ranks on rank 0 (time, sender order).

    Returns the merged dict on rank 0 and None on the other ranks.  Collective:
    every rank must call it.
    """
    from pynestlite.engine import kernel
    ev = recorder.get("events")
    parts = kernel.comm.allgather(ev) if kernel.size > 1 else [ev]
    if kernel.rank != 0:
        return None
    out = {}
    for key in parts[0]:
        out[key] = np.concatenate([p[key] for p in parts])
    if len(out.get("times", [])):
        order = np.lexsort((out["senders"], out["times"]))
        out = {k: v[order] for k, v in out.items()}
    return out
