"""TripartiteConnect (third_factor_bernoulli_with_pool): pools, probability, errors."""
import collections

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import BadProperty, IllegalConnection

THIRD = "third_factor_bernoulli_with_pool"


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()


def _pairs(a, b):
    c = nest.GetConnections(a, b)
    return list(zip(c.source, c.target))


def _network(n_pre, n_post, n_third):
    return (nest.Create("parrot_neuron", n_pre), nest.Create("parrot_neuron", n_post),
            nest.Create("parrot_neuron", n_third))


def test_every_primary_connection_gets_one_third_factor_node_with_p_1():
    pre, post, third = _network(5, 4, 6)
    nest.TripartiteConnect(pre, post, third, {"rule": "all_to_all"},
                           {"rule": THIRD, "p": 1.0, "pool_size": 2})
    prim = _pairs(pre, post)
    t_in, t_out = _pairs(pre, third), _pairs(third, post)
    assert len(prim) == len(t_in) == len(t_out) == 20
    # each target draws from its own pool of two third-factor nodes
    pool = collections.defaultdict(set)
    for t, j in t_out:
        pool[j].add(t)
    assert all(len(v) <= 2 for v in pool.values())
    # third_in and third_out are made pairwise: per third node, as many in as out
    assert collections.Counter(t for _, t in t_in) == collections.Counter(t for t, _ in t_out)


@pytest.mark.parametrize("n_post, n_third, size", [(4, 2, 1), (2, 8, 4)])
def test_block_pools_are_consecutive_slices_of_third(n_post, n_third, size):
    pre, post, third = _network(3, n_post, n_third)
    nest.TripartiteConnect(pre, post, third, {"rule": "all_to_all"},
                           {"rule": THIRD, "pool_type": "block", "pool_size": size})
    tids, pids = third.tolist(), post.tolist()
    for t, j in _pairs(third, post):
        k = pids.index(j)
        first = k * size if size > 1 else k // (n_post // n_third)
        assert tids.index(t) in range(first, first + size)


def test_probability_of_a_third_factor_connection():
    pre, post, third = _network(40, 50, 10)
    nest.TripartiteConnect(pre, post, third, {"rule": "all_to_all"}, {"rule": THIRD, "p": 0.3})
    n = len(nest.GetConnections(third, post))
    # binomial(2000, 0.3): mean 600, s.d. 20.5; 5 s.d.
    assert abs(n - 600) < 103
    assert len(nest.GetConnections(pre, third)) == n


def test_same_seed_same_connections_and_other_seed_other_ones():
    def build(seed):
        nest.ResetKernel()
        nest.rng_seed = seed
        pre, post, third = _network(10, 10, 5)
        nest.TripartiteConnect(pre, post, third, {"rule": "pairwise_bernoulli", "p": 0.5},
                               {"rule": THIRD, "p": 0.5, "pool_size": 3})
        return _pairs(pre, post), _pairs(pre, third), _pairs(third, post)
    assert build(3) == build(3)
    assert build(3) != build(4)


def test_collocated_primary_synapses_count_once_and_parameters_apply():
    pre, post, third = _network(3, 2, 2)
    nest.TripartiteConnect(
        pre, post, third, {"rule": "all_to_all"}, {"rule": THIRD},
        {"primary": nest.CollocatedSynapses({"synapse_model": "static_synapse", "weight": 2.0},
                                            {"synapse_model": "tsodyks_synapse"}),
         "third_in": {"synapse_model": "static_synapse_hpc",
                      "weight": nest.random.uniform(0.5, 1.5)},
         "third_out": "tsodyks2_synapse"})
    assert len(nest.GetConnections(synapse_model="tsodyks_synapse")) == 6
    w = np.asarray(nest.GetConnections(synapse_model="static_synapse_hpc").weight)
    assert len(w) == 6 and np.all((w >= 0.5) & (w < 1.5)) and len(set(w)) == 6
    assert len(nest.GetConnections(synapse_model="tsodyks2_synapse")) == 6


@pytest.mark.parametrize("third_spec, conn_spec, exc, fragment", [
    ({"rule": "one_to_one"}, {"rule": "all_to_all"}, IllegalConnection,
     "unknown third-factor connection rule"),
    ({"rule": THIRD, "p": 1.5}, {"rule": "all_to_all"}, BadProperty, "p must be in [0, 1]"),
    ({"rule": THIRD, "pool_size": 9}, {"rule": "all_to_all"}, BadProperty, "pool_size"),
    ({"rule": THIRD, "pool_type": "ring"}, {"rule": "all_to_all"}, BadProperty, "pool_type"),
    ({"rule": THIRD, "pool_type": "block", "pool_size": 3}, {"rule": "all_to_all"}, BadProperty,
     "block pools do not fit"),
    ({"rule": THIRD}, {"rule": "one_to_one", "make_symmetric": True}, BadProperty,
     "make_symmetric"),
])
def test_bad_specifications_raise_and_connect_nothing(third_spec, conn_spec, exc, fragment):
    pre, post, third = _network(4, 4, 8)
    with pytest.raises(exc, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        nest.TripartiteConnect(pre, post, third, conn_spec, third_spec)
    assert len(nest.GetConnections()) == 0


def test_parameter_lists_are_refused():
    pre, post, third = _network(2, 2, 2)
    with pytest.raises(ValueError, match="parameter lists"):
        nest.TripartiteConnect(pre, post, third, {"rule": "all_to_all"}, {"rule": THIRD},
                               {"third_in": {"weight": [1.0, 2.0]}})
    assert len(nest.GetConnections()) == 0
