# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""gif_pop_psc_exp -- a population of N generalized integrate-and-fire
neurons with escape noise, exponential synaptic currents and threshold
adaptation, simulated as one mesoscopic node (Schwalger, Deger & Gerstner
2017).

Single neuron
-------------
    tau_m dV/dt = -(V - E_L) + tau_m/C_m (I_syn_ex + I_syn_in + I_e + I_stim)
    tau_syn_ex dI_syn_ex/dt = -I_syn_ex,   tau_syn_in dI_syn_in/dt = -I_syn_in
    theta(t) = V_T_star + sum_j q_sfa[j] sum_{spikes t_s < t}
               exp(-(t - t_s)/tau_sfa[j])                (threshold, mV)
    hazard   lambda(t) = lambda_0 exp((V - theta)/Delta_V)   (lambda_0 in 1/s)

After a spike V is reset to V_reset and the neuron stays refractory for
t_ref.  All N neurons share the input; a connection between two population
nodes stands for full connectivity (``bernoulli_synapse`` thins it).

Numerics (the population algorithm of Figs. 11 and 12 of the reference)
------------------------------------------------------------------------
The population is represented by its spike history over ``len_kernel``
steps (a rotating buffer): for each past step k the number of spikes n_k,
the expected survivors m_k of that cohort, their variance v_k, their
membrane potential u_k and hazard lambda_k.  Older cohorts are lumped into
the "free" population (x survivors, variance z) with the membrane V_m and
the threshold E_sfa.  Per step h, in this order:

1. the input of the step: the summed spike weights W_ex (W >= 0) and W_in
   (W < 0, weight times multiplicity) give the jumps A = W tau_syn/(C_m h);
   the membrane drive over the step is
   h_tot = (I_e + I_stim) P20 + E_L + sum_{ex,in} tau_m (A + (tau_syn P11 (y - A)
   - P22 (tau_syn y - tau_m A)) / (tau_syn - tau_m)), y = I_syn/C_m,
   with P22 = exp(-h/tau_m), P20 = tau_m/C_m (1 - P22), P11 = exp(-h/tau_syn)
   (tau_syn = tau_m divides by zero, as in NEST); then
   I_syn <- C_m (A + (y - A) P11) and the step's current input I_stim is
   stored (it acts from the next step).
2. V_m <- (V_m - E_L) P22 + h_tot; each adaptation variable
   g_j <- g_j Q_j + (1 - Q_j) n_oldest/(N h), Q_j = exp(-h/tau_sfa[j]);
   E_sfa = V_T_star + sum_j q_sfa[j] tau_sfa[j] exp(-h len_kernel/tau_sfa[j])
   g_j - n_0 theta~_0 (n_0 the first buffer slot).
3. free escape probability P_free = 1 - exp(-(lambda_old + lambda_new) h/2),
   the trapezoidal rule of the hazard (h in ms, lambda in 1/s).
4. for every cohort outside the refractory period (the first
   len_kernel - ceil(t_ref/h) of the history, oldest first): its threshold
   theta_k + the accumulated quasi-renewal correction sum n theta~,
   u_k <- (u_k - E_L) P22 + h_tot, the hazard, the escape probability
   p = (lambda + lambda_k) h/2 (1 - exp(-p) when p > 0.01), and
   v_k <- (1-p)^2 v_k + p m_k, m_k <- (1-p) m_k; theta_k is the kernel at
   len_kernel - k steps, theta~_k = Delta_V (1 - exp(-theta_k/Delta_V))/N.
5. the expected number of spikes ``mean`` =
   sum p m_k + P_free x + P_Lambda (N - sum m_k - x),
   P_Lambda = (sum p v_k + P_free z)/(sum v_k + z) (0 when that is 0);
   the number of spikes ``n_events`` is drawn: BinoRand, Binomial(N,
   mean/N) (N when mean >= N, 0 when mean <= 0); otherwise Poisson(mean)
   (N when mean > N, a Bernoulli draw when the probability of more than one
   spike underflows, 0 when mean is below the smallest normal double,
   clipped to [0, N]).
