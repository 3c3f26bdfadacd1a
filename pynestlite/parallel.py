"""The one module that touches MPI.

pynestlite runs as one rank unless ``mpi4py`` is importable *and* the
process was started by an MPI launcher with more than one rank.  The
communicator offers what the kernel needs: spike exchange (Allgather of
counts + Allgatherv of gid and lag arrays, numpy buffers, no pickling),
reductions, a barrier and agreement on errors.
"""
import os
import sys

import numpy as np


class RemoteError(Exception):
    """Carrier of an error raised on another rank (converted by :func:`raise_agreed`)."""


def raise_agreed(errors, own):
    """Raise the same error on every rank after a failed status point.

    ``errors`` is the list over ranks of ``None`` or ``(type name, message)``.
    The rank that failed re-raises its own exception; the others raise the
    same pynestlite exception class with the message prefixed by the rank.
    """
    from pynestlite import errors as errmod
    if own is not None:
        own.pynestlite_agreed = True
        raise own
    for rank, err in enumerate(errors):
        if err is not None:
            name, msg = err
            cls = getattr(errmod, name, None)
            if not (isinstance(cls, type) and issubclass(cls, errmod.KernelException)):
                cls = errmod.MPIError
                msg = f"{name}: {msg}"
            exc = cls(f"on rank {rank}: {msg}")
            exc.pynestlite_agreed = True
            raise exc


class SerialComm:
    """One rank: exchanges are copies, reductions are identities."""

    rank = 0
    size = 1
    is_mpi = False

    def exchange_spikes(self, keys):
        """Sorted spike keys ``(lag << 40) | gid`` of all ranks (here: the input)."""
        return keys

    def status_point(self, error=None):
        """Collective check: raise on every rank if any rank passes an error."""
        if error is not None:
            raise error

    def fail(self, error):
        """Report an error from inside a collective phase (the simulation loop)."""
        raise error

    def allreduce_sum(self, value):
        return value

    def allreduce_max(self, value):
        return value

    def allreduce_min(self, value):
        return value

    def allgather(self, value):
        return [value]

    def barrier(self):
        pass

    def agree(self, error):
        """Return the first error raised on any rank (here: this one)."""
        return error


class MPIComm(SerialComm):
    """mpi4py communicator (buffer-based collectives)."""

    is_mpi = True

    def __init__(self, comm):
        self.comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self._counts = np.zeros(self.size, np.int64)

    def _status(self, value, error):
        """Allgather one int64 per rank; a negative value marks a failed rank."""
        from mpi4py import MPI
        n = np.array([value], np.int64)
        self.comm.Allgather([n, MPI.INT64_T], [self._counts, MPI.INT64_T])
        if np.any(self._counts < 0):
            mine = None if error is None else (type(error).__name__, str(error))
            raise_agreed(self.comm.allgather(mine), error)

    def status_point(self, error=None):
        self._status(-1 if error is not None else 0, error)

    def fail(self, error):
        self._status(-1, error)

    def exchange_spikes(self, keys):
        """Allgather of counts (the status point), Allgatherv of the keys, merge."""
        from mpi4py import MPI
        self._status(len(keys), None)
        total = int(self._counts.sum())
        out = np.empty(total, np.int64)
        displ = np.zeros(self.size, np.int64)
        np.cumsum(self._counts[:-1], out=displ[1:])
        self.comm.Allgatherv([np.ascontiguousarray(keys, np.int64), MPI.INT64_T],
                             [out, (self._counts, displ), MPI.INT64_T])
        out.sort(kind="stable")
        return out

    def allreduce_sum(self, value):
        from mpi4py import MPI
        return self.comm.allreduce(value, op=MPI.SUM)

    def allreduce_max(self, value):
        from mpi4py import MPI
        return self.comm.allreduce(value, op=MPI.MAX)

    def allreduce_min(self, value):
        from mpi4py import MPI
        return self.comm.allreduce(value, op=MPI.MIN)

    def allgather(self, value):
        return self.comm.allgather(value)

    def barrier(self):
        self.comm.Barrier()

    def agree(self, error):
        """Collective: every rank learns the first rank's error (or None)."""
        msgs = self.comm.allgather(None if error is None else (type(error).__name__, str(error)))
        for r, m in enumerate(msgs):
            if m is not None:
                return error if r == self.rank else (r, m)
        return None

    def abort(self, code=1):
        self.comm.Abort(code)


def _abort_on_uncaught(comm):
    """Under MPI an uncaught exception on one rank aborts all ranks (no hang)."""
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        previous(exc_type, exc, tb)
        sys.stderr.flush()
        comm.Abort(1)

    sys.excepthook = hook


def _launched_by_mpi():
    keys = ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS",
            "HYDI_CONTROL_FD", "SLURM_PROCID")
    return any(k in os.environ for k in keys)


def make_comm():
    """The communicator for this process (MPI only under an MPI launcher)."""
    if os.environ.get("PYNESTLITE_NO_MPI") or not _launched_by_mpi():
        return SerialComm()
    try:
        from mpi4py import MPI
    except ImportError:
        return SerialComm()
    comm = MPI.COMM_WORLD
    if comm.Get_size() == 1:
        return SerialComm()
    _abort_on_uncaught(comm)
    return MPIComm(comm)


comm = make_comm()
