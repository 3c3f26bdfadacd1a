# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""izhikevich -- Izhikevich (2003) neuron model, as NEST's ``izhikevich``;
izhikevich_2006 -- the numerics of Izhikevich's (2006) ``poly_spnet.cpp``.

Equations
---------
    dV_m/dt = 0.04 V_m^2 + 5 V_m + 140 - U_m + I_e + I_stim + sum_k w_k delta(t - t_k)
    dU_m/dt = a (b V_m - U_m)
    if V_m >= V_th: V_m <- c, U_m <- U_m + d

Spikes add their weight (mV) to V_m in the step they arrive; V_m is bounded
below by V_min.

Numerics
--------
As NEST.  ``consistent_integration = True`` (default): forward Euler on the
grid h with both variables updated from the values at the start of the step.
``False``: the published scheme of Izhikevich (2003) (two half steps for V_m,
then U_m from the new V_m; meant for h = 1 ms).  The current of a step acts
one step later (``I_stim``), as in NEST.

Parameters
----------
    ``a``                       0.02        time scale of U_m
    ``b``                       0.2         sensitivity of U_m to V_m
    ``c``                       -65 mV      reset potential
    ``d``                       8           after-spike increment of U_m
    ``I_e``                     0 pA        constant input current
    ``V_th``                    30 mV       spike threshold
    ``V_min``                   -inf mV     lower bound of V_m
    ``consistent_integration``  True        integration scheme (see Numerics)

State: ``V_m`` (mV, default -65), ``U_m`` (default -13).  Receives spikes
(receptor 0) and currents (receptor 0); sends spikes.

