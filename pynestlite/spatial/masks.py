"""Masks: the region around a node in which spatial rules look for partners.

A mask is a predicate on displacements ``p`` (candidate position minus the
driver node's position) with an axis-aligned bounding box; the connection
rules look up candidates in the box through a cell index and keep those the
predicate accepts.  Borders are inside (``<=``) except the inner border of
a doughnut.  Angles are in degrees; rotated shapes test the displacement
rotated back into the shape's frame (boxes with a 1e-12 tolerance).

========== ==== =============================================================
type       dims specification
========== ==== =============================================================
rectangular 2   lower_left, upper_right, azimuth_angle=0
box         3   lower_left, upper_right, azimuth_angle=0, polar_angle=0
circular    2   radius, anchor (centre)=0
spherical   3   radius, anchor=0
elliptical  2   major_axis, minor_axis, azimuth_angle=0, anchor=0
ellipsoidal 3   major_axis, minor_axis, polar_axis, azimuth_angle=0,
                polar_angle=0, anchor=0
doughnut    2   inner_radius, outer_radius, anchor=0
grid        2   shape=[columns, rows] in grid cells (grid layers only); the
                integer anchor [column, row] is the driver's cell (default
                the top-left one)
========== ==== =============================================================

``CreateMask(type, spec, anchor=a)`` shifts the mask by ``a``; masks combine
with ``|`` (union), ``&`` (intersection) and ``-`` (difference).
"""
import numpy as np

from pynestlite.errors import BadProperty, KernelException, UndefinedName
from pynestlite.spatial.layers import _floats as _vec

__all__ = ["Mask", "CreateMask"]

_EPS = 1e-12


def _num(spec, key, default=None, kind="mask"):
    if key not in spec:
        if default is None:
            raise BadProperty(f"{kind} mask: the key {key!r} is required")
        return float(default)
    try:
        return float(spec[key])
    except (TypeError, ValueError):
        raise BadProperty(f"{kind} mask: {key} must be a number, got {spec[key]!r}") from None


class _Shape:
    """A mask shape: ``inside(P)`` for displacements ``P`` (n, dims) and a
    bounding box ``(ll, ur)``; ``compiled()`` gives the compiled search's
    (kind, parameters), or None (composite masks: tested in numpy)."""
    grid = False

    def compiled(self):
        return None

    def inside(self, P):
        raise NotImplementedError

    def bbox(self):
        raise NotImplementedError


def _cos_sin(angle_deg):
    """cos and sin of an angle in degrees (NEST's ``angle * pi / 180``)."""
    t = angle_deg * np.pi / 180.0
    return float(np.cos(t)), float(np.sin(t))


