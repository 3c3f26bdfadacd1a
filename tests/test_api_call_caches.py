"""What the kernel keeps between API calls to make short calls cheap (the
derived values of a block's pre_run, the keys a node reports, the target
layout of the last Prepare, the empty live ring) is forgotten whenever what
it depends on changes: each test here fails if one of them went stale."""
import numpy as np
import pytest

import pynestlite as nest
from pynestlite.engine import kernel
from pynestlite.errors import BadProperty


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()
    yield
    nest.ResetKernel()


@pytest.mark.parametrize("model", ["iaf_psc_alpha", "iaf_psc_exp", "iaf_psc_delta"])
def test_set_between_simulates_reaches_the_propagators(model):
    """A parameter set after a Simulate is used by the next one: the run
    from rest at t = 1 ms equals a run of nodes created with the values."""
    params = {"tau_m": 5.0, "C_m": 100.0, "t_ref": 0.5, "I_e": 600.0}
    n = nest.Create(model, 3)
    for _ in range(3):
        nest.Simulate(1.0)              # (the block's derived values are kept here)
    assert n.get("V_m") == (-70.0, -70.0, -70.0)
    n.set(params)
    nest.Simulate(12.0)
    got = np.array(n.get("V_m"))
    t_spike = np.array(n.get("t_spike"))

    nest.ResetKernel()
    m = nest.Create(model, 3, params=params)
    nest.Simulate(12.0)
    assert np.array_equal(got, np.array(m.get("V_m")))
    assert np.array_equal(t_spike, np.array(m.get("t_spike")) + 3.0)
    assert np.all(t_spike > 3.0)        # (the new I_e made them spike)


def test_set_of_one_node_changes_only_that_node():
    n = nest.Create("iaf_psc_alpha", 4)
    nest.Simulate(1.0)
    n[2].set(I_e=1000.0)
    nest.Simulate(20.0)
    ts = n.get("t_spike")
    assert ts[2] > 0 and ts[0] == ts[1] == ts[3] == -1.0


def test_failed_set_changes_nothing_and_the_next_run_uses_the_old_values():
    n = nest.Create("iaf_psc_alpha", 2, params={"I_e": 500.0})
    nest.Simulate(1.0)
    with pytest.raises(BadProperty):
        n.set(tau_m=5.0, C_m=-1.0)
    assert n.get("tau_m") == (10.0, 10.0)
    nest.Simulate(19.0)
    v = n.get("V_m")
    nest.ResetKernel()
    m = nest.Create("iaf_psc_alpha", 2, params={"I_e": 500.0})
    nest.Simulate(20.0)
    assert v == m.get("V_m")


def test_set_then_get_then_simulate_then_get():
    n = nest.Create("iaf_psc_alpha", 5)
    for i in range(5):
        n[i].set(V_m=-70.0 + i)
        assert n[i].get("V_m") == -70.0 + i
    assert n.get("V_m") == (-70.0, -69.0, -68.0, -67.0, -66.0)
    nest.Simulate(1.0)
    v = n.get("V_m")
    assert v[0] == -70.0 and -70.0 < v[1] < -69.0 and v[4] < -66.0
    n[4].set(V_m=-50.0)
    assert n[4].get("V_m") == -50.0
    assert n.get("V_m")[:4] == v[:4]


def test_connect_after_simulate_changes_min_delay_and_delivers():
    """The layout of the last Prepare is not reused once a connection changed
    the delays: same result as a network connected before any Simulate."""
    def build(pre_runs):
        nest.ResetKernel()
        a = nest.Create("iaf_psc_alpha", params={"I_e": 1000.0})
        b = nest.Create("iaf_psc_alpha")
        for _ in range(pre_runs):
            nest.Simulate(0.5)
        assert nest.GetKernelStatus("min_delay") == pytest.approx(0.1)
        nest.Connect(a, b, syn_spec={"weight": 500.0, "delay": 2.0})
        nest.Simulate(30.0 - 0.5 * pre_runs)
        assert nest.GetKernelStatus("min_delay") == pytest.approx(2.0)
        return b.get("V_m"), b.get("t_spike")
    assert build(2) == build(0)


def test_plastic_connect_after_simulate():
    """A plastic synapse made after some short runs archives its target's
    spikes (the archive layout is configured anew)."""
    def build(pre_runs):
        nest.ResetKernel()
        a = nest.Create("iaf_psc_alpha", params={"I_e": 1000.0})
        b = nest.Create("iaf_psc_alpha", params={"I_e": 800.0})
        for _ in range(pre_runs):
            nest.Simulate(1.0)
        nest.Connect(a, b, syn_spec={"synapse_model": "stdp_synapse", "weight": 50.0,
                                     "delay": 1.0})
        nest.Simulate(100.0 - pre_runs)
        return nest.GetConnections().get("weight")
    w = build(3)
    assert w == build(0) and w != 50.0


def test_keys_follow_set():
    """The keys a node reports are kept per block until it is set again."""
    sr = nest.Create("spike_recorder")
    assert "filenames" not in sr.get()
    sr.set(record_to="ascii", label="apicost_keys")
    try:
        assert "filenames" in sr.get()
    finally:
        sr.set(record_to="memory")
    assert "filenames" not in sr.get()
    m = nest.Create("iaf_psc_exp_multisynapse")
    assert "I_syn_2" not in m.get("recordables")
    m.set(tau_syn=[1.0, 2.0])
    assert "I_syn_2" in m.get("recordables")
    assert "I_syn_2" in m.get()["recordables"]


