"""pynestlite must reproduce NEST 3.10's results for every scenario.

The scenarios (tests/scenarios.py) are run with ``pynestlite`` in place of
``nest`` and compared with the arrays stored in tests/data/nest_reference.npz
(made with NEST by tests/data/make_nest_reference.py):

* spike times/senders, multimeter time stamps/senders, counts and final
  ``t_spike``: exactly equal;
* membrane potentials: ``assert_allclose(rtol=1e-9, atol=0)``
  (iaf_cond_exp: ``rtol=1e-6``), see ``scenarios.VM_RTOL``.

pynestlite is imported unconditionally on purpose: a package that fails to
import must make these tests fail, not skip.
"""

import os
import sys

import numpy as np
import pytest

import pynestlite

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
import scenarios  # noqa: E402

REFERENCE = os.path.join(HERE, "data", "nest_reference.npz")
SEP = "__"


def _load_reference():
    with np.load(REFERENCE) as npz:
        return {key: npz[key] for key in npz.files}


_REF = _load_reference()


def reference(name):
    prefix = name + SEP
    return {k[len(prefix):]: v for k, v in _REF.items() if k.startswith(prefix)}


def _where(got, key, idx):
    """Describe element ``idx`` of array ``key`` by its sender and time."""
    if key.endswith("V_m") and not key.endswith("final_V_m"):
        base = key[: -len("V_m")]
        t = got.get(base + "vm_times")
        s = got.get(base + "vm_senders")
        if t is not None and s is not None and idx < len(t):
            return f" (sender {int(s[idx])}, t = {float(t[idx])!r} ms)"
    return ""


def _align_multimeter(got, ref):
    """Drop pynestlite's multimeter samples that NEST has not handed out yet.

    NEST passes multimeter data to the device one min_delay slice late, so
    after ``Simulate(T)`` it has only the samples up to the last completed
    slice before T; pynestlite hands out every sample up to T.  The samples
    both have must be identical; the extra ones must all be later than NEST's
    last sample.
    """
    got = dict(got)
    for key in ref:
        if not key.endswith("vm_times"):
            continue
        base = key[: -len("vm_times")]
        n_ref = len(ref[key])
        t = np.asarray(got.get(key, []))
        if len(t) <= n_ref:
            continue
        last = ref[key].max() if n_ref else -np.inf
        keep = t <= last
        assert keep.sum() == n_ref, f"{key}: samples up to NEST's last one differ in number"
        for k in (base + "vm_times", base + "vm_senders", base + "V_m"):
            if k in got:
                got[k] = np.asarray(got[k])[keep]
    for key in ref:
        if key.endswith("n_vm_after_call"):
            a, r = np.asarray(got[key]), ref[key]
            assert np.all(a >= r), f"{key}: fewer multimeter samples than NEST: {a} < {r}"
            got[key] = r
    return got


def assert_matches(name, got, ref):
    got = _align_multimeter(got, ref)
    assert sorted(got) == sorted(ref), (
        f"{name}: result keys differ from the reference: "
        f"missing {sorted(set(ref) - set(got))}, extra {sorted(set(got) - set(ref))}")
    rtol = scenarios.vm_rtol(name)
    # exact quantities first (spike times are the most telling), then V_m
    keys = sorted(ref, key=lambda k: (scenarios.is_vm_key(k),
                                      not k.endswith("_times"), k))
    for key in keys:
        expected = ref[key]
        actual = np.asarray(got[key])
        assert actual.shape == expected.shape, (
            f"{name}: {key} has shape {actual.shape}, NEST {expected.shape}"
            + (f"\n  pynestlite: {actual}\n  NEST:       {expected}"
               if expected.size < 50 and actual.size < 50 else ""))
        if scenarios.is_vm_key(key):
            bad = ~np.isclose(actual, expected, rtol=rtol, atol=0.0)
            bad |= np.isnan(actual) != np.isnan(expected)
            where = ""
            if bad.any():
                i = int(np.argmax(bad))
                where = (f"first mismatch at index {i}{_where(got, key, i)}: "
                         f"{float(actual[i])!r} vs NEST {float(expected[i])!r}")
            np.testing.assert_allclose(actual, expected, rtol=rtol, atol=0.0,
                                       err_msg=f"{name}: {key} {where}")
        else:
            np.testing.assert_array_equal(actual, expected,
                                          err_msg=f"{name}: {key}")


def test_reference_is_complete():
    stored = [str(s) for s in _REF["meta" + SEP + "scenarios"]]
    assert sorted(stored) == sorted(scenarios.SCENARIOS), (
        "nest_reference.npz is stale: rerun tests/data/make_nest_reference.py")
    assert str(_REF["meta" + SEP + "nest_version"]) == "3.10.0"


@pytest.mark.parametrize("name", sorted(scenarios.SCENARIOS))
def test_scenario_matches_nest(name):
    ref = reference(name)
    assert ref, f"no NEST reference for {name}: rerun make_nest_reference.py"
    got = scenarios.run_scenario(pynestlite, name)
    assert_matches(name, got, ref)


def test_split_simulate_is_seamless():
    """Several Simulate calls must be bitwise equal to one 150 ms call."""
    got = scenarios.run_scenario(pynestlite, "split_simulate")
    for variant in scenarios.SPLIT_VARIANTS:
        for key in got:
            if key.startswith("single_") and not key.endswith("n_vm_after_call"):
                np.testing.assert_array_equal(
                    got[variant + key[len("single_"):]], got[key],
                    err_msg=f"{variant} differs from single_ in {key}")
