"""Produce tests/data/sound_localisation_nest.npz: the sound-localisation
network of examples/sound_localisation/network.py run on NEST 3.10.

Reference data made with NEST 3.10.0 (PyNEST, ``nest.__version__ ==
"3.10.0"``; stored under ``meta__nest_version``).  The first 48 trials of the
paper's seeded test set (numpy legacy seed 32844534) with the paper's trained
weights, for both readout windows and t_ref = 1 ms and 0: the trial-mean
readout potentials ``<window>_tref<t>__readout_mean`` (48, 12) and the hidden
spikes ``<window>_tref<t>__hidden_spikes`` (48, 100, 8).  The script builds
the network with the same calls as pynestlite's run (``simulator=nest``).

Usage (needs a Python in which ``import nest`` works)::

    .venv/bin/python tests/data/make_sound_localisation_nest.py [--out PATH]

Never import pynestlite here: NEST and pynestlite must not share a process.
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples",
                                "sound_localisation"))

import ipd_data  # noqa: E402
import network  # noqa: E402
import weights  # noqa: E402

TRIALS = 48
CASES = [(window, t_ref) for window in ("input", "paper") for t_ref in (1.0, 0.0)]


def key(window, t_ref):
    return f"{window}_tref{int(t_ref)}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=os.path.join(HERE, "sound_localisation_nest.npz"))
    args = p.parse_args()
    import nest
    assert "pynestlite" not in sys.modules
    d = ipd_data.generate(4096, "B", first=TRIALS)
    W = weights.load_itdnet()
    out = {"meta__nest_version": np.array(nest.__version__)}
    for window, t_ref in CASES:
        r = network.run_trials(d.spikes, W.W_ih, W.W_ho, t_ref=t_ref, window=window,
                               replicas=8, slots_per_build=6, record_spikes=True,
                               simulator=nest)
        assert r["hidden_spikes"].sum() > 1000
        out[key(window, t_ref) + "__readout_mean"] = r["readout_mean"]
        out[key(window, t_ref) + "__hidden_spikes"] = r["hidden_spikes"]
        print(f"{key(window, t_ref)}: {int(r['hidden_spikes'].sum())} hidden spikes")
    np.savez_compressed(args.out, **out)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
