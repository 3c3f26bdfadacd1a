"""nest.random-style parameters, evaluated from per-node streams.

A :class:`Parameter` is an expression tree of constants and random
distributions.  Evaluated for a set of nodes (or synapses), the k-th random
leaf *occurrence* of an expression (in evaluation order, so that
``p + p`` adds two independent draws, as in NEST) draws number ``j`` of the
stream ``(rng_seed, purpose, call * 64 + k)`` of node ``gid``, so a node's
value never depends on how many ranks there are or which other nodes were
created.  ``call`` counts the evaluations since ResetKernel.

Examples
--------
>>> import pynestlite as nest
>>> nrns = nest.Create("iaf_psc_alpha", 10, {"V_m": nest.random.uniform(-70.0, -60.0)})
>>> w = 2.0 * nest.random.normal(mean=1.0, std=0.1)
"""
import numbers

import numpy as np

from pynestlite.errors import BadParameter, BadProperty, KernelException

__all__ = ["Parameter", "uniform", "uniform_int", "normal", "lognormal", "exponential"]

MAX_LEAVES = 64          # random leaf occurrences per expression (stream key spacing)
MAX_REDRAWS = 1000       # as NEST's redraw parameter
_ATTEMPT_SHIFT = 44      # redraw attempts use stream keys call*64 + k + (attempt << 44)


class Parameter:
    """An expression of constants and random distributions."""

    def leaves(self):
        return []

    def evaluate(self, draw):
        """Values for the query ``draw`` (see :class:`Draw`)."""
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
        # as NEST: a Parameter to a number's power only
        if isinstance(o, Parameter):
            return NotImplemented
        return self._bin(o, np.power, "**")

    def __neg__(self):
        return _BinOp(_Const(0.0), self, np.subtract, "-")

    def __pos__(self):
        return self

    # comparisons give 0/1-valued parameters (for nest.logic.conditional)
    def __lt__(self, o):
        return self._bin(o, np.less, "<")

    def __le__(self, o):
        return self._bin(o, np.less_equal, "<=")

    def __gt__(self, o):
        return self._bin(o, np.greater, ">")

    def __ge__(self, o):
        return self._bin(o, np.greater_equal, ">=")

    def __eq__(self, o):
        return self._bin(o, np.equal, "==")

    def __ne__(self, o):
        return self._bin(o, np.not_equal, "!=")

    __hash__ = object.__hash__

    def _children(self):
        return ()

    def is_spatial(self):
        """Whether the expression reads positions (nest.spatial parameters)."""
        return any(c.is_spatial() for c in self._children())

    def apply(self, spatial_nc, positions=None):
        """Values of the parameter for the nodes of ``spatial_nc`` (node
        context), or, with ``positions``, for connections from its single
        node to each of the points given (connection context; the node's
        layer gives the periodicity).  Returns a tuple."""
        from pynestlite.spatial.tools import apply_parameter
        return apply_parameter(self, spatial_nc, positions)

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

    def _children(self):
        return (self.a, self.b)

    def evaluate(self, draw):
        # constants enter as scalars (x ** 2 is then exactly x * x, as in NEST)
        a = self.a.value if isinstance(self.a, _Const) else self.a.evaluate(draw)
        b = self.b.value if isinstance(self.b, _Const) else self.b.evaluate(draw)
        r = np.asarray(self.op(a, b), np.float64)
        return np.full(draw.n, float(r)) if r.ndim == 0 else r

    def __repr__(self):
        return f"({self.a!r} {self.sym} {self.b!r})"


class _Func(Parameter):
    def __init__(self, f, name, *args):
        self.f, self.name, self.args = f, name, [_as_param(a) for a in args]

    def leaves(self):
        return [l for a in self.args for l in a.leaves()]

    def _children(self):
        return self.args

    def evaluate(self, draw):
        return self.f(*[a.evaluate(draw) for a in self.args])

    def __repr__(self):
        return f"{self.name}({', '.join(repr(a) for a in self.args)})"


class _Conditional(Parameter):
    def __init__(self, cond, if_true, if_false):
        self.cond, self.a, self.b = _as_param(cond), _as_param(if_true), _as_param(if_false)

    def leaves(self):
        return self.cond.leaves() + self.a.leaves() + self.b.leaves()

    def _children(self):
        return (self.cond, self.a, self.b)

    def evaluate(self, draw):
        c = self.cond.evaluate(draw)
        return np.where(c != 0, self.a.evaluate(draw), self.b.evaluate(draw))


