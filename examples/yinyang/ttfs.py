"""First-spike times of leaky integrate-and-fire neurons with current-based
exponential synapses: closed forms and exact gradients, vectorised over a batch.

Units and conventions (used throughout ``examples/yinyang``)
-----------------------------------------------------------
* times in units of the synaptic time constant (tau_s = 1),
* membrane capacitance C_m = 1 and leak potential E_l = 0, so the membrane
  time constant is tau_m = C_m / g_leak: ``g_leak = 1`` gives tau_m = tau_s,
  ``g_leak = 0.5`` gives tau_m = 2 tau_s,
* weights are synaptic currents; an input spike at t_i of weight w adds the
  current w exp(-(t - t_i)) for t > t_i,
* a layer maps input times ``t_in`` [B, n_in] through weights ``w``
  [n_in, n_out] to output times [B, n_out]; ``np.inf`` means "no spike"
  (inputs) or "silent" (outputs); each neuron spikes at most once.

Membrane potential below threshold (u(0) = 0, no current at 0), s = t - t_i:

    u(t) = sum_i (w_i / g_leak) k(t - t_i),
    k(s) = Theta(s) tau_s / (tau_m - tau_s) [exp(-s/tau_m) - exp(-s/tau_s)]   (tau_m != tau_s)
    k(s) = Theta(s) (s / tau_s) exp(-s/tau_s)                                 (tau_m == tau_s)

The output time T is the first upward crossing u(T) = threshold.  With the
causal set C = {i | t_i < T} and the shorthands

    a_n = sum_{i in C} w_i exp(t_i / (n tau_s)),   b = sum_{i in C} w_i (t_i/tau_s) exp(t_i/tau_s)

the closed forms are

    tau_m = tau_s:    T = tau_s [ b/a_1 - W0( -(g_leak theta / a_1) exp(b/a_1) ) ]     (Lambert W)
    tau_m = 2 tau_s:  T = 2 tau_s ln[ 2 a_1 / (a_2 + sqrt(a_2^2 - 4 a_1 g_leak theta)) ]

The causal set is found by sorting the inputs of each sample and evaluating
the candidate time of every prefix C_k (first k inputs); the prefix is valid
when its candidate lies in [t_k, t_{k+1}] (t_{n+1} = inf).  The valid
intervals are disjoint and increasing, so the minimum over valid candidates is
the first spike; no valid prefix means no spike (T = inf).

Gradients by the implicit function theorem (any tau_m / tau_s, any given T,
e.g. a time measured on hardware):

    dT/dp = -(du/dp) / (du/dt)  at t = T,   p = w_i or t_i,
    du/dw_i = k(T - t_i) / g_leak,   du/dt_i = -(w_i / g_leak) k'(T - t_i),
    du/dt   = sum_{i in C} (w_i / g_leak) k'(T - t_i)

so that sum_i dT/dt_i = 1 (time-shift invariance).  Only causal inputs
(t_i < T) contribute; silent outputs (T = inf) get zero gradients.

Networks (bias inputs, delays, noise, the pluggable forward pass) are in
``ttfs_network.py``, losses in ``losses.py``, the training loop in ``training.py``.
"""
import numpy as np

C_M = 1.0
TAU_S = 1.0

# 1/e split into a double and its rounding error, for z + 1/e near the branch point.
_INV_E_HI = 0.36787944117144233
_INV_E_LO = -1.2428753672788363e-17


def tau_mem(g_leak):
    """Membrane time constant tau_m = C_m / g_leak (C_m = 1, units of tau_s)."""
    return C_M / g_leak


# ----------------------------------------------------------------------------------------------
# Lambert W
# ----------------------------------------------------------------------------------------------

