# cython: language_level=3
"""The status machinery of the multi-compartment models (see compartments.pyx)."""
from pynestlite.kernel.nodebase cimport NodeBlock


cdef class CompartmentBlock(NodeBlock):
    pass
