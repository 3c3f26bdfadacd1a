"""Small networks shared by the tests (serial, MPI and benchmark-style checks).

Each builder takes the simulator module and returns what it recorded, so the
same code runs on pynestlite under any number of ranks (and on NEST).
"""
import numpy as np


class Threaded:
    """The simulator module ``nest``, except that ResetKernel also sets
    ``local_num_threads`` to ``n`` (the builders reset the kernel themselves
    and take the module as an argument)."""

    def __init__(self, nest, n):
        self._nest = nest
        self._n = n

    def ResetKernel(self):
        self._nest.ResetKernel()
        self._nest.SetKernelStatus({"local_num_threads": self._n})

    def __getattr__(self, name):
        return getattr(self._nest, name)


def brunel_delta(nest, scale=0.1, simtime=300.0, seed=12345, v_reset=10.0, n_rec=None,
                 record_vm=False):
    """Brunel (2000) network of iaf_psc_delta neurons, as NEST's brunel_delta_nest.py.

    Returns a dict with ``senders``/``times`` of all neurons (local events on
    this rank) and, if ``record_vm``, the V_m of the first 20 neurons.
    """
    order = int(2500 * scale)
    NE, NI = 4 * order, order
    CE, CI = NE // 10, NI // 10
    J, g, eta, delay, tau_m, theta = 0.1, 5.0, 2.0, 1.5, 20.0, 20.0
    nu_th = theta / (J * CE * tau_m)
    p_rate = 1000.0 * eta * nu_th * CE
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "rng_seed": seed})
    nest.SetDefaults("iaf_psc_delta", {"C_m": 1.0, "tau_m": tau_m, "t_ref": 2.0, "E_L": 0.0,
                                       "V_reset": v_reset, "V_m": 0.0, "V_th": theta})
    ne = nest.Create("iaf_psc_delta", NE)
    ni = nest.Create("iaf_psc_delta", NI)
    noise = nest.Create("poisson_generator", params={"rate": p_rate})
    sr = nest.Create("spike_recorder")
    nest.Connect(noise, ne + ni, syn_spec={"weight": J, "delay": delay})
    nest.Connect(ne, ne + ni, {"rule": "fixed_indegree", "indegree": CE},
                 {"weight": J, "delay": delay})
    nest.Connect(ni, ne + ni, {"rule": "fixed_indegree", "indegree": CI},
                 {"weight": -g * J, "delay": delay})
    rec = ne + ni if n_rec is None else ne[:n_rec]
    nest.Connect(rec, sr)
    vm = None
    if record_vm:
        vm = nest.Create("voltmeter", params={"interval": 0.1})
        nest.Connect(vm, (ne + ni)[:20])
    nest.Simulate(simtime)
    ev = sr.get("events")
    out = {"senders": np.asarray(ev["senders"]), "times": np.asarray(ev["times"]),
           "n_neurons": NE + NI, "n_rec": len(rec), "simtime": simtime}
    if record_vm:
        v = vm.get("events")
        out.update(vm_senders=np.asarray(v["senders"]), vm_times=np.asarray(v["times"]),
                   V_m=np.asarray(v["V_m"]))
    return out


