"""Yin-Yang time-to-first-spike software (examples/yinyang): data set, Lambert W,
closed-form first-spike times against brute-force root finding of the membrane
potential, exact gradients against finite differences, a short training, the
pluggable forward pass and the non-spiking baselines."""
import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "examples", "yinyang"))

import baselines  # noqa: E402
import configs  # noqa: E402
import dataset  # noqa: E402
import losses  # noqa: E402
import ttfs_network as network  # noqa: E402
import training  # noqa: E402
import ttfs  # noqa: E402


# ------------------------------------------------------------------------------------------------
# data set
# ------------------------------------------------------------------------------------------------

def _reference_samples(n, seed, r_small=0.1, r_big=0.5):
    """The rejection-sampling definition, written out independently."""
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(n):
        goal = rng.randint(3)
        while True:
            x, y = rng.rand(2) * 2 * r_big
            if np.hypot(x - r_big, y - r_big) > r_big:
                continue
            d_r = np.hypot(x - 1.5 * r_big, y - r_big)
            d_l = np.hypot(x - 0.5 * r_big, y - r_big)
            if d_r < r_small or d_l < r_small:
                c = 2
            else:
                c = int(d_r <= r_small or r_small < d_l <= 0.5 * r_big
                        or (y > r_big and d_r > 0.5 * r_big))
            if c == goal:
                break
        out.append((x, y, c))
    return out


def test_dataset_matches_rejection_sampling_definition():
    feats, labels = dataset.yin_yang(5000, 42)
    for i, (x, y, c) in enumerate(_reference_samples(200, 42)):
        assert feats[i, 0] == x and feats[i, 1] == y and labels[i] == c
    assert np.array_equal(feats[:, 2], 1 - feats[:, 0]) and np.array_equal(feats[:, 3], 1 - feats[:, 1])
    # first sample of the training set (seed 42): a dot
    assert np.allclose(feats[0, :2], [0.68030754, 0.45049925], atol=1e-8) and labels[0] == 2
    # inside the symbol, inside the unit square
    assert np.all(np.hypot(feats[:, 0] - 0.5, feats[:, 1] - 0.5) <= 0.5)
    assert feats.min() >= 0 and feats.max() <= 1


def test_dataset_deterministic_balanced_and_seeded():
    f1, l1 = dataset.yin_yang(1000, 40)
    f2, l2 = dataset.yin_yang(1000, 40)
    assert np.array_equal(f1, f2) and np.array_equal(l1, l2)
    f3, _ = dataset.yin_yang(1000, 41)
    assert not np.any(f1[:, 0] == f3[:, 0])
    sets = dataset.splits()
    assert [len(sets[k][1]) for k in ("train", "validation", "test")] == [5000, 1000, 1000]
    counts = np.bincount(sets["train"][1], minlength=3)
    assert counts.sum() == 5000 and np.all(np.abs(counts / 5000 - 1 / 3) < 0.03), counts


def test_encode():
    t = dataset.encode(np.array([[0.0, 1.0, 0.5, 0.25]]), bias_times=(0.9,))
    assert np.allclose(t, [[0.15, 2.0, 1.075, 0.6125, 0.9]])
    assert dataset.encode(np.zeros((3, 4))).shape == (3, 4)


# ------------------------------------------------------------------------------------------------
# Lambert W
# ------------------------------------------------------------------------------------------------

def test_lambertw_against_bisection():
    rng = np.random.default_rng(0)
    z = np.concatenate([-1 / np.e + np.logspace(-15, -1, 200), rng.uniform(-1 / np.e, 0, 500),
                        rng.uniform(0, 20, 300), np.logspace(-10, 5, 100), [0.0, -1 / np.e, np.e]])
    w = ttfs.lambertw0(z)
    # brute force: w e^w is increasing on [-1, inf); bisect to machine precision
    lo, hi = np.full_like(z, -1.0), np.maximum(1.0, np.log1p(z)) + 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        up = mid * np.exp(mid) >= z
        hi, lo = np.where(up, mid, hi), np.where(up, lo, mid)
    assert np.all(w >= -1.0)
    assert np.all(np.abs(w * np.exp(w) - z) <= 1e-12 * np.maximum(1.0, np.abs(z)))
    away = np.abs(w + 1) > 1e-2            # the branch point itself is ill-conditioned
    assert np.all(np.abs(w - hi)[away] <= 1e-12 * np.maximum(1.0, np.abs(w[away])))
    assert ttfs.lambertw0(-1 / np.e) == -1.0 and ttfs.lambertw0(0.0) == 0.0
    assert ttfs.lambertw0(np.e) == pytest.approx(1.0, abs=1e-15)
    assert np.isnan(ttfs.lambertw0(-0.37)) and np.isnan(ttfs.lambertw0(np.nan))
    assert ttfs.lambertw0(np.inf) == np.inf


