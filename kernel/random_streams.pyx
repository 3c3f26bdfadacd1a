# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Vectorised draws from the counter-based streams.

Draw ``k`` of node ``gid`` in stream ``(seed, purpose, extra)`` is the same
number on every rank, whatever else was drawn before.  These functions fill
numpy arrays for the front end (random node parameters, random synaptic
weights); the hot loops use the inline C samplers of ``philox.h`` directly.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint64_t, int64_t

cnp.import_array()


def draw(str kind, uint64_t seed, uint64_t purpose, uint64_t extra,
         const int64_t[::1] gids, const int64_t[::1] counts, uint64_t first_index=0):
    """Draw ``counts[i]`` numbers for node ``gids[i]``, concatenated.

    Parameters
    ----------
    kind : {'uniform', 'normal', 'exponential'}
        Distribution (unit uniform on [0, 1), standard normal, unit exponential).
    seed, purpose, extra : int
        Stream identity (``rng_seed``, a :class:`Purpose` code, a call counter).
    gids : int64 array
        Node ids whose streams are read (the counter's high word).
    counts : int64 array
        How many numbers to take from each node's stream.
    first_index : int
        Draw index of the first number in every stream.

    Returns
    -------
    numpy.ndarray of float64, length ``counts.sum()``
    """
    cdef Py_ssize_t n = gids.shape[0], i, j, pos = 0
    cdef int64_t total = 0
    for i in range(n):
        total += counts[i]
    out = np.empty(total, dtype=np.float64)
    cdef double[::1] o = out
    cdef pnl_key key = pnl_make_key(seed, purpose, extra)
    cdef pnl_stream s
    cdef int k
    if kind == "uniform":
        k = 0
    elif kind == "normal":
        k = 1
    elif kind == "exponential":
        k = 2
    else:
        from pynestlite.errors import BadParameter
        raise BadParameter(f"unknown distribution kind {kind!r}; expected 'uniform', "
                           "'normal' or 'exponential'")
    with nogil:
        for i in range(n):
            pnl_stream_init(&s, key, <uint64_t>gids[i], first_index)
            for j in range(counts[i]):
                if k == 0:
                    o[pos] = pnl_uniform(&s)
                elif k == 1:
                    o[pos] = pnl_normal(&s)
                else:
                    o[pos] = pnl_exponential(&s)
                pos += 1
    return out
