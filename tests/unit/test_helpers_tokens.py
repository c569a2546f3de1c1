"""helpers.reference.tokens: uint16 token files, memory maps and random windows."""

import numpy as np
import pytest
import torch

from helpers.reference.text import get_batch
from helpers.reference.tokens import build_token_files, get_batch_memmap, load_tokens, write_tokens


def test_write_and_load_round_trip(tmp_path):
    ids = np.array([0, 5, 65535, 17, 3])
    path = write_tokens(ids, tmp_path / "a.bin", vocab_size=65536)
    assert path.stat().st_size == 2 * len(ids)
    mm = load_tokens(path)
    assert isinstance(mm, np.memmap) and mm.dtype == np.uint16
    assert mm.tolist() == ids.tolist()


def test_write_rejects_bad_ids(tmp_path):
    with pytest.raises(ValueError):
        write_tokens([1, 70000], tmp_path / "b.bin")
    with pytest.raises(ValueError):
        write_tokens([1, -1], tmp_path / "b.bin")
    with pytest.raises(ValueError):
        write_tokens([1, 9], tmp_path / "b.bin", vocab_size=5)
    with pytest.raises(ValueError):
        write_tokens([], tmp_path / "b.bin")
    with pytest.raises(FileNotFoundError):
        load_tokens(tmp_path / "none.bin")


def test_build_token_files_keeps_splits_apart_and_caches(tmp_path):
    calls = []

    def enc(s):
        calls.append(s)
        return [ord(c) for c in s]

    paths = build_token_files(enc, "abcdef" * 10, "XYZ" * 10, tmp_path, "chars", vocab_size=256)
    train, val = load_tokens(paths["train"]), load_tokens(paths["val"])
    assert len(train) == 60 and len(val) == 30
    assert set(train.tolist()) == set(map(ord, "abcdef")) and set(val.tolist()) == set(map(ord, "XYZ"))
    build_token_files(enc, "abcdef" * 10, "XYZ" * 10, tmp_path, "chars", vocab_size=256)
    assert len(calls) == 2, "unchanged texts should not be tokenized again"
    build_token_files(enc, "abcdeg" * 10, "XYZ" * 10, tmp_path, "chars", vocab_size=256)
    assert len(calls) == 3 and load_tokens(paths["train"])[5] == ord("g")


def test_windows_match_get_batch_and_are_shifted(tmp_path):
    data = np.arange(1000) % 251
    mm = load_tokens(write_tokens(data, tmp_path / "w.bin"))
    x, y = get_batch_memmap(mm, 16, 8, torch.Generator().manual_seed(3))
    assert x.shape == (8, 16) and x.dtype == torch.long
    assert torch.equal(x[:, 1:], y[:, :-1])
    xr, yr = get_batch(torch.tensor(data), 16, 8, torch.Generator().manual_seed(3))
    assert torch.equal(x, xr) and torch.equal(y, yr)
    with pytest.raises(ValueError):
        get_batch_memmap(mm[:10], 16, 2)
