# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""bernoulli_synapse: a static synapse with stochastic transmission.

Each spike crossing the synapse is transmitted (adds ``weight`` to the
target's input ``delay`` later, as ``static_synapse``) with probability
``p_transmit`` (in [0, 1], default 1), independently of every other spike
and synapse; an untransmitted spike has no effect, and a ``weight_recorder`` (model
parameter, as NEST's) logs the transmitted ones only.

Random numbers: the draw for a spike of source ``g`` at step ``t`` crossing
the synapse to target ``j`` (the ``m``-th synapse from ``g`` to ``j``, for
multapses; the ``r``-th spike of ``g`` in that step, for a multiplicity) is
a Philox block keyed by (``rng_seed``, ``g``) at counter (``t``, ``j``,
``m``, ``r``), so which spikes pass depends neither on the number of ranks
nor on the order of delivery (NEST draws from the thread's generator in
delivery order).
"""
import numpy as np
from libc.stdint cimport int64_t, int32_t, uint32_t, uint64_t

from pynestlite.kernel.nodebase cimport SliceContext, add_to_channel
from pynestlite.kernel.connections cimport StaticSynapseTable
from pynestlite.kernel.random_streams cimport (
    pnl_key, pnl_make_key, pnl_philox4x32_10, pnl_bits_to_unit, PURPOSE_BERNOULLI)
from pynestlite.errors import BadProperty
from pynestlite.kernel.connections import multapse_index


cdef class BernoulliSynapseTable(StaticSynapseTable):
    """``bernoulli_synapse``: ``weight`` (float64), ``p_transmit`` (float64,
    held once while all synapses agree), and at Prepare each synapse's target
    gid and multapse index (the counter of its draws)."""
    single_events = False           # (its delivery sums into the channels)
    columns = {"weight": ("float64", 1.0), "p_transmit": ("float64", 1.0)}
    compact = ("p_transmit",)
    common = {"weight_recorder": None}
    cdef double[::1] p
    cdef Py_ssize_t s_p
    cdef uint64_t[::1] ctr        # target gid | multapse index << 40

    def bind(self):
        StaticSynapseTable.bind(self)
        self.p = self.cols["p_transmit"]
        self.s_p = self.stride("p_transmit")

    @classmethod
    def check(cls, dict values, common=None):
        p = values.get("p_transmit")
        if p is None:
            return
        p = np.asarray(p, np.float64)
        bad = ~((p >= 0.0) & (p <= 1.0))
        if np.any(bad):
            raise BadProperty("bernoulli_synapse: spike transmission probability p_transmit "
                              f"must be in [0, 1], got {p.reshape(-1)[np.argmax(bad.reshape(-1))]}")

    def pre_run(self, engine, dict params):
        self.bind_weight_recorder(engine, params)
        n = self.n_synapses()
        tgt = engine.decode_targets(self.cols["code"]) if n else np.zeros(0, np.int64)
        dup = multapse_index(self.sources(), tgt)     # (in row order)
        if n and (int(tgt.max()) >= 1 << 40 or int(dup.max()) >= 1 << 16):
            raise BadProperty("bernoulli_synapse: more than 2^40 nodes or 2^16 synapses "
                              "between one pair of neurons")
        self.ctr = (tgt.astype(np.uint64) | (dup.astype(np.uint64) << np.uint64(40)))

    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        cdef int64_t s, k, g, base, slot, stamp, L = ctx.ring_len, W = ctx.row_width
        cdef int64_t nrows = self.n_rows, r = 0
        cdef double *buf = ctx.inbuf
        cdef pnl_key key
        cdef uint32_t o[4]
        for s in range(n):
            g = gids[s]
            if g >= nrows:
                continue
            # the r-th spike of g in this step (a multiplicity repeats the entry)
            if s > 0 and gids[s - 1] == g and lags[s - 1] == lags[s]:
                r += 1
            else:
                r = 0
            stamp = origin + lags[s]
            key = pnl_make_key(ctx.seed, PURPOSE_BERNOULLI, <uint64_t>g)
            base = stamp % L
            for k in range(self.rp[g], self.rp[g + 1]):
                pnl_philox4x32_10(key, <uint64_t>stamp, self.ctr[k] | (<uint64_t>r << 56), o)
                if not pnl_bits_to_unit(o[0], o[1]) < self.p[k * self.s_p]:
                    continue
                if self.wr_on:
                    self.record_weight(k, stamp + 1, self.w[k])
                slot = base + self.dl[k]
                if slot >= L:
                    slot -= L
                add_to_channel(buf + slot * W, self.cd[k], self.w[k], 1.0)


SYNAPSE_MODELS = {"bernoulli_synapse": BernoulliSynapseTable}
