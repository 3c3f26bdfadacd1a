# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The simulation loop: min-delay slices of deliver -> update -> exchange.

Per slice (``min_delay`` steps starting at ``origin``):

1. update: every stimulation device, then every neuron block, advances the
   slice's lags (the update is cut where a multimeter samples);
   neurons read their input for step ``origin + lag`` from the ring buffer
   and append spikes ``(gid, lag)`` to the local register;
2. record: spike recorders take the local spikes;
3. exchange: the registers of all ranks are gathered and put in canonical
   ``(lag, gid)`` order (``pynestlite.parallel``);
4. deliver: each connection table adds the weights of the spikes' synapses to
   the ring-buffer slot ``origin + lag + delay`` of the target channel
   (always a later slice, since delay >= min_delay).

The ring buffer holds ``min_delay + max_delay`` slots of all local input
channels; slot of step ``t`` is ``t mod ring_len``.
"""
import time

import numpy as np
cimport numpy as cnp
from libc.stdint cimport int64_t, int32_t, uint64_t

from pynestlite.kernel.nodebase cimport (
    NodeBlock, SliceContext, pnl_register, pnl_register_init, pnl_register_free,
    pnl_register_reserve)
from pynestlite.kernel.connections cimport ConnectionTable

cnp.import_array()


cdef enum:
    C_GID_BITS = 40                  # gids below 2^40 (10^12 nodes)
GID_BITS = C_GID_BITS
GID_MASK = (1 << GID_BITS) - 1


def split_keys(keys):
    """(gids, lags) of spike keys ``(lag << 40) | gid``."""
    return keys & GID_MASK, (keys >> GID_BITS).astype(np.int32)


cdef class Scheduler:
    """Owns the ring buffer, the spike register and the slice loop."""
    cdef SliceContext ctx
    cdef pnl_register reg
    cdef public object inbuf
    cdef public int64_t origin       # first step of the current (maybe partial) slice
    cdef public long lag             # steps of the current slice already done
    cdef public int64_t recorded     # register entries already given to recorders
    cdef public dict timers
    cdef public object last_spike    # per gid: stamp (steps) of the latest local spike

    def __cinit__(self):
        pnl_register_init(&self.reg)
        self.ctx.reg = &self.reg
        self.origin = 0
        self.lag = 0
        self.recorded = 0
        self.timers = {"time_update": 0.0, "time_deliver": 0.0, "time_communicate": 0.0,
                       "time_record": 0.0}

    def __dealloc__(self):
        pnl_register_free(&self.reg)

    def configure(self, int64_t ring_len, int64_t row_width, int64_t min_delay, double h,
                  uint64_t seed, int64_t n_local):
        """(Re)build the ring buffer for new delay extrema or more channels.

        Input in flight is moved to the slots of its arrival step in the new
        buffer (slot of step ``t`` is ``t mod ring_len``).  The steps still
        pending lie in ``[now, now + max_delay)`` of the old extrema, and
        extrema only widen, so they always fit.  A slice that is partly done
        (``lag > 0``) continues to the new ``min_delay``; it cannot shrink
        below the steps already done, since spikes of those steps could then
        arrive in the past.
        """
        from pynestlite.errors import BadDelay
        old = self.inbuf
        if old is not None and self.lag > min_delay:
            raise BadDelay(
                f"the new min_delay of {min_delay} steps is shorter than the {self.lag} "
                "steps already simulated of the current slice; simulate in multiples of "
                "min_delay before connecting with a shorter delay")
        new = np.zeros((ring_len, max(row_width, 1)), dtype=np.float64)
        if old is not None:
            now = self.origin + self.lag
            steps = np.arange(now, now + old.shape[0], dtype=np.int64)
            w = min(old.shape[1], new.shape[1])
            src = old[steps % old.shape[0], :w]
            keep = steps < now + ring_len
            if not keep.all() and np.any(src[~keep]):
                raise BadDelay("input in flight does not fit the new delay extrema")
            new[steps[keep] % ring_len, :w] = src[keep]
        self.inbuf = new
        cdef double[:, ::1] v = new
        self.ctx.inbuf = &v[0, 0]
        self.ctx.ring_len = ring_len
        self.ctx.row_width = new.shape[1]
        self.ctx.min_delay = min_delay
        self.ctx.h = h
        self.ctx.seed = seed
        if pnl_register_reserve(&self.reg, max(64, n_local * min_delay)) != 0:
            from pynestlite.errors import KernelMemoryError
            raise KernelMemoryError("the spike register could not be allocated")

    def local_keys(self, int64_t start=0):
        """Sorted spike keys ``(lag << 40) | gid`` of register entries from ``start``.

        Sorting the keys gives the canonical (lag, gid) order; one int64 array
        per slice is what the ranks exchange.
        """
        cdef int64_t n = self.reg.n - start, i
        keys = np.empty(max(n, 0), np.int64)
        cdef int64_t[::1] kv = keys
        with nogil:
            for i in range(n):
                kv[i] = (<int64_t>self.reg.lag[start + i] << C_GID_BITS) | self.reg.gid[start + i]
        keys.sort()
        return keys

    def local_spikes(self, int64_t start=0):
        """Copy of register entries from ``start``: (gids, lags), canonical order."""
        return split_keys(self.local_keys(start))

    cdef _record(self, list recorders, engine):
        g, l = self.local_spikes(self.recorded)
        self.recorded = self.reg.n
        if len(g) == 0:
            return
        stamps = self.origin + l.astype(np.int64) + 1
        engine.note_spikes(g, stamps)
        for r in recorders:
            r.record_spikes(g, stamps, engine)

    def run(self, int64_t n_steps, list stimulators, list neurons, list multimeters,
            list spike_recorders, list tables, exchange, engine, progress=None):
        """Advance ``n_steps`` steps.  ``exchange(keys) -> keys of all ranks, sorted``.

        An exception on this rank is reported to the other ranks through
        ``engine.comm.fail`` (they raise the same error at their next
        exchange) and re-raised here.
        """
        timers = self.timers
        perf = time.perf_counter
        done_steps = 0
        try:
            self._loop(n_steps, stimulators, neurons, multimeters, spike_recorders, tables,
                       exchange, engine, progress)
        except BaseException as e:
            # tell the other ranks (they are waiting in the next exchange),
            # unless the error already is the agreed report of another rank
            if not getattr(e, "pynestlite_agreed", False):
                engine.comm.fail(e)
            raise

    def _loop(self, int64_t n_steps, list stimulators, list neurons, list multimeters,
              list spike_recorders, list tables, exchange, engine, progress):
        cdef int64_t left = n_steps, to, a, c, step
        cdef long min_delay = self.ctx.min_delay
        cdef NodeBlock blk
        cdef ConnectionTable tab
        cdef int64_t[::1] gv
        cdef int32_t[::1] lv
        cdef int64_t n_glob
        timers = self.timers
        perf = time.perf_counter
        done_steps = 0
        while left > 0:
            to = min(<int64_t>min_delay, self.lag + left)
            cuts = set()
            for mm in multimeters:
                for s in mm.due_steps(self.origin + self.lag, self.origin + to):
                    cuts.add(s - self.origin + 1)
            t0 = perf()
            a = self.lag
            for c in sorted(cuts) + [to]:
                if c > a:
                    self.ctx.origin = self.origin
                    for b in stimulators:
                        blk = b
                        blk.update(&self.ctx, a, c)
                    for b in neurons:
                        blk = b
                        blk.update(&self.ctx, a, c)
                    a = c
                if c in cuts:
                    step = self.origin + c - 1
                    for mm in multimeters:
                        mm.sample(step, engine)
            if self.reg.failed:
                from pynestlite.errors import KernelMemoryError
                raise KernelMemoryError("the spike register could not grow (out of memory)")
            for b in neurons:
                blk = b
                if blk.error_code != 0:
                    raise blk.error()
            t1 = perf()
            timers["time_update"] += t1 - t0
            left -= to - self.lag
            done_steps += to - self.lag
            self.lag = to
            self._record(spike_recorders, engine)
            t2 = perf()
            timers["time_record"] += t2 - t1
            if self.lag == min_delay:
                g, l = split_keys(exchange(self.local_keys(0)))
                g = np.ascontiguousarray(g)
                t3 = perf()
                timers["time_communicate"] += t3 - t2
                n_glob = len(g)
                if n_glob > 0:
                    gv = g
                    lv = l
                    for t in tables:
                        tab = t
                        tab.deliver(&self.ctx, &gv[0], &lv[0], n_glob, self.origin)
                timers["time_deliver"] += perf() - t3
                self.origin += min_delay
                self.lag = 0
                self.reg.n = 0
                self.recorded = 0
                if progress is not None:
                    progress(done_steps)
                    done_steps = 0
        if progress is not None and done_steps:
            progress(done_steps)
