# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""iaf_tum_2000 -- leaky integrate-and-fire neuron with exponential PSCs and
the Tsodyks-Uziel-Markram short-term plasticity of its outgoing synapses
computed once, in the sending neuron.

Equations
---------
Membrane and PSCs as iaf_psc_exp:

    dV_m/dt     = -(V_m - E_L)/tau_m + (I_syn_ex + I_syn_in + I_e + I_0)/C_m
    dI_syn_X/dt = -I_syn_X/tau_syn_X + sum_k s_k delta(t - t_k)   (X = ex, in)

Synaptic resources of the neuron's own output (Tsodyks, Uziel & Markram
2000, Eqs. 3-4): x (recovered), y (active), z = 1 - x - y (inactive), u
(release probability):

    dx/dt = z/tau_rec - u x delta(t - t_sp)
    dy/dt = -y/tau_psc + u x delta(t - t_sp)
    dz/dt = y/tau_psc - z/tau_rec
    du/dt = -u/tau_fac + U (1 - u) delta(t - t_sp)

At each of its spikes the neuron propagates (u, x, y) from its previous
spike (the first from t = 0) to now, then u += U (1 - u), and the release
``u x`` moves from x to y.  The release travels with the spike (in the
offset field of the spike, as NEST does); a target ``iaf_tum_2000``
receiving on receptor 1 takes ``s = w u x`` instead of ``w``.  Receptor 0
takes plain weights.  As for iaf_psc_exp, s >= 0 goes to I_syn_ex, s < 0
to I_syn_in; currents on receptor 1 are filtered through the excitatory
synapse (``I_1``).

With ``delta`` > 0 the threshold is stochastic: a spike with probability
rho exp((V_m - V_th)/delta) h per step (rho in 1/s).

Numerics
--------
Exact integration on the grid, as NEST's iaf_tum_2000 (iaf_psc_exp's
propagators: P11 = exp(-h/tau_syn), P22 = exp(-h/tau_m), P20 = tau_m/C_m
(1 - P22), P21 from propagators.h).  Per step: V_m (if not refractory), PSC
decay and the I_1 drive, the step's spikes, threshold, then the input
currents of the step are stored.  The plasticity variables are propagated
exactly between spikes over h_sp = t_sp - t_last (ms, NEST's time
arithmetic): Puu = exp(-h_sp/tau_fac) (0 for tau_fac = 0), Pyy =
exp(-h_sp/tau_psc), Pzz = expm1(-h_sp/tau_rec) (the C library's), Pxy = (Pzz tau_rec - (Pyy -
1) tau_psc)/(tau_psc - tau_rec); u *= Puu, x += Pxy y - Pzz z, y *= Pyy.
The stochastic draw takes one uniform number from the stream keyed by
(rng_seed, PURPOSE_NEURON, node id) at counter (step, 0); NEST draws from
its own generator, so stochastic spike trains differ from NEST's.

Parameters
----------
    ``E_L``         -70 mV    resting potential
    ``C_m``         250 pF    membrane capacitance
    ``tau_m``       10 ms     membrane time constant
    ``tau_syn_ex``  2 ms      excitatory PSC time constant
    ``tau_syn_in``  2 ms      inhibitory PSC time constant
    ``t_ref``       2 ms      absolute refractory period
    ``V_th``        -55 mV    spike threshold
    ``V_reset``     -70 mV    reset potential
    ``I_e``         0 pA      constant input current
    ``rho``         0.01 1/s  stochastic firing intensity at threshold
    ``delta``       0 mV      width of the threshold region (0: deterministic)
    ``tau_fac``     1000 ms   facilitation time constant (>= 0)
    ``tau_psc``     2 ms      time constant of the active resources y
    ``tau_rec``     400 ms    recovery time constant
    ``U``           0.5       increment of u at a spike, in [0, 1]

State: ``V_m`` (mV), ``x``, ``y`` (x + y <= 1), ``u`` (in [0, 1]), all
three 0 initially.  Recordables ``V_m``, ``I_syn_ex``, ``I_syn_in`` (pA).

