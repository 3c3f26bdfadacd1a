# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The original e-prop of Bellec, Scherr, Subramoney, Hajek, Salaj, Legenstein
and Maass (2020), event-driven as in NEST: ``eprop_iaf_bsshslm_2020``,
``eprop_iaf_adapt_bsshslm_2020``, ``eprop_readout_bsshslm_2020``,
``eprop_synapse_bsshslm_2020`` and ``eprop_learning_signal_connection_bsshslm_2020``.

Time is cut into update intervals (kernel key ``eprop_update_interval``,
one training sample); the neurons are reset at each interval start
(``eprop_reset_neurons_on_update``) and the error counts only in the last
``eprop_learning_window`` ms of an interval.  The signals of one time step
pass four transmissions of one step each (input -> recurrent -> readout ->
other readouts (softmax) -> recurrent), so every history is read shifted by
those delays: a recurrent neuron's interval starts 2 steps after the
generators' (input offset and delay), a readout's 3 steps after, and the
learning signal of step t arrives at t + 3.

A synapse collects its presynaptic inter-spike intervals; at its first spike
after an interval ended it computes that interval's gradient from the
target's archive (restarting the traces at the interval's first spike):

    z_bar^t = alpha z_bar^{t-1} + zeta z^t       (zeta = 1, or 1 - alpha without
                                                 ``regular_spike_arrival``)
    e^t     = psi^t z_bar^t                      (ALIF: psi^t (z_bar^t - beta eps^{t-1}))
    e_bar^t = kappa e_bar^{t-1} + (1 - kappa) e^t,  kappa = exp(-h/tau_m_readout)
    g       = sum_t L^t e_bar^t + reg sum_t e^t  (readout target: sum_t E^t z_bar^t)

with reg = c_reg (f_av - f_target h) / T the firing-rate term of the
interval (f_av: spikes per step over the interval of T steps); g is divided
by the learning window with ``average_gradient``, and the optimizer
(gradient descent or Adam, one step per update interval) changes the
weight.  Spikes that arrive at a recurrent neuron in the first step of an
interval are dropped (its traces were just reset).
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport exp, INFINITY
from libc.stdint cimport int64_t, int32_t, uint8_t
from libc.stdlib cimport realloc, free

from pynestlite.kernel.nodebase cimport (
    NodeBlock, SliceContext, pnl_register_push, pnl_vregister_push, input_row,
    add_to_channel)
from pynestlite.kernel.archive cimport (
    pnl_archive, pnl_eprop, pnl_ep_entry, pnl_ep_append, pnl_ep_lower, pnl_ep_learning_signal,
    pnl_ep_write_update, pnl_ep_erase_intervals, pnl_ep_reg_push, pnl_ep_reg_at,
    PNL_EP_RECURRENT, PNL_EP_ADAPT, PNL_EP_READOUT)
from pynestlite.kernel.connections cimport SynapseTable
from pynestlite.models.eprop_common cimport (
    surrogate_gradient, OptCommon, OptState, optimized_weight, read_optimizer,
    bind_optimizer_state)
from pynestlite.models.eprop import (
    EpropLearningSignalTable, SURROGATE_GRADIENTS, _steps, merge_optimizer,
    OPTIMIZER_DEFAULTS, adaptation_changed, decay_factor, check_eprop_targets, check_surrogate_gradient,
    check_weights,
    history_duration, history_error, optimizer_defaults, check_loss, uses_cross_entropy)
from pynestlite.models.ignore_and_spike cimport spike_is_due
from pynestlite.kernel.nodebase import ignore_and_spike_steps, ignore_and_spike_set
from pynestlite.errors import BadProperty, IllegalConnection, KernelException

cnp.import_array()

cdef enum:
    ISI_CHUNK = 14

ctypedef struct IsiChunk:
    int32_t v[ISI_CHUNK]
    int32_t n
    int32_t next


cdef enum:
    # steps from the generators' interval start to a recurrent neuron's (input
    # offset + input delay) and to a readout's (+ recurrent -> readout delay)
    SHIFT_RECURRENT = 2
    SHIFT_READOUT = 3
    # steps from a readout's error to the recurrent entry it belongs to
    # (recurrent -> readout, readout -> readouts, readout -> recurrent)
    LEARNING_SIGNAL_SHIFT = 3

def _intervals(engine):
    """(update interval, learning window) in steps."""
    return (int(round(engine.eprop_update_interval / engine.resolution)),
            int(round(engine.eprop_learning_window / engine.resolution)))


