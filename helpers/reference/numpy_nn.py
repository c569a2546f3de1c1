"""A small neural-network library in numpy: Week 3's reference, imported by Week 4 and later.

Every layer has the same calling shape (as in CS231n's ``layers.py``):

    out = layer.forward(x)       # caches what backward needs
    dx = layer.backward(dout)    # returns dL/dx; a Linear layer also stores dW and db

and an ``MLP`` chains them: Linear -> activation -> ... -> Linear (no activation after the
last layer: it returns logits). ``softmax_cross_entropy`` turns logits and integer labels into
the mean loss and its gradient. ``iterate_minibatches``, ``sgd_step`` and ``train_mlp`` train it with
mini-batch SGD (``helpers.data.load_digits_split`` gives the digits data both weeks train on).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np


def _check_2d(x: np.ndarray, features: int, who: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != features:
        raise ValueError(f"{who} expects input of shape (N, {features}), got {x.shape}")
    return x


class Linear:
    """``y = x @ W + b`` with ``W`` (in_features, out_features) and ``b`` (out_features,).

    ``W`` is drawn from N(0, 2 / in_features) (He initialisation, suited to ReLU) with a
    generator seeded by ``seed``; ``b`` starts at zero.
    """

    def __init__(self, in_features: int, out_features: int, seed: int = 0):
        if in_features < 1 or out_features < 1:
            raise ValueError(f"Linear needs positive sizes, got ({in_features}, {out_features})")
        rng = np.random.default_rng(seed)
        self.W = rng.standard_normal((in_features, out_features)) * np.sqrt(2.0 / in_features)
        self.b = np.zeros(out_features)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.x = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = _check_2d(x, self.W.shape[0], "Linear.forward")
        return self.x @ self.W + self.b  # (N, out)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        if self.x is None:
            raise RuntimeError("Linear.backward called before forward")
        dout = _check_2d(dout, self.W.shape[1], "Linear.backward")
        self.dW = self.x.T @ dout  # (in, out)
        self.db = dout.sum(axis=0)  # (out,)
        return dout @ self.W.T  # (N, in)

    def __repr__(self) -> str:
        return f"Linear({self.W.shape[0]}, {self.W.shape[1]})"


class ReLU:
    """``max(0, x)``; the gradient passes where the input was positive."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.mask = np.asarray(x) > 0
        return np.where(self.mask, x, 0.0)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * self.mask

    def __repr__(self) -> str:
        return "ReLU()"


class Tanh:
    """``tanh(x)``; its derivative ``1 - tanh(x)^2`` is computed from the cached output."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * (1.0 - self.out**2)

    def __repr__(self) -> str:
        return "Tanh()"


ACTIVATIONS = {"relu": ReLU, "tanh": Tanh}


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross entropy of softmax(logits) against integer labels, and its gradient.

    Stable for large logits: the row maximum is subtracted before exponentiating.
    """
    logits = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y)
    if logits.ndim != 2:
        raise ValueError(f"logits should have shape (N, C), got {logits.shape}")
    if y.shape != (logits.shape[0],):
        raise ValueError(f"y should hold one class id per row of logits, shape ({logits.shape[0]},), got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"y should hold integer class ids, got dtype {y.dtype}")
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)  # (N, C), max 0 per row
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(n), y].mean()
    dlogits = np.exp(log_probs)  # softmax
    dlogits[np.arange(n), y] -= 1.0
    return float(loss), dlogits / n


class MLP:
    """``sizes = [D, H1, ..., C]``: Linear layers with an activation between them, logits out.

    Layer ``i`` (0-based among the Linear layers) is built with ``seed + i``.
    """

    def __init__(self, sizes: Sequence[int], activation: str = "relu", seed: int = 0):
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"an MLP needs at least an input and an output size, got sizes={sizes}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}")
        self.sizes = sizes
        self.activation = activation
        self.layers = []
        for i, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            self.layers.append(Linear(d_in, d_out, seed=seed + i))
            if i < len(sizes) - 2:
                self.layers.append(ACTIVATIONS[activation]())

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dlogits: np.ndarray) -> np.ndarray:
        d = dlogits
        for layer in reversed(self.layers):
            d = layer.backward(d)
        return d

    def linear_layers(self) -> list[Linear]:
        return [layer for layer in self.layers if isinstance(layer, Linear)]

    def params_and_grads(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for layer in self.linear_layers():
            yield layer.W, layer.dW
            yield layer.b, layer.db

    def __repr__(self) -> str:
        return "MLP(" + " -> ".join(map(repr, self.layers)) + ")"


# ----------------------------------------------------------------------------- training utilities


def iterate_minibatches(
    X: np.ndarray, y: np.ndarray, batch_size: int, seed: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X[idx], y[idx])`` for consecutive slices ``idx`` of ``batch_size`` indices of
    ``np.random.default_rng(seed).permutation(len(X))``: every sample exactly once per call, the
    last batch smaller when ``batch_size`` does not divide ``len(X)``. The batches are copies
    (fancy indexing); ``X`` and ``y`` are not modified. Bad arguments raise ``ValueError`` when
    the function is called (before the first batch).
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X and y should have the same length, got {len(X)} and {len(y)}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    order = np.random.default_rng(seed).permutation(len(X))

    def batches():
        for start in range(0, len(X), batch_size):
            idx = order[start : start + batch_size]
            yield X[idx], y[idx]

    return batches()


def sgd_step(model: MLP, lr: float) -> None:
    """Plain SGD: ``param -= lr * grad`` in place for every pair of ``model.params_and_grads()``."""
    for param, grad in model.params_and_grads():
        param -= lr * grad


def train_mlp(
    model: MLP, X: np.ndarray, y: np.ndarray, epochs: int, batch_size: int, lr: float, seed: int = 0
) -> list[float]:
    """Mini-batch SGD on the mean softmax cross-entropy, in place on ``model``.

    Epoch ``e`` visits ``iterate_minibatches(X, y, batch_size, seed + e)``; each batch is one
    forward, one backward and one ``sgd_step``. Returns one float per epoch: the mean of the
    batch losses weighted by batch size (the mean loss over the epoch's samples, each measured
    before the update its batch made).
    """
    losses = []
    for epoch in range(epochs):
        total, count = 0.0, 0
        for Xb, yb in iterate_minibatches(X, y, batch_size, seed + epoch):
            loss, dlogits = softmax_cross_entropy(model.forward(Xb), yb)
            model.backward(dlogits)
            sgd_step(model, lr)
            total += loss * len(yb)
            count += len(yb)
        losses.append(total / count)
    return losses


def accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(y)))


def evaluate(model: MLP, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(mean loss, accuracy) of ``model`` on ``(X, y)``."""
    logits = model.forward(X)
    loss, _ = softmax_cross_entropy(logits, y)
    return loss, accuracy(logits, y)


def minibatches(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Index arrays covering ``range(n)`` once in a random order, ``batch_size`` at a time
    (the last batch may be smaller). Older interface; ``iterate_minibatches`` is Week 3's exercise."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start : start + batch_size]


# The digits split moved to helpers.data (learners have it from day one); kept here for old imports.
from helpers.data import load_digits_split  # noqa: E402,F401
