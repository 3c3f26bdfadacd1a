# cython: language_level=3
"""Machinery the e-prop model families share (models/eprop.pyx and
models/eprop_bsshslm.pyx): the surrogate gradients and the per-synapse
weight optimizers, as NEST 3.10 defines them."""
from libc.math cimport exp, fabs, pow, sqrt, isnan
from libc.stdint cimport int64_t, int32_t


cdef inline double surrogate_gradient(int code, int64_t r, double v, double v_th,
                                      double height, double width) noexcept nogil:
    """psi(v): 0 while refractory (r > 0); otherwise ``height`` times the
    shape ``code`` in x = |v - v_th| / width: 0 piecewise_linear max(0, 1 - x),
    1 exponential exp(-x), 2 fast_sigmoid_derivative (1 + x)^-2,
    3 arctan_derivative 1 / (1 + x^2)."""
    if r > 0:
        return 0.0
    if code == 0:
        return height * max(0.0, 1.0 - fabs(v - v_th) / width)
    if code == 1:
        return height * exp(-fabs(v - v_th) / width)
    if code == 2:
        return height * pow(1.0 + fabs(v - v_th) / width, -2.0)
    return height / (1.0 + pow((v - v_th) / width, 2.0))


ctypedef struct OptCommon:
    int adam
    int64_t batch_size
    double eta, eta_first
    int64_t eta_changes
    double Wmin, Wmax
    bint each_step
    double beta_1, beta_2, epsilon


ctypedef struct OptState:
    # per-synapse optimizer state, as pointers into the table's columns
    double *sum         # gradient summed since the last optimization step
    int64_t *step       # the next optimization step (starts at 1)
    double *eta         # eta of the last optimization (NaN: none yet)
    double *m           # adam: first and second moments and beta powers
    double *v
    double *b1
    double *b2


cdef inline double optimized_weight(const OptCommon *cp, OptState *s, int64_t k, int64_t idx,
                                    double g, double w) noexcept nogil:
    """NEST's WeightOptimizer::optimized_weight for synapse ``k``: add the
    gradient ``g``; when the optimization step 1 + idx // batch_size is new,
    apply the batch-averaged sum (gradient descent: w -= eta g; adam, in
    TensorFlow's form, once per step passed, the first with the sum and the
    rest with 0), clip to [Wmin, Wmax].  A synapse's first update uses the
    first eta set on the model, later ones the eta of the update before."""
    cdef double eta = s.eta[k], alpha
    cdef int64_t cur
    if isnan(eta):
        eta = cp.eta_first if cp.eta_changes != 0 else 1e-4
    s.sum[k] += g
    cur = 1 + idx // cp.batch_size
    if s.step[k] < cur:
        s.sum[k] /= cp.batch_size
        if cp.adam:
            while s.step[k] < cur:
                s.b1[k] *= cp.beta_1
                s.b2[k] *= cp.beta_2
                alpha = eta * sqrt(1.0 - s.b2[k]) / (1.0 - s.b1[k])
                s.m[k] = cp.beta_1 * s.m[k] + (1.0 - cp.beta_1) * s.sum[k]
                s.v[k] = cp.beta_2 * s.v[k] + (1.0 - cp.beta_2) * s.sum[k] * s.sum[k]
                w -= alpha * s.m[k] / (sqrt(s.v[k]) + cp.epsilon)
                s.sum[k] = 0.0
                s.step[k] += 1
        else:
            w -= eta * s.sum[k]
            s.sum[k] = 0.0
        if w < cp.Wmin:
            w = cp.Wmin
        elif w > cp.Wmax:
            w = cp.Wmax
        s.eta[k] = cp.eta
        s.step[k] = cur
    return w


cdef inline void read_optimizer(OptCommon *o, dict opt):
    """The model-level optimizer dict (``eprop_synapse``'s ``optimizer``)."""
    o.adam = opt["type"] == "adam"
    o.batch_size = opt["batch_size"]
    o.eta = opt["eta"]
    o.eta_first = opt["_eta_first"]
    o.eta_changes = opt["_eta_changes"]
    o.Wmin = opt["Wmin"]
    o.Wmax = opt["Wmax"]
    o.each_step = opt["optimize_each_step"]
    o.beta_1 = opt.get("beta_1", 0.9)
    o.beta_2 = opt.get("beta_2", 0.999)
    o.epsilon = opt.get("epsilon", 1e-7)


cdef inline void bind_optimizer_state(OptState *s, dict cols):
    """Point ``s`` at a table's optimizer columns (opt_sum, opt_step, opt_eta,
    adam_m, adam_v, adam_b1, adam_b2; the table keeps the arrays)."""
    cdef double[::1] d
    cdef int64_t[::1] i
    if cols["opt_sum"].shape[0] == 0:
        return
    d = cols["opt_sum"]; s.sum = &d[0]
    i = cols["opt_step"]; s.step = &i[0]
    d = cols["opt_eta"]; s.eta = &d[0]
    d = cols["adam_m"]; s.m = &d[0]
    d = cols["adam_v"]; s.v = &d[0]
    d = cols["adam_b1"]; s.b1 = &d[0]
    d = cols["adam_b2"]; s.b2 = &d[0]
