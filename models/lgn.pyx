# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The thalamic relay neuron models of Casti et al.: iaf_chs_2007, iaf_chxk_2008.

iaf_chs_2007 -- normalized spike-response neuron of Carandini, Horton & Sincich (2007)
-------------------------------------------------------------------------------------
All potentials are normalized (E_L = 0, threshold 1).

    V_m = V_syn + V_spike + V_noise * noise[k]
    an excitatory spike of weight w adds w to i_syn (inhibitory spikes are
    ignored), and i_syn shapes an alpha EPSP of peak V_epsp * w:
        V_syn  <- V_syn P22 + i_syn P21,   P22 = exp(-h/tau_epsp),
                  P21 = V_epsp e P22 h / tau_epsp
        i_syn  <- i_syn P22 + (the step's spikes)
        V_spike <- V_spike exp(-h/tau_reset)
    If V_m >= 1 the neuron spikes, V_spike and V_m drop by V_reset.

``noise`` is a list of samples (one per step, from the first step after it
is set) scaled by ``V_noise``; a run that needs more samples than the list
holds raises (NEST would read past its end).  ``V_m`` is recomputed every
step from the hidden terms, so setting it only changes what is reported
until the next step.  Receives spikes only (no currents).

Parameters: ``tau_epsp`` 8.5 ms, ``tau_reset`` 15.4 ms, ``V_epsp`` 0.77,
``V_reset`` 2.31 (the size of the drop, >= 0), ``V_noise`` 0, ``noise`` [].

iaf_chxk_2008 -- conductance neuron with after-hyperpolarization (Casti et al. 2008)
-----------------------------------------------------------------------------------
    C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in)
                - g_ahp (V - E_ahp) + I_e + I_stim
    g_X: alpha functions (dg_X' = -g_X'/tau_X, dg_X = g_X' - g_X/tau_X); a spike
    of weight w adds w e / tau_syn_X to g_X' (X = ex for w > 0, in with -w
    otherwise).

No reset and no refractory period: the neuron spikes when V crosses V_th
upwards within a step.  The spike time is found by linear interpolation of V
over the step; the AHP alpha function is started at that time: with dt the
time from the spike to the end of the step,
    g_ahp' += g_ahp e / tau_ahp exp(-dt/tau_ahp),   g_ahp += (that) dt
