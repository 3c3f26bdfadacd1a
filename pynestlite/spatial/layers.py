"""Layers: node positions on a grid or at free positions (``nest.spatial.grid/free``).

A layer is the block of node ids of one ``Create(..., positions=...)`` call
with its positions as one ``(n, D)`` float64 array (D = 2 or 3), its extent,
centre and periodicity.  Every rank keeps every position (16-24 bytes per
node), so spatial connection rules see all candidates without communication
and give the same connections on any number of ranks.

Grid layers (``shape = [n_x, n_y]`` or ``[n_x, n_y, n_z]``): node ``lid``
sits at grid index ``i = lid // n_y``, ``j = lid % n_y`` (2-D; the last
index runs fastest: down the first column, then the second ...), at

    x = ll_x + (e_x / n_x) * i + (e_x / n_x) * 0.5
    y = ul_y + (-e_y / n_y) * j + (-e_y / n_y) * 0.5       (row 0 at the top)
    z = ll_z + (e_z / n_z) * k + (e_z / n_z) * 0.5         (3-D, not flipped)

with ``ll = center - extent / 2`` and ``ul_y = ll_y + e_y`` (NEST's order of
operations, so the floats are NEST's).  Defaults: extent 1, centre 0.

Free layers: the positions as given (a list) or drawn from a Parameter per
node (node ``gid``'s stream: x, y, z are its first draws, so a position does
not depend on the ranks).  The centre is the midpoint of the bounding box;
the extent is given (every position must lie inside) or the bounding box's
size rounded up to whole units per dimension (NEST's rule; one node needs an
explicit extent).
"""
import math

import numpy as np

from pynestlite.errors import BadProperty, KernelException, LayerExpected

__all__ = ["grid", "free", "Layer"]


class grid:
    """Grid positions for ``Create(model, positions=nest.spatial.grid(...))``.

    Parameters
    ----------
    shape : sequence of int
        ``[columns, rows]`` or ``[columns, rows, depth]``.
    center : sequence of float, optional
        Centre of the layer (default the origin).
    extent : sequence of float, optional
        Size of the layer per dimension (default 1).
    edge_wrap : bool
        Periodic boundaries in every dimension.
    """

    def __init__(self, shape, center=None, extent=None, edge_wrap=False):
        self.shape = shape
        self.center = center
        self.extent = extent
        self.edge_wrap = edge_wrap


class free:
    """Free positions for ``Create(model, n, positions=nest.spatial.free(...))``.

    Parameters
    ----------
    pos : array_like or Parameter or list of Parameter
        One position per node (the number of nodes follows it), one
        Parameter drawn for every coordinate (needs ``num_dimensions`` or
        ``extent``), or one Parameter per dimension.
    extent : sequence of float, optional
        Size of the layer; every position must lie inside.
    edge_wrap : bool
        Periodic boundaries (the extent is the period).
    num_dimensions : int, optional
        2 or 3, with a single Parameter as ``pos``.
    """

    def __init__(self, pos, extent=None, edge_wrap=False, num_dimensions=None):
        from pynestlite.random import Parameter
        if extent is not None and num_dimensions is not None:
            raise TypeError("extent and number of dimensions cannot be specified at the same "
                            "time")
        if isinstance(pos, (list, tuple, np.ndarray)):
            if num_dimensions is not None:
                raise TypeError("number of dimensions cannot be specified when using an array "
                                "of positions")
            if len(pos) and all(isinstance(p, Parameter) for p in pos):
                if len(pos) not in (2, 3):
                    raise ValueError("Number of dimensions must be 2 or 3")
                self.pos = list(pos)
            else:
                self.pos = pos
        elif isinstance(pos, Parameter):
            if extent is not None:
                num_dimensions = len(extent)
            if num_dimensions is None:
                raise TypeError("could not infer number of dimensions. Set num_dimensions or "
                                "extent when using Parameter as pos")
            if num_dimensions not in (2, 3):
                raise ValueError("Number of dimensions must be 2 or 3")
            self.pos = [pos] * int(num_dimensions)
        else:
            raise TypeError("pos must be either an array of positions, or a Parameter")
        self.extent = extent
        self.edge_wrap = edge_wrap
        self.num_dimensions = num_dimensions

    @property
    def drawn(self):
        """Whether the positions are drawn from Parameters (one per dimension)."""
        from pynestlite.random import Parameter
        return isinstance(self.pos, list) and len(self.pos) > 0 and \
            isinstance(self.pos[0], Parameter)


