"""Deterministic simulation scenarios shared by NEST and pynestlite.

Every scenario is a function ``run_<name>(nest) -> dict[str, numpy.ndarray]``
that receives the simulator *module* (``nest`` or ``pynestlite``) and uses
only the public PyNEST 3 API, so the very same code produces the NEST
reference data (``tests/data/make_nest_reference.py``) and the pynestlite
results under test (``tests/test_models_vs_nest.py``).

Conventions for the returned arrays (the tests rely on them):

* ``<prefix>spike_times`` / ``<prefix>spike_senders``: spike_recorder events
  of *neurons* (counted by the "model fires" sanity check);
* ``<prefix>relay_times`` / ``<prefix>relay_senders``: spike_recorder events of
  generators and parrot neurons;
* ``<prefix>vm_times`` / ``<prefix>vm_senders`` / ``<prefix>V_m``: multimeter /
  voltmeter events;
* any other key is an exact quantity (counts, final values read with ``get``)
  unless it ends in ``V_m`` (then it is a membrane potential) or ``_analog``
  (another recorded analog quantity, compared as V_m).

Events are sorted by (sender, time) (stable sort, so equal pairs keep their
order) because the order in which a simulator hands out events is not part
of the contract.  Membrane potentials are compared with a relative tolerance
(``VM_RTOL``); times, senders and counts must match exactly.
"""

import numpy as np

DEFAULT_VM_RTOL = 1e-9
# Scenario-specific V_m tolerance (ODE solvers with adaptive step size).
VM_RTOL = {
    "cond_exp_drive": 1e-6,
    "cond_alpha_drive": 1e-6,
    "aeif_alpha_drive": 1e-6,
    "aeif_exp_drive": 1e-6,
    # (current synapses: NEST's own first step, equal to 1e-14 in a direct check)
    "aeif_psc_alpha_drive": 1e-9,
    "aeif_psc_exp_drive": 1e-9,
    "hh_psc_alpha_drive": 1e-6,
    "hh_cond_exp_traub_drive": 1e-6,
    "hh_psc_alpha_clopath_drive": 1e-6,
    "aeif_psc_delta_clopath_drive": 1e-6,
    "iaf_chxk_2008_drive": 1e-6,
    "aeif_multisynapse": 1e-6,
    "cond_beta_drive": 1e-6,      # (RKF45; equal to the last bit today)
    "glif_cond": 1e-6,            # (RKF45)
    "iaf_bw_2001_network": 1e-6,  # (RKF45)
    "iaf_bw_2001_exact_network": 1e-6,  # (RKF45)
    "ht_neuron_drive": 1e-6,      # (RKF45; V_m and the *_analog recordables)
    "ht_synapse": 1e-6,           # (ht_neuron targets: RKF45)
}


def vm_rtol(name):
    return VM_RTOL.get(name, DEFAULT_VM_RTOL)


def is_vm_key(key):
    """Keys compared with the scenario's tolerance: membrane potentials and
    other recorded analog quantities of ODE models (suffix ``_analog``)."""
    return key.endswith("V_m") or key.endswith("_analog")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _reset(nest, resolution=0.1):
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": resolution})


def _multimeter(nest, targets, interval, **extra):
    params = {"record_from": ["V_m"], "interval": interval}
    params.update(extra)
    mm = nest.Create("multimeter", 1, params)
    nest.Connect(mm, targets)
    return mm


def _spike_recorder(nest, sources, **params):
    sr = nest.Create("spike_recorder", 1, params)
    nest.Connect(sources, sr)
    return sr


def _order(senders, times):
    senders = np.asarray(senders)
    times = np.asarray(times)
    return np.lexsort((times, senders))


def _vm(mm, prefix=""):
    ev = mm.get("events")
    senders = np.asarray(ev["senders"], dtype=np.int64)
    times = np.asarray(ev["times"], dtype=np.float64)
    vm = np.asarray(ev["V_m"], dtype=np.float64)
    idx = _order(senders, times)
    return {
        prefix + "vm_times": times[idx],
        prefix + "vm_senders": senders[idx],
        prefix + "V_m": vm[idx],
    }


def _spikes(sr, prefix="", kind="spike"):
    ev = sr.get("events")
    senders = np.asarray(ev["senders"], dtype=np.int64)
    times = np.asarray(ev["times"], dtype=np.float64)
    idx = _order(senders, times)
    return {
        prefix + kind + "_times": times[idx],
        prefix + kind + "_senders": senders[idx],
    }


def _final(nodes, prefix=""):
    """Final V_m and t_spike (time of last spike, -1 if none) via ``get``.

    Exercises the three PyNEST 3 forms: ``get([names])`` on one node returns
    a dict of scalars, ``get(name)`` on several nodes a tuple, and
    ``get(name)`` on one node (iterating a NodeCollection) a scalar.
    """
    if len(nodes) == 1:
        status = nodes.get(["V_m", "t_spike"])
        vm = [status["V_m"]]
        t_spike = [status["t_spike"]]
    else:
        vm = list(nodes.get("V_m"))
        t_spike = [node.get("t_spike") for node in nodes]
    return {
        prefix + "final_V_m": np.asarray(vm, dtype=np.float64),
        prefix + "final_t_spike": np.asarray(t_spike, dtype=np.float64),
    }


# ---------------------------------------------------------------------------
# single-neuron drive scenarios, one per model
# ---------------------------------------------------------------------------

def _drive(nest, model, params, exc_times, exc_weights, inh_times, inh_weight,
           dc, t_sim):
    """One neuron driven by spike generators (delays 1.0 / 2.3 / 1.7 ms) + dc.

    * ``sg_mixed`` carries excitatory *and* inhibitory spikes through
      ``spike_weights`` (multiplied by the connection weight); it is connected
      twice (multapse) with delay 1.0 ms / weight 1.0 and delay 2.3 ms /
      weight 0.5.
    * ``sg_inh`` has no spike_weights and a negative connection weight,
      delay 1.7 ms.
    * a dc_generator with amplitude/start/stop, connection delay 0.1 ms.
    """
    _reset(nest)
    neuron = nest.Create(model, 1, params)
    sg_mixed = nest.Create("spike_generator", 1,
                           {"spike_times": exc_times, "spike_weights": exc_weights})
    sg_inh = nest.Create("spike_generator", 1, {"spike_times": inh_times})
    dcg = nest.Create("dc_generator", 1, dc)
    mm = _multimeter(nest, neuron, 0.1)
    sr = _spike_recorder(nest, neuron)
    nest.Connect(sg_mixed, neuron, "all_to_all",
                 {"synapse_model": "static_synapse", "weight": 1.0, "delay": 1.0})
    nest.Connect(sg_mixed, neuron, "one_to_one", {"weight": 0.5, "delay": 2.3})
    nest.Connect(sg_inh, neuron, syn_spec={"weight": inh_weight, "delay": 1.7})
    nest.Connect(dcg, neuron, syn_spec={"delay": 0.1})
    nest.Simulate(t_sim)
    out = {}
    out.update(_vm(mm))
    out.update(_spikes(sr))
    out.update(_final(neuron))
    return out


_EXC_TIMES = [5.0, 10.0, 10.5, 20.0, 20.1, 45.0, 70.2, 95.5, 120.0, 121.0,
              150.0, 181.3, 200.0, 222.2]


def run_delta_drive(nest):
    params = {"C_m": 200.0, "tau_m": 15.0, "t_ref": 3.0, "E_L": -70.0,
              "V_th": -55.0, "V_reset": -68.0, "V_m": -65.0, "I_e": 60.0}
    w = [8.0, -5.0, 12.0, 9.0, 7.5, -10.0, 6.0, -20.0, 14.0, 11.0, 16.0, -4.0,
         9.0, 13.0]  # mV (scaled by connection weights 1.0 and 0.5)
    return _drive(nest, "iaf_psc_delta", params, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-6.0,
                  dc={"amplitude": 300.0, "start": 30.0, "stop": 180.0},
                  t_sim=250.0)


def run_exp_drive(nest):
    params = {"C_m": 180.0, "tau_m": 12.0, "tau_syn_ex": 1.5, "tau_syn_in": 6.0,
              "t_ref": 2.5, "E_L": -65.0, "V_th": -50.0, "V_reset": -67.0,
              "V_m": -60.0, "I_e": 100.0}
    w = [900.0, -600.0, 1500.0, 1200.0, 1100.0, -900.0, 1000.0, -1500.0,
         2000.0, 1400.0, 1800.0, -500.0, 1300.0, 1700.0]  # pA
    return _drive(nest, "iaf_psc_exp", params, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-400.0,
                  dc={"amplitude": 250.0, "start": 40.0, "stop": 160.0},
                  t_sim=250.0)


def run_exp_drive_high_conductance(nest):
    """iaf_psc_exp with the sampling example's Table 4.1 neuron: tau_m = 0.1 ms
    equal to the resolution (C_m 200 pF, g_L 2 uS), tau_syn 10 ms, t_ref 10 ms,
    E_L = V_th = -50 mV, V_reset = -55.1 mV; the membrane follows the synaptic
    current almost at once, so threshold crossings come from current jumps."""
    params = {"C_m": 200.0, "tau_m": 0.1, "tau_syn_ex": 10.0, "tau_syn_in": 10.0,
              "t_ref": 10.0, "E_L": -50.0, "V_th": -50.0, "V_reset": -55.1,
              "V_m": -52.0, "I_e": -1500.0}
    w = [900.0, -600.0, 1500.0, 1200.0, 1100.0, -900.0, 1000.0, -1500.0,
         2000.0, 1400.0, 1800.0, -500.0, 1300.0, 1700.0]  # pA
    return _drive(nest, "iaf_psc_exp", params, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-400.0,
                  dc={"amplitude": 1200.0, "start": 40.0, "stop": 160.0},
                  t_sim=250.0)


def run_exp_htum_drive(nest):
    """iaf_psc_exp_htum: absolute refractoriness 2 ms, total 6 ms (the
    membrane integrates but cannot spike in between); strong drive so that
    the threshold is crossed during the relative refractory period."""
    params = {"C_m": 180.0, "tau_m": 12.0, "tau_syn_ex": 1.5, "tau_syn_in": 6.0,
              "t_ref_abs": 2.0, "t_ref_tot": 6.0, "E_L": -65.0, "V_th": -50.0,
              "V_reset": -67.0, "V_m": -60.0, "I_e": 600.0}
    w = [900.0, -600.0, 1500.0, 1200.0, 1100.0, -900.0, 1000.0, -1500.0,
         2000.0, 1400.0, 1800.0, -500.0, 1300.0, 1700.0]  # pA
    return _drive(nest, "iaf_psc_exp_htum", params, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-400.0,
                  dc={"amplitude": 250.0, "start": 40.0, "stop": 160.0},
                  t_sim=250.0)


def run_ignore_and_fire(nest):
    """ignore_and_fire at several rates and phases (one set after Create,
    one changed between two Simulate calls), receiving input it ignores,
    driving an iaf_psc_alpha whose V_m shows the spikes."""
    _reset(nest)
    iaf = nest.Create("ignore_and_fire", 4, {"rate": 50.0})
    iaf[1].set({"rate": 33.0, "phase": 0.25})
    iaf[2].set({"rate": 120.0, "phase": 0.5})
    iaf[3].set({"rate": 7.0, "phase": 0.9})
    target = nest.Create("iaf_psc_alpha", 1, {"I_e": 300.0})
    nest.Connect(iaf, target, syn_spec={"weight": 150.0, "delay": 1.5})
    nest.Connect(target, iaf, syn_spec={"weight": 1000.0, "delay": 1.0})
    sr = _spike_recorder(nest, iaf + target)
    mm = _multimeter(nest, target, 0.1)
    nest.Simulate(120.0)
    iaf[0].set({"rate": 80.0, "phase": 0.3})
    nest.Simulate(100.0)
    out = {}
    out.update(_vm(mm))
    out.update(_spikes(sr))
    return out


def run_frozen_nodes(nest):
    """Frozen nodes (NEST's ``frozen``: not updated, events still arrive):
    neurons frozen in some runs and thawed in others, receiving spikes and a
    current while frozen (their input stays in the ring buffer, as NEST's);
    a frozen spike_generator, dc_generator and parrot send nothing; a frozen
    spike_recorder still records; the multimeter gets no samples of a frozen
    neuron.  Run lengths that are not multiples of min_delay or of the
    recording interval."""
    _reset(nest)
    nrn = nest.Create("iaf_psc_alpha", 3, {"I_e": 380.0})
    nrn[1].set(I_e=0.0)
    delta = nest.Create("iaf_psc_delta", 1, {"I_e": 420.0, "t_ref": 1.3})
    sg = nest.Create("spike_generator", 1,
                     {"spike_times": [0.5, 1.2, 2.0, 3.7, 6.1, 8.8, 9.9, 12.4, 15.5,
                                      18.0, 21.3, 26.6, 31.0, 33.3]})
    dc = nest.Create("dc_generator", 1, {"amplitude": 250.0, "start": 2.0})
    par = nest.Create("parrot_neuron", 2)
    nest.Connect(sg, nrn, syn_spec={"weight": 600.0, "delay": 1.5})
    nest.Connect(sg, delta, syn_spec={"weight": 3.0, "delay": 1.0})
    nest.Connect(sg, par, syn_spec={"delay": 1.0})
    nest.Connect(dc, nrn[1:] + delta, syn_spec={"delay": 0.1})
    nest.Connect(nrn[2], nrn[0], syn_spec={"weight": 200.0, "delay": 2.2})
    mm = _multimeter(nest, nrn + delta, 0.3)
    sr = _spike_recorder(nest, nrn + delta)
    sr_par = _spike_recorder(nest, par)
    nrn[0].frozen = True
    delta.frozen = True
    par[0].frozen = True
    sr.frozen = True
    nest.Simulate(7.3)
    nrn[0].frozen = False
    nrn[1].frozen = True
    sg.frozen = True
    nest.Simulate(11.1)
    nrn[1].frozen = False
    sg.frozen = False
    dc.frozen = True
    delta.frozen = False
    par[0].frozen = False
    par[1].frozen = True
    nest.Simulate(9.0)
    dc.frozen = False
    nest.Simulate(12.6)
    out = _neuron_results(mm, sr)
    out.update(_spikes(sr_par, kind="relay"))
    out.update(_final(nrn + delta))
    out["frozen"] = np.asarray([n.get("frozen") for n in nrn + delta + sg + dc + par + sr],
                               np.int64)
    return out


def run_ignore_and_spike(nest):
    """``ignore_and_spike``: iaf_psc_delta and eprop_iaf driven to fire on
    their own but spiking only at the offset and every interval after it
    (steps counted down from the latest setting of either key); their input
    and dynamics go on (V_m recorded), a target shows the spikes."""
    _reset(nest)
    delta = nest.Create("iaf_psc_delta", 2, {"I_e": 500.0, "ignore_and_spike": True,
                                              "ignore_and_spike_offset": 2.3,
                                              "ignore_and_spike_interval": 7.0})
    delta[1].set(ignore_and_spike_interval=3.1)
    ep = nest.Create("eprop_iaf", 1, {"ignore_and_spike": True,
                                      "ignore_and_spike_offset": 1.5,
                                      "ignore_and_spike_interval": 4.4, "I_e": 3000.0})
    plain = nest.Create("iaf_psc_delta", 1, {"I_e": 500.0})
    target = nest.Create("iaf_psc_alpha", 1)
    nest.Connect(delta + plain, target, syn_spec={"weight": 100.0, "delay": 1.0})
    nest.Connect(plain, delta, syn_spec={"weight": 2.0, "delay": 1.0})
    sr = _spike_recorder(nest, delta + ep + plain)
    mm = _multimeter(nest, delta + plain + target, 0.1)
    nest.Simulate(23.2)
    delta[0].set(ignore_and_spike_offset=0.4)
    nest.Simulate(20.0)
    delta[1].set(ignore_and_spike=False)
    nest.Simulate(15.0)
    out = _neuron_results(mm, sr)
    out.update(_final(delta + plain))
    return out

def run_archive_status(nest):
    """``post_trace`` (the trace the latest pair-based STDP read of the
    target returned) and ``archiver_length`` (spikes the archive holds) of
    an iaf_psc_alpha and a parrot_neuron (receptor 1: not repeated) read
    after every 1 ms run while stdp, stdp_synapse_hom and vogels_sprekeler
    synapses deliver; a flush-sending parrot (its flush events reach no
    spike_recorder)."""
    _reset(nest)
    sg_pre = nest.Create("spike_generator", 1,
                         {"spike_times": [2.0, 5.5, 9.0, 11.3, 15.0, 18.2, 22.0, 27.5]})
    sg_post = nest.Create("spike_generator", 1, {"spike_times": [4.0, 8.1, 12.0, 16.6, 21.0]})
    pre = nest.Create("parrot_neuron", 1, {"flush_event_send_interval": 2.5})
    post_par = nest.Create("parrot_neuron", 1, {"tau_minus": 15.0})
    nrn = nest.Create("iaf_psc_alpha", 1, {"I_e": 700.0, "tau_minus": 25.0})
    nest.Connect(sg_pre, pre, syn_spec={"delay": 1.0})
    nest.Connect(sg_post, post_par, syn_spec={"delay": 1.0})
    nest.Connect(pre, post_par, syn_spec={"synapse_model": "stdp_synapse",
                                          "receptor_type": 1, "delay": 1.3})
    nest.Connect(pre, nrn, syn_spec={"synapse_model": "stdp_synapse_hom", "weight": 50.0,
                                     "delay": 2.0})
    nest.Connect(pre, nrn, syn_spec={"synapse_model": "vogels_sprekeler_synapse",
                                     "weight": 20.0, "delay": 1.1})
    mm = _multimeter(nest, nrn, 0.1)
    sr = _spike_recorder(nest, nrn)
    sr_par = _spike_recorder(nest, pre + post_par)
    trace, length = [], []
    for _ in range(32):
        nest.Simulate(1.0)
        trace.append([post_par.post_trace, nrn.post_trace])
        length.append([post_par.archiver_length, nrn.archiver_length,
                       pre.archiver_length])
    out = _neuron_results(mm, sr)
    out.update(_spikes(sr_par, kind="relay"))
    out["post_trace_analog"] = np.asarray(trace, np.float64)
    out["archiver_length"] = np.asarray(length, np.int64)
    return out

def run_mat2_drive(nest):
    """mat2_psc_exp: non-resetting, adaptive threshold (V_th recorded too)."""
    params = {"C_m": 120.0, "tau_m": 6.0, "tau_syn_ex": 1.2, "tau_syn_in": 3.5,
              "t_ref": 2.0, "E_L": -65.0, "omega": -50.0, "alpha_1": 20.0,
              "alpha_2": 3.0, "V_m": -62.0, "I_e": 450.0, "V_th_alpha_2": 1.0}
    w = [300.0, -200.0, 500.0, 400.0, 350.0, -300.0, 330.0, -500.0,
         650.0, 450.0, 600.0, -150.0, 430.0, 560.0]  # pA
    out = _drive(nest, "mat2_psc_exp", params, _EXC_TIMES, w,
                 inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-250.0,
                 dc={"amplitude": 150.0, "start": 40.0, "stop": 160.0},
                 t_sim=250.0)
    return out


def run_amat2_drive(nest):
    """amat2_psc_exp with a voltage-dependent threshold (beta > 0)."""
    params = {"C_m": 150.0, "tau_m": 8.0, "tau_syn_ex": 1.2, "tau_syn_in": 3.5,
              "t_ref": 2.0, "E_L": -65.0, "omega": -52.0, "alpha_1": 12.0,
              "alpha_2": 2.0, "beta": 0.6, "tau_v": 4.0, "V_m": -62.0, "I_e": 500.0}
    w = [300.0, -200.0, 500.0, 400.0, 350.0, -300.0, 330.0, -500.0,
         650.0, 450.0, 600.0, -150.0, 430.0, 560.0]  # pA
    return _drive(nest, "amat2_psc_exp", params, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-250.0,
                  dc={"amplitude": 150.0, "start": 40.0, "stop": 160.0},
                  t_sim=250.0)


def run_calcium(nest):
    """The calcium trace Ca of neurons (NEST's structural-plasticity node):
    iaf_psc_alpha with default and changed tau_Ca/beta_Ca, a precise
    iaf_psc_exp_ps and an aeif_cond_alpha (tau_Ca 300 ms); Ca set between runs; Ca
    after each of three Simulate calls (NEST decays it to the end of each)."""
    _reset(nest)
    n = nest.Create("iaf_psc_alpha", 2, {"I_e": 500.0})
    n[1].set({"tau_Ca": 50.0, "beta_Ca": 0.2})
    ps = nest.Create("iaf_psc_exp_ps", 1, {"I_e": 600.0})
    ad = nest.Create("aeif_cond_alpha", 1, {"I_e": 700.0, "tau_Ca": 300.0})
    nodes = n + ps + ad
    mm = _multimeter(nest, n, 1.0)
    sr = _spike_recorder(nest, nodes)
    out = {}
    for i, t in enumerate((200.0, 133.3, 71.9)):
        nest.Simulate(t)
        out[f"Ca_{i}"] = np.asarray(nodes.get("Ca"), np.float64)
        if i == 0:
            n[0].set({"Ca": 1.0})
    out.update(_vm(mm))
    out.update(_spikes(sr))
    return out