def test_reset_and_defaults_are_seen():
    """Blocks of a new kernel never inherit the kept values of old ones."""
    out = []
    for tau in (5.0, 20.0, 5.0):
        nest.ResetKernel()
        nest.SetDefaults("iaf_psc_alpha", {"tau_m": tau})
        n = nest.Create("iaf_psc_alpha", params={"I_e": 300.0})
        nest.Simulate(5.0)
        out.append(n.get("V_m"))
    assert out[0] == out[2] != out[1]


def test_resolution_change_is_seen():
    out = []
    for h in (0.1, 0.05):
        nest.ResetKernel()
        nest.SetKernelStatus({"resolution": h})
        n = nest.Create("iaf_psc_alpha", params={"I_e": 1000.0})
        for _ in range(10):
            nest.Simulate(1.0)
        out.append(n.get("t_spike"))
    assert out[0] != out[1] or out[0] == -1.0
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.05})
    n = nest.Create("iaf_psc_alpha", params={"I_e": 1000.0})
    nest.Simulate(10.0)
    assert n.get("t_spike") == out[1]


def test_device_created_after_simulate_is_live():
    """A spike_dilutor (a device fed during the run) created after short runs
    gets its live ring."""
    def build(pre_runs):
        nest.ResetKernel()
        a = nest.Create("iaf_psc_alpha", params={"I_e": 1000.0})
        for _ in range(pre_runs):
            nest.Simulate(1.0)
        d = nest.Create("spike_dilutor", params={"p_copy": 1.0})
        t = nest.Create("parrot_neuron", 2)
        sr = nest.Create("spike_recorder")
        nest.Connect(a, d)
        nest.Connect(d, t)
        nest.Connect(t, sr)
        nest.Simulate(60.0)
        ev = sr.get("events")
        return list(ev["times"]), list(ev["senders"])
    late = build(2)
    early = build(0)
    keep = [i for i, t in enumerate(late[0]) if t <= 60.0]
    assert len(keep) > 4
    assert [late[0][i] for i in keep] == early[0]
    assert [late[1][i] for i in keep] == early[1]


def test_kept_values_dropped_with_the_block():
    n = nest.Create("iaf_psc_alpha")
    nest.Simulate(1.0)
    blk = kernel.records[0].block
    assert kernel._pre_run_keys[id(blk)][0] is blk
    n.get("V_m")
    assert kernel.node_keys[id(blk)][0] is blk
    n.set(V_m=-60.0)
    assert id(blk) not in kernel._pre_run_keys
    assert kernel.node_keys[id(blk)][0] is blk      # (a number does not change the keys)
    sr = nest.Create("spike_recorder")
    sr.get("events")
    blk = kernel.records[-1].block
    assert kernel.node_keys[id(blk)][0] is blk
    sr.set(start=1.0)
    assert id(blk) not in kernel.node_keys
    nest.ResetKernel()
    assert kernel.node_keys == {} and kernel._pre_run_keys == {}


def test_calcium_set_between_runs_is_used():
    """The calcium trace the scheduler keeps between runs yields to a set."""
    n = nest.Create("iaf_psc_alpha")
    for _ in range(3):
        nest.Simulate(1.0)
    tau = n.get("tau_Ca")
    n.set(Ca=0.5)
    nest.Simulate(5.0)
    assert n.get("Ca") == pytest.approx(0.5 * np.exp(-5.0 / tau), rel=1e-12)
    n.set(I_e=1000.0)
    for _ in range(30):
        nest.Simulate(1.0)
    ca = n.get("Ca")
    nest.ResetKernel()
    m = nest.Create("iaf_psc_alpha")
    nest.Simulate(3.0)
    m.set(Ca=0.5)
    nest.Simulate(5.0)
    m.set(I_e=1000.0)
    nest.Simulate(30.0)
    # (equal up to the rounding of the decay at the end of each run, as NEST)
    assert m.get("Ca") == pytest.approx(ca, rel=1e-14) and ca > 0.5 * np.exp(-35.0 / tau)


def test_ignore_and_spike_with_short_runs():
    """iaf_psc_delta keeps its derived values between runs: the forced
    spikes of many short runs are those of one run, and a new interval set
    between runs is used."""
    params = {"ignore_and_spike": True, "ignore_and_spike_offset": 1.0,
              "ignore_and_spike_interval": 3.0}

    def spikes(short):
        nest.ResetKernel()
        n = nest.Create("iaf_psc_delta", params=params)
        sr = nest.Create("spike_recorder")
        nest.Connect(n, sr)
        for _ in range(10 if short else 1):
            nest.Simulate(1.0 if short else 10.0)
        n.set(ignore_and_spike_interval=2.0)
        for _ in range(10 if short else 1):
            nest.Simulate(1.0 if short else 10.0)
        return list(sr.get("events")["times"])
    t = spikes(True)
    assert t == spikes(False)
    assert np.allclose(np.diff(t)[:2], 3.0) and np.isclose(t[-1] - t[-2], 2.0)
