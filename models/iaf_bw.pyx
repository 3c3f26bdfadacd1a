# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""iaf_bw_2001 -- leaky integrate-and-fire neuron with conductance-based
AMPA, GABA and NMDA synapses (Brunel & Wang 2001), the NMDA gating in the
approximation that sums the presynaptic jumps.

Equations
---------
    C_m dV_m/dt = -g_L (V_m - E_L) - I_AMPA - I_GABA - I_NMDA + I_stim
    I_AMPA = (V_m - E_ex) s_AMPA
    I_GABA = (V_m - E_in) s_GABA
    I_NMDA = (V_m - E_ex) s_NMDA / (1 + [Mg2+] exp(-0.062 V_m) / 3.57)
    ds_AMPA/dt = -s_AMPA/tau_AMPA,  ds_GABA/dt = -s_GABA/tau_GABA
    ds_NMDA/dt = -s_NMDA/tau_decay_NMDA

The synaptic conductances (nS) are absorbed into the weights: a spike of
weight w on receptor AMPA (1) adds w to s_AMPA, on GABA (2) w to s_GABA,
on NMDA (3) w times the sender's jump to s_NMDA.  The sender (an
iaf_bw_2001) keeps its own unweighted NMDA gate s_pre, which decays with
tau_decay_NMDA between its spikes; at a spike it jumps by

    Delta = k_0 + k_1 s_pre,   k_1 = exp(-alpha tau_rise_NMDA) - 1,
    k_0 = (alpha tau_rise_NMDA)^(tau_rise_NMDA/tau_decay_NMDA)
          gamma_lower(1 - tau_rise_NMDA/tau_decay_NMDA, alpha tau_rise_NMDA),

and Delta travels with the spike (in the offset field of the spike, as
NEST does).  For large times this approaches the exact model's NMDA gate
(see iaf_bw_2001_exact in NEST).  After a spike V_m is clamped to V_reset
for t_ref.