def mixed_rules(nest, seed=7, simtime=200.0):
    """Network using fixed_outdegree, pairwise_bernoulli, fixed_total_number,
    random initial V_m and random weights; returns spikes of all neurons."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed})
    a = nest.Create("iaf_psc_exp", 300, {"V_m": nest.random.uniform(-70.0, -55.0),
                                          "I_e": 300.0})
    b = nest.Create("iaf_psc_alpha", 200, {"V_m": nest.random.normal(-65.0, 3.0)})
    pg = nest.Create("poisson_generator", params={"rate": 8000.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, a + b, syn_spec={"weight": 20.0, "delay": 1.0})
    nest.Connect(a, b, {"rule": "fixed_outdegree", "outdegree": 20},
                 {"weight": nest.random.uniform(10.0, 40.0), "delay": 1.2})
    nest.Connect(b, a, {"rule": "pairwise_bernoulli", "p": 0.1},
                 {"weight": -30.0, "delay": nest.random.uniform(1.0, 3.0)})
    nest.Connect(a, a, {"rule": "fixed_total_number", "N": 3000},
                 {"weight": nest.random.normal(15.0, 5.0), "delay": 2.0})
    nest.Connect(a + b, sr)
    nest.Simulate(simtime)
    ev = sr.get("events")
    return {"senders": np.asarray(ev["senders"]), "times": np.asarray(ev["times"])}


def threaded_models_network(nest, seed=29, simtime=150.0):
    """Conductance, AdEx, Izhikevich, multisynapse and parrot neurons in one
    recurrent network, driven by poisson, dc and spike generators (models
    that update on several threads, with ``local_num_threads``); spikes of
    all neurons and V_m of some of each model."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed})
    cond = nest.Create("iaf_cond_exp", 120, {"V_m": nest.random.uniform(-70.0, -56.0)})
    adex = nest.Create("aeif_cond_alpha", 60, {"V_m": nest.random.uniform(-70.0, -55.0),
                                                "I_e": 450.0})
    izh = nest.Create("izhikevich", 50, {"V_m": nest.random.uniform(-70.0, -60.0)})
    multi = nest.Create("iaf_psc_exp_multisynapse", 40, {"tau_syn": [2.0, 6.0]})
    parrots = nest.Create("parrot_neuron", 30)
    pg = nest.Create("poisson_generator", params={"rate": 6000.0})
    dc = nest.Create("dc_generator", params={"amplitude": 150.0, "start": 30.0, "stop": 110.0})
    sg = nest.Create("spike_generator", params={"spike_times": np.arange(2.0, simtime, 3.3).round(1)})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, cond + adex, syn_spec={"weight": 3.0, "delay": 1.0})
    nest.Connect(pg, izh, syn_spec={"weight": 2.0, "delay": 1.0})
    nest.Connect(pg, multi, syn_spec={"weight": 60.0, "delay": 1.0, "receptor_type": 1})
    nest.Connect(pg, parrots[:10], syn_spec={"weight": 1.0, "delay": 1.0})
    nest.Connect(dc, cond + adex + multi, syn_spec={"weight": nest.random.uniform(0.5, 1.5)})
    nest.Connect(sg, parrots[10:], syn_spec={"weight": 5.0, "delay": 1.2})
    nest.Connect(sg, cond[::4], syn_spec={"weight": 5.0, "delay": 1.2})
    ex = cond[:90] + adex[:45]
    inh = cond[90:] + adex[45:]
    nest.Connect(ex, cond + adex, {"rule": "fixed_indegree", "indegree": 15},
                 {"weight": nest.random.uniform(0.5, 2.0), "delay": 1.5})
    nest.Connect(inh, cond + adex, {"rule": "fixed_indegree", "indegree": 5},
                 {"weight": -6.0, "delay": nest.random.uniform(1.0, 2.5)})
    nest.Connect(ex + parrots, izh, {"rule": "fixed_indegree", "indegree": 10},
                 {"weight": nest.random.uniform(-1.0, 3.0), "delay": 2.0})
    nest.Connect(cond + parrots, multi, {"rule": "pairwise_bernoulli", "p": 0.1},
                 syn_spec={"weight": 40.0, "delay": 1.5, "receptor_type": 2})
    nest.Connect(cond + adex + izh + multi + parrots, sr)
    vm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.5})
    for pop in (cond[::20], adex[::10], izh[::10], multi[::8]):
        nest.Connect(vm, pop)
    nest.Simulate(simtime)
    ev, v = sr.get("events"), vm.get("events")
    return {"senders": np.asarray(ev["senders"]), "times": np.asarray(ev["times"]),
            "vm_senders": np.asarray(v["senders"]), "vm_times": np.asarray(v["times"]),
            "V_m": np.asarray(v["V_m"])}


