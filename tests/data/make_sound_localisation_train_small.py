"""Store the small e-prop training run of tests/test_sound_localisation_train.py
(one rank) in sound_localisation_train_small.npz:

    .venv/bin/python tests/data/make_sound_localisation_train_small.py
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from test_sound_localisation_train import small_training  # noqa: E402

if __name__ == "__main__":
    res = small_training()
    np.savez(os.path.join(HERE, "sound_localisation_train_small.npz"), W_ih=res["W_ih"],
             W_ho=res["W_ho"], loss=[e["loss"] for e in res["epochs"]],
             acc=[e["train_accuracy"] for e in res["epochs"]],
             rates=[e["hidden_rate_hz"] for e in res["epochs"]])
