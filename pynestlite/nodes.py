"""NodeCollection: an ordered set of node ids, as in PyNEST 3.

A NodeCollection is a sorted array of unique node ids.  ``get`` returns a
value for one node and a tuple for several (a dict for several keys);
``set`` takes a dict of scalars, per-node lists, or random Parameters, a list
of dicts (one per node), or keyword arguments.  Under MPI, ``get`` returns
the values of the nodes local to this rank (devices are local everywhere),
as NEST does; use :func:`pynestlite.GatherStatus`-style helpers in
``pynestlite.recording`` to collect events on rank 0.
"""
import numpy as np

from pynestlite.errors import BadProperty, KernelException, UnknownNode

__all__ = ["NodeCollection"]


def _kernel():
    from pynestlite.engine import kernel
    return kernel


class NodeCollection:
    """Sorted, unique node ids with NEST's NodeCollection interface.

    Parameters
    ----------
    ids : array_like of int, optional
        Node ids; must exist, are sorted and must be unique.
    """

    __slots__ = ("_ids",)

    def __init__(self, ids=()):
        arr = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids, dtype=np.int64)
        if arr.ndim != 1:
            raise KernelException("NodeCollection ids must be one-dimensional")
        srt = np.unique(arr)
        if len(srt) != len(arr):
            raise KernelException("NodeCollection ids must be unique")
        if len(srt):
            _kernel().check_gids(srt)
        object.__setattr__(self, "_ids", srt)

    @classmethod
    def _from_sorted(cls, ids):
        nc = cls.__new__(cls)
        object.__setattr__(nc, "_ids", np.asarray(ids, np.int64))
        return nc

    # sequence protocol -------------------------------------------------
    def __len__(self):
        return len(self._ids)

    def __iter__(self):
        for g in self._ids:
            yield NodeCollection._from_sorted(np.array([g]))

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            n = len(self._ids)
            if not -n <= key < n:
                raise IndexError(f"index {key} out of range for NodeCollection of size {n}")
            return NodeCollection._from_sorted(self._ids[key:key + 1] if key >= 0
                                               else self._ids[n + key:n + key + 1])
        if isinstance(key, slice):
            if key.step is not None and key.step < 1:
                raise IndexError("slicing step for NodeCollection must be strictly positive")
            return NodeCollection._from_sorted(self._ids[key])
        if isinstance(key, (list, tuple, np.ndarray)):
            k = np.asarray(key)
            if k.dtype == bool:
                if len(k) != len(self._ids):
                    raise IndexError("boolean index must have the NodeCollection's length")
                return NodeCollection._from_sorted(self._ids[k])
            k = k.astype(np.int64)
            if len(np.unique(k)) != len(k):
                raise IndexError("NodeCollection index list must be unique")
            if np.any(np.diff(k) < 0):
                raise IndexError("NodeCollection index list must be sorted in ascending order")
            return NodeCollection._from_sorted(self._ids[k])
        raise IndexError(f"cannot index NodeCollection with {type(key).__name__}")

    def __add__(self, other):
        if not isinstance(other, NodeCollection):
            return NotImplemented
        if np.intersect1d(self._ids, other._ids).size:
            raise KernelException("can only join NodeCollections without overlapping node ids")
        return NodeCollection._from_sorted(np.union1d(self._ids, other._ids))

    def __eq__(self, other):
        return isinstance(other, NodeCollection) and np.array_equal(self._ids, other._ids)

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

    def index(self, gid):
        """Position of node ``gid`` in the collection."""
        pos = np.searchsorted(self._ids, gid)
        if pos >= len(self._ids) or self._ids[pos] != gid:
            raise ValueError(f"node {gid} is not in the NodeCollection")
        return int(pos)

    @property
    def global_id(self):
        return self.get("global_id")

    @property
    def ids(self):
        return self._ids

    def __repr__(self):
        if len(self._ids) == 0:
            return "NodeCollection()"
        k = _kernel()
        parts = []
        for rec, g in k.groups(self._ids):
            step = np.unique(np.diff(g)) if len(g) > 1 else np.array([1])
            if len(step) == 1:
                s = f"metadata=None, model={rec.model}, size={len(g)}, first={g[0]}"
                s += f", last={g[-1]}" if len(g) > 1 else ""
                s += f", step={step[0]}" if step[0] != 1 else ""
            else:
                s = f"model={rec.model}, size={len(g)}, first={g[0]}, last={g[-1]}"
            parts.append(s)
        return "NodeCollection(" + "; ".join(parts) + ")"

    __str__ = __repr__

    # status ------------------------------------------------------------
    def _values(self, key):
        """Values of ``key`` for the local nodes, in id order."""
        k = _kernel()
        out = []
        for rec, g in k.groups(self._ids):
            blk = rec.block
            local = k.is_local(g)
            g = g[local]
            if not len(g):
                continue
            rows = np.searchsorted(blk.gids, g)
            if key == "global_id":
                out.extend(int(x) for x in g)
            elif key in ("model", "element_type"):
                out.extend([rec.model if key == "model" else rec.element_type] * len(g))
            elif key == "local":
                out.extend([True] * len(g))
            elif key == "vp":
                out.extend(int((x - 1) % k.size) if rec.element_type == "neuron" else k.rank
                           for x in g)
            elif key == "events":
                if rec.element_type != "recorder":
                    raise BadProperty(f"{rec.model} (node {g[0]}) has no events; "
                                      "only recorders do")
                out.extend(blk.events(int(r), k) for r in rows)
            elif key == "t_spike" and rec.element_type == "neuron":
                out.extend(float(x) for x in k.t_spike(g))
            elif key == "recordables":
                out.extend([list(blk.recordables)] * len(g))
            else:
                if key not in blk.public_names():
                    raise KernelException(
                        f"{rec.model} has no parameter {key!r}; expected one of "
                        f"{sorted(blk.public_names())}")
                v = blk.get(key, rows)
                out.extend(_plain(x) for x in v)
        return out

    def _keys(self):
        k = _kernel()
        keys = []
        for rec, _ in k.groups(self._ids):
            for name in rec.block.public_names():
                if name not in keys:
                    keys.append(name)
            extra = ["global_id", "model", "element_type", "local", "vp"]
            if rec.element_type == "neuron":
                extra.append("t_spike")
            if rec.element_type == "recorder":
                extra.append("events")
            if rec.block.recordables:
                extra.append("recordables")
            for name in extra:
                if name not in keys:
                    keys.append(name)
        return keys

    def get(self, *params, output=""):
        """Parameters of the nodes (NEST semantics).

        Parameters
        ----------
        *params : str or list of str
            None: all parameters; one name: its values; several names or a
            list: a dict of values.

        Returns
        -------
        value, tuple or dict
            For one node, scalars; for several, tuples in id order.
        """
        if output == "pandas":
            raise KernelException("output='pandas' is not supported by pynestlite")
        single = len(self._ids) == 1
        if len(params) == 0:
            keys = self._keys()
            return {key: self._one(key, single) for key in keys}
        if len(params) == 1 and isinstance(params[0], str):
            return self._one(params[0], single)
        if len(params) == 1 and isinstance(params[0], (list, tuple)):
            keys = list(params[0])
        else:
            keys = list(params)
        return {key: self._one(key, single) for key in keys}

    def _one(self, key, single):
        vals = self._values(key)
        if single:
            return vals[0] if vals else None
        return tuple(vals)

    def set(self, params=None, **kwargs):
        """Set parameters (dict, list of dicts, or keyword arguments)."""
        k = _kernel()
        if params is None:
            params = kwargs
        elif kwargs:
            raise BadProperty("set() takes a dict or keyword arguments, not both")
        if isinstance(params, (list, tuple)):
            if len(params) != len(self._ids):
                raise BadProperty(f"set() got {len(params)} dicts for {len(self._ids)} nodes")
            for nc, d in zip(self, params):
                nc.set(d)
            return
        if not isinstance(params, dict):
            raise BadProperty(f"set() expects a dict, got {type(params).__name__}")
        if k.prepared:
            for key in params:
                if key in ("origin", "start", "stop", "record_to", "spike_times", "interval"):
                    raise KernelException(f"{key} cannot be changed between Prepare and Cleanup")
        # validate everything on every group before writing anything
        groups = k.groups(self._ids)
        for rec, g in groups:
            for key in params:
                if key not in rec.block.public_names():
                    from pynestlite.errors import UnaccessedDictionaryEntry
                    raise UnaccessedDictionaryEntry(
                        f"{rec.model} has no parameter {key!r}; expected one of "
                        f"{sorted(rec.block.public_names())}")
        offset = 0
        for rec, g in groups:
            n = len(g)
            sub = {}
            for key, v in params.items():
                if isinstance(v, (list, tuple, np.ndarray)) and len(v) == len(self._ids) \
                        and len(self._ids) > 1 and not isinstance(rec.block.all_defaults()[key], (tuple, list)):
                    sub[key] = np.asarray(v)[offset:offset + n]
                elif isinstance(v, (list, tuple)) and len(v) == len(self._ids) \
                        and len(self._ids) > 1 and all(isinstance(x, (list, tuple, np.ndarray)) for x in v):
                    sub[key] = list(v[offset:offset + n])
                else:
                    sub[key] = v
            local = k.is_local(g)
            gl = g[local]
            if len(gl):
                rows = np.searchsorted(rec.block.gids, gl)
                k.set_block(rec.block, rows, gl, sub, all_gids=g)
            offset += n

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "spatial":
            return None
        try:
            return self.get(name)
        except KernelException as e:
            raise AttributeError(str(e)) from None

    def __setattr__(self, name, value):
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            self.set({name: value})


def _plain(x):
    if isinstance(x, np.generic):
        return x.item()
    return x


def as_collection(obj, what="nodes"):
    """Accept a NodeCollection (or a list/array of ids) as a NodeCollection."""
    if isinstance(obj, NodeCollection):
        return obj
    if isinstance(obj, (list, tuple, np.ndarray)):
        return NodeCollection(np.asarray(obj, np.int64))
    if isinstance(obj, (int, np.integer)):
        return NodeCollection([int(obj)])
    raise KernelException(f"{what} must be a NodeCollection, got {type(obj).__name__}")