Numerics
--------
NEST integrates the four ODEs with GSL's adaptive Runge-Kutta-Fehlberg
4(5) (``control_y_new(gsl_error_tol, 0)``), one integration step size per
neuron carried across steps; pynestlite uses ``kernel/rkf45.h``, a
re-implementation of that driver.  Per step, as NEST: integrate; add the
step's spikes to the gates; refractory clamp, else threshold test (a spike
updates s_pre and sends Delta); store the step's input current.  The
recordables I_AMPA, I_GABA and I_NMDA are those of the solver's last
right-hand-side evaluation of the step (before the spikes and the reset).
The lower incomplete gamma function of k_0 is summed from its series in
double precision (NEST uses Boost's), so k_0 may differ from NEST's in the
last bit.

Parameters
----------
    ``E_L``             -70 mV    leak reversal potential
    ``E_ex``            0 mV      excitatory reversal potential
    ``E_in``            -70 mV    inhibitory reversal potential
    ``V_th``            -55 mV    spike threshold
    ``V_reset``         -60 mV    reset potential
    ``C_m``             500 pF    membrane capacitance
    ``g_L``             25 nS     leak conductance
    ``t_ref``           2 ms      refractory period
    ``tau_AMPA``        2 ms      AMPA time constant
    ``tau_GABA``        5 ms      GABA time constant
    ``tau_rise_NMDA``   2 ms      NMDA rise time constant
    ``tau_decay_NMDA``  100 ms    NMDA decay time constant
    ``alpha``           0.5 1/ms  NMDA rise coupling
    ``conc_Mg2``        1 mM      extracellular magnesium concentration
    ``gsl_error_tol``   1e-3      absolute error tolerance of the solver

State: ``V_m`` (mV, -70), ``s_AMPA``, ``s_GABA``, ``s_NMDA`` (nS); read
only ``I_AMPA``, ``I_GABA``, ``I_NMDA`` (pA).  All seven are recordables.

Receives spikes on receptor_types AMPA 1, GABA 2, NMDA 3 (NMDA from
iaf_bw_2001 senders only), currents on receptor 0; sends spikes carrying
Delta.  As in NEST, a spike_recorder reports the time of such a spike
minus Delta (the offset field); record with ``time_in_steps``.

References: Wang X-J (1999) J Neurosci 19:9587-9603; Brunel N, Wang X-J
(2001) J Comput Neurosci 11:63-85; Wang X-J (2002) Neuron 36:955-968.
See also: iaf_cond_exp.
"""
import math

import numpy as np
cimport numpy as cnp
from libc.math cimport exp
from libc.stdint cimport int64_t

from pynestlite.kernel.nodebase cimport (
    NodeBlock, SliceContext, pnl_register_push, pnl_register_push_off, input_row)
from pynestlite.kernel.rkf45 cimport rkf45_advance, rkf45_work
from pynestlite.errors import BadProperty, IllegalConnection, UnknownReceptorType

cnp.import_array()


ctypedef struct BwParams:
    double E_L, E_ex, E_in, C_m, g_L, tau_AMPA, tau_GABA, tau_NMDA, conc_Mg2, I_stim
    double I_AMPA, I_GABA, I_NMDA      # written by every right-hand-side evaluation


cdef int bw_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_m, s_AMPA, s_GABA, s_NMDA), NEST's order and arithmetic
    cdef BwParams *q = <BwParams *>p
    q.I_AMPA = (y[0] - q.E_ex) * y[1]
    q.I_GABA = (y[0] - q.E_in) * y[2]
    q.I_NMDA = (y[0] - q.E_ex) / (1 + q.conc_Mg2 * exp(-0.062 * y[0]) / 3.57) * y[3]
    cdef double I_syn = q.I_AMPA + q.I_GABA + q.I_NMDA
    f[0] = (-q.g_L * (y[0] - q.E_L) - I_syn + q.I_stim) / q.C_m
    f[1] = -y[1] / q.tau_AMPA
    f[3] = -y[3] / q.tau_NMDA
    f[2] = -y[2] / q.tau_GABA
    return 0


def lower_incomplete_gamma(double a, double x):
    """gamma(a, x) = int_0^x t^(a-1) e^(-t) dt for a > 0, x >= 0 (series
    x^a e^-x sum_n x^n / (a (a+1) ... (a+n)), summed to double precision;
    the continued fraction of the upper function for x > a + 1)."""
    if x == 0.0:
        return 0.0
    if x <= a + 1.0:
        term = 1.0 / a
        total = term
        n = 1
        while abs(term) > abs(total) * 1e-17 and n < 100000:
            term *= x / (a + n)
            total += term
            n += 1
        return math.exp(a * math.log(x) - x) * total
    # Lentz's continued fraction for the upper function Gamma(a, x)
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 100000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-17:
            break
    return math.gamma(a) - math.exp(a * math.log(x) - x) * h


cdef class IafBw2001(NodeBlock):
    __doc__ = __doc__
    parameters = {"E_L": -70.0, "E_ex": 0.0, "E_in": -70.0, "V_th": -55.0, "V_reset": -60.0,
                  "C_m": 500.0, "g_L": 25.0, "t_ref": 2.0, "tau_AMPA": 2.0, "tau_GABA": 5.0,
                  "tau_decay_NMDA": 100.0, "tau_rise_NMDA": 2.0, "alpha": 0.5,
                  "conc_Mg2": 1.0, "gsl_error_tol": 1e-3}
    state = {"V_m": -70.0, "s_AMPA": 0.0, "s_GABA": 0.0, "s_NMDA": 0.0, "I_NMDA": 0.0,
             "I_AMPA": 0.0, "I_GABA": 0.0}
    read_only = ("I_NMDA", "I_AMPA", "I_GABA")
    internal = {"r": 0, "I_stim": 0.0, "h_int": 0.0, "s_NMDA_pre": 0.0, "last_spike": -1}
    strictly_positive = ("C_m", "tau_AMPA", "tau_GABA", "tau_decay_NMDA", "tau_rise_NMDA",
                         "alpha", "conc_Mg2", "gsl_error_tol")
    non_negative = ("t_ref",)
    ordered = (("V_reset", "V_th"),)
    n_channels = 4          # AMPA, GABA, NMDA (weight times the sender's jump), I_stim
    spike_receptors = {1: (0, False, False), 2: (1, False, False), 3: (2, False, False)}
    payload_receptors = (3,)
    current_receptors = {0: 3}
    receptor_types = {"AMPA": 1, "GABA": 2, "NMDA": 3}
    recordables = ("V_m", "s_AMPA", "s_GABA", "s_NMDA", "I_NMDA", "I_AMPA", "I_GABA")
    precise_output = True       # the NMDA jump travels in the offset field

    cdef double[::1] V_m, s_AMPA, s_GABA, s_NMDA, I_NMDA, I_AMPA, I_GABA
    cdef double[::1] E_L, E_ex, E_in, V_th, V_reset, C_m, g_L, tau_AMPA, tau_GABA
    cdef double[::1] tau_NMDA, conc_Mg2, tol, I_stim, h_int, s_pre, k_0, k_1
    cdef int64_t[::1] r, ref_counts, gid, last_spike
    cdef int64_t tics_per_step
    cdef double ms_per_tic

    @staticmethod
    def check_sources(models, receptor, target):
        """NEST's rules: spike receptors AMPA, GABA, NMDA; NMDA from
        iaf_bw_2001 only."""
        if not 1 <= receptor <= 3:
            raise UnknownReceptorType(
                f"{target} has no spike receptor_type {receptor}; valid: [1, 2, 3] "
                "(AMPA, GABA, NMDA)")
        if receptor == 3 and any(m is not IafBw2001 for m in models):
            raise IllegalConnection(
                f"For NMDA synapses in {target}, the presynaptic neuron must also be of type "
                "iaf_bw_2001")

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.s_AMPA = a["s_AMPA"]; self.s_GABA = a["s_GABA"]
        self.s_NMDA = a["s_NMDA"]; self.I_NMDA = a["I_NMDA"]; self.I_AMPA = a["I_AMPA"]
        self.I_GABA = a["I_GABA"]; self.E_L = a["E_L"]; self.E_ex = a["E_ex"]
        self.E_in = a["E_in"]; self.V_th = a["V_th"]; self.V_reset = a["V_reset"]
        self.C_m = a["C_m"]; self.g_L = a["g_L"]; self.tau_AMPA = a["tau_AMPA"]
        self.tau_GABA = a["tau_GABA"]; self.tau_NMDA = a["tau_decay_NMDA"]
        self.conc_Mg2 = a["conc_Mg2"]; self.tol = a["gsl_error_tol"]
        self.I_stim = a["I_stim"]; self.h_int = a["h_int"]; self.s_pre = a["s_NMDA_pre"]
        self.r = a["r"]; self.last_spike = a["last_spike"]
        self.gid = self.gids

    def pre_run(self, engine):
        a = self.arrays
        self.ref_counts = engine.ms_to_steps(a["t_ref"])
        unset = a["h_int"] <= 0.0
        a["h_int"][unset] = engine.resolution
        alpha, tr, td = a["alpha"], a["tau_rise_NMDA"], a["tau_decay_NMDA"]
        self.k_1 = np.array([math.expm1(-alpha[i] * tr[i]) for i in range(self.n)])
        self.k_0 = np.array([math.pow(alpha[i] * tr[i], tr[i] / td[i])
                             * lower_incomplete_gamma(1.0 - tr[i] / td[i], alpha[i] * tr[i])
                             for i in range(self.n)])
        self.tics_per_step = engine.tics_per_step
        self.ms_per_tic = engine.ms_per_tic

    cdef inline double ms(self, int64_t stamp) noexcept nogil:
        """Time of step ``stamp`` in ms, as NEST computes it (tics * ms per tic)."""
        return self.ms_per_tic * <double>(stamp * self.tics_per_step)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double y[4]
        cdef double t_last, t_spike, jump
        cdef int64_t c, stamp
        cdef int st
        cdef rkf45_work work
        cdef BwParams q
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            stamp = ctx.origin + lag + 1
            for i in range(n):
                c = i * 4
                q.E_L = self.E_L[i]; q.E_ex = self.E_ex[i]; q.E_in = self.E_in[i]
                q.C_m = self.C_m[i]; q.g_L = self.g_L[i]; q.tau_AMPA = self.tau_AMPA[i]
                q.tau_GABA = self.tau_GABA[i]; q.tau_NMDA = self.tau_NMDA[i]
                q.conc_Mg2 = self.conc_Mg2[i]; q.I_stim = self.I_stim[i]
                q.I_AMPA = self.I_AMPA[i]; q.I_GABA = self.I_GABA[i]; q.I_NMDA = self.I_NMDA[i]
                y[0] = self.V_m[i]; y[1] = self.s_AMPA[i]; y[2] = self.s_GABA[i]
                y[3] = self.s_NMDA[i]
                st = rkf45_advance(&work, self.tol[i], 0.0, bw_rhs, &q, 4, ctx.h,
                                   &self.h_int[i], y, NULL)
                if st != 0:
                    self.error_code = st
                y[1] += row[c]
                y[2] += row[c + 1]
                y[3] += row[c + 2]
                if self.r[i] > 0:
                    self.r[i] -= 1
                    y[0] = self.V_reset[i]
                elif y[0] >= self.V_th[i]:
                    self.r[i] = self.ref_counts[i]
                    y[0] = self.V_reset[i]
                    t_last = self.ms(self.last_spike[i]) if self.last_spike[i] >= 0 else -1.0
                    self.last_spike[i] = stamp
                    t_spike = self.ms(stamp)
                    self.s_pre[i] = self.s_pre[i] * exp(-(t_spike - t_last) / self.tau_NMDA[i])
                    jump = self.k_0[i] + self.k_1[i] * self.s_pre[i]
                    self.s_pre[i] += jump
                    pnl_register_push_off(ctx.reg, self.gid[i], <int>lag, 1, jump)
                self.V_m[i] = y[0]; self.s_AMPA[i] = y[1]; self.s_GABA[i] = y[2]
                self.s_NMDA[i] = y[3]
                self.I_AMPA[i] = q.I_AMPA; self.I_GABA[i] = q.I_GABA; self.I_NMDA[i] = q.I_NMDA
                self.I_stim[i] = row[c + 3]
                row[c] = 0.0; row[c + 1] = 0.0; row[c + 2] = 0.0; row[c + 3] = 0.0


MODELS = {"iaf_bw_2001": IafBw2001}


ctypedef struct BwExactParams:
    double E_L, E_ex, E_in, C_m, g_L, tau_AMPA, tau_GABA, tau_rise, tau_decay, alpha
    double conc_Mg2, I_stim
    const double *w                    # the weights of the NMDA connections
    Py_ssize_t n_nmda
    double I_AMPA, I_GABA, I_NMDA, s_NMDA   # written by every right-hand-side evaluation


cdef int bw_exact_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_m, s_AMPA, s_GABA, then (x_k, s_k) per NMDA connection k), NEST's
    # order and arithmetic
    cdef BwExactParams *q = <BwExactParams *>p
    cdef Py_ssize_t k
    q.I_AMPA = (y[0] - q.E_ex) * y[1]
    q.I_GABA = (y[0] - q.E_in) * y[2]
    q.s_NMDA = 0
    for k in range(q.n_nmda):
        q.s_NMDA += y[4 + 2 * k] * q.w[k]
    q.I_NMDA = (y[0] - q.E_ex) / (1 + q.conc_Mg2 * exp(-0.062 * y[0]) / 3.57) * q.s_NMDA
    cdef double I_syn = q.I_AMPA + q.I_GABA + q.I_NMDA
    f[0] = (-q.g_L * (y[0] - q.E_L) - I_syn + q.I_stim) / q.C_m
    f[1] = -y[1] / q.tau_AMPA
    f[2] = -y[2] / q.tau_GABA
    for k in range(q.n_nmda):
        f[4 + 2 * k] = -y[4 + 2 * k] / q.tau_decay + q.alpha * y[3 + 2 * k] * (1 - y[4 + 2 * k])
        f[3 + 2 * k] = -y[3 + 2 * k] / q.tau_rise
    return 0


# the RKF45 state of kernel/rkf45.h holds 3 + 2 x 31 values
MAX_NMDA_CONNECTIONS = 31


cdef class IafBw2001Exact(NodeBlock):
    """iaf_bw_2001_exact -- the Brunel & Wang (2001) neuron of iaf_bw_2001
    with the NMDA gate integrated exactly: one pair (x_k, s_k) per NMDA
    connection k.

    Equations
    ---------
    As iaf_bw_2001, with

        I_NMDA = (V_m - E_ex) / (1 + [Mg2+] exp(-0.062 V_m)/3.57) sum_k w_k s_k
        dx_k/dt = -x_k/tau_rise_NMDA + sum_spikes delta(t - t_spike)
        ds_k/dt = -s_k/tau_decay_NMDA + alpha x_k (1 - s_k)

    A spike through NMDA connection k adds its multiplicity to x_k; w_k is
    the connection's weight (nS).  AMPA and GABA as iaf_bw_2001.  Spikes
    carry no payload (any sender may use the NMDA receptor).

    Numerics
    --------
    As NEST: one RKF45 system of 3 + 2K values per neuron
    (``control_y_new(gsl_error_tol, 0)``, kernel/rkf45.h), the step size
    carried across steps; per step: integrate, add the step's spikes,
    refractory clamp / threshold.  The recordables I_AMPA, I_GABA, I_NMDA
    and s_NMDA (= sum_k w_k s_k) are those of the last right-hand-side
    evaluation of the step.  As NEST, NMDA connections can only be made
    before the first simulation (IllegalConnection); at most 31 per neuron
    here (the solver's state size; NotImplementedFeature beyond).  The
    weight w_k is the one given at Connect.

    Parameters: those of iaf_bw_2001 (same defaults).  State ``V_m``,
    ``s_AMPA``, ``s_GABA``; recordables ``V_m``, ``s_AMPA``, ``s_GABA``,
    ``s_NMDA``, ``I_NMDA``, ``I_AMPA``, ``I_GABA``.  Receives spikes on
    receptor_types AMPA 1, GABA 2, NMDA 3 (GetConnections reports NMDA
    connection k of a node as receptor 3 + k, NEST's port), currents on
    receptor 0.

    References: as iaf_bw_2001.
    """
    threaded = True         # the update reads and writes its own nodes (and their
                            # input channels) only
    parameters = IafBw2001.parameters
    state = {"V_m": -70.0, "s_AMPA": 0.0, "s_GABA": 0.0}
    internal = {"r": 0, "I_stim": 0.0, "h_int": 0.0, "s_NMDA": 0.0, "I_NMDA": 0.0,
                "I_AMPA": 0.0, "I_GABA": 0.0}
    strictly_positive = IafBw2001.strictly_positive
    non_negative = ("t_ref",)
    ordered = (("V_reset", "V_th"),)
    n_channels = 4          # AMPA, GABA, NMDA (moved to a channel per connection), I_stim
    spike_receptors = {1: (0, False, False), 2: (1, False, False), 3: (2, False, True)}
    port_receptors = (3,)
    checkpointable = False      # the NMDA pairs per connection are not saved (save_state refuses)
    current_receptors = {0: 3}
    receptor_types = {"AMPA": 1, "GABA": 2, "NMDA": 3}
    recordables = ("V_m", "s_AMPA", "s_GABA", "s_NMDA", "I_NMDA", "I_AMPA", "I_GABA")

    cdef double[::1] V_m, s_AMPA, s_GABA, s_NMDA, I_NMDA, I_AMPA, I_GABA
    cdef double[::1] E_L, E_ex, E_in, V_th, V_reset, C_m, g_L, tau_AMPA, tau_GABA
    cdef double[::1] tau_rise, tau_decay, alpha, conc_Mg2, tol, I_stim, h_int
    cdef double[::1] port_w, port_y
    cdef int64_t[::1] r, ref_counts, gid, port_ptr, port_ch
    cdef public object port_rows, port_chans, port_weights
    cdef public bint started

    def __init__(self, *args):
        NodeBlock.__init__(self, *args)
        self.port_rows = []
        self.port_chans = []
        self.port_weights = []
        self.started = False

    @staticmethod
    def check_sources(models, receptor, target):
        if not 1 <= receptor <= 3:
            raise UnknownReceptorType(
                f"{target} has no spike receptor_type {receptor}; valid: [1, 2, 3] "
                "(AMPA, GABA, NMDA)")

    def check_ports(self, post_blocks, receptor, tgt):
        """NMDA connections only before the first simulation, at most
        MAX_NMDA_CONNECTIONS per node."""
        rt = np.broadcast_to(np.asarray(receptor, np.int64), np.shape(tgt))
        mine = np.asarray(tgt)[(rt == 3) & np.isin(tgt, self.gids)]
        if not len(mine):
            return
        if self.started:
            raise IllegalConnection(f"{self.model}: NMDA connections can only be made before "
                                    "the first call to Simulate")
        rows = np.searchsorted(self.gids, mine)
        count = np.bincount(rows, minlength=self.n)
        if len(self.port_rows):
            count += np.bincount(np.concatenate(self.port_rows), minlength=self.n)
        if count.max() > MAX_NMDA_CONNECTIONS:
            from pynestlite.errors import NotImplementedFeature
            raise NotImplementedFeature(
                f"{self.model}: at most {MAX_NMDA_CONNECTIONS} NMDA connections per neuron "
                f"here (node {int(self.gids[int(np.argmax(count))])} would get "
                f"{int(count.max())})")

    def add_ports(self, rows, chans, weights):
        """New NMDA connections (node rows, their channels and weights, in
        the order of connection)."""
        self.port_rows.append(np.asarray(rows, np.int64))
        self.port_chans.append(np.asarray(chans, np.int64))
        self.port_weights.append(np.asarray(weights, np.float64))

    def ports(self):
        """(node rows, channels) of the NMDA connections."""
        if not self.port_rows:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(self.port_rows), np.concatenate(self.port_chans)

    def receptors_of_channels(self, ch):
        """NEST's receptor of connections by channel: 1, 2, and 3 + k for
        NMDA connection k of a node."""
        ch = np.asarray(ch, np.int64)
        out = np.zeros(len(ch), np.int64)
        rel = ch - self.chan_base
        fixed = (rel >= 0) & (rel < self.n * self.n_channels)
        out[fixed] = rel[fixed] % self.n_channels + 1
        rows, chans = self.ports()
        if len(chans):
            order = np.argsort(chans, kind="stable")
            # the k-th connection of a node (in the order of connection)
            k = np.zeros(len(rows), np.int64)
            seen = {}
            for j, row in enumerate(rows):
                k[j] = seen.get(int(row), 0)
                seen[int(row)] = k[j] + 1
            pos = np.searchsorted(chans[order], ch[~fixed])
            out[~fixed] = 3 + k[order][pos]
        return out

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.s_AMPA = a["s_AMPA"]; self.s_GABA = a["s_GABA"]
        self.s_NMDA = a["s_NMDA"]; self.I_NMDA = a["I_NMDA"]; self.I_AMPA = a["I_AMPA"]
        self.I_GABA = a["I_GABA"]; self.E_L = a["E_L"]; self.E_ex = a["E_ex"]
        self.E_in = a["E_in"]; self.V_th = a["V_th"]; self.V_reset = a["V_reset"]
        self.C_m = a["C_m"]; self.g_L = a["g_L"]; self.tau_AMPA = a["tau_AMPA"]
        self.tau_GABA = a["tau_GABA"]; self.tau_rise = a["tau_rise_NMDA"]
        self.tau_decay = a["tau_decay_NMDA"]; self.alpha = a["alpha"]
        self.conc_Mg2 = a["conc_Mg2"]; self.tol = a["gsl_error_tol"]
        self.I_stim = a["I_stim"]; self.h_int = a["h_int"]; self.r = a["r"]
        self.gid = self.gids

    def pre_run(self, engine):
        a = self.arrays
        self.ref_counts = engine.ms_to_steps(a["t_ref"])
        unset = a["h_int"] <= 0.0
        a["h_int"][unset] = engine.resolution
        if not self.started:
            # the NMDA connections of each node, in the order of connection
            rows, chans = self.ports()
            w = (np.concatenate(self.port_weights) if self.port_weights
                 else np.empty(0, np.float64))
            order = np.argsort(rows, kind="stable")
            self.port_ptr = np.concatenate(
                [[0], np.cumsum(np.bincount(rows, minlength=self.n))]).astype(np.int64)
            self.port_ch = np.ascontiguousarray(chans[order], np.int64)
            self.port_w = np.ascontiguousarray(w[order], np.float64)
            self.port_y = np.zeros(2 * len(rows), np.float64)
            self.started = True

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, k, K, n = self.n
        cdef long lag
        cdef double *row
        cdef double *all_ch
        cdef double y[66]
        cdef int64_t c, p0
        cdef int st
        cdef rkf45_work work
        cdef BwExactParams q
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            all_ch = input_row(ctx, lag, 0)
            for i in range(ctx.lo, ctx.hi):
                c = i * 4
                p0 = self.port_ptr[i]
                K = self.port_ptr[i + 1] - p0
                q.E_L = self.E_L[i]; q.E_ex = self.E_ex[i]; q.E_in = self.E_in[i]
                q.C_m = self.C_m[i]; q.g_L = self.g_L[i]; q.tau_AMPA = self.tau_AMPA[i]
                q.tau_GABA = self.tau_GABA[i]; q.tau_rise = self.tau_rise[i]
                q.tau_decay = self.tau_decay[i]; q.alpha = self.alpha[i]
                q.conc_Mg2 = self.conc_Mg2[i]; q.I_stim = self.I_stim[i]
                q.n_nmda = K
                q.w = &self.port_w[p0] if K > 0 else NULL
                q.I_AMPA = self.I_AMPA[i]; q.I_GABA = self.I_GABA[i]
                q.I_NMDA = self.I_NMDA[i]; q.s_NMDA = self.s_NMDA[i]
                y[0] = self.V_m[i]; y[1] = self.s_AMPA[i]; y[2] = self.s_GABA[i]
                for k in range(2 * K):
                    y[3 + k] = self.port_y[2 * p0 + k]
                st = rkf45_advance(&work, self.tol[i], 0.0, bw_exact_rhs, &q, 3 + 2 * K, ctx.h,
                                   &self.h_int[i], y, NULL)
                if st != 0:
                    self.error_code = st
                y[1] += row[c]
                y[2] += row[c + 1]
                for k in range(K):
                    y[3 + 2 * k] += all_ch[self.port_ch[p0 + k]]
                    all_ch[self.port_ch[p0 + k]] = 0.0
                if self.r[i] > 0:
                    self.r[i] -= 1
                    y[0] = self.V_reset[i]
                elif y[0] >= self.V_th[i]:
                    self.r[i] = self.ref_counts[i]
                    y[0] = self.V_reset[i]
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                self.V_m[i] = y[0]; self.s_AMPA[i] = y[1]; self.s_GABA[i] = y[2]
                for k in range(2 * K):
                    self.port_y[2 * p0 + k] = y[3 + k]
                self.I_AMPA[i] = q.I_AMPA; self.I_GABA[i] = q.I_GABA; self.I_NMDA[i] = q.I_NMDA
                self.s_NMDA[i] = q.s_NMDA
                self.I_stim[i] = row[c + 3]
                row[c] = 0.0; row[c + 1] = 0.0; row[c + 2] = 0.0; row[c + 3] = 0.0


MODELS["iaf_bw_2001_exact"] = IafBw2001Exact
