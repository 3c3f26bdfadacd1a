# cython: language_level=3
"""The receptor bookkeeping base of the multisynapse models (for the models
of other modules that derive from it)."""
from libc.stdint cimport int64_t
from pynestlite.kernel.nodebase cimport NodeBlock


cdef class MultisynapseBlock(NodeBlock):
    cdef public int64_t n_channels
    cdef public dict spike_receptors
    cdef public tuple recordables
    cdef public int64_t capacity
    cdef public bint pinned         # some connection reaches a node of the block
    cdef double **cols              # [prefix j][receptor k] -> column, j * capacity + k
    cdef int64_t ncols
