# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Dendritic prediction learning of Urbanczik & Senn (2014): the
two-compartment point-process neuron ``pp_cond_exp_mc_urbanczik`` and the
``urbanczik_synapse`` that learns from its dendritic prediction error.

pp_cond_exp_mc_urbanczik
------------------------
Soma (s) with conductance synapses and a dendrite (p, NEST's recordable
suffix; the sub-dictionary is ``dendritic``) with current synapses:

    C_m.s dV_s/dt = -g_L.s (V_s - E_L.s) - g_ex.s (V_s - E_ex.s)
                    - g_in.s (V_s - E_in.s) + g_sp (V_p - V_s) + I_stim.s + I_e.s
    C_m.p dV_p/dt = -g_L.p (V_p - E_L.p) + I_ex.p + I_in.p + g_ps (V_s - V_p)
    dg_Y.s/dt = -g_Y.s / tau_syn_Y.s,   dI_Y.p/dt = -I_Y.p / tau_syn_Y.p

A spike of weight w on ``soma_exc`` (``soma_inh``) adds w to g_ex.s (g_in.s);
on ``dendritic_exc`` it adds w to I_ex.p, on ``dendritic_inh`` it subtracts
w from I_in.p.  Currents and I_e of the dendrite do not enter its equation
(as in NEST).  The soma fires with the rate

    phi(V_s) = phi_max / (1 + rate_slope exp(beta (theta - V_s)))   (1/ms)

outside the dead time t_ref: with t_ref > 0 one spike with probability
1 - exp(-1000 phi h 1e-3); with t_ref = 0 a Poisson number of mean
1000 phi h 1e-3 (the spike's multiplicity).

Every step (once urbanczik synapses target the neuron) the neuron appends
to its history (``kernel/urbanczik_history.h``) the increment of the
prediction error

    dPI = (n_spikes - phi(V*) h) h'(V*),   V* = (E_L.s g_L.s + V_p g_sp) / (g_sp + g_L.s)
    h'(u) = 15 beta / (1 + exp(-beta (theta - u)) / rate_slope)

at the end of the step (V_p after the step's spikes arrived).

Numerics: GSL's adaptive RKF45 (``control_y_new(1e-3, 0)``, ``kernel/rkf45.h``,
bit for bit) on NEST's state vector (per compartment V_m, g_ex, g_in, I_ex,
I_in); per step integrate, add the step's spikes, the escape draw (or count
the dead time down), the history entry, then store the step's currents.
The draw for node g at step t is the first uniform number of the stream
keyed by (rng_seed, PURPOSE_NEURON, g) at counter t, so spikes do not
depend on ranks or threads (NEST draws from its thread generator: same
statistics, another realisation).

Parameters (NEST's defaults): ``t_ref`` 3 ms, ``phi_max`` 0.15, ``rate_slope``
0.5, ``beta`` 1/3, ``theta`` -55 mV, ``g_sp`` 600 nS, ``g_ps`` 0 nS; in the
sub-dictionaries ``soma`` / ``dendritic``: ``g_L`` 30 / 30 nS, ``C_m`` 300 /
300 pF, ``E_ex`` 0 / 0 mV, ``E_in`` -75 / 0 mV, ``E_L`` -70 / -70 mV,
``tau_syn_ex`` 3 / 3 ms, ``tau_syn_in`` 3 / 3 ms, ``I_e`` 0 / 0 pA and the
state ``V_m`` -70 / -70 mV.  Receptor types: ``soma_exc`` 1, ``soma_inh`` 2,
``dendritic_exc`` 3, ``dendritic_inh`` 4, ``soma_curr`` 5,
``dendritic_curr`` 6.  Recordables ``V_m.s``, ``g_ex.s``, ``g_in.s``,
``V_m.p``, ``I_ex.p``, ``I_in.p``.

urbanczik_synapse
-----------------
For a presynaptic spike at t (delay d, all dendritic) the synapse reads the
target's history entries t_j in (t_last - d, t - d] (t_last: its previous
spike, -1 ms before the first) and with tau_L = C_m.p / g_L.p, tau_s the
dendrite's tau_syn_ex (tau_syn_in for a negative weight):

    PI_j  = (T_L exp((t_last - t_j - d)/tau_L) - T_s exp((t_last - t_j - d)/tau_s)) dPI_j
    PI   += sum_j PI_j
    PIexp = exp((t_last - t)/tau_Delta) PIexp + sum_j exp((t_j + d - t)/tau_Delta) PI_j
    w     = init_weight + (PI - PIexp) 15 C_m.p tau_s eta / (g_L.p (tau_L - tau_s))

