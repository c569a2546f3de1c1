"""Unit tests for helpers.reference.quantize (week 9's int8 weight quantization)."""

import pytest
import torch
import torch.nn as nn

from helpers.reference.gpt import GPT, GPTConfig
from helpers.reference.quantize import Int8Linear, dequantize_int8, model_bytes, quantize_int8, quantize_model


def test_per_row_scales_round_and_extremes():
    w = torch.tensor([[0.5, -1.27, 0.01], [0.0, 0.0, 0.0], [2.54, 1.27, -0.635]])
    q, scale = quantize_int8(w)
    assert q.dtype == torch.int8 and scale.dtype == torch.float32
    assert scale.shape == (3, 1)
    assert torch.allclose(scale[:, 0], torch.tensor([0.01, 1.0, 0.02]))
    assert q.tolist() == [[50, -127, 1], [0, 0, 0], [127, 64, -32]]  # 63.5 -> 64, -31.75 -> -32
    assert torch.equal(dequantize_int8(q, scale)[1], torch.zeros(3))
    assert torch.allclose(dequantize_int8(q, scale)[0, 1], torch.tensor(-1.27))


def test_error_is_at_most_half_a_step_and_axis_none_is_per_tensor():
    torch.manual_seed(0)
    w = torch.randn(16, 40)
    for axis, shape in ((0, (16, 1)), (1, (1, 40)), (-1, (1, 40)), (None, (1, 1))):
        q, s = quantize_int8(w, axis=axis)
        assert s.shape == shape
        err = (dequantize_int8(q, s) - w).abs()
        assert (err <= s / 2 + 1e-6).all()
        assert q.abs().max() == 127
    w3 = torch.randn(2, 3, 4)
    q3, s3 = quantize_int8(w3, axis=1)
    assert s3.shape == (1, 3, 1) and q3.shape == w3.shape


def test_inputs_untouched_and_no_graph():
    lin = nn.Linear(5, 3)
    before = lin.weight.detach().clone()
    q, s = quantize_int8(lin.weight)
    assert not s.requires_grad and torch.equal(lin.weight, before)
    with pytest.raises(ValueError):
        quantize_int8(torch.ones(2, 2, dtype=torch.int8))


def test_int8_linear_matches_dequantized_float_layer():
    torch.manual_seed(1)
    for bias in (True, False):
        lin = nn.Linear(12, 7, bias=bias)
        m = Int8Linear.from_linear(lin)
        assert m.qweight.dtype == torch.int8 and m.qweight.shape == (7, 12)
        assert set(dict(m.named_buffers())) == ({"qweight", "scale", "bias"} if bias else {"qweight", "scale"})
        assert not list(m.parameters())
        x = torch.randn(2, 5, 12)
        q, s = quantize_int8(lin.weight)
        want = x @ dequantize_int8(q, s).T + (lin.bias if bias else 0)
        assert torch.allclose(m(x), want, atol=1e-5)
        assert (m(x) - lin(x)).abs().max() < 0.05


def test_quantize_model_replaces_every_linear_and_leaves_the_original():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=20, block_size=16, n_layer=2, n_head=2, n_embd=32)).eval()
    small = quantize_model(model)
    assert not any(isinstance(m, nn.Linear) for m in small.modules())
    assert sum(isinstance(m, Int8Linear) for m in small.modules()) == 2 * 4 + 1
    assert sum(isinstance(m, nn.Linear) for m in model.modules()) == 9  # untouched
    assert isinstance(small.tok_emb, nn.Embedding)
    idx = torch.randint(0, 20, (2, 16))
    assert (small(idx)[0] - model(idx)[0]).abs().max() < 0.05
    assert 3.0 < model_bytes(model) / model_bytes(small) < 4.0


def test_quantize_model_on_a_nested_sequential():
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Sequential(nn.Linear(8, 8), nn.Tanh()), nn.Linear(8, 2))
    small = quantize_model(net)
    assert [type(m).__name__ for m in small.modules() if not isinstance(m, (nn.Sequential, nn.ReLU, nn.Tanh))] == [
        "Int8Linear"
    ] * 3
    assert torch.allclose(small(torch.ones(1, 4)), net(torch.ones(1, 4)), atol=0.02)
