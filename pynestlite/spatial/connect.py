"""Spatial connection rules: masks, distance-dependent probabilities, degrees.

A Connect takes this path when its conn_spec has a ``mask``, a spatial
Parameter, ``use_on_source``, or ``p`` with a degree rule, or when a
synapse value reads positions (NEST's rule).  Each rule has a *driver*
(the node around which the mask is laid) and a *pool* (the layer searched):

========================== ====== ======= =============================
rule                       driver pool    a pair (s -> t) is a candidate if
========================== ====== ======= =============================
pairwise_bernoulli         target sources inside(pos(t) - pos(s))
  ... use_on_source=True   target sources inside(pos(s) - pos(t))
fixed_indegree             target sources inside(pos(s) - pos(t))
fixed_outdegree            source targets inside(pos(t) - pos(s))
========================== ====== ======= =============================

Without a mask every pool node is a candidate.  Displacements on periodic
layers (``edge_wrap``) are taken in every image of the pool that meets the
mask's bounding box, so a node inside the mask in two images (a mask as
wide as the layer) is a candidate twice, as in NEST.

Candidates are found through a cell index of the pool's positions (cells
about as large as the mask's box, at most a few per pool node), so building
costs O(candidates), not O(drivers x pool).  Each driver's candidates are
ordered by (pool id, image), and every random number is drawn from the
driver's stream (``rng_seed``, connect purpose, this call, driver id) at the
candidate's index: the connections of a target do not depend on which rank
builds them, nor on the number of ranks.

- pairwise_bernoulli: connect iff ``u < p(s, t)`` (no draw without ``p``);
- fixed_indegree / fixed_outdegree: K candidates drawn with probabilities
  proportional to ``p(s, t)`` (uniform without ``p``); draws that repeat a
  chosen candidate (no multapses) or hit the driver itself (no autapses)
  are redrawn.  fixed_outdegree draws on every rank for every source (keyed
  by the source) and keeps the local targets.

``p``, weights and delays given as Parameters are evaluated per connection
with the source's and the target's stored positions; ``distance`` wraps with
the layer NEST uses for the rule (see :func:`plan_pairs`).
"""
import numpy as np

from pynestlite.errors import BadProperty, KernelException
from pynestlite.spatial.layers import find_layer
from pynestlite.spatial.masks import _Shifted, as_mask
from pynestlite.spatial.parameters import ConnectionSpace

CONN_KEYS = ("mask", "allow_multapses", "allow_autapses", "rule", "indegree", "outdegree", "p",
             "pairwise_avg_num_conns", "use_on_source", "allow_oversized_mask")
SYN_KEYS = ("weight", "delay", "synapse_model", "synapse_label", "receptor_type")
RULES = ("pairwise_bernoulli", "fixed_indegree", "fixed_outdegree", "pairwise_poisson")
_CHUNK = 1 << 22         # candidate pairs held at once (numpy search)
PAIRS_PER_CHUNK = 1 << 21   # accepted pairs per chunk of drivers (results do not depend on it)
_ATTEMPT_SHIFT = 44      # redraw rounds use stream keys call + (round << 44)


def is_spatial_connect(conn_spec, syn_spec):
    """Whether Connect takes the spatial path (NEST's conditions)."""
    from pynestlite.random import Parameter
    if isinstance(conn_spec, dict):
        rule = conn_spec.get("rule", "all_to_all")
        if "mask" in conn_spec or "use_on_source" in conn_spec:
            return True
        if "p" in conn_spec and "pairwise_bernoulli" not in str(rule):
            return True
        if "pairwise_avg_num_conns" in conn_spec and rule != "pairwise_poisson":
            return True
        if any(isinstance(v, Parameter) and v.is_spatial() for v in conn_spec.values()):
            return True
    specs = getattr(syn_spec, "syn_specs", None) or (
        [syn_spec] if isinstance(syn_spec, dict) else [])
    return any(isinstance(v, Parameter) and v.is_spatial()
               for s in specs if isinstance(s, dict) for v in s.values())


