"""The sound-localisation network (examples/sound_localisation) gives the same
readouts and hidden spikes on any number of ranks: the gathered results of
this run are compared bit for bit with the numpy model of the same arithmetic,
which the serial suite (tests/test_sound_localisation.py) pins to the
single-rank run.

Run with ``mpiexec -n 2 python -m pytest --with-mpi tests/mpi``.
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from test_sound_localisation import EXAMPLE, MODULES, import_example  # noqa: E402
from pynestlite.parallel import comm  # noqa: E402

ipd_data, weights, reference, network, evaluate = import_example(EXAMPLE, MODULES)


def test_sound_localisation_rank_independent():
    d = ipd_data.generate(4096, "B", first=48)
    W = weights.load_itdnet()
    out = network.run_trials(d.spikes, W.W_ih, W.W_ho, replicas=7, slots_per_build=4,
                             record_spikes=True)
    m, s = reference.nest_forward(d.spikes, W.W_ih, W.W_ho)
    ok = (np.array_equal(out["readout_mean"], m) and np.array_equal(out["hidden_spikes"], s)
          and np.array_equal(out["hidden_counts"], s.sum(axis=1)))
    assert all(comm.allgather(ok)), f"results on {comm.size} ranks differ from one rank"
    assert s.sum() > 1000


def test_sound_localisation_training_rank_independent():
    """e-prop training (the small run of tests/test_sound_localisation_train.py)
    ends in the same weights and losses, bit for bit, as the stored one-rank
    run."""
    from test_sound_localisation_train import small_training
    res = small_training()
    ref = np.load(os.path.join(os.path.dirname(HERE), "data",
                               "sound_localisation_train_small.npz"))
    ok = (np.array_equal(res["W_ih"], ref["W_ih"]) and np.array_equal(res["W_ho"], ref["W_ho"])
          and np.array_equal([e["loss"] for e in res["epochs"]], ref["loss"]))
    assert all(comm.allgather(ok)), f"training on {comm.size} ranks differs from one rank"
