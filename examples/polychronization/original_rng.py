"""The random draws of Izhikevich's ``poly_spnet.cpp``, reproduced exactly.

The original program seeds glibc's ``rand()`` with ``srand(0)`` and draws,
in this order (Pauli et al. 2018; notes seed-002, Appendix B):

1. the 100 targets of every excitatory neuron i = 0..799 from all 1,000
   neurons (``floor(1000 * rand01())``, redrawn while equal to i or already
   chosen), synapse j having delay ``j // 5 + 1`` ms;
2. the 100 targets of every inhibitory neuron i = 800..999 from the 800
   excitatory ones (redrawn while already chosen), delay 1 ms;
3. the initial membrane potentials ``v = -65 + 10 * rand01()``, ``u = 0.2 v``;
4. one stimulated neuron per simulated millisecond, ``floor(1000 * rand01())``.

``rand01() = 0.9999999 * rand() / RAND_MAX`` (evaluated left to right in
double).  :class:`GlibcRandom` is glibc's TYPE_3 additive feedback generator
(``random_r``): state ``r[0] = seed`` (0 is taken as 1),
``r[i] = 16807 r[i-1] mod (2^31 - 1)`` for i = 1..30, ``r[i] = r[i-31]`` for
i = 31..33, then ``r[i] = r[i-31] + r[i-3] mod 2^32``; the k-th output is
``r[k + 344] >> 1``.  No C library is called: the numbers are the same on
any platform.
"""
import numpy as np

RAND_MAX = 2147483647
N_EXC, N_INH = 800, 200
N = N_EXC + N_INH
M = 100             # synapses per neuron
D = 20              # maximal delay (ms)


class GlibcRandom:
    """glibc's ``rand()`` after ``srand(seed)``, as a Python generator object.

    Parameters
    ----------
    seed : int
        The argument of ``srand`` (glibc uses 1 for 0).
    """

    def __init__(self, seed=0):
        seed = int(seed) & 0xFFFFFFFF
        if seed == 0:
            seed = 1
        r = [0] * 34
        r[0] = seed
        for i in range(1, 31):
            hi, lo = divmod(r[i - 1], 127773)
            word = 16807 * lo - 2836 * hi
            if word < 0:
                word += 2147483647
            r[i] = word
        for i in range(31, 34):
            r[i] = r[i - 31]
        self._r = r            # the last 34 values of the sequence
        self.calls = 0
        for _ in range(310):   # outputs start at r[344]
            self._next()

    def _next(self):
        r = self._r
        v = (r[-31] + r[-3]) & 0xFFFFFFFF
        r.append(v)
        del r[0]
        return v

    def rand(self):
        """The next ``rand()`` value (0 .. RAND_MAX)."""
        self.calls += 1
        return self._next() >> 1

    def rand01(self):
        """``0.9999999 * double(rand()) / RAND_MAX``, as the original computes it."""
        return (0.9999999 * float(self.rand())) / float(RAND_MAX)


def original_network(seed=0):
    """Connectivity, initial state and the RNG positioned for the stimulus.

    Returns
    -------
    dict
        ``post`` (int64 [1000, 100]: target of synapse j of neuron i),
        ``delay`` (int64 [1000, 100], ms), ``v0`` and ``u0`` (float64 [1000]),
        ``rng`` (the :class:`GlibcRandom`, ready to draw the stimulus) and
        ``calls`` (rand() calls the connectivity consumed).
    """
    rng = GlibcRandom(seed)
    post = np.empty((N, M), np.int64)
    for i in range(N_EXC):
        chosen = set()
        for j in range(M):
            while True:
                r = int(N * rng.rand01())
                if r != i and r not in chosen:
                    break
            chosen.add(r)
            post[i, j] = r
    for i in range(N_EXC, N):
        chosen = set()
        for j in range(M):
            while True:
                r = int(N_EXC * rng.rand01())
                if r not in chosen:
                    break
            chosen.add(r)
            post[i, j] = r
    calls = rng.calls
    delay = np.ones((N, M), np.int64)
    delay[:N_EXC] = np.arange(M) // (M // D) + 1
    v0 = np.array([-65.0 + 10.0 * rng.rand01() for _ in range(N)])
    return {"post": post, "delay": delay, "v0": v0, "u0": 0.2 * v0, "rng": rng,
            "calls": calls}


def stimulus(rng, n_ms):
    """The neurons the original stimulates in the next ``n_ms`` milliseconds."""
    return np.array([int(N * rng.rand01()) for _ in range(n_ms)], np.int64)