def ping_network(nest, seed=7, simtime=300.0):
    """A small PING network of iaf_cond_exp_zoh (the example's, scaled down to
    160 E / 40 I): Poisson drive on receptor_type 1 (feedforward), all-to-all
    E -> I and I -> E with random weights and delay h; spikes of all neurons
    and V_m of some."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed})
    E = nest.Create("iaf_cond_exp_zoh", 160, {"V_m": nest.random.uniform(-65.0, -50.0)})
    I = nest.Create("iaf_cond_exp_zoh", 40, {"C_m": 500.0, "g_L": 100.0, "t_ref": 1.5,
                                             "V_m": nest.random.uniform(-65.0, -50.0)})
    pg = nest.Create("poisson_generator", params={"rate": 3000.0})
    nest.Connect(pg, E, syn_spec={"weight": 10.0, "receptor_type": 1})
    nest.Connect(E, I, "all_to_all", {"weight": nest.random.normal(1000.0 / 160, 100.0 / 160),
                                      "delay": 0.1})
    nest.Connect(I, E, "all_to_all", {"weight": nest.random.normal(-2000.0 / 40, 200.0 / 40),
                                      "delay": 0.1})
    sr = nest.Create("spike_recorder")
    nest.Connect(E + I, sr)
    vm = nest.Create("multimeter", params={"record_from": ["V_m", "g_in"], "interval": 0.5})
    nest.Connect(vm, E[::16])
    nest.Connect(vm, I[::8])
    nest.Simulate(simtime)
    ev, v = sr.get("events"), vm.get("events")
    return {"senders": np.asarray(ev["senders"]), "times": np.asarray(ev["times"]),
            "vm_senders": np.asarray(v["senders"]), "vm_times": np.asarray(v["times"]),
            "V_m": np.asarray(v["V_m"]), "g_in": np.asarray(v["g_in"])}


def disconnect_network(nest, seed=3, simtime=100.0):
    """A driven network run, partly disconnected (rank-independent pairs:
    one_to_one and all_to_all, a static and an STDP model), and run on."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed})
    a = nest.Create("iaf_psc_alpha", 200, {"V_m": nest.random.uniform(-70.0, -55.0)})
    pg = nest.Create("poisson_generator", params={"rate": 9000.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, a, syn_spec={"weight": 25.0, "delay": 1.0})
    nest.Connect(a[:100], a[100:], "one_to_one", {"weight": 400.0, "delay": 1.5})
    nest.Connect(a, a, {"rule": "fixed_indegree", "indegree": 10},
                 {"synapse_model": "stdp_synapse", "weight": 30.0, "delay": 2.0})
    nest.Connect(a, sr)
    nest.Simulate(simtime)
    nest.Disconnect(a[:50], a[100:150])
    nest.Disconnect(pg, a[150:], conn_spec="all_to_all")
    nest.Simulate(simtime)
    ev = sr.get("events")
    return {"senders": np.asarray(ev["senders"]), "times": np.asarray(ev["times"]),
            "n": np.array([nest.num_connections])}


def bernoulli_network(nest, seed=9, simtime=150.0):
    """A driven recurrent network whose recurrent synapses and whose relay to
    parrots (two multapses per pair) are bernoulli_synapses."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed})
    a = nest.Create("iaf_psc_alpha", 200, {"V_m": nest.random.uniform(-70.0, -55.0)})
    par = nest.Create("parrot_neuron", 100)
    pg = nest.Create("poisson_generator", params={"rate": 8000.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, a, syn_spec={"weight": 22.0, "delay": 1.0})
    nest.Connect(a, a, {"rule": "fixed_indegree", "indegree": 20},
                 {"synapse_model": "bernoulli_synapse", "p_transmit": 0.5, "weight": 40.0,
                  "delay": 1.5})
    for _ in range(2):
        nest.Connect(a[:100], par, "one_to_one",
                     {"synapse_model": "bernoulli_synapse", "p_transmit": 0.3})
    nest.Connect(a + par, sr)
    nest.Simulate(simtime)
    ev = sr.get("events")
    return {"senders": np.asarray(ev["senders"]), "times": np.asarray(ev["times"])}


def dilutor_network(nest, seed=23, simtime=150.0):
    """Poisson-driven neurons (on every rank) feed three spike_dilutors
    (p_copy 0.3, 0.7, 1.0; the mother process is the spikes of all ranks),
    which drive parrots and, back, the neurons themselves."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed})
    a = nest.Create("iaf_psc_alpha", 60, {"V_m": nest.random.uniform(-70.0, -55.0)})
    par = nest.Create("parrot_neuron", 40)
    pg = nest.Create("poisson_generator", params={"rate": 8000.0})
    dil = nest.Create("spike_dilutor", 3)
    dil.set(p_copy=[0.3, 0.7, 1.0])
    dil[2].set(start=20.0, stop=120.0)
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, a, syn_spec={"weight": 22.0, "delay": 1.0})
    nest.Connect(a[:30], dil[0], syn_spec={"delay": 1.2})
    nest.Connect(a[20:], dil[1:], syn_spec={"delay": 0.7})
    nest.Connect(dil[0], par[:20], syn_spec={"delay": 1.0})
    nest.Connect(dil[0], par[:5], syn_spec={"delay": 2.0})          # multapses
    nest.Connect(dil[1], par[20:], syn_spec={"delay": 0.5})
    nest.Connect(dil[2], a[::3], syn_spec={"weight": 15.0, "delay": 1.5})
    nest.Connect(a + par, sr)
    nest.Simulate(simtime / 2)
    dil[0].set(p_copy=0.5)
    nest.Simulate(simtime / 2)
    ev = sr.get("events")
    return {"senders": np.asarray(ev["senders"]), "times": np.asarray(ev["times"])}


