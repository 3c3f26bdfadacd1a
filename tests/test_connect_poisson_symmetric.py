"""The rules pairwise_poisson and symmetric_pairwise_bernoulli (NEST's
semantics; the draws are pynestlite's, so counts are checked in bands)."""
import collections
import math

import numpy as np
import pytest

import pynestlite as nest


@pytest.fixture(autouse=True)
def reset():
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": 11})


def pairs(a, b):
    c = nest.GetConnections(a, b).get(["source", "target"])
    return list(zip(np.atleast_1d(c["source"]).tolist(), np.atleast_1d(c["target"]).tolist()))


def test_pairwise_poisson_counts():
    a = nest.Create("iaf_psc_alpha", 80)
    b = nest.Create("iaf_psc_alpha", 60)
    lam = 0.7
    nest.Connect(a, b, {"rule": "pairwise_poisson", "pairwise_avg_num_conns": lam})
    per_pair = collections.Counter(pairs(a, b))
    n_pairs = 80 * 60
    total = sum(per_pair.values())
    assert abs(total - n_pairs * lam) < 4 * math.sqrt(n_pairs * lam)
    # the number of connections per pair is Poisson(lam): P(0) and P(2)
    zero = n_pairs - len(per_pair)
    two = sum(1 for v in per_pair.values() if v == 2)
    for k, seen in ((0, zero), (2, two)):
        p = math.exp(-lam) * lam ** k / math.factorial(k)
        assert abs(seen - n_pairs * p) < 4 * math.sqrt(n_pairs * p * (1 - p)), (k, seen)


def test_pairwise_poisson_checks_and_autapses():
    a = nest.Create("iaf_psc_alpha", 30)
    with pytest.raises(nest.BadProperty, match="Multapses must be allowed"):
        nest.Connect(a, a, {"rule": "pairwise_poisson", "pairwise_avg_num_conns": 1.0,
                            "allow_multapses": False})
    with pytest.raises(nest.BadProperty, match="pairwise_avg_num_conns required"):
        nest.Connect(a, a, {"rule": "pairwise_poisson", "pairwise_avg_num_conns": -1.0})
    assert nest.GetKernelStatus("num_connections") == 0
    nest.Connect(a, a, {"rule": "pairwise_poisson", "pairwise_avg_num_conns": 3.0,
                        "allow_autapses": False})
    assert all(s != t for s, t in pairs(a, a))
    assert nest.GetKernelStatus("num_connections") > 2000


def test_symmetric_pairwise_bernoulli():
    a = nest.Create("iaf_psc_alpha", 200)
    p = 0.1
    nest.Connect(a, a, {"rule": "symmetric_pairwise_bernoulli", "p": p,
                        "allow_autapses": False, "make_symmetric": True},
                 {"weight": 2.0, "delay": 1.5})
    c = collections.Counter(pairs(a, a))
    # every connection has its reverse, as often
    assert all(c[(t, s)] == n for (s, t), n in c.items())
    assert all(s != t for s, t in c)
    # each target chooses Binomial(200, p) partners, each choice is made both ways
    total = sum(c.values())
    mean = 2 * 200 * 200 * p
    assert abs(total - mean) < 4 * math.sqrt(2 * 2 * 200 * 200 * p * (1 - p))
    w = nest.GetConnections(a, a).get("weight")
    assert set(w) == {2.0}


@pytest.mark.parametrize("spec, message", [
    ({"p": 0.1, "allow_autapses": True, "make_symmetric": True}, "Autapses must be disabled"),
    ({"p": 0.1, "allow_autapses": False, "make_symmetric": False},
     "Symmetric connections must be enabled"),
    ({"p": 0.1, "allow_autapses": False, "make_symmetric": True, "allow_multapses": False},
     "Multapses must be enabled"),
    ({"p": 1.0, "allow_autapses": False, "make_symmetric": True}, "0 <= p < 1"),
])
def test_symmetric_pairwise_bernoulli_checks(spec, message):
    a = nest.Create("iaf_psc_alpha", 10)
    with pytest.raises(nest.BadProperty, match=message):
        nest.Connect(a, a, dict(spec, rule="symmetric_pairwise_bernoulli"))
    assert nest.GetKernelStatus("num_connections") == 0


def test_spatial_pairwise_poisson_in_mask():
    layer = nest.Create("iaf_psc_alpha", positions=nest.spatial.grid(shape=[20, 20]))
    nest.Connect(layer, layer, {"rule": "pairwise_poisson", "pairwise_avg_num_conns": 2.0,
                                "mask": {"circular": {"radius": 0.12}}})
    c = nest.GetConnections(layer, layer)
    assert max(c.distance) <= 0.12 + 1e-12
    pos = np.array(nest.GetPosition(layer))
    d = np.sqrt(((pos[:, None, :] - pos[None, :, :]) ** 2).sum(-1))
    n_pairs = int((d <= 0.12).sum())
    assert abs(len(c) - 2.0 * n_pairs) < 4 * math.sqrt(2.0 * n_pairs)
