import numpy as np
import pytest
import torch

from helpers.reference.optim import adam_step, momentum_step


def _grads(n=25, shape=(3, 2), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) * 10.0 ** rng.integers(-3, 3) for _ in range(n)]


@pytest.mark.parametrize("lr,beta", [(0.1, 0.9), (0.01, 0.5), (1.0, 0.0)])
def test_momentum_step_is_torch_sgd_with_momentum(lr, beta):
    w0 = np.random.default_rng(1).normal(size=(3, 2))
    p = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=beta)
    w, vel = w0.copy(), np.zeros_like(w0)
    for g in _grads():
        p.grad = torch.tensor(g)
        opt.step()
        w, vel = momentum_step(w, g, vel, lr, beta)
        assert np.max(np.abs(w - p.detach().numpy())) < 1e-12
    if beta:  # torch keeps no buffer without momentum
        assert np.max(np.abs(vel - opt.state[p]["momentum_buffer"].numpy())) < 1e-12


@pytest.mark.parametrize("lr,betas,eps", [(1e-3, (0.9, 0.999), 1e-8), (0.1, (0.5, 0.9), 1e-6)])
def test_adam_step_is_torch_adam(lr, betas, eps):
    w0 = np.random.default_rng(2).normal(size=(3, 2))
    p = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=lr, betas=betas, eps=eps)
    w, m, v = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
    for t, g in enumerate(_grads(), start=1):
        p.grad = torch.tensor(g)
        opt.step()
        w, m, v = adam_step(w, g, m, v, t, lr, *betas, eps)
        assert np.max(np.abs(w - p.detach().numpy())) < 1e-12
    state = opt.state[p]
    assert np.max(np.abs(m - state["exp_avg"].numpy())) < 1e-12
    assert np.max(np.abs(v - state["exp_avg_sq"].numpy())) < 1e-12


def test_steps_leave_their_arguments_alone_and_check_them():
    w, g, z = np.ones(3), np.full(3, 0.5), np.zeros(3)
    momentum_step(w, g, z, 0.1, 0.9)
    adam_step(w, g, z, z, 1, 0.1)
    assert np.array_equal(w, np.ones(3)) and np.array_equal(g, np.full(3, 0.5)) and not z.any()
    # the first Adam step moves every coordinate by about lr, whatever the gradient's scale
    w1, _, _ = adam_step(np.zeros(2), np.array([1e-3, 1e3]), np.zeros(2), np.zeros(2), 1, 0.1)
    assert np.allclose(w1, [-0.1, -0.1], atol=1e-5)
    with pytest.raises(ValueError, match="1-based"):
        adam_step(w, g, z, z, 0, 0.1)
    with pytest.raises(ValueError, match="shape"):
        momentum_step(w, g, np.zeros(2), 0.1, 0.9)
