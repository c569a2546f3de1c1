"""Plausible wrong implementations of the Week 1 exercises."""

from tests.mutants import Mutant

MUTANTS = [
    # make_xor
    Mutant(
        "make_xor",
        "labels in {0, 1} instead of {-1, +1}",
        """
def make_xor(n=200, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    c = rng.choice([-1.0, 1.0], size=(n, 2))
    return c + noise * rng.standard_normal((n, 2)), (c[:, 0] * c[:, 1] < 0).astype(int)
""",
        visible=True,
        names_it="0/1 labels",
    ),
    Mutant(
        "make_xor",
        "ignores the seed (global generator)",
        """
def make_xor(n=200, noise=0.1, seed=0):
    c = np.random.choice([-1.0, 1.0], size=(n, 2))
    return c + noise * np.random.standard_normal((n, 2)), np.where(c[:, 0] * c[:, 1] > 0, -1, 1)
""",
        visible=False,
    ),
    Mutant(
        "make_xor",
        "noise scaled by 10 (variance confused with std)",
        """
def make_xor(n=200, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    c = rng.choice([-1.0, 1.0], size=(n, 2))
    return c + np.sqrt(noise) * rng.standard_normal((n, 2)), np.where(c[:, 0] * c[:, 1] > 0, -1, 1)
""",
        visible=False,
    ),
    # perceptron_predict
    Mutant(
        "perceptron_predict",
        "a score of exactly 0 predicts -1",
        """
def perceptron_predict(X, w, b):
    return np.where(X @ w + b > 0, 1, -1)
""",
        visible=False,
    ),
    Mutant(
        "perceptron_predict",
        "bias subtracted",
        """
def perceptron_predict(X, w, b):
    return np.where(X @ w - b >= 0, 1, -1)
""",
        visible=True,
        names_it="subtract the bias",
    ),
    Mutant(
        "perceptron_predict",
        "returns booleans",
        """
def perceptron_predict(X, w, b):
    return X @ w + b >= 0
""",
        visible=True,
        names_it="booleans",
    ),
    Mutant(
        "perceptron_predict",
        "hard-coded visible answer",
        """
def perceptron_predict(X, w, b):
    return np.array([1, -1, 1])
""",
        visible=False,
    ),
    # perceptron_fit
    Mutant(
        "perceptron_fit",
        "stops as soon as accuracy is 100% (not after an epoch without mistakes)",
        """
def perceptron_fit(X, y, lr=1.0, epochs=100):
    w, b, history = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        for xi, yi in zip(X, y):
            if yi * (xi @ w + b) <= 0:
                w, b = w + lr * yi * xi, b + lr * yi
        history.append(float(np.mean(np.where(X @ w + b >= 0, 1, -1) == y)))
        if history[-1] == 1.0:
            break
    return w, b, history
""",
        visible=True,
        names_it="as soon as the accuracy reached 100%",
    ),
    Mutant(
        "perceptron_fit",
        "never stops early",
        """
def perceptron_fit(X, y, lr=1.0, epochs=100):
    w, b, history = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        for xi, yi in zip(X, y):
            if yi * (xi @ w + b) <= 0:
                w, b = w + lr * yi * xi, b + lr * yi
        history.append(float(np.mean(np.where(X @ w + b >= 0, 1, -1) == y)))
    return w, b, history
""",
        visible=True,
        names_it="stop after the first epoch without mistakes",
    ),
    Mutant(
        "perceptron_fit",
        "forgets the learning rate on the bias",
        """
def perceptron_fit(X, y, lr=1.0, epochs=100):
    w, b, history = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        m = 0
        for xi, yi in zip(X, y):
            if yi * (xi @ w + b) <= 0:
                w, b, m = w + lr * yi * xi, b + yi, m + 1
        history.append(float(np.mean(np.where(X @ w + b >= 0, 1, -1) == y)))
        if m == 0:
            break
    return w, b, history
""",
        visible=False,
    ),
    Mutant(
        "perceptron_fit",
        "strict < 0 mistake test (never leaves w = 0)",
        """
def perceptron_fit(X, y, lr=1.0, epochs=100):
    w, b, history = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        m = 0
        for xi, yi in zip(X, y):
            if yi * (xi @ w + b) < 0:
                w, b, m = w + lr * yi * xi, b + lr * yi, m + 1
        history.append(float(np.mean(np.where(X @ w + b >= 0, 1, -1) == y)))
        if m == 0:
            break
    return w, b, history
""",
        visible=True,
        names_it="not < 0",
    ),
    Mutant(
        "perceptron_fit",
        "folds lr into X in place",
        """
def perceptron_fit(X, y, lr=1.0, epochs=100):
    X *= lr  # the same updates as w += lr*y*x, but the caller's data is scaled
    w, b, history = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        m = 0
        for xi, yi in zip(X, y):
            if yi * (xi @ w + b) <= 0:
                w, b, m = w + yi * xi, b + lr * yi, m + 1
        history.append(float(np.mean(np.where(X / lr @ w + b >= 0, 1, -1) == y)))
        if m == 0:
            break
    return w, b, history
""",
        visible=False,
    ),
]
MUTANTS += [
    # xor_features
    Mutant(
        "xor_features",
        "returns only the product column",
        """
def xor_features(X):
    X = np.asarray(X, dtype=float)
    return X[:, 0] * X[:, 1]
""",
        visible=True,
        names_it="only the product",
    ),
    Mutant(
        "xor_features",
        "product column first",
        """
def xor_features(X):
    X = np.asarray(X, dtype=float)
    return np.column_stack([X[:, 0] * X[:, 1], X[:, 0], X[:, 1]])
""",
        visible=True,
    ),
    Mutant(
        "xor_features",
        "keeps the input's integer dtype",
        """
def xor_features(X):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"expected shape (N, 2), got {X.shape}")
    return np.c_[X, X[:, 0] * X[:, 1]]
""",
        visible=False,
    ),
    Mutant(
        "xor_features",
        "no shape check: an (N, 3) input silently gives (N, 4)",
        """
def xor_features(X):
    X = np.asarray(X, dtype=float)
    return np.c_[X, X[:, 0] * X[:, 1]]
""",
        visible=False,
    ),
]
