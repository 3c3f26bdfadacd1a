"""NodeCollection: an ordered set of node ids, as in PyNEST 3.

A NodeCollection is a sorted array of unique node ids.  ``get`` returns a
value for one node and a tuple for several (a dict for several keys);
``set`` takes a dict of scalars, per-node lists, or random Parameters, a list
of dicts (one per node), or keyword arguments.  Under MPI, ``get`` returns
the values of the nodes local to this rank (devices are local everywhere),
as NEST does; :func:`pynestlite.gather_events` collects a recorder's events
on rank 0.
"""
import json
import numbers

import collections.abc

import numpy as np

from pynestlite.kernel.nodebase import defaults_of, public_of
from pynestlite.errors import (  # noqa: F401  (UnknownParameter: public here too)
    BadProperty, InvalidNodeCollection, KernelException, UnaccessedDictionaryEntry,
    UnknownAttribute, UnknownParameter)

__all__ = ["NodeCollection", "UnknownParameter"]




_KERNEL = []


def _kernel():
    """The process's kernel (imported on first use: engine imports this module)."""
    if not _KERNEL:
        from pynestlite.engine import kernel
        _KERNEL.append(kernel)
    return _KERNEL[0]


# keys every node reports besides its model's parameters and state
_COMMON_KEYS = ("global_id", "model", "model_id", "element_type", "local", "vp", "thread",
                "thread_local_id", "frozen", "node_uses_wfr")
# keys whose values do not come from the block's arrays (see _group_values)
_DERIVED_KEYS = frozenset(_COMMON_KEYS) | {"events", "filenames", "t_spike", "post_trace",
                                           "archiver_length", "receptor_types",
                                           "recordables"}


