import numpy as np
import pytest
import torch

from helpers.data import load_digits_split
from helpers.reference import numpy_nn
from helpers.reference.gradcheck import numerical_gradient, relative_error
from helpers.reference.numpy_nn import (
    MLP,
    Linear,
    ReLU,
    Tanh,
    accuracy,
    evaluate,
    iterate_minibatches,
    minibatches,
    sgd_step,
    softmax_cross_entropy,
    train_mlp,
)


def test_linear_forward_backward_and_init():
    lin = Linear(50, 40, seed=3)
    assert lin.W.shape == (50, 40) and lin.b.shape == (40,)
    assert np.all(lin.b == 0)
    assert lin.W.std() == pytest.approx(np.sqrt(2 / 50), rel=0.1)
    assert np.array_equal(Linear(50, 40, seed=3).W, lin.W)
    assert not np.allclose(Linear(50, 40, seed=4).W, lin.W)
    rng = np.random.default_rng(0)
    small = Linear(3, 2, seed=0)
    x = rng.normal(size=(4, 3))
    dout = rng.normal(size=(4, 2))
    assert np.allclose(small.forward(x), x @ small.W + small.b)
    dx = small.backward(dout)
    f = lambda _: float(np.sum(small.forward(x) * dout))
    assert relative_error(numerical_gradient(f, x), dx) < 1e-8
    assert relative_error(numerical_gradient(f, small.W), small.dW) < 1e-8
    assert relative_error(numerical_gradient(f, small.b), small.db) < 1e-8


def test_linear_rejects_bad_shapes():
    lin = Linear(3, 2)
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        lin.forward(np.zeros((4, 5)))
    with pytest.raises(RuntimeError):
        Linear(3, 2).backward(np.zeros((1, 2)))


@pytest.mark.parametrize("act, ref", [(ReLU, lambda x: np.maximum(x, 0)), (Tanh, np.tanh)])
def test_activations(act, ref):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 4)) + 0.01  # keep away from ReLU's kink
    dout = rng.normal(size=(5, 4))
    layer = act()
    assert np.allclose(layer.forward(x), ref(x))
    dx = layer.backward(dout)
    num = numerical_gradient(lambda v: float(np.sum(ref(v) * dout)), x)
    assert relative_error(num, dx) < 1e-8


def test_softmax_cross_entropy_matches_torch_and_is_stable():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(6, 5)) * 3
    y = rng.integers(0, 5, size=6)
    loss, dlogits = softmax_cross_entropy(logits, y)
    t = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(t, torch.tensor(y))
    ref.backward()
    assert loss == pytest.approx(ref.item(), abs=1e-12)
    assert np.allclose(dlogits, t.grad.numpy(), atol=1e-12)
    big_loss, big_grad = softmax_cross_entropy(logits * 1000, y)
    assert np.isfinite(big_loss) and np.all(np.isfinite(big_grad))
    with pytest.raises(ValueError):
        softmax_cross_entropy(logits, y[:3])
    with pytest.raises(TypeError):
        softmax_cross_entropy(logits, y.astype(float))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_mlp_structure_and_gradients(activation):
    mlp = MLP([4, 6, 5, 3], activation=activation, seed=1)
    kinds = [type(layer).__name__ for layer in mlp.layers]
    assert kinds == [
        "Linear",
        {"relu": "ReLU", "tanh": "Tanh"}[activation],
        "Linear",
        {"relu": "ReLU", "tanh": "Tanh"}[activation],
        "Linear",
    ]
    assert [l.W.shape for l in mlp.linear_layers()] == [(4, 6), (6, 5), (5, 3)]
    assert np.array_equal(mlp.linear_layers()[1].W, Linear(6, 5, seed=2).W)  # layer i uses seed + i
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(7, 4)), rng.integers(0, 3, size=7)
    loss, dl = softmax_cross_entropy(mlp.forward(x), y)
    mlp.backward(dl)
    pairs = list(mlp.params_and_grads())
    assert len(pairs) == 6
    for p, g in pairs:
        g = g.copy()
        num = numerical_gradient(lambda _: softmax_cross_entropy(mlp.forward(x), y)[0], p)
        assert relative_error(num, g) < 1e-6


