"""stdp_synapse and the spike archive beyond the stored NEST scenarios
(``stdp_parrots``, ``stdp_network`` in tests/scenarios.py, compared with
NEST 3.10 bit for bit by tests/test_models_vs_nest.py): the pair rule
against its closed form, the per-row and per-synapse state giving the same
weights, compact parameter columns, memory, and bad input."""
import math

import numpy as np
import pytest

import pynestlite as nest


def _pair_net(pre_times, post_times, delay=1.0, syn=None, tau_minus=20.0):
    nest.ResetKernel()
    sg_pre = nest.Create("spike_generator", params={"spike_times": pre_times})
    sg_post = nest.Create("spike_generator", params={"spike_times": post_times})
    pre = nest.Create("parrot_neuron")
    post = nest.Create("parrot_neuron", params={"tau_minus": tau_minus})
    nest.Connect(sg_pre, pre)
    nest.Connect(sg_post, post)
    spec = {"synapse_model": "stdp_synapse", "weight": 10.0, "delay": delay,
            "receptor_type": 1}
    spec.update(syn or {})
    nest.Connect(pre, post, syn_spec=spec)
    return pre, post


def test_single_pairs_follow_the_closed_form():
    # parrots re-emit 1 ms (the generator connection's delay) after the
    # generator; pre at 11, 51 ms, post at 16 ms; dendritic delay 2 ms
    lam, wmax, tau_p, tau_m, alpha = 0.1, 100.0, 15.0, 25.0, 0.8
    _pair_net([10.0, 50.0], [15.0], delay=2.0, tau_minus=tau_m,
              syn={"lambda": lam, "Wmax": wmax, "tau_plus": tau_p, "alpha": alpha})
    nest.Simulate(60.0)
    w = nest.GetConnections(synapse_model="stdp_synapse").get("weight")
    # first pre spike (11): no post spike before 11 - 2: no change
    w0 = 10.0
    # second pre spike (51): facilitation by the post spike at 16 (paired with
    # the pre spike at 11 through Kplus = 1), then depression with Kminus = 1
    # decayed from 16 to 51 - 2
    x = w0 / wmax + lam * (1 - w0 / wmax) * math.exp((11.0 - (16.0 + 2.0)) / tau_p)
    x = x - alpha * lam * x * math.exp(-(49.0 - 16.0) / tau_m)
    assert w == pytest.approx(x * wmax, rel=1e-14)
    kplus = nest.GetConnections(synapse_model="stdp_synapse").get("Kplus")
    assert kplus == pytest.approx(math.exp((11.0 - 51.0) / tau_p) + 1.0, rel=1e-14)


def test_post_spike_at_the_pairing_border():
    # pre spikes at 11 and 41 ms, delay 2 ms: the pre spike at 41 pairs with
    # post spikes in (11 - 2, 41 - 2]; a post spike at exactly 9 ms lies on
    # the excluded border (depression only), one at 9.1 ms inside it
    lam, wmax, w0 = 0.1, 100.0, 10.0
    x0 = w0 / wmax
    expected = {
        8.0: x0 - lam * x0 * math.exp(-(39.0 - 9.0) / 20.0),
        8.1: None,
    }
    x = x0 + lam * (1 - x0) * math.exp((11.0 - (9.1 + 2.0)) / 20.0)
    expected[8.1] = x - lam * x * math.exp(-(39.0 - 9.1) / 20.0)
    for post, x in expected.items():
        _pair_net([10.0, 40.0], [post], delay=2.0, syn={"lambda": lam})
        nest.Simulate(50.0)
        w = nest.GetConnections(synapse_model="stdp_synapse").get("weight")
        assert w == pytest.approx(x * wmax, rel=1e-14), post


def _parrot_weights(force_per_synapse):
    import scenarios
    nest.ResetKernel()
    out = scenarios.run_stdp_parrots(nest) if not force_per_synapse else None
    if force_per_synapse:
        # the same scenario, with the state of every model per synapse: the
        # scenario gets the module through a proxy whose Simulate first sets
        # every synapse's Kplus (which makes the tables keep it per synapse)
        first = [True]

        class Proxy:
            def __getattr__(self, name):
                return getattr(nest, name)

            @staticmethod
            def Simulate(t):
                if first[0]:
                    for model in ("stdp_synapse", "stdp_heterogeneous"):
                        c = nest.GetConnections(synapse_model=model)
                        c.set(Kplus=c.get("Kplus"))
                    first[0] = False
                nest.Simulate(t)
        out = scenarios.run_stdp_parrots(Proxy())
    return out


