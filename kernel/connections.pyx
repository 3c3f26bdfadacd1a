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
        """Queue synapses for the next finalize (weights/delays may be scalars)."""
        sources = np.asarray(sources, np.int64)
        n = sources.shape[0]
        w = np.empty(n, np.float64)
        w[...] = weights
        d = np.empty(n, np.uint16)
        d[...] = delays
        self.pending.append((sources, np.asarray(codes, np.uint32), w, d))

    def sources(self):
        """Source gid of every stored synapse (expanded from the rows)."""
        counts = np.diff(self.row_ptr)
        return np.repeat(np.arange(len(counts), dtype=np.int64), counts)

    def finalize(self, int64_t n_gids):
        """Merge pending synapses into the rows (stable bucket sort by source).

        Existing rows keep their order and new synapses follow in the order
        they were added.  Chunks are scattered straight into the new arrays,
        so the peak is the old table + the pending chunks + the new table.
        """
        if not self.pending and self.n_rows >= n_gids + 1:
            return
        pending = self.pending
        self.pending = []
        n_rows = n_gids + 1
        for p in pending:
            if len(p[0]):
                n_rows = max(n_rows, int(p[0].max()) + 1)
        n_rows = max(n_rows, self.n_rows)
        counts = np.zeros(n_rows, np.int64)
        counts[:self.n_rows] = np.diff(self.row_ptr)
        for p in pending:
            counts += np.bincount(p[0], minlength=n_rows)
        row_ptr = np.zeros(n_rows + 1, np.int64)
        np.cumsum(counts, out=row_ptr[1:])
        del counts
        total = int(row_ptr[n_rows])
        code = np.empty(total, np.uint32)
        weight = np.empty(total, np.float64)
        delay = np.empty(total, np.uint16)
        nxt = row_ptr[:n_rows].copy()
        _scatter_rows(self.row_ptr, self.code, self.weight, self.delay, nxt, code, weight, delay)
        self.code = self.weight = self.delay = None
        while pending:
            src, c, w, d = pending.pop(0)
            _scatter_chunk(src, c, w, d, nxt, code, weight, delay)
            del src, c, w, d
        self.code, self.weight, self.delay = code, weight, delay
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


def _scatter_rows(const int64_t[::1] rp, const uint32_t[::1] c, const double[::1] w,
                  const uint16_t[::1] d, int64_t[::1] nxt, uint32_t[::1] co, double[::1] wo,
                  uint16_t[::1] do):
    """Copy the rows of an existing table to the front of the new rows."""
    cdef Py_ssize_t g, k, p
    with nogil:
        for g in range(rp.shape[0] - 1):
            for k in range(rp[g], rp[g + 1]):
                p = nxt[g]
                nxt[g] += 1
                co[p] = c[k]
                wo[p] = w[k]
                do[p] = d[k]


def _scatter_chunk(src_obj, const uint32_t[::1] c, const double[::1] w, const uint16_t[::1] d,
                   int64_t[::1] nxt, uint32_t[::1] co, double[::1] wo, uint16_t[::1] do):
    """Append the synapses of a chunk to their source rows, in chunk order."""
    cdef const int64_t[::1] src = np.ascontiguousarray(src_obj, dtype=np.int64)
    cdef Py_ssize_t i, p
    with nogil:
        for i in range(src.shape[0]):
            p = nxt[src[i]]
            nxt[src[i]] += 1
            co[p] = c[i]
            wo[p] = w[i]
            do[p] = d[i]