class _Box(_Shape):
    """Box ``ll <= p <= ur``; rotated by the azimuth (and polar) angle about
    its centre, the point is turned back with NEST's precomputed products
    and tested against the box widened by 1e-12."""

    def __init__(self, ll, ur, azimuth=0.0, polar=0.0):
        self.dims = len(ll)
        self.ll, self.ur = ll, ur
        self.rotated = azimuth != 0.0 or polar != 0.0
        self.azimuth, self.polar = azimuth, polar
        c = (ur + ll) * 0.5
        ac, as_ = _cos_sin(azimuth)
        pc, ps = _cos_sin(polar)
        if self.dims == 2:
            self.rot = np.array([ac, as_, c[0], c[1], c[0] * ac, c[0] * as_, c[1] * ac,
                                 c[1] * as_])
        else:
            cxc, cxs, cyc, cys = c[0] * ac, c[0] * as_, c[1] * ac, c[1] * as_
            self.rot = np.array([ac, as_, pc, ps, c[0], c[1], c[2], cxc * pc, cys * pc,
                                 c[2] * ps, cxs, cyc, cxc * ps, cys * ps, ac * pc, as_ * pc,
                                 ac * ps, as_ * ps, c[2] * pc])

    def compiled(self):
        from pynestlite.kernel import spatial_search as ss
        if not self.rotated:
            return ss.BOX_KIND, np.concatenate([self.ll, self.ur])
        return ss.BOX_ROT_KIND, np.concatenate([self.ll, self.ur, self.rot])

    def _turned(self, P):
        r = self.rot
        x, y = P[:, 0], P[:, 1]
        if self.dims == 2:
            ac, as_, cx, cy, cxc, cxs, cyc, cys = r
            return [x * ac - cxc + y * as_ - cys + cx, -x * as_ + cxs + y * ac - cyc + cy]
        z = P[:, 2]
        (ac, as_, pc, ps, cx, cy, cz, cxc_pc, cys_pc, cz_ps, cxs, cyc, cxc_ps, cys_ps,
         acpc, aspc, acps, asps, cz_pc) = r
        return [x * acpc - cxc_pc + y * aspc - cys_pc - z * ps + cz_ps + cx,
                -x * as_ + cxs + y * ac - cyc + cy,
                x * acps - cxc_ps + y * asps - cys_ps + z * pc - cz_pc + cz]

    def inside(self, P):
        if not self.rotated:
            ok = (P[:, 0] >= self.ll[0]) & (P[:, 0] <= self.ur[0])
            for d in range(1, self.dims):
                ok &= (P[:, d] >= self.ll[d]) & (P[:, d] <= self.ur[d])
            return ok
        Q = self._turned(P)
        ok = np.ones(len(P), bool)
        for d in range(self.dims):
            ok &= (self.ll[d] - 1e-12 <= Q[d]) & (Q[d] <= self.ur[d] + 1e-12)
        return ok

    def bbox(self):
        if not self.rotated:
            return self.ll.copy(), self.ur.copy()
        c = (self.ur + self.ll) * 0.5
        a = self.azimuth * np.pi / 180.0
        p = self.polar * np.pi / 180.0
        if self.dims == 2:
            R = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        else:
            Rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
            Ry = np.array([[np.cos(p), 0, np.sin(p)], [0, 1, 0], [-np.sin(p), 0, np.cos(p)]])
            R = Rz @ Ry
        corners = np.array(np.meshgrid(*[[lo, hi] for lo, hi in zip(self.ll, self.ur)])
                           ).reshape(self.dims, -1).T
        rc = (corners - c) @ R.T + c
        return rc.min(axis=0), rc.max(axis=0)


def _in_ball(P, c, r):
    """NEST's ball test: no coordinate farther than r, then the diamond
    (the sum of the distances <= r), then the length."""
    dim_sum = np.zeros(len(P))
    ok = np.ones(len(P), bool)
    for k in range(len(c)):
        di = np.abs(P[:, k] - c[k])
        ok &= ~(di > r)
        dim_sum += di
    ss = np.zeros(len(P))
    for k in range(len(c)):
        dk = P[:, k] - c[k]
        ss += dk * dk
    return ok & ((dim_sum <= r) | (np.sqrt(ss) <= r))


class _Ball(_Shape):
    """Circle or sphere ``|p - c| <= r`` (NEST's test); with ``inner``, a
    doughnut: inside the outer ball and not in the inner one."""

    def __init__(self, center, radius, inner=None):
        self.dims = len(center)
        self.c, self.r, self.inner = center, radius, inner

    def compiled(self):
        from pynestlite.kernel import spatial_search as ss
        return ss.BALL_KIND, np.concatenate(
            [self.c, [self.r, -1.0 if self.inner is None else self.inner]])

    def inside(self, P):
        ok = _in_ball(P, self.c, self.r)
        if self.inner is not None:
            ok &= ~_in_ball(P, self.c, self.inner)
        return ok

    def bbox(self):
        return self.c - self.r, self.c + self.r