def test_row_and_synapse_state_give_the_same_weights():
    row = _parrot_weights(False)
    assert nest.kernel.tables["stdp_synapse"].per_row
    assert not nest.kernel.tables["stdp_heterogeneous"].per_row    # tau_plus per synapse
    syn = _parrot_weights(True)
    assert not nest.kernel.tables["stdp_synapse"].per_row
    for key in row:
        if "weight" in key or "Kplus" in key:
            np.testing.assert_array_equal(syn[key], row[key], err_msg=key)


def test_connect_to_a_fired_source_keeps_weights_equal_to_separate_synapses():
    # synapses added to a row whose source has fired get their own state
    nest.ResetKernel()
    sg = nest.Create("spike_generator", params={"spike_times": [5.0, 25.0, 45.0]})
    sg2 = nest.Create("spike_generator", params={"spike_times": [8.0, 30.0, 47.0]})
    pre = nest.Create("parrot_neuron")
    post = nest.Create("parrot_neuron", 2)
    nest.Connect(sg, pre)
    nest.Connect(sg2, post)
    spec = {"synapse_model": "stdp_synapse", "weight": 10.0, "receptor_type": 1,
            "lambda": 0.2}
    nest.Connect(pre, post[0], syn_spec=spec)
    nest.Simulate(20.0)
    assert nest.kernel.tables["stdp_synapse"].per_row
    nest.Connect(pre, post[1], syn_spec=spec)
    nest.Simulate(40.0)
    assert not nest.kernel.tables["stdp_synapse"].per_row
    c = nest.GetConnections(synapse_model="stdp_synapse")
    kp = c.get("Kplus")
    # the second synapse missed the spike at 6 ms: its trace is smaller
    assert kp[1] < kp[0]
    assert kp[1] == pytest.approx(math.exp((26.0 - 46.0) / 20.0) + 1.0, rel=1e-14)


def test_compact_columns_and_bytes_per_synapse():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 200)
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 100},
                 {"synapse_model": "stdp_synapse", "weight": nest.random.uniform(1.0, 5.0)})
    nest.Simulate(1.0)
    t = nest.kernel.tables["stdp_synapse"]
    assert nest.GetDefaults("stdp_synapse")["sizeof"] == 14
    assert t.per_row and t.uniform >= {"tau_plus", "lambda", "alpha", "mu_plus",
                                       "mu_minus", "Wmax"}
    # 14 B per synapse + per source row (gids 0..201) its pointer, Kplus and
    # t_last (24 B), + the closing row pointer and the six compact values
    per_syn = t.nbytes() / 20000
    assert per_syn == (14 * 20000 + 24 * 202 + 8 + 6 * 8) / 20000
    c = nest.GetConnections(synapse_model="stdp_synapse")
    c.set(Wmax=200.0)                     # all synapses, one value: stays compact
    assert "Wmax" in t.uniform and set(c.get("Wmax")) == {200.0}
    c[:10].set(alpha=2.0)                 # some synapses differ: a full column
    assert "alpha" not in t.uniform
    a = np.asarray(c.get("alpha"))
    assert np.all(a[:10] == 2.0) and np.all(a[10:] == 1.0)
    assert t.nbytes() / 20000 > per_syn + 7.9
    nest.Simulate(5.0)                    # the full column is read by delivery


def test_archive_memory_stays_flat():
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": 5})
    n = nest.Create("iaf_psc_alpha", 100, {"I_e": nest.random.uniform(380.0, 450.0)})
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 10},
                 {"synapse_model": "stdp_synapse", "weight": 1.0,
                  "delay": nest.random.uniform(1.0, 5.0)})
    sizes = []
    for _ in range(4):
        nest.Simulate(500.0)
        sizes.append(sum(len(nest.kernel.scheduler.history(g)) for g in range(1, 101)))
    # ~25 spikes/s per neuron: 5,000 spikes per 500 ms; the histories keep
    # only the last ~(5 + 0.1 ms) window plus one entry per neuron
    assert max(sizes) < 400
    assert max(sizes) - min(sizes) < 200
    assert nest.kernel.scheduler.archive_bytes() < 200_000


def test_tau_minus_is_a_neuron_parameter_on_every_neuron_model():
    nest.ResetKernel()
    for model in ("iaf_psc_alpha", "iaf_psc_exp", "iaf_psc_delta", "iaf_cond_exp",
                  "aeif_cond_alpha", "hh_psc_alpha", "izhikevich", "parrot_neuron"):
        d = nest.GetDefaults(model)
        assert d["tau_minus"] == 20.0 and d["tau_minus_triplet"] == 110.0, model
    assert "tau_minus" not in nest.GetDefaults("spike_recorder")
    n = nest.Create("iaf_psc_alpha", 2, {"tau_minus": [10.0, 30.0]})
    assert list(n.get("tau_minus")) == [10.0, 30.0]


