"""The long polychronization reproductions (notes seed-002, section 7),
through examples/polychronization/run.py; marked slow (pytest --run-slow).

- T4: the qualitative network, 600 s, 3 seeds, inside the notes' pass bands
  (~1 min each);
- T5: the group finder on the 600-s network (pivots 0..99) inside its bands;
- the full bitwise run: 18,000 s, then the original finder: exactly the
  paper's 4,305 groups and the original's final state (~30 min).
"""
import os
import sys

import pytest

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "examples", "polychronization")
sys.path.insert(0, EXAMPLE)
import run  # noqa: E402

pytestmark = pytest.mark.slow


def _finder_available():
    try:
        import pynestlite.analysis.polychronous  # noqa: F401
        return True
    except ImportError:
        return False


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_t4_qualitative_600s(seed, tmp_path):
    r = run.main(["--mode", "qualitative", "--seed", str(seed), "--seconds", "600",
                  "--pivots", "0", "--json", str(tmp_path / "r.json")])
    assert 2.0 <= r["rate_exc_hz"] <= 4.5
    assert 15.0 <= r["rate_inh_hz"] <= 35.0
    assert 30.0 <= r["spectral_peak_hz"] <= 45.0
    assert 0.25 <= r["ee_strong"] <= 0.42
    assert r["ee_weak"] >= 0.30
    assert r["ei_strong"] >= 0.85
    assert r["max_weight_delay_ms"] in (18, 19, 20)


@pytest.mark.skipif(not _finder_available(), reason="group finder not built")
def test_t5_groups_on_600s_network():
    r7 = run.main(["--mode", "qualitative", "--seed", "1", "--seconds", "600",
                   "--pivots", "100"])
    assert 10 <= r7["groups"] <= 150
    assert r7["group_layers_7_fraction"] > 0.3


@pytest.mark.skipif(not _finder_available(), reason="group finder not built")
def test_full_bitwise_run_gives_4305_groups(tmp_path):
    r = run.main(["--seconds", "18000", "--json", str(tmp_path / "full.json")])
    assert r["groups"] == 4305
    assert round(r["rate_exc_hz"], 2) == 4.01 and round(r["rate_inh_hz"], 1) == 31.2
    assert abs(r["spectral_peak_hz"] - 60.55) < 0.01
    assert r["max_weight_delay_ms"] == 13 and r["ei_strong"] == 1.0
