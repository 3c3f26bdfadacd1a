"""Spikes and V_m are bit-identical for any number of ranks.

Run with ``mpiexec -n 2 python -m pytest --with-mpi tests/mpi``.  Every rank
simulates its part of the network; the events are gathered on rank 0 and
compared with the same network run on a single rank (a subprocess started
without MPI).
"""
import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import networks  # noqa: E402
import pynestlite as nest  # noqa: E402
from pynestlite.parallel import comm  # noqa: E402


def serial_reference(name, tmp_dir):
    """Output of tests/mpi/serial_reference.py NAME, run as one plain process."""
    out = os.path.join(tmp_dir, f"{name}.npz")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PMI_", "HYDI_", "HYDRA_", "MPI_", "OMPI_", "PMIX_"))}
    env["PYNESTLITE_NO_MPI"] = "1"
    subprocess.run([sys.executable, os.path.join(HERE, "serial_reference.py"), name, out],
                   check=True, env=env, timeout=600)
    with np.load(out) as f:
        return {k: f[k] for k in f.files}


def gathered(res, keys):
    """Concatenate each array of ``res`` over ranks (on every rank)."""
    return {k: np.concatenate(comm.allgather(np.asarray(res[k]))) for k in keys}


def compare(name, res, spike_keys=("senders", "times"), extra=()):
    tmp = comm.comm.bcast(__import__("tempfile").mkdtemp() if comm.rank == 0 else None)
    ref = serial_reference(name, tmp) if comm.rank == 0 else None
    got = gathered(res, list(spike_keys) + list(extra))
    failure = None
    if comm.rank == 0:
        s, t = networks.canonical(got["senders"], got["times"])
        rs, rt = networks.canonical(ref["senders"], ref["times"])
        if not (np.array_equal(s, rs) and np.array_equal(t, rt)):
            failure = (f"{name}: {len(s)} spikes on {comm.size} ranks vs {len(rs)} on one rank; "
                       f"first difference at {int(np.argmax((s[:len(rs)] != rs[:len(s)]) | (t[:len(rs)] != rt[:len(s)])))}")
        if extra and failure is None:
            o = np.lexsort((got["vm_times"], got["vm_senders"]))
            ro = np.lexsort((ref["vm_times"], ref["vm_senders"]))
            for k in extra:
                if not np.array_equal(got[k][o], ref[k][ro]):
                    failure = f"{name}: {k} differs between {comm.size} ranks and one rank"
        assert len(rs) > 100, "reference network is nearly silent"
    failure = comm.comm.bcast(failure)
    assert failure is None, failure


def compare_connections(name, res, keys, at_least):
    """The connections (the columns ``keys``, gathered over ranks) equal those
    of the same network on one rank."""
    tmp = comm.comm.bcast(__import__("tempfile").mkdtemp() if comm.rank == 0 else None)
    ref = serial_reference(name, tmp) if comm.rank == 0 else None
    got = gathered(res, keys)
    failure = None
    if comm.rank == 0:
        rows = sorted(zip(*[got[k].tolist() for k in keys]))
        rrows = sorted(zip(*[ref[k].tolist() for k in keys]))
        assert len(rrows) > at_least
        if rows != rrows:
            failure = (f"{name}: {len(rows)} connections on {comm.size} ranks vs "
                       f"{len(rrows)} on one rank")
    failure = comm.comm.bcast(failure)
    assert failure is None, failure


@pytest.mark.mpi(min_size=2)
def test_brunel_spikes_and_vm_rank_independent():
    res = networks.brunel_delta(nest, scale=0.05, simtime=200.0, record_vm=True)
    # each rank recorded only its own neurons
    local = res["senders"]
    assert np.all((local - 1) % comm.size == comm.rank)
    compare("brunel", res, extra=("vm_senders", "vm_times", "V_m"))


@pytest.mark.mpi(min_size=2)
def test_brunel_ranks_times_threads_equal_one_process():
    # 2 ranks x 2 threads (oversubscribed on a 2-core machine) against 1 x 1
    res = networks.brunel_delta(networks.Threaded(nest, 2), scale=0.05, simtime=200.0,
                                record_vm=True)
    assert nest.GetKernelStatus("total_num_virtual_procs") == 2 * comm.size
    compare("brunel", res, extra=("vm_senders", "vm_times", "V_m"))


@pytest.mark.mpi(min_size=2)
def test_mixed_rules_ranks_times_threads_equal_one_process():
    res = networks.mixed_rules(networks.Threaded(nest, 2))
    compare("mixed", res)


@pytest.mark.mpi(min_size=2)
def test_threaded_models_ranks_times_threads_equal_one_process():
    # conductance, AdEx, Izhikevich, multisynapse and parrot neurons with
    # dc and spike generators on 2 ranks x 2 threads against 1 x 1
    res = networks.threaded_models_network(networks.Threaded(nest, 2))
    compare("threaded_models", res, extra=("vm_senders", "vm_times", "V_m"))


@pytest.mark.mpi(min_size=2)
def test_ping_network_rank_independent():
    # iaf_cond_exp_zoh (the PING example's neuron) on 2 ranks x 2 threads
    # against 1 x 1: spikes, V_m and g_in
    res = networks.ping_network(networks.Threaded(nest, 2))
    compare("ping", res, extra=("vm_senders", "vm_times", "V_m", "g_in"))


