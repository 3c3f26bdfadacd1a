"""Models that send a value with each spike (the payload, in NEST's offset
field) and the receptors that multiply the weight by it: iaf_tum_2000 (the
release of its built-in Tsodyks-Markram synapse, receptor 1) and
iaf_bw_2001 (the NMDA jump, receptor NMDA)."""
import numpy as np
import pytest

import pynestlite as nest


@pytest.fixture(autouse=True)
def reset():
    nest.ResetKernel()


def _tum_and_tsodyks(tau_fac):
    """NEST's own check: a pair of iaf_tum_2000 connected on receptor 1
    equals a pair of iaf_psc_exp connected by tsodyks_synapse."""
    dc = nest.Create("dc_generator", 1, {"amplitude": 500.0, "start": 50.0, "stop": 1050.0})
    par = {"tau_psc": 2.0, "tau_rec": 400.0, "tau_fac": tau_fac}
    tum = nest.Create("iaf_tum_2000", 2, par)
    exp = nest.Create("iaf_psc_exp", 2)
    nest.Connect(dc, tum[0])
    nest.Connect(dc, exp[0])
    nest.Connect(tum[0], tum[1], syn_spec={"weight": 250.0, "delay": 1.0, "receptor_type": 1})
    nest.Connect(exp[0], exp[1], syn_spec=dict(par, synapse_model="tsodyks_synapse",
                                               weight=250.0, delay=1.0, U=0.5, u=0.0, x=0.0,
                                               y=0.0))
    mm_t = nest.Create("multimeter", 1, {"record_from": ["V_m", "I_syn_ex"]})
    mm_e = nest.Create("multimeter", 1, {"record_from": ["V_m", "I_syn_ex"]})
    nest.Connect(mm_t, tum[1])
    nest.Connect(mm_e, exp[1])
    nest.Simulate(1200.0)
    return mm_t.events, mm_e.events


