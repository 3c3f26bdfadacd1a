"""clopath_synapse and the Clopath archive of aeif_psc_delta_clopath and
hh_psc_alpha_clopath (models/clopath.pyx).

The weights against NEST 3.10 are asserted bit for bit by the stored
scenarios ``clopath_synapse_pairing`` and ``clopath_synapse_long_delays``
(tests/test_models_vs_nest.py); the rank independence by
tests/test_mpi_ranks.py.  Here: the model's defaults,
NEST's errors, the _lbl and _hpc variants, and the archive's bounds.
"""
import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import BadProperty, NotImplementedFeature


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()


def _pairing(model="clopath_synapse", nrn_model="aeif_psc_delta_clopath", runs=(180.0,),
             **syn):
    """NEST's spike-pairing protocol (pre 10 ms after post, 20 Hz), simulated
    in ``runs``: the transmitted weights."""
    nrn = nest.Create(nrn_model, 1, {"delay_u_bars": 4.0, "b": 0.0805, "V_reset": -49.6,
                                     "A_LTD": 14.0e-5, "A_LTP": 8.0e-5})
    parrot = nest.Create("parrot_neuron")
    sg_pre = nest.Create("spike_generator", 1, {"spike_times": [20.0, 70.0, 120.0, 170.0]})
    sg_post = nest.Create("spike_generator", 1, {"spike_times": [10.0, 60.0, 110.0, 160.0]})
    nest.Connect(sg_pre, parrot, syn_spec={"delay": 0.1})
    nest.Connect(sg_post, nrn, syn_spec={"delay": 0.1, "weight": 80.0})
    wr = nest.Create("weight_recorder")
    nest.CopyModel(model, "clopath_rec", {"weight_recorder": wr})
    nest.Connect(parrot, nrn, syn_spec=dict({"synapse_model": "clopath_rec", "weight": 0.5,
                                             "delay": 0.1}, **syn))
    for t in runs:
        nest.Simulate(t)
    return np.asarray(wr.events["weights"]), nrn


def test_defaults_are_nests():
    d = nest.GetDefaults("clopath_synapse")
    assert {k: d[k] for k in ("weight", "delay", "x_bar", "tau_x", "Wmin", "Wmax")} == {
        "weight": 1.0, "delay": 1.0, "x_bar": 0.0, "tau_x": 15.0, "Wmin": 0.0, "Wmax": 100.0}
    n = nest.Create("aeif_psc_delta_clopath")
    s = n.get(["A_LTD", "A_LTP", "u_ref_squared", "theta_plus", "theta_minus",
               "A_LTD_const", "delay_u_bars"])
    assert s == {"A_LTD": 14.0e-5, "A_LTP": 8.0e-5, "u_ref_squared": 60.0,
                 "theta_plus": -45.3, "theta_minus": -70.6, "A_LTD_const": True,
                 "delay_u_bars": 5.0}


def test_targets_without_clopath_archive_are_refused():
    n = nest.Create("iaf_psc_alpha", 2)
    for model in ("clopath_synapse", "clopath_synapse_lbl", "clopath_synapse_hpc"):
        with pytest.raises(NotImplementedFeature, match="not supported by the neuron model"):
            nest.Connect(n, n, syn_spec={"synapse_model": model})
    c = nest.Create("hh_psc_alpha_clopath")
    with pytest.raises(nest.NESTErrors.NotImplemented):
        nest.Connect(c, n[0], syn_spec={"synapse_model": "clopath_synapse"})
    nest.Connect(n[0], c, syn_spec={"synapse_model": "clopath_synapse"})
    assert nest.GetConnections(synapse_model="clopath_synapse").get("target") == c.global_id


def test_sign_checks():
    n = nest.Create("aeif_psc_delta_clopath", 2)
    with pytest.raises(BadProperty, match="Weight and Wmin must have same sign."):
        nest.Connect(n, n, syn_spec={"synapse_model": "clopath_synapse", "weight": -1.0,
                                     "Wmin": 0.0, "Wmax": -5.0})
    with pytest.raises(BadProperty, match="Weight and Wmax must have same sign."):
        nest.Connect(n, n, syn_spec={"synapse_model": "clopath_synapse", "weight": 1.0,
                                     "Wmax": 0.0})
    nest.Connect(n, n, syn_spec={"synapse_model": "clopath_synapse", "weight": 1.0})
    conns = nest.GetConnections(synapse_model="clopath_synapse")
    with pytest.raises(BadProperty, match="Wmin"):
        conns.set({"Wmin": -1.0})
    with pytest.raises(BadProperty):
        n.set({"u_ref_squared": 0.0})
    for model in ("aeif_psc_delta_clopath", "hh_psc_alpha_clopath"):
        with pytest.raises(BadProperty, match="delay_u_bars"):
            nest.Create(model, params={"delay_u_bars": -1.0})


def test_variants_learn_alike():
    base, _ = _pairing()
    assert len(base) == 4 and base[-1] != 0.5
    for variant in ("clopath_synapse_lbl", "clopath_synapse_hpc"):
        nest.ResetKernel()
        w, _ = _pairing(variant)
        np.testing.assert_array_equal(w, base)
    nest.ResetKernel()
    w, _ = _pairing("clopath_synapse_lbl", synapse_label=3)
    np.testing.assert_array_equal(w, base)
    assert nest.GetConnections(synapse_label=3).get("weight") == base[-1]


def test_split_simulate_equals_one_run():
    base, _ = _pairing()
    nest.ResetKernel()
    split, _ = _pairing(runs=(15.0, 50.3, 60.0, 54.7))
    np.testing.assert_array_equal(split, base)


def test_ltp_history_stays_short():
    """The LTP entries every synapse has read are dropped as NEST drops
    them, so a long run keeps the history short."""
    nrn = nest.Create("aeif_psc_delta_clopath", 1, {"I_e": 1000.0})
    parrot = nest.Create("parrot_neuron")
    pg = nest.Create("spike_generator", 1, {"spike_times": np.arange(5.0, 2000.0, 5.0)})
    nest.Connect(pg, parrot)
    nest.Connect(parrot, nrn, syn_spec={"synapse_model": "clopath_synapse", "weight": 1.0})
    nest.Simulate(2000.0)
    from pynestlite.engine import kernel
    blk = [b for b in kernel.neuron_blocks() if b.model == "aeif_psc_delta_clopath"][0]
    t, dw = blk.clopath_archive.ltp_history(0)
    assert 0 < len(t) < 100 and np.all(dw > 0.0)
    assert nest.GetConnections(synapse_model="clopath_synapse").get("weight") != 1.0
