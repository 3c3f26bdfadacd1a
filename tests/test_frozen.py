"""Frozen nodes (NEST's ``frozen``): a frozen node is not updated; it keeps
its state, sends nothing and takes no multimeter samples, while events sent
to it still arrive.  The comparison with NEST 3.10 itself is the stored
scenario ``frozen_nodes`` (tests/test_models_vs_nest.py); here: the status
key, the multimeter's refusal, every model's state standing still, and a
freeze/thaw run equal to a run of the thawed time only."""

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.engine import kernel
from pynestlite.errors import BadProperty


def _block(nodes):
    return kernel.groups(nodes.tolist())[0][0].block


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()


def test_frozen_status_default_set_and_per_node():
    n = nest.Create("iaf_psc_alpha", 3)
    assert n.get("frozen") == (False, False, False)
    n[1].frozen = True
    assert n.get("frozen") == (False, True, False)
    n.set(frozen=[True, False, True])
    assert n.get("frozen") == (True, False, True)
    assert nest.Create("iaf_psc_alpha", 1, {"frozen": True}).frozen is True
    with pytest.raises(BadProperty, match="bool"):
        n.set(frozen=1.5)


@pytest.mark.parametrize("model", ["multimeter", "voltmeter"])
def test_multimeter_refuses_frozen(model):
    mm = nest.Create(model, 1, {"frozen": False})
    assert mm.frozen is False
    with pytest.raises(BadProperty, match="multimeter cannot be frozen"):
        mm.set(frozen=True)
    with pytest.raises(BadProperty, match="multimeter cannot be frozen"):
        nest.Create(model, 1, {"frozen": True})
    assert mm.frozen is False


def test_failed_set_keeps_frozen():
    n = nest.Create("iaf_psc_alpha", 2)
    with pytest.raises(BadProperty):
        n.set({"frozen": True, "C_m": -1.0})
    assert n.get("frozen") == (False, False)


def _neuron_models():
    out = []
    for m in nest.Models("nodes"):
        try:
            d = nest.GetDefaults(m)
        except Exception:           # noqa: BLE001
            continue
        if d.get("element_type") == "neuron":
            out.append(m)
    return out


@pytest.mark.parametrize("model", [m for m in _neuron_models()])
def test_every_neuron_model_stands_still_when_frozen(model):
    """Every array of a frozen node (state, hidden counters, input) is the
    same after a run, and it emits nothing, whatever its dynamics."""
    n = nest.Create(model, 2)
    if "I_e" in nest.GetDefaults(model):
        n.set(I_e=300.0)
    sg = nest.Create("spike_generator", 1, {"spike_times": [1.0, 3.0, 6.0, 8.5]})
    try:
        nest.Connect(sg, n, syn_spec={"weight": 5.0})
    except Exception:               # noqa: BLE001  (a model without spike input)
        pass
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Simulate(3.0)
    n[0].frozen = True
    nest.Prepare()          # (derived values a model computes at Prepare: all nodes)
    blk = _block(n[0])
    row = int(np.searchsorted(blk.gids, n[0].global_id))
    # (the calcium trace decays to the end of each run for every node, frozen
    # or not, as NEST updates the synaptic elements of all nodes there)
    before = {k: np.array(v[row], copy=True) for k, v in blk.arrays.items()
              if isinstance(v, np.ndarray) and v.ndim and v.shape[0] == blk.n
              and k not in ("Ca", "Ca_t")}
    n_before = sr.n_events
    nest.Run(10.0)
    nest.Cleanup()
    for k, v in before.items():
        np.testing.assert_array_equal(blk.arrays[k][row], v, err_msg=f"{model}: {k}")
    ev = sr.get("events")
    assert not np.any(np.asarray(ev["senders"])[n_before:] == n[0].global_id)
    n[0].frozen = False
    nest.Simulate(2.0)


def test_freeze_thaw_equals_thawed_time_only():
    """The samples of a neuron frozen in every other run equal, in order, the
    first samples of a neuron never frozen (NEST's test of the multimeter)."""
    nrn = nest.Create("iaf_psc_alpha", 2, {"I_e": 50.0})
    mm = nest.Create("multimeter", 1, {"interval": 0.5, "record_from": ["V_m"]})
    nest.Connect(mm, nrn)
    for frozen in (True, False, True, False):
        nrn[0].frozen = frozen
        nest.Simulate(5.0)
    ev = mm.get("events")
    v = np.asarray(ev["V_m"])
    s = np.asarray(ev["senders"])
    a, b = v[s == nrn[0].global_id], v[s == nrn[1].global_id]
    assert 0 < len(a) < len(b)
    np.testing.assert_array_equal(a, b[:len(a)])


def test_frozen_devices_send_nothing_and_recorder_records():
    sg = nest.Create("spike_generator", 1, {"spike_times": [1.0, 2.0, 7.0]})
    pg = nest.Create("poisson_generator", 1, {"rate": 5000.0})
    dc = nest.Create("dc_generator", 1, {"amplitude": 500.0})
    par = nest.Create("parrot_neuron", 2)
    nrn = nest.Create("iaf_psc_alpha")
    nest.Connect(sg, par[0])
    nest.Connect(pg, par[1])
    nest.Connect(dc, nrn)
    sr = nest.Create("spike_recorder", 1, {"frozen": True})
    nest.Connect(par, sr)
    (sg + pg + dc).frozen = True
    nest.Simulate(5.0)
    assert sr.n_events == 0
    assert nrn.V_m == nest.GetDefaults("iaf_psc_alpha", "V_m")
    (sg + pg + dc).frozen = False
    nest.Simulate(5.0)
    ev = sr.get("events")
    t0 = np.asarray(ev["times"])[np.asarray(ev["senders"]) == par[0].global_id]
    np.testing.assert_array_equal(t0, [8.0])        # the spikes due while frozen are lost
    assert np.sum(np.asarray(ev["senders"]) == par[1].global_id) > 0
    assert nrn.V_m > nest.GetDefaults("iaf_psc_alpha", "V_m")


def test_unfrozen_blocks_take_the_plain_update():
    n = nest.Create("iaf_psc_alpha", 3)
    blk = _block(n)
    assert not blk.any_frozen
    n[2].frozen = True
    assert blk.any_frozen
    n[2].frozen = False
    assert not blk.any_frozen


def test_frozen_is_no_model_default():
    assert nest.GetDefaults("iaf_psc_alpha")["frozen"] is False
    from pynestlite.errors import UnaccessedDictionaryEntry
    with pytest.raises(UnaccessedDictionaryEntry, match="frozen"):
        nest.SetDefaults("iaf_psc_alpha", {"frozen": True})
    with pytest.raises(UnaccessedDictionaryEntry, match="frozen"):
        nest.CopyModel("iaf_psc_alpha", "iaf_frozen", {"frozen": True})
