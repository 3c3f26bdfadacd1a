"""Threads inside a rank: ``local_num_threads`` runs the update and deliver
phases on several OpenMP threads, and spikes and V_m do not change with the
thread count (bit for bit)."""
import numpy as np
import pytest

import networks
import pynestlite as nest
from pynestlite.engine import kernel
from pynestlite.kernel.scheduler import HAVE_OPENMP

needs_openmp = pytest.mark.skipif(not HAVE_OPENMP, reason="built without OpenMP")


def run(builder, n, **kw):
    out = builder(networks.Threaded(nest, n), **kw)
    assert kernel.scheduler.requested_threads == n
    return {k: np.array(v, copy=True) for k, v in out.items() if isinstance(v, np.ndarray)}


def assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k]), k


@pytest.mark.parametrize("n", [2, 3])
def test_brunel_spikes_and_vm_do_not_depend_on_threads(n):
    one = run(networks.brunel_delta, 1, scale=0.1, simtime=200.0, record_vm=True)
    many = run(networks.brunel_delta, n, scale=0.1, simtime=200.0, record_vm=True)
    assert len(one["times"]) > 2000
    assert_same(one, many)


@pytest.mark.parametrize("builder", [networks.mixed_rules, networks.stdp_network,
                                     networks.frozen_network, networks.payload_network,
                                     networks.precise_network, networks.spatial_network,
                                     networks.threaded_models_network],
                         ids=lambda f: f.__name__)
def test_networks_do_not_depend_on_threads(builder):
    # threaded models (iaf_psc_*, iaf_cond_exp, aeif, izhikevich, multisynapse,
    # parrots, poisson/dc/spike generators, static synapses) mixed
    # with models updated on one thread, plastic synapses, frozen nodes,
    # samplers cutting the update, and networks that must run on one thread
    # (precise times, payloads)
    one = run(builder, 1)
    two = run(builder, 2)
    assert len(one["times"]) > 100
    assert_same(one, two)


@needs_openmp
def test_both_threads_work():
    class Timed(networks.Threaded):
        def ResetKernel(self):
            networks.Threaded.ResetKernel(self)
            nest.SetKernelStatus({"detailed_timers": True})

    networks.brunel_delta(Timed(nest, 2), scale=0.1, simtime=100.0)
    s = nest.GetKernelStatus()
    assert kernel.scheduler.n_threads == 2
    up, de, wait = (s[f"time_{k}_threads"] for k in ("update", "deliver", "wait"))
    assert len(up) == len(de) == len(wait) == 2 and min(up) > 0.0 and min(de) > 0.0
    # each thread's work and wait add up to the same phase time (the wall
    # time of the parallel phases, within clock resolution)
    totals = [u + d + w for u, d, w in zip(up, de, wait)]
    assert min(wait) >= 0.0 and abs(totals[0] - totals[1]) < 0.05 * totals[0] + 1e-3
    assert totals[0] <= s["time_update"] + s["time_deliver"] + 1e-3


def test_thread_keys():
    nest.ResetKernel()
    nest.SetKernelStatus({"local_num_threads": 2})
    s = nest.GetKernelStatus()
    assert s["local_num_threads"] == 2
    assert s["total_num_virtual_procs"] == 2 * s["num_processes"]
    nest.SetKernelStatus({"total_num_virtual_procs": s["num_processes"]})
    assert nest.GetKernelStatus("local_num_threads") == 1
    n = nest.Create("iaf_psc_alpha", 4)
    assert n.get("thread") == (0, 0, 0, 0)
    nest.ResetKernel()
    nest.SetKernelStatus({"local_num_threads": 2})
    n = nest.Create("iaf_psc_alpha", 4)
    # NEST's assignment: virtual process (gid % vps), its thread
    assert n.get("vp") == (1, 0, 1, 0) and n.get("thread") == (1, 0, 1, 0)
    assert nest.build_info["have_threads"] == HAVE_OPENMP
    nest.ResetKernel()


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_bad_thread_counts_are_refused(bad):
    nest.ResetKernel()
    with pytest.raises(nest.BadProperty, match="local_num_threads must be a positive integer"):
        nest.SetKernelStatus({"local_num_threads": bad})
    assert nest.GetKernelStatus("local_num_threads") == 1


