"""Run-time switches shared by every notebook: fast mode, seeding, device choice, timing."""

from __future__ import annotations

import os
import random
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

FAST_ENV = "COURSE_FAST"


def is_fast() -> bool:
    """True when ``COURSE_FAST=1``: notebooks then run their smallest honest version (CI, grading)."""
    return os.environ.get(FAST_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


FAST = is_fast()


def pick(fast, full):
    """Return ``fast`` in fast mode and ``full`` otherwise: the same code path, only sizes change."""
    return fast if is_fast() else full


def fast_caveat(what: str = "this figure") -> str:
    """What to print next to a figure fast mode cannot show (a timing, a speed-up, an effect that
    needs training): a warning in fast mode, nothing in full mode."""
    if not is_fast():
        return ""
    return f" (fast mode: {what} means nothing at these sizes; full mode measures it)"


def seed_everything(seed: int = 0) -> None:
    """Seed Python, numpy and torch so the same run gives the same numbers.

    torch is seeded when the notebook has imported it (import torch first, as every notebook's
    imports cell does): a NumPy-only week does not pay a second for importing torch."""
    random.seed(seed)
    np.random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)  # also seeds every CUDA device


def get_device(prefer: str | None = None) -> str:
    """The best available torch device: cuda, then mps, then cpu.

    ``COURSE_DEVICE`` in the environment (or ``prefer``) forces one, e.g. ``cpu`` to compare.
    """
    import torch

    wanted = prefer or os.environ.get("COURSE_DEVICE")
    if wanted:
        if wanted.startswith("cuda") and not torch.cuda.is_available():
            raise RuntimeError(f"device {wanted!r} was asked for but CUDA is not available here; use 'cpu'.")
        return wanted
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


class Timer:
    """Wall-clock timer: ``with Timer() as t: ...`` then ``t.seconds``."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __enter__(self) -> Timer:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._start


@contextmanager
def temporary_seed(seed: int):
    """Run a block under a fixed numpy/python seed, restoring the previous global state after."""
    py_state, np_state = random.getstate(), np.random.get_state()
    random.seed(seed)
    np.random.seed(seed)
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)


def _checkout() -> Path | None:
    """The course repository this package runs from (an editable install), or None (a learner kit)."""
    repo = Path(__file__).resolve().parent.parent
    return repo if (repo / "helpers").is_dir() and (repo / "pyproject.toml").exists() else None


def output_dir(name: str):
    """A folder for files a notebook writes and later weeks read (checkpoints, saved scores):
    ``$COURSE_OUTPUT/name``, else ``runs/name`` in the repository (git-ignored), else (a learner
    kit on a JupyterHub or in Colab) ``~/llm-course-runs/name``, one folder for every week wherever
    each week's notebook lives. Created if missing."""
    base, checkout = os.environ.get("COURSE_OUTPUT"), _checkout()
    if base:
        root = Path(base).expanduser()
    elif checkout is not None:
        root = checkout / "runs"
    else:
        root = Path.home() / "llm-course-runs"
    path = root / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def describe(torch: bool = True) -> str:
    """One line saying how this notebook runs: the mode (and what it means), device, threads.

    ``torch=False`` (a NumPy-only week): NumPy's version instead, without importing torch."""
    if is_fast():
        mode = (
            "mode: FAST (COURSE_FAST=1 is set: small sizes for CI and grading, so the results below "
            "fall short of what the text describes; unset COURSE_FAST for the real run)"
        )
    else:
        mode = "mode: full (the real sizes: the results below are the ones the text describes)"
    if not torch:
        return f"{mode} | NumPy {np.__version__} (this week needs no torch)"
    try:
        import torch as _torch
    except ImportError:
        return mode
    return f"{mode} | device: {get_device()} | torch {_torch.__version__}, {_torch.get_num_threads()} threads"
