"""Attention reference code (week 7 on): scaled dot-product attention that returns its weights.

Week 7 builds ``scaled_dot_product_attention`` as an exercise; week 8 and later import it from
here. It computes what ``torch.nn.functional.scaled_dot_product_attention`` computes (boolean
masks: True where attending is allowed) and also returns the attention weights, which
PyTorch's fused function does not, so they can be plotted.
"""

from __future__ import annotations

import math

import torch


def scaled_dot_product_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``softmax(q k^T / sqrt(d) masked) v``.

    q (..., Tq, d), k (..., Tk, d), v (..., Tk, dv); ``mask`` boolean, broadcastable to
    (..., Tq, Tk), True where a query may attend to a key. Returns ``out`` (..., Tq, dv) and
    ``weights`` (..., Tq, Tk), which sum to 1 over the keys. A query whose every key is masked
    gets zero weights and a zero output, as PyTorch's function gives (instead of NaN).
    """
    if q.size(-1) != k.size(-1):
        raise ValueError(f"q and k need the same last dimension, got {q.size(-1)} and {k.size(-1)}")
    if k.size(-2) != v.size(-2):
        raise ValueError(f"k and v need the same number of keys, got {k.size(-2)} and {v.size(-2)}")
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))  # (..., Tq, Tk)
    if mask is not None:
        if mask.dtype != torch.bool:
            raise TypeError(f"mask should be boolean (True = may attend), got {mask.dtype}")
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)  # (..., Tq, Tk)
    if mask is not None:
        weights = weights.masked_fill(~mask.any(dim=-1, keepdim=True), 0.0)  # fully masked rows: 0, not NaN
    return weights @ v, weights  # (..., Tq, dv)
