"""count_covariance of correlospinmatrix_detectors on a network of noisy
binary neurons (run under mpiexec by tests/test_correlospinmatrix_detector.py;
rank 0 writes the counts)."""
import sys

import numpy as np

import pynestlite as nest


def main(out):
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": 5})
    gz = nest.Create("ginzburg_neuron", 9, {"tau_m": 2.0, "theta": 0.0, "c_1": 0.0,
                                             "c_2": 1.0, "c_3": 1.0})
    mp = nest.Create("mcculloch_pitts_neuron", 4, {"tau_m": 3.0, "theta": 0.5})
    sg = nest.Create("spike_generator", 1, {"spike_times": [2.0, 2.0, 9.0, 20.0, 20.0, 41.5]})
    nest.Connect(gz, gz, {"rule": "fixed_indegree", "indegree": 3}, {"weight": -0.5})
    nest.Connect(gz, mp, {"rule": "fixed_indegree", "indegree": 4}, {"weight": 0.4})
    nest.Connect(sg, mp, syn_spec={"weight": 1.0})
    cs = nest.Create("correlospinmatrix_detector", 2, {"N_channels": 3, "tau_max": 3.0,
                                                       "delta_tau": 0.5})
    cs[1].set(start=10.0, stop=50.0, delta_tau=0.1, tau_max=1.0)
    nest.Connect(gz[:5], cs, syn_spec={"receptor_type": 0})
    nest.Connect(gz[5:], cs, syn_spec={"receptor_type": 1})
    nest.Connect(mp + sg, cs, syn_spec={"receptor_type": 2})
    nest.Simulate(30.0)
    nest.Simulate(40.0)
    res = {"num_processes": np.array([nest.NumProcesses()])}
    for i, c in enumerate(cs):
        res[f"cs{i}_count_covariance"] = np.asarray(c.get("count_covariance"))
    if nest.Rank() == 0:
        np.savez(out, **res)


if __name__ == "__main__":
    main(sys.argv[1])
