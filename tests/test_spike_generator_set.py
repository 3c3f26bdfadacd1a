"""Setting the spike times of many spike_generators at once: rows that keep
the default options are put on the grid in one pass (``_grid_rows``); the
result must be the row-by-row path's exactly (forced here by naming an
option in the same call), including empty rows, rows whose first time is
below the previous row's last, and times that need rounding to the tic;
invalid rows are reported with the row-by-row path's errors."""
import numpy as np
import pytest

import pynestlite as nest


def _trains(rng, n=40):
    rows = []
    for k in range(n):
        if k in (0, 1, 17, n - 1):
            rows.append([])                      # empty rows, also leading and last
            continue
        t = np.sort(rng.choice(np.arange(1, 500), rng.randint(1, 30), replace=False)) * 0.1
        rows.append((t + rng.uniform(-1e-9, 1e-9, t.size)).tolist())   # within a tic
    return rows


def _set(rows, **options):
    nest.ResetKernel()
    nest.set(resolution=0.1)
    g = nest.Create("spike_generator", len(rows))
    g.set([dict({"spike_times": r}, **options) for r in rows])
    return g.get("spike_times")


def test_one_pass_equals_row_by_row():
    rows = _trains(np.random.RandomState(3))
    fast = _set(rows)
    slow = _set(rows, allow_offgrid_times=False)        # an option named: row by row
    assert len(fast) == len(rows)
    for f, s in zip(fast, slow):
        np.testing.assert_array_equal(np.asarray(f), np.asarray(s))
    assert sum(len(f) for f in fast) > 100


@pytest.mark.parametrize("bad, message", [
    ([1.0, 0.5], "sorted in non-descending order"),
    ([0.0, 1.0], "cannot be set to 0"),
    ([-1.0], "must be positive"),
    ([1.05], "not representable in current resolution"),
])
def test_invalid_rows_raise_the_row_by_row_errors(bad, message):
    rows = [[0.5, 0.7], bad, [0.2]]
    with pytest.raises(nest.NESTErrors.BadProperty, match=message):
        _set(rows)
