"""NEST's spatial tools: positions, displacements, nearest nodes, targets and
sources of layers, selection by mask, and the layer dumps.

Displacements here use the tools' periodic rule: each component of
``to - from`` is wrapped into [-L/2, L/2) on layers with ``edge_wrap``.
Between two collections, ``Displacement(a, b)`` is ``pos(a) - pos(b)``
wrapped by ``a``'s layer; from a list of points it is ``pos(b) - point``
wrapped by ``b``'s layer (both as NEST).  Positions live on every rank, so
the tools work for any node, local or not.
"""
import os

import numpy as np

from pynestlite.errors import BadProperty

__all__ = ["GetPosition", "Displacement", "Distance", "FindNearestElement",
           "FindCenterElement", "GetTargetNodes", "GetSourceNodes", "GetTargetPositions",
           "GetSourcePositions", "SelectNodesByMask", "DumpLayerNodes", "DumpLayerConnections"]


def _kernel():
    from pynestlite.engine import kernel
    return kernel


def _nc():
    from pynestlite.nodes import NodeCollection
    return NodeCollection


def _layer(nodes, what="nodes"):
    from pynestlite.spatial.layers import layer_of
    nodes._check_valid()
    return layer_of(_kernel(), nodes.ids, what)


def GetPosition(nodes):
    """Positions of ``nodes``: ``[x, y(, z)]`` for one node, else one list
    per node (in the collection's order).

    Raises
    ------
    TypeError
        ``nodes`` is not a NodeCollection.
    LayerExpected
        The nodes have no positions.
    """
    if not isinstance(nodes, _nc()):
        raise TypeError("nodes must be a NodeCollection with spatial extent")
    layer = _layer(nodes, "GetPosition")
    pos = layer.pos(nodes.ids).tolist()
    return pos[0] if len(pos) == 1 else pos


class _SizeMismatch(BadProperty, ValueError):
    """Collections of different sizes, neither of size 1."""


def _from_to(from_arg, to_arg, name):
    """(vectors, layer) pairs of Displacement/Distance, broadcast."""
    NC = _nc()
    if not isinstance(to_arg, NC):
        raise TypeError("to_arg must be a NodeCollection")
    to_layer = _layer(to_arg, name)
    to_pos = to_layer.pos(to_arg.ids)
    if isinstance(from_arg, NC):
        from_layer = _layer(from_arg, name)
        from_pos = from_layer.pos(from_arg.ids)
        if len(from_pos) > 1 and len(to_pos) > 1 and len(from_pos) != len(to_pos):
            raise _SizeMismatch("to_arg and from_arg must have same size unless one have "
                                "size 1 (NodeCollections must have equal length or one must "
                                "have size 1.)")
        a, b = np.broadcast_arrays(from_pos, to_pos)
        # (NEST: from - to, wrapped by the from layer)
        return from_layer.displacement(b, a)
    if isinstance(from_arg, np.ndarray) and from_arg.ndim == 1:
        from_arg = [from_arg]
    if not isinstance(from_arg, (list, tuple, np.ndarray)):
        raise TypeError("from_arg must be either a NodeCollection or a list/tuple of "
                        "positions")
    pts = np.array([[float(x) for x in p] for p in from_arg], np.float64)
    if len(pts) > 1 and len(to_pos) > 1 and len(pts) != len(to_pos):
        raise ValueError("to_arg and from_arg must have same size unless one have size 1.")
    if pts.shape[1] != to_layer.dims:
        raise BadProperty(f"Expected a {to_layer.dims}-dimensional position.")
    a, b = np.broadcast_arrays(pts, to_pos)
    return to_layer.displacement(a, b)


def Displacement(from_arg, to_arg):
    """Displacement vectors between nodes or from points to nodes (a list of
    lists, one per pair; a side of size 1 pairs with every element of the
    other)."""
    return _from_to(from_arg, to_arg, "Displacement").tolist()


def Distance(from_arg, to_arg):
    """Distances between nodes or from points to nodes (a list of floats)."""
    d = _from_to(from_arg, to_arg, "Distance")
    return np.sqrt(np.sum(d * d, axis=1)).tolist()


