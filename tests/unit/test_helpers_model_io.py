"""helpers.model_io: a model saved with the source of its notebook-defined classes comes back
identical in a fresh module; tokenizers round-trip; load_capstone says which model it gives."""

from __future__ import annotations

import linecache
import sys
import textwrap
import types

import pytest
import torch

from helpers import model_io
from helpers.model_io import (
    CharTokenizer,
    CodeError,
    SentencePieceTokenizer,
    code_of,
    load_capstone,
    load_model_with_code,
    save_model_with_code,
    source_of,
)

CELLS = [
    """
    import math
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from dataclasses import dataclass
    from helpers.reference.gpt import GPT, MultiHeadSelfAttention
    SCALE = 2.0
    """,
    """
    class Norm(nn.Module):
        def __init__(self, d, eps=1e-6):
            super().__init__()
            self.eps = eps
            self.weight = nn.Parameter(torch.ones(d))

        def forward(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight
    """,
    """
    def gate(x):
        return F.silu(x) * SCALE / SCALE
    """,
    """
    @dataclass
    class Cfg:
        vocab_size: int = 11
        block_size: int = 8
        n_embd: int = 16
        n_head: int = 2
        dropout: float = 0.0
        bias: bool = False
    """,
    """
    class Tiny(nn.Module):
        generate = GPT.generate

        def __init__(self, config):
            super().__init__()
            self.config = config
            self.emb = nn.Embedding(config.vocab_size, config.n_embd)
            self.norm = Norm(config.n_embd)
            self.attn = MultiHeadSelfAttention(config)
            self.head = nn.Linear(config.n_embd, config.vocab_size)

        def forward(self, idx, targets=None):
            x = self.emb(idx)
            x = x + self.attn(gate(self.norm(x)))
            logits = self.head(x)
            loss = None
            if targets is not None:
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))
            return logits, loss
    """,
]


@pytest.fixture
def notebook(monkeypatch):
    """``notebook(cells)`` runs code cells as IPython does: each compiled under its own file name,
    kept in linecache, all in one namespace, the module ``__main__``."""
    return lambda cells=CELLS: _run_cells(cells, monkeypatch)


def _run_cells(cells, monkeypatch) -> dict:
    main = types.ModuleType("__main__")
    monkeypatch.setitem(sys.modules, "__main__", main)
    ns = main.__dict__
    for i, cell in enumerate(cells):
        src = textwrap.dedent(cell).strip() + "\n"
        name = f"/tmp/ipykernel_4242/{abs(hash((src, i)))}.py"
        linecache.cache[name] = (len(src), None, src.splitlines(True), name)
        exec(compile(src, name, "exec"), ns)
    return ns


def test_source_of_a_notebook_class_function_and_bare_dataclass(notebook):
    ns = notebook()
    assert source_of(ns["Norm"]).startswith("class Norm(nn.Module):")
    assert source_of(ns["gate"]).startswith("def gate(x):")
    assert source_of(ns["Cfg"]).startswith("@dataclass\nclass Cfg:")
    assert "def lr_at" in source_of(__import__("helpers.reference.gpt", fromlist=["lr_at"]).lr_at)


def test_code_of_brings_what_the_model_uses(notebook):
    ns = notebook()
    code = code_of(ns["Tiny"], ns["Cfg"])
    for line in (
        "from helpers.reference.gpt import GPT",
        "from helpers.reference.gpt import MultiHeadSelfAttention",
        "SCALE = 2.0",
        "class Norm",
        "def gate",
        "class Tiny",
    ):
        assert line in code
    assert code.index("class Norm") < code.index("class Tiny")  # dependencies first