def lambertw0(z):
    """Principal branch W0 of the Lambert W function for real arguments.

    W0(z) is the solution w >= -1 of w exp(w) = z, defined for z >= -1/e.

    Initial guess: near the branch point (z < -0.25) the series in
    p = sqrt(2 (e z + 1)),

        W0 = -1 + p - p^2/3 + 11/72 p^3 - 43/540 p^4 + 769/17280 p^5 - 221/8505 p^6,

    elsewhere Winitzki's approximation
    W0 ~ L (1 - ln(1 + L) / (2 + L)), L = ln(1 + z).
    Refinement by two steps of Halley's iteration on f(w) = w e^w - z,

        w <- w - f / (e^w (w + 1) - (w + 2) f / (2 w + 2)),

    (the initial errors are below 2e-2 and the convergence is cubic), except
    where |w + 1| < 1e-3 (the series is exact to ~1e-18 there).

    Parameters
    ----------
    z : array_like
        Real arguments.

    Returns
    -------
    ndarray
        W0(z) (float64, same shape as z); NaN for z < -1/e or NaN z,
        inf for z = inf.  Accurate to about 1e-14 relative (the residual
        |w e^w - z| is at rounding level, also near the branch point).
    """
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(all="ignore"):
        # z + 1/e without cancellation error; the double nearest to -1/e counts as the branch point
        zpe = np.maximum((z + _INV_E_HI) + _INV_E_LO, 0.0)
        p = np.sqrt((2.0 * np.e) * zpe)
        w_series = -1.0 + p * (1.0 + p * (-1.0 / 3.0 + p * (11.0 / 72.0 + p * (
            -43.0 / 540.0 + p * (769.0 / 17280.0 + p * (-221.0 / 8505.0))))))
        near = z < -0.25
        L = np.log1p(z)
        w = np.where(near, w_series, L * (1.0 - np.log1p(L) / (2.0 + L)))
        for _ in range(2):          # initial errors <= 2e-2, cubic convergence: <= 1e-15 after two
            ew = np.exp(w)
            f = w * ew - z
            wp1 = w + 1.0
            step = f / (ew * wp1 - (w + 2.0) * f / (2.0 * wp1))
            w = w - np.where(np.isfinite(step), step, 0.0)
        w = np.where(near & (p < 1e-3), w_series, w)
        w = np.where(z >= -_INV_E_HI, w, np.nan)
        w = np.where(z == np.inf, np.inf, w)
    return w[()] if w.ndim == 0 else w


# ----------------------------------------------------------------------------------------------
# Membrane potential
# ----------------------------------------------------------------------------------------------

def psp_kernel(s, g_leak=1.0):
    """PSP kernel k(s) and its derivative k'(s) (u = sum_i (w_i/g_leak) k(t - t_i)).

        tau_m = tau_s:   k = s e^{-s},  k' = (1 - s) e^{-s}
        tau_m != tau_s:  k = (e^{-s/tau_m} - e^{-s}) / (tau_m - 1),
                         k' = (e^{-s} - e^{-s/tau_m} / tau_m) / (tau_m - 1)

    with tau_s = 1, tau_m = C_m / g_leak; k = k' = 0 for s <= 0.

    Parameters
    ----------
    s : ndarray
        Time since the input spike (tau_s units); non-finite entries give 0.
    g_leak : float
        Leak conductance (C_m = 1).

    Returns
    -------
    k, dk : ndarray
        Kernel and derivative, same shape as ``s``.
    """
    causal = np.isfinite(s) & (s > 0.0)
    s = np.where(causal, s, 0.0)
    tm = tau_mem(g_leak)
    es = np.exp(-s)
    if np.isclose(tm, TAU_S, rtol=0.0, atol=1e-12):
        k = s * es
        dk = (1.0 - s) * es
    else:
        em = np.exp(-s / tm)
        k = (em - es) / (tm - TAU_S)
        dk = (es - em / tm) / (tm - TAU_S)
    return k * causal, dk * causal


def voltage(t, t_in, w, g_leak=1.0):
    """Membrane potentials of a layer at common sample times (no threshold, no reset).

        u_j(t) = sum_i (w_ij / g_leak) k(t - t_i)

    Parameters
    ----------
    t : ndarray, shape (B, G)
        G evaluation times per sample.
    t_in : ndarray, shape (B, n_in)
        Input spike times (np.inf = no spike).
    w : ndarray, shape (n_in, n_out)
        Weights.
    g_leak : float
        Leak conductance (C_m = 1).

    Returns
    -------
    ndarray, shape (B, G, n_out)
    """
    k, _ = psp_kernel(t[:, :, None] - t_in[:, None, :], g_leak)
    return (k @ w) / g_leak


# ----------------------------------------------------------------------------------------------
# Closed-form first spike times
# ----------------------------------------------------------------------------------------------

