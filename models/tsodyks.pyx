# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Short-term plasticity: ``tsodyks_synapse``, ``tsodyks2_synapse`` (Tsodyks
and Markram), ``ht_synapse`` (Hill and Tononi's depression; NEST's models, in
NEST's order of operations: the transmitted weights equal NEST 3.10's bit
for bit) and the stochastic ``quantal_stp_synapse``.

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

``tsodyks_synapse_hom``: ``tsodyks_synapse`` with ``weight``, ``U``,
``tau_psc``, ``tau_rec`` and ``tau_fac`` common to all synapses of the model
(set by ``SetDefaults`` / ``CopyModel``; Connect refuses them, connections
do not report them), per synapse ``x``, ``y`` and ``u``.  NEST's arithmetic
of this model differs slightly from ``tsodyks_synapse``'s and is followed:
Pzz = exp(-h/tau_rec), Pxy = ((Pzz - 1) tau_rec - (Pyy - 1) tau_psc) /
(tau_psc - tau_rec), x <- x + (Pxy y + (1 - Pzz) z).

``quantal_stp_synapse`` (Fuhrmann et al. 2002; Loebel et al. 2009): ``n``
release sites of which ``a`` are available, utilisation ``u``; from the
second spike on u <- U + u (1 - U) exp(-h / tau_fac) (0 where tau_fac <
1e-10 ms) and each of the n - a depleted sites recovers with probability 1 -
exp(-h / tau_rec); then each available site releases with probability u.
If k > 0 sites release, the spike carries ``k weight`` and a <- a - k;
otherwise it is not transmitted.  Parameters: ``U`` 0.5, ``u`` 0.5, ``n`` 1,
``a`` 1, ``tau_rec`` 800 ms, ``tau_fac`` 0 ms.  The draws for a spike of
source g at step t crossing the synapse to target j (its m-th synapse to j,
the r-th spike of g in the step) come from the Philox stream keyed by
(rng_seed, g) at counters (t, j, m, r), so they depend neither on the
number of ranks nor on the order of delivery (NEST draws from the thread's
generator in delivery order: same statistics, other realisation).

``ht_synapse`` (Hill & Tononi 2005): synaptic depression of a pool of
size ``P`` that recovers towards 1 with ``tau_P``; at every spike (h from
t = 0 for the first)

    P <- 1 - (1 - P) exp(-h / tau_P)

the spike carries ``P weight``, then P <- P (1 - delta_P).  Parameters:
``weight`` 1, ``P`` 1 (in [0, 1]), ``tau_P`` 500 ms (> 0), ``delta_P``
0.125 (in [0, 1]).

All four take a ``weight_recorder`` (model parameter).  A spike of multiplicity
m crosses the synapse m times at the same time (h = 0 after the first), as
in NEST.