class _Redraw(Parameter):
    """Values of ``param`` redrawn (from fresh streams) until in [min, max]."""

    def __init__(self, param, lo, hi):
        self.p, self.lo, self.hi = _as_param(param), float(lo), float(hi)
        if not self.lo < self.hi:
            raise BadProperty(f"redraw: min < max required, got min={self.lo}, "
                              f"max={self.hi}")

    def leaves(self):
        return self.p.leaves()

    def _children(self):
        return (self.p,)

    def evaluate(self, draw):
        k0, attempt0 = draw.next_leaf, draw.attempt
        vals = np.array(self.p.evaluate(draw), np.float64)
        k1 = draw.next_leaf
        bad = (vals < self.lo) | (vals > self.hi)
        attempt = 0
        try:
            while np.any(bad):
                attempt += 1
                if attempt > MAX_REDRAWS:
                    raise KernelException(
                        f"redraw: number of redraws exceeded the limit of {MAX_REDRAWS}; "
                        f"can the parameter take values in [{self.lo}, {self.hi}]?")
                draw.next_leaf = k0
                draw.attempt = attempt0 * (MAX_REDRAWS + 1) + attempt
                new = self.p.evaluate(draw)
                vals[bad] = new[bad]
                bad = (vals < self.lo) | (vals > self.hi)
        finally:
            draw.next_leaf, draw.attempt = k1, attempt0
        return vals


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
            raise BadProperty("uniform: min < max required, got "
                              f"min={min}, max={max}")
        self.min, self.max = float(min), float(max)

    def transform(self, u):
        return self.min + (self.max - self.min) * u

    def __repr__(self):
        return f"uniform(min={self.min}, max={self.max})"


class uniform_int(_Random):
    """Uniform integer in [0, max) (as float values, like NEST)."""

    def __init__(self, max):
        if int(max) < 1:
            raise BadProperty(f"uniform_int: max > 0 required, got {max}")
        self.max = int(max)

    def transform(self, u):
        return np.minimum(np.floor(u * self.max), self.max - 1)

    def __repr__(self):
        return f"uniform_int(max={self.max})"


class normal(_Random):
    """Normal with ``mean`` and ``std``."""
    kind = "normal"

    def __init__(self, mean=0.0, std=1.0):
        if not std > 0:
            raise BadProperty(f"normal: std > 0 required, got {std}")
        self.mean, self.std = float(mean), float(std)

    def transform(self, z):
        return self.mean + self.std * z

    def __repr__(self):
        return f"normal(mean={self.mean}, std={self.std})"


class lognormal(_Random):
    """exp(N(mean, std)): ``mean`` and ``std`` of the underlying normal."""
    kind = "normal"

    def __init__(self, mean=0.0, std=1.0):
        if not std > 0:
            raise BadProperty(f"lognormal: std > 0 required, got {std}")
        self.mean, self.std = float(mean), float(std)

    def transform(self, z):
        return np.exp(self.mean + self.std * z)

    def __repr__(self):
        return f"lognormal(mean={self.mean}, std={self.std})"


class exponential(_Random):
    """Exponential with scale ``beta`` (mean ``beta``)."""
    kind = "exponential"

    def __init__(self, beta=1.0):
        # NEST accepts any beta (the values are beta times a unit exponential)
        self.beta = float(beta)

    def transform(self, e):
        return self.beta * e

    def __repr__(self):
        return f"exponential(beta={self.beta})"


# CreateParameter's random and constant types and their keys
_PARAMETER_TYPES = {
    "constant": (_Const, ("value",)),
    "uniform": (uniform, ("min", "max")),
    "uniform_int": (uniform_int, ("max",)),
    "normal": (normal, ("mean", "std")),
    "lognormal": (lognormal, ("mean", "std")),
    "exponential": (exponential, ("beta",)),
}
def _spatial_types():
    """CreateParameter's spatial types (NEST's kernel names) and their keys."""
    from pynestlite.spatial import parameters as sp
    return {
        "distance": (lambda dimension=0: sp._Distance(int(dimension)), ("dimension",)),
        "position": (lambda dimension=None, synaptic_endpoint=0:
                     sp._Position(dimension, int(synaptic_endpoint)),
                     ("dimension", "synaptic_endpoint")),
        "exp_distribution": (sp.exponential, ("x", "beta")),
        "gaussian": (sp.gaussian, ("x", "mean", "std")),
        "gaussian2d": (sp.gaussian2D, ("x", "y", "mean_x", "mean_y", "std_x", "std_y", "rho")),
        "gamma": (sp.gamma, ("x", "kappa", "theta")),
        "gabor": (sp.gabor, ("x", "y", "theta", "gamma", "std", "lam", "psi")),
    }


