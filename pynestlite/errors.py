"""The pynestlite exception hierarchy, named as in NEST.

Every error raised for bad user input is a :class:`KernelException`; its
message says what was wrong and what was expected.
"""
import math


class KernelException(Exception):
    """Base class of all pynestlite errors."""


class UnknownModelName(KernelException):
    """A model name that is not registered."""


class UnknownNode(KernelException):
    """A node id that does not exist."""


class InvalidNodeCollection(KernelException):
    """A NodeCollection whose nodes were deleted by ResetKernel."""


class UnknownReceptorType(KernelException):
    """A receptor type the target model does not have."""


class IncompatibleReceptorType(UnknownReceptorType):
    """A receptor type the target has, but not for this kind of event."""


class UnaccessedDictionaryEntry(KernelException):
    """A dictionary key that no model or kernel property knows.  The message
    starts as NEST's ("Unaccessed elements in params: ...")."""

    def __init__(self, message="", *args):
        if not str(message).startswith("Unaccessed"):
            message = f"Unaccessed elements in params: {message}"
        super().__init__(message, *args)


class BadProperty(KernelException):
    """A parameter value of the wrong type or outside its range."""


class BadParameter(KernelException):
    """A bad argument to a function (connection rule parameters ...)."""


class BadParameterValue(BadParameter):
    """A parameter value outside what the function accepts."""


class DimensionMismatch(BadProperty, IndexError):
    """A list of per-node values whose length is not the number of nodes."""


class ValueOverflow(BadProperty, OverflowError):
    """An integer that does not fit the 64 bits NEST's dictionaries hold."""


class NonScalarDefault(BadProperty, ValueError):
    """SetDefaults given a list or a random Parameter: defaults are single values."""


class InfeasibleDegree(BadParameter, BadProperty):
    """A fixed in- or outdegree that cannot be met without multapses."""


class UnknownConnectionRule(BadProperty, BadParameter):
    """A connection rule name that does not exist."""


class TypeMismatch(BadProperty, TypeError):
    """A value of the wrong type."""


class InexistentConnection(KernelException):
    """Disconnect of a connection that does not exist."""


class NewModelNameExists(KernelException):
    """CopyModel to a name that is already a model."""


class NotImplementedFeature(KernelException, NotImplementedError):
    """A combination NEST does not implement either (NEST: NotImplemented)."""


class BadDelay(KernelException):
    """A delay below the resolution or outside the delay extrema (min_delay/max_delay, or those of a prepared kernel)."""


class IllegalConnection(KernelException):
    """A connection NEST forbids (device as target, recorder as source ...).
    The message starts as NEST's."""
    PREFIX = "Creation of connection is not possible: "

    def __init__(self, message="", *args):
        if isinstance(message, str) and not message.startswith(self.PREFIX):
            message = self.PREFIX + message
        super().__init__(message, *args)


class TimeMultipleRequired(BadParameter):
    """A time that must be a multiple of the resolution is not."""


class StepMultipleRequired(TimeMultipleRequired):
    """A number of steps that must be a multiple of another is not."""


class KernelStateError(KernelException):
    """An operation not allowed in the kernel's current state."""


class KernelMemoryError(KernelException, MemoryError):
    """The kernel could not allocate memory (spike register, tables)."""


class MPIError(KernelException):
    """An error that occurred on another MPI rank."""


class HardwareResourceError(KernelException):
    """The network does not fit the hardware target."""


class HardwareUnsupportedError(KernelException):
    """A model, synapse or recording the hardware target does not support."""


class LayerExpected(KernelException):
    """A spatial operation on nodes that have no positions."""


class UndefinedName(KernelException):
    """A name (e.g. a mask type) that is not defined."""


class NumericalInstability(KernelException):
    """A model's state diverged during the update."""


class GSLSolverFailure(KernelException):
    """The adaptive ODE solver of a model failed."""


class UnknownParameter(KernelException, KeyError):
    """``get`` of a key no node of the collection has (a KeyError, as in PyNEST)."""

    __str__ = BaseException.__str__


class UnknownAttribute(AttributeError, UnknownParameter):
    """``nc.foo`` for an unknown ``foo``: an AttributeError (so ``hasattr``
    works) that is also the KeyError PyNEST raises."""

    __str__ = BaseException.__str__


class SynapseKeyError(KeyError, KernelException):
    """A key that synapses do not have (a KeyError, as in PyNEST)."""


class UnknownKernelKey(UnaccessedDictionaryEntry, KeyError):
    """GetKernelStatus of an unknown key (PyNEST raises KeyError)."""

    __str__ = BaseException.__str__


class ReadOnlyKernelProperty(BadProperty, ValueError):
    """A read-only kernel property was given to SetKernelStatus."""


class ReadOnlyKernelAttribute(AttributeError, BadProperty):
    """A read-only kernel property assigned as an attribute (``nest.X = v``)."""


class UnknownKernelProperty(UnaccessedDictionaryEntry, ValueError):
    """SetKernelStatus of an unknown key (PyNEST raises ValueError)."""

    __str__ = BaseException.__str__


def plain(x):
    """A number for an error message: 5, -5.5, nan, not np.float64(-5.5)."""
    import numpy as np
    if isinstance(x, np.ndarray) or np.ndim(x):
        x = np.asarray(x).ravel()[0]
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return repr(float(x))
    return repr(x)


def require_finite(values, what, error=None, unit="", allow_inf=False):
    """Raise ``error`` (BadProperty) naming ``what`` and the first value that
    is NaN (or infinite, unless ``allow_inf``); numeric values only."""
    import numpy as np
    arr = np.asarray(values)
    if arr.size == 0 or arr.dtype.kind not in "fiu":
        return
    if arr.size == 1:                   # (the common single value, without ufuncs)
        x = float(arr.reshape(-1)[0])
        if x == x and (allow_inf or math.isfinite(x)):
            return
    arr = arr.astype(np.float64, copy=False)
    bad = np.isnan(arr) if allow_inf else ~np.isfinite(arr)
    if np.any(bad):
        raise (error or BadProperty)(
            f"{what} must be a finite number{unit}, got {plain(arr[bad] if arr.ndim else arr)}")


class NESTErrors:
    """PyNEST's namespace of the kernel's exception classes
    (``nest.NESTErrors.BadProperty``): every error class of this module."""


for _name, _cls in list(globals().items()):
    if isinstance(_cls, type) and issubclass(_cls, KernelException):
        setattr(NESTErrors, _name, _cls)
NESTErrors.NESTError = KernelException
NESTErrors.NotImplemented = NotImplementedFeature
del _name, _cls
