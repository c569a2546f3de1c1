"""Byte-level byte-pair encoding from scratch (week 10): the reference answers of
``train_byte_bpe``, ``bpe_encode`` and ``bpe_decode``.

    merges = train_byte_bpe(text, vocab_size=512)   # 256 merges: [(a, b), ...], merge i makes id 256 + i
    ids = bpe_encode(text, merges)                   # list[int], every id < 256 + len(merges)
    assert bpe_decode(ids, merges) == text           # lossless on any UTF-8 text

Training starts from the UTF-8 bytes of the text (ids 0..255) and repeatedly merges the most
frequent adjacent pair (counted over the current sequence, overlapping occurrences included);
ties go to the smallest pair, comparing ``(first id, second id)``. Each merge replaces every
non-overlapping occurrence, left to right. Encoding applies the merges of training in their
order, so the same text gives the same tokens it was trained into.
"""

from __future__ import annotations

from collections import Counter


def _merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace every occurrence of ``pair`` in ``ids``, left to right, by ``new_id``."""
    out, i, a, b = [], 0, pair[0], pair[1]
    n = len(ids)
    while i < n:
        if i + 1 < n and ids[i] == a and ids[i + 1] == b:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def train_byte_bpe(text: str, vocab_size: int) -> list[tuple[int, int]]:
    """``vocab_size - 256`` merges learnt from ``text`` (fewer if the text runs out of pairs)."""
    if vocab_size < 256:
        raise ValueError(f"vocab_size must be at least 256 (the bytes), got {vocab_size}")
    ids = list(text.encode("utf-8"))
    merges: list[tuple[int, int]] = []
    for k in range(vocab_size - 256):
        counts = Counter(zip(ids, ids[1:]))
        if not counts:
            break
        pair = min(counts, key=lambda p: (-counts[p], p))
        merges.append(pair)
        ids = _merge(ids, pair, 256 + k)
    return merges


def bpe_encode(text: str, merges: list[tuple[int, int]]) -> list[int]:
    """The token ids of ``text``: its UTF-8 bytes with the merges applied in order."""
    ids = list(text.encode("utf-8"))
    rank = {tuple(p): i for i, p in enumerate(merges)}
    while len(ids) >= 2:
        pairs = set(zip(ids, ids[1:]))
        best = min(pairs, key=lambda p: rank.get(p, len(rank)))
        if best not in rank:
            break
        ids = _merge(ids, best, 256 + rank[best])
    return ids


def bpe_decode(ids: list[int], merges: list[tuple[int, int]]) -> str:
    """The text of ``ids``: expand every merged id into its bytes, then decode UTF-8."""
    vocab = {i: bytes([i]) for i in range(256)}
    for k, (a, b) in enumerate(merges):
        vocab[256 + k] = vocab[a] + vocab[b]
    return b"".join(vocab[i] for i in ids).decode("utf-8", errors="replace")
