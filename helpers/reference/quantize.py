"""Int8 weight quantization (week 9): symmetric, per output channel, weights only.

    q, scale = quantize_int8(w)              # w (out, in) float -> q (out, in) int8, scale (out, 1) float32
    w_hat = dequantize_int8(q, scale)         # (out, in) float32, |w_hat - w| <= scale / 2 per row
    small = quantize_model(model)             # a copy of model with every nn.Linear an Int8Linear

Each channel (a row of an ``nn.Linear`` weight: one output feature) gets its own scale
``absmax / 127``; values are divided by it, rounded to the nearest integer and clamped to
``[-127, 127]`` (the symmetric range: -128 is never used). An all-zero channel gets scale 1.
``Int8Linear`` keeps only the int8 weight and the float32 scales and bias, and dequantizes the
weight on the fly in ``forward`` (PyTorch has no int8 x float matrix product on the CPU), so it
saves memory, not time. Used by ``helpers.cli.generate --int8``.
"""

from __future__ import annotations

import copy

import torch
import torch.nn as nn
import torch.nn.functional as F

QMAX = 127  # symmetric int8: [-127, 127]


def quantize_int8(w: torch.Tensor, axis: int | None = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric int8 quantization of ``w`` with one scale per slice along ``axis``.

    ``axis`` is the dimension that indexes the channels (0: the rows of an ``nn.Linear`` weight,
    its output features); ``axis=None`` uses one scale for the whole tensor (per-tensor). Returns
    ``(q, scale)``: ``q`` int8 of ``w``'s shape, ``scale`` float32 with ``w``'s number of
    dimensions, size 1 everywhere except along ``axis`` (so ``q * scale`` broadcasts). The scale
    of a channel is its largest absolute value / 127, or 1 for an all-zero channel. ``w`` is not
    modified and no autograd graph is kept.
    """
    w = w.detach()
    if not w.is_floating_point():
        raise ValueError(f"quantize_int8 takes a float tensor, got {w.dtype}")
    if axis is None:
        absmax = w.abs().amax().reshape([1] * w.dim())  # (1, ..., 1)
    else:
        axis = axis % w.dim()
        others = [d for d in range(w.dim()) if d != axis]
        absmax = w.abs().amax(dim=others, keepdim=True) if others else w.abs()  # size 1 except along axis
    scale = torch.where(absmax > 0, absmax / QMAX, torch.ones_like(absmax)).float()
    q = torch.clamp(torch.round(w.float() / scale), -QMAX, QMAX).to(torch.int8)
    return q, scale


def dequantize_int8(q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """The float32 tensor ``q * scale`` stands for (``scale`` broadcasts over ``q``)."""
    return q.to(torch.float32) * scale


class Int8Linear(nn.Module):
    """A linear layer with int8 weights: ``y = x @ dequantize(qweight, scale).T + bias``.

    Buffers: ``qweight`` (out, in) int8, ``scale`` (out, 1) float32, ``bias`` (out,) float32 or None.
    """

    def __init__(self, qweight: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor | None) -> None:
        super().__init__()
        if qweight.dtype != torch.int8 or qweight.dim() != 2:
            raise ValueError(
                f"qweight should be a 2-D int8 tensor, got {qweight.dtype} of shape {tuple(qweight.shape)}"
            )
        self.out_features, self.in_features = qweight.shape
        self.register_buffer("qweight", qweight)
        self.register_buffer("scale", scale.detach().float().reshape(self.out_features, 1))
        self.register_buffer("bias", None if bias is None else bias.detach().float().clone())

    @classmethod
    def from_linear(cls, linear: nn.Linear) -> Int8Linear:
        """Quantize an ``nn.Linear``'s weight per output row; the bias stays float32. ``linear`` is not changed."""
        q, scale = quantize_int8(linear.weight, axis=0)
        return cls(q, scale, linear.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = dequantize_int8(self.qweight, self.scale).to(x.dtype)  # (out, in), rebuilt at every call
        return F.linear(x, w, None if self.bias is None else self.bias.to(x.dtype))

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}, int8"


def quantize_model(model: nn.Module) -> nn.Module:
    """A copy of ``model`` with every ``nn.Linear`` (at any depth) replaced by ``Int8Linear``.

    Embeddings, LayerNorms and everything else stay as they are; ``model`` is not modified.
    """
    out = copy.deepcopy(model)
    for parent in list(out.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.Linear):
                setattr(parent, name, Int8Linear.from_linear(child))
    return out


def model_bytes(model: nn.Module) -> int:
    """Bytes of every parameter and buffer of ``model`` (shared tensors counted once)."""
    seen, total = set(), 0
    for t in list(model.parameters()) + list(model.buffers()):
        if t.data_ptr() in seen:
            continue
        seen.add(t.data_ptr())
        total += t.numel() * t.element_size()
    return total