clipped to [Wmin, Wmax]; the spike carries the new w.  Then the traces of
the presynaptic train decay and jump: T_L <- T_L exp((t_last - t)/tau_L) + 1,
T_s <- T_s exp((t_last - t)/tau_s) + 1.  ``init_weight`` is the weight at the
synapse's last SetStatus (at Connect: the Connect weight when other synapse
parameters are given with it, else the model's default weight, as NEST).
Parameters: ``weight`` 1, ``tau_Delta`` 100 ms, ``eta`` 0.07, ``Wmin`` 0,
``Wmax`` 100; ``weight_recorder`` (model-level).  Targets must be
pp_cond_exp_mc_urbanczik neurons.

References: Urbanczik R, Senn W (2014) Learning by the dendritic prediction
of somatic spiking. Neuron 81:521-528.
See also: iaf_cond_alpha_mc, stdp_synapse.
"""
import numpy as np
cimport numpy as cnp
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.math cimport exp
from libc.stdint cimport int64_t, int32_t, uint64_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row
from pynestlite.kernel.nodebase cimport add_to_channel
from pynestlite.kernel.connections cimport SynapseTable
from pynestlite.kernel.rkf45 cimport rkf45_advance, rkf45_work
from pynestlite.kernel.random_streams cimport (
    pnl_stream, pnl_make_key, pnl_stream_init, pnl_uniform, pnl_poisson, PURPOSE_NEURON)
from pynestlite.models.compartments cimport CompartmentBlock
from pynestlite.models.compartments import compartment_columns, flat_name
from pynestlite.models.propagators cimport pnl_expm1
from pynestlite.errors import BadProperty, IllegalConnection, KernelMemoryError

cnp.import_array()

cdef extern from "urbanczik_history.h" nogil:
    ctypedef struct pnl_urb_entry:
        double t
        double dw
        int64_t count
    ctypedef struct pnl_urb_history:
        pnl_urb_entry *e
        int64_t first, n, cap
        int64_t n_incoming
        double C_m, g_L, tau_syn_ex, tau_syn_in
        int failed
    void pnl_urb_free(pnl_urb_history *h)
    void pnl_urb_append(pnl_urb_history *h, double t, double dw)
    void pnl_urb_range(pnl_urb_history *h, double t1, double t2, int64_t *k0, int64_t *k1)


cdef enum:
    NSTATE = 10         # per compartment V_m, g_ex, g_in, I_ex, I_in
    NCOLS = 28          # columns read through pointers (COLUMNS)
    ERROR_HISTORY_GROWTH = -2101   # a node's error history could not grow


COMPARTMENTS = (("soma", "s"), ("dendritic", "p"))
COMPARTMENT_PARAMETERS = {
    "g_L": (30.0, 30.0), "C_m": (300.0, 300.0), "E_ex": (0.0, 0.0), "E_in": (-75.0, 0.0),
    "E_L": (-70.0, -70.0), "tau_syn_ex": (3.0, 3.0), "tau_syn_in": (3.0, 3.0),
    "I_e": (0.0, 0.0)}
RECEPTOR_TYPES = {"soma_exc": 1, "soma_inh": 2, "dendritic_exc": 3, "dendritic_inh": 4,
                  "soma_curr": 5, "dendritic_curr": 6}
_COMP_PARAMETERS, _COMP_STATE, _FLAT = compartment_columns(
    COMPARTMENTS, COMPARTMENT_PARAMETERS, (-70.0, -70.0))
PP_PARAMETERS = dict({"t_ref": 3.0, "phi_max": 0.15, "rate_slope": 0.5, "beta": 1.0 / 3.0,
                      "theta": -55.0, "g_sp": 600.0, "g_ps": 0.0}, **_COMP_PARAMETERS)
_STATE_NAMES = ("V_m", "g_ex", "g_in", "I_ex", "I_in")
PP_INTERNAL = dict({"r": 0, "h_int": 0.0},
                   **{flat_name(k, c): 0.0 for k in _STATE_NAMES[1:] + ("I_stim",)
                      for _, c in COMPARTMENTS})
# the state vector in NEST's order, then the per-compartment parameters
COLUMNS = tuple(flat_name(k, c) for _, c in COMPARTMENTS for k in _STATE_NAMES) + tuple(
    flat_name(k, c) for k in ("g_L", "C_m", "E_ex", "E_in", "E_L", "tau_syn_ex", "I_e",
                              "tau_syn_in", "I_stim") for _, c in COMPARTMENTS)


ctypedef struct PpParams:
    double g_sp, g_ps
    double g_L[2]
    double C_m[2]
    double E_ex[2]
    double E_in[2]
    double E_L[2]
    double tau_ex[2]
    double tau_in[2]
    double I_e[2]
    double I_stim[2]


cdef int pp_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_s, g_ex.s, g_in.s, I_ex.s, I_in.s, V_p, g_ex.p, g_in.p, I_ex.p, I_in.p)
    cdef PpParams *q = <PpParams *>p
    cdef double V = y[0]
    cdef double I_L = q.g_L[0] * (V - q.E_L[0])
    cdef double I_syn_exc = y[1] * (V - q.E_ex[0])
    cdef double I_syn_inh = y[2] * (V - q.E_in[0])
    cdef double I_conn_d_s = 0.0
    cdef double V_dnd = y[5]
    cdef double I_conn_s_d, I_syn_ex, I_syn_in
    I_conn_d_s += q.g_sp * (V_dnd - V)
    I_conn_s_d = q.g_ps * (V - V_dnd)
    I_syn_ex = y[8]
    I_syn_in = y[9]
    f[5] = (-q.g_L[1] * (V_dnd - q.E_L[1]) + I_syn_ex + I_syn_in + I_conn_s_d) / q.C_m[1]
    f[8] = -I_syn_ex / q.tau_ex[1]
    f[9] = -I_syn_in / q.tau_in[1]
    f[7] = 0.0
    f[6] = 0.0
    f[0] = (-I_L - I_syn_exc - I_syn_inh + I_conn_d_s + q.I_stim[0] + q.I_e[0]) / q.C_m[0]
    f[1] = -y[1] / q.tau_ex[0]
    f[2] = -y[2] / q.tau_in[0]
    f[3] = 0.0
    f[4] = 0.0
    return 0


cdef inline double rate_phi(double u, double phi_max, double rate_slope, double beta,
                            double theta) noexcept nogil:
    return phi_max / (1.0 + rate_slope * exp(beta * (theta - u)))


cdef inline double rate_h(double u, double rate_slope, double beta, double theta) noexcept nogil:
    return 15.0 * beta / (1.0 + (1.0 / rate_slope) * exp(-beta * (theta - u)))


cdef class PpCondExpMcUrbanczik(CompartmentBlock):
    """Two-compartment point-process neuron (NEST's pp_cond_exp_mc_urbanczik,
    module docstring), the owner of its nodes' prediction-error histories."""
    nest_name = "pp_cond_exp_mc_urbanczik"
    compartments = COMPARTMENTS
    compartment_parameters = COMPARTMENT_PARAMETERS
    receptor_types = RECEPTOR_TYPES
    parameters = PP_PARAMETERS
    state = _COMP_STATE
    internal = PP_INTERNAL
    non_negative = ("t_ref",)
    n_channels = 6          # spikes s_ex, s_in, p_ex, p_in; currents s, p
    spike_receptors = {1: (0, False, False), 2: (1, False, False), 3: (2, False, False),
                       4: (3, False, False)}
    current_receptors = {5: 4, 6: 5}
    recordables = ("V_m.s", "g_ex.s", "g_in.s", "V_m.p", "I_ex.p", "I_in.p")
    write_only = _FLAT
    supports_urbanczik_archiving = True
    # the error histories live outside the parameter arrays: save_state refuses
    checkpointable = False

    cdef double[::1] t_ref, phi_max, rate_slope, beta, theta, g_sp, g_ps, h_int
    cdef int64_t[::1] r, ref_counts, gid
    cdef double *col[NCOLS]
    cdef pnl_urb_history *hist
    cdef Py_ssize_t n_hist
    cdef int64_t tics_per_step
    cdef double ms_per_tic

    def __init__(self, str model, gids, first_gid, last_gid, dict defaults):
        self.hist = NULL
        CompartmentBlock.__init__(self, model, gids, first_gid, last_gid, defaults)
        self.n_hist = self.n
        if self.n:
            self.hist = <pnl_urb_history *>PyMem_Malloc(self.n * sizeof(pnl_urb_history))
            if self.hist == NULL:
                raise KernelMemoryError(f"{model}: the error histories could not be allocated")
            for i in range(self.n):
                self.hist[i].e = NULL
                self.hist[i].first = 0
                self.hist[i].n = 0
                self.hist[i].cap = 0
                self.hist[i].n_incoming = 0
                self.hist[i].failed = 0

    def __dealloc__(self):
        cdef Py_ssize_t i
        if self.hist != NULL:
            for i in range(self.n_hist):
                pnl_urb_free(&self.hist[i])
            PyMem_Free(self.hist)

    def check(self, dict values):
        CompartmentBlock.check(self, values)
        v = values.get("rate_slope")
        if v is not None and np.any(np.asarray(v) < 0):
            raise BadProperty(f"{self.model}: Rate slope cannot be negative.")
        v = values.get("phi_max")
        if v is not None and np.any(np.asarray(v) < 0):
            raise BadProperty(f"{self.model}: Maximum rate cannot be negative.")

    def bind(self):
        cdef double[::1] v
        cdef int j
        a = self.arrays
        self.t_ref = a["t_ref"]; self.phi_max = a["phi_max"]; self.rate_slope = a["rate_slope"]
        self.beta = a["beta"]; self.theta = a["theta"]; self.g_sp = a["g_sp"]
        self.g_ps = a["g_ps"]; self.h_int = a["h_int"]; self.r = a["r"]
        self.gid = self.gids
        for j in range(NCOLS):
            self.col[j] = NULL
        if self.n == 0:
            return
        for j, name in enumerate(COLUMNS):
            v = a[name]
            self.col[j] = &v[0]

    def pre_run(self, engine):
        cdef Py_ssize_t i
        a = self.arrays
        self.ref_counts = engine.ms_to_steps(a["t_ref"])
        self.tics_per_step = engine.tics_per_step
        self.ms_per_tic = engine.ms_per_tic
        unset = a["h_int"] <= 0.0
        a["h_int"][unset] = engine.resolution
        for i in range(self.n):
            # (urbanczik tables count their synapses in after this)
            self.hist[i].n_incoming = 0
            self.hist[i].C_m = a["C_m.p"][i]
            self.hist[i].g_L = a["g_L.p"][i]
            self.hist[i].tau_syn_ex = a["tau_syn_ex.p"][i]
            self.hist[i].tau_syn_in = a["tau_syn_in.p"][i]

    def histories_of(self, rows, UrbanczikSynapseTable table, slots):
        """Hand the histories of ``rows`` to ``table`` for the target
        ``slots`` (its pre_run)."""
        cdef Py_ssize_t j
        cdef int64_t[::1] r = np.ascontiguousarray(rows, np.int64)
        cdef int64_t[::1] s = np.ascontiguousarray(slots, np.int64)
        for j in range(r.shape[0]):
            table.hist_of_slot[s[j]] = &self.hist[r[j]]

    def history(self, Py_ssize_t row):
        """(times, dPI) of the live history entries of local node ``row``."""
        h = &self.hist[row]
        t = np.array([h.e[k].t for k in range(h.first, h.n)], np.float64)
        d = np.array([h.e[k].dw for k in range(h.first, h.n)], np.float64)
        return t, d

    def error(self):
        cdef Py_ssize_t i
        for i in range(self.n):
            if self.hist[i].failed:
                return KernelMemoryError(f"{self.model}: an error history could not grow")
        return NodeBlock.error(self)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double y[NSTATE]
        cdef int64_t c, n_spikes, step
        cdef int st, j, k
        cdef double rate, V_star, g_D, g_L, E_L, ph
        cdef rkf45_work work
        cdef PpParams q
        cdef pnl_stream s
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            step = ctx.origin + lag
            for i in range(n):
                c = i * 6
                q.g_sp = self.g_sp[i]; q.g_ps = self.g_ps[i]
                for k in range(2):
                    q.g_L[k] = self.col[10 + k][i]
                    q.C_m[k] = self.col[12 + k][i]
                    q.E_ex[k] = self.col[14 + k][i]
                    q.E_in[k] = self.col[16 + k][i]
                    q.E_L[k] = self.col[18 + k][i]
                    q.tau_ex[k] = self.col[20 + k][i]
                    q.I_e[k] = self.col[22 + k][i]
                    q.tau_in[k] = self.col[24 + k][i]
                    q.I_stim[k] = self.col[26 + k][i]
                for j in range(NSTATE):
                    y[j] = self.col[j][i]
                st = rkf45_advance(&work, 1e-3, 0.0, pp_rhs, &q, NSTATE, ctx.h,
                                   &self.h_int[i], y, NULL)
                if st != 0:
                    self.error_code = st
                y[1] += row[c]
                y[2] += row[c + 1]
                y[8] += row[c + 2]
                y[9] -= row[c + 3]
                n_spikes = 0
                if self.r[i] == 0:
                    rate = 1000.0 * rate_phi(y[0], self.phi_max[i], self.rate_slope[i],
                                             self.beta[i], self.theta[i])
                    if rate > 0.0:
                        pnl_stream_init(&s, pnl_make_key(ctx.seed, PURPOSE_NEURON,
                                                         <uint64_t>self.gid[i]),
                                        <uint64_t>step, 0)
                        if self.t_ref[i] > 0.0:
                            if pnl_uniform(&s) <= -pnl_expm1(-rate * ctx.h * 1e-3):
                                n_spikes = 1
                        else:
                            n_spikes = pnl_poisson(&s, rate * ctx.h * 1e-3)
                        if n_spikes > 0:
                            self.r[i] = self.ref_counts[i]
                            pnl_register_push(ctx.reg, self.gid[i], <int>lag, n_spikes)
                else:
                    self.r[i] -= 1
                if self.hist[i].n_incoming:
                    g_D = q.g_sp; g_L = q.g_L[0]; E_L = q.E_L[0]
                    V_star = (E_L * g_L + y[5] * g_D) / (g_D + g_L)
                    ph = rate_phi(V_star, self.phi_max[i], self.rate_slope[i], self.beta[i],
                                  self.theta[i])
                    pnl_urb_append(
                        &self.hist[i], self.ms_per_tic * <double>((step + 1) * self.tics_per_step),
                        (<double>n_spikes - ph * ctx.h)
                        * rate_h(V_star, self.rate_slope[i], self.beta[i], self.theta[i]))
                    if self.hist[i].failed:
                        self.error_code = ERROR_HISTORY_GROWTH   # (error() names it)
                for j in range(NSTATE):
                    self.col[j][i] = y[j]
                self.col[26][i] = row[c + 4]
                self.col[27][i] = row[c + 5]
                for j in range(6):
                    row[c + j] = 0.0


