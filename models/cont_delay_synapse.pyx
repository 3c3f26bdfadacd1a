# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""``cont_delay_synapse``: a static synapse whose delay need not be a
multiple of the resolution h.

A delay ``D`` that is a multiple of h is stored as ``D / h`` steps.
Otherwise, with ``D / h = n + f`` (integer n, fraction 0 < f < 1), the
synapse stores ``n + 1`` steps and the offset ``delay_offset = h (1 - f)``
(ms): the spike arrives that much before the end of step ``n + 1``
after its emission.  A spike with precise offset ``o`` (ms before the end of
its step, from a precise source; 0 from grid sources) is sent on with the
offset ``o + delay_offset`` after ``n + 1`` steps, or, where that sum
reaches h, with ``o + delay_offset - h`` after ``n`` steps.  Targets that
take precise input (``iaf_psc_exp_ps``, ``iaf_psc_delta_ps``, ...) get it at
that time; grid-based targets get it in its step.  ``delay`` reads back as
``steps h - delay_offset``.

As NEST: the continuous delay is taken from the model's default
(``SetDefaults`` / ``CopyModel``) or from ``SynapseCollection.set``; a
``delay`` given to ``Connect`` is rounded to steps (the offset stays the
default's).  The delay must leave at least one step: BadDelay for ``D < 2
h`` when it is not a multiple of h (n and n + 1 must both be valid delays,
and both count for the kernel's ``min_delay`` and ``max_delay``).
Parameters: ``weight`` 1, ``delay`` 1 ms.  Storage: 14 bytes per synapse
plus 8 for ``delay_offset`` once synapses differ in it.

See also: ``static_synapse``; ``iaf_psc_exp_ps`` and the other precise
models (``models/precise.pyx``).
"""
import numpy as np
from libc.stdint cimport int64_t, int32_t

from pynestlite.kernel.nodebase cimport SliceContext, add_event, add_to_channel
from pynestlite.kernel.connections cimport SynapseTable
from pynestlite.errors import BadDelay


cdef class ContDelaySynapseTable(SynapseTable):
    """``cont_delay_synapse`` (module docstring)."""
    columns = {"weight": ("float64", 1.0), "delay_offset": ("float64", 0.0)}
    compact = ("delay_offset",)
    private = ("delay_offset",)
    cdef double[::1] w, doff
    cdef Py_ssize_t s_doff
    cdef double h

    def bind(self):
        SynapseTable.bind(self)
        self.w = self.cols["weight"]
        self.doff = self.cols["delay_offset"]
        self.s_doff = self.stride("delay_offset")

    def pre_run(self, engine, dict params):
        self.h = engine.tics_per_step * engine.ms_per_tic

    @staticmethod
    def split_delay(engine, delay_ms):
        """Steps and ``delay_offset`` (ms) of delays ``delay_ms`` (module
        docstring); raises BadDelay as NEST."""
        d = np.atleast_1d(np.asarray(delay_ms, np.float64))
        h = engine.tics_per_step * engine.ms_per_tic
        frac, whole = np.modf(d / h)
        exact = frac == 0
        steps = np.empty(d.shape, np.int64)
        offset = np.zeros(d.shape, np.float64)
        if np.any(exact):
            steps[exact] = engine.delay_to_steps(d[exact])
        lower = whole[~exact].astype(np.int64)
        if lower.size:
            if np.any(lower < 1) or np.any(~np.isfinite(d[~exact])):
                bad = d[~exact][lower < 1][0]
                raise BadDelay(f"cont_delay_synapse: delay {bad} ms needs the two delays "
                               f"{int(np.floor(bad / h))} and {int(np.floor(bad / h)) + 1} "
                               f"steps, and delays must be at least the resolution {h} ms")
            engine.delay_to_steps(np.concatenate([lower, lower + 1]) * h)
            steps[~exact] = lower + 1
            offset[~exact] = h * (1.0 - frac[~exact])
        return steps, offset

    @staticmethod
    def delay_steps_used(steps, offset):
        """The delays (steps) a spike may take: ``steps``, and one less where
        an offset can carry it a step earlier."""
        steps = np.atleast_1d(steps)
        offset = np.broadcast_to(np.asarray(offset, np.float64), steps.shape)
        return np.concatenate([steps, steps[offset > 0] - 1])

    def delay_offsets(self, idx):
        """``delay_offset`` (ms) of the synapses ``idx``."""
        return self.get("delay_offset", idx)

    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        cdef int64_t s, k, g, step, L = ctx.ring_len, W = ctx.row_width
        cdef double off, total, h = self.h
        for s in range(n):
            g = gids[s]
            if g >= self.n_rows:
                continue
            off = ctx.goff[s] if ctx.goff != NULL else 0.0
            for k in range(self.rp[g], self.rp[g + 1]):
                total = off + self.doff[k * self.s_doff]
                step = origin + lags[s] + self.dl[k]
                if total >= h:
                    step -= 1
                    total -= h
                if ctx.chan_precise != NULL or ctx.chan_payload != NULL:
                    add_event(ctx, ctx.inbuf + (step % L) * W, self.cd[k], self.w[k], 1.0,
                              step, total, g, origin + lags[s])
                else:
                    add_to_channel(ctx.inbuf + (step % L) * W, self.cd[k], self.w[k], 1.0)


SYNAPSE_MODELS = {"cont_delay_synapse": ContDelaySynapseTable}
