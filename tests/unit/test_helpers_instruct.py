"""helpers.reference.instruct: exact-match instruction tasks, prompt masking, teacher-forced accuracy."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.reference.instruct import (
    IGNORE_INDEX,
    collate,
    encode_examples,
    exact_match,
    exact_match_accuracy,
    few_shot_prefix,
    greedy_complete,
    make_example,
    make_examples,
    mask_prompt,
    masked_lm_loss,
    select_lines,
    task_answer,
)


def test_task_answers():
    line = "To be, or not to be"
    assert task_answer("upper", line) == "TO BE, OR NOT TO BE"
    assert task_answer("first", line) == "To"
    assert task_answer("reverse", line) == "be to not or be, To"
    with pytest.raises(ValueError):
        task_answer("sort", line)
    ex = make_example("first", line)
    assert ex.prompt == "first: To be, or not to be\nanswer:" and ex.answer == " To\n"


def test_select_lines_and_make_examples():
    text = "ROMEO.\nBut soft, what light\nno\nBut soft, what light\n  Through yonder window breaks  \n"
    lines = select_lines(text, min_chars=5, max_chars=40)
    assert lines == ["But soft, what light", "Through yonder window breaks"]
    exs = make_examples(lines, 6, seed=0)
    assert [e.task for e in exs] == ["upper", "first", "reverse"] * 2
    assert make_examples(lines, 6, seed=0) == exs


def test_mask_prompt():
    x, y = mask_prompt([1, 2, 3], [4, 5])
    assert x.tolist() == [1, 2, 3, 4]
    assert y.tolist() == [IGNORE_INDEX, IGNORE_INDEX, 4, 5]
    with pytest.raises(ValueError):
        mask_prompt([], [1])


def test_collate_pads_labels_with_ignore():
    X, Y = collate([mask_prompt([1, 2], [3]), mask_prompt([1], [2, 3, 4])], pad_id=0)
    assert X.tolist() == [[1, 2, 0], [1, 2, 3]]
    assert Y.tolist() == [[-100, 3, -100], [2, 3, 4]]


class Lookup(nn.Module):
    """A 'language model' that predicts next = (current + 1) mod V (perfect on counting sequences)."""

    def __init__(self, V=10):
        super().__init__()
        self.V = V
        self.w = nn.Parameter(torch.zeros(1))

    def forward(self, idx, targets=None):
        return F.one_hot((idx + 1) % self.V, self.V).float() * 5 + self.w, None


def test_exact_match_and_accuracy():
    m = Lookup()
    pairs = [mask_prompt([1, 2], [3, 4]), mask_prompt([5], [6, 8]), mask_prompt([0, 9, 5], [6])]
    assert exact_match(m, pairs, batch_size=2) == [True, False, True]
    enc = lambda s: [int(c) for c in s]  # noqa: E731
    from helpers.reference.instruct import Example

    exs = [Example("a", "", "12", "34"), Example("b", "", "5", "68"), Example("b", "", "8", "90")]
    acc = exact_match_accuracy(m, exs, enc)
    assert acc == {"all": pytest.approx(2 / 3), "a": 1.0, "b": 0.5}
    # block_size crops the prompt from the left but keeps the answer
    assert [len(x) for x, _ in encode_examples(exs, enc, prefix="0123", block_size=3)] == [3, 3, 3]


def test_masked_loss_ignores_prompt():
    m = Lookup()
    X, Y = collate([mask_prompt([1, 7, 7, 7], [8, 9])])
    loss_all = masked_lm_loss(m, X, Y)
    logits = m(X)[0]
    expected = F.cross_entropy(logits[0, 3:], torch.tensor([8, 9]))
    torch.testing.assert_close(loss_all, expected)


def test_few_shot_and_greedy():
    exs = make_examples(["a b c d e f", "g h i j k l", "m n o p q r"], 6) + [make_example("upper", "g h i j k l")]
    pre = few_shot_prefix(exs, k=1)
    target = make_example("upper", "a b c d e f")
    shots = [e for e in exs if e.task == target.task and e.line != target.line]
    assert shots, "no other 'upper' example to demonstrate with"
    assert pre(target) == shots[0].text  # one solved demonstration of the same task, another line
    assert target.line not in pre(target)
    out = greedy_complete(Lookup(), [1, 2], max_new_tokens=5, block_size=4, stop_id=5)
    assert out == [3, 4, 5]
