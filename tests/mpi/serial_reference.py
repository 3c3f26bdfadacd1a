"""Run one of tests/networks.py's builders on one rank and save its output.

Used by the MPI tests (spawned from rank 0, outside MPI):
    python serial_reference.py NAME OUT.npz
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples", "eprop"))

import eprop_tasks  # noqa: E402
import networks  # noqa: E402
import pynestlite as nest  # noqa: E402


def eprop_case(model, optimizer):
    """The e-prop sine regression: losses, readout and recurrent spikes."""
    r = eprop_tasks.sine_regression(nest, model, optimizer)
    return {"loss": r["loss"], "readout": r["readout"], "senders": r["spikes"][0],
            "times": r["spikes"][1]}


def evidence_case():
    """The original e-prop's evidence accumulation (batch 2): losses, readouts, spikes."""
    r = eprop_tasks.evidence_accumulation(nest, 2)
    return {"loss": r["loss"], "readout": r["readout"], "senders": r["spikes"][0],
            "times": r["spikes"][1]}

def hardware_case():
    """The hardware script (tests/networks.py) in two runs: spikes and trace."""
    ev, v = networks.hardware_script(nest, seed=5, runs=(60.0, 40.0), traced=4)
    return {"senders": ev["senders"], "times": ev["times"], "vm": v["V_m"]}


CASES = {
    "hardware": hardware_case,
    "brunel": lambda: networks.brunel_delta(nest, scale=0.05, simtime=200.0, record_vm=True),
    "mixed": lambda: networks.mixed_rules(nest),
    "threaded_models": lambda: networks.threaded_models_network(nest),
    "ping": lambda: networks.ping_network(nest),
    "disconnect": lambda: networks.disconnect_network(nest),
    "bernoulli": lambda: networks.bernoulli_network(nest),
    "dilutor": lambda: networks.dilutor_network(nest),
    "precise": lambda: networks.precise_network(nest),
    "payload": lambda: networks.payload_network(nest),
    "frozen": lambda: networks.frozen_network(nest),
    "tripartite": lambda: networks.tripartite_network(nest),
    "spatial": lambda: networks.spatial_network(nest),
    "eprop_adam": lambda: eprop_case("eprop_iaf", "adam"),
    "eprop_adapt_gd": lambda: eprop_case("eprop_iaf_adapt", "gradient_descent"),
    "eprop_evidence": lambda: evidence_case(),
}

if __name__ == "__main__":
    name, out = sys.argv[1], sys.argv[2]
    res = CASES[name]()
    np.savez(out, **{k: np.asarray(v) for k, v in res.items()})