def run_alpha_drive(nest):
    params = {"C_m": 220.0, "tau_m": 9.0, "tau_syn_ex": 0.8, "tau_syn_in": 4.0,
              "t_ref": 2.2, "E_L": -68.0, "V_th": -54.0, "V_reset": -70.0,
              "V_m": -68.0, "I_e": 150.0, "V_min": -80.0}
    w = [900.0, -600.0, 1500.0, 1200.0, 1100.0, -900.0, 1000.0, -1500.0,
         2000.0, 1400.0, 1800.0, -500.0, 1300.0, 1700.0]  # pA
    return _drive(nest, "iaf_psc_alpha", params, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-300.0,
                  dc={"amplitude": 320.0, "start": 40.0, "stop": 160.0},
                  t_sim=250.0)


def run_cond_exp_drive(nest):
    params = {"C_m": 250.0, "g_L": 16.7, "E_L": -70.0, "E_ex": 0.0,
              "E_in": -80.0, "tau_syn_ex": 0.5, "tau_syn_in": 3.0,
              "t_ref": 2.0, "V_th": -55.0, "V_reset": -62.0, "V_m": -68.0,
              "I_e": 200.0}
    w = [12.0, -8.0, 25.0, 20.0, 18.0, -15.0, 16.0, -30.0, 35.0, 22.0, 30.0,
         -6.0, 20.0, 28.0]  # nS (negative = inhibitory conductance)
    return _drive(nest, "iaf_cond_exp", params, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-10.0,
                  dc={"amplitude": 300.0, "start": 50.0, "stop": 170.0},
                  t_sim=250.0)


def run_cond_alpha_drive(nest):
    params = {"C_m": 200.0, "g_L": 15.0, "E_L": -68.0, "E_ex": 0.0,
              "E_in": -82.0, "tau_syn_ex": 0.4, "tau_syn_in": 2.5,
              "t_ref": 1.5, "V_th": -54.0, "V_reset": -61.0, "V_m": -66.0,
              "I_e": 150.0}
    w = [10.0, -8.0, 20.0, 16.0, 15.0, -12.0, 14.0, -25.0, 28.0, 18.0, 25.0,
         -5.0, 16.0, 22.0]  # nS (negative = inhibitory conductance)
    return _drive(nest, "iaf_cond_alpha", params, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-8.0,
                  dc={"amplitude": 280.0, "start": 50.0, "stop": 170.0},
                  t_sim=250.0)


def run_cond_beta_drive(nest):
    params = {"C_m": 200.0, "g_L": 12.0, "tau_rise_ex": 0.3, "tau_decay_ex": 2.5,
              "tau_rise_in": 1.0, "tau_decay_in": 6.0, "t_ref": 2.5, "E_L": -68.0,
              "V_th": -52.0, "V_reset": -65.0, "V_m": -68.0, "I_e": 150.0}
    w = [10.0, -8.0, 20.0, 16.0, 15.0, -12.0, 14.0, -25.0, 28.0, 18.0, 25.0,
         -5.0, 16.0, 22.0]  # nS
    return _drive(nest, "iaf_cond_beta", params, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-8.0,
                  dc={"amplitude": 200.0, "start": 50.0, "stop": 170.0},
                  t_sim=250.0)


def run_cond_exp_sfa_rr_drive(nest):
    params = {"I_e": 600.0, "q_sfa": 10.0, "q_rr": 800.0, "t_ref": 1.0}
    w = [10.0, -8.0, 20.0, 16.0, 15.0, -12.0, 14.0, -25.0, 28.0, 18.0, 25.0,
         -5.0, 16.0, 22.0]  # nS
    return _drive(nest, "iaf_cond_exp_sfa_rr", params, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-8.0,
                  dc={"amplitude": 300.0, "start": 50.0, "stop": 170.0},
                  t_sim=250.0)


def run_aeif_alpha_drive(nest):
    params = {"I_e": 650.0, "a": 2.0, "b": 60.0, "tau_w": 100.0, "V_m": -70.6}
    w = [10.0, -8.0, 20.0, 16.0, 15.0, -12.0, 14.0, -25.0, 28.0, 18.0, 25.0,
         -5.0, 16.0, 22.0]  # nS
    return _drive(nest, "aeif_cond_alpha", params, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-8.0,
                  dc={"amplitude": 250.0, "start": 50.0, "stop": 170.0},
                  t_sim=250.0)


def run_aeif_psc_alpha_drive(nest):
    params = {"I_e": 600.0, "a": 2.0, "b": 60.0, "tau_w": 100.0, "t_ref": 1.5,
              "tau_syn_ex": 0.8, "tau_syn_in": 2.5}
    w = [300.0, -250.0, 600.0, 450.0, 400.0, -350.0, 420.0, -700.0, 800.0, 500.0, 700.0,
         -150.0, 450.0, 650.0]  # pA
    return _drive(nest, "aeif_psc_alpha", params, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-300.0,
                  dc={"amplitude": 250.0, "start": 50.0, "stop": 170.0},
                  t_sim=250.0)


def run_aeif_psc_delta_drive(nest):
    params = {"I_e": 600.0, "a": 2.0, "b": 60.0, "tau_w": 100.0, "t_ref": 2.0}
    w = [6.0, -5.0, 12.0, 9.0, 8.0, -7.0, 8.5, -14.0, 16.0, 10.0, 14.0,
         -3.0, 9.0, 13.0]  # mV
    return _drive(nest, "aeif_psc_delta", params, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-6.0,
                  dc={"amplitude": 250.0, "start": 50.0, "stop": 170.0},
                  t_sim=250.0)


def run_aeif_psc_exp_drive(nest):
    params = {"I_e": 550.0, "t_ref": 2.0, "Delta_T": 1.5, "V_peak": -10.0,
              "tau_syn_ex": 0.5, "tau_syn_in": 3.0, "gsl_error_tol": 1e-7}
    w = [400.0, -300.0, 800.0, 650.0, 600.0, -500.0, 520.0, -900.0, 1000.0, 700.0, 900.0,
         -200.0, 650.0, 850.0]  # pA
    return _drive(nest, "aeif_psc_exp", params, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-400.0,
                  dc={"amplitude": 300.0, "start": 50.0, "stop": 170.0},
                  t_sim=250.0)


def run_aeif_exp_drive(nest):
    params = {"I_e": 500.0, "t_ref": 2.0, "Delta_T": 1.5, "V_peak": -10.0,
              "tau_syn_ex": 0.5, "tau_syn_in": 3.0, "gsl_error_tol": 1e-7}
    w = [12.0, -8.0, 25.0, 20.0, 18.0, -15.0, 16.0, -30.0, 35.0, 22.0, 30.0,
         -6.0, 20.0, 28.0]  # nS
    return _drive(nest, "aeif_cond_exp", params, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-10.0,
                  dc={"amplitude": 300.0, "start": 50.0, "stop": 170.0},
                  t_sim=250.0)


def run_izhikevich_drive(nest):
    w = [4.0, -3.0, 6.0, 5.0, 5.0, -4.0, 4.5, -6.0, 8.0, 5.0, 7.0, -2.0, 5.0, 6.0]  # mV
    return _drive(nest, "izhikevich", {"I_e": 4.0, "a": 0.02, "b": 0.2, "c": -60.0,
                                       "d": 6.0}, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-3.0,
                  dc={"amplitude": 5.0, "start": 50.0, "stop": 170.0}, t_sim=250.0)


def run_hh_psc_alpha_drive(nest):
    w = [300.0, -200.0, 600.0, 500.0, 450.0, -400.0, 420.0, -700.0, 800.0, 500.0, 700.0,
         -150.0, 480.0, 650.0]  # pA
    return _drive(nest, "hh_psc_alpha", {"I_e": 600.0, "t_ref": 1.5}, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-300.0,
                  dc={"amplitude": 250.0, "start": 50.0, "stop": 170.0}, t_sim=250.0)


def run_hh_psc_alpha_clopath_drive(nest):
    """hh_psc_alpha_clopath as hh_psc_alpha_drive, with the filtered membrane
    potentials recorded (short filter time constants, so that they move)."""
    w = [300.0, -200.0, 600.0, 500.0, 450.0, -400.0, 420.0, -700.0, 800.0, 500.0, 700.0,
         -150.0, 480.0, 650.0]  # pA
    _reset(nest)
    n = nest.Create("hh_psc_alpha_clopath", 1, {"I_e": 600.0, "t_ref": 1.5,
                                                 "tau_u_bar_plus": 7.0, "tau_u_bar_bar": 50.0})
    sg = nest.Create("spike_generator", 1, {"spike_times": _EXC_TIMES, "spike_weights": w})
    nest.Connect(sg, n, syn_spec={"weight": 1.0, "delay": 1.0})
    mm = _multimeter(nest, n, 0.1, record_from=["V_m", "u_bar_plus", "u_bar_minus",
                                                "u_bar_bar"])
    sr = _spike_recorder(nest, n)
    nest.Simulate(120.0)
    nest.Simulate(80.0)
    out = {}
    out.update(_vm(mm))
    ev = mm.get("events")
    idx = _order(np.asarray(ev["senders"]), np.asarray(ev["times"]))
    for key in ("u_bar_plus", "u_bar_minus", "u_bar_bar"):
        out[key] = np.asarray(ev[key], np.float64)[idx]
    out.update(_spikes(sr))
    out.update(_final(n))
    return out


def run_aeif_psc_delta_clopath_drive(nest):
    """aeif_psc_delta_clopath: voltage jumps, clamp, refractoriness, adaptive
    threshold and the filtered potentials; a second node with t_ref > 0 and
    a third with Delta_T = 0 (spike at the moving threshold)."""
    _reset(nest)
    n = nest.Create("aeif_psc_delta_clopath", 3, {"I_e": 1500.0})
    n[1].set({"t_ref": 1.5, "t_clamp": 1.0, "I_e": 1300.0})
    n[2].set({"Delta_T": 0.0, "I_e": 1400.0, "V_peak": 40.0})
    sg = nest.Create("spike_generator", 1, {
        "spike_times": [5.0, 10.0, 10.5, 20.0, 33.3, 45.0, 46.0, 70.2, 95.5],
        "spike_weights": [3.0, -2.0, 6.0, 5.0, 4.5, -4.0, 8.0, 5.0, 7.0]})
    nest.Connect(sg, n, syn_spec={"weight": 1.0, "delay": 1.0})
    mm = _multimeter(nest, n, 0.1, record_from=["V_m", "w", "z", "V_th", "u_bar_plus",
                                                "u_bar_minus", "u_bar_bar"])
    sr = _spike_recorder(nest, n)
    nest.Simulate(80.0)
    nest.Simulate(70.0)
    out = {}
    out.update(_vm(mm))
    ev = mm.get("events")
    idx = _order(np.asarray(ev["senders"]), np.asarray(ev["times"]))
    for key in ("w", "z", "V_th", "u_bar_plus", "u_bar_minus", "u_bar_bar"):
        out[key] = np.asarray(ev[key], np.float64)[idx]
    out.update(_spikes(sr))
    out.update(_final(n))
    return out


def run_hh_cond_exp_traub_drive(nest):
    w = [30.0, -20.0, 60.0, 50.0, 45.0, -40.0, 42.0, -70.0, 80.0, 50.0, 70.0,
         -15.0, 48.0, 65.0]  # nS
    return _drive(nest, "hh_cond_exp_traub", {"I_e": 400.0, "t_ref": 1.5}, _EXC_TIMES, w,
                  inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-30.0,
                  dc={"amplitude": 250.0, "start": 50.0, "stop": 170.0}, t_sim=250.0)


def run_iaf_chxk_2008_drive(nest):
    """The AHP neuron (interpolated spike times, AHP from the crossing), and
    with ``ahp_bug``."""
    w = [30.0, -20.0, 60.0, 50.0, 45.0, -40.0, 42.0, -70.0, 80.0, 50.0, 70.0,
         -15.0, 48.0, 65.0]  # nS
    out = _drive(nest, "iaf_chxk_2008", {"I_e": 1600.0}, _EXC_TIMES, w,
                 inh_times=[30.0, 60.0, 60.5, 130.0, 175.0], inh_weight=-30.0,
                 dc={"amplitude": 250.0, "start": 50.0, "stop": 170.0}, t_sim=250.0)
    bug = _drive(nest, "iaf_chxk_2008", {"I_e": 2500.0, "ahp_bug": True, "tau_ahp": 2.0},
                 _EXC_TIMES, w, inh_times=[30.0], inh_weight=-30.0,
                 dc={"amplitude": 100.0, "start": 50.0, "stop": 170.0}, t_sim=150.0)
    out.update({"bug_" + k: v for k, v in bug.items()})
    return out


def run_iaf_chs_2007_drive(nest):
    """The normalized LGN neuron: excitatory spikes (inhibitory ones are
    ignored) and a noise signal."""
    _reset(nest)
    n = nest.Create("iaf_chs_2007", 2)
    n[1].set({"V_noise": 0.4, "noise": list(np.sin(np.arange(1500) * 0.37) * 0.8)})
    sg = nest.Create("spike_generator", 1, {
        "spike_times": [2.0, 5.0, 5.5, 9.0, 20.0, 20.1, 20.2, 40.0, 41.0, 70.0, 90.0, 91.0],
        "spike_weights": [0.8, 0.9, 1.2, -2.0, 0.5, 0.6, 0.7, 1.6, 0.9, -1.0, 1.1, 1.3]})
    nest.Connect(sg, n, syn_spec={"weight": 1.0, "delay": 1.0})
    mm = _multimeter(nest, n, 0.1)
    sr = _spike_recorder(nest, n)
    nest.Simulate(60.0)
    nest.Simulate(40.0)
    out = {}
    out.update(_vm(mm))
    out.update(_spikes(sr))
    out.update(_final(n))
    return out


def run_izhikevich_published_numerics(nest):
    """consistent_integration=False (the 2003 paper's half steps) at h = 1 ms,
    fast-spiking parameters, with V_min."""
    _reset(nest, resolution=1.0)
    n = nest.Create("izhikevich", 2, [{"a": 0.1, "b": 0.2, "c": -65.0, "d": 2.0, "I_e": 10.0,
                                        "consistent_integration": False},
                                       {"a": 0.02, "b": 0.25, "c": -65.0, "d": 2.0, "I_e": 3.0,
                                        "V_min": -75.0, "consistent_integration": False}])
    sg = nest.Create("spike_generator", 1, {"spike_times": [20.0, 21.0, 50.0, 90.0]})
    mm = _multimeter(nest, n, 1.0)
    sr = _spike_recorder(nest, n)
    nest.Connect(sg, n, syn_spec={"weight": -30.0, "delay": 1.0})
    nest.Simulate(200.0)
    out = {}
    out.update(_vm(mm))
    out.update(_spikes(sr))
    return out


# ---------------------------------------------------------------------------
# singular propagators: tau_m == tau_syn
# ---------------------------------------------------------------------------

def _singular(nest, model, param_list, t_sim=200.0):
    """Several neurons of ``model`` with (near-)singular time constants.

    All neurons receive the same excitatory/inhibitory spikes and I_e.
    """
    _reset(nest)
    neurons = nest.Create(model, len(param_list), param_list[0])
    for node, params in zip(neurons, param_list):
        node.set(params)
    sg_ex = nest.Create("spike_generator", 1,
                        {"spike_times": [10.0, 12.0, 40.0, 41.5, 43.0, 90.0,
                                         91.0, 92.0, 93.0, 150.0]})
    sg_in = nest.Create("spike_generator", 1,
                        {"spike_times": [60.0, 61.0, 120.0, 160.0]})
    mm = _multimeter(nest, neurons, 0.1)
    sr = _spike_recorder(nest, neurons)
    nest.Connect(sg_ex, neurons, syn_spec={"weight": 700.0, "delay": 1.0})
    nest.Connect(sg_in, neurons, syn_spec={"weight": -900.0, "delay": 2.3})
    nest.Simulate(t_sim)
    out = {}
    out.update(_vm(mm))
    out.update(_spikes(sr))
    out.update(_final(neurons))
    return out


def _singular_params():
    base = {"C_m": 250.0, "E_L": -70.0, "V_th": -55.0, "V_reset": -70.0,
            "t_ref": 2.0, "I_e": 330.0}
    return [
        # exactly singular for both synapse types
        dict(base, tau_m=10.0, tau_syn_ex=10.0, tau_syn_in=10.0),
        # singular for excitation only
        dict(base, tau_m=8.0, tau_syn_ex=8.0, tau_syn_in=3.0),
        # singular for inhibition only
        dict(base, tau_m=5.0, tau_syn_ex=2.0, tau_syn_in=5.0, I_e=620.0),
        # nearly singular (relative difference 1e-8)
        dict(base, tau_m=10.0, tau_syn_ex=10.0 * (1.0 + 1e-8),
             tau_syn_in=10.0 * (1.0 - 1e-8)),
    ]


def run_exp_singular(nest):
    return _singular(nest, "iaf_psc_exp", _singular_params())


def run_alpha_singular(nest):
    params = _singular_params()
    for p in params:
        p["I_e"] = p["I_e"] - 40.0
    return _singular(nest, "iaf_psc_alpha", params)


# ---------------------------------------------------------------------------
# iaf_psc_delta special cases
# ---------------------------------------------------------------------------

def run_delta_vmin(nest):
    """V_min clamps strong inhibition (neuron 1); neuron 2 has no V_min."""
    _reset(nest)
    params = {"tau_m": 10.0, "C_m": 250.0, "t_ref": 2.0, "E_L": -70.0,
              "V_th": -55.0, "V_reset": -70.0}
    neurons = nest.Create("iaf_psc_delta", 2, params)
    neurons[0].set({"V_min": -75.0})
    sg_in = nest.Create("spike_generator", 1,
                        {"spike_times": [5.0, 5.5, 6.0, 20.0, 21.0, 60.0, 60.1,
                                         60.2, 95.0]})
    sg_ex = nest.Create("spike_generator", 1,
                        {"spike_times": [30.0, 31.0, 32.0, 33.0, 70.0, 71.0,
                                         72.0, 73.0, 74.0]})
    dcg = nest.Create("dc_generator", 1,
                      {"amplitude": 420.0, "start": 100.0, "stop": 150.0})
    mm = _multimeter(nest, neurons, 0.1)
    sr = _spike_recorder(nest, neurons)
    nest.Connect(sg_in, neurons, syn_spec={"weight": -25.0, "delay": 1.0})
    nest.Connect(sg_ex, neurons, syn_spec={"weight": 4.5, "delay": 1.0})
    nest.Connect(dcg, neurons)
    nest.Simulate(180.0)
    out = {}
    out.update(_vm(mm))
    out.update(_spikes(sr))
    out.update(_final(neurons))
    return out


def run_delta_refractory_input(nest):
    """Input arriving while the neuron is refractory.

    Neuron 1: refractory_input=False (default, input discarded);
    neuron 2: refractory_input=True.  Strong kicks (20 mV) make the neurons
    fire at known times; weaker inputs then arrive during the refractory
    period, including its last and first post-refractory steps.
    """
    _reset(nest)
    params = {"tau_m": 10.0, "C_m": 250.0, "t_ref": 6.0, "E_L": -70.0,
              "V_th": -55.0, "V_reset": -70.0}
    neurons = nest.Create("iaf_psc_delta", 2, params)
    neurons[1].set({"refractory_input": True})
    kick = nest.Create("spike_generator", 1,
                       {"spike_times": [10.0, 40.0, 70.0, 100.0]})
    # kicks arrive at 11, 41, 71, 101 -> spikes there; refractory 6 ms.
    small = nest.Create("spike_generator", 1, {
        "spike_times": [10.0, 12.0, 13.5, 15.9, 16.0, 16.1, 40.0, 44.0, 46.9,
                        47.0, 72.3, 75.0, 100.0, 101.0],
        "spike_weights": [3.0, 5.0, -3.0, 4.0, 2.0, 1.5, 6.0, 7.0, 2.5, 3.5,
                          -8.0, 6.0, 5.0, 4.0],
    })
    mm = _multimeter(nest, neurons, 0.1)
    sr = _spike_recorder(nest, neurons)
    nest.Connect(kick, neurons, syn_spec={"weight": 20.0, "delay": 1.0})
    nest.Connect(small, neurons, syn_spec={"weight": 1.0, "delay": 1.0})
    nest.Simulate(130.0)
    out = {}
    out.update(_vm(mm))
    out.update(_spikes(sr))
    out.update(_final(neurons))
    return out


# ---------------------------------------------------------------------------
# delivery timing
# ---------------------------------------------------------------------------

def run_chain(nest):
    """n1 -(1.5 ms)-> n2 -(0.3 ms)-> n3, plus n1 -(0.3 ms)-> n3.

    n1 is driven by I_e (n2, n3 get a small subthreshold I_e so that their
    V_m is not constant); each arriving spike (20 mV) fires its target
    immediately.  n1 -> n3 (weight 8 mV) alone is subthreshold.
    """
    _reset(nest)
    n1 = nest.Create("iaf_psc_delta", 1, {"I_e": 500.0, "t_ref": 2.0})
    n2 = nest.Create("iaf_psc_delta", 1, {"t_ref": 1.0, "I_e": 100.0})
    n3 = nest.Create("iaf_psc_delta", 1, {"t_ref": 0.5, "tau_m": 5.0,
                                          "I_e": 150.0})
    neurons = n1 + n2 + n3
    mm = _multimeter(nest, neurons, 0.1)
    sr = _spike_recorder(nest, neurons)
    nest.Connect(n1, n2, syn_spec={"weight": 20.0, "delay": 1.5})
    nest.Connect(n2, n3, syn_spec={"weight": 20.0, "delay": 0.3})
    nest.Connect(n1, n3, syn_spec={"weight": 8.0, "delay": 0.3})
    nest.Simulate(120.0)
    out = {}
    out.update(_vm(mm))
    out.update(_spikes(sr))
    return out