References: Tsodyks M, Pawelzik K, Markram H (1998) Neural Comput
10:821-835; Tsodyks M, Uziel A, Markram H (2000) J Neurosci 20:RC50;
Fuhrmann G et al. (2002) J Neurophysiol 87:140-148; Loebel A et al. (2009)
Front Comput Neurosci 3:27; Hill S, Tononi G (2005) J Neurophysiol
93:1671-1698.
"""
import numpy as np
from libc.math cimport exp, expm1
from libc.stdint cimport int64_t, int32_t, uint64_t

from pynestlite.kernel.nodebase cimport SliceContext, add_to_channel
from pynestlite.kernel.connections cimport SynapseTable
from pynestlite.kernel.random_streams cimport (
    pnl_key, pnl_stream, pnl_make_key, pnl_stream_init, pnl_uniform, PURPOSE_QUANTAL)
from pynestlite.errors import BadProperty
from pynestlite.kernel.connections import multapse_index


def _in_unit(values, name):
    v = values.get(name)
    if v is not None and np.any((np.asarray(v) > 1.0) | (np.asarray(v) < 0.0)):
        raise BadProperty(f"'{name}' must be in [0,1].")


def _check_release(values):
    """The checks the models with a release fraction share (NEST's texts)."""
    _in_unit(values, "U")
    _in_unit(values, "u")
    _positive(values, "tau_rec")
    _positive(values, "tau_fac", strict=False)


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

    cdef bint transmit(self, int64_t k, int64_t t_spike, int64_t g, int64_t r,
                       SliceContext *ctx, double *w) noexcept nogil:
        """Update synapse ``k`` for a spike of source ``g`` stamped ``t_spike``
        (the ``r``-th of ``g`` in its step); the weight it carries into
        ``w``; False: the spike is not transmitted."""
        w[0] = self.w[k]
        return True

    cdef void deliver(self, SliceContext *ctx, const int64_t *gids, const int32_t *lags,
                      int64_t n, int64_t origin) noexcept nogil:
        cdef int64_t s, k, g, base, slot, t_spike, r = 0, L = ctx.ring_len, W = ctx.row_width
        cdef double wk
        cdef bint sent
        for s in range(n):
            g = gids[s]
            if g >= self.n_rows:
                continue
            # the r-th spike of g in this step (a multiplicity repeats the entry)
            if s > 0 and gids[s - 1] == g and lags[s - 1] == lags[s]:
                r += 1
            else:
                r = 0
            base = (origin + lags[s]) % L
            t_spike = origin + lags[s] + 1
            for k in range(self.rp[g], self.rp[g + 1]):
                sent = self.transmit(k, t_spike, g, r, ctx, &wk)
                self.t_last[k] = t_spike
                if not sent:
                    continue
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
        _check_release(values)

    cdef bint transmit(self, int64_t k, int64_t t_spike, int64_t g, int64_t r,
                       SliceContext *ctx, double *w) noexcept nogil:
        cdef double h, x_decay, u_decay, U = self.U[k]
        if self.t_last[k] >= 0:
            h = self.ms(t_spike) - self.ms(self.t_last[k])
            x_decay = exp(-h / self.tau_rec[k])
            u_decay = 0.0 if self.tau_fac[k] == 0 else exp(-h / self.tau_fac[k])
            self.x[k] = 1. + (self.x[k] - self.x[k] * self.u[k] - 1.) * x_decay
            self.u[k] = U + self.u[k] * (1. - U) * u_decay
        w[0] = self.x[k] * self.u[k] * self.w[k]
        return True


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

    cdef bint transmit(self, int64_t k, int64_t t_spike, int64_t g, int64_t r,
                       SliceContext *ctx, double *w) noexcept nogil:
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
        w[0] = dy * self.w[k]
        return True


cdef class TsodyksSynapseHomTable(ShortTermTable):
    """``tsodyks_synapse_hom`` (module docstring): the model-level parameters
    held as one value each; 40 bytes per synapse (code, delay, x, y, u,
    t_last)."""
    columns = {"weight": ("float64", 1.0), "U": ("float64", 0.5), "u": ("float64", 0.0),
               "x": ("float64", 1.0), "y": ("float64", 0.0), "tau_psc": ("float64", 3.0),
               "tau_rec": ("float64", 800.0), "tau_fac": ("float64", 0.0),
               "t_last": ("int64", 0)}
    hom = ("weight", "U", "tau_psc", "tau_rec", "tau_fac")
    compact = hom
    private = ("t_last",) + hom
    common = {"weight": 1.0, "U": 0.5, "tau_psc": 3.0, "tau_rec": 800.0, "tau_fac": 0.0,
              "weight_recorder": None}
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

    @classmethod
    def check_common(cls, dict params):
        ShortTermTable.check_common.__func__(cls, params)
        _in_unit(params, "U")
        _positive(params, "tau_psc")
        _positive(params, "tau_rec")
        _positive(params, "tau_fac", strict=False)

    def pre_run(self, engine, dict params):
        ShortTermTable.pre_run(self, engine, params)
        self.take_common(params)

    cdef bint transmit(self, int64_t k, int64_t t_spike, int64_t g, int64_t r,
                       SliceContext *ctx, double *w) noexcept nogil:
        cdef double h = self.ms(t_spike) - self.ms(self.t_last[k])
        cdef double tau_psc = self.tau_psc[0], tau_rec = self.tau_rec[0]
        cdef double Puu = 0.0 if self.tau_fac[0] == 0.0 else exp(-h / self.tau_fac[0])
        cdef double Pyy = exp(-h / tau_psc)
        cdef double Pzz = exp(-h / tau_rec)
        cdef double Pxy = ((Pzz - 1.0) * tau_rec - (Pyy - 1.0) * tau_psc) / (tau_psc - tau_rec)
        cdef double Pxz = 1.0 - Pzz
        cdef double z = 1.0 - self.x[k] - self.y[k], dy
        self.u[k] *= Puu
        self.x[k] += Pxy * self.y[k] + Pxz * z
        self.y[k] *= Pyy
        self.u[k] += self.U[0] * (1.0 - self.u[k])
        dy = self.u[k] * self.x[k]
        self.x[k] -= dy
        self.y[k] += dy
        w[0] = dy * self.w[0]
        return True


cdef class QuantalStpSynapseTable(ShortTermTable):
    """``quantal_stp_synapse`` (module docstring): 62 bytes per synapse, and
    at Prepare each synapse's target gid and multapse index (the counter of
    its draws)."""
    columns = {"weight": ("float64", 1.0), "U": ("float64", 0.5), "u": ("float64", 0.5),
               "tau_rec": ("float64", 800.0), "tau_fac": ("float64", 0.0),
               "n": ("int64", 1), "a": ("int64", 1), "t_last": ("int64", -1)}
    cdef double[::1] U, u, tau_rec, tau_fac
    cdef int64_t[::1] n_sites, a_sites
    cdef uint64_t[::1] ctr        # target gid | multapse index << 40

    def bind(self):
        ShortTermTable.bind(self)
        c = self.cols
        self.U = c["U"]; self.u = c["u"]; self.tau_rec = c["tau_rec"]
        self.tau_fac = c["tau_fac"]; self.n_sites = c["n"]; self.a_sites = c["a"]

    @classmethod
    def check(cls, dict values, common=None):
        _check_release(values)
        for name in ("n", "a"):
            v = values.get(name)
            if v is not None and np.any((np.asarray(v) < 0) | (np.asarray(v) >= 1 << 19)):
                raise BadProperty(f"'{name}' must be in [0, 2^19), got "
                                  f"{np.asarray(v).reshape(-1)[0]}")

    def pre_run(self, engine, dict params):
        ShortTermTable.pre_run(self, engine, params)
        n = self.n_synapses()
        tgt = engine.decode_targets(self.cols["code"]) if n else np.zeros(0, np.int64)
        dup = multapse_index(self.sources(), tgt)
        if n and (int(tgt.max()) >= 1 << 40 or int(dup.max()) >= 1 << 16):
            raise BadProperty("quantal_stp_synapse: more than 2^40 nodes or 2^16 synapses "
                              "between one pair of neurons")
        self.ctr = tgt.astype(np.uint64) | (dup.astype(np.uint64) << np.uint64(40))

    cdef bint transmit(self, int64_t k, int64_t t_spike, int64_t g, int64_t r,
                       SliceContext *ctx, double *w) noexcept nogil:
        cdef double h, p_decay, u_decay, U = self.U[k]
        cdef int64_t i, released = 0
        cdef pnl_stream st
        pnl_stream_init(&st, pnl_make_key(ctx.seed, PURPOSE_QUANTAL, <uint64_t>g),
                        self.ctr[k] | (<uint64_t>r << 56), <uint64_t>t_spike << 20)
        if self.t_last[k] >= 0:
            h = self.ms(t_spike) - self.ms(self.t_last[k])
            p_decay = exp(-h / self.tau_rec[k])
            u_decay = 0.0 if self.tau_fac[k] < 1.0e-10 else exp(-h / self.tau_fac[k])
            self.u[k] = U + self.u[k] * (1. - U) * u_decay
            for i in range(self.n_sites[k] - self.a_sites[k]):
                if pnl_uniform(&st) < 1.0 - p_decay:
                    self.a_sites[k] += 1
        for i in range(self.a_sites[k]):
            if pnl_uniform(&st) < self.u[k]:
                released += 1
        if released == 0:
            return False
        self.a_sites[k] -= released
        w[0] = released * self.w[k]
        return True


cdef class HtSynapseTable(ShortTermTable):
    """``ht_synapse`` (module docstring): 46 bytes per synapse."""
    columns = {"weight": ("float64", 1.0), "tau_P": ("float64", 500.0),
               "delta_P": ("float64", 0.125), "P": ("float64", 1.0), "t_last": ("int64", 0)}
    cdef double[::1] tau_P, delta_P, P

    def bind(self):
        ShortTermTable.bind(self)
        c = self.cols
        self.tau_P = c["tau_P"]; self.delta_P = c["delta_P"]; self.P = c["P"]

    @classmethod
    def check(cls, dict values, common=None):
        v = values.get("tau_P")
        if v is not None and np.any(np.asarray(v) <= 0.0):
            raise BadProperty("tau_P > 0 required.")
        for name in ("delta_P", "P"):
            v = values.get(name)
            if v is not None and np.any((np.asarray(v) < 0.0) | (np.asarray(v) > 1.0)):
                raise BadProperty(f"0 <= {name} <= 1 required.")

    cdef bint transmit(self, int64_t k, int64_t t_spike, int64_t g, int64_t r,
                       SliceContext *ctx, double *w) noexcept nogil:
        cdef double h = self.ms(t_spike) - self.ms(self.t_last[k])
        self.P[k] = 1 - (1 - self.P[k]) * exp(-h / self.tau_P[k])
        w[0] = self.w[k] * self.P[k]
        self.P[k] *= (1 - self.delta_P[k])
        return True


SYNAPSE_MODELS = {"ht_synapse": HtSynapseTable,
                  "tsodyks_synapse": TsodyksSynapseTable,
                  "tsodyks_synapse_hom": TsodyksSynapseHomTable,
                  "tsodyks2_synapse": Tsodyks2SynapseTable,
                  "quantal_stp_synapse": QuantalStpSynapseTable}