@pytest.mark.mpi(min_size=2)
def test_outdegree_bernoulli_total_number_rank_independent():
    res = networks.mixed_rules(nest)
    compare("mixed", res)


@pytest.mark.mpi(min_size=2)
def test_disconnect_rank_independent():
    res = networks.disconnect_network(nest)
    assert int(res["n"][0]) == 200 + 100 + 2000 + 200 - 50 - 50
    compare("disconnect", res)


@pytest.mark.mpi(min_size=2)
def test_bernoulli_synapse_transmissions_rank_independent():
    res = networks.bernoulli_network(nest)
    compare("bernoulli", res)


@pytest.mark.mpi(min_size=2)
def test_spike_dilutor_copies_rank_independent():
    # every rank's dilutor sees the mother spikes of all ranks and draws the
    # copies per (dilutor, target, step): parrots and neurons spike as on one rank
    res = networks.dilutor_network(nest)
    compare("dilutor", res)

@pytest.mark.mpi(min_size=2)
def test_precise_spike_times_rank_independent():
    # offsets travel with the spikes between ranks; the recorder's steps
    # and offsets equal one rank's exactly
    res = networks.precise_network(nest)
    off_grid = np.abs(res["times"] / 0.1 - np.round(res["times"] / 0.1)) > 1e-6
    n_off = comm.comm.allreduce(int(off_grid.sum()))
    assert n_off > 500, f"only {n_off} spikes off the grid"
    compare("precise", res)


@pytest.mark.mpi(min_size=2)
def test_spike_payloads_rank_independent():
    # the releases of iaf_tum_2000 and the NMDA jumps of iaf_bw_2001 travel
    # with the spikes between ranks: spike times (stamp - payload, as NEST)
    # and V_m equal one rank's exactly
    res = networks.payload_network(nest)
    compare("payload", res, extra=("vm_senders", "vm_times", "V_m"))


@pytest.mark.mpi(min_size=2)
def test_frozen_nodes_rank_independent():
    # frozen neurons on every rank and a frozen generator (replicated on
    # each rank): spikes and V_m equal one rank's exactly
    res = networks.frozen_network(nest)
    compare("frozen", res, extra=("vm_senders", "vm_times", "V_m"))


@pytest.mark.mpi(min_size=2)
def test_tripartite_connections_rank_independent():
    # the third-factor pools and choices are drawn over the gathered primary
    # connections: the same connections (and so spikes) on any number of ranks
    res = networks.tripartite_network(nest)
    compare_connections("tripartite", res, ["conn_source", "conn_target"], at_least=100)
    compare("tripartite", res)


@pytest.mark.mpi(min_size=2)
def test_spatial_connections_rank_independent():
    # masks, distance-dependent p, weights and delays, degree rules and a
    # periodic layer: every connection (with its weight and delay) and every
    # spike as on one rank
    res = networks.spatial_network(nest)
    compare_connections("spatial", res,
                        ["conn_source", "conn_target", "conn_weight", "conn_delay"],
                        at_least=10000)
    compare("spatial", res)


@pytest.mark.mpi(min_size=2)
def test_num_connections_is_global():
    networks.brunel_delta(nest, scale=0.05, simtime=10.0)
    n = nest.GetKernelStatus("num_connections")
    order = int(2500 * 0.05)
    N = 5 * order
    expected = N * (4 * order // 10 + order // 10) + N + N
    assert n == expected


@pytest.mark.mpi(min_size=2)
def test_checkpoint_per_rank_continues_exactly():
    # izh_network (time-driven plastic synapses) saved at 1500 ms on every
    # rank (one file each) and continued equals the uninterrupted run
    tmp = comm.comm.bcast(__import__("tempfile").mkdtemp() if comm.rank == 0 else None)
    whole = networks.izh_network(nest, simtime=2500.0, split=1)

    def build_and_run(t_ms, load=None, save=None):
        sr = networks.izh_network_build(nest)
        if load:
            nest.load_state(load)
        nest.Simulate(t_ms)
        if save:
            nest.save_state(save)
        return sr

    path = os.path.join(tmp, "izh.h5")
    first = build_and_run(1500.0, save=path)
    ev1 = first.events
    second = build_and_run(1000.0, load=path)
    ev2 = second.events
    d = nest.GetConnections(synapse_model="stdp_izh_synapse").get(
        ["source", "target", "weight", "wdev"])
    got = gathered({"senders": np.concatenate([ev1["senders"], ev2["senders"]]),
                    "times": np.concatenate([ev1["times"], ev2["times"]]),
                    "syn": np.column_stack([d["source"], d["target"], d["weight"], d["wdev"]])},
                   ["senders", "times", "syn"])
    ref = gathered({"senders": whole["senders"], "times": whole["times"], "syn": whole["syn"]},
                   ["senders", "times", "syn"])
    s, t = networks.canonical(got["senders"], got["times"])
    rs, rt = networks.canonical(ref["senders"], ref["times"])
    assert len(rs) > 1000 and np.array_equal(s, rs) and np.array_equal(t, rt)
    o = np.lexsort(got["syn"].T[::-1])
    ro = np.lexsort(ref["syn"].T[::-1])
    np.testing.assert_array_equal(got["syn"][o], ref["syn"][ro])
    assert os.path.exists(f"{path}.rank-{comm.rank}-of-{comm.size}")