def test_save_and_load_rebuild_the_same_model(tmp_path, notebook):
    ns = notebook()
    torch.manual_seed(0)
    model = ns["Tiny"](ns["Cfg"]())
    x = torch.randint(11, (2, 8))
    ref = model(x)[0]
    path = save_model_with_code(
        tmp_path / "m.pt", model, tokenizer=list("abcdefghijk"), metrics={"val_bits_per_char": 2.5}, extra={"a": [1]}
    )
    again, info = load_model_with_code(path)
    assert type(again).__module__.startswith("llm_course_saved_")
    assert not again.training
    assert torch.equal(again(x)[0], ref)
    assert again.generate(x[:, :3], 4, temperature=0).shape == (2, 7)
    assert info["metrics"] == {"val_bits_per_char": 2.5} and info["extra"] == {"a": [1]}
    assert info["tokenizer"].decode(info["tokenizer"].encode("cab")) == "cab"
    # a fine-tuned copy is saved again from the code the checkpoint carried
    copy = save_model_with_code(tmp_path / "copy.pt", again, code=info["code"], tokenizer=info["tokenizer"])
    third, _ = load_model_with_code(copy)
    assert torch.equal(third(x)[0], ref)


def test_a_global_that_is_not_code_or_a_constant_is_refused(notebook):
    ns = notebook(
        CELLS[:1]
        + [
            """
    TABLE = torch.ones(3)

    def uses_table(x):
        return x * TABLE
    """
        ]
    )
    with pytest.raises(CodeError, match="TABLE"):
        code_of(ns["uses_table"])


def test_locals_named_like_notebook_globals_are_not_saved(notebook):
    ns = notebook(
        CELLS[:1]
        + [
            """
    model = object()

    def local_names(x):
        model = x + 1
        return [model for _ in range(2)]
    """
        ]
    )
    assert "object" not in code_of(ns["local_names"])


def test_tokenizers_round_trip_with_specials(tmp_path):
    import sentencepiece as spm

    text = "the quick brown fox jumps over the lazy dog\n" * 50
    (tmp_path / "t.txt").write_text(text)
    spm.SentencePieceTrainer.train(
        input=str(tmp_path / "t.txt"), model_prefix=str(tmp_path / "sp"), vocab_size=30, minloglevel=2
    )
    sp = SentencePieceTokenizer(tmp_path / "sp.model")
    chat = sp.with_specials(["<|user|>", "<|assistant|>"])
    assert chat.vocab_size == sp.vocab_size + 2
    ids = chat.encode("<|user|>the fox<|assistant|>dog")
    assert ids[0] == chat.special_id("<|user|>") == sp.vocab_size
    assert chat.decode(ids) == "<|user|>the fox<|assistant|>dog"
    back = model_io.tokenizer_from_dict(chat.to_dict())
    assert back.encode("the fox") == sp.encode("the fox") and back.vocab_size == chat.vocab_size
    chars = CharTokenizer(list("abc")).with_specials(["<s>"])
    assert chars.encode("ab<s>c") == [0, 1, 3, 2] and chars.decode([0, 3]) == "a<s>"


def test_load_capstone_says_which(tmp_path, capsys, notebook):
    ns = notebook()
    model = ns["Tiny"](ns["Cfg"]())
    stand_in = lambda: (model, list("abcdefghijk"), "a toy stand-in")  # noqa: E731
    got = load_capstone(tmp_path / "missing.pt", stand_in=stand_in)
    assert got.is_stand_in and "a toy stand-in" in got.source and "no capstone checkpoint" in got.source
    assert "stand-in" in capsys.readouterr().out
    with pytest.raises(FileNotFoundError, match="capstone"):
        load_capstone(tmp_path / "missing.pt")
    path = save_model_with_code(tmp_path / "capstone.pt", model, tokenizer=list("abcdefghijk"))
    got = load_capstone(path, stand_in=stand_in)
    assert not got.is_stand_in and "capstone_pretraining.ipynb" in got.source
    assert isinstance(got.model, torch.nn.Module) and got.tokenizer.vocab_size == 11
    assert load_capstone(path, stand_in=stand_in, use_checkpoint=False).is_stand_in
    (tmp_path / "broken.pt").write_bytes(b"not a checkpoint")
    broken = load_capstone(tmp_path / "broken.pt", stand_in=stand_in)
    assert broken.is_stand_in and "could not be loaded" in broken.source


def test_the_module_holds_no_answer():
    """Given code: nothing of the capstone's exercises (RMSNorm, RoPE, SwiGLU, Muon) lives here."""
    src = open(model_io.__file__).read().lower()
    for word in ("rsqrt", "silu", "newton_schulz(", "3.4445", ".cos(", ".sin(", "sigmoid"):
        assert word not in src
