# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Neurons with precise spike times: iaf_psc_exp_ps, iaf_psc_exp_ps_lossless,
iaf_psc_alpha_ps, iaf_psc_delta_ps, parrot_neuron_ps.

Time convention (NEST's)
------------------------
A spike carries the stamp S of the step it was emitted in (the step
(S-1) h .. S h) and an offset o in [0, h) before that step's end: it
happened at S h - o.  Sent over a connection with delay d (whole steps) it
arrives at S h - o + d h, inside the update of step T = S + d - 1 at offset
o, where T is the step that runs from T h to (T + 1) h.  Spikes on the grid
have o = 0 and arrive at the end of their step.

Input
-----
The spike receptors of these models take precise input: a delivery or a
device puts each spike into the kernel's buffer of precise events
(channel, arrival step, offset, value); the block copies its own at every
update and keeps them sorted by (step, neuron, offset from the largest,
i.e. time order).  Input that reaches the ring buffer instead (synapse
models other than static_synapse, grid devices) counts as arriving at
offset 0.  A neuron's step is cut at its events; between them the
dynamics are integrated exactly.

Refractoriness
--------------
t_ref rounded up to whole steps (NEST's Time(t_ref).get_steps(), at least
one step), measured from the precise spike time: the end is a pseudo-event
at the spike's offset, t_ref steps later; at equal times it comes before
an input spike.

See the model classes for their equations.  References: Morrison A,
Straube S, Plesser HE, Diesmann M (2007) Neural Comput 19:47-79; Hanuschkin
A, Kunkel S, Helias M, Morrison A, Diesmann M (2010) Front Neuroinform 4:113.
"""
import numpy as np
cimport numpy as cnp
from libc.math cimport exp, expm1, log, fabs, pow, INFINITY, NAN, M_E
from libc.float cimport DBL_EPSILON, DBL_MAX
from libc.stdint cimport int64_t
from libc.stdlib cimport calloc, realloc, free, qsort
from libc.string cimport memmove

from pynestlite.errors import BadProperty, NumericalInstability
from pynestlite.models.parrot_neuron import ParrotNeuron
from pynestlite.kernel.nodebase cimport (
    NodeBlock, SliceContext, pnl_pevents, pnl_register_push_off, input_row)
from pynestlite.models.propagators cimport (
    pnl_psc_propagator, pnl_iaf_propagator, pnl_iaf_propagator_exp, pnl_expm1)

cnp.import_array()

# error_code of a spike time that regula falsi could not find
ERROR_ROOT = -1001
cdef int C_ERROR_ROOT = ERROR_ROOT


ctypedef struct PEv:
    int64_t step        # update step of the arrival
    int64_t node        # row in the block
    int64_t ch          # channel of the node
    double off          # offset before the step's end (ms)
    double val          # weight (or count)


cdef int _cmp_pev(const void *a, const void *b) noexcept nogil:
    cdef const PEv *x = <const PEv *>a
    cdef const PEv *y = <const PEv *>b
    if x.step != y.step:
        return (x.step > y.step) - (x.step < y.step)
    if x.node != y.node:
        return (x.node > y.node) - (x.node < y.node)
    return (x.off < y.off) - (x.off > y.off)


cdef class PreciseBlock(NodeBlock):
    """Base of models with precise input and output: the sorted queue of
    the block's precise input events."""
    precise_input = True
    precise_output = True
    read_only = ("is_refractory",)
    checkpointable = False      # the queue of precise input is not saved (save_state refuses)

    cdef PEv *q
    cdef int64_t q_head, q_n, q_cap, seen, epoch, nch
    cdef int q_failed

    def __dealloc__(self):
        free(self.q)

    def pre_run(self, engine):
        self.nch = type(self).n_channels

    def error(self):
        if self.error_code == C_ERROR_ROOT:
            return NumericalInstability(
                f"{self.model}: regula falsi did not find the spike time (no sign change in "
                "the step or no convergence in 500 iterations)")
        if self.q_failed:
            from pynestlite.errors import KernelMemoryError
            return KernelMemoryError(f"{self.model}: the precise input queue could not grow")
        return NodeBlock.error(self)

    cdef void take_events(self, SliceContext *ctx) noexcept nogil:
        """Copy the block's new entries of the kernel's precise events into
        the queue (sorted by step, row, time)."""
        cdef pnl_pevents *e = ctx.pev
        cdef int64_t k, c, lo = self.chan_base, hi = self.chan_base + self.n * self.nch
        cdef int64_t cap
        cdef bint added = False
        cdef PEv *nq
        if e == NULL:
            return
        if e.epoch != self.epoch:
            self.epoch = e.epoch
            self.seen = 0
        for k in range(self.seen, e.n):
            c = e.chan[k]
            if c < lo or c >= hi:
                continue
            if self.q_n == self.q_cap:
                if self.q_head > 0:
                    memmove(self.q, self.q + self.q_head, (self.q_n - self.q_head) * sizeof(PEv))
                    self.q_n -= self.q_head
                    self.q_head = 0
                if self.q_n == self.q_cap:
                    cap = 2 * self.q_cap if self.q_cap else 256
                    nq = <PEv *>realloc(self.q, cap * sizeof(PEv))
                    if nq == NULL:
                        self.q_failed = 1
                        self.error_code = -1
                        return
                    self.q = nq
                    self.q_cap = cap
            self.q[self.q_n].step = e.step[k]
            self.q[self.q_n].node = (c - lo) // self.nch
            self.q[self.q_n].ch = (c - lo) % self.nch
            self.q[self.q_n].off = e.off[k]
            self.q[self.q_n].val = e.val[k]
            self.q_n += 1
            added = True
        self.seen = e.n
        if added:
            qsort(self.q + self.q_head, self.q_n - self.q_head, sizeof(PEv), _cmp_pev)

    cdef inline int64_t events_of(self, int64_t *p, int64_t i, int64_t T) noexcept nogil:
        """The queue's events of row ``i`` at step ``T`` are q[start, end):
        returns start and leaves ``p`` at end (rows and steps are visited in
        order, so ``p`` only moves forward)."""
        cdef int64_t s
        while p[0] < self.q_n and (self.q[p[0]].step < T
                                   or (self.q[p[0]].step == T and self.q[p[0]].node < i)):
            p[0] += 1
        s = p[0]
        while p[0] < self.q_n and self.q[p[0]].step == T and self.q[p[0]].node == i:
            p[0] += 1
        return s

    def in_flight(self):
        """Precise input events not yet taken: (step, row, channel, offset, value)."""
        return [(self.q[k].step, self.q[k].node, self.q[k].ch, self.q[k].off, self.q[k].val)
                for k in range(self.q_head, self.q_n)]


def _check_iaf_ps(block, dict values, positive_taus, bint lossless=False):
    """NEST's checks of the precise integrate-and-fire models (relative to E_L
    as NEST compares them: V_reset < V_th, V_reset >= V_min)."""
    m = block.model
    if np.any(values["V_reset"] >= values["V_th"]):
        raise BadProperty(f"{m}: Reset potential must be smaller than threshold "
                          "(V_reset < V_th).")
    if np.any(values["V_reset"] < values["V_min"]):
        raise BadProperty(f"{m}: Reset potential must be greater equal minimum potential "
                          "(V_reset >= V_min).")
    if np.any(values["C_m"] <= 0):
        raise BadProperty(f"{m}: Capacitance must be strictly positive (C_m > 0).")
    if lossless:
        if np.any(values["t_ref"] < 0):
            raise BadProperty(f"{m}: Refractory time must not be negative (t_ref >= 0).")
    elif np.any(values["t_ref"] < 0.0005):
        # NEST: Time(t_ref).get_steps() < 1 for t_ref below half a tic (1 µs)
        raise BadProperty(f"{m}: Refractory time must be at least one time step "
                          f"(t_ref > 0), got {np.min(values['t_ref'])}.")
    for name in positive_taus:
        if np.any(values[name] <= 0):
            raise BadProperty(f"{m}: All time constants must be strictly positive "
                              f"({name} > 0).")


cdef enum:
    PS_EXP = 0          # iaf_psc_exp_ps
    PS_ALPHA = 1        # iaf_psc_alpha_ps
    PS_LOSSLESS = 2     # iaf_psc_exp_ps_lossless


ctypedef struct IafPs:
    int kind
    # parameters (potentials relative to E_L)
    double tau_m, tau_ex, tau_in, C, I_e, th, reset, vmin, h
    double norm_ex, norm_in             # alpha: e / tau_syn (a weight w peaks at w pA)
    # step-h propagators: P20 (P30 alpha), P21 (P32 alpha), P31 (alpha), expm1(-h/tau_m)
    double P20, P21e, P21i, P31e, P31i, em1, eex, ein
    # lossless spike test (Krishnan et al. 2018)
    double a1, a2, a3, a4, b1, b2, b3, b4, c1, c2, c3, c4, c5, c6
    # state: input current of the step, currents (alpha: and their derivatives), V
    double y0, ex, iin, dex, din, V
    # state at the start of the current piece (spike-time search)
    double b_y0, b_ex, b_in, b_dex, b_din, b_V


cdef inline double _ps_dist(const IafPs *s, double t) noexcept nogil:
    """V - V_th at time t after the state saved in b_* (exact solution)."""
    cdef double em, P30, y
    cdef pnl_psc_propagator pe, pi
    if s.kind == PS_ALPHA:
        em = pnl_expm1(-t * (1.0 / s.tau_m))
        P30 = -s.tau_m * (1.0 / s.C) * em
        pe = pnl_iaf_propagator(s.tau_ex, s.tau_m, s.C, t)
        pi = pnl_iaf_propagator(s.tau_in, s.tau_m, s.C, t)
        y = (P30 * (s.I_e + s.b_y0) + pe.P31 * s.b_dex + pe.P32 * s.b_ex + pi.P31 * s.b_din
             + pi.P32 * s.b_in + s.b_V * em + s.b_V)
        return y - s.th
    y = (-s.tau_m / s.C * pnl_expm1(-t / s.tau_m) * (s.I_e + s.b_y0)
         + pnl_iaf_propagator_exp(s.tau_ex, s.tau_m, s.C, t) * s.b_ex
         + pnl_iaf_propagator_exp(s.tau_in, s.tau_m, s.C, t) * s.b_in
         + s.b_V * exp(-t / s.tau_m))
    return y - s.th


cdef inline int _regula_falsi(const IafPs *s, double dt, double *root) noexcept nogil:
    """The crossing of V_th in (0, dt] from the saved state: the Illinois
    variant of regula falsi, stopped when |V - V_th| < 1e-14 mV (NEST's
    spike-time interpolation).  Returns -1 without a sign change or without
    convergence in 500 iterations."""
    cdef double a = 0.0, b = dt, fa = _ps_dist(s, 0.0), fb = _ps_dist(s, dt)
    cdef double r, fr
    cdef int side = 0, it
    if fa * fb > 0:
        return -1
    for it in range(500):
        r = (a * fb - b * fa) / (fb - fa)
        fr = _ps_dist(s, r)
        if fabs(fr) < 1e-14:
            root[0] = r
            return 0
        if fa * fr > 0.0:
            a = r
            fa = fr
            if side == 1:
                fb /= 2
            side = 1
        elif fb * fr > 0.0:
            b = r
            fb = fr
            if side == -1:
                fa /= 2
            side = -1
        else:
            return -1
    return -1


cdef inline void _ps_propagate(IafPs *s, double dt, bint refr) noexcept nogil:
    """Exact propagation by dt (V frozen while refractory; alpha: V_min)."""
    cdef double em, P30, e_ex, e_in
    cdef pnl_psc_propagator pe, pi
    if s.kind == PS_ALPHA:
        if not refr:
            em = pnl_expm1(-dt * (1.0 / s.tau_m))
            P30 = -s.tau_m * (1.0 / s.C) * em
            pe = pnl_iaf_propagator(s.tau_ex, s.tau_m, s.C, dt)
            pi = pnl_iaf_propagator(s.tau_in, s.tau_m, s.C, dt)
            s.V = (P30 * (s.I_e + s.y0) + pe.P31 * s.dex + pe.P32 * s.ex + pi.P31 * s.din
                   + pi.P32 * s.iin + s.V * em + s.V)
            if s.V < s.vmin:
                s.V = s.vmin
        e_ex = exp(-dt * (1.0 / s.tau_ex))
        e_in = exp(-dt * (1.0 / s.tau_in))
        s.ex = e_ex * dt * s.dex + e_ex * s.ex
        s.dex = e_ex * s.dex
        s.iin = e_in * dt * s.din + e_in * s.iin
        s.din = e_in * s.din
        return
    if not refr:
        s.V = (-s.tau_m / s.C * pnl_expm1(-dt / s.tau_m) * (s.I_e + s.y0)
               + pnl_iaf_propagator_exp(s.tau_ex, s.tau_m, s.C, dt) * s.ex
               + pnl_iaf_propagator_exp(s.tau_in, s.tau_m, s.C, dt) * s.iin
               + s.V * exp(-dt / s.tau_m))
    s.ex = s.ex * exp(-dt / s.tau_ex)
    s.iin = s.iin * exp(-dt / s.tau_in)


cdef inline void _ps_step(IafPs *s, bint refr) noexcept nogil:
    """A whole step without events (step-h propagators, V_min)."""
    if not refr:
        if s.kind == PS_ALPHA:
            s.V = (s.P20 * (s.I_e + s.y0) + s.P31e * s.dex + s.P21e * s.ex + s.P31i * s.din
                   + s.P21i * s.iin + s.em1 * s.V + s.V)
        else:
            s.V = s.P20 * (s.I_e + s.y0) + s.P21e * s.ex + s.P21i * s.iin + s.em1 * s.V + s.V
        if s.V < s.vmin:
            s.V = s.vmin
    if s.kind == PS_ALPHA:
        s.ex = s.eex * s.h * s.dex + s.eex * s.ex
        s.dex = s.eex * s.dex
        s.iin = s.ein * s.h * s.din + s.ein * s.iin
        s.din = s.ein * s.din
    else:
        s.ex = s.ex * s.eex
        s.iin = s.iin * s.ein


cdef inline void _ps_save(IafPs *s) noexcept nogil:
    s.b_ex = s.ex
    s.b_in = s.iin
    s.b_dex = s.dex
    s.b_din = s.din
    s.b_V = s.V


cdef inline double _lossless_test(const IafPs *s, double dt) noexcept nogil:
    """Krishnan et al. (2018)'s test whether V reaches threshold within dt
    from the saved state (one synaptic time constant): dt if V ends above
    it, the time of V's maximum if it crosses and comes back (a 'missed'
    spike; NEST's expression), NaN if it does not cross."""
    cdef double I0 = s.b_ex + s.b_in, V0 = s.b_V, Ie = s.b_y0 + s.I_e
    cdef double es = pnl_expm1(dt / s.tau_ex), em = pnl_expm1(dt / s.tau_m)
    cdef double ems = pnl_expm1(dt / s.tau_m - dt / s.tau_ex)
    cdef double f = (s.a1 * I0 * ems + em * (s.a3 - Ie * s.a2) + s.a3) / s.a4
    if (V0 < ((I0 + Ie) * (s.b1 * em + s.b2 * es) + s.b3 * (em - es)) / (s.b4 * es)
            and V0 <= f):
        return NAN
    if V0 >= f:
        return dt
    if V0 < s.c1 * Ie + s.c2 * I0 + s.c3 * pow(I0, s.c4) * pow(s.c5 - Ie, s.c6):
        return NAN
    return (s.a1 / s.tau_m * s.tau_ex) * log(s.b1 * I0 / (s.a2 * Ie - s.a1 * I0 - s.a4 * V0))


cdef class IafPsBlock(PreciseBlock):
    """The integrate-and-fire models with exponential or alpha PSCs and
    precise spike times (the loop they share; see the models)."""
    kind = PS_EXP
    parameters = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "tau_syn_ex": 2.0,
                  "tau_syn_in": 2.0, "t_ref": 2.0, "V_th": -55.0, "V_reset": -70.0,
                  "V_min": -INFINITY, "I_e": 0.0}
    state = {"V_m": -70.0, "I_syn_ex": 0.0, "I_syn_in": 0.0, "is_refractory": False}
    internal = {"y0": 0.0, "dI_ex": 0.0, "dI_in": 0.0, "last_step": -1, "last_offset": 0.0}
    relative = ("V_m", "V_th", "V_reset", "V_min")
    n_channels = 3          # ex, in, I0
    spike_receptors = {0: (0, True, False)}
    current_receptors = {0: 2}
    recordables = ("V_m",)
    derivative_names = ("dI_ex", "dI_in")

    cdef double[::1] V_m, I_ex, I_in, dI_ex, dI_in, y0, last_off
    cdef cnp.uint8_t[::1] refr
    cdef int64_t[::1] last_step, refr_steps, gid
    cdef IafPs *ps
    cdef double h

    def __dealloc__(self):
        free(self.ps)

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.I_ex = a["I_syn_ex"]; self.I_in = a["I_syn_in"]
        self.dI_ex = a[self.derivative_names[0]]; self.dI_in = a[self.derivative_names[1]]
        self.y0 = a["y0"]; self.last_off = a["last_offset"]; self.last_step = a["last_step"]
        self.refr = a["is_refractory"]
        self.gid = self.gids

    def check(self, dict values):
        NodeBlock.check(self, values)
        _check_iaf_ps(self, values, ("tau_m", "tau_syn_ex", "tau_syn_in"),
                      self.kind == PS_LOSSLESS)

    def pre_run(self, engine):
        PreciseBlock.pre_run(self, engine)
        cdef double h = engine.resolution
        cdef Py_ssize_t i, n = self.n
        cdef IafPs *s
        cdef pnl_psc_propagator pe, pi
        a = self.arrays
        free(self.ps)
        self.ps = <IafPs *>calloc(max(n, 1), sizeof(IafPs))
        if self.ps == NULL:
            raise MemoryError(f"{self.model}: parameters")
        for i in range(n):
            s = &self.ps[i]
            s.kind = self.kind
            s.tau_m = a["tau_m"][i]; s.tau_ex = a["tau_syn_ex"][i]; s.tau_in = a["tau_syn_in"][i]
            s.C = a["C_m"][i]; s.I_e = a["I_e"][i]; s.th = a["V_th"][i]
            s.reset = a["V_reset"][i]; s.vmin = a["V_min"][i]; s.h = h
            s.eex = exp(-h / s.tau_ex)
            s.ein = exp(-h / s.tau_in)
            if s.kind == PS_ALPHA:
                s.norm_ex = M_E * (1.0 / s.tau_ex)
                s.norm_in = M_E * (1.0 / s.tau_in)
                s.em1 = pnl_expm1(-h / s.tau_m)
                s.P20 = -s.tau_m / s.C * s.em1
                pe = pnl_iaf_propagator(s.tau_ex, s.tau_m, s.C, h)
                pi = pnl_iaf_propagator(s.tau_in, s.tau_m, s.C, h)
                s.P31e = pe.P31; s.P21e = pe.P32; s.P31i = pi.P31; s.P21i = pi.P32
            else:
                s.em1 = expm1(-h / s.tau_m)
                s.P20 = -s.tau_m / s.C * pnl_expm1(-h / s.tau_m)
                s.P21e = pnl_iaf_propagator_exp(s.tau_ex, s.tau_m, s.C, h)
                s.P21i = pnl_iaf_propagator_exp(s.tau_in, s.tau_m, s.C, h)
            if s.kind == PS_LOSSLESS:
                s.a1 = s.tau_m * s.tau_ex
                s.a2 = s.tau_m * (s.tau_m - s.tau_ex)
                s.a3 = s.C * s.th * (s.tau_m - s.tau_ex)
                s.a4 = s.C * (s.tau_m - s.tau_ex)
                s.b1 = -s.tau_m * s.tau_m
                s.b2 = s.tau_m * s.tau_ex
                s.b3 = s.tau_m * s.C * s.th
                s.b4 = -s.C * (s.tau_m - s.tau_ex)
                s.c1 = s.tau_m / s.C
                s.c2 = (-s.tau_m * s.tau_ex) / (s.C * (s.tau_m - s.tau_ex))
                s.c3 = (s.tau_m * s.tau_m) / (s.C * (s.tau_m - s.tau_ex))
                s.c4 = s.tau_ex / s.tau_m
                s.c5 = (s.C * s.th) / s.tau_m
                s.c6 = 1 - (s.tau_ex / s.tau_m)
        self.refr_steps = engine.ms_to_steps(a["t_ref"])
        self.h = h

    cdef inline int _emit(self, SliceContext *ctx, IafPs *s, Py_ssize_t i, long lag,
                          double t0, double dt) noexcept nogil:
        """A spike in the piece (t0, t0 + dt] of the step (regula falsi)."""
        cdef double root
        if _regula_falsi(s, dt, &root) != 0:
            self.error_code = C_ERROR_ROOT
            return -1
        self.last_step[i] = ctx.origin + lag + 1
        self.last_off[i] = s.h - (t0 + root)
        s.V = s.reset
        self.refr[i] = 1
        pnl_register_push_off(ctx.reg, self.gid[i], <int>lag, 1, self.last_off[i])
        return 0

    cdef inline int _test(self, SliceContext *ctx, IafPs *s, Py_ssize_t i, long lag,
                          double t0, double dt) noexcept nogil:
        """The threshold test at the end of a piece (t0, t0 + dt]."""
        cdef double tmax
        if s.kind == PS_LOSSLESS:
            tmax = _lossless_test(s, dt)
            if tmax == tmax:
                return self._emit(ctx, s, i, lag, t0, tmax)
            return 0
        if s.V >= s.th:
            return self._emit(ctx, s, i, lag, t0, dt)
        return 0

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef int64_t T, p, e, e_end
        cdef double *row
        cdef double last, ev_off, ro, gex, gin, val
        cdef bint has_ro, grid, eor
        cdef IafPs *s
        cdef int64_t ch
        if n == 0:
            return
        self.take_events(ctx)
        p = self.q_head
        for i in range(n):
            s = &self.ps[i]
            s.V = self.V_m[i]; s.ex = self.I_ex[i]; s.iin = self.I_in[i]
            s.dex = self.dI_ex[i]; s.din = self.dI_in[i]; s.y0 = self.y0[i]
            # superthreshold at the start (set by the user): a spike at once
            if s.V >= s.th:
                self.last_step[i] = ctx.origin + from_lag + 1
                self.last_off[i] = self.h * (1.0 - DBL_EPSILON)
                s.V = s.reset
                self.refr[i] = 1
                pnl_register_push_off(ctx.reg, self.gid[i], <int>from_lag, 1, self.last_off[i])
        for lag in range(from_lag, to_lag):
            T = ctx.origin + lag
            row = input_row(ctx, lag, self.chan_base)
            for i in range(n):
                s = &self.ps[i]
                has_ro = self.refr[i] and T + 1 - self.last_step[i] == self.refr_steps[i]
                ro = self.last_off[i]
                s.b_y0 = s.y0
                _ps_save(s)
                e = self.events_of(&p, i, T)
                e_end = p
                # input through the ring buffer arrives at the step's end
                gex = row[3 * i]
                gin = row[3 * i + 1]
                grid = gex != 0.0 or gin != 0.0
                if not (has_ro or e < e_end or grid):
                    _ps_step(s, self.refr[i])
                    if self._test(ctx, s, i, lag, 0.0, self.h) < 0:
                        break
                else:
                    last = self.h
                    while has_ro or e < e_end or grid:
                        # the next event: the refractory end first at equal times
                        eor = has_ro and (e == e_end or ro >= self.q[e].off)
                        ev_off = ro if eor else (self.q[e].off if e < e_end else 0.0)
                        if s.kind == PS_ALPHA or last - ev_off > 0:
                            _ps_propagate(s, last - ev_off, self.refr[i])
                            if self._test(ctx, s, i, lag, self.h - last, last - ev_off) < 0:
                                break
                        if eor:
                            self.refr[i] = 0
                            has_ro = False
                        else:
                            if e < e_end:
                                val = self.q[e].val
                                ch = self.q[e].ch
                                e += 1
                            elif gex != 0.0:
                                val = gex
                                ch = 0
                                gex = 0.0
                            else:
                                val = gin
                                ch = 1
                                gin = 0.0
                            grid = gex != 0.0 or gin != 0.0
                            if s.kind == PS_ALPHA:
                                if ch == 0:
                                    s.dex += s.norm_ex * val
                                else:
                                    s.din += s.norm_in * val
                            elif ch == 0:
                                s.ex += val
                            else:
                                s.iin += val
                        _ps_save(s)
                        last = ev_off
                    if self.error_code != 0:
                        break
                    if last > 0:
                        _ps_propagate(s, last, self.refr[i])
                        if self._test(ctx, s, i, lag, self.h - last, last) < 0:
                            break
                s.y0 = row[3 * i + 2]
                row[3 * i] = 0.0; row[3 * i + 1] = 0.0; row[3 * i + 2] = 0.0
            if self.error_code != 0:
                break
        for i in range(n):
            s = &self.ps[i]
            self.V_m[i] = s.V; self.I_ex[i] = s.ex; self.I_in[i] = s.iin
            self.dI_ex[i] = s.dex; self.dI_in[i] = s.din; self.y0[i] = s.y0
        self.q_head = p