# ------------------------------------------------------------------------------------------------
# closed-form spike times against root finding on u(t)
# ------------------------------------------------------------------------------------------------

def _potential_at(t, t_in, w, g):
    """u_j(t_bj) for one time per sample and neuron."""
    k, _ = ttfs.psp_kernel(t[:, None, :] - t_in[:, :, None], g)
    return (k * w[None]).sum(axis=1) / g


def _brute_force_spike_times(t_in, w, g, theta, t_max=12.0, dt=1e-3):
    """First grid point above threshold, then bisection to 1e-13."""
    B = len(t_in)
    grid = np.arange(0.0, t_max, dt)
    u = ttfs.voltage(np.broadcast_to(grid, (B, len(grid))), t_in, w, g)
    theta = np.broadcast_to(theta, (B, w.shape[1]))
    above = u >= theta[:, None, :]
    first = np.argmax(above, axis=1)
    lo, hi = grid[np.maximum(first - 1, 0)], grid[first]
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        up = _potential_at(mid, t_in, w, g) >= theta
        hi, lo = np.where(up, mid, hi), np.where(up, lo, mid)
    assert np.all(u[:, -1] < 0.5 * theta)          # nothing left to cross after t_max
    return np.where(above.any(axis=1), hi, np.inf), u.max(axis=1)


@pytest.mark.parametrize("g_leak", [1.0, 0.5])
def test_closed_form_spike_times_equal_root_finding(g_leak):
    rng = np.random.default_rng(3 if g_leak == 1.0 else 4)
    B, n_in, n_out = 150, 7, 6
    t_in = rng.uniform(0.0, 3.0, (B, n_in))
    t_in[rng.random((B, n_in)) < 0.15] = np.inf          # silent inputs
    t_in[0] = np.inf                                     # no input at all
    w = rng.normal(0.9, 1.3, (n_in, n_out))              # excitatory and inhibitory
    theta = 1.0 + 0.1 * rng.standard_normal((B, n_out))  # per sample and neuron
    T = ttfs.spike_times(t_in, w, g_leak, theta)
    Tb, u_max = _brute_force_spike_times(t_in, w, g_leak, theta)
    # exclude near-tangent cases (maximum within 1e-6 of threshold)
    clear = np.abs(u_max - theta) > 1e-6
    assert clear.mean() > 0.95
    assert np.array_equal(np.isinf(T)[clear], np.isinf(Tb)[clear])
    both = clear & np.isfinite(T)
    assert 0.2 < both.mean() < 0.9                       # spiking and silent neurons both occur
    assert np.max(np.abs(T[both] - Tb[both])) < 1e-9
    assert np.all(np.isinf(T[0]))
    # the potential reaches the threshold exactly at T
    assert np.allclose(_potential_at(np.where(both, T, 0.0), t_in, w, g_leak)[both],
                       theta[both], atol=1e-12)
    # time-shift invariance (the closed forms work relative to each sample's first input)
    shifted = ttfs.spike_times(t_in + 30.0, w, g_leak, theta)
    assert np.array_equal(np.isinf(shifted), np.isinf(T))
    assert np.allclose(shifted[np.isfinite(T)], T[np.isfinite(T)] + 30.0, rtol=0, atol=1e-12)
    # scalar and per-neuron thresholds use the same code path
    th_n = np.full(n_out, 1.0)
    assert np.array_equal(ttfs.spike_times(t_in, w, g_leak, th_n), ttfs.spike_times(t_in, w, g_leak, 1.0))


