"""The network of tests/test_synapse_layer.py, on 1 or N ranks.

    [mpiexec -n N] python counting_network.py PLUGIN_DIR OUT.npz
"""
import sys

import numpy as np


def run(nest):
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": 7})
    pre = nest.Create("iaf_psc_alpha", 6, {"I_e": nest.random.uniform(380.0, 500.0)})
    post = nest.Create("iaf_psc_alpha", 5, {"I_e": nest.random.uniform(360.0, 450.0)})
    sr = nest.Create("spike_recorder")
    nest.CopyModel("counting_synapse", "counting_fast", {"increment": 0.25})
    nest.Connect(pre, post, {"rule": "fixed_indegree", "indegree": 3},
                 {"synapse_model": "counting_synapse", "weight": 2.0, "delay": 1.0})
    nest.Connect(pre[:2], post[:2], "one_to_one",
                 {"synapse_model": "counting_fast", "weight": nest.random.uniform(1.0, 2.0),
                  "delay": 1.5})
    nest.Connect(pre + post, sr)
    nest.Simulate(300.0)
    conns = nest.GetConnections(pre, post)
    d = conns.get(["source", "target", "weight", "t_post", "delay", "synapse_model", "sizeof"])
    return d, sr.get("events")


if __name__ == "__main__":
    sys.path.insert(0, sys.argv[1])
    import counting_synapse
    import pynestlite as nest
    from pynestlite.engine import register_synapse_model
    register_synapse_model("counting_synapse", counting_synapse.CountingSynapseTable)
    d, ev = run(nest)
    comm = nest.kernel.comm
    parts = comm.allgather(np.column_stack([d["source"], d["target"], d["weight"],
                                            d["t_post"], d["delay"]]) if d else np.empty((0, 5)))
    evs = comm.allgather(np.column_stack([ev["senders"], ev["times"]]))
    if nest.Rank() == 0:
        syn = np.concatenate(parts)
        syn = syn[np.lexsort(syn.T[::-1])]
        spk = np.concatenate(evs)
        spk = spk[np.lexsort(spk.T[::-1])]
        np.savez(sys.argv[2], syn=syn, spikes=spk, ranks=nest.NumProcesses())
