"""An error on one rank becomes the same error on every rank, never a hang.

Run under ``mpiexec -n 2 python -m pytest --with-mpi tests/mpi``; each test
provokes a failure on rank 1 only and checks that every rank raises.
"""
import os

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.engine import kernel
from pynestlite.parallel import comm


@pytest.mark.mpi(min_size=2)
def test_bad_parameter_on_one_rank_raises_everywhere():
    nest.ResetKernel()
    # node 2 lives on rank 1: only rank 1 sees the bad C_m
    with pytest.raises(nest.BadProperty, match="C_m"):
        nest.Create("iaf_psc_alpha", 2, {"C_m": [250.0, -1.0]})
    # nothing was created anywhere; the kernel still works collectively
    assert nest.GetKernelStatus("network_size") == 0
    n = nest.Create("iaf_psc_alpha", 2)
    assert n.tolist() == [1, 2]
    nest.Simulate(5.0)


@pytest.mark.mpi(min_size=2)
def test_exception_inside_simulation_loop():
    nest.ResetKernel()
    # node 2 lives on rank 1: only its AdEx neuron diverges inside the update
    n = nest.Create("aeif_cond_alpha", 2, {"I_e": [0.0, -1e9]})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, n, syn_spec={"weight": 1.0, "delay": 1.0})
    nest.Connect(n, sr)
    with pytest.raises(nest.NumericalInstability, match="aeif_cond_alpha"):
        nest.Simulate(100.0)
    assert not nest.kernel.prepared


@pytest.mark.mpi(min_size=2)
def test_missing_data_path_on_one_rank_at_set(tmp_path):
    nest.ResetKernel()
    path = str(tmp_path) if comm.rank == 0 else os.path.join(str(tmp_path), "missing", "dir")
    with pytest.raises(nest.BadProperty, match="data_path"):
        nest.SetKernelStatus({"data_path": path})
    assert nest.GetKernelStatus("data_path") == ""      # unchanged on every rank


@pytest.mark.mpi(min_size=2)
def test_output_directory_removed_on_one_rank_before_simulate(tmp_path):
    nest.ResetKernel()
    path = os.path.join(str(tmp_path), f"out-{comm.rank}")
    os.makedirs(path)
    nest.SetKernelStatus({"data_path": path, "overwrite_files": True})
    n = nest.Create("iaf_psc_alpha", 2, {"I_e": 500.0})
    sr = nest.Create("spike_recorder", params={"record_to": "ascii"})
    nest.Connect(n, sr)
    if comm.rank == 1:
        os.rmdir(path)
    with pytest.raises(nest.BadProperty, match="data_path"):
        nest.Simulate(10.0)
    assert not kernel.prepared


@pytest.mark.mpi(min_size=2)
def test_synapse_set_error_on_one_rank_raises_everywhere():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2)
    nest.Connect(n[0], n[1], syn_spec={"delay": 1.0})    # target 2 lives on rank 1
    conns = nest.GetConnections()
    assert len(conns) == (1 if comm.rank == 1 else 0)
    with pytest.raises(nest.BadDelay, match="below the resolution"):
        conns.set(delay=0.01)
    # nothing changed; the kernel still works collectively
    assert nest.GetConnections().get("delay") == (1.0 if comm.rank == 1 else ())
    nest.Simulate(5.0)


def test_launcher_ranks_are_used():
    """A run under a launcher must not fall back to one rank silently."""
    launched = os.environ.get("PMI_SIZE") or os.environ.get("OMPI_COMM_WORLD_SIZE")
    if launched is None:
        pytest.skip("not started by an MPI launcher")
    assert nest.NumProcesses() == int(launched)


@pytest.mark.mpi(min_size=2)
def test_volume_transmitter_under_mpi_is_refused_on_every_rank():
    """The dopamine synapse's transmitter is one rank only for now: a clear
    error on every rank (no hang), and nothing half-built."""
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 4)
    vt = nest.Create("volume_transmitter")
    with pytest.raises(nest.NESTErrors.NotImplemented, match="MPI"):
        nest.Connect(n, vt)
    nest.SetDefaults("stdp_dopamine_synapse", {"volume_transmitter": vt})
    with pytest.raises(nest.NESTErrors.NotImplemented, match="MPI"):
        nest.Connect(n, n, syn_spec="stdp_dopamine_synapse")
    assert nest.GetKernelStatus("num_connections") == 0
    nest.Simulate(5.0)
