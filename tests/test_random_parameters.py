"""nest.random parameters as Create/set values.

Statistical checks use 10 000 neurons and 5-sigma bands of the sampling
distribution of the mean (and of the standard deviation), so a correct
implementation fails with probability < 1e-6 per check while the streams are
deterministic anyway (fixed rng_seed).  Reproducibility checks are exact: a
value is a function of (rng_seed, call counter, node id) only.
"""
import math

import numpy as np
import pytest

import pynestlite as nest
from pynestlite.errors import BadParameter, BadProperty, KernelException

N = 10_000


@pytest.fixture(autouse=True)
def _reset():
    nest.ResetKernel()
    yield
    nest.ResetKernel()


def values(param, key="I_e", n=N, model="iaf_psc_alpha"):
    """Values of ``key`` of ``n`` new neurons created with ``param``."""
    return np.array(nest.Create(model, n, {key: param}).get(key))


def assert_mean_std(v, mean, std, mu4=None):
    """Sample mean and std within 5 sigma of their sampling distributions;
    ``mu4`` is the distribution's 4th central moment (normal: 3 std**4)."""
    n = len(v)
    assert abs(v.mean() - mean) < 5 * std / math.sqrt(n), (v.mean(), mean)
    mu4 = 3 * std ** 4 if mu4 is None else mu4
    sd_s = math.sqrt(max(mu4 - std ** 4, 0.0) / n) / (2 * std)
    assert abs(v.std() - std) < 5 * sd_s, (v.std(), std)


# ---------------------------------------------------------------------------
# distributions
def test_uniform():
    v = values(nest.random.uniform(-70.0, -60.0), "V_m")
    assert v.min() >= -70.0 and v.max() < -60.0
    w = 10.0
    assert_mean_std(v, -65.0, w / math.sqrt(12), mu4=w ** 4 / 80)
    d = values(nest.random.uniform())               # default [0, 1)
    assert d.min() >= 0.0 and d.max() < 1.0
    assert_mean_std(d, 0.5, 1 / math.sqrt(12), mu4=1 / 80)
    assert len(np.unique(d)) == N


def test_normal():
    v = values(nest.random.normal(mean=-65.0, std=2.0), "V_m")
    assert_mean_std(v, -65.0, 2.0)
    d = values(nest.random.normal())
    assert_mean_std(d, 0.0, 1.0)
    assert 3.0 < np.abs(d).max() < 6.0             # tails are present, not absurd


def test_lognormal():
    mu, sigma = 0.5, 0.5
    v = values(nest.random.lognormal(mean=mu, std=sigma), "tau_m")
    assert v.min() > 0.0
    assert_mean_std(np.log(v), mu, sigma)          # log of a lognormal is normal
    m = math.exp(mu + sigma ** 2 / 2)
    sd = math.sqrt((math.exp(sigma ** 2) - 1) * math.exp(2 * mu + sigma ** 2))
    assert abs(v.mean() - m) < 5 * sd / math.sqrt(N)


def test_exponential():
    beta = 2.0
    v = values(nest.random.exponential(beta=beta))
    assert v.min() >= 0.0
    assert_mean_std(v, beta, beta, mu4=9 * beta ** 4)
    # memorylessness: P(X > beta) = exp(-1)
    p = math.exp(-1)
    assert abs(np.mean(v > beta) - p) < 5 * math.sqrt(p * (1 - p) / N)


def test_uniform_int():
    v = values(100.0 + nest.random.uniform_int(10), "C_m")
    k = v - 100.0
    assert np.array_equal(k, np.round(k))
    assert set(np.unique(k)) == set(range(10))
    counts = np.bincount(k.astype(int), minlength=10)
    assert np.all(np.abs(counts - N / 10) < 5 * math.sqrt(N * 0.1 * 0.9))
    assert set(values(nest.random.uniform_int(1), n=20)) == {0.0}


def test_invalid_arguments_as_nest():
    # NEST 3.10 raises BadProperty for these ...
    for make in (lambda: nest.random.uniform(1.0, 1.0), lambda: nest.random.uniform(2.0, 1.0),
                 lambda: nest.random.normal(0.0, 0.0), lambda: nest.random.normal(0.0, -1.0),
                 lambda: nest.random.lognormal(0.0, -1.0), lambda: nest.random.uniform_int(0)):
        with pytest.raises(BadProperty):
            make()
    # ... and accepts any beta for exponential
    assert nest.random.exponential(0.0).GetValue() == 0.0


def test_get_value():
    p = nest.random.uniform(2.0, 3.0)
    a, b = p.GetValue(), p.GetValue()
    assert isinstance(a, float) and 2.0 <= a < 3.0 and 2.0 <= b < 3.0
    assert a != b
    assert isinstance(nest.random.uniform_int(5).GetValue(), float)


