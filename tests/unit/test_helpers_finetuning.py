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
    ]:
        assert not hasattr(ft, name), name


def test_tasks_and_examples():
    ex = ft.make_example("last", "But soft, what light")
    assert ex.prompt == "last: But soft, what light\nanswer: " and ex.answer == "light\n"
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
