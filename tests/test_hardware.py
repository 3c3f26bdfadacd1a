"""The hardware target: chip description, compiler passes, emulator exactness,
the PyNEST path (``target``), in-the-loop batches and the errors."""
import dataclasses

import numpy as np
import pytest

import pynestlite as nest
from pynestlite import hardware
from pynestlite.errors import BadProperty, HardwareResourceError, HardwareUnsupportedError
from pynestlite.hardware import BRAINSCALES2, Chip
from pynestlite.hardware.emulator import first_crossing, monotone_crossing
from pynestlite.hardware.program import _JITTER

import networks

IDEAL = BRAINSCALES2.ideal()
TAU = 6.0           # ms model = 6 µs on the chip


def lambertw0(z):
    """Principal branch of Lambert W (Halley), z >= -1/e."""
    w = np.log1p(z) if z > -0.25 else -1.0 + np.sqrt(2.0 * (1.0 + np.e * z))
    for _ in range(60):
        ew = np.exp(w)
        f = w * ew - z
        wn = w - f / (ew * (w + 1) - (w + 2) * f / (2 * w + 2))
        if abs(wn - w) < 1e-16 * (1 + abs(wn)):
            return wn
        w = wn
    return w


def ttfs_closed_form(t_in, w, ratio):
    """First spike time (units of tau_s) of a LIF neuron with C_m = 1,
    threshold 1, E_L = 0, tau_m = ratio * tau_s (ratio 1 or 2), by the causal
    prefix search of the closed forms (Göltz et al.)."""
    keep = np.isfinite(t_in)
    t_in, w = t_in[keep], w[keep]
    order = np.argsort(t_in)
    t_in, w = t_in[order], w[order]
    g = 1.0 / ratio
    for k in range(1, len(t_in) + 1):
        tk, wk = t_in[:k], w[:k]
        nxt = t_in[k] if k < len(t_in) else np.inf
        if ratio == 1:
            a1 = np.sum(wk * np.exp(tk))
            b = np.sum(wk * tk * np.exp(tk))
            if a1 <= 0:
                continue
            z = -(g / a1) * np.exp(b / a1)
            if z < -1 / np.e:
                continue
            T = b / a1 - lambertw0(z)
        else:
            a1 = np.sum(wk * np.exp(tk))
            a2 = np.sum(wk * np.exp(tk / 2))
            disc = a2 ** 2 - 4 * a1 * g
            if disc < 0 or a1 <= 0 or a2 + np.sqrt(disc) <= 0:
                continue
            T = 2 * np.log(2 * a1 / (a2 + np.sqrt(disc)))
        if tk[-1] < T <= nxt:
            return T
    return np.inf


#: iaf_psc_exp in TTFS units: C_m = tau (g_L = 1 nS), threshold 1 mV above rest
TTFS_PARAMS = {"tau_m": TAU, "tau_syn_ex": TAU, "tau_syn_in": TAU, "C_m": TAU, "E_L": 0.0,
               "V_th": 1.0, "V_reset": 0.0, "V_m": 0.0, "t_ref": 30.0}


def build_ttfs(n_in, n_out, ratio, weights, delay=0.1, params=None, resolution=0.01):
    """spike_generators -> iaf_psc_exp in the dimensionless TTFS units
    (time unit TAU ms, C_m such that C = g tau_m = 1 in these units)."""
    nest.ResetKernel()
    nest.resolution = resolution
    sg = nest.Create("spike_generator", n_in)
    p = dict(TTFS_PARAMS, tau_m=ratio * TAU)
    if params:
        p.update(params)
    n = nest.Create("iaf_psc_exp", n_out, params=p)
    nest.Connect(sg, n, "all_to_all", syn_spec={"weight": weights.T.copy(), "delay": delay})
    return sg, n


# --------------------------------------------------------------------------
# chip description
def test_chip_description_and_custom_chip():
    c = BRAINSCALES2
    assert (c.neuron_circuits, c.synapse_rows, c.synapse_columns, c.weight_bits) == \
        (512, 256, 256, 6)
    assert c.weight_levels == 63 and c.synapses == 2 * 256 * 256
    assert c.ideal().fp_tau == 0 and c.ideal().t2t_threshold == 0
    small = Chip(name="tiny", neuron_circuits=8, synapse_arrays=2, synapse_rows=4,
                 synapse_columns=4, max_circuits_per_neuron=2)
    assert small.synapses == 32
    with pytest.raises(BadProperty, match="neuron_circuits"):
        Chip(neuron_circuits=100)
    with pytest.raises(BadProperty, match="max_circuits_per_neuron"):
        dataclasses.replace(c, max_circuits_per_neuron=3)


# --------------------------------------------------------------------------
# exactness of the emulator
def test_root_finder_matches_dense_scan():
    """First up-crossing of random exponential polynomials vs a dense scan
    refined by bisection."""
    rng = np.random.default_rng(3)
    checked = 0
    for _ in range(300):
        n = rng.integers(2, 5)
        rates = np.sort(np.concatenate([[0.0], rng.uniform(0.1, 2.0, n - 1)]))
        p0 = rng.normal(0.0, 1, n)
        p0[0] = -p0[1:].sum() - rng.uniform(0.01, 0.3)      # g(0) < 0
        p1 = np.zeros(n)
        if rng.random() < 0.3:
            p1[1] = rng.normal(0, 2)
        f = lambda s: np.sum((p0 + p1 * s) * np.exp(-rates * s))     # noqa: E731
        s = np.linspace(0, 40, 40001)
        vals = np.sum((p0 + p1 * s[:, None]) * np.exp(-rates * s[:, None]), axis=1)
        up = np.flatnonzero((vals[:-1] < 0) & (vals[1:] >= 0))
        got = first_crossing(rates, p0, p1, 40.0)
        if not len(up):
            # tangencies finer than the scan are possible only when the
            # maximum is within rounding of zero
            assert got == np.inf or abs(f(got)) < 1e-9
            continue
        a, b = s[up[0]], s[up[0] + 1]
        for _ in range(80):
            m = 0.5 * (a + b)
            a, b = (m, b) if f(m) < 0 else (a, m)
        assert got == pytest.approx(b, rel=1e-9, abs=1e-9)
        checked += 1
    assert checked > 100


