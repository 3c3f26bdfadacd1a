# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""iaf_cond_alpha_mc -- three-compartment integrate-and-fire neuron with alpha conductances.

Equations
---------
Compartments soma (s), proximal (p) and distal (d) dendrite, coupled by the
passive conductances g_sp (s-p) and g_pd (p-d).  For each compartment X

    C_m.X dV_X/dt = -g_L.X (V_X - E_L.X) - g_ex.X (V_X - E_ex.X)
                    - g_in.X (V_X - E_in.X) - I_conn.X + I_stim.X + I_e.X
    I_conn.s = g_sp (V_s - V_p)
    I_conn.p = g_sp (V_p - V_s) + g_pd (V_p - V_d)
    I_conn.d = g_pd (V_d - V_p)
    dg_Y.X/dt = dg'_Y.X - g_Y.X / tau_syn_Y.X,   dg'_Y.X/dt = -dg'_Y.X / tau_syn_Y.X

(Y = ex, in).  A spike of weight w on receptor ``<compartment>_exc``
(``_inh``) adds w e / tau_syn_ex (tau_syn_in) of that compartment to dg'_ex
(dg'_in): the conductance peaks at w nS after tau_syn.  The weight's sign is
not inspected (the receptor decides), as in NEST.  The soma fires when
V_s >= V_th and is then held at V_reset for t_ref; in the right-hand side the
somatic potential enters as min(V_s, V_th) (V_reset while refractory).  As
NEST's implementation does, all three membrane potentials stand still
(dV/dt = 0) while the soma is refractory; the dendrites are never reset.

Numerics
--------
GSL's adaptive RKF45 (``gsl_odeiv_evolve_apply`` with
``control_y_new(1e-3, 0)``) on NEST's 15-element state vector, compartment
by compartment (V_m, dg_ex, g_ex, dg_in, g_in), reproduced bit for bit by
``kernel/rkf45.h``; one integration step size per neuron carried across
steps.  Per step: integrate; add the step's spikes; refractory clamp /
threshold / reset; store the step's currents for the next step.
``t_ref`` is rounded to steps as NEST's ``Time``.

Parameters
----------
Top level:

    ``V_th``     -55 mV    spike threshold (soma)
    ``V_reset``  -60 mV    reset potential (soma)
    ``t_ref``    2 ms      absolute refractory period
    ``g_sp``     2.5 nS    soma-proximal coupling conductance
    ``g_pd``     1.0 nS    proximal-distal coupling conductance

In the sub-dictionaries ``soma``, ``proximal`` and ``distal`` (NEST's
defaults soma / proximal / distal):

    ``g_L``         10 / 5 / 10 nS       leak conductance
    ``C_m``         150 / 75 / 150 pF    membrane capacitance
    ``E_L``         -70 mV               leak reversal potential
    ``E_ex``        0 mV                 excitatory reversal potential
    ``E_in``        -85 mV               inhibitory reversal potential
    ``tau_syn_ex``  0.5 ms               excitatory alpha time constant
    ``tau_syn_in``  2 ms                 inhibitory alpha time constant
    ``I_e``         0 pA                 constant input current
    ``V_m``         -70 mV               membrane potential (state)

Receptor types (``receptor_types``): spikes ``soma_exc`` 1, ``soma_inh`` 2,
``proximal_exc`` 3, ``proximal_inh`` 4, ``distal_exc`` 5, ``distal_inh`` 6;
currents ``soma_curr`` 7, ``proximal_curr`` 8, ``distal_curr`` 9.
Recordables ``V_m.s``, ``g_ex.s``, ``g_in.s`` (and ``.p``, ``.d``),
``t_ref_remaining``.  Sends spikes.

References: Meffin H et al. (2004) J Comput Neurosci 16:159-175;
Bernander O et al. (1991) PNAS 88:11569-11573.
See also: iaf_cond_alpha.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport M_E
from libc.stdint cimport int64_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row
from pynestlite.kernel.rkf45 cimport rkf45_advance, rkf45_work
from pynestlite.models.compartments cimport CompartmentBlock
from pynestlite.models.compartments import compartment_columns, flat_name

cnp.import_array()

cdef enum:
    NCOMP = 3           # compartments
    NSTATE = 15         # state vector: 5 per compartment
    NCOLS = 42          # columns read through pointers (COLUMNS)
    C_G_L = 15          # first column of each per-compartment parameter
    C_C_M = 18
    C_E_EX = 21
    C_E_IN = 24
    C_E_L = 27
    C_TAU_EX = 30
    C_TAU_IN = 33
    C_I_E = 36
    C_I_STIM = 39