(``ahp_bug``: replace instead of add, the original Fortran's behaviour).
Spikes carry the interpolated time as their offset; the neuron's own
``t_spike`` is the step's end, as NEST.

Numerics: GSL's RKF45 with ``control_y_new(1e-3, 0)`` reproduced bit for
bit (``kernel/rkf45.h``); per step: integrate, threshold crossing, add the
step's spikes.

Parameters: ``V_th`` -45 mV, ``g_L`` 100 nS, ``C_m`` 1000 pF, ``E_ex`` 20 mV,
``E_in`` -90 mV, ``E_L`` -60 mV, ``tau_syn_ex`` 1 ms, ``tau_syn_in`` 1 ms,
``I_e`` 0 pA, ``tau_ahp`` 0.5 ms, ``g_ahp`` 443.8 nS, ``E_ahp`` -95 mV,
``ahp_bug`` False.  Recordables: ``V_m``, ``g_ex``, ``g_in``, ``g_ahp`` and
the currents ``I_syn_ex = g_ex (V - E_ex)``, ``I_syn_in``, ``I_ahp``.

References: Carandini M, Horton JC, Sincich LC (2007) J Vision 7(14):20;
Casti A et al. (2008) J Comput Neurosci 24:235-252.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport exp, M_E
from libc.stdint cimport int64_t

from pynestlite.kernel.nodebase cimport (
    NodeBlock, SliceContext, pnl_register_push, pnl_register_push_off, input_row)
from pynestlite.errors import BadProperty, KernelException

cnp.import_array()

from pynestlite.kernel.rkf45 cimport rkf45_advance, rkf45_work

cdef enum:
    ERROR_NOISE_EXHAUSTED = -2001


cdef class IafChs2007(NodeBlock):
    __doc__ = __doc__
    threaded = True         # the update reads and writes its own nodes (and their
                            # input channels) only
    parameters = {"tau_epsp": 8.5, "tau_reset": 15.4, "V_epsp": 0.77, "V_reset": 2.31,
                  "V_noise": 0.0, "noise": ()}
    state = {"V_m": 0.0}
    internal = {"i_syn": 0.0, "V_syn": 0.0, "V_spike": 0.0, "position": 0}
    strictly_positive = ("tau_epsp", "tau_reset")
    non_negative = ("V_epsp", "V_reset")
    n_channels = 2          # spikes ex, in (split by sign; inhibitory ones are dropped)
    spike_receptors = {0: (0, True, False)}
    current_receptors = {}
    recordables = ("V_m",)

    cdef double[::1] V_m, i_syn, V_syn, V_spike, V_epsp, V_reset, V_noise, P22, P21, P30
    cdef double[::1] noise
    cdef int64_t[::1] position, noise_ptr, gid

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.i_syn = a["i_syn"]; self.V_syn = a["V_syn"]
        self.V_spike = a["V_spike"]; self.V_epsp = a["V_epsp"]; self.V_reset = a["V_reset"]
        self.V_noise = a["V_noise"]; self.position = a["position"]
        self.gid = self.gids

    def set(self, dict updates, idx, engine=None):
        if "noise" in updates:
            updates = dict(updates)
            clean = []
            for v in updates["noise"]:
                arr = np.asarray(v, np.float64).ravel()
                if not np.all(np.isfinite(arr)):
                    raise BadProperty(f"{self.model}: noise must be finite numbers")
                clean.append(tuple(float(x) for x in arr))
            updates["noise"] = clean
        NodeBlock.set(self, updates, idx, engine)
        if "noise" in updates:
            self.arrays["position"][np.asarray(idx, np.int64)] = 0

    def pre_run(self, engine):
        a = self.arrays
        h = engine.resolution
        P22 = np.exp(-h / a["tau_epsp"])
        self.P22 = P22
        self.P21 = a["V_epsp"] * np.exp(1.0) * P22 * h / a["tau_epsp"]
        self.P30 = np.exp(-h / a["tau_reset"])
        lengths = np.array([len(x) for x in a["noise"]], np.int64)
        self.noise_ptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        self.noise = (np.concatenate([np.asarray(x, np.float64) for x in a["noise"]])
                      if lengths.sum() else np.zeros(1))

    def error(self):
        if self.error_code == ERROR_NOISE_EXHAUSTED:
            return KernelException(
                f"{self.model}: the noise signal is exhausted (one sample per step is "
                "needed while V_noise > 0); set a longer noise list")
        return NodeBlock.error(self)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double noise_term
        cdef int64_t p
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                self.V_syn[i] = self.V_syn[i] * self.P22[i] + self.i_syn[i] * self.P21[i]
                self.i_syn[i] = self.i_syn[i] * self.P22[i] + row[2 * i]
                self.V_spike[i] = self.V_spike[i] * self.P30[i]
                noise_term = 0.0
                if self.V_noise[i] > 0.0 and self.noise_ptr[i + 1] > self.noise_ptr[i]:
                    p = self.noise_ptr[i] + self.position[i]
                    if p >= self.noise_ptr[i + 1]:
                        self.error_code = ERROR_NOISE_EXHAUSTED
                    else:
                        noise_term = self.V_noise[i] * self.noise[p]
                        self.position[i] += 1
                self.V_m[i] = self.V_syn[i] + self.V_spike[i] + noise_term
                if self.V_m[i] >= 1.0:
                    self.V_spike[i] -= self.V_reset[i]
                    self.V_m[i] -= self.V_reset[i]
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                row[2 * i] = 0.0; row[2 * i + 1] = 0.0


ctypedef struct ChxkParams:
    double g_L, E_L, E_ex, E_in, E_ahp, C_m, tau_ex, tau_in, tau_ahp, I_e, I_stim


cdef int chxk_rhs(double t, const double *y, double *f, void *p) noexcept nogil:
    # y = (V_m, dg_ex, g_ex, dg_in, g_in, dg_ahp, g_ahp), NEST's order
    cdef ChxkParams *q = <ChxkParams *>p
    cdef double V = y[0]
    cdef double I_ex = y[2] * (V - q.E_ex)
    cdef double I_in = y[4] * (V - q.E_in)
    cdef double I_ahp = y[6] * (V - q.E_ahp)
    cdef double I_leak = q.g_L * (V - q.E_L)
    f[0] = (-I_leak - I_ex - I_in - I_ahp + q.I_stim + q.I_e) / q.C_m
    f[1] = -y[1] / q.tau_ex
    f[2] = y[1] - (y[2] / q.tau_ex)
    f[3] = -y[3] / q.tau_in
    f[4] = y[3] - (y[4] / q.tau_in)
    f[5] = -y[5] / q.tau_ahp
    f[6] = y[5] - (y[6] / q.tau_ahp)
    return 0


cdef class IafChxk2008(NodeBlock):
    __doc__ = __doc__
    parameters = {"V_th": -45.0, "g_L": 100.0, "C_m": 1000.0, "E_ex": 20.0, "E_in": -90.0,
                  "E_L": -60.0, "tau_syn_ex": 1.0, "tau_syn_in": 1.0, "I_e": 0.0,
                  "tau_ahp": 0.5, "g_ahp": 443.8, "E_ahp": -95.0, "ahp_bug": False}
    state = {"V_m": -60.0}
    internal = {"dg_ex": 0.0, "g_ex": 0.0, "dg_in": 0.0, "g_in": 0.0, "dg_ahp": 0.0,
                "g_ahp_state": 0.0, "I_stim": 0.0, "h_int": 0.0}
    strictly_positive = ("C_m", "tau_syn_ex", "tau_syn_in", "tau_ahp")
    n_channels = 3          # spikes ex, in (split by sign), I0
    spike_receptors = {0: (0, True, False)}
    current_receptors = {0: 2}
    recordables = ("V_m", "g_ex", "g_in", "g_ahp", "I_syn_ex", "I_syn_in", "I_ahp")
    precise_output = True   # spikes carry the interpolated crossing time

    cdef double[::1] V_m, dg_ex, g_ex, dg_in, g_in, dg_ahp, g_ahp, V_th, g_L, C_m, E_ex
    cdef double[::1] E_in, E_L, tau_ex, tau_in, I_e, tau_ahp, g_ahp_peak, E_ahp, I_stim, h_int
    cdef cnp.uint8_t[::1] ahp_bug
    cdef int64_t[::1] gid

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.dg_ex = a["dg_ex"]; self.g_ex = a["g_ex"]
        self.dg_in = a["dg_in"]; self.g_in = a["g_in"]; self.dg_ahp = a["dg_ahp"]
        self.g_ahp = a["g_ahp_state"]; self.V_th = a["V_th"]; self.g_L = a["g_L"]
        self.C_m = a["C_m"]; self.E_ex = a["E_ex"]; self.E_in = a["E_in"]; self.E_L = a["E_L"]
        self.tau_ex = a["tau_syn_ex"]; self.tau_in = a["tau_syn_in"]; self.I_e = a["I_e"]
        self.tau_ahp = a["tau_ahp"]; self.g_ahp_peak = a["g_ahp"]; self.E_ahp = a["E_ahp"]
        self.ahp_bug = a["ahp_bug"]; self.I_stim = a["I_stim"]; self.h_int = a["h_int"]
        self.gid = self.gids

    def pre_run(self, engine):
        a = self.arrays
        a["h_int"][a["h_int"] <= 0.0] = engine.resolution

    def sample(self, str name, idx):
        a = self.arrays
        if name == "g_ahp":
            return np.asarray(a["g_ahp_state"][idx], np.float64)
        if name in ("g_ex", "g_in"):
            return np.asarray(a[name][idx], np.float64)
        g, E = {"I_syn_ex": ("g_ex", "E_ex"), "I_syn_in": ("g_in", "E_in"),
                "I_ahp": ("g_ahp_state", "E_ahp")}.get(name, (None, None))
        if g is not None:
            return a[g][idx] * (a["V_m"][idx] - a[E][idx])
        return NodeBlock.sample(self, name, idx)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double y[7]
        cdef double v_prev, dt, delta_dg
        cdef int64_t c
        cdef int st
        cdef rkf45_work work
        cdef ChxkParams q
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(n):
                c = i * 3
                q.g_L = self.g_L[i]; q.E_L = self.E_L[i]; q.E_ex = self.E_ex[i]
                q.E_in = self.E_in[i]; q.E_ahp = self.E_ahp[i]; q.C_m = self.C_m[i]
                q.tau_ex = self.tau_ex[i]; q.tau_in = self.tau_in[i]
                q.tau_ahp = self.tau_ahp[i]; q.I_e = self.I_e[i]; q.I_stim = self.I_stim[i]
                y[0] = self.V_m[i]; y[1] = self.dg_ex[i]; y[2] = self.g_ex[i]
                y[3] = self.dg_in[i]; y[4] = self.g_in[i]; y[5] = self.dg_ahp[i]
                y[6] = self.g_ahp[i]
                v_prev = y[0]
                st = rkf45_advance(&work, 1e-3, 0.0, chxk_rhs, &q, 7, ctx.h, &self.h_int[i],
                                   y, NULL)
                if st != 0:
                    self.error_code = st
                if v_prev < self.V_th[i] and y[0] >= self.V_th[i]:
                    dt = ctx.h * (y[0] - self.V_th[i]) / (y[0] - v_prev)
                    delta_dg = self.g_ahp_peak[i] * M_E / self.tau_ahp[i] * exp(
                        -dt / self.tau_ahp[i])
                    if self.ahp_bug[i]:
                        y[6] = delta_dg * dt
                        y[5] = delta_dg
                    else:
                        y[6] += delta_dg * dt
                        y[5] += delta_dg
                    pnl_register_push_off(ctx.reg, self.gid[i], <int>lag, 1, dt)
                y[1] += row[c] * (1.0 * M_E / self.tau_ex[i])
                y[3] += -row[c + 1] * (1.0 * M_E / self.tau_in[i])
                self.V_m[i] = y[0]; self.dg_ex[i] = y[1]; self.g_ex[i] = y[2]
                self.dg_in[i] = y[3]; self.g_in[i] = y[4]; self.dg_ahp[i] = y[5]
                self.g_ahp[i] = y[6]
                self.I_stim[i] = row[c + 2]
                row[c] = 0.0; row[c + 1] = 0.0; row[c + 2] = 0.0


MODELS = {"iaf_chs_2007": IafChs2007, "iaf_chxk_2008": IafChxk2008}
