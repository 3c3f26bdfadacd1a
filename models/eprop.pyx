# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Event-driven e-prop (eligibility propagation) with biological features:
NEST's ``eprop_iaf``, ``eprop_iaf_adapt``, ``eprop_iaf_psc_delta``,
``eprop_iaf_psc_delta_adapt``, ``eprop_readout``, ``eprop_synapse`` (with the
optimizers ``gradient_descent`` and ``adam``) and
``eprop_learning_signal_connection``.

The method is Korcsak-Gorzo et al. (2025), the algorithm NEST ships:
recurrent neurons are updated every step and append to their e-prop archive
(``kernel/eprop_archive.h``) the surrogate gradient psi^t and the firing-rate
term of step t; the readouts' error signals arrive over learning-signal
connections and are added there as the learning signal L^t, two steps back
(the delays recurrent -> readout -> recurrent).  An ``eprop_synapse`` does no
work between spikes: at each presynaptic spike it integrates the archive
from its previous spike up to the cutoff (``eprop_isi_trace_cutoff``):

    z_bar^t  = alpha z_bar^{t-1} + z^{t-1}           (alpha = exp(-h/tau_m), postsynaptic)
    e^t      = psi^t z_bar^t                          (ALIF: psi^t (z_bar^t - beta eps^{t-1}),
                                                       eps^t = rho eps^{t-1} + e^t)
    e_bar^t  = kappa e_bar^{t-1} + e^t
    e_reg^t  = kappa_reg e_reg^{t-1} + (1 - kappa_reg) e^t
    g^t      = L^t e_bar^t + reg^t e_reg^t           (readout target: g^t = E^t z_bar^t)

and hands g to its optimizer, every step (``optimize_each_step``) or once
with the sum; the traces then decay over the rest of the interval to the
spike.  A synapse's first spike only starts its traces.  The spike is then
transmitted with the new weight (delay: exactly one step).

Neurons silent for ``flush_event_send_interval`` send a flush event: their
e-prop synapses integrate up to it (and trim the archive) without a spike.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport exp, fabs, pow, sqrt, INFINITY, isnan, NAN
from libc.stdint cimport int64_t, int32_t, uint8_t, uint32_t

from pynestlite.kernel.nodebase cimport (
    NodeBlock, SliceContext, pnl_register_push, pnl_vregister_push, input_row,
    add_to_channel, PNL_GID_BITS)
from pynestlite.kernel.archive cimport (
    pnl_archive, pnl_eprop, pnl_ep_entry, pnl_ep_append, pnl_ep_lower_guess,
    pnl_ep_learning_signal,
    pnl_ep_add_learning_signal, pnl_ep_release, PNL_EP_RECURRENT, PNL_EP_ADAPT,
    PNL_EP_READOUT)
from pynestlite.kernel.connections cimport SynapseTable
from pynestlite.models.eprop_common cimport (
    surrogate_gradient, OptCommon, OptState, optimized_weight, read_optimizer,
    bind_optimizer_state)
from pynestlite.models.ignore_and_spike cimport spike_is_due
from pynestlite.kernel.nodebase import ignore_and_spike_steps, ignore_and_spike_set
from pynestlite.errors import BadProperty, IllegalConnection, KernelException

cnp.import_array()

#: steps standing for an infinite duration (cutoff, flush interval)
INF_STEPS = 1 << 40

SURROGATE_GRADIENTS = ("piecewise_linear", "exponential", "fast_sigmoid_derivative",
                       "arctan_derivative")


def decay_factor(double h, tau):
    """exp(-h / tau) per element, with the C library's exp (NEST's std::exp;
    numpy's vectorized exp differs from it in the last bit for some tau)."""
    t = np.array(tau, dtype=np.float64)          # a copy: writable, contiguous
    out = np.empty(t.shape)
    cdef double[::1] src = t.reshape(-1), dst = out.reshape(-1)
    cdef Py_ssize_t i
    for i in range(src.shape[0]):
        dst[i] = exp(-h / src[i])
    return out


def _steps(engine, ms):
    """Steps of durations in ms (NEST's Time(ms).get_steps()); inf -> INF_STEPS."""
    ms = np.asarray(ms, np.float64)
    finite = np.isfinite(ms) & (ms < INF_STEPS * engine.resolution)
    out = np.full(ms.shape, INF_STEPS, np.int64)
    if finite.any():
        out[finite] = np.minimum(engine.ms_to_steps(ms[finite]), INF_STEPS)
    return out


def _check_names(dict updates, key, allowed, message):
    """Raise BadProperty(message(v)) for a value v of ``key`` in ``updates``
    (one name or one per node) that is not one of ``allowed``."""
    names = updates.get(key)
    if names is not None:
        for v in np.atleast_1d(np.asarray(names, dtype=object)):
            if v not in allowed:
                raise BadProperty(message(v))


def check_surrogate_gradient(model, dict updates):
    """Raise BadProperty for an unknown ``surrogate_gradient_function``."""
    _check_names(updates, "surrogate_gradient_function", SURROGATE_GRADIENTS,
                 lambda v: f"{model}: surrogate_gradient_function {v!r} unknown; "
                           f"expected one of {list(SURROGATE_GRADIENTS)}")


LOSSES = ("mean_squared_error", "cross_entropy")


def check_loss(model, dict updates):
    """Raise BadProperty for an unknown readout ``loss``."""
    _check_names(updates, "loss", LOSSES,
                 lambda v: f'{model}: loss from ["mean_squared_error", "cross_entropy"] '
                           f"required, got {v!r}")


def uses_cross_entropy(model, losses):
    """True if a block's readouts use the cross-entropy loss; they must all
    use the same loss (their softmax is one computation)."""
    losses = set(losses)
    if len(losses) > 1:
        raise BadProperty(f"{model}: all readouts of one Create need the same loss")
    return losses == {"cross_entropy"}


def history_duration(block, engine, idx):
    """``eprop_history_duration`` of rows ``idx``: ms of e-prop history kept."""
    slots = engine.slot_of(np.asarray(block.gids)[idx])
    return engine.scheduler.eprop_history_lengths(slots).astype(np.float64) * engine.resolution


