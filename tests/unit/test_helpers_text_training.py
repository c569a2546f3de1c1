import sys

import pytest
import torch

from helpers import training
from helpers.reference import text


def test_vocab_round_trip_and_errors():
    stoi, itos = text.build_vocab("hello world")
    assert itos == sorted(set("hello world")) and stoi["h"] == itos.index("h")
    assert text.decode(text.encode("hello", stoi), itos) == "hello"
    with pytest.raises(KeyError, match="not in the vocabulary"):
        text.encode("z", stoi)
    with pytest.raises(ValueError):
        text.build_vocab("")


def test_get_batch_shifts_by_one():
    data = torch.arange(100)
    g = torch.Generator().manual_seed(0)
    x, y = text.get_batch(data, 8, 4, g)
    assert x.shape == y.shape == (4, 8)
    assert torch.equal(y, x + 1)
    x2, _ = text.get_batch(data, 8, 4, torch.Generator().manual_seed(0))
    assert torch.equal(x, x2)
    with pytest.raises(ValueError, match="need more than block_size"):
        text.get_batch(torch.arange(5), 8, 1)
    with pytest.raises(ValueError, match="1D tensor"):
        text.get_batch(torch.zeros(2, 50, dtype=torch.long), 8, 1)


def test_char_data_on_real_corpus():
    d = text.char_data(max_chars=20_000)
    assert d.vocab_size == 84
    assert len(d.train) == 20_000 and 2000 <= len(d.val) <= 2300
    from helpers.data import load_corpus

    assert d.decode(d.train[:40]) == load_corpus()[:40]
    assert d.decode(d.val[:30]) == load_corpus()[4_547_008:4_547_038]


def test_train_loop_learns_and_records():
    torch.manual_seed(0)
    data = torch.tensor([0, 1, 2, 3] * 200)
    model = torch.nn.Sequential(torch.nn.Embedding(4, 16), torch.nn.Linear(16, 4))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    step = training.lm_step(model, opt, data, block_size=8, batch_size=8, generator=torch.Generator().manual_seed(0))
    evaluate = lambda: training.estimate_loss(model, data, 8, 8, num_batches=3)  # noqa: E731
    hist = training.train(step, 60, evaluate=evaluate, eval_every=20, progress=False)
    assert hist.eval_steps == [20, 40, 60] and len(hist.train_loss) == 60
    assert hist.val_loss[-1] < 0.1 < hist.train_loss[0]
    assert hist.best_val == min(hist.val_loss) and hist.seconds > 0


def test_train_loop_stops_on_nan():
    with pytest.raises(FloatingPointError, match="lower the learning rate"):
        training.train(lambda i: float("nan"), 3, progress=False)


def test_train_stop_callback_ends_training_early():
    from helpers.training import train

    calls = []
    hist = train(
        lambda i: calls.append(i) or 1.0,
        100,
        evaluate=lambda: 5.0 - len(calls) / 100,
        eval_every=10,
        progress=False,
        stop=lambda h: len(h.val_loss) == 3,
    )
    assert calls == list(range(30)) and hist.eval_steps == [10, 20, 30]


def test_without_week5s_answers_the_default_window_sampler_says_what_to_pass(monkeypatch):
    """Week 5's kit has no helpers.reference.text: the default sampler asks for the learner's own."""
    monkeypatch.setitem(sys.modules, "helpers.reference.text", None)
    with pytest.raises(ImportError, match="pass your own, get_batch="):
        training.estimate_loss(torch.nn.Linear(2, 2), torch.arange(100), 8, 2, 1)