def test_threads_cannot_change_once_nodes_exist():
    nest.ResetKernel()
    nest.SetKernelStatus({"local_num_threads": 2})
    nest.Create("iaf_psc_alpha", 3)
    for key, v in (("local_num_threads", 1), ("total_num_virtual_procs", 1)):
        with pytest.raises(nest.KernelStateError, match="after nodes have been created"):
            nest.SetKernelStatus({key: v})
    # nothing changed, not even the other keys of the refused call
    with pytest.raises(nest.KernelStateError):
        nest.SetKernelStatus({"local_num_threads": 1, "rng_seed": 99})
    s = nest.GetKernelStatus()
    assert s["local_num_threads"] == 2 and s["rng_seed"] != 99
    nest.ResetKernel()


def _built_connections(n):
    nest.ResetKernel()
    nest.SetKernelStatus({"local_num_threads": n, "rng_seed": 3})
    a = nest.Create("iaf_psc_alpha", 700)
    b = nest.Create("iaf_psc_exp", 500)
    nest.Connect(a, a + b, {"rule": "fixed_indegree", "indegree": 150},
                 {"weight": nest.random.uniform(1.0, 2.0), "delay": nest.random.uniform(1.0, 3.0)})
    nest.Simulate(1.0)      # the tables are built (on n threads) ...
    nest.Connect(b, a, {"rule": "fixed_outdegree", "outdegree": 120},
                 {"weight": nest.random.normal(0.0, 1.0), "delay": 2.0})
    nest.Connect(a[::2], b, {"rule": "pairwise_bernoulli", "p": 0.3}, {"weight": -1.5})
    nest.Simulate(1.0)      # ... and grow (old rows move, new ones are appended)
    c = nest.GetConnections()
    return {k: np.asarray(c.get(k)) for k in ("source", "target", "weight", "delay")}


def test_tables_built_on_threads_equal_one_thread():
    one = _built_connections(1)
    two = _built_connections(2)
    assert len(one["source"]) > 250000
    assert_same(one, two)


def _threaded_neuron_models():
    from pynestlite.engine import NODE_MODELS
    return sorted(name for name, cls in NODE_MODELS.items()
                  if vars(cls).get("threaded", False) and cls.element_type == "neuron")


# models whose receptor 0 takes no spikes: (Poisson weight, its receptor,
# the recurrent receptor, the lowest recurrent weight); the recurrent
# receptor is a port of its own (NMDA) or another compartment where the
# model has one, so that those channels are updated by their owner too
_RECEPTOR_DRIVE = {"ht_neuron": (1.0, 1, 2, 0.0),
                   "iaf_bw_2001_exact": (2.0, 1, 3, 0.0),
                   "iaf_cond_alpha_mc": (4.0, 1, 3, 0.0)}


def _drive(model):
    """The drive of ``model`` in :func:`_model_run`: the Poisson weight, the
    receptor of the Poisson spikes and of the recurrent ones, and the lowest
    recurrent weight (a multisynapse model takes spikes on receptors 1, 2,
    ... only, its conductances positive weights only; a model whose input
    jumps V_m takes small weights)."""
    from pynestlite.engine import NODE_MODELS
    from pynestlite.models.multisynapse import MultisynapseBlock
    if model in _RECEPTOR_DRIVE:
        return _RECEPTOR_DRIVE[model]
    w = 4.0 if "cond" in model else 60.0
    if model.startswith("izhikevich") or model in ("aeif_psc_delta", "pp_psc_delta"):
        w = 1.0
    multi = issubclass(NODE_MODELS[model], MultisynapseBlock)
    low = -2.0 * w
    if multi and "cond" in model:
        w, low = 0.5, 0.0
    return w, (1 if multi else 0), (1 if multi else 0), low


