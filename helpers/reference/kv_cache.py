"""The KV cache (week 9): generation that feeds one new token per step instead of the whole context.

Works on any model with week 8's names (``tok_emb``, ``pos_emb``/``pos_table``, ``blocks[i].ln_1``,
``.attn.c_attn``, ``.attn.c_proj``, ``.attn.n_head``, ``.ln_2``, ``.mlp``, ``ln_f``, ``lm_head``),
so on ``helpers.reference.gpt.GPT`` and on the GPT a learner wrote in week 8, without changing it.

    cache = new_kv_cache(model)                       # one KVCache per block
    logits = forward_with_cache(model, prompt, cache)  # prefill: (B, T, V), cache holds T positions
    logits = forward_with_cache(model, next_ids, cache)   # (B, 1) -> (B, 1, V) at position T

Shapes: B batch, nh heads, hs head size, T_past cached positions, T new positions.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


class KVCache:
    """The keys and values one attention layer has computed so far, (B, nh, T_past, hs) each."""

    def __init__(self) -> None:
        self.k: torch.Tensor | None = None
        self.v: torch.Tensor | None = None

    def __len__(self) -> int:
        return 0 if self.k is None else self.k.size(2)

    def update(self, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Append the new positions' k, v (B, nh, T, hs) along dim 2; return all of them (B, nh, T_past + T, hs)."""
        if self.k is None:
            self.k, self.v = k, v
        else:
            self.k = torch.cat([self.k, k], dim=2)
            self.v = torch.cat([self.v, v], dim=2)
        return self.k, self.v


def new_kv_cache(model) -> list[KVCache]:
    """An empty cache for ``forward_with_cache``: one ``KVCache`` per block."""
    return [KVCache() for _ in model.blocks]


def cached_attention(attn, x: torch.Tensor, cache: KVCache) -> torch.Tensor:
    """Causal self-attention of the T new positions ``x`` (B, T, C) over the cached ones and themselves.

    The new keys and values are appended to ``cache``; new query i (absolute position T_past + i)
    attends to keys 0 .. T_past + i. Returns ``attn.c_proj`` of the heads side by side, (B, T, C).
    """
    B, T, C = x.shape
    nh = attn.n_head
    q, k, v = attn.c_attn(x).split(C, dim=2)  # 3 x (B, T, C)
    q = q.view(B, T, nh, C // nh).transpose(1, 2)  # (B, nh, T, hs)
    k = k.view(B, T, nh, C // nh).transpose(1, 2)  # (B, nh, T, hs)
    v = v.view(B, T, nh, C // nh).transpose(1, 2)  # (B, nh, T, hs)
    k, v = cache.update(k, v)  # (B, nh, T_past + T, hs)
    past = k.size(2) - T
    if past == 0:  # a prefill: the ordinary causal mask, built by the fused kernel
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    else:  # row i (position past + i) may see keys 0 .. past + i
        mask = torch.ones(T, past + T, dtype=torch.bool, device=x.device).tril(diagonal=past)  # (T, T_past + T)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C)
    return attn.c_proj(y)


def forward_with_cache(model, idx: torch.Tensor, cache: list[KVCache]) -> torch.Tensor:
    """Logits (B, T, V) of the new tokens ``idx`` (B, T) that come after the ``len(cache[0])`` cached ones.

    Their positions continue from the cache (``T_past .. T_past + T - 1``); every block's cache is
    extended in place. Raises ``ValueError`` when ``T_past + T`` exceeds ``block_size``.
    """
    past = len(cache[0])
    B, T = idx.shape
    if past + T > model.config.block_size:
        raise ValueError(
            f"{past} cached + {T} new positions exceed block_size={model.config.block_size}: "
            "rebuild the cache from the last block_size tokens"
        )
    x = model.tok_emb(idx)  # (B, T, C)
    if model.config.positions == "learned":
        x = x + model.pos_emb(torch.arange(past, past + T, device=idx.device))  # (T, C)
    elif model.config.positions == "sinusoidal":
        x = x + model.pos_table[past : past + T]
    for block, layer_cache in zip(model.blocks, cache):
        h = cached_attention(block.attn, block.ln_1(x), layer_cache)  # (B, T, C)
        x = x + h if block.residual else h
        h = block.mlp(block.ln_2(x))
        x = x + h if block.residual else h
    return model.lm_head(model.ln_f(x))  # (B, T, V)
