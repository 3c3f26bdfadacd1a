"""Precise spike times: the models with off-grid spikes against closed forms,
their independence of the resolution, the devices, and the checks.

(Spike for spike and V_m bit for bit against NEST 3.10: the scenario
``precise_network`` in test_models_vs_nest.py; across ranks:
tests/mpi/test_rank_independence.py.)
"""
import math

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import BadProperty, UnaccessedDictionaryEntry


def _run(model, params, t_sim, h=0.1, inputs=(), delay=1.0, weight=None):
    nest.ResetKernel()
    nest.resolution = h
    n = nest.Create(model, 1, params)
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    if inputs:
        sg = nest.Create("spike_generator", params={"precise_times": True,
                                                    "spike_times": list(inputs)})
        nest.Connect(sg, n, syn_spec={"weight": weight, "delay": delay})
    nest.Simulate(t_sim)
    return np.asarray(sr.get("events")["times"]), n


@pytest.mark.parametrize("h", [0.1, 0.025, 0.25])
def test_delta_ps_dc_spike_time_is_closed_form(h):
    # V from E_L under I_e: V(t) = R I (1 - exp(-t/tau)); first crossing of
    # V_th - E_L = 15 mV at t* = -tau ln(1 - 15 / (R I)); then every t* + t_ref
    t, _ = _run("iaf_psc_delta_ps", {"I_e": 400.0, "tau_m": 10.0, "C_m": 250.0}, 100.0, h=h)
    R_I = 10.0 / 250.0 * 400.0
    t_star = -10.0 * math.log(1.0 - 15.0 / R_I)
    expected = t_star + np.arange(len(t)) * (t_star + 2.0)
    assert len(t) == int(100.0 // (t_star + 2.0)) + (100.0 % (t_star + 2.0) >= t_star)
    np.testing.assert_allclose(t, expected, rtol=0, atol=1e-11)


@pytest.mark.parametrize("model", ["iaf_psc_exp_ps", "iaf_psc_exp_ps_lossless",
                                   "iaf_psc_alpha_ps"])
def test_spike_times_do_not_depend_on_the_resolution(model):
    # precise input at off-grid times and DC drive: the output spike times
    # are those of the continuous system, whatever the step
    inputs = [1.234, 5.0101, 5.0313, 12.777, 20.4444, 20.45, 33.3]
    runs = [_run(model, {"I_e": 380.0, "tau_syn_ex": 1.5, "tau_syn_in": 1.5}, 60.0, h=h,
                 inputs=inputs, weight=600.0)[0] for h in (0.1, 0.02, 0.25)]
    assert len(runs[0]) >= 3
    for other in runs[1:]:
        assert len(other) == len(runs[0])
        np.testing.assert_allclose(other, runs[0], rtol=0, atol=1e-9)


def test_exp_ps_psp_is_the_closed_form():
    # one input of w pA at t0: V - E_L = w tau_s tau_m / (C (tau_m - tau_s))
    # (exp(-t/tau_m) - exp(-t/tau_s)) after the arrival t0 + d
    nest.ResetKernel()
    nest.resolution = 0.1
    n = nest.Create("iaf_psc_exp_ps", 1, {"tau_syn_ex": 2.0, "tau_m": 10.0, "C_m": 250.0})
    sg = nest.Create("spike_generator", params={"precise_times": True, "spike_times": [3.037]})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    nest.Connect(sg, n, syn_spec={"weight": 100.0, "delay": 1.0})
    nest.Connect(mm, n)
    nest.Simulate(30.0)
    ev = mm.get("events")
    t = ev["times"] - 4.037
    after = t > 0
    v = 100.0 * 2.0 * 10.0 / (250.0 * 8.0) * (np.exp(-t[after] / 10.0) - np.exp(-t[after] / 2.0))
    np.testing.assert_allclose(ev["V_m"][after] + 70.0, v, rtol=1e-10, atol=1e-13)
    assert np.all(ev["V_m"][~after] == -70.0)


def test_lossless_finds_the_crossing_iaf_psc_exp_ps_misses():
    # a large step h: V goes above threshold and back within the step;
    # only the state-space test sees it
    p = {"E_L": 0.0, "V_th": 15.0, "V_reset": 0.0, "V_m": 13.0, "I_syn_ex": 5000.0,
         "I_e": -2000.0, "tau_syn_ex": 2.0, "tau_syn_in": 2.0}
    t_exp, _ = _run("iaf_psc_exp_ps", p, 5.0, h=5.0)
    t_ll, _ = _run("iaf_psc_exp_ps_lossless", p, 5.0, h=5.0)
    assert len(t_exp) == 0
    assert len(t_ll) == 1 and 0.0 < t_ll[0] < 1.0


def test_parrot_ps_keeps_offsets_multiplicity_and_window():
    nest.ResetKernel()
    nest.resolution = 0.1
    sg = nest.Create("spike_generator", params={
        "precise_times": True, "start": 1.0, "stop": 5.0,
        "spike_times": [0.95, 1.0, 1.0001, 1.05, 1.07, 3.0, 5.0, 5.05],
        "spike_multiplicities": [1, 1, 1, 2, 1, 1, 1, 1]})
    par = nest.Create("parrot_neuron_ps")
    sr = nest.Create("spike_recorder")
    sr_steps = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(sg, par, syn_spec={"delay": 2.0})
    nest.Connect(par, sr)
    nest.Connect(par, sr_steps)
    nest.Simulate(10.0)
    t = np.sort(sr.get("events")["times"])
    # window (origin + start, origin + stop] in precise time
    expected = np.array([1.0001, 1.05, 1.05, 1.07, 3.0, 5.0]) + 2.0
    np.testing.assert_allclose(t, expected, rtol=0, atol=1e-12)
    ev = sr_steps.get("events")
    np.testing.assert_allclose(ev["times"] * 0.1 - ev["offsets"], t, atol=1e-12)
    assert np.all((ev["offsets"] >= 0) & (ev["offsets"] < 0.1))


def test_grid_neurons_take_precise_spikes_at_the_grid_point():
    # a spike at 1.03 ms (stamp 11) reaches an iaf_psc_delta as one at 1.1 ms
    out = []
    for times in ([1.03], [1.1]):
        nest.ResetKernel()
        n = nest.Create("iaf_psc_delta")
        sg = nest.Create("spike_generator",
                         params={"precise_times": times == [1.03], "spike_times": times})
        mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
        nest.Connect(sg, n, syn_spec={"weight": 2.0, "delay": 1.0})
        nest.Connect(mm, n)
        nest.Simulate(5.0)
        out.append(mm.get("events")["V_m"])
    np.testing.assert_array_equal(out[0], out[1])


def _poisson_ps_parrots(*runs):
    """poisson_generator_ps (2000 Hz, dead time 0.3 ms, start 10 ms) into 4
    parrot_neuron_ps; the parrots' spikes after Simulate(t) for t in runs."""
    nest.ResetKernel()
    nest.rng_seed = 5
    pg = nest.Create("poisson_generator_ps", params={"rate": 2000.0, "dead_time": 0.3,
                                                     "start": 10.0})
    par = nest.Create("parrot_neuron_ps", 4)
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, par, syn_spec={"delay": 1.0})
    nest.Connect(par, sr)
    for t in runs:
        nest.Simulate(t)
    return par, sr.get("events")


