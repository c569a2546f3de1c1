"""A dataset pipeline for language models (week 10): tokenize once, keep the ids in a compact
memory-mapped file, draw random windows from it.

    paths = build_token_files(sp.encode, train_text, val_text, out_dir, "bpe2000", vocab_size=2000)
    train = load_tokens(paths["train"])           # np.memmap of uint16, nothing read yet
    x, y = get_batch_memmap(train, block_size=128, batch_size=32, generator=g)

The training and validation texts go to **separate files**, so no window ever mixes them (a
window that straddled the split would leak validation text into training). uint16 holds ids up
to 65535, enough for any vocabulary this course uses, and takes 2 bytes a token (a Python list of
ints takes about 36; an int64 tensor 8). Real pipelines (nanoGPT's ``prepare.py``) do the same.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import torch

DTYPE = np.uint16
MAX_VOCAB = int(np.iinfo(DTYPE).max) + 1


def write_tokens(ids: Iterable[int], path: str | os.PathLike, vocab_size: int | None = None) -> Path:
    """Write token ids to ``path`` as raw uint16 (with a small ``.json`` sidecar); return the path."""
    arr = np.asarray(ids if not isinstance(ids, torch.Tensor) else ids.cpu().numpy())
    if arr.ndim != 1:
        raise ValueError(f"token ids should be 1D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("no token ids to write")
    lo, hi = int(arr.min()), int(arr.max())
    if lo < 0 or hi >= MAX_VOCAB:
        raise ValueError(f"token ids must lie in [0, {MAX_VOCAB}) to fit uint16, got the range [{lo}, {hi}]")
    if vocab_size is not None and hi >= vocab_size:
        raise ValueError(f"token id {hi} is not below vocab_size={vocab_size}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    arr.astype(DTYPE).tofile(tmp)
    os.replace(tmp, path)
    meta = {"dtype": "uint16", "num_tokens": int(arr.size), "vocab_size": vocab_size}
    path.with_name(path.name + ".json").write_text(json.dumps(meta))
    return path


def load_tokens(path: str | os.PathLike) -> np.memmap:
    """Open a token file read-only as a memory map (the OS reads only the windows you touch)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no token file at {path}: build it with build_token_files first")
    if path.stat().st_size % np.dtype(DTYPE).itemsize:
        raise ValueError(
            f"{path} has {path.stat().st_size} bytes, not a whole number of uint16 tokens: "
            "is it a token file? rebuild it"
        )
    return np.memmap(path, dtype=DTYPE, mode="r")


def build_token_files(
    encode: Callable[[str], list[int]],
    train_text: str,
    val_text: str,
    out_dir: str | os.PathLike,
    name: str,
    vocab_size: int | None = None,
    force: bool = False,
) -> dict[str, Path]:
    """Tokenize the training and the validation text once each, into ``<name>.train.bin`` and
    ``<name>.val.bin`` under ``out_dir``. Existing files with the same token count metadata are
    reused unless ``force``; return ``{"train": path, "val": path}``."""
    out_dir = Path(out_dir)
    paths = {}
    for split, text in (("train", train_text), ("val", val_text)):
        if not text:
            raise ValueError(f"the {split} text is empty")
        path = out_dir / f"{name}.{split}.bin"
        meta_path = path.with_name(path.name + ".json")
        fingerprint = {"chars": len(text), "head": text[:64], "tail": text[-64:]}
        if not force and path.is_file() and meta_path.is_file():
            meta = json.loads(meta_path.read_text())
            if meta.get("source") == fingerprint and meta.get("vocab_size") == vocab_size:
                paths[split] = path
                continue
        write_tokens(encode(text), path, vocab_size)
        meta = json.loads(meta_path.read_text())
        meta["source"] = fingerprint
        meta_path.write_text(json.dumps(meta))
        paths[split] = path
    return paths


def get_batch_memmap(
    tokens: np.ndarray,
    block_size: int,
    batch_size: int,
    generator: torch.Generator | None = None,
    device: str | torch.device = "cpu",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random windows of a 1D token array (e.g. a memmap): ``x`` (B, T) int64 and ``y`` = ``x``
    shifted by one. Only the ``B * (T + 1)`` tokens of the windows are read."""
    if tokens.ndim != 1:
        raise ValueError(f"tokens should be 1D, got shape {tokens.shape}")
    if len(tokens) <= block_size:
        raise ValueError(f"the token array has {len(tokens)} tokens, need more than block_size={block_size}")
    starts = torch.randint(len(tokens) - block_size, (batch_size,), generator=generator).numpy()
    windows = np.stack([np.asarray(tokens[s : s + block_size + 1], dtype=np.int64) for s in starts])  # (B, T+1)
    w = torch.from_numpy(windows)
    x, y = w[:, :-1], w[:, 1:]
    if str(device).startswith("cuda"):
        return x.pin_memory().to(device, non_blocking=True), y.pin_memory().to(device, non_blocking=True)
    return x.contiguous().to(device), y.contiguous().to(device)
