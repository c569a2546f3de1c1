"""Unit tests for helpers.reference.rnn (week 5: RNNCell, sample; CharLM and budgets) and
helpers.reference.lstm (week 6: LSTMCell, the numpy cell and its backward, forget bias, clipping,
the recall task)."""

import numpy as np
import pytest
import torch

from helpers.reference.lstm import (
    LSTMCell,
    clip_grad_norm,
    init_forget_bias,
    lstm_cell_backward_numpy,
    lstm_cell_numpy,
    make_recall_task,
)
from helpers.reference.rnn import CharLM, RNNCell, count_parameters, hidden_size_for_budget, sample


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


def test_reference_modules_hold_their_own_weeks_answers():
    import helpers.reference.rnn as rnn
    from helpers.reference import week_of

    assert week_of("rnn") == 5 and week_of("lstm") == 6
    assert not hasattr(rnn, "LSTMCell") and not hasattr(rnn, "clip_grad_norm")


def test_lstm_numpy_forward_and_backward_match_torch():
    rng = np.random.default_rng(0)
    N, I, H = 3, 4, 5
    x, h, c = rng.normal(size=(N, I)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    W_ih, W_hh, b_ih, b_hh = (
        rng.normal(size=(4 * H, I)),
        rng.normal(size=(4 * H, H)),
        rng.normal(size=4 * H),
        rng.normal(size=4 * H),
    )
    ref = torch.nn.LSTMCell(I, H).double()
    with torch.no_grad():
        for name, v in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), (W_ih, W_hh, b_ih, b_hh)):
            getattr(ref, name).copy_(torch.from_numpy(v))
    xt, ht, ct = (torch.from_numpy(a).requires_grad_() for a in (x, h, c))
    hn, cn = ref(xt, (ht, ct))
    got_h, got_c = lstm_cell_numpy(x, h, c, W_ih, W_hh, b_ih, b_hh)
    np.testing.assert_allclose(got_h, hn.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(got_c, cn.detach().numpy(), atol=1e-12)
    dh_new, dc_new = rng.normal(size=(N, H)), rng.normal(size=(N, H))
    (hn * torch.from_numpy(dh_new) + cn * torch.from_numpy(dc_new)).sum().backward()
    dx, dh, dc, dW_ih, dW_hh, db = lstm_cell_backward_numpy(dh_new, dc_new, x, h, c, W_ih, W_hh, b_ih, b_hh)
    for got, want in [
        (dx, xt.grad),
        (dh, ht.grad),
        (dc, ct.grad),
        (dW_ih, ref.weight_ih.grad),
        (dW_hh, ref.weight_hh.grad),
        (db, ref.bias_ih.grad),
        (db, ref.bias_hh.grad),
    ]:
        np.testing.assert_allclose(got, want.numpy(), atol=1e-10)


def test_init_forget_bias_cell_and_stacked_lstm():
    cell = init_forget_bias(LSTMCell(3, 4), 2.0)
    torch.testing.assert_close((cell.bias_ih + cell.bias_hh)[4:8].detach(), torch.full((4,), 2.0))
    lstm = torch.nn.LSTM(3, 4, num_layers=2)
    before = {n: p.detach().clone() for n, p in lstm.named_parameters()}
    init_forget_bias(lstm, 1.0)
    for layer in (0, 1):
        total = getattr(lstm, f"bias_ih_l{layer}") + getattr(lstm, f"bias_hh_l{layer}")
        torch.testing.assert_close(total[4:8].detach(), torch.ones(4))
        for name in (f"bias_ih_l{layer}", f"bias_hh_l{layer}"):
            p = getattr(lstm, name).detach()
            torch.testing.assert_close(torch.cat([p[:4], p[8:]]), torch.cat([before[name][:4], before[name][8:]]))


def test_clip_grad_norm_matches_torch():
    torch.manual_seed(0)
    a, b = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    b.load_state_dict(a.state_dict())
    for m in (a, b):
        m(torch.ones(2, 4)).pow(2).sum().mul(10).backward()
    total = clip_grad_norm(a.parameters(), 0.5)
    want = torch.nn.utils.clip_grad_norm_(b.parameters(), 0.5)
    torch.testing.assert_close(total, want)
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p.grad, q.grad)


def test_make_recall_task():
    x, y = make_recall_task(50, 7, 5, seed=3)
    assert x.shape == (50, 8) and y.shape == (50,) and x.dtype == torch.int64
    assert torch.equal(y, x[:, 0]) and int(x.min()) >= 0 and int(x.max()) < 5
    assert torch.equal(make_recall_task(50, 7, 5, seed=3)[0], x)
    with pytest.raises(ValueError):
        make_recall_task(5, 0, 5, seed=0)
