# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""glif_psc, glif_psc_double_alpha, glif_cond -- generalized leaky
integrate-and-fire neurons of the Allen Institute (Teeter et al. 2018).

Equations
---------
With U = V_m - E_L, tau_m = C_m/g (glif_cond: C_m/g_m):

    C_m dU/dt = -g U + I + I_ASC + I_syn
    I_ASC = sum_j I_j,            dI_j/dt = -k_j I_j       (k_j = asc_decay[j])
    threshold = V_th + th_s + th_v
    dth_s/dt = -b_s th_s                                   (b_s = th_spike_decay)
    dth_v/dt = a_v U - b_v th_v                            (a_v = th_voltage_index,
                                                            b_v = th_voltage_decay)

I is the input current (dc, step, noise generators; receptor 0).  The
synaptic current I_syn of receptor k (spikes on receptor_type k = 1 ... n):

glif_psc:               an alpha function of time constant tau_syn[k-1]; a
                        spike of weight w gives a PSC peaking at w pA after
                        tau_syn.
glif_psc_double_alpha:  the sum of two alpha functions, tau_syn_fast[k-1]
                        (peak w) and tau_syn_slow[k-1] (peak amp_slow[k-1] w).
glif_cond:              I_syn = -sum_k g_k (V_m - E_rev[k-1]), g_k an alpha
                        conductance of time constant tau_syn[k-1] peaking at
                        w nS (any sign of w, as NEST).

The three booleans ``spike_dependent_threshold`` (R), ``after_spike_currents``
(ASC) and ``adapting_threshold`` (A) select the mechanisms: GLIF1 (none),
GLIF2 (R), GLIF3 (ASC), GLIF4 (R, ASC), GLIF5 (R, ASC, A); other
combinations raise BadProperty.  Without ASC, I_ASC = 0; without R, th_s
stays 0; without A, th_v stays 0.

A spike is emitted when U exceeds the threshold at the end of a step (not
refractory).  Then, for t_ref (whole steps), the node is refractory: U,
the after-spike currents and the threshold components are frozen (the
synaptic currents or conductances keep evolving).  At the spike:

    I_j <- asc_amps[j] + I_j asc_r[j] exp(-k_j t_ref)               (ASC)
    without R:  U <- V_reset - E_L
    with R:     U <- voltage_reset_fraction U_old + voltage_reset_add,
                th_s <- th_s exp(-b_s t_ref) + th_spike_add

where U_old is U at the start of the step.

Numerics
--------
As NEST, per step of length h (not refractory): th_s decays by
exp(-b_s h); I_ASC for the step is the exact mean of each current over the
step, (1 - exp(-k_j h))/(k_j h) I_j, after which I_j decays by exp(-k_j h);
th_v is the exact solution of its equation for U moving exponentially from
U_old towards (I + I_ASC)/g; U:

glif_psc*:  exact integration: U <- P33 U + P30 (I + I_ASC) + sum_k (P31_k y1_k
            + P32_k y2_k) with P33 = exp(-h/tau_m), P30 = (1 - P33) tau_m/C_m
            and the alpha-PSC propagators of ``propagators.h`` (NEST's
            IAFPropagatorAlpha, the tau_m == tau_syn limit included); then
            the PSCs propagate and take the step's spikes (w e/tau_syn).
glif_cond:  GSL's RKF45 (``kernel/rkf45.h``, ``control_y_new(1e-3, 0)``, one
            integration step size per node carried across steps) on the
            state (U, dg_1, g_1, dg_2, g_2, ...) in NEST's order and
            arithmetic, with I and I_ASC of the previous step held constant
            and U clamped to V_reset (dU/dt = 0) in the synaptic currents
            while refractory; the step's spikes then add w e/tau_syn to dg_k.
            At most 32 receptors.

Each step's input current I is stored for the next step.  As NEST,
``asc_init`` is a parameter without effect on the state: the after-spike
currents start as ``ASCurrents`` (settable with ASC only, as many as
``asc_decay``).  The number of receptors (the length of ``tau_syn``, or of
E_rev & tau_syn, or tau_syn_fast & tau_syn_slow & amp_slow, which must be
equal) cannot change once the node has connections.