def parse(conn_spec, syn_spec, pre_ids, post_ids):
    """The rule and its settings (raises NEST's errors for what the spatial
    path does not take)."""
    k = _kernel()
    src_layer, tgt_layer = find_layer(k, pre_ids), find_layer(k, post_ids)
    if src_layer is None or tgt_layer is None:
        raise TypeError("Presynaptic NodeCollection must have spatial information")
    for key in conn_spec:
        if key not in CONN_KEYS:
            raise ValueError(f"'{key}' is not allowed in conn_spec when connecting with mask "
                             "or kernel")
    for s in (getattr(syn_spec, "syn_specs", None) or
              ([syn_spec] if isinstance(syn_spec, dict) else [])):
        for key in s:
            if key not in SYN_KEYS:
                raise ValueError(f"'{key}' is not allowed in syn_spec when connecting with "
                                 "mask or kernel")
    rule = conn_spec.get("rule", "all_to_all")
    if "use_on_source" in conn_spec and rule != "pairwise_bernoulli":
        if rule in ("fixed_indegree", "fixed_outdegree"):
            raise ValueError("'use_on_source' can only be set when using pairwise_bernoulli")
        if rule == "pairwise_poisson":
            raise ValueError("'use_on_source' can only be set when using "
                             "'pairwise_bernoulli'.")
    if rule == "pairwise_poisson":
        if not conn_spec.get("allow_multapses", True):
            raise BadProperty("Multapses must be allowed for this connection rule.")
        if "pairwise_avg_num_conns" not in conn_spec:
            raise BadProperty("rule pairwise_poisson requires the parameter "
                              "'pairwise_avg_num_conns'")
    if rule not in RULES:
        raise ValueError("When using kernel or mask, the only possible connection rules are "
                         "'pairwise_bernoulli', 'fixed_indegree', or 'fixed_outdegree'")
    if src_layer.dims != tgt_layer.dims:
        raise BadProperty("Target layer must have same number of dimensions as source layer.")
    spec = {"rule": rule,
            "allow_autapses": bool(conn_spec.get("allow_autapses", True)),
            "allow_multapses": bool(conn_spec.get("allow_multapses", True)),
            "allow_oversized_mask": bool(conn_spec.get("allow_oversized_mask", False)),
            "use_on_source": bool(conn_spec.get("use_on_source", False)),
            "mask": as_mask(conn_spec["mask"]) if "mask" in conn_spec else None,
            "p": conn_spec.get("pairwise_avg_num_conns" if rule == "pairwise_poisson"
                               else "p"),
            "src_layer": src_layer, "tgt_layer": tgt_layer}
    if rule == "fixed_indegree":
        if "indegree" not in conn_spec:
            raise BadProperty("rule fixed_indegree requires the parameter 'indegree'")
        spec["K"] = conn_spec["indegree"]
    elif rule == "fixed_outdegree":
        if "outdegree" not in conn_spec:
            raise BadProperty("rule fixed_outdegree requires the parameter 'outdegree'")
        spec["K"] = conn_spec["outdegree"]
    return rule, spec


def _kernel():
    from pynestlite.engine import kernel
    return kernel


def value_layer(spec, what="kernel"):
    """The layer whose periodicity the Parameters of a rule use (NEST's)."""
    rule = spec["rule"]
    if rule == "pairwise_bernoulli" and not spec["use_on_source"]:
        return spec["tgt_layer"]
    if rule == "pairwise_poisson":
        return spec["src_layer"]
    if rule == "fixed_outdegree":
        return spec["src_layer"] if what == "kernel" else spec["tgt_layer"]
    return spec["src_layer"]


