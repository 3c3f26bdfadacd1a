"""Event-driven e-prop learns the same on 1 and 2 ranks.

Run with ``mpiexec -n 2 python -m pytest --with-mpi tests/mpi``: the sine
regression is trained on 2 ranks (recurrent neurons, readout and synapses
spread round-robin; learning signals and flush events cross ranks every
step) and its losses, readout and spikes are compared with the same run on
one rank, bit for bit, and with NEST's reference losses.
"""
import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples", "eprop"))

import eprop_tasks  # noqa: E402
import networks  # noqa: E402
import pynestlite as nest  # noqa: E402
from pynestlite.parallel import comm  # noqa: E402
from test_rank_independence import serial_reference  # noqa: E402


def gathered(res, name):
    """Readouts (rank-local lists, in readout id order), their targets and
    the recurrent spikes of all ranks, and (rank 0) the one-rank reference;
    the spikes in canonical order."""
    ids = np.concatenate(comm.allgather(res["readout_ids"])) if "readout_ids" in res else None
    readout = [r for r in comm.allgather(res["readout"]) if r.size]
    target = [t for t in comm.allgather(res["target"]) if t.size]
    senders = np.concatenate(comm.allgather(res["spikes"][0]))
    times = np.concatenate(comm.allgather(res["spikes"][1]))
    tmp = comm.comm.bcast(__import__("tempfile").mkdtemp() if comm.rank == 0 else None)
    ref = serial_reference(name, tmp) if comm.rank == 0 else None
    if ids is not None and readout:
        readout = [np.concatenate(readout)[np.argsort(ids)]]
    return readout, target, networks.canonical(senders, times), ref


@pytest.mark.mpi(min_size=2)
@pytest.mark.parametrize("name,model,optimizer", [
    ("eprop_adam", "eprop_iaf", "adam"),
    ("eprop_adapt_gd", "eprop_iaf_adapt", "gradient_descent")])
def test_eprop_losses_rank_independent(name, model, optimizer):
    res = eprop_tasks.sine_regression(nest, model, optimizer)
    readout, target, (s, t), ref = gathered(res, name)
    failure = None
    if comm.rank == 0:
        y = readout[0]
        loss = 0.5 * np.sum((y - target[0]) ** 2, axis=1)
        rs, rt = networks.canonical(ref["senders"], ref["times"])
        if len(readout) != 1 or not np.array_equal(y, ref["readout"]):
            failure = "the readout differs between 2 ranks and one rank"
        elif not (np.array_equal(s, rs) and np.array_equal(t, rt)):
            failure = f"{len(s)} spikes on {comm.size} ranks vs {len(rs)} on one rank"
        elif not np.array_equal(loss, ref["loss"]):
            failure = "the losses differ between 2 ranks and one rank"
        elif not np.allclose(loss, eprop_tasks.NEST_REGRESSION_LOSSES[(model, optimizer)],
                             rtol=1e-8, atol=0.0):
            failure = f"losses {loss} differ from NEST's reference"
    failure = comm.comm.bcast(failure)
    assert failure is None, failure



@pytest.mark.mpi(min_size=2)
def test_original_eprop_rank_independent():
    """Evidence accumulation with the original e-prop (batch 2): the two
    softmax readouts live on different ranks, so their normalization and
    the learning signals cross ranks every step."""
    res = eprop_tasks.evidence_accumulation(nest, 2)
    n_local = comm.allgather(len(res["readout"]))
    readout, _, (s, t), ref = gathered(res, "eprop_evidence")
    failure = None
    if comm.rank == 0:
        y = readout[0]
        rs, rt = networks.canonical(ref["senders"], ref["times"])
        if sorted(n_local) != [1, 1] or not np.array_equal(y, ref["readout"]):
            failure = "the readouts differ between 2 ranks and one rank"
        elif not (np.array_equal(s, rs) and np.array_equal(t, rt)):
            failure = f"{len(s)} spikes on {comm.size} ranks vs {len(rs)} on one rank"
    failure = comm.comm.bcast(failure)
    assert failure is None, failure
