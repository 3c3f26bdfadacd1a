# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""ht_neuron -- the point neuron of Hill & Tononi (2005), as NEST's.

Conductance-based integrate-and-fire neuron with a dynamic threshold, a
repolarizing potassium current instead of a hard reset, four beta-function
synaptic conductances (AMPA, NMDA, GABA_A, GABA_B) and four intrinsic
currents (I_NaP, I_KNa, I_T, I_h).  Conductances are unitless and currents
are in mV (they are divided by ``tau_m`` only).

Equations
---------
With V the membrane potential (or, with ``voltage_clamp``, its value at the
start of the run):

    dV/dt = (I_Na + I_K + I_syn + I_NaP + I_KNa + I_T + I_h + I_stim) / tau_m
            + I_spike
    I_Na  = -g_NaL (V - E_Na),   I_K = -g_KL (V - E_K)
    I_spike = -(V - E_K) / tau_spike   while refractory, else 0
    dtheta/dt = -(theta - theta_eq) / tau_theta

Synapses X in {AMPA, NMDA, GABA_A, GABA_B} (beta functions):

    d(dg_X)/dt = -dg_X / tau_rise_X,   d(g_X)/dt = dg_X - g_X / tau_decay_X
    I_syn = -g_AMPA (V - E_rev_AMPA) - g_NMDA m_NMDA (V - E_rev_NMDA)
            - g_GABA_A (V - E_rev_GABA_A) - g_GABA_B (V - E_rev_GABA_B)

A spike of weight w at receptor X adds w g_peak_X c_X to dg_X, with c_X the
factor that gives a beta function of peak 1 (peak time t_p = tau_d tau_r
ln(tau_d/tau_r) / (tau_d - tau_r), c_X = (1/tau_r - 1/tau_d) / (exp(-t_p/tau_d)
- exp(-t_p/tau_r))).

NMDA magnesium unblock: m_eq(V) = 1 / (1 + exp(-S_act_NMDA (V - V_act_NMDA)));
``instant_unblock_NMDA``: m_NMDA = m_eq; otherwise two unblocking stages

    dm_fast/dt = (m_eq - m_fast) / tau_Mg_fast_NMDA   (same for m_slow)
    m_NMDA = A1 m_fast + (1 - A1) m_slow,   A1 = 0.51 - 0.0028 V

and blocking is instantaneous: m_fast, m_slow never exceed m_eq (enforced
inside the right-hand side and after every solver step).

Intrinsic currents:

    I_NaP = -g_peak_NaP m_inf^N_NaP (V - E_rev_NaP),
            m_inf = 1 / (1 + exp(-(V + 55.7) / 7.7))
    I_KNa = -g_peak_KNa (V - E_rev_KNa) / (1 + (0.25 / D)^3.5),
            dD/dt = (tau_D_KNa D_influx(V) + 0.001 - D) / tau_D_KNa,
            D_influx = 0.025 / (1 + exp(-(V + 10) / 5))
    I_T   = -g_peak_T m_T^N_T h_T (V - E_rev_T)
            m_T,eq = 1 / (1 + exp(-(V + 59) / 6.2)),  h_T,eq = 1 / (1 + exp((V + 83) / 4))
            tau_mT = 0.22 / (exp(-(V + 132) / 16.7) + exp((V + 16.8) / 18.2)) + 0.13
            tau_hT = 8.2 + (56.6 + 0.27 exp((V + 115.2) / 5)) / (1 + exp((V + 86) / 3.2))
    I_h   = -g_peak_h m_h (V - E_rev_h)
            m_h,eq = 1 / (1 + exp((V + 75) / 5.5)),
            tau_mh = 1 / (exp(-14.59 - 0.086 V) + exp(-1.87 + 0.0701 V))

Spikes: after every solver step, if the neuron is not refractory and
V >= theta, it spikes: V and theta are set to E_Na and the repolarizing
current I_spike acts for round(t_ref / h) steps.