Parameters
----------
    ``V_th``                     -51.68 mV      instantaneous threshold
    ``g`` (glif_cond: ``g_m``)   9.43 nS        membrane conductance
    ``E_L``                      -78.85 mV      resting potential
    ``C_m``                      58.72 pF       membrane capacitance
    ``t_ref``                    3.75 ms        refractory period (> 0)
    ``V_reset``                  -78.85 mV      reset potential (GLIF1, 3)
    ``th_spike_add``             0.37 mV        threshold jump at a spike
    ``th_spike_decay``           0.009 1/ms     b_s
    ``voltage_reset_fraction``   0.2            f_v in [0, 1]
    ``voltage_reset_add``        18.51 mV       reset addition
    ``th_voltage_index``         0.005 1/ms     a_v
    ``th_voltage_decay``         0.09 1/ms      b_v
    ``asc_init``                 [0, 0] pA      (no effect, see above)
    ``asc_decay``                [0.003, 0.1] 1/ms   k_j (> 0)
    ``asc_amps``                 [-9.18, -198.94] pA
    ``asc_r``                    [1, 1]         in [0, 1]
    ``spike_dependent_threshold``, ``after_spike_currents``,
    ``adapting_threshold``       False
    glif_psc:               ``tau_syn`` [2] ms
    glif_psc_double_alpha:  ``tau_syn_fast`` [2] ms, ``tau_syn_slow`` [6] ms,
                            ``amp_slow`` [0.3] (> 0)
    glif_cond:              ``tau_syn`` [0.2, 2] ms, ``E_rev`` [0, -85] mV

State: ``V_m`` (mV), ``ASCurrents`` (pA), ``threshold_spike``,
``threshold_voltage`` (mV; glif_cond: settable, not reported, as NEST);
glif_cond also ``g``, ``dg`` (read only, per receptor); read only
``has_connections``.  Recordables ``V_m``,
``threshold``, ``threshold_spike``, ``threshold_voltage``, ``ASCurrents_sum``
and ``I`` (values of the last non-refractory step where NEST holds them),
glif_psc*: ``I_syn``; glif_cond: ``g_1`` ... ``g_n``.

References: Teeter C et al. (2018) Generalized leaky integrate-and-fire
models classify multiple neuron types. Nat Commun 9:709.
Meffin H, Burkitt AN, Grayden DB (2004) J Comput Neurosci 16:159-175.
See also: iaf_psc_alpha_multisynapse, aeif_cond_alpha_multisynapse.
"""
import numpy as np
cimport numpy as cnp
from cpython.mem cimport PyMem_Malloc, PyMem_Free
from libc.math cimport exp, M_E
from libc.stdint cimport int64_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row
from pynestlite.kernel.rkf45 cimport rkf45_advance, rkf45_work
from pynestlite.models.multisynapse cimport MultisynapseBlock
from pynestlite.models.propagators cimport pnl_psc_propagator, pnl_iaf_propagator
from pynestlite.errors import BadProperty, plain

cnp.import_array()


MECHANISMS = ("spike_dependent_threshold", "after_spike_currents", "adapting_threshold")
ASC_LISTS = ("asc_init", "asc_decay", "asc_amps", "asc_r")


def _glif_parameters(g_name):
    """The parameters every GLIF model has (NEST's defaults, GLIF5 of Allen
    cell 490626718); ``g_name`` is the membrane conductance's name."""
    return {"V_th": -51.68, g_name: 9.43, "E_L": -78.85, "C_m": 58.72, "t_ref": 3.75,
            "V_reset": -78.85, "th_spike_add": 0.37, "th_spike_decay": 0.009,
            "voltage_reset_fraction": 0.2, "voltage_reset_add": 18.51,
            "th_voltage_index": 0.005, "th_voltage_decay": 0.09,
            "asc_init": (0.0, 0.0), "asc_decay": (0.003, 0.1), "asc_amps": (-9.18, -198.94),
            "asc_r": (1.0, 1.0), "spike_dependent_threshold": False,
            "after_spike_currents": False, "adapting_threshold": False}


