"""helpers.reference.byte_bpe and helpers.reference.scaling (week 10 answers)."""

import pytest

from helpers.reference.byte_bpe import bpe_decode, bpe_encode, train_byte_bpe
from helpers.reference.scaling import fit_power_law


def test_worked_example_and_ties():
    merges = train_byte_bpe("aaabdaaabac", 259)
    assert merges == [(97, 97), (97, 98), (256, 257)]  # the tie (97, 98) vs (256, 97) goes to the smaller pair
    assert bpe_encode("aaabdaaabac", merges) == [258, 100, 258, 97, 99]
    assert bpe_decode([258, 100, 258, 97, 99], merges) == "aaabdaaabac"


def test_bytes_not_characters_and_edge_cases():
    assert train_byte_bpe("ééé", 258) == [(195, 169), (256, 256)]
    assert train_byte_bpe("ab", 300) == [(97, 98)]
    assert train_byte_bpe("", 260) == [] and train_byte_bpe("x", 256) == []
    with pytest.raises(ValueError):
        train_byte_bpe("abc", 255)
    assert bpe_encode("", []) == [] and bpe_encode("é", []) == [195, 169]
    assert bpe_decode([195, 169], []) == "é" and bpe_decode([255], []) == "\ufffd"


def test_lossless_on_unseen_text_and_matches_training():
    text = "the cat sat on the mat; the cat ate the rat. " * 20
    merges = train_byte_bpe(text, 300)
    assert 0 < len(merges) <= 44
    for s in [text, "naïve café ☃ 漢字 🙂", "\t  two  spaces\n\n"]:
        assert bpe_decode(bpe_encode(s, merges), merges) == s
    assert len(bpe_encode(text, merges)) < len(text) / 3


def test_fit_power_law():
    a, b = fit_power_law([1, 10, 100], [3.0, 3.0 / 10**0.5, 0.3])
    assert a == pytest.approx(3.0) and b == pytest.approx(-0.5)
    with pytest.raises(ValueError):
        fit_power_law([1], [1])
    with pytest.raises(ValueError):
        fit_power_law([1, 0], [1, 2])