class _Ellipse(_Shape):
    """Ellipse (ellipsoid): ``x'^2 4/a^2 + y'^2 4/b^2 (+ z'^2 4/c^2) <= 1`` in
    the frame turned by the azimuth (and polar) angle (NEST's formulas; no
    polar axis: z is not restricted)."""

    def __init__(self, center, axes, azimuth=0.0, polar=0.0):
        self.dims = len(center)
        self.c = center
        self.axes = axes                      # full axis lengths (polar 0: z ignored)
        self.scale = np.array([4.0 / (a * a) if a > 0 else 0.0 for a in axes])
        if len(self.scale) < 3:
            self.scale = np.concatenate([self.scale, [0.0]])
        self.ca, self.sa = _cos_sin(azimuth)
        self.cp, self.sp = _cos_sin(polar)

    def compiled(self):
        from pynestlite.kernel import spatial_search as ss
        return ss.ELLIPSE_KIND, np.concatenate(
            [self.c, self.scale, [self.ca, self.sa, self.cp, self.sp]])

    def _frame(self, P):
        dx = P[:, 0] - self.c[0]
        dy = P[:, 1] - self.c[1]
        if self.dims == 2:
            return dx * self.ca + dy * self.sa, dx * self.sa - dy * self.ca, None
        dz = P[:, 2] - self.c[2]
        u = dx * self.ca + dy * self.sa
        return u * self.cp - dz * self.sp, dx * self.sa - dy * self.ca, u * self.sp + dz * self.cp

    def inside(self, P):
        x, y, z = self._frame(P)
        s = x * x * self.scale[0] + y * y * self.scale[1]
        if z is not None:
            s = s + z * z * self.scale[2]
        return s <= 1.0

    def bbox(self):
        half = self.axes / 2
        if self.dims == 2:
            M = np.array([[self.ca, self.sa], [self.sa, -self.ca]])
        else:
            F = np.array([[self.cp * self.ca, self.cp * self.sa, -self.sp],
                          [self.sa, -self.ca, 0.0],
                          [self.sp * self.ca, self.sp * self.sa, self.cp]])
            M = np.linalg.inv(F)
            if half[2] == 0:          # no polar axis: z is not restricted
                w = np.sqrt((M[:, :2] * half[:2]) ** 2 @ np.ones(2))
                w[2] = np.inf
                return self.c - w, self.c + w
        w = np.sqrt((M * half) ** 2 @ np.ones(self.dims))
        return self.c - w, self.c + w


class _GridShape(_Shape):
    """A rectangle of grid cells; becomes a box in a grid layer's spacing."""
    grid = True

    def __init__(self, shape, anchor=(0, 0)):
        self.dims = 2
        self.shape = shape
        self.anchor = anchor

    def box(self, layer):
        if not layer.is_grid:
            raise BadProperty("Grid masks can only be used with grid layers.")
        c, r = self.shape
        ac, ar = self.anchor
        dx = layer.extent[0] / layer.shape[0]
        dy = layer.extent[1] / layer.shape[1]
        ll = np.array([-ac * dx - dx / 2, -((r - ar) * dy - dy / 2)])
        ur = np.array([(c - ac) * dx - dx / 2, ar * dy + dy / 2])
        return _Box(ll, ur)

    def inside(self, P):
        raise KernelException("Grid mask must be applied to a grid layer.")

    def bbox(self):
        raise KernelException("Grid mask must be applied to a grid layer.")


class _Shifted(_Shape):
    def __init__(self, shape, anchor):
        self.dims, self.s, self.a = shape.dims, shape, anchor

    def inside(self, P):
        return self.s.inside(P - self.a)

    def bbox(self):
        lo, hi = self.s.bbox()
        return lo + self.a, hi + self.a


class _Combined(_Shape):
    def __init__(self, a, b, op):
        if a.grid or b.grid:
            raise KernelException("Grid masks can not be combined.")
        if a.dims != b.dims:
            raise BadProperty("Masks of different dimensions cannot be combined.")
        self.dims, self.a, self.b, self.op = a.dims, a, b, op

    def inside(self, P):
        ia, ib = self.a.inside(P), self.b.inside(P)
        if self.op == "|":
            return ia | ib
        if self.op == "&":
            return ia & ib
        return ia & ~ib

    def bbox(self):
        (la, ua), (lb, ub) = self.a.bbox(), self.b.bbox()
        if self.op == "|":
            return np.minimum(la, lb), np.maximum(ua, ub)
        if self.op == "&":
            return np.maximum(la, lb), np.minimum(ua, ub)
        return la, ua


