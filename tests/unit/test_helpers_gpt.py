"""Unit tests for helpers.reference.gpt (the BabyGPT reference model)."""

import math

import pytest
import torch
import torch.nn.functional as F

from helpers.reference.gpt import (
    GPT,
    Block,
    GPTConfig,
    LayerNorm,
    MultiHeadSelfAttention,
    causal_mask,
    configure_optimizer,
    lr_at,
    sinusoidal_positions,
    train_babygpt,
)


def small(**kw):
    base = dict(vocab_size=11, block_size=16, n_layer=2, n_head=2, n_embd=16)
    base.update(kw)
    return GPTConfig(**base)


def test_config_validation():
    with pytest.raises(ValueError, match="divisible"):
        GPTConfig(vocab_size=5, block_size=8, n_layer=1, n_head=3, n_embd=16)
    with pytest.raises(ValueError, match="positions"):
        small(positions="rotary")
    with pytest.raises(ValueError, match="positive"):
        small(n_layer=0)


def test_causal_mask():
    m = causal_mask(4)
    assert m.dtype == torch.bool and m.shape == (4, 4)
    assert torch.equal(m, torch.tensor([[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]], dtype=torch.bool))
    assert causal_mask(1).item() is True


def test_sinusoidal_positions_formula():
    pe = sinusoidal_positions(50, 8)
    assert pe.shape == (50, 8) and pe.dtype == torch.float32
    pos, i = 7, 2
    assert pe[pos, 2 * i].item() == pytest.approx(math.sin(pos / 10000 ** (2 * i / 8)), abs=1e-6)
    assert pe[pos, 2 * i + 1].item() == pytest.approx(math.cos(pos / 10000 ** (2 * i / 8)), abs=1e-6)
    assert torch.allclose(pe[0], torch.tensor([0.0, 1.0] * 4))
    assert sinusoidal_positions(3, 5).shape == (3, 5)


def test_attention_matches_torch_multihead_attention():
    torch.manual_seed(0)
    cfg = small(n_embd=12, n_head=3)
    attn = MultiHeadSelfAttention(cfg).eval()
    ref = torch.nn.MultiheadAttention(12, 3, batch_first=True).eval()
    with torch.no_grad():
        ref.in_proj_weight.copy_(attn.c_attn.weight)
        ref.in_proj_bias.copy_(attn.c_attn.bias)
        ref.out_proj.weight.copy_(attn.c_proj.weight)
        ref.out_proj.bias.copy_(attn.c_proj.bias)
    x = torch.randn(2, 7, 12)
    want, _ = ref(x, x, x, attn_mask=~causal_mask(7), need_weights=False)
    assert torch.allclose(attn(x), want, atol=1e-5)
    w = attn.attention_weights(x)
    assert w.shape == (2, 3, 7, 7)
    assert torch.allclose(w.sum(-1), torch.ones(2, 3, 7), atol=1e-6)
    assert (w[..., 0, 1:] == 0).all()


def test_block_shapes_and_residual_flag():
    torch.manual_seed(0)
    x = torch.randn(3, 5, 16)
    b = Block(small()).eval()
    assert b(x).shape == (3, 5, 16)
    # with zeroed sub-layer outputs a residual block is the identity
    with torch.no_grad():
        for p in (b.attn.c_proj.weight, b.attn.c_proj.bias, b.mlp.c_proj.weight, b.mlp.c_proj.bias):
            p.zero_()
    assert torch.allclose(b(x), x)
    nb = Block(small(residual=False)).eval()
    nb.load_state_dict(b.state_dict())
    assert torch.allclose(nb(x), torch.zeros_like(x))


