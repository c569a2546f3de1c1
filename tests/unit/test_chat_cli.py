"""The command-line chat (python -m helpers.cli.chat), run as a learner would."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from helpers.chat import add_token_rows, with_chat_tokens
from helpers.model_io import CharTokenizer, save_model_with_code
from helpers.reference.gpt import GPT, GPTConfig
from helpers.reference.posttraining import chat

ROOT = Path(__file__).resolve().parents[2]
CHARS = list(" abcdefghijklmnopqrstuvwxyz?:")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    torch.manual_seed(0)
    tok = with_chat_tokens(CharTokenizer(CHARS))
    model = GPT(GPTConfig(vocab_size=len(CHARS), block_size=40, n_layer=1, n_head=2, n_embd=16))
    add_token_rows(model, tok.vocab_size)
    d = tmp_path_factory.mktemp("chat")
    path = save_model_with_code(d / "chat.pt", model, tokenizer=tok)
    plain = save_model_with_code(d / "plain.pt", model, tokenizer=CharTokenizer(CHARS))
    return path, plain, model.eval(), tok


def run(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "helpers.cli.chat", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
    )


def _replies(model, tok, messages, **kw):
    history, out = [], []
    for m in messages:
        history.append({"role": "user", "content": m})
        r = chat(model, tok, history, **kw)
        history.append({"role": "assistant", "content": r})
        out.append(r)
    return out


def test_messages_get_the_replies_of_the_library(saved):
    path, _, model, tok = saved
    proc = run("--checkpoint", path, "--message", "first word: ab c", "--message", "and?", "--max-new-tokens", 6)
    assert proc.returncode == 0, proc.stderr
    want = _replies(model, tok, ["first word: ab c", "and?"], max_new_tokens=6)
    assert proc.stdout == "".join(r + "\n" for r in want)


def test_interactive_loop_keeps_the_conversation_and_resets(saved):
    path, _, model, tok = saved
    proc = run("--checkpoint", path, "--max-new-tokens", 5, stdin="ab\ncd\n/reset\ncd\n/quit\nnever\n")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:2] == _replies(model, tok, ["ab", "cd"], max_new_tokens=5)
    assert lines[2] == _replies(model, tok, ["cd"], max_new_tokens=5)[0]
    assert len(lines) == 3, "/quit ends the conversation"


def in_process(capsys, monkeypatch, *args, stdin=None):
    """main() in this process (no second torch import): (status, stdout, stderr)."""
    from helpers.cli import chat as cli

    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = cli.main([str(a) for a in args])
    except SystemExit as e:  # argparse
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_old_turns_are_dropped_when_the_context_is_full(saved, capsys, monkeypatch):
    path, _, _, _ = saved
    code, out, err = in_process(
        capsys,
        monkeypatch,
        "--checkpoint",
        path,
        "--max-new-tokens",
        4,
        stdin="".join(f"abcdefgh {i}\n" for i in "abcdef"),
    )
    assert code == 0, err
    assert len(out.splitlines()) == 6


def test_sampling_is_seeded(saved, capsys, monkeypatch):
    path, _, _, _ = saved
    common = ["--checkpoint", path, "--message", "ab", "--temperature", 1.5, "--top-k", 10, "--max-new-tokens", 12]
    a, b, c = (in_process(capsys, monkeypatch, *common, "--seed", s) for s in (1, 1, 2))
    assert a[0] == 0 and a[1] == b[1] and a[1] != c[1]


def test_clear_errors_on_one_line(saved, tmp_path, capsys, monkeypatch):
    path, plain, _, _ = saved
    for args, says in [
        (("--checkpoint", tmp_path / "nope.pt", "--message", "a"), "no saved model"),
        (("--checkpoint", path, "--top-p", 1.5, "--message", "a"), "--top-p"),
        (("--checkpoint", path, "--bogus"), "unrecognized arguments"),
        (("--message", "a"), "--checkpoint"),
        (("--checkpoint", plain, "--message", "a"), "no chat tokens"),
        (("--checkpoint", path, "--message", "A"), "not in the vocabulary"),
        (("--checkpoint", path, "--message", "a<|end|>"), "chat marker"),
    ]:
        code, out, err = in_process(capsys, monkeypatch, *args)
        assert code == 2, (says, out, err)
        assert says in err and len(err.strip().splitlines()) == 1, err
    # and as a learner runs it
    proc = run("--checkpoint", tmp_path / "nope.pt", "--message", "a")
    assert (
        proc.returncode == 2 and proc.stderr.startswith("error: no saved model") and len(proc.stderr.splitlines()) == 1
    )
    helptext = run("--help")
    assert helptext.returncode == 0 and "--message" in helptext.stdout


def test_without_week_11s_answers_it_says_what_is_missing(monkeypatch, capsys, tmp_path):
    """A course kit of week 11 holds no helpers.reference.posttraining: one clear line, status 2."""
    from helpers.cli import chat as cli

    monkeypatch.setitem(sys.modules, "helpers.reference.posttraining", None)
    code = cli.main(["--checkpoint", str(tmp_path / "any.pt"), "--message", "hi"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "helpers.reference.posttraining is not installed" in err and len(err.strip().splitlines()) == 1, err