MODELS = {"pp_cond_exp_mc_urbanczik": PpCondExpMcUrbanczik}


def _check_signs(values):
    """NEST's sign checks of an urbanczik synapse: weight and Wmax agree in
    sign (its messages)."""
    w = values.get("weight")
    wmax = values.get("Wmax")
    if w is None or wmax is None:
        return
    w = np.asarray(w, np.float64)
    wmax = np.asarray(wmax, np.float64)
    if np.any(np.signbit(w) != np.signbit(wmax)):
        raise BadProperty("Weight and Wmin must have same sign.")
    if np.any(((w >= 0).astype(int) - (w < 0)) != ((wmax > 0).astype(int) - (wmax <= 0))):
        raise BadProperty("Weight and Wmax must have same sign.")


cdef class UrbanczikSynapseTable(SynapseTable):
    """``urbanczik_synapse`` (module docstring): the rule's state per
    synapse; the target's history is reached through a per-slot pointer
    table built at Prepare."""
    columns = {"weight": ("float64", 1.0), "tau_Delta": ("float64", 100.0),
               "eta": ("float64", 0.07), "Wmin": ("float64", 0.0), "Wmax": ("float64", 100.0),
               "init_weight": ("float64", 1.0), "PI_integral": ("float64", 0.0),
               "PI_exp_integral": ("float64", 0.0), "tau_L_trace": ("float64", 0.0),
               "tau_s_trace": ("float64", 0.0), "t_last": ("float64", -1.0)}
    private = ("init_weight", "PI_integral", "PI_exp_integral", "tau_L_trace",
               "tau_s_trace", "t_last")
    compact = ("tau_Delta", "eta", "Wmin", "Wmax")
    checked_together = ("weight", "Wmax")
    common = {"weight_recorder": None}
    cdef double[::1] w, tau_Delta, eta, Wmin, Wmax, w0, PI, PIexp, trL, trs, t_last
    cdef Py_ssize_t s_tau_Delta, s_eta, s_Wmin, s_Wmax
    cdef pnl_urb_history **hist_of_slot
    cdef int64_t n_slots
    cdef int64_t tics_per_step
    cdef double ms_per_tic, ms_per_step

    def __init__(self, synapse_model):
        self.hist_of_slot = NULL
        self.n_slots = 0
        SynapseTable.__init__(self, synapse_model)

    def __dealloc__(self):
        PyMem_Free(self.hist_of_slot)

    def bind(self):
        SynapseTable.bind(self)
        c = self.cols
        self.w = c["weight"]; self.tau_Delta = c["tau_Delta"]; self.eta = c["eta"]
        self.Wmin = c["Wmin"]; self.Wmax = c["Wmax"]; self.w0 = c["init_weight"]
        self.PI = c["PI_integral"]; self.PIexp = c["PI_exp_integral"]
        self.trL = c["tau_L_trace"]; self.trs = c["tau_s_trace"]; self.t_last = c["t_last"]
        self.s_tau_Delta = self.stride("tau_Delta"); self.s_eta = self.stride("eta")
        self.s_Wmin = self.stride("Wmin"); self.s_Wmax = self.stride("Wmax")

    @classmethod
    def check(cls, dict values, common=None):
        _check_signs(values)

    @classmethod
    def check_connection(cls, engine, pre_recs, post_recs, delays, model):
        """Only neurons with an urbanczik history can be targets (NEST's
        "requires urbanczik archiving")."""
        for rec in post_recs:
            if not getattr(type(rec.block), "supports_urbanczik_archiving", False):
                raise IllegalConnection(
                    f"{model}: the target {rec.model} does not support urbanczik archiving "
                    "(its targets must be pp_cond_exp_mc_urbanczik neurons)")

    @classmethod
    def connect_columns(cls, dict values, given, dict defaults):
        """The initial weight of new synapses: the Connect weight when other
        synapse parameters come with it (NEST's SetStatus of the new synapse),
        else the model's default weight."""
        if given - {"weight", "delay", "synapse_model", "receptor_type"}:
            values["init_weight"] = values["weight"]
        else:
            values["init_weight"] = float(defaults.get("weight", 1.0))
        return values

    def set(self, str name, idx, values):
        """As SynapseTable.set; every SetStatus also makes the (new) weight
        the synapse's initial weight, as NEST."""
        SynapseTable.set(self, name, idx, values)
        SynapseTable.set(self, "init_weight", idx, self.get("weight", idx))

    def pre_run(self, engine, dict params):
        cdef int64_t i
        self.bind_weight_recorder(engine, params)
        self.tics_per_step = engine.tics_per_step
        self.ms_per_tic = engine.ms_per_tic
        # a delay in ms as NEST's (steps times the resolution in ms)
        self.ms_per_step = float(engine.tics_per_step) / float(engine.tics_per_ms)
        cs = engine.channel_slots()
        n_slots = (engine.next_gid - 1 + engine.size - 1) // engine.size + 1
        PyMem_Free(self.hist_of_slot)
        self.hist_of_slot = <pnl_urb_history **>PyMem_Malloc(
            max(n_slots, 1) * sizeof(pnl_urb_history *))
        if self.hist_of_slot == NULL:
            raise KernelMemoryError("urbanczik_synapse: the target table could not be allocated")
        self.n_slots = n_slots
        for i in range(n_slots):
            self.hist_of_slot[i] = NULL
        for blk in engine.neuron_blocks():
            if isinstance(blk, PpCondExpMcUrbanczik) and blk.n:
                blk.histories_of(np.arange(blk.n), self, engine.slot_of(blk.gids))
        if self.n_synapses():
            slots = cs[(np.asarray(self.cols["code"]) >> 2).astype(np.int64)]
            counts = np.bincount(slots, minlength=n_slots)
            for i in np.flatnonzero(counts):
                if self.hist_of_slot[i] != NULL:
                    self.hist_of_slot[i].n_incoming += counts[i]

    cdef inline double ms(self, int64_t stamp) noexcept nogil:
        return self.ms_per_tic * <double>(stamp * self.tics_per_step)

    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        cdef int64_t s, k, g, base, slot, t_spike, L = ctx.ring_len, W = ctx.row_width
        cdef int64_t k0, k1, j
        cdef double t_ms, d_ms, t_last, tau_L, tau_s, tau_Delta, PI, dPIexp, t_up, wk, C_m
        cdef double g_L, minus_delta_t_up, minus_t_down
        cdef pnl_urb_history *h
        cdef bint repeat
        for s in range(n):
            g = gids[s]
            if g >= self.n_rows:
                continue
            base = (origin + lags[s]) % L
            t_spike = origin + lags[s] + 1
            t_ms = self.ms(t_spike)
            # a spike of multiplicity m comes m times: NEST updates the
            # synapse once and transmits m times the weight
            repeat = s > 0 and gids[s - 1] == g and lags[s - 1] == lags[s]
            for k in range(self.rp[g], self.rp[g + 1]):
                h = self.hist_of_slot[ctx.chan_slot[self.cd[k] >> 2]]
                slot = base + self.dl[k]
                if slot >= L:
                    slot -= L
                if repeat or h == NULL:
                    add_to_channel(ctx.inbuf + slot * W, self.cd[k], self.w[k], 1.0)
                    continue
                d_ms = <double>self.dl[k] * self.ms_per_step
                t_last = self.t_last[k]
                pnl_urb_range(h, t_last - d_ms, t_ms - d_ms, &k0, &k1)
                g_L = h.g_L
                C_m = h.C_m
                tau_L = C_m / g_L
                tau_s = h.tau_syn_ex if self.w[k] > 0.0 else h.tau_syn_in
                tau_Delta = self.tau_Delta[k * self.s_tau_Delta]
                dPIexp = 0.0
                for j in range(k0, k1):
                    t_up = h.e[j].t + d_ms
                    minus_delta_t_up = t_last - t_up
                    minus_t_down = t_up - t_ms
                    PI = (self.trL[k] * exp(minus_delta_t_up / tau_L)
                          - self.trs[k] * exp(minus_delta_t_up / tau_s)) * h.e[j].dw
                    self.PI[k] += PI
                    dPIexp += exp(minus_t_down / tau_Delta) * PI
                self.PIexp[k] = exp((t_last - t_ms) / tau_Delta) * self.PIexp[k] + dPIexp
                wk = self.PI[k] - self.PIexp[k]
                wk = self.w0[k] + wk * 15.0 * C_m * tau_s * self.eta[k * self.s_eta] \
                    / (g_L * (tau_L - tau_s))
                if wk > self.Wmax[k * self.s_Wmax]:
                    wk = self.Wmax[k * self.s_Wmax]
                elif wk < self.Wmin[k * self.s_Wmin]:
                    wk = self.Wmin[k * self.s_Wmin]
                self.w[k] = wk
                if self.wr_on:
                    self.record_weight(k, t_spike, wk)
                add_to_channel(ctx.inbuf + slot * W, self.cd[k], wk, 1.0)
                self.trL[k] = self.trL[k] * exp((t_last - t_ms) / tau_L) + 1.0
                self.trs[k] = self.trs[k] * exp((t_last - t_ms) / tau_s) + 1.0
                self.t_last[k] = t_ms


SYNAPSE_MODELS = {"urbanczik_synapse": UrbanczikSynapseTable}