@pytest.mark.parametrize("positions", ["learned", "sinusoidal", "none"])
def test_gpt_shapes_loss_and_causality(positions):
    torch.manual_seed(0)
    cfg = small(positions=positions)
    model = GPT(cfg).eval()
    idx = torch.randint(0, 11, (4, 16))
    logits, loss = model(idx, idx)
    assert logits.shape == (4, 16, 11)
    assert abs(loss.item() - math.log(11)) < 0.1, "the initial loss is near ln V"
    logits1, none = model(idx[:1, :3])
    assert logits1.shape == (1, 3, 11) and none is None
    idx2 = idx.clone()
    idx2[:, 10:] = (idx2[:, 10:] + 1) % 11
    l2, _ = model(idx2)
    assert torch.allclose(logits[:, :10], l2[:, :10], atol=1e-6), "a future token changed an earlier logit"
    assert not torch.allclose(logits[:, 10:], l2[:, 10:])


def test_positions_matter_only_with_position_information():
    torch.manual_seed(0)
    idx = torch.full((1, 6), 3)
    for positions, differs in (("learned", True), ("sinusoidal", True), ("none", False)):
        logits, _ = GPT(small(positions=positions, n_layer=1)).eval()(idx)
        # the same token everywhere: without positions every position gives the same logits
        assert (not torch.allclose(logits[0, 0], logits[0, -1], atol=1e-6)) == differs, positions


def test_gpt_errors():
    model = GPT(small())
    with pytest.raises(ValueError, match="block_size"):
        model(torch.zeros(1, 17, dtype=torch.long))
    with pytest.raises(ValueError, match=r"\(B, T\)"):
        model(torch.zeros(17, dtype=torch.long))
    with pytest.raises(ValueError, match="targets"):
        model(torch.zeros(2, 4, dtype=torch.long), torch.zeros(2, 3, dtype=torch.long))


def test_training_reduces_loss_and_gradients_flow():
    torch.manual_seed(0)
    model = GPT(small(n_layer=1))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    idx = torch.arange(16).remainder(11)[None].repeat(4, 1)
    first = None
    for _ in range(30):
        _, loss = model(idx[:, :-1], idx[:, 1:])
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert all(p.grad is not None for p in model.parameters())
    assert loss.item() < first / 3


def test_generate_shapes_greedy_and_window():
    torch.manual_seed(0)
    model = GPT(small(block_size=8)).eval()
    idx = torch.randint(0, 11, (2, 3))
    out = model.generate(idx, 12, temperature=0)
    assert out.shape == (2, 15) and torch.equal(out[:, :3], idx)
    # greedy: each new token is the argmax of the model on the last block_size tokens
    for t in range(3, 15):
        logits, _ = model(out[:, max(0, t - 8) : t])
        assert torch.equal(out[:, t], logits[:, -1].argmax(-1))
    g = torch.Generator().manual_seed(5)
    s1 = model.generate(idx, 10, temperature=1.0, top_k=3, generator=g)
    s2 = model.generate(idx, 10, temperature=1.0, top_k=3, generator=torch.Generator().manual_seed(5))
    assert torch.equal(s1, s2)
    assert model.training is False


def test_attention_maps():
    from helpers.reference.gpt import attention_maps

    torch.manual_seed(0)
    model = GPT(small())
    idx = torch.randint(0, 11, (1, 9))
    maps = attention_maps(model, idx, layer=1)
    assert maps.shape == (1, 2, 9, 9)
    # recompute block 1's input by hand
    with torch.no_grad():
        x = model.tok_emb(idx) + model.pos_emb(torch.arange(9))
        x = model.blocks[0](x)
        want = model.blocks[1].attn.attention_weights(model.blocks[1].ln_1(x))
    assert torch.allclose(maps, want, atol=1e-6)
    assert model.training, "the model's mode is restored"


def test_layernorm_equals_torch():
    torch.manual_seed(0)
    ln, ref = LayerNorm(16), torch.nn.LayerNorm(16)
    with torch.no_grad():
        ln.weight.normal_()
        ln.bias.normal_()
        ref.weight.copy_(ln.weight)
        ref.bias.copy_(ln.bias)
    x = torch.randn(3, 5, 16) * 4 + 2
    assert torch.allclose(ln(x), ref(x), atol=1e-5)
    assert set(dict(ln.named_parameters())) == {"weight", "bias"}
    assert LayerNorm(8, bias=False).bias is None
    assert not isinstance(ln, torch.nn.LayerNorm)