def test_single_input_spike_times():
    # tau_m = tau_s: PSP w s e^{-s}; threshold w/e reached exactly at the peak s = 1
    t = ttfs.spike_times(np.array([[0.5]]), np.array([[np.e * 1.0001]]), 1.0, 1.0)
    assert 1.45 < t[0, 0] < 1.5
    assert np.isinf(ttfs.spike_times(np.array([[0.5]]), np.array([[np.e * 0.9999]]), 1.0, 1.0)[0, 0])
    # tau_m = 2 tau_s: PSP (w/g)(e^{-s/2} - e^{-s}), peak w/(4 g) = w/2 at s = 2 ln 2
    assert np.isfinite(ttfs.spike_times(np.array([[0.0]]), np.array([[2.0001]]), 0.5, 1.0)[0, 0])
    assert np.isinf(ttfs.spike_times(np.array([[0.0]]), np.array([[1.9999]]), 0.5, 1.0)[0, 0])
    with pytest.raises(ValueError):
        ttfs.spike_times(np.zeros((1, 1)), np.ones((1, 1)), 0.3, 1.0)


# ------------------------------------------------------------------------------------------------
# gradients
# ------------------------------------------------------------------------------------------------

def _random_layer(rng, B=60, n_in=5, n_out=4):
    t_in = rng.uniform(0.0, 3.0, (B, n_in))
    t_in[rng.random((B, n_in)) < 0.15] = np.inf
    return t_in, rng.normal(1.0, 1.2, (n_in, n_out))


@np.errstate(invalid="ignore")
def _finite_differences(t_in, w, g, theta, h=1e-6):
    fdw, fdt = np.zeros(t_in.shape + (w.shape[1],)), np.zeros(t_in.shape + (w.shape[1],))
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            wp, wm = w.copy(), w.copy()
            wp[i, j] += h
            wm[i, j] -= h
            fdw[:, i, j] = (ttfs.spike_times(t_in, wp, g, theta) - ttfs.spike_times(t_in, wm, g, theta))[:, j] / (2 * h)
        tp, tm = t_in.copy(), t_in.copy()
        tp[:, i] += h
        tm[:, i] -= h
        fdt[:, i, :] = (ttfs.spike_times(tp, w, g, theta) - ttfs.spike_times(tm, w, g, theta)) / (2 * h)
    return fdw, fdt


@np.errstate(invalid="ignore")
def _well_conditioned(t_in, w, T, g):
    """Spiking neurons with a clear threshold crossing and no input within 1e-3 of T."""
    _, dk = ttfs.psp_kernel(T[:, None, :] - t_in[:, :, None], g)
    slope = (w[None] * dk).sum(axis=1) / g
    gap = np.abs(T[:, None, :] - t_in[:, :, None]).min(axis=1)
    return np.isfinite(T) & (slope > 0.05) & (gap > 1e-3)


@pytest.mark.parametrize("g_leak", [1.0, 0.5])
def test_gradients_against_finite_differences(g_leak):
    rng = np.random.default_rng(5)
    t_in, w = _random_layer(rng)
    T = ttfs.spike_times(t_in, w, g_leak, 1.0)
    dw, dt = ttfs.spike_time_gradients(t_in, w, T, g_leak)
    specific = ttfs.spike_time_gradients_lambertw if g_leak == 1.0 else ttfs.spike_time_gradients_quadratic
    sw, st = specific(t_in, w, T, g_leak, 1.0)
    fdw, fdt = _finite_differences(t_in, w, g_leak, 1.0)
    ok = _well_conditioned(t_in, w, T, g_leak)
    assert ok.sum() > 50
    m = np.broadcast_to(ok[:, None, :], dw.shape)
    for analytic in (dw, sw):
        assert np.all(np.abs(analytic - fdw)[m] <= 1e-5 * np.maximum(np.abs(fdw[m]), 1e-2))
    for analytic in (dt, st):
        assert np.all(np.abs(analytic - fdt)[m] <= 1e-5 * np.maximum(np.abs(fdt[m]), 1e-2))
    # ratio-specific forms equal the implicit-function form; time-shift invariance
    fin = np.broadcast_to(np.isfinite(T)[:, None, :], dw.shape)
    assert np.allclose(sw[fin], dw[fin], rtol=1e-9, atol=1e-12)
    assert np.allclose(st[fin], dt[fin], rtol=1e-9, atol=1e-12)
    assert np.allclose(dt.sum(axis=1)[np.isfinite(T)], 1.0, atol=1e-12)
    # non-causal inputs and silent outputs contribute nothing
    noncausal = ~(t_in[:, :, None] < T[:, None, :])
    assert np.all(dw[noncausal] == 0) and np.all(dt[noncausal] == 0)


