# cython: language_level=3
"""Cython declaration of MultisynapseBlock (models/multisynapse.pyx), the
receptor bookkeeping that the models with per-node receptor lists share
(the *_multisynapse models, glif_psc, glif_cond ...)."""
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