cdef class GlifBlock(MultisynapseBlock):
    """The GLIF mechanisms shared by the three models: parameters and their
    checks, after-spike currents (per node a list; the currents live in the
    columns ``ASC_1`` ... of the block's capacity), threshold components,
    spike and reset.  Subclasses integrate the membrane and the synapses."""
    g_name = "g"
    state = {"V_m": -78.85, "ASCurrents": (0.0, 0.0), "threshold_spike": 0.0,
             "threshold_voltage": 0.0, "has_connections": False}
    read_only = ("has_connections",)
    internal = {"r": 0, "n_receptors": 1, "n_asc": 2, "I": 0.0, "I_syn": 0.0,
                "ASCurrents_sum": 0.0, "threshold": 0.0}
    relative = ("V_m", "V_th", "V_reset")
    non_negative = ()
    ordered = (("V_reset", "V_th"),)
    count_name = "n_receptors"
    may_grow_when_connected = False
    fixed_recordables = ("V_m", "ASCurrents_sum", "I", "I_syn", "threshold", "threshold_spike",
                         "threshold_voltage")

    cdef public int64_t asc_capacity
    cdef double **asc                   # after-spike current j of node i: asc[j][i]
    cdef object pending                 # (updates, rows) of the set being checked
    cdef double[::1] V_m, V_th, V_reset, G, C_m, I_in, I_syn, asc_sum, threshold
    cdef double[::1] th_spike, th_voltage, th_spike_add, v_frac, v_add
    cdef double[::1] th_s_rate, th_s_ref_rate, pot_rate, th_v_rate, phi, ab_ratio
    cdef double[:, ::1] asc_rate, asc_mean, asc_ref_rate, asc_amps
    cdef unsigned char[::1] has_spike, has_asc, has_voltage
    cdef int64_t[::1] r, nrec, n_asc_run, ref_counts, gid

    def __init__(self, str model, gids, first_gid, last_gid, dict defaults):
        self.asc = NULL
        self.asc_capacity = 0
        self.pending = None
        MultisynapseBlock.__init__(self, model, gids, first_gid, last_gid, defaults)
        self.write_asc(np.arange(self.n), list(self.arrays["ASCurrents"]))

    def __dealloc__(self):
        PyMem_Free(self.asc)

    @classmethod
    def derived_defaults(cls, defaults):
        first = cls.receptor_lists[0]
        k = len(defaults.get(first, cls.parameters[first]))
        return {"recordables": sorted(cls.names_for(k))}

    @classmethod
    def names_for(cls, k):
        return tuple(cls.fixed_recordables)

    def write_asc(self, rows, values):
        """Set the after-spike currents of ``rows`` (lists of values)."""
        m = max([len(v) for v in values] + [0])
        if m > self.asc_capacity:
            for j in range(self.asc_capacity + 1, m + 1):
                self.arrays.setdefault(f"ASC_{j}", np.zeros(self.n))
            self.asc_capacity = m
            self.bind()
        for i, v in zip(rows, values):
            self.arrays["n_asc"][i] = len(v)
            for j in range(self.asc_capacity):
                self.arrays[f"ASC_{j + 1}"][i] = v[j] if j < len(v) else 0.0

    def bind_model(self):
        cdef int64_t j
        cdef double[::1] col
        a = self.arrays
        PyMem_Free(self.asc)
        self.asc = NULL
        if self.asc_capacity and self.n:
            self.asc = <double **>PyMem_Malloc(self.asc_capacity * sizeof(double *))
            for j in range(self.asc_capacity):
                col = a[f"ASC_{j + 1}"]
                self.asc[j] = &col[0]
        self.V_m = a["V_m"]; self.V_th = a["V_th"]; self.V_reset = a["V_reset"]
        self.G = a[self.g_name]; self.C_m = a["C_m"]; self.I_in = a["I"]; self.I_syn = a["I_syn"]
        self.asc_sum = a["ASCurrents_sum"]; self.threshold = a["threshold"]
        self.th_spike = a["threshold_spike"]; self.th_voltage = a["threshold_voltage"]
        self.th_spike_add = a["th_spike_add"]; self.v_frac = a["voltage_reset_fraction"]
        self.v_add = a["voltage_reset_add"]
        self.has_spike = a["spike_dependent_threshold"]; self.has_asc = a["after_spike_currents"]
        self.has_voltage = a["adapting_threshold"]
        self.r = a["r"]; self.nrec = a["n_receptors"]
        self.gid = self.gids

    # ------------------------------------------------------------------
    # parameters
    def get(self, str name, idx):
        if name == "ASCurrents":
            counts = self.arrays["n_asc"]
            return [np.array([self.arrays[f"ASC_{j}"][i] for j in range(1, counts[i] + 1)],
                             np.float64) for i in idx]
        if name in ASC_LISTS:
            return [np.array(self.arrays[name][i], np.float64) for i in idx]
        return MultisynapseBlock.get(self, name, idx)

    def set(self, dict updates, idx, engine=None):
        idx = np.asarray(idx, np.int64)
        updates = dict(updates)
        for name in ASC_LISTS + ("ASCurrents",):
            if name in updates:
                updates[name] = [self.number_list(name, v) for v in updates[name]]
        self.pending = (updates, idx)
        try:
            MultisynapseBlock.set(self, updates, idx, engine)
        finally:
            self.pending = None
        if "ASCurrents" in updates:
            self.write_asc(idx, updates["ASCurrents"])

    def number_list(self, str name, v):
        """One node's value of a list parameter: finite numbers."""
        if np.ndim(v) > 1:
            raise BadProperty(f"{self.model}: {name} must be a list of numbers, got {v!r}")
        try:
            arr = np.asarray(v, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise BadProperty(f"{self.model}: {name} must be a list of numbers, "
                              f"got {v!r}") from None
        if np.any(~np.isfinite(arr)):
            raise BadProperty(f"{self.model}: {name} must be finite, got "
                              f"{[plain(x) for x in arr]}")
        return tuple(float(x) for x in arr)

    def check(self, dict values):
        # (values: the rows' scalar parameters after the update; the lists
        # come from the pending update or the stored rows)
        MultisynapseBlock.check(self, values)
        spike = np.asarray(values["spike_dependent_threshold"], bool)
        asc = np.asarray(values["after_spike_currents"], bool)
        volt = np.asarray(values["adapting_threshold"], bool)
        bad = volt & ~(spike & asc)
        if np.any(bad):
            j = int(np.argmax(bad))
            raise BadProperty(
                f"{self.model}: incorrect model mechanism combination "
                f"(spike_dependent_threshold, after_spike_currents, adapting_threshold) = "
                f"({bool(spike[j])}, {bool(asc[j])}, {bool(volt[j])}); supported: GLIF1 "
                "(False, False, False), GLIF2 (True, False, False), GLIF3 (False, True, "
                "False), GLIF4 (True, True, False), GLIF5 (True, True, True)")
        for flag, name, what in ((spike, "th_spike_decay", "spike-induced threshold rate"),
                                 (volt, "th_voltage_decay", "voltage-induced threshold rate")):
            v = np.asarray(values[name])
            if np.any(flag & (v <= 0.0)):
                raise BadProperty(f"{self.model}: {name} ({what}) must be strictly positive, "
                                  f"got {plain(v[flag & (v <= 0.0)][0])}")
        frac = np.asarray(values["voltage_reset_fraction"])
        if np.any(spike & ((frac < 0.0) | (frac > 1.0))):
            raise BadProperty(f"{self.model}: voltage_reset_fraction must be within [0, 1], "
                              f"got {plain(frac[spike & ((frac < 0.0) | (frac > 1.0))][0])}")
        if self.pending is None:
            return
        updates, idx = self.pending
        lists = {name: updates[name] if name in updates else [self.arrays[name][i] for i in idx]
                 for name in ASC_LISTS}
        for j in range(len(idx)):
            if not asc[j]:
                continue
            sizes = [len(lists[name][j]) for name in ASC_LISTS]
            if len(set(sizes)) > 1:
                raise BadProperty(f"{self.model}: all after-spike current parameters ("
                                  f"{', '.join(ASC_LISTS)}) must have the same size, got "
                                  f"sizes {sizes}")
            if any(k <= 0.0 for k in lists["asc_decay"][j]):
                raise BadProperty(f"{self.model}: after-spike current rates asc_decay must be "
                                  f"strictly positive, got {list(lists['asc_decay'][j])}")
            if any(x < 0.0 or x > 1.0 for x in lists["asc_r"][j]):
                raise BadProperty(f"{self.model}: after-spike current fractions asc_r must be "
                                  f"within [0, 1], got {list(lists['asc_r'][j])}")
        if "ASCurrents" in updates:
            for j in range(len(idx)):
                if not asc[j]:
                    raise BadProperty(f"{self.model}: ASCurrents can only be set with "
                                      "after_spike_currents (GLIF3, 4, 5)")
                if len(updates["ASCurrents"][j]) != len(lists["asc_decay"][j]):
                    raise BadProperty(
                        f"{self.model}: ASCurrents must have the size of the after-spike "
                        f"current parameters ({len(lists['asc_decay'][j])}), got "
                        f"{len(updates['ASCurrents'][j])}")
        for name, flag, mechanism in (("threshold_spike", spike, "spike_dependent_threshold"),
                                      ("threshold_voltage", volt, "adapting_threshold")):
            if name in updates and not np.all(flag):
                raise BadProperty(f"{self.model}: {name} can only be set with {mechanism}")

    def sample(self, str name, idx):
        if name == "threshold":
            return self.arrays["threshold"][idx] + self.arrays["E_L"][idx]
        if name == "I_syn":
            return NodeBlock.sample(self, name, idx)
        return MultisynapseBlock.sample(self, name, idx)

    # ------------------------------------------------------------------
    # simulation
    def pre_run(self, engine):
        cdef double h = engine.resolution
        cdef Py_ssize_t i, j, n = self.n, A = max(self.asc_capacity, 1)
        a = self.arrays
        self.ref_counts = engine.ms_to_steps(a["t_ref"])
        names = ("th_s_rate", "th_s_ref_rate", "pot_rate", "th_v_rate", "phi", "ab_ratio")
        out = {key: np.zeros(n) for key in names}
        cdef double[::1] s_rate = out["th_s_rate"], s_ref = out["th_s_ref_rate"]
        cdef double[::1] pot = out["pot_rate"], v_rate = out["th_v_rate"]
        cdef double[::1] phi = out["phi"], ab = out["ab_ratio"]
        cdef double[::1] bs = a["th_spike_decay"], av = a["th_voltage_index"]
        cdef double[::1] bv = a["th_voltage_decay"], t_ref = a["t_ref"]
        cdef double[::1] G = a[self.g_name], C_m = a["C_m"]
        rate = np.zeros((n, A)); mean = np.zeros((n, A)); ref = np.zeros((n, A))
        amps = np.zeros((n, A))
        cdef double[:, ::1] rate_v = rate, mean_v = mean, ref_v = ref
        n_run = np.zeros(n, np.int64)
        cdef double k
        for i in range(n):
            s_rate[i] = exp(-bs[i] * h)
            s_ref[i] = exp(-bs[i] * t_ref[i])
            pot[i] = exp(-G[i] * h / C_m[i])
            v_rate[i] = 1 / exp(bv[i] * h)
            phi[i] = av[i] / (bv[i] - G[i] / C_m[i])
            ab[i] = av[i] / bv[i]
            if not self.has_asc[i]:
                continue
            decay = a["asc_decay"][i]
            n_run[i] = min(int(a["n_asc"][i]), len(decay))
            for j in range(n_run[i]):
                k = decay[j]
                rate_v[i, j] = exp(-k * h)
                mean_v[i, j] = ((1.0 / k) / h) * (1.0 - rate_v[i, j])
                ref_v[i, j] = a["asc_r"][i][j] * exp(-k * t_ref[i])
                amps[i, j] = a["asc_amps"][i][j]
        self.th_s_rate = s_rate; self.th_s_ref_rate = s_ref; self.pot_rate = pot
        self.th_v_rate = v_rate; self.phi = phi; self.ab_ratio = ab
        self.asc_rate = rate; self.asc_mean = mean; self.asc_ref_rate = ref
        self.asc_amps = amps; self.n_asc_run = n_run

    cdef inline double adapt(self, Py_ssize_t i) noexcept nogil:
        """Start of a non-refractory step: the spike component of the
        threshold decays; the after-spike currents give their mean over the
        step (returned, and stored as ASCurrents_sum) and decay."""
        cdef Py_ssize_t j
        cdef double s = 0.0
        if self.has_spike[i]:
            self.th_spike[i] = self.th_spike[i] * self.th_s_rate[i]
        for j in range(self.n_asc_run[i]):
            s += self.asc_mean[i, j] * self.asc[j][i]
            self.asc[j][i] = self.asc[j][i] * self.asc_rate[i, j]
        self.asc_sum[i] = s
        return s

    cdef inline double new_threshold(self, Py_ssize_t i, double v_old, double I_stim,
                                     double asc_sum) noexcept nogil:
        """The voltage component of the threshold over a non-refractory step
        from U = ``v_old`` (exact, GLIF5) and the total threshold (relative
        to E_L, returned)."""
        cdef double beta, p
        if self.has_voltage[i]:
            beta = (I_stim + asc_sum) / self.G[i]
            p = self.phi[i]
            self.th_voltage[i] = (p * (v_old - beta) * self.pot_rate[i]
                                  + self.th_v_rate[i] * (self.th_voltage[i] - p * (v_old - beta)
                                                         - self.ab_ratio[i] * beta)
                                  + self.ab_ratio[i] * beta)
        self.threshold[i] = self.th_spike[i] + self.th_voltage[i] + self.V_th[i]
        return self.threshold[i]

    cdef inline double fire(self, SliceContext *ctx, Py_ssize_t i, double v_old,
                            long lag) noexcept nogil:
        """A spike: refractoriness, after-spike current jumps, threshold jump;
        returns the reset U."""
        cdef Py_ssize_t j
        cdef double U
        self.r[i] = self.ref_counts[i]
        for j in range(self.n_asc_run[i]):
            self.asc[j][i] = self.asc_amps[i, j] + self.asc[j][i] * self.asc_ref_rate[i, j]
        if not self.has_spike[i]:
            U = self.V_reset[i]
        else:
            U = self.v_frac[i] * v_old + self.v_add[i]
            self.th_spike[i] = self.th_spike[i] * self.th_s_ref_rate[i] + self.th_spike_add[i]
            self.threshold[i] = self.th_spike[i] + self.th_voltage[i] + self.V_th[i]
        pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
        return U

    cdef inline void refractory_step(self, Py_ssize_t i) noexcept nogil:
        self.r[i] -= 1
        self.threshold[i] = self.th_spike[i] + self.th_voltage[i] + self.V_th[i]


cdef class GlifPsc(GlifBlock):
    """glif_psc (one alpha function per receptor) and, with two components,
    glif_psc_double_alpha; see the module docstring."""
    parameters = dict(_glif_parameters("g"), tau_syn=(2.0,))
    strictly_positive = ("C_m", "g", "t_ref")
    receptor_lists = ("tau_syn",)
    # per component c (fast, slow) and receptor k: the PSC y2 and its derivative y1
    receptor_state = ("y2", "y1")
    threaded = True         # the update reads and writes its own nodes only

    cdef double[::1] P33, P30
    cdef double[:, ::1] P11, P21, P31, P32, psc0     # (n, component * capacity + k)
    cdef Py_ssize_t ncomp

    def time_constants(self):
        """Per component: (n, capacity) time constants and PSC amplitude factors."""
        return [(self.rows_matrix("tau_syn"), np.ones((self.n, max(self.capacity, 1))))]

    def pre_run(self, engine):
        GlifBlock.pre_run(self, engine)
        cdef double h = engine.resolution
        cdef Py_ssize_t i, k, c, n = self.n, K = max(self.capacity, 1)
        cdef double tau_m, tau
        cdef pnl_psc_propagator pp
        a = self.arrays
        comps = self.time_constants()
        m = len(comps)
        p11 = np.zeros((n, m * K)); p21 = np.zeros((n, m * K)); p31 = np.zeros((n, m * K))
        p32 = np.zeros((n, m * K)); psc0 = np.zeros((n, m * K))
        p33 = np.empty(n); p30 = np.empty(n)
        cdef double[::1] G = a["g"], C_m = a["C_m"]
        for i in range(n):
            tau_m = C_m[i] / G[i]
            p33[i] = exp(-h / tau_m)
            p30[i] = 1 / C_m[i] * (1 - p33[i]) * tau_m
            for c in range(m):
                taus, amps = comps[c]
                for k in range(self.nrec[i]):
                    tau = taus[i, k]
                    p11[i, c * K + k] = exp(-h / tau)
                    p21[i, c * K + k] = h * p11[i, c * K + k]
                    pp = pnl_iaf_propagator(tau, tau_m, C_m[i], h)
                    p31[i, c * K + k] = pp.P31
                    p32[i, c * K + k] = pp.P32
                    psc0[i, c * K + k] = 1.0 * M_E / tau * amps[i, k] if c else 1.0 * M_E / tau
        self.P11 = p11; self.P21 = p21; self.P31 = p31; self.P32 = p32; self.psc0 = psc0
        self.P33 = p33; self.P30 = p30
        self.ncomp = m

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        # columns: y2 of component c, receptor k: Y[2 c K + k]; y1: Y[(2 c + 1) K + k]
        cdef Py_ssize_t i, k, c, n = self.n, K = self.capacity, nch = self.n_channels
        cdef Py_ssize_t m = self.ncomp, ck
        cdef long lag
        cdef double *row
        cdef double *y1
        cdef double *y2
        cdef double v_old, U, asc_sum, I_syn, I_c, x
        cdef double **Y = self.cols
        if n == 0:
            return
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                v_old = self.V_m[i]
                if self.r[i] == 0:
                    asc_sum = self.adapt(i)
                    U = v_old * self.P33[i] + (self.I_in[i] + asc_sum) * self.P30[i]
                    I_syn = 0.0
                    for c in range(m):
                        I_c = 0.0
                        for k in range(self.nrec[i]):
                            ck = c * K + k
                            y2 = Y[2 * c * K + k]
                            y1 = Y[(2 * c + 1) * K + k]
                            U += self.P31[i, ck] * y1[i] + self.P32[i, ck] * y2[i]
                            I_c += y2[i]
                        I_syn = I_syn + I_c
                    self.I_syn[i] = I_syn
                    if U > self.new_threshold(i, v_old, self.I_in[i], asc_sum):
                        U = self.fire(ctx, i, v_old, lag)
                else:
                    self.refractory_step(i)
                    U = v_old
                for k in range(self.nrec[i]):
                    x = row[i * nch + 1 + k]
                    for c in range(m):
                        ck = c * K + k
                        y2 = Y[2 * c * K + k]
                        y1 = Y[(2 * c + 1) * K + k]
                        y2[i] = self.P21[i, ck] * y1[i] + self.P11[i, ck] * y2[i]
                        y1[i] *= self.P11[i, ck]
                        y1[i] += self.psc0[i, ck] * x
                    row[i * nch + 1 + k] = 0.0
                self.V_m[i] = U
                self.I_in[i] = row[i * nch]
                row[i * nch] = 0.0


cdef class GlifPscDoubleAlpha(GlifPsc):
    __doc__ = GlifPsc.__doc__
    parameters = dict(_glif_parameters("g"), tau_syn_fast=(2.0,), tau_syn_slow=(6.0,),
                      amp_slow=(0.3,))
    receptor_lists = ("tau_syn_fast", "tau_syn_slow", "amp_slow")
    receptor_state = ("y2_fast", "y1_fast", "y2_slow", "y1_slow")
    threaded = True         # the update reads and writes its own nodes only

    def time_constants(self):
        ones = np.ones((self.n, max(self.capacity, 1)))
        return [(self.rows_matrix("tau_syn_fast"), ones),
                (self.rows_matrix("tau_syn_slow"), self.rows_matrix("amp_slow"))]

    def check_receptor_list(self, str name, arr):
        GlifPsc.check_receptor_list(self, name, arr)
        if name == "amp_slow" and np.any(arr <= 0):
            raise BadProperty(f"{self.model}: all slow synaptic amplitudes must be strictly "
                              f"positive, got amp_slow = {[plain(x) for x in arr]}")


ctypedef struct GlifCondParams:
    int refractory
    Py_ssize_t n
    double V_reset, E_L, G, C_m, I_stim, asc_sum
    const double *E_rev
    const double *tau


cdef int glif_cond_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (U, dg_1, g_1, dg_2, g_2, ...), NEST's order and arithmetic
    cdef GlifCondParams *q = <GlifCondParams *>p
    cdef Py_ssize_t k
    cdef double V = q.V_reset if q.refractory else y[0]
    cdef double I_syn = 0.0
    for k in range(q.n):
        I_syn += y[2 + 2 * k] * (V + q.E_L - q.E_rev[k])
    cdef double I_leak = q.G * V
    f[0] = 0.0 if q.refractory else (-I_leak - I_syn + q.I_stim + q.asc_sum) / q.C_m
    for k in range(q.n):
        f[1 + 2 * k] = -y[1 + 2 * k] / q.tau[k]
        f[2 + 2 * k] = y[1 + 2 * k] - (y[2 + 2 * k] / q.tau[k])
    return 0


cdef class GlifCond(GlifBlock):
    parameters = dict(_glif_parameters("g_m"), tau_syn=(0.2, 2.0), E_rev=(0.0, -85.0))
    state = dict(GlifBlock.state, g=(0.0, 0.0), dg=(0.0, 0.0))
    read_only = ("has_connections", "g", "dg")
    write_only = ("threshold_spike", "threshold_voltage")     # NEST's get omits them
    internal = dict(GlifBlock.internal, h_int=0.0)
    g_name = "g_m"
    strictly_positive = ("C_m", "g_m", "t_ref")
    receptor_lists = ("tau_syn", "E_rev")
    receptor_state = ("g", "dg")
    threaded = True         # the update reads and writes its own nodes only
    listed_state = ("g", "dg")
    max_receptors = 32          # the state vector of the ODE solver (kernel/rkf45.h)
    fixed_recordables = ("V_m", "ASCurrents_sum", "I", "threshold", "threshold_spike",
                         "threshold_voltage")

    cdef double[::1] E_L, h_int
    cdef double[:, ::1] E_rev, tau, g0

    @classmethod
    def names_for(cls, k):
        return tuple(cls.fixed_recordables) + tuple(f"g_{r}" for r in range(1, k + 1))

    def bind_model(self):
        GlifBlock.bind_model(self)
        self.E_L = self.arrays["E_L"]; self.h_int = self.arrays["h_int"]

    def pre_run(self, engine):
        GlifBlock.pre_run(self, engine)
        a = self.arrays
        a["h_int"][a["h_int"] <= 0.0] = engine.resolution
        self.E_rev = self.rows_matrix("E_rev")
        tau = self.rows_matrix("tau_syn")
        g0 = np.zeros_like(tau)
        for i in range(self.n):
            for k in range(int(self.nrec[i])):
                g0[i, k] = 1.0 * M_E / tau[i, k]
        self.tau = tau; self.g0 = g0

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        # columns: g_k = G[k], dg_k = G[K + k]
        cdef Py_ssize_t i, k, n = self.n, K = self.capacity, nch = self.n_channels
        cdef long lag
        cdef double *row
        cdef double v_old, asc_sum
        cdef double y[65]
        cdef int st
        cdef rkf45_work work
        cdef GlifCondParams q
        cdef double **Gs = self.cols
        if n == 0:
            return
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                q.refractory = self.r[i] > 0
                q.n = self.nrec[i]
                q.V_reset = self.V_reset[i]; q.E_L = self.E_L[i]; q.G = self.G[i]
                q.C_m = self.C_m[i]; q.I_stim = self.I_in[i]; q.asc_sum = self.asc_sum[i]
                q.E_rev = &self.E_rev[i, 0]; q.tau = &self.tau[i, 0]
                v_old = self.V_m[i]
                y[0] = v_old
                for k in range(q.n):
                    y[1 + 2 * k] = Gs[K + k][i]
                    y[2 + 2 * k] = Gs[k][i]
                st = rkf45_advance(&work, 1e-3, 0.0, glif_cond_rhs, &q, 1 + 2 * q.n, ctx.h,
                                   &self.h_int[i], y, NULL)
                if st != 0:
                    self.error_code = st
                    return
                if self.r[i] == 0:
                    asc_sum = self.adapt(i)
                    if y[0] > self.new_threshold(i, v_old, self.I_in[i], asc_sum):
                        y[0] = self.fire(ctx, i, v_old, lag)
                else:
                    self.refractory_step(i)
                    y[0] = v_old
                for k in range(q.n):
                    y[1 + 2 * k] += row[i * nch + 1 + k] * self.g0[i, k]
                    row[i * nch + 1 + k] = 0.0
                self.V_m[i] = y[0]
                for k in range(q.n):
                    Gs[K + k][i] = y[1 + 2 * k]
                    Gs[k][i] = y[2 + 2 * k]
                self.I_in[i] = row[i * nch]
                row[i * nch] = 0.0


MODELS = {"glif_psc": GlifPsc, "glif_psc_double_alpha": GlifPscDoubleAlpha,
          "glif_cond": GlifCond}
