"""Saving and restoring a GPT with everything needed to use it again: counted as week 4's reference
(week 4 writes checkpoints that resume training), used by weeks 8-10 and ``helpers.cli.generate``.

A checkpoint is one ``torch.save`` file holding plain types only (it loads with
``weights_only=True``): the model's weights, its ``GPTConfig`` as a dict, the optimizer state,
the vocabulary (``itos``, the list of characters) and any metrics.

    save_checkpoint(path, model, optimizer, vocab=data.itos, step=1200, metrics={"val_loss": 1.52})
    model, ckpt = load_model(path)          # a GPT in eval mode, and the checkpoint dict
"""

from __future__ import annotations

import os
from dataclasses import asdict, is_dataclass
from pathlib import Path

import torch

FORMAT = "llm-course-gpt/1"


def save_checkpoint(
    path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    config=None,
    *,
    vocab: list[str] | None = None,
    step: int = 0,
    metrics: dict | None = None,
) -> Path:
    """Write the checkpoint atomically (a temporary file, then a rename) and return its path.

    ``config`` defaults to ``model.config``; ``vocab`` is the id -> token list (``itos``).
    """
    path = Path(path)
    config = config if config is not None else getattr(model, "config", None)
    if config is None:
        raise ValueError("save_checkpoint needs a config (pass config=..., or a model with a .config)")
    config_dict = asdict(config) if is_dataclass(config) else dict(config)
    if vocab is not None:
        vocab = [str(t) for t in vocab]
        if len(vocab) != config_dict.get("vocab_size", len(vocab)):
            raise ValueError(
                f"the vocabulary has {len(vocab)} tokens but config.vocab_size is {config_dict['vocab_size']}"
            )
    ckpt = {
        "format": FORMAT,
        "model_state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "optimizer_state": optimizer.state_dict() if optimizer is not None else None,
        "config": config_dict,
        "vocab": vocab,
        "step": int(step),
        "metrics": {k: float(v) for k, v in (metrics or {}).items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(ckpt, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path, map_location: str | torch.device = "cpu") -> dict:
    """The checkpoint dict (``model_state``, ``optimizer_state``, ``config``, ``vocab``, ``step``, ``metrics``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no checkpoint at {path}: train and save a model first "
            "(helpers.reference.checkpoint.save_checkpoint), or check the path"
        )
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # noqa: BLE001 - any unpickling error means the same thing to the user
        raise ValueError(f"{path} is not a readable checkpoint ({type(e).__name__}: {e})") from e
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise ValueError(f"{path} is not a course GPT checkpoint (expected format {FORMAT!r})")
    return ckpt


def load_model(path, device: str | torch.device = "cpu", model_class=None):
    """Rebuild the model from a checkpoint: returns ``(model in eval mode, checkpoint dict)``.

    ``model_class`` defaults to ``helpers.reference.gpt.GPT``; it is called with ``GPTConfig(**ckpt["config"])``.
    """
    from helpers.reference.gpt import GPT, GPTConfig

    ckpt = load_checkpoint(path, map_location=device)
    model = (model_class or GPT)(GPTConfig(**ckpt["config"]))
    model.load_state_dict(ckpt["model_state"])
    model.to(device).eval()
    return model, ckpt


def restore_optimizer(optimizer: torch.optim.Optimizer, ckpt: dict) -> None:
    """Load a checkpoint's optimizer state (to resume training)."""
    if ckpt.get("optimizer_state") is None:
        raise ValueError("this checkpoint was saved without an optimizer state")
    optimizer.load_state_dict(ckpt["optimizer_state"])