def run_parrot(nest):
    """parrot_neuron relays spikes with multiplicity into a neuron.

    sg_dup has two (and three) identical spike times -> same step;
    sg_mult uses spike_multiplicities.  The parrot's output is recorded
    (relay_*), as is the generator output itself (gen_relay_*), and the
    target neuron, for which one spike (8 mV) from rest is subthreshold but
    two or three in one step are suprathreshold.
    """
    _reset(nest)
    sg_dup = nest.Create("spike_generator", 1, {
        "spike_times": [5.0, 10.0, 10.0, 20.0, 20.0, 20.0, 33.3, 50.0, 50.0]})
    sg_mult = nest.Create("spike_generator", 1, {
        "spike_times": [15.0, 25.0, 40.0, 60.0],
        "spike_multiplicities": [2, 1, 3, 2]})
    parrot = nest.Create("parrot_neuron", 1)
    neuron = nest.Create("iaf_psc_delta", 1, {"tau_m": 20.0, "t_ref": 1.0})
    mm = _multimeter(nest, neuron, 0.1)
    sr = _spike_recorder(nest, neuron)
    sr_parrot = _spike_recorder(nest, parrot)
    sr_gen = _spike_recorder(nest, sg_dup + sg_mult)
    nest.Connect(sg_dup, parrot, syn_spec={"delay": 1.0})
    nest.Connect(sg_mult, parrot, syn_spec={"delay": 2.0})
    nest.Connect(parrot, neuron, syn_spec={"weight": 8.0, "delay": 1.2})
    nest.Simulate(80.0)
    out = {}
    out.update(_vm(mm))
    out.update(_spikes(sr))
    out.update(_spikes(sr_parrot, kind="relay"))
    out.update(_spikes(sr_gen, prefix="gen_", kind="relay"))
    return out


# ---------------------------------------------------------------------------
# Simulate() split into several calls
# ---------------------------------------------------------------------------

def _split_network(nest):
    neurons = nest.Create("iaf_psc_alpha", 2, {"tau_syn_ex": 1.0,
                                               "tau_syn_in": 3.0})
    neurons[0].set({"I_e": 380.0})
    sg = nest.Create("spike_generator", 1, {
        "spike_times": [20.0, 37.3, 37.4, 98.9, 99.0, 99.9, 100.0, 100.1,
                        130.0],
        "spike_weights": [600.0, 500.0, -400.0, 700.0, 700.0, 800.0, 900.0,
                          -300.0, 1000.0]})
    dcg = nest.Create("dc_generator", 1,
                      {"amplitude": 400.0, "start": 90.0, "stop": 120.0})
    mm = _multimeter(nest, neurons, 0.1)
    sr = _spike_recorder(nest, neurons)
    nest.Connect(sg, neurons, syn_spec={"weight": 1.0, "delay": 1.0})
    nest.Connect(neurons[0], neurons[1], syn_spec={"weight": 300.0,
                                                   "delay": 2.5})
    nest.Connect(dcg, neurons)
    return neurons, mm, sr


# prefix -> durations of the successive Simulate calls (all sum to 150 ms)
SPLIT_VARIANTS = {
    "single_": [150.0],
    "split_": [100.0, 50.0],
    "split3_": [37.3, 62.7, 50.0],
    # calls shorter than min_delay (1 ms here) and not aligned to it
    "splitodd_": [0.5, 0.3, 0.4, 36.1, 0.3, 62.4, 50.0],
}


def run_split_simulate(nest):
    """150 ms in one call vs the same time in several Simulate calls.

    The tests also require all variants to be identical to each other
    (apart from ``*n_vm_after_call``, the number of multimeter events that
    were available after each Simulate call, which pins down when NEST makes
    multimeter data available).
    """
    out = {}
    for prefix, chunks in SPLIT_VARIANTS.items():
        _reset(nest)
        neurons, mm, sr = _split_network(nest)
        counts = []
        for t in chunks:
            nest.Simulate(t)
            counts.append(len(mm.get("events")["times"]))
        out.update(_vm(mm, prefix))
        out.update(_spikes(sr, prefix))
        out.update(_final(neurons, prefix))
        out[prefix + "n_vm_after_call"] = np.asarray(counts, dtype=np.int64)
    return out


# ---------------------------------------------------------------------------
# devices
# ---------------------------------------------------------------------------

def run_offgrid_generator(nest):
    """spike_generator with allow_offgrid_times and spike_multiplicities.

    Generator output is recorded directly (relay_*) so the rounding of
    off-grid times to the grid is visible; a neuron receives the spikes.
    """
    _reset(nest)
    sg_off = nest.Create("spike_generator", 1, {
        "allow_offgrid_times": True,
        "spike_times": [1.03, 2.05, 3.0004, 4.0006, 4.95, 6.0, 7.45, 8.0999999,
                        10.25, 12.15, 12.19, 30.01]})
    sg_mult = nest.Create("spike_generator", 1, {
        "allow_offgrid_times": True,
        "spike_times": [14.0, 16.32, 18.5],
        "spike_multiplicities": [2, 3, 1]})
    neuron = nest.Create("iaf_psc_delta", 1, {"tau_m": 20.0, "t_ref": 1.0})
    parrot = nest.Create("parrot_neuron", 1)
    mm = _multimeter(nest, neuron, 0.1)
    sr = _spike_recorder(nest, neuron)
    sr_gen = _spike_recorder(nest, sg_off + sg_mult)
    sr_parrot = _spike_recorder(nest, parrot)
    nest.Connect(sg_off + sg_mult, neuron, syn_spec={"weight": 6.0,
                                                     "delay": 1.0})
    nest.Connect(sg_off + sg_mult, parrot, syn_spec={"delay": 0.5})
    nest.Simulate(40.0)
    out = {}
    out.update(_vm(mm))
    out.update(_spikes(sr))
    out.update(_spikes(sr_gen, kind="relay"))
    out.update(_spikes(sr_parrot, prefix="parrot_", kind="relay"))
    return out


def run_precise_network(nest):
    """Precise spike times end to end: a spike_generator with precise_times
    (multiplicities, two spikes in one step, a start/stop window) feeds
    parrot_neuron_ps relays (recorded directly: relay_*), which drive
    iaf_psc_exp_ps, iaf_psc_exp_ps_lossless, iaf_psc_alpha_ps and
    iaf_psc_delta_ps neurons, connected among themselves and into a grid
    iaf_psc_exp (which takes the precise spikes at the grid); a dc_generator
    with a window acts on the exp_ps neurons.  The run is split in three
    Simulate calls (mid-slice cuts)."""
    _reset(nest)
    sg = nest.Create("spike_generator", 1, {
        "precise_times": True, "start": 1.0, "stop": 90.0,
        "spike_times": [0.55, 1.05, 2.0, 3.0001, 4.33, 4.37, 10.123, 15.5, 15.55, 22.22,
                        30.001, 31.9999, 47.3, 55.05, 60.01, 75.75, 88.8, 95.0],
        "spike_multiplicities": [1, 1, 2, 1, 1, 1, 3, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 1]})
    parrots = nest.Create("parrot_neuron_ps", 2)
    common = {"I_e": 330.0, "tau_syn_ex": 1.5, "tau_syn_in": 1.5}
    ex = nest.Create("iaf_psc_exp_ps", 2, common)
    lossless = nest.Create("iaf_psc_exp_ps_lossless", 2, common)
    alpha = nest.Create("iaf_psc_alpha_ps", 2, dict(common, t_ref=1.55))
    delta = nest.Create("iaf_psc_delta_ps", 2, {"I_e": 330.0, "t_ref": 1.0})
    grid = nest.Create("iaf_psc_exp", 1, {"I_e": 300.0})
    dcg = nest.Create("dc_generator", 1, {"amplitude": 120.0, "start": 20.0, "stop": 60.0})
    neurons = ex + lossless + alpha + delta
    nest.Connect(sg, parrots[0], syn_spec={"delay": 1.0})
    nest.Connect(sg, parrots[1], syn_spec={"delay": 2.3})
    nest.Connect(parrots, ex + lossless + alpha, syn_spec={"weight": 450.0, "delay": 1.3})
    nest.Connect(parrots, delta, syn_spec={"weight": 6.0, "delay": 0.7})
    nest.Connect(ex[0], delta[1], syn_spec={"weight": 4.0, "delay": 0.2})
    nest.Connect(delta[0], ex[1] + alpha[1], syn_spec={"weight": -700.0, "delay": 0.5})
    nest.Connect(lossless[0], alpha[0], syn_spec={"weight": 300.0, "delay": 1.1})
    nest.Connect(neurons, grid, syn_spec={"weight": 150.0, "delay": 0.4})
    nest.Connect(dcg, ex + lossless, syn_spec={"delay": 0.1})
    mm = _multimeter(nest, neurons + grid, 0.1)
    sr = _spike_recorder(nest, neurons + grid)
    sr_relay = _spike_recorder(nest, parrots)
    nest.Connect(sg, sr_relay)
    for t in (37.3, 62.7, 20.0):
        nest.Simulate(t)
    out = {}
    out.update(_vm(mm))
    out.update(_spikes(sr))
    out.update(_spikes(sr_relay, kind="relay"))
    return out


def run_device_windows(nest):
    """dc_generator and spike_generator start/stop/origin timing.

    * dc1: start 10, stop 30, delay 0.1 -> neuron 1
    * dc1 also -> neuron 2 with delay 1.0 (onset shifts with the delay)
    * dc2: origin 5, start 10, stop 12.5, delay 0.1 -> neuron 3
    * sg_win: spike_times 3.9 ... 12.1 (relative to origin!) with start 4.0,
      stop 8.0, origin 1.0, recorded directly (relay_*) and sent to neuron 3.
    """
    _reset(nest)
    neurons = nest.Create("iaf_psc_delta", 3, {"tau_m": 10.0, "t_ref": 2.0})
    dc1 = nest.Create("dc_generator", 1,
                      {"amplitude": 900.0, "start": 10.0, "stop": 30.0})
    dc2 = nest.Create("dc_generator", 1,
                      {"amplitude": 2000.0, "origin": 5.0, "start": 10.0,
                       "stop": 12.5})
    sg_win = nest.Create("spike_generator", 1, {
        "spike_times": [3.9, 4.0, 4.1, 5.0, 6.9, 7.0, 7.1, 8.9, 9.0, 9.1,
                        12.1],
        "start": 4.0, "stop": 8.0, "origin": 1.0})
    mm = _multimeter(nest, neurons, 0.1)
    sr = _spike_recorder(nest, neurons)
    sr_gen = _spike_recorder(nest, sg_win)
    nest.Connect(dc1, neurons[0], syn_spec={"delay": 0.1})
    nest.Connect(dc1, neurons[1], syn_spec={"delay": 1.0})
    nest.Connect(dc2, neurons[2], syn_spec={"delay": 0.1})
    nest.Connect(sg_win, neurons[2], syn_spec={"weight": 3.0, "delay": 0.1})
    nest.Simulate(45.0)
    out = {}
    out.update(_vm(mm))
    out.update(_spikes(sr))
    out.update(_spikes(sr_gen, kind="relay"))
    return out


def run_multimeter_window(nest):
    """Which times do multimeters record with interval/start/stop/origin/offset?"""
    _reset(nest)
    neuron = nest.Create("iaf_psc_alpha", 1, {"I_e": 450.0})
    sr = _spike_recorder(nest, neuron)
    sr_win = _spike_recorder(nest, neuron, start=10.0, stop=30.0, origin=5.0)
    out = {}
    mms = {
        "a_": {"interval": 1.0},
        "b_": {"interval": 1.0, "start": 5.0, "stop": 25.0, "origin": 10.0},
        "c_": {"interval": 0.1, "start": 2.0, "stop": 3.0},
        "d_": {"interval": 2.0, "offset": 0.5},
        "e_": {"interval": 0.3, "start": 1.0, "stop": 4.3},
        "f_": {"interval": 1.0, "start": 0.5, "stop": 7.5},
    }
    recorders = {}
    for prefix, params in mms.items():
        params = dict(params)
        interval = params.pop("interval")
        recorders[prefix] = _multimeter(nest, neuron, interval, **params)
    nest.Simulate(60.0)
    for prefix, mm in recorders.items():
        out.update(_vm(mm, prefix))
    out.update(_spikes(sr))
    out.update(_spikes(sr_win, prefix="win_"))
    return out


# ---------------------------------------------------------------------------
# other resolution
# ---------------------------------------------------------------------------

def run_fine_resolution(nest):
    """Resolution 0.05 ms: iaf_psc_exp, iaf_psc_alpha, iaf_psc_delta."""
    _reset(nest, 0.05)
    n_exp = nest.Create("iaf_psc_exp", 1, {"tau_syn_ex": 0.7, "tau_syn_in": 2.5,
                                           "I_e": 300.0})
    n_alpha = nest.Create("iaf_psc_alpha", 1, {"tau_syn_ex": 0.7,
                                               "tau_syn_in": 2.5,
                                               "I_e": 300.0})
    n_delta = nest.Create("iaf_psc_delta", 1, {"I_e": 300.0, "t_ref": 1.55})
    neurons = n_exp + n_alpha + n_delta
    sg = nest.Create("spike_generator", 1, {
        "spike_times": [2.05, 10.0, 10.05, 20.35, 33.3, 47.15, 60.0, 60.05],
        "spike_weights": [1.0, 1.0, 1.0, -1.0, 1.0, 1.0, -1.0, 1.0]})
    dcg = nest.Create("dc_generator", 1,
                      {"amplitude": 150.0, "start": 25.05, "stop": 55.55})
    mm = _multimeter(nest, neurons, 0.05)
    sr = _spike_recorder(nest, neurons)
    nest.Connect(sg, n_exp + n_alpha, syn_spec={"weight": 900.0, "delay": 0.05})
    nest.Connect(sg, n_delta, syn_spec={"weight": 4.0, "delay": 1.15})
    nest.Connect(n_delta, n_alpha, syn_spec={"weight": 200.0, "delay": 0.35})
    nest.Connect(dcg, neurons, syn_spec={"delay": 0.05})
    nest.Simulate(80.0)
    out = {}
    out.update(_vm(mm))
    out.update(_spikes(sr))
    out.update(_final(neurons))
    return out


# ---------------------------------------------------------------------------
# NEST example pynest/examples/one_neuron.py (same calls, own code)
# ---------------------------------------------------------------------------

def run_one_neuron(nest):
    """iaf_psc_alpha with I_e = 376 pA, default voltmeter, 1000 ms.

    Mirrors the official example: attribute-style verbosity and parameter
    assignment, ``Connect(voltmeter, neuron)`` without specs.  A spike
    recorder is added (created last, so node ids are unchanged).
    """
    nest.verbosity = nest.VerbosityLevel.WARNING
    nest.ResetKernel()
    neuron = nest.Create("iaf_psc_alpha")
    voltmeter = nest.Create("voltmeter")
    neuron.I_e = 376.0
    nest.Connect(voltmeter, neuron)
    sr = nest.Create("spike_recorder")
    nest.Connect(neuron, sr)
    nest.Simulate(1000.0)
    out = {}
    out.update(_vm(voltmeter))
    out.update(_spikes(sr))
    return out


def run_step_and_ac_current(nest):
    """step_current_generator (on- and off-grid times, negative values, a
    window) and ac_generator (phase, offset, start/stop) driving iaf_psc_alpha
    and iaf_psc_exp; two Simulate calls so the oscillator is re-set from the
    kernel time at the second Prepare."""
    _reset(nest)
    a = nest.Create("iaf_psc_alpha", 1, {"I_e": 200.0})
    b = nest.Create("iaf_psc_exp", 1, {"tau_syn_ex": 1.5})
    step = nest.Create("step_current_generator", 1, {
        "amplitude_times": [10.0, 20.5, 40.0, 61.3], "amplitude_values": [300.0, -100.0, 500.0, 0.0],
        "start": 5.0, "stop": 70.0})
    step_off = nest.Create("step_current_generator", 1, {
        "allow_offgrid_times": True, "amplitude_times": [12.04, 33.33],
        "amplitude_values": [250.0, 150.0]})
    ac = nest.Create("ac_generator", 1, {"amplitude": 250.0, "frequency": 35.0,
                                         "phase": 30.0, "offset": 180.0,
                                         "start": 3.0, "stop": 75.0})
    mm = _multimeter(nest, a + b, 0.1)
    sr = _spike_recorder(nest, a + b)
    nest.Connect(step, a, syn_spec={"delay": 0.5})
    nest.Connect(step_off, b, syn_spec={"delay": 1.0, "weight": 0.8})
    nest.Connect(ac, a + b, syn_spec={"delay": 0.1})
    nest.Simulate(37.3)
    nest.Simulate(52.7)
    out = {}
    out.update(_vm(mm))
    out.update(_spikes(sr))
    return out


# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# spike-timing dependent plasticity
# ---------------------------------------------------------------------------

# spike trains of the STDP scenarios: pre spikes at, one step before and after
# post spikes, bursts and long pauses
STDP_PRE_TIMES = [2.0, 4.0, 9.7, 10.0, 10.1, 15.0, 21.3, 22.4, 30.0, 30.1, 30.2, 47.5,
                  48.0, 60.0, 61.0, 61.1, 90.0, 130.0, 131.5, 160.4, 161.0, 175.0]
STDP_POST_TIMES = [3.0, 5.1, 11.0, 11.5, 12.1, 20.0, 23.0, 31.0, 31.3, 50.0, 62.1, 63.0,
                   95.0, 129.0, 133.0, 158.0, 162.0, 162.1, 178.0]


def _conn_state(nest, conns, keys, prefix):
    """Columns of ``conns`` ordered by (source, target, delay, weight)."""
    d = conns.get(["source", "target", "delay"] + list(keys))
    order = np.lexsort((np.asarray(d["weight"]), np.asarray(d["delay"]),
                        np.asarray(d["target"]), np.asarray(d["source"])))
    out = {prefix + "source": np.asarray(d["source"], np.int64)[order],
           prefix + "target": np.asarray(d["target"], np.int64)[order]}
    for key in keys:
        out[prefix + key] = np.asarray(d[key], np.float64)[order]
    return out


def run_stdp_parrots(nest):
    """stdp_synapse between parrot neurons with fixed spike trains.

    Pre and post trains come from spike generators through parrots (some
    with two spikes in one step: events of multiplicity 2); the
    plastic synapses end on the post parrot's receptor 1 (not repeated), so
    the post train is exactly its generator's.  Trains include pre arrivals
    at, one step before and one step after post spikes, bursts, and long
    pauses; synapses of several delays, weight dependences (mu 0 and 1),
    alpha, Wmax and lambda, one model with tau_plus set per synapse (state
    per synapse), a target with tau_minus 15 ms, and an iaf_psc_alpha target
    whose V_m shows the delivered weights.  Weights are read after each of
    three Simulate calls; a weight_recorder records the transmissions of the
    heterogeneous model.
    """
    _reset(nest)
    pre_times, post_times = STDP_PRE_TIMES, STDP_POST_TIMES
    sg_pre = nest.Create("spike_generator", 3, {"spike_times": pre_times})
    sg_pre[1].set({"spike_times": [t + 0.7 for t in pre_times]})
    # duplicate times: the parrots send spikes with multiplicity 2
    sg_pre[2].set({"spike_times": sorted([t + 3.1 for t in pre_times[::2]]
                                         + [t + 3.1 for t in pre_times[::6]])})
    sg_post = nest.Create("spike_generator", 2, {"spike_times": post_times})
    sg_post[1].set({"spike_times": sorted([t + 1.4 for t in post_times]
                                          + [t + 1.4 for t in post_times[::4]])})
    pre = nest.Create("parrot_neuron", 3)
    post = nest.Create("parrot_neuron", 2)
    post[1].set({"tau_minus": 15.0})
    neuron = nest.Create("iaf_psc_alpha", 1, {"I_e": 300.0})
    nest.Connect(sg_pre, pre, "one_to_one")
    nest.Connect(sg_post, post, "one_to_one")
    wr = nest.Create("weight_recorder")
    nest.CopyModel("stdp_synapse", "stdp_heterogeneous", {"Wmax": 50.0, "weight_recorder": wr})
    rule = {"rule": "all_to_all"}
    nest.Connect(pre, post, rule, {"synapse_model": "stdp_synapse", "weight": 10.0,
                                   "delay": 1.0, "receptor_type": 1})
    nest.Connect(pre, post, rule, {"synapse_model": "stdp_synapse", "weight": 2.5,
                                   "delay": 2.3, "receptor_type": 1, "Wmax": 5.0,
                                   "mu_plus": 0.0, "mu_minus": 0.0, "alpha": 1.2,
                                   "lambda": 0.1})
    nest.Connect(pre, post, rule, {"synapse_model": "stdp_heterogeneous", "weight": 20.0,
                                   "delay": 0.4, "receptor_type": 1,
                                   "tau_plus": 12.0, "lambda": 0.05})
    hetero = nest.GetConnections(synapse_model="stdp_heterogeneous")
    hetero.set(tau_plus=[5.0 + 4.0 * i for i in range(len(hetero))])
    nest.Connect(pre, neuron, rule, {"synapse_model": "stdp_synapse", "weight": 150.0,
                                     "Wmax": 400.0, "delay": 1.5, "lambda": 0.2})
    mm = _multimeter(nest, neuron, 0.5)
    sr = _spike_recorder(nest, neuron)
    sr_post = _spike_recorder(nest, post)
    out = {}
    for i, t in enumerate((60.0, 50.0, 90.0)):
        nest.Simulate(t)
        for model in ("stdp_synapse", "stdp_heterogeneous"):
            conns = nest.GetConnections(synapse_model=model)
            out.update(_conn_state(nest, conns, ("weight", "Kplus"), f"{model}_{i}_"))
    out.update(_vm(mm))
    out.update(_spikes(sr))
    out.update(_spikes(sr_post, kind="relay"))
    ev = wr.get("events")
    order = np.lexsort((np.asarray(ev["weights"]), np.asarray(ev["targets"]),
                        np.asarray(ev["senders"]), np.asarray(ev["times"])))
    for key in ("senders", "targets", "times", "weights"):
        out["wr_" + key] = np.asarray(ev[key])[order]
    return out