def _floats(v, name, dims=None):
    try:
        arr = np.asarray(v, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise BadProperty(f"{name} must be a sequence of numbers, got {v!r}") from None
    if dims is not None and len(arr) != dims:
        raise BadProperty(f"{name} must have {dims} entries (the layer's dimensions), got "
                          f"{len(arr)}")
    if not np.all(np.isfinite(arr)):
        raise BadProperty(f"{name} must be finite, got {v!r}")
    return arr


class Layer:
    """The positions and geometry of one block of nodes.

    Attributes
    ----------
    first, last : int
        The node ids (inclusive).
    positions : ndarray, shape (n, D)
        Node ``first + lid`` is at ``positions[lid]``.
    lower_left, extent : ndarray, shape (D,)
    edge_wrap : bool
    shape : tuple of int or None
        The grid's shape (None for free layers).
    """

    def __init__(self, first, last, positions, lower_left, extent, edge_wrap, shape=None):
        self._corner = None
        self.first, self.last = int(first), int(last)
        self.positions = np.ascontiguousarray(positions, np.float64)
        self.lower_left = np.asarray(lower_left, np.float64)
        self.extent = np.asarray(extent, np.float64)
        self.edge_wrap = bool(edge_wrap)
        self.shape = None if shape is None else tuple(int(s) for s in shape)

    @property
    def dims(self):
        return self.positions.shape[1]

    @property
    def center(self):
        return self.lower_left + self.extent / 2

    @property
    def is_grid(self):
        return self.shape is not None

    def __len__(self):
        return self.last - self.first + 1

    def lids(self, gids):
        return np.asarray(gids, np.int64) - self.first

    def pos(self, gids):
        """Positions of ``gids`` (rows in the order given)."""
        return self.positions[self.lids(gids)]

    def corner_pos(self, gids):
        """Positions of ``gids`` as ``ll + (p - ll)`` (how a periodic layer's
        positions reach the Parameters when it is searched; cached)."""
        if getattr(self, "_corner", None) is None:
            self._corner = (self.positions - self.lower_left) + self.lower_left
        return self._corner[self.lids(gids)]

    def displacement(self, src_pos, tgt_pos):
        """``tgt - src`` per dimension, wrapped into [-L/2, L/2) on periodic
        layers (the tools' rule: Displacement, Distance, dumps)."""
        d = np.asarray(tgt_pos, np.float64) - np.asarray(src_pos, np.float64)
        if self.edge_wrap:
            L = self.extent
            d = -L / 2 + np.fmod(d + L / 2, L)
            d = np.where(d < -L / 2, d + L, d)
        return d

    def metadata(self, gids):
        """``nc.spatial`` of the nodes ``gids`` of this layer."""
        out = {"center": self.center, "edge_wrap": self.edge_wrap, "extent": self.extent.copy(),
               "network_size": int(len(gids))}
        if self.is_grid:
            out["shape"] = np.array(self.shape, np.int64)
        else:
            out["positions"] = self.pos(gids)
        return dict(sorted(out.items()))


def grid_positions(shape, center, extent):
    """Positions of a grid layer in node order and its lower-left corner."""
    shape = [int(s) for s in shape]
    dims = len(shape)
    ll = center - extent / 2
    n = int(np.prod(shape))
    lid = np.arange(n)
    pos = np.empty((n, dims))
    if dims == 2:
        idx = (lid // shape[1], lid % shape[1])
    else:
        idx = (lid // (shape[1] * shape[2]), (lid // shape[2]) % shape[1], lid % shape[2])
    for d in range(dims):
        if d == 1:
            step = -extent[1] / shape[1]
            start = ll[1] + extent[1]
        else:
            step = extent[d] / shape[d]
            start = ll[d]
        pos[:, d] = (start + step * idx[d]) + step * 0.5
    return pos, ll


def make_layer(k, positions, n, first_gid):
    """The Layer for ``Create(..., n, positions=positions)`` whose nodes will
    start at ``first_gid``; returns (layer, number of nodes).  Raises before
    anything is created."""
    if not isinstance(positions, (free, grid)):
        raise TypeError("`positions` must be either a nest.spatial.free or a "
                        "nest.spatial.grid object")
    if not isinstance(positions.edge_wrap, (bool, np.bool_)):
        from pynestlite.errors import TypeMismatch
        raise TypeMismatch(f"edge_wrap must be a bool, got {positions.edge_wrap!r}")
    edge_wrap = bool(positions.edge_wrap)
    if isinstance(positions, grid):
        if n > 1:
            raise ValueError("Cannot specify number of nodes with grid positions")
        try:
            shape = [int(s) for s in positions.shape]
        except (TypeError, ValueError):
            raise BadProperty(f"grid: shape must be a sequence of integers, got "
                              f"{positions.shape!r}") from None
        if len(shape) not in (2, 3):
            raise BadProperty("Shape must be of length 2 or 3.")
        if any(s <= 0 for s in shape):
            raise BadProperty("All shape entries must be positive.")
        dims = len(shape)
        extent = (np.ones(dims) if positions.extent is None
                  else _floats(positions.extent, "extent", dims))
        center = (np.zeros(dims) if positions.center is None
                  else _floats(positions.center, "center", dims))
        if np.any(extent <= 0):
            raise BadProperty(f"extent must be positive, got {list(extent)}")
        pos, ll = grid_positions(shape, center, extent)
        n_nodes = len(pos)
        return Layer(first_gid, first_gid + n_nodes - 1, pos, ll, extent, edge_wrap,
                     shape), n_nodes
    # free positions
    if positions.drawn:
        n_nodes = int(n)
        gids = np.arange(first_gid, first_gid + n_nodes, dtype=np.int64)
        dims = len(positions.pos)
        params = positions.pos
        if all(p is params[0] for p in params):
            # one Parameter for every coordinate: the node's draws x, y (, z)
            vals = k.evaluate_parameter(params[0], gids, counts=np.full(n_nodes, dims))
            pos = np.asarray(vals, np.float64).reshape(n_nodes, dims)
        else:
            pos = np.column_stack([k.evaluate_parameter(p, gids) for p in params])
    else:
        try:
            pos = np.asarray(positions.pos, dtype=np.float64)
        except (TypeError, ValueError):
            raise BadProperty("free: positions must be numbers, one list of 2 or 3 "
                              "coordinates per node") from None
        if pos.size == 0:
            raise BadProperty("Empty positions array.")
        if pos.ndim != 2 or pos.shape[1] not in (2, 3):
            raise BadProperty("Positions must have 2 or 3 coordinates.")
        n_nodes = len(pos)
        dims = pos.shape[1]
    if not np.all(np.isfinite(pos)):
        raise BadProperty("free: positions must be finite")
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    center = (lo + hi) / 2
    if positions.extent is not None:
        extent = _floats(positions.extent, "extent", dims)
        if np.any(extent <= 0):
            raise BadProperty(f"extent must be positive, got {list(extent)}")
        ll = center - extent / 2
        if np.any(lo < ll) or np.any(hi > center + extent / 2):
            raise BadProperty("Node position outside of layer")
    else:
        if n_nodes <= 1:
            raise KernelException("If only one node is created, 'extent' must be specified.")
        extent = np.array([float(math.ceil(x)) for x in hi - lo])
        ll = center - extent / 2
    return Layer(first_gid, first_gid + n_nodes - 1, pos, ll, extent, edge_wrap), n_nodes


def layer_of(k, gids, what="nodes"):
    """The one Layer holding all of ``gids`` (LayerExpected otherwise)."""
    gids = np.asarray(gids, np.int64)
    if len(gids) == 0 or not k.layers:
        raise LayerExpected(f"{what}: expected nodes with spatial positions (a layer), got "
                            "nodes without")
    firsts = np.array([ly.first for ly in k.layers])
    i = int(np.searchsorted(firsts, gids[0], side="right")) - 1
    if i < 0:
        raise LayerExpected(f"{what}: expected nodes with spatial positions (a layer), got "
                            "nodes without")
    ly = k.layers[i]
    if gids.min() < ly.first or gids.max() > ly.last:
        raise LayerExpected(f"{what}: expected the nodes of one layer (spatial positions), "
                            f"got nodes outside layer {ly.first}..{ly.last}")
    return ly


def find_layer(k, gids):
    """The Layer of ``gids`` or None (not all in one layer)."""
    try:
        return layer_of(k, gids)
    except LayerExpected:
        return None


def create_layer(k, model, n, params, positions):
    """``Create(model, n, params, positions)``: the layer's nodes, their
    positions registered before ``params`` are applied (so that they may
    read ``nest.spatial.pos``).  Nothing remains on error."""
    from pynestlite.nodes import NodeCollection
    k.check_mutable("Create")
    calls = k.calls
    n_layers = len(k.layers)
    try:
        layer, n_nodes = make_layer(k, positions, n, k.next_gid)
        k.layers.append(layer)
        first, last = k.create(model, n_nodes, params)
    except BaseException:
        del k.layers[n_layers:]
        k.calls = calls
        raise
    return NodeCollection._from_sorted(np.arange(first, last + 1, dtype=np.int64))
