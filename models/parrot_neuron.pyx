# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""parrot_neuron -- repeats every incoming spike.

Equations
---------
None: each spike arriving in a step is sent on at the end of that step
(stamp t + h), with the multiplicity of all spikes that arrived in the step.
Weights of incoming connections are ignored.  Used to share one Poisson train
among many targets, or to feed devices' spikes into plastic synapses.

Numerics
--------
The input channel counts spikes instead of summing weights.

Parameters: none.  Receives spikes on receptor 0 and repeats them; spikes on
receptor 1 are received but not repeated (NEST's port for plastic synapses
whose postsynaptic parrot must only fire on its own input).  Sends spikes.
See also: poisson_generator, spike_generator.
"""
cimport numpy as cnp
from libc.stdint cimport int64_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row

cnp.import_array()


cdef class ParrotNeuron(NodeBlock):
    __doc__ = __doc__
    parameters = {}
    state = {}
    internal = {}
    n_channels = 2
    spike_receptors = {0: (0, False, True), 1: (1, False, True)}
    current_receptors = {}
    recordables = ()

    cdef int64_t[::1] gid

    def bind(self):
        self.gid = self.gids

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef int64_t k
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(n):
                k = <int64_t>row[2 * i]
                row[2 * i] = 0.0
                row[2 * i + 1] = 0.0
                if k > 0:
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, k)


MODELS = {"parrot_neuron": ParrotNeuron}
