# cython: language_level=3
from libc.stdint cimport int64_t, int32_t, uint32_t, uint16_t
from pynestlite.kernel.nodebase cimport SliceContext

cdef class ConnectionTable:
    cdef public str synapse_model
    cdef public object row_ptr
    cdef public object code
    cdef public object weight
    cdef public object delay
    cdef public list pending
    cdef int64_t[::1] rp
    cdef uint32_t[::1] cd
    cdef double[::1] w
    cdef uint16_t[::1] dl
    cdef public int64_t n_rows
    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil
