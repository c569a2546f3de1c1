"""helpers.reference.lora: LoRALinear is the identity change at init, trains only A and B, merges exactly."""

import pytest
import torch
from torch import nn

from helpers.reference.gpt import GPT, GPTConfig
from helpers.reference.lora import LoRALinear, apply_lora, count_parameters, merge_lora


def test_identity_at_init_and_trainable_factors():
    torch.manual_seed(0)
    base = nn.Linear(12, 7)
    lora = LoRALinear(base, r=3, alpha=6)
    x = torch.randn(4, 5, 12)
    assert torch.equal(lora(x), base(x))
    trainable = {n for n, p in lora.named_parameters() if p.requires_grad}
    assert trainable == {"lora_A", "lora_B"}
    assert lora.lora_A.shape == (3, 12) and lora.lora_B.shape == (7, 3)
    assert lora.scaling == 2.0


def test_forward_formula_and_merge():
    torch.manual_seed(1)
    base = nn.Linear(10, 6)
    lora = LoRALinear(base, r=2, alpha=5)
    with torch.no_grad():
        lora.lora_B.normal_()
    x = torch.randn(3, 10)
    expected = base(x) + 2.5 * x @ lora.lora_A.T @ lora.lora_B.T
    torch.testing.assert_close(lora(x), expected)
    merged = lora.merge()
    assert type(merged) is nn.Linear
    torch.testing.assert_close(merged(x), lora(x), atol=1e-6, rtol=1e-5)
    assert not torch.equal(merged.weight, base.weight), "merge must not be the base layer"


def test_gradients_reach_only_lora_factors():
    base = nn.Linear(8, 8)
    lora = LoRALinear(base, 4, 4)
    lora(torch.randn(5, 8)).pow(2).sum().backward()
    assert base.weight.grad is None
    assert lora.lora_B.grad is not None and lora.lora_B.grad.abs().sum() > 0


def test_apply_and_merge_on_gpt():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=20, block_size=16, n_layer=2, n_head=2, n_embd=16))
    idx = torch.randint(20, (2, 16))
    before = model(idx)[0]
    total = count_parameters(model)
    names = apply_lora(model, r=2, alpha=4)
    assert sorted(names) == [
        "blocks.0.attn.c_attn",
        "blocks.0.attn.c_proj",
        "blocks.1.attn.c_attn",
        "blocks.1.attn.c_proj",
    ]
    torch.testing.assert_close(model(idx)[0], before)
    # r * (in + out) per layer: c_attn 16 -> 48, c_proj 16 -> 16
    assert count_parameters(model, trainable_only=True) == 2 * (2 * (16 + 48) + 2 * (16 + 16))
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "lora_B" in n:
                p.normal_(std=0.1)
    adapted = model(idx)[0]
    assert not torch.allclose(adapted, before)
    assert merge_lora(model) == 4
    assert not any(isinstance(m, LoRALinear) for m in model.modules())
    assert count_parameters(model) == total
    torch.testing.assert_close(model(idx)[0], adapted, atol=1e-5, rtol=1e-5)


def test_bad_input():
    with pytest.raises(TypeError):
        LoRALinear(nn.Conv1d(2, 2, 1), 2, 2)
    with pytest.raises(ValueError):
        LoRALinear(nn.Linear(2, 2), 0, 2)
    with pytest.raises(ValueError):
        apply_lora(nn.Sequential(nn.ReLU()), 2, 2)
