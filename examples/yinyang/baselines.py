"""Non-spiking numpy baselines on the Yin-Yang data set.

* shallow: linear softmax classifier 4 -> 3,
* deep: ReLU network 4 -> H -> 3 (H = 30),
* frozen: the same with the first layer kept at its random initialisation.

All are trained with softmax cross-entropy, Adam (lr 0.01, betas (0.9, 0.999),
eps 1e-8), batch 20, 300 epochs by default; the initialisation is uniform in
+-1/sqrt(fan_in) for weights and biases.  The functions return the test
accuracy.
"""
import numpy as np

try:
    from . import dataset
except ImportError:
    import dataset


def _init_linear(rng, n_in, n_out):
    """Weights and bias ~ U(-1/sqrt(n_in), 1/sqrt(n_in))."""
    bound = 1.0 / np.sqrt(n_in)
    return rng.uniform(-bound, bound, (n_in, n_out)), rng.uniform(-bound, bound, n_out)


def _softmax_ce_grad(logits, labels):
    """Softmax cross-entropy: mean loss and dL/dlogits (mean over the batch).

        p = softmax(logits),  L = -mean_b log p_{b, y_b},  dL/dlogits = (p - onehot(y)) / B
    """
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    rows = np.arange(len(labels))
    loss = -np.mean(np.log(p[rows, labels]))
    p[rows, labels] -= 1.0
    return loss, p / len(labels)


def _forward(params, x, hidden):
    """Logits (and hidden activations): linear, or ReLU(x W0 + b0) W1 + b1."""
    if not hidden:
        return x @ params[0] + params[1], None
    h = np.maximum(x @ params[0] + params[1], 0.0)
    return h @ params[2] + params[3], h


def train_ann(train, test, hidden=30, freeze_first=False, epochs=300, batch_size=20, lr=0.01,
              betas=(0.9, 0.999), eps=1e-8, seed=0):
    """Train a (non-spiking) classifier on the features with Adam; return the test accuracy.

    Parameters
    ----------
    train, test : (features, labels)
        Data sets (features [N, 4]).
    hidden : int
        Hidden ReLU units (0: shallow linear classifier).
    freeze_first : bool
        Keep the first layer (weights and bias) at its random initialisation.
    epochs, batch_size, lr, betas, eps : training parameters
    seed : int
        Initialisation and shuffling seed.

    Returns
    -------
    float
        Test accuracy (argmax of the logits).
    """
    rng = np.random.default_rng(seed)
    x, y = train
    n_in, n_out = x.shape[1], int(y.max()) + 1
    if hidden:
        params = [*_init_linear(rng, n_in, hidden), *_init_linear(rng, hidden, n_out)]
    else:
        params = list(_init_linear(rng, n_in, n_out))
    trainable = [2, 3] if (hidden and freeze_first) else list(range(len(params)))
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2 = betas
    k = 0
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for s in range(0, len(y), batch_size):
            idx = order[s:s + batch_size]
            xb = x[idx]
            logits, h = _forward(params, xb, hidden)
            _, g = _softmax_ce_grad(logits, y[idx])
            if hidden:
                grads = [None, None, h.T @ g, g.sum(axis=0)]
                if not freeze_first:
                    gh = (g @ params[2].T) * (h > 0.0)
                    grads[0], grads[1] = xb.T @ gh, gh.sum(axis=0)
            else:
                grads = [xb.T @ g, g.sum(axis=0)]
            k += 1
            c1, c2 = 1.0 - b1 ** k, 1.0 - b2 ** k
            for i in trainable:
                m[i] = b1 * m[i] + (1.0 - b1) * grads[i]
                v[i] = b2 * v[i] + (1.0 - b2) * grads[i] ** 2
                params[i] -= lr * (m[i] / c1) / (np.sqrt(v[i] / c2) + eps)
    logits, _ = _forward(params, test[0], hidden)
    return float((logits.argmax(axis=1) == test[1]).mean())


def shallow(train, test, **kw):
    """Linear softmax classifier 4 -> 3; test accuracy."""
    return train_ann(train, test, hidden=0, **kw)


def deep(train, test, hidden=30, **kw):
    """ReLU network 4 -> hidden -> 3; test accuracy."""
    return train_ann(train, test, hidden=hidden, **kw)


def frozen(train, test, hidden=30, **kw):
    """ReLU network 4 -> hidden -> 3 with a frozen random first layer; test accuracy."""
    return train_ann(train, test, hidden=hidden, freeze_first=True, **kw)


def all_baselines(data=None, seed=0, **kw):
    """Shallow, deep and frozen test accuracies on the default (or given) splits."""
    data = dataset.splits() if data is None else data
    tr, te = data["train"], data["test"]
    return {"shallow": shallow(tr, te, seed=seed, **kw), "deep": deep(tr, te, seed=seed, **kw),
            "frozen": frozen(tr, te, seed=seed, **kw)}


if __name__ == "__main__":
    import time
    t = time.perf_counter()
    print(all_baselines(), f"{time.perf_counter() - t:.1f} s")
