"""The command-line inference script (python -m helpers.cli.generate), run as a learner would."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from helpers.reference.checkpoint import save_checkpoint
from helpers.reference.gpt import GPT, GPTConfig
from helpers.reference.quantize import quantize_model
from helpers.reference.sampling import generate
from helpers.reference.text import decode, encode

ROOT = Path(__file__).resolve().parents[2]
VOCAB = list("\n abcdefgh")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=len(VOCAB), block_size=16, n_layer=1, n_head=2, n_embd=16))
    return save_checkpoint(tmp_path_factory.mktemp("ck") / "tiny.pt", model, vocab=VOCAB), model


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "helpers.cli.generate", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_greedy_completion_matches_the_library(checkpoint):
    path, model = checkpoint
    proc = run("--checkpoint", path, "--prompt", "bad", "--max-new-tokens", 20, "--temperature", 0)
    assert proc.returncode == 0, proc.stderr
    stoi = {c: i for i, c in enumerate(VOCAB)}
    want = generate(model.eval(), torch.tensor([encode("bad", stoi)]), 20, temperature=0)
    assert proc.stdout == decode(want[0].tolist(), VOCAB) + "\n"
    nocache = run("--checkpoint", path, "--prompt", "bad", "--max-new-tokens", 20, "--temperature", 0, "--no-kv-cache")
    assert nocache.stdout == proc.stdout


def test_sampling_flags_and_seed(checkpoint):
    path, _ = checkpoint
    common = [
        "--checkpoint",
        path,
        "--prompt",
        "a",
        "--max-new-tokens",
        40,
        "--temperature",
        1.5,
        "--top-k",
        5,
        "--top-p",
        0.9,
        "--stats",
    ]
    a, b, c = run(*common, "--seed", 1), run(*common, "--seed", 1), run(*common, "--seed", 2)
    assert a.returncode == 0, a.stderr
    assert a.stdout == b.stdout, "the same seed gives the same text"
    assert a.stdout != c.stdout, "another seed gives another text"
    assert a.stdout.startswith("a") and len(a.stdout) == 1 + 40 + 1
    assert "tokens/s" in a.stderr


def test_int8_weights_give_the_quantized_models_tokens_and_say_so(checkpoint):
    path, model = checkpoint
    args = ["--checkpoint", path, "--prompt", "bad", "--max-new-tokens", 20, "--temperature", 0, "--stats"]
    proc = run(*args, "--int8")
    assert proc.returncode == 0, proc.stderr
    stoi = {c: i for i, c in enumerate(VOCAB)}
    want = generate(quantize_model(model).eval(), torch.tensor([encode("bad", stoi)]), 20, temperature=0)
    assert proc.stdout == decode(want[0].tolist(), VOCAB) + "\n"
    assert "weights int8" in proc.stderr and "MB of parameters" in proc.stderr, proc.stderr
    plain = run(*args)
    assert "weights float32" in plain.stderr, plain.stderr
    mb = [float(p.stderr.split("weights ")[1].split(", ")[1].split(" MB")[0]) for p in (plain, proc)]
    assert mb[1] < mb[0] / 2, f"int8 weights should take far less memory: {mb}"


def test_clear_errors(checkpoint, tmp_path):
    path, _ = checkpoint
    missing = run("--checkpoint", tmp_path / "nope.pt", "--prompt", "a")
    assert missing.returncode == 2 and "no checkpoint" in missing.stderr
    unknown = run("--checkpoint", path, "--prompt", "xyz")
    assert unknown.returncode == 2 and "not in the vocabulary" in unknown.stderr
    bad_p = run("--checkpoint", path, "--top-p", 1.5)
    assert bad_p.returncode == 2 and "--top-p" in bad_p.stderr
    helptext = run("--help")
    assert helptext.returncode == 0 and "--max-new-tokens" in helptext.stdout


def test_without_this_weeks_answers_it_says_what_is_missing(monkeypatch, capsys, tmp_path):
    """A week-9 course kit has no helpers.reference.sampling: one clear line and status 2."""
    from helpers.cli import generate as cli

    monkeypatch.setitem(sys.modules, "helpers.reference.sampling", None)  # importing it now fails
    code = cli.main(["--checkpoint", str(tmp_path / "any.pt"), "--prompt", "ROMEO:"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "helpers.reference.sampling is not installed" in err and "week 10" in err, err
