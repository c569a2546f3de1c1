"""Week 6's reference answers: the LSTM cell (tensor ops and numpy, with its backward pass), the
forget-gate bias initialisation, gradient clipping by global norm, and the long-lag recall task.

- ``LSTMCell``: parameter names, shapes and gate order (input, forget, cell g, output) of
  ``torch.nn.LSTMCell``, so weights copy across in either direction.
- ``lstm_cell_numpy`` / ``lstm_cell_backward_numpy``: one step forward and its gradients in numpy.
- ``init_forget_bias``: forget-gate biases of an ``LSTMCell`` or ``nn.LSTM`` so that
  ``b_ih + b_hh == value`` on the forget block.
- ``clip_grad_norm``: what ``torch.nn.utils.clip_grad_norm_`` does (global L2 norm).
- ``make_recall_task``: rows of random tokens whose label is the first one, ``lag`` steps back.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn

from helpers.reference.rnn import _check_input, _uniform_


class LSTMCell(nn.Module):
    """``torch.nn.LSTMCell`` with tensor ops: gates input, forget, cell (g), output, in that order."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        H = hidden_size
        self.weight_ih = nn.Parameter(_uniform_(torch.empty(4 * H, input_size), H))  # (4H, I)
        self.weight_hh = nn.Parameter(_uniform_(torch.empty(4 * H, H), H))  # (4H, H)
        self.bias_ih = nn.Parameter(_uniform_(torch.empty(4 * H), H))
        self.bias_hh = nn.Parameter(_uniform_(torch.empty(4 * H), H))

    def forward(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None):
        if state is None:
            z = x.new_zeros(x.size(0), self.hidden_size)
            state = (z, z)
        h, c = state
        _check_input(x, h, self.input_size, self.hidden_size, "LSTMCell")
        gates = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh  # (N, 4H)
        i, f, g, o = gates.chunk(4, dim=1)  # 4 x (N, H)
        c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h_new = torch.sigmoid(o) * torch.tanh(c_new)
        return h_new, c_new


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def lstm_cell_numpy(x, h, c, W_ih, W_hh, b_ih, b_hh):
    """One LSTM step in numpy: ``x`` (N, I), ``h``, ``c`` (N, H), ``W_ih`` (4H, I), ``W_hh`` (4H, H),
    biases (4H,). Returns ``(h_new, c_new)``, both (N, H)."""
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh  # (N, 4H)
    i, f, g, o = np.split(gates, 4, axis=1)
    c_new = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    return _sigmoid(o) * np.tanh(c_new), c_new


def lstm_cell_backward_numpy(dh_new, dc_new, x, h, c, W_ih, W_hh, b_ih, b_hh):
    """Gradients of one LSTM step: from the upstream ``dh_new``, ``dc_new`` (N, H) and the step's
    inputs, return ``(dx, dh, dc, dW_ih, dW_hh, db)``; ``db`` (4H,) is the gradient of ``b_ih``
    (and equally of ``b_hh``)."""
    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    a_i, a_f, a_g, a_o = np.split(gates, 4, axis=1)
    i, f, g, o = _sigmoid(a_i), _sigmoid(a_f), np.tanh(a_g), _sigmoid(a_o)
    c_new = f * c + i * g
    tc = np.tanh(c_new)
    dc_total = dc_new + dh_new * o * (1 - tc**2)  # c_new reaches the loss directly and through h_new
    do = dh_new * tc
    di, df, dg = dc_total * g, dc_total * c, dc_total * i
    dgates = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], axis=1)
    return (dgates @ W_ih, dgates @ W_hh, dc_total * f, dgates.T @ x, dgates.T @ h, dgates.sum(axis=0))


def init_forget_bias(lstm: nn.Module, value: float = 1.0) -> nn.Module:
    """Set the forget-gate block (rows H:2H) of every ``bias_ih*`` parameter to ``value`` and of every
    ``bias_hh*`` to 0, in place, so the forget gate starts at ``sigmoid(value)``. Works for an
    ``LSTMCell`` (``bias_ih``, ``bias_hh``) and an ``nn.LSTM`` of any depth (``bias_ih_l0`` ...)."""
    H = lstm.hidden_size
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            if name.startswith("bias_ih"):
                p[H : 2 * H] = value
            elif name.startswith("bias_hh"):
                p[H : 2 * H] = 0.0
    return lstm


def clip_grad_norm(parameters, max_norm: float) -> torch.Tensor:
    """Scale all gradients in place so their global L2 norm is at most ``max_norm``; return the norm
    before clipping (a 0-dim tensor), as ``torch.nn.utils.clip_grad_norm_``."""
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    total = torch.sqrt(sum((g.detach().double() ** 2).sum() for g in grads)).to(grads[0].dtype)
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g.detach().mul_(coef.to(g.dtype))
    return total


def make_recall_task(n: int, lag: int, vocab_size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``x`` (n, lag + 1) random tokens in ``[0, vocab_size)`` and ``y = x[:, 0]`` (n,): the token a
    model must output after reading the row, seen ``lag`` steps before the last one."""
    if n < 1 or lag < 1 or vocab_size < 2:
        raise ValueError(
            f"make_recall_task needs n >= 1, lag >= 1 and vocab_size >= 2; got n={n}, lag={lag}, "
            f"vocab_size={vocab_size}"
        )
    x = torch.randint(vocab_size, (n, lag + 1), generator=torch.Generator().manual_seed(seed))
    return x, x[:, 0].clone()
