"""Histograms of correlation devices in a small spiking network (run under
mpiexec by tests/test_correlation_ranks.py; rank 0 writes them)."""
import sys

import numpy as np

import pynestlite as nest


def main(out):
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": 11})
    pg = nest.Create("poisson_generator", 1, {"rate": 3000.0})
    nrn = nest.Create("iaf_psc_alpha", 12, {"I_e": 200.0})
    par = nest.Create("parrot_neuron", 4)
    sg = nest.Create("spike_generator", 1, {"spike_times": [3.0, 7.5, 7.6, 30.0, 64.2]})
    nest.Connect(pg, nrn, syn_spec={"weight": 30.0})
    nest.Connect(pg, par, syn_spec={"weight": 1.0})
    nest.Connect(nrn, nrn, {"rule": "fixed_indegree", "indegree": 3}, {"weight": 50.0})
    cd = nest.Create("correlation_detector", 2, {"delta_tau": 0.3, "tau_max": 6.0})
    cm = nest.Create("correlomatrix_detector", 1, {"N_channels": 3, "tau_max": 4.5,
                                                   "delta_tau": 0.5})
    nest.Connect(nrn[:6], cd, syn_spec={"receptor_type": 0, "weight": 0.7})
    nest.Connect(nrn[6:] + par, cd, syn_spec={"receptor_type": 1, "weight": 1.3})
    nest.Connect(sg, cd[1], syn_spec={"receptor_type": 0})
    nest.Connect(nrn[:4], cm, syn_spec={"receptor_type": 0, "weight": 0.3})
    nest.Connect(nrn[4:8], cm, syn_spec={"receptor_type": 1, "weight": 0.9})
    nest.Connect(par + sg, cm, syn_spec={"receptor_type": 2, "weight": 1.1})
    nest.Simulate(60.0)
    nest.Simulate(40.0)
    res = {"num_processes": np.array([nest.NumProcesses()])}
    for i, c in enumerate(cd):
        for key in ("histogram", "histogram_correction", "count_histogram", "n_events"):
            res[f"cd{i}_{key}"] = np.asarray(c.get(key))
    for key in ("covariance", "count_covariance", "n_events"):
        res[f"cm_{key}"] = np.asarray(cm.get(key))
    if nest.Rank() == 0:
        np.savez(out, **res)


if __name__ == "__main__":
    main(sys.argv[1])
