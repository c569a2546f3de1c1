"""Character-level text for language models: vocabulary, encoding, batches (weeks 5-10).

Week 5 builds these as exercises; later weeks import them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


def build_vocab(text: str) -> tuple[dict[str, int], list[str]]:
    """Sorted character vocabulary: ``stoi`` maps a character to its id, ``itos`` the reverse."""
    if not text:
        raise ValueError("build_vocab needs a non-empty text")
    itos = sorted(set(text))
    return {ch: i for i, ch in enumerate(itos)}, itos


def encode(text: str, stoi: dict[str, int]) -> list[int]:
    try:
        return [stoi[ch] for ch in text]
    except KeyError as e:
        raise KeyError(
            f"character {e.args[0]!r} is not in the vocabulary; build the vocabulary from "
            "text that contains it, or remove it from the input"
        ) from None


def decode(ids, itos: list[str]) -> str:
    return "".join(itos[int(i)] for i in ids)


def get_batch(
    data: torch.Tensor,
    block_size: int,
    batch_size: int,
    generator: torch.Generator | None = None,
    device: str | torch.device = "cpu",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random windows of a 1D token tensor: ``x`` (B, T) and ``y`` = ``x`` shifted by one."""
    if data.dim() != 1:
        raise ValueError(f"data should be a 1D tensor of token ids, got shape {tuple(data.shape)}")
    if len(data) <= block_size:
        raise ValueError(f"data has {len(data)} tokens, need more than block_size={block_size}")
    ix = torch.randint(len(data) - block_size, (batch_size,), generator=generator)
    offsets = torch.arange(block_size)
    x = data[ix[:, None] + offsets]  # (B, T)
    y = data[ix[:, None] + offsets + 1]  # (B, T)
    return x.to(device), y.to(device)


@dataclass
class CharData:
    """A corpus encoded at character level and split into train and validation tensors."""

    stoi: dict[str, int]
    itos: list[str]
    train: torch.Tensor
    val: torch.Tensor

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        return encode(text, self.stoi)

    def decode(self, ids) -> str:
        return decode(ids, self.itos)


def char_data(text: str | None = None, val_fraction: float = 0.1, max_chars: int | None = None) -> CharData:
    """Encode ``text`` (default: the course corpus) and split it with ``helpers.data.train_val_split``.

    ``max_chars`` keeps only the first part of the training text (and a proportional
    validation part), for fast mode. The vocabulary always covers the whole text.
    """
    from helpers.data import load_corpus, train_val_split

    if text is None:
        text = load_corpus()
    stoi, itos = build_vocab(text)
    train_text, val_text = train_val_split(text, val_fraction)
    if max_chars is not None:
        train_text = train_text[:max_chars]
        val_text = val_text[: max(1, int(max_chars * val_fraction / (1 - val_fraction)))]
    as_tensor = lambda s: torch.tensor(encode(s, stoi), dtype=torch.long)  # noqa: E731
    return CharData(stoi, itos, as_tensor(train_text), as_tensor(val_text))
