"""Unit tests for helpers.reference.checkpoint."""

import pytest
import torch

from helpers.reference.checkpoint import load_checkpoint, load_model, restore_optimizer, save_checkpoint
from helpers.reference.gpt import GPT, GPTConfig


def test_round_trip(tmp_path):
    torch.manual_seed(0)
    cfg = GPTConfig(vocab_size=5, block_size=8, n_layer=1, n_head=2, n_embd=8, positions="sinusoidal")
    model = GPT(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    idx = torch.randint(0, 5, (2, 8))
    _, loss = model(idx, idx)
    loss.backward()
    opt.step()
    path = save_checkpoint(
        tmp_path / "sub" / "ck.pt", model, opt, vocab=list("abcde"), step=7, metrics={"val_loss": 1.25}
    )
    assert path.exists() and not path.with_name("ck.pt.tmp").exists()
    restored, ckpt = load_model(path)
    assert not restored.training
    assert restored.config == cfg
    assert ckpt["vocab"] == list("abcde") and ckpt["step"] == 7 and ckpt["metrics"] == {"val_loss": 1.25}
    model.eval()
    assert torch.equal(restored(idx)[0], model(idx)[0])
    opt2 = torch.optim.AdamW(restored.parameters(), lr=1e-3)
    restore_optimizer(opt2, ckpt)
    assert opt2.state_dict()["state"][0]["step"] == opt.state_dict()["state"][0]["step"]


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")
    bad = tmp_path / "bad.pt"
    bad.write_text("not a checkpoint")
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load_checkpoint(bad)
    torch.save({"x": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a course GPT checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
    model = GPT(GPTConfig(vocab_size=5, block_size=8, n_layer=1, n_head=2, n_embd=8))
    with pytest.raises(ValueError, match="vocabulary"):
        save_checkpoint(tmp_path / "v.pt", model, vocab=list("abc"))
    path = save_checkpoint(tmp_path / "noopt.pt", model)
    with pytest.raises(ValueError, match="optimizer"):
        restore_optimizer(torch.optim.SGD(model.parameters(), lr=0.1), load_checkpoint(path))