Numerics
--------
As NEST: GSL's RKF45 with ``control_y_new(1e-3, 0)`` reproduced bit for
bit (``kernel/rkf45.h``), state order (V, theta, dg_AMPA, g_AMPA, dg_NMDA,
g_NMDA, dg_GABA_A, g_GABA_A, dg_GABA_B, g_GABA_B, m_fast_NMDA, m_slow_NMDA,
m_Ih, D_IKNa, m_IT, h_IT).  Per step: solver steps up to the step's end,
each followed by the clamp, the NMDA blocking and the spike test; then the
refractory count, the step's spikes into dg_X, the step's current.  The
recorded I_NaP, I_KNa, I_T, I_h are those of the solver's last evaluation
of the right-hand side (as NEST's).

Parameters (defaults)
---------------------
``E_Na`` 30 mV, ``E_K`` -90 mV, ``g_NaL`` 0.2, ``g_KL`` 1, ``tau_m`` 16 ms,
``theta_eq`` -51 mV, ``tau_theta`` 2 ms, ``tau_spike`` 1.75 ms, ``t_ref`` 2 ms;
``g_peak_AMPA`` 0.1, ``tau_rise_AMPA`` 0.5, ``tau_decay_AMPA`` 2.4, ``E_rev_AMPA`` 0;
``g_peak_NMDA`` 0.075, ``tau_rise_NMDA`` 4, ``tau_decay_NMDA`` 40, ``E_rev_NMDA`` 0,
``V_act_NMDA`` -25.57 mV, ``S_act_NMDA`` 0.081 /mV, ``tau_Mg_slow_NMDA`` 22.7,
``tau_Mg_fast_NMDA`` 0.68, ``instant_unblock_NMDA`` False;
``g_peak_GABA_A`` 0.33, ``tau_rise_GABA_A`` 1, ``tau_decay_GABA_A`` 7,
``E_rev_GABA_A`` -70; ``g_peak_GABA_B`` 0.0132, ``tau_rise_GABA_B`` 60,
``tau_decay_GABA_B`` 200, ``E_rev_GABA_B`` -90; ``g_peak_NaP`` 1, ``E_rev_NaP``
30, ``N_NaP`` 3; ``g_peak_KNa`` 1, ``E_rev_KNa`` -90, ``tau_D_KNa`` 1250;
``g_peak_T`` 1, ``E_rev_T`` 0, ``N_T`` 2; ``g_peak_h`` 1, ``E_rev_h`` -40;
``voltage_clamp`` False.  State: ``V_m`` (the leak equilibrium, -70 mV),
``theta`` (theta_eq); the gating variables start at their equilibria for that
V_m, and ``equilibrate=True`` in a SetStatus sets them to the equilibria of
the (new) V_m.  Receptors: ``receptor_types`` {AMPA: 1, NMDA: 2, GABA_A: 3,
GABA_B: 4} (spikes need one of them; GetConnections reports the port, the
type minus 1, as NEST); currents at receptor 0.  Recordables:
``V_m``, ``theta``, ``g_AMPA``, ``g_NMDA`` (= g m_NMDA), ``g_GABA_A``,
``g_GABA_B``, ``I_NaP``, ``I_KNa``, ``I_T``, ``I_h``.

References: Hill S, Tononi G (2005) J Neurophysiol 93:1671-1698;
Vargas-Caballero M, Robinson HPC (2003) J Neurophysiol 89:2778-2783.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport exp, log, pow, fabs, M_E
from libc.float cimport DBL_EPSILON
from libc.stdint cimport int64_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row
from pynestlite.errors import BadParameter

cnp.import_array()

from pynestlite.kernel.rkf45 cimport rkf45_evolve_apply_std, rkf45_work

cdef enum:
    DIM = 16         # the solver's state vector
    NCH = 5          # input channels: spikes AMPA, NMDA, GABA_A, GABA_B; the current

RECEPTORS = ("AMPA", "NMDA", "GABA_A", "GABA_B")
GATES = ("m_fast_NMDA", "m_slow_NMDA", "m_Ih", "D_IKNa", "m_IT", "h_IT")


# ---------------------------------------------------------------------------
# equilibria of the gating variables (libm arithmetic, as the right-hand side)
cdef inline double m_eq_nmda(double V, double S_act, double V_act) noexcept nogil:
    return 1.0 / (1.0 + exp(-S_act * (V - V_act)))


cdef inline double m_eq_h(double V) noexcept nogil:
    return 1.0 / (1.0 + exp((V - -75.0) / 5.5))


cdef inline double h_eq_t(double V) noexcept nogil:
    return 1.0 / (1.0 + exp((V + 83.0) / 4))


cdef inline double m_eq_t(double V) noexcept nogil:
    return 1.0 / (1.0 + exp(-(V + 59.0) / 6.2))


cdef inline double d_eq_kna(double V, double tau_D) noexcept nogil:
    cdef double influx = 0.025 / (1.0 + exp(-(V - -10.0) / 5.0))
    return tau_D * influx + 0.001


cdef inline double m_nmda(double V, double m_eq, double m_fast, double m_slow,
                          bint instant) noexcept nogil:
    cdef double A1 = 0.51 - 0.0028 * V
    cdef double A2 = 1 - A1
    return m_eq if instant else A1 * m_fast + A2 * m_slow


cdef inline double dmin(double a, double b) noexcept nogil:
    return b if b < a else a


cdef double beta_peak_factor(double tau_rise, double tau_decay) noexcept nogil:
    """The factor that normalizes a beta function (difference of exponentials
    with rise tau_rise and decay tau_decay) to a peak of 1 (alpha function
    e/tau_decay when the two are equal)."""
    cdef double diff = tau_decay - tau_rise, peak = 0.0, t_peak
    if fabs(diff) > DBL_EPSILON:
        t_peak = tau_decay * tau_rise * log(tau_decay / tau_rise) / diff
        peak = exp(-t_peak / tau_decay) - exp(-t_peak / tau_rise)
    if fabs(peak) < DBL_EPSILON:
        return M_E / tau_decay
    return (1. / tau_rise - 1. / tau_decay) / peak


def equilibria(double V, double S_act_NMDA, double V_act_NMDA, double tau_D_KNa):
    """Equilibrium values of ``GATES`` at the membrane potential ``V``."""
    cdef double m = m_eq_nmda(V, S_act_NMDA, V_act_NMDA)
    return (m, m, m_eq_h(V), d_eq_kna(V, tau_D_KNa), m_eq_t(V), h_eq_t(V))


ctypedef struct HtParams:
    double E_Na, E_K, g_NaL, g_KL, tau_m, theta_eq, tau_theta, tau_spike
    double tau_rise[4]
    double tau_decay[4]
    double E_rev[4]
    double V_act_NMDA, S_act_NMDA, tau_Mg_slow, tau_Mg_fast
    double g_NaP, E_NaP, N_NaP, g_KNa, E_KNa, tau_D_KNa, g_T, E_T, N_T, g_h, E_h
    double V_clamp, I_stim
    int instant, clamp
    int64_t ref_steps
    # written by every evaluation (the values a multimeter reports)
    double I_NaP, I_KNa, I_T, I_h


cdef int ht_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    cdef HtParams *q = <HtParams *>p
    cdef double V = q.V_clamp if q.clamp else y[0]
    cdef double meq = m_eq_nmda(V, q.S_act_NMDA, q.V_act_NMDA)
    cdef double m_fast = dmin(meq, y[10])
    cdef double m_slow = dmin(meq, y[11])
    cdef double mN = m_nmda(V, meq, m_fast, m_slow, q.instant)
    cdef double I_syn = (-y[3] * (V - q.E_rev[0]) - y[5] * mN * (V - q.E_rev[1])
                         - y[7] * (V - q.E_rev[2]) - y[9] * (V - q.E_rev[3]))
    cdef double I_spike = -(V - q.E_K) / q.tau_spike if q.ref_steps > 0 else 0.0
    cdef double I_Na = -q.g_NaL * (V - q.E_Na)
    cdef double I_K = -q.g_KL * (V - q.E_K)
    cdef double m_inf_NaP = 1.0 / (1.0 + exp(-(V - -55.7) / 7.7))
    cdef double m_inf_KNa, tau_m_T, tau_h_T, tau_m_h
    cdef int j
    q.I_NaP = -q.g_NaP * pow(m_inf_NaP, q.N_NaP) * (V - q.E_NaP)
    m_inf_KNa = 1.0 / (1.0 + pow(0.25 / y[13], 3.5))
    q.I_KNa = -q.g_KNa * m_inf_KNa * (V - q.E_KNa)
    q.I_T = -q.g_T * pow(y[14], q.N_T) * y[15] * (V - q.E_T)
    q.I_h = -q.g_h * y[12] * (V - q.E_h)
    f[0] = ((I_Na + I_K + I_syn + q.I_NaP + q.I_KNa + q.I_T + q.I_h + q.I_stim) / q.tau_m
            + I_spike)
    f[1] = -(y[1] - q.theta_eq) / q.tau_theta
    for j in range(4):
        f[2 + 2 * j] = -y[2 + 2 * j] / q.tau_rise[j]
        f[3 + 2 * j] = y[2 + 2 * j] - y[3 + 2 * j] / q.tau_decay[j]
    f[10] = (meq - m_fast) / q.tau_Mg_fast
    f[11] = (meq - m_slow) / q.tau_Mg_slow
    f[13] = (d_eq_kna(V, q.tau_D_KNa) - y[13]) / q.tau_D_KNa
    tau_m_T = 0.22 / (exp(-(V + 132.0) / 16.7) + exp((V + 16.8) / 18.2)) + 0.13
    tau_h_T = 8.2 + (56.6 + 0.27 * exp((V + 115.2) / 5.0)) / (1.0 + exp((V + 86.0) / 3.2))
    f[14] = (m_eq_t(V) - y[14]) / tau_m_T
    f[15] = (h_eq_t(V) - y[15]) / tau_h_T
    tau_m_h = 1.0 / (exp(-14.59 - 0.086 * V) + exp(-1.87 + 0.0701 * V))
    f[12] = (m_eq_h(V) - y[12]) / tau_m_h
    return 0


def g_nmda(double[::1] g, double[::1] V, double[::1] m_fast, double[::1] m_slow,
           double[::1] S_act, double[::1] V_act, cnp.uint8_t[::1] instant):
    """The NMDA conductance g m_NMDA(V) a multimeter reports."""
    cdef Py_ssize_t i, n = g.shape[0]
    out = np.empty(n)
    cdef double[::1] o = out
    cdef double meq
    for i in range(n):
        meq = m_eq_nmda(V[i], S_act[i], V_act[i])
        o[i] = g[i] * m_nmda(V[i], meq, m_fast[i], m_slow[i], instant[i])
    return out


_PARAMETERS = {
    "E_Na": 30.0, "E_K": -90.0, "g_NaL": 0.2, "g_KL": 1.0, "tau_m": 16.0,
    "theta_eq": -51.0, "tau_theta": 2.0, "tau_spike": 1.75, "t_ref": 2.0,
    "g_peak_AMPA": 0.1, "tau_rise_AMPA": 0.5, "tau_decay_AMPA": 2.4, "E_rev_AMPA": 0.0,
    "g_peak_NMDA": 0.075, "tau_rise_NMDA": 4.0, "tau_decay_NMDA": 40.0, "E_rev_NMDA": 0.0,
    "V_act_NMDA": -25.57, "S_act_NMDA": 0.081, "tau_Mg_slow_NMDA": 22.7,
    "tau_Mg_fast_NMDA": 0.68, "instant_unblock_NMDA": False,
    "g_peak_GABA_A": 0.33, "tau_rise_GABA_A": 1.0, "tau_decay_GABA_A": 7.0,
    "E_rev_GABA_A": -70.0,
    "g_peak_GABA_B": 0.0132, "tau_rise_GABA_B": 60.0, "tau_decay_GABA_B": 200.0,
    "E_rev_GABA_B": -90.0,
    "g_peak_NaP": 1.0, "E_rev_NaP": 30.0, "N_NaP": 3.0,
    "g_peak_KNa": 1.0, "E_rev_KNa": -90.0, "tau_D_KNa": 1250.0,
    "g_peak_T": 1.0, "E_rev_T": 0.0, "N_T": 2.0,
    "g_peak_h": 1.0, "E_rev_h": -40.0,
    "voltage_clamp": False,
    "equilibrate": False,
}
_P = _PARAMETERS
_V0 = (_P["g_NaL"] * _P["E_Na"] + _P["g_KL"] * _P["E_K"]) / (_P["g_NaL"] + _P["g_KL"])
_INTERNAL = {"dg_AMPA": 0.0, "g_AMPA": 0.0, "dg_NMDA": 0.0, "g_NMDA_timecourse": 0.0,
             "dg_GABA_A": 0.0, "g_GABA_A": 0.0, "dg_GABA_B": 0.0, "g_GABA_B": 0.0}
_INTERNAL.update(zip(GATES, equilibria(_V0, _P["S_act_NMDA"], _P["V_act_NMDA"],
                                       _P["tau_D_KNa"])))
_INTERNAL.update({"I_NaP": 0.0, "I_KNa": 0.0, "I_T": 0.0, "I_h": 0.0, "I_stim": 0.0,
                  "ref_steps": 0, "h_int": 0.0, "V_clamp": 0.0})

_NON_NEGATIVE = ("g_peak_AMPA", "g_peak_GABA_A", "g_peak_GABA_B", "g_peak_KNa", "S_act_NMDA",
                 "g_peak_NMDA", "g_peak_T", "g_peak_h", "g_peak_NaP", "g_KL", "g_NaL", "t_ref")
_POSITIVE = ("tau_rise_AMPA", "tau_decay_AMPA", "tau_rise_GABA_A", "tau_decay_GABA_A",
             "tau_rise_GABA_B", "tau_decay_GABA_B", "tau_rise_NMDA", "tau_decay_NMDA",
             "tau_Mg_fast_NMDA", "tau_Mg_slow_NMDA", "tau_spike", "tau_theta", "tau_m",
             "tau_D_KNa")
_ORDERED = (("tau_rise_AMPA", "tau_decay_AMPA"), ("tau_rise_GABA_A", "tau_decay_GABA_A"),
            ("tau_rise_GABA_B", "tau_decay_GABA_B"), ("tau_rise_NMDA", "tau_decay_NMDA"),
            ("tau_Mg_fast_NMDA", "tau_Mg_slow_NMDA"))


_Y_NAMES = ("V_m", "theta", "dg_AMPA", "g_AMPA", "dg_NMDA", "g_NMDA_timecourse", "dg_GABA_A",
            "g_GABA_A", "dg_GABA_B", "g_GABA_B") + GATES


cdef class HtNeuron(NodeBlock):
    __doc__ = __doc__
    threaded = True         # the update reads and writes its own nodes (and their
                            # input channels) only
    parameters = _PARAMETERS
    state = {"V_m": _V0, "theta": _P["theta_eq"]}
    internal = _INTERNAL
    write_only = ("equilibrate",)     # a SetStatus action, not reported (as NEST)
    n_channels = NCH
    spike_receptors = {1: (0, False, False), 2: (1, False, False), 3: (2, False, False),
                       4: (3, False, False)}
    current_receptors = {0: 4}
    receptor_types = {"AMPA": 1, "NMDA": 2, "GABA_A": 3, "GABA_B": 4}
    receptor_ports = {1: 0, 2: 1, 3: 2, 4: 3}    # GetConnections' "receptor" (NEST: type - 1)
    recordables = ("V_m", "theta", "g_AMPA", "g_NMDA", "g_GABA_A", "g_GABA_B", "I_NaP",
                   "I_KNa", "I_T", "I_h")

    cdef double *ys[DIM]              # the named state arrays, in the solver's order
    cdef double[::1] E_Na, E_K, g_NaL, g_KL, tau_m, theta_eq, tau_theta, tau_spike
    cdef double[::1] V_act, S_act, tau_Mg_slow, tau_Mg_fast
    cdef double[::1] g_NaP, E_NaP, N_NaP, g_KNa, E_KNa, tau_D, g_T, E_T, N_T, g_h, E_h
    cdef double[::1] I_NaP, I_KNa, I_T, I_h, I_stim, h_int, V_clamp
    cdef double[:, ::1] tau_rise, tau_decay, E_rev, cond_step
    cdef cnp.uint8_t[::1] instant, clamp
    cdef int64_t[::1] ref_steps, ref_counts, gid

    def __init__(self, str model, gids, first_gid, last_gid, dict defaults):
        NodeBlock.__init__(self, model, gids, first_gid, last_gid, defaults)
        if defaults.get("equilibrate"):         # SetDefaults(..., equilibrate=True)
            self.after_set(np.arange(self.n), {"equilibrate": np.ones(self.n, bool)})

    def bind(self):
        cdef double[::1] col
        cdef int j
        a = self.arrays
        self.E_Na = a["E_Na"]; self.E_K = a["E_K"]; self.g_NaL = a["g_NaL"]
        self.g_KL = a["g_KL"]; self.tau_m = a["tau_m"]; self.theta_eq = a["theta_eq"]
        self.tau_theta = a["tau_theta"]; self.tau_spike = a["tau_spike"]
        self.V_act = a["V_act_NMDA"]; self.S_act = a["S_act_NMDA"]
        self.tau_Mg_slow = a["tau_Mg_slow_NMDA"]; self.tau_Mg_fast = a["tau_Mg_fast_NMDA"]
        self.g_NaP = a["g_peak_NaP"]; self.E_NaP = a["E_rev_NaP"]; self.N_NaP = a["N_NaP"]
        self.g_KNa = a["g_peak_KNa"]; self.E_KNa = a["E_rev_KNa"]; self.tau_D = a["tau_D_KNa"]
        self.g_T = a["g_peak_T"]; self.E_T = a["E_rev_T"]; self.N_T = a["N_T"]
        self.g_h = a["g_peak_h"]; self.E_h = a["E_rev_h"]
        self.I_NaP = a["I_NaP"]; self.I_KNa = a["I_KNa"]; self.I_T = a["I_T"]
        self.I_h = a["I_h"]; self.I_stim = a["I_stim"]; self.h_int = a["h_int"]
        self.V_clamp = a["V_clamp"]
        self.instant = a["instant_unblock_NMDA"]; self.clamp = a["voltage_clamp"]
        self.ref_steps = a["ref_steps"]
        self.gid = self.gids
        for j, name in enumerate(_Y_NAMES):
            col = a[name]
            self.ys[j] = &col[0] if self.n else NULL

    def check(self, dict values):
        NodeBlock.check(self, values)
        for name in _NON_NEGATIVE:
            if name in values and np.any(np.asarray(values[name]) < 0):
                raise BadParameter(f"{self.model}: {name} >= 0 required.")
        for name in _POSITIVE:
            if name in values and np.any(np.asarray(values[name]) <= 0):
                raise BadParameter(f"{self.model}: {name} > 0 required.")
        for a, b in _ORDERED:
            if a in values and b in values and np.any(
                    np.asarray(values[a]) >= np.asarray(values[b])):
                raise BadParameter(f"{self.model}: {a} < {b} required.")

    def after_set(self, idx, new):
        eq = new.get("equilibrate")
        if eq is None:
            return
        a = self.arrays
        idx = np.asarray(idx, np.int64)
        for r in idx[np.asarray(eq, bool)]:
            vals = equilibria(a["V_m"][r], a["S_act_NMDA"][r], a["V_act_NMDA"][r],
                              a["tau_D_KNa"][r])
            for name, v in zip(GATES, vals):
                a[name][r] = v
        a["equilibrate"][idx] = False

    def pre_run(self, engine):
        a = self.arrays
        cdef Py_ssize_t i, j, n = self.n
        self.tau_rise = np.stack([a["tau_rise_" + r] for r in RECEPTORS], axis=1).reshape(n, 4)
        self.tau_decay = np.stack([a["tau_decay_" + r] for r in RECEPTORS], axis=1).reshape(n, 4)
        self.E_rev = np.stack([a["E_rev_" + r] for r in RECEPTORS], axis=1).reshape(n, 4)
        steps = np.empty((n, 4))
        for i in range(n):
            for j in range(4):
                steps[i, j] = a["g_peak_" + RECEPTORS[j]][i] * beta_peak_factor(
                    self.tau_rise[i, j], self.tau_decay[i, j])
        self.cond_step = steps
        self.ref_counts = engine.ms_to_steps(a["t_ref"])
        a["V_clamp"][:] = a["V_m"]
        a["h_int"][a["h_int"] <= 0.0] = engine.resolution

    def sample(self, str name, idx):
        a = self.arrays
        if name == "g_NMDA":
            idx = np.asarray(idx, np.int64)
            return g_nmda(np.ascontiguousarray(a["g_NMDA_timecourse"][idx]),
                          np.ascontiguousarray(a["V_m"][idx]),
                          np.ascontiguousarray(a["m_fast_NMDA"][idx]),
                          np.ascontiguousarray(a["m_slow_NMDA"][idx]),
                          np.ascontiguousarray(a["S_act_NMDA"][idx]),
                          np.ascontiguousarray(a["V_act_NMDA"][idx]),
                          np.ascontiguousarray(a["instant_unblock_NMDA"][idx]))
        if name in ("g_AMPA", "g_GABA_A", "g_GABA_B", "I_NaP", "I_KNa", "I_T", "I_h"):
            return np.asarray(a[name][idx], np.float64)
        return NodeBlock.sample(self, name, idx)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, j, n = self.n
        cdef long lag
        cdef double *row
        cdef double y[DIM]
        cdef double tt, meq
        cdef int st
        cdef int64_t c
        cdef rkf45_work work
        cdef HtParams q
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                c = i * NCH
                self.load(i, y, &q)
                tt = 0.0
                while tt < ctx.h:
                    st = rkf45_evolve_apply_std(&work, 1e-3, 0.0, 1.0, 0.0, ht_rhs, &q, DIM,
                                                &tt, ctx.h, &self.h_int[i], y, NULL)
                    if st != 0:
                        self.error_code = st
                        break
                    if q.clamp:
                        y[0] = q.V_clamp
                    # blocking of the NMDA channels is instantaneous
                    meq = m_eq_nmda(y[0], q.S_act_NMDA, q.V_act_NMDA)
                    y[10] = dmin(meq, y[10])
                    y[11] = dmin(meq, y[11])
                    if q.ref_steps == 0 and y[0] >= y[1]:
                        y[0] = q.E_Na
                        y[1] = q.E_Na
                        q.ref_steps = self.ref_counts[i] + 1
                        pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                if q.ref_steps > 0:
                    q.ref_steps -= 1
                for j in range(4):
                    y[2 + 2 * j] += self.cond_step[i, j] * row[c + j]
                self.I_stim[i] = row[c + 4]
                for j in range(NCH):
                    row[c + j] = 0.0
                self.store(i, y, &q)

    cdef inline void load(self, Py_ssize_t i, double *y, HtParams *q) noexcept nogil:
        """The state of node ``i`` into ``y`` and its parameters into ``q``."""
        cdef int j
        for j in range(DIM):
            y[j] = self.ys[j][i]
        q.E_Na = self.E_Na[i]; q.E_K = self.E_K[i]; q.g_NaL = self.g_NaL[i]
        q.g_KL = self.g_KL[i]; q.tau_m = self.tau_m[i]; q.theta_eq = self.theta_eq[i]
        q.tau_theta = self.tau_theta[i]; q.tau_spike = self.tau_spike[i]
        for j in range(4):
            q.tau_rise[j] = self.tau_rise[i, j]; q.tau_decay[j] = self.tau_decay[i, j]
            q.E_rev[j] = self.E_rev[i, j]
        q.V_act_NMDA = self.V_act[i]; q.S_act_NMDA = self.S_act[i]
        q.tau_Mg_slow = self.tau_Mg_slow[i]; q.tau_Mg_fast = self.tau_Mg_fast[i]
        q.g_NaP = self.g_NaP[i]; q.E_NaP = self.E_NaP[i]; q.N_NaP = self.N_NaP[i]
        q.g_KNa = self.g_KNa[i]; q.E_KNa = self.E_KNa[i]; q.tau_D_KNa = self.tau_D[i]
        q.g_T = self.g_T[i]; q.E_T = self.E_T[i]; q.N_T = self.N_T[i]
        q.g_h = self.g_h[i]; q.E_h = self.E_h[i]
        q.V_clamp = self.V_clamp[i]; q.I_stim = self.I_stim[i]
        q.instant = self.instant[i]; q.clamp = self.clamp[i]
        q.ref_steps = self.ref_steps[i]
        q.I_NaP = self.I_NaP[i]; q.I_KNa = self.I_KNa[i]; q.I_T = self.I_T[i]
        q.I_h = self.I_h[i]

    cdef inline void store(self, Py_ssize_t i, const double *y, HtParams *q) noexcept nogil:
        """``y`` and the state kept in ``q`` back into node ``i``."""
        cdef int j
        for j in range(DIM):
            self.ys[j][i] = y[j]
        self.ref_steps[i] = q.ref_steps
        self.I_NaP[i] = q.I_NaP; self.I_KNa[i] = q.I_KNa; self.I_T[i] = q.I_T
        self.I_h[i] = q.I_h


MODELS = {"ht_neuron": HtNeuron}