def CreateParameter(parametertype, specs):
    """A parameter by type name and a dict of its values, as PyNEST's
    ``CreateParameter`` (the same objects as ``nest.random.*`` and
    ``nest.spatial.*``).

    Parameters
    ----------
    parametertype : str
        ``constant`` (``value``), ``uniform`` (``min``, ``max``),
        ``uniform_int`` (``max``), ``normal`` and ``lognormal`` (``mean``,
        ``std``), ``exponential`` (``beta``); spatial: ``distance``
        (``dimension``), ``position`` (``dimension``,
        ``synaptic_endpoint``), ``exp_distribution``, ``gaussian``,
        ``gaussian2d``, ``gamma``, ``gabor`` (an argument parameter ``x``
        (and ``y``) and the kernel's values).
    specs : dict

    Raises
    ------
    BadProperty
        An unknown type or a value out of range.
    UnaccessedDictionaryEntry
        A key the type does not take.
    """
    from pynestlite.errors import UnaccessedDictionaryEntry
    types = dict(_PARAMETER_TYPES, **_spatial_types())
    if parametertype not in types:
        raise BadProperty(f"CreateParameter: unknown parameter type {parametertype!r}; "
                          f"expected one of {sorted(types)}")
    cls, keys = types[parametertype]
    if not isinstance(specs, dict):
        raise BadParameter(f"CreateParameter: specs must be a dict, got {specs!r}")
    for key in specs:
        if key not in keys:
            raise UnaccessedDictionaryEntry(
                f"CreateParameter: {parametertype} has no parameter {key!r}; expected "
                f"{list(keys)}")
    if parametertype in ("constant", "uniform_int"):
        missing = [key for key in keys if key not in specs]
        if missing:
            raise BadProperty(f"CreateParameter: {parametertype} needs {missing}")
    return cls(**specs)


def _as_param(x):
    if isinstance(x, Parameter):
        return x
    if isinstance(x, (numbers.Real, np.integer, np.floating)):
        return _Const(x)
    raise BadParameter(f"cannot use {x!r} in a parameter expression")


class Draw:
    """The query a Parameter is evaluated for: ``counts[i]`` values for node ``gids[i]``.

    Random leaves take stream keys in the order they are evaluated
    (``next_leaf``), so every occurrence of a distribution in an
    expression draws independently.
    """

    def __init__(self, seed, purpose, call, gids, counts, param=None, space=None):
        from pynestlite.kernel import random_streams
        self.space = space
        self.n = int(np.sum(counts))
        self._rs = random_streams
        self.seed, self.purpose, self.call = seed, purpose, call
        self.gids = np.ascontiguousarray(gids, np.int64)
        self.counts = np.ascontiguousarray(counts, np.int64)
        self.next_leaf = 0
        self.attempt = 0

    def base(self, leaf):
        """Unit draws (uniform, normal or exponential) for the next leaf occurrence."""
        k = self.next_leaf
        if k >= MAX_LEAVES:
            raise BadParameter(f"a parameter expression may contain at most {MAX_LEAVES} "
                               "random distributions")
        self.next_leaf += 1
        extra = self.call * MAX_LEAVES + k + (self.attempt << _ATTEMPT_SHIFT)
        return self._rs.draw(leaf.kind, self.seed, self.purpose, extra, self.gids, self.counts)


class _MathNamespace:
    """``nest.math``: exp, sin, cos, min, max and redraw of parameters."""

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
        return _Func(lambda a, b: np.minimum(a, b), "min", x, float(value))

    @staticmethod
    def max(x, value):
        return _Func(lambda a, b: np.maximum(a, b), "max", x, float(value))

    @staticmethod
    def redraw(x, min, max):
        """Redraw values of ``x`` outside [min, max] (at most 1000 times)."""
        return _Redraw(x, min, max)


class _LogicNamespace:
    """``nest.logic``: conditional(condition, value_if_true, value_if_false)."""

    @staticmethod
    def conditional(condition, param_if_true, param_if_false):
        return _Conditional(condition, param_if_true, param_if_false)


math = _MathNamespace()
logic = _LogicNamespace()