class _Pool:
    """A cell index of pool positions for box queries around drivers."""

    def __init__(self, layer, ids, box_width):
        self.layer = layer
        self.ids = np.asarray(ids, np.int64)
        self.pos = layer.pos(self.ids)
        D = layer.dims
        self.periodic = layer.edge_wrap
        if self.periodic:
            self.origin = layer.lower_left.copy()
            span = layer.extent.copy()
        else:
            self.origin = self.pos.min(axis=0) if len(self.pos) else np.zeros(D)
            span = (self.pos.max(axis=0) - self.origin) if len(self.pos) else np.ones(D)
            span = np.where(span > 0, span, 1.0)
        # cells of a third of the box (a box meets about (3 + 1)^D of them:
        # the candidates outnumber the nodes in a round mask by ~2), at most
        # ~2 cells per node in all
        width = np.where(np.isfinite(box_width) & (box_width > 0), box_width / 3.0, span)
        n = np.maximum(1, np.floor(span / np.maximum(width, 1e-300))).astype(np.int64)
        cap = max(1.0, (2.0 * max(len(self.ids), 1)) ** (1.0 / D))
        n = np.minimum(n, int(np.ceil(cap)))
        self.ncell = n
        self.size = span / n
        c = np.floor((self.pos - self.origin) / self.size).astype(np.int64)
        c = np.clip(c, 0, n - 1)
        lin = self._linear(c)
        self.order = np.argsort(lin, kind="stable")
        self.start = np.searchsorted(lin[self.order], np.arange(int(np.prod(n)) + 1))

    def _linear(self, c):
        lin = np.zeros(len(c), np.int64)
        for d in range(c.shape[1]):
            lin = lin * self.ncell[d] + c[:, d]
        return lin

    def candidates(self, centers, lo, hi):
        """For boxes ``[centers + lo, centers + hi]``: arrays (box index,
        pool index, image shift (n, D)) of the pool nodes in cells that meet
        each box (a superset of those inside)."""
        D = len(lo)
        a = np.floor((centers + lo - self.origin) / self.size).astype(np.int64)
        b = np.floor((centers + hi - self.origin) / self.size).astype(np.int64)
        if not self.periodic:
            a = np.clip(a, 0, self.ncell - 1)
            b = np.clip(b, -1, self.ncell - 1)
        counts = np.maximum(b - a + 1, 0)
        per_box = np.prod(counts, axis=1)
        box = np.repeat(np.arange(len(centers)), per_box)
        # the cell offsets of each box, dimension by dimension
        rank = np.arange(len(box)) - np.repeat(np.cumsum(per_box) - per_box, per_box)
        cell = np.empty((len(box), D), np.int64)
        rest = rank
        for d in range(D - 1, -1, -1):
            cd = counts[box, d]
            cell[:, d] = a[box, d] + rest % np.maximum(cd, 1)
            rest = rest // np.maximum(cd, 1)
        shift = np.zeros((len(box), D))
        if self.periodic:
            wrap = np.floor_divide(cell, self.ncell)
            cell = cell - wrap * self.ncell
            shift = wrap * self.layer.extent
        lin = self._linear(cell)
        n_in = self.start[lin + 1] - self.start[lin]
        box = np.repeat(box, n_in)
        shift = np.repeat(shift, n_in, axis=0)
        first = np.repeat(self.start[lin], n_in)
        off = np.arange(len(box)) - np.repeat(np.cumsum(n_in) - n_in, n_in)
        member = self.order[first + off]
        return box, member, shift


def _check_oversized(shape, layer, allow):
    if not layer.edge_wrap or allow:
        return
    lo, hi = shape.bbox()
    if np.any(hi - lo > layer.extent):
        raise BadProperty("Mask size must not exceed layer size; set allow_oversized_mask to "
                          "override.")


