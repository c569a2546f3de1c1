"""helpers.reference.capstone: the modern block and Muon against their formulas and torch's versions,
and the capstone notebook's definitions against this module."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers.reference import capstone as ref
from helpers.reference.capstone import (
    ModernConfig,
    ModernGPT,
    Muon,
    RMSNorm,
    SwiGLU,
    apply_rope,
    newton_schulz,
    split_parameters,
)

ROOT = Path(__file__).resolve().parents[2]


def test_rmsnorm_equals_torch():
    g = torch.Generator().manual_seed(0)
    for d, eps in [(8, 1e-6), (5, 0.1)]:
        mine, theirs = RMSNorm(d, eps).double(), nn.RMSNorm(d, eps=eps, dtype=torch.float64)
        with torch.no_grad():
            w = torch.randn(d, generator=g, dtype=torch.float64)
            mine.weight.copy_(w)
            theirs.weight.copy_(w)
        x = torch.randn(3, 4, d, generator=g, dtype=torch.float64) * 4
        torch.testing.assert_close(mine(x), theirs(x), atol=1e-12, rtol=1e-12)
    assert [n for n, _ in RMSNorm(4).named_parameters()] == ["weight"]


def test_rope_turns_pairs_and_scores_depend_on_offsets_only():
    x = torch.tensor([1.0, 0.0, 1.0, 0.0]).view(1, 1, 1, 4)
    torch.testing.assert_close(apply_rope(x, [0]), x)
    torch.testing.assert_close(
        apply_rope(x, [1]).flatten(), torch.tensor([math.cos(1), math.sin(1), math.cos(0.01), math.sin(0.01)])
    )
    g = torch.Generator().manual_seed(1)
    q, k = torch.randn(2, 3, 1, 16, generator=g), torch.randn(2, 3, 1, 16, generator=g)

    def score(m, n):
        return (apply_rope(q, [m]) * apply_rope(k, [n])).sum(-1)

    torch.testing.assert_close(score(5, 2), score(105, 102), atol=1e-4, rtol=1e-4)
    assert not torch.allclose(score(5, 2), score(5, 3))
    # the same rotation written with complex numbers (channel pairs as re/im)
    xs = torch.randn(2, 3, 7, 8, generator=g, dtype=torch.float64)
    pos = torch.arange(7, dtype=torch.float64) * 3
    theta = 10000.0 ** (-torch.arange(0, 8, 2, dtype=torch.float64) / 8)
    rot = torch.polar(torch.ones(7, 4, dtype=torch.float64), pos[:, None] * theta)
    want = torch.view_as_real(torch.view_as_complex(xs.reshape(2, 3, 7, 4, 2)) * rot).reshape(xs.shape)
    torch.testing.assert_close(apply_rope(xs, pos), want)
    for bad in [(torch.zeros(1, 1, 2, 3), [0, 1]), (torch.zeros(1, 1, 2, 4), [0]), (torch.zeros(2, 4), [0, 1])]:
        with pytest.raises(ValueError):
            apply_rope(*bad)


def test_swiglu_is_the_gated_formula():
    m = SwiGLU(6, 10)
    x = torch.randn(2, 3, 6)
    want = F.silu(x @ m.w1.weight.T) * (x @ m.w3.weight.T) @ m.w2.weight.T
    torch.testing.assert_close(m(x), want)
    assert all(layer.bias is None for layer in (m.w1, m.w2, m.w3))


def test_newton_schulz_orthogonalises_like_torch():
    from torch.optim._muon import _zeropower_via_newtonschulz

    g = torch.Generator().manual_seed(2)
    for shape in [(16, 48), (48, 16), (9, 9)]:
        G = torch.randn(*shape, generator=g)
        out = newton_schulz(G)
        assert out.shape == G.shape and out.dtype == G.dtype
        sv = torch.linalg.svdvals(out)
        assert 0.6 < sv.min() and sv.max() < 1.25
        theirs = _zeropower_via_newtonschulz(G, ref.NS_COEFFICIENTS, 5, 1e-7).float()  # bfloat16 there
        torch.testing.assert_close(out, theirs, atol=3e-2, rtol=0)
    torch.testing.assert_close(
        newton_schulz(torch.tensor([[3.0, 0.0], [0.0, 4.0]]), 0), torch.tensor([[0.6, 0], [0, 0.8]])
    )
    assert torch.equal(newton_schulz(torch.zeros(3, 4)), torch.zeros(3, 4))
    with pytest.raises(ValueError):
        newton_schulz(torch.zeros(2, 2, 2))


def test_muon_equals_torch_muon():
    g = torch.Generator().manual_seed(3)
    ps = [nn.Parameter(torch.randn(s, generator=g)) for s in [(8, 4), (4, 8)]]
    ts = [nn.Parameter(p.detach().clone()) for p in ps]
    mine = Muon(ps, lr=0.02, momentum=0.9, weight_decay=0.1)
    theirs = torch.optim.Muon(ts, lr=0.02, momentum=0.9, weight_decay=0.1)
    for _ in range(3):
        for p, t in zip(ps, ts):
            grad = torch.randn(p.shape, generator=g)
            p.grad, t.grad = grad.clone(), grad.clone()
        mine.step()
        theirs.step()
    for p, t in zip(ps, ts):
        torch.testing.assert_close(p, t, atol=2e-3, rtol=0)  # torch orthogonalises in bfloat16
    with pytest.raises(ValueError):
        Muon([nn.Parameter(torch.zeros(3))])


def test_modern_gpt_forward_generate_and_parameter_split():
    cfg = ModernConfig(vocab_size=50, block_size=16, n_layer=2, n_head=2, n_embd=32)
    torch.manual_seed(0)
    model = ModernGPT(cfg)
    idx = torch.randint(50, (2, 16))
    logits, loss = model(idx, torch.randint(50, (2, 16)))
    assert logits.shape == (2, 16, 50) and abs(loss.item() - math.log(50)) < 0.2
    assert model.lm_head.weight is model.tok_emb.weight
    assert model.num_parameters(embeddings=False) == model.num_parameters() - 50 * 32
    out = model.generate(idx[:, :3], 20, temperature=0)  # past block_size: week 8's generate crops
    assert out.shape == (2, 23)
    muon, adamw = split_parameters(model)
    everything = {id(p) for p in model.parameters()}
    assert {id(p) for p in muon} | {id(p) for p in adamw} == everything
    assert not ({id(p) for p in muon} & {id(p) for p in adamw})
    assert all(p.dim() == 2 for p in muon) and model.tok_emb.weight in adamw
    Muon(muon)  # every Muon parameter is a matrix
    with pytest.raises(ValueError):
        ModernConfig(vocab_size=5, block_size=4, n_layer=1, n_head=3, n_embd=9)
    # week 8's pieces back, one switch at a time
    for changes in [{"norm": "layer"}, {"positions": "learned"}, {"mlp": "gelu"}]:
        cfg2 = ModernConfig(vocab_size=50, block_size=16, n_layer=1, n_head=2, n_embd=32, **changes)
        assert ModernGPT(cfg2)(idx)[0].shape == (2, 16, 50)


def test_capstone_notebook_defines_the_reference_model():
    """The ModernGPT the capstone notebook builds (its solution cells and the given model cell) is this
    module's: the same parameter names and initial values, and identical logits, for every switch."""
    import nbformat

    import helpers.reference.gpt as gpt

    nb = nbformat.read(str(ROOT / "solutions/week10/capstone_pretraining.ipynb"), as_version=4)
    ns = {"torch": torch, "nn": nn, "F": F, "math": math}
    exec("from dataclasses import dataclass", ns)
    ns.update(GPT=gpt.GPT, LayerNorm=gpt.LayerNorm, MLP=gpt.MLP, MultiHeadSelfAttention=gpt.MultiHeadSelfAttention)
    wanted = ("RMSNorm", "apply_rope", "SwiGLU", "newton_schulz", "Muon")
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and gid in wanted:
            exec(cell.source, ns)
        elif cell.cell_type == "code" and cell.source.startswith("@dataclass\nclass ModernConfig"):
            model_cell = cell.source.split("\n\n\nwith uses_exercises")[0]
            exec(model_cell, ns)
    assert all(name in ns for name in (*wanted, "ModernConfig", "ModernGPT"))
    for changes in ({}, {"norm": "layer"}, {"positions": "learned"}, {"mlp": "gelu"}, {"tie_weights": False}):
        kw = dict(vocab_size=40, block_size=12, n_layer=2, n_head=2, n_embd=16, **changes)
        torch.manual_seed(0)
        mine = ns["ModernGPT"](ns["ModernConfig"](**kw)).eval()
        torch.manual_seed(0)
        theirs = ModernGPT(ModernConfig(**kw)).eval()
        assert list(mine.state_dict()) == list(theirs.state_dict()), changes
        for (k, a), b in zip(mine.state_dict().items(), theirs.state_dict().values()):
            assert torch.equal(a, b), f"{changes}: the same seed should give the same initial {k}"
        theirs.load_state_dict(mine.state_dict(), strict=True)
        idx = torch.randint(0, 40, (2, 12))
        torch.testing.assert_close(mine(idx)[0], theirs(idx)[0], atol=1e-6, rtol=1e-6)
    # the learner's Muon and newton_schulz are the reference's
    G = torch.randn(6, 10)
    torch.testing.assert_close(ns["newton_schulz"](G), newton_schulz(G))
    p, q = nn.Parameter(torch.ones(4, 3)), nn.Parameter(torch.ones(4, 3))
    a, b = ns["Muon"]([p], lr=0.1, momentum=0.8), Muon([q], lr=0.1, momentum=0.8)
    for _ in range(2):
        grad = torch.randn(4, 3)
        p.grad, q.grad = grad.clone(), grad.clone()
        a.step()
        b.step()
    torch.testing.assert_close(p, q)
