"""nest.random-style parameters, evaluated from per-node streams.

A :class:`Parameter` is an expression tree of constants and random
distributions.  Evaluated for a set of nodes (or synapses), the k-th random
leaf of an expression draws number ``j`` of the stream ``(rng_seed,
purpose, call * 64 + k)`` of node ``gid``, so a node's value never depends
on how many ranks there are or which other nodes were created.

Examples
--------
>>> import pynestlite as nest
>>> nrns = nest.Create("iaf_psc_alpha", 10, {"V_m": nest.random.uniform(-70.0, -60.0)})
>>> w = 2.0 * nest.random.normal(mean=1.0, std=0.1)
"""
import numpy as np

from pynestlite.errors import BadParameter

__all__ = ["Parameter", "uniform", "uniform_int", "normal", "lognormal", "exponential"]


class Parameter:
    """An expression of constants and random distributions."""

    def leaves(self):
        return []

    def evaluate(self, draw):
        """Values for the query ``draw`` (see :func:`evaluate`)."""
        raise NotImplementedError

    # arithmetic -------------------------------------------------------
    def _bin(self, other, op, sym):
        return _BinOp(self, _as_param(other), op, sym)

    def __add__(self, o):
        return self._bin(o, np.add, "+")

    def __radd__(self, o):
        return _as_param(o)._bin(self, np.add, "+")

    def __sub__(self, o):
        return self._bin(o, np.subtract, "-")

    def __rsub__(self, o):
        return _as_param(o)._bin(self, np.subtract, "-")

    def __mul__(self, o):
        return self._bin(o, np.multiply, "*")

    def __rmul__(self, o):
        return _as_param(o)._bin(self, np.multiply, "*")

    def __truediv__(self, o):
        return self._bin(o, np.divide, "/")

    def __rtruediv__(self, o):
        return _as_param(o)._bin(self, np.divide, "/")

    def __pow__(self, o):
        return self._bin(o, np.power, "**")

    def __neg__(self):
        return _BinOp(_Const(0.0), self, np.subtract, "-")

    def GetValue(self):
        """One value drawn outside any node (PyNEST's ``GetValue``)."""
        from pynestlite.engine import kernel
        return float(kernel.evaluate_parameter(self, np.array([0], np.int64), purpose=1)[0])


class _Const(Parameter):
    def __init__(self, value):
        self.value = float(value)

    def evaluate(self, draw):
        return np.full(draw.n, self.value)

    def __repr__(self):
        return repr(self.value)


class _BinOp(Parameter):
    def __init__(self, a, b, op, sym):
        self.a, self.b, self.op, self.sym = a, b, op, sym

    def leaves(self):
        return self.a.leaves() + self.b.leaves()

    def evaluate(self, draw):
        return self.op(self.a.evaluate(draw), self.b.evaluate(draw))

    def __repr__(self):
        return f"({self.a!r} {self.sym} {self.b!r})"


class _Func(Parameter):
    def __init__(self, f, name, *args):
        self.f, self.name, self.args = f, name, [_as_param(a) for a in args]

    def leaves(self):
        return [l for a in self.args for l in a.leaves()]

    def evaluate(self, draw):
        return self.f(*[a.evaluate(draw) for a in self.args])


class _Random(Parameter):
    kind = "uniform"

    def leaves(self):
        return [self]

    def evaluate(self, draw):
        return self.transform(draw.base(self))


class uniform(_Random):
    """Uniform on [min, max)."""

    def __init__(self, min=0.0, max=1.0):
        if not max > min:
            raise BadParameter(f"uniform: max ({max}) must be larger than min ({min})")
        self.min, self.max = float(min), float(max)

    def transform(self, u):
        return self.min + (self.max - self.min) * u


class uniform_int(_Random):
    """Uniform integer in [0, max)."""

    def __init__(self, max):
        if int(max) < 1:
            raise BadParameter(f"uniform_int: max must be >= 1, got {max}")
        self.max = int(max)

    def transform(self, u):
        return np.minimum(np.floor(u * self.max), self.max - 1)


class normal(_Random):
    """Normal with ``mean`` and ``std``."""
    kind = "normal"

    def __init__(self, mean=0.0, std=1.0):
        if std < 0:
            raise BadParameter(f"normal: std must be >= 0, got {std}")
        self.mean, self.std = float(mean), float(std)

    def transform(self, z):
        return self.mean + self.std * z


class lognormal(_Random):
    """exp(N(mean, std))."""
    kind = "normal"

    def __init__(self, mean=0.0, std=1.0):
        if std < 0:
            raise BadParameter(f"lognormal: std must be >= 0, got {std}")
        self.mean, self.std = float(mean), float(std)

    def transform(self, z):
        return np.exp(self.mean + self.std * z)


class exponential(_Random):
    """Exponential with scale ``beta``."""
    kind = "exponential"

    def __init__(self, beta=1.0):
        if beta <= 0:
            raise BadParameter(f"exponential: beta must be > 0, got {beta}")
        self.beta = float(beta)

    def transform(self, e):
        return self.beta * e


def _as_param(x):
    if isinstance(x, Parameter):
        return x
    if np.isscalar(x):
        return _Const(x)
    raise BadParameter(f"cannot use {x!r} in a parameter expression")


class Draw:
    """The query a Parameter is evaluated for: ``counts[i]`` values for node ``gids[i]``."""

    def __init__(self, seed, purpose, call, gids, counts, param):
        from pynestlite.kernel import random_streams
        self.n = int(np.sum(counts))
        self._cache = {}
        self._rs = random_streams
        self.seed, self.purpose, self.call = seed, purpose, call
        self.gids = np.ascontiguousarray(gids, np.int64)
        self.counts = np.ascontiguousarray(counts, np.int64)
        self.index = {id(leaf): k for k, leaf in enumerate(param.leaves())}

    def base(self, leaf):
        k = self.index[id(leaf)]
        if k not in self._cache:
            self._cache[k] = self._rs.draw(leaf.kind, self.seed, self.purpose,
                                           self.call * 64 + k, self.gids, self.counts)
        return self._cache[k]


class _MathNamespace:
    """``nest.math``: exp, sin, cos, min, max of parameters."""

    @staticmethod
    def exp(x):
        return _Func(np.exp, "exp", x)

    @staticmethod
    def sin(x):
        return _Func(np.sin, "sin", x)

    @staticmethod
    def cos(x):
        return _Func(np.cos, "cos", x)

    @staticmethod
    def min(x, value):
        return _Func(lambda a, b: np.minimum(a, b), "min", x, value)

    @staticmethod
    def max(x, value):
        return _Func(lambda a, b: np.maximum(a, b), "max", x, value)


math = _MathNamespace()
