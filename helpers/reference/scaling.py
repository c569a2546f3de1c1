"""Fitting a scaling law (week 10): the reference answer of ``fit_power_law``.

a, b = fit_power_law(compute, loss)      # loss ~ a * compute ** b, b < 0 when the loss falls
"""

from __future__ import annotations

import numpy as np


def fit_power_law(x, y) -> tuple[float, float]:
    """Least squares on (log x, log y): returns ``(a, b)`` with ``y ~ a * x ** b``."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
        raise ValueError(f"need two 1D sequences of the same length (at least 2), got shapes {x.shape} and {y.shape}")
    if (x <= 0).any() or (y <= 0).any():
        raise ValueError("every x and y must be positive to take logarithms")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(np.exp(intercept)), float(slope)