def history_error(gid, t, got):
    """The error of a synapse that finds its target's archive without step t."""
    return KernelException(f"Expected in neuron with ID {gid} e-prop history entry at t={t}, "
                           "got " + ("end of e-prop history." if got < 0 else f"t={got}."))


def adaptation_changed(block, idx, new):
    """After ``adaptation`` was set: V_th_adapt = V_th + adapt_beta adaptation."""
    if block.adaptive and "adaptation" in new:
        a = block.arrays
        a["V_th_adapt"][idx] = a["V_th"][idx] + a["adapt_beta"][idx] * a["adaptation"][idx]
    ignore_and_spike_set(block, idx, new)


def optimizer_defaults(cls):
    """Model defaults of an e-prop synapse table (its own optimizer dict)."""
    d = SynapseTable.defaults.__func__(cls)
    d["optimizer"] = dict(cls.common["optimizer"])
    return d


def check_eprop_targets(model, post_recs, delays, family, models):
    """E-prop synapses connect to neurons of their family, with delay 1 step."""
    for rec in post_recs:
        if getattr(rec.block, "eprop_family", None) != family:
            raise IllegalConnection(f"{model} can only target {', '.join(sorted(models))}, "
                                    f"not {rec.model}")
    if np.any(np.asarray(delays) != 1):
        raise IllegalConnection(f"{model}: e-prop synapses currently require a delay of one "
                                "simulation step")


def check_weights(model, dict values, common):
    """Weights within the optimizer's [Wmin, Wmax]."""
    if common is None or "weight" not in values:
        return
    opt = common["optimizer"]
    w = np.asarray(values["weight"], np.float64)
    if np.any(w < opt["Wmin"]):
        raise BadProperty(f"{model}: minimal weight Wmin <= weight required "
                          f"(Wmin {opt['Wmin']}, weight {w[w < opt['Wmin']][0]})")
    if np.any(w > opt["Wmax"]):
        raise BadProperty(f"{model}: weight <= maximal weight Wmax required "
                          f"(Wmax {opt['Wmax']}, weight {w[w > opt['Wmax']][0]})")


# ---------------------------------------------------------------------------
# neurons
cdef class EpropArchivingBlock(NodeBlock):
    """Base of the neurons that e-prop synapses target: the archive
    parameter ``eprop_isi_trace_cutoff`` and the e-prop constants of the
    archive (``eprop_constants``)."""
    eprop_target = True
    eprop_family = "eprop"
    #: steps from a readout's error to the recurrent entry it belongs to
    learning_signal_shift = 2

    cdef int64_t[::1] slot
    cdef object engine

    def eprop_constants(self, engine):
        """Per local neuron: the constants e-prop synapses read from the archive."""
        raise NotImplementedError

    computed_recordables = ("eprop_history_duration",)

    def sample(self, str name, idx):
        if name == "eprop_history_duration":
            return history_duration(self, self.engine, idx)
        return NodeBlock.sample(self, name, idx)

    def check(self, dict values):
        NodeBlock.check(self, values)
        c = values.get("eprop_isi_trace_cutoff")
        if c is not None and np.any(np.asarray(c) < 0):
            raise BadProperty(f"{self.model}: eprop_isi_trace_cutoff >= 0 required")


