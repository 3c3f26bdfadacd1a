"""Make tests/data/brunel_reference.json: NEST's rate and ISI CV of the
reduced Brunel network used by tests/test_brunel.py.

Made with NEST 3.10.0 (``pip install nest-simulator``):
    python tests/data/make_brunel_reference.py
Runs ``tests/networks.py:brunel_delta`` (the same code the test runs on
pynestlite) for several seeds and stores the per-seed mean E rate and CV.
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import networks  # noqa: E402

SCALE = 0.2
SIMTIME = 1000.0
SEEDS = (1, 2, 3)


def stats(out):
    """Mean rate (Hz) and mean ISI CV of the E neurons (first 80 % of ids)."""
    n_e = int(out["n_neurons"] * 0.8)
    s, t = out["senders"], out["times"]
    e = s <= n_e
    rate = e.sum() / n_e / (out["simtime"] / 1000.0)
    cvs = []
    for gid in np.unique(s[e]):
        ts = np.sort(t[s == gid])
        if len(ts) >= 3:
            isi = np.diff(ts)
            cvs.append(isi.std() / isi.mean())
    return float(rate), float(np.mean(cvs))


def main():
    import nest
    nest.set_verbosity("M_ERROR")
    res = {"nest_version": nest.__version__, "scale": SCALE, "simtime": SIMTIME, "runs": {}}
    for seed in SEEDS:
        out = networks.brunel_delta(nest, scale=SCALE, simtime=SIMTIME, seed=seed)
        rate, cv = stats(out)
        res["runs"][str(seed)] = {"rate": rate, "cv": cv}
        print(f"seed {seed}: rate {rate:.3f} Hz  CV {cv:.4f}")
    with open(os.path.join(HERE, "brunel_reference.json"), "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