def test_implicit_gradients_exact_for_measured_times_with_threshold_noise():
    """Times measured with a shifted threshold: the threshold-free IFT form at the measured T
    is the exact gradient of the measured (noisy) system."""
    rng = np.random.default_rng(6)
    t_in, w = _random_layer(rng)
    theta_true = 1.0 + 0.1 * rng.standard_normal(w.shape[1])
    T = ttfs.spike_times(t_in, w, 1.0, theta_true)
    dw, dt = ttfs.spike_time_gradients(t_in, w, T, 1.0)
    fdw, fdt = _finite_differences(t_in, w, 1.0, theta_true)
    m = np.broadcast_to(_well_conditioned(t_in, w, T, 1.0)[:, None, :], dw.shape)
    assert np.all(np.abs(dw - fdw)[m] <= 1e-5 * np.maximum(np.abs(fdw[m]), 1e-2))
    assert np.all(np.abs(dt - fdt)[m] <= 1e-5 * np.maximum(np.abs(fdt[m]), 1e-2))


@pytest.mark.parametrize("g_leak", [1.0, 0.5])
def test_nominal_backward_equals_implicit_at_nominal_times_and_is_biased_by_offsets(g_leak):
    """layer_backward(form="nominal"): the closed forms at the nominal threshold.  At the
    nominal model's own times both forms agree; with times measured at a raised threshold
    the nominal form differs from the exact (implicit) gradient, and an output the nominal
    neuron cannot produce (W undefined) gets no gradient."""
    rng = np.random.default_rng(8)
    t_in, w = _random_layer(rng)
    delta = rng.standard_normal((t_in.shape[0], w.shape[1]))
    T = ttfs.spike_times(t_in, w, g_leak, 1.0)
    gi, di, _ = ttfs.layer_backward(t_in, w, T, delta, g_leak, form="implicit")
    gn, dn, _ = ttfs.layer_backward(t_in, w, T, delta, g_leak, form="nominal", threshold=1.0)
    assert np.isfinite(T).mean() > 0.2
    assert np.allclose(gn, gi, rtol=1e-7, atol=1e-9) and np.allclose(dn, di, rtol=1e-7, atol=1e-9)
    T_hi = ttfs.spike_times(t_in, w, g_leak, 1.15)
    gi, _, _ = ttfs.layer_backward(t_in, w, T_hi, delta, g_leak, form="implicit")
    gn, _, _ = ttfs.layer_backward(t_in, w, T_hi, delta, g_leak, form="nominal", threshold=1.0)
    assert np.all(np.isfinite(gn)) and np.abs(gn - gi).max() > 1e-3 * np.abs(gi).max()
    if g_leak == 1.0:
        # one input whose PSP peaks at w/e: measured at the peak's time but nominally unreachable
        dw, dt = ttfs.spike_time_gradients_lambertw(np.zeros((1, 1)), np.full((1, 1), 2.0),
                                                     np.ones((1, 1)), 1.0, 1.0)
        assert dw[0, 0, 0] == 0.0 and dt[0, 0, 0] == 0.0
    with pytest.raises(ValueError, match="form"):
        ttfs.layer_backward(t_in, w, T, delta, g_leak, form="exact")
    with pytest.raises(ValueError, match="backward form"):
        training.Trainer(configs.get("target3_weights", backward="exact"), seed=0)


def _small_network(g_leak, delays, seed=7):
    cfg = configs.get("target1" if g_leak == 1.0 else "target2_delays")
    cfg["network"].update(layer_sizes=[8, 3], multiplex=2, weight_init=[(1.0, 0.8), (1.5, 0.8)])
    if not delays:
        cfg["network"]["delays"] = None
    tr = training.Trainer(cfg, seed=seed)
    feats, labels = dataset.yin_yang(40, 1)
    return tr, tr.input_times(feats), labels