cdef class EpropIafBlock(EpropArchivingBlock):
    """eprop_iaf -- LIF neuron for event-driven e-prop (subtractive reset).

    Equations (step t, v relative to E_L)
    -------------------------------------
        v^t   = P_v v^{t-1} + P_i i^{t-1} + z_in^t,   P_v = exp(-h/tau_m),
                P_i = tau_m/C_m (1 - P_v);  v^t = max(v^t, V_min)
        psi^t = surrogate gradient of v^t at V_th (0 while refractory)
        spike if v^t >= V_th and not refractory: z^t = 1, v^t -= V_th, r = t_ref
        f_av  = kappa_reg f_av + (1 - kappa_reg) z^t / h
        reg^t = c_reg (f_av - f_target h)

    with i the input current of the previous step (plus ``I_e``).  psi^t and
    reg^t go to the e-prop archive (only while e-prop synapses target the
    neuron); ``learning_signal`` shows L of step t - 2.  ``surrogate_gradient_function``
    is one of piecewise_linear (height max(0, 1 - x)), exponential
    (height exp(-x)), fast_sigmoid_derivative (height (1 + x)^-2) and
    arctan_derivative (height / (1 + x^2)), x = |v - V_th| / width.

    Numerics: exact integration on the grid h, NEST's order of operations.

    Parameters (NEST 3.10 names and defaults): ``C_m`` 250 pF, ``c_reg`` 0,
    ``E_L`` -70 mV, ``f_target`` 10 Hz, ``I_e`` 0 pA, ``surrogate_gradient_function``
    piecewise_linear, ``surrogate_gradient_height`` 0.3, ``surrogate_gradient_width``
    1.0, ``t_ref`` 2 ms, ``tau_m`` 10 ms, ``V_min`` -inf, ``V_th`` -55 mV,
    ``kappa`` 0.97, ``kappa_reg`` 0.97, ``eprop_isi_trace_cutoff`` inf ms,
    ``flush_event_send_interval`` inf ms, ``ignore_and_spike`` False
    (``ignore_and_spike_offset`` 1 ms, ``ignore_and_spike_interval`` 100 ms:
    spike at fixed times instead).  ``f_target`` reads back in Hz (NEST
    reports spikes/ms).  Recordables: V_m, surrogate_gradient,
    learning_signal, eprop_history_duration.
    """
    adaptive = False
    full_reset = False
    parameters = {"C_m": 250.0, "c_reg": 0.0, "E_L": -70.0, "f_target": 10.0, "I_e": 0.0,
                  "surrogate_gradient_function": "piecewise_linear",
                  "surrogate_gradient_height": 0.3, "surrogate_gradient_width": 1.0,
                  "t_ref": 2.0, "tau_m": 10.0, "V_min": -INFINITY, "V_th": -55.0,
                  "kappa": 0.97, "kappa_reg": 0.97, "eprop_isi_trace_cutoff": INFINITY,
                  "flush_event_send_interval": INFINITY, "ignore_and_spike": False,
                  "ignore_and_spike_offset": 1.0, "ignore_and_spike_interval": 100.0}
    state = {"V_m": -70.0, "surrogate_gradient": 0.0, "learning_signal": 0.0}
    internal = {"r": 0, "i_in": 0.0, "z": 0.0, "f_av": 0.0, "last_event": 0,
                "until_spike": -1, "refr_spikes": 0.0, "sg_code": 0}
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

    cdef double[::1] V_m, V_th, V_min, V_reset, I_e, i_in, z, f_av, psi, L, c_reg, f_target
    cdef double[::1] height, width, kappa_reg, P_v, P_i, adapt, V_th_adapt, adapt_beta
    cdef double[::1] P_adapt, refr, tau_m
    cdef int64_t[::1] r, ref_counts, last_event, until_spike, flush_steps, spike_steps
    cdef int64_t[::1] gid, sg
    cdef uint8_t[::1] ignore_spike, refr_input
    cdef bint is_adaptive, is_full_reset
    cdef int64_t ls_shift

    def bind(self):
        a = self.arrays
        self.is_adaptive = self.adaptive
        self.is_full_reset = self.full_reset
        self.ls_shift = self.learning_signal_shift
        self.V_m = a["V_m"]; self.V_th = a["V_th"]; self.V_min = a["V_min"]
        self.I_e = a["I_e"]; self.i_in = a["i_in"]; self.z = a["z"]; self.f_av = a["f_av"]
        self.psi = a["surrogate_gradient"]; self.L = a["learning_signal"]
        self.r = a["r"]; self.last_event = a["last_event"]; self.until_spike = a["until_spike"]
        self.ignore_spike = a["ignore_and_spike"]; self.refr = a["refr_spikes"]
        self.gid = self.gids
        if self.full_reset:
            self.V_reset = a["V_reset"]
            self.refr_input = a["refractory_input"]
        if self.adaptive:
            self.adapt = a["adaptation"]
            self.V_th_adapt = a["V_th_adapt"]

    def set(self, dict updates, idx, engine=None):
        check_surrogate_gradient(self.model, updates)
        EpropArchivingBlock.set(self, updates, idx, engine)

    def after_set(self, idx, new):
        adaptation_changed(self, idx, new)

    def check(self, dict values):
        EpropArchivingBlock.check(self, values)
        for name in ("kappa", "kappa_reg"):
            v = values.get(name)
            if v is not None and np.any((np.asarray(v) < 0) | (np.asarray(v) > 1)):
                raise BadProperty(f"{self.model}: 0 <= {name} <= 1 required")
        if "V_th" in values and "V_min" in values and np.any(values["V_th"] < values["V_min"]):
            raise BadProperty(f"{self.model}: V_th >= V_min required")
        if self.full_reset and "V_reset" in values:
            if np.any(values["V_reset"] >= values["V_th"]):
                raise BadProperty(f"{self.model}: V_reset < V_th required")
            if np.any(values["V_reset"] < values["V_min"]):
                raise BadProperty(f"{self.model}: V_reset >= V_min required")
        if self.adaptive:
            if np.any(values.get("adapt_beta", 0.0) < 0):
                raise BadProperty(f"{self.model}: adapt_beta >= 0 required")
            if np.any(values.get("adapt_tau", 1.0) <= 0):
                raise BadProperty(f"{self.model}: adapt_tau > 0 required")

    def pre_run(self, engine):
        cdef double h = engine.resolution
        a = self.arrays
        self.engine = engine
        tau = a["tau_m"]
        P_v = decay_factor(h, tau)
        self.P_v = P_v
        self.P_i = tau / a["C_m"] * (1.0 - P_v)
        self.tau_m = tau
        self.ref_counts = engine.ms_to_steps(a["t_ref"])
        self.flush_steps = _steps(engine, a["flush_event_send_interval"])
        self.spike_steps = ignore_and_spike_steps(self, engine)
        a["sg_code"][:] = [SURROGATE_GRADIENTS.index(f) for f in
                           a["surrogate_gradient_function"]]
        self.sg = a["sg_code"]
        self.height = a["surrogate_gradient_height"]
        self.width = a["surrogate_gradient_width"]
        self.kappa_reg = a["kappa_reg"]
        self.c_reg = a["c_reg"]
        self.f_target = a["f_target"] / 1000.0      # spikes per ms
        if self.adaptive:
            self.P_adapt = decay_factor(h, a["adapt_tau"])
            self.adapt_beta = a["adapt_beta"]
        self.slot = engine.slot_of(self.gids)

    def eprop_constants(self, engine):
        a = self.arrays
        h = engine.resolution
        n = self.n
        return {"kind": np.full(n, PNL_EP_ADAPT if self.adaptive else PNL_EP_RECURRENT),
                "cutoff": _steps(engine, a["eprop_isi_trace_cutoff"]),
                "ls_shift": np.full(n, self.learning_signal_shift),
                "hist_shift": np.full(n, -1),
                "alpha": decay_factor(h, a["tau_m"]), "kappa": a["kappa"],
                "kappa_reg": a["kappa_reg"],
                "adapt_beta": a["adapt_beta"] if self.adaptive else np.zeros(n),
                "rho": decay_factor(h, a["adapt_tau"]) if self.adaptive else np.zeros(n)}

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double z_in, v, v_th, z, f_av
        cdef int64_t t, k, c
        cdef bint spike, adaptive = self.is_adaptive, full_reset = self.is_full_reset
        cdef double h = ctx.h
        cdef pnl_archive *arch = ctx.archive
        cdef bint archived = arch.eprop != NULL
        if n == 0:
            return
        for lag in range(from_lag, to_lag):
            t = ctx.origin + lag
            row = input_row(ctx, lag, self.chan_base)
            for i in range(n):
                c = 2 * i
                z_in = row[c]
                row[c] = 0.0
                v = self.V_m[i]
                if not full_reset:
                    if self.r[i] > 0:
                        self.r[i] -= 1
                    v = self.P_i[i] * self.i_in[i] + z_in + self.P_v[i] * v
                    if v < self.V_min[i]:
                        v = self.V_min[i]
                    if adaptive:
                        self.adapt[i] = self.P_adapt[i] * self.adapt[i] + self.z[i]
                        self.V_th_adapt[i] = self.V_th[i] + self.adapt_beta[i] * self.adapt[i]
                elif self.r[i] == 0:
                    v = self.P_i[i] * (self.i_in[i] + self.I_e[i]) + self.P_v[i] * v + z_in
                    if self.refr_input[i] and self.refr[i] != 0.0:
                        v += self.refr[i]
                        self.refr[i] = 0.0
                    if v < self.V_min[i]:
                        v = self.V_min[i]
                    if adaptive:
                        self.adapt[i] = self.P_adapt[i] * self.adapt[i] + self.z[i]
                        self.V_th_adapt[i] = self.V_th[i] + self.adapt_beta[i] * self.adapt[i]
                else:
                    if self.refr_input[i]:
                        self.refr[i] += z_in * exp(-self.r[i] * h / self.tau_m[i])
                    self.r[i] -= 1
                v_th = self.V_th_adapt[i] if adaptive else self.V_th[i]
                z = 0.0
                self.psi[i] = surrogate_gradient(self.sg[i], self.r[i], v, v_th,
                                                 self.height[i], self.width[i])
                spike = spike_is_due((v >= v_th) if full_reset else
                                     (v >= v_th and self.r[i] == 0), self.ignore_spike[i],
                                     &self.until_spike[i], self.spike_steps[i])
                if spike:
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                    z = 1.0
                    if full_reset:
                        v = self.V_reset[i]
                    else:
                        v -= self.V_th[i]
                    self.r[i] = self.ref_counts[i]
                    self.last_event[i] = t
                elif self.last_event[i] > 0 and t - self.last_event[i] >= self.flush_steps[i]:
                    pnl_register_push(ctx.flush, self.gid[i], <int>lag, 1)
                    self.last_event[i] = t
                self.z[i] = z
                self.V_m[i] = v
                if archived:
                    k = pnl_ep_append(arch, self.slot[i], t)
                    if k >= 0:
                        arch.eprop[self.slot[i]].e[k].psi = self.psi[i]
                        f_av = self.kappa_reg[i] * self.f_av[i] + (1.0 - self.kappa_reg[i]) * z / h
                        self.f_av[i] = f_av
                        arch.eprop[self.slot[i]].e[k].reg = \
                            self.c_reg[i] * (f_av - self.f_target[i] * h)
                    self.L[i] = pnl_ep_learning_signal(&arch.eprop[self.slot[i]],
                                                       t - self.ls_shift)
                if full_reset:
                    self.i_in[i] = row[c + 1]
                else:
                    self.i_in[i] = row[c + 1] + self.I_e[i]
                row[c + 1] = 0.0