def test_short_horizon_monotone_test_agrees_with_the_root_finder():
    """Between two close arrivals the emulator first tries to show V rising
    throughout (slope at the start plus a lower bound of the curvature); where
    it decides, the crossing (or none) equals the general root finder's."""
    rng = np.random.default_rng(5)
    decided = crossed = 0
    for _ in range(2000):
        rates = np.array([0.0, 1 / 6.0, 1 / rng.uniform(5.0, 7.0), 1 / rng.uniform(5.0, 7.0)])
        ie, ii = rng.uniform(0.0, 3.0), -rng.uniform(0.0, 3.0)
        B = np.array([ie, ii]) / (rates[1] - rates[2:])
        p0 = np.array([-1.0, rng.uniform(-0.5, 1.0) - B.sum(), *B])
        order = np.argsort(rates, kind="stable")            # ascending rates
        rates, p0 = rates[order], p0[order]
        if p0[0] + p0[1:].sum() >= 0.0:
            continue
        S = rng.uniform(0.01, 1.0)
        ok, got = monotone_crossing(rates, p0, np.zeros(4), S)
        if not ok:
            continue
        decided += 1
        want = first_crossing(rates, p0, np.zeros(4), S)
        if want == np.inf:
            assert got == np.inf
        else:
            crossed += 1
            assert got == pytest.approx(want, rel=1e-12, abs=1e-13)
    assert decided > 500 and crossed > 50, (decided, crossed)


@pytest.mark.parametrize("ratio", [1, 2])
def test_emulator_matches_closed_form(ratio):
    """tau_m = tau_s (Lambert W) and tau_m = 2 tau_s (quadratic): emulated
    first spike times equal the closed forms to 1e-9 (ideal chip)."""
    rng = np.random.default_rng(10 + ratio)
    n_in, n_out = 5, 40
    W = rng.normal(1.2, 1.0, (n_in, n_out)) * (1.0 if ratio == 1 else 1.6)
    build_ttfs(n_in, n_out, ratio, W, delay=0.1)
    prog = hardware.compile(IDEAL)
    # the chip's weights: 6-bit levels of the largest magnitude
    Wq = prog.quantized.weight.reshape(n_in, n_out)
    assert np.max(np.abs(Wq - W)) <= prog.quantized.lsb / 2 + 1e-12
    W = Wq
    X = rng.uniform(0.15, 2.0, (20, n_in))
    X[rng.random(X.shape) < 0.1] = np.inf
    out = prog.run_batch(X * TAU)
    d = 0.1 / TAU
    n_spiking = 0
    for b in range(len(X)):
        for j in range(n_out):
            ref = ttfs_closed_form(X[b] + d, W[:, j].copy(), ratio)
            got = out[b, j] / TAU
            if np.isinf(ref):
                assert np.isinf(got)
            else:
                n_spiking += 1
                assert got == pytest.approx(ref, rel=1e-9, abs=1e-9)
    assert n_spiking > 200


def test_emulator_vs_time_stepped_simulation():
    """The same network on the software kernel (iaf_psc_exp, grid spikes):
    the first-spike-time error shrinks in proportion to the resolution."""
    rng = np.random.default_rng(5)
    n_in, n_out = 4, 30
    W = rng.normal(1.5, 0.8, (n_in, n_out))
    lsb = np.max(np.abs(W)) / 63
    W = np.rint(W / lsb) * lsb                # 6-bit levels: the chip's weights exactly
    times = np.round(rng.uniform(0.15, 2.0, n_in) * TAU, 1)
    errs = []
    for h in (0.1, 0.01):
        sg, n = build_ttfs(n_in, n_out, 1, W, delay=0.1, resolution=h)
        exact = hardware.compile(IDEAL).run_batch(times[None, :])[0]
        sg.set([{"spike_times": [t]} for t in times])
        sr = nest.Create("spike_recorder")
        nest.Connect(n, sr)
        nest.Simulate(60.0)
        ev = sr.get("events")
        first = np.full(n_out, np.inf)
        np.minimum.at(first, ev["senders"] - n_in - 1, ev["times"])
        fin = np.isfinite(exact)
        assert np.array_equal(fin, np.isfinite(first))
        errs.append(np.max(np.abs(first[fin] - exact[fin])))
    # grid spikes: the input acts from the step after its arrival and the
    # threshold is checked at step ends, so |error| <= 2 h
    assert errs[0] <= 0.2 + 1e-9 and errs[1] <= 0.02 + 1e-9
    assert errs[1] < errs[0] / 5