cdef class IafPscExpPs(IafPsBlock):
    """iaf_psc_exp_ps -- LIF neuron with exponential PSCs and precise spike times.

    Equations
    ---------
        dV/dt     = -(V - E_L)/tau_m + (I_syn_ex + I_syn_in + I_e + I_0)/C_m
        dI_syn_X/dt = -I_syn_X/tau_syn_X + sum_k w_k delta(t - t_k)

    A spike of weight w >= 0 adds w pA to I_syn_ex at its precise arrival
    time, w < 0 to I_syn_in.  Threshold V_th, reset to V_reset for t_ref
    (V frozen, the currents go on and take input); V_min bounds V at the
    end of a step without input events.

    Numerics
    --------
    Exact integration between events (NEST's propagators, with the limit
    for tau_m == tau_syn); a step without events uses the step-h
    propagators.  The threshold is tested at the end of every piece (at
    each event, before its weight is added, and at the step's end); the
    spike time inside the piece is found by regula falsi (Illinois, |V -
    V_th| < 1e-14 mV) on the exact solution.  A crossing that goes up and
    back within one piece is not seen (iaf_psc_exp_ps_lossless sees it).
    The input current of a step (receptor 0, currents) acts from the step's
    end.  V >= V_th at the start of an update (set by the user) fires at once.

    Parameters
    ----------
        ``E_L`` -70 mV, ``C_m`` 250 pF, ``tau_m`` 10 ms, ``tau_syn_ex`` 2 ms,
        ``tau_syn_in`` 2 ms, ``t_ref`` 2 ms, ``V_th`` -55 mV, ``V_reset``
        -70 mV, ``V_min`` -inf mV, ``I_e`` 0 pA.

    State: ``V_m``, ``I_syn_ex``, ``I_syn_in``, ``is_refractory`` (read
    only).  Recordables: ``V_m``.
    """
    kind = PS_EXP


