"""The one training-loop shape used from week 4 on: a step function, periodic evaluation,
a tqdm progress bar, and a history of train/validation losses.

    history = train(step, num_steps, evaluate=evaluate, eval_every=100)
    plot_curves({"train": history.train_loss, "val": history.val_loss},
                xs={"train": history.train_steps, "val": history.eval_steps})

For language models, ``lm_step`` and ``estimate_loss`` make ``step`` and ``evaluate`` from a
model, an optimizer and token tensors.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F


def _reference_get_batch():
    # Week 5's answer, loaded only when a caller does not pass its own ``get_batch``: this module
    # is given from week 1 on, so it must not import (or contain) a later week's answer.
    try:
        from helpers.reference.text import get_batch
    except ImportError:  # week 5's own kit: week 5's answers are not installed yet
        raise ImportError(
            "no get_batch given, and the default one (week 5's reference answer, helpers.reference.text) "
            "is not installed: pass your own, get_batch=..., called as get_batch(data, block_size, "
            "batch_size, generator, device)"
        ) from None
    return get_batch


@dataclass
class History:
    train_steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    extra: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def best_val(self) -> float:
        return min(self.val_loss) if self.val_loss else math.nan


def train(
    step: Callable[[int], float],
    num_steps: int,
    evaluate: Callable[[], dict | float] | None = None,
    eval_every: int = 100,
    desc: str = "training",
    log_every: int = 1,
    progress: bool = True,
    stop: Callable[[History], bool] | None = None,
) -> History:
    """Call ``step(i)`` (one optimisation step, returns the training loss) ``num_steps`` times.

    ``evaluate()`` runs every ``eval_every`` steps and after the last one; it returns the
    validation loss, or a dict with ``val_loss`` and any other metrics (kept in ``extra``).
    ``stop(history)``, if given, is called after each evaluation; True ends training there
    (early stopping).
    """
    import time

    from tqdm.auto import tqdm

    hist = History()
    start = time.perf_counter()
    bar = tqdm(range(num_steps), desc=desc, disable=not progress, mininterval=1.0)
    for i in bar:
        loss = float(step(i))
        if not math.isfinite(loss):
            raise FloatingPointError(
                f"training loss became {loss} at step {i}: lower the learning rate or clip gradients"
            )
        if i % log_every == 0 or i == num_steps - 1:
            hist.train_steps.append(i)
            hist.train_loss.append(loss)
        if evaluate is not None and ((i + 1) % eval_every == 0 or i == num_steps - 1):
            result = evaluate()
            metrics = result if isinstance(result, dict) else {"val_loss": float(result)}
            hist.eval_steps.append(i + 1)
            hist.val_loss.append(float(metrics["val_loss"]))
            for k, v in metrics.items():
                if k != "val_loss":
                    hist.extra.setdefault(k, []).append(float(v))
            bar.set_postfix(train=f"{loss:.3f}", val=f"{hist.val_loss[-1]:.3f}")
            if stop is not None and stop(hist):
                break
    bar.close()
    hist.seconds = time.perf_counter() - start
    return hist


def lm_loss(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross entropy of a model whose forward returns logits (B, T, V) first."""
    out = model(x)
    logits = out[0] if isinstance(out, tuple) else out
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))


@torch.no_grad()
def estimate_loss(
    model: torch.nn.Module,
    data: torch.Tensor,
    block_size: int,
    batch_size: int,
    num_batches: int = 20,
    seed: int = 1234,
    device: str = "cpu",
    loss_fn: Callable = lm_loss,
    get_batch: Callable | None = None,
) -> float:
    """Average loss over ``num_batches`` fixed random windows (the same windows on every call).
    ``get_batch(data, block_size, batch_size, generator, device)`` draws them (default: week 5's)."""
    get_batch = get_batch or _reference_get_batch()
    was_training = model.training
    model.eval()
    g = torch.Generator().manual_seed(seed)
    losses = [float(loss_fn(model, *get_batch(data, block_size, batch_size, g, device))) for _ in range(num_batches)]
    model.train(was_training)
    return sum(losses) / len(losses)


def lm_step(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    data: torch.Tensor,
    block_size: int,
    batch_size: int,
    generator: torch.Generator | None = None,
    device: str = "cpu",
    grad_clip: float | None = None,
    loss_fn: Callable = lm_loss,
    scheduler=None,
    get_batch: Callable | None = None,
) -> Callable[[int], float]:
    """A ``step`` for ``train``: one random batch, forward, backward, optional clipping, update.
    ``get_batch`` draws the batch (default: week 5's ``helpers.reference.text.get_batch``)."""
    get_batch = get_batch or _reference_get_batch()

    def step(_: int) -> float:
        x, y = get_batch(data, block_size, batch_size, generator, device)
        loss = loss_fn(model, x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        return loss.item()

    return step