def run_stdp_network(nest):
    """A small recurrent iaf_psc_alpha network with all-to-all stdp_synapse.

    Driven by I_e (different per neuron) and excitatory plastic recurrent
    synapses of three delays; strong enough that the weights change the
    spike trains.  A second Connect after the first Simulate adds synapses to
    rows whose sources have fired.
    """
    _reset(nest)
    n = 12
    neurons = nest.Create("iaf_psc_alpha", n)
    neurons.set({"I_e": [360.0 + 15.0 * i for i in range(n)],
                 "tau_minus": [20.0 + (i % 3) * 5.0 for i in range(n)]})
    delays = (1.0, 1.7, 2.5)
    for i in range(n):
        for j in range(n):
            if i != j:
                nest.Connect(neurons[i], neurons[j], syn_spec={
                    "synapse_model": "stdp_synapse", "weight": 60.0, "Wmax": 120.0,
                    "delay": delays[(i + 2 * j) % 3], "lambda": 0.05, "alpha": 1.1})
    mm = _multimeter(nest, neurons[:3], 0.1)
    sr = _spike_recorder(nest, neurons)
    nest.Simulate(150.0)
    nest.Connect(neurons[:4], neurons[4:8], "all_to_all",
                 {"synapse_model": "stdp_synapse", "weight": 30.0, "Wmax": 120.0,
                  "delay": 1.7, "lambda": 0.05, "alpha": 1.1})
    nest.Simulate(150.0)
    out = {}
    out.update(_conn_state(nest, nest.GetConnections(synapse_model="stdp_synapse"),
                           ("weight", "Kplus"), "syn_"))
    out.update(_vm(mm))
    out.update(_spikes(sr))
    out.update(_final(neurons))
    return out


def _stdp_parrot_pairs(nest, post1):
    """Two pre and two post parrots repeating the STDP scenarios' trains
    (the second of each shifted), the second post parrot with the neuron
    parameters ``post1``, and an iaf_psc_alpha target: (pre, post, neuron)."""
    _reset(nest)
    pre_times, post_times = STDP_PRE_TIMES, STDP_POST_TIMES
    sg_pre = nest.Create("spike_generator", 2, {"spike_times": pre_times})
    sg_pre[1].set({"spike_times": [t + 2.2 for t in pre_times]})
    sg_post = nest.Create("spike_generator", 2, {"spike_times": post_times})
    sg_post[1].set({"spike_times": [t + 0.6 for t in post_times[1:]]})
    pre = nest.Create("parrot_neuron", 2)
    post = nest.Create("parrot_neuron", 2)
    post[1].set(post1)
    neuron = nest.Create("iaf_psc_alpha", 1, {"I_e": 320.0})
    nest.Connect(sg_pre, pre, "one_to_one")
    nest.Connect(sg_post, post, "one_to_one")
    return pre, post, neuron


def run_stdp_nn_parrots(nest):
    """The nearest-neighbour STDP models between parrots (as stdp_parrots):
    stdp_nn_symm_synapse, stdp_nn_pre_centered_synapse and
    stdp_nn_restr_synapse, two delays each, one with mu 0 weight
    dependence, the post parrots with tau_minus 20 and 12 ms; an
    iaf_psc_alpha target shows the delivered weights."""
    pre, post, neuron = _stdp_parrot_pairs(nest, {"tau_minus": 12.0})
    models = ("stdp_nn_symm_synapse", "stdp_nn_pre_centered_synapse", "stdp_nn_restr_synapse")
    for model in models:
        nest.Connect(pre, post, "all_to_all", {"synapse_model": model, "weight": 30.0,
                                               "delay": 1.0, "receptor_type": 1,
                                               "lambda": 0.08})
        nest.Connect(pre, post, "all_to_all", {"synapse_model": model, "weight": 2.0,
                                               "delay": 3.4, "receptor_type": 1,
                                               "Wmax": 4.0, "mu_plus": 0.0,
                                               "mu_minus": 0.0, "lambda": 0.2})
        nest.Connect(pre, neuron, "all_to_all", {"synapse_model": model, "weight": 120.0,
                                                 "Wmax": 300.0, "delay": 1.5,
                                                 "lambda": 0.3})
    mm = _multimeter(nest, neuron, 0.5)
    sr = _spike_recorder(nest, neuron)
    out = {}
    for i, t in enumerate((70.0, 120.0)):
        nest.Simulate(t)
        for model in models:
            conns = nest.GetConnections(synapse_model=model)
            out.update(_conn_state(nest, conns, ("weight",), f"{model}_{i}_"))
    out.update(_vm(mm))
    out.update(_spikes(sr))
    return out


def run_stdp_triplet_parrots(nest):
    """stdp_triplet_synapse between parrots (as stdp_nn_parrots): strong
    amplitudes so that both triplet terms act, two delays, an inhibitory set
    (negative weight and Wmax) with initial traces, the post parrots with
    tau_minus_triplet 110 and 60 ms; an iaf_psc_alpha target shows the
    delivered weights."""
    pre, post, neuron = _stdp_parrot_pairs(nest, {"tau_minus": 12.0, "tau_minus_triplet": 60.0})
    amp = {"Aplus": 0.05, "Aminus": 0.04, "Aplus_triplet": 0.03, "Aminus_triplet": 0.02}
    nest.Connect(pre, post, "all_to_all", {"synapse_model": "stdp_triplet_synapse",
                                           "weight": 30.0, "Wmax": 60.0, "delay": 1.0,
                                           "receptor_type": 1, **amp})
    nest.Connect(pre, post, "all_to_all", {"synapse_model": "stdp_triplet_synapse",
                                           "weight": -10.0, "Wmax": -12.0, "delay": 3.4,
                                           "receptor_type": 1, "Kplus": 0.4,
                                           "Kplus_triplet": 0.7, "tau_plus_triplet": 80.0,
                                           **amp})
    nest.Connect(pre, neuron, "all_to_all", {"synapse_model": "stdp_triplet_synapse",
                                             "weight": 120.0, "Wmax": 300.0, "delay": 1.5,
                                             "Aplus": 2.0, "Aminus": 1.5, "Aplus_triplet": 1.0,
                                             "Aminus_triplet": 0.5})
    mm = _multimeter(nest, neuron, 0.5)
    sr = _spike_recorder(nest, neuron)
    out = {}
    for i, t in enumerate((70.0, 120.0)):
        nest.Simulate(t)
        conns = nest.GetConnections(synapse_model="stdp_triplet_synapse")
        out.update(_conn_state(nest, conns, ("weight", "Kplus", "Kplus_triplet"),
                               f"stdp_triplet_{i}_"))
    out.update(_vm(mm))
    out.update(_spikes(sr))
    return out


def run_vogels_sprekeler_parrots(nest):
    """vogels_sprekeler_synapse between parrots (as stdp_nn_parrots): an
    inhibitory set (negative weight and Wmax, initial Kplus), one with a
    weight that reaches Wmax, two delays; an iaf_psc_alpha target shows the
    delivered weights."""
    pre, post, neuron = _stdp_parrot_pairs(nest, {"tau_minus": 12.0})
    model = "vogels_sprekeler_synapse"
    nest.Connect(pre, post, "all_to_all", {"synapse_model": model, "weight": -0.4,
                                           "Wmax": -2.0, "delay": 1.0, "receptor_type": 1,
                                           "eta": 0.05, "Kplus": 0.3})
    nest.Connect(pre, post, "all_to_all", {"synapse_model": model, "weight": 0.9,
                                           "Wmax": 1.0, "delay": 3.4, "receptor_type": 1,
                                           "eta": 0.02, "alpha": 0.5, "tau": 12.0})
    nest.Connect(pre, neuron, "all_to_all", {"synapse_model": model, "weight": 120.0,
                                             "Wmax": 300.0, "delay": 1.5, "eta": 8.0})
    mm = _multimeter(nest, neuron, 0.5)
    sr = _spike_recorder(nest, neuron)
    out = {}
    for i, t in enumerate((70.0, 120.0)):
        nest.Simulate(t)
        conns = nest.GetConnections(synapse_model=model)
        out.update(_conn_state(nest, conns, ("weight", "Kplus"), f"vogels_{i}_"))
    out.update(_vm(mm))
    out.update(_spikes(sr))
    return out


def run_stdp_dopamine(nest):
    """stdp_dopamine_synapse with two volume transmitters.

    Pre parrots (fixed trains) project onto two iaf_psc_alpha neurons firing
    on I_e (their spikes are the postsynaptic side); dopamine parrots feed
    two volume transmitters (deliver_interval 1 and 3, connection delays 1.5
    and 0.3 ms).  Model ``stdp_dopamine_synapse`` (b = 0) uses the first, a
    copy with b = 0.2 and other time constants the second; delays 0.5, 1 and
    2.3 ms; weights bounded below by Wmin = -5.  Weights, c, n and Kplus are
    read after each of three Simulate calls (the last one not a multiple of
    the trigger interval); a weight_recorder records the copy's
    transmissions.
    """
    _reset(nest)
    pre_t = [float(t) for t in np.round(np.arange(4.0, 290.0, 13.7), 1)]
    dopa_t = [float(t) for t in np.round(np.arange(9.0, 290.0, 21.3), 1)]
    sg_pre = nest.Create("spike_generator", 3, {"spike_times": pre_t})
    sg_pre[1].set({"spike_times": [t + 5.2 for t in pre_t]})
    sg_pre[2].set({"spike_times": sorted(pre_t[::3] + [t + 0.1 for t in pre_t[::2]])})
    sg_dopa = nest.Create("spike_generator", 2, {"spike_times": dopa_t})
    sg_dopa[1].set({"spike_times": sorted(dopa_t + [t + 3.3 for t in dopa_t[::2]])})
    pre = nest.Create("parrot_neuron", 3)
    dopa = nest.Create("parrot_neuron", 2)
    post = nest.Create("iaf_psc_alpha", 2, {"I_e": 420.0})
    post[1].set({"I_e": 460.0, "tau_minus": 15.0})
    nest.Connect(sg_pre, pre, "one_to_one")
    nest.Connect(sg_dopa, dopa, "one_to_one")
    vt1 = nest.Create("volume_transmitter")
    vt2 = nest.Create("volume_transmitter", params={"deliver_interval": 3})
    nest.Connect(dopa, vt1, syn_spec={"delay": 1.5})
    nest.Connect(dopa[1], vt2, syn_spec={"delay": 0.3})
    wr = nest.Create("weight_recorder")
    nest.SetDefaults("stdp_dopamine_synapse", {"volume_transmitter": vt1, "tau_c": 60.0,
                                               "tau_n": 40.0, "A_minus": 0.8, "Wmin": -5.0,
                                               "Wmax": 40.0})
    nest.CopyModel("stdp_dopamine_synapse", "dopa_copy",
                   {"volume_transmitter": vt2, "b": 0.2, "tau_plus": 12.0, "A_plus": 1.5,
                    "weight_recorder": wr})
    rule = {"rule": "all_to_all"}
    nest.Connect(pre, post, rule, {"synapse_model": "stdp_dopamine_synapse", "weight": 5.0,
                                   "delay": 1.0})
    nest.Connect(pre, post, rule, {"synapse_model": "stdp_dopamine_synapse", "weight": 2.0,
                                   "delay": 2.3, "c": 0.1, "n": 0.05})
    nest.Connect(pre, post, rule, {"synapse_model": "dopa_copy", "weight": 8.0, "delay": 0.5,
                                   "Kplus": 0.5})
    sr = _spike_recorder(nest, post)
    mm = _multimeter(nest, post, 0.5)
    out = {}
    for i, t in enumerate((100.0, 60.0, 133.7)):
        nest.Simulate(t)
        for model in ("stdp_dopamine_synapse", "dopa_copy"):
            conns = nest.GetConnections(synapse_model=model)
            out.update(_conn_state(nest, conns, ("weight", "c", "n", "Kplus"), f"{model}_{i}_"))
    out.update(_vm(mm))
    out.update(_spikes(sr))
    ev = wr.get("events")
    order = np.lexsort((np.asarray(ev["weights"]), np.asarray(ev["targets"]),
                        np.asarray(ev["senders"]), np.asarray(ev["times"])))
    for key in ("senders", "targets", "times", "weights"):
        out["wr_" + key] = np.asarray(ev[key])[order]
    return out

def run_tsodyks(nest):
    """tsodyks_synapse and tsodyks2_synapse onto iaf_psc_exp neurons.

    Pre parrots with fixed trains (one with spikes of multiplicity 2, one
    with bursts at 1-2 ms intervals); depressing (tau_fac 0) and
    facilitating (U 0.1, tau_fac 200 ms) settings of both models, an
    inhibitory tsodyks_synapse, initial x, y, u set per Connect, delays
    0.5 / 1 / 2.3 ms; a copy of tsodyks2_synapse with a weight_recorder.
    State (x, u, y) after each of three Simulate calls; V_m and spikes of
    the targets show the transmitted weights.
    """
    _reset(nest)
    base = [float(t) for t in np.round(np.arange(5.0, 280.0, 17.3), 1)]
    sg = nest.Create("spike_generator", 3, {"spike_times": base})
    sg[1].set({"spike_times": sorted(base[::2] + base[::5])})
    burst = sorted({round(t + d, 1) for t in base[::4] for d in (0.0, 1.0, 2.5, 3.2)})
    sg[2].set({"spike_times": burst})
    pre = nest.Create("parrot_neuron", 3)
    nest.Connect(sg, pre, "one_to_one")
    post = nest.Create("iaf_psc_exp", 2, {"tau_syn_ex": 3.0, "tau_syn_in": 3.0,
                                          "I_e": 360.0})
    post[1].set({"I_e": 330.0})
    wr = nest.Create("weight_recorder")
    nest.CopyModel("tsodyks2_synapse", "tsodyks2_rec", {"weight_recorder": wr})
    rule = {"rule": "all_to_all"}
    nest.Connect(pre, post, rule, {"synapse_model": "tsodyks_synapse", "weight": 250.0,
                                   "delay": 1.0})
    nest.Connect(pre, post, rule, {"synapse_model": "tsodyks_synapse", "weight": -120.0,
                                   "delay": 2.3, "U": 0.1, "tau_fac": 200.0,
                                   "tau_rec": 100.0, "x": 0.8, "y": 0.1, "u": 0.2})
    nest.Connect(pre, post, rule, {"synapse_model": "tsodyks2_synapse", "weight": 300.0,
                                   "delay": 0.5, "U": 0.2, "u": 0.2, "tau_rec": 300.0})
    nest.Connect(pre, post, rule, {"synapse_model": "tsodyks2_rec", "weight": 200.0,
                                   "delay": 1.0, "U": 0.1, "u": 0.1, "tau_fac": 150.0,
                                   "tau_rec": 120.0, "x": 0.9})
    mm = _multimeter(nest, post, 0.5)
    sr = _spike_recorder(nest, post)
    out = {}
    for i, t in enumerate((90.0, 70.0, 123.4)):
        nest.Simulate(t)
        conns = nest.GetConnections(synapse_model="tsodyks_synapse")
        out.update(_conn_state(nest, conns, ("weight", "x", "y", "u"), f"tsodyks_{i}_"))
        for model in ("tsodyks2_synapse", "tsodyks2_rec"):
            conns = nest.GetConnections(synapse_model=model)
            out.update(_conn_state(nest, conns, ("weight", "x", "u"), f"{model}_{i}_"))
    out.update(_vm(mm))
    out.update(_spikes(sr))
    ev = wr.get("events")
    order = np.lexsort((np.asarray(ev["weights"]), np.asarray(ev["targets"]),
                        np.asarray(ev["senders"]), np.asarray(ev["times"])))
    for key in ("senders", "targets", "times", "weights"):
        out["wr_" + key] = np.asarray(ev[key])[order]
    return out

def run_stdp_hom(nest):
    """stdp_synapse_hom and stdp_pl_synapse_hom: the rule's parameters are
    common to the model (SetDefaults / CopyModel).  Parrot trains as in
    ``stdp_parrots`` (one source with multiplicity 2), plastic synapses onto
    post parrots (receptor 1) of two tau_minus and onto an iaf_psc_alpha
    (V_m shows the weights); a copy of stdp_pl_synapse_hom with other
    parameters and a weight_recorder.  Weights and Kplus after each of three
    Simulate calls.
    """
    _reset(nest)
    pre_times, post_times = STDP_PRE_TIMES, STDP_POST_TIMES
    sg_pre = nest.Create("spike_generator", 2, {"spike_times": pre_times})
    sg_pre[1].set({"spike_times": sorted([t + 3.1 for t in pre_times[::2]]
                                         + [t + 3.1 for t in pre_times[::6]])})
    sg_post = nest.Create("spike_generator", 2, {"spike_times": post_times})
    sg_post[1].set({"spike_times": [t + 1.4 for t in post_times]})
    pre = nest.Create("parrot_neuron", 2)
    post = nest.Create("parrot_neuron", 2)
    post[1].set({"tau_minus": 15.0})
    neuron = nest.Create("iaf_psc_alpha", 1, {"I_e": 300.0})
    nest.Connect(sg_pre, pre, "one_to_one")
    nest.Connect(sg_post, post, "one_to_one")
    wr = nest.Create("weight_recorder")
    nest.SetDefaults("stdp_synapse_hom", {"Wmax": 50.0, "lambda": 0.05, "mu_plus": 0.5})
    nest.CopyModel("stdp_pl_synapse_hom", "pl_copy", {"tau_plus": 15.0, "alpha": 1.1,
                                                      "mu": 0.3, "lambda": 0.05,
                                                      "weight_recorder": wr})
    rule = {"rule": "all_to_all"}
    nest.Connect(pre, post, rule, {"synapse_model": "stdp_synapse_hom", "weight": 10.0,
                                   "delay": 1.0, "receptor_type": 1})
    nest.Connect(pre, post, rule, {"synapse_model": "stdp_pl_synapse_hom", "weight": 5.0,
                                   "delay": 2.3, "receptor_type": 1})
    nest.Connect(pre, post, rule, {"synapse_model": "pl_copy", "weight": 20.0,
                                   "delay": 0.4, "receptor_type": 1, "Kplus": 0.5})
    nest.Connect(pre, neuron, rule, {"synapse_model": "pl_copy", "weight": 150.0, "delay": 1.5})
    mm = _multimeter(nest, neuron, 0.5)
    sr = _spike_recorder(nest, neuron)
    out = {}
    for i, t in enumerate((60.0, 50.0, 90.0)):
        nest.Simulate(t)
        for model in ("stdp_synapse_hom", "stdp_pl_synapse_hom", "pl_copy"):
            conns = nest.GetConnections(synapse_model=model)
            out.update(_conn_state(nest, conns, ("weight", "Kplus"), f"{model}_{i}_"))
    out.update(_vm(mm))
    out.update(_spikes(sr))
    ev = wr.get("events")
    order = np.lexsort((np.asarray(ev["weights"]), np.asarray(ev["targets"]),
                        np.asarray(ev["senders"]), np.asarray(ev["times"])))
    for key in ("senders", "targets", "times", "weights"):
        out["wr_" + key] = np.asarray(ev[key])[order]
    return out


def _conn_columns(conns, keys, prefix):
    """Columns of ``conns`` ordered by (source, target, delay) (one synapse
    per ordered triple; for models without a weight per connection)."""
    d = conns.get(["source", "target", "delay"] + list(keys))
    order = np.lexsort((np.asarray(d["delay"]), np.asarray(d["target"]),
                        np.asarray(d["source"])))
    out = {prefix + name: np.asarray(d[name], np.int64)[order] for name in ("source", "target")}
    out[prefix + "delay"] = np.asarray(d["delay"], np.float64)[order]
    for key in keys:
        out[prefix + key] = np.asarray(d[key], np.float64)[order]
    return out