def test_poisson_generator_ps_rate_dead_time_and_independence():
    par, ev = _poisson_ps_parrots(2011.0)
    trains = [np.sort(ev["times"][ev["senders"] == g]) - 1.0 for g in par.tolist()]
    for t in trains:
        assert t.min() > 10.0
        isi = np.diff(t)
        assert isi.min() >= 0.3 - 1e-12
        # 4000 spikes expected; Poisson-like count with dead time (smaller variance)
        assert abs(len(t) - 4000) < 4 * math.sqrt(4000)
        # the part above the dead time is exponential with mean 0.2 ms
        excess = isi - 0.3
        assert abs(excess.mean() - 0.2) < 4 * 0.2 / math.sqrt(len(excess))
    assert len(set(len(t) for t in trains)) > 1     # independent trains
    # same seed, same trains, also over two Simulate calls
    _, again = _poisson_ps_parrots(1000.0, 1011.0)
    np.testing.assert_array_equal(np.sort(again["times"]), np.sort(ev["times"]))


def test_refractoriness_is_t_ref_rounded_up_to_steps():
    # ISI of a strongly driven neuron = t_ref (rounded up to whole steps) + rise time
    isis = {}
    for t_ref in (2.0, 2.01, 2.1):
        t, _ = _run("iaf_psc_exp_ps", {"I_e": 1e5, "t_ref": t_ref}, 20.0)
        isis[t_ref] = np.diff(t)
    assert np.allclose(isis[2.01], isis[2.1], atol=1e-12)
    assert np.allclose(isis[2.1] - isis[2.0], 0.1, atol=1e-12)


def test_checks_and_read_only_keys():
    nest.ResetKernel()
    with pytest.raises(BadProperty, match="Reset potential must be smaller than threshold"):
        nest.Create("iaf_psc_exp_ps", params={"V_reset": -50.0})
    with pytest.raises(BadProperty, match="greater equal minimum"):
        nest.Create("iaf_psc_alpha_ps", params={"V_min": -60.0})
    with pytest.raises(BadProperty, match="at least one time step"):
        nest.Create("iaf_psc_delta_ps", params={"t_ref": 0.0})
    with pytest.raises(BadProperty, match="tau_syn_ex == tau_syn_in"):
        nest.Create("iaf_psc_exp_ps_lossless", params={"tau_syn_ex": 3.0})
    with pytest.raises(BadProperty, match="must differ"):
        nest.Create("iaf_psc_exp_ps_lossless", params={"tau_m": 2.0})
    n = nest.Create("iaf_psc_exp_ps_lossless", params={"t_ref": 0.0})
    assert n.get("t_ref") == 0.0
    with pytest.raises(UnaccessedDictionaryEntry, match="read only"):
        n.set(is_refractory=True)
    a = nest.Create("iaf_psc_alpha_ps")
    with pytest.raises(UnaccessedDictionaryEntry, match="read only"):
        a.set(I_syn_ex=1.0)
    with pytest.raises(BadProperty, match="precise_times cannot be set"):
        nest.Create("spike_generator", params={"precise_times": True,
                                               "allow_offgrid_times": True})
    sg = nest.Create("spike_generator", params={"spike_times": [1.0]})
    with pytest.raises(BadProperty, match="together with spike times"):
        sg.set(precise_times=True)
    with pytest.raises(BadProperty, match="inverse rate"):
        nest.Create("poisson_generator_ps", params={"rate": 1000.0, "dead_time": 1.5})
    assert nest.GetKernelStatus("off_grid_spiking")
    nest.ResetKernel()
    assert not nest.GetKernelStatus("off_grid_spiking")