def FindNearestElement(layer, locations, find_all=False):
    """The node(s) of ``layer`` nearest to each location.

    Returns one NodeCollection of one node per location (the first of equally
    near ones), or with ``find_all`` a list of all equally near ones; for one
    location the result itself, else a list.
    """
    if not isinstance(layer, _nc()):
        raise TypeError("layer must be a NodeCollection")
    if len(layer) == 0:
        raise ValueError("layer cannot be empty")
    try:
        iter(locations)
    except TypeError:
        raise TypeError("locations must be coordinate array or list of coordinate "
                        "arrays") from None
    if not np.iterable(locations[0]):
        locations = [locations]
    ly = _layer(layer, "FindNearestElement")
    P = ly.pos(layer.ids)
    out = []
    for loc in locations:
        a, b = np.broadcast_arrays(np.asarray(loc, np.float64)[None, :], P)
        d = ly.displacement(a, b)
        dist = np.sqrt(np.sum(d * d, axis=1))
        if not find_all:
            i = int(np.argmin(dist))
            out.append(layer[i])
        else:
            m = dist.min()
            out.append([layer[int(i)] for i in np.flatnonzero(
                np.abs(dist - m) <= 1e-14 * m if m > 0 else dist == m)])
    return out[0] if len(out) == 1 else out


def FindCenterElement(layer):
    """The node nearest to the layer's centre (a NodeCollection of one)."""
    if not isinstance(layer, _nc()):
        raise TypeError("layer must be a NodeCollection")
    ly = _layer(layer, "FindCenterElement")
    nearest = FindNearestElement(layer, ly.center)
    i = layer.index(nearest.ids[0])
    return layer[i:i + 1]


def _conns(sources, targets, syn_model):
    from pynestlite import GetConnections
    kw = {"source": sources, "target": targets}
    if syn_model is not None:
        kw["synapse_model"] = syn_model
    conns = GetConnections(**kw)
    if len(conns) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    d = conns.get(["source", "target"])
    return np.atleast_1d(np.asarray(d["source"], np.int64)), \
        np.atleast_1d(np.asarray(d["target"], np.int64))


def _check_layers(a, b):
    if not isinstance(a, _nc()) or not isinstance(b, _nc()):
        raise TypeError("sources and targets must be NodeCollections")


def GetTargetNodes(sources, tgt_layer, syn_model=None):
    """For each source, a NodeCollection of its targets in ``tgt_layer``."""
    _check_layers(sources, tgt_layer)
    src, tgt = _conns(sources, tgt_layer, syn_model)
    NC = _nc()
    return tuple(NC._from_sorted(np.unique(tgt[src == s])) for s in sources.ids)


def GetSourceNodes(src_layer, targets, syn_model=None):
    """For each target, a NodeCollection of its sources in ``src_layer``."""
    _check_layers(src_layer, targets)
    src, tgt = _conns(src_layer, targets, syn_model)
    NC = _nc()
    return tuple(NC._from_sorted(np.unique(src[tgt == t])) for t in targets.ids)


def GetTargetPositions(sources, tgt_layer, syn_model=None):
    """For each source, the positions of its targets in ``tgt_layer`` (one per
    connection)."""
    _check_layers(sources, tgt_layer)
    ly = _layer(tgt_layer, "GetTargetPositions")
    src, tgt = _conns(sources, tgt_layer, syn_model)
    return [ly.pos(tgt[src == s]).tolist() for s in sources.ids]


def GetSourcePositions(src_layer, targets, syn_model=None):
    """For each target, the positions of its sources in ``src_layer``."""
    _check_layers(src_layer, targets)
    ly = _layer(src_layer, "GetSourcePositions")
    src, tgt = _conns(src_layer, targets, syn_model)
    return [ly.pos(src[tgt == t]).tolist() for t in targets.ids]


def SelectNodesByMask(layer, anchor, mask_obj):
    """The nodes of ``layer`` inside ``mask_obj`` laid at ``anchor`` (images
    of periodic layers included); a NodeCollection."""
    from pynestlite.spatial.connect import _Pool, _check_oversized
    from pynestlite.spatial.masks import as_mask
    ly = _layer(layer, "SelectNodesByMask")
    a = np.asarray(anchor, np.float64).ravel()
    if len(a) not in (2, 3):
        raise BadProperty("Center must be 2- or 3-dimensional.")
    shape = as_mask(mask_obj).for_layer(ly)
    _check_oversized(shape, ly, False)
    lo, hi = shape.bbox()
    ids = layer.ids
    pool = _Pool(ly, ids, hi - lo)
    _, member, shift = pool.candidates(a[None, :], lo, hi)
    keep = shape.inside(pool.pos[member] + shift - a)
    return _nc()._from_sorted(np.unique(ids[member[keep]]))


