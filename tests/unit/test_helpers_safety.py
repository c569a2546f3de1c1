"""helpers.reference.safety: memorization share, canary planting and exposure, word-list filter."""

import math

import pytest
import torch.nn.functional as F
from torch import nn

from helpers.reference.safety import (
    canary_exposure,
    filter_generations,
    flag_words,
    memorization_share,
    ngrams,
    plant_canary,
    random_secrets,
    sequence_logprob,
)


def test_ngrams_and_memorization():
    assert ngrams("a b c d", 2) == [("a", "b"), ("b", "c"), ("c", "d")]
    assert ngrams("a b", 3) == []
    ref = "the quick brown fox jumps over the lazy dog"
    assert memorization_share("quick brown fox", ref, 3) == 1.0
    assert memorization_share("quick brown cat jumps", ref, 2) == pytest.approx(1 / 3)
    assert memorization_share(["quick brown", "lazy cat"], set(ngrams(ref, 2)), 2) == 0.5
    assert math.isnan(memorization_share("too short", ref, 5))
    with pytest.raises(ValueError):
        ngrams("a", 0)


def test_plant_canary():
    text = "\n".join(f"line {i}" for i in range(50))
    planted = plant_canary(text, "the code is 12345", times=3, seed=1)
    lines = planted.split("\n")
    assert lines.count("the code is 12345") == 3 and len(lines) == 53
    assert [ln for ln in lines if ln != "the code is 12345"] == text.split("\n")
    assert plant_canary(text, "x", 3, seed=1) == plant_canary(text, "x", 3, seed=1)
    with pytest.raises(ValueError):
        plant_canary(text, "a\nb", 1)


class Counter(nn.Module):
    """Predicts next = (current + 1) mod V with high confidence."""

    def __init__(self, V=10):
        super().__init__()
        self.V = V

    def forward(self, idx, targets=None):
        return F.one_hot((idx + 1) % self.V, self.V).float() * 8, None


def test_logprob_and_exposure():
    enc = lambda s: [int(c) for c in s]  # noqa: E731
    m = Counter()
    lp = sequence_logprob(m, [1, 2], [3, 4])
    per = math.log(math.exp(8) / (math.exp(8) + 9))
    assert lp == pytest.approx(2 * per, rel=1e-4)
    res = canary_exposure(m, enc, "12", "345", random_secrets(30, digits=3, seed=0))
    assert res["rank"] == 1 and res["exposure"] == pytest.approx(math.log2(res["candidates"]))
    worse = canary_exposure(m, enc, "12", "999", ["345", "346"])
    assert worse["rank"] >= 2
    assert len(set(random_secrets(50, 4, seed=2))) == 50


def test_flag_words_and_its_limits():
    assert flag_words("Thou KNAVE, thou villain!") == ["knave", "villain"]
    assert flag_words("a classic glass of water") == []
    assert flag_words("you k n a v e", ["knave"]) == []  # the limit: spelling tricks pass
    kept, blocked = filter_generations(["fair day", "foul rogue"])
    assert kept == ["fair day"] and blocked == ["foul rogue"]