def test_checks_leave_nothing_half_set():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_exp_ps")
    with pytest.raises(BadProperty):
        n.set(V_th=-75.0, tau_m=5.0)
    assert n.get("tau_m") == 10.0 and n.get("V_th") == -55.0


@pytest.mark.parametrize("model", ["poisson_generator", "poisson_generator_ps"])
def test_poisson_generators_send_each_spike_recorder_a_train_of_its_own(model):
    nest.ResetKernel()
    nest.rng_seed = 3
    pg = nest.Create(model, params={"rate": 800.0, "start": 100.0, "stop": 5100.0})
    sr = nest.Create("spike_recorder", 2)
    nest.Connect(pg, sr)
    nest.Simulate(3000.0)
    nest.Simulate(3000.0)
    trains = [np.sort(sr[i].get("events")["times"]) for i in range(2)]
    for t in trains:
        assert abs(len(t) - 4000) < 4 * math.sqrt(4000)
        assert t.min() > 100.0 and t.max() <= 5100.0
    assert not np.array_equal(trains[0], trains[1])
    on_grid = np.allclose(trains[0] / 0.1, np.round(trains[0] / 0.1), atol=1e-9)
    assert on_grid == (model == "poisson_generator")


def test_save_state_refuses_precise_networks(tmp_path):
    # the blocks' queues of precise input and the Poisson trains in progress
    # are not in the checkpoint: a clear error instead of a wrong continuation
    nest.ResetKernel()
    pg = nest.Create("poisson_generator_ps", params={"rate": 100.0})
    par = nest.Create("parrot_neuron_ps")
    nest.Connect(pg, par)
    nest.Simulate(10.0)
    with pytest.raises(nest.KernelStateError, match="parrot_neuron_ps, poisson_generator_ps"):
        nest.save_state(str(tmp_path / "s.h5"))
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("model", ["iaf_psc_exp_ps", "iaf_psc_alpha_ps", "iaf_psc_delta_ps"])
def test_t_spike_is_the_precise_time(model):
    # NEST's precise models keep the offset in their archive's last spike
    nest.ResetKernel()
    n = nest.Create(model, params={"I_e": 1000.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(20.0)
    t = sr.events["times"]
    assert abs(t[-1] / 0.1 - round(t[-1] / 0.1)) > 1e-6          # off the grid
    assert n.t_spike == t[-1]


# NEST 3.10's final stdp_synapse weights between parrot_neuron_ps, the
# protocol of NEST's test_stdp_multiplicity (8 spikes delta apart before
# 100 and 200 ms, post = pre + shift; resolution 2^-4 ms)
_NEST_STDP_PS = {(10.0, 0.001953125): 31.93432951175173,
                 (10.0, 0.000244140625): 31.92646128428727,
                 (-10.0, 0.001953125): 0.8711492159921502,
                 (-10.0, 0.000244140625): 0.8708502716105478}


@pytest.mark.parametrize("shift, delta", sorted(_NEST_STDP_PS))
def test_stdp_reads_the_precise_times_of_the_archive(shift, delta):
    # the postsynaptic archive of a precise model keeps stamp - offset (NEST);
    # the presynaptic side stays on the grid
    nest.ResetKernel()
    nest.set(resolution=2.0 ** -4, tics_per_ms=512)
    pre_times = sorted(t - k * delta for t in (100.0, 200.0) for k in range(8))
    post_times = [t + shift for t in pre_times]
    pre, post = nest.Create("parrot_neuron_ps", 2)
    for times, p in ((pre_times, pre), (post_times, post)):
        sg = nest.Create("spike_generator", params={"spike_times": times, "precise_times": True})
        nest.Connect(sg, p, syn_spec={"delay": 1.0})
    nest.Connect(pre, post, syn_spec={"synapse_model": "stdp_synapse", "receptor_type": 1})
    nest.Simulate(max(pre_times + post_times) + 5.0)
    w = nest.GetConnections(source=pre, synapse_model="stdp_synapse").get("weight")
    assert w == _NEST_STDP_PS[(shift, delta)]
