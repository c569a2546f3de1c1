"""Subword tokenization with sentencepiece BPE (week 10), set up to be lossless on the course corpus.

    sp = train_bpe("data/shakespeare.txt", vocab_size=2000, model_prefix="shakespeare_bpe")
    ids = sp.encode(text)            # list[int]
    assert sp.decode(ids) == text    # every character, space and newline comes back

sentencepiece normally *normalizes* text (NFKC, collapsing runs of spaces, adding a leading
"▁"), which loses information. ``LOSSLESS_OPTIONS`` turns all of that off, adds the newline as
a symbol of its own (sentencepiece trains line by line and would never see it otherwise) and
falls back to bytes for anything unseen, so ``decode(encode(text)) == text`` for any text.
"""

from __future__ import annotations

import os
from pathlib import Path

import sentencepiece as spm

LOSSLESS_OPTIONS = dict(
    model_type="bpe",
    character_coverage=1.0,  # keep every character of the corpus
    normalization_rule_name="identity",  # no NFKC: the text is tokenized as it is
    remove_extra_whitespaces=False,  # runs of spaces are kept
    add_dummy_prefix=False,  # no "▁" added in front of the text
    allow_whitespace_only_pieces=True,  # "▁▁▁▁" (indentation) can be one piece
    user_defined_symbols=["\n"],  # the newline is a token of its own
    byte_fallback=True,  # anything unseen is spelt in bytes, never <unk>
    split_digits=True,
)


def model_path(model_prefix: str | os.PathLike) -> Path:
    """Where ``train_bpe`` puts ``<prefix>.model``: a relative prefix goes under ``output_dir('week10')``."""
    from helpers.runtime import output_dir

    prefix = Path(model_prefix)
    if not prefix.is_absolute() and prefix.parent == Path("."):
        prefix = output_dir("week10") / prefix
    return prefix.with_name(prefix.name + ".model")


def train_bpe(
    text_path: str | os.PathLike,
    vocab_size: int,
    model_prefix: str | os.PathLike,
    input_sentence_size: int = 1_000_000,
    num_threads: int = 2,
    verbose: bool = False,
) -> spm.SentencePieceProcessor:
    """Train a byte-pair-encoding model on a text file; return the loaded processor.

    ``model_prefix`` names the output (``<prefix>.model`` and ``<prefix>.vocab``); a bare name
    is written under ``helpers.runtime.output_dir('week10')``, a path with a folder as given.
    The tokenizer is lossless: ``sp.decode(sp.encode(text)) == text``.
    """
    text_path = Path(text_path)
    if not text_path.is_file():
        raise FileNotFoundError(f"train_bpe: no text file at {text_path}")
    if int(vocab_size) < 260 + 2:
        raise ValueError(
            f"vocab_size={vocab_size} is too small: byte fallback alone needs 256 pieces "
            "plus the special tokens; use a few hundred or more"
        )
    out = model_path(model_prefix)
    out.parent.mkdir(parents=True, exist_ok=True)
    spm.SentencePieceTrainer.train(
        input=str(text_path),
        model_prefix=str(out.with_suffix("")),
        vocab_size=int(vocab_size),
        input_sentence_size=input_sentence_size,
        shuffle_input_sentence=True,
        seed_sentencepiece_size=1_000_000,
        num_threads=num_threads,
        minloglevel=0 if verbose else 2,
        **LOSSLESS_OPTIONS,
    )
    return spm.SentencePieceProcessor(model_file=str(out))


def load_bpe(model_file: str | os.PathLike) -> spm.SentencePieceProcessor:
    """Load a model written by ``train_bpe``."""
    model_file = Path(model_file)
    if not model_file.is_file():
        raise FileNotFoundError(f"no sentencepiece model at {model_file}: train one with train_bpe first")
    return spm.SentencePieceProcessor(model_file=str(model_file))


def encode_long(sp: spm.SentencePieceProcessor, text: str, chunk_lines: int = 2000) -> list[int]:
    """Encode a long text piece by piece (whole blocks of lines), identical to ``sp.encode(text)``
    because no token spans a newline (the newline is a symbol of its own)."""
    lines = text.split("\n")
    ids: list[int] = []
    nl = sp.piece_to_id("\n")
    for start in range(0, len(lines), chunk_lines):
        block = "\n".join(lines[start : start + chunk_lines])
        if block:
            ids.extend(sp.encode(block))
        if start + chunk_lines < len(lines):
            ids.append(nl)
    return ids


def bits_per_char(mean_nll_per_token: float, n_tokens: int, n_chars: int) -> float:
    """Convert a mean loss per token (nats) into bits per character of the same text.

    The total information is ``mean_nll * n_tokens`` nats; divide by ln 2 for bits and by the
    number of characters the tokens spell. Only this is comparable across tokenizers.
    """
    import math

    if n_tokens <= 0 or n_chars <= 0:
        raise ValueError(f"n_tokens and n_chars must be positive, got {n_tokens}, {n_chars}")
    return float(mean_nll_per_token) * n_tokens / (n_chars * math.log(2))