def run_syn_hom(nest):
    """static_synapse_hom_w and tsodyks_synapse_hom: the weight (and the
    Tsodyks parameters U, tau_psc, tau_rec, tau_fac) common to a model, set
    by SetDefaults and CopyModel and changed between runs.

    Parrots with fixed trains (one with multiplicity 2, one with bursts)
    onto iaf_psc_exp neurons and an iaf_psc_exp_ps neuron (precise input
    channel); a depressing and a facilitating copy of tsodyks_synapse_hom
    (x, y, u set per Connect); excitatory and inhibitory copies of
    static_synapse_hom_w.  State x, y, u after each of three Simulate
    calls; V_m and spikes of the targets show the transmitted weights.
    """
    _reset(nest)
    base = [float(t) for t in np.round(np.arange(5.0, 280.0, 17.3), 1)]
    sg = nest.Create("spike_generator", 3, {"spike_times": base})
    sg[1].set({"spike_times": sorted(base[::2] + base[::5])})
    burst = sorted({round(t + d, 1) for t in base[::4] for d in (0.0, 1.0, 2.5, 3.2)})
    sg[2].set({"spike_times": burst})
    pre = nest.Create("parrot_neuron", 3)
    nest.Connect(sg, pre, "one_to_one")
    post = nest.Create("iaf_psc_exp", 2, {"tau_syn_ex": 3.0, "tau_syn_in": 3.0,
                                          "I_e": 360.0})
    post[1].set({"I_e": 330.0})
    ps = nest.Create("iaf_psc_exp_ps", 1, {"tau_syn_ex": 3.0, "tau_syn_in": 3.0,
                                           "I_e": 350.0})
    nest.SetDefaults("static_synapse_hom_w", {"weight": 40.0})
    nest.CopyModel("static_synapse_hom_w", "hom_w_inh", {"weight": -25.0, "delay": 2.0})
    nest.SetDefaults("tsodyks_synapse_hom", {"weight": 250.0, "U": 0.3, "tau_rec": 200.0,
                                             "tau_fac": 50.0, "tau_psc": 3.0})
    nest.CopyModel("tsodyks_synapse_hom", "tsodyks_hom_dep",
                   {"weight": -120.0, "U": 0.6, "tau_rec": 100.0, "tau_fac": 0.0,
                    "delay": 1.3})
    rule = {"rule": "all_to_all"}
    targets = post + ps
    nest.Connect(pre, targets, rule, {"synapse_model": "static_synapse_hom_w"})
    nest.Connect(pre[:2], targets, rule, {"synapse_model": "hom_w_inh", "delay": 0.7})
    nest.Connect(pre, targets, rule, {"synapse_model": "tsodyks_synapse_hom", "delay": 2.3,
                                      "x": 0.8, "y": 0.1, "u": 0.2})
    nest.Connect(pre, targets, rule, {"synapse_model": "tsodyks_hom_dep"})
    mm = _multimeter(nest, targets, 0.5)
    sr = _spike_recorder(nest, targets)
    out = {}
    for i, t in enumerate((90.0, 70.0, 123.4)):
        nest.Simulate(t)
        for model in ("tsodyks_synapse_hom", "tsodyks_hom_dep"):
            conns = nest.GetConnections(synapse_model=model)
            out.update(_conn_columns(conns, ("x", "y", "u"), f"{model}_{i}_"))
        if i == 0:
            nest.SetDefaults("static_synapse_hom_w", {"weight": 55.0})
            nest.SetDefaults("tsodyks_hom_dep", {"weight": -90.0, "U": 0.5})
    out.update(_vm(mm))
    out.update(_spikes(sr))
    return out


def run_jonke(nest):
    """jonke_synapse: STDP with exponential weight dependence and the
    constant term beta; the rule's parameters common to a model.  Parrot
    trains as in ``stdp_parrots`` (one source with multiplicity 2) onto post
    parrots (receptor 1) of two tau_minus and onto an iaf_psc_alpha (V_m
    shows the weights); a copy with other parameters (beta > 0, a lower
    Wmax that clips), one with lambda = 0.  Weights and Kplus after each of
    three Simulate calls.
    """
    _reset(nest)
    pre_times, post_times = STDP_PRE_TIMES, STDP_POST_TIMES
    sg_pre = nest.Create("spike_generator", 2, {"spike_times": pre_times})
    sg_pre[1].set({"spike_times": sorted([t + 3.1 for t in pre_times[::2]]
                                         + [t + 3.1 for t in pre_times[::6]])})
    sg_post = nest.Create("spike_generator", 2, {"spike_times": post_times})
    sg_post[1].set({"spike_times": [t + 1.4 for t in post_times]})
    pre = nest.Create("parrot_neuron", 2)
    post = nest.Create("parrot_neuron", 2)
    post[1].set({"tau_minus": 15.0})
    neuron = nest.Create("iaf_psc_alpha", 1, {"I_e": 370.0})
    nest.Connect(sg_pre, pre, "one_to_one")
    nest.Connect(sg_post, post, "one_to_one")
    nest.SetDefaults("jonke_synapse", {"lambda": 0.05, "mu_plus": 0.02, "mu_minus": 0.01,
                                       "alpha": 1.2, "Wmax": 60.0})
    nest.CopyModel("jonke_synapse", "jonke_copy", {"tau_plus": 15.0, "beta": 0.1,
                                                   "lambda": 0.2, "Wmax": 21.0,
                                                   "mu_plus": 0.0, "mu_minus": 0.05})
    nest.CopyModel("jonke_synapse", "jonke_frozen", {"lambda": 0.0})
    rule = {"rule": "all_to_all"}
    nest.Connect(pre, post, rule, {"synapse_model": "jonke_synapse", "weight": 10.0,
                                   "delay": 1.0, "receptor_type": 1})
    nest.Connect(pre, post, rule, {"synapse_model": "jonke_copy", "weight": 20.0,
                                   "delay": 2.3, "receptor_type": 1, "Kplus": 0.5})
    nest.Connect(pre, post, rule, {"synapse_model": "jonke_frozen", "weight": 5.0,
                                   "delay": 0.4, "receptor_type": 1})
    nest.Connect(pre, neuron, rule, {"synapse_model": "jonke_copy", "weight": 150.0,
                                     "delay": 1.5})
    mm = _multimeter(nest, neuron, 0.5)
    sr = _spike_recorder(nest, neuron)
    out = {}
    for i, t in enumerate((60.0, 50.0, 90.0)):
        nest.Simulate(t)
        for model in ("jonke_synapse", "jonke_copy", "jonke_frozen"):
            conns = nest.GetConnections(synapse_model=model)
            out.update(_conn_state(nest, conns, ("weight", "Kplus"), f"{model}_{i}_"))
    out.update(_vm(mm))
    out.update(_spikes(sr))
    return out


def run_facetshw(nest):
    """stdp_facetshw_synapse_hom: 4-bit weights changed through look-up
    tables at the synapses' readout times.  Parrot trains as in
    ``stdp_parrots`` (first spikes of the sources at distinct times, so the
    synapse ids do not depend on the order of delivery within a step) onto
    post parrots (receptor 1) and an iaf_psc_alpha (V_m shows the weights);
    low evaluation thresholds set per Connect so that the tables apply; a
    copy with two synapses per driver, a 4 ms readout, other tables,
    configuration bits and reset pattern.  Weights, accumulations, ids and
    readout times after each of three Simulate calls; the model's
    no_synapses and readout_cycle_duration.
    """
    _reset(nest)
    pre_times, post_times = STDP_PRE_TIMES, STDP_POST_TIMES
    sg_pre = nest.Create("spike_generator", 2, {"spike_times": pre_times})
    sg_pre[1].set({"spike_times": sorted([t + 3.1 for t in pre_times[::2]]
                                         + [t + 3.1 for t in pre_times[::6]])})
    sg_post = nest.Create("spike_generator", 2, {"spike_times": post_times})
    sg_post[1].set({"spike_times": [t + 1.4 for t in post_times]})
    pre = nest.Create("parrot_neuron", 2)
    post = nest.Create("parrot_neuron", 2)
    neuron = nest.Create("iaf_psc_alpha", 1, {"I_e": 370.0})
    nest.Connect(sg_pre, pre, "one_to_one")
    nest.Connect(sg_post, post, "one_to_one")
    nest.SetDefaults("stdp_facetshw_synapse_hom", {"Wmax": 150.0, "tau_plus": 15.0})
    nest.CopyModel("stdp_facetshw_synapse_hom", "facetshw_copy",
                   {"synapses_per_driver": 2, "driver_readout_time": 4.0,
                    "tau_minus_stdp": 10.0, "configbit_0": [1, 0, 0, 1],
                    "configbit_1": [0, 1, 1, 0], "reset_pattern": [1, 0, 0, 1, 1, 1],
                    "lookuptable_2": [min(i + 2, 15) for i in range(16)]})
    rule = {"rule": "all_to_all"}
    nest.Connect(pre, post, rule, {"synapse_model": "stdp_facetshw_synapse_hom",
                                   "weight": 50.0, "delay": 1.0, "receptor_type": 1,
                                   "a_thresh_th": 0.6, "a_thresh_tl": 0.5})
    nest.Connect(pre, post, rule, {"synapse_model": "facetshw_copy", "weight": 33.0,
                                   "delay": 2.3, "receptor_type": 1, "a_thresh_th": 0.8,
                                   "a_thresh_tl": 0.9})
    nest.Connect(pre, neuron, rule, {"synapse_model": "facetshw_copy", "weight": 120.0,
                                     "delay": 1.5, "a_thresh_th": 0.3, "a_thresh_tl": 0.4})
    mm = _multimeter(nest, neuron, 0.5)
    sr = _spike_recorder(nest, neuron)
    out = {}
    keys = ("weight", "a_causal", "a_acausal", "synapse_id", "next_readout_time")
    for i, t in enumerate((60.0, 50.0, 90.0)):
        nest.Simulate(t)
        for model in ("stdp_facetshw_synapse_hom", "facetshw_copy"):
            conns = nest.GetConnections(synapse_model=model)
            out.update(_conn_columns(conns, keys, f"{model}_{i}_"))
            d = nest.GetDefaults(model)
            out[f"{model}_{i}_no_synapses"] = np.array([d["no_synapses"]], np.int64)
            out[f"{model}_{i}_readout_cycle"] = np.array([d["readout_cycle_duration"]])
    out.update(_vm(mm))
    out.update(_spikes(sr))
    return out


def run_cont_delay(nest):
    """cont_delay_synapse: delays that are not multiples of the resolution.

    Precise spike_generators (off-grid times), parrot_neuron_ps relays of
    them and a precise neuron (iaf_psc_exp_ps, driven to fire) send through
    cont_delay_synapse to iaf_psc_exp_ps and iaf_psc_delta_ps targets (at
    offset times) and to an iaf_psc_alpha (at its steps): a default delay of
    1.73 ms (SetDefaults), a copy with 2.46 ms, a Connect with a delay of
    1.0 ms (rounded; the default's sub-step part kept), delays set per
    connection (1.35, 2.2, 2.05, 1.27 ms) after the first run.  Delays read
    back; V_m and spikes of the targets.
    """
    _reset(nest)
    sg = nest.Create("spike_generator", 2, {"precise_times": True,
                                            "spike_times": [2.0, 5.55, 9.123, 20.07, 31.5]})
    sg[1].set({"spike_times": [3.31, 3.39, 14.96, 27.2, 40.02]})
    src = nest.Create("iaf_psc_exp_ps", 1, {"I_e": 600.0})
    exp_ps = nest.Create("iaf_psc_exp_ps", 2, {"I_e": 300.0})
    delta_ps = nest.Create("iaf_psc_delta_ps", 1, {"I_e": 300.0})
    grid = nest.Create("iaf_psc_alpha", 1, {"I_e": 300.0})
    targets = exp_ps + delta_ps + grid
    nest.SetDefaults("cont_delay_synapse", {"weight": 200.0, "delay": 1.73})
    nest.CopyModel("cont_delay_synapse", "cont_delay_copy", {"weight": -80.0, "delay": 2.46})
    rule = {"rule": "all_to_all"}
    relay = nest.Create("parrot_neuron_ps", 2)
    nest.Connect(sg, relay, "one_to_one", {"synapse_model": "cont_delay_synapse"})
    nest.Connect(sg, targets, rule, {"synapse_model": "cont_delay_synapse"})
    nest.Connect(relay, targets, rule, {"synapse_model": "cont_delay_copy"})
    nest.Connect(src, targets, rule, {"synapse_model": "cont_delay_synapse", "weight": 150.0,
                                      "delay": 1.0})
    nest.Connect(src, targets, rule, {"synapse_model": "cont_delay_copy"})
    mm = _multimeter(nest, targets, 0.1)
    sr = _spike_recorder(nest, targets + src)
    out = {}
    for i, t in enumerate((12.0, 38.0)):
        nest.Simulate(t)
        for model in ("cont_delay_synapse", "cont_delay_copy"):
            conns = nest.GetConnections(synapse_model=model)
            out.update(_conn_state(nest, conns, ("weight",), f"{model}_{i}_"))
        if i == 0:
            nest.GetConnections(relay[1], exp_ps[0]).set({"delay": 1.35})
            nest.GetConnections(src, targets, synapse_model="cont_delay_copy").set(
                {"delay": [2.2, 1.35, 2.05, 1.27]})
    out.update(_vm(mm))
    out.update(_spikes(sr))
    return out


def run_multisynapse(nest):
    """iaf_psc_exp_multisynapse and iaf_psc_alpha_multisynapse.

    Three nodes of each model: receptor lists of lengths 3, 3 and 2 (one set
    per node after Create, one grown from the default of length 1), spikes
    of both signs on receptors 1-3 through three spike generators
    (multapses, delays 1.0 / 1.3 / 2.1 ms), a dc_generator on receptor 0,
    t_ref 3 ms on one node, V_min on an alpha node.  V_m, I_syn and the
    receptor currents, spikes, the receptors of the connections; two
    Simulate calls.
    """
    _reset(nest)
    out = {}
    mms, srs = [], []
    for model in ("iaf_psc_exp_multisynapse", "iaf_psc_alpha_multisynapse"):
        nodes = nest.Create(model, 3, {"tau_syn": [0.5, 1.5, 4.0], "I_e": 250.0})
        nodes[1].set({"tau_syn": [3.0, 0.8, 1.2], "t_ref": 3.0, "V_m": -62.0})
        nodes[2].set({"tau_syn": [2.5, 0.3]})
        extra = nest.Create(model, 1, {"I_e": 370.0})
        extra.set({"tau_syn": [0.7, 2.2, 5.0]})
        if model == "iaf_psc_alpha_multisynapse":
            nodes[0].set({"V_min": -72.0})
        targets = nodes + extra
        sg = nest.Create("spike_generator", 3)
        sg[0].set({"spike_times": [2.0, 4.0, 9.5, 15.0, 15.1, 30.0, 52.2, 77.7]})
        sg[1].set({"spike_times": [3.3, 8.0, 20.0, 41.0, 41.5, 60.0, 85.0]})
        sg[2].set({"spike_times": [6.0, 6.1, 25.0, 47.3, 70.0, 90.0]})
        nest.Connect(sg[0], targets, syn_spec={"receptor_type": 1, "weight": 400.0, "delay": 1.0})
        nest.Connect(sg[0], targets, syn_spec={"receptor_type": 2, "weight": -150.0,
                                               "delay": 2.1})
        nest.Connect(sg[1], targets, syn_spec={"receptor_type": 2, "weight": 350.0, "delay": 1.3})
        nest.Connect(sg[2], nodes[:2] + extra, syn_spec={"receptor_type": 3, "weight": 500.0,
                                                         "delay": 1.0})
        nest.Connect(sg[2], nodes[2], syn_spec={"receptor_type": 1, "weight": -300.0,
                                                "delay": 1.0})
        dc = nest.Create("dc_generator", 1, {"amplitude": 80.0, "start": 40.0, "stop": 70.0})
        nest.Connect(dc, targets)
        mms.append(_multimeter(nest, targets, 0.1,
                               record_from=["V_m", "I_syn", "I_syn_1", "I_syn_2"]))
        srs.append(_spike_recorder(nest, targets))
        conns = nest.GetConnections(target=targets)
        order = np.lexsort((np.asarray(conns.get("delay")), np.asarray(conns.get("receptor")),
                            np.asarray(conns.get("target")), np.asarray(conns.get("source"))))
        out[model + "_conn_receptor"] = np.asarray(conns.get("receptor"))[order]
    nest.Simulate(60.0)
    nest.Simulate(45.0)
    for model, mm, sr in zip(("exp_", "alpha_"), mms, srs):
        out.update(_vm(mm, model))
        ev = mm.get("events")
        idx = _order(ev["senders"], ev["times"])
        for key in ("I_syn", "I_syn_1", "I_syn_2"):
            out[model + key] = np.asarray(ev[key], np.float64)[idx]
        out.update(_spikes(sr, model))
    return out



def run_aeif_multisynapse(nest):
    """aeif_cond_beta_multisynapse and aeif_cond_alpha_multisynapse.

    Three nodes of each with three receptors (reversal potentials 0, -80,
    20 mV; rise/decay or alpha time constants per receptor), one node
    refractory for 2 ms with stronger adaptation, one with Delta_T = 0;
    spike trains on receptors 1-3 with delays 1.1 / 1.2 / 1.3 ms, a
    dc_generator from 10 ms; V_m, w, g_1 and g_3 every 0.1 ms over two
    Simulate calls.
    """
    out = {}
    mms, srs = [], []
    _reset(nest)
    for model, lists in (
            ("aeif_cond_beta_multisynapse", {"E_rev": [0.0, -80.0, 20.0],
                                             "tau_rise": [0.5, 1.0, 2.0],
                                             "tau_decay": [3.0, 6.0, 2.0]}),
            ("aeif_cond_alpha_multisynapse", {"E_rev": [0.0, -80.0, 20.0],
                                              "tau_syn": [0.5, 2.0, 5.0]})):
        n = nest.Create(model, 3, dict(lists, I_e=800.0))
        n[1].set({"t_ref": 2.0, "V_m": -55.0, "a": 10.0})
        n[2].set({"Delta_T": 0.0, "V_th": -52.0})
        sg = nest.Create("spike_generator", 1, {"spike_times": [1.0, 2.0, 5.5, 7.0, 20.0, 20.3,
                                                                33.0, 41.0]})
        for r, w in ((1, 10.0), (2, 25.0), (3, 5.0)):
            nest.Connect(sg, n, syn_spec={"receptor_type": r, "weight": w,
                                          "delay": 1.0 + 0.1 * r})
        dc = nest.Create("dc_generator", 1, {"amplitude": 100.0, "start": 10.0})
        nest.Connect(dc, n)
        mms.append(_multimeter(nest, n, 0.1, record_from=["V_m", "w", "g_1", "g_3"]))
        srs.append(_spike_recorder(nest, n))
    nest.Simulate(30.0)
    nest.Simulate(20.0)
    for prefix, mm, sr in zip(("beta_", "alpha_"), mms, srs):
        out.update(_vm(mm, prefix))
        ev = mm.get("events")
        idx = _order(ev["senders"], ev["times"])
        for key in ("w", "g_1", "g_3"):
            out[prefix + key] = np.asarray(ev[key], np.float64)[idx]
        out.update(_spikes(sr, prefix))
    return out



# gif models: Delta_V tiny and lambda_0 huge make the escape draw
# deterministic (the hazard is 0 below V_T and saturates at 1 above it, up
# to a band of ~1e-7 mV), so both simulators fire at the same steps;
# lambda_0 = 0 never fires (subthreshold and PSC dynamics alone).
_GIF_HARD = {"lambda_0": 1e6, "Delta_V": 1e-9}


def _gif_record(nest, nodes, extra):
    """Multimeter (V_m, E_sfa, I_stc and ``extra``) and spike recorder."""
    mm = _multimeter(nest, nodes, 0.1, record_from=["V_m", "E_sfa", "I_stc"] + extra)
    sr = _spike_recorder(nest, nodes)
    return mm, sr


def _gif_collect(mm, sr, extra, prefix, out, nodes):
    """Recorded events, spikes and the final V_m, E_sfa, I_stc of ``nodes``."""
    out.update(_vm(mm, prefix))
    ev = mm.get("events")
    idx = _order(ev["senders"], ev["times"])
    for key in ["E_sfa", "I_stc"] + extra:
        out[prefix + key] = np.asarray(ev[key], np.float64)[idx]
    out.update(_spikes(sr, prefix))
    for key in ("E_sfa", "I_stc"):
        out[prefix + "final_" + key] = np.asarray(nodes.get(key), np.float64)
    out[prefix + "final_V_m"] = np.asarray(nodes.get("V_m"), np.float64)


def run_gif_drive(nest):
    """gif_psc_exp and gif_cond_exp: one node with lambda_0 = 0 (no spikes:
    membrane, PSCs / conductances and input currents), two with a hard
    (deterministic) escape threshold, spike-triggered currents and threshold
    adaptation (two elements each, one negative jump), t_ref 3 ms and 0 ms
    (no reset); the kernel lists of one node grow between the two Simulate
    calls (its first elements carry on).  V_m, E_sfa, I_stc and the synaptic
    variables every step, spikes, final state."""
    _reset(nest)
    out = {}
    runs = []
    for model, prefix, extra, syn in (
            ("gif_psc_exp", "psc_", ["I_syn_ex", "I_syn_in"],
             {"tau_syn_ex": 1.5, "tau_syn_in": 6.0}),
            ("gif_cond_exp", "cond_", ["g_ex", "g_in"],
             {"tau_syn_ex": 1.5, "tau_syn_in": 6.0, "E_in": -80.0})):
        w_scale = 1.0 if model == "gif_psc_exp" else 0.05
        nodes = nest.Create(model, 3, dict(syn, I_e=60.0, V_T_star=-52.0, V_reset=-62.0,
                                           lambda_0=0.0, C_m=70.0, g_L=5.0))
        nodes[1].set(dict(_GIF_HARD, t_ref=3.0, tau_sfa=[12.0, 90.0], q_sfa=[6.0, 1.5],
                          tau_stc=[4.0, 40.0], q_stc=[25.0, -8.0], I_e=120.0))
        nodes[2].set(dict(_GIF_HARD, t_ref=0.0, tau_sfa=[30.0], q_sfa=[3.0],
                          tau_stc=[15.0], q_stc=[10.0], I_e=100.0, V_m=-60.0))
        times = [[5.0, 12.0, 12.4, 33.0, 61.0, 90.5, 130.0],
                 [8.0, 20.0, 47.3, 75.0, 110.0]]
        for j, w in enumerate((60.0 * w_scale, -45.0 * w_scale)):
            sg = nest.Create("spike_generator", 1, {"spike_times": times[j]})
            nest.Connect(sg, nodes, syn_spec={"weight": w, "delay": 1.0 + 0.3 * j})
        dc = nest.Create("dc_generator", 1, {"amplitude": 40.0, "start": 30.0, "stop": 120.0})
        nest.Connect(dc, nodes)
        mm, sr = _gif_record(nest, nodes, extra)
        runs.append((nodes, mm, sr, extra, prefix))
    nest.Simulate(80.0)
    for nodes, _, _, _, _ in runs:
        nodes[1].set({"tau_sfa": [12.0, 90.0, 40.0], "q_sfa": [6.0, 1.5, 2.0]})
    nest.Simulate(70.0)
    for nodes, mm, sr, extra, prefix in runs:
        _gif_collect(mm, sr, extra, prefix, out, nodes)
    return out