6. the oldest cohort joins the free population
   (z <- (1-P_free)^2 z + P_free x + v_oldest, x <- (1-P_free) x + m_oldest)
   and its slot starts the new cohort: n = m = n_events, v = 0,
   u = V_reset, lambda = 0.

A step with n_events > 0 sends one spike of multiplicity n_events.

``len_kernel`` < 1 (default -1) chooses the history length when the node is
first simulated: the largest k <= 20 s/h with k > 5 tau_m/h at which the
adaptation kernel sum_j q_sfa[j] exp(-k h/tau_sfa[j]) reaches
0.1 Delta_V, at least t_ref/h + 1 steps; the chosen value is written back
to ``len_kernel``.  The history is set up when the node is first simulated
and after any SetStatus (all N neurons start as one cohort that spiked
len_kernel steps ago); it persists across Simulate calls.

The spike counts come from the stream keyed by (rng_seed, PURPOSE_NEURON,
node id) at counter (step, 0), so they do not depend on the number of ranks
or threads; the realisation differs from NEST's.

Parameters
----------
    ``N``           100        number of neurons of the population
    ``tau_m``       20 ms      membrane time constant
    ``C_m``         250 pF     membrane capacitance
    ``t_ref``       4 ms       refractory period
    ``lambda_0``    10 1/s     escape rate at threshold
    ``Delta_V``     2 mV       softness of the escape rate
    ``len_kernel``  -1         history length in steps (< 1: automatic)
    ``I_e``         0 pA       constant input current
    ``V_reset``     0 mV       reset potential
    ``V_T_star``    15 mV      base threshold
    ``E_L``         0 mV       resting potential
    ``tau_syn_ex``  3 ms       excitatory synaptic time constant
    ``tau_syn_in``  6 ms       inhibitory synaptic time constant
    ``tau_sfa``     [300] ms   adaptation time constants
    ``q_sfa``       [0.5] mV   adaptation jumps (same length)
    ``BinoRand``    True       binomial (True) or Poisson (False) spike counts

State: ``V_m`` (mV, of the free population), ``I_syn_ex``, ``I_syn_in``
(pA), read only ``n_events`` (spikes of the last step), ``mean`` (their
expected number) and ``E_sfa`` (mV, the free threshold).  Recordables:
``V_m``, ``n_events``, ``E_sfa``, ``mean``, ``I_syn_ex``, ``I_syn_in``.

Receives spikes (receptor 0; weight times multiplicity, >= 0 excitatory,
< 0 inhibitory, in pA) and currents (receptor 0); sends spikes with
multiplicity.  As NEST's model it keeps no spike archive (no STDP
synapses from or to it, no ``t_spike``, calcium or ``tau_minus``).

Differences from NEST 3.10: the spike counts (own random streams, see
above).