cdef class EpropIafBsshslmBlock(NodeBlock):
    """eprop_iaf_bsshslm_2020 -- LIF neuron of the original e-prop.

    Equations (step t, v relative to E_L)
    -------------------------------------
        v^t = P_v v^{t-1} + P_i i^{t-1} + zeta z_in^t - V_th z^{t-1},  v^t >= V_min
        (P_v = exp(-h/tau_m), P_i = tau_m/C_m (1 - P_v), zeta = 1 with
        ``regular_spike_arrival``, else 1 - P_v: the reset subtracts V_th one
        step after the spike)
        psi^t = surrogate gradient at V_th (0 while refractory)
        spike if v^t >= V_th and not refractory (then refractory for t_ref)

    At the start of each update interval (2 steps after the generators')
    v, z and the refractory count are reset (``eprop_reset_neurons_on_update``);
    at its last step the firing-rate term c_reg (f_av - f_target h) / T is
    archived.  ``learning_signal`` shows L of step t - 3.

    Parameters (NEST 3.10 names and defaults): ``C_m`` 250 pF, ``c_reg`` 0,
    ``E_L`` -70 mV, ``f_target`` 10 Hz, ``I_e`` 0 pA, ``regular_spike_arrival``
    True, ``surrogate_gradient_function`` piecewise_linear,
    ``surrogate_gradient_height`` 0.3, ``surrogate_gradient_width`` 1.0, ``t_ref``
    2 ms, ``tau_m`` 10 ms, ``V_min`` -inf, ``V_th`` -55 mV,
    ``flush_event_send_interval`` inf (>= eprop_update_interval),
    ``ignore_and_spike`` False.  Recordables: V_m, surrogate_gradient,
    learning_signal, eprop_history_duration.
    """
    eprop_target = True
    eprop_family = "bsshslm_2020"
    adaptive = False
    parameters = {"C_m": 250.0, "c_reg": 0.0, "E_L": -70.0, "f_target": 10.0, "I_e": 0.0,
                  "regular_spike_arrival": True,
                  "surrogate_gradient_function": "piecewise_linear",
                  "surrogate_gradient_height": 0.3, "surrogate_gradient_width": 1.0,
                  "t_ref": 2.0, "tau_m": 10.0, "V_min": -INFINITY, "V_th": -55.0,
                  "flush_event_send_interval": INFINITY, "ignore_and_spike": False,
                  "ignore_and_spike_offset": 1.0, "ignore_and_spike_interval": 100.0}
    state = {"V_m": -70.0, "surrogate_gradient": 0.0, "learning_signal": 0.0}
    internal = {"r": 0, "i_in": 0.0, "z": 0.0, "n_spikes": 0, "last_event": 0,
                "until_spike": -1, "sg_code": 0}
    relative = ("V_m", "V_th", "V_min")
    strictly_positive = ("C_m", "tau_m", "surrogate_gradient_height",
                         "surrogate_gradient_width", "flush_event_send_interval",
                         "ignore_and_spike_offset", "ignore_and_spike_interval")
    non_negative = ("c_reg", "f_target", "t_ref")
    n_channels = 2
    spike_receptors = {0: (0, False, False)}
    current_receptors = {0: 1}
    learning_signal_receptors = {0: 0}
    recordables = ("V_m", "surrogate_gradient", "learning_signal", "eprop_history_duration")

    cdef double[::1] V_m, V_th, V_min, I_e, i_in, z, psi, L, c_reg, f_target, height, width
    cdef double[::1] P_v, P_i, P_z, P_adapt, adapt, V_th_adapt, adapt_beta
    cdef int64_t[::1] r, ref_counts, last_event, until_spike, flush_steps, spike_steps
    cdef int64_t[::1] gid, sg, n_spikes, slot
    cdef uint8_t[::1] ignore_spike
    cdef int64_t interval
    cdef bint reset, is_adaptive
    cdef object engine

    def bind(self):
        a = self.arrays
        self.is_adaptive = self.adaptive
        self.V_m = a["V_m"]; self.V_th = a["V_th"]; self.V_min = a["V_min"]
        self.I_e = a["I_e"]; self.i_in = a["i_in"]; self.z = a["z"]
        self.psi = a["surrogate_gradient"]; self.L = a["learning_signal"]
        self.r = a["r"]; self.last_event = a["last_event"]; self.until_spike = a["until_spike"]
        self.ignore_spike = a["ignore_and_spike"]; self.n_spikes = a["n_spikes"]
        self.gid = self.gids
        if self.adaptive:
            self.adapt = a["adaptation"]
            self.V_th_adapt = a["V_th_adapt"]

    def set(self, dict updates, idx, engine=None):
        check_surrogate_gradient(self.model, updates)
        f = updates.get("flush_event_send_interval")
        if f is not None and engine is not None and \
                np.any(np.asarray(f) < engine.eprop_update_interval):
            raise BadProperty(f"{self.model}: flush_event_send_interval >= "
                              "eprop_update_interval required")
        NodeBlock.set(self, updates, idx, engine)

    def after_set(self, idx, new):
        adaptation_changed(self, idx, new)

    def check(self, dict values):
        NodeBlock.check(self, values)
        if "V_th" in values and "V_min" in values and np.any(values["V_th"] < values["V_min"]):
            raise BadProperty(f"{self.model}: V_th >= V_min required")
        if self.adaptive:
            if np.any(values.get("adapt_beta", 0.0) < 0):
                raise BadProperty(f"{self.model}: adapt_beta >= 0 required")
            if np.any(values.get("adapt_tau", 1.0) <= 0):
                raise BadProperty(f"{self.model}: adapt_tau > 0 required")

    computed_recordables = ("eprop_history_duration",)

    def sample(self, str name, idx):
        if name == "eprop_history_duration":
            return history_duration(self, self.engine, idx)
        return NodeBlock.sample(self, name, idx)

    def pre_run(self, engine):
        cdef double h = engine.resolution
        a = self.arrays
        self.engine = engine
        P_v = decay_factor(h, a["tau_m"])
        self.P_v = P_v
        self.P_i = a["tau_m"] / a["C_m"] * (1.0 - P_v)
        self.P_z = np.where(a["regular_spike_arrival"].astype(bool), 1.0, 1.0 - P_v)
        self.ref_counts = engine.ms_to_steps(a["t_ref"])
        self.flush_steps = _steps(engine, a["flush_event_send_interval"])
        self.spike_steps = ignore_and_spike_steps(self, engine)
        a["sg_code"][:] = [SURROGATE_GRADIENTS.index(f) for f in
                           a["surrogate_gradient_function"]]
        self.sg = a["sg_code"]
        self.height = a["surrogate_gradient_height"]
        self.width = a["surrogate_gradient_width"]
        self.c_reg = a["c_reg"]
        self.f_target = a["f_target"] / 1000.0
        if self.adaptive:
            self.P_adapt = decay_factor(h, a["adapt_tau"])
            self.adapt_beta = a["adapt_beta"]
        self.slot = engine.slot_of(self.gids)
        self.interval = _intervals(engine)[0]
        self.reset = engine.eprop_reset_neurons_on_update
        if np.any(a["flush_event_send_interval"] < engine.eprop_update_interval):
            raise BadProperty(f"{self.model}: flush_event_send_interval >= "
                              "eprop_update_interval required")

    def eprop_constants(self, engine):
        a = self.arrays
        h = engine.resolution
        n = self.n
        P_v = decay_factor(h, a["tau_m"])
        return {"kind": np.full(n, PNL_EP_ADAPT if self.adaptive else PNL_EP_RECURRENT),
                "cutoff": np.full(n, 1 << 40), "ls_shift": np.full(n, LEARNING_SIGNAL_SHIFT),
                "hist_shift": np.full(n, SHIFT_RECURRENT), "alpha": P_v,
                "kappa": np.zeros(n), "kappa_reg": np.zeros(n),
                "adapt_beta": a["adapt_beta"] if self.adaptive else np.zeros(n),
                "rho": decay_factor(h, a["adapt_tau"]) if self.adaptive else np.zeros(n),
                "zeta": np.where(a["regular_spike_arrival"].astype(bool), 1.0, 1.0 - P_v)}

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double v, v_th, z_in
        cdef int64_t t, k, c, step, T = self.interval
        cdef bint spike, adaptive = self.is_adaptive
        cdef double h = ctx.h
        cdef pnl_archive *arch = ctx.archive
        cdef bint archived = arch.eprop != NULL
        cdef pnl_eprop *p
        for lag in range(from_lag, to_lag):
            t = ctx.origin + lag
            step = (t - SHIFT_RECURRENT) % T
            row = input_row(ctx, lag, self.chan_base)
            for i in range(n):
                c = 2 * i
                p = &arch.eprop[self.slot[i]] if archived else NULL
                if step == 0:
                    if p != NULL:
                        pnl_ep_erase_intervals(p, T)
                    if self.reset:
                        self.V_m[i] = 0.0
                        self.r[i] = 0
                        self.z[i] = 0.0
                        if adaptive:
                            self.adapt[i] = 0.0
                if self.r[i] > 0:
                    self.r[i] -= 1
                z_in = row[c]
                row[c] = 0.0
                v = self.P_i[i] * self.i_in[i] + self.P_z[i] * z_in + self.P_v[i] * self.V_m[i]
                v -= self.V_th[i] * self.z[i]
                if v < self.V_min[i]:
                    v = self.V_min[i]
                if adaptive:
                    self.adapt[i] = self.P_adapt[i] * self.adapt[i] + self.z[i]
                    self.V_th_adapt[i] = self.V_th[i] + self.adapt_beta[i] * self.adapt[i]
                    v_th = self.V_th_adapt[i]
                else:
                    v_th = self.V_th[i]
                self.z[i] = 0.0
                self.psi[i] = surrogate_gradient(self.sg[i], self.r[i], v, v_th,
                                                 self.height[i], self.width[i])
                spike = spike_is_due(v >= v_th and self.r[i] == 0, self.ignore_spike[i],
                                     &self.until_spike[i], self.spike_steps[i])
                if spike:
                    self.n_spikes[i] += 1
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                    self.z[i] = 1.0
                    self.r[i] = self.ref_counts[i]
                    self.last_event[i] = t
                elif self.last_event[i] > 0 and t - self.last_event[i] >= self.flush_steps[i]:
                    pnl_register_push(ctx.flush, self.gid[i], <int>lag, 1)
                    self.last_event[i] = t
                self.V_m[i] = v
                if p != NULL:
                    k = pnl_ep_append(arch, self.slot[i], t)
                    if k >= 0:
                        p.e[k].psi = self.psi[i]
                    if step == T - 1:
                        pnl_ep_reg_push(arch, p, t + 1, self.c_reg[i] * (
                            <double>self.n_spikes[i] / T - self.f_target[i] * h) / T)
                    self.L[i] = pnl_ep_learning_signal(p, t - LEARNING_SIGNAL_SHIFT)
                if step == T - 1:
                    self.n_spikes[i] = 0
                self.i_in[i] = row[c + 1] + self.I_e[i]
                row[c + 1] = 0.0


