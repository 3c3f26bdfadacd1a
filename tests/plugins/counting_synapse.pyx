# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""A synapse model defined outside the project (tests/test_synapse_layer.py).

``counting_synapse``: on every delivery it first reads its target's spike
history from the kernel's archive and stores the latest stamp in ``t_post``
(ms; -1 before the target has fired), then adds its weight to the target
channel and finally increases the weight by the model-level ``increment``.
It needs no edits to the scheduler, the front end or GetConnections.
"""
from libc.stdint cimport int64_t, int32_t, INT64_MAX
from pynestlite.kernel.nodebase cimport SliceContext, add_to_channel
from pynestlite.kernel.archive cimport pnl_archive_history, pnl_archive_stamp
from pynestlite.kernel.connections cimport SynapseTable


cdef class CountingSynapseTable(SynapseTable):
    columns = {"weight": ("float64", 1.0), "t_post": ("float64", -1.0)}
    common = {"increment": 0.5}
    uses_archive = True
    cdef double[::1] w
    cdef double[::1] tp
    cdef double inc

    def bind(self):
        SynapseTable.bind(self)
        self.w = self.cols["weight"]
        self.tp = self.cols["t_post"]

    def pre_run(self, engine, dict params):
        self.inc = params["increment"]

    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        cdef int64_t s, k, g, base, slot, tslot, k0, k1, L = ctx.ring_len, W = ctx.row_width
        for s in range(n):
            g = gids[s]
            if g >= self.n_rows:
                continue
            base = (origin + lags[s]) % L
            for k in range(self.rp[g], self.rp[g + 1]):
                tslot = ctx.chan_slot[self.cd[k] >> 2]
                # every entry kept so far (the read is counted: entries every
                # incoming synapse has read may be dropped)
                if pnl_archive_history(ctx.archive, tslot, -1, INT64_MAX, &k0, &k1) > 0:
                    self.tp[k] = pnl_archive_stamp(ctx.archive, tslot, k1 - 1) * ctx.h
                slot = base + self.dl[k]
                if slot >= L:
                    slot -= L
                add_to_channel(ctx.inbuf + slot * W, self.cd[k], self.w[k], 1.0)
                self.w[k] += self.inc
