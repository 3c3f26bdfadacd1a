"""Recording back ends: memory (default), ascii, hdf5, screen; gathering under MPI.

A recorder's ``record_to`` chooses where its events go.  Memory is always
kept in addition to any other back end, so ``events`` works with every back
end; files and screen output receive the same events.

memory
    Events stay in the recorder (``events`` dict of numpy arrays).
ascii
    One text file per recorder and rank,
    ``<data_path>/<data_prefix><label or model>-<gid>-<rank>.<file_extension>``
    (the recorder's ``filenames``; ``file_extension`` is ``dat`` unless set),
    with NEST's header of three lines (two comment lines, then the columns
    ``sender<TAB>time_ms[<TAB>variable...]``) and one event per line: the
    sender (integer), the time in ms with ``precision`` decimals (3 unless
    set) and each recorded variable (``%.17g``, so that values read back
    equal the recorded doubles), tab separated; written
    as events arrive.  The file is created at the first run
    (Prepare ... Cleanup) that records to it and is appended to by later runs
    until ResetKernel.  With ``time_in_steps`` the time columns are
    ``time_step<TAB>time_offset`` (the step and the precise offset, as NEST).
hdf5
    One file per run (Prepare ... Cleanup) and rank,
    ``<data_path>/<data_prefix>run-<k>[-rank<r>].h5``, where ``k`` is the
    index of the run since the last ResetKernel (every run counts, from 0,
    whether or not it records to hdf5) and the ``-rank<r>`` suffix is
    present only under MPI with more than one rank.  Written with h5py at
    Cleanup; it holds the events of that run only.  Layout:

    * file attributes ``resolution`` (ms), ``rank``, ``num_processes``;
    * one group per recorder with ``record_to='hdf5'``,
      ``/<label or model>-<gid>``, with attributes ``model`` (str), ``gid``
      and ``rank`` (int);
    * in each group one dataset per column: ``senders`` (int64), ``times``
      (float64, ms, also with ``time_in_steps``) and, for a multimeter, one
      float64 dataset per recorded variable, named as in ``record_from``.

    :func:`merge_hdf5` merges files of the same layout (the per-rank files
    of a run, or several runs) into one, with the events of each recorder in
    (time, sender) order, so that a merged N-rank run equals a 1-rank run.
    The merged file carries no ``rank`` attributes.
screen
    Each event is printed to standard output as it arrives, one line as in
    the ascii format (no header).

An output file that already exists is an error (:class:`BadProperty`, raised
by Prepare/Simulate before anything is simulated or written) unless the
kernel property ``overwrite_files`` is True; a ``data_path`` that is not an
existing directory is an error too.

Memory events are local to each rank under MPI; :func:`gather_events`
collects them on rank 0 (time-sorted).
"""
import os
import sys

import numpy as np

from pynestlite.errors import BadParameter, BadProperty

BACKENDS = ("memory", "ascii", "hdf5", "screen")


def _format_rows(cols, engine, n_columns, precision=3, time_in_steps=False):
    """Lines of a chunk of events as NEST's ascii back end writes them:
    ``sender<TAB>time_ms[<TAB>value...]`` (the time less the precise offset),
    or with ``time_in_steps`` ``sender<TAB>step<TAB>offset[<TAB>value...]``.
    ``cols`` holds the ``n_columns`` named columns (sender, step, values),
    then the offsets where the events carry them."""
    steps = np.asarray(cols[1])
    offsets = (np.asarray(cols[n_columns], np.float64) if len(cols) > n_columns
               else np.zeros(len(steps)))
    values = [np.asarray(c, np.float64) for c in cols[2:n_columns]]
    senders = np.asarray(cols[0])
    lines = []
    if time_in_steps:
        for j in range(len(steps)):
            lines.append(f"{int(senders[j])}\t{int(steps[j])}\t{offsets[j]:.{precision}f}"
                         + "".join(f"\t{float(v[j]):.17g}" for v in values) + "\n")
    else:
        times = engine.steps_to_ms(steps) - offsets
        for j in range(len(steps)):
            lines.append(f"{int(senders[j])}\t{times[j]:.{precision}f}"
                         + "".join(f"\t{float(v[j]):.17g}" for v in values) + "\n")
    return "".join(lines)


class AsciiWriter:
    """The ``.dat`` file of one recorder (opened per run, appended across runs)."""

    def __init__(self, path, columns, precision=3, time_in_steps=False):
        self.path = path
        self.precision = int(precision)
        self.n_columns = len(columns)
        self.time_in_steps = bool(time_in_steps)
        self.fh = open(path, "w")
        # NEST's header: two comment lines, then the column names
        from pynestlite import __version__
        timehead = ["time_step", "time_offset"] if self.time_in_steps else ["time_ms"]
        self.fh.write(f"# pynestlite version: {__version__}\n"
                      "# RecordingBackendASCII version: 2\n"
                      + "\t".join(["sender"] + timehead + list(columns[2:])) + "\n")

    def reopen(self):
        if self.fh.closed:
            self.fh = open(self.path, "a")

    def write(self, cols, engine):
        self.fh.write(_format_rows(cols, engine, self.n_columns, self.precision,
                                   self.time_in_steps))

    def close(self):
        if not self.fh.closed:
            self.fh.close()