def _sorted_prefixes(t_in, w):
    """Inputs sorted per sample, shifted to the sample's first input, masked.

    Returns the sorted times ``ts`` [B, n_in] (inf kept, for the interval
    check), the next input times ``t_next`` [B, n_in], the shifted finite
    times ``tsh`` (0 where the input is silent), the sorted weights
    ``ws`` [B, n_in, n_out] (0 where silent) and the shift ``t0`` [B].
    Shifting all times by t0 leaves T - t0 unchanged (time-shift invariance)
    and keeps the exponentials small.
    """
    t_in = np.asarray(t_in, dtype=np.float64)
    order = np.argsort(t_in, axis=1, kind="stable")
    ts = np.take_along_axis(t_in, order, axis=1)
    finite = np.isfinite(ts)
    t0 = np.where(finite[:, 0], ts[:, 0], 0.0)
    tsh = np.where(finite, ts - t0[:, None], 0.0)
    ws = np.where(finite[:, :, None], w[order], 0.0)
    t_next = np.concatenate([ts[:, 1:], np.full((len(ts), 1), np.inf)], axis=1)
    return ts, t_next, tsh, ws, t0


def _select_first(cand, ts, t_next):
    """First valid prefix: candidate in [t_k, t_{k+1}]; min over prefixes (inf if none).

    All three in the same (shifted) time frame; cand [B, n_in, n_out], ts and t_next [B, n_in].
    """
    ok = np.isfinite(cand) & (cand >= ts[:, :, None]) & (cand <= t_next[:, :, None])
    return np.where(ok, cand, np.inf).min(axis=1)


def _threshold3(threshold):
    """Threshold broadcastable to [B, 1, n_out] (scalar, [n_out] or [B, n_out])."""
    th = np.asarray(threshold, dtype=np.float64)
    return th[:, None, :] if th.ndim == 2 else th


def spike_times_lambertw(t_in, w, g_leak=1.0, threshold=1.0):
    """First spike times for tau_m = tau_s (Lambert W closed form).

    For every sorted prefix C_k:

        a_1 = sum w_i e^{t_i},  b = sum w_i t_i e^{t_i},
        z = -(g_leak theta / a_1) exp(b / a_1),
        T_k = b / a_1 - W0(z)

    valid if a_1 > 0, z >= -1/e and t_k <= T_k <= t_{k+1}; T = min of the valid
    T_k (inf if none).  For a_1 <= 0 the synaptic current is negative and no
    upward crossing exists.

    Parameters
    ----------
    t_in : ndarray, shape (B, n_in)
        Input spike times (np.inf = no spike), units of tau_s.
    w : ndarray, shape (n_in, n_out)
        Weights.
    g_leak : float
        Leak conductance (must be 1 for tau_m = tau_s with C_m = 1).
    threshold : float or ndarray, shape (n_out,) or (B, n_out)
        Threshold (E_l = 0), possibly per neuron and per sample.

    Returns
    -------
    ndarray, shape (B, n_out)
        Output spike times, np.inf for silent neurons.
    """
    ts, t_next, tsh, ws, t0 = _sorted_prefixes(t_in, w)
    e1 = np.exp(tsh)
    a1 = np.cumsum(ws * e1[:, :, None], axis=1)
    b = np.cumsum(ws * (tsh * e1)[:, :, None], axis=1)
    with np.errstate(all="ignore"):
        ratio = b / a1
        z = -(g_leak * _threshold3(threshold) / a1) * np.exp(ratio)
        # W0 in [-1, 0) puts T_k in [b/a_1, b/a_1 + 1]: skip prefixes that cannot be valid
        tk, tk_next = ts - t0[:, None], t_next - t0[:, None]
        possible = ((a1 > 0.0) & (z >= -_INV_E_HI) & (ratio <= tk_next[:, :, None])
                    & (ratio + TAU_S >= tk[:, :, None]))
        cand = np.full(z.shape, np.nan)
        cand[possible] = TAU_S * (ratio[possible] - lambertw0(z[possible]))
    return t0[:, None] + _select_first(cand, tk, tk_next)