References: Izhikevich EM (2003) IEEE Trans Neural Netw 14:1569-1572.
See also: iaf_psc_delta.
"""
cimport numpy as cnp
from libc.math cimport INFINITY
from libc.stdint cimport int64_t, uint8_t

from pynestlite.kernel.nodebase cimport NodeBlock, SliceContext, pnl_register_push, input_row

cnp.import_array()


cdef class IzhikevichBase(NodeBlock):
    """The state, parameters, channels and views both Izhikevich models share."""
    parameters = {"a": 0.02, "b": 0.2, "c": -65.0, "d": 8.0, "I_e": 0.0, "V_th": 30.0}
    state = {"V_m": -65.0, "U_m": -13.0}
    internal = {"I_stim": 0.0}
    n_channels = 2          # spikes, I0
    spike_receptors = {0: (0, False, False)}
    current_receptors = {0: 1}
    recordables = ("V_m", "U_m")

    cdef double[::1] V_m, U_m, a, b, c, d, I_e, V_th, I_stim
    cdef int64_t[::1] gid

    def bind(self):
        a = self.arrays
        self.V_m = a["V_m"]; self.U_m = a["U_m"]; self.a = a["a"]; self.b = a["b"]
        self.c = a["c"]; self.d = a["d"]; self.I_e = a["I_e"]; self.V_th = a["V_th"]
        self.I_stim = a["I_stim"]
        self.gid = self.gids


cdef class Izhikevich(IzhikevichBase):
    __doc__ = __doc__
    parameters = dict(IzhikevichBase.parameters, V_min=-INFINITY, consistent_integration=True)
    threaded = True         # the update reads and writes its own nodes only

    cdef double[::1] V_min
    cdef uint8_t[::1] consistent

    def bind(self):
        IzhikevichBase.bind(self)
        self.V_min = self.arrays["V_min"]
        self.consistent = self.arrays["consistent_integration"]

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        # the array pointers are taken once, before the loops: every access to
        # a memoryview attribute of self costs a "not initialized" test and a
        # load of its data pointer, which GCC cannot move out of the loop
        # because pnl_register_push may call realloc.  The order of the
        # floating-point operations is NEST's.
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef double *row
        cdef double h = ctx.h, v, u, v_old, u_old, syn
        cdef int64_t c
        if n == 0:
            return
        cdef double *V_m = &self.V_m[0]
        cdef double *U_m = &self.U_m[0]
        cdef double *I_stim = &self.I_stim[0]
        cdef const uint8_t *consistent = &self.consistent[0]
        cdef const double *a = &self.a[0]
        cdef const double *b = &self.b[0]
        cdef const double *c_reset = &self.c[0]
        cdef const double *d = &self.d[0]
        cdef const double *I_e = &self.I_e[0]
        cdef const double *V_th = &self.V_th[0]
        cdef const double *V_min = &self.V_min[0]
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                c = i * 2
                syn = row[c]
                v = V_m[i]
                u = U_m[i]
                if consistent[i]:
                    v_old = v
                    u_old = u
                    v += (h * (0.04 * v_old * v_old + 5.0 * v_old + 140.0 - u_old
                               + I_stim[i] + I_e[i]) + syn)
                    u += h * a[i] * (b[i] * v_old - u_old)
                else:
                    v += h * 0.5 * (0.04 * v * v + 5.0 * v + 140.0 - u + I_stim[i]
                                    + I_e[i] + syn)
                    v += h * 0.5 * (0.04 * v * v + 5.0 * v + 140.0 - u + I_stim[i]
                                    + I_e[i] + syn)
                    u += h * a[i] * (b[i] * v - u)
                if v < V_min[i]:
                    v = V_min[i]
                if v >= V_th[i]:
                    v = c_reset[i]
                    u = u + d[i]
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                V_m[i] = v
                U_m[i] = u
                I_stim[i] = row[c + 1]
                row[c] = 0.0
                row[c + 1] = 0.0


cdef class Izhikevich2006(IzhikevichBase):
    """izhikevich_2006 -- the Izhikevich neuron with the numerics of the
    polychronization code (Izhikevich 2006, ``poly_spnet.cpp``), as the
    reproduction of Pauli et al. (2018) describes it.

    Equations
    ---------
        dv/dt = 0.04 v^2 + 5 v + 140 - u + I,   du/dt = a (b v - u)
        if v >= V_th: v <- c, u <- u + d

    ``I`` = ``I_e`` + the current of the step (``I_stim``, as ``izhikevich``)
    + the weights of the spikes arriving in the step: a spike is a current
    of one step, inside the derivative (not a jump of v).

    Numerics
    --------
    Per step of length h, with n = ``integration_steps`` sub-steps::

        repeat n times:
            v += (1/n) * (h * 0.5 * ((0.04 * v + 5) * v + 140 - u + I))
            v += (1/n) * (h * 0.5 * ((0.04 * v + 5) * v + 140 - u + I))
            u += (1/n) * h * a * (b * v - u)
            if v >= V_th: stop the sub-steps

    n = 1 and h = 1 ms is the original code, operation for operation
    (two half steps of v, then u from the new v; ``(0.04 v + 5) v``);
    n = 10 the "locked" variant (spikes and resets stay on the 1-ms grid).
    If v >= V_th after the step, the neuron spikes at the end of the step.
    The reset (v <- c, u <- u + d) is applied at the start of the next
    step, before its integration, so that ``V_m`` and ``U_m`` read (and
    recorded) between steps are the values after the integration and
    before the reset, as the original code and the paper record them
    (they reach hundreds of mV); the dynamics are those of resetting at once.

    Parameters
    ----------
        ``a`` 0.02, ``b`` 0.2, ``c`` -65 mV, ``d`` 8, ``I_e`` 0 pA,
        ``V_th`` 30 mV, ``integration_steps`` 1.

    State: ``V_m`` (mV, default -65), ``U_m`` (default -13).  Receives spikes
    (receptor 0: weight added to I for one step) and currents (receptor 0);
    sends spikes.

    References: Izhikevich EM (2006) Neural Comput 18:245-282; Pauli R,
    Weidel P, Kunkel S, Morrison A (2018) Front Neuroinform 12:46.
    See also: izhikevich.
    """
    parameters = dict(IzhikevichBase.parameters, integration_steps=1)
    threaded = True         # the update reads and writes its own nodes only
    strictly_positive = ("integration_steps",)

    cdef int64_t[::1] steps

    def bind(self):
        IzhikevichBase.bind(self)
        self.steps = self.arrays["integration_steps"]

    cdef void update(self, SliceContext *ctx, long from_lag, long to_lag) noexcept nogil:
        cdef Py_ssize_t i, n = self.n
        cdef long lag
        cdef int64_t ts, ns
        cdef double *row
        cdef double h = ctx.h, v, u, I, inv
        if n == 0:
            return
        cdef double *V_m = &self.V_m[0]
        cdef double *U_m = &self.U_m[0]
        cdef double *I_stim = &self.I_stim[0]
        cdef const double *a = &self.a[0]
        cdef const double *b = &self.b[0]
        cdef const double *c_reset = &self.c[0]
        cdef const double *d = &self.d[0]
        cdef const double *I_e = &self.I_e[0]
        cdef const double *V_th = &self.V_th[0]
        cdef const int64_t *steps = &self.steps[0]
        for lag in range(from_lag, to_lag):
            row = input_row(ctx, lag, self.chan_base)
            for i in range(ctx.lo, ctx.hi):
                v = V_m[i]
                u = U_m[i]
                if v >= V_th[i]:            # the spike of the previous step: reset
                    v = c_reset[i]
                    u = u + d[i]
                I = I_e[i] + I_stim[i] + row[2 * i]
                ns = steps[i]
                inv = 1.0 / ns
                for ts in range(ns):
                    v += inv * (h * 0.5 * ((0.04 * v + 5.0) * v + 140.0 - u + I))
                    v += inv * (h * 0.5 * ((0.04 * v + 5.0) * v + 140.0 - u + I))
                    u += inv * h * a[i] * (b[i] * v - u)
                    if v >= V_th[i]:
                        break
                if v >= V_th[i]:
                    pnl_register_push(ctx.reg, self.gid[i], <int>lag, 1)
                V_m[i] = v
                U_m[i] = u
                I_stim[i] = row[2 * i + 1]
                row[2 * i] = 0.0
                row[2 * i + 1] = 0.0


MODELS = {"izhikevich": Izhikevich, "izhikevich_2006": Izhikevich2006}