class NodeCollection:
    """Sorted, unique node ids with NEST's NodeCollection interface.

    Parameters
    ----------
    ids : array_like of int or NodeCollection, optional
        Node ids; must exist and be unique (they are sorted).

    Raises
    ------
    BadProperty
        Repeated ids.
    UnknownNode
        An id that does not exist.
    """

    # _sliced: made by a slice NEST keeps as a "sliced composite" (a step > 1,
    # or a slice over several parts of a composite), which cannot be joined
    __slots__ = ("_ids", "_epoch", "_sliced")

    def __init__(self, ids=()):
        if ids is None:
            ids = ()
        if isinstance(ids, NodeCollection):
            ids = ids._ids
        if isinstance(ids, (int, np.integer)):
            ids = [ids]
        arr = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids)
        if arr.size == 0:
            arr = arr.astype(np.int64)
        if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
            raise TypeError("NodeCollection ids must be a one-dimensional sequence of integers")
        arr = arr.astype(np.int64)
        srt = np.unique(arr)
        if len(srt) != len(arr):
            raise BadProperty("All node IDs in a NodeCollection have to be unique")
        if np.any(np.diff(arr) < 0):
            raise BadProperty("node IDs of a NodeCollection must be sorted in ascending order")
        if len(srt):
            _kernel().check_gids(srt)
        object.__setattr__(self, "_ids", srt)
        object.__setattr__(self, "_epoch", _kernel().epoch)
        object.__setattr__(self, "_sliced", False)

    @classmethod
    def _from_sorted(cls, ids):
        nc = cls.__new__(cls)
        object.__setattr__(nc, "_ids", np.ascontiguousarray(ids, np.int64))
        object.__setattr__(nc, "_epoch", _kernel().epoch)
        object.__setattr__(nc, "_sliced", False)
        return nc

    # sequence protocol -------------------------------------------------
    def __len__(self):
        return len(self._ids)

    def __iter__(self):
        for g in self._ids:
            yield NodeCollection._from_sorted(np.array([g]))

    def __getitem__(self, key):
        self._check_valid()
        if isinstance(key, (bool, np.bool_)):
            raise IndexError("cannot index a NodeCollection with a bool")
        if isinstance(key, (int, np.integer)):
            n = len(self._ids)
            if not -n <= key < n:
                raise IndexError(f"index {key} out of range for NodeCollection of size {n}")
            key = int(key) if key >= 0 else n + int(key)
            return NodeCollection._from_sorted(self._ids[key:key + 1])
        if isinstance(key, slice):
            if key.step is not None and key.step < 1:
                raise IndexError("slicing step for NodeCollection must be strictly positive")
            n = len(self._ids)
            for end in (key.start, key.stop):
                if end is not None and not -n <= end <= n:
                    raise IndexError(f"slice bound {end} out of range for NodeCollection "
                                     f"of size {n}")
            out = NodeCollection._from_sorted(self._ids[key])
            if (key.step or 1) > 1 or (not _one_part(self._ids) and not _one_part(out._ids)):
                object.__setattr__(out, "_sliced", True)
            return out
        if isinstance(key, (list, tuple, np.ndarray)):
            if len(key) == 0:
                return NodeCollection._from_sorted(np.zeros(0, np.int64))
            if isinstance(key, (list, tuple)):
                kinds = {isinstance(x, (bool, np.bool_)) for x in key}
                if len(kinds) > 1:
                    raise TypeError("NodeCollection indices must be all bools or all integers")
            k = np.asarray(key)
            if k.ndim != 1:
                raise TypeError("NodeCollection indices must be one-dimensional")
            if k.dtype == bool:
                if len(k) != len(self._ids):
                    raise IndexError("Bool index array must be the same length as NodeCollection")
                return NodeCollection._from_sorted(self._ids[k])
            if k.dtype.kind not in "iu":
                raise TypeError("Indices must be integers or bools")
            k = k.astype(np.int64)
            n = len(self._ids)
            if np.any((k < -n) | (k >= n)):
                raise IndexError(f"index {k[(k < -n) | (k >= n)][0]} out of range for "
                                 f"NodeCollection of size {n}")
            k = np.where(k < 0, k + n, k)
            if len(np.unique(k)) != len(k):
                raise ValueError("All node IDs in a NodeCollection have to be unique")
            if np.any(np.diff(k) < 0):
                raise BadProperty("Indices must be sorted in ascending order")
            return NodeCollection._from_sorted(self._ids[k])
        raise IndexError("only integers, slices, lists, tuples, and numpy arrays are "
                         "valid indices")

    def _check_valid(self):
        """Nodes made before the latest ResetKernel no longer exist."""
        if self._epoch != _kernel().epoch and len(self._ids):
            raise InvalidNodeCollection(
                "InvalidNodeCollection: the nodes of this NodeCollection were deleted by "
                "ResetKernel; create them again")

    def __add__(self, other):
        if not isinstance(other, NodeCollection):
            if isinstance(other, numbers.Number) and other == 0:   # sum([nc1, nc2])
                return self
            return NotImplemented
        self._check_valid()
        other._check_valid()
        if len(self._ids) and len(other._ids) and (self._sliced or other._sliced):
            raise BadProperty("Cannot add NodeCollection to a sliced composite.")
        if len(self._ids) and len(other._ids):
            _check_join_layers(self._ids, other._ids)
        if np.intersect1d(self._ids, other._ids).size:
            raise BadProperty("Cannot join overlapping NodeCollections.")
        return NodeCollection._from_sorted(np.union1d(self._ids, other._ids))

    def __radd__(self, other):
        return self.__add__(other)

    def __eq__(self, other):
        """Equal node ids of equal models (as NEST; collections from before a
        ResetKernel compare with the models they had)."""
        if not isinstance(other, NodeCollection) or not np.array_equal(self._ids, other._ids):
            return False
        if self._epoch == other._epoch:
            return True
        k = _kernel()
        return k.models_of(self._ids, self._epoch) == k.models_of(other._ids, other._epoch)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self._ids.tobytes())

    def __contains__(self, gid):
        if isinstance(gid, NodeCollection):
            return bool(np.all(np.isin(gid._ids, self._ids)))
        return bool(np.isin(int(gid), self._ids))

    def __bool__(self):
        return len(self._ids) > 0

    def __array__(self, dtype=None, copy=None):
        return self._ids.astype(dtype) if dtype else self._ids.copy()

    def tolist(self):
        """Node ids as a list of int."""
        return [int(g) for g in self._ids]

    def _to_array(self, selection="all"):
        """Node ids by place, as NEST's debugging helper gives them.

        Parameters
        ----------
        selection : {'all', 'rank', 'thread'}

        Returns
        -------
        dict
            ``{"All": ids}``, ``{"Rank r": ids on this rank}`` or
            ``{thread: ids of this rank's thread}`` (every thread a key).
        """
        if selection == "all":
            return {"All": self.tolist()}
        if selection not in ("rank", "thread"):
            raise ValueError(f"selection must be 'all', 'rank' or 'thread', got {selection!r}")
        k = _kernel()
        local = self._ids[k.is_local(self._ids)]
        if selection == "rank":
            return {f"Rank {k.rank}": [int(g) for g in local]}
        out = {t: [] for t in range(max(int(k.local_num_threads), 1))}
        for rec, g in k.groups(local):
            for gid, vp in zip(g, _virtual_processes(rec, g, k)):
                out[vp // k.size].append(int(gid))
        return out

    def index(self, gid):
        """Position of node ``gid`` in the collection (ValueError if absent)."""
        gid = int(gid)
        pos = np.searchsorted(self._ids, gid)
        if pos >= len(self._ids) or self._ids[pos] != gid:
            raise ValueError(f"{gid} is not in NodeCollection")
        return int(pos)

    @property
    def global_id(self):
        return self.get("global_id")

    @property
    def ids(self):
        return self._ids

    def __repr__(self):
        if len(self._ids) == 0:
            return "NodeCollection(<empty>)"
        parts = _repr_parts(self._ids)
        if len(parts) == 1 and parts[0][3] == 1:
            return f"NodeCollection(metadata=None, {_fmt_part(*parts[0])})"
        pad = " " * len("NodeCollection(")
        return ("NodeCollection(metadata=None,\n"
                + ";\n".join(pad + _fmt_part(*p) for p in parts) + ")")

    __str__ = __repr__

    # status ------------------------------------------------------------
    def _group_keys(self, rec):
        """Keys nodes of the Create record ``rec`` report (kept by the kernel
        until the block is set again)."""
        return list(_cached_keys(_kernel(), rec)[0])

    @staticmethod
    def _compute_group_keys(rec):
        hidden = getattr(rec.block, "write_only", ())     # settable, not reported (as NEST)
        keys = [k for k in rec.block.public_names() if k not in hidden] + list(_COMMON_KEYS)
        if rec.element_type == "neuron" and rec.block.archiving:
            keys.extend(("t_spike", "post_trace", "archiver_length"))
        if rec.element_type == "recorder" and not getattr(type(rec.block), "receives_ports",
                                                            False):
            keys.append("events")
            ascii_keys = getattr(rec.block, "ascii_keys", ())
            if "record_to" in rec.block.arrays and any(
                    v == "ascii" for v in rec.block.arrays["record_to"]):
                keys.extend(k for k in ascii_keys if k not in keys)
            else:
                keys = [k for k in keys if k not in ascii_keys]
        if rec.block.recordables:
            keys.append("recordables")
        if getattr(rec.block, "receptor_types", None):
            keys.append("receptor_types")
        return keys

    def _group_values(self, rec, g, key):
        """Values of ``key`` for the (local, sorted) gids ``g`` of record ``rec``."""
        k = _kernel()
        blk = rec.block
        if key not in _DERIVED_KEYS:
            return _array_values(k, rec, blk, np.searchsorted(blk.gids, g), key)
        if key == "global_id":
            return [int(x) for x in g]
        if key == "model":
            return [rec.model] * len(g)
        if key == "model_id":
            return [k.model_id(rec.model)] * len(g)
        if key == "element_type":
            return [getattr(type(rec.block), "nest_element_type", rec.element_type)] * len(g)
        if key == "local":
            return [True] * len(g)
        if key in ("vp", "thread"):
            vps = _virtual_processes(rec, g, k)
            return vps if key == "vp" else [v // k.size for v in vps]
        if key == "thread_local_id":
            return _thread_local_ids(rec, g, k)
        if key == "node_uses_wfr":
            return [False] * len(g)
        rows = np.searchsorted(blk.gids, g)
        if key == "frozen":
            return [bool(x) for x in blk.frozen[rows]]
        if key == "events":
            return [blk.events(int(r), k) for r in rows]
        if key == "filenames" and rec.element_type == "recorder":
            # the files this rank writes (NEST: per virtual process), ascii only
            from pynestlite.recording import ascii_path
            return [[ascii_path(k, blk, int(r))] if blk.arrays["record_to"][int(r)] == "ascii"
                    else [] for r in rows]
        if key in ("post_trace", "archiver_length") and rec.element_type == "neuron" \
                and rec.block.archiving:
            length, trace = k.scheduler.archive_reads(g)
            return ([float(x) for x in trace] if key == "post_trace"
                    else [int(x) for x in length])
        if key == "t_spike":
            return [float(x) for x in
                    k.t_spike(g, precise=getattr(blk, "precise_input", False))]
        if key == "receptor_types":
            return [dict(blk.receptor_types) for _ in g]
        if key == "recordables":
            per_node = getattr(blk, "recordables_of", None)
            if per_node is not None:
                return per_node(np.searchsorted(blk.gids, g))
            return [sorted(blk.recordables) for _ in g]
        return _array_values(k, rec, blk, rows, key)

    def _values(self, key):
        """Values of ``key`` for the local nodes, in id order (None where a
        node's model lacks the key, as PyNEST does for composite collections)."""
        if not isinstance(key, str):
            raise TypeError(f"parameter names must be str, got {type(key).__name__}")
        k = _kernel()
        out = []
        found = False
        for rec, g in k.groups(self._ids):
            if k.size > 1:
                g = g[k.is_local(g)]
            if key not in _cached_keys(k, rec)[1]:
                out.extend([None] * len(g))
                continue
            found = True
            if len(g):
                out.extend(self._group_values(rec, g, key))
        if not found and len(self._ids):
            models = sorted({rec.model for rec, _ in k.groups(self._ids)})
            raise UnknownParameter(f"{', '.join(models)} has no parameter {key!r}")
        return out

    def _keys(self):
        k = _kernel()
        keys = set()
        for rec, _ in k.groups(self._ids):
            keys.update(self._group_keys(rec))
        return sorted(keys)

    def get(self, *params, output=""):
        """Parameters of the nodes (PyNEST semantics).

        Parameters
        ----------
        *params : str or list of str
            None: all parameters (dict); one name: its values; a list of
            names: a dict of values; a name followed by a name or list of
            names: hierarchical addressing (``sr.get("events", "times")``).
        output : {'', 'json', 'pandas'}
            Return a JSON string or a pandas DataFrame instead.

        Returns
        -------
        value, tuple or dict
            For one node, scalars; for several, tuples in id order.  Nodes
            whose model lacks a key give None.

        Raises
        ------
        UnknownParameter (a KeyError)
            No node of the collection has the key.
        """
        self._check_valid()
        if output not in ("", "json", "pandas"):
            raise TypeError(f"output must be '', 'json' or 'pandas', got {output!r}")
        single = len(self._ids) == 1
        if len(params) == 0:
            result = {key: self._one(key, single) for key in self._keys()}
        elif len(params) == 1:
            p = params[0]
            if isinstance(p, str):
                result = self._one(p, single)
            elif isinstance(p, collections.abc.Iterable):       # list, dict keys, ...
                result = {key: self._one(key, single) for key in p}
            else:
                raise TypeError("Params should be either a string or an iterable")
        else:
            result = self._hierarchical(params, single)
        if output == "json":
            return json.dumps(result, default=_json_default)
        if output == "pandas":
            try:
                import pandas
            except ImportError:
                raise ImportError("Pandas could not be imported") from None
            index = self.tolist()
            if len(params) == 1 and isinstance(params[0], str):
                result = {params[0]: result}
            elif len(params) > 1 and isinstance(params[-1], str):
                result = {params[-1]: result}
            if single:
                result = {key: [val] for key, val in result.items()}
            return pandas.DataFrame(result, index=index)
        return result

    def _hierarchical(self, params, single):
        """``get("events", "times")`` / ``get("events", ["times", "senders"])``."""
        first, last = params[0], params[-1]
        if not isinstance(first, str):
            raise TypeError("First argument must be a string, specifying path into "
                            "hierarchical dictionary")
        values = self._values(first)
        if values and all(isinstance(v, dict) for v in values):
            if len(values) == 1:
                sub = values[0]
            else:
                names = sorted({n for v in values for n in v})
                sub = {n: [v.get(n) for v in values] for n in names}
            if isinstance(last, str):
                return sub[last]
            return {n: sub[n] for n in last}
        # get("V_m", "C_m"): a dict of the named parameters (PyNEST's docstring)
        if all(isinstance(p, str) for p in params):
            return {key: self._one(key, single) for key in params}
        raise TypeError(f"{first!r} is not a dictionary-valued parameter")

    def _one(self, key, single):
        vals = self._values(key)
        if single:
            return vals[0] if vals else None
        return tuple(vals)

    def set(self, params=None, **kwargs):
        """Set parameters: a dict (scalars, per-node sequences or random
        Parameters), a list of dicts (one per node), or keyword arguments.

        All or nothing: if any key or value is rejected (on any rank), no
        node changes and no random numbers are consumed.

        Raises
        ------
        UnaccessedDictionaryEntry
            A key the model of some node lacks.
        BadProperty
            A value of the wrong type, length or range.
        """
        self._check_valid()
        k = _kernel()
        if params is None:
            params = kwargs
        elif kwargs:
            raise TypeError("must either provide params or kwargs, but not both.")
        if isinstance(params, (list, tuple)):
            if len(params) != len(self._ids):
                raise BadProperty(f"set() got {len(params)} dicts for {len(self._ids)} nodes")
            if not all(isinstance(d, dict) for d in params):
                raise TypeError("set() expects a dict or a list of dicts")
            merged = _merge_dicts(k, self._ids, params)
            if merged is not None:
                params = merged
                items = [(self, params)]
            else:
                items = list(zip(self, params))
        elif isinstance(params, dict):
            items = [(self, params)]
        else:
            raise TypeError(f"set() expects a dict, got {type(params).__name__}")
        if not len(self._ids):
            return
        groups = k.groups(self._ids)
        if k.size == 1 and len(items) == 1 and len(groups) == 1:
            # one block, one rank: the block's own set is all or nothing,
            # only the random call counter needs restoring
            snapshot = _Snapshot(k, ())
        else:
            snapshot = _Snapshot(k, groups)
        error = None
        try:
            if isinstance(params, (list, tuple)):
                # every key of every dict is checked before anything is written
                for nc, d in items:
                    for rec, _ in k.groups(nc._ids):
                        _check_keys(rec, d)
            for nc, d in items:
                nc._set_dict(k, d, groups if nc is self else None)
        except Exception as e:          # noqa: BLE001  (re-raised below, on all ranks)
            error = e
        try:
            _agree(k, error)
        except BaseException:
            snapshot.restore()
            raise

    def _set_dict(self, k, params, groups=None):
        """Apply one parameter dict to all nodes (no rollback here); ``groups``:
        ``k.groups(self._ids)`` when known."""
        if not params:
            return
        if k.prepared:
            for key in params:
                if key in ("origin", "start", "stop", "record_to", "spike_times", "interval"):
                    raise KernelException(f"{key} cannot be changed between Prepare and Cleanup")
        # validate the keys on every group before writing anything
        if groups is None:
            groups = k.groups(self._ids)
        for rec, g in groups:
            _check_keys(rec, params)
        n_all = len(self._ids)
        offset = 0
        for rec, g in groups:
            n = len(g)
            sub = {}
            defaults = defaults_of(type(rec.block))
            for key, v in params.items():
                if n_all == 1 or not isinstance(v, (list, tuple, np.ndarray)):
                    sub[key] = v            # (one node, or one value for all)
                    continue
                obj = isinstance(defaults.get(key), (tuple, list))
                # (a longer list: its first values, as NEST)
                if isinstance(v, (list, tuple, np.ndarray)) and n_all > 1 and not obj and (
                        len(v) == n_all or (len(v) > n_all and np.ndim(v) == 1)):
                    sub[key] = np.asarray(v)[offset:offset + n]
                elif isinstance(v, (list, tuple)) and len(v) == n_all and n_all > 1 \
                        and all(isinstance(x, (list, tuple, np.ndarray)) for x in v):
                    sub[key] = list(v[offset:offset + n])
                else:
                    sub[key] = v
            gl = g[k.is_local(g)] if k.size > 1 else g
            rows = np.searchsorted(rec.block.gids, gl)
            # called on every rank, even without local nodes, so that random
            # Parameters advance the call counter identically everywhere
            k.set_block(rec.block, rows, gl, sub, all_gids=g)
            offset += n

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "spatial":
            return self._spatial()
        try:
            return self.get(name)
        except UnknownParameter as e:
            raise UnknownAttribute(str(e)) from None

    def _spatial(self):
        """``nc.spatial``: the layer's geometry (and positions of free
        layers) for nodes of one layer, else None."""
        from pynestlite.spatial.layers import find_layer
        self._check_valid()
        if len(self._ids) == 0:
            raise AttributeError("Cannot get attribute of empty NodeCollection")
        layer = find_layer(_kernel(), self._ids)
        return None if layer is None else layer.metadata(self._ids)

    def __setattr__(self, name, value):
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self.set({name: value})


class _Snapshot:
    """The local state of some nodes (every array row, recorded events) and
    the random call counter, to undo a failed ``set``."""

    def __init__(self, k, groups):
        self.k = k
        self.calls = k.calls
        self.saved = []
        for rec, g in groups:
            blk = rec.block
            rows = np.searchsorted(blk.gids, g[k.is_local(g)])
            if not len(rows):
                continue
            arrays = {}
            for name, arr in blk.arrays.items():
                if isinstance(arr, list):
                    arrays[name] = [arr[i] for i in rows]
                else:
                    arrays[name] = np.array(arr[rows], copy=True)
            chunks = None
            if hasattr(blk, "chunks"):
                chunks = [list(blk.chunks[i]) for i in rows]
            arrays[None] = blk.frozen[rows].copy()
            self.saved.append((blk, rows, arrays, chunks))

    def restore(self):
        self.k.calls = self.calls
        self.k.forget_derived()
        for blk, rows, arrays, chunks in self.saved:
            for name, old in arrays.items():
                if name is None:
                    blk.set_frozen(rows, old)
                    continue
                arr = blk.arrays[name]
                if isinstance(arr, list):
                    for j, i in enumerate(rows):
                        arr[i] = old[j]
                else:
                    arr[rows] = old
            if chunks is not None:
                for j, i in enumerate(rows):
                    blk.chunks[i] = chunks[j]


def _agree(k, error):
    """Raise ``error`` (or another rank's) on every rank; a no-op without errors."""
    status_point = getattr(k.comm, "status_point", None)
    if status_point is not None:
        status_point(error)
    elif error is not None:
        raise error


def _check_keys(rec, params):
    """Unknown keys raise, or are left to the engine's warning where the
    kernel's ``dict_miss_is_error`` is False."""
    if not _kernel().dict_miss_is_error:
        return
    names = public_of(type(rec.block))
    for key in params:
        if key not in names and key != "frozen":
            raise UnaccessedDictionaryEntry(
                f"{rec.model} has no parameter {key!r}; expected one of {sorted(names)}")


def _array_values(k, rec, blk, rows, key):
    """Values of the array parameter ``key`` of the rows ``rows`` of ``blk``
    (record ``rec``), as PyNEST returns them."""
    vals = blk.get(key, rows)
    if key in getattr(type(blk), "array_results", ()):
        return list(vals)           # arrays of their own shape and dtype
    if key == "stop" and rec.element_type != "neuron":
        vals = _device_stop(vals)
    if isinstance(vals, np.ndarray):
        return vals.tolist()
    default = blk.all_defaults().get(key)
    return [_out_value(key, default, x) for x in vals]


def _cached_keys(k, rec):
    """(list, frozenset) of the keys the nodes of ``rec`` report, computed
    once per block and kept in the kernel until the block is set again
    (``Engine.set_block``) or the kernel forgets derived values."""
    blk = rec.block
    hit = k.node_keys.get(id(blk))
    if hit is not None and hit[0] is blk:
        return hit[1]
    keys = NodeCollection._compute_group_keys(rec)
    out = (keys, frozenset(keys))
    k.node_keys[id(blk)] = (blk, out)
    return out


def _device_stop(vals):
    """A device's ``stop`` as NEST reports an open end: the largest double."""
    v = np.asarray(vals, np.float64)
    return np.where(np.isposinf(v), np.finfo(np.float64).max, v)


def _out_value(name, default, x):
    """A stored value as PyNEST returns it (Python scalars, numpy arrays
    for spike_times & co., lists of names)."""
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, (float, int)):             # a list parameter a model reports as a number
        return x
    if isinstance(default, (tuple, list)):
        if name == "record_from" or (len(x) and all(isinstance(e, str) for e in x)):
            return list(x)
        if name == "spike_multiplicities" and len(x):
            return np.asarray(x, np.int64)
        return np.array(x, np.float64)
    return x


def _json_default(o):
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, NodeCollection):
        return o.tolist()
    raise TypeError(f"cannot serialise {type(o).__name__}")