def spike_times_quadratic(t_in, w, g_leak=0.5, threshold=1.0):
    """First spike times for tau_m = 2 tau_s (quadratic closed form).

    With x = exp(-T / (2 tau_s)) the threshold condition
    g_leak theta = a_2 x - a_1 x^2 is a quadratic; the earlier crossing is

        T_k = 2 ln[ 2 a_1 / (a_2 + sqrt(a_2^2 - 4 a_1 g_leak theta)) ]

    valid if a_1 > 0, the discriminant is >= 0, a_2 + sqrt(...) > 0 and
    t_k <= T_k <= t_{k+1}; T = min of the valid T_k (inf if none).

    Parameters
    ----------
    t_in : ndarray, shape (B, n_in)
        Input spike times (np.inf = no spike), units of tau_s.
    w : ndarray, shape (n_in, n_out)
        Weights.
    g_leak : float
        Leak conductance (0.5 for tau_m = 2 tau_s with C_m = 1).
    threshold : float or ndarray, shape (n_out,) or (B, n_out)
        Threshold (E_l = 0).

    Returns
    -------
    ndarray, shape (B, n_out)
        Output spike times, np.inf for silent neurons.
    """
    ts, t_next, tsh, ws, t0 = _sorted_prefixes(t_in, w)
    a1 = np.cumsum(ws * np.exp(tsh)[:, :, None], axis=1)
    a2 = np.cumsum(ws * np.exp(0.5 * tsh)[:, :, None], axis=1)
    with np.errstate(all="ignore"):
        root = np.sqrt(a2 * a2 - 4.0 * a1 * g_leak * _threshold3(threshold))
        den = a2 + root
        cand = 2.0 * TAU_S * np.log(2.0 * a1 / den)
        cand = np.where((a1 > 0.0) & (den > 0.0), cand, np.nan)
        return t0[:, None] + _select_first(cand, ts - t0[:, None], t_next - t0[:, None])


def spike_times(t_in, w, g_leak=1.0, threshold=1.0):
    """First spike times of a layer; dispatches on tau_m = C_m / g_leak.

    tau_m = tau_s (g_leak = 1): ``spike_times_lambertw``;
    tau_m = 2 tau_s (g_leak = 0.5): ``spike_times_quadratic``.

    Parameters
    ----------
    t_in : ndarray, shape (B, n_in)
        Input spike times (np.inf = no spike), units of tau_s.
    w : ndarray, shape (n_in, n_out)
        Weights.
    g_leak : float
        Leak conductance (C_m = 1).
    threshold : float or ndarray, shape (n_out,) or (B, n_out)
        Threshold.

    Returns
    -------
    ndarray, shape (B, n_out)
        Output spike times, np.inf for silent neurons.
    """
    return _closed_form(g_leak, spike_times_lambertw, spike_times_quadratic)(
        t_in, w, g_leak, threshold)


def _closed_form(g_leak, lambertw_form, quadratic_form):
    """The form for tau_m = C_m / g_leak: ``lambertw_form`` where tau_m = tau_s,
    ``quadratic_form`` where tau_m = 2 tau_s; no closed form otherwise."""
    tm = tau_mem(g_leak)
    if np.isclose(tm, TAU_S, rtol=0.0, atol=1e-12):
        return lambertw_form
    if np.isclose(tm, 2.0 * TAU_S, rtol=0.0, atol=1e-12):
        return quadratic_form
    raise ValueError(f"closed form only for tau_m = tau_s or 2 tau_s (g_leak 1 or 0.5), got g_leak={g_leak}")


# ----------------------------------------------------------------------------------------------
# Gradients
# ----------------------------------------------------------------------------------------------

def _causal(t_in, t_out):
    """s = T - t_i [B, n_in, n_out] and the causal mask t_i < T (both finite)."""
    with np.errstate(invalid="ignore"):
        s = t_out[:, None, :] - t_in[:, :, None]
    causal = np.isfinite(s) & (s > 0.0)
    return np.where(causal, s, 0.0), causal


