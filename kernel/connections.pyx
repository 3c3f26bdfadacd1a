# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Postsynaptic connection tables and spike delivery.

One :class:`ConnectionTable` per synapse model per rank holds the synapses
whose target lives on this rank, in compressed sparse rows keyed by source
gid (``row_ptr[gid] .. row_ptr[gid+1]``), each row in the order the synapses
were created (per target: creation order, so sums are rank independent).
Per synapse: channel code (uint32), weight (float64), delay (uint16 steps):
14 bytes, plus 8 bytes per source gid for the row pointers.

``Connect`` appends (source, code, weight, delay) chunks; ``finalize`` (at
Prepare) merges them into the rows with a stable counting sort by source.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int64_t, int32_t, uint32_t, uint16_t

from pynestlite.kernel.nodebase cimport SliceContext, add_to_channel

cnp.import_array()

MAX_DELAY_STEPS = 65535


cdef class ConnectionTable:
    """Static synapses of one synapse model on this rank (CSR by source)."""

    def __init__(self, synapse_model):
        self.synapse_model = synapse_model
        self.row_ptr = np.zeros(2, np.int64)
        self.code = np.empty(0, np.uint32)
        self.weight = np.empty(0, np.float64)
        self.delay = np.empty(0, np.uint16)
        self.pending = []
        self.n_rows = 0
        self._bind()

    def _bind(self):
        self.rp = self.row_ptr
        self.cd = self.code
        self.w = self.weight
        self.dl = self.delay

    def __len__(self):
        return int(self.weight.shape[0]) + sum(len(p[0]) for p in self.pending)

    def add(self, sources, codes, weights, delays):
        """Queue synapses (arrays of equal length) for the next finalize."""
        self.pending.append((np.asarray(sources, np.int64), np.asarray(codes, np.uint32),
                             np.asarray(weights, np.float64), np.asarray(delays, np.uint16)))

    @property
    def dirty(self):
        return bool(self.pending)

    def sources(self):
        """Source gid of every stored synapse (expanded from the rows)."""
        counts = np.diff(self.row_ptr)
        return np.repeat(np.arange(len(counts), dtype=np.int64), counts)

    def finalize(self, int64_t n_gids):
        """Merge pending synapses into the rows (stable counting sort by source)."""
        if not self.pending and self.n_rows >= n_gids + 1:
            return
        old_src = self.sources()
        parts = [(old_src, self.code, self.weight, self.delay)] + self.pending
        src = np.concatenate([p[0] for p in parts])
        code = np.concatenate([p[1] for p in parts])
        weight = np.concatenate([p[2] for p in parts])
        delay = np.concatenate([p[3] for p in parts])
        self.pending = []
        del parts, old_src
        n_rows = max(n_gids + 1, int(src.max()) + 1 if len(src) else 0)
        counts = np.bincount(src, minlength=n_rows).astype(np.int64)
        row_ptr = np.zeros(n_rows + 1, np.int64)
        np.cumsum(counts, out=row_ptr[1:])
        perm = _stable_bucket_order(src, row_ptr)
        self.code = code[perm]; del code
        self.weight = weight[perm]; del weight
        self.delay = delay[perm]; del delay
        self.row_ptr = row_ptr
        self.n_rows = n_rows
        self._bind()

    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        """Add the weights of all synapses of the given spikes to the ring buffer."""
        cdef int64_t s, k, g, base, slot, L = ctx.ring_len, W = ctx.row_width
        cdef int64_t nrows = self.n_rows
        cdef double *buf = ctx.inbuf
        for s in range(n):
            g = gids[s]
            if g >= nrows:
                continue
            base = (origin + lags[s]) % L
            for k in range(self.rp[g], self.rp[g + 1]):
                slot = base + self.dl[k]
                if slot >= L:
                    slot -= L
                add_to_channel(buf + slot * W, self.cd[k], self.w[k], 1.0)


def _stable_bucket_order(const int64_t[::1] src, const int64_t[::1] row_ptr):
    """Permutation that stably sorts ``src`` given its bucket offsets."""
    cdef Py_ssize_t i, n = src.shape[0]
    nxt_arr = np.array(row_ptr[:row_ptr.shape[0] - 1], dtype=np.int64)
    cdef int64_t[::1] nxt = nxt_arr
    perm = np.empty(n, np.int64)
    cdef int64_t[::1] p = perm
    with nogil:
        for i in range(n):
            p[nxt[src[i]]] = i
            nxt[src[i]] += 1
    return perm
