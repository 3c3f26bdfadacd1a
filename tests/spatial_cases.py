"""Deterministic spatial networks, run by NEST 3.10 and by pynestlite alike.

``python tests/spatial_cases.py nest OUT.json`` (or ``pynestlite``) builds
each case with the simulator named, connecting with masks, anchors,
periodic boundaries and distance-dependent weights and delays where no
random number decides (p = 1 or no p), runs it with constant input currents
and writes the sorted connections and the spikes.  tests/test_spatial.py
compares the two outputs.
"""
import importlib
import json
import sys

import numpy as np

MASKS = {
    "circular": {"circular": {"radius": 0.3}},
    "circular_anchor": {"circular": {"radius": 0.25}, "anchor": [-0.2, 0.05]},
    "rectangular": {"rectangular": {"lower_left": [-0.2, -0.1], "upper_right": [0.3, 0.25]}},
    "rect_rotated": {"rectangular": {"lower_left": [-0.2, -0.1], "upper_right": [0.3, 0.25],
                                     "azimuth_angle": 30.0}},
    "elliptical": {"elliptical": {"major_axis": 0.6, "minor_axis": 0.3,
                                  "azimuth_angle": 45.0}},
    "doughnut": {"doughnut": {"inner_radius": 0.1, "outer_radius": 0.3}},
    "grid": {"grid": {"shape": [3, 2]}, "anchor": [1, 0]},
}
RULES = ("pairwise_bernoulli", "use_on_source")


def build(nest, layer_kind, wrap, mask_name, rule):
    nest.ResetKernel()
    if layer_kind == "grid":
        pos = nest.spatial.grid(shape=[7, 6], extent=[1.0, 1.0], edge_wrap=wrap)
    else:
        rng = np.random.default_rng(4)
        pos = nest.spatial.free(rng.uniform(-0.5, 0.5, (40, 2)).tolist(), extent=[1.0, 1.0],
                                edge_wrap=wrap)
    layer = nest.Create("iaf_psc_alpha", positions=pos,
                        params={"I_e": 300.0 + 200.0 * nest.spatial.pos.x})
    conn = {"rule": "pairwise_bernoulli", "mask": MASKS[mask_name]}
    if rule == "use_on_source":
        conn["use_on_source"] = True
    d = nest.spatial.distance
    nest.Connect(layer, layer, conn, {"weight": 20.0 - 30.0 * d, "delay": 1.0 + 5.0 * d})
    return layer


def run(simulator):
    nest = importlib.import_module(simulator)
    out = {}
    for layer_kind in ("grid", "free"):
        for wrap in (False, True):
            for mask_name in MASKS:
                if mask_name == "grid" and layer_kind == "free":
                    continue
                for rule in RULES:
                    key = f"{layer_kind}-{wrap}-{mask_name}-{rule}"
                    layer = build(nest, layer_kind, wrap, mask_name, rule)
                    c = nest.GetConnections(layer, layer).get(
                        ["source", "target", "weight", "delay"])
                    rows = sorted(zip(c["source"], c["target"],
                                      [round(w, 12) for w in c["weight"]],
                                      [round(x, 12) for x in c["delay"]]))
                    sr = nest.Create("spike_recorder")
                    nest.Connect(layer, sr)
                    nest.Simulate(100.0)
                    ev = sr.get("events")
                    spikes = sorted(zip([int(x) for x in ev["senders"]],
                                        [float(x) for x in ev["times"]]))
                    out[key] = {"conns": [[int(a), int(b), float(w), float(x)]
                                          for a, b, w, x in rows],
                                "spikes": spikes,
                                "positions": [list(map(float, p)) for p in
                                              np.atleast_2d(nest.GetPosition(layer))]}
    return out


if __name__ == "__main__":
    with open(sys.argv[2], "w") as f:
        json.dump(run(sys.argv[1]), f)
