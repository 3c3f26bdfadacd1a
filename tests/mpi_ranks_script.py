"""Run a test network under mpiexec and save what rank 0 gathers (tests/test_mpi_ranks.py).

    mpiexec -n N python mpi_ranks_script.py OUT_DIR
Writes OUT_DIR/result.npz (spikes of the Brunel and the mixed-rule network,
V_m samples, final weights of some synapses) and, per rank, one HDF5 file of
the recorders, which rank 0 merges into OUT_DIR/merged.h5.
"""
import glob
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import networks  # noqa: E402
import pynestlite as nest  # noqa: E402


def gather(arr):
    return np.concatenate(nest.kernel.comm.allgather(np.asarray(arr)))


def main(out_dir):
    res = {"num_processes": np.array([nest.NumProcesses()])}
    b = networks.brunel_delta(nest, scale=0.05, simtime=150.0, record_vm=True)
    for key in ("senders", "times", "vm_senders", "vm_times", "V_m"):
        res["brunel_" + key] = gather(b[key])
    m = networks.mixed_rules(nest, simtime=100.0)
    for key in ("senders", "times"):
        res["mixed_" + key] = gather(m[key])
    # synapse weights drawn from random parameters, gathered in (source, target) order
    conns = nest.GetConnections()
    st = nest.kernel.comm.allgather(conns.get(["source", "target", "weight", "delay"]))
    res["syn"] = np.concatenate([np.column_stack([d["source"], d["target"], d["weight"],
                                                  d["delay"]]) for d in st if len(d["source"])])
    # plastic synapses: spikes and final weights and traces
    p = networks.stdp_network(nest)
    for key in ("senders", "times"):
        res["stdp_" + key] = gather(p[key])
    res["stdp_syn"] = gather(p["syn"].reshape(-1, 4))
    c = networks.clopath_network(nest)
    for key in ("senders", "times"):
        res["clopath_" + key] = gather(c[key])
    res["clopath_syn"] = gather(c["syn"].reshape(-1, 4))
    z = networks.izh_network(nest)
    for key in ("senders", "times"):
        res["izh_" + key] = gather(z[key])
    res["izh_syn"] = gather(z["syn"].reshape(-1, 4))
    # HDF5 output: one file per rank, merged on rank 0
    nest.ResetKernel()
    rank_dir = os.path.join(out_dir, "h5")
    if nest.Rank() == 0:
        os.makedirs(rank_dir, exist_ok=True)
    nest.kernel.comm.barrier()
    nest.SetKernelStatus({"data_path": rank_dir, "overwrite_files": True, "rng_seed": 3})
    n = nest.Create("iaf_psc_exp", 20, {"I_e": nest.random.uniform(350.0, 450.0)})
    sr = nest.Create("spike_recorder", params={"record_to": "hdf5", "label": "spikes"})
    vm = nest.Create("voltmeter", params={"record_to": "hdf5", "label": "vm"})
    nest.Connect(n, sr)
    nest.Connect(vm, n)
    nest.Simulate(50.0)
    nest.kernel.comm.barrier()
    if nest.Rank() == 0:
        files = sorted(glob.glob(os.path.join(rank_dir, "run-0*.h5")))
        nest.merge_hdf5(files, os.path.join(out_dir, "merged.h5"))
        np.savez(os.path.join(out_dir, "result.npz"), **res)


if __name__ == "__main__":
    main(sys.argv[1])
