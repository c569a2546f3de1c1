"""helpers.leaderboard: scores saved by weeks 5-6 are read back by week 8 only when comparable."""

import json

import pytest
import torch
import torch.nn as nn

from helpers.leaderboard import BATCH_SIZE, leaderboard_score, load_scores, save_scores
from helpers.training import estimate_loss


class _Bigram(nn.Module):
    def __init__(self, V=11):
        super().__init__()
        self.emb = nn.Embedding(V, V)

    def forward(self, idx):
        return self.emb(idx)


@pytest.fixture
def runs(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_OUTPUT", str(tmp_path))
    return tmp_path


def test_score_is_estimate_loss_on_the_fixed_windows():
    torch.manual_seed(0)
    model, val = _Bigram(), torch.randint(0, 11, (3000,))
    got = leaderboard_score(model, val, block_size=16, num_batches=3)
    assert got == estimate_loss(model, val, 16, BATCH_SIZE, 3)
    assert got == leaderboard_score(model, val, block_size=16, num_batches=3)  # the same windows every time


def test_saved_scores_come_back_for_the_same_split_and_windows(runs):
    val = torch.randint(0, 11, (5000,), generator=torch.Generator().manual_seed(1))
    path = save_scores("week05", {"RNN (week 5)": 1.734}, val)
    assert path == runs / "week05" / "leaderboard.json"
    assert load_scores("week05", val) == {"RNN (week 5)": 1.734}
    assert load_scores("week06", val) is None  # nothing saved


def test_scores_of_another_split_or_other_windows_are_not_read(runs):
    val = torch.randint(0, 11, (5000,), generator=torch.Generator().manual_seed(1))
    save_scores("week06", {"LSTM (week 6)": 1.7}, val)
    other = val.clone()
    other[0] = (other[0] + 1) % 11  # same length, other text
    assert load_scores("week06", other) is None
    assert load_scores("week06", val[:4000]) is None  # fast mode's shorter split
    assert load_scores("week06", val, block_size=32) is None
    assert load_scores("week06", val, num_batches=4) is None


def test_a_damaged_file_is_ignored(runs):
    val = torch.arange(100) % 7
    path = save_scores("week05", {"RNN (week 5)": 2.0}, val)
    path.write_text("{not json")
    assert load_scores("week05", val) is None
    path.write_text(json.dumps({"val_chars": 100}))  # valid JSON, no scores
    assert load_scores("week05", val) is None