def spike_time_gradients(t_in, w, t_out, g_leak=1.0):
    """Exact dT/dw and dT/dt_in by the implicit function theorem, for any given T.

        dT/dw_i = -(k(T - t_i) / g_leak) / u'(T)
        dT/dt_i =  (w_i k'(T - t_i) / g_leak) / u'(T)
        u'(T)   = sum_{i: t_i < T} (w_i / g_leak) k'(T - t_i)

    u'(T) is the slope of the model potential at the given T (it does not
    use the threshold), so ``t_out`` may be measured spike times (hardware,
    threshold noise): the gradients are those of the nominal model at the
    measured time.  Entries are zero for non-causal inputs (t_i >= T), silent
    outputs (T = inf) and outputs where the model slope is not positive
    (u'(T) <= 0: the nominal potential is not rising there).

    Parameters
    ----------
    t_in : ndarray, shape (B, n_in)
        Input times as seen by the layer (np.inf = no spike).
    w : ndarray, shape (n_in, n_out)
        Weights used in the forward pass.
    t_out : ndarray, shape (B, n_out)
        Output spike times (computed or measured; np.inf = silent).
    g_leak : float
        Leak conductance (C_m = 1), any tau_m / tau_s.

    Returns
    -------
    dT_dw, dT_dt : ndarray, shape (B, n_in, n_out)
        dT_j/dw_ij and dT_j/dt_i per sample.
    """
    t_in = np.asarray(t_in, dtype=np.float64)
    t_out = np.asarray(t_out, dtype=np.float64)
    s, causal = _causal(t_in, t_out)
    k, dk = psp_kernel(s, g_leak)
    wdk = w[None, :, :] * dk / g_leak
    slope = wdk.sum(axis=1)
    ok = np.isfinite(t_out) & (slope > 0.0)
    inv = np.where(ok, 1.0 / np.where(ok, slope, 1.0), 0.0)[:, None, :]
    return -(k / g_leak) * inv, wdk * inv


def spike_time_gradients_lambertw(t_in, w, t_out, g_leak=1.0, threshold=1.0):
    """dT/dw, dT/dt_in for tau_m = tau_s with the output time inserted.

        dT/dw_i = -(1/a_1) (1/(W(z) + 1)) e^{t_i} (T - t_i)
        dT/dt_i = -(1/a_1) (1/(W(z) + 1)) e^{t_i} w_i (T - t_i - 1)

    a_1, b and z = -(g_leak theta / a_1) exp(b/a_1) over the causal set
    {t_i < T}, W = W0(z).  Equal to ``spike_time_gradients`` at the exact T.

    Parameters
    ----------
    t_in, w, t_out, g_leak, threshold
        As in ``spike_time_gradients`` / ``spike_times_lambertw``.

    Returns
    -------
    dT_dw, dT_dt : ndarray, shape (B, n_in, n_out)
    """
    s, causal = _causal(t_in, t_out)
    tsh, t0 = _shifted(t_in)
    e = np.exp(tsh)[:, :, None] * causal
    a1 = (w[None] * e).sum(axis=1)
    b = (w[None] * e * tsh[:, :, None]).sum(axis=1)
    with np.errstate(all="ignore"):
        z = -(g_leak * np.asarray(threshold) / a1) * np.exp(b / a1)
        pref = -1.0 / (a1 * (lambertw0(z) + 1.0))
    pref = np.where(np.isfinite(pref), pref, 0.0)[:, None, :]
    return pref * e * s, pref * e * w[None] * (s - 1.0)


def _shifted(t_in):
    """Input times relative to each sample's earliest input t0 (finite ones;
    silent inputs at 0) and t0: keeps exp(t_i) of the closed forms in range."""
    fin = np.isfinite(t_in)
    t0 = np.where(fin, t_in, np.inf).min(axis=1)
    t0 = np.where(np.isfinite(t0), t0, 0.0)
    return np.where(fin, t_in - t0[:, None], 0.0), t0


def spike_time_gradients_quadratic(t_in, w, t_out, g_leak=0.5, threshold=1.0):
    """dT/dw, dT/dt_in for tau_m = 2 tau_s with the output time inserted.

    With x = sqrt(a_2^2 - 4 a_1 g_leak theta) over the causal set {t_i < T}:

        dT/dw_i = (2/a_1) [1 + (g_leak theta / x) e^{T/2}] e^{t_i} - (2/x) e^{t_i/2}
        dT/dt_i = (2 w_i/a_1) [1 + (g_leak theta / x) e^{T/2}] e^{t_i} - (w_i/x) e^{t_i/2}

    Equal to ``spike_time_gradients`` at the exact T.

    Parameters
    ----------
    t_in, w, t_out, g_leak, threshold
        As in ``spike_time_gradients`` / ``spike_times_quadratic``.

    Returns
    -------
    dT_dw, dT_dt : ndarray, shape (B, n_in, n_out)
    """
    s, causal = _causal(t_in, t_out)
    tsh, t0 = _shifted(t_in)
    e1 = np.exp(tsh)[:, :, None] * causal
    e2 = np.exp(0.5 * tsh)[:, :, None] * causal
    a1 = (w[None] * e1).sum(axis=1)
    a2 = (w[None] * e2).sum(axis=1)
    gth = g_leak * np.asarray(threshold)
    with np.errstate(all="ignore"):
        x = np.sqrt(a2 * a2 - 4.0 * a1 * gth)
        Tsh = np.where(np.isfinite(t_out), t_out - t0[:, None], 0.0)
        c1 = (2.0 / a1) * (1.0 + gth / x * np.exp(0.5 * Tsh))
        c2 = 1.0 / x
    good = np.isfinite(c1) & np.isfinite(c2) & np.isfinite(t_out)
    c1 = np.where(good, c1, 0.0)[:, None, :]
    c2 = np.where(good, c2, 0.0)[:, None, :]
    dT_dw = c1 * e1 - 2.0 * c2 * e2
    dT_dt = w[None] * (c1 * e1 - c2 * e2)
    return dT_dw, dT_dt