def _model_run(model, n):
    """A recurrent population of ``model`` with Poisson drive and mixed-sign
    random weights; spikes and the V_m trace of every neuron (the spikes
    only for a model without V_m)."""
    nest.ResetKernel()
    nest.SetKernelStatus({"local_num_threads": n, "rng_seed": 5})
    pop = nest.Create(model, 61)
    if model == "ignore_and_fire":          # (fires at its own rate and phase)
        pop.set(rate=250.0, phase=nest.random.uniform(0.05, 1.0))
    pg = nest.Create("poisson_generator", params={"rate": 16000.0})
    sr = nest.Create("spike_recorder")
    w, receptor, recurrent, low = _drive(model)
    has_vm = "V_m" in nest.GetDefaults(model).get("recordables", ())
    nest.Connect(pg, pop, syn_spec={"weight": w, "delay": 1.0, "receptor_type": receptor})
    if has_vm:
        # (not among parrots: they would repeat ever more spikes)
        nest.Connect(pop, pop, {"rule": "fixed_indegree", "indegree": 12},
                     {"weight": nest.random.uniform(low, 2.0 * w), "delay": 1.5,
                      "receptor_type": recurrent})
    nest.Connect(pop, sr)
    if has_vm:
        mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.3})
        nest.Connect(mm, pop)
    nest.Simulate(120.0)
    ev = sr.get("events")
    out = {"senders": np.asarray(ev["senders"]), "times": np.asarray(ev["times"])}
    if has_vm:
        vm = mm.get("events")
        out.update(vm=np.asarray(vm["V_m"]), vm_senders=np.asarray(vm["senders"]))
    return out


@pytest.mark.parametrize("model", _threaded_neuron_models())
def test_every_threaded_neuron_model_equals_one_thread(model):
    # a model that declares ``threaded`` must update exactly its range of
    # nodes: any node updated twice or not at all changes the traces
    one = _model_run(model, 1)
    two = _model_run(model, 3)
    if "vm" in one:
        assert np.ptp(one["vm"]) > 1.0 and len(one["vm"]) > 61 * 300
    else:
        assert len(one["times"]) > 61 * 10
    assert_same(one, two)


def _threaded_devices():
    from pynestlite.engine import NODE_MODELS
    return sorted(name for name, cls in NODE_MODELS.items()
                  if vars(cls).get("threaded", False) and cls.element_type == "stimulator")


# per threaded device: its parameters and connection weight in _device_run
DEVICE_DRIVE = {
    "poisson_generator": ({"rate": 20000.0}, 40.0),
    "dc_generator": ({"amplitude": 300.0, "start": 10.0, "stop": 70.0}, 1.0),
    "spike_generator": ({"spike_times": np.round(np.arange(0.5, 100.0, 0.7), 1)}, 400.0),
}


def _device_run(device, n, ordered=False):
    """Two devices of kind ``device`` (the second starting later) drive a
    population through random weights and two delays (``ordered``: one;
    each device's targets are then in slot order and each thread sends to
    one part of them, else every thread checks every target); the
    population's spikes and V_m, and the devices' recordables where they
    have them."""
    nest.ResetKernel()
    nest.SetKernelStatus({"local_num_threads": n, "rng_seed": 7})
    pop = nest.Create("iaf_psc_alpha", 61)
    params, w = DEVICE_DRIVE[device]
    dev = nest.Create(device, 2, params=params)
    dev[1].set(origin=20.0)
    sr = nest.Create("spike_recorder")
    mm = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.2})
    nest.Connect(dev, pop, syn_spec={"weight": nest.random.uniform(0.2 * w, w),
                                     "delay": 1.0})
    if not ordered:
        nest.Connect(dev[0], pop[::3], syn_spec={"weight": -0.5 * w, "delay": 2.5})
    nest.Connect(pop, sr)
    nest.Connect(mm, pop)
    rec = nest.GetDefaults(device).get("recordables", ())
    if rec:
        dm = nest.Create("multimeter", params={"record_from": list(rec), "interval": 0.1})
        nest.Connect(dm, dev)
    nest.Simulate(50.0)
    if n > 1:
        blk = next(r.block for r in kernel.records if r.block.gids[0] == dev[0].global_id)
        assert blk.plan_threads(kernel.channel_slots(), kernel.scheduler.thread_bounds()) \
            == ordered
    nest.Simulate(50.0)
    ev, vm = sr.get("events"), mm.get("events")
    out = {"senders": np.asarray(ev["senders"]), "times": np.asarray(ev["times"]),
           "vm": np.asarray(vm["V_m"]), "vm_senders": np.asarray(vm["senders"])}
    if rec:
        out.update({k: np.asarray(dm.get("events")[k]) for k in rec})
    return out


@pytest.mark.parametrize("device", _threaded_devices())
def test_every_threaded_device_equals_one_thread(device):
    # a device that declares ``threaded`` must send to each target exactly
    # once (on the thread that owns it); any target reached twice or not at
    # all changes the traces
    assert device in DEVICE_DRIVE, f"give {device} a drive in DEVICE_DRIVE"
    for ordered in (False, True):
        one = _device_run(device, 1, ordered)
        two = _device_run(device, 3, ordered)
        assert np.ptp(one["vm"]) > 1.0 and len(one["times"]) > 20
        assert_same(one, two)


