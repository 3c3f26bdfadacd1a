"""The hardware target gives the same spikes and membrane trace on 1 and 2
ranks: every rank emulates the whole chip and records its own neurons."""
import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import networks  # noqa: E402
from pynestlite.parallel import comm  # noqa: E402
from serial_reference import hardware_case  # noqa: E402
from test_rank_independence import serial_reference  # noqa: E402


@pytest.mark.mpi(min_size=2)
def test_hardware_target_rank_independent():
    res = hardware_case()
    senders = np.concatenate(comm.allgather(res["senders"]))
    times = np.concatenate(comm.allgather(res["times"]))
    vms = [v for v in comm.allgather(res["vm"]) if len(v)]
    tmp = comm.comm.bcast(__import__("tempfile").mkdtemp() if comm.rank == 0 else None)
    ref = serial_reference("hardware", tmp) if comm.rank == 0 else None
    failure = None
    if comm.rank == 0:
        s, t = networks.canonical(senders, times)
        rs, rt = networks.canonical(ref["senders"], ref["times"])
        if not (np.array_equal(s, rs) and np.array_equal(t, rt)) or len(s) < 50:
            failure = f"{len(s)} spikes on {comm.size} ranks vs {len(rs)} on one rank"
        elif len(vms) != 1 or not np.array_equal(vms[0], ref["vm"]):
            failure = "the membrane trace differs between ranks and one rank"
    failure = comm.comm.bcast(failure)
    assert failure is None, failure
