"""Low-rank adaptation (LoRA, Hu et al. 2021) for week 10.

A frozen linear layer ``W`` gets a trainable low-rank update: ``y = x W^T + b + (alpha/r) x A^T B^T``
with ``A`` (r, in) random and ``B`` (out, r) zero, so the wrapped layer computes exactly what the
original did until training moves ``B``. Only ``A`` and ``B`` train: ``r * (in + out)`` numbers
instead of ``in * out``. After training, ``merge()`` folds ``(alpha/r) B A`` into ``W`` and gives
back a plain ``nn.Linear`` with no extra cost at inference.

    lora_names = apply_lora(model, r=8, alpha=16)      # attention projections only
    ... train: only the LoRA factors have requires_grad ...
    merge_lora(model)                                  # back to plain nn.Linear layers
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn


class LoRALinear(nn.Module):
    """``base(x) + (alpha / r) * x A^T B^T`` with ``base`` frozen, ``A`` (r, in), ``B`` (out, r) = 0."""

    def __init__(self, base: nn.Linear, r: int, alpha: float):
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"LoRALinear wraps an nn.Linear, got {type(base).__name__}")
        if int(r) < 1:
            raise ValueError(f"the rank r must be a positive integer, got {r}")
        self.base = base
        self.r, self.alpha = int(r), float(alpha)
        self.scaling = self.alpha / self.r
        for p in self.base.parameters():
            p.requires_grad_(False)
        w = base.weight
        self.lora_A = nn.Parameter(torch.empty(self.r, base.in_features, dtype=w.dtype, device=w.device))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, self.r, dtype=w.dtype, device=w.device))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))  # as nn.Linear (and the LoRA paper's code)

    @property
    def in_features(self) -> int:
        return self.base.in_features

    @property
    def out_features(self) -> int:
        return self.base.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) * self.scaling  # (..., out)

    def merge(self) -> nn.Linear:
        """A new ``nn.Linear`` with ``W + (alpha/r) B A`` (the same outputs, no extra matmuls)."""
        base = self.base
        merged = nn.Linear(
            base.in_features,
            base.out_features,
            bias=base.bias is not None,
            device=base.weight.device,
            dtype=base.weight.dtype,
        )
        with torch.no_grad():
            merged.weight.copy_(base.weight + self.scaling * (self.lora_B @ self.lora_A))
            if base.bias is not None:
                merged.bias.copy_(base.bias)
        return merged

    def extra_repr(self) -> str:
        return f"in={self.in_features}, out={self.out_features}, r={self.r}, alpha={self.alpha:g}"


def attention_projections(name: str, module: nn.Module) -> bool:
    """Default target of ``apply_lora``: every ``nn.Linear`` inside an attention module (its name
    has an ``attn`` part, e.g. ``blocks.0.attn.c_attn`` and ``blocks.0.attn.c_proj``)."""
    return isinstance(module, nn.Linear) and any("attn" in part for part in name.split("."))


def apply_lora(
    model: nn.Module,
    r: int = 8,
    alpha: float = 16.0,
    target: Callable[[str, nn.Module], bool] = attention_projections,
    lora_class: type = LoRALinear,
) -> list[str]:
    """Freeze every parameter of ``model``, then replace the ``nn.Linear`` layers chosen by
    ``target(name, module)`` with ``lora_class(layer, r, alpha)`` in place. Returns the names
    replaced; only the LoRA factors are trainable afterwards."""
    for p in model.parameters():
        p.requires_grad_(False)
    chosen = [name for name, m in model.named_modules() if name and isinstance(m, nn.Linear) and target(name, m)]
    if not chosen:
        raise ValueError(
            "apply_lora found no nn.Linear layer to adapt: check the target function "
            f"against the module names, e.g. {[n for n, _ in model.named_modules()][:8]}"
        )
    for name in chosen:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, lora_class(getattr(parent, child), r, alpha))
    return chosen


def merge_lora(model: nn.Module) -> int:
    """Replace every ``LoRALinear`` in ``model`` by its merged ``nn.Linear``; return how many."""
    names = [name for name, m in model.named_modules() if hasattr(m, "merge") and hasattr(m, "lora_A")]
    for name in names:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, getattr(parent, child).merge())
    return len(names)


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (only those with ``requires_grad`` when ``trainable_only``)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