@pytest.mark.parametrize("tau_fac", [1000.0, 0.0])
def test_tum_equals_psc_exp_with_tsodyks_synapse(tau_fac):
    t, e = _tum_and_tsodyks(tau_fac)
    assert np.ptp(t["I_syn_ex"]) > 10.0
    np.testing.assert_allclose(t["V_m"], e["V_m"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t["I_syn_ex"], e["I_syn_ex"], rtol=1e-12, atol=1e-12)


def test_tum_release_is_the_recorded_offset():
    n = nest.Create("iaf_tum_2000", 1, {"I_e": 600.0, "U": 0.4, "tau_fac": 100.0})
    sr = nest.Create("spike_recorder", 1, {"time_in_steps": True})
    sr_ms = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Connect(n, sr_ms)
    nest.Simulate(100.0)
    ev = sr.events
    steps, off = np.asarray(ev["times"]), np.asarray(ev["offsets"])
    assert len(steps) > 3
    # the releases u x: x starts at 0 (the default) and recovers from t = 0
    assert np.all(off > 0.0) and np.all(off < 1.0)
    # as NEST, the time in ms is the step's time minus the payload
    np.testing.assert_allclose(sr_ms.events["times"], steps * 0.1 - off, rtol=0, atol=1e-12)
    assert nest.GetKernelStatus("off_grid_spiking")


def test_tum_connection_rules():
    a = nest.Create("iaf_tum_2000", 2)
    with pytest.raises(nest.NESTErrors.IllegalConnection):
        nest.Connect(a[0], a[1])                      # receptor 0 from iaf_tum_2000
    with pytest.raises(nest.NESTErrors.UnknownReceptorType):
        nest.Connect(a[0], a[1], syn_spec={"receptor_type": 2})
    ps = nest.Create("iaf_psc_exp_ps")
    with pytest.raises(nest.NESTErrors.IllegalConnection):
        nest.Connect(a[0], ps)                        # no precise targets
    nest.Connect(a[0], a[1], syn_spec={"receptor_type": 1})
    nest.Connect(nest.Create("iaf_psc_exp"), a[1])    # others on receptor 0
    assert nest.num_connections == 2


def test_tum_device_spikes_on_receptor_1_carry_no_release():
    # as NEST: a device's spike on the grid has offset 0, so receptor 1
    # takes w * 0
    sg = nest.Create("spike_generator", 1, {"spike_times": [1.0, 2.0]})
    n = nest.Create("iaf_tum_2000", 2)
    nest.Connect(sg, n[0], syn_spec={"weight": 1000.0, "receptor_type": 1})
    nest.Connect(sg, n[1], syn_spec={"weight": 1000.0})
    nest.Simulate(10.0)
    assert n[0].V_m == -70.0 and n[1].V_m > -70.0


def test_tum_bad_parameters():
    n = nest.Create("iaf_tum_2000")
    for bad in ({"U": 1.5}, {"u": -0.1}, {"x": 0.7, "y": 0.4}, {"tau_fac": -1.0},
                {"tau_rec": 0.0}, {"V_reset": -50.0}):
        with pytest.raises(nest.NESTErrors.BadProperty):
            n.set(bad)
    assert n.get("U") == 0.5


def test_bw_receptors_and_rules():
    bw = nest.Create("iaf_bw_2001", 2)
    assert bw[0].receptor_types == {"AMPA": 1, "GABA": 2, "NMDA": 3}
    assert nest.GetDefaults("iaf_bw_2001")["receptor_types"] == {"AMPA": 1, "GABA": 2, "NMDA": 3}
    ce = nest.Create("iaf_cond_exp")
    with pytest.raises(nest.NESTErrors.IllegalConnection):
        nest.Connect(ce, bw[0], syn_spec={"receptor_type": 3})
    with pytest.raises(nest.NESTErrors.UnknownReceptorType):
        nest.Connect(bw[0], bw[1])                    # receptor 0: no spike receptor
    with pytest.raises(nest.NESTErrors.BadProperty):
        bw[0].set({"alpha": 0.0})
    with pytest.raises(nest.KernelException):
        bw[0].set({"I_NMDA": 1.0})                    # read only


def test_bw_nmda_jump_and_gate():
    # the sender's jumps k_0 + k_1 s_pre (s_pre decaying with tau_decay_NMDA
    # between spikes) arrive at the target's s_NMDA times the weight
    pre = nest.Create("iaf_bw_2001", 1, {"t_ref": 0.0})
    post = nest.Create("iaf_bw_2001", 1)
    sg = nest.Create("spike_generator", 1, {"spike_times": [1.0, 20.0]})
    nest.Connect(sg, pre, syn_spec={"weight": 400.0, "receptor_type": 1})
    nest.Connect(pre, post, syn_spec={"weight": 2.0, "delay": 1.0, "receptor_type": 3})
    sr = nest.Create("spike_recorder", 1, {"time_in_steps": True})
    nest.Connect(pre, sr)
    nest.Simulate(60.0)
    off = np.asarray(sr.events["offsets"])
    steps = np.asarray(sr.events["times"])
    assert len(off) >= 2
    from math import exp, expm1, gamma
    from scipy.special import gammainc
    a, tr, td = 0.5, 2.0, 100.0
    k1 = expm1(-a * tr)
    k0 = (a * tr) ** (tr / td) * gammainc(1 - tr / td, a * tr) * gamma(1 - tr / td)
    s_pre = 0.0
    t_last = -1.0
    for st, o in zip(steps, off):
        t = st * 0.1
        s_pre *= exp(-(t - t_last) / td)
        jump = k0 + k1 * s_pre
        assert o == pytest.approx(jump, rel=1e-13)
        s_pre += jump
        t_last = t
    # the last jump decays at the target with tau_decay_NMDA
    last = steps[-1] * 0.1 + 1.0
    expect = sum(2.0 * o * np.exp(-(60.0 - (st * 0.1 + 1.0)) / td) for st, o in zip(steps, off))
    assert last < 60.0
    assert post.s_NMDA == pytest.approx(expect, rel=1e-3)


def test_payload_receptor_takes_static_synapses_only():
    a = nest.Create("iaf_tum_2000", 2)
    with pytest.raises(nest.NESTErrors.IllegalConnection):
        nest.Connect(a[0], a[1], syn_spec={"synapse_model": "tsodyks_synapse",
                                           "receptor_type": 1})
    nest.CopyModel("static_synapse", "my_static")
    nest.Connect(a[0], a[1], syn_spec={"synapse_model": "my_static", "receptor_type": 1})
    assert nest.num_connections == 1


def test_bw_exact_nmda_ports():
    ex = nest.Create("iaf_bw_2001_exact", 3)
    bw = nest.Create("iaf_bw_2001")
    # any sender may use the exact model's NMDA receptor, not the approximate one's
    nest.Connect(bw, ex[0], syn_spec={"receptor_type": 3})
    with pytest.raises(nest.NESTErrors.IllegalConnection):
        nest.Connect(ex[0], bw, syn_spec={"receptor_type": 3})
    nest.Connect(ex[1:], ex[0], syn_spec={"receptor_type": 3, "weight": 2.0})
    nest.Connect(ex[1], ex[0], syn_spec={"receptor_type": 1})
    rec = nest.GetConnections(target=ex[0]).get(["source", "receptor"])
    assert sorted(zip(rec["source"], rec["receptor"])) == [(2, 1), (2, 4), (3, 5), (4, 3)]
    with pytest.raises(nest.NESTErrors.UnknownReceptorType):
        nest.Connect(ex[1], ex[0], syn_spec={"receptor_type": 4})
    nest.Simulate(1.0)
    with pytest.raises(nest.NESTErrors.IllegalConnection):
        nest.Connect(ex[0], ex[1], syn_spec={"receptor_type": 3})
    nest.Connect(ex[0], ex[1], syn_spec={"receptor_type": 1})     # AMPA still fine


def test_bw_exact_nmda_connection_limit():
    ex = nest.Create("iaf_bw_2001_exact", 2)
    par = nest.Create("parrot_neuron", 31)
    nest.Connect(par, ex[0], syn_spec={"receptor_type": 3})
    with pytest.raises(nest.NESTErrors.NotImplemented):
        nest.Connect(par[0], ex[0], syn_spec={"receptor_type": 3})
    nest.Simulate(5.0)
    assert nest.num_connections == 31


def _payload_net():
    nest.ResetKernel()
    tum = nest.Create("iaf_tum_2000", 3, {"I_e": 500.0, "tau_fac": 50.0})
    bw = nest.Create("iaf_bw_2001", 3, {"t_ref": 1.0})
    dc = nest.Create("dc_generator", 1, {"amplitude": 600.0})
    nest.Connect(dc, bw)
    nest.Connect(tum, tum, syn_spec={"weight": 300.0, "delay": 1.5, "receptor_type": 1})
    nest.Connect(bw, bw, syn_spec={"weight": 1.0, "delay": 2.0, "receptor_type": 3})
    sr = nest.Create("spike_recorder", 1, {"time_in_steps": True})
    nest.Connect(tum + bw, sr)
    return tum + bw, sr


def test_payload_models_checkpoint_continue_exactly(tmp_path):
    nodes, sr = _payload_net()
    nest.Simulate(120.0)
    whole = (nodes.get("V_m"), sr.events["times"].copy(), sr.events["offsets"].copy())
    nodes, sr = _payload_net()
    nest.Simulate(57.0)
    nest.save_state(str(tmp_path / "p.h5"))
    first = (sr.events["times"].copy(), sr.events["offsets"].copy())
    nodes, sr = _payload_net()
    nest.load_state(str(tmp_path / "p.h5"))
    nest.Simulate(63.0)
    assert nodes.get("V_m") == whole[0]
    np.testing.assert_array_equal(np.concatenate([first[0], sr.events["times"]]), whole[1])
    np.testing.assert_array_equal(np.concatenate([first[1], sr.events["offsets"]]), whole[2])
    assert len(whole[1]) > 20


def test_bw_exact_refuses_checkpoint(tmp_path):
    nest.Create("iaf_bw_2001_exact")
    nest.Simulate(1.0)
    with pytest.raises(nest.KernelException):
        nest.save_state(str(tmp_path / "x.h5"))