def run_gif_multisynapse(nest):
    """gif_psc_exp_multisynapse and gif_cond_exp_multisynapse: three
    receptors (time constants and reversal potentials per receptor), one
    node with lambda_0 = 0, two with a hard escape threshold and adaptation
    (one with t_ref 0); spikes on receptors 1-3, a dc_generator on
    receptor 0; V_m, E_sfa, I_stc, spikes and final state over two Simulate
    calls."""
    _reset(nest)
    out = {}
    runs = []
    for model, prefix, lists in (
            ("gif_psc_exp_multisynapse", "psc_", {"tau_syn": [1.0, 5.0, 2.5]}),
            ("gif_cond_exp_multisynapse", "cond_", {"tau_syn": [1.0, 5.0, 2.5],
                                                     "E_rev": [0.0, -80.0, 10.0]})):
        nodes = nest.Create(model, 3, dict(lists, I_e=60.0, V_T_star=-52.0, V_reset=-62.0,
                                           lambda_0=0.0, C_m=70.0, g_L=5.0))
        nodes[1].set(dict(_GIF_HARD, t_ref=2.5, tau_sfa=[10.0, 60.0], q_sfa=[5.0, 2.0],
                          tau_stc=[6.0], q_stc=[20.0], I_e=110.0))
        nodes[2].set(dict(_GIF_HARD, t_ref=0.0, tau_stc=[3.0, 30.0], q_stc=[60.0, -3.0],
                          tau_sfa=[20.0], q_sfa=[1.0], I_e=95.0, V_m=-58.0))
        times = [[5.0, 12.0, 12.4, 33.0, 61.0, 90.5, 130.0],
                 [8.0, 20.0, 47.3, 75.0, 110.0],
                 [15.0, 15.1, 52.0, 99.0, 140.0]]
        cond = "cond" in model
        for j, w in enumerate((60.0, 45.0, 35.0) if not cond else (3.0, 2.0, 4.0)):
            if not cond and j == 1:
                w = -w
            sg = nest.Create("spike_generator", 1, {"spike_times": times[j]})
            nest.Connect(sg, nodes, syn_spec={"weight": w, "delay": 1.0 + 0.3 * j,
                                              "receptor_type": j + 1})
        dc = nest.Create("dc_generator", 1, {"amplitude": 40.0, "start": 30.0, "stop": 120.0})
        nest.Connect(dc, nodes)
        mm, sr = _gif_record(nest, nodes, [])
        runs.append((nodes, mm, sr, [], prefix))
    nest.Simulate(80.0)
    nest.Simulate(70.0)
    for nodes, mm, sr, extra, prefix in runs:
        _gif_collect(mm, sr, extra, prefix, out, nodes)
        if "g" in nodes[0].get():
            out[prefix + "final_g"] = np.concatenate(
                [np.asarray(g, np.float64) for g in nodes.get("g")])
    return out


GLIF_MECHANISMS = ("spike_dependent_threshold", "after_spike_currents", "adapting_threshold")
GLIF_COMBINATIONS = ((False, False, False), (True, False, False), (False, True, False),
                     (True, True, False), (True, True, True))      # GLIF1 ... GLIF5


def _glif_network(nest, model, lists, weights, record):
    """Five nodes of a GLIF ``model``, one per mechanism combination (GLIF1
    ... GLIF5), with three receptors (``lists``), plus a sixth GLIF5 node
    created with the default receptor and grown to three; per-node
    variations of the state and the after-spike currents; spike trains on
    receptors 1-3 (``weights``, delays 1.0 / 1.5 / 2.2 ms, one multapse),
    a dc_generator and a step_current_generator on receptor 0.  Returns
    the multimeter (``record``) and spike recorder."""
    nodes = nest.Create(model, 5, lists)
    for node, combo in zip(nodes, GLIF_COMBINATIONS):
        node.set(dict(zip(GLIF_MECHANISMS, combo)))
    nodes[1].set({"V_m": -70.0, "t_ref": 2.0, "threshold_spike": 1.5,
                  "voltage_reset_fraction": 0.5})
    nodes[2].set({"ASCurrents": [5.0, -20.0], "V_reset": -75.0})
    # three after-spike current parameters but (as set) two currents
    nodes[3].set({"asc_decay": [0.01, 0.2, 0.05], "asc_amps": [-5.0, -50.0, 10.0],
                  "asc_r": [1.0, 0.5, 0.0], "asc_init": [0.0, 0.0, 0.0]})
    nodes[4].set({"E_L": -70.0, "threshold_voltage": 0.5, "th_voltage_index": 0.02})
    extra = nest.Create(model, 1, dict(zip(GLIF_MECHANISMS, GLIF_COMBINATIONS[4])))
    extra.set(dict(lists, ASCurrents=[-10.0, 30.0], C_m=80.0))
    targets = nodes + extra
    sg = nest.Create("spike_generator", 3)
    sg[0].set({"spike_times": [2.0, 4.0, 9.5, 15.0, 15.1, 30.0, 52.2, 77.7]})
    sg[1].set({"spike_times": [3.3, 8.0, 20.0, 41.0, 41.5, 60.0, 85.0]})
    sg[2].set({"spike_times": [6.0, 6.1, 25.0, 47.3, 70.0, 90.0]})
    for r, (src, d) in enumerate(((sg[0], 1.0), (sg[1], 1.5), (sg[2], 2.2)), start=1):
        nest.Connect(src, targets, syn_spec={"receptor_type": r, "weight": weights[r - 1],
                                             "delay": d})
    nest.Connect(sg[1], targets[:2], syn_spec={"receptor_type": 1, "weight": weights[0],
                                               "delay": 1.0})
    dc = nest.Create("dc_generator", 1, {"amplitude": 290.0, "start": 5.0, "stop": 80.0})
    step = nest.Create("step_current_generator", 1, {"amplitude_times": [30.0, 50.0],
                                                     "amplitude_values": [120.0, -60.0]})
    nest.Connect(dc, targets)
    nest.Connect(step, targets)
    mm = _multimeter(nest, targets, 0.1, record_from=record)
    sr = _spike_recorder(nest, targets)
    return targets, mm, sr


def _glif_results(targets, mm, sr, record, prefix):
    out = {}
    out.update(_vm(mm, prefix))
    ev = mm.get("events")
    idx = _order(ev["senders"], ev["times"])
    for key in record:
        if key != "V_m":
            out[prefix + key] = np.asarray(ev[key], np.float64)[idx]
    out.update(_spikes(sr, prefix))
    asc = targets.get("ASCurrents")
    out[prefix + "final_ASCurrents"] = np.concatenate([np.asarray(a, np.float64) for a in asc])
    if targets.get("model")[0] != "glif_cond":      # (NEST's glif_cond does not report them)
        for key in ("threshold_spike", "threshold_voltage"):
            out[prefix + "final_" + key] = np.asarray(targets.get(key), np.float64)
    out[prefix + "final_V_m"] = np.asarray(targets.get("V_m"), np.float64)
    return out


def run_glif_psc(nest):
    """glif_psc and glif_psc_double_alpha: the five mechanism combinations
    (GLIF1 ... GLIF5) and a grown GLIF5 node of each model (see
    ``_glif_network``), three receptors of different time constants
    (double alpha: fast, slow, amp_slow per receptor); V_m, the threshold
    and its components, the after-spike current sum, I and I_syn every
    0.1 ms over two Simulate calls; final ASCurrents and threshold
    components."""
    _reset(nest)
    record = ["V_m", "threshold", "threshold_spike", "threshold_voltage", "ASCurrents_sum",
              "I", "I_syn"]
    runs = []
    for model, prefix, lists in (
            ("glif_psc", "psc_", {"tau_syn": [0.5, 2.0, 5.0]}),
            ("glif_psc_double_alpha", "alpha2_", {"tau_syn_fast": [0.5, 1.0, 2.0],
                                                  "tau_syn_slow": [3.0, 6.0, 2.0],
                                                  "amp_slow": [0.3, 0.5, 1.0]})):
        runs.append((prefix,) + _glif_network(nest, model, lists, (150.0, -120.0, 90.0),
                                              record))
    nest.Simulate(60.0)
    nest.Simulate(45.0)
    out = {}
    for prefix, targets, mm, sr in runs:
        out.update(_glif_results(targets, mm, sr, record, prefix))
    return out


def run_glif_cond(nest):
    """glif_cond: as ``glif_psc`` with conductance receptors (E_rev 0,
    -85, -20 mV; tau_syn 0.2, 2, 1 ms; weights in nS); V_m, the threshold
    and its components, the after-spike current sum, I, g_1 and g_3."""
    _reset(nest)
    record = ["V_m", "threshold", "threshold_spike", "threshold_voltage", "ASCurrents_sum",
              "I", "g_1", "g_3"]
    targets, mm, sr = _glif_network(
        nest, "glif_cond", {"tau_syn": [0.2, 2.0, 1.0], "E_rev": [0.0, -85.0, -20.0]},
        (8.0, 4.0, 3.0), record)
    nest.Simulate(60.0)
    nest.Simulate(45.0)
    return _glif_results(targets, mm, sr, record, "")


def run_binary_input(nest):
    """Binary neurons: the summed input h follows the decoded transitions of
    the senders.  spike_generators send up-transitions (two spikes in one
    step, or multiplicity 2) and down-transitions (one spike) with several
    weights and delays, directly and through a parrot_neuron (which repeats
    them), to silent ginzburg, mcculloch_pitts and erfc neurons (theta far
    above h) and to a chain mcculloch_pitts -> ginzburg -> erfc whose gains
    are saturated (c_3 = 1000, sigma = 0.001: probabilities exactly 0 or 1)
    and whose tau_m = 0.001 ms updates them in every step: deterministic,
    although the update times are random.  h and S every 0.1 ms over two
    Simulate calls, h at the end of each; the chain's transitions (spike
    recorder: two events per up-transition) and spin_detectors on the
    generators, the parrot and the chain (one per sender).  Weights are
    dyadic, so every sum of h is exact in any order."""
    _reset(nest)
    models = ("ginzburg_neuron", "mcculloch_pitts_neuron", "erfc_neuron")
    silent = [nest.Create(m, 2, {"tau_m": 5.0, "theta": 100.0}) for m in models]
    mp = nest.Create("mcculloch_pitts_neuron", 1, {"tau_m": 0.001, "theta": 1.0})
    gz = nest.Create("ginzburg_neuron", 1, {"tau_m": 0.001, "theta": 0.5, "c_3": 1000.0})
    ef = nest.Create("erfc_neuron", 1, {"tau_m": 0.001, "theta": -0.5, "sigma": 0.001})
    chain = mp + gz + ef
    sg1 = nest.Create("spike_generator", 1, {
        "spike_times": [2.0, 2.0, 5.0, 7.3, 7.3, 9.1, 13.0, 13.0, 14.5]})
    sg2 = nest.Create("spike_generator", 1, {
        "spike_times": [3.0, 4.0, 6.0, 15.2], "spike_multiplicities": [1, 2, 1, 2]})
    sg3 = nest.Create("spike_generator", 1, {"spike_times": [1.0, 1.0, 8.0, 11.6, 11.6]})
    parrot = nest.Create("parrot_neuron")
    nest.Connect(sg3, parrot)
    for pop in silent + [mp]:
        nest.Connect(sg1, pop, syn_spec={"weight": 1.5, "delay": 1.0})
        nest.Connect(sg2, pop, syn_spec={"weight": -0.75, "delay": 2.3})
        nest.Connect(parrot, pop, syn_spec={"weight": 2.0, "delay": 0.5})
    nest.Connect(mp, gz, syn_spec={"weight": 1.0, "delay": 0.3})
    nest.Connect(gz, ef, syn_spec={"weight": -1.0, "delay": 0.2})
    targets = silent[0] + silent[1] + silent[2] + chain
    mm = nest.Create("multimeter", 1, {"record_from": ["h", "S"], "interval": 0.1})
    nest.Connect(mm, targets)
    sr = _spike_recorder(nest, chain)
    detectors = []
    for src in (sg1, sg2, parrot, mp, gz, ef):
        sd = nest.Create("spin_detector")
        nest.Connect(src, sd)
        detectors.append(sd)
    nest.Simulate(12.0)
    h_mid = np.asarray(targets.get("h"), dtype=np.float64)
    nest.Simulate(10.0)
    ev = mm.get("events")
    senders = np.asarray(ev["senders"], dtype=np.int64)
    times = np.asarray(ev["times"], dtype=np.float64)
    idx = _order(senders, times)
    out = {"h_vm_times": times[idx], "h_vm_senders": senders[idx],
           "h_V_m": np.asarray(ev["h"], dtype=np.float64)[idx],
           "h_S": np.asarray(ev["S"], dtype=np.float64)[idx],
           "h_mid": h_mid, "h_final": np.asarray(targets.get("h"), dtype=np.float64)}
    out.update(_spikes(sr))
    for k, sd in enumerate(detectors):
        ev = sd.get("events")
        senders = np.asarray(ev["senders"], dtype=np.int64)
        times = np.asarray(ev["times"], dtype=np.float64)
        idx = _order(senders, times)
        out[f"sd{k}_times"] = times[idx]
        out[f"sd{k}_senders"] = senders[idx]
        out[f"sd{k}_state"] = np.asarray(ev["state"], dtype=np.int64)[idx]
    return out

def run_correlospinmatrix_detector(nest):
    """correlospinmatrix_detector: spike_generators send up-transitions (two
    spikes in one step, or multiplicity 2) and down-transitions (one spike),
    one also a multiplicity 3, to its ports directly; a parrot repeats one of
    them; the saturated chain mcculloch_pitts -> ginzburg -> erfc of
    ``binary_input`` (deterministic) is driven by them and feeds ports too,
    two neurons pooled on one port and a neuron pooled with a generator.  Two
    devices with four ports (defaults; delta_tau 0.3 ms, tau_max 1.5 ms, an
    activity window and Tstart/Tstop set); counts after a first run and at
    the end; the chain's h and transitions."""
    _reset(nest)
    mp = nest.Create("mcculloch_pitts_neuron", 1, {"tau_m": 0.001, "theta": 1.0})
    gz = nest.Create("ginzburg_neuron", 1, {"tau_m": 0.001, "theta": 0.5, "c_3": 1000.0})
    ef = nest.Create("erfc_neuron", 1, {"tau_m": 0.001, "theta": -0.5, "sigma": 0.001})
    chain = mp + gz + ef
    sg1 = nest.Create("spike_generator", 1, {
        "spike_times": [2.0, 2.0, 5.0, 7.3, 7.3, 9.1, 13.0, 13.0, 14.5, 18.2, 18.2, 21.0,
                        24.4, 24.4, 25.1, 31.0, 31.0, 33.3]})
    sg2 = nest.Create("spike_generator", 1, {
        "spike_times": [3.0, 4.0, 6.0, 15.2, 19.9, 22.0, 27.5, 29.0, 34.1],
        "spike_multiplicities": [2, 1, 2, 1, 2, 1, 2, 1, 2]})
    sg3 = nest.Create("spike_generator", 1, {
        "spike_times": [1.0, 1.0, 8.0, 11.6, 11.6, 16.0, 23.3, 23.3, 28.8, 35.0, 35.0]})
    sg4 = nest.Create("spike_generator", 1, {
        "spike_times": [4.4, 10.0, 10.0, 17.7, 26.0], "spike_multiplicities": [3, 1, 1, 2, 1]})
    parrot = nest.Create("parrot_neuron")
    nest.Connect(sg3, parrot)
    nest.Connect(sg1, mp, syn_spec={"weight": 1.5, "delay": 1.0})
    nest.Connect(sg2, mp, syn_spec={"weight": -0.75, "delay": 2.3})
    nest.Connect(parrot, mp, syn_spec={"weight": 2.0, "delay": 0.5})
    nest.Connect(mp, gz, syn_spec={"weight": 1.0, "delay": 0.3})
    nest.Connect(gz, ef, syn_spec={"weight": -1.0, "delay": 0.2})
    cs = nest.Create("correlospinmatrix_detector", 2, {"N_channels": 4})
    cs[1].set(delta_tau=0.3, tau_max=1.5, Tstart=5.0, Tstop=25.0, start=3.0, stop=30.0)
    for src, port in ((sg1, 0), (sg2, 1), (parrot, 2), (mp, 3), (gz, 3), (ef, 1)):
        nest.Connect(src, cs, syn_spec={"receptor_type": port})
    nest.Connect(sg4, cs[0], syn_spec={"receptor_type": 2})
    mm = nest.Create("multimeter", 1, {"record_from": ["h"], "interval": 0.1})
    nest.Connect(mm, chain)
    sr = _spike_recorder(nest, chain)
    out = {}
    nest.Simulate(20.0)
    out["mid_count_covariance"] = np.concatenate(
        [np.ravel(c.get("count_covariance")) for c in cs]).astype(np.int64)
    nest.Simulate(20.0)
    out["cs_count_covariance"] = np.concatenate(
        [np.ravel(c.get("count_covariance")) for c in cs]).astype(np.int64)
    out["cs_shape"] = np.concatenate([np.shape(c.get("count_covariance")) for c in cs])
    ev = mm.get("events")
    senders = np.asarray(ev["senders"], dtype=np.int64)
    times = np.asarray(ev["times"], dtype=np.float64)
    idx = _order(senders, times)
    out.update({"h_vm_times": times[idx], "h_vm_senders": senders[idx],
                "h_V_m": np.asarray(ev["h"], dtype=np.float64)[idx]})
    out.update(_spikes(sr))
    return out


def _correlation_network(nest):
    """Spike sources for the correlation devices: two spike_generators (a
    multiplicity 2 and 3 among their spikes, coincidences, differences at
    the bin edges), two parrots repeating them (delay 1 ms) and an
    iaf_psc_alpha firing regularly (its V_m and spikes recorded)."""
    _reset(nest)
    t0 = [1.0, 2.0, 2.5, 6.0, 6.3, 11.0, 15.2, 20.0, 20.1, 33.3, 39.8, 39.9, 40.0, 41.2,
          55.5, 60.0, 70.1, 79.9, 84.8, 84.9, 85.0]
    m0 = [1] * len(t0)
    m0[3] = 2
    t1 = [0.5, 2.0, 5.4, 5.5, 5.6, 6.4, 6.5, 6.6, 11.5, 20.0, 21.3, 33.0, 39.9, 40.0,
          40.4, 52.2, 60.0, 60.2, 77.7, 84.9]
    m1 = [1] * len(t1)
    m1[9] = 3
    sg = nest.Create("spike_generator", 2)
    sg[0].set(spike_times=t0, spike_multiplicities=m0)
    sg[1].set(spike_times=t1, spike_multiplicities=m1)
    par = nest.Create("parrot_neuron", 2)
    nest.Connect(sg, par, "one_to_one", {"delay": 1.0})
    nrn = nest.Create("iaf_psc_alpha", 1, {"I_e": 800.0})
    vm = _multimeter(nest, nrn, 1.0)
    sr = _spike_recorder(nest, nrn)
    return sg, par, nrn, vm, sr


def _neuron_results(vm, sr):
    out = _spikes(sr)
    out.update(_vm(vm))
    return out


def run_correlation_detector_sg(nest):
    """correlation_detector fed by spike_generators (with multiplicities),
    parrots and a neuron, with weights; three devices (defaults, a
    Tstart/Tstop window with other bins, an activity window); results after
    a first run (the spikes of its last slice reach the devices with the
    second run) and at the end."""
    sg, par, nrn, vm, sr = _correlation_network(nest)
    cd = nest.Create("correlation_detector", 3)
    cd[1].set(delta_tau=0.3, tau_max=3.0, Tstart=10.0, Tstop=60.0)
    cd[2].set(start=5.0, stop=70.0, delta_tau=1.0, tau_max=4.0)
    nest.Connect(sg[0], cd, syn_spec={"weight": 1.5, "receptor_type": 0})
    nest.Connect(nrn, cd, syn_spec={"weight": -0.7, "receptor_type": 1})
    nest.Connect(par[1], cd, syn_spec={"weight": 2.0, "receptor_type": 1})
    nest.Connect(sg[1], cd, syn_spec={"weight": 0.3, "receptor_type": 1})
    nest.Connect(par[0], cd, syn_spec={"weight": 1.1, "receptor_type": 0, "delay": 2.0})
    nest.Connect(sg[1], cd[0], syn_spec={"weight": 0.1, "receptor_type": 0})
    out = {}
    nest.Simulate(40.0)
    for key in ("histogram", "count_histogram", "histogram_correction", "n_events"):
        out["mid_" + key] = np.concatenate([np.asarray(c.get(key)) for c in cd])
    nest.Simulate(45.0)
    for key in ("histogram", "count_histogram", "histogram_correction", "n_events"):
        out["cd_" + key] = np.concatenate([np.asarray(c.get(key)) for c in cd])
    out.update(_neuron_results(vm, sr))
    return out