@pytest.mark.parametrize("g_leak,delays", [(1.0, False), (0.5, True)])
def test_network_backward_against_finite_differences(g_leak, delays):
    tr, x, labels = _small_network(g_leak, delays)
    loss_fn = tr.loss_fn
    fwd = network.SoftwareForward(tr.spec, noise=False)

    def loss(weights, thetas):
        d = None if thetas is None else [
            network.effective_delays(th, tr.spec["delays"]["shift"], tr.spec["delays"]["scale"],
                                     tr.spec["multiplex"] if l == 0 else 1)[0] for l, th in enumerate(thetas)]
        out = fwd(weights, x, d)
        return loss_fn(out[-1], labels)[0].mean(), out, d

    _, out, d = loss(tr.weights, tr.thetas)
    _, grad = loss_fn(out[-1], labels)
    gw, gd, _ = network.network_backward(tr.spec, tr.weights, x, out, grad / len(labels), d)
    assert all(np.abs(g).max() > 1e-3 for g in gw)
    h = 1e-6
    rng = np.random.default_rng(0)
    for l, w in enumerate(tr.weights):
        for i, j in zip(rng.integers(0, w.shape[0], 12), rng.integers(0, w.shape[1], 12)):
            wp = [v.copy() for v in tr.weights]
            wm = [v.copy() for v in tr.weights]
            wp[l][i, j] += h
            wm[l][i, j] -= h
            fd = (loss(wp, tr.thetas)[0] - loss(wm, tr.thetas)[0]) / (2 * h)
            assert gw[l][i, j] == pytest.approx(fd, rel=1e-4, abs=1e-8)
    if delays:
        assert all(np.abs(g).max() > 1e-3 for g in gd)
        for l, th in enumerate(tr.thetas):
            _, dd = network.effective_delays(th, tr.spec["delays"]["shift"], tr.spec["delays"]["scale"])
            g_theta = gd[l].reshape(len(th), -1).sum(axis=1) * dd
            for i in range(len(th)):
                tp = [v.copy() for v in tr.thetas]
                tm = [v.copy() for v in tr.thetas]
                tp[l][i] += h
                tm[l][i] -= h
                fd = (loss(tr.weights, tp)[0] - loss(tr.weights, tm)[0]) / (2 * h)
                assert g_theta[i] == pytest.approx(fd, rel=1e-4, abs=1e-8)


def test_loss_gradients():
    rng = np.random.default_rng(8)
    t = rng.uniform(0.5, 3.0, (20, 3))
    t[0, 1] = np.inf
    labels = rng.integers(0, 3, 20)
    labels[0] = 0
    for fn in (lambda t, y: losses.cross_entropy_ttfs(t, y), lambda t, y: losses.delta_mse(t, y, 0.2)):
        loss, grad = fn(t, labels)
        h = 1e-6
        for n in range(3):
            tp, tm = t.copy(), t.copy()
            tp[:, n] += h
            tm[:, n] -= h
            fd = (fn(tp, labels)[0] - fn(tm, labels)[0]) / (2 * h)
            fin = np.isfinite(fd)
            assert np.allclose(grad[fin, n], fd[fin], rtol=1e-6, atol=1e-7)
    # a silent correct neuron gives the fixed loss and no gradient
    t[1, labels[1]] = np.inf
    loss, grad = losses.cross_entropy_ttfs(t, labels)
    assert loss[1] == 100.0 and np.all(grad[1] == 0)
    assert losses.delta_mse(t, labels)[0][0] == 100.0     # silent wrong neuron: infinite MSE
    assert list(losses.decode(np.array([[1.0, 0.5, 2.0], [np.inf, np.inf, np.inf]]))) == [1, -1]


def test_quantise_levels_and_delays():
    w = np.linspace(-3, 3, 100001)
    q = network.quantise(w, 2.1, 6)
    levels = np.unique(q)
    assert len(levels) == 2 * 2 ** 6 - 1
    assert np.allclose(np.diff(levels), 1 / 30) and levels.max() == pytest.approx(2.1)
    d, dd = network.effective_delays(np.array([-50.0, 0.0, 50.0]), 2.0, 1.5, repeat=2)
    assert np.allclose(d, [2.0, 2.0, 2.75, 2.75, 3.5, 3.5]) and dd[1] == pytest.approx(1.5 / 4)


