# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Binary neurons: ginzburg_neuron, mcculloch_pitts_neuron, erfc_neuron.

Equations
---------
A binary neuron has an output state S in {0, 1} and a summed input h.  It
is updated at the points of a Poisson process of mean interval ``tau_m``;
at an update it takes the state

    S = 1 with probability g(h + I),   else S = 0,

where I is the current that arrived in that step (current generators; it
acts in its step only) and the gain function g is the model's:

    ginzburg_neuron         g(x) = c_1 x + c_2 (1 + tanh(c_3 (x - theta))) / 2
                            (c_1 = 0, c_2 = 1, c_3 = beta/2: Glauber dynamics)
    mcculloch_pitts_neuron  g(x) = H(x - theta)     (1 if x > theta, else 0)
    erfc_neuron             g(x) = erfc(-(x - theta) / (sqrt(2) sigma)) / 2

The neuron sends its transitions: 0 -> 1 as a spike of multiplicity 2,
1 -> 0 as a spike of multiplicity 1.  A receiving binary neuron decodes
them per sender (NEST's rule: a single event counts -w; the second of two
events from the same sender in the same step counts +2w; an event of
multiplicity 2 counts +w) and h follows the senders' states as a step
function: h = sum_j w_j S_j (delayed by the connection delays).

Numerics
--------
As NEST's ``binary_neuron``: update times are kept in tics; the first is an
exponential interval of mean tau_m drawn at the first Prepare after the
node's creation (measured from time 0), each later one the previous plus a
new interval (each rounded to the nearest tic).  In step t the input of the
step is added to h first; the neuron updates if t h > t_next (at most once
per step), and a transition is sent at that step's end (stamp t + 1).
Input spikes arrive summed per step as changes of h, decoded at delivery
(``kernel/nodebase.pxd``: ``binary_input``).

Random numbers: the update of step t draws from the node's counter-based
stream (rng_seed, PURPOSE_NEURON, node id) at counter (step t, 0): first
the uniform for g (stochastic models), then the next interval; the first
interval comes from counter (2**64 - 1, 0).  Results do not depend on the
number of ranks, and differ from NEST's draws (statistically the same).

Parameters
----------
    ``tau_m``   10 ms      mean interval between updates (> 0)
    ``theta``   0 mV       threshold of the gain function
    ginzburg_neuron:
    ``c_1``     0 1/mV     linear gain factor
    ``c_2``     1          prefactor of the sigmoid
    ``c_3``     1 1/mV     slope of the sigmoid
    erfc_neuron:
    ``sigma``   1 mV       width of the gain function (1/(sqrt(2 pi) sigma)
                           is its largest slope)

State (read only): ``h`` (summed input, mV), ``S`` (output state, bool).
Recordables: S, h.  Receives spikes (receptor 0) from binary neurons and
from the devices that send both kinds of signal (spike_generator,
parrot_neuron), and currents (receptor 0; noise_generator).  Sends binary
transitions (to binary neurons, spin_detector, spike_recorder,
parrot_neuron).

References: Ginzburg I, Sompolinsky H (1994) Phys Rev E 50:3171;
Hertz J, Krogh A, Palmer R (1991) Introduction to the theory of neural
computation; McCulloch W, Pitts W (1943) Bull Math Biophys 5:115-133;
Morrison A, Diesmann M (2007) Maintaining causality in discrete time
neuronal simulations.
See also: spin_detector.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport tanh, erfc, sqrt, floor
from libc.stdint cimport int64_t, uint8_t, uint64_t, INT64_MIN

from pynestlite.kernel.nodebase cimport (
    NodeBlock, SliceContext, pnl_register_push, input_row, SIGNAL_BINARY)
from pynestlite.kernel.random_streams cimport (
    pnl_key, pnl_stream, pnl_make_key, pnl_stream_init, pnl_uniform, pnl_exponential,
    PURPOSE_NEURON)

cnp.import_array()

# gain functions
cdef enum:
    GAIN_GINZBURG = 0
    GAIN_MCCULLOCH_PITTS = 1
    GAIN_ERFC = 2

# counter of the first interval (no step reaches it)
cdef uint64_t FIRST_INTERVAL = 0xFFFFFFFFFFFFFFFFULL
# t_next of a node that has not drawn its first update time yet
cdef int64_t NOT_DRAWN = INT64_MIN


cdef inline int64_t interval_tics(pnl_stream *s, double tau_m, double tics_per_ms) noexcept nogil:
    """An exponential interval of mean ``tau_m`` ms in tics (NEST's
    rounding of a time in ms: to the nearest tic)."""
    return <int64_t>floor(pnl_exponential(s) * tau_m * tics_per_ms + 0.5)


