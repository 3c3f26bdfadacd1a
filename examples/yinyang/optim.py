"""Adam and a step learning-rate schedule for lists of numpy parameter arrays."""
import numpy as np


class Adam:
    """Adam (bias-corrected), updating a list of arrays in place.

        m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
        p <- p - lr (m / (1 - b1^k)) / (sqrt(v / (1 - b2^k)) + eps)

    Parameters
    ----------
    params : list of ndarray
        Parameters (their shapes fix the moment buffers).
    lr : float
        Learning rate (the ``lr`` attribute may be changed between steps).
    betas : (float, float)
        Decay rates b1, b2.
    eps : float
        Denominator offset.
    """

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        self.lr = lr
        self.b1, self.b2 = betas
        self.eps = eps
        self.k = 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def step(self, params, grads):
        """Apply one update to ``params`` (in place) with gradients ``grads``."""
        self.k += 1
        c1 = 1.0 - self.b1 ** self.k
        c2 = 1.0 - self.b2 ** self.k
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= self.b1
            m += (1.0 - self.b1) * g
            v *= self.b2
            v += (1.0 - self.b2) * g * g
            p -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


def step_lr(lr0, epoch, step_size, gamma):
    """Step schedule: lr = lr0 gamma^floor(epoch / step_size) (epoch counted from 0)."""
    return lr0 * gamma ** (epoch // step_size)