# --------------------------------------------------------------------------
# compiler passes
def _mnist_like(n_in=256, n_hidden=246, n_out=10):
    nest.ResetKernel()
    sg = nest.Create("spike_generator", n_in)
    p = {"tau_m": TAU, "tau_syn_ex": TAU, "tau_syn_in": TAU, "C_m": TAU, "E_L": 0.0,
         "V_th": 1.0, "V_reset": 0.0, "t_ref": 30.0}
    h = nest.Create("iaf_psc_exp", n_hidden, params=p)
    o = nest.Create("iaf_psc_exp", n_out, params=p)
    nest.Connect(sg, h, syn_spec={"weight": nest.random.normal(0.1, 0.3), "delay": 0.1})
    nest.Connect(h, o, syn_spec={"weight": nest.random.normal(0.1, 0.3), "delay": 0.1})
    return sg, h, o


def test_thesis_configuration_fits_exactly():
    _mnist_like()
    prog = hardware.compile()
    r = prog.report
    assert r["circuits_per_neuron"] == 2
    assert (r["neuron_circuits_used"], r["neuron_circuits_available"]) == (512, 512)
    assert (r["synapse_rows_used"], r["synapse_rows_available"]) == (512, 512)
    assert r["synapses_used"] == 2 * (256 * 246 + 246 * 10)
    assert r["hardware_time_per_run_s"] == pytest.approx(48e-6)
    assert 1.0 / r["hardware_time_per_run_s"] == pytest.approx(20833, rel=1e-3)
    assert r["energy_per_run_J"] == pytest.approx(8.4e-6)
    assert 0 < r["weight_rmse"] <= r["weight_lsb"] / np.sqrt(12) * 1.2
    text = str(r)
    assert "neuron circuits" in text and "512" in text and "µJ" in text


def test_one_more_input_or_neuron_does_not_fit():
    _mnist_like(n_in=257)
    with pytest.raises(HardwareResourceError,
                       match=r"fan-in: neuron \d+ of iaf_psc_exp \(nodes 258-503\) has 257 "
                             r"inputs and needs 514 synapse rows.*512"):
        hardware.compile()
    _mnist_like(n_hidden=247)
    with pytest.raises(HardwareResourceError,
                       match=r"neuron circuits: 257 neurons x 2 circuits each = 514 asked, "
                             r"512 exist"):
        hardware.compile()


def test_place_merges_circuits_only_when_fan_in_needs_it():
    _mnist_like(n_in=100, n_hidden=120, n_out=300)
    net = hardware.read_network(nest.engine.kernel)
    pl = hardware.place(net, BRAINSCALES2)             # <= 240 rows: one circuit each
    assert pl.circuits_per_neuron == 1 and pl.circuits_used == 420
    assert len(np.unique(pl.circuits)) == 420
    with pytest.raises(HardwareResourceError, match="neuron circuits: 420 neurons x 2"):
        hardware.place(net, BRAINSCALES2, circuits_per_neuron=2)


def test_route_shares_rows_between_disjoint_columns():
    _mnist_like(n_in=20, n_hidden=30, n_out=5)
    net = hardware.read_network(nest.engine.kernel)
    pl = hardware.place(net, BRAINSCALES2, signed=True)
    rt = hardware.route(net, pl, BRAINSCALES2, signed=True)
    # inputs need 40 rows (exc + inh) for the hidden columns; the 30 hidden
    # sources reach only the output columns and share those rows
    assert rt.rows_used == 60
    assert rt.synapses_used == 2 * (20 * 30 + 30 * 5)
    assert np.all(rt.row >= 0)
    # no (row, column) cell serves two connections
    tidx = np.searchsorted(net.neuron_gids, net.target)
    cells = np.concatenate([rt.row[:, 0] * 1000 + pl.column[tidx],
                            rt.row[:, 1] * 1000 + pl.column[tidx]])
    assert len(np.unique(cells)) == len(cells)
    # one sign per row
    for s in (0, 1):
        assert np.all(rt.row_sign[0][rt.row[:, s]] == s)
    rt1 = hardware.route(net, hardware.place(net, BRAINSCALES2, signed=False), BRAINSCALES2,
                         signed=False)
    assert rt1.synapses_used == 20 * 30 + 30 * 5


def test_quantize_levels_error_and_clipping():
    w = np.array([0.0, 0.1, -0.25, 0.63, -0.63, 0.3149])
    q = hardware.quantize(w, BRAINSCALES2)
    assert q.lsb == pytest.approx(0.01)
    assert list(q.level) == [0, 10, 25, 63, 63, 31]
    assert list(q.sign) == [1, 1, -1, 1, -1, 1]
    assert q.rmse == pytest.approx(np.sqrt(np.mean((q.weight - w) ** 2)))
    assert q.max_error <= q.lsb / 2 + 1e-15
    q2 = hardware.quantize(w, BRAINSCALES2, weight_range=0.315)
    assert q2.clipped == 2 and q2.level.max() == 63