cdef class BinaryNeuron(NodeBlock):
    """Shared machinery of the binary neurons (see the module docstring);
    subclasses declare the parameters of their gain function and its code."""
    parameters = {"tau_m": 10.0, "theta": 0.0}
    state = {"h": 0.0, "S": False}
    internal = {"t_next": NOT_DRAWN}
    read_only = ("h", "S")
    strictly_positive = ("tau_m",)
    n_channels = 2
    spike_receptors = {0: (0, False, False)}
    current_receptors = {0: 1}
    recordables = ("S", "h")
    sends_signal = SIGNAL_BINARY
    receives_signal = SIGNAL_BINARY
    binary_input = True       # spike channels decode transitions per sender
    gain = GAIN_GINZBURG

    cdef double[::1] tau_m, theta, c1, c2, c3, sigma, h
    cdef uint8_t[::1] S
    cdef int64_t[::1] t_next, gid
    cdef int kind
    cdef int64_t tics_per_step
    cdef double tics_per_ms

    def bind(self):
        a = self.arrays
        zeros = np.zeros(self.n)
        self.tau_m = a["tau_m"]; self.theta = a["theta"]
        self.c1 = a.get("c_1", zeros); self.c2 = a.get("c_2", zeros)
        self.c3 = a.get("c_3", zeros); self.sigma = a.get("sigma", np.ones(self.n))
        self.h = a["h"]; self.S = a["S"]; self.t_next = a["t_next"]
        self.gid = self.gids
        self.kind = type(self).gain

    def check(self, dict values):
        from pynestlite.errors import BadProperty
        tau = values.get("tau_m")
        if tau is not None and np.any(np.asarray(tau) <= 0):
            raise BadProperty(f"{self.model}: all time constants must be strictly positive "
                              f"(tau_m > 0), got tau_m = {float(np.min(tau))}")
        NodeBlock.check(self, values)

    def pre_run(self, engine):
        self.tics_per_step = engine.tics_per_step
        self.tics_per_ms = 1.0 / engine.ms_per_tic
        self._first_intervals(engine.rng_seed)

    def _first_intervals(self, uint64_t seed):
        """Draw the first update time of the nodes that have none yet."""
        cdef Py_ssize_t i
        cdef pnl_stream s
        with nogil:
            for i in range(self.n):
                if self.t_next[i] == NOT_DRAWN:
                    pnl_stream_init(&s, pnl_make_key(seed, PURPOSE_NEURON, <uint64_t>self.gid[i]),
                                    FIRST_INTERVAL, 0)
                    self.t_next[i] = interval_tics(&s, self.tau_m[i], self.tics_per_ms)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double x, p
        cdef int64_t step
        cdef bint up
        cdef pnl_stream s
        cdef int kind = self.kind
        cdef double sqrt2 = sqrt(2.0)
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            step = ctx.origin + lag
            for i in range(n):
                self.h[i] += row[2 * i]
                x = self.h[i] + row[2 * i + 1]
                row[2 * i] = 0.0
                row[2 * i + 1] = 0.0
                if step * self.tics_per_step <= self.t_next[i]:
                    continue
                pnl_stream_init(&s, pnl_make_key(ctx.seed, PURPOSE_NEURON, <uint64_t>self.gid[i]),
                                <uint64_t>step, 0)
                if kind == GAIN_MCCULLOCH_PITTS:
                    up = x > self.theta[i]
                else:
                    if kind == GAIN_GINZBURG:
                        p = (self.c1[i] * x
                             + self.c2[i] * 0.5 * (1.0 + tanh(self.c3[i] * (x - self.theta[i]))))
                    else:
                        p = 0.5 * erfc(-(x - self.theta[i]) / (sqrt2 * self.sigma[i]))
                    up = pnl_uniform(&s) < p
                if up != (self.S[i] != 0):
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 2 if up else 1)
                    self.S[i] = 1 if up else 0
                self.t_next[i] += interval_tics(&s, self.tau_m[i], self.tics_per_ms)

    def sample(self, str name, idx):
        return np.asarray(self.arrays[name][idx], dtype=np.float64)


cdef class GinzburgNeuron(BinaryNeuron):
    """ginzburg_neuron -- binary stochastic neuron with a sigmoidal gain
    function g(h) = c_1 h + c_2 (1 + tanh(c_3 (h - theta))) / 2 (see the
    module docstring of ``pynestlite.models.binary``)."""
    parameters = {"tau_m": 10.0, "theta": 0.0, "c_1": 0.0, "c_2": 1.0, "c_3": 1.0}
    gain = GAIN_GINZBURG


cdef class McCullochPittsNeuron(BinaryNeuron):
    """mcculloch_pitts_neuron -- binary deterministic neuron: at its Poisson
    update times S = 1 if h > theta, else 0 (see the module docstring of
    ``pynestlite.models.binary``)."""
    parameters = {"tau_m": 10.0, "theta": 0.0}
    gain = GAIN_MCCULLOCH_PITTS


cdef class ErfcNeuron(BinaryNeuron):
    """erfc_neuron -- binary stochastic neuron with the gain function
    g(h) = erfc(-(h - theta) / (sqrt(2) sigma)) / 2 (see the module docstring
    of ``pynestlite.models.binary``)."""
    parameters = {"tau_m": 10.0, "theta": 0.0, "sigma": 1.0}
    gain = GAIN_ERFC


MODELS = {"ginzburg_neuron": GinzburgNeuron,
          "mcculloch_pitts_neuron": McCullochPittsNeuron,
          "erfc_neuron": ErfcNeuron}