def _rank_name(outname):
    k = _kernel()
    name = os.fspath(outname)
    if k.size == 1:
        return name
    width = len(str(k.size - 1))
    base, dot, ext = name.partition(".")
    return f"{base}-{k.rank:0{width}d}{dot}{ext}"


def _g(x):
    """C++ stream formatting of a double (6 significant digits)."""
    return f"{x:g}"


def DumpLayerNodes(layer, outname):
    """Write ``<id> <x> <y>[ <z>]`` for every node of the layer of ``layer``
    (one line each, layer order)."""
    ly = _layer(layer, "DumpLayerNodes")
    with open(_rank_name(outname), "w") as f:
        for lid, p in enumerate(ly.positions):
            f.write(" ".join([str(ly.first + lid)] + [_g(x) for x in p]) + "\n")


def DumpLayerConnections(source_layer, target_layer, synapse_model, outname):
    """Write ``<source> <target> <weight> <delay> <dx> <dy>[ <dz>]`` for the
    connections of ``synapse_model`` from ``source_layer`` into the layer of
    ``target_layer`` (displacement source -> target, wrapped by the target
    layer)."""
    from pynestlite import GetConnections
    sly = _layer(source_layer, "DumpLayerConnections")
    tly = _layer(target_layer, "DumpLayerConnections")
    whole = _nc()._from_sorted(np.arange(tly.first, tly.last + 1, dtype=np.int64))
    conns = GetConnections(source=source_layer, target=whole, synapse_model=synapse_model)
    with open(_rank_name(outname), "w") as f:
        if len(conns) == 0:
            return
        d = conns.get(["source", "target", "weight", "delay"])
        src = np.atleast_1d(d["source"])
        tgt = np.atleast_1d(d["target"])
        w = np.atleast_1d(d["weight"])
        dl = np.atleast_1d(d["delay"])
        disp = tly.displacement(sly.pos(src), tly.pos(tgt))
        for i in range(len(src)):
            f.write(" ".join([str(int(src[i])), str(int(tgt[i])), _g(w[i]), _g(dl[i])]
                             + [_g(x) for x in disp[i]]) + "\n")


def connection_distances(src, tgt):
    """``SynapseCollection.distance``: per connection the distance from its
    source to its target (wrapped by the target's layer), nan where either
    has no position."""
    k = _kernel()
    out = np.full(len(src), np.nan)
    if not k.layers or len(src) == 0:
        return out.tolist()
    for ly in k.layers:
        sel_t = (tgt >= ly.first) & (tgt <= ly.last)
        if not sel_t.any():
            continue
        for sl in k.layers:
            sel = sel_t & (src >= sl.first) & (src <= sl.last)
            if sel.any() and sl.dims == ly.dims:
                d = ly.displacement(sl.pos(src[sel]), ly.pos(tgt[sel]))
                out[sel] = np.sqrt(np.sum(d * d, axis=1))
    return out.tolist()


def apply_parameter(param, spatial_nc, positions=None):
    """``Parameter.apply``: node context for the nodes of ``spatial_nc``, or,
    with ``positions``, connection context from its single node (source) to
    each point (target)."""
    from pynestlite.spatial.layers import layer_of
    from pynestlite.spatial.parameters import ConnectionSpace
    k = _kernel()
    if positions is None:
        return tuple(float(x) for x in k.evaluate_parameter(param, spatial_nc.ids))
    if len(spatial_nc) != 1:
        raise ValueError("The NodeCollection must contain a single node ID only")
    if not isinstance(positions, (list, tuple)):
        raise TypeError("Positions must be a list or tuple of positions")
    for p in positions:
        if not isinstance(p, (list, tuple, np.ndarray)):
            raise TypeError("Each position must be a list or tuple")
    if len({len(p) for p in positions}) > 1:
        raise ValueError("All positions must have the same number of dimensions")
    ly = layer_of(k, spatial_nc.ids, "Parameter.apply")
    src = ly.pos(spatial_nc.ids)
    tgt = np.asarray(positions, np.float64)
    if tgt.shape[1] != src.shape[1]:
        raise BadProperty(f"Parameter apply: Target position has {tgt.shape[1]} dimensions, "
                          f"but source position has {src.shape[1]} dimensions.")
    space = ConnectionSpace(ly, np.repeat(src, len(tgt), axis=0), tgt)
    vals = k.evaluate_parameter(param, spatial_nc.ids, counts=np.array([len(tgt)]),
                                space=space)
    return tuple(float(x) for x in vals)
