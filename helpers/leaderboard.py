"""The course leaderboard: the character-level models of weeks 5, 6 and 8 scored the same way.

A model's score is its mean cross entropy, in nats per character, on the same fixed windows of
the validation split: ``estimate_loss`` over ``num_batches`` batches of ``BATCH_SIZE`` windows
of ``block_size`` characters, each read from a zero state. Weeks 5 and 6 save their models'
scores with ``save_scores``; week 8 reads them with ``load_scores`` and puts BabyGPT beside
them. A score saved for another split (fast mode, another corpus) or other windows is not read.

    scores = {"RNN (week 5)": leaderboard_score(model, val_data, get_batch=get_batch)}
    save_scores("week05", scores, val_data)       # output_dir("week05") / "leaderboard.json"
    load_scores("week05", val_data)               # {"RNN (week 5)": 1.73} or None
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from helpers.runtime import output_dir
from helpers.training import estimate_loss

BLOCK_SIZE = 64  # characters per window: week 8's context
BATCH_SIZE = 64
NUM_BATCHES = 20
FILE = "leaderboard.json"


def leaderboard_score(
    model: torch.nn.Module,
    val_data: torch.Tensor,
    block_size: int = BLOCK_SIZE,
    num_batches: int = NUM_BATCHES,
    device="cpu",
    get_batch=None,
) -> float:
    """The model's leaderboard score: nats per character on the fixed validation windows."""
    return estimate_loss(model, val_data, block_size, BATCH_SIZE, num_batches, device=device, get_batch=get_batch)


def _protocol(val_data: torch.Tensor, block_size: int, num_batches: int) -> dict:
    # what makes two scores comparable: the same split (its length and a checksum) and the same windows
    return {
        "val_chars": len(val_data),
        "val_checksum": int(val_data.long().sum()),
        "block_size": block_size,
        "batch_size": BATCH_SIZE,
        "num_batches": num_batches,
    }


def save_scores(
    week: str,
    scores: dict[str, float],
    val_data: torch.Tensor,
    block_size: int = BLOCK_SIZE,
    num_batches: int = NUM_BATCHES,
) -> Path:
    """Write ``scores`` ({label: nats per character}) to ``output_dir(week) / "leaderboard.json"``."""
    path = output_dir(week) / FILE
    entry = _protocol(val_data, block_size, num_batches) | {"scores": {k: float(v) for k, v in scores.items()}}
    path.write_text(json.dumps(entry, indent=1))
    return path


def load_scores(
    week: str, val_data: torch.Tensor, block_size: int = BLOCK_SIZE, num_batches: int = NUM_BATCHES
) -> dict[str, float] | None:
    """The scores ``week`` saved for this split and these windows, or None (none saved, or not comparable)."""
    path = output_dir(week) / FILE
    if not path.is_file():
        return None
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    wanted = _protocol(val_data, block_size, num_batches)
    if any(saved.get(k) != v for k, v in wanted.items()) or not isinstance(saved.get("scores"), dict):
        return None
    return {str(k): float(v) for k, v in saved["scores"].items()}