cdef class IafPscExpPsLossless(IafPsBlock):
    """iaf_psc_exp_ps_lossless -- iaf_psc_exp_ps that also finds crossings
    inside a piece.

    Equations
    ---------
    Those of iaf_psc_exp_ps; tau_syn_ex must equal tau_syn_in and differ
    from tau_m.

    Numerics
    --------
    As iaf_psc_exp_ps, but the threshold test at the end of each piece is
    Krishnan et al. (2018)'s state-space test on the piece's initial state
    (V0, I0, the input current): a crossing that goes up and comes back
    within the piece is found (searched up to the time of V's maximum, by
    NEST's expression) instead of missed.  As in NEST the test does not
    look at refractoriness: a drive that could take V from V_reset to V_th
    within one piece fires again while refractory.  t_ref = 0 is allowed.

    Parameters
    ----------
    Those of iaf_psc_exp_ps.  State: ``V_m``, ``I_syn_ex``, ``I_syn_in``,
    ``I_syn`` (their sum, read only), ``is_refractory``.  Recordables:
    ``V_m``, ``I_syn``, ``I_syn_ex``, ``I_syn_in``.

    References: Krishnan J, Porta Mana P, Helias M, Diesmann M, Di Napoli E
    (2018) Front Neuroinform 11:75.
    """
    kind = PS_LOSSLESS
    recordables = ("V_m", "I_syn", "I_syn_ex", "I_syn_in")

    def check(self, dict values):
        IafPsBlock.check(self, values)
        if np.any(values["tau_syn_ex"] != values["tau_syn_in"]):
            raise BadProperty(f"{self.model}: tau_syn_ex == tau_syn_in is required in the "
                              "current implementation.")
        if np.any(values["tau_m"] == values["tau_syn_ex"]) or np.any(
                values["tau_m"] == values["tau_syn_in"]):
            raise BadProperty(f"{self.model}: Membrane and synapse time constant(s) must "
                              "differ.")

    def get(self, str name, idx):
        if name == "I_syn":
            return self.arrays["I_syn_ex"][idx] + self.arrays["I_syn_in"][idx]
        return IafPsBlock.get(self, name, idx)


