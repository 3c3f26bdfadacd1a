"""The 4-D Wilson-Cowan reduction of a PING network and its Hopf bifurcation
(Murray & O'Leary, seed 004, eqs. 25-27).

State (E, I, x_I, x_E): the population rates E, I (Hz) and the two recurrent
conductances in current units, x_I = g_e^I |E_ex - V_rest| on the I cells and
x_E = g_i^E (V_rest - E_in) on the E cells (pA, the seed's eq. 24 change of
variables):

    tau_E    dE/dt   = -E   + Phi_E(I_ext - x_E)
    tau_I    dI/dt   = -I   + Phi_I(x_I)
    tau_AMPA dx_I/dt = -x_I + W_EI E
    tau_GABA dx_E/dt = -x_E + W_IE I

Phi_E, Phi_I are sigmoids fitted to f-I curves measured with the simulator;
W_EI, W_IE (pA per Hz) are the lumped couplings of eqs. 12 and 24.  The
Jacobian at a fixed point is eq. 27; the Hopf drive I_ext* is the smallest
drive at which the leading complex pair crosses the imaginary axis, and
f* = Im(lambda) / 2 pi there.  Times are in ms (eigenvalues per ms).

Only numpy is used.
"""
from dataclasses import dataclass

import numpy as np


@dataclass
class Sigmoid:
    """r_max / (1 + exp(-(x - theta) / sigma)): a smooth f-I curve (Hz of pA)."""
    r_max: float
    theta: float
    sigma: float

    def __call__(self, x):
        u = (np.asarray(x, np.float64) - self.theta) / self.sigma
        return self.r_max * 0.5 * (1.0 + np.tanh(0.5 * u))

    def derivative(self, x):
        p = self(x) / self.r_max
        return self.r_max * p * (1.0 - p) / self.sigma

    @classmethod
    def fit(cls, x, y, iterations=200):
        """Least-squares fit to the points (x, y) by Levenberg-Marquardt.

        Raises
        ------
        ValueError
            With fewer than four points or no rise in ``y``.
        """
        x = np.asarray(x, np.float64)
        y = np.asarray(y, np.float64)
        if len(x) < 4 or np.ptp(y) <= 0:
            raise ValueError(f"Sigmoid.fit: need >= 4 points with a rise, got {len(x)} "
                             f"points spanning {np.ptp(y) if len(y) else 0} Hz")
        half = 0.5 * y.max()
        theta = float(x[np.argmin(np.abs(y - half))])
        p = np.array([1.2 * y.max(), theta, max(np.ptp(x) / 8.0, 1e-9)])
        lam = 1e-3

        def residual(q):
            return y - cls(*q)(x)

        cost = np.sum(residual(p) ** 2)
        for _ in range(iterations):
            r_max, th, sg = p
            u = (x - th) / sg
            s = 0.5 * (1.0 + np.tanh(0.5 * u))
            J = np.column_stack([s, -r_max * s * (1 - s) / sg, -r_max * s * (1 - s) * u / sg])
            A = J.T @ J
            g = J.T @ residual(p)
            while True:
                step = np.linalg.solve(A + lam * np.diag(np.diag(A) + 1e-12), g)
                q = p + step
                q[2] = max(q[2], 1e-9)
                c = np.sum(residual(q) ** 2)
                if c < cost:
                    p, cost, lam = q, c, lam / 3.0
                    break
                lam *= 4.0
                if lam > 1e12:
                    break
            if lam > 1e12 or np.max(np.abs(step)) < 1e-10 * (1 + np.max(np.abs(p))):
                break
        return cls(*map(float, p))


def kick_integral(h, tau, decay_first):
    """Time integral (ms) of the conductance that one spike of unit weight
    leaves in the zero-order-hold update of step h: h / (1 - a) if the step
    decays and then kicks (eq. 6), h a / (1 - a) if it kicks and then decays
    (eqs. 7-8), a = exp(-h / tau).  A rate r (Hz) of such kicks of weight w
    (nS) holds the mean conductance w r integral / 1000 (nS)."""
    a = np.exp(-h / tau)
    return h / (1.0 - a) if decay_first else h * a / (1.0 - a)


