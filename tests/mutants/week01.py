"""Week 1 (the perceptron): learners' mistakes, and honest answers written another way."""

from tests.mutants import Mutant, edit

MUTANTS = [
    # ------------------------------------------------------------------ make_xor
    Mutant(
        "make_xor",
        "labels in {0, 1} instead of {-1, +1}",
        edit(
            "y = np.where(corners[:, 0] * corners[:, 1] > 0, -1, 1).astype(np.int64)",
            "y = (corners[:, 0] * corners[:, 1] < 0).astype(np.int64)",
        ),
        visible=True,
        learner=True,
        names_it="0/1 labels",
    ),
    Mutant(
        "make_xor",
        "labels from the noisy point, not its corner",
        edit(
            """
            y = np.where(corners[:, 0] * corners[:, 1] > 0, -1, 1).astype(np.int64)
            X = corners + noise * rng.standard_normal((n, 2))
            """,
            """
            X = corners + noise * rng.standard_normal((n, 2))
            y = np.where(X[:, 0] * X[:, 1] > 0, -1, 1).astype(np.int64)
            """,
        ),
        visible=True,
        learner=True,
        names_it="label the corner",
    ),
    Mutant(
        "make_xor",
        "the global generator: the seed is ignored",
        edit(
            "rng = np.random.default_rng(seed)",
            "rng = np.random.default_rng()",
        ),
        visible=True,
        learner=True,
        names_it="same seed",
    ),
    Mutant(
        "make_xor",
        "noise taken as a variance",
        edit(
            "X = corners + noise * rng.standard_normal((n, 2))",
            "X = corners + np.sqrt(noise) * rng.standard_normal((n, 2))",
        ),
        visible=True,
        learner=True,
        names_it="not a variance",
    ),
    Mutant(
        "make_xor",
        "one draw for both coordinates of a corner",
        edit(
            "corners = rng.choice([-1.0, 1.0], size=(n, 2))",
            "corners = np.repeat(rng.choice([-1.0, 1.0], size=(n, 1)), 2, axis=1)",
        ),
        visible=True,
        learner=True,
        names_it="independently",
    ),
    Mutant(
        "make_xor",
        "the four corners in turn, not drawn (only the noise is random)",
        edit(
            "corners = rng.choice([-1.0, 1.0], size=(n, 2))",
            "corners = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])[np.arange(n) % 4]",
        ),
        visible=True,
        learner=True,
        names_it="draw the corners at random",
    ),
    Mutant(
        "make_xor",
        "always seed 0",
        edit("rng = np.random.default_rng(seed)", "rng = np.random.default_rng(0)"),
        visible=True,
    ),
    Mutant(
        "make_xor",
        "another default n (100, not 200)",
        """
def make_xor(n=100, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    corners = rng.choice([-1.0, 1.0], size=(n, 2))
    y = np.where(corners[:, 0] * corners[:, 1] > 0, -1, 1).astype(np.int64)
    X = corners + noise * rng.standard_normal((n, 2))
    return X, y
""",
        visible=False,
    ),
    # ------------------------------------------------------------------ perceptron_predict
    Mutant(
        "perceptron_predict",
        "a score of exactly 0 predicts -1",
        edit(
            "return np.where(scores >= 0, 1, -1).astype(np.int64)",
            "return np.where(scores > 0, 1, -1).astype(np.int64)",
        ),
        visible=True,
        learner=True,
        names_it=">= 0, not > 0",
    ),
    Mutant(
        "perceptron_predict",
        "np.sign of the score (0 for a score of 0)",
        edit("return np.where(scores >= 0, 1, -1).astype(np.int64)", "return np.sign(scores).astype(np.int64)"),
        visible=True,
        learner=True,
        names_it="np.sign returns 0",
    ),
    Mutant(
        "perceptron_predict",
        "bias subtracted",
        edit("scores = np.asarray(X) @ np.asarray(w) + b", "scores = np.asarray(X) @ np.asarray(w) - b"),
        visible=True,
        learner=True,
        names_it="subtract the bias",
    ),
    Mutant(
        "perceptron_predict",
        "returns booleans",
        edit("return np.where(scores >= 0, 1, -1).astype(np.int64)", "return scores >= 0"),
        visible=True,
        learner=True,
        names_it="booleans",
    ),
    Mutant(
        "perceptron_predict",
        "float labels",
        edit("return np.where(scores >= 0, 1, -1).astype(np.int64)", "return np.where(scores >= 0, 1.0, -1.0)"),
        visible=True,
        learner=True,
        names_it="integers",
    ),
    Mutant(
        "perceptron_predict",
        "a Python list of labels",
        edit(
            "return np.where(scores >= 0, 1, -1).astype(np.int64)",
            "return [1 if s >= 0 else -1 for s in scores]",
        ),
        visible=True,
        learner=True,
        names_it="numpy array",
    ),
    Mutant(
        "perceptron_predict",
        "0/1 labels from the comparison",
        edit("return np.where(scores >= 0, 1, -1).astype(np.int64)", "return (scores >= 0).astype(np.int64)"),
        visible=True,
        learner=True,
        names_it="0/1 integers",
    ),
    Mutant(
        "perceptron_predict",
        "hard-coded visible answer",
        """
def perceptron_predict(X, w, b):
    X = np.asarray(X)
    if X.shape == (2, 2):
        return np.array([1, 1]) if b == 0 else np.array([-1, -1])
    return np.array([1, -1, 1])
""",
        visible=False,
    ),
    # ------------------------------------------------------------------ perceptron_fit
    Mutant(
        "perceptron_fit",
        "stops as soon as accuracy is 100% (not after an epoch without mistakes)",
        edit("if mistakes == 0:", "if history[-1] == 1.0:"),
        visible=True,
        learner=True,
        names_it="as soon as the accuracy reached 100%",
    ),
    Mutant(
        "perceptron_fit",
        "never stops early",
        edit(
            """
            if mistakes == 0:
                break
            """,
            "",
        ),
        visible=True,
        learner=True,
        names_it="stop after the first epoch without mistakes",
    ),
    Mutant(
        "perceptron_fit",
        "strict < 0 mistake test (never leaves w = 0)",
        edit("if yi * (xi @ w + b) <= 0:", "if yi * (xi @ w + b) < 0:"),
        visible=True,
        learner=True,
        names_it="not < 0",
    ),
    Mutant(
        "perceptron_fit",
        "history holds the share of non-mistakes during the epoch",
        edit(
            "history.append(float(np.mean(np.where(X @ w + b >= 0, 1, -1) == y)))",
            "history.append(1.0 - mistakes / len(y))",
        ),
        visible=True,
        learner=True,
        names_it="measured after the epoch",
    ),
    Mutant(
        "perceptron_fit",
        "forgets the learning rate on the bias",
        edit("b = b + lr * yi", "b = b + yi"),
        visible=True,
        learner=True,
        names_it="b += lr * y_i",
    ),
    Mutant(
        "perceptron_fit",
        "never updates the bias",
        edit("b = b + lr * yi", ""),
        visible=True,
        learner=True,
    ),
    Mutant(
        "perceptron_fit",
        "one epoch too few (range(1, epochs))",
        edit("for _ in range(epochs):", "for _ in range(1, epochs):"),
        visible=True,
        learner=True,
        names_it="range(1, epochs)",
    ),
    Mutant(
        "perceptron_fit",
        "accuracy measured with np.sign (a score of 0 counts as wrong)",
        edit(
            "history.append(float(np.mean(np.where(X @ w + b >= 0, 1, -1) == y)))",
            "history.append(float(np.mean(np.sign(X @ w + b) == y)))",
        ),
        visible=True,
        learner=True,
        names_it="not with np.sign",
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
    # ------------------------------------------------------------------ xor_features
    Mutant(
        "xor_features",
        "returns only the product column",
        edit("return np.column_stack([X[:, 0], X[:, 1], product])", "return product"),
        visible=True,
        learner=True,
        names_it="only the product",
    ),
    Mutant(
        "xor_features",
        "product column first",
        edit(
            "return np.column_stack([X[:, 0], X[:, 1], product])",
            "return np.column_stack([product, X[:, 0], X[:, 1]])",
        ),
        visible=True,
        learner=True,
        names_it="in that order",
    ),
    Mutant(
        "xor_features",
        "dot product instead of the elementwise product",
        edit("product = X[:, 0] * X[:, 1]", "product = np.full(len(X), X[:, 0] @ X[:, 1])"),
        visible=True,
        learner=True,
        names_it="elementwise",
    ),
    Mutant(
        "xor_features",
        "keeps the input's integer dtype",
        edit("X = np.asarray(X, dtype=float)", "X = np.asarray(X)"),
        visible=True,
        learner=True,
        names_it="float",
    ),
    Mutant(
        "xor_features",
        "no shape check: an (N, 3) input silently gives (N, 4)",
        """
def xor_features(X):
    X = np.asarray(X, dtype=float)
    return np.c_[X, X[:, 0] * X[:, 1]]
""",
        visible=True,
        learner=True,
        names_it="ValueError",
    ),
    Mutant(
        "xor_features",
        "checks only the last axis: a single point (2,) or an (N, 2, 2) array passes",
        """
def xor_features(X):
    X = np.asarray(X, dtype=float)
    if X.shape[-1] != 2:
        raise ValueError(f"xor_features needs 2 columns, got shape {X.shape}")
    return np.concatenate([X, X[..., :1] * X[..., 1:]], axis=-1)
""",
        visible=True,
        learner=True,
        names_it="X.ndim == 2",
    ),
    Mutant(
        "xor_features",
        "hard-coded for three rows",
        edit(
            "return np.column_stack([X[:, 0], X[:, 1], product])",
            "return np.column_stack([X[:, 0], X[:, 1], product]) if len(X) in (0, 2, 3) else np.zeros((len(X), 3))",
        ),
        visible=False,
    ),
]

# Correct answers, written as another learner would.
HONEST = {
    "make_xor": """
def make_xor(n=200, noise=0.1, seed=0):
    gen = np.random.default_rng(seed)
    signs = gen.integers(0, 2, size=(n, 2)) * 2 - 1          # each coordinate -1 or +1
    labels = np.where(signs[:, 0] != signs[:, 1], 1, -1)      # different signs -> +1
    points = signs.astype(float) + gen.normal(0.0, noise, size=(n, 2))
    return points, labels.astype(int)
""",
    "perceptron_predict": """
def perceptron_predict(X, w, b):
    X = np.asarray(X, dtype=float)
    out = np.empty(len(X), dtype=int)
    for i, row in enumerate(X):
        s = float(np.dot(row, w)) + float(b)
        out[i] = 1 if s >= 0 else -1
    return out
""",
    "perceptron_fit": """
def perceptron_fit(X, y, lr=1.0, epochs=100):
    X = np.array(X, dtype=float)
    y = np.array(y)
    n, d = X.shape
    weights, bias, accs = np.zeros(d), 0.0, []
    for epoch in range(epochs):
        errors = 0
        for i in range(n):
            if y[i] * (np.dot(weights, X[i]) + bias) <= 0:
                weights += lr * y[i] * X[i]
                bias += lr * y[i]
                errors += 1
        preds = np.array([1 if np.dot(weights, x) + bias >= 0 else -1 for x in X])
        accs.append(float((preds == y).mean()))
        if errors == 0:
            break
    return weights, float(bias), accs
""",
    "xor_features": """
def xor_features(X):
    arr = np.array(X, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[-1] != 2:
        raise ValueError(f"expected an (N, 2) array, got shape {arr.shape}")
    return np.hstack([arr, (arr[:, 0] * arr[:, 1]).reshape(-1, 1)])
""",
}