def run_correlomatrix_detector_sg(nest):
    """correlomatrix_detector with three ports fed by spike_generators,
    parrots and a neuron (a generator on two ports), with weights; two
    devices (defaults with N_channels 3; other bins, Tstart/Tstop and an
    activity window); results after a first run and at the end."""
    sg, par, nrn, vm, sr = _correlation_network(nest)
    cm = nest.Create("correlomatrix_detector", 2, {"N_channels": 3})
    cm[1].set(delta_tau=0.3, tau_max=2.1, Tstart=8.0, Tstop=62.0, start=3.0, stop=75.0)
    nest.Connect(sg[0], cm, syn_spec={"weight": 1.5, "receptor_type": 0})
    nest.Connect(nrn, cm, syn_spec={"weight": -0.7, "receptor_type": 2})
    nest.Connect(par[1], cm, syn_spec={"weight": 2.0, "receptor_type": 1})
    nest.Connect(sg[1], cm, syn_spec={"weight": 0.3, "receptor_type": 1})
    nest.Connect(par[0], cm, syn_spec={"weight": 1.1, "receptor_type": 2, "delay": 2.0})
    nest.Connect(sg[1], cm[0], syn_spec={"weight": 0.1, "receptor_type": 0})
    out = {}
    nest.Simulate(40.0)
    for key in ("covariance", "count_covariance", "n_events"):
        out["mid_" + key] = np.concatenate([np.ravel(c.get(key)) for c in cm])
    nest.Simulate(45.0)
    for key in ("covariance", "count_covariance", "n_events"):
        out["cm_" + key] = np.concatenate([np.ravel(c.get(key)) for c in cm])
    out.update(_neuron_results(vm, sr))
    return out


def _recorded(mm, names, prefix=""):
    """Multimeter events of ``names`` (besides V_m), sorted as ``_vm``."""
    ev = mm.get("events")
    senders = np.asarray(ev["senders"], dtype=np.int64)
    times = np.asarray(ev["times"], dtype=np.float64)
    idx = _order(senders, times)
    return {prefix + name: np.asarray(ev[name], dtype=np.float64)[idx] for name in names}


def run_iaf_tum_2000_network(nest):
    """iaf_tum_2000: a neuron driven by a dc window sends its release u x
    with each spike; two iaf_tum_2000 targets take it on receptor 1 (one
    with facilitation off, tau_fac = 0, and a stochastic-free threshold),
    one also gets plain spike_generator input on receptor 0 and an I_1
    current on receptor 1; an iaf_psc_exp target takes the same spikes with
    plain weights.  Recorded: V_m and I_syn_ex; the spikes with the default
    recorder (NEST reports a time minus the release) and in steps; final
    x, y, u.  Three Simulate calls."""
    _reset(nest)
    params = {"tau_psc": 3.0, "tau_rec": 300.0, "tau_fac": 500.0, "U": 0.3}
    pre = nest.Create("iaf_tum_2000", 2, params)
    pre[1].set({"I_e": 420.0, "tau_fac": 0.0, "x": 0.6, "y": 0.1, "u": 0.2})
    post = nest.Create("iaf_tum_2000", 2, {"tau_syn_ex": 1.5, "tau_syn_in": 2.5,
                                           "I_e": 320.0})
    plain = nest.Create("iaf_psc_exp", 1)
    dc = nest.Create("dc_generator", 1, {"amplitude": 520.0, "start": 10.0, "stop": 230.0})
    sg = nest.Create("spike_generator", 1, {"spike_times": [5.0, 40.0, 40.1, 77.7, 150.0]})
    step = nest.Create("step_current_generator", 1, {"amplitude_times": [20.0, 120.0],
                                                     "amplitude_values": [80.0, 0.0]})
    nest.Connect(dc, pre[0])
    nest.Connect(pre, post, syn_spec={"weight": 4000.0, "delay": 1.0, "receptor_type": 1})
    nest.Connect(pre[1], post[0], syn_spec={"weight": -1500.0, "delay": 2.5,
                                            "receptor_type": 1})
    nest.Connect(sg, post[1], syn_spec={"weight": 300.0, "delay": 1.5})
    nest.Connect(step, post[1], syn_spec={"receptor_type": 1})
    nest.Connect(pre, plain, syn_spec={"weight": 400.0, "delay": 0.7})
    mm = _multimeter(nest, post + plain, 0.1)
    mm_cur = nest.Create("multimeter", 1, {"record_from": ["I_syn_ex", "I_syn_in"],
                                           "interval": 0.1})
    nest.Connect(mm_cur, post)
    sr = _spike_recorder(nest, pre + post + plain)
    sr_steps = _spike_recorder(nest, pre + post, time_in_steps=True)
    for t in (63.3, 100.0, 86.7):
        nest.Simulate(t)
    out = {}
    out.update(_vm(mm))
    out.update(_recorded(mm_cur, ("I_syn_ex", "I_syn_in")))
    out.update(_spikes(sr))
    ev = sr_steps.get("events")
    idx = _order(ev["senders"], ev["times"])
    out["steps_senders"] = np.asarray(ev["senders"], np.int64)[idx]
    out["steps_times"] = np.asarray(ev["times"], np.int64)[idx]
    out["steps_offsets"] = np.asarray(ev["offsets"], np.float64)[idx]
    for name in ("x", "y", "u"):
        out["final_" + name] = np.asarray((pre + post).get(name), np.float64)
    return out


def run_iaf_bw_2001_network(nest):
    """iaf_bw_2001: three neurons driven through AMPA by spike_generators
    and a dc window, connected among themselves through AMPA, GABA and
    NMDA (the NMDA weight times the sender's jump); an iaf_cond_exp target
    of the same spikes.  Recorded: V_m, the gates and currents; spikes with
    the default recorder (time minus the jump, as NEST) and in steps."""
    _reset(nest)
    params = {"V_th": -52.0, "V_reset": -59.0, "t_ref": 1.5, "C_m": 400.0}
    bw = nest.Create("iaf_bw_2001", 3, params)
    bw[2].set({"tau_rise_NMDA": 2.5, "alpha": 0.36, "conc_Mg2": 1.4, "E_in": -75.0})
    ce = nest.Create("iaf_cond_exp", 1)
    rt = bw[0].get("receptor_types")
    sg = nest.Create("spike_generator", 2, [
        {"spike_times": [2.0 + 3.1 * k for k in range(60)]},
        {"spike_times": [4.0 + 5.3 * k for k in range(30)]}])
    dc = nest.Create("dc_generator", 1, {"amplitude": 330.0, "start": 30.0, "stop": 140.0})
    nest.Connect(sg[0], bw[0], syn_spec={"weight": 30.0, "receptor_type": rt["AMPA"]})
    nest.Connect(sg[1], bw[1], syn_spec={"weight": 22.0, "delay": 1.3,
                                         "receptor_type": rt["AMPA"]})
    nest.Connect(sg[1], bw[2], syn_spec={"weight": 6.0, "receptor_type": rt["GABA"]})
    nest.Connect(dc, bw[1:])
    nest.Connect(bw[0], bw[1:], syn_spec={"weight": 3.0, "delay": 1.5,
                                          "receptor_type": rt["NMDA"]})
    nest.Connect(bw[1], bw[2], syn_spec={"weight": 2.0, "delay": 0.8,
                                         "receptor_type": rt["NMDA"]})
    nest.Connect(bw[0], bw[2], syn_spec={"weight": 25.0, "delay": 2.0,
                                         "receptor_type": rt["AMPA"]})
    nest.Connect(bw[2], bw[0], syn_spec={"weight": 4.0, "delay": 1.1,
                                         "receptor_type": rt["GABA"]})
    nest.Connect(bw, ce, syn_spec={"weight": 12.0, "delay": 1.0})
    mm = _multimeter(nest, bw + ce, 0.1)
    mm_s = nest.Create("multimeter", 1, {
        "record_from": ["s_AMPA", "s_GABA", "s_NMDA", "I_NMDA", "I_AMPA", "I_GABA"],
        "interval": 0.1})
    nest.Connect(mm_s, bw)
    sr = _spike_recorder(nest, bw + ce)
    sr_steps = _spike_recorder(nest, bw, time_in_steps=True)
    for t in (77.7, 122.3):
        nest.Simulate(t)
    out = {}
    out.update(_vm(mm))
    out.update(_recorded(mm_s, ("s_AMPA", "s_GABA", "s_NMDA", "I_NMDA", "I_AMPA", "I_GABA")))
    out.update(_spikes(sr))
    ev = sr_steps.get("events")
    idx = _order(ev["senders"], ev["times"])
    out["steps_senders"] = np.asarray(ev["senders"], np.int64)[idx]
    out["steps_times"] = np.asarray(ev["times"], np.int64)[idx]
    out["steps_offsets"] = np.asarray(ev["offsets"], np.float64)[idx]
    out["final_s_NMDA"] = np.asarray(bw.get("s_NMDA"), np.float64)
    return out


def run_iaf_bw_2001_exact_network(nest):
    """iaf_bw_2001_exact: one NMDA ODE pair per connection.  Two senders
    (an iaf_bw_2001_exact and a parrot of a spike_generator) reach three
    iaf_bw_2001_exact targets through one to three NMDA connections each
    (different weights and delays, a multapse), plus AMPA and GABA input
    and a dc window.  Recorded: V_m, s_NMDA (the weighted sum) and I_NMDA;
    spikes; the receptor GetConnections reports per connection (NEST's
    port: 3 + k for the k-th NMDA connection of a node)."""
    _reset(nest)
    ex = nest.Create("iaf_bw_2001_exact", 4, {"V_th": -52.0, "V_reset": -59.0, "t_ref": 1.0})
    ex[3].set({"tau_rise_NMDA": 3.0, "alpha": 0.8, "C_m": 350.0})
    rt = ex[0].get("receptor_types")
    sg = nest.Create("spike_generator", 2, [
        {"spike_times": [2.0 + 3.7 * k for k in range(50)]},
        {"spike_times": [5.0 + 9.1 * k for k in range(20)]}])
    par = nest.Create("parrot_neuron")
    dc = nest.Create("dc_generator", 1, {"amplitude": 300.0, "start": 40.0, "stop": 120.0})
    nest.Connect(sg[0], ex[0], syn_spec={"weight": 30.0, "receptor_type": rt["AMPA"]})
    nest.Connect(sg[1], par)
    nest.Connect(dc, ex[1:])
    nest.Connect(ex[0], ex[1:], syn_spec={"weight": 1.5, "delay": 1.2,
                                          "receptor_type": rt["NMDA"]})
    nest.Connect(par, ex[2:], syn_spec={"weight": 0.8, "delay": 2.1,
                                        "receptor_type": rt["NMDA"]})
    nest.Connect(ex[0], ex[3], syn_spec={"weight": 2.5, "delay": 0.5,
                                         "receptor_type": rt["NMDA"]})
    nest.Connect(ex[0], ex[2], syn_spec={"weight": 10.0, "receptor_type": rt["AMPA"]})
    nest.Connect(par, ex[1], syn_spec={"weight": 5.0, "receptor_type": rt["GABA"]})
    mm = _multimeter(nest, ex, 0.1)
    mm_s = nest.Create("multimeter", 1, {"record_from": ["s_NMDA", "I_NMDA"],
                                         "interval": 0.1})
    nest.Connect(mm_s, ex)
    sr = _spike_recorder(nest, ex)
    for t in (55.5, 104.5):
        nest.Simulate(t)
    out = {}
    out.update(_vm(mm))
    out.update(_recorded(mm_s, ("s_NMDA", "I_NMDA")))
    out.update(_spikes(sr))
    conns = nest.GetConnections(target=ex).get(["source", "target", "receptor", "weight"])
    order = np.lexsort((conns["weight"], conns["receptor"], conns["target"], conns["source"]))
    for key in ("source", "target", "receptor"):
        out["conn_" + key] = np.asarray(conns[key], np.int64)[order]
    return out


def _mc_network(nest, model, receptors, compartments, params, spikes, currents, record):
    """Two multi-compartment neurons (NEST defaults and ``params``), each
    receptor driven by its own spike_generator (``spikes``: receptor ->
    (times, weight)), each current receptor by a dc_generator (``currents``:
    receptor -> dc parameters); a multimeter records ``record`` every 0.1 ms."""
    n = nest.Create(model, 2)
    n[1].set(params)
    syns = nest.GetDefaults(model)["receptor_types"]
    assert sorted(syns) == sorted(receptors)
    delays = (1.0, 1.3, 2.0, 0.7, 1.5, 1.1)
    for j, (receptor, (times, weight)) in enumerate(sorted(spikes.items())):
        sg = nest.Create("spike_generator", 1, {"spike_times": times})
        nest.Connect(sg, n, syn_spec={"receptor_type": syns[receptor], "weight": weight,
                                      "delay": delays[j % len(delays)]})
    for receptor, dc in sorted(currents.items()):
        gen = nest.Create("dc_generator", 1, dc)
        nest.Connect(gen, n, syn_spec={"receptor_type": syns[receptor]})
    mm = nest.Create("multimeter", 1, {"record_from": record, "interval": 0.1})
    nest.Connect(mm, n)
    sr = _spike_recorder(nest, n)
    return n, mm, sr


def _mc_results(n, mm, sr, record, compartments, prefix=""):
    """Per compartment suffix X: ``X_V_m`` (with ``X_vm_times``,
    ``X_vm_senders``); the other recordables as ``rec_<name>``; spikes; the
    final V_m of each compartment and t_spike."""
    ev = mm.get("events")
    idx = _order(ev["senders"], ev["times"])
    out = {}
    for key in record:
        name, _, sfx = key.partition(".")
        values = np.asarray(ev[key], np.float64)[idx]
        if name == "V_m":
            out[prefix + sfx + "_vm_times"] = np.asarray(ev["times"], np.float64)[idx]
            out[prefix + sfx + "_vm_senders"] = np.asarray(ev["senders"], np.int64)[idx]
            out[prefix + sfx + "_V_m"] = values
        else:
            out[prefix + "rec_" + key.replace(".", "_")] = values
    out.update(_spikes(sr, prefix))
    for comp in compartments:
        out[prefix + "final_" + comp + "_V_m"] = np.asarray([d["V_m"] for d in n.get(comp)],
                                                           np.float64)
    out[prefix + "final_t_spike"] = np.asarray(n.get("t_spike"), np.float64)
    return out


def run_iaf_cond_alpha_mc(nest):
    """iaf_cond_alpha_mc: defaults changed by SetDefaults (a partial soma
    sub-dictionary), one neuron with NEST's defaults and one with changed
    top-level and per-compartment parameters; a spike_generator on each of
    the six spike receptors, a dc_generator on each current receptor, somatic
    I_e that makes both fire; all recordables every 0.1 ms over two Simulate
    calls with a somatic I_e change in between; final V_m per compartment."""
    _reset(nest)
    nest.SetDefaults("iaf_cond_alpha_mc", {"soma": {"I_e": 330.0}, "g_sp": 3.0})
    nest.SetDefaults("iaf_cond_alpha_mc", {"soma": {"g_L": 12.0}})
    compartments = ("soma", "proximal", "distal")
    receptors = [f"{c}_{k}" for c in compartments for k in ("exc", "inh", "curr")]
    spikes = {
        "soma_exc": ([5.0, 12.0, 12.5, 40.0, 90.0, 150.0, 151.0], 25.0),
        "soma_inh": ([20.0, 21.0, 60.0, 160.0], 30.0),
        "proximal_exc": ([8.0, 30.0, 30.2, 70.0, 120.0, 200.0], 40.0),
        "proximal_inh": ([15.0, 55.0, 130.0, 210.0], 20.0),
        "distal_exc": ([3.0, 45.0, 46.0, 47.0, 100.0, 180.0], 60.0),
        "distal_inh": ([35.0, 110.0, 190.0], 50.0),
    }
    currents = {
        "soma_curr": {"amplitude": 40.0, "start": 50.0, "stop": 120.0},
        "proximal_curr": {"amplitude": -80.0, "start": 20.0, "stop": 90.0},
        "distal_curr": {"amplitude": 150.0, "start": 100.0, "stop": 220.0},
    }
    params = {"V_th": -58.0, "V_reset": -62.0, "t_ref": 3.0, "g_pd": 2.5,
              "soma": {"C_m": 120.0, "tau_syn_in": 3.0, "V_m": -65.0},
              "proximal": {"tau_syn_ex": 1.0, "E_L": -68.0, "I_e": 30.0},
              "distal": {"C_m": 90.0, "E_in": -80.0, "I_e": -20.0, "V_m": -75.0}}
    record = nest.GetDefaults("iaf_cond_alpha_mc")["recordables"]
    n, mm, sr = _mc_network(nest, "iaf_cond_alpha_mc", receptors, compartments, params,
                            spikes, currents, record)
    nest.Simulate(130.0)
    n.soma = {"I_e": 280.0}
    nest.Simulate(120.0)
    return _mc_results(n, mm, sr, record, compartments)


def run_pp_cond_exp_mc_urbanczik(nest):
    """pp_cond_exp_mc_urbanczik and urbanczik_synapse in two deterministic
    settings.  ``quiet_``: the escape noise off (phi_max = 0: no draw), one
    neuron with NEST's defaults and one with changed parameters (g_ps > 0
    couples the soma back into the dendrite), a spike_generator on each spike
    receptor, a dc_generator on each current receptor, somatic I_e; all
    recordables every 0.1 ms over two Simulate calls.  ``sure_``: phi_max so
    large that the firing probability rounds to 1 (a spike whenever the dead
    time is over, in NEST and here alike), plastic urbanczik synapses from
    parrot neurons onto both dendrites (delays 0.1 and 1.5 ms) whose
    transmitted weights a weight_recorder logs."""
    compartments = ("soma", "dendritic")
    receptors = [f"{c}_{k}" for c in compartments for k in ("exc", "inh", "curr")]
    spikes = {
        "soma_exc": ([5.0, 12.0, 12.5, 40.0, 90.0, 150.0], 8.0),
        "soma_inh": ([20.0, 21.0, 60.0, 160.0], 12.0),
        "dendritic_exc": ([8.0, 30.0, 30.2, 70.0, 120.0, 180.0], 300.0),
        "dendritic_inh": ([15.0, 55.0, 130.0, 190.0], 250.0),
    }
    currents = {
        "soma_curr": {"amplitude": 150.0, "start": 50.0, "stop": 120.0},
        "dendritic_curr": {"amplitude": 500.0, "start": 20.0, "stop": 90.0},
    }
    params = {"g_sp": 300.0, "g_ps": 40.0,
              "soma": {"C_m": 250.0, "tau_syn_in": 5.0, "V_m": -65.0, "E_in": -80.0},
              "dendritic": {"tau_syn_ex": 2.0, "E_L": -68.0, "g_L": 20.0, "V_m": -75.0}}
    record = nest.GetDefaults("pp_cond_exp_mc_urbanczik")["recordables"]
    out = {}
    for prefix, phi_max in (("quiet_", 0.0), ("sure_", 1e6)):
        _reset(nest)
        nest.SetDefaults("pp_cond_exp_mc_urbanczik", {"phi_max": phi_max,
                                                      "soma": {"I_e": 200.0}})
        n, mm, sr = _mc_network(nest, "pp_cond_exp_mc_urbanczik", receptors, compartments,
                                params, spikes, currents, record)
        wr = None
        if prefix == "sure_":
            n.t_ref = 2.0
            syns = nest.GetDefaults("pp_cond_exp_mc_urbanczik")["receptor_types"]
            wr = nest.Create("weight_recorder")
            nest.CopyModel("urbanczik_synapse", "urbanczik_wr",
                           {"weight_recorder": wr, "eta": 2e-7, "Wmax": 1000.0})
            pre = nest.Create("spike_generator", 1, {
                "spike_times": [3.0, 17.0, 25.5, 44.0, 80.0, 81.0, 133.0, 170.0, 199.0]})
            parrots = nest.Create("parrot_neuron", 2)
            nest.Connect(pre, parrots)
            nest.Connect(parrots[0], n, syn_spec={
                "synapse_model": "urbanczik_wr", "receptor_type": syns["dendritic_exc"],
                "weight": 400.0, "tau_Delta": 50.0, "delay": 0.1})
            nest.Connect(parrots[1], n, syn_spec={
                "synapse_model": "urbanczik_wr", "receptor_type": syns["dendritic_inh"],
                "weight": 300.0, "eta": 1e-7, "delay": 1.5})
        nest.Simulate(110.0)
        n.dendritic = {"I_e": 50.0}
        n.soma = {"I_e": 100.0}
        nest.Simulate(100.0)
        out.update(_mc_results(n, mm, sr, record, compartments, prefix))
        if wr is not None:
            ev = wr.get("events")
            idx = np.lexsort((np.asarray(ev["targets"]), np.asarray(ev["senders"]),
                              np.asarray(ev["times"])))
            for key in ("times", "senders", "targets", "weights"):
                out[prefix + "wr_" + key] = np.asarray(ev[key])[idx]
    return out


# spike-pairing protocols of Clopath et al. (2010) (pre, post spike times, ms)
_CLOPATH_PAIRS = [
    ([20.0, 120.0, 220.0, 320.0], [10.0, 110.0, 210.0, 310.0]),
    ([20.0, 53.3, 86.7, 120.0, 153.3], [10.0, 43.3, 76.7, 110.0, 143.3]),
    ([20.0, 40.0, 60.0, 80.0, 100.0], [10.0, 30.0, 50.0, 70.0, 90.0]),
    ([53.3, 86.6, 120.0, 153.3, 186.6], [63.3, 96.6, 130.0, 163.3, 196.6]),
    ([40.0, 60.0, 80.0, 100.0, 120.0, 140.0], [50.0, 70.0, 90.0, 110.0, 130.0, 150.0]),
]


