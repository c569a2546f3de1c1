"""Recurrent reference code of week 5 (the RNN cell, sampling) and the plumbing weeks 6-7 use
(a character-level language model with PyTorch's fused layers, parameter budgets).

Week 5 builds ``RNNCell`` and ``sample`` as exercises; week 6's answers (``LSTMCell``, gradient
clipping, the forget-gate bias, the recall task) are in ``helpers.reference.lstm``.

- ``RNNCell``: a tensor-op cell with the parameter names and shapes of ``torch.nn.RNNCell``, so
  weights copy across in either direction.
- ``CharLM``: embedding -> ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` -> linear head. It computes what
  an unrolled cell computes, with PyTorch's fused loops (much faster on a CPU).
- ``sample``: temperature sampling from any model whose ``forward(idx, h)`` returns ``(logits, h)``.
- ``count_parameters``, ``hidden_size_for_budget``: compare architectures at the same budget.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn


def _uniform_(t: torch.Tensor, hidden_size: int) -> torch.Tensor:
    bound = 1.0 / math.sqrt(hidden_size)  # torch's default init for its recurrent cells
    return nn.init.uniform_(t, -bound, bound)


def _check_input(x: torch.Tensor, h: torch.Tensor, input_size: int, hidden_size: int, name: str) -> None:
    if x.dim() != 2 or x.size(1) != input_size:
        raise ValueError(f"{name}: x should have shape (N, {input_size}), got {tuple(x.shape)}")
    if h.shape != (x.size(0), hidden_size):
        raise ValueError(f"{name}: the state should have shape ({x.size(0)}, {hidden_size}), got {tuple(h.shape)}")


class RNNCell(nn.Module):
    """``h_new = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``, as ``torch.nn.RNNCell``."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(_uniform_(torch.empty(hidden_size, input_size), hidden_size))  # (H, I)
        self.weight_hh = nn.Parameter(_uniform_(torch.empty(hidden_size, hidden_size), hidden_size))  # (H, H)
        self.bias_ih = nn.Parameter(_uniform_(torch.empty(hidden_size), hidden_size))
        self.bias_hh = nn.Parameter(_uniform_(torch.empty(hidden_size), hidden_size))

    def forward(self, x: torch.Tensor, h: torch.Tensor | None = None) -> torch.Tensor:
        if h is None:
            h = x.new_zeros(x.size(0), self.hidden_size)
        _check_input(x, h, self.input_size, self.hidden_size, "RNNCell")
        return torch.tanh(x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh)  # (N, H)


_LAYERS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class CharLM(nn.Module):
    """Character-level language model: embedding -> recurrent layer(s) -> linear head.

    ``forward(idx, h=None) -> (logits, h)`` with ``idx`` (N, T) token ids and ``logits`` (N, T, V);
    ``h`` is the recurrent state to carry into the next call (a tuple ``(h, c)`` for an LSTM).
    ``kind`` is ``"rnn"`` (tanh), ``"lstm"`` or ``"gru"``. ``forget_bias`` (LSTM only) sets the
    forget-gate biases so the cell starts by remembering (week 6's ``init_forget_bias``, which it
    calls; week 6's notebook uses the learner's own instead).
    """

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int,
        kind: str = "rnn",
        embed_size: int | None = None,
        num_layers: int = 1,
        forget_bias: float | None = None,
    ):
        super().__init__()
        if kind not in _LAYERS:
            raise ValueError(f"kind should be one of {sorted(_LAYERS)}, got {kind!r}")
        self.kind, self.vocab_size, self.hidden_size = kind, vocab_size, hidden_size
        embed_size = embed_size or hidden_size
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.rnn = _LAYERS[kind](embed_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)
        if forget_bias is not None:
            if kind != "lstm":
                raise ValueError("forget_bias applies to kind='lstm' only")
            from helpers.reference.lstm import init_forget_bias  # week 6's answer, imported only when asked for

            init_forget_bias(self.rnn, forget_bias)

    def forward(self, idx: torch.Tensor, h=None):
        if idx.dim() != 2:
            raise ValueError(f"idx should be (N, T) token ids, got shape {tuple(idx.shape)}")
        out, h = self.rnn(self.embed(idx), h)  # (N, T, H)
        return self.head(out), h  # (N, T, V)


@torch.no_grad()
def sample(
    model: nn.Module,
    prompt_ids,
    max_new_tokens: int,
    temperature: float = 1.0,
    generator: torch.Generator | None = None,
) -> list[int]:
    """Feed ``prompt_ids`` through ``model`` and draw ``max_new_tokens`` more tokens, one at a time,
    carrying the recurrent state. Returns the prompt followed by the new ids (a list of ints).

    The next-token distribution is ``softmax(logits / temperature)``. The draw happens on the
    generator's device (``torch.multinomial`` needs the probabilities and the generator on the same
    device): with a CPU ``torch.Generator`` the V probabilities are moved to the CPU, which also
    makes a seed give the same text on a CPU and a GPU; without a generator, on the model's device.
    """
    prompt = [int(i) for i in prompt_ids]
    if not prompt:
        raise ValueError("sample needs a prompt of at least one token")
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    out = list(prompt)
    logits, h = model(torch.tensor([prompt], device=device))
    for _ in range(max_new_tokens):
        probs = torch.softmax(logits[0, -1].float() / temperature, dim=-1)
        if generator is not None:
            probs = probs.to(generator.device)  # a CPU generator cannot draw from CUDA probabilities
        nxt = int(torch.multinomial(probs, 1, generator=generator))
        out.append(nxt)
        logits, h = model(torch.tensor([[nxt]], device=device), h)
    model.train(was_training)
    return out


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def hidden_size_for_budget(kind: str, vocab_size: int, budget: int, embed_size: int) -> int:
    """The largest hidden size whose ``CharLM(vocab_size, H, kind, embed_size)`` has at most
    ``budget`` parameters (solves the quadratic in H; checked by construction)."""
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[kind]
    # embed V*E + gates*(H*E + H*H + 2H) + head H*V + V
    a, b, c = gates, gates * (embed_size + 2) + vocab_size, vocab_size * embed_size + vocab_size - budget
    if c >= 0:
        raise ValueError(f"a budget of {budget} parameters does not even cover the embedding and output layers")
    H = int((-b + math.sqrt(b * b - 4 * a * c)) / (2 * a))
    while count_parameters(CharLM(vocab_size, H + 1, kind, embed_size)) <= budget:
        H += 1
    while H > 1 and count_parameters(CharLM(vocab_size, H, kind, embed_size)) > budget:
        H -= 1
    return H
