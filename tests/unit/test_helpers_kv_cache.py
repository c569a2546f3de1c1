"""Unit tests for helpers.reference.kv_cache (week 9's KV cache, on week 8's GPT)."""

import pytest
import torch

from helpers.reference.gpt import GPT, GPTConfig
from helpers.reference.kv_cache import KVCache, cached_attention, forward_with_cache, new_kv_cache


def small(**kw):
    base = dict(vocab_size=11, block_size=16, n_layer=2, n_head=2, n_embd=16)
    base.update(kw)
    return GPTConfig(**base)


def test_kv_cache_appends():
    c = KVCache()
    assert len(c) == 0
    k, v = c.update(torch.zeros(2, 3, 4, 5), torch.ones(2, 3, 4, 5))
    assert len(c) == 4 and k.shape == (2, 3, 4, 5)
    k, v = c.update(torch.zeros(2, 3, 1, 5), torch.full((2, 3, 1, 5), 2.0))
    assert len(c) == 5 and v[:, :, -1].eq(2).all() and v[:, :, 0].eq(1).all()


def test_cached_attention_matches_full():
    torch.manual_seed(1)
    model = GPT(small()).eval()
    attn = model.blocks[0].attn
    x = torch.randn(2, 9, 16)
    full = attn(x)
    cache = KVCache()
    parts = [cached_attention(attn, x[:, a:b], cache) for a, b in ((0, 5), (5, 7), (7, 8), (8, 9))]
    assert len(cache) == 9
    assert torch.allclose(torch.cat(parts, 1), full, atol=1e-6)


@pytest.mark.parametrize("changes", [{}, {"positions": "sinusoidal"}, {"positions": "none"}, {"residual": False}])
def test_forward_with_cache_matches(changes):
    torch.manual_seed(0)
    model = GPT(small(**changes)).eval()
    idx = torch.randint(0, 11, (2, 12))
    full, _ = model(idx)
    cache = new_kv_cache(model)
    a = forward_with_cache(model, idx[:, :8], cache)
    b = forward_with_cache(model, idx[:, 8:9], cache)
    c = forward_with_cache(model, idx[:, 9:], cache)
    assert torch.allclose(torch.cat([a, b, c], 1), full, atol=1e-5)
    with pytest.raises(ValueError, match="block_size"):
        forward_with_cache(model, idx[:, :5], cache)