def _neuron_vps(ids, size, threads):
    """Virtual process of neuron ids: rank (id - 1) % num_processes, thread
    ((id - 1) // num_processes + 1) % threads (on one rank: id % threads, as
    NEST); vp = thread * num_processes + rank."""
    return (((ids - 1) // size + 1) % threads) * size + (ids - 1) % size


def _virtual_processes(rec, g, k):
    """Virtual process of the nodes ``g`` of record ``rec`` (devices report
    the rank's first thread)."""
    if rec.element_type != "neuron":
        return [int(k.rank)] * len(g)
    vps = _neuron_vps(np.asarray(g, np.int64), k.size, max(int(k.local_num_threads), 1))
    return [int(v) for v in vps]


def _thread_local_ids(rec, g, k):
    """NEST's thread_local_id: a node's place among the nodes of its thread
    (devices exist on every thread of every rank), given at Prepare (-1 for
    a node created since).  Counted per Create
    record in closed form: the neuron ids of one vp are those with
    (id - 1) = rank + size * j, j = thread - 1 (mod threads)."""
    size, threads = k.size, max(int(k.local_num_threads), 1)
    g = np.asarray(g, np.int64)
    vp = np.asarray(_virtual_processes(rec, g, k), np.int64)
    rank, res = vp % size, (vp // size - 1) % threads
    out = np.zeros(len(g), np.int64)
    for r in k.records:
        last = np.minimum(r.last, g - 1)              # ids of r before each node
        if r.element_type != "neuron":
            out += np.maximum(0, last - r.first + 1)
            continue
        j_lo = -((rank - (r.first - 1)) // size)      # ceil((first - 1 - rank) / size)
        j_hi = (last - 1 - rank) // size
        out += np.maximum(0, (j_hi - res) // threads - (j_lo - 1 - res) // threads)
    out[g >= k.prepared_gid] = -1
    return [int(x) for x in out]


def _check_join_layers(a, b):
    """Collections of layers join only with themselves (NEST's metadata)."""
    from pynestlite.spatial.layers import find_layer
    k = _kernel()
    if not k.layers:
        return
    la, lb = find_layer(k, a), find_layer(k, b)
    if la is None and lb is None:
        return
    if la is not lb:
        raise BadProperty("Can only join NodeCollections with same metadata.")
    raise BadProperty("Cannot add NodeCollection to a sliced composite.")


def _one_part(ids):
    """Whether ``ids`` form one part (NEST's primitive NodeCollection):
    contiguous ids of one model."""
    if len(ids) <= 1:
        return True
    if int(ids[-1]) - int(ids[0]) + 1 != len(ids):
        return False
    k = _kernel()
    if k.record_of(int(ids[0])) is k.record_of(int(ids[-1])):
        return True
    return len({rec.model for rec, _ in k.groups(ids)}) == 1


def _repr_parts(ids):
    """(model, first, last, step, size) of the parts PyNEST prints: runs of
    one model, merged over contiguous Create calls."""
    k = _kernel()
    runs = []          # [model, gids]
    for rec, g in k.groups(ids):
        if runs and runs[-1][0] == rec.model and runs[-1][1][-1] + 1 == g[0]:
            runs[-1][1] = np.concatenate([runs[-1][1], g])
        else:
            runs.append([rec.model, g])
    parts = []
    for model, g in runs:
        steps = np.unique(np.diff(g))
        if len(g) == 1 or (len(steps) == 1 and steps[0] == 1):
            parts.append((model, int(g[0]), int(g[-1]), 1, len(g)))
        elif len(steps) == 1:
            parts.append((model, int(g[0]), int(g[-1]), int(steps[0]), len(g)))
        else:
            for run in np.split(g, np.flatnonzero(np.diff(g) != 1) + 1):
                parts.append((model, int(run[0]), int(run[-1]), 1, len(run)))
    return parts


def _fmt_part(model, first, last, step, size):
    s = f"model={model}, size={size}, first={first}"
    if size > 1:
        s += f", last={last}"
    if step != 1:
        s += f", step={step}"
    return s


def _merge_dicts(k, ids, dicts):
    """One dict of per-node sequences for a list of per-node dicts with the
    same keys and plain values (numbers for scalar parameters, sequences for
    sequence-valued ones such as spike_times), so that the nodes are written
    in one pass instead of one per node; None when the dicts do not qualify
    (they are then applied one by one, with the same result)."""
    if len(dicts) < 2:
        return None
    keys = set(dicts[0])
    if any(set(d) != keys for d in dicts):
        return None
    seq_keys = set()
    for rec, _ in k.groups(ids):
        defaults = rec.block.all_defaults()
        seq_keys |= {key for key in keys if isinstance(defaults.get(key), (tuple, list))}
    out = {}
    for key in keys:
        vals = [d[key] for d in dicts]
        if key in seq_keys:
            if not all(isinstance(v, (list, tuple, np.ndarray)) for v in vals):
                return None
        elif not all(isinstance(v, (int, float, np.integer, np.floating)) for v in vals):
            return None
        out[key] = vals
    return out


def as_collection(obj, what="nodes"):
    """Accept a NodeCollection (or a list/array of ids) as a NodeCollection."""
    if isinstance(obj, NodeCollection):
        return obj
    if isinstance(obj, (list, tuple, np.ndarray)):
        return NodeCollection(np.unique(np.asarray(obj, np.int64)))
    if isinstance(obj, (int, np.integer)):
        return NodeCollection([int(obj)])
    raise KernelException(f"{what} must be a NodeCollection, got {type(obj).__name__}")