cdef class IafPscAlphaPs(IafPsBlock):
    """iaf_psc_alpha_ps -- LIF neuron with alpha PSCs and precise spike times.

    Equations
    ---------
        dV/dt = -(V - E_L)/tau_m + (I_syn_ex + I_syn_in + I_e + I_0)/C_m
        I_syn_X(t) = sum_k w_k (t - t_k)/tau_syn_X exp(1 - (t - t_k)/tau_syn_X)

    A spike of weight w (pA, the PSC's peak) adds e w / tau_syn to dI_syn_X
    at its precise arrival time (X = ex for w >= 0, in otherwise).
    Threshold V_th, reset to V_reset for t_ref (V frozen, the currents go
    on); V_min bounds V everywhere.

    Numerics
    --------
    Exact integration between events (NEST's alpha propagators, with the
    limits for tau_m == tau_syn); the threshold test at the end of each
    piece and the spike time by regula falsi as iaf_psc_exp_ps.

    Parameters
    ----------
    Those of iaf_psc_exp_ps.  State: ``V_m``; ``I_syn_ex``, ``I_syn_in``,
    ``dI_syn_ex``, ``dI_syn_in`` and ``is_refractory`` read only.
    Recordables: ``V_m``, ``I_syn_ex``, ``I_syn_in``.
    """
    kind = PS_ALPHA
    state = {"V_m": -70.0, "I_syn_ex": 0.0, "I_syn_in": 0.0, "dI_syn_ex": 0.0,
             "dI_syn_in": 0.0, "is_refractory": False}
    internal = {"y0": 0.0, "last_step": -1, "last_offset": 0.0}
    read_only = ("I_syn_ex", "I_syn_in", "dI_syn_ex", "dI_syn_in", "is_refractory")
    recordables = ("V_m", "I_syn_ex", "I_syn_in")
    derivative_names = ("dI_syn_ex", "dI_syn_in")