def test_validate_errors_name_what_is_wrong():
    def net(model="iaf_psc_exp", params=None):
        nest.ResetKernel()
        sg = nest.Create("spike_generator", params={"spike_times": [1.0]})
        n = nest.Create(model, 2, params=params or {})
        nest.Connect(sg, n, syn_spec={"weight": 100.0})
        return sg, n

    net("iaf_psc_alpha")
    with pytest.raises(HardwareUnsupportedError, match=r"iaf_psc_alpha \(nodes 2-3\)"):
        hardware.compile()
    sg, n = net()
    nest.Connect(n[0], n[1], syn_spec={"synapse_model": "stdp_synapse", "weight": 10.0})
    with pytest.raises(HardwareUnsupportedError, match="synapse model 'stdp_synapse'"):
        hardware.compile()
    sg, n = net()
    nest.Connect(n[0], n[1], syn_spec={"weight": 10.0, "delay": 2.0})
    with pytest.raises(HardwareUnsupportedError,
                       match=r"node 2 .* delay 2 ms \(latency 1 ms\): a hold of 1 ms .* hold 8–35 µs"):
        hardware.compile()
    sg, n = net()
    nest.Connect(n[0], n[1], syn_spec={"weight": 10.0, "delay": 20.0})
    nest.Connect(n[0], n[0], syn_spec={"weight": 10.0, "delay": 25.0})
    with pytest.raises(HardwareUnsupportedError, match=r"node 2 .* delays 20–25 ms.* one delay"):
        hardware.compile()
    sg, n = net()
    dc = nest.Create("dc_generator")
    nest.Connect(dc, n)
    with pytest.raises(HardwareUnsupportedError, match=r"dc_generator \(node 4\)"):
        hardware.compile()
    sg, n = net(params={"tau_m": 100.0})
    with pytest.raises(HardwareUnsupportedError,
                       match=r"tau_m = 100 ms is 100 µs .* range is 0.5–60 µs"):
        hardware.compile()
    sg, n = net()
    vm = nest.Create("voltmeter")
    nest.Connect(vm, n)
    with pytest.raises(HardwareUnsupportedError, match="2 membrane traces asked"):
        hardware.compile()
    sg, n = net()
    mm = nest.Create("multimeter", params={"record_from": ["I_syn_ex"]})
    nest.Connect(mm, n[0])
    with pytest.raises(HardwareUnsupportedError, match="V_m only"):
        hardware.compile()


# --------------------------------------------------------------------------
# the PyNEST path
def _script(seed=None, T=200.0, chunks=1, rate=2000.0):
    """The shared hardware script, simulated in ``chunks`` equal runs."""
    return networks.hardware_script(nest, seed, [T / chunks] * chunks, rate)


def test_pynest_script_runs_on_the_target():
    ev, vm = _script()
    assert len(ev["times"]) > 50
    assert np.all(np.diff(ev["times"]) >= 0)
    assert not np.allclose(ev["times"], np.round(ev["times"], 1))   # continuous times
    rep = nest.GetKernelStatus("hardware_report")
    for key in ("neuron_circuits_used", "neuron_circuits_available", "synapse_rows_used",
                "synapse_rows_available", "synapses_used", "weight_rmse",
                "hardware_time_per_run_s", "energy_per_run_J"):
        assert key in rep
    assert rep["hardware_time_per_run_s"] == pytest.approx(200e-6)
    assert rep["energy_per_run_J"] == pytest.approx(0.175 * 200e-6)
    assert len(vm["times"]) == 200 and np.all(vm["senders"] == 6)   # as the software kernel
    assert np.all(vm["V_m"] <= -55.0 + 3 * 0.03 * 15)
    # the chip instance: same seed same spikes, another seed other spikes
    ev2, _ = _script()
    assert np.array_equal(ev["times"], ev2["times"])
    ev3, _ = _script(seed=7)
    assert not np.array_equal(ev["times"], ev3["times"])


def test_target_runs_continue_and_state_is_written_back(monkeypatch):
    monkeypatch.setitem(hardware.TARGETS, "brainscales2", IDEAL)
    # (poisson trains are drawn per run: without them chunks change nothing)
    ev1, vm1 = _script(T=100.0, chunks=1, rate=0.0)
    ev4, vm4 = _script(T=100.0, chunks=4, rate=0.0)
    assert len(ev1["times"]) > 50
    assert np.allclose(ev1["times"], ev4["times"], rtol=0, atol=1e-9)
    assert np.array_equal(ev1["senders"], ev4["senders"])
    assert np.allclose(vm1["V_m"], vm4["V_m"], atol=1e-9)
    v = nest.NodeCollection([6]).get("V_m")          # the traced neuron, at t = 100 ms
    assert v == pytest.approx(vm4["V_m"][-1], abs=1e-9)


def test_target_ideal_chip_equals_fine_software_simulation(monkeypatch):
    """A deterministic network on the ideal chip vs the software kernel at
    h = 0.001 ms: the same spikes to within the grid."""
    def run(target, h):
        nest.ResetKernel()
        nest.resolution = h
        nest.SetKernelStatus({"target": target})
        sg = nest.Create("spike_generator", params={"spike_times": [2.0, 4.0, 9.0, 11.0]})
        pop = nest.Create("iaf_psc_exp", 5, params={"I_e": [300.0, 380.0, 420.0, 500.0, 0.0]})
        sr = nest.Create("spike_recorder")
        # 504 = 63 x 8 and 296 = 37 x 8: weights the 6-bit synapses hold exactly
        nest.Connect(sg, pop, syn_spec={"weight": 504.0, "delay": 1.0})
        nest.Connect(pop[:4], pop[4], syn_spec={"weight": 296.0, "delay": 1.0})
        nest.Connect(pop, sr)
        nest.Simulate(100.0)
        return sr.get("events")
    monkeypatch.setitem(hardware.TARGETS, "brainscales2", IDEAL)
    hw = run("brainscales2", 0.1)
    sw = run("software", 0.001)
    assert len(hw["times"]) == len(sw["times"]) > 10
    o_hw = np.lexsort((hw["times"], hw["senders"]))
    o_sw = np.lexsort((sw["times"], sw["senders"]))
    assert np.array_equal(hw["senders"][o_hw], sw["senders"][o_sw])
    # grid times are late by < h per spike, and each spike's error shifts
    # the neuron's next ones
    err = np.abs(hw["times"][o_hw] - sw["times"][o_sw])
    first = np.ones(len(err), bool)
    first[1:] = np.diff(hw["senders"][o_hw]) != 0
    assert np.max(err[first]) <= 0.002 and np.max(err) <= 0.006


