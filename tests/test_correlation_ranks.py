"""Correlation devices give bit-identical histograms on 1, 2 and 3 ranks.

Runs tests/correlation_ranks_script.py under ``mpiexec -n 1, 2, 3`` (ranks
oversubscribe the cores).  Skipped when mpiexec (``pip install mpich``) is
absent.
"""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
MPIEXEC = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")
pytestmark = pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not installed (pip install mpich)")


def run(n, tmp_path):
    out = tmp_path / f"corr_n{n}.npz"
    env = dict(os.environ)
    env.pop("PYNESTLITE_NO_MPI", None)
    p = subprocess.run([MPIEXEC, "-n", str(n), sys.executable,
                        os.path.join(HERE, "correlation_ranks_script.py"), str(out)],
                       capture_output=True, text=True, timeout=600, env=env)
    assert p.returncode == 0, p.stderr[-3000:]
    with np.load(out) as f:
        res = {k: f[k] for k in f.files}
    assert int(res.pop("num_processes")[0]) == n, "mpiexec did not start the ranks asked for"
    return res


def test_histograms_do_not_depend_on_ranks(tmp_path):
    one = run(1, tmp_path)
    assert one["cd0_count_histogram"].sum() > 100, "the network is nearly silent"
    assert one["cm_count_covariance"].sum() > 100
    for n in (2, 3):
        many = run(n, tmp_path)
        assert sorted(many) == sorted(one)
        for key in one:
            np.testing.assert_array_equal(many[key], one[key], err_msg=f"{key} on {n} ranks")