def test_stdp_synapse_takes_tau_plus_zero_as_nest():
    # NEST sets no bound on tau_plus; its tests connect with an array that
    # starts at 0 (the triplet rule keeps its own check)
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2)
    nest.Connect(n, n, "one_to_one", {"synapse_model": "stdp_synapse",
                                      "tau_plus": np.array([0.0, 5.0])})
    assert sorted(nest.GetConnections().get("tau_plus")) == [0.0, 5.0]


@pytest.mark.parametrize("model", ["stdp_synapse", "stdp_triplet_synapse"])
@pytest.mark.parametrize("spec, match", [
    ({"weight": -1.0, "tau_plus": 10.0}, "same sign"),
    ({"weight": 5.0, "Wmax": -10.0}, "same sign"),
    ({"Kplus": -0.5}, "Kplus"),
    ({"tau_plus": -20.0}, "tau_plus"),
])
def test_bad_stdp_parameters_are_refused_at_connect(spec, match, model):
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 3)
    with pytest.raises(nest.BadProperty, match=match):
        nest.Connect(n, n, syn_spec=dict({"synapse_model": model}, **spec))
    assert nest.GetKernelStatus("num_connections") == 0


@pytest.mark.parametrize("model", ["stdp_synapse", "stdp_triplet_synapse"])
def test_weight_alone_skips_the_sign_check_at_connect(model):
    """As NEST 3.10: a Connect that gives only weight (and delay) sets it
    without checking its sign against Wmax; other parameters check it."""
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2)
    nest.Connect(n[0], n[1], syn_spec={"synapse_model": model, "weight": -1.0})
    assert nest.GetConnections(synapse_model=model).weight == -1.0


@pytest.mark.parametrize("spec, match", [
    ({"Kplus_triplet": -0.1}, "Kplus_triplet"),
    ({"tau_plus_triplet": 0.0}, "tau_plus_triplet"),
])
def test_bad_triplet_parameters_are_refused_at_connect(spec, match):
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 3)
    with pytest.raises(nest.BadProperty, match=match):
        nest.Connect(n, n, syn_spec=dict({"synapse_model": "stdp_triplet_synapse"}, **spec))
    assert nest.GetKernelStatus("num_connections") == 0


def test_triplet_defaults_are_nest_s():
    d = nest.GetDefaults("stdp_triplet_synapse")
    expected = {"weight": 1.0, "tau_plus": 16.8, "tau_plus_triplet": 101.0, "Aplus": 5e-10,
                "Aminus": 7e-3, "Aplus_triplet": 6.2e-3, "Aminus_triplet": 2.3e-4,
                "Wmax": 100.0, "Kplus": 0.0, "Kplus_triplet": 0.0}
    assert {k: d[k] for k in expected} == expected


def test_bad_stdp_values_are_refused_at_set_and_defaults():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 3)
    nest.Connect(n, n, syn_spec={"synapse_model": "stdp_synapse", "weight": 2.0})
    c = nest.GetConnections()
    with pytest.raises(nest.BadProperty, match="same sign"):
        c.set(weight=-1.0)
    with pytest.raises(nest.BadProperty, match="same sign"):
        c.set(Wmax=-5.0)
    with pytest.raises(nest.BadProperty, match="tau_plus"):
        c.set(tau_plus=-1.0)
    assert set(c.get("weight")) == {2.0} and set(c.get("Wmax")) == {100.0}
    with pytest.raises(nest.BadProperty, match="same sign"):
        nest.SetDefaults("stdp_synapse", {"Wmax": -1.0})
    with pytest.raises(nest.BadProperty, match="same sign"):
        nest.CopyModel("stdp_synapse", "bad_stdp", {"weight": -3.0})
    assert "bad_stdp" not in nest.Models("synapses")
    with pytest.raises(nest.BadProperty, match="tau_minus"):
        n.set(tau_minus=0.0)
    with pytest.raises(nest.BadProperty, match="tau_minus_triplet"):
        nest.Create("iaf_psc_exp", 1, {"tau_minus_triplet": -1.0})