class Mask:
    """A spatial mask (made by :func:`CreateMask` or from a dict in a conn_spec).

    Masks combine with ``|``, ``&`` and ``-``; ``Inside(point)`` tests a
    displacement from the driver node.
    """

    def __init__(self, shape, masktype="mask"):
        if not isinstance(shape, _Shape):
            raise TypeError("Expected MaskObject.")
        self._shape = shape
        self.masktype = masktype

    def _binop(self, other, op):
        if not isinstance(other, Mask):
            raise NotImplementedError(f"Both operands of {op} must be masks.")
        return Mask(_Combined(self._shape, other._shape, op), "composite")

    def __or__(self, other):
        return self._binop(other, "|")

    def __and__(self, other):
        return self._binop(other, "&")

    def __sub__(self, other):
        return self._binop(other, "-")

    @property
    def dims(self):
        return self._shape.dims

    def Inside(self, point):
        """Whether ``point`` (a displacement from the driver node) is inside."""
        if self._shape.grid:
            raise KernelException("Grid mask must be applied to a grid layer.")
        p = np.asarray(point, np.float64).ravel()
        if len(p) != self.dims:
            raise BadProperty(f"Expected a {self.dims}-dimensional position.")
        return bool(self._shape.inside(p[None, :])[0])

    def for_layer(self, layer):
        """The shape to apply in ``layer`` (grid masks become boxes); checks
        the dimensions."""
        shape = self._shape
        if shape.grid:
            shape = shape.box(layer)
        elif isinstance(shape, _Shifted) and shape.s.grid:
            raise BadProperty("Grid masks take an integer anchor")
        if shape.dims != layer.dims:
            raise BadProperty("Mask is incompatible with layer.")
        return shape

    def __repr__(self):
        return f"Mask({self.masktype})"


_DIMS = {"rectangular": 2, "box": 3, "circular": 2, "spherical": 3, "elliptical": 2,
         "ellipsoidal": 3, "doughnut": 2, "grid": 2}
_KEYS = {"rectangular": ("lower_left", "upper_right", "azimuth_angle", "polar_angle"),
         "box": ("lower_left", "upper_right", "azimuth_angle", "polar_angle"),
         "circular": ("radius", "anchor"), "spherical": ("radius", "anchor"),
         "elliptical": ("major_axis", "minor_axis", "azimuth_angle", "polar_angle",
                        "polar_axis", "anchor"),
         "ellipsoidal": ("major_axis", "minor_axis", "polar_axis", "azimuth_angle",
                         "polar_angle", "anchor"),
         "doughnut": ("inner_radius", "outer_radius", "anchor"), "grid": ("shape",)}


