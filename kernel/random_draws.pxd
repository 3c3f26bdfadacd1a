# cython: language_level=3
"""Discrete draws built on the counter-based streams (see philox.h) that
more than one model family uses: the superposition generators and the
population model gif_pop_psc_exp draw binomial counts."""
cimport cython
from libc.math cimport exp, log
from libc.stdint cimport int64_t
from pynestlite.kernel.random_streams cimport pnl_stream, pnl_uniform


@cython.cdivision(True)
cdef inline int64_t pnl_binomial(pnl_stream *s, int64_t n, double p) noexcept nogil:
    """A Binomial(n, p) draw by inversion, one uniform per chunk of trials
    small enough that (1-p)^chunk stays a normal double (cost O(n min(p, 1-p)));
    a p so small that 1 - p rounds to 1 gives 0, one uniform per trial."""
    cdef bint flip
    cdef double q, r, f, u
    cdef int64_t total = 0, chunk, k, m, cmax
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    flip = p > 0.5
    if flip:
        p = 1.0 - p
    q = 1.0 - p
    r = p / q
    if q >= 1.0:
        cmax = 1
    else:
        cmax = <int64_t>(600.0 / -log(q))
    if cmax < 1:
        cmax = 1
    m = n
    while m > 0:
        chunk = m if m < cmax else cmax
        m -= chunk
        f = exp(chunk * log(q))
        u = pnl_uniform(s)
        k = 0
        while u > f and k < chunk:
            u -= f
            k += 1
            f *= r * (chunk - k + 1) / k
        total += k
    return n - total if flip else total