cdef class EpropIafAdaptBlock(EpropIafBlock):
    """eprop_iaf_adapt -- eprop_iaf with an adaptive threshold (ALIF).

    Equations: as eprop_iaf, and each step
        a^t = rho a^{t-1} + z^{t-1},  rho = exp(-h/adapt_tau)
        V_th_adapt^t = V_th + adapt_beta a^t
    spikes and psi use V_th_adapt; the reset subtracts V_th.  The synapses'
    eligibility carries the adaptation term (module docstring).  Adds
    ``adapt_beta`` 1.0 and ``adapt_tau`` 10 ms; state ``adaptation`` (0) and
    ``V_th_adapt`` (V_th).  Recordables add adaptation, V_th_adapt.
    """
    adaptive = True
    parameters = dict(EpropIafBlock.parameters, adapt_beta=1.0, adapt_tau=10.0)
    state = dict(EpropIafBlock.state, adaptation=0.0, V_th_adapt=-55.0)
    relative = EpropIafBlock.relative + ("V_th_adapt",)
    recordables = EpropIafBlock.recordables + ("adaptation", "V_th_adapt")


cdef class EpropIafPscDeltaBlock(EpropIafBlock):
    """eprop_iaf_psc_delta -- e-prop neuron with iaf_psc_delta dynamics.

    Equations: while not refractory
        v^t = P_v v^{t-1} + P_i (i^{t-1} + I_e) + z_in^t   (v >= V_min)
    spike if v^t >= V_th: v = V_reset (full reset), refractory for t_ref
    (v clamped; input arriving then is dropped unless ``refractory_input``,
    which adds it decayed by exp(-r h/tau_m) when the period ends).  psi,
    firing-rate term and archive as eprop_iaf.  Adds ``V_reset`` -70 mV and
    ``refractory_input`` False.
    """
    full_reset = True
    parameters = dict(EpropIafBlock.parameters, V_reset=-70.0, refractory_input=False)
    relative = EpropIafBlock.relative + ("V_reset",)
    ordered = (("V_reset", "V_th"),)


cdef class EpropIafPscDeltaAdaptBlock(EpropIafBlock):
    """eprop_iaf_psc_delta_adapt -- eprop_iaf_psc_delta with the adaptive
    threshold of eprop_iaf_adapt (updated only while not refractory)."""
    adaptive = True
    full_reset = True
    parameters = dict(EpropIafPscDeltaBlock.parameters, adapt_beta=1.0, adapt_tau=10.0)
    state = dict(EpropIafBlock.state, adaptation=0.0, V_th_adapt=-55.0)
    relative = EpropIafPscDeltaBlock.relative + ("V_th_adapt",)
    ordered = (("V_reset", "V_th"),)
    recordables = EpropIafBlock.recordables + ("adaptation", "V_th_adapt")