# ------------------------------------------------------------------------------------------------
# training
# ------------------------------------------------------------------------------------------------

def _short_run(forward=None, epochs=10, sign=1.0):
    cfg = configs.get("target1", lr=0.01)
    data = {"train": dataset.yin_yang(1000, 42), "test": dataset.yin_yang(500, 40)}
    tr = training.Trainer(cfg, forward=forward, seed=1)
    if sign != 1.0:
        step = tr.opt_w.step
        tr.opt_w.step = lambda params, grads: step(params, [sign * g for g in grads])
    before = tr.evaluate(*data["test"])
    hist = tr.fit(data, epochs=epochs)
    return before, hist, tr


def test_short_training_learns():
    before, hist, _ = _short_run()
    losses_ = [r["train_loss"] for r in hist]
    assert losses_[-1] < 0.75 * losses_[0], losses_
    assert before["acc"] < 0.5
    assert hist[-1]["test_acc"] > 0.7, hist[-1]
    # the same run with the gradient sign flipped does not learn
    _, hist_wrong, _ = _short_run(sign=-1.0)
    assert hist_wrong[-1]["test_acc"] < 0.6, hist_wrong[-1]


def test_pluggable_forward_receives_used_weights_and_delays():
    cfg = configs.get("target3_delays", epochs=1)
    calls = []
    inner = network.SoftwareForward(network.network_spec(cfg), seed=3)

    def forward(weights, input_times, delays=None):
        calls.append((weights, input_times, delays))
        return inner(weights, input_times, delays)

    feats, labels = dataset.yin_yang(80, 42)
    tr = training.Trainer(cfg, forward=forward, seed=0)
    w_before = [w.copy() for w in tr.weights]
    tr.train_batch(tr.input_times(feats), labels)
    weights, x, delays = calls[0]
    assert x.shape == (80, 20) and [w.shape for w in weights] == [(20, 30), (30, 3)]
    step = 2.1 / 63
    for w, w0 in zip(weights, w_before):
        assert np.allclose(w / step, np.round(w / step)) and np.abs(w).max() <= 2.1 + 1e-12
        assert np.allclose(w, network.quantise(w0, 2.1, 6))
    assert [d.shape for d in delays] == [(20,), (30,)]
    assert np.all((delays[0] >= 2.0) & (delays[0] <= 3.5)) and np.all(delays[0][:5] == delays[0][0])
    # the step (gradient or bump) changed the shadow weights
    assert any(not np.array_equal(a, b) for a, b in zip(tr.weights, w_before))


# ------------------------------------------------------------------------------------------------
# baselines
# ------------------------------------------------------------------------------------------------

def test_shallow_baseline():
    data = dataset.splits()
    acc = baselines.shallow(data["train"], data["test"], epochs=20)
    assert 0.55 <= acc <= 0.70


def test_backward_uses_the_times_the_forward_returns():
    """In-the-loop training: the gradient step follows the returned (measured) times."""
    cfg = configs.get("target1", max_missing=[1.0, 1.0], max_dw=None)
    noisy = network.SoftwareForward(dict(network.network_spec(cfg), threshold_noise_fp=(0.05, 0.1)), seed=2)
    returned = []

    def forward(weights, input_times):
        returned.append(noisy(weights, input_times))
        return returned[-1]

    feats, labels = dataset.yin_yang(150, 42)
    tr = training.Trainer(cfg, forward=forward, seed=0)
    x = tr.input_times(feats)
    w0 = [w.copy() for w in tr.weights]
    used = []
    tr.opt_w.step = lambda params, grads: used.append(grads)
    tr.train_batch(x, labels)

    def backward(outputs):
        _, grad = tr.loss_fn(outputs[-1], labels)
        return network.network_backward(tr.spec, w0, x, outputs, grad / len(labels))[0]

    ideal = network.SoftwareForward(tr.spec, noise=False)(w0, x)
    for g, g_returned, g_ideal in zip(used[0], backward(returned[0]), backward(ideal)):
        assert np.array_equal(g, g_returned)
        assert not np.allclose(g, g_ideal)