# ---------------------------------------------------------------------------
# arithmetic
def test_arithmetic_is_exact_on_the_same_draws():
    """With the same seed and call counter, an expression of one uniform is
    the same function of the same draws."""
    u = values(nest.random.uniform(), n=1000)
    cases = [(lambda p: 2 * p + 1, lambda x: 2 * x + 1),
             (lambda p: p * 2.0 - 3.0, lambda x: x * 2.0 - 3.0),
             (lambda p: 1 - p, lambda x: 1 - x),
             (lambda p: -p, lambda x: 0.0 - x),
             (lambda p: +p, lambda x: x),
             (lambda p: p / 4, lambda x: x / 4),
             (lambda p: 1.0 / (p + 1), lambda x: 1.0 / (x + 1)),
             (lambda p: p ** 2, lambda x: x ** 2),
             (lambda p: nest.math.exp(p), np.exp),
             (lambda p: nest.math.min(p, 0.5), lambda x: np.minimum(x, 0.5)),
             (lambda p: nest.math.max(p, 0.5), lambda x: np.maximum(x, 0.5))]
    for expr, f in cases:
        nest.ResetKernel()
        got = values(expr(nest.random.uniform()), n=1000)
        np.testing.assert_array_equal(got, f(u))


def test_arithmetic_statistics():
    v = values(2 * nest.random.uniform() + 1)
    assert v.min() >= 1.0 and v.max() < 3.0
    assert_mean_std(v, 2.0, 2 / math.sqrt(12), mu4=16 / 80)
    s = values(nest.random.normal(0.0, 1.0) ** 2)          # chi-square, 1 dof
    assert abs(s.mean() - 1.0) < 5 * math.sqrt(2 / N)
    c = values(nest.math.min(nest.random.normal(), 0.5))
    assert c.max() == 0.5
    p = 1 - 0.5 * (1 + math.erf(0.5 / math.sqrt(2)))
    assert abs(np.mean(c == 0.5) - p) < 5 * math.sqrt(p * (1 - p) / N)


def test_each_occurrence_draws_independently():
    """NEST: ``p + p`` adds two independent draws (std 0.408, not 0.577)."""
    q = nest.random.uniform()
    v = values(q + q)
    assert_mean_std(v, 1.0, math.sqrt(2 / 12), mu4=2.4 * (2 / 12) ** 2)
    d = values(q * 2 - q)                  # NEST 3.10: mean 0.5, std 0.644
    # 4th central moment of 2 U1 - U2: 16/80 + 6 (4/12)(1/12) + 1/80
    assert_mean_std(d, 0.5, math.sqrt(5 / 12), mu4=16 / 80 + 6 * (4 / 12) * (1 / 12) + 1 / 80)
    assert d.min() < 0.0 and d.max() > 1.0


def test_redraw():
    v = values(nest.math.redraw(nest.random.normal(), -0.5, 0.5))
    assert v.min() >= -0.5 and v.max() <= 0.5
    a = 0.5
    phi = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    z = math.erf(a / math.sqrt(2))
    std = math.sqrt(1 - 2 * a * phi / z)                 # truncated standard normal
    assert_mean_std(v, 0.0, std, mu4=3 * std ** 4)      # (a looser band than needed)
    with pytest.raises(KernelException):                 # NEST: at most 1000 redraws
        values(nest.math.redraw(nest.random.uniform(), 2.0, 3.0), n=3)


def test_comparison_and_conditional():
    from pynestlite.random import logic
    v = values(nest.random.uniform() < 0.3)
    assert set(np.unique(v)) == {0.0, 1.0}
    assert abs(v.mean() - 0.3) < 5 * math.sqrt(0.21 / N)
    c = values(logic.conditional(nest.random.uniform() < 0.5, -60.0, -70.0), "V_m", n=1000)
    assert set(np.unique(c)) == {-60.0, -70.0}


def test_nest_logic_namespace():
    assert hasattr(nest.logic, "conditional")


# ---------------------------------------------------------------------------
# reproducibility
def test_same_seed_same_values_different_seed_different():
    def run(seed):
        nest.ResetKernel()
        if seed is not None:
            nest.rng_seed = seed
        a = values(nest.random.normal(), n=100)
        b = values(nest.random.uniform(-70.0, -60.0), "V_m", n=100)
        return a, b

    a1, b1 = run(12345)
    a2, b2 = run(12345)
    assert np.array_equal(a1, a2) and np.array_equal(b1, b2)
    a3, b3 = run(54321)
    assert not np.any(a1 == a3) and not np.any(b1 == b3)
    d1, _ = run(None)                 # default seed = NEST's 143202461
    nest.ResetKernel()
    assert nest.rng_seed == 143202461
    d2, _ = run(143202461)
    assert np.array_equal(d1, d2) and not np.any(d1 == a1)


