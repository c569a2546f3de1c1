"""Unit tests for helpers.reference.rnn: the reference cells match PyTorch's, CharLM, sample, budgets."""

import pytest
import torch

from helpers.reference.rnn import CharLM, LSTMCell, RNNCell, count_parameters, hidden_size_for_budget, sample


def _copy(dst, src):
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(dst, name).copy_(getattr(src, name))


def test_rnn_cell_matches_torch():
    torch.manual_seed(0)
    ref, mine = torch.nn.RNNCell(5, 7).double(), RNNCell(5, 7).double()
    _copy(mine, ref)
    x, h = torch.randn(3, 5, dtype=torch.float64), torch.randn(3, 7, dtype=torch.float64)
    torch.testing.assert_close(mine(x, h), ref(x, h))
    torch.testing.assert_close(mine(x), ref(x))
    assert mine.weight_ih.shape == (7, 5) and mine.weight_hh.shape == (7, 7)


def test_lstm_cell_matches_torch_and_gradients_flow():
    torch.manual_seed(1)
    ref, mine = torch.nn.LSTMCell(4, 6).double(), LSTMCell(4, 6).double()
    _copy(mine, ref)
    x = torch.randn(2, 4, dtype=torch.float64)
    h, c = torch.randn(2, 6, dtype=torch.float64), torch.randn(2, 6, dtype=torch.float64)
    for a, b in zip(mine(x, (h, c)), ref(x, (h, c))):
        torch.testing.assert_close(a, b)
    mine(x, (h, c))[0].sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in mine.parameters())


def test_cells_reject_wrong_shapes():
    with pytest.raises(ValueError, match="shape"):
        RNNCell(3, 4)(torch.randn(2, 5), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="state"):
        LSTMCell(3, 4)(torch.randn(2, 3), (torch.zeros(1, 4), torch.zeros(1, 4)))


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_charlm_shapes_and_state_carry(kind):
    torch.manual_seed(0)
    m = CharLM(11, 8, kind, embed_size=5)
    idx = torch.randint(0, 11, (2, 9))
    logits, h = m(idx)
    assert logits.shape == (2, 9, 11)
    # running in two pieces with the state carried gives the same logits as one piece
    a, h1 = m(idx[:, :4])
    b, _ = m(idx[:, 4:], h1)
    torch.testing.assert_close(torch.cat([a, b], 1), logits)


def test_charlm_lstm_equals_unrolled_cell():
    torch.manual_seed(0)
    m = CharLM(10, 6, "lstm", embed_size=4).double()
    cell = LSTMCell(4, 6).double()
    with torch.no_grad():
        for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, n).copy_(getattr(m.rnn, n + "_l0"))
    idx = torch.randint(0, 10, (3, 5))
    x = m.embed(idx)
    h = c = torch.zeros(3, 6, dtype=torch.float64)
    outs = []
    for t in range(5):
        h, c = cell(x[:, t], (h, c))
        outs.append(m.head(h))
    torch.testing.assert_close(m(idx)[0], torch.stack(outs, 1))


def test_forget_bias():
    m = CharLM(10, 6, "lstm", forget_bias=1.0)
    total = m.rnn.bias_ih_l0[6:12] + m.rnn.bias_hh_l0[6:12]
    torch.testing.assert_close(total, torch.ones(6))
    with pytest.raises(ValueError):
        CharLM(10, 6, "rnn", forget_bias=1.0)
    with pytest.raises(ValueError, match="kind"):
        CharLM(10, 6, "transformer")


def test_sample_is_reproducible_and_respects_temperature():
    torch.manual_seed(0)
    m = CharLM(7, 8, "rnn")
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    a, b = sample(m, [1, 2], 20, generator=g1), sample(m, [1, 2], 20, generator=g2)
    assert a == b and len(a) == 22 and a[:2] == [1, 2]
    assert all(isinstance(i, int) and 0 <= i < 7 for i in a)
    with torch.no_grad():  # a very peaked model: low temperature is greedy
        m.head.bias.copy_(torch.tensor([0.0, 0, 0, 3.0, 0, 0, 0]))
        m.head.weight.zero_()
    cold = sample(m, [0], 50, temperature=0.01, generator=torch.Generator().manual_seed(0))
    assert cold[1:] == [3] * 50
    hot = sample(m, [0], 400, temperature=100.0, generator=torch.Generator().manual_seed(0))
    assert len(set(hot[1:])) == 7
    with pytest.raises(ValueError):
        sample(m, [], 5)
    with pytest.raises(ValueError):
        sample(m, [0], 5, temperature=0.0)


def test_hidden_size_for_budget():
    for kind in ("rnn", "lstm", "gru"):
        H = hidden_size_for_budget(kind, 84, 200_000, 64)
        assert count_parameters(CharLM(84, H, kind, 64)) <= 200_000 < count_parameters(CharLM(84, H + 1, kind, 64))
    with pytest.raises(ValueError):
        hidden_size_for_budget("rnn", 84, 100, 64)
