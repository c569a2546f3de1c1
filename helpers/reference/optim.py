"""Optimizer updates written out in numpy (Week 2's reference; later weeks compare with them).

    w, velocity = momentum_step(w, grad, velocity, lr=0.1, beta=0.9)     # torch.optim.SGD(momentum=0.9)
    w, m, v = adam_step(w, grad, m, v, t, lr=1e-3)                        # torch.optim.Adam, t = 1, 2, ...

Both return new arrays and leave their arguments unmodified; in float64 they agree with
``torch.optim`` to about 1e-15 on the same gradient sequence (``tests/unit/test_helpers_optim.py``).
Week 8 explains AdamW's decoupled weight decay against ``adam_step``.
"""

from __future__ import annotations

import numpy as np


def _same_shape(w: np.ndarray, **others: np.ndarray) -> None:
    for name, a in others.items():
        if a.shape != w.shape:
            raise ValueError(f"{name} must have the shape of w {w.shape}, got {a.shape}")


def momentum_step(w, grad, velocity, lr: float, beta: float):
    """One heavy-ball step, as ``torch.optim.SGD(lr=lr, momentum=beta)`` (dampening 0, no Nesterov).

    ``velocity = beta * velocity + grad``; ``w = w - lr * velocity``. Returns ``(w, velocity)``.
    """
    w, grad, velocity = (np.asarray(a, dtype=np.float64) for a in (w, grad, velocity))
    _same_shape(w, grad=grad, velocity=velocity)
    velocity = beta * velocity + grad
    return w - lr * velocity, velocity


def adam_step(w, grad, m, v, t: int, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
    """One Adam step with bias correction, as ``torch.optim.Adam`` (no weight decay, no amsgrad).

    ``t`` is the 1-based number of this step. ``m``/``v`` are the running averages of the gradient
    and of its square (zeros before the first step). Returns ``(w, m, v)``.
    """
    if int(t) != t or t < 1:
        raise ValueError(f"t is the 1-based step number (1 on the first step), got {t}")
    w, grad, m, v = (np.asarray(a, dtype=np.float64) for a in (w, grad, m, v))
    _same_shape(w, grad=grad, m=m, v=v)
    m = beta1 * m + (1 - beta1) * grad  # first moment: running mean of the gradient
    v = beta2 * v + (1 - beta2) * grad * grad  # second moment: running mean of its square
    m_hat = m / (1 - beta1**t)  # undo the pull towards the zero start
    v_hat = v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