cdef class EpropIafAdaptBsshslmBlock(EpropIafBsshslmBlock):
    """eprop_iaf_adapt_bsshslm_2020 -- eprop_iaf_bsshslm_2020 with an adaptive
    threshold: a^t = rho a^{t-1} + z^{t-1} (rho = exp(-h/adapt_tau)),
    V_th_adapt = V_th + adapt_beta a; spikes and psi use V_th_adapt, the
    reset subtracts V_th; a is reset with v.  Adds ``adapt_beta`` 1.0,
    ``adapt_tau`` 10 ms, state ``adaptation``, ``V_th_adapt``."""
    adaptive = True
    parameters = dict(EpropIafBsshslmBlock.parameters, adapt_beta=1.0, adapt_tau=10.0)
    state = dict(EpropIafBsshslmBlock.state, adaptation=0.0, V_th_adapt=-55.0)
    relative = EpropIafBsshslmBlock.relative + ("V_th_adapt",)
    recordables = EpropIafBsshslmBlock.recordables + ("adaptation", "V_th_adapt")


cdef class EpropReadoutBsshslmBlock(NodeBlock):
    """eprop_readout_bsshslm_2020 -- readout of the original e-prop.

    Equations (step t): v^t = P_v v^{t-1} + P_i i^{t-1} + zeta z_in^t (reset to
    0 at each interval start, 3 steps after the generators'), and with
    ``loss``
        mean_squared_error: y^t = u^{t-1},  u^t = v^t + E_L
        cross_entropy:      y^t = u^{t-1} / (u^{t-1} + sum_other u_k^{t-1}),
                            u^t = exp(v^t + E_L)
        E^t = y^t - y*^t
    (y: ``readout_signal``, u: ``readout_signal_unnorm``; the other readouts'
    u arrive over ``rate_connection_delayed`` on receptor 1, the target y* on
    receptor 2).  Outside the learning window (the last
    ``eprop_learning_window`` ms of the interval) y, y* and E are 0.  E is
    archived one step back and sent to the learning-signal connections.

    Parameters: ``C_m`` 250 pF, ``E_L`` 0 mV, ``I_e`` 0 pA, ``loss``
    mean_squared_error, ``regular_spike_arrival`` True, ``tau_m`` 10 ms,
    ``V_min`` -inf.  Recordables: V_m, readout_signal, readout_signal_unnorm,
    target_signal, error_signal, eprop_history_duration.
    """
    eprop_target = True
    eprop_family = "bsshslm_2020"
    sends_learning_signal = True
    sends_rate = True
    parameters = {"C_m": 250.0, "E_L": 0.0, "I_e": 0.0, "loss": "mean_squared_error",
                  "regular_spike_arrival": True, "tau_m": 10.0, "V_min": -INFINITY}
    state = {"V_m": 0.0, "readout_signal": 0.0, "readout_signal_unnorm": 0.0,
             "target_signal": 0.0, "error_signal": 0.0}
    internal = {"i_in": 0.0}
    relative = ("V_m", "V_min")
    strictly_positive = ("C_m", "tau_m")
    n_channels = 4
    spike_receptors = {0: (0, False, False)}
    current_receptors = {0: 1}
    rate_receptors = {1: 2, 2: 3}
    recordables = ("V_m", "readout_signal", "readout_signal_unnorm", "target_signal",
                   "error_signal", "eprop_history_duration")

    cdef double[::1] V_m, V_min, I_e, E_L, i_in, y, u, ystar, err, P_v, P_i, P_z
    cdef int64_t[::1] gid, slot
    cdef int64_t interval, window
    cdef bint reset, cross_entropy
    cdef object engine

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.V_min = a["V_min"]; self.I_e = a["I_e"]; self.E_L = a["E_L"]
        self.i_in = a["i_in"]; self.y = a["readout_signal"]; self.u = a["readout_signal_unnorm"]
        self.ystar = a["target_signal"]; self.err = a["error_signal"]
        self.gid = self.gids

    def set(self, dict updates, idx, engine=None):
        check_loss(self.model, updates)
        NodeBlock.set(self, updates, idx, engine)

    computed_recordables = ("eprop_history_duration",)

    def sample(self, str name, idx):
        if name == "eprop_history_duration":
            return history_duration(self, self.engine, idx)
        return NodeBlock.sample(self, name, idx)

    def pre_run(self, engine):
        a = self.arrays
        self.engine = engine
        P_v = decay_factor(engine.resolution, a["tau_m"])
        self.P_v = P_v
        self.P_i = a["tau_m"] / a["C_m"] * (1.0 - P_v)
        self.P_z = np.where(a["regular_spike_arrival"].astype(bool), 1.0, 1.0 - P_v)
        self.slot = engine.slot_of(self.gids)
        self.interval, self.window = _intervals(engine)
        self.reset = engine.eprop_reset_neurons_on_update
        self.cross_entropy = uses_cross_entropy(self.model, a["loss"])

    def eprop_constants(self, engine):
        a = self.arrays
        n = self.n
        P_v = decay_factor(engine.resolution, a["tau_m"])
        z = np.zeros(n)
        return {"kind": np.full(n, PNL_EP_READOUT), "cutoff": np.full(n, 1 << 40),
                "ls_shift": np.zeros(n, np.int64), "hist_shift": np.full(n, SHIFT_READOUT),
                "alpha": P_v, "kappa": z, "kappa_reg": z, "adapt_beta": z, "rho": z,
                "zeta": np.where(a["regular_spike_arrival"].astype(bool), 1.0, 1.0 - P_v)}

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double v, norm
        cdef int64_t t, k, c, T = self.interval
        cdef pnl_archive *arch = ctx.archive
        cdef bint archived = arch.eprop != NULL
        for lag in range(from_lag, to_lag):
            t = ctx.origin + lag
            row = input_row(ctx, lag, self.chan_base)
            for i in range(n):
                c = 4 * i
                if (t - SHIFT_READOUT) % T == 0:
                    if archived:
                        pnl_ep_erase_intervals(&arch.eprop[self.slot[i]], T)
                    if self.reset:
                        self.V_m[i] = 0.0
                v = self.P_i[i] * self.i_in[i] + self.P_z[i] * row[c] + self.P_v[i] * self.V_m[i]
                row[c] = 0.0
                if v < self.V_min[i]:
                    v = self.V_min[i]
                self.V_m[i] = v
                norm = row[c + 2]
                self.ystar[i] = row[c + 3]
                row[c + 2] = 0.0
                row[c + 3] = 0.0
                if self.cross_entropy:
                    self.y[i] = self.u[i] / (norm + self.u[i])
                    self.u[i] = exp(v + self.E_L[i])
                else:
                    self.y[i] = self.u[i]
                    self.u[i] = v + self.E_L[i]
                self.err[i] = self.y[i] - self.ystar[i]
                if (t - SHIFT_READOUT - 1) % T < T - self.window:
                    self.ystar[i] = 0.0
                    self.y[i] = 0.0
                    self.err[i] = 0.0
                if self.cross_entropy:
                    pnl_vregister_push(ctx.values, self.gid[i], <int>lag, 1, self.u[i])
                pnl_vregister_push(ctx.values, self.gid[i], <int>lag, 0, self.err[i])
                if archived:
                    k = pnl_ep_append(arch, self.slot[i], t - 1)
                    if k >= 0:
                        arch.eprop[self.slot[i]].e[k].L = self.err[i]
                self.i_in[i] = row[c + 1] + self.I_e[i]
                row[c + 1] = 0.0


