"""The one way the course runs nbgrader and the kernels that grade: the environment and the command.

Fast mode belongs to grading and testing, nowhere else. ``nbgrader_config.py`` is also loaded by
the formgrader extension inside every JupyterLab a learner or instructor starts, so it must not
change any process environment; instead the grading commands and the test harness start their
processes with ``grading_env()``, which their kernels inherit.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

BIN = Path(sys.executable).parent

# What a grading kernel runs with: the smallest honest notebook sizes, and two BLAS threads so
# that kernels graded side by side stay predictable (and as fast as before this module).
GRADING_VARS = {"COURSE_FAST": "1", "OMP_NUM_THREADS": "2"}


def threads_per_kernel(side_by_side: int, cap: int | None = None) -> int:
    """Torch (OpenMP) threads for each of ``side_by_side`` kernels sharing this machine's cores, at most
    ``cap``. More threads than cores makes torch's threads spin-wait on each other: week 8 graded 15x
    slower with two kernels of two threads each on two cores."""
    share = max(1, (os.cpu_count() or 1) // max(1, side_by_side))
    return min(share, cap) if cap else share


def with_bin_on_path(env: dict[str, str]) -> dict[str, str]:
    """``env`` with this Python's bin first on PATH (nbgrader runs ``alembic`` and ``jupyter`` from PATH)."""
    env = dict(env)
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")
    return env


def grading_env(extra: dict[str, str] | None = None, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for nbgrader and the kernels it starts: fast mode, headless plots, PATH."""
    env = with_bin_on_path(dict(os.environ if base is None else base))
    env.update(GRADING_VARS)
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(extra or {})
    return env


def nbgrader_command(*args: str) -> list[str]:
    """Command line of ``nbgrader ARGS`` with this environment's nbgrader."""
    exe = BIN / "nbgrader"
    return [str(exe) if exe.exists() else "nbgrader", *args]


def run_nbgrader_app(argv: list[str], config: dict | None = None) -> int:
    """Run ``nbgrader ARGV`` in this process (the grading supervisor's forked children use this,
    with extra traitlets ``config`` on top of nbgrader_config.py); returns the exit status."""
    from nbgrader.apps.nbgraderapp import NbGraderApp
    from traitlets.config import Config

    sys.argv = ["nbgrader", *argv]
    kwargs = {"config": Config(config)} if config else {}
    try:
        NbGraderApp.launch_instance(argv=argv, **kwargs)
        return 0
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
