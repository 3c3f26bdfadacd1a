"""print_time shows a tqdm progress bar (on rank 0) and changes nothing else."""
import numpy as np

import pynestlite as nest


def run(print_time):
    nest.ResetKernel()
    nest.SetKernelStatus({"print_time": print_time})
    n = nest.Create("iaf_psc_alpha", 3, {"I_e": [380.0, 400.0, 420.0]})
    sr = nest.Create("spike_recorder")
    nest.Connect(n, sr)
    nest.Connect(n, n, syn_spec={"weight": 5.0, "delay": 1.0})
    nest.Simulate(100.0)
    return sr.get("events")


def test_progress_bar_counts_all_steps(capsys):
    with_bar = run(True)
    err = capsys.readouterr().err
    assert "Simulating" in err and "1000/1000 steps" in err
    without = run(False)
    assert capsys.readouterr().err == ""
    np.testing.assert_array_equal(with_bar["times"], without["times"])
    assert len(without["times"]) > 5
