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
    resize_log = ()     # no exchange buffers on one rank

    def exchange_spikes(self, keys):
        """Sorted spike keys ``(lag << 40) | gid`` of all ranks (here: the input)."""
        return keys

    def exchange_values(self, keys, values):
        """Secondary values of all ranks, sorted by key (here: the input)."""
        order = np.argsort(keys, kind="stable")
        return keys[order], values[order]

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


class MPIComm(SerialComm):
    """mpi4py communicator (buffer-based collectives)."""

    is_mpi = True

    # Spike exchange: one Allgather per slice of a fixed-size block per rank,
    # [count, key_0, ..., key_{C-1}].  The count slot doubles as the status
    # of the rank (negative: the rank failed), so every status point and
    # every exchange is the same collective with the same block size C,
    # which all ranks change together: grown to 1.5 x the largest count
    # when a block overflowed (the overflowing keys are then sent with one
    # Allgatherv), shrunk when the largest count used < 20 % of it for 100
    # slices in a row (NEST's spike buffer rules).
    GROW = 1.5
    SHRINK_LIMIT = 0.2
    SHRINK_AFTER = 100

    def __init__(self, comm):
        self.comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self._resize(64)
        self._low_slices = 0
        # (time in ms, largest count of a rank, new capacity) of every
        # change of the block size: NEST's spike_buffer_resize_log
        self.resize_log = []
        self.clock_ms = None    # set by the kernel: start of the current slice

    def _resize(self, capacity):
        self.capacity = int(capacity)
        self._send = np.zeros(self.capacity + 1, np.int64)
        self._recv = np.zeros(self.size * (self.capacity + 1), np.int64)
        self._blocks = self._recv.reshape(self.size, self.capacity + 1)

    def _logged_resize(self, big):
        self._resize(max(int(self.GROW * big), 64))
        t = self.clock_ms() if self.clock_ms is not None else float("nan")
        self.resize_log.append((t, big, self.capacity))

    def _allgather_block(self, value, keys=None):
        """The collective: every rank contributes [value, keys...]; returns the blocks."""
        self._send[0] = value
        if keys is not None and value > 0:
            m = min(value, self.capacity)
            self._send[1:1 + m] = keys[:m]
        self.comm.Allgather(self._send, self._recv)
        counts = self._blocks[:, 0]
        if counts.min() < 0:
            return None
        return counts

    def _raise_failure(self, error):
        mine = None if error is None else (type(error).__name__, str(error))
        raise_agreed(self.comm.allgather(mine), error)

    def status_point(self, error=None):
        if self._allgather_block(-1 if error is not None else 0) is None or error is not None:
            self._raise_failure(error)

    def fail(self, error):
        self._allgather_block(-1)
        self._raise_failure(error)

    def exchange_spikes(self, keys):
        """Sorted spike keys of all ranks (see the class comment)."""
        keys = np.ascontiguousarray(keys, np.int64)
        n = len(keys)
        counts = self._allgather_block(n, keys)
        if counts is None:
            self._raise_failure(None)
        C = self.capacity
        big = int(counts.max())
        if big <= C:
            parts = [self._blocks[r, 1:1 + counts[r]] for r in range(self.size)]
            out = np.concatenate(parts)
        else:
            # overflow: the rest of every rank's keys in one Allgatherv
            rest = np.maximum(counts - C, 0)
            tail = np.empty(int(rest.sum()), np.int64)
            self.comm.Allgatherv(keys[C:] if n > C else keys[:0], [tail, rest])
            displ = np.concatenate([[0], np.cumsum(rest)])
            parts = []
            for r in range(self.size):
                parts.append(self._blocks[r, 1:1 + min(counts[r], C)])
                parts.append(tail[displ[r]:displ[r + 1]])
            out = np.concatenate(parts)
        # the same decision on every rank: it depends only on the counts
        if big > C:
            self._logged_resize(big)
            self._low_slices = 0
        elif big < self.SHRINK_LIMIT * C and C > 64:
            self._low_slices += 1
            if self._low_slices >= self.SHRINK_AFTER:
                self._logged_resize(big)
                self._low_slices = 0
        else:
            self._low_slices = 0
        out.sort(kind="stable")
        return out

    def exchange_values(self, keys, values):
        """Secondary values (keys ``(lag << 40) | gid``, float64 values) of all
        ranks, sorted by key: one Allgather of the counts and one Allgatherv
        of the (key, value bits) pairs.  Called after the slice's spike
        exchange, so every rank has passed that status point."""
        keys = np.ascontiguousarray(keys, np.int64)
        pairs = np.empty(2 * len(keys), np.int64)
        pairs[0::2] = keys
        pairs[1::2] = np.ascontiguousarray(values, np.float64).view(np.int64)
        counts = np.empty(self.size, np.int64)
        self.comm.Allgather(np.array([len(pairs)], np.int64), counts)
        out = np.empty(int(counts.sum()), np.int64)
        self.comm.Allgatherv(pairs, [out, counts])
        k = out[0::2]
        v = np.ascontiguousarray(out[1::2]).view(np.float64)
        order = np.argsort(k, kind="stable")
        return k[order], v[order]

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

    def abort(self, code=1):
        self.comm.Abort(code)


def _abort_on_uncaught(comm):
    """Under MPI an uncaught exception on one rank aborts all ranks (no hang)."""
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        import time
        previous(exc_type, exc, tb)
        sys.stderr.flush()
        time.sleep(1.0)         # let the launcher forward the traceback before the abort
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