def test_value_is_a_function_of_seed_call_and_node_id():
    p = nest.random.normal(-65.0, 3.0)
    big = values(p, "V_m", n=50)
    nest.ResetKernel()
    small = values(p, "V_m", n=20)
    assert np.array_equal(big[:20], small)           # nodes created after don't matter
    nest.ResetKernel()
    nest.Create("iaf_psc_alpha", 30)                  # nodes created before (no draws)
    tail = values(p, "V_m", n=20)                     # ids 31..50
    assert np.array_equal(big[30:], tail)
    nest.ResetKernel()
    nest.Create("parrot_neuron", 10)
    nest.Create("spike_recorder")
    mixed = values(p, "V_m", n=39)                    # ids 12..50
    assert np.array_equal(big[11:], mixed)


def test_set_on_slices_and_composites_draws_by_node_id():
    p = nest.random.uniform(0.0, 100.0)
    n = nest.Create("iaf_psc_alpha", 40)
    n.set(I_e=p)
    full = np.array(n.I_e)
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 40)
    n[10:25].set(I_e=p)
    part = np.array(n.I_e)
    assert np.array_equal(part[10:25], full[10:25])
    assert np.all(part[:10] == 0.0) and np.all(part[25:] == 0.0)
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 40)
    n[::3].set(I_e=p)
    assert np.array_equal(np.array(n[::3].I_e), full[::3])


def test_call_counter_advances():
    p = nest.random.uniform()
    n = nest.Create("iaf_psc_alpha", 100)
    n.set(I_e=p)
    first = np.array(n.I_e)
    n.set(I_e=p)
    second = np.array(n.I_e)
    assert not np.any(first == second)
    nest.ResetKernel()                                # ResetKernel restarts the counter
    n = nest.Create("iaf_psc_alpha", 100)
    n.set(I_e=p)
    assert np.array_equal(np.array(n.I_e), first)


def test_create_parameter_builds_the_random_and_constant_parameters():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 200, {"V_m": nest.CreateParameter(
        "uniform", {"min": -70.0, "max": -60.0})})
    v = np.asarray(n.V_m)
    assert v.min() >= -70.0 and v.max() < -60.0 and v.std() > 2.0
    # the same draws as nest.random.uniform for the same seed and call order
    nest.ResetKernel()
    m = nest.Create("iaf_psc_alpha", 200, {"V_m": nest.random.uniform(-70.0, -60.0)})
    np.testing.assert_array_equal(np.asarray(m.V_m), v)
    c = nest.CreateParameter("constant", {"value": 2.5})
    assert c.GetValue() == 2.5 and (c * 2).GetValue() == 5.0
    for kind, specs in (("uniform", {"min": 0.0, "max": 0.0}), ("normal", {"mean": 0.0, "std": 0.0}),
                        ("lognormal", {"mean": 0.0, "std": -1.0}), ("wiener", {})):
        with pytest.raises(BadProperty):
            nest.CreateParameter(kind, specs)
    for kind, specs in (("normal", {"mean": 0.0, "sigma": 1.0}), ("lognormal", {"mu": 0.0})):
        with pytest.raises(nest.NESTErrors.UnaccessedDictionaryEntry):
            nest.CreateParameter(kind, specs)
    # the spatial types: parameters of positions, evaluated when connecting
    d = nest.CreateParameter("distance", {"dimension": 1})
    assert d.is_spatial() and not nest.random.uniform().is_spatial()
    with pytest.raises(nest.BadParameterValue, match="when connecting"):
        d.GetValue()


def test_constant_parameters_as_rule_values_and_no_parameter_powers():
    nest.ResetKernel()
    n = nest.Create("iaf_psc_alpha", 2)
    two = nest.CreateParameter("constant", {"value": 2.0})
    nest.Connect(n, n, {"rule": "fixed_indegree", "indegree": two})
    nest.Connect(n, n, {"rule": "pairwise_bernoulli", "p": two / 2})
    assert nest.num_connections == 8
    # a random p is drawn per pair (NEST): p >= 1 always connects
    nest.Connect(n, n, {"rule": "pairwise_bernoulli", "p": nest.random.uniform(1.0, 2.0)})
    assert nest.num_connections == 12
    with pytest.raises(TypeError):
        two ** two                          # NEST: a Parameter to a number's power only
    assert (two ** 3).GetValue() == 8.0
    with pytest.raises(BadProperty, match="min < max"):
        nest.math.redraw(nest.random.normal(), 1.5, 1.0)