def precise_network(nest, seed=13, simtime=150.0):
    """A recurrent network of the precise models (iaf_psc_exp_ps and
    iaf_psc_delta_ps, two spikes of one neuron possible within a slice)
    driven by poisson_generator_ps through parrot_neuron_ps relays, with a
    grid iaf_psc_alpha population taking precise spikes; spike times are
    stamp * h - offset."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed})
    ex = nest.Create("iaf_psc_exp_ps", 80, {"V_m": nest.random.uniform(-70.0, -56.0)})
    de = nest.Create("iaf_psc_delta_ps", 40, {"V_m": nest.random.uniform(-70.0, -56.0)})
    grid = nest.Create("iaf_psc_alpha", 30)
    par = nest.Create("parrot_neuron_ps", 20)
    pg = nest.Create("poisson_generator_ps", params={"rate": 3000.0, "dead_time": 0.2})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, par, syn_spec={"delay": 1.0})
    nest.Connect(par, ex + de, {"rule": "fixed_indegree", "indegree": 8},
                 {"weight": 120.0, "delay": 1.0})
    nest.Connect(ex, ex + de, {"rule": "fixed_indegree", "indegree": 10},
                 {"weight": nest.random.uniform(50.0, 150.0), "delay": nest.random.uniform(0.5, 2.0)})
    nest.Connect(de, ex, {"rule": "fixed_indegree", "indegree": 5}, {"weight": -200.0, "delay": 0.8})
    nest.Connect(ex + de, grid, {"rule": "fixed_indegree", "indegree": 10},
                 {"weight": 60.0, "delay": 1.2})
    nest.Connect(ex + de + grid + par, sr)
    nest.Simulate(simtime)
    ev = sr.get("events")
    return {"senders": np.asarray(ev["senders"]), "times": np.asarray(ev["times"])}


def payload_network(nest, seed=17, simtime=200.0):
    """Recurrent networks of the models that send a value with each spike:
    iaf_tum_2000 (the release u x, taken on receptor 1) and iaf_bw_2001
    (the NMDA jump, taken on the NMDA receptor), driven by Poisson input,
    and iaf_bw_2001_exact targets (an input channel per NMDA connection).
    The recorded times are stamp * h - payload (as NEST), so they show that
    the payloads travel between ranks unchanged; V_m of the first ten
    neurons of each model too."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed})
    tum = nest.Create("iaf_tum_2000", 60, {"V_m": nest.random.uniform(-70.0, -56.0),
                                           "tau_fac": 200.0, "U": 0.2})
    bw = nest.Create("iaf_bw_2001", 40, {"V_m": nest.random.uniform(-70.0, -56.0)})
    pg = nest.Create("poisson_generator", params={"rate": 8000.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, tum, syn_spec={"weight": 60.0, "delay": 1.0})
    nest.Connect(pg, bw, syn_spec={"weight": 2.5, "delay": 1.0, "receptor_type": 1})
    nest.Connect(tum, tum, {"rule": "fixed_indegree", "indegree": 10},
                 {"weight": nest.random.uniform(200.0, 600.0), "delay": nest.random.uniform(0.5, 2.0),
                  "receptor_type": 1})
    nest.Connect(bw, bw, {"rule": "fixed_indegree", "indegree": 8},
                 {"weight": nest.random.uniform(0.5, 1.5), "delay": 0.8, "receptor_type": 3})
    nest.Connect(bw, bw, {"rule": "fixed_indegree", "indegree": 4},
                 {"weight": 1.0, "delay": 1.3, "receptor_type": 2})
    # iaf_bw_2001_exact: one input channel per NMDA connection, on its rank
    ex = nest.Create("iaf_bw_2001_exact", 20, {"V_m": nest.random.uniform(-70.0, -56.0)})
    nest.Connect(pg, ex, syn_spec={"weight": 2.5, "delay": 1.0, "receptor_type": 1})
    nest.Connect(bw + tum, ex, {"rule": "fixed_indegree", "indegree": 6},
                 {"weight": nest.random.uniform(0.5, 1.5), "delay": 1.1, "receptor_type": 3})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.5})
    nest.Connect(mm, tum[:10] + bw[:10] + ex[:10])
    nest.Connect(tum + bw + ex, sr)
    nest.Simulate(simtime)
    ev = sr.get("events")
    vm = mm.get("events")
    return {"senders": np.asarray(ev["senders"]), "times": np.asarray(ev["times"]),
            "vm_senders": np.asarray(vm["senders"]), "vm_times": np.asarray(vm["times"]),
            "V_m": np.asarray(vm["V_m"])}