Receives spikes (receptor 0: weights; receptor 1: weights times the
sender's release, from iaf_tum_2000 senders, which must connect there),
currents (receptors 0 and 1); sends spikes carrying the release.  As in
NEST, a spike_recorder reports the time of such a spike minus the release
(the offset field); record with ``time_in_steps`` to get the grid times.

References: Tsodyks M, Uziel A, Markram H (2000) J Neurosci 20:RC50.
See also: iaf_psc_exp, tsodyks_synapse.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport exp, expm1
from libc.stdint cimport int64_t, uint64_t

from pynestlite.kernel.nodebase cimport (
    NodeBlock, SliceContext, pnl_register_push_off, input_row)
from pynestlite.kernel.random_streams cimport (
    pnl_stream, pnl_make_key, pnl_stream_init, pnl_uniform, PURPOSE_NEURON)
from pynestlite.models.propagators cimport pnl_iaf_propagator
from pynestlite.errors import BadProperty, IllegalConnection, UnknownReceptorType

cnp.import_array()


ctypedef struct Release:
    # the plasticity parameters of one neuron
    double tau_fac, tau_psc, tau_rec, U


cdef inline double release(const Release *p, double h_sp, double *u, double *x,
                           double *y) noexcept nogil:
    """Propagate (u, x, y) over ``h_sp`` ms since the previous spike, apply
    a spike and return the release u x."""
    cdef double Puu = 0.0 if p.tau_fac == 0.0 else exp(-h_sp / p.tau_fac)
    cdef double Pyy = exp(-h_sp / p.tau_psc)
    cdef double Pzz = expm1(-h_sp / p.tau_rec)
    cdef double Pxy = (Pzz * p.tau_rec - (Pyy - 1.0) * p.tau_psc) / (p.tau_psc - p.tau_rec)
    cdef double z = 1.0 - x[0] - y[0]
    cdef double dy
    u[0] *= Puu
    x[0] += Pxy * y[0] - Pzz * z
    y[0] *= Pyy
    u[0] += p.U * (1.0 - u[0])
    dy = u[0] * x[0]
    x[0] -= dy
    y[0] += dy
    return dy


cdef class IafTum2000(NodeBlock):
    __doc__ = __doc__
    parameters = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "tau_syn_ex": 2.0,
                  "tau_syn_in": 2.0, "t_ref": 2.0, "V_th": -55.0, "V_reset": -70.0,
                  "I_e": 0.0, "rho": 0.01, "delta": 0.0, "tau_fac": 1000.0, "tau_psc": 2.0,
                  "tau_rec": 400.0, "U": 0.5}
    state = {"V_m": -70.0, "x": 0.0, "y": 0.0, "u": 0.0}
    internal = {"r": 0, "i_0": 0.0, "i_1": 0.0, "I_syn_ex": 0.0, "I_syn_in": 0.0,
                "last_spike": -1}
    relative = ("V_m", "V_th", "V_reset")
    strictly_positive = ("C_m", "tau_m", "tau_syn_ex", "tau_syn_in", "tau_psc", "tau_rec")
    non_negative = ("t_ref", "tau_fac", "rho", "delta")
    ordered = (("V_reset", "V_th"),)
    # ex, in (receptor 0), ex, in (receptor 1: weight times the release), I0, I1
    n_channels = 6
    spike_receptors = {0: (0, True, False), 1: (2, True, False)}
    payload_receptors = (1,)
    current_receptors = {0: 4, 1: 5}
    recordables = ("V_m", "I_syn_ex", "I_syn_in")
    precise_output = True       # the release travels in the offset field

    cdef double[::1] V_m, V_th, V_reset, I_e, i_ex, i_in, i_0, i_1, x, y, u
    cdef double[::1] rho, delta, tau_fac, tau_psc, tau_rec, U
    cdef double[::1] P11ex, P11in, P22, P21ex, P21in, P20
    cdef int64_t[::1] r, ref_counts, gid, last_spike
    cdef int64_t tics_per_step
    cdef double ms_per_tic

    def check(self, dict values):
        NodeBlock.check(self, values)
        for name in ("U", "u"):
            v = values.get(name)
            if v is not None and np.any((v < 0.0) | (v > 1.0)):
                raise BadProperty(f"{self.model}: {name!r} must be in [0, 1]")
        if np.any(values["x"] + values["y"] > 1.0):
            raise BadProperty(f"{self.model}: x + y must be <= 1.0")

    @staticmethod
    def check_sources(models, receptor, target):
        """NEST's rules for the senders of spikes on ``receptor`` (an int):
        receptors 0 and 1 only; an iaf_tum_2000 sender on receptor 1."""
        if receptor > 1 or receptor < 0:
            raise UnknownReceptorType(
                f"{target} has no spike receptor_type {receptor}; valid: [0, 1]")
        if receptor != 1 and any(issubclass(m, IafTum2000) for m in models):
            raise IllegalConnection(f"iaf_tum_2000 neurons must be connected to {target} "
                                    "via receptor_type 1")

    @staticmethod
    def check_targets(blocks, models):
        """A sender of releases cannot reach a neuron of another model that
        takes precise spike times or payloads (NEST: off-grid neurons)."""
        for blk in blocks:
            if type(blk) is not IafTum2000 and (
                    getattr(blk, "precise_input", False) or getattr(blk, "payload_receptors", ())
                    or getattr(blk, "precise_output", False)):
                raise IllegalConnection(
                    "iaf_tum_2000 neurons cannot be connected to precise spiking neurons "
                    f"({blk.model})")

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.V_th = a["V_th"]; self.V_reset = a["V_reset"]
        self.I_e = a["I_e"]; self.i_ex = a["I_syn_ex"]; self.i_in = a["I_syn_in"]
        self.i_0 = a["i_0"]; self.i_1 = a["i_1"]; self.r = a["r"]
        self.x = a["x"]; self.y = a["y"]; self.u = a["u"]
        self.rho = a["rho"]; self.delta = a["delta"]; self.tau_fac = a["tau_fac"]
        self.tau_psc = a["tau_psc"]; self.tau_rec = a["tau_rec"]; self.U = a["U"]
        self.last_spike = a["last_spike"]
        self.gid = self.gids

    def pre_run(self, engine):
        cdef double h = engine.resolution
        cdef Py_ssize_t i, n = self.n
        a = self.arrays
        out = {k: np.empty(n) for k in ("P11ex", "P11in", "P22", "P21ex", "P21in", "P20")}
        cdef double[::1] p11e = out["P11ex"], p11i = out["P11in"], p22 = out["P22"]
        cdef double[::1] p21e = out["P21ex"], p21i = out["P21in"], p20 = out["P20"]
        cdef double[::1] te = a["tau_syn_ex"], ti = a["tau_syn_in"], tm = a["tau_m"], cm = a["C_m"]
        for i in range(n):
            p11e[i] = exp(-h / te[i])
            p11i[i] = exp(-h / ti[i])
            p22[i] = exp(-h / tm[i])
            p21e[i] = pnl_iaf_propagator(te[i], tm[i], cm[i], h).P32
            p21i[i] = pnl_iaf_propagator(ti[i], tm[i], cm[i], h).P32
            p20[i] = tm[i] / cm[i] * (1.0 - p22[i])
        self.P11ex = p11e; self.P11in = p11i; self.P22 = p22
        self.P21ex = p21e; self.P21in = p21i; self.P20 = p20
        self.ref_counts = engine.ms_to_steps(a["t_ref"])
        self.tics_per_step = engine.tics_per_step
        self.ms_per_tic = engine.ms_per_tic

    cdef inline double ms(self, int64_t stamp) noexcept nogil:
        """Time of step ``stamp`` in ms, as NEST computes it (tics * ms per tic)."""
        return self.ms_per_tic * <double>(stamp * self.tics_per_step)

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double V, Iex, Iin, p11e, t_last, off
        cdef int64_t c, stamp
        cdef bint fire
        cdef Release rel
        cdef pnl_stream s
        if n == 0:
            return
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            stamp = ctx.origin + lag + 1
            for i in range(n):
                c = i * 6
                V = self.V_m[i]
                Iex = self.i_ex[i]
                Iin = self.i_in[i]
                if self.r[i] == 0:
                    V = (V * self.P22[i] + Iex * self.P21ex[i] + Iin * self.P21in[i]
                         + (self.I_e[i] + self.i_0[i]) * self.P20[i])
                else:
                    self.r[i] -= 1
                p11e = self.P11ex[i]
                Iex *= p11e
                Iin *= self.P11in[i]
                Iex += (1.0 - p11e) * self.i_1[i]
                Iex += row[c] + row[c + 2]
                Iin += row[c + 1] + row[c + 3]
                if self.delta[i] < 1e-10:
                    fire = V >= self.V_th[i]
                else:
                    pnl_stream_init(&s, pnl_make_key(ctx.seed, PURPOSE_NEURON,
                                                     <uint64_t>self.gid[i]), <uint64_t>(stamp - 1), 0)
                    fire = (pnl_uniform(&s) < self.rho[i] * exp((V - self.V_th[i]) / self.delta[i])
                            * ctx.h * 1e-3)
                if fire:
                    self.r[i] = self.ref_counts[i]
                    V = self.V_reset[i]
                    t_last = self.ms(self.last_spike[i]) if self.last_spike[i] >= 0 else 0.0
                    self.last_spike[i] = stamp
                    rel.tau_fac = self.tau_fac[i]; rel.tau_psc = self.tau_psc[i]
                    rel.tau_rec = self.tau_rec[i]; rel.U = self.U[i]
                    off = release(&rel, self.ms(stamp) - t_last, &self.u[i], &self.x[i],
                                  &self.y[i])
                    pnl_register_push_off(ctx.reg, self.gid[i], <int>lag, 1, off)
                self.V_m[i] = V
                self.i_ex[i] = Iex
                self.i_in[i] = Iin
                self.i_0[i] = row[c + 4]
                self.i_1[i] = row[c + 5]
                row[c] = 0.0; row[c + 1] = 0.0; row[c + 2] = 0.0; row[c + 3] = 0.0
                row[c + 4] = 0.0; row[c + 5] = 0.0


MODELS = {"iaf_tum_2000": IafTum2000}