Reference: Schwalger T, Deger M, Gerstner W (2017). Towards a theory of
cortical columns: From spiking neurons to interacting neural populations of
finite size. PLoS Comput Biol 13(4):e1005507.
See also: gif_psc_exp, bernoulli_synapse.
"""
import numpy as np
cimport numpy as cnp
cimport cython
from libc.math cimport exp
from libc.float cimport DBL_MIN
from libc.stdint cimport int64_t, uint8_t, uint64_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row
from pynestlite.kernel.random_streams cimport (
    pnl_stream, pnl_make_key, pnl_stream_init, pnl_uniform, pnl_poisson, PURPOSE_NEURON)
from pynestlite.kernel.random_draws cimport pnl_binomial
from pynestlite.models.gif import kernel_get, kernel_lists
from pynestlite.errors import BadProperty

cnp.import_array()

SFA_KERNEL = (("tau_sfa", "q_sfa", None),)
HISTORY = ("hist_n", "hist_m", "hist_v", "hist_u", "hist_lambda", "theta", "theta_tld")
ADAPTATION = ("g", "Q30", "Q30K")
MAX_AUTO_KERNEL_MS = 20000.0     # longest automatic history


def adaptation_kernel(tau, q, double k, double h):
    """The threshold kernel sum_j q_j exp(-k h/tau_j) at a lag of k steps (mV)."""
    cdef double s = 0.0
    cdef Py_ssize_t j
    for j in range(len(tau)):
        s += q[j] * exp(-k * h / tau[j])
    return s


def history_size(tau, q, double Delta_V, double tau_m, double t_ref, double h):
    """The automatic history length in steps (see the module docstring)."""
    cdef int k = <int>(MAX_AUTO_KERNEL_MS / h)
    cdef int kmin = <int>(5 * tau_m / h)
    cdef Py_ssize_t j, J = len(tau)
    cdef double s
    cdef double[::1] t = np.asarray(tau, np.float64), a = np.asarray(q, np.float64)
    while k > kmin:
        s = 0.0
        for j in range(J):
            s += a[j] * exp(-k * h / t[j])
        if s / Delta_V >= 0.1:
            break
        k -= 1
    if k * h <= t_ref:
        k = <int>(t_ref / h) + 1
    return k


@cython.final
cdef class GifPopPscExp(NodeBlock):
    __doc__ = __doc__
    archiving = False
    parameters = {"N": 100, "tau_m": 20.0, "C_m": 250.0, "t_ref": 4.0, "lambda_0": 10.0,
                  "Delta_V": 2.0, "len_kernel": -1, "I_e": 0.0, "V_reset": 0.0,
                  "V_T_star": 15.0, "E_L": 0.0, "tau_syn_ex": 3.0, "tau_syn_in": 6.0,
                  "BinoRand": True, "tau_sfa": (300.0,), "q_sfa": (0.5,)}
    state = {"V_m": 0.0, "I_syn_ex": 0.0, "I_syn_in": 0.0, "n_events": 0, "mean": 0.0,
             "E_sfa": 0.0}
    read_only = ("n_events", "mean", "E_sfa")
    internal = {"I_stim": 0.0, "initialized": 0, "k0": 0, "k_ref": 0, "n_sfa": 0,
                "x": 0.0, "z": 0.0, "lambda_free": 0.0}
    n_channels = 3          # ex, in (split by sign), I0
    spike_receptors = {0: (0, True, False)}
    current_receptors = {0: 2}
    recordables = ("V_m", "n_events", "E_sfa", "mean", "I_syn_ex", "I_syn_in")

    # parameters
    cdef int64_t[::1] N, L
    cdef uint8_t[::1] bino
    cdef double[::1] tau_m, C_m, lambda_0, Delta_V, I_e, V_reset, V_T_star, E_L
    cdef double[::1] tau_ex, tau_in
    # state and internal variables
    cdef double[::1] V_m, I_syn_ex, I_syn_in, mean, E_sfa, I_stim, x, z, lambda_free
    cdef int64_t[::1] n_events, k0, k_ref, n_sfa, gid
    # history and adaptation (per node, up to the block's longest)
    cdef double[:, ::1] n_hist, m_hist, v_hist, u_hist, lam_hist, theta, theta_tld
    cdef double[:, ::1] g, Q30, Q30K
    # propagators
    cdef double[::1] P22, P20, P11_ex, P11_in

    def __init__(self, str model, gids, first_gid, last_gid, dict defaults):
        NodeBlock.__init__(self, model, gids, first_gid, last_gid, defaults)
        for name in HISTORY + ADAPTATION:
            self.arrays[name] = np.zeros((self.n, 1))
        self.bind()

    def set(self, dict updates, idx, engine=None):
        idx = np.asarray(idx, np.int64)
        NodeBlock.set(self, kernel_lists(self, updates, idx, SFA_KERNEL), idx, engine)

    def get(self, str name, idx):
        if name in ("tau_sfa", "q_sfa"):
            return kernel_get(self, name, idx)
        return NodeBlock.get(self, name, idx)

    def check(self, dict values):
        for name, what in (("C_m", "capacitance (C_m)"), ("tau_m", "membrane time constant "
                           "(tau_m)"), ("tau_syn_ex", "synaptic time constant (tau_syn_ex)"),
                           ("tau_syn_in", "synaptic time constant (tau_syn_in)"),
                           ("N", "number of neurons (N)"), ("Delta_V", "Delta_V")):
            if name in values and np.any(values[name] <= 0):
                raise BadProperty(f"{self.model}: {what} must be strictly positive")
        if "lambda_0" in values and np.any(values["lambda_0"] < 0):
            raise BadProperty(f"{self.model}: lambda_0 must not be negative")
        if "t_ref" in values and np.any(values["t_ref"] < 0):
            raise BadProperty(f"{self.model}: refractory period (t_ref) must not be negative")
        NodeBlock.check(self, values)

    def after_set(self, idx, new):
        # any SetStatus starts the population afresh at the next run (NEST)
        self.arrays["initialized"][idx] = 0

    def bind(self):
        a = self.arrays
        self.N = a["N"]; self.L = a["len_kernel"]; self.bino = a["BinoRand"]
        self.tau_m = a["tau_m"]; self.C_m = a["C_m"]; self.lambda_0 = a["lambda_0"]
        self.Delta_V = a["Delta_V"]; self.I_e = a["I_e"]; self.V_reset = a["V_reset"]
        self.V_T_star = a["V_T_star"]; self.E_L = a["E_L"]
        self.tau_ex = a["tau_syn_ex"]; self.tau_in = a["tau_syn_in"]
        self.V_m = a["V_m"]; self.I_syn_ex = a["I_syn_ex"]; self.I_syn_in = a["I_syn_in"]
        self.mean = a["mean"]; self.E_sfa = a["E_sfa"]; self.I_stim = a["I_stim"]
        self.x = a["x"]; self.z = a["z"]; self.lambda_free = a["lambda_free"]
        self.n_events = a["n_events"]; self.k0 = a["k0"]; self.k_ref = a["k_ref"]
        self.n_sfa = a["n_sfa"]
        self.gid = self.gids
        if "hist_n" in a:
            self.n_hist = a["hist_n"]; self.m_hist = a["hist_m"]; self.v_hist = a["hist_v"]
            self.u_hist = a["hist_u"]; self.lam_hist = a["hist_lambda"]
            self.theta = a["theta"]; self.theta_tld = a["theta_tld"]
            self.g = a["g"]; self.Q30 = a["Q30"]; self.Q30K = a["Q30K"]

    def pre_run(self, engine):
        cdef double h = engine.resolution
        cdef Py_ssize_t i, k, j, n = self.n
        a = self.arrays
        for i in range(n):
            if len(a["tau_sfa"][i]) == 0:
                raise BadProperty(f"{self.model}: the adaptation time constants (tau_sfa) "
                                  "must not be empty")
            if len(a["q_sfa"][i]) == 0:
                raise BadProperty(f"{self.model}: the adaptation jumps (q_sfa) must not be "
                                  "empty")
        P = {name: np.empty(n) for name in ("P22", "P20", "P11_ex", "P11_in")}
        for i in range(n):
            P["P22"][i] = exp(-h / a["tau_m"][i])
            P["P20"][i] = a["tau_m"][i] / a["C_m"][i] * (1 - P["P22"][i])
            P["P11_ex"][i] = exp(-h / a["tau_syn_ex"][i])
            P["P11_in"][i] = exp(-h / a["tau_syn_in"][i])
        self.P22 = P["P22"]; self.P20 = P["P20"]
        self.P11_ex = P["P11_ex"]; self.P11_in = P["P11_in"]
        fresh = np.flatnonzero(a["initialized"] == 0)
        if fresh.size == 0:
            self.bind()
            return
        for i in fresh:
            if a["len_kernel"][i] < 1:
                a["len_kernel"][i] = history_size(
                    a["tau_sfa"][i], a["q_sfa"][i], a["Delta_V"][i], a["tau_m"][i],
                    a["t_ref"][i], h)
        # room for the longest history and adaptation list of the block
        width = max(int(a["len_kernel"].max()), 1)
        depth = max(max(len(t) for t in a["tau_sfa"]), 1)
        for names, cols in ((HISTORY, width), (ADAPTATION, depth)):
            for name in names:
                old = a[name]
                if old.shape[1] < cols:
                    grown = np.zeros((n, cols))
                    grown[:, :old.shape[1]] = old
                    a[name] = grown
        a["k_ref"][fresh] = engine.ms_to_steps(a["t_ref"][fresh])
        for i in fresh:
            L = int(a["len_kernel"][i])
            N = float(a["N"][i])
            tau = a["tau_sfa"][i]; q = a["q_sfa"][i]
            dV = a["Delta_V"][i]
            for name in HISTORY + ADAPTATION:
                a[name][i, :] = 0.0
            for k in range(L):
                th = adaptation_kernel(tau, q, L - k, h)
                a["theta"][i, k] = th
                a["theta_tld"][i, k] = dV * (1. - exp(-th / dV)) / N
            a["hist_n"][i, L - 1] = N
            a["hist_m"][i, L - 1] = N
            for j in range(len(tau)):
                a["Q30K"][i, j] = q[j] * tau[j] * exp(-h * L / tau[j])
                a["Q30"][i, j] = exp(-h / tau[j])
            a["n_sfa"][i] = len(tau)
            a["x"][i] = 0.0; a["z"][i] = 0.0; a["lambda_free"][i] = 0.0
            a["k0"][i] = 0
            a["initialized"][i] = 1
        self.bind()

    cdef inline int64_t draw(self, Py_ssize_t i, double n_expect, SliceContext *ctx,
                             int64_t step) noexcept nogil:
        """The number of spikes of step ``step`` given their expectation."""
        cdef int64_t N = self.N[i], k
        cdef pnl_stream s
        pnl_stream_init(&s, pnl_make_key(ctx.seed, PURPOSE_NEURON, <uint64_t>self.gid[i]),
                        <uint64_t>step, 0)
        if self.bino[i]:
            if n_expect / N >= 1.0:
                return N
            if n_expect / N <= 0.0:
                return 0
            return pnl_binomial(&s, N, n_expect / N)
        if n_expect > N:
            return N
        if n_expect <= DBL_MIN:
            return 0
        if 1. - (n_expect + 1.) * exp(-n_expect) > DBL_MIN:
            k = pnl_poisson(&s, n_expect)
        else:
            k = 1 if pnl_uniform(&s) < n_expect else 0
        if k > N:
            k = N
        if k < 0:
            k = 0
        return k

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, j, km, k, n = self.n
        cdef long lag
        cdef int64_t L, k0, n_spikes
        cdef double *row
        cdef double h = ctx.h, h_tot, A_ex, A_in, y_ex, y_in, tmp_ex, tmp_in, tau_m, C_m
        cdef double W, X, Y, Z, theta_hat, theta, lam, P_free, P_lam, P_Lambda, ompl, ompf
        cdef double N, n_expect, E_L, P22
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(n):
                L = self.L[i]; k0 = self.k0[i]
                N = <double>self.N[i]
                tau_m = self.tau_m[i]; C_m = self.C_m[i]; E_L = self.E_L[i]
                P22 = self.P22[i]
                h_tot = (self.I_e[i] + self.I_stim[i]) * self.P20[i] + E_L
                # the step's spike input, as jumps of the scaled currents
                A_ex = row[i * 3] / h
                A_in = row[i * 3 + 1] / h
                A_ex *= self.tau_ex[i] / C_m
                A_in *= self.tau_in[i] / C_m
                y_ex = self.I_syn_ex[i] / C_m
                y_in = self.I_syn_in[i] / C_m
                tmp_ex = (self.tau_ex[i] * self.P11_ex[i] * (y_ex - A_ex)
                          - P22 * (self.tau_ex[i] * y_ex - tau_m * A_ex))
                tmp_in = (self.tau_in[i] * self.P11_in[i] * (y_in - A_in)
                          - P22 * (self.tau_in[i] * y_in - tau_m * A_in))
                h_tot += (tau_m * (A_ex + tmp_ex / (self.tau_ex[i] - tau_m))
                          + tau_m * (A_in + tmp_in / (self.tau_in[i] - tau_m)))
                y_ex = A_ex + (y_ex - A_ex) * self.P11_ex[i]
                y_in = A_in + (y_in - A_in) * self.P11_in[i]
                self.I_syn_ex[i] = y_ex * C_m
                self.I_syn_in[i] = y_in * C_m
                self.I_stim[i] = row[i * 3 + 2]
                row[i * 3] = 0.0; row[i * 3 + 1] = 0.0; row[i * 3 + 2] = 0.0

                # the free population: membrane, adaptation, escape probability
                W = 0.0; X = 0.0; Y = 0.0; Z = 0.0
                theta_hat = self.V_T_star[i]
                self.V_m[i] = (self.V_m[i] - E_L) * P22 + h_tot
                for j in range(self.n_sfa[i]):
                    self.g[i, j] = (self.g[i, j] * self.Q30[i, j]
                                    + (1. - self.Q30[i, j]) * self.n_hist[i, k0] / (N * h))
                    theta_hat += self.Q30K[i, j] * self.g[i, j]
                lam = self.lambda_0[i] * exp((self.V_m[i] - theta_hat) / self.Delta_V[i])
                P_free = 1 - exp(-0.0005 * (self.lambda_free[i] + lam) * h)
                self.lambda_free[i] = lam
                theta_hat -= self.n_hist[i, 0] * self.theta_tld[i, 0]
                self.E_sfa[i] = theta_hat

                # the cohorts of the history outside the refractory period
                for km in range(L):
                    X += self.m_hist[i, km]
                for km in range(L - self.k_ref[i]):
                    k = (k0 + km) % L
                    theta = self.theta[i, km] + theta_hat
                    theta_hat += self.n_hist[i, k] * self.theta_tld[i, km]
                    self.u_hist[i, k] = (self.u_hist[i, k] - E_L) * P22 + h_tot
                    lam = self.lambda_0[i] * exp((self.u_hist[i, k] - theta) / self.Delta_V[i])
                    P_lam = 0.0005 * (lam + self.lam_hist[i, k]) * h
                    if P_lam > 0.01:
                        P_lam = 1. - exp(-P_lam)
                    self.lam_hist[i, k] = lam
                    Y += P_lam * self.v_hist[i, k]
                    Z += self.v_hist[i, k]
                    W += P_lam * self.m_hist[i, k]
                    ompl = 1. - P_lam
                    self.v_hist[i, k] = ompl * ompl * self.v_hist[i, k] + P_lam * self.m_hist[i, k]
                    self.m_hist[i, k] = ompl * self.m_hist[i, k]
                if Z + self.z[i] > 0.0:
                    P_Lambda = (Y + P_free * self.z[i]) / (Z + self.z[i])
                else:
                    P_Lambda = 0.0

                n_expect = W + P_free * self.x[i] + P_Lambda * (N - X - self.x[i])
                self.mean[i] = n_expect
                n_spikes = self.draw(i, n_expect, ctx, ctx.origin + lag)
                self.n_events[i] = n_spikes

                # the oldest cohort joins the free population, its slot
                # takes the new one
                ompf = 1 - P_free
                self.z[i] = ompf * ompf * self.z[i] + self.x[i] * P_free + self.v_hist[i, k0]
                self.x[i] = self.x[i] * ompf + self.m_hist[i, k0]
                self.n_hist[i, k0] = <double>n_spikes
                self.m_hist[i, k0] = <double>n_spikes
                self.v_hist[i, k0] = 0.0
                self.u_hist[i, k0] = self.V_reset[i]
                self.lam_hist[i, k0] = 0.0
                self.k0[i] = (k0 + 1) % L
                if n_spikes > 0:
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, n_spikes)


MODELS = {"gif_pop_psc_exp": GifPopPscExp}