BACKWARD_FORMS = ("implicit", "nominal")


def check_backward_form(form):
    """ValueError unless ``form`` is one of ``BACKWARD_FORMS``."""
    if form not in BACKWARD_FORMS:
        raise ValueError(f"backward form must be one of {BACKWARD_FORMS}, got {form!r}")


def layer_backward(t_in, w, t_out, delta_out, g_leak=1.0, max_dw=None, form="implicit",
                   threshold=1.0):
    """Backpropagate dL/dT of a layer to its weights and input times.

        G_bij     = dT_bj/dw_ij  delta_bj                (per-sample weight gradient)
        dL/dw_ij  = sum_b G_bij   (after clipping)
        delta_bi  = sum_j dT_bj/dt_bi  delta_bj          (dL/dt_in)

    Clipping (``max_dw``): for each sample b and output neuron j with
    max_i |G_bij| > max_dw, G_b.j is set to 0 (the divergence of dT/dw when
    the potential barely reaches threshold).  ``delta_out`` is the gradient of
    the batch loss (e.g. already divided by the batch size), non-finite
    entries count as 0.

    Parameters
    ----------
    t_in : ndarray, shape (B, n_in)
        Input times seen by the layer.
    w : ndarray, shape (n_in, n_out)
        Weights used in the forward pass.
    t_out : ndarray, shape (B, n_out)
        Output spike times (computed or measured).
    delta_out : ndarray, shape (B, n_out)
        dL/dT of the outputs.
    g_leak : float
        Leak conductance (C_m = 1).
    max_dw : float, optional
        Clipping bound of the per-sample, per-output weight gradients.
    form : {"implicit", "nominal"}
        ``"implicit"``: ``spike_time_gradients``, the slope of the model
        potential at the given T; with measured times of a noisy substrate
        (threshold offsets) these are the exact gradients of the neuron that
        spiked.  ``"nominal"``: the closed forms with the output time
        inserted (Lambert W for tau_m = tau_s, the quadratic form for
        tau_m = 2 tau_s), evaluated at the nominal ``threshold``, as the
        thesis' in-the-loop training does (Ch. 5 eqs. 24-25): a measured T
        that the nominal neuron could not produce (W undefined) gives no
        gradient, and threshold offsets of the substrate bias the gradient.
    threshold : float
        The nominal threshold (``form="nominal"``).

    Returns
    -------
    grad_w : ndarray, shape (n_in, n_out)
    delta_in : ndarray, shape (B, n_in)
    n_clipped : int
        Number of (sample, output neuron) pairs zeroed by the clipping.
    """
    check_backward_form(form)
    if form == "implicit":
        dT_dw, dT_dt = spike_time_gradients(t_in, w, t_out, g_leak)
    else:
        dT_dw, dT_dt = _closed_form(g_leak, spike_time_gradients_lambertw,
                                    spike_time_gradients_quadratic)(t_in, w, t_out, g_leak, threshold)
    d = np.where(np.isfinite(delta_out), delta_out, 0.0)[:, None, :]
    G = dT_dw * d
    n_clipped = 0
    if max_dw is not None:
        big = np.abs(G).max(axis=1) > max_dw
        n_clipped = int(big.sum())
        if n_clipped:
            G = np.where(big[:, None, :], 0.0, G)
    delta_in = (dT_dt * d).sum(axis=2)
    return G.sum(axis=0), delta_in, n_clipped