COMPARTMENTS = (("soma", "s"), ("proximal", "p"), ("distal", "d"))
# per-compartment parameters with the defaults of soma, proximal, distal
COMPARTMENT_PARAMETERS = {
    "g_L": (10.0, 5.0, 10.0), "C_m": (150.0, 75.0, 150.0), "E_ex": (0.0, 0.0, 0.0),
    "E_in": (-85.0, -85.0, -85.0), "E_L": (-70.0, -70.0, -70.0),
    "tau_syn_ex": (0.5, 0.5, 0.5), "tau_syn_in": (2.0, 2.0, 2.0), "I_e": (0.0, 0.0, 0.0)}
RECEPTOR_TYPES = {"soma_exc": 1, "soma_inh": 2, "proximal_exc": 3, "proximal_inh": 4,
                  "distal_exc": 5, "distal_inh": 6, "soma_curr": 7, "proximal_curr": 8,
                  "distal_curr": 9}
_COMP_PARAMETERS, _COMP_STATE, _FLAT = compartment_columns(
    COMPARTMENTS, COMPARTMENT_PARAMETERS, (-70.0, -70.0, -70.0))
MC_PARAMETERS = dict({"V_th": -55.0, "V_reset": -60.0, "t_ref": 2.0, "g_sp": 2.5,
                      "g_pd": 1.0}, **_COMP_PARAMETERS)
MC_INTERNAL = dict({"r": 0, "h_int": 0.0},
                   **{flat_name(k, c): 0.0 for k in ("dg_ex", "g_ex", "dg_in", "g_in", "I_stim")
                      for _, c in COMPARTMENTS})
MC_SPIKE_RECEPTORS = {r: (r - 1, False, False) for r in range(1, 7)}
MC_RECORDABLES = tuple(flat_name(k, c) for _, c in COMPARTMENTS
                       for k in ("V_m", "g_ex", "g_in")) + ("t_ref_remaining",)
# the columns the update loop reads through pointers: the state vector in
# NEST's order (per compartment V_m, dg_ex, g_ex, dg_in, g_in), then per
# parameter the three compartments
COLUMNS = tuple(flat_name(k, c) for _, c in COMPARTMENTS
                for k in ("V_m", "dg_ex", "g_ex", "dg_in", "g_in")) + tuple(
    flat_name(k, c) for k in ("g_L", "C_m", "E_ex", "E_in", "E_L", "tau_syn_ex", "tau_syn_in",
                              "I_e", "I_stim") for _, c in COMPARTMENTS)


ctypedef struct McParams:
    int refractory
    double V_th, V_reset, g_sp, g_pd
    double g_L[NCOMP]
    double C_m[NCOMP]
    double E_ex[NCOMP]
    double E_in[NCOMP]
    double E_L[NCOMP]
    double tau_ex[NCOMP]
    double tau_in[NCOMP]
    double I_e[NCOMP]
    double I_stim[NCOMP]


cdef int mc_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = per compartment (V_m, dg_ex, g_ex, dg_in, g_in), soma first
    cdef McParams *q = <McParams *>p
    cdef int n, b
    cdef double V, I_conn, I_syn_exc, I_syn_inh, I_L
    for n in range(NCOMP):
        b = 5 * n
        if n == 0:
            V = q.V_reset if q.refractory else (y[0] if y[0] < q.V_th else q.V_th)
            I_conn = q.g_sp * (V - y[5])
        elif n == 1:
            V = y[5]
            I_conn = q.g_sp * (V - y[0]) + q.g_pd * (V - y[10])
        else:
            V = y[10]
            I_conn = q.g_pd * (V - y[5])
        I_syn_exc = y[b + 2] * (V - q.E_ex[n])
        I_syn_inh = y[b + 4] * (V - q.E_in[n])
        I_L = q.g_L[n] * (V - q.E_L[n])
        # (the somatic refractory state freezes every compartment, as in NEST)
        f[b] = 0.0 if q.refractory else \
            (-I_L - I_syn_exc - I_syn_inh - I_conn + q.I_stim[n] + q.I_e[n]) / q.C_m[n]
        f[b + 1] = -y[b + 1] / q.tau_ex[n]
        f[b + 2] = y[b + 1] - y[b + 2] / q.tau_ex[n]
        f[b + 3] = -y[b + 3] / q.tau_in[n]
        f[b + 4] = y[b + 3] - y[b + 4] / q.tau_in[n]
    return 0


