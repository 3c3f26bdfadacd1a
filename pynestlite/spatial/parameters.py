"""Spatial Parameters: distances, positions and distance-dependent kernels.

They join the expression trees of :mod:`pynestlite.random` and are evaluated
in one of two contexts that the :class:`~pynestlite.random.Draw` carries as
``draw.space``:

- :class:`NodeSpace` (``Create(params=...)``, ``nc.set``): the node's own
  position (``nest.spatial.pos.x``);
- :class:`ConnectionSpace` (``p``, ``weight``, ``delay`` of a spatial
  Connect, ``Parameter.apply``): the source and target positions of each
  candidate connection and the layer whose periodicity applies.

``distance`` is the Euclidean length of the displacement target - source,
each component wrapped to its nearest periodic image (``d - L round(d/L)``,
computed in ``kernel/spatial_search.pyx``);
``distance.x`` is the absolute value of the x component.  ``source_pos`` and
``target_pos`` give the raw coordinates.  Using a parameter in the wrong
context raises BadParameterValue (or KernelException, as NEST).
"""
import numpy as np

from pynestlite.errors import BadParameterValue, BadProperty, KernelException
from pynestlite.random import Parameter, _as_param

__all__ = ["NodeSpace", "ConnectionSpace", "distance", "pos", "source_pos", "target_pos",
           "exponential", "gaussian", "gaussian2D", "gamma", "gabor"]


class NodeSpace:
    """Node context: ``positions[i]`` is the position of the i-th value's
    node (None: the nodes have no positions)."""

    def __init__(self, positions):
        self.positions = positions


class ConnectionSpace:
    """Connection context: per value the source and target position and the
    layer whose periodicity and extent apply."""

    def __init__(self, layer, src_pos, tgt_pos):
        self.layer = layer
        self.src_pos = np.asarray(src_pos, np.float64)
        self.tgt_pos = np.asarray(tgt_pos, np.float64)

    def distance(self, dimension):
        """The (wrapped) distance, or the absolute value of one component
        (``dimension`` 1-3), per value (compiled: no temporaries)."""
        from pynestlite.kernel.spatial_search import distances
        L = self.layer
        return distances(np.ascontiguousarray(self.src_pos), np.ascontiguousarray(self.tgt_pos),
                         np.ascontiguousarray(L.extent, np.float64), L.edge_wrap, dimension)


def _space(draw):
    return getattr(draw, "space", None)


class _SpatialLeaf(Parameter):
    """A parameter that reads positions (no random draws)."""

    def is_spatial(self):
        return True


class _Distance(_SpatialLeaf):
    """``nest.spatial.distance`` (dimension 0) or one of its components."""

    def __init__(self, dimension=0):
        if dimension < 0:
            raise BadParameterValue("Spatial distance parameter dimension cannot be negative.")
        if dimension > 3:
            raise KernelException("SpatialDistanceParameter dimension must be either 0 for "
                                  f"unspecified, or 1-3 for x-z. Got {dimension}")
        self.dimension = int(dimension)

    @property
    def x(self):
        return _Distance(1)

    @property
    def y(self):
        return _Distance(2)

    @property
    def z(self):
        return _Distance(3)

    def n(self, dimension):
        return _Distance(dimension)

    def evaluate(self, draw):
        sp = _space(draw)
        if not isinstance(sp, ConnectionSpace):
            raise BadParameterValue("Spatial distance parameter can only be used when "
                                    "connecting.")
        if self.dimension > sp.src_pos.shape[1]:
            raise KernelException("Spatial distance dimension must be within the defined "
                                  "number of dimensions for the nodes.")
        return sp.distance(self.dimension)

    def __repr__(self):
        return "distance" + ("", ".x", ".y", ".z")[self.dimension]


class _Position(_SpatialLeaf):
    """A coordinate of the node (endpoint 0), the source (1) or the target (2)."""

    def __init__(self, dimension, endpoint):
        if dimension is None:
            raise BadParameterValue("Dimension must be specified when creating a node "
                                    "position parameter.")
        if dimension < 0:
            raise BadParameterValue("Node position parameter dimension cannot be negative.")
        if endpoint not in (0, 1, 2):
            raise BadParameterValue("Synaptic endpoint must either be unspecified (0), source "
                                    "(1) or target (2).")
        self.dimension, self.endpoint = int(dimension), int(endpoint)

    def evaluate(self, draw):
        sp = _space(draw)
        if self.endpoint == 0:
            if isinstance(sp, ConnectionSpace):
                raise BadParameterValue("Node position parameter cannot be used when "
                                        "connecting.")
            if sp is None:
                raise KernelException("Node position parameter can only be used when "
                                      "connecting spatially distributed nodes.")
            if sp.positions is None:
                raise KernelException("NodePosParameter: not meta")
            P = sp.positions
        else:
            if not isinstance(sp, ConnectionSpace):
                raise BadParameterValue("Source or target position parameter can only be used "
                                        "when connecting.")
            P = sp.src_pos if self.endpoint == 1 else sp.tgt_pos
        if self.dimension >= P.shape[1]:
            raise KernelException("Node position dimension must be within the defined number "
                                  "of dimensions for the node.")
        return np.array(P[:, self.dimension], np.float64)

    def __repr__(self):
        return (("pos", "source_pos", "target_pos")[self.endpoint]
                + "." + "xyz"[self.dimension] if self.dimension < 3 else f".n({self.dimension})")


