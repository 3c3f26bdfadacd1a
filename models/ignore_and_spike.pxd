# cython: language_level=3
"""NEST's ignore-and-spike mechanism (its archiving node; the models that
consult it: iaf_psc_delta and the e-prop neurons): with ``ignore_and_spike``
a neuron spikes ``ignore_and_spike_offset`` after the offset was last set
(or the node created) and every ``ignore_and_spike_interval`` after that,
whatever its dynamics say; the dynamics go on.  The parameters and the
countdown's set-up are ``pynestlite.kernel.nodebase.IGNORE_AND_SPIKE_*``."""
from libc.stdint cimport int64_t, uint8_t
from libc.math cimport INFINITY


cdef inline bint spike_is_due(bint dynamic, uint8_t ignore, int64_t *until,
                              int64_t interval) noexcept nogil:
    """Whether the neuron spikes this step: ``dynamic`` (threshold crossed)
    unless ``ignore``; then the countdown ``until`` is decremented and the
    neuron spikes when it reaches 0 (and it restarts at ``interval``)."""
    if not ignore:
        return dynamic
    until[0] -= 1
    if until[0] == 0:
        until[0] = interval
        return True
    return False


cdef inline double forced_threshold(int64_t *until, int64_t interval) noexcept nogil:
    """The same countdown for a model that compares V with a per-node
    threshold: -inf in the step the neuron must spike, +inf in the others
    (an ignoring neuron then never crosses on its own)."""
    until[0] -= 1
    if until[0] == 0:
        until[0] = interval
        return -INFINITY
    return INFINITY