class _Search:
    """The masked search of one Connect: the mask laid for the pool layer,
    its (reflected) box and the pool's cell index, made once; ``pairs(d)``
    gives, for drivers ``d`` (indices into ``drivers``), the accepted pool
    nodes as (driver index, pool index), by driver, then pool index (a node
    inside the mask in two periodic images twice)."""

    def __init__(self, spec, drivers, pool_ids, pool_layer, sign, driver_layer):
        self.drivers, self.pool_ids, self.sign = drivers, pool_ids, sign
        self.dpos = driver_layer.pos(drivers)
        mask = spec["mask"]
        self.shape = None
        if mask is None:
            return
        shape = mask.for_layer(pool_layer)
        _check_oversized(shape, pool_layer, spec["allow_oversized_mask"])
        if sign > 0 and isinstance(shape, _Shifted):
            # the mask's origin is the driver's position plus the anchor (NEST
            # adds them first: the same floats on the mask's border)
            self.dpos = self.dpos + shape.a
            shape = shape.s
        lo, hi = shape.bbox()
        if sign < 0:
            lo, hi = -hi, -lo
        # (the cells searched reach a little beyond the box: a point on its
        # border is tested whatever the rounding of the border)
        tol = 1e-9 * np.maximum(1.0, np.abs(hi - lo))
        self.lo, self.hi = lo - tol, hi + tol
        self.shape = shape
        self.pool = _Pool(pool_layer, pool_ids, self.hi - self.lo)
        self.code = shape.compiled()
        self.period = np.ascontiguousarray(
            pool_layer.extent if self.pool.periodic else np.ones(pool_layer.dims), np.float64)

    def pairs(self, first, last):
        """The pairs of drivers ``first .. last - 1`` (driver indices absolute)."""
        n_pool = len(self.pool_ids)
        if self.shape is None:
            # no mask: every pool node, once
            di = np.repeat(np.arange(first, last), n_pool)
            pi = np.tile(np.arange(n_pool), last - first)
            return di, pi
        dpos = np.ascontiguousarray(self.dpos[first:last], np.float64)
        pool = self.pool
        if self.code is not None:
            from pynestlite.kernel.spatial_search import masked_pairs
            di, pi = masked_pairs(dpos, pool.pos, pool.order, pool.start, pool.ncell,
                                  pool.origin, pool.size, pool.periodic, self.period, self.lo,
                                  self.hi, self.sign, self.code[0],
                                  np.ascontiguousarray(self.code[1], np.float64))
            return di + first, pi
        out_d, out_p = [], []
        step = max(1, _CHUNK // max(1, n_pool))
        for s in range(0, len(dpos), step):
            box, member, shift = pool.candidates(dpos[s:s + step], self.lo, self.hi)
            q = pool.pos[member]
            if pool.periodic:
                q = q + shift          # (image first, then the driver: NEST's floats)
            q = q - dpos[s + box]
            keep = self.shape.inside(-q if self.sign < 0 else q)
            box, member = box[keep], member[keep]
            # (driver, pool id) order: the draws do not depend on the cell layout
            order = np.argsort(box * n_pool + member, kind="stable")
            out_d.append(box[order] + s + first)
            out_p.append(member[order])
        di = np.concatenate(out_d) if out_d else np.empty(0, np.int64)
        pi = np.concatenate(out_p) if out_p else np.empty(0, np.int64)
        return di, pi

    def chunks(self):
        """(first, last, di, pi) over the drivers in chunks of about
        ``PAIRS_PER_CHUNK`` pairs (bounded memory for large layers)."""
        target = PAIRS_PER_CHUNK
        n = len(self.drivers)
        first, size = 0, 64
        while first < n:
            last = min(n, first + size)
            di, pi = self.pairs(first, last)
            yield first, last, di, pi
            per = max(1.0, len(di) / max(1, last - first))
            size = max(1, int(target / per))
            first = last


def _endpoints(spec, src_ids, tgt_ids):
    """Source and target positions as the rules hand them to Parameters: the
    positions of the searched (pool) layer, if periodic, as ``ll + (p - ll)``
    (they are stored relative to the layer's corner, as NEST's)."""
    sl, tl = spec["src_layer"], spec["tgt_layer"]
    if spec["rule"] == "fixed_outdegree":
        return sl.pos(src_ids), (tl.corner_pos(tgt_ids) if tl.edge_wrap else tl.pos(tgt_ids))
    return (sl.corner_pos(src_ids) if sl.edge_wrap else sl.pos(src_ids)), tl.pos(tgt_ids)


def connection_space(spec, src_ids, tgt_ids):
    """The context of a synapse value (weight, delay) of the pairs given."""
    return ConnectionSpace(value_layer(spec, "synapse"), *_endpoints(spec, src_ids, tgt_ids))


def _kernel_values(spec, p, src_ids, tgt_ids):
    """p(s, t) for the candidate pairs (connection context)."""
    from pynestlite.kernel.random_streams import Purpose
    from pynestlite.random import Parameter
    k = _kernel()
    if not isinstance(p, Parameter):
        return np.full(len(src_ids), float(p))
    space = ConnectionSpace(value_layer(spec), *_endpoints(spec, src_ids, tgt_ids))
    # random parts of p draw from the driver's stream, one per candidate
    # (the candidates come grouped by driver, in ascending order)
    drivers = tgt_ids if spec["rule"] != "fixed_outdegree" else src_ids
    if len(drivers) and np.all(drivers[1:] >= drivers[:-1]):
        starts = np.flatnonzero(np.r_[True, drivers[1:] != drivers[:-1]])
        ud, cnt = drivers[starts], np.diff(np.r_[starts, len(drivers)])
        return k.evaluate_parameter(p, ud, purpose=Purpose.PURPOSE_CONNECT, counts=cnt,
                                    space=space, call=spec["p_call"])
    ud, cnt = np.unique(drivers, return_counts=True)
    order = np.argsort(drivers, kind="stable")
    space.src_pos, space.tgt_pos = space.src_pos[order], space.tgt_pos[order]
    vals = k.evaluate_parameter(p, ud, purpose=Purpose.PURPOSE_CONNECT, counts=cnt,
                                space=space, call=spec["p_call"])
    out = np.empty(len(src_ids))
    out[order] = vals
    return out


def _uniforms(k, call, gids, counts, attempt=0):
    from pynestlite.kernel import random_streams
    from pynestlite.kernel.random_streams import Purpose
    return random_streams.draw("uniform", k.rng_seed, int(Purpose.PURPOSE_CONNECT),
                               call + (attempt << _ATTEMPT_SHIFT),
                               np.ascontiguousarray(gids, np.int64),
                               np.ascontiguousarray(counts, np.int64))


def _degree(v, name):
    from pynestlite.random import Parameter
    if isinstance(v, Parameter):
        v = v.GetValue()
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise BadProperty(f"{name} must be a number, got {v!r}") from None
    if f < 0:
        raise BadProperty("Number of connections cannot be less than zero.")
    return int(round(f))


def plan_pairs(spec, pre_ids, post_ids, local_post, call):
    """(sources, targets) of a spatial rule on this rank (targets local)."""
    k = _kernel()
    rule = spec["rule"]
    src_layer, tgt_layer = spec["src_layer"], spec["tgt_layer"]
    autapses, multapses = spec["allow_autapses"], spec["allow_multapses"]
    p = spec["p"]
    # one random call for p, whatever the pieces it is evaluated in
    k.calls += 1
    spec["p_call"] = k.calls
    if rule in ("pairwise_bernoulli", "pairwise_poisson"):
        # per target (driver) its candidate sources, in chunks of targets;
        # every draw is keyed by the target and the candidate's place
        sign = -1 if rule == "pairwise_bernoulli" and not spec["use_on_source"] else +1
        search = _Search(spec, local_post, pre_ids, src_layer, sign, tgt_layer)
        chunks = search.chunks()
        out_s, out_t = [], []
        for _, _, di, pi in chunks:
            tgt, src = local_post[di], pre_ids[pi]
            if not autapses:
                keep = src != tgt
                src, tgt = src[keep], tgt[keep]
            if p is None:
                out_s.append(src)
                out_t.append(tgt)
                continue
            pv = _kernel_values(spec, p, src, tgt)
            starts = np.flatnonzero(np.r_[True, tgt[1:] != tgt[:-1]]) if len(tgt) else \
                np.empty(0, np.int64)
            u = _uniforms(k, call, tgt[starts], np.diff(np.r_[starts, len(tgt)]))
            if rule == "pairwise_bernoulli":
                keep = u < pv
                out_s.append(src[keep])
                out_t.append(tgt[keep])
            else:
                if np.any(pv < 0):
                    raise BadProperty("Connection parameter 0 ≤ pairwise_avg_num_conns "
                                      "required.")
                n = poisson_counts(pv, u)
                out_s.append(np.repeat(src, n))
                out_t.append(np.repeat(tgt, n))
        if not out_s:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(out_s), np.concatenate(out_t)
    K = _degree(spec["K"], "indegree" if rule == "fixed_indegree" else "outdegree")
    if rule == "fixed_indegree":
        drivers, pool, pool_layer, drv_layer = local_post, pre_ids, src_layer, tgt_layer
    else:
        drivers, pool, pool_layer, drv_layer = pre_ids, post_ids, tgt_layer, src_layer
    search = _Search(spec, drivers, pool, pool_layer, +1, drv_layer)
    out_s, out_t = [], []
    # in chunks of drivers: each driver's draws are its own
    for first, last, di, pi in search.chunks():
        if rule == "fixed_indegree":
            src_c, tgt_c = pool[pi], drivers[di]
        else:
            src_c, tgt_c = drivers[di], pool[pi]
        weights = None if p is None else _kernel_values(spec, p, src_c, tgt_c)
        pick = _choose(k, call, drivers[first:last], di - first, pool[pi], K, weights,
                       autapses, multapses, "target" if rule == "fixed_indegree" else "source",
                       spec["mask"] is not None)
        src, tgt = src_c[pick], tgt_c[pick]
        if rule == "fixed_outdegree":
            keep = np.isin(tgt, local_post)
            src, tgt = src[keep], tgt[keep]
        out_s.append(src)
        out_t.append(tgt)
    if not out_s:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(out_s), np.concatenate(out_t)


def poisson_counts(lam, u):
    """Poisson(lam) numbers by inversion of the uniforms ``u``."""
    n = np.zeros(len(u), np.int64)
    term = np.exp(-lam)
    cdf = term.copy()
    live = u >= cdf
    j = 0
    while np.any(live) and j < 100000:
        j += 1
        n[live] += 1
        term = term * lam / j
        cdf = cdf + term
        live &= u >= cdf
    return n


def _choose(k, call, drivers, di, cand_ids, K, weights, autapses, multapses, role, masked):
    """K draws per driver among its candidates (rows of ``di``): indices into
    the candidate arrays, in draw order per driver."""
    n = len(drivers)
    ptr = np.searchsorted(di, np.arange(n + 1))
    ncand = np.diff(ptr)
    if K == 0:
        return np.empty(0, np.int64)
    own = drivers[di] == cand_ids                    # the driver itself
    n_other = ncand - np.bincount(di[own], minlength=n)
    bad = (ncand == 0) | ((not autapses) & (n_other == 0))
    if not multapses:
        bad |= (n_other if not autapses else ncand) < K
    if np.any(bad):
        gid = int(drivers[np.argmax(bad)])
        what = "sources" if role == "target" else "targets"
        where = " inside mask" if masked and role == "target" else ""
        raise KernelException(f"Global {role} ID {gid}: Not enough {what} found{where}")
    if weights is not None:
        w = np.asarray(weights, np.float64)
        if np.any(w < 0) or not np.all(np.isfinite(w)):
            raise BadProperty("the probabilities p of a spatial degree rule must be finite "
                              "and non-negative")
        cw = np.cumsum(w)
        base = np.where(ptr[:-1] > 0, cw[np.maximum(ptr[:-1] - 1, 0)], 0.0)
        total = cw[ptr[1:] - 1] - base
        if np.any(total <= 0):
            gid = int(drivers[np.argmax(total <= 0)])
            raise KernelException(f"Global {role} ID {gid}: Not enough "
                                  f"{'sources' if role == 'target' else 'targets'} found "
                                  "(all probabilities are zero)")
    slot_drv = np.repeat(np.arange(n), K)            # draw slot -> driver
    chosen = np.full(n * K, -1, np.int64)
    todo = np.arange(n * K)
    attempt = 0
    while len(todo):
        if attempt > 10000:
            raise KernelException("spatial degree rule: could not draw distinct partners "
                                  "(too many redraws)")
        drv = slot_drv[todo]
        ud, cnt = np.unique(drv, return_counts=True)
        u = _uniforms(k, call, drivers[ud], cnt, attempt)
        order = np.argsort(drv, kind="stable")
        uu = np.empty(len(todo))
        uu[order] = u
        a, m = ptr[drv], ncand[drv]
        if weights is None:
            idx = a + np.minimum((uu * m).astype(np.int64), m - 1)
        else:
            target = base[drv] + uu * total[drv]
            idx = np.searchsorted(cw, target, side="right")
            idx = np.clip(idx, a, a + m - 1)
            # never a zero-weight candidate (a draw on a border)
            zero = w[idx] <= 0
            while np.any(zero):
                idx[zero] += 1
                idx = np.minimum(idx, a + m - 1)
                zero = (w[idx] <= 0) & (idx < a + m - 1)
        chosen[todo] = idx
        reject = np.zeros(len(todo), bool)
        if not autapses:
            reject |= own[idx]
        if not multapses:
            # a slot repeating an earlier slot's choice of its driver is redrawn
            # (slots accepted in earlier rounds keep their choice: they sort first)
            key = chosen.copy()
            key[todo[reject]] = -1
            fresh = np.zeros(n * K, np.int8)
            fresh[todo] = 1
            srt = np.lexsort((np.arange(n * K), fresh, key, slot_drv))
            ks, ds = key[srt], slot_drv[srt]
            dup = np.zeros(n * K, bool)
            dup[srt[1:]] = (ks[1:] == ks[:-1]) & (ds[1:] == ds[:-1]) & (ks[1:] >= 0)
            reject |= dup[todo]
        chosen[todo[reject]] = -1
        todo = todo[reject]
        attempt += 1
    return chosen
