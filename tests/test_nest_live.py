"""Guard against stale reference data: re-run the scenarios on NEST.

Runs tests/data/make_nest_reference.py in a *subprocess* (NEST and pynestlite
must never be imported into the same process, and another test module in
this session imports pynestlite) and requires the fresh output to equal
tests/data/nest_reference.npz bit for bit.

Skipped when NEST is not installed for this interpreter.  Availability is
checked with ``importlib.util.find_spec`` rather than
``pytest.importorskip("nest")`` because importorskip would import NEST into
the pytest process.
"""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

if importlib.util.find_spec("nest") is None:
    pytest.skip("NEST (PyNEST) is not installed for this interpreter",
                allow_module_level=True)

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE = os.path.join(HERE, "data", "make_nest_reference.py")
REFERENCE = os.path.join(HERE, "data", "nest_reference.npz")


def _load(path):
    with np.load(path) as npz:
        return {key: npz[key] for key in npz.files}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("nest_live") / "nest_fresh.npz")
    proc = subprocess.run([sys.executable, MAKE, "--out", out],
                          cwd=os.path.dirname(HERE), capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, (
        f"make_nest_reference.py failed ({proc.returncode}):\n"
        f"--- stdout ---\n{proc.stdout[-5000:]}\n--- stderr ---\n{proc.stderr[-5000:]}")
    return _load(out)


@pytest.fixture(scope="module")
def stored():
    return _load(REFERENCE)


def test_same_nest_version(fresh, stored):
    assert str(fresh["meta__nest_version"]) == str(stored["meta__nest_version"]), (
        "installed NEST differs from the one the reference data was made with")


def test_same_keys(fresh, stored):
    assert sorted(fresh) == sorted(stored), (
        "scenario outputs changed: rerun tests/data/make_nest_reference.py")


def _stored_scenarios():
    with np.load(REFERENCE) as npz:
        return sorted({key.split("__", 1)[0] for key in npz.files} - {"meta"})


@pytest.mark.parametrize("name", _stored_scenarios())
def test_stored_data_is_current(fresh, stored, name):
    keys = sorted(k for k in stored if k.startswith(name + "__"))
    assert keys
    for key in keys:
        assert key in fresh, f"{key} no longer produced"
        np.testing.assert_array_equal(fresh[key], stored[key], err_msg=key)
