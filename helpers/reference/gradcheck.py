"""Gradient checking with central finite differences (Week 2's reference; Weeks 3+ import it).

    num = numerical_gradient(lambda W: loss_of(W), W)      # same shape as W
    relative_error(num, analytic_grad)                       # expect < 1e-6 in float64

Run the check in float64 on a few small inputs: float32 round-off alone gives errors near 1e-3.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Central differences ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for every entry ``i`` of ``x``.

    ``x`` must be a float numpy array; it is perturbed in place one entry at a time (so ``f`` may
    close over the same array, e.g. a layer's weights) and restored exactly before returning.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"numerical_gradient needs a numpy array to perturb, got {type(x).__name__}")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"numerical_gradient needs a float array (use float64), got dtype {x.dtype}")
    if eps <= 0:
        raise ValueError(f"eps must be positive, got {eps}")
    grad = np.zeros_like(x, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i].copy()
        x[i] = old + eps
        f_plus = float(f(x))
        x[i] = old - eps
        f_minus = float(f(x))
        x[i] = old  # restore the exact original value
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b) -> float:
    """``max(|a - b| / max(1e-8, |a| + |b|))`` over all entries (CS231n's gradient-check error)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error needs arrays of the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def check_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, analytic: np.ndarray, eps: float = 1e-5) -> float:
    """Relative error between ``analytic`` and the numerical gradient of ``f`` at ``x``."""
    return relative_error(numerical_gradient(f, x, eps), analytic)