cdef class IafPscDeltaPs(PreciseBlock):
    """iaf_psc_delta_ps -- LIF neuron with delta synapses and precise spike times.

    Equations
    ---------
        dV/dt = -(V - E_L)/tau_m + (I_e + I_0)/C_m + sum_k w_k delta(t - t_k)

    A spike of weight w (mV) makes V jump by w at its precise arrival time;
    spikes arriving at exactly the same time are summed first.  Threshold
    V_th, reset to V_reset for t_ref; input during refractoriness is
    discarded.  V_min bounds V at the end of a step without input.

    Numerics
    --------
    Exact integration between events.  A jump that reaches V_th fires at
    the arrival time itself; a crossing driven by the current fires at the
    analytic time t = -tau_m ln((v_inf - V)/(v_inf - V_th)) back from the end
    of the piece where V is found above threshold (v_inf = tau_m (I_e +
    I_0)/C_m).  At the end of refractoriness a V at or above threshold fires
    at once.  The input current of a step acts from the step's end.

    Parameters
    ----------
        ``E_L`` -70 mV, ``C_m`` 250 pF, ``tau_m`` 10 ms, ``t_ref`` 2 ms,
        ``V_th`` -55 mV, ``V_reset`` -70 mV, ``V_min`` -1.797e308 mV,
        ``I_e`` 0 pA.

    State: ``V_m``, ``is_refractory`` and ``refractory_input`` (read only;
    refractory input is always discarded).  Recordables: ``V_m``.
    """
    parameters = {"E_L": -70.0, "C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0,
                  "V_th": -55.0, "V_reset": -70.0, "V_min": -DBL_MAX, "I_e": 0.0}
    state = {"V_m": -70.0, "is_refractory": False, "refractory_input": False}
    internal = {"i_0": 0.0, "last_step": -1, "last_offset": 0.0}
    relative = ("V_m", "V_th", "V_reset", "V_min")
    read_only = ("is_refractory", "refractory_input")
    n_channels = 2          # spikes, I0
    spike_receptors = {0: (0, False, False)}
    current_receptors = {0: 1}
    recordables = ("V_m",)

    cdef double[::1] V_m, i_0, last_off, tau_m, C, I_e, th, reset, vmin, em1
    cdef cnp.uint8_t[::1] refr
    cdef int64_t[::1] last_step, refr_steps, gid
    cdef double h

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.i_0 = a["i_0"]; self.last_off = a["last_offset"]
        self.last_step = a["last_step"]; self.refr = a["is_refractory"]
        self.tau_m = a["tau_m"]; self.C = a["C_m"]; self.I_e = a["I_e"]; self.th = a["V_th"]
        self.reset = a["V_reset"]; self.vmin = a["V_min"]
        self.gid = self.gids

    def check(self, dict values):
        NodeBlock.check(self, values)
        _check_iaf_ps(self, values, ("tau_m",))

    def pre_run(self, engine):
        PreciseBlock.pre_run(self, engine)
        cdef double h = engine.resolution
        tm = self.arrays["tau_m"]
        self.em1 = np.array([pnl_expm1(-h / tm[i]) for i in range(self.n)], np.float64)
        self.refr_steps = engine.ms_to_steps(self.arrays["t_ref"])
        self.h = h

    cdef inline void _fire(self, SliceContext *ctx, Py_ssize_t i, long lag,
                           double off) noexcept nogil:
        self.last_step[i] = ctx.origin + lag + 1
        self.last_off[i] = off
        self.V_m[i] = self.reset[i]
        self.refr[i] = 1
        pnl_register_push_off(ctx.reg, self.gid[i], <int>lag, 1, off)

    cdef inline void _fire_dc(self, SliceContext *ctx, Py_ssize_t i, long lag,
                              double off_U) noexcept nogil:
        """V above threshold at offset off_U, reached by the current: the
        crossing time back from there."""
        cdef double v_inf = self.tau_m[i] / self.C[i] * (self.i_0[i] + self.I_e[i])
        cdef double dt = -self.tau_m[i] * log((v_inf - self.V_m[i]) / (v_inf - self.th[i]))
        self._fire(ctx, i, lag, off_U + dt)

    cdef inline void _propagate(self, Py_ssize_t i, double dt) noexcept nogil:
        cdef double e1 = pnl_expm1(-dt / self.tau_m[i])
        cdef double v_inf = self.tau_m[i] / self.C[i] * (self.i_0[i] + self.I_e[i])
        cdef double U = self.V_m[i]
        self.V_m[i] = -v_inf * e1 + U * e1 + U

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef int64_t T, p, e, e_end
        cdef double *row
        cdef double t, ev_off, ro, w, g, U, nxt
        cdef bint has_ro, grid, eor
        if n == 0:
            return
        self.take_events(ctx)
        p = self.q_head
        for i in range(n):
            if self.V_m[i] >= self.th[i]:
                self._fire(ctx, i, from_lag, self.h * (1.0 - DBL_EPSILON))
        for lag in range(from_lag, to_lag):
            T = ctx.origin + lag
            row = input_row(ctx, lag, self.chan_base)
            for i in range(n):
                t = self.h
                has_ro = self.refr[i] and T + 1 - self.last_step[i] == self.refr_steps[i]
                ro = self.last_off[i]
                e = self.events_of(&p, i, T)
                e_end = p
                g = row[2 * i]
                grid = g != 0.0
                if not (has_ro or e < e_end or grid):
                    if not self.refr[i]:
                        U = self.V_m[i]
                        U = (-self.em1[i] * (self.tau_m[i] / self.C[i]) * (self.i_0[i] + self.I_e[i])
                             + self.em1[i] * U + U)
                        self.V_m[i] = U if U >= self.vmin[i] else self.vmin[i]
                        if self.V_m[i] >= self.th[i]:
                            self._fire_dc(ctx, i, lag, 0.0)
                else:
                    while has_ro or e < e_end or grid:
                        # the next event (the refractory end first at equal
                        # times); input spikes at one time are summed
                        nxt = self.q[e].off if e < e_end else (0.0 if grid else -1.0)
                        eor = has_ro and ro >= nxt
                        if eor:
                            ev_off = ro
                            w = 0.0
                            has_ro = False
                        else:
                            ev_off = nxt
                            w = 0.0
                            while e < e_end and self.q[e].off == ev_off:
                                w += self.q[e].val
                                e += 1
                            if grid and ev_off == 0.0:
                                w += g
                                grid = False
                        if self.refr[i]:
                            t = ev_off
                            if eor:
                                self.refr[i] = 0
                                if self.V_m[i] >= self.th[i]:
                                    self._fire(ctx, i, lag, t)
                            continue
                        self._propagate(i, t - ev_off)
                        t = ev_off
                        if self.V_m[i] >= self.th[i]:
                            self._fire_dc(ctx, i, lag, t)
                            continue
                        self.V_m[i] += w
                        if self.V_m[i] >= self.th[i]:
                            self._fire(ctx, i, lag, t)
                    if not self.refr[i] and t > 0:
                        self._propagate(i, t)
                        if self.V_m[i] >= self.th[i]:
                            self._fire_dc(ctx, i, lag, 0.0)
                self.i_0[i] = row[2 * i + 1]
                row[2 * i] = 0.0; row[2 * i + 1] = 0.0
        self.q_head = p