def test_setting_the_same_thread_count_after_create_is_no_change():
    nest.ResetKernel()
    nest.SetKernelStatus({"total_num_virtual_procs": 2 * nest.NumProcesses()})
    nest.Create("parrot_neuron", 6)
    nest.SetKernelStatus({"total_num_virtual_procs": 2 * nest.NumProcesses(),
                          "local_num_threads": 2})
    assert nest.GetKernelStatus("local_num_threads") == 2
    nest.ResetKernel()


def test_thread_local_ids_are_given_at_connect():
    # NEST: -1 until a Connect or a Prepare, then the node's place among its
    # thread's nodes
    nest.ResetKernel()
    nest.SetKernelStatus({"local_num_threads": 4})
    nc = nest.Create("iaf_psc_alpha", 8)
    assert nc.thread_local_id == (-1,) * 8
    nest.Connect(nc[:2], nc[2:4])
    assert nc.thread_local_id == (0, 0, 0, 0, 1, 1, 1, 1)
    nest.ResetKernel()


def test_target_thread_of_connections():
    # NEST's thread of the target (gid % threads on one rank); a spike
    # recorder takes a neuron's connection on that neuron's thread
    nest.ResetKernel()
    nest.SetKernelStatus({"local_num_threads": 2})
    n = nest.Create("iaf_psc_delta", 3)
    sr = nest.Create("spike_recorder")
    nest.Connect(n[:2], n[2])
    nest.Connect(n, sr)
    c = nest.GetConnections()
    got = sorted(zip(c.get("source"), c.get("target"), c.get("target_thread")))
    assert got == [(1, 3, 1), (1, 4, 1), (2, 3, 1), (2, 4, 0), (3, 4, 1)]
    nest.ResetKernel()


def test_tables_grown_between_runs_deliver_as_on_one_thread():
    # a GetConnections between runs moves the rows: the thread segments are
    # planned again before the waiting spikes go through them
    one = run(networks.longer_delay_after_run, 1)
    two = run(networks.longer_delay_after_run, 2)
    assert np.ptp(one["vm"]) > 5.0 and one["n_read"][0] > 100
    assert_same(one, two)


@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("n_rows", [50, 400_000])
def test_threaded_merge_equals_one_pass(threads, n_rows):
    """A large chunk merged by several threads (each its part of the chunk,
    or, with more rows than the chunk has synapses per thread, each its
    rows) gives the rows of one pass in chunk order."""
    from pynestlite.kernel import connections as C
    rng = np.random.default_rng(7)
    n = 300_000
    src = rng.integers(0, n_rows, n).astype(np.int64)
    vals = rng.random(n)
    start = np.zeros(n_rows, np.int64)
    np.cumsum(np.bincount(src, minlength=n_rows)[:-1], out=start[1:])
    want = np.empty(n)
    want[start[src] + np.concatenate([np.arange(k) for k in np.bincount(src, minlength=n_rows)])[
        np.argsort(np.argsort(src, kind="stable"), kind="stable")]] = vals
    try:
        C.set_build_threads(threads)
        plan = C._chunk_plan(src, n_rows)
        assert (plan is None) == (threads * n_rows > n)
        for one_value in (False, True):
            v = vals[:1] if one_value else vals
            out = np.full(n, np.nan)
            nxt = start.copy()
            if plan is None:
                C._scatter_chunk(src, v, nxt, out)
            else:
                np.testing.assert_array_equal(plan[2], np.bincount(src, minlength=n_rows))
                C._scatter_parts(src, v, plan, nxt, out)
            np.testing.assert_array_equal(out, np.full(n, vals[0]) if one_value else want)
            np.testing.assert_array_equal(nxt, start + np.bincount(src, minlength=n_rows))
    finally:
        C.set_build_threads(1)