def test_plastic_synapses_connect_neurons_only():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2)
    sr = nest.Create("spike_recorder")
    pg = nest.Create("poisson_generator")
    with pytest.raises(nest.IllegalConnection, match="plastic"):
        nest.Connect(n, sr, syn_spec={"synapse_model": "stdp_synapse"})
    with pytest.raises(nest.IllegalConnection, match="static synapse models only"):
        nest.Connect(pg, n, syn_spec={"synapse_model": "stdp_synapse"})
    assert nest.GetKernelStatus("num_connections") == 0


def test_weight_recorder_memory_filter_and_hdf5(tmp_path):
    import h5py
    nest.ResetKernel()
    nest.SetKernelStatus({"data_path": str(tmp_path)})
    wr = nest.Create("weight_recorder")
    wr_h5 = nest.Create("weight_recorder", params={"record_to": "hdf5", "label": "w"})
    n = nest.Create("iaf_psc_alpha", 6, {"I_e": 400.0})
    nest.CopyModel("stdp_synapse", "stdp_rec", {"weight_recorder": wr})
    nest.CopyModel("stdp_synapse", "stdp_rec_h5", {"weight_recorder": wr_h5})
    wr.set(senders=n[:2])
    nest.Connect(n[:3], n[3:], syn_spec={"synapse_model": "stdp_rec", "weight": 5.0})
    nest.Connect(n[3:], n[:3], syn_spec={"synapse_model": "stdp_rec_h5", "weight": 5.0})
    nest.Simulate(100.0)
    ev = wr.get("events")
    ids = n.tolist()
    assert len(ev["times"]) > 10 and set(ev["senders"]) == set(ids[:2])
    assert set(ev["targets"]) == set(ids[3:])
    # the last event of each synapse carries its current weight
    c = nest.GetConnections(n[:2], synapse_model="stdp_rec")
    for s, t, w in zip(c.get("source"), c.get("target"), c.get("weight")):
        sel = (ev["senders"] == s) & (ev["targets"] == t)
        assert ev["weights"][sel][-1] == w
    with h5py.File(tmp_path / "run-0.h5") as f:
        g = f["w-" + str(wr_h5.tolist()[0])]
        assert set(g) == {"senders", "targets", "times", "weights", "receptors", "ports"}
        assert len(g["times"]) > 10 and set(g["senders"][()]) == set(ids[3:])


def test_weight_recorders_of_one_create_keep_their_own_events():
    # two recorders made by one Create, each bound to its own synapse model:
    # each gets only its model's transmissions (NEST's behaviour)
    nest.ResetKernel()
    wr = nest.Create("weight_recorder", 2)
    nest.CopyModel("stdp_synapse", "s_a", {"weight_recorder": wr[0]})
    nest.CopyModel("stdp_synapse", "s_b", {"weight_recorder": wr[1]})
    pg = nest.Create("poisson_generator", params={"rate": 5000.0})
    pre = nest.Create("parrot_neuron", 2)
    post = nest.Create("iaf_psc_alpha", 2)
    nest.Connect(pg, pre)
    nest.Connect(pre[0], post[0], syn_spec={"synapse_model": "s_a"})
    nest.Connect(pre[1], post[1], syn_spec={"synapse_model": "s_b"})
    nest.Simulate(50.0)
    sr_counts = []
    for i in range(2):
        ev = wr[i].get("events")
        assert set(ev["senders"].tolist()) == {pre[i].global_id}
        assert set(ev["targets"].tolist()) == {post[i].global_id}
        sr_counts.append(len(ev["senders"]))
    assert min(sr_counts) > 100


def test_weight_recorder_logs_only_the_selected_synapses():
    # the table logs only what the recorder's senders/targets select, so a
    # long run with a narrow recorder holds no log of the other synapses
    from pynestlite.engine import kernel
    nest.ResetKernel()
    wr = nest.Create("weight_recorder", params={"senders": [], "targets": []})
    nest.CopyModel("stdp_synapse", "s_rec", {"weight_recorder": wr})
    pg = nest.Create("poisson_generator", params={"rate": 2000.0})
    pre = nest.Create("parrot_neuron", 20)
    post = nest.Create("iaf_psc_alpha", 10)
    nest.Connect(pg, pre)
    nest.Connect(pre, post, syn_spec={"synapse_model": "s_rec", "weight": 1.0})
    wr.set(senders=pre[:1], targets=post[2:4])
    nest.Simulate(200.0)
    table = kernel.tables["s_rec"]
    ev = wr.get("events")
    assert set(ev["senders"].tolist()) == {pre[0].global_id}
    assert set(ev["targets"].tolist()) == set(post[2:4].tolist())
    # every spike of pre[0] reaches the two selected targets: 2 per spike
    n_spikes = len(ev["times"]) // 2
    assert n_spikes > 100 and len(ev["times"]) == 2 * n_spikes
    # ... and the table's buffer held only those (200 selected out of
    # ~8,000 transmissions: far below the unfiltered size)
    assert table.wr_cap <= 2048
    # the weights logged are those of the selected synapses
    c = nest.GetConnections(pre[:1], post[2:4], synapse_model="s_rec")
    for t, w in zip(c.get("target"), c.get("weight")):
        assert ev["weights"][ev["targets"] == t][-1] == w