def _make_shape(masktype, spec):
    from pynestlite.errors import UnaccessedDictionaryEntry
    if masktype not in _DIMS:
        raise UndefinedName(f"The name {masktype} is not defined.")
    if not isinstance(spec, dict):
        raise BadProperty(f"CreateMask: the specification of a {masktype} mask must be a "
                          f"dict, got {spec!r}")
    for key in spec:
        if key not in _KEYS[masktype]:
            raise UnaccessedDictionaryEntry(
                f"Unaccessed elements in mask_dict: {masktype} masks have no parameter "
                f"{key!r}; expected {list(_KEYS[masktype])}")
    D = _DIMS[masktype]
    center = _vec(spec.get("anchor", np.zeros(D)), "anchor", D)
    if masktype in ("rectangular", "box"):
        for key in ("lower_left", "upper_right"):
            if key not in spec:
                raise BadProperty(f"{masktype} mask: the key {key!r} is required")
        ll = _vec(spec["lower_left"], "lower_left", D)
        ur = _vec(spec["upper_right"], "upper_right", D)
        if not np.all(ll < ur):
            raise BadProperty(f"nest::BoxMask<{D}>: Upper right must be strictly to the right "
                              "and above lower left.")
        if D == 2 and "polar_angle" in spec:
            raise BadProperty("nest::BoxMask<2>: polar_angle not defined in 2D.")
        return _Box(ll, ur, _num(spec, "azimuth_angle", 0.0), _num(spec, "polar_angle", 0.0))
    if masktype in ("circular", "spherical"):
        r = _num(spec, "radius", kind=masktype)
        if not r > 0:
            raise BadProperty(f"nest::BallMask<{D}>: radius > 0 required.")
        return _Ball(center, r)
    if masktype == "doughnut":
        inner = _num(spec, "inner_radius", kind=masktype)
        outer = _num(spec, "outer_radius", kind=masktype)
        if not inner < outer:
            raise BadProperty("nest::create_doughnut: inner_radius < outer_radius required.")
        return _Ball(center, outer, inner)
    if masktype in ("elliptical", "ellipsoidal"):
        a = _num(spec, "major_axis", kind=masktype)
        b = _num(spec, "minor_axis", kind=masktype)
        if D == 2:
            if "polar_axis" in spec:
                raise BadProperty("nest::EllipseMask<2>: polar_axis not defined in 2D.")
            if "polar_angle" in spec:
                raise BadProperty("nest::EllipseMask<2>: polar_angle not defined in 2D.")
            axes = np.array([a, b])
        else:
            axes = np.array([a, b, _num(spec, "polar_axis", 0.0)])
        if not (a > 0 and b > 0) or (D == 3 and "polar_axis" in spec and not axes[2] > 0):
            raise BadProperty(f"nest::EllipseMask<{D}>: All axis > 0 required.")
        if a < b:
            raise BadProperty(f"nest::EllipseMask<{D}>: major_axis greater than minor_axis "
                              "required.")
        return _Ellipse(center, axes, _num(spec, "azimuth_angle", 0.0),
                        _num(spec, "polar_angle", 0.0))
    # grid
    if "shape" not in spec:
        raise BadProperty("grid mask: the key 'shape' is required")
    shape = [int(s) for s in spec["shape"]]
    if len(shape) != 2 or any(s <= 0 for s in shape):
        raise BadProperty(f"grid mask: shape must be two positive integers, got {spec['shape']!r}")
    return _GridShape(shape)


def CreateMask(masktype, specs, anchor=None):
    """A mask of type ``masktype`` (see the module docstring) with ``specs``,
    shifted by ``anchor`` (a grid mask: the integer cell [column, row] of the
    driver node).

    Raises
    ------
    UndefinedName
        An unknown mask type.
    BadProperty
        Values out of range or of the wrong dimension.
    """
    shape = _make_shape(masktype, specs)
    if anchor is not None:
        a = np.asarray(anchor).ravel()
        if len(a) not in (2, 3):
            raise BadProperty("Anchor must be 2- or 3-dimensional.")
        if shape.grid:
            if len(a) != 2:
                raise BadProperty("Mask must be 2-dimensional grid mask.")
            shape.anchor = tuple(int(x) for x in a)
        else:
            a = a.astype(np.float64)
            if len(a) != shape.dims:
                raise BadProperty(f"Anchor must be {shape.dims}-dimensional for a "
                                  f"{masktype} mask.")
            shape = _Shifted(shape, a)
    return Mask(shape, masktype)


def as_mask(spec):
    """A conn_spec's ``mask``: a Mask or a dict ``{type: spec, 'anchor': a}``."""
    if isinstance(spec, Mask):
        return spec
    if not isinstance(spec, dict):
        raise BadProperty(f"mask must be a nest.Mask or a dict {{type: specification}}, got "
                          f"{spec!r}")
    spec = dict(spec)
    anchor = spec.pop("anchor", None)
    if len(spec) != 1:
        raise BadProperty(f"mask dict must hold one mask type (and an anchor), got "
                          f"{sorted(spec)}")
    (masktype, sub), = spec.items()
    return CreateMask(masktype, sub, anchor)