cdef class IafCondAlphaMc(CompartmentBlock):
    """Three-compartment conductance-based neuron (NEST's iaf_cond_alpha_mc).

    Per-compartment values live in flat columns named ``<name>.<s|p|d>``;
    the status speaks NEST's sub-dictionaries ``soma``, ``proximal`` and
    ``distal`` (see the module docstring and ``compartments.pyx``).
    """
    threaded = True         # the update reads and writes its own nodes (and their
                            # input channels) only
    nest_name = "iaf_cond_alpha_mc"
    compartments = COMPARTMENTS
    compartment_parameters = COMPARTMENT_PARAMETERS
    receptor_types = RECEPTOR_TYPES
    parameters = MC_PARAMETERS
    state = _COMP_STATE
    internal = MC_INTERNAL
    non_negative = ("t_ref",)
    ordered = (("V_reset", "V_th"),)
    n_channels = 9          # spikes s_ex, s_in, p_ex, p_in, d_ex, d_in; currents s, p, d
    spike_receptors = MC_SPIKE_RECEPTORS
    current_receptors = {7: 6, 8: 7, 9: 8}
    recordables = MC_RECORDABLES
    write_only = _FLAT      # reached through the sub-dictionaries only

    cdef double[::1] V_th, V_reset, g_sp, g_pd, h_int
    cdef int64_t[::1] r, ref_counts, gid
    cdef double *col[NCOLS]           # the per-compartment columns, in COLUMNS order
    cdef double h

    def bind(self):
        cdef double[::1] v
        cdef int j
        a = self.arrays
        self.V_th = a["V_th"]; self.V_reset = a["V_reset"]; self.g_sp = a["g_sp"]
        self.g_pd = a["g_pd"]; self.h_int = a["h_int"]; self.r = a["r"]
        self.gid = self.gids
        for j in range(NCOLS):
            self.col[j] = NULL
        if self.n == 0:
            return
        for j, name in enumerate(COLUMNS):
            v = a[name]
            self.col[j] = &v[0]

    def pre_run(self, engine):
        a = self.arrays
        self.h = engine.resolution
        self.ref_counts = engine.ms_to_steps(a["t_ref"])
        unset = a["h_int"] <= 0.0
        a["h_int"][unset] = engine.resolution

    computed_recordables = ("t_ref_remaining",)

    def sample(self, str name, idx):
        if name == "t_ref_remaining":
            return np.asarray(self.arrays["r"][idx], np.float64) * self.h
        return NodeBlock.sample(self, name, idx)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double y[NSTATE]
        cdef int64_t c
        cdef int st, k, j
        cdef rkf45_work work
        cdef McParams q
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                c = i * 9
                q.refractory = self.r[i] > 0
                q.V_th = self.V_th[i]; q.V_reset = self.V_reset[i]
                q.g_sp = self.g_sp[i]; q.g_pd = self.g_pd[i]
                for k in range(NCOMP):
                    q.g_L[k] = self.col[C_G_L + k][i]
                    q.C_m[k] = self.col[C_C_M + k][i]
                    q.E_ex[k] = self.col[C_E_EX + k][i]
                    q.E_in[k] = self.col[C_E_IN + k][i]
                    q.E_L[k] = self.col[C_E_L + k][i]
                    q.tau_ex[k] = self.col[C_TAU_EX + k][i]
                    q.tau_in[k] = self.col[C_TAU_IN + k][i]
                    q.I_e[k] = self.col[C_I_E + k][i]
                    q.I_stim[k] = self.col[C_I_STIM + k][i]
                for j in range(NSTATE):
                    y[j] = self.col[j][i]
                st = rkf45_advance(&work, 1e-3, 0.0, mc_rhs, &q, NSTATE, ctx.h,
                                   &self.h_int[i], y, NULL)
                if st != 0:
                    self.error_code = st
                for k in range(NCOMP):
                    y[5 * k + 1] += row[c + 2 * k] * (1.0 * M_E / q.tau_ex[k])
                    y[5 * k + 3] += row[c + 2 * k + 1] * (1.0 * M_E / q.tau_in[k])
                if self.r[i] > 0:
                    self.r[i] -= 1
                    y[0] = self.V_reset[i]
                elif y[0] >= self.V_th[i]:
                    self.r[i] = self.ref_counts[i]
                    y[0] = self.V_reset[i]
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                for j in range(NSTATE):
                    self.col[j][i] = y[j]
                for k in range(NCOMP):
                    self.col[C_I_STIM + k][i] = row[c + 6 + k]
                for k in range(9):
                    row[c + k] = 0.0


MODELS = {"iaf_cond_alpha_mc": IafCondAlphaMc}