def test_weight_recorder_must_be_a_weight_recorder():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2)
    with pytest.raises(nest.BadProperty, match="weight_recorder"):
        nest.SetDefaults("stdp_synapse", {"weight_recorder": n[:1]})
    with pytest.raises(nest.BadProperty, match="weight_recorder"):
        nest.CopyModel("stdp_synapse", "stdp_bad", {"weight_recorder": n})
    assert "stdp_bad" not in nest.Models("synapses")


def test_vogels_sprekeler_defaults_and_sign_rule():
    d = nest.GetDefaults("vogels_sprekeler_synapse")
    expected = {"weight": 0.5, "tau": 20.0, "alpha": 0.12, "eta": 0.001, "Wmax": 1.0,
                "Kplus": 0.0}
    assert {k: d[k] for k in expected} == expected
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2)
    # a zero weight goes with either sign of Wmax (NEST's rule)
    nest.Connect(n, n, syn_spec={"synapse_model": "vogels_sprekeler_synapse", "weight": 0.0,
                                 "Wmax": -1.0})
    assert nest.GetKernelStatus("num_connections") == 4
    with pytest.raises(nest.BadProperty, match="same sign"):
        nest.Connect(n, n, syn_spec={"synapse_model": "vogels_sprekeler_synapse",
                                     "weight": 0.5, "Wmax": -1.0})
    with pytest.raises(nest.BadProperty, match="Kplus"):
        nest.Connect(n, n, syn_spec={"synapse_model": "vogels_sprekeler_synapse",
                                     "Kplus": -1.0})
    assert nest.GetKernelStatus("num_connections") == 4


def test_hom_models_take_their_rule_from_the_model():
    """stdp_synapse_hom / stdp_pl_synapse_hom: the rule's parameters are
    model-level; Connect refuses them (NEST: NotImplemented), SetDefaults
    checks them, and a copy keeps its own."""
    nest.ResetKernel()
    n = nest.Create("parrot_neuron", 2)
    for model, key in (("stdp_synapse_hom", "Wmax"), ("stdp_pl_synapse_hom", "mu")):
        with pytest.raises(nest.NESTErrors.NotImplemented, match=key):
            nest.Connect(n, n, syn_spec={"synapse_model": model, key: 1.0})
        with pytest.raises(nest.NESTErrors.BadProperty, match="tau_plus"):
            nest.SetDefaults(model, {"tau_plus": -1.0})
    nest.CopyModel("stdp_pl_synapse_hom", "pl2", {"mu": 0.9})
    assert nest.GetDefaults("pl2")["mu"] == 0.9
    assert nest.GetDefaults("stdp_pl_synapse_hom")["mu"] == 0.4
    nest.Connect(n, n, "one_to_one", {"synapse_model": "pl2", "weight": 2.0})
    c = nest.GetConnections(synapse_model="pl2")
    with pytest.raises(nest.NESTErrors.UnaccessedDictionaryEntry):
        c.set({"mu": 0.5})
    assert "t_last" not in nest.GetDefaults("stdp_synapse_hom")


@pytest.mark.parametrize("model", ["stdp_synapse", "tsodyks2_synapse", "static_synapse"])
def test_hpc_variants_are_the_same_models(model):
    """NEST's *_hpc names (a memory layout in NEST, the only one here) give
    exactly the base model's results."""
    out = []
    for name in (model, model + "_hpc"):
        nest.ResetKernel()
        n = nest.Create("iaf_psc_alpha", 20, params={"I_e": 380.0})
        n.V_m = [-70.0 + 0.7 * i for i in range(20)]
        nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": 5},
                     {"synapse_model": name, "weight": 30.0, "delay": 1.5})
        sr = nest.Create("spike_recorder")
        nest.Connect(n, sr)
        nest.Simulate(300.0)
        c = nest.GetConnections(source=n, target=n, synapse_model=name)
        out.append((np.asarray(c.get("weight")), sr.events["times"], sr.events["senders"]))
        assert name in nest.synapse_models
    assert len(out[0][1]) > 20
    for a, b in zip(out[0], out[1]):
        assert np.array_equal(a, b)