@dataclass
class PingMeanField:
    """Eqs. 25-27 for given gains and couplings (see the module docstring)."""
    phi_E: Sigmoid
    phi_I: Sigmoid
    W_EI: float          # pA per Hz of E rate (x_I = W_EI E at rest)
    W_IE: float          # pA per Hz of I rate
    tau_E: float         # ms
    tau_I: float
    tau_AMPA: float
    tau_GABA: float

    def fixed_point(self, I_ext):
        """The fixed point (E, I, x_I, x_E) at drive ``I_ext`` (pA): the
        unique root of E = Phi_E(I_ext - W_IE Phi_I(W_EI E)), by bisection
        (the right-hand side falls as E rises)."""
        def excess(E):
            return self.phi_E(I_ext - self.W_IE * self.phi_I(self.W_EI * E)) - E
        lo, hi = 0.0, float(self.phi_E.r_max)
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if excess(mid) > 0:
                lo = mid
            else:
                hi = mid
        E = 0.5 * (lo + hi)
        x_I = self.W_EI * E
        I = float(self.phi_I(x_I))
        return np.array([E, I, x_I, self.W_IE * I])

    def rhs(self, state, I_ext):
        """The right-hand side of eqs. 25-26 (per ms) at ``state`` =
        (E, I, x_I, x_E)."""
        E, I, x_I, x_E = state
        return np.array([(-E + self.phi_E(I_ext - x_E)) / self.tau_E,
                         (-I + self.phi_I(x_I)) / self.tau_I,
                         (-x_I + self.W_EI * E) / self.tau_AMPA,
                         (-x_E + self.W_IE * I) / self.tau_GABA])

    def jacobian(self, I_ext):
        """Eq. 27 at the fixed point of drive ``I_ext`` (per ms)."""
        E, I, x_I, x_E = self.fixed_point(I_ext)
        dE = float(self.phi_E.derivative(I_ext - x_E))
        dI = float(self.phi_I.derivative(x_I))
        tE, tI, tA, tG = self.tau_E, self.tau_I, self.tau_AMPA, self.tau_GABA
        return np.array([[-1 / tE, 0.0, 0.0, -dE / tE],
                         [0.0, -1 / tI, dI / tI, 0.0],
                         [self.W_EI / tA, 0.0, -1 / tA, 0.0],
                         [0.0, self.W_IE / tG, 0.0, -1 / tG]])

    def leading(self, I_ext):
        """The eigenvalue of largest real part with Im >= 0 (per ms)."""
        ev = np.linalg.eigvals(self.jacobian(I_ext))
        ev = ev[np.argsort(-ev.real)]
        return ev[0] if ev[0].imag >= 0 else np.conj(ev[0])

    def hopf(self, I_lo, I_hi, n=400):
        """The smallest drive in [I_lo, I_hi] (pA) at which the leading
        complex pair crosses into Re > 0, refined by bisection, and its
        frequency f* (Hz).

        Returns
        -------
        I_star, f_star : float
            ``nan`` for both when no crossing lies in the interval.
        """
        grid = np.linspace(I_lo, I_hi, n)
        re = np.array([self.leading(x).real for x in grid])
        up = np.flatnonzero((re[:-1] < 0) & (re[1:] >= 0))
        if len(up) == 0:
            return float("nan"), float("nan")
        lo, hi = grid[up[0]], grid[up[0] + 1]
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            if self.leading(mid).real < 0:
                lo = mid
            else:
                hi = mid
        lam = self.leading(hi)
        return float(hi), float(abs(lam.imag) / (2 * np.pi) * 1000.0)

    def trajectory(self, drives):
        """The four eigenvalues (per ms) at each drive (pA), [len, 4]."""
        return np.array([np.sort_complex(np.linalg.eigvals(self.jacobian(x)))
                         for x in drives])