class ScreenWriter:
    """``record_to='screen'``: print events to standard output."""

    def __init__(self, columns):
        self.n_columns = len(columns)

    def write(self, cols, engine):
        sys.stdout.write(_format_rows(cols, engine, self.n_columns))

    def close(self):
        sys.stdout.flush()


def _label(blk, i):
    label = blk.arrays["label"][i]
    return label if label else blk.model


def _columns(blk, i):
    return blk.columns_of(i) if hasattr(blk, "columns_of") else blk.columns()


def _dir(engine):
    path = engine.data_path or "."
    if not os.path.isdir(path):
        raise BadProperty(f"data_path {path!r} does not exist or is not a directory; "
                          "set data_path to an existing directory")
    return path


def _state(engine):
    """Recording state of the current kernel; a ResetKernel starts afresh.

    ResetKernel replaces ``engine.records`` by a new list, which is how a
    reset is recognised here.
    """
    st = getattr(engine, "_recording_state", None)
    if st is None or st["records"] is not engine.records:
        st = {"records": engine.records, "runs": 0, "ascii": {}, "h5": None}
        engine._recording_state = st
    return st


ASCII_HEADER_LINES = 3       # two comment lines, then the column names


def _header_lines(fname):
    """Lines before the numbers of a text file: NEST's three-line header of
    an ascii recording (comments, then the column names), or none (a file of
    numbers only, e.g. written by numpy.savetxt)."""
    n = 0
    with open(fname) as fh:
        for line in fh:
            token = line.split(maxsplit=1)[0] if line.strip() else "#"
            try:
                float(token)
                return n
            except ValueError:
                n += 1
    return n


def read_ascii(fnames):
    """The events of ascii files (one name or a list, e.g. one file per
    rank) as one float array, a row per event: sender, time_ms, values.
    NEST's header (:data:`ASCII_HEADER_LINES`) is skipped where present."""
    if isinstance(fnames, str):
        fnames = [fnames]
    parts = [np.loadtxt(f, skiprows=_header_lines(f), ndmin=2) for f in fnames]
    return np.concatenate(parts) if parts else np.empty((0, 2))


def ascii_path(engine, blk, i, directory=None):
    """Path of the ascii file of device row ``i`` of recorder block ``blk``."""
    directory = directory if directory is not None else (engine.data_path or ".")
    return os.path.join(directory, f"{engine.data_prefix}{_label(blk, i)}-"
                        f"{int(blk.gids[i])}-{engine.rank}.{blk.arrays['file_extension'][i]}")


def hdf5_path(engine, run=None, directory=None):
    """Path of the hdf5 file of run ``run`` (default: the next run) on this rank."""
    st = _state(engine)
    directory = directory if directory is not None else (engine.data_path or ".")
    run = st["runs"] if run is None else run
    suffix = f"-rank{engine.rank}" if engine.size > 1 else ""
    return os.path.join(directory, f"{engine.data_prefix}run-{run}{suffix}.h5")


def _refuse_existing(engine, path):
    if os.path.exists(path) and not engine.overwrite_files:
        raise BadProperty(f"output file {path} exists; set the kernel property "
                          "overwrite_files=True to replace it, or change data_path, "
                          "data_prefix or label")


def open_backends(engine):
    """Attach the back ends of all recorders for this run (called by Prepare).

    Everything is checked before anything is opened or changed, so a failing
    Prepare leaves no file behind and the recorders as they were.
    """
    st = _state(engine)
    recs = [r.block for r in engine.records if r.element_type == "recorder"
            and not getattr(type(r.block), "receives_ports", False)]
    wants = [(b, i, b.arrays["record_to"][i]) for b in recs for i in range(b.n)]
    for b, i, kind in wants:
        if kind not in BACKENDS:
            raise BadProperty(f"{b.model} (node {int(b.gids[i])}): unknown record_to "
                              f"{kind!r}; expected one of {list(BACKENDS)}")
    st["h5"] = None
    # check -------------------------------------------------------------
    new_ascii = []
    h5 = None
    if any(kind in ("ascii", "hdf5") for _, _, kind in wants):
        directory = _dir(engine)
        for b, i, kind in wants:
            if kind == "ascii":
                path = ascii_path(engine, b, i, directory)
                if path not in st["ascii"]:
                    _refuse_existing(engine, path)
                    new_ascii.append((b, i, path))
        if any(kind == "hdf5" for _, _, kind in wants):
            h5 = hdf5_path(engine, directory=directory)
            _refuse_existing(engine, h5)
            try:
                import h5py  # noqa: F401
            except ImportError:
                raise BadProperty("record_to='hdf5' needs the h5py package") from None
    # commit ------------------------------------------------------------
    opened = []
    try:
        for b, i, path in new_ascii:
            opened.append((path, AsciiWriter(path, _columns(b, i),
                                             b.arrays["precision"][i],
                                             b.arrays["time_in_steps"][i])))
    except OSError as e:
        for _, w in opened:
            w.close()
        raise BadProperty(f"cannot open recorder output file: {e}") from None
    st["ascii"].update(opened)
    items = []
    for b, i, kind in wants:
        w = None
        if kind == "ascii":
            w = st["ascii"][ascii_path(engine, b, i)]
            w.reopen()
        elif kind == "screen":
            w = ScreenWriter(_columns(b, i))
        elif kind == "hdf5":
            items.append((b, i, b.chunks[i], len(b.chunks[i])))
        b.backends[i] = w
    if h5 is not None:
        st["h5"] = (h5, items)


