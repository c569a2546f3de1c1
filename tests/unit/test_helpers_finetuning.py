"""helpers.finetuning: the given code of week 10 (tasks, exact match, LoRA plumbing, canaries)."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import helpers.finetuning as ft
from helpers.reference.gpt import GPT, GPTConfig
from helpers.reference.instruct import instruction_example, replay_loss
from helpers.reference.lora import LoRALinear
from helpers.reference.safety import exposure


def test_holds_no_graded_answer():
    for name in [
        "train_byte_bpe",
        "bpe_encode",
        "write_tokens",
        "get_batch_memmap",
        "LoRALinear",
        "instruction_example",
        "replay_loss",
        "exposure",
        "memorization_rate",
        "flag_toxic",
        "fit_power_law",
        "mask_prompt",
        "bits_per_char",
    ]:
        assert not hasattr(ft, name), name


def test_tasks_and_examples():
    ex = ft.make_example("last", "But soft, what light")
    # the space before the answer belongs to the answer: a BPE tokenizer joins it to the word after it
    assert ex.prompt == "last: But soft, what light\nanswer:" and ex.answer == " light\n"
    assert ex.text == "last: But soft, what light\nanswer: light\n"
    assert ft.task_answer("upper", "a b") == "A B" and ft.task_answer("first", "a b") == "a"
    with pytest.raises(ValueError):
        ft.task_answer("sort", "a")
    exs = ft.make_examples(["a b c", "d e f"], 6)
    assert [e.task for e in exs] == list(ft.TASKS) * 2


class Lookup(nn.Module):
    def forward(self, idx, targets=None):
        return F.one_hot((idx + 1) % 10, 10).float() * 5, None


def test_exact_match_with_a_passed_pair_builder():
    enc = lambda s: [int(c) for c in s]  # noqa: E731
    exs = [ft.Example("a", "", "12", "34"), ft.Example("b", "", "5", "68"), ft.Example("b", "", "8", "90")]
    acc = ft.exact_match_accuracy(Lookup(), exs, enc, make_pair=instruction_example)
    assert acc == {"all": pytest.approx(2 / 3), "a": 1.0, "b": 0.5}
    pairs = ft.encode_examples(exs, enc, instruction_example, prefix="0123", block_size=3)
    assert [len(x) for x, _ in pairs] == [3, 3, 3]


def test_lora_plumbing_and_canary_scoring():
    torch.manual_seed(0)
    m = GPT(GPTConfig(vocab_size=12, block_size=16, n_layer=1, n_head=2, n_embd=8))
    x = torch.randint(12, (2, 10))
    before = m(x)[0]
    names = ft.apply_lora(m, lora_class=LoRALinear, r=2, alpha=4)
    assert names and ft.count_parameters(m, trainable_only=True) > 0
    assert torch.allclose(m(x)[0], before, atol=1e-6)
    assert ft.merge_lora(m) == len(names)
    lps = ft.sequence_logprobs(m, [1, 2, 3], [[4, 5], [6, 7], [4, 5]])
    assert len(lps) == 3 and lps[0] == pytest.approx(lps[2]) and all(lp < 0 for lp in lps)
    # continuations of different lengths (a BPE tokenizer can give them), in their order
    mixed = ft.sequence_logprobs(m, [1, 2, 3], [[4, 5, 6], [4], [4, 5], [7]], batch_size=1)
    one = lambda c: float(
        F.log_softmax(m(torch.tensor([[1, 2, 3] + c[:-1]]))[0][0, -len(c) :].detach(), -1)
        .gather(1, torch.tensor(c)[:, None])
        .sum()
    )  # noqa: E731
    assert mixed == pytest.approx([one([4, 5, 6]), one([4]), one([4, 5]), one([7])], abs=1e-5)
    with pytest.raises(ValueError):
        ft.sequence_logprobs(m, [1], [[]])
    assert exposure(lps[0], lps[1:]) <= math.log2(3)
    text = ft.plant_canary("a\nb\nc", "SECRET", times=3, seed=0)
    assert text.split("\n").count("SECRET") == 3
    assert "12345" not in ft.random_secrets(50, exclude=["12345"], seed=1)


def test_replay_loss_reference():
    m = Lookup()
    ix, iy = ft.collate([instruction_example([1, 2], [3, 4])])
    lx, ly = torch.tensor([[1, 2, 3]]), torch.tensor([[2, 3, 5]])
    inst = F.cross_entropy(m(ix)[0][0, 1:], torch.tensor([3, 4]))
    lm = F.cross_entropy(m(lx)[0][0], ly[0])
    assert float(replay_loss(m, ix, iy, lx, ly, 0.5)) == pytest.approx(float(inst + 0.5 * lm))
    with pytest.raises(ValueError):
        replay_loss(m, ix, torch.full_like(iy, -100), None, None)


def test_choose_num_threads(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
        n = ft.choose_num_threads(repeats=1)
        assert n >= 1 and torch.get_num_threads() == n
        monkeypatch.setenv("OMP_NUM_THREADS", "1")  # a grader's choice is kept, not measured
        assert ft.choose_num_threads() == 1 == torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


def test_text_bits_per_char_scores_every_token_once():
    torch.manual_seed(0)
    m = GPT(GPTConfig(vocab_size=12, block_size=4, n_layer=1, n_head=2, n_embd=8))
    ids = torch.randint(12, (11,))
    # windows [0:4], [4:8] and the last, shorter one [8:10] predict tokens 1..10, each once
    nll = 0.0
    for s, e in ((0, 4), (4, 8), (8, 10)):
        logits = m(ids[s:e][None])[0][0]
        nll += float(F.cross_entropy(logits, ids[s + 1 : e + 1], reduction="sum"))
    assert ft.text_bits_per_char(m, ids, 25, batch_size=1) == pytest.approx(nll / (25 * math.log(2)), rel=1e-5)
    assert ft.text_bits_per_char(m, ids.tolist(), 25) == pytest.approx(nll / (25 * math.log(2)), rel=1e-5)
    assert m.training  # its mode is restored
    with pytest.raises(ValueError):
        ft.text_bits_per_char(m, [3], 5)


def test_chars_after_first_token():
    itos = list("ab c")
    dec = lambda ids: "".join(itos[i] for i in ids)  # noqa: E731
    assert ft.chars_after_first_token(dec, [0, 1, 2, 3], "ab c") == 3
    assert (
        ft.chars_after_first_token(lambda ids: ["ab", " c"][ids[0]], [0, 1], "ab c") == 2
    )  # a first token of two characters