def test_hardware_latency_key_lets_every_source_be_delayed():
    """All delays long: with the smallest delay as the latency the other
    holds are too short; hardware_latency = 1 ms puts every source through a
    parrot, and the script runs."""
    nest.ResetKernel()
    nest.SetKernelStatus({"target": "brainscales2"})
    sg = nest.Create("spike_generator", 2, params={"spike_times": [[5.0], [6.0]]})
    pop = nest.Create("iaf_psc_exp", 3, params={"t_ref": 2.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(sg[0], pop, syn_spec={"weight": 6000.0, "delay": 12.0})
    nest.Connect(sg[1], pop, syn_spec={"weight": 6000.0, "delay": 18.0})
    nest.Connect(pop, sr)
    with pytest.raises(HardwareUnsupportedError, match=r"latency 12 ms\): a hold of 6 ms"):
        nest.Simulate(50.0)
    nest.SetKernelStatus({"hardware_latency": 1.0})
    assert nest.GetKernelStatus("hardware_latency") == 1.0
    nest.Simulate(50.0)
    rep = nest.GetKernelStatus("hardware_report")
    assert rep["parrot_neurons"] == 2 and rep["latency_ms"] == 1.0
    t = sr.get("events")["times"]
    # arrivals at 5 + 12 and 6 + 18 ms
    assert len(t) == 6 and np.all(((t > 17.0) & (t < 19.0)) | ((t > 24.0) & (t < 26.0)))
    with pytest.raises(BadProperty, match="hardware_latency"):
        nest.SetKernelStatus({"hardware_latency": -1.0})


def test_chip_seed_and_target_keys_are_checked():
    nest.ResetKernel()
    with pytest.raises(BadProperty, match="target must be"):
        nest.SetKernelStatus({"target": "loihi"})
    with pytest.raises(BadProperty, match="chip_seed"):
        nest.SetKernelStatus({"chip_seed": -1})
    nest.SetKernelStatus({"chip_seed": 12})
    assert nest.GetKernelStatus("chip_seed") == 12


# --------------------------------------------------------------------------
# batches and weights between batches
def test_run_batch_and_set_weights():
    rng = np.random.default_rng(1)
    W = rng.normal(1.5, 0.5, (3, 8))
    sg, n = build_ttfs(3, 8, 1, W)
    prog = hardware.compile()
    X = np.array([[0.2, 0.5, 1.0], [1.0, np.inf, 0.3]]) * TAU
    a = prog.run_batch(X)
    assert a.shape == (2, 8)
    b = prog.run_batch(X)
    assert not np.array_equal(a, b)               # trial-to-trial noise per batch
    assert np.nanmax(np.abs(a - b)[np.isfinite(a) & np.isfinite(b)]) < 1.0
    prog.set_weights(sg, n, np.zeros((3, 8)))
    assert np.all(np.isinf(prog.run_batch(X)))
    prog.set_weights(sg, n, -W)                   # sign change: two rows per connection
    assert np.all(np.isinf(prog.run_batch(X)))
    prog.set_weights(sg, n, W * 2)
    assert prog.report["weights_clipped"] > 0
    with pytest.raises(BadProperty, match=r"must be \[3, 8\]"):
        prog.set_weights(sg, n, W[:2])
    with pytest.raises(BadProperty, match=r"no connection 4 -> 5"):
        prog.set_weights(n[:1], n[1:2], np.ones((1, 1)))
    with pytest.raises(BadProperty, match=r"must be \[batch, 3\]"):
        prog.run_batch(np.zeros((2, 4)))
    with pytest.raises(BadProperty, match="np.inf or in"):
        prog.run_batch(-np.ones((1, 3)))


def test_unsigned_program_refuses_a_sign_change():
    W = np.full((2, 3), 2.0)
    sg, n = build_ttfs(2, 3, 1, W)
    prog = hardware.compile(signed=False)
    with pytest.raises(HardwareResourceError, match="changes sign"):
        prog.set_weights(sg, n, -W)


def test_event_queue_and_layered_runs_agree():
    """run_batch's neuron-after-neuron run of a feed-forward network equals
    the general event-queue run (noisy chip, inhibition, several spikes)."""
    rng = np.random.default_rng(4)
    W = rng.normal(0.8, 1.2, (6, 25))
    sg, n = build_ttfs(6, 25, 1, W, params={"t_ref": 1.0})
    h2 = nest.Create("iaf_psc_exp", 4, params={"tau_m": TAU, "tau_syn_ex": TAU,
                                               "tau_syn_in": 3.0, "C_m": TAU, "E_L": 0.0,
                                               "V_th": 1.0, "V_reset": -0.5, "t_ref": 2.0})
    nest.Connect(n, h2, syn_spec={"weight": nest.random.normal(0.3, 0.6), "delay": 0.1})
    st = {}
    n1, t1, n2, t2 = _layered_and_queue_runs(hardware.compile(),
                                             rng.uniform(0.0, 3.0, (50, 6)) * TAU, st)
    # deferred crossings solved both ways: side by side at a block's end, and
    # one by one when an arrival comes after the lower bound of the refractory end
    assert st["deferred"] > st["deferred_lanes"] > 0, st
    # and crossings after a block's last arrival bracketed in the lanes
    assert st["tail_lanes"] > 0, st
    assert len(t1) == len(t2) > 200
    assert np.array_equal(n1, n2)
    d = np.abs(t1 - t2)
    assert d.max() < 1e-9, d.max()
    assert len(np.unique(n1)) > 20 and np.bincount(n1).max() > 1     # repeated spikes


def _layered_and_queue_runs(prog, X, stats=None):
    """The patterns X [batch, inputs] through the layered and the event-queue
    runs of an acyclic program: (neuron, time) of each, in one order; the
    layered run's counts of deferred and tail-bracketed crossings into the
    dict ``stats``."""
    em = prog.emulator
    assert em.acyclic
    P = prog.sample_period
    b, i = np.nonzero(np.isfinite(X))
    t = b * P + X[b, i] + prog.delay
    order = np.lexsort((i, t))
    args = (np.ascontiguousarray(t[order]), np.ascontiguousarray(i[order]))
    em.reset(0.0)
    n1, t1 = em.run_layered(*args, len(X), P)
    if stats is not None:
        stats.update(deferred=em.deferred, deferred_lanes=em.deferred_lanes,
                     tail_lanes=em.tail_lanes)
    em.reset(0.0)
    n2, t2, _ = em.run(*args, len(X) * P, period=P)
    o1, o2 = np.lexsort((n1, t1)), np.lexsort((n2, t2))
    return n1[o1], t1[o1], n2[o2], t2[o2]


def test_rows_run_out_on_a_small_custom_chip():
    """Fan-in fits but the sources overlap in columns: three exc rows and
    three inh rows are needed where the array has four."""
    tiny = Chip(name="tiny", neuron_circuits=8, synapse_arrays=2, synapse_rows=4,
                synapse_columns=4, max_circuits_per_neuron=1)
    nest.ResetKernel()
    s = nest.Create("spike_generator", 3)
    n = nest.Create("iaf_psc_exp", 3)
    for pre, post in ((0, 0), (1, 0), (1, 1), (2, 1), (0, 2), (2, 2)):
        nest.Connect(s[pre], n[post], syn_spec={"weight": 100.0})
    with pytest.raises(HardwareResourceError,
                       match=r"synapse rows: group of arrays 0–0 has 4 rows, all taken when "
                             r"routing inhibitory input from node \d"):
        hardware.compile(tiny)
    prog = hardware.compile(tiny, signed=False)       # one row per connection fits
    assert prog.report["synapse_rows_used"] == 3
    assert prog.report["neuron_circuits_available"] == 8


# --------------------------------------------------------------------------
# axonal delays through parrot neurons
def _delayed_pair(hold):
    """Two spike_generators onto one neuron; the second through a parrot."""
    nest.ResetKernel()
    nest.resolution = 0.01
    sg = nest.Create("spike_generator", 2)
    p = TTFS_PARAMS
    n = nest.Create("iaf_psc_exp", 1, params=p)
    nest.Connect(sg[0], n, syn_spec={"weight": 2.0, "delay": 0.01})
    nest.Connect(sg[1], n, syn_spec={"weight": 3.0, "delay": 0.01 + hold})
    return sg, n


def test_axonal_delays_go_through_parrots():
    """A delayed source costs one parrot circuit; its spikes arrive the
    latency plus the parrot's hold (on its 8-bit grid) later, exactly."""
    sg, n = _delayed_pair(15.0)
    prog = hardware.compile(IDEAL)
    rep = prog.report
    assert rep["parrot_neurons"] == 1 and rep["neuron_circuits_used"] == 2
    assert rep["latency_ms"] == pytest.approx(0.01)
    step = (35e-6 - 8e-6) / 255 * 1e6                 # µs = model ms at 10^3
    hold = 8.0 + np.rint((15.0 - 8.0) / step) * step
    assert rep["delay_max_error_ms"] == pytest.approx(abs(hold - 15.0), abs=1e-12)
    assert rep["delay_max_error_ms"] <= step / 2
    # the same neuron with the arrival shifted by hand, without a parrot
    X = np.array([[np.inf, 1.0], [3.0, 0.5]])      # the parrot's input alone; both
    out = prog.run_batch(X)
    assert rep["sample_period_ms"] > 48.0 + 35.0 - 1e-9   # waits for the parrot hold
    nest.ResetKernel()
    nest.resolution = 0.01
    sg = nest.Create("spike_generator", 2)
    n = nest.Create("iaf_psc_exp", 1, params=TTFS_PARAMS)
    nest.Connect(sg, n, syn_spec={"weight": np.array([[2.0, 3.0]]), "delay": 0.01})
    ref = hardware.compile(IDEAL)
    ref.sample_period = prog.sample_period
    out_ref = ref.run_batch(X + np.array([0.0, hold]))
    assert np.all(np.isfinite(out)) and out[1, 0] > hold + 0.5
    np.testing.assert_allclose(out, out_ref, rtol=0, atol=1e-12)


def test_parrot_inputs_take_synapse_rows():
    """A parrot neuron takes its source's spikes through a synapse of its own:
    a row in the parrot's array, counted in the report; when the rows of that
    array are taken, a clear error names the parrot's source."""
    def build(n_delayed):
        nest.ResetKernel()
        nest.resolution = 0.01
        sg = nest.Create("spike_generator", n_delayed)
        n = nest.Create("iaf_psc_exp", 2, params=TTFS_PARAMS)
        for i in range(n_delayed):
            nest.Connect(sg[i], n[0 if i < 4 else 1], syn_spec={"weight": 1.0, "delay": 15.0})
        return sg
    tiny = Chip(name="tiny", neuron_circuits=8, synapse_arrays=2, synapse_rows=5,
                synapse_columns=4, max_circuits_per_neuron=1, label_bits=0)
    build(4)
    rep = hardware.compile(tiny, signed=False, latency=0.01).report
    # four rows in array 0 (one source each), four parrots in array 1 with a row each
    assert rep["parrot_neurons"] == 4
    assert rep["synapse_rows_used"] == 8 and rep["synapses_used"] == 8
    sg = build(5)
    with pytest.raises(HardwareResourceError,
                       match=rf"array 0 has 5 rows, all taken when routing the input of the "
                             rf"parrot neuron \(axonal delay\) of node {sg[4].global_id}"):
        hardware.compile(tiny, signed=False, latency=0.01)
    # with labels the parrots' inputs share rows with the sources' own rows
    shared = dataclasses.replace(tiny, label_bits=2)
    rep = hardware.compile(shared, signed=False, latency=0.01).report
    assert rep["parrot_neurons"] == 5 and rep["synapses_used"] == 10
    assert rep["synapse_rows_used"] < 10


def test_parrot_jitter_and_busy_parrot():
    """Jitter: one Gaussian draw per repeated spike with the chip's spread;
    a parrot still holding a spike loses the next one."""
    chip = BRAINSCALES2
    _delayed_pair(20.0)
    prog = hardware.compile(chip)
    em = prog.emulator
    em.start_run(7, _JITTER, 0)
    t = np.arange(4000) * 40.0                       # 40 ms apart: the parrot is free again
    ta, s = em.input_arrivals(t, np.ones(4000, np.int64))
    assert len(ta) == 4000
    dev = ta - t - prog.delays.latency - chip.hw_to_ms(prog.delays.hold_hw[0])
    sd = chip.hw_to_ms(chip.parrot_jitter)
    assert abs(dev.mean()) < 4 * sd / np.sqrt(4000)
    assert dev.std() == pytest.approx(sd, rel=0.05)
    em.start_run(7, _JITTER, 0)
    ta2, _ = em.input_arrivals(t, np.ones(4000, np.int64))
    np.testing.assert_array_equal(ta, ta2)           # same run, same draws
    em.start_run(7, _JITTER, 1)
    assert not np.array_equal(em.input_arrivals(t, np.ones(4000, np.int64))[0], ta)
    em.start_run(7, _JITTER, 0)
    ta3, s3 = em.input_arrivals(np.array([1.0, 5.0, 30.0]), np.array([1, 1, 1]))
    assert len(ta3) == 2 and ta3[1] - 30.0 == pytest.approx(20.01, abs=0.3)
    with pytest.raises(ValueError, match="source 2 is not an input"):
        em.input_arrivals(np.array([1.0, 2.0]), np.array([0, 2]))
    ta4, _ = em.input_arrivals(np.array([5.0, 1.0]), np.array([0, 0]))   # direct, any order
    np.testing.assert_allclose(ta4, [1.01, 5.01])


def test_set_delays_between_batches():
    sg, n = _delayed_pair(15.0)
    prog = hardware.compile(IDEAL)
    X = np.array([[np.inf, 1.0]])
    t15 = prog.run_batch(X)[0, 0]
    prog.set_delays(sg[1], [0.01 + 20.0])
    t20 = prog.run_batch(X)[0, 0]
    grid = (35e-6 - 8e-6) / 255 * 1e6
    assert abs((t20 - t15) - 5.0) <= grid
    with pytest.raises(HardwareUnsupportedError, match="hold of 49.99 ms"):
        prog.set_delays(sg[1], [50.0])
    with pytest.raises(HardwareUnsupportedError, match="hold of nan ms"):
        prog.set_delays(sg[1], [np.nan])
    with pytest.raises(BadProperty, match="node 1 sends without a parrot"):
        prog.set_delays(sg[0], [20.0])
    assert prog.run_batch(X)[0, 0] == t20            # a refused change leaves the delays


def test_delayed_layers_agree_between_event_queue_and_layered_runs():
    """Parrots (with jitter) on inputs and hidden neurons: the layered run
    equals the event-queue run spike for spike."""
    rng = np.random.default_rng(5)
    nest.ResetKernel()
    nest.resolution = 0.01
    sg = nest.Create("spike_generator", 4)
    p = TTFS_PARAMS
    h = nest.Create("iaf_psc_exp", 12, params=p)
    o = nest.Create("iaf_psc_exp", 3, params=p)
    for i in range(4):
        nest.Connect(sg[i], h, syn_spec={"weight": rng.normal(1.2, 0.6, (12, 1)),
                                         "delay": 0.01 + rng.uniform(12, 21)})
    for j in range(12):
        nest.Connect(h[j], o, syn_spec={"weight": rng.normal(0.6, 0.6, (3, 1)),
                                        "delay": 0.01 + rng.uniform(12, 21)})
    with pytest.raises(HardwareUnsupportedError, match="latency"):
        hardware.compile()                  # the smallest delay as the latency: holds too short
    prog = hardware.compile(latency=0.01)
    assert prog.report["parrot_neurons"] == 16
    em = prog.emulator
    assert em.acyclic and em.depth == 2
    X = rng.uniform(0.0, 2.0, (60, 4)) * TAU
    P = prog.sample_period
    b, i = np.nonzero(np.isfinite(X))
    t = b * P + X[b, i]
    order = np.lexsort((i, t))
    raw = (np.ascontiguousarray(t[order]), np.ascontiguousarray(i[order]))
    em.reset(0.0)
    em.start_run(3, _JITTER, 0)
    n1, t1 = em.run_layered(*em.input_arrivals(*raw), len(X), P)
    em.reset(0.0)
    em.start_run(3, _JITTER, 0)
    n2, t2, _ = em.run(*em.input_arrivals(*raw), len(X) * P, period=P)
    o1, o2 = np.lexsort((n1, t1)), np.lexsort((n2, t2))
    assert len(t1) == len(t2) > 300
    assert np.array_equal(n1[o1], n2[o2])
    assert np.abs(t1[o1] - t2[o2]).max() < 1e-9
    assert np.any(n1 >= 12)                                   # outputs spike after two holds
    assert t1[n1 >= 12].min() % P > 24.0


ADEX = {"C_m": 200.0, "g_L": 10.0, "E_L": -70.0, "V_th": -50.0, "Delta_T": 2.0,
        "V_peak": -30.0, "V_reset": -58.0, "t_ref": 2.0, "a": 2.0, "b": 60.0, "tau_w": 100.0,
        "tau_syn_ex": 2.0, "tau_syn_in": 5.0}


def _adex_net(target, h, tol=1e-6):
    nest.ResetKernel()
    nest.resolution = h
    nest.SetKernelStatus({"target": target})
    sg = nest.Create("spike_generator", params={"spike_times": [2.0, 4.0, 9.0, 11.0, 60.0]})
    pop = nest.Create("aeif_psc_exp", 4, params=dict(ADEX, gsl_error_tol=tol,
                                                      I_e=[0.0, 260.0, 320.0, 400.0]))
    lif = nest.Create("iaf_psc_exp", params={"I_e": 300.0})
    sr = nest.Create("spike_recorder")
    # 504 = 63 x 8 and -296 = -37 x 8: weights the 6-bit synapses hold exactly
    nest.Connect(sg, pop + lif, syn_spec={"weight": 504.0, "delay": 1.0})
    nest.Connect(pop[1:], pop[0], syn_spec={"weight": 504.0, "delay": 1.0})
    nest.Connect(lif, pop[3], syn_spec={"weight": -296.0, "delay": 1.0})
    nest.Connect(pop + lif, sr)
    return pop, sr


def test_adex_on_the_ideal_chip_equals_fine_software_simulation(monkeypatch):
    """aeif_psc_exp circuits (exponential term and adaptation on) beside a
    LIF one: the ideal chip vs the software kernel's aeif_psc_exp at
    h = 0.001 ms (tolerance 1e-9): the same spikes to within the grid, and
    the adaptation current w written back."""
    monkeypatch.setitem(hardware.TARGETS, "brainscales2", IDEAL)
    out = {}
    for target, h, tol in (("brainscales2", 0.1, 1e-6), ("software", 0.001, 1e-9)):
        pop, sr = _adex_net(target, h, tol)
        nest.Simulate(150.0)
        out[target] = (sr.get("events"), np.array(pop.get("w")))
    (hw, w_hw), (sw, w_sw) = out["brainscales2"], out["software"]
    assert len(hw["times"]) == len(sw["times"]) > 10
    for g in np.unique(sw["senders"]):
        a = np.sort(hw["times"][hw["senders"] == g])
        b = np.sort(sw["times"][sw["senders"] == g])
        assert len(a) == len(b), g
        # grid detection is late by < h; the adaptation carries it on
        assert np.max(np.abs(a - b)) < 0.01, (g, a - b)
    assert np.all(w_hw > 1.0)                         # adapted
    assert np.allclose(w_hw, w_sw, rtol=2e-3)


def test_adex_event_queue_and_layered_runs_agree():
    """A feed-forward AdEx layer: run_batch's layered run (AdEx lanes take the
    scalar path) equals the event-queue run."""
    nest.ResetKernel()
    rng = np.random.default_rng(7)
    sg = nest.Create("spike_generator", 5)
    h = nest.Create("aeif_psc_exp", 6, params=dict(ADEX, I_e=100.0))
    o = nest.Create("iaf_psc_exp", 2, params={"tau_m": 10.0, "t_ref": 2.0})
    nest.Connect(sg, h, syn_spec={"weight": nest.random.uniform(200.0, 700.0)})
    nest.Connect(h, o, syn_spec={"weight": nest.random.uniform(-300.0, 2500.0)})
    n1, t1, n2, t2 = _layered_and_queue_runs(hardware.compile(),
                                             rng.uniform(0.0, 20.0, (30, 5)))
    assert len(t1) == len(t2) > 60
    assert np.array_equal(n1, n2)
    assert np.abs(t1 - t2).max() < 1e-6
    assert np.any(n1 < 6) and np.any(n1 >= 6)


def test_adex_parameters_are_checked():
    nest.ResetKernel()
    nest.Create("aeif_psc_exp", params=dict(ADEX, tau_w=900.0))
    with pytest.raises(HardwareUnsupportedError, match="tau_w = 900 ms"):
        hardware.compile()
    nest.ResetKernel()
    nest.Create("aeif_psc_exp", params=dict(ADEX, t_ref=0.0))
    with pytest.raises(HardwareUnsupportedError, match="t_ref"):
        hardware.compile()