def _clopath_pairing(nest, model, params, post_weight, prefix):
    """One target neuron per protocol of _CLOPATH_PAIRS (a parrot relays the
    presynaptic train onto a clopath_synapse, a spike_generator drives the
    postsynaptic spikes); target 1 has A_LTD_const False, target 2 a second
    clopath synapse (delay 1.5 ms, its own x_bar and tau_x), target 3 a low
    Wmax and target 4 the spike of multiplicity 2.  Two Simulate calls."""
    n = len(_CLOPATH_PAIRS)
    nrn = nest.Create(model, n, params)
    nrn[1].set({"A_LTD_const": False, "u_ref_squared": 40.0})
    parrots = nest.Create("parrot_neuron", n + 1)
    wr = nest.Create("weight_recorder")
    nest.CopyModel("clopath_synapse", "clopath_wr_" + prefix, {"weight_recorder": wr})
    for i, (pre, post) in enumerate(_CLOPATH_PAIRS):
        sg_pre = nest.Create("spike_generator", 1, {"spike_times": pre})
        nest.Connect(sg_pre, parrots[i], syn_spec={"delay": 0.1})
        if i == 4:
            nest.Connect(sg_pre, parrots[i], syn_spec={"delay": 0.1})
        sg_post = nest.Create("spike_generator", 1, {"spike_times": post})
        nest.Connect(sg_post, nrn[i], syn_spec={"delay": 0.1, "weight": post_weight})
        syn = {"synapse_model": "clopath_wr_" + prefix, "weight": 0.5, "delay": 0.1}
        if i == 3:
            syn["Wmax"] = 0.5004
        nest.Connect(parrots[i], nrn[i], syn_spec=syn)
    sg_extra = nest.Create("spike_generator", 1, {"spike_times": [15.0, 45.0, 48.0, 77.0, 112.0]})
    nest.Connect(sg_extra, parrots[n], syn_spec={"delay": 0.1})
    nest.Connect(parrots[n], nrn[2], syn_spec={
        "synapse_model": "clopath_wr_" + prefix, "weight": 1.0, "delay": 1.5,
        "x_bar": 0.1, "tau_x": 8.0, "Wmin": 0.2})
    mm = _multimeter(nest, nrn, 0.5)
    sr = _spike_recorder(nest, nrn)
    nest.Simulate(95.0)
    nest.Simulate(115.0)
    out = {}
    out.update(_vm(mm, prefix))
    out.update(_spikes(sr, prefix))
    ev = wr.get("events")
    idx = np.lexsort((np.asarray(ev["targets"]), np.asarray(ev["senders"]),
                      np.asarray(ev["times"])))
    for key in ("times", "senders", "targets", "weights"):
        out[prefix + "wr_" + key] = np.asarray(ev[key])[idx]
    conns = nest.GetConnections(target=nrn, synapse_model="clopath_wr_" + prefix)
    status = conns.get(["source", "target", "weight", "x_bar"])
    idx = np.lexsort((np.asarray(status["target"]), np.asarray(status["source"])))
    out[prefix + "final_weight"] = np.asarray(status["weight"], np.float64)[idx]
    out[prefix + "final_x_bar"] = np.asarray(status["x_bar"], np.float64)[idx]
    return out


def run_clopath_synapse_pairing(nest):
    """clopath_synapse onto aeif_psc_delta_clopath (parameters of NEST's
    spike-pairing example) and onto hh_psc_alpha_clopath, in the spike-pairing
    protocols of _clopath_pairing: the weights each transmitted spike carries
    (weight_recorder), the final weights and presynaptic traces, the neurons'
    spikes and V_m."""
    _reset(nest)
    out = _clopath_pairing(nest, "aeif_psc_delta_clopath", {
        "V_m": -70.6, "E_L": -70.6, "C_m": 281.0, "theta_minus": -70.6, "theta_plus": -45.3,
        "A_LTD": 14.0e-5, "A_LTP": 8.0e-5, "tau_u_bar_minus": 10.0, "tau_u_bar_plus": 7.0,
        "delay_u_bars": 4.0, "a": 4.0, "b": 0.0805, "V_reset": -70.6 + 21.0, "V_clamp": 33.0,
        "t_clamp": 2.0, "t_ref": 0.0}, 80.0, "aeif_")
    _reset(nest)
    out.update(_clopath_pairing(nest, "hh_psc_alpha_clopath", {
        "V_m": -64.9, "C_m": 100.0, "tau_syn_ex": 0.2, "tau_syn_in": 2.0,
        "theta_minus": -64.9, "theta_plus": -35.0, "A_LTD": 14.0e-5, "A_LTP": 8.0e-5,
        "tau_u_bar_minus": 10.0, "tau_u_bar_plus": 114.0, "delay_u_bars": 5.0}, 2000.0, "hh_"))
    return out


def run_clopath_synapse_long_delays(nest):
    """clopath_synapse where every delay is 2 ms (min_delay = max_delay = 20
    steps): a presynaptic spike reads its LTD value up to 39 steps after
    it was written, from a ring of max_delay + 1 values (values lost in
    between count as 0, as NEST's); delay_u_bars and A_LTD change between
    the Simulate calls (the delay line keeps its first length, as NEST's).
    aeif_psc_delta_clopath targets driven by Poisson-free spike trains."""
    _reset(nest)
    nrn = nest.Create("aeif_psc_delta_clopath", 3, {
        "V_reset": -49.6, "b": 0.0805, "delay_u_bars": 4.0, "A_LTD": 14.0e-4,
        "A_LTP": 8.0e-4})
    nrn[2].set({"A_LTD_const": False})
    parrots = nest.Create("parrot_neuron", 3)
    pre = [[12.0, 31.3, 47.7, 58.0, 80.1, 96.6, 131.0], [5.0, 25.0, 45.0, 65.0, 85.0],
           [20.0, 21.0, 40.5, 77.7, 78.0, 120.2]]
    post = [[10.0, 29.0, 50.0, 61.0, 90.0, 100.0], [15.0, 35.0, 55.0, 75.0, 95.0],
            [3.0, 19.0, 44.0, 70.0, 76.0, 110.0, 125.0]]
    wr = nest.Create("weight_recorder")
    nest.CopyModel("clopath_synapse", "clopath_long", {"weight_recorder": wr})
    for i in range(3):
        sg = nest.Create("spike_generator", 1, {"spike_times": pre[i]})
        nest.Connect(sg, parrots[i], syn_spec={"delay": 2.0})
        sg = nest.Create("spike_generator", 1, {"spike_times": post[i]})
        nest.Connect(sg, nrn[i], syn_spec={"delay": 2.0, "weight": 80.0})
        nest.Connect(parrots[i], nrn, syn_spec={"synapse_model": "clopath_long",
                                                "weight": 0.5 + 0.1 * i, "delay": 2.0})
    mm = _multimeter(nest, nrn, 1.0)
    sr = _spike_recorder(nest, nrn)
    nest.Simulate(60.0)
    nrn.set({"delay_u_bars": 1.0, "A_LTD": 7.0e-4})
    nest.Simulate(90.0)
    out = {}
    out.update(_vm(mm))
    out.update(_spikes(sr))
    ev = wr.get("events")
    idx = np.lexsort((np.asarray(ev["targets"]), np.asarray(ev["senders"]),
                      np.asarray(ev["times"])))
    for key in ("times", "senders", "targets", "weights"):
        out["wr_" + key] = np.asarray(ev[key])[idx]
    return out


HT_RECORDABLES = ["V_m", "theta", "g_AMPA", "g_NMDA", "g_GABA_A", "g_GABA_B", "I_NaP",
                  "I_KNa", "I_T", "I_h"]


def _ht_results(targets, mm, sr, prefix=""):
    """All recordables of ht_neuron targets (V_m as V_m, the others as
    ``*_analog``), their spikes and final V_m / theta."""
    out = {}
    out.update(_vm(mm, prefix))
    ev = mm.get("events")
    idx = _order(ev["senders"], ev["times"])
    for key in HT_RECORDABLES[1:]:
        out[prefix + key + "_analog"] = np.asarray(ev[key], np.float64)[idx]
    out.update(_spikes(sr, prefix))
    out[prefix + "final_V_m"] = np.asarray(targets.get("V_m"), np.float64)
    out[prefix + "final_theta_analog"] = np.asarray(targets.get("theta"), np.float64)
    return out


def run_ht_neuron_drive(nest):
    """ht_neuron driven through each of its four receptors (AMPA, NMDA,
    GABA_A, GABA_B: spike_generators of their own times, weights and delays,
    a multapse on NMDA, spike_weights on GABA_A) and a dc_generator (the
    model has no I_e), in four variants: defaults; instantaneous NMDA
    unblocking with other time constants and t_ref 3 ms; V_m -60 mV set with
    ``equilibrate``; ``voltage_clamp`` at -45 mV (NMDA unblocks).  All
    recordables every 0.1 ms over two Simulate calls, spikes, final V_m and
    theta."""
    _reset(nest)
    targets = nest.Create("ht_neuron", 4)
    targets[1].set({"instant_unblock_NMDA": True, "t_ref": 3.0, "tau_spike": 1.2,
                    "theta_eq": -52.0, "tau_theta": 3.0, "g_peak_NMDA": 0.1,
                    "tau_rise_AMPA": 0.7, "tau_decay_AMPA": 3.0, "g_peak_T": 1.5,
                    "N_T": 3.0, "g_peak_h": 0.8})
    targets[2].set({"V_m": -60.0, "equilibrate": True})
    targets[3].set({"V_m": -45.0, "voltage_clamp": True})
    rt = nest.GetDefaults("ht_neuron")["receptor_types"]
    ampa = nest.Create("spike_generator", 1, {"spike_times": [
        5.0, 12.0, 12.5, 30.0, 30.2, 30.4, 61.0, 90.0, 90.1, 140.0, 141.0, 142.3, 200.0]})
    nmda = nest.Create("spike_generator", 1, {"spike_times": [
        20.0, 22.0, 70.5, 72.0, 74.0, 150.0, 151.2, 210.0]})
    gaba_a = nest.Create("spike_generator", 1, {
        "spike_times": [40.0, 41.0, 100.0, 160.3, 230.0],
        "spike_weights": [1.0, 2.0, 0.5, 3.0, 1.5]})
    gaba_b = nest.Create("spike_generator", 1, {"spike_times": [50.0, 50.5, 51.0, 180.0]})
    nest.Connect(ampa, targets, syn_spec={"weight": 2.0, "delay": 1.0,
                                          "receptor_type": rt["AMPA"]})
    nest.Connect(nmda, targets, syn_spec={"weight": 1.5, "delay": 2.3,
                                          "receptor_type": rt["NMDA"]})
    nest.Connect(nmda, targets, syn_spec={"weight": 0.7, "delay": 1.1,
                                          "receptor_type": rt["NMDA"]})
    nest.Connect(gaba_a, targets, syn_spec={"weight": 1.0, "delay": 1.7,
                                            "receptor_type": rt["GABA_A"]})
    nest.Connect(gaba_b, targets, syn_spec={"weight": 4.0, "delay": 1.4,
                                            "receptor_type": rt["GABA_B"]})
    dc = nest.Create("dc_generator", 1, {"amplitude": 28.0, "start": 80.0, "stop": 190.0})
    nest.Connect(dc, targets, syn_spec={"delay": 0.1})
    mm = _multimeter(nest, targets, 0.1, record_from=HT_RECORDABLES)
    sr = _spike_recorder(nest, targets)
    nest.Simulate(120.0)
    nest.Simulate(130.0)
    return _ht_results(targets, mm, sr)


def run_ht_synapse(nest):
    """ht_synapse (depression of a pool P that recovers with tau_P): parrot
    sources with fixed trains (one with spikes of multiplicity 2, one with
    bursts) onto ht_neuron targets (AMPA, NMDA) and an iaf_psc_alpha (V_m
    shows the transmitted weights), default and set tau_P / delta_P / P,
    delays 1 / 1.5 / 2 ms; the _lbl and _hpc variants and a copy with a
    weight_recorder.  Weight and P after each of three Simulate calls."""
    _reset(nest)
    base = [float(t) for t in np.round(np.arange(5.0, 280.0, 13.7), 1)]
    sg = nest.Create("spike_generator", 3, {"spike_times": base})
    sg[1].set({"spike_times": sorted(base[::2] + base[::5])})
    burst = sorted({round(t + d, 1) for t in base[::3] for d in (0.0, 1.0, 2.5, 3.2)})
    sg[2].set({"spike_times": burst})
    pre = nest.Create("parrot_neuron", 3)
    nest.Connect(sg, pre, "one_to_one")
    ht = nest.Create("ht_neuron", 2)
    iaf = nest.Create("iaf_psc_alpha", 1, {"I_e": 300.0})
    wr = nest.Create("weight_recorder")
    nest.CopyModel("ht_synapse", "ht_synapse_rec", {"weight_recorder": wr, "tau_P": 200.0})
    nest.Connect(pre, ht, "all_to_all", {"synapse_model": "ht_synapse", "weight": 1.5,
                                         "delay": 1.0, "receptor_type": 1})
    nest.Connect(pre, ht, "all_to_all", {"synapse_model": "ht_synapse_lbl", "weight": 2.0,
                                         "delay": 1.5, "receptor_type": 2,
                                         "tau_P": 120.0, "delta_P": 0.3, "P": 0.8,
                                         "synapse_label": 3})
    nest.Connect(pre, iaf, "all_to_all", {"synapse_model": "ht_synapse_hpc", "weight": 80.0,
                                          "delay": 2.0, "delta_P": 0.5})
    nest.Connect(pre, iaf, "all_to_all", {"synapse_model": "ht_synapse_rec", "weight": 60.0,
                                          "delay": 1.0})
    mm = _multimeter(nest, ht + iaf, 0.5)
    sr = _spike_recorder(nest, ht + iaf)
    out = {}
    for i, t in enumerate((90.0, 70.0, 123.4)):
        nest.Simulate(t)
        for model in ("ht_synapse", "ht_synapse_lbl", "ht_synapse_hpc", "ht_synapse_rec"):
            conns = nest.GetConnections(synapse_model=model)
            out.update(_conn_state(nest, conns, ("weight", "P", "tau_P", "delta_P"),
                                   f"{model}_{i}_"))
    out.update(_vm(mm))
    out.update(_spikes(sr))
    ev = wr.get("events")
    order = np.lexsort((np.asarray(ev["weights"]), np.asarray(ev["targets"]),
                        np.asarray(ev["senders"]), np.asarray(ev["times"])))
    for key in ("senders", "targets", "times", "weights"):
        out["wr_" + key] = np.asarray(ev[key])[order]
    return out


def run_gif_pop_psc_exp_drive(nest):
    """gif_pop_psc_exp where its dynamics are deterministic.  Two
    populations far below threshold (V_T_star 80 mV: expected spike counts
    below 1e-9 per step, so no draw gives a spike), binomial and
    Poisson counts, a short history (len_kernel 60, t_ref 2 ms) that the
    initial cohort leaves during the run: V_m, the synaptic currents, the
    free threshold E_sfa and the expected count ``mean`` every step; the
    second node is set again between the two Simulate calls (its population
    starts afresh).  A third, firing population (defaults, automatic
    len_kernel): its free membrane and synaptic currents, which the spike
    draws do not touch, and the chosen len_kernel.  A population of 5 far
    above threshold (every escape probability is 1: all neurons fire
    together whenever the refractory period of 1 ms ends, a deterministic
    count N): its spikes (multiplicity 5) and all recordables.  Input: excitatory and
    inhibitory spikes with multiplicities, a dc current."""
    _reset(nest)
    out = {}
    quiet = nest.Create("gif_pop_psc_exp", 2, {
        "N": 400, "V_T_star": 80.0, "len_kernel": 60, "t_ref": 2.0, "tau_m": 15.0,
        "tau_syn_ex": 2.5, "tau_syn_in": 7.0, "tau_sfa": [8.0, 120.0], "q_sfa": [4.0, 1.5],
        "I_e": 60.0, "E_L": -3.0, "V_reset": -8.0, "V_m": 2.0})
    quiet[1].set({"BinoRand": False, "Delta_V": 3.5, "lambda_0": 25.0})
    firing = nest.Create("gif_pop_psc_exp", 1, {"N": 300, "I_e": 250.0})
    burst = nest.Create("gif_pop_psc_exp", 1, {"N": 5, "V_T_star": -100.0, "t_ref": 1.0,
                                               "len_kernel": 30})
    pops = quiet + firing + burst
    sg_ex = nest.Create("spike_generator", 1, {
        "spike_times": [3.0, 9.5, 9.6, 31.0, 64.2, 101.0, 140.0],
        "spike_multiplicities": [1, 3, 1, 2, 5, 1, 2]})
    sg_in = nest.Create("spike_generator", 1, {
        "spike_times": [6.0, 22.0, 57.5, 88.0, 120.0], "spike_multiplicities": [2, 1, 4, 1, 1]})
    nest.Connect(sg_ex, pops, syn_spec={"weight": 35.0, "delay": 1.0})
    nest.Connect(sg_in, pops, syn_spec={"weight": -25.0, "delay": 1.5})
    dc = nest.Create("dc_generator", 1, {"amplitude": 45.0, "start": 40.0, "stop": 110.0})
    nest.Connect(dc, pops)
    rec = ["V_m", "I_syn_ex", "I_syn_in", "E_sfa", "mean", "n_events"]
    mm_quiet = _multimeter(nest, quiet, 0.1, record_from=rec)
    mm_firing = _multimeter(nest, firing, 0.1, record_from=rec[:3])
    mm_burst = _multimeter(nest, burst, 0.1, record_from=rec)
    sr_burst = _spike_recorder(nest, burst)
    nest.Simulate(80.0)
    quiet[1].set({"V_m": -1.0})
    nest.Simulate(70.0)
    for mm, prefix, keys in ((mm_quiet, "quiet_", rec[1:]), (mm_firing, "firing_", rec[1:3]),
                             (mm_burst, "burst_", rec[1:])):
        out.update(_vm(mm, prefix))
        ev = mm.get("events")
        idx = _order(ev["senders"], ev["times"])
        for key in keys:
            out[prefix + key] = np.asarray(ev[key], np.float64)[idx]
    out.update(_spikes(sr_burst, "burst_"))
    out["final_V_m"] = np.asarray(pops.get("V_m"), np.float64)
    out["len_kernel"] = np.asarray(pops.get("len_kernel"), np.int64)
    return out


def run_spike_dilutor(nest):
    """spike_dilutor where NEST is deterministic (p_copy 1 and 0): mother
    spikes from parrots (multiplicities 2 and 3 from spike_generators,
    coincidences) and from a regularly firing neuron; one dilutor repeats
    everything (input delays 1.0 and 1.7 ms, outputs 1.0 and 2.3 ms, a
    multapse, a spike_recorder connected to it), one never copies, one
    switches from p_copy 0 to 1 between the two runs, one has an activity
    window (start 15 ms, stop 60.5 ms; NEST tests it at each min_delay
    slice's first step) and receives nothing before its start.  A neuron
    driven by the first dilutor has its V_m recorded."""
    _reset(nest)
    sg = nest.Create("spike_generator", 2)
    sg[0].set(spike_times=[2.0, 5.0, 5.0, 12.3, 20.0, 33.3, 41.0, 41.0, 41.0, 55.5, 70.2],
              spike_multiplicities=[1, 2, 1, 1, 3, 1, 1, 1, 2, 1, 1])
    sg[1].set(spike_times=[21.0, 30.0, 30.0, 45.3, 58.0, 58.7, 58.8, 59.9, 62.0, 75.0])
    par = nest.Create("parrot_neuron", 2)
    src = nest.Create("iaf_psc_alpha", 1, {"I_e": 420.0})
    nest.Connect(sg[0], par[0], syn_spec={"delay": 1.0})
    nest.Connect(sg[1], par[1], syn_spec={"delay": 1.0})
    dil = nest.Create("spike_dilutor", 4)
    dil[1].set(p_copy=0.0)
    dil[2].set(p_copy=0.0)
    dil[3].set(start=15.0, stop=60.5)
    nest.Connect(par[0], dil[:3], syn_spec={"delay": 1.0, "weight": 5.0})
    nest.Connect(src, dil[:3], syn_spec={"delay": 1.7})
    nest.Connect(par[1], dil[3], syn_spec={"delay": 1.0})
    tgt = nest.Create("parrot_neuron", 8)
    nest.Connect(dil[0], tgt[0:2], syn_spec={"delay": 1.0})
    nest.Connect(dil[0], tgt[1], syn_spec={"delay": 2.3})        # a multapse
    nest.Connect(dil[1], tgt[2:4], syn_spec={"delay": 1.0})
    nest.Connect(dil[2], tgt[4:6], syn_spec={"delay": 1.0})
    nest.Connect(dil[3], tgt[6:8], syn_spec={"delay": 2.3})
    nrn = nest.Create("iaf_psc_delta", 1, {"tau_m": 20.0, "t_ref": 1.0})
    nest.Connect(dil[0], nrn, syn_spec={"weight": 6.0, "delay": 1.2})
    vm = _multimeter(nest, src + nrn, 0.1)
    sr = _spike_recorder(nest, src + nrn)
    sr_tgt = _spike_recorder(nest, tgt)
    sr_dil = nest.Create("spike_recorder")
    nest.Connect(dil[0], sr_dil)
    nest.Simulate(40.0)
    dil[2].set(p_copy=1.0)
    nest.Simulate(50.0)
    out = _neuron_results(vm, sr)
    out.update(_spikes(sr_tgt, kind="relay"))
    out.update(_spikes(sr_dil, prefix="dilutor_", kind="relay"))
    out["p_copy"] = np.asarray(dil.get("p_copy"), np.float64)
    return out


SCENARIOS = {
    name[len("run_"):]: func
    for name, func in sorted(globals().items())
    if name.startswith("run_") and callable(func)
}


def run_scenario(nest, name):
    result = SCENARIOS[name](nest)
    return {key: np.asarray(val) for key, val in result.items()}
