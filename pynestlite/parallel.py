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


class SerialComm:
    """One rank: exchanges are copies, reductions are identities."""

    rank = 0
    size = 1
    is_mpi = False

    def exchange_spikes(self, gids, lags):
        """Canonical (lag, gid)-ordered spikes of all ranks (here: the input)."""
        return gids, lags

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

    def exchange_spikes(self, gids, lags):
        from mpi4py import MPI
        n = np.array([len(gids)], np.int64)
        self.comm.Allgather([n, MPI.INT64_T], [self._counts, MPI.INT64_T])
        total = int(self._counts.sum())
        g_all = np.empty(total, np.int64)
        l_all = np.empty(total, np.int32)
        displ = np.zeros(self.size, np.int64)
        np.cumsum(self._counts[:-1], out=displ[1:])
        self.comm.Allgatherv([np.ascontiguousarray(gids, np.int64), MPI.INT64_T],
                             [g_all, (self._counts, displ), MPI.INT64_T])
        self.comm.Allgatherv([np.ascontiguousarray(lags, np.int32), MPI.INT32_T],
                             [l_all, (self._counts, displ), MPI.INT32_T])
        order = np.lexsort((g_all, l_all))
        return g_all[order], l_all[order]

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
    return MPIComm(comm)


comm = make_comm()