cdef class EpropSynapseBsshslmTable(SynapseTable):
    """eprop_synapse_bsshslm_2020 -- plastic synapse of the original e-prop.

    Per synapse: ``weight``, ``tau_m_readout`` (10 ms: the eligibility filter
    kappa = exp(-h/tau_m_readout)), and private state: the gradient, the
    previous spike and update times, the interval's first spike and the
    list of presynaptic inter-spike intervals since then (a pool shared by
    the table), the optimizer's state.  Model-level: ``optimizer`` (as
    eprop_synapse), ``average_gradient`` (False: divide by the learning
    window), ``weight_recorder``.  Targets: the bsshslm_2020 neurons and
    readout; delay exactly one step.
    """
    columns = {"weight": ("float64", 1.0), "tau_m_readout": ("float64", 10.0),
               "gradient": ("float64", 0.0), "t_prev": ("int64", 0),
               "prev_flush": ("uint8", 0), "t_prev_update": ("int64", 0),
               "t_next_update": ("int64", 0), "t_trigger": ("int64", 0),
               "registered": ("uint8", 0), "isi_head": ("int64", -1),
               "isi_tail": ("int64", -1),
               "opt_sum": ("float64", 0.0), "opt_step": ("int64", 1),
               "opt_eta": ("float64", np.nan), "adam_m": ("float64", 0.0),
               "adam_v": ("float64", 0.0), "adam_b1": ("float64", 1.0),
               "adam_b2": ("float64", 1.0)}
    compact = ("tau_m_readout",)
    private = ("gradient", "t_prev", "prev_flush", "t_prev_update", "t_next_update",
               "t_trigger", "registered", "isi_head", "isi_tail", "opt_sum", "opt_step",
               "opt_eta", "adam_m", "adam_v", "adam_b1", "adam_b2")
    common = {"optimizer": dict(OPTIMIZER_DEFAULTS["gradient_descent"], _eta_first=1e-4,
                                _eta_changes=0),
              "average_gradient": False, "weight_recorder": None}
    uses_eprop_archive = True
    supports_flush = True
    #: the per-synapse optimizer state a user may read and set (Adam's moments)
    nested = {"optimizer": {"m": "adam_m", "v": "adam_v"}}
    checked_together = ("weight",)

    cdef double[::1] w, tau_ro, grad, o_sum, o_eta, a_m, a_v, a_b1, a_b2
    cdef int64_t[::1] t_prev, t_prev_upd, t_next_upd, t_trig, head, tail, o_step
    cdef uint8_t[::1] prev_flush, registered
    cdef OptCommon opt
    cdef OptState ost
    cdef bint average
    cdef int64_t interval, window, tau_stride
    cdef double h
    # the pool of inter-spike intervals: chunks of ISI_CHUNK values, linked
    # per synapse (a cache line each: few misses when a synapse reads its list)
    cdef IsiChunk *chunks
    cdef int64_t isi_cap, isi_free, isi_used
    cdef public int64_t err_gid, err_t, err_got
    cdef public int err_kind

    def __cinit__(self, *args, **kwargs):
        self.chunks = NULL
        self.isi_cap = 0
        self.isi_free = -1
        self.isi_used = 0

    def __dealloc__(self):
        free(self.chunks)

    @classmethod
    def defaults(cls):
        return optimizer_defaults(cls)

    @classmethod
    def check(cls, dict values, common=None):
        check_weights("eprop_synapse_bsshslm_2020", values, common)
        tau = values.get("tau_m_readout")
        if tau is not None and np.any(np.asarray(tau) <= 0):
            raise BadProperty("eprop_synapse_bsshslm_2020: tau_m_readout > 0 required")

    @classmethod
    def merge_common(cls, d, params, n_connections):
        params = dict(params)
        if "optimizer" in params:
            params["optimizer"] = merge_optimizer(d["optimizer"], params["optimizer"],
                                                  n_connections, "eprop_synapse_bsshslm_2020")
        if "average_gradient" in params and not isinstance(params["average_gradient"],
                                                           (bool, np.bool_)):
            raise BadProperty("eprop_synapse_bsshslm_2020: average_gradient must be a bool")
        if "tau_m_readout" in params and params["tau_m_readout"] <= 0:
            raise BadProperty("eprop_synapse_bsshslm_2020: tau_m_readout > 0 required")
        return params

    @classmethod
    def check_connection(cls, engine, pre_recs, post_recs, delays, model):
        check_eprop_targets(model, post_recs, delays, "bsshslm_2020", MODELS)

    def bind(self):
        SynapseTable.bind(self)
        c = self.cols
        self.w = c["weight"]; self.tau_ro = c["tau_m_readout"]; self.grad = c["gradient"]
        self.t_prev = c["t_prev"]; self.prev_flush = c["prev_flush"]
        self.t_prev_upd = c["t_prev_update"]; self.t_next_upd = c["t_next_update"]
        self.t_trig = c["t_trigger"]; self.registered = c["registered"]
        self.head = c["isi_head"]; self.tail = c["isi_tail"]
        self.o_sum = c["opt_sum"]; self.o_step = c["opt_step"]; self.o_eta = c["opt_eta"]
        self.a_m = c["adam_m"]; self.a_v = c["adam_v"]; self.a_b1 = c["adam_b1"]
        self.a_b2 = c["adam_b2"]
        self.tau_stride = self.stride("tau_m_readout")
        bind_optimizer_state(&self.ost, c)

    def take_new(self):
        """Channel codes of the synapses not yet registered with their target's
        archive (each adds an update marker at the target's first interval);
        marks them registered."""
        new = self.cols["registered"] == 0
        self.cols["registered"][new] = 1
        return self.cols["code"][new]

    def pre_run(self, engine, dict params):
        read_optimizer(&self.opt, params["optimizer"])
        self.average = params["average_gradient"]
        self.interval, self.window = _intervals(engine)
        self.h = engine.resolution
        self.bind_weight_recorder(engine, params)

    def failure(self):
        return history_error(self.err_gid, self.err_t, self.err_got) if self.err_kind == 1 \
            else None

    cdef int push_isi(self, int64_t k, int64_t isi) noexcept nogil:
        """Append ``isi`` to synapse ``k``'s list (a new chunk when the last is full)."""
        cdef int64_t c = self.tail[k], cap
        cdef IsiChunk *pc
        if c < 0 or self.chunks[c].n == ISI_CHUNK:
            if self.isi_free >= 0:
                c = self.isi_free
                self.isi_free = self.chunks[c].next
            else:
                if self.isi_used == self.isi_cap:
                    cap = 2 * self.isi_cap if self.isi_cap else 256
                    pc = <IsiChunk *>realloc(self.chunks, cap * sizeof(IsiChunk))
                    if pc == NULL:
                        self.failed = 1
                        return -1
                    self.chunks = pc
                    self.isi_cap = cap
                c = self.isi_used
                self.isi_used += 1
            self.chunks[c].n = 0
            self.chunks[c].next = -1
            if self.tail[k] >= 0:
                self.chunks[self.tail[k]].next = <int32_t>c
            else:
                self.head[k] = c
            self.tail[k] = c
        self.chunks[c].v[self.chunks[c].n] = <int32_t>isi
        self.chunks[c].n += 1
        return 0

    cdef double gradient(self, int64_t k, pnl_eprop *p, int64_t t_prev_update,
                         int64_t target_gid) noexcept nogil:
        """The gradient of the ISIs collected since t_trigger (NEST's
        compute_gradient of the target); releases the ISI list."""
        cdef int64_t i0 = pnl_ep_lower(p, self.t_trig[k]), t0 = self.t_trig[k], span = 0
        cdef int64_t j, nx, m, n_isi, c
        cdef double z, z_bar = 0.0, e_bar = 0.0, grad = 0.0, sum_e = 0.0, eps = 0.0, e
        cdef double kappa = exp(-self.h / self.tau_ro[k * self.tau_stride])
        cdef double alpha = p.alpha, zeta = p.zeta, beta = p.adapt_beta, rho = p.rho
        cdef int kind = p.kind
        cdef const pnl_ep_entry *E
        j = self.head[k]
        while j >= 0:
            for m in range(self.chunks[j].n):
                span += self.chunks[j].v[m]
            j = self.chunks[j].next
        # the entries t0 .. t0 + span - 1 must all be kept: t is unique and
        # ascending, so the first and the last decide
        if span > 0 and (i0 + span > p.n or p.e[i0].t != t0
                         or p.e[i0 + span - 1].t != t0 + span - 1):
            self.failed = 1
            self.err_kind = 1
            self.err_gid = target_gid
            m = i0
            while m < p.n and m < i0 + span and p.e[m].t == t0 + (m - i0):
                m += 1
            self.err_t = t0 + (m - i0)
            self.err_got = p.e[m].t if m < p.n else -1
            return 0.0
        E = p.e + i0
        j = self.head[k]
        while j >= 0:
            for c in range(self.chunks[j].n):
                n_isi = self.chunks[j].v[c]
                z = zeta            # the spike enters at the first step of its ISI
                if kind == PNL_EP_READOUT:
                    for m in range(n_isi):
                        z_bar = alpha * z_bar + z
                        grad += E[m].L * z_bar
                        z = 0.0
                elif kind == PNL_EP_ADAPT:
                    for m in range(n_isi):
                        z_bar = alpha * z_bar + z
                        e = E[m].psi * (z_bar - beta * eps)
                        eps = rho * eps + e
                        e_bar = kappa * e_bar + (1.0 - kappa) * e
                        grad += E[m].L * e_bar
                        sum_e += e
                        z = 0.0
                else:
                    for m in range(n_isi):
                        z_bar = alpha * z_bar + z
                        e = E[m].psi * z_bar
                        e_bar = kappa * e_bar + (1.0 - kappa) * e
                        grad += E[m].L * e_bar
                        sum_e += e
                        z = 0.0
                E += n_isi
            nx = self.chunks[j].next
            self.chunks[j].next = <int32_t>self.isi_free
            self.isi_free = j
            j = nx
        self.head[k] = -1
        self.tail[k] = -1
        if kind != PNL_EP_READOUT:
            grad += pnl_ep_reg_at(p, t_prev_update + p.hist_shift + self.interval) * sum_e
        if self.average:
            grad /= self.window
        return grad

    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        self.deliver_flagged(ctx, gids, lags, NULL, n, origin)

    cdef void deliver_flagged(self, SliceContext *ctx, const int64_t *gids,
                              const int32_t *lags, const uint8_t *flush, int64_t n,
                              int64_t origin) noexcept nogil:
        cdef int64_t s, k, g, t_spike, slot, ring, base, L = ctx.ring_len, W = ctx.row_width
        cdef int64_t nrows = self.n_rows, T = self.interval, S, isi, idx, t_cur, a, b
        cdef bint fl
        cdef pnl_archive *arch = ctx.archive
        cdef pnl_eprop *p
        if arch.eprop == NULL:
            return
        # a spike of multiplicity m comes as m entries, each transmitted on its
        # own (NEST unrolls multiplicity for plastic synapses: the copies after
        # the first find no interval to integrate)
        for s in range(n):
            g = gids[s]
            fl = flush != NULL and flush[s]
            if g < nrows:
                t_spike = origin + lags[s] + 1
                base = (origin + lags[s]) % L
                for k in range(self.rp[g], self.rp[g + 1]):
                    slot = ctx.chan_slot[self.cd[k] >> 2]
                    p = &arch.eprop[slot]
                    S = p.hist_shift
                    if self.prev_flush[k]:
                        if fl:
                            continue
                        self.t_prev[k] = t_spike
                        self.t_trig[k] = t_spike
                    if p.kind != PNL_EP_READOUT and (t_spike - S) % T == 0:
                        continue        # the target's traces were just reset
                    if self.t_trig[k] == 0:
                        self.t_trig[k] = t_spike
                    if self.t_prev[k] > 0:
                        a = t_spike if t_spike < self.t_next_upd[k] + S else self.t_next_upd[k] + S
                        b = self.t_prev[k] if self.t_prev[k] < self.t_next_upd[k] + S \
                            else self.t_next_upd[k] + S
                        isi = a - b
                        if isi > 0 and self.push_isi(k, isi) != 0:
                            return
                    if t_spike > self.t_next_upd[k] + S:
                        idx = (t_spike - S) // T
                        t_cur = idx * T
                        pnl_ep_write_update(arch, p, self.t_prev_upd[k], t_cur, fl,
                                            self.prev_flush[k])
                        if self.head[k] >= 0 and self.t_prev[k] > 0:
                            self.grad[k] += self.gradient(k, p, self.t_prev_upd[k],
                                                          slot * ctx.n_ranks + ctx.rank + 1)
                            if self.failed:
                                return
                        if not fl:
                            self.w[k] = optimized_weight(&self.opt, &self.ost, k, idx,
                                                         self.grad[k], self.w[k])
                            self.grad[k] = 0.0
                        self.t_prev_upd[k] = t_cur
                        self.t_next_upd[k] = t_cur + T
                        self.t_trig[k] = t_spike
                    elif not fl and self.prev_flush[k]:
                        idx = (t_spike - S) // T
                        t_cur = idx * T
                        pnl_ep_write_update(arch, p, self.t_prev_upd[k], t_cur, fl,
                                            self.prev_flush[k])
                        self.w[k] = optimized_weight(&self.opt, &self.ost, k, idx,
                                                     self.grad[k], self.w[k])
                        self.grad[k] = 0.0
                    if not fl:
                        self.t_prev[k] = t_spike
                        ring = base + self.dl[k]
                        if ring >= L:
                            ring -= L
                        add_to_channel(ctx.inbuf + ring * W, self.cd[k], self.w[k], 1.0)
                        if self.wr_on:
                            self.record_weight(k, t_spike, self.w[k])
                    self.prev_flush[k] = fl


class EpropLearningSignalBsshslmTable(EpropLearningSignalTable):
    """eprop_learning_signal_connection_bsshslm_2020 -- the feedback B_jk of
    the original e-prop: a readout's error of step s is added to the learning
    signal of the recurrent neuron's entry s + 1 - 3 (recurrent -> readout ->
    readouts -> recurrent).  Sources: eprop_readout_bsshslm_2020; targets:
    eprop_iaf_bsshslm_2020, eprop_iaf_adapt_bsshslm_2020."""
    family = "bsshslm_2020"


MODELS = {"eprop_iaf_bsshslm_2020": EpropIafBsshslmBlock,
          "eprop_iaf_adapt_bsshslm_2020": EpropIafAdaptBsshslmBlock,
          "eprop_readout_bsshslm_2020": EpropReadoutBsshslmBlock}

SYNAPSE_MODELS = {"eprop_synapse_bsshslm_2020": EpropSynapseBsshslmTable,
                  "eprop_learning_signal_connection_bsshslm_2020":
                      EpropLearningSignalBsshslmTable}
