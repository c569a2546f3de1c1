"""helpers.reference.bpe: a lossless sentencepiece BPE and the bits-per-character conversion."""

import math

import pytest

from helpers.reference.bpe import bits_per_char, encode_long, load_bpe, model_path, train_bpe

TEXT = (
    "From fairest creatures we desire increase,\n"
    "That thereby beauty's rose might never die,\n"
    "  But as the riper should by time decease,\n\n"
    "His tender heir might bear his memory:   \n"
) * 40 + "Odd: é, tabs\tand 123 digits.\n"


@pytest.fixture(scope="module")
def sp(tmp_path_factory):
    d = tmp_path_factory.mktemp("bpe")
    path = d / "corpus.txt"
    path.write_text(TEXT, encoding="utf-8")
    return train_bpe(path, vocab_size=420, model_prefix=d / "tiny"), d


def test_round_trip_is_lossless(sp):
    proc, _ = sp
    ids = proc.encode(TEXT)
    assert proc.decode(ids) == TEXT
    for s in ["  leading spaces", "trailing   \n\n\n", "unseen: ü 漢字 ☃", "\n", ""]:
        assert proc.decode(proc.encode(s)) == s, repr(s)


def test_compresses_and_has_requested_size(sp):
    proc, _ = sp
    assert proc.get_piece_size() == 420
    assert len(proc.encode(TEXT)) < len(TEXT) / 2  # repeated verse compresses well
    assert proc.piece_to_id("\n") != proc.unk_id()


def test_model_files_and_reload(sp):
    proc, d = sp
    assert (d / "tiny.model").is_file() and (d / "tiny.vocab").is_file()
    again = load_bpe(d / "tiny.model")
    assert again.encode(TEXT) == proc.encode(TEXT)


def test_bare_prefix_goes_to_output_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_OUTPUT", str(tmp_path))
    assert model_path("abc") == tmp_path / "week10" / "abc.model"


def test_encode_long_matches_encode(sp):
    proc, _ = sp
    assert encode_long(proc, TEXT, chunk_lines=7) == proc.encode(TEXT)


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        train_bpe(tmp_path / "missing.txt", 300, tmp_path / "m")
    (tmp_path / "t.txt").write_text(TEXT)
    with pytest.raises(ValueError):
        train_bpe(tmp_path / "t.txt", 100, tmp_path / "m")
    with pytest.raises(FileNotFoundError):
        load_bpe(tmp_path / "none.model")


def test_bits_per_char():
    # 100 tokens at ln(2) nats each = 100 bits, spread over 200 characters
    assert bits_per_char(math.log(2), 100, 200) == pytest.approx(0.5)
    # a char model: tokens == chars, so bits/char = nats/token / ln 2
    assert bits_per_char(1.5, 1000, 1000) == pytest.approx(1.5 / math.log(2))
    with pytest.raises(ValueError):
        bits_per_char(1.0, 0, 10)
