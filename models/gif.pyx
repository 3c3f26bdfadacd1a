# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""gif_psc_exp, gif_cond_exp, gif_psc_exp_multisynapse,
gif_cond_exp_multisynapse -- generalized integrate-and-fire neurons
(Mensi et al. 2012; Pozzorini et al. 2015) with stochastic (escape-noise)
spike generation, spike-triggered currents and a moving threshold.

Equations
---------
    C_m dV/dt = -g_L (V - E_L) - sum_i eta_i + I_syn + I_e + I_stim
    tau_stc[i] d eta_i/dt = -eta_i            (spike-triggered currents, pA)
    tau_sfa[j] d gamma_j/dt = -gamma_j        (threshold adaptation, mV)
    V_T = V_T_star + sum_j gamma_j            (``E_sfa``)
    lambda(t) = lambda_0 exp((V - V_T)/Delta_V)

At a spike every eta_i jumps by q_stc[i] and every gamma_j by q_sfa[j]
(immediately, not after the refractory period).  In each step outside the
refractory period the neuron fires with probability 1 - exp(-lambda h).
After a spike V_m keeps its value for the rest of the step and is held at
V_reset for the next ceil(t_ref/h) steps (t_ref = 0: no reset at all).

Synapses
--------
gif_psc_exp: exponential currents, w >= 0 to I_syn_ex (tau_syn_ex), w < 0
to I_syn_in (tau_syn_in), both added with their sign (pA).
gif_cond_exp: exponential conductances g_ex (w >= 0, reversal E_ex) and
g_in (-w for w < 0, reversal E_in), in nS.
*_multisynapse: one exponential current (psc) or conductance (cond, reversal
E_rev[k]) per receptor k = 1 ... n_receptors with time constant
tau_syn[k-1]; spikes connect to receptor_type 1 ... n_receptors, currents to
receptor 0.  The conductance variant stops the simulation with BadProperty
on a negative weight.

Numerics
--------
Per step, in this order: the spike-triggered current I_stc = sum_i eta_i and
the threshold E_sfa = V_T_star + sum_j gamma_j are read, then every eta_i
and gamma_j decays by exp(-h/tau); then the membrane and synapses advance,
then (outside refractoriness) the escape draw, then the step's input current
is stored (it acts from the next step).

* psc models: exact integration on the grid with tau_m = C_m/g_L:
  P33 = exp(-h/tau_m), P31 = -expm1(-h/tau_m), P30 = -expm1(-h/tau_m)
  tau_m/C_m, the PSC propagators of ``propagators.h``.  gif_psc_exp decays
  the PSCs and adds the step's spikes before the membrane update (they act
  within the step); the multisynapse variant advances V_m with the PSCs of
  the previous step and then decays them and adds the spikes.