cdef class EpropReadoutBlock(EpropArchivingBlock):
    """eprop_readout -- leaky readout neuron of event-driven e-prop.

    Equations (step t, v relative to E_L)
    -------------------------------------
        v^t = P_v v^{t-1} + P_i i^{t-1} + z_in^t   (v >= V_min)
        E^t = (y^t - y*^t) w^t                      (error_signal)

    with the readout signal y (``readout_signal``) of the ``loss``

        mean_squared_error (NEST's, the default):  y^t = v^t + E_L
        cross_entropy:  y^t = u^{t-1} / (u^{t-1} + sum_other u_k^{t-1}),
                        u^t = exp(v^t + E_L)   (``readout_signal_unnorm``;
                        y^0 = 0: no u has been sent before the first step)

    Cross entropy is a pynestlite extension of this family with the
    semantics of ``eprop_readout_bsshslm_2020``'s: the readouts of one task
    are connected all to all (no autapses) by ``rate_connection_delayed``
    to receptor 3, each sending u, so that with the one-step delay every
    readout normalizes the previous step's u by their sum (the softmax of
    the previous step) and E^t is the per-step cross-entropy gradient
    softmax_k - y*_k.

    y* arrives on rate receptor 2 (target signal) and w (learning window,
    0 or 1) on rate receptor 1, both through ``rate_connection_delayed``
    from ``step_rate_generator`` (the value of a generator's step s is used
    in step s + delay); ``target_signal`` and ``readout_signal`` are shown
    multiplied by w.  E^t goes to the archive (the e-prop synapses onto the
    readout read it) and, each step, over the readout's
    ``eprop_learning_signal_connection`` to the recurrent neurons.

    Parameters: ``C_m`` 250 pF, ``E_L`` 0 mV, ``I_e`` 0 pA, ``loss``
    mean_squared_error, ``tau_m`` 10 ms, ``V_min`` -inf,
    ``eprop_isi_trace_cutoff`` inf ms.  Recordables: V_m, readout_signal,
    readout_signal_unnorm, target_signal, error_signal,
    eprop_history_duration.
    """
    sends_learning_signal = True
    sends_rate = True
    parameters = {"C_m": 250.0, "E_L": 0.0, "I_e": 0.0, "loss": "mean_squared_error",
                  "tau_m": 10.0, "V_min": -INFINITY, "eprop_isi_trace_cutoff": INFINITY}
    state = {"V_m": 0.0, "readout_signal": 0.0, "readout_signal_unnorm": 0.0,
             "target_signal": 0.0, "error_signal": 0.0}
    internal = {"i_in": 0.0}
    relative = ("V_m", "V_min")
    strictly_positive = ("C_m", "tau_m")
    n_channels = 5
    spike_receptors = {0: (0, False, False)}
    current_receptors = {0: 1}
    rate_receptors = {1: 2, 2: 3, 3: 4}
    recordables = ("V_m", "readout_signal", "readout_signal_unnorm", "target_signal",
                   "error_signal", "eprop_history_duration")

    cdef double[::1] V_m, V_min, I_e, E_L, i_in, y, u, ystar, err, P_v, P_i
    cdef int64_t[::1] gid
    cdef bint cross_entropy

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.V_min = a["V_min"]; self.I_e = a["I_e"]; self.E_L = a["E_L"]
        self.i_in = a["i_in"]; self.y = a["readout_signal"]; self.ystar = a["target_signal"]
        self.u = a["readout_signal_unnorm"]; self.err = a["error_signal"]
        self.gid = self.gids

    def set(self, dict updates, idx, engine=None):
        check_loss(self.model, updates)
        NodeBlock.set(self, updates, idx, engine)

    def pre_run(self, engine):
        a = self.arrays
        self.engine = engine
        P_v = decay_factor(engine.resolution, a["tau_m"])
        self.P_v = P_v
        self.P_i = a["tau_m"] / a["C_m"] * (1.0 - P_v)
        self.slot = engine.slot_of(self.gids)
        self.cross_entropy = uses_cross_entropy(self.model, a["loss"])

    def eprop_constants(self, engine):
        a = self.arrays
        n = self.n
        z = np.zeros(n)
        return {"kind": np.full(n, PNL_EP_READOUT),
                "cutoff": _steps(engine, a["eprop_isi_trace_cutoff"]),
                "ls_shift": np.zeros(n, np.int64), "hist_shift": np.full(n, -1),
                "alpha": decay_factor(engine.resolution, a["tau_m"]), "kappa": z,
                "kappa_reg": z, "adapt_beta": z, "rho": z}

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double v, window, norm
        cdef int64_t t, k, c
        cdef bint cross_entropy = self.cross_entropy
        cdef pnl_archive *arch = ctx.archive
        cdef bint archived = arch.eprop != NULL
        for lag in range(from_lag, to_lag):
            t = ctx.origin + lag
            row = input_row(ctx, lag, self.chan_base)
            for i in range(n):
                c = 5 * i
                v = self.P_i[i] * self.i_in[i] + row[c] + self.P_v[i] * self.V_m[i]
                row[c] = 0.0
                if v < self.V_min[i]:
                    v = self.V_min[i]
                self.V_m[i] = v
                window = row[c + 2]
                self.ystar[i] = row[c + 3]
                norm = row[c + 4]
                row[c + 2] = 0.0
                row[c + 3] = 0.0
                row[c + 4] = 0.0
                if cross_entropy:
                    # before the first u has arrived (step 0) the sum is 0
                    self.y[i] = self.u[i] / (norm + self.u[i]) if norm + self.u[i] > 0.0 \
                        else 0.0
                    self.u[i] = exp(v + self.E_L[i])
                    pnl_vregister_push(ctx.values, self.gid[i], <int>lag, 1, self.u[i])
                else:
                    self.y[i] = v + self.E_L[i]
                self.err[i] = self.y[i] - self.ystar[i]
                self.ystar[i] *= window
                self.y[i] *= window
                self.err[i] *= window
                pnl_vregister_push(ctx.values, self.gid[i], <int>lag, 0, self.err[i])
                if archived:
                    k = pnl_ep_append(arch, self.slot[i], t)
                    if k >= 0:
                        arch.eprop[self.slot[i]].e[k].L = self.err[i]
                self.i_in[i] = row[c + 1] + self.I_e[i]
                row[c + 1] = 0.0