class _Endpoint:
    """``nest.spatial.pos`` / ``source_pos`` / ``target_pos``: ``.x .y .z .n(d)``."""

    def __init__(self, endpoint):
        self._endpoint = endpoint

    @property
    def x(self):
        return _Position(0, self._endpoint)

    @property
    def y(self):
        return _Position(1, self._endpoint)

    @property
    def z(self):
        return _Position(2, self._endpoint)

    def n(self, dimension):
        return _Position(dimension, self._endpoint)


distance = _Distance(0)
pos = _Endpoint(0)
source_pos = _Endpoint(1)
target_pos = _Endpoint(2)


class _Kernel(Parameter):
    """A distance-dependent kernel of argument parameters (connection context)."""
    label = "kernel"

    def __init__(self, *args):
        self.args = [_as_param(a) for a in args]

    def leaves(self):
        return [leaf for a in self.args for leaf in a.leaves()]

    def _children(self):
        return self.args

    def is_spatial(self):
        return True

    def evaluate(self, draw):
        if not isinstance(_space(draw), ConnectionSpace):
            raise BadParameterValue(f"{self.label} can only be used when connecting.")
        return self.f(*[a.evaluate(draw) for a in self.args])


def _positive(name, value, what):
    value = float(value)
    if not value > 0:
        raise BadProperty(f"{name} > 0 required for {what}, got {name}={value:.6f}")
    return value


class exponential(_Kernel):
    """``exp(-x / beta)`` (unnormalised)."""
    label = "Exponential distribution parameter"

    def __init__(self, x, beta=1.0):
        super().__init__(x)
        self.beta = _positive("beta", beta, "exponential distribution parameter")

    def f(self, x):
        return np.exp(-x * (1.0 / self.beta))


class gaussian(_Kernel):
    """``exp(-(x - mean)^2 / (2 std^2))`` (peak 1, unnormalised)."""
    label = "Gaussian distribution parameter"

    def __init__(self, x, mean=0.0, std=1.0):
        super().__init__(x)
        self.mean = float(mean)
        self.std = _positive("std", std, "gaussian distribution parameter")

    def f(self, x):
        dx = x - self.mean
        return np.exp(-dx * dx / (2.0 * self.std * self.std))


class gaussian2D(_Kernel):
    """Bivariate Gaussian kernel with correlation ``rho`` (unnormalised):
    ``exp(-dx^2/(2(1-rho^2)sx^2) - dy^2/(2(1-rho^2)sy^2) + rho dx dy/((1-rho^2) sx sy))``."""
    label = "Gaussian 2D parameter"

    def __init__(self, x, y, mean_x=0.0, mean_y=0.0, std_x=1.0, std_y=1.0, rho=0.0):
        super().__init__(x, y)
        self.mean_x, self.mean_y = float(mean_x), float(mean_y)
        self.rho = float(rho)
        if not -1.0 < self.rho < 1.0:
            raise BadProperty("-1 < rho < 1 required for gaussian2d distribution parameter, "
                              f"got rho={self.rho:.6f}")
        self.std_x = _positive("std_x", std_x, "gaussian2d distribution parameter")
        self.std_y = _positive("std_y", std_y, "gaussian2d distribution parameter")

    def f(self, x, y):
        dx, dy = x - self.mean_x, y - self.mean_y
        r2 = 1.0 - self.rho * self.rho
        return np.exp(-dx * dx / (2.0 * r2 * self.std_x * self.std_x)
                      - dy * dy / (2.0 * r2 * self.std_y * self.std_y)
                      + self.rho * dx * dy / (r2 * self.std_x * self.std_y))


class gamma(_Kernel):
    """The gamma density ``x^(kappa-1) exp(-x/theta) / (theta^kappa Gamma(kappa))``."""
    label = "Gamma distribution parameter"

    def __init__(self, x, kappa=1.0, theta=1.0):
        super().__init__(x)
        self.kappa = _positive("kappa", kappa, "gamma distribution parameter")
        self.theta = _positive("theta", theta, "gamma distribution parameter")

    def f(self, x):
        from math import gamma as G
        return (np.power(x, self.kappa - 1.0) * np.exp(-x / self.theta)
                * (1.0 / self.theta) ** self.kappa / G(self.kappa))


class gabor(_Kernel):
    """Gabor kernel: with ``x' = x cos(theta) + y sin(theta)``,
    ``y' = -x sin(theta) + y cos(theta)`` (theta in degrees),
    ``exp(-(gamma^2 x'^2 + y'^2) / (2 std^2)) * max(cos(2 pi y'/lam + psi pi/180), 0)``."""
    label = "Gabor parameter"

    def __init__(self, x, y, theta=0.0, gamma=1.0, std=1.0, lam=1.0, psi=0.0):
        super().__init__(x, y)
        self.theta, self.psi, self.lam = float(theta), float(psi), float(lam)
        if not float(std) > 0:
            raise BadProperty(f"std > 0 required for gabor function parameter, got std={std}")
        if not float(gamma) > 0:
            raise BadProperty(f"gamma > 0 required for gabor function parameter, got "
                              f"gamma={gamma}")
        self.std, self.gamma = float(std), float(gamma)

    def f(self, x, y):
        th = self.theta * np.pi / 180.0
        xr = x * np.cos(th) + y * np.sin(th)
        yr = -x * np.sin(th) + y * np.cos(th)
        env = np.exp(-(self.gamma ** 2 * xr * xr + yr * yr) / (2.0 * self.std ** 2))
        return env * np.maximum(np.cos(2.0 * np.pi * yr / self.lam + self.psi * np.pi / 180.0),
                                0.0)