* cond models: RKF45 (``kernel/rkf45.h``, GSL's driver bit for bit) with
  absolute tolerance ``gsl_error_tol``, state (V_m, g_ex, g_in) or
  (V_m, g_1, ...); I_stc is held constant over the step; while refractory
  dV/dt = 0 and the synaptic currents use V_reset.  Spikes are added to the
  conductances after the integration step.

The escape draw takes one uniform number from the stream keyed by
(rng_seed, PURPOSE_NEURON, node id) at counter (step, 0): firing does not
depend on the number of ranks or threads (its realisation differs from
NEST's).  lambda_0 is given in 1/s.

Parameters
----------
    ``C_m``        80 pF      membrane capacitance
    ``g_L``        4 nS       leak conductance
    ``E_L``        -70 mV     leak reversal potential
    ``V_reset``    -55 mV     reset potential
    ``t_ref``      4 ms       refractory period
    ``I_e``        0 pA       constant input current
    ``V_T_star``   -35 mV     base threshold
    ``Delta_V``    0.5 mV     softness of the escape rate
    ``lambda_0``   1 1/s      escape rate at threshold
    ``tau_stc``    [] ms      spike-triggered current time constants
    ``q_stc``      [] pA      their jumps (same length)
    ``tau_sfa``    [] ms      threshold adaptation time constants
    ``q_sfa``      [] mV      their jumps (same length)
    psc: ``tau_syn_ex``, ``tau_syn_in`` 2 ms
    cond: ``E_ex`` 0 mV, ``E_in`` -85 mV, ``tau_syn_ex``, ``tau_syn_in``
          2 ms, ``gsl_error_tol`` 1e-3
    psc multisynapse: ``tau_syn`` [2] ms
    cond multisynapse: ``tau_syn`` [2] ms, ``E_rev`` [0] mV,
          ``gsl_error_tol`` 1e-3

State: ``V_m`` (mV; cond: also ``g_ex``, ``g_in`` nS), read only ``E_sfa``
(mV) and ``I_stc`` (pA), both 0 until the first step (then as defined
above); multisynapse: read only ``n_receptors``, ``has_connections``, and
cond: ``g`` (per receptor).  Recordables: ``V_m``, ``E_sfa``, ``I_stc``,
and gif_psc_exp ``I_syn_ex``, ``I_syn_in``, gif_cond_exp ``g_ex``, ``g_in``.

The adaptation elements persist across Simulate calls (and in checkpoints);
changing the length of a kernel list keeps the first elements and starts
new ones at 0.  A number where a kernel list is expected is a TypeMismatch.

Differences from NEST 3.10: the spike trains (own random streams, see
above); ``gsl_error_tol`` must be > 0 (NEST accepts any value, but its
solver cannot run with a negative one) and a change of it takes effect at
the next Simulate (NEST keeps the value of the first); ``g`` of
gif_cond_exp_multisynapse has one entry per receptor (NEST reports one
more for a node never given parameters); at most 65 receptors in
gif_cond_exp_multisynapse.

References: Mensi S et al. (2012) J Neurophysiol 107:1756-1775.
Pozzorini C et al. (2015) PLoS Comput Biol 11:e1004275.
See also: pp_psc_delta, mat2_psc_exp.
"""
import numpy as np
cimport numpy as cnp
cimport cython
from libc.math cimport exp
from libc.stdint cimport int64_t, uint64_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row
from pynestlite.kernel.random_streams cimport (
    pnl_key, pnl_stream, pnl_make_key, pnl_stream_init, pnl_uniform, PURPOSE_NEURON)
from pynestlite.kernel.rkf45 cimport rkf45_advance, rkf45_work
from pynestlite.models.propagators cimport pnl_expm1, pnl_iaf_propagator_exp
from pynestlite.models.multisynapse cimport MultisynapseBlock
from pynestlite.models.multisynapse import ERROR_NEGATIVE_WEIGHT, negative_weight_error
from pynestlite.errors import BadProperty, TypeMismatch, plain

cnp.import_array()

cdef int C_NEGATIVE_WEIGHT = ERROR_NEGATIVE_WEIGHT


# ----------------------------------------------------------------------
# machinery shared by the four models

# the kernel lists: (time constants, jumps, element array)
KERNELS = (("tau_stc", "q_stc", "stc_elems"), ("tau_sfa", "q_sfa", "sfa_elems"))
KERNEL_LISTS = ("tau_stc", "q_stc", "tau_sfa", "q_sfa")

COMMON_PARAMETERS = {"I_e": 0.0, "E_L": -70.0, "g_L": 4.0, "C_m": 80.0, "V_reset": -55.0,
                     "Delta_V": 0.5, "V_T_star": -35.0, "lambda_0": 1.0, "t_ref": 4.0}
KERNEL_PARAMETERS = {"tau_sfa": (), "q_sfa": (), "tau_stc": (), "q_stc": ()}
COMMON_STATE = {"V_m": -70.0, "E_sfa": 0.0, "I_stc": 0.0}


def kernel_lists(block, dict updates, idx, kernels=KERNELS):
    """Checked updates of the kernel lists (tuples per row; by default
    tau_sfa/q_sfa/tau_stc/q_stc, else the (tau, q, ...) names of
    ``kernels``), after the values the rows keep; raises BadProperty as the
    model requires."""
    updates = dict(updates)
    for name in [n for tau_name, q_name, _ in kernels for n in (tau_name, q_name)]:
        if name not in updates:
            continue
        rows = []
        for v in updates[name]:
            if np.ndim(v) == 0:
                raise TypeMismatch(f"{block.model}: {name} must be a list of numbers, got "
                                   f"the number {v!r}")
            if np.ndim(v) != 1:
                raise BadProperty(f"{block.model}: {name} must be a list of numbers, got "
                                  f"{v!r}")
            try:
                arr = np.asarray(v, np.float64)
            except (TypeError, ValueError):
                raise BadProperty(f"{block.model}: {name} must be a list of numbers, got "
                                  f"{v!r}") from None
            if not np.all(np.isfinite(arr)):
                raise BadProperty(f"{block.model}: {name} must be finite, got "
                                  f"{[plain(x) for x in arr]}")
            rows.append(tuple(float(x) for x in arr))
        updates[name] = rows
    for j in range(len(idx)):
        for tau_name, q_name, _ in kernels:
            tau = updates[tau_name][j] if tau_name in updates else block.arrays[tau_name][idx[j]]
            q = updates[q_name][j] if q_name in updates else block.arrays[q_name][idx[j]]
            if len(tau) != len(q):
                raise BadProperty(f"{block.model}: '{tau_name}' and '{q_name}' need to have "
                                  f"the same dimensions (sizes {len(tau)} and {len(q)})")
    for j in range(len(idx)):
        for tau_name, _, _ in kernels:
            if tau_name in updates and any(t <= 0 for t in updates[tau_name][j]):
                raise BadProperty(f"{block.model}: all time constants must be strictly "
                                  f"positive, got {tau_name} = {list(updates[tau_name][j])}")
    return updates


def check_common(str model, dict values):
    """The scalar checks of every gif model."""
    for name, what in (("g_L", "membrane conductance"), ("Delta_V", "Delta_V"),
                       ("C_m", "capacitance")):
        if name in values and np.any(values[name] <= 0):
            raise BadProperty(f"{model}: {what} ({name}) must be strictly positive")
    if "t_ref" in values and np.any(values["t_ref"] < 0):
        raise BadProperty(f"{model}: refractory time (t_ref) must not be negative")
    if "lambda_0" in values and np.any(values["lambda_0"] < 0):
        raise BadProperty(f"{model}: lambda_0 must not be negative")


def kernel_get(block, str name, idx):
    return [np.array(block.arrays[name][i], np.float64) for i in idx]


@cython.final
cdef class GifKernels:
    """The spike-triggered currents and threshold elements of a block: per
    node up to K of each (K the block's longest list), their decay factors
    and jumps.  The elements live in ``block.arrays['stc_elems']`` and
    ``['sfa_elems']`` ((n, K) arrays, kept across runs)."""
    cdef double[:, ::1] stc, sfa, P_stc, P_sfa, q_stc, q_sfa
    cdef int64_t[::1] n_stc, n_sfa

    @staticmethod
    def add_arrays(block):
        for _, _, elems in KERNELS:
            block.arrays[elems] = np.zeros((block.n, 1))

    def prepare(self, block, double h):
        """Decay factors and jumps for resolution ``h``; the element arrays
        are resized to the lists (a node keeps its first elements, new
        ones start at 0, elements beyond its list are dropped)."""
        cdef Py_ssize_t i, j, n = block.n
        a = block.arrays
        out = []
        for tau_name, q_name, elems in KERNELS:
            counts = np.array([len(t) for t in a[tau_name]], np.int64).reshape(n)
            K = max(int(counts.max()) if n else 0, 1)
            P = np.zeros((n, K)); q = np.zeros((n, K)); el = np.zeros((n, K))
            old = a[elems]
            for i in range(n):
                for j in range(counts[i]):
                    P[i, j] = exp(-h / a[tau_name][i][j])
                    q[i, j] = a[q_name][i][j]
                    if j < old.shape[1]:
                        el[i, j] = old[i, j]
            a[elems] = el
            out.append((counts, P, q, el))
        (self.n_stc, self.P_stc, self.q_stc, self.stc), \
            (self.n_sfa, self.P_sfa, self.q_sfa, self.sfa) = out

    def bind(self, block):
        """Views of the element arrays (after a checkpoint was loaded)."""
        a = block.arrays
        if self.stc is not None and a["stc_elems"].shape == (self.stc.shape[0],
                                                             self.stc.shape[1]):
            self.stc = a["stc_elems"]
            self.sfa = a["sfa_elems"]

    cdef inline double read_stc(self, Py_ssize_t i) noexcept nogil:
        """I_stc: the sum of the elements, which then decay one step."""
        cdef Py_ssize_t j
        cdef double s = 0.0
        for j in range(self.n_stc[i]):
            s += self.stc[i, j]
            self.stc[i, j] = self.P_stc[i, j] * self.stc[i, j]
        return s

    cdef inline double read_sfa(self, Py_ssize_t i, double V_T_star) noexcept nogil:
        """E_sfa: V_T_star plus the elements, which then decay one step."""
        cdef Py_ssize_t j
        cdef double s = V_T_star
        for j in range(self.n_sfa[i]):
            s += self.sfa[i, j]
            self.sfa[i, j] = self.P_sfa[i, j] * self.sfa[i, j]
        return s

    cdef inline void jump(self, Py_ssize_t i) noexcept nogil:
        cdef Py_ssize_t j
        for j in range(self.n_stc[i]):
            self.stc[i, j] += self.q_stc[i, j]
        for j in range(self.n_sfa[i]):
            self.sfa[i, j] += self.q_sfa[i, j]


cdef inline bint escapes(SliceContext *ctx, int64_t gid, int64_t step, double lam0,
                         double V, double E_sfa, double Delta_V) noexcept nogil:
    """The escape draw: a spike with probability 1 - exp(-lambda h),
    lambda = lam0 exp((V - E_sfa)/Delta_V) (lam0 in 1/ms)."""
    cdef double lam = lam0 * exp((V - E_sfa) / Delta_V)
    cdef pnl_stream s
    if lam > 0.0:
        pnl_stream_init(&s, pnl_make_key(ctx.seed, PURPOSE_NEURON, <uint64_t>gid),
                        <uint64_t>step, 0)
        return pnl_uniform(&s) < -pnl_expm1(-lam * ctx.h)
    return False


cdef class GifBlock(NodeBlock):
    """What the single-synapse gif models share: kernel lists, checks, the
    per-node constants of the escape draw and the refractory counter."""
    strictly_positive = ()
    non_negative = ()
    read_only = ("E_sfa", "I_stc")

    cdef GifKernels kern
    cdef double[::1] V_m, E_sfa, I_stc, V_reset, V_T_star, Delta_V, lam0, I_e, I_stim
    cdef int64_t[::1] r, ref_counts, gid

    def __init__(self, str model, gids, first_gid, last_gid, dict defaults):
        self.kern = GifKernels()
        NodeBlock.__init__(self, model, gids, first_gid, last_gid, defaults)
        GifKernels.add_arrays(self)

    def set(self, dict updates, idx, engine=None):
        idx = np.asarray(idx, np.int64)
        NodeBlock.set(self, kernel_lists(self, updates, idx), idx, engine)

    def get(self, str name, idx):
        if name in KERNEL_LISTS:
            return kernel_get(self, name, idx)
        return NodeBlock.get(self, name, idx)

    def check(self, dict values):
        check_common(self.model, values)
        NodeBlock.check(self, values)

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.E_sfa = a["E_sfa"]; self.I_stc = a["I_stc"]
        self.V_reset = a["V_reset"]; self.V_T_star = a["V_T_star"]
        self.Delta_V = a["Delta_V"]; self.I_e = a["I_e"]; self.I_stim = a["I_stim"]
        self.r = a["r"]
        self.gid = self.gids
        if "stc_elems" in a:
            self.kern.bind(self)

    def pre_run(self, engine):
        self.kern.prepare(self, engine.resolution)
        self.lam0 = self.arrays["lambda_0"] / 1000.0
        self.ref_counts = engine.ms_to_steps(self.arrays["t_ref"])


cdef class GifPscExp(GifBlock):
    __doc__ = __doc__
    threaded = True         # the update reads and writes its own nodes only
    parameters = dict(COMMON_PARAMETERS, tau_syn_ex=2.0, tau_syn_in=2.0, **KERNEL_PARAMETERS)
    state = dict(COMMON_STATE)
    internal = {"r": 0, "I_stim": 0.0, "I_syn_ex": 0.0, "I_syn_in": 0.0}
    n_channels = 3          # ex, in (split by sign), I0
    spike_receptors = {0: (0, True, False)}
    current_receptors = {0: 2}
    recordables = ("V_m", "E_sfa", "I_stc", "I_syn_ex", "I_syn_in")

    cdef double[::1] i_ex, i_in, E_L, P30, P31, P33, P11ex, P11in, P21ex, P21in

    def check(self, dict values):
        GifBlock.check(self, values)
        if np.any(values["tau_syn_ex"] <= 0) or np.any(values["tau_syn_in"] <= 0):
            raise BadProperty(f"{self.model}: synapse time constants must be strictly positive")

    def bind(self):
        GifBlock.bind(self)
        a = self.arrays
        self.i_ex = a["I_syn_ex"]; self.i_in = a["I_syn_in"]; self.E_L = a["E_L"]

    def pre_run(self, engine):
        GifBlock.pre_run(self, engine)
        cdef double h = engine.resolution, tau_m
        cdef Py_ssize_t i, n = self.n
        a = self.arrays
        P = {k: np.empty(n) for k in ("P30", "P31", "P33", "P11ex", "P11in", "P21ex", "P21in")}
        for i in range(n):
            c_m = a["C_m"][i]
            tau_m = c_m / a["g_L"][i]
            P["P11ex"][i] = exp(-h / a["tau_syn_ex"][i])
            P["P11in"][i] = exp(-h / a["tau_syn_in"][i])
            P["P21ex"][i] = pnl_iaf_propagator_exp(a["tau_syn_ex"][i], tau_m, c_m, h)
            P["P21in"][i] = pnl_iaf_propagator_exp(a["tau_syn_in"][i], tau_m, c_m, h)
            P["P33"][i] = exp(-h / tau_m)
            P["P30"][i] = -1 / c_m * pnl_expm1(-h / tau_m) * tau_m
            P["P31"][i] = -pnl_expm1(-h / tau_m)
        self.P30 = P["P30"]; self.P31 = P["P31"]; self.P33 = P["P33"]
        self.P11ex = P["P11ex"]; self.P11in = P["P11in"]
        self.P21ex = P["P21ex"]; self.P21in = P["P21in"]

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double V, stc, sfa, Iex, Iin
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                stc = self.kern.read_stc(i)
                sfa = self.kern.read_sfa(i, self.V_T_star[i])
                self.I_stc[i] = stc
                self.E_sfa[i] = sfa
                Iex = self.i_ex[i] * self.P11ex[i] + row[i * 3]
                Iin = self.i_in[i] * self.P11in[i] + row[i * 3 + 1]
                V = self.V_m[i]
                if self.r[i] == 0:
                    V = (self.P30[i] * (self.I_stim[i] + self.I_e[i] - stc) + self.P33[i] * V
                         + self.P31[i] * self.E_L[i] + Iex * self.P21ex[i]
                         + Iin * self.P21in[i])
                    if escapes(ctx, self.gid[i], ctx.origin + lag, self.lam0[i], V, sfa,
                               self.Delta_V[i]):
                        self.kern.jump(i)
                        self.r[i] = self.ref_counts[i]
                        pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                else:
                    self.r[i] -= 1
                    V = self.V_reset[i]
                self.V_m[i] = V
                self.i_ex[i] = Iex
                self.i_in[i] = Iin
                self.I_stim[i] = row[i * 3 + 2]
                row[i * 3] = 0.0; row[i * 3 + 1] = 0.0; row[i * 3 + 2] = 0.0


MODELS = {"gif_psc_exp": GifPscExp}


ctypedef struct GifCondParams:
    int refractory
    double V_reset, E_ex, E_in, g_L, E_L, C_m, tau_ex, tau_in, I_e, I_stim, stc


cdef int gif_cond_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_m, g_ex, g_in)
    cdef GifCondParams *q = <GifCondParams *>p
    cdef double V = q.V_reset if q.refractory else y[0]
    cdef double I_ex = y[1] * (V - q.E_ex)
    cdef double I_in = y[2] * (V - q.E_in)
    cdef double I_L = q.g_L * (V - q.E_L)
    f[0] = 0.0 if q.refractory else \
        (-I_L + q.I_stim + q.I_e - I_ex - I_in - q.stc) / q.C_m
    f[1] = -y[1] / q.tau_ex
    f[2] = -y[2] / q.tau_in
    return 0


cdef class GifCondExp(GifBlock):
    __doc__ = __doc__
    threaded = True         # the update reads and writes its own nodes only
    parameters = dict(COMMON_PARAMETERS, tau_syn_ex=2.0, tau_syn_in=2.0, E_ex=0.0, E_in=-85.0,
                      gsl_error_tol=1e-3, **KERNEL_PARAMETERS)
    state = dict(COMMON_STATE, g_ex=0.0, g_in=0.0)
    internal = {"r": 0, "I_stim": 0.0, "h_int": 0.0}
    strictly_positive = ("gsl_error_tol",)
    n_channels = 3          # ex, in (split by sign), I0
    spike_receptors = {0: (0, True, False)}
    current_receptors = {0: 2}
    recordables = ("V_m", "E_sfa", "I_stc", "g_ex", "g_in")

    cdef double[::1] g_ex, g_in, E_L, g_L, C_m, E_ex, E_in, tau_ex, tau_in, tol, h_int

    def check(self, dict values):
        GifBlock.check(self, values)
        if np.any(values["tau_syn_ex"] <= 0) or np.any(values["tau_syn_in"] <= 0):
            raise BadProperty(f"{self.model}: synapse time constants must be strictly positive")

    def bind(self):
        GifBlock.bind(self)
        a = self.arrays
        self.g_ex = a["g_ex"]; self.g_in = a["g_in"]; self.E_L = a["E_L"]; self.g_L = a["g_L"]
        self.C_m = a["C_m"]; self.E_ex = a["E_ex"]; self.E_in = a["E_in"]
        self.tau_ex = a["tau_syn_ex"]; self.tau_in = a["tau_syn_in"]
        self.tol = a["gsl_error_tol"]; self.h_int = a["h_int"]

    def pre_run(self, engine):
        GifBlock.pre_run(self, engine)
        a = self.arrays
        a["h_int"][a["h_int"] <= 0.0] = engine.resolution

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double y[3]
        cdef double sfa
        cdef int st
        cdef rkf45_work work
        cdef GifCondParams q
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                q.stc = self.kern.read_stc(i)
                sfa = self.kern.read_sfa(i, self.V_T_star[i])
                self.I_stc[i] = q.stc
                self.E_sfa[i] = sfa
                q.refractory = self.r[i] > 0
                q.V_reset = self.V_reset[i]; q.E_ex = self.E_ex[i]; q.E_in = self.E_in[i]
                q.g_L = self.g_L[i]; q.E_L = self.E_L[i]; q.C_m = self.C_m[i]
                q.tau_ex = self.tau_ex[i]; q.tau_in = self.tau_in[i]
                q.I_e = self.I_e[i]; q.I_stim = self.I_stim[i]
                y[0] = self.V_m[i]; y[1] = self.g_ex[i]; y[2] = self.g_in[i]
                st = rkf45_advance(&work, self.tol[i], 0.0, gif_cond_rhs, &q, 3, ctx.h,
                                   &self.h_int[i], y, NULL)
                if st != 0:
                    self.error_code = st
                    return
                y[1] += row[i * 3]
                y[2] += -row[i * 3 + 1]
                if self.r[i] == 0:
                    if escapes(ctx, self.gid[i], ctx.origin + lag, self.lam0[i], y[0], sfa,
                               self.Delta_V[i]):
                        self.kern.jump(i)
                        self.r[i] = self.ref_counts[i]
                        pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                else:
                    self.r[i] -= 1
                    y[0] = self.V_reset[i]
                self.V_m[i] = y[0]; self.g_ex[i] = y[1]; self.g_in[i] = y[2]
                self.I_stim[i] = row[i * 3 + 2]
                row[i * 3] = 0.0; row[i * 3 + 1] = 0.0; row[i * 3 + 2] = 0.0


MODELS["gif_cond_exp"] = GifCondExp


# ----------------------------------------------------------------------
# one current or conductance per receptor

cdef class GifMultisynapseBlock(MultisynapseBlock):
    """The receptor bookkeeping of MultisynapseBlock with the gif state,
    kernel lists and checks (``n_receptors`` receptors, may grow but not
    shrink once connected, as NEST)."""
    count_name = "n_receptors"
    may_grow_when_connected = True
    fixed_recordables = ("V_m", "E_sfa", "I_stc")
    strictly_positive = ()
    non_negative = ()

    cdef GifKernels kern
    cdef double[::1] V_m, E_sfa, I_stc, V_reset, V_T_star, Delta_V, lam0, I_e, I_stim, E_L
    cdef int64_t[::1] r, ref_counts, nrec, gid

    def __init__(self, str model, gids, first_gid, last_gid, dict defaults):
        self.kern = GifKernels()
        MultisynapseBlock.__init__(self, model, gids, first_gid, last_gid, defaults)
        GifKernels.add_arrays(self)

    @classmethod
    def names_for(cls, k):
        return cls.fixed_recordables     # NEST records no receptor's state

    def set(self, dict updates, idx, engine=None):
        idx = np.asarray(idx, np.int64)
        MultisynapseBlock.set(self, kernel_lists(self, updates, idx), idx, engine)

    def get(self, str name, idx):
        if name in KERNEL_LISTS:
            return kernel_get(self, name, idx)
        return MultisynapseBlock.get(self, name, idx)

    def check(self, dict values):
        check_common(self.model, values)
        MultisynapseBlock.check(self, values)

    def bind_model(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.E_sfa = a["E_sfa"]; self.I_stc = a["I_stc"]
        self.V_reset = a["V_reset"]; self.V_T_star = a["V_T_star"]
        self.Delta_V = a["Delta_V"]; self.I_e = a["I_e"]; self.I_stim = a["I_stim"]
        self.E_L = a["E_L"]; self.r = a["r"]; self.nrec = a[self.count_name]
        self.gid = self.gids
        if "stc_elems" in a and self.kern is not None:
            self.kern.bind(self)

    def pre_run(self, engine):
        self.kern.prepare(self, engine.resolution)
        self.lam0 = self.arrays["lambda_0"] / 1000.0
        self.ref_counts = engine.ms_to_steps(self.arrays["t_ref"])


cdef class GifPscExpMultisynapse(GifMultisynapseBlock):
    __doc__ = __doc__
    threaded = True         # the update reads and writes its own nodes only
    parameters = dict(COMMON_PARAMETERS, tau_syn=(2.0,), **KERNEL_PARAMETERS)
    state = dict(COMMON_STATE, n_receptors=1, has_connections=False)
    read_only = ("E_sfa", "I_stc", "n_receptors", "has_connections")
    internal = {"r": 0, "I_stim": 0.0}
    receptor_lists = ("tau_syn",)
    receptor_state = ("I_syn",)

    cdef double[::1] P30, P31, P33
    cdef double[:, ::1] P11, P21

    def pre_run(self, engine):
        GifMultisynapseBlock.pre_run(self, engine)
        cdef double h = engine.resolution, tau_m, c_m
        cdef Py_ssize_t i, k, n = self.n, K = max(self.capacity, 1)
        a = self.arrays
        tau = self.rows_matrix("tau_syn")
        p11 = np.zeros((n, K)); p21 = np.zeros((n, K))
        p30 = np.empty(n); p31 = np.empty(n); p33 = np.empty(n)
        for i in range(n):
            c_m = a["C_m"][i]
            tau_m = c_m / a["g_L"][i]
            p33[i] = exp(-h / tau_m)
            p30[i] = -1 / c_m * pnl_expm1(-h / tau_m) * tau_m
            p31[i] = -pnl_expm1(-h / tau_m)
            for k in range(self.nrec[i]):
                p11[i, k] = exp(-h / tau[i, k])
                p21[i, k] = pnl_iaf_propagator_exp(tau[i, k], tau_m, c_m, h)
        self.P11 = p11; self.P21 = p21; self.P30 = p30; self.P31 = p31; self.P33 = p33

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, k, n = self.n, nch = self.n_channels
        cdef long lag
        cdef double *row
        cdef double V, stc, sfa, syn
        cdef double **I = self.cols      # I_syn_k = I[k]
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                stc = self.kern.read_stc(i)
                sfa = self.kern.read_sfa(i, self.V_T_star[i])
                self.I_stc[i] = stc
                self.E_sfa[i] = sfa
                syn = 0.0
                for k in range(self.nrec[i]):
                    syn += self.P21[i, k] * I[k][i]
                    I[k][i] = self.P11[i, k] * I[k][i]
                    I[k][i] += row[i * nch + 1 + k]
                    row[i * nch + 1 + k] = 0.0
                V = self.V_m[i]
                if self.r[i] == 0:
                    V = (self.P30[i] * (self.I_stim[i] + self.I_e[i] - stc) + self.P33[i] * V
                         + self.P31[i] * self.E_L[i] + syn)
                    if escapes(ctx, self.gid[i], ctx.origin + lag, self.lam0[i], V, sfa,
                               self.Delta_V[i]):
                        self.kern.jump(i)
                        self.r[i] = self.ref_counts[i]
                        pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                else:
                    self.r[i] -= 1
                    V = self.V_reset[i]
                self.V_m[i] = V
                self.I_stim[i] = row[i * nch]
                row[i * nch] = 0.0


MODELS["gif_psc_exp_multisynapse"] = GifPscExpMultisynapse


ctypedef struct GifCondMsParams:
    int refractory
    Py_ssize_t n
    double V_reset, g_L, E_L, C_m, I_e, I_stim, stc
    const double *E_rev
    const double *tau_syn


cdef int gif_cond_ms_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_m, g_1, ..., g_n); the leak uses V_m itself (irrelevant while
    # refractory, where dV/dt = 0), the synapses V_reset while refractory
    cdef GifCondMsParams *q = <GifCondMsParams *>p
    cdef Py_ssize_t k
    cdef double I_L = -q.g_L * (y[0] - q.E_L)
    cdef double V = q.V_reset if q.refractory else y[0]
    cdef double I_syn = 0.0
    for k in range(q.n):
        I_syn += -y[1 + k] * (V - q.E_rev[k])
    f[0] = 0.0 if q.refractory else (I_L + q.I_stim + q.I_e + I_syn - q.stc) / q.C_m
    for k in range(q.n):
        f[1 + k] = -y[1 + k] / q.tau_syn[k]
    return 0


cdef class GifCondExpMultisynapse(GifMultisynapseBlock):
    __doc__ = __doc__
    threaded = True         # the update reads and writes its own nodes only
    parameters = dict(COMMON_PARAMETERS, tau_syn=(2.0,), E_rev=(0.0,), gsl_error_tol=1e-3,
                      **KERNEL_PARAMETERS)
    state = dict(COMMON_STATE, g=(0.0,), n_receptors=1, has_connections=False)
    read_only = ("E_sfa", "I_stc", "g", "n_receptors", "has_connections")
    internal = {"r": 0, "I_stim": 0.0, "h_int": 0.0}
    strictly_positive = ("gsl_error_tol",)
    receptor_lists = ("E_rev", "tau_syn")
    receptor_state = ("g",)
    max_receptors = 65          # the solver's state: V_m and one conductance each

    cdef double[::1] g_L, C_m, tol, h_int
    cdef double[:, ::1] E_rev, tau_syn

    def bind_model(self):
        GifMultisynapseBlock.bind_model(self)
        a = self.arrays
        self.g_L = a["g_L"]; self.C_m = a["C_m"]; self.tol = a["gsl_error_tol"]
        self.h_int = a["h_int"]

    def get(self, str name, idx):
        if name == "g":
            counts = self.arrays[self.count_name]
            return [np.array([self.arrays[f"g_{r}"][i] for r in range(1, counts[i] + 1)])
                    for i in idx]
        return GifMultisynapseBlock.get(self, name, idx)

    def pre_run(self, engine):
        GifMultisynapseBlock.pre_run(self, engine)
        a = self.arrays
        a["h_int"][a["h_int"] <= 0.0] = engine.resolution
        self.E_rev = self.rows_matrix("E_rev")
        self.tau_syn = self.rows_matrix("tau_syn")

    def error(self):
        if self.error_code == ERROR_NEGATIVE_WEIGHT:
            return negative_weight_error(self.model)
        return GifMultisynapseBlock.error(self)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, k, n = self.n, nch = self.n_channels
        cdef long lag
        cdef double *row
        cdef double sfa, x
        cdef double y[66]
        cdef int st
        cdef rkf45_work work
        cdef GifCondMsParams q
        cdef double **G = self.cols      # g_k = G[k]
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                q.stc = self.kern.read_stc(i)
                sfa = self.kern.read_sfa(i, self.V_T_star[i])
                self.I_stc[i] = q.stc
                self.E_sfa[i] = sfa
                q.refractory = self.r[i] > 0
                q.n = self.nrec[i]
                q.V_reset = self.V_reset[i]; q.g_L = self.g_L[i]; q.E_L = self.E_L[i]
                q.C_m = self.C_m[i]; q.I_e = self.I_e[i]; q.I_stim = self.I_stim[i]
                q.E_rev = &self.E_rev[i, 0]; q.tau_syn = &self.tau_syn[i, 0]
                y[0] = self.V_m[i]
                for k in range(q.n):
                    y[1 + k] = G[k][i]
                st = rkf45_advance(&work, self.tol[i], 0.0, gif_cond_ms_rhs, &q, 1 + q.n,
                                   ctx.h, &self.h_int[i], y, NULL)
                if st != 0:
                    self.error_code = st
                    return
                for k in range(q.n):
                    x = row[i * nch + 1 + k]
                    if x < 0.0:
                        self.error_code = C_NEGATIVE_WEIGHT
                        return
                    y[1 + k] += x
                    row[i * nch + 1 + k] = 0.0
                if self.r[i] == 0:
                    if escapes(ctx, self.gid[i], ctx.origin + lag, self.lam0[i], y[0], sfa,
                               self.Delta_V[i]):
                        self.kern.jump(i)
                        self.r[i] = self.ref_counts[i]
                        pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                else:
                    self.r[i] -= 1
                    y[0] = self.V_reset[i]
                self.V_m[i] = y[0]
                for k in range(q.n):
                    G[k][i] = y[1 + k]
                self.I_stim[i] = row[i * nch]
                row[i * nch] = 0.0


MODELS["gif_cond_exp_multisynapse"] = GifCondExpMultisynapse
