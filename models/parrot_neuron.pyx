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

Parameters: ``flush_event_send_interval`` (inf ms): after a spike, a
parrot silent for this long sends a flush event (e-prop synapses bring
their traces up to date with it; other synapses drop it) and again each
interval of silence after that, as NEST's parrot_neuron.  Receives spikes on receptor 0 and repeats them; spikes on
receptor 1 are received but not repeated (NEST's port for plastic synapses
whose postsynaptic parrot must only fire on its own input).  Sends spikes.
See also: poisson_generator, spike_generator.
"""
cimport numpy as cnp
import numpy as np
from libc.stdint cimport int64_t
from libc.math cimport INFINITY

from pynestlite.kernel.nodebase cimport (
    NodeBlock, SliceContext, pnl_register_push, input_row, SIGNAL_ALL)
from pynestlite.errors import BadProperty

cnp.import_array()


cdef class ParrotNeuron(NodeBlock):
    __doc__ = __doc__
    # each node repeats its own input; flush events go to a register shared
    # by the threads, so a block that may send them updates on one thread
    threaded = True

    def threadable(self):
        return not np.isfinite(self.arrays["flush_event_send_interval"]).any()

    sends_signal = SIGNAL_ALL
    receives_signal = SIGNAL_ALL
    parameters = {"flush_event_send_interval": INFINITY}
    state = {}
    internal = {"last_event": 0}
    strictly_positive = ("flush_event_send_interval",)
    n_channels = 2
    spike_receptors = {0: (0, False, True), 1: (1, False, True)}
    current_receptors = {}
    recordables = ()

    cdef int64_t[::1] gid, last_event, flush_steps

    def bind(self):
        self.gid = self.gids
        self.last_event = self.arrays["last_event"]

    def pre_run(self, engine):
        iv = self.arrays["flush_event_send_interval"]
        steps = np.full(self.n, np.iinfo(np.int64).max, np.int64)
        ok = np.isfinite(iv) & (iv < 1e15 * engine.resolution)
        steps[ok] = engine.ms_to_steps(iv[ok])
        self.flush_steps = steps

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef int64_t k, t
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            t = ctx.origin + lag
            for i in range(ctx.lo, ctx.hi):
                k = <int64_t>row[2 * i]
                row[2 * i] = 0.0
                row[2 * i + 1] = 0.0
                if k > 0:
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, k)
                    self.last_event[i] = t
                elif self.last_event[i] > 0 and t - self.last_event[i] >= self.flush_steps[i]:
                    pnl_register_push(ctx.flush, self.gid[i], <int>lag, 1)
                    self.last_event[i] = t


MODELS = {"parrot_neuron": ParrotNeuron}


cdef class IgnoreAndFire(NodeBlock):
    """ignore_and_fire -- a neuron that fires at a fixed rate whatever its
    input (NEST's benchmark neuron: network activity independent of the
    connectivity).

    It receives spikes (and ignores them) and sends a spike every
    1/``rate``; the first after ``phase``/``rate``.  In steps (NEST's
    rounding, Time(ms).get_steps()): period P = steps(1000/rate ms), phase
    counter c = steps(1000 phase/rate ms), set when the parameters are set;
    each step spikes if c == 0 (then c = P - 1), else decrements c.

    Parameters: ``rate`` 10 spikes/s (> 0), ``phase`` 1 (in (0, 1]).
    No recordables.
    """
    parameters = {"phase": 1.0, "rate": 10.0}
    state = {}
    internal = {"phase_steps": -1, "period_steps": 0}
    n_channels = 1
    spike_receptors = {0: (0, False, False)}
    current_receptors = {}
    recordables = ()
    threaded = True         # the update reads and writes its own nodes only

    cdef int64_t[::1] c, period, gid

    def bind(self):
        self.c = self.arrays["phase_steps"]
        self.period = self.arrays["period_steps"]
        self.gid = self.gids

    def check(self, dict values):
        NodeBlock.check(self, values)
        ph = values["phase"]
        if np.any((ph <= 0.0) | (ph > 1.0)):
            raise BadProperty(f"{self.model}: phase must be > 0 and <= 1")
        if np.any(values["rate"] <= 0.0):
            raise BadProperty(f"{self.model}: firing rate must be > 0")

    def after_set(self, idx, new):
        if "phase" in new or "rate" in new:
            self.arrays["phase_steps"][idx] = -1      # recomputed at the next run

    def pre_run(self, engine):
        a = self.arrays
        todo = a["phase_steps"] < 0
        if np.any(todo):
            rate = a["rate"][todo]
            a["period_steps"][todo] = engine.ms_to_steps(1.0 / rate * 1000.0)
            a["phase_steps"][todo] = engine.ms_to_steps(a["phase"][todo] / rate * 1000.0)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                if self.c[i] == 0:
                    self.c[i] = self.period[i] - 1
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                else:
                    self.c[i] -= 1
                row[i] = 0.0


MODELS["ignore_and_fire"] = IgnoreAndFire