def test_thread_segments_of_rows_in_and_out_of_thread_order():
    from pynestlite.kernel import connections as C
    chan_slot = np.arange(10, dtype=np.int64)           # channel c: slot c
    bounds = np.array([0, 4, 7, 10], np.int64)          # threads own 0-3, 4-6, 7-9
    rows = [[0, 2, 5, 9], [7, 8], [], [4, 4, 6]]
    rp = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)
    cd = (np.concatenate([np.asarray(r, np.uint32) for r in rows]) << 2).astype(np.uint32)
    seg = np.full((len(rows), 4), -1, np.int64)
    try:
        C.set_build_threads(2)
        assert C.thread_segments(rp, cd, chan_slot, bounds, seg)
        np.testing.assert_array_equal(seg, [[0, 2, 3, 4], [4, 4, 4, 6], [6, 6, 6, 6],
                                            [6, 6, 9, 9]])
        cd_bad = cd.copy()
        cd_bad[[1, 2]] = cd[[2, 1]]                      # a thread-1 target before thread 0's
        assert not C.thread_segments(rp, cd_bad, chan_slot, bounds, seg)
    finally:
        C.set_build_threads(1)


PAIR_STDP = ["stdp_synapse", "stdp_triplet_synapse", "vogels_sprekeler_synapse",
             "stdp_nn_symm_synapse", "stdp_nn_pre_centered_synapse", "stdp_nn_restr_synapse",
             "stdp_synapse_hom", "stdp_pl_synapse_hom", "jonke_synapse"]


def _pair_stdp_run(model, n, reverse, recorder=False):
    """Poisson-driven neurons with ``model`` synapses among them (rows in
    target order, or the later targets first: each thread then checks
    every synapse), a
    min delay of 6 ms (sources fire several times in one slice); spikes and
    the synapses' weights after two runs."""
    nest.ResetKernel()
    nest.SetKernelStatus({"local_num_threads": n, "rng_seed": 13})
    a = nest.Create("iaf_psc_alpha", 60, {"V_m": nest.random.uniform(-70.0, -56.0)})
    pg = nest.Create("poisson_generator", params={"rate": 16000.0})
    sr = nest.Create("spike_recorder")
    nest.Connect(pg, a, syn_spec={"weight": 12.0, "delay": 6.0})
    d = nest.GetDefaults(model)
    wmax = abs(d.get("Wmax", 100.0))
    spec = {"synapse_model": model, "delay": nest.random.uniform(6.0, 9.0)}
    if not model.endswith("_hom"):
        spec["weight"] = nest.random.uniform(0.2 * wmax, 0.6 * wmax)
    if recorder:
        wr = nest.Create("weight_recorder")
        nest.SetDefaults(model, {"weight_recorder": wr})
    rule = {"rule": "pairwise_bernoulli", "p": 0.3, "allow_autapses": False}
    if reverse:
        # each row lists the later targets first
        nest.Connect(a, a[30:], rule, spec)
        nest.Connect(a, a[:30], rule, spec)
    else:
        nest.Connect(a, a, rule, spec)
    nest.Connect(a, sr)
    nest.Simulate(150.0)
    if n > 1:
        from pynestlite.kernel.scheduler import _threaded
        tab = kernel.tables[model]
        assert _threaded(tab) == (not recorder)
        assert tab.plan_threads(kernel.channel_slots(), kernel.scheduler.thread_bounds()) \
            == (not reverse)
    nest.Simulate(150.0)
    c = nest.GetConnections(synapse_model=model)
    out = {"times": np.asarray(sr.get("events", "times")),
           "senders": np.asarray(sr.get("events", "senders")),
           "weight": np.asarray(c.get("weight"), np.float64)}
    if recorder:
        out["logged"] = np.asarray(wr.get("events", "weights"))
    return out


@needs_openmp
@pytest.mark.parametrize("model", PAIR_STDP)
def test_pair_stdp_synapses_deliver_on_threads_as_on_one(model):
    one = _pair_stdp_run(model, 1, reverse=False)
    # (sources often fire twice in one 6 ms slice)
    assert len(one["times"]) > 800 and len(one["weight"]) > 500
    first = _pair_stdp_run(model, 1, reverse=False)
    assert_same(one, first)
    for n, reverse in ((2, False), (3, True), (2, True)):
        many = _pair_stdp_run(model, n, reverse=reverse)
        if reverse:
            ref = _pair_stdp_run(model, 1, reverse=True)
            assert_same(ref, many)
        else:
            assert_same(one, many)


@needs_openmp
def test_pair_stdp_with_a_weight_recorder_delivers_on_one_thread():
    one = _pair_stdp_run("stdp_synapse", 1, reverse=False, recorder=True)
    two = _pair_stdp_run("stdp_synapse", 2, reverse=False, recorder=True)
    assert len(one["logged"]) > 1000
    assert_same(one, two)