# ---------------------------------------------------------------------------
# optimizers
OPTIMIZERS = ("gradient_descent", "adam")
OPTIMIZER_DEFAULTS = {
    "gradient_descent": {"type": "gradient_descent", "batch_size": 1, "eta": 1e-4,
                         "Wmin": -100.0, "Wmax": 100.0, "optimize_each_step": True},
    "adam": {"type": "adam", "batch_size": 1, "eta": 1e-4, "Wmin": -100.0, "Wmax": 100.0,
             "optimize_each_step": True, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
}


def merge_optimizer(old, new, int64_t n_connections, model):
    """The optimizer dict after SetDefaults(model, {"optimizer": new}): a new
    ``type`` starts from that optimizer's defaults (only before synapses
    exist), the other keys are checked and merged; eta changes are counted
    (a synapse's first optimization uses the first eta set, later ones the
    eta current then, as NEST)."""
    if not isinstance(new, dict):
        raise BadProperty(f"{model}: optimizer must be a dict, got {new!r}")
    new = dict(new)
    name = new.pop("type", new.pop("optimizer", old["type"]))
    if name not in OPTIMIZERS:
        raise BadProperty(f'{model}: optimizer from ["gradient_descent", "adam"] required, '
                          f"got {name!r}")
    out = dict(old)
    if name != old["type"]:
        if n_connections > 0:
            raise BadProperty(f"{model}: the optimizer cannot be changed because synapses "
                              "have been created")
        out = dict(OPTIMIZER_DEFAULTS[name], _eta_first=old["_eta_first"],
                   _eta_changes=old["_eta_changes"])
    allowed = set(OPTIMIZER_DEFAULTS[name]) - {"type"}
    for key in new:
        if key not in allowed:
            raise BadProperty(f"{model}: optimizer {name} has no parameter {key!r}; expected "
                              f"one of {sorted(allowed)}")
    if "batch_size" in new and (int(new["batch_size"]) != new["batch_size"]
                                or new["batch_size"] <= 0):
        raise BadProperty(f"{model}: optimization batch_size > 0 required")
    if "eta" in new and new["eta"] < 0:
        raise BadProperty(f"{model}: learning rate eta >= 0 required")
    wmin, wmax = new.get("Wmin", out["Wmin"]), new.get("Wmax", out["Wmax"])
    if wmin > wmax:
        raise BadProperty(f"{model}: minimal weight Wmin <= maximal weight Wmax required")
    for key in ("beta_1", "beta_2"):
        if key in new and not 0.0 <= new[key] < 1.0:
            raise BadProperty(f"{model}: for Adam optimizer, {key} from interval [0,1) "
                              "required")
    if "epsilon" in new and new["epsilon"] < 0:
        raise BadProperty(f"{model}: for Adam optimizer, epsilon >= 0 required")
    if "eta" in new and float(new["eta"]) != out["eta"]:
        if out["_eta_changes"] == 0:
            out["_eta_first"] = float(new["eta"])
        out["_eta_changes"] += 1
    for key, v in new.items():
        out[key] = int(v) if key == "batch_size" else (bool(v) if key == "optimize_each_step"
                                                       else float(v))
    out["type"] = name
    return out


# ---------------------------------------------------------------------------
# synapses
cdef class EpropSynapseTable(SynapseTable):
    """eprop_synapse -- plastic synapse of event-driven e-prop.

    Per synapse: ``weight`` and the state the gradient needs (previous spike,
    the traces z_bar, e_bar, e_bar_reg, eps, the gradient summed so far, the
    steps left to the cutoff and to decay, and the optimizer's state).  At a
    spike (module docstring) it computes the gradient from the target's
    e-prop archive, optimizes the weight and transmits with it.  Targets:
    eprop_iaf, eprop_iaf_adapt, eprop_iaf_psc_delta,
    eprop_iaf_psc_delta_adapt and eprop_readout; delay exactly one step.

    Model-level: ``optimizer`` (dict: ``type`` gradient_descent | adam,
    ``batch_size`` 1, ``eta`` 1e-4, ``Wmin`` -100, ``Wmax`` 100,
    ``optimize_each_step`` True; adam adds ``beta_1`` 0.9, ``beta_2`` 0.999,
    ``epsilon`` 1e-7) and ``weight_recorder``.  The optimizers follow NEST
    (Adam in TensorFlow's form: alpha_t = eta sqrt(1 - beta_2^t)/(1 - beta_1^t),
    w -= alpha_t m / (sqrt(v) + epsilon), one Adam step per skipped
    optimization step; weights clipped to [Wmin, Wmax]).
    """
    columns = {"weight": ("float64", 1.0),
               "t_prev": ("int64", 0), "prev_flush": ("uint8", 0), "z_prev": ("uint8", 0),
               "z_bar": ("float64", 0.0), "e_bar": ("float64", 0.0),
               "e_bar_reg": ("float64", 0.0), "epsilon": ("float64", 0.0),
               "gradient": ("float64", 0.0), "to_cutoff": ("int64", 0),
               "decay_steps": ("int64", 0),
               "opt_sum": ("float64", 0.0), "opt_step": ("int64", 1),
               "opt_eta": ("float64", np.nan), "adam_m": ("float64", 0.0),
               "adam_v": ("float64", 0.0), "adam_b1": ("float64", 1.0),
               "adam_b2": ("float64", 1.0)}
    private = ("t_prev", "prev_flush", "z_prev", "z_bar", "e_bar", "e_bar_reg", "epsilon",
               "gradient", "to_cutoff", "decay_steps", "opt_sum", "opt_step", "opt_eta",
               "adam_m", "adam_v", "adam_b1", "adam_b2")
    common = {"optimizer": dict(OPTIMIZER_DEFAULTS["gradient_descent"], _eta_first=1e-4,
                                _eta_changes=0),
              "weight_recorder": None}
    uses_eprop_archive = True
    supports_flush = True
    #: the per-synapse optimizer state a user may read and set (Adam's moments)
    nested = {"optimizer": {"m": "adam_m", "v": "adam_v"}}

    cdef double[::1] w, z_bar, e_bar, e_reg, eps, grad, o_sum, o_eta, a_m, a_v, a_b1, a_b2
    cdef int64_t[::1] t_prev, to_cut, decay, o_step
    cdef uint8_t[::1] prev_flush, z_prev
    cdef OptCommon opt
    cdef OptState ost
    cdef public int64_t err_gid, err_t, err_got
    cdef public int err_kind

    @classmethod
    def defaults(cls):
        return optimizer_defaults(cls)

    @classmethod
    def merge_common(cls, d, params, n_connections):
        params = dict(params)
        if "optimizer" in params:
            params["optimizer"] = merge_optimizer(d["optimizer"], params["optimizer"],
                                                  n_connections, "eprop_synapse")
        return params

    @classmethod
    def check(cls, dict values, common=None):
        check_weights("eprop_synapse", values, common)

    @classmethod
    def check_connection(cls, engine, pre_recs, post_recs, delays, model):
        check_eprop_targets(model, post_recs, delays, "eprop", MODELS)

    def bind(self):
        SynapseTable.bind(self)
        c = self.cols
        self.w = c["weight"]; self.t_prev = c["t_prev"]; self.prev_flush = c["prev_flush"]
        self.z_prev = c["z_prev"]; self.z_bar = c["z_bar"]; self.e_bar = c["e_bar"]
        self.e_reg = c["e_bar_reg"]; self.eps = c["epsilon"]; self.grad = c["gradient"]
        self.to_cut = c["to_cutoff"]; self.decay = c["decay_steps"]; self.o_sum = c["opt_sum"]
        self.o_step = c["opt_step"]; self.o_eta = c["opt_eta"]; self.a_m = c["adam_m"]
        self.a_v = c["adam_v"]; self.a_b1 = c["adam_b1"]; self.a_b2 = c["adam_b2"]
        bind_optimizer_state(&self.ost, c)

    def pre_run(self, engine, dict params):
        read_optimizer(&self.opt, params["optimizer"])
        self.bind_weight_recorder(engine, params)

    def failure(self):
        return history_error(self.err_gid, self.err_t, self.err_got) if self.err_kind == 1 \
            else None

    cdef int gradient(self, int64_t k, pnl_eprop *p, int64_t t_spike, bint flush,
                      int64_t target_gid) noexcept nogil:
        """NEST's compute_gradient of the target ``p`` for synapse ``k``
        (previous spike t_prev[k], current event at t_spike); -1 if the
        archive lacks an entry (error recorded)."""
        cdef int64_t t_prev = self.t_prev[k], isi = t_spike - t_prev
        cdef int64_t rem = self.to_cut[k] if self.prev_flush[k] else p.cutoff
        cdef int64_t t_begin = t_prev - 1, t_steps, t_end, t, i, rest
        cdef double z, z_cur = 0.0, z_prev = self.z_prev[k], w = self.w[k], g = self.grad[k]
        cdef double z_bar = self.z_bar[k], e_bar = self.e_bar[k], e_reg = self.e_reg[k]
        cdef double eps = self.eps[k], e, inc, psi, acc = 0.0
        cdef int64_t bound = 0
        cdef double alpha = p.alpha, kappa = p.kappa, kappa_reg = p.kappa_reg
        cdef double one_kr = 1.0 - p.kappa_reg, beta_a = p.adapt_beta, rho = p.rho
        cdef bint each = self.opt.each_step
        cdef int kind = p.kind
        cdef pnl_ep_entry *ent
        if not self.prev_flush[k]:
            g = 0.0
            z_cur = 1.0
        i = pnl_ep_lower_guess(p, t_begin)
        t_steps = rem if rem < isi else isi
        t_end = t_begin + t_steps
        # the entries of t_begin .. t_end - 1, one per step (t is strictly
        # increasing, so the first and the last in place mean all are)
        if t_steps > 0 and (i + t_steps > p.n or p.e[i].t != t_begin
                            or p.e[i + t_steps - 1].t != t_end - 1):
            while i < p.n and p.e[i].t == t_begin:
                i += 1
                t_begin += 1
            self.failed = 1
            self.err_kind = 1
            self.err_gid = target_gid
            self.err_t = t_begin
            self.err_got = p.e[i].t if i < p.n else -1
            return -1
        ent = p.e + i
        if each:
            # the optimizer's sum is kept here and handed over only at the
            # step that starts a new optimization step (the same additions in
            # the same order as a call per step)
            acc = self.ost.sum[k]
            bound = self.ost.step[k] * self.opt.batch_size
        for t in range(t_steps):
            z = z_prev
            z_prev = z_cur
            z_cur = 0.0
            z_bar = alpha * z_bar + z
            if kind == PNL_EP_READOUT:
                inc = ent[t].L * z_bar
            else:
                psi = ent[t].psi
                if kind == PNL_EP_ADAPT:
                    e = psi * (z_bar - beta_a * eps)
                    eps = rho * eps + e
                else:
                    e = psi * z_bar
                e_bar = kappa * e_bar + e
                e_reg = kappa_reg * e_reg + one_kr * e
                inc = ent[t].L * e_bar + ent[t].reg * e_reg
            if each:
                g = inc
                if t_begin + t + 1 >= bound:
                    self.ost.sum[k] = acc
                    w = optimized_weight(&self.opt, &self.ost, k, t_begin + t + 1, g, w)
                    acc = self.ost.sum[k]
                    bound = self.ost.step[k] * self.opt.batch_size
                else:
                    acc += inc
            else:
                g += inc
        if each:
            self.ost.sum[k] = acc
        rem -= t_steps
        rest = isi - t_steps
        self.decay[k] += rest
        if not flush and self.decay[k] > 0:
            z_bar *= pow(p.alpha, <double>self.decay[k])
            if kind != PNL_EP_READOUT:
                e_bar *= pow(p.kappa, <double>self.decay[k])
                e_reg *= pow(p.kappa_reg, <double>self.decay[k])
                if kind == PNL_EP_ADAPT:
                    eps *= pow(p.rho, <double>self.decay[k])
            self.decay[k] = 0
        if not flush and not each:
            w = optimized_weight(&self.opt, &self.ost, k, t_end + rest, g, w)
        self.z_prev[k] = <uint8_t>z_prev
        self.z_bar[k] = z_bar
        self.e_bar[k] = e_bar
        self.e_reg[k] = e_reg
        self.eps[k] = eps
        self.grad[k] = g
        self.to_cut[k] = rem
        self.w[k] = w
        return 0

    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        self.deliver_flagged(ctx, gids, lags, NULL, n, origin)

    cdef void deliver_flagged(self, SliceContext *ctx, const int64_t *gids,
                              const int32_t *lags, const uint8_t *flush, int64_t n,
                              int64_t origin) noexcept nogil:
        cdef int64_t s, k, g, t_spike, slot, ring, base, L = ctx.ring_len, W = ctx.row_width
        cdef int64_t nrows = self.n_rows, tgid
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
                    if self.t_prev[k] != 0:
                        tgid = slot * ctx.n_ranks + ctx.rank + 1
                        if self.gradient(k, p, t_spike, fl, tgid) != 0:
                            return
                    pnl_ep_release(arch, p, t_spike, self.t_prev[k])
                    self.t_prev[k] = t_spike
                    self.prev_flush[k] = fl
                    if not fl:
                        ring = base + self.dl[k]
                        if ring >= L:
                            ring -= L
                        add_to_channel(ctx.inbuf + ring * W, self.cd[k], self.w[k], 1.0)
                        if self.wr_on:
                            self.record_weight(k, t_spike, self.w[k])


cdef class EpropLearningSignalTable(SynapseTable):
    """eprop_learning_signal_connection -- feedback of a readout's error
    signal E_k to a recurrent neuron j with weight B_jk.

    Each step the readout sends E_k^s; the neuron adds B_jk E_k^s to the
    learning signal of its archive entry of step s + 1 - 2 (the entry whose
    spikes caused the error: one step to the readout, one back), before the
    spikes of that slice are delivered.  Sources: eprop_readout; targets:
    eprop_iaf and its variants.  ``weight`` 1.0, ``delay`` one step.
    """
    columns = {"weight": ("float64", 1.0)}
    channel_kind = "learning_signal"
    secondary = True
    #: the e-prop family of its sources and targets
    family = "eprop"
    cdef double[::1] w

    @classmethod
    def check_connection(cls, engine, pre_recs, post_recs, delays, model):
        family = cls.family
        for rec in pre_recs:
            if not getattr(rec.block, "sends_learning_signal", False):
                raise IllegalConnection(f"{model}: the source must be an eprop readout, not "
                                        f"{rec.model}")
        for rec in list(pre_recs) + list(post_recs):
            if getattr(rec.block, "eprop_family", None) != family:
                raise IllegalConnection(f"{model} does not connect {rec.model}")

    def bind(self):
        SynapseTable.bind(self)
        self.w = self.cols["weight"]

    cdef void deliver_values(self, SliceContext *ctx, const int64_t *keys,
                             const double *vals, int64_t n, int64_t origin) noexcept nogil:
        cdef int64_t s, k, g, stamp, nrows = self.n_rows
        cdef pnl_eprop *p
        if ctx.archive.eprop == NULL:
            return
        for s in range(n):
            if keys[s] >> 56 != 0:         # not an error signal
                continue
            g = keys[s] & ((<int64_t>1 << PNL_GID_BITS) - 1)
            if g >= nrows:
                continue
            stamp = origin + ((keys[s] >> PNL_GID_BITS) & 0xFFFF) + 1
            for k in range(self.rp[g], self.rp[g + 1]):
                p = &ctx.archive.eprop[ctx.chan_slot[self.cd[k] >> 2]]
                pnl_ep_add_learning_signal(p, stamp - p.ls_shift, self.w[k] * vals[s])


cdef class RateConnectionDelayedTable(SynapseTable):
    """rate_connection_delayed -- a rate signal to a rate receptor.

    ``step_rate_generator`` -> ``eprop_readout`` (receptor 1: learning
    window, 2: target signal), between ``eprop_readout`` neurons with the
    cross-entropy loss (receptor 3) and between ``eprop_readout_bsshslm_2020``
    neurons (receptor 1), the unnormalized readout of the softmax: the
    source's value of step s, times ``weight``, is the receptor's input in
    step s + delay.  Rate neurons are not part of pynestlite, so the sources
    are rate generators and the readouts that send rates.
    """
    columns = {"weight": ("float64", 1.0)}
    channel_kind = "rate"
    secondary = True
    cdef double[::1] w

    @classmethod
    def check_connection(cls, engine, pre_recs, post_recs, delays, model):
        for rec in pre_recs:
            if getattr(rec.block, "output", None) != "rate" and \
                    not getattr(rec.block, "sends_rate", False):
                raise IllegalConnection(f"{model} connects rate generators "
                                        f"(step_rate_generator) and readouts that send rates, "
                                        f"not {rec.model}")

    def bind(self):
        SynapseTable.bind(self)
        self.w = self.cols["weight"]

    cdef void deliver_values(self, SliceContext *ctx, const int64_t *keys,
                             const double *vals, int64_t n, int64_t origin) noexcept nogil:
        cdef int64_t s, k, g, base, slot, nrows = self.n_rows, L = ctx.ring_len
        for s in range(n):
            if keys[s] >> 56 != 1:         # not a rate
                continue
            g = keys[s] & ((<int64_t>1 << PNL_GID_BITS) - 1)
            if g >= nrows:
                continue
            base = (origin + ((keys[s] >> PNL_GID_BITS) & 0xFFFF)) % L
            for k in range(self.rp[g], self.rp[g + 1]):
                slot = base + self.dl[k]
                if slot >= L:
                    slot -= L
                add_to_channel(ctx.inbuf + slot * ctx.row_width, self.cd[k], self.w[k], vals[s])


MODELS = {"eprop_iaf": EpropIafBlock, "eprop_iaf_adapt": EpropIafAdaptBlock,
          "eprop_iaf_psc_delta": EpropIafPscDeltaBlock,
          "eprop_iaf_psc_delta_adapt": EpropIafPscDeltaAdaptBlock,
          "eprop_readout": EpropReadoutBlock}

SYNAPSE_MODELS = {"eprop_synapse": EpropSynapseTable,
                  "eprop_learning_signal_connection": EpropLearningSignalTable,
                  "rate_connection_delayed": RateConnectionDelayedTable}
