"""Plausible wrong implementations of the Week 2 exercises."""

from tests.mutants import Mutant

MUTANTS = [
    # mse_loss
    Mutant("mse_loss", "sum instead of mean", '''
def mse_loss(y_pred, y):
    return float(np.sum((np.asarray(y_pred) - np.asarray(y)) ** 2))
''', visible=True),
    Mutant("mse_loss", "no shape check: (N, 1) against (N,) broadcasts silently", '''
def mse_loss(y_pred, y):
    return float(np.mean((np.asarray(y_pred, dtype=float) - np.asarray(y, dtype=float)) ** 2))
''', visible=False),
    Mutant("mse_loss", "mean absolute error", '''
def mse_loss(y_pred, y):
    y_pred, y = np.asarray(y_pred, dtype=float), np.asarray(y, dtype=float)
    if y_pred.shape != y.shape:
        raise ValueError("shapes differ")
    return float(np.mean(np.abs(y_pred - y)))
''', visible=True),
    # linear_regression_gradients
    Mutant("linear_regression_gradients", "forgets the factor 2", '''
def linear_regression_gradients(X, y, w, b):
    r = X @ w + b - y
    return X.T @ r / len(y), float(np.sum(r)) / len(y)
''', visible=True),
    Mutant("linear_regression_gradients", "leaves the bias out of the residual", '''
def linear_regression_gradients(X, y, w, b):
    r = X @ w - y
    return 2 * X.T @ r / len(y), 2 * float(np.sum(r)) / len(y)
''', visible=False),
    Mutant("linear_regression_gradients", "folds the bias into y in place", '''
def linear_regression_gradients(X, y, w, b):
    y -= b
    r = X @ w - y
    return 2 * X.T @ r / len(y), 2 * float(np.sum(r)) / len(y)
''', visible=False),
    Mutant("linear_regression_gradients", "residual with the wrong sign", '''
def linear_regression_gradients(X, y, w, b):
    r = y - (X @ w + b)
    return 2 * X.T @ r / len(y), 2 * float(np.sum(r)) / len(y)
''', visible=True),
    # sigmoid
    Mutant("sigmoid", "the textbook formula (overflows for large negative z)", '''
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
''', visible=False),
    Mutant("sigmoid", "np.where evaluates both branches (overflow warnings)", '''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
''', visible=False),
    Mutant("sigmoid", "exp(z) instead of exp(-z)", '''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.exp(-np.logaddexp(0.0, z))
''', visible=True),
    # binary_cross_entropy
    Mutant("binary_cross_entropy", "no clipping (log 0)", '''
def binary_cross_entropy(p, y, eps=1e-12):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    if p.shape != y.shape:
        raise ValueError("shapes differ")
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
''', visible=False),
    Mutant("binary_cross_entropy", "ignores eps (clips at a fixed 1e-7)", '''
def binary_cross_entropy(p, y, eps=1e-12):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    if p.shape != y.shape:
        raise ValueError("shapes differ")
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
''', visible=False),
    Mutant("binary_cross_entropy", "the two terms swapped", '''
def binary_cross_entropy(p, y, eps=1e-12):
    p, y = np.clip(np.asarray(p, dtype=float), eps, 1 - eps), np.asarray(y, dtype=float)
    return float(-np.mean((1 - y) * np.log(p) + y * np.log(1 - p)))
''', visible=True),
    Mutant("binary_cross_entropy", "sum instead of mean", '''
def binary_cross_entropy(p, y, eps=1e-12):
    p, y = np.clip(np.asarray(p, dtype=float), eps, 1 - eps), np.asarray(y, dtype=float)
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
''', visible=True),
    # logistic_regression_gradients
    Mutant("logistic_regression_gradients", "y - p instead of p - y", '''
def logistic_regression_gradients(X, y, w, b):
    d = (y - sigmoid(X @ w + b)) / len(y)
    return X.T @ d, float(np.sum(d))
''', visible=True),
    Mutant("logistic_regression_gradients", "forgets the bias in z", '''
def logistic_regression_gradients(X, y, w, b):
    d = (sigmoid(X @ w) - y) / len(y)
    return X.T @ d, float(np.sum(d))
''', visible=False),
    Mutant("logistic_regression_gradients", "unsimplified chain rule (0/0 at saturated p)", '''
def logistic_regression_gradients(X, y, w, b):
    p = sigmoid(X @ w + b)
    d = (-y / p + (1 - y) / (1 - p)) * p * (1 - p) / len(y)
    return X.T @ d, float(np.sum(d))
''', visible=False),
    Mutant("logistic_regression_gradients", "forgets to divide by N", '''
def logistic_regression_gradients(X, y, w, b):
    d = sigmoid(X @ w + b) - y
    return X.T @ d, float(np.sum(d))
''', visible=True),
    # numerical_gradient
    Mutant("numerical_gradient", "forward difference", '''
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    f0 = f(x)
    for i in np.ndindex(x.shape):
        old = x[i].copy()
        x[i] = old + eps
        grad[i] = (f(x) - f0) / eps
        x[i] = old
    return grad
''', visible=False),
    Mutant("numerical_gradient", "ignores the eps argument", '''
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i].copy()
        x[i] = old + 1e-5; fp = f(x)
        x[i] = old - 1e-5; fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / 2e-5
    return grad
''', visible=False),
    Mutant("numerical_gradient", "loops over rows only (1-D arrays)", '''
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros(len(x))
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + eps; fp = f(x)
        x[i] = old - eps; fm = f(x)
        x[i] = old
        grad[i] = np.sum((fp - fm) / (2 * eps))
    return grad
''', visible=False),
    Mutant("numerical_gradient", "forgets to restore x", '''
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i].copy()
        x[i] = old + eps; fp = f(x)
        x[i] = old - eps; fm = f(x)
        grad[i] = (fp - fm) / (2 * eps)
    return grad
''', visible=True),
    # relative_error
    Mutant("relative_error", "no 1e-8 floor (0/0 for zero gradients)", '''
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))
''', visible=False),
    Mutant("relative_error", "mean instead of max", '''
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
''', visible=False),
    Mutant("relative_error", "|a + b| in the denominator", '''
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a + b))))
''', visible=False),
    Mutant("relative_error", "divides by |a| only", '''
def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a))))
''', visible=True),
]
