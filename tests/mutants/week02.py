"""Plausible wrong implementations of the Week 2 exercises."""

from tests.mutants import Mutant

MUTANTS = [
    # mse_loss
    Mutant(
        "mse_loss",
        "sum instead of mean",
        """
def mse_loss(y_pred, y):
    return float(np.sum((np.asarray(y_pred) - np.asarray(y)) ** 2))
""",
        visible=True,
        names_it="instead of averaging",
    ),
    Mutant(
        "mse_loss",
        "no shape check: (N, 1) against (N,) broadcasts silently",
        """
def mse_loss(y_pred, y):
    return float(np.mean((np.asarray(y_pred, dtype=float) - np.asarray(y, dtype=float)) ** 2))
""",
        visible=False,
    ),
    Mutant(
        "mse_loss",
        "mean absolute error",
        """
def mse_loss(y_pred, y):
    y_pred, y = np.asarray(y_pred, dtype=float), np.asarray(y, dtype=float)
    if y_pred.shape != y.shape:
        raise ValueError("shapes differ")
    return float(np.mean(np.abs(y_pred - y)))
""",
        visible=True,
    ),
    # linear_regression_gradients
    Mutant(
        "linear_regression_gradients",
        "forgets the factor 2",
        """
def linear_regression_gradients(X, y, w, b):
    r = X @ w + b - y
    return X.T @ r / len(y), float(np.sum(r)) / len(y)
""",
        visible=True,
        names_it="factor 2",
    ),
    Mutant(
        "linear_regression_gradients",
        "leaves the bias out of the residual",
        """
def linear_regression_gradients(X, y, w, b):
    r = X @ w - y
    return 2 * X.T @ r / len(y), 2 * float(np.sum(r)) / len(y)
""",
        visible=False,
    ),
    Mutant(
        "linear_regression_gradients",
        "folds the bias into y in place",
        """
def linear_regression_gradients(X, y, w, b):
    y -= b
    r = X @ w - y
    return 2 * X.T @ r / len(y), 2 * float(np.sum(r)) / len(y)
""",
        visible=False,
    ),
    Mutant(
        "linear_regression_gradients",
        "residual with the wrong sign",
        """
def linear_regression_gradients(X, y, w, b):
    r = y - (X @ w + b)
    return 2 * X.T @ r / len(y), 2 * float(np.sum(r)) / len(y)
""",
        visible=True,
        names_it="wrong sign",
    ),
    # sigmoid
    Mutant(
        "sigmoid",
        "the textbook formula (overflows for large negative z)",
        """
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
""",
        visible=False,
    ),
    Mutant(
        "sigmoid",
        "np.where evaluates both branches (overflow warnings)",
        """
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
""",
        visible=False,
    ),
    Mutant(
        "sigmoid",
        "exp(z) instead of exp(-z)",
        """
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.exp(-np.logaddexp(0.0, z))
""",
        visible=True,
        names_it="minus sign",
    ),
    # binary_cross_entropy
    Mutant(
        "binary_cross_entropy",
        "no clipping (log 0)",
        """
def binary_cross_entropy(p, y, eps=1e-12):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    if p.shape != y.shape:
        raise ValueError("shapes differ")
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
""",
        visible=False,
    ),
    Mutant(
        "binary_cross_entropy",
        "ignores eps (clips at a fixed 1e-7)",
        """
def binary_cross_entropy(p, y, eps=1e-12):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    if p.shape != y.shape:
        raise ValueError("shapes differ")
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
""",
        visible=False,
    ),
    Mutant(
        "binary_cross_entropy",
        "the two terms swapped",
        """
def binary_cross_entropy(p, y, eps=1e-12):
    p, y = np.clip(np.asarray(p, dtype=float), eps, 1 - eps), np.asarray(y, dtype=float)
    return float(-np.mean((1 - y) * np.log(p) + y * np.log(1 - p)))
""",
        visible=True,
        names_it="two terms swapped",
    ),
    Mutant(
        "binary_cross_entropy",
        "sum instead of mean",
        """
def binary_cross_entropy(p, y, eps=1e-12):
    p, y = np.clip(np.asarray(p, dtype=float), eps, 1 - eps), np.asarray(y, dtype=float)
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
""",
        visible=True,
        names_it="instead of the mean",
    ),
    # logistic_regression_gradients
    Mutant(
        "logistic_regression_gradients",
        "y - p instead of p - y",
        """
def logistic_regression_gradients(X, y, w, b):
    d = (y - sigmoid(X @ w + b)) / len(y)
    return X.T @ d, float(np.sum(d))
""",
        visible=True,
        names_it="wrong sign",
    ),
    Mutant(
        "logistic_regression_gradients",
        "forgets the bias in z",
        """
def logistic_regression_gradients(X, y, w, b):
    d = (sigmoid(X @ w) - y) / len(y)
    return X.T @ d, float(np.sum(d))
""",
        visible=False,
    ),
    Mutant(
        "logistic_regression_gradients",
        "unsimplified chain rule (0/0 at saturated p)",
        """
def logistic_regression_gradients(X, y, w, b):
    p = sigmoid(X @ w + b)
    d = (-y / p + (1 - y) / (1 - p)) * p * (1 - p) / len(y)
    return X.T @ d, float(np.sum(d))
""",
        visible=False,
    ),
    Mutant(
        "logistic_regression_gradients",
        "forgets to divide by N",
        """
def logistic_regression_gradients(X, y, w, b):
    d = sigmoid(X @ w + b) - y
    return X.T @ d, float(np.sum(d))
""",
        visible=True,
        names_it="divide by N",
    ),
    # numerical_gradient
    Mutant(
        "numerical_gradient",
        "forward difference",
        """
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    f0 = f(x)
    for i in np.ndindex(x.shape):
        old = x[i].copy()
        x[i] = old + eps
        grad[i] = (f(x) - f0) / eps
        x[i] = old
    return grad
""",
        visible=False,
    ),
    Mutant(
        "numerical_gradient",
        "ignores the eps argument",
        """
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i].copy()
        x[i] = old + 1e-5; fp = f(x)
        x[i] = old - 1e-5; fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / 2e-5
    return grad
""",
        visible=False,
    ),
    Mutant(
        "numerical_gradient",
        "loops over rows only (1-D arrays)",
        """
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros(len(x))
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + eps; fp = f(x)
        x[i] = old - eps; fm = f(x)
        x[i] = old
        grad[i] = np.sum((fp - fm) / (2 * eps))
    return grad
""",
        visible=False,
    ),
    Mutant(
        "numerical_gradient",
        "forgets to restore x",
        """
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i].copy()
        x[i] = old + eps; fp = f(x)
        x[i] = old - eps; fm = f(x)
        grad[i] = (fp - fm) / (2 * eps)
    return grad
""",
        visible=True,
        names_it="put the original value",
    ),
    # relative_error
    Mutant(
        "relative_error",
        "no 1e-8 floor (0/0 for zero gradients)",
        """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))
""",
        visible=False,
    ),
    Mutant(
        "relative_error",
        "mean instead of max",
        """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
""",
        visible=False,
    ),
    Mutant(
        "relative_error",
        "|a + b| in the denominator",
        """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a + b))))
""",
        visible=False,
    ),
    Mutant(
        "relative_error",
        "divides by |a| only",
        """
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a))))
""",
        visible=True,
        names_it="|a| only",
    ),
    # fit_linear_gd
    Mutant(
        "fit_linear_gd",
        "records the loss after the update",
        """
def fit_linear_gd(X, y, lr=0.1, steps=500):
    w, b, losses = np.zeros(X.shape[1]), 0.0, []
    for _ in range(steps):
        dw, db = linear_regression_gradients(X, y, w, b)
        w, b = w - lr * dw, b - lr * db
        losses.append(mse_loss(X @ w + b, y))
    return w, b, losses
""",
        visible=True,
        names_it="after the update",
    ),
    Mutant(
        "fit_linear_gd",
        "gradient ascent (adds the gradient)",
        """
def fit_linear_gd(X, y, lr=0.1, steps=500):
    w, b, losses = np.zeros(X.shape[1]), 0.0, []
    for _ in range(steps):
        losses.append(mse_loss(X @ w + b, y))
        dw, db = linear_regression_gradients(X, y, w, b)
        w, b = w + lr * dw, b + lr * db
    return w, b, losses
""",
        visible=True,
        names_it="instead of subtracting",
    ),
    Mutant(
        "fit_linear_gd",
        "no argument checks (lr <= 0 runs silently)",
        """
def fit_linear_gd(X, y, lr=0.1, steps=500):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w, b, losses = np.zeros(X.shape[1]), 0.0, []
    for _ in range(steps):
        losses.append(mse_loss(X @ w + b, y))
        dw, db = linear_regression_gradients(X, y, w, b)
        w, b = w - lr * dw, b - lr * db
    return w, b, losses
""",
        visible=False,
    ),
    Mutant(
        "fit_linear_gd",
        "float32 weights",
        """
def fit_linear_gd(X, y, lr=0.1, steps=500):
    if lr <= 0 or steps < 0:
        raise ValueError("bad arguments")
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w, b, losses = np.zeros(X.shape[1], dtype=np.float32), 0.0, []
    for _ in range(steps):
        losses.append(mse_loss(X @ w + b, y))
        dw, db = linear_regression_gradients(X, y, w, b)
        w, b = (w - lr * dw).astype(np.float32), b - lr * db
    return w, b, losses
""",
        visible=False,
    ),
    # fit_linear_sgd
    Mutant(
        "fit_linear_sgd",
        "drops the last, smaller batch",
        """
def fit_linear_sgd(X, y, lr, epochs, batch_size, seed=0):
    rng = np.random.default_rng(seed)
    w, b, losses = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y) - batch_size + 1, batch_size):
            idx = order[start:start + batch_size]
            losses.append(mse_loss(X[idx] @ w + b, y[idx]))
            dw, db = linear_regression_gradients(X[idx], y[idx], w, b)
            w, b = w - lr * dw, b - lr * db
    return w, b, losses
""",
        visible=True,
        names_it="drop the last batch",
    ),
    Mutant(
        "fit_linear_sgd",
        "samples batches with replacement",
        """
def fit_linear_sgd(X, y, lr, epochs, batch_size, seed=0):
    rng = np.random.default_rng(seed)
    w, b, losses = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        for start in range(0, len(y), batch_size):
            idx = rng.integers(0, len(y), size=min(batch_size, len(y) - start))
            losses.append(mse_loss(X[idx] @ w + b, y[idx]))
            dw, db = linear_regression_gradients(X[idx], y[idx], w, b)
            w, b = w - lr * dw, b - lr * db
    return w, b, losses
""",
        visible=True,
    ),
    Mutant(
        "fit_linear_sgd",
        "a new generator every epoch (the same order each epoch)",
        """
def fit_linear_sgd(X, y, lr, epochs, batch_size, seed=0):
    if lr <= 0 or epochs < 0 or batch_size < 1:
        raise ValueError("bad arguments")
    w, b, losses = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        order = np.random.default_rng(seed).permutation(len(y))
        for start in range(0, len(y), batch_size):
            idx = order[start:start + batch_size]
            losses.append(mse_loss(X[idx] @ w + b, y[idx]))
            dw, db = linear_regression_gradients(X[idx], y[idx], w, b)
            w, b = w - lr * dw, b - lr * db
    return w, float(b), losses
""",
        visible=False,
    ),
    Mutant(
        "fit_linear_sgd",
        "shuffles the caller's data in place",
        """
def fit_linear_sgd(X, y, lr, epochs, batch_size, seed=0):
    if lr <= 0 or epochs < 0 or batch_size < 1:
        raise ValueError("bad arguments")
    rng = np.random.default_rng(seed)
    w, b, losses = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        order = rng.permutation(len(y))
        X[:], y[:] = X[order], y[order]
        for start in range(0, len(y), batch_size):
            Xb, yb = X[start:start + batch_size], y[start:start + batch_size]
            losses.append(mse_loss(Xb @ w + b, yb))
            dw, db = linear_regression_gradients(Xb, yb, w, b)
            w, b = w - lr * dw, b - lr * db
    return w, float(b), losses
""",
        visible=False,
    ),
    # momentum_step
    Mutant(
        "momentum_step",
        "dampening (an exponential average of the gradients)",
        """
def momentum_step(w, grad, velocity, lr, beta):
    velocity = beta * velocity + (1 - beta) * grad
    return w - lr * velocity, velocity
""",
        visible=True,
        names_it="dampening",
    ),
    Mutant(
        "momentum_step",
        "the other textbook form (v = beta*v - lr*g)",
        """
def momentum_step(w, grad, velocity, lr, beta):
    velocity = beta * velocity - lr * grad
    return w + velocity, velocity
""",
        visible=True,
        names_it="other textbook form",
    ),
    Mutant(
        "momentum_step",
        "steps with the old velocity",
        """
def momentum_step(w, grad, velocity, lr, beta):
    return w - lr * velocity, beta * velocity + grad
""",
        visible=True,
        names_it="old velocity",
    ),
    Mutant(
        "momentum_step",
        "updates the caller's arrays in place",
        """
def momentum_step(w, grad, velocity, lr, beta):
    if grad.shape != w.shape or velocity.shape != w.shape:
        raise ValueError("shapes differ")
    velocity *= beta
    velocity += grad
    w -= lr * velocity
    return w, velocity
""",
        visible=False,
    ),
    Mutant(
        "momentum_step",
        "no shape check (a wrong-shaped velocity broadcasts)",
        """
def momentum_step(w, grad, velocity, lr, beta):
    velocity = beta * np.asarray(velocity, dtype=float) + grad
    return w - lr * velocity, velocity
""",
        visible=False,
    ),
    # adam_step
    Mutant(
        "adam_step",
        "no bias correction",
        """
def adam_step(w, grad, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    return w - lr * m / (np.sqrt(v) + eps), m, v
""",
        visible=True,
        names_it="bias correction",
    ),
    Mutant(
        "adam_step",
        "0-based t in the bias correction",
        """
def adam_step(w, grad, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat, v_hat = m / (1 - beta1 ** (t - 1)), v / (1 - beta2 ** (t - 1))
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
""",
        visible=True,
        names_it="1-based",
    ),
    Mutant(
        "adam_step",
        "returns the bias-corrected m_hat, v_hat as the state",
        """
def adam_step(w, grad, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m = (beta1 * m + (1 - beta1) * grad) / (1 - beta1 ** t)
    v = (beta2 * v + (1 - beta2) * grad ** 2) / (1 - beta2 ** t)
    return w - lr * m / (np.sqrt(v) + eps), m, v
""",
        visible=True,
    ),
    Mutant(
        "adam_step",
        "eps inside the square root",
        """
def adam_step(w, grad, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    if t < 1:
        raise ValueError("t is 1-based")
    if not grad.shape == m.shape == v.shape == w.shape:
        raise ValueError("shapes differ")
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return w - lr * m_hat / np.sqrt(v_hat + eps), m, v
""",
        visible=False,
    ),
    Mutant(
        "adam_step",
        "updates m and v in place",
        """
def adam_step(w, grad, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    if t < 1:
        raise ValueError("t is 1-based")
    if not grad.shape == m.shape == v.shape == w.shape:
        raise ValueError("shapes differ")
    m *= beta1; m += (1 - beta1) * grad
    v *= beta2; v += (1 - beta2) * grad ** 2
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
""",
        visible=False,
    ),
]