def frozen_network(nest, seed=5):
    """A recurrent iaf_psc_alpha network with Poisson drive in which some
    neurons (spread over the ranks) and one of two generators are frozen in
    some runs and thawed in others: the frozen neurons keep their state and
    their unread input, the others go on.  Spikes and V_m of the first 20."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed})
    nrn = nest.Create("iaf_psc_alpha", 80, {"V_m": nest.random.uniform(-70.0, -56.0)})
    pg = nest.Create("poisson_generator", 2, {"rate": 12000.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg[0], nrn[:40], syn_spec={"weight": 40.0, "delay": 1.0})
    nest.Connect(pg[1], nrn[40:], syn_spec={"weight": 40.0, "delay": 1.0})
    nest.Connect(nrn, nrn, {"rule": "fixed_indegree", "indegree": 10},
                 {"weight": nest.random.uniform(-60.0, 120.0), "delay": 1.5})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.5})
    nest.Connect(mm, nrn[:20])
    nest.Connect(nrn, sr)
    nrn[::3].frozen = True
    nest.Simulate(40.0)
    nrn[::3].frozen = False
    nrn[1::4].frozen = True
    pg[1].frozen = True
    nest.Simulate(33.3)
    nrn.frozen = False
    pg[1].frozen = False
    nest.Simulate(60.0)
    ev = sr.get("events")
    vm = mm.get("events")
    return {"senders": np.asarray(ev["senders"]), "times": np.asarray(ev["times"]),
            "vm_senders": np.asarray(vm["senders"]), "vm_times": np.asarray(vm["times"]),
            "V_m": np.asarray(vm["V_m"])}

def stdp_network_build(nest, seed=11):
    """Build (not simulate) the network of :func:`stdp_network`; returns its
    spike_recorder."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed})
    e = nest.Create("iaf_psc_alpha", 160, {"tau_minus": nest.random.uniform(15.0, 25.0),
                                            "V_m": nest.random.uniform(-70.0, -56.0)})
    i = nest.Create("iaf_psc_alpha", 40)
    pg = nest.Create("poisson_generator", params={"rate": 9000.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, e + i, syn_spec={"weight": 10.0, "delay": 1.0})
    nest.Connect(e, e, {"rule": "fixed_indegree", "indegree": 20},
                 {"synapse_model": "stdp_synapse", "weight": nest.random.uniform(20.0, 60.0),
                  "delay": nest.random.uniform(1.0, 3.0), "Wmax": 150.0, "lambda": 0.05})
    nest.Connect(e, i, {"rule": "fixed_indegree", "indegree": 20},
                 {"weight": 30.0, "delay": 1.5})
    nest.Connect(i, e + i, {"rule": "fixed_indegree", "indegree": 10},
                 {"weight": -60.0, "delay": 1.0})
    nest.Connect(e + i, sr)
    return sr


def stdp_network(nest, seed=11, simtime=200.0, split=2):
    """Excitatory-inhibitory network whose E -> E synapses are stdp_synapse
    (random weights and delays, tau_minus per neuron), driven by Poisson
    input; simulated in ``split`` Simulate calls.  Returns the spikes and the
    plastic synapses (source, target, weight, Kplus) local to this rank."""
    sr = stdp_network_build(nest, seed)
    for _ in range(split):
        nest.Simulate(simtime / split)
    return _spikes_and_synapses(nest, sr, "stdp_synapse", "Kplus")


def clopath_network(nest, seed=19, simtime=120.0, split=2):
    """aeif_psc_delta_clopath neurons (random initial V_m) driven by Poisson
    input, recurrent clopath_synapse connections (random weights and
    delays) and hh_psc_alpha_clopath targets; simulated in ``split``
    Simulate calls.  Returns the spikes and the local clopath synapses
    (source, target, weight, x_bar)."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed})
    a = nest.Create("aeif_psc_delta_clopath", 40, {"V_m": nest.random.uniform(-70.6, -60.0),
                                                    "A_LTP": 8e-3, "A_LTD": 1.4e-2})
    h = nest.Create("hh_psc_alpha_clopath", 10, {"A_LTP": 8e-3, "theta_minus": -64.9,
                                                  "theta_plus": -35.0})
    pg = nest.Create("poisson_generator", params={"rate": 4000.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, a, syn_spec={"weight": 3.0, "delay": 1.0})
    nest.Connect(pg, h, syn_spec={"weight": 150.0, "delay": 1.0})
    nest.Connect(a, a, {"rule": "fixed_indegree", "indegree": 8},
                 {"synapse_model": "clopath_synapse", "weight": nest.random.uniform(1.0, 4.0),
                  "delay": nest.random.uniform(0.5, 2.0), "Wmax": 8.0})
    nest.Connect(a, h, {"rule": "fixed_indegree", "indegree": 6},
                 {"synapse_model": "clopath_synapse", "weight": nest.random.uniform(100.0, 300.0),
                  "delay": 1.0, "Wmax": 500.0})
    nest.Connect(a + h, sr)
    for _ in range(split):
        nest.Simulate(simtime / split)
    return _spikes_and_synapses(nest, sr, "clopath_synapse", "x_bar")


def _spikes_and_synapses(nest, sr, model, state):
    """Spikes of ``sr`` and the local synapses of ``model`` as columns
    (source, target, weight, ``state``)."""
    ev = sr.get("events")
    keys = ("source", "target", "weight", state)
    d = nest.GetConnections(synapse_model=model).get(list(keys))
    syn = np.column_stack([np.asarray(d[k], np.float64) for k in keys]) if d["source"] else \
        np.empty((0, 4))
    return {"senders": np.asarray(ev["senders"]), "times": np.asarray(ev["times"]),
            "syn": syn}


def izh_network_build(nest, seed=5):
    """Build (not simulate) the network of :func:`izh_network`; returns its
    spike_recorder."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed, "resolution": 1.0, "syn_update_interval": 500.0})
    e = nest.Create("izhikevich_2006", 160, {"V_m": nest.random.uniform(-65.0, -55.0)})
    i = nest.Create("izhikevich_2006", 40, {"a": 0.1, "d": 2.0})
    pg = nest.Create("poisson_generator", params={"rate": 2500.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, e + i, syn_spec={"weight": 2.0, "delay": 1.0})
    nest.Connect(e, e + i, {"rule": "fixed_outdegree", "outdegree": 20},
                 {"synapse_model": "stdp_izh_synapse", "weight": nest.random.uniform(2.0, 8.0),
                  "delay": nest.random.uniform_int(5) + 1.0})
    nest.Connect(i, e, {"rule": "fixed_indegree", "indegree": 10},
                 {"weight": -5.0, "delay": 1.0})
    nest.Connect(e + i, sr)
    return sr


def izh_network(nest, seed=5, simtime=2500.0, split=3):
    """izhikevich_2006 neurons whose E -> E and E -> I synapses are
    stdp_izh_synapse (random weights and delays 1..5 ms, updates every
    500 ms), driven by Poisson input; simulated in ``split`` Simulate calls
    (which cut through update intervals).  Returns the spikes and the
    plastic synapses (source, target, weight, wdev) local to this rank."""
    sr = izh_network_build(nest, seed)
    cuts = np.linspace(0.0, simtime, split + 1).round()
    for a, b in zip(cuts[:-1], cuts[1:]):
        nest.Simulate(float(b - a))
    return _spikes_and_synapses(nest, sr, "stdp_izh_synapse", "wdev")


def canonical(senders, times):
    """Events sorted by (time, sender): the order-free form used to compare runs."""
    senders, times = np.asarray(senders), np.asarray(times)
    order = np.lexsort((senders, times))
    return senders[order], times[order]


def hardware_script(nest, seed=None, runs=(200.0,), rate=2000.0, traced=3):
    """A PyNEST script on the emulated BrainScaleS-2, unchanged apart from the
    target switch: poisson and spike_generator inputs (the spike_generator
    with an axonal delay of 16 ms: a parrot neuron that drops its second
    spike, which comes while it holds the first), recurrent inhibition, a
    spike_recorder and a voltmeter on one neuron (``traced``), simulated
    in the given ``runs``.  Without poisson drive (``rate`` 0) the neurons
    get supra-threshold currents.  Returns the recorder's and the
    voltmeter's events."""
    nest.ResetKernel()
    nest.SetKernelStatus({"target": "brainscales2"})
    if seed is not None:
        nest.SetKernelStatus({"chip_seed": seed})
    pg = nest.Create("poisson_generator", params={"rate": rate})
    sg = nest.Create("spike_generator", params={"spike_times": [5.0, 7.5, 30.0]})
    i_e = 300.0 if rate else np.linspace(380.0, 450.0, 20)
    pop = nest.Create("iaf_psc_exp", 20, params={"I_e": i_e, "t_ref": 2.0})
    sr = nest.Create("spike_recorder")
    vm = nest.Create("voltmeter")
    nest.Connect(pg, pop, syn_spec={"weight": 40.0})
    nest.Connect(sg, pop, syn_spec={"weight": 300.0, "delay": 16.0})
    nest.Connect(pop, pop, {"rule": "fixed_indegree", "indegree": 4},
                 syn_spec={"weight": -20.0})
    nest.Connect(pop, sr)
    nest.Connect(vm, pop[traced])
    for t in runs:
        nest.Simulate(t)
    return sr.get("events"), vm.get("events")


def tripartite_network(nest, seed=21, simtime=150.0):
    """TripartiteConnect: pre -> post (pairwise_bernoulli) with third-factor
    nodes from random pools (third_in: pre -> third, third_out: third ->
    post); Poisson drive into pre, strong third_out weights, so the spikes
    of post depend on which third-factor connections were made.  Returns the
    spikes of all nodes and the (source, target) of every local
    third-factor connection."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed})
    pre = nest.Create("iaf_psc_alpha", 60, {"V_m": nest.random.uniform(-70.0, -56.0)})
    post = nest.Create("iaf_psc_alpha", 40)
    third = nest.Create("parrot_neuron", 30)
    pg = nest.Create("poisson_generator", params={"rate": 9000.0})
    nest.Connect(pg, pre, syn_spec={"weight": 25.0, "delay": 1.0})
    nest.TripartiteConnect(
        pre, post, third, {"rule": "pairwise_bernoulli", "p": 0.2},
        {"rule": "third_factor_bernoulli_with_pool", "p": 0.5, "pool_type": "random",
         "pool_size": 5},
        {"primary": {"weight": 50.0, "delay": 1.0},
         "third_in": {"weight": 1.0, "delay": 0.5},
         "third_out": {"weight": 300.0, "delay": 1.5}})
    sr = nest.Create("spike_recorder")
    nest.Connect(pre + post + third, sr)
    nest.Simulate(simtime)
    ev = sr.get("events")
    conns = [nest.GetConnections(source=third), nest.GetConnections(target=third)]
    return {"senders": np.asarray(ev["senders"]), "times": np.asarray(ev["times"]),
            "conn_source": np.concatenate([np.asarray(c.get("source"), np.int64).ravel() for c in conns]),
            "conn_target": np.concatenate([np.asarray(c.get("target"), np.int64).ravel() for c in conns])}


def spatial_network(nest, seed=31, simtime=150.0):
    """A spatial network: a free layer at random positions (periodic) and a
    3-D-free 2-D grid layer, connected by pairwise_bernoulli with a Gaussian
    probability in a circular mask and distance-dependent weights and
    delays, fixed_indegree in a rectangular mask, fixed_outdegree with an
    anchored doughnut, and pairwise_bernoulli use_on_source; Poisson drive.
    Returns the spikes of all nodes and every local connection (source,
    target, weight, delay)."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed})
    ex = nest.Create("iaf_psc_alpha", 300, {"V_m": nest.random.uniform(-70.0, -56.0)},
                     positions=nest.spatial.free(nest.random.uniform(-0.5, 0.5),
                                                 num_dimensions=2, edge_wrap=True))
    gr = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[12, 10],
                                                                  extent=[1.2, 1.0]))
    pg = nest.Create("poisson_generator", params={"rate": 9000.0})
    nest.Connect(pg, ex, syn_spec={"weight": 22.0, "delay": 1.0})
    d = nest.spatial.distance
    nest.Connect(ex, ex, {"rule": "pairwise_bernoulli",
                          "p": nest.spatial_distributions.gaussian(d, std=0.15),
                          "mask": {"circular": {"radius": 0.3}}, "allow_autapses": False},
                 {"weight": 30.0 * nest.math.exp(-d / 0.2) + nest.random.uniform(0.0, 5.0),
                  "delay": 1.0 + 4.0 * d})
    nest.Connect(ex, gr, {"rule": "fixed_indegree", "indegree": 12,
                          "p": nest.spatial_distributions.exponential(d, beta=0.2),
                          "mask": {"rectangular": {"lower_left": [-0.3, -0.3],
                                                   "upper_right": [0.3, 0.3]}}},
                 {"weight": 40.0, "delay": 1.5})
    nest.Connect(gr, ex, {"rule": "fixed_outdegree", "outdegree": 6, "allow_multapses": False,
                          "mask": {"doughnut": {"inner_radius": 0.05, "outer_radius": 0.35},
                                   "anchor": [0.05, 0.0]}},
                 {"weight": -25.0, "delay": 2.0})
    nest.Connect(gr, gr, {"rule": "pairwise_bernoulli", "p": 0.5, "use_on_source": True,
                          "mask": {"grid": {"shape": [3, 3]}, "anchor": [1, 1]}},
                 {"weight": 10.0, "delay": 1.0 + nest.spatial.distance.x})
    sr = nest.Create("spike_recorder")
    nest.Connect(ex, sr)
    nest.Connect(gr, sr)
    nest.Simulate(simtime)
    ev = sr.get("events")
    got = {k: np.concatenate([np.atleast_1d(np.asarray(
        nest.GetConnections(source=layer).get(k))) for layer in (ex, gr)])
        for k in ("source", "target", "weight", "delay")}
    return {"senders": np.asarray(ev["senders"]), "times": np.asarray(ev["times"]),
            "conn_source": np.asarray(got["source"], np.int64),
            "conn_target": np.asarray(got["target"], np.int64),
            "conn_weight": np.asarray(got["weight"], np.float64),
            "conn_delay": np.asarray(got["delay"], np.float64)}


