"""Unit tests for helpers.reference.attention: equal to PyTorch's fused attention, masks, weights."""

import pytest
import torch
import torch.nn.functional as F

from helpers.reference.attention import scaled_dot_product_attention


def test_matches_torch_without_and_with_masks():
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 7, 8), torch.randn(2, 3, 7, 4)
    out, w = scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v))
    assert w.shape == (2, 3, 5, 7)
    torch.testing.assert_close(w.sum(-1), torch.ones(2, 3, 5))
    mask = torch.rand(5, 7) > 0.3
    mask[:, 0] = True  # no fully masked row
    out, w = scaled_dot_product_attention(q, k, v, mask)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))
    assert (w[..., ~mask] == 0).all()
    causal = torch.ones(5, 5, dtype=torch.bool).tril()
    out, _ = scaled_dot_product_attention(q, k[:, :, :5], v[:, :, :5], causal)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k[:, :, :5], v[:, :, :5], is_causal=True))


def test_fully_masked_query_gives_zeros_like_torch():
    q, k, v = torch.randn(2, 4), torch.randn(3, 4), torch.randn(3, 2)
    mask = torch.tensor([[True, False, True], [False, False, False]])
    out, w = scaled_dot_product_attention(q, k, v, mask)
    torch.testing.assert_close(out, F.scaled_dot_product_attention(q, k, v, attn_mask=mask))
    assert (w[1] == 0).all() and torch.isfinite(w).all()


def test_unbatched_and_gradients():
    q = torch.randn(4, 6, requires_grad=True)
    k, v = torch.randn(3, 6), torch.randn(3, 2)
    out, w = scaled_dot_product_attention(q, k, v)
    assert out.shape == (4, 2) and w.shape == (4, 3)
    out.sum().backward()
    assert q.grad is not None and torch.isfinite(q.grad).all()


def test_bad_inputs():
    with pytest.raises(ValueError, match="last dimension"):
        scaled_dot_product_attention(torch.randn(2, 3), torch.randn(2, 4), torch.randn(2, 4))
    with pytest.raises(ValueError, match="keys"):
        scaled_dot_product_attention(torch.randn(2, 3), torch.randn(4, 3), torch.randn(5, 3))
    with pytest.raises(TypeError, match="boolean"):
        scaled_dot_product_attention(torch.randn(2, 3), torch.randn(4, 3), torch.randn(4, 3), torch.ones(2, 4))


def test_week07_notebook_solution_is_the_same_definition():
    """The solution cell of week 7's exercise and this reference give identical results (week 8+ import this one)."""
    import math
    from pathlib import Path

    import nbformat

    root = Path(__file__).resolve().parents[2]
    nb = nbformat.read(str(root / "solutions" / "week07" / "attention.ipynb"), as_version=4)
    cell = next(
        c
        for c in nb.cells
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "scaled_dot_product_attention"
    )
    ns = {"torch": torch, "math": math, "F": F}
    exec(cell.source, ns)
    mine = ns["scaled_dot_product_attention"]
    g = torch.Generator().manual_seed(1)
    q, k, v = (
        torch.randn(2, 5, 8, generator=g, dtype=torch.float64),
        torch.randn(2, 6, 8, generator=g, dtype=torch.float64),
        torch.randn(2, 6, 3, generator=g, dtype=torch.float64),
    )
    mask = torch.rand(2, 5, 6, generator=g) > 0.5
    mask[0, 0] = False  # one fully masked query
    for m in (None, mask):
        for a, b in zip(mine(q, k, v, m), scaled_dot_product_attention(q, k, v, m)):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
    for bad, exc in [
        ((torch.randn(2, 3), torch.randn(4, 3), torch.randn(4, 3), torch.ones(2, 4)), TypeError),
        ((torch.randn(2, 3), torch.randn(2, 4), torch.randn(2, 4)), ValueError),
    ]:
        with pytest.raises(exc):
            mine(*bad)