def test_mlp_errors():
    with pytest.raises(ValueError, match="activation"):
        MLP([2, 3], activation="sigmoid")
    with pytest.raises(ValueError):
        MLP([2])


def test_training_utilities_learn_digits_quickly():
    d = load_digits_split()
    assert d["X_train"].shape[1] == 64 and d["X_train"].max() <= 1.0
    sizes = sum(len(d[k]) for k in ("y_train", "y_val", "y_test"))
    assert sizes == 1797 and len(d["y_test"]) == 360
    assert np.array_equal(load_digits_split()["y_test"], d["y_test"])  # seeded split
    batches = list(minibatches(10, 4, np.random.default_rng(0)))
    assert [len(b) for b in batches] == [4, 4, 2] and sorted(np.concatenate(batches)) == list(range(10))
    mlp = MLP([64, 64, 10], seed=0)
    rng = np.random.default_rng(0)
    for _ in range(5):
        for idx in minibatches(len(d["y_train"]), 32, rng):
            _, dl = softmax_cross_entropy(mlp.forward(d["X_train"][idx]), d["y_train"][idx])
            mlp.backward(dl)
            sgd_step(mlp, 0.1)
    loss, acc = evaluate(mlp, d["X_val"], d["y_val"])
    assert acc > 0.85 and loss < 0.6
    assert accuracy(np.eye(3), np.array([0, 1, 1])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        load_digits_split(val_fraction=0.5, test_fraction=0.6)


def test_load_digits_split_lives_in_helpers_data():
    assert numpy_nn.load_digits_split is load_digits_split  # the old import path still works


def test_iterate_minibatches_is_a_seeded_permutation():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    X0, y0 = X.copy(), y.copy()
    batches = list(iterate_minibatches(X, y, 4, seed=3))
    assert [len(b) for _, b in batches] == [4, 4, 2]
    seen = np.concatenate([b for _, b in batches])
    assert np.array_equal(seen, np.random.default_rng(3).permutation(10))
    for Xb, yb in batches:
        assert np.array_equal(Xb, X0[yb])
    assert np.array_equal(X, X0) and np.array_equal(y, y0)
    assert [len(b) for _, b in iterate_minibatches(X, y, 50, 0)] == [10]
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError):
            iterate_minibatches(X, y, bad, 0)
    with pytest.raises(ValueError):
        iterate_minibatches(X, y[:-1], 4, 0)


def test_sgd_step_updates_in_place():
    mlp = MLP([3, 4, 2], seed=0)
    x, y = np.random.default_rng(0).normal(size=(5, 3)), np.array([0, 1, 0, 1, 1])
    _, dl = softmax_cross_entropy(mlp.forward(x), y)
    mlp.backward(dl)
    W = mlp.layers[0].W
    before = [(p.copy(), g.copy()) for p, g in mlp.params_and_grads()]
    assert sgd_step(mlp, 0.5) is None
    assert mlp.layers[0].W is W
    for (p, g), (p0, g0) in zip(mlp.params_and_grads(), before):
        assert np.allclose(p, p0 - 0.5 * g0) and np.array_equal(g, g0)


def test_train_mlp_epochs_split_and_learn():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(60, 4)), rng.integers(0, 3, size=60)
    X0 = X.copy()
    a, b = MLP([4, 16, 3], seed=2), MLP([4, 16, 3], seed=2)
    la = train_mlp(a, X, y, 5, 8, 0.2, seed=4)
    lb = [train_mlp(b, X, y, 1, 8, 0.2, seed=4 + e)[0] for e in range(5)]
    assert la == lb and len(la) == 5 and all(isinstance(v, float) for v in la)
    assert la[-1] < la[0]
    assert np.array_equal(X, X0)
    assert train_mlp(a, X, y, 0, 8, 0.2) == []
