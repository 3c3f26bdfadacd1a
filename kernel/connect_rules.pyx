# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Probabilistic connection rules, drawn from counter-based streams.

Rules keyed by the target (fixed_indegree, pairwise_bernoulli) draw, for each
*local* target, from the stream (rng_seed, CONNECT, call) of that target's
gid, so each rank builds exactly the synapses of its own targets and the
network is the same for any number of ranks.  Rules keyed by the source
(fixed_outdegree) or global (fixed_total_number) are replayed on every rank,
which keeps its local targets, as NEST does for these rules.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport log, log1p, floor
from libc.stdint cimport int64_t, uint64_t

from pynestlite.kernel.random_streams cimport (
    pnl_key, pnl_stream, pnl_make_key, pnl_stream_init, pnl_uniform, pnl_uniform_int)

cnp.import_array()

cdef uint64_t CONNECT = 2


def fixed_indegree(uint64_t seed, uint64_t call, const int64_t[::1] targets,
                   const int64_t[::1] sources, int64_t indegree, bint autapses, bint multapses):
    """Sources of ``indegree`` synapses for each target (grouped by target)."""
    cdef Py_ssize_t nt = targets.shape[0], ns = sources.shape[0], t, k
    out = np.empty(nt * indegree, np.int64)
    cdef int64_t[::1] o = out
    cdef int64_t[::1] mark
    mark_arr = np.full(ns if not multapses else 1, -1, np.int64)
    mark = mark_arr
    cdef pnl_key key = pnl_make_key(seed, CONNECT, call)
    cdef pnl_stream s
    cdef int64_t j, src, pos = 0
    with nogil:
        for t in range(nt):
            pnl_stream_init(&s, key, <uint64_t>targets[t], 0)
            k = 0
            while k < indegree:
                j = pnl_uniform_int(&s, ns)
                src = sources[j]
                if not autapses and src == targets[t]:
                    continue
                if not multapses:
                    if mark[j] == t:
                        continue
                    mark[j] = t
                o[pos] = src
                pos += 1
                k += 1
    return out


def fixed_outdegree(uint64_t seed, uint64_t call, const int64_t[::1] sources,
                    const int64_t[::1] targets, int64_t outdegree, bint autapses, bint multapses):
    """Targets of ``outdegree`` synapses for each source (grouped by source)."""
    cdef Py_ssize_t ns = sources.shape[0], nt = targets.shape[0], t, k
    out = np.empty(ns * outdegree, np.int64)
    cdef int64_t[::1] o = out
    mark_arr = np.full(nt if not multapses else 1, -1, np.int64)
    cdef int64_t[::1] mark = mark_arr
    cdef pnl_key key = pnl_make_key(seed, CONNECT, call)
    cdef pnl_stream s
    cdef int64_t j, tgt, pos = 0
    with nogil:
        for t in range(ns):
            pnl_stream_init(&s, key, <uint64_t>sources[t], 0)
            k = 0
            while k < outdegree:
                j = pnl_uniform_int(&s, nt)
                tgt = targets[j]
                if not autapses and tgt == sources[t]:
                    continue
                if not multapses:
                    if mark[j] == t:
                        continue
                    mark[j] = t
                o[pos] = tgt
                pos += 1
                k += 1
    return out


def pairwise_bernoulli(uint64_t seed, uint64_t call, const int64_t[::1] targets,
                       const int64_t[::1] sources, double p, bint autapses):
    """(sources, targets) of independent draws with probability ``p`` per pair.

    Geometric skipping: one uniform per synapse instead of one per pair.
    The gap to the next synapse, floor(log(1 - u) / log(1 - p)), is compared
    as a double with the pairs left before it is converted, so a tiny ``p``
    (huge gaps) cannot overflow the index.
    """
    cdef Py_ssize_t nt = targets.shape[0], ns = sources.shape[0], t
    cdef pnl_key key = pnl_make_key(seed, CONNECT, call)
    cdef pnl_stream s
    cdef double lq = log1p(-p) if p < 1.0 else 0.0
    cdef double gap
    cdef int64_t j, cap = max(16, <int64_t>(nt * ns * p * 1.1) + 16), pos = 0
    src_arr = np.empty(cap, np.int64)
    tgt_arr = np.empty(cap, np.int64)
    cdef int64_t[::1] so = src_arr, to = tgt_arr
    if p <= 0.0:
        return src_arr[:0], tgt_arr[:0]
    for t in range(nt):
        if pos + ns > cap:
            cap = max(2 * cap, pos + ns)
            src_arr = np.resize(src_arr, cap); tgt_arr = np.resize(tgt_arr, cap)
            so = src_arr; to = tgt_arr
        with nogil:
            pnl_stream_init(&s, key, <uint64_t>targets[t], 0)
            j = -1
            while True:
                if p >= 1.0:
                    j += 1
                else:
                    gap = floor(log(1.0 - pnl_uniform(&s)) / lq)
                    if not (gap < <double>(ns - 1 - j)):     # also catches inf / nan
                        break
                    j += 1 + <int64_t>gap
                if j >= ns:
                    break
                if not autapses and sources[j] == targets[t]:
                    continue
                so[pos] = sources[j]
                to[pos] = targets[t]
                pos += 1
    return src_arr[:pos].copy(), tgt_arr[:pos].copy()


def fixed_total_number(uint64_t seed, uint64_t call, const int64_t[::1] sources,
                       const int64_t[::1] targets, int64_t n, bint autapses, bint multapses):
    """``n`` (source, target) pairs drawn uniformly (replayed on every rank)."""
    cdef Py_ssize_t ns = sources.shape[0], nt = targets.shape[0]
    cdef pnl_key key = pnl_make_key(seed, CONNECT, call)
    cdef pnl_stream s
    so_arr = np.empty(n, np.int64); to_arr = np.empty(n, np.int64)
    cdef int64_t[::1] so = so_arr, to = to_arr
    cdef int64_t k = 0, i, j
    seen = set()
    pnl_stream_init(&s, key, 0, 0)
    while k < n:
        i = pnl_uniform_int(&s, ns)
        j = pnl_uniform_int(&s, nt)
        if not autapses and sources[i] == targets[j]:
            continue
        if not multapses:
            pair = (i, j)
            if pair in seen:
                continue
            seen.add(pair)
        so[k] = sources[i]; to[k] = targets[j]
        k += 1
    return so_arr, to_arr
