# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Short-term plasticity of Tsodyks and Markram: ``tsodyks_synapse`` and
``tsodyks2_synapse`` (NEST's models, in NEST's order of operations: the
transmitted weights equal NEST 3.10's bit for bit).

Both models keep, per synapse, the state of the presynaptic resources and
update it only when a spike crosses the synapse (event-driven, exact
between spikes); the spike then carries ``weight`` times the fraction of
resources it releases.  With h the time since the synapse's previous spike:

``tsodyks2_synapse`` (Tsodyks, Uziel & Markram 2000; Fuhrmann et al. 2002):
resources ``x`` and utilisation ``u``; from the second spike on

    x <- 1 + (x - x u - 1) exp(-h / tau_rec)
    u <- U + u (1 - U) exp(-h / tau_fac)        (0 where tau_fac = 0)

and the spike carries ``x u weight``.  Parameters: ``U`` 0.5, ``u`` 0.5,
``x`` 1, ``tau_rec`` 800 ms, ``tau_fac`` 0 ms (no facilitation).

``tsodyks_synapse`` (Tsodyks, Pawelzik & Markram 1998): recovered ``x``,
active ``y`` (decaying with the synaptic time constant ``tau_psc``) and
inactive ``z = 1 - x - y`` resources, utilisation ``u``; at every spike
(h from t = 0 for the first)

    u <- u Puu,  x <- x + Pxy y - Pzz z,  y <- y Pyy,  u <- u + U (1 - u)
    dy = u x,  x <- x - dy,  y <- y + dy

with Puu = exp(-h/tau_fac) (0 where tau_fac = 0), Pyy = exp(-h/tau_psc),
Pzz = expm1(-h/tau_rec), Pxy = (Pzz tau_rec - (Pyy - 1) tau_psc) / (tau_psc
- tau_rec); the spike carries ``dy weight``.  Parameters: ``U`` 0.5, ``u``
0, ``x`` 1, ``y`` 0, ``tau_psc`` 3 ms, ``tau_rec`` 800 ms, ``tau_fac`` 0 ms.
``tau_psc`` should equal the target's synaptic time constant.

Both take a ``weight_recorder`` (model parameter).  A spike of multiplicity
m crosses the synapse m times at the same time (h = 0 after the first), as
in NEST.

References: Tsodyks M, Pawelzik K, Markram H (1998) Neural Comput
10:821-835; Tsodyks M, Uziel A, Markram H (2000) J Neurosci 20:RC50;
Fuhrmann G et al. (2002) J Neurophysiol 87:140-148.
"""
import numpy as np
from libc.math cimport exp, expm1
from libc.stdint cimport int64_t, int32_t

from pynestlite.kernel.nodebase cimport SliceContext, add_to_channel
from pynestlite.kernel.connections cimport SynapseTable
from pynestlite.errors import BadProperty


def _in_unit(values, name):
    v = values.get(name)
    if v is not None and np.any((np.asarray(v) > 1.0) | (np.asarray(v) < 0.0)):
        raise BadProperty(f"'{name}' must be in [0,1].")


def _positive(values, name, strict=True):
    v = values.get(name)
    if v is None:
        return
    v = np.asarray(v)
    if np.any(v <= 0.0) if strict else np.any(v < 0.0):
        raise BadProperty(f"'{name}' must be {'>' if strict else '>='} 0.")


cdef class ShortTermTable(SynapseTable):
    """The delivery loop both models share: per spike and synapse,
    ``transmit`` updates the synapse's state and returns the weight the
    spike carries; ``t_last`` holds the stamp of the synapse's previous
    spike."""
    private = ("t_last",)
    common = {"weight_recorder": None}
    cdef double[::1] w
    cdef int64_t[::1] t_last
    cdef int64_t tics_per_step
    cdef double ms_per_tic

    def bind(self):
        SynapseTable.bind(self)
        self.w = self.cols["weight"]
        self.t_last = self.cols["t_last"]

    def pre_run(self, engine, dict params):
        self.bind_weight_recorder(engine, params)
        self.tics_per_step = engine.tics_per_step
        self.ms_per_tic = engine.ms_per_tic

    cdef inline double ms(self, int64_t stamp) noexcept nogil:
        """The time (ms) of step ``stamp`` as the kernel's clock gives it."""
        return self.ms_per_tic * <double>(stamp * self.tics_per_step)

    cdef double transmit(self, int64_t k, int64_t t_spike) noexcept nogil:
        return self.w[k]

    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        cdef int64_t s, k, g, base, slot, t_spike, L = ctx.ring_len, W = ctx.row_width
        cdef double wk
        for s in range(n):
            g = gids[s]
            if g >= self.n_rows:
                continue
            base = (origin + lags[s]) % L
            t_spike = origin + lags[s] + 1
            for k in range(self.rp[g], self.rp[g + 1]):
                wk = self.transmit(k, t_spike)
                self.t_last[k] = t_spike
                if self.wr_on:
                    self.record_weight(k, t_spike, wk)
                slot = base + self.dl[k]
                if slot >= L:
                    slot -= L
                add_to_channel(ctx.inbuf + slot * W, self.cd[k], wk, 1.0)


cdef class Tsodyks2SynapseTable(ShortTermTable):
    """``tsodyks2_synapse`` (module docstring): 54 bytes per synapse."""
    columns = {"weight": ("float64", 1.0), "U": ("float64", 0.5), "u": ("float64", 0.5),
               "x": ("float64", 1.0), "tau_rec": ("float64", 800.0),
               "tau_fac": ("float64", 0.0), "t_last": ("int64", -1)}
    cdef double[::1] U, u, x, tau_rec, tau_fac

    def bind(self):
        ShortTermTable.bind(self)
        c = self.cols
        self.U = c["U"]; self.u = c["u"]; self.x = c["x"]
        self.tau_rec = c["tau_rec"]; self.tau_fac = c["tau_fac"]

    @classmethod
    def check(cls, dict values, common=None):
        _in_unit(values, "U")
        _in_unit(values, "u")
        _positive(values, "tau_rec")
        _positive(values, "tau_fac", strict=False)

    cdef double transmit(self, int64_t k, int64_t t_spike) noexcept nogil:
        cdef double h, x_decay, u_decay, U = self.U[k]
        if self.t_last[k] >= 0:
            h = self.ms(t_spike) - self.ms(self.t_last[k])
            x_decay = exp(-h / self.tau_rec[k])
            u_decay = 0.0 if self.tau_fac[k] == 0 else exp(-h / self.tau_fac[k])
            self.x[k] = 1. + (self.x[k] - self.x[k] * self.u[k] - 1.) * x_decay
            self.u[k] = U + self.u[k] * (1. - U) * u_decay
        return self.x[k] * self.u[k] * self.w[k]


cdef class TsodyksSynapseTable(ShortTermTable):
    """``tsodyks_synapse`` (module docstring): 70 bytes per synapse."""
    columns = {"weight": ("float64", 1.0), "U": ("float64", 0.5), "u": ("float64", 0.0),
               "x": ("float64", 1.0), "y": ("float64", 0.0), "tau_psc": ("float64", 3.0),
               "tau_rec": ("float64", 800.0), "tau_fac": ("float64", 0.0),
               "t_last": ("int64", 0)}
    checked_together = ("x", "y")
    cdef double[::1] U, u, x, y, tau_psc, tau_rec, tau_fac

    def bind(self):
        ShortTermTable.bind(self)
        c = self.cols
        self.U = c["U"]; self.u = c["u"]; self.x = c["x"]; self.y = c["y"]
        self.tau_psc = c["tau_psc"]; self.tau_rec = c["tau_rec"]; self.tau_fac = c["tau_fac"]

    @classmethod
    def check(cls, dict values, common=None):
        if "x" in values and "y" in values:
            if np.any(np.asarray(values["x"]) + np.asarray(values["y"]) > 1.0):
                raise BadProperty("x + y must be <= 1.0.")
        _in_unit(values, "U")
        _positive(values, "tau_psc")
        _positive(values, "tau_rec")
        _positive(values, "tau_fac", strict=False)
        _in_unit(values, "u")

    cdef double transmit(self, int64_t k, int64_t t_spike) noexcept nogil:
        cdef double h = self.ms(t_spike) - self.ms(self.t_last[k])
        cdef double tau_psc = self.tau_psc[k], tau_rec = self.tau_rec[k]
        cdef double Puu = 0.0 if self.tau_fac[k] == 0.0 else exp(-h / self.tau_fac[k])
        cdef double Pyy = exp(-h / tau_psc)
        cdef double Pzz = expm1(-h / tau_rec)
        cdef double Pxy = (Pzz * tau_rec - (Pyy - 1.0) * tau_psc) / (tau_psc - tau_rec)
        cdef double z = 1.0 - self.x[k] - self.y[k], dy
        self.u[k] *= Puu
        self.x[k] += Pxy * self.y[k] - Pzz * z
        self.y[k] *= Pyy
        self.u[k] += self.U[k] * (1.0 - self.u[k])
        dy = self.u[k] * self.x[k]
        self.x[k] -= dy
        self.y[k] += dy
        return dy * self.w[k]


SYNAPSE_MODELS = {"tsodyks_synapse": TsodyksSynapseTable,
                  "tsodyks2_synapse": Tsodyks2SynapseTable}