def longer_delay_after_run(nest, read_between=True, seed=9):
    """A recurrent iaf_psc_alpha network that gets connections with a longer
    delay (3 ms, beyond the first run's ring buffer) after a first run; with
    ``read_between`` a GetConnections merges them into the tables before the
    second run.  The spikes of the first run's last slice wait for the second
    run.  Returns the V_m trace and its times, and how many connections the
    GetConnections returned (0 without it)."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed})
    a = nest.Create("iaf_psc_alpha", 300, {"I_e": 420.0,
                                           "V_m": nest.random.uniform(-70.0, -55.0)})
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.5})
    nest.Connect(mm, a)
    nest.Connect(a, a, {"rule": "fixed_indegree", "indegree": 30},
                 {"weight": nest.random.uniform(-80.0, 80.0), "delay": 1.0})
    nest.Simulate(30.0)
    nest.Connect(a, a, {"rule": "fixed_indegree", "indegree": 20},
                 {"weight": nest.random.uniform(-80.0, 80.0), "delay": 3.0})
    n_read = len(nest.GetConnections(a[:3])) if read_between else 0
    nest.Simulate(30.0)
    ev = mm.get("events")
    return {"vm": np.asarray(ev["V_m"]), "t": np.asarray(ev["times"]),
            "n_read": np.array([n_read])}