cdef class ParrotNeuronPs(PreciseBlock):
    """parrot_neuron_ps -- repeats every incoming spike at its precise time.

    Equations
    ---------
    None: a spike arriving at time t (precise, after the connection's delay)
    is sent on at t, with its multiplicity; every incoming event is repeated
    separately (coincident events are not merged).  Connection weights are
    ignored.  Spikes on receptor 1 are received but not repeated (for
    plastic synapses onto the parrot).

    Numerics
    --------
    The offset of the incoming spike is kept; input through the ring buffer
    (synapse models other than static_synapse) is repeated at the end of
    its step.  Parameters: none.
    """
    # parameters, receptors (0 repeats, 1 does not) and channels of parrot_neuron
    parameters = ParrotNeuron.parameters
    state = ParrotNeuron.state
    internal = ParrotNeuron.internal
    read_only = ()
    n_channels = ParrotNeuron.n_channels
    spike_receptors = ParrotNeuron.spike_receptors
    current_receptors = ParrotNeuron.current_receptors
    recordables = ParrotNeuron.recordables

    cdef int64_t[::1] gid

    def bind(self):
        self.gid = self.gids

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef int64_t T, p, e, e_end, k
        cdef double *row
        if n == 0:
            return
        self.take_events(ctx)
        p = self.q_head
        for lag in range(from_lag, to_lag):
            T = ctx.origin + lag
            row = input_row(ctx, lag, self.chan_base)
            for i in range(n):
                e = self.events_of(&p, i, T)
                e_end = p
                while e < e_end:
                    k = <int64_t>self.q[e].val
                    if self.q[e].ch == 0 and k > 0:
                        pnl_register_push_off(ctx.reg, self.gid[i], <int>lag, k, self.q[e].off)
                    e += 1
                k = <int64_t>row[2 * i]
                if k > 0:
                    pnl_register_push_off(ctx.reg, self.gid[i], <int>lag, k, 0.0)
                row[2 * i] = 0.0
                row[2 * i + 1] = 0.0
        self.q_head = p


MODELS = {"iaf_psc_exp_ps": IafPscExpPs, "iaf_psc_exp_ps_lossless": IafPscExpPsLossless,
          "iaf_psc_alpha_ps": IafPscAlphaPs, "iaf_psc_delta_ps": IafPscDeltaPs,
          "parrot_neuron_ps": ParrotNeuronPs}