def test_configure_optimizer_groups():
    model = GPT(small(tie_weights=True))
    opt = configure_optimizer(model, 1e-3, 0.1, (0.9, 0.95))
    assert isinstance(opt, torch.optim.AdamW)
    decay, no_decay = opt.param_groups
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    ids = [id(p) for g in opt.param_groups for p in g["params"]]
    assert sorted(ids) == sorted(id(p) for p in model.parameters())  # each exactly once
    assert all(p.dim() == 2 for p in decay["params"])
    assert any(p is model.tok_emb.weight for p in no_decay["params"])  # embeddings (and the tied head) undecayed
    assert opt.defaults["betas"] == (0.9, 0.95)


def test_lr_at_schedule():
    lrs = [lr_at(s, 1.0, 0.1, 10, 110) for s in range(130)]
    assert lrs[0] == 0.0 and abs(lrs[5] - 0.5) < 1e-12 and lrs[10] == 1.0
    assert abs(lrs[60] - 0.55) < 1e-12 and lrs[110] == 0.1 and lrs[129] == 0.1
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:]))


def test_train_babygpt_runs_the_loop():
    torch.manual_seed(0)
    model = GPT(small(n_layer=1))
    data = torch.arange(400).remainder(11)
    opt = torch.optim.AdamW(model.parameters(), lr=0.0)
    hist = train_babygpt(
        model,
        opt,
        lambda s: 1e-2 * (s + 1) / 20,
        data,
        data[:100],
        steps=20,
        batch_size=4,
        eval_every=8,
        eval_batches=2,
        generator=torch.Generator().manual_seed(0),
        progress=False,
    )
    assert hist.eval_steps == [8, 16, 20] and len(hist.train_loss) == 20
    assert hist.extra["lr"][0] == 1e-2 / 20 and opt.param_groups[0]["lr"] == 1e-2
    assert hist.val_loss[-1] < hist.val_loss[0] and model.training


def test_week08_notebook_defines_the_reference_model():
    """The GPT the learner builds in week 8 (the solution's definition cells) is this module's GPT:
    its state dict loads strictly into the reference class and gives identical logits, for every
    ablation switch."""
    import math as _math
    from collections import OrderedDict
    from dataclasses import replace as _replace

    import nbformat
    import torch.nn as nn

    import helpers.reference.gpt as ref

    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    nb = nbformat.read(str(root / "solutions/week08/babygpt.ipynb"), as_version=4)
    ns = {
        "torch": torch,
        "nn": nn,
        "F": F,
        "math": _math,
        "OrderedDict": OrderedDict,
        "replace": _replace,
        "GPTConfig": GPTConfig,
    }
    wanted = ("LayerNorm", "causal_mask", "sinusoidal_positions", "MultiHeadSelfAttention", "Block", "GPT")
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and gid in wanted:
            exec(cell.source, ns)
        elif cell.cell_type == "code" and cell.source.startswith("SINUSOIDAL_SCALE ="):
            exec(cell.source.splitlines()[0], ns)
    assert ns["SINUSOIDAL_SCALE"] == ref.SINUSOIDAL_SCALE
    assert all(name in ns for name in wanted)
    for changes in (
        {},
        {"positions": "sinusoidal"},
        {"positions": "none"},
        {"residual": False},
        {"tie_weights": True},
        {"bias": False},
    ):
        cfg = small(**changes)
        torch.manual_seed(0)
        mine = ns["GPT"](cfg).eval()
        torch.manual_seed(0)
        theirs = ref.GPT(cfg).eval()
        assert set(mine.state_dict()) == set(theirs.state_dict()), changes
        for (k, a), b in zip(mine.state_dict().items(), theirs.state_dict().values()):
            assert torch.equal(a, b), f"{changes}: the same seed should give the same initial {k}"
        theirs.load_state_dict(mine.state_dict(), strict=True)
        idx = torch.randint(0, 11, (2, 16))
        assert torch.equal(mine(idx)[0], theirs(idx)[0]), changes