def abort_backends(engine):
    """Undo :func:`open_backends` after Prepare failed elsewhere (another rank).

    Files are closed and the hdf5 file of the aborted run is not written; an
    ascii file created by the aborted Prepare is kept and appended to by the
    next run.  The run counter does not advance.
    """
    st = _state(engine)
    for w in st["ascii"].values():
        w.close()
    st["h5"] = None


def close_backends(engine):
    """Close the ascii files and write this run's hdf5 file (called by Cleanup)."""
    st = _state(engine)
    for w in st["ascii"].values():
        w.close()
    recs = [r.block for r in engine.records if r.element_type == "recorder"
            and not getattr(type(r.block), "receives_ports", False)]
    for b in recs:
        for i in range(b.n):
            if isinstance(b.backends[i], ScreenWriter):
                b.backends[i].close()
    pending, st["h5"] = st["h5"], None
    st["runs"] += 1
    if pending:
        _write_hdf5(engine, *pending)


def _write_hdf5(engine, path, items):
    import h5py
    with h5py.File(path, "w") as f:
        f.attrs["resolution"] = engine.resolution
        f.attrs["rank"] = engine.rank
        f.attrs["num_processes"] = engine.size
        for b, i, chunk_list, first in items:
            # n_events=0 during the run replaces the chunk list: take all of the new one
            cur = b.chunks[i]
            chunks = cur[first:] if cur is chunk_list else cur
            grp = f.create_group(f"{_label(b, i)}-{int(b.gids[i])}")
            grp.attrs["model"] = b.model
            grp.attrs["gid"] = int(b.gids[i])
            grp.attrs["rank"] = engine.rank
            for j, name in enumerate(_columns(b, i)):
                if chunks:
                    col = np.concatenate([c[j] for c in chunks])
                else:
                    col = np.empty(0, np.int64 if j < 2 else np.float64)
                if j == 0:
                    col = col.astype(np.int64)
                elif j == 1:
                    col = engine.steps_to_ms(col).astype(np.float64)
                else:
                    col = col.astype(np.float64)
                grp.create_dataset(name, data=col)


def merge_hdf5(paths, out_path):
    """Merge hdf5 files of the documented layout into ``out_path``.

    For each recorder group, the columns of all files are concatenated and
    sorted by (time, sender) (stable, so equal keys keep file order), which
    is the order a 1-rank run writes them in.  File attributes are taken from
    the inputs (the last one wins); ``rank`` attributes are dropped.
    Returns ``out_path``.
    """
    import h5py
    if isinstance(paths, (str, os.PathLike)):
        raise BadParameter("merge_hdf5 expects a list of file paths, got a single path")
    paths = [os.fspath(p) for p in paths]
    if not paths:
        raise BadParameter("merge_hdf5 needs at least one input file")
    groups = {}
    attrs = {}
    for p in paths:
        with h5py.File(p, "r") as f:
            attrs.update({k: v for k, v in f.attrs.items() if k != "rank"})
            for name, grp in f.items():
                d = groups.setdefault(name, {"attrs": {k: v for k, v in grp.attrs.items()
                                                       if k != "rank"},
                                             "cols": {}})
                names = set(grp.keys())
                if d["cols"] and names != set(d["cols"]):
                    raise BadParameter(f"merge_hdf5: group {name!r} of {p} has columns "
                                       f"{sorted(names)}, expected {sorted(d['cols'])}")
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
            order = np.lexsort((cols["senders"], cols["times"]))
            for c, v in cols.items():
                g.create_dataset(c, data=v[order])
    return out_path


def gather_events(recorder):
    """Events of one recorder from all ranks on rank 0, sorted by (time, sender).

    Returns the merged ``events`` dict on rank 0 and None on the other ranks.
    Collective: every rank must call it.
    """
    from pynestlite.engine import kernel
    from pynestlite.nodes import NodeCollection
    if not isinstance(recorder, NodeCollection) or len(recorder) != 1:
        got = (f"{len(recorder)} nodes" if isinstance(recorder, NodeCollection)
               else type(recorder).__name__)
        raise BadParameter(f"gather_events expects a NodeCollection of one recorder, got {got}")
    if recorder.get("element_type") != "recorder":
        raise BadParameter(f"gather_events: node {recorder.tolist()[0]} "
                           f"({recorder.get('model')}) is not a recorder")
    ev = recorder.get("events")
    parts = kernel.comm.allgather(ev) if kernel.size > 1 else [ev]
    if kernel.rank != 0:
        return None
    out = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.lexsort((out["senders"], out["times"]))
    return {k: v[order] for k, v in out.items()}
